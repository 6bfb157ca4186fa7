#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (the dashboard, the HTML
# report). CI runs as root on a clean machine; elsewhere a missing browser
# makes those tests skip with that reason (never under CI=true).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(chromium --version 2>/dev/null || echo present)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium is missing and this is not root: install it with 'apt-get install -y chromium'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
echo "chromium: $(chromium --version)"

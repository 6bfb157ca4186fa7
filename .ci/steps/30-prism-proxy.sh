#!/usr/bin/env bash
# Prism in proxy mode in front of the reference mock: a scripted session over
# every operation and error status must draw no violation. The Go program
# starts the mock on 127.0.0.1, Prism on a free port, and kills both on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v npx >/dev/null || { echo "npx (Node 20) is required"; exit 1; }
timeout 600 go run ./mockserver/internal/prismsession -spec openapi.yaml -timeout 9m

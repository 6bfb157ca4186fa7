#!/usr/bin/env bash
# Lints both contract documents with Spectral and Redocly. Runs on a clean
# machine (Node 20, npm, CI=true, no stdin): npx installs the pinned tools.
set -euo pipefail
cd "$(dirname "$0")/../.."

specs=(openapi.yaml control-api.yaml)
export NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false

echo "-- spectral"
npx --yes @stoplight/spectral-cli@6.16.3 lint \
  --ruleset .ci/tools/spectral.yaml --fail-severity error "${specs[@]}" </dev/null

echo "-- redocly"
npx --yes @redocly/cli@2.77.0 lint --config .ci/tools/redocly.yaml "${specs[@]}" </dev/null

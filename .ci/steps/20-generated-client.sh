#!/usr/bin/env bash
# Regenerates the example agent's client from openapi.yaml (oapi-codegen,
# pinned in the go:generate line) and fails when the committed code differs:
# a change to openapi.yaml must come with the client it generates.
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=examples/go-agent
go generate ./"$dir"/...
if ! git diff --exit-code --stat -- "$dir"; then
  echo "the generated client differs from openapi.yaml: run 'go generate ./$dir/...' and commit the result"
  git diff -- "$dir" | head -40 || true
  exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- "$dir")
if [ -n "$untracked" ]; then
  echo "go generate wrote files that are not committed: $untracked"
  exit 1
fi
echo "the generated client matches openapi.yaml"

#!/usr/bin/env bash
# `npm run typecheck`: the three programs (tsconfig.server.json: the service without the DOM;
# tsconfig.browser.json: the hosted pages' scripts and the SDK without Node; tsconfig.json: tests,
# benchmarks and scripts) checked side by side, each remembering what it checked
# (node_modules/.cache/tsc/, incremental) so that a check after a small change reads only that.
# Fails when any of them fails, after all have printed their errors.
set -uo pipefail
cd "$(dirname "$0")/.."
cache=node_modules/.cache/tsc
mkdir -p "$cache"
pids=()
for project in tsconfig.server.json tsconfig.browser.json tsconfig.json; do
  npx tsc --noEmit --incremental --tsBuildInfoFile "$cache/${project%.json}.tsbuildinfo" -p "$project" &
  pids+=("$!")
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit "$status"

#!/usr/bin/env bash
# Runs the whole test suite against the real Postgres on 127.0.0.1:5432 (each test file makes its
# own fresh database). Node 20's test runner does not expand ** globs, hence find.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
exec node --import tsx --test --test-reporter=spec --test-concurrency=1 "${files[@]}"

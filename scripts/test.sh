#!/usr/bin/env bash
# Runs the whole test suite (or the files given) against the real PostgreSQL on 127.0.0.1:5432,
# starting the machine's cluster first if it is installed but stopped. Each test file makes its
# own fresh database. Node 20's test runner does not expand ** globs, hence find.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TEST_PG_ADMIN_URL:-}" ] && command -v pg_isready >/dev/null && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sed -n 1p)" main start
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
fi
# The hosted pages are served from dist/ui (browser tests need them current).
node scripts/build-ui.mjs >/dev/null
# The tests that run the service's programs as child processes run its production build, made
# here once for the test files that share it (test/support/app-build.ts).
node --import tsx test/support/app-build.ts >/dev/null
# The OpenAPI tests run buf, which needs the third-party protos (never committed).
node scripts/proto-deps.mjs
if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
# The files run in TEST_CONCURRENCY test workers (test/support/workers/worker.ts): processes that
# each run file after file, claimed from one queue, longest first — so the service is imported once
# per worker instead of once per file (2–2.5 s of CPU each). A file still gets its own database,
# ports and directories, and its top-level hooks run around its own tests. 3 workers: the suite is
# CPU-bound on a 2-core machine (4 were slower, docs/operations.md), and 3 stay within Postgres's
# default max_connections = 100: a test server opens at most DATABASE_POOL_MAX 10 + DATABASE_PIPELINES 2
# connections, a file at most two servers (docs/operations.md, "Tests").
# Files that watch the whole process keep a process of their own:
# - no-async-local-storage.test.ts counts every AsyncLocalStorage call the process makes.
declare -A own_process=([test/persistence/no-async-local-storage.test.ts]=1)
shared=() alone=()
for file in "${files[@]}"; do
  if [ -n "${own_process[$file]:-}" ]; then alone+=("$file"); else shared+=("$file"); fi
done
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
mkdir "$run/claims"
node test/support/workers/queue.mjs "${shared[@]}" > "$run/queue"
workers=()
for i in $(seq 1 "$(( ${#shared[@]} < ${TEST_CONCURRENCY:-3} ? ${#shared[@]} : ${TEST_CONCURRENCY:-3} ))"); do
  printf 'import "%s/test/support/workers/worker.ts";\n' "$PWD" > "$run/worker-$i.mjs"
  workers+=("$run/worker-$i.mjs")
done
# TypeScript through test/support/ts-loader.mjs (not tsx: its resolver cost each file ≈ 0.6 s of
# CPU). TEST_FILE_TIMINGS=<path>: one line per file with its wall and CPU time
# (test/support/file-timing.mjs, workers/worker.ts). Node 20's timeout is per process (a worker's
# whole run): it only ends a worker that hangs.
preload=(--import ./test/support/ts-loader.mjs)
if [ -n "${TEST_FILE_TIMINGS:-}" ]; then preload+=(--import ./test/support/file-timing.mjs); fi
TEST_QUEUE="$run/queue" TEST_CLAIMS="$run/claims" node "${preload[@]}" --test --test-reporter=spec \
  --test-concurrency="${TEST_CONCURRENCY:-3}" --test-timeout="${TEST_TIMEOUT_MS:-1800000}" "${alone[@]}" "${workers[@]}"

#!/bin/bash
# bench/auth-cold-request/run.sh MODE LOOPS: server.mjs on CPU 0, client.mjs on CPU 1 (see server.mjs).
# Timing on a loaded machine is noise: state the load average, alternate modes.
# run.sh WASM LOOPS
mkdir -p /tmp/lr; cd "$(dirname "$0")"; export PORT=$((20000 + RANDOM % 1000)) WASM=$1 LOOPS=${2:-4}
taskset -c 0 node server.mjs > /tmp/lr/srv.$PORT.log 2>&1 & S=$!
until grep -q ready /tmp/lr/srv.$PORT.log 2>/dev/null; do sleep 0.1; done
taskset -c 1 node client.mjs
kill $S

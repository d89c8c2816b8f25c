#!/bin/bash
# Per-thread CPU of a node process, once a second: waits for the node process whose command line
# contains PATTERN (e.g. "$PWD/bench/auth-bench-server.ts" while `npm run bench:auth` runs), then
# prints, per second until it exits, its main thread's CPU and the sum of its other threads' (V8's
# platform workers: GC, compilers; libuv's pool; worker threads), in clock ticks (getconf
# CLK_TCK: 10 ms), and each other thread's own, by thread id. bench:auth pins all of the server's
# threads to one CPU, so the other threads' time is time the main thread could not run.
#
#   bash bench/thread-cpu.sh PATTERN > threads.txt &  npm run bench:auth -- --scenarios login
pattern=$1
until pid=$(for p in $(pgrep -f "$pattern"); do readlink "/proc/$p/exe" 2>/dev/null | grep -q node && echo "$p"; done | head -1) &&
  [ -n "$pid" ]; do sleep 0.2; done
declare -A before
started=$(date +%s.%N)
echo "# pid $pid: seconds since found, main-thread ticks, other threads' ticks, then tid:ticks of each busy other thread"
while kill -0 "$pid" 2>/dev/null; do
  main=0 others=0 busy=""
  for task in /proc/"$pid"/task/*; do
    tid=${task##*/}
    # utime + stime: fields 14 and 15, counted after the ")" that closes the thread's name
    ticks=$(sed 's/.*) //' "$task/stat" 2>/dev/null | awk '{print $12 + $13}')
    [ -z "$ticks" ] && continue
    delta=$((ticks - ${before[$tid]:-0}))
    before[$tid]=$ticks
    if [ "$tid" = "$pid" ]; then main=$delta; else
      others=$((others + delta))
      [ "$delta" -gt 0 ] && busy="$busy $tid:$delta"
    fi
  done
  printf '%6.1f %4d %4d %s\n' "$(echo "$(date +%s.%N) - $started" | bc)" "$main" "$others" "$busy"
  sleep 1
done

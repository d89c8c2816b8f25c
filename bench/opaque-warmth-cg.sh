#!/bin/bash
# Callgrind's cache simulation of OPAQUE's server.startLogin + finishLogin after other work
# (bench/opaque-warmth.ts): instruction and miss counts, which the machine's load does not change.
# Three runs of COUNT rounds each, after WARM uncounted rounds (callgrind_control toggles the
# collection around the counted ones):
#   hot       --kinds hot: two logins per round (one "filler" login, one timed)
#   KIND      --kinds KIND: the filler, startLogin, the filler, finishLogin
#   KIND-only --kinds KIND --filler-only: the two fillers alone
# Per login, KIND − KIND-only − hot/2 is what the filler's passage costs the login (and the login
# the filler): the misses a cold login adds. The simulated last level is a 2 MiB L2 (this Xeon's
# per-core L2; its 300 MiB L3 holds the wasm's working set whatever ran before), so "LL misses"
# are L2 misses served by L3. The simulation has no TLB, prefetcher or other processes.
# --no-liftoff: every wasm function compiled by TurboFan at once, i.e. the fully tiered-up state
# (with V8's dynamic tiering, a few dozen warm-up rounds under valgrind leave much of the wasm on
# Liftoff, and each process at a different point of its tier-up: counts not comparable).
#
#   bash bench/opaque-warmth-cg.sh [KIND=mem] [COUNT=30] [WARM=30]
cd "$(dirname "$0")/.." || exit 1
KIND=${1:-mem} COUNT=${2:-30} WARM=${3:-30}
OUT=$(mktemp -d /tmp/opaque-warmth-cg.XXXX)
run() { # label, harness args…
  local label=$1; shift
  valgrind --tool=callgrind --cache-sim=yes --branch-sim=yes --LL=2097152,16,64 --instr-atstart=no \
    --callgrind-out-file="$OUT/$label.%p" --separate-threads=no \
    node --expose-gc --max-old-space-size=768 --no-liftoff --import tsx bench/opaque-warmth.ts \
    --users 4 --warmup "$WARM" --count "$COUNT" --callgrind-toggle "$@" > "$OUT/$label.log" 2>&1
  # the dump callgrind_control -d made after the counted rounds
  echo "$label $(grep -h '^totals:' "$OUT/$label".*.1 | cut -d' ' -f2-)"
}
echo "# events: label Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim; $COUNT rounds; load $(cut -d' ' -f1-3 /proc/loadavg)"
run hot --kinds hot
run "$KIND" --kinds "$KIND"
run "$KIND-only" --kinds "$KIND" --filler-only
echo "# per login, by kind of code (the wasm is the jit region with ≈ 13 M instructions per login):"
node --import tsx bench/callgrind-regions.ts --per $((2 * COUNT)) "$OUT"/hot.*.1
node --import tsx bench/callgrind-regions.ts --per "$COUNT" "$OUT/$KIND".*.1
echo "# outputs in $OUT"

#!/bin/sh
# model.sh - check model/fence.pml with spin (model/README.md).
# usage: test/model.sh check|full
#   check  bounded: safety with at most 3 faults, liveness with at most 2,
#          and each broken variant must show the double run (make check)
#   full   safety with MODEL_MAXF faults (default 4), liveness with
#          MODEL_LIVE_MAXF (default 3), the variants (make model, make bench)
# Prints one line per run with the states spin explored, then
# "N passed, N failed". Without spin: "not run", nothing counted.
mode=${1:-check}
model=$(cd "$(dirname "$0")/.." && pwd)/model/fence.pml
pass=0
fail=0
if ! command -v spin >/dev/null 2>&1; then
    echo "model: spin not installed - not run"
    echo "0 passed, 0 failed"
    exit 0
fi
case $mode in
check) safe_f=3 live_f=2 ;;
full) safe_f=${MODEL_MAXF:-4} live_f=${MODEL_LIVE_MAXF:-3} ;;
*) echo "usage: $0 check|full" >&2 && exit 2 ;;
esac
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# run NAME EXPECT(ok|violation) SPIN_DEFINES PAN_CC_FLAGS PAN_RUN_FLAGS
run() {
    name=$1 expect=$2
    rm -f "$dir"/pan* "$dir"/*.trail
    if ! (cd "$dir" && spin $3 -a "$model" >spin.out 2>&1 &&
        ${CC:-cc} -w -O1 $4 -o pan pan.c >cc.out 2>&1); then
        echo "FAIL: model $name: spin or cc failed"
        cat "$dir/spin.out" "$dir/cc.out" 2>/dev/null | head -n 5
        fail=$((fail + 1))
        return
    fi
    (cd "$dir" && ./pan $5 >pan.out 2>&1)
    states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$dir/pan.out" | head -n 1)
    errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/pan.out" | head -n 1)
    secs=$(sed -n 's/^pan: elapsed time \([0-9.]*\).*/\1/p' "$dir/pan.out")
    what=$(grep -m1 -E 'assertion violated|acceptance cycle' "$dir/pan.out" | sed 's/^pan:1: //')
    if [ -z "$errors" ]; then
        result="no result"
    elif [ "$errors" -eq 0 ]; then
        result=ok
    else
        result=violation
    fi
    echo "model: $name: $result, ${states:-?} states explored, ${secs:-?} s${what:+ ($what)}"
    if [ "$result" = "$expect" ]; then
        pass=$((pass + 1))
    else
        echo "FAIL: model $name: expected $expect, got $result"
        tail -n 20 "$dir/pan.out"
        fail=$((fail + 1))
    fi
}

run "safety (faults <= $safe_f)" ok "-DMAXF=$safe_f" "-DSAFETY -DCOLLAPSE" "-m200000"
run "liveness of recovery under weak fairness (faults <= $live_f)" ok \
    "-DMAXF=$live_f -DLIVE" "-DNFAIR=3 -DCOLLAPSE" "-a -f -m200000 -N recovery"
for v in BROKEN_TIMING FEED_ANY FEED_NOCHECK; do
    run "broken variant $v" violation "-DMAXF=4 -D$v" "-DSAFETY -DCOLLAPSE" "-m200000"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

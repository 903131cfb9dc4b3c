#!/bin/sh
# differential.sh - run ha-tester and the reference simulator on generated
# scenarios and report the first differing line of each mismatch.
# usage: ORACLE=SIM sh test/differential.sh HAVEN_BINARY [COUNT] [FIRST_SEED]
# ORACLE is the reference simulator, a python3 script run as
# 'python3 SIM SCENARIO_DIR OUT_DIR' that writes OUT_DIR/log; it is not part
# of haven, so there is no default (and this is not part of 'make check').
usage="usage: ORACLE=SIM sh test/differential.sh HAVEN_BINARY [COUNT] [FIRST_SEED]"
[ $# -ge 1 ] || { echo "$usage" >&2; exit 2; }
haven=$1
count=${2:-300}
seed=${3:-1}
oracle=${ORACLE:-}
gen=${GEN:-test/gen_scenario.py}
if [ -z "$oracle" ]; then
    echo "differential.sh: ORACLE not set: name the reference simulator" >&2
    echo "$usage" >&2
    exit 2
fi
[ -f "$oracle" ] || { echo "differential.sh: $oracle: no reference simulator" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
skip=0
end=$((seed + count))
while [ "$seed" -lt "$end" ]; do
    d="$work/scn-$seed"
    python3 "$gen" "$seed" "$d"
    python3 "$oracle" "$d" "$work/want" >/dev/null 2>&1
    "$haven" ha-tester -q "$d" "$work/got" >/dev/null 2>"$work/err"
    if [ ! -f "$work/want/log" ]; then
        skip=$((skip + 1)) # the reference itself crashed (e.g. 'lock' of a deleted service)
        echo "seed $seed: skipped, the reference simulator wrote no log"
    elif cmp -s "$work/want/log" "$work/got/log"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        first=$(diff "$work/want/log" "$work/got/log" | grep -m 2 '^[<>]' | tr '\n' ' ')
        echo "seed $seed: $first"
        [ -n "${KEEP:-}" ] && cp -r "$d" "$KEEP/scn-$seed"
    fi
    rm -rf "$work/want" "$work/got" "$d"
    seed=$((seed + 1))
done
[ "$skip" -eq 0 ] || echo "$skip skipped: the reference simulator wrote no log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

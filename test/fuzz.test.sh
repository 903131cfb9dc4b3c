#!/bin/sh
# fuzz.test.sh - every libFuzzer harness (test/fuzz_*.c) that make check
# built replays its seeds and regression inputs (test/fuzz/<target>/) and
# fuzzes on for FUZZ_CHECK_S seconds (default 1): the harnesses keep
# building and no input that once crashed a parser crashes it again. Each
# target is one test. Without clang nothing is built: "not run", nothing
# counted. The real campaigns are make fuzz and make bench.
# usage: sh test/fuzz.test.sh [HAVEN_BINARY]   (the binary is not used)
set -u
. test/fuzz_run.sh
secs=${FUZZ_CHECK_S:-1}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

found=0
for t in test/fuzz_*.c; do
    t=${t#test/fuzz_}
    t=${t%.c}
    bin=build/fuzz/fuzz_$t
    if [ ! -x "$bin" ]; then
        continue
    fi
    found=1
    art=build/fuzz/check-crashes/$t
    rm -rf "$art"
    if fuzz_run "$t" "$secs" "$tmp/$t" "$art" "$tmp/$t.log" && [ "$FUZZ_CRASHES" -eq 0 ]; then
        pass=$((pass + 1))
        echo "ok: fuzz_$t ($FUZZ_EXECS execs)"
    else
        fail=$((fail + 1))
        echo "FAIL: fuzz_$t: crashed; the input is in $art/"
        grep -E 'ERROR|SUMMARY|broken promise|runtime error' "$tmp/$t.log" | head -n 5
    fi
done
if [ "$found" = 0 ]; then
    echo "fuzz: not run (no harness built: make check builds them when clang is installed)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

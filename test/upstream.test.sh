#!/bin/sh
# upstream.test.sh - every upstream regression scenario through the given binary
# (in 'make check' the sanitizer build), log compared byte for byte with log.expect.
# usage: test/upstream.test.sh HAVEN_BINARY
# The folder comes from UPSTREAM_SCENARIOS (the Makefile passes it); without it the
# test says so and counts nothing, so the project's tests pass on their own.
haven=$1
dir=${UPSTREAM_SCENARIOS:-}
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    echo "upstream.test.sh: no upstream scenario folder (UPSTREAM_SCENARIOS='$dir'): not run"
    echo "0 passed, 0 failed"
    exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
. "$(dirname "$0")/lib.sh"
for d in "$dir"/*/; do
    [ -f "$d/cmdlist" ] && [ -f "$d/log.expect" ] || continue
    rm -rf "$out/scn"
    mkdir -p "$out/scn"
    if "$haven" ha-tester "$d" "$out/scn" >/dev/null 2>"$out/err" &&
        cmp -s "$d/log.expect" "$out/scn/log"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $(basename "$d")"
        diff "$d/log.expect" "$out/scn/log" 2>&1 | head -n 6
        grep -m 3 -E 'ERROR|runtime error' "$out/err"
    fi
done
t_summary

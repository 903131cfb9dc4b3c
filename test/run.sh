#!/bin/sh
# run.sh - run every kind of test and print one total line.
# usage: test/run.sh HAVEN_BINARY TEST_BINARY...
#   - unit test binaries (build/test/test_*): each prints "N passed, N failed"
#   - shell tests test/*.test.sh: called with the binary, print the same line
#   - scenario folders test/scenarios/*/: 'haven ha-tester DIR OUT' must write
#     OUT/log equal to DIR/log.expect, byte for byte
# A crash or a missing summary line counts as one failure.
haven=$1
shift
pass=0
fail=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

add_summary() { # name last-line
    case $2 in
    *" passed, "*" failed")
        p=${2%% passed*}
        p=${p##* }
        f=${2#*passed, }
        f=${f%% failed*}
        pass=$((pass + p))
        fail=$((fail + f))
        [ "$f" -eq 0 ] || echo "FAIL: $1 ($f failed)"
        ;;
    *)
        echo "FAIL: $1 (no summary line)"
        fail=$((fail + 1))
        ;;
    esac
}

for t in "$@"; do
    last=$("$t" 2>"$out/stderr" | tail -n 1)
    [ -s "$out/stderr" ] && sed 's/^/  /' "$out/stderr" | head -n 40
    add_summary "$t" "$last"
done

for t in test/*.test.sh; do
    [ -f "$t" ] || continue
    t0=$(date +%s)
    last=$(sh "$t" "$haven" 2>&1 | tee "$out/shell.log" | tail -n 1)
    grep '^FAIL' "$out/shell.log" | head -n 20
    echo "# $t: $(($(date +%s) - t0)) s" # where check's time goes (CI has a limit)
    add_summary "$t" "$last"
done

for d in test/scenarios/*/; do
    [ -f "$d/cmdlist" ] || continue
    rm -rf "$out/scn"
    mkdir -p "$out/scn"
    if "$haven" ha-tester "$d" "$out/scn" >/dev/null 2>"$out/scn.err" &&
        cmp -s "$d/log.expect" "$out/scn/log"; then
        pass=$((pass + 1))
    else
        echo "FAIL: $d"
        diff -u "$d/log.expect" "$out/scn/log" 2>&1 | head -n 20
        head -n 5 "$out/scn.err"
        fail=$((fail + 1))
    fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

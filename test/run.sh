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

# The shell tests, RUN_JOBS at a time (default 2): most of their time is
# spent waiting for timeouts of the local clusters, not on the CPU. Each one
# writes its own log; they are counted in order once all have ended.
run_script() { # script index
    t0=$(date +%s)
    sh "$1" "$haven" >"$out/shell.$2.log" 2>&1
    echo "$(($(date +%s) - t0))" >"$out/shell.$2.time"
}
jobs_max=${RUN_JOBS:-2}
running=
n=0
for t in test/*.test.sh; do
    [ -f "$t" ] || continue
    n=$((n + 1))
    run_script "$t" $n &
    running="$running $n"
    # dash has no 'wait -n': a script has ended once its time file is there
    while [ "$(echo $running | wc -w)" -ge "$jobs_max" ]; do
        still=
        for i in $running; do
            [ -f "$out/shell.$i.time" ] || still="$still $i"
        done
        running=$still
        [ "$(echo $running | wc -w)" -ge "$jobs_max" ] && sleep 0.3
    done
done
wait
n=0
for t in test/*.test.sh; do
    [ -f "$t" ] || continue
    n=$((n + 1))
    grep '^FAIL' "$out/shell.$n.log" | head -n 20
    # a failed script's last lines (the cluster tests dump their daemons'
    # logs there): CI keeps nothing else of a run
    grep -q '^FAIL' "$out/shell.$n.log" && tail -n 60 "$out/shell.$n.log" | sed 's/^/  | /'
    echo "# $t: $(cat "$out/shell.$n.time" 2>/dev/null) s" # where check's time goes (CI has a limit)
    add_summary "$t" "$(tail -n 1 "$out/shell.$n.log")"
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

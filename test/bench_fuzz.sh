#!/bin/sh
# bench_fuzz.sh - make fuzz and the fuzz rows of make bench: each libFuzzer
# harness for SECONDS, one table row per target with its executions and
# crashes. New corpus inputs collect in build/fuzz/corpus/<target>/ (never
# in the repository); a crash is kept in build/fuzz/crashes/<target>/, and
# belongs, once fixed, in test/fuzz/<target>/regress-<what> (test/README.md).
# usage: sh test/bench_fuzz.sh SECONDS TARGET...   (exit 1 on any crash)
set -u
. test/fuzz_run.sh
secs=$1
shift
bad=0
echo "figure | value | target | how measured"
for t in "$@"; do
    log=build/fuzz/logs/$t.log
    mkdir -p build/fuzz/logs
    fuzz_run "$t" "$secs" "build/fuzz/corpus/$t" "build/fuzz/crashes/$t" "$log"
    n=$(find "build/fuzz/corpus/$t" -type f | wc -l)
    seeds=$(find "test/fuzz/$t" -type f 2>/dev/null | wc -l)
    echo "fuzz $t, $secs s | $FUZZ_EXECS execs, $FUZZ_CRASHES crashes | 0 crashes |" \
        "libFuzzer, ASan+UBSan, from $seeds inputs of test/fuzz/$t; $n new inputs in build/fuzz/corpus/$t"
    [ "$FUZZ_CRASHES" -eq 0 ] || bad=1
done
if [ "$bad" = 1 ]; then
    echo "crashes: build/fuzz/crashes/<target>/ (logs in build/fuzz/logs/)" >&2
fi
exit $bad

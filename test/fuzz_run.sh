#!/bin/sh
# fuzz_run.sh - one libFuzzer run of one harness, shared by test/fuzz.test.sh
# and test/bench_fuzz.sh. Sourced; defines fuzz_run.
#   fuzz_run TARGET SECONDS WORK_CORPUS ARTIFACT_DIR LOG
# Runs build/fuzz/fuzz_TARGET on WORK_CORPUS (new inputs go there) and the
# seeds and regression inputs of test/fuzz/TARGET/ (only read), with
# test/fuzz/TARGET.dict when there is one. Sets FUZZ_EXECS (executions),
# FUZZ_CRASHES (inputs of this run that crashed, leaked or timed out,
# kept in ARTIFACT_DIR) and returns libFuzzer's status.
fuzz_run() {
    _t=$1 _s=$2 _work=$3 _art=$4 _log=$5
    mkdir -p "$_work" "$_art"
    set -- -max_total_time="$_s" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$_art/"
    [ -f "test/fuzz/$_t.dict" ] && set -- "$@" -dict="test/fuzz/$_t.dict"
    [ -d "test/fuzz/$_t" ] && set -- "$@" "$_work" "test/fuzz/$_t"
    [ -d "test/fuzz/$_t" ] || set -- "$@" "$_work"
    touch "$_art/.start"
    "build/fuzz/fuzz_$_t" "$@" >"$_log" 2>&1
    _rc=$?
    FUZZ_EXECS=$(sed -n 's/^stat::number_of_executed_units: *//p' "$_log" | tail -n 1)
    FUZZ_EXECS=${FUZZ_EXECS:-0}
    # this run's only (.start was touched just before it)
    FUZZ_CRASHES=$(find "$_art" -type f -newer "$_art/.start" \( -name 'crash-*' -o -name 'leak-*' \
        -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    return $_rc
}

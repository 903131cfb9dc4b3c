#!/bin/sh
# bench.sh - the benchmarks of 'make bench' (never part of 'make check').
# usage: sh test/bench.sh [HAVEN_BINARY]        (default build/haven)
#   BENCH_RUNS=N      runs per timed figure, the median is shown (default 5)
#   BENCH_ROUND_RUNS  manager rounds timed per cluster size (default 21: a
#                     round takes milliseconds, so more samples cost little)
#   BENCH_WD_SECONDS  idle window of the watchdog footprint (default 10)
#   BENCH_FUZZ_S      seconds of fuzzing per libFuzzer target (default 10)
#   BENCH_ETCD_ROUNDS steady rounds whose store calls bench_etcd drives
#                     against etcd for the database size (default 10000)
#   UPSTREAM_SCENARIOS=DIR  a folder of upstream's scenario folders: adds the
#                     tester's time and peak memory over them (no default;
#                     without it those rows say "not measured")
# Prints one table (figure | value | target | how measured), writes it as
# markdown to build/bench.md and plots the manager-round growth into
# build/bench-manager-round.png (gnuplot, installed when missing and root).
set -u
haven=${1:-build/haven}
runs=${BENCH_RUNS:-5}
round_runs=${BENCH_ROUND_RUNS:-21}
upstream=${UPSTREAM_SCENARIOS:-}
run=build/bench/bench_run
round=build/bench/bench_round
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rows=$tmp/rows
: >"$rows"

row() { # figure value target how
    printf '%s | %s | %s | %s\n' "$1" "$2" "$3" "$4" >>"$rows"
}
median() { # numbers on stdin -> the median
    sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
timed() { # runs the command $runs times, prints the median wall time in ms
    i=0
    while [ $i -lt "$runs" ]; do
        "$run" "$@" | cut -d' ' -f1
        i=$((i + 1))
    done | median
}

# ---- footprint of the binary
size=$(stat -c %s "$haven")
row "stripped size of $haven" "$((size / 1024)) KiB" "< 400 KiB" \
    "stat of the stripped static musl binary (all applets, libev, cJSON)"

# ---- simulator
if [ -n "$upstream" ] && [ ! -d "$upstream" ]; then
    echo "bench.sh: UPSTREAM_SCENARIOS=$upstream is not a folder" >&2
    exit 2
fi
for set in test/scenarios "$upstream"; do
    [ -d "$set" ] || continue
    n=$(ls -d "$set"/*/cmdlist 2>/dev/null | wc -l)
    [ "$n" -gt 0 ] || continue
    ms=$(timed sh test/bench_tester.sh "$haven" "$set")
    case $set in
    test/*) target="-" ;;
    *) target="< 1500 ms (upstream Perl: about 125 s)" ;;
    esac
    row "ha-tester, all $n scenarios of $set" "$ms ms" "$target" \
        "one process per scenario, sequential; median of $runs runs"
done
if [ -n "$upstream" ]; then
    peak=0
    worst=
    for d in "$upstream"/*/; do
        [ -f "$d/cmdlist" ] || continue
        kib=$("$run" "$haven" ha-tester -q "$d" "$tmp/out" | cut -d' ' -f2)
        if [ "$kib" -gt "$peak" ]; then
            peak=$kib
            worst=$(basename "$d")
        fi
    done
    row "ha-tester peak RSS of one run" "$peak KiB" "< 4096 KiB (upstream: 45 MB)" \
        "max of ru_maxrss over the upstream scenarios (largest: $worst)"
else
    echo "bench.sh: UPSTREAM_SCENARIOS not given: upstream scenario rows not measured" >&2
    row "ha-tester, upstream's scenarios" "not measured" "< 1500 ms (upstream Perl: about 125 s)" \
        "needs UPSTREAM_SCENARIOS=DIR"
    row "ha-tester peak RSS of one run" "not measured" "< 4096 KiB (upstream: 45 MB)" \
        "needs UPSTREAM_SCENARIOS=DIR"
fi

# ---- manager round on a synthetic cluster
: >"$tmp/round.dat"
for m in 1000 10000 100000; do
    for n in 3 16 64; do
        r=$("$round" "$n" "$m" "$round_runs") || continue
        echo "$r" >>"$tmp/round.dat"
        set -- $r
        target="-"
        [ "$n" = 64 ] && [ "$m" = 10000 ] && target="< 10 ms"
        row "manager round, $n nodes, $m services" "$3 ms ($4 us/service)" "$target" \
            "bench_round: steady cluster in memory, JSON status round trip included; median of $round_runs rounds"
    done
done
# one block per node count (blank lines between) for the plot
sort -k1,1n -k2,2n "$tmp/round.dat" | awk 'NR > 1 && $1 != last { print ""; print "" } { print; last = $1 }' \
    >build/bench-round.dat

# ---- daemons
if [ -x "$haven" ] && [ -f test/bench_watchdog.sh ]; then
    BENCH_SECONDS=${BENCH_WD_SECONDS:-10} sh test/bench_watchdog.sh "$haven" | tail -n +2 >>"$rows"
fi
if [ -f test/bench_cluster.sh ]; then
    sh test/bench_cluster.sh "$haven" | tail -n +2 >>"$rows"
    if command -v etcd >/dev/null && command -v etcdctl >/dev/null && command -v socat >/dev/null; then
        CL_STORE=etcd sh test/bench_cluster.sh "$haven" | tail -n +2 >>"$rows"
        # store traffic of steady rounds at 1,000 services, the database
        # after BENCH_ETCD_ROUNDS of them, ha-manager status on etcd
        build/bench/bench_etcd "$haven" 1000 "${BENCH_ETCD_ROUNDS:-10000}" | tail -n +2 >>"$rows"
    else
        row "daemons on etcd" "not measured" "-" "etcd, etcdctl or socat is not installed"
    fi
else
    row "daemons on the local cluster" "not measured" "-" "test/bench_cluster.sh is missing"
fi

# ---- fuzzing: execs and crashes per libFuzzer target, BENCH_FUZZ_S each
if ls build/fuzz/fuzz_* >/dev/null 2>&1; then
    targets=$(ls test/fuzz_*.c | sed 's|test/fuzz_||; s|\.c$||')
    sh test/bench_fuzz.sh "${BENCH_FUZZ_S:-10}" $targets | tail -n +2 >>"$rows"
else
    row "fuzz targets" "not measured" "0 crashes" "no harness built (needs clang)"
fi

# ---- the CLI: lines "what: N us per run"
sh test/bench_cli.sh "$haven" 1000 | while IFS=: read -r what value; do
    us=${value%% us*}
    target="-"
    case $what in *"status, "*) target="< 20 ms" ;; esac
    row "$what" "$(awk "BEGIN { printf \"%.1f ms\", $us / 1000 }")" "$target" \
        "wall time, mean of 50 runs, store folder with 1,000 services on 3 nodes"
done

# ---- the table
{
    echo "# haven benchmarks"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m), medians of $runs runs"
    echo
    echo "| figure | value | target | how measured |"
    echo "| --- | --- | --- | --- |"
    sed 's/^/| /; s/$/ |/' "$rows"
} >build/bench.md
echo "haven benchmarks: $(nproc) cores, medians of $runs runs"
echo "figure | value | target | how measured"
cat "$rows"
echo "(table also in build/bench.md)"

# ---- the plot
if ! command -v gnuplot >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnuplot-nox >/dev/null 2>&1
fi
if command -v gnuplot >/dev/null 2>&1; then
    gnuplot <<EOF
set terminal png size 800,500
set output 'build/bench-manager-round.png'
set title 'haven: one manager round (steady cluster)'
set xlabel 'services'
set ylabel 'ms per round'
set logscale xy
set key left top
plot for [i=0:2] 'build/bench-round.dat' index i using 2:3 with linespoints \
    title word("3 16 64", i + 1).' nodes'
EOF
    echo "plot: build/bench-manager-round.png"
else
    echo "plot: gnuplot not available (run as root to install gnuplot-nox)"
fi

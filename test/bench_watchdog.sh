#!/bin/sh
# bench_watchdog.sh - footprint of the idle watchdog multiplexer: RSS and wake-ups.
# usage: sh test/bench_watchdog.sh [HAVEN_BINARY]     (default build/haven)
#   BENCH_SECONDS=N sets the measuring window (default 10).
# Runs 'ha-watchdog' with a FIFO as the device (never the real /dev/watchdog)
# and prints "figure | value | target | how measured" lines.
haven=${1:-build/haven}
secs=${BENCH_SECONDS:-10}
tmp=$(mktemp -d)
reader=
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    [ -n "$reader" ] && kill "$reader" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

ctxt() { # voluntary context switches of process $1: each is one sleep ended
    awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$1/status"
}

mkfifo "$tmp/dev"
cat "$tmp/dev" >"$tmp/bytes" &
reader=$!
"$haven" ha-watchdog --device "$tmp/dev" --socket "$tmp/sock" \
    --active-marker "$tmp/active" 2>"$tmp/err" &
pid=$!
i=0
while [ ! -S "$tmp/sock" ] && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
if [ ! -S "$tmp/sock" ]; then
    echo "bench_watchdog: daemon did not start:" >&2
    cat "$tmp/err" >&2
    exit 1
fi
sleep 1
c0=$(ctxt "$pid")
b0=$(wc -c <"$tmp/bytes")
sleep "$secs"
c1=$(ctxt "$pid")
b1=$(wc -c <"$tmp/bytes")
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
anon=$(awk '/^Anonymous:/ { print $2 }' "/proc/$pid/smaps_rollup")
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=

echo "figure | value | target | how measured"
echo "watchdog-mux RSS, idle | $rss KiB | < 512 KiB | VmRSS in /proc/PID/status, static binary, FIFO device, no clients"
echo "watchdog-mux peak RSS | $hwm KiB | < 512 KiB | VmHWM in /proc/PID/status at the end of the window"
echo "watchdog-mux anonymous memory | $anon KiB | - | Anonymous in smaps_rollup: heap, stack, data (the rest of RSS is binary text)"
echo "watchdog-mux wake-ups, idle | $(awk "BEGIN { printf \"%.2f\", ($c1 - $c0) / $secs }")/s | about 1/s | voluntary context switches over ${secs} s"
echo "watchdog-mux keep-alives | $(awk "BEGIN { printf \"%.2f\", ($b1 - $b0) / $secs }")/s | 1/s | bytes read from the device FIFO over ${secs} s"
echo "watchdog-mux clean exit | exit $rc, last byte $(tail -c 1 "$tmp/bytes" | od -An -c | tr -d ' ') | exit 0, last byte V | SIGTERM with no clients"

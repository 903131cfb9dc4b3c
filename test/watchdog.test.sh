#!/bin/sh
# watchdog.test.sh - ha-watchdog run by hand: a FIFO standing in for the
# device with nobody reading it yet is waited for, said so, and SIGTERM or
# SIGINT end the wait at once (exit 0, no magic close needed: nothing was
# opened); a reader that comes later is served as usual. --no-device runs a
# test host without any device, loudly.
# usage: sh test/watchdog.test.sh HAVEN_BINARY
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/haven-wd.XXXXXX)
mux=
reader=
cleanup() {
    [ -n "$mux" ] && kill -9 "$mux" 2>/dev/null
    [ -n "$reader" ] && kill "$reader" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# gone_within SECONDS PID: the process ended in time (then reaped; $rc set).
gone_within() {
    i=0
    while kill -0 "$2" 2>/dev/null && [ $i -lt $(($1 * 10)) ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if kill -0 "$2" 2>/dev/null; then
        return 1
    fi
    wait "$2"
    rc=$?
    return 0
}
start_mux() { # extra options...
    rm -f "$tmp/wd.sock"
    rm -rf "$tmp/wd.active"
    "$haven" ha-watchdog "$@" --socket "$tmp/wd.sock" --active-marker "$tmp/wd.active" \
        --client-timeout 3 --hw-timeout 2 >"$tmp/mux.log" 2>&1 &
    mux=$!
}

rm -f "$tmp/wd.fifo"
mkfifo "$tmp/wd.fifo"
for sig in TERM INT; do
    start_mux -d --device "$tmp/wd.fifo"
    wait_for 10 "$tmp/mux.log" "waiting for a reader" && ok ||
        bad "FIFO without a reader ($sig): nothing said: $(head -n 2 "$tmp/mux.log")"
    grep -q "wd.fifo" "$tmp/mux.log" && ok || bad "the waiting line does not name the FIFO"
    kill -s "$sig" "$mux"
    if gone_within 5 "$mux"; then
        [ "$rc" -eq 0 ] && ok || bad "SIG$sig while waiting for a reader: exit $rc, want 0"
    else
        bad "SIG$sig while waiting for a reader: still running"
        kill -9 "$mux" 2>/dev/null
        wait "$mux" 2>/dev/null
    fi
    mux=
    [ ! -e "$tmp/wd.sock" ] && ok || bad "SIG$sig while waiting: socket left behind"
done

# The reader comes later: the wait ends and the device is fed.
start_mux -d --device "$tmp/wd.fifo"
wait_for 10 "$tmp/mux.log" "waiting for a reader" || bad "no waiting line before the reader"
(exec 3<"$tmp/wd.fifo"; cat <&3 >"$tmp/fed") &
reader=$!
i=0
while [ ! -S "$tmp/wd.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$tmp/wd.sock" ] && ok || bad "a late reader: no socket: $(tail -n 2 "$tmp/mux.log")"
kill -TERM "$mux"
gone_within 5 "$mux" && [ "$rc" -eq 0 ] && ok || bad "SIGTERM after the reader came: exit $rc"
mux=
wait "$reader" 2>/dev/null
reader=
grep -q V "$tmp/fed" && ok || bad "no magic close written to the FIFO"

# --no-device: a test host without any watchdog device. It serves the
# daemons, and says at every start, also on stderr, that nothing resets the
# node. With --device too it is a usage error.
start_mux --no-device
i=0
while [ ! -S "$tmp/wd.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$tmp/wd.sock" ] && ok || bad "--no-device: no socket: $(head -n 3 "$tmp/mux.log")"
grep -q "NO WATCHDOG DEVICE.*UNSAFE" "$tmp/mux.log" && ok ||
    bad "--no-device: no loud warning: $(head -n 3 "$tmp/mux.log")"
kill -TERM "$mux"
gone_within 5 "$mux" && [ "$rc" -eq 0 ] && ok || bad "--no-device: SIGTERM: exit $rc"
mux=
"$haven" ha-watchdog --no-device --device "$tmp/wd.fifo" >"$tmp/out" 2>&1
rc=$?
[ "$rc" -eq 2 ] && ok || bad "--no-device with --device: exit $rc, want 2"

t_summary

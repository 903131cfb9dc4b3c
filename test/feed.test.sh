#!/bin/sh
# feed.test.sh - the LRM feeds its watchdog only within the renewal budget B
# of its last good renewal (applets/daemon/daemon_node.c env_wd_update;
# model/README.md, variant FEED_NOCHECK): gdb holds the LRM at the feed for
# longer than B (1 s with the harness's timings), and the feed must then be
# refused. Without gdb: "not run", nothing counted.
# usage: sh test/feed.test.sh HAVEN_BINARY
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/cluster.sh"
pass=0
fail=0
if ! command -v gdb >/dev/null 2>&1; then
    echo "feed: gdb not installed - not run"
    echo "0 passed, 0 failed"
    exit 0
fi
tmp=$(mktemp -d /tmp/haven-feed.XXXXXX)
cleanup() {
    [ -n "$CL_DIR" ] && cl_stop_all >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
CL_DEADLINE=$(($(date +%s) + 120))
check() { # description command...
    what=$1
    shift
    if "$@"; then pass=$((pass + 1)); else echo "FAIL: $what"; fail=$((fail + 1)); fi
}
on() { [ "$(cl_where "$1")" = "$2" ]; }
logged() { grep -q "$2" "$CL_DIR/$1" 2>/dev/null; }

cl_init "$tmp/c" "$haven" node1
cl_start node1
cl_add test:feed node1
check "test:feed starts" cl_wait 30 on test:feed node1
check "the lrm feeds its watchdog" cl_wait 10 logged node1/lrm.log "watchdog active"
# Stop the lrm at its next feed for 2 s (> B), then let it go on.
gdb -p "$(cl_pid node1 lrm)" -batch -ex 'break env_wd_update' -ex continue \
    -ex 'shell sleep 2' -ex 'delete' -ex detach >"$tmp/gdb.log" 2>&1
check "gdb stopped the lrm at its feed" grep -q "env_wd_update" "$tmp/gdb.log"
check "a feed 2 s after the renewal is refused" \
    cl_wait 10 logged node1/lrm.log "not feeding watchdog - lock renewal is"
check "no double run" cl_ledger_ok
check "no sanitizer report" cl_sanitizer_clean
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

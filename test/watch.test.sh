#!/bin/sh
# watch.test.sh - 'ha-manager status --watch[=N]': redraws until SIGINT (or
# SIGTERM), then exit 0; clears the screen only on a terminal; the interval
# is checked (1..3600).
# usage: sh test/watch.test.sh HAVEN_BINARY
haven=$1
tmp=$(mktemp -d /tmp/haven-watch.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
mkdir "$tmp/store"
printf 'node=node1\nstore=dir:%s/store\n' "$tmp" >"$tmp/haven.conf"
hm() { "$haven" ha-manager -c "$tmp/haven.conf" "$@"; }
hm add vm:100 >/dev/null 2>&1 || bad "setup: add vm:100"

# 2.5 s at 1 s: at least two draws, then SIGINT ends it with 0
timeout --preserve-status -s INT 2.5 "$haven" ha-manager -c "$tmp/haven.conf" status --watch=1 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] && ok || bad "SIGINT: exit $rc, want 0 ($(cat "$tmp/err"))"
n=$(grep -c '^Every 1s: ha-manager status' "$tmp/out")
[ "$n" -ge 2 ] && ok || bad "drew $n times, want at least 2"
[ "$(grep -c '^service vm:100 (node1, queued)$' "$tmp/out")" = "$n" ] && ok || bad "each draw shows the service"
! grep -q "$(printf '\033')" "$tmp/out" && ok || bad "an escape sequence written to a file"
[ ! -s "$tmp/err" ] && ok || bad "stderr: $(cat "$tmp/err")"

# --watch alone: every 2 s; SIGTERM ends it too
timeout --preserve-status -s TERM 1 "$haven" ha-manager -c "$tmp/haven.conf" status --watch >"$tmp/out" 2>&1
rc=$?
[ "$rc" = 0 ] && ok || bad "SIGTERM: exit $rc, want 0"
grep -q '^Every 2s: ha-manager status' "$tmp/out" && ok || bad "--watch alone is not every 2 s"

# with JSON output, each draw is one JSON document
timeout --preserve-status -s INT 1.5 "$haven" ha-manager -c "$tmp/haven.conf" status --watch=1 --output-format json >"$tmp/out" 2>&1
grep -q '"sid":"vm:100"' "$tmp/out" && ok || bad "--output-format json with --watch"

# on a terminal, each draw first clears the screen
if command -v script >/dev/null 2>&1; then
    timeout --preserve-status -s INT 3 script -qefc "$haven ha-manager -c $tmp/haven.conf status --watch=1" /dev/null >"$tmp/tty" 2>&1
    [ "$(grep -c "$(printf '\033\\[H\033\\[2J')" "$tmp/tty")" -ge 1 ] && ok || bad "no clear screen on a terminal"
fi

# the interval is checked
for v in 0 3601 x -1 1.5; do
    hm status --watch="$v" >/dev/null 2>"$tmp/err"
    rc=$?
    [ "$rc" = 2 ] && grep -q '^watch: ' "$tmp/err" && ok || bad "--watch=$v: exit $rc, want 2 ($(cat "$tmp/err"))"
done
hm help status --verbose | grep -q -- '--watch' && ok || bad "help does not show --watch"
"$haven" ha-manager --help | grep -q -- '--watch' && ok || bad "--help does not show --watch"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

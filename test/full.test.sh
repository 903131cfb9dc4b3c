#!/bin/sh
# full.test.sh - ha-manager on a store whose disk is full (a small tmpfs):
# every change fails at once with one line naming the cause and exit 1,
# nothing stored changes, no temporary file is left, and once there is room
# again the next change works at once (a lock must not be left blocked).
# Then a 3-node cluster whose store fills up for 2 s: nothing happens.
# Needs root's mount; elsewhere it says so and counts nothing.
# usage: test/full.test.sh HAVEN_BINARY
haven=$1
. "$(dirname "$0")/lib.sh"
mnt=$(mktemp -d)
if ! mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null; then
    rmdir "$mnt"
    echo "# full disk: not run (cannot mount a tmpfs here)"
    echo "0 passed, 0 failed"
    exit 0
fi
work=$(mktemp -d) # off the full disk: the test's own files
trap 'umount "$mnt"; rmdir "$mnt"; rm -rf "$work"' EXIT

st=$mnt/st
conf=$work/haven.conf
mkdir "$st"
printf 'node=node1\nstore=dir:%s\n' "$st" >"$conf"
hm() { timeout 60 "$haven" ha-manager -c "$conf" "$@"; }
snap() { (cd "$st" && find . -type f ! -path './nodes/*/heartbeat*' | sort | xargs md5sum); }

hm add vm:100 >/dev/null 2>&1 && hm add vm:101 >/dev/null 2>&1 && ok || bad "set-up adds"
snap >"$work/before"
dd if=/dev/zero of="$mnt/filler" bs=1k 2>/dev/null
for cmd in "add vm:102" "set vm:100 --state stopped" "remove vm:101" "migrate vm:100 node1"; do
    # shellcheck disable=SC2086 # the words of the command
    hm $cmd >"$work/out" 2>"$work/err"
    rc=$?
    [ "$rc" -eq 1 ] && ok || bad "$cmd on a full disk: exit $rc, want 1"
    [ "$(wc -l <"$work/err")" -eq 1 ] && ok || bad "$cmd: not one line on stderr: $(cat "$work/err")"
    grep -q "No space left on device" "$work/err" && ok || bad "$cmd: the cause is not named: $(cat "$work/err")"
done
snap >"$work/after"
cmp -s "$work/before" "$work/after" && ok || bad "the store changed on a full disk"
[ -z "$(find "$st" -name '.*' -type f)" ] && ok || bad "temporary files left: $(find "$st" -name '.*' -type f)"
rm -f "$mnt/filler"
hm add vm:102 >/dev/null 2>"$work/err" && ok || bad "add once there is room: $(cat "$work/err")"
hm config | grep -q '^vm:102$' && ok || bad "vm:102 is not configured"

# The daemons: the store's disk full for 2 s (shorter than C - R - S = 4 s
# with C 6) is a short store outage: renewals fail before anything changes,
# so no lock changes hands, no node is reset, no service moves.
haven_abs=$(cd "$(dirname "$haven")" && pwd)/$(basename "$haven")
. "$(dirname "$0")/cluster.sh"
CL_C=6 CL_T=11 CL_METRICS=no # the disk is 256 KiB
cl_init "$mnt/c" "$haven_abs" node1 node2 node3
trap 'cl_stop_all >/dev/null 2>&1; umount "$mnt"; rmdir "$mnt"; rm -rf "$work"' EXIT
for n in node1 node2 node3; do cl_start $n; done
cl_add test:x node1
cl_add test:y node2
cl_wait 30 sh -c "[ \$(grep -c ' start ' '$CL_DIR/ledger') -ge 2 ]" && ok || bad "the cluster's services start"
sleep 3
lines=$(wc -l <"$CL_DIR/ledger")
dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
sleep 2
rm -f "$mnt/filler"
sleep 10
grep -q "No space left on device" "$CL_DIR"/node1/lrm.log && ok || bad "the disk was not full for the daemons"
! grep -q reset "$CL_DIR"/node*/hw.log && ok || bad "a node was reset after a 2 s full disk"
[ "$(wc -l <"$CL_DIR/ledger")" = "$lines" ] && ok || bad "a service stopped or started: $(tail -n 3 "$CL_DIR/ledger")"
for n in node1 node2 node3; do
    cl_alive $n crm && cl_alive $n lrm && ok || bad "$n's daemons are not running"
done
cl_sanitizer_clean && ok || bad "sanitizer report in a daemon log"
cl_stop_all >/dev/null 2>&1

t_summary

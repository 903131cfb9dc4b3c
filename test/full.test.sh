#!/bin/sh
# full.test.sh - ha-manager on a store whose disk is full (a small tmpfs):
# every change fails at once with one line naming the cause and exit 1,
# nothing stored changes, no temporary file is left, and once there is room
# again the next change works at once (a lock must not be left blocked).
# Needs root's mount; elsewhere it says so and counts nothing.
# usage: test/full.test.sh HAVEN_BINARY
haven=$1
pass=0
fail=0
mnt=$(mktemp -d)
if ! mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null; then
    rmdir "$mnt"
    echo "# full disk: not run (cannot mount a tmpfs here)"
    echo "0 passed, 0 failed"
    exit 0
fi
work=$(mktemp -d) # off the full disk: the test's own files
trap 'umount "$mnt"; rmdir "$mnt"; rm -rf "$work"' EXIT

ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*"
}
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

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

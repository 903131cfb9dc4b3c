#!/bin/sh
# rescue.test.sh - the installed tree in a chroot as bare as a rescue shell:
# the static binary and its files, no /proc, /dev, /run, /var, no shell and no
# syslog. Each applet either works there or fails with its one-line error:
# ha-manager without a configuration and on an empty store, ha-tester on a
# scenario, ha-watchdog without a device (then --no-device), ha-crm and
# ha-lrm without a run_dir (then with one) on a one-node cluster whose
# agent cannot run (no /bin/sh: said with the cause). Nothing runs twice: a
# second daemon of each kind is refused. Needs root and chroot, else it says
# "not run" and counts nothing.
# usage: sh test/rescue.test.sh HAVEN_BINARY   (run from the source tree)
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v chroot >/dev/null 2>&1; then
    echo "rescue: not run (needs root and chroot)" >&2
    echo "0 passed, 0 failed"
    exit 0
fi
tmp=$(mktemp -d /tmp/haven-rescue.XXXXXX)
root=$tmp/root
pids=
cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

in_root() { timeout 60 chroot "$root" "$@"; }
# one_line RC PATTERN WHAT CMD...: fails with exit RC and exactly one line
one_line() {
    want=$1 pat=$2 what=$3
    shift 3
    in_root "$@" >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        bad "$what: exit $rc, want $want: $(head -n 2 "$tmp/out")"
    elif [ "$(wc -l <"$tmp/out")" -ne 1 ] || ! grep -q "$pat" "$tmp/out"; then
        bad "$what: not one line with '$pat': $(head -n 3 "$tmp/out")"
    else
        ok
    fi
}

if ! make -s install DESTDIR="$root" >"$tmp/make.log" 2>&1; then
    bad "make install: $(tail -n 2 "$tmp/make.log")"
    echo "$pass passed, $fail failed"
    exit 1
fi
rm -rf "$root/usr/share" "$root/usr/lib" # a rescue image carries only what runs
for d in proc dev run var bin; do
    [ ! -e "$root/$d" ] && ok || bad "the chroot has /$d"
done

# ha-manager: no configuration, then an empty store, each one line
one_line 2 "^ha-manager: /etc/haven/haven.conf: No such file or directory - use -c FILE" \
    "ha-manager without a configuration" /usr/sbin/ha-manager status
mkdir -p "$root/store" "$root/etc/haven"
cat >"$root/etc/haven/haven.conf" <<EOF
node=n1
store=dir:/store
watchdog_socket=/wd/wd.sock
lock_timeout=8
loop_interval=1
fence_delay=2
watchdog_client_timeout=3
agent_timeout=5
agent_status_timeout=3
EOF
one_line 2 "^ha-manager: /store is empty - not a haven store yet" "ha-manager status, empty store" \
    /usr/sbin/ha-manager status
one_line 2 "^ha-manager: /store is empty" "ha-manager config, empty store" /usr/sbin/ha-manager config
[ -z "$(ls -A "$root/store")" ] && ok || bad "a read-only command wrote into the store"

# ha-tester works as anywhere
cp -r test/scenarios/start-stop "$root/scn"
in_root /usr/sbin/ha-tester -q /scn /out >"$tmp/out" 2>&1 && cmp -s "$root/scn/log.expect" "$root/out/log" &&
    ok || bad "ha-tester in the chroot: $(head -n 2 "$tmp/out")"

# ha-watchdog: no /dev/watchdog and no modprobe, then the unsafe test mode
one_line 1 "/dev/watchdog: No such file or directory, and no modprobe" "ha-watchdog without a device" \
    /usr/sbin/ha-watchdog --socket /wd/wd.sock --active-marker /wd/active
chroot "$root" /usr/sbin/ha-watchdog --no-device --socket /wd/wd.sock --active-marker /wd/active \
    --client-timeout 3 --hw-timeout 2 >"$tmp/mux.log" 2>&1 &
mux=$!
pids="$pids $mux"
wait_for 10 "$tmp/mux.log" "no syslog socket" && [ -S "$root/wd/wd.sock" ] && ok ||
    bad "ha-watchdog --no-device: not serving: $(head -n 3 "$tmp/mux.log")"
grep -q "NO WATCHDOG DEVICE" "$tmp/mux.log" && ok || bad "--no-device: no loud warning"
one_line 1 "is already running (pid $mux)" "a second ha-watchdog" \
    /usr/sbin/ha-watchdog --no-device --socket /wd/wd.sock --active-marker /wd/active

# ha-crm without /run and /var: no run_dir, one line; then with one
one_line 1 "^ha-crm: /var/lib/haven: No such file or directory (run_dir=" "ha-crm without a run_dir" \
    /usr/sbin/ha-crm
echo "run_dir=/haven" >>"$root/etc/haven/haven.conf"
chroot "$root" /usr/sbin/ha-crm >"$tmp/crm.log" 2>&1 &
crm=$!
pids="$pids $crm"
wait_for 10 "$tmp/crm.log" "status change startup => wait_for_quorum" && ok ||
    bad "ha-crm in the chroot: $(head -n 3 "$tmp/crm.log")"
grep -q "no syslog socket at /dev/log - logging to stderr" "$tmp/crm.log" && ok ||
    bad "ha-crm: no word that its log goes to stderr"
one_line 1 "ha-crm for node 'n1' is already running (pid $crm)" "a second ha-crm" /usr/sbin/ha-crm
in_root /usr/sbin/ha-manager add daemon:web --state started >"$tmp/out" 2>&1 && ok ||
    bad "ha-manager add in the chroot: $(cat "$tmp/out")"
chroot "$root" /usr/sbin/ha-lrm >"$tmp/lrm.log" 2>&1 &
lrm=$!
pids="$pids $lrm"
# the second one only once the first holds its instance lock (it logs after)
wait_for 10 "$tmp/lrm.log" "status change startup => wait_for_agent_lock" && ok ||
    bad "ha-lrm in the chroot: $(head -n 3 "$tmp/lrm.log")"
one_line 1 "ha-lrm for node 'n1' is already running (pid $lrm)" "a second ha-lrm" /usr/sbin/ha-lrm
# the daemon agent is a shell script and there is no /bin/sh: the start
# fails with its cause, never as a bare exit code
wait_for 40 "$tmp/lrm.log" "unable to execute '/usr/libexec/haven/agents/daemon'" && ok ||
    bad "no start of daemon:web tried: $(tail -n 3 "$tmp/lrm.log")"
grep -q "No such file or directory (its #! interpreter is missing)" "$tmp/lrm.log" && ok ||
    bad "the exec failure has no cause: $(grep daemon:web "$tmp/lrm.log" | tail -n 2)"
! grep -q "exit code 127" "$tmp/lrm.log" && ok || bad "a bare exit code 127 was logged"
in_root /usr/sbin/ha-manager status >"$tmp/out" 2>&1 && grep -q "^master n1" "$tmp/out" && ok ||
    bad "ha-manager status in the chroot: $(head -n 3 "$tmp/out")"

# a clean stop: LRM, CRM, then the watchdog, each with exit 0
for p in $lrm $crm $mux; do
    kill -TERM "$p"
    i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
    wait "$p"
    rc=$?
    [ "$rc" -eq 0 ] && ok || bad "pid $p: exit $rc after SIGTERM"
done
pids=
! grep -q -E 'Sanitizer|runtime error:' "$tmp"/*.log && ok || bad "sanitizer report"

t_summary

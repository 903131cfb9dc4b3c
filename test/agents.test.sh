#!/bin/sh
# agents.test.sh - the shipped resource agents (applets/agents) under every
# shell at hand (bash, dash, sh): an outside value (HAVEN_TIMEOUT, the sid) is
# checked with 'case' before any use and never evaluated, so a payload fails
# the call cleanly and runs nothing; the daemon agent fails every call when it
# cannot observe processes.
# usage: sh test/agents.test.sh HAVEN_BINARY (the binary is not needed)
src=$(cd "$(dirname "$0")/.." && pwd)/applets/agents
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/haven-agents.XXXXXX)
cleanup() {
    for f in "$tmp"/run/*.pid; do
        [ -f "$f" ] || continue
        p=$(cat "$f" 2>/dev/null)
        [ -n "$p" ] && kill -s KILL -- "-$p" 2>/dev/null
    done
    [ -f "$tmp/starts" ] && kill -s KILL $(cat "$tmp/starts") 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

failed() { [ "$1" -ne 0 ] && [ "$1" -ne 7 ]; } # exit code: neither done nor stopped

mkdir -p "$tmp/agents" "$tmp/conf" "$tmp/bin"
cp "$src/daemon" "$src/pve-guest" "$tmp/agents/"
cat >"$tmp/agents/daemon.env" <<EOF
DAEMON_CONF_DIR=$tmp/conf
DAEMON_RUN_DIR=$tmp/run
EOF
echo "exec sleep 1000" >"$tmp/conf/svc"
# A stand-in for qm: it records its arguments; every guest is running.
cat >"$tmp/bin/qm" <<EOF
#!/bin/sh
echo "\$*" >>"$tmp/qm.args"
[ "\$1" = status ] && echo "status: running"
exit 0
EOF
chmod +x "$tmp/bin/qm"

# Payloads for HAVEN_TIMEOUT: each would run a command or be evaluated.
set -- \
    "a[\$(touch $tmp/pwned)]" \
    "x[\$(id >$tmp/pwned)]" \
    "\$(touch $tmp/pwned)" \
    "\`touch $tmp/pwned\`" \
    "1; touch $tmp/pwned" \
    "60 + 0" \
    "-1" \
    "" \
    "1234567890123456789"

shells=
for s in bash dash sh; do
    command -v "$s" >/dev/null 2>&1 && shells="$shells $s"
done

# daemon AGENT-SHELL VERB [ENV=VALUE...]: run the daemon agent for daemon:svc.
daemon() {
    dsh=$1 verb=$2
    shift 2
    env "$@" HAVEN_NAME=svc timeout 30 "$dsh" "$tmp/agents/daemon" "$verb" daemon:svc \
        >"$tmp/out" 2>&1
}

for sh in $shells; do
    daemon "$sh" start
    check "$sh: daemon start" [ $? -eq 0 ]
    for p in "$@"; do
        rm -f "$tmp/pwned"
        daemon "$sh" stop "HAVEN_TIMEOUT=$p"
        rc=$?
        check "$sh: daemon stop refuses HAVEN_TIMEOUT='$p' (exit $rc)" [ "$rc" -eq 2 ]
        check "$sh: daemon stop with '$p' says why" grep -q "HAVEN_TIMEOUT" "$tmp/out"
        check "$sh: HAVEN_TIMEOUT='$p' executed something" [ ! -e "$tmp/pwned" ]
        daemon "$sh" status
        check "$sh: a refused stop left the service running" [ $? -eq 0 ]
    done
    daemon "$sh" stop HAVEN_TIMEOUT=08
    check "$sh: daemon stop with HAVEN_TIMEOUT=08" [ $? -eq 0 ]
    daemon "$sh" status
    check "$sh: stopped" [ $? -eq 7 ]

    for p in "$@"; do
        rm -f "$tmp/pwned" "$tmp/qm.args"
        env PATH="$tmp/bin:$PATH" HAVEN_TYPE=vm HAVEN_TIMEOUT="$p" \
            "$sh" "$tmp/agents/pve-guest" stop vm:100 >"$tmp/out" 2>&1
        rc=$?
        check "$sh: pve-guest stop refuses HAVEN_TIMEOUT='$p' (exit $rc)" [ "$rc" -eq 2 ]
        check "$sh: pve-guest: HAVEN_TIMEOUT='$p' executed something" [ ! -e "$tmp/pwned" ]
        check "$sh: pve-guest called qm with HAVEN_TIMEOUT='$p'" [ ! -e "$tmp/qm.args" ]
    done
    rm -f "$tmp/qm.args"
    env PATH="$tmp/bin:$PATH" HAVEN_TYPE=vm HAVEN_TIMEOUT=30 \
        "$sh" "$tmp/agents/pve-guest" stop vm:100 >"$tmp/out" 2>&1
    check "$sh: pve-guest stop" [ $? -eq 0 ]
    check "$sh: pve-guest stop calls qm shutdown" \
        grep -qx "shutdown 100 --timeout 30 --forceStop 1" "$tmp/qm.args"
    for sid in "vm:--help" "vm:1;id" "vm:" "vm:../1"; do
        rm -f "$tmp/qm.args"
        env PATH="$tmp/bin:$PATH" HAVEN_TYPE=vm "$sh" "$tmp/agents/pve-guest" status "$sid" \
            >"$tmp/out" 2>&1
        rc=$?
        check "$sh: pve-guest refuses the guest id of '$sid' (exit $rc)" [ "$rc" -eq 2 ]
        check "$sh: pve-guest called qm for '$sid'" [ ! -e "$tmp/qm.args" ]
    done
done

# An agent that cannot observe processes (no /proc, as in a minimal chroot)
# must fail every call, status included, and start nothing: else each start
# "fails", the LRM retries, and copies pile up. DAEMON_PROC (daemon.env) is
# where the agent reads processes: a missing folder stands for no /proc, a
# folder without the service's pid for a /proc of another pid namespace.
echo "echo \$\$ >>$tmp/starts; exec sleep 1000" >"$tmp/conf/svc"
mkdir -p "$tmp/otherproc/self"
echo "1 (init) S" >"$tmp/otherproc/self/stat"
starts() { [ -f "$tmp/starts" ] && wc -l <"$tmp/starts" || echo 0; }
blind() { # shell proc-folder label: every call fails (not 0, not 7), nothing starts
    sed -i '/^DAEMON_PROC=/d' "$tmp/agents/daemon.env"
    echo "DAEMON_PROC=$2" >>"$tmp/agents/daemon.env"
    before=$(starts)
    for verb in status start start status stop; do
        daemon "$1" "$verb"
        rc=$?
        check "$1: $3: $verb fails (exit $rc)" failed "$rc"
    done
    check "$1: $3: nothing started" [ "$(starts)" -eq "$before" ]
    sed -i '/^DAEMON_PROC=/d' "$tmp/agents/daemon.env"
}
for sh in $shells; do
    first=$(starts)
    blind "$sh" "$tmp/noproc" "no /proc, nothing running"
    daemon "$sh" start
    check "$sh: start with /proc" [ $? -eq 0 ]
    check "$sh: one copy started" [ "$(starts)" -eq $((first + 1)) ]
    blind "$sh" "$tmp/noproc" "no /proc, service running"
    blind "$sh" "$tmp/otherproc" "the service's pid not in /proc"
    daemon "$sh" status
    check "$sh: status with /proc again" [ $? -eq 0 ]
    check "$sh: one copy started in all" [ "$(starts)" -eq $((first + 1)) ]
    daemon "$sh" stop
    check "$sh: stop with /proc" [ $? -eq 0 ]
done

# The same with /proc really unmounted (a private mount namespace), where
# this machine allows it.
if unshare --mount --propagation private sh -c 'umount -l /proc && [ ! -e /proc/self ]' \
    2>/dev/null; then
    first=$(starts)
    for verb in status start start status stop; do
        env HAVEN_NAME=svc unshare --mount --propagation private sh -c \
            'umount -l /proc && exec timeout 30 sh "$1" "$2" daemon:svc' sh \
            "$tmp/agents/daemon" "$verb" >"$tmp/out" 2>&1
        rc=$?
        check "unmounted /proc: $verb fails (exit $rc)" failed "$rc"
    done
    check "unmounted /proc: nothing started" [ "$(starts)" -eq "$first" ]
else
    echo "note: cannot unmount /proc in a mount namespace here; only the DAEMON_PROC checks ran"
fi

t_summary

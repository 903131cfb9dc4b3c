#!/bin/sh
# cluster-etcd.test.sh - the etcd faults, with the real daemons and the CLI
# on a 3-member etcd cluster (test/cluster.sh with CL_STORE=etcd: each node
# reaches each member through a socat forwarder of its own). Everything
# cluster.test.sh checks also runs on etcd (cluster-on-etcd.test.sh); this
# file holds what only etcd has. At start-up, ha-crm, ha-lrm and ha-manager
# refuse an unreachable etcd and an HTTP server that is not etcd (one line,
# exit 2). Then one cluster: steady rounds rewrite no status file, also with services
# running (etcd keeps every revision; only timestamp refreshes add one); kill -9 of an etcd member and SIGSTOP of the etcd leader
# past its election timeout (nothing fenced, nothing moves); one frozen
# forwarder per node (the calls skip it, no round takes too long); an idle
# node whose forwarders all hang (its rounds go on, each call ends at its
# deadline); etcd without quorum for longer than the lock timeout (the nodes
# running services are reset by their watchdogs; afterwards every service
# runs exactly once). The ledger never shows a double run. Without etcd or
# socat: "not run".
# usage: sh test/cluster-etcd.test.sh HAVEN_BINARY
. "$(dirname "$0")/lib.sh"
t_need etcd etcdctl socat
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
CL_STORE=etcd
. "$(dirname "$0")/cluster.sh"
cl_test_setup cluster-etcd 420

runs_once() { [ "$(cl_where "$1" | wc -l)" = 1 ]; }
# The etcd mod_revision of a store file (empty when absent).
mod_rev() {
    cl_etcdctl get -w json "$CL_ETCD_PREFIX/$1" 2>/dev/null |
        sed -n 's/.*"mod_revision":\([0-9]*\).*/\1/p'
}
# The services (of the list) whose process runs on the node.
services_on() { # node sid...
    n=$1
    shift
    for s in "$@"; do [ "$(cl_where "$s")" = "$n" ] && echo "$s"; done
}
resets() { grep -c reset "$CL_DIR/$1/hw.log" 2>/dev/null; } # node
reset_since() { [ "$(resets "$1")" -gt "$2" ]; } # node count
no_reset() { ! grep -q reset "$CL_DIR"/node*/hw.log 2>/dev/null; }
nobody_fenced() { ! grep -q fencing "$CL_DIR"/node*/crm.log 2>/dev/null; }
ledger_lines() { wc -l <"$CL_DIR/ledger"; }
phase() { echo "# $(date +%s) $*"; }

# ---- bad stores at start-up: one line on stderr, exit 2 ----
# An endpoint nobody listens on, and an HTTP server that is not etcd.
cat >"$tmp/reply.sh" <<'EOF'
cr=$(printf '\r')
while read -r line && [ "$line" != "$cr" ] && [ -n "$line" ]; do :; done
printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello'
EOF
port=
for t in 1 2 3 4 5 6 7 8; do
    p=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
    cl_port_free $p || continue
    setsid socat "TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr,fork" EXEC:"sh $tmp/reply.sh" </dev/null >/dev/null 2>&1 &
    fake=$!
    sleep 0.3
    kill -0 $fake 2>/dev/null && port=$p && break
done
check "a fake HTTP server listens" [ -n "$port" ]
for store in 127.0.0.1:1 "127.0.0.1:$port"; do
    printf 'node=node1\nstore=etcd:http://%s\nwatchdog_socket=%s/none.sock\nrun_dir=%s\n' \
        "$store" "$tmp" "$tmp" >"$tmp/bad.conf"
    for applet in ha-crm ha-lrm "ha-manager status"; do
        # shellcheck disable=SC2086
        "$haven" $applet -c "$tmp/bad.conf" >/dev/null 2>"$tmp/err"
        rc=$?
        check "$applet on etcd:http://$store: exit 2 (got $rc)" [ "$rc" = 2 ]
        check "$applet on etcd:http://$store: one line ($(head -c 200 "$tmp/err"))" \
            [ "$(wc -l <"$tmp/err")" = 1 ]
    done
done
check "the fake server is named as no etcd server ($(cat "$tmp/err"))" grep -q "is not an etcd server" "$tmp/err"
[ -n "$fake" ] && cl_kill_session "$fake"

# ---- the cluster ----
# Client timeout 6 s (T 14): an etcd hiccup shorter than C - R - S = 4 s
# resets nothing; the renewal budget B is 4 s.
CL_C=6 CL_T=14
phase "cluster"
cl_init "$tmp/c" "$haven" node1 node2 node3 || cl_give_up "the cluster: etcd and forwarders start"
for n in node1 node2 node3; do cl_start $n; done
# Steady state: no service, so no master yet; each LRM has written its
# lrm_status once, and a round that changes nothing rewrites nothing (etcd
# keeps every revision until compaction): only lease keep-alives reach etcd.
lrm_revs() { echo "$(mod_rev nodes/node1/lrm_status) $(mod_rev nodes/node2/lrm_status) $(mod_rev nodes/node3/lrm_status)"; }
every_lrm_status() { [ "$(lrm_revs | wc -w)" = 3 ]; }
check "every LRM writes its status" cl_wait 30 every_lrm_status
sleep 2
before=$(lrm_revs)
sleep 5
after=$(lrm_revs)
check "steady rounds rewrite no lrm_status ($before -> $after)" [ "$before" = "$after" ]

cl_test_services "faults" x:node1 y:node2 z:node3
# Steady rounds with services running: no status file changes but for its
# timestamp, so etcd's revision moves at most once per status file (the
# timestamp refresh, every 30 - R - 2 s) over a window of 6 rounds.
etcd_revision() { cl_etcdctl get / -w json --limit 1 | sed -n 's/.*"revision":\([0-9]*\).*/\1/p'; }
running_is() { [ "$(cl_running_count)" = "$1" ]; }
check "the master counts 3 services running" cl_wait 20 running_is 3
sleep 2
steady0=$(cl_status_text)
rev0=$(etcd_revision)
sleep 6
rev1=$(etcd_revision)
steady1=$(cl_status_text)
check "steady rounds change no status file but for its timestamp" [ "$steady0" = "$steady1" ]
[ "$steady0" = "$steady1" ] || printf 'before:\n%s\nafter:\n%s\n' "$steady0" "$steady1"
few_revisions() { [ -n "$rev0" ] && [ -n "$rev1" ] && [ $((rev1 - rev0)) -le 4 ]; }
check "6 steady rounds with services running: etcd revision $rev0 -> $rev1, at most one timestamp refresh per status file" few_revisions
# still_steady LABEL: nobody reset or fenced, no service stopped or started.
still_steady() {
    check "$1: no node was reset" no_reset
    check "$1: nobody fenced" nobody_fenced
    check "$1: no service stopped or started" [ "$(ledger_lines)" = "$lines" ]
}
sleep 2
lines=$(ledger_lines)

# kill -9 of one etcd member (the leader: an election too), then it comes back.
phase "member kill"
leader=$(cl_member_leader)
check "an etcd leader is known" [ -n "$leader" ]
cl_member_kill "${leader:-1}"
sleep 5
check "faults: the killed member starts again" cl_member_restart "${leader:-1}"
sleep 3
still_steady "member killed"

# SIGSTOP of the leader for longer than its election timeout (1 s): another
# member is elected, the leases outlive the election.
phase "leader stop"
leader=$(cl_member_leader)
cl_member_stop "${leader:-1}"
sleep 3
cl_member_cont "${leader:-1}"
sleep 4
still_steady "leader stopped"

# One frozen forwarder per node (to the same member): a connection to it
# hangs without a reset; every call skips it within its deadline and the
# rounds go on through the other members.
phase "one frozen forwarder"
slow() { cat "$CL_DIR"/node*/*.log | grep -c 'loop took too long'; }
slow0=$(slow)
for n in node1 node2 node3; do
    p=$(cat "$CL_DIR/$n/fwd2.pid")
    kill -s STOP -- "-$p"
done
sleep 6
for n in node1 node2 node3; do
    p=$(cat "$CL_DIR/$n/fwd2.pid")
    kill -s CONT -- "-$p"
done
sleep 2
still_steady "one frozen forwarder"
check "one frozen forwarder: no round took too long" [ "$(slow)" = "$slow0" ]

# A node that runs no service and is not master, while all its forwarders
# freeze: its calls hang until their deadlines, never longer, so its
# daemons go on round after round (each logs its failed probes); it runs no
# service, so no watchdog is armed and nothing resets it. Thawed, it is
# back without a restart. (Its services move to the master first, and its
# LRM starts again, so that it holds no lock: an LRM left without services
# goes idle by itself only after 60 rounds.)
phase "frozen node"
m=$(cl_master)
check "frozen node: there is a master" [ -n "$m" ]
victim=$(for n in node1 node2 node3; do [ "$n" != "$m" ] && echo $n; done | head -n 1)
for s in $(services_on "$victim" test:x test:y test:z); do
    cl_cli node1 migrate "$s" "$m" >/dev/null
    check "frozen node: $s moves from $victim to the master $m" cl_wait 30 cl_on "$s" "$m"
done
lrmv=$(cl_pid "$victim" lrm)
cl_signal "$victim" lrm TERM
check "frozen node: $victim's LRM exits" cl_wait 20 sh -c "! kill -0 $lrmv 2>/dev/null"
rm -f "$CL_DIR/$victim/haven-lrm.prom" # its rounds count from the new LRM's
cl_start_daemon "$victim" lrm
lrm_runs() { [ "$(cl_rounds "$victim" lrm)" -ge 2 ]; }
check "frozen node: $victim's new LRM runs its rounds" cl_wait 20 lrm_runs
errs() { echo "$(cl_metric "$victim" crm haven_store_errors_total)/$(cl_metric "$victim" lrm haven_store_errors_total)"; }
resets0=$(resets "$victim") lines=$(ledger_lines)
cl_freeze "$victim"
# Counted by the daemons' metrics files, not by log lines: a warning that
# repeats the last one is counted by the log, not written again.
crm0=$(cl_rounds "$victim" crm) lrm0=$(cl_rounds "$victim" lrm) errs0=$(errs)
more_rounds() { [ "$(cl_rounds "$victim" crm)" -ge $((crm0 + 2)) ] && [ "$(cl_rounds "$victim" lrm)" -ge $((lrm0 + 2)) ]; }
check "frozen: $victim's daemons go on with their rounds" cl_wait 60 more_rounds
check "frozen: those rounds count store errors" [ "$(errs)" != "$errs0" ]
cl_thaw "$victim"
check "frozen: $victim is not reset" [ "$(resets "$victim")" = "$resets0" ]
check "frozen: its daemons still run" sh -c "kill -0 $(cl_pid "$victim" crm) && kill -0 $(cl_pid "$victim" lrm)"
# thawed: rounds go on and none of them counts a store error any more
settled() {
    e=$(errs) c=$(cl_rounds "$victim" crm) l=$(cl_rounds "$victim" lrm)
    sleep 3
    [ "$(errs)" = "$e" ] && [ "$(cl_rounds "$victim" crm)" -gt "$c" ] && [ "$(cl_rounds "$victim" lrm)" -gt "$l" ]
}
check "frozen: $victim's probes work again once thawed" cl_wait 30 settled
check "frozen: no service stopped or started" [ "$(ledger_lines)" = "$lines" ]
check "faults: no double run in the ledger" cl_ledger_ok

# etcd loses quorum (two members killed) for longer than T: nobody can renew;
# each node running services (or the master) is reset by its watchdog before
# its lock could expire. etcd back, the nodes boot again and every service
# runs exactly once.
phase "quorum loss"
check "quorum: every service runs" sh -c "for s in x y z; do [ -n \"\$(ls '$CL_DIR'/run/*/test_\$s.pid 2>/dev/null)\" ] || exit 1; done"
busy=$(for n in node1 node2 node3; do [ -n "$(ls "$CL_DIR/run/$n" 2>/dev/null)" ] && echo $n:$(resets $n); done)
cl_member_kill 1
cl_member_kill 2
for b in $busy; do
    check "quorum lost: ${b%:*} (running services) is reset" cl_wait 30 reset_since "${b%:*}" "${b#*:}"
done
sleep $((CL_T + 2))
cl_member_restart 1 || bad "quorum: member 1 starts again"
cl_member_restart 2 || bad "quorum: member 2 starts again"
for n in node1 node2 node3; do [ -f "$CL_DIR/$n/down" ] && cl_start $n; done
for s in test:x test:y test:z; do
    check "quorum back: $s runs" cl_wait 90 runs_once "$s"
done
sleep 3
for s in test:x test:y test:z; do check "quorum back: $s runs exactly once" runs_once "$s"; done
cl_test_end

t_summary

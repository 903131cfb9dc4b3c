#!/bin/sh
# cluster-etcd.test.sh - the real daemons and the CLI on a 3-member etcd
# cluster (test/cluster.sh with CL_STORE=etcd: each node reaches each member
# through a socat forwarder of its own). At start-up, ha-crm, ha-lrm and
# ha-manager refuse an unreachable etcd and an HTTP server that is not etcd
# (one line, exit 2). Cluster 1: steady rounds rewrite no
# status file, also with services running (etcd's revision stays but for
# timestamp refreshes); start, migrate and relocate, a node whose daemons freeze
# (reset before its lease expires, services recovered), a poweroff under
# the migrate policy, kill -9 of a node (reset, fenced, recovered) and of
# the master (takeover). Cluster 2, the etcd faults: kill
# -9 of an etcd member and SIGSTOP of the etcd leader past its election
# timeout (nothing fenced, nothing moves); one frozen forwarder per node
# (the calls skip it, no round takes too long); a paused master deposed (the
# fencing token never goes back); a node cut off etcd (it self-fences, its
# services are recovered); an idle node whose forwarders all hang (its
# rounds go on, each call ends at its deadline); etcd without quorum for
# longer than the lock timeout (the nodes running services are reset by
# their watchdogs; afterwards every service runs exactly once). The ledger
# never shows a double run. Without etcd or socat: "not run".
# usage: sh test/cluster-etcd.test.sh HAVEN_BINARY
for tool in etcd etcdctl socat; do
    command -v $tool >/dev/null 2>&1 || {
        echo "not run: $tool is not installed"
        echo "0 passed, 0 failed"
        exit 0
    }
done
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
CL_STORE=etcd
. "$(dirname "$0")/cluster.sh"
. "$(dirname "$0")/lib.sh"
cl_test_setup cluster-etcd 420

runs_once() { [ "$(cl_where "$1" | wc -l)" = 1 ]; }
online() { cl_read ha/manager_status | grep -q "\"$1\":\"online\""; }
# restart NODE: it boots again; back_online NODE: its new LRM wrote its
# status and the master counts it online.
restart() {
    eval "rev_$1=\$(mod_rev nodes/$1/lrm_status)"
    cl_start "$1"
}
back_online() {
    eval "r=\$rev_$1"
    [ -n "$(mod_rev nodes/$1/lrm_status)" ] && [ "$(mod_rev nodes/$1/lrm_status)" != "$r" ] && online "$1"
}
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
# A node other than the master that runs a service.
busy_non_master() {
    m=$(cl_master)
    for n in node1 node2 node3; do
        [ "$n" != "$m" ] && [ -n "$(ls "$CL_DIR/run/$n" 2>/dev/null)" ] && echo $n && return
    done
}
resets() { grep -c reset "$CL_DIR/$1/hw.log" 2>/dev/null; } # node
reset_since() { [ "$(resets "$1")" -gt "$2" ]; } # node count
# busy_non_master, after moving a service of the master (SIDS) there if none
# is.
make_busy_non_master() { # sid...
    v=$(busy_non_master)
    if [ -z "$v" ]; then
        m=$(cl_master)
        v=$(for n in node1 node2 node3; do [ "$n" != "$m" ] && echo $n; done | head -n 1)
        s=$(services_on "$m" "$@" | head -n 1)
        cl_cli node1 migrate "$s" "$v" >/dev/null
        cl_wait 30 cl_on "$s" "$v"
    fi
    echo "$v"
}
no_reset() { ! grep -q reset "$CL_DIR"/node*/hw.log 2>/dev/null; }
nobody_fenced() { ! grep -q fencing "$CL_DIR"/node*/crm.log 2>/dev/null; }
ledger_lines() { wc -l <"$CL_DIR/ledger"; }
phase() { echo "# $(date +%s) $*"; }
# give_up WHAT: a cluster that cannot start: fail once, end here (every
# later check would only fail with it).
give_up() {
    bad "$1"
    cl_dump
    echo "$pass passed, $fail failed"
    exit 1
}

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

# ---- cluster 1: steady state, motion, a killed node, a killed master ----
phase "cluster 1"
cl_init "$tmp/c1" "$haven" node1 node2 node3 || give_up "cluster 1: etcd and forwarders start"
for n in node1 node2 node3; do cl_start $n; done
# Steady state: no service, so no master yet; each LRM has written its
# lrm_status once, and a round that changes nothing rewrites nothing (etcd
# keeps every revision until compaction): only lease keep-alives reach etcd.
lrm_revs() { echo "$(mod_rev nodes/node1/lrm_status) $(mod_rev nodes/node2/lrm_status) $(mod_rev nodes/node3/lrm_status)"; }
every_lrm_status() { [ "$(lrm_revs | wc -w)" = 3 ]; }
check "cluster 1: every LRM writes its status" cl_wait 30 every_lrm_status
sleep 2
before=$(lrm_revs)
sleep 5
after=$(lrm_revs)
check "steady rounds rewrite no lrm_status ($before -> $after)" [ "$before" = "$after" ]

cl_test_services "" a:node1 b:node2 c:node3 d:node1
status_shows() { cl_cli node2 status 2>/dev/null | grep -q -F "$1"; }
check "ha-manager status on etcd" cl_wait 10 status_shows "service test:a (node1, started)"
# Steady rounds with services running: no status file changes but for its
# timestamp, so etcd's revision moves at most once per status file (the
# timestamp refresh, every 30 - R - 2 s) over a window of 6 rounds.
etcd_revision() { cl_etcdctl get / -w json --limit 1 | sed -n 's/.*"revision":\([0-9]*\).*/\1/p'; }
running_is() { [ "$(cl_running_count)" = "$1" ]; }
check "the master counts 4 services running" cl_wait 20 running_is 4
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

cl_cli node3 migrate test:a node2 >/dev/null
check "migrate test:a to node2" cl_wait 20 cl_on test:a node2
cl_cli node1 relocate test:b node3 >/dev/null
check "relocate test:b to node3" cl_wait 20 cl_on test:b node3

# A node whose daemons freeze (SIGSTOP): they stop feeding their watchdog
# clients and the node is reset before its agent lock's lease can expire;
# the master recovers its services. The node comes back empty.
phase "frozen daemons"
victim=$(make_busy_non_master test:a test:b test:c test:d)
frozen=$(services_on "$victim" test:a test:b test:c test:d)
check "frozen daemons: a node other than the master runs a service" [ -n "$frozen" ]
cl_signal "$victim" lrm STOP
cl_signal "$victim" crm STOP
check "the frozen $victim is reset by its watchdog" cl_wait 20 cl_logged "$victim/hw.log" reset
for s in $frozen; do
    check "$s recovered from the frozen $victim" cl_wait 40 cl_runs_elsewhere "$s" "$victim"
done
restart "$victim"
check "$victim is online again" cl_wait 40 back_online "$victim"

# A graceful poweroff under the migrate policy (datacenter.cfg in etcd): the
# node goes into maintenance and its services move away; no reset.
phase "shutdown policy migrate"
printf 'ha: shutdown_policy=migrate\n' | cl_write datacenter.cfg
m=$(cl_master)
leaving=$(for n in node1 node2 node3; do
    [ "$n" != "$m" ] && [ -n "$(services_on "$n" test:a test:b test:c test:d)" ] && echo $n
done | head -n 1)
moving=$(services_on "$leaving" test:a test:b test:c test:d)
resets0=$(resets "$leaving")
echo poweroff >"$CL_DIR/$leaving/shutdown"
cl_signal "$leaving" lrm TERM
for s in $moving; do
    check "policy migrate moves $s away from $leaving" cl_wait 30 cl_runs_elsewhere "$s" "$leaving"
done
check "$leaving's LRM exits after the move" cl_wait 20 sh -c "! kill -0 $(cl_pid "$leaving" lrm) 2>/dev/null"
check "$leaving went into maintenance" cl_logged "$leaving/lrm.log" "doing maintenance, removing this node from active list"
check "$leaving is not reset" [ "$(resets "$leaving")" = "$resets0" ]
rm -f "$CL_DIR/$leaving/shutdown"
cl_start_daemon "$leaving" lrm

# kill -9 of a node: its watchdog resets it, the master fences it (it takes
# the node's agent lock once its lease expired) and recovers its services.
victim=$(make_busy_non_master test:a test:b test:c test:d)
m=$(cl_master)
moved=$(services_on "$victim" test:a test:b test:c test:d)
check "a node other than the master runs a service" [ -n "$moved" ]
phase "kill -9 $victim"
cl_kill "$victim"
check "$victim is reset by its watchdog" cl_wait 15 cl_logged "$victim/hw.log" reset
for s in $moved; do
    check "$s recovered after SIGKILL of $victim" cl_wait 40 cl_runs_elsewhere "$s" "$victim"
done
check "the master fenced $victim" grep -q "fencing: acknowledged - got agent lock for node '$victim'" "$CL_DIR/$m/crm.log"

# The master dies: another CRM takes the manager lock and recovers.
moved=$(services_on "$m" test:a test:b test:c test:d)
phase "kill -9 master $m"
cl_kill "$m"
check "another CRM takes over from $m" cl_wait 40 cl_new_master "$m"
for s in $moved; do
    check "$s recovered after the master $m died" cl_wait 40 cl_runs_elsewhere "$s" "$m"
done
for s in a b c d; do check "test:$s runs once" runs_once test:$s; done
cl_test_end "cluster 1"

# ---- cluster 2: etcd faults ----
# Client timeout 6 s (T 14): an etcd hiccup shorter than C - R - S = 4 s
# resets nothing; the renewal budget B is 4 s.
CL_C=6 CL_T=14
phase "cluster 2"
cl_init "$tmp/c2" "$haven" node1 node2 node3 || give_up "cluster 2: etcd and forwarders start"
for n in node1 node2 node3; do cl_start $n; done
cl_test_services "faults" x:node1 y:node2 z:node3
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

# A paused master is deposed: another CRM takes over; once resumed, its lock
# is gone, and the token in manager_status never goes back to its own.
phase "deposed master"
m=$(cl_master)
touch "$CL_DIR/$m/no-reset"
(while :; do cl_read ha/manager_status | sed -n 's/.*"fencing_token":\([0-9]*\).*/\1/p'; sleep 0.2; done) >"$tmp/tokens" 2>/dev/null &
sampler=$!
cl_signal "$m" crm STOP
check "a CRM takes over from the paused $m" cl_wait 40 cl_new_master "$m"
cl_signal "$m" crm CONT
check "the resumed $m loses its lock" cl_wait 15 cl_logged "$m/crm.log" "lost lock 'ha_manager_lock"
sleep 2
kill "$sampler"
wait "$sampler" 2>/dev/null
check "the fencing token never decreases" awk 'NF { if ($1 < last) exit 1; last = $1 } END { exit NR == 0 }' "$tmp/tokens"
check "the resumed $m is not master" cl_new_master "$m"
check "deposed master: no double run in the ledger" cl_ledger_ok
# its watchdog expired while the CRM was stopped: the reset it was spared
cl_reset "$m"
rm -f "$CL_DIR/$m/no-reset"
restart "$m"
check "deposed master: $m is online again" cl_wait 40 back_online "$m"

# A node cut off etcd (its forwarders killed): it cannot renew its lock, its
# watchdog resets it, and the master recovers its services.
phase "cut"
victim=$(make_busy_non_master test:x test:y test:z)
moved=$(services_on "$victim" test:x test:y test:z)
check "cut: $victim runs a service" [ -n "$moved" ]
cl_cut "$victim"
check "cut: $victim self-fences" cl_wait 30 cl_logged "$victim/hw.log" reset
for s in $moved; do
    check "cut: $s recovered from $victim" cl_wait 60 cl_runs_elsewhere "$s" "$victim"
done
cl_uncut "$victim"
restart "$victim"
check "cut: $victim is online again" cl_wait 40 back_online "$victim"

# The same node, now idle (no service, not master), while all its
# forwarders freeze: its calls hang until their deadlines, never longer, so
# its daemons go on round after round (each logs its failed probes); it runs
# no service, so no watchdog is armed and nothing resets it. Thawed, it is
# back without a restart.
phase "frozen node"
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
cl_test_end "cluster 2"

t_summary

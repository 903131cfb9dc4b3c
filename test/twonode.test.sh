#!/bin/sh
# twonode.test.sh - a two-node cluster on the local cluster harness
# (test/cluster.sh), where the store is the arbiter: either node losing the
# store, the two nodes losing each other but not the store, and the master
# dying. After each fault the ledger shows no service on two nodes, and
# every service of the failed node is recovered exactly once (one start on
# the survivor, one node running it).
#
# Why two nodes are safe here: a node runs services only while it renews
# its agent lock in the store, and the master only recovers them once that
# lock is its own (after the victim's watchdog reset). Two nodes never vote
# on anything between themselves, so there is no tie to break, as there is
# for corosync's two_node (each half believes it is the quorum and fences
# the other, or runs the same guests).
# usage: sh test/twonode.test.sh HAVEN_BINARY
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
# the folder store: its daemons hold no network socket at all (checked below)
CL_STORE=dir
. "$(dirname "$0")/cluster.sh"
tmp=$(mktemp -d /tmp/haven-twonode.XXXXXX)
cleanup() {
    [ -n "$CL_DIR" ] && cl_stop_all >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
CL_DEADLINE=$(($(date +%s) + 170))

. "$(dirname "$0")/lib.sh"
on() { [ "$(cl_where "$1")" = "$2" ]; } # sid node: runs there and nowhere else
logged() { grep -q "$2" "$CL_DIR/$1" 2>/dev/null; } # file pattern
other() { [ "$1" = node1 ] && echo node2 || echo node1; }
online() { grep -q "\"$1\":\"online\"" "$CL_DIR/store/ha/manager_status"; }
new_master() { nm=$(cl_master); [ -n "$nm" ] && [ "$nm" != "$1" ]; }
services_on() { for s in a b c; do [ "$(cl_where test:$s)" = "$1" ] && echo test:$s; done; }
ledger_lines() { wc -l <"$CL_DIR/ledger"; }
# starts of SID in the ledger after its first N lines
starts_since() { tail -n +$(($1 + 1)) "$CL_DIR/ledger" | grep -c " start $2\$"; }
dump() {
    for f in "$CL_DIR"/*/crm.log "$CL_DIR"/*/lrm.log "$CL_DIR"/*/hw.log; do
        echo "--- $f"
        tail -n 25 "$f"
    done
    echo "--- ledger"
    cat "$CL_DIR/ledger"
}

# recovered LABEL SURVIVOR MARK SIDS...: each sid runs on the survivor
# alone, was started there exactly once since ledger line MARK, and the
# ledger never shows it on both nodes.
recovered() {
    label=$1 surv=$2 mark=$3
    shift 3
    for s in "$@"; do
        check "$label: $s recovered on $surv" cl_wait 40 on "$s" "$surv"
        check "$label: $s started exactly once" [ "$(starts_since "$mark" "$s")" = 1 ]
    done
    check "$label: no double run in the ledger" cl_ledger_ok
}

# give_victim NODE: make sure NODE runs a service (a fault must have
# something to recover): migrate one there when it runs none.
give_victim() {
    [ -n "$(services_on "$1")" ] && return 0
    s=$(services_on "$(other "$1")" | head -n 1)
    cl_cli "$(other "$1")" migrate "$s" "$1" >/dev/null
    cl_wait 20 on "$s" "$1"
}

# bring_back NODE: the harness's power button, after a reset.
bring_back() {
    cl_uncut "$1"
    cl_start "$1"
    check "$1 is online again" cl_wait 30 online "$1"
}

cl_init "$tmp/c" "$haven" node1 node2
for n in node1 node2; do cl_start $n; done
cl_add test:a node1
cl_add test:b node2
cl_add test:c node1
for s in a:node1 b:node2 c:node1; do
    check "test:${s%:*} starts on ${s#*:}" cl_wait 30 on "test:${s%:*}" "${s#*:}"
done
check "a master is elected" cl_wait 20 new_master none

# ---- the two nodes lose each other, not the store ----
# haven's daemons talk to the store and to their local watchdog only: there
# is no node-to-node link (no membership protocol, no heartbeats between
# nodes) for the harness to cut. A cut between the nodes that leaves both
# with the store is therefore no fault at all, and nothing may move; this
# checks both halves: no daemon holds an IP socket (the folder store is a
# file system path), and over 2 lock timeouts nothing is fenced, reset,
# started or stopped, and the master stays.
ip_sockets() { # pid: its sockets that are TCP or UDP
    for l in /proc/"$1"/fd/*; do
        i=$(readlink "$l" 2>/dev/null) || continue
        case $i in socket:*) i=${i#socket:[} && i=${i%]} ;; *) continue ;; esac
        cat /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 2>/dev/null |
            awk -v i="$i" '$10 == i { print "inet socket " i }'
    done
}
no_links() {
    for n in node1 node2; do
        for d in crm lrm mux; do
            p=$(cl_pid $n $d)
            [ -n "$p" ] && [ -n "$(ip_sockets "$p")" ] && return 1
        done
    done
    return 0
}
check "no daemon holds a socket to another node" no_links
m=$(cl_master)
mark=$(ledger_lines)
sleep $((2 * CL_T))
check "partition: the master stays $m" [ "$(cl_master)" = "$m" ]
check "partition: nothing started or stopped" [ "$(ledger_lines)" = "$mark" ]
check "partition: no node reset" sh -c "! grep -q reset '$CL_DIR'/node*/hw.log"
check "partition: no node fenced" sh -c "! grep -q -E 'fence|fencing' '$CL_DIR'/node*/crm.log"
check "partition: both nodes online" sh -c "grep -q '\"node1\":\"online\"' '$CL_DIR/store/ha/manager_status' && grep -q '\"node2\":\"online\"' '$CL_DIR/store/ha/manager_status'"

# ---- the node that is not the master loses the store ----
m=$(cl_master)
victim=$(other "$m")
check "$victim runs a service" give_victim "$victim"
moved=$(services_on "$victim")
mark=$(ledger_lines)
cl_cut "$victim"
check "$victim self-fences without the store" cl_wait 20 logged "$victim/hw.log" reset
check "$m fenced the cut $victim" cl_wait 30 logged "$m/crm.log" "fencing: acknowledged - got agent lock for node '$victim'"
recovered "cut $victim" "$m" "$mark" $moved
check "cut $victim: $m stays master" [ "$(cl_master)" = "$m" ]
bring_back "$victim"

# ---- the master loses the store ----
m=$(cl_master)
surv=$(other "$m")
check "the master $m runs a service" give_victim "$m"
moved=$(services_on "$m")
mark=$(ledger_lines)
cl_cut "$m"
check "the cut master $m self-fences" cl_wait 20 logged "$m/hw.log" reset
check "$surv takes over from the cut master" cl_wait 40 new_master "$m"
check "$surv fenced the cut master $m" cl_wait 30 logged "$surv/crm.log" "fencing: acknowledged - got agent lock for node '$m'"
recovered "cut master $m" "$surv" "$mark" $moved
bring_back "$m"

# ---- the master dies ----
m=$(cl_master)
surv=$(other "$m")
check "the master $m runs a service" give_victim "$m"
moved=$(services_on "$m")
mark=$(ledger_lines)
cl_kill "$m"
check "the killed master $m is reset by its watchdog" cl_wait 15 logged "$m/hw.log" reset
check "$surv takes over from the dead master" cl_wait 40 new_master "$m"
check "$surv fenced $m" cl_wait 20 logged "$surv/crm.log" "fencing: acknowledged - got agent lock for node '$m'"
recovered "dead master $m" "$surv" "$mark" $moved
for s in a b c; do check "test:$s runs on one node" [ "$(cl_where test:$s | wc -l)" = 1 ]; done
check "two nodes: no sanitizer report" cl_sanitizer_clean
[ "$fail" -eq 0 ] || dump
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

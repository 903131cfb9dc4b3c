#!/bin/sh
# bench_cluster.sh - footprint of the daemons and failover time on the local
# 3-node cluster (test/cluster.sh: T 8, C 3, H 2, F 2, R 1). Never part of
# 'make check'. CL_STORE=etcd: the same on a 3-member etcd (figures named
# "... on etcd"), plus etcd's own counters over the steady window: store
# revisions, requests and bytes per round, the database size. node1 runs with
# the metrics endpoint and file on (scraped every second); the other RSS rows
# are of node2 and node3.
# usage: sh test/bench_cluster.sh HAVEN_BINARY
#   BENCH_CLUSTER_SECONDS  how long the cluster runs before RSS is read (60)
#   BENCH_FAILOVERS        failovers measured, the median is shown (3)
# Prints "figure | value | target | how measured" lines after a header line.
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster.sh"
secs=${BENCH_CLUSTER_SECONDS:-60}
runs=${BENCH_FAILOVERS:-3}
tmp=$(mktemp -d /tmp/haven-bench.XXXXXX)
trap 'cl_stop_all >/dev/null 2>&1; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null; } # pid -> KiB
max_rss() { # daemon [nodes]: the largest RSS of it over the nodes
    m=0
    for n in ${2:-$CL_NODES}; do
        r=$(rss "$(cl_pid "$n" "$1")")
        [ -n "$r" ] && [ "$r" -gt "$m" ] && m=$r
    done
    echo "$m"
}
runs_on() { [ "$(cl_where "$1")" = "$2" ]; }
runs_elsewhere() { w=$(cl_where "$1"); [ -n "$w" ] && [ "$w" != "$2" ]; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
on=
[ "${CL_STORE:-dir}" = etcd ] && on=" on etcd"
# etcd's counters, summed over the members: "revision messages bytes dbsize"
etcd_counters() {
    rev=$(cl_etcdctl get / -w json --limit 1 | sed -n 's/.*"revision":\([0-9]*\).*/\1/p')
    db=$(cl_etcdctl endpoint status -w json | sed -n 's/.*"dbSize":\([0-9]*\).*/\1/p' | head -n 1)
    for m in 1 2 3; do
        printf 'GET /metrics HTTP/1.0\r\n\r\n' | socat - "TCP:$(sed 's,^[a-z]*://,,' "$CL_ETCD/m$m.url")"
    done | awk -v rev="$rev" -v db="$db" '
        /^grpc_server_msg_received_total/ { msgs += $NF }
        /^etcd_network_client_grpc_received_bytes_total/ { bytes += $NF }
        END { printf "%d %d %d %d\n", rev, msgs, bytes, db }'
}

cl_init "$tmp" "$haven" node1 node2 node3
while :; do
    mport=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
    cl_port_free $mport && cl_port_free $((mport + 1)) && break
done
# the metrics file is on already (cluster.sh writes one per node)
printf 'metrics_listen=127.0.0.1:%s\n' "$mport" >>"$tmp/node1/haven.conf"
for n in $CL_NODES; do cl_start "$n"; done
cl_add test:1 node1
cl_add test:2 node2
cl_add test:3 node3
for s in 1:node1 2:node2 3:node3; do
    cl_wait 60 runs_on "test:${s%:*}" "${s#*:}" || {
        echo "bench_cluster: test:${s%:*} did not start" >&2
        exit 1
    }
done
[ -n "$on" ] && set -- $(etcd_counters)
t_end=$(($(date +%s) + secs))
while [ "$(date +%s)" -lt "$t_end" ]; do # the endpoints of node1, as a Prometheus would
    curl -s -m 2 -o /dev/null "http://127.0.0.1:$mport/metrics" 2>/dev/null
    curl -s -m 2 -o /dev/null "http://127.0.0.1:$((mport + 1))/metrics" 2>/dev/null
    sleep 1
done
echo "figure | value | target | how measured"
echo "ha-watchdog RSS on the cluster$on | $(max_rss mux) KiB | < 512 KiB | VmRSS after $secs s, largest of 3 nodes, static binary"
echo "ha-crm RSS on the cluster$on | $(max_rss crm "node2 node3") KiB | < 1024 KiB | VmRSS after $secs s with 3 services, largest of node2 and node3"
echo "ha-lrm RSS on the cluster$on | $(max_rss lrm "node2 node3") KiB | < 1024 KiB | VmRSS after $secs s with 3 services, largest of node2 and node3"
echo "ha-crm RSS with the metrics endpoint and file on$on | $(max_rss crm node1) KiB | < 1024 KiB | VmRSS of node1's ha-crm after $secs s, /metrics scraped every 1 s"
echo "ha-lrm RSS with the metrics endpoint and file on$on | $(max_rss lrm node1) KiB | < 1024 KiB | VmRSS of node1's ha-lrm after $secs s, /metrics scraped every 1 s"
if [ -n "$on" ]; then
    # $1..$4 before the window, then after it; a round is R s on every node
    rounds=$((secs / CL_R))
    r0=$1 m0=$2 b0=$3
    set -- $(etcd_counters)
    per() { awk "BEGIN { printf \"%.1f\", ($1) / $rounds }"; }
    echo "etcd revisions per steady round, 3 nodes, 3 services | $(per "$1 - $r0") | timestamp refreshes only: 4 status files every 30 - R - 2 s | etcd's revision over $rounds rounds of R $CL_R s (services running: a running service keeps its job id, so no status file changes but for its timestamp)"
    echo "etcd requests per steady round, 3 nodes, 3 services | $(per "$2 - $m0") | - | grpc_server_msg_received_total of the 3 members over $rounds rounds (keep-alives, reads, writes of 6 daemons)"
    echo "bytes sent to etcd per steady round, 3 nodes, 3 services | $(per "$3 - $b0") B | - | etcd_network_client_grpc_received_bytes_total of the 3 members over $rounds rounds"
    echo "etcd database size after $rounds steady rounds | $(($4 / 1024)) KiB | bounded (--auto-compaction-retention) | dbSize of etcdctl endpoint status; test etcd without compaction"
fi

# Failover: SIGKILL the daemons of a node that is not the master; time until
# its service runs on another node. The bound: the lock
# expires T after the last renewal, the node is fenced after node_timeout + F,
# recovery and start take about 2 rounds: max(3R + F, T) + 2R.
bound=$((CL_T > 3 * CL_R + CL_F ? CL_T + 2 * CL_R : 3 * CL_R + CL_F + 2 * CL_R))
: >"$tmp/failover"
bc_run=0
while [ "$bc_run" -lt "$runs" ]; do
    bc_run=$((bc_run + 1)) # not i: cluster.sh uses i (sh has no locals)
    master=$(cl_master)
    victim=
    for n in $CL_NODES; do
        [ "$n" != "$master" ] && [ -n "$(ls "$CL_DIR/run/$n" 2>/dev/null)" ] && victim=$n && break
    done
    [ -n "$victim" ] || break
    sid=test:$(ls "$CL_DIR/run/$victim" | head -n 1 | sed 's/^test_//; s/\.pid$//')
    t0=$(now_ms)
    cl_kill "$victim"
    if cl_wait 120 runs_elsewhere "$sid" "$victim"; then
        echo $(($(now_ms) - t0)) >>"$tmp/failover"
    fi
    # The node "reboots": its watchdog reset it; start it again for the next run.
    cl_wait 30 test -f "$CL_DIR/$victim/down"
    cl_start "$victim"
    sleep 5
done
med=$(sort -n "$tmp/failover" | awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", v[int((NR + 1) / 2)] / 1000 }')
echo "failover$on: node death to service running elsewhere | ${med:-n/a} s (bound ${bound} s, over by $(awk "BEGIN { printf \"%.1f\", ${med:-0} - $bound }") s) | < 1 s above the bound | SIGKILL of a node's daemons, T $CL_T C $CL_C H $CL_H F $CL_F R $CL_R; median of $(wc -l <"$tmp/failover") runs"
cl_ledger_ok || echo "ledger | double run | none | the ledger agent saw a service on two nodes"

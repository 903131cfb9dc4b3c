#!/bin/sh
# cluster-on-etcd.test.sh - the whole of cluster.test.sh (the ledger, kill -9,
# a frozen node, master takeover, the shutdown policies, migrate and
# relocate, agent faults, the workers' lease check, a store outage) with the
# cluster on a 3-member etcd (CL_STORE=etcd: cluster.sh starts the members
# and a socat forwarder per node and member). The etcd faults themselves
# are cluster-etcd.test.sh's. Without etcd or socat: "not run".
# usage: sh test/cluster-on-etcd.test.sh HAVEN_BINARY
. "$(dirname "$0")/lib.sh"
t_need etcd etcdctl socat
CL_STORE=etcd exec sh "$(dirname "$0")/cluster.test.sh" "$1"

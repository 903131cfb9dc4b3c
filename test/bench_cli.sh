#!/bin/sh
# bench_cli.sh - time `ha-manager status` and `config` on a store with N
# services (default 1000) spread over 3 nodes: the mean wall time of 50 runs
# (target: status under 20 ms at 1000). Never part of `make check`.
# usage: sh test/bench_cli.sh HAVEN_BINARY [N]
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
n=${2:-1000}
runs=50
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
st=$tmp/st
mkdir "$st"
printf 'node=node1\nstore=dir:%s\n' "$st" >"$tmp/c.conf"
"$haven" ha-manager -c "$tmp/c.conf" crm-command arm-ha >/dev/null || exit 1 # makes it a store
rm -f "$st/ha/crm_commands.d/"*
now=$(date +%s)
mkdir -p "$st/nodes/node2/resources" "$st/nodes/node3/resources"
awk -v n="$n" -v now="$now" -v st="$st" 'BEGIN {
    ms = "{\"master_node\":\"node1\",\"timestamp\":" now ",\"node_status\":{\"node1\":\"online\",\"node2\":\"online\",\"node3\":\"online\"},\"service_status\":{"
    for (i = 0; i < n; i++) {
        sid = "vm:" (1000 + i); node = "node" (i % 3 + 1)
        printf "vm: %d\n\tmax_restart 2\n\n", 1000 + i > (st "/ha/resources.cfg")
        printf "" > (st "/nodes/" node "/resources/" sid)
        ms = ms (i ? "," : "") "\"" sid "\":{\"state\":\"started\",\"node\":\"" node "\",\"uid\":\"u" i "\",\"running\":1}"
    }
    print ms "}}" > (st "/ha/manager_status")
}' || exit 2
for node in node1 node2 node3; do
    printf '{"state":"active","mode":"active","results":{},"timestamp":%d}' "$now" >"$st/nodes/$node/lrm_status"
done
bench() { # name args...
    name=$1
    shift
    start=$(date +%s%N)
    i=0
    while [ $i -lt $runs ]; do
        "$haven" ha-manager -c "$tmp/c.conf" "$@" >/dev/null || exit 1
        i=$((i + 1))
    done
    end=$(date +%s%N)
    echo "ha-manager $name, $n services: $(((end - start) / runs / 1000)) us per run"
}
bench status status
bench "status --verbose" status --verbose
bench "status json" status --output-format json
bench config config

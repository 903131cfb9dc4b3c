#!/bin/sh
# demo.sh - "make run": a 3-node haven cluster on this machine (test/cluster.sh)
# with three services of the example "daemon" agent; shows the status, kills
# one node, shows its services back on the others, stops everything.
# CL_STORE=etcd (make run STORE=etcd): the same on a 3-member etcd cluster
# started on loopback (each node through its own forwarders, cluster.sh).
# usage: sh test/demo.sh HAVEN_BINARY
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
case ${CL_STORE:=dir} in
dir) ;;
etcd)
    for tool in etcd etcdctl socat; do
        command -v $tool >/dev/null 2>&1 || {
            echo "demo.sh: the etcd demo needs $tool (make deps installs etcd-server, etcd-client, socat)" >&2
            exit 2
        }
    done
    ;;
*)
    echo "demo.sh: unknown store '$CL_STORE' (want dir or etcd)" >&2
    exit 2
    ;;
esac
. "$here/cluster.sh"
tmp=$(mktemp -d /tmp/haven-demo.XXXXXX)
trap 'cl_stop_all >/dev/null 2>&1; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

say() { printf '\n== %s\n' "$*"; }

status() {
    if cl_cli node1 status 2>/dev/null; then
        return
    fi
    ms=$(cl_read ha/manager_status)
    echo "master $(cl_master)"
    echo "$ms" | grep -o '"node_status":{[^}]*}' | grep -o '"[^"]*":"[^"]*"' | tr -d '"' |
        sed 's/^\([^:]*\):\(.*\)/node \1 (\2)/'
    echo "$ms" | grep -o '"[a-z]*:[^"]*":{[^}]*}' | while read -r e; do
        sid=$(echo "$e" | sed 's/^"\([^"]*\)".*/\1/')
        node=$(echo "$e" | sed -n 's/.*"node":"\([^"]*\)".*/\1/p')
        st=$(echo "$e" | sed -n 's/.*"state":"\([^"]*\)".*/\1/p')
        pid=$(cat "$CL_DIR/daemon.run/$node/${sid#*:}.pid" 2>/dev/null)
        echo "service $sid ($node, $st)${pid:+, process $pid running}"
    done
}

if [ "$CL_STORE" = etcd ]; then
    say "starting 3 etcd members and 3 nodes in $tmp (ha-watchdog on a FIFO, ha-crm, ha-lrm each)"
else
    say "starting 3 nodes in $tmp (ha-watchdog on a FIFO, ha-crm, ha-lrm each)"
fi
cl_init "$tmp" "$haven" node1 node2 node3 || {
    echo "demo.sh: the cluster did not start" >&2
    exit 1
}
[ "$CL_STORE" = etcd ] && echo "store: $(sed -n 's/^store=//p' "$CL_DIR/node1/haven.conf") (node1's forwarders)"
cp "$here/../applets/agents/daemon" "$CL_DIR/agents/daemon"
mkdir -p "$CL_DIR/daemon.d"
cat >"$CL_DIR/agents/daemon.env" <<EOF
DAEMON_CONF_DIR=$CL_DIR/daemon.d
DAEMON_RUN_DIR=$CL_DIR/daemon.run/\$HAVEN_NODE
EOF
for n in node1 node2 node3; do cl_start $n; done
for s in web:node1 db:node2 cache:node3; do
    echo "sleep 100000" >"$CL_DIR/daemon.d/${s%:*}"
    cl_add "daemon:${s%:*}" "${s#*:}"
done
echo "resources.cfg:"
cl_read ha/resources.cfg | sed 's/^/  /'

started() { [ "$(cl_cli node1 status 2>/dev/null | grep -c ', started)$')" = 3 ] &&
    [ "$(ls "$CL_DIR"/daemon.run/*/*.pid 2>/dev/null | wc -l)" = 3 ]; }
cl_wait 30 started
say "status"
status

victim=node3
[ "$(cl_master)" = node3 ] && victim=node2
say "killing $victim (SIGKILL of its ha-crm and ha-lrm; its watchdog resets it)"
cl_kill "$victim"
back() { [ -z "$(ls "$CL_DIR/daemon.run/$victim" 2>/dev/null)" ] && started; }
start=$(date +%s)
cl_wait 60 back && echo "services back after $(($(date +%s) - start)) s"
say "status"
status
say "log of the master $(cl_master)"
grep -E "fence|recover|state changed from 'unknown'" "$CL_DIR/$(cl_master)/crm.log" | tail -n 12

say "stopping everything"
for n in node1 node2 node3; do
    for f in "$CL_DIR/daemon.run/$n"/*.pid; do [ -f "$f" ] && kill -s TERM -- "-$(cat "$f")" 2>/dev/null; done
done
cl_stop_all >/dev/null 2>&1
echo done

#!/bin/sh
# ledger-agent.sh - resource agent of the local cluster harness (test/cluster.sh).
# A service is a sleeping process; the node running it is the folder of its
# pidfile, run/<node>/<sid>.pid next to this agent's folder. Every start and
# stop is appended to the ledger "<ns> <node> start|stop <sid>": a start
# before the process exists, a stop after it is gone, so that the ledger's
# intervals cover the real ones (cluster.sh checks they never overlap).
# usage: <type> start|stop|status <sid>   or   <type> migrate <sid> <target>
base=$(cd "$(dirname "$0")/.." && pwd)
verb=$1 sid=$2 target=$3
node=${HAVEN_NODE:?}
ledger=$base/ledger
file=$(printf '%s' "$sid" | tr ':/' '__')

pidfile() { echo "$base/run/$1/$file.pid"; }
alive() { # pid: a live process, not a zombie waiting for its reaper
    st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]
}
running() { # node
    p=$(cat "$(pidfile "$1")" 2>/dev/null) && [ -n "$p" ] && alive "$p"
}
note() { echo "$(date +%s%N) $1 $2 $sid" >>"$ledger"; }
launch() { # node
    mkdir -p "$base/run/$1"
    note "$1" start
    setsid sh -c 'echo $$ >"$1.tmp" && mv "$1.tmp" "$1" && exec sleep 1000000' sh \
        "$(pidfile "$1")" </dev/null >/dev/null 2>&1 &
    i=0
    while ! running "$1" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    running "$1"
}
halt() { # node
    p=$(cat "$(pidfile "$1")" 2>/dev/null)
    [ -n "$p" ] && kill -9 "$p" 2>/dev/null
    while [ -n "$p" ] && alive "$p"; do sleep 0.05; done
    rm -f "$(pidfile "$1")"
    note "$1" stop
}

# A failing or hanging service for the tests: its sid names the fault.
case $sid:$verb in
*fail*:start) echo "refusing to start $sid"; exit 1 ;;
*hang*:start) echo "hanging in start"; exec sleep 1000 ;;
*badstatus*:status) echo "status unknown"; exit 3 ;;
*slowstatus*:status) # announce the call, then take 2 s to answer (none once told to hurry)
    mkdir -p "$base/run/$node" && : >"$base/run/$node/$file.status"
    [ -f "$base/run/$node/$file.hurry" ] || sleep 2
    running "$node" && exit 0
    exit 7
    ;;
*slowstop*:stop) echo "stopping slowly"; sleep 3 ;;
esac

case $verb in
status) running "$node" && exit 0; exit 7 ;;
start) running "$node" && exit 0; echo "starting $sid on $node"; launch "$node" ;;
stop) running "$node" || exit 0; echo "stopping $sid on $node"; halt "$node" ;;
migrate)
    [ -n "$target" ] || exit 2
    # a node that was reset takes no guest: the migration fails, the guest stays
    [ -f "$base/$target/down" ] && { echo "migration target '$target' is down"; exit 1; }
    if running "$node"; then
        halt "$node"
        if [ "${HAVEN_ONLINE:-0}" = 1 ]; then
            launch "$target"
            # reset meanwhile: the guest died with it (cl_reset came too early to see it)
            [ -f "$base/$target/down" ] && halt "$target"
        fi
    fi
    case $sid in
    *slowmigrate*) # the guest runs on the target; the source cleans up for 10 s
        mkdir -p "$base/run/$node" && : >"$base/run/$node/$file.cleanup"
        sleep 10
        ;;
    esac
    exit 0
    ;;
*) echo "unknown verb '$verb'" >&2; exit 2 ;;
esac

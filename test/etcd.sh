#!/bin/sh
# etcd.sh - real etcd members on loopback for the tests (never a mock).
#   etcd.sh start DIR N   start N members (1 or 3) with their data in DIR,
#                         print the client URLs, comma-separated; writes
#                         DIR/m<i>.pid, DIR/m<i>.url, DIR/m<i>.log, DIR/endpoints
#   etcd.sh restart DIR I start member I again (after it was killed)
#   etcd.sh stop DIR      kill every member and remove DIR
# ETCD_EXTRA: more flags for every member (e.g. --auth-token-ttl 1);
# ETCD_SCHEME=https: client URLs over TLS (give the certificates in ETCD_EXTRA).
# Exit 77 when etcd is not installed. Ports are picked at random and
# checked free; a start that fails (a port taken meanwhile) is retried.
set -u
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || {
    echo "usage: etcd.sh start|restart|stop DIR [N|I]" >&2
    exit 2
}
command -v etcd >/dev/null 2>&1 || {
    echo "etcd not installed" >&2
    exit 77
}

port_free() {
    command -v ss >/dev/null 2>&1 || return 0
    [ -z "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
}

random_base() { # an even port in 20000..59998
    r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
    echo $((20000 + (r % 20000) * 2))
}

# Start member I from the saved flags; wait is done by the caller.
run_member() {
    i=$1
    # shellcheck disable=SC2046
    setsid etcd $(cat "$dir/m$i.flags") >>"$dir/m$i.log" 2>&1 </dev/null &
    echo $! >"$dir/m$i.pid"
}

ready() { # all members I.. logged that they serve clients, and live
    for i in "$@"; do
        kill -0 "$(cat "$dir/m$i.pid")" 2>/dev/null || return 2
        grep -q "ready to serve client requests" "$dir/m$i.log" 2>/dev/null || return 1
    done
    return 0
}

wait_ready() {
    t=0
    while [ $t -lt 300 ]; do
        ready "$@"
        case $? in 0) return 0 ;; 2) return 1 ;; esac
        sleep 0.1
        t=$((t + 1))
    done
    return 1
}

stop_all() {
    for f in "$dir"/m*.pid; do
        [ -f "$f" ] || continue
        p=$(cat "$f")
        kill -CONT "$p" 2>/dev/null
        kill -9 "$p" 2>/dev/null
    done
    for f in "$dir"/m*.pid; do
        [ -f "$f" ] || continue
        p=$(cat "$f")
        w=0 # not n: that is the number of members of a start to try again
        while kill -0 "$p" 2>/dev/null && [ $w -lt 50 ]; do
            sleep 0.1
            w=$((w + 1))
        done
        rm -f "$f"
    done
}

case $cmd in
start)
    n=${3:-1}
    mkdir -p "$dir"
    try=0
    while [ $try -lt 8 ]; do
        try=$((try + 1))
        base=$(random_base)
        ok=1
        p=$base
        while [ $p -lt $((base + 2 * n)) ]; do
            port_free $p || ok=0
            p=$((p + 1))
        done
        [ $ok = 1 ] || continue
        cluster=
        i=1
        while [ $i -le "$n" ]; do
            cluster="${cluster:+$cluster,}m$i=http://127.0.0.1:$((base + 2 * i - 1))"
            i=$((i + 1))
        done
        urls=
        i=1
        while [ $i -le "$n" ]; do
            c=$((base + 2 * i - 2)) pe=$((base + 2 * i - 1)) cs=${ETCD_SCHEME:-http}
            rm -rf "$dir/m$i.data" "$dir/m$i.log"
            echo "--name m$i --data-dir $dir/m$i.data \
--listen-client-urls $cs://127.0.0.1:$c --advertise-client-urls $cs://127.0.0.1:$c \
--listen-peer-urls http://127.0.0.1:$pe --initial-advertise-peer-urls http://127.0.0.1:$pe \
--initial-cluster $cluster --initial-cluster-token haven-test-$base \
--initial-cluster-state new ${ETCD_EXTRA:-}" >"$dir/m$i.flags"
            echo "$cs://127.0.0.1:$c" >"$dir/m$i.url"
            urls="${urls:+$urls,}$cs://127.0.0.1:$c"
            run_member $i
            i=$((i + 1))
        done
        if wait_ready $(seq 1 "$n"); then
            echo "$urls" >"$dir/endpoints"
            echo "$urls"
            exit 0
        fi
        stop_all
    done
    echo "etcd.sh: could not start $n etcd members (see $dir/m*.log)" >&2
    exit 1
    ;;
restart)
    i=${3:?member}
    : >"$dir/m$i.log"
    run_member "$i"
    wait_ready "$i" || exit 1
    ;;
stop)
    stop_all
    rm -rf "$dir"
    ;;
*)
    echo "etcd.sh: unknown command '$cmd'" >&2
    exit 2
    ;;
esac

#!/bin/sh
# cluster.sh - a local haven cluster on one machine, for tests and the demo
# (test/README.md). Source it, then call the cl_* functions.
#
# Layout under $CL_DIR: store/ (the shared folder), agents/ (the resource
# agents), ledger (starts and stops of the ledger agent), run/<node>/ (the
# services' pidfiles) and per node <node>/ with haven.conf, store (a symlink
# to ../store that cl_cut breaks), wd.fifo (the watchdog device), logs and
# pidfiles. Each node runs ha-watchdog on its FIFO, ha-crm and ha-lrm, each
# in its own session; a reader plays the hardware: when the FIFO stays
# silent for H seconds (and the last byte was not 'V') it "resets" the node:
# every process of the node's sessions and every service of the node is
# killed. Timings: T 8, C 3, H 2, F 2, R 1.
#
# CL_STORE=etcd (default dir): cl_init starts 3 etcd members on loopback
# (test/etcd.sh, data under $CL_DIR/etcd) and the store is etcd; each node
# reaches each member through a TCP forwarder of its own (socat, a session
# per forwarder: <node>/fwd<i>.pid, .port), so that cl_cut kills a node's
# forwarders (connections reset, new ones refused) and cl_freeze stops them
# (connections hang, no RST). cl_read, cl_write, cl_exists and cl_command
# reach the store directly on either backend, cl_store_off/cl_store_on take
# all of it away from every node: a test that uses only these runs on both.
CL_T=8 CL_C=3 CL_H=2 CL_F=2 CL_R=1
CL_STORE=${CL_STORE:-dir}
CL_ETCD_PREFIX=/haven

cl_log() { echo "# $*" >&2; }

# cl_init DIR HAVEN NODES...: write the configs; starts nothing.
cl_init() {
    CL_DIR=$1 CL_HAVEN=$2
    shift 2
    CL_NODES=$*
    mkdir -p "$CL_DIR/store" "$CL_DIR/agents" "$CL_DIR/run"
    : >"$CL_DIR/ledger"
    here=$(dirname "$0")
    [ -f "$here/ledger-agent.sh" ] || here=$(cd "$(dirname "$0")/../test" 2>/dev/null && pwd)
    CL_HERE=$here
    cp "$here/ledger-agent.sh" "$CL_DIR/agents/test"
    chmod +x "$CL_DIR/agents/test"
    [ "$CL_STORE" = etcd ] && { cl_etcd_init || return 1; }
    for n in $CL_NODES; do
        d=$CL_DIR/$n
        mkdir -p "$d"
        url=dir:$d/store
        if [ "$CL_STORE" = etcd ]; then
            url=etcd:$(cl_fwd_init "$n") || return 1
        else
            ln -sfn ../store "$d/store"
        fi
        cat >"$d/haven.conf" <<EOF
node=$n
store=$url
watchdog_socket=$d/wd.sock
agents_dir=$CL_DIR/agents
lock_timeout=$CL_T
loop_interval=$CL_R
fence_delay=$CL_F
watchdog_client_timeout=$CL_C
agent_timeout=5
agent_status_timeout=3
shutdown_marker=$d/shutdown
run_dir=$d
EOF
        [ "$CL_STORE" = etcd ] && echo "etcd_prefix=$CL_ETCD_PREFIX" >>"$d/haven.conf"
        # CL_METRICS=no: none (a test on a tiny file system)
        [ "$CL_METRICS" = no ] || echo "metrics_file=$d/haven.prom" >>"$d/haven.conf"
    done
    return 0
}

# cl_metric NODE crm|lrm NAME: a metric without labels of its own (beyond
# daemon=) from that daemon's metrics file, rewritten each round; 0 before
# the first. cl_rounds NODE DAEMON: the rounds it has run.
cl_metric() {
    r=$(sed -n "s/^$3{daemon=\"[a-z]*\"} \([0-9]*\).*/\1/p" "$CL_DIR/$1/haven-$2.prom" 2>/dev/null)
    echo "${r:-0}"
}
cl_rounds() { cl_metric "$1" "$2" haven_rounds_total; }

# ---- the etcd store (CL_STORE=etcd) ----

# The 3 members; their data in memory when /dev/shm is there (the tests
# are about haven, not about the disk).
# A start that does not end with 3 healthy members is tried once more; the
# members' logs of a failed one stay in $CL_DIR/etcd-failed.<try>/.
cl_etcd_init() {
    for etry in 1 2; do
        CL_ETCD=$CL_DIR/etcd
        if [ -w /dev/shm ]; then
            CL_ETCD=$(mktemp -d /dev/shm/haven-cl-etcd.XXXXXX) || return 1
            ln -sfn "$CL_ETCD" "$CL_DIR/etcd"
        fi
        if sh "$CL_HERE/etcd.sh" start "$CL_ETCD" 3 >/dev/null && cl_wait 10 cl_etcd_healthy; then
            return 0
        fi
        mkdir -p "$CL_DIR/etcd-failed.$etry"
        cp "$CL_ETCD"/m*.log "$CL_DIR/etcd-failed.$etry/" 2>/dev/null
        sh "$CL_HERE/etcd.sh" stop "$CL_ETCD" >/dev/null 2>&1
        rm -f "$CL_DIR/etcd"
    done
    CL_ETCD=
    return 1
}

cl_etcd_healthy() { [ "$(cl_etcdctl endpoint health 2>&1 | grep -c 'is healthy')" = 3 ]; }

# Direct access to the members (never through a forwarder).
cl_etcdctl() {
    ETCDCTL_API=3 etcdctl --endpoints="$(cat "$CL_ETCD/endpoints")" --dial-timeout=1s \
        --command-timeout=3s "$@"
}

cl_port_free() {
    command -v ss >/dev/null 2>&1 || return 0
    [ -z "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
}

cl_port_listening() {
    command -v ss >/dev/null 2>&1 || { sleep 0.2; return 0; }
    [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
}

# Start forwarder I of NODE on its port (its own session); 0 once it listens.
cl_fwd_start() { # node i
    d=$CL_DIR/$1
    setsid socat "TCP-LISTEN:$(cat "$d/fwd$2.port"),bind=127.0.0.1,reuseaddr,fork,backlog=128" \
        "TCP:$(cat "$d/fwd$2.target")" </dev/null >>"$d/fwd.log" 2>&1 &
    echo $! >"$d/fwd$2.pid"
    j=0
    while [ $j -lt 50 ]; do
        kill -0 "$(cat "$d/fwd$2.pid")" 2>/dev/null || return 1
        cl_port_listening "$(cat "$d/fwd$2.port")" && return 0
        sleep 0.05
        j=$((j + 1))
    done
    return 1
}

# One forwarder per member for NODE on free random ports; prints the
# node's endpoint list.
cl_fwd_init() { # node (its names: cl_fwd_kill's helpers use i and p)
    fd=$CL_DIR/$1 furls=
    mkdir -p "$fd"
    for fi in 1 2 3; do
        sed 's,^[a-z]*://,,' "$CL_ETCD/m$fi.url" >"$fd/fwd$fi.target"
        ftry=0
        while :; do
            ftry=$((ftry + 1))
            [ $ftry -le 20 ] || return 1
            fr=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
            fp=$((20000 + fr % 40000))
            cl_port_free $fp || continue
            echo $fp >"$fd/fwd$fi.port"
            cl_fwd_start "$1" $fi && break
            cl_fwd_kill "$1" $fi
        done
        furls="${furls:+$furls,}http://127.0.0.1:$fp"
    done
    echo "$furls"
}

cl_fwd_kill() { # node i
    p=$(cat "$CL_DIR/$1/fwd$2.pid" 2>/dev/null)
    [ -n "$p" ] || return 0
    kill -s CONT -- "-$p" 2>/dev/null
    cl_kill_session "$p"
    rm -f "$CL_DIR/$1/fwd$2.pid"
}

# cl_freeze NODE / cl_thaw NODE (etcd): the node's forwarders stop (their
# connections hang: no data, no RST; new connections are accepted by the
# kernel and hang too) / go on.
cl_freeze() {
    for i in 1 2 3; do
        p=$(cat "$CL_DIR/$1/fwd$i.pid" 2>/dev/null)
        [ -n "$p" ] && kill -s STOP -- "-$p" 2>/dev/null
    done
    return 0
}
cl_thaw() {
    for i in 1 2 3; do
        p=$(cat "$CL_DIR/$1/fwd$i.pid" 2>/dev/null)
        [ -n "$p" ] && kill -s CONT -- "-$p" 2>/dev/null
    done
    return 0
}

# Member I of the etcd cluster: pid, kill -9, start again, SIGSTOP, SIGCONT.
cl_member_pid() { cat "$CL_ETCD/m$1.pid" 2>/dev/null; }
cl_member_kill() { kill -9 "$(cl_member_pid "$1")" 2>/dev/null; }
cl_member_restart() { sh "$CL_HERE/etcd.sh" restart "$CL_ETCD" "$1"; }
cl_member_stop() { kill -s STOP "$(cl_member_pid "$1")" 2>/dev/null; }
cl_member_cont() { kill -s CONT "$(cl_member_pid "$1")" 2>/dev/null; }

# The member that is the raft leader (its number), empty if none answers.
cl_member_leader() {
    for i in 1 2 3; do
        ETCDCTL_API=3 etcdctl --endpoints="$(cat "$CL_ETCD/m$i.url")" --dial-timeout=1s \
            --command-timeout=2s endpoint status 2>/dev/null |
            awk -F', ' -v i=$i '$5 == "true" { print i }'
    done | head -n 1
}

cl_etcd_stop() {
    [ -n "$CL_ETCD" ] || return 0
    for n in $CL_NODES; do for i in 1 2 3; do cl_fwd_kill "$n" $i; done; done
    sh "$CL_HERE/etcd.sh" stop "$CL_ETCD" >/dev/null 2>&1
    rm -f "$CL_DIR/etcd"
    CL_ETCD=
}

# ---- the store, directly, on either backend ----

# cl_read PATH: the file's content (fails when absent).
cl_read() {
    if [ "$CL_STORE" = etcd ]; then
        v=$(cl_etcdctl get --print-value-only "$CL_ETCD_PREFIX/$1") && [ -n "$v" ] &&
            printf '%s\n' "$v"
    else
        cat "$CL_DIR/store/$1" 2>/dev/null
    fi
}

# cl_write PATH: replace the file with stdin, atomically.
cl_write() {
    if [ "$CL_STORE" = etcd ]; then
        cl_etcdctl put "$CL_ETCD_PREFIX/$1" >/dev/null
    else
        cat >"$CL_DIR/store/.cl_write.$$" && mv "$CL_DIR/store/.cl_write.$$" "$CL_DIR/store/$1"
    fi
}

# cl_exists PATH: a file or a folder.
cl_exists() {
    if [ "$CL_STORE" = etcd ]; then
        [ -n "$(cl_etcdctl get --keys-only --limit 1 "$CL_ETCD_PREFIX/$1" 2>/dev/null)" ] ||
            [ -n "$(cl_etcdctl get --prefix --keys-only --limit 1 "$CL_ETCD_PREFIX/$1/" 2>/dev/null)" ]
    else
        test -e "$CL_DIR/store/$1"
    fi
}

# cl_store_off / cl_store_on: the whole store goes away for every node at
# once / comes back. The folder is renamed away (every node's path to it
# dangles, calls fail at once); the etcd members are stopped (SIGSTOP: calls
# hang until their deadlines, the harder case for the client; a member's
# process going away at once is cluster-etcd.test.sh's member kill).
cl_store_off() {
    if [ "$CL_STORE" = etcd ]; then
        for i in 1 2 3; do cl_member_stop $i; done
    else
        mv "$CL_DIR/store" "$CL_DIR/store.off"
    fi
}
cl_store_on() {
    if [ "$CL_STORE" = etcd ]; then
        for i in 1 2 3; do cl_member_cont $i; done
    else
        mv "$CL_DIR/store.off" "$CL_DIR/store"
    fi
}

# cl_store_gone: true while the store is off (every etcd member stopped, or
# the folder renamed away).
cl_store_gone() {
    if [ "$CL_STORE" = etcd ]; then
        for i in 1 2 3; do
            [ "$(sed -n 's/^[0-9]* ([^)]*) \(.\).*/\1/p' "/proc/$(cl_member_pid $i)/stat" 2>/dev/null)" = T ] || return 1
        done
    else
        [ ! -e "$CL_DIR/store" ] && [ -d "$CL_DIR/store.off" ]
    fi
}

# Every live process (not a zombie) whose session is $1.
cl_session_pids() {
    for f in /proc/[0-9]*/stat; do
        read -r p _ st _ _ se _ 2>/dev/null <"$f" || continue  # (a process gone meanwhile)
        [ "$se" = "$1" ] && [ "$st" != Z ] && echo "$p"
    done
}

cl_kill_session() { # session id
    [ -n "$1" ] || return 0
    i=0
    while [ $i -lt 40 ]; do
        pids=$(cl_session_pids "$1")
        [ -n "$pids" ] || return 0
        kill -9 $pids 2>/dev/null
        sleep 0.05
        i=$((i + 1))
    done
}

cl_pid() { cat "$CL_DIR/$1/$2.pid" 2>/dev/null; } # node daemon

# Kill the node's services; close their ledger intervals.
cl_kill_services() { # node
    sleep 0.2
    for f in "$CL_DIR/run/$1"/*.pid "$CL_DIR/daemon.run/$1"/*.pid; do
        [ -f "$f" ] || continue
        p=$(cat "$f" 2>/dev/null)
        # a service is a session of its own; dash wants "-s SIG --" before a group
        [ -n "$p" ] && kill -s KILL -- "-$p" 2>/dev/null
        [ -n "$p" ] && kill -s KILL "$p" 2>/dev/null
        i=0
        while [ -n "$p" ] && [ $i -lt 100 ] && [ -r "/proc/$p/stat" ] &&
            [ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" != Z ]; do
            sleep 0.05
            i=$((i + 1))
        done
        rm -f "$f"
    done
    now=$(date +%s%N)
    awk -v node="$1" '$2 == node { last[$4] = $3 }
        END { for (s in last) if (last[s] == "start") print s }' "$CL_DIR/ledger" |
        while read -r s; do echo "$now $1 stop $s" >>"$CL_DIR/ledger"; done
}

# cl_kill_service SID: the service's process dies behind the LRM's back (a
# crashed guest); its ledger interval is closed.
cl_kill_service() {
    f=$(printf '%s' "$1" | tr ':/' '__')
    for n in $CL_NODES; do
        p=$(cat "$CL_DIR/run/$n/$f.pid" 2>/dev/null)
        [ -n "$p" ] || continue
        kill -s KILL "$p" 2>/dev/null
        i=0
        while [ $i -lt 100 ] && [ -r "/proc/$p/stat" ] &&
            [ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" != Z ]; do
            sleep 0.05
            i=$((i + 1))
        done
        echo "$(date +%s%N) $n stop $1" >>"$CL_DIR/ledger"
    done
}

# cl_status_text: the manager status and every node's LRM status without
# their timestamps (refreshed on their own): what a steady round must not
# change.
cl_status_text() {
    for f in ha/manager_status $(for n in $CL_NODES; do echo "nodes/$n/lrm_status"; done); do
        printf '%s: ' "$f"
        cl_read "$f" | sed 's/,\{0,1\}"timestamp":[0-9]*//'
    done
}
# cl_running_count: services the master counts as running.
cl_running_count() { cl_read ha/manager_status | grep -o '"running":1' | wc -l; }

# The hardware reset of a node: everything on it dies at once. A daemon
# blocked in a hung network mount cannot be killed until the mount answers,
# so the node's daemons are stopped first (they run no further step), then
# its services die, then the daemons are killed.
cl_reset() { # node
    touch "$CL_DIR/$1/down"
    for dmn in lrm crm mux; do
        cl_rs=$(cl_pid "$1" $dmn)
        [ -n "$cl_rs" ] && cl_rp=$(cl_session_pids "$cl_rs") && [ -n "$cl_rp" ] && kill -s STOP $cl_rp 2>/dev/null
    done
    cl_kill_services "$1"
    for dmn in lrm crm mux; do cl_kill_session "$(cl_pid "$1" $dmn)"; done
    echo "$(date +%s) reset" >>"$CL_DIR/$1/hw.log"
}

# The watchdog device: a byte at least every H s, or a reset (run in the
# background). 'V' as the last byte before the writer closes disarms it.
# Each reset appends "due=<ns> at=<ns>" to <node>/resets: when it was due
# (H after the last byte) and when it began, so that a late reset of a
# starved reader can be told from a product fault (test/README.md, the soak).
cl_hw_reader() { # node
    d=$CL_DIR/$1 last= lastt=$(date +%s%N)
    exec 3<"$d/wd.fifo"
    while :; do
        b=$(timeout "$CL_H" dd bs=1 count=1 status=none <&3 | od -An -tx1 | tr -d ' \n')
        [ -f "$d/stopping" ] && exit 0
        if [ -n "$b" ]; then
            last=$b lastt=$(date +%s%N)
            continue
        fi
        [ "$last" = 56 ] && exit 0 # magic close: disarmed
        [ -f "$d/no-reset" ] && { sleep 0.5; continue; }
        echo "due=$((lastt + CL_H * 1000000000)) at=$(date +%s%N)" >>"$d/resets"
        cl_reset "$1"
        exit 0
    done
}

# cl_start NODE: the reader, ha-watchdog, ha-crm and ha-lrm of one node.
cl_start() {
    [ -n "$1" ] || return 1
    d=$CL_DIR/$1
    # The node boots: the reader of a node spared its reset (no-reset) and
    # daemons left from before (a node started again without a reset) go
    # first; checked to be ours, as a pid file's process may be long gone
    # and its number reused.
    p=$(cat "$d/reader.pid" 2>/dev/null)
    [ -n "$p" ] && [ "$(cut -d' ' -f4 "/proc/$p/stat" 2>/dev/null)" = $$ ] && kill "$p" 2>/dev/null
    for dmn in mux crm lrm; do
        p=$(cl_pid "$1" $dmn)
        [ -n "$p" ] && tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF "$d/" && cl_kill_session "$p"
    done
    # the metrics files of the daemons before count rounds of their own
    rm -f "$d/down" "$d/stopping" "$d/wd.fifo" "$d/wd.sock" "$d"/haven-*.prom
    rm -rf "$d/wd.active"
    mkfifo "$d/wd.fifo"
    (cl_hw_reader "$1") </dev/null >>"$d/hw.log" 2>&1 &
    echo $! >"$d/reader.pid"
    setsid "$CL_HAVEN" ha-watchdog -d --device "$d/wd.fifo" --socket "$d/wd.sock" \
        --active-marker "$d/wd.active" --client-timeout "$CL_C" --hw-timeout "$CL_H" \
        </dev/null >>"$d/mux.log" 2>&1 &
    echo $! >"$d/mux.pid"
    i=0
    while [ ! -S "$d/wd.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    cl_start_daemon "$1" crm
    cl_start_daemon "$1" lrm
}

cl_start_daemon() { # node crm|lrm
    d=$CL_DIR/$1
    setsid "$CL_HAVEN" ha-$2 -d -c "$d/haven.conf" </dev/null >>"$d/$2.log" 2>&1 &
    echo $! >"$d/$2.pid"
}

# cl_kill NODE [crm|lrm...]: SIGKILL the node's daemons (default both).
cl_kill() {
    n=$1
    shift
    for dmn in ${*:-crm lrm}; do
        p=$(cl_pid "$n" "$dmn")
        [ -n "$p" ] && kill -9 "$p" 2>/dev/null
    done
}

cl_signal() { # node daemon signal
    p=$(cl_pid "$1" "$2")
    [ -n "$p" ] && kill -s "$3" "$p" 2>/dev/null
}

cl_alive() { # node daemon
    p=$(cl_pid "$1" "$2")
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" != Z ]
}

# cl_cut NODE / cl_uncut NODE: the node loses / regains the store (etcd:
# its forwarders are killed / started again on the same ports).
cl_cut() {
    if [ "$CL_STORE" = etcd ]; then
        for i in 1 2 3; do cl_fwd_kill "$1" $i; done
    else
        rm -f "$CL_DIR/$1/store"
    fi
}
cl_uncut() {
    if [ "$CL_STORE" = etcd ]; then
        for i in 1 2 3; do cl_fwd_start "$1" $i; done
    else
        ln -sfn ../store "$CL_DIR/$1/store"
    fi
}

# cl_add SID NODE [STATE]: ha-manager add on NODE (once the first daemon has
# made the folder a store and NODE a member).
cl_add() {
    cl_wait 10 cl_exists "nodes/$2"
    cl_cli "$2" add "$1" --node "$2" --state "${3:-started}" >/dev/null
}

# cl_cli NODE ARGS...: ha-manager with NODE's configuration.
cl_cli() {
    n=$1
    shift
    "$CL_HAVEN" ha-manager -c "$CL_DIR/$n/haven.conf" "$@"
}

# cl_command LINE: queue a raw CRM command in the spool, as the CLI does.
cl_command() {
    f=$(printf '%020d.cluster.%d.%08x' "$(date +%s%N)" $$ "$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')")
    if [ "$CL_STORE" = etcd ]; then
        printf '%s\n' "$1" | cl_etcdctl put "$CL_ETCD_PREFIX/ha/crm_commands/$f" >/dev/null
        return
    fi
    printf '%s\n' "$1" >"$CL_DIR/store/ha/crm_commands.d/.tmp.$f"
    mv "$CL_DIR/store/ha/crm_commands.d/.tmp.$f" "$CL_DIR/store/ha/crm_commands.d/$f"
}

# cl_where SID: the node whose service process runs (empty if none).
cl_where() {
    f=$(printf '%s' "$1" | tr ':/' '__')
    for n in $CL_NODES; do
        p=$(cat "$CL_DIR/run/$n/$f.pid" 2>/dev/null)
        [ -n "$p" ] && [ -r "/proc/$p/stat" ] && [ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" != Z ] && echo "$n"
    done
}

cl_master() {
    cl_read ha/manager_status | sed -n 's/.*"master_node":"\([^"]*\)".*/\1/p'
}

# cl_wait SECONDS COMMAND...: poll every 0.2 s until COMMAND succeeds; never
# past CL_DEADLINE (unix s) when set, so that a broken build fails fast.
cl_wait() {
    limit=$(($(date +%s) + $1))
    [ -n "$CL_DEADLINE" ] && [ "$limit" -gt "$CL_DEADLINE" ] && limit=$CL_DEADLINE
    shift
    while [ "$(date +%s)" -lt "$limit" ]; do
        "$@" && return 0
        sleep 0.2
    done
    "$@"
}

# cl_ledger_ok: no sid ever started on a node while running on another.
cl_ledger_ok() {
    sort -n -s -k1,1 "$CL_DIR/ledger" | awk '
        $3 == "start" { if ($4 in on && on[$4] != $2) { print "double run: " $0 " while on " on[$4]; bad = 1 }
                        on[$4] = $2 }
        $3 == "stop" && on[$4] == $2 { delete on[$4] }
        END { exit bad }'
}

# cl_sanitizer_clean: no daemon log holds an ASan/UBSan report.
cl_sanitizer_clean() {
    ! grep -l -E 'Sanitizer|runtime error:' "$CL_DIR"/*/*.log 2>/dev/null
}

# cl_stop_all: graceful stop of every node, then whatever is left.
cl_stop_all() {
    for n in $CL_NODES; do touch "$CL_DIR/$n/stopping"; done
    for n in $CL_NODES; do cl_signal "$n" lrm TERM; cl_signal "$n" crm TERM; done
    i=0
    while [ $i -lt 50 ]; do
        alive=
        for n in $CL_NODES; do cl_alive "$n" lrm && alive=1; cl_alive "$n" crm && alive=1; done
        [ -z "$alive" ] && break
        sleep 0.2
        i=$((i + 1))
    done
    for n in $CL_NODES; do
        for dmn in lrm crm mux; do cl_kill_session "$(cl_pid "$n" $dmn)"; done
        p=$(cat "$CL_DIR/$n/reader.pid" 2>/dev/null)
        [ -n "$p" ] && kill "$p" 2>/dev/null
        cl_kill_services "$n"
    done
    cl_etcd_stop
    cl_kill_leftovers
    wait 2>/dev/null
}

# Every process whose command line names the cluster's folder: a daemon the
# pidfiles lost (a restart refused by its instance lock) must not make the
# final 'wait' hang.
cl_kill_leftovers() {
    for f in /proc/[0-9]*/cmdline; do
        p=${f#/proc/}
        p=${p%/cmdline}
        [ "$p" = $$ ] && continue
        tr '\0' ' ' 2>/dev/null <"$f" | grep -q -F -- "$CL_DIR/" && kill -9 "$p" 2>/dev/null
    done
    return 0
}

# ---- for the cluster *.test.sh scripts (after test/lib.sh) ----

# cl_test_setup NAME SECONDS: $tmp, a fresh folder under /tmp, removed at
# exit after every daemon of the cluster is stopped (then cl_test_cleanup_more,
# when the script defines it); no cl_wait past SECONDS from now.
cl_test_setup() {
    tmp=$(mktemp -d "/tmp/haven-$1.XXXXXX")
    CL_DEADLINE=$(($(date +%s) + $2))
    trap cl_test_cleanup EXIT
    trap 'exit 1' INT TERM
}
cl_test_cleanup() {
    [ -n "$CL_DIR" ] && cl_stop_all >/dev/null 2>&1
    command -v cl_test_cleanup_more >/dev/null && cl_test_cleanup_more
    rm -rf "$tmp"
}

# cl_test_end [LABEL [LINES]]: the checks that close every cluster (no double
# run in the ledger, no sanitizer report), the logs after a failure, and the
# cluster stopped.
cl_test_end() {
    p=${1:+$1: }
    check "${p}no double run in the ledger" cl_ledger_ok
    check "${p}no sanitizer report" cl_sanitizer_clean
    [ "$fail" -eq 0 ] || cl_dump "${2:-25}"
    cl_stop_all >/dev/null 2>&1
    CL_DIR=
}

# cl_test_services LABEL NAME:NODE...: add test:NAME on NODE for each pair,
# then check that each starts there (the check names LABEL when not empty).
cl_test_services() {
    p=${1:+$1: }
    shift
    for s in "$@"; do cl_add "test:${s%:*}" "${s#*:}"; done
    for s in "$@"; do
        check "${p}test:${s%:*} starts on ${s#*:}" cl_wait 30 cl_on "test:${s%:*}" "${s#*:}"
    done
}

cl_on() { [ "$(cl_where "$1")" = "$2" ]; } # sid node
cl_runs_elsewhere() { # sid node: it runs, on another node
    w=$(cl_where "$1")
    [ -n "$w" ] && [ "$w" != "$2" ]
}
cl_has_master() { [ -n "$(cl_master)" ]; }
cl_online() { cl_read ha/manager_status | grep -q "\"$1\":\"online\""; } # node
cl_new_master() { # node: a master, and not that one
    nm=$(cl_master)
    [ -n "$nm" ] && [ "$nm" != "$1" ]
}
cl_logged() { grep -q "$2" "$CL_DIR/$1" 2>/dev/null; } # file pattern

# cl_give_up WHAT: a cluster that cannot start (etcd members or forwarders
# that do not come up): fail once and end the script here, as every later
# check would only fail with it.
cl_give_up() {
    bad "$1"
    cl_dump
    echo "$pass passed, $fail failed"
    exit 1
}

# cl_dump [LINES]: the tail of every daemon's and node's log and the ledger
# (on etcd also the members' logs), for a failed run.
cl_dump() {
    for f in "$CL_DIR"/*/crm.log "$CL_DIR"/*/lrm.log "$CL_DIR"/*/hw.log; do
        echo "--- $f"
        tail -n "${1:-25}" "$f"
    done
    echo "--- ledger"
    cat "$CL_DIR/ledger"
    [ "$CL_STORE" = etcd ] || return 0
    for m in 1 2 3; do
        echo "--- etcd member $m (pid $(cl_member_pid $m))"
        tail -n 5 "$CL_ETCD/m$m.log" 2>/dev/null
    done
    for f in "$CL_DIR"/etcd-failed.*/m*.log; do
        [ -f "$f" ] && echo "--- $f" && tail -n 10 "$f"
    done
    return 0
}

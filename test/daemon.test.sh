#!/bin/sh
# daemon.test.sh - ha-crm and ha-lrm start-up checks and signals
# (applets/README.md, "The daemons"): timing inequalities, foreign folder, store_id, the watchdog-mux
# greeting, usage errors, one instance per daemon and node; SIGHUP is ignored,
# SIGTERM ends the daemon with 0.
# usage: sh test/daemon.test.sh HAVEN_BINARY
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/haven-daemon.XXXXXX)
mux=
reader=
dmn=
cleanup() {
    [ -n "$dmn" ] && kill -9 "$dmn" 2>/dev/null
    [ -n "$mux" ] && kill "$mux" 2>/dev/null
    [ -n "$reader" ] && kill "$reader" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

conf() { # the base configuration: T 8, R 1, F 2, C 3
    cat >"$tmp/haven.conf" <<EOF
node=node1
store=dir:$tmp/store
watchdog_socket=$tmp/wd.sock
agents_dir=$tmp
run_dir=$tmp/run
lock_timeout=8
loop_interval=1
fence_delay=2
watchdog_client_timeout=3
EOF
}
expect() { # rc pattern description command...
    want=$1 pat=$2 what=$3
    shift 3
    timeout "${limit:-30}" "$@" >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        bad "$what: exit $rc, want $want ($(head -n 1 "$tmp/out"))"
    elif ! grep -q "$pat" "$tmp/out"; then
        bad "$what: no '$pat' in: $(head -n 2 "$tmp/out")"
    else
        ok
    fi
}

mkdir -p "$tmp/store"
expect 2 "usage" "unknown option" "$haven" ha-crm -x

# Start-up errors name the applet, the path and the fix. No ha-watchdog on
# the socket: said at once, then the error after the retries (run in the
# background meanwhile: it takes 10 s).
conf
sed -i "s|^watchdog_socket=.*|watchdog_socket=$tmp/nowhere.sock|" "$tmp/haven.conf"
cp "$tmp/haven.conf" "$tmp/nomux.conf"
sed -i -e "s|^run_dir=.*|run_dir=$tmp/run.nomux|" -e "s|^store=.*|store=dir:$tmp/store.nomux|" \
    "$tmp/nomux.conf"
mkdir "$tmp/store.nomux"
timeout 60 "$haven" ha-crm -c "$tmp/nomux.conf" >"$tmp/nomux.out" 2>&1 &
nomux=$!
expect 2 "^ha-crm: unknown option '--foo'\$" "a long option" "$haven" ha-crm --foo
expect 2 "^ha-lrm: option '-c' needs a value\$" "-c without a file" "$haven" ha-lrm -c
expect 2 "^ha-watchdog: unknown option '--foo'\$" "ha-watchdog --foo" "$haven" ha-watchdog --foo
expect 2 "^ha-tester: unknown option '-x'\$" "ha-tester -x" "$haven" ha-tester -x a b
expect 2 "^ha-crm: $tmp/missing.conf: No such file or directory" "no config file" \
    "$haven" ha-crm -c "$tmp/missing.conf"
grep -q -- "-c FILE" "$tmp/out" && grep -q "store=dir:" "$tmp/out" && ok ||
    bad "no config file: no hint of -c or of a minimal config: $(cat "$tmp/out")"
[ "$(wc -l <"$tmp/out")" -eq 1 ] && ok || bad "no config file: not one line: $(cat "$tmp/out")"
expect 2 "^ha-manager: $tmp/missing.conf: No such file or directory" "no config file (CLI)" \
    "$haven" ha-manager -c "$tmp/missing.conf" status
conf
sed -i 's/^lock_timeout=8/lock_timeout=5/' "$tmp/haven.conf"
expect 2 "lock_timeout" "T < C + 3" "$haven" ha-crm -c "$tmp/haven.conf"
conf
sed -i 's/^watchdog_client_timeout=3/watchdog_client_timeout=2/' "$tmp/haven.conf"
expect 2 "." "C < R + S + 1" "$haven" ha-lrm -c "$tmp/haven.conf"
conf
mkdir -p "$tmp/foreign/data"
sed -i "s|^store=.*|store=dir:$tmp/foreign|" "$tmp/haven.conf"
expect 2 "is not a haven store" "foreign folder" "$haven" ha-crm -c "$tmp/haven.conf"
[ ! -e "$tmp/foreign/haven-store" ] && ok || bad "foreign folder: marker written"
conf
echo "store_id=0123456789abcdef0123456789abcdef" >>"$tmp/haven.conf"
expect 2 "store id mismatch" "store_id of an empty folder" "$haven" ha-crm -c "$tmp/haven.conf"

# The configuration is read bounded: a FIFO, a device or a directory is
# refused at once (exit 2, one line naming the file), never waited on or
# read without end.
mkfifo "$tmp/conf.fifo"
expect 2 "conf.fifo: not a regular file" "config FIFO (ha-crm)" "$haven" ha-crm -c "$tmp/conf.fifo"
expect 2 "conf.fifo: not a regular file" "config FIFO (ha-manager)" \
    "$haven" ha-manager -c "$tmp/conf.fifo" status
expect 2 "/dev/zero: not a regular file" "config /dev/zero (ha-lrm)" "$haven" ha-lrm -c /dev/zero
expect 2 "/dev/zero: not a regular file" "config /dev/zero (ha-manager)" \
    "$haven" ha-manager -c /dev/zero status
expect 2 ": not a regular file" "config directory" "$haven" ha-crm -c "$tmp"

start_mux() { # hw-timeout: a FIFO reader, then ha-watchdog on the FIFO
    rm -f "$tmp/wd.sock" "$tmp/wd.fifo"
    rm -rf "$tmp/wd.active"
    mkfifo "$tmp/wd.fifo"
    (exec 3<"$tmp/wd.fifo"; cat <&3 >/dev/null) &
    reader=$!
    "$haven" ha-watchdog --device "$tmp/wd.fifo" --socket "$tmp/wd.sock" \
        --active-marker "$tmp/wd.active" --client-timeout 3 --hw-timeout "$1" >"$tmp/mux.log" 2>&1 &
    mux=$!
    i=0
    while [ ! -S "$tmp/wd.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}
stop_mux() {
    kill "$mux" "$reader" 2>/dev/null
    wait "$mux" "$reader" 2>/dev/null
    mux= reader=
}

# A multiplexer whose hardware timeout breaks T >= C + H + 3.
start_mux 10
conf
expect 1 "watchdog-mux timings unsafe: lock_timeout 8 < client 3 + hw 10 + 3" \
    "mux hw timeout too large" "$haven" ha-lrm -c "$tmp/haven.conf"
stop_mux
start_mux 2

# One LRM per node: a second one is refused (exit 1, naming the first's pid)
# before it touches the store or the watchdog, so it can neither act nor,
# when stopped, put the node's services in restart mode (freeze them); the
# first runs on unaffected. (Before, the second ran, and its SIGTERM logged
# "restart LRM, freeze all services".)
"$haven" ha-lrm -d -c "$tmp/haven.conf" >"$tmp/lrm.log" 2>&1 &
dmn=$!
i=0
while ! grep -q "wait_for_agent_lock" "$tmp/lrm.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
limit=5 expect 1 "ha-lrm for node 'node1' is already running (pid $dmn)" "a second ha-lrm" \
    "$haven" ha-lrm -d -c "$tmp/haven.conf"
[ "$(wc -l <"$tmp/out")" -eq 1 ] && ok || bad "second ha-lrm: not one line: $(cat "$tmp/out")"
! grep -q "freeze" "$tmp/out" "$tmp/lrm.log" && ok || bad "a second ha-lrm froze the services"
sleep 1
kill -0 "$dmn" 2>/dev/null && ok || bad "the first ha-lrm did not survive a second one"
grep -q '"mode":"active"' "$tmp/store/nodes/node1/lrm_status" && ok || bad "lrm_status not active"
[ -f "$tmp/run/ha-lrm.node1.lock" ] && ok || bad "no lock file in run_dir"
kill -TERM "$dmn"
wait "$dmn"
dmn=
# Gone with its process, whichever way it ended: a new LRM starts at once.
"$haven" ha-lrm -c "$tmp/haven.conf" >"$tmp/lrm.log" 2>&1 &
dmn=$!
sleep 1
kill -9 "$dmn"
wait "$dmn" 2>/dev/null
limit=3 expect 124 "wait_for_agent_lock" "an ha-lrm after one killed with SIGKILL" \
    "$haven" ha-lrm -d -c "$tmp/haven.conf"
dmn=

# A CRM with nothing to do: SIGHUP is logged and ignored, SIGTERM ends it.
"$haven" ha-crm -d -c "$tmp/haven.conf" >"$tmp/crm.log" 2>&1 &
dmn=$!
i=0
while ! grep -q "wait_for_quorum" "$tmp/crm.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
# -d: one line format, local time readable (before: a raw epoch number)
stamp='[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
grep -q "^$stamp ha-crm\[$dmn\] info: status change startup => wait_for_quorum\$" "$tmp/crm.log" &&
    ok || bad "crm -d: no log line with a readable time: $(head -n 1 "$tmp/crm.log")"
limit=5 expect 1 "ha-crm for node 'node1' is already running (pid $dmn)" "a second ha-crm" \
    "$haven" ha-crm -d -c "$tmp/haven.conf"
kill -HUP "$dmn"
sleep 0.5
grep -q "got SIGHUP - ignored" "$tmp/crm.log" && ok || bad "SIGHUP not logged"
kill -0 "$dmn" 2>/dev/null && ok || bad "SIGHUP ended the CRM"
kill -TERM "$dmn"
i=0
while kill -0 "$dmn" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
wait "$dmn"
rc=$?
dmn=
[ "$rc" -eq 0 ] && ok || bad "SIGTERM: exit $rc, want 0"
grep -q "server received shutdown request" "$tmp/crm.log" && ok || bad "no shutdown request logged"
[ -f "$tmp/store/haven-store" ] && [ -d "$tmp/store/nodes/node1" ] && ok || bad "store not initialised"
! grep -q -E 'Sanitizer|runtime error:' "$tmp/crm.log" && ok || bad "sanitizer report"

# Logging: log_file= takes the lines (one format, nothing on stderr), and a
# warning repeated every round is logged once: a master on a node that never
# ran an LRM (no nodes/node2/lrm_status) said "unable to read file" every
# second.
conf
sed -i 's/^node=node1/node=node2/' "$tmp/haven.conf"
echo "log_file=$tmp/crm.file" >>"$tmp/haven.conf"
echo "metrics_file=$tmp/haven.prom" >>"$tmp/haven.conf"
"$haven" ha-manager -c "$tmp/haven.conf" add vm:100 --state stopped --node node2 >/dev/null 2>&1 ||
    bad "ha-manager add vm:100 failed"
"$haven" ha-crm -c "$tmp/haven.conf" >"$tmp/crm.log" 2>&1 &
dmn=$!
# four master rounds, counted by the CRM's own round counter (a steady
# master does not rewrite manager_status, so its timestamp cannot count them)
crm_rounds() {
    r=$(sed -n 's/^haven_rounds_total{daemon="[a-z]*"} \([0-9]*\).*/\1/p' "$tmp/haven-crm.prom" 2>/dev/null)
    echo "${r:-0}"
}
rounds=0 first= i=0
while [ $rounds -lt 4 ] && [ $i -lt 300 ]; do
    if [ -z "$first" ] && grep -q '"master_node":"node2"' "$tmp/store/ha/manager_status" 2>/dev/null; then
        first=$(crm_rounds)
    fi
    [ -n "$first" ] && rounds=$(($(crm_rounds) - first))
    sleep 0.1
    i=$((i + 1))
done
[ $rounds -ge 4 ] && ok || bad "log test: the CRM did not become master ($(tail -n 2 "$tmp/crm.file"))"
kill -TERM "$dmn"
wait "$dmn"
dmn=
n=$(grep -c "unable to read file 'nodes/node2/lrm_status'" "$tmp/crm.file")
[ "$n" -eq 1 ] && ok || bad "a missing lrm_status logged $n times in $rounds rounds, want once"
grep -q "^$stamp ha-crm\[[0-9]*\] info: status change wait_for_quorum => master\$" "$tmp/crm.file" &&
    ok || bad "log_file: no stamped line: $(head -n 1 "$tmp/crm.file")"
[ ! -s "$tmp/crm.log" ] && ok || bad "log_file set, yet stderr has: $(head -n 1 "$tmp/crm.log")"

wait "$nomux" # started at the top
rc=$?
[ "$rc" -eq 1 ] && ok || bad "no ha-watchdog: exit $rc, want 1"
grep -q "^ha-crm: waiting for ha-watchdog on '$tmp/nowhere.sock'" "$tmp/nomux.out" && ok ||
    bad "no ha-watchdog: the wait is not said: $(head -n 1 "$tmp/nomux.out")"
grep -q "^ha-crm: unable to open watchdog socket '$tmp/nowhere.sock' - .*start ha-watchdog first" \
    "$tmp/nomux.out" && ok || bad "no ha-watchdog: no path or fix: $(tail -n 1 "$tmp/nomux.out")"

t_summary

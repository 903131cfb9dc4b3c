#!/bin/sh
# events.test.sh - notification hook and metrics on a local 3-node cluster
# (test/cluster.sh): every event kind reaches a recording hook (master
# change, maintenance on and off, a service in error, fence started and
# acknowledged, recovery, lock lost, watchdog expiry imminent); a hook that
# hangs and one that fails change nothing (services recovered, ledger
# clean); the metrics file and endpoint pass promtool and show the known
# cluster state; bad, huge and slow requests get an error or a close and the
# rounds go on.
# usage: sh test/events.test.sh HAVEN_BINARY
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/cluster.sh"
if ! command -v curl >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1 ||
    ! command -v socat >/dev/null 2>&1; then
    echo "events.test.sh: not run (needs curl, promtool and socat: make deps)"
    echo "0 passed, 0 failed"
    exit 0
fi
tmp=$(mktemp -d /tmp/haven-events.XXXXXX)
cleanup() {
    [ -n "$CL_DIR" ] && cl_stop_all >/dev/null 2>&1
    [ -n "$EVENTS_KEEP" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
CL_DEADLINE=$(($(date +%s) + 150))

. "$(dirname "$0")/lib.sh"
runs_elsewhere() { w=$(cl_where "$1"); [ -n "$w" ] && [ "$w" != "$2" ]; } # sid node
on() { [ "$(cl_where "$1")" = "$2" ]; }
logged() { grep -q "$2" "$CL_DIR/$1" 2>/dev/null; } # file pattern
# event KIND NODE [SID]: the hook recorded it (fields as notify-hook.sh writes them)
event() { awk -F'|' -v k="$1" -v n="$2" -v s="$3" '$1 == k && $2 == n && (s == "" || $3 == s) { f = 1 } END { exit !f }' "$CL_DIR/events" 2>/dev/null; }
port_of() { cat "$CL_DIR/$1/port"; } # node: its CRM's port, the LRM's is the next
scrape() { curl -s -m 5 "http://127.0.0.1:$1/metrics"; } # port
code() { curl -s -m 5 -o /dev/null -w '%{http_code}' "$@"; }
metric() { # file name-with-labels: its value
    awk -v m="$2" '$1 == m { print $2 }' "$1"
}
rounds() { metric "$CL_DIR/$1/m/haven-crm.prom" 'haven_rounds_total{daemon="crm"}'; }

# start-up: the new keys are checked before anything starts (exit 2, one line)
mkdir -p "$tmp/cfg/store"
: >"$tmp/cfg/not-executable"
for kv in notify_command=relative/hook "notify_command=$tmp/cfg/not-executable" \
    "notify_command=$tmp/cfg" notify_timeout=0 metrics_file=relative.prom metrics_listen=9100 \
    metrics_listen=localhost:9100 metrics_listen=127.0.0.1:0 metrics_listen=127.0.0.1:65535 \
    metrics_listen=::1:9100 metrics_listen=127.0.0.1:99999; do
    printf 'node=n1\nstore=dir:%s/cfg/store\nrun_dir=%s/cfg\n%s\n' "$tmp" "$tmp" "$kv" >"$tmp/cfg/haven.conf"
    "$haven" ha-crm -c "$tmp/cfg/haven.conf" >"$tmp/cfg/out" 2>&1
    rc=$?
    check "refused at start-up: $kv (exit $rc: $(cat "$tmp/cfg/out"))" \
        sh -c "[ $rc = 2 ] && [ \"\$(wc -l <'$tmp/cfg/out')\" = 1 ]"
done

cl_init "$tmp/c" "$haven" node1 node2 node3
cp "$(dirname "$0")/notify-hook.sh" "$CL_DIR/notify-hook"
chmod +x "$CL_DIR/notify-hook"
for n in node1 node2 node3; do
    while :; do
        p=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
        cl_port_free $p && cl_port_free $((p + 1)) && break
    done
    echo $p >"$CL_DIR/$n/port"
    mkdir -p "$CL_DIR/$n/m"
    # the harness's own metrics file gives way to the one this test reads
    sed -i '/^metrics_file=/d' "$CL_DIR/$n/haven.conf"
    cat >>"$CL_DIR/$n/haven.conf" <<EOC
notify_command=$CL_DIR/notify-hook
notify_timeout=2
metrics_file=$CL_DIR/$n/m/haven.prom
metrics_listen=127.0.0.1:$p
EOC
done
for n in node1 node2 node3; do cl_start $n; done
cl_add test:a node1
cl_add test:b node2
cl_add test:c node3
for s in a:node1 b:node2 c:node3; do
    check "test:${s%:*} starts on ${s#*:}" cl_wait 30 on "test:${s%:*}" "${s#*:}"
done
cl_wait 10 sh -c "[ -n \"\$(sed -n 's/.*\"master_node\":\"\([^\"]*\)\".*/\1/p' '$CL_DIR/store/ha/manager_status')\" ]"
m=$(cl_master)
check "a master was elected" [ -n "$m" ]
check "master_changed reported by the master" cl_wait 10 event master_changed "$m"

# ---- metrics: the known state, validated by promtool ----
mp=$(port_of "$m")
cl_wait 10 sh -c "curl -s -m 5 http://127.0.0.1:$mp/metrics | grep -q 'haven_services{daemon=\"crm\",state=\"started\",node=\"node3\"} 1'"
cl_wait 10 sh -c "curl -s -m 5 http://127.0.0.1:$mp/metrics | grep -q '^haven_lock_renewal_duration_seconds_count{daemon=\"crm\"} [1-9]'"
scrape "$mp" >"$tmp/crm.txt"
check "promtool accepts the master's endpoint" promtool check metrics <"$tmp/crm.txt"
for n in node1 node2 node3; do
    check "1 service started on $n" [ "$(metric "$tmp/crm.txt" "haven_services{daemon=\"crm\",state=\"started\",node=\"$n\"}")" = 1 ]
    check "$n online" [ "$(metric "$tmp/crm.txt" "haven_nodes{daemon=\"crm\",state=\"online\",node=\"$n\"}")" = 1 ]
done
check "the master is named" [ "$(metric "$tmp/crm.txt" "haven_master{daemon=\"crm\",node=\"$m\"}")" = 1 ]
check "the master's state" [ "$(metric "$tmp/crm.txt" 'haven_daemon_state{daemon="crm",state="master"}')" = 1 ]
check "the master's fencing is armed" [ "$(metric "$tmp/crm.txt" 'haven_fencing_armed{daemon="crm"}')" = 1 ]
check "no fence yet" [ "$(metric "$tmp/crm.txt" 'haven_fences_total{daemon="crm"}')" = 0 ]
check "lock renewals measured" [ "$(metric "$tmp/crm.txt" 'haven_lock_renewal_duration_seconds_count{daemon="crm"}')" -gt 0 ]
# metrics are those of the last finished round: wait for the LRM's round after its start job
cl_wait 10 sh -c "curl -s -m 5 http://127.0.0.1:$((mp + 1))/metrics | grep -q 'haven_agent_call_duration_seconds_count{daemon=\"lrm\",type=\"test\",action=\"start\"}'"
scrape $((mp + 1)) >"$tmp/lrm.txt"
check "promtool accepts the LRM's endpoint" promtool check metrics <"$tmp/lrm.txt"
check "the LRM is active" [ "$(metric "$tmp/lrm.txt" 'haven_daemon_state{daemon="lrm",state="active"}')" = 1 ]
check "the LRM's start job is counted" [ "$(metric "$tmp/lrm.txt" 'haven_agent_call_duration_seconds_count{daemon="lrm",type="test",action="start"}')" -ge 1 ]
check "no agent failure" [ "$(metric "$tmp/lrm.txt" 'haven_agent_call_failures_total{daemon="lrm",type="test",action="start"}')" = 0 ]
check "the metrics file passes promtool" promtool check metrics <"$CL_DIR/$m/m/haven-crm.prom"
check "the LRM's metrics file passes promtool" promtool check metrics <"$CL_DIR/$m/m/haven-lrm.prom"
check "a slave CRM has no cluster view" sh -c "! grep -q '^haven_services{' '$CL_DIR/$( [ "$m" = node1 ] && echo node2 || echo node1)/m/haven-crm.prom'"

# ---- the endpoint refuses everything else, and never holds up a round ----
check "POST is 405" [ "$(code -X POST "http://127.0.0.1:$mp/metrics")" = 405 ]
check "another path is 404" [ "$(code "http://127.0.0.1:$mp/")" = 404 ]
big=$(head -c 6000 /dev/zero | tr '\0' a)
check "a huge request is refused" [ "$(code -H "X-Big: $big" "http://127.0.0.1:$mp/metrics")" = 431 ]
r=$(printf 'GET /metrics\001 HTTP/1.1\r\n\r\n' | socat -t 3 - "TCP:127.0.0.1:$mp" 2>/dev/null | head -n 1)
check "a control character is a bad request" [ "$(printf '%s' "$r" | tr -d '\r')" = "HTTP/1.1 400 Bad Request" ]
r=$(printf 'hello\r\n\r\n' | socat -t 3 - "TCP:127.0.0.1:$mp" 2>/dev/null | head -n 1)
check "a malformed request line is a bad request" [ "$(printf '%s' "$r" | tr -d '\r')" = "HTTP/1.1 400 Bad Request" ]
r0=$(rounds "$m")
for i in 1 2 3 4 5 6; do # slowloris: heads never finished, more than the server serves
    (printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n'; sleep 9) | socat -t 10 - "TCP:127.0.0.1:$mp" >"$tmp/slow.$i" 2>/dev/null &
done
sleep 3
check "rounds go on while slow clients hold connections" [ "$(rounds "$m")" -gt "$((r0 + 1))" ]
check "slow clients are dropped at the deadline" cl_wait 10 sh -c "[ \"\$(curl -s -m 2 -o /dev/null -w '%{http_code}' http://127.0.0.1:$mp/metrics)\" = 200 ]"
check "a slow client gets no answer" [ ! -s "$tmp/slow.1" ]
check "the master is still master" [ "$(cl_master)" = "$m" ]

# ---- maintenance and error ----
o1= o2=
for n in node1 node2 node3; do
    [ "$n" = "$m" ] && continue
    if [ -z "$o1" ]; then o1=$n; else o2=$n; fi
done
cl_cli "$m" crm-command node-maintenance enable "$o2" >/dev/null
check "maintenance_entered" cl_wait 20 event maintenance_entered "$o2"
cl_cli "$m" crm-command node-maintenance disable "$o2" >/dev/null
check "maintenance_left" cl_wait 20 event maintenance_left "$o2"
cl_cli "$m" add test:badstatus --node "$m" >/dev/null
check "service_error" cl_wait 20 event service_error "$m" test:badstatus
cl_cli "$m" remove test:badstatus >/dev/null

# ---- a hanging hook: a node is fenced, its service recovered all the same ----
sid_of() { case $1 in node1) echo test:a ;; node2) echo test:b ;; node3) echo test:c ;; esac; }
echo hang >"$CL_DIR/hook-mode"
cl_reset "$o1"
check "fence_started ($o1)" cl_wait 30 event fence_started "$o1"
check "fence_succeeded ($o1)" cl_wait 30 event fence_succeeded "$o1"
check "$(sid_of "$o1") recovered with a hanging hook" cl_wait 30 runs_elsewhere "$(sid_of "$o1")" "$o1"
check "service_recovered" cl_wait 10 awk -F'|' -v s="$(sid_of "$o1")" -v o="$o1" '$1 == "service_recovered" && $3 == s && $4 == o { f = 1 } END { exit !f }' "$CL_DIR/events"
check "the hanging hook is killed at its deadline" cl_wait 10 logged "$m/crm.log" "notify hook '.*' for event .* still running after 2 s - killed"
check "hooks get no argument and no inherited environment" awk -F'|' 'NF < 11 || $9 != 0 || $10 != "unset" { bad = 1 } END { exit bad || NR == 0 }' "$CL_DIR/events"
check "the fence's JSON line" grep -q "^fence_started|$o1|.*|{\"event\":\"fence_started\",\"node\":\"$o1\",\"time\":[0-9]*,\"host\":\"$m\",\"daemon\":\"crm\"}\$" "$CL_DIR/events"
cl_wait 20 sh -c "curl -s -m 2 http://127.0.0.1:$mp/metrics >'$tmp/crm2.txt' && grep -q '^haven_recoveries_total{daemon=\"crm\"} 1' '$tmp/crm2.txt'"
check "the fence is counted" [ "$(metric "$tmp/crm2.txt" 'haven_fences_total{daemon="crm"}')" = 1 ]
check "the recovery is counted" [ "$(metric "$tmp/crm2.txt" 'haven_recoveries_total{daemon="crm"}')" = 1 ]

# ---- a failing hook: a node cut from the store loses its lock and resets ----
echo fail >"$CL_DIR/hook-mode"
cl_cut "$o2"
check "lock_lost ($o2)" cl_wait 30 event lock_lost "$o2"
check "watchdog_expiry_imminent ($o2)" cl_wait 10 event watchdog_expiry_imminent "$o2"
check "the failing hook is logged" cl_wait 10 logged "$o2/lrm.log" "notify hook '.*' for event .* failed - exit code 3"
check "$(sid_of "$o2") recovered with a failing hook" cl_wait 40 runs_elsewhere "$(sid_of "$o2")" "$o2"
check "the master stayed" [ "$(cl_master)" = "$m" ]
check "ledger: never two copies" cl_ledger_ok
check "no sanitizer report" cl_sanitizer_clean
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/bin/sh
# soak.sh - a randomized fault campaign on the local 3-node cluster
# (test/cluster.sh; test/README.md, "The soak").
# usage: SOAK_ROUNDS=N SOAK_SEED=S [SOAK_KINDS='kind...'] sh test/soak.sh HAVEN_BINARY
# Every round draws a fault kind and its parameters from the seeded
# generator (the same seed gives the same fault sequence), injects it, heals
# it (nodes that were reset come back), and then checks: the ledger never
# shows a service on two nodes, every service runs exactly once within the
# recovery bound, no sanitizer report, no leaked process. Prints a table per
# fault kind and "N passed, N failed" (one check per round).
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/cluster.sh"
rounds=${SOAK_ROUNDS:-30}
seed=${SOAK_SEED:-1}
bound=${SOAK_BOUND:-60} # s from the end of a fault to a settled cluster
pass=0
fail=0
tmp=$(mktemp -d /tmp/haven-soak.XXXXXX)
hb_pid=
cleanup() {
    [ -n "$hb_pid" ] && kill "$hb_pid" 2>/dev/null
    [ -n "$CL_DIR" ] && cl_stop_all >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The generator: a 31-bit LCG, so that a seed replays the same faults.
rng=$seed
draw() { # N: R = 0..N-1
    rng=$(((rng * 1103515245 + 12345) % 2147483648))
    R=$(((rng / 65536) % $1))
}

NODES="node1 node2 node3"
SIDS="test:s1 test:s2 test:s3 test:s4"
pick_node() { draw 3 && set -- $NODES && eval "N=\${$((R + 1))}"; }
pick_sid() { draw 4 && set -- $SIDS && eval "S=\${$((R + 1))}"; }

# The test's own scheduling delay: a heartbeat every 0.1 s; the largest gap
# beyond that, over a round, is how long the test processes were starved.
(while :; do date +%s%N; sleep 0.1; done) >"$tmp/hb" 2>/dev/null &
hb_pid=$!
starvation_ms() { # since ns
    awk -v since="$1" '$1 >= since { if (prev && $1 - prev > gap) gap = $1 - prev; prev = $1 }
        END { g = gap / 1e6 - 100; print (g > 0 ? int(g) : 0) }' "$tmp/hb"
}

once() { # sid: runs on exactly one node
    [ "$(cl_where "$1" | wc -l)" -eq 1 ]
}
settled() {
    for s in $SIDS; do once "$s" || return 1; done
    [ -n "$(cl_master)" ]
}
# Daemons of NODE's ha-DMN that lead a session (workers share the command
# line but not the session leadership).
leaders() { # node dmn
    for f in $(grep -l -a -F -- "$CL_DIR/$1/haven.conf" /proc/[0-9]*/cmdline 2>/dev/null); do
        p=${f#/proc/}
        p=${p%/cmdline}
        tr '\0' ' ' 2>/dev/null <"$f" | grep -q -- " ha-$2 " || continue
        read -r _ _ st _ _ se _ 2>/dev/null <"/proc/$p/stat" || continue
        [ "$se" = "$p" ] && [ "$st" != Z ] && echo "$p"
    done
}
# One crm and one lrm per node, no stray service process.
no_leak() {
    for n in $NODES; do
        for dmn in crm lrm; do
            c=$(leaders "$n" "$dmn" | wc -l)
            [ "$c" -eq 1 ] || { echo "leak: $c ha-$dmn of $n"; return 1; }
        done
    done
    for f in "$CL_DIR"/run/*/*.pid; do
        [ -f "$f" ] || continue
        p=$(cat "$f" 2>/dev/null)
        s=$(basename "$f" .pid | tr '_' ':')
        case " $SIDS " in *" $s "*) continue ;; esac
        [ -n "$p" ] && [ -r "/proc/$p/stat" ] && { echo "leak: $f still runs"; return 1; }
    done
    return 0
}
# End the fault: thaw and reconnect everything.
heal() {
    for n in $NODES; do
        for dmn in crm lrm mux; do
            p=$(cl_pid "$n" $dmn)
            [ -n "$p" ] && kill -s CONT $(cl_session_pids "$p") 2>/dev/null
        done
        cl_uncut "$n"
    done
    [ -d "$CL_DIR/store.off" ] && mv "$CL_DIR/store.off" "$CL_DIR/store"
    return 0
}
# Nodes that were reset come back once the reset is over; a killed daemon
# of a node that is not being reset starts again.
restart_down() {
    for n in $NODES; do
        r=$(cat "$CL_DIR/$n/reader.pid" 2>/dev/null)
        if [ -n "$r" ] && kill -0 "$r" 2>/dev/null; then
            if cl_alive "$n" mux; then
                cl_alive "$n" crm || cl_start_daemon "$n" crm
                cl_alive "$n" lrm || cl_start_daemon "$n" lrm
            fi
        elif [ -f "$CL_DIR/$n/down" ] || ! cl_alive "$n" mux; then
            cl_start "$n"
        fi
    done
}
up_all() {
    for n in $NODES; do
        [ ! -f "$CL_DIR/$n/down" ] && cl_alive "$n" mux && cl_alive "$n" crm && cl_alive "$n" lrm || return 1
    done
}
settle() { # seconds: restart what was reset, until all runs exactly once
    limit=$(($(date +%s) + $1))
    while [ "$(date +%s)" -lt "$limit" ]; do
        restart_down
        up_all && settled && return 0
        sleep 0.5
    done
    up_all && settled
}
pause_secs() { # kind suffix: short, around T, long
    case $1 in
    short) draw 3 && P=$((1 + R)) ;;
    T) draw 5 && P=$((CL_T - 2 + R)) ;;
    long) draw 10 && P=$((CL_T * 2 + R)) ;;
    esac
}
stop_node() { # node secs
    pids=
    for dmn in mux crm lrm; do pids="$pids $(cl_session_pids "$(cl_pid "$1" $dmn)")"; done
    kill -s STOP $pids 2>/dev/null
    sleep "$2"
    kill -s CONT $pids 2>/dev/null
}
other_node() { # node: N = another node
    for x in $NODES; do [ "$x" != "$1" ] && N=$x && draw 2 && [ "$R" = 0 ] && return; done
}

# inject KIND: apply the fault (and end it, for timed faults)
inject() {
    case $1 in
    kill-crm) pick_node && cl_kill "$N" crm ;;
    kill-lrm) pick_node && cl_kill "$N" lrm ;;
    kill-both) pick_node && cl_kill "$N" crm lrm ;;
    kill-mux) pick_node && kill -9 "$(cl_pid "$N" mux)" 2>/dev/null ;;
    stop-node-*) pick_node && pause_secs "${1#stop-node-}" && stop_node "$N" "$P" ;;
    stop-master-*)
        N=$(cl_master)
        pause_secs "${1#stop-master-}"
        [ -n "$N" ] && cl_signal "$N" crm STOP && sleep "$P" && cl_signal "$N" crm CONT
        ;;
    cut-node) pick_node && draw 15 && cl_cut "$N" && sleep $((2 + R)) && cl_uncut "$N" ;;
    store-outage)
        draw 12
        mv "$CL_DIR/store" "$CL_DIR/store.off" && sleep $((1 + R)) &&
            mv "$CL_DIR/store.off" "$CL_DIR/store"
        ;;
    agent-fail | agent-hang)
        pick_node
        a=test:${1#agent-}$round
        cl_cli "$N" add "$a" --node "$N" >/dev/null 2>&1
        draw 6 && sleep $((3 + R))
        cl_cli "$N" remove "$a" >/dev/null 2>&1
        ;;
    migrate-fault | relocate-fault)
        pick_sid
        src=$(cl_where "$S" | head -n 1)
        [ -n "$src" ] || return 0
        other_node "$src"
        dst=$N
        cl_cli "$src" "${1%-fault}" "$S" "$dst" >/dev/null 2>&1
        draw 4
        case $R in
        0) cl_kill "$src" crm lrm ;;
        1) cl_kill "$dst" crm lrm ;;
        2) stop_node "$src" "$CL_T" ;;
        3) stop_node "$dst" "$CL_T" ;;
        esac
        ;;
    esac
}

KINDS=${SOAK_KINDS:-"kill-crm kill-lrm kill-both kill-mux stop-node-short stop-node-T stop-node-long
stop-master-short stop-master-T stop-master-long cut-node store-outage agent-fail agent-hang
migrate-fault relocate-fault"}
nkinds=$(echo $KINDS | wc -w)

cl_init "$tmp/c" "$haven" $NODES
for n in $NODES; do cl_start $n; done
i=0
for s in $SIDS; do
    i=$((i % 3 + 1))
    cl_add "$s" "node$i"
done
if ! settle 60; then
    echo "FAIL: soak: the cluster did not start"
    echo "0 passed, 1 failed"
    exit 1
fi

round=1
seen_dbl=0
: >"$tmp/results"
while [ "$round" -le "$rounds" ]; do
    draw "$nkinds"
    set -- $KINDS
    eval "kind=\${$((R + 1))}"
    start=$(date +%s%N)
    for n in $NODES; do : >>"$CL_DIR/$n/resets"; done
    inject "$kind"
    heal
    sleep $((CL_H + 2)) # a reset the fault caused happens by now
    verdict=ok
    why=
    if ! settle "$bound"; then
        verdict=bad why="not settled within ${bound}s:$(for s in $SIDS; do printf ' %s@%s' "$s" "$(cl_where "$s" | tr '\n' ',')"; done)"
    fi
    rec_ms=$((($(date +%s%N) - start) / 1000000))
    starved=$(starvation_ms "$start")
    # a reset later than due by more than the starvation is a product fault
    late=$(cat "$CL_DIR"/*/resets 2>/dev/null | sed 's/due=\([0-9]*\) at=\([0-9]*\)/\1 \2/' |
        awk -v since="$start" '$2 >= since { l = ($2 - $1) / 1e6; if (l > m) m = l } END { print int(m) }')
    [ -n "$late" ] || late=0
    dbl=$(cl_ledger_ok)
    nd=$(printf '%s' "$dbl" | grep -c 'double run')
    if [ "$nd" -gt "$seen_dbl" ]; then
        dbl=$(printf '%s\n' "$dbl" | tail -n $((nd - seen_dbl)))
        seen_dbl=$nd
        if [ "$late" -gt 500 ] && [ "$late" -le $((starved + 500)) ]; then
            verdict=starved why="double run after a reset $late ms late, test starved $starved ms: $dbl"
        else
            verdict=bad why="$dbl"
        fi
    fi
    cl_sanitizer_clean >/dev/null || { verdict=bad why="$why sanitizer report"; }
    leak=$(no_leak) || { verdict=bad why="$why $leak"; }
    echo "$kind $verdict $rec_ms" >>"$tmp/results"
    case $verdict in
    ok) pass=$((pass + 1)) ;;
    starved) pass=$((pass + 1)); echo "# soak round $round ($kind): $why" ;;
    *)
        fail=$((fail + 1))
        echo "FAIL: soak round $round ($kind, seed $seed): $why"
        # keep the evidence: ledger, logs, reset times
        keep=/tmp/haven-soak-fail.$seed.$round
        rm -rf "$keep" && mkdir -p "$keep" && cp "$CL_DIR/ledger" "$keep/" &&
            for n in $NODES; do mkdir -p "$keep/$n" && cp "$CL_DIR/$n"/*.log "$CL_DIR/$n/resets" "$keep/$n/" 2>/dev/null; done
        echo "# soak: ledger and logs kept in $keep"
        settle 30
        ;;
    esac
    round=$((round + 1))
done

printf '%-18s %6s %10s %8s %12s %9s\n' kind rounds violations starved recovery_med rec_max
sort "$tmp/results" | awk '
    function flush() { if (k == "") return
        m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        printf "%-18s %6d %10d %8d %10.1f s %7.1f s\n", k, n, bad, st, m / 1000, v[n] / 1000 }
    $1 != k { flush(); k = $1; n = 0; bad = 0; st = 0 }
    { n++; v[n] = $3; if ($2 == "bad") bad++; if ($2 == "starved") st++
      for (i = n; i > 1 && v[i] < v[i - 1]; i--) { t = v[i]; v[i] = v[i - 1]; v[i - 1] = t } }
    END { flush() }'
echo "soak: seed $seed, $rounds rounds"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

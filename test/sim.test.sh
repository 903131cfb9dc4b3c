#!/bin/sh
# sim.test.sh - ha-sim, the interactive simulator. A line of input is one
# more cmdlist batch, so every scenario of test/scenarios, its cmdlist typed
# line by line into a copy without it, must give ha-tester's log byte for
# byte (and so must the folder with its cmdlist and no input). Then what an
# operator at the prompt meets: a bad command named on stderr and skipped,
# help, quit, usage errors.
# usage: test/sim.test.sh HAVEN_BINARY
haven=$1
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT


# cmdlist_lines FILE: each batch of a cmdlist on one line, commands joined by
# "; " (the cmdlists here are arrays of arrays of plain strings).
cmdlist_lines() {
    tr -d '\n' <"$1" |
        sed -e 's/^[[:space:]]*\[//' -e 's/\][[:space:]]*$//' |
        sed 's/\][[:space:]]*,[[:space:]]*\[/]\n[/g' |
        sed -e 's/^[[:space:]]*\[//' -e 's/\][[:space:]]*$//' \
            -e 's/"[[:space:]]*,[[:space:]]*"/; /g' -e 's/"//g' \
            -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//'
}

for d in test/scenarios/*/; do
    name=$(basename "$d")
    [ -f "$d/cmdlist" ] || continue
    rm -rf "$work/s" "$work/t" "$work/i" "$work/c"
    cp -r "$d" "$work/s"
    rm -f "$work/s/cmdlist"
    cmdlist_lines "$d/cmdlist" >"$work/lines"
    timeout 60 "$haven" ha-tester -q "$d" "$work/t" >/dev/null 2>&1
    timeout 60 "$haven" ha-sim -q "$work/s" "$work/i" <"$work/lines" >/dev/null 2>"$work/err"
    check "$name: typed cmdlist gives ha-tester's log" cmp -s "$work/t/log" "$work/i/log"
    check "$name: nothing on stderr" test ! -s "$work/err"
    timeout 60 "$haven" ha-sim -q "$d" "$work/c" </dev/null >/dev/null 2>&1
    check "$name: cmdlist and no input give ha-tester's log" cmp -s "$work/t/log" "$work/c/log"
done

# At the prompt: a bad command is named and its line skipped, the next line
# runs; help and status go to stderr; quit ends the input; the log goes to
# stdout.
s=test/scenarios/service-commands
rm -rf "$work/s"
cp -r "$s" "$work/s"
rm -f "$work/s/cmdlist"
printf '%s\n' "power node1 on; power node2 on; power node3 on" "network node9 off" \
    "service vm:101 migrate node2" "help" "" "" "status" "quit" "power node1 off" >"$work/lines"
timeout 60 "$haven" ha-sim "$work/s" <"$work/lines" >"$work/out" 2>"$work/err"
rc=$?
check "interactive run: exit 0" [ "$rc" -eq 0 ]
check "a bad command is named on stderr" grep -q "unknown node 'node9' in 'network node9 off'" "$work/err"
check "the line after it runs" grep -q "cmdlist: execute service vm:101 migrate node2" "$work/out"
check "the bad line did nothing" sh -c "! grep -q 'execute network node9' '$work/out'"
check "help lists the commands" grep -q "service SID migrate|relocate NODE" "$work/err"
check "quit ends the input" sh -c "! grep -q 'execute power node1 off' '$work/out'"
check "the run ends as after a cmdlist" grep -q "hardware: exit simulation - done" "$work/out"
check "the migration happened" grep -q "service 'vm:101': state changed from 'migrate' to 'started'  (node = node2)" "$work/out"
check "status shows the master's view" grep -q "^service vm:101: started on node2$" "$work/err"
check "status shows the hardware" grep -q "^node node1: online (power on, network on)$" "$work/err"

# A mistake that the run would only meet when the command runs (a service
# that does not exist, an unknown action, a missing parameter) is named and
# its line skipped, as other mistakes are: before, "service vm:999 stopped"
# ended the whole interactive run ("exit simulation"). A service added
# earlier in the same line counts as existing.
printf '%s\n' "power node1 on; power node2 on; power node3 on" "service vm:999 stopped" \
    "service vm:101 frobnicate" "service vm:101 migrate" "service vm:101 add node1" \
    "service vm:500 add node9" "power node1 sideways" "crm node1 disarm-ha" "cfs node1 rw maybe" \
    "delay soon" "service vm:101 set-static-stats maxcpu" \
    "service vm:500 add node2; service vm:500 stopped" "service vm:101 migrate node2" \
    >"$work/lines"
timeout 60 "$haven" ha-sim "$work/s" <"$work/lines" >"$work/out" 2>"$work/err"
rc=$?
check "typos: exit 0" [ "$rc" -eq 0 ]
check "typos: the run did not end early" sh -c "! grep -q 'exit simulation - no such' '$work/out'"
check "typos: the run went on" grep -q "cmdlist: execute service vm:101 migrate node2" "$work/out"
check "typos: the same-line add counts" grep -q "cmdlist: execute service vm:500 stopped" "$work/out"
check "typos: every bad line skipped" sh -c "[ \$(grep -c 'line ignored' '$work/err') -eq 10 ]"
check "typos: a missing service is named" grep -q "no such service 'vm:999'" "$work/err"
check "typos: no bad line ran" sh -c "! grep -q -e 'execute service vm:999' -e frobnicate -e sideways -e 'delay soon' '$work/out'"

# Usage errors: exit 2 and one line.
timeout 10 "$haven" ha-sim </dev/null >/dev/null 2>"$work/err"
check "no folder: exit 2" [ $? -eq 2 ]
timeout 10 "$haven" ha-sim "$work/missing" </dev/null >/dev/null 2>"$work/err"
rc=$?
check "missing folder: exit 2" [ "$rc" -eq 2 ]
check "missing folder: one line naming it" sh -c "[ \$(wc -l <'$work/err') -eq 1 ] && grep -q 'missing: not a scenario folder' '$work/err'"
timeout 10 "$haven" ha-sim "$work/s" "$work/s" </dev/null >/dev/null 2>"$work/err"
check "OUT_DIR = SCENARIO_DIR: exit 2" [ $? -eq 2 ]
timeout 10 "$haven" ha-sim --help >"$work/out" 2>&1
check "--help: exit 0 with the usage" grep -q "usage: ha-sim" "$work/out"

t_summary

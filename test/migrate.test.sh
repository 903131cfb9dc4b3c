#!/bin/sh
# migrate.test.sh - the hand-over of an online migration on a local 3-node cluster
# (test/cluster.sh): the source node dies while its agent still cleans up after
# the service already runs on the target. The service must be recovered on the
# target (target alive), or only once the target is fenced too (target dead),
# never on a third node while the target may run it. The ledger shows no double run.
# usage: sh test/migrate.test.sh HAVEN_BINARY
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/cluster.sh"
. "$(dirname "$0")/lib.sh"
cl_test_setup migrate 240


# handover LABEL DIR: M is the master, S and D the other nodes; D runs one
# more service than M at least, so a recovery by score would pick M. test:slowmigrate
# migrates from S to D; once its agent cleans up on S, S's daemons die.
handover() {
    cl_init "$2" "$haven" node1 node2 node3
    for n in node1 node2 node3; do cl_start $n; done
    cl_add test:seed node1 # a CRM becomes master once there is a service
    check "$1: a master is elected" cl_wait 40 cl_has_master
    M=$(cl_master)
    S= D=
    for n in node1 node2 node3; do
        [ "$n" = "$M" ] && continue
        if [ -z "$S" ]; then S=$n; else D=$n; fi
    done
    cl_add test:slowmigrate "$S"
    cl_add test:busy1 "$D"
    cl_add test:busy2 "$D"
    check "$1: test:slowmigrate starts on $S" cl_wait 30 cl_on test:slowmigrate "$S"
    check "$1: test:busy2 starts on $D" cl_wait 30 cl_on test:busy2 "$D"
    cl_cli "$M" migrate test:slowmigrate "$D" >/dev/null
    check "$1: the agent cleans up on $S" cl_wait 30 test -f "$CL_DIR/run/$S/test_slowmigrate.cleanup"
    check "$1: the service runs on $D" cl_on test:slowmigrate "$D"
    sleep 1
    cl_kill "$S"
    check "$1: $S is reset" cl_wait 20 cl_logged "$S/hw.log" reset
}

handover "target alive" "$tmp/alive"
check "target alive: recovered to the target" \
    cl_wait 40 cl_logged "$M/crm.log" "recover service 'test:slowmigrate' from fenced node '$S' to node '$D'"
sleep 3
check "target alive: runs on $D alone" cl_on test:slowmigrate "$D"
check "target alive: never started on $M" sh -c "! grep -q '$M start test:slowmigrate' '$CL_DIR/ledger'"
cl_test_end "target alive" 30

# The target dies too, after the master began fencing the source: the service
# may run on D until D is reset, so it must wait for D's fence.
handover "target dead" "$tmp/dead"
check "target dead: the master fences $S" cl_wait 30 cl_logged "$M/crm.log" "Try to fence node '$S'"
cl_kill "$D"
check "target dead: $D is reset" cl_wait 20 cl_logged "$D/hw.log" reset
check "target dead: $D is fenced" \
    cl_wait 40 cl_logged "$M/crm.log" "fencing: acknowledged - got agent lock for node '$D'"
check "target dead: recovered on $M" cl_wait 40 cl_on test:slowmigrate "$M"
cl_test_end "target dead" 30

t_summary

#!/bin/sh
# workers.test.sh - more jobs than max_workers under the shortest accepted timings
# (test/cluster.sh: T 8, C 3, H 2, so the lease budget B is 1 s). When a node dies
# and six of its services are recovered onto the other, the jobs beyond max_workers
# wait while the LRM waits for its workers; a lease that expired meanwhile must
# make them wait for the next renewal, never count as a failed start.
# usage: sh test/workers.test.sh HAVEN_BINARY
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/cluster.sh"
. "$(dirname "$0")/lib.sh"
cl_test_setup workers 180

all_on() { # node sids...: every sid runs on node
    n=$1
    shift
    for s in "$@"; do cl_on "$s" "$n" || return 1; done
}

sids="test:w1 test:w2 test:w3 test:w4 test:w5 test:w6"
cl_init "$tmp/c" "$haven" node1 node2
cl_start node1
cl_start node2
cl_add test:seed node1
for s in $sids; do
    cl_cli node2 add "$s" --node node2 --max_restart 0 >/dev/null
done
check "six services start on node2" cl_wait 60 all_on node2 $sids
cl_kill node2
check "node2 is reset" cl_wait 20 grep -q reset "$CL_DIR/node2/hw.log"
check "all six recovered to node1" cl_wait 60 all_on node1 $sids
sleep 3
check "none is in error" sh -c "! '$haven' ha-manager -c '$CL_DIR/node1/haven.conf' status | grep -q ', error)'"
check "no start counted as failed" sh -c "! grep -q -e 'unable to start service' -e 'restart policy' '$CL_DIR/node1/lrm.log'"
cl_test_end "" 40

t_summary

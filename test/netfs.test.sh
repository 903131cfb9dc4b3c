#!/bin/sh
# netfs.test.sh - the folder store on a network file system: every node sees
# the shared folder through its own sshfs mount over sftp-server and its own
# TCP forwarder (test/netfs.sh), with the mount options README.md requires.
#   1. the store and lock contract tests (test_kv_store, test_kv_lock) on
#      such mounts, the lock torture with the nodes' servers frozen in turn;
#   2. ha-manager from five nodes at once: no change that reported success
#      is lost, also on two mounts with sshfs's default caches (where reads
#      come back cut at cached lengths), a FIFO on the server never hangs a
#      reader;
#   3. a 3-node cluster: a standby whose server hangs while the master
#      renews never becomes a second master, a frozen node is reset and its
#      services recovered, a reset master is replaced; never a double run.
# Needs root, /dev/fuse, sshfs, socat and openssh-sftp-server; elsewhere it
# says so and counts nothing.
# usage: sh test/netfs.test.sh HAVEN_BINARY
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/netfs.sh"
. "$here/cluster.sh"
. "$here/lib.sh"
if ! nf_usable; then
    echo "# network file system: not run (needs root, /dev/fuse, sshfs, socat, sftp-server)"
    echo "0 passed, 0 failed"
    exit 0
fi
cl_test_cleanup_more() { nf_stop; }
cl_test_setup netfs 600 # the deadline is set again once the mounts are up
nf_init "$tmp/nf"
for m in s1 l1 l2 l3 l4 node1 node2 node3; do
    if ! nf_mount $m; then
        echo "# network file system: not run (cannot mount sshfs here)"
        echo "0 passed, 0 failed"
        exit 0
    fi
done
nf_mount k1 reconnect && nf_mount k2 reconnect || {
    echo "# network file system: not run (cannot mount sshfs here)"
    echo "0 passed, 0 failed"
    exit 0
}
mnt() { echo "$NF_DIR/mnt.$1"; }

unit() { # name binary-output: add the binary's summary line
    last=$(tail -n 1 "$2")
    case $last in
    *" passed, "*" failed")
        p=${last%% passed*}
        f=${last#*passed, }
        f=${f%% failed*}
        pass=$((pass + p))
        fail=$((fail + f))
        [ "$f" -eq 0 ] || { echo "FAIL: $1 on sshfs ($f failed)"; grep -v '^    #' "$2" | head -n 20; }
        ;;
    *)
        echo "FAIL: $1 on sshfs (no summary line)"
        tail -n 20 "$2"
        fail=$((fail + 1))
        ;;
    esac
}

# ---- 1. the contract tests; the lock torture with frozen servers ----
bin=$(dirname "$haven")
KVTEST_T_MS=1000 KVTEST_DIR=$(mnt s1) timeout 600 "$bin/test_kv_store" >"$tmp/store.out" 2>&1 &
store_pid=$!
KVTEST_T_MS=1000 KVTEST_STRESS_MS=20000 KVTEST_DIR=$(mnt l1) KVTEST_DIRS="$(mnt l1):$(mnt l2):$(mnt l3):$(mnt l4)" \
    KVTEST_FREEZE="$(nf_fwd_pid l1) $(nf_fwd_pid l2) $(nf_fwd_pid l3) $(nf_fwd_pid l4)" \
    timeout 600 "$bin/test_kv_lock" >"$tmp/lock.out" 2>&1 &
lock_pid=$!

# ---- 2. ha-manager from three nodes at once (meanwhile) ----
mkdir "$NF_DIR/srv/cli"
for n in node1 node2 node3 k1 k2; do
    printf 'node=%s\nstore=dir:%s/cli\n' "$n" "$(mnt $n)" >"$tmp/$n.conf"
done
"$haven" ha-manager -c "$tmp/node1.conf" status >/dev/null 2>&1
try() { # conf args...: a lock timeout or an unreadable file is retried
    c=$1
    shift
    for t in 1 2 3 4 5; do
        timeout 60 "$haven" ha-manager -c "$c" "$@" >/dev/null 2>>"$tmp/cli.err" && return 0
    done
    return 1
}
: >"$tmp/added"
: >"$tmp/removed"
w=0
writers=
for n in node1 node2 node3 k1 k2; do
    w=$((w + 1))
    (
        for i in 0 1 2 3 4 5; do
            s="vm:$((1000 + w * 10 + i))"
            try "$tmp/$n.conf" add "$s" && echo "$s" >>"$tmp/added"
        done
        for i in 0 2; do
            s="vm:$((1000 + w * 10 + i))"
            try "$tmp/$n.conf" remove "$s" && echo "$s" >>"$tmp/removed"
        done
    ) &
    writers="$writers $!"
done
for p in $writers; do wait "$p"; done
"$haven" ha-manager -c "$tmp/node2.conf" config 2>/dev/null | grep '^vm:1[0-9][0-9][0-9]$' | sort >"$tmp/have"
grep -vxF -f "$tmp/removed" "$tmp/added" | sort >"$tmp/want"
lost=$(comm -23 "$tmp/want" "$tmp/have" | tr '\n' ' ')
[ -z "$lost" ] && ok || bad "adds that reported success were lost: $lost"
back=$(sort "$tmp/removed" | comm -12 - "$tmp/have" | tr '\n' ' ')
[ -z "$back" ] && ok || bad "removes that reported success were lost: $back"
[ "$(wc -l <"$tmp/added")" -ge 20 ] && ok || bad "too few adds worked: $(wc -l <"$tmp/added") ($(sort -u "$tmp/cli.err" | head -n 3))"

# A FIFO on the server: over sftp the server itself would block in open().
rm -f "$NF_DIR/srv/cli/ha/resources.cfg"
mkfifo "$NF_DIR/srv/cli/ha/resources.cfg"
timeout 20 "$haven" ha-manager -c "$tmp/node1.conf" config >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "not a regular file" "$tmp/err" && ok ||
    bad "config with a FIFO on the server: exit $rc, $(head -n 1 "$tmp/err")"
rm -f "$NF_DIR/srv/cli/ha/resources.cfg"
timeout 20 "$haven" ha-manager -c "$tmp/node3.conf" status >/dev/null 2>&1 && ok ||
    bad "the mount hangs after a FIFO on the server"

wait "$store_pid"
unit test_kv_store "$tmp/store.out"
wait "$lock_pid"
unit test_kv_lock "$tmp/lock.out"

# ---- 3. a cluster on sshfs ----
mkdir "$NF_DIR/srv/cl"
mkdir -p "$tmp/c"
ln -s "$NF_DIR/srv/cl" "$tmp/c/store" # the harness looks at the server's copy
cl_init "$tmp/c" "$haven" node1 node2 node3
for n in node1 node2 node3; do ln -sfn "$(mnt $n)/cl" "$CL_DIR/$n/store"; done
CL_DEADLINE=$(($(date +%s) + 300))
for n in node1 node2 node3; do cl_start $n; done
cl_add test:a node1
check "a master is elected" cl_wait 60 cl_has_master
master=$(cl_master)
# s2: neither master nor running a service; s1: the third node
s2=$(for n in node3 node2; do [ "$n" = "$master" ] || echo $n; done | head -n 1)
s1=$(for n in node1 node2 node3; do [ "$n" = "$master" ] || [ "$n" = "$s2" ] || echo $n; done)
cl_add test:b "$s1"
check "test:a starts on node1" cl_wait 60 cl_on test:a node1
check "test:b starts on $s1" cl_wait 60 cl_on test:b "$s1"
# The standby s2 (no services, so no watchdog armed) has its server hang
# for longer than T while the master renews: its observation returns a head
# made during the hang, which must not count as T old.
nf_freeze "$s2"
sleep $((CL_T + 2))
nf_thaw "$s2"
sleep 6
check "the master stays $master" [ "$(cl_master)" = "$master" ]
check "no second master ($s2)" sh -c "! grep -q '=> master' '$CL_DIR/$s2/crm.log'"
# s1's server hangs for good: its watchdog resets it, test:b is recovered.
nf_freeze "$s1"
check "$s1, frozen, is reset" cl_wait 40 grep -q reset "$CL_DIR/$s1/hw.log"
check "test:b recovered from the frozen $s1" cl_wait 90 cl_runs_elsewhere test:b "$s1"
nf_thaw "$s1"
# The master's node is reset: another takes over.
master=$(cl_master)
cl_reset "$master"
check "a new master after $master was reset" cl_wait 60 cl_new_master "$master"
if cl_ledger_ok >"$tmp/double"; then ok; else
    bad "the ledger shows a double run: $(head -n 3 "$tmp/double")"
    for f in "$CL_DIR"/*/crm.log "$CL_DIR"/*/lrm.log "$CL_DIR"/*/mux.log "$CL_DIR"/*/hw.log; do
        echo "--- $f"
        tail -n 30 "$f"
    done
    echo "--- ledger"
    cat "$CL_DIR/ledger"
fi
check "no sanitizer report" cl_sanitizer_clean
cl_stop_all >/dev/null 2>&1
CL_DIR=

t_summary

#!/bin/sh
# readonly-etcd.test.sh - ha-manager's read-only commands (status, config,
# rules list|config, groupconfig) on an etcd store write nothing to etcd:
# on an empty prefix (a mistyped etcd_prefix) they fail with one line,
# exit 2, and leave it empty; on a store, also for a node that has no
# folder there yet, etcd's revision stays where it was. One real etcd
# member (test/etcd.sh). Without etcd or etcdctl: "not run".
# usage: sh test/readonly-etcd.test.sh HAVEN_BINARY
. "$(dirname "$0")/lib.sh"
t_need etcd etcdctl
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/haven-ro-etcd.XXXXXX)
trap 'sh "$here/etcd.sh" stop "$tmp/etcd" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

readonly_cmds() {
    echo "status"
    echo "status --verbose"
    echo "config"
    echo "rules list"
    echo "rules config"
    echo "groupconfig"
}

mkdir "$tmp/etcd"
eps=$(sh "$here/etcd.sh" start "$tmp/etcd" 1) || {
    bad "etcd did not start"
    echo "$pass passed, $fail failed"
    exit 1
}
ctl() { ETCDCTL_API=3 etcdctl --endpoints="$eps" --dial-timeout=5s --command-timeout=10s "$@"; }
revision() { ctl get / -w json --limit 1 | sed -n 's/.*"revision":\([0-9]*\).*/\1/p'; }
keys() { ctl get --prefix /haven-ro/ --keys-only | grep -c .; }
for n in node1 node9; do
    printf 'node=%s\nstore=etcd:%s\netcd_prefix=/haven-ro\n' "$n" "$eps" >"$tmp/$n.conf"
done

# An empty prefix: each command fails with one line, exit 2, writes nothing.
rev0=$(revision)
[ -n "$rev0" ] && ok || bad "no revision from etcdctl"
readonly_cmds | while read -r cmd; do
    # shellcheck disable=SC2086 # the words of the command
    timeout 30 "$haven" ha-manager -c "$tmp/node1.conf" $cmd >"$tmp/out" 2>"$tmp/err"
    echo "$? $(wc -l <"$tmp/err") $cmd" >>"$tmp/rcs"
done
while read -r rc lines cmd; do
    [ "$rc" -eq 2 ] && ok || bad "'$cmd' on an empty prefix: exit $rc, want 2"
    [ "$lines" -eq 1 ] && ok || bad "'$cmd' on an empty prefix: $lines lines on stderr, want 1"
done <"$tmp/rcs"
grep -q "^ha-manager: etcd prefix /haven-ro is empty - not a haven store yet" "$tmp/err" && ok ||
    bad "empty prefix: not the clear line: $(cat "$tmp/err")"
[ "$(keys)" = 0 ] && ok || bad "read-only commands wrote under an empty prefix: $(ctl get --prefix /haven-ro/ --keys-only | head -n 3)"
[ "$(revision)" = "$rev0" ] && ok || bad "read-only commands on an empty prefix moved the revision ($rev0 -> $(revision))"

# A store made by a changing command; then node9, which never ran, reads it.
"$haven" ha-manager -c "$tmp/node1.conf" add vm:100 --state stopped >/dev/null 2>"$tmp/err" ||
    bad "add on an empty prefix failed: $(cat "$tmp/err")"
ctl get /haven-ro/haven-store --print-value-only | grep -q "^haven-store 1 id=" && ok ||
    bad "a changing command did not make the prefix a store"
rev1=$(revision)
readonly_cmds | while read -r cmd; do
    for n in node9 node1; do
        # shellcheck disable=SC2086
        "$haven" ha-manager -c "$tmp/$n.conf" $cmd >/dev/null 2>&1
    done
done
for n in node9 node1; do
    "$haven" ha-manager -c "$tmp/$n.conf" config >"$tmp/out" 2>"$tmp/err" &&
        grep -q "^vm:100" "$tmp/out" && ok || bad "config on $n: $(cat "$tmp/err")"
    "$haven" ha-manager -c "$tmp/$n.conf" status >"$tmp/out" 2>"$tmp/err" &&
        grep -q "^quorum OK" "$tmp/out" && ok || bad "status on $n: $(cat "$tmp/err")"
done
[ "$(revision)" = "$rev1" ] && ok || bad "read-only commands changed the store (revision $rev1 -> $(revision))"
ctl get --prefix /haven-ro/nodes/node9 --keys-only | grep -q . && bad "a read-only command made node9's folder" || ok

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

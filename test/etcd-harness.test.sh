#!/bin/sh
# etcd-harness.test.sh - test/etcd.sh itself: a start whose first try
# fails (a member's port taken between the check and etcd's bind) is
# tried again with all N members and prints their N client URLs, never an
# empty list. The first try is made to fail by an etcd on PATH that exits
# once, then runs the real one. Without etcd or etcdctl: "not run".
# usage: sh test/etcd-harness.test.sh HAVEN_BINARY (unused)
. "$(dirname "$0")/lib.sh"
t_need etcd etcdctl
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/haven-etcd-harness.XXXXXX)
trap 'sh "$here/etcd.sh" stop "$tmp/etcd" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

mkdir "$tmp/bin" "$tmp/etcd"
cat >"$tmp/bin/etcd" <<EOS
#!/bin/sh
# the first member started fails, as when its port was taken meanwhile
if mkdir "$tmp/failed" 2>/dev/null; then
    echo "listen tcp: bind: address already in use" >&2
    exit 1
fi
exec $(command -v etcd) "\$@"
EOS
chmod +x "$tmp/bin/etcd"
eps=$(PATH="$tmp/bin:$PATH" sh "$here/etcd.sh" start "$tmp/etcd" 3)
rc=$?
[ "$rc" = 0 ] && ok || bad "start after a failed try: exit $rc"
[ -d "$tmp/failed" ] && ok || bad "the first try did not fail"
n=$(echo "$eps" | tr ',' '\n' | grep -c '^http://127.0.0.1:[0-9]*$')
[ "$n" = 3 ] && ok || bad "start after a failed try printed '$eps', want 3 URLs"
for u in $(echo "$eps" | tr ',' ' '); do
    ETCDCTL_API=3 etcdctl --endpoints="$u" --dial-timeout=3s endpoint health >/dev/null 2>&1 && ok ||
        bad "member $u is not healthy"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

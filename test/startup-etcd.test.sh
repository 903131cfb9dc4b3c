#!/bin/sh
# startup-etcd.test.sh - bad etcd settings at start-up, on one real etcd
# member (test/etcd.sh): a wrong etcd_prefix (with the store's store_id)
# and, once etcd's authentication is on, no credentials, a wrong password
# and an unknown user. ha-crm, ha-lrm and ha-manager each fail with one
# line on stderr and exit 2, and write nothing; the right password works.
# Over TLS with client certificates, this binary and the shipped one
# (HAVEN_SHIPPED, default build/haven) work, and refuse a wrong CA and a
# missing client certificate.
# (An unreachable endpoint and an HTTP server that is not etcd:
# cluster-etcd.test.sh.) Without etcd or etcdctl: "not run".
# usage: sh test/startup-etcd.test.sh HAVEN_BINARY
. "$(dirname "$0")/lib.sh"
t_need etcd etcdctl
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/haven-startup-etcd.XXXXXX)
trap 'sh "$here/etcd.sh" stop "$tmp/etcd" >/dev/null 2>&1; sh "$here/etcd.sh" stop "$tmp/tls" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

mkdir "$tmp/etcd"
eps=$(sh "$here/etcd.sh" start "$tmp/etcd" 1) || {
    bad "etcd did not start"
    t_summary
    exit 1
}
ctl() { ETCDCTL_API=3 etcdctl --endpoints="$eps" --dial-timeout=5s --command-timeout=10s "$@"; }
revision() { ctl --user root:secret get / -w json --limit 1 | sed -n 's/.*"revision":\([0-9]*\).*/\1/p'; }
conf() { # file extra-lines...
    f=$1
    shift
    printf 'node=node1\nstore=etcd:%s\nwatchdog_socket=%s/none.sock\nrun_dir=%s\n' "$eps" "$tmp" "$tmp" >"$f"
    for l in "$@"; do echo "$l" >>"$f"; done
}
# refused LABEL CONF PATTERN: each applet exits 2 with one line matching
# PATTERN (SHOW_ERRORS=1 prints the lines)
refused() {
    for applet in ha-crm ha-lrm "ha-manager status"; do
        # shellcheck disable=SC2086 # the applet's words
        timeout 60 "$haven" $applet -c "$2" >/dev/null 2>"$tmp/err"
        rc=$?
        [ "$rc" = 2 ] && ok || bad "$1: $applet exit $rc, want 2 ($(head -c 200 "$tmp/err"))"
        [ "$(wc -l <"$tmp/err")" = 1 ] && ok || bad "$1: $applet: not one line: $(head -c 300 "$tmp/err")"
        [ -n "${SHOW_ERRORS:-}" ] && echo "# $1: $applet: $(cat "$tmp/err")"
        grep -q -- "$3" "$tmp/err" && ok || bad "$1: $applet: no '$3' in: $(cat "$tmp/err")"
    done
}

# A store, then a configuration naming another prefix with the store's id.
conf "$tmp/good.conf"
"$haven" ha-manager -c "$tmp/good.conf" add vm:100 --state stopped >/dev/null 2>"$tmp/err" ||
    bad "add failed: $(cat "$tmp/err")"
id=$(ctl get /haven/haven-store --print-value-only | sed -n 's/^haven-store 1 id=\([0-9a-f]*\) .*/\1/p')
[ -n "$id" ] && ok || bad "no store marker under /haven"
conf "$tmp/prefix.conf" "etcd_prefix=/haven-typo" "store_id=$id"
for applet in ha-crm ha-lrm; do
    timeout 60 "$haven" $applet -c "$tmp/prefix.conf" >/dev/null 2>"$tmp/err"
    rc=$?
    [ "$rc" = 2 ] && ok || bad "wrong prefix: $applet exit $rc, want 2 ($(cat "$tmp/err"))"
    [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "store id mismatch" "$tmp/err" && ok ||
        bad "wrong prefix: $applet: not one clear line: $(cat "$tmp/err")"
done
"$haven" ha-manager -c "$tmp/prefix.conf" status >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "/haven-typo is empty" "$tmp/err" && ok ||
    bad "wrong prefix: ha-manager status exit $rc: $(cat "$tmp/err")"
[ -z "$(ctl get --prefix /haven-typo --keys-only)" ] && ok || bad "something was written under the wrong prefix"

# etcd's authentication on: root (password "secret") may do everything.
ctl user add root:secret >/dev/null 2>&1 && ctl auth enable >/dev/null 2>&1 && ok ||
    bad "etcdctl could not enable authentication"
printf 'secret\n' >"$tmp/pw.good"
printf 'wrong\n' >"$tmp/pw.bad"
rev=$(revision)
conf "$tmp/none.conf"
refused "no credentials" "$tmp/none.conf" "authentication required"
conf "$tmp/wrongpw.conf" "etcd_user=root" "etcd_password_file=$tmp/pw.bad"
refused "wrong password" "$tmp/wrongpw.conf" "authentication failed"
conf "$tmp/nouser.conf" "etcd_user=nobody" "etcd_password_file=$tmp/pw.good"
refused "unknown user" "$tmp/nouser.conf" "authentication failed"
[ "$(revision)" = "$rev" ] && ok || bad "refused starts wrote to etcd (revision $rev -> $(revision))"
conf "$tmp/auth.conf" "etcd_user=root" "etcd_password_file=$tmp/pw.good"
"$haven" ha-manager -c "$tmp/auth.conf" config >"$tmp/out" 2>"$tmp/err" && grep -q "^vm:100" "$tmp/out" && ok ||
    bad "the right password: ha-manager config failed: $(cat "$tmp/err")"

# TLS with client certificates (etcd --client-cert-auth), through this
# binary and the shipped one (its BearSSL is built for size): a store made
# and read; a wrong CA and a missing client certificate refused.
shipped=${HAVEN_SHIPPED:-$here/../build/haven}
if command -v openssl >/dev/null 2>&1; then
    c=$tmp/certs
    sh "$here/etcd-certs.sh" "$c" >/dev/null 2>&1 || bad "etcd-certs.sh failed"
    mkdir "$tmp/tls"
    teps=$(ETCD_SCHEME=https ETCD_EXTRA="--cert-file $c/server.pem --key-file $c/server.key --client-cert-auth --trusted-ca-file $c/ca.pem" \
        sh "$here/etcd.sh" start "$tmp/tls" 1) || bad "etcd over TLS did not start"
    tls() { # file extra-lines...
        f=$1
        shift
        printf 'node=node1\nstore=etcd:%s\netcd_cacert=%s/ca.pem\n' "$teps" "$c" >"$f"
        for l in "$@"; do echo "$l" >>"$f"; done
    }
    tls "$tmp/tls.conf" "etcd_cert=$c/client.pem" "etcd_key=$c/client.key"
    for b in "$haven" "$shipped"; do
        [ -x "$b" ] || {
            bad "$b is missing"
            continue
        }
        "$b" ha-manager -c "$tmp/tls.conf" add "vm:$(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 9000 + 1000))" --state stopped >/dev/null 2>"$tmp/err" &&
            "$b" ha-manager -c "$tmp/tls.conf" status >"$tmp/out" 2>>"$tmp/err" && grep -q "^quorum OK" "$tmp/out" && ok ||
            bad "TLS with a client certificate, $b: $(cat "$tmp/err")"
    done
    tls "$tmp/tls-ca.conf" "etcd_cacert=$c/other.pem" "etcd_cert=$c/client.pem" "etcd_key=$c/client.key"
    sed -i '3d' "$tmp/tls-ca.conf" # the first etcd_cacert line
    tls "$tmp/tls-nocert.conf"
    for b in "$haven" "$shipped"; do
        for t in tls-ca:"not signed by etcd_cacert" tls-nocert:"the server refused us"; do
            "$b" ha-manager -c "$tmp/${t%%:*}.conf" status >/dev/null 2>"$tmp/err"
            rc=$?
            [ "$rc" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "${t#*:}" "$tmp/err" && ok ||
                bad "${t%%:*}, $b: exit $rc: $(cat "$tmp/err")"
        done
    done
    sh "$here/etcd.sh" stop "$tmp/tls" >/dev/null 2>&1
else
    echo "# TLS part not run: openssl is not installed"
fi

t_summary

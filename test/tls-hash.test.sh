#!/bin/sh
# tls-hash.test.sh - the etcd client's TLS takes a server certificate signed
# with SHA-256 and refuses one signed with SHA-1, with one line naming it.
# The server is openssl s_server (it answers any GET, so a handshake that
# worked ends in "is not an etcd server"); RSA keys, so that the chain and
# the handshake are RSA signatures. This binary and the shipped one
# (HAVEN_SHIPPED, default build/haven) are checked. Without openssl: "not run".
# usage: sh test/tls-hash.test.sh HAVEN_BINARY
command -v openssl >/dev/null 2>&1 || {
    echo "not run: openssl is not installed"
    echo "0 passed, 0 failed"
    exit 0
}
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shipped=${HAVEN_SHIPPED:-$(dirname "$0")/../build/haven}
shipped=$(cd "$(dirname "$shipped")" 2>/dev/null && pwd)/$(basename "$shipped")
tmp=$(mktemp -d /tmp/haven-tls-hash.XXXXXX)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
. "$(dirname "$0")/lib.sh"

cd "$tmp" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=haven test ca" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,DNS:127.0.0.1\nextendedKeyUsage=serverAuth\n' >srv.ext
for h in sha256 sha1; do
    openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out "$h.pem" -days 2 \
        -extfile srv.ext "-$h" 2>/dev/null
done

# serve CERT: openssl s_server on a free port (SECLEVEL 0: it would not load
# a SHA-1 certificate otherwise); sets port and server
serve() {
    for try in 1 2 3 4 5 6 7 8; do
        port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
        openssl s_server -cert "$1" -key srv.key -accept "127.0.0.1:$port" -www \
            -cipher 'DEFAULT:@SECLEVEL=0' >"s_server.log" 2>&1 &
        server=$!
        if wait_for 5 s_server.log ACCEPT; then
            return 0
        fi
        kill "$server" 2>/dev/null
        server=
    done
    return 1
}

for bin in "$haven" "$shipped"; do
    [ -x "$bin" ] || {
        bad "$bin is missing"
        continue
    }
    for h in sha256 sha1; do
        serve "$h.pem" || {
            bad "openssl s_server did not start"
            continue
        }
        printf 'node=n1\nstore=etcd:https://127.0.0.1:%s\netcd_cacert=%s/ca.pem\n' "$port" "$tmp" >conf
        timeout 20 "$bin" ha-manager -c "$tmp/conf" status >out 2>err
        rc=$?
        kill "$server" 2>/dev/null
        wait "$server" 2>/dev/null
        server=
        if [ "$h" = sha256 ]; then
            grep -q 'is not an etcd server' err && ok || bad "$bin: SHA-256 chain: $(cat err)"
        else
            [ "$rc" -ne 0 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q 'SHA-1' err && ok ||
                bad "$bin: SHA-1 chain not refused in one line (exit $rc): $(cat err)"
        fi
    done
done
t_summary

#!/bin/sh
# etcd-certs.sh DIR - throw-away certificates for the etcd TLS tests:
#   ca.pem/ca.key          the test CA
#   server.pem/server.key  the members' certificate (localhost, 127.0.0.1)
#   client.pem/client.key  a client certificate signed by the CA (EC)
#   rsa.pem/rsa.key        the same with an RSA key
#   expired.pem            a client certificate that expired in 2020
#   other.pem/other.key    a CA that signed nothing here
set -eu
d=$1
mkdir -p "$d"
cd "$d"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() { # name
    key "$1.key"
    openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 3 -subj "/CN=haven test $1" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        2>/dev/null
}
sign() { # name key-file extensions-file [openssl ca dates]
    openssl req -new -key "$2" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" \
        -days 2 -extfile "$3" 2>/dev/null
}
ca ca
ca other
printf 'subjectAltName=DNS:localhost,DNS:127.0.0.1,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >server.ext
printf 'extendedKeyUsage=clientAuth\n' >client.ext
key server.key
sign server server.key server.ext
key client.key
sign client client.key client.ext
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
sign rsa rsa.key client.ext
# expired: 'openssl ca' is the one that takes explicit dates
: >index.txt
echo 1000 >serial
cat >ca.cnf <<CNF
[ca]
default_ca = d
[d]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = p
[p]
commonName = supplied
CNF
openssl req -new -key client.key -out expired.csr -subj "/CN=expired" 2>/dev/null
openssl ca -batch -config ca.cnf -keyfile ca.key -cert ca.pem -in expired.csr -out expired.pem \
    -startdate 20200101000000Z -enddate 20200102000000Z -notext -extfile client.ext 2>/dev/null

/* tls.h - TLS 1.2 for the etcd client's https:// endpoints, on BearSSL
 * (vendored: small, allocation-free, made for static binaries).
 *
 * The server's certificate must chain to a CA of etcd_cacert and name the
 * endpoint's host in a DNS subject alternative name (BearSSL matches DNS
 * names only: give a member's certificate its DNS name, or "localhost" for
 * a loopback test). etcd_cert and etcd_key, when set, are the client
 * certificate (chain) and its RSA or EC key, for etcd's
 * --client-cert-auth. Only ECDHE (NIST curves) key exchange with AES-GCM:
 * what etcd (Go) offers first, and nothing weaker. Every
 * read and write keeps the caller's deadline (non-blocking socket, poll). */
#ifndef HAVEN_KV_ETCD_TLS_H
#define HAVEN_KV_ETCD_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tls_config;
struct tls_conn;

/* Load the CA file (required) and the client certificate and key (both or
 * neither): 0 and *out, or -1 and a one-line *err. */
int tls_config_load(
    const char *cacert, const char *cert, const char *key, struct tls_config **out, char **err
);
void tls_config_free(struct tls_config *cfg);

/* A new connection's TLS state, checking the server against server_name. */
struct tls_conn *tls_conn_new(const struct tls_config *cfg, const char *server_name);
void tls_conn_free(struct tls_conn *t);
/* The handshake on a connected non-blocking socket: 0, or -1 and *why. */
int tls_handshake(struct tls_conn *t, int fd, int64_t deadline, char **why);
/* Send n bytes (and flush): 0 or -1 and *why. */
int tls_send(struct tls_conn *t, int fd, const char *buf, size_t n, int64_t deadline, char **why);
/* Receive up to cap bytes: the count, 0 at the peer's end, -1 and *why. */
ssize_t tls_recv(struct tls_conn *t, int fd, char *buf, size_t cap, int64_t deadline, char **why);

#endif

/* tls.c - the etcd client's TLS on BearSSL (see tls.h): the PEM files
 * become trust anchors, a certificate chain and a private key once; each
 * connection gets an engine driven by poll() against the call's deadline. */
#include "kv/etcd/tls.h"
#include "kv/store.h"
#include "state/str.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define PEM_MAX ((size_t)1 << 20) /* a CA bundle is far smaller */

struct tls_config {
    br_x509_trust_anchor *tas;
    size_t n_tas;
    br_x509_certificate *chain;
    size_t n_chain;
    br_skey_decoder_context *skey; /* NULL: no client certificate */
    unsigned issuer_key_type; /* of our certificate's signer (EC keys) */
};

struct tls_conn {
    bool handshaking;
    bool got_any; /* the server sent something */
    br_ssl_client_context cc;
    br_x509_minimal_context xc;
    unsigned char buf[BR_SSL_BUFSIZE_BIDI];
};

/* ---- PEM files ---- */

struct pem_obj {
    char *name;
    struct strbuf der;
};

static void set_why(char **err, char *msg)
{
    if (err != NULL) {
        free(*err);
        *err = msg;
    } else {
        free(msg);
    }
}

static int read_small(const char *path, struct strbuf *out, char **err)
{
    char buf[8192];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0) {
        set_why(err, xasprintf("%s: %s", path, strerror(errno)));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        set_why(err, xasprintf("%s: not a regular file", path));
        close(fd);
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            set_why(err, xasprintf("%s: %s", path, strerror(errno)));
            close(fd);
            return -1;
        }
        if (n == 0) {
            break;
        }
        if (out->len + (size_t)n > PEM_MAX) {
            set_why(err, xasprintf("%s: larger than %zu bytes", path, PEM_MAX));
            close(fd);
            return -1;
        }
        strbuf_addn(out, buf, (size_t)n);
    }
    close(fd);
    return 0;
}

static void append_der(void *ctx, const void *data, size_t len)
{
    struct strbuf *sb = ctx;

    if (sb->len + len <= PEM_MAX) {
        strbuf_addn(sb, data, len);
    }
}

static void pem_free(struct pem_obj *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        strbuf_free(&v[i].der);
    }
    free(v);
}

/* Every PEM object of a file: 0 and *objs, or -1 and *err. */
static int pem_read(const char *path, struct pem_obj **objs, size_t *n, char **err)
{
    struct strbuf text = {0};
    br_pem_decoder_context pc;
    struct pem_obj *v = NULL;
    const char *p;
    size_t left, k = 0;
    bool inobj = false;

    *objs = NULL;
    *n = 0;
    if (read_small(path, &text, err) != 0) {
        return -1;
    }
    strbuf_add(&text, "\n"); /* the decoder needs a line end after END */
    br_pem_decoder_init(&pc);
    p = text.buf;
    left = text.len;
    while (left > 0) {
        size_t used = br_pem_decoder_push(&pc, p, left);

        p += used;
        left -= used;
        switch (br_pem_decoder_event(&pc)) {
        case BR_PEM_BEGIN_OBJ:
            v = xrealloc(v, (k + 1) * sizeof(*v));
            memset(&v[k], 0, sizeof(v[k]));
            v[k].name = xstrdup(br_pem_decoder_name(&pc));
            br_pem_decoder_setdest(&pc, append_der, &v[k].der);
            k++;
            inobj = true;
            break;
        case BR_PEM_END_OBJ:
            inobj = false;
            break;
        case BR_PEM_ERROR:
            set_why(err, xasprintf("%s: not a valid PEM file", path));
            pem_free(v, k);
            strbuf_free(&text);
            return -1;
        default:
            break;
        }
    }
    strbuf_free(&text);
    if (inobj || k == 0) {
        set_why(err, xasprintf("%s: no complete PEM object", path));
        pem_free(v, k);
        return -1;
    }
    *objs = v;
    *n = k;
    return 0;
}

/* ---- the configuration ---- */

static unsigned char *dup_bytes(const unsigned char *p, size_t n)
{
    unsigned char *d = xmalloc(n ? n : 1);

    memcpy(d, p, n);
    return d;
}

static int add_anchor(struct tls_config *c, const struct strbuf *der)
{
    br_x509_decoder_context dc;
    struct strbuf dn = {0};
    br_x509_trust_anchor *ta;
    const br_x509_pkey *pk;

    br_x509_decoder_init(&dc, append_der, &dn);
    br_x509_decoder_push(&dc, der->buf, der->len);
    pk = br_x509_decoder_get_pkey(&dc);
    if (pk == NULL || br_x509_decoder_last_error(&dc) != 0) {
        strbuf_free(&dn);
        return -1;
    }
    c->tas = xrealloc(c->tas, (c->n_tas + 1) * sizeof(*c->tas));
    ta = &c->tas[c->n_tas++];
    memset(ta, 0, sizeof(*ta));
    ta->dn.len = dn.len;
    ta->dn.data = (unsigned char *)strbuf_take(&dn);
    ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
    ta->pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        ta->pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
        ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
        ta->pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
        ta->pkey.key.rsa.elen = pk->key.rsa.elen;
    } else {
        ta->pkey.key.ec.curve = pk->key.ec.curve;
        ta->pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
        ta->pkey.key.ec.qlen = pk->key.ec.qlen;
    }
    return 0;
}

void tls_config_free(struct tls_config *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->n_tas; i++) {
        br_x509_trust_anchor *ta = &c->tas[i];
        free(ta->dn.data);
        if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
            free(ta->pkey.key.rsa.n);
            free(ta->pkey.key.rsa.e);
        } else {
            free(ta->pkey.key.ec.q);
        }
    }
    free(c->tas);
    for (size_t i = 0; i < c->n_chain; i++) {
        free(c->chain[i].data);
    }
    free(c->chain);
    free(c->skey);
    free(c);
}

static bool is_cert(const struct pem_obj *o)
{
    return strcmp(o->name, "CERTIFICATE") == 0 || strcmp(o->name, "X509 CERTIFICATE") == 0;
}

static int load_key(struct tls_config *c, const char *path, char **err)
{
    struct pem_obj *v;
    size_t n;
    int rc = -1;

    if (pem_read(path, &v, &n, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n && rc != 0; i++) {
        if (strcmp(v[i].name, "RSA PRIVATE KEY") != 0 && strcmp(v[i].name, "EC PRIVATE KEY") != 0 &&
            strcmp(v[i].name, "PRIVATE KEY") != 0) {
            continue;
        }
        c->skey = xmalloc(sizeof(*c->skey));
        br_skey_decoder_init(c->skey);
        br_skey_decoder_push(c->skey, v[i].der.buf, v[i].der.len);
        if (br_skey_decoder_last_error(c->skey) != 0 || br_skey_decoder_key_type(c->skey) == 0) {
            free(c->skey);
            c->skey = NULL;
            set_why(err, xasprintf("%s: an unusable private key", path));
            break;
        }
        rc = 0;
    }
    if (rc != 0 && c->skey == NULL && (err == NULL || *err == NULL)) {
        set_why(err, xasprintf("%s: no RSA or EC private key", path));
    }
    pem_free(v, n);
    return rc;
}

/* The CA file's certificates become the trust anchors. */
static int load_anchors(struct tls_config *c, const char *cacert, char **err)
{
    struct pem_obj *v;
    size_t n;
    int rc = 0;

    if (pem_read(cacert, &v, &n, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (is_cert(&v[i]) && add_anchor(c, &v[i].der) != 0) {
            set_why(err, xasprintf("%s: a certificate BearSSL cannot read", cacert));
            rc = -1;
        }
    }
    pem_free(v, n);
    if (rc == 0 && c->n_tas == 0) {
        set_why(err, xasprintf("%s: no certificate", cacert));
        rc = -1;
    }
    return rc;
}

/* Our certificate chain, and the key type of its first one's signer. */
static int load_chain(struct tls_config *c, const char *cert, char **err)
{
    br_x509_decoder_context dc;
    struct pem_obj *v;
    size_t n;

    if (pem_read(cert, &v, &n, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (is_cert(&v[i])) {
            c->chain = xrealloc(c->chain, (c->n_chain + 1) * sizeof(*c->chain));
            c->chain[c->n_chain].data_len = v[i].der.len;
            c->chain[c->n_chain].data = (unsigned char *)strbuf_take(&v[i].der);
            c->n_chain++;
        }
    }
    pem_free(v, n);
    if (c->n_chain == 0) {
        set_why(err, xasprintf("%s: no certificate", cert));
        return -1;
    }
    br_x509_decoder_init(&dc, NULL, NULL);
    br_x509_decoder_push(&dc, c->chain[0].data, c->chain[0].data_len);
    if (br_x509_decoder_get_pkey(&dc) == NULL) {
        set_why(err, xasprintf("%s: a certificate BearSSL cannot read", cert));
        return -1;
    }
    c->issuer_key_type = br_x509_decoder_get_signer_key_type(&dc);
    return 0;
}

int tls_config_load(
    const char *cacert, const char *cert, const char *key, struct tls_config **out, char **err
)
{
    struct tls_config *c = xcalloc(1, sizeof(*c));

    *out = NULL;
    if (cacert == NULL) {
        set_why(err, xstrdup("https endpoints need etcd_cacert"));
    } else if ((cert == NULL) != (key == NULL)) {
        set_why(err, xstrdup("etcd_cert and etcd_key go together"));
    } else if (load_anchors(c, cacert, err) == 0 && (cert == NULL || (load_chain(c, cert, err) == 0 && load_key(c, key, err) == 0))) {
        *out = c;
        return 0;
    }
    tls_config_free(c);
    return -1;
}

/* ---- connections ---- */

struct tls_conn *tls_conn_new(const struct tls_config *c, const char *server_name)
{
    static const uint16_t suites[] = {
        BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    };
    /* no SHA-1: a certificate or handshake signed with it is refused
     * (collisions of SHA-1 are practical) */
    static const br_hash_class *const hashes[] = {
        &br_sha224_vtable,
        &br_sha256_vtable,
        &br_sha384_vtable,
        &br_sha512_vtable,
    };
    struct tls_conn *t = xcalloc(1, sizeof(*t));
    br_ssl_engine_context *eng = &t->cc.eng;

    br_ssl_client_zero(&t->cc);
    br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
    br_ssl_engine_set_suites(eng, suites, sizeof(suites) / sizeof(suites[0]));
    br_x509_minimal_init(&t->xc, &br_sha256_vtable, c->tas, c->n_tas);
    /* RSA on the i31 code EC already links (constant-time, as the default
     * i62 one): 864 bytes less, and a handshake signs and verifies once per
     * connection */
    br_ssl_engine_set_rsavrfy(eng, &br_rsa_i31_pkcs1_vrfy);
    /* one generic implementation of the NIST curves (P-256, P-384, P-521)
     * instead of the default set: the binary is the size budget, and a
     * key exchange runs once per connection */
    br_ssl_engine_set_ec(eng, &br_ec_prime_i31);
    br_ssl_engine_set_ecdsa(eng, &br_ecdsa_i31_vrfy_asn1);
    br_x509_minimal_set_rsa(&t->xc, br_ssl_engine_get_rsavrfy(eng));
    br_x509_minimal_set_ecdsa(&t->xc, &br_ec_prime_i31, &br_ecdsa_i31_vrfy_asn1);
    for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
        int id = (int)((hashes[i]->desc >> BR_HASHDESC_ID_OFF) & BR_HASHDESC_ID_MASK);

        br_ssl_engine_set_hash(eng, id, hashes[i]);
        br_x509_minimal_set_hash(&t->xc, id, hashes[i]);
    }
    br_ssl_engine_set_x509(eng, &t->xc.vtable);
    br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
    br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
    br_ssl_engine_set_default_aes_gcm(eng);
    if (c->skey != NULL) {
        if (br_skey_decoder_key_type(c->skey) == BR_KEYTYPE_RSA) {
            br_ssl_client_set_single_rsa(
                &t->cc, c->chain, c->n_chain, br_skey_decoder_get_rsa(c->skey),
                &br_rsa_i31_pkcs1_sign
            );
        } else {
            br_ssl_client_set_single_ec(
                &t->cc, c->chain, c->n_chain, br_skey_decoder_get_ec(c->skey), BR_KEYTYPE_SIGN,
                c->issuer_key_type, &br_ec_prime_i31, &br_ecdsa_i31_sign_asn1
            );
        }
    }
    br_ssl_engine_set_buffer(eng, t->buf, sizeof(t->buf), 1);
    br_ssl_client_reset(&t->cc, server_name, 0);
    return t;
}

void tls_conn_free(struct tls_conn *t)
{
    free(t);
}

/* Why the engine stopped, in words a person can act on. */
static char *engine_error(int e)
{
    if (e >= BR_ERR_RECV_FATAL_ALERT && e < BR_ERR_RECV_FATAL_ALERT + 256) {
        int alert = e - BR_ERR_RECV_FATAL_ALERT;
        const char *what = alert == 42 || alert == 43 ? "bad certificate"
                           : alert == 45              ? "certificate expired"
                           : alert == 48              ? "unknown CA"
                           : alert == 116             ? "certificate required"
                           : alert == 40              ? "handshake failure"
                                                      : "alert";
        return xasprintf("TLS: the server refused us (%s, alert %d)", what, alert);
    }
    switch (e) {
    case BR_ERR_X509_NOT_TRUSTED:
        return xstrdup("TLS: the server's certificate is not signed by etcd_cacert");
    case BR_ERR_X509_EXPIRED:
        return xstrdup("TLS: the server's certificate is expired or not yet valid");
    case BR_ERR_X509_BAD_SERVER_NAME:
        return xstrdup("TLS: the server's certificate does not name this host");
    case BR_ERR_X509_UNSUPPORTED:
        return xstrdup(
            "TLS: the server's certificate chain uses an algorithm that is not accepted "
            "(a SHA-1 signature?)"
        );
    case BR_ERR_BAD_PARAM:
    case BR_ERR_UNSUPPORTED_VERSION:
    case BR_ERR_BAD_LENGTH:
    case BR_ERR_TOO_LARGE:
        return xstrdup("TLS: not a TLS server (a plain http:// endpoint?)");
    case BR_ERR_IO:
        return xstrdup("TLS: connection lost");
    default:
        return xasprintf("TLS: handshake failed (BearSSL error %d)", e);
    }
}

static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - kv_now_ms();
        struct pollfd pfd = {.fd = fd, .events = events};
        int r;

        if (left <= 0) {
            return 0;
        }
        r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
        if (r > 0) {
            return 1;
        }
        if (r < 0 && errno != EINTR) {
            return -1;
        }
    }
}

/* The connection ended (EOF, reset, broken pipe) where the engine did not
 * expect it: during the handshake, what the server sent so far tells a
 * plain port from a refusal. */
static char *ended(const struct tls_conn *t, const char *how)
{
    if (t->handshaking && !t->got_any) {
        return xasprintf("TLS: not a TLS server (%s at once: a plain http:// port?)", how);
    }
    if (t->handshaking) {
        return xasprintf(
            "TLS: the server refused us (%s during the handshake: our client certificate "
            "missing or not accepted?)",
            how
        );
    }
    return xasprintf("TLS: %s", how);
}

/* Send what the engine has for the wire: 0 (some went out, or the socket
 * is writable again), -1 and *why. */
static int send_records(struct tls_conn *t, int fd, int64_t deadline, char **why)
{
    br_ssl_engine_context *eng = &t->cc.eng;
    size_t len;
    unsigned char *buf = br_ssl_engine_sendrec_buf(eng, &len);
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    int r;

    if (n > 0) {
        br_ssl_engine_sendrec_ack(eng, (size_t)n);
        return 0;
    }
    if (n < 0 && errno == EINTR) {
        return 0;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        r = wait_fd(fd, POLLOUT, deadline);
        if (r > 0) {
            return 0;
        }
        set_why(why, xstrdup(r == 0 ? "timed out sending" : strerror(errno)));
        return -1;
    }
    if (errno == EPIPE || errno == ECONNRESET) {
        set_why(why, ended(t, "connection closed"));
        return -1;
    }
    set_why(why, xasprintf("send: %s", strerror(errno)));
    return -1;
}

/* Read from the wire into the engine: 0 (some came, or the socket is
 * readable again), 1 the peer closed, -1 and *why. */
static int recv_records(struct tls_conn *t, int fd, int64_t deadline, char **why)
{
    br_ssl_engine_context *eng = &t->cc.eng;
    size_t len;
    unsigned char *buf = br_ssl_engine_recvrec_buf(eng, &len);
    ssize_t n = recv(fd, buf, len, 0);
    int r;

    if (n > 0) {
        t->got_any = true;
        br_ssl_engine_recvrec_ack(eng, (size_t)n);
        return 0;
    }
    if (n == 0) {
        return 1;
    }
    if (errno == EINTR) {
        return 0;
    }
    if (errno == ECONNRESET) {
        set_why(why, ended(t, "connection reset"));
        return -1;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        r = wait_fd(fd, POLLIN, deadline);
        if (r > 0) {
            return 0;
        }
        set_why(why, xstrdup(r == 0 ? "timed out waiting for the response" : strerror(errno)));
        return -1;
    }
    set_why(why, xasprintf("recv: %s", strerror(errno)));
    return -1;
}

/* Run the engine until its state has one of the want bits: 0, 1 when it
 * closed cleanly (want includes BR_SSL_CLOSED), -1 and *why. */
static int pump(struct tls_conn *t, int fd, unsigned want, int64_t deadline, char **why)
{
    br_ssl_engine_context *eng = &t->cc.eng;

    for (;;) {
        unsigned st = br_ssl_engine_current_state(eng);
        int r;

        if (st & BR_SSL_CLOSED) {
            int e = br_ssl_engine_last_error(eng);
            if (e == BR_ERR_OK && (want & BR_SSL_CLOSED)) {
                return 1;
            }
            set_why(why, e == BR_ERR_OK ? xstrdup("TLS: closed") : engine_error(e));
            return -1;
        }
        if (st & BR_SSL_SENDREC) {
            if (send_records(t, fd, deadline, why) != 0) {
                return -1;
            }
            continue;
        }
        if (st & want) {
            return 0;
        }
        if (st & BR_SSL_RECVAPP) {
            /* data nobody asked for blocks the way to sending */
            set_why(why, xstrdup("TLS: unexpected data from the server"));
            return -1;
        }
        if (st & BR_SSL_RECVREC) {
            r = recv_records(t, fd, deadline, why);
            if (r == 1 && (want & BR_SSL_CLOSED)) {
                return 1; /* left without close_notify: an end like any other */
            }
            if (r == 1) {
                set_why(why, ended(t, "connection closed"));
            }
            if (r != 0) {
                return -1;
            }
            continue;
        }
        /* nothing to send, nothing wanted, nothing to read: flush */
        br_ssl_engine_flush(eng, 0);
        if ((br_ssl_engine_current_state(eng) & (BR_SSL_SENDREC | BR_SSL_RECVREC | want)) == 0) {
            set_why(why, xstrdup("TLS: engine stalled"));
            return -1;
        }
    }
}

int tls_handshake(struct tls_conn *t, int fd, int64_t deadline, char **why)
{
    int r;

    /* done when application data may be sent */
    t->handshaking = true;
    r = pump(t, fd, BR_SSL_SENDAPP, deadline, why);
    t->handshaking = false;
    return r == 0 ? 0 : -1;
}

int tls_send(struct tls_conn *t, int fd, const char *buf, size_t n, int64_t deadline, char **why)
{
    br_ssl_engine_context *eng = &t->cc.eng;

    while (n > 0) {
        unsigned char *dst;
        size_t room;

        if (pump(t, fd, BR_SSL_SENDAPP, deadline, why) != 0) {
            return -1;
        }
        dst = br_ssl_engine_sendapp_buf(eng, &room);
        if (room > n) {
            room = n;
        }
        memcpy(dst, buf, room);
        br_ssl_engine_sendapp_ack(eng, room);
        buf += room;
        n -= room;
    }
    br_ssl_engine_flush(eng, 0);
    /* push every record out */
    while (br_ssl_engine_current_state(eng) & BR_SSL_SENDREC) {
        if (pump(t, fd, BR_SSL_RECVAPP | BR_SSL_SENDAPP, deadline, why) != 0) {
            return -1;
        }
        if (!(br_ssl_engine_current_state(eng) & BR_SSL_SENDREC)) {
            break;
        }
    }
    return 0;
}

ssize_t tls_recv(struct tls_conn *t, int fd, char *buf, size_t cap, int64_t deadline, char **why)
{
    br_ssl_engine_context *eng = &t->cc.eng;
    unsigned char *src;
    size_t len;
    int r = pump(t, fd, BR_SSL_RECVAPP | BR_SSL_CLOSED, deadline, why);

    if (r != 0) {
        return r > 0 ? 0 : -1;
    }
    src = br_ssl_engine_recvapp_buf(eng, &len);
    if (len > cap) {
        len = cap;
    }
    memcpy(buf, src, len);
    br_ssl_engine_recvapp_ack(eng, len);
    return (ssize_t)len;
}

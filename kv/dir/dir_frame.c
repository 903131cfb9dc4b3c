/* dir_frame.c - a reader proves it read the whole version of a store file.
 *
 * On a network file system a reader can get a file that was replaced by
 * rename cut at the old version's cached length (FUSE reads up to the size
 * it has cached; NFS without close-to-open consistency the same). After an
 * append the cut file is exactly the old one: it parses, and a
 * read-modify-write loses the other node's change. So every file kv_write
 * stores says where it ends, inside the one file the rename replaces:
 *
 *   - JSON (the status files) is written as it is: a JSON value is only
 *     complete when its brackets close, and a cut never closes them (a
 *     text that starts like JSON but is not whole gets the line below);
 *   - anything else gets a first line the store strips again,
 *     "# haven-store: len=<n> ...", a comment to pve's parsers: a cut
 *     always keeps it (it is at the start) and is shorter than it says.
 *
 * A file without that line is taken as written by hand, and so is one
 * whose text is as long as the line says or longer (a cut is always
 * shorter: someone edited the file and kept the line). A read that fails
 * its check is retried after forcing fresh attributes from the server, and
 * is never handed to a parser. */
#include "kv/dir/dir_int.h"
#include "state/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "# haven-store: len="
#define HEADER_FMT MAGIC "%zu (bytes after this line; delete it when shortening the file by hand)\n"
#define TORN_TRIES 8

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
        p++;
    }
    return p;
}

static bool looks_json(const char *data, size_t len)
{
    const char *p = skip_ws(data, data + len);

    return p < data + len && (*p == '{' || *p == '[');
}

/* Brackets balance outside strings and nothing but white space follows the
 * value: the whole value, whatever its syntax errors (the parser's job). */
static bool json_whole(const char *data, size_t len)
{
    const char *p = skip_ws(data, data + len), *end = data + len;
    size_t depth = 0;
    bool in_str = false;

    for (; p < end; p++) {
        if (in_str) {
            if (*p == '\\') {
                p++;
            } else if (*p == '"') {
                in_str = false;
            }
        } else if (*p == '"') {
            in_str = true;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            if (depth == 0) {
                return false;
            }
            if (--depth == 0) {
                return skip_ws(p + 1, end) == end;
            }
        }
    }
    return false;
}

char *dir_frame(const void *data, size_t len, size_t *out_len)
{
    char *head, *out;
    size_t hl;

    /* only a whole JSON value may go without the line: one that is not
     * (a text that merely starts with a bracket) would read as cut forever */
    if (looks_json(data, len) && json_whole(data, len)) {
        out = xmalloc(len + 1);
        memcpy(out, data, len);
        out[len] = '\0';
        *out_len = len;
        return out;
    }
    head = xasprintf(HEADER_FMT, len);
    hl = strlen(head);
    out = xmalloc(hl + len + 1);
    memcpy(out, head, hl);
    memcpy(out + hl, data, len);
    out[hl + len] = '\0';
    free(head);
    *out_len = hl + len;
    return out;
}

/* 0: data[0..*len) is a whole version, the header (if any) stripped in
 * place; -1: cut short (errno DIR_ETORN, or DIR_EJSON for JSON). */
int dir_unframe(char *data, size_t *len)
{
    const size_t ml = sizeof(MAGIC) - 1;
    size_t n = *len, body_len = 0, hl;
    const char *nl;
    char *end;

    if (n < ml && n > 0 && memcmp(data, MAGIC, n) == 0) {
        goto torn; /* a cut inside the header itself */
    }
    if (n < ml || memcmp(data, MAGIC, ml) != 0) {
        if (looks_json(data, n) && !json_whole(data, n)) {
            errno = DIR_EJSON;
            return -1;
        }
        return 0; /* JSON, or a file written by hand */
    }
    nl = memchr(data, '\n', n);
    if (nl == NULL || data[ml] < '0' || data[ml] > '9') {
        goto torn;
    }
    errno = 0;
    body_len = strtoull(data + ml, &end, 10);
    if (errno != 0 || end > nl || (*end != ' ' && *end != '\n')) {
        goto torn;
    }
    hl = (size_t)(nl - data) + 1;
    if (n - hl < body_len) {
        goto torn;
    }
    /* as long as it says, or longer: edited by hand, never a cut */
    memmove(data, data + hl, n - hl);
    data[n - hl] = '\0';
    *len = n - hl;
    return 0;
torn:
    errno = DIR_ETORN;
    return -1;
}

int dir_read_verified(struct kv_faults *f, const char *abs, char **data, size_t *len)
{
    int e;

    for (int i = 0;; i++) {
        int r = dir_read_file(f, abs, data, len);

        if (r != 0) {
            return r;
        }
        if (dir_unframe(*data, len) == 0) {
            return 0;
        }
        e = errno;
        free(*data);
        *data = NULL;
        *len = 0;
        if (i + 1 >= TORN_TRIES) {
            errno = e;
            return -1;
        }
        dir_fresh_attrs(f, abs);
        kv_sleep_ms(10 << (i < 4 ? i : 4)); /* 10, 20, 40, 80, 160 ... ms */
    }
}

/* dir_spool.c - the CRM command spool ha/crm_commands.d (kv/README.md):
 * create-once files, so a command is never lost or torn, even when
 * the manager lock moves while a writer is paused. */
#include "kv/dir/dir_int.h"
#include "state/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SPOOL "ha/crm_commands.d"

int dir_store_spool_put(struct dir_store *s, const char *line, char **err)
{
    struct timespec ts;
    char hex[9], *path, *data;
    int r;

    if (strchr(line, '\n') != NULL || *line == '\0') {
        kv_err(err, "invalid crm command '%s'", line);
        return -1;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    kv_random_hex(hex, 8);
    path = xasprintf(
        SPOOL "/%020llu.%s.%ld.%s",
        (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec, s->node,
        (long)s->pid, hex
    );
    data = xasprintf("%s\n", line);
    r = dir_write(s, path, data, strlen(data), NULL, err); /* a new name each time */
    free(data);
    free(path);
    return r;
}

/* Take one spooled command onto sb (read, then unlink: whoever unlinks it
 * owns it): 0 taken, already gone or dropped as unusable (*dropped then
 * says why), -1 error (*err). */
static int
take_one(struct dir_store *s, const char *name, struct strbuf *sb, char **dropped, char **err)
{
    char *abs = xasprintf("%s/" SPOOL "/%s", s->root, name), *data;
    size_t len;
    int r = dir_read_verified(s->faults, abs, &data, &len), e;

    if (r < 0 && dir_bad_content(errno)) {
        /* a command nobody can parse: drop it, or it blocks the spool */
        char *why =
            xasprintf("dropped crm command file '" SPOOL "/%s' - %s", name, dir_strerror(errno));

        free(*dropped);
        *dropped = why;
        unlink(abs);
        r = 0;
    } else if (r < 0) {
        kv_err(err, "unable to read file '" SPOOL "/%s' - %s", name, dir_strerror(errno));
    } else if (r == 0 && unlink(abs) != 0) {
        e = errno;
        r = e == ENOENT ? 0 : -1; /* ENOENT: another taker owns it */
        if (r < 0) {
            kv_err(err, "unable to delete file '" SPOOL "/%s' - %s", name, strerror(e));
        }
        free(data);
    } else if (r == 0) {
        strbuf_addn(sb, data, len);
        if (len > 0 && data[len - 1] != '\n') {
            strbuf_add(sb, "\n");
        }
        free(data);
    }
    free(abs);
    return r < 0 ? -1 : 0;
}

int dir_store_spool_take(struct dir_store *s, char **text, char **err)
{
    struct strbuf sb = {0};
    char **names, *dropped = NULL;
    size_t n;

    *text = NULL;
    if (dir_guard(s, "ha_manager_lock", "crm commands", err) != 0) {
        return -1;
    }
    if (dir_store_list(s, SPOOL, &names, &n, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (take_one(s, names[i], &sb, &dropped, err) < 0) {
            goto fail;
        }
    }
    kv_free_names(names);
    if (sb.len == 0 && dropped != NULL) {
        kv_err(err, "%s", dropped); /* nothing else to hand over: report it */
        free(dropped);
        return -1;
    }
    free(dropped);
    *text = sb.buf ? strbuf_take(&sb) : xstrdup("");
    return 0;
fail:
    /* commands already unlinked must not be lost: hand them over */
    free(dropped);
    kv_free_names(names);
    if (sb.len > 0) {
        free(*err);
        *err = NULL;
        *text = strbuf_take(&sb);
        return 0;
    }
    strbuf_free(&sb);
    return -1;
}

bool dir_store_spool_pending(struct dir_store *s)
{
    char **names;
    size_t n;
    bool r;

    if (dir_store_list(s, SPOOL, &names, &n, NULL) != 0) {
        return false;
    }
    r = n > 0;
    kv_free_names(names);
    return r;
}

/* local_file.c - bounded reads of small local files (local_file.h). */
#include "applets/local_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/str.h"

static int fail(int fd, char **err, const char *path, const char *why, int e)
{
    *err = xasprintf("%s: %s", path, why);
    if (fd >= 0) {
        close(fd);
    }
    errno = e;
    return -1;
}

int local_file_read(const char *path, size_t max, char **text, size_t *len, char **err)
{
    struct strbuf sb = {0};
    struct stat st;
    char buf[4096];
    const char *why = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), e = EINVAL;

    *text = NULL;
    *len = 0;
    if (fd < 0 || fstat(fd, &st) != 0) {
        e = errno;
        return fail(fd, err, path, strerror(e), e);
    }
    if (!S_ISREG(st.st_mode)) {
        return fail(fd, err, path, "not a regular file", EINVAL);
    }
    while (sb.len <= max) { /* the size may change meanwhile: count what comes */
        ssize_t got = read(fd, buf, sizeof(buf));
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            e = errno;
            why = strerror(e);
            break;
        }
        if (got == 0) {
            break;
        }
        strbuf_addn(&sb, buf, (size_t)got);
    }
    if (why == NULL && sb.len > max) {
        char *msg = xasprintf("larger than %zu bytes", max);
        strbuf_free(&sb);
        fail(fd, err, path, msg, EFBIG);
        free(msg);
        return -1;
    }
    if (why == NULL && memchr(strbuf_str(&sb), '\0', sb.len) != NULL) {
        why = "binary data (NUL byte)";
    }
    if (why != NULL) {
        strbuf_free(&sb);
        return fail(fd, err, path, why, e);
    }
    close(fd);
    *len = sb.len;
    *text = strbuf_take(&sb);
    return 0;
}

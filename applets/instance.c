/* instance.c - the single-instance lock of the daemons (see instance.h). */
#include "applets/instance.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/str.h"

/* The folder of path, created when missing (its parent must exist). */
static int make_parent(const char *path, char **err)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int rc = 0;

    if (slash == NULL || slash == path) {
        return 0;
    }
    dir = xstrndup(path, (size_t)(slash - path));
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        *err = xasprintf("%s: %s", dir, strerror(errno));
        rc = -1;
    }
    free(dir);
    return rc;
}

/* Who holds the lock: F_GETLK names the process (0 if it just went). */
static int holder(int fd)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

    return fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK ? (int)fl.l_pid : 0;
}

int instance_lock(const char *path, const char *what, char **err)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    struct stat st;
    char pid[24];
    int fd, len, other = 0;

    *err = NULL;
    if (make_parent(path, err) < 0) {
        return -1;
    }
    /* No symlink, FIFO or device: only a regular file is ours to lock. */
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (fd < 0) {
        *err = xasprintf("%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        *err = xasprintf("%s: not a regular file", path);
        close(fd);
        return -1;
    }
    /* A holder that ends between the two calls leaves no pid: try again. */
    for (int i = 0; fcntl(fd, F_SETLK, &fl) < 0; i++) {
        int rc = -1;
        if (errno != EACCES && errno != EAGAIN) {
            *err = xasprintf("%s: lock: %s", path, strerror(errno));
        } else if ((other = holder(fd)) > 0 || i == 2) {
            *err = xasprintf("%s is already running (pid %d)", what, other);
            rc = 1;
        }
        if (*err != NULL) {
            close(fd);
            return rc;
        }
    }
    /* The pid is for people; the lock is what counts. fd stays open. */
    len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
    if (ftruncate(fd, 0) == 0) {
        (void)!pwrite(fd, pid, (size_t)len, 0);
    }
    return 0;
}

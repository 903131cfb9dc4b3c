/* instance.h - one instance per daemon and node (ha-crm, ha-lrm) or per
 * socket (ha-watchdog): a lock on a local file, taken before anything else.
 * A second instance would act on the same store and watchdog, and stopping
 * it would put the node's services in restart mode. */
#ifndef HAVEN_INSTANCE_H
#define HAVEN_INSTANCE_H

/* Lock the file at path (created 0644 if missing; its folder too, 0755,
 * one level) for the rest of this process, and write our pid into it. The
 * lock is a POSIX record lock: it is this process's own (forked children such
 * as LRM workers do not hold it) and it goes when the process ends, however
 * it ends. Returns 0; 1 with *err "<what> is already running (pid N)"; or
 * -1 with *err saying why the file could not be locked (one line each). */
int instance_lock(const char *path, const char *what, char **err);

#endif

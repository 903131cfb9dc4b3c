/* local_file.h - reading a small local file (a configuration, a marker, a
 * rules file given on the command line) with bounds. */
#ifndef HAVEN_LOCAL_FILE_H
#define HAVEN_LOCAL_FILE_H

#include <stddef.h>

/* The whole file: a regular file (opened without blocking, so a FIFO or a
 * device is refused at once, never waited on or read without end) of at
 * most max bytes, without a NUL byte. 0 with *text (NUL-terminated, *len
 * bytes; caller frees), or -1 with *err = "PATH: why" (caller frees); errno
 * is kept from the failing call where there was one (ENOENT: absent). */
int local_file_read(const char *path, size_t max, char **text, size_t *len, char **err);

#endif

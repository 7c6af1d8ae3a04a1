/*
 * spool_util.h - making spools and counting what they and their result
 * files hold, for the queue, worker and plugin tests (tests/infer_io,
 * plugins/infer, tools/worker).
 */
#ifndef SCALED_SPOOL_UTIL_H
#define SCALED_SPOOL_UTIL_H

/* A fresh directory /tmp/PREFIX.XXXXXX (mkdtemp), malloc'd; fails the
 * current test when it cannot be made. */
char *spool_new_dir(const char *prefix);
/* Write content into dir/name (a new file, or replacing one). */
void spool_put(const char *dir, const char *name, const char *content);
/* The first 63 bytes of dir/name ("" when it holds none, NULL when it is
 * missing), in a static buffer the next call reuses. */
const char *spool_get(const char *dir, const char *name);

/* Lines in the file (0 when it does not exist yet). */
int spool_count_lines(const char *path);
/* Entries of dir not starting with '.' (the jobs still queued); fails the
 * current test when dir cannot be opened. */
int spool_count_files(const char *dir);

#endif

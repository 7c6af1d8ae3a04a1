/*
 * spool_util.h - counting what a spool and its result file hold, for the
 * worker and plugin tests.
 */
#ifndef SCALED_SPOOL_UTIL_H
#define SCALED_SPOOL_UTIL_H

/* Lines in the file (0 when it does not exist yet). */
int spool_count_lines(const char *path);
/* Entries of dir not starting with '.' (the jobs still queued); fails the
 * current test when dir cannot be opened. */
int spool_count_files(const char *dir);

#endif

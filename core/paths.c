/*
 * paths.c - where the shipped plugins and policies are (see paths.h).
 *
 * "Where this code lies" is the file dladdr() names for one of our own
 * functions: libscaled.so when the engine is a shared library, else the
 * executable it is linked into (then /proc/self/exe, since the loader may
 * only know the executable by the name it was started with).
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "paths.h"

/* The real path of the file holding this code, or "" when unknown. */
static const char *paths_self(char *buf, size_t len)
{
	Dl_info info;
	ssize_t n;

	if (dladdr((void *)paths_self, &info) && info.dli_fname && strchr(info.dli_fname, '/') &&
	    realpath(info.dli_fname, buf))
		return buf;
	n = readlink("/proc/self/exe", buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* Whether path lies under dir (a directory, no trailing '/'). */
static bool paths_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return n > 0 && strncmp(path, dir, n) == 0 && path[n] == '/';
}

bool paths_in_build_tree(void)
{
	char self[PATH_MAX], build[PATH_MAX];

	paths_self(self, sizeof self);
	return *self && realpath(SCALED_BUILD_DIR, build) && paths_under(self, build);
}

/* Strip "/suffix" from the end of dir in place; false when it is not there. */
static bool paths_strip(char *dir, const char *suffix)
{
	size_t n = strlen(dir), m = strlen(suffix);

	if (m == 0 || n <= m + 1 || dir[n - m - 1] != '/' || strcmp(dir + n - m, suffix) != 0)
		return false;
	dir[n - m - 1] = '\0';
	return true;
}

char *paths_relocated(const char *rel)
{
	char self[PATH_MAX];
	char *slash;

	paths_self(self, sizeof self);
	slash = strrchr(self, '/');
	if (!slash || slash == self)
		return NULL;
	*slash = '\0'; /* the directory the file is in */
	if (!paths_strip(self, SCALED_INSTALL_BINDIR) && !paths_strip(self, SCALED_INSTALL_LIBDIR))
		return NULL;
	return alloc_printf("%s/%s", self, rel);
}

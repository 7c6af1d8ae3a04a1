/*
 * paths.h - where the shipped plugins and policies are.
 *
 * Code running from the build tree it was built in (./build/scaled, the
 * tests) uses the build tree's plugins and the source tree's policies, so
 * that it works before `make install`. Installed code never looks into a
 * build tree: it uses the install directories, found first relative to
 * where it lies (so an installation under another prefix, `cmake --install
 * --prefix P` or a package's staging root, finds its own), then as fixed
 * at configure time.
 */
#ifndef SCALED_PATHS_H
#define SCALED_PATHS_H

#include <stdbool.h>

/* Whether this code (libscaled, or the binary it is linked into) lies in
 * the build tree it was built in. */
bool paths_in_build_tree(void);

/* PREFIX/rel, where PREFIX is the install prefix this code lies in (its
 * file is PREFIX/<bindir>/x or PREFIX/<libdir>/x); NULL when it lies in
 * none or out of memory. Free with alloc_free. */
char *paths_relocated(const char *rel);

#endif

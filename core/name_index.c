/*
 * name_index.c - names to pointers (name_index.h).
 */
#include "name_index.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The slot of name, or of the empty one where it would go. */
static size_t name_slot(const char *const *names, size_t cap, const char *name)
{
	size_t i = (size_t)name_hash(name) & (cap - 1);

	while (names[i] && strcmp(names[i], name) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static int name_grow(struct name_index *ix)
{
	size_t cap = ix->cap ? ix->cap * 2 : 64, i, j;
	const char **names = alloc_zero(cap, sizeof *names);
	void **values = alloc_zero(cap, sizeof *values);

	if (!names || !values) {
		alloc_free(names);
		alloc_free(values);
		return -ENOMEM;
	}
	for (i = 0; i < ix->cap; i++)
		if (ix->names[i]) {
			j = name_slot(names, cap, ix->names[i]);
			names[j] = ix->names[i];
			values[j] = ix->values[i];
		}
	alloc_free(ix->names);
	alloc_free(ix->values);
	ix->names = names;
	ix->values = values;
	ix->cap = cap;
	return 0;
}

int name_index_put(struct name_index *ix, const char *name, void *value)
{
	size_t i;

	/* at most 3/4 full, so that a probe ends soon */
	if ((ix->n + 1) * 4 > ix->cap * 3 && name_grow(ix) < 0)
		return -ENOMEM;
	i = name_slot(ix->names, ix->cap, name);
	if (!ix->names[i]) {
		ix->names[i] = name;
		ix->n++;
	}
	ix->values[i] = value;
	return 0;
}

void *name_index_get(const struct name_index *ix, const char *name)
{
	size_t i;

	if (!ix->cap)
		return NULL;
	i = name_slot(ix->names, ix->cap, name);
	return ix->names[i] ? ix->values[i] : NULL;
}

void name_index_free(struct name_index *ix)
{
	alloc_free(ix->names);
	alloc_free(ix->values);
	ix->names = NULL;
	ix->values = NULL;
	ix->cap = ix->n = 0;
}

/*
 * name_index.h - names to pointers, a hash table (open addressing, linear
 * probing, FNV-1a), so that the engine finds a group or an instance by name
 * in constant time whatever the farm's size. The index does not own the
 * names or the pointers: each name must outlive its entry.
 */
#ifndef SCALED_NAME_INDEX_H
#define SCALED_NAME_INDEX_H

#include <stddef.h>

struct name_index {
	const char **names;
	void **values;
	size_t cap; /* 0 or a power of two */
	size_t n;
};

/* Add name -> value (a name already there: its value replaced). 0, or
 * -ENOMEM (the index unchanged). */
int name_index_put(struct name_index *ix, const char *name, void *value);
/* The value of name, or NULL. */
void *name_index_get(const struct name_index *ix, const char *name);
/* Free the table (not the names or values); the index is empty after. */
void name_index_free(struct name_index *ix);

#endif

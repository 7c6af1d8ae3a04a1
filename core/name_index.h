/*
 * name_index.h - names to pointers, a hash table (open addressing, linear
 * probing, FNV-1a), so that the engine finds a group or an instance by name
 * in constant time whatever the farm's size. The index does not own the
 * names or the pointers: each name must outlive its entry.
 *
 * A slot holds the name's pointer and its value side by side (one cache
 * line for both), and the pointer's top 16 bits, which user-space
 * addresses leave at zero, hold 16 bits of the name's hash: a probe
 * compares the string only when they match, so a lookup in a large index
 * reads one name, not every name its probe passes (each a cache miss in a
 * farm of 100 000 groups).
 */
#ifndef SCALED_NAME_INDEX_H
#define SCALED_NAME_INDEX_H

#include <stddef.h>

#include <stdint.h>

struct name_slot {
	uintptr_t key; /* the name's address | hash tag << 48; 0: empty */
	void *value;
};

struct name_index {
	struct name_slot *slots;
	size_t cap; /* 0 or a power of two */
	size_t n;
};

/* Add name -> value (a name already there: its value replaced). 0, or
 * -ENOMEM (the index unchanged). */
int name_index_put(struct name_index *ix, const char *name, void *value);
/* Room for n entries in all, so that adding up to n moves no entry (a
 * caller that knows how many will come). 0, or -ENOMEM (unchanged). */
int name_index_reserve(struct name_index *ix, size_t n);
/* The value of name, or NULL. */
void *name_index_get(const struct name_index *ix, const char *name);
/* Free the table (not the names or values); the index is empty after. */
void name_index_free(struct name_index *ix);

#endif

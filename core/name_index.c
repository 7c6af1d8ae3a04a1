/*
 * name_index.c - names to pointers (name_index.h).
 */
#include "name_index.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"

_Static_assert(sizeof(uintptr_t) == 8, "the hash tag lives in a 64-bit pointer's top bits");

/* A key: a name's address below 2^48 (every user-space address on Linux
 * unless mmap is asked for more) carries bit 63 and 15 bits of the name's
 * hash in bits 48-62; an address above keeps its own bits (user space
 * never has bit 63) and is always checked by its string. */
#define TAG_SHIFT 48
#define ADDR_MASK ((UINTPTR_MAX) >> (64 - TAG_SHIFT))
#define TAGGED ((uintptr_t)1 << 63)

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static uintptr_t name_tag(uint64_t h)
{
	return TAGGED | (uintptr_t)(h >> (TAG_SHIFT + 1)) << TAG_SHIFT;
}

static uintptr_t name_key(const char *name, uint64_t h)
{
	uintptr_t a = (uintptr_t)name;

	return a & ~ADDR_MASK ? a : a | name_tag(h);
}

static const char *key_name(uintptr_t key)
{
	return (const char *)(key & TAGGED ? key & ADDR_MASK : key);
}

/* The slot of name (hash h), or of the empty one where it would go. */
static size_t name_slot(const struct name_slot *slots, size_t cap, const char *name, uint64_t h)
{
	uintptr_t tag = name_tag(h);
	size_t i = (size_t)h & (cap - 1);

	for (; slots[i].key; i = (i + 1) & (cap - 1)) {
		uintptr_t k = slots[i].key;

		if ((!(k & TAGGED) || (k & ~ADDR_MASK) == tag) && strcmp(key_name(k), name) == 0)
			break;
	}
	return i;
}

/* Move every entry to a table of cap slots. The names are read in the
 * old table's order, which is no order in memory: each is a cache miss,
 * so the names a few slots ahead are fetched while this one is placed. */
#define NAME_PREFETCH 8
static int name_rehash(struct name_index *ix, size_t cap)
{
	struct name_slot *slots = alloc_zero(cap, sizeof *slots);
	size_t i, j;

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < ix->cap; i++) {
		const char *name;

		if (i + NAME_PREFETCH < ix->cap && ix->slots[i + NAME_PREFETCH].key)
			__builtin_prefetch(key_name(ix->slots[i + NAME_PREFETCH].key));
		if (!ix->slots[i].key)
			continue;
		name = key_name(ix->slots[i].key);
		/* names are distinct: the first empty slot of the probe */
		for (j = (size_t)name_hash(name) & (cap - 1); slots[j].key; j = (j + 1) & (cap - 1))
			;
		slots[j] = ix->slots[i];
	}
	alloc_free(ix->slots);
	ix->slots = slots;
	ix->cap = cap;
	return 0;
}

/* The capacity that holds n entries at most 3/4 full. */
static size_t name_cap_for(size_t n)
{
	size_t cap = 64;

	while (n * 4 > cap * 3)
		cap *= 2;
	return cap;
}

int name_index_reserve(struct name_index *ix, size_t n)
{
	size_t cap = name_cap_for(n);

	return cap > ix->cap ? name_rehash(ix, cap) : 0;
}

int name_index_put(struct name_index *ix, const char *name, void *value)
{
	uint64_t h = name_hash(name);
	size_t i;

	/* at most 3/4 full, so that a probe ends soon */
	if ((ix->n + 1) * 4 > ix->cap * 3 && name_rehash(ix, ix->cap ? ix->cap * 2 : 64) < 0)
		return -ENOMEM;
	i = name_slot(ix->slots, ix->cap, name, h);
	if (!ix->slots[i].key) {
		ix->slots[i].key = name_key(name, h);
		ix->n++;
	}
	ix->slots[i].value = value;
	return 0;
}

void *name_index_get(const struct name_index *ix, const char *name)
{
	size_t i;

	if (!ix->cap)
		return NULL;
	i = name_slot(ix->slots, ix->cap, name, name_hash(name));
	return ix->slots[i].key ? ix->slots[i].value : NULL;
}

void name_index_free(struct name_index *ix)
{
	alloc_free(ix->slots);
	ix->slots = NULL;
	ix->cap = ix->n = 0;
}

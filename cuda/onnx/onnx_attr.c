/*
 * onnx_attr.c - reading node attributes with type checks.
 *
 * Every converter first refuses attributes it does not know (so a model
 * never runs with semantics we silently ignored), then reads the ones it
 * does with these getters.
 */
#include "onnx_load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const Onnx__AttributeProto *onnx_attr_find(const struct onnx_node *n, const char *name)
{
	size_t i;

	for (i = 0; i < n->np->n_attribute; i++)
		if (n->np->attribute[i]->name && strcmp(n->np->attribute[i]->name, name) == 0)
			return n->np->attribute[i];
	return NULL;
}

int onnx_attr_check(const struct onnx_node *n, const char *const *known, char **errmsg)
{
	size_t i;
	int k;

	for (i = 0; i < n->np->n_attribute; i++) {
		const char *name = n->np->attribute[i]->name ? n->np->attribute[i]->name : "";

		for (k = 0; known[k]; k++)
			if (strcmp(known[k], name) == 0)
				break;
		if (!known[k])
			return onnx_node_errf(n, errmsg, -ENOTSUP, "unsupported attribute '%s'", name);
	}
	return 0;
}

/* Older writers leave `type` unset; then the field that is present tells. */
static int attr_is(const Onnx__AttributeProto *a, Onnx__AttributeProto__AttributeType want,
		   int present)
{
	if (a->has_type)
		return a->type == want;
	return present;
}

static int wrong_type(const struct onnx_node *n, const char *name, const char *what,
		      char **errmsg)
{
	return onnx_node_errf(n, errmsg, -EINVAL, "attribute '%s' must be %s", name, what);
}

int onnx_attr_int(const struct onnx_node *n, const char *name, int64_t def,
		  int64_t *out, char **errmsg)
{
	const Onnx__AttributeProto *a = onnx_attr_find(n, name);

	*out = def;
	if (!a)
		return 0;
	if (!attr_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, a->has_i))
		return wrong_type(n, name, "an int", errmsg);
	*out = a->i;
	return 0;
}

int onnx_attr_float(const struct onnx_node *n, const char *name, float def,
		    float *out, char **errmsg)
{
	const Onnx__AttributeProto *a = onnx_attr_find(n, name);

	*out = def;
	if (!a)
		return 0;
	if (!attr_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT, a->has_f))
		return wrong_type(n, name, "a float", errmsg);
	*out = a->f;
	return 0;
}

int onnx_attr_ints(const struct onnx_node *n, const char *name, int64_t *out,
		   size_t count, int *found, char **errmsg)
{
	const Onnx__AttributeProto *a = onnx_attr_find(n, name);

	*found = 0;
	if (!a)
		return 0;
	if (!attr_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, a->n_ints > 0))
		return wrong_type(n, name, "a list of ints", errmsg);
	if (a->n_ints != count)
		return onnx_node_errf(n, errmsg, -ENOTSUP, "attribute '%s' has %zu values, expected %zu (only 2-D is supported)",
				      name, a->n_ints, count);
	memcpy(out, a->ints, count * sizeof(*out));
	*found = 1;
	return 0;
}

int onnx_attr_string(const struct onnx_node *n, const char *name, const char *def,
		     char *buf, size_t len, char **errmsg)
{
	const Onnx__AttributeProto *a = onnx_attr_find(n, name);
	size_t l;

	if (!a) {
		snprintf(buf, len, "%s", def);
		return 0;
	}
	if (!attr_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING, a->has_s))
		return wrong_type(n, name, "a string", errmsg);
	/* Bytes, not a C string: copy what fits, and refuse what does not
	 * (no valid value of the attributes we read is that long). */
	l = a->s.len;
	if (l >= len || memchr(a->s.data, '\0', l))
		return onnx_node_errf(n, errmsg, -ENOTSUP, "unsupported %s '%.*s'", name,
				      (int)(l < 64 ? l : 64), (const char *)a->s.data);
	memcpy(buf, a->s.data, l);
	buf[l] = '\0';
	return 0;
}

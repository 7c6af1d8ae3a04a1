/*
 * onnx_names.c - what a name is bound to during a load, besides a graph
 * value: a constant (an initializer or a Constant node's value), a Pad's
 * output (onnx_pad.c) or a list of dimensions computed at load
 * (onnx_shape.c). The three tables live on the load context; the
 * converters append to them and look names up here.
 */
#include "onnx_load.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int onnx_names_grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return 0;
	if (!(p = realloc(*arr, c * size)))
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

const Onnx__TensorProto *onnx_names_find_const(const struct onnx_ctx *c, const char *name)
{
	size_t i;

	for (i = c->n_consts; i-- > 0;)
		if (strcmp(c->consts[i].name, name) == 0)
			return c->consts[i].t;
	return NULL;
}

const struct onnx_pad *onnx_names_find_pad(const struct onnx_ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_pads; i++)
		if (strcmp(c->pads[i].name, name) == 0)
			return &c->pads[i];
	return NULL;
}

const struct onnx_dims *onnx_names_find_dims(const struct onnx_ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_dims; i++)
		if (strcmp(c->dims[i].name, name) == 0)
			return &c->dims[i];
	return NULL;
}

int onnx_names_defined(const struct onnx_ctx *c, const char *name)
{
	return onnx_names_find_const(c, name) || graph_find_value(c->g, name) >= 0 ||
	       onnx_names_find_pad(c, name) || onnx_names_find_dims(c, name);
}

int onnx_names_add_const(struct onnx_ctx *c, const char *name, const Onnx__TensorProto *t,
			 char **errmsg)
{
	if (!name || !name[0])
		return graph_errf(errmsg, -EINVAL, "%s: an initializer has no name", c->g->name);
	if (onnx_names_defined(c, name))
		return graph_errf(errmsg, -EINVAL, "%s: '%s' is defined twice", c->g->name, name);
	if (onnx_names_grow((void **)&c->consts, &c->cap_consts, c->n_consts, sizeof(*c->consts)))
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	c->consts[c->n_consts].name = name;
	c->consts[c->n_consts].t = t;
	c->n_consts++;
	return 0;
}

void onnx_names_free(struct onnx_ctx *c)
{
	size_t i;

	free(c->consts);
	c->consts = NULL;
	c->n_consts = c->cap_consts = 0;
	for (i = 0; i < c->n_pads; i++)
		free(c->pads[i].node);
	free(c->pads);
	c->pads = NULL;
	c->n_pads = c->cap_pads = 0;
	free(c->dims);
	c->dims = NULL;
	c->n_dims = c->cap_dims = 0;
}

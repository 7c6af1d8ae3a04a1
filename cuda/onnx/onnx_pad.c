/*
 * onnx_pad.c - Pad, taken into the window of the Conv or pool that reads it.
 *
 * Exporters write explicit zero padding as its own node (Keras'
 * ZeroPadding2D through tf2onnx: Pad then a Conv or MaxPool with 'valid'
 * padding). Running it as a node would copy the whole tensor to add a
 * border the next node can add for free, so the loader does not make a
 * graph node of it: the Pad's output is remembered as "value V with these
 * zeros around it", and the reader adds the zeros to its own pads
 * (onnx_node_padded). Only what that can express is taken: constant mode,
 * the value 0, non-negative pads on H and W. A reader that cannot take
 * them refuses the model naming the Pad (onnx_node_value).
 */
#include "onnx_load.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FLOAT_T ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define INT64_T ONNX__TENSOR_PROTO__DATA_TYPE__INT64

/* The pads as ONNX lists them: all begins, then all ends, one per axis of
 * axes[0..n_axes) (every axis of a 4-D input when the model gives none). */
static int spread(const struct onnx_node *n, const int64_t *pads, size_t count,
		  const int64_t *axes, size_t n_axes, int64_t pad[4], char **errmsg)
{
	int64_t begin[4] = { 0 }, end[4] = { 0 };
	size_t i;

	if (count != 2 * n_axes)
		return onnx_node_errf(n, errmsg, -ENOTSUP, "pads has %zu values; expected %zu (only 4-D NCHW input is supported)",
				      count, 2 * n_axes);
	for (i = 0; i < n_axes; i++) {
		int64_t a = axes ? axes[i] : (int64_t)i;

		if (a < 0)
			a += 4;
		if (a < 0 || a > 3)
			return onnx_node_errf(n, errmsg, -ENOTSUP, "axis %lld is out of range for a 4-D input",
					      (long long)(axes ? axes[i] : (int64_t)i));
		/* Bounded one by one so that the sums below cannot overflow. */
		if (pads[i] < -ONNX_PAD_MAX || pads[i] > ONNX_PAD_MAX ||
		    pads[n_axes + i] < -ONNX_PAD_MAX || pads[n_axes + i] > ONNX_PAD_MAX)
			return onnx_node_errf(n, errmsg, -ENOTSUP, "pads above %d are not supported", ONNX_PAD_MAX);
		begin[a] += pads[i];
		end[a] += pads[n_axes + i];
	}
	for (i = 0; i < 4; i++) {
		if (begin[i] < 0 || end[i] < 0)
			return onnx_node_errf(n, errmsg, -ENOTSUP, "negative pads (cropping) are not supported");
		if (begin[i] > ONNX_PAD_MAX || end[i] > ONNX_PAD_MAX)
			return onnx_node_errf(n, errmsg, -ENOTSUP, "pads above %d are not supported", ONNX_PAD_MAX);
	}
	if (begin[0] || end[0] || begin[1] || end[1])
		return onnx_node_errf(n, errmsg, -ENOTSUP, "only H and W can be padded (this pads N or C)");
	pad[0] = begin[2];
	pad[1] = begin[3];
	pad[2] = end[2];
	pad[3] = end[3];
	return 0;
}

/* Opset 11 on: pads, then the optional constant_value and (18 on) axes, as
 * constant inputs. */
static int pads_from_inputs(const struct onnx_node *n, int64_t pad[4], float *value,
			    char **errmsg)
{
	struct onnx_tensor p = { 0 }, v = { 0 }, a = { 0 };
	int err;

	if (!onnx_node_has_input(n, 1))
		return onnx_node_errf(n, errmsg, -EINVAL, "the pads input is missing");
	if ((err = onnx_node_const(n, 1, INT64_T, &p, errmsg)))
		goto out;
	if (onnx_node_has_input(n, 2)) {
		if ((err = onnx_node_const(n, 2, FLOAT_T, &v, errmsg)))
			goto out;
		if (v.count != 1) {
			err = onnx_node_errf(n, errmsg, -EINVAL, "constant_value '%s' must hold one value, it holds %lld",
					     v.name, (long long)v.count);
			goto out;
		}
		*value = v.f[0];
	}
	if (onnx_node_has_input(n, 3)) {
		if ((err = onnx_node_const(n, 3, INT64_T, &a, errmsg)))
			goto out;
		err = spread(n, p.i, (size_t)p.count, a.i, (size_t)a.count, pad, errmsg);
	} else {
		err = spread(n, p.i, (size_t)p.count, NULL, 4, pad, errmsg);
	}
out:
	onnx_tensor_release(&p);
	onnx_tensor_release(&v);
	onnx_tensor_release(&a);
	return err;
}

int onnx_pad(struct onnx_node *n, char **errmsg)
{
	static const char *const legacy[] = { "mode", "pads", "value", NULL };
	static const char *const known[] = { "mode", NULL };
	struct onnx_ctx *c = n->ctx;
	int64_t pad[4], inner[4], attr[8];
	const char *from, *out;
	struct onnx_pad *p;
	float value = 0.0f;
	char mode[16];
	int err, found, x, i;

	if ((err = onnx_attr_check(n, c->opset < 11 ? legacy : known, errmsg)) ||
	    (err = onnx_attr_string(n, "mode", "constant", mode, sizeof(mode), errmsg)))
		return err;
	if (strcmp(mode, "constant") != 0)
		return onnx_node_errf(n, errmsg, -ENOTSUP, "mode '%s' is not supported (only constant zeros)", mode);
	if (c->opset < 11) {
		if ((err = onnx_attr_float(n, "value", 0.0f, &value, errmsg)) ||
		    (err = onnx_attr_ints(n, "pads", attr, 8, &found, errmsg)))
			return err;
		if (!found)
			return onnx_node_errf(n, errmsg, -EINVAL, "attribute 'pads' is required");
		err = spread(n, attr, 8, NULL, 4, pad, errmsg);
	} else {
		err = pads_from_inputs(n, pad, &value, errmsg);
	}
	if (err)
		return err;
	if (value != 0.0f)
		return onnx_node_errf(n, errmsg, -ENOTSUP, "padding with %g is not supported (only zeros)", (double)value);
	/* A Pad of a Pad: one border, the sum of both. */
	if ((err = onnx_node_padded(n, 0, &x, inner, &from, errmsg)) ||
	    (err = onnx_node_new_output(n, &out, errmsg)))
		return err;
	if (onnx_names_grow((void **)&c->pads, &c->cap_pads, c->n_pads, sizeof(*c->pads)))
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	p = &c->pads[c->n_pads];
	p->node = strdup(n->name);
	if (!p->node)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	p->name = out;
	p->value = x;
	for (i = 0; i < 4; i++) {
		p->pad[i] = pad[i] + inner[i];	/* each at most ONNX_PAD_MAX */
		if (p->pad[i] > ONNX_PAD_MAX) {
			free(p->node);
			return onnx_node_errf(n, errmsg, -ENOTSUP, "pads above %d in all are not supported", ONNX_PAD_MAX);
		}
	}
	c->n_pads++;
	return 0;
}

/*
 * onnx_node.c - the ONNX node being converted, as every converter sees
 * it: its messages (each names the node and its operator), its inputs
 * (a computed value, a Pad's output, a constant) and its one output,
 * appended to the graph.
 */
#include "errfmt.h"
#include "onnx_load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int onnx_node_errf(const struct onnx_node *n, char **errmsg, int err, const char *fmt, ...)
{
	char *reason;
	va_list ap;

	if (!errmsg)
		return err;
	va_start(ap, fmt);
	reason = errfmt_v(fmt, ap);
	va_end(ap);
	graph_errf(errmsg, err, "node '%s' (%s): %s", n->name, n->op,
		   reason ? reason : "out of memory");
	free(reason);
	return err;
}

int onnx_node_has_input(const struct onnx_node *n, size_t idx)
{
	return idx < n->np->n_input && n->np->input[idx] && n->np->input[idx][0];
}

static int undefined(const struct onnx_node *n, const char *name, char **errmsg)
{
	return onnx_node_errf(n, errmsg, -EINVAL, "input '%s' is not produced by any node or initializer",
			      name);
}

int onnx_node_padded(const struct onnx_node *n, size_t idx, int *value, int64_t pad[4],
		     const char **from, char **errmsg)
{
	const struct onnx_pad *p;
	const char *name;

	memset(pad, 0, 4 * sizeof(pad[0]));
	*from = NULL;
	if (!onnx_node_has_input(n, idx))
		return onnx_node_errf(n, errmsg, -EINVAL, "input %zu is missing", idx);
	name = n->np->input[idx];
	*value = graph_find_value(n->ctx->g, name);
	if (*value >= 0)
		return 0;
	if ((p = onnx_names_find_pad(n->ctx, name))) {
		*value = p->value;
		memcpy(pad, p->pad, 4 * sizeof(pad[0]));
		/* No zeros at all: any reader can take it. */
		if (pad[0] || pad[1] || pad[2] || pad[3])
			*from = p->node;
		return 0;
	}
	if (onnx_names_find_const(n->ctx, name))
		return onnx_node_errf(n, errmsg, -ENOTSUP, "input '%s' is a constant; this operator needs a computed input there",
				      name);
	if (onnx_names_find_dims(n->ctx, name))
		return onnx_node_errf(n, errmsg, -ENOTSUP, "input '%s' is a list of dimensions computed at load (from a Shape); this operator needs a tensor there",
				      name);
	return undefined(n, name, errmsg);
}

int onnx_node_value(const struct onnx_node *n, size_t idx, int *value, char **errmsg)
{
	const char *from;
	int64_t pad[4];
	int err;

	if ((err = onnx_node_padded(n, idx, value, pad, &from, errmsg)))
		return err;
	if (from)
		return onnx_node_errf(n, errmsg, -ENOTSUP, "input '%s' comes from Pad node '%s'; a Pad is supported only in front of a Conv, an AveragePool or a MaxPool (after a Relu)",
				      n->np->input[idx], from);
	return 0;
}

int onnx_node_const(const struct onnx_node *n, size_t idx, int want,
		    struct onnx_tensor *t, char **errmsg)
{
	const Onnx__TensorProto *tp;
	char prefix[300];
	const char *name;

	if (!onnx_node_has_input(n, idx))
		return onnx_node_errf(n, errmsg, -EINVAL, "input %zu is missing", idx);
	name = n->np->input[idx];
	tp = onnx_names_find_const(n->ctx, name);
	if (!tp) {
		if (graph_find_value(n->ctx->g, name) >= 0 || onnx_names_find_pad(n->ctx, name) ||
		    onnx_names_find_dims(n->ctx, name))
			return onnx_node_errf(n, errmsg, -ENOTSUP, "input '%s' must be an initializer (values computed at run time are not supported there)",
					      name);
		return undefined(n, name, errmsg);
	}
	snprintf(prefix, sizeof(prefix), "node '%s' (%s): ", n->name, n->op);
	return onnx_tensor_decode(tp, want, prefix, t, errmsg);
}

int onnx_node_one_output(const struct onnx_node *n, char **errmsg)
{
	size_t i;

	if (n->np->n_output < 1 || !n->np->output[0] || !n->np->output[0][0])
		return onnx_node_errf(n, errmsg, -EINVAL, "has no output");
	for (i = 1; i < n->np->n_output; i++)
		if (n->np->output[i] && n->np->output[i][0])
			return onnx_node_errf(n, errmsg, -ENOTSUP, "output %zu ('%s') is not supported",
					      i, n->np->output[i]);
	return 0;
}

int onnx_node_new_output(const struct onnx_node *n, const char **out, char **errmsg)
{
	int err;

	if ((err = onnx_node_one_output(n, errmsg)))
		return err;
	*out = n->np->output[0];
	if (onnx_names_defined(n->ctx, *out))
		return onnx_node_errf(n, errmsg, -EINVAL, "output '%s' is defined twice", *out);
	return 0;
}

int onnx_node_emit(const struct onnx_node *n, enum graph_op op, int n_in, int *node,
		   char **errmsg)
{
	struct graph *g = n->ctx->g;
	const char *out;
	int err, ni, v;

	if ((err = onnx_node_new_output(n, &out, errmsg)))
		return err;
	ni = graph_add_node(g, op, n->name, n->op, n_in);
	if (ni < 0)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	v = graph_add_value(g, out);
	if (v < 0)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	g->nodes[ni].out = v;
	g->values[v].producer = ni;
	*node = ni;
	return 0;
}

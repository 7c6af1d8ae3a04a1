/*
 * onnx.h - the ONNX loader: a serialized ModelProto in, the internal graph
 * out (shapes inferred, BatchNorm and activations fused).
 */
#ifndef SCALED_ONNX_H
#define SCALED_ONNX_H

#include <stddef.h>

#include "graph.h"

/* Opsets of the default domain the loader accepts. */
#define ONNX_MIN_OPSET 7
#define ONNX_MAX_OPSET 21

/* name is used in messages. On success the caller owns *out (graph_free). */
int onnx_load_graph(const void *data, size_t len, const char *name,
		    struct graph **out, char **errmsg);

#endif

/*
 * onnx_tensor.c - decoding constant tensors (initializers, Constant values).
 *
 * Only what CNN classifiers need: float32 weights and int64 shapes, stored
 * in raw_data (little-endian, as ONNX specifies) or in the typed repeated
 * fields. Everything is checked against the declared dims before use, so a
 * tensor that claims more data than it holds is refused, not read past.
 */
#include "onnx_load.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "raw_data is little-endian: this loader is written for little-endian hosts"
#endif

/* More elements than this in one constant is a corrupt file, not a CNN. */
#define ONNX_MAX_CONST_ELEMS ((int64_t)1 << 31)

static const char *type_name(int t)
{
	switch (t) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: return "FLOAT";
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: return "UINT8";
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: return "INT8";
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: return "INT32";
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: return "INT64";
	case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: return "BOOL";
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16: return "FLOAT16";
	case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: return "DOUBLE";
	case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16: return "BFLOAT16";
	default: return "another type";
	}
}

int onnx_tensor_decode(const Onnx__TensorProto *t, int want, const char *prefix,
		       struct onnx_tensor *out, char **errmsg)
{
	const char *name = t->name ? t->name : "";
	int type = t->has_data_type ? t->data_type : 0;
	size_t elem = want == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ? sizeof(float) : sizeof(int64_t);
	int64_t count = 1;
	size_t have;
	void *data;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->name = name;
	if (type != want)
		return graph_errf(errmsg, -ENOTSUP, "%sinitializer '%s': data type %s (%d) is not supported here (expected %s)",
				  prefix, name, type_name(type), type, type_name(want));
	if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
		return graph_errf(errmsg, -ENOTSUP, "%sinitializer '%s': external data files are not supported",
				  prefix, name);
	if (t->segment)
		return graph_errf(errmsg, -ENOTSUP, "%sinitializer '%s': segmented tensors are not supported",
				  prefix, name);
	if (t->n_dims > GRAPH_MAX_RANK)
		return graph_errf(errmsg, -ENOTSUP, "%sinitializer '%s': rank %zu is not supported",
				  prefix, name, t->n_dims);
	for (i = 0; i < t->n_dims; i++) {
		/* Each dimension bounded too: a zero elsewhere would let a
		 * huge one through with no data, to be multiplied later. */
		if (t->dims[i] < 0 || t->dims[i] > ONNX_MAX_CONST_ELEMS ||
		    (t->dims[i] && count > ONNX_MAX_CONST_ELEMS / t->dims[i]))
			return graph_errf(errmsg, -EINVAL, "%sinitializer '%s': invalid dimension %lld",
					  prefix, name, (long long)t->dims[i]);
		count *= t->dims[i];
		out->dims[i] = t->dims[i];
	}
	out->rank = (int)t->n_dims;
	out->count = count;

	if (t->has_raw_data) {
		have = t->raw_data.len / elem;
		if (t->raw_data.len % elem || have != (size_t)count)
			return graph_errf(errmsg, -EINVAL, "%sinitializer '%s': raw_data holds %zu bytes, its shape needs %lld",
					  prefix, name, t->raw_data.len, (long long)count * (long long)elem);
	} else {
		have = want == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ? t->n_float_data : t->n_int64_data;
		if (have != (size_t)count)
			return graph_errf(errmsg, -EINVAL, "%sinitializer '%s': holds %zu values, its shape needs %lld",
					  prefix, name, have, (long long)count);
	}

	data = malloc(count ? (size_t)count * elem : 1);
	if (!data)
		return graph_errf(errmsg, -ENOMEM, "%sinitializer '%s': out of memory", prefix, name);
	/* A zero dimension leaves nothing to copy, and protobuf-c then leaves
	 * the source NULL, which memcpy must not get even for 0 bytes. */
	if (count == 0)
		;
	else if (t->has_raw_data)
		memcpy(data, t->raw_data.data, (size_t)count * elem);
	else if (want == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
		memcpy(data, t->float_data, (size_t)count * elem);
	else
		memcpy(data, t->int64_data, (size_t)count * elem);
	if (want == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
		out->f = data;
	else
		out->i = data;
	return 0;
}

void onnx_tensor_release(struct onnx_tensor *t)
{
	free(t->f);
	free(t->i);
	t->f = NULL;
	t->i = NULL;
}

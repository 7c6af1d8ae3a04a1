/*
 * cuda_plan_node.c - each graph node as steps (cu_plan_node), with the
 * constants they need uploaded and their descriptors where the plan makes
 * them (pooling; convolutions in cuda_conv.c).
 *
 * Layouts are decided here, node by node: convolutions and pools read
 * and write NHWC; Flatten/Reshape/Softmax/Concat see the plain order
 * unless the value's bytes are the same either way. A conversion is a
 * COPY step into a new tensor, made once per value and layout
 * (cuda_plan_view.c).
 */
#include "cuda_errors.h"
#include "cuda_plan.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct cu_clamp clamp_of(int has, float lo, float hi)
{
	struct cu_clamp c = { CU_CLAMP_NONE, lo, hi };

	if (!has || (lo == -INFINITY && hi == INFINITY))
		return c;
	if (lo == 0.0f && hi == INFINITY)
		c.kind = CU_CLAMP_RELU;
	else if (lo == 0.0f && hi > 0.0f)
		c.kind = CU_CLAMP_RELU_MAX;
	else
		c.kind = CU_CLAMP_MINMAX;
	return c;
}

static int plan_conv(struct cu_session *s, int ni, int add_ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	const struct graph_conv *c = &n->conv;
	int64_t pad[4];
	int x, z = CU_NONE, out = n->out, i;
	struct cu_clamp clamp = clamp_of(c->has_act, c->act_min, c->act_max);
	struct cu_step *st;

	memcpy(pad, c->win.pad, sizeof(pad));
	if ((x = cu_plan_view_need_layout(s, n->in[0], CU_NHWC, ni)) < 0)
		return cu_plan_nomem(errmsg);
	if (pad[0] != pad[2] || pad[1] != pad[3]) {
		if ((x = cu_plan_view_pad_tensor(s, x, pad, 0.0f, ni)) < 0)
			return cu_plan_nomem(errmsg);
		memset(pad, 0, sizeof(pad));
	}
	if (add_ni >= 0) {
		const struct graph_node *a = &s->g->nodes[add_ni];
		int other = a->in[0] == n->out ? a->in[1] : a->in[0];

		if ((z = cu_plan_view_need_layout(s, other, CU_NHWC, ni)) < 0)
			return cu_plan_nomem(errmsg);
		out = a->out;
		clamp = clamp_of(a->add.has_act, a->add.act_min, a->add.act_max);
	}
	s->t[out].layout = CU_NHWC;
	if ((i = cu_plan_view_new_step(s, CU_STEP_CONV, ni, NULL)) < 0)
		return cu_plan_nomem(errmsg);
	st = &s->steps[i];
	st->x = cu_plan_view_4d(s, x);
	st->y = cu_plan_view_4d(s, out);
	if (z != CU_NONE)
		st->z = cu_plan_view_4d(s, z);
	st->clamp = clamp;
	st->conv.k = (int)c->out_ch;
	st->conv.c = (int)c->in_ch_per_group;
	st->conv.kh = (int)c->win.kernel[0];
	st->conv.kw = (int)c->win.kernel[1];
	st->conv.group = (int)c->group;
	st->conv.pad[0] = (int)pad[0];
	st->conv.pad[1] = (int)pad[1];
	st->conv.stride[0] = (int)c->win.stride[0];
	st->conv.stride[1] = (int)c->win.stride[1];
	st->conv.dil[0] = (int)c->win.dilation[0];
	st->conv.dil[1] = (int)c->win.dilation[1];
	return cu_conv_setup(s, st, n, errmsg);
}

/* Gemm as a 1x1 convolution of [N, K, 1, 1] (the same bytes as [N, K])
 * by M filters of K: cuDNN picks tensor-core kernels for it as for any
 * convolution, and bias + activation fuse the same way. */
static int plan_gemm(struct cu_session *s, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	int i;
	struct cu_step *st;

	if ((i = cu_plan_view_new_step(s, CU_STEP_CONV, ni, NULL)) < 0)
		return cu_plan_nomem(errmsg);
	st = &s->steps[i];
	st->x = cu_plan_view_flat(s, n->in[0]);
	st->y = cu_plan_view_flat(s, n->out);
	st->clamp = clamp_of(n->gemm.has_act, n->gemm.act_min, n->gemm.act_max);
	st->conv.k = (int)n->gemm.m;
	st->conv.c = (int)n->gemm.k;
	st->conv.kh = st->conv.kw = st->conv.group = 1;
	st->conv.stride[0] = st->conv.stride[1] = 1;
	st->conv.dil[0] = st->conv.dil[1] = 1;
	return cu_conv_setup(s, st, n, errmsg);
}

static int64_t taps(int64_t start, int64_t kernel, int64_t size)
{
	int64_t lo = start < 0 ? -start : 0, hi = size - start < kernel ? size - start : kernel;

	return hi > lo ? hi - lo : 0;
}

static int plan_pool(struct cu_session *s, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	const struct graph_window *win = &n->pool.win;
	const struct cu_tensor *in = &s->t[n->in[0]];
	cudnnPoolingMode_t mode = CUDNN_POOLING_MAX;
	int64_t pad[4] = { 0, 0, 0, 0 }, kh, kw, sh = 1, sw = 1, h = in->dims[2], w = in->dims[3];
	int x, i, scale = 0;
	struct cu_step *st;

	if (n->op == GRAPH_GLOBALAVGPOOL) {
		mode = CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING;
		kh = h;
		kw = w;
	} else {
		if (win->dilation[0] != 1 || win->dilation[1] != 1)
			return graph_errf(errmsg, -ENOTSUP, "node '%s' (%s): dilations %lldx%lld: cuDNN pooling has no dilation; run this model on the CPU backend",
					  n->name, n->op == GRAPH_MAXPOOL ? "MaxPool" : "AveragePool",
					  (long long)win->dilation[0],
					  (long long)win->dilation[1]);
		if (n->op == GRAPH_AVGPOOL)
			mode = n->pool.count_include_pad ? CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING :
				CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
		kh = win->kernel[0];
		kw = win->kernel[1];
		sh = win->stride[0];
		sw = win->stride[1];
		memcpy(pad, win->pad, sizeof(pad));
	}
	if ((x = cu_plan_view_need_layout(s, n->in[0], CU_NHWC, ni)) < 0)
		return cu_plan_nomem(errmsg);
	/* Asymmetric pads: pad explicitly (-inf for max, zeros for average,
	 * which then counts every tap); excluding the padding is then a
	 * per-pixel factor, kernel area / taps inside the input. */
	if (pad[0] != pad[2] || pad[1] != pad[3]) {
		int64_t save[4];

		memcpy(save, pad, sizeof(save));
		if ((x = cu_plan_view_pad_tensor(s, x, pad,
						   mode == CUDNN_POOLING_MAX ? -INFINITY : 0.0f,
						   ni)) < 0)
			return cu_plan_nomem(errmsg);
		scale = mode == CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
		if (mode != CUDNN_POOLING_MAX)
			mode = CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING;
		memset(pad, 0, sizeof(pad));
		if (scale) {
			const struct cu_tensor *o = &s->t[n->out];
			int64_t ho = o->dims[2], wo = o->dims[3], oy, ox;
			float *f = malloc((size_t)(ho * wo) * sizeof(float));
			void *dev;
			int err;

			if (!f)
				return cu_plan_nomem(errmsg);
			for (oy = 0; oy < ho; oy++) {
				for (ox = 0; ox < wo; ox++) {
					int64_t cnt = taps(oy * sh - save[0], kh, h) *
						      taps(ox * sw - save[1], kw, w);

					f[oy * wo + ox] = cnt ? (float)(kh * kw) / (float)cnt : 0.0f;
				}
			}
			err = cu_upload_typed(s, f, ho * wo, &dev, n->name, errmsg);
			free(f);
			if (err)
				return err;
			if ((i = cu_plan_view_new_step(s, CU_STEP_POOL, ni, NULL)) < 0)
				return cu_plan_nomem(errmsg);
			s->steps[i].cst = dev;
			s->steps[i].k.d[0] = 1;
			s->steps[i].k.d[1] = (int)ho;
			s->steps[i].k.d[2] = (int)wo;
			s->steps[i].k.st[0] = s->steps[i].k.st[1] = ho * wo;
			s->steps[i].k.st[2] = wo;
			s->steps[i].k.st[3] = 1;
			goto have_step;
		}
	}
	if ((i = cu_plan_view_new_step(s, CU_STEP_POOL, ni, NULL)) < 0)
		return cu_plan_nomem(errmsg);
have_step:
	s->t[n->out].layout = CU_NHWC;
	st = &s->steps[i];
	st->x = cu_plan_view_4d(s, x);
	st->y = cu_plan_view_4d(s, n->out);
	if (cudnnCreatePoolingDescriptor(&st->pd) != CUDNN_STATUS_SUCCESS) {
		st->pd = NULL;
		return cu_plan_nomem(errmsg);
	}
	CU_DNN(s, errmsg, n->name, cudnnSetPooling2dDescriptor, st->pd, mode,
	       CUDNN_NOT_PROPAGATE_NAN, (int)kh, (int)kw, (int)pad[0], (int)pad[1], (int)sh,
	       (int)sw);
	return 0;
}

/* Per-channel scale and shift: cudnnBatchNormalizationForwardInference
 * with mean 0 and var + eps = 1. NHWC data is seen as rows of C (one
 * row a pixel), plain data as [N, C, rest]: both are packed NCHW
 * descriptors, which cuDNN's batch norm handles best. */
static int plan_bn(struct cu_session *s, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	const struct cu_tensor *in = &s->t[n->in[0]];
	int64_t ch = n->bn.ch, inner = in->item / ch, c;
	int i, err;
	float *p;
	void *dev;
	struct cu_step *st;

	if ((i = cu_plan_view_new_step(s, CU_STEP_BN, ni, NULL)) < 0)
		return cu_plan_nomem(errmsg);
	st = &s->steps[i];
	st->x = cu_plan_view_flat(s, n->in[0]);
	if (in->layout == CU_NHWC && !cu_plan_view_same_bytes(s, n->in[0])) {
		st->x.nmul = (int)inner;
		st->x.d[0] = (int)ch;
		st->x.st[0] = ch;
	} else {
		st->x.d[0] = (int)ch;
		st->x.d[1] = (int)inner;
		st->x.st[1] = inner;
	}
	s->t[n->out].layout = in->layout;
	st->y = st->x;
	st->y.t = n->out;
	st->bn_ch = (int)ch;
	p = malloc((size_t)(4 * ch) * sizeof(float));
	if (!p)
		return cu_plan_nomem(errmsg);
	for (c = 0; c < ch; c++) {
		p[c] = n->bn.scale[c];
		p[ch + c] = n->bn.shift[c];
		p[2 * ch + c] = 0.0f;
		p[3 * ch + c] = 1.0f - 1e-5f;	/* with epsilon 1e-5 below */
	}
	/* Batch norm parameters are float for half data too. */
	err = cu_upload(s, p, (size_t)(4 * ch) * sizeof(float), &dev, n->name, errmsg);
	free(p);
	s->steps[i].cst = dev;
	return err;
}

static int plan_clip(struct cu_session *s, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	struct cu_clamp c = clamp_of(1, n->clip.min, n->clip.max);
	int i;

	if ((i = cu_plan_view_new_step(s, c.kind == CU_CLAMP_NONE ? CU_STEP_COPY : CU_STEP_ACT, ni,
					 NULL)) < 0)
		return cu_plan_nomem(errmsg);
	s->t[n->out].layout = s->t[n->in[0]].layout;
	s->steps[i].x = cu_plan_view_flat(s, n->in[0]);
	s->steps[i].y = cu_plan_view_flat(s, n->out);
	s->steps[i].clamp = c;
	return 0;
}

static int plan_add(struct cu_session *s, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	enum cu_layout l = cu_plan_view_same_bytes(s, n->in[0]) ? CU_PLAIN : s->t[n->in[0]].layout;
	int b, i;

	if ((b = cu_plan_view_need_layout(s, n->in[1], l, ni)) < 0)
		return cu_plan_nomem(errmsg);
	if ((i = cu_plan_view_new_step(s, CU_STEP_ADD, ni, NULL)) < 0)
		return cu_plan_nomem(errmsg);
	s->t[n->out].layout = l;
	s->steps[i].x = cu_plan_view_flat(s, n->in[0]);
	s->steps[i].z = cu_plan_view_flat(s, b);
	s->steps[i].y = cu_plan_view_flat(s, n->out);
	s->steps[i].clamp = clamp_of(n->add.has_act, n->add.act_min, n->add.act_max);
	return 0;
}

/*
 * value + broadcast constant with cudnnOpTensor, which broadcasts B along
 * every axis where B's size is 1. Plain values are seen per item as
 * [outer, mid, inner] (the constant varies along mid); NHWC ones keep
 * their logical N, C, H, W with NHWC strides, the constant its own
 * [1, C|1, H|1, W|1] packed in that order, which is how its values lie.
 */
static int plan_add_const(struct cu_session *s, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	const struct graph_add_const *a = &n->addc;
	int in = n->in[0], i, err, j;
	struct cu_step *st;
	void *dev;

	if ((i = cu_plan_view_new_step(s, CU_STEP_ADD_CONST, ni, NULL)) < 0)
		return cu_plan_nomem(errmsg);
	st = &s->steps[i];
	s->t[n->out].layout = s->t[in].layout;
	if (!cu_plan_view_same_bytes(s, in) && s->t[in].layout == CU_NHWC) {
		int64_t cd[4];
		int off = 4 - a->rank;

		st->x = cu_plan_view_4d(s, in);
		for (j = 1; j < 4; j++)
			cd[j] = j < off ? 1 : a->dims[j - off];
		st->k.d[0] = (int)cd[1];
		st->k.d[1] = (int)cd[2];
		st->k.d[2] = (int)cd[3];
		cu_plan_view_strides_4d(CU_PLAIN, cd[1], cd[2], cd[3], st->k.st);
	} else {
		st->x = cu_plan_view_flat(s, in);
		st->x.d[0] = (int)a->outer;
		st->x.d[1] = (int)a->mid;
		st->x.d[2] = (int)a->inner;
		cu_plan_view_strides_4d(CU_PLAIN, a->outer, a->mid, a->inner, st->x.st);
		st->k.d[0] = 1;
		st->k.d[1] = a->count == 1 ? 1 : (int)a->mid;
		st->k.d[2] = 1;
		cu_plan_view_strides_4d(CU_PLAIN, 1, st->k.d[1], 1, st->k.st);
	}
	st->y = st->x;
	st->y.t = n->out;
	st->clamp = clamp_of(a->has_act, a->act_min, a->act_max);
	err = cu_upload_typed(s, a->c, a->count, &dev, n->name, errmsg);
	s->steps[i].cst = dev;
	return err;
}

/* Same bytes: the output is the input's buffer. Otherwise (an NHWC value
 * with pixels and channels) a COPY puts it in plain order first. */
static int plan_reshape(struct cu_session *s, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	int in = n->in[0], out = n->out, i;

	if (n->reshape.kind == GRAPH_RESHAPE_SAME || cu_plan_view_readable_as(s, in, CU_PLAIN)) {
		s->t[out].root = s->t[in].root;
		s->t[out].layout = n->reshape.kind == GRAPH_RESHAPE_SAME ? s->t[in].layout : CU_PLAIN;
		return 0;
	}
	if ((i = cu_plan_view_new_step(s, CU_STEP_COPY, ni, "to plain order")) < 0)
		return cu_plan_nomem(errmsg);
	s->t[out].layout = CU_PLAIN;
	s->steps[i].x = cu_plan_view_4d(s, in);
	s->steps[i].y = s->steps[i].x;
	s->steps[i].y.t = out;
	cu_plan_view_strides_4d(CU_PLAIN, s->t[in].dims[1], s->t[in].dims[2], s->t[in].dims[3],
		   s->steps[i].y.st);
	return 0;
}

/* cudnnSoftmaxForward's CHANNEL mode: softmax over C at each (n, h, w).
 * Plain data [outer, len, inner] per item is seen as outer * items rows
 * of [len, inner, 1]; NHWC data with the axis on C as pixels rows of C. */
static int plan_softmax(struct cu_session *s, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	const struct graph_softmax *sm = &n->softmax;
	int x = n->in[0], i;
	struct cu_view v;

	if (!cu_plan_view_same_bytes(s, x) && s->t[x].layout == CU_NHWC && !sm->legacy &&
	    sm->axis == 1) {
		v = cu_plan_view_flat(s, x);
		v.nmul = (int)(s->t[x].dims[2] * s->t[x].dims[3]);
		v.d[0] = (int)s->t[x].dims[1];
		v.st[0] = s->t[x].dims[1];
		s->t[n->out].layout = CU_NHWC;
	} else {
		if ((x = cu_plan_view_need_layout(s, x, CU_PLAIN, ni)) < 0)
			return cu_plan_nomem(errmsg);
		v = cu_plan_view_flat(s, x);
		v.nmul = (int)sm->outer;
		v.d[0] = (int)sm->len;
		v.d[1] = (int)sm->inner;
		v.st[0] = sm->len * sm->inner;
		v.st[1] = sm->inner;
		s->t[n->out].layout = CU_PLAIN;
	}
	if ((i = cu_plan_view_new_step(s, CU_STEP_SOFTMAX, ni, NULL)) < 0)
		return cu_plan_nomem(errmsg);
	s->steps[i].x = v;
	s->steps[i].y = v;
	s->steps[i].y.t = n->out;
	return 0;
}

/* Each input is copied into its slice of the output: per item the
 * output is [outer, total, inner] along the concat axis (in the
 * physical order of the layout chosen), the input [outer, len, inner]. */
static int plan_concat(struct cu_session *s, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	int rank = s->t[n->out].rank, axis = (int)n->concat.axis, k, j, p, some = 0, all = 1;
	enum cu_layout l = CU_PLAIN;
	int64_t off = 0;

	for (k = 0; k < n->n_in; k++) {
		all &= cu_plan_view_readable_as(s, n->in[k], CU_NHWC);
		some |= !cu_plan_view_same_bytes(s, n->in[k]) && s->t[n->in[k]].layout == CU_NHWC;
	}
	if (rank == 4 && all && some)
		l = CU_NHWC;
	s->t[n->out].layout = l;
	/* Physical axis of the concat: NHWC keeps H, W, C in that order. */
	p = l == CU_NHWC ? (axis == 1 ? 3 : axis - 1) : axis;
	for (k = 0; k < n->n_in; k++) {
		int x = cu_plan_view_need_layout(s, n->in[k], l, ni), i;
		int64_t phys[GRAPH_MAX_RANK], outer = 1, inner = 1, len, total;
		struct cu_step *st;

		if (x < 0 || (i = cu_plan_view_new_step(s, CU_STEP_COPY, ni, "concat")) < 0)
			return cu_plan_nomem(errmsg);
		for (j = 1; j < rank; j++)
			phys[j] = s->t[x].dims[j];
		if (l == CU_NHWC) {
			phys[1] = s->t[x].dims[2];
			phys[2] = s->t[x].dims[3];
			phys[3] = s->t[x].dims[1];
		}
		for (j = 1; j < p; j++)
			outer *= phys[j];
		for (j = p + 1; j < rank; j++)
			inner *= phys[j];
		len = phys[p];
		total = s->t[n->out].item / (outer * inner);
		st = &s->steps[i];
		st->x = cu_plan_view_flat(s, x);
		st->x.d[0] = (int)outer;
		st->x.d[1] = (int)len;
		st->x.d[2] = (int)inner;
		st->x.st[1] = len * inner;
		st->x.st[2] = inner;
		st->y = cu_plan_view_flat(s, n->out);
		st->y.d[0] = (int)outer;
		st->y.d[1] = (int)len;
		st->y.d[2] = (int)inner;
		st->y.st[1] = total * inner;
		st->y.st[2] = inner;
		st->y.off = off * inner;
		off += len;
	}
	return 0;
}

/* --------------------------------------------------------------- by op -- */

int cu_plan_node(struct cu_session *s, int ni, const int *fuse, char **errmsg)
{
	switch (s->g->nodes[ni].op) {
	case GRAPH_CONV:
		return plan_conv(s, ni, fuse[ni], errmsg);
	case GRAPH_GEMM:
		return plan_gemm(s, ni, errmsg);
	case GRAPH_MAXPOOL:
	case GRAPH_AVGPOOL:
	case GRAPH_GLOBALAVGPOOL:
		return plan_pool(s, ni, errmsg);
	case GRAPH_BATCHNORM:
		return plan_bn(s, ni, errmsg);
	case GRAPH_CLIP:
		return plan_clip(s, ni, errmsg);
	case GRAPH_ADD:
		return plan_add(s, ni, errmsg);
	case GRAPH_ADD_CONST:
		return plan_add_const(s, ni, errmsg);
	case GRAPH_RESHAPE:
		return plan_reshape(s, ni, errmsg);
	case GRAPH_SOFTMAX:
		return plan_softmax(s, ni, errmsg);
	case GRAPH_CONCAT:
		return plan_concat(s, ni, errmsg);
	}
	/* (op_type points into the ONNX message, gone after loading.) */
	return graph_errf(errmsg, -ENOTSUP, "node '%s' (internal op %d): not supported by the CUDA backend",
			  s->g->nodes[ni].name, (int)s->g->nodes[ni].op);
}

/*
 * cuda_plan.c - the cuDNN backend's plan: the graph's nodes become steps
 * on tensors (see cuda_internal.h), constants go to the device once, and
 * the tensors get buffers sized for the largest chunk and reused by
 * liveness.
 *
 * Layouts are decided here, node by node: convolutions and pools read
 * and write NHWC; Flatten/Reshape/Softmax/Concat see the plain order
 * unless the value's bytes are the same either way. A conversion is a
 * COPY step into a new tensor, made once per value and layout.
 *
 * Fusions beyond graph_fuse.c's: an Add whose ReLU was fused into it and
 * one of whose inputs is a Conv read by nothing else becomes that Conv's
 * "z" input: cudnnConvolutionBiasActivationForward computes
 * relu(conv(x) + bias + z) in one pass, the ResNet block's tail.
 */
#include "cuda_errors.h"
#include "cuda_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CU_ALIGN 256

/* ------------------------------------------------------------ numbers -- */

/* IEEE binary16, rounding to nearest even; overflow goes to infinity as
 * a cast in CUDA would. Written out rather than taken from cuda_fp16.h,
 * which is C++. */
uint16_t cu_f2h(float f)
{
	uint32_t x, sign, mant, h, rem, halfway, shift;
	int32_t e;

	memcpy(&x, &f, sizeof(x));
	sign = (x >> 16) & 0x8000u;
	mant = x & 0x7fffffu;
	e = (int32_t)((x >> 23) & 0xffu);
	if (e == 255)
		return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0u));
	e = e - 127 + 15;
	if (e >= 31)
		return (uint16_t)(sign | 0x7c00u);
	if (e <= 0) {
		if (e < -10)
			return (uint16_t)sign;
		mant |= 0x800000u;
		shift = (uint32_t)(14 - e);
		h = mant >> shift;
		rem = mant & ((1u << shift) - 1u);
		halfway = 1u << (shift - 1u);
		if (rem > halfway || (rem == halfway && (h & 1u)))
			h++;
		return (uint16_t)(sign | h);
	}
	h = ((uint32_t)e << 10) | (mant >> 13);
	rem = mant & 0x1fffu;
	/* A carry out of the mantissa bumps the exponent, up to infinity:
	 * that is the right rounding too. */
	if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
		h++;
	return (uint16_t)(sign | h);
}

uint32_t cu_bits(const struct cu_session *s, float v)
{
	uint32_t b;

	if (s->dt == CUDNN_DATA_HALF)
		return cu_f2h(v);
	memcpy(&b, &v, sizeof(b));
	return b;
}

void cu_to_type(const struct cu_session *s, const float *in, int64_t n, void *out)
{
	int64_t i;

	if (s->dt == CUDNN_DATA_FLOAT) {
		memcpy(out, in, (size_t)n * sizeof(float));
		return;
	}
	for (i = 0; i < n; i++)
		((uint16_t *)out)[i] = cu_f2h(in[i]);
}

int cu_track(struct cu_session *s, void *p)
{
	if (s->n_allocs == s->cap_allocs) {
		int cap = s->cap_allocs ? 2 * s->cap_allocs : 64;
		void **a = realloc(s->allocs, (size_t)cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		s->allocs = a;
		s->cap_allocs = cap;
	}
	s->allocs[s->n_allocs++] = p;
	return 0;
}

int cu_upload(struct cu_session *s, const void *host, size_t bytes, void **dev,
	      const char *label, char **errmsg)
{
	void *p = NULL;

	CU_RT(s, errmsg, label, cudaMalloc, &p, bytes ? bytes : 1);
	if (cu_track(s, p)) {
		cudaFree(p);
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	}
	*dev = p;
	if (bytes)
		CU_RT(s, errmsg, label, cudaMemcpy, p, host, bytes, cudaMemcpyHostToDevice);
	return 0;
}

/* Floats converted to the tensor type and uploaded. */
static int upload_typed(struct cu_session *s, const float *v, int64_t n, void **dev,
			const char *label, char **errmsg)
{
	void *tmp = malloc((size_t)(n ? n : 1) * s->esize);
	int err;

	if (!tmp)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	cu_to_type(s, v, n, tmp);
	err = cu_upload(s, tmp, (size_t)n * s->esize, dev, label, errmsg);
	free(tmp);
	return err;
}

/* ------------------------------------------------------ tensors, views -- */

static int new_tensor(struct cu_session *s, int rank, const int64_t *dims, enum cu_layout l)
{
	struct cu_tensor *t;
	int i;

	if (s->n_t == s->cap_t) {
		int cap = s->cap_t ? 2 * s->cap_t : 64;
		struct cu_tensor *nt = realloc(s->t, (size_t)cap * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		s->t = nt;
		s->cap_t = cap;
	}
	t = &s->t[s->n_t];
	memset(t, 0, sizeof(*t));
	t->rank = rank;
	memcpy(t->dims, dims, (size_t)rank * sizeof(dims[0]));
	t->item = 1;
	for (i = 1; i < rank; i++)
		t->item *= dims[i];
	t->layout = l;
	t->root = s->n_t;
	t->first = t->last = -1;
	t->buf = -1;
	t->conv[0] = t->conv[1] = CU_NONE;
	return s->n_t++;
}

static int new_step(struct cu_session *s, enum cu_step_kind kind, int node, const char *what)
{
	struct cu_step *st;

	if (s->n_steps == s->cap_steps) {
		int cap = s->cap_steps ? 2 * s->cap_steps : 64;
		struct cu_step *ns = realloc(s->steps, (size_t)cap * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		s->steps = ns;
		s->cap_steps = cap;
	}
	st = &s->steps[s->n_steps];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->node = node;
	st->what = what;
	st->x.t = st->y.t = st->z.t = st->k.t = CU_NONE;
	st->x.nmul = st->y.nmul = st->z.nmul = st->k.nmul = 1;
	return s->n_steps++;
}

/* Rows of a view at a fixed batch (graphs that mix the batch axis run
 * only at their own batch, and their dims[0] need not be it), else 0:
 * the run's. */
static int fixed_rows(const struct cu_session *s, int t)
{
	return s->g->batch_major ? 0 : (int)s->t[t].dims[0];
}

static struct cu_view view_flat(const struct cu_session *s, int t)
{
	struct cu_view v = { .t = t, .nmul = 1 };
	int64_t item = s->t[t].item;

	v.d[0] = (int)item;
	v.d[1] = v.d[2] = 1;
	v.st[0] = item;
	v.st[1] = v.st[2] = v.st[3] = 1;
	v.fixed = fixed_rows(s, t);
	return v;
}

static void strides_4d(enum cu_layout l, int64_t c, int64_t h, int64_t w, int64_t *st)
{
	if (l == CU_NHWC) {
		st[0] = h * w * c;
		st[1] = 1;
		st[2] = w * c;
		st[3] = c;
	} else {
		st[0] = c * h * w;
		st[1] = h * w;
		st[2] = w;
		st[3] = 1;
	}
}

/* A rank-4 tensor as (C, H, W) in its own layout. */
static struct cu_view view_4d(const struct cu_session *s, int t)
{
	const struct cu_tensor *ts = &s->t[t];
	struct cu_view v = { .t = t, .nmul = 1 };

	v.d[0] = (int)ts->dims[1];
	v.d[1] = (int)ts->dims[2];
	v.d[2] = (int)ts->dims[3];
	strides_4d(ts->layout, ts->dims[1], ts->dims[2], ts->dims[3], v.st);
	v.fixed = fixed_rows(s, t);
	return v;
}

/* NHWC and NCHW are the same bytes when there is one pixel or one
 * channel; tensors of other ranks are always plain. */
static int same_bytes(const struct cu_session *s, int t)
{
	const struct cu_tensor *ts = &s->t[t];

	return ts->rank != 4 || ts->dims[1] == 1 || ts->dims[2] * ts->dims[3] == 1;
}

static int readable_as(const struct cu_session *s, int t, enum cu_layout l)
{
	return s->t[t].layout == l || same_bytes(s, t);
}

static int need_layout(struct cu_session *s, int t, enum cu_layout l, int node)
{
	int64_t dims[GRAPH_MAX_RANK];
	int c, i;

	if (readable_as(s, t, l))
		return t;
	if (s->t[t].conv[l] != CU_NONE)
		return s->t[t].conv[l];
	memcpy(dims, s->t[t].dims, sizeof(dims));
	if ((c = new_tensor(s, 4, dims, l)) < 0)
		return c;
	if ((i = new_step(s, CU_STEP_COPY, node, l == CU_NHWC ? "to NHWC" : "to plain order")) < 0)
		return i;
	s->steps[i].x = view_4d(s, t);
	s->steps[i].y = view_4d(s, c);
	s->t[t].conv[l] = c;
	return c;
}

/* x (NHWC) copied into the middle of a new tensor filled with fill:
 * cuDNN's convolutions and pools take one pad per axis, ONNX a pad per
 * side. */
static int pad_tensor(struct cu_session *s, int x, const int64_t *pad, float fill, int node)
{
	int64_t dims[4];
	int p, i;

	memcpy(dims, s->t[x].dims, sizeof(dims));
	dims[2] += pad[0] + pad[2];
	dims[3] += pad[1] + pad[3];
	if ((p = new_tensor(s, 4, dims, CU_NHWC)) < 0)
		return p;
	if ((i = new_step(s, CU_STEP_PAD, node, "asymmetric padding")) < 0)
		return i;
	s->steps[i].x = view_4d(s, x);
	s->steps[i].y = view_4d(s, p);
	/* The window: x's shape at the padded tensor's strides. */
	s->steps[i].y.d[1] = (int)s->t[x].dims[2];
	s->steps[i].y.d[2] = (int)s->t[x].dims[3];
	s->steps[i].y.off = pad[0] * s->steps[i].y.st[2] + pad[1] * s->steps[i].y.st[3];
	s->steps[i].fill = cu_bits(s, fill);
	return p;
}

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

/* --------------------------------------------------------------- nodes -- */

static int nomem(char **errmsg)
{
	return graph_errf(errmsg, -ENOMEM, "out of memory");
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
	if ((x = need_layout(s, n->in[0], CU_NHWC, ni)) < 0)
		return nomem(errmsg);
	if (pad[0] != pad[2] || pad[1] != pad[3]) {
		if ((x = pad_tensor(s, x, pad, 0.0f, ni)) < 0)
			return nomem(errmsg);
		memset(pad, 0, sizeof(pad));
	}
	if (add_ni >= 0) {
		const struct graph_node *a = &s->g->nodes[add_ni];
		int other = a->in[0] == n->out ? a->in[1] : a->in[0];

		if ((z = need_layout(s, other, CU_NHWC, ni)) < 0)
			return nomem(errmsg);
		out = a->out;
		clamp = clamp_of(a->add.has_act, a->add.act_min, a->add.act_max);
	}
	s->t[out].layout = CU_NHWC;
	if ((i = new_step(s, CU_STEP_CONV, ni, NULL)) < 0)
		return nomem(errmsg);
	st = &s->steps[i];
	st->x = view_4d(s, x);
	st->y = view_4d(s, out);
	if (z != CU_NONE)
		st->z = view_4d(s, z);
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

	if ((i = new_step(s, CU_STEP_CONV, ni, NULL)) < 0)
		return nomem(errmsg);
	st = &s->steps[i];
	st->x = view_flat(s, n->in[0]);
	st->y = view_flat(s, n->out);
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
	if ((x = need_layout(s, n->in[0], CU_NHWC, ni)) < 0)
		return nomem(errmsg);
	/* Asymmetric pads: pad explicitly (-inf for max, zeros for average,
	 * which then counts every tap); excluding the padding is then a
	 * per-pixel factor, kernel area / taps inside the input. */
	if (pad[0] != pad[2] || pad[1] != pad[3]) {
		int64_t save[4];

		memcpy(save, pad, sizeof(save));
		if ((x = pad_tensor(s, x, pad, mode == CUDNN_POOLING_MAX ? -INFINITY : 0.0f, ni)) < 0)
			return nomem(errmsg);
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
				return nomem(errmsg);
			for (oy = 0; oy < ho; oy++) {
				for (ox = 0; ox < wo; ox++) {
					int64_t cnt = taps(oy * sh - save[0], kh, h) *
						      taps(ox * sw - save[1], kw, w);

					f[oy * wo + ox] = cnt ? (float)(kh * kw) / (float)cnt : 0.0f;
				}
			}
			err = upload_typed(s, f, ho * wo, &dev, n->name, errmsg);
			free(f);
			if (err)
				return err;
			if ((i = new_step(s, CU_STEP_POOL, ni, NULL)) < 0)
				return nomem(errmsg);
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
	if ((i = new_step(s, CU_STEP_POOL, ni, NULL)) < 0)
		return nomem(errmsg);
have_step:
	s->t[n->out].layout = CU_NHWC;
	st = &s->steps[i];
	st->x = view_4d(s, x);
	st->y = view_4d(s, n->out);
	if (cudnnCreatePoolingDescriptor(&st->pd) != CUDNN_STATUS_SUCCESS) {
		st->pd = NULL;
		return nomem(errmsg);
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

	if ((i = new_step(s, CU_STEP_BN, ni, NULL)) < 0)
		return nomem(errmsg);
	st = &s->steps[i];
	st->x = view_flat(s, n->in[0]);
	if (in->layout == CU_NHWC && !same_bytes(s, n->in[0])) {
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
		return nomem(errmsg);
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

	if ((i = new_step(s, c.kind == CU_CLAMP_NONE ? CU_STEP_COPY : CU_STEP_ACT, ni, NULL)) < 0)
		return nomem(errmsg);
	s->t[n->out].layout = s->t[n->in[0]].layout;
	s->steps[i].x = view_flat(s, n->in[0]);
	s->steps[i].y = view_flat(s, n->out);
	s->steps[i].clamp = c;
	return 0;
}

static int plan_add(struct cu_session *s, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	enum cu_layout l = same_bytes(s, n->in[0]) ? CU_PLAIN : s->t[n->in[0]].layout;
	int b, i;

	if ((b = need_layout(s, n->in[1], l, ni)) < 0)
		return nomem(errmsg);
	if ((i = new_step(s, CU_STEP_ADD, ni, NULL)) < 0)
		return nomem(errmsg);
	s->t[n->out].layout = l;
	s->steps[i].x = view_flat(s, n->in[0]);
	s->steps[i].z = view_flat(s, b);
	s->steps[i].y = view_flat(s, n->out);
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

	if ((i = new_step(s, CU_STEP_ADD_CONST, ni, NULL)) < 0)
		return nomem(errmsg);
	st = &s->steps[i];
	s->t[n->out].layout = s->t[in].layout;
	if (!same_bytes(s, in) && s->t[in].layout == CU_NHWC) {
		int64_t cd[4];
		int off = 4 - a->rank;

		st->x = view_4d(s, in);
		for (j = 1; j < 4; j++)
			cd[j] = j < off ? 1 : a->dims[j - off];
		st->k.d[0] = (int)cd[1];
		st->k.d[1] = (int)cd[2];
		st->k.d[2] = (int)cd[3];
		strides_4d(CU_PLAIN, cd[1], cd[2], cd[3], st->k.st);
	} else {
		st->x = view_flat(s, in);
		st->x.d[0] = (int)a->outer;
		st->x.d[1] = (int)a->mid;
		st->x.d[2] = (int)a->inner;
		strides_4d(CU_PLAIN, a->outer, a->mid, a->inner, st->x.st);
		st->k.d[0] = 1;
		st->k.d[1] = a->count == 1 ? 1 : (int)a->mid;
		st->k.d[2] = 1;
		strides_4d(CU_PLAIN, 1, st->k.d[1], 1, st->k.st);
	}
	st->y = st->x;
	st->y.t = n->out;
	st->clamp = clamp_of(a->has_act, a->act_min, a->act_max);
	err = upload_typed(s, a->c, a->count, &dev, n->name, errmsg);
	s->steps[i].cst = dev;
	return err;
}

/* Same bytes: the output is the input's buffer. Otherwise (an NHWC value
 * with pixels and channels) a COPY puts it in plain order first. */
static int plan_reshape(struct cu_session *s, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	int in = n->in[0], out = n->out, i;

	if (n->reshape.kind == GRAPH_RESHAPE_SAME || readable_as(s, in, CU_PLAIN)) {
		s->t[out].root = s->t[in].root;
		s->t[out].layout = n->reshape.kind == GRAPH_RESHAPE_SAME ? s->t[in].layout : CU_PLAIN;
		return 0;
	}
	if ((i = new_step(s, CU_STEP_COPY, ni, "to plain order")) < 0)
		return nomem(errmsg);
	s->t[out].layout = CU_PLAIN;
	s->steps[i].x = view_4d(s, in);
	s->steps[i].y = s->steps[i].x;
	s->steps[i].y.t = out;
	strides_4d(CU_PLAIN, s->t[in].dims[1], s->t[in].dims[2], s->t[in].dims[3],
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

	if (!same_bytes(s, x) && s->t[x].layout == CU_NHWC && !sm->legacy && sm->axis == 1) {
		v = view_flat(s, x);
		v.nmul = (int)(s->t[x].dims[2] * s->t[x].dims[3]);
		v.d[0] = (int)s->t[x].dims[1];
		v.st[0] = s->t[x].dims[1];
		s->t[n->out].layout = CU_NHWC;
	} else {
		if ((x = need_layout(s, x, CU_PLAIN, ni)) < 0)
			return nomem(errmsg);
		v = view_flat(s, x);
		v.nmul = (int)sm->outer;
		v.d[0] = (int)sm->len;
		v.d[1] = (int)sm->inner;
		v.st[0] = sm->len * sm->inner;
		v.st[1] = sm->inner;
		s->t[n->out].layout = CU_PLAIN;
	}
	if ((i = new_step(s, CU_STEP_SOFTMAX, ni, NULL)) < 0)
		return nomem(errmsg);
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
		all &= readable_as(s, n->in[k], CU_NHWC);
		some |= !same_bytes(s, n->in[k]) && s->t[n->in[k]].layout == CU_NHWC;
	}
	if (rank == 4 && all && some)
		l = CU_NHWC;
	s->t[n->out].layout = l;
	/* Physical axis of the concat: NHWC keeps H, W, C in that order. */
	p = l == CU_NHWC ? (axis == 1 ? 3 : axis - 1) : axis;
	for (k = 0; k < n->n_in; k++) {
		int x = need_layout(s, n->in[k], l, ni), i;
		int64_t phys[GRAPH_MAX_RANK], outer = 1, inner = 1, len, total;
		struct cu_step *st;

		if (x < 0 || (i = new_step(s, CU_STEP_COPY, ni, "concat")) < 0)
			return nomem(errmsg);
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
		st->x = view_flat(s, x);
		st->x.d[0] = (int)outer;
		st->x.d[1] = (int)len;
		st->x.d[2] = (int)inner;
		st->x.st[1] = len * inner;
		st->x.st[2] = inner;
		st->y = view_flat(s, n->out);
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

/* ------------------------------------------------------------- fusions -- */

/* fuse[conv node] = the Add it absorbs (see the top of this file). */
static int find_add_fusions(struct cu_session *s, int *fuse)
{
	const struct graph *g = s->g;
	int *readers = calloc((size_t)g->n_values, sizeof(int));
	int i, k;

	if (!readers)
		return -ENOMEM;
	for (i = 0; i < g->n_nodes; i++) {
		fuse[i] = -1;
		for (k = 0; k < g->nodes[i].n_in; k++)
			readers[g->nodes[i].in[k]]++;
	}
	readers[g->output]++;
	for (i = 0; s->fuse_add && i < g->n_nodes; i++) {
		const struct graph_node *a = &g->nodes[i];
		int best = -1;

		if (a->op != GRAPH_ADD || !a->add.has_act || a->add.act_min != 0.0f ||
		    a->in[0] == a->in[1])
			continue;
		for (k = 0; k < 2; k++) {
			int v = a->in[k], o = a->in[1 - k], p = g->values[v].producer;
			const struct graph_node *c = p >= 0 ? &g->nodes[p] : NULL;

			/* The other input must exist before the conv runs. */
			if (!c || c->op != GRAPH_CONV || c->conv.has_act || readers[v] != 1 ||
			    fuse[p] >= 0 || g->values[o].producer >= p)
				continue;
			if (p > best)
				best = p;
		}
		if (best >= 0)
			fuse[best] = i;
	}
	free(readers);
	return 0;
}

/* ------------------------------------------------------------- buffers -- */

static int better(size_t cand, size_t cur, size_t need)
{
	int cand_fits = cand >= need, cur_fits = cur >= need;

	if (cand_fits != cur_fits)
		return cand_fits;
	return cand_fits ? cand < cur : cand > cur;
}

static void touch(struct cu_session *s, int t, int i, int write)
{
	struct cu_tensor *r;

	if (t < 0)
		return;
	r = &s->t[s->t[t].root];
	if (write && r->first < 0)
		r->first = i;
	if (i > r->last)
		r->last = i;
}

/* Greedy, in step order: a tensor takes the smallest free buffer that
 * fits (or grows one) at its first write, and gives it back after the
 * last step that reads or writes it. */
static int plan_buffers(struct cu_session *s, char **errmsg)
{
	size_t *cap = calloc((size_t)s->n_steps + 1, sizeof(size_t));
	char *busy = calloc((size_t)s->n_steps + 1, 1);
	int i, k, err = 0;

	if (!cap || !busy) {
		err = nomem(errmsg);
		goto out;
	}
	for (i = 0; i < s->n_steps; i++) {
		touch(s, s->steps[i].x.t, i, 0);
		touch(s, s->steps[i].z.t, i, 0);
		touch(s, s->steps[i].y.t, i, 1);
	}
	for (i = 0; i < s->n_steps; i++) {
		int y = s->steps[i].y.t, r = y >= 0 ? s->t[y].root : -1;

		if (r >= 0 && s->t[r].first == i) {
			size_t need = (size_t)(s->chunk * s->t[r].item) * s->esize;
			int best = -1;

			if (s->t[r].item > INT_MAX / s->chunk) {
				err = graph_errf(errmsg, -EINVAL, "%s: a tensor of %lld values per item is too large for cuDNN at %d items a pass (lower max_batch or SCALED_CUDA_CHUNK)",
						 s->g->name, (long long)s->t[r].item, s->chunk);
				goto out;
			}
			need = (need + CU_ALIGN - 1) / CU_ALIGN * CU_ALIGN;
			for (k = 0; k < s->n_bufs; k++)
				if (!busy[k] && (best < 0 || better(cap[k], cap[best], need)))
					best = k;
			if (best < 0)
				best = s->n_bufs++;
			if (cap[best] < need)
				cap[best] = need;
			busy[best] = 1;
			s->t[r].buf = best;
		}
		for (k = 0; k < s->n_t; k++)
			if (s->t[k].root == k && s->t[k].last == i && s->t[k].buf >= 0)
				busy[s->t[k].buf] = 0;
	}
	s->bufs = calloc((size_t)s->n_bufs + 1, sizeof(void *));
	s->buf_size = calloc((size_t)s->n_bufs + 1, sizeof(size_t));
	if (!s->bufs || !s->buf_size) {
		err = nomem(errmsg);
		goto out;
	}
	for (k = 0; k < s->n_bufs; k++) {
		cudaError_t e = cudaMalloc(&s->bufs[k], cap[k]);

		if (e != cudaSuccess) {
			s->bufs[k] = NULL;
			err = cu_rt_fail(s, errmsg, e, "cudaMalloc", "activation buffers");
			goto out;
		}
		s->buf_size[k] = cap[k];
	}
out:
	free(cap);
	free(busy);
	return err;
}

/* ---------------------------------------------------------------- plan -- */

static int plan_node(struct cu_session *s, int ni, const int *fuse, char **errmsg)
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

/* The input is made NHWC when a convolution or pool reads it. */
static enum cu_layout input_layout(const struct cu_session *s)
{
	const struct graph *g = s->g;
	int i, k;

	for (i = 0; i < g->n_nodes; i++) {
		const struct graph_node *n = &g->nodes[i];

		for (k = 0; k < n->n_in; k++)
			if (n->in[k] == g->input &&
			    (n->op == GRAPH_CONV || n->op == GRAPH_MAXPOOL ||
			     n->op == GRAPH_AVGPOOL || n->op == GRAPH_GLOBALAVGPOOL))
				return CU_NHWC;
	}
	return CU_PLAIN;
}

int cu_plan(struct cu_session *s, char **errmsg)
{
	const struct graph *g = s->g;
	int *fuse = calloc((size_t)g->n_nodes + 1, sizeof(int));
	int i, in = g->input, out = g->output, err = 0;
	struct cu_step *st;

	if (!fuse || find_add_fusions(s, fuse)) {
		free(fuse);
		return nomem(errmsg);
	}
	for (i = 0; i < g->n_values; i++) {
		const struct graph_value *v = &g->values[i];

		if (new_tensor(s, v->rank ? v->rank : 1, v->dims, CU_PLAIN) < 0) {
			free(fuse);
			return nomem(errmsg);
		}
	}
	s->t[in].layout = input_layout(s);
	if ((i = new_step(s, CU_STEP_COPY, -1, "input")) < 0) {
		free(fuse);
		return nomem(errmsg);
	}
	st = &s->steps[i];
	st->y = view_4d(s, in);
	st->x = st->y;
	st->x.t = CU_EXT_IN;
	strides_4d(CU_PLAIN, s->t[in].dims[1], s->t[in].dims[2], s->t[in].dims[3], st->x.st);

	for (i = 0; i < g->n_nodes && !err; i++) {
		const struct graph_node *n = &g->nodes[i];
		int k, skip = 0;

		/* An Add absorbed by a convolution is done by it. */
		for (k = 0; k < g->n_nodes && n->op == GRAPH_ADD; k++)
			skip |= fuse[k] == i;
		if (!skip)
			err = plan_node(s, i, fuse, errmsg);
	}
	free(fuse);
	if (err)
		return err;

	if ((i = new_step(s, CU_STEP_COPY, -1, "output")) < 0)
		return nomem(errmsg);
	st = &s->steps[i];
	if (s->t[out].rank == 4 && !same_bytes(s, out) && s->t[out].layout == CU_NHWC) {
		st->x = view_4d(s, out);
		st->y = st->x;
		strides_4d(CU_PLAIN, s->t[out].dims[1], s->t[out].dims[2], s->t[out].dims[3],
			   st->y.st);
	} else {
		st->x = view_flat(s, out);
		st->y = st->x;
	}
	st->y.t = CU_EXT_OUT;
	return plan_buffers(s, errmsg);
}

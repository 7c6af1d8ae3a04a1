/*
 * cuda_plan_view.c - the plan's tensors and steps, and the views on them
 * that become cuDNN descriptors (struct cu_view in cuda_internal.h).
 *
 * A value read in the layout it does not have gets a COPY step into a
 * new tensor, made once per value and layout (cu_plan_view_need_layout);
 * NHWC and plain order are the same bytes when there is one pixel or one
 * channel, and then nothing is copied. ONNX's per-side paddings that
 * cuDNN cannot express become a PAD step into a larger tensor.
 */
#include "cuda_plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cu_plan_view_new_tensor(struct cu_session *s, int rank, const int64_t *dims,
			    enum cu_layout l)
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

int cu_plan_view_new_step(struct cu_session *s, enum cu_step_kind kind, int node,
			  const char *what)
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

struct cu_view cu_plan_view_flat(const struct cu_session *s, int t)
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

void cu_plan_view_strides_4d(enum cu_layout l, int64_t c, int64_t h, int64_t w, int64_t *st)
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
struct cu_view cu_plan_view_4d(const struct cu_session *s, int t)
{
	const struct cu_tensor *ts = &s->t[t];
	struct cu_view v = { .t = t, .nmul = 1 };

	v.d[0] = (int)ts->dims[1];
	v.d[1] = (int)ts->dims[2];
	v.d[2] = (int)ts->dims[3];
	cu_plan_view_strides_4d(ts->layout, ts->dims[1], ts->dims[2], ts->dims[3], v.st);
	v.fixed = fixed_rows(s, t);
	return v;
}

/* NHWC and NCHW are the same bytes when there is one pixel or one
 * channel; tensors of other ranks are always plain. */
int cu_plan_view_same_bytes(const struct cu_session *s, int t)
{
	const struct cu_tensor *ts = &s->t[t];

	return ts->rank != 4 || ts->dims[1] == 1 || ts->dims[2] * ts->dims[3] == 1;
}

int cu_plan_view_readable_as(const struct cu_session *s, int t, enum cu_layout l)
{
	return s->t[t].layout == l || cu_plan_view_same_bytes(s, t);
}

int cu_plan_view_need_layout(struct cu_session *s, int t, enum cu_layout l, int node)
{
	int64_t dims[GRAPH_MAX_RANK];
	int c, i;

	if (cu_plan_view_readable_as(s, t, l))
		return t;
	if (s->t[t].conv[l] != CU_NONE)
		return s->t[t].conv[l];
	memcpy(dims, s->t[t].dims, sizeof(dims));
	if ((c = cu_plan_view_new_tensor(s, 4, dims, l)) < 0)
		return c;
	if ((i = cu_plan_view_new_step(s, CU_STEP_COPY, node,
					 l == CU_NHWC ? "to NHWC" : "to plain order")) < 0)
		return i;
	s->steps[i].x = cu_plan_view_4d(s, t);
	s->steps[i].y = cu_plan_view_4d(s, c);
	s->t[t].conv[l] = c;
	return c;
}

/* x (NHWC) copied into the middle of a new tensor filled with fill:
 * cuDNN's convolutions and pools take one pad per axis, ONNX a pad per
 * side. */
int cu_plan_view_pad_tensor(struct cu_session *s, int x, const int64_t *pad, float fill,
			    int node)
{
	int64_t dims[4];
	int p, i;

	memcpy(dims, s->t[x].dims, sizeof(dims));
	dims[2] += pad[0] + pad[2];
	dims[3] += pad[1] + pad[3];
	if ((p = cu_plan_view_new_tensor(s, 4, dims, CU_NHWC)) < 0)
		return p;
	if ((i = cu_plan_view_new_step(s, CU_STEP_PAD, node, "asymmetric padding")) < 0)
		return i;
	s->steps[i].x = cu_plan_view_4d(s, x);
	s->steps[i].y = cu_plan_view_4d(s, p);
	/* The window: x's shape at the padded tensor's strides. */
	s->steps[i].y.d[1] = (int)s->t[x].dims[2];
	s->steps[i].y.d[2] = (int)s->t[x].dims[3];
	s->steps[i].y.off = pad[0] * s->steps[i].y.st[2] + pad[1] * s->steps[i].y.st[3];
	s->steps[i].fill = cu_bits(s, fill);
	return p;
}

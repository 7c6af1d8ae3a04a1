/*
 * cpu_ops.c - the CPU kernels that are not spatial: BatchNormalization
 * (unfolded), Clip/Relu, Add, Gemm/MatMul, Softmax, Concat.
 *
 * All but Gemm are a single pass over memory and run on the calling
 * thread; Gemm splits its output columns over the pool.
 */
#include "cpu_gemm.h"
#include "cpu_kernels.h"

#include <math.h>
#include <string.h>

#define GEMM_MIN_COLS 64

static int64_t count(const struct cpu_tensor *t)
{
	int64_t c = 1;
	int i;

	for (i = 0; i < t->rank; i++)
		c *= t->dims[i];
	return c;
}

static int64_t prod(const int64_t *dims, int from, int to)
{
	int64_t p = 1;

	for (; from < to; from++)
		p *= dims[from];
	return p;
}

void cpu_clamp(float *p, int64_t n, float lo, float hi)
{
	int64_t i;

	/* Two selects rather than one nested one: each maps to a vector
	 * max/min, with no branch to mispredict on ReLU's random signs. */
	for (i = 0; i < n; i++) {
		float v = p[i];

		v = v < lo ? lo : v;
		p[i] = v > hi ? hi : v;
	}
}

void cpu_batchnorm(struct cpu_exec *x, const struct graph_node *n,
		   const struct cpu_tensor *in, const struct cpu_tensor *out)
{
	int64_t inner = prod(in->dims, 2, in->rank), item, c, i;

	(void)x;
	for (item = 0; item < in->dims[0]; item++) {
		for (c = 0; c < n->bn.ch; c++) {
			int64_t off = (item * n->bn.ch + c) * inner;
			float s = n->bn.scale[c], b = n->bn.shift[c];

			for (i = 0; i < inner; i++)
				out->data[off + i] = in->data[off + i] * s + b;
		}
	}
}

void cpu_clip(struct cpu_exec *x, const struct graph_node *n,
	      const struct cpu_tensor *in, const struct cpu_tensor *out)
{
	int64_t total = count(out);

	(void)x;
	memcpy(out->data, in->data, (size_t)total * sizeof(float));
	cpu_clamp(out->data, total, n->clip.min, n->clip.max);
}

void cpu_add(struct cpu_exec *x, const struct graph_node *n,
	     const struct cpu_tensor *in, const struct cpu_tensor *out)
{
	int64_t total = count(out), i;
	const float *a = in[0].data, *b = in[1].data;

	(void)x;
	for (i = 0; i < total; i++)
		out->data[i] = a[i] + b[i];
	if (n->add.has_act)
		cpu_clamp(out->data, total, n->add.act_min, n->add.act_max);
}

void cpu_add_const(struct cpu_exec *x, const struct graph_node *n,
		   const struct cpu_tensor *in, const struct cpu_tensor *out)
{
	const struct graph_add_const *a = &n->addc;
	int64_t item_size = a->outer * a->mid * a->inner, item, o, m, i;

	(void)x;
	for (item = 0; item < in->dims[0]; item++) {
		const float *src = in->data + item * item_size;
		float *dst = out->data + item * item_size;

		for (o = 0; o < a->outer; o++) {
			for (m = 0; m < a->mid; m++) {
				int64_t off = (o * a->mid + m) * a->inner;
				float c = a->c[a->count == 1 ? 0 : m];

				for (i = 0; i < a->inner; i++)
					dst[off + i] = src[off + i] + c;
			}
		}
	}
	if (a->has_act)
		cpu_clamp(out->data, in->dims[0] * item_size, a->act_min, a->act_max);
}

size_t cpu_gemm_layer_scratch(void)
{
	return cpu_sgemm_scratch();
}

struct gemm_job {
	struct cpu_exec *x;
	const struct graph_gemm *gm;
	const struct cpu_tensor *in, *out;
	int64_t chunk;
};

static void gemm_task(void *arg, int64_t t, int worker)
{
	const struct gemm_job *j = arg;
	const struct graph_gemm *gm = j->gm;
	int64_t rows = j->in->dims[0], m0 = t * j->chunk, r, c;
	int64_t mc = gm->m - m0 < j->chunk ? gm->m - m0 : j->chunk;
	float *dst = j->out->data + m0;

	cpu_sgemm(rows, mc, gm->k, j->in->data, gm->k, gm->w + m0, gm->m, dst, gm->m,
		  j->x->scratch[worker]);
	for (r = 0; r < rows; r++) {
		float *row = dst + r * gm->m;

		for (c = 0; c < mc; c++)
			row[c] += gm->b[m0 + c];
		if (gm->has_act)
			cpu_clamp(row, mc, gm->act_min, gm->act_max);
	}
}

void cpu_gemm(struct cpu_exec *x, const struct graph_node *n,
	      const struct cpu_tensor *in, const struct cpu_tensor *out)
{
	struct gemm_job j = { .x = x, .gm = &n->gemm, .in = &in[0], .out = out };
	int64_t workers = cpu_threads_count(x->threads);

	j.chunk = (n->gemm.m + 2 * workers - 1) / (2 * workers);
	j.chunk = (j.chunk + 15) / 16 * 16;
	if (j.chunk < GEMM_MIN_COLS)
		j.chunk = GEMM_MIN_COLS;
	cpu_threads_run(x->threads, (n->gemm.m + j.chunk - 1) / j.chunk, gemm_task, &j);
}

void cpu_softmax(struct cpu_exec *x, const struct graph_node *n,
		 const struct cpu_tensor *in, const struct cpu_tensor *out)
{
	const struct graph_softmax *s = &n->softmax;
	int64_t item_size = s->outer * s->len * s->inner, item, o, i, k;

	(void)x;
	for (item = 0; item < in->dims[0]; item++) {
		for (o = 0; o < s->outer; o++) {
			int64_t base = item * item_size + o * s->len * s->inner;

			for (i = 0; i < s->inner; i++) {
				const float *src = in->data + base + i;
				float *dst = out->data + base + i;
				float max = src[0];
				double sum = 0.0;

				/* Shift by the max so exp cannot overflow. */
				for (k = 1; k < s->len; k++)
					if (src[k * s->inner] > max)
						max = src[k * s->inner];
				for (k = 0; k < s->len; k++) {
					float e = expf(src[k * s->inner] - max);

					dst[k * s->inner] = e;
					sum += (double)e;
				}
				for (k = 0; k < s->len; k++)
					dst[k * s->inner] = (float)((double)dst[k * s->inner] / sum);
			}
		}
	}
}

void cpu_concat(struct cpu_exec *x, const struct graph_node *n,
		const struct cpu_tensor *in, const struct cpu_tensor *out)
{
	int axis = (int)n->concat.axis;
	int64_t outer = prod(out->dims, 1, axis), inner = prod(out->dims, axis + 1, out->rank);
	int64_t item, o;
	float *dst = out->data;
	int k;

	(void)x;
	for (item = 0; item < out->dims[0]; item++) {
		for (o = 0; o < outer; o++) {
			for (k = 0; k < n->n_in; k++) {
				int64_t block = in[k].dims[axis] * inner;

				memcpy(dst, in[k].data + (item * outer + o) * block,
				       (size_t)block * sizeof(float));
				dst += block;
			}
		}
	}
}

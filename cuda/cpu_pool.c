/*
 * cpu_pool.c - MaxPool, AveragePool and GlobalAveragePool on the CPU, one
 * (item, channel) plane per task.
 */
#include "cpu_kernels.h"

#include <math.h>

struct pool_job {
	const struct graph_node *n;
	const struct cpu_tensor *in, *out;
};

/* One output pixel of a max or average window. */
static float window(const struct graph_node *n, const float *plane, int64_t h, int64_t w,
		    int64_t oy, int64_t ox)
{
	const struct graph_window *win = &n->pool.win;
	int64_t y0 = oy * win->stride[0] - win->pad[0], x0 = ox * win->stride[1] - win->pad[1];
	int64_t ky, kx, count = 0;
	float best = -INFINITY;
	double sum = 0.0;

	for (ky = 0; ky < win->kernel[0]; ky++) {
		int64_t iy = y0 + ky * win->dilation[0];

		for (kx = 0; kx < win->kernel[1]; kx++) {
			int64_t ix = x0 + kx * win->dilation[1];
			float v;

			if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
				/* count_include_pad counts the padding, but
				 * not taps past it (dilated windows). */
				if (n->pool.count_include_pad && iy < h + win->pad[2] &&
				    ix < w + win->pad[3])
					count++;
				continue;
			}
			v = plane[iy * w + ix];
			if (v > best)
				best = v;
			sum += (double)v;
			count++;
		}
	}
	if (n->op == GRAPH_MAXPOOL)
		return best;
	return count ? (float)(sum / (double)count) : 0.0f;
}

static void pool_task(void *arg, int64_t t, int worker)
{
	const struct pool_job *j = arg;
	int64_t h = j->in->dims[2], w = j->in->dims[3];
	int64_t ho = j->out->dims[2], wo = j->out->dims[3];
	const float *plane = j->in->data + t * h * w;
	float *dst = j->out->data + t * ho * wo;
	int64_t oy, ox;

	(void)worker;
	for (oy = 0; oy < ho; oy++)
		for (ox = 0; ox < wo; ox++)
			dst[oy * wo + ox] = window(j->n, plane, h, w, oy, ox);
}

static void run(struct cpu_exec *x, const struct graph_node *n,
		const struct cpu_tensor *in, const struct cpu_tensor *out)
{
	struct pool_job j = { .n = n, .in = &in[0], .out = out };

	cpu_threads_run(x->threads, out->dims[0] * out->dims[1], pool_task, &j);
}

void cpu_maxpool(struct cpu_exec *x, const struct graph_node *n,
		 const struct cpu_tensor *in, const struct cpu_tensor *out)
{
	run(x, n, in, out);
}

void cpu_avgpool(struct cpu_exec *x, const struct graph_node *n,
		 const struct cpu_tensor *in, const struct cpu_tensor *out)
{
	run(x, n, in, out);
}

void cpu_globalavgpool(struct cpu_exec *x, const struct graph_node *n,
		       const struct cpu_tensor *in, const struct cpu_tensor *out)
{
	int64_t planes = in->dims[0] * in->dims[1], size = in->dims[2] * in->dims[3];
	int64_t p, i;

	(void)x;
	(void)n;
	for (p = 0; p < planes; p++) {
		const float *src = in->data + p * size;
		double sum = 0.0;

		for (i = 0; i < size; i++)
			sum += (double)src[i];
		out->data[p] = (float)(sum / (double)size);
	}
}

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

/* Taps k in [0, kernel) with lo <= start + k * dil < hi: [*k0, *k1). */
static void tap_range(int64_t start, int64_t dil, int64_t kernel, int64_t lo, int64_t hi,
		      int64_t *k0, int64_t *k1)
{
	*k0 = start >= lo ? 0 : (lo - start + dil - 1) / dil;
	*k1 = start >= hi ? 0 : (hi - start + dil - 1) / dil;
	if (*k1 > kernel)
		*k1 = kernel;
	if (*k0 > *k1)
		*k0 = *k1;
}

/*
 * One output pixel. The taps inside the input are found first, so the
 * loops need no bounds checks; count_include_pad counts the taps inside
 * the padded input instead (a dilated window may reach past even that).
 */
static float window(const struct graph_node *n, const float *plane, int64_t h, int64_t w,
		    int64_t oy, int64_t ox)
{
	const struct graph_window *win = &n->pool.win;
	int64_t y0 = oy * win->stride[0] - win->pad[0], x0 = ox * win->stride[1] - win->pad[1];
	int64_t dy = win->dilation[0], dx = win->dilation[1];
	int64_t ky0, ky1, kx0, kx1, ky, kx, count;
	float best = -INFINITY;
	double sum = 0.0;

	tap_range(y0, dy, win->kernel[0], 0, h, &ky0, &ky1);
	tap_range(x0, dx, win->kernel[1], 0, w, &kx0, &kx1);
	for (ky = ky0; ky < ky1; ky++) {
		const float *row = plane + (y0 + ky * dy) * w;

		for (kx = kx0; kx < kx1; kx++) {
			float v = row[x0 + kx * dx];

			best = v > best ? v : best;
			sum += (double)v;
		}
	}
	if (n->op == GRAPH_MAXPOOL)
		return best;
	count = (ky1 - ky0) * (kx1 - kx0);
	if (n->pool.count_include_pad) {
		tap_range(y0, dy, win->kernel[0], -win->pad[0], h + win->pad[2], &ky0, &ky1);
		tap_range(x0, dx, win->kernel[1], -win->pad[1], w + win->pad[3], &kx0, &kx1);
		count = (ky1 - ky0) * (kx1 - kx0);
	}
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

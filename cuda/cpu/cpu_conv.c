/*
 * cpu_conv.c - 2-D convolution on the CPU.
 *
 * The general case is im2col + GEMM per (item, group), with the output
 * columns (pixels) cut into chunks: a task lowers only its own columns
 * into its worker's scratch, so the scratch stays small and the tasks are
 * independent. When that leaves too few tasks for the workers (one item,
 * 7x7 outputs), the output channels are cut too, at the price of lowering
 * the same columns once per cut. 1x1 stride-1 unpadded convolutions skip im2col (the input
 * plane already is the GEMM's B). Convolutions with one input channel per
 * group (depthwise) run directly, one output plane per task, since their
 * GEMMs would be a single row.
 */
#include "cpu_gemm.h"
#include "cpu_kernels.h"

#include <string.h>

#define CONV_COLS 256	/* most output columns per task */
#define CONV_MIN_COLS 32
#define CONV_MIN_ROWS 16

struct conv_job {
	struct cpu_exec *x;
	const struct graph_conv *c;
	const struct cpu_tensor *in, *out;
	int64_t chunk, nchunks;		/* output columns per task, tasks per row */
	int64_t rows, nrows;		/* output channels per task, tasks per group */
};

static int pointwise(const struct graph_conv *c)
{
	const struct graph_window *w = &c->win;

	return w->kernel[0] == 1 && w->kernel[1] == 1 && w->stride[0] == 1 &&
	       w->stride[1] == 1 && !w->pad[0] && !w->pad[1] && !w->pad[2] && !w->pad[3];
}

static int depthwise(const struct graph_conv *c)
{
	return c->in_ch_per_group == 1;
}

size_t cpu_conv_scratch(const struct graph_node *n, const struct graph_value *in)
{
	const struct graph_conv *c = &n->conv;
	size_t k = (size_t)(c->in_ch_per_group * c->win.kernel[0] * c->win.kernel[1]);

	(void)in;
	if (depthwise(c))
		return 0;
	if (pointwise(c))
		return cpu_sgemm_scratch();
	return k * CONV_COLS + cpu_sgemm_scratch();
}

/* The output columns ox in [0, wo) whose input column ox * stride + off
 * lies inside [0, w): [*lo, *hi). */
static void valid_cols(int64_t off, int64_t stride, int64_t w, int64_t wo,
		       int64_t *lo, int64_t *hi)
{
	*lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
	*hi = w - 1 - off < 0 ? 0 : (w - 1 - off) / stride + 1;
	if (*hi > wo)
		*hi = wo;
	if (*lo > *hi)
		*lo = *hi;
}

/* Rows (ci, ky, kx) x output columns [c0, c1) of one group's input. */
static void im2col(const struct graph_conv *c, const float *src, int64_t h, int64_t w,
		   int64_t wo, int64_t c0, int64_t c1, float *col)
{
	const struct graph_window *win = &c->win;
	int64_t sh = win->stride[0], sw = win->stride[1];
	int64_t ci, ky, kx;

	for (ci = 0; ci < c->in_ch_per_group; ci++) {
		const float *plane = src + ci * h * w;

		for (ky = 0; ky < win->kernel[0]; ky++) {
			int64_t off_y = ky * win->dilation[0] - win->pad[0];

			for (kx = 0; kx < win->kernel[1]; kx++) {
				int64_t off_x = kx * win->dilation[1] - win->pad[1];
				int64_t lo, hi, p = c0, j;

				valid_cols(off_x, sw, w, wo, &lo, &hi);
				while (p < c1) {
					int64_t oy = p / wo, ox = p % wo;
					int64_t end = ox + (c1 - p) < wo ? ox + (c1 - p) : wo;
					int64_t iy = oy * sh + off_y;
					int64_t a = ox > lo ? ox : lo, b = end < hi ? end : hi;

					if (iy < 0 || iy >= h || a >= b) {
						memset(col, 0, (size_t)(end - ox) * sizeof(float));
					} else {
						const float *row = plane + iy * w;

						for (j = ox; j < a; j++)
							col[j - ox] = 0.0f;
						for (; j < b; j++)
							col[j - ox] = row[j * sw + off_x];
						for (; j < end; j++)
							col[j - ox] = 0.0f;
					}
					col += end - ox;
					p += end - ox;
				}
			}
		}
	}
}

/* bias per output channel (row), then the fused clamp */
static void epilogue(const struct graph_conv *c, const float *bias, float *dst,
		     int64_t rows, int64_t cols, int64_t ld)
{
	int64_t r, j;

	for (r = 0; r < rows; r++) {
		float *row = dst + r * ld;

		for (j = 0; j < cols; j++)
			row[j] += bias[r];
		if (c->has_act)
			cpu_clamp(row, cols, c->act_min, c->act_max);
	}
}

static void gemm_task(void *arg, int64_t t, int worker)
{
	const struct conv_job *j = arg;
	const struct graph_conv *c = j->c;
	int64_t h = j->in->dims[2], w = j->in->dims[3];
	int64_t wo = j->out->dims[3], hw_out = j->out->dims[2] * wo;
	int64_t mg = c->out_ch / c->group, k = c->in_ch_per_group * c->win.kernel[0] * c->win.kernel[1];
	int64_t r0 = t % j->nrows * j->rows, rows = mg - r0 < j->rows ? mg - r0 : j->rows;
	int64_t cell = t / j->nrows;
	int64_t item = cell / (c->group * j->nchunks), g = cell / j->nchunks % c->group;
	int64_t c0 = cell % j->nchunks * j->chunk;
	int64_t c1 = c0 + j->chunk < hw_out ? c0 + j->chunk : hw_out;
	const float *src = j->in->data + (item * j->in->dims[1] + g * c->in_ch_per_group) * h * w;
	float *dst = j->out->data + (item * c->out_ch + g * mg + r0) * hw_out + c0;
	float *scratch = j->x->scratch[worker];
	const float *b;
	int64_t ldb;

	if (pointwise(c)) {
		b = src + c0;
		ldb = h * w;
	} else {
		im2col(c, src, h, w, wo, c0, c1, scratch);
		b = scratch;
		ldb = c1 - c0;
		scratch += k * CONV_COLS;
	}
	cpu_sgemm(rows, c1 - c0, k, c->w + (g * mg + r0) * k, k, b, ldb, dst, hw_out, scratch);
	epilogue(c, c->b + g * mg + r0, dst, rows, c1 - c0, hw_out);
}

static void depthwise_task(void *arg, int64_t t, int worker)
{
	const struct conv_job *j = arg;
	const struct graph_conv *c = j->c;
	const struct graph_window *win = &c->win;
	int64_t h = j->in->dims[2], w = j->in->dims[3];
	int64_t ho = j->out->dims[2], wo = j->out->dims[3];
	int64_t item = t / c->out_ch, oc = t % c->out_ch;
	int64_t ic = oc / (c->out_ch / c->group);
	const float *src = j->in->data + (item * j->in->dims[1] + ic) * h * w;
	const float *wk = c->w + oc * win->kernel[0] * win->kernel[1];
	float *dst = j->out->data + (item * c->out_ch + oc) * ho * wo;
	int64_t i, ky, kx, oy, ox;

	(void)worker;
	for (i = 0; i < ho * wo; i++)
		dst[i] = c->b[oc];
	for (ky = 0; ky < win->kernel[0]; ky++) {
		for (kx = 0; kx < win->kernel[1]; kx++) {
			float wv = wk[ky * win->kernel[1] + kx];
			int64_t off_x = kx * win->dilation[1] - win->pad[1], lo, hi;

			valid_cols(off_x, win->stride[1], w, wo, &lo, &hi);
			for (oy = 0; oy < ho; oy++) {
				int64_t iy = oy * win->stride[0] - win->pad[0] + ky * win->dilation[0];
				const float *row;
				float *orow = dst + oy * wo;

				if (iy < 0 || iy >= h)
					continue;
				row = src + iy * w;
				for (ox = lo; ox < hi; ox++)
					orow[ox] += wv * row[ox * win->stride[1] + off_x];
			}
		}
	}
	if (c->has_act)
		cpu_clamp(dst, ho * wo, c->act_min, c->act_max);
}

void cpu_conv(struct cpu_exec *x, const struct graph_node *n,
	      const struct cpu_tensor *in, const struct cpu_tensor *out)
{
	struct conv_job j = { .x = x, .c = &n->conv, .in = &in[0], .out = out };
	int64_t batch = out->dims[0], hw_out = out->dims[2] * out->dims[3];
	int64_t units = batch * n->conv.group, mg = n->conv.out_ch / n->conv.group, want, per;

	if (depthwise(&n->conv)) {
		cpu_threads_run(x->threads, batch * n->conv.out_ch, depthwise_task, &j);
		return;
	}
	/* Enough tasks for every worker to have a couple, but no chunk wider
	 * than the scratch holds or so narrow the GEMM runs on edges. */
	want = 2 * (int64_t)cpu_threads_count(x->threads);
	per = (want + units - 1) / units;
	j.chunk = (hw_out + per - 1) / per;
	j.chunk = (j.chunk + 15) / 16 * 16;
	if (j.chunk < CONV_MIN_COLS)
		j.chunk = CONV_MIN_COLS;
	if (j.chunk > CONV_COLS)
		j.chunk = CONV_COLS;
	j.nchunks = (hw_out + j.chunk - 1) / j.chunk;
	j.nrows = 1;
	if (units * j.nchunks < want) {
		j.nrows = (want + units * j.nchunks - 1) / (units * j.nchunks);
		if (j.nrows > (mg + CONV_MIN_ROWS - 1) / CONV_MIN_ROWS)
			j.nrows = (mg + CONV_MIN_ROWS - 1) / CONV_MIN_ROWS;
	}
	j.rows = (mg + j.nrows - 1) / j.nrows;
	j.nrows = (mg + j.rows - 1) / j.rows;
	cpu_threads_run(x->threads, units * j.nchunks * j.nrows, gemm_task, &j);
}

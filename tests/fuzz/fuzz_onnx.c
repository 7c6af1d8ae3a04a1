/*
 * fuzz_onnx.c - the worker's ONNX loader (cuda/onnx/onnx_*.c, graph_*.c through
 * infer_model_load_buffer) and, for models small enough, one CPU session
 * at batch 1 on zeros.
 *
 * The loader turns untrusted protobuf into shapes, strides and buffer
 * sizes, which is where a wrong product or a missed bound turns into a
 * heap overflow in a kernel; running the model is what shows it.
 *
 * Invariants: load returns 0 or a negative errno, with a message on failure
 * and none on success; the internal graph of the same bytes loads too (the
 * public API is a thin wrapper of it); the model's declared input is a
 * fixed C x H x W; a session on a model that passed the size checks opens,
 * runs, and gives bit-identical output when run twice (infer.h promises
 * that for any thread count and batch split; it must hold for the same one).
 *
 * What "small enough" means: a model of a few hundred bytes may legally
 * declare activations of 2^40 floats (pads of a million, say). Allocating
 * and computing that proves nothing but the machine's patience, so the run
 * is skipped when the activations or the multiply-adds, estimated from the
 * internal graph (graph.h), pass the limits below. That the loader accepts
 * such a model at all is a policy question for cuda/, not a crash.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "graph.h"
#include "infer.h"
#include "onnx.h"

#define MAX_FLOATS ((double)(1 << 20)) /* all activations of one run */
#define MAX_WORK ((double)(1 << 22))   /* multiply-adds, roughly */
#define MAX_BATCH 4                     /* a fixed-batch model runs at its batch */

/* Floats of value v at the session's batch, as cpu_backend.c sizes it. */
static double value_floats(const struct graph *g, const struct graph_value *v, int batch)
{
	return (double)v->item_size * (double)(g->batch_major ? batch : v->dims[0]);
}

/* Activations and work of one run; doubles so that a hostile model's
 * products saturate instead of wrapping. */
static void estimate(const struct graph *g, int batch, double *floats, double *work)
{
	*floats = value_floats(g, &g->values[g->input], batch);
	*work = 0;
	for (int i = 0; i < g->n_nodes; i++) {
		const struct graph_node *n = &g->nodes[i];
		double out = value_floats(g, &g->values[n->out], batch), per = 1;

		switch (n->op) {
		case GRAPH_CONV:
			per = (double)n->conv.in_ch_per_group * (double)n->conv.win.kernel[0] *
			      (double)n->conv.win.kernel[1];
			break;
		case GRAPH_MAXPOOL:
		case GRAPH_AVGPOOL:
			per = (double)n->pool.win.kernel[0] * (double)n->pool.win.kernel[1];
			break;
		case GRAPH_GEMM:
			per = (double)n->gemm.k;
			break;
		case GRAPH_GLOBALAVGPOOL:
			per = value_floats(g, &g->values[n->in[0]], batch) / fmax(out, 1);
			break;
		default:
			per = n->n_in;
			break;
		}
		*floats += out;
		*work += out * (per > 1 ? per : 1);
	}
}

static void run_small(const struct infer_model *m, const struct graph *g)
{
	struct infer_session_options opt = {
		.backend = INFER_BACKEND_CPU,
		.precision = INFER_FP32,
		.max_batch = 1,
		.threads = 1,
	};
	struct infer_session *s = NULL;
	float *in, *out[2];
	double floats, work;
	int64_t dims[4], n_in, n_out;
	char *err = NULL;
	int batch = infer_model_fixed_batch(m), rc;

	if (batch == 0)
		batch = 1;
	if (batch > MAX_BATCH)
		return;
	estimate(g, batch, &floats, &work);
	if (floats > MAX_FLOATS || work > MAX_WORK)
		return;
	infer_model_input_dims(m, dims);
	n_in = dims[1] * dims[2] * dims[3];
	n_out = infer_model_output_size(m);
	FUZZ_CHECK(n_in == g->values[g->input].item_size, "input %lldx%lldx%lld, item size %lld",
		   (long long)dims[1], (long long)dims[2], (long long)dims[3],
		   (long long)g->values[g->input].item_size);
	FUZZ_CHECK(n_out >= 1 && n_out <= MAX_FLOATS, "output size %lld", (long long)n_out);

	opt.max_batch = batch;
	rc = infer_session_new(m, &opt, &s, &err);
	FUZZ_CHECK(rc == 0, "a %.0f-float model does not open: %d %s", floats, rc,
		   err ? err : "");
	in = calloc((size_t)(n_in * batch), sizeof(float));
	out[0] = malloc((size_t)(n_out * batch) * sizeof(float));
	out[1] = malloc((size_t)(n_out * batch) * sizeof(float));
	FUZZ_CHECK(in && out[0] && out[1], "out of memory");
	for (int k = 0; k < 2; k++) {
		rc = infer_session_run(s, in, batch, out[k], &err);
		FUZZ_CHECK(rc == 0, "run %d: %d %s", k, rc, err ? err : "");
	}
	FUZZ_CHECK(memcmp(out[0], out[1], (size_t)(n_out * batch) * sizeof(float)) == 0,
		   "two runs on the same input differ");
	free(in);
	free(out[0]);
	free(out[1]);
	infer_session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct infer_model *m = NULL;
	struct graph *g = NULL;
	int64_t dims[4];
	char *err = NULL;
	int rc;

	rc = infer_model_load_buffer(data, size, "fuzz.onnx", &m, &err);
	if (rc < 0) {
		FUZZ_CHECK(m == NULL, "a model and an error (%d)", rc);
		FUZZ_CHECK(err != NULL, "load failed (%d) without a message", rc);
		free(err);
		return 0;
	}
	FUZZ_CHECK(rc == 0 && m != NULL && err == NULL, "load: rc %d, model %p, message %s", rc,
		   (void *)m, err ? err : "none");

	infer_model_input_dims(m, dims);
	FUZZ_CHECK(dims[0] == -1 || dims[0] >= 1, "batch dimension %lld", (long long)dims[0]);
	for (int i = 1; i < 4; i++)
		FUZZ_CHECK(dims[i] >= 1, "input dimension %d is %lld", i, (long long)dims[i]);

	/* The public API hides the graph; load it again to see the sizes. */
	rc = onnx_load_graph(data, size, "fuzz.onnx", &g, &err);
	FUZZ_CHECK(rc == 0 && g != NULL, "loads as a model, not as a graph: %d %s", rc,
		   err ? err : "");
	run_small(m, g);
	graph_free(g);
	infer_model_free(m);
	return 0;
}

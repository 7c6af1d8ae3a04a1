/*
 * infer_jobs.h - the glue between a model (infer.h) and the batch steps
 * (io/jobs_batch.h), for those that hold both: scaled-infer (cli/) and the
 * infer plugin (plugins/infer/). Header-only, so that neither model/ nor
 * io/ links the other: io/ sees a model only as a jobs_model and a
 * jobs_session.
 */
#ifndef SCALED_INFER_JOBS_H
#define SCALED_INFER_JOBS_H

#include "infer.h"
#include "jobs_batch.h"

/* The shape the batch steps need of model m. */
static inline struct jobs_model infer_jobs_model(const struct infer_model *m)
{
	struct jobs_model jm;

	infer_model_input_dims(m, jm.input);
	jm.classes = infer_model_output_size(m);
	return jm;
}

static inline int infer_jobs_run(void *ctx, const float *input, int batch, float *output,
				 char **errmsg)
{
	return infer_session_run(ctx, input, batch, output, errmsg);
}

/* Session s as the batch steps run it; s stays the caller's. */
static inline struct jobs_session infer_jobs_session(struct infer_session *s)
{
	return (struct jobs_session){ .ctx = s, .run = infer_jobs_run };
}

#endif

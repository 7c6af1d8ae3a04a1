/*
 * cuda_plan.h - what the plan's files share among themselves; the rest
 * of the backend sees only cu_plan(). Arrows point one way: cuda_plan.c
 * calls the stages, the stages call the backend's shared helpers
 * (cuda_internal.h), never cuda_plan.c.
 *
 *   cuda_plan.c          cu_plan(): input and output steps around the
 *                        nodes, in the order the stages need
 *   cuda_plan_view.c     tensors, steps, views; layout changes, paddings
 *   cuda_plan_node.c     each graph node as steps, layouts chosen
 *   cuda_plan_fuse.c     Adds that a convolution absorbs
 *   cuda_plan_buffers.c  buffers by liveness, allocated on the device
 */
#ifndef SCALED_CUDA_PLAN_H
#define SCALED_CUDA_PLAN_H

#include "cuda_internal.h"

#include <errno.h>

/* The stages' one message for a failed allocation (inline: a helper
 * the stages share must not make them call back into cuda_plan.c). */
static inline int cu_plan_nomem(char **errmsg)
{
	return graph_errf(errmsg, -ENOMEM, "out of memory");
}

/* cuda_plan_view.c: new tensors and steps return their index, or
 * -ENOMEM; so do the helpers that add them. */
int cu_plan_view_new_tensor(struct cu_session *s, int rank, const int64_t *dims,
			    enum cu_layout l);
int cu_plan_view_new_step(struct cu_session *s, enum cu_step_kind kind, int node,
			  const char *what);
struct cu_view cu_plan_view_flat(const struct cu_session *s, int t);
void cu_plan_view_strides_4d(enum cu_layout l, int64_t c, int64_t h, int64_t w, int64_t *st);
struct cu_view cu_plan_view_4d(const struct cu_session *s, int t);
int cu_plan_view_same_bytes(const struct cu_session *s, int t);
int cu_plan_view_readable_as(const struct cu_session *s, int t, enum cu_layout l);
/* t itself when readable in layout l, else its copy in l (made once). */
int cu_plan_view_need_layout(struct cu_session *s, int t, enum cu_layout l, int node);
int cu_plan_view_pad_tensor(struct cu_session *s, int x, const int64_t *pad, float fill,
			    int node);

/* cuda_plan_node.c: the steps of node ni; fuse as cu_plan_fuse_adds
 * fills it. */
int cu_plan_node(struct cu_session *s, int ni, const int *fuse, char **errmsg);

/* cuda_plan_fuse.c: fuse[conv node] = the Add it absorbs, or -1; fuse
 * has a slot per node. 0 or -ENOMEM. */
int cu_plan_fuse_adds(struct cu_session *s, int *fuse);

/* cuda_plan_buffers.c: every root tensor gets a buffer slot, and the
 * slots device memory for the planned chunk. */
int cu_plan_buffers(struct cu_session *s, char **errmsg);

#endif

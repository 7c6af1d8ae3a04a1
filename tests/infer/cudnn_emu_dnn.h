/*
 * cudnn_emu_dnn.h - what the cuDNN half of the host emulation shares
 * between its files (tests/infer only, never the backend's):
 *
 *   cudnn_emu_dnn.c   handles, descriptors, tensor ops, activations,
 *                     pools, batch norm, softmax; the helpers below
 *   cudnn_emu_conv.c  convolutions: filters, the forward calls, the
 *                     algorithm search
 */
#ifndef SCALED_CUDNN_EMU_DNN_H
#define SCALED_CUDNN_EMU_DNN_H

#include <stdint.h>

#include <cudnn.h>

struct cudnnTensorStruct {
	cudnnDataType_t dt;
	int n, c, h, w;
	int sn, sc, sh, sw;
};

struct cudnnActivationStruct {
	cudnnActivationMode_t mode;
	double coef;
};

/* Every element of d: n_, c_, h_ and w_ in the loop body. */
#define EMU_FOR4(d)                                   \
	for (int n_ = 0; n_ < (d)->n; n_++)           \
		for (int c_ = 0; c_ < (d)->c; c_++)   \
			for (int h_ = 0; h_ < (d)->h; h_++) \
				for (int w_ = 0; w_ < (d)->w; w_++)

/* Record a failure for cudnnGetLastErrorString, say it on stderr, and
 * return st. */
cudnnStatus_t emu_bad(cudnnStatus_t st, const char *what);
/* IEEE binary16 bits to a float. */
float emu_h2f(uint16_t h);
/* Element (n, c, h, w) of a tensor described by d, as a float. */
float emu_get(const struct cudnnTensorStruct *d, const void *p, int n, int c, int h, int w);
void emu_put(const struct cudnnTensorStruct *d, void *p, int n, int c, int h, int w, float v);
/* Same n, c, h and w (strides may differ). */
int emu_same(const struct cudnnTensorStruct *a, const struct cudnnTensorStruct *b);
/* The activation d on one value, as cuDNN's reference computes it. */
float emu_act(const struct cudnnActivationStruct *d, float v);

#endif

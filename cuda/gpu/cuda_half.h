/*
 * cuda_half.h - IEEE binary16 from a float, on the host: the backend's
 * half-precision constants and weights, and the host emulation of cuDNN
 * in tests/infer (which shares it rather than keep a second copy). Depends
 * on nothing but <stdint.h>, so that both can use it.
 */
#ifndef SCALED_CUDA_HALF_H
#define SCALED_CUDA_HALF_H

#include <stdint.h>

/* f as a half's bits, rounding to nearest even; overflow goes to
 * infinity as a cast in CUDA would, a NaN stays a NaN. */
uint16_t cu_f2h(float f);

#endif

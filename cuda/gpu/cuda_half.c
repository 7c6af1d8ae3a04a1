/* cuda_half.c - see cuda_half.h. */
#include "cuda_half.h"

#include <string.h>

/* Written out rather than taken from cuda_fp16.h, which is C++. */
uint16_t cu_f2h(float f)
{
	uint32_t x, sign, mant, h, rem, halfway, shift;
	int32_t e;

	memcpy(&x, &f, sizeof(x));
	sign = (x >> 16) & 0x8000u;
	mant = x & 0x7fffffu;
	e = (int32_t)((x >> 23) & 0xffu);
	if (e == 255)
		return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0u));
	e = e - 127 + 15;
	if (e >= 31)
		return (uint16_t)(sign | 0x7c00u);
	if (e <= 0) {
		if (e < -10)
			return (uint16_t)sign;
		mant |= 0x800000u;
		shift = (uint32_t)(14 - e);
		h = mant >> shift;
		rem = mant & ((1u << shift) - 1u);
		halfway = 1u << (shift - 1u);
		if (rem > halfway || (rem == halfway && (h & 1u)))
			h++;
		return (uint16_t)(sign | h);
	}
	h = ((uint32_t)e << 10) | (mant >> 13);
	rem = mant & 0x1fffu;
	/* A carry out of the mantissa bumps the exponent, up to infinity:
	 * that is the right rounding too. */
	if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
		h++;
	return (uint16_t)(sign | h);
}

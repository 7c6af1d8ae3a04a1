/*
 * image_resize.c - RGB8 picture to a normalised CHW float tensor: bilinear
 * resize, centre crop and per-channel (v/255 - mean) / std in one pass.
 *
 * Geometry (written down because every library differs a little):
 *  - crop on: the shorter side becomes `resize` and the longer side
 *    floor(long * resize / short), as torchvision's Resize(int) computes it;
 *    then the centre h x w is cut out at offset floor((size - h) / 2).
 *  - crop off: the picture is resized to w x h directly (aspect not kept).
 *  - bilinear sampling with half-pixel centres: output pixel x of a width
 *    `rw` resized from `iw` samples the source at (x + 0.5) * iw / rw - 0.5,
 *    clamped to the picture (OpenCV's INTER_LINEAR, PIL without its
 *    antialias filter). Only the cropped pixels are computed.
 * The interpolation runs on the 8-bit values in float; nothing is rounded
 * back to 8 bits between the resize and the normalisation.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "errfmt.h"
#include "image.h"

/* One axis of the resampling: for each output index the two source
 * indices and the weight of the second. */
struct axis {
	int *i0, *i1;
	float *w1;
};

static int axis_init(struct axis *a, int n_out, int offset, int resized, int n_in)
{
	a->i0 = malloc(sizeof(int) * (size_t)n_out);
	a->i1 = malloc(sizeof(int) * (size_t)n_out);
	a->w1 = malloc(sizeof(float) * (size_t)n_out);
	if (!a->i0 || !a->i1 || !a->w1)
		return -ENOMEM;
	double scale = (double)n_in / resized;
	for (int k = 0; k < n_out; k++) {
		double s = ((double)(k + offset) + 0.5) * scale - 0.5;

		if (s < 0)
			s = 0;
		int i = (int)s;
		if (i >= n_in - 1) {
			a->i0[k] = a->i1[k] = n_in - 1;
			a->w1[k] = 0.0f;
			continue;
		}
		a->i0[k] = i;
		a->i1[k] = i + 1;
		a->w1[k] = (float)(s - i);
	}
	return 0;
}

static void axis_free(struct axis *a)
{
	free(a->i0);
	free(a->i1);
	free(a->w1);
}

int image_to_tensor(const struct image_rgb8 *img, const struct image_opts *o,
		    const struct image_shape *shape, float *out, char **errmsg)
{
	struct axis ax = { 0 }, ay = { 0 };
	int rw, rh, left = 0, top = 0;
	int ret;

	if (img->w <= 0 || img->h <= 0 || shape->c != 3) {
		*errmsg = errfmt("resize: a %dx%d picture into %d channels", img->w,
				  img->h, shape->c);
		return -EINVAL;
	}
	if (o->crop) {
		if (img->w <= img->h) {
			rw = o->resize;
			rh = (int)((int64_t)img->h * o->resize / img->w);
		} else {
			rh = o->resize;
			rw = (int)((int64_t)img->w * o->resize / img->h);
		}
		if (rw < shape->w || rh < shape->h) {
			*errmsg = errfmt("resize: %dx%d resized to %dx%d is smaller "
					  "than the %dx%d crop", img->w, img->h, rw,
					  rh, shape->w, shape->h);
			return -EINVAL;
		}
		left = (rw - shape->w) / 2;
		top = (rh - shape->h) / 2;
	} else {
		rw = shape->w;
		rh = shape->h;
	}

	ret = axis_init(&ax, shape->w, left, rw, img->w);
	if (!ret)
		ret = axis_init(&ay, shape->h, top, rh, img->h);
	if (ret) {
		*errmsg = errfmt("resize: out of memory");
		goto out;
	}

	/* (v / 255 - mean) / std == v * a + b, with a and b per channel. */
	float a[3], b[3];
	for (int c = 0; c < 3; c++) {
		a[c] = 1.0f / (255.0f * o->std[c]);
		b[c] = -o->mean[c] / o->std[c];
	}
	size_t plane = (size_t)shape->h * shape->w;
	size_t stride = (size_t)img->w * 3;
	for (int y = 0; y < shape->h; y++) {
		const uint8_t *r0 = img->px + stride * ay.i0[y];
		const uint8_t *r1 = img->px + stride * ay.i1[y];
		float wy = ay.w1[y];

		for (int x = 0; x < shape->w; x++) {
			int x0 = ax.i0[x] * 3, x1 = ax.i1[x] * 3;
			float wx = ax.w1[x];

			for (int c = 0; c < 3; c++) {
				float top_v = r0[x0 + c] + wx * (float)(r0[x1 + c] - r0[x0 + c]);
				float bot_v = r1[x0 + c] + wx * (float)(r1[x1 + c] - r1[x0 + c]);
				float v = top_v + wy * (bot_v - top_v);

				out[plane * c + (size_t)y * shape->w + x] = v * a[c] + b[c];
			}
		}
	}
	ret = 0;
out:
	axis_free(&ax);
	axis_free(&ay);
	return ret;
}

/*
 * image.c - options, format detection, raw tensors and the one-call
 * image_load() that a worker runs per job.
 */
#include <endian.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errfmt.h"
#include "image.h"

void image_opts_default(struct image_opts *o)
{
	static const float mean[3] = { 0.485f, 0.456f, 0.406f };
	static const float std[3] = { 0.229f, 0.224f, 0.225f };

	memset(o, 0, sizeof(*o));
	o->resize = 256;
	o->crop = 1;
	memcpy(o->mean, mean, sizeof(mean));
	memcpy(o->std, std, sizeof(std));
	o->format = IMAGE_FORMAT_AUTO;
}

int image_opts_check(const struct image_opts *o, const struct image_shape *shape,
		     char **errmsg)
{
	if (shape->c <= 0 || shape->h <= 0 || shape->w <= 0) {
		*errmsg = errfmt("image options: the model's input %dx%dx%d is not "
				  "a fixed C x H x W", shape->c, shape->h, shape->w);
		return -EINVAL;
	}
	if (o->format != IMAGE_FORMAT_RAW && shape->c != 3) {
		*errmsg = errfmt("image options: JPEG input gives 3 channels, the "
				  "model takes %d (use raw input)", shape->c);
		return -EINVAL;
	}
	if (o->crop && (o->resize < shape->h || o->resize < shape->w)) {
		*errmsg = errfmt("image options: resize %d is smaller than the "
				  "model's %dx%d crop", o->resize, shape->w, shape->h);
		return -EINVAL;
	}
	for (int c = 0; c < 3; c++) {
		if (!(o->std[c] != 0.0f) || !isfinite(o->std[c]) || !isfinite(o->mean[c])) {
			*errmsg = errfmt("image options: mean/std of channel %d "
					  "(%g/%g) is not usable", c,
					  (double)o->mean[c], (double)o->std[c]);
			return -EINVAL;
		}
	}
	return 0;
}

int image_parse_triple(const char *text, float out[3])
{
	const char *p = text;

	for (int i = 0; i < 3; i++) {
		char *end;

		errno = 0;
		double v = strtod(p, &end);
		if (end == p || errno || !isfinite(v))
			return -EINVAL;
		out[i] = (float)v;
		p = end;
		if (i < 2) {
			if (*p != ',')
				return -EINVAL;
			p++;
		}
	}
	return *p ? -EINVAL : 0;
}

static int has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);

	return n > e && strcasecmp(name + n - e, ext) == 0;
}

enum image_format image_detect(const struct image_opts *o, const char *name,
			       const void *data, size_t len)
{
	const uint8_t *b = data;

	if (o->format != IMAGE_FORMAT_AUTO)
		return o->format;
	if (has_ext(name, ".f32"))
		return IMAGE_FORMAT_RAW;
	if (has_ext(name, ".jpg") || has_ext(name, ".jpeg"))
		return IMAGE_FORMAT_JPEG;
	if (len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return IMAGE_FORMAT_JPEG;
	return IMAGE_FORMAT_RAW;
}

int image_raw_by_name(const struct image_opts *o, const char *name)
{
	return o->format == IMAGE_FORMAT_RAW ||
	       (o->format == IMAGE_FORMAT_AUTO && has_ext(name, ".f32"));
}

size_t image_raw_bytes(const struct image_shape *shape)
{
	return (size_t)shape->c * shape->h * shape->w * 4;
}

int image_raw_check_size(size_t len, const char *name, const struct image_shape *shape,
			 char **errmsg)
{
	if (len == image_raw_bytes(shape))
		return 0;
	*errmsg = errfmt("%s: raw input of %zu bytes, the model takes %dx%dx%d float32 = %zu "
			  "bytes", name, len, shape->c, shape->h, shape->w, image_raw_bytes(shape));
	return -EINVAL;
}

int image_raw_to_tensor(const void *data, size_t len, const char *name,
			const struct image_shape *shape, float *out, char **errmsg)
{
	size_t n = (size_t)shape->c * shape->h * shape->w;
	const uint8_t *b = data;
	int ret;

	if ((ret = image_raw_check_size(len, name, shape, errmsg)))
		return ret;
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		float f;

		memcpy(&u, b + 4 * i, 4);
		u = le32toh(u);
		memcpy(&f, &u, 4);
		if (!isfinite(f)) {
			*errmsg = errfmt("%s: raw input value %zu is not finite", name, i);
			return -EINVAL;
		}
		out[i] = f;
	}
	return 0;
}

int image_load(const void *data, size_t len, const char *name,
	       const struct image_opts *o, const struct image_shape *shape,
	       float *out, char **errmsg)
{
	struct image_rgb8 img;
	char *why = NULL;
	int ret;

	if (image_detect(o, name, data, len) == IMAGE_FORMAT_RAW)
		return image_raw_to_tensor(data, len, name, shape, out, errmsg);

	ret = image_decode_jpeg(data, len, name, &img, errmsg);
	if (ret)
		return ret;
	ret = image_to_tensor(&img, o, shape, out, &why);
	if (ret) {
		*errmsg = errfmt("%s: %s", name, why ? why : "resize failed");
		free(why);
	}
	image_rgb8_free(&img);
	return ret;
}

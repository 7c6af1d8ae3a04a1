/*
 * image.h - turning one job's payload into one model input: a C x H x W
 * float tensor (one item of an NCHW batch).
 *
 * Two payload formats:
 *  - JPEG: decoded to RGB8 with libjpeg(-turbo), resized with bilinear
 *    interpolation and normalised with per-channel mean/std on [0,1] values.
 *    With crop on (the default) the shorter side is resized to `resize` and
 *    the centre H x W is cut out, as torchvision's Resize(256) +
 *    CenterCrop(224) does; with crop off the image is resized to H x W.
 *  - raw: exactly C*H*W little-endian IEEE float32 values, used as they are.
 *
 * Errors: 0 or a negative errno; *errmsg gets a malloc'd message that starts
 * with the payload's name (the job) and says what is wrong with it.
 * Threads: everything here is reentrant; decode on as many threads as you
 * like, each with its own output buffer.
 */
#ifndef SCALED_IMAGE_H
#define SCALED_IMAGE_H

#include <stddef.h>
#include <stdint.h>

enum image_format {
	IMAGE_FORMAT_AUTO = 0, /* by name (.f32 raw, .jpg/.jpeg JPEG) or magic */
	IMAGE_FORMAT_JPEG,
	IMAGE_FORMAT_RAW,
};

/* How a JPEG becomes a tensor. image_opts_default() fills the defaults. */
struct image_opts {
	int resize;      /* shorter side before the crop (crop on); 256 */
	int crop;        /* non-zero: resize shorter side, centre crop; 1 */
	float mean[3];   /* per channel, on [0,1] values; ImageNet's */
	float std[3];    /* per channel; ImageNet's */
	enum image_format format;
};

/* The tensor one payload becomes: channels x height x width. */
struct image_shape {
	int c, h, w;
};

/* A decoded picture: rows of w RGB triples, tightly packed. */
struct image_rgb8 {
	int w, h;
	uint8_t *px; /* owned; free with image_rgb8_free */
};

/* Refuse pictures larger than this many pixels before allocating for them
 * (a 100-byte file may claim to be 65535 x 65535). */
#define IMAGE_MAX_PIXELS ((int64_t)1 << 28)

void image_opts_default(struct image_opts *o);
/* Check options against the model's shape: JPEG needs c == 3, and with crop
 * on, resize >= h and w; std must be non-zero. */
int image_opts_check(const struct image_opts *o, const struct image_shape *shape,
		     char **errmsg);
/* Parse "a,b,c" into three floats. */
int image_parse_triple(const char *text, float out[3]);

/* Decide a payload's format: o->format unless AUTO, else by the name's
 * extension, else by the JPEG magic bytes, else raw. */
enum image_format image_detect(const struct image_opts *o, const char *name,
			       const void *data, size_t len);

/* Whether a payload of this name is raw whatever it holds (o->format raw,
 * or auto and a .f32 name): its size is then known before it is read. */
int image_raw_by_name(const struct image_opts *o, const char *name);
/* The bytes a raw payload must have: c*h*w float32. */
size_t image_raw_bytes(const struct image_shape *shape);
/* 0 when len is that, else -EINVAL and a message naming both sizes. */
int image_raw_check_size(size_t len, const char *name, const struct image_shape *shape,
			 char **errmsg);

/* Decode a JPEG held in memory to RGB8 (greyscale is expanded to RGB).
 * Truncated or corrupt data is an error, not a grey picture. */
int image_decode_jpeg(const void *data, size_t len, const char *name,
		      struct image_rgb8 *out, char **errmsg);
void image_rgb8_free(struct image_rgb8 *img);

/* Resize (and crop) `img` as `o` says and normalise into `out`, which holds
 * 3 * shape->h * shape->w floats, planar (CHW). */
int image_to_tensor(const struct image_rgb8 *img, const struct image_opts *o,
		    const struct image_shape *shape, float *out, char **errmsg);

/* Copy a raw payload into `out` (c*h*w floats), checking its exact size and
 * that every value is finite. */
int image_raw_to_tensor(const void *data, size_t len, const char *name,
			const struct image_shape *shape, float *out, char **errmsg);

/* The whole step for one payload: detect, decode, resize, normalise. */
int image_load(const void *data, size_t len, const char *name,
	       const struct image_opts *o, const struct image_shape *shape,
	       float *out, char **errmsg);

#endif

/*
 * fuzz_jpeg.c - the worker's image path (cuda/io/image*.c): a JPEG payload
 * decoded with libjpeg(-turbo) under our error handling, then resized and
 * normalised into a small tensor both ways the worker can: shorter side to
 * `resize` and a centre crop, and a plain resize to H x W.
 *
 * libjpeg itself is fuzzed by its own project; what is ours is the
 * setjmp/longjmp error path (warnings turned into errors, nothing leaked
 * or used after the jump), the size limit checked before allocating, and
 * the geometry of the resize on pictures of any shape (1 x 5000, 3 x 3).
 *
 * Invariants: decoding returns 0 or a negative errno; a failure has a
 * message that starts with the payload's name; a success is a picture of at
 * least 1 x 1 within IMAGE_MAX_PIXELS; both resizes succeed on it, and
 * every value they write lies in the range that normalising [0, 255] can
 * give (bilinear interpolation never leaves the range of its inputs).
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "image.h"

#define NAME "fuzz.jpg"

/* Every value of channel c must be within what 0 and 255 normalise to. */
static void check_range(const float *t, const struct image_shape *shape,
			const struct image_opts *o, const char *how)
{
	size_t plane = (size_t)shape->h * (size_t)shape->w;

	for (int c = 0; c < 3; c++) {
		/* As image_resize.c computes it; a little slack for rounding. */
		float a = 1.0f / (255.0f * o->std[c]), b = -o->mean[c] / o->std[c];
		float lo = b - 1e-3f, hi = 255.0f * a + b + 1e-3f;

		for (size_t i = 0; i < plane; i++) {
			float v = t[plane * (size_t)c + i];

			FUZZ_CHECK(isfinite(v) && v >= lo && v <= hi,
				   "%s: channel %d value %zu is %g, outside [%g, %g]", how, c, i,
				   (double)v, (double)lo, (double)hi);
		}
	}
}

static void to_tensor(const struct image_rgb8 *img, int crop, int resize, int h, int w)
{
	struct image_shape shape = { 3, h, w };
	struct image_opts o;
	float t[3 * 16 * 16];
	char *err = NULL;
	int rc;

	image_opts_default(&o);
	o.format = IMAGE_FORMAT_JPEG;
	o.crop = crop;
	o.resize = resize;
	rc = image_opts_check(&o, &shape, &err);
	FUZZ_CHECK(rc == 0, "options: %s", err ? err : "");
	/* Poison, so that a pixel the resize forgot to write shows. */
	memset(t, 0xff, sizeof(t));
	rc = image_to_tensor(img, &o, &shape, t, &err);
	FUZZ_CHECK(rc == 0, "%dx%d picture, crop %d resize %d to %dx%d: %d %s", img->w, img->h,
		   crop, resize, w, h, rc, err ? err : "");
	check_range(t, &shape, &o, crop ? "crop" : "resize");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_rgb8 img;
	char *err = NULL;
	int rc;

	rc = image_decode_jpeg(data, size, NAME, &img, &err);
	if (rc < 0) {
		FUZZ_CHECK(err != NULL, "failed (%d) without a message", rc);
		FUZZ_CHECK(strncmp(err, NAME ":", strlen(NAME ":")) == 0,
			   "the message does not start with the name: %s", err);
		FUZZ_CHECK(img.px == NULL, "a picture left behind on failure");
		free(err);
		return 0;
	}
	FUZZ_CHECK(rc == 0 && err == NULL, "rc %d, message %s", rc, err ? err : "none");
	FUZZ_CHECK(img.px != NULL && img.w >= 1 && img.h >= 1 &&
		   (int64_t)img.w * img.h <= IMAGE_MAX_PIXELS, "a %dx%d picture", img.w, img.h);

	/* The worker's two geometries, at sizes that make up- and downscaling
	 * both likely: a 10-pixel shorter side cropped to 8 x 8 (torchvision's
	 * Resize + CenterCrop), and a plain 7 wide, 5 high resize. */
	to_tensor(&img, 1, 10, 8, 8);
	to_tensor(&img, 0, 10, 5, 7);
	image_rgb8_free(&img);
	return 0;
}

/*
 * test_image.c - JPEG decoding, resize/crop/normalise geometry and raw
 * tensors of the inference worker's input side.
 *
 * The geometry is checked on synthetic pictures whose pixel values are
 * bilinear functions of (x, y): bilinear interpolation reproduces those
 * exactly, so the expected value at any output pixel is the function at
 * the source coordinate that the documented mapping gives, computed here
 * by hand and independently of the code under test.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jpeglib.h>

#include "image.h"

/* |a - b| <= eps, compared in double (cmocka's float check rounds first). */
#define assert_near(a, b, eps) assert_near_at((double)(a), (double)(b), (eps), __LINE__)
static void assert_near_at(double a, double b, double eps, int line)
{
	if (!(fabs(a - b) <= eps)) {
		print_error("line %d: %.9g != %.9g (eps %g)\n", line, a, b, eps);
		fail();
	}
}

static const double MEAN[3] = { 0.485, 0.456, 0.406 };
static const double STD[3] = { 0.229, 0.224, 0.225 };

/* Encode w x h RGB (or grey when comps == 1) into a JPEG in memory. */
static unsigned char *encode_jpeg(const uint8_t *px, int w, int h, int comps,
				  int quality, unsigned long *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	unsigned char *out = NULL;

	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, len);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = comps;
	c.in_color_space = comps == 3 ? JCS_RGB : JCS_GRAYSCALE;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	if (comps == 3) /* no chroma subsampling: flat colours survive */
		for (int i = 0; i < 3; i++)
			c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = (JSAMPROW)(px + (size_t)c.next_scanline * w * comps);

		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	return out;
}

/* A picture whose channel c at (x, y) is f(x, y) + 20 c. */
static void fill(struct image_rgb8 *img, int w, int h, double (*f)(double, double))
{
	img->w = w;
	img->h = h;
	img->px = malloc((size_t)w * h * 3);
	assert_non_null(img->px);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int c = 0; c < 3; c++) {
				double v = f(x, y) + 20 * c;

				assert_true(v >= 0 && v <= 255 && v == floor(v));
				img->px[((size_t)y * w + x) * 3 + c] = (uint8_t)v;
			}
}

static double f_linear(double x, double y)
{
	return 2 * x + 3 * y;
}

static double f_product(double x, double y)
{
	return x * y;
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static double expect(double (*f)(double, double), double sx, double sy, int c, int w,
		     int h)
{
	double v = f(clampd(sx, 0, w - 1), clampd(sy, 0, h - 1)) + 20 * c;

	return (v / 255.0 - MEAN[c]) / STD[c];
}

static void test_crop_geometry(void **state)
{
	struct image_rgb8 img;
	struct image_opts o;
	struct image_shape shape = { 3, 24, 24 };
	float out[3 * 24 * 24];
	char *err = NULL;

	(void)state;
	/* 50 x 40: the shorter side (h) goes to 32, w to floor(50*32/40) = 40;
	 * the 24 x 24 crop starts at x = (40-24)/2 = 8, y = (32-24)/2 = 4;
	 * the scale is 50/40 = 40/32 = 1.25 on both axes. */
	fill(&img, 50, 40, f_linear);
	image_opts_default(&o);
	o.resize = 32;
	assert_int_equal(image_to_tensor(&img, &o, &shape, out, &err), 0);
	static const int pts[][2] = { { 0, 0 }, { 23, 23 }, { 5, 17 }, { 23, 0 } };
	for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
		int x = pts[i][0], y = pts[i][1];
		double sx = (x + 8 + 0.5) * 1.25 - 0.5;
		double sy = (y + 4 + 0.5) * 1.25 - 0.5;

		for (int c = 0; c < 3; c++)
			assert_near(out[c * 576 + y * 24 + x],
					   expect(f_linear, sx, sy, c, 50, 40), 1e-5);
	}
	/* one value written out in full: (0,0) samples (10.125, 5.125), so
	 * red is 2*10.125 + 3*5.125 = 35.625 */
	assert_near(out[0], (35.625 / 255.0 - 0.485) / 0.229, 1e-5);
	image_rgb8_free(&img);
}

static void test_no_crop_and_clamp(void **state)
{
	struct image_rgb8 img;
	struct image_opts o;
	struct image_shape shape = { 3, 24, 24 };
	float out[3 * 24 * 24];
	char *err = NULL;

	(void)state;
	/* 15 x 12 up to 24 x 24 (aspect not kept): edges clamp to the picture. */
	fill(&img, 15, 12, f_product);
	image_opts_default(&o);
	o.crop = 0;
	assert_int_equal(image_to_tensor(&img, &o, &shape, out, &err), 0);
	for (int y = 0; y < 24; y++)
		for (int x = 0; x < 24; x++) {
			double sx = (x + 0.5) * 15.0 / 24 - 0.5;
			double sy = (y + 0.5) * 12.0 / 24 - 0.5;

			for (int c = 0; c < 3; c++)
				assert_near(out[c * 576 + y * 24 + x],
						   expect(f_product, sx, sy, c, 15, 12),
						   1e-5);
		}
	/* corner (23, 23) samples (14.19, 11.25): both clamp to (14, 11) */
	assert_near(out[23 * 24 + 23], (154 / 255.0 - 0.485) / 0.229, 1e-5);
	image_rgb8_free(&img);
}

static void test_mean_std(void **state)
{
	struct image_rgb8 img;
	struct image_opts o;
	struct image_shape shape = { 3, 2, 2 };
	float out[12];
	char *err = NULL;

	(void)state;
	img.w = img.h = 4;
	img.px = malloc(48);
	assert_non_null(img.px);
	for (int i = 0; i < 16; i++) {
		img.px[i * 3] = 0;
		img.px[i * 3 + 1] = 128;
		img.px[i * 3 + 2] = 255;
	}
	image_opts_default(&o);
	o.crop = 0;
	assert_int_equal(image_parse_triple("0.5,0.25,1", o.mean), 0);
	assert_int_equal(image_parse_triple("0.5,2,0.1", o.std), 0);
	assert_int_equal(image_to_tensor(&img, &o, &shape, out, &err), 0);
	for (int i = 0; i < 4; i++) {
		assert_near(out[i], (0 - 0.5) / 0.5, 1e-5);
		assert_near(out[4 + i], (128 / 255.0 - 0.25) / 2, 1e-5);
		assert_near(out[8 + i], (1.0 - 1) / 0.1, 1e-5);
	}
	image_rgb8_free(&img);

	float t[3];
	assert_int_equal(image_parse_triple("1,2", t), -EINVAL);
	assert_int_equal(image_parse_triple("1,2,3,", t), -EINVAL);
	assert_int_equal(image_parse_triple("1,x,3", t), -EINVAL);
}

static void test_opts_check(void **state)
{
	struct image_opts o;
	struct image_shape shape = { 3, 224, 224 }, one = { 1, 28, 28 };
	char *err = NULL;

	(void)state;
	image_opts_default(&o);
	assert_int_equal(o.resize, 256);
	assert_true(o.crop);
	assert_int_equal(image_opts_check(&o, &shape, &err), 0);
	o.resize = 200;
	assert_int_equal(image_opts_check(&o, &shape, &err), -EINVAL);
	assert_non_null(strstr(err, "resize 200"));
	free(err);
	err = NULL;
	o.resize = 256;
	o.std[1] = 0;
	assert_int_equal(image_opts_check(&o, &shape, &err), -EINVAL);
	free(err);
	err = NULL;
	image_opts_default(&o);
	assert_int_equal(image_opts_check(&o, &one, &err), -EINVAL);
	assert_non_null(strstr(err, "takes 1"));
	free(err);
	err = NULL;
	o.format = IMAGE_FORMAT_RAW;
	assert_int_equal(image_opts_check(&o, &one, &err), 0);
}

static void test_jpeg_decode(void **state)
{
	enum { W = 37, H = 21 };
	uint8_t px[W * H * 3];
	struct image_rgb8 img;
	unsigned long len = 0;
	char *err = NULL;

	(void)state;
	for (int i = 0; i < W * H; i++) {
		px[i * 3] = 200;
		px[i * 3 + 1] = 100;
		px[i * 3 + 2] = 30;
	}
	unsigned char *jpg = encode_jpeg(px, W, H, 3, 100, &len);
	assert_int_equal(image_decode_jpeg(jpg, len, "flat.jpg", &img, &err), 0);
	assert_int_equal(img.w, W);
	assert_int_equal(img.h, H);
	/* Quality 100 without subsampling: a flat colour comes back within
	 * the rounding of the colour conversion. */
	for (int i = 0; i < W * H * 3; i++)
		assert_in_range(img.px[i], px[i] - 1, px[i] + 1);
	image_rgb8_free(&img);
	free(jpg);

	/* Greyscale is expanded to three equal channels. */
	uint8_t grey[W * H];
	memset(grey, 90, sizeof(grey));
	jpg = encode_jpeg(grey, W, H, 1, 100, &len);
	assert_int_equal(image_decode_jpeg(jpg, len, "grey.jpg", &img, &err), 0);
	assert_int_equal(img.w, W);
	for (int i = 0; i < W * H; i++) {
		assert_in_range(img.px[i * 3], 89, 91);
		assert_int_equal(img.px[i * 3], img.px[i * 3 + 1]);
		assert_int_equal(img.px[i * 3], img.px[i * 3 + 2]);
	}
	image_rgb8_free(&img);
	free(jpg);
}

static void test_jpeg_bad(void **state)
{
	enum { W = 64, H = 64 };
	uint8_t px[W * H * 3];
	struct image_rgb8 img;
	unsigned long len = 0;
	char *err = NULL;

	(void)state;
	srand(7);
	for (size_t i = 0; i < sizeof(px); i++)
		px[i] = (uint8_t)(rand() & 0xff); /* noise: lots of entropy data */
	unsigned char *jpg = encode_jpeg(px, W, H, 3, 90, &len);
	assert_true(len > 1000);

	/* Cut in the middle of the entropy-coded data. */
	assert_int_equal(image_decode_jpeg(jpg, len / 2, "cut.jpg", &img, &err), -EINVAL);
	assert_non_null(err);
	assert_non_null(strstr(err, "cut.jpg"));
	assert_non_null(strstr(err, "Premature end"));
	assert_null(img.px);
	free(err);
	err = NULL;

	/* Cut inside the header. */
	assert_int_equal(image_decode_jpeg(jpg, 40, "head.jpg", &img, &err), -EINVAL);
	assert_non_null(strstr(err, "head.jpg: bad JPEG"));
	free(err);
	err = NULL;

	/* Not a JPEG at all, and empty. */
	assert_int_equal(image_decode_jpeg("hello, world", 12, "text.jpg", &img, &err),
			 -EINVAL);
	assert_non_null(strstr(err, "text.jpg: bad JPEG"));
	free(err);
	err = NULL;
	assert_int_equal(image_decode_jpeg("", 0, "empty.jpg", &img, &err), -EINVAL);
	assert_non_null(strstr(err, "empty.jpg"));
	free(err);
	err = NULL;

	/* The whole load path names the job as well. */
	struct image_opts o;
	struct image_shape shape = { 3, 32, 32 };
	float out[3 * 32 * 32];
	image_opts_default(&o);
	o.resize = 32;
	assert_int_equal(image_load(jpg, len / 2, "job-7.jpg", &o, &shape, out, &err),
			 -EINVAL);
	assert_non_null(strstr(err, "job-7.jpg"));
	free(err);
	err = NULL;
	assert_int_equal(image_load(jpg, len, "job-8.jpg", &o, &shape, out, &err), 0);
	free(jpg);
}

static void test_raw(void **state)
{
	struct image_opts o;
	struct image_shape shape = { 2, 2, 3 };
	float in[12], out[12];
	uint8_t bytes[12 * 4];
	char *err = NULL;

	(void)state;
	for (int i = 0; i < 12; i++) {
		in[i] = (float)i * 0.5f - 2.0f;
		/* little-endian on the wire, whatever this machine is */
		uint32_t u;
		memcpy(&u, &in[i], 4);
		for (int b = 0; b < 4; b++)
			bytes[i * 4 + b] = (uint8_t)(u >> (8 * b));
	}
	image_opts_default(&o);
	assert_int_equal(image_load(bytes, sizeof(bytes), "t.f32", &o, &shape, out, &err), 0);
	assert_memory_equal(in, out, sizeof(in));

	/* one value short; one value too many */
	assert_int_equal(image_load(bytes, sizeof(bytes) - 4, "short.f32", &o, &shape,
				    out, &err), -EINVAL);
	assert_non_null(strstr(err, "short.f32: raw input of 44 bytes"));
	assert_non_null(strstr(err, "= 48 bytes"));
	free(err);
	err = NULL;
	uint8_t more[52] = { 0 };
	assert_int_equal(image_raw_to_tensor(more, sizeof(more), "long.f32", &shape, out,
					     &err), -EINVAL);
	assert_non_null(strstr(err, "long.f32"));
	free(err);
	err = NULL;

	/* NaN is refused, naming the value */
	float nan = NAN;
	memcpy(bytes + 5 * 4, &nan, 4);
	assert_int_equal(image_raw_to_tensor(bytes, sizeof(bytes), "nan.f32", &shape, out,
					     &err), -EINVAL);
	assert_non_null(strstr(err, "value 5"));
	free(err);
}

static void test_detect(void **state)
{
	struct image_opts o;
	static const uint8_t soi[] = { 0xff, 0xd8, 0xff, 0xe0 };

	(void)state;
	image_opts_default(&o);
	assert_int_equal(image_detect(&o, "a.f32", soi, 4), IMAGE_FORMAT_RAW);
	assert_int_equal(image_detect(&o, "a.JPG", "xxxx", 4), IMAGE_FORMAT_JPEG);
	assert_int_equal(image_detect(&o, "a.jpeg", "xxxx", 4), IMAGE_FORMAT_JPEG);
	assert_int_equal(image_detect(&o, "noext", soi, 4), IMAGE_FORMAT_JPEG);
	assert_int_equal(image_detect(&o, "noext", "xxxx", 4), IMAGE_FORMAT_RAW);
	o.format = IMAGE_FORMAT_RAW;
	assert_int_equal(image_detect(&o, "a.jpg", soi, 4), IMAGE_FORMAT_RAW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crop_geometry),
		cmocka_unit_test(test_no_crop_and_clamp),
		cmocka_unit_test(test_mean_std),
		cmocka_unit_test(test_opts_check),
		cmocka_unit_test(test_jpeg_decode),
		cmocka_unit_test(test_jpeg_bad),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_detect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

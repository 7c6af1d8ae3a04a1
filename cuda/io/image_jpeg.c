/*
 * image_jpeg.c - JPEG to RGB8 with libjpeg(-turbo).
 *
 * libjpeg reports fatal errors through error_exit (which must not return:
 * we longjmp out) and damaged data through warnings, after which it goes on
 * and fills the rest of the picture with grey. A classifier fed that grey
 * answers confidently and wrongly, so warnings that mean "pixels were made
 * up" are errors here too. Only "extraneous bytes before marker", which
 * loses nothing, is let through.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "errfmt.h"
#include "image.h"

struct jpeg_err {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
	int failed;
};

static void jpeg_err_exit(j_common_ptr cinfo)
{
	struct jpeg_err *e = (struct jpeg_err *)cinfo->err;

	e->mgr.format_message(cinfo, e->msg);
	e->failed = 1;
	longjmp(e->jump, 1);
}

static void jpeg_err_emit(j_common_ptr cinfo, int level)
{
	struct jpeg_err *e = (struct jpeg_err *)cinfo->err;

	if (level >= 0) /* trace messages */
		return;
	if (e->mgr.msg_code == JWRN_EXTRANEOUS_DATA)
		return;
	/* Damaged data: stop now rather than decode a made-up picture. */
	e->mgr.format_message(cinfo, e->msg);
	e->failed = 1;
	longjmp(e->jump, 1);
}

int image_decode_jpeg(const void *data, size_t len, const char *name,
		      struct image_rgb8 *out, char **errmsg)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_err jerr;
	/* volatile: read after longjmp */
	uint8_t *volatile px = NULL;
	volatile int ret = 0;

	out->w = out->h = 0;
	out->px = NULL;
	if (len == 0 || len > (size_t)UINT32_MAX) {
		*errmsg = errfmt("%s: JPEG: %s", name,
				  len ? "file too large" : "empty file");
		return -EINVAL;
	}

	memset(&jerr, 0, sizeof(jerr));
	cinfo.err = jpeg_std_error(&jerr.mgr);
	jerr.mgr.error_exit = jpeg_err_exit;
	jerr.mgr.emit_message = jpeg_err_emit;
	if (setjmp(jerr.jump)) {
		*errmsg = errfmt("%s: bad JPEG: %s", name, jerr.msg);
		ret = -EINVAL;
		goto out;
	}
	jpeg_create_decompress(&cinfo);
	jpeg_mem_src(&cinfo, (const unsigned char *)data, (unsigned long)len);
	jpeg_read_header(&cinfo, TRUE);

	if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
		*errmsg = errfmt("%s: bad JPEG: CMYK pictures are not supported "
				  "(convert to RGB first)", name);
		ret = -ENOTSUP;
		goto out;
	}
	if ((int64_t)cinfo.image_width * cinfo.image_height > IMAGE_MAX_PIXELS) {
		*errmsg = errfmt("%s: JPEG of %ux%u pixels is larger than the "
				  "limit of %lld pixels", name, cinfo.image_width,
				  cinfo.image_height, (long long)IMAGE_MAX_PIXELS);
		ret = -EFBIG;
		goto out;
	}
	cinfo.out_color_space = JCS_RGB; /* greyscale is expanded */
	cinfo.dct_method = JDCT_ISLOW;   /* the accurate one: stable numbers */
	jpeg_start_decompress(&cinfo);
	if (cinfo.output_components != 3) {
		*errmsg = errfmt("%s: bad JPEG: %d components after conversion "
				  "to RGB", name, cinfo.output_components);
		ret = -ENOTSUP;
		goto out;
	}

	size_t stride = (size_t)cinfo.output_width * 3;
	px = malloc(stride * cinfo.output_height);
	if (!px) {
		*errmsg = errfmt("%s: out of memory for a %ux%u picture", name,
				  cinfo.output_width, cinfo.output_height);
		ret = -ENOMEM;
		goto out;
	}
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW row = px + stride * cinfo.output_scanline;

		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	out->w = (int)cinfo.output_width;
	out->h = (int)cinfo.output_height;
	out->px = px;
	px = NULL;
out:
	jpeg_destroy_decompress(&cinfo);
	free(px);
	return ret;
}

void image_rgb8_free(struct image_rgb8 *img)
{
	if (!img)
		return;
	free(img->px);
	img->px = NULL;
	img->w = img->h = 0;
}

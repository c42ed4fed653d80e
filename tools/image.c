// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * tools/image.c - image decoding through ImageMagick's convert and
 * PaddleOCR's preprocessing (see image.h). The arithmetic mirrors
 * tools/ocr-preprocess.mjs operation by operation, so both give the same
 * tensor bytes for the same pixels (built with -ffp-contract=off: no fused
 * multiply-adds).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"

extern char **environ;

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void image_free(struct image *img)
{
	if (!img)
		return;
	free(img->rgb);
	img->rgb = NULL;
}

/* next PPM header token: skips whitespace and '#' comments */
static const char *ppm_token(const unsigned char **p, const unsigned char *end,
			     size_t *len)
{
	const unsigned char *s;

	for (;;) {
		while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n' ||
				    **p == '\r' || **p == '\v' || **p == '\f'))
			(*p)++;
		if (*p < end && **p == '#') {
			while (*p < end && **p != '\n')
				(*p)++;
			continue;
		}
		break;
	}
	s = *p;
	while (*p < end && !(**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r' ||
			     **p == '\v' || **p == '\f'))
		(*p)++;
	*len = (size_t)(*p - s);
	return (const char *)s;
}

static int ppm_num(const unsigned char **p, const unsigned char *end, uint32_t *v)
{
	size_t len, i;
	const char *t = ppm_token(p, end, &len);
	uint64_t n = 0;

	if (!len || len > 9)
		return -1;
	for (i = 0; i < len; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(t[i] - '0');
	}
	*v = (uint32_t)n;
	return 0;
}

/* Parse convert's binary PPM (P6, maxval 255); trailing frames are ignored. */
static int parse_ppm(const unsigned char *buf, size_t len, struct image *img,
		     const char *path, char *err, size_t errlen)
{
	const unsigned char *p = buf, *end = buf + len;
	uint32_t w, h, max;
	size_t tlen, need;
	const char *t = ppm_token(&p, end, &tlen);

	if (tlen != 2 || memcmp(t, "P6", 2) || ppm_num(&p, end, &w) ||
	    ppm_num(&p, end, &h) || ppm_num(&p, end, &max) || p >= end)
		return fail(err, errlen, "%s: unexpected output from convert (not a binary PPM)",
			    path);
	p++;	/* the single whitespace byte after maxval */
	if (max != 255)
		return fail(err, errlen, "%s: convert gave a PPM with maxval %u, not 255", path, max);
	if (!w || !h || (uint64_t)w * h > IMAGE_MAX_PIXELS)
		return fail(err, errlen, "%s: image of %ux%u pixels (at most %u pixels are taken)",
			    path, w, h, IMAGE_MAX_PIXELS);
	need = (size_t)w * h * 3;
	if ((size_t)(end - p) < need)
		return fail(err, errlen, "%s: short PPM data from convert", path);
	img->rgb = malloc(need);
	if (!img->rgb)
		return fail(err, errlen, "%s: out of memory", path);
	memcpy(img->rgb, p, need);
	img->w = w;
	img->h = h;
	return 0;
}

static const char *convert_path(void)
{
	const char *env = getenv("NPU_CONVERT");

	if (env && *env)
		return env;
	if (access("/usr/bin/convert", X_OK) == 0)
		return "/usr/bin/convert";
	return "convert";
}

int image_decode(const char *path, struct image *img, char *err, size_t errlen)
{
	/* at most one maximal image, its header and some slack */
	const size_t cap_max = (size_t)IMAGE_MAX_PIXELS * 3 + 4096;
	const char *conv = convert_path();
	posix_spawn_file_actions_t fa;
	unsigned char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	char *arg0 = NULL;
	int pfd[2], ret, status;
	bool too_big = false;
	ssize_t n;
	pid_t pid;

	memset(img, 0, sizeof(*img));
	/* "./" keeps ImageMagick from reading "png:x" or "-x" as a coder or option */
	if (path[0] != '/' && asprintf(&arg0, "./%s", path) < 0)
		return fail(err, errlen, "%s: out of memory", path);
	{
		char *argv[] = {
			(char *)conv, arg0 ? arg0 : (char *)path,
			"-background", "white", "-alpha", "remove", "-alpha", "off",
			"-colorspace", "sRGB", "-type", "TrueColor", "-depth", "8",
			"ppm:-", NULL,
		};

		if (pipe2(pfd, O_CLOEXEC)) {
			free(arg0);
			return fail(err, errlen, "pipe: %s", strerror(errno));
		}
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
		ret = posix_spawnp(&pid, conv, &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	free(arg0);
	close(pfd[1]);
	if (ret) {
		close(pfd[0]);
		return fail(err, errlen, "cannot run %s: %s (ImageMagick: apt-get install imagemagick, or set NPU_CONVERT)",
			    conv, strerror(ret));
	}
	for (;;) {
		if (len == cap) {
			if (cap >= cap_max) {
				too_big = true;
				break;
			}
			cap = cap ? cap * 2 : 1 << 20;
			if (cap > cap_max)
				cap = cap_max;
			nb = realloc(buf, cap);
			if (!nb) {
				too_big = true;
				break;
			}
			buf = nb;
		}
		n = read(pfd[0], buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pfd[0]);	/* a convert still writing gets SIGPIPE */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!too_big && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		free(buf);
		if (WIFEXITED(status))
			return fail(err, errlen, "%s: %s failed (exit status %d): not an image it reads?",
				    path, conv, WEXITSTATUS(status));
		return fail(err, errlen, "%s: %s killed by signal %d", path, conv,
			    WTERMSIG(status));
	}
	ret = parse_ppm(buf ? buf : (unsigned char *)"", len, img, path, err, errlen);
	free(buf);
	return ret;
}

/* ---- preprocessing ---- */

/* one axis of cv2.INTER_LINEAR's sampling, as ocr-preprocess.mjs does it */
static void axis(uint32_t d, double s, uint32_t n, uint32_t *i0, uint32_t *i1, double *f)
{
	double x = (d + 0.5) * s - 0.5, fl = floor(x);

	*f = x - fl;
	if (fl < 0) {
		fl = 0;
		*f = 0;
	}
	if (fl >= n - 1) {
		fl = n - 1;
		*f = 0;
	}
	*i0 = (uint32_t)fl;
	*i1 = *i0 + 1 < n ? *i0 + 1 : n - 1;
}

/* bilinear resize of RGB to dw x dh; an exact copy at the same size */
static uint8_t *resize(const struct image *img, uint32_t dw, uint32_t dh)
{
	double sx = (double)img->w / dw, sy = (double)img->h / dh, fx, fy, v;
	uint32_t x, y, c, x0, x1, y0, y1, w = img->w;
	const uint8_t *p = img->rgb;
	uint8_t *out = malloc((size_t)dw * dh * 3);

	if (!out)
		return NULL;
	if (dw == img->w && dh == img->h) {
		memcpy(out, img->rgb, (size_t)dw * dh * 3);
		return out;
	}
	for (y = 0; y < dh; y++) {
		axis(y, sy, img->h, &y0, &y1, &fy);
		for (x = 0; x < dw; x++) {
			axis(x, sx, img->w, &x0, &x1, &fx);
			for (c = 0; c < 3; c++) {
				v = (1 - fy) * ((1 - fx) * p[((size_t)y0 * w + x0) * 3 + c] +
						fx * p[((size_t)y0 * w + x1) * 3 + c]) +
				    fy * ((1 - fx) * p[((size_t)y1 * w + x0) * 3 + c] +
					  fx * p[((size_t)y1 * w + x1) * 3 + c]);
				/* Math.round(): the nearer integer, halves up */
				v = v - floor(v) >= 0.5 ? floor(v) + 1 : floor(v);
				out[((size_t)y * dw + x) * 3 + c] =
					(uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
	}
	return out;
}

int image_to_cls(const struct image *img, uint32_t H, uint32_t W, float *out)
{
	double cw = ceil(H * ((double)img->w / img->h));
	uint32_t rw = cw < W ? (uint32_t)cw : W, x, y, c;
	uint8_t *r = resize(img, rw, H);

	if (!r)
		return -1;
	memset(out, 0, sizeof(float) * 3 * H * W);
	for (c = 0; c < 3; c++) {	/* 0 = B, 1 = G, 2 = R */
		for (y = 0; y < H; y++) {
			for (x = 0; x < rw; x++) {
				float v = r[((size_t)y * rw + x) * 3 + (2 - c)];

				out[((size_t)c * H + y) * W + x] = (v / 255.0f - 0.5f) / 0.5f;
			}
		}
	}
	free(r);
	return 0;
}

int image_to_det(const struct image *img, uint32_t H, uint32_t W, float *out)
{
	/* float32 of the double constants, as Math.fround() gives them */
	const float mean[3] = { (float)0.485, (float)0.456, (float)0.406 };
	const float std[3] = { (float)0.229, (float)0.224, (float)0.225 };
	const float scale = (float)(1.0 / 255);
	uint8_t *r = resize(img, W, H);
	size_t i, hw = (size_t)H * W;
	uint32_t c;

	if (!r)
		return -1;
	for (c = 0; c < 3; c++)		/* 0 = B, 1 = G, 2 = R */
		for (i = 0; i < hw; i++)
			out[c * hw + i] = ((float)r[i * 3 + (2 - c)] * scale - mean[c]) / std[c];
	free(r);
	return 0;
}

void image_det_size(const struct image *img, uint32_t *H, uint32_t *W)
{
	const double limit = 960;
	double ratio = 1, h, w;
	uint32_t m = img->h > img->w ? img->h : img->w;

	if (m > limit)
		ratio = img->h > img->w ? limit / img->h : limit / img->w;
	h = floor(img->h * ratio);		/* int(h * ratio) */
	w = floor(img->w * ratio);
	h = rint(h / 32) * 32;			/* Python's round(): halves to even */
	w = rint(w / 32) * 32;
	*H = h < 32 ? 32 : (uint32_t)h;
	*W = w < 32 ? 32 : (uint32_t)w;
}

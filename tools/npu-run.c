// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * npu-run - run a small built-in job on an npu device and check it, or run
 * an ONNX model (npu-run MODEL, or --model) on real inputs and report its
 * outputs, its timing and how it was compiled.
 *
 * The job has two ops in one command stream over three BOs: an F32 GEMM
 * [2x3] x [3x4] + bias with a fused ReLU, and a quantized int8 CONV2D
 * (X [1x2x4x4], W [3x2x3x3], padding 1, I32 bias, fused ReLU). The results
 * are compared with a host computation that follows the operator semantics
 * of firmware/npu_fw_ops.c: exactly for int8, within 1e-5 (relative, or
 * absolute below 1) for F32.
 *
 * With --backend host the job (or the model) runs in this process
 * (libnpu's host backend), with no kernel driver.
 *
 * With a model, the ONNX file is compiled with npu_model_open() for the
 * input shapes of --shape and of the --input files (.npy files, whose shape
 * binds the input's symbolic dimensions, or images preprocessed as
 * PaddleOCR does: tools/npy.c, tools/image.c); without --input its inputs
 * are deterministic pseudo-random values in [-1, 1). It runs once, or
 * --repeat N times after a warm-up run, and npu-run prints each
 * command-stream op (job, opcode, fused activation, the engines able to run
 * it, the ONNX nodes it implements), the latency (median, p90, min, max),
 * the peak RSS and each output: a summary, the top classes of softmax-like
 * scores; --output-dir writes each as NAME.npy. There is no reference to
 * compare with: exit 0 means the model ran.
 *
 * Exit status: 0 results equal (model: it ran), 1 error or mismatch,
 * 2 usage, 3 no device.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <npu/npu.h>

#include "image.h"
#include "npy.h"

#define EXIT_USAGE	2
#define EXIT_NODEV	3

static const char *prog = "npu-run";
static bool verbose;

/* GEMM: Y[M x N] = relu(A[M x K] * B[K x N] + bias[N]) */
enum { GM = 2, GK = 3, GN = 4 };
static const float gemm_a[GM * GK] = { 1, -2, 3, 0.5f, 4, -1 };
static const float gemm_b[GK * GN] = {
	1, 0, -1, 2,
	0.25f, 1, 1, -3,
	2, -2, 0, 1,
};
static const float gemm_bias[GN] = { 0.5f, -1, 0, -10 };

/* CONV2D: NCHW, N = 1, stride 1, padding 1 on every side */
enum { CC = 2, CH = 4, CW = 4, COC = 3, CK = 3, CPAD = 1 };
static const float conv_sx = 0.5f, conv_sw = 0.02f, conv_sy = 2.0f;
static const int conv_zx = -3, conv_zy = 5;
static const int32_t conv_bias[COC] = { 40, -300, 7 };

/* byte offsets of the tensors in their BOs */
enum {
	OFF_A = 0, OFF_X = 64,				/* BO "input" */
	OFF_B = 0, OFF_GBIAS = 64, OFF_W = 128, OFF_CBIAS = 256, /* "weights" */
	OFF_Y = 0, OFF_CY = 64,				/* BO "output" */
	BO_SIZE = 4096,
};

struct demo {
	int8_t conv_x[CC * CH * CW];
	int8_t conv_w[COC * CC * CK * CK];
	float gemm_want[GM * GN];
	int8_t conv_want[COC * CH * CW];
	const float *gemm_got;
	const int8_t *conv_got;
	int gemm_bad, conv_bad;
	double gemm_max_err;
	uint64_t seqno;
	double elapsed_ms;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS]\n"
		"       %s MODEL.onnx [--input [NAME=]FILE]... [--output-dir DIR] [--repeat N]\n"
		"              [--threads N] [OPTIONS]\n"
		"Run a built-in job (an F32 GEMM and an int8 CONV2D) on an npu device and\n"
		"compare its results with a host computation; or run an ONNX model and print\n"
		"its outputs, its latency and the engines of each op.\n"
		"\n"
		"  -b, --backend NAME  accel (the kernel driver, default) or host (in process)\n"
		"  -d, --device PATH   device node (default: the first npu device; host: \"host\")\n"
		"  -t, --timeout MS    how long to wait for the job (default 10000); host\n"
		"                      backend: also its job timeout (10 .. 600000)\n"
		"  -T, --threads N     host backend: threads that run the jobs, 1 .. 256\n"
		"                      (default: one per online CPU); not with accel, whose\n"
		"                      engines and threads are the kernel driver's\n"
		"  -j, --json          print one JSON object instead of text\n"
		"  -h, --help          show this help and exit\n"
		"  -V, --version       show the version and exit\n"
		"\n"
		"With a model (MODEL, or -m FILE):\n"
		"  -m, --model FILE    the ONNX model, as MODEL\n"
		"  -i, --input [NAME=]FILE  feed input NAME (without NAME=: the model's next\n"
		"                      input in order) from FILE: a NumPy .npy ('<f4', '|u1',\n"
		"                      '|i1', '<i4', C order; its shape binds the input's\n"
		"                      symbolic dimensions), or an image that ImageMagick's\n"
		"                      convert reads, preprocessed as PaddleOCR does\n"
		"                      (repeatable; without it: pseudo-random inputs)\n"
		"  -P, --preprocess cls|det  for images: cls (text line: height H, aspect\n"
		"                      ratio kept up to width W, (x/255-0.5)/0.5, zero padding;\n"
		"                      default 48x192) or det (resize to HxW, ImageNet\n"
		"                      mean/std; default: PaddleOCR's size, sides multiples of\n"
		"                      32, at most 960); default: cls when the model's H is\n"
		"                      48, else det (then the model or --shape gives H, W)\n"
		"  -s, --shape NAME=DIMS  shape of a model input, e.g. x=1x3x48x192\n"
		"                      (repeatable; needed for symbolic dimensions that no\n"
		"                      --input file gives)\n"
		"  -o, --output-dir DIR  write every output as DIR/NAME.npy\n"
		"  -r, --repeat N      time N runs after one warm-up run (default: one run)\n"
		"\n"
		"Environment: NPU_DEBUG=1 prints libnpu and npu-run diagnostics on stderr;\n"
		"NPU_CONVERT: the convert program for images (default /usr/bin/convert).\n"
		"Exit status: 0 results equal (a model: it ran), 1 error or mismatch,\n"
		"2 usage error, 3 no npu device.\n",
		prog, prog);
}

static void dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void dbg(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void make_inputs(struct demo *d)
{
	int i;

	/* fixed, varied values covering the whole int8 range */
	for (i = 0; i < CC * CH * CW; i++)
		d->conv_x[i] = (int8_t)((i * 37) % 256 - 128);
	for (i = 0; i < COC * CC * CK * CK; i++)
		d->conv_w[i] = (int8_t)((i * 53 + 11) % 255 - 127);
}

/*
 * Host references. F32: acc = bias; acc += a * b in reduction order, in
 * binary32, then ReLU. Quantized: integer accumulation, then
 * y = clamp(zy + rhe(acc * sx * sw / sy)) with the ReLU floor at zy.
 */
static void host_gemm(float *y)
{
	int i, j, k;
	float acc;

	for (i = 0; i < GM; i++) {
		for (j = 0; j < GN; j++) {
			acc = gemm_bias[j];
			for (k = 0; k < GK; k++)
				acc += gemm_a[i * GK + k] * gemm_b[k * GN + j];
			y[i * GN + j] = acc < 0.0f ? 0.0f : acc;
		}
	}
}

static void host_conv(const struct demo *d, int8_t *y)
{
	double m = (double)conv_sx * (double)conv_sw / (double)conv_sy, v;
	int o, i, j, c, ki, kj, ii, jj;
	int32_t acc;

	for (o = 0; o < COC; o++) {
		for (i = 0; i < CH; i++) {
			for (j = 0; j < CW; j++) {
				acc = conv_bias[o];
				for (c = 0; c < CC; c++) {
					for (ki = 0; ki < CK; ki++) {
						for (kj = 0; kj < CK; kj++) {
							ii = i + ki - CPAD;
							jj = j + kj - CPAD;
							if (ii < 0 || ii >= CH || jj < 0 || jj >= CW)
								continue;
							acc += (d->conv_x[(c * CH + ii) * CW + jj] - conv_zx) *
							       d->conv_w[((o * CC + c) * CK + ki) * CK + kj];
						}
					}
				}
				v = conv_zy + rint((double)acc * m);
				v = v < conv_zy ? conv_zy : v > 127 ? 127 : v;
				y[(o * CH + i) * CW + j] = (int8_t)v;
			}
		}
	}
}

static void compare(struct demo *d)
{
	double err, tol;
	int i;

	d->gemm_bad = 0;
	d->gemm_max_err = 0;
	for (i = 0; i < GM * GN; i++) {
		err = fabs((double)d->gemm_got[i] - d->gemm_want[i]);
		tol = 1e-5 * fmax(1.0, fabs(d->gemm_want[i]));
		if (!(err <= tol))	/* NaN counts as a mismatch */
			d->gemm_bad++;
		if (!(err <= d->gemm_max_err))
			d->gemm_max_err = err;
	}
	d->conv_bad = 0;
	for (i = 0; i < COC * CH * CW; i++)
		d->conv_bad += d->conv_got[i] != d->conv_want[i];
}

/* ---- output ---- */

static void text_f32(const char *name, const float *v, int rows, int cols)
{
	int i, j;

	printf("  %-6s =", name);
	for (i = 0; i < rows; i++) {
		printf("%s[", i ? "\n           " : " ");
		for (j = 0; j < cols; j++)
			printf("%s%g", j ? ", " : "", v[i * cols + j]);
		printf("]");
	}
	printf("\n");
}

static void text_i8(const char *name, const int8_t *v, int rows, int cols)
{
	int i, j;

	printf("  %-6s =", name);
	for (i = 0; i < rows; i++) {
		printf("%s[", i ? "\n           " : " ");
		for (j = 0; j < cols; j++)
			printf("%s%4d", j ? "," : "", v[i * cols + j]);
		printf("]");
	}
	printf("\n");
}

static void print_text(const struct npu_device *dev, const struct demo *d)
{
	printf("device %s (backend %s), job %" PRIu64 " done in %.1f ms\n\n",
	       npu_device_path(dev),
	       npu_backend_name((uint32_t)npu_device_backend(dev)), d->seqno,
	       d->elapsed_ms);

	printf("GEMM f32: Y = relu(A[%dx%d] * B[%dx%d] + bias[%d])\n", GM, GK,
	       GK, GN, GN);
	text_f32("A", gemm_a, GM, GK);
	text_f32("B", gemm_b, GK, GN);
	text_f32("bias", gemm_bias, 1, GN);
	text_f32("Y", d->gemm_got, GM, GN);
	text_f32("host", d->gemm_want, GM, GN);
	printf("  %s: %d/%d equal within 1e-5 (max abs error %g)\n\n",
	       d->gemm_bad ? "MISMATCH" : "ok", GM * GN - d->gemm_bad, GM * GN,
	       d->gemm_max_err);

	printf("CONV2D int8: Y = relu(conv(X[1x%dx%dx%d], W[%dx%dx%dx%d], pad %d) + bias[%d])\n",
	       CC, CH, CW, COC, CC, CK, CK, CPAD, COC);
	printf("  quantization: X scale %g zp %d, W scale %g, Y scale %g zp %d\n",
	       conv_sx, conv_zx, conv_sw, conv_sy, conv_zy);
	text_i8("X", d->conv_x, CC * CH, CW);
	text_i8("W", d->conv_w, COC * CC * CK, CK);
	printf("  %-6s = [%d, %d, %d]\n", "bias", conv_bias[0], conv_bias[1],
	       conv_bias[2]);
	text_i8("Y", d->conv_got, COC * CH, CW);
	text_i8("host", d->conv_want, COC * CH, CW);
	printf("  %s: %d/%d equal\n\n", d->conv_bad ? "MISMATCH" : "ok",
	       COC * CH * CW - d->conv_bad, COC * CH * CW);

	printf("%s\n", d->gemm_bad || d->conv_bad ? "FAIL" : "PASS");
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_f32s(const float *v, int n)
{
	int i;

	printf("[");
	for (i = 0; i < n; i++) {
		if (isfinite(v[i]))
			printf("%s%.9g", i ? "," : "", v[i]);
		else
			printf("%snull", i ? "," : "");
	}
	printf("]");
}

static void json_i8s(const int8_t *v, int n)
{
	int i;

	printf("[");
	for (i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", v[i]);
	printf("]");
}

static void print_json(const struct npu_device *dev, const struct demo *d)
{
	printf("{\"device\":");
	json_str(npu_device_path(dev));
	printf(",\"backend\":");
	json_str(npu_backend_name((uint32_t)npu_device_backend(dev)));
	printf(",\"seqno\":%" PRIu64 ",\"elapsed_ms\":%.3f,\"ops\":[",
	       d->seqno, d->elapsed_ms);

	printf("{\"op\":\"GEMM\",\"dtype\":\"f32\",\"activation\":\"relu\",");
	printf("\"inputs\":{\"A\":{\"shape\":[%d,%d],\"data\":", GM, GK);
	json_f32s(gemm_a, GM * GK);
	printf("},\"B\":{\"shape\":[%d,%d],\"data\":", GK, GN);
	json_f32s(gemm_b, GK * GN);
	printf("},\"bias\":{\"shape\":[%d],\"data\":", GN);
	json_f32s(gemm_bias, GN);
	printf("}},\"output\":{\"shape\":[%d,%d],\"data\":", GM, GN);
	json_f32s(d->gemm_got, GM * GN);
	printf("},\"expected\":");
	json_f32s(d->gemm_want, GM * GN);
	printf(",\"tolerance\":1e-5,\"mismatches\":%d,\"max_abs_error\":",
	       d->gemm_bad);
	if (isfinite(d->gemm_max_err))
		printf("%.9g},", d->gemm_max_err);
	else
		printf("null},");

	printf("{\"op\":\"CONV2D\",\"dtype\":\"i8\",\"activation\":\"relu\","
	       "\"pads\":[%d,%d,%d,%d],", CPAD, CPAD, CPAD, CPAD);
	printf("\"inputs\":{\"X\":{\"shape\":[1,%d,%d,%d],\"scale\":%g,\"zero_point\":%d,\"data\":",
	       CC, CH, CW, conv_sx, conv_zx);
	json_i8s(d->conv_x, CC * CH * CW);
	printf("},\"W\":{\"shape\":[%d,%d,%d,%d],\"scale\":%g,\"zero_point\":0,\"data\":",
	       COC, CC, CK, CK, conv_sw);
	json_i8s(d->conv_w, COC * CC * CK * CK);
	printf("},\"bias\":{\"shape\":[%d],\"data\":[%d,%d,%d]}},", COC,
	       conv_bias[0], conv_bias[1], conv_bias[2]);
	printf("\"output\":{\"shape\":[1,%d,%d,%d],\"scale\":%g,\"zero_point\":%d,\"data\":",
	       COC, CH, CW, conv_sy, conv_zy);
	json_i8s(d->conv_got, COC * CH * CW);
	printf("},\"expected\":");
	json_i8s(d->conv_want, COC * CH * CW);
	printf(",\"mismatches\":%d}],", d->conv_bad);

	printf("\"pass\":%s}\n", d->gemm_bad || d->conv_bad ? "false" : "true");
}

/* ---- the job ---- */

struct bos {
	struct npu_bo *in, *wts, *out;
};

static int add_tensor(struct npu_job *job, struct npu_bo *bo, uint64_t off,
		      uint32_t dtype, uint32_t ndim, const uint32_t *shape,
		      float scale, int32_t zp)
{
	NPU_OPTS(npu_tensor_desc, t, .bo = bo, .offset = off, .dtype = dtype,
		 .ndim = ndim);
	uint32_t i;

	for (i = 0; i < ndim; i++)
		t.shape[i] = shape[i];
	if (scale > 0.0f) {
		t.quant_type = NPU_QUANT_PER_TENSOR;
		t.scale = scale;
		t.zero_point = zp;
	}
	return npu_job_add_tensor(job, &t);
}

/* Build the two-op job; returns 0 or a negative errno. */
static int build_job(struct npu_job *job, const struct bos *b)
{
	static const uint32_t sa[] = { GM, GK }, sb[] = { GK, GN },
		sgb[] = { GN }, sy[] = { GM, GN },
		sx[] = { 1, CC, CH, CW }, sw[] = { COC, CC, CK, CK },
		scb[] = { COC }, scy[] = { 1, COC, CH, CW };
	NPU_OPTS(npu_gemm_opts, g, .activation = NPU_ACT_RELU);
	NPU_OPTS(npu_conv2d_opts, c, .pad_top = CPAD, .pad_left = CPAD,
		 .pad_bottom = CPAD, .pad_right = CPAD,
		 .activation = NPU_ACT_RELU);
	int ta, tb, tgb, ty, tx, tw, tcb, tcy, ret;

	ta = add_tensor(job, b->in, OFF_A, NPU_DTYPE_F32, 2, sa, 0, 0);
	tb = add_tensor(job, b->wts, OFF_B, NPU_DTYPE_F32, 2, sb, 0, 0);
	tgb = add_tensor(job, b->wts, OFF_GBIAS, NPU_DTYPE_F32, 1, sgb, 0, 0);
	ty = add_tensor(job, b->out, OFF_Y, NPU_DTYPE_F32, 2, sy, 0, 0);
	tx = add_tensor(job, b->in, OFF_X, NPU_DTYPE_I8, 4, sx, conv_sx, conv_zx);
	tw = add_tensor(job, b->wts, OFF_W, NPU_DTYPE_I8, 4, sw, conv_sw, 0);
	tcb = add_tensor(job, b->wts, OFF_CBIAS, NPU_DTYPE_I32, 1, scb, 0, 0);
	tcy = add_tensor(job, b->out, OFF_CY, NPU_DTYPE_I8, 4, scy, conv_sy,
			 conv_zy);
	if (ta < 0 || tb < 0 || tgb < 0 || ty < 0 || tx < 0 || tw < 0 ||
	    tcb < 0 || tcy < 0)
		return -errno;
	ret = npu_job_op_gemm(job, ta, tb, tgb, ty, &g);
	if (ret < 0)
		return ret;
	ret = npu_job_op_conv2d(job, tx, tw, tcb, tcy, &c);
	return ret < 0 ? ret : 0;
}

static int fill_bos(const struct bos *b, struct demo *d)
{
	char *in = npu_bo_map(b->in), *wts = npu_bo_map(b->wts);
	char *out = npu_bo_map(b->out);

	if (!in || !wts || !out)
		return -errno;
	memcpy(in + OFF_A, gemm_a, sizeof(gemm_a));
	memcpy(in + OFF_X, d->conv_x, sizeof(d->conv_x));
	memcpy(wts + OFF_B, gemm_b, sizeof(gemm_b));
	memcpy(wts + OFF_GBIAS, gemm_bias, sizeof(gemm_bias));
	memcpy(wts + OFF_W, d->conv_w, sizeof(d->conv_w));
	memcpy(wts + OFF_CBIAS, conv_bias, sizeof(conv_bias));
	/*
	 * Poison the outputs so that anything the job does not write
	 * mismatches: all-ones bytes are NaN as F32 and -1 as int8 (below
	 * the ReLU floor zy).
	 */
	memset(out, 0xff, BO_SIZE);
	d->gemm_got = (const float *)(out + OFF_Y);
	d->conv_got = (const int8_t *)(out + OFF_CY);
	return 0;
}

/* Wait for the job, saying so when it takes more than a second. */
static int wait_job(struct npu_job *job, uint64_t seqno, long timeout_ms)
{
	long first = timeout_ms < 1000 ? timeout_ms : 1000;
	int ret;

	ret = npu_job_wait(job, first * 1000000LL);
	if (ret != -ETIME || timeout_ms <= first)
		return ret;
	fprintf(stderr, "%s: job %" PRIu64 " still running, waiting up to %ld ms more\n",
		prog, seqno, timeout_ms - first);
	return npu_job_wait(job, (timeout_ms - first) * 1000000LL);
}

/* Run the job and report; returns the exit status. */
static int run(struct npu_device *dev, struct demo *d, long timeout_ms,
	       bool json)
{
	struct bos b = { 0 };
	struct npu_job *job = NULL;
	int ret, status = EXIT_FAILURE;
	char msg[256];
	double t0;

	b.in = npu_bo_alloc(dev, BO_SIZE, 0);
	b.wts = npu_bo_alloc(dev, BO_SIZE, 0);
	b.out = npu_bo_alloc(dev, BO_SIZE, 0);
	if (!b.in || !b.wts || !b.out) {
		fprintf(stderr, "%s: allocating buffers: %s\n", prog, strerror(errno));
		goto out;
	}
	dbg("BOs: input handle %u, weights handle %u, output handle %u (%" PRIu64 " bytes each)",
	    npu_bo_handle(b.in), npu_bo_handle(b.wts), npu_bo_handle(b.out),
	    npu_bo_size(b.in));
	ret = fill_bos(&b, d);
	if (ret) {
		fprintf(stderr, "%s: mapping buffers: %s\n", prog, strerror(-ret));
		goto out;
	}
	job = npu_job_new(dev);
	if (!job) {
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		goto out;
	}
	ret = build_job(job, &b);
	if (ret) {
		fprintf(stderr, "%s: building the job: %s\n", prog, strerror(-ret));
		goto out;
	}
	ret = npu_job_validate(job, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "%s: the job does not validate: %s (%s)\n", prog,
			msg, strerror(-ret));
		goto out;
	}
	dbg("job validated by libnpu's copy of the firmware validator");
	t0 = now_ms();
	ret = npu_job_submit(job, &d->seqno);
	if (ret) {
		fprintf(stderr, "%s: submit: %s\n", prog, strerror(-ret));
		goto out;
	}
	dbg("submitted job %" PRIu64, d->seqno);
	ret = wait_job(job, d->seqno, timeout_ms);
	d->elapsed_ms = now_ms() - t0;
	if (ret == -ETIME) {
		fprintf(stderr, "%s: job %" PRIu64 " did not finish within %ld ms\n",
			prog, d->seqno, timeout_ms);
		goto out;
	} else if (ret) {
		fprintf(stderr, "%s: job %" PRIu64 " failed: %s\n", prog, d->seqno,
			strerror(-ret));
		goto out;
	}
	dbg("job %" PRIu64 " finished after %.3f ms", d->seqno, d->elapsed_ms);

	compare(d);
	if (json)
		print_json(dev, d);
	else
		print_text(dev, d);
	if (!d->gemm_bad && !d->conv_bad)
		status = EXIT_SUCCESS;
out:
	npu_job_free(job);
	npu_bo_free(b.in);
	npu_bo_free(b.wts);
	npu_bo_free(b.out);
	return status;
}

/* ---- a model: run an ONNX model ---- */

#define MAX_SHAPES	16
#define MAX_INPUTS	16
#define MAX_REPEAT	1000000U
#define TOP_ROWS	8	/* rows of class scores printed */
#define TOP_K		5	/* classes printed per row */

enum prep { PREP_AUTO, PREP_CLS, PREP_DET };
static const char *const prep_names[] = { "auto", "cls", "det" };

enum in_kind { IN_NPY, IN_IMAGE };

/* one --input */
struct in_spec {
	char *name;		/* NULL: the next model input in order */
	const char *file;
	enum in_kind kind;
	struct npy_array npy;
	struct image img;
	enum prep prep;		/* images: the preprocessing (set when bound) */
	bool dims_known;	/* ndim/shape: the tensor the file gives */
	bool from_shape_opt;	/* ... as --shape says */
	uint32_t ndim, shape[NPU_CMD_MAX_DIMS];
	int index;		/* the model input it feeds, -1 before binding */
	float *tensor;		/* an image's preprocessed tensor */
};

struct model_args {
	const char *path;
	struct npu_model_input_shape shapes[MAX_SHAPES];	/* --shape */
	uint32_t nshapes;
	struct in_spec ins[MAX_INPUTS];
	int nins;
	const char *outdir;
	enum prep prep;
	unsigned int repeat;	/* timed runs after one warm-up; 0: one run */
	unsigned int threads;	/* host threads as asked (0: one per CPU) */
	bool json;
};

static const char *act_name(uint32_t act)
{
	static const char * const names[] = {
		"-", "relu", "clip", "sigmoid", "hard_sigmoid", "hard_swish",
	};

	return act < sizeof(names) / sizeof(names[0]) ? names[act] : "?";
}

/* "x=1x3x48x192" */
static int parse_shape(char *arg, struct npu_model_input_shape *s)
{
	char *eq = strrchr(arg, '='), *p, *end;
	unsigned long v;

	if (!eq || eq == arg)
		return -1;
	*eq = '\0';
	s->name = arg;
	s->ndim = 0;
	for (p = eq + 1;; p = end + 1) {
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || end == p || !v || v > UINT32_MAX || s->ndim == NPU_CMD_MAX_DIMS)
			return -1;
		s->shape[s->ndim++] = (uint32_t)v;
		if (*end == '\0')
			return 0;
		if (*end != 'x')
			return -1;
	}
}

static char *dims_str(uint32_t ndim, const uint32_t *shape, char *buf, size_t len)
{
	uint64_t d[NPU_CMD_MAX_DIMS];
	uint32_t i;

	for (i = 0; i < ndim && i < NPU_CMD_MAX_DIMS; i++)
		d[i] = shape[i];
	return npy_shape_str(i, d, buf, len);
}

static void json_dims(uint32_t ndim, const uint32_t *shape)
{
	uint32_t i;

	printf("[");
	for (i = 0; i < ndim; i++)
		printf("%s%u", i ? "," : "", shape[i]);
	printf("]");
}

static void json_num(double v)
{
	if (isfinite(v))
		printf("%.9g", v);
	else
		printf("null");
}

static bool npy_dtype_of(uint32_t dtype, enum npy_dtype *d)
{
	switch (dtype) {
	case NPU_DTYPE_F32: *d = NPY_F4; return true;
	case NPU_DTYPE_U8: *d = NPY_U1; return true;
	case NPU_DTYPE_I8: *d = NPY_I1; return true;
	case NPU_DTYPE_I32: *d = NPY_I4; return true;
	}
	return false;
}

static uint32_t npu_dtype_of(enum npy_dtype d)
{
	switch (d) {
	case NPY_F4: return NPU_DTYPE_F32;
	case NPY_U1: return NPU_DTYPE_U8;
	case NPY_I1: return NPU_DTYPE_I8;
	case NPY_I4: return NPU_DTYPE_I32;
	}
	return NPU_DTYPE_COUNT;
}

static double elem(const struct npu_model_tensor *t, uint64_t i)
{
	switch (t->dtype) {
	case NPU_DTYPE_F32: return ((const float *)t->data)[i];
	case NPU_DTYPE_I8: return ((const int8_t *)t->data)[i];
	case NPU_DTYPE_U8: return ((const uint8_t *)t->data)[i];
	case NPU_DTYPE_I32: return ((const int32_t *)t->data)[i];
	}
	return NAN;
}

static uint64_t elems(const struct npu_model_tensor *t)
{
	size_t sz = npu_dtype_size(t->dtype);

	return sz && t->data ? t->bytes / sz : 0;
}

/* deterministic values in [-1, 1) (integer inputs: small integers) */
static void fill_input(const struct npu_model_tensor *t, uint32_t seed)
{
	uint64_t i, n = t->bytes / (npu_dtype_size(t->dtype) ? npu_dtype_size(t->dtype) : 1);

	for (i = 0; i < n; i++) {
		seed = seed * 1664525U + 1013904223U;
		switch (t->dtype) {
		case NPU_DTYPE_F32:
			((float *)t->data)[i] = (float)((int32_t)(seed >> 8) % 1000) / 1000.0f;
			break;
		case NPU_DTYPE_I32:
			((int32_t *)t->data)[i] = (int32_t)(seed >> 24) % 8;
			break;
		default:
			((uint8_t *)t->data)[i] = (uint8_t)(seed >> 24);
			break;
		}
	}
}

/* ---- inputs from files ---- */

static bool is_npy_file(const char *file)
{
	size_t n = strlen(file);
	unsigned char magic[6];
	bool yes;
	FILE *f;

	if (n >= 4 && !strcasecmp(file + n - 4, ".npy"))
		return true;
	f = fopen(file, "rb");
	if (!f)
		return false;
	yes = fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
	      !memcmp(magic, "\x93NUMPY", 6);
	fclose(f);
	return yes;
}

static const struct npu_model_input_shape *find_shape_opt(const struct model_args *a,
							  const char *name)
{
	uint32_t i;

	for (i = 0; i < a->nshapes; i++)
		if (!strcmp(a->shapes[i].name, name))
			return &a->shapes[i];
	return NULL;
}

static const char *in_label(const struct in_spec *s, char *buf, size_t len)
{
	if (s->name)
		snprintf(buf, len, "input '%s'", s->name);
	else
		snprintf(buf, len, "input %s", s->file);
	return buf;
}

/*
 * Split "[NAME=]FILE" (NAME= only when the whole argument is not an
 * existing file), read the .npy or decode the image, and work out the
 * shape it gives. Returns an exit status.
 */
static int load_input(struct model_args *a, struct in_spec *s, char *arg)
{
	const struct npu_model_input_shape *so;
	char err[512], b1[96], b2[96], lbl[300];
	char *eq = strchr(arg, '=');
	struct stat st;
	uint32_t i, h, w;

	s->index = -1;
	s->file = arg;
	if (eq && eq != arg && access(arg, F_OK) != 0) {
		*eq = '\0';
		s->name = arg;
		s->file = eq + 1;
	}
	if (stat(s->file, &st)) {
		fprintf(stderr, "%s: %s: %s\n", prog, s->file, strerror(errno));
		return EXIT_FAILURE;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s: is a directory\n", prog, s->file);
		return EXIT_FAILURE;
	}
	so = s->name ? find_shape_opt(a, s->name) : NULL;
	in_label(s, lbl, sizeof(lbl));
	if (is_npy_file(s->file)) {
		s->kind = IN_NPY;
		if (npy_read(s->file, &s->npy, err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return EXIT_FAILURE;
		}
		if (s->npy.ndim > NPU_CMD_MAX_DIMS) {
			fprintf(stderr, "%s: %s: %s has rank %u; npu tensors have at most %d dimensions\n",
				prog, lbl, s->file, s->npy.ndim, NPU_CMD_MAX_DIMS);
			return EXIT_FAILURE;
		}
		s->ndim = s->npy.ndim;
		for (i = 0; i < s->ndim; i++)
			s->shape[i] = (uint32_t)s->npy.shape[i];
		s->dims_known = true;
		if (so && (so->ndim != s->ndim ||
			   memcmp(so->shape, s->shape, s->ndim * sizeof(s->shape[0])))) {
			fprintf(stderr, "%s: %s: --shape says %s, %s has shape %s\n", prog, lbl,
				dims_str(so->ndim, so->shape, b1, sizeof(b1)), s->file,
				dims_str(s->ndim, s->shape, b2, sizeof(b2)));
			return EXIT_USAGE;
		}
		s->from_shape_opt = so != NULL;
		dbg("%s: %s, %s '%s', format %d.%d", lbl, s->file,
		    dims_str(s->ndim, s->shape, b1, sizeof(b1)), npy_descr(s->npy.dtype),
		    s->npy.major, s->npy.minor);
		return EXIT_SUCCESS;
	}

	s->kind = IN_IMAGE;
	if (image_decode(s->file, &s->img, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return EXIT_FAILURE;
	}
	dbg("%s: %s, image %ux%u", lbl, s->file, s->img.w, s->img.h);
	if (so) {
		memcpy(s->shape, so->shape, sizeof(s->shape));
		s->ndim = so->ndim;
		s->dims_known = s->from_shape_opt = true;
	} else if (a->prep != PREP_AUTO) {
		h = 48;
		w = 192;
		if (a->prep == PREP_DET)
			image_det_size(&s->img, &h, &w);
		s->ndim = 4;
		s->shape[0] = 1;
		s->shape[1] = 3;
		s->shape[2] = h;
		s->shape[3] = w;
		s->dims_known = true;
	}
	return EXIT_SUCCESS;
}

/* --shape, then (with_files) the shapes the named inputs' files give */
static uint32_t collect_shapes(const struct model_args *a, bool with_files,
			       struct npu_model_input_shape *out)
{
	uint32_t n = 0;
	int i;

	for (n = 0; n < a->nshapes; n++)
		out[n] = a->shapes[n];
	for (i = 0; with_files && i < a->nins; i++) {
		const struct in_spec *s = &a->ins[i];

		if (!s->name || !s->dims_known || s->from_shape_opt || !s->ndim)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].name = s->name;
		out[n].ndim = s->ndim;
		memcpy(out[n].shape, s->shape, sizeof(s->shape));
		n++;
	}
	return n;
}

static bool passes_file_shape(const struct in_spec *s)
{
	return s->name && s->dims_known && !s->from_shape_opt && s->ndim;
}

static struct npu_model *open_model(struct npu_device *dev, const struct model_args *a,
				    bool with_files, char *err, size_t errlen)
{
	struct npu_model_input_shape sh[MAX_SHAPES + MAX_INPUTS];
	uint32_t n = collect_shapes(a, with_files, sh);
	NPU_OPTS(npu_model_opts, o, .device = dev, .input_shapes = n ? sh : NULL,
		 .num_input_shapes = n, .errbuf = err, .errbuf_len = errlen);
	struct npu_model *m;

	err[0] = '\0';
	m = npu_model_open(a->path, &o);
	if (!m && !err[0])
		snprintf(err, errlen, "%s: %s", a->path, strerror(errno));
	return m;
}

static int find_input(const struct npu_model *m, const char *name,
		      struct npu_model_tensor *t)
{
	int i, n = npu_model_num_inputs(m);

	for (i = 0; i < n; i++) {
		t->size = sizeof(*t);
		if (!npu_model_input(m, (unsigned int)i, t) && !strcmp(t->name, name))
			return i;
	}
	return -1;
}

static void list_inputs(const struct npu_model *m)
{
	int i, n = npu_model_num_inputs(m);

	for (i = 0; i < n; i++) {
		NPU_OPTS(npu_model_tensor, t);

		npu_model_input(m, (unsigned int)i, &t);
		fprintf(stderr, "%s%s", i ? ", " : "", t.name);
	}
}

static void say_source(const struct in_spec *s, char *buf, size_t len)
{
	if (s->kind == IN_NPY)
		snprintf(buf, len, "%s has shape", s->file);
	else
		snprintf(buf, len, "%s, an image, was to become", s->file);
}

/*
 * npu_model_open() failed with the files' shapes: say which input does not
 * fit, with the shapes the model wants when it fixes them.
 */
static void open_error(struct npu_device *dev, const struct model_args *a,
		       const char *err)
{
	char err2[512], b1[96], b2[96], src[300];
	struct npu_model *m2 = NULL;
	bool said = false, any = false;
	int i;

	for (i = 0; i < a->nins; i++)
		any |= passes_file_shape(&a->ins[i]);
	if (any)
		m2 = open_model(dev, a, false, err2, sizeof(err2));
	for (i = 0; m2 && i < a->nins; i++) {
		const struct in_spec *s = &a->ins[i];
		NPU_OPTS(npu_model_tensor, t);

		if (!passes_file_shape(s))
			continue;
		say_source(s, src, sizeof(src));
		if (find_input(m2, s->name, &t) < 0) {
			fprintf(stderr, "%s: input '%s' (%s): the model has no such input (its inputs: ",
				prog, s->name, s->file);
			list_inputs(m2);
			fprintf(stderr, ")\n");
			said = true;
		} else if (t.ndim != s->ndim ||
			   memcmp(t.shape, s->shape, s->ndim * sizeof(s->shape[0]))) {
			fprintf(stderr, "%s: input '%s': %s %s, the model wants %s\n", prog,
				s->name, src, dims_str(s->ndim, s->shape, b1, sizeof(b1)),
				dims_str(t.ndim, t.shape, b2, sizeof(b2)));
			said = true;
		}
	}
	npu_model_close(m2);
	if (said)
		return;
	fprintf(stderr, "%s: %s\n", prog, err);
	for (i = 0; i < a->nins; i++) {
		const struct in_spec *s = &a->ins[i];

		say_source(s, src, sizeof(src));
		if (passes_file_shape(s))
			fprintf(stderr, "%s: (input '%s': %s %s)\n", prog, s->name, src,
				dims_str(s->ndim, s->shape, b1, sizeof(b1)));
		else if (s->kind == IN_IMAGE && !s->dims_known)
			fprintf(stderr, "%s: %s is an image: for a model whose input size is not fixed, give --preprocess cls|det or --shape %s=1x3xHxW\n",
				prog, s->file, s->name ? s->name : "NAME");
		else if (!s->name)
			fprintf(stderr, "%s: %s: name its input (--input NAME=%s) to compile the model for the file's shape\n",
				prog, s->file, s->file);
	}
}

/*
 * Bind each --input to a model input and check dtype and shape; images
 * are preprocessed here, to the size the model was compiled for. feeds[i]
 * gets the data for input i (NULL: pseudo-random, written in place).
 * Returns an exit status.
 */
static int bind_inputs(struct npu_model *m, struct model_args *a, const void **feeds)
{
	int nin = npu_model_num_inputs(m), i, k;
	char b1[96], b2[96], lbl[300];
	enum npy_dtype want;
	bool bound[64] = { false };

	if (nin > 64) {
		fprintf(stderr, "%s: the model has %d inputs; npu-run takes at most 64\n", prog, nin);
		return EXIT_FAILURE;
	}
	for (i = 0; i < a->nins; i++) {
		struct in_spec *s = &a->ins[i];
		NPU_OPTS(npu_model_tensor, t);

		if (!s->name)
			continue;
		s->index = find_input(m, s->name, &t);
		if (s->index < 0) {
			fprintf(stderr, "%s: input '%s' (%s): the model has no such input (its inputs: ",
				prog, s->name, s->file);
			list_inputs(m);
			fprintf(stderr, ")\n");
			return EXIT_FAILURE;
		}
		if (bound[s->index]) {
			fprintf(stderr, "%s: input '%s' given twice\n", prog, s->name);
			return EXIT_USAGE;
		}
		bound[s->index] = true;
	}
	for (i = 0, k = 0; i < a->nins; i++) {
		struct in_spec *s = &a->ins[i];

		if (s->name)
			continue;
		while (k < nin && bound[k])
			k++;
		if (k == nin) {
			fprintf(stderr, "%s: %s: the model has only %d input%s\n", prog, s->file,
				nin, nin == 1 ? "" : "s");
			return EXIT_USAGE;
		}
		s->index = k;
		bound[k] = true;
	}
	if (a->nins) {
		for (k = 0; k < nin; k++) {
			NPU_OPTS(npu_model_tensor, t);

			if (bound[k])
				continue;
			npu_model_input(m, (unsigned int)k, &t);
			fprintf(stderr, "%s: no --input for the model's input '%s' %s %s (give all, or none for pseudo-random inputs)\n",
				prog, t.name, dims_str(t.ndim, t.shape, b1, sizeof(b1)),
				npu_dtype_name(t.dtype));
			return EXIT_USAGE;
		}
	}

	for (k = 0; k < nin; k++) {
		NPU_OPTS(npu_model_tensor, t);

		npu_model_input(m, (unsigned int)k, &t);
		feeds[k] = NULL;
		if (!a->nins)
			fill_input(&t, 1234U + (uint32_t)k);
	}
	for (i = 0; i < a->nins; i++) {
		struct in_spec *s = &a->ins[i];
		NPU_OPTS(npu_model_tensor, t);
		uint32_t H, W;
		int ret;

		npu_model_input(m, (unsigned int)s->index, &t);
		if (!s->name)
			s->name = (char *)t.name;
		in_label(s, lbl, sizeof(lbl));
		if (s->kind == IN_NPY) {
			if (!npy_dtype_of(t.dtype, &want) || npu_dtype_of(s->npy.dtype) != t.dtype) {
				fprintf(stderr, "%s: %s: %s has dtype '%s' (%s), the model wants %s%s%s%s\n",
					prog, lbl, s->file, npy_descr(s->npy.dtype),
					npu_dtype_name(npu_dtype_of(s->npy.dtype)),
					npu_dtype_name(t.dtype),
					npy_dtype_of(t.dtype, &want) ? " ('" : "",
					npy_dtype_of(t.dtype, &want) ? npy_descr(want) : "",
					npy_dtype_of(t.dtype, &want) ? "')" : "");
				return EXIT_FAILURE;
			}
			if (t.ndim != s->ndim ||
			    memcmp(t.shape, s->shape, s->ndim * sizeof(s->shape[0])) ||
			    s->npy.nbytes != t.bytes) {
				fprintf(stderr, "%s: %s: %s has shape %s, the model wants %s\n", prog,
					lbl, s->file, dims_str(s->ndim, s->shape, b1, sizeof(b1)),
					dims_str(t.ndim, t.shape, b2, sizeof(b2)));
				return EXIT_FAILURE;
			}
			feeds[s->index] = s->npy.data;
			continue;
		}
		/* an image: [1,3,H,W] or [3,H,W] float32 */
		if (t.dtype != NPU_DTYPE_F32 ||
		    !((t.ndim == 4 && t.shape[0] == 1 && t.shape[1] == 3) ||
		      (t.ndim == 3 && t.shape[0] == 3))) {
			fprintf(stderr, "%s: %s: %s is an image, which gives a [1,3,H,W] f32 tensor; the model wants %s %s\n",
				prog, lbl, s->file, dims_str(t.ndim, t.shape, b2, sizeof(b2)),
				npu_dtype_name(t.dtype));
			return EXIT_FAILURE;
		}
		H = t.shape[t.ndim - 2];
		W = t.shape[t.ndim - 1];
		s->prep = a->prep != PREP_AUTO ? a->prep : H == 48 ? PREP_CLS : PREP_DET;
		s->ndim = t.ndim;
		memcpy(s->shape, t.shape, sizeof(s->shape));
		s->tensor = malloc(t.bytes);
		if (!s->tensor) {
			fprintf(stderr, "%s: %s: out of memory\n", prog, lbl);
			return EXIT_FAILURE;
		}
		ret = s->prep == PREP_CLS ? image_to_cls(&s->img, H, W, s->tensor) :
					    image_to_det(&s->img, H, W, s->tensor);
		if (ret) {
			fprintf(stderr, "%s: %s: out of memory\n", prog, lbl);
			return EXIT_FAILURE;
		}
		dbg("%s: %s %ux%u -> %s preprocessing -> %s", lbl, s->file, s->img.w, s->img.h,
		    prep_names[s->prep], dims_str(t.ndim, t.shape, b1, sizeof(b1)));
		feeds[s->index] = s->tensor;
	}
	return EXIT_SUCCESS;
}

/* ---- outputs ---- */

static int mkdir_p(const char *dir)
{
	char *p, *d = strdup(dir);
	int ret = 0;

	if (!d)
		return -ENOMEM;
	for (p = d + 1; *p && !ret; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0777) && errno != EEXIST)
			ret = -errno;
		*p = '/';
	}
	if (!ret && mkdir(d, 0777) && errno != EEXIST)
		ret = -errno;
	free(d);
	return ret;
}

/* DIR/NAME.npy with NAME reduced to [A-Za-z0-9._-] (as tools/ort-ref.mjs does) */
static char *output_file(const char *dir, const char *name, int index, char **taken, int ntaken)
{
	char *safe = strdup(name && *name ? name : "output"), *p, *file = NULL;
	int i;

	if (!safe)
		return NULL;
	for (p = safe; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
			*p = '_';
	if (asprintf(&file, "%s/%s.npy", dir, safe) < 0)
		file = NULL;
	for (i = 0; file && i < ntaken; i++) {
		if (taken[i] && !strcmp(taken[i], file)) {
			free(file);
			if (asprintf(&file, "%s/%s_%d.npy", dir, safe, index) < 0)
				file = NULL;
			break;
		}
	}
	free(safe);
	return file;
}

struct out_stats {
	double min, max, mean;
	uint64_t n, nonfinite;
	uint64_t rows, cols;	/* class scores: rows x cols, else 0 */
};

/*
 * Summary of an output; an f32 output whose last axis holds probabilities
 * (every value in [0, 1], each row summing to 1 within 1e-3, as a softmax
 * gives) is also taken as class scores.
 */
static void out_stats(const struct npu_model_tensor *t, struct out_stats *st)
{
	uint64_t e, r, c, cols = t->ndim ? t->shape[t->ndim - 1] : 0;
	double sum = 0, v;
	bool probs = t->dtype == NPU_DTYPE_F32 && cols >= 2;

	memset(st, 0, sizeof(*st));
	st->min = INFINITY;
	st->max = -INFINITY;
	st->n = elems(t);
	for (e = 0; e < st->n; e++) {
		v = elem(t, e);
		if (!isfinite(v)) {
			st->nonfinite++;
			probs = false;
			continue;
		}
		st->min = v < st->min ? v : st->min;
		st->max = v > st->max ? v : st->max;
		sum += v;
		if (v < 0 || v > 1)
			probs = false;
	}
	st->mean = st->n > st->nonfinite ? sum / (double)(st->n - st->nonfinite) : NAN;
	if (!probs || st->n % cols)
		return;
	for (r = 0; r < st->n / cols; r++) {
		for (c = 0, sum = 0; c < cols; c++)
			sum += elem(t, r * cols + c);
		if (fabs(sum - 1) > 1e-3)
			return;
	}
	st->rows = st->n / cols;
	st->cols = cols;
}

/* the k best classes of row r, best first */
static int top_classes(const struct npu_model_tensor *t, const struct out_stats *st,
		       uint64_t r, uint64_t *cls)
{
	int k = st->cols < TOP_K ? (int)st->cols : TOP_K, n = 0, i, j;
	uint64_t c;

	for (c = 0; c < st->cols; c++) {
		double v = elem(t, r * st->cols + c);

		for (i = 0; i < n && elem(t, r * st->cols + cls[i]) >= v; i++)
			;
		if (i >= k)
			continue;
		for (j = n < k ? n : k - 1; j > i; j--)
			cls[j] = cls[j - 1];
		cls[i] = c;
		if (n < k)
			n++;
	}
	return n;
}

static void print_output_text(const struct npu_model_tensor *t, const struct out_stats *st,
			      const char *file)
{
	uint64_t e, r, cls[TOP_K];
	char shp[96];
	int i, n;

	printf("output %s %s %s", t->name, dims_str(t->ndim, t->shape, shp, sizeof(shp)),
	       npu_dtype_name(t->dtype));
	if (st->n) {
		printf(": min %g, max %g, mean %g", st->min, st->max, st->mean);
		if (st->nonfinite)
			printf(", %" PRIu64 " not finite", st->nonfinite);
		printf("; first");
		for (e = 0; e < st->n && e < 8; e++)
			printf(" %g", elem(t, e));
	}
	printf("\n");
	for (r = 0; r < st->rows && r < TOP_ROWS; r++) {
		n = top_classes(t, st, r, cls);
		if (st->rows == 1)
			printf("  top classes:");
		else
			printf("  row %" PRIu64 " top classes:", r);
		for (i = 0; i < n; i++)
			printf("%s %" PRIu64 " (%.8g)", i ? "," : "", cls[i],
			       elem(t, r * st->cols + cls[i]));
		printf("\n");
	}
	if (st->rows > TOP_ROWS)
		printf("  (%" PRIu64 " more rows)\n", st->rows - TOP_ROWS);
	if (file)
		printf("  written to %s\n", file);
}

static void print_output_json(const struct npu_model_tensor *t, const struct out_stats *st,
			      const char *file)
{
	uint64_t e, r, cls[TOP_K];
	int i, n;

	printf("{\"name\":");
	json_str(t->name);
	printf(",\"shape\":");
	json_dims(t->ndim, t->shape);
	printf(",\"dtype\":");
	json_str(npu_dtype_name(t->dtype));
	printf(",\"file\":");
	if (file)
		json_str(file);
	else
		printf("null");
	if (st->n) {
		printf(",\"min\":");
		json_num(st->min);
		printf(",\"max\":");
		json_num(st->max);
		printf(",\"mean\":");
		json_num(st->mean);
		if (st->nonfinite)
			printf(",\"nonfinite\":%" PRIu64, st->nonfinite);
		printf(",\"first\":[");
		for (e = 0; e < st->n && e < 8; e++) {
			printf("%s", e ? "," : "");
			json_num(elem(t, e));
		}
		printf("]");
	}
	if (st->rows) {
		printf(",\"top\":[");
		for (r = 0; r < st->rows && r < TOP_ROWS; r++) {
			n = top_classes(t, st, r, cls);
			printf("%s[", r ? "," : "");
			for (i = 0; i < n; i++) {
				printf("%s{\"class\":%" PRIu64 ",\"score\":", i ? "," : "", cls[i]);
				json_num(elem(t, r * st->cols + cls[i]));
				printf("}");
			}
			printf("]");
		}
		printf("]");
	}
	printf("}");
}

/* ---- timing ---- */

struct timing {
	unsigned int runs, warmup;
	double median, p90, min, max, last;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* median (the mean of the middle two for an even count), p90 as ort-ref.mjs */
static void timing_stats(double *ms, unsigned int n, struct timing *tm)
{
	size_t q;

	tm->last = ms[n - 1];
	qsort(ms, n, sizeof(*ms), cmp_double);
	tm->median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
	q = (size_t)ceil(0.9 * n);
	tm->p90 = ms[q ? q - 1 : 0];
	tm->min = ms[0];
	tm->max = ms[n - 1];
}

static unsigned int host_threads(const struct model_args *a)
{
	long cpus;

	if (a->threads)
		return a->threads;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus < 1 ? 1 : cpus > 256 ? 256 : (unsigned int)cpus;
}

static void print_ops(const struct npu_model *m, const struct npu_model_info *info,
		      struct npu_device *dev, bool json)
{
	struct drm_npu_engine_info eng[32];
	char engines[128];
	int neng, k;
	uint32_t j;

	neng = npu_device_query_engines(dev, eng, 32);
	if (neng > 32)
		neng = 32;
	if (!json)
		printf("%4s %3s  %-17s %-12s %-14s %s\n", "op", "job", "opcode",
		       "activation", "engines", "onnx (node)");
	for (j = 0; j < info->num_ops; j++) {
		NPU_OPTS(npu_model_op_info, op);
		size_t n = 0;

		npu_model_get_op(m, j, &op);
		engines[0] = '\0';
		for (k = 0; k < neng && n < sizeof(engines); k++)
			if (op.engines & (1U << k))
				n += (size_t)snprintf(engines + n, sizeof(engines) - n, "%s%s",
						      n ? "," : "", eng[k].name);
		if (!engines[0])
			snprintf(engines, sizeof(engines), "%s", npu_backend_name(info->backend));
		if (json) {
			printf("%s{\"opcode\":", j ? "," : "");
			json_str(npu_op_name(op.opcode));
			printf(",\"activation\":");
			json_str(act_name(op.activation));
			printf(",\"job\":%u,\"engines\":", op.job);
			json_str(engines);
			printf(",\"onnx\":");
			json_str(op.onnx_ops);
			printf(",\"node\":");
			json_str(op.node);
			printf("}");
		} else {
			printf("%4u %3u  %-17s %-12s %-14s %s%s%s%s\n", j, op.job,
			       npu_op_name(op.opcode), act_name(op.activation), engines,
			       op.onnx_ops, op.node[0] ? " (" : "", op.node,
			       op.node[0] ? ")" : "");
		}
	}
}

static void print_inputs(const struct npu_model *m, const struct model_args *a, bool json)
{
	int k, i, nin = npu_model_num_inputs(m);
	char shp[96];

	for (k = 0; k < nin; k++) {
		NPU_OPTS(npu_model_tensor, t);
		const struct in_spec *s = NULL;

		npu_model_input(m, (unsigned int)k, &t);
		for (i = 0; i < a->nins; i++)
			if (a->ins[i].index == k)
				s = &a->ins[i];
		if (json) {
			printf("%s{\"name\":", k ? "," : "");
			json_str(t.name);
			printf(",\"shape\":");
			json_dims(t.ndim, t.shape);
			printf(",\"dtype\":");
			json_str(npu_dtype_name(t.dtype));
			printf(",\"file\":");
			if (s)
				json_str(s->file);
			else
				printf("null");
			printf(",\"source\":\"%s\"", !s ? "random" :
			       s->kind == IN_NPY ? "npy" : "image");
			if (s && s->kind == IN_IMAGE)
				printf(",\"preprocess\":\"%s\",\"image_size\":[%u,%u]",
				       prep_names[s->prep], s->img.w, s->img.h);
			printf("}");
			continue;
		}
		printf("input %s %s %s: ", t.name, dims_str(t.ndim, t.shape, shp, sizeof(shp)),
		       npu_dtype_name(t.dtype));
		if (!s)
			printf("pseudo-random in [-1, 1)\n");
		else if (s->kind == IN_NPY)
			printf("%s\n", s->file);
		else
			printf("%s (image %ux%u, %s preprocessing)\n", s->file, s->img.w,
			       s->img.h, prep_names[s->prep]);
	}
}

static int run_model(struct npu_device *dev, struct model_args *a)
{
	NPU_OPTS(npu_model_info, info);
	struct npu_model *m;
	struct timing tm = { 0 };
	struct rusage ru;
	const void **feeds = NULL;
	double t0, *ms = NULL;
	char err[512], **files = NULL;
	int nin, nout, i, ret = 0, status = EXIT_FAILURE;
	unsigned int r;
	bool json = a->json;

	t0 = now_ms();
	m = open_model(dev, a, true, err, sizeof(err));
	if (!m) {
		open_error(dev, a, err);
		return EXIT_FAILURE;
	}
	dbg("compiled %s in %.1f ms", a->path, now_ms() - t0);
	npu_model_get_info(m, &info);
	nin = npu_model_num_inputs(m);
	nout = npu_model_num_outputs(m);
	feeds = calloc(nin > 0 ? (size_t)nin : 1, sizeof(*feeds));
	files = calloc(nout > 0 ? (size_t)nout : 1, sizeof(*files));
	tm.runs = a->repeat ? a->repeat : 1;
	tm.warmup = a->repeat ? 1 : 0;
	ms = calloc(tm.runs, sizeof(*ms));
	if (!feeds || !files || !ms) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	status = bind_inputs(m, a, feeds);
	if (status)
		goto out;
	status = EXIT_FAILURE;

	for (r = 0; r < tm.warmup + tm.runs; r++) {
		t0 = now_ms();
		ret = npu_model_run(m, feeds, NULL);
		t0 = now_ms() - t0;
		if (ret)
			break;
		if (r >= tm.warmup)
			ms[r - tm.warmup] = t0;
		if (t0 > 1000 && !json && !a->repeat)
			fprintf(stderr, "%s: the run took %.1f s\n", prog, t0 / 1000);
	}
	if (!ret) {
		timing_stats(ms, tm.runs, &tm);
	} else {
		tm.last = t0;
		fprintf(stderr, "%s: run %u%s: %s\n", prog, r + 1,
			r < tm.warmup ? " (warm-up)" : "", npu_model_last_error(m));
	}
	getrusage(RUSAGE_SELF, &ru);

	/* the files first: a failure to write them fails the run */
	if (!ret && a->outdir) {
		ret = mkdir_p(a->outdir);
		if (ret) {
			fprintf(stderr, "%s: %s: %s\n", prog, a->outdir, strerror(-ret));
			goto out;
		}
		for (i = 0; i < nout; i++) {
			NPU_OPTS(npu_model_tensor, t);
			enum npy_dtype d;
			uint64_t shp[NPU_CMD_MAX_DIMS];
			uint32_t k;

			npu_model_output(m, (unsigned int)i, &t);
			files[i] = output_file(a->outdir, t.name, i, files, i);
			if (!files[i] || !npy_dtype_of(t.dtype, &d)) {
				fprintf(stderr, "%s: output %s: cannot be written\n", prog, t.name);
				goto out;
			}
			for (k = 0; k < t.ndim; k++)
				shp[k] = t.shape[k];
			if (npy_write(files[i], d, t.ndim, shp, t.data, err, sizeof(err))) {
				fprintf(stderr, "%s: %s\n", prog, err);
				goto out;
			}
		}
	}

	if (json) {
		printf("{\"model\":");
		json_str(a->path);
		printf(",\"device\":");
		json_str(npu_device_path(dev));
		printf(",\"backend\":");
		json_str(npu_backend_name(info.backend));
		printf(",\"threads\":");
		if (info.backend == NPU_BACKEND_HOST)
			printf("%u", host_threads(a));
		else
			printf("null");
		printf(",\"opset\":%" PRId64 ",\"jobs\":%u,\"weights_bytes\":%" PRIu64
		       ",\"arena_bytes\":%" PRIu64 ",\"io_bytes\":%" PRIu64 ",\"ops\":[",
		       info.opset, info.num_jobs, info.weights_bytes, info.arena_bytes,
		       info.io_bytes);
		print_ops(m, &info, dev, true);
		printf("],\"inputs\":[");
		print_inputs(m, a, true);
		printf("],\"run\":{\"ok\":%s,\"elapsed_ms\":%.3f", ret ? "false" : "true", tm.last);
		if (ret) {
			printf(",\"error\":");
			json_str(npu_model_last_error(m));
			printf("}}\n");
			goto out;
		}
		printf("},\"runs\":%u,\"warmup\":%u,\"latency_ms\":{\"median\":%.3f,"
		       "\"p90\":%.3f,\"min\":%.3f,\"max\":%.3f},\"peak_rss_kib\":%ld,\"outputs\":[",
		       tm.runs, tm.warmup, tm.median, tm.p90, tm.min, tm.max, ru.ru_maxrss);
	} else {
		printf("model %s on %s (backend %s", a->path, npu_device_path(dev),
		       npu_backend_name(info.backend));
		if (info.backend == NPU_BACKEND_HOST)
			printf(", %u thread%s", host_threads(a), host_threads(a) == 1 ? "" : "s");
		printf("), opset %" PRId64 "\n", info.opset);
		printf("%u ops in %u job%s; weights %" PRIu64 " B, arena %" PRIu64
		       " B, inputs/outputs %" PRIu64 " B\n\n", info.num_ops, info.num_jobs,
		       info.num_jobs == 1 ? "" : "s", info.weights_bytes, info.arena_bytes,
		       info.io_bytes);
		print_ops(m, &info, dev, false);
		printf("\n");
		print_inputs(m, a, false);
		if (ret)
			goto out;
		if (!a->repeat)
			printf("ran in %.1f ms%s\n", tm.last,
			       a->nins ? "" : " (inputs: pseudo-random in [-1, 1))");
		else
			printf("timed %u run%s after 1 warm-up run: median %.3f ms, p90 %.3f ms, min %.3f ms, max %.3f ms\n",
			       tm.runs, tm.runs == 1 ? "" : "s", tm.median, tm.p90, tm.min, tm.max);
		printf("peak RSS %.1f MiB\n", ru.ru_maxrss / 1024.0);
	}
	for (i = 0; i < nout; i++) {
		NPU_OPTS(npu_model_tensor, t);
		struct out_stats st;

		npu_model_output(m, (unsigned int)i, &t);
		out_stats(&t, &st);
		if (json) {
			printf("%s", i ? "," : "");
			print_output_json(&t, &st, files[i]);
		} else {
			print_output_text(&t, &st, files[i]);
		}
	}
	if (json)
		printf("]}\n");
	status = EXIT_SUCCESS;
out:
	for (i = 0; files && i < nout; i++)
		free(files[i]);
	free(files);
	free(feeds);
	free(ms);
	npu_model_close(m);
	return status;
}

static void free_inputs(struct model_args *a)
{
	int i;

	for (i = 0; i < a->nins; i++) {
		npy_free(&a->ins[i].npy);
		image_free(&a->ins[i].img);
		free(a->ins[i].tensor);
	}
}

static int parse_uint(const char *opt, const char *arg, unsigned long min,
		      unsigned long max, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max) {
		fprintf(stderr, "%s: %s wants an integer, %lu .. %lu, not '%s'\n", prog, opt,
			min, max, arg);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "model", required_argument, NULL, 'm' },
		{ "shape", required_argument, NULL, 's' },
		{ "input", required_argument, NULL, 'i' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "preprocess", required_argument, NULL, 'P' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 'T' },
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = NULL, *env = getenv("NPU_DEBUG");
	static struct model_args ma;
	char *input_args[MAX_INPUTS];
	NPU_OPTS(npu_device_opts, dopts, .backend = NPU_BACKEND_ACCEL);
	struct npu_device *dev;
	long timeout_ms = 10000;
	bool prep_given = false;
	struct demo d;
	char *end;
	int c, i, err, status;

	verbose = env && *env && strcmp(env, "0") != 0;
	while ((c = getopt_long(argc, argv, "b:d:t:T:jm:s:i:o:P:r:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (ma.path) {
				fprintf(stderr, "%s: more than one model given\n", prog);
				return EXIT_USAGE;
			}
			ma.path = optarg;
			break;
		case 's':
			if (ma.nshapes == MAX_SHAPES || parse_shape(optarg, &ma.shapes[ma.nshapes])) {
				fprintf(stderr, "%s: --shape wants NAME=DIMS such as x=1x3x48x192 (1 .. 4 dimensions, at most %d shapes)\n",
					prog, MAX_SHAPES);
				return EXIT_USAGE;
			}
			ma.nshapes++;
			break;
		case 'i':
			if (ma.nins == MAX_INPUTS) {
				fprintf(stderr, "%s: at most %d --input\n", prog, MAX_INPUTS);
				return EXIT_USAGE;
			}
			input_args[ma.nins++] = optarg;
			break;
		case 'o':
			ma.outdir = optarg;
			break;
		case 'P':
			if (!strcmp(optarg, "cls")) {
				ma.prep = PREP_CLS;
			} else if (!strcmp(optarg, "det")) {
				ma.prep = PREP_DET;
			} else {
				fprintf(stderr, "%s: --preprocess wants cls or det, not '%s'\n",
					prog, optarg);
				return EXIT_USAGE;
			}
			prep_given = true;
			break;
		case 'r':
			if (parse_uint("--repeat", optarg, 1, MAX_REPEAT, &ma.repeat))
				return EXIT_USAGE;
			break;
		case 'T':
			if (parse_uint("--threads", optarg, 1, 256, &ma.threads))
				return EXIT_USAGE;
			break;
		case 'b':
			if (!strcmp(optarg, "accel")) {
				dopts.backend = NPU_BACKEND_ACCEL;
			} else if (!strcmp(optarg, "host")) {
				dopts.backend = NPU_BACKEND_HOST;
			} else {
				fprintf(stderr, "%s: --backend wants accel or host, not '%s'\n",
					prog, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			device = optarg;
			break;
		case 't':
			errno = 0;
			timeout_ms = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || timeout_ms < 0 ||
			    timeout_ms > 24L * 3600 * 1000) {
				fprintf(stderr, "%s: --timeout wants milliseconds, 0 .. 86400000, not '%s'\n",
					prog, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j':
			ma.json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("%s (libnpu) %s\n", prog, npu_version_string());
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	/* the positional MODEL, or --model */
	if (argc - optind > 1 || (optind < argc && ma.path)) {
		fprintf(stderr, "%s: unexpected argument '%s'%s\n", prog, argv[argc - 1],
			ma.path ? " (the model is given already)" : "");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (optind < argc)
		ma.path = argv[optind];

	if (!ma.path) {
		const char *opt = ma.nshapes ? "--shape" : ma.nins ? "--input" :
				  ma.outdir ? "--output-dir" : ma.repeat ? "--repeat" :
				  prep_given ? "--preprocess" : NULL;

		if (opt) {
			fprintf(stderr, "%s: %s needs a model (npu-run MODEL.onnx %s ...)\n",
				prog, opt, opt);
			return EXIT_USAGE;
		}
	}
	if (ma.threads && dopts.backend != NPU_BACKEND_HOST) {
		fprintf(stderr, "%s: --threads is for --backend host: the accel backend's engines and their threads are the kernel driver's\n",
			prog);
		return EXIT_USAGE;
	}
	if (dopts.backend == NPU_BACKEND_HOST) {
		dopts.threads = ma.threads;
		/* the host backend's job timeout: --timeout, 10 ms .. 10 min */
		dopts.job_timeout_ms = (uint32_t)(timeout_ms < 10 ? 10 :
						  timeout_ms > 600000 ? 600000 : timeout_ms);
	}

	/* read and decode the inputs before any device thread runs */
	for (i = 0; i < ma.nins; i++) {
		status = load_input(&ma, &ma.ins[i], input_args[i]);
		if (status) {
			free_inputs(&ma);
			return status;
		}
	}

	dev = npu_device_open(device, &dopts);
	if (!dev) {
		err = errno;
		free_inputs(&ma);
		if (dopts.backend == NPU_BACKEND_HOST) {
			fprintf(stderr, "%s: host backend%s%s: %s\n", prog,
				device ? " " : "", device ? device : "",
				strerror(err));
			if (err == EINVAL && device)
				fprintf(stderr, "%s: the host backend has no device node: leave --device out or give \"host\"\n",
					prog);
			return EXIT_FAILURE;
		}
		if (err == EOPNOTSUPP) {
			fprintf(stderr, "%s: the %s backend is not available in libnpu %s\n",
				prog, npu_backend_name(dopts.backend), npu_version_string());
			return EXIT_FAILURE;
		}
		if (!device && err == ENODEV) {
			fprintf(stderr, "%s: no npu device found (is the npu module loaded? no device in /sys/class/accel is driven by \"npu\")\n",
				prog);
			return EXIT_NODEV;
		}
		if (err == ENODEV) {
			fprintf(stderr, "%s: %s is not an npu device (not driven by the npu driver)\n",
				prog, device);
			return EXIT_NODEV;
		}
		fprintf(stderr, "%s: %s: %s\n", prog, device ? device : "npu device",
			strerror(err));
		if (err == EACCES)
			fprintf(stderr, "%s: add yourself to the group owning the device node (often \"render\")\n",
				prog);
		else if (err == EPROTO)
			fprintf(stderr, "%s: the driver's uAPI major version differs from libnpu %s's; run NPU_DEBUG=1 %s for details\n",
				prog, npu_version_string(), prog);
		return err == ENOENT || err == ENODEV ? EXIT_NODEV : EXIT_FAILURE;
	}
	dbg("opened %s (backend %s)", npu_device_path(dev),
	    npu_backend_name((uint32_t)npu_device_backend(dev)));

	if (ma.path) {
		status = run_model(dev, &ma);
		free_inputs(&ma);
		npu_device_close(dev);
		return status;
	}
	memset(&d, 0, sizeof(d));
	make_inputs(&d);
	host_gemm(d.gemm_want);
	host_conv(&d, d.conv_want);
	status = run(dev, &d, timeout_ms, ma.json);
	npu_device_close(dev);
	return status;
}

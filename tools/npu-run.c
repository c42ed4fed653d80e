// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * npu-run - run a small built-in job on an npu device and check it, or run
 * an ONNX model (--model) and report how it was compiled.
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
 * With --model FILE the ONNX model is compiled with npu_model_open() (input
 * shapes from --shape), its inputs are filled with deterministic
 * pseudo-random values in [-1, 1), it runs once, and npu-run prints each
 * command-stream op (job, opcode, fused activation, the engines able to run
 * it, the ONNX nodes it implements) and a summary of each output. There is
 * no reference to compare with: exit 0 means the model ran.
 *
 * Exit status: 0 results equal (model: it ran), 1 error or mismatch,
 * 2 usage, 3 no device.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <npu/npu.h>

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
		"Run a built-in job (an F32 GEMM and an int8 CONV2D) on an npu device and\n"
		"compare its results with a host computation.\n"
		"\n"
		"  -b, --backend NAME  accel (the kernel driver, default) or host (in process)\n"
		"  -d, --device PATH   device node (default: the first npu device; host: \"host\")\n"
		"  -t, --timeout MS    how long to wait for the job (default 10000)\n"
		"  -j, --json          print JSON instead of text\n"
		"  -m, --model FILE    run the ONNX model FILE instead, print its ops\n"
		"  -s, --shape NAME=DIMS  shape of a model input, e.g. x=1x3x48x192\n"
		"                      (repeatable; needed for symbolic dimensions)\n"
		"  -h, --help          show this help and exit\n"
		"  -V, --version       show the version and exit\n"
		"\n"
		"Environment: NPU_DEBUG=1 prints libnpu and npu-run diagnostics on stderr.\n"
		"Exit status: 0 results equal, 1 error or mismatch, 2 usage error,\n"
		"3 no npu device.\n",
		prog);
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

/* ---- --model: run an ONNX model ---- */

#define MAX_SHAPES	16

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

static void shape_str(const struct npu_model_tensor *t, char *buf, size_t len)
{
	size_t n = 0;
	uint32_t i;

	n += (size_t)snprintf(buf, len, "[");
	for (i = 0; i < t->ndim && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%u", i ? "," : "", t->shape[i]);
	if (n < len)
		snprintf(buf + n, len - n, "]");
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

static int run_model(struct npu_device *dev, const char *path,
		     const struct npu_model_input_shape *shapes, uint32_t nshapes,
		     bool json)
{
	struct drm_npu_engine_info eng[32];
	char err[512], shp[64], engines[128];
	NPU_OPTS(npu_model_opts, o, .device = dev, .input_shapes = shapes,
		 .num_input_shapes = nshapes, .errbuf = err, .errbuf_len = sizeof(err));
	NPU_OPTS(npu_model_info, info);
	struct npu_model *m;
	double t0, ms;
	int neng, i, k, ret;
	uint32_t j;

	t0 = now_ms();
	m = npu_model_open(path, &o);
	if (!m) {
		fprintf(stderr, "%s: %s\n", prog, err[0] ? err : strerror(errno));
		return EXIT_FAILURE;
	}
	dbg("compiled %s in %.1f ms", path, now_ms() - t0);
	npu_model_get_info(m, &info);
	neng = npu_device_query_engines(dev, eng, 32);
	if (neng > 32)
		neng = 32;
	for (i = 0; i < npu_model_num_inputs(m); i++) {
		NPU_OPTS(npu_model_tensor, t);

		npu_model_input(m, (unsigned int)i, &t);
		fill_input(&t, 1234U + (uint32_t)i);
	}
	t0 = now_ms();
	ret = npu_model_run(m, NULL, NULL);
	ms = now_ms() - t0;
	if (ms > 1000 && !json)
		fprintf(stderr, "%s: the run took %.1f s\n", prog, ms / 1000);

	if (json) {
		printf("{\"model\":");
		json_str(path);
		printf(",\"device\":");
		json_str(npu_device_path(dev));
		printf(",\"backend\":");
		json_str(npu_backend_name(info.backend));
		printf(",\"opset\":%" PRId64 ",\"jobs\":%u,\"weights_bytes\":%" PRIu64
		       ",\"arena_bytes\":%" PRIu64 ",\"io_bytes\":%" PRIu64 ",\"ops\":[",
		       info.opset, info.num_jobs, info.weights_bytes, info.arena_bytes,
		       info.io_bytes);
	} else {
		printf("model %s on %s (backend %s), opset %" PRId64 "\n", path,
		       npu_device_path(dev), npu_backend_name(info.backend), info.opset);
		printf("%u ops in %u job%s; weights %" PRIu64 " B, arena %" PRIu64
		       " B, inputs/outputs %" PRIu64 " B\n\n", info.num_ops, info.num_jobs,
		       info.num_jobs == 1 ? "" : "s", info.weights_bytes, info.arena_bytes,
		       info.io_bytes);
		printf("%4s %3s  %-17s %-12s %-14s %s\n", "op", "job", "opcode",
		       "activation", "engines", "onnx (node)");
	}
	for (j = 0; j < info.num_ops; j++) {
		NPU_OPTS(npu_model_op_info, op);
		size_t n = 0;

		npu_model_get_op(m, j, &op);
		engines[0] = '\0';
		for (k = 0; k < neng && n < sizeof(engines); k++)
			if (op.engines & (1U << k))
				n += (size_t)snprintf(engines + n, sizeof(engines) - n, "%s%s",
						      n ? "," : "", eng[k].name);
		if (!engines[0])
			snprintf(engines, sizeof(engines), "%s", npu_backend_name(info.backend));
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
	if (json)
		printf("],\"run\":{\"ok\":%s,\"elapsed_ms\":%.3f", ret ? "false" : "true", ms);
	else
		printf("\n");
	if (ret) {
		if (json) {
			printf(",\"error\":");
			json_str(npu_model_last_error(m));
			printf("}}\n");
		}
		fprintf(stderr, "%s: run: %s\n", prog, npu_model_last_error(m));
		npu_model_close(m);
		return EXIT_FAILURE;
	}
	if (json)
		printf("},\"outputs\":[");
	else
		printf("ran in %.1f ms (inputs: pseudo-random in [-1, 1))\n", ms);
	for (i = 0; i < npu_model_num_outputs(m); i++) {
		NPU_OPTS(npu_model_tensor, t);
		double mn = INFINITY, mx = -INFINITY, sum = 0;
		uint64_t e, n;

		npu_model_output(m, (unsigned int)i, &t);
		shape_str(&t, shp, sizeof(shp));
		n = t.dtype == NPU_DTYPE_F32 ? t.bytes / 4 : 0;
		for (e = 0; e < n; e++) {
			double v = ((const float *)t.data)[e];

			mn = v < mn ? v : mn;
			mx = v > mx ? v : mx;
			sum += v;
		}
		if (json) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(t.name);
			printf(",\"shape\":");
			json_str(shp);
			printf(",\"dtype\":");
			json_str(npu_dtype_name(t.dtype));
			if (n) {
				printf(",\"min\":%.9g,\"max\":%.9g,\"mean\":%.9g,\"first\":", mn, mx,
				       sum / (double)n);
				json_f32s(t.data, n < 8 ? (int)n : 8);
			}
			printf("}");
		} else {
			printf("output %s %s %s", t.name, shp, npu_dtype_name(t.dtype));
			if (n) {
				printf(": min %g, max %g, mean %g; first", mn, mx, sum / (double)n);
				for (e = 0; e < n && e < 8; e++)
					printf(" %g", ((const float *)t.data)[e]);
			}
			printf("\n");
		}
	}
	if (json)
		printf("]}\n");
	npu_model_close(m);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "model", required_argument, NULL, 'm' },
		{ "shape", required_argument, NULL, 's' },
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = NULL, *model = NULL, *env = getenv("NPU_DEBUG");
	struct npu_model_input_shape shapes[MAX_SHAPES];
	NPU_OPTS(npu_device_opts, dopts, .backend = NPU_BACKEND_ACCEL);
	uint32_t nshapes = 0;
	struct npu_device *dev;
	long timeout_ms = 10000;
	struct demo d;
	bool json = false;
	char *end;
	int c, err, status;

	verbose = env && *env && strcmp(env, "0") != 0;
	while ((c = getopt_long(argc, argv, "b:d:t:jm:s:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			model = optarg;
			break;
		case 's':
			if (nshapes == MAX_SHAPES || parse_shape(optarg, &shapes[nshapes])) {
				fprintf(stderr, "%s: --shape wants NAME=DIMS such as x=1x3x48x192 (1 .. 4 dimensions, at most %d shapes)\n",
					prog, MAX_SHAPES);
				return EXIT_USAGE;
			}
			nshapes++;
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
			json = true;
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
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}

	if (nshapes && !model) {
		fprintf(stderr, "%s: --shape needs --model\n", prog);
		return EXIT_USAGE;
	}
	dev = npu_device_open(device, &dopts);
	if (!dev) {
		err = errno;
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

	if (model) {
		status = run_model(dev, model, shapes, nshapes, json);
		npu_device_close(dev);
		return status;
	}
	memset(&d, 0, sizeof(d));
	make_inputs(&d);
	host_gemm(d.gemm_want);
	host_conv(&d, d.conv_want);
	status = run(dev, &d, timeout_ms, json);
	npu_device_close(dev);
	return status;
}

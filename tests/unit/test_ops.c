// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Host unit tests of the firmware operators: every op is run through
 * npu_fw_validate() + npu_fw_units()/npu_fw_run() and compared with a naive
 * reference written here. F32 GEMM/CONV2D results must be within 1e-5 of
 * the sum of the magnitudes of the terms (float accumulation error, NULL); F32
 * ADD/RELU/CLIP and every integer result must match exactly. The quantized
 * reference rounds with rint() (libm, round-half-to-even) in 64-bit
 * integers, independently of the firmware's own rounding.
 *
 * Every op is run twice on separate BOs, once as one call over all units and
 * once unit by unit in reverse order; both outputs must be identical.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "cmdbuild.h"

#define NT NPU_CMD_NO_TENSOR

/* -------- shared helpers -------- */

static void fill_f32(float *p, size_t n, __u64 *seed, float lo, float hi)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = cb_randf(seed, lo, hi);
}

static int q8_min(__u32 dt)
{
	return dt == NPU_DTYPE_I8 ? -128 : 0;
}

static int q8_max(__u32 dt)
{
	return dt == NPU_DTYPE_I8 ? 127 : 255;
}

static void fill_q8(void *p, size_t n, __u32 dt, __u64 *seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int v = q8_min(dt) + (int)cb_rand_below(seed, 256);

		if (dt == NPU_DTYPE_I8)
			((int8_t *)p)[i] = (int8_t)v;
		else
			((uint8_t *)p)[i] = (uint8_t)v;
	}
}

static int ld_q8(const void *p, size_t i, __u32 dt)
{
	return dt == NPU_DTYPE_I8 ? ((const int8_t *)p)[i] : ((const uint8_t *)p)[i];
}

/* reference: clamp(zp + rint(v), lo, hi); NaN -> zp (then clamped) */
static int ref_round_to(double v, int zp, int lo, int hi)
{
	double q;

	if (isnan(v))
		v = 0.0;
	q = (double)zp + rint(v);
	if (q < lo)
		return lo;
	if (q > hi)
		return hi;
	return (int)q;
}

/* reference q(v) of a real value in a per-tensor quantization */
static int ref_quantize(double v, float scale, int zp, int qmin, int qmax)
{
	return ref_round_to(v / (double)scale, zp, qmin, qmax);
}

/* integer bounds of a fused activation in an output quantization */
static void ref_act_bounds(__u32 act, float amin, float amax, float scale, int zp,
			   int qmin, int qmax, int *lo, int *hi)
{
	*lo = qmin;
	*hi = qmax;
	if (act == NPU_ACT_RELU) {
		*lo = ref_quantize(0.0, scale, zp, qmin, qmax);
	} else if (act == NPU_ACT_CLIP) {
		*lo = ref_quantize(amin, scale, zp, qmin, qmax);
		*hi = ref_quantize(amax, scale, zp, qmin, qmax);
	}
}

static double ref_act_f(double v, __u32 act, float lo, float hi)
{
	if (act == NPU_ACT_RELU)
		return v < 0 ? 0 : v;
	if (act == NPU_ACT_CLIP) {
		if (v < lo)
			v = lo;
		if (v > hi)
			v = hi;
	}
	return v;
}

/*
 * Validate, then run the stream on two sets of BOs that hold the same input
 * bytes (m, and a copy made here): m unit by unit in reverse, the copy in one
 * call per op. Fails unless the validator accepts and every output BO is
 * bit-identical afterwards.
 */
static void run_both(struct __test_metadata *_metadata, struct cb *c, struct cb_mem *m)
{
	struct npu_fw_diag d;
	struct cb_mem m2;
	unsigned int i;

	ASSERT_EQ(0, cb_validate(c, &d)) TH_LOG("rejected: op %d tensor %d: %s",
						 d.op, d.tensor, d.msg);
	cb_mem_alloc(c, &m2, 0);
	for (i = 0; i < c->nbos; i++)
		memcpy(m2.bo[i], m->bo[i], c->bo_size[i]);
	cb_exec(c, m, 1);
	cb_exec(c, &m2, 0);
	for (i = 0; i < c->nbos; i++)
		EXPECT_EQ(0, memcmp(m->bo[i], m2.bo[i], c->bo_size[i])) TH_LOG("BO %u", i);
	cb_mem_free(&m2);
}

/* compare F32 results with a reference and the magnitude of its terms */
static void check_f32(struct __test_metadata *_metadata, const float *y, const double *ref,
		      const double *mag, size_t n)
{
	size_t i, bad = 0, first = 0;

	for (i = 0; i < n; i++) {
		double tol = 1e-5 * mag[i] + 1e-30;

		if (!(fabs((double)y[i] - ref[i]) <= tol)) {
			if (!bad++)
				first = i;
		}
	}
	EXPECT_EQ(0, bad) TH_LOG("%zu of %zu wrong; first [%zu] = %.9g, want %.9g (mag %g)",
				 bad, n, first, y[first], ref[first], mag[first]);
}

static void check_q8(struct __test_metadata *_metadata, const void *y, __u32 dt,
		     const int *ref, size_t n)
{
	size_t i, bad = 0, first = 0;

	for (i = 0; i < n; i++) {
		if (ld_q8(y, i, dt) != ref[i]) {
			if (!bad++)
				first = i;
		}
	}
	EXPECT_EQ(0, bad) TH_LOG("%zu of %zu wrong; first [%zu] = %d, want %d",
				 bad, n, first, ld_q8(y, first, dt), ref[first]);
}

/* -------- GEMM -------- */

FIXTURE(gemm) {
	struct cb c;
	struct cb_mem m;
	__u64 seed;
};

FIXTURE_VARIANT(gemm) {
	__u32 m, k, n;
	int trans, bias;
	__u32 act;
	float lo, hi;
	/* quantized runs only */
	__u32 adt, ydt;
	int za, zb, zy;
	int per_channel;
};

FIXTURE_SETUP(gemm)
{
	cb_init(&self->c);
	memset(&self->m, 0, sizeof(self->m));
	self->seed = 0x9e3779b97f4a7c15ULL ^ (variant->m * 131 + variant->k * 7 + variant->n);
}

FIXTURE_TEARDOWN(gemm)
{
	cb_mem_free(&self->m);
	cb_free(&self->c);
}

FIXTURE_VARIANT_ADD(gemm, small_no_bias) {
	.m = 3, .k = 4, .n = 5, .adt = NPU_DTYPE_I8, .ydt = NPU_DTYPE_I8,
	.za = 3, .zb = -2, .zy = -5,
};

FIXTURE_VARIANT_ADD(gemm, bias) {
	.m = 7, .k = 33, .n = 70, .bias = 1, .adt = NPU_DTYPE_U8, .ydt = NPU_DTYPE_U8,
	.za = 128, .zb = 0, .zy = 120,
};

FIXTURE_VARIANT_ADD(gemm, trans_b) {
	.m = 5, .k = 17, .n = 9, .trans = 1, .bias = 1, .adt = NPU_DTYPE_I8,
	.ydt = NPU_DTYPE_I8, .za = -1, .zb = 5, .zy = 0,
};

FIXTURE_VARIANT_ADD(gemm, relu) {
	.m = 4, .k = 16, .n = 8, .bias = 1, .act = NPU_ACT_RELU,
	.adt = NPU_DTYPE_U8, .ydt = NPU_DTYPE_I8, .za = 100, .zy = -20,
};

FIXTURE_VARIANT_ADD(gemm, clip_trans) {
	.m = 6, .k = 9, .n = 130, .trans = 1, .bias = 1, .act = NPU_ACT_CLIP,
	.lo = -0.5f, .hi = 0.75f, .adt = NPU_DTYPE_I8, .ydt = NPU_DTYPE_U8, .za = 0,
	.zy = 10,
};

FIXTURE_VARIANT_ADD(gemm, k1) {
	.m = 2, .k = 1, .n = 3, .bias = 1, .adt = NPU_DTYPE_I8, .ydt = NPU_DTYPE_I8,
};

FIXTURE_VARIANT_ADD(gemm, one_out_long_k) {
	.m = 1, .k = 100, .n = 1, .trans = 1, .adt = NPU_DTYPE_U8, .ydt = NPU_DTYPE_U8,
	.za = 17, .zb = -100, .zy = 200,
};

FIXTURE_VARIANT_ADD(gemm, per_channel) {
	.m = 6, .k = 31, .n = 11, .bias = 1, .act = NPU_ACT_RELU, .adt = NPU_DTYPE_I8,
	.ydt = NPU_DTYPE_I8, .za = -3, .zy = 4, .per_channel = 1,
};

FIXTURE_VARIANT_ADD(gemm, per_channel_trans_clip) {
	.m = 3, .k = 64, .n = 130, .trans = 1, .bias = 1, .act = NPU_ACT_CLIP,
	.lo = -2.0f, .hi = 5.0f, .adt = NPU_DTYPE_U8, .ydt = NPU_DTYPE_U8, .za = 128,
	.zy = 128, .per_channel = 1,
};

FIXTURE_VARIANT_ADD(gemm, per_channel_no_bias) {
	.m = 9, .k = 8, .n = 65, .adt = NPU_DTYPE_U8, .ydt = NPU_DTYPE_I8, .za = 255,
	.zy = -128, .per_channel = 1,
};

TEST_F(gemm, f32)
{
	const FIXTURE_VARIANT(gemm) *v = variant;
	struct cb *c = &self->c;
	__u32 a, b, bias = NT, y, mi, ni, ki;
	struct npu_cmd_op *op;
	double *ref, *mag;
	float *pa, *pb, *pbias = NULL;

	a = CB_T(c, 0, NPU_DTYPE_F32, v->m, v->k);
	b = v->trans ? CB_T(c, 0, NPU_DTYPE_F32, v->n, v->k) :
		       CB_T(c, 0, NPU_DTYPE_F32, v->k, v->n);
	if (v->bias)
		bias = CB_T(c, 0, NPU_DTYPE_F32, v->n);
	y = CB_T(c, 1, NPU_DTYPE_F32, v->m, v->n);
	op = cb_gemm(c, a, b, bias, y, v->trans ? NPU_GEMM_TRANS_B : 0);
	cb_act(&op->gemm.activation, &op->gemm.act_min, &op->gemm.act_max, v->act, v->lo, v->hi);
	cb_finish(c);
	cb_mem_alloc(c, &self->m, 0xa5);
	pa = cb_ptr(c, &self->m, a);
	pb = cb_ptr(c, &self->m, b);
	fill_f32(pa, v->m * v->k, &self->seed, -1, 1);
	fill_f32(pb, v->k * v->n, &self->seed, -1, 1);
	if (v->bias) {
		pbias = cb_ptr(c, &self->m, bias);
		fill_f32(pbias, v->n, &self->seed, -1, 1);
	}
	run_both(_metadata, c, &self->m);

	ref = calloc(v->m * v->n, sizeof(double));
	mag = calloc(v->m * v->n, sizeof(double));
	ASSERT_NE(NULL, ref);
	ASSERT_NE(NULL, mag);
	for (mi = 0; mi < v->m; mi++) {
		for (ni = 0; ni < v->n; ni++) {
			double acc = pbias ? pbias[ni] : 0, s = fabs(acc);

			for (ki = 0; ki < v->k; ki++) {
				double t = (double)pa[mi * v->k + ki] *
					   (v->trans ? pb[ni * v->k + ki] : pb[ki * v->n + ni]);
				acc += t;
				s += fabs(t);
			}
			ref[mi * v->n + ni] = ref_act_f(acc, v->act, v->lo, v->hi);
			mag[mi * v->n + ni] = s;
		}
	}
	check_f32(_metadata, cb_ptr(c, &self->m, y), ref, mag, v->m * v->n);
	free(ref);
	free(mag);
}

TEST_F(gemm, q8)
{
	const FIXTURE_VARIANT(gemm) *v = variant;
	struct cb *c = &self->c;
	__u32 a, b, s = NT, bias = NT, y, mi, ni, ki;
	const float sa = 0.05f, sb = 0.006f, sy = 0.1f;
	int lo, hi, *ref;
	struct npu_cmd_op *op;
	__s32 *pbias = NULL;
	float *ps = NULL;
	void *pa, *py;
	int8_t *pb;

	a = CB_T(c, 0, v->adt, v->m, v->k);
	b = v->trans ? CB_T(c, 0, NPU_DTYPE_I8, v->n, v->k) :
		       CB_T(c, 0, NPU_DTYPE_I8, v->k, v->n);
	if (v->per_channel)
		s = CB_T(c, 0, NPU_DTYPE_F32, v->n);
	if (v->bias)
		bias = CB_T(c, 0, NPU_DTYPE_I32, v->n);
	y = CB_T(c, 1, v->ydt, v->m, v->n);
	cb_quant(c, a, sa, v->za);
	if (v->per_channel)
		cb_quant_pc(c, b, v->trans ? 0 : 1, s);
	else
		cb_quant(c, b, sb, v->zb);
	cb_quant(c, y, sy, v->zy);
	op = cb_gemm(c, a, b, bias, y, v->trans ? NPU_GEMM_TRANS_B : 0);
	cb_act(&op->gemm.activation, &op->gemm.act_min, &op->gemm.act_max, v->act, v->lo, v->hi);
	cb_finish(c);
	cb_mem_alloc(c, &self->m, 0xa5);
	pa = cb_ptr(c, &self->m, a);
	pb = cb_ptr(c, &self->m, b);
	py = cb_ptr(c, &self->m, y);
	fill_q8(pa, v->m * v->k, v->adt, &self->seed);
	fill_q8(pb, v->k * v->n, NPU_DTYPE_I8, &self->seed);
	if (v->per_channel) {
		ps = cb_ptr(c, &self->m, s);
		fill_f32(ps, v->n, &self->seed, 0.001f, 0.012f);
	}
	if (v->bias) {
		pbias = cb_ptr(c, &self->m, bias);
		for (ni = 0; ni < v->n; ni++)
			pbias[ni] = (__s32)cb_rand_below(&self->seed, 40001) - 20000;
	}
	run_both(_metadata, c, &self->m);

	ref_act_bounds(v->act, v->lo, v->hi, sy, v->zy, q8_min(v->ydt), q8_max(v->ydt),
		       &lo, &hi);
	ref = calloc(v->m * v->n, sizeof(int));
	ASSERT_NE(NULL, ref);
	for (mi = 0; mi < v->m; mi++) {
		for (ni = 0; ni < v->n; ni++) {
			long long acc = pbias ? pbias[ni] : 0;
			int zb = v->per_channel ? 0 : v->zb;
			double mult = v->per_channel ?
				      (double)sa * (double)ps[ni] / (double)sy :
				      (double)sa * (double)sb / (double)sy;

			for (ki = 0; ki < v->k; ki++) {
				int bv = v->trans ? pb[ni * v->k + ki] : pb[ki * v->n + ni];

				acc += (long long)(ld_q8(pa, mi * v->k + ki, v->adt) - v->za) *
				       (bv - zb);
			}
			ref[mi * v->n + ni] = ref_round_to((double)acc * mult, v->zy, lo, hi);
		}
	}
	check_q8(_metadata, py, v->ydt, ref, v->m * v->n);
	free(ref);
}

/* requantization rounds half to even: y = rhe(a * b / 2) */
TEST(gemm_q8_ties_to_even)
{
	static const int8_t av[] = { 1, 3, 5, 7, -1, -3, -5, -7, 0, 127, -128 };
	static const int want[] = { 0, 2, 2, 4, 0, -2, -2, -4, 0, 64, -64 };
	const __u32 m = sizeof(av);
	struct cb c;
	struct cb_mem mem;
	__u32 a, b, y, i;
	int8_t *py;

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_I8, m, 1);
	b = CB_T(&c, 0, NPU_DTYPE_I8, 1, 1);
	y = CB_T(&c, 1, NPU_DTYPE_I8, m, 1);
	cb_quant(&c, a, 1.0f, 0);
	cb_quant(&c, b, 1.0f, 0);
	cb_quant(&c, y, 2.0f, 0);
	cb_gemm(&c, a, b, NT, y, 0);
	cb_finish(&c);
	cb_mem_alloc(&c, &mem, 0);
	memcpy(cb_ptr(&c, &mem, a), av, m);
	*(int8_t *)cb_ptr(&c, &mem, b) = 1;
	run_both(_metadata, &c, &mem);
	py = cb_ptr(&c, &mem, y);
	for (i = 0; i < m; i++)
		EXPECT_EQ(want[i], py[i]) TH_LOG("a = %d", av[i]);
	cb_mem_free(&mem);
	cb_free(&c);
}

/*
 * Per-channel scales are BO data the validator cannot check: NaN gives the
 * zero point, infinities saturate (0 * inf is NaN: the zero point), negative
 * scales just negate. Runs under UBSan's float-cast-overflow check.
 */
TEST(gemm_q8_nonfinite_channel_scales)
{
	const float scales[] = { NAN, INFINITY, -INFINITY, 0.0f, -0.01f, 3e38f, 1e-45f };
	const __u32 n = sizeof(scales) / sizeof(scales[0]), k = 2;
	const int8_t av[] = { 1, 2, -1, -2, 0, 0 };	/* rows: acc > 0, acc < 0, 0 */
	struct cb c;
	struct cb_mem mem;
	__u32 a, b, s, y, mi, ni;
	int8_t *pb, *py;

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_I8, 3, k);
	b = CB_T(&c, 0, NPU_DTYPE_I8, k, n);
	s = CB_T(&c, 0, NPU_DTYPE_F32, n);
	y = CB_T(&c, 1, NPU_DTYPE_I8, 3, n);
	cb_quant(&c, a, 1.0f, 0);
	cb_quant_pc(&c, b, 1, s);
	cb_quant(&c, y, 1.0f, 5);
	cb_gemm(&c, a, b, NT, y, 0);
	cb_finish(&c);
	cb_mem_alloc(&c, &mem, 0);
	memcpy(cb_ptr(&c, &mem, a), av, sizeof(av));
	memcpy(cb_ptr(&c, &mem, s), scales, sizeof(scales));
	pb = cb_ptr(&c, &mem, b);
	for (ni = 0; ni < k * n; ni++)
		pb[ni] = 10;
	run_both(_metadata, &c, &mem);
	py = cb_ptr(&c, &mem, y);
	for (mi = 0; mi < 3; mi++) {
		for (ni = 0; ni < n; ni++) {
			long long acc = (long long)(av[mi * k] + av[mi * k + 1]) * 10;
			int want = ref_round_to((double)acc * (double)scales[ni], 5, -128, 127);

			EXPECT_EQ(want, py[mi * n + ni]) TH_LOG("row %u channel %u", mi, ni);
		}
	}
	/* spot checks that do not depend on the reference */
	EXPECT_EQ(5, py[0]);		/* NaN */
	EXPECT_EQ(127, py[1]);		/* +inf, acc > 0 */
	EXPECT_EQ(-128, py[n + 1]);	/* +inf, acc < 0 */
	EXPECT_EQ(5, py[2 * n + 1]);	/* +inf * 0 */
	EXPECT_EQ(5, py[3]);		/* scale 0 */
	cb_mem_free(&mem);
	cb_free(&c);
}

/* -------- CONV2D -------- */

FIXTURE(conv) {
	struct cb c;
	struct cb_mem m;
	__u64 seed;
};

FIXTURE_VARIANT(conv) {
	__u32 n, ch, h, w, oc, kh, kw;
	struct npu_op_conv2d p;
	int bias;
	/* quantized runs only */
	__u32 xdt, ydt;
	int zx, zw, zy;
	int per_channel;
};

FIXTURE_SETUP(conv)
{
	cb_init(&self->c);
	memset(&self->m, 0, sizeof(self->m));
	self->seed = 0x1234567ULL + variant->h * 1000 + variant->w * 10 + variant->oc;
}

FIXTURE_TEARDOWN(conv)
{
	cb_mem_free(&self->m);
	cb_free(&self->c);
}

#define CONV_P(sh, sw, dh, dw, pt, pl, pb, pr, g, act_, lo, hi)			\
	{ .stride_h = sh, .stride_w = sw, .dilation_h = dh, .dilation_w = dw,	\
	  .pad_top = pt, .pad_left = pl, .pad_bottom = pb, .pad_right = pr,	\
	  .groups = g, .activation = act_, .act_min = lo, .act_max = hi }

#define F32BITS_M1	0xbf800000U	/* -1.0f */
#define F32BITS_1_5	0x3fc00000U	/* 1.5f */

FIXTURE_VARIANT_ADD(conv, basic_3x3_pad1) {
	.n = 1, .ch = 3, .h = 8, .w = 8, .oc = 4, .kh = 3, .kw = 3, .bias = 1,
	.p = CONV_P(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0),
	.xdt = NPU_DTYPE_U8, .ydt = NPU_DTYPE_U8, .zx = 128, .zw = 3, .zy = 100,
};

FIXTURE_VARIANT_ADD(conv, groups_2_batch_2) {
	.n = 2, .ch = 4, .h = 9, .w = 7, .oc = 6, .kh = 3, .kw = 3, .bias = 1,
	.p = CONV_P(1, 1, 1, 1, 0, 0, 0, 0, 2, 0, 0, 0),
	.xdt = NPU_DTYPE_I8, .ydt = NPU_DTYPE_I8, .zx = -3, .zy = 2, .per_channel = 1,
};

FIXTURE_VARIANT_ADD(conv, depthwise_relu) {
	.n = 1, .ch = 5, .h = 10, .w = 9, .oc = 5, .kh = 3, .kw = 3, .bias = 1,
	.p = CONV_P(1, 1, 1, 1, 1, 1, 1, 1, 5, NPU_ACT_RELU, 0, 0),
	.xdt = NPU_DTYPE_U8, .ydt = NPU_DTYPE_U8, .zx = 0, .zy = 50, .per_channel = 1,
};

FIXTURE_VARIANT_ADD(conv, depthwise_multiplier_2) {
	.n = 1, .ch = 4, .h = 7, .w = 7, .oc = 8, .kh = 3, .kw = 3,
	.p = CONV_P(1, 1, 1, 1, 1, 1, 1, 1, 4, 0, 0, 0),
	.xdt = NPU_DTYPE_I8, .ydt = NPU_DTYPE_U8, .zx = 10, .zy = 128, .zw = -1,
};

FIXTURE_VARIANT_ADD(conv, stride_2) {
	.n = 1, .ch = 3, .h = 11, .w = 10, .oc = 4, .kh = 3, .kw = 3, .bias = 1,
	.p = CONV_P(2, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0),
	.xdt = NPU_DTYPE_U8, .ydt = NPU_DTYPE_I8, .zx = 128, .zy = 0, .per_channel = 1,
};

FIXTURE_VARIANT_ADD(conv, dilation_2) {
	.n = 1, .ch = 2, .h = 12, .w = 11, .oc = 3, .kh = 3, .kw = 3, .bias = 1,
	.p = CONV_P(1, 1, 2, 2, 2, 2, 2, 2, 1, 0, 0, 0),
	.xdt = NPU_DTYPE_I8, .ydt = NPU_DTYPE_I8, .zx = 0, .zy = 0, .zw = 2,
};

FIXTURE_VARIANT_ADD(conv, asymmetric_pads) {
	.n = 1, .ch = 3, .h = 9, .w = 8, .oc = 2, .kh = 3, .kw = 2, .bias = 1,
	.p = CONV_P(1, 1, 1, 1, 2, 0, 0, 1, 1, 0, 0, 0),
	.xdt = NPU_DTYPE_U8, .ydt = NPU_DTYPE_U8, .zx = 7, .zy = 9, .per_channel = 1,
};

FIXTURE_VARIANT_ADD(conv, strided_dilated_asym_clip) {
	.n = 2, .ch = 4, .h = 13, .w = 15, .oc = 4, .kh = 3, .kw = 3, .bias = 1,
	.p = CONV_P(2, 3, 2, 1, 3, 0, 1, 2, 2, NPU_ACT_CLIP, F32BITS_M1, F32BITS_1_5),
	.xdt = NPU_DTYPE_I8, .ydt = NPU_DTYPE_I8, .zx = 1, .zy = -1, .per_channel = 1,
};

FIXTURE_VARIANT_ADD(conv, wide_rows) {
	.n = 1, .ch = 2, .h = 3, .w = 150, .oc = 3, .kh = 1, .kw = 3, .bias = 1,
	.p = CONV_P(1, 1, 1, 1, 0, 1, 0, 1, 1, NPU_ACT_RELU, 0, 0),
	.xdt = NPU_DTYPE_U8, .ydt = NPU_DTYPE_U8, .zx = 128, .zy = 0,
};

FIXTURE_VARIANT_ADD(conv, pointwise) {
	.n = 1, .ch = 8, .h = 5, .w = 5, .oc = 4, .kh = 1, .kw = 1,
	.p = CONV_P(1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0),
	.xdt = NPU_DTYPE_I8, .ydt = NPU_DTYPE_I8, .zx = -128, .zy = 127, .per_channel = 1,
};

FIXTURE_VARIANT_ADD(conv, kernel_covers_input) {
	.n = 1, .ch = 2, .h = 3, .w = 4, .oc = 2, .kh = 3, .kw = 4, .bias = 1,
	.p = CONV_P(1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0),
	.xdt = NPU_DTYPE_U8, .ydt = NPU_DTYPE_I8, .zx = 50, .zy = 0,
};

FIXTURE_VARIANT_ADD(conv, stride_3_wide_pads) {
	.n = 1, .ch = 1, .h = 4, .w = 70, .oc = 1, .kh = 2, .kw = 5, .bias = 1,
	.p = CONV_P(3, 3, 1, 2, 1, 8, 0, 7, 1, 0, 0, 0),
	.xdt = NPU_DTYPE_U8, .ydt = NPU_DTYPE_U8, .zx = 0, .zy = 0,
};

struct conv_geom {
	__u32 oh, ow, cg, ocg;
};

static void conv_geom(const FIXTURE_VARIANT(conv) *v, struct conv_geom *g)
{
	g->oh = cb_conv_out(v->h, v->kh, v->p.stride_h, v->p.dilation_h, v->p.pad_top,
			    v->p.pad_bottom);
	g->ow = cb_conv_out(v->w, v->kw, v->p.stride_w, v->p.dilation_w, v->p.pad_left,
			    v->p.pad_right);
	g->cg = v->ch / v->p.groups;
	g->ocg = v->oc / v->p.groups;
}

/* index of the input element under output (n, oc, oh, ow) tap (ic, kh, kw), or -1 */
static long conv_in_index(const FIXTURE_VARIANT(conv) *v, const struct conv_geom *g,
			  __u32 n, __u32 oc, __u32 oh, __u32 ow, __u32 icl, __u32 kh, __u32 kw)
{
	long ih = (long)oh * v->p.stride_h - v->p.pad_top + (long)kh * v->p.dilation_h;
	long iw = (long)ow * v->p.stride_w - v->p.pad_left + (long)kw * v->p.dilation_w;
	long ic = (long)(oc / g->ocg) * g->cg + icl;

	if (ih < 0 || ih >= v->h || iw < 0 || iw >= v->w)
		return -1;
	return ((n * (long)v->ch + ic) * v->h + ih) * v->w + iw;
}

TEST_F(conv, f32)
{
	const FIXTURE_VARIANT(conv) *v = variant;
	struct cb *c = &self->c;
	struct conv_geom g;
	__u32 x, w, bias = NT, y, n, oc, oh, ow, icl, kh, kw, nout;
	double *ref, *mag;
	float *px, *pw, *pbias = NULL;

	conv_geom(v, &g);
	x = CB_T(c, 0, NPU_DTYPE_F32, v->n, v->ch, v->h, v->w);
	w = CB_T(c, 0, NPU_DTYPE_F32, v->oc, g.cg, v->kh, v->kw);
	if (v->bias)
		bias = CB_T(c, 0, NPU_DTYPE_F32, v->oc);
	y = CB_T(c, 1, NPU_DTYPE_F32, v->n, v->oc, g.oh, g.ow);
	cb_conv(c, x, w, bias, y, &v->p);
	cb_finish(c);
	cb_mem_alloc(c, &self->m, 0xa5);
	px = cb_ptr(c, &self->m, x);
	pw = cb_ptr(c, &self->m, w);
	fill_f32(px, cb_tensor_elems(&c->t[x]), &self->seed, -1, 1);
	fill_f32(pw, cb_tensor_elems(&c->t[w]), &self->seed, -1, 1);
	if (v->bias) {
		pbias = cb_ptr(c, &self->m, bias);
		fill_f32(pbias, v->oc, &self->seed, -1, 1);
	}
	run_both(_metadata, c, &self->m);

	nout = v->n * v->oc * g.oh * g.ow;
	ref = calloc(nout, sizeof(double));
	mag = calloc(nout, sizeof(double));
	ASSERT_NE(NULL, ref);
	ASSERT_NE(NULL, mag);
	for (n = 0; n < v->n; n++)
	for (oc = 0; oc < v->oc; oc++)
	for (oh = 0; oh < g.oh; oh++)
	for (ow = 0; ow < g.ow; ow++) {
		size_t o = ((n * v->oc + oc) * g.oh + oh) * g.ow + ow;
		double acc = pbias ? pbias[oc] : 0, s = fabs(acc);

		for (icl = 0; icl < g.cg; icl++)
		for (kh = 0; kh < v->kh; kh++)
		for (kw = 0; kw < v->kw; kw++) {
			long xi = conv_in_index(v, &g, n, oc, oh, ow, icl, kh, kw);
			double t;

			if (xi < 0)
				continue;
			t = (double)px[xi] * pw[((oc * g.cg + icl) * v->kh + kh) * v->kw + kw];
			acc += t;
			s += fabs(t);
		}
		ref[o] = ref_act_f(acc, v->p.activation, cb_bitsf32(v->p.act_min),
				   cb_bitsf32(v->p.act_max));
		mag[o] = s;
	}
	check_f32(_metadata, cb_ptr(c, &self->m, y), ref, mag, nout);
	free(ref);
	free(mag);
}

TEST_F(conv, q8)
{
	const FIXTURE_VARIANT(conv) *v = variant;
	struct cb *c = &self->c;
	const float sx = 0.02f, sw = 0.01f, sy = 0.08f;
	struct conv_geom g;
	__u32 x, w, s = NT, bias = NT, y, n, oc, oh, ow, icl, kh, kw, nout;
	__s32 *pbias = NULL;
	float *ps = NULL;
	int lo, hi, *ref;
	int8_t *pw;
	void *px;

	conv_geom(v, &g);
	x = CB_T(c, 0, v->xdt, v->n, v->ch, v->h, v->w);
	w = CB_T(c, 0, NPU_DTYPE_I8, v->oc, g.cg, v->kh, v->kw);
	if (v->per_channel)
		s = CB_T(c, 0, NPU_DTYPE_F32, v->oc);
	if (v->bias)
		bias = CB_T(c, 0, NPU_DTYPE_I32, v->oc);
	y = CB_T(c, 1, v->ydt, v->n, v->oc, g.oh, g.ow);
	cb_quant(c, x, sx, v->zx);
	if (v->per_channel)
		cb_quant_pc(c, w, 0, s);
	else
		cb_quant(c, w, sw, v->zw);
	cb_quant(c, y, sy, v->zy);
	cb_conv(c, x, w, bias, y, &v->p);
	cb_finish(c);
	cb_mem_alloc(c, &self->m, 0xa5);
	px = cb_ptr(c, &self->m, x);
	pw = cb_ptr(c, &self->m, w);
	fill_q8(px, cb_tensor_elems(&c->t[x]), v->xdt, &self->seed);
	fill_q8(pw, cb_tensor_elems(&c->t[w]), NPU_DTYPE_I8, &self->seed);
	if (v->per_channel) {
		ps = cb_ptr(c, &self->m, s);
		fill_f32(ps, v->oc, &self->seed, 0.002f, 0.02f);
	}
	if (v->bias) {
		pbias = cb_ptr(c, &self->m, bias);
		for (oc = 0; oc < v->oc; oc++)
			pbias[oc] = (__s32)cb_rand_below(&self->seed, 8001) - 4000;
	}
	run_both(_metadata, c, &self->m);

	ref_act_bounds(v->p.activation, cb_bitsf32(v->p.act_min), cb_bitsf32(v->p.act_max),
		       sy, v->zy, q8_min(v->ydt), q8_max(v->ydt), &lo, &hi);
	nout = v->n * v->oc * g.oh * g.ow;
	ref = calloc(nout, sizeof(int));
	ASSERT_NE(NULL, ref);
	for (n = 0; n < v->n; n++)
	for (oc = 0; oc < v->oc; oc++)
	for (oh = 0; oh < g.oh; oh++)
	for (ow = 0; ow < g.ow; ow++) {
		size_t o = ((n * v->oc + oc) * g.oh + oh) * g.ow + ow;
		long long acc = pbias ? pbias[oc] : 0;
		int zw = v->per_channel ? 0 : v->zw;
		double mult = v->per_channel ? (double)sx * (double)ps[oc] / (double)sy :
					       (double)sx * (double)sw / (double)sy;

		for (icl = 0; icl < g.cg; icl++)
		for (kh = 0; kh < v->kh; kh++)
		for (kw = 0; kw < v->kw; kw++) {
			long xi = conv_in_index(v, &g, n, oc, oh, ow, icl, kh, kw);
			int wv = pw[((oc * g.cg + icl) * v->kh + kh) * v->kw + kw];

			/* padding is the real value 0, i.e. zx: contributes nothing */
			if (xi < 0)
				continue;
			acc += (long long)(ld_q8(px, xi, v->xdt) - v->zx) * (wv - zw);
		}
		ref[o] = ref_round_to((double)acc * mult, v->zy, lo, hi);
	}
	check_q8(_metadata, cb_ptr(c, &self->m, y), v->ydt, ref, nout);
	free(ref);
}

/* -------- ADD -------- */

FIXTURE(add) {
	struct cb c;
	struct cb_mem m;
	__u64 seed;
};

FIXTURE_VARIANT(add) {
	__u32 andim, ashape[4];
	__u32 bndim, bshape[4];
	__u32 act;
	float lo, hi;
};

FIXTURE_SETUP(add)
{
	cb_init(&self->c);
	memset(&self->m, 0, sizeof(self->m));
	self->seed = 0xadd0ULL + variant->ashape[0] * 17 + variant->bshape[0];
}

FIXTURE_TEARDOWN(add)
{
	cb_mem_free(&self->m);
	cb_free(&self->c);
}

FIXTURE_VARIANT_ADD(add, same_shape) {
	.andim = 3, .ashape = { 2, 3, 4 }, .bndim = 3, .bshape = { 2, 3, 4 },
};

FIXTURE_VARIANT_ADD(add, scalar) {
	.andim = 2, .ashape = { 5, 7 }, .bndim = 1, .bshape = { 1 },
};

FIXTURE_VARIANT_ADD(add, row) {
	.andim = 3, .ashape = { 3, 4, 5 }, .bndim = 1, .bshape = { 5 },
	.act = NPU_ACT_RELU,
};

FIXTURE_VARIANT_ADD(add, channel) {
	.andim = 4, .ashape = { 2, 3, 4, 5 }, .bndim = 3, .bshape = { 3, 1, 1 },
};

FIXTURE_VARIANT_ADD(add, middle) {
	.andim = 4, .ashape = { 2, 3, 4, 5 }, .bndim = 4, .bshape = { 1, 3, 1, 5 },
	.act = NPU_ACT_CLIP, .lo = -0.25f, .hi = 0.5f,
};

FIXTURE_VARIANT_ADD(add, chunked_4d) {
	.andim = 4, .ashape = { 3, 5, 17, 19 }, .bndim = 3, .bshape = { 5, 1, 19 },
	.act = NPU_ACT_RELU,
};

FIXTURE_VARIANT_ADD(add, chunked_column) {
	.andim = 2, .ashape = { 3, 4100 }, .bndim = 2, .bshape = { 3, 1 },
	.act = NPU_ACT_CLIP, .lo = -1.0f, .hi = 0.0f,
};

FIXTURE_VARIANT_ADD(add, all_ones) {
	.andim = 3, .ashape = { 4, 1, 3 }, .bndim = 3, .bshape = { 1, 1, 1 },
};

static size_t add_b_index(const FIXTURE_VARIANT(add) *v, size_t e)
{
	__u32 idx[4], i, lead = v->andim - v->bndim;
	size_t bi = 0;

	for (i = v->andim; i-- > 0;) {
		idx[i] = e % v->ashape[i];
		e /= v->ashape[i];
	}
	for (i = 0; i < v->bndim; i++)
		bi = bi * v->bshape[i] + (v->bshape[i] == 1 ? 0 : idx[lead + i]);
	return bi;
}

static size_t add_build(struct cb *c, const FIXTURE_VARIANT(add) *v, __u32 dt,
			__u32 *a, __u32 *b, __u32 *y)
{
	struct npu_cmd_op *op;
	size_t n = 1;
	__u32 i;

	*a = cb_tensor(c, 0, dt, v->ashape, v->andim);
	*b = cb_tensor(c, 0, dt, v->bshape, v->bndim);
	*y = cb_tensor(c, 1, dt, v->ashape, v->andim);
	op = cb_add(c, *a, *b, *y);
	cb_act(&op->eltwise.activation, &op->eltwise.act_min, &op->eltwise.act_max,
	       v->act, v->lo, v->hi);
	for (i = 0; i < v->andim; i++)
		n *= v->ashape[i];
	return n;
}

TEST_F(add, f32)
{
	const FIXTURE_VARIANT(add) *v = variant;
	struct cb *c = &self->c;
	__u32 a, b, y;
	size_t n, e, bad = 0;
	float *pa, *pb, *py;

	n = add_build(c, v, NPU_DTYPE_F32, &a, &b, &y);
	cb_finish(c);
	cb_mem_alloc(c, &self->m, 0xa5);
	pa = cb_ptr(c, &self->m, a);
	pb = cb_ptr(c, &self->m, b);
	py = cb_ptr(c, &self->m, y);
	fill_f32(pa, n, &self->seed, -1, 1);
	fill_f32(pb, cb_tensor_elems(&c->t[b]), &self->seed, -1, 1);
	run_both(_metadata, c, &self->m);
	for (e = 0; e < n; e++) {
		float want = pa[e] + pb[add_b_index(v, e)];

		want = (float)ref_act_f(want, v->act, v->lo, v->hi);
		if (py[e] != want && !bad++)
			TH_LOG("[%zu] = %.9g, want %.9g", e, py[e], want);
	}
	EXPECT_EQ(0, bad);
}

TEST_F(add, i32)
{
	const FIXTURE_VARIANT(add) *v = variant;
	struct cb *c = &self->c;
	__u32 a, b, y;
	size_t n, nb, e, bad = 0;
	__s32 *pa, *pb, *py, lo = INT32_MIN, hi = INT32_MAX;

	n = add_build(c, v, NPU_DTYPE_I32, &a, &b, &y);
	cb_finish(c);
	cb_mem_alloc(c, &self->m, 0xa5);
	pa = cb_ptr(c, &self->m, a);
	pb = cb_ptr(c, &self->m, b);
	py = cb_ptr(c, &self->m, y);
	nb = cb_tensor_elems(&c->t[b]);
	/* full-range values: many sums wrap around */
	for (e = 0; e < n; e++)
		pa[e] = (__s32)cb_rand(&self->seed);
	for (e = 0; e < nb; e++)
		pb[e] = (__s32)cb_rand(&self->seed);
	pa[0] = INT32_MAX;
	pb[0] = 1;
	run_both(_metadata, c, &self->m);
	if (v->act == NPU_ACT_RELU)
		lo = 0;
	if (v->act == NPU_ACT_CLIP) {
		lo = (__s32)rint(v->lo);
		hi = (__s32)rint(v->hi);
	}
	for (e = 0; e < n; e++) {
		__s32 want = (__s32)((__u32)pa[e] + (__u32)pb[add_b_index(v, e)]);

		want = want < lo ? lo : want > hi ? hi : want;
		if (py[e] != want && !bad++)
			TH_LOG("[%zu] = %d, want %d", e, py[e], want);
	}
	EXPECT_EQ(0, bad);
	if (v->act == NPU_ACT_NONE)
		EXPECT_EQ(INT32_MIN, py[0]);
}

TEST_F(add, q8)
{
	const FIXTURE_VARIANT(add) *v = variant;
	struct cb *c = &self->c;
	const float sa = 0.011f, sb = 0.023f, sy = 0.017f;
	const int za = -7, zb = 30, zy = 3;
	__u32 dt = v->andim % 2 ? NPU_DTYPE_I8 : NPU_DTYPE_U8;
	__u32 a, b, y;
	size_t n, e;
	int lo, hi, *ref;
	void *pa, *pb;

	n = add_build(c, v, dt, &a, &b, &y);
	cb_quant(c, a, sa, dt == NPU_DTYPE_I8 ? za : za + 128);
	cb_quant(c, b, sb, dt == NPU_DTYPE_I8 ? zb : zb + 128);
	cb_quant(c, y, sy, dt == NPU_DTYPE_I8 ? zy : zy + 128);
	cb_finish(c);
	cb_mem_alloc(c, &self->m, 0xa5);
	pa = cb_ptr(c, &self->m, a);
	pb = cb_ptr(c, &self->m, b);
	fill_q8(pa, n, dt, &self->seed);
	fill_q8(pb, cb_tensor_elems(&c->t[b]), dt, &self->seed);
	run_both(_metadata, c, &self->m);

	ref_act_bounds(v->act, v->lo, v->hi, sy, c->t[y].zero_point, q8_min(dt), q8_max(dt),
		       &lo, &hi);
	ref = calloc(n, sizeof(int));
	ASSERT_NE(NULL, ref);
	for (e = 0; e < n; e++) {
		int av = ld_q8(pa, e, dt) - c->t[a].zero_point;
		int bv = ld_q8(pb, add_b_index(v, e), dt) - c->t[b].zero_point;
		double r = ((double)av * (double)sa + (double)bv * (double)sb) / (double)sy;

		ref[e] = ref_round_to(r, c->t[y].zero_point, lo, hi);
	}
	check_q8(_metadata, cb_ptr(c, &self->m, y), dt, ref, n);
	free(ref);
}

/* -------- RELU, CLIP -------- */

#define ELT_N	(7 * 1429)	/* three work units, the last one partial */

static void unary_build(struct cb *c, __u32 opcode, __u32 dt, float lo, float hi,
			__u32 *x, __u32 *y)
{
	*x = CB_T(c, 0, dt, 7, 1429);
	*y = CB_T(c, 1, dt, 7, 1429);
	if (opcode == NPU_OP_RELU)
		cb_relu(c, *x, *y);
	else
		cb_clip(c, *x, *y, lo, hi);
}

static void unary_f32(struct __test_metadata *_metadata, __u32 opcode, float lo, float hi)
{
	struct cb c;
	struct cb_mem m;
	__u64 seed = 77;
	__u32 x, y, i, bad = 0;
	float *px, *py, want;

	cb_init(&c);
	unary_build(&c, opcode, NPU_DTYPE_F32, lo, hi, &x, &y);
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0xa5);
	px = cb_ptr(&c, &m, x);
	py = cb_ptr(&c, &m, y);
	fill_f32(px, ELT_N, &seed, -3, 3);
	px[5] = NAN;
	px[6] = -0.0f;
	px[7] = INFINITY;
	px[8] = -INFINITY;
	run_both(_metadata, &c, &m);
	for (i = 0; i < ELT_N; i++) {
		want = px[i];
		if (opcode == NPU_OP_RELU) {
			if (want < 0)
				want = 0;
		} else {
			if (want < lo)
				want = lo;
			if (want > hi)
				want = hi;
		}
		if (memcmp(&want, &py[i], 4) && !bad++)
			TH_LOG("[%u] = %.9g, want %.9g", i, py[i], want);
	}
	EXPECT_EQ(0, bad);
	EXPECT_TRUE(isnan(py[5]));
	cb_mem_free(&m);
	cb_free(&c);
}

TEST(relu_f32)
{
	unary_f32(_metadata, NPU_OP_RELU, 0, 0);
}

TEST(clip_f32)
{
	unary_f32(_metadata, NPU_OP_CLIP, -1.5f, 0.25f);
}

static void unary_int(struct __test_metadata *_metadata, __u32 opcode, __u32 dt, float lo,
		      float hi, float scale, int zp)
{
	struct cb c;
	struct cb_mem m;
	__u64 seed = 78;
	__u32 x, y, i;
	int qmin, qmax, ilo, ihi, *ref;
	void *px;

	cb_init(&c);
	unary_build(&c, opcode, dt, lo, hi, &x, &y);
	if (dt != NPU_DTYPE_I32) {
		cb_quant(&c, x, scale, zp);
		cb_quant(&c, y, scale, zp);
	}
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0xa5);
	px = cb_ptr(&c, &m, x);
	ref = calloc(ELT_N, sizeof(int));
	ASSERT_NE(NULL, ref);
	if (dt == NPU_DTYPE_I32) {
		__s32 *p = px;

		for (i = 0; i < ELT_N; i++)
			p[i] = (__s32)cb_rand_below(&seed, 2001) - 1000;
		p[0] = INT32_MIN;
		p[1] = INT32_MAX;
		qmin = INT32_MIN;
		qmax = INT32_MAX;
	} else {
		fill_q8(px, ELT_N, dt, &seed);
		qmin = q8_min(dt);
		qmax = q8_max(dt);
	}
	run_both(_metadata, &c, &m);
	ref_act_bounds(opcode == NPU_OP_RELU ? NPU_ACT_RELU : NPU_ACT_CLIP, lo, hi,
		       dt == NPU_DTYPE_I32 ? 1.0f : scale, dt == NPU_DTYPE_I32 ? 0 : zp,
		       qmin, qmax, &ilo, &ihi);
	for (i = 0; i < ELT_N; i++) {
		int v = dt == NPU_DTYPE_I32 ? ((__s32 *)px)[i] : ld_q8(px, i, dt);

		ref[i] = v < ilo ? ilo : v > ihi ? ihi : v;
	}
	if (dt == NPU_DTYPE_I32) {
		const __s32 *py = cb_ptr(&c, &m, y);

		for (i = 0; i < ELT_N; i++)
			if (py[i] != ref[i]) {
				EXPECT_EQ(ref[i], py[i]) TH_LOG("[%u]", i);
				break;
			}
	} else {
		check_q8(_metadata, cb_ptr(&c, &m, y), dt, ref, ELT_N);
	}
	free(ref);
	cb_mem_free(&m);
	cb_free(&c);
}

TEST(relu_i8)
{
	unary_int(_metadata, NPU_OP_RELU, NPU_DTYPE_I8, 0, 0, 0.1f, -20);
}

TEST(relu_u8)
{
	unary_int(_metadata, NPU_OP_RELU, NPU_DTYPE_U8, 0, 0, 0.1f, 100);
}

TEST(relu_i32)
{
	unary_int(_metadata, NPU_OP_RELU, NPU_DTYPE_I32, 0, 0, 1, 0);
}

TEST(clip_i8)
{
	/* -0.75/0.5 = -1.5 rounds to -2; 2.5/0.5 = 5 */
	unary_int(_metadata, NPU_OP_CLIP, NPU_DTYPE_I8, -0.75f, 2.5f, 0.5f, 3);
}

TEST(clip_u8_saturating_bounds)
{
	unary_int(_metadata, NPU_OP_CLIP, NPU_DTYPE_U8, -1e30f, 1e30f, 0.25f, 200);
}

TEST(clip_i32)
{
	unary_int(_metadata, NPU_OP_CLIP, NPU_DTYPE_I32, -10.5f, 500.5f, 1, 0);
}

/* fixed expectations for quantized CLIP, independent of the reference */
TEST(clip_q8_thresholds)
{
	struct cb c;
	struct cb_mem m;
	__u32 x, y, i;
	int8_t *px, *py;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_I8, 256);
	y = CB_T(&c, 1, NPU_DTYPE_I8, 256);
	cb_quant(&c, x, 0.5f, 3);
	cb_quant(&c, y, 0.5f, 3);
	/* q(-0.75) = 3 + rhe(-1.5) = 1; q(2.25) = 3 + rhe(4.5) = 7 */
	cb_clip(&c, x, y, -0.75f, 2.25f);
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0);
	px = cb_ptr(&c, &m, x);
	py = cb_ptr(&c, &m, y);
	for (i = 0; i < 256; i++)
		px[i] = (int8_t)(i - 128);
	run_both(_metadata, &c, &m);
	for (i = 0; i < 256; i++) {
		int want = px[i] < 1 ? 1 : px[i] > 7 ? 7 : px[i];

		EXPECT_EQ(want, py[i]) TH_LOG("x = %d", px[i]);
	}
	cb_mem_free(&m);
	cb_free(&c);
}

/* -------- units and partial runs -------- */

TEST(units)
{
	struct npu_op_conv2d p = {
		.stride_h = 2, .stride_w = 1, .dilation_h = 1, .dilation_w = 1, .groups = 1,
	};
	struct cb c;
	struct cb_mem m;
	struct npu_fw_job job;
	struct npu_fw_diag d;

	cb_init(&c);
	cb_gemm(&c, CB_T(&c, 0, NPU_DTYPE_F32, 7, 3), CB_T(&c, 0, NPU_DTYPE_F32, 3, 2), NT,
		CB_T(&c, 1, NPU_DTYPE_F32, 7, 2), 0);
	cb_conv(&c, CB_T(&c, 0, NPU_DTYPE_F32, 2, 1, 9, 4), CB_T(&c, 0, NPU_DTYPE_F32, 3, 1, 3, 1),
		NT, CB_T(&c, 1, NPU_DTYPE_F32, 2, 3, 4, 4), &p);
	cb_relu(&c, CB_T(&c, 0, NPU_DTYPE_F32, 4096), CB_T(&c, 1, NPU_DTYPE_F32, 4096));
	cb_clip(&c, CB_T(&c, 0, NPU_DTYPE_F32, 4097), CB_T(&c, 1, NPU_DTYPE_F32, 4097), 0, 1);
	cb_add(&c, CB_T(&c, 0, NPU_DTYPE_F32, 1), CB_T(&c, 0, NPU_DTYPE_F32, 1),
	       CB_T(&c, 1, NPU_DTYPE_F32, 1));
	cb_finish(&c);
	ASSERT_EQ(0, cb_validate(&c, &d)) TH_LOG("%s", d.msg);
	cb_mem_alloc(&c, &m, 0);
	job.cmd = c.buf;
	job.bo_vaddr = m.bo;
	EXPECT_EQ(7, npu_fw_units(&job, 0));
	EXPECT_EQ(2 * 3 * 4, npu_fw_units(&job, 1));
	EXPECT_EQ(1, npu_fw_units(&job, 2));
	EXPECT_EQ(2, npu_fw_units(&job, 3));
	EXPECT_EQ(1, npu_fw_units(&job, 4));
	cb_mem_free(&m);
	cb_free(&c);
}

/* units outside the op are ignored; a count past the end is clamped */
TEST(run_range_clamped)
{
	struct cb c;
	struct cb_mem m;
	struct npu_fw_job job;
	struct npu_fw_diag d;
	__u32 x, y, i;
	float *px, *py;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 3, 5);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 3, 5);
	cb_gemm(&c, x, CB_T(&c, 0, NPU_DTYPE_F32, 5, 5), NT, y, 0);
	cb_finish(&c);
	ASSERT_EQ(0, cb_validate(&c, &d));
	cb_mem_alloc(&c, &m, 0);
	job.cmd = c.buf;
	job.bo_vaddr = m.bo;
	px = cb_ptr(&c, &m, x);
	py = cb_ptr(&c, &m, y);
	for (i = 0; i < 15; i++)
		px[i] = 1.0f;
	for (i = 0; i < 15; i++)
		py[i] = -7.0f;
	npu_fw_run(&job, 0, 3, 1, NULL);
	npu_fw_run(&job, 0, 0xffffffffU, 0xffffffffU, NULL);
	for (i = 0; i < 15; i++)
		EXPECT_EQ(-7.0f, py[i]);
	npu_fw_run(&job, 0, 2, 0xffffffffU, NULL);
	for (i = 0; i < 10; i++)
		EXPECT_EQ(-7.0f, py[i]);
	for (i = 10; i < 15; i++)
		EXPECT_EQ(0.0f, py[i]);	/* B is all zero */
	cb_mem_free(&m);
	cb_free(&c);
}

/* ops run in order and read what earlier ops wrote */
TEST(chain_gemm_relu_add)
{
	struct cb c;
	struct cb_mem m;
	__u32 a, b, y, r, s, z, i, j, k;
	float *pa, *pb, *ps, *pz;
	double ref, mag;
	struct npu_cmd_op *op;
	__u64 seed = 5;

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_F32, 4, 6);
	b = CB_T(&c, 0, NPU_DTYPE_F32, 6, 3);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 4, 3);
	r = CB_T(&c, 1, NPU_DTYPE_F32, 4, 3);
	s = CB_T(&c, 0, NPU_DTYPE_F32, 3);
	z = CB_T(&c, 2, NPU_DTYPE_F32, 4, 3);
	cb_gemm(&c, a, b, NT, y, 0);
	cb_relu(&c, y, r);
	op = cb_add(&c, r, s, z);
	cb_act(&op->eltwise.activation, &op->eltwise.act_min, &op->eltwise.act_max,
	       NPU_ACT_CLIP, -0.5f, 0.5f);
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0xa5);
	pa = cb_ptr(&c, &m, a);
	pb = cb_ptr(&c, &m, b);
	ps = cb_ptr(&c, &m, s);
	fill_f32(pa, 24, &seed, -1, 1);
	fill_f32(pb, 18, &seed, -1, 1);
	fill_f32(ps, 3, &seed, -1, 1);
	run_both(_metadata, &c, &m);
	pz = cb_ptr(&c, &m, z);
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 3; j++) {
			ref = 0;
			mag = 0;
			for (k = 0; k < 6; k++) {
				ref += (double)pa[i * 6 + k] * pb[k * 3 + j];
				mag += fabs((double)pa[i * 6 + k] * pb[k * 3 + j]);
			}
			ref = ref_act_f(ref_act_f(ref, NPU_ACT_RELU, 0, 0) + ps[j],
					NPU_ACT_CLIP, -0.5f, 0.5f);
			EXPECT_TRUE(fabs(pz[i * 3 + j] - ref) <= 1e-5 * (mag + 1))
				TH_LOG("[%u][%u] = %.9g, want %.9g", i, j, pz[i * 3 + j], ref);
		}
	}
	cb_mem_free(&m);
	cb_free(&c);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Host unit tests of the firmware operators added for ONNX models (opcodes
 * 6..23 and the SIGMOID/HARD_SIGMOID/HARD_SWISH fused activations). Each
 * op runs through npu_fw_validate() + npu_fw_units()/npu_fw_run() and is
 * compared with a straightforward reference written here in double
 * precision with libm (scatter-form transposed convolution, window loops,
 * ONNX coordinate formulas, ...), independently of the firmware's code.
 *
 * Exact results are required where the op is exact (data movement,
 * integer and quantized ops, MAXPOOL, single binary32 operations);
 * transcendental functions must be within one ulp of libm's double result;
 * accumulations within 1e-5 of the sum of the magnitudes of their terms.
 *
 * Every op is run twice on separate BOs, once as one call over all units
 * and once unit by unit in reverse order; both outputs must be identical.
 */
#include <errno.h>
#include <float.h>
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

static int ld_q8(const void *p, size_t i, __u32 dt)
{
	return dt == NPU_DTYPE_I8 ? ((const int8_t *)p)[i] : ((const uint8_t *)p)[i];
}

static int q8_min(__u32 dt)
{
	return dt == NPU_DTYPE_I8 ? -128 : 0;
}

static int q8_max(__u32 dt)
{
	return dt == NPU_DTYPE_I8 ? 127 : 255;
}

/*
 * Validate, then run the stream on two sets of BOs holding the same input
 * bytes: m unit by unit in reverse, a copy in one call per op. Fails unless
 * the validator accepts and every BO is bit-identical afterwards.
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

/* |y - ref| in units of the last place of binary32 at ref */
static double ulps(float y, double ref)
{
	double ulp;

	if (isnan(ref))
		return isnan(y) ? 0 : INFINITY;
	if (isnan(y))
		return INFINITY;
	if (isinf(ref) || fabs(ref) > FLT_MAX)
		return (double)y == (ref > 0 ? INFINITY : -INFINITY) ? 0 : INFINITY;
	ulp = ref == 0 ? 0 : ldexp(1.0, ilogb(ref) - 23);
	if (ulp < ldexp(1.0, -149))
		ulp = ldexp(1.0, -149);
	return fabs((double)y - ref) / ulp;
}

/* compare F32 results with a reference: |y - ref| <= rel * mag + abs_tol */
static void check_close(struct __test_metadata *_metadata, const float *y, const double *ref,
			const double *mag, size_t n, double rel, double abs_tol)
{
	size_t i, bad = 0, first = 0;

	for (i = 0; i < n; i++) {
		double tol = rel * (mag ? mag[i] : fabs(ref[i])) + abs_tol;

		if (!(fabs((double)y[i] - ref[i]) <= tol) &&
		    !(isnan(ref[i]) && isnan(y[i])) && !((double)y[i] == ref[i])) {
			if (!bad++)
				first = i;
		}
	}
	EXPECT_EQ(0, bad) TH_LOG("%zu of %zu wrong; first [%zu] = %.9g, want %.9g",
				 bad, n, first, y[first], ref[first]);
}

static void check_exact_f32(struct __test_metadata *_metadata, const float *y, const float *ref,
			    size_t n)
{
	size_t i, bad = 0, first = 0;

	for (i = 0; i < n; i++)
		if (memcmp(&y[i], &ref[i], 4) && !(isnan(y[i]) && isnan(ref[i])) && !bad++)
			first = i;
	EXPECT_EQ(0, bad) TH_LOG("%zu of %zu wrong; first [%zu] = %.9g, want %.9g",
				 bad, n, first, y[first], ref[first]);
}

static double ref_sigmoid(double v)
{
	return 1.0 / (1.0 + exp(-v));
}

static double ref_clamp01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* a fused activation of the reference (double) */
static double ref_act(double v, __u32 act, float lo, float hi, float alpha, float beta)
{
	switch (act) {
	case NPU_ACT_RELU:
		return v < 0 ? 0 : v;
	case NPU_ACT_CLIP:
		return v < lo ? lo : v > hi ? hi : v;
	case NPU_ACT_SIGMOID:
		return ref_sigmoid(v);
	case NPU_ACT_HARD_SIGMOID:
		return ref_clamp01((double)alpha * v + beta);
	case NPU_ACT_HARD_SWISH:
		return v * ref_clamp01(v / 6 + 0.5);
	default:
		return v;
	}
}

static void set_act(__u32 *act, __u32 *lo, __u32 *hi, __u32 *alpha, __u32 *beta, __u32 a,
		    float l, float h, float al, float be)
{
	*act = a;
	*lo = a == NPU_ACT_CLIP ? cb_f32bits(l) : 0;
	*hi = a == NPU_ACT_CLIP ? cb_f32bits(h) : 0;
	*alpha = a == NPU_ACT_HARD_SIGMOID ? cb_f32bits(al) : 0;
	*beta = a == NPU_ACT_HARD_SIGMOID ? cb_f32bits(be) : 0;
}

static struct npu_cmd_op *op1(struct cb *c, __u16 opcode, __u32 x, __u32 y)
{
	struct npu_cmd_op *op = cb_new_op(c, opcode, 1);

	op->inputs[0] = x;
	op->outputs[0] = y;
	return op;
}

/* -------- CONV_TRANSPOSE2D -------- */

FIXTURE(convt) {
	struct cb c;
	struct cb_mem m;
	__u64 seed;
};

FIXTURE_VARIANT(convt) {
	__u32 n, ch, h, w, oc, kh, kw;
	__u32 sh, sw, dh, dw, pt, pl, pb, pr, oph, opw, groups;
	int bias;
	__u32 act;
};

FIXTURE_SETUP(convt)
{
	cb_init(&self->c);
	memset(&self->m, 0, sizeof(self->m));
	self->seed = 0xc0417ULL + variant->h * 100 + variant->w * 7 + variant->oc;
}

FIXTURE_TEARDOWN(convt)
{
	cb_mem_free(&self->m);
	cb_free(&self->c);
}

FIXTURE_VARIANT_ADD(convt, basic_3x3) {
	.n = 1, .ch = 2, .h = 4, .w = 5, .oc = 3, .kh = 3, .kw = 3,
	.sh = 1, .sw = 1, .dh = 1, .dw = 1, .groups = 1, .bias = 1,
};

FIXTURE_VARIANT_ADD(convt, stride_2_pad_1_opad_1) {
	.n = 2, .ch = 3, .h = 5, .w = 4, .oc = 4, .kh = 3, .kw = 3,
	.sh = 2, .sw = 2, .dh = 1, .dw = 1, .pt = 1, .pl = 1, .pb = 1, .pr = 1,
	.oph = 1, .opw = 1, .groups = 1, .bias = 1, .act = NPU_ACT_RELU,
};

FIXTURE_VARIANT_ADD(convt, stride_3_kernel_2_gaps) {
	/* outputs between the strided taps get the bias only */
	.n = 1, .ch = 2, .h = 3, .w = 3, .oc = 2, .kh = 2, .kw = 2,
	.sh = 3, .sw = 3, .dh = 1, .dw = 1, .oph = 2, .opw = 1, .groups = 1, .bias = 1,
};

FIXTURE_VARIANT_ADD(convt, dilation_2_asym_pads) {
	.n = 1, .ch = 3, .h = 6, .w = 5, .oc = 2, .kh = 3, .kw = 2,
	.sh = 2, .sw = 1, .dh = 2, .dw = 3, .pt = 4, .pl = 0, .pb = 1, .pr = 3,
	.oph = 1, .opw = 2, .groups = 1, .act = NPU_ACT_SIGMOID,
};

FIXTURE_VARIANT_ADD(convt, groups_2) {
	.n = 1, .ch = 4, .h = 5, .w = 6, .oc = 6, .kh = 3, .kw = 3,
	.sh = 2, .sw = 2, .dh = 1, .dw = 1, .pt = 1, .pl = 2, .pb = 2, .pr = 0,
	.groups = 2, .bias = 1, .act = NPU_ACT_HARD_SWISH,
};

FIXTURE_VARIANT_ADD(convt, depthwise) {
	.n = 2, .ch = 5, .h = 4, .w = 4, .oc = 5, .kh = 4, .kw = 4,
	.sh = 2, .sw = 2, .dh = 1, .dw = 1, .pt = 1, .pl = 1, .pb = 1, .pr = 1,
	.groups = 5, .bias = 1, .act = NPU_ACT_HARD_SIGMOID,
};

FIXTURE_VARIANT_ADD(convt, depthwise_multiplier_3) {
	.n = 1, .ch = 2, .h = 3, .w = 7, .oc = 6, .kh = 1, .kw = 3,
	.sh = 1, .sw = 4, .dh = 1, .dw = 2, .pl = 2, .pr = 4, .opw = 3,
	.groups = 2, .bias = 1, .act = NPU_ACT_CLIP,
};

FIXTURE_VARIANT_ADD(convt, pointwise_wide) {
	.n = 1, .ch = 3, .h = 2, .w = 100, .oc = 2, .kh = 1, .kw = 1,
	.sh = 1, .sw = 1, .dh = 1, .dw = 1, .groups = 1,
};

FIXTURE_VARIANT_ADD(convt, upsample_4x) {
	.n = 1, .ch = 2, .h = 3, .w = 2, .oc = 1, .kh = 4, .kw = 4,
	.sh = 4, .sw = 4, .dh = 1, .dw = 1, .groups = 1, .bias = 1,
};

TEST_F(convt, f32)
{
	const FIXTURE_VARIANT(convt) *v = variant;
	struct cb *c = &self->c;
	__u32 oh_n = v->sh * (v->h - 1) + v->oph + v->dh * (v->kh - 1) + 1 - v->pt - v->pb;
	__u32 ow_n = v->sw * (v->w - 1) + v->opw + v->dw * (v->kw - 1) + 1 - v->pl - v->pr;
	__u32 cg = v->ch / v->groups, ocg = v->oc / v->groups;
	__u32 x, w, bias = NT, y, n, ic, ih, iw, ocl, kh, kw, i, nout;
	struct npu_cmd_op *op;
	float *px, *pw, *pbias = NULL;
	double *ref, *mag;

	x = CB_T(c, 0, NPU_DTYPE_F32, v->n, v->ch, v->h, v->w);
	w = CB_T(c, 0, NPU_DTYPE_F32, v->ch, ocg, v->kh, v->kw);
	if (v->bias)
		bias = CB_T(c, 0, NPU_DTYPE_F32, v->oc);
	y = CB_T(c, 1, NPU_DTYPE_F32, v->n, v->oc, oh_n, ow_n);
	op = cb_new_op(c, NPU_OP_CONV_TRANSPOSE2D, 3);
	op->inputs[0] = x;
	op->inputs[1] = w;
	op->inputs[2] = bias;
	op->outputs[0] = y;
	op->conv2d = (struct npu_op_conv2d){
		.stride_h = v->sh, .stride_w = v->sw, .dilation_h = v->dh, .dilation_w = v->dw,
		.pad_top = v->pt, .pad_left = v->pl, .pad_bottom = v->pb, .pad_right = v->pr,
		.groups = v->groups, .output_pad_h = v->oph, .output_pad_w = v->opw,
	};
	set_act(&op->conv2d.activation, &op->conv2d.act_min, &op->conv2d.act_max,
		&op->conv2d.act_alpha, &op->conv2d.act_beta, v->act, -0.5f, 0.75f, 0.3f, 0.4f);
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

	nout = v->n * v->oc * oh_n * ow_n;
	ref = calloc(nout, sizeof(double));
	mag = calloc(nout, sizeof(double));
	ASSERT_NE(NULL, ref);
	ASSERT_NE(NULL, mag);
	/* scatter form: every input pixel spreads its kernel over the output */
	for (n = 0; n < v->n; n++)
	for (ic = 0; ic < v->ch; ic++)
	for (ih = 0; ih < v->h; ih++)
	for (iw = 0; iw < v->w; iw++)
	for (ocl = 0; ocl < ocg; ocl++)
	for (kh = 0; kh < v->kh; kh++)
	for (kw = 0; kw < v->kw; kw++) {
		long oh = (long)ih * v->sh - v->pt + (long)kh * v->dh;
		long ow = (long)iw * v->sw - v->pl + (long)kw * v->dw;
		__u32 oc = ic / cg * ocg + ocl;
		double t;
		size_t o;

		if (oh < 0 || oh >= oh_n || ow < 0 || ow >= ow_n)
			continue;
		o = (((size_t)n * v->oc + oc) * oh_n + oh) * ow_n + ow;
		t = (double)px[((n * v->ch + ic) * v->h + ih) * v->w + iw] *
		    pw[((ic * ocg + ocl) * v->kh + kh) * v->kw + kw];
		ref[o] += t;
		mag[o] += fabs(t);
	}
	for (i = 0; i < nout; i++) {
		double b = pbias ? pbias[i / (oh_n * ow_n) % v->oc] : 0;

		ref[i] = ref_act(ref[i] + b, v->act, -0.5f, 0.75f, 0.3f, 0.4f);
		mag[i] += fabs(b) + 1e-30;
	}
	/* activations have slopes <= 1: the accumulation error does not grow */
	check_close(_metadata, cb_ptr(c, &self->m, y), ref, mag, nout, 1e-5, 1e-7);
	free(ref);
	free(mag);
}

/* a worked example: X 1x1x2x2 = [1 2; 3 4], W all ones 2x2, stride 2 */
TEST(convt_exact_tiling)
{
	static const float want[16] = {
		1, 1, 2, 2,
		1, 1, 2, 2,
		3, 3, 4, 4,
		3, 3, 4, 4,
	};
	struct cb c;
	struct cb_mem m;
	struct npu_cmd_op *op;
	__u32 x, w, y, i;
	float *px, *pw;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 1, 1, 2, 2);
	w = CB_T(&c, 0, NPU_DTYPE_F32, 1, 1, 2, 2);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 1, 1, 4, 4);
	op = cb_new_op(&c, NPU_OP_CONV_TRANSPOSE2D, 3);
	op->inputs[0] = x;
	op->inputs[1] = w;
	op->outputs[0] = y;
	op->conv2d = (struct npu_op_conv2d){ .stride_h = 2, .stride_w = 2, .dilation_h = 1,
					     .dilation_w = 1, .groups = 1 };
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0xff);
	px = cb_ptr(&c, &m, x);
	pw = cb_ptr(&c, &m, w);
	for (i = 0; i < 4; i++) {
		px[i] = (float)(i + 1);
		pw[i] = 1.0f;
	}
	run_both(_metadata, &c, &m);
	check_exact_f32(_metadata, cb_ptr(&c, &m, y), want, 16);
	cb_mem_free(&m);
	cb_free(&c);
}

/* -------- ADD, SUB, MUL, DIV with broadcasting -------- */

struct bin_case {
	__u32 andim, ashape[4];
	__u32 bndim, bshape[4];
	__u32 yndim, yshape[4];
};

static const struct bin_case bin_cases[] = {
	{ 3, { 2, 3, 4 }, 3, { 2, 3, 4 }, 3, { 2, 3, 4 } },
	{ 3, { 2, 1, 4 }, 2, { 3, 1 }, 3, { 2, 3, 4 } },
	{ 1, { 1 }, 2, { 5, 7 }, 2, { 5, 7 } },
	{ 2, { 5, 7 }, 1, { 1 }, 2, { 5, 7 } },
	{ 4, { 2, 1, 3, 1 }, 3, { 4, 1, 5 }, 4, { 2, 4, 3, 5 } },
	{ 2, { 3, 1 }, 2, { 1, 4100 }, 2, { 3, 4100 } },
	{ 4, { 1, 3, 1, 1 }, 4, { 2, 1, 17, 19 }, 4, { 2, 3, 17, 19 } },
	{ 1, { 6 }, 4, { 2, 3, 1, 1 }, 4, { 2, 3, 1, 6 } },
};

/* element index of an input for flat index e of Y (NumPy broadcast) */
static size_t bin_index(const __u32 *shape, __u32 ndim, const __u32 *yshape, __u32 yndim,
			size_t e)
{
	__u32 idx[4], i, lead = yndim - ndim;
	size_t r = 0;

	for (i = yndim; i-- > 0;) {
		idx[i] = e % yshape[i];
		e /= yshape[i];
	}
	for (i = 0; i < ndim; i++)
		r = r * shape[i] + (shape[i] == 1 ? 0 : idx[lead + i]);
	return r;
}

static size_t bin_build(struct cb *c, const struct bin_case *k, __u32 opcode, __u32 dt,
			__u32 *a, __u32 *b, __u32 *y)
{
	struct npu_cmd_op *op;
	size_t n = 1;
	__u32 i;

	*a = cb_tensor(c, 0, dt, k->ashape, k->andim);
	*b = cb_tensor(c, 0, dt, k->bshape, k->bndim);
	*y = cb_tensor(c, 1, dt, k->yshape, k->yndim);
	op = cb_add(c, *a, *b, *y);
	op->opcode = opcode;
	for (i = 0; i < k->yndim; i++)
		n *= k->yshape[i];
	return n;
}

static float f32_op(__u32 opcode, float a, float b)
{
	switch (opcode) {
	case NPU_OP_ADD:
		return a + b;
	case NPU_OP_SUB:
		return a - b;
	case NPU_OP_MUL:
		return a * b;
	default:
		return a / b;
	}
}

/* F32: every element must be the binary32 result of the one operation */
static void binary_f32(struct __test_metadata *_metadata, __u32 opcode)
{
	size_t ci, e, n, bad;
	__u64 seed = 0xb1 + opcode;

	for (ci = 0; ci < sizeof(bin_cases) / sizeof(bin_cases[0]); ci++) {
		const struct bin_case *k = &bin_cases[ci];
		struct cb c;
		struct cb_mem m;
		__u32 a, b, y;
		float *pa, *pb, *py;

		cb_init(&c);
		n = bin_build(&c, k, opcode, NPU_DTYPE_F32, &a, &b, &y);
		cb_finish(&c);
		cb_mem_alloc(&c, &m, 0xa5);
		pa = cb_ptr(&c, &m, a);
		pb = cb_ptr(&c, &m, b);
		py = cb_ptr(&c, &m, y);
		fill_f32(pa, cb_tensor_elems(&c.t[a]), &seed, -2, 2);
		fill_f32(pb, cb_tensor_elems(&c.t[b]), &seed, -2, 2);
		pb[0] = opcode == NPU_OP_DIV ? 0.0f : pb[0];	/* x / 0 = +-inf */
		run_both(_metadata, &c, &m);
		bad = 0;
		for (e = 0; e < n; e++) {
			float want = f32_op(opcode, pa[bin_index(k->ashape, k->andim, k->yshape,
								   k->yndim, e)],
					    pb[bin_index(k->bshape, k->bndim, k->yshape,
							 k->yndim, e)]);

			if (memcmp(&want, &py[e], 4) && !bad++)
				TH_LOG("case %zu [%zu] = %.9g, want %.9g", ci, e, py[e], want);
		}
		EXPECT_EQ(0, bad) TH_LOG("case %zu", ci);
		cb_mem_free(&m);
		cb_free(&c);
	}
}

TEST(add_f32_broadcast_both)
{
	binary_f32(_metadata, NPU_OP_ADD);
}

TEST(sub_f32_broadcast_both)
{
	binary_f32(_metadata, NPU_OP_SUB);
}

TEST(mul_f32_broadcast_both)
{
	binary_f32(_metadata, NPU_OP_MUL);
}

TEST(div_f32_broadcast_both)
{
	binary_f32(_metadata, NPU_OP_DIV);
}

static __s32 ref_i32_op(__u32 opcode, __s32 a, __s32 b)
{
	long long r;

	switch (opcode) {
	case NPU_OP_ADD:
		r = (long long)a + b;
		break;
	case NPU_OP_SUB:
		r = (long long)a - b;
		break;
	case NPU_OP_MUL:
		r = (long long)a * b;
		break;
	default:
		if (b == 0)
			return 0;
		r = (long long)a / b;	/* C truncates toward zero */
		break;
	}
	/* modulo 2^32 into the signed range */
	r &= 0xffffffffLL;
	return (__s32)(r >= 0x80000000LL ? r - 0x100000000LL : r);
}

static void binary_i32(struct __test_metadata *_metadata, __u32 opcode, __u32 act)
{
	const struct bin_case *k = &bin_cases[4];
	struct cb c;
	struct cb_mem m;
	__u32 a, b, y;
	__s32 *pa, *pb, *py, lo = INT32_MIN, hi = INT32_MAX;
	size_t e, n, na, nb, bad = 0;
	__u64 seed = 0x132 + opcode;
	struct npu_cmd_op *op;

	cb_init(&c);
	n = bin_build(&c, k, opcode, NPU_DTYPE_I32, &a, &b, &y);
	op = &c.op[0];
	cb_act(&op->eltwise.activation, &op->eltwise.act_min, &op->eltwise.act_max, act,
	       -100.5f, 1e6f);
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0xa5);
	pa = cb_ptr(&c, &m, a);
	pb = cb_ptr(&c, &m, b);
	py = cb_ptr(&c, &m, y);
	na = cb_tensor_elems(&c.t[a]);
	nb = cb_tensor_elems(&c.t[b]);
	for (e = 0; e < na; e++)
		pa[e] = (e % 3) ? (__s32)cb_rand(&seed) : (__s32)cb_rand_below(&seed, 2001) - 1000;
	for (e = 0; e < nb; e++)
		pb[e] = (e % 2) ? (__s32)cb_rand(&seed) : (__s32)cb_rand_below(&seed, 21) - 10;
	/* a[0] pairs with b[0]: INT32_MIN op -1; b[1] is 0 */
	pa[0] = INT32_MIN;
	pb[0] = -1;
	pb[1] = 0;
	run_both(_metadata, &c, &m);
	if (act == NPU_ACT_RELU)
		lo = 0;
	if (act == NPU_ACT_CLIP) {
		lo = -100;	/* rint(-100.5) = -100 (ties to even) */
		hi = 1000000;
	}
	for (e = 0; e < n; e++) {
		__s32 want = ref_i32_op(opcode, pa[bin_index(k->ashape, k->andim, k->yshape,
							     k->yndim, e)],
					pb[bin_index(k->bshape, k->bndim, k->yshape, k->yndim, e)]);

		want = want < lo ? lo : want > hi ? hi : want;
		if (py[e] != want && !bad++)
			TH_LOG("[%zu] = %d, want %d", e, py[e], want);
	}
	EXPECT_EQ(0, bad);
	cb_mem_free(&m);
	cb_free(&c);
}

TEST(sub_i32)
{
	binary_i32(_metadata, NPU_OP_SUB, NPU_ACT_NONE);
}

TEST(mul_i32_relu)
{
	binary_i32(_metadata, NPU_OP_MUL, NPU_ACT_RELU);
}

TEST(div_i32)
{
	binary_i32(_metadata, NPU_OP_DIV, NPU_ACT_NONE);
}

TEST(div_i32_clip)
{
	binary_i32(_metadata, NPU_OP_DIV, NPU_ACT_CLIP);
}

/* fixed I32 DIV results, independent of the reference above */
TEST(div_i32_fixed)
{
	static const __s32 av[] = { 7, -7, 7, -7, 5, INT32_MIN, INT32_MIN, INT32_MAX, 0, 9 };
	static const __s32 bv[] = { 2, 2, -2, -2, 0, -1, 1, -1, 3, INT32_MIN };
	static const __s32 want[] = { 3, -3, -3, 3, 0, INT32_MIN, INT32_MIN, -INT32_MAX, 0, 0 };
	struct cb c;
	struct cb_mem m;
	__u32 a, b, y, i;
	__s32 *py;

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_I32, 10);
	b = CB_T(&c, 0, NPU_DTYPE_I32, 10);
	y = CB_T(&c, 1, NPU_DTYPE_I32, 10);
	cb_add(&c, a, b, y)->opcode = NPU_OP_DIV;
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0);
	memcpy(cb_ptr(&c, &m, a), av, sizeof(av));
	memcpy(cb_ptr(&c, &m, b), bv, sizeof(bv));
	run_both(_metadata, &c, &m);
	py = cb_ptr(&c, &m, y);
	for (i = 0; i < 10; i++)
		EXPECT_EQ(want[i], py[i]) TH_LOG("%d / %d", av[i], bv[i]);
	cb_mem_free(&m);
	cb_free(&c);
}

/* quantized MUL (and ADD with both sides broadcast) against the formula */
static void binary_q8(struct __test_metadata *_metadata, __u32 opcode, __u32 dt, __u32 act)
{
	const float sa = 0.07f, sb = 0.031f, sy = opcode == NPU_OP_MUL ? 0.013f : 0.021f;
	const int za = dt == NPU_DTYPE_I8 ? -9 : 119, zb = dt == NPU_DTYPE_I8 ? 4 : 140;
	const int zy = dt == NPU_DTYPE_I8 ? 1 : 128;
	size_t ci, e, n, bad;
	__u64 seed = 0x98 + opcode + dt;
	int lo, hi;

	lo = q8_min(dt);
	hi = q8_max(dt);
	if (act == NPU_ACT_RELU)
		lo = zy;
	for (ci = 0; ci < sizeof(bin_cases) / sizeof(bin_cases[0]); ci++) {
		const struct bin_case *k = &bin_cases[ci];
		struct cb c;
		struct cb_mem m;
		__u32 a, b, y;
		void *pa, *pb, *py;

		cb_init(&c);
		n = bin_build(&c, k, opcode, dt, &a, &b, &y);
		cb_quant(&c, a, sa, za);
		cb_quant(&c, b, sb, zb);
		cb_quant(&c, y, sy, zy);
		c.op[0].eltwise.activation = act;
		cb_finish(&c);
		cb_mem_alloc(&c, &m, 0xa5);
		pa = cb_ptr(&c, &m, a);
		pb = cb_ptr(&c, &m, b);
		py = cb_ptr(&c, &m, y);
		for (e = 0; e < cb_tensor_elems(&c.t[a]); e++)
			((uint8_t *)pa)[e] = (uint8_t)cb_rand(&seed);
		for (e = 0; e < cb_tensor_elems(&c.t[b]); e++)
			((uint8_t *)pb)[e] = (uint8_t)cb_rand(&seed);
		run_both(_metadata, &c, &m);
		bad = 0;
		for (e = 0; e < n; e++) {
			int av = ld_q8(pa, bin_index(k->ashape, k->andim, k->yshape, k->yndim, e),
				       dt) - za;
			int bv = ld_q8(pb, bin_index(k->bshape, k->bndim, k->yshape, k->yndim, e),
				       dt) - zb;
			double r = opcode == NPU_OP_MUL ?
				   (double)(av * bv) * ((double)sa * (double)sb / (double)sy) :
				   ((double)av * sa + (double)bv * sb) / sy;
			double q = zy + rint(r);
			int want = q < lo ? lo : q > hi ? hi : (int)q;

			if (ld_q8(py, e, dt) != want && !bad++)
				TH_LOG("case %zu [%zu] = %d, want %d", ci, e, ld_q8(py, e, dt), want);
		}
		EXPECT_EQ(0, bad) TH_LOG("case %zu", ci);
		cb_mem_free(&m);
		cb_free(&c);
	}
}

TEST(mul_i8)
{
	binary_q8(_metadata, NPU_OP_MUL, NPU_DTYPE_I8, NPU_ACT_NONE);
}

TEST(mul_u8_relu)
{
	binary_q8(_metadata, NPU_OP_MUL, NPU_DTYPE_U8, NPU_ACT_RELU);
}

TEST(add_i8_broadcast_both)
{
	binary_q8(_metadata, NPU_OP_ADD, NPU_DTYPE_I8, NPU_ACT_RELU);
}

/* quantized MUL rounds half to even: y = rhe(a * b / 2) */
TEST(mul_q8_ties_to_even)
{
	static const int8_t av[] = { 1, 3, 5, 7, -1, -3, 0, 127, -128, -128 };
	static const int want[] = { 0, 2, 2, 4, 0, -2, 0, 64, -64, 127 };
	struct cb c;
	struct cb_mem m;
	__u32 a, b, y, i;
	int8_t *pb, *py;

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_I8, 10);
	b = CB_T(&c, 0, NPU_DTYPE_I8, 10);
	y = CB_T(&c, 1, NPU_DTYPE_I8, 10);
	cb_quant(&c, a, 1.0f, 0);
	cb_quant(&c, b, 1.0f, 0);
	cb_quant(&c, y, 2.0f, 0);
	cb_add(&c, a, b, y)->opcode = NPU_OP_MUL;
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0);
	memcpy(cb_ptr(&c, &m, a), av, sizeof(av));
	pb = cb_ptr(&c, &m, b);
	for (i = 0; i < 10; i++)
		pb[i] = 1;
	pb[9] = -128;			/* 16384 / 2 saturates */
	run_both(_metadata, &c, &m);
	py = cb_ptr(&c, &m, y);
	for (i = 0; i < 10; i++)
		EXPECT_EQ(want[i], py[i]) TH_LOG("a = %d", av[i]);
	cb_mem_free(&m);
	cb_free(&c);
}

/* -------- fused activations on ADD and GEMM -------- */

static void fused_act(struct __test_metadata *_metadata, __u32 act)
{
	const float alpha = -0.3f, beta = 0.6f;
	const __u32 n = 4099;
	struct cb c;
	struct cb_mem m;
	struct npu_cmd_op *op;
	__u32 a, b, y, i, bad = 0;
	float *pa, *pb, *py;
	__u64 seed = 0xac7 + act;
	double worst = 0;

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_F32, n);
	b = CB_T(&c, 0, NPU_DTYPE_F32, n);
	y = CB_T(&c, 1, NPU_DTYPE_F32, n);
	op = cb_add(&c, a, b, y);
	set_act(&op->eltwise.activation, &op->eltwise.act_min, &op->eltwise.act_max,
		&op->eltwise.act_alpha, &op->eltwise.act_beta, act, 0, 0, alpha, beta);
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0);
	pa = cb_ptr(&c, &m, a);
	pb = cb_ptr(&c, &m, b);
	py = cb_ptr(&c, &m, y);
	fill_f32(pa, n, &seed, -12, 12);
	for (i = 0; i < n; i++)
		pb[i] = 0.0f;
	pa[0] = NAN;
	pa[1] = INFINITY;
	pa[2] = -INFINITY;
	pa[3] = 3.0f;
	pa[4] = -3.0f;
	pa[5] = -0.0f;
	run_both(_metadata, &c, &m);
	for (i = 0; i < n; i++) {
		double want = ref_act((double)(pa[i] + pb[i]), act, 0, 0, alpha, beta);
		/* binary32 steps: HARD_SIGMOID/HARD_SWISH round up to three times */
		double u = ulps(py[i], want), lim = act == NPU_ACT_SIGMOID ? 1.0 : 2.0;
		double v = pa[i];

		/* near a zero of the clamped term the error is absolute (see unary_op) */
		if (act == NPU_ACT_HARD_SIGMOID && !(u <= lim) &&
		    fabs(py[i] - want) <= (fabs(alpha * v) + fabs(beta)) * 0x1p-23)
			u = 0;
		if (act == NPU_ACT_HARD_SWISH && !(u <= lim) &&
		    fabs(py[i] - want) <= fabs(v) * (fabs(v) / 6 + 0.5) * 0x1p-23)
			u = 0;
		if (!(u <= lim) && !bad++)
			TH_LOG("x = %.9g: %.9g, want %.9g (%.2f ulp)", pa[i], py[i], want, u);
		if (u > worst && u <= lim)
			worst = u;
	}
	EXPECT_EQ(0, bad);
	TH_LOG("worst %.3f ulp", worst);
	EXPECT_TRUE(isnan(py[0]));
	if (act == NPU_ACT_SIGMOID) {
		EXPECT_EQ(1.0f, py[1]);
		EXPECT_EQ(0.0f, py[2]);
		EXPECT_EQ(0.5f, py[5]);
	} else if (act == NPU_ACT_HARD_SWISH) {
		EXPECT_EQ(INFINITY, py[1]);	/* inf * 1 */
		EXPECT_TRUE(isnan(py[2]));	/* -inf * 0 */
		EXPECT_EQ(3.0f, py[3]);
		EXPECT_EQ(0.0f, py[4]);
	} else {
		EXPECT_EQ(0.0f, py[1]);		/* alpha < 0 */
		EXPECT_EQ(1.0f, py[2]);
		EXPECT_EQ(0.6f, py[5]);
	}
	cb_mem_free(&m);
	cb_free(&c);
}

TEST(act_sigmoid)
{
	fused_act(_metadata, NPU_ACT_SIGMOID);
}

TEST(act_hard_sigmoid)
{
	fused_act(_metadata, NPU_ACT_HARD_SIGMOID);
}

TEST(act_hard_swish)
{
	fused_act(_metadata, NPU_ACT_HARD_SWISH);
}

/* GEMM with the new activations: fused into each output row */
TEST(gemm_f32_new_acts)
{
	static const __u32 acts[] = { NPU_ACT_SIGMOID, NPU_ACT_HARD_SIGMOID, NPU_ACT_HARD_SWISH };
	__u32 ai, mi, ni, ki;
	__u64 seed = 0x6e;

	for (ai = 0; ai < 3; ai++) {
		struct cb c;
		struct cb_mem m;
		struct npu_cmd_op *op;
		__u32 a, b, y;
		float *pa, *pb;
		double ref[6 * 9], mag[6 * 9];

		cb_init(&c);
		a = CB_T(&c, 0, NPU_DTYPE_F32, 6, 13);
		b = CB_T(&c, 0, NPU_DTYPE_F32, 13, 9);
		y = CB_T(&c, 1, NPU_DTYPE_F32, 6, 9);
		op = cb_gemm(&c, a, b, NT, y, 0);
		set_act(&op->gemm.activation, &op->gemm.act_min, &op->gemm.act_max,
			&op->gemm.act_alpha, &op->gemm.act_beta, acts[ai], 0, 0, 0.25f, 0.5f);
		cb_finish(&c);
		cb_mem_alloc(&c, &m, 0);
		pa = cb_ptr(&c, &m, a);
		pb = cb_ptr(&c, &m, b);
		fill_f32(pa, 6 * 13, &seed, -1.5f, 1.5f);
		fill_f32(pb, 13 * 9, &seed, -1.5f, 1.5f);
		run_both(_metadata, &c, &m);
		for (mi = 0; mi < 6; mi++) {
			for (ni = 0; ni < 9; ni++) {
				double s = 0, g = 0;

				for (ki = 0; ki < 13; ki++) {
					s += (double)pa[mi * 13 + ki] * pb[ki * 9 + ni];
					g += fabs((double)pa[mi * 13 + ki] * pb[ki * 9 + ni]);
				}
				ref[mi * 9 + ni] = ref_act(s, acts[ai], 0, 0, 0.25f, 0.5f);
				mag[mi * 9 + ni] = g;
			}
		}
		check_close(_metadata, cb_ptr(&c, &m, y), ref, mag, 6 * 9, 1e-5, 1e-7);
		cb_mem_free(&m);
		cb_free(&c);
	}
}

/* -------- SIGMOID, TANH, HARD_SIGMOID, HARD_SWISH ops -------- */

/*
 * Inputs: a sweep of bit patterns over the whole binary32 range (every
 * 65521st pattern, both signs: zeros, subnormals, normals, huge values),
 * random values in [-30, 30], and the specials.
 */
static size_t unary_inputs(float **out, size_t *nsweep)
{
	size_t n = 0, cap = 2 * (0x7f800000U / 65521 + 1) + 20000 + 16;
	float *x = malloc(cap * sizeof(float));
	__u64 seed = 0x51;
	__u32 u;
	int i;

	if (!x)
		abort();
	for (u = 0; u < 0x7f800000U; u += 65521) {
		x[n++] = cb_bitsf32(u);
		x[n++] = cb_bitsf32(u | 0x80000000U);
	}
	*nsweep = n;
	for (i = 0; i < 20000; i++)
		x[n++] = cb_randf(&seed, -30, 30);
	x[n++] = 0.0f;
	x[n++] = -0.0f;
	x[n++] = INFINITY;
	x[n++] = -INFINITY;
	x[n++] = NAN;
	x[n++] = 1e-3f;
	x[n++] = -1e-3f;
	x[n++] = 88.72f;
	x[n++] = 89.0f;
	x[n++] = -103.0f;
	x[n++] = -104.0f;
	x[n++] = 0.34f;
	x[n++] = -0.34f;
	x[n++] = 9.02f;
	x[n++] = 20.5f;
	x[n++] = FLT_MIN;
	*out = x;
	return n;
}

static void unary_op(struct __test_metadata *_metadata, __u32 opcode, double max_ulps)
{
	const float alpha = 0.2f, beta = 0.5f;
	struct cb c;
	struct cb_mem m;
	struct npu_cmd_op *op;
	size_t n, i, bad = 0, nsweep;
	__u32 x, y;
	float *in, *py;
	double worst = 0;

	n = unary_inputs(&in, &nsweep);
	cb_init(&c);
	c.lim.max_tensor_elems = 1 << 26;
	x = CB_T(&c, 0, NPU_DTYPE_F32, (__u32)n);
	y = CB_T(&c, 1, NPU_DTYPE_F32, (__u32)n);
	op = op1(&c, opcode, x, y);
	if (opcode == NPU_OP_HARD_SIGMOID) {
		op->eltwise.act_alpha = cb_f32bits(alpha);
		op->eltwise.act_beta = cb_f32bits(beta);
	}
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0);
	memcpy(cb_ptr(&c, &m, x), in, n * sizeof(float));
	run_both(_metadata, &c, &m);
	py = cb_ptr(&c, &m, y);
	for (i = 0; i < n; i++) {
		double v = in[i], want, u;

		switch (opcode) {
		case NPU_OP_SIGMOID:
			want = ref_sigmoid(v);
			break;
		case NPU_OP_TANH:
			want = tanh(v);
			break;
		case NPU_OP_HARD_SIGMOID:
			want = ref_clamp01((double)alpha * v + beta);
			break;
		default:
			want = v * ref_clamp01(v / 6 + 0.5);
			break;
		}
		u = ulps(py[i], want);
		/*
		 * HARD_SIGMOID/HARD_SWISH round in several binary32 steps: near
		 * a zero of alpha * x + beta or x / 6 + 0.5 the error is absolute,
		 * up to 2^-23 of the magnitude of the terms.
		 */
		if (!(u <= max_ulps) && opcode == NPU_OP_HARD_SIGMOID &&
		    fabs(py[i] - want) <= (fabs(alpha * v) + fabs(beta)) * 0x1p-23)
			u = 0;
		if (!(u <= max_ulps) && opcode == NPU_OP_HARD_SWISH &&
		    fabs(py[i] - want) <= fabs(v) * (fabs(v) / 6 + 0.5) * 0x1p-23)
			u = 0;
		if (!(u <= max_ulps)) {
			if (!bad++)
				TH_LOG("x = %.9g (0x%08x): %.9g, want %.17g (%.2f ulp)", in[i],
				       cb_f32bits(in[i]), py[i], want, u);
		} else if (u > worst) {
			worst = u;
		}
	}
	EXPECT_EQ(0, bad) TH_LOG("%zu of %zu beyond %.1f ulp", bad, n, max_ulps);
	TH_LOG("%zu inputs, worst %.3f ulp", n, worst);
	/* the sweep has x, -x pairs: TANH is odd (signed zeros included) */
	for (i = 0; opcode == NPU_OP_TANH && i < nsweep; i += 2) {
		if (memcmp(&py[i], &(float){ -py[i + 1] }, 4)) {
			EXPECT_EQ(py[i], -py[i + 1]) TH_LOG("x = %g", in[i]);
			break;
		}
	}
	cb_mem_free(&m);
	cb_free(&c);
	free(in);
}

TEST(sigmoid_ulp)
{
	unary_op(_metadata, NPU_OP_SIGMOID, 1.0);
}

TEST(tanh_ulp)
{
	unary_op(_metadata, NPU_OP_TANH, 1.0);
}

TEST(hard_sigmoid_op)
{
	unary_op(_metadata, NPU_OP_HARD_SIGMOID, 2.0);
}

TEST(hard_swish_op)
{
	unary_op(_metadata, NPU_OP_HARD_SWISH, 2.0);
}

/* values that do not depend on the reference */
TEST(unary_fixed_values)
{
	static const float xs[] = { 0.0f, -0.0f, 3.0f, -3.0f, 100.0f, -100.0f, NAN };
	struct cb c;
	struct cb_mem m;
	__u32 x, y[4], i;
	float *p;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 7);
	for (i = 0; i < 4; i++)
		y[i] = CB_T(&c, 1, NPU_DTYPE_F32, 7);
	op1(&c, NPU_OP_SIGMOID, x, y[0]);
	op1(&c, NPU_OP_TANH, x, y[1]);
	op1(&c, NPU_OP_HARD_SWISH, x, y[2]);
	op1(&c, NPU_OP_HARD_SIGMOID, x, y[3])->eltwise.act_alpha = cb_f32bits(0.25f);
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0);
	memcpy(cb_ptr(&c, &m, x), xs, sizeof(xs));
	run_both(_metadata, &c, &m);
	p = cb_ptr(&c, &m, y[0]);
	EXPECT_EQ(0.5f, p[0]);
	EXPECT_EQ(0.5f, p[1]);
	EXPECT_EQ(1.0f, p[4]);
	EXPECT_TRUE(p[5] > 0 && p[5] < 1e-43f);	/* e^-100: 3.7e-44, subnormal */
	EXPECT_TRUE(isnan(p[6]));
	p = cb_ptr(&c, &m, y[1]);
	EXPECT_EQ(0.0f, p[0]);
	EXPECT_TRUE(signbit(p[1]));
	EXPECT_EQ(1.0f, p[4]);
	EXPECT_EQ(-1.0f, p[5]);
	EXPECT_TRUE(isnan(p[6]));
	p = cb_ptr(&c, &m, y[2]);
	EXPECT_EQ(3.0f, p[2]);
	EXPECT_EQ(0.0f, p[3]);
	EXPECT_EQ(100.0f, p[4]);
	EXPECT_TRUE(isnan(p[6]));
	p = cb_ptr(&c, &m, y[3]);	/* alpha 0.25, beta 0 */
	EXPECT_EQ(0.0f, p[0]);
	EXPECT_EQ(0.75f, p[2]);
	EXPECT_EQ(0.0f, p[3]);
	EXPECT_EQ(1.0f, p[4]);
	EXPECT_TRUE(isnan(p[6]));
	cb_mem_free(&m);
	cb_free(&c);
}

/* -------- MAXPOOL, AVGPOOL -------- */

FIXTURE(pool) {
	struct cb c;
	struct cb_mem m;
	__u64 seed;
};

FIXTURE_VARIANT(pool) {
	__u32 n, ch, h, w;
	struct npu_op_pool p;
};

FIXTURE_SETUP(pool)
{
	cb_init(&self->c);
	memset(&self->m, 0, sizeof(self->m));
	self->seed = 0x9001ULL + variant->h * 31 + variant->w;
}

FIXTURE_TEARDOWN(pool)
{
	cb_mem_free(&self->m);
	cb_free(&self->c);
}

#define POOL_P(kh_, kw_, sh, sw, dh, dw, pt, pl, pb, pr, fl)			\
	{ .kernel_h = kh_, .kernel_w = kw_, .stride_h = sh, .stride_w = sw,	\
	  .dilation_h = dh, .dilation_w = dw, .pad_top = pt, .pad_left = pl,	\
	  .pad_bottom = pb, .pad_right = pr, .flags = fl }

FIXTURE_VARIANT_ADD(pool, k2_s2) {
	.n = 1, .ch = 3, .h = 8, .w = 6, .p = POOL_P(2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0),
};

FIXTURE_VARIANT_ADD(pool, k3_s2_pad1) {
	.n = 2, .ch = 2, .h = 7, .w = 9, .p = POOL_P(3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0),
};

FIXTURE_VARIANT_ADD(pool, k3_s2_pad1_ceil) {
	.n = 1, .ch = 2, .h = 8, .w = 10, .p = POOL_P(3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1),
};

FIXTURE_VARIANT_ADD(pool, ceil_drops_last) {
	/*
	 * H 5, k 2, s 3: ceil gives 2 windows, the second starts at 3 < 5;
	 * W 6, k 1, s 3: ceil gives 3, the third would start at 6: dropped
	 */
	.n = 1, .ch = 1, .h = 5, .w = 6, .p = POOL_P(2, 1, 3, 3, 1, 1, 0, 0, 0, 0, 1),
};

FIXTURE_VARIANT_ADD(pool, asym_pads_rect) {
	.n = 1, .ch = 3, .h = 9, .w = 11, .p = POOL_P(2, 4, 1, 3, 1, 1, 1, 0, 0, 3, 0),
};

FIXTURE_VARIANT_ADD(pool, asym_pads_rect_ceil) {
	.n = 1, .ch = 3, .h = 9, .w = 11, .p = POOL_P(2, 4, 3, 3, 1, 1, 1, 2, 1, 3, 1),
};

FIXTURE_VARIANT_ADD(pool, global_like) {
	.n = 2, .ch = 2, .h = 5, .w = 5, .p = POOL_P(5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 0),
};

FIXTURE_VARIANT_ADD(pool, k1_s1) {
	.n = 1, .ch = 1, .h = 3, .w = 4100, .p = POOL_P(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0),
};

/* MAXPOOL only (dilation) */
FIXTURE_VARIANT_ADD(pool, dilated) {
	.n = 1, .ch = 2, .h = 9, .w = 10, .p = POOL_P(3, 2, 1, 2, 2, 3, 2, 1, 2, 2, 0),
};

FIXTURE_VARIANT_ADD(pool, dilated_ceil) {
	.n = 1, .ch = 2, .h = 10, .w = 8, .p = POOL_P(2, 3, 3, 2, 3, 2, 1, 2, 0, 4, 1),
};

/* the reference output size: floor/ceil in double, ONNX's last-window rule */
static __u32 ref_pool_out(__u32 in, __u32 k, __u32 s, __u32 d, __u32 p0, __u32 p1, int ceil_m)
{
	double v = (double)((long)in + p0 + p1 - ((long)d * (k - 1) + 1)) / s;
	long o = (ceil_m ? (long)ceil(v) : (long)floor(v)) + 1;

	if (ceil_m && (o - 1) * (long)s >= (long)in + p0)
		o--;
	return (__u32)o;
}

/*
 * Reference pooling of one output: max, or mean over the input elements
 * (or, with include_pad, over the window positions inside the padded
 * input). Returns the number of input elements in the window.
 */
static long ref_pool_one(const FIXTURE_VARIANT(pool) *v, const float *x, long oh, long ow,
			 int include_pad, double *max, double *mean, double *mag)
{
	const struct npu_op_pool *p = &v->p;
	long kh, kw, ih, iw, cnt = 0, area = 0;
	double s = 0, m = -INFINITY, g = 0;

	for (kh = 0; kh < p->kernel_h; kh++) {
		for (kw = 0; kw < p->kernel_w; kw++) {
			ih = oh * p->stride_h - p->pad_top + kh * p->dilation_h;
			iw = ow * p->stride_w - p->pad_left + kw * p->dilation_w;
			if (ih >= -(long)p->pad_top && ih < (long)(v->h + p->pad_bottom) &&
			    iw >= -(long)p->pad_left && iw < (long)(v->w + p->pad_right))
				area++;
			if (ih < 0 || ih >= v->h || iw < 0 || iw >= v->w)
				continue;
			cnt++;
			s += x[ih * v->w + iw];
			g += fabs(x[ih * v->w + iw]);
			if (x[ih * v->w + iw] > m)
				m = x[ih * v->w + iw];
		}
	}
	*max = m;
	*mean = s / (include_pad ? area : cnt);
	*mag = g / (include_pad ? area : cnt);
	return cnt;
}

static void pool_run(struct __test_metadata *_metadata, FIXTURE_DATA(pool) *self,
		     const FIXTURE_VARIANT(pool) *v, __u32 opcode, __u32 dt, __u32 flags)
{
	struct cb *c = &self->c;
	__u32 oh_n, ow_n, x, y, plane, oh, ow;
	int ceil_m = !!(v->p.flags & NPU_POOL_CEIL_MODE), empty = 0;
	struct npu_cmd_op *op;
	double *ref, *mag, mx, mean, g;
	size_t nout, i, bad = 0;
	void *px, *py;

	oh_n = ref_pool_out(v->h, v->p.kernel_h, v->p.stride_h, v->p.dilation_h, v->p.pad_top,
			    v->p.pad_bottom, ceil_m);
	ow_n = ref_pool_out(v->w, v->p.kernel_w, v->p.stride_w, v->p.dilation_w, v->p.pad_left,
			    v->p.pad_right, ceil_m);
	x = CB_T(c, 0, dt, v->n, v->ch, v->h, v->w);
	y = CB_T(c, 1, dt, v->n, v->ch, oh_n, ow_n);
	if (dt != NPU_DTYPE_F32) {
		cb_quant(c, x, 0.25f, dt == NPU_DTYPE_I8 ? -3 : 130);
		cb_quant(c, y, 0.25f, dt == NPU_DTYPE_I8 ? -3 : 130);
	}
	op = op1(c, opcode, x, y);
	op->pool = v->p;
	op->pool.flags |= flags;
	cb_finish(c);
	cb_mem_alloc(c, &self->m, 0xa5);
	px = cb_ptr(c, &self->m, x);
	py = cb_ptr(c, &self->m, y);
	if (dt == NPU_DTYPE_F32)
		fill_f32(px, cb_tensor_elems(&c->t[x]), &self->seed, -5, 5);
	else
		for (i = 0; i < cb_tensor_elems(&c->t[x]); i++)
			((uint8_t *)px)[i] = (uint8_t)cb_rand(&self->seed);
	run_both(_metadata, c, &self->m);

	nout = (size_t)v->n * v->ch * oh_n * ow_n;
	ref = calloc(nout, sizeof(double));
	mag = calloc(nout, sizeof(double));
	ASSERT_NE(NULL, ref);
	ASSERT_NE(NULL, mag);
	for (plane = 0; plane < v->n * v->ch; plane++) {
		float *xf = malloc(v->h * v->w * sizeof(float));

		ASSERT_NE(NULL, xf);
		for (i = 0; i < v->h * v->w; i++)
			xf[i] = dt == NPU_DTYPE_F32 ? ((float *)px)[plane * v->h * v->w + i] :
				(float)ld_q8(px, plane * v->h * v->w + i, dt);
		for (oh = 0; oh < oh_n; oh++) {
			for (ow = 0; ow < ow_n; ow++) {
				size_t o = ((size_t)plane * oh_n + oh) * ow_n + ow;
				long cnt = ref_pool_one(v, xf, oh, ow,
							!!(flags & NPU_POOL_COUNT_INCLUDE_PAD),
							&mx, &mean, &g);

				empty += !cnt;
				ref[o] = opcode == NPU_OP_MAXPOOL ? mx : mean;
				mag[o] = g;
			}
		}
		free(xf);
	}
	if (opcode == NPU_OP_AVGPOOL) {
		EXPECT_EQ(0, empty);
		check_close(_metadata, py, ref, mag, nout, 1e-6, 1e-30);
	} else if (dt == NPU_DTYPE_F32) {
		for (i = 0; i < nout; i++)
			if ((double)((float *)py)[i] != ref[i] && !bad++)
				TH_LOG("[%zu] = %g, want %g", i, ((float *)py)[i], ref[i]);
		EXPECT_EQ(0, bad);
	} else {
		for (i = 0; i < nout; i++) {
			int want = isinf(ref[i]) ? q8_min(dt) : (int)ref[i];

			if (ld_q8(py, i, dt) != want && !bad++)
				TH_LOG("[%zu] = %d, want %d", i, ld_q8(py, i, dt), want);
		}
		EXPECT_EQ(0, bad);
	}
	free(ref);
	free(mag);
}

TEST_F(pool, maxpool_f32)
{
	pool_run(_metadata, self, variant, NPU_OP_MAXPOOL, NPU_DTYPE_F32, 0);
}

TEST_F(pool, maxpool_u8)
{
	pool_run(_metadata, self, variant, NPU_OP_MAXPOOL, NPU_DTYPE_U8, 0);
}

TEST_F(pool, maxpool_i8)
{
	pool_run(_metadata, self, variant, NPU_OP_MAXPOOL, NPU_DTYPE_I8, 0);
}

TEST_F(pool, avgpool)
{
	if (variant->p.dilation_h != 1 || variant->p.dilation_w != 1)
		SKIP(return, "AVGPOOL has no dilation");
	pool_run(_metadata, self, variant, NPU_OP_AVGPOOL, NPU_DTYPE_F32, 0);
}

TEST_F(pool, avgpool_include_pad)
{
	if (variant->p.dilation_h != 1 || variant->p.dilation_w != 1)
		SKIP(return, "AVGPOOL has no dilation");
	pool_run(_metadata, self, variant, NPU_OP_AVGPOOL, NPU_DTYPE_F32,
		 NPU_POOL_COUNT_INCLUDE_PAD);
}

/* worked examples of AVGPOOL divisors and MAXPOOL edge cases */
TEST(pool_fixed)
{
	struct cb c;
	struct cb_mem m;
	struct npu_cmd_op *op;
	__u32 x, y0, y1, y2, y3, i;
	float *px, *p;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 1, 1, 1, 3);	/* [1 2 3] */
	/* k 1x2, stride 2, pad right 1, ceil: windows [1 2] and [3 pad] */
	y0 = CB_T(&c, 1, NPU_DTYPE_F32, 1, 1, 1, 2);
	y1 = CB_T(&c, 1, NPU_DTYPE_F32, 1, 1, 1, 2);
	/* k 1x3, pads 2 and 2: windows [p p 1] [p 1 2] [1 2 3] [2 3 p] [3 p p] */
	y2 = CB_T(&c, 1, NPU_DTYPE_F32, 1, 1, 1, 5);
	/* MAXPOOL k 1x2, dilation 3, pad left 2: taps -2 and 1 -> 2; -1 and 2 -> 3 */
	y3 = CB_T(&c, 1, NPU_DTYPE_F32, 1, 1, 1, 2);
	op = op1(&c, NPU_OP_AVGPOOL, x, y0);
	op->pool = (struct npu_op_pool)POOL_P(1, 2, 1, 2, 1, 1, 0, 0, 0, 1, NPU_POOL_CEIL_MODE);
	op = op1(&c, NPU_OP_AVGPOOL, x, y1);
	op->pool = (struct npu_op_pool)POOL_P(1, 2, 1, 2, 1, 1, 0, 0, 0, 1,
					      NPU_POOL_CEIL_MODE | NPU_POOL_COUNT_INCLUDE_PAD);
	op = op1(&c, NPU_OP_AVGPOOL, x, y2);
	op->pool = (struct npu_op_pool)POOL_P(1, 3, 1, 1, 1, 1, 0, 2, 0, 2,
					      NPU_POOL_COUNT_INCLUDE_PAD);
	op = op1(&c, NPU_OP_MAXPOOL, x, y3);
	op->pool = (struct npu_op_pool)POOL_P(1, 2, 1, 1, 1, 3, 0, 2, 0, 0, 0);
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0);
	px = cb_ptr(&c, &m, x);
	for (i = 0; i < 3; i++)
		px[i] = (float)(i + 1);
	run_both(_metadata, &c, &m);
	p = cb_ptr(&c, &m, y0);
	EXPECT_EQ(1.5f, p[0]);
	EXPECT_EQ(3.0f, p[1]);
	p = cb_ptr(&c, &m, y1);
	EXPECT_EQ(1.5f, p[0]);
	EXPECT_EQ(1.5f, p[1]);		/* (3 + pad) / 2 */
	p = cb_ptr(&c, &m, y2);
	EXPECT_EQ(1.0f / 3, p[0]);
	EXPECT_EQ(1.0f, p[1]);
	EXPECT_EQ(2.0f, p[2]);
	EXPECT_EQ(5.0f / 3, p[3]);
	EXPECT_EQ(1.0f, p[4]);
	p = cb_ptr(&c, &m, y3);
	EXPECT_EQ(2.0f, p[0]);
	EXPECT_EQ(3.0f, p[1]);
	cb_mem_free(&m);
	cb_free(&c);
}

/* MAXPOOL: NaN wins; a window of padding only gives -inf (F32) or qmin */
TEST(maxpool_nan_and_empty_windows)
{
	struct cb c;
	struct cb_mem m;
	struct npu_cmd_op *op;
	__u32 x, y, xq, yq;
	float *px, *py;
	int8_t *pyq;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 1, 1, 1, 4);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 1, 1, 1, 3);
	xq = CB_T(&c, 0, NPU_DTYPE_I8, 1, 1, 1, 1);
	yq = CB_T(&c, 1, NPU_DTYPE_I8, 1, 1, 1, 1);
	cb_quant(&c, xq, 1.0f, 0);
	cb_quant(&c, yq, 1.0f, 0);
	/* k 2, stride 1, [NaN 1 5 2] -> [NaN 5 5] */
	op = op1(&c, NPU_OP_MAXPOOL, x, y);
	op->pool = (struct npu_op_pool)POOL_P(1, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0);
	/* W 1, k 2, dilation 2, pads 1 and 1: taps at -1 and 1, both padding */
	op = op1(&c, NPU_OP_MAXPOOL, xq, yq);
	op->pool = (struct npu_op_pool)POOL_P(1, 2, 1, 1, 1, 2, 0, 1, 0, 1, 0);
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0);
	px = cb_ptr(&c, &m, x);
	px[0] = NAN;
	px[1] = 1;
	px[2] = 5;
	px[3] = 2;
	*(int8_t *)cb_ptr(&c, &m, xq) = 100;
	run_both(_metadata, &c, &m);
	py = cb_ptr(&c, &m, y);
	pyq = cb_ptr(&c, &m, yq);
	EXPECT_TRUE(isnan(py[0]));
	EXPECT_EQ(5.0f, py[1]);
	EXPECT_EQ(5.0f, py[2]);
	EXPECT_EQ(-128, pyq[0]);
	cb_mem_free(&m);
	cb_free(&c);

	/* the same empty window in F32 */
	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 1, 1, 1, 1);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 1, 1, 1, 1);
	op = op1(&c, NPU_OP_MAXPOOL, x, y);
	op->pool = (struct npu_op_pool)POOL_P(1, 2, 1, 1, 1, 2, 0, 1, 0, 1, 0);
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0);
	*(float *)cb_ptr(&c, &m, x) = 7;
	run_both(_metadata, &c, &m);
	EXPECT_EQ(-INFINITY, *(float *)cb_ptr(&c, &m, y));
	cb_mem_free(&m);
	cb_free(&c);
}

TEST(global_avgpool)
{
	static const __u32 shapes[][4] = { { 2, 3, 4, 5 }, { 1, 1, 1, 1 }, { 1, 2, 64, 70 } };
	__u64 seed = 0x6a9;
	size_t si;

	for (si = 0; si < 3; si++) {
		const __u32 *s = shapes[si];
		__u32 planes = s[0] * s[1], hw = s[2] * s[3], pl, i;
		struct cb c;
		struct cb_mem m;
		__u32 x, y;
		float *px;
		double *ref, *mag;

		cb_init(&c);
		x = cb_tensor(&c, 0, NPU_DTYPE_F32, s, 4);
		y = CB_T(&c, 1, NPU_DTYPE_F32, s[0], s[1], 1, 1);
		op1(&c, NPU_OP_GLOBAL_AVGPOOL, x, y);
		cb_finish(&c);
		cb_mem_alloc(&c, &m, 0xa5);
		px = cb_ptr(&c, &m, x);
		fill_f32(px, planes * hw, &seed, -3, 5);
		run_both(_metadata, &c, &m);
		ref = calloc(planes, sizeof(double));
		mag = calloc(planes, sizeof(double));
		ASSERT_NE(NULL, ref);
		ASSERT_NE(NULL, mag);
		for (pl = 0; pl < planes; pl++) {
			for (i = 0; i < hw; i++) {
				ref[pl] += px[pl * hw + i];
				mag[pl] += fabs(px[pl * hw + i]);
			}
			ref[pl] /= hw;
			mag[pl] /= hw;
		}
		check_close(_metadata, cb_ptr(&c, &m, y), ref, mag, planes, 1e-5, 1e-30);
		free(ref);
		free(mag);
		cb_mem_free(&m);
		cb_free(&c);
	}
}

/* -------- SOFTMAX -------- */

struct sm_case {
	__u32 ndim, shape[4], axis;
	float lo, hi;
};

static const struct sm_case sm_cases[] = {
	{ 1, { 10 }, 0, -3, 3 },
	{ 2, { 7, 1000 }, 1, -20, 20 },
	{ 2, { 7, 1000 }, 0, -20, 20 },
	{ 4, { 2, 3, 4, 5 }, 0, -5, 5 },
	{ 4, { 2, 3, 4, 5 }, 1, -5, 5 },
	{ 4, { 2, 3, 4, 5 }, 2, -5, 5 },
	{ 4, { 2, 3, 4, 5 }, 3, -5, 5 },
	{ 3, { 3, 5000, 2 }, 1, -80, 80 },	/* one lane per unit, strided */
	{ 2, { 9000, 3 }, 1, 60, 90 },		/* many lanes per unit; e^90 needs the max */
	{ 3, { 4, 1, 6 }, 1, -1, 1 },		/* axis of length 1: all ones */
};

TEST(softmax)
{
	__u64 seed = 0x50f7;
	size_t ci;

	for (ci = 0; ci < sizeof(sm_cases) / sizeof(sm_cases[0]); ci++) {
		const struct sm_case *k = &sm_cases[ci];
		size_t n = 1, inner = 1, len = k->shape[k->axis], e, j, base;
		struct cb c;
		struct cb_mem m;
		__u32 x, y, d;
		float *px;
		double *ref, *tol;

		for (d = 0; d < k->ndim; d++)
			n *= k->shape[d];
		for (d = k->axis + 1; d < k->ndim; d++)
			inner *= k->shape[d];
		cb_init(&c);
		x = cb_tensor(&c, 0, NPU_DTYPE_F32, k->shape, k->ndim);
		y = cb_tensor(&c, 1, NPU_DTYPE_F32, k->shape, k->ndim);
		op1(&c, NPU_OP_SOFTMAX, x, y)->axis.axis = k->axis;
		cb_finish(&c);
		cb_mem_alloc(&c, &m, 0xa5);
		px = cb_ptr(&c, &m, x);
		fill_f32(px, n, &seed, k->lo, k->hi);
		run_both(_metadata, &c, &m);
		ref = calloc(n, sizeof(double));
		tol = calloc(n, sizeof(double));
		ASSERT_NE(NULL, ref);
		ASSERT_NE(NULL, tol);
		for (e = 0; e < n; e++) {
			double mx = -INFINITY, s = 0;

			if ((e / inner) % len)
				continue;	/* e starts a lane */
			base = e;
			for (j = 0; j < len; j++)
				mx = fmax(mx, px[base + j * inner]);
			for (j = 0; j < len; j++)
				s += exp((double)px[base + j * inner] - mx);
			/*
			 * Relative error: x - max rounded in binary32 (2^-24 of
			 * |x - max|), e^x and the division (one ulp each), the
			 * binary32 sum of len terms <= 1 (len * 2^-24).
			 */
			for (j = 0; j < len; j++) {
				double dx = (double)px[base + j * inner] - mx;

				ref[base + j * inner] = exp(dx) / s;
				tol[base + j * inner] = ref[base + j * inner] *
							(fabs(dx) * 6e-8 + 2.4e-7 + len * 6e-8);
			}
		}
		check_close(_metadata, cb_ptr(&c, &m, y), ref, tol, n, 1, 1e-40);
		if (_metadata->exit_code)
			TH_LOG("case %zu", ci);
		free(ref);
		free(tol);
		cb_mem_free(&m);
		cb_free(&c);
	}
}

/* the sum of each lane is 1 and the order of values is kept */
TEST(softmax_fixed)
{
	static const float xs[] = { 1, 2, 3, 4, 1000, 1000, -1000, -1000, 0, 0, 0, 0,
				    -1000, 0, 0, 1000 };
	struct cb c;
	struct cb_mem m;
	__u32 x, y;
	float *py;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 4, 4);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 4, 4);
	op1(&c, NPU_OP_SOFTMAX, x, y)->axis.axis = 1;
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0);
	memcpy(cb_ptr(&c, &m, x), xs, sizeof(xs));
	run_both(_metadata, &c, &m);
	py = cb_ptr(&c, &m, y);
	EXPECT_TRUE(py[0] < py[1] && py[1] < py[2] && py[2] < py[3]);
	EXPECT_TRUE(fabs(py[0] + py[1] + py[2] + py[3] - 1) < 1e-6);
	EXPECT_EQ(0.5f, py[4]);
	EXPECT_EQ(0.5f, py[5]);
	EXPECT_EQ(0.0f, py[6]);
	EXPECT_EQ(0.0f, py[7]);
	EXPECT_EQ(0.25f, py[8]);
	EXPECT_EQ(0.25f, py[11]);
	/* the maximum is the last element: e^(x - max) never overflows */
	EXPECT_EQ(0.0f, py[12]);
	EXPECT_EQ(0.0f, py[13]);
	EXPECT_EQ(1.0f, py[15]);
	cb_mem_free(&m);
	cb_free(&c);
}

/* -------- CONCAT -------- */

struct cat_case {
	__u32 nin, ndim, axis, dtype;
	__u32 shape[4];		/* of every input but along axis */
	__u32 len[4];		/* each input's size along axis */
};

static const struct cat_case cat_cases[] = {
	{ 1, 2, 0, NPU_DTYPE_F32, { 0, 5 }, { 3 } },
	{ 2, 2, 1, NPU_DTYPE_F32, { 3, 0 }, { 2, 5 } },
	{ 3, 3, 1, NPU_DTYPE_U8, { 2, 0, 4 }, { 1, 3, 2 } },
	{ 4, 4, 0, NPU_DTYPE_I32, { 0, 2, 3, 2 }, { 1, 2, 1, 3 } },
	{ 4, 4, 1, NPU_DTYPE_F32, { 2, 0, 3, 5 }, { 3, 1, 4, 2 } },
	{ 4, 4, 3, NPU_DTYPE_I8, { 2, 3, 4, 0 }, { 1, 7, 2, 5 } },
	{ 2, 3, 2, NPU_DTYPE_F32, { 9, 20, 0 }, { 300, 17 } },	/* several units */
	{ 3, 1, 0, NPU_DTYPE_I32, { 0 }, { 4000, 1, 200 } },
	/* unit boundaries (4096 elements) fall inside slabs of 2500 */
	{ 2, 3, 0, NPU_DTYPE_F32, { 0, 50, 50 }, { 1, 2 } },
	{ 3, 3, 1, NPU_DTYPE_U8, { 2, 0, 1000 }, { 1, 3, 2 } },
};

TEST(concat)
{
	__u64 seed = 0xca7;
	size_t ci;

	for (ci = 0; ci < sizeof(cat_cases) / sizeof(cat_cases[0]); ci++) {
		const struct cat_case *k = &cat_cases[ci];
		__u32 in[4], ysh[4], sh[4], y, i, d, esize = npu_fw_dtype_size(k->dtype), total = 0;
		size_t outer = 1, inner = 1, e, off, o, r, bad = 0;
		struct npu_cmd_op *op;
		const __u8 *src;
		struct cb c;
		struct cb_mem m;
		__u8 *py;

		cb_init(&c);
		for (i = 0; i < k->nin; i++) {
			memcpy(sh, k->shape, sizeof(sh));
			sh[k->axis] = k->len[i];
			total += k->len[i];
			in[i] = cb_tensor(&c, 0, k->dtype, sh, k->ndim);
			if (k->dtype == NPU_DTYPE_I8 || k->dtype == NPU_DTYPE_U8)
				cb_quant(&c, in[i], 0.5f, 3);
		}
		memcpy(ysh, k->shape, sizeof(ysh));
		ysh[k->axis] = total;
		y = cb_tensor(&c, 1, k->dtype, ysh, k->ndim);
		if (k->dtype == NPU_DTYPE_I8 || k->dtype == NPU_DTYPE_U8)
			cb_quant(&c, y, 0.5f, 3);
		op = cb_new_op(&c, NPU_OP_CONCAT, (__u16)k->nin);
		for (i = 0; i < k->nin; i++)
			op->inputs[i] = in[i];
		op->outputs[0] = y;
		op->axis.axis = k->axis;
		cb_finish(&c);
		cb_mem_alloc(&c, &m, 0xa5);
		for (i = 0; i < k->nin; i++) {
			__u8 *p = cb_ptr(&c, &m, in[i]);

			for (e = 0; e < cb_tensor_bytes(&c.t[in[i]]); e++)
				p[e] = (__u8)cb_rand(&seed);
		}
		run_both(_metadata, &c, &m);
		/* Y[o, a, r] = input j[o, a - off_j, r] */
		for (d = 0; d < k->axis; d++)
			outer *= k->shape[d];
		for (d = k->axis + 1; d < k->ndim; d++)
			inner *= k->shape[d];
		py = cb_ptr(&c, &m, y);
		for (o = 0; o < outer; o++) {
			off = 0;
			for (i = 0; i < k->nin; i++) {
				src = cb_ptr(&c, &m, in[i]);
				for (r = 0; r < k->len[i] * inner; r++) {
					size_t yi = (o * total + off) * inner + r;
					size_t xi = o * k->len[i] * inner + r;

					if (memcmp(py + yi * esize, src + xi * esize, esize) && !bad++)
						TH_LOG("case %zu: Y element %zu", ci, yi);
				}
				off += k->len[i];
			}
		}
		EXPECT_EQ(0, bad) TH_LOG("case %zu", ci);
		cb_mem_free(&m);
		cb_free(&c);
	}
}

/* -------- TRANSPOSE, COPY -------- */

static void transpose_one(struct __test_metadata *_metadata, const __u32 *xs, __u32 ndim,
			  const __u32 *perm, __u32 dt, __u64 *seed)
{
	__u32 ys[4], i, x, y, esize = npu_fw_dtype_size(dt), xidx[4];
	size_t n = 1, e, xi, bad = 0, r;
	struct npu_cmd_op *op;
	struct cb c;
	struct cb_mem m;
	__u8 *px, *py;

	for (i = 0; i < ndim; i++) {
		ys[i] = xs[perm[i]];
		n *= xs[i];
	}
	cb_init(&c);
	x = cb_tensor(&c, 0, dt, xs, ndim);
	y = cb_tensor(&c, 1, dt, ys, ndim);
	if (dt == NPU_DTYPE_I8 || dt == NPU_DTYPE_U8) {
		cb_quant(&c, x, 2.0f, 1);
		cb_quant(&c, y, 2.0f, 1);
	}
	op = op1(&c, NPU_OP_TRANSPOSE, x, y);
	for (i = 0; i < ndim; i++)
		op->transpose.perm[i] = perm[i];
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0xa5);
	px = cb_ptr(&c, &m, x);
	py = cb_ptr(&c, &m, y);
	for (e = 0; e < n * esize; e++)
		px[e] = (__u8)cb_rand(seed);
	run_both(_metadata, &c, &m);
	for (e = 0; e < n; e++) {
		/* Y index (y_0 .. y_k) reads X at x_perm[i] = y_i */
		r = e;
		for (i = ndim; i-- > 0;) {
			xidx[perm[i]] = r % ys[i];
			r /= ys[i];
		}
		xi = 0;
		for (i = 0; i < ndim; i++)
			xi = xi * xs[i] + xidx[i];
		if (memcmp(py + e * esize, px + xi * esize, esize) && !bad++)
			TH_LOG("perm %u %u %u %u: Y[%zu]", perm[0], perm[1], perm[2], perm[3], e);
	}
	EXPECT_EQ(0, bad);
	cb_mem_free(&m);
	cb_free(&c);
}

/* every permutation of a 4-D tensor, F32 and I8 */
TEST(transpose_4d_all_perms)
{
	static const __u32 xs[4] = { 2, 3, 4, 5 };
	__u32 p[4], a, b, cc, d, cnt = 0;
	__u64 seed = 0x7a;

	for (a = 0; a < 4; a++)
	for (b = 0; b < 4; b++)
	for (cc = 0; cc < 4; cc++)
	for (d = 0; d < 4; d++) {
		if (a == b || a == cc || a == d || b == cc || b == d || cc == d)
			continue;
		p[0] = a;
		p[1] = b;
		p[2] = cc;
		p[3] = d;
		transpose_one(_metadata, xs, 4, p, cnt % 2 ? NPU_DTYPE_I8 : NPU_DTYPE_F32, &seed);
		cnt++;
	}
	EXPECT_EQ(24, cnt);
}

TEST(transpose_small_ranks)
{
	static const __u32 s2[] = { 70, 130 }, p2[] = { 1, 0 }, s3[] = { 3, 50, 41 };
	static const __u32 p3a[] = { 2, 0, 1 }, p3b[] = { 0, 2, 1 }, s1[] = { 9 }, p1[] = { 0 };
	__u64 seed = 0x7b;

	transpose_one(_metadata, s2, 2, p2, NPU_DTYPE_F32, &seed);
	transpose_one(_metadata, s2, 2, p2, NPU_DTYPE_U8, &seed);
	transpose_one(_metadata, s3, 3, p3a, NPU_DTYPE_I32, &seed);
	transpose_one(_metadata, s3, 3, p3b, NPU_DTYPE_F32, &seed);
	transpose_one(_metadata, s1, 1, p1, NPU_DTYPE_I8, &seed);
}

TEST(copy)
{
	static const __u32 dts[] = { NPU_DTYPE_F32, NPU_DTYPE_I8, NPU_DTYPE_U8, NPU_DTYPE_I32 };
	__u64 seed = 0xc0;
	__u32 di;

	for (di = 0; di < 4; di++) {
		struct cb c;
		struct cb_mem m;
		__u32 x, y, nb;
		__u8 *px;

		cb_init(&c);
		x = CB_T(&c, 0, dts[di], 3, 5, 7, 61);	/* 6405 elements: two units */
		y = CB_T(&c, 1, dts[di], 6405);
		if (dts[di] == NPU_DTYPE_I8 || dts[di] == NPU_DTYPE_U8) {
			cb_quant(&c, x, 0.1f, 2);
			cb_quant(&c, y, 0.1f, 2);
		}
		op1(&c, NPU_OP_COPY, x, y);
		cb_finish(&c);
		cb_mem_alloc(&c, &m, 0xa5);
		px = cb_ptr(&c, &m, x);
		nb = (__u32)cb_tensor_bytes(&c.t[x]);
		for (__u32 i = 0; i < nb; i++)
			px[i] = (__u8)cb_rand(&seed);
		run_both(_metadata, &c, &m);
		EXPECT_EQ(0, memcmp(px, cb_ptr(&c, &m, y), nb)) TH_LOG("dtype %u", dts[di]);
		cb_mem_free(&m);
		cb_free(&c);
	}
}

/* -------- QUANTIZE, DEQUANTIZE -------- */

static void quantize_case(struct __test_metadata *_metadata, __u32 dt, float scale, int zp)
{
	const __u32 n = 5000;
	struct cb c;
	struct cb_mem m;
	__u32 x, y, i, bad = 0;
	float *px;
	void *py;
	__u64 seed = 0x9a + dt;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, n);
	y = CB_T(&c, 1, dt, n);
	cb_quant(&c, y, scale, zp);
	op1(&c, NPU_OP_QUANTIZE, x, y);
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0xa5);
	px = cb_ptr(&c, &m, x);
	py = cb_ptr(&c, &m, y);
	fill_f32(px, n, &seed, -200 * scale, 200 * scale);
	/* exact ties k + 0.5 (scale is a power of two in one case) and specials */
	for (i = 0; i < 40; i++)
		px[i] = ((float)i - 20.0f + 0.5f) * scale;
	px[40] = NAN;
	px[41] = INFINITY;
	px[42] = -INFINITY;
	px[43] = 1e30f;
	px[44] = -1e30f;
	px[45] = -0.0f;
	run_both(_metadata, &c, &m);
	for (i = 0; i < n; i++) {
		float r = px[i] / scale;	/* binary32, as ONNX QuantizeLinear */
		double q = isnan(r) ? zp : rint((double)r) + zp;
		int want = q < q8_min(dt) ? q8_min(dt) : q > q8_max(dt) ? q8_max(dt) : (int)q;

		if (ld_q8(py, i, dt) != want && !bad++)
			TH_LOG("x = %.9g: %d, want %d", px[i], ld_q8(py, i, dt), want);
	}
	EXPECT_EQ(0, bad);
	cb_mem_free(&m);
	cb_free(&c);
}

TEST(quantize_i8)
{
	quantize_case(_metadata, NPU_DTYPE_I8, 0.5f, -3);
}

TEST(quantize_u8)
{
	quantize_case(_metadata, NPU_DTYPE_U8, 0.0173f, 128);
}

/* fixed expectations: ties to even, saturation, NaN -> zero point */
TEST(quantize_fixed)
{
	static const float xs[] = { 0.25f, 0.75f, -0.25f, -0.75f, 1.25f, 200, -200, NAN, 63.75f };
	static const int want[] = { 3, 5, 3, 1, 5, 127, -128, 3, 127 };
	struct cb c;
	struct cb_mem m;
	__u32 x, y, i;
	int8_t *py;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 9);
	y = CB_T(&c, 1, NPU_DTYPE_I8, 9);
	cb_quant(&c, y, 0.5f, 3);
	op1(&c, NPU_OP_QUANTIZE, x, y);
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0);
	memcpy(cb_ptr(&c, &m, x), xs, sizeof(xs));
	run_both(_metadata, &c, &m);
	py = cb_ptr(&c, &m, y);
	for (i = 0; i < 9; i++)
		EXPECT_EQ(want[i], py[i]) TH_LOG("x = %g", xs[i]);
	cb_mem_free(&m);
	cb_free(&c);
}

TEST(dequantize_per_tensor)
{
	static const __u32 dts[] = { NPU_DTYPE_I8, NPU_DTYPE_U8 };
	__u32 di, i;

	for (di = 0; di < 2; di++) {
		const float s = 0.037f;
		const int zp = dts[di] == NPU_DTYPE_I8 ? -7 : 200;
		struct cb c;
		struct cb_mem m;
		__u32 x, y;
		__u8 *px;
		float *py, want;

		cb_init(&c);
		x = CB_T(&c, 0, dts[di], 16, 16);
		y = CB_T(&c, 1, NPU_DTYPE_F32, 16, 16);
		cb_quant(&c, x, s, zp);
		op1(&c, NPU_OP_DEQUANTIZE, x, y);
		cb_finish(&c);
		cb_mem_alloc(&c, &m, 0);
		px = cb_ptr(&c, &m, x);
		for (i = 0; i < 256; i++)
			px[i] = (__u8)i;
		run_both(_metadata, &c, &m);
		py = cb_ptr(&c, &m, y);
		for (i = 0; i < 256; i++) {
			want = (float)(ld_q8(px, i, dts[di]) - zp) * s;
			EXPECT_EQ(want, py[i]) TH_LOG("q = %d", ld_q8(px, i, dts[di]));
			EXPECT_TRUE(fabs(py[i] - (ld_q8(px, i, dts[di]) - zp) * (double)s) <=
				    fabs(want) * 6e-8);
		}
		cb_mem_free(&m);
		cb_free(&c);
	}
}

TEST(dequantize_per_channel)
{
	static const __u32 shape[3] = { 3, 4, 5 };
	__u32 axis, i, idx[3];
	__u64 seed = 0xde;

	for (axis = 0; axis < 3; axis++) {
		struct cb c;
		struct cb_mem m;
		__u32 x, s, y, r;
		int8_t *px;
		float *ps, *py, want;

		cb_init(&c);
		x = cb_tensor(&c, 0, NPU_DTYPE_I8, shape, 3);
		s = CB_T(&c, 0, NPU_DTYPE_F32, shape[axis]);
		y = cb_tensor(&c, 1, NPU_DTYPE_F32, shape, 3);
		cb_quant_pc(&c, x, axis, s);
		op1(&c, NPU_OP_DEQUANTIZE, x, y);
		cb_finish(&c);
		cb_mem_alloc(&c, &m, 0);
		px = cb_ptr(&c, &m, x);
		ps = cb_ptr(&c, &m, s);
		for (i = 0; i < 60; i++)
			px[i] = (int8_t)cb_rand(&seed);
		fill_f32(ps, shape[axis], &seed, 0.001f, 0.1f);
		run_both(_metadata, &c, &m);
		py = cb_ptr(&c, &m, y);
		for (i = 0; i < 60; i++) {
			r = i;
			idx[2] = r % 5;
			r /= 5;
			idx[1] = r % 4;
			idx[0] = r / 4;
			want = (float)px[i] * ps[idx[axis]];
			EXPECT_EQ(want, py[i]) TH_LOG("axis %u element %u", axis, i);
		}
		cb_mem_free(&m);
		cb_free(&c);
	}
}

TEST(dequantize_i32)
{
	static const __s32 xs[] = { 0, 1, -1, 16777217, -16777219, INT32_MAX, INT32_MIN, 123456789 };
	static const float want[] = { 0, 1, -1, 16777216.0f, -16777220.0f, 2147483648.0f,
				      -2147483648.0f, 123456792.0f };
	struct cb c;
	struct cb_mem m;
	__u32 x, y, i;
	float *py;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_I32, 8);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 8);
	op1(&c, NPU_OP_DEQUANTIZE, x, y);
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0);
	memcpy(cb_ptr(&c, &m, x), xs, sizeof(xs));
	run_both(_metadata, &c, &m);
	py = cb_ptr(&c, &m, y);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(want[i], py[i]) TH_LOG("q = %d", xs[i]);
	cb_mem_free(&m);
	cb_free(&c);
}

/* QUANTIZE then DEQUANTIZE of representable values gives them back */
TEST(quantize_roundtrip)
{
	struct cb c;
	struct cb_mem m;
	__u32 x, q, y, i;
	float *px, *py;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 256);
	q = CB_T(&c, 1, NPU_DTYPE_U8, 256);
	y = CB_T(&c, 2, NPU_DTYPE_F32, 256);
	cb_quant(&c, q, 0.125f, 100);
	op1(&c, NPU_OP_QUANTIZE, x, q);
	op1(&c, NPU_OP_DEQUANTIZE, q, y);
	cb_finish(&c);
	cb_mem_alloc(&c, &m, 0);
	px = cb_ptr(&c, &m, x);
	for (i = 0; i < 256; i++)
		px[i] = ((float)i - 100) * 0.125f;
	run_both(_metadata, &c, &m);
	py = cb_ptr(&c, &m, y);
	for (i = 0; i < 256; i++)
		EXPECT_EQ(px[i], py[i]);
	cb_mem_free(&m);
	cb_free(&c);
}

/* -------- RESIZE -------- */

FIXTURE(resize) {
	struct cb c;
	struct cb_mem m;
	__u64 seed;
};

FIXTURE_VARIANT(resize) {
	__u32 n, ch, h, w, oh, ow;	/* oh/ow used when the scale is 0 */
	float scale_h, scale_w;
};

FIXTURE_SETUP(resize)
{
	cb_init(&self->c);
	memset(&self->m, 0, sizeof(self->m));
	self->seed = 0x4e51ULL + variant->h * 13 + variant->w;
}

FIXTURE_TEARDOWN(resize)
{
	cb_mem_free(&self->m);
	cb_free(&self->c);
}

FIXTURE_VARIANT_ADD(resize, up_2x) {
	.n = 1, .ch = 2, .h = 3, .w = 4, .scale_h = 2.0f, .scale_w = 2.0f,
};

FIXTURE_VARIANT_ADD(resize, up_3x_sizes) {
	.n = 2, .ch = 1, .h = 4, .w = 3, .oh = 12, .ow = 9,
};

FIXTURE_VARIANT_ADD(resize, up_odd_sizes) {
	.n = 1, .ch = 3, .h = 5, .w = 7, .oh = 8, .ow = 11,
};

FIXTURE_VARIANT_ADD(resize, down_half) {
	.n = 1, .ch = 2, .h = 8, .w = 10, .scale_h = 0.5f, .scale_w = 0.5f,
};

FIXTURE_VARIANT_ADD(resize, down_odd_sizes) {
	.n = 1, .ch = 2, .h = 9, .w = 13, .oh = 4, .ow = 5,
};

FIXTURE_VARIANT_ADD(resize, scale_1_7_and_0_6) {
	.n = 1, .ch = 1, .h = 6, .w = 10, .scale_h = 1.7f, .scale_w = 0.6f,
};

FIXTURE_VARIANT_ADD(resize, to_one_pixel) {
	.n = 1, .ch = 2, .h = 5, .w = 4, .oh = 1, .ow = 1,
};

FIXTURE_VARIANT_ADD(resize, from_one_pixel) {
	.n = 1, .ch = 1, .h = 1, .w = 1, .oh = 3, .ow = 5,
};

FIXTURE_VARIANT_ADD(resize, mixed_axes) {
	.n = 1, .ch = 1, .h = 4, .w = 6, .scale_h = 2.5f, .ow = 4,
};

/* the ONNX input coordinate, in double */
static double ref_coord(__u32 coord, __u32 x, double scale, __u32 in, __u32 out)
{
	switch (coord) {
	case NPU_RESIZE_HALF_PIXEL:
		return (x + 0.5) / scale - 0.5;
	case NPU_RESIZE_ASYMMETRIC:
		return x / scale;
	case NPU_RESIZE_ALIGN_CORNERS:
		return out == 1 ? 0 : (double)x * (in - 1) / (out - 1);
	default:
		return out == 1 ? 0 : (x + 0.5) / scale - 0.5;
	}
}

static long ref_nearest(__u32 mode, double c, __u32 in)
{
	double f = floor(c);
	long i;

	switch (mode) {
	case NPU_RESIZE_ROUND_PREFER_FLOOR:
		i = c - f == 0.5 ? (long)f : (long)round(c);
		break;
	case NPU_RESIZE_ROUND_PREFER_CEIL:
		i = c - f == 0.5 ? (long)ceil(c) : (long)round(c);
		break;
	case NPU_RESIZE_FLOOR:
		i = (long)f;
		break;
	default:
		i = (long)ceil(c);
		break;
	}
	return i < 0 ? 0 : i >= (long)in ? (long)in - 1 : i;
}

static double ref_linear(const float *x, __u32 h, __u32 w, double cy, double cx)
{
	long y0, y1, x0, x1;
	double fy, fx;

	cy = cy < 0 ? 0 : cy > h - 1 ? h - 1 : cy;
	cx = cx < 0 ? 0 : cx > w - 1 ? w - 1 : cx;
	y0 = (long)floor(cy);
	x0 = (long)floor(cx);
	y1 = y0 + 1 < (long)h ? y0 + 1 : y0;
	x1 = x0 + 1 < (long)w ? x0 + 1 : x0;
	fy = cy - y0;
	fx = cx - x0;
	return (1 - fy) * ((1 - fx) * x[y0 * w + x0] + fx * x[y0 * w + x1]) +
	       fy * ((1 - fx) * x[y1 * w + x0] + fx * x[y1 * w + x1]);
}

static void resize_run(struct __test_metadata *_metadata, FIXTURE_DATA(resize) *self,
		       const FIXTURE_VARIANT(resize) *v, __u32 mode, __u32 coord, __u32 nearest)
{
	__u32 ohn = v->scale_h ? (__u32)floor(v->h * (double)v->scale_h) : v->oh;
	__u32 own = v->scale_w ? (__u32)floor(v->w * (double)v->scale_w) : v->ow;
	double sh = v->scale_h ? v->scale_h : (double)ohn / v->h;
	double sw = v->scale_w ? v->scale_w : (double)own / v->w;
	__u32 x, y, plane, oh, ow, nout = v->n * v->ch * ohn * own;
	struct npu_cmd_op *op;
	struct cb *c = &self->c;
	float *px, *py;
	double *ref;

	x = CB_T(c, 0, NPU_DTYPE_F32, v->n, v->ch, v->h, v->w);
	y = CB_T(c, 1, NPU_DTYPE_F32, v->n, v->ch, ohn, own);
	op = op1(c, NPU_OP_RESIZE, x, y);
	op->resize.mode = mode;
	op->resize.coord = coord;
	op->resize.nearest = nearest;
	op->resize.scale_h = v->scale_h ? cb_f32bits(v->scale_h) : 0;
	op->resize.scale_w = v->scale_w ? cb_f32bits(v->scale_w) : 0;
	cb_finish(c);
	cb_mem_alloc(c, &self->m, 0xa5);
	px = cb_ptr(c, &self->m, x);
	py = cb_ptr(c, &self->m, y);
	fill_f32(px, cb_tensor_elems(&c->t[x]), &self->seed, -4, 4);
	run_both(_metadata, c, &self->m);
	ref = calloc(nout, sizeof(double));
	ASSERT_NE(NULL, ref);
	for (plane = 0; plane < v->n * v->ch; plane++) {
		const float *xp = px + plane * v->h * v->w;

		for (oh = 0; oh < ohn; oh++) {
			double cy = ref_coord(coord, oh, sh, v->h, ohn);

			for (ow = 0; ow < own; ow++) {
				double cx = ref_coord(coord, ow, sw, v->w, own);
				size_t o = ((size_t)plane * ohn + oh) * own + ow;

				if (mode == NPU_RESIZE_NEAREST)
					ref[o] = xp[ref_nearest(nearest, cy, v->h) * v->w +
						    ref_nearest(nearest, cx, v->w)];
				else
					ref[o] = ref_linear(xp, v->h, v->w, cy, cx);
			}
		}
	}
	if (mode == NPU_RESIZE_NEAREST)
		check_close(_metadata, py, ref, NULL, nout, 0, 0);
	else
		check_close(_metadata, py, ref, NULL, nout, 0, 4 * 4 * 2.4e-7);
	free(ref);
}

TEST_F(resize, nearest_all_modes)
{
	__u32 coord, nr;

	for (coord = 0; coord < NPU_RESIZE_COORD_COUNT; coord++) {
		for (nr = 0; nr < NPU_RESIZE_NEAREST_COUNT; nr++) {
			cb_mem_free(&self->m);
			cb_free(&self->c);
			cb_init(&self->c);
			resize_run(_metadata, self, variant, NPU_RESIZE_NEAREST, coord, nr);
			if (_metadata->exit_code)
				TH_LOG("coord %u nearest %u", coord, nr);
		}
	}
}

TEST_F(resize, linear_all_coords)
{
	__u32 coord;

	for (coord = 0; coord < NPU_RESIZE_COORD_COUNT; coord++) {
		cb_mem_free(&self->m);
		cb_free(&self->c);
		cb_init(&self->c);
		resize_run(_metadata, self, variant, NPU_RESIZE_LINEAR, coord, 0);
		if (_metadata->exit_code)
			TH_LOG("coord %u", coord);
	}
}

/* worked examples on one row [10 20 30 40] */
TEST(resize_fixed)
{
	static const struct {
		__u32 mode, coord, nearest, ow;
		float want[8];
	} k[] = {
		/* 2x, asymmetric, floor: a a b b c c d d */
		{ NPU_RESIZE_NEAREST, NPU_RESIZE_ASYMMETRIC, NPU_RESIZE_FLOOR, 8,
		  { 10, 10, 20, 20, 30, 30, 40, 40 } },
		/* 2x, half pixel, prefer floor: coords -0.25 0.25 0.75 1.25 ... */
		{ NPU_RESIZE_NEAREST, NPU_RESIZE_HALF_PIXEL, NPU_RESIZE_ROUND_PREFER_FLOOR, 8,
		  { 10, 10, 20, 20, 30, 30, 40, 40 } },
		/* 0.5x, asymmetric: coords 0 and 2 */
		{ NPU_RESIZE_NEAREST, NPU_RESIZE_ASYMMETRIC, NPU_RESIZE_CEIL, 2, { 10, 30 } },
		/* 0.5x, half pixel: coords 0.5 and 2.5: ties */
		{ NPU_RESIZE_NEAREST, NPU_RESIZE_HALF_PIXEL, NPU_RESIZE_ROUND_PREFER_FLOOR, 2,
		  { 10, 30 } },
		{ NPU_RESIZE_NEAREST, NPU_RESIZE_HALF_PIXEL, NPU_RESIZE_ROUND_PREFER_CEIL, 2,
		  { 20, 40 } },
		/* 2x linear, half pixel: -0.25 clamps to 0, 0.25 -> 12.5, ... */
		{ NPU_RESIZE_LINEAR, NPU_RESIZE_HALF_PIXEL, 0, 8,
		  { 10, 12.5f, 17.5f, 22.5f, 27.5f, 32.5f, 37.5f, 40 } },
		/* 7 outputs, align corners: coords 0, 0.5, 1, ... 3 */
		{ NPU_RESIZE_LINEAR, NPU_RESIZE_ALIGN_CORNERS, 0, 7,
		  { 10, 15, 20, 25, 30, 35, 40 } },
		/* 1 output: pytorch_half_pixel gives coordinate 0, half_pixel 1.5 */
		{ NPU_RESIZE_LINEAR, NPU_RESIZE_PYTORCH_HALF_PIXEL, 0, 1, { 10 } },
		{ NPU_RESIZE_LINEAR, NPU_RESIZE_HALF_PIXEL, 0, 1, { 25 } },
	};
	size_t i, j;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct cb c;
		struct cb_mem m;
		struct npu_cmd_op *op;
		__u32 x, y;
		float *px, *py;

		cb_init(&c);
		x = CB_T(&c, 0, NPU_DTYPE_F32, 1, 1, 1, 4);
		y = CB_T(&c, 1, NPU_DTYPE_F32, 1, 1, 1, k[i].ow);
		op = op1(&c, NPU_OP_RESIZE, x, y);
		op->resize.mode = k[i].mode;
		op->resize.coord = k[i].coord;
		op->resize.nearest = k[i].nearest;
		cb_finish(&c);
		cb_mem_alloc(&c, &m, 0);
		px = cb_ptr(&c, &m, x);
		for (j = 0; j < 4; j++)
			px[j] = 10.0f * (j + 1);
		run_both(_metadata, &c, &m);
		py = cb_ptr(&c, &m, y);
		for (j = 0; j < k[i].ow; j++)
			EXPECT_EQ(k[i].want[j], py[j]) TH_LOG("case %zu output %zu", i, j);
		cb_mem_free(&m);
		cb_free(&c);
	}
}

/* -------- units -------- */

TEST(units_new_ops)
{
	struct cb c;
	struct cb_mem m;
	struct npu_fw_job job;
	struct npu_fw_diag d;
	struct npu_cmd_op *op;
	__u32 x, y;

	cb_init(&c);
	/* 0: CONV_TRANSPOSE2D Y [2, 3, 7, 5]: N * OC * OH units */
	x = CB_T(&c, 0, NPU_DTYPE_F32, 2, 1, 3, 2);
	op = cb_new_op(&c, NPU_OP_CONV_TRANSPOSE2D, 3);
	op->inputs[0] = x;
	op->inputs[1] = CB_T(&c, 0, NPU_DTYPE_F32, 1, 3, 3, 3);
	op->outputs[0] = CB_T(&c, 1, NPU_DTYPE_F32, 2, 3, 7, 5);
	op->conv2d = (struct npu_op_conv2d){ .stride_h = 2, .stride_w = 2, .dilation_h = 1,
					     .dilation_w = 1, .groups = 1 };
	/* 1: MAXPOOL Y [2, 1, 2, 1] */
	op = op1(&c, NPU_OP_MAXPOOL, x, CB_T(&c, 1, NPU_DTYPE_F32, 2, 1, 2, 1));
	op->pool = (struct npu_op_pool)POOL_P(2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0);
	/* 2: GLOBAL_AVGPOOL Y [2, 1, 1, 1] */
	op1(&c, NPU_OP_GLOBAL_AVGPOOL, x, CB_T(&c, 1, NPU_DTYPE_F32, 2, 1, 1, 1));
	/* 3: RESIZE Y [2, 1, 9, 4] */
	op1(&c, NPU_OP_RESIZE, x, CB_T(&c, 1, NPU_DTYPE_F32, 2, 1, 9, 4));
	/* 4: SOFTMAX [3, 5000] on axis 1: a unit per row */
	y = CB_T(&c, 0, NPU_DTYPE_F32, 3, 5000);
	op1(&c, NPU_OP_SOFTMAX, y, CB_T(&c, 1, NPU_DTYPE_F32, 3, 5000))->axis.axis = 1;
	/* 5: SOFTMAX [3, 5000] on axis 0: 4096 / 3 = 1365 lanes per unit */
	op1(&c, NPU_OP_SOFTMAX, y, CB_T(&c, 1, NPU_DTYPE_F32, 3, 5000))->axis.axis = 0;
	/* 6: TRANSPOSE of 15000 elements: 4 chunks */
	op = op1(&c, NPU_OP_TRANSPOSE, y, CB_T(&c, 1, NPU_DTYPE_F32, 5000, 3));
	op->transpose.perm[0] = 1;
	/* 7: SIGMOID of 1 element */
	op1(&c, NPU_OP_SIGMOID, CB_T(&c, 0, NPU_DTYPE_F32, 1), CB_T(&c, 1, NPU_DTYPE_F32, 1));
	cb_finish(&c);
	ASSERT_EQ(0, cb_validate(&c, &d)) TH_LOG("op %d: %s", d.op, d.msg);
	cb_mem_alloc(&c, &m, 0);
	job.cmd = c.buf;
	job.bo_vaddr = m.bo;
	EXPECT_EQ(2 * 3 * 7, npu_fw_units(&job, 0));
	EXPECT_EQ(2 * 2, npu_fw_units(&job, 1));
	EXPECT_EQ(2, npu_fw_units(&job, 2));
	EXPECT_EQ(2 * 9, npu_fw_units(&job, 3));
	EXPECT_EQ(3, npu_fw_units(&job, 4));
	EXPECT_EQ(4, npu_fw_units(&job, 5));
	EXPECT_EQ(4, npu_fw_units(&job, 6));
	EXPECT_EQ(1, npu_fw_units(&job, 7));
	cb_mem_free(&m);
	cb_free(&c);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Packed weights (NPU_TENSOR_PACKED_V1), the interpreter's vector-kernel
 * paths and its other fast paths (CONV_TRANSPOSE2D 2x2 stride 2): a CONV2D with packed W, a GEMM with packed B and a depthwise CONV2D
 * run through npu_fw_run() at every kernel level this CPU has, in EXACT and
 * FAST mode, whole and one unit at a time in reverse order, against the
 * same op with dense weights on the reference loops (job.kern == NULL).
 * EXACT must equal the reference (float ==, so -0.0 == +0.0: padded taps
 * add w * 0 in the kernels) for the activations none, relu and clip, whose
 * formulas are shared; everything must be within a summation bound. int8
 * (packed I8 weights of quantized ops) must give the reference's bytes
 * exactly. Plus the validator's rules for the flag.
 */
#include <math.h>

#include "kselftest_harness.h"
#include "cmdbuild.h"
#include "../../firmware/npu_fw_kern.h"

#define PK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct pk_case {
	__u32 n, c, h, w, oc, kh, kw, stride, dil, pad, act;
};

static void pk_fill(float *p, __u64 n, __u64 *seed)
{
	__u64 i;

	for (i = 0; i < n; i++)
		p[i] = cb_randf(seed, -1.0f, 1.0f);
}

/* run @c's stream on @m with @kern (NULL: reference), units @split-wise */
static void pk_exec(struct cb *c, struct cb_mem *m, const struct npu_kern_ops *kern,
		    int split)
{
	struct npu_fw_job job = { .cmd = c->buf, .bo_vaddr = m->bo, .kern = kern };
	const struct npu_cmd_header *h = c->buf;
	void *scratch = npu_test_scratch(&job);
	__u32 i, u;

	for (i = 0; i < h->num_ops; i++) {
		u = npu_fw_units(&job, i);
		if (!split) {
			npu_fw_run(&job, i, 0, u, scratch);
			continue;
		}
		while (u--)
			npu_fw_run(&job, i, u, 1, scratch);
	}
}

/*
 * One conv (or GEMM when @gemm) built twice: dense (reference) and packed;
 * returns the largest |difference| / bound, bound = 2^-20 * (sum |w x| + 1).
 */
static double pk_compare(struct __test_metadata *_metadata, const struct pk_case *k,
			 int gemm, int depthwise, const struct npu_kern_ops *kern, int split,
			 int *exact_mismatch)
{
	struct npu_op_conv2d cp = {
		.stride_h = k->stride, .stride_w = k->stride,
		.dilation_h = k->dil, .dilation_w = k->dil,
		.pad_top = k->pad, .pad_left = k->pad, .pad_bottom = k->pad,
		.pad_right = k->pad, .groups = depthwise ? k->c : 1,
		.activation = k->act,
	};
	__u32 oh = cb_conv_out(k->h, k->kh, k->stride, k->dil, k->pad, k->pad);
	__u32 ow = cb_conv_out(k->w, k->kw, k->stride, k->dil, k->pad, k->pad);
	__u32 kk = gemm ? k->c : (depthwise ? 1 : k->c) * k->kh * k->kw, x, w, b, y, i;
	struct cb ref, pk;
	struct cb_mem mr, mp;
	struct npu_fw_diag d;
	__u64 seed = 42 + k->c * 7 + k->oc, ny;
	double worst = 0.0, bound, diff;
	const float *yr, *yp;
	float *wsrc;

	for (i = 0; i < 2; i++) {
		struct cb *c = i ? &pk : &ref;

		cb_init(c);
		if (gemm) {
			x = CB_T(c, 0, NPU_DTYPE_F32, k->n, k->c);
			w = CB_T(c, 0, NPU_DTYPE_F32, k->oc, k->c);
			b = CB_T(c, 0, NPU_DTYPE_F32, k->oc);
			y = CB_T(c, 1, NPU_DTYPE_F32, k->n, k->oc);
			cb_gemm(c, x, w, b, y, NPU_GEMM_TRANS_B);
			c->op[0].gemm.activation = k->act;
		} else {
			x = CB_T(c, 0, NPU_DTYPE_F32, k->n, k->c, k->h, k->w);
			w = CB_T(c, 0, NPU_DTYPE_F32, k->oc, depthwise ? 1 : k->c, k->kh, k->kw);
			b = CB_T(c, 0, NPU_DTYPE_F32, k->oc);
			y = CB_T(c, 1, NPU_DTYPE_F32, k->n, k->oc, oh, ow);
			cb_conv(c, x, w, b, y, &cp);
		}
		if (i && !depthwise) {
			/* oc % 8 == 0: the packed size equals the dense one */
			c->t[w].flags = NPU_TENSOR_PACKED_V1;
		}
		cb_finish(c);
		ASSERT_EQ(0, cb_validate(c, &d)) {
			TH_LOG("%s: op %d tensor %d: %s", i ? "packed" : "dense", d.op,
			       d.tensor, d.msg);
		}
	}
	cb_mem_alloc(&ref, &mr, 0);
	cb_mem_alloc(&pk, &mp, 0x5a);
	pk_fill(cb_ptr(&ref, &mr, 0), cb_tensor_elems(&ref.t[0]), &seed);
	pk_fill(cb_ptr(&ref, &mr, 1), cb_tensor_elems(&ref.t[1]), &seed);
	pk_fill(cb_ptr(&ref, &mr, 2), cb_tensor_elems(&ref.t[2]), &seed);
	memcpy(cb_ptr(&pk, &mp, 0), cb_ptr(&ref, &mr, 0), cb_tensor_bytes(&ref.t[0]));
	memcpy(cb_ptr(&pk, &mp, 2), cb_ptr(&ref, &mr, 2), cb_tensor_bytes(&ref.t[2]));
	wsrc = cb_ptr(&ref, &mr, 1);
	if (depthwise)
		memcpy(cb_ptr(&pk, &mp, 1), wsrc, cb_tensor_bytes(&ref.t[1]));
	else
		npu_kern_pack_f32(cb_ptr(&pk, &mp, 1), wsrc, kk, 1, k->oc, kk);

	pk_exec(&ref, &mr, NULL, 0);
	pk_exec(&pk, &mp, kern, split);

	yr = cb_ptr(&ref, &mr, 3);
	yp = cb_ptr(&pk, &mp, 3);
	ny = cb_tensor_elems(&ref.t[3]);
	*exact_mismatch = 0;
	for (i = 0; i < ny; i++) {
		if (yr[i] != yp[i])
			*exact_mismatch = 1;
		/* |terms| <= 1 each: a loose bound for reordered/fused sums */
		bound = ldexp(kk + 2.0, -20);
		diff = fabs((double)yr[i] - (double)yp[i]) / bound;
		if (!(diff <= worst))
			worst = diff;
	}
	cb_mem_free(&mr);
	cb_mem_free(&mp);
	cb_free(&ref);
	cb_free(&pk);
	return worst;
}

static const struct pk_case pk_cases[] = {
	/* n  c  h   w  oc kh kw s d p act */
	{ 1, 3, 9, 11, 8, 3, 3, 1, 1, 1, NPU_ACT_NONE },
	{ 2, 5, 7, 7, 16, 3, 3, 2, 1, 1, NPU_ACT_RELU },
	{ 1, 16, 6, 20, 24, 1, 1, 1, 1, 0, NPU_ACT_HARD_SWISH },
	{ 1, 4, 12, 9, 8, 5, 3, 1, 2, 2, NPU_ACT_NONE },
	{ 1, 8, 33, 31, 32, 3, 3, 1, 1, 1, NPU_ACT_RELU },
	{ 1, 130, 4, 5, 8, 1, 1, 1, 1, 0, NPU_ACT_NONE },
};

static void pk_run_all(struct __test_metadata *_metadata, int gemm, int depthwise)
{
	static const __u32 modes[] = { NPU_KERN_EXACT, 0 };
	const struct npu_kern_ops *kern;
	unsigned int i, isa, mi, split;
	int mismatch;
	double worst;

	for (isa = 0; isa < NPU_KERN_ISA_COUNT; isa++) {
		for (mi = 0; mi < 2; mi++) {
			kern = npu_kern_select(isa, modes[mi]);
			if (kern->isa != isa && !(isa == NPU_KERN_ISA_AVX512_VNNI &&
						  kern->isa == NPU_KERN_ISA_AVX512))
				continue;	/* the CPU lacks this level */
			for (i = 0; i < PK_ARRAY_SIZE(pk_cases); i++) {
				struct pk_case k = pk_cases[i];

				if (depthwise) {
					k.oc = k.c * 2;
				}
				for (split = 0; split < 2; split++) {
					worst = pk_compare(_metadata, &k, gemm, depthwise, kern,
							   split, &mismatch);
					EXPECT_GE(1.0, worst) {
						TH_LOG("%s %s case %u split %u: error %.3g bounds",
						       kern->name, mi ? "fast" : "exact", i, split,
						       worst);
					}
					/*
					 * hard-sigmoid/-swish and sigmoid: the kernels'
					 * own formulas (Documentation/kernels.rst)
					 */
					if ((kern->flags & NPU_KERN_EXACT) &&
					    k.act <= NPU_ACT_CLIP) {
						EXPECT_EQ(0, mismatch) {
							TH_LOG("%s exact case %u split %u differs from the reference loops",
							       kern->name, i, split);
						}
					}
				}
			}
		}
	}
}

TEST(packed_conv_matches_reference)
{
	pk_run_all(_metadata, 0, 0);
}

TEST(packed_gemm_matches_reference)
{
	pk_run_all(_metadata, 1, 0);
}

TEST(depthwise_kernels_match_reference)
{
	pk_run_all(_metadata, 0, 1);
}

/*
 * int8: a quantized CONV2D (or GEMM) with packed I8 weights must give the
 * reference loops' bytes exactly, at every level and mode, whole and unit
 * by unit: the integers are exact and the requantization formula is shared.
 */
struct pq_case {
	__u32 n, c, h, w, oc, kh, kw, stride, dil, pad, act;
	__u32 x_signed, y_signed, per_channel;
	int zx, zw, zy;
};

static const struct pq_case pq_cases[] = {
	/* n   c   h   w  oc kh kw s d p act            xs ys pc  zx  zw  zy */
	{ 1,  3,  9, 11,  8, 3, 3, 1, 1, 1, NPU_ACT_NONE, 0, 0, 0, 128, 3, 120 },
	{ 2,  5,  7,  7, 13, 3, 3, 2, 1, 1, NPU_ACT_RELU, 1, 1, 1, -7, 0, -3 },
	{ 1, 16,  6, 20, 24, 1, 1, 1, 1, 0, NPU_ACT_CLIP, 0, 1, 0, 17, -9, 5 },
	{ 1,  4, 12,  9,  9, 5, 3, 1, 2, 2, NPU_ACT_NONE, 1, 0, 1, 0, 0, 200 },
	{ 1, 33, 10, 31, 40, 3, 3, 1, 1, 1, NPU_ACT_RELU, 0, 0, 0, 255, -128, 0 },
	{ 1, 130, 4,  5,  8, 1, 1, 1, 1, 0, NPU_ACT_NONE, 1, 1, 1, 127, 0, 0 },
};

static float pq_uniform(__u64 *seed, float lo, float hi)
{
	return cb_randf(seed, lo, hi);
}

/* returns the number of output bytes that differ from the reference */
static unsigned long pq_compare(struct __test_metadata *_metadata, const struct pq_case *k,
				int gemm, const struct npu_kern_ops *kern, int split)
{
	struct npu_op_conv2d cp = {
		.stride_h = k->stride, .stride_w = k->stride,
		.dilation_h = k->dil, .dilation_w = k->dil,
		.pad_top = k->pad, .pad_left = k->pad, .pad_bottom = k->pad,
		.pad_right = k->pad, .groups = 1,
	};
	__u32 oh = cb_conv_out(k->h, k->kh, k->stride, k->dil, k->pad, k->pad);
	__u32 ow = cb_conv_out(k->w, k->kw, k->stride, k->dil, k->pad, k->pad);
	__u32 kk = gemm ? k->c : k->c * k->kh * k->kw, x, w, b, y, sc = 0, i;
	__u32 xdt = k->x_signed ? NPU_DTYPE_I8 : NPU_DTYPE_U8;
	__u32 ydt = k->y_signed ? NPU_DTYPE_I8 : NPU_DTYPE_U8;
	__u64 seed = 7 + k->c * 13 + k->oc, n;
	float sx = 0.05f, sw = 0.01f, sy;
	struct cb ref, pk;
	struct cb_mem mr, mp;
	struct npu_fw_diag d;
	unsigned long bad = 0;
	__u8 *bytes;
	__s32 *bias;
	float *scales;
	struct npu_cmd_op *op;

	/* outputs mostly inside the range: |acc| ~ 74 * 74 * sqrt(K) */
	sy = sx * sw * 74.0f * 74.0f * sqrtf((float)kk) / 40.0f;
	for (i = 0; i < 2; i++) {
		struct cb *c = i ? &pk : &ref;

		cb_init(c);
		if (k->per_channel)
			sc = CB_T(c, 0, NPU_DTYPE_F32, k->oc);
		if (gemm) {
			x = CB_T(c, 0, xdt, k->n * k->h, k->c);
			w = CB_T(c, 2, NPU_DTYPE_I8, k->oc, k->c);
			b = CB_T(c, 0, NPU_DTYPE_I32, k->oc);
			y = CB_T(c, 1, ydt, k->n * k->h, k->oc);
			op = cb_gemm(c, x, w, b, y, NPU_GEMM_TRANS_B);
			cb_act(&op->gemm.activation, &op->gemm.act_min, &op->gemm.act_max,
			       k->act, -0.5f, 3.0f);
		} else {
			x = CB_T(c, 0, xdt, k->n, k->c, k->h, k->w);
			w = CB_T(c, 2, NPU_DTYPE_I8, k->oc, k->c, k->kh, k->kw);
			b = CB_T(c, 0, NPU_DTYPE_I32, k->oc);
			y = CB_T(c, 1, ydt, k->n, k->oc, oh, ow);
			op = cb_conv(c, x, w, b, y, &cp);
			cb_act(&op->conv2d.activation, &op->conv2d.act_min, &op->conv2d.act_max,
			       k->act, -0.5f, 3.0f);
		}
		cb_quant(c, x, sx, k->zx);
		cb_quant(c, y, sy, k->zy);
		if (k->per_channel)
			cb_quant_pc(c, w, 0, sc);
		else
			cb_quant(c, w, sw, k->zw);
		if (i) {
			c->t[w].flags = NPU_TENSOR_PACKED_V1;
			c->bo_size[2] = npu_kern_pack_q8_size(k->oc, kk);
		}
		cb_finish(c);
		ASSERT_EQ(0, cb_validate(c, &d)) {
			TH_LOG("%s: op %d tensor %d: %s", i ? "packed" : "dense", d.op,
			       d.tensor, d.msg);
		}
	}
	cb_mem_alloc(&ref, &mr, 0);
	cb_mem_alloc(&pk, &mp, 0x5a);
	bytes = cb_ptr(&ref, &mr, x);
	for (n = 0; n < cb_tensor_elems(&ref.t[x]); n++)
		bytes[n] = (__u8)cb_rand(&seed);
	bytes = cb_ptr(&ref, &mr, w);
	for (n = 0; n < cb_tensor_elems(&ref.t[w]); n++)
		bytes[n] = (__u8)cb_rand(&seed);
	bias = cb_ptr(&ref, &mr, b);
	for (n = 0; n < k->oc; n++)
		bias[n] = (__s32)cb_rand_below(&seed, 20001) - 10000;
	if (k->per_channel) {
		scales = cb_ptr(&ref, &mr, sc);
		for (n = 0; n < k->oc; n++)
			scales[n] = pq_uniform(&seed, 0.002f, 0.02f);
		memcpy(cb_ptr(&pk, &mp, sc), scales, cb_tensor_bytes(&ref.t[sc]));
	}
	memcpy(cb_ptr(&pk, &mp, x), cb_ptr(&ref, &mr, x), cb_tensor_bytes(&ref.t[x]));
	memcpy(cb_ptr(&pk, &mp, b), bias, cb_tensor_bytes(&ref.t[b]));
	npu_kern_pack_q8(cb_ptr(&pk, &mp, w), cb_ptr(&ref, &mr, w), kk, 1, k->oc, kk);

	pk_exec(&ref, &mr, NULL, 0);
	pk_exec(&pk, &mp, kern, split);
	for (n = 0; n < cb_tensor_bytes(&ref.t[y]); n++)
		bad += ((__u8 *)cb_ptr(&ref, &mr, y))[n] != ((__u8 *)cb_ptr(&pk, &mp, y))[n];
	cb_mem_free(&mr);
	cb_mem_free(&mp);
	cb_free(&ref);
	cb_free(&pk);
	return bad;
}

static void pq_run_all(struct __test_metadata *_metadata, int gemm)
{
	static const __u32 modes[] = { NPU_KERN_EXACT, 0 };
	const struct npu_kern_ops *kern;
	unsigned int i, isa, mi, split, levels = 0;

	for (isa = 0; isa < NPU_KERN_ISA_COUNT; isa++) {
		for (mi = 0; mi < 2; mi++) {
			kern = npu_kern_select(isa, modes[mi]);
			if (kern->isa != isa)
				continue;	/* the CPU lacks this level */
			levels++;
			for (i = 0; i < PK_ARRAY_SIZE(pq_cases); i++)
				for (split = 0; split < 2; split++)
					EXPECT_EQ(0, pq_compare(_metadata, &pq_cases[i], gemm,
								kern, split)) {
						TH_LOG("%s (int8 %s) %s case %u split %u",
						       kern->name,
						       npu_kern_isa_name(kern->q8_isa),
						       mi ? "fast" : "exact", i, split);
					}
		}
	}
	EXPECT_LE(2, levels);
	/* and without a table: the scalar kernels */
	EXPECT_EQ(0, pq_compare(_metadata, &pq_cases[1], gemm, NULL, 1));
}

TEST(packed_q8_conv_matches_reference)
{
	pq_run_all(_metadata, 0);
}

TEST(packed_q8_gemm_matches_reference)
{
	pq_run_all(_metadata, 1);
}

/* the int8 kernels' scratch for the most columns the validator lets through */
TEST(packed_q8_scratch_fits)
{
	EXPECT_GE(NPU_FW_SCRATCH_MAX,
		  npu_kern_scratch_size(NPU_KERN_GEMM_Q8, NPU_TENSOR_PACKED_Q8_MAX_COLS));
}

/* the scalar EXACT kernels serve packed weights when the job has no table */
TEST(packed_without_table_uses_scalar)
{
	struct pk_case k = { 1, 3, 9, 11, 8, 3, 3, 1, 1, 1, NPU_ACT_RELU };
	int mismatch;

	EXPECT_GE(1.0, pk_compare(_metadata, &k, 0, 0, NULL, 1, &mismatch));
	EXPECT_EQ(0, mismatch);
}

/* validator: where the flag may appear, what it costs in bytes */
static int pk_validate_conv(__u32 groups, __u32 wflags, __u32 yflags, __u32 oc,
			    __u64 shrink, const char **msg)
{
	struct npu_op_conv2d cp = {
		.stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1,
		.groups = groups,
	};
	struct npu_fw_diag d;
	struct cb c;
	__u32 x, w, y;
	int ret;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 1, 4, 5, 5);
	w = CB_T(&c, 1, NPU_DTYPE_F32, oc, 4 / groups, 3, 3);
	y = CB_T(&c, 2, NPU_DTYPE_F32, 1, oc, 3, 3);
	cb_conv(&c, x, w, NPU_CMD_NO_TENSOR, y, &cp);
	c.t[w].flags = wflags;
	c.t[y].flags = yflags;
	/* room for the packed size of W */
	c.bo_size[1] = 32 * ((oc + 7) / 8) * (4 / groups) * 9 - shrink;
	if (yflags)
		c.bo_size[2] = 32 * oc * 9;	/* the packed size of Y: 1 panel */
	cb_finish(&c);
	ret = cb_validate(&c, &d);
	*msg = d.msg;
	cb_free(&c);
	return ret;
}

TEST(validator_packed_rules)
{
	const char *msg;

	EXPECT_EQ(0, pk_validate_conv(1, NPU_TENSOR_PACKED_V1, 0, 6, 0, &msg));
	/* 6 rows take a whole 8-row panel: one byte less is out of the BO */
	EXPECT_EQ(-ERANGE, pk_validate_conv(1, NPU_TENSOR_PACKED_V1, 0, 6, 1, &msg));
	EXPECT_EQ(-EINVAL, pk_validate_conv(2, NPU_TENSOR_PACKED_V1, 0, 6, 0, &msg));
	EXPECT_STREQ("packed tensor where the op reads or writes dense data", msg);
	EXPECT_EQ(-EINVAL, pk_validate_conv(1, NPU_TENSOR_PACKED_V1, NPU_TENSOR_PACKED_V1,
					    8, 0, &msg));
	EXPECT_EQ(-EINVAL, pk_validate_conv(1, 0x2, 0, 8, 0, &msg));
	EXPECT_STREQ("unknown tensor flags", msg);
	EXPECT_EQ(-EINVAL, pk_validate_conv(1, 0x80000001U, 0, 8, 0, &msg));
}

TEST(validator_packed_gemm_needs_trans_b_and_f32)
{
	struct npu_fw_diag d;
	struct cb c;
	__u32 a, b, y;

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_F32, 2, 8);
	b = CB_T(&c, 0, NPU_DTYPE_F32, 8, 8);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 2, 8);
	cb_gemm(&c, a, b, NPU_CMD_NO_TENSOR, y, 0);
	c.t[b].flags = NPU_TENSOR_PACKED_V1;
	cb_finish(&c);
	EXPECT_EQ(-EINVAL, cb_validate(&c, &d));
	EXPECT_EQ(1, d.tensor);
	c.op[0].gemm.flags = NPU_GEMM_TRANS_B;
	cb_finish(&c);
	EXPECT_EQ(0, cb_validate(&c, &d)) {
		TH_LOG("%s", d.msg);
	}
	/* packed A: a dense slot */
	c.t[a].flags = NPU_TENSOR_PACKED_V1;
	cb_finish(&c);
	EXPECT_EQ(-EINVAL, cb_validate(&c, &d));
	EXPECT_EQ(0, d.tensor);
	c.t[a].flags = 0;
	/* packed I32: not F32 */
	c.t[b].dtype = NPU_DTYPE_I32;
	cb_finish(&c);
	EXPECT_EQ(-EINVAL, cb_validate(&c, &d));
	EXPECT_STREQ("packed tensor not F32 or I8", d.msg);
	cb_free(&c);
}

/* a quantized 1x1 CONV2D of @c input channels with packed I8 W in BO 2 */
static int pq_validate(__u32 c_in, __u32 wdtype, __u64 woffset, long grow, const char **msg)
{
	struct npu_op_conv2d cp = {
		.stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1,
		.groups = 1,
	};
	static struct npu_fw_diag d;
	struct cb c;
	__u32 x, w, y;
	int ret;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_U8, 1, c_in, 2, 2);
	w = CB_T(&c, 2, wdtype, 6, c_in, 1, 1);
	y = CB_T(&c, 1, NPU_DTYPE_U8, 1, 6, 2, 2);
	cb_conv(&c, x, w, NPU_CMD_NO_TENSOR, y, &cp);
	cb_quant(&c, x, 0.1f, 3);
	cb_quant(&c, w, 0.1f, 0);
	cb_quant(&c, y, 0.1f, 3);
	c.t[w].flags = NPU_TENSOR_PACKED_V1;
	c.t[w].offset = woffset;
	c.bo_size[2] = woffset + npu_kern_pack_q8_size(6, c_in) + grow;
	cb_finish(&c);
	ret = cb_validate(&c, &d);
	*msg = d.msg;
	cb_free(&c);
	return ret;
}

TEST(validator_packed_q8_rules)
{
	const char *msg;

	EXPECT_EQ(0, pq_validate(10, NPU_DTYPE_I8, 0, 0, &msg)) {
		TH_LOG("%s", msg);
	}
	/* 6 rows: one 8-row panel of ceil(10 / 4) groups, then 8 row sums */
	EXPECT_EQ(32 * 3 + 32UL, npu_kern_pack_q8_size(6, 10));
	EXPECT_EQ(-ERANGE, pq_validate(10, NPU_DTYPE_I8, 0, -1, &msg));
	EXPECT_EQ(0, pq_validate(10, NPU_DTYPE_I8, 4, 0, &msg));
	EXPECT_EQ(-EINVAL, pq_validate(10, NPU_DTYPE_I8, 2, 0, &msg));
	EXPECT_STREQ("packed tensor offset not 4-byte aligned", msg);
	EXPECT_EQ(0, pq_validate(NPU_TENSOR_PACKED_Q8_MAX_COLS, NPU_DTYPE_I8, 0, 0, &msg));
	EXPECT_EQ(-E2BIG, pq_validate(NPU_TENSOR_PACKED_Q8_MAX_COLS + 1, NPU_DTYPE_I8, 0, 0,
				      &msg));
	EXPECT_STREQ("packed I8 tensor with too many columns", msg);
	EXPECT_EQ(-EINVAL, pq_validate(10, NPU_DTYPE_U8, 0, 0, &msg));
	EXPECT_STREQ("packed tensor not F32 or I8", msg);
}

/*
 * CONV_TRANSPOSE2D 2x2 stride 2 (the segmentation heads' upsampling) has
 * its own loop in npu_fw_ops.c and, with a kernel table, a GEMM path: both
 * must give exactly the sums of the documented order (bias, then input
 * channels ascending; FAST: within a summation bound), for grouped and
 * odd-width cases too, whole and unit by unit; a 2x2 stride-2 op with
 * padding still takes the general loop and is checked the same way.
 */
TEST(convt_2x2_stride2_matches_naive)
{
	static const struct { __u32 c, oc, h, w, groups, pad, nobias; } cases[] = {
		{ 24, 24, 5, 13, 1, 0, 0 }, { 4, 1, 3, 9, 1, 0, 0 }, { 6, 4, 4, 7, 2, 0, 0 },
		{ 3, 2, 4, 5, 1, 1, 0 },
		/* 4 * OC = 256 rows: result chunks of 64 columns, three per row; no bias */
		{ 8, 64, 2, 150, 1, 0, 1 },
	};
	unsigned int i, split;

	for (i = 0; i < PK_ARRAY_SIZE(cases) * 3; i++) {
		/* the reference loops, the GEMM path in EXACT and in FAST mode */
		const struct npu_kern_ops *kern = i % 3 == 0 ? NULL :
			npu_kern_select(NPU_KERN_ISA_COUNT, i % 3 == 1 ? NPU_KERN_EXACT : 0);

		for (split = 0; split < 2; split++) {
			__u32 c = cases[i / 3].c, oc = cases[i / 3].oc, h = cases[i / 3].h;
			__u32 w = cases[i / 3].w, g = cases[i / 3].groups, pad = cases[i / 3].pad;
			__u32 oh = 2 * h - 2 * pad, ow = 2 * w - 2 * pad, ocg = oc / g, cg = c / g;
			struct npu_op_conv2d cp = {
				.stride_h = 2, .stride_w = 2, .dilation_h = 1, .dilation_w = 1,
				.pad_top = pad, .pad_left = pad, .pad_bottom = pad,
				.pad_right = pad, .groups = g,
			};
			struct npu_fw_diag d;
			__u64 seed = 7 + i;
			struct cb_mem m;
			struct npu_cmd_op *op;
			const float *x, *wt, *b, *y;
			__u32 xi, wi, bi, yi, o, r, q, ic, bad = 0;
			struct cb cb;

			cb_init(&cb);
			xi = CB_T(&cb, 0, NPU_DTYPE_F32, 1, c, h, w);
			wi = CB_T(&cb, 0, NPU_DTYPE_F32, c, ocg, 2, 2);
			bi = cases[i / 3].nobias ? NPU_CMD_NO_TENSOR : CB_T(&cb, 0, NPU_DTYPE_F32, oc);
			yi = CB_T(&cb, 1, NPU_DTYPE_F32, 1, oc, oh, ow);
			op = cb_conv(&cb, xi, wi, bi, yi, &cp);
			op->opcode = NPU_OP_CONV_TRANSPOSE2D;
			cb_finish(&cb);
			ASSERT_EQ(0, cb_validate(&cb, &d)) {
				TH_LOG("case %u: %s", i, d.msg);
			}
			cb_mem_alloc(&cb, &m, 0x55);
			pk_fill(cb_ptr(&cb, &m, xi), cb_tensor_elems(&cb.t[xi]), &seed);
			pk_fill(cb_ptr(&cb, &m, wi), cb_tensor_elems(&cb.t[wi]), &seed);
			if (bi != NPU_CMD_NO_TENSOR)
				pk_fill(cb_ptr(&cb, &m, bi), oc, &seed);
			pk_exec(&cb, &m, kern, split);
			x = cb_ptr(&cb, &m, xi);
			wt = cb_ptr(&cb, &m, wi);
			b = bi == NPU_CMD_NO_TENSOR ? NULL : cb_ptr(&cb, &m, bi);
			y = cb_ptr(&cb, &m, yi);
			for (o = 0; o < oc; o++)
				for (r = 0; r < oh; r++)
					for (q = 0; q < ow; q++) {
						__u32 ih = (r + pad) / 2, iw = (q + pad) / 2;
						__u32 kh = (r + pad) % 2, kw = (q + pad) % 2;
						float acc = b ? b[o] : 0.0f;

						for (ic = (o / ocg) * cg; ic < (o / ocg + 1) * cg; ic++)
							acc += x[(ic * h + ih) * w + iw] *
							       wt[((ic * ocg + o % ocg) * 2 + kh) * 2 + kw];
						if (kern && !(kern->flags & NPU_KERN_EXACT) ?
						    fabsf(acc - y[(o * oh + r) * ow + q]) >
						    ldexpf(cg + 2.0f, -20) :
						    acc != y[(o * oh + r) * ow + q])
							bad++;
					}
			EXPECT_EQ(0U, bad) {
				TH_LOG("case %u %s split %u: %u of %u outputs differ", i / 3,
				       kern ? kern->name : "loops", split, bad, oc * oh * ow);
			}
			cb_mem_free(&m);
			cb_free(&cb);
		}
	}
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Host unit tests of npu_fw_validate(): good streams of every op are
 * accepted; every hostile variant is rejected with the exact errno,
 * diag.op and diag.tensor, and the untouched stream is accepted again
 * afterwards; a fixed-seed mutation run checks that neither the validator
 * nor the interpreter on what it accepts touches memory it must not
 * (build with -fsanitize=address,undefined).
 */
#include <errno.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "cmdbuild.h"

enum base {
	BASE_GEMM,	/* t0 A f32 [4,8], t1 B [8,5], t2 bias [5] (BO0); t3 Y [4,5] (BO1) */
	BASE_GEMM_Q,	/* t0 A u8 [3,5], t1 B i8 [N=5,K=5] per-channel (TRANS_B),
			 * t2 scales f32 [5], t3 bias i32 [5] (BO0); t4 Y i8 [3,5] (BO1)
			 */
	BASE_CONV,	/* t0 X f32 [1,4,7,7], t1 W [6,2,3,3], t2 bias [6] (BO0);
			 * t3 Y [1,6,4,4] (BO1); groups 2, stride 2, pads 1
			 */
	BASE_CONV_Q,	/* as BASE_CONV, X u8, W i8 per-channel (t2 scales),
			 * t3 bias i32, t4 Y u8 (BO1), RELU
			 */
	BASE_CONV_DW,	/* depthwise, dilation 2, asymmetric pads, stride (1,2) */
	BASE_ADD,	/* t0 A f32 [2,3,4], t1 B [3,1] (BO0); t2 Y [2,3,4] (BO1) */
	BASE_ADD_Q,	/* as BASE_ADD, all I8 per-tensor */
	BASE_RELU,	/* t0 X f32 [16] at 0, t1 Y [16] at 64 of BO0 (192 bytes) */
	BASE_CLIP_Q,	/* t0 X i8 [10], t1 Y i8 [10] (BO1), same quantization */
	BASE_CHAIN,	/* GEMM -> RELU -> ADD */
	BASE_COUNT,
};

static void build_base(struct cb *c, int base)
{
	struct npu_op_conv2d cp = {
		.stride_h = 2, .stride_w = 2, .dilation_h = 1, .dilation_w = 1,
		.pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1,
		.groups = 2,
	};
	struct npu_cmd_op *op;
	__u32 a, b, s, bias, y, r, z;

	cb_init(c);
	switch (base) {
	case BASE_GEMM:
		a = CB_T(c, 0, NPU_DTYPE_F32, 4, 8);
		b = CB_T(c, 0, NPU_DTYPE_F32, 8, 5);
		bias = CB_T(c, 0, NPU_DTYPE_F32, 5);
		y = CB_T(c, 1, NPU_DTYPE_F32, 4, 5);
		cb_gemm(c, a, b, bias, y, 0);
		break;
	case BASE_GEMM_Q:
		a = CB_T(c, 0, NPU_DTYPE_U8, 3, 5);
		b = CB_T(c, 0, NPU_DTYPE_I8, 5, 5);
		s = CB_T(c, 0, NPU_DTYPE_F32, 5);
		bias = CB_T(c, 0, NPU_DTYPE_I32, 5);
		y = CB_T(c, 1, NPU_DTYPE_I8, 3, 5);
		cb_quant(c, a, 0.05f, 128);
		cb_quant_pc(c, b, 0, s);
		cb_quant(c, y, 0.1f, -3);
		cb_gemm(c, a, b, bias, y, NPU_GEMM_TRANS_B);
		break;
	case BASE_CONV:
		a = CB_T(c, 0, NPU_DTYPE_F32, 1, 4, 7, 7);
		b = CB_T(c, 0, NPU_DTYPE_F32, 6, 2, 3, 3);
		bias = CB_T(c, 0, NPU_DTYPE_F32, 6);
		y = CB_T(c, 1, NPU_DTYPE_F32, 1, 6, 4, 4);
		cb_conv(c, a, b, bias, y, &cp);
		break;
	case BASE_CONV_Q:
		a = CB_T(c, 0, NPU_DTYPE_U8, 1, 4, 7, 7);
		b = CB_T(c, 0, NPU_DTYPE_I8, 6, 2, 3, 3);
		s = CB_T(c, 0, NPU_DTYPE_F32, 6);
		bias = CB_T(c, 0, NPU_DTYPE_I32, 6);
		y = CB_T(c, 1, NPU_DTYPE_U8, 1, 6, 4, 4);
		cb_quant(c, a, 0.02f, 100);
		cb_quant_pc(c, b, 0, s);
		cb_quant(c, y, 0.05f, 10);
		op = cb_conv(c, a, b, bias, y, &cp);
		op->conv2d.activation = NPU_ACT_RELU;
		break;
	case BASE_CONV_DW:
		cp.groups = 3;
		cp.dilation_h = 2;
		cp.dilation_w = 2;
		cp.stride_h = 1;
		cp.pad_top = 2;
		cp.pad_bottom = 0;
		cp.pad_left = 0;
		cp.pad_right = 3;
		a = CB_T(c, 0, NPU_DTYPE_F32, 2, 3, 6, 5);
		b = CB_T(c, 0, NPU_DTYPE_F32, 3, 1, 3, 3);
		y = CB_T(c, 1, NPU_DTYPE_F32, 2, 3, cb_conv_out(6, 3, 1, 2, 2, 0),
			 cb_conv_out(5, 3, 2, 2, 0, 3));
		cb_conv(c, a, b, NPU_CMD_NO_TENSOR, y, &cp);
		break;
	case BASE_ADD:
		a = CB_T(c, 0, NPU_DTYPE_F32, 2, 3, 4);
		b = CB_T(c, 0, NPU_DTYPE_F32, 3, 1);
		y = CB_T(c, 1, NPU_DTYPE_F32, 2, 3, 4);
		cb_bo_reserve(c, 0, 128);
		cb_add(c, a, b, y);
		break;
	case BASE_ADD_Q:
		a = CB_T(c, 0, NPU_DTYPE_I8, 2, 3, 4);
		b = CB_T(c, 0, NPU_DTYPE_I8, 3, 1);
		y = CB_T(c, 1, NPU_DTYPE_I8, 2, 3, 4);
		cb_quant(c, a, 0.1f, -5);
		cb_quant(c, b, 0.2f, 2);
		cb_quant(c, y, 0.25f, 0);
		op = cb_add(c, a, b, y);
		op->eltwise.activation = NPU_ACT_RELU;
		break;
	case BASE_RELU:
		a = CB_T(c, 0, NPU_DTYPE_F32, 16);
		y = CB_T(c, 0, NPU_DTYPE_F32, 16);
		cb_bo_reserve(c, 0, 64);
		cb_relu(c, a, y);
		break;
	case BASE_CLIP_Q:
		a = CB_T(c, 0, NPU_DTYPE_I8, 10);
		y = CB_T(c, 1, NPU_DTYPE_I8, 10);
		cb_quant(c, a, 0.5f, 3);
		cb_quant(c, y, 0.5f, 3);
		cb_clip(c, a, y, -1.0f, 2.0f);
		break;
	case BASE_CHAIN:
		a = CB_T(c, 0, NPU_DTYPE_F32, 2, 6);
		b = CB_T(c, 0, NPU_DTYPE_F32, 6, 3);
		y = CB_T(c, 1, NPU_DTYPE_F32, 2, 3);
		r = CB_T(c, 2, NPU_DTYPE_F32, 2, 3);
		s = CB_T(c, 0, NPU_DTYPE_F32, 3);
		z = CB_T(c, 3, NPU_DTYPE_F32, 2, 3);
		cb_gemm(c, a, b, NPU_CMD_NO_TENSOR, y, 0);
		cb_relu(c, y, r);
		op = cb_add(c, r, s, z);
		cb_act(&op->eltwise.activation, &op->eltwise.act_min, &op->eltwise.act_max,
		       NPU_ACT_CLIP, -0.5f, 0.5f);
		break;
	}
	cb_finish(c);
}

/* the arguments of one npu_fw_validate() call, for mutations to change */
struct call {
	__u32 size;
	__u32 bo_count;
	__u64 bo_size[2 * NPU_FW_MAX_BOS];
	struct npu_fw_limits lim;
};

static int call_validate(struct cb *c, const struct call *k, struct npu_fw_diag *d)
{
	return npu_fw_validate(c->buf, k->size, k->bo_size, k->bo_count, &k->lim, d);
}

/* run every op of an accepted stream on BOs of exactly the given sizes */
static void run_on_exact_bos(const void *cmd, const __u64 *bo_size, __u32 bo_count,
			     __u64 *seed)
{
	void *bo[NPU_FW_MAX_BOS];
	struct npu_fw_job job = { .cmd = cmd, .bo_vaddr = bo };
	const struct npu_cmd_header *h = cmd;
	__u32 i, u, j;

	for (i = 0; i < bo_count; i++) {
		bo[i] = malloc(bo_size[i] ? bo_size[i] : 1);
		if (!bo[i])
			abort();
		for (j = 0; j < bo_size[i]; j++)
			((__u8 *)bo[i])[j] = (__u8)cb_rand(seed);
	}
	for (i = 0; i < h->num_ops; i++) {
		u = npu_fw_units(&job, i);
		if (u == 0)
			abort();
		npu_fw_run(&job, i, 0, u);
	}
	for (i = 0; i < bo_count; i++)
		free(bo[i]);
}

FIXTURE(hostile) {
	struct cb c;
	struct call k;
};

FIXTURE_VARIANT(hostile) {
	int base;
	void (*mut)(struct cb *c, struct call *k);
	int err;
	int op;
	int tensor;
};

FIXTURE_SETUP(hostile)
{
	unsigned int i;

	build_base(&self->c, variant->base);
	memset(&self->k, 0, sizeof(self->k));
	self->k.size = self->c.size;
	self->k.bo_count = self->c.nbos;
	for (i = 0; i < self->c.nbos; i++)
		self->k.bo_size[i] = self->c.bo_size[i];
	self->k.lim = self->c.lim;
}

FIXTURE_TEARDOWN(hostile)
{
	cb_free(&self->c);
}

TEST_F(hostile, check)
{
	struct npu_fw_diag d;
	struct call pristine_k = self->k;
	void *pristine = malloc(self->c.size);
	__u64 seed = 42;
	int ret;

	ASSERT_NE(NULL, pristine);
	memcpy(pristine, self->c.buf, self->c.size);
	ASSERT_EQ(0, cb_validate(&self->c, &d)) TH_LOG("base stream rejected: %s", d.msg);

	variant->mut(&self->c, &self->k);
	memset(&d, 0x5a, sizeof(d));
	ret = call_validate(&self->c, &self->k, &d);
	EXPECT_EQ(variant->err, ret) TH_LOG("diag: op %d tensor %d: %s", d.op, d.tensor, d.msg);
	EXPECT_EQ(variant->op, d.op) TH_LOG("%s", d.msg);
	EXPECT_EQ(variant->tensor, d.tensor) TH_LOG("%s", d.msg);
	ASSERT_NE(NULL, d.msg);
	if (variant->err) {
		EXPECT_NE(0, d.msg[0]);
		EXPECT_EQ(0, d.bos_read);
		EXPECT_EQ(0, d.bos_written);
	} else {
		EXPECT_EQ(0, d.msg[0]);
		if (ret == 0 && self->k.bo_size[0] < (1U << 20) && self->k.bo_size[1] < (1U << 20))
			run_on_exact_bos(self->c.buf, self->k.bo_size, self->k.bo_count, &seed);
	}

	/* the validator kept no state: the untouched stream is still fine */
	memcpy(self->c.buf, pristine, self->c.size);
	EXPECT_EQ(0, call_validate(&self->c, &pristine_k, &d)) TH_LOG("%s", d.msg);
	EXPECT_EQ(-1, d.op);
	EXPECT_EQ(-1, d.tensor);
	free(pristine);
}

#define H	(cb_hdr(c))
#define T(i)	(cb_ten(c, i))
#define O(i)	(cb_op(c, i))
#define F(x)	(cb_f32bits(x))
#define NT	NPU_CMD_NO_TENSOR

/* put the op list first and the tensor table after it */
static void swap_tables(struct cb *c)
{
	__u32 tbytes = H->num_tensors * sizeof(struct npu_cmd_tensor);
	__u32 obytes = H->num_ops * sizeof(struct npu_cmd_op);
	char *p = c->buf, *tmp = malloc(tbytes + obytes);

	if (!tmp)
		abort();
	memcpy(tmp, p + H->op_offset, obytes);
	memcpy(tmp + obytes, p + H->tensor_offset, tbytes);
	memcpy(p + 32, tmp, tbytes + obytes);
	H->op_offset = 32;
	H->tensor_offset = 32 + obytes;
	free(tmp);
}

#define CASE(name, base_, err_, op_, tensor_, ...)				\
	static void mut_##name(struct cb *c, struct call *k)			\
	{									\
		(void)c;							\
		(void)k;							\
		__VA_ARGS__							\
	}									\
	FIXTURE_VARIANT_ADD(hostile, name) {					\
		.base = base_, .mut = mut_##name, .err = err_,			\
		.op = op_, .tensor = tensor_,					\
	}

#define BAD(name, base_, err_, op_, tensor_, ...) \
	CASE(name, base_, -(err_), op_, tensor_, __VA_ARGS__)
#define GOOD(name, base_, ...) CASE(name, base_, 0, -1, -1, __VA_ARGS__)

/* every base as built */
GOOD(base_gemm, BASE_GEMM, );
GOOD(base_gemm_q, BASE_GEMM_Q, );
GOOD(base_conv, BASE_CONV, );
GOOD(base_conv_q, BASE_CONV_Q, );
GOOD(base_conv_dw, BASE_CONV_DW, );
GOOD(base_add, BASE_ADD, );
GOOD(base_add_q, BASE_ADD_Q, );
GOOD(base_relu, BASE_RELU, );
GOOD(base_clip_q, BASE_CLIP_Q, );
GOOD(base_chain, BASE_CHAIN, );

/* header */
BAD(bad_magic, BASE_GEMM, EINVAL, -1, -1, H->magic ^= 1;);
BAD(version_0, BASE_GEMM, EINVAL, -1, -1, H->version = 0;);
BAD(version_2, BASE_GEMM, EINVAL, -1, -1, H->version = 2;);
BAD(header_size_40, BASE_GEMM, EINVAL, -1, -1, H->header_size = 40;);
BAD(header_size_0, BASE_GEMM, EINVAL, -1, -1, H->header_size = 0;);
BAD(size_field_larger, BASE_GEMM, EINVAL, -1, -1, H->size += 8;);
BAD(size_field_smaller, BASE_GEMM, EINVAL, -1, -1, H->size -= 8;);
BAD(truncated, BASE_GEMM, EINVAL, -1, -1, k->size -= 8; H->size -= 8;);
BAD(shorter_than_header, BASE_GEMM, EINVAL, -1, -1, k->size = 24;);
BAD(empty, BASE_GEMM, EINVAL, -1, -1, k->size = 0;);
BAD(above_max_cmd_size, BASE_GEMM, E2BIG, -1, -1, k->lim.max_cmd_size = k->size - 1;);
BAD(header_flags, BASE_GEMM, EINVAL, -1, -1, H->flags = 1;);
BAD(header_reserved, BASE_GEMM, EINVAL, -1, -1, H->reserved = 0x80000000U;);
BAD(zero_tensors, BASE_GEMM, EINVAL, -1, -1, H->num_tensors = 0;);
BAD(too_many_tensors, BASE_GEMM, E2BIG, -1, -1, k->lim.max_tensors = 3;);
BAD(tensor_count_past_end, BASE_GEMM, EINVAL, -1, -1,
    H->num_tensors = 0xffff; k->lim.max_tensors = 0xffff;);
BAD(tensor_table_into_ops, BASE_GEMM, EINVAL, -1, -1, H->num_tensors = 5;);
BAD(zero_ops, BASE_GEMM, EINVAL, -1, -1, H->num_ops = 0;);
BAD(too_many_ops, BASE_CHAIN, E2BIG, -1, -1, k->lim.max_ops = 2;);
BAD(op_count_past_end, BASE_GEMM, EINVAL, -1, -1, H->num_ops = 2;);
BAD(tensor_offset_misaligned, BASE_GEMM, EINVAL, -1, -1, H->tensor_offset += 4;);
BAD(op_offset_misaligned, BASE_GEMM, EINVAL, -1, -1, H->op_offset -= 4;);
BAD(tensor_table_over_header, BASE_GEMM, EINVAL, -1, -1, H->tensor_offset = 0;);
BAD(tensor_table_in_header, BASE_GEMM, EINVAL, -1, -1, H->tensor_offset = 24;);
BAD(op_list_over_header, BASE_GEMM, EINVAL, -1, -1, H->op_offset = 8;);
BAD(tensor_offset_huge, BASE_GEMM, EINVAL, -1, -1, H->tensor_offset = 0xfffffff8U;);
BAD(op_offset_huge, BASE_GEMM, EINVAL, -1, -1, H->op_offset = 0xfffffff8U;);
BAD(op_list_past_end, BASE_GEMM, EINVAL, -1, -1, H->op_offset += 8;);
BAD(tables_overlap, BASE_GEMM, EINVAL, -1, -1, H->op_offset = H->tensor_offset + 64;);
BAD(tables_same, BASE_GEMM, EINVAL, -1, -1, H->op_offset = H->tensor_offset;);
BAD(too_many_bos, BASE_GEMM, E2BIG, -1, -1, k->bo_count = NPU_FW_MAX_BOS + 1;);
GOOD(tables_swapped, BASE_GEMM, swap_tables(c););

/* tensor descriptors */
BAD(tensor_flags, BASE_GEMM, EINVAL, -1, 1, T(1)->flags = 1;);
BAD(tensor_reserved, BASE_GEMM, EINVAL, -1, 2, T(2)->reserved = 1;);
BAD(bo_index_range, BASE_GEMM, EINVAL, -1, 3, T(3)->bo_index = 2;);
BAD(bo_index_huge, BASE_GEMM, EINVAL, -1, 0, T(0)->bo_index = 0xffffffffU;);
BAD(bo_count_smaller, BASE_GEMM, EINVAL, -1, 3, k->bo_count = 1;);
BAD(dtype_unknown, BASE_GEMM, EINVAL, -1, 0, T(0)->dtype = NPU_DTYPE_COUNT;);
BAD(dtype_huge, BASE_GEMM, EINVAL, -1, 1, T(1)->dtype = 0x80000001U;);
BAD(ndim_0, BASE_GEMM, EINVAL, -1, 0, T(0)->ndim = 0;);
BAD(ndim_5, BASE_GEMM, EINVAL, -1, 0, T(0)->ndim = 5;);
BAD(zero_dim, BASE_GEMM, EINVAL, -1, 1, T(1)->shape[1] = 0;);
BAD(zero_dim_first, BASE_GEMM, EINVAL, -1, 3, T(3)->shape[0] = 0;);
BAD(dim_past_ndim, BASE_GEMM, EINVAL, -1, 2, T(2)->shape[1] = 1;);
BAD(dim_past_ndim_last, BASE_GEMM, EINVAL, -1, 0, T(0)->shape[3] = 1;);
BAD(elems_overflow_2_64, BASE_GEMM, E2BIG, -1, 0,
    T(0)->ndim = 4; T(0)->shape[0] = 65536; T(0)->shape[1] = 65536;
    T(0)->shape[2] = 65536; T(0)->shape[3] = 65536;);
BAD(elems_u32_max, BASE_GEMM, E2BIG, -1, 1,
    T(1)->ndim = 4; T(1)->shape[0] = 0xffffffffU; T(1)->shape[1] = 0xffffffffU;
    T(1)->shape[2] = 0xffffffffU; T(1)->shape[3] = 0xffffffffU;);
BAD(elems_over_limit, BASE_GEMM, E2BIG, -1, 0, k->lim.max_tensor_elems = 31;);
BAD(elems_above_2_31_cap, BASE_GEMM, E2BIG, -1, 0,
    k->lim.max_tensor_elems = 0xffffffffU; T(0)->shape[0] = 65536; T(0)->shape[1] = 65536;);
BAD(elems_2_31_past_bo, BASE_GEMM, ERANGE, -1, 0,
    k->lim.max_tensor_elems = 0xffffffffU; T(0)->shape[0] = 65536; T(0)->shape[1] = 32768;);
GOOD(elems_at_limit, BASE_GEMM, k->lim.max_tensor_elems = 40;);
BAD(offset_unaligned_2, BASE_GEMM, EINVAL, -1, 1, T(1)->offset += 2;);
BAD(offset_unaligned_1, BASE_GEMM, EINVAL, -1, 3, T(3)->offset += 1;);
BAD(past_bo_end, BASE_GEMM, ERANGE, -1, 3, k->bo_size[1] -= 1;);
BAD(past_bo_end_by_offset, BASE_GEMM, ERANGE, -1, 3, T(3)->offset = 4;);
BAD(offset_at_bo_end, BASE_GEMM, ERANGE, -1, 3, T(3)->offset = k->bo_size[1];);
BAD(offset_near_2_64, BASE_GEMM, ERANGE, -1, 3, T(3)->offset = 0xfffffffffffffff0ULL;);
BAD(offset_wraps, BASE_GEMM, ERANGE, -1, 3, T(3)->offset = 0xffffffffffffffc0ULL;);
BAD(bo_size_zero, BASE_GEMM, ERANGE, -1, 3, k->bo_size[1] = 0;);
GOOD(bo_larger, BASE_GEMM, k->bo_size[1] = ~0ULL;);
BAD(f32_per_tensor, BASE_GEMM, EINVAL, -1, 0,
    T(0)->quant_type = NPU_QUANT_PER_TENSOR; T(0)->scale = F(1.0f););
BAD(f32_zero_point, BASE_GEMM, EINVAL, -1, 0, T(0)->zero_point = 1;);
BAD(f32_scale_bits, BASE_GEMM, EINVAL, -1, 0, T(0)->scale = F(1.0f););
BAD(f32_quant_axis, BASE_GEMM, EINVAL, -1, 0, T(0)->quant_axis = 1;);
BAD(f32_scale_tensor, BASE_GEMM, EINVAL, -1, 0, T(0)->scale_tensor = 1;);
BAD(f32_scale_tensor_0, BASE_GEMM, EINVAL, -1, 1, T(1)->scale_tensor = 0;);
BAD(quant_type_unknown, BASE_GEMM, EINVAL, -1, 0, T(0)->quant_type = NPU_QUANT_COUNT;);
BAD(i32_per_tensor, BASE_GEMM_Q, EINVAL, -1, 3,
    T(3)->quant_type = NPU_QUANT_PER_TENSOR; T(3)->scale = F(1.0f););
BAD(i32_zero_point, BASE_GEMM_Q, EINVAL, -1, 3, T(3)->zero_point = -1;);
BAD(scale_nan, BASE_GEMM_Q, EINVAL, -1, 0, T(0)->scale = 0x7fc00000U;);
BAD(scale_neg_nan, BASE_GEMM_Q, EINVAL, -1, 0, T(0)->scale = 0xffc00000U;);
BAD(scale_snan, BASE_GEMM_Q, EINVAL, -1, 4, T(4)->scale = 0x7f800001U;);
BAD(scale_inf, BASE_GEMM_Q, EINVAL, -1, 0, T(0)->scale = 0x7f800000U;);
BAD(scale_neg, BASE_GEMM_Q, EINVAL, -1, 0, T(0)->scale = F(-1.0f););
BAD(scale_neg_tiny, BASE_GEMM_Q, EINVAL, -1, 4, T(4)->scale = 0x80000001U;);
BAD(scale_zero, BASE_GEMM_Q, EINVAL, -1, 4, T(4)->scale = 0;);
BAD(scale_neg_zero, BASE_GEMM_Q, EINVAL, -1, 0, T(0)->scale = 0x80000000U;);
GOOD(scale_subnormal, BASE_GEMM_Q, T(0)->scale = 1; T(4)->scale = 0x007fffffU;);
GOOD(scale_max, BASE_GEMM_Q, T(4)->scale = 0x7f7fffffU;);
BAD(zp_u8_neg, BASE_GEMM_Q, EINVAL, -1, 0, T(0)->zero_point = -1;);
BAD(zp_u8_256, BASE_GEMM_Q, EINVAL, -1, 0, T(0)->zero_point = 256;);
BAD(zp_i8_128, BASE_GEMM_Q, EINVAL, -1, 4, T(4)->zero_point = 128;);
BAD(zp_i8_m129, BASE_GEMM_Q, EINVAL, -1, 4, T(4)->zero_point = -129;);
BAD(zp_int_min, BASE_GEMM_Q, EINVAL, -1, 4, T(4)->zero_point = (-2147483647 - 1););
GOOD(zp_extremes, BASE_GEMM_Q, T(0)->zero_point = 255; T(4)->zero_point = -128;);
BAD(per_tensor_axis, BASE_GEMM_Q, EINVAL, -1, 0, T(0)->quant_axis = 1;);
BAD(per_tensor_scale_tensor, BASE_GEMM_Q, EINVAL, -1, 0, T(0)->scale_tensor = 2;);
BAD(per_channel_on_f32, BASE_GEMM_Q, EINVAL, -1, 2,
    T(2)->quant_type = NPU_QUANT_PER_CHANNEL; T(2)->scale_tensor = 0;);
BAD(per_channel_on_i32, BASE_GEMM_Q, EINVAL, -1, 3,
    T(3)->quant_type = NPU_QUANT_PER_CHANNEL; T(3)->scale_tensor = 2;);
BAD(per_channel_axis_ge_ndim, BASE_GEMM_Q, EINVAL, -1, 1, T(1)->quant_axis = 2;);
BAD(per_channel_axis_huge, BASE_GEMM_Q, EINVAL, -1, 1, T(1)->quant_axis = 0xffffffffU;);
BAD(per_channel_zero_point, BASE_GEMM_Q, EINVAL, -1, 1, T(1)->zero_point = 1;);
BAD(per_channel_scale_set, BASE_GEMM_Q, EINVAL, -1, 1, T(1)->scale = F(1.0f););
BAD(scale_tensor_self, BASE_GEMM_Q, EINVAL, -1, 1, T(1)->scale_tensor = 1;);
BAD(scale_tensor_range, BASE_GEMM_Q, EINVAL, -1, 1, T(1)->scale_tensor = 5;);
BAD(scale_tensor_none, BASE_GEMM_Q, EINVAL, -1, 1, T(1)->scale_tensor = NT;);
BAD(scale_tensor_not_f32, BASE_GEMM_Q, EINVAL, -1, 1, T(1)->scale_tensor = 3;);
BAD(scale_tensor_short, BASE_GEMM_Q, EINVAL, -1, 1, T(2)->shape[0] = 4;);
BAD(scale_tensor_2d, BASE_GEMM_Q, EINVAL, -1, 1, T(2)->ndim = 2; T(2)->shape[1] = 1;);

/* op slots and parameters */
BAD(opcode_0, BASE_GEMM, EINVAL, 0, -1, O(0)->opcode = 0;);
BAD(opcode_unknown, BASE_GEMM, EOPNOTSUPP, 0, -1, O(0)->opcode = NPU_OP_COUNT;);
BAD(opcode_ffff, BASE_GEMM, EOPNOTSUPP, 0, -1, O(0)->opcode = 0xffff;);
BAD(op_flags, BASE_GEMM, EINVAL, 0, -1, O(0)->flags = 1;);
BAD(gemm_num_inputs_2, BASE_GEMM, EINVAL, 0, -1, O(0)->num_inputs = 2;);
BAD(gemm_num_inputs_4, BASE_GEMM, EINVAL, 0, -1, O(0)->num_inputs = 4;);
BAD(gemm_num_outputs_0, BASE_GEMM, EINVAL, 0, -1, O(0)->num_outputs = 0;);
BAD(gemm_num_outputs_2, BASE_GEMM, EINVAL, 0, -1, O(0)->num_outputs = 2;);
BAD(unused_input_slot, BASE_GEMM, EINVAL, 0, -1, O(0)->inputs[3] = 0;);
BAD(unused_output_slot, BASE_GEMM, EINVAL, 0, -1, O(0)->outputs[1] = 3;);
BAD(required_input_missing, BASE_GEMM, EINVAL, 0, -1, O(0)->inputs[1] = NT;);
BAD(input_id_range, BASE_GEMM, EINVAL, 0, -1, O(0)->inputs[0] = 4;);
BAD(bias_id_range, BASE_GEMM, EINVAL, 0, -1, O(0)->inputs[2] = 0xfffffffeU;);
BAD(output_id_range, BASE_GEMM, EINVAL, 0, -1, O(0)->outputs[0] = 4;);
BAD(output_missing, BASE_GEMM, EINVAL, 0, -1, O(0)->outputs[0] = NT;);
GOOD(gemm_no_bias, BASE_GEMM, O(0)->inputs[2] = NT;);
BAD(gemm_param_word_4, BASE_GEMM, EINVAL, 0, -1, O(0)->raw[4] = 1;);
BAD(gemm_param_word_15, BASE_GEMM, EINVAL, 0, -1, O(0)->raw[15] = 0x80000000U;);
BAD(gemm_flags_unknown, BASE_GEMM, EINVAL, 0, -1, O(0)->gemm.flags = 2;);
BAD(gemm_act_unknown, BASE_GEMM, EINVAL, 0, -1, O(0)->gemm.activation = NPU_ACT_COUNT;);
BAD(gemm_relu_with_bounds, BASE_GEMM, EINVAL, 0, -1,
    O(0)->gemm.activation = NPU_ACT_RELU; O(0)->gemm.act_max = F(1.0f););
BAD(gemm_none_with_bounds, BASE_GEMM, EINVAL, 0, -1, O(0)->gemm.act_min = F(-1.0f););
BAD(gemm_clip_min_gt_max, BASE_GEMM, EINVAL, 0, -1,
    cb_act(&O(0)->gemm.activation, &O(0)->gemm.act_min, &O(0)->gemm.act_max,
	   NPU_ACT_CLIP, 1.0f, -1.0f););
BAD(gemm_clip_neg_min_gt_max, BASE_GEMM, EINVAL, 0, -1,
    cb_act(&O(0)->gemm.activation, &O(0)->gemm.act_min, &O(0)->gemm.act_max,
	   NPU_ACT_CLIP, -1.0f, -2.0f););
BAD(gemm_clip_nan, BASE_GEMM, EINVAL, 0, -1,
    O(0)->gemm.activation = NPU_ACT_CLIP; O(0)->gemm.act_min = 0x7fc00000U;);
BAD(gemm_clip_inf, BASE_GEMM, EINVAL, 0, -1,
    O(0)->gemm.activation = NPU_ACT_CLIP; O(0)->gemm.act_max = 0x7f800000U;);
GOOD(gemm_clip_signed_zeros, BASE_GEMM,
     O(0)->gemm.activation = NPU_ACT_CLIP; O(0)->gemm.act_min = 0;
     O(0)->gemm.act_max = 0x80000000U;);
GOOD(gemm_clip_equal, BASE_GEMM,
     cb_act(&O(0)->gemm.activation, &O(0)->gemm.act_min, &O(0)->gemm.act_max,
	    NPU_ACT_CLIP, -0.25f, -0.25f););
BAD(gemm_a_3d, BASE_GEMM, EINVAL, 0, 0, T(0)->ndim = 3; T(0)->shape[2] = 1;);
BAD(gemm_b_1d, BASE_GEMM, EINVAL, 0, 1, T(1)->ndim = 1; T(1)->shape[1] = 0;);
BAD(gemm_k_mismatch, BASE_GEMM, EINVAL, 0, 1, T(0)->shape[1] = 7;);
BAD(gemm_trans_b_mismatch, BASE_GEMM, EINVAL, 0, 1, O(0)->gemm.flags = NPU_GEMM_TRANS_B;);
BAD(gemm_bias_len, BASE_GEMM, EINVAL, 0, 2, T(2)->shape[0] = 4;);
BAD(gemm_bias_2d, BASE_GEMM, EINVAL, 0, 2, T(2)->ndim = 2; T(2)->shape[1] = 1;);
BAD(gemm_y_cols, BASE_GEMM, EINVAL, 0, 3, T(3)->shape[1] = 4;);
BAD(gemm_y_rows, BASE_GEMM, EINVAL, 0, 3, T(3)->shape[0] = 3;);
BAD(gemm_y_1d, BASE_GEMM, EINVAL, 0, 3, T(3)->ndim = 1; T(3)->shape[0] = 20; T(3)->shape[1] = 0;);
BAD(gemm_f32_y_i32, BASE_GEMM, EINVAL, 0, 3, T(3)->dtype = NPU_DTYPE_I32;);
BAD(gemm_f32_bias_i32, BASE_GEMM, EINVAL, 0, 2, T(2)->dtype = NPU_DTYPE_I32;);
BAD(gemm_f32_b_i8, BASE_GEMM, EINVAL, 0, 1,
    T(1)->dtype = NPU_DTYPE_I8; T(1)->quant_type = NPU_QUANT_PER_TENSOR; T(1)->scale = F(1););
BAD(gemm_i32_a, BASE_GEMM, EINVAL, 0, 0, T(0)->dtype = NPU_DTYPE_I32;);
BAD(gemm_q_b_u8, BASE_GEMM_Q, EINVAL, 0, 1, T(1)->dtype = NPU_DTYPE_U8;);
BAD(gemm_q_b_wrong_axis, BASE_GEMM_Q, EINVAL, 0, 1, T(1)->quant_axis = 1;);
BAD(gemm_q_b_axis_no_trans, BASE_GEMM_Q, EINVAL, 0, 1, O(0)->gemm.flags = 0;);
GOOD(gemm_q_b_axis1_no_trans, BASE_GEMM_Q, O(0)->gemm.flags = 0; T(1)->quant_axis = 1;);
BAD(gemm_q_b_unquantized, BASE_GEMM_Q, EINVAL, 0, 1,
    T(1)->quant_type = NPU_QUANT_NONE; T(1)->scale_tensor = NT;);
BAD(gemm_q_a_unquantized, BASE_GEMM_Q, EINVAL, 0, 0,
    T(0)->quant_type = NPU_QUANT_NONE; T(0)->scale = 0; T(0)->zero_point = 0;);
BAD(gemm_q_a_per_channel, BASE_GEMM_Q, EINVAL, 0, 0,
    T(0)->quant_type = NPU_QUANT_PER_CHANNEL; T(0)->scale = 0; T(0)->zero_point = 0;
    T(0)->quant_axis = 1; T(0)->scale_tensor = 2;);
BAD(gemm_q_bias_f32, BASE_GEMM_Q, EINVAL, 0, 3, T(3)->dtype = NPU_DTYPE_F32;);
BAD(gemm_q_y_unquantized, BASE_GEMM_Q, EINVAL, 0, 4,
    T(4)->quant_type = NPU_QUANT_NONE; T(4)->scale = 0; T(4)->zero_point = 0;);
GOOD(gemm_q_b_per_tensor, BASE_GEMM_Q,
     T(1)->quant_type = NPU_QUANT_PER_TENSOR; T(1)->scale_tensor = NT;
     T(1)->scale = F(0.01f); T(1)->zero_point = -7;);
GOOD(gemm_q_u8_out_i8_in, BASE_GEMM_Q,
     T(4)->dtype = NPU_DTYPE_U8; T(4)->zero_point = 7;
     T(0)->dtype = NPU_DTYPE_I8; T(0)->zero_point = -1;);
GOOD(gemm_q_clip, BASE_GEMM_Q,
     cb_act(&O(0)->gemm.activation, &O(0)->gemm.act_min, &O(0)->gemm.act_max,
	    NPU_ACT_CLIP, -1e30f, 3.0f););

/* CONV2D */
BAD(conv_stride_h_0, BASE_CONV, EINVAL, 0, -1, O(0)->conv2d.stride_h = 0;);
BAD(conv_stride_w_65, BASE_CONV, EINVAL, 0, -1, O(0)->conv2d.stride_w = 65;);
BAD(conv_dilation_w_0, BASE_CONV, EINVAL, 0, -1, O(0)->conv2d.dilation_w = 0;);
BAD(conv_dilation_h_65, BASE_CONV, EINVAL, 0, -1, O(0)->conv2d.dilation_h = 65;);
BAD(conv_groups_0, BASE_CONV, EINVAL, 0, -1, O(0)->conv2d.groups = 0;);
BAD(conv_groups_3, BASE_CONV, EINVAL, 0, 0, O(0)->conv2d.groups = 3;);
BAD(conv_groups_4, BASE_CONV, EINVAL, 0, 1, O(0)->conv2d.groups = 4;);
BAD(conv_groups_1, BASE_CONV, EINVAL, 0, 1, O(0)->conv2d.groups = 1;);
BAD(conv_groups_huge, BASE_CONV, EINVAL, 0, 0, O(0)->conv2d.groups = 0xffffffffU;);
BAD(conv_pad_top_eq_extent, BASE_CONV, EINVAL, 0, -1, O(0)->conv2d.pad_top = 3;);
BAD(conv_pad_right_huge, BASE_CONV, EINVAL, 0, -1, O(0)->conv2d.pad_right = 0xffffffffU;);
BAD(conv_pad_left_eq_extent, BASE_CONV, EINVAL, 0, -1,
    O(0)->conv2d.dilation_w = 2; O(0)->conv2d.pad_left = 5;);
BAD(conv_kernel_too_big, BASE_CONV, EINVAL, 0, -1, O(0)->conv2d.dilation_h = 5;);
BAD(conv_y_oh, BASE_CONV, EINVAL, 0, 3, T(3)->shape[2] = 3;);
BAD(conv_y_ow, BASE_CONV, EINVAL, 0, 3, T(3)->shape[3] = 3;);
BAD(conv_y_oc, BASE_CONV, EINVAL, 0, 3, T(3)->shape[1] = 5;);
BAD(conv_stride_changes_oh, BASE_CONV, EINVAL, 0, 3, O(0)->conv2d.stride_h = 1;);
BAD(conv_x_3d, BASE_CONV, EINVAL, 0, 0,
    T(0)->ndim = 3; T(0)->shape[0] = 4; T(0)->shape[1] = 7; T(0)->shape[2] = 7;
    T(0)->shape[3] = 0;);
BAD(conv_w_3d, BASE_CONV, EINVAL, 0, 1, T(1)->ndim = 3; T(1)->shape[2] = 9; T(1)->shape[3] = 0;);
BAD(conv_bias_len, BASE_CONV, EINVAL, 0, 2, T(2)->shape[0] = 5;);
BAD(conv_param_word, BASE_CONV, EINVAL, 0, -1, O(0)->raw[12] = 1;);
BAD(conv_act_unknown, BASE_CONV, EINVAL, 0, -1, O(0)->conv2d.activation = 7;);
BAD(conv_y_i32, BASE_CONV, EINVAL, 0, 3, T(3)->dtype = NPU_DTYPE_I32;);
GOOD(conv_no_bias, BASE_CONV, O(0)->inputs[2] = NT;);
BAD(conv_q_w_u8, BASE_CONV_Q, EINVAL, 0, 1, T(1)->dtype = NPU_DTYPE_U8;);
BAD(conv_q_bias_i8, BASE_CONV_Q, EINVAL, 0, 3, T(3)->dtype = NPU_DTYPE_I8;);
BAD(conv_q_y_unquantized, BASE_CONV_Q, EINVAL, 0, 4,
    T(4)->quant_type = NPU_QUANT_NONE; T(4)->scale = 0; T(4)->zero_point = 0;);
GOOD(conv_q_i8_in, BASE_CONV_Q, T(0)->dtype = NPU_DTYPE_I8; T(0)->zero_point = -100;);
BAD(conv_dw_pad_bottom, BASE_CONV_DW, EINVAL, 0, -1, O(0)->conv2d.pad_bottom = 5;);
BAD(conv_dw_groups_1, BASE_CONV_DW, EINVAL, 0, 1, O(0)->conv2d.groups = 1;);

/* ADD */
BAD(add_b_not_broadcast, BASE_ADD, EINVAL, 0, 1, T(1)->shape[1] = 2;);
BAD(add_b_not_broadcast_3, BASE_ADD, EINVAL, 0, 1, T(1)->shape[0] = 1; T(1)->shape[1] = 3;);
BAD(add_b_dim_mismatch, BASE_ADD, EINVAL, 0, 1, T(1)->shape[0] = 2;);
BAD(add_b_rank_higher, BASE_ADD, EINVAL, 0, 1,
    T(1)->ndim = 4; T(1)->shape[0] = 1; T(1)->shape[1] = 1; T(1)->shape[2] = 3;
    T(1)->shape[3] = 1;);
GOOD(add_b_scalar, BASE_ADD, T(1)->ndim = 1; T(1)->shape[0] = 1; T(1)->shape[1] = 0;);
GOOD(add_b_row, BASE_ADD, T(1)->ndim = 1; T(1)->shape[0] = 4; T(1)->shape[1] = 0;);
GOOD(add_b_full_rank, BASE_ADD,
     T(1)->ndim = 3; T(1)->shape[0] = 1; T(1)->shape[1] = 3; T(1)->shape[2] = 1;);
BAD(add_y_shape, BASE_ADD, EINVAL, 0, 2, T(2)->shape[2] = 3;);
BAD(add_y_rank, BASE_ADD, EINVAL, 0, 2,
    T(2)->ndim = 4; T(2)->shape[0] = 1; T(2)->shape[1] = 2; T(2)->shape[2] = 3;
    T(2)->shape[3] = 4;);
BAD(add_b_i32, BASE_ADD, EINVAL, 0, 1, T(1)->dtype = NPU_DTYPE_I32;);
BAD(add_y_i32, BASE_ADD, EINVAL, 0, 2, T(2)->dtype = NPU_DTYPE_I32;);
GOOD(add_i32, BASE_ADD,
     T(0)->dtype = NPU_DTYPE_I32; T(1)->dtype = NPU_DTYPE_I32; T(2)->dtype = NPU_DTYPE_I32;
     cb_act(&O(0)->eltwise.activation, &O(0)->eltwise.act_min, &O(0)->eltwise.act_max,
	    NPU_ACT_CLIP, -3.5f, 1e9f););
BAD(add_num_inputs_3, BASE_ADD, EINVAL, 0, -1, O(0)->num_inputs = 3;);
BAD(add_input_slot_2, BASE_ADD, EINVAL, 0, -1, O(0)->inputs[2] = 0;);
BAD(add_param_word, BASE_ADD, EINVAL, 0, -1, O(0)->raw[3] = 1;);
BAD(add_clip_min_gt_max, BASE_ADD, EINVAL, 0, -1,
    cb_act(&O(0)->eltwise.activation, &O(0)->eltwise.act_min, &O(0)->eltwise.act_max,
	   NPU_ACT_CLIP, 0.5f, 0.25f););
BAD(add_q_b_u8, BASE_ADD_Q, EINVAL, 0, 1, T(1)->dtype = NPU_DTYPE_U8;);
BAD(add_q_y_unquantized, BASE_ADD_Q, EINVAL, 0, 2,
    T(2)->quant_type = NPU_QUANT_NONE; T(2)->scale = 0;);
BAD(add_q_a_unquantized, BASE_ADD_Q, EINVAL, 0, 0,
    T(0)->quant_type = NPU_QUANT_NONE; T(0)->scale = 0; T(0)->zero_point = 0;);
BAD(add_q_y_u8, BASE_ADD_Q, EINVAL, 0, 2, T(2)->dtype = NPU_DTYPE_U8;);

/* RELU, CLIP */
BAD(relu_activation_set, BASE_RELU, EINVAL, 0, -1, O(0)->eltwise.activation = NPU_ACT_RELU;);
BAD(relu_bounds_set, BASE_RELU, EINVAL, 0, -1, O(0)->eltwise.act_min = F(1.0f););
BAD(relu_y_shape, BASE_RELU, EINVAL, 0, 1, T(1)->shape[0] = 15;);
BAD(relu_y_rank, BASE_RELU, EINVAL, 0, 1, T(1)->ndim = 2; T(1)->shape[0] = 4; T(1)->shape[1] = 4;);
BAD(relu_y_dtype, BASE_RELU, EINVAL, 0, 1, T(1)->dtype = NPU_DTYPE_I32;);
BAD(relu_param_word, BASE_RELU, EINVAL, 0, -1, O(0)->raw[3] = 1;);
BAD(relu_num_inputs_2, BASE_RELU, EINVAL, 0, -1, O(0)->num_inputs = 2;);
BAD(relu_i8_unquantized, BASE_RELU, EINVAL, 0, 0,
    T(0)->dtype = NPU_DTYPE_I8; T(1)->dtype = NPU_DTYPE_I8;);
GOOD(relu_i32, BASE_RELU, T(0)->dtype = NPU_DTYPE_I32; T(1)->dtype = NPU_DTYPE_I32;);
BAD(clip_min_gt_max, BASE_CLIP_Q, EINVAL, 0, -1,
    O(0)->eltwise.act_min = F(3.0f); O(0)->eltwise.act_max = F(2.0f););
BAD(clip_nan_min, BASE_CLIP_Q, EINVAL, 0, -1, O(0)->eltwise.act_min = 0xffc00000U;);
BAD(clip_inf_max, BASE_CLIP_Q, EINVAL, 0, -1, O(0)->eltwise.act_max = 0x7f800000U;);
BAD(clip_neg_inf_min, BASE_CLIP_Q, EINVAL, 0, -1, O(0)->eltwise.act_min = 0xff800000U;);
BAD(clip_activation_set, BASE_CLIP_Q, EINVAL, 0, -1, O(0)->eltwise.activation = NPU_ACT_CLIP;);
BAD(clip_q_zp_differs, BASE_CLIP_Q, EINVAL, 0, 1, T(1)->zero_point = 4;);
BAD(clip_q_scale_differs, BASE_CLIP_Q, EINVAL, 0, 1, T(1)->scale = F(1.0f););
BAD(clip_q_y_u8, BASE_CLIP_Q, EINVAL, 0, 1, T(1)->dtype = NPU_DTYPE_U8;);
GOOD(clip_negative_range, BASE_CLIP_Q,
     O(0)->eltwise.act_min = F(-2.0f); O(0)->eltwise.act_max = F(-1.0f););

/* outputs aliasing inputs */
BAD(alias_same_bytes, BASE_RELU, EINVAL, 0, 1, T(1)->offset = 0;);
BAD(alias_last_byte, BASE_RELU, EINVAL, 0, 1, T(1)->offset = 60;);
BAD(alias_first_byte, BASE_RELU, EINVAL, 0, 1, T(0)->offset = 124;);
GOOD(alias_adjacent_below, BASE_RELU, T(0)->offset = 128;);
GOOD(alias_other_bo, BASE_RELU,
     T(1)->bo_index = 1; T(1)->offset = 0; k->bo_count = 2; k->bo_size[1] = 64;);
BAD(alias_in_other_bo, BASE_RELU, EINVAL, 0, 1,
    T(0)->bo_index = 1; T(1)->bo_index = 1; T(1)->offset = 32; k->bo_count = 2;
    k->bo_size[1] = 96;);
BAD(alias_scale_tensor, BASE_GEMM_Q, EINVAL, 0, 4,
    T(4)->bo_index = 0; T(4)->offset = T(2)->offset + 4;);
BAD(alias_bias, BASE_GEMM_Q, EINVAL, 0, 4, T(4)->bo_index = 0; T(4)->offset = T(3)->offset;);
BAD(alias_weights, BASE_GEMM_Q, EINVAL, 0, 4, T(4)->bo_index = 0; T(4)->offset = T(1)->offset;);
BAD(alias_conv_x, BASE_CONV, EINVAL, 0, 3, T(3)->bo_index = 0; T(3)->offset = 8;);
BAD(alias_add_b, BASE_ADD, EINVAL, 0, 2, T(2)->bo_index = 0; T(2)->offset = T(1)->offset + 8;);

/* errors in a later op name that op */
BAD(chain_op2_flags, BASE_CHAIN, EINVAL, 2, -1, O(2)->flags = 1;);
BAD(chain_op1_opcode, BASE_CHAIN, EOPNOTSUPP, 1, -1, O(1)->opcode = 77;);
BAD(chain_op2_alias, BASE_CHAIN, EINVAL, 2, 5, T(5)->bo_index = 2;);

TEST(errno_values)
{
	EXPECT_EQ(ENOENT, NPU_FW_ENOENT);
	EXPECT_EQ(E2BIG, NPU_FW_E2BIG);
	EXPECT_EQ(EINVAL, NPU_FW_EINVAL);
	EXPECT_EQ(ERANGE, NPU_FW_ERANGE);
	EXPECT_EQ(EOPNOTSUPP, NPU_FW_EOPNOTSUPP);
}

TEST(names_and_sizes)
{
	EXPECT_EQ(4, npu_fw_dtype_size(NPU_DTYPE_F32));
	EXPECT_EQ(1, npu_fw_dtype_size(NPU_DTYPE_I8));
	EXPECT_EQ(1, npu_fw_dtype_size(NPU_DTYPE_U8));
	EXPECT_EQ(4, npu_fw_dtype_size(NPU_DTYPE_I32));
	EXPECT_EQ(0, npu_fw_dtype_size(NPU_DTYPE_COUNT));
	EXPECT_EQ(0, npu_fw_dtype_size(0xffffffffU));
	EXPECT_STREQ("GEMM", npu_fw_op_name(NPU_OP_GEMM));
	EXPECT_STREQ("CONV2D", npu_fw_op_name(NPU_OP_CONV2D));
	EXPECT_STREQ("ADD", npu_fw_op_name(NPU_OP_ADD));
	EXPECT_STREQ("RELU", npu_fw_op_name(NPU_OP_RELU));
	EXPECT_STREQ("CLIP", npu_fw_op_name(NPU_OP_CLIP));
	EXPECT_STREQ("?", npu_fw_op_name(0));
	EXPECT_STREQ("?", npu_fw_op_name(NPU_OP_COUNT));
	EXPECT_STREQ("?", npu_fw_op_name(0xffffffffU));
}

TEST(bo_bitmaps)
{
	struct npu_fw_diag d;
	struct cb c;

	build_base(&c, BASE_CHAIN);
	ASSERT_EQ(0, cb_validate(&c, &d));
	/* reads: BO0 (A, B, bias of ADD), BO1 (Y of GEMM), BO2 (RELU out) */
	EXPECT_EQ(0x7, d.bos_read);
	EXPECT_EQ(0xe, d.bos_written);
	cb_free(&c);

	build_base(&c, BASE_GEMM_Q);
	ASSERT_EQ(0, cb_validate(&c, &d));
	EXPECT_EQ(0x1, d.bos_read);
	EXPECT_EQ(0x2, d.bos_written);
	cb_free(&c);
}

TEST(bo_index_63)
{
	struct npu_fw_diag d;
	struct cb c;

	cb_init(&c);
	cb_relu(&c, CB_T(&c, 0, NPU_DTYPE_F32, 3), CB_T(&c, 63, NPU_DTYPE_F32, 3));
	cb_finish(&c);
	ASSERT_EQ(64, c.nbos);
	ASSERT_EQ(0, cb_validate(&c, &d)) TH_LOG("%s", d.msg);
	EXPECT_EQ(1ULL, d.bos_read);
	EXPECT_EQ(1ULL << 63, d.bos_written);
	cb_free(&c);
}

TEST(arguments)
{
	struct npu_fw_diag d;
	struct cb c;
	__u64 *copy;

	build_base(&c, BASE_GEMM);
	EXPECT_EQ(-EINVAL, npu_fw_validate(NULL, c.size, c.bo_size, c.nbos, &c.lim, &d));
	EXPECT_EQ(-EINVAL, npu_fw_validate(c.buf, c.size, c.bo_size, c.nbos, NULL, &d));
	EXPECT_EQ(-EINVAL, npu_fw_validate(c.buf, c.size, NULL, c.nbos, &c.lim, &d));
	/* a stream not 8-byte aligned in memory */
	copy = malloc(c.size + 8);
	ASSERT_NE(NULL, copy);
	memcpy((char *)copy + 4, c.buf, c.size);
	EXPECT_EQ(-EINVAL, npu_fw_validate((char *)copy + 4, c.size, c.bo_size, c.nbos,
					   &c.lim, &d));
	EXPECT_EQ(-1, d.op);
	EXPECT_EQ(-1, d.tensor);
	memcpy(copy, c.buf, c.size);
	EXPECT_EQ(0, npu_fw_validate(copy, c.size, c.bo_size, c.nbos, &c.lim, &d));
	free(copy);
	cb_free(&c);
}

/* num_tensors and num_ops exactly at their limits are accepted */
TEST(many_ops)
{
	struct npu_fw_diag d;
	struct cb c;
	__u32 i;

	cb_init(&c);
	for (i = 0; i < CB_MAX_TENSORS; i++)
		CB_T(&c, i % 2, NPU_DTYPE_F32, 8, 8);
	for (i = 0; i < CB_MAX_OPS; i++)
		cb_relu(&c, i * 2 % CB_MAX_TENSORS, (i * 2 + 1) % CB_MAX_TENSORS);
	cb_finish(&c);
	c.lim.max_tensors = CB_MAX_TENSORS;
	c.lim.max_ops = CB_MAX_OPS;
	EXPECT_EQ(0, cb_validate(&c, &d)) TH_LOG("%s", d.msg);
	c.lim.max_ops = CB_MAX_OPS - 1;
	EXPECT_EQ(-E2BIG, cb_validate(&c, &d));
	cb_free(&c);
}

/*
 * One work unit (an output row) of GEMM or CONV2D may hold at most 2^25
 * multiply-adds: the kernel runs a unit without preemption.
 */
TEST(unit_work_limit)
{
	struct npu_op_conv2d p = {
		.stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1, .groups = 1,
	};
	struct npu_fw_diag d;
	struct cb c;
	__u32 a, b, y, x, w;

	cb_init(&c);
	c.lim.max_tensor_elems = 1U << 31;
	a = CB_T(&c, 0, NPU_DTYPE_F32, 1, 4096);
	b = CB_T(&c, 0, NPU_DTYPE_F32, 4096, 8192);
	y = CB_T(&c, 0, NPU_DTYPE_F32, 1, 8192);
	cb_gemm(&c, a, b, NPU_CMD_NO_TENSOR, y, 0);
	cb_finish(&c);
	EXPECT_EQ(0, cb_validate(&c, &d)) TH_LOG("%s", d.msg);	/* exactly 2^25 */
	cb_free(&c);

	cb_init(&c);
	c.lim.max_tensor_elems = 1U << 31;
	a = CB_T(&c, 0, NPU_DTYPE_F32, 1, 4096);
	b = CB_T(&c, 0, NPU_DTYPE_F32, 4096, 8193);
	y = CB_T(&c, 0, NPU_DTYPE_F32, 1, 8193);
	cb_gemm(&c, a, b, NPU_CMD_NO_TENSOR, y, 0);
	cb_finish(&c);
	EXPECT_EQ(-E2BIG, cb_validate(&c, &d));
	EXPECT_EQ(0, d.op);
	EXPECT_EQ((int)b, d.tensor);
	cb_free(&c);

	/* X [1, 1, 1, 2^17] * W [1, 1, 1, 2^16]: one row of 2^16 * (2^16 + 1) */
	cb_init(&c);
	c.lim.max_tensor_elems = 1U << 31;
	x = CB_T(&c, 0, NPU_DTYPE_F32, 1, 1, 1, 1U << 17);
	w = CB_T(&c, 0, NPU_DTYPE_F32, 1, 1, 1, 1U << 16);
	y = CB_T(&c, 0, NPU_DTYPE_F32, 1, 1, 1, (1U << 16) + 1);
	cb_conv(&c, x, w, NPU_CMD_NO_TENSOR, y, &p);
	cb_finish(&c);
	EXPECT_EQ(-E2BIG, cb_validate(&c, &d));
	EXPECT_EQ(0, d.op);
	EXPECT_EQ((int)w, d.tensor);
	cb_free(&c);

	/* the same shape of kernel with 2^9 outputs: 2^25 exactly */
	cb_init(&c);
	c.lim.max_tensor_elems = 1U << 31;
	x = CB_T(&c, 0, NPU_DTYPE_F32, 1, 1, 1, (1U << 16) + (1U << 9) - 1);
	w = CB_T(&c, 0, NPU_DTYPE_F32, 1, 1, 1, 1U << 16);
	y = CB_T(&c, 0, NPU_DTYPE_F32, 1, 1, 1, 1U << 9);
	cb_conv(&c, x, w, NPU_CMD_NO_TENSOR, y, &p);
	cb_finish(&c);
	EXPECT_EQ(0, cb_validate(&c, &d)) TH_LOG("%s", d.msg);
	cb_free(&c);
}

/* interesting 32-bit values for mutations */
static const __u32 mut_words[] = {
	0, 1, 2, 3, 4, 5, 7, 8, 16, 32, 63, 64, 65, 255, 256, 0x7fff, 0x8000, 0xffff,
	0x10000, 0x7fffffff, 0x80000000U, 0x80000001U, 0xfffffffeU, 0xffffffffU,
	0x3f800000U, 0xbf800000U, 0x7f800000U, 0xff800000U, 0x7fc00000U, 0x00000001U,
	0x7f7fffffU, NPU_CMD_MAGIC,
};

static void mutate(__u8 *p, __u32 size, __u64 *seed)
{
	__u32 pos, w;

	switch (cb_rand_below(seed, 6)) {
	case 0:		/* flip a bit */
		pos = cb_rand_below(seed, size);
		p[pos] ^= 1U << cb_rand_below(seed, 8);
		break;
	case 1:		/* random byte */
		p[cb_rand_below(seed, size)] = (__u8)cb_rand(seed);
		break;
	case 2:		/* small delta on an aligned word */
		pos = cb_rand_below(seed, size / 4) * 4;
		memcpy(&w, p + pos, 4);
		w += (__u32)cb_rand_below(seed, 9) - 4;
		memcpy(p + pos, &w, 4);
		break;
	case 3:		/* copy a word from elsewhere in the stream */
		pos = cb_rand_below(seed, size / 4) * 4;
		memcpy(&w, p + cb_rand_below(seed, size / 4) * 4, 4);
		memcpy(p + pos, &w, 4);
		break;
	default:	/* an interesting word */
		pos = cb_rand_below(seed, size / 4) * 4;
		w = mut_words[cb_rand_below(seed, sizeof(mut_words) / sizeof(mut_words[0]))];
		memcpy(p + pos, &w, 4);
		break;
	}
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(fuzz)
{
}

#define FUZZ_ITERS	200000

/*
 * 200k mutations of the valid base streams, fixed seed. Each mutated stream
 * sits in a buffer of exactly its size; whenever the validator accepts one,
 * every op runs on BOs of exactly the sizes it was validated against.
 * ASan/UBSan abort the test on any stray access.
 */
TEST_F_TIMEOUT(fuzz, mutations, 600)
{
	struct cb bases[BASE_COUNT];
	__u64 seed = 0x6e7075u, bo_size[NPU_FW_MAX_BOS];
	unsigned long accepted = 0, per_base[BASE_COUNT] = { 0 };
	struct npu_fw_limits lim;
	struct npu_fw_diag d;
	__u32 size, bo_count, n, i;
	int b, ret;
	long it;
	__u8 *buf, scratch[4096];

	for (b = 0; b < BASE_COUNT; b++)
		build_base(&bases[b], b);

	for (it = 0; it < FUZZ_ITERS; it++) {
		struct cb *c = &bases[cb_rand_below(&seed, BASE_COUNT)];

		size = c->size;
		bo_count = c->nbos;
		memcpy(bo_size, c->bo_size, sizeof(bo_size));
		lim = c->lim;
		memcpy(scratch, c->buf, size);

		n = 1 + cb_rand_below(&seed, 4);
		for (i = 0; i < n; i++)
			mutate(scratch, size, &seed);
		switch (cb_rand_below(&seed, 16)) {
		case 0:		/* shrink or grow a BO */
			i = cb_rand_below(&seed, bo_count);
			bo_size[i] += (__u64)cb_rand_below(&seed, 129) - 64;
			if (bo_size[i] > (1U << 20))
				bo_size[i] = 0;
			break;
		case 1:		/* fewer BOs */
			bo_count = cb_rand_below(&seed, bo_count + 1);
			break;
		case 2:		/* tighter element limit */
			lim.max_tensor_elems = cb_rand_below(&seed, 64);
			break;
		case 3:		/* truncated stream */
			size = cb_rand_below(&seed, size + 1);
			break;
		default:
			break;
		}
		/* exactly size bytes, so ASan catches any read past the end */
		buf = malloc(size ? size : 1);
		ASSERT_NE(NULL, buf);
		memcpy(buf, scratch, size);
		ret = npu_fw_validate(buf, size, bo_size, bo_count, &lim, &d);
		ASSERT_NE(NULL, d.msg);
		if (ret) {
			ASSERT_TRUE(ret == -EINVAL || ret == -E2BIG || ret == -ERANGE ||
				    ret == -EOPNOTSUPP) TH_LOG("ret %d", ret);
		} else {
			accepted++;
			per_base[c - bases]++;
			run_on_exact_bos(buf, bo_size, bo_count, &seed);
		}
		free(buf);
	}
	TH_LOG("%lu of %d mutated streams accepted and run", accepted, FUZZ_ITERS);
	/* the run must exercise the interpreter on every base */
	for (b = 0; b < BASE_COUNT; b++) {
		EXPECT_LT(100UL, per_base[b]) TH_LOG("base %d", b);
		cb_free(&bases[b]);
	}
}

TEST_HARNESS_MAIN

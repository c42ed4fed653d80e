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
	BASE_CONVT,	/* t0 X f32 [1,4,3,3], t1 W [4,3,3,3], t2 bias [6] (BO0); t3 Y
			 * [1,6,6,3] (BO1); groups 2, stride (2,1), pads 1, output_pad (1,0)
			 */
	BASE_SUB,	/* t0 A f32 [2,1,4], t1 B [3,1] (BO0); t2 Y [2,3,4] (BO1) */
	BASE_MUL_Q,	/* t0 A i8 [2,3,4], t1 B i8 [4] (BO0); t2 Y i8 [2,3,4] (BO1) */
	BASE_DIV_I32,	/* t0 A i32 [5], t1 B i32 [1] (BO0); t2 Y [5] (BO1), RELU */
	BASE_SIGMOID,	/* t0 X f32 [3,5] (BO0); t1 Y [3,5] (BO1) */
	BASE_HSIG,	/* HARD_SIGMOID alpha 0.2 beta 0.5, as BASE_SIGMOID */
	BASE_MAXPOOL_Q,	/* t0 X u8 [1,2,7,7] (BO0); t1 Y u8 [1,2,4,4] (BO1); k 3,
			 * stride 2, pads 1, ceil mode
			 */
	BASE_AVGPOOL,	/* t0 X f32 [2,3,6,5] (BO0); t1 Y [2,3,3,5] (BO1); k (2,3),
			 * stride (2,1), pads t1 l1 b0 r1, COUNT_INCLUDE_PAD
			 */
	BASE_GAP,	/* t0 X f32 [2,3,4,5] (BO0); t1 Y [2,3,1,1] (BO1) */
	BASE_SOFTMAX,	/* t0 X f32 [2,3,4] (BO0); t1 Y (BO1); axis 1 */
	BASE_CONCAT,	/* t0 [2,1,4], t1 [2,3,4], t2 [2,2,4] f32 (BO0); t3 Y [2,6,4]
			 * (BO1); axis 1
			 */
	BASE_RESIZE,	/* t0 X f32 [1,2,3,4] (BO0); t1 Y [1,2,6,8] (BO1); linear,
			 * scales 2
			 */
	BASE_TRANSPOSE,	/* t0 X i8 [2,3,4] (BO0); t1 Y i8 [4,2,3] (BO1); perm 2,0,1 */
	BASE_COPY,	/* t0 X f32 [2,3,4] (BO0); t1 Y [6,4] (BO1) */
	BASE_QUANT,	/* t0 X f32 [10] (BO0); t1 Y u8 [10] (BO1) */
	BASE_DEQ_PC,	/* t0 X i8 [3,4] per-channel axis 0, t1 scales [3] (BO0);
			 * t2 Y f32 [3,4] (BO1)
			 */
	BASE_COUNT,
};

static struct npu_cmd_op *cb_op1(struct cb *c, __u16 opcode, __u32 x, __u32 y)
{
	struct npu_cmd_op *op = cb_new_op(c, opcode, 1);

	op->inputs[0] = x;
	op->outputs[0] = y;
	return op;
}

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
	case BASE_CONVT:
		cp.stride_w = 1;
		cp.output_pad_h = 1;
		a = CB_T(c, 0, NPU_DTYPE_F32, 1, 4, 3, 3);
		b = CB_T(c, 0, NPU_DTYPE_F32, 4, 3, 3, 3);
		bias = CB_T(c, 0, NPU_DTYPE_F32, 6);
		y = CB_T(c, 1, NPU_DTYPE_F32, 1, 6, 6, 3);
		op = cb_conv(c, a, b, bias, y, &cp);
		op->opcode = NPU_OP_CONV_TRANSPOSE2D;
		break;
	case BASE_SUB:
		a = CB_T(c, 0, NPU_DTYPE_F32, 2, 1, 4);
		b = CB_T(c, 0, NPU_DTYPE_F32, 3, 1);
		y = CB_T(c, 1, NPU_DTYPE_F32, 2, 3, 4);
		op = cb_add(c, a, b, y);
		op->opcode = NPU_OP_SUB;
		op->eltwise.activation = NPU_ACT_HARD_SIGMOID;
		op->eltwise.act_alpha = cb_f32bits(0.25f);
		op->eltwise.act_beta = cb_f32bits(-1.0f);
		break;
	case BASE_MUL_Q:
		a = CB_T(c, 0, NPU_DTYPE_I8, 2, 3, 4);
		b = CB_T(c, 0, NPU_DTYPE_I8, 4);
		y = CB_T(c, 1, NPU_DTYPE_I8, 2, 3, 4);
		cb_quant(c, a, 0.1f, -5);
		cb_quant(c, b, 0.2f, 2);
		cb_quant(c, y, 0.25f, 0);
		op = cb_add(c, a, b, y);
		op->opcode = NPU_OP_MUL;
		break;
	case BASE_DIV_I32:
		a = CB_T(c, 0, NPU_DTYPE_I32, 5);
		b = CB_T(c, 0, NPU_DTYPE_I32, 1);
		y = CB_T(c, 1, NPU_DTYPE_I32, 5);
		op = cb_add(c, a, b, y);
		op->opcode = NPU_OP_DIV;
		op->eltwise.activation = NPU_ACT_RELU;
		break;
	case BASE_SIGMOID:
	case BASE_HSIG:
		a = CB_T(c, 0, NPU_DTYPE_F32, 3, 5);
		y = CB_T(c, 1, NPU_DTYPE_F32, 3, 5);
		op = cb_op1(c, base == BASE_HSIG ? NPU_OP_HARD_SIGMOID : NPU_OP_SIGMOID, a, y);
		if (base == BASE_HSIG) {
			op->eltwise.act_alpha = cb_f32bits(0.2f);
			op->eltwise.act_beta = cb_f32bits(0.5f);
		}
		break;
	case BASE_MAXPOOL_Q:
		a = CB_T(c, 0, NPU_DTYPE_U8, 1, 2, 7, 7);
		y = CB_T(c, 1, NPU_DTYPE_U8, 1, 2, 4, 4);
		cb_quant(c, a, 0.5f, 7);
		cb_quant(c, y, 0.5f, 7);
		op = cb_op1(c, NPU_OP_MAXPOOL, a, y);
		op->pool = (struct npu_op_pool){ 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, NPU_POOL_CEIL_MODE };
		break;
	case BASE_AVGPOOL:
		a = CB_T(c, 0, NPU_DTYPE_F32, 2, 3, 6, 5);
		y = CB_T(c, 1, NPU_DTYPE_F32, 2, 3, 3, 5);
		op = cb_op1(c, NPU_OP_AVGPOOL, a, y);
		op->pool = (struct npu_op_pool){ 2, 3, 2, 1, 1, 1, 1, 1, 0, 1,
						 NPU_POOL_COUNT_INCLUDE_PAD };
		break;
	case BASE_GAP:
		a = CB_T(c, 0, NPU_DTYPE_F32, 2, 3, 4, 5);
		y = CB_T(c, 1, NPU_DTYPE_F32, 2, 3, 1, 1);
		cb_op1(c, NPU_OP_GLOBAL_AVGPOOL, a, y);
		break;
	case BASE_SOFTMAX:
		a = CB_T(c, 0, NPU_DTYPE_F32, 2, 3, 4);
		y = CB_T(c, 1, NPU_DTYPE_F32, 2, 3, 4);
		cb_op1(c, NPU_OP_SOFTMAX, a, y)->axis.axis = 1;
		break;
	case BASE_CONCAT:
		a = CB_T(c, 0, NPU_DTYPE_F32, 2, 1, 4);
		b = CB_T(c, 0, NPU_DTYPE_F32, 2, 3, 4);
		s = CB_T(c, 0, NPU_DTYPE_F32, 2, 2, 4);
		y = CB_T(c, 1, NPU_DTYPE_F32, 2, 6, 4);
		op = cb_new_op(c, NPU_OP_CONCAT, 3);
		op->inputs[0] = a;
		op->inputs[1] = b;
		op->inputs[2] = s;
		op->outputs[0] = y;
		op->axis.axis = 1;
		break;
	case BASE_RESIZE:
		a = CB_T(c, 0, NPU_DTYPE_F32, 1, 2, 3, 4);
		y = CB_T(c, 1, NPU_DTYPE_F32, 1, 2, 6, 8);
		op = cb_op1(c, NPU_OP_RESIZE, a, y);
		op->resize.mode = NPU_RESIZE_LINEAR;
		op->resize.scale_h = cb_f32bits(2.0f);
		op->resize.scale_w = cb_f32bits(2.0f);
		break;
	case BASE_TRANSPOSE:
		a = CB_T(c, 0, NPU_DTYPE_I8, 2, 3, 4);
		y = CB_T(c, 1, NPU_DTYPE_I8, 4, 2, 3);
		cb_quant(c, a, 0.5f, 1);
		cb_quant(c, y, 0.5f, 1);
		op = cb_op1(c, NPU_OP_TRANSPOSE, a, y);
		op->transpose.perm[0] = 2;
		op->transpose.perm[1] = 0;
		op->transpose.perm[2] = 1;
		break;
	case BASE_COPY:
		a = CB_T(c, 0, NPU_DTYPE_F32, 2, 3, 4);
		y = CB_T(c, 1, NPU_DTYPE_F32, 6, 4);
		cb_op1(c, NPU_OP_COPY, a, y);
		break;
	case BASE_QUANT:
		a = CB_T(c, 0, NPU_DTYPE_F32, 10);
		y = CB_T(c, 1, NPU_DTYPE_U8, 10);
		cb_quant(c, y, 0.1f, 128);
		cb_op1(c, NPU_OP_QUANTIZE, a, y);
		break;
	case BASE_DEQ_PC:
		a = CB_T(c, 0, NPU_DTYPE_I8, 3, 4);
		s = CB_T(c, 0, NPU_DTYPE_F32, 3);
		y = CB_T(c, 1, NPU_DTYPE_F32, 3, 4);
		cb_quant_pc(c, a, 0, s);
		cb_op1(c, NPU_OP_DEQUANTIZE, a, y);
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
		npu_fw_run(&job, i, 0, u, NULL);
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

/* the first @n tensors become U8, per-tensor scale 1 and zero point @zp */
static void q8_tensors(struct cb *c, __u32 n, int zp)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		T(i)->dtype = NPU_DTYPE_U8;
		T(i)->quant_type = NPU_QUANT_PER_TENSOR;
		T(i)->scale = F(1.0f);
		T(i)->zero_point = zp;
	}
}

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
BAD(tensor_flags, BASE_GEMM, EINVAL, -1, 1, T(1)->flags = 2;);
BAD(tensor_flags_high, BASE_GEMM, EINVAL, -1, 1, T(1)->flags = 0x80000001U;);
/* packed B without NPU_GEMM_TRANS_B (same bytes: N = 5 rows -> 1 panel) */
BAD(packed_b_without_trans_b, BASE_GEMM, EINVAL, 0, 1, T(1)->flags = NPU_TENSOR_PACKED_V1;);
BAD(packed_bias, BASE_GEMM, EINVAL, -1, 2, T(2)->flags = NPU_TENSOR_PACKED_V1;);
BAD(packed_grouped_conv_w, BASE_CONV, ERANGE, -1, 1, T(1)->flags = NPU_TENSOR_PACKED_V1;);
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

/* the new bases as built */
GOOD(base_convt, BASE_CONVT, );
GOOD(base_sub, BASE_SUB, );
GOOD(base_mul_q, BASE_MUL_Q, );
GOOD(base_div_i32, BASE_DIV_I32, );
GOOD(base_sigmoid, BASE_SIGMOID, );
GOOD(base_hsig, BASE_HSIG, );
GOOD(base_maxpool_q, BASE_MAXPOOL_Q, );
GOOD(base_avgpool, BASE_AVGPOOL, );
GOOD(base_gap, BASE_GAP, );
GOOD(base_softmax, BASE_SOFTMAX, );
GOOD(base_concat, BASE_CONCAT, );
GOOD(base_resize, BASE_RESIZE, );
GOOD(base_transpose, BASE_TRANSPOSE, );
GOOD(base_copy, BASE_COPY, );
GOOD(base_quant, BASE_QUANT, );
GOOD(base_deq_pc, BASE_DEQ_PC, );

/* activations and their parameters */
BAD(gemm_alpha_without_hsig, BASE_GEMM, EINVAL, 0, -1, O(0)->gemm.act_alpha = F(1.0f););
BAD(gemm_beta_with_clip, BASE_GEMM, EINVAL, 0, -1,
    cb_act(&O(0)->gemm.activation, &O(0)->gemm.act_min, &O(0)->gemm.act_max,
	   NPU_ACT_CLIP, -1.0f, 1.0f); O(0)->gemm.act_beta = F(0.5f););
BAD(gemm_hsig_bounds_set, BASE_GEMM, EINVAL, 0, -1,
    O(0)->gemm.activation = NPU_ACT_HARD_SIGMOID; O(0)->gemm.act_min = F(1.0f););
BAD(gemm_hsig_alpha_nan, BASE_GEMM, EINVAL, 0, -1,
    O(0)->gemm.activation = NPU_ACT_HARD_SIGMOID; O(0)->gemm.act_alpha = 0x7fc00000U;);
BAD(gemm_hsig_beta_inf, BASE_GEMM, EINVAL, 0, -1,
    O(0)->gemm.activation = NPU_ACT_HARD_SIGMOID; O(0)->gemm.act_beta = 0xff800000U;);
BAD(gemm_sigmoid_neg_zero_alpha, BASE_GEMM, EINVAL, 0, -1,
    O(0)->gemm.activation = NPU_ACT_SIGMOID; O(0)->gemm.act_alpha = 0x80000000U;);
GOOD(gemm_sigmoid, BASE_GEMM, O(0)->gemm.activation = NPU_ACT_SIGMOID;);
GOOD(gemm_hard_swish, BASE_GEMM, O(0)->gemm.activation = NPU_ACT_HARD_SWISH;);
GOOD(gemm_hsig_any_finite, BASE_GEMM,
     O(0)->gemm.activation = NPU_ACT_HARD_SIGMOID; O(0)->gemm.act_alpha = F(-3e38f);
     O(0)->gemm.act_beta = 0;);
BAD(gemm_q_sigmoid, BASE_GEMM_Q, EINVAL, 0, -1, O(0)->gemm.activation = NPU_ACT_SIGMOID;);
BAD(conv_q_hard_swish, BASE_CONV_Q, EINVAL, 0, -1,
    O(0)->conv2d.activation = NPU_ACT_HARD_SWISH;);
BAD(conv_q_hsig, BASE_CONV_Q, EINVAL, 0, -1,
    O(0)->conv2d.activation = NPU_ACT_HARD_SIGMOID; O(0)->conv2d.act_alpha = F(1.0f););
GOOD(conv_hsig, BASE_CONV,
     O(0)->conv2d.activation = NPU_ACT_HARD_SIGMOID; O(0)->conv2d.act_alpha = F(0.5f););
BAD(conv_alpha_without_hsig, BASE_CONV, EINVAL, 0, -1, O(0)->conv2d.act_alpha = F(1.0f););
BAD(conv_output_pad_h, BASE_CONV, EINVAL, 0, -1, O(0)->conv2d.output_pad_h = 1;);
BAD(conv_output_pad_w, BASE_CONV, EINVAL, 0, -1, O(0)->conv2d.output_pad_w = 1;);
BAD(add_q_sigmoid, BASE_ADD_Q, EINVAL, 0, -1, O(0)->eltwise.activation = NPU_ACT_SIGMOID;);
BAD(add_i32_hard_swish, BASE_ADD, EINVAL, 0, -1,
    T(0)->dtype = NPU_DTYPE_I32; T(1)->dtype = NPU_DTYPE_I32; T(2)->dtype = NPU_DTYPE_I32;
    O(0)->eltwise.activation = NPU_ACT_HARD_SWISH;);
BAD(add_param_word_5, BASE_ADD, EINVAL, 0, -1, O(0)->raw[5] = 1;);
BAD(gemm_param_word_6, BASE_GEMM, EINVAL, 0, -1, O(0)->raw[6] = 1;);

/* CONV_TRANSPOSE2D */
BAD(convt_stride_0, BASE_CONVT, EINVAL, 0, -1, O(0)->conv2d.stride_w = 0;);
BAD(convt_stride_65, BASE_CONVT, EINVAL, 0, -1, O(0)->conv2d.stride_h = 65;);
BAD(convt_dilation_0, BASE_CONVT, EINVAL, 0, -1, O(0)->conv2d.dilation_h = 0;);
BAD(convt_groups_0, BASE_CONVT, EINVAL, 0, -1, O(0)->conv2d.groups = 0;);
BAD(convt_groups_3, BASE_CONVT, EINVAL, 0, 0, O(0)->conv2d.groups = 3;);
BAD(convt_w_dim0, BASE_CONVT, EINVAL, 0, 1, T(1)->shape[0] = 2;);
BAD(convt_x_3d, BASE_CONVT, EINVAL, 0, 0,
    T(0)->ndim = 3; T(0)->shape[0] = 4; T(0)->shape[3] = 0;);
BAD(convt_w_3d, BASE_CONVT, EINVAL, 0, 1, T(1)->ndim = 3; T(1)->shape[3] = 0;);
BAD(convt_opad_eq_stride, BASE_CONVT, EINVAL, 0, -1, O(0)->conv2d.output_pad_h = 2;);
BAD(convt_opad_w_stride_1, BASE_CONVT, EINVAL, 0, -1, O(0)->conv2d.output_pad_w = 1;);
/* output_pad below the dilation is fine even with stride 1: OW + 1 */
GOOD(convt_opad_below_dilation, BASE_CONVT,
     O(0)->conv2d.output_pad_w = 1; O(0)->conv2d.dilation_w = 2; T(3)->shape[3] = 3 + 1 + 2;
     k->bo_size[1] = 4096;);
BAD(convt_pad_eq_extent, BASE_CONVT, EINVAL, 0, -1, O(0)->conv2d.pad_left = 3;);
BAD(convt_pads_leave_nothing, BASE_CONVT, EINVAL, 0, -1,
    T(0)->shape[3] = 1; O(0)->conv2d.pad_left = 2; O(0)->conv2d.pad_right = 1;);
GOOD(convt_pads_leave_one, BASE_CONVT,
     T(0)->shape[3] = 1; O(0)->conv2d.pad_left = 1; O(0)->conv2d.pad_right = 1;
     T(3)->shape[3] = 1;);
BAD(convt_y_oh, BASE_CONVT, EINVAL, 0, 3, T(3)->shape[2] = 5;);
BAD(convt_y_ow, BASE_CONVT, EINVAL, 0, 3, T(3)->shape[3] = 4; k->bo_size[1] = 4096;);
BAD(convt_y_oc, BASE_CONVT, EINVAL, 0, 3, T(3)->shape[1] = 3;);
BAD(convt_y_n, BASE_CONVT, EINVAL, 0, 3, T(3)->shape[0] = 2; k->bo_size[1] = 4096;);
BAD(convt_bias_len, BASE_CONVT, EINVAL, 0, 2, T(2)->shape[0] = 3;);
GOOD(convt_no_bias, BASE_CONVT, O(0)->inputs[2] = NT;);
BAD(convt_x_i8, BASE_CONVT, EINVAL, 0, 0,
    T(0)->dtype = NPU_DTYPE_I8; T(0)->quant_type = NPU_QUANT_PER_TENSOR; T(0)->scale = F(1););
BAD(convt_w_i32, BASE_CONVT, EINVAL, 0, 1, T(1)->dtype = NPU_DTYPE_I32;);
BAD(convt_bias_i32, BASE_CONVT, EINVAL, 0, 2, T(2)->dtype = NPU_DTYPE_I32;);
BAD(convt_y_i32, BASE_CONVT, EINVAL, 0, 3, T(3)->dtype = NPU_DTYPE_I32;);
BAD(convt_act_unknown, BASE_CONVT, EINVAL, 0, -1, O(0)->conv2d.activation = NPU_ACT_COUNT;);
GOOD(convt_sigmoid, BASE_CONVT, O(0)->conv2d.activation = NPU_ACT_SIGMOID;);
BAD(convt_num_inputs_2, BASE_CONVT, EINVAL, 0, -1, O(0)->num_inputs = 2;);
BAD(convt_alias, BASE_CONVT, EINVAL, 0, 3, T(3)->bo_index = 0; T(3)->offset = T(1)->offset;);

/* SUB, MUL, DIV and broadcasting to Y */
BAD(sub_y_rank_low, BASE_SUB, EINVAL, 0, 0,
    T(2)->ndim = 2; T(2)->shape[0] = 3; T(2)->shape[1] = 4; T(2)->shape[2] = 0;);
BAD(sub_y_rank_high, BASE_SUB, EINVAL, 0, 2,
    T(2)->ndim = 4; T(2)->shape[0] = 1; T(2)->shape[1] = 2; T(2)->shape[2] = 3;
    T(2)->shape[3] = 4;);
BAD(sub_y_dim_larger, BASE_SUB, EINVAL, 0, 2, T(2)->shape[0] = 3; k->bo_size[1] = 4096;);
BAD(sub_y_dim_one, BASE_SUB, EINVAL, 0, 2, T(2)->shape[1] = 1;);
BAD(sub_b_mismatch, BASE_SUB, EINVAL, 0, 1, T(1)->shape[1] = 3; k->bo_size[0] = 4096;);
GOOD(sub_a_scalar, BASE_SUB,
     T(0)->ndim = 1; T(0)->shape[0] = 1; T(0)->shape[1] = 0; T(0)->shape[2] = 0;
     T(2)->ndim = 2; T(2)->shape[0] = 3; T(2)->shape[1] = 1; T(2)->shape[2] = 0;);
GOOD(sub_i32, BASE_SUB,
     T(0)->dtype = NPU_DTYPE_I32; T(1)->dtype = NPU_DTYPE_I32; T(2)->dtype = NPU_DTYPE_I32;
     cb_act(&O(0)->eltwise.activation, &O(0)->eltwise.act_min, &O(0)->eltwise.act_max,
	    NPU_ACT_CLIP, -3.0f, 3.0f); O(0)->eltwise.act_alpha = 0; O(0)->eltwise.act_beta = 0;);
BAD(sub_q8, BASE_MUL_Q, EINVAL, 0, 0, O(0)->opcode = NPU_OP_SUB;);
BAD(div_q8, BASE_MUL_Q, EINVAL, 0, 0, O(0)->opcode = NPU_OP_DIV;);
GOOD(add_q_full_broadcast, BASE_MUL_Q, O(0)->opcode = NPU_OP_ADD;);
BAD(sub_hsig_alpha_nan, BASE_SUB, EINVAL, 0, -1, O(0)->eltwise.act_alpha = 0x7f800001U;);
BAD(sub_b_f32_a_i32, BASE_SUB, EINVAL, 0, 1,
    T(0)->dtype = NPU_DTYPE_I32; T(2)->dtype = NPU_DTYPE_I32;
    O(0)->eltwise.activation = 0; O(0)->eltwise.act_alpha = 0; O(0)->eltwise.act_beta = 0;);
BAD(sub_y_i32, BASE_SUB, EINVAL, 0, 2, T(2)->dtype = NPU_DTYPE_I32;);
BAD(mul_q_y_scale_0, BASE_MUL_Q, EINVAL, -1, 2, T(2)->scale = 0;);
BAD(mul_q_b_u8, BASE_MUL_Q, EINVAL, 0, 1, T(1)->dtype = NPU_DTYPE_U8;);
BAD(mul_q_y_unquantized, BASE_MUL_Q, EINVAL, 0, 2,
    T(2)->quant_type = NPU_QUANT_NONE; T(2)->scale = 0;);
BAD(mul_q_relu_bounds, BASE_MUL_Q, EINVAL, 0, -1,
    O(0)->eltwise.activation = NPU_ACT_RELU; O(0)->eltwise.act_min = F(0.0f) | 1;);
BAD(div_i32_sigmoid, BASE_DIV_I32, EINVAL, 0, -1, O(0)->eltwise.activation = NPU_ACT_SIGMOID;);
BAD(div_num_inputs_1, BASE_DIV_I32, EINVAL, 0, -1, O(0)->num_inputs = 1;);
BAD(div_b_missing, BASE_DIV_I32, EINVAL, 0, -1, O(0)->inputs[1] = NT;);
BAD(div_alias_b, BASE_DIV_I32, EINVAL, 0, 2,
    T(2)->bo_index = 0; T(2)->offset = T(1)->offset; k->bo_size[0] = 256;);
BAD(div_param_word_5, BASE_DIV_I32, EINVAL, 0, -1, O(0)->raw[5] = 1;);

/* SIGMOID, HARD_SIGMOID, HARD_SWISH, TANH */
BAD(sigmoid_activation, BASE_SIGMOID, EINVAL, 0, -1, O(0)->eltwise.activation = NPU_ACT_RELU;);
BAD(sigmoid_alpha, BASE_SIGMOID, EINVAL, 0, -1, O(0)->eltwise.act_alpha = F(1.0f););
BAD(sigmoid_min, BASE_SIGMOID, EINVAL, 0, -1, O(0)->eltwise.act_min = F(1.0f););
BAD(sigmoid_y_shape, BASE_SIGMOID, EINVAL, 0, 1, T(1)->shape[1] = 4;);
BAD(sigmoid_x_i32, BASE_SIGMOID, EINVAL, 0, 0,
    T(0)->dtype = NPU_DTYPE_I32; T(1)->dtype = NPU_DTYPE_I32;);
BAD(sigmoid_y_i32, BASE_SIGMOID, EINVAL, 0, 1, T(1)->dtype = NPU_DTYPE_I32;);
BAD(sigmoid_num_outputs_2, BASE_SIGMOID, EINVAL, 0, -1, O(0)->num_outputs = 2;);
GOOD(tanh_ok, BASE_SIGMOID, O(0)->opcode = NPU_OP_TANH;);
GOOD(hard_swish_ok, BASE_SIGMOID, O(0)->opcode = NPU_OP_HARD_SWISH;);
BAD(tanh_beta, BASE_SIGMOID, EINVAL, 0, -1,
    O(0)->opcode = NPU_OP_TANH; O(0)->eltwise.act_beta = F(1.0f););
BAD(hard_swish_q8, BASE_SIGMOID, EINVAL, 0, 0,
    O(0)->opcode = NPU_OP_HARD_SWISH; T(0)->dtype = NPU_DTYPE_U8;
    T(0)->quant_type = NPU_QUANT_PER_TENSOR; T(0)->scale = F(1.0f););
BAD(hsig_alpha_inf, BASE_HSIG, EINVAL, 0, -1, O(0)->eltwise.act_alpha = 0x7f800000U;);
BAD(hsig_beta_nan, BASE_HSIG, EINVAL, 0, -1, O(0)->eltwise.act_beta = 0xffc00000U;);
BAD(hsig_clip_bounds, BASE_HSIG, EINVAL, 0, -1, O(0)->eltwise.act_max = F(1.0f););
BAD(hsig_activation, BASE_HSIG, EINVAL, 0, -1,
    O(0)->eltwise.activation = NPU_ACT_HARD_SIGMOID;);
GOOD(hsig_zero_params, BASE_HSIG, O(0)->eltwise.act_alpha = 0; O(0)->eltwise.act_beta = 0;);
BAD(sigmoid_alias, BASE_SIGMOID, EINVAL, 0, 1,
    T(1)->bo_index = 0; T(1)->offset = 4; k->bo_size[0] = 256;);

/* MAXPOOL, AVGPOOL, GLOBAL_AVGPOOL */
BAD(maxpool_kernel_0, BASE_MAXPOOL_Q, EINVAL, 0, -1, O(0)->pool.kernel_h = 0;);
BAD(maxpool_kernel_257, BASE_MAXPOOL_Q, EINVAL, 0, -1, O(0)->pool.kernel_w = 257;);
BAD(maxpool_stride_0, BASE_MAXPOOL_Q, EINVAL, 0, -1, O(0)->pool.stride_h = 0;);
BAD(maxpool_stride_65, BASE_MAXPOOL_Q, EINVAL, 0, -1, O(0)->pool.stride_w = 65;);
BAD(maxpool_dilation_0, BASE_MAXPOOL_Q, EINVAL, 0, -1, O(0)->pool.dilation_w = 0;);
BAD(maxpool_dilation_65, BASE_MAXPOOL_Q, EINVAL, 0, -1, O(0)->pool.dilation_h = 65;);
BAD(maxpool_flags_unknown, BASE_MAXPOOL_Q, EINVAL, 0, -1, O(0)->pool.flags = 4;);
BAD(maxpool_include_pad, BASE_MAXPOOL_Q, EINVAL, 0, -1,
    O(0)->pool.flags |= NPU_POOL_COUNT_INCLUDE_PAD;);
BAD(maxpool_pad_eq_window, BASE_MAXPOOL_Q, EINVAL, 0, -1, O(0)->pool.pad_bottom = 3;);
BAD(maxpool_window_too_big, BASE_MAXPOOL_Q, EINVAL, 0, -1,
    O(0)->pool.kernel_h = 10; O(0)->pool.pad_top = 0; O(0)->pool.pad_bottom = 0;);
/* floor mode: (9 - 3) / 2 + 1 = 4 as well; with pads 0: 3 (ceil) vs 3 */
GOOD(maxpool_floor_same, BASE_MAXPOOL_Q, O(0)->pool.flags = 0;);
BAD(maxpool_ceil_y_oh, BASE_MAXPOOL_Q, EINVAL, 0, 1, T(1)->shape[2] = 5; k->bo_size[1] = 4096;);
/* H 8, pads 1: ceil(7 / 2) = 4 -> 5 windows, the last starts at 8 - 1 < 8 + 1 */
GOOD(maxpool_ceil_extra, BASE_MAXPOOL_Q,
     T(0)->shape[2] = 8; T(1)->shape[2] = 5; k->bo_size[0] = 512; k->bo_size[1] = 512;);
BAD(maxpool_floor_extra, BASE_MAXPOOL_Q, EINVAL, 0, 1,
    O(0)->pool.flags = 0; T(0)->shape[2] = 8; T(1)->shape[2] = 5; k->bo_size[0] = 512;
    k->bo_size[1] = 512;);
/* H 2, k 1, stride 2, no pads: ceil would add a window starting at 2: dropped */
GOOD(maxpool_ceil_dropped, BASE_MAXPOOL_Q,
     T(0)->shape[2] = 2; O(0)->pool.kernel_h = 1; O(0)->pool.pad_top = 0;
     O(0)->pool.pad_bottom = 0; T(1)->shape[2] = 1;);
BAD(maxpool_ceil_dropped_2, BASE_MAXPOOL_Q, EINVAL, 0, 1,
    T(0)->shape[2] = 2; O(0)->pool.kernel_h = 1; O(0)->pool.pad_top = 0;
    O(0)->pool.pad_bottom = 0; T(1)->shape[2] = 2;);
GOOD(maxpool_dilated, BASE_MAXPOOL_Q,
     O(0)->pool.dilation_h = 2; O(0)->pool.flags = 0; T(1)->shape[2] = 3;);
BAD(maxpool_y_c, BASE_MAXPOOL_Q, EINVAL, 0, 1, T(1)->shape[1] = 1;);
BAD(maxpool_x_3d, BASE_MAXPOOL_Q, EINVAL, 0, 0,
    T(0)->ndim = 3; T(0)->shape[0] = 2; T(0)->shape[3] = 0;);
BAD(maxpool_q_zp_differs, BASE_MAXPOOL_Q, EINVAL, 0, 1, T(1)->zero_point = 8;);
BAD(maxpool_y_f32, BASE_MAXPOOL_Q, EINVAL, 0, 1,
    T(1)->dtype = NPU_DTYPE_F32; T(1)->quant_type = 0; T(1)->scale = 0; T(1)->zero_point = 0;
    k->bo_size[1] = 4 * 32;);
BAD(maxpool_i32, BASE_AVGPOOL, EINVAL, 0, 0,
    O(0)->opcode = NPU_OP_MAXPOOL; O(0)->pool.flags = 0; T(0)->dtype = NPU_DTYPE_I32;
    T(1)->dtype = NPU_DTYPE_I32;);
GOOD(maxpool_f32, BASE_AVGPOOL, O(0)->opcode = NPU_OP_MAXPOOL; O(0)->pool.flags = 0;);
BAD(maxpool_param_word_11, BASE_MAXPOOL_Q, EINVAL, 0, -1, O(0)->raw[11] = 1;);
BAD(avgpool_dilation_2, BASE_AVGPOOL, EINVAL, 0, -1, O(0)->pool.dilation_w = 2;);
BAD(avgpool_dilation_0, BASE_AVGPOOL, EINVAL, 0, -1, O(0)->pool.dilation_h = 0;);
BAD(avgpool_x_i32, BASE_AVGPOOL, EINVAL, 0, 0,
    T(0)->dtype = NPU_DTYPE_I32; T(1)->dtype = NPU_DTYPE_I32;);
BAD(avgpool_y_ow, BASE_AVGPOOL, EINVAL, 0, 1, T(1)->shape[3] = 4;);
GOOD(avgpool_ceil, BASE_AVGPOOL,
     O(0)->pool.flags |= NPU_POOL_CEIL_MODE; T(1)->shape[2] = 4; k->bo_size[1] = 1024;);
BAD(avgpool_unit_work, BASE_AVGPOOL, E2BIG, 0, 0,
    O(0)->pool.kernel_h = 256; O(0)->pool.kernel_w = 256; O(0)->pool.pad_top = 0;
    O(0)->pool.pad_left = 0; O(0)->pool.pad_right = 0; T(0)->shape[2] = 256;
    T(0)->shape[3] = 768; T(1)->shape[2] = 1; T(1)->shape[3] = 513;
    k->bo_size[0] = 1ULL << 32; k->bo_size[1] = 1ULL << 32;);
GOOD(avgpool_unit_work_max, BASE_AVGPOOL,
     O(0)->pool.kernel_h = 256; O(0)->pool.kernel_w = 256; O(0)->pool.pad_top = 0;
     O(0)->pool.pad_left = 0; O(0)->pool.pad_right = 0; T(0)->shape[2] = 256;
     T(0)->shape[3] = 767; T(1)->shape[2] = 1; T(1)->shape[3] = 512; T(1)->shape[0] = 1;
     T(1)->shape[1] = 1; T(0)->shape[0] = 1; T(0)->shape[1] = 1;
     k->bo_size[0] = 1ULL << 32; k->bo_size[1] = 1ULL << 32;);
BAD(gap_params, BASE_GAP, EINVAL, 0, -1, O(0)->pool.stride_h = 1;);
BAD(gap_flags, BASE_GAP, EINVAL, 0, -1, O(0)->pool.flags = NPU_POOL_CEIL_MODE;);
BAD(gap_y_hw, BASE_GAP, EINVAL, 0, 1, T(1)->shape[3] = 5; k->bo_size[1] = 4096;);
BAD(gap_y_2d, BASE_GAP, EINVAL, 0, 1, T(1)->ndim = 2; T(1)->shape[2] = 0; T(1)->shape[3] = 0;);
BAD(gap_x_i32, BASE_GAP, EINVAL, 0, 0, T(0)->dtype = NPU_DTYPE_I32;);
BAD(gap_plane, BASE_GAP, E2BIG, 0, 0,
    T(0)->shape[0] = 1; T(0)->shape[1] = 1; T(0)->shape[2] = 8192; T(0)->shape[3] = 4097;
    T(1)->shape[0] = 1; T(1)->shape[1] = 1; k->bo_size[0] = 1ULL << 32;
    k->lim.max_tensor_elems = 1U << 26;);

/* SOFTMAX */
BAD(softmax_axis_3, BASE_SOFTMAX, EINVAL, 0, -1, O(0)->axis.axis = 3;);
BAD(softmax_axis_huge, BASE_SOFTMAX, EINVAL, 0, -1, O(0)->axis.axis = 0xffffffffU;);
GOOD(softmax_axis_0, BASE_SOFTMAX, O(0)->axis.axis = 0;);
GOOD(softmax_axis_2, BASE_SOFTMAX, O(0)->axis.axis = 2;);
BAD(softmax_param_word_1, BASE_SOFTMAX, EINVAL, 0, -1, O(0)->raw[1] = 1;);
BAD(softmax_y_shape, BASE_SOFTMAX, EINVAL, 0, 1, T(1)->shape[2] = 3;);
BAD(softmax_x_i32, BASE_SOFTMAX, EINVAL, 0, 0,
    T(0)->dtype = NPU_DTYPE_I32; T(1)->dtype = NPU_DTYPE_I32;);
BAD(softmax_axis_long, BASE_SOFTMAX, E2BIG, 0, 0,
    T(0)->ndim = 2; T(0)->shape[0] = 1; T(0)->shape[1] = (1U << 20) + 1; T(0)->shape[2] = 0;
    T(1)->ndim = 2; T(1)->shape[0] = 1; T(1)->shape[1] = (1U << 20) + 1; T(1)->shape[2] = 0;
    k->bo_size[0] = 1ULL << 32; k->bo_size[1] = 1ULL << 32;);
GOOD(softmax_axis_2_20, BASE_SOFTMAX,
     T(0)->ndim = 2; T(0)->shape[0] = 3; T(0)->shape[1] = 1U << 20; T(0)->shape[2] = 0;
     T(1)->ndim = 2; T(1)->shape[0] = 3; T(1)->shape[1] = 1U << 20; T(1)->shape[2] = 0;
     k->bo_size[0] = 1ULL << 32; k->bo_size[1] = 1ULL << 32;);

/* CONCAT */
BAD(concat_num_inputs_0, BASE_CONCAT, EINVAL, 0, -1, O(0)->num_inputs = 0;);
BAD(concat_num_inputs_5, BASE_CONCAT, EINVAL, 0, -1, O(0)->num_inputs = 5;);
BAD(concat_slot_past_count, BASE_CONCAT, EINVAL, 0, -1, O(0)->num_inputs = 2;);
BAD(concat_input_missing, BASE_CONCAT, EINVAL, 0, -1, O(0)->inputs[1] = NT;);
BAD(concat_input_4_set, BASE_CONCAT, EINVAL, 0, -1, O(0)->inputs[3] = 0;);
BAD(concat_axis_3, BASE_CONCAT, EINVAL, 0, -1, O(0)->axis.axis = 3;);
BAD(concat_y_sum, BASE_CONCAT, EINVAL, 0, 3, T(3)->shape[1] = 5;);
BAD(concat_off_axis, BASE_CONCAT, EINVAL, 0, 2, T(2)->shape[2] = 3;);
BAD(concat_rank, BASE_CONCAT, EINVAL, 0, 1, T(1)->ndim = 2; T(1)->shape[1] = 12; T(1)->shape[2] = 0;);
BAD(concat_dtype, BASE_CONCAT, EINVAL, 0, 0, T(0)->dtype = NPU_DTYPE_I32;);
BAD(concat_param_word_1, BASE_CONCAT, EINVAL, 0, -1, O(0)->raw[1] = 1;);
GOOD(concat_one_input, BASE_CONCAT,
     O(0)->num_inputs = 1; O(0)->inputs[1] = NT; O(0)->inputs[2] = NT; T(3)->shape[1] = 1;);
GOOD(concat_four_inputs, BASE_CONCAT,
     O(0)->num_inputs = 4; O(0)->inputs[3] = 0; T(3)->shape[1] = 7; k->bo_size[1] += 32;);
GOOD(concat_same_input_twice, BASE_CONCAT, O(0)->inputs[2] = 0; T(3)->shape[1] = 5;);
GOOD(concat_axis_2, BASE_CONCAT,
     O(0)->axis.axis = 2; T(0)->shape[1] = 3; T(2)->shape[1] = 3; T(3)->shape[1] = 3;
     T(3)->shape[2] = 12; k->bo_size[0] += 256; k->bo_size[1] += 128;);
BAD(concat_alias, BASE_CONCAT, EINVAL, 0, 3,
    T(3)->bo_index = 0; T(3)->offset = T(2)->offset; k->bo_size[0] = 4096;);
BAD(concat_q_scale, BASE_CONCAT, EINVAL, 0, 2, q8_tensors(c, 4, 0); T(2)->scale = F(2.0f););
GOOD(concat_q, BASE_CONCAT, q8_tensors(c, 4, 9););
BAD(concat_q_zp, BASE_CONCAT, EINVAL, 0, 0, q8_tensors(c, 4, 9); T(0)->zero_point = 8;);
BAD(concat_q_y_unquantized, BASE_CONCAT, EINVAL, 0, 3,
    q8_tensors(c, 3, 9); T(3)->dtype = NPU_DTYPE_U8;);

/* RESIZE */
BAD(resize_mode, BASE_RESIZE, EINVAL, 0, -1, O(0)->resize.mode = NPU_RESIZE_MODE_COUNT;);
BAD(resize_coord, BASE_RESIZE, EINVAL, 0, -1, O(0)->resize.coord = NPU_RESIZE_COORD_COUNT;);
BAD(resize_nearest_on_linear, BASE_RESIZE, EINVAL, 0, -1,
    O(0)->resize.nearest = NPU_RESIZE_FLOOR;);
BAD(resize_nearest_unknown, BASE_RESIZE, EINVAL, 0, -1,
    O(0)->resize.mode = NPU_RESIZE_NEAREST; O(0)->resize.nearest = NPU_RESIZE_NEAREST_COUNT;);
GOOD(resize_nearest_ceil, BASE_RESIZE,
     O(0)->resize.mode = NPU_RESIZE_NEAREST; O(0)->resize.nearest = NPU_RESIZE_CEIL;
     O(0)->resize.coord = NPU_RESIZE_ALIGN_CORNERS;);
BAD(resize_scale_neg, BASE_RESIZE, EINVAL, 0, -1, O(0)->resize.scale_h = F(-2.0f););
BAD(resize_scale_nan, BASE_RESIZE, EINVAL, 0, -1, O(0)->resize.scale_w = 0x7fc00000U;);
BAD(resize_scale_inf, BASE_RESIZE, EINVAL, 0, -1, O(0)->resize.scale_w = 0x7f800000U;);
BAD(resize_scale_neg_zero, BASE_RESIZE, EINVAL, 0, -1, O(0)->resize.scale_h = 0x80000000U;);
GOOD(resize_sizes_only, BASE_RESIZE, O(0)->resize.scale_h = 0; O(0)->resize.scale_w = 0;
     T(1)->shape[2] = 5; T(1)->shape[3] = 1;);
BAD(resize_oh_mismatch, BASE_RESIZE, EINVAL, 0, 1, T(1)->shape[2] = 7; k->bo_size[1] = 4096;);
/* 3 * 1.7 = 5.1 -> 5; 4 * 0.3 = 1.2 -> 1 */
GOOD(resize_scale_floor, BASE_RESIZE,
     O(0)->resize.scale_h = F(1.7f); O(0)->resize.scale_w = F(0.3f); T(1)->shape[2] = 5;
     T(1)->shape[3] = 1;);
/* 4 * 0.25 = 1 exactly; 4 * 0.24999999 < 1: no output */
GOOD(resize_scale_exact, BASE_RESIZE, O(0)->resize.scale_w = F(0.25f); T(1)->shape[3] = 1;);
BAD(resize_scale_below_one_output, BASE_RESIZE, EINVAL, 0, 1,
    O(0)->resize.scale_w = F(0.25f) - 1; T(1)->shape[3] = 1;);
BAD(resize_scale_subnormal, BASE_RESIZE, EINVAL, 0, 1, O(0)->resize.scale_w = 1;);
BAD(resize_scale_max, BASE_RESIZE, EINVAL, 0, 1, O(0)->resize.scale_h = 0x7f7fffffU;);
BAD(resize_y_c, BASE_RESIZE, EINVAL, 0, 1, T(1)->shape[1] = 1;);
BAD(resize_x_3d, BASE_RESIZE, EINVAL, 0, 0, T(0)->ndim = 3; T(0)->shape[3] = 0;);
BAD(resize_x_i32, BASE_RESIZE, EINVAL, 0, 0, T(0)->dtype = NPU_DTYPE_I32;);
BAD(resize_row_wide, BASE_RESIZE, E2BIG, 0, 1,
    O(0)->resize.scale_w = 0; T(1)->shape[3] = (1U << 20) + 1; k->bo_size[1] = 1ULL << 32;);
GOOD(resize_row_2_20, BASE_RESIZE,
     O(0)->resize.scale_w = 0; T(1)->shape[3] = 1U << 20; T(1)->shape[1] = 2; T(1)->shape[2] = 6;
     k->bo_size[1] = 1ULL << 32;);
BAD(resize_param_word_5, BASE_RESIZE, EINVAL, 0, -1, O(0)->raw[5] = 1;);

/* TRANSPOSE */
BAD(transpose_perm_dup, BASE_TRANSPOSE, EINVAL, 0, -1, O(0)->transpose.perm[1] = 2;);
BAD(transpose_perm_range, BASE_TRANSPOSE, EINVAL, 0, -1, O(0)->transpose.perm[0] = 3;);
BAD(transpose_perm_past_rank, BASE_TRANSPOSE, EINVAL, 0, -1, O(0)->transpose.perm[3] = 3;);
BAD(transpose_perm_huge, BASE_TRANSPOSE, EINVAL, 0, -1,
    O(0)->transpose.perm[2] = 0xffffffffU;);
BAD(transpose_y_shape, BASE_TRANSPOSE, EINVAL, 0, 1, T(1)->shape[0] = 3; T(1)->shape[2] = 4;);
BAD(transpose_y_rank, BASE_TRANSPOSE, EINVAL, 0, 1,
    T(1)->ndim = 2; T(1)->shape[1] = 6; T(1)->shape[2] = 0;);
BAD(transpose_q_scale, BASE_TRANSPOSE, EINVAL, 0, 1, T(1)->scale = F(1.0f););
BAD(transpose_y_u8, BASE_TRANSPOSE, EINVAL, 0, 1, T(1)->dtype = NPU_DTYPE_U8;);
GOOD(transpose_identity, BASE_TRANSPOSE,
     O(0)->transpose.perm[0] = 0; O(0)->transpose.perm[1] = 1; O(0)->transpose.perm[2] = 2;
     T(1)->shape[0] = 2; T(1)->shape[1] = 3; T(1)->shape[2] = 4;);
BAD(transpose_param_word_4, BASE_TRANSPOSE, EINVAL, 0, -1, O(0)->raw[4] = 1;);

/* COPY */
BAD(copy_count, BASE_COPY, EINVAL, 0, 1, T(1)->shape[0] = 5;);
BAD(copy_dtype, BASE_COPY, EINVAL, 0, 1, T(1)->dtype = NPU_DTYPE_I32;);
BAD(copy_param_word_0, BASE_COPY, EINVAL, 0, -1, O(0)->raw[0] = 1;);
GOOD(copy_1d, BASE_COPY, T(1)->ndim = 1; T(1)->shape[0] = 24; T(1)->shape[1] = 0;);
BAD(copy_alias_partial, BASE_COPY, EINVAL, 0, 1,
    T(1)->bo_index = 0; T(1)->offset = 92; k->bo_size[0] = 256;);
BAD(copy_i8_unquantized, BASE_COPY, EINVAL, 0, 0,
    T(0)->dtype = NPU_DTYPE_I8; T(1)->dtype = NPU_DTYPE_I8;);
BAD(copy_pc, BASE_DEQ_PC, EINVAL, 0, 0,
    O(0)->opcode = NPU_OP_COPY; T(2)->dtype = NPU_DTYPE_I8;);

/* QUANTIZE, DEQUANTIZE */
BAD(quant_x_i32, BASE_QUANT, EINVAL, 0, 0, T(0)->dtype = NPU_DTYPE_I32;);
BAD(quant_y_unquantized, BASE_QUANT, EINVAL, 0, 1,
    T(1)->quant_type = NPU_QUANT_NONE; T(1)->scale = 0; T(1)->zero_point = 0;);
BAD(quant_y_f32, BASE_QUANT, EINVAL, 0, 1,
    T(1)->dtype = NPU_DTYPE_F32; T(1)->quant_type = NPU_QUANT_NONE; T(1)->scale = 0;
    T(1)->zero_point = 0; k->bo_size[1] = 40;);
BAD(quant_shape, BASE_QUANT, EINVAL, 0, 1, T(1)->shape[0] = 9;);
BAD(quant_activation, BASE_QUANT, EINVAL, 0, -1, O(0)->eltwise.activation = NPU_ACT_RELU;);
BAD(quant_alpha, BASE_QUANT, EINVAL, 0, -1, O(0)->eltwise.act_alpha = 1;);
GOOD(quant_i8, BASE_QUANT, T(1)->dtype = NPU_DTYPE_I8; T(1)->zero_point = -3;);
BAD(deq_x_f32, BASE_DEQ_PC, EINVAL, 0, 0,
    T(0)->dtype = NPU_DTYPE_F32; T(0)->quant_type = NPU_QUANT_NONE; T(0)->scale_tensor = NT;);
BAD(deq_x_i8_plain, BASE_DEQ_PC, EINVAL, 0, 0,
    T(0)->quant_type = NPU_QUANT_NONE; T(0)->scale_tensor = NT;);
GOOD(deq_x_i32, BASE_DEQ_PC,
     T(0)->dtype = NPU_DTYPE_I32; T(0)->quant_type = NPU_QUANT_NONE; T(0)->scale_tensor = NT;);
GOOD(deq_per_tensor, BASE_DEQ_PC,
     T(0)->quant_type = NPU_QUANT_PER_TENSOR; T(0)->scale_tensor = NT; T(0)->scale = F(0.5f);
     T(0)->zero_point = -1;);
GOOD(deq_axis_1, BASE_DEQ_PC, T(0)->quant_axis = 1; T(1)->shape[0] = 4; k->bo_size[0] += 4;);
BAD(deq_y_i32, BASE_DEQ_PC, EINVAL, 0, 2, T(2)->dtype = NPU_DTYPE_I32;);
BAD(deq_shape, BASE_DEQ_PC, EINVAL, 0, 2, T(2)->shape[1] = 3;);
BAD(deq_alias_scales, BASE_DEQ_PC, EINVAL, 0, 2,
    T(2)->bo_index = 0; T(2)->offset = T(1)->offset; k->bo_size[0] = 256;);

/* unknown opcodes start past the last one */
BAD(opcode_24, BASE_RELU, EOPNOTSUPP, 0, -1, O(0)->opcode = 24;);

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
	EXPECT_STREQ("CONV_TRANSPOSE2D", npu_fw_op_name(NPU_OP_CONV_TRANSPOSE2D));
	EXPECT_STREQ("SUB", npu_fw_op_name(NPU_OP_SUB));
	EXPECT_STREQ("MUL", npu_fw_op_name(NPU_OP_MUL));
	EXPECT_STREQ("DIV", npu_fw_op_name(NPU_OP_DIV));
	EXPECT_STREQ("SIGMOID", npu_fw_op_name(NPU_OP_SIGMOID));
	EXPECT_STREQ("HARD_SIGMOID", npu_fw_op_name(NPU_OP_HARD_SIGMOID));
	EXPECT_STREQ("HARD_SWISH", npu_fw_op_name(NPU_OP_HARD_SWISH));
	EXPECT_STREQ("TANH", npu_fw_op_name(NPU_OP_TANH));
	EXPECT_STREQ("MAXPOOL", npu_fw_op_name(NPU_OP_MAXPOOL));
	EXPECT_STREQ("AVGPOOL", npu_fw_op_name(NPU_OP_AVGPOOL));
	EXPECT_STREQ("GLOBAL_AVGPOOL", npu_fw_op_name(NPU_OP_GLOBAL_AVGPOOL));
	EXPECT_STREQ("SOFTMAX", npu_fw_op_name(NPU_OP_SOFTMAX));
	EXPECT_STREQ("CONCAT", npu_fw_op_name(NPU_OP_CONCAT));
	EXPECT_STREQ("RESIZE", npu_fw_op_name(NPU_OP_RESIZE));
	EXPECT_STREQ("TRANSPOSE", npu_fw_op_name(NPU_OP_TRANSPOSE));
	EXPECT_STREQ("COPY", npu_fw_op_name(NPU_OP_COPY));
	EXPECT_STREQ("QUANTIZE", npu_fw_op_name(NPU_OP_QUANTIZE));
	EXPECT_STREQ("DEQUANTIZE", npu_fw_op_name(NPU_OP_DEQUANTIZE));
	EXPECT_EQ(24, NPU_OP_COUNT);
	EXPECT_EQ(6, NPU_ACT_COUNT);
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

	/* a fused SIGMOID costs 32 per output: K * N + 32 * N = 2^25 exactly */
	cb_init(&c);
	c.lim.max_tensor_elems = 1U << 31;
	a = CB_T(&c, 0, NPU_DTYPE_F32, 1, 4064);
	b = CB_T(&c, 0, NPU_DTYPE_F32, 4064, 8192);
	y = CB_T(&c, 0, NPU_DTYPE_F32, 1, 8192);
	cb_gemm(&c, a, b, NPU_CMD_NO_TENSOR, y, 0)->gemm.activation = NPU_ACT_SIGMOID;
	cb_finish(&c);
	EXPECT_EQ(0, cb_validate(&c, &d)) TH_LOG("%s", d.msg);
	cb_op(&c, 0)->gemm.activation = NPU_ACT_HARD_SWISH;
	EXPECT_EQ(0, cb_validate(&c, &d)) TH_LOG("%s", d.msg);
	cb_free(&c);

	cb_init(&c);
	c.lim.max_tensor_elems = 1U << 31;
	a = CB_T(&c, 0, NPU_DTYPE_F32, 1, 4065);
	b = CB_T(&c, 0, NPU_DTYPE_F32, 4065, 8192);
	y = CB_T(&c, 0, NPU_DTYPE_F32, 1, 8192);
	cb_gemm(&c, a, b, NPU_CMD_NO_TENSOR, y, 0)->gemm.activation = NPU_ACT_SIGMOID;
	cb_finish(&c);
	EXPECT_EQ(-E2BIG, cb_validate(&c, &d));
	EXPECT_EQ((int)b, d.tensor);
	cb_op(&c, 0)->gemm.activation = NPU_ACT_RELU;
	EXPECT_EQ(0, cb_validate(&c, &d)) TH_LOG("%s", d.msg);
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

// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * npu firmware: the command-stream validator.
 */

/**
 * DOC: Command-stream validation
 *
 * npu_fw_validate() is the trust boundary between userspace and the
 * executors. It runs on untrusted bytes, in the kernel without the FPU, so
 * it uses integer arithmetic only (floats are checked through their bits)
 * and calls nothing outside this file. It never reads outside
 * [cmd, cmd + size): the header is read only once @size covers it, the
 * tables only once their extents (computed in 64 bits) are inside @size.
 *
 * Checks, in this order; the first failure is returned with diag->op,
 * diag->tensor (-1 when not applicable) and a static diag->msg:
 *
 * 1. the stream: 8-byte aligned, header inside @size, @size within
 *    limits (-E2BIG), magic, version, header_size, size == @size, flags and
 *    reserved zero, 1 <= num_tensors/num_ops <= limits (0: -EINVAL, above:
 *    -E2BIG), both tables 8-byte aligned, after the header, inside @size and
 *    not overlapping each other.
 * 2. every tensor (diag->tensor = its index): only known flags, reserved
 *    zero, bo_index < bo_count, dtype known, 1 <= ndim <= 4, shape[i] >= 1
 *    below ndim and 0 above, element count <= max_tensor_elems (-E2BIG;
 *    at most 2^31 whatever the caller passes), offset aligned to the
 *    element size, offset + bytes <= BO size (-ERANGE; a packed tensor's
 *    bytes are its packed size), then the quantization fields (see
 *    npu_fw_check_quant()). A packed tensor (NPU_TENSOR_PACKED_V1) must be
 *    F32 or I8, at least 2-D, 4-byte aligned, with at most 2^22 columns
 *    (I8: NPU_TENSOR_PACKED_Q8_MAX_COLS; -E2BIG).
 * 3. every op (diag->op = its index, diag->tensor = the tensor at fault or
 *    -1): opcode (0: -EINVAL, unknown: -EOPNOTSUPP), flags zero, exact
 *    num_inputs/num_outputs, slot contents, parameter words past the op's
 *    parameter struct zero, a packed tensor only as W of a CONV2D with
 *    groups == 1 or B of a GEMM with NPU_GEMM_TRANS_B, parameters, shapes
 *    and types (per op below), then no output byte range may overlap any
 *    byte the op reads (inputs and their per-channel scale tensors) in the
 *    same BO.
 *
 * Note that aliasing is decided on bo_index: the caller must make sure two
 * BO indices never name the same memory (reject duplicate handles).
 *
 * Operator type rules (quantized I8/U8 operands must be quantized: an I8 or
 * U8 tensor with NPU_QUANT_NONE is a valid descriptor but no op takes it):
 *
 * - GEMM/CONV2D: all F32; or A/X and Y per-tensor I8/U8 (independently),
 *   B/W I8 per-tensor or per-channel on the N axis (GEMM: axis 1 of [K, N],
 *   axis 0 of [N, K] with NPU_GEMM_TRANS_B; CONV2D: axis 0), bias I32.
 * - CONV_TRANSPOSE2D, SIGMOID, HARD_SIGMOID, HARD_SWISH, TANH, AVGPOOL,
 *   GLOBAL_AVGPOOL, SOFTMAX, RESIZE: all F32.
 * - ADD/MUL: A, B, Y all F32, all I32, or all I8 or all U8 per-tensor.
 *   SUB/DIV: all F32 or all I32. Y's shape is exactly the NumPy broadcast
 *   of A's and B's (rank the larger of theirs; an input's rank above Y's is
 *   blamed on that input, incompatible dimensions on B, the rest on Y).
 * - RELU/CLIP/MAXPOOL/TRANSPOSE/COPY: X and Y of one dtype (F32, I32, or
 *   per-tensor I8/U8 with equal scale and zero point; MAXPOOL: F32 or
 *   I8/U8).
 * - CONCAT: inputs and Y of one dtype; I8/U8 ones per-tensor with Y's scale
 *   and zero point.
 * - QUANTIZE: X F32, Y per-tensor I8/U8. DEQUANTIZE: X per-tensor or
 *   per-channel I8/U8, or plain I32; Y F32.
 * - The fused activations SIGMOID, HARD_SIGMOID and HARD_SWISH: F32 ops only.
 *
 * Per-unit work (see npu_fw_units()) is bounded so that the kernel, which
 * runs a unit without preemption, stays responsive (-E2BIG above 2^25
 * multiply-adds or elements): GEMM K * N, CONV2D and CONV_TRANSPOSE2D
 * C/groups * KH * KW * OW, MAXPOOL/AVGPOOL KH * KW * OW, GLOBAL_AVGPOOL
 * H * W. An e^x counts as 32 (a fused SIGMOID adds 32 per output of the
 * row, a SOFTMAX axis may hold 2^20 elements) and so does a RESIZE output
 * (rows of at most 2^20). Element-wise ops work on fixed chunks.
 */
#include "npu_fw.h"

#ifndef NULL
#define NULL ((void *)0)
#endif

/* fails to compile (negative array size) when @cond is false */
#define NPU_FW_BUILD_CHECK(cond) ((void)sizeof(char[1 - 2 * !(cond)]))

static inline void npu_fw_layout_checks(void)
{
	NPU_FW_BUILD_CHECK(sizeof(struct npu_cmd_header) == 32);
	NPU_FW_BUILD_CHECK(sizeof(struct npu_cmd_tensor) == 64);
	NPU_FW_BUILD_CHECK(sizeof(struct npu_cmd_op) == 96);
}

/* Limit on max_tensor_elems whatever the caller asks for (see npu_fw.h) */
#define NPU_FW_MAX_ELEMS_CAP	0x80000000U

/*
 * Multiply-adds of one work unit (a GEMM or CONV2D output row), at most.
 * The kernel runs a unit with preemption off and checks for a timeout only
 * between units, so a unit must stay short: 2^25 MACs is about 20 ms of
 * scalar code natively (a GEMM row with K * N = 4096 * 8192).
 */
#define NPU_FW_MAX_UNIT_MACS	0x2000000ULL	/* 2^25 */
#define NPU_FW_MAX_PACKED_COLS	0x400000ULL	/* 2^22 */

/*
 * What one e^x (SOFTMAX, SIGMOID activation) or one RESIZE output costs in
 * that budget: about 32 multiply-adds (binary64 polynomial, coordinates).
 */
#define NPU_FW_EXP_MACS		32ULL

/* __u32 words of struct npu_cmd_op's parameter area */
#define NPU_FW_RAW_WORDS \
	(sizeof(((const struct npu_cmd_op *)0)->raw) / sizeof(__u32))

#define NPU_FW_MAX_STRIDE	64
#define NPU_FW_MAX_DILATION	64
#define NPU_FW_MAX_POOL_KERNEL	256

/**
 * struct npu_fw_vctx - state of one npu_fw_validate() call
 * @tensors: the tensor table (in bounds)
 * @ops: the op list (in bounds)
 * @num_tensors: entries in @tensors
 * @bo_sizes: the caller's BO sizes
 * @bo_count: entries in @bo_sizes
 * @max_elems: effective element limit
 * @diag: where to report
 */
struct npu_fw_vctx {
	const struct npu_cmd_tensor *tensors;
	const struct npu_cmd_op *ops;
	__u32 num_tensors;
	const __u64 *bo_sizes;
	__u32 bo_count;
	__u32 max_elems;
	struct npu_fw_diag *diag;
};

/**
 * struct npu_fw_op_desc - the fixed shape of an op's slots
 * @min_inputs: smallest num_inputs (CONCAT: 1; other ops: @num_inputs)
 * @num_inputs: largest num_inputs
 * @num_outputs: required num_outputs
 * @optional: bit i set when input slot i may be NPU_CMD_NO_TENSOR
 * @param_words: __u32 words of the op's parameter struct
 */
struct npu_fw_op_desc {
	__u8 min_inputs;
	__u8 num_inputs;
	__u8 num_outputs;
	__u8 optional;
	__u8 param_words;
};

#define NPU_FW_WORDS(s)	(sizeof(struct s) / 4)
#define NPU_FW_DESC(lo, hi, opt, s) { lo, hi, 1, opt, NPU_FW_WORDS(s) }

static const struct npu_fw_op_desc npu_fw_op_descs[NPU_OP_COUNT] = {
	[NPU_OP_GEMM] = NPU_FW_DESC(3, 3, 1U << 2, npu_op_gemm),
	[NPU_OP_CONV2D] = NPU_FW_DESC(3, 3, 1U << 2, npu_op_conv2d),
	[NPU_OP_ADD] = NPU_FW_DESC(2, 2, 0, npu_op_eltwise),
	[NPU_OP_RELU] = NPU_FW_DESC(1, 1, 0, npu_op_eltwise),
	[NPU_OP_CLIP] = NPU_FW_DESC(1, 1, 0, npu_op_eltwise),
	[NPU_OP_CONV_TRANSPOSE2D] = NPU_FW_DESC(3, 3, 1U << 2, npu_op_conv2d),
	[NPU_OP_SUB] = NPU_FW_DESC(2, 2, 0, npu_op_eltwise),
	[NPU_OP_MUL] = NPU_FW_DESC(2, 2, 0, npu_op_eltwise),
	[NPU_OP_DIV] = NPU_FW_DESC(2, 2, 0, npu_op_eltwise),
	[NPU_OP_SIGMOID] = NPU_FW_DESC(1, 1, 0, npu_op_eltwise),
	[NPU_OP_HARD_SIGMOID] = NPU_FW_DESC(1, 1, 0, npu_op_eltwise),
	[NPU_OP_HARD_SWISH] = NPU_FW_DESC(1, 1, 0, npu_op_eltwise),
	[NPU_OP_TANH] = NPU_FW_DESC(1, 1, 0, npu_op_eltwise),
	[NPU_OP_MAXPOOL] = NPU_FW_DESC(1, 1, 0, npu_op_pool),
	[NPU_OP_AVGPOOL] = NPU_FW_DESC(1, 1, 0, npu_op_pool),
	[NPU_OP_GLOBAL_AVGPOOL] = NPU_FW_DESC(1, 1, 0, npu_op_pool),
	[NPU_OP_SOFTMAX] = NPU_FW_DESC(1, 1, 0, npu_op_axis),
	[NPU_OP_CONCAT] = NPU_FW_DESC(1, NPU_CMD_MAX_INPUTS, 0, npu_op_axis),
	[NPU_OP_RESIZE] = NPU_FW_DESC(1, 1, 0, npu_op_resize),
	[NPU_OP_TRANSPOSE] = NPU_FW_DESC(1, 1, 0, npu_op_transpose),
	[NPU_OP_COPY] = { 1, 1, 1, 0, 0 },
	[NPU_OP_QUANTIZE] = NPU_FW_DESC(1, 1, 0, npu_op_eltwise),
	[NPU_OP_DEQUANTIZE] = NPU_FW_DESC(1, 1, 0, npu_op_eltwise),
};

static const char * const npu_fw_op_names[NPU_OP_COUNT] = {
	[NPU_OP_GEMM] = "GEMM",
	[NPU_OP_CONV2D] = "CONV2D",
	[NPU_OP_ADD] = "ADD",
	[NPU_OP_RELU] = "RELU",
	[NPU_OP_CLIP] = "CLIP",
	[NPU_OP_CONV_TRANSPOSE2D] = "CONV_TRANSPOSE2D",
	[NPU_OP_SUB] = "SUB",
	[NPU_OP_MUL] = "MUL",
	[NPU_OP_DIV] = "DIV",
	[NPU_OP_SIGMOID] = "SIGMOID",
	[NPU_OP_HARD_SIGMOID] = "HARD_SIGMOID",
	[NPU_OP_HARD_SWISH] = "HARD_SWISH",
	[NPU_OP_TANH] = "TANH",
	[NPU_OP_MAXPOOL] = "MAXPOOL",
	[NPU_OP_AVGPOOL] = "AVGPOOL",
	[NPU_OP_GLOBAL_AVGPOOL] = "GLOBAL_AVGPOOL",
	[NPU_OP_SOFTMAX] = "SOFTMAX",
	[NPU_OP_CONCAT] = "CONCAT",
	[NPU_OP_RESIZE] = "RESIZE",
	[NPU_OP_TRANSPOSE] = "TRANSPOSE",
	[NPU_OP_COPY] = "COPY",
	[NPU_OP_QUANTIZE] = "QUANTIZE",
	[NPU_OP_DEQUANTIZE] = "DEQUANTIZE",
};

static const __u8 npu_fw_dtype_sizes[NPU_DTYPE_COUNT] = {
	[NPU_DTYPE_F32] = 4,
	[NPU_DTYPE_I8] = 1,
	[NPU_DTYPE_U8] = 1,
	[NPU_DTYPE_I32] = 4,
};

__u32 npu_fw_dtype_size(__u32 dtype)
{
	return dtype < NPU_DTYPE_COUNT ? npu_fw_dtype_sizes[dtype] : 0;
}

const char *npu_fw_op_name(__u32 opcode)
{
	if (opcode == 0 || opcode >= NPU_OP_COUNT)
		return "?";
	return npu_fw_op_names[opcode];
}

static int npu_fw_reject(struct npu_fw_diag *diag, int err, int op, int tensor,
			 const char *msg)
{
	diag->op = op;
	diag->tensor = tensor;
	diag->msg = msg;
	return -err;
}

/* binary32 bits: finite (not inf, not NaN) */
static int npu_fw_f32_finite(__u32 bits)
{
	return ((bits >> 23) & 0xff) != 0xff;
}

/* binary32 bits: a valid scale, finite and > 0 (subnormals allowed) */
static int npu_fw_scale_ok(__u32 bits)
{
	return !(bits >> 31) && npu_fw_f32_finite(bits) && bits != 0;
}

/* binary32 bits of a finite value to an integer of the same order */
static __s32 npu_fw_f32_key(__u32 bits)
{
	__s32 mag = (__s32)(bits & 0x7fffffffU);

	return (bits >> 31) ? -mag : mag;
}

static int npu_fw_is_q8(__u32 dtype)
{
	return dtype == NPU_DTYPE_I8 || dtype == NPU_DTYPE_U8;
}

/* an I8/U8 tensor quantized per tensor */
static int npu_fw_is_q8_pt(const struct npu_cmd_tensor *t)
{
	return npu_fw_is_q8(t->dtype) && t->quant_type == NPU_QUANT_PER_TENSOR;
}

/* element count of a tensor whose shape was validated */
static __u64 npu_fw_elems(const struct npu_cmd_tensor *t)
{
	__u64 n = 1;
	__u32 i;

	for (i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return n;
}

/* columns of a packed tensor: the product of its dimensions after the first */
static __u64 npu_fw_packed_cols(const struct npu_cmd_tensor *t)
{
	return npu_fw_elems(t) / t->shape[0];
}

/* bytes a tensor whose shape was validated occupies in its BO */
static __u64 npu_fw_bytes(const struct npu_cmd_tensor *t)
{
	__u64 panels = ((__u64)t->shape[0] + 7) / 8;

	if ((t->flags & NPU_TENSOR_PACKED_V1) && t->dtype == NPU_DTYPE_I8)
		return 32 * panels * ((npu_fw_packed_cols(t) + 3) / 4) + 32 * panels;
	if (t->flags & NPU_TENSOR_PACKED_V1)
		return 32 * panels * npu_fw_packed_cols(t);
	return npu_fw_elems(t) * npu_fw_dtype_size(t->dtype);
}

/* same rank and dimensions (dimensions past ndim are zero once validated) */
static int npu_fw_same_shape(const struct npu_cmd_tensor *a,
			     const struct npu_cmd_tensor *b)
{
	__u32 i;

	if (a->ndim != b->ndim)
		return 0;
	for (i = 0; i < NPU_CMD_MAX_DIMS; i++)
		if (a->shape[i] != b->shape[i])
			return 0;
	return 1;
}

static int npu_fw_tensor_fail(const struct npu_fw_vctx *v, __u32 id, int err,
			      const char *msg)
{
	return npu_fw_reject(v->diag, err, -1, (int)id, msg);
}

/*
 * Quantization fields of tensor @id:
 * NONE: quant_axis, scale and zero_point 0, scale_tensor NPU_CMD_NO_TENSOR.
 * PER_TENSOR: I8/U8 only; quant_axis 0, scale_tensor NPU_CMD_NO_TENSOR,
 *	scale finite > 0, zero_point in the dtype's range.
 * PER_CHANNEL: I8/U8 only; quant_axis < ndim, scale and zero_point 0,
 *	scale_tensor another tensor, F32, 1-D, of length shape[quant_axis].
 */
static int npu_fw_check_quant(const struct npu_fw_vctx *v, __u32 id)
{
	const struct npu_cmd_tensor *t = &v->tensors[id];
	const struct npu_cmd_tensor *s;
	__s32 zmin, zmax;

	switch (t->quant_type) {
	case NPU_QUANT_NONE:
		if (t->quant_axis || t->scale || t->zero_point ||
		    t->scale_tensor != NPU_CMD_NO_TENSOR)
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "quantization fields set without quant_type");
		return 0;
	case NPU_QUANT_PER_TENSOR:
		if (!npu_fw_is_q8(t->dtype))
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "quantization on a dtype other than I8/U8");
		if (t->quant_axis || t->scale_tensor != NPU_CMD_NO_TENSOR)
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "per-tensor quantization with quant_axis or scale_tensor set");
		if (!npu_fw_scale_ok(t->scale))
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "scale is not a finite positive float");
		zmin = t->dtype == NPU_DTYPE_I8 ? -128 : 0;
		zmax = t->dtype == NPU_DTYPE_I8 ? 127 : 255;
		if (t->zero_point < zmin || t->zero_point > zmax)
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "zero point outside the dtype range");
		return 0;
	case NPU_QUANT_PER_CHANNEL:
		if (!npu_fw_is_q8(t->dtype))
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "quantization on a dtype other than I8/U8");
		if (t->quant_axis >= t->ndim)
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "quant_axis not below ndim");
		if (t->scale || t->zero_point)
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "per-channel quantization with scale or zero point set");
		if (t->scale_tensor >= v->num_tensors || t->scale_tensor == id)
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "scale_tensor is not another tensor");
		s = &v->tensors[t->scale_tensor];
		if (s->dtype != NPU_DTYPE_F32 || s->ndim != 1 ||
		    s->shape[0] != t->shape[t->quant_axis])
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "scale_tensor is not F32 [shape[quant_axis]]");
		return 0;
	default:
		return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL, "unknown quant_type");
	}
}

static int npu_fw_check_tensor(const struct npu_fw_vctx *v, __u32 id)
{
	const struct npu_cmd_tensor *t = &v->tensors[id];
	__u64 elems = 1, bytes, bo_size;
	__u32 esize, i;

	if (t->flags & ~NPU_TENSOR_FLAGS)
		return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL, "unknown tensor flags");
	if (t->reserved)
		return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL, "tensor reserved not zero");
	if (t->bo_index >= v->bo_count)
		return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL, "bo_index out of range");
	esize = npu_fw_dtype_size(t->dtype);
	if (!esize)
		return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL, "unknown dtype");
	if (t->ndim < 1 || t->ndim > NPU_CMD_MAX_DIMS)
		return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL, "ndim not in 1..4");
	for (i = 0; i < NPU_CMD_MAX_DIMS; i++) {
		if (i < t->ndim && !t->shape[i])
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL, "zero dimension");
		if (i >= t->ndim && t->shape[i])
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "dimension past ndim not zero");
	}
	/* elems <= max_elems <= 2^31 before each step: no overflow */
	for (i = 0; i < t->ndim; i++) {
		elems *= t->shape[i];
		if (elems > v->max_elems)
			return npu_fw_tensor_fail(v, id, NPU_FW_E2BIG,
						  "element count above limit");
	}
	if (t->offset & (esize - 1))
		return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
					  "offset not aligned to the element size");
	if (t->flags & NPU_TENSOR_PACKED_V1) {
		if (t->dtype != NPU_DTYPE_F32 && t->dtype != NPU_DTYPE_I8)
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "packed tensor not F32 or I8");
		if (t->ndim < 2)
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "packed tensor not 2-D or more");
		if (npu_fw_packed_cols(t) > NPU_FW_MAX_PACKED_COLS)
			return npu_fw_tensor_fail(v, id, NPU_FW_E2BIG,
						  "packed tensor with more than 2^22 columns");
		if (t->dtype == NPU_DTYPE_I8 &&
		    npu_fw_packed_cols(t) > NPU_TENSOR_PACKED_Q8_MAX_COLS)
			return npu_fw_tensor_fail(v, id, NPU_FW_E2BIG,
						  "packed I8 tensor with too many columns");
		if (t->offset & 3)
			return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL,
						  "packed tensor offset not 4-byte aligned");
	}
	bytes = npu_fw_bytes(t);
	bo_size = v->bo_sizes[t->bo_index];
	if (t->offset > bo_size || bytes > bo_size - t->offset)
		return npu_fw_tensor_fail(v, id, NPU_FW_ERANGE, "extends past end of its BO");
	return npu_fw_check_quant(v, id);
}

static int npu_fw_op_fail(const struct npu_fw_vctx *v, __u32 opi, __u32 tid,
			  int err, const char *msg)
{
	return npu_fw_reject(v->diag, err, (int)opi,
			     tid == NPU_CMD_NO_TENSOR ? -1 : (int)tid, msg);
}

/*
 * Fused activation fields (also the parameters of RELU, CLIP and
 * HARD_SIGMOID, checked as the matching activation): act_min/act_max only
 * with CLIP (finite, min <= max), act_alpha/act_beta only with HARD_SIGMOID
 * (finite), every unused field 0. Returns NULL or what is wrong.
 */
static const char *npu_fw_check_act(__u32 act, __u32 lo, __u32 hi, __u32 alpha,
				    __u32 beta)
{
	if (act >= NPU_ACT_COUNT)
		return "unknown activation";
	if (act != NPU_ACT_CLIP && (lo || hi))
		return "activation bounds set without NPU_ACT_CLIP";
	if (act != NPU_ACT_HARD_SIGMOID && (alpha || beta))
		return "act_alpha or act_beta set without NPU_ACT_HARD_SIGMOID";
	if (act == NPU_ACT_CLIP) {
		if (!npu_fw_f32_finite(lo) || !npu_fw_f32_finite(hi))
			return "clip bound not finite";
		if (npu_fw_f32_key(lo) > npu_fw_f32_key(hi))
			return "clip min above clip max";
	}
	if (act == NPU_ACT_HARD_SIGMOID &&
	    (!npu_fw_f32_finite(alpha) || !npu_fw_f32_finite(beta)))
		return "hard sigmoid alpha or beta not finite";
	return NULL;
}

/* unit work of a fused activation over @n outputs, in multiply-adds */
static __u64 npu_fw_act_macs(__u32 act, __u64 n)
{
	return act == NPU_ACT_SIGMOID ? NPU_FW_EXP_MACS * n : 0;
}

/* SIGMOID, HARD_SIGMOID and HARD_SWISH are fused into F32 ops only */
static int npu_fw_act_f32_only(__u32 act)
{
	return act == NPU_ACT_SIGMOID || act == NPU_ACT_HARD_SIGMOID ||
	       act == NPU_ACT_HARD_SWISH;
}

static int npu_fw_check_act_dtype(const struct npu_fw_vctx *v, __u32 opi, __u32 act,
				  __u32 dtype)
{
	if (dtype != NPU_DTYPE_F32 && npu_fw_act_f32_only(act))
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "SIGMOID/HARD_SIGMOID/HARD_SWISH activation on a non-F32 op");
	return 0;
}

/*
 * Types of GEMM and CONV2D (x: A or X, w: B or W, bias may be NULL).
 * @waxis: the channel (N or OC) axis of w, for per-channel weights.
 */
static int npu_fw_check_mac_types(const struct npu_fw_vctx *v, __u32 opi,
				  const __u32 *in, __u32 out, __u32 waxis)
{
	const struct npu_cmd_tensor *x = &v->tensors[in[0]];
	const struct npu_cmd_tensor *w = &v->tensors[in[1]];
	const struct npu_cmd_tensor *y = &v->tensors[out];
	const struct npu_cmd_tensor *b;

	b = in[2] == NPU_CMD_NO_TENSOR ? (const struct npu_cmd_tensor *)0 : &v->tensors[in[2]];
	if (x->dtype == NPU_DTYPE_F32) {
		if (w->dtype != NPU_DTYPE_F32)
			return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
					      "F32 op with a non-F32 weight");
		if (b && b->dtype != NPU_DTYPE_F32)
			return npu_fw_op_fail(v, opi, in[2], NPU_FW_EINVAL,
					      "F32 op with a non-F32 bias");
		if (y->dtype != NPU_DTYPE_F32)
			return npu_fw_op_fail(v, opi, out, NPU_FW_EINVAL,
					      "F32 op with a non-F32 output");
		return 0;
	}
	if (!npu_fw_is_q8_pt(x))
		return npu_fw_op_fail(v, opi, in[0], NPU_FW_EINVAL,
				      "input neither F32 nor per-tensor quantized I8/U8");
	if (w->dtype != NPU_DTYPE_I8)
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
				      "quantized op with a weight that is not I8");
	if (w->quant_type == NPU_QUANT_PER_CHANNEL) {
		if (w->quant_axis != waxis)
			return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
					      "per-channel weight not quantized on the output channel axis");
	} else if (w->quant_type != NPU_QUANT_PER_TENSOR) {
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
				      "quantized op with an unquantized weight");
	}
	if (b && b->dtype != NPU_DTYPE_I32)
		return npu_fw_op_fail(v, opi, in[2], NPU_FW_EINVAL,
				      "quantized op with a bias that is not I32");
	if (!npu_fw_is_q8_pt(y))
		return npu_fw_op_fail(v, opi, out, NPU_FW_EINVAL,
				      "quantized op with an output not per-tensor I8/U8");
	return 0;
}

static int npu_fw_check_gemm(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	const struct npu_op_gemm *p = &op->gemm;
	const __u32 *in = op->inputs;
	const struct npu_cmd_tensor *a = &v->tensors[in[0]];
	const struct npu_cmd_tensor *b = &v->tensors[in[1]];
	const struct npu_cmd_tensor *y = &v->tensors[op->outputs[0]];
	const char *msg;
	__u32 trans, k, n;
	int ret;

	if (p->flags & ~NPU_GEMM_FLAGS)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "unknown GEMM flags");
	msg = npu_fw_check_act(p->activation, p->act_min, p->act_max, p->act_alpha,
			       p->act_beta);
	if (msg)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, msg);
	trans = p->flags & NPU_GEMM_TRANS_B;
	if (a->ndim != 2)
		return npu_fw_op_fail(v, opi, in[0], NPU_FW_EINVAL, "GEMM A is not 2-D");
	if (b->ndim != 2)
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL, "GEMM B is not 2-D");
	k = trans ? b->shape[1] : b->shape[0];
	n = trans ? b->shape[0] : b->shape[1];
	if (k != a->shape[1])
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
				      "GEMM K of B differs from K of A");
	if (in[2] != NPU_CMD_NO_TENSOR &&
	    (v->tensors[in[2]].ndim != 1 || v->tensors[in[2]].shape[0] != n))
		return npu_fw_op_fail(v, opi, in[2], NPU_FW_EINVAL, "GEMM bias is not [N]");
	if (y->ndim != 2 || y->shape[0] != a->shape[0] || y->shape[1] != n)
		return npu_fw_op_fail(v, opi, op->outputs[0], NPU_FW_EINVAL,
				      "GEMM Y is not [M, N]");
	if ((__u64)k * n + npu_fw_act_macs(p->activation, n) > NPU_FW_MAX_UNIT_MACS)
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_E2BIG,
				      "GEMM row work K * N above 2^25 multiply-adds");
	ret = npu_fw_check_mac_types(v, opi, in, op->outputs[0], trans ? 0 : 1);
	if (ret)
		return ret;
	return npu_fw_check_act_dtype(v, opi, p->activation, a->dtype);
}

/*
 * One spatial axis of CONV2D: the output size, or 0 when the parameters
 * are out of range (*msg says why).
 */
static __u64 npu_fw_conv_axis(__u32 in, __u32 k, __u32 stride, __u32 dil,
			      __u32 pad0, __u32 pad1, const char **msg)
{
	__u64 ext = (__u64)dil * (k - 1) + 1;
	__u64 padded = (__u64)in + pad0 + pad1;

	if (pad0 >= ext || pad1 >= ext) {
		*msg = "padding not below the dilated kernel extent";
		return 0;
	}
	if (padded < ext) {
		*msg = "dilated kernel larger than the padded input";
		return 0;
	}
	return (padded - ext) / stride + 1;
}

/*
 * One spatial axis of CONV_TRANSPOSE2D: stride * (in - 1) + opad +
 * dil * (k - 1) + 1 - pad0 - pad1, or 0 when the parameters are out of
 * range (*msg says why). All terms are below 2^38: no overflow.
 */
static __u64 npu_fw_convt_axis(__u32 in, __u32 k, __u32 stride, __u32 dil,
			       __u32 pad0, __u32 pad1, __u32 opad, const char **msg)
{
	__u64 ext = (__u64)dil * (k - 1) + 1;
	__u64 full = (__u64)stride * (in - 1) + opad + ext;

	if (opad >= stride && opad >= dil) {
		*msg = "output_pad not below max(stride, dilation)";
		return 0;
	}
	if (pad0 >= ext || pad1 >= ext) {
		*msg = "padding not below the dilated kernel extent";
		return 0;
	}
	if ((__u64)pad0 + pad1 >= full) {
		*msg = "padding leaves no output";
		return 0;
	}
	return full - pad0 - pad1;
}

/* stride, dilation, groups and activation of CONV2D and CONV_TRANSPOSE2D */
static int npu_fw_check_conv_params(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_op_conv2d *p = &v->ops[opi].conv2d;
	const char *msg;

	if (p->stride_h < 1 || p->stride_h > NPU_FW_MAX_STRIDE ||
	    p->stride_w < 1 || p->stride_w > NPU_FW_MAX_STRIDE)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "stride not in 1..64");
	if (p->dilation_h < 1 || p->dilation_h > NPU_FW_MAX_DILATION ||
	    p->dilation_w < 1 || p->dilation_w > NPU_FW_MAX_DILATION)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "dilation not in 1..64");
	if (!p->groups)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, "groups is 0");
	msg = npu_fw_check_act(p->activation, p->act_min, p->act_max, p->act_alpha,
			       p->act_beta);
	if (msg)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, msg);
	return 0;
}

static int npu_fw_check_conv2d(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	const struct npu_op_conv2d *p = &op->conv2d;
	const __u32 *in = op->inputs;
	const struct npu_cmd_tensor *x = &v->tensors[in[0]];
	const struct npu_cmd_tensor *w = &v->tensors[in[1]];
	const struct npu_cmd_tensor *y = &v->tensors[op->outputs[0]];
	const char *msg = NULL;
	__u64 oh, ow;
	int ret;

	ret = npu_fw_check_conv_params(v, opi);
	if (ret)
		return ret;
	if (p->output_pad_h || p->output_pad_w)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "output_pad set on CONV2D");
	if (x->ndim != 4)
		return npu_fw_op_fail(v, opi, in[0], NPU_FW_EINVAL, "CONV2D X is not 4-D");
	if (w->ndim != 4)
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL, "CONV2D W is not 4-D");
	if (x->shape[1] % p->groups)
		return npu_fw_op_fail(v, opi, in[0], NPU_FW_EINVAL,
				      "CONV2D channels not a multiple of groups");
	if (w->shape[0] % p->groups)
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
				      "CONV2D output channels not a multiple of groups");
	if (w->shape[1] != x->shape[1] / p->groups)
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
				      "CONV2D W dimension 1 is not C / groups");
	oh = npu_fw_conv_axis(x->shape[2], w->shape[2], p->stride_h, p->dilation_h,
			      p->pad_top, p->pad_bottom, &msg);
	if (msg)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, msg);
	ow = npu_fw_conv_axis(x->shape[3], w->shape[3], p->stride_w, p->dilation_w,
			      p->pad_left, p->pad_right, &msg);
	if (msg)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, msg);
	if (in[2] != NPU_CMD_NO_TENSOR &&
	    (v->tensors[in[2]].ndim != 1 || v->tensors[in[2]].shape[0] != w->shape[0]))
		return npu_fw_op_fail(v, opi, in[2], NPU_FW_EINVAL, "CONV2D bias is not [OC]");
	if (y->ndim != 4 || y->shape[0] != x->shape[0] || y->shape[1] != w->shape[0] ||
	    y->shape[2] != oh || y->shape[3] != ow)
		return npu_fw_op_fail(v, opi, op->outputs[0], NPU_FW_EINVAL,
				      "CONV2D Y is not [N, OC, OH, OW]");
	if ((__u64)w->shape[1] * w->shape[2] * w->shape[3] * ow +
	    npu_fw_act_macs(p->activation, ow) > NPU_FW_MAX_UNIT_MACS)
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_E2BIG,
				      "CONV2D row work C/groups * KH * KW * OW above 2^25 multiply-adds");
	ret = npu_fw_check_mac_types(v, opi, in, op->outputs[0], 0);
	if (ret)
		return ret;
	return npu_fw_check_act_dtype(v, opi, p->activation, x->dtype);
}

/* every tensor of @ids (NPU_CMD_NO_TENSOR skipped) is F32 */
static int npu_fw_check_all_f32(const struct npu_fw_vctx *v, __u32 opi, const __u32 *ids,
				__u32 n, const char *msg)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (ids[i] != NPU_CMD_NO_TENSOR && v->tensors[ids[i]].dtype != NPU_DTYPE_F32)
			return npu_fw_op_fail(v, opi, ids[i], NPU_FW_EINVAL, msg);
	return 0;
}

static int npu_fw_check_conv_transpose(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	const struct npu_op_conv2d *p = &op->conv2d;
	const __u32 *in = op->inputs;
	const __u32 ids[4] = { in[0], in[1], in[2], op->outputs[0] };
	const struct npu_cmd_tensor *x = &v->tensors[in[0]];
	const struct npu_cmd_tensor *w = &v->tensors[in[1]];
	const struct npu_cmd_tensor *y = &v->tensors[op->outputs[0]];
	const char *msg = NULL;
	__u64 oc, oh, ow;
	int ret;

	ret = npu_fw_check_conv_params(v, opi);
	if (ret)
		return ret;
	if (x->ndim != 4)
		return npu_fw_op_fail(v, opi, in[0], NPU_FW_EINVAL,
				      "CONV_TRANSPOSE2D X is not 4-D");
	if (w->ndim != 4)
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
				      "CONV_TRANSPOSE2D W is not 4-D");
	if (x->shape[1] % p->groups)
		return npu_fw_op_fail(v, opi, in[0], NPU_FW_EINVAL,
				      "CONV_TRANSPOSE2D channels not a multiple of groups");
	if (w->shape[0] != x->shape[1])
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
				      "CONV_TRANSPOSE2D W dimension 0 is not C");
	oc = (__u64)w->shape[1] * p->groups;
	oh = npu_fw_convt_axis(x->shape[2], w->shape[2], p->stride_h, p->dilation_h,
			       p->pad_top, p->pad_bottom, p->output_pad_h, &msg);
	if (msg)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, msg);
	ow = npu_fw_convt_axis(x->shape[3], w->shape[3], p->stride_w, p->dilation_w,
			       p->pad_left, p->pad_right, p->output_pad_w, &msg);
	if (msg)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, msg);
	if (in[2] != NPU_CMD_NO_TENSOR &&
	    (v->tensors[in[2]].ndim != 1 || v->tensors[in[2]].shape[0] != oc))
		return npu_fw_op_fail(v, opi, in[2], NPU_FW_EINVAL,
				      "CONV_TRANSPOSE2D bias is not [OC]");
	if (y->ndim != 4 || y->shape[0] != x->shape[0] || y->shape[1] != oc ||
	    y->shape[2] != oh || y->shape[3] != ow)
		return npu_fw_op_fail(v, opi, op->outputs[0], NPU_FW_EINVAL,
				      "CONV_TRANSPOSE2D Y is not [N, OC, OH, OW]");
	/* C / groups * KH * KW <= elements of W <= 2^31: no overflow */
	if ((__u64)(x->shape[1] / p->groups) * w->shape[2] * w->shape[3] * ow +
	    npu_fw_act_macs(p->activation, ow) > NPU_FW_MAX_UNIT_MACS)
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_E2BIG,
				      "CONV_TRANSPOSE2D row work C/groups * KH * KW * OW above 2^25 multiply-adds");
	return npu_fw_check_all_f32(v, opi, ids, 4, "CONV_TRANSPOSE2D operand not F32");
}

/*
 * ADD, SUB, MUL, DIV: A and B broadcast to Y, whose shape must be exactly
 * the NumPy broadcast of A's and B's; then types. ADD and MUL take F32,
 * I32 or per-tensor I8/U8 (all one dtype); SUB and DIV F32 or I32.
 */
static int npu_fw_check_binary(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	const struct npu_op_eltwise *p = &op->eltwise;
	const __u32 *in = op->inputs;
	__u32 out = op->outputs[0];
	const struct npu_cmd_tensor *a = &v->tensors[in[0]];
	const struct npu_cmd_tensor *b = &v->tensors[in[1]];
	const struct npu_cmd_tensor *y = &v->tensors[out];
	__u32 i, ad, bd, rank, q8_ok;
	const char *msg;

	msg = npu_fw_check_act(p->activation, p->act_min, p->act_max, p->act_alpha,
			       p->act_beta);
	if (msg)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, msg);
	if (a->ndim > y->ndim)
		return npu_fw_op_fail(v, opi, in[0], NPU_FW_EINVAL,
				      "binary op A has a higher rank than Y");
	if (b->ndim > y->ndim)
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
				      "binary op B has a higher rank than Y");
	rank = a->ndim > b->ndim ? a->ndim : b->ndim;
	for (i = 0; i < rank; i++) {
		/* dimension i of the broadcast, counted from the last one */
		ad = i < a->ndim ? a->shape[a->ndim - 1 - i] : 1;
		bd = i < b->ndim ? b->shape[b->ndim - 1 - i] : 1;
		if (ad != bd && ad != 1 && bd != 1)
			return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
					      "binary op B does not broadcast with A");
		if (y->shape[y->ndim - 1 - i] != (ad > bd ? ad : bd))
			return npu_fw_op_fail(v, opi, out, NPU_FW_EINVAL,
					      "binary op Y is not the broadcast shape of A and B");
	}
	if (y->ndim != rank)
		return npu_fw_op_fail(v, opi, out, NPU_FW_EINVAL,
				      "binary op Y is not the broadcast shape of A and B");
	q8_ok = op->opcode == NPU_OP_ADD || op->opcode == NPU_OP_MUL;
	if (a->dtype == NPU_DTYPE_F32 || a->dtype == NPU_DTYPE_I32) {
		if (b->dtype != a->dtype)
			return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
					      "binary op B dtype differs from A");
		if (y->dtype != a->dtype)
			return npu_fw_op_fail(v, opi, out, NPU_FW_EINVAL,
					      "binary op Y dtype differs from A");
		return npu_fw_check_act_dtype(v, opi, p->activation, a->dtype);
	}
	if (!q8_ok)
		return npu_fw_op_fail(v, opi, in[0], NPU_FW_EINVAL,
				      "SUB/DIV input neither F32 nor I32");
	if (!npu_fw_is_q8_pt(a))
		return npu_fw_op_fail(v, opi, in[0], NPU_FW_EINVAL,
				      "binary op I8/U8 input not quantized per tensor");
	if (b->dtype != a->dtype || !npu_fw_is_q8_pt(b))
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
				      "binary op B not per-tensor quantized like A");
	if (y->dtype != a->dtype || !npu_fw_is_q8_pt(y))
		return npu_fw_op_fail(v, opi, out, NPU_FW_EINVAL,
				      "binary op Y not per-tensor quantized like A");
	return npu_fw_check_act_dtype(v, opi, p->activation, a->dtype);
}

/*
 * X and Y of one dtype; I8/U8 ones quantized per tensor with equal scale
 * and zero point (RELU, CLIP, MAXPOOL, TRANSPOSE, COPY).
 */
static int npu_fw_check_same_q(const struct npu_fw_vctx *v, __u32 opi, __u32 xi, __u32 yi)
{
	const struct npu_cmd_tensor *x = &v->tensors[xi];
	const struct npu_cmd_tensor *y = &v->tensors[yi];

	if (x->dtype != y->dtype)
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL, "Y dtype differs from X");
	if (!npu_fw_is_q8(x->dtype))
		return 0;
	if (!npu_fw_is_q8_pt(x))
		return npu_fw_op_fail(v, opi, xi, NPU_FW_EINVAL,
				      "I8/U8 input not quantized per tensor");
	if (!npu_fw_is_q8_pt(y) || y->scale != x->scale || y->zero_point != x->zero_point)
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL,
				      "Y quantization differs from X");
	return 0;
}

/*
 * Single-input element-wise ops: RELU, CLIP, SIGMOID, HARD_SIGMOID,
 * HARD_SWISH, TANH, QUANTIZE, DEQUANTIZE. X and Y have equal shapes.
 */
static int npu_fw_check_unary(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	const struct npu_op_eltwise *p = &op->eltwise;
	__u32 xi = op->inputs[0], yi = op->outputs[0];
	const struct npu_cmd_tensor *x = &v->tensors[xi];
	const struct npu_cmd_tensor *y = &v->tensors[yi];
	__u32 act = NPU_ACT_NONE;
	const char *msg;

	if (p->activation)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "activation set on a single-input element-wise op");
	/* CLIP and HARD_SIGMOID: their parameters checked as the activation's */
	if (op->opcode == NPU_OP_CLIP)
		act = NPU_ACT_CLIP;
	else if (op->opcode == NPU_OP_HARD_SIGMOID)
		act = NPU_ACT_HARD_SIGMOID;
	msg = npu_fw_check_act(act, p->act_min, p->act_max, p->act_alpha, p->act_beta);
	if (msg)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, msg);
	if (!npu_fw_same_shape(x, y))
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL, "Y shape differs from X");
	switch (op->opcode) {
	case NPU_OP_RELU:
	case NPU_OP_CLIP:
		return npu_fw_check_same_q(v, opi, xi, yi);
	case NPU_OP_QUANTIZE:
		if (x->dtype != NPU_DTYPE_F32)
			return npu_fw_op_fail(v, opi, xi, NPU_FW_EINVAL, "QUANTIZE X is not F32");
		if (!npu_fw_is_q8_pt(y))
			return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL,
					      "QUANTIZE Y is not per-tensor quantized I8/U8");
		return 0;
	case NPU_OP_DEQUANTIZE:
		if (!(npu_fw_is_q8(x->dtype) && x->quant_type != NPU_QUANT_NONE) &&
		    x->dtype != NPU_DTYPE_I32)
			return npu_fw_op_fail(v, opi, xi, NPU_FW_EINVAL,
					      "DEQUANTIZE X is neither quantized I8/U8 nor I32");
		if (y->dtype != NPU_DTYPE_F32)
			return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL, "DEQUANTIZE Y is not F32");
		return 0;
	default:
		if (x->dtype != NPU_DTYPE_F32)
			return npu_fw_op_fail(v, opi, xi, NPU_FW_EINVAL, "X is not F32");
		if (y->dtype != NPU_DTYPE_F32)
			return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL, "Y is not F32");
		return 0;
	}
}

/*
 * One spatial axis of MAXPOOL/AVGPOOL: the output size, or 0 when the
 * parameters are out of range (*msg says why). With @ceil, a last window
 * that would start in the bottom/right padding is dropped (ONNX, PyTorch).
 */
static __u64 npu_fw_pool_axis(__u32 in, __u32 k, __u32 stride, __u32 dil,
			      __u32 pad0, __u32 pad1, int ceil, const char **msg)
{
	__u64 ext = (__u64)dil * (k - 1) + 1;
	__u64 padded = (__u64)in + pad0 + pad1;
	__u64 last;

	if (pad0 >= ext || pad1 >= ext) {
		*msg = "padding not below the dilated window extent";
		return 0;
	}
	if (padded < ext) {
		*msg = "dilated window larger than the padded input";
		return 0;
	}
	/* index of the last window */
	last = ceil ? (padded - ext + stride - 1) / stride : (padded - ext) / stride;
	if (ceil && last * stride >= (__u64)in + pad0)
		last--;
	return last + 1;
}

static int npu_fw_check_pool(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	const struct npu_op_pool *p = &op->pool;
	__u32 xi = op->inputs[0], yi = op->outputs[0];
	const struct npu_cmd_tensor *x = &v->tensors[xi];
	const struct npu_cmd_tensor *y = &v->tensors[yi];
	int ceil = !!(p->flags & NPU_POOL_CEIL_MODE);
	const char *msg = NULL;
	__u64 oh, ow;

	if (op->opcode == NPU_OP_GLOBAL_AVGPOOL) {
		if (p->kernel_h || p->kernel_w || p->stride_h || p->stride_w ||
		    p->dilation_h || p->dilation_w || p->pad_top || p->pad_left ||
		    p->pad_bottom || p->pad_right || p->flags)
			return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
					      "GLOBAL_AVGPOOL parameters not zero");
		if (x->ndim != 4)
			return npu_fw_op_fail(v, opi, xi, NPU_FW_EINVAL, "pool X is not 4-D");
		if (y->ndim != 4 || y->shape[0] != x->shape[0] || y->shape[1] != x->shape[1] ||
		    y->shape[2] != 1 || y->shape[3] != 1)
			return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL,
					      "GLOBAL_AVGPOOL Y is not [N, C, 1, 1]");
		if ((__u64)x->shape[2] * x->shape[3] > NPU_FW_MAX_UNIT_MACS)
			return npu_fw_op_fail(v, opi, xi, NPU_FW_E2BIG,
					      "GLOBAL_AVGPOOL plane H * W above 2^25 elements");
		if (x->dtype != NPU_DTYPE_F32)
			return npu_fw_op_fail(v, opi, xi, NPU_FW_EINVAL, "X is not F32");
		if (y->dtype != NPU_DTYPE_F32)
			return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL, "Y is not F32");
		return 0;
	}
	if (p->kernel_h < 1 || p->kernel_h > NPU_FW_MAX_POOL_KERNEL ||
	    p->kernel_w < 1 || p->kernel_w > NPU_FW_MAX_POOL_KERNEL)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "pool kernel not in 1..256");
	if (p->stride_h < 1 || p->stride_h > NPU_FW_MAX_STRIDE ||
	    p->stride_w < 1 || p->stride_w > NPU_FW_MAX_STRIDE)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "stride not in 1..64");
	if (p->dilation_h < 1 || p->dilation_h > NPU_FW_MAX_DILATION ||
	    p->dilation_w < 1 || p->dilation_w > NPU_FW_MAX_DILATION)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "dilation not in 1..64");
	if (op->opcode == NPU_OP_AVGPOOL && (p->dilation_h != 1 || p->dilation_w != 1))
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "AVGPOOL dilation not 1");
	if (p->flags & ~NPU_POOL_FLAGS)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "unknown pool flags");
	if (op->opcode == NPU_OP_MAXPOOL && (p->flags & NPU_POOL_COUNT_INCLUDE_PAD))
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "NPU_POOL_COUNT_INCLUDE_PAD on MAXPOOL");
	if (x->ndim != 4)
		return npu_fw_op_fail(v, opi, xi, NPU_FW_EINVAL, "pool X is not 4-D");
	oh = npu_fw_pool_axis(x->shape[2], p->kernel_h, p->stride_h, p->dilation_h,
			      p->pad_top, p->pad_bottom, ceil, &msg);
	if (msg)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, msg);
	ow = npu_fw_pool_axis(x->shape[3], p->kernel_w, p->stride_w, p->dilation_w,
			      p->pad_left, p->pad_right, ceil, &msg);
	if (msg)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, msg);
	if (y->ndim != 4 || y->shape[0] != x->shape[0] || y->shape[1] != x->shape[1] ||
	    y->shape[2] != oh || y->shape[3] != ow)
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL, "pool Y is not [N, C, OH, OW]");
	if ((__u64)p->kernel_h * p->kernel_w * ow > NPU_FW_MAX_UNIT_MACS)
		return npu_fw_op_fail(v, opi, xi, NPU_FW_E2BIG,
				      "pool row work KH * KW * OW above 2^25 elements");
	if (op->opcode == NPU_OP_MAXPOOL) {
		if (x->dtype != NPU_DTYPE_F32 && !npu_fw_is_q8(x->dtype))
			return npu_fw_op_fail(v, opi, xi, NPU_FW_EINVAL,
					      "MAXPOOL X neither F32 nor I8/U8");
		return npu_fw_check_same_q(v, opi, xi, yi);
	}
	if (x->dtype != NPU_DTYPE_F32)
		return npu_fw_op_fail(v, opi, xi, NPU_FW_EINVAL, "X is not F32");
	if (y->dtype != NPU_DTYPE_F32)
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL, "Y is not F32");
	return 0;
}

static int npu_fw_check_softmax(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	__u32 xi = op->inputs[0], yi = op->outputs[0];
	const struct npu_cmd_tensor *x = &v->tensors[xi];
	const struct npu_cmd_tensor *y = &v->tensors[yi];

	if (op->axis.axis >= x->ndim)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "axis not below the rank");
	if (!npu_fw_same_shape(x, y))
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL, "Y shape differs from X");
	if (NPU_FW_EXP_MACS * x->shape[op->axis.axis] > NPU_FW_MAX_UNIT_MACS)
		return npu_fw_op_fail(v, opi, xi, NPU_FW_E2BIG,
				      "SOFTMAX axis longer than 2^20 elements");
	if (x->dtype != NPU_DTYPE_F32)
		return npu_fw_op_fail(v, opi, xi, NPU_FW_EINVAL, "X is not F32");
	if (y->dtype != NPU_DTYPE_F32)
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL, "Y is not F32");
	return 0;
}

static int npu_fw_check_concat(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	__u32 yi = op->outputs[0], axis = op->axis.axis, i, d, id;
	const struct npu_cmd_tensor *y = &v->tensors[yi];
	const struct npu_cmd_tensor *x;
	__u64 sum = 0;

	if (axis >= y->ndim)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "axis not below the rank");
	if (npu_fw_is_q8(y->dtype) && !npu_fw_is_q8_pt(y))
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL,
				      "I8/U8 output not quantized per tensor");
	for (i = 0; i < op->num_inputs; i++) {
		id = op->inputs[i];
		x = &v->tensors[id];
		if (x->ndim != y->ndim)
			return npu_fw_op_fail(v, opi, id, NPU_FW_EINVAL,
					      "CONCAT input rank differs from Y");
		if (x->dtype != y->dtype)
			return npu_fw_op_fail(v, opi, id, NPU_FW_EINVAL,
					      "CONCAT input dtype differs from Y");
		for (d = 0; d < y->ndim; d++)
			if (d != axis && x->shape[d] != y->shape[d])
				return npu_fw_op_fail(v, opi, id, NPU_FW_EINVAL,
						      "CONCAT input differs from Y off the axis");
		if (npu_fw_is_q8(y->dtype) &&
		    (!npu_fw_is_q8_pt(x) || x->scale != y->scale ||
		     x->zero_point != y->zero_point))
			return npu_fw_op_fail(v, opi, id, NPU_FW_EINVAL,
					      "CONCAT input quantization differs from Y");
		sum += x->shape[axis];
	}
	if (sum != y->shape[axis])
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL,
				      "CONCAT Y axis is not the sum of the inputs'");
	return 0;
}

/*
 * floor(in * scale) for a finite positive binary32 @scale, exactly, or
 * 2^32 when it does not fit in 32 bits.
 */
static __u64 npu_fw_floor_mul(__u32 in, __u32 scale)
{
	__u32 exp = (scale >> 23) & 0xff;
	__u64 mant = scale & 0x7fffff;
	__s32 e;
	__u64 prod;

	/* scale = mant * 2^e exactly */
	if (exp) {
		mant |= 0x800000;
		e = (__s32)exp - 150;
	} else {
		e = -149;
	}
	prod = (__u64)in * mant;		/* < 2^55 */
	if (e < 0)
		return e <= -64 ? 0 : prod >> -e;
	if (e >= 32 || prod > (0xffffffffULL >> e))
		return 1ULL << 32;
	return prod << e;
}

static int npu_fw_check_resize(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	const struct npu_op_resize *p = &op->resize;
	__u32 xi = op->inputs[0], yi = op->outputs[0];
	const struct npu_cmd_tensor *x = &v->tensors[xi];
	const struct npu_cmd_tensor *y = &v->tensors[yi];

	if (p->mode >= NPU_RESIZE_MODE_COUNT)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "unknown resize mode");
	if (p->coord >= NPU_RESIZE_COORD_COUNT)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "unknown resize coordinate mode");
	if (p->nearest >= NPU_RESIZE_NEAREST_COUNT ||
	    (p->nearest && p->mode != NPU_RESIZE_NEAREST))
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "nearest rounding unknown or set without NPU_RESIZE_NEAREST");
	if ((p->scale_h && !npu_fw_scale_ok(p->scale_h)) ||
	    (p->scale_w && !npu_fw_scale_ok(p->scale_w)))
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "resize scale neither 0 nor a finite positive float");
	if (x->ndim != 4)
		return npu_fw_op_fail(v, opi, xi, NPU_FW_EINVAL, "RESIZE X is not 4-D");
	if (y->ndim != 4 || y->shape[0] != x->shape[0] || y->shape[1] != x->shape[1])
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL, "RESIZE Y is not [N, C, OH, OW]");
	if ((p->scale_h && y->shape[2] != npu_fw_floor_mul(x->shape[2], p->scale_h)) ||
	    (p->scale_w && y->shape[3] != npu_fw_floor_mul(x->shape[3], p->scale_w)))
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL,
				      "RESIZE Y size is not floor(input size * scale)");
	if (NPU_FW_EXP_MACS * y->shape[3] > NPU_FW_MAX_UNIT_MACS)
		return npu_fw_op_fail(v, opi, yi, NPU_FW_E2BIG,
				      "RESIZE row wider than 2^20 outputs");
	if (x->dtype != NPU_DTYPE_F32)
		return npu_fw_op_fail(v, opi, xi, NPU_FW_EINVAL, "X is not F32");
	if (y->dtype != NPU_DTYPE_F32)
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL, "Y is not F32");
	return 0;
}

static int npu_fw_check_transpose(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	const __u32 *perm = op->transpose.perm;
	__u32 xi = op->inputs[0], yi = op->outputs[0], i, seen = 0;
	const struct npu_cmd_tensor *x = &v->tensors[xi];
	const struct npu_cmd_tensor *y = &v->tensors[yi];

	for (i = 0; i < NPU_CMD_MAX_DIMS; i++) {
		if (i >= x->ndim ? perm[i] != 0 : perm[i] >= x->ndim || (seen & (1U << perm[i])))
			return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
					      "perm is not a permutation of X's axes");
		if (i < x->ndim)
			seen |= 1U << perm[i];
	}
	if (y->ndim != x->ndim)
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL, "TRANSPOSE Y rank differs from X");
	for (i = 0; i < x->ndim; i++)
		if (y->shape[i] != x->shape[perm[i]])
			return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL,
					      "TRANSPOSE Y shape is not X's permuted");
	return npu_fw_check_same_q(v, opi, xi, yi);
}

static int npu_fw_check_copy(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	__u32 xi = op->inputs[0], yi = op->outputs[0];

	if (npu_fw_elems(&v->tensors[xi]) != npu_fw_elems(&v->tensors[yi]))
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL,
				      "COPY Y element count differs from X");
	return npu_fw_check_same_q(v, opi, xi, yi);
}

/* do the byte ranges of two validated tensors share a byte? */
static int npu_fw_overlap(const struct npu_cmd_tensor *a, const struct npu_cmd_tensor *b)
{
	/* offset + bytes <= BO size for both: no overflow */
	return a->bo_index == b->bo_index &&
	       a->offset < b->offset + npu_fw_bytes(b) &&
	       b->offset < a->offset + npu_fw_bytes(a);
}

/*
 * Outputs must not share bytes with anything the op reads: its inputs and
 * the per-channel scale tensors of its inputs. Also records BO usage.
 */
static int npu_fw_check_alias(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	const struct npu_cmd_tensor *r;
	__u32 i, j, rid;

	for (i = 0; i < 2 * NPU_CMD_MAX_INPUTS; i++) {
		rid = op->inputs[i / 2];
		if (rid == NPU_CMD_NO_TENSOR)
			continue;
		if (i & 1) {
			if (v->tensors[rid].quant_type != NPU_QUANT_PER_CHANNEL)
				continue;
			rid = v->tensors[rid].scale_tensor;
		}
		r = &v->tensors[rid];
		for (j = 0; j < NPU_CMD_MAX_OUTPUTS; j++) {
			if (op->outputs[j] == NPU_CMD_NO_TENSOR)
				continue;
			if (npu_fw_overlap(&v->tensors[op->outputs[j]], r))
				return npu_fw_op_fail(v, opi, op->outputs[j], NPU_FW_EINVAL,
						      "output overlaps an input");
		}
		v->diag->bos_read |= 1ULL << r->bo_index;
	}
	for (j = 0; j < NPU_CMD_MAX_OUTPUTS; j++)
		if (op->outputs[j] != NPU_CMD_NO_TENSOR)
			v->diag->bos_written |= 1ULL << v->tensors[op->outputs[j]].bo_index;
	return 0;
}

static int npu_fw_check_slots(const struct npu_fw_vctx *v, __u32 opi,
			      const struct npu_fw_op_desc *d)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	__u32 i, id;

	for (i = 0; i < NPU_CMD_MAX_INPUTS; i++) {
		id = op->inputs[i];
		if (i >= op->num_inputs) {
			if (id != NPU_CMD_NO_TENSOR)
				return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
						      "unused input slot not NPU_CMD_NO_TENSOR");
		} else if (id == NPU_CMD_NO_TENSOR) {
			if (!(d->optional & (1U << i)))
				return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
						      "required input missing");
		} else if (id >= v->num_tensors) {
			return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
					      "input tensor id out of range");
		}
	}
	for (i = 0; i < NPU_CMD_MAX_OUTPUTS; i++) {
		id = op->outputs[i];
		if (i >= d->num_outputs) {
			if (id != NPU_CMD_NO_TENSOR)
				return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
						      "unused output slot not NPU_CMD_NO_TENSOR");
		} else if (id >= v->num_tensors) {
			return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
					      "output tensor id out of range");
		}
	}
	for (i = d->param_words; i < NPU_FW_RAW_WORDS; i++)
		if (op->raw[i])
			return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
					      "unused parameter words not zero");
	return 0;
}

/*
 * Packed weights (NPU_TENSOR_PACKED_V1) are read by the packed GEMM and
 * convolution paths only: W of a CONV2D with groups == 1, B of a GEMM with
 * NPU_GEMM_TRANS_B. No other slot may name one.
 */
static int npu_fw_check_packed_use(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	__u32 i, id;

	for (i = 0; i < NPU_CMD_MAX_INPUTS + NPU_CMD_MAX_OUTPUTS; i++) {
		id = i < NPU_CMD_MAX_INPUTS ? op->inputs[i] :
		     op->outputs[i - NPU_CMD_MAX_INPUTS];
		if (id == NPU_CMD_NO_TENSOR || !(v->tensors[id].flags & NPU_TENSOR_PACKED_V1))
			continue;
		if (i == 1 && op->opcode == NPU_OP_CONV2D && op->conv2d.groups == 1)
			continue;
		if (i == 1 && op->opcode == NPU_OP_GEMM && (op->gemm.flags & NPU_GEMM_TRANS_B))
			continue;
		return npu_fw_op_fail(v, opi, id, NPU_FW_EINVAL,
				      "packed tensor where the op reads or writes dense data");
	}
	return 0;
}

static int npu_fw_check_op(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	const struct npu_fw_op_desc *d;
	int ret;

	if (op->opcode == 0)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, "opcode 0");
	if (op->opcode >= NPU_OP_COUNT)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EOPNOTSUPP,
				      "unknown opcode");
	d = &npu_fw_op_descs[op->opcode];
	if (op->flags)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "op flags not zero");
	if (op->num_inputs < d->min_inputs || op->num_inputs > d->num_inputs)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "wrong num_inputs for the opcode");
	if (op->num_outputs != d->num_outputs)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "wrong num_outputs for the opcode");
	ret = npu_fw_check_slots(v, opi, d);
	if (ret)
		return ret;
	ret = npu_fw_check_packed_use(v, opi);
	if (ret)
		return ret;
	switch (op->opcode) {
	case NPU_OP_GEMM:
		ret = npu_fw_check_gemm(v, opi);
		break;
	case NPU_OP_CONV2D:
		ret = npu_fw_check_conv2d(v, opi);
		break;
	case NPU_OP_CONV_TRANSPOSE2D:
		ret = npu_fw_check_conv_transpose(v, opi);
		break;
	case NPU_OP_ADD:
	case NPU_OP_SUB:
	case NPU_OP_MUL:
	case NPU_OP_DIV:
		ret = npu_fw_check_binary(v, opi);
		break;
	case NPU_OP_MAXPOOL:
	case NPU_OP_AVGPOOL:
	case NPU_OP_GLOBAL_AVGPOOL:
		ret = npu_fw_check_pool(v, opi);
		break;
	case NPU_OP_SOFTMAX:
		ret = npu_fw_check_softmax(v, opi);
		break;
	case NPU_OP_CONCAT:
		ret = npu_fw_check_concat(v, opi);
		break;
	case NPU_OP_RESIZE:
		ret = npu_fw_check_resize(v, opi);
		break;
	case NPU_OP_TRANSPOSE:
		ret = npu_fw_check_transpose(v, opi);
		break;
	case NPU_OP_COPY:
		ret = npu_fw_check_copy(v, opi);
		break;
	default:
		ret = npu_fw_check_unary(v, opi);
		break;
	}
	if (ret)
		return ret;
	return npu_fw_check_alias(v, opi);
}

/* [off, off + len) and [off2, off2 + len2) intersect (64-bit, no overflow) */
static int npu_fw_ranges_meet(__u64 off, __u64 len, __u64 off2, __u64 len2)
{
	return off < off2 + len2 && off2 < off + len;
}

static int npu_fw_check_header(const void *cmd, __u32 size,
			       const struct npu_fw_limits *lim,
			       struct npu_fw_diag *diag)
{
	const struct npu_cmd_header *h = cmd;
	__u64 tend, oend;

	if (size < sizeof(*h))
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1,
				     "stream shorter than its header");
	if (size > lim->max_cmd_size)
		return npu_fw_reject(diag, NPU_FW_E2BIG, -1, -1,
				     "stream larger than max_cmd_size");
	if (h->magic != NPU_CMD_MAGIC)
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1, "bad magic");
	if (h->version != NPU_CMD_VERSION)
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1, "unsupported version");
	if (h->header_size != sizeof(*h))
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1, "bad header_size");
	if (h->size != size)
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1,
				     "header size differs from the stream size");
	if (h->flags || h->reserved)
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1,
				     "header flags or reserved not zero");
	if (!h->num_tensors)
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1, "no tensors");
	if (h->num_tensors > lim->max_tensors)
		return npu_fw_reject(diag, NPU_FW_E2BIG, -1, -1,
				     "num_tensors above max_tensors");
	if (!h->num_ops)
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1, "no ops");
	if (h->num_ops > lim->max_ops)
		return npu_fw_reject(diag, NPU_FW_E2BIG, -1, -1, "num_ops above max_ops");
	if ((h->tensor_offset & 7) || (h->op_offset & 7))
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1,
				     "tensor table or op list not 8-byte aligned");
	tend = (__u64)h->tensor_offset + (__u64)h->num_tensors * sizeof(struct npu_cmd_tensor);
	oend = (__u64)h->op_offset + (__u64)h->num_ops * sizeof(struct npu_cmd_op);
	if (h->tensor_offset < sizeof(*h) || tend > size)
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1,
				     "tensor table outside the stream or over the header");
	if (h->op_offset < sizeof(*h) || oend > size)
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1,
				     "op list outside the stream or over the header");
	if (npu_fw_ranges_meet(h->tensor_offset, tend - h->tensor_offset,
			       h->op_offset, oend - h->op_offset))
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1,
				     "tensor table and op list overlap");
	return 0;
}

int npu_fw_validate(const void *cmd, __u32 size, const __u64 *bo_sizes,
		    __u32 bo_count, const struct npu_fw_limits *lim,
		    struct npu_fw_diag *diag)
{
	const struct npu_cmd_header *h = cmd;
	struct npu_fw_vctx v;
	__u32 i;
	int ret;

	npu_fw_layout_checks();	/* compile time only */
	diag->op = -1;
	diag->tensor = -1;
	diag->msg = "";
	diag->bos_read = 0;
	diag->bos_written = 0;
	if (!cmd || !lim || (!bo_sizes && bo_count))
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1, "missing argument");
	if ((unsigned long)cmd & 7)
		return npu_fw_reject(diag, NPU_FW_EINVAL, -1, -1,
				     "stream not 8-byte aligned in memory");
	if (bo_count > NPU_FW_MAX_BOS)
		return npu_fw_reject(diag, NPU_FW_E2BIG, -1, -1, "more than 64 BOs");
	ret = npu_fw_check_header(cmd, size, lim, diag);
	if (ret)
		return ret;

	v.tensors = (const void *)((const __u8 *)cmd + h->tensor_offset);
	v.ops = (const void *)((const __u8 *)cmd + h->op_offset);
	v.num_tensors = h->num_tensors;
	v.bo_sizes = bo_sizes;
	v.bo_count = bo_count;
	v.max_elems = lim->max_tensor_elems < NPU_FW_MAX_ELEMS_CAP ?
		      lim->max_tensor_elems : NPU_FW_MAX_ELEMS_CAP;
	v.diag = diag;

	for (i = 0; i < h->num_tensors; i++) {
		ret = npu_fw_check_tensor(&v, i);
		if (ret)
			return ret;
	}
	for (i = 0; i < h->num_ops; i++) {
		ret = npu_fw_check_op(&v, i);
		if (ret) {
			diag->bos_read = 0;
			diag->bos_written = 0;
			return ret;
		}
	}
	return 0;
}

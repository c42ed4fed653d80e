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
 * 2. every tensor (diag->tensor = its index): flags and reserved zero,
 *    bo_index < bo_count, dtype known, 1 <= ndim <= 4, shape[i] >= 1
 *    below ndim and 0 above, element count <= max_tensor_elems (-E2BIG;
 *    at most 2^31 whatever the caller passes), offset aligned to the
 *    element size, offset + bytes <= BO size (-ERANGE), then the
 *    quantization fields (see npu_fw_check_quant()).
 * 3. every op (diag->op = its index, diag->tensor = the tensor at fault or
 *    -1): opcode (0: -EINVAL, unknown: -EOPNOTSUPP), flags zero, exact
 *    num_inputs/num_outputs, slot contents, parameter words past the op's
 *    parameter struct zero, parameters, shapes and types (per op below),
 *    then no output byte range may overlap any byte the op reads (inputs and
 *    their per-channel scale tensors) in the same BO.
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
 * - ADD: A, B, Y all F32, all I32, or all I8 or all U8 per-tensor.
 * - RELU/CLIP: X and Y of one dtype (F32, I32, or per-tensor I8/U8 with
 *   equal scale and zero point).
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

/* __u32 words of struct npu_cmd_op's parameter area */
#define NPU_FW_RAW_WORDS \
	(sizeof(((const struct npu_cmd_op *)0)->raw) / sizeof(__u32))

#define NPU_FW_MAX_STRIDE	64
#define NPU_FW_MAX_DILATION	64

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
 * @num_inputs: required num_inputs
 * @num_outputs: required num_outputs
 * @optional: bit i set when input slot i may be NPU_CMD_NO_TENSOR
 * @param_words: __u32 words of the op's parameter struct
 */
struct npu_fw_op_desc {
	__u8 num_inputs;
	__u8 num_outputs;
	__u8 optional;
	__u8 param_words;
};

static const struct npu_fw_op_desc npu_fw_op_descs[NPU_OP_COUNT] = {
	[NPU_OP_GEMM] = { 3, 1, 1U << 2, sizeof(struct npu_op_gemm) / 4 },
	[NPU_OP_CONV2D] = { 3, 1, 1U << 2, sizeof(struct npu_op_conv2d) / 4 },
	[NPU_OP_ADD] = { 2, 1, 0, sizeof(struct npu_op_eltwise) / 4 },
	[NPU_OP_RELU] = { 1, 1, 0, sizeof(struct npu_op_eltwise) / 4 },
	[NPU_OP_CLIP] = { 1, 1, 0, sizeof(struct npu_op_eltwise) / 4 },
};

static const char * const npu_fw_op_names[NPU_OP_COUNT] = {
	[NPU_OP_GEMM] = "GEMM",
	[NPU_OP_CONV2D] = "CONV2D",
	[NPU_OP_ADD] = "ADD",
	[NPU_OP_RELU] = "RELU",
	[NPU_OP_CLIP] = "CLIP",
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

static __u64 npu_fw_bytes(const struct npu_cmd_tensor *t)
{
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

	if (t->flags)
		return npu_fw_tensor_fail(v, id, NPU_FW_EINVAL, "tensor flags not zero");
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
	bytes = elems * esize;
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
 * Fused activation fields: NONE/RELU with zero bounds, CLIP with finite
 * bounds, min <= max. Returns NULL or what is wrong.
 */
static const char *npu_fw_check_act(__u32 act, __u32 lo, __u32 hi)
{
	if (act >= NPU_ACT_COUNT)
		return "unknown activation";
	if (act != NPU_ACT_CLIP) {
		if (lo || hi)
			return "activation bounds set without NPU_ACT_CLIP";
		return NULL;
	}
	if (!npu_fw_f32_finite(lo) || !npu_fw_f32_finite(hi))
		return "clip bound not finite";
	if (npu_fw_f32_key(lo) > npu_fw_f32_key(hi))
		return "clip min above clip max";
	return NULL;
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

	if (p->flags & ~NPU_GEMM_FLAGS)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "unknown GEMM flags");
	msg = npu_fw_check_act(p->activation, p->act_min, p->act_max);
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
	if ((__u64)k * n > NPU_FW_MAX_UNIT_MACS)
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_E2BIG,
				      "GEMM row work K * N above 2^25 multiply-adds");
	return npu_fw_check_mac_types(v, opi, in, op->outputs[0], trans ? 0 : 1);
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
	msg = npu_fw_check_act(p->activation, p->act_min, p->act_max);
	if (msg)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, msg);
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
	if ((__u64)w->shape[1] * w->shape[2] * w->shape[3] * ow > NPU_FW_MAX_UNIT_MACS)
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_E2BIG,
				      "CONV2D row work C/groups * KH * KW * OW above 2^25 multiply-adds");
	return npu_fw_check_mac_types(v, opi, in, op->outputs[0], 0);
}

static int npu_fw_check_add(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	const struct npu_op_eltwise *p = &op->eltwise;
	const __u32 *in = op->inputs;
	__u32 out = op->outputs[0];
	const struct npu_cmd_tensor *a = &v->tensors[in[0]];
	const struct npu_cmd_tensor *b = &v->tensors[in[1]];
	const struct npu_cmd_tensor *y = &v->tensors[out];
	const char *msg;
	__u32 i, lead;

	msg = npu_fw_check_act(p->activation, p->act_min, p->act_max);
	if (msg)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, msg);
	if (b->ndim > a->ndim)
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
				      "ADD B has a higher rank than A");
	lead = a->ndim - b->ndim;
	for (i = 0; i < b->ndim; i++)
		if (b->shape[i] != 1 && b->shape[i] != a->shape[lead + i])
			return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
					      "ADD B does not broadcast to A");
	if (!npu_fw_same_shape(a, y))
		return npu_fw_op_fail(v, opi, out, NPU_FW_EINVAL,
				      "ADD Y shape differs from A");
	if (a->dtype == NPU_DTYPE_F32 || a->dtype == NPU_DTYPE_I32) {
		if (b->dtype != a->dtype)
			return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
					      "ADD B dtype differs from A");
		if (y->dtype != a->dtype)
			return npu_fw_op_fail(v, opi, out, NPU_FW_EINVAL,
					      "ADD Y dtype differs from A");
		return 0;
	}
	if (!npu_fw_is_q8_pt(a))
		return npu_fw_op_fail(v, opi, in[0], NPU_FW_EINVAL,
				      "ADD I8/U8 input not quantized per tensor");
	if (b->dtype != a->dtype || !npu_fw_is_q8_pt(b))
		return npu_fw_op_fail(v, opi, in[1], NPU_FW_EINVAL,
				      "ADD B not per-tensor quantized like A");
	if (y->dtype != a->dtype || !npu_fw_is_q8_pt(y))
		return npu_fw_op_fail(v, opi, out, NPU_FW_EINVAL,
				      "ADD Y not per-tensor quantized like A");
	return 0;
}

static int npu_fw_check_unary(const struct npu_fw_vctx *v, __u32 opi)
{
	const struct npu_cmd_op *op = &v->ops[opi];
	const struct npu_op_eltwise *p = &op->eltwise;
	__u32 xi = op->inputs[0], yi = op->outputs[0];
	const struct npu_cmd_tensor *x = &v->tensors[xi];
	const struct npu_cmd_tensor *y = &v->tensors[yi];
	const char *msg;

	if (p->activation)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "activation set on RELU/CLIP");
	/* RELU: the bounds must be 0; CLIP: checked as a fused clip */
	msg = npu_fw_check_act(op->opcode == NPU_OP_CLIP ? NPU_ACT_CLIP : NPU_ACT_NONE,
			       p->act_min, p->act_max);
	if (msg)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL, msg);
	if (!npu_fw_same_shape(x, y))
		return npu_fw_op_fail(v, opi, yi, NPU_FW_EINVAL, "Y shape differs from X");
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
		if (i >= d->num_inputs) {
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
	if (op->num_inputs != d->num_inputs)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "wrong num_inputs for the opcode");
	if (op->num_outputs != d->num_outputs)
		return npu_fw_op_fail(v, opi, NPU_CMD_NO_TENSOR, NPU_FW_EINVAL,
				      "wrong num_outputs for the opcode");
	ret = npu_fw_check_slots(v, opi, d);
	if (ret)
		return ret;
	switch (op->opcode) {
	case NPU_OP_GEMM:
		ret = npu_fw_check_gemm(v, opi);
		break;
	case NPU_OP_CONV2D:
		ret = npu_fw_check_conv2d(v, opi);
		break;
	case NPU_OP_ADD:
		ret = npu_fw_check_add(v, opi);
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

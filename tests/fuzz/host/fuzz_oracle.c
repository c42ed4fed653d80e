// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * fz_oracle(): the command-stream rules of uapi/linux/npu_cmd.h, restated
 * independently of firmware/npu_fw_validate.c (different structure, host
 * floating point for float fields, saturating 64-bit arithmetic) so that
 * the fuzzer can check "the validator accepts exactly the valid streams"
 * in both directions. Where the uAPI text is terse, the rule documented in
 * the DOC block of npu_fw_validate.c is used and marked as such.
 */
#include <math.h>
#include <string.h>

#include "fuzz_oracle.h"

#define NO_T	NPU_CMD_NO_TENSOR

float fz_f32(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static int fz_finite(uint32_t bits)
{
	return (bits & 0x7f800000U) != 0x7f800000U;
}

/* the stream and what it is checked against */
struct fz_model {
	const uint8_t *cmd;
	uint32_t size;
	struct npu_cmd_header h;
	const __u64 *bo_size;
	uint32_t bo_count;
	const struct npu_fw_limits *lim;
};

/* tensor @id of the table (the caller checked id < num_tensors) */
static struct npu_cmd_tensor fz_t(const struct fz_model *m, uint32_t id)
{
	struct npu_cmd_tensor t;

	memcpy(&t, m->cmd + m->h.tensor_offset + (uint64_t)id * sizeof(t), sizeof(t));
	return t;
}

static struct npu_cmd_op fz_op(const struct fz_model *m, uint32_t i)
{
	struct npu_cmd_op op;

	memcpy(&op, m->cmd + m->h.op_offset + (uint64_t)i * sizeof(op), sizeof(op));
	return op;
}

static uint32_t fz_esize(uint32_t dtype)
{
	switch (dtype) {
	case NPU_DTYPE_F32:
	case NPU_DTYPE_I32:
		return 4;
	case NPU_DTYPE_I8:
	case NPU_DTYPE_U8:
		return 1;
	default:
		return 0;
	}
}

/* element count, saturated just above any limit we use (< 2^31) */
static uint64_t fz_elems(const struct npu_cmd_tensor *t)
{
	uint64_t n = 1;
	uint32_t i;

	for (i = 0; i < t->ndim && i < NPU_CMD_MAX_DIMS; i++) {
		n *= t->shape[i];
		if (n > (1ULL << 32))
			n = 1ULL << 32;
	}
	return n;
}

static int fz_is_q8(uint32_t dtype)
{
	return dtype == NPU_DTYPE_I8 || dtype == NPU_DTYPE_U8;
}

static int fz_q8_pt(const struct npu_cmd_tensor *t)
{
	return fz_is_q8(t->dtype) && t->quant_type == NPU_QUANT_PER_TENSOR;
}

static int fz_same_shape(const struct npu_cmd_tensor *a, const struct npu_cmd_tensor *b)
{
	return a->ndim == b->ndim && !memcmp(a->shape, b->shape, sizeof(a->shape));
}

/* uAPI "struct npu_cmd_header" */
static const char *fz_header(struct fz_model *m)
{
	const struct npu_cmd_header *h = &m->h;
	uint64_t t0, t1, o0, o1;

	if (m->size < sizeof(*h))
		return "short";
	memcpy(&m->h, m->cmd, sizeof(m->h));
	if (m->size > m->lim->max_cmd_size)
		return "above max_cmd_size";
	if (h->magic != NPU_CMD_MAGIC || h->version != NPU_CMD_VERSION ||
	    h->header_size != sizeof(*h) || h->size != m->size || h->flags || h->reserved)
		return "header field";
	if (h->num_tensors < 1 || h->num_tensors > m->lim->max_tensors)
		return "num_tensors";
	if (h->num_ops < 1 || h->num_ops > m->lim->max_ops)
		return "num_ops";
	if (h->tensor_offset % 8 || h->op_offset % 8)
		return "table alignment";
	t0 = h->tensor_offset;
	t1 = t0 + (uint64_t)h->num_tensors * sizeof(struct npu_cmd_tensor);
	o0 = h->op_offset;
	o1 = o0 + (uint64_t)h->num_ops * sizeof(struct npu_cmd_op);
	if (t0 < sizeof(*h) || o0 < sizeof(*h) || t1 > m->size || o1 > m->size)
		return "table outside the stream or over the header";
	if (t0 < o1 && o0 < t1)
		return "tables overlap";
	return NULL;
}

/*
 * uAPI NPU_TENSOR_PACKED_V1: bytes of the packed layout, F32: 32 per
 * 8-row panel and column; I8: 32 per panel and group of 4 columns, plus 32
 * per panel (row sums); else the dense size
 */
static uint64_t fz_bytes(const struct npu_cmd_tensor *t)
{
	uint64_t cols, panels;

	if (t->flags & NPU_TENSOR_PACKED_V1) {
		cols = fz_elems(t) / t->shape[0];
		panels = (t->shape[0] + 7ULL) / 8;
		if (t->dtype == NPU_DTYPE_I8)
			return 32 * panels * ((cols + 3) / 4) + 32 * panels;
		return 32 * panels * cols;
	}
	return fz_elems(t) * fz_esize(t->dtype);
}

/* uAPI "struct npu_cmd_tensor" */
static const char *fz_tensor(const struct fz_model *m, uint32_t id)
{
	struct npu_cmd_tensor t = fz_t(m, id), s;
	uint32_t esize = fz_esize(t.dtype), i;
	uint64_t bytes, bo;
	float scale;

	if ((t.flags & ~NPU_TENSOR_FLAGS) || t.reserved)
		return "tensor flags/reserved";
	if (t.bo_index >= m->bo_count)
		return "bo_index";
	if (!esize)
		return "dtype";
	if (t.ndim < 1 || t.ndim > NPU_CMD_MAX_DIMS)
		return "ndim";
	for (i = 0; i < NPU_CMD_MAX_DIMS; i++)
		if ((i < t.ndim) != (t.shape[i] != 0))
			return "shape";
	if (fz_elems(&t) > m->lim->max_tensor_elems)
		return "elems";
	if (t.offset % esize)
		return "offset alignment";
	if (t.flags & NPU_TENSOR_PACKED_V1) {
		if ((t.dtype != NPU_DTYPE_F32 && t.dtype != NPU_DTYPE_I8) || t.ndim < 2)
			return "packed tensor not F32/I8 or not 2-D or more";
		if (fz_elems(&t) / t.shape[0] > (1U << 22))
			return "packed tensor columns";
		if (t.dtype == NPU_DTYPE_I8 &&
		    fz_elems(&t) / t.shape[0] > NPU_TENSOR_PACKED_Q8_MAX_COLS)
			return "packed I8 tensor columns";
		if (t.offset % 4)
			return "packed tensor offset alignment";
	}
	bytes = fz_bytes(&t);
	bo = m->bo_size[t.bo_index];
	if (t.offset > bo || t.offset + bytes > bo)
		return "outside BO";
	switch (t.quant_type) {
	case NPU_QUANT_NONE:
		if (t.quant_axis || t.scale || t.zero_point || t.scale_tensor != NO_T)
			return "quant fields without quant_type";
		return NULL;
	case NPU_QUANT_PER_TENSOR:
		scale = fz_f32(t.scale);
		if (!fz_is_q8(t.dtype) || t.quant_axis || t.scale_tensor != NO_T)
			return "per-tensor fields";
		if (!fz_finite(t.scale) || !(scale > 0.0f))
			return "scale";
		if (t.dtype == NPU_DTYPE_I8 ? t.zero_point < -128 || t.zero_point > 127
					    : t.zero_point < 0 || t.zero_point > 255)
			return "zero_point";
		return NULL;
	case NPU_QUANT_PER_CHANNEL:
		if (!fz_is_q8(t.dtype) || t.quant_axis >= t.ndim || t.scale || t.zero_point)
			return "per-channel fields";
		if (t.scale_tensor >= m->h.num_tensors)
			return "scale_tensor id";
		s = fz_t(m, t.scale_tensor);
		if (s.dtype != NPU_DTYPE_F32 || s.ndim != 1 ||
		    s.shape[0] != t.shape[t.quant_axis])
			return "scale_tensor shape";
		return NULL;
	default:
		return "quant_type";
	}
}

/*
 * a fused activation (struct npu_op_gemm, npu_op_conv2d, npu_op_eltwise):
 * act_min/act_max belong to CLIP, act_alpha/act_beta to HARD_SIGMOID; the
 * unused ones are 0, the used ones finite
 */
static const char *fz_act(uint32_t act, uint32_t lo, uint32_t hi, uint32_t alpha, uint32_t beta)
{
	if (act >= NPU_ACT_COUNT)
		return "activation";
	if (act == NPU_ACT_CLIP) {
		if (!fz_finite(lo) || !fz_finite(hi) || !(fz_f32(lo) <= fz_f32(hi)))
			return "clip bounds";
	} else if (lo || hi) {
		return "bounds without CLIP";
	}
	if (act == NPU_ACT_HARD_SIGMOID) {
		if (!fz_finite(alpha) || !fz_finite(beta))
			return "hard sigmoid parameters";
	} else if (alpha || beta) {
		return "alpha/beta without HARD_SIGMOID";
	}
	return NULL;
}

/* uAPI enum npu_activation: SIGMOID, HARD_SIGMOID, HARD_SWISH on F32 ops only */
static const char *fz_act_dtype(uint32_t act, uint32_t ydtype)
{
	if ((act == NPU_ACT_SIGMOID || act == NPU_ACT_HARD_SIGMOID ||
	     act == NPU_ACT_HARD_SWISH) && ydtype != NPU_DTYPE_F32)
		return "float activation on a non-F32 op";
	return NULL;
}

/*
 * GEMM/CONV2D types: all F32; or x and y per-tensor I8/U8, w I8 per-tensor
 * (any zero point) or per-channel on axis @waxis (zero points 0, a tensor
 * rule), bias I32.
 */
static const char *fz_mac_types(const struct npu_cmd_tensor *x, const struct npu_cmd_tensor *w,
				const struct npu_cmd_tensor *b, const struct npu_cmd_tensor *y,
				uint32_t waxis)
{
	if (x->dtype == NPU_DTYPE_F32) {
		if (w->dtype != NPU_DTYPE_F32 || (b && b->dtype != NPU_DTYPE_F32) ||
		    y->dtype != NPU_DTYPE_F32)
			return "F32 op with a non-F32 operand";
		return NULL;
	}
	if (!fz_q8_pt(x) || !fz_q8_pt(y))
		return "quantized op: x or y not per-tensor I8/U8";
	if (w->dtype != NPU_DTYPE_I8)
		return "quantized op: w not I8";
	if (w->quant_type != NPU_QUANT_PER_TENSOR &&
	    !(w->quant_type == NPU_QUANT_PER_CHANNEL && w->quant_axis == waxis))
		return "quantized op: w quantization";
	if (b && b->dtype != NPU_DTYPE_I32)
		return "quantized op: bias not I32";
	return NULL;
}

static const char *fz_gemm(const struct npu_cmd_op *op, const struct npu_cmd_tensor *in,
			   const struct npu_cmd_tensor *y)
{
	const struct npu_cmd_tensor *a = &in[0], *b = &in[1];
	const struct npu_cmd_tensor *bias = op->inputs[2] == NO_T ? NULL : &in[2];
	uint32_t trans = op->gemm.flags & NPU_GEMM_TRANS_B, k, n;
	const char *r;

	if (op->gemm.flags & ~NPU_GEMM_TRANS_B)
		return "GEMM flags";
	r = fz_act(op->gemm.activation, op->gemm.act_min, op->gemm.act_max,
		   op->gemm.act_alpha, op->gemm.act_beta);
	if (r)
		return r;
	if (a->ndim != 2 || b->ndim != 2)
		return "GEMM A or B not 2-D";
	k = trans ? b->shape[1] : b->shape[0];
	n = trans ? b->shape[0] : b->shape[1];
	if (a->shape[1] != k)
		return "GEMM K";
	if (bias && (bias->ndim != 1 || bias->shape[0] != n))
		return "GEMM bias";
	if (y->ndim != 2 || y->shape[0] != a->shape[0] || y->shape[1] != n)
		return "GEMM Y";
	if ((uint64_t)k * n + (op->gemm.activation == NPU_ACT_SIGMOID ? 32ULL * n : 0) >
	    (1ULL << 25))
		return "GEMM unit work";
	r = fz_mac_types(a, b, bias, y, trans ? 0 : 1);
	return r ? r : fz_act_dtype(op->gemm.activation, y->dtype);
}

/* one CONV2D axis: the output size, or -1 */
static int64_t fz_conv_out(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1)
{
	int64_t ext = d * (k - 1) + 1;

	if (p0 >= ext || p1 >= ext || in + p0 + p1 < ext)
		return -1;
	return (in + p0 + p1 - ext) / s + 1;
}

static const char *fz_conv(const struct npu_cmd_op *op, const struct npu_cmd_tensor *in,
			   const struct npu_cmd_tensor *y)
{
	const struct npu_op_conv2d *p = &op->conv2d;
	const struct npu_cmd_tensor *x = &in[0], *w = &in[1];
	const struct npu_cmd_tensor *bias = op->inputs[2] == NO_T ? NULL : &in[2];
	int64_t oh, ow;
	const char *r;

	if (p->stride_h < 1 || p->stride_h > 64 || p->stride_w < 1 || p->stride_w > 64 ||
	    p->dilation_h < 1 || p->dilation_h > 64 || p->dilation_w < 1 ||
	    p->dilation_w > 64 || p->groups < 1)
		return "CONV2D stride/dilation/groups";
	r = fz_act(p->activation, p->act_min, p->act_max, p->act_alpha, p->act_beta);
	if (r)
		return r;
	if (p->output_pad_h || p->output_pad_w)
		return "CONV2D output_pad";
	if (x->ndim != 4 || w->ndim != 4)
		return "CONV2D X or W not 4-D";
	if (x->shape[1] % p->groups || w->shape[0] % p->groups ||
	    w->shape[1] != x->shape[1] / p->groups)
		return "CONV2D groups";
	oh = fz_conv_out(x->shape[2], w->shape[2], p->stride_h, p->dilation_h,
			 p->pad_top, p->pad_bottom);
	ow = fz_conv_out(x->shape[3], w->shape[3], p->stride_w, p->dilation_w,
			 p->pad_left, p->pad_right);
	if (oh < 0 || ow < 0)
		return "CONV2D pads/kernel";
	if (bias && (bias->ndim != 1 || bias->shape[0] != w->shape[0]))
		return "CONV2D bias";
	if (y->ndim != 4 || y->shape[0] != x->shape[0] || y->shape[1] != w->shape[0] ||
	    y->shape[2] != oh || y->shape[3] != ow)
		return "CONV2D Y";
	/* npu_fw_validate.c DOC: a fused SIGMOID costs 32 per output */
	if ((uint64_t)w->shape[1] * w->shape[2] * w->shape[3] * (uint64_t)ow +
	    (p->activation == NPU_ACT_SIGMOID ? 32ULL * ow : 0) > (1ULL << 25))
		return "CONV2D unit work";
	r = fz_mac_types(x, w, bias, y, 0);
	return r ? r : fz_act_dtype(p->activation, y->dtype);
}

/* uAPI NPU_OP_CONV_TRANSPOSE2D: one axis, or -1 */
static int64_t fz_convt_out(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1,
			    int64_t op)
{
	int64_t ext = d * (k - 1) + 1, out = s * (in - 1) + op + ext - p0 - p1;

	if (p0 >= ext || p1 >= ext || op >= (s > d ? s : d) || out < 1)
		return -1;
	return out;
}

static const char *fz_convt(const struct npu_cmd_op *op, const struct npu_cmd_tensor *in,
			    const struct npu_cmd_tensor *y)
{
	const struct npu_op_conv2d *p = &op->conv2d;
	const struct npu_cmd_tensor *x = &in[0], *w = &in[1];
	const struct npu_cmd_tensor *bias = op->inputs[2] == NO_T ? NULL : &in[2];
	int64_t oh, ow, oc;
	const char *r;

	if (p->stride_h < 1 || p->stride_h > 64 || p->stride_w < 1 || p->stride_w > 64 ||
	    p->dilation_h < 1 || p->dilation_h > 64 || p->dilation_w < 1 ||
	    p->dilation_w > 64 || p->groups < 1)
		return "CONV_TRANSPOSE2D stride/dilation/groups";
	r = fz_act(p->activation, p->act_min, p->act_max, p->act_alpha, p->act_beta);
	if (r)
		return r;
	if (x->ndim != 4 || w->ndim != 4)
		return "CONV_TRANSPOSE2D X or W not 4-D";
	if (x->shape[1] % p->groups || w->shape[0] != x->shape[1])
		return "CONV_TRANSPOSE2D W is not [C, OC / groups, KH, KW]";
	oc = (int64_t)w->shape[1] * p->groups;
	oh = fz_convt_out(x->shape[2], w->shape[2], p->stride_h, p->dilation_h, p->pad_top,
			  p->pad_bottom, p->output_pad_h);
	ow = fz_convt_out(x->shape[3], w->shape[3], p->stride_w, p->dilation_w, p->pad_left,
			  p->pad_right, p->output_pad_w);
	if (oh < 0 || ow < 0)
		return "CONV_TRANSPOSE2D pads/output_pad";
	if (bias && (bias->ndim != 1 || bias->shape[0] != oc))
		return "CONV_TRANSPOSE2D bias";
	if (y->ndim != 4 || y->shape[0] != x->shape[0] || y->shape[1] != oc ||
	    y->shape[2] != oh || y->shape[3] != ow)
		return "CONV_TRANSPOSE2D Y";
	if ((uint64_t)(x->shape[1] / p->groups) * w->shape[2] * w->shape[3] * (uint64_t)ow +
	    (p->activation == NPU_ACT_SIGMOID ? 32ULL * ow : 0) > (1ULL << 25))
		return "CONV_TRANSPOSE2D unit work";
	if (x->dtype != NPU_DTYPE_F32 || w->dtype != NPU_DTYPE_F32 || y->dtype != NPU_DTYPE_F32 ||
	    (bias && bias->dtype != NPU_DTYPE_F32))
		return "CONV_TRANSPOSE2D not F32";
	return NULL;
}

/* dimension i counted from the last one (1 past the rank) */
static uint32_t fz_dim_from_end(const struct npu_cmd_tensor *t, uint32_t i)
{
	return i < t->ndim ? t->shape[t->ndim - 1 - i] : 1;
}

/* uAPI NPU_OP_ADD/SUB/MUL/DIV */
static const char *fz_binary(const struct npu_cmd_op *op, const struct npu_cmd_tensor *in,
			     const struct npu_cmd_tensor *y)
{
	const struct npu_cmd_tensor *a = &in[0], *b = &in[1];
	uint32_t i, ad, bd, yd;
	const char *r;

	r = fz_act(op->eltwise.activation, op->eltwise.act_min, op->eltwise.act_max,
		   op->eltwise.act_alpha, op->eltwise.act_beta);
	if (r)
		return r;
	if (a->ndim > y->ndim || b->ndim > y->ndim ||
	    y->ndim != (a->ndim > b->ndim ? a->ndim : b->ndim))
		return "binary op ranks";
	for (i = 0; i < y->ndim; i++) {
		ad = fz_dim_from_end(a, i);
		bd = fz_dim_from_end(b, i);
		yd = fz_dim_from_end(y, i);
		if ((ad != 1 && ad != yd) || (bd != 1 && bd != yd) || (yd != 1 && ad != yd &&
								       bd != yd))
			return "binary op broadcast";
	}
	if (b->dtype != a->dtype || y->dtype != a->dtype)
		return "binary op dtypes differ";
	if (fz_is_q8(a->dtype)) {
		if (op->opcode != NPU_OP_ADD && op->opcode != NPU_OP_MUL)
			return "SUB/DIV on I8/U8";
		if (!fz_q8_pt(a) || !fz_q8_pt(b) || !fz_q8_pt(y))
			return "binary op I8/U8 not per-tensor quantized";
	}
	return fz_act_dtype(op->eltwise.activation, y->dtype);
}

/* X and Y of one dtype; I8/U8 per-tensor with one scale and zero point */
static const char *fz_same_q(const struct npu_cmd_tensor *x, const struct npu_cmd_tensor *y)
{
	if (x->dtype != y->dtype)
		return "Y dtype differs from X";
	if (fz_is_q8(x->dtype) && (!fz_q8_pt(x) || !fz_q8_pt(y) || x->scale != y->scale ||
				   x->zero_point != y->zero_point))
		return "Y quantization differs from X";
	return NULL;
}

/* uAPI NPU_OP_SIGMOID, HARD_SIGMOID, HARD_SWISH, TANH, QUANTIZE, DEQUANTIZE */
static const char *fz_eltwise1(const struct npu_cmd_op *op, const struct npu_cmd_tensor *x,
			       const struct npu_cmd_tensor *y)
{
	const struct npu_op_eltwise *p = &op->eltwise;
	const char *r;

	if (p->activation)
		return "activation on a single-input op";
	r = fz_act(op->opcode == NPU_OP_HARD_SIGMOID ? NPU_ACT_HARD_SIGMOID : NPU_ACT_NONE,
		   p->act_min, p->act_max, p->act_alpha, p->act_beta);
	if (r)
		return r;
	if (!fz_same_shape(x, y))
		return "Y shape differs from X";
	if (op->opcode == NPU_OP_QUANTIZE)
		return x->dtype == NPU_DTYPE_F32 && fz_q8_pt(y) ? NULL : "QUANTIZE types";
	if (op->opcode == NPU_OP_DEQUANTIZE) {
		if (y->dtype != NPU_DTYPE_F32)
			return "DEQUANTIZE Y not F32";
		if (x->dtype == NPU_DTYPE_I32)
			return NULL;
		return fz_is_q8(x->dtype) && x->quant_type != NPU_QUANT_NONE ? NULL :
		       "DEQUANTIZE X";
	}
	return x->dtype == NPU_DTYPE_F32 && y->dtype == NPU_DTYPE_F32 ? NULL : "not F32";
}

/* uAPI NPU_OP_MAXPOOL/AVGPOOL: one axis, or -1 */
static int64_t fz_pool_out(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1,
			   int ceil_mode)
{
	int64_t ext = d * (k - 1) + 1, span = in + p0 + p1 - ext, o;

	if (p0 >= ext || p1 >= ext || span < 0)
		return -1;
	o = (ceil_mode ? span + s - 1 : span) / s + 1;
	/* a last window starting in the bottom/right padding is dropped */
	if (ceil_mode && (o - 1) * s >= in + p0)
		o--;
	return o;
}

static const char *fz_pool(const struct npu_cmd_op *op, const struct npu_cmd_tensor *x,
			   const struct npu_cmd_tensor *y)
{
	const struct npu_op_pool *p = &op->pool;
	struct npu_op_pool zero;
	int64_t oh, ow;

	if (x->ndim != 4 || y->ndim != 4 || y->shape[0] != x->shape[0] ||
	    y->shape[1] != x->shape[1])
		return "pool: X or Y not [N, C, ...]";
	if (op->opcode == NPU_OP_GLOBAL_AVGPOOL) {
		memset(&zero, 0, sizeof(zero));
		if (memcmp(p, &zero, sizeof(zero)))
			return "GLOBAL_AVGPOOL parameters";
		if (y->shape[2] != 1 || y->shape[3] != 1)
			return "GLOBAL_AVGPOOL Y";
		if ((uint64_t)x->shape[2] * x->shape[3] > (1ULL << 25))
			return "GLOBAL_AVGPOOL unit work";
		return x->dtype == NPU_DTYPE_F32 && y->dtype == NPU_DTYPE_F32 ? NULL : "not F32";
	}
	if (p->kernel_h < 1 || p->kernel_h > 256 || p->kernel_w < 1 || p->kernel_w > 256 ||
	    p->stride_h < 1 || p->stride_h > 64 || p->stride_w < 1 || p->stride_w > 64 ||
	    p->dilation_h < 1 || p->dilation_h > 64 || p->dilation_w < 1 || p->dilation_w > 64)
		return "pool kernel/stride/dilation";
	if (op->opcode == NPU_OP_AVGPOOL && (p->dilation_h != 1 || p->dilation_w != 1))
		return "AVGPOOL dilation";
	if (p->flags & ~(NPU_POOL_CEIL_MODE | NPU_POOL_COUNT_INCLUDE_PAD) ||
	    (op->opcode == NPU_OP_MAXPOOL && (p->flags & NPU_POOL_COUNT_INCLUDE_PAD)))
		return "pool flags";
	oh = fz_pool_out(x->shape[2], p->kernel_h, p->stride_h, p->dilation_h, p->pad_top,
			 p->pad_bottom, p->flags & NPU_POOL_CEIL_MODE);
	ow = fz_pool_out(x->shape[3], p->kernel_w, p->stride_w, p->dilation_w, p->pad_left,
			 p->pad_right, p->flags & NPU_POOL_CEIL_MODE);
	if (oh < 0 || ow < 0)
		return "pool pads/window";
	if (y->shape[2] != oh || y->shape[3] != ow)
		return "pool Y";
	if ((uint64_t)p->kernel_h * p->kernel_w * (uint64_t)ow > (1ULL << 25))
		return "pool unit work";
	if (op->opcode == NPU_OP_AVGPOOL)
		return x->dtype == NPU_DTYPE_F32 && y->dtype == NPU_DTYPE_F32 ? NULL : "not F32";
	if (x->dtype != NPU_DTYPE_F32 && !fz_is_q8(x->dtype))
		return "MAXPOOL dtype";
	return fz_same_q(x, y);
}

static const char *fz_softmax(const struct npu_cmd_op *op, const struct npu_cmd_tensor *x,
			      const struct npu_cmd_tensor *y)
{
	if (op->axis.axis >= x->ndim)
		return "SOFTMAX axis";
	if (!fz_same_shape(x, y))
		return "Y shape differs from X";
	if (x->shape[op->axis.axis] > (1U << 20))
		return "SOFTMAX unit work";
	return x->dtype == NPU_DTYPE_F32 && y->dtype == NPU_DTYPE_F32 ? NULL : "not F32";
}

static const char *fz_concat(const struct npu_cmd_op *op, const struct npu_cmd_tensor *in,
			     const struct npu_cmd_tensor *y)
{
	uint32_t axis = op->axis.axis, i, d;
	uint64_t sum = 0;

	if (axis >= y->ndim)
		return "CONCAT axis";
	for (i = 0; i < op->num_inputs; i++) {
		if (in[i].ndim != y->ndim || in[i].dtype != y->dtype)
			return "CONCAT input rank or dtype";
		for (d = 0; d < y->ndim; d++)
			if (d != axis && in[i].shape[d] != y->shape[d])
				return "CONCAT input shape";
		if (fz_is_q8(y->dtype) && fz_same_q(&in[i], y))
			return "CONCAT quantization";
		sum += in[i].shape[axis];
	}
	return sum == y->shape[axis] ? NULL : "CONCAT Y axis";
}

/* floor(in * scale) computed exactly (a 31-bit by 24-bit product fits long double) */
static int fz_resize_size_ok(uint32_t in, uint32_t scale, uint32_t out)
{
	long double v = floorl((long double)in * (long double)fz_f32(scale));

	return v == (long double)out;
}

static const char *fz_resize(const struct npu_cmd_op *op, const struct npu_cmd_tensor *x,
			     const struct npu_cmd_tensor *y)
{
	const struct npu_op_resize *p = &op->resize;

	if (p->mode >= NPU_RESIZE_MODE_COUNT || p->coord >= NPU_RESIZE_COORD_COUNT ||
	    p->nearest >= NPU_RESIZE_NEAREST_COUNT ||
	    (p->mode != NPU_RESIZE_NEAREST && p->nearest))
		return "RESIZE modes";
	if ((p->scale_h && (!fz_finite(p->scale_h) || !(fz_f32(p->scale_h) > 0))) ||
	    (p->scale_w && (!fz_finite(p->scale_w) || !(fz_f32(p->scale_w) > 0))))
		return "RESIZE scale";
	if (x->ndim != 4 || y->ndim != 4 || y->shape[0] != x->shape[0] ||
	    y->shape[1] != x->shape[1])
		return "RESIZE X or Y not [N, C, ...]";
	if ((p->scale_h && !fz_resize_size_ok(x->shape[2], p->scale_h, y->shape[2])) ||
	    (p->scale_w && !fz_resize_size_ok(x->shape[3], p->scale_w, y->shape[3])))
		return "RESIZE Y size";
	if (y->shape[3] > (1U << 20))
		return "RESIZE unit work";
	return x->dtype == NPU_DTYPE_F32 && y->dtype == NPU_DTYPE_F32 ? NULL : "not F32";
}

static const char *fz_transpose(const struct npu_cmd_op *op, const struct npu_cmd_tensor *x,
				const struct npu_cmd_tensor *y)
{
	uint32_t i, j;

	for (i = 0; i < NPU_CMD_MAX_DIMS; i++) {
		if (i >= x->ndim) {
			if (op->transpose.perm[i])
				return "TRANSPOSE perm past the rank";
			continue;
		}
		if (op->transpose.perm[i] >= x->ndim)
			return "TRANSPOSE perm range";
		for (j = 0; j < i; j++)
			if (op->transpose.perm[j] == op->transpose.perm[i])
				return "TRANSPOSE perm repeats";
	}
	if (y->ndim != x->ndim)
		return "TRANSPOSE rank";
	for (i = 0; i < x->ndim; i++)
		if (y->shape[i] != x->shape[op->transpose.perm[i]])
			return "TRANSPOSE Y shape";
	return fz_same_q(x, y);
}

static const char *fz_copy(const struct npu_cmd_tensor *x, const struct npu_cmd_tensor *y)
{
	if (fz_elems(x) != fz_elems(y))
		return "COPY element count";
	return fz_same_q(x, y);
}

static const char *fz_unary(const struct npu_cmd_op *op, const struct npu_cmd_tensor *x,
			    const struct npu_cmd_tensor *y)
{
	const char *r;

	if (op->eltwise.activation)
		return "RELU/CLIP activation";
	r = fz_act(op->opcode == NPU_OP_CLIP ? NPU_ACT_CLIP : NPU_ACT_NONE,
		   op->eltwise.act_min, op->eltwise.act_max, op->eltwise.act_alpha,
		   op->eltwise.act_beta);
	if (r)
		return r;
	if (!fz_same_shape(x, y) || x->dtype != y->dtype)
		return "RELU/CLIP Y differs from X";
	if (fz_is_q8(x->dtype) && (!fz_q8_pt(x) || !fz_q8_pt(y) || x->scale != y->scale ||
				   x->zero_point != y->zero_point))
		return "RELU/CLIP quantization";
	return NULL;
}

static int fz_overlap(const struct npu_cmd_tensor *a, const struct npu_cmd_tensor *b)
{
	uint64_t ae = a->offset + fz_bytes(a);
	uint64_t be = b->offset + fz_bytes(b);

	return a->bo_index == b->bo_index && a->offset < be && b->offset < ae;
}

/* uAPI "struct npu_cmd_op" and "enum npu_op_code" */
static const char *fz_check_op(const struct fz_model *m, uint32_t i, uint64_t *rd, uint64_t *wr)
{
	/*
	 * required inputs, optional inputs, parameter words, by opcode (the
	 * uAPI parameter structs: gemm 6, conv2d 16, eltwise 5, pool 11,
	 * axis 1, resize 5, transpose 4; COPY none). CONCAT: see below.
	 */
	static const uint8_t req[NPU_OP_COUNT] = {
		0, 2, 2, 2, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	};
	static const uint8_t opt[NPU_OP_COUNT] = { 0, 1, 1, 0, 0, 0, 1 };
	static const uint8_t words[NPU_OP_COUNT] = {
		0, 6, 16, 5, 5, 5, 16, 5, 5, 5, 5, 5, 5, 5, 11, 11, 11, 1, 1, 5, 4, 0, 5, 5,
	};
	struct npu_cmd_op op = fz_op(m, i);
	struct npu_cmd_tensor in[NPU_CMD_MAX_INPUTS], sc, y;
	uint32_t s, nin;
	const char *r;

	if (op.opcode < 1 || op.opcode >= NPU_OP_COUNT)
		return "opcode";
	nin = req[op.opcode] + opt[op.opcode];
	/* CONCAT: 1 .. NPU_CMD_MAX_INPUTS inputs, all given */
	if (op.opcode == NPU_OP_CONCAT)
		nin = op.num_inputs >= 1 && op.num_inputs <= NPU_CMD_MAX_INPUTS ? op.num_inputs : 0;
	if (op.flags || op.num_inputs != nin || !nin || op.num_outputs != 1)
		return "op flags or slot counts";
	for (s = 0; s < NPU_CMD_MAX_INPUTS; s++) {
		if (s >= nin || (s >= req[op.opcode] && op.inputs[s] == NO_T)) {
			if (op.inputs[s] != NO_T)
				return "unused input slot";
			continue;
		}
		if (op.inputs[s] >= m->h.num_tensors)
			return "input id";
		in[s] = fz_t(m, op.inputs[s]);
	}
	if (op.outputs[0] >= m->h.num_tensors || op.outputs[1] != NO_T)
		return "output slots";
	/* CONCAT's inputs are all required */
	if (op.opcode == NPU_OP_CONCAT)
		for (s = 0; s < nin; s++)
			if (op.inputs[s] == NO_T)
				return "CONCAT input missing";
	for (s = words[op.opcode]; s < 16; s++)
		if (op.raw[s])
			return "parameter words past the op's struct";
	y = fz_t(m, op.outputs[0]);
	/* packed: only W of CONV2D groups 1, B of GEMM with TRANS_B */
	if (y.flags & NPU_TENSOR_PACKED_V1)
		return "packed output";
	for (s = 0; s < nin; s++) {
		if (op.inputs[s] == NO_T || !(in[s].flags & NPU_TENSOR_PACKED_V1))
			continue;
		if (s == 1 && op.opcode == NPU_OP_CONV2D && op.conv2d.groups == 1)
			continue;
		if (s == 1 && op.opcode == NPU_OP_GEMM && (op.gemm.flags & NPU_GEMM_TRANS_B))
			continue;
		return "packed tensor in a dense slot";
	}
	switch (op.opcode) {
	case NPU_OP_GEMM:
		r = fz_gemm(&op, in, &y);
		break;
	case NPU_OP_CONV2D:
		r = fz_conv(&op, in, &y);
		break;
	case NPU_OP_CONV_TRANSPOSE2D:
		r = fz_convt(&op, in, &y);
		break;
	case NPU_OP_ADD:
	case NPU_OP_SUB:
	case NPU_OP_MUL:
	case NPU_OP_DIV:
		r = fz_binary(&op, in, &y);
		break;
	case NPU_OP_RELU:
	case NPU_OP_CLIP:
		r = fz_unary(&op, &in[0], &y);
		break;
	case NPU_OP_MAXPOOL:
	case NPU_OP_AVGPOOL:
	case NPU_OP_GLOBAL_AVGPOOL:
		r = fz_pool(&op, &in[0], &y);
		break;
	case NPU_OP_SOFTMAX:
		r = fz_softmax(&op, &in[0], &y);
		break;
	case NPU_OP_CONCAT:
		r = fz_concat(&op, in, &y);
		break;
	case NPU_OP_RESIZE:
		r = fz_resize(&op, &in[0], &y);
		break;
	case NPU_OP_TRANSPOSE:
		r = fz_transpose(&op, &in[0], &y);
		break;
	case NPU_OP_COPY:
		r = fz_copy(&in[0], &y);
		break;
	default:
		r = fz_eltwise1(&op, &in[0], &y);
		break;
	}
	if (r)
		return r;
	/* the output shares no byte with an input or its scale tensor */
	for (s = 0; s < nin; s++) {
		if (op.inputs[s] == NO_T)
			continue;
		if (fz_overlap(&y, &in[s]))
			return "output overlaps an input";
		*rd |= 1ULL << in[s].bo_index;
		if (in[s].quant_type != NPU_QUANT_PER_CHANNEL)
			continue;
		/* npu_fw_validate.c DOC: scale tensors count as read */
		sc = fz_t(m, in[s].scale_tensor);
		if (fz_overlap(&y, &sc))
			return "output overlaps a scale tensor";
		*rd |= 1ULL << sc.bo_index;
	}
	*wr |= 1ULL << y.bo_index;
	return NULL;
}

const char *fz_oracle(const uint8_t *cmd, uint32_t size, const __u64 *bo_size,
		      uint32_t bo_count, const struct npu_fw_limits *lim,
		      uint64_t *rd, uint64_t *wr)
{
	struct fz_model m = {
		.cmd = cmd, .size = size, .bo_size = bo_size, .bo_count = bo_count,
		.lim = lim,
	};
	const char *r;
	uint32_t i;

	*rd = 0;
	*wr = 0;
	r = fz_header(&m);
	if (r)
		return r;
	for (i = 0; i < m.h.num_tensors; i++) {
		r = fz_tensor(&m, i);
		if (r)
			return r;
	}
	for (i = 0; i < m.h.num_ops; i++) {
		r = fz_check_op(&m, i, rd, wr);
		if (r)
			return r;
	}
	return NULL;
}

// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * fz_oracle(): the command-stream rules of uapi/linux/npu_cmd.h, restated
 * independently of firmware/npu_fw_validate.c (different structure, host
 * floating point for float fields, saturating 64-bit arithmetic) so that
 * the fuzzer can check "the validator accepts exactly the valid streams"
 * in both directions. Where the uAPI text is terse, the rule documented in
 * the DOC block of npu_fw_validate.c is used and marked as such.
 */
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

/* uAPI "struct npu_cmd_tensor" */
static const char *fz_tensor(const struct fz_model *m, uint32_t id)
{
	struct npu_cmd_tensor t = fz_t(m, id), s;
	uint32_t esize = fz_esize(t.dtype), i;
	uint64_t bytes, bo;
	float scale;

	if (t.flags || t.reserved)
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
	bytes = fz_elems(&t) * esize;
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

/* a fused activation (struct npu_op_gemm, npu_op_conv2d, npu_op_eltwise) */
static const char *fz_act(uint32_t act, uint32_t lo, uint32_t hi)
{
	if (act == NPU_ACT_NONE || act == NPU_ACT_RELU)
		return lo || hi ? "bounds without CLIP" : NULL;
	if (act != NPU_ACT_CLIP)
		return "activation";
	if (!fz_finite(lo) || !fz_finite(hi) || !(fz_f32(lo) <= fz_f32(hi)))
		return "clip bounds";
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
	r = fz_act(op->gemm.activation, op->gemm.act_min, op->gemm.act_max);
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
	if ((uint64_t)k * n > (1ULL << 25))
		return "GEMM unit work";
	return fz_mac_types(a, b, bias, y, trans ? 0 : 1);
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
	r = fz_act(p->activation, p->act_min, p->act_max);
	if (r)
		return r;
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
	if ((uint64_t)w->shape[1] * w->shape[2] * w->shape[3] * (uint64_t)ow > (1ULL << 25))
		return "CONV2D unit work";
	return fz_mac_types(x, w, bias, y, 0);
}

static const char *fz_add(const struct npu_cmd_op *op, const struct npu_cmd_tensor *in,
			  const struct npu_cmd_tensor *y)
{
	const struct npu_cmd_tensor *a = &in[0], *b = &in[1];
	uint32_t i;
	const char *r;

	r = fz_act(op->eltwise.activation, op->eltwise.act_min, op->eltwise.act_max);
	if (r)
		return r;
	if (b->ndim > a->ndim)
		return "ADD rank";
	for (i = 0; i < b->ndim; i++)
		if (b->shape[i] != 1 && b->shape[i] != a->shape[a->ndim - b->ndim + i])
			return "ADD broadcast";
	if (!fz_same_shape(a, y))
		return "ADD Y shape";
	if (b->dtype != a->dtype || y->dtype != a->dtype)
		return "ADD dtypes differ";
	if (fz_is_q8(a->dtype) && (!fz_q8_pt(a) || !fz_q8_pt(b) || !fz_q8_pt(y)))
		return "ADD I8/U8 not per-tensor quantized";
	return NULL;
}

static const char *fz_unary(const struct npu_cmd_op *op, const struct npu_cmd_tensor *x,
			    const struct npu_cmd_tensor *y)
{
	const char *r;

	if (op->eltwise.activation)
		return "RELU/CLIP activation";
	r = fz_act(op->opcode == NPU_OP_CLIP ? NPU_ACT_CLIP : NPU_ACT_NONE,
		   op->eltwise.act_min, op->eltwise.act_max);
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
	uint64_t ae = a->offset + fz_elems(a) * fz_esize(a->dtype);
	uint64_t be = b->offset + fz_elems(b) * fz_esize(b->dtype);

	return a->bo_index == b->bo_index && a->offset < be && b->offset < ae;
}

/* uAPI "struct npu_cmd_op" and "enum npu_op_code" */
static const char *fz_check_op(const struct fz_model *m, uint32_t i, uint64_t *rd, uint64_t *wr)
{
	/* required inputs, optional inputs, parameter words, by opcode */
	static const uint8_t req[NPU_OP_COUNT] = { 0, 2, 2, 2, 1, 1 };
	static const uint8_t opt[NPU_OP_COUNT] = { 0, 1, 1, 0, 0, 0 };
	static const uint8_t words[NPU_OP_COUNT] = { 0, 4, 12, 3, 3, 3 };
	struct npu_cmd_op op = fz_op(m, i);
	struct npu_cmd_tensor in[NPU_CMD_MAX_INPUTS], sc, y;
	uint32_t s, nin;
	const char *r;

	if (op.opcode < 1 || op.opcode >= NPU_OP_COUNT)
		return "opcode";
	nin = req[op.opcode] + opt[op.opcode];
	if (op.flags || op.num_inputs != nin || op.num_outputs != 1)
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
	for (s = words[op.opcode]; s < 16; s++)
		if (op.raw[s])
			return "parameter words past the op's struct";
	y = fz_t(m, op.outputs[0]);
	switch (op.opcode) {
	case NPU_OP_GEMM:
		r = fz_gemm(&op, in, &y);
		break;
	case NPU_OP_CONV2D:
		r = fz_conv(&op, in, &y);
		break;
	case NPU_OP_ADD:
		r = fz_add(&op, in, &y);
		break;
	default:
		r = fz_unary(&op, &in[0], &y);
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

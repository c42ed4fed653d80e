// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: lowering the optimized graph to command-stream ops.
 *
 * 1. Views. Identity, Dropout, Reshape, Flatten, Squeeze, Unsqueeze, a
 *    same-type Cast, a one-input Concat and an identity Transpose emit no
 *    op: their output is a second descriptor of the input's bytes (every
 *    tensor is dense, so any shape with the same element count describes
 *    them). Gemm/MatMul inputs of other ranks and legacy Softmax use the
 *    same trick.
 * 2. Ops. Each remaining node becomes one op, or a short sequence (Concat
 *    of more than NPU_CMD_MAX_INPUTS inputs is a chain; Gemm with alpha or
 *    a full C adds MUL/ADD; a transposed computed A adds TRANSPOSE); a fused
 *    activation goes on the last op of the sequence. QuantizeLinear,
 *    DequantizeLinear, QLinearConv and QLinearMatMul become QUANTIZE,
 *    DEQUANTIZE, and quantized CONV2D and GEMM: the quantization that
 *    npu_g_infer() resolved for each integer operand goes on the op's
 *    reference to it (the same bytes may be read with another one
 *    elsewhere); per-channel scales are an F32 constant of their own.
 *    Constant weights of a CONV2D with groups == 1 (F32, or I8 of at most
 *    NPU_TENSOR_PACKED_Q8_MAX_COLS columns) and the constant I8 B of a
 *    quantized GEMM (stored transposed, NPU_GEMM_TRANS_B) are stored in
 *    the packed layout of the vector kernels (NPU_PACK=0: dense).
 * 3. Storage. Each root value (one that is not a view) lives in one of
 *    three stores: WEIGHTS (constants, packed 64-byte aligned into one blob
 *    uploaded once), IO (graph inputs and outputs, at fixed offsets so the
 *    caller can map them) or the ARENA (everything else). Arena offsets are
 *    assigned greedily by size: a value may share bytes with any value whose
 *    lifetime [first writer, last reader] does not meet its own, so no op
 *    ever writes bytes that one of its inputs occupies.
 * 4. Tensors and jobs. Distinct descriptors (bytes, dtype, shape, flags and
 *    quantization) become the tensor table; the op list is cut into jobs
 *    so that each stream respects the device's max_ops, max_tensors
 *    (scale tensors included) and max_cmd_size.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npu_priv.h"
#include "npu_graph.h"
#include "../../firmware/npu_fw_kern.h"
#include "../../firmware/npu_fw.h"

#define NF(g, n, err, ...)	npu_g_node_fail(g, n, err, __VA_ARGS__)
#define NPU_PLAN_ALIGN		64U

/*
 * a tensor reference of an op being built: a value seen with some shape
 * and, for an integer operand of a quantized op, some quantization
 */
struct npu_lref {
	int val;
	uint32_t ndim;
	uint32_t shape[NPU_CMD_MAX_DIMS];
	uint32_t flags;	/* NPU_TENSOR_PACKED_V1: wants the packed layout */
	struct npu_gquant q;
};

struct npu_lop {
	struct npu_cmd_op op;	/* tensor slots hold npu_lref indices */
	int node;
};

/**
 * struct npu_lower - state of one npu_g_lower() call
 * @g: the graph
 * @lim: device limits
 * @refs: tensor references, @nrefs of them
 * @ops: ops, @nops of them
 * @cur: node being lowered
 */
struct npu_lower {
	struct npu_graph *g;
	const struct npu_plan_limits *lim;
	struct npu_lref *refs;
	uint32_t nrefs, refs_cap;
	struct npu_lop *ops;
	uint32_t nops, ops_cap;
	int cur;
};

static uint32_t npu_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static int npu_root(const struct npu_graph *g, int vi)
{
	while (g->vals[vi].view_of >= 0)
		vi = g->vals[vi].view_of;
	return vi;
}

static struct npu_gnode *npu_cur(struct npu_lower *l)
{
	return &l->g->nodes[l->cur];
}

/* ------------------------------------------------------------------ */
/* References and ops                                                  */

/* reference value @vi seen with shape @dims of rank @rank (0: scalar) */
static int npu_ref_shape(struct npu_lower *l, int vi, int rank,
			 const int64_t *dims)
{
	struct npu_graph *g = l->g;
	struct npu_lref *r;
	int ret, i;

	if (rank > NPU_CMD_MAX_DIMS)
		return NF(g, npu_cur(l), -EOPNOTSUPP,
			  "value '%s' has rank %d; the command stream takes at most %d",
			  g->vals[vi].name, rank, NPU_CMD_MAX_DIMS);
	ret = npu__grow((void **)&l->refs, &l->refs_cap, l->nrefs + 1, sizeof(*r));
	if (ret)
		return npu_g_fail(g, ret, "out of memory");
	r = &l->refs[l->nrefs];
	memset(r, 0, sizeof(*r));
	r->val = vi;
	r->ndim = rank ? (uint32_t)rank : 1;
	if (!rank)
		r->shape[0] = 1;
	for (i = 0; i < rank; i++)
		r->shape[i] = (uint32_t)dims[i];
	return (int)l->nrefs++;
}

static int npu_ref(struct npu_lower *l, int vi)
{
	return npu_ref_shape(l, vi, l->g->vals[vi].rank, l->g->vals[vi].dims);
}

/* reference value @vi with the quantization @q (copied) */
static int npu_ref_q(struct npu_lower *l, int vi, const struct npu_gquant *q)
{
	struct npu_gquant qq = *q;
	int r = npu_ref(l, vi);

	if (r >= 0)
		l->refs[r].q = qq;
	return r;
}

/* a new op; @in/@nin and @out are reference indices (-1: none) */
static int npu_emit(struct npu_lower *l, uint16_t opcode, const int *in,
		    int nin, int out, struct npu_cmd_op **opp)
{
	struct npu_cmd_op *op;
	int ret, i;

	ret = npu__grow((void **)&l->ops, &l->ops_cap, l->nops + 1, sizeof(*l->ops));
	if (ret)
		return npu_g_fail(l->g, ret, "out of memory");
	l->ops[l->nops].node = l->cur;
	op = &l->ops[l->nops].op;
	memset(op, 0, sizeof(*op));
	op->opcode = opcode;
	op->num_inputs = (uint16_t)nin;
	op->num_outputs = 1;
	for (i = 0; i < NPU_CMD_MAX_INPUTS; i++)
		op->inputs[i] = i < nin && in[i] >= 0 ? (uint32_t)in[i] : NPU_CMD_NO_TENSOR;
	op->outputs[0] = (uint32_t)out;
	op->outputs[1] = NPU_CMD_NO_TENSOR;
	l->nops++;
	*opp = op;
	return 0;
}

/* activation fields of an op (gemm, conv2d and eltwise share the layout) */
static void npu_set_act(struct npu_cmd_op *op, const struct npu_gact *a)
{
	uint32_t *act, *mn, *mx, *al, *be;

	if (op->opcode == NPU_OP_GEMM) {
		act = &op->gemm.activation;
		mn = &op->gemm.act_min;
		mx = &op->gemm.act_max;
		al = &op->gemm.act_alpha;
		be = &op->gemm.act_beta;
	} else if (op->opcode == NPU_OP_CONV2D || op->opcode == NPU_OP_CONV_TRANSPOSE2D) {
		act = &op->conv2d.activation;
		mn = &op->conv2d.act_min;
		mx = &op->conv2d.act_max;
		al = &op->conv2d.act_alpha;
		be = &op->conv2d.act_beta;
	} else {
		act = &op->eltwise.activation;
		mn = &op->eltwise.act_min;
		mx = &op->eltwise.act_max;
		al = &op->eltwise.act_alpha;
		be = &op->eltwise.act_beta;
	}
	*act = a->act;
	*mn = a->act == NPU_ACT_CLIP ? npu_bits(a->min) : 0;
	*mx = a->act == NPU_ACT_CLIP ? npu_bits(a->max) : 0;
	*al = a->act == NPU_ACT_HARD_SIGMOID ? npu_bits(a->alpha) : 0;
	*be = a->act == NPU_ACT_HARD_SIGMOID ? npu_bits(a->beta) : 0;
}

/* a scratch value for the middle of a sequence */
static int npu_temp(struct npu_lower *l, int like, int rank, const int64_t *dims)
{
	return npu_g_new_value(l->g, l->g->vals[like].name, NPU_G_FLOAT, rank, dims);
}

/* ------------------------------------------------------------------ */
/* Per operator                                                        */

/* NPU_PACK=0 in the environment: store no weights packed (debugging) */
static bool npu_no_pack(void)
{
	const char *v = getenv("NPU_PACK");

	return v && !strcmp(v, "0");
}

/*
 * Can constant @v be stored packed (NPU_TENSOR_PACKED_V1) as the weights
 * of a CONV2D or GEMM: F32, or I8 of at most NPU_TENSOR_PACKED_Q8_MAX_COLS
 * columns (the product of its dimensions after the first)?
 */
static bool npu_packable(const struct npu_gval *v)
{
	if (!v->is_const || v->view_of >= 0 || v->rank < 2 || npu_no_pack())
		return false;
	if (v->dtype == NPU_G_FLOAT)
		return true;
	return v->dtype == NPU_G_INT8 &&
	       npu_g_elems(v) / v->dims[0] <= NPU_TENSOR_PACKED_Q8_MAX_COLS;
}

/* Conv, ConvTranspose, QLinearConv (X, W, B at inputs 0, 3, 8) */
static int npu_lower_conv(struct npu_lower *l, struct npu_gnode *n)
{
	static const int fslot[3] = { 0, 1, 2 }, qslot[3] = { 0, 3, 8 };
	const struct npu_gconv *c = &n->p.conv;
	bool q8 = n->op == NPU_GOP_QCONV;
	const int *slot = q8 ? qslot : fslot;
	struct npu_cmd_op *op;
	int in[3], out, ret, i;

	for (i = 0; i < 3; i++) {
		in[i] = -1;
		if (slot[i] < n->nin && n->in[slot[i]] >= 0) {
			/* X and W of a quantized conv: q[NPU_GQ_X], q[NPU_GQ_W] */
			in[i] = q8 && i < 2 ? npu_ref_q(l, n->in[slot[i]], &n->q[i]) :
			       npu_ref(l, n->in[slot[i]]);
			if (in[i] < 0)
				return in[i];
		}
	}
	out = q8 ? npu_ref_q(l, n->out[0], &n->q[NPU_GQ_Y]) : npu_ref(l, n->out[0]);
	if (out < 0)
		return out;
	ret = npu_emit(l, n->op == NPU_GOP_CONV_T ? NPU_OP_CONV_TRANSPOSE2D : NPU_OP_CONV2D,
		       in, 3, out, &op);
	if (ret)
		return ret;
	n = npu_cur(l);
	/*
	 * Constant weights of a plain convolution, F32 or (quantized) I8, are
	 * stored packed for the vector kernels (unless another op reads them
	 * densely, see npu_lower_storage()).
	 */
	if (n->op != NPU_GOP_CONV_T && c->group == 1 && in[1] >= 0 &&
	    npu_packable(&l->g->vals[l->refs[in[1]].val]))
		l->refs[in[1]].flags = NPU_TENSOR_PACKED_V1;
	op->conv2d.stride_h = (uint32_t)c->strides[0];
	op->conv2d.stride_w = (uint32_t)c->strides[1];
	op->conv2d.dilation_h = (uint32_t)c->dilations[0];
	op->conv2d.dilation_w = (uint32_t)c->dilations[1];
	op->conv2d.pad_top = (uint32_t)c->pads[0];
	op->conv2d.pad_left = (uint32_t)c->pads[1];
	op->conv2d.pad_bottom = (uint32_t)c->pads[2];
	op->conv2d.pad_right = (uint32_t)c->pads[3];
	op->conv2d.groups = (uint32_t)c->group;
	if (n->op == NPU_GOP_CONV_T) {
		op->conv2d.output_pad_h = (uint32_t)c->output_padding[0];
		op->conv2d.output_pad_w = (uint32_t)c->output_padding[1];
	}
	npu_set_act(op, &n->act);
	return 0;
}

/* y = a (op) b with broadcasting; @act goes on it */
static int npu_lower_binary_vals(struct npu_lower *l, uint16_t opcode, int a,
				 int b, int y, const struct npu_gact *act)
{
	struct npu_graph *g = l->g;
	struct npu_cmd_op *op;
	int in[2], out, ret;
	bool a_full, b_full;

	/* version 1 streams broadcast B to A: keep A full-size when we can */
	a_full = g->vals[a].rank == g->vals[y].rank &&
		 !memcmp(g->vals[a].dims, g->vals[y].dims, sizeof(int64_t) * (size_t)g->vals[y].rank);
	b_full = g->vals[b].rank == g->vals[y].rank &&
		 !memcmp(g->vals[b].dims, g->vals[y].dims, sizeof(int64_t) * (size_t)g->vals[y].rank);
	if (!a_full && b_full && (opcode == NPU_OP_ADD || opcode == NPU_OP_MUL)) {
		int t = a;

		a = b;
		b = t;
	}
	in[0] = npu_ref(l, a);
	in[1] = in[0] < 0 ? in[0] : npu_ref(l, b);
	out = in[1] < 0 ? in[1] : npu_ref(l, y);
	if (out < 0)
		return out;
	ret = npu_emit(l, opcode, in, 2, out, &op);
	if (ret)
		return ret;
	if (act)
		npu_set_act(op, act);
	return 0;
}

static uint16_t npu_binary_opcode(int gop)
{
	switch (gop) {
	case NPU_GOP_ADD: return NPU_OP_ADD;
	case NPU_GOP_SUB: return NPU_OP_SUB;
	case NPU_GOP_MUL: return NPU_OP_MUL;
	default: return NPU_OP_DIV;
	}
}

/* a one-element float constant */
static int npu_scalar_const(struct npu_lower *l, const char *base, float v)
{
	int64_t one = 1;

	return npu_g_new_const(l->g, base, NPU_G_FLOAT, 1, &one, &v);
}

static int npu_lower_gemm(struct npu_lower *l, struct npu_gnode *n)
{
	struct npu_graph *g = l->g;
	float alpha = n->p.gemm.alpha, beta = n->p.gemm.beta;
	int a = n->in[0], b = n->in[1], c = n->nin > 2 ? n->in[2] : -1, y = n->out[0];
	bool bias = c >= 0 && g->vals[c].rank == 1 && g->vals[c].is_const &&
		    g->vals[c].dims[0] == g->vals[y].dims[1] && beta == 1.0f && alpha == 1.0f;
	bool trans_b = n->p.gemm.trans_b;
	struct npu_gact act = n->act;
	struct npu_cmd_op *op;
	int in[3], t, out, ret;
	int64_t dims[2];

	if (n->p.gemm.trans_a) {
		/* computed A: TRANSPOSE into a temporary first */
		dims[0] = g->vals[a].dims[1];
		dims[1] = g->vals[a].dims[0];
		t = npu_temp(l, a, 2, dims);
		if (t < 0)
			return t;
		in[0] = npu_ref(l, a);
		out = in[0] < 0 ? in[0] : npu_ref(l, t);
		if (out < 0)
			return out;
		ret = npu_emit(l, NPU_OP_TRANSPOSE, in, 1, out, &op);
		if (ret)
			return ret;
		op->transpose.perm[0] = 1;
		op->transpose.perm[1] = 0;
		a = t;
	}
	/* the GEMM writes y directly unless something follows it */
	t = y;
	if (alpha != 1.0f || (c >= 0 && !bias)) {
		t = npu_temp(l, y, g->vals[y].rank, g->vals[y].dims);
		if (t < 0)
			return t;
	}
	in[2] = -1;
	in[0] = npu_ref(l, a);
	if (in[0] < 0)
		return in[0];
	in[1] = npu_ref(l, b);
	if (in[1] < 0)
		return in[1];
	if (bias) {
		in[2] = npu_ref(l, c);
		if (in[2] < 0)
			return in[2];
	}
	out = npu_ref(l, t);
	if (out < 0)
		return out;
	ret = npu_emit(l, NPU_OP_GEMM, in, 3, out, &op);
	if (ret)
		return ret;
	if (trans_b)
		op->gemm.flags = NPU_GEMM_TRANS_B;
	if (t == y) {
		npu_set_act(op, &act);
		return 0;
	}
	if (alpha != 1.0f) {
		int s = npu_scalar_const(l, "gemm.alpha", alpha), t2 = y;

		if (s < 0)
			return s;
		if (c >= 0) {
			t2 = npu_temp(l, y, g->vals[y].rank, g->vals[y].dims);
			if (t2 < 0)
				return t2;
		}
		ret = npu_lower_binary_vals(l, NPU_OP_MUL, t, s, t2, t2 == y ? &act : NULL);
		if (ret || t2 == y)
			return ret;
		t = t2;
	}
	/* + beta * C */
	if (beta != 1.0f) {
		struct npu_gval *cv = &g->vals[c];

		if (cv->is_const) {
			int64_t e = npu_g_elems(cv), i;
			float *d = malloc((size_t)(e ? e : 1) * sizeof(float));
			int nc;

			if (!d)
				return npu_g_fail(g, -ENOMEM, "out of memory");
			for (i = 0; i < e; i++)
				d[i] = beta * ((const float *)cv->data)[i];
			nc = npu_g_new_const(g, cv->name, NPU_G_FLOAT, cv->rank, cv->dims, d);
			free(d);
			if (nc < 0)
				return nc;
			c = nc;
		} else {
			int s = npu_scalar_const(l, "gemm.beta", beta), t3;

			if (s < 0)
				return s;
			t3 = npu_temp(l, c, g->vals[c].rank, g->vals[c].dims);
			if (t3 < 0)
				return t3;
			ret = npu_lower_binary_vals(l, NPU_OP_MUL, c, s, t3, NULL);
			if (ret)
				return ret;
			c = t3;
		}
	}
	return npu_lower_binary_vals(l, NPU_OP_ADD, t, c, y, &act);
}

/*
 * A constant int8 [K, N] B of a quantized GEMM as a new constant [N, K],
 * for NPU_GEMM_TRANS_B and the packed layout; its index
 */
static int npu_transposed_b(struct npu_lower *l, int bi, int64_t k, int64_t nn)
{
	struct npu_graph *g = l->g;
	int64_t dims[2] = { nn, k }, i, j;
	int8_t *d = malloc((size_t)(k * nn));
	int vi;

	if (!d)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	for (i = 0; i < k; i++)
		for (j = 0; j < nn; j++)
			d[j * k + i] = ((const int8_t *)g->vals[bi].data)[i * nn + j];
	vi = npu_g_new_const(g, g->vals[bi].name, NPU_G_INT8, 2, dims, d);
	free(d);
	return vi;
}

/* MatMul, QLinearMatMul (A, B at inputs 0, 3) */
static int npu_lower_matmul(struct npu_lower *l, struct npu_gnode *n)
{
	struct npu_graph *g = l->g;
	bool q8 = n->op == NPU_GOP_QMATMUL, trans_b = false;
	int bslot = q8 ? 3 : 1;
	struct npu_gval *a = &g->vals[n->in[0]], *b = &g->vals[n->in[bslot]];
	int64_t k = a->dims[a->rank - 1], nn, rows, ad[2], bd[2], yd[2], i;
	struct npu_gquant qb = n->q[NPU_GQ_W];
	struct npu_cmd_op *op;
	int in[3], out, ret, bt;

	for (i = 0; i + 2 < b->rank; i++)
		if (b->dims[i] != 1)
			return NF(g, n, -EOPNOTSUPP,
				  "a batched B (rank %d, leading dimension %lld) is not supported; B must be 2-D",
				  b->rank, (long long)b->dims[i]);
	nn = b->rank > 1 ? b->dims[b->rank - 1] : 1;
	rows = npu_g_elems(a) / k;
	ad[0] = rows;
	ad[1] = k;
	bd[0] = k;
	bd[1] = nn;
	yd[0] = rows;
	yd[1] = nn;
	in[2] = -1;
	in[0] = npu_ref_shape(l, n->in[0], 2, ad);
	if (in[0] < 0)
		return in[0];
	if (q8)
		l->refs[in[0]].q = npu_cur(l)->q[NPU_GQ_X];
	/*
	 * A constant int8 B is stored transposed ([N, K], NPU_GEMM_TRANS_B)
	 * and packed for the int8 vector kernels when its K columns fit
	 */
	if (q8 && b->dtype == NPU_G_INT8 && k <= NPU_TENSOR_PACKED_Q8_MAX_COLS &&
	    npu_packable(b)) {
		bt = npu_transposed_b(l, npu_cur(l)->in[bslot], k, nn);
		if (bt < 0)
			return bt;
		in[1] = npu_ref(l, bt);
		if (in[1] < 0)
			return in[1];
		l->refs[in[1]].flags = NPU_TENSOR_PACKED_V1;
		trans_b = true;
		if (qb.type == NPU_QUANT_PER_CHANNEL)
			qb.axis = 0;
	} else {
		in[1] = npu_ref_shape(l, npu_cur(l)->in[bslot], 2, bd);
		if (in[1] < 0)
			return in[1];
	}
	if (q8)
		l->refs[in[1]].q = qb;
	/* MatMul's bias comes from a folded Add (input 2 of QLinearMatMul is a_zero_point) */
	n = npu_cur(l);
	if (!q8 && n->nin > 2 && n->in[2] >= 0) {
		in[2] = npu_ref(l, n->in[2]);
		if (in[2] < 0)
			return in[2];
	}
	out = npu_ref_shape(l, npu_cur(l)->out[0], 2, yd);
	if (out < 0)
		return out;
	if (q8)
		l->refs[out].q = npu_cur(l)->q[NPU_GQ_Y];
	ret = npu_emit(l, NPU_OP_GEMM, in, 3, out, &op);
	if (ret)
		return ret;
	if (trans_b)
		op->gemm.flags = NPU_GEMM_TRANS_B;
	npu_set_act(op, &npu_cur(l)->act);
	return 0;
}

/* QuantizeLinear, DequantizeLinear: the quantization is Y's, or X's */
static int npu_lower_qdq(struct npu_lower *l, struct npu_gnode *n)
{
	bool quant = n->op == NPU_GOP_QUANTIZE;
	struct npu_cmd_op *op;
	int in, out;

	in = quant ? npu_ref(l, n->in[0]) : npu_ref_q(l, n->in[0], &n->q[NPU_GQ_X]);
	if (in < 0)
		return in;
	n = npu_cur(l);
	out = quant ? npu_ref_q(l, n->out[0], &n->q[NPU_GQ_Y]) : npu_ref(l, n->out[0]);
	if (out < 0)
		return out;
	return npu_emit(l, quant ? NPU_OP_QUANTIZE : NPU_OP_DEQUANTIZE, &in, 1, out, &op);
}

static int npu_lower_unary(struct npu_lower *l, struct npu_gnode *n, uint16_t opcode)
{
	struct npu_cmd_op *op;
	int in, out, ret;

	in = npu_ref(l, n->in[0]);
	out = in < 0 ? in : npu_ref(l, n->out[0]);
	if (out < 0)
		return out;
	ret = npu_emit(l, opcode, &in, 1, out, &op);
	if (ret)
		return ret;
	n = npu_cur(l);
	if (opcode == NPU_OP_CLIP) {
		op->eltwise.act_min = npu_bits(n->p.clip.min);
		op->eltwise.act_max = npu_bits(n->p.clip.max);
	} else if (opcode == NPU_OP_HARD_SIGMOID) {
		op->eltwise.act_alpha = npu_bits(n->p.hsig.alpha);
		op->eltwise.act_beta = npu_bits(n->p.hsig.beta);
	}
	return 0;
}

static int npu_lower_pool(struct npu_lower *l, struct npu_gnode *n)
{
	const struct npu_gconv *c = &n->p.conv;
	uint16_t opcode = n->op == NPU_GOP_MAXPOOL ? NPU_OP_MAXPOOL :
			  n->op == NPU_GOP_AVGPOOL ? NPU_OP_AVGPOOL : NPU_OP_GLOBAL_AVGPOOL;
	struct npu_cmd_op *op;
	int in, out, ret;

	in = npu_ref(l, n->in[0]);
	out = in < 0 ? in : npu_ref(l, n->out[0]);
	if (out < 0)
		return out;
	ret = npu_emit(l, opcode, &in, 1, out, &op);
	if (ret || opcode == NPU_OP_GLOBAL_AVGPOOL)
		return ret;
	op->pool.kernel_h = (uint32_t)c->kernel[0];
	op->pool.kernel_w = (uint32_t)c->kernel[1];
	op->pool.stride_h = (uint32_t)c->strides[0];
	op->pool.stride_w = (uint32_t)c->strides[1];
	op->pool.dilation_h = (uint32_t)c->dilations[0];
	op->pool.dilation_w = (uint32_t)c->dilations[1];
	op->pool.pad_top = (uint32_t)c->pads[0];
	op->pool.pad_left = (uint32_t)c->pads[1];
	op->pool.pad_bottom = (uint32_t)c->pads[2];
	op->pool.pad_right = (uint32_t)c->pads[3];
	if (c->ceil_mode)
		op->pool.flags |= NPU_POOL_CEIL_MODE;
	if (c->count_include_pad)
		op->pool.flags |= NPU_POOL_COUNT_INCLUDE_PAD;
	return 0;
}

static int npu_lower_softmax(struct npu_lower *l, struct npu_gnode *n)
{
	struct npu_gval *x = &l->g->vals[n->in[0]];
	int64_t axis = n->p.axis.axis, d[2] = { 1, 1 };
	struct npu_cmd_op *op;
	int in, out, ret, i;

	if (n->p.axis.legacy && axis != x->rank - 1) {
		/* opset < 13: softmax over the flattened [axis, rank) block */
		for (i = 0; i < x->rank; i++)
			d[i < axis ? 0 : 1] *= x->dims[i];
		in = npu_ref_shape(l, n->in[0], 2, d);
		out = in < 0 ? in : npu_ref_shape(l, n->out[0], 2, d);
		axis = 1;
	} else {
		in = npu_ref(l, n->in[0]);
		out = in < 0 ? in : npu_ref(l, n->out[0]);
		if (!x->rank)
			axis = 0;
	}
	if (out < 0)
		return out;
	ret = npu_emit(l, NPU_OP_SOFTMAX, &in, 1, out, &op);
	if (!ret)
		op->axis.axis = (uint32_t)axis;
	return ret;
}

static int npu_lower_concat(struct npu_lower *l, struct npu_gnode *n)
{
	struct npu_graph *g = l->g;
	int64_t axis = n->p.axis.axis, dims[NPU_G_MAX_RANK];
	int done = 0, acc = -1, in[NPU_CMD_MAX_INPUTS], k, cnt, y, out, ret;
	struct npu_cmd_op *op;

	while (done < npu_cur(l)->nin) {
		n = npu_cur(l);
		k = 0;
		if (acc >= 0)
			in[k++] = npu_ref(l, acc);
		memcpy(dims, g->vals[n->out[0]].dims, sizeof(dims));
		dims[axis] = acc >= 0 ? g->vals[acc].dims[axis] : 0;
		while (k < NPU_CMD_MAX_INPUTS && done < npu_cur(l)->nin) {
			int vi = npu_cur(l)->in[done++];

			dims[axis] += g->vals[vi].dims[axis];
			in[k++] = npu_ref(l, vi);
		}
		for (cnt = 0; cnt < k; cnt++)
			if (in[cnt] < 0)
				return in[cnt];
		n = npu_cur(l);
		if (done == n->nin) {
			y = n->out[0];
		} else {
			y = npu_temp(l, n->out[0], g->vals[n->out[0]].rank, dims);
			if (y < 0)
				return y;
			g->vals[y].dtype = g->vals[npu_cur(l)->out[0]].dtype;
		}
		out = npu_ref(l, y);
		if (out < 0)
			return out;
		ret = npu_emit(l, NPU_OP_CONCAT, in, k, out, &op);
		if (ret)
			return ret;
		op->axis.axis = (uint32_t)axis;
		acc = y;
	}
	return 0;
}

static int npu_lower_resize(struct npu_lower *l, struct npu_gnode *n)
{
	const struct npu_gresize *r = &n->p.resize;
	struct npu_cmd_op *op;
	int in[1], out, ret;

	in[0] = npu_ref(l, n->in[0]);
	out = in[0] < 0 ? in[0] : npu_ref(l, n->out[0]);
	if (out < 0)
		return out;
	ret = npu_emit(l, NPU_OP_RESIZE, in, 1, out, &op);
	if (ret)
		return ret;
	op->resize.mode = r->mode;
	op->resize.coord = r->coord;
	op->resize.nearest = r->mode == NPU_RESIZE_NEAREST ? r->nearest : 0;
	op->resize.scale_h = r->scale_h > 0 ? npu_bits(r->scale_h) : 0;
	op->resize.scale_w = r->scale_w > 0 ? npu_bits(r->scale_w) : 0;
	return 0;
}

static int npu_lower_transpose(struct npu_lower *l, struct npu_gnode *n)
{
	struct npu_cmd_op *op;
	int in, out, ret, i;

	in = npu_ref(l, n->in[0]);
	out = in < 0 ? in : npu_ref(l, n->out[0]);
	if (out < 0)
		return out;
	ret = npu_emit(l, NPU_OP_TRANSPOSE, &in, 1, out, &op);
	if (ret)
		return ret;
	n = npu_cur(l);
	for (i = 0; i < n->p.transpose.nperm; i++)
		op->transpose.perm[i] = (uint32_t)n->p.transpose.perm[i];
	return 0;
}

/* is the node a view of its input (no op)? */
static bool npu_is_view(const struct npu_graph *g, const struct npu_gnode *n)
{
	int i;

	switch (n->op) {
	case NPU_GOP_IDENTITY:
	case NPU_GOP_RESHAPE:
	case NPU_GOP_FLATTEN:
	case NPU_GOP_SQUEEZE:
	case NPU_GOP_UNSQUEEZE:
		return true;
	case NPU_GOP_CAST:
		return g->vals[n->in[0]].dtype == n->p.cast.to;
	case NPU_GOP_CONCAT:
		return n->nin == 1;
	case NPU_GOP_TRANSPOSE:
		for (i = 0; i < n->p.transpose.nperm; i++)
			if (n->p.transpose.perm[i] != i)
				return false;
		return true;
	default:
		return false;
	}
}

static int npu_lower_node(struct npu_lower *l, int ni)
{
	struct npu_graph *g = l->g;
	struct npu_gnode *n = &g->nodes[ni];

	l->cur = ni;
	if (npu_is_view(g, n)) {
		g->vals[n->out[0]].view_of = n->in[0];
		return 0;
	}
	switch (n->op) {
	case NPU_GOP_CONV:
	case NPU_GOP_CONV_T:
	case NPU_GOP_QCONV:
		return npu_lower_conv(l, n);
	case NPU_GOP_GEMM:
		return npu_lower_gemm(l, n);
	case NPU_GOP_MATMUL:
	case NPU_GOP_QMATMUL:
		return npu_lower_matmul(l, n);
	case NPU_GOP_QUANTIZE:
	case NPU_GOP_DEQUANTIZE:
		return npu_lower_qdq(l, n);
	case NPU_GOP_ADD:
	case NPU_GOP_SUB:
	case NPU_GOP_MUL:
	case NPU_GOP_DIV:
		return npu_lower_binary_vals(l, npu_binary_opcode(n->op), n->in[0],
					     n->in[1], n->out[0], &n->act);
	case NPU_GOP_RELU:
		return npu_lower_unary(l, n, NPU_OP_RELU);
	case NPU_GOP_CLIP:
		return npu_lower_unary(l, n, NPU_OP_CLIP);
	case NPU_GOP_SIGMOID:
		return npu_lower_unary(l, n, NPU_OP_SIGMOID);
	case NPU_GOP_HARD_SIGMOID:
		return npu_lower_unary(l, n, NPU_OP_HARD_SIGMOID);
	case NPU_GOP_HARD_SWISH:
		return npu_lower_unary(l, n, NPU_OP_HARD_SWISH);
	case NPU_GOP_TANH:
		return npu_lower_unary(l, n, NPU_OP_TANH);
	case NPU_GOP_MAXPOOL:
	case NPU_GOP_AVGPOOL:
	case NPU_GOP_GAP:
		return npu_lower_pool(l, n);
	case NPU_GOP_SOFTMAX:
		return npu_lower_softmax(l, n);
	case NPU_GOP_CONCAT:
		return npu_lower_concat(l, n);
	case NPU_GOP_RESIZE:
		return npu_lower_resize(l, n);
	case NPU_GOP_TRANSPOSE:
		return npu_lower_transpose(l, n);
	case NPU_GOP_CAST:
		return NF(g, n, -EOPNOTSUPP,
			  "casting a computed tensor from %s to %s is not supported",
			  npu_g_dtype_name(g->vals[n->in[0]].dtype),
			  npu_g_dtype_name(n->p.cast.to));
	case NPU_GOP_SLICE:
	case NPU_GOP_GATHER:
		return NF(g, n, -EOPNOTSUPP,
			  "only constant inputs are supported (input '%s' is computed at run time)",
			  g->vals[n->in[0]].name);
	default:
		return NF(g, n, -EOPNOTSUPP, "this operator cannot be lowered here");
	}
}

/* ------------------------------------------------------------------ */
/* Storage                                                             */

static uint64_t npu_align(uint64_t x)
{
	return (x + NPU_PLAN_ALIGN - 1) & ~(uint64_t)(NPU_PLAN_ALIGN - 1);
}

static uint64_t npu_val_bytes(const struct npu_gval *v)
{
	return (uint64_t)npu_g_elems(v) * npu_g_dtype_size(v->dtype);
}

/* columns of a value stored packed: the product of its dimensions after the first */
static uint32_t npu_pack_cols(const struct npu_gval *v)
{
	return (uint32_t)(npu_g_elems(v) / (uint64_t)v->dims[0]);
}

/* bytes of a root value in its store: packed (pack == 1, F32 or I8) or dense */
static uint64_t npu_stored_bytes(const struct npu_gval *v)
{
	if (v->pack == 1 && v->dtype == NPU_G_INT8)
		return npu_kern_pack_q8_size((uint32_t)v->dims[0], npu_pack_cols(v));
	if (v->pack == 1)
		return npu_kern_pack_f32_size((uint32_t)v->dims[0], npu_pack_cols(v));
	return npu_val_bytes(v);
}

static int npu_npu_dtype(int32_t d)
{
	switch (d) {
	case NPU_G_FLOAT: return NPU_DTYPE_F32;
	case NPU_G_INT32: return NPU_DTYPE_I32;
	case NPU_G_INT8: return NPU_DTYPE_I8;
	case NPU_G_UINT8: return NPU_DTYPE_U8;
	default: return -1;
	}
}

struct npu_arena_item {
	int val;
	uint64_t size;
};

static int npu_cmp_item(const void *pa, const void *pb)
{
	const struct npu_arena_item *a = pa, *b = pb;

	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	return a->val - b->val;
}

static int npu_cmp_u64pair(const void *pa, const void *pb)
{
	const uint64_t *a = pa, *b = pb;

	return a[0] < b[0] ? -1 : a[0] > b[0];
}

/*
 * Greedy by size: the largest value first, each at the lowest offset that
 * no already placed value of overlapping lifetime occupies.
 */
static int npu_place_arena(struct npu_graph *g, struct npu_arena_item *it,
			   uint32_t n, uint64_t *size)
{
	uint64_t (*busy)[2], off, end = 0;
	uint32_t i, j, nb;

	qsort(it, n, sizeof(*it), npu_cmp_item);
	busy = malloc(sizeof(*busy) * (n ? n : 1));
	if (!busy)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		struct npu_gval *v = &g->vals[it[i].val];

		nb = 0;
		for (j = 0; j < i; j++) {
			struct npu_gval *w = &g->vals[it[j].val];

			if (w->first > v->last || v->first > w->last)
				continue;
			busy[nb][0] = w->offset;
			busy[nb][1] = w->offset + npu_align(it[j].size);
			nb++;
		}
		qsort(busy, nb, sizeof(*busy), npu_cmp_u64pair);
		off = 0;
		for (j = 0; j < nb; j++) {
			if (busy[j][0] >= off + it[i].size)
				break;
			if (busy[j][1] > off)
				off = busy[j][1];
		}
		v->offset = off;
		v->store = NPU_PLAN_ARENA;
		if (off + npu_align(it[i].size) > end)
			end = off + npu_align(it[i].size);
	}
	free(busy);
	*size = end;
	return 0;
}

static int npu_plan_io_add(struct npu_graph *g, struct npu_plan_io *io, int vi)
{
	struct npu_gval *v = &g->vals[vi];
	int dt = npu_npu_dtype(v->dtype), i;

	memset(io, 0, sizeof(*io));
	io->name = strdup(v->name);
	if (!io->name)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	if (dt < 0)
		return npu_g_fail(g, -EOPNOTSUPP,
				  "graph %s '%s' has data type %s; inputs and outputs must be float, int32, int8 or uint8",
				  v->is_input ? "input" : "output", v->name,
				  npu_g_dtype_name(v->dtype));
	if (v->rank > NPU_CMD_MAX_DIMS)
		return npu_g_fail(g, -EOPNOTSUPP, "graph %s '%s' has rank %d (at most %d)",
				  v->is_input ? "input" : "output", v->name, v->rank,
				  NPU_CMD_MAX_DIMS);
	io->dtype = (uint32_t)dt;
	io->ndim = (uint32_t)v->rank;
	for (i = 0; i < v->rank; i++)
		io->shape[i] = (uint32_t)v->dims[i];
	io->bytes = npu_val_bytes(v);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Tensors and jobs                                                    */

/*
 * The plan tensor of reference @r: an existing one when store, offset,
 * dtype, shape, flags and quantization are all equal, else a new one. The
 * scales of a per-channel reference are a plan tensor of their own. An
 * I8/U8 reference that no quantized op qualifies (the operand of a data
 * movement op: TRANSPOSE, CONCAT, COPY) gets the identity quantization,
 * scale 1 and zero point 0, as the stream wants I8/U8 operands quantized.
 */
static int npu_plan_tensor_id(struct npu_graph *g, struct npu_plan *p,
			      const struct npu_lref *r)
{
	struct npu_gval *v = &g->vals[npu_root(g, r->val)];
	int dt = npu_npu_dtype(g->vals[r->val].dtype), ret, sid;
	struct npu_plan_tensor t, *o;
	struct npu_lref sr;
	uint32_t i;

	if (dt < 0)
		return npu_g_fail(g, -EOPNOTSUPP, "value '%s' has data type %s",
				  g->vals[r->val].name, npu_g_dtype_name(g->vals[r->val].dtype));
	memset(&t, 0, sizeof(t));
	t.store = (uint32_t)v->store;
	t.offset = v->offset;
	t.dtype = (uint32_t)dt;
	t.ndim = r->ndim;
	memcpy(t.shape, r->shape, sizeof(t.shape));
	if (v->pack == 1)
		t.flags = NPU_TENSOR_PACKED_V1;
	t.scale_tensor = NPU_CMD_NO_TENSOR;
	switch (r->q.type) {
	case NPU_QUANT_PER_TENSOR:
		t.quant_type = NPU_QUANT_PER_TENSOR;
		t.scale = npu_bits(r->q.scale);
		t.zero_point = r->q.zp;
		break;
	case NPU_QUANT_PER_CHANNEL:
		memset(&sr, 0, sizeof(sr));
		sr.val = r->q.scale_val;
		sr.ndim = 1;
		sr.shape[0] = (uint32_t)npu_g_elems(&g->vals[sr.val]);
		sid = npu_plan_tensor_id(g, p, &sr);
		if (sid < 0)
			return sid;
		t.quant_type = NPU_QUANT_PER_CHANNEL;
		t.quant_axis = r->q.axis;
		t.scale_tensor = (uint32_t)sid;
		break;
	default:
		if (dt == NPU_DTYPE_I8 || dt == NPU_DTYPE_U8) {
			t.quant_type = NPU_QUANT_PER_TENSOR;
			t.scale = npu_bits(1.0f);
		}
		break;
	}
	for (i = 0; i < p->ntensors; i++) {
		o = &p->tensors[i];
		if (o->store == t.store && o->offset == t.offset && o->dtype == t.dtype &&
		    o->ndim == t.ndim && o->flags == t.flags &&
		    !memcmp(o->shape, t.shape, sizeof(t.shape)) &&
		    o->quant_type == t.quant_type && o->quant_axis == t.quant_axis &&
		    o->scale == t.scale && o->zero_point == t.zero_point &&
		    o->scale_tensor == t.scale_tensor)
			return (int)i;
	}
	ret = npu__grow((void **)&p->tensors, &p->tensors_cap, p->ntensors + 1,
			sizeof(t));
	if (ret)
		return npu_g_fail(g, ret, "out of memory");
	p->tensors[p->ntensors] = t;
	return (int)p->ntensors++;
}

#define NPU_OP_TSLOTS	(NPU_CMD_MAX_INPUTS + NPU_CMD_MAX_OUTPUTS)
#define NPU_OP_SLOTS	(2 * NPU_OP_TSLOTS)

/*
 * ids of the tensors an op's stream needs: its slots, then the scale
 * tensor of each slot's tensor (NPU_CMD_NO_TENSOR where none)
 */
static void npu_op_ids(const struct npu_plan *p, const struct npu_cmd_op *op,
		       uint32_t *ids)
{
	uint32_t k;

	for (k = 0; k < NPU_CMD_MAX_INPUTS; k++)
		ids[k] = op->inputs[k];
	for (k = 0; k < NPU_CMD_MAX_OUTPUTS; k++)
		ids[NPU_CMD_MAX_INPUTS + k] = op->outputs[k];
	for (k = 0; k < NPU_OP_TSLOTS; k++)
		ids[NPU_OP_TSLOTS + k] = ids[k] == NPU_CMD_NO_TENSOR ? NPU_CMD_NO_TENSOR :
					 p->tensors[ids[k]].scale_tensor;
}

/*
 * Cut the op list into jobs, in order, each as long as the limits allow.
 * stamp[t] == job + 1 when tensor t is already in job's table.
 */
static int npu_plan_jobs(struct npu_graph *g, struct npu_plan *p,
			 const struct npu_plan_limits *lim, uint32_t max_ops)
{
	uint32_t *stamp, ids[NPU_OP_SLOTS], i, k, newt, nt = 0, no = 0;
	uint64_t sz;
	int ret = 0;

	if (!max_ops || max_ops > lim->max_ops)
		max_ops = lim->max_ops;
	stamp = calloc(p->ntensors + 1, sizeof(*stamp));
	if (!stamp)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	for (i = 0; i < p->nops; i++) {
		npu_op_ids(p, &p->ops[i].op, ids);
		newt = 0;
		for (k = 0; k < NPU_OP_SLOTS; k++)
			if (ids[k] != NPU_CMD_NO_TENSOR && (!p->njobs || stamp[ids[k]] != p->njobs))
				newt++;
		sz = sizeof(struct npu_cmd_header) +
		     (uint64_t)(nt + newt) * sizeof(struct npu_cmd_tensor) +
		     (uint64_t)(no + 1) * sizeof(struct npu_cmd_op);
		if (!p->njobs || no + 1 > max_ops || nt + newt > lim->max_tensors ||
		    sz > lim->max_cmd_size) {
			/* start a job; every tensor of the op is new to it */
			if (p->njobs)
				p->jobs[p->njobs - 1].ntensors = nt;
			nt = 0;
			no = 0;
			newt = 0;
			for (k = 0; k < NPU_OP_SLOTS; k++)
				if (ids[k] != NPU_CMD_NO_TENSOR)
					newt++;
			sz = sizeof(struct npu_cmd_header) +
			     (uint64_t)newt * sizeof(struct npu_cmd_tensor) +
			     sizeof(struct npu_cmd_op);
			if (newt > lim->max_tensors || sz > lim->max_cmd_size || !max_ops) {
				ret = npu_g_fail(g, -E2BIG,
						 "op %u (%s) alone exceeds the device's stream limits",
						 i, npu_fw_op_name(p->ops[i].op.opcode));
				break;
			}
			ret = npu__grow((void **)&p->jobs, &p->jobs_cap, p->njobs + 1,
					sizeof(*p->jobs));
			if (ret) {
				ret = npu_g_fail(g, ret, "out of memory");
				break;
			}
			p->jobs[p->njobs].first = i;
			p->jobs[p->njobs].count = 0;
			p->njobs++;
		}
		for (k = 0; k < NPU_OP_SLOTS; k++) {
			if (ids[k] != NPU_CMD_NO_TENSOR && stamp[ids[k]] != p->njobs) {
				stamp[ids[k]] = p->njobs;
				nt++;
			}
		}
		p->ops[i].job = p->njobs - 1;
		p->jobs[p->njobs - 1].count++;
		no++;
	}
	if (!ret && p->njobs)
		p->jobs[p->njobs - 1].ntensors = nt;
	free(stamp);
	return ret;
}

void npu_plan_free(struct npu_plan *p)
{
	uint32_t i;

	for (i = 0; i < p->nops; i++) {
		free(p->ops[i].node);
		free(p->ops[i].onnx_ops);
	}
	for (i = 0; i < p->ninputs; i++) {
		free(p->inputs[i].name);
		free(p->inputs[i].data);
	}
	for (i = 0; i < p->noutputs; i++) {
		free(p->outputs[i].name);
		free(p->outputs[i].data);
	}
	free(p->tensors);
	free(p->ops);
	free(p->jobs);
	free(p->inputs);
	free(p->outputs);
	free(p->weights);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------------ */

static int npu_lower_storage(struct npu_lower *l, struct npu_plan *p)
{
	struct npu_graph *g = l->g;
	struct npu_arena_item *items = NULL;
	uint32_t i, nitems = 0;
	uint64_t off;
	int ret = 0, r, k;

	for (i = 0; i < g->nvals; i++) {
		g->vals[i].store = -1;
		g->vals[i].first = -1;
		g->vals[i].last = -1;
		g->vals[i].pack = 0;
	}
	/* lifetimes of the roots, in op indices; who wants them packed */
	for (i = 0; i < l->nops; i++) {
		const struct npu_cmd_op *op = &l->ops[i].op;

		for (k = 0; k < NPU_CMD_MAX_INPUTS + 1; k++) {
			uint32_t ref = k < NPU_CMD_MAX_INPUTS ? op->inputs[k] : op->outputs[0];

			if (ref == NPU_CMD_NO_TENSOR)
				continue;
			r = npu_root(g, l->refs[ref].val);
			g->vals[r].pack |= l->refs[ref].flags & NPU_TENSOR_PACKED_V1 ? 1 : 2;
			if (g->vals[r].first < 0)
				g->vals[r].first = (int)i;
			g->vals[r].last = (int)i;
			/* the op reads the scales of a per-channel operand too */
			if (l->refs[ref].q.type != NPU_QUANT_PER_CHANNEL)
				continue;
			r = npu_root(g, l->refs[ref].q.scale_val);
			g->vals[r].pack |= 2;
			if (g->vals[r].first < 0)
				g->vals[r].first = (int)i;
			g->vals[r].last = (int)i;
		}
	}
	/* IO: graph inputs, then the roots of graph outputs */
	off = 0;
	p->inputs = calloc(g->ninputs + 1, sizeof(*p->inputs));
	p->outputs = calloc(g->noutputs + 1, sizeof(*p->outputs));
	if (!p->inputs || !p->outputs)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	for (i = 0; i < g->ninputs; i++) {
		struct npu_gval *v = &g->vals[g->inputs[i]];

		ret = npu_plan_io_add(g, &p->inputs[p->ninputs++], g->inputs[i]);
		if (ret)
			return ret;
		v->store = NPU_PLAN_IO;
		v->offset = off;
		p->inputs[i].store = NPU_PLAN_IO;
		p->inputs[i].offset = off;
		off += npu_align(npu_val_bytes(v));
	}
	for (i = 0; i < g->noutputs; i++) {
		struct npu_plan_io *io = &p->outputs[p->noutputs++];
		struct npu_gval *rv;

		ret = npu_plan_io_add(g, io, g->outputs[i]);
		if (ret)
			return ret;
		r = npu_root(g, g->outputs[i]);
		rv = &g->vals[r];
		if (rv->is_const) {
			io->store = NPU_PLAN_CONST_OUT;
			io->data = malloc(io->bytes ? io->bytes : 1);
			if (!io->data)
				return npu_g_fail(g, -ENOMEM, "out of memory");
			memcpy(io->data, rv->data, io->bytes);
			continue;
		}
		if (rv->store != NPU_PLAN_IO) {
			rv->store = NPU_PLAN_IO;
			rv->offset = off;
			off += npu_align(npu_val_bytes(rv));
		}
		io->store = NPU_PLAN_IO;
		io->offset = rv->offset;
	}
	p->size[NPU_PLAN_IO] = off;

	/* WEIGHTS: constants that ops read, packed */
	off = 0;
	for (i = 0; i < g->nvals; i++) {
		struct npu_gval *v = &g->vals[i];

		if (v->view_of >= 0 || !v->is_const || v->first < 0)
			continue;
		v->store = NPU_PLAN_WEIGHTS;
		v->offset = off;
		off += npu_align(npu_stored_bytes(v));
		p->nconsts++;
	}
	p->size[NPU_PLAN_WEIGHTS] = off;
	if (off) {
		p->weights = calloc(1, off);
		if (!p->weights)
			return npu_g_fail(g, -ENOMEM, "out of memory (%llu bytes of weights)",
					  (unsigned long long)off);
		for (i = 0; i < g->nvals; i++) {
			struct npu_gval *v = &g->vals[i];

			if (v->store != NPU_PLAN_WEIGHTS)
				continue;
			if (v->pack == 1 && v->dtype == NPU_G_INT8)
				npu_kern_pack_q8((char *)p->weights + v->offset, v->data,
						 (long)npu_pack_cols(v), 1,
						 (uint32_t)v->dims[0], npu_pack_cols(v));
			else if (v->pack == 1)
				npu_kern_pack_f32((float *)((char *)p->weights + v->offset),
						  v->data, (long)npu_pack_cols(v), 1,
						  (uint32_t)v->dims[0], npu_pack_cols(v));
			else
				memcpy((char *)p->weights + v->offset, v->data,
				       npu_val_bytes(v));
		}
	}

	/* ARENA: everything else an op touches */
	items = calloc(g->nvals + 1, sizeof(*items));
	if (!items)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	for (i = 0; i < g->nvals; i++) {
		struct npu_gval *v = &g->vals[i];

		if (v->view_of >= 0 || v->first < 0 || v->store >= 0)
			continue;
		items[nitems].val = (int)i;
		items[nitems].size = npu_val_bytes(v);
		nitems++;
	}
	ret = npu_place_arena(g, items, nitems, &p->size[NPU_PLAN_ARENA]);
	free(items);
	return ret;
}

static int npu_lower_check_limits(struct npu_graph *g, struct npu_plan *p,
				  const struct npu_plan_limits *lim)
{
	static const char * const names[] = { "weights", "arena", "input/output" };
	uint32_t i, k;
	uint64_t e;

	for (i = 0; i < p->ntensors; i++) {
		e = 1;
		for (k = 0; k < p->tensors[i].ndim; k++)
			e *= p->tensors[i].shape[k];
		if (e > lim->max_tensor_elems)
			return npu_g_fail(g, -E2BIG,
					  "a tensor of %llu elements exceeds the device's limit of %u per tensor",
					  (unsigned long long)e, lim->max_tensor_elems);
	}
	for (i = 0; i < NPU_PLAN_STORES; i++)
		if (p->size[i] > lim->max_bo_size)
			return npu_g_fail(g, -E2BIG,
					  "the %s buffer needs %llu bytes; the device's largest BO is %llu",
					  names[i], (unsigned long long)p->size[i],
					  (unsigned long long)lim->max_bo_size);
	return 0;
}

int npu_g_lower(struct npu_graph *g, const struct npu_plan_limits *lim,
		uint32_t max_ops_per_job, struct npu_plan *p)
{
	struct npu_lower l = { .g = g, .lim = lim };
	uint32_t i, k;
	int ret = 0, t;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < g->nvals; i++)
		g->vals[i].view_of = -1;
	for (i = 0; g->order[i] >= 0; i++) {
		if (g->nodes[g->order[i]].dead)
			continue;
		ret = npu_lower_node(&l, g->order[i]);
		if (ret)
			goto out;
	}
	ret = npu_lower_storage(&l, p);
	if (ret)
		goto out;
	ret = npu__grow((void **)&p->ops, &p->ops_cap, l.nops ? l.nops : 1,
			sizeof(*p->ops));
	if (ret) {
		ret = npu_g_fail(g, ret, "out of memory");
		goto out;
	}
	for (i = 0; i < l.nops; i++) {
		struct npu_plan_op *po = &p->ops[p->nops];
		const struct npu_gnode *n = &g->nodes[l.ops[i].node];

		memset(po, 0, sizeof(*po));
		po->op = l.ops[i].op;
		po->node = strdup(n->name);
		po->onnx_ops = strdup(n->op_type);
		p->nops++;
		if (!po->node || !po->onnx_ops) {
			ret = npu_g_fail(g, -ENOMEM, "out of memory");
			goto out;
		}
		for (k = 0; k < NPU_CMD_MAX_INPUTS + NPU_CMD_MAX_OUTPUTS; k++) {
			uint32_t *slot = k < NPU_CMD_MAX_INPUTS ? &po->op.inputs[k] :
					 &po->op.outputs[k - NPU_CMD_MAX_INPUTS];

			if (*slot == NPU_CMD_NO_TENSOR)
				continue;
			t = npu_plan_tensor_id(g, p, &l.refs[*slot]);
			if (t < 0) {
				ret = t;
				goto out;
			}
			*slot = (uint32_t)t;
		}
	}
	ret = npu_lower_check_limits(g, p, lim);
	if (!ret)
		ret = npu_plan_jobs(g, p, lim, max_ops_per_job);
out:
	free(l.refs);
	free(l.ops);
	if (ret)
		npu_plan_free(p);
	return ret;
}

/*
 * The job-local id of plan tensor @id, its descriptor added to @tt at *@nt
 * the first time (after the one of its per-channel scales)
 */
static uint32_t npu_enc_tensor(const struct npu_plan *plan, uint32_t id,
			       const uint32_t *bo_index, struct npu_cmd_tensor *tt,
			       uint32_t *map, uint32_t *nt)
{
	const struct npu_plan_tensor *pt = &plan->tensors[id];
	uint32_t st = NPU_CMD_NO_TENSOR;
	struct npu_cmd_tensor *d;

	if (map[id] != NPU_CMD_NO_TENSOR)
		return map[id];
	if (pt->scale_tensor != NPU_CMD_NO_TENSOR)
		st = npu_enc_tensor(plan, pt->scale_tensor, bo_index, tt, map, nt);
	d = &tt[*nt];
	memset(d, 0, sizeof(*d));
	d->bo_index = bo_index[pt->store];
	d->dtype = pt->dtype;
	d->offset = pt->offset;
	d->ndim = pt->ndim;
	memcpy(d->shape, pt->shape, sizeof(d->shape));
	d->flags = pt->flags;
	d->quant_type = pt->quant_type;
	d->quant_axis = pt->quant_axis;
	d->scale = pt->scale;
	d->zero_point = pt->zero_point;
	d->scale_tensor = st;
	map[id] = (*nt)++;
	return map[id];
}

/*
 * Encode job @job of @plan as a command stream; tensors of store s use BO
 * index @bo_index[s]. *@cmd is malloc'ed.
 */
int npu_plan_encode_job(const struct npu_plan *plan, uint32_t job,
			const uint32_t *bo_index, void **cmd, uint32_t *size)
{
	const struct npu_plan_job *j = &plan->jobs[job];
	uint32_t *map, nt = 0, i, k, total;
	struct npu_cmd_header *h;
	struct npu_cmd_tensor *tt;
	struct npu_cmd_op *ot;
	char *buf;

	map = malloc(sizeof(*map) * (plan->ntensors + 1));
	if (!map)
		return -ENOMEM;
	for (i = 0; i < plan->ntensors; i++)
		map[i] = NPU_CMD_NO_TENSOR;
	total = (uint32_t)(sizeof(*h) + j->ntensors * sizeof(*tt) + j->count * sizeof(*ot));
	buf = calloc(1, total);
	if (!buf) {
		free(map);
		return -ENOMEM;
	}
	h = (struct npu_cmd_header *)buf;
	tt = (struct npu_cmd_tensor *)(buf + sizeof(*h));
	ot = (struct npu_cmd_op *)(buf + sizeof(*h) + j->ntensors * sizeof(*tt));
	for (i = 0; i < j->count; i++) {
		struct npu_cmd_op op = plan->ops[j->first + i].op;

		for (k = 0; k < NPU_CMD_MAX_INPUTS + NPU_CMD_MAX_OUTPUTS; k++) {
			uint32_t *slot = k < NPU_CMD_MAX_INPUTS ? &op.inputs[k] :
					 &op.outputs[k - NPU_CMD_MAX_INPUTS];

			if (*slot == NPU_CMD_NO_TENSOR)
				continue;
			*slot = npu_enc_tensor(plan, *slot, bo_index, tt, map, &nt);
		}
		ot[i] = op;
	}
	free(map);
	h->magic = NPU_CMD_MAGIC;
	h->version = NPU_CMD_VERSION;
	h->header_size = sizeof(*h);
	h->size = total;
	h->num_tensors = (uint16_t)nt;
	h->num_ops = (uint16_t)j->count;
	h->tensor_offset = sizeof(*h);
	h->op_offset = (uint32_t)(sizeof(*h) + j->ntensors * sizeof(*tt));
	*cmd = buf;
	*size = total;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * npu firmware: the command-stream interpreter and its operators.
 */

/**
 * DOC: Operator semantics
 *
 * F32 ops follow ONNX (Gemm with alpha = beta = 1, Conv, Add, Relu, Clip).
 * Every F32 output element is computed as ``acc = bias (or 0); acc += x * w``
 * in the order of the reduction index (GEMM: k; CONV2D: input channel, then
 * kernel row, then kernel column, skipping padded positions), in binary32,
 * without fused multiply-add (build with -ffp-contract=off), then the fused
 * activation. Results are therefore bit-identical wherever this file runs,
 * whatever the optimisation level or vector width. Skipping padded positions
 * differs from ONNX only for infinite or NaN weights (ONNX gives NaN there).
 * RELU and CLIP pass NaN through (comparisons with NaN are false).
 *
 * Quantized GEMM and CONV2D (A/X, Y per-tensor I8/U8; B/W I8 per-tensor or
 * per-channel; bias I32)::
 *
 *	acc = bias[c] + sum((a - za) * (w - zw))	int32, wraps modulo 2^32
 *	m   = (double)sa * (double)sw[c] / (double)sy
 *	y   = clamp(zy + rhe((double)acc * m), lo, hi)
 *
 * where zw = 0 for per-channel weights, rhe() rounds half to even, and
 * [lo, hi] is the dtype range narrowed by the fused activation, computed in
 * Y's quantization with q(v) = clamp(zy + rhe((double)v / (double)sy), qmin,
 * qmax): RELU: [q(0), qmax] = [zy, qmax]; CLIP: [q(act_min), q(act_max)].
 * Padded input positions contribute nothing (they hold the real value 0,
 * i.e. zx).
 *
 * Quantized ADD (A, B, Y one dtype, each with its own scale/zero point)::
 *
 *	y = clamp(zy + rhe(((double)(a - za) * sa + (double)(b - zb) * sb) / sy),
 *		  lo, hi)
 *
 * with sa, sb, sy converted to double and [lo, hi] as above.
 *
 * I32 ADD wraps modulo 2^32; its fused CLIP bounds, and the bounds of I32
 * CLIP, are the real bounds rounded half to even and saturated to int32.
 *
 * Quantized RELU and CLIP (X and Y share scale and zero point) clamp the
 * stored integers to [q(0), qmax] and [q(clip_min), q(clip_max)], q() in
 * that quantization.
 *
 * Per-channel scales live in BO memory that the validator cannot see: a
 * NaN product rounds to 0 (y = zy before clamping), infinities and huge
 * values saturate. Nothing here can overflow an integer or convert an
 * out-of-range double.
 *
 * Work units: GEMM one per output row (M), CONV2D one per (n, oc, output
 * row), ADD/RELU/CLIP one per NPU_FW_ELTWISE_CHUNK output elements.
 *
 * No allocation and small stack frames: convolution is direct and the
 * quantized paths accumulate NPU_FW_QTILE outputs at a time on the stack.
 */
#include "npu_fw.h"

#ifndef NULL
#define NULL ((void *)0)
#endif

#define NPU_FW_ELTWISE_CHUNK	4096
#define NPU_FW_QTILE		64

#define NPU_FW_S32_MIN		(-2147483647 - 1)
#define NPU_FW_S32_MAX		2147483647

/**
 * struct npu_fw_q - integer range and quantization of one tensor
 * @scale: real value of one step (1 for I32)
 * @zp: zero point (0 for I32)
 * @qmin: smallest value of the dtype
 * @qmax: largest value of the dtype
 */
struct npu_fw_q {
	double scale;
	__s32 zp;
	__s32 qmin;
	__s32 qmax;
};

union npu_fw_bits {
	__u32 u;
	float f;
};

static float npu_fw_f32(__u32 bits)
{
	union npu_fw_bits b = { .u = bits };

	return b.f;
}

static const struct npu_cmd_tensor *npu_fw_tensor(const struct npu_fw_job *job, __u32 id)
{
	const struct npu_cmd_header *h = job->cmd;

	return (const struct npu_cmd_tensor *)((const __u8 *)job->cmd + h->tensor_offset) + id;
}

static const struct npu_cmd_op *npu_fw_op(const struct npu_fw_job *job, __u32 index)
{
	const struct npu_cmd_header *h = job->cmd;

	return (const struct npu_cmd_op *)((const __u8 *)job->cmd + h->op_offset) + index;
}

static void *npu_fw_data(const struct npu_fw_job *job, const struct npu_cmd_tensor *t)
{
	return (__u8 *)job->bo_vaddr[t->bo_index] + t->offset;
}

static unsigned long npu_fw_nelems(const struct npu_cmd_tensor *t)
{
	unsigned long n = 1;
	__u32 i;

	for (i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return n;
}

static void npu_fw_get_q(const struct npu_cmd_tensor *t, struct npu_fw_q *q)
{
	switch (t->dtype) {
	case NPU_DTYPE_I8:
		q->qmin = -128;
		q->qmax = 127;
		break;
	case NPU_DTYPE_U8:
		q->qmin = 0;
		q->qmax = 255;
		break;
	default:
		q->qmin = NPU_FW_S32_MIN;
		q->qmax = NPU_FW_S32_MAX;
		break;
	}
	if (t->quant_type == NPU_QUANT_PER_TENSOR) {
		q->scale = (double)npu_fw_f32(t->scale);
		q->zp = t->zero_point;
	} else {
		q->scale = 1.0;
		q->zp = 0;
	}
}

/*
 * clamp(rhe(v), lo, hi) with rhe() rounding half to even; NaN counts as 0.
 * lo and hi are integers, so clamping before rounding is the same as after.
 */
static __s32 npu_fw_sat_rhe(double v, __s32 lo, __s32 hi)
{
	__s64 i;
	double frac;

	if (v != v)
		v = 0.0;
	if (v <= (double)lo)
		return lo;
	if (v >= (double)hi)
		return hi;
	i = (__s64)v;			/* |v| < 2^31: exact truncation */
	frac = v - (double)i;		/* exact */
	if (frac > 0.5 || (frac == 0.5 && (i & 1)))
		i++;
	else if (frac < -0.5 || (frac == -0.5 && (i & 1)))
		i--;
	return (__s32)i;
}

/* q(v): the real value v in quantization q, saturated to its dtype */
static __s32 npu_fw_quantize(double v, const struct npu_fw_q *q)
{
	return q->zp + npu_fw_sat_rhe(v / q->scale, q->qmin - q->zp, q->qmax - q->zp);
}

/* integer bounds [*lo, *hi] of an activation applied in quantization q */
static void npu_fw_int_bounds(__u32 act, __u32 amin, __u32 amax,
			      const struct npu_fw_q *q, __s32 *lo, __s32 *hi)
{
	*lo = q->qmin;
	*hi = q->qmax;
	if (act == NPU_ACT_RELU) {
		*lo = npu_fw_quantize(0.0, q);
	} else if (act == NPU_ACT_CLIP) {
		*lo = npu_fw_quantize((double)npu_fw_f32(amin), q);
		*hi = npu_fw_quantize((double)npu_fw_f32(amax), q);
	}
}

/* zy + rhe((double)acc * m), clamped to [lo, hi] (lo <= zy <= hi not needed) */
static __s32 npu_fw_requant(__s32 acc, double m, __s32 zy, __s32 lo, __s32 hi)
{
	return zy + npu_fw_sat_rhe((double)acc * m, lo - zy, hi - zy);
}

static void npu_fw_store_q8(void *base, unsigned long i, __u32 dtype, __s32 v)
{
	if (dtype == NPU_DTYPE_I8)
		((__s8 *)base)[i] = (__s8)v;
	else
		((__u8 *)base)[i] = (__u8)v;
}

static __s32 npu_fw_load_q8(const void *base, unsigned long i, __u32 dtype)
{
	if (dtype == NPU_DTYPE_I8)
		return ((const __s8 *)base)[i];
	return ((const __u8 *)base)[i];
}

static void npu_fw_act_f32(float *y, unsigned long n, __u32 act, __u32 amin, __u32 amax)
{
	float lo = npu_fw_f32(amin), hi = npu_fw_f32(amax);
	unsigned long i;

	if (act == NPU_ACT_RELU) {
		for (i = 0; i < n; i++)
			if (y[i] < 0.0f)
				y[i] = 0.0f;
	} else if (act == NPU_ACT_CLIP) {
		for (i = 0; i < n; i++) {
			if (y[i] < lo)
				y[i] = lo;
			if (y[i] > hi)
				y[i] = hi;
		}
	}
}

/**
 * struct npu_fw_mac - operands of a GEMM or CONV2D unit
 * @x: A or X data
 * @w: B or W data
 * @bias: bias data or NULL
 * @y: Y data
 * @xt: A or X descriptor
 * @wt: B or W descriptor
 * @yt: Y descriptor
 * @zx: zero point of x (quantized)
 * @zw: zero point of w (0 when per-channel)
 * @mult: per-tensor requantization multiplier
 * @wscale: per-channel weight scales or NULL
 * @sx: x scale (double)
 * @sy: y scale (double)
 * @zy: zero point of y
 * @lo: lower output bound (activation and dtype)
 * @hi: upper output bound
 */
struct npu_fw_mac {
	const void *x;
	const void *w;
	const void *bias;
	void *y;
	const struct npu_cmd_tensor *xt;
	const struct npu_cmd_tensor *wt;
	const struct npu_cmd_tensor *yt;
	__s32 zx;
	__s32 zw;
	double mult;
	const float *wscale;
	double sx;
	double sy;
	__s32 zy;
	__s32 lo;
	__s32 hi;
};

static void npu_fw_mac_init(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			    __u32 act, __u32 amin, __u32 amax, struct npu_fw_mac *m)
{
	struct npu_fw_q qx, qw, qy;

	m->xt = npu_fw_tensor(job, op->inputs[0]);
	m->wt = npu_fw_tensor(job, op->inputs[1]);
	m->yt = npu_fw_tensor(job, op->outputs[0]);
	m->x = npu_fw_data(job, m->xt);
	m->w = npu_fw_data(job, m->wt);
	m->y = npu_fw_data(job, m->yt);
	m->bias = op->inputs[2] == NPU_CMD_NO_TENSOR ? NULL :
		  npu_fw_data(job, npu_fw_tensor(job, op->inputs[2]));
	m->wscale = NULL;
	m->zw = 0;
	if (m->xt->dtype == NPU_DTYPE_F32)
		return;
	npu_fw_get_q(m->xt, &qx);
	npu_fw_get_q(m->yt, &qy);
	m->zx = qx.zp;
	m->sx = qx.scale;
	m->sy = qy.scale;
	m->zy = qy.zp;
	if (m->wt->quant_type == NPU_QUANT_PER_CHANNEL) {
		m->wscale = npu_fw_data(job, npu_fw_tensor(job, m->wt->scale_tensor));
		m->mult = 0.0;
	} else {
		npu_fw_get_q(m->wt, &qw);
		m->zw = qw.zp;
		m->mult = qx.scale * qw.scale / qy.scale;
	}
	npu_fw_int_bounds(act, amin, amax, &qy, &m->lo, &m->hi);
}

/*
 * Requantize and store @n accumulators to Y elements @yoff.. ; accumulator j
 * belongs to output channel @c0 + j * @cstep.
 */
static void npu_fw_mac_store(const struct npu_fw_mac *m, const __u32 *acc, __u32 n,
			     unsigned long yoff, unsigned long c0, unsigned long cstep)
{
	double mult = m->mult;
	__u32 j;

	for (j = 0; j < n; j++) {
		if (m->wscale)
			mult = m->sx * (double)m->wscale[c0 + j * cstep] / m->sy;
		npu_fw_store_q8(m->y, yoff + j, m->yt->dtype,
				npu_fw_requant((__s32)acc[j], mult, m->zy, m->lo, m->hi));
	}
}

/*
 * GEMM with B stored [N, K]: dot products. Four outputs are computed side by
 * side for instruction-level parallelism; each one still accumulates in k
 * order, so the result does not depend on the blocking.
 */
static void npu_fw_gemm_f32_tb(const float *restrict a, const float *restrict b,
			       const float *restrict bias, float *restrict y,
			       unsigned long kk, unsigned long nn)
{
	unsigned long k, n = 0;
	float s0, s1, s2, s3, av;

	for (; n + 4 <= nn; n += 4) {
		const float *b0 = b + n * kk, *b1 = b0 + kk, *b2 = b1 + kk, *b3 = b2 + kk;

		s0 = bias ? bias[n] : 0.0f;
		s1 = bias ? bias[n + 1] : 0.0f;
		s2 = bias ? bias[n + 2] : 0.0f;
		s3 = bias ? bias[n + 3] : 0.0f;
		for (k = 0; k < kk; k++) {
			av = a[k];
			s0 += av * b0[k];
			s1 += av * b1[k];
			s2 += av * b2[k];
			s3 += av * b3[k];
		}
		y[n] = s0;
		y[n + 1] = s1;
		y[n + 2] = s2;
		y[n + 3] = s3;
	}
	for (; n < nn; n++) {
		const float *bn = b + n * kk;

		s0 = bias ? bias[n] : 0.0f;
		for (k = 0; k < kk; k++)
			s0 += a[k] * bn[k];
		y[n] = s0;
	}
}

/* GEMM with B stored [K, N]: accumulate rows of B into the output row */
static void npu_fw_gemm_f32_nb(const float *restrict a, const float *restrict b,
			       const float *restrict bias, float *restrict y,
			       unsigned long kk, unsigned long nn)
{
	unsigned long k, n;

	for (n = 0; n < nn; n++)
		y[n] = bias ? bias[n] : 0.0f;
	for (k = 0; k < kk; k++) {
		const float *bk = b + k * nn;
		float av = a[k];

		for (n = 0; n < nn; n++)
			y[n] += av * bk[n];
	}
}

static void npu_fw_gemm_f32(const struct npu_fw_mac *m, __u32 row, __u32 trans)
{
	unsigned long kk = m->xt->shape[1], nn = m->yt->shape[1];
	const float *a = (const float *)m->x + row * kk;
	float *y = (float *)m->y + row * nn;

	if (trans)
		npu_fw_gemm_f32_tb(a, m->w, m->bias, y, kk, nn);
	else
		npu_fw_gemm_f32_nb(a, m->w, m->bias, y, kk, nn);
}

static void npu_fw_gemm_q(const struct npu_fw_mac *m, __u32 row, __u32 trans)
{
	unsigned long kk = m->xt->shape[1], nn = m->yt->shape[1], k, n0;
	const __s8 *b = m->w;
	const __s32 *bias = m->bias;
	__u32 acc[NPU_FW_QTILE];
	__u32 j, nt;
	__s32 av;

	for (n0 = 0; n0 < nn; n0 += nt) {
		nt = nn - n0 < NPU_FW_QTILE ? (__u32)(nn - n0) : NPU_FW_QTILE;
		for (j = 0; j < nt; j++)
			acc[j] = bias ? (__u32)bias[n0 + j] : 0;
		if (trans) {
			for (j = 0; j < nt; j++) {
				const __s8 *bn = b + (n0 + j) * kk;
				__u32 s = acc[j];

				for (k = 0; k < kk; k++) {
					av = npu_fw_load_q8(m->x, row * kk + k, m->xt->dtype);
					s += (__u32)((av - m->zx) * (bn[k] - m->zw));
				}
				acc[j] = s;
			}
		} else {
			for (k = 0; k < kk; k++) {
				const __s8 *bk = b + k * nn + n0;

				av = npu_fw_load_q8(m->x, row * kk + k, m->xt->dtype) - m->zx;
				if (!av)
					continue;
				for (j = 0; j < nt; j++)
					acc[j] += (__u32)(av * (bk[j] - m->zw));
			}
		}
		npu_fw_mac_store(m, acc, nt, row * nn + n0, n0, 1);
	}
}

/*
 * Output columns [*lo, *hi) of a CONV2D row whose input column
 * ow * stride + off lies in [0, width).
 */
static void npu_fw_conv_cols(__s64 off, __s64 stride, __s64 width, __s64 ow_max,
			     __s64 *lo, __s64 *hi)
{
	__s64 rem = width - off;

	*lo = off < 0 ? (-off + stride - 1) / stride : 0;
	*hi = rem > 0 ? (rem + stride - 1) / stride : 0;
	if (*hi > ow_max)
		*hi = ow_max;
}

/**
 * struct npu_fw_conv - the geometry of a CONV2D op
 * @c: input channels
 * @h: input height
 * @w: input width
 * @oc: output channels
 * @cg: input channels per group
 * @ocg: output channels per group
 * @kh: kernel height
 * @kw: kernel width
 * @oh: output height
 * @ow: output width
 * @p: the op's parameters
 */
struct npu_fw_conv {
	__s64 c, h, w, oc, cg, ocg, kh, kw, oh, ow;
	const struct npu_op_conv2d *p;
};

static void npu_fw_conv_geom(const struct npu_fw_mac *m, const struct npu_op_conv2d *p,
			     struct npu_fw_conv *g)
{
	g->c = m->xt->shape[1];
	g->h = m->xt->shape[2];
	g->w = m->xt->shape[3];
	g->oc = m->wt->shape[0];
	g->cg = m->wt->shape[1];
	g->ocg = g->oc / p->groups;
	g->kh = m->wt->shape[2];
	g->kw = m->wt->shape[3];
	g->oh = m->yt->shape[2];
	g->ow = m->yt->shape[3];
	g->p = p;
}

/* y[o] += wv * x[o * sw + off] for o in [lo, hi) */
static void npu_fw_conv_f32_tap(float *restrict y, const float *restrict x, float wv,
				__s64 sw, __s64 off, __s64 lo, __s64 hi)
{
	__s64 o;

	if (sw == 1) {
		for (o = lo; o < hi; o++)
			y[o] += wv * x[o + off];
	} else {
		for (o = lo; o < hi; o++)
			y[o] += wv * x[o * sw + off];
	}
}

static void npu_fw_conv_f32(const struct npu_fw_mac *m, const struct npu_fw_conv *g,
			    __u32 unit)
{
	const struct npu_op_conv2d *p = g->p;
	__s64 sw = p->stride_w, oh = unit % g->oh, t = unit / g->oh;
	__s64 oc = t % g->oc, n = t / g->oc;
	__s64 ic0 = (oc / g->ocg) * g->cg, icl, kh, kw, ih, off, lo, hi, o;
	float *y = (float *)m->y + (unsigned long)(t * g->oh + oh) * g->ow;
	const float *bias = m->bias;
	const float *x, *wk;
	float init = bias ? bias[oc] : 0.0f;

	for (o = 0; o < g->ow; o++)
		y[o] = init;
	for (icl = 0; icl < g->cg; icl++) {
		x = (const float *)m->x + (unsigned long)((n * g->c + ic0 + icl) * g->h * g->w);
		wk = (const float *)m->w + (unsigned long)((oc * g->cg + icl) * g->kh * g->kw);
		for (kh = 0; kh < g->kh; kh++) {
			ih = oh * p->stride_h - p->pad_top + kh * p->dilation_h;
			if (ih < 0 || ih >= g->h)
				continue;
			for (kw = 0; kw < g->kw; kw++) {
				off = kw * p->dilation_w - p->pad_left;
				npu_fw_conv_cols(off, sw, g->w, g->ow, &lo, &hi);
				npu_fw_conv_f32_tap(y, x + ih * g->w, wk[kh * g->kw + kw],
						    sw, off, lo, hi);
			}
		}
	}
}

/*
 * Quantized CONV2D: add one kernel row @wr (KW weights) applied to input row
 * @xb (element index of its column 0) to the accumulators of output columns
 * [o0, o0 + ot).
 */
static void npu_fw_conv_q_krow(const struct npu_fw_mac *m, const struct npu_fw_conv *g,
			       const __s8 *wr, unsigned long xb, __s64 o0, __s64 ot,
			       __u32 *acc)
{
	const struct npu_op_conv2d *p = g->p;
	__s64 sw = p->stride_w, kw, off, lo, hi, o;
	unsigned long xi;
	__s32 wv, xv;

	for (kw = 0; kw < g->kw; kw++) {
		wv = wr[kw] - m->zw;
		if (!wv)
			continue;
		off = kw * p->dilation_w - p->pad_left;
		npu_fw_conv_cols(off, sw, g->w, g->ow, &lo, &hi);
		if (lo < o0)
			lo = o0;
		if (hi > o0 + ot)
			hi = o0 + ot;
		for (o = lo; o < hi; o++) {
			xi = xb + (unsigned long)(o * sw + off);
			xv = npu_fw_load_q8(m->x, xi, m->xt->dtype);
			acc[o - o0] += (__u32)((xv - m->zx) * wv);
		}
	}
}

static void npu_fw_conv_q(const struct npu_fw_mac *m, const struct npu_fw_conv *g,
			  __u32 unit)
{
	const struct npu_op_conv2d *p = g->p;
	__s64 oh = unit % g->oh, t = unit / g->oh;
	__s64 oc = t % g->oc, n = t / g->oc;
	__s64 ic0 = (oc / g->ocg) * g->cg, icl, kh, ih, o, o0, ot;
	unsigned long yrow = (unsigned long)(t * g->oh + oh) * g->ow, xb;
	const __s32 *bias = m->bias;
	const __s8 *wk;
	__u32 acc[NPU_FW_QTILE];

	for (o0 = 0; o0 < g->ow; o0 += ot) {
		ot = g->ow - o0 < NPU_FW_QTILE ? g->ow - o0 : NPU_FW_QTILE;
		for (o = 0; o < ot; o++)
			acc[o] = bias ? (__u32)bias[oc] : 0;
		for (icl = 0; icl < g->cg; icl++) {
			wk = (const __s8 *)m->w +
			     (unsigned long)((oc * g->cg + icl) * g->kh * g->kw);
			for (kh = 0; kh < g->kh; kh++) {
				ih = oh * p->stride_h - p->pad_top + kh * p->dilation_h;
				if (ih < 0 || ih >= g->h)
					continue;
				xb = (unsigned long)(((n * g->c + ic0 + icl) * g->h + ih) * g->w);
				npu_fw_conv_q_krow(m, g, wk + kh * g->kw, xb, o0, ot, acc);
			}
		}
		npu_fw_mac_store(m, acc, (__u32)ot, yrow + o0, (unsigned long)oc, 0);
	}
}

/**
 * struct npu_fw_bcast - NumPy broadcasting of B over A (both padded to 4-D)
 * @dim: A's dimensions, outermost first
 * @bstride: element stride of B along each of A's dimensions (0: broadcast)
 */
struct npu_fw_bcast {
	unsigned long dim[NPU_CMD_MAX_DIMS];
	unsigned long bstride[NPU_CMD_MAX_DIMS];
};

static void npu_fw_bcast_init(const struct npu_cmd_tensor *a, const struct npu_cmd_tensor *b,
			      struct npu_fw_bcast *bc)
{
	__u32 lead = NPU_CMD_MAX_DIMS - a->ndim, blead = NPU_CMD_MAX_DIMS - b->ndim, i;
	unsigned long stride = 1;

	for (i = NPU_CMD_MAX_DIMS; i-- > 0;) {
		__u32 bd = i >= blead ? b->shape[i - blead] : 1;

		bc->dim[i] = i >= lead ? a->shape[i - lead] : 1;
		bc->bstride[i] = bd == 1 ? 0 : stride;
		stride *= bd;
	}
}

/**
 * struct npu_fw_add - operands of an ADD
 * @a: A data
 * @b: B data
 * @y: Y data
 * @dtype: the common dtype
 * @qa: quantization of A
 * @qb: quantization of B
 * @qy: quantization of Y
 * @lo: lower output bound (integer dtypes)
 * @hi: upper output bound (integer dtypes)
 * @p: the op's parameters
 */
struct npu_fw_add {
	const void *a;
	const void *b;
	void *y;
	__u32 dtype;
	struct npu_fw_q qa, qb, qy;
	__s32 lo, hi;
	const struct npu_op_eltwise *p;
};

/* y[i] = a[i] + b[bi + i * bs] for i < n */
static void npu_fw_add_run(const struct npu_fw_add *d, unsigned long ai,
			   unsigned long bi, unsigned long bs, unsigned long n)
{
	unsigned long i;

	if (d->dtype == NPU_DTYPE_F32) {
		const float *a = (const float *)d->a + ai, *b = (const float *)d->b + bi;
		float *y = (float *)d->y + ai;

		for (i = 0; i < n; i++)
			y[i] = a[i] + b[i * bs];
		npu_fw_act_f32(y, n, d->p->activation, d->p->act_min, d->p->act_max);
	} else if (d->dtype == NPU_DTYPE_I32) {
		const __s32 *a = (const __s32 *)d->a + ai, *b = (const __s32 *)d->b + bi;
		__s32 *y = (__s32 *)d->y + ai, v;

		for (i = 0; i < n; i++) {
			v = (__s32)((__u32)a[i] + (__u32)b[i * bs]);
			y[i] = v < d->lo ? d->lo : v > d->hi ? d->hi : v;
		}
	} else {
		for (i = 0; i < n; i++) {
			__s32 av = npu_fw_load_q8(d->a, ai + i, d->dtype) - d->qa.zp;
			__s32 bv = npu_fw_load_q8(d->b, bi + i * bs, d->dtype) - d->qb.zp;
			double r = ((double)av * d->qa.scale + (double)bv * d->qb.scale) /
				   d->qy.scale;

			npu_fw_store_q8(d->y, ai + i, d->dtype,
					d->qy.zp + npu_fw_sat_rhe(r, d->lo - d->qy.zp,
								  d->hi - d->qy.zp));
		}
	}
}

static void npu_fw_add(const struct npu_fw_job *job, const struct npu_cmd_op *op,
		       unsigned long e0, unsigned long e1)
{
	const struct npu_cmd_tensor *at = npu_fw_tensor(job, op->inputs[0]);
	const struct npu_cmd_tensor *bt = npu_fw_tensor(job, op->inputs[1]);
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	struct npu_fw_bcast bc;
	struct npu_fw_add d;
	unsigned long idx[NPU_CMD_MAX_DIMS], r, bi, run;
	int i;

	d.a = npu_fw_data(job, at);
	d.b = npu_fw_data(job, bt);
	d.y = npu_fw_data(job, yt);
	d.dtype = at->dtype;
	d.p = &op->eltwise;
	npu_fw_get_q(at, &d.qa);
	npu_fw_get_q(bt, &d.qb);
	npu_fw_get_q(yt, &d.qy);
	npu_fw_int_bounds(d.p->activation, d.p->act_min, d.p->act_max, &d.qy, &d.lo, &d.hi);
	npu_fw_bcast_init(at, bt, &bc);

	r = e0;
	for (i = NPU_CMD_MAX_DIMS - 1; i >= 0; i--) {
		idx[i] = r % bc.dim[i];
		r /= bc.dim[i];
	}
	while (e0 < e1) {
		run = bc.dim[3] - idx[3];
		if (run > e1 - e0)
			run = e1 - e0;
		bi = idx[0] * bc.bstride[0] + idx[1] * bc.bstride[1] +
		     idx[2] * bc.bstride[2] + idx[3] * bc.bstride[3];
		npu_fw_add_run(&d, e0, bi, bc.bstride[3], run);
		e0 += run;
		idx[3] = 0;
		for (i = 2; i >= 0; i--) {
			if (++idx[i] < bc.dim[i])
				break;
			idx[i] = 0;
		}
	}
}

/* RELU and CLIP over elements [e0, e1) */
static void npu_fw_unary(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			 unsigned long e0, unsigned long e1)
{
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	const void *x = npu_fw_data(job, xt);
	void *y = npu_fw_data(job, yt);
	__u32 act = op->opcode == NPU_OP_RELU ? NPU_ACT_RELU : NPU_ACT_CLIP;
	struct npu_fw_q q;
	unsigned long i;
	__s32 lo, hi, v;

	if (xt->dtype == NPU_DTYPE_F32) {
		const float *xs = x;
		float *ys = y;

		for (i = e0; i < e1; i++)
			ys[i] = xs[i];
		npu_fw_act_f32(ys + e0, e1 - e0, act, op->eltwise.act_min, op->eltwise.act_max);
		return;
	}
	npu_fw_get_q(xt, &q);
	npu_fw_int_bounds(act, op->eltwise.act_min, op->eltwise.act_max, &q, &lo, &hi);
	for (i = e0; i < e1; i++) {
		if (xt->dtype == NPU_DTYPE_I32)
			v = ((const __s32 *)x)[i];
		else
			v = npu_fw_load_q8(x, i, xt->dtype);
		v = v < lo ? lo : v > hi ? hi : v;
		if (xt->dtype == NPU_DTYPE_I32)
			((__s32 *)y)[i] = v;
		else
			npu_fw_store_q8(y, i, xt->dtype, v);
	}
}

__u32 npu_fw_units(const struct npu_fw_job *job, __u32 op_index)
{
	const struct npu_cmd_op *op = npu_fw_op(job, op_index);
	const struct npu_cmd_tensor *y = npu_fw_tensor(job, op->outputs[0]);

	switch (op->opcode) {
	case NPU_OP_GEMM:
		return y->shape[0];
	case NPU_OP_CONV2D:
		return y->shape[0] * y->shape[1] * y->shape[2];
	default:
		return (__u32)((npu_fw_nelems(y) + NPU_FW_ELTWISE_CHUNK - 1) /
			       NPU_FW_ELTWISE_CHUNK);
	}
}

void npu_fw_run(const struct npu_fw_job *job, __u32 op_index, __u32 first, __u32 count)
{
	const struct npu_cmd_op *op = npu_fw_op(job, op_index);
	__u32 units = npu_fw_units(job, op_index), u;
	unsigned long n, e0, e1;
	struct npu_fw_conv g;
	struct npu_fw_mac m;

	if (first >= units)
		return;
	if (count > units - first)
		count = units - first;

	switch (op->opcode) {
	case NPU_OP_GEMM:
		npu_fw_mac_init(job, op, op->gemm.activation, op->gemm.act_min,
				op->gemm.act_max, &m);
		for (u = first; u < first + count; u++) {
			if (m.xt->dtype == NPU_DTYPE_F32) {
				npu_fw_gemm_f32(&m, u, op->gemm.flags & NPU_GEMM_TRANS_B);
				npu_fw_act_f32((float *)m.y + (unsigned long)u * m.yt->shape[1],
					       m.yt->shape[1], op->gemm.activation,
					       op->gemm.act_min, op->gemm.act_max);
			} else {
				npu_fw_gemm_q(&m, u, op->gemm.flags & NPU_GEMM_TRANS_B);
			}
		}
		break;
	case NPU_OP_CONV2D:
		npu_fw_mac_init(job, op, op->conv2d.activation, op->conv2d.act_min,
				op->conv2d.act_max, &m);
		npu_fw_conv_geom(&m, &op->conv2d, &g);
		for (u = first; u < first + count; u++) {
			if (m.xt->dtype == NPU_DTYPE_F32) {
				npu_fw_conv_f32(&m, &g, u);
				npu_fw_act_f32((float *)m.y + (unsigned long)u * g.ow, g.ow,
					       op->conv2d.activation, op->conv2d.act_min,
					       op->conv2d.act_max);
			} else {
				npu_fw_conv_q(&m, &g, u);
			}
		}
		break;
	default:
		n = npu_fw_nelems(npu_fw_tensor(job, op->outputs[0]));
		e0 = (unsigned long)first * NPU_FW_ELTWISE_CHUNK;
		e1 = (unsigned long)(first + count) * NPU_FW_ELTWISE_CHUNK;
		if (e1 > n)
			e1 = n;
		if (op->opcode == NPU_OP_ADD)
			npu_fw_add(job, op, e0, e1);
		else
			npu_fw_unary(job, op, e0, e1);
		break;
	}
}

// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * npu firmware: the command-stream interpreter and its operators.
 */

/**
 * DOC: Operator semantics
 *
 * F32 ops follow ONNX (Gemm with alpha = beta = 1, Conv, Add, Relu, Clip,
 * and the opset 13 versions of the ops named in uapi/linux/npu_cmd.h).
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
 * CONV_TRANSPOSE2D (F32) gathers, for each output element, bias (or 0) +
 * x[ic][ih][iw] * w[ic][oc % (OC / groups)][kh][kw] over the input channels
 * ic of the output channel's group, then kh, then kw (the taps with
 * oh = ih * stride_h - pad_top + kh * dilation_h, likewise ow), in binary32
 * in that order, then the fused activation.
 *
 * SUB, MUL, DIV follow ADD (both inputs broadcast to Y). I32 ADD, SUB and
 * MUL wrap modulo 2^32; I32 DIV truncates toward zero, x / 0 is 0 and
 * INT32_MIN / -1 wraps to INT32_MIN. Quantized MUL::
 *
 *	y = clamp(zy + rhe((double)((a - za) * (b - zb)) * m), lo, hi),
 *	m = (double)sa * (double)sb / (double)sy
 *
 * SIGMOID, TANH and e^x (SOFTMAX) are computed in binary64 (range reduction
 * and a Taylor polynomial, no libm) and rounded once: within one ulp.
 * SIGMOID is e^x / (1 + e^x) for x < 0. HARD_SIGMOID is
 * max(0, min(1, alpha * x + beta)) and HARD_SWISH x * max(0, min(1,
 * x / 6 + 0.5)), each step in binary32; NaN passes through all of them.
 *
 * MAXPOOL: the largest input element of the window (a NaN wins); padding
 * never wins, and a window of padding only (possible with dilation) gives
 * -inf, or the dtype's minimum for I8/U8 (stored integers are compared: X
 * and Y share their quantization). AVGPOOL: the binary32 sum in (kh, kw)
 * order divided by the count of input elements, or with
 * NPU_POOL_COUNT_INCLUDE_PAD by the window's area clipped to the padded
 * input (a ceil-mode window hanging past the padding counts only up to it).
 * GLOBAL_AVGPOOL: the binary32 sum of the plane in order over H * W.
 *
 * SOFTMAX: per vector along the axis, m = max (first element, then any
 * larger), e_k = e^(x_k - m), s = sum of e_k in axis order (binary32),
 * y_k = e_k / s.
 *
 * RESIZE: the input coordinate of output index o is computed in binary64
 * from the scale s (scale_h/scale_w, or OH / H and OW / W when 0) as the
 * header says; NEAREST rounds it as asked and clamps the index to the
 * input; LINEAR clamps the coordinate to [0, in - 1], takes i0 = floor(c),
 * i1 = min(i0 + 1, in - 1), f = c - i0 (as binary32), and computes
 * (x00 * (1 - fx) + x01 * fx) * (1 - fy) + (x10 * (1 - fx) + x11 * fx) * fy
 * in binary32.
 *
 * QUANTIZE: q = clamp(zy + rhe(x / sy), qmin, qmax) with x / sy in binary32
 * (as ONNX QuantizeLinear); NaN gives zy. DEQUANTIZE: (float)(q - zp) * s in
 * binary32 (per channel: q * scale[c]); I32: the nearest binary32 value.
 * CONCAT, TRANSPOSE and COPY move elements unchanged.
 *
 * Work units: GEMM one per output row (M); CONV2D, CONV_TRANSPOSE2D,
 * MAXPOOL, AVGPOOL and RESIZE one per (n, c, output row); GLOBAL_AVGPOOL
 * one per (n, c); SOFTMAX max(1, NPU_FW_ELTWISE_CHUNK / axis length)
 * vectors; the other ops NPU_FW_ELTWISE_CHUNK output elements; a
 * CONV_TRANSPOSE2D on the GEMM path (below) one per (n, input row).
 *
 * Packed weights (NPU_TENSOR_PACKED_V1: W of a CONV2D with groups == 1, B
 * of a GEMM with NPU_GEMM_TRANS_B) run through the vector kernels of
 * npu_fw_kern.h (the job's table, or the scalar EXACT one), whose numerics
 * Documentation/kernels.rst describes: F32 in EXACT mode the same sums in
 * the same order as above, except that padded taps add w * 0; I8 (quantized
 * ops) the same integers and requantization as above in every mode. Their
 * units are blocks of (output channels x output pixels) of at most 2^25
 * multiply-adds: pixel blocks of up to NPU_FW_PIX_BLOCK, channel chunks of
 * a multiple of 8, split further while an op has fewer than
 * NPU_FW_MIN_UNITS units so that threads have work to share; adjacent
 * units of one pixel block run as one kernel call. Depthwise CONV2D
 * (groups == C) with a job kernel table uses its depthwise kernel on the
 * usual (n, c, output row) units.
 *
 * No allocation and small stack frames: convolution is direct and the
 * quantized paths accumulate NPU_FW_QTILE outputs at a time on the stack.
 */
#include "npu_fw.h"
#include "npu_fw_kern.h"

#ifndef NULL
#define NULL ((void *)0)
#endif

#define NPU_FW_ELTWISE_CHUNK	4096
#define NPU_FW_PIX_BLOCK	384
#define NPU_FW_PIX_ALIGN	48
#define NPU_FW_MIN_UNITS	8
#define NPU_FW_PK_UNIT_MACS	0x2000000UL	/* 2^25 */
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

/*
 * Elementary functions, without libm: computed in binary64 and rounded once
 * to binary32, so the F32 results are within one ulp of the exact values
 * (almost always correctly rounded). Every step is an IEEE operation in a
 * fixed order: bit-identical wherever this file runs.
 */
union npu_fw_dbits {
	__u64 u;
	double d;
};

#define NPU_FW_LOG2E	1.4426950408889634074
#define NPU_FW_LN2	0.69314718055994530942
/* the smallest binary64 value that rounds to +inf in binary32 */
#define NPU_FW_F32_OVERFLOW	(0x1.ffffffp127)

/*
 * e^r - 1 for |r| <= 0.35: Taylor series to r^15 / 15! (relative error
 * below 2^-60 there).
 */
static double npu_fw_expm1_small(double r)
{
	double p = 1.0 / 1307674368000.0;

	p = p * r + 1.0 / 87178291200.0;
	p = p * r + 1.0 / 6227020800.0;
	p = p * r + 1.0 / 479001600.0;
	p = p * r + 1.0 / 39916800.0;
	p = p * r + 1.0 / 3628800.0;
	p = p * r + 1.0 / 362880.0;
	p = p * r + 1.0 / 40320.0;
	p = p * r + 1.0 / 5040.0;
	p = p * r + 1.0 / 720.0;
	p = p * r + 1.0 / 120.0;
	p = p * r + 1.0 / 24.0;
	p = p * r + 1.0 / 6.0;
	p = p * r + 0.5;
	p = p * r + 1.0;
	return p * r;
}

/*
 * e^x in binary64: 0 below -708, +inf above 709, NaN for NaN. Range
 * reduction x = k ln2 + r, |r| <= ln2 / 2 (plus rounding), then 2^k by
 * building the exponent (|k| <= 1022: always a normal number).
 */
static double npu_fw_exp_d(double x)
{
	union npu_fw_dbits s;
	double kd, r;
	__s64 k;

	if (x != x)
		return x;
	if (x > 709.0) {
		s.u = 0x7ff0000000000000ULL;
		return s.d;
	}
	if (x < -708.0)
		return 0.0;
	kd = x * NPU_FW_LOG2E;
	k = (__s64)(kd < 0.0 ? kd - 0.5 : kd + 0.5);
	r = x - (double)k * NPU_FW_LN2;
	s.u = (__u64)(k + 1023) << 52;
	return (npu_fw_expm1_small(r) + 1.0) * s.d;
}

/* e^x - 1 in binary64, accurate relative to the result also near 0 */
static double npu_fw_expm1_d(double x)
{
	if (x > -0.34 && x < 0.34)
		return npu_fw_expm1_small(x);
	return npu_fw_exp_d(x) - 1.0;
}

/* a binary64 value in binary32 (+-inf past the binary32 range) */
static float npu_fw_to_f32(double d)
{
	union npu_fw_bits b;

	if (d >= NPU_FW_F32_OVERFLOW || d <= -NPU_FW_F32_OVERFLOW) {
		b.u = d > 0 ? 0x7f800000U : 0xff800000U;
		return b.f;
	}
	return (float)d;
}

static float npu_fw_expf(float x)
{
	return npu_fw_to_f32(npu_fw_exp_d((double)x));
}

/* 1 / (1 + e^-x), as e^x / (1 + e^x) for x < 0 (no overflow, no cancellation) */
static float npu_fw_sigmoidf(float x)
{
	double e;

	if (x != x)
		return x;
	if (x >= 0.0f) {
		e = npu_fw_exp_d(-(double)x);
		return (float)(1.0 / (1.0 + e));
	}
	e = npu_fw_exp_d((double)x);
	return (float)(e / (1.0 + e));
}

/* tanh(x) = t / (t + 2) with t = e^(2|x|) - 1, sign restored; odd, tanh(-0) = -0 */
static float npu_fw_tanhf(float x)
{
	double ax, t, r;

	if (x != x || x == 0.0f)
		return x;
	ax = x < 0.0f ? -(double)x : (double)x;
	if (ax > 20.0) {
		r = 1.0;
	} else {
		t = npu_fw_expm1_d(2.0 * ax);
		r = t / (t + 2.0);
	}
	return x < 0.0f ? (float)-r : (float)r;
}

/**
 * struct npu_fw_act - a fused activation with its parameters as floats
 * @act: enum npu_activation
 * @lo: NPU_ACT_CLIP lower bound
 * @hi: NPU_ACT_CLIP upper bound
 * @alpha: NPU_ACT_HARD_SIGMOID alpha
 * @beta: NPU_ACT_HARD_SIGMOID beta
 */
struct npu_fw_act {
	__u32 act;
	float lo, hi, alpha, beta;
};

static void npu_fw_act_init(struct npu_fw_act *a, __u32 act, __u32 lo, __u32 hi,
			    __u32 alpha, __u32 beta)
{
	a->act = act;
	a->lo = npu_fw_f32(lo);
	a->hi = npu_fw_f32(hi);
	a->alpha = npu_fw_f32(alpha);
	a->beta = npu_fw_f32(beta);
}

/* max(0, min(1, v)); NaN passes through */
static float npu_fw_unit_clamp(float v)
{
	if (v < 0.0f)
		return 0.0f;
	if (v > 1.0f)
		return 1.0f;
	return v;
}

static float npu_fw_hard_sigmoidf(float v, float alpha, float beta)
{
	return npu_fw_unit_clamp(alpha * v + beta);
}

static float npu_fw_hard_swishf(float v)
{
	return v * npu_fw_unit_clamp(v / 6.0f + 0.5f);
}

/* the fused activation over y[0 .. n) */
static void npu_fw_act_f32(float *y, unsigned long n, const struct npu_fw_act *a)
{
	unsigned long i;

	switch (a->act) {
	case NPU_ACT_RELU:
		for (i = 0; i < n; i++)
			if (y[i] < 0.0f)
				y[i] = 0.0f;
		break;
	case NPU_ACT_CLIP:
		for (i = 0; i < n; i++) {
			if (y[i] < a->lo)
				y[i] = a->lo;
			if (y[i] > a->hi)
				y[i] = a->hi;
		}
		break;
	case NPU_ACT_SIGMOID:
		for (i = 0; i < n; i++)
			y[i] = npu_fw_sigmoidf(y[i]);
		break;
	case NPU_ACT_HARD_SIGMOID:
		for (i = 0; i < n; i++)
			y[i] = npu_fw_hard_sigmoidf(y[i], a->alpha, a->beta);
		break;
	case NPU_ACT_HARD_SWISH:
		for (i = 0; i < n; i++)
			y[i] = npu_fw_hard_swishf(y[i]);
		break;
	default:
		break;
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
 * struct npu_fw_iter - walks the elements of Y (padded to 4-D) in order,
 * with the matching element index of up to two inputs
 * @dim: Y's dimensions, outermost first
 * @stride: element stride of input j along each of Y's dimensions (0 where
 *	it is broadcast)
 * @idx: the current index in Y
 */
struct npu_fw_iter {
	unsigned long dim[NPU_CMD_MAX_DIMS];
	unsigned long stride[2][NPU_CMD_MAX_DIMS];
	unsigned long idx[NPU_CMD_MAX_DIMS];
};

/* the strides of NumPy broadcasting of @x to @y (aligned at the last axis) */
static void npu_fw_bcast_strides(const struct npu_cmd_tensor *x, unsigned long *stride)
{
	__u32 lead = NPU_CMD_MAX_DIMS - x->ndim, i;
	unsigned long s = 1;

	for (i = NPU_CMD_MAX_DIMS; i-- > 0;) {
		__u32 d = i >= lead ? x->shape[i - lead] : 1;

		stride[i] = d == 1 ? 0 : s;
		s *= d;
	}
}

static void npu_fw_iter_init(struct npu_fw_iter *it, const struct npu_cmd_tensor *y,
			     unsigned long e0)
{
	__u32 lead = NPU_CMD_MAX_DIMS - y->ndim;
	int i;

	for (i = 0; i < NPU_CMD_MAX_DIMS; i++)
		it->dim[i] = i >= (int)lead ? y->shape[i - lead] : 1;
	for (i = NPU_CMD_MAX_DIMS - 1; i >= 0; i--) {
		it->idx[i] = e0 % it->dim[i];
		e0 /= it->dim[i];
	}
}

/* element index of input @j at the current position */
static unsigned long npu_fw_iter_at(const struct npu_fw_iter *it, __u32 j)
{
	return it->idx[0] * it->stride[j][0] + it->idx[1] * it->stride[j][1] +
	       it->idx[2] * it->stride[j][2] + it->idx[3] * it->stride[j][3];
}

/* elements left in the current innermost run, at most @limit */
static unsigned long npu_fw_iter_run(const struct npu_fw_iter *it, unsigned long limit)
{
	unsigned long run = it->dim[3] - it->idx[3];

	return run < limit ? run : limit;
}

/* move past a run of npu_fw_iter_run() elements: to the next row */
static void npu_fw_iter_next_row(struct npu_fw_iter *it)
{
	int i;

	it->idx[3] = 0;
	for (i = 2; i >= 0; i--) {
		if (++it->idx[i] < it->dim[i])
			break;
		it->idx[i] = 0;
	}
}

/**
 * struct npu_fw_bin - operands of ADD, SUB, MUL, DIV
 * @a: A data
 * @b: B data
 * @y: Y data
 * @opcode: the op
 * @dtype: the common dtype
 * @qa: quantization of A
 * @qb: quantization of B
 * @qy: quantization of Y
 * @mul: quantized MUL: sa * sb / sy
 * @lo: lower output bound (integer dtypes)
 * @hi: upper output bound (integer dtypes)
 * @act: the fused activation (F32)
 */
struct npu_fw_bin {
	const void *a;
	const void *b;
	void *y;
	__u32 opcode;
	__u32 dtype;
	struct npu_fw_q qa, qb, qy;
	double mul;
	__s32 lo, hi;
	struct npu_fw_act act;
};

static __always_inline float npu_fw_bin1(__u32 opcode, float a, float b)
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

/*
 * y[i] = a[i * as] op b[i * bs] for i < n. Inlined per opcode, with the
 * strides of same-shape and broadcast operands (1 and 0) as separate loops
 * the compiler can vectorize; the same operations in the same order.
 */
static __always_inline void npu_fw_bin_loop(__u32 opcode, float *restrict y,
					    const float *a, unsigned long as,
					    const float *b, unsigned long bs, unsigned long n)
{
	unsigned long i;
	float v;

	if (as == 1 && bs == 1) {
		for (i = 0; i < n; i++)
			y[i] = npu_fw_bin1(opcode, a[i], b[i]);
	} else if (as == 1 && bs == 0) {
		v = b[0];
		for (i = 0; i < n; i++)
			y[i] = npu_fw_bin1(opcode, a[i], v);
	} else if (as == 0 && bs == 1) {
		v = a[0];
		for (i = 0; i < n; i++)
			y[i] = npu_fw_bin1(opcode, v, b[i]);
	} else {
		for (i = 0; i < n; i++)
			y[i] = npu_fw_bin1(opcode, a[i * as], b[i * bs]);
	}
}

static void npu_fw_bin_f32(const struct npu_fw_bin *d, unsigned long yi, unsigned long ai,
			   unsigned long as, unsigned long bi, unsigned long bs, unsigned long n)
{
	const float *a = (const float *)d->a + ai, *b = (const float *)d->b + bi;
	float *y = (float *)d->y + yi;

	switch (d->opcode) {
	case NPU_OP_ADD:
		npu_fw_bin_loop(NPU_OP_ADD, y, a, as, b, bs, n);
		break;
	case NPU_OP_SUB:
		npu_fw_bin_loop(NPU_OP_SUB, y, a, as, b, bs, n);
		break;
	case NPU_OP_MUL:
		npu_fw_bin_loop(NPU_OP_MUL, y, a, as, b, bs, n);
		break;
	default:
		npu_fw_bin_loop(NPU_OP_DIV, y, a, as, b, bs, n);
		break;
	}
	npu_fw_act_f32(y, n, &d->act);
}

/* I32 A op B: wraps modulo 2^32; DIV truncates, x / 0 = 0, INT_MIN / -1 wraps */
static __s32 npu_fw_bin_i32_one(__u32 opcode, __s32 a, __s32 b)
{
	switch (opcode) {
	case NPU_OP_ADD:
		return (__s32)((__u32)a + (__u32)b);
	case NPU_OP_SUB:
		return (__s32)((__u32)a - (__u32)b);
	case NPU_OP_MUL:
		return (__s32)((__u32)a * (__u32)b);
	default:
		if (!b)
			return 0;
		if (b == -1)
			return (__s32)(0U - (__u32)a);
		return a / b;
	}
}

static void npu_fw_bin_run(const struct npu_fw_bin *d, unsigned long yi, unsigned long ai,
			   unsigned long as, unsigned long bi, unsigned long bs, unsigned long n)
{
	unsigned long i;
	__s32 v;

	if (d->dtype == NPU_DTYPE_F32) {
		npu_fw_bin_f32(d, yi, ai, as, bi, bs, n);
	} else if (d->dtype == NPU_DTYPE_I32) {
		const __s32 *a = (const __s32 *)d->a + ai, *b = (const __s32 *)d->b + bi;
		__s32 *y = (__s32 *)d->y + yi;

		for (i = 0; i < n; i++) {
			v = npu_fw_bin_i32_one(d->opcode, a[i * as], b[i * bs]);
			y[i] = v < d->lo ? d->lo : v > d->hi ? d->hi : v;
		}
	} else {
		for (i = 0; i < n; i++) {
			__s32 av = npu_fw_load_q8(d->a, ai + i * as, d->dtype) - d->qa.zp;
			__s32 bv = npu_fw_load_q8(d->b, bi + i * bs, d->dtype) - d->qb.zp;
			double r;

			if (d->opcode == NPU_OP_MUL)
				r = (double)(av * bv) * d->mul;
			else
				r = ((double)av * d->qa.scale + (double)bv * d->qb.scale) /
				    d->qy.scale;
			npu_fw_store_q8(d->y, yi + i, d->dtype,
					d->qy.zp + npu_fw_sat_rhe(r, d->lo - d->qy.zp,
								  d->hi - d->qy.zp));
		}
	}
}

/* ADD, SUB, MUL, DIV over Y elements [e0, e1) */
static void npu_fw_binary(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			  unsigned long e0, unsigned long e1)
{
	const struct npu_cmd_tensor *at = npu_fw_tensor(job, op->inputs[0]);
	const struct npu_cmd_tensor *bt = npu_fw_tensor(job, op->inputs[1]);
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	const struct npu_op_eltwise *p = &op->eltwise;
	struct npu_fw_iter it;
	struct npu_fw_bin d;
	unsigned long run;

	d.a = npu_fw_data(job, at);
	d.b = npu_fw_data(job, bt);
	d.y = npu_fw_data(job, yt);
	d.opcode = op->opcode;
	d.dtype = at->dtype;
	npu_fw_get_q(at, &d.qa);
	npu_fw_get_q(bt, &d.qb);
	npu_fw_get_q(yt, &d.qy);
	d.mul = d.qa.scale * d.qb.scale / d.qy.scale;
	npu_fw_int_bounds(p->activation, p->act_min, p->act_max, &d.qy, &d.lo, &d.hi);
	npu_fw_act_init(&d.act, p->activation, p->act_min, p->act_max, p->act_alpha,
			p->act_beta);
	npu_fw_iter_init(&it, yt, e0);
	npu_fw_bcast_strides(at, it.stride[0]);
	npu_fw_bcast_strides(bt, it.stride[1]);
	while (e0 < e1) {
		run = npu_fw_iter_run(&it, e1 - e0);
		npu_fw_bin_run(&d, e0, npu_fw_iter_at(&it, 0), it.stride[0][3],
			       npu_fw_iter_at(&it, 1), it.stride[1][3], run);
		e0 += run;
		npu_fw_iter_next_row(&it);
	}
}

/* RELU and CLIP over elements [e0, e1) */
static void npu_fw_clamp_op(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			    unsigned long e0, unsigned long e1)
{
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	const void *x = npu_fw_data(job, xt);
	void *y = npu_fw_data(job, yt);
	__u32 act = op->opcode == NPU_OP_RELU ? NPU_ACT_RELU : NPU_ACT_CLIP;
	struct npu_fw_act a;
	struct npu_fw_q q;
	unsigned long i;
	__s32 lo, hi, v;

	if (xt->dtype == NPU_DTYPE_F32) {
		const float *xs = x;
		float *ys = y;

		for (i = e0; i < e1; i++)
			ys[i] = xs[i];
		npu_fw_act_init(&a, act, op->eltwise.act_min, op->eltwise.act_max, 0, 0);
		npu_fw_act_f32(ys + e0, e1 - e0, &a);
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

/* SIGMOID, HARD_SIGMOID, HARD_SWISH, TANH over elements [e0, e1) */
static void npu_fw_unary_f32(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			     unsigned long e0, unsigned long e1)
{
	const float *x = npu_fw_data(job, npu_fw_tensor(job, op->inputs[0]));
	float *y = npu_fw_data(job, npu_fw_tensor(job, op->outputs[0]));
	float alpha = npu_fw_f32(op->eltwise.act_alpha), beta = npu_fw_f32(op->eltwise.act_beta);
	unsigned long i;

	switch (op->opcode) {
	case NPU_OP_SIGMOID:
		for (i = e0; i < e1; i++)
			y[i] = npu_fw_sigmoidf(x[i]);
		break;
	case NPU_OP_HARD_SIGMOID:
		for (i = e0; i < e1; i++)
			y[i] = npu_fw_hard_sigmoidf(x[i], alpha, beta);
		break;
	case NPU_OP_HARD_SWISH:
		for (i = e0; i < e1; i++)
			y[i] = npu_fw_hard_swishf(x[i]);
		break;
	default:
		for (i = e0; i < e1; i++)
			y[i] = npu_fw_tanhf(x[i]);
		break;
	}
}

/* QUANTIZE over elements [e0, e1): zy + rhe(x / sy) in binary32, saturated */
static void npu_fw_quantize_op(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			       unsigned long e0, unsigned long e1)
{
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	const float *x = npu_fw_data(job, npu_fw_tensor(job, op->inputs[0]));
	void *y = npu_fw_data(job, yt);
	float scale = npu_fw_f32(yt->scale);
	struct npu_fw_q q;
	unsigned long i;

	npu_fw_get_q(yt, &q);
	for (i = e0; i < e1; i++)
		npu_fw_store_q8(y, i, yt->dtype,
				q.zp + npu_fw_sat_rhe((double)(x[i] / scale), q.qmin - q.zp,
						      q.qmax - q.zp));
}

/* DEQUANTIZE over elements [e0, e1): (q - zp) * scale in binary32 */
static void npu_fw_dequantize_op(const struct npu_fw_job *job, const struct npu_cmd_op *op,
				 unsigned long e0, unsigned long e1)
{
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	const void *x = npu_fw_data(job, xt);
	float *y = npu_fw_data(job, npu_fw_tensor(job, op->outputs[0]));
	const float *cs;
	unsigned long i, inner = 1, dim;
	float scale;
	__u32 d;

	if (xt->dtype == NPU_DTYPE_I32) {
		for (i = e0; i < e1; i++)
			y[i] = (float)((const __s32 *)x)[i];
		return;
	}
	if (xt->quant_type == NPU_QUANT_PER_TENSOR) {
		scale = npu_fw_f32(xt->scale);
		for (i = e0; i < e1; i++)
			y[i] = (float)(npu_fw_load_q8(x, i, xt->dtype) - xt->zero_point) * scale;
		return;
	}
	/* per channel: zero points are 0, the channel is the index on quant_axis */
	cs = npu_fw_data(job, npu_fw_tensor(job, xt->scale_tensor));
	for (d = xt->quant_axis + 1; d < xt->ndim; d++)
		inner *= xt->shape[d];
	dim = xt->shape[xt->quant_axis];
	for (i = e0; i < e1; i++)
		y[i] = (float)npu_fw_load_q8(x, i, xt->dtype) * cs[(i / inner) % dim];
}

/* copy @n elements of @esize bytes (1 or 4) from x[xi + k * xs] to y[yi + k] */
static void npu_fw_copy_run(void *y, unsigned long yi, const void *x, unsigned long xi,
			    unsigned long xs, unsigned long n, __u32 esize)
{
	unsigned long k;

	if (esize == 4) {
		const __u32 *xp = (const __u32 *)x + xi;
		__u32 *yp = (__u32 *)y + yi;

		for (k = 0; k < n; k++)
			yp[k] = xp[k * xs];
	} else {
		const __u8 *xp = (const __u8 *)x + xi;
		__u8 *yp = (__u8 *)y + yi;

		for (k = 0; k < n; k++)
			yp[k] = xp[k * xs];
	}
}

/* COPY over elements [e0, e1) */
static void npu_fw_copy_op(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			   unsigned long e0, unsigned long e1)
{
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);

	npu_fw_copy_run(npu_fw_data(job, npu_fw_tensor(job, op->outputs[0])), e0,
			npu_fw_data(job, xt), e0, 1, e1 - e0, npu_fw_dtype_size(xt->dtype));
}

/* TRANSPOSE over Y elements [e0, e1) */
static void npu_fw_transpose_op(const struct npu_fw_job *job, const struct npu_cmd_op *op,
				unsigned long e0, unsigned long e1)
{
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	const void *x = npu_fw_data(job, xt);
	void *y = npu_fw_data(job, yt);
	__u32 lead = NPU_CMD_MAX_DIMS - xt->ndim, esize = npu_fw_dtype_size(xt->dtype), i;
	unsigned long xstride[NPU_CMD_MAX_DIMS], s = 1, run;
	struct npu_fw_iter it;

	for (i = xt->ndim; i-- > 0;) {
		xstride[i] = s;
		s *= xt->shape[i];
	}
	npu_fw_iter_init(&it, yt, e0);
	/* Y axis i (of 4, padded at the front) is X axis perm[i - lead] */
	for (i = 0; i < NPU_CMD_MAX_DIMS; i++)
		it.stride[0][i] = i < lead ? 0 : xstride[op->transpose.perm[i - lead]];
	while (e0 < e1) {
		run = npu_fw_iter_run(&it, e1 - e0);
		npu_fw_copy_run(y, e0, x, npu_fw_iter_at(&it, 0), it.stride[0][3], run, esize);
		e0 += run;
		npu_fw_iter_next_row(&it);
	}
}

/*
 * CONCAT over Y elements [e0, e1). Y is viewed as [outer, Y.shape[axis],
 * inner]; input j fills rows [off_j, off_j + its shape[axis]) of the middle
 * axis.
 */
static void npu_fw_concat_op(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			     unsigned long e0, unsigned long e1)
{
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	const struct npu_cmd_tensor *xt;
	__u32 axis = op->axis.axis, esize = npu_fw_dtype_size(yt->dtype), d, j;
	unsigned long inner = 1, ylen = yt->shape[axis], o, a, r, off, len, run;
	void *y = npu_fw_data(job, yt);

	for (d = axis + 1; d < yt->ndim; d++)
		inner *= yt->shape[d];
	while (e0 < e1) {
		r = e0 % inner;
		a = (e0 / inner) % ylen;
		o = e0 / inner / ylen;
		off = 0;
		for (j = 0;; j++) {
			xt = npu_fw_tensor(job, op->inputs[j]);
			len = xt->shape[axis];
			if (a < off + len)
				break;
			off += len;
		}
		/* the rest of input j's slab for this outer index */
		run = (off + len - a) * inner - r;
		if (run > e1 - e0)
			run = e1 - e0;
		npu_fw_copy_run(y, e0, npu_fw_data(job, xt), (o * len + a - off) * inner + r, 1,
				run, esize);
		e0 += run;
	}
}

/**
 * struct npu_fw_sm - the geometry of a SOFTMAX
 * @len: length of the axis
 * @inner: product of the dimensions after the axis (the element stride)
 * @lanes: number of vectors along the axis
 * @per_unit: lanes per work unit
 */
struct npu_fw_sm {
	unsigned long len, inner, lanes, per_unit;
};

static void npu_fw_sm_geom(const struct npu_cmd_tensor *xt, __u32 axis, struct npu_fw_sm *g)
{
	__u32 d;

	g->len = xt->shape[axis];
	g->inner = 1;
	for (d = axis + 1; d < xt->ndim; d++)
		g->inner *= xt->shape[d];
	g->lanes = npu_fw_nelems(xt) / g->len;
	g->per_unit = g->len >= NPU_FW_ELTWISE_CHUNK ? 1 : NPU_FW_ELTWISE_CHUNK / g->len;
}

/* SOFTMAX of one lane: y = e^(x - max) / sum, the sum in axis order */
static void npu_fw_softmax_lane(const float *x, float *y, unsigned long len,
				unsigned long stride)
{
	unsigned long k;
	float m = x[0], s = 0.0f, e;

	for (k = 1; k < len; k++)
		if (x[k * stride] > m)
			m = x[k * stride];
	for (k = 0; k < len; k++) {
		e = npu_fw_expf(x[k * stride] - m);
		y[k * stride] = e;
		s += e;
	}
	for (k = 0; k < len; k++)
		y[k * stride] = y[k * stride] / s;
}

static void npu_fw_softmax_op(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			      __u32 first, __u32 count)
{
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	const float *x = npu_fw_data(job, xt);
	float *y = npu_fw_data(job, npu_fw_tensor(job, op->outputs[0]));
	unsigned long l, l1, base;
	struct npu_fw_sm g;

	npu_fw_sm_geom(xt, op->axis.axis, &g);
	l1 = ((unsigned long)first + count) * g.per_unit;
	if (l1 > g.lanes)
		l1 = g.lanes;
	for (l = (unsigned long)first * g.per_unit; l < l1; l++) {
		base = (l / g.inner) * g.len * g.inner + l % g.inner;
		npu_fw_softmax_lane(x + base, y + base, g.len, g.inner);
	}
}

/* MAXPOOL and AVGPOOL: output row @unit = (n, c, oh) */
static void npu_fw_pool_row(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			    __u32 unit)
{
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	const struct npu_op_pool *p = &op->pool;
	__s64 h = xt->shape[2], w = xt->shape[3], oh_n = yt->shape[2], ow_n = yt->shape[3];
	__s64 oh = unit % oh_n, plane = unit / oh_n, ow, kh, kw, ih, iw, hs, he, ws, we;
	unsigned long xb = (unsigned long)(plane * h * w);
	unsigned long yb = (unsigned long)(plane * oh_n + oh) * ow_n;
	const void *x = npu_fw_data(job, xt);
	void *y = npu_fw_data(job, yt);
	__s32 qm, qv;
	float m, s, v;
	long cnt;

	for (ow = 0; ow < ow_n; ow++) {
		m = npu_fw_f32(0xff800000U);	/* -inf */
		qm = xt->dtype == NPU_DTYPE_I8 ? -128 : 0;
		s = 0.0f;
		cnt = 0;
		for (kh = 0; kh < p->kernel_h; kh++) {
			ih = oh * p->stride_h - p->pad_top + kh * p->dilation_h;
			if (ih < 0 || ih >= h)
				continue;
			for (kw = 0; kw < p->kernel_w; kw++) {
				iw = ow * p->stride_w - p->pad_left + kw * p->dilation_w;
				if (iw < 0 || iw >= w)
					continue;
				if (xt->dtype != NPU_DTYPE_F32) {
					qv = npu_fw_load_q8(x, xb + ih * w + iw, xt->dtype);
					if (qv > qm)
						qm = qv;
					continue;
				}
				v = ((const float *)x)[xb + ih * w + iw];
				if (op->opcode == NPU_OP_AVGPOOL) {
					s += v;
					cnt++;
				} else if (m == m && (v > m || v != v)) {
					m = v;		/* a NaN wins and stays */
				}
			}
		}
		if (xt->dtype != NPU_DTYPE_F32) {
			npu_fw_store_q8(y, yb + ow, yt->dtype, qm);
			continue;
		}
		if (op->opcode == NPU_OP_MAXPOOL) {
			((float *)y)[yb + ow] = m;
			continue;
		}
		if (p->flags & NPU_POOL_COUNT_INCLUDE_PAD) {
			/* the window clipped to the padded input */
			hs = oh * p->stride_h - p->pad_top;
			ws = ow * p->stride_w - p->pad_left;
			he = hs + p->kernel_h < h + p->pad_bottom ? hs + p->kernel_h :
				h + p->pad_bottom;
			we = ws + p->kernel_w < w + p->pad_right ? ws + p->kernel_w :
				w + p->pad_right;
			cnt = (long)((he - hs) * (we - ws));
		}
		((float *)y)[yb + ow] = s / (float)cnt;
	}
}

/* GLOBAL_AVGPOOL: plane @unit = (n, c), summed in order */
static void npu_fw_global_avgpool(const struct npu_fw_job *job, const struct npu_cmd_op *op,
				  __u32 unit)
{
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	unsigned long hw = (unsigned long)xt->shape[2] * xt->shape[3], i;
	const float *x = (const float *)npu_fw_data(job, xt) + unit * hw;
	float *y = npu_fw_data(job, npu_fw_tensor(job, op->outputs[0]));
	float s = 0.0f;

	for (i = 0; i < hw; i++)
		s += x[i];
	y[unit] = s / (float)hw;
}

/* floor() of a finite value with |v| < 2^62 */
static double npu_fw_floor(double v)
{
	double t = (double)(__s64)v;

	return t > v ? t - 1.0 : t;
}

/*
 * RESIZE: the input coordinate of output index @o on an axis of @in input
 * and @out output elements with scale @s, clamped to [-1, in] (which keeps
 * every rounding below the same after clamping the index to [0, in - 1]).
 */
static double npu_fw_resize_coord(__u32 coord, unsigned long o, double s, unsigned long in,
				  unsigned long out)
{
	double c;

	switch (coord) {
	case NPU_RESIZE_ASYMMETRIC:
		c = (double)o / s;
		break;
	case NPU_RESIZE_ALIGN_CORNERS:
		c = out == 1 ? 0.0 : (double)o * (double)(in - 1) / (double)(out - 1);
		break;
	case NPU_RESIZE_PYTORCH_HALF_PIXEL:
		c = out == 1 ? 0.0 : ((double)o + 0.5) / s - 0.5;
		break;
	default:
		c = ((double)o + 0.5) / s - 0.5;
		break;
	}
	if (c < -1.0)
		c = -1.0;
	if (c > (double)in)
		c = (double)in;
	return c;
}

/* NEAREST: the input index of coordinate @c, clamped to [0, in - 1] */
static unsigned long npu_fw_resize_nearest(__u32 mode, double c, unsigned long in)
{
	double f = npu_fw_floor(c), frac = c - f;
	__s64 i = (__s64)f;

	switch (mode) {
	case NPU_RESIZE_ROUND_PREFER_FLOOR:
		i += frac > 0.5;
		break;
	case NPU_RESIZE_ROUND_PREFER_CEIL:
		i += frac >= 0.5;
		break;
	case NPU_RESIZE_CEIL:
		i += frac > 0.0;
		break;
	default:
		break;
	}
	if (i < 0)
		return 0;
	return (unsigned long)i >= in ? in - 1 : (unsigned long)i;
}

/* LINEAR: the two input indices and the weight of the second one */
static void npu_fw_resize_linear(double c, unsigned long in, unsigned long *i0,
				 unsigned long *i1, float *f)
{
	double fl;

	if (c < 0.0)
		c = 0.0;
	if (c > (double)(in - 1))
		c = (double)(in - 1);
	fl = npu_fw_floor(c);
	*i0 = (unsigned long)fl;
	*i1 = *i0 + 1 < in ? *i0 + 1 : in - 1;
	*f = (float)(c - fl);
}

/* the scale of one RESIZE axis: the given one, or out / in */
static double npu_fw_resize_scale(__u32 bits, unsigned long in, unsigned long out)
{
	return bits ? (double)npu_fw_f32(bits) : (double)out / (double)in;
}

/* RESIZE: output row @unit = (n, c, oh) */
/*
 * NEAREST RESIZE of output rows [first, first + count): the source column of
 * each output column is computed once per call (in chunks of
 * NPU_FW_RESIZE_MAP) for all the rows, with the same formulas as
 * npu_fw_resize_row().
 */
#define NPU_FW_RESIZE_MAP	128
static void npu_fw_resize_nearest_rows(const struct npu_fw_job *job,
				       const struct npu_cmd_op *op, __u32 first, __u32 count)
{
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	const struct npu_op_resize *p = &op->resize;
	unsigned long h = xt->shape[2], w = xt->shape[3], ohn = yt->shape[2], own = yt->shape[3];
	double sh = npu_fw_resize_scale(p->scale_h, h, ohn);
	double sw = npu_fw_resize_scale(p->scale_w, w, own);
	unsigned long c0, cn, j, oh, plane, y0;
	__u32 map[NPU_FW_RESIZE_MAP], u;
	double cy;
	const float *x;
	float *y;

	for (c0 = 0; c0 < own; c0 += NPU_FW_RESIZE_MAP) {
		cn = own - c0 < NPU_FW_RESIZE_MAP ? own - c0 : NPU_FW_RESIZE_MAP;
		for (j = 0; j < cn; j++)
			map[j] = (__u32)npu_fw_resize_nearest(p->nearest,
				npu_fw_resize_coord(p->coord, c0 + j, sw, w, own), w);
		for (u = first; u < first + count; u++) {
			oh = u % ohn;
			plane = u / ohn;
			cy = npu_fw_resize_coord(p->coord, oh, sh, h, ohn);
			y0 = npu_fw_resize_nearest(p->nearest, cy, h);
			x = (const float *)npu_fw_data(job, xt) + (plane * h + y0) * w;
			y = (float *)npu_fw_data(job, yt) + (plane * ohn + oh) * own + c0;
			for (j = 0; j < cn; j++)
				y[j] = x[map[j]];
		}
	}
}

/* LINEAR RESIZE of one output row */
static void npu_fw_resize_row(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			      __u32 unit)
{
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	const struct npu_op_resize *p = &op->resize;
	unsigned long h = xt->shape[2], w = xt->shape[3], ohn = yt->shape[2], own = yt->shape[3];
	unsigned long oh = unit % ohn, plane = unit / ohn, ow, y0, y1, x0, x1;
	const float *x = (const float *)npu_fw_data(job, xt) + plane * h * w;
	float *y = (float *)npu_fw_data(job, yt) + (plane * ohn + oh) * own;
	double sh = npu_fw_resize_scale(p->scale_h, h, ohn);
	double sw = npu_fw_resize_scale(p->scale_w, w, own);
	double cy = npu_fw_resize_coord(p->coord, oh, sh, h, ohn), cx;
	float fy, fx;

	/* LINEAR (NEAREST: npu_fw_resize_nearest_rows()) */
	npu_fw_resize_linear(cy, h, &y0, &y1, &fy);
	for (ow = 0; ow < own; ow++) {
		cx = npu_fw_resize_coord(p->coord, ow, sw, w, own);
		npu_fw_resize_linear(cx, w, &x0, &x1, &fx);
		y[ow] = (x[y0 * w + x0] * (1.0f - fx) + x[y0 * w + x1] * fx) * (1.0f - fy) +
			(x[y1 * w + x0] * (1.0f - fx) + x[y1 * w + x1] * fx) * fy;
	}
}

/**
 * struct npu_fw_convt - the geometry of a CONV_TRANSPOSE2D op
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
 */
struct npu_fw_convt {
	__s64 c, h, w, oc, cg, ocg, kh, kw, oh, ow;
};

/*
 * CONV_TRANSPOSE2D, output row @unit = (n, oc, oh). Output (oh, ow) gathers
 * x[ic][ih][iw] * w[ic][oc % ocg][kh][kw] over oh = ih * stride_h - pad_top +
 * kh * dilation_h (likewise ow), in the order (input channel, kh, kw).
 */
/*
 * CONV_TRANSPOSE2D with a 2x2 kernel, stride 2, no dilation or padding,
 * output exactly twice the input (the upsampling of segmentation heads):
 * every output element has one tap per input channel. Output row @oh of
 * channel @oc, initialised to the bias, accumulates channel by channel in
 * ascending order as the general loop does (same sums, same order), but
 * eight input columns at a time in registers.
 */
static void npu_fw_convt_2x2(float *y, const float *x, unsigned long xcs, const float *w,
			     unsigned long wcs, __u32 cg, __u32 iw, __u32 kh)
{
	float a0[8], a1[8], w0, w1;
	const float *xr;
	__u32 c0, j, len, ic;

	for (c0 = 0; c0 < iw; c0 += 8) {
		len = iw - c0 < 8 ? iw - c0 : 8;
		for (j = 0; j < 8; j++) {
			a0[j] = j < len ? y[2 * (c0 + j)] : 0.0f;
			a1[j] = j < len ? y[2 * (c0 + j) + 1] : 0.0f;
		}
		for (ic = 0; ic < cg; ic++) {
			xr = x + ic * xcs + c0;
			w0 = w[ic * wcs + kh * 2];
			w1 = w[ic * wcs + kh * 2 + 1];
			if (len == 8) {
				for (j = 0; j < 8; j++) {
					a0[j] += xr[j] * w0;
					a1[j] += xr[j] * w1;
				}
			} else {
				for (j = 0; j < len; j++) {
					a0[j] += xr[j] * w0;
					a1[j] += xr[j] * w1;
				}
			}
		}
		for (j = 0; j < len; j++) {
			y[2 * (c0 + j)] = a0[j];
			y[2 * (c0 + j) + 1] = a1[j];
		}
	}
}

static void npu_fw_convt_row(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			     __u32 unit)
{
	const struct npu_op_conv2d *p = &op->conv2d;
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	const struct npu_cmd_tensor *wt = npu_fw_tensor(job, op->inputs[1]);
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	const float *bias = op->inputs[2] == NPU_CMD_NO_TENSOR ? NULL :
			    npu_fw_data(job, npu_fw_tensor(job, op->inputs[2]));
	struct npu_fw_convt g = {
		.c = xt->shape[1], .h = xt->shape[2], .w = xt->shape[3], .oc = yt->shape[1],
		.cg = xt->shape[1] / p->groups, .ocg = wt->shape[1], .kh = wt->shape[2],
		.kw = wt->shape[3], .oh = yt->shape[2], .ow = yt->shape[3],
	};
	__s64 oh = unit % g.oh, t = unit / g.oh, oc = t % g.oc, n = t / g.oc;
	__s64 sw = p->stride_w, ic, kh, kw, ihs, iw, iw0, iw1, off, o;
	float *y = (float *)npu_fw_data(job, yt) + (unsigned long)(t * g.oh + oh) * g.ow;
	const float *x, *wk;
	float wv;

	for (o = 0; o < g.ow; o++)
		y[o] = bias ? bias[oc] : 0.0f;
	if (sw == 2 && p->stride_h == 2 && g.kw == 2 && g.kh == 2 && p->dilation_w == 1 &&
	    p->dilation_h == 1 && !p->pad_left && !p->pad_top && g.ow == 2 * g.w &&
	    g.oh == 2 * g.h) {
		ic = (oc / g.ocg) * g.cg;
		npu_fw_convt_2x2(y, (const float *)npu_fw_data(job, xt) +
				 (unsigned long)(((n * g.c + ic) * g.h + oh / 2) * g.w),
				 (unsigned long)g.h * g.w,
				 (const float *)npu_fw_data(job, wt) +
				 (unsigned long)((ic * g.ocg + oc % g.ocg) * 4),
				 (unsigned long)g.ocg * 4, g.cg, g.w, oh % 2);
		return;
	}
	for (ic = (oc / g.ocg) * g.cg; ic < (oc / g.ocg + 1) * g.cg; ic++) {
		wk = (const float *)npu_fw_data(job, wt) +
		     (unsigned long)((ic * g.ocg + oc % g.ocg) * g.kh * g.kw);
		for (kh = 0; kh < g.kh; kh++) {
			ihs = oh + p->pad_top - kh * p->dilation_h;
			if (ihs < 0 || ihs % p->stride_h || ihs / p->stride_h >= g.h)
				continue;
			x = (const float *)npu_fw_data(job, xt) +
			    (unsigned long)(((n * g.c + ic) * g.h + ihs / p->stride_h) * g.w);
			for (kw = 0; kw < g.kw; kw++) {
				/* ow = iw * sw + off for iw in [iw0, iw1) */
				off = kw * p->dilation_w - p->pad_left;
				iw0 = off < 0 ? (-off + sw - 1) / sw : 0;
				iw1 = g.ow - off > 0 ? (g.ow - off + sw - 1) / sw : 0;
				if (iw1 > g.w)
					iw1 = g.w;
				wv = wk[kh * g.kw + kw];
				for (iw = iw0; iw < iw1; iw++)
					y[iw * sw + off] += x[iw] * wv;
			}
		}
	}
}

/* units of a SOFTMAX op */
/* ------------------------------------------------------------------ */
/* Packed-weight GEMM/CONV2D and depthwise CONV2D through npu_fw_kern   */

/**
 * struct npu_fw_pk - unit geometry of a packed-weight op
 * @m: output channels (GEMM: N, the rows of the packed B)
 * @k: reduction length
 * @n: output pixels per batch element (GEMM: rows of A)
 * @batch: batch elements (GEMM: 1)
 * @pb: pixels per pixel block
 * @nb: pixel blocks per batch element
 * @mc: channels per channel chunk (a multiple of 8)
 * @mb: channel chunks per pixel block
 *
 * Unit u is channel chunk u % mb of pixel block (u / mb) % nb of batch
 * element u / (mb * nb).
 */
struct npu_fw_pk {
	__u32 m, k, n, batch;
	__u32 pb, nb, mc, mb;
};

static int npu_fw_is_packed(const struct npu_fw_job *job, const struct npu_cmd_op *op)
{
	return (op->opcode == NPU_OP_GEMM || op->opcode == NPU_OP_CONV2D) &&
	       (npu_fw_tensor(job, op->inputs[1])->flags & NPU_TENSOR_PACKED_V1);
}

static __u32 npu_fw_div_up(__u32 a, __u32 b)
{
	return a / b + (a % b != 0);
}

static void npu_fw_pk_geom(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			   struct npu_fw_pk *g)
{
	const struct npu_cmd_tensor *w = npu_fw_tensor(job, op->inputs[1]);
	const struct npu_cmd_tensor *y = npu_fw_tensor(job, op->outputs[0]);
	unsigned long lim;
	__u32 want;

	g->m = w->shape[0];
	if (op->opcode == NPU_OP_GEMM) {
		g->k = w->shape[1];
		g->n = y->shape[0];
		g->batch = 1;
	} else {
		g->k = w->shape[1] * w->shape[2] * w->shape[3];
		g->n = y->shape[2] * y->shape[3];
		g->batch = y->shape[0];
	}
	/* at most 2^25 multiply-adds per unit: 8 * pb * k <= 2^25 (k <= 2^22) */
	lim = NPU_FW_PK_UNIT_MACS / 8 / g->k;
	g->pb = g->n;
	if (g->pb > NPU_FW_PIX_BLOCK) {
		g->nb = npu_fw_div_up(g->n, NPU_FW_PIX_BLOCK);
		g->pb = npu_fw_div_up(npu_fw_div_up(g->n, g->nb), NPU_FW_PIX_ALIGN) *
			NPU_FW_PIX_ALIGN;
	}
	if (g->pb > lim)
		g->pb = lim ? (__u32)lim : 1;
	g->nb = npu_fw_div_up(g->n, g->pb);

	lim = NPU_FW_PK_UNIT_MACS / ((unsigned long)g->pb * g->k);
	g->mc = npu_fw_div_up(g->m, 8) * 8;
	if (g->mc > lim)
		g->mc = lim < 8 ? 8 : (__u32)(lim / 8 * 8);
	/* enough units for the threads to share */
	if ((unsigned long)g->batch * g->nb * npu_fw_div_up(g->m, g->mc) < NPU_FW_MIN_UNITS) {
		want = npu_fw_div_up(NPU_FW_MIN_UNITS, g->batch * g->nb);
		want = npu_fw_div_up(npu_fw_div_up(g->m, want), 8) * 8;
		if (want < g->mc)
			g->mc = want;
	}
	g->mb = npu_fw_div_up(g->m, g->mc);
}

static void npu_fw_kern_act(__u32 act, __u32 amin, __u32 amax, __u32 alpha, __u32 beta,
			    struct npu_kern_act *k)
{
	static const __u32 map[NPU_ACT_COUNT] = {
		[NPU_ACT_NONE] = NPU_KERN_ACT_NONE,
		[NPU_ACT_RELU] = NPU_KERN_ACT_RELU,
		[NPU_ACT_CLIP] = NPU_KERN_ACT_CLIP,
		[NPU_ACT_SIGMOID] = NPU_KERN_ACT_SIGMOID,
		[NPU_ACT_HARD_SIGMOID] = NPU_KERN_ACT_HARD_SIGMOID,
		[NPU_ACT_HARD_SWISH] = NPU_KERN_ACT_HARD_SWISH,
	};

	k->type = act < NPU_ACT_COUNT ? map[act] : NPU_KERN_ACT_NONE;
	k->lo = npu_fw_f32(amin);
	k->hi = npu_fw_f32(amax);
	k->alpha = npu_fw_f32(alpha);
	k->beta = npu_fw_f32(beta);
}

static const struct npu_kern_ops *npu_fw_kern_of(const struct npu_fw_job *job)
{
	return job->kern ? job->kern : npu_kern_select(NPU_KERN_ISA_SCALAR, NPU_KERN_EXACT);
}

/* the int8 kernels' operands of a quantized GEMM or CONV2D */
static void npu_fw_pk_q8(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			 __u32 act, __u32 amin, __u32 amax, struct npu_kern_q8 *q)
{
	struct npu_fw_mac m;

	npu_fw_mac_init(job, op, act, amin, amax, &m);
	q->w = m.w;
	q->bias = m.bias;
	q->x = m.x;
	q->x_signed = m.xt->dtype == NPU_DTYPE_I8;
	q->y = m.y;
	q->y_signed = m.yt->dtype == NPU_DTYPE_I8;
	q->zx = m.zx;
	q->zw = m.zw;
	q->zy = m.zy;
	q->lo = m.lo;
	q->hi = m.hi;
	q->sx = m.sx;
	q->sy = m.sy;
	q->sw = m.wt->quant_type == NPU_QUANT_PER_TENSOR ?
		(double)npu_fw_f32(m.wt->scale) : 1.0;
	q->wscale = m.wscale;
}

/* int8: channels [m0, m1) x pixels [n0, n1) of batch element @b */
static void npu_fw_pk_block_q8(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			       __u32 b, __u32 m0, __u32 m1, __u32 n0, __u32 n1,
			       void *scratch)
{
	const struct npu_kern_ops *kern = npu_fw_kern_of(job);
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	const struct npu_cmd_tensor *wt = npu_fw_tensor(job, op->inputs[1]);
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);

	if (op->opcode == NPU_OP_GEMM) {
		struct npu_kern_gemm_q8 p = {
			.b_ks = 1,
			.b_ns = xt->shape[1],
			.c_ms = 1,
			.c_ns = yt->shape[1],
			.m = wt->shape[0],
			.n = yt->shape[0],
			.k = wt->shape[1],
		};

		npu_fw_pk_q8(job, op, op->gemm.activation, op->gemm.act_min, op->gemm.act_max,
			     &p.q);
		kern->gemm_q8(&p, m0, m1, n0, n1, scratch);
	} else {
		const struct npu_op_conv2d *c = &op->conv2d;
		unsigned long xs = (unsigned long)xt->shape[1] * xt->shape[2] * xt->shape[3];
		unsigned long ys = (unsigned long)yt->shape[1] * yt->shape[2] * yt->shape[3];
		struct npu_kern_conv_q8 p = {
			.c = xt->shape[1], .h = xt->shape[2], .iw = xt->shape[3],
			.oc = yt->shape[1], .oh = yt->shape[2], .ow = yt->shape[3],
			.kh = wt->shape[2], .kw = wt->shape[3],
			.stride_h = c->stride_h, .stride_w = c->stride_w,
			.dil_h = c->dilation_h, .dil_w = c->dilation_w,
			.pad_top = c->pad_top, .pad_left = c->pad_left,
		};

		npu_fw_pk_q8(job, op, c->activation, c->act_min, c->act_max, &p.q);
		p.q.x = (const __u8 *)p.q.x + b * xs;
		p.q.y = (__u8 *)p.q.y + b * ys;
		kern->conv_q8(&p, m0, m1, n0, n1, scratch);
	}
}

/* channels [m0, m1) x pixels [n0, n1) of batch element @b */
static void npu_fw_pk_block(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			    __u32 b, __u32 m0, __u32 m1, __u32 n0, __u32 n1, void *scratch)
{
	const struct npu_kern_ops *kern = npu_fw_kern_of(job);
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	const struct npu_cmd_tensor *wt = npu_fw_tensor(job, op->inputs[1]);
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	const float *bias = op->inputs[2] == NPU_CMD_NO_TENSOR ? NULL :
			    npu_fw_data(job, npu_fw_tensor(job, op->inputs[2]));

	if (wt->dtype == NPU_DTYPE_I8) {
		npu_fw_pk_block_q8(job, op, b, m0, m1, n0, n1, scratch);
		return;
	}
	if (op->opcode == NPU_OP_GEMM) {
		struct npu_kern_gemm_f32 p = {
			.w = npu_fw_data(job, wt),
			.bias = bias,
			.b = npu_fw_data(job, xt),
			.b_ks = 1,
			.b_ns = xt->shape[1],
			.c = npu_fw_data(job, yt),
			.c_ms = 1,
			.c_ns = yt->shape[1],
			.m = wt->shape[0],
			.n = yt->shape[0],
			.k = wt->shape[1],
		};

		npu_fw_kern_act(op->gemm.activation, op->gemm.act_min, op->gemm.act_max,
				op->gemm.act_alpha, op->gemm.act_beta, &p.act);
		kern->gemm_f32(&p, m0, m1, n0, n1, scratch);
	} else {
		const struct npu_op_conv2d *c = &op->conv2d;
		unsigned long xs = (unsigned long)xt->shape[1] * xt->shape[2] * xt->shape[3];
		unsigned long ys = (unsigned long)yt->shape[1] * yt->shape[2] * yt->shape[3];
		struct npu_kern_conv_f32 p = {
			.w = npu_fw_data(job, wt),
			.bias = bias,
			.x = (const float *)npu_fw_data(job, xt) + b * xs,
			.y = (float *)npu_fw_data(job, yt) + b * ys,
			.c = xt->shape[1], .h = xt->shape[2], .iw = xt->shape[3],
			.oc = yt->shape[1], .oh = yt->shape[2], .ow = yt->shape[3],
			.kh = wt->shape[2], .kw = wt->shape[3],
			.stride_h = c->stride_h, .stride_w = c->stride_w,
			.dil_h = c->dilation_h, .dil_w = c->dilation_w,
			.pad_top = c->pad_top, .pad_left = c->pad_left,
		};

		npu_fw_kern_act(c->activation, c->act_min, c->act_max, c->act_alpha,
				c->act_beta, &p.act);
		kern->conv_f32(&p, m0, m1, n0, n1, scratch);
	}
}

static void npu_fw_pk_run(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			  __u32 first, __u32 count, void *scratch)
{
	__u32 u = first, end = first + count, blk, mc0, mc1, b, pbi, n0, n1;
	struct npu_fw_pk g;

	npu_fw_pk_geom(job, op, &g);
	while (u < end) {
		/* the units left in this pixel block run as one call */
		blk = u / g.mb;
		mc0 = u % g.mb;
		mc1 = g.mb;
		if (end - u < mc1 - mc0)
			mc1 = mc0 + (end - u);
		b = blk / g.nb;
		pbi = blk % g.nb;
		n0 = pbi * g.pb;
		n1 = g.n - n0 < g.pb ? g.n : n0 + g.pb;
		npu_fw_pk_block(job, op, b, mc0 * g.mc,
				mc1 * g.mc < g.m ? mc1 * g.mc : g.m, n0, n1, scratch);
		u += mc1 - mc0;
	}
}

static int npu_fw_is_depthwise(const struct npu_fw_job *job, const struct npu_cmd_op *op)
{
	const struct npu_cmd_tensor *x = npu_fw_tensor(job, op->inputs[0]);

	return op->opcode == NPU_OP_CONV2D && x->dtype == NPU_DTYPE_F32 &&
	       op->conv2d.groups > 1 && op->conv2d.groups == x->shape[1];
}

/* units [first, first + count) of a depthwise CONV2D: (n, oc, output row) */
static void npu_fw_dw_run(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			  __u32 first, __u32 count)
{
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	const struct npu_cmd_tensor *wt = npu_fw_tensor(job, op->inputs[1]);
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	const struct npu_op_conv2d *c = &op->conv2d;
	__u32 oc = yt->shape[1], oh = yt->shape[2], u = first, end = first + count;
	__u32 n, ch, row, ch1, row1;
	struct npu_kern_dw_f32 p = {
		.w = npu_fw_data(job, wt),
		.bias = op->inputs[2] == NPU_CMD_NO_TENSOR ? NULL :
			npu_fw_data(job, npu_fw_tensor(job, op->inputs[2])),
		.c = xt->shape[1], .mult = oc / xt->shape[1],
		.h = xt->shape[2], .iw = xt->shape[3],
		.oh = oh, .ow = yt->shape[3],
		.kh = wt->shape[2], .kw = wt->shape[3],
		.stride_h = c->stride_h, .stride_w = c->stride_w,
		.dil_h = c->dilation_h, .dil_w = c->dilation_w,
		.pad_top = c->pad_top, .pad_left = c->pad_left,
	};

	npu_fw_kern_act(c->activation, c->act_min, c->act_max, c->act_alpha, c->act_beta,
			&p.act);
	while (u < end) {
		row = u % oh;
		ch = (u / oh) % oc;
		n = u / oh / oc;
		if (row == 0 && end - u >= oh) {
			/* whole channels, up to the end of this batch element */
			ch1 = ch + (end - u) / oh;
			if (ch1 > oc)
				ch1 = oc;
			row1 = oh;
		} else {
			ch1 = ch + 1;
			row1 = end - u < oh - row ? row + (end - u) : oh;
		}
		p.x = (const float *)npu_fw_data(job, xt) +
		      (unsigned long)n * xt->shape[1] * xt->shape[2] * xt->shape[3];
		p.y = (float *)npu_fw_data(job, yt) + (unsigned long)n * oc * oh * yt->shape[3];
		job->kern->dw_f32(&p, ch, ch1, row, row1, NULL);
		u += ch1 > ch + 1 ? (ch1 - ch) * oh : row1 - row;
	}
}

/*
 * CONV_TRANSPOSE2D 2x2 stride 2 through the GEMM kernel (a job with a
 * kernel table, groups == 1, no padding or dilation, small enough weights):
 * W [C][OC][2][2] read with a stride of 1 between rows and 4 * OC between
 * columns is the (4 OC) x C matrix whose row r = 4 o + 2 kh + kw holds
 * W[:, o, kh, kw]; times input row i (C x W) it gives, in row r, output
 * row 2i + kh of channel o at columns 2j + kw. Units: (n, input row); a
 * call packs the matrix (and a bias per row) into the scratch once, then
 * runs the GEMM on chunks of columns into the scratch and scatters them.
 * The sums are the GEMM's (bias, then input channels ascending), as the
 * loops of npu_fw_convt_row() in EXACT mode.
 */
#define NPU_FW_CONVT_PACK_MAX	16384
#define NPU_FW_CONVT_BIAS_MAX	16384
#define NPU_FW_CONVT_T_MAX	65536
#define NPU_FW_CONVT_SCRATCH	(NPU_FW_CONVT_PACK_MAX + NPU_FW_CONVT_BIAS_MAX + \
				 NPU_FW_CONVT_T_MAX)

static int npu_fw_convt_gemm(const struct npu_fw_job *job, const struct npu_cmd_op *op)
{
	const struct npu_op_conv2d *p = &op->conv2d;
	const struct npu_cmd_tensor *xt, *wt, *yt;

	if (!job->kern || op->opcode != NPU_OP_CONV_TRANSPOSE2D || p->groups != 1 ||
	    p->stride_h != 2 || p->stride_w != 2 || p->dilation_h != 1 || p->dilation_w != 1 ||
	    p->pad_top || p->pad_left)
		return 0;
	xt = npu_fw_tensor(job, op->inputs[0]);
	wt = npu_fw_tensor(job, op->inputs[1]);
	yt = npu_fw_tensor(job, op->outputs[0]);
	/* 4 * OC <= 4096: the bias region; the packed matrix within its region */
	return wt->shape[2] == 2 && wt->shape[3] == 2 &&
	       yt->shape[2] == 2 * xt->shape[2] &&
	       yt->shape[3] == 2 * xt->shape[3] &&
	       wt->shape[1] <= NPU_FW_CONVT_BIAS_MAX / 16 &&
	       npu_kern_pack_f32_size(4 * wt->shape[1], wt->shape[0]) <= NPU_FW_CONVT_PACK_MAX;
}

static void npu_fw_convt_gemm_run(const struct npu_fw_job *job, const struct npu_cmd_op *op,
				  __u32 first, __u32 count, void *scratch)
{
	const struct npu_cmd_tensor *xt = npu_fw_tensor(job, op->inputs[0]);
	const struct npu_cmd_tensor *wt = npu_fw_tensor(job, op->inputs[1]);
	const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);
	__u32 c = xt->shape[1], h = xt->shape[2], w = xt->shape[3], oc = yt->shape[1];
	__u32 ow = yt->shape[3], m = 4 * oc, u, n, i, j0, jn, r, j;
	const float *bias = op->inputs[2] == NPU_CMD_NO_TENSOR ? NULL :
			    npu_fw_data(job, npu_fw_tensor(job, op->inputs[2]));
	float *packed = scratch;
	float *bias4 = (float *)((char *)scratch + NPU_FW_CONVT_PACK_MAX);
	float *t = (float *)((char *)bias4 + NPU_FW_CONVT_BIAS_MAX);
	void *kscratch = (char *)t + NPU_FW_CONVT_T_MAX;
	/* columns per chunk: the 4 OC x chunk result fits the T region */
	__u32 chunk = NPU_FW_CONVT_T_MAX / 4 / m;
	unsigned long orow;
	float *yrow;
	struct npu_kern_gemm_f32 g = {
		.w = packed,
		.bias = bias ? bias4 : NULL,
		.b_ks = (long)h * w,
		.b_ns = 1,
		.c = t,
		.c_ms = chunk,
		.c_ns = 1,
		.m = m,
		.k = c,
	};

	npu_fw_kern_act(op->conv2d.activation, op->conv2d.act_min, op->conv2d.act_max,
			op->conv2d.act_alpha, op->conv2d.act_beta, &g.act);
	npu_kern_pack_f32(packed, npu_fw_data(job, wt), 1, (long)m, m, c);
	for (r = 0; bias && r < m; r++)
		bias4[r] = bias[r / 4];
	for (u = first; u < first + count; u++) {
		i = u % h;
		n = u / h;
		for (j0 = 0; j0 < w; j0 += jn) {
			jn = w - j0 < chunk ? w - j0 : chunk;
			g.n = jn;
			g.b = (const float *)npu_fw_data(job, xt) +
			      ((unsigned long)n * c * h + i) * w + j0;
			job->kern->gemm_f32(&g, 0, m, 0, jn, kscratch);
			/* row r = 4 o + 2 kh + kw to output (o, 2 i + kh, 2 j + kw) */
			for (r = 0; r < m; r++) {
				orow = ((unsigned long)n * oc + r / 4) * 2 * h + 2 * i + r / 2 % 2;
				yrow = (float *)npu_fw_data(job, yt) + orow * ow + 2 * j0 + r % 2;
				for (j = 0; j < jn; j++)
					yrow[2 * j] = t[(unsigned long)r * chunk + j];
			}
		}
	}
}

unsigned long npu_fw_scratch_size(const struct npu_fw_job *job)
{
	const struct npu_cmd_header *h = job->cmd;
	const struct npu_cmd_op *op;
	const struct npu_cmd_tensor *wt;
	unsigned long size = 0, need;
	__u32 i;

	for (i = 0; i < h->num_ops; i++) {
		op = npu_fw_op(job, i);
		need = 0;
		if (npu_fw_is_packed(job, op)) {
			wt = npu_fw_tensor(job, op->inputs[1]);
			/* at most NPU_TENSOR_PACKED_Q8_MAX_COLS columns (validated) */
			if (wt->dtype == NPU_DTYPE_I8)
				need = npu_kern_scratch_size(NPU_KERN_GEMM_Q8,
							     npu_fw_nelems(wt) / wt->shape[0]);
			else
				need = npu_kern_scratch_size(NPU_KERN_GEMM_F32, 0);
		}
		if (npu_fw_convt_gemm(job, op))
			need = NPU_FW_CONVT_SCRATCH + npu_kern_scratch_size(NPU_KERN_GEMM_F32, 0);
		if (need > size)
			size = need;
	}
	return size;
}

static __u32 npu_fw_softmax_units(const struct npu_fw_job *job, const struct npu_cmd_op *op)
{
	struct npu_fw_sm g;

	npu_fw_sm_geom(npu_fw_tensor(job, op->inputs[0]), op->axis.axis, &g);
	return (__u32)((g.lanes + g.per_unit - 1) / g.per_unit);
}

__u32 npu_fw_units(const struct npu_fw_job *job, __u32 op_index)
{
	const struct npu_cmd_op *op = npu_fw_op(job, op_index);
	const struct npu_cmd_tensor *y = npu_fw_tensor(job, op->outputs[0]);

	if (npu_fw_is_packed(job, op)) {
		struct npu_fw_pk g;

		npu_fw_pk_geom(job, op, &g);
		return g.batch * g.nb * g.mb;
	}
	if (npu_fw_convt_gemm(job, op))
		return y->shape[0] * (y->shape[2] / 2);
	switch (op->opcode) {
	case NPU_OP_GEMM:
		return y->shape[0];
	case NPU_OP_CONV2D:
	case NPU_OP_CONV_TRANSPOSE2D:
	case NPU_OP_MAXPOOL:
	case NPU_OP_AVGPOOL:
	case NPU_OP_RESIZE:
		return y->shape[0] * y->shape[1] * y->shape[2];
	case NPU_OP_GLOBAL_AVGPOOL:
		return y->shape[0] * y->shape[1];
	case NPU_OP_SOFTMAX:
		return npu_fw_softmax_units(job, op);
	default:
		return (__u32)((npu_fw_nelems(y) + NPU_FW_ELTWISE_CHUNK - 1) /
			       NPU_FW_ELTWISE_CHUNK);
	}
}

/* the element-wise ops (one unit: NPU_FW_ELTWISE_CHUNK elements of Y) */
static void npu_fw_run_eltwise(const struct npu_fw_job *job, const struct npu_cmd_op *op,
			       __u32 first, __u32 count)
{
	unsigned long n = npu_fw_nelems(npu_fw_tensor(job, op->outputs[0]));
	unsigned long e0 = (unsigned long)first * NPU_FW_ELTWISE_CHUNK;
	unsigned long e1 = (unsigned long)(first + count) * NPU_FW_ELTWISE_CHUNK;

	if (e1 > n)
		e1 = n;
	switch (op->opcode) {
	case NPU_OP_ADD:
	case NPU_OP_SUB:
	case NPU_OP_MUL:
	case NPU_OP_DIV:
		npu_fw_binary(job, op, e0, e1);
		break;
	case NPU_OP_RELU:
	case NPU_OP_CLIP:
		npu_fw_clamp_op(job, op, e0, e1);
		break;
	case NPU_OP_SIGMOID:
	case NPU_OP_HARD_SIGMOID:
	case NPU_OP_HARD_SWISH:
	case NPU_OP_TANH:
		npu_fw_unary_f32(job, op, e0, e1);
		break;
	case NPU_OP_CONCAT:
		npu_fw_concat_op(job, op, e0, e1);
		break;
	case NPU_OP_TRANSPOSE:
		npu_fw_transpose_op(job, op, e0, e1);
		break;
	case NPU_OP_COPY:
		npu_fw_copy_op(job, op, e0, e1);
		break;
	case NPU_OP_QUANTIZE:
		npu_fw_quantize_op(job, op, e0, e1);
		break;
	case NPU_OP_DEQUANTIZE:
		npu_fw_dequantize_op(job, op, e0, e1);
		break;
	default:
		break;
	}
}

void npu_fw_run(const struct npu_fw_job *job, __u32 op_index, __u32 first, __u32 count,
		void *scratch)
{
	const struct npu_cmd_op *op = npu_fw_op(job, op_index);
	__u32 units = npu_fw_units(job, op_index), u;
	struct npu_fw_conv g;
	struct npu_fw_mac m;
	struct npu_fw_act a;

	if (first >= units)
		return;
	if (count > units - first)
		count = units - first;

	if (npu_fw_is_packed(job, op)) {
		npu_fw_pk_run(job, op, first, count, scratch);
		return;
	}
	if (npu_fw_convt_gemm(job, op)) {
		npu_fw_convt_gemm_run(job, op, first, count, scratch);
		return;
	}
	if (job->kern && npu_fw_is_depthwise(job, op)) {
		npu_fw_dw_run(job, op, first, count);
		return;
	}
	switch (op->opcode) {
	case NPU_OP_GEMM:
		npu_fw_mac_init(job, op, op->gemm.activation, op->gemm.act_min,
				op->gemm.act_max, &m);
		npu_fw_act_init(&a, op->gemm.activation, op->gemm.act_min, op->gemm.act_max,
				op->gemm.act_alpha, op->gemm.act_beta);
		for (u = first; u < first + count; u++) {
			if (m.xt->dtype == NPU_DTYPE_F32) {
				npu_fw_gemm_f32(&m, u, op->gemm.flags & NPU_GEMM_TRANS_B);
				npu_fw_act_f32((float *)m.y + (unsigned long)u * m.yt->shape[1],
					       m.yt->shape[1], &a);
			} else {
				npu_fw_gemm_q(&m, u, op->gemm.flags & NPU_GEMM_TRANS_B);
			}
		}
		break;
	case NPU_OP_CONV2D:
		npu_fw_mac_init(job, op, op->conv2d.activation, op->conv2d.act_min,
				op->conv2d.act_max, &m);
		npu_fw_act_init(&a, op->conv2d.activation, op->conv2d.act_min,
				op->conv2d.act_max, op->conv2d.act_alpha, op->conv2d.act_beta);
		npu_fw_conv_geom(&m, &op->conv2d, &g);
		for (u = first; u < first + count; u++) {
			if (m.xt->dtype == NPU_DTYPE_F32) {
				npu_fw_conv_f32(&m, &g, u);
				npu_fw_act_f32((float *)m.y + (unsigned long)u * g.ow, g.ow, &a);
			} else {
				npu_fw_conv_q(&m, &g, u);
			}
		}
		break;
	case NPU_OP_CONV_TRANSPOSE2D:
		npu_fw_act_init(&a, op->conv2d.activation, op->conv2d.act_min,
				op->conv2d.act_max, op->conv2d.act_alpha, op->conv2d.act_beta);
		for (u = first; u < first + count; u++) {
			const struct npu_cmd_tensor *yt = npu_fw_tensor(job, op->outputs[0]);

			npu_fw_convt_row(job, op, u);
			npu_fw_act_f32((float *)npu_fw_data(job, yt) +
				       (unsigned long)u * yt->shape[3], yt->shape[3], &a);
		}
		break;
	case NPU_OP_MAXPOOL:
	case NPU_OP_AVGPOOL:
		for (u = first; u < first + count; u++)
			npu_fw_pool_row(job, op, u);
		break;
	case NPU_OP_GLOBAL_AVGPOOL:
		for (u = first; u < first + count; u++)
			npu_fw_global_avgpool(job, op, u);
		break;
	case NPU_OP_RESIZE:
		if (op->resize.mode == NPU_RESIZE_NEAREST) {
			npu_fw_resize_nearest_rows(job, op, first, count);
			break;
		}
		for (u = first; u < first + count; u++)
			npu_fw_resize_row(job, op, u);
		break;
	case NPU_OP_SOFTMAX:
		npu_fw_softmax_op(job, op, first, count);
		break;
	default:
		npu_fw_run_eltwise(job, op, first, count);
		break;
	}
}

/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * npu selftests: reference implementations of the command-stream ops,
 * written independently of firmware/ so that a bug there cannot hide here.
 *
 * Float ops accumulate in double and report, per output, the magnitude
 * sum(|term|) so results are compared with a relative tolerance of 1e-5 of
 * that magnitude (robust against cancellation, independent of summation
 * order).
 *
 * Quantized ops: the tests use power-of-two scales, so the rescaled value
 * v = real / out_scale is exact in double. The uAPI does not name the
 * rounding of ties, so both round-half-away-from-zero and round-half-to-even
 * are accepted; away from ties both agree and the check is exact.
 */
#ifndef NPU_REF_H
#define NPU_REF_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux/npu_cmd.h"

#define NPU_REF_RTOL	1e-5

static inline float npu_ref_u2f(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static inline int32_t ref_qmin(uint32_t dtype)
{
	return dtype == NPU_DTYPE_U8 ? 0 : dtype == NPU_DTYPE_I8 ? -128 : INT32_MIN;
}

static inline int32_t ref_qmax(uint32_t dtype)
{
	return dtype == NPU_DTYPE_U8 ? 255 : dtype == NPU_DTYPE_I8 ? 127 : INT32_MAX;
}

static inline double ref_act(double v, uint32_t act, double lo, double hi)
{
	if (act == NPU_ACT_RELU)
		return v > 0 ? v : 0;
	if (act == NPU_ACT_CLIP)
		return v < lo ? lo : v > hi ? hi : v;
	return v;
}

/* The two acceptable quantized results of rescaled value @v. */
struct ref_q {
	int32_t a, b;
};

static inline int32_t ref_sat(double v, uint32_t dtype)
{
	if (v < ref_qmin(dtype))
		return ref_qmin(dtype);
	if (v > ref_qmax(dtype))
		return ref_qmax(dtype);
	return (int32_t)v;
}

static inline struct ref_q ref_requant(double v, int32_t zp, uint32_t dtype)
{
	struct ref_q q;
	double away = round(v), even = nearbyint(v);

	q.a = ref_sat(away + zp, dtype);
	q.b = ref_sat(even + zp, dtype);
	return q;
}

/* Load/store integer tensors of any dtype as int32. */
static inline void ref_store(void *dst, uint32_t dtype, const int32_t *v,
			     size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (dtype == NPU_DTYPE_I8)
			((int8_t *)dst)[i] = (int8_t)v[i];
		else if (dtype == NPU_DTYPE_U8)
			((uint8_t *)dst)[i] = (uint8_t)v[i];
		else
			((int32_t *)dst)[i] = v[i];
	}
}

static inline int32_t ref_load1(const void *src, uint32_t dtype, size_t i)
{
	if (dtype == NPU_DTYPE_I8)
		return ((const int8_t *)src)[i];
	if (dtype == NPU_DTYPE_U8)
		return ((const uint8_t *)src)[i];
	return ((const int32_t *)src)[i];
}

/* Number of mismatches (the first few are printed as KTAP diagnostics). */
static inline int ref_check_f32(const char *what, const float *got,
				const double *ref, const double *mag, size_t n)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double tol = NPU_REF_RTOL * (mag ? mag[i] : fabs(ref[i]));
		double d = fabs((double)got[i] - ref[i]);

		if (tol < 1e-30)
			tol = 1e-30;
		if (!(d <= tol)) {
			if (bad < 5)
				fprintf(stderr,
					"# %s[%zu] = %.9g, expected %.9g (tol %.3g)\n",
					what, i, got[i], ref[i], tol);
			bad++;
		}
	}
	return bad;
}

static inline int ref_check_q(const char *what, const void *got,
			      uint32_t dtype, const struct ref_q *ref, size_t n)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int32_t g = ref_load1(got, dtype, i);

		if (g != ref[i].a && g != ref[i].b) {
			if (bad < 5)
				fprintf(stderr,
					"# %s[%zu] = %d, expected %d%s%.0d\n",
					what, i, g, ref[i].a,
					ref[i].a != ref[i].b ? " or " : "",
					ref[i].a != ref[i].b ? ref[i].b : 0);
			bad++;
		}
	}
	return bad;
}

/* ---- GEMM ---------------------------------------------------------- */

/* B is [K, N], or [N, K] when @trans_b. @bias may be NULL. */
static inline void ref_gemm_f32(uint32_t m, uint32_t k, uint32_t n,
				const float *a, const float *b, int trans_b,
				const float *bias, uint32_t act, float lo,
				float hi, double *y, double *mag)
{
	uint32_t i, j, l;

	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			double acc = bias ? bias[j] : 0, mg = bias ? fabs(bias[j]) : 0;

			for (l = 0; l < k; l++) {
				double t = (double)a[i * k + l] *
					   (trans_b ? b[j * k + l] : b[l * n + j]);

				acc += t;
				mg += fabs(t);
			}
			y[i * n + j] = ref_act(acc, act, lo, hi);
			mag[i * n + j] = mg;
		}
}

/*
 * Quantized GEMM. @sb holds one scale per output column (all equal for
 * per-tensor B); B's zero point is 0 by definition; @bias may be NULL.
 */
static inline void ref_gemm_q(uint32_t m, uint32_t k, uint32_t n,
			      const int32_t *a, float sa, int32_t za,
			      const int32_t *b, const float *sb, int trans_b,
			      const int32_t *bias, float sy, int32_t zy,
			      uint32_t ydtype, uint32_t act, float lo, float hi,
			      struct ref_q *y)
{
	uint32_t i, j, l;

	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			int64_t acc = bias ? bias[j] : 0;
			double real;

			for (l = 0; l < k; l++)
				acc += (int64_t)(a[i * k + l] - za) *
				       (trans_b ? b[j * k + l] : b[l * n + j]);
			real = (double)acc * sa * sb[j];
			real = ref_act(real, act, lo, hi);
			y[i * n + j] = ref_requant(real / sy, zy, ydtype);
		}
}

/* ---- CONV2D -------------------------------------------------------- */

struct ref_conv {
	uint32_t n, c, h, w;		/* input */
	uint32_t oc, kh, kw;		/* weights [oc, c / groups, kh, kw] */
	struct npu_op_conv2d p;
	uint32_t oh, ow;		/* output, filled by ref_conv_shape() */
};

static inline void ref_conv_shape(struct ref_conv *r)
{
	r->oh = (r->h + r->p.pad_top + r->p.pad_bottom -
		 r->p.dilation_h * (r->kh - 1) - 1) / r->p.stride_h + 1;
	r->ow = (r->w + r->p.pad_left + r->p.pad_right -
		 r->p.dilation_w * (r->kw - 1) - 1) / r->p.stride_w + 1;
}

static inline size_t ref_conv_ysize(const struct ref_conv *r)
{
	return (size_t)r->n * r->oc * r->oh * r->ow;
}

/* Direct convolution; padding contributes zeros (real terms). */
static inline void ref_conv2d_f32(const struct ref_conv *r, const float *x,
				  const float *w, const float *bias,
				  double *y, double *mag)
{
	uint32_t cpg = r->c / r->p.groups, opg = r->oc / r->p.groups;
	uint32_t b, o, oy, ox, ci, ky, kx;

	for (b = 0; b < r->n; b++)
		for (o = 0; o < r->oc; o++)
			for (oy = 0; oy < r->oh; oy++)
				for (ox = 0; ox < r->ow; ox++) {
					uint32_t g = o / opg;
					double acc = bias ? bias[o] : 0;
					double mg = bias ? fabs(bias[o]) : 0;
					size_t yi;

					for (ci = 0; ci < cpg; ci++)
						for (ky = 0; ky < r->kh; ky++)
							for (kx = 0; kx < r->kw; kx++) {
								int64_t iy = (int64_t)oy * r->p.stride_h + (int64_t)ky * r->p.dilation_h - r->p.pad_top;
								int64_t ix = (int64_t)ox * r->p.stride_w + (int64_t)kx * r->p.dilation_w - r->p.pad_left;
								uint32_t c = g * cpg + ci;
								double t;

								if (iy < 0 || ix < 0 || iy >= r->h || ix >= r->w)
									continue;
								t = (double)x[((size_t)(b * r->c + c) * r->h + iy) * r->w + ix] *
								    w[((size_t)(o * cpg + ci) * r->kh + ky) * r->kw + kx];
								acc += t;
								mg += fabs(t);
							}
					yi = ((size_t)(b * r->oc + o) * r->oh + oy) * r->ow + ox;
					y[yi] = ref_act(acc, r->p.activation,
							npu_ref_u2f(r->p.act_min),
							npu_ref_u2f(r->p.act_max));
					mag[yi] = mg;
				}
}

/* @sw: one scale per output channel (all equal for per-tensor weights). */
static inline void ref_conv2d_q(const struct ref_conv *r, const int32_t *x,
				float sx, int32_t zx, const int32_t *w,
				const float *sw, const int32_t *bias, float sy,
				int32_t zy, uint32_t ydtype, struct ref_q *y)
{
	uint32_t cpg = r->c / r->p.groups, opg = r->oc / r->p.groups;
	uint32_t b, o, oy, ox, ci, ky, kx;

	for (b = 0; b < r->n; b++)
		for (o = 0; o < r->oc; o++)
			for (oy = 0; oy < r->oh; oy++)
				for (ox = 0; ox < r->ow; ox++) {
					uint32_t g = o / opg;
					int64_t acc = bias ? bias[o] : 0;
					double real;

					for (ci = 0; ci < cpg; ci++)
						for (ky = 0; ky < r->kh; ky++)
							for (kx = 0; kx < r->kw; kx++) {
								int64_t iy = (int64_t)oy * r->p.stride_h + (int64_t)ky * r->p.dilation_h - r->p.pad_top;
								int64_t ix = (int64_t)ox * r->p.stride_w + (int64_t)kx * r->p.dilation_w - r->p.pad_left;
								uint32_t c = g * cpg + ci;

								/* zero padding in real terms: x == zx */
								if (iy < 0 || ix < 0 || iy >= r->h || ix >= r->w)
									continue;
								acc += (int64_t)(x[((size_t)(b * r->c + c) * r->h + iy) * r->w + ix] - zx) *
								       w[((size_t)(o * cpg + ci) * r->kh + ky) * r->kw + kx];
							}
					real = (double)acc * sx * sw[o];
					real = ref_act(real, r->p.activation,
						       npu_ref_u2f(r->p.act_min),
						       npu_ref_u2f(r->p.act_max));
					y[((size_t)(b * r->oc + o) * r->oh + oy) * r->ow + ox] =
						ref_requant(real / sy, zy, ydtype);
				}
}

/* ---- element-wise -------------------------------------------------- */

/* Index into B (NumPy broadcast, right-aligned) for flat index @i of A. */
static inline size_t ref_bcast(size_t i, uint32_t andim, const uint32_t *ash,
			       uint32_t bndim, const uint32_t *bsh)
{
	size_t bi = 0, bstride = 1;
	int d;

	for (d = (int)andim - 1; d >= 0; d--) {
		uint32_t coord = i % ash[d];
		int bd = d - (int)(andim - bndim);

		i /= ash[d];
		if (bd < 0)
			continue;
		if (bsh[bd] != 1)
			bi += coord * bstride;
		bstride *= bsh[bd];
	}
	return bi;
}

static inline size_t ref_elems(uint32_t ndim, const uint32_t *sh)
{
	size_t n = 1;
	uint32_t i;

	for (i = 0; i < ndim; i++)
		n *= sh[i];
	return n;
}

static inline void ref_add_f32(uint32_t andim, const uint32_t *ash,
			       const float *a, uint32_t bndim,
			       const uint32_t *bsh, const float *b,
			       uint32_t act, float lo, float hi, double *y,
			       double *mag)
{
	size_t i, n = ref_elems(andim, ash);

	for (i = 0; i < n; i++) {
		float bv = b[ref_bcast(i, andim, ash, bndim, bsh)];

		y[i] = ref_act((double)a[i] + bv, act, lo, hi);
		mag[i] = fabs(a[i]) + fabs(bv);
	}
}

static inline void ref_add_q(uint32_t andim, const uint32_t *ash,
			     const int32_t *a, float sa, int32_t za,
			     uint32_t bndim, const uint32_t *bsh,
			     const int32_t *b, float sb, int32_t zb, float sy,
			     int32_t zy, uint32_t dtype, uint32_t act,
			     float lo, float hi, struct ref_q *y)
{
	size_t i, n = ref_elems(andim, ash);

	for (i = 0; i < n; i++) {
		int32_t bv = b[ref_bcast(i, andim, ash, bndim, bsh)];
		double real = (double)(a[i] - za) * sa + (double)(bv - zb) * sb;

		y[i] = ref_requant(ref_act(real, act, lo, hi) / sy, zy, dtype);
	}
}

/* ---- whole-stream verification ------------------------------------ */

/*
 * Recompute every op of a stream from the BO contents after the job ran and
 * compare each op's output. Ops are checked in order, each against the
 * actual bytes of its inputs, so an op reading an earlier op's output is
 * checked against what that op really produced (which is checked itself).
 * A stream whose ops overwrite inputs of earlier ops cannot be verified this
 * way; the tests do not build such streams.
 *
 * @maps: CPU address of each BO of the submit (index = bo_index).
 * Return: number of mismatching elements (diagnostics on stderr).
 */
struct ref_view {
	const struct npu_cmd_tensor *t;
	uint8_t *p;
	size_t n;
};

static inline struct ref_view ref_view(const struct npu_cmd_tensor *tensors,
				       uint32_t id, uint8_t *const *maps)
{
	struct ref_view v = { NULL, NULL, 0 };

	if (id == NPU_CMD_NO_TENSOR)
		return v;
	v.t = &tensors[id];
	v.p = maps[v.t->bo_index] + v.t->offset;
	v.n = ref_elems(v.t->ndim, v.t->shape);
	return v;
}

static inline float ref_scale(const struct ref_view *v)
{
	return npu_ref_u2f(v->t->scale);
}

static inline int32_t *ref_load_all(const struct ref_view *v)
{
	int32_t *out = calloc(v->n ? v->n : 1, sizeof(*out));
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < v->n; i++)
		out[i] = ref_load1(v->p, v->t->dtype, i);
	return out;
}

/* Weights minus their zero point (per-tensor weights may have one). */
static inline int32_t *ref_load_weights(const struct ref_view *v)
{
	int32_t *out = ref_load_all(v);
	size_t i;

	for (i = 0; out && i < v->n; i++)
		out[i] -= v->t->zero_point;
	return out;
}

/* Per-channel scales along the output channel (count @n) of weights @w. */
static inline float *ref_channel_scales(const struct npu_cmd_tensor *tensors,
					const struct ref_view *w, size_t n,
					uint8_t *const *maps)
{
	float *s = calloc(n ? n : 1, sizeof(*s));
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		if (w->t->quant_type == NPU_QUANT_PER_CHANNEL) {
			struct ref_view sv = ref_view(tensors,
						      w->t->scale_tensor, maps);

			s[i] = ((const float *)sv.p)[i];
		} else {
			s[i] = ref_scale(w);
		}
	}
	return s;
}

static inline int ref_compare(const char *what, const struct ref_view *y,
			      const double *fy, const double *mag,
			      const struct ref_q *qy)
{
	if (y->t->dtype == NPU_DTYPE_F32)
		return ref_check_f32(what, (const float *)y->p, fy, mag, y->n);
	return ref_check_q(what, y->p, y->t->dtype, qy, y->n);
}

/* Element-wise unary/binary value in real terms -> output element. */
static inline struct ref_q ref_out_int(const struct ref_view *y, double real)
{
	if (y->t->quant_type == NPU_QUANT_NONE) {
		struct ref_q q;

		q.a = q.b = ref_sat(real, y->t->dtype);
		return q;
	}
	return ref_requant(real / ref_scale(y), y->t->zero_point,
			   y->t->dtype);
}

static inline double ref_in_real(const struct ref_view *x, size_t i)
{
	if (x->t->dtype == NPU_DTYPE_F32)
		return ((const float *)x->p)[i];
	if (x->t->quant_type == NPU_QUANT_NONE)
		return ref_load1(x->p, x->t->dtype, i);
	return (double)(ref_load1(x->p, x->t->dtype, i) - x->t->zero_point) *
	       ref_scale(x);
}

static inline int ref_verify_op(const struct npu_cmd_tensor *tensors,
				const struct npu_cmd_op *op, uint32_t idx,
				uint8_t *const *maps)
{
	struct ref_view a = ref_view(tensors, op->inputs[0], maps);
	struct ref_view b = ref_view(tensors, op->num_inputs > 1 ?
				     op->inputs[1] : NPU_CMD_NO_TENSOR, maps);
	struct ref_view c = ref_view(tensors, op->num_inputs > 2 ?
				     op->inputs[2] : NPU_CMD_NO_TENSOR, maps);
	struct ref_view y = ref_view(tensors, op->outputs[0], maps);
	double *fy = calloc(y.n ? y.n : 1, sizeof(double));
	double *mag = calloc(y.n ? y.n : 1, sizeof(double));
	struct ref_q *qy = calloc(y.n ? y.n : 1, sizeof(*qy));
	int32_t *ia = NULL, *ib = NULL, *ic = NULL;
	float *sw = NULL;
	char what[64];
	int bad = -1;
	size_t i;

	snprintf(what, sizeof(what), "op%u(%s).Y", idx,
		 op->opcode == NPU_OP_GEMM ? "gemm" :
		 op->opcode == NPU_OP_CONV2D ? "conv2d" :
		 op->opcode == NPU_OP_ADD ? "add" :
		 op->opcode == NPU_OP_RELU ? "relu" :
		 op->opcode == NPU_OP_CLIP ? "clip" : "?");
	if (!fy || !mag || !qy)
		goto out;

	switch (op->opcode) {
	case NPU_OP_GEMM: {
		int tb = op->gemm.flags & NPU_GEMM_TRANS_B;
		uint32_t m = a.t->shape[0], k = a.t->shape[1];
		uint32_t n = tb ? b.t->shape[0] : b.t->shape[1];
		float lo = npu_ref_u2f(op->gemm.act_min);
		float hi = npu_ref_u2f(op->gemm.act_max);

		if (a.t->dtype == NPU_DTYPE_F32) {
			ref_gemm_f32(m, k, n, (const float *)a.p,
				     (const float *)b.p, tb,
				     c.t ? (const float *)c.p : NULL,
				     op->gemm.activation, lo, hi, fy, mag);
			break;
		}
		ia = ref_load_all(&a);
		ib = ref_load_weights(&b);
		ic = c.t ? ref_load_all(&c) : NULL;
		sw = ref_channel_scales(tensors, &b, n, maps);
		if (!ia || !ib || (c.t && !ic) || !sw)
			goto out;
		ref_gemm_q(m, k, n, ia, ref_scale(&a), a.t->zero_point, ib, sw,
			   tb, ic, ref_scale(&y), y.t->zero_point, y.t->dtype,
			   op->gemm.activation, lo, hi, qy);
		break;
	}
	case NPU_OP_CONV2D: {
		struct ref_conv r;

		r.n = a.t->shape[0];
		r.c = a.t->shape[1];
		r.h = a.t->shape[2];
		r.w = a.t->shape[3];
		r.oc = b.t->shape[0];
		r.kh = b.t->shape[2];
		r.kw = b.t->shape[3];
		r.p = op->conv2d;
		ref_conv_shape(&r);
		if (a.t->dtype == NPU_DTYPE_F32) {
			ref_conv2d_f32(&r, (const float *)a.p,
				       (const float *)b.p,
				       c.t ? (const float *)c.p : NULL, fy, mag);
			break;
		}
		ia = ref_load_all(&a);
		ib = ref_load_weights(&b);
		ic = c.t ? ref_load_all(&c) : NULL;
		sw = ref_channel_scales(tensors, &b, r.oc, maps);
		if (!ia || !ib || (c.t && !ic) || !sw)
			goto out;
		ref_conv2d_q(&r, ia, ref_scale(&a), a.t->zero_point, ib, sw, ic,
			     ref_scale(&y), y.t->zero_point, y.t->dtype, qy);
		break;
	}
	case NPU_OP_ADD:
	case NPU_OP_RELU:
	case NPU_OP_CLIP: {
		uint32_t act = op->opcode == NPU_OP_RELU ? NPU_ACT_RELU :
			       op->opcode == NPU_OP_CLIP ? NPU_ACT_CLIP :
			       op->eltwise.activation;
		float lo = npu_ref_u2f(op->eltwise.act_min);
		float hi = npu_ref_u2f(op->eltwise.act_max);

		for (i = 0; i < y.n; i++) {
			double v = ref_in_real(&a, i), bv = 0;

			if (op->opcode == NPU_OP_ADD) {
				bv = ref_in_real(&b, ref_bcast(i, a.t->ndim,
							       a.t->shape,
							       b.t->ndim,
							       b.t->shape));
				mag[i] = fabs(v) + fabs(bv);
				v += bv;
			} else {
				mag[i] = fabs(v);
			}
			v = ref_act(v, act, lo, hi);
			if (y.t->dtype == NPU_DTYPE_F32)
				fy[i] = v;
			else
				qy[i] = ref_out_int(&y, v);
		}
		break;
	}
	default:
		fprintf(stderr, "# op%u: no reference for opcode %u\n", idx,
			op->opcode);
		goto out;
	}
	bad = ref_compare(what, &y, fy, mag, qy);
out:
	free(fy);
	free(mag);
	free(qy);
	free(ia);
	free(ib);
	free(ic);
	free(sw);
	return bad;
}

static inline int ref_verify_stream(const struct npu_cmd_tensor *tensors,
				    const struct npu_cmd_op *ops,
				    uint32_t num_ops, uint8_t *const *maps)
{
	int bad = 0, r;
	uint32_t i;

	for (i = 0; i < num_ops; i++) {
		r = ref_verify_op(tensors, &ops[i], i, maps);
		if (r < 0)
			return -1;
		bad += r;
	}
	return bad;
}

#endif /* NPU_REF_H */

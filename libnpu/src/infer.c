// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: input shapes, shape inference and constant folding.
 *
 * npu_g_infer() visits the nodes in topological order and gives every
 * value a dtype and a concrete shape (the loader compiles a model for one
 * set of input shapes). A node whose inputs are all constant, and whose
 * operator the small evaluator here implements, is evaluated at load time:
 * its outputs become constants and the node disappears. That removes the
 * shape subgraphs exporters emit (Shape -> Cast -> Slice -> Concat ->
 * Reshape, Gather, Unsqueeze, ConstantOfShape ...) and everything computed
 * from weights alone. Parameters that ONNX takes as inputs (Clip bounds,
 * Resize scales and sizes, Reshape shape, Slice starts/ends/axes/steps,
 * Squeeze/Unsqueeze axes, the scales and zero points of the int8
 * operators) must be constant by then; when one is not, the node fails
 * with -EOPNOTSUPP naming it.
 *
 * The int8 operators (QuantizeLinear, DequantizeLinear, QLinearConv,
 * QLinearMatMul) get the quantization of each integer operand here
 * (struct npu_gnode.q), in the terms of the command stream: per tensor
 * (one scale and zero point), or per channel with zero points 0 and an F32
 * constant of scales. What the stream cannot express fails with
 * -EOPNOTSUPP (per-axis QuantizeLinear of a computed tensor, per-axis
 * zero points other than 0, uint8 weights computed at run time, ...); a
 * scale that is not finite and positive with -EINVAL. Constant uint8
 * weights become int8 exactly (w - 128, zero point - 128), and so do
 * constant weights whose per-channel zero points must go (w - zp, when it
 * fits int8). QuantizeLinear and DequantizeLinear of constants are
 * evaluated, per axis too, as the firmware computes them.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npu_priv.h"
#include "npu_graph.h"

#define NF(g, n, err, ...)	npu_g_node_fail(g, n, err, __VA_ARGS__)

static struct npu_gval *npu_in(struct npu_graph *g, const struct npu_gnode *n,
			       int i)
{
	return i < n->nin && n->in[i] >= 0 ? &g->vals[n->in[i]] : NULL;
}

static struct npu_gval *npu_out(struct npu_graph *g, const struct npu_gnode *n,
				int i)
{
	return i < n->nout && n->out[i] >= 0 ? &g->vals[n->out[i]] : NULL;
}

static void npu_set_shape(struct npu_gval *v, int32_t dtype, int rank,
			  const int64_t *dims)
{
	v->dtype = dtype;
	v->rank = rank;
	memset(v->dims, 0, sizeof(v->dims));
	if (rank > 0)
		memcpy(v->dims, dims, (size_t)rank * sizeof(*dims));
}

/* ------------------------------------------------------------------ */
/* Input shapes                                                        */

int npu_g_bind_inputs(struct npu_graph *g, const struct npu_g_input_shape *s,
		      uint32_t n)
{
	struct npu_gval *v;
	uint32_t i, j;
	int vi, d;

	for (i = 0; i < n; i++) {
		vi = npu_g_find(g, s[i].name);
		if (vi < 0 || !g->vals[vi].is_input)
			return npu_g_fail(g, -EINVAL,
					  "input shape for '%s': the model has no such input",
					  s[i].name ? s[i].name : "(null)");
		v = &g->vals[vi];
		if (s[i].ndim < 1 || s[i].ndim > NPU_CMD_MAX_DIMS)
			return npu_g_fail(g, -EINVAL,
					  "input shape for '%s': rank %u is not 1 .. %d",
					  v->name, s[i].ndim, NPU_CMD_MAX_DIMS);
		if (v->rank >= 0 && (uint32_t)v->rank != s[i].ndim)
			return npu_g_fail(g, -EINVAL,
					  "input shape for '%s': rank %u, the model declares rank %d",
					  v->name, s[i].ndim, v->rank);
		for (j = 0; j < s[i].ndim; j++) {
			if (!s[i].shape[j])
				return npu_g_fail(g, -EINVAL,
						  "input shape for '%s': dimension %u is 0",
						  v->name, j);
			if (v->rank >= 0 && v->dims[j] >= 0 &&
			    v->dims[j] != s[i].shape[j])
				return npu_g_fail(g, -EINVAL,
						  "input shape for '%s': dimension %u is %u, the model fixes it to %lld",
						  v->name, j, s[i].shape[j],
						  (long long)v->dims[j]);
		}
		v->rank = (int)s[i].ndim;
		for (j = 0; j < s[i].ndim; j++)
			v->dims[j] = s[i].shape[j];
	}
	for (i = 0; i < g->ninputs; i++) {
		v = &g->vals[g->inputs[i]];
		if (v->rank < 0)
			return npu_g_fail(g, -EINVAL,
					  "graph input '%s' has no declared shape: give it in the input shapes",
					  v->name);
		for (d = 0; d < v->rank; d++)
			if (v->dims[d] < 0)
				return npu_g_fail(g, -EINVAL,
						  "graph input '%s' dimension %d is symbolic: give the input's shape in the input shapes",
						  v->name, d);
		if (npu_g_elems(v) > NPU_G_MAX_ELEMS)
			return npu_g_fail(g, -E2BIG, "graph input '%s' is too large",
					  v->name);
		if (!npu_g_dtype_size(v->dtype))
			return npu_g_fail(g, -EOPNOTSUPP,
					  "graph input '%s' has data type %s",
					  v->name, npu_g_dtype_name(v->dtype));
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* normalise an axis in [-rank, rank), or [-rank, rank] with @incl (Flatten) */
static int npu_axis(struct npu_graph *g, const struct npu_gnode *n, int64_t axis,
		    int rank, bool incl, int64_t *out)
{
	int64_t hi = incl ? rank : rank - 1, a = axis;

	*out = 0;
	if (a < 0)
		a += rank;
	if (a < 0 || a > hi)
		return NF(g, n, -EINVAL, "axis %lld is out of range for rank %d",
			  (long long)axis, rank);
	*out = a;
	return 0;
}

/* a 1-D (or scalar) int32/int64 constant input into @out; count or error */
static int npu_const_ints(struct npu_graph *g, const struct npu_gnode *n, int i,
			  const char *what, int64_t *out, int max)
{
	struct npu_gval *v = npu_in(g, n, i);
	int64_t k, cnt;

	if (!v)
		return NF(g, n, -EINVAL, "input '%s' is missing", what);
	if (!v->is_const)
		return NF(g, n, -EOPNOTSUPP,
			  "input '%s' ('%s') is computed at run time; it must be a constant",
			  what, v->name);
	if (v->dtype != NPU_G_INT64 && v->dtype != NPU_G_INT32)
		return NF(g, n, -EINVAL, "input '%s' is %s, not an integer tensor",
			  what, npu_g_dtype_name(v->dtype));
	if (v->rank > 1)
		return NF(g, n, -EINVAL, "input '%s' is not 1-D", what);
	cnt = npu_g_elems(v);
	if (cnt > max)
		return NF(g, n, -EOPNOTSUPP, "input '%s' has %lld values (at most %d)",
			  what, (long long)cnt, max);
	for (k = 0; k < cnt; k++)
		out[k] = npu_g_get_i(v, k);
	return (int)cnt;
}

/* a scalar (or 1-element) float constant input */
static int npu_const_float(struct npu_graph *g, const struct npu_gnode *n, int i,
			   const char *what, float *out)
{
	struct npu_gval *v = npu_in(g, n, i);

	if (!v)
		return 0;	/* optional, keeps the default */
	if (!v->is_const)
		return NF(g, n, -EOPNOTSUPP,
			  "input '%s' ('%s') is computed at run time; it must be a constant",
			  what, v->name);
	if (npu_g_elems(v) != 1)
		return NF(g, n, -EINVAL, "input '%s' is not a scalar", what);
	*out = (float)npu_g_get_f(v, 0);
	return 0;
}

/* NumPy broadcasting of two shapes */
static int npu_bcast(struct npu_graph *g, const struct npu_gnode *n,
		     const struct npu_gval *a, const struct npu_gval *b,
		     int *rank, int64_t *dims)
{
	char sa[96], sb[96];
	int r = a->rank > b->rank ? a->rank : b->rank, i;
	int64_t da, db;

	for (i = 0; i < r; i++) {
		int ia = a->rank - r + i, ib = b->rank - r + i;

		da = ia >= 0 ? a->dims[ia] : 1;
		db = ib >= 0 ? b->dims[ib] : 1;
		if (da != db && da != 1 && db != 1) {
			npu_g_shape_str(a, sa, sizeof(sa));
			npu_g_shape_str(b, sb, sizeof(sb));
			return NF(g, n, -EINVAL,
				  "input shapes %s and %s do not broadcast", sa, sb);
		}
		dims[i] = da == 1 ? db : da;
	}
	*rank = r;
	return 0;
}

/* element strides of @v broadcast to an output of rank @r (0 where broadcast) */
static void npu_bstrides(const struct npu_gval *v, int r, const int64_t *odims,
			 int64_t *st)
{
	int64_t s = 1;
	int i, iv;

	for (i = r - 1; i >= 0; i--) {
		iv = v->rank - r + i;
		if (iv < 0) {
			st[i] = 0;
			continue;
		}
		st[i] = (v->dims[iv] == 1 && odims[i] != 1) ? 0 : s;
		s *= v->dims[iv];
	}
}

/* allocate the data of a constant output whose shape is set */
static int npu_alloc_const(struct npu_graph *g, const struct npu_gnode *n,
			   struct npu_gval *v)
{
	int64_t e = npu_g_elems(v);
	size_t bytes;

	if (e < 0 || e > NPU_G_MAX_ELEMS)
		return NF(g, n, -E2BIG, "constant '%s' is too large", v->name);
	bytes = (size_t)e * npu_g_dtype_size(v->dtype);
	if (bytes > NPU_G_MAX_FOLD_BYTES)
		return NF(g, n, -E2BIG,
			  "constant '%s' would take %zu bytes; folding stops at %llu",
			  v->name, bytes, (unsigned long long)NPU_G_MAX_FOLD_BYTES);
	free(v->data);
	v->data = calloc(1, bytes ? bytes : 1);
	if (!v->data)
		return NF(g, n, -ENOMEM, "out of memory");
	v->is_const = true;
	return 0;
}

static void npu_put(struct npu_gval *v, int64_t i, double f, int64_t x)
{
	switch (v->dtype) {
	case NPU_G_FLOAT:
		((float *)v->data)[i] = (float)f;
		break;
	case NPU_G_DOUBLE:
		((double *)v->data)[i] = f;
		break;
	case NPU_G_INT64:
		((int64_t *)v->data)[i] = x;
		break;
	case NPU_G_INT32:
		((int32_t *)v->data)[i] = (int32_t)x;
		break;
	case NPU_G_INT8:
		((int8_t *)v->data)[i] = (int8_t)x;
		break;
	default:
		((uint8_t *)v->data)[i] = (uint8_t)x;
		break;
	}
}

static bool npu_is_float(int32_t dtype)
{
	return dtype == NPU_G_FLOAT || dtype == NPU_G_DOUBLE;
}

/* ------------------------------------------------------------------ */
/* Shapes of the compute operators                                     */

/* padding of one spatial axis from auto_pad (conv and pools) */
static void npu_auto_pad(int mode, int64_t in, int64_t k, int64_t s, int64_t d,
			 int64_t *p0, int64_t *p1)
{
	int64_t out, total;

	if (mode == NPU_G_PAD_VALID) {
		*p0 = *p1 = 0;
		return;
	}
	out = (in + s - 1) / s;
	total = (out - 1) * s + (k - 1) * d + 1 - in;
	if (total < 0)
		total = 0;
	if (mode == NPU_G_PAD_SAME_UPPER) {
		*p0 = total / 2;
		*p1 = total - total / 2;
	} else {
		*p1 = total / 2;
		*p0 = total - total / 2;
	}
}

static int npu_need_float(struct npu_graph *g, const struct npu_gnode *n,
			  const struct npu_gval *v, const char *what)
{
	if (v->dtype != NPU_G_FLOAT)
		return NF(g, n, -EOPNOTSUPP,
			  "input '%s' ('%s') is %s; only float is supported",
			  what, v->name, npu_g_dtype_name(v->dtype));
	return 0;
}

static int npu_need_rank(struct npu_graph *g, const struct npu_gnode *n,
			 const struct npu_gval *v, const char *what, int rank)
{
	char s[96];

	if (v->rank != rank) {
		npu_g_shape_str(v, s, sizeof(s));
		return NF(g, n, rank == 4 ? -EOPNOTSUPP : -EINVAL,
			  "input '%s' has shape %s; %d-D is required%s", what, s, rank,
			  rank == 4 ? " (only 2-D NCHW spatial operators are supported)" : "");
	}
	return 0;
}

/*
 * The output shape [N, OC, OH, OW] of a Conv, ConvTranspose or QLinearConv
 * with input @x, weight @w and optional bias @b (ranks checked); sets the
 * padding from auto_pad.
 */
static int npu_conv_shape(struct npu_graph *g, struct npu_gnode *n,
			  const struct npu_gval *x, const struct npu_gval *w,
			  const struct npu_gval *b, int64_t *dims)
{
	struct npu_gconv *p = &n->p.conv;
	bool t = n->op == NPU_GOP_CONV_T;
	int64_t oc, cin, k, ext, o, total;
	int i;

	cin = t ? w->dims[0] : w->dims[1] * p->group;
	oc = t ? w->dims[1] * p->group : w->dims[0];
	if (x->dims[1] != cin)
		return NF(g, n, -EINVAL,
			  "X has %lld channels, W (with group %lld) expects %lld",
			  (long long)x->dims[1], (long long)p->group, (long long)cin);
	if ((t ? x->dims[1] : oc) % p->group)
		return NF(g, n, -EINVAL, "channels are not a multiple of group %lld",
			  (long long)p->group);
	if (b && (b->rank != 1 || b->dims[0] != oc))
		return NF(g, n, -EINVAL, "B is not [%lld]", (long long)oc);
	dims[0] = x->dims[0];
	dims[1] = oc;
	for (i = 0; i < 2; i++) {
		k = w->dims[2 + i];
		if (p->kernel[i] && p->kernel[i] != k)
			return NF(g, n, -EINVAL,
				  "attribute 'kernel_shape' differs from W's shape");
		p->kernel[i] = k;
		ext = p->dilations[i] * (k - 1) + 1;
		if (!t) {
			if (p->auto_pad != NPU_G_PAD_NOTSET)
				npu_auto_pad(p->auto_pad, x->dims[2 + i], k,
					     p->strides[i], p->dilations[i],
					     &p->pads[i], &p->pads[2 + i]);
			o = x->dims[2 + i] + p->pads[i] + p->pads[2 + i] - ext;
			if (o < 0)
				return NF(g, n, -EINVAL,
					  "the kernel is larger than the padded input");
			dims[2 + i] = o / p->strides[i] + 1;
			continue;
		}
		/* ConvTranspose */
		if (p->output_padding[i] >= p->strides[i] &&
		    p->output_padding[i] >= p->dilations[i])
			return NF(g, n, -EINVAL, "output_padding is not below stride");
		o = -1;
		if (p->has_output_shape)
			o = p->output_shape[i];
		else if (p->auto_pad == NPU_G_PAD_SAME_UPPER ||
			 p->auto_pad == NPU_G_PAD_SAME_LOWER)
			o = x->dims[2 + i] * p->strides[i];
		if (o >= 0) {
			/* ONNX's formulas, with floor division */
			int64_t half;

			total = p->strides[i] * (x->dims[2 + i] - 1) +
				p->output_padding[i] + ext - o;
			half = total >= 0 ? total / 2 : -((-total + 1) / 2);
			if (p->auto_pad == NPU_G_PAD_SAME_UPPER) {
				p->pads[i] = half;
				p->pads[2 + i] = total - half;
			} else {
				p->pads[i] = total - half;
				p->pads[2 + i] = half;
			}
			/* a negative end pad is extra output: output_padding */
			if (p->pads[2 + i] < 0) {
				p->output_padding[i] -= p->pads[2 + i];
				p->pads[2 + i] = 0;
			}
			if (p->pads[i] < 0 ||
			    (p->output_padding[i] >= p->strides[i] &&
			     p->output_padding[i] >= p->dilations[i]))
				return NF(g, n, -EOPNOTSUPP,
					  "output_shape %lld is not reachable with this stride and padding",
					  (long long)o);
		} else if (p->auto_pad == NPU_G_PAD_VALID) {
			p->pads[i] = p->pads[2 + i] = 0;
		}
		o = p->strides[i] * (x->dims[2 + i] - 1) + p->output_padding[i] +
		    ext - p->pads[i] - p->pads[2 + i];
		if (o < 1)
			return NF(g, n, -EINVAL, "the output would be empty");
		dims[2 + i] = o;
	}
	return 0;
}

static int npu_infer_conv(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0), *w = npu_in(g, n, 1);
	struct npu_gval *b = npu_in(g, n, 2);
	int64_t dims[4];
	int ret;

	ret = npu_need_rank(g, n, x, "X", 4);
	if (!ret)
		ret = npu_need_rank(g, n, w, "W", 4);
	if (!ret)
		ret = npu_need_float(g, n, x, "X");
	if (!ret)
		ret = npu_need_float(g, n, w, "W");
	if (!ret && b)
		ret = npu_need_float(g, n, b, "B");
	if (!ret)
		ret = npu_conv_shape(g, n, x, w, b, dims);
	if (ret)
		return ret;
	npu_set_shape(npu_out(g, n, 0), NPU_G_FLOAT, 4, dims);
	return 0;
}

static int npu_infer_pool(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gconv *p = &n->p.conv;
	struct npu_gval *x = npu_in(g, n, 0);
	int64_t dims[4], ext, span, o;
	int ret, i;

	ret = npu_need_rank(g, n, x, "X", 4);
	if (!ret)
		ret = npu_need_float(g, n, x, "X");
	if (ret)
		return ret;
	dims[0] = x->dims[0];
	dims[1] = x->dims[1];
	for (i = 0; i < 2; i++) {
		ext = p->dilations[i] * (p->kernel[i] - 1) + 1;
		if (p->auto_pad != NPU_G_PAD_NOTSET)
			npu_auto_pad(p->auto_pad, x->dims[2 + i], p->kernel[i],
				     p->strides[i], p->dilations[i], &p->pads[i],
				     &p->pads[2 + i]);
		span = x->dims[2 + i] + p->pads[i] + p->pads[2 + i] - ext;
		if (span < 0)
			return NF(g, n, -EINVAL, "the window is larger than the padded input");
		o = (span + (p->ceil_mode ? p->strides[i] - 1 : 0)) / p->strides[i] + 1;
		/* ceil mode: no window may start in the end padding */
		if (p->ceil_mode && (o - 1) * p->strides[i] >= x->dims[2 + i] + p->pads[i])
			o--;
		dims[2 + i] = o;
	}
	npu_set_shape(npu_out(g, n, 0), NPU_G_FLOAT, 4, dims);
	return 0;
}

static int npu_infer_bn(struct npu_graph *g, struct npu_gnode *n)
{
	static const char * const names[] = { "X", "scale", "B", "mean", "var" };
	struct npu_gval *x = npu_in(g, n, 0), *v;
	int ret, i;

	ret = npu_need_float(g, n, x, "X");
	if (ret)
		return ret;
	if (x->rank < 2)
		return NF(g, n, -EINVAL, "X has rank %d (at least 2)", x->rank);
	for (i = 1; i < 5; i++) {
		v = npu_in(g, n, i);
		if (!v)
			return NF(g, n, -EINVAL, "input '%s' is missing", names[i]);
		ret = npu_need_float(g, n, v, names[i]);
		if (ret)
			return ret;
		if (v->rank != 1 || v->dims[0] != x->dims[1])
			return NF(g, n, -EINVAL, "input '%s' is not [%lld]", names[i],
				  (long long)x->dims[1]);
	}
	npu_set_shape(npu_out(g, n, 0), NPU_G_FLOAT, x->rank, x->dims);
	for (i = 1; i < n->nout; i++)
		if (npu_out(g, n, i))
			npu_set_shape(npu_out(g, n, i), NPU_G_FLOAT, 1, &x->dims[1]);
	return 0;
}

static int npu_infer_gemm(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *a = npu_in(g, n, 0), *b = npu_in(g, n, 1);
	struct npu_gval *c = npu_in(g, n, 2);
	int64_t dims[2], k;
	int ret, i;

	ret = npu_need_rank(g, n, a, "A", 2);
	if (!ret)
		ret = npu_need_rank(g, n, b, "B", 2);
	if (!ret)
		ret = npu_need_float(g, n, a, "A");
	if (!ret)
		ret = npu_need_float(g, n, b, "B");
	if (!ret && c)
		ret = npu_need_float(g, n, c, "C");
	if (ret)
		return ret;
	dims[0] = a->dims[n->p.gemm.trans_a ? 1 : 0];
	k = a->dims[n->p.gemm.trans_a ? 0 : 1];
	dims[1] = b->dims[n->p.gemm.trans_b ? 0 : 1];
	if (b->dims[n->p.gemm.trans_b ? 1 : 0] != k)
		return NF(g, n, -EINVAL, "K of A (%lld) and B (%lld) differ",
			  (long long)k, (long long)b->dims[n->p.gemm.trans_b ? 1 : 0]);
	if (c) {
		if (c->rank > 2)
			return NF(g, n, -EINVAL, "C has rank %d", c->rank);
		for (i = 0; i < c->rank; i++) {
			int64_t d = c->dims[i], o = dims[2 - c->rank + i];

			if (d != 1 && d != o)
				return NF(g, n, -EINVAL, "C does not broadcast to [M, N]");
		}
	}
	npu_set_shape(npu_out(g, n, 0), NPU_G_FLOAT, 2, dims);
	return 0;
}

/* the output shape of a MatMul or QLinearMatMul of @a and @b (NumPy rules) */
static int npu_matmul_shape(struct npu_graph *g, struct npu_gnode *n,
			    const struct npu_gval *a, const struct npu_gval *b,
			    int *rank, int64_t *dims)
{
	struct npu_gval ab = { 0 }, bb = { 0 };
	int64_t m, k, kb, nn;
	int ret, r, i;

	if (a->rank < 1 || b->rank < 1)
		return NF(g, n, -EINVAL, "an input is a scalar");
	m = a->rank > 1 ? a->dims[a->rank - 2] : 1;
	k = a->dims[a->rank - 1];
	kb = b->rank > 1 ? b->dims[b->rank - 2] : b->dims[0];
	nn = b->rank > 1 ? b->dims[b->rank - 1] : 1;
	if (k != kb)
		return NF(g, n, -EINVAL, "K of A (%lld) and B (%lld) differ",
			  (long long)k, (long long)kb);
	/* batch dimensions broadcast */
	ab.rank = a->rank > 2 ? a->rank - 2 : 0;
	memcpy(ab.dims, a->dims, sizeof(ab.dims));
	bb.rank = b->rank > 2 ? b->rank - 2 : 0;
	memcpy(bb.dims, b->dims, sizeof(bb.dims));
	ret = npu_bcast(g, n, &ab, &bb, &r, dims);
	if (ret)
		return ret;
	if (a->rank > 1)
		dims[r++] = m;
	if (b->rank > 1)
		dims[r++] = nn;
	if (r > NPU_G_MAX_RANK)
		return NF(g, n, -EOPNOTSUPP, "the output rank is too large");
	for (i = 0; i < r; i++)
		if (dims[i] < 1)
			return NF(g, n, -EINVAL, "empty output");
	*rank = r;
	return 0;
}

static int npu_infer_matmul(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *a = npu_in(g, n, 0), *b = npu_in(g, n, 1);
	int64_t dims[NPU_G_MAX_RANK];
	int ret, r;

	ret = npu_need_float(g, n, a, "A");
	if (!ret)
		ret = npu_need_float(g, n, b, "B");
	if (!ret)
		ret = npu_matmul_shape(g, n, a, b, &r, dims);
	if (ret)
		return ret;
	npu_set_shape(npu_out(g, n, 0), NPU_G_FLOAT, r, dims);
	return 0;
}

static int npu_infer_resize(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gresize *r = &n->p.resize;
	struct npu_gval *x = npu_in(g, n, 0), *sc = npu_in(g, n, 2);
	struct npu_gval *sz = npu_in(g, n, 3);
	int64_t dims[4], sizes[NPU_G_MAX_RANK];
	float scales[4];
	int ret, i, cnt;

	ret = npu_need_rank(g, n, x, "X", 4);
	if (!ret)
		ret = npu_need_float(g, n, x, "X");
	if (ret)
		return ret;
	if (sc && npu_g_elems(sc) == 0)
		sc = NULL;
	if (sz && npu_g_elems(sz) == 0)
		sz = NULL;
	if (!sc == !sz)
		return NF(g, n, -EINVAL, "exactly one of 'scales' and 'sizes' must be given");
	dims[0] = x->dims[0];
	dims[1] = x->dims[1];
	if (sc) {
		if (!sc->is_const)
			return NF(g, n, -EOPNOTSUPP,
				  "input 'scales' ('%s') is computed at run time; it must be a constant",
				  sc->name);
		if (sc->rank != 1 || sc->dims[0] != 4 || !npu_is_float(sc->dtype))
			return NF(g, n, -EINVAL, "input 'scales' is not float [4]");
		for (i = 0; i < 4; i++)
			scales[i] = (float)npu_g_get_f(sc, i);
		if (scales[0] != 1.0f || scales[1] != 1.0f)
			return NF(g, n, -EOPNOTSUPP,
				  "scaling the batch or channel axis is not supported");
		for (i = 2; i < 4; i++) {
			if (!(scales[i] > 0) || !isfinite(scales[i]))
				return NF(g, n, -EINVAL, "scale %g is invalid",
					  (double)scales[i]);
			dims[i] = (int64_t)floor((double)x->dims[i] * (double)scales[i]);
			if (dims[i] < 1 || dims[i] > NPU_G_MAX_ELEMS)
				return NF(g, n, -EINVAL, "output size %lld is invalid",
					  (long long)dims[i]);
			/*
			 * ONNX's align_corners divides by in * scale - 1, the
			 * stream's by the (floored) output size - 1
			 */
			if (r->coord == NPU_RESIZE_ALIGN_CORNERS &&
			    (double)dims[i] != (double)x->dims[i] * (double)scales[i])
				return NF(g, n, -EOPNOTSUPP,
					  "coordinate_transformation_mode 'align_corners' with scale %g, where input size %lld * scale is not an integer, is not supported",
					  (double)scales[i], (long long)x->dims[i]);
		}
		r->scale_h = scales[2];
		r->scale_w = scales[3];
	} else {
		cnt = npu_const_ints(g, n, 3, "sizes", sizes, NPU_G_MAX_RANK);
		if (cnt < 0)
			return cnt;
		if (cnt != 4)
			return NF(g, n, -EINVAL, "input 'sizes' is not [4]");
		if (sizes[0] != x->dims[0] || sizes[1] != x->dims[1])
			return NF(g, n, -EOPNOTSUPP,
				  "resizing the batch or channel axis is not supported");
		for (i = 2; i < 4; i++) {
			if (sizes[i] < 1 || sizes[i] > NPU_G_MAX_ELEMS)
				return NF(g, n, -EINVAL, "output size %lld is invalid",
					  (long long)sizes[i]);
			dims[i] = sizes[i];
		}
		r->scale_h = 0;
		r->scale_w = 0;
	}
	npu_set_shape(npu_out(g, n, 0), NPU_G_FLOAT, 4, dims);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Shapes of the data-movement operators (also used when folding)      */

static int npu_infer_reshape(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0);
	int64_t shape[NPU_G_MAX_RANK], known = 1, e = npu_g_elems(x);
	int cnt, i, neg = -1;

	if (n->p.reshape.nshape >= 0) {
		cnt = n->p.reshape.nshape;
		memcpy(shape, n->p.reshape.shape, sizeof(shape));
	} else {
		cnt = npu_const_ints(g, n, 1, "shape", shape, NPU_G_MAX_RANK);
		if (cnt < 0)
			return cnt;
	}
	for (i = 0; i < cnt; i++) {
		if (shape[i] == 0 && !n->p.reshape.allowzero) {
			if (i >= x->rank)
				return NF(g, n, -EINVAL, "shape[%d] = 0 copies a missing dimension", i);
			shape[i] = x->dims[i];
		}
		if (shape[i] == -1) {
			if (neg >= 0)
				return NF(g, n, -EINVAL, "shape has two -1 entries");
			neg = i;
			continue;
		}
		if (shape[i] < 0)
			return NF(g, n, -EINVAL, "shape[%d] = %lld is invalid", i,
				  (long long)shape[i]);
		if (shape[i] && known > NPU_G_MAX_ELEMS / shape[i])
			return NF(g, n, -EINVAL, "the target shape is too large");
		known *= shape[i];
	}
	if (neg >= 0) {
		if (!known || e % known)
			return NF(g, n, -EINVAL,
				  "cannot reshape %lld elements with a -1 entry",
				  (long long)e);
		shape[neg] = e / known;
		known = e;
	}
	if (known != e)
		return NF(g, n, -EINVAL,
			  "cannot reshape %lld elements into %lld", (long long)e,
			  (long long)known);
	npu_set_shape(npu_out(g, n, 0), x->dtype, cnt, shape);
	return 0;
}

static int npu_infer_flatten(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0);
	int64_t axis, dims[2] = { 1, 1 };
	int ret, i;

	ret = npu_axis(g, n, n->p.axis.axis, x->rank, true, &axis);
	if (ret)
		return ret;
	for (i = 0; i < x->rank; i++)
		dims[i < axis ? 0 : 1] *= x->dims[i];
	npu_set_shape(npu_out(g, n, 0), x->dtype, 2, dims);
	return 0;
}

static int npu_infer_squeeze(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0);
	bool unsq = n->op == NPU_GOP_UNSQUEEZE, mark[2 * NPU_G_MAX_RANK] = { 0 };
	int64_t axes[NPU_G_MAX_RANK], dims[NPU_G_MAX_RANK], a;
	int naxes, orank, i, j, ret;

	if (n->p.squeeze.has_axes) {
		naxes = n->p.squeeze.naxes;
		memcpy(axes, n->p.squeeze.axes, sizeof(axes));
	} else if (npu_in(g, n, 1)) {
		naxes = npu_const_ints(g, n, 1, "axes", axes, NPU_G_MAX_RANK);
		if (naxes < 0)
			return naxes;
	} else {
		if (unsq)
			return NF(g, n, -EINVAL, "no axes");
		naxes = -1;	/* squeeze every 1 */
	}
	orank = unsq ? x->rank + naxes : x->rank;
	if (orank > NPU_G_MAX_RANK)
		return NF(g, n, -EOPNOTSUPP, "the output rank is too large");
	for (i = 0; i < naxes; i++) {
		ret = npu_axis(g, n, axes[i], orank, false, &a);
		if (ret)
			return ret;
		if (mark[a])
			return NF(g, n, -EINVAL, "axis %lld is repeated", (long long)a);
		mark[a] = true;
		if (!unsq && x->dims[a] != 1)
			return NF(g, n, -EINVAL, "dimension %lld is %lld, not 1",
				  (long long)a, (long long)x->dims[a]);
	}
	if (unsq) {
		for (i = 0, j = 0; i < orank; i++)
			dims[i] = mark[i] ? 1 : x->dims[j++];
	} else {
		for (i = 0, j = 0; i < x->rank; i++) {
			if (naxes < 0 ? x->dims[i] == 1 : mark[i])
				continue;
			dims[j++] = x->dims[i];
		}
		orank = j;
	}
	npu_set_shape(npu_out(g, n, 0), x->dtype, orank, dims);
	return 0;
}

static int npu_infer_transpose(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0);
	int64_t dims[NPU_G_MAX_RANK];
	bool seen[NPU_G_MAX_RANK] = { 0 };
	int i;

	if (!n->p.transpose.nperm) {
		n->p.transpose.nperm = x->rank;
		for (i = 0; i < x->rank; i++)
			n->p.transpose.perm[i] = x->rank - 1 - i;
	}
	if (n->p.transpose.nperm != x->rank)
		return NF(g, n, -EINVAL, "attribute 'perm' has %d entries for rank %d",
			  n->p.transpose.nperm, x->rank);
	for (i = 0; i < x->rank; i++) {
		int64_t p = n->p.transpose.perm[i];

		if (p < 0 || p >= x->rank || seen[p])
			return NF(g, n, -EINVAL, "attribute 'perm' is not a permutation");
		seen[p] = true;
		dims[i] = x->dims[p];
	}
	npu_set_shape(npu_out(g, n, 0), x->dtype, x->rank, dims);
	return 0;
}

static int npu_infer_concat(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x0 = npu_in(g, n, 0), *x;
	int64_t dims[NPU_G_MAX_RANK], axis;
	int ret, i, d;

	if (!x0)
		return NF(g, n, -EINVAL, "input 0 is missing");
	ret = npu_axis(g, n, n->p.axis.axis, x0->rank, false, &axis);
	if (ret)
		return ret;
	n->p.axis.axis = axis;
	memcpy(dims, x0->dims, sizeof(dims));
	dims[axis] = 0;
	for (i = 0; i < n->nin; i++) {
		x = npu_in(g, n, i);
		if (!x)
			return NF(g, n, -EINVAL, "input %d is missing", i);
		if (x->dtype != x0->dtype || x->rank != x0->rank)
			return NF(g, n, -EINVAL, "input %d differs in type or rank", i);
		for (d = 0; d < x->rank; d++)
			if (d != axis && x->dims[d] != x0->dims[d])
				return NF(g, n, -EINVAL,
					  "input %d differs in dimension %d", i, d);
		dims[axis] += x->dims[axis];
	}
	npu_set_shape(npu_out(g, n, 0), x0->dtype, x0->rank, dims);
	return 0;
}

/* Slice parameters, normalised: per axis start and step, output dims */
static int npu_slice_params(struct npu_graph *g, struct npu_gnode *n,
			    int64_t *start, int64_t *step, int64_t *dims)
{
	struct npu_gval *x = npu_in(g, n, 0);
	int64_t st[NPU_G_MAX_RANK], en[NPU_G_MAX_RANK], ax[NPU_G_MAX_RANK];
	int64_t sp[NPU_G_MAX_RANK], a, d, s, e, k;
	bool seen[NPU_G_MAX_RANK] = { 0 };
	int cnt, c2, i, ret;

	if (n->p.slice.has_attrs) {
		cnt = n->p.slice.n;
		memcpy(st, n->p.slice.starts, sizeof(st));
		memcpy(en, n->p.slice.ends, sizeof(en));
		memcpy(ax, n->p.slice.axes, sizeof(ax));
		if (!n->p.slice.has_axes)
			for (i = 0; i < cnt; i++)
				ax[i] = i;
		for (i = 0; i < cnt; i++)
			sp[i] = 1;
	} else {
		cnt = npu_const_ints(g, n, 1, "starts", st, NPU_G_MAX_RANK);
		if (cnt < 0)
			return cnt;
		c2 = npu_const_ints(g, n, 2, "ends", en, NPU_G_MAX_RANK);
		if (c2 < 0)
			return c2;
		if (c2 != cnt)
			return NF(g, n, -EINVAL, "'starts' and 'ends' differ in length");
		for (i = 0; i < cnt; i++) {
			ax[i] = i;
			sp[i] = 1;
		}
		if (npu_in(g, n, 3)) {
			c2 = npu_const_ints(g, n, 3, "axes", ax, NPU_G_MAX_RANK);
			if (c2 < 0)
				return c2;
			if (c2 != cnt)
				return NF(g, n, -EINVAL, "'axes' has the wrong length");
		}
		if (npu_in(g, n, 4)) {
			c2 = npu_const_ints(g, n, 4, "steps", sp, NPU_G_MAX_RANK);
			if (c2 < 0)
				return c2;
			if (c2 != cnt)
				return NF(g, n, -EINVAL, "'steps' has the wrong length");
		}
	}
	for (i = 0; i < x->rank; i++) {
		start[i] = 0;
		step[i] = 1;
		dims[i] = x->dims[i];
	}
	for (i = 0; i < cnt; i++) {
		ret = npu_axis(g, n, ax[i], x->rank, false, &a);
		if (ret)
			return ret;
		if (seen[a])
			return NF(g, n, -EINVAL, "axis %lld is repeated", (long long)a);
		seen[a] = true;
		d = x->dims[a];
		s = st[i];
		e = en[i];
		k = sp[i];
		if (!k)
			return NF(g, n, -EINVAL, "step 0");
		if (s < 0)
			s += d;
		if (e < 0)
			e += d;
		if (k > 0) {
			s = s < 0 ? 0 : s > d ? d : s;
			e = e < 0 ? 0 : e > d ? d : e;
			dims[a] = e > s ? (e - s + k - 1) / k : 0;
		} else {
			s = s < 0 ? -1 : s > d - 1 ? d - 1 : s;
			e = e < -1 ? -1 : e > d - 1 ? d - 1 : e;
			dims[a] = s > e ? (s - e + (-k) - 1) / (-k) : 0;
		}
		start[a] = s;
		step[a] = k;
	}
	return 0;
}

static int npu_infer_slice(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0);
	int64_t start[NPU_G_MAX_RANK], step[NPU_G_MAX_RANK], dims[NPU_G_MAX_RANK];
	int ret;

	ret = npu_slice_params(g, n, start, step, dims);
	if (ret)
		return ret;
	npu_set_shape(npu_out(g, n, 0), x->dtype, x->rank, dims);
	return 0;
}

static int npu_infer_gather(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0), *ix = npu_in(g, n, 1);
	int64_t dims[NPU_G_MAX_RANK], axis;
	int ret, r = 0, i;

	ret = npu_axis(g, n, n->p.axis.axis, x->rank, false, &axis);
	if (ret)
		return ret;
	n->p.axis.axis = axis;
	if (ix->dtype != NPU_G_INT64 && ix->dtype != NPU_G_INT32)
		return NF(g, n, -EINVAL, "indices are not integers");
	if (x->rank - 1 + ix->rank > NPU_G_MAX_RANK)
		return NF(g, n, -EOPNOTSUPP, "the output rank is too large");
	for (i = 0; i < axis; i++)
		dims[r++] = x->dims[i];
	for (i = 0; i < ix->rank; i++)
		dims[r++] = ix->dims[i];
	for (i = (int)axis + 1; i < x->rank; i++)
		dims[r++] = x->dims[i];
	npu_set_shape(npu_out(g, n, 0), x->dtype, r, dims);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The constant evaluator                                              */

/* output element coordinates -> input offset, through strides */
static int64_t npu_offset(int64_t i, int r, const int64_t *dims, const int64_t *st)
{
	int64_t off = 0;
	int k;

	for (k = r - 1; k >= 0; k--) {
		off += (i % dims[k]) * st[k];
		i /= dims[k];
	}
	return off;
}

static void npu_dense_strides(const struct npu_gval *v, int64_t *st)
{
	int64_t s = 1;
	int i;

	for (i = v->rank - 1; i >= 0; i--) {
		st[i] = s;
		s *= v->dims[i];
	}
}

static int npu_eval_binary(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *a = npu_in(g, n, 0), *b = npu_in(g, n, 1);
	struct npu_gval *y = npu_out(g, n, 0);
	int64_t sa[NPU_G_MAX_RANK], sb[NPU_G_MAX_RANK], e, i, oa, ob;
	bool fl = npu_is_float(y->dtype);
	int ret;

	npu_bstrides(a, y->rank, y->dims, sa);
	npu_bstrides(b, y->rank, y->dims, sb);
	ret = npu_alloc_const(g, n, y);
	if (ret)
		return ret;
	e = npu_g_elems(y);
	for (i = 0; i < e; i++) {
		oa = npu_offset(i, y->rank, y->dims, sa);
		ob = npu_offset(i, y->rank, y->dims, sb);
		if (fl) {
			double x = npu_g_get_f(a, oa), z = npu_g_get_f(b, ob), r;

			if (y->dtype == NPU_G_FLOAT) {
				/* as float, like a float kernel would */
				float xf = (float)x, zf = (float)z;

				r = n->op == NPU_GOP_ADD ? xf + zf :
				    n->op == NPU_GOP_SUB ? xf - zf :
				    n->op == NPU_GOP_MUL ? xf * zf : xf / zf;
			} else {
				r = n->op == NPU_GOP_ADD ? x + z :
				    n->op == NPU_GOP_SUB ? x - z :
				    n->op == NPU_GOP_MUL ? x * z : x / z;
			}
			npu_put(y, i, r, 0);
		} else {
			int64_t x = npu_g_get_i(a, oa), z = npu_g_get_i(b, ob), r;

			if (n->op == NPU_GOP_DIV && z == 0)
				return NF(g, n, -EINVAL, "integer division by zero");
			/* wrap like two's complement hardware would */
			r = n->op == NPU_GOP_ADD ? (int64_t)((uint64_t)x + (uint64_t)z) :
			    n->op == NPU_GOP_SUB ? (int64_t)((uint64_t)x - (uint64_t)z) :
			    n->op == NPU_GOP_MUL ? (int64_t)((uint64_t)x * (uint64_t)z) :
			    (x == INT64_MIN && z == -1) ? x : x / z;
			npu_put(y, i, 0, r);
		}
	}
	return 0;
}

static float npu_unary(const struct npu_gnode *n, float x)
{
	float h;

	switch (n->op) {
	case NPU_GOP_RELU:
		return x > 0 ? x : 0;
	case NPU_GOP_CLIP:
		return x < n->p.clip.min ? n->p.clip.min :
		       x > n->p.clip.max ? n->p.clip.max : x;
	case NPU_GOP_SIGMOID:
		return 1.0f / (1.0f + expf(-x));
	case NPU_GOP_TANH:
		return tanhf(x);
	case NPU_GOP_HARD_SIGMOID:
		h = n->p.hsig.alpha * x + n->p.hsig.beta;
		return h < 0 ? 0 : h > 1 ? 1 : h;
	case NPU_GOP_HARD_SWISH:
		h = x / 6.0f + 0.5f;
		return x * (h < 0 ? 0 : h > 1 ? 1 : h);
	default:
		return x;
	}
}

static int npu_eval_unary(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0), *y = npu_out(g, n, 0);
	int64_t i, e = npu_g_elems(x);
	int ret;

	ret = npu_alloc_const(g, n, y);
	if (ret)
		return ret;
	for (i = 0; i < e; i++)
		((float *)y->data)[i] = npu_unary(n, ((const float *)x->data)[i]);
	return 0;
}

/* same elements, new shape: Identity, Reshape, Flatten, Squeeze, Unsqueeze */
static int npu_eval_copy(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0), *y = npu_out(g, n, 0);
	int ret;

	ret = npu_alloc_const(g, n, y);
	if (ret)
		return ret;
	memcpy(y->data, x->data, (size_t)npu_g_elems(x) * npu_g_dtype_size(x->dtype));
	return 0;
}

static int npu_eval_cast(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0), *y = npu_out(g, n, 0);
	int64_t i, e = npu_g_elems(x);
	int ret;

	ret = npu_alloc_const(g, n, y);
	if (ret)
		return ret;
	for (i = 0; i < e; i++) {
		if (npu_is_float(y->dtype))
			npu_put(y, i, npu_g_get_f(x, i), 0);
		else if (y->dtype == NPU_G_BOOL)
			npu_put(y, i, 0, npu_g_get_f(x, i) != 0);
		else
			npu_put(y, i, 0, npu_g_get_i(x, i));
	}
	return 0;
}

static int npu_eval_shape(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0), *y = npu_out(g, n, 0);
	int64_t s = n->p.shape.start, e = n->p.shape.end, r = x->rank, i;
	int ret;

	if (s < 0)
		s += r;
	if (e < 0)
		e += r;
	s = s < 0 ? 0 : s > r ? r : s;
	e = e < 0 ? 0 : e > r ? r : e;
	if (e < s)
		e = s;
	y->dtype = NPU_G_INT64;
	y->rank = 1;
	y->dims[0] = e - s;
	ret = npu_alloc_const(g, n, y);
	if (ret)
		return ret;
	for (i = s; i < e; i++)
		((int64_t *)y->data)[i - s] = x->dims[i];
	return 0;
}

static int npu_eval_slice(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0), *y = npu_out(g, n, 0);
	int64_t start[NPU_G_MAX_RANK], step[NPU_G_MAX_RANK], dims[NPU_G_MAX_RANK];
	int64_t xs[NPU_G_MAX_RANK], st[NPU_G_MAX_RANK], base = 0, e, i;
	size_t es = npu_g_dtype_size(x->dtype);
	int ret, k;

	ret = npu_slice_params(g, n, start, step, dims);
	if (ret)
		return ret;
	ret = npu_alloc_const(g, n, y);
	if (ret)
		return ret;
	npu_dense_strides(x, xs);
	for (k = 0; k < x->rank; k++) {
		base += start[k] * xs[k];
		st[k] = step[k] * xs[k];
	}
	e = npu_g_elems(y);
	for (i = 0; i < e; i++)
		memcpy((char *)y->data + i * (int64_t)es,
		       (const char *)x->data +
		       (base + npu_offset(i, y->rank, y->dims, st)) * (int64_t)es, es);
	return 0;
}

static int npu_eval_gather(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0), *ix = npu_in(g, n, 1);
	struct npu_gval *y = npu_out(g, n, 0);
	int64_t axis = n->p.axis.axis, outer = 1, inner = 1, ni, d, o, j, t, idx;
	size_t es = npu_g_dtype_size(x->dtype);
	int ret, k;

	ret = npu_alloc_const(g, n, y);
	if (ret)
		return ret;
	for (k = 0; k < axis; k++)
		outer *= x->dims[k];
	for (k = (int)axis + 1; k < x->rank; k++)
		inner *= x->dims[k];
	d = x->dims[axis];
	ni = npu_g_elems(ix);
	for (o = 0; o < outer; o++) {
		for (j = 0; j < ni; j++) {
			idx = npu_g_get_i(ix, j);
			if (idx < 0)
				idx += d;
			if (idx < 0 || idx >= d)
				return NF(g, n, -EINVAL, "index %lld is out of range",
					  (long long)npu_g_get_i(ix, j));
			t = (o * ni + j) * inner;
			memcpy((char *)y->data + t * (int64_t)es,
			       (const char *)x->data + ((o * d + idx) * inner) * (int64_t)es,
			       (size_t)inner * es);
		}
	}
	return 0;
}

static int npu_eval_concat(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *y = npu_out(g, n, 0), *x;
	int64_t axis = n->p.axis.axis, outer = 1, inner = 1, o, off = 0, chunk;
	size_t es = npu_g_dtype_size(y->dtype);
	int ret, k, i;

	ret = npu_alloc_const(g, n, y);
	if (ret)
		return ret;
	for (k = 0; k < axis; k++)
		outer *= y->dims[k];
	for (k = (int)axis + 1; k < y->rank; k++)
		inner *= y->dims[k];
	for (i = 0; i < n->nin; i++) {
		x = npu_in(g, n, i);
		chunk = x->dims[axis] * inner;
		for (o = 0; o < outer; o++)
			memcpy((char *)y->data + (o * y->dims[axis] * inner + off) * (int64_t)es,
			       (const char *)x->data + o * chunk * (int64_t)es,
			       (size_t)chunk * es);
		off += chunk;
	}
	return 0;
}

static int npu_eval_transpose(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0), *y = npu_out(g, n, 0);
	int64_t xs[NPU_G_MAX_RANK], st[NPU_G_MAX_RANK], e, i;
	size_t es = npu_g_dtype_size(x->dtype);
	int ret, k;

	ret = npu_alloc_const(g, n, y);
	if (ret)
		return ret;
	npu_dense_strides(x, xs);
	for (k = 0; k < y->rank; k++)
		st[k] = xs[n->p.transpose.perm[k]];
	e = npu_g_elems(y);
	for (i = 0; i < e; i++)
		memcpy((char *)y->data + i * (int64_t)es,
		       (const char *)x->data +
		       npu_offset(i, y->rank, y->dims, st) * (int64_t)es, es);
	return 0;
}

static int npu_eval_cos(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *y = npu_out(g, n, 0);
	int64_t dims[NPU_G_MAX_RANK], e, i;
	size_t es = npu_g_dtype_size(n->p.cos.dtype);
	int cnt, ret;

	cnt = npu_const_ints(g, n, 0, "input", dims, NPU_G_MAX_RANK);
	if (cnt < 0)
		return cnt;
	for (i = 0; i < cnt; i++)
		if (dims[i] < 0 || dims[i] > NPU_G_MAX_ELEMS)
			return NF(g, n, -EINVAL, "shape[%lld] = %lld is invalid",
				  (long long)i, (long long)dims[i]);
	npu_set_shape(y, n->p.cos.dtype, cnt, dims);
	e = npu_g_elems(y);
	if (e > NPU_G_MAX_ELEMS)
		return NF(g, n, -E2BIG, "the constant is too large");
	ret = npu_alloc_const(g, n, y);
	if (ret)
		return ret;
	for (i = 0; i < e; i++)
		memcpy((char *)y->data + i * (int64_t)es, n->p.cos.bytes, es);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Quantized operators                                                 */

static bool npu_is_q8(int32_t dtype)
{
	return dtype == NPU_G_INT8 || dtype == NPU_G_UINT8;
}

/* the range of a quantized dtype */
static void npu_q_range(int32_t dtype, int32_t *lo, int32_t *hi)
{
	*lo = dtype == NPU_G_INT8 ? -128 : 0;
	*hi = dtype == NPU_G_INT8 ? 127 : 255;
}

/*
 * clamp(rhe(v), lo, hi) with rhe() rounding half to even and NaN as 0,
 * as the firmware's QUANTIZE
 */
static int32_t npu_rhe_sat(double v, int32_t lo, int32_t hi)
{
	double f;

	if (v != v)
		v = 0;
	if (v <= lo)
		return lo;
	if (v >= hi)
		return hi;
	f = floor(v);
	if (v - f > 0.5 || (v - f == 0.5 && fmod(f, 2.0) != 0))
		f += 1;
	return (int32_t)f;
}

/* a scale or zero-point input must be a constant */
static int npu_q_const(struct npu_graph *g, const struct npu_gnode *n, int i,
		       const char *what)
{
	struct npu_gval *v = npu_in(g, n, i);

	if (v && !v->is_const)
		return NF(g, n, -EOPNOTSUPP,
			  "input '%s' ('%s') is computed at run time; it must be a constant",
			  what, v->name);
	return 0;
}

/*
 * Scale input @i: a float constant of rank 0 or 1 whose elements are all
 * finite and > 0; *@count = its element count.
 */
static int npu_q_scale(struct npu_graph *g, const struct npu_gnode *n, int i,
		       const char *what, int64_t *count)
{
	struct npu_gval *s = npu_in(g, n, i);
	int64_t k, e;
	float f;
	int ret;

	if (!s)
		return NF(g, n, -EINVAL, "input '%s' is missing", what);
	ret = npu_q_const(g, n, i, what);
	if (ret)
		return ret;
	if (s->dtype != NPU_G_FLOAT)
		return NF(g, n, -EOPNOTSUPP,
			  "input '%s' ('%s') is %s; only float scales are supported",
			  what, s->name, npu_g_dtype_name(s->dtype));
	if (s->rank > 1)
		return NF(g, n, -EOPNOTSUPP,
			  "input '%s' ('%s') has rank %d; only a scalar (per tensor) or 1-D (per axis) scale is supported",
			  what, s->name, s->rank);
	e = npu_g_elems(s);
	if (e < 1)
		return NF(g, n, -EINVAL, "input '%s' ('%s') is empty", what, s->name);
	for (k = 0; k < e; k++) {
		f = ((const float *)s->data)[k];
		if (!(f > 0) || isinf(f))
			return NF(g, n, -EINVAL,
				  "input '%s' ('%s') holds the scale %g; scales must be finite and positive",
				  what, s->name, (double)f);
	}
	*count = e;
	return 0;
}

/*
 * Zero-point input @i (optional): a constant of dtype @dtype (0: int8 or
 * uint8); *@count = its element count, 0 when it is absent.
 */
static int npu_q_zp(struct npu_graph *g, const struct npu_gnode *n, int i,
		    const char *what, int32_t dtype, int64_t *count)
{
	struct npu_gval *z = npu_in(g, n, i);
	int ret;

	*count = 0;
	if (!z)
		return 0;
	ret = npu_q_const(g, n, i, what);
	if (ret)
		return ret;
	if (dtype && z->dtype != dtype)
		return NF(g, n, -EINVAL,
			  "input '%s' ('%s') is %s, not %s like the tensor it belongs to",
			  what, z->name, npu_g_dtype_name(z->dtype), npu_g_dtype_name(dtype));
	if (!dtype && !npu_is_q8(z->dtype))
		return NF(g, n, -EOPNOTSUPP,
			  "input '%s' ('%s') is %s; only int8 and uint8 are supported",
			  what, z->name, npu_g_dtype_name(z->dtype));
	if (z->rank > 1)
		return NF(g, n, -EOPNOTSUPP,
			  "input '%s' ('%s') has rank %d; only a scalar or 1-D zero point is supported",
			  what, z->name, z->rank);
	*count = npu_g_elems(z);
	if (*count < 1)
		return NF(g, n, -EINVAL, "input '%s' ('%s') is empty", what, z->name);
	return 0;
}

/* zero point @c of the optional constant @z (0 without one) */
static int64_t npu_q_zp_at(const struct npu_gval *z, int64_t c)
{
	if (!z)
		return 0;
	return npu_g_get_i(z, npu_g_elems(z) == 1 ? 0 : c);
}

/* the 8-bit integer operand @vi of a node, by name */
static int npu_need_q8(struct npu_graph *g, const struct npu_gnode *n, int i,
		       const char *what)
{
	struct npu_gval *v = npu_in(g, n, i);

	if (!npu_is_q8(v->dtype))
		return NF(g, n, -EOPNOTSUPP,
			  "input '%s' ('%s') is %s; only int8 and uint8 are supported",
			  what, v->name, npu_g_dtype_name(v->dtype));
	return 0;
}

/*
 * A per-tensor operand: scale input @si and zero-point input @zi (of
 * @dtype, 0: int8 or uint8) with one element each, into @q.
 */
static int npu_q_per_tensor(struct npu_graph *g, const struct npu_gnode *n, int si,
			    const char *sname, int zi, const char *zname,
			    int32_t dtype, struct npu_gquant *q)
{
	int64_t sc, zc;
	int ret;

	ret = npu_q_scale(g, n, si, sname, &sc);
	if (!ret)
		ret = npu_q_zp(g, n, zi, zname, dtype, &zc);
	if (ret)
		return ret;
	if (sc != 1)
		return NF(g, n, -EOPNOTSUPP,
			  "input '%s' has %lld elements; only a per-tensor (one-element) scale is supported here",
			  sname, (long long)sc);
	if (zc > 1)
		return NF(g, n, -EOPNOTSUPP,
			  "input '%s' has %lld elements; only a per-tensor (one-element) zero point is supported here",
			  zname, (long long)zc);
	memset(q, 0, sizeof(*q));
	q->type = NPU_QUANT_PER_TENSOR;
	q->scale = ((const float *)npu_in(g, n, si)->data)[0];
	q->zp = (int32_t)npu_q_zp_at(npu_in(g, n, zi), 0);
	q->scale_val = -1;
	return 0;
}

/* the axis of a per-axis scale @s of @x; its size must be x's along it */
static int npu_q_axis(struct npu_graph *g, const struct npu_gnode *n,
		      const struct npu_gval *x, const struct npu_gval *s,
		      const char *sname, int64_t *axis)
{
	int ret;

	ret = npu_axis(g, n, n->p.quant.axis, x->rank, false, axis);
	if (ret)
		return ret;
	if (s->rank != 1 || s->dims[0] != x->dims[*axis])
		return NF(g, n, -EINVAL,
			  "input '%s' has %lld elements; per-axis along axis %lld needs %lld",
			  sname, (long long)npu_g_elems(s), (long long)*axis,
			  (long long)x->dims[*axis]);
	return 0;
}

/* channel of element @i along @axis of @v, for @count channels (1: 0) */
static int64_t npu_q_channel(const struct npu_gval *v, int64_t axis, int64_t count,
			     int64_t i)
{
	int64_t inner = 1;
	int d;

	if (count == 1)
		return 0;
	for (d = (int)axis + 1; d < v->rank; d++)
		inner *= v->dims[d];
	return (i / inner) % count;
}

/* QuantizeLinear of a constant: zp + rhe(x / scale), x / scale in binary32 */
static int npu_eval_quantize(struct npu_graph *g, struct npu_gnode *n,
			     int64_t axis, int64_t count)
{
	struct npu_gval *x = npu_in(g, n, 0), *s = npu_in(g, n, 1);
	struct npu_gval *z = npu_in(g, n, 2), *y = npu_out(g, n, 0);
	int64_t i, c, zp, e = npu_g_elems(x);
	int32_t lo, hi;
	float q;
	int ret;

	ret = npu_alloc_const(g, n, y);
	if (ret)
		return ret;
	npu_q_range(y->dtype, &lo, &hi);
	for (i = 0; i < e; i++) {
		c = npu_q_channel(x, axis, count, i);
		zp = npu_q_zp_at(z, c);
		q = ((const float *)x->data)[i] / ((const float *)s->data)[c];
		npu_put(y, i, 0, zp + npu_rhe_sat((double)q, lo - (int32_t)zp,
						  hi - (int32_t)zp));
	}
	return 0;
}

static int npu_infer_quantize(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0), *z = npu_in(g, n, 2);
	int64_t sc, zc, axis = 0;
	int32_t dt;
	int ret;

	ret = npu_q_scale(g, n, 1, "y_scale", &sc);
	if (!ret)
		ret = npu_q_zp(g, n, 2, "y_zero_point", 0, &zc);
	if (ret)
		return ret;
	if (x->dtype != NPU_G_FLOAT)
		return NF(g, n, -EOPNOTSUPP,
			  "input 'x' ('%s') is %s; only float is supported",
			  x->name, npu_g_dtype_name(x->dtype));
	if (z && n->p.quant.out_dtype && n->p.quant.out_dtype != z->dtype)
		return NF(g, n, -EINVAL,
			  "attribute 'output_dtype' (%s) differs from the type of y_zero_point (%s)",
			  npu_g_dtype_name(n->p.quant.out_dtype), npu_g_dtype_name(z->dtype));
	dt = z ? z->dtype : n->p.quant.out_dtype ? n->p.quant.out_dtype : NPU_G_UINT8;
	if (z && zc != sc)
		return NF(g, n, -EINVAL, "y_zero_point has %lld elements, y_scale %lld",
			  (long long)zc, (long long)sc);
	if (sc != 1) {
		ret = npu_q_axis(g, n, x, npu_in(g, n, 1), "y_scale", &axis);
		if (ret)
			return ret;
		/* a constant is quantized here, per axis or not */
		if (!x->is_const)
			return NF(g, n, -EOPNOTSUPP,
				  "per-axis quantization (y_scale with %lld elements along axis %lld) is not supported; y_scale must have one element",
				  (long long)sc, (long long)axis);
	}
	npu_set_shape(npu_out(g, n, 0), dt, x->rank, x->dims);
	if (x->is_const)
		return npu_eval_quantize(g, n, axis, sc);
	return npu_q_per_tensor(g, n, 1, "y_scale", 2, "y_zero_point", 0, &n->q[NPU_GQ_Y]);
}

/* DequantizeLinear of a constant: (x - zp) * scale in binary32 */
static int npu_eval_dequantize(struct npu_graph *g, struct npu_gnode *n,
			       int64_t axis, int64_t count)
{
	struct npu_gval *x = npu_in(g, n, 0), *s = npu_in(g, n, 1);
	struct npu_gval *z = npu_in(g, n, 2), *y = npu_out(g, n, 0);
	int64_t i, c, e = npu_g_elems(x);
	int ret;

	ret = npu_alloc_const(g, n, y);
	if (ret)
		return ret;
	for (i = 0; i < e; i++) {
		c = npu_q_channel(x, axis, count, i);
		((float *)y->data)[i] = (float)(npu_g_get_i(x, i) - npu_q_zp_at(z, c)) *
					((const float *)s->data)[c];
	}
	return 0;
}

static int npu_infer_dequantize(struct npu_graph *g, struct npu_gnode *n)
{
	struct npu_gval *x = npu_in(g, n, 0), *s = npu_in(g, n, 1);
	struct npu_gval *z = npu_in(g, n, 2);
	struct npu_gquant *q = &n->q[NPU_GQ_X];
	int64_t sc, zc, axis = 0, c, zp = 0;
	float bad = 1.0f;
	int ret;

	if (!npu_is_q8(x->dtype) && x->dtype != NPU_G_INT32)
		return NF(g, n, -EOPNOTSUPP,
			  "input 'x' ('%s') is %s; only int8, uint8 and int32 are supported",
			  x->name, npu_g_dtype_name(x->dtype));
	ret = npu_q_scale(g, n, 1, "x_scale", &sc);
	if (!ret)
		ret = npu_q_zp(g, n, 2, "x_zero_point", x->dtype, &zc);
	if (ret)
		return ret;
	if (z && zc != sc)
		return NF(g, n, -EINVAL, "x_zero_point has %lld elements, x_scale %lld",
			  (long long)zc, (long long)sc);
	if (sc != 1) {
		ret = npu_q_axis(g, n, x, s, "x_scale", &axis);
		if (ret)
			return ret;
	}
	npu_set_shape(npu_out(g, n, 0), NPU_G_FLOAT, x->rank, x->dims);
	if (x->is_const)
		return npu_eval_dequantize(g, n, axis, sc);
	for (c = 0; c < sc; c++) {
		if (npu_q_zp_at(z, c) && !zp)
			zp = npu_q_zp_at(z, c);
		if (((const float *)s->data)[c] != 1.0f && bad == 1.0f)
			bad = ((const float *)s->data)[c];
	}
	memset(q, 0, sizeof(*q));
	q->scale_val = -1;
	if (x->dtype == NPU_G_INT32) {
		/* the stream's int32 DEQUANTIZE is a plain conversion */
		if (bad != 1.0f || zp)
			return NF(g, n, -EOPNOTSUPP,
				  "int32 input 'x' ('%s') with scale %g and zero point %lld is not supported; only scale 1 and zero point 0 (an exact conversion to float)",
				  x->name, (double)bad, (long long)zp);
		return 0;
	}
	if (sc == 1) {
		q->type = NPU_QUANT_PER_TENSOR;
		q->scale = ((const float *)s->data)[0];
		q->zp = (int32_t)npu_q_zp_at(z, 0);
		return 0;
	}
	if (zp)
		return NF(g, n, -EOPNOTSUPP,
			  "per-axis dequantization (x_scale with %lld elements along axis %lld) with a nonzero zero point (%lld in x_zero_point '%s') is not supported; per-channel zero points must be 0",
			  (long long)sc, (long long)axis, (long long)zp, z->name);
	q->type = NPU_QUANT_PER_CHANNEL;
	q->axis = (uint32_t)axis;
	q->scale_val = n->in[1];
	return 0;
}

/*
 * The weight operand of a QLinearConv (input 3, channels on axis 0) or a
 * QLinearMatMul (input 3, channels the columns, @cols) with @nch output
 * channels, scale input 4 and zero-point input 5, into q[NPU_GQ_W]: per
 * tensor for a one-element scale, per channel (on axis 0, or 1 of the
 * [K, N] matrix) for @nch scales. The stream takes int8 weights only, with
 * zero points 0 when per channel; a constant weight is converted exactly
 * when needed: uint8 to int8 as w - 128 with zero point zp - 128, and for
 * zero points that must be 0 (per channel, or varying by channel) w - zp
 * when every element fits int8. The converted constant replaces input 3.
 */
static int npu_q_weights(struct npu_graph *g, int ni, int64_t nch, bool cols)
{
	struct npu_gnode *n = &g->nodes[ni];
	struct npu_gval *w = npu_in(g, n, 3), *z = npu_in(g, n, 5);
	const char *wn = cols ? "b" : "w";
	const char *sn = cols ? "b_scale" : "w_scale";
	const char *zn = cols ? "b_zero_point" : "w_zero_point";
	int64_t sc, zc, e, i, c, zp0, v, dims[NPU_G_MAX_RANK];
	bool uniform = true, need_zero;
	struct npu_gquant *q;
	int8_t *d;
	int ret, rank, nv;

	ret = npu_q_scale(g, n, 4, sn, &sc);
	if (!ret)
		ret = npu_q_zp(g, n, 5, zn, w->dtype, &zc);
	if (ret)
		return ret;
	if (sc != 1 && sc != nch)
		return NF(g, n, -EINVAL,
			  "input '%s' has %lld elements; it must have 1 or %lld (one per output channel)",
			  sn, (long long)sc, (long long)nch);
	if (zc > 1 && zc != nch)
		return NF(g, n, -EINVAL,
			  "input '%s' has %lld elements; it must have 1 or %lld (one per output channel)",
			  zn, (long long)zc, (long long)nch);
	zp0 = npu_q_zp_at(z, 0);
	for (c = 1; c < zc; c++)
		if (npu_q_zp_at(z, c) != zp0)
			uniform = false;
	need_zero = sc != 1 || !uniform;
	e = npu_g_elems(w);
	if (!w->is_const) {
		if (w->dtype == NPU_G_UINT8)
			return NF(g, n, -EOPNOTSUPP,
				  "input '%s' ('%s') is uint8 and computed at run time; uint8 weights are supported only as constants (converted to int8)",
				  wn, w->name);
		if (need_zero && (!uniform || zp0))
			return NF(g, n, -EOPNOTSUPP,
				  "input '%s' ('%s') is computed at run time with per-channel quantization; its zero points ('%s') must all be 0",
				  wn, w->name, zn);
	} else if (w->dtype == NPU_G_UINT8 || (need_zero && (!uniform || zp0))) {
		d = malloc((size_t)(e ? e : 1));
		if (!d)
			return NF(g, n, -ENOMEM, "out of memory");
		for (i = 0; i < e; i++) {
			c = cols ? i % nch : i / (e / nch);
			v = npu_g_get_i(w, i) - (need_zero ? npu_q_zp_at(z, c) : 128);
			if (v < -128 || v > 127) {
				free(d);
				return NF(g, n, -EOPNOTSUPP,
					  "per-channel weights need zero points 0, and input '%s' ('%s') minus '%s' does not fit int8 (element %lld is %lld)",
					  wn, w->name, zn, (long long)i, (long long)v);
			}
			d[i] = (int8_t)v;
		}
		rank = w->rank;
		memcpy(dims, w->dims, sizeof(dims));
		nv = npu_g_new_const(g, w->name, NPU_G_INT8, rank, dims, d);
		free(d);
		if (nv < 0)
			return nv;
		n = &g->nodes[ni];
		n->in[3] = nv;
		zp0 = need_zero ? 0 : zp0 - 128;
	}
	q = &n->q[NPU_GQ_W];
	memset(q, 0, sizeof(*q));
	q->scale_val = -1;
	if (sc == 1) {
		q->type = NPU_QUANT_PER_TENSOR;
		q->scale = ((const float *)npu_in(g, n, 4)->data)[0];
		q->zp = need_zero ? 0 : (int32_t)zp0;
	} else {
		q->type = NPU_QUANT_PER_CHANNEL;
		q->axis = cols ? 1 : 0;
		q->scale_val = n->in[4];
	}
	return 0;
}

static int npu_infer_qconv(struct npu_graph *g, int ni)
{
	struct npu_gnode *n = &g->nodes[ni];
	struct npu_gval *x = npu_in(g, n, 0), *w = npu_in(g, n, 3);
	struct npu_gval *b = npu_in(g, n, 8);
	int64_t dims[4], oc;
	int32_t ydt;
	int ret;

	ret = npu_need_rank(g, n, x, "x", 4);
	if (!ret)
		ret = npu_need_rank(g, n, w, "w", 4);
	if (!ret)
		ret = npu_need_q8(g, n, 0, "x");
	if (!ret)
		ret = npu_need_q8(g, n, 3, "w");
	if (!ret && b && b->dtype != NPU_G_INT32)
		ret = NF(g, n, -EINVAL, "input 'B' ('%s') is %s, not int32",
			 b->name, npu_g_dtype_name(b->dtype));
	if (!ret)
		ret = npu_q_per_tensor(g, n, 1, "x_scale", 2, "x_zero_point", x->dtype,
				       &n->q[NPU_GQ_X]);
	if (!ret)
		ret = npu_q_per_tensor(g, n, 6, "y_scale", 7, "y_zero_point", 0,
				       &n->q[NPU_GQ_Y]);
	if (!ret)
		ret = npu_conv_shape(g, n, x, w, b, dims);
	if (ret)
		return ret;
	ydt = npu_in(g, n, 7)->dtype;
	oc = w->dims[0];
	ret = npu_q_weights(g, ni, oc, false);
	if (ret)
		return ret;
	n = &g->nodes[ni];
	npu_set_shape(npu_out(g, n, 0), ydt, 4, dims);
	return 0;
}

static int npu_infer_qmatmul(struct npu_graph *g, int ni)
{
	struct npu_gnode *n = &g->nodes[ni];
	struct npu_gval *a = npu_in(g, n, 0), *b = npu_in(g, n, 3);
	int64_t dims[NPU_G_MAX_RANK], nn;
	int32_t ydt;
	int ret, r;

	ret = npu_need_q8(g, n, 0, "a");
	if (!ret)
		ret = npu_need_q8(g, n, 3, "b");
	if (!ret)
		ret = npu_q_per_tensor(g, n, 1, "a_scale", 2, "a_zero_point", a->dtype,
				       &n->q[NPU_GQ_X]);
	if (!ret)
		ret = npu_q_per_tensor(g, n, 6, "y_scale", 7, "y_zero_point", 0,
				       &n->q[NPU_GQ_Y]);
	if (!ret)
		ret = npu_matmul_shape(g, n, a, b, &r, dims);
	if (ret)
		return ret;
	ydt = npu_in(g, n, 7)->dtype;
	nn = b->rank > 1 ? b->dims[b->rank - 1] : 1;
	ret = npu_q_weights(g, ni, nn, true);
	if (ret)
		return ret;
	n = &g->nodes[ni];
	npu_set_shape(npu_out(g, n, 0), ydt, r, dims);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Per node                                                            */

static bool npu_all_const(struct npu_graph *g, const struct npu_gnode *n)
{
	int i;

	for (i = 0; i < n->nin; i++)
		if (n->in[i] >= 0 && !g->vals[n->in[i]].is_const)
			return false;
	return true;
}

static int npu_infer_node(struct npu_graph *g, int ni)
{
	struct npu_gnode *n = &g->nodes[ni];
	struct npu_gval *x = npu_in(g, n, 0), *y = npu_out(g, n, 0);
	bool fold = npu_all_const(g, n);
	int64_t dims[NPU_G_MAX_RANK], axis;
	int ret = 0, r;

	switch (n->op) {
	case NPU_GOP_IDENTITY:
		if (npu_in(g, n, 2)) {
			struct npu_gval *tm = npu_in(g, n, 2);

			if (!tm->is_const || npu_g_elems(tm) != 1 || npu_g_get_i(tm, 0))
				return NF(g, n, -EOPNOTSUPP,
					  "training mode is not supported");
		}
		npu_set_shape(y, x->dtype, x->rank, x->dims);
		if (npu_out(g, n, 1))
			npu_set_shape(npu_out(g, n, 1), NPU_G_BOOL, x->rank, x->dims);
		if (x->is_const)
			ret = npu_eval_copy(g, n);
		break;
	case NPU_GOP_CONV:
	case NPU_GOP_CONV_T:
		return npu_infer_conv(g, n);
	case NPU_GOP_BN:
		return npu_infer_bn(g, n);
	case NPU_GOP_GEMM:
		return npu_infer_gemm(g, n);
	case NPU_GOP_MATMUL:
		return npu_infer_matmul(g, n);
	case NPU_GOP_ADD:
	case NPU_GOP_SUB:
	case NPU_GOP_MUL:
	case NPU_GOP_DIV: {
		struct npu_gval *b = npu_in(g, n, 1);

		if (x->dtype != b->dtype)
			return NF(g, n, -EINVAL, "inputs are %s and %s",
				  npu_g_dtype_name(x->dtype), npu_g_dtype_name(b->dtype));
		ret = npu_bcast(g, n, x, b, &r, dims);
		if (ret)
			return ret;
		npu_set_shape(y, x->dtype, r, dims);
		if (fold)
			ret = npu_eval_binary(g, n);
		else
			ret = npu_need_float(g, n, x, "A");
		break;
	}
	case NPU_GOP_CLIP:
		if (g->opset >= 11) {
			ret = npu_const_float(g, n, 1, "min", &n->p.clip.min);
			if (!ret)
				ret = npu_const_float(g, n, 2, "max", &n->p.clip.max);
			if (ret)
				return ret;
		}
		if (!(n->p.clip.min <= n->p.clip.max))
			return NF(g, n, -EINVAL, "min %g is above max %g",
				  (double)n->p.clip.min, (double)n->p.clip.max);
		/* bounds beyond the float range act as no bound */
		if (n->p.clip.min < -FLT_MAX)
			n->p.clip.min = -FLT_MAX;
		if (n->p.clip.max > FLT_MAX)
			n->p.clip.max = FLT_MAX;
		__attribute__((fallthrough));
	case NPU_GOP_RELU:
	case NPU_GOP_SIGMOID:
	case NPU_GOP_HARD_SIGMOID:
	case NPU_GOP_HARD_SWISH:
	case NPU_GOP_TANH:
		ret = npu_need_float(g, n, x, "X");
		if (ret)
			return ret;
		npu_set_shape(y, x->dtype, x->rank, x->dims);
		if (x->is_const)
			ret = npu_eval_unary(g, n);
		break;
	case NPU_GOP_MAXPOOL:
	case NPU_GOP_AVGPOOL:
		return npu_infer_pool(g, n);
	case NPU_GOP_GAP:
		ret = npu_need_float(g, n, x, "X");
		if (ret)
			return ret;
		if (x->rank != 4)
			return npu_need_rank(g, n, x, "X", 4);
		memcpy(dims, x->dims, sizeof(dims));
		dims[2] = dims[3] = 1;
		npu_set_shape(y, x->dtype, 4, dims);
		break;
	case NPU_GOP_SOFTMAX:
		ret = npu_need_float(g, n, x, "X");
		if (!ret)
			ret = npu_axis(g, n, n->p.axis.axis, x->rank, false, &axis);
		if (ret)
			return ret;
		n->p.axis.axis = axis;
		npu_set_shape(y, x->dtype, x->rank, x->dims);
		break;
	case NPU_GOP_CONCAT:
		ret = npu_infer_concat(g, n);
		if (!ret && fold)
			ret = npu_eval_concat(g, n);
		break;
	case NPU_GOP_RESIZE:
		return npu_infer_resize(g, n);
	case NPU_GOP_TRANSPOSE:
		ret = npu_infer_transpose(g, n);
		if (!ret && fold)
			ret = npu_eval_transpose(g, n);
		break;
	case NPU_GOP_RESHAPE:
		ret = npu_infer_reshape(g, n);
		if (!ret && x->is_const)
			ret = npu_eval_copy(g, n);
		break;
	case NPU_GOP_FLATTEN:
		ret = npu_infer_flatten(g, n);
		if (!ret && x->is_const)
			ret = npu_eval_copy(g, n);
		break;
	case NPU_GOP_SQUEEZE:
	case NPU_GOP_UNSQUEEZE:
		ret = npu_infer_squeeze(g, n);
		if (!ret && x->is_const)
			ret = npu_eval_copy(g, n);
		break;
	case NPU_GOP_SHAPE:
		ret = npu_eval_shape(g, n);
		break;
	case NPU_GOP_CAST:
		npu_set_shape(y, n->p.cast.to, x->rank, x->dims);
		if (fold)
			ret = npu_eval_cast(g, n);
		break;
	case NPU_GOP_SLICE:
		ret = npu_infer_slice(g, n);
		if (!ret && fold)
			ret = npu_eval_slice(g, n);
		break;
	case NPU_GOP_GATHER:
		ret = npu_infer_gather(g, n);
		if (!ret && fold)
			ret = npu_eval_gather(g, n);
		break;
	case NPU_GOP_QUANTIZE:
		ret = npu_infer_quantize(g, n);
		break;
	case NPU_GOP_DEQUANTIZE:
		ret = npu_infer_dequantize(g, n);
		break;
	case NPU_GOP_QCONV:
		return npu_infer_qconv(g, ni);
	case NPU_GOP_QMATMUL:
		return npu_infer_qmatmul(g, ni);
	case NPU_GOP_CONSTANT_OF_SHAPE:
		if (!fold)
			return NF(g, n, -EOPNOTSUPP,
				  "input 'input' is computed at run time; it must be a constant");
		ret = npu_eval_cos(g, n);
		break;
	default:
		return NF(g, n, -EOPNOTSUPP, "operator not handled");
	}
	if (ret)
		return ret;
	/* a node all of whose outputs are now constants is done */
	if (y->is_const)
		n->dead = true;
	return 0;
}

/* a binary min-heap of node indices */
static void npu_heap_push(int *h, uint32_t *n, int v)
{
	uint32_t i = (*n)++, p;

	while (i && h[p = (i - 1) / 2] > v) {
		h[i] = h[p];
		i = p;
	}
	h[i] = v;
}

static int npu_heap_pop(int *h, uint32_t *n)
{
	int top = h[0], v = h[--(*n)];
	uint32_t i = 0, c;

	while ((c = 2 * i + 1) < *n) {
		if (c + 1 < *n && h[c + 1] < h[c])
			c++;
		if (h[c] >= v)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = v;
	return top;
}

/*
 * Kahn's algorithm over the live nodes (constants and inputs are ready),
 * always taking the ready node that comes first in the file: the file's
 * order when it is topological (exporters write nodes in execution order,
 * which keeps few activations alive at a time), a valid order otherwise.
 */
int npu_g_topo(struct npu_graph *g)
{
	uint32_t *pending, i, nheap = 0, nord = 0;
	int **users = NULL, *nusers = NULL, *heap = NULL, *order = NULL;
	int j, k, vi, ret = 0;

	free(g->order);
	g->order = NULL;
	pending = calloc(g->nnodes + 1, sizeof(*pending));
	heap = calloc(g->nnodes + 1, sizeof(*heap));
	order = calloc(g->nnodes + 1, sizeof(*order));
	nusers = calloc(g->nvals + 1, sizeof(*nusers));
	users = calloc(g->nvals + 1, sizeof(*users));
	if (!pending || !heap || !order || !nusers || !users) {
		ret = npu_g_fail(g, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < g->nnodes; i++) {
		if (g->nodes[i].dead)
			continue;
		for (j = 0; j < g->nodes[i].nin; j++) {
			vi = g->nodes[i].in[j];
			if (vi >= 0 && g->vals[vi].producer >= 0 &&
			    !g->nodes[g->vals[vi].producer].dead) {
				pending[i]++;
				nusers[vi]++;
			}
		}
	}
	for (i = 0; i < g->nvals; i++) {
		users[i] = malloc(sizeof(int) * (size_t)(nusers[i] ? nusers[i] : 1));
		if (!users[i]) {
			ret = npu_g_fail(g, -ENOMEM, "out of memory");
			goto out;
		}
		nusers[i] = 0;
	}
	for (i = 0; i < g->nnodes; i++) {
		if (g->nodes[i].dead)
			continue;
		for (j = 0; j < g->nodes[i].nin; j++) {
			vi = g->nodes[i].in[j];
			if (vi >= 0 && g->vals[vi].producer >= 0 &&
			    !g->nodes[g->vals[vi].producer].dead)
				users[vi][nusers[vi]++] = (int)i;
		}
		if (!pending[i])
			npu_heap_push(heap, &nheap, (int)i);
	}
	while (nheap) {
		int ni = npu_heap_pop(heap, &nheap);

		order[nord++] = ni;
		for (j = 0; j < g->nodes[ni].nout; j++) {
			vi = g->nodes[ni].out[j];
			if (vi < 0)
				continue;
			for (k = 0; k < nusers[vi]; k++)
				if (!--pending[users[vi][k]])
					npu_heap_push(heap, &nheap, users[vi][k]);
		}
	}
	for (i = 0; i < g->nnodes; i++) {
		if (!g->nodes[i].dead && pending[i]) {
			ret = npu_g_node_fail(g, &g->nodes[i], -EINVAL,
					      "the graph has a cycle through this node");
			goto out;
		}
	}
	order[nord] = -1;
	g->order = order;
	order = NULL;
out:
	if (users)
		for (i = 0; i < g->nvals; i++)
			free(users[i]);
	free(users);
	free(nusers);
	free(pending);
	free(heap);
	free(order);
	return ret;
}

int npu_g_infer(struct npu_graph *g)
{
	uint32_t i;
	int ret, j;

	ret = npu_g_topo(g);
	if (ret)
		return ret;
	for (i = 0; g->order[i] >= 0; i++) {
		struct npu_gnode *n = &g->nodes[g->order[i]];

		for (j = 0; j < n->nin; j++) {
			if (n->in[j] >= 0 && g->vals[n->in[j]].rank < 0)
				return npu_g_node_fail(g, n, -EINVAL,
						       "input '%s' has no known shape",
						       g->vals[n->in[j]].name);
		}
		ret = npu_infer_node(g, g->order[i]);
		if (ret)
			return ret;
		for (j = 0; j < n->nout; j++) {
			struct npu_gval *v = npu_out(g, n, j);

			if (v && v->rank < 0)
				v->rank = 0;	/* outputs a shape function left alone */
			if (v && npu_g_elems(v) > NPU_G_MAX_ELEMS)
				return npu_g_node_fail(g, n, -E2BIG,
						       "output '%s' is too large", v->name);
		}
	}
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: graph rewrites between shape inference and lowering.
 *
 * All of them are exact rewrites of the inference computation (up to float
 * rounding, since folded weights are computed once in double and rounded
 * to float):
 *
 * - Gemm: alpha folded into a constant B, beta * C into a constant bias.
 * - Affine folding into a Conv, ConvTranspose, Gemm or MatMul whose weights
 *   are constant and whose output feeds only this node: BatchNormalization
 *   (y = (x - mean) * scale / sqrt(var + eps) + B), and Mul / Add / Sub by a
 *   constant that is the same along every axis but the channel axis (axis 1
 *   of NCHW, the last axis of a Gemm/MatMul; Mul only into convolutions).
 *   The weights are rewritten into new constants (the originals may be
 *   shared) and the bias is created or adjusted.
 * - A BatchNormalization that cannot be folded becomes Mul + Add by
 *   constant [C, 1, ...] tensors.
 * - HardSwish: x * HardSigmoid(x) with alpha 1/6 (within 1e-6) and beta
 *   0.5, and x * Clip(x + 3, 0, 6) / 6 in its usual spellings (the final
 *   division may be a multiplication by 1/6, or apply to the Clip).
 * - Activations (Relu, Clip, Sigmoid, HardSigmoid, HardSwish) fused into
 *   the op computing their input when that op can carry one (conv, conv
 *   transpose, Gemm/MatMul, Add, Sub, Mul, Div) and nothing else reads the
 *   intermediate value.
 * - Nodes whose outputs nobody reads are removed.
 *
 * Intermediate values are only rewritten away when the pattern's nodes are
 * their only readers and they are not graph outputs.
 *
 * Quantized nodes (QuantizeLinear, DequantizeLinear, QLinearConv,
 * QLinearMatMul) are never rewritten: folding a BatchNormalization or a
 * Mul/Add into int8 weights would change their quantization, and an
 * activation fused into a quantized op would act in its integer domain.
 * Each pass names the float operators it rewrites (and fusion wants a
 * float intermediate), so a quantized producer or consumer never matches:
 * a BatchNormalization after QLinearConv -> DequantizeLinear becomes
 * Mul + Add, a Relu after DequantizeLinear stays a RELU.
 */
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

/* the live node producing value @vi, or -1 */
static int npu_prod(const struct npu_graph *g, int vi)
{
	int p;

	if (vi < 0)
		return -1;
	p = g->vals[vi].producer;
	return p >= 0 && !g->nodes[p].dead ? p : -1;
}

/* a value only this pattern reads: one use, not a graph output */
static bool npu_private(const struct npu_graph *g, int vi)
{
	return vi >= 0 && g->vals[vi].uses == 1 && !g->vals[vi].is_output;
}

/* append "+@type" to a node's op_type (for the per-op report) */
static int npu_add_type(struct npu_graph *g, int ni, const char *type)
{
	struct npu_gnode *n = &g->nodes[ni];
	size_t a = strlen(n->op_type), b = strlen(type);
	char *s;

	s = realloc(n->op_type, a + b + 2);
	if (!s)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	s[a] = '+';
	memcpy(s + a + 1, type, b + 1);
	n->op_type = s;
	return 0;
}

/* make sure node @ni has input slot @slot, then set it */
static int npu_set_input(struct npu_graph *g, int ni, int slot, int vi)
{
	struct npu_gnode *n = &g->nodes[ni];
	int *in, i;

	if (slot >= n->nin) {
		in = realloc(n->in, sizeof(int) * (size_t)(slot + 1));
		if (!in)
			return npu_g_fail(g, -ENOMEM, "out of memory");
		for (i = n->nin; i <= slot; i++)
			in[i] = -1;
		n->in = in;
		n->nin = slot + 1;
	}
	n->in[slot] = vi;
	return 0;
}

/* node @ni now produces @vi in output slot 0 (another node's output) */
static void npu_take_output(struct npu_graph *g, int ni, int vi)
{
	g->nodes[ni].out[0] = vi;
	g->vals[vi].producer = ni;
}

/* a scalar float constant, as a double, or NAN */
static double npu_scalar(const struct npu_graph *g, int vi)
{
	const struct npu_gval *v;

	if (vi < 0)
		return NAN;
	v = &g->vals[vi];
	if (!v->is_const || npu_g_elems(v) != 1 || v->dtype != NPU_G_FLOAT)
		return NAN;
	return npu_g_get_f(v, 0);
}

/* a broadcast-neutral scalar: one element, rank no larger than @like's */
static bool npu_is_scalar(const struct npu_graph *g, int vi, int like, double want,
			  double tol)
{
	double x = npu_scalar(g, vi);

	return !isnan(x) && fabs(x - want) <= tol &&
	       g->vals[vi].rank <= g->vals[like].rank;
}

/* ------------------------------------------------------------------ */
/* Checks and dead code                                                */

/* extra outputs of BN (training), Dropout (mask), MaxPool (indices) */
static int npu_check_extra_outputs(struct npu_graph *g)
{
	uint32_t i;
	int j, vi;

	for (i = 0; i < g->nnodes; i++) {
		struct npu_gnode *n = &g->nodes[i];

		if (n->dead)
			continue;
		for (j = 1; j < n->nout; j++) {
			vi = n->out[j];
			if (vi >= 0 && (g->vals[vi].uses || g->vals[vi].is_output))
				return NF(g, n, -EOPNOTSUPP,
					  "output %d ('%s') is used; only the first output is supported",
					  j, g->vals[vi].name);
		}
	}
	return 0;
}

static void npu_remove_dead(struct npu_graph *g)
{
	int k, j, cnt = 0;
	bool used;

	npu_g_count_uses(g);
	while (g->order[cnt] >= 0)
		cnt++;
	for (k = cnt - 1; k >= 0; k--) {
		struct npu_gnode *n = &g->nodes[g->order[k]];

		if (n->dead)
			continue;
		used = false;
		for (j = 0; j < n->nout; j++)
			if (n->out[j] >= 0 && (g->vals[n->out[j]].uses ||
					       g->vals[n->out[j]].is_output))
				used = true;
		if (used)
			continue;
		n->dead = true;
		for (j = 0; j < n->nin; j++)
			if (n->in[j] >= 0)
				g->vals[n->in[j]].uses--;
	}
}

/* ------------------------------------------------------------------ */
/* Gemm canonical form                                                 */

/* alpha into a constant B; beta * C into a constant [N] bias */
static int npu_gemm_canon(struct npu_graph *g, int ni)
{
	struct npu_gnode *n = &g->nodes[ni];
	struct npu_gval *b = npu_in(g, n, 1), *c = npu_in(g, n, 2);
	int64_t nn = g->vals[n->out[0]].dims[1], e, i, cdim;
	float *d;
	int vi;

	if (b->is_const && n->p.gemm.alpha != 1.0f) {
		e = npu_g_elems(b);
		d = malloc((size_t)e * sizeof(float));
		if (!d)
			return npu_g_fail(g, -ENOMEM, "out of memory");
		for (i = 0; i < e; i++)
			d[i] = n->p.gemm.alpha * ((const float *)b->data)[i];
		vi = npu_g_new_const(g, b->name, NPU_G_FLOAT, b->rank, b->dims, d);
		free(d);
		if (vi < 0)
			return vi;
		n = &g->nodes[ni];
		n->in[1] = vi;
		n->p.gemm.alpha = 1.0f;
	}
	c = npu_in(g, n, 2);
	if (!c || !c->is_const)
		return 0;
	/* C broadcast to [M, N] varies along N only: a bias */
	cdim = c->rank ? c->dims[c->rank - 1] : 1;
	if (npu_g_elems(c) != cdim)
		return 0;
	d = malloc((size_t)nn * sizeof(float));
	if (!d)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	for (i = 0; i < nn; i++)
		d[i] = n->p.gemm.beta * ((const float *)c->data)[cdim == 1 ? 0 : i];
	vi = npu_g_new_const(g, c->name, NPU_G_FLOAT, 1, &nn, d);
	free(d);
	if (vi < 0)
		return vi;
	n = &g->nodes[ni];
	n->in[2] = vi;
	n->p.gemm.beta = 1.0f;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Affine folding                                                      */

/*
 * The output channel count of a conv-like producer @pi, and whether a
 * constant of shape @c broadcast over its output varies only along the
 * channel axis (axis 1 for NCHW, the last axis for Gemm/MatMul).
 */
static bool npu_per_channel(const struct npu_graph *g, int pi,
			    const struct npu_gval *c)
{
	const struct npu_gnode *p = &g->nodes[pi];
	const struct npu_gval *y = &g->vals[p->out[0]];
	int caxis = (p->op == NPU_GOP_CONV || p->op == NPU_GOP_CONV_T) ? 1 :
		    y->rank - 1;
	int i, ia;

	if (c->rank > y->rank || c->dtype != NPU_G_FLOAT)
		return false;
	for (i = 0; i < c->rank; i++) {
		ia = y->rank - c->rank + i;
		if (c->dims[i] == 1)
			continue;
		if (ia != caxis || c->dims[i] != y->dims[ia])
			return false;
	}
	return true;
}

/*
 * Scale output channel oc of producer @pi by s[oc] and add t[oc]: new
 * weight and bias constants. @oc_n is the channel count.
 */
static int npu_apply_affine(struct npu_graph *g, int pi, const double *s,
			    const double *t, int64_t oc_n, const char *type)
{
	struct npu_gnode *p = &g->nodes[pi];
	struct npu_gval *w = npu_in(g, p, 1), *b = npu_in(g, p, 2);
	int64_t e = npu_g_elems(w), i, oc, inner, per_c, cpg, ocpg;
	float *nw = NULL, *nb = NULL;
	int wi = -1, bi, ret;

	nb = malloc((size_t)oc_n * sizeof(float));
	if (!nb)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	for (oc = 0; oc < oc_n; oc++) {
		double bv = b ? ((const float *)b->data)[oc] : 0.0;

		nb[oc] = (float)(bv * s[oc] + t[oc]);
	}
	if (s) {
		bool ident = true;

		for (oc = 0; oc < oc_n; oc++)
			if (s[oc] != 1.0)
				ident = false;
		if (!ident) {
			nw = malloc((size_t)e * sizeof(float));
			if (!nw) {
				free(nb);
				return npu_g_fail(g, -ENOMEM, "out of memory");
			}
			for (i = 0; i < e; i++) {
				switch (p->op) {
				case NPU_GOP_CONV:	/* [OC, C/g, kh, kw] */
					inner = e / w->dims[0];
					oc = i / inner;
					break;
				case NPU_GOP_CONV_T:	/* [C, OC/g, kh, kw] */
					inner = w->dims[2] * w->dims[3];
					per_c = w->dims[1] * inner;
					cpg = w->dims[0] / p->p.conv.group;
					ocpg = w->dims[1];
					oc = (i / per_c) / cpg * ocpg + (i % per_c) / inner;
					break;
				default:		/* GEMM B [K, N], or [N, K] */
					if (p->op == NPU_GOP_GEMM && p->p.gemm.trans_b)
						oc = i / w->dims[1];
					else
						oc = i % w->dims[w->rank - 1];
					break;
				}
				nw[i] = (float)(((const float *)w->data)[i] * s[oc]);
			}
			wi = npu_g_new_const(g, w->name, NPU_G_FLOAT, w->rank, w->dims, nw);
			free(nw);
			if (wi < 0) {
				free(nb);
				return wi;
			}
		}
	}
	bi = npu_g_new_const(g, b ? g->vals[p->in[2]].name : g->vals[p->out[0]].name,
			     NPU_G_FLOAT, 1, &oc_n, nb);
	free(nb);
	if (bi < 0)
		return bi;
	if (wi >= 0)
		g->nodes[pi].in[1] = wi;
	ret = npu_set_input(g, pi, 2, bi);
	if (!ret)
		ret = npu_add_type(g, pi, type);
	return ret;
}

/* can node @ni (BN, or Mul/Add/Sub with a constant) fold into its input's producer? */
static int npu_try_fold(struct npu_graph *g, int ni)
{
	struct npu_gnode *n = &g->nodes[ni], *p;
	int xi, ci = -1, pi, k;
	struct npu_gval *y, *c;
	int64_t oc_n, i;
	double *s = NULL, *t = NULL;
	int ret;

	if (n->op == NPU_GOP_BN) {
		xi = n->in[0];
		for (k = 1; k < 5; k++)
			if (!g->vals[n->in[k]].is_const)
				return 0;
	} else {
		if (g->vals[n->in[0]].is_const == g->vals[n->in[1]].is_const)
			return 0;
		k = g->vals[n->in[0]].is_const ? 0 : 1;
		if (n->op == NPU_GOP_SUB && k == 0)
			return 0;	/* c - x */
		ci = n->in[k];
		xi = n->in[1 - k];
	}
	pi = npu_prod(g, xi);
	if (pi < 0 || !npu_private(g, xi))
		return 0;
	p = &g->nodes[pi];
	if (p->act.act != NPU_ACT_NONE || p->nout != 1)
		return 0;
	/* float producers only: never QLinearConv, QLinearMatMul, DequantizeLinear */
	if (p->op != NPU_GOP_CONV && p->op != NPU_GOP_CONV_T &&
	    p->op != NPU_GOP_GEMM && p->op != NPU_GOP_MATMUL)
		return 0;
	if (g->vals[xi].dtype != NPU_G_FLOAT)
		return 0;
	if (!g->vals[p->in[1]].is_const ||
	    (p->nin > 2 && p->in[2] >= 0 && !g->vals[p->in[2]].is_const))
		return 0;
	y = &g->vals[p->out[0]];
	if (p->op == NPU_GOP_GEMM) {
		if (p->p.gemm.alpha != 1.0f || p->p.gemm.beta != 1.0f ||
		    (p->nin > 2 && p->in[2] >= 0 && g->vals[p->in[2]].rank != 1))
			return 0;
	}
	if (p->op == NPU_GOP_MATMUL && g->vals[p->in[1]].rank != 2)
		return 0;
	if (n->op != NPU_GOP_BN) {
		c = &g->vals[ci];
		if (!npu_per_channel(g, pi, c))
			return 0;
		/* the result must keep the producer's shape */
		if (c->rank > y->rank)
			return 0;
		/* Mul into GEMM weights is fine too, but keep it to convolutions */
		if (n->op == NPU_GOP_MUL && p->op != NPU_GOP_CONV && p->op != NPU_GOP_CONV_T)
			return 0;
	}
	if (n->op == NPU_GOP_BN && (p->op == NPU_GOP_GEMM || p->op == NPU_GOP_MATMUL))
		return 0;	/* BN's channel axis is 1, not the last */

	oc_n = (p->op == NPU_GOP_CONV || p->op == NPU_GOP_CONV_T) ? y->dims[1] :
	       y->dims[y->rank - 1];
	s = malloc((size_t)oc_n * sizeof(double));
	t = malloc((size_t)oc_n * sizeof(double));
	if (!s || !t) {
		ret = npu_g_fail(g, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < oc_n; i++) {
		if (n->op == NPU_GOP_BN) {
			const float *gm = g->vals[n->in[1]].data, *bt = g->vals[n->in[2]].data;
			const float *mu = g->vals[n->in[3]].data, *var = g->vals[n->in[4]].data;
			double d = (double)var[i] + (double)n->p.bn.epsilon;

			if (!(d > 0)) {
				ret = NF(g, n, -EINVAL, "var + epsilon is not positive in channel %lld",
					 (long long)i);
				goto out;
			}
			s[i] = (double)gm[i] / sqrt(d);
			t[i] = (double)bt[i] - (double)mu[i] * s[i];
		} else {
			c = &g->vals[ci];
			double cv = npu_g_get_f(c, npu_g_elems(c) == 1 ? 0 : i);

			s[i] = n->op == NPU_GOP_MUL ? cv : 1.0;
			t[i] = n->op == NPU_GOP_ADD ? cv : n->op == NPU_GOP_SUB ? -cv : 0.0;
		}
	}
	ret = npu_apply_affine(g, pi, s, t, oc_n, g->nodes[ni].op_type);
	if (ret)
		goto out;
	n = &g->nodes[ni];
	npu_take_output(g, pi, n->out[0]);
	n->dead = true;
	g->vals[xi].uses = 0;
	g->vals[xi].producer = -1;
	ret = 1;
out:
	free(s);
	free(t);
	return ret;
}

/* a BatchNormalization left alone becomes Mul + Add by constants */
static int npu_bn_to_affine(struct npu_graph *g, int ni)
{
	struct npu_gnode *n = &g->nodes[ni];
	int64_t cdim = g->vals[n->in[0]].dims[1], dims[NPU_G_MAX_RANK], i;
	int rank = g->vals[n->in[0]].rank - 1, si, ti, tmp, ai, yi = n->out[0];
	float *s, *t;

	for (i = 1; i < 5; i++)
		if (!g->vals[n->in[i]].is_const)
			return NF(g, n, -EOPNOTSUPP,
				  "input %lld ('%s') is computed at run time; scale, B, mean and var must be constants",
				  (long long)i, g->vals[n->in[i]].name);
	s = malloc((size_t)cdim * sizeof(float));
	t = malloc((size_t)cdim * sizeof(float));
	if (!s || !t) {
		free(s);
		free(t);
		return npu_g_fail(g, -ENOMEM, "out of memory");
	}
	for (i = 0; i < cdim; i++) {
		const float *gm = g->vals[n->in[1]].data, *bt = g->vals[n->in[2]].data;
		const float *mu = g->vals[n->in[3]].data, *var = g->vals[n->in[4]].data;
		double d = (double)var[i] + (double)n->p.bn.epsilon, sc;

		if (!(d > 0)) {
			free(s);
			free(t);
			return NF(g, n, -EINVAL, "var + epsilon is not positive in channel %lld",
				  (long long)i);
		}
		sc = (double)gm[i] / sqrt(d);
		s[i] = (float)sc;
		t[i] = (float)((double)bt[i] - (double)mu[i] * sc);
	}
	dims[0] = cdim;
	for (i = 1; i < rank; i++)
		dims[i] = 1;
	si = npu_g_new_const(g, "bn.scale", NPU_G_FLOAT, rank, dims, s);
	ti = si < 0 ? si : npu_g_new_const(g, "bn.shift", NPU_G_FLOAT, rank, dims, t);
	free(s);
	free(t);
	if (ti < 0)
		return ti;
	n = &g->nodes[ni];
	tmp = npu_g_new_value(g, g->vals[yi].name, NPU_G_FLOAT, g->vals[yi].rank,
			      g->vals[yi].dims);
	if (tmp < 0)
		return tmp;
	ai = npu_g_add_node(g, g->nodes[ni].name, "BatchNormalization", NPU_GOP_ADD, 2, 1);
	if (ai < 0)
		return ai;
	n = &g->nodes[ni];
	/* the BN node becomes the Mul: x * s -> tmp; the new node: tmp + t -> y */
	n->op = NPU_GOP_MUL;
	n->nin = 2;
	n->nout = 1;
	n->in[1] = si;
	n->out[0] = tmp;
	g->vals[tmp].producer = ni;
	g->nodes[ai].in[0] = tmp;
	g->nodes[ai].in[1] = ti;
	g->nodes[ai].out[0] = yi;
	g->vals[yi].producer = ai;
	g->vals[tmp].uses = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* HardSwish                                                           */

/* @vi = Clip(Add(x, 3), 0, 6), both private: returns x, else -1 */
static int npu_relu6_plus3(const struct npu_graph *g, int vi)
{
	const struct npu_gnode *cl, *ad;
	int ci, ai, k;

	ci = npu_prod(g, vi);
	if (ci < 0 || !npu_private(g, vi))
		return -1;
	cl = &g->nodes[ci];
	if (cl->op != NPU_GOP_CLIP || cl->p.clip.min != 0.0f || cl->p.clip.max != 6.0f)
		return -1;
	ai = npu_prod(g, cl->in[0]);
	if (ai < 0 || !npu_private(g, cl->in[0]))
		return -1;
	ad = &g->nodes[ai];
	if (ad->op != NPU_GOP_ADD || ad->act.act != NPU_ACT_NONE)
		return -1;
	for (k = 0; k < 2; k++)
		if (!g->vals[ad->in[k]].is_const &&
		    npu_is_scalar(g, ad->in[1 - k], ad->in[k], 3.0, 0.0))
			return ad->in[k];
	return -1;
}

/* kill the Clip and Add under @vi (npu_relu6_plus3() matched) */
static void npu_kill_relu6(struct npu_graph *g, int vi)
{
	int ci = npu_prod(g, vi);
	int ai = npu_prod(g, g->nodes[ci].in[0]);

	g->nodes[ci].dead = true;
	g->nodes[ai].dead = true;
}

/* is @vi = r / 6 or r * (1/6) with r = relu6(x + 3)? returns x, else -1 */
static int npu_hsig6(const struct npu_graph *g, int vi, int *r)
{
	const struct npu_gnode *d;
	int di, x;

	di = npu_prod(g, vi);
	if (di < 0 || !npu_private(g, vi))
		return -1;
	d = &g->nodes[di];
	if (d->act.act != NPU_ACT_NONE)
		return -1;
	if (d->op == NPU_GOP_DIV && npu_is_scalar(g, d->in[1], d->in[0], 6.0, 0.0)) {
		*r = d->in[0];
	} else if (d->op == NPU_GOP_MUL &&
		   npu_is_scalar(g, d->in[1], d->in[0], 1.0 / 6.0, 1e-6)) {
		*r = d->in[0];
	} else if (d->op == NPU_GOP_MUL &&
		   npu_is_scalar(g, d->in[0], d->in[1], 1.0 / 6.0, 1e-6)) {
		*r = d->in[1];
	} else {
		return -1;
	}
	x = npu_relu6_plus3(g, *r);
	return x;
}

/* turn node @ni into HardSwish(@x), named after its pattern */
static int npu_make_hswish(struct npu_graph *g, int ni, int x, const char *pattern)
{
	struct npu_gnode *n = &g->nodes[ni];
	char *s = strdup(pattern);

	if (!s)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	free(n->op_type);
	n->op_type = s;
	n->op = NPU_GOP_HARD_SWISH;
	n->nin = 1;
	n->in[0] = x;
	return 1;
}

static int npu_try_hswish(struct npu_graph *g, int ni)
{
	struct npu_gnode *n = &g->nodes[ni];
	int k, x, m, mi, r, h, hi;

	if (n->act.act != NPU_ACT_NONE)
		return 0;
	if (n->op == NPU_GOP_MUL) {
		for (k = 0; k < 2; k++) {
			/* x * HardSigmoid(x) */
			h = n->in[1 - k];
			hi = npu_prod(g, h);
			if (hi >= 0 && npu_private(g, h) &&
			    g->nodes[hi].op == NPU_GOP_HARD_SIGMOID &&
			    g->nodes[hi].in[0] == n->in[k] &&
			    fabs((double)g->nodes[hi].p.hsig.alpha - 1.0 / 6.0) <= 1e-6 &&
			    g->nodes[hi].p.hsig.beta == 0.5f) {
				g->nodes[hi].dead = true;
				return npu_make_hswish(g, ni, n->in[k], "Mul+HardSigmoid");
			}
			/* x * (relu6(x + 3) / 6) */
			x = npu_hsig6(g, n->in[1 - k], &r);
			if (x >= 0 && x == n->in[k]) {
				g->nodes[npu_prod(g, n->in[1 - k])].dead = true;
				npu_kill_relu6(g, r);
				return npu_make_hswish(g, ni, x, "Mul+Div+Clip+Add");
			}
		}
	}
	/* (x * relu6(x + 3)) / 6, or * (1/6) */
	if ((n->op == NPU_GOP_DIV && npu_is_scalar(g, n->in[1], n->in[0], 6.0, 0.0)) ||
	    (n->op == NPU_GOP_MUL && npu_is_scalar(g, n->in[1], n->in[0], 1.0 / 6.0, 1e-6))) {
		m = n->in[0];
		mi = npu_prod(g, m);
		if (mi < 0 || !npu_private(g, m) || g->nodes[mi].op != NPU_GOP_MUL ||
		    g->nodes[mi].act.act != NPU_ACT_NONE)
			return 0;
		for (k = 0; k < 2; k++) {
			r = g->nodes[mi].in[1 - k];
			x = npu_relu6_plus3(g, r);
			if (x >= 0 && x == g->nodes[mi].in[k]) {
				npu_kill_relu6(g, r);
				g->nodes[mi].dead = true;
				return npu_make_hswish(g, ni, x,
						       n->op == NPU_GOP_DIV ? "Div+Mul+Clip+Add" :
						       "Mul+Mul+Clip+Add");
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Activation fusion                                                   */

static bool npu_act_of(const struct npu_gnode *a, struct npu_gact *out)
{
	memset(out, 0, sizeof(*out));
	switch (a->op) {
	case NPU_GOP_RELU:
		out->act = NPU_ACT_RELU;
		return true;
	case NPU_GOP_CLIP:
		out->act = NPU_ACT_CLIP;
		out->min = a->p.clip.min;
		out->max = a->p.clip.max;
		return true;
	case NPU_GOP_SIGMOID:
		out->act = NPU_ACT_SIGMOID;
		return true;
	case NPU_GOP_HARD_SIGMOID:
		out->act = NPU_ACT_HARD_SIGMOID;
		out->alpha = a->p.hsig.alpha;
		out->beta = a->p.hsig.beta;
		return true;
	case NPU_GOP_HARD_SWISH:
		out->act = NPU_ACT_HARD_SWISH;
		return true;
	default:
		return false;
	}
}

static int npu_try_fuse_act(struct npu_graph *g, int ni)
{
	struct npu_gnode *a = &g->nodes[ni], *p;
	struct npu_gact act;
	int pi, xi;

	if (!npu_act_of(a, &act))
		return 0;
	xi = a->in[0];
	pi = npu_prod(g, xi);
	if (pi < 0 || !npu_private(g, xi))
		return 0;
	p = &g->nodes[pi];
	if (p->act.act != NPU_ACT_NONE || g->vals[xi].dtype != NPU_G_FLOAT)
		return 0;
	/* float producers that carry an activation; no quantized op */
	switch (p->op) {
	case NPU_GOP_CONV:
	case NPU_GOP_CONV_T:
	case NPU_GOP_GEMM:
	case NPU_GOP_MATMUL:
	case NPU_GOP_ADD:
	case NPU_GOP_SUB:
	case NPU_GOP_MUL:
	case NPU_GOP_DIV:
		break;
	default:
		return 0;
	}
	/* Gemm with alpha/beta left lowers to several ops; keep it simple */
	if (p->op == NPU_GOP_GEMM &&
	    (p->p.gemm.alpha != 1.0f || p->p.gemm.beta != 1.0f ||
	     (p->nin > 2 && p->in[2] >= 0 && g->vals[p->in[2]].rank != 1)))
		return 0;
	p->act = act;
	if (npu_add_type(g, pi, g->nodes[ni].op_type))
		return -ENOMEM;
	a = &g->nodes[ni];
	npu_take_output(g, pi, a->out[0]);
	a->dead = true;
	g->vals[xi].uses = 0;
	g->vals[xi].producer = -1;
	return 1;
}

/* ------------------------------------------------------------------ */

typedef int (*npu_pass_fn)(struct npu_graph *g, int ni);

/* run @fn on every live node in topological order */
static int npu_pass(struct npu_graph *g, npu_pass_fn fn)
{
	int k, ret;

	npu_g_count_uses(g);
	for (k = 0; g->order[k] >= 0; k++) {
		if (g->nodes[g->order[k]].dead)
			continue;
		ret = fn(g, g->order[k]);
		if (ret < 0)
			return ret;
		if (ret > 0)
			npu_g_count_uses(g);
	}
	return 0;
}

static int npu_pass_gemm(struct npu_graph *g, int ni)
{
	return g->nodes[ni].op == NPU_GOP_GEMM ? npu_gemm_canon(g, ni) : 0;
}

static int npu_pass_fold(struct npu_graph *g, int ni)
{
	switch (g->nodes[ni].op) {
	case NPU_GOP_BN:
	case NPU_GOP_MUL:
	case NPU_GOP_ADD:
	case NPU_GOP_SUB:
		return npu_try_fold(g, ni);
	default:
		return 0;
	}
}

static int npu_pass_bn(struct npu_graph *g, int ni)
{
	return g->nodes[ni].op == NPU_GOP_BN ? npu_bn_to_affine(g, ni) : 0;
}

int npu_g_optimize(struct npu_graph *g)
{
	int ret;

	npu_g_count_uses(g);
	ret = npu_check_extra_outputs(g);
	if (ret)
		return ret;
	npu_remove_dead(g);
	ret = npu_pass(g, npu_pass_gemm);
	if (!ret)
		ret = npu_pass(g, npu_pass_fold);
	if (!ret)
		ret = npu_pass(g, npu_pass_bn);
	if (!ret)
		ret = npu_g_topo(g);	/* the Add nodes of unfolded BNs */
	if (!ret)
		ret = npu_pass(g, npu_try_hswish);
	if (!ret)
		ret = npu_pass(g, npu_try_fuse_act);
	if (ret)
		return ret;
	npu_remove_dead(g);
	return npu_g_topo(g);
}

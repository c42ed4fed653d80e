// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Host tests of the compute kernels (firmware/npu_fw_kern*.c) at every ISA
 * level this CPU has, in both modes, against references written here:
 *
 *  - a double-precision reference: every F32 result must lie within the
 *    rigorous float summation bound, (K + 2) * 2^-23 * sum |terms|, scaled by
 *    the activation's slope;
 *  - an ordered binary32 reference (bias, then k ascending, unfused in EXACT
 *    mode, fmaf() from libm in FAST mode): every F32 result except SIGMOID
 *    must equal it bit for bit (that is the documented contract); SIGMOID
 *    must equal the scalar level (EXACT) or the AVX2 level (FAST) bit for
 *    bit;
 *  - int8: the exact integer sum and rint() requantization, which every
 *    level must match exactly.
 *
 * Every case is run once as one block and once split into random blocks
 * run in random order; the two outputs must be identical and no element
 * outside the block may be written. Shapes cover tails of every blocking
 * (M, N, K around 1, 4, 8, 16, 24, 48, 128) and odd geometries.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "npu_fw_kern.h"

#define SENTINEL	0x7fc0deadU

struct level {
	const struct npu_kern_ops *ops;
};

static struct level levels[2 * NPU_KERN_ISA_COUNT];
static int nlevels;

static void get_levels(void)
{
	__u32 isa, max = npu_kern_cpu_isa();
	int f, i, dup;

	nlevels = 0;
	for (isa = 0; isa <= max; isa++) {
		for (f = 0; f < 2; f++) {
			const struct npu_kern_ops *o = npu_kern_select(isa, f ? NPU_KERN_EXACT : 0);

			for (dup = 0, i = 0; i < nlevels; i++)
				dup |= levels[i].ops == o;
			if (!dup)
				levels[nlevels++].ops = o;
		}
	}
}

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

static __u32 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (__u32)(rng_state >> 16);
}

static float rndf(float lo, float hi)
{
	return lo + (hi - lo) * (float)(rnd() & 0xffffff) / 16777216.0f;
}

static __u32 f2u(float f)
{
	__u32 u;

	memcpy(&u, &f, 4);
	return u;
}

static float u2f(__u32 u)
{
	float f;

	memcpy(&f, &u, 4);
	return f;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

/* ---- activations, written independently of the firmware ---- */

static float act_ordered(float y, const struct npu_kern_act *a, int fused)
{
	float t;

	switch (a->type) {
	case NPU_KERN_ACT_RELU:
		return y < 0.0f ? 0.0f : y;
	case NPU_KERN_ACT_CLIP:
		if (y < a->lo)
			y = a->lo;
		return y > a->hi ? a->hi : y;
	case NPU_KERN_ACT_HARD_SIGMOID:
		t = fused ? fmaf(a->alpha, y, a->beta) : a->alpha * y + a->beta;
		t = t > 1.0f ? 1.0f : t;
		return t < 0.0f ? 0.0f : t;
	case NPU_KERN_ACT_HARD_SWISH:
		t = fused ? fmaf(y, 1.0f / 6.0f, 0.5f) : y * (1.0f / 6.0f) + 0.5f;
		t = t > 1.0f ? 1.0f : t;
		t = t < 0.0f ? 0.0f : t;
		return y * t;
	default:
		return y;
	}
}

static double act_double(double y, const struct npu_kern_act *a)
{
	double t;

	switch (a->type) {
	case NPU_KERN_ACT_RELU:
		return y < 0 ? 0 : y;
	case NPU_KERN_ACT_CLIP:
		return y < a->lo ? a->lo : y > a->hi ? a->hi : y;
	case NPU_KERN_ACT_HARD_SIGMOID:
		t = a->alpha * y + a->beta;
		return t > 1 ? 1 : t < 0 ? 0 : t;
	case NPU_KERN_ACT_HARD_SWISH:
		t = y / 6 + 0.5;
		return y * (t > 1 ? 1 : t < 0 ? 0 : t);
	case NPU_KERN_ACT_SIGMOID:
		return 1 / (1 + exp(-y));
	default:
		return y;
	}
}

/* slope bound of the activation around y (for the error bound) */
static double act_slope(double y, const struct npu_kern_act *a)
{
	switch (a->type) {
	case NPU_KERN_ACT_HARD_SIGMOID:
		return fabs(a->alpha) > 1 ? fabs(a->alpha) : 1;
	case NPU_KERN_ACT_HARD_SWISH:
		return 2 + fabs(y) / 3;
	default:
		return 1;
	}
}

static void rnd_act(struct npu_kern_act *a, __u32 type)
{
	memset(a, 0, sizeof(*a));
	a->type = type % NPU_KERN_ACT_COUNT;
	if (a->type == NPU_KERN_ACT_CLIP) {
		a->lo = rndf(-1.0f, 0.0f);
		a->hi = rndf(0.0f, 1.5f);
	} else if (a->type == NPU_KERN_ACT_HARD_SIGMOID) {
		a->alpha = 0.2f;
		a->beta = 0.5f;
	}
}

/*
 * One F32 output: check against the double reference and the ordered
 * reference; *why says what failed.
 */
struct f32_ref {
	float ord;	/* ordered binary32 reference */
	double d;	/* double reference (before the activation) */
	double mag;	/* sum of |terms| */
	__u32 k;	/* terms */
};

static int check_f32(float got, const struct f32_ref *r, const struct npu_kern_act *a,
		     int exact_bits, const char **why)
{
	if (isnan(r->ord) || isnan(got)) {
		*why = "NaN where the ordered reference has none, or the reverse";
		return isnan(r->ord) && isnan(got);
	}
	double want = act_double(r->d, a);
	double tol = (r->k + 2) * ldexp(1.0, -23) * r->mag * act_slope(r->d, a) + 1e-30;

	/* the activation's own float rounding (a few operations) */
	if (a->type >= NPU_KERN_ACT_HARD_SIGMOID)
		tol += 8 * ldexp(1.0, -24) * (1 + fabs(r->d));
	if (!(fabs((double)got - want) <= tol)) {
		*why = "outside the double-precision error bound";
		return 0;
	}
	if (exact_bits && a->type != NPU_KERN_ACT_SIGMOID && f2u(got) != f2u(r->ord)) {
		*why = "not bit-identical to the ordered reference";
		return 0;
	}
	return 1;
}

/* ---- blocks ---- */

struct block {
	__u32 m0, m1, n0, n1;
};

/* split [0, M) x [0, N) into blocks (m0 multiple of 8), in random order */
static int split_blocks(__u32 m, __u32 n, struct block *b, int max)
{
	__u32 ms[8], ns[8], nm = 0, nn = 0, i, j, v;
	int cnt = 0, x;
	struct block t;

	ms[nm++] = 0;
	for (v = 8 * (1 + rnd() % 3); v < m && nm < 4; v += 8 * (1 + rnd() % 3))
		ms[nm++] = v;
	ms[nm] = m;
	ns[nn++] = 0;
	for (v = 1 + rnd() % 40; v < n && nn < 4; v += 1 + rnd() % 60)
		ns[nn++] = v;
	ns[nn] = n;
	for (i = 0; i < nm; i++)
		for (j = 0; j < nn && cnt < max; j++)
			b[cnt++] = (struct block){ ms[i], ms[i + 1], ns[j], ns[j + 1] };
	for (x = cnt - 1; x > 0; x--) {
		j = rnd() % (x + 1);
		t = b[x];
		b[x] = b[j];
		b[j] = t;
	}
	return cnt;
}

static void *scratch_for(__u32 kind, __u32 k)
{
	return xmalloc(npu_kern_scratch_size(kind, k));
}

/* ---- F32 GEMM ---- */

struct gemm_case {
	__u32 m, n, k;
	int fc;		/* FC layout: B and C transposed */
	__u32 act;
	int special;	/* -0.0 results (column 0) and NaN inputs (column 1) */
};

static int run_gemm_case(struct __test_metadata *_metadata, const struct gemm_case *gc)
{
	__u32 m = gc->m, n = gc->n, k = gc->k, i, j, kk, l;
	long b_ks = gc->fc ? 1 : n + 3, b_ns = gc->fc ? k : 1;
	long c_ms = gc->fc ? 1 : n + 5, c_ns = gc->fc ? m : 1;
	size_t bsz = gc->fc ? (size_t)n * k : (size_t)k * (n + 3);
	size_t csz = gc->fc ? (size_t)n * m : (size_t)m * (n + 5);
	float *w = xmalloc(sizeof(float) * m * k), *b = xmalloc(sizeof(float) * bsz);
	float *bias = xmalloc(sizeof(float) * m), *packed = xmalloc(npu_kern_pack_f32_size(m, k));
	float *c = xmalloc(sizeof(float) * csz), *c2 = xmalloc(sizeof(float) * csz);
	float *sig_ref = xmalloc(sizeof(float) * csz * 2);
	int have_sig[2] = { 0, 0 }, ok = 1, nb, x;
	struct npu_kern_gemm_f32 p;
	struct block blk[16];
	void *scr = scratch_for(NPU_KERN_GEMM_F32, k);
	const char *why = "";

	for (i = 0; i < m * k; i++)
		w[i] = rndf(-1, 1);
	for (i = 0; i < bsz; i++)
		b[i] = rndf(-2, 2);
	for (i = 0; i < m; i++)
		bias[i] = rndf(-1, 1);
	if (gc->special) {
		/* row 0: bias -0.0, positive weights; column 0 of B all -0.0 */
		bias[0] = -0.0f;
		for (kk = 0; kk < k; kk++) {
			w[kk] = rndf(0.5f, 1);
			b[kk * b_ks] = -0.0f;
			if (n > 1)
				b[kk * b_ks + b_ns] = kk == k / 2 ? NAN : 1.0f;
		}
	}
	npu_kern_pack_f32(packed, w, k, 1, m, k);
	memset(&p, 0, sizeof(p));
	p.w = packed;
	p.bias = gc->act % 3 == 1 && !gc->special ? NULL : bias;
	p.b = b;
	p.b_ks = b_ks;
	p.b_ns = b_ns;
	p.c = c;
	p.c_ms = c_ms;
	p.c_ns = c_ns;
	p.m = m;
	p.n = n;
	p.k = k;
	rnd_act(&p.act, gc->act);

	for (l = 0; l < (__u32)nlevels && ok; l++) {
		const struct npu_kern_ops *o = levels[l].ops;
		int exact = !!(o->flags & NPU_KERN_EXACT);

		for (i = 0; i < csz; i++)
			c[i] = c2[i] = u2f(SENTINEL);
		p.c = c;
		o->gemm_f32(&p, 0, m, 0, n, scr);
		p.c = c2;
		nb = split_blocks(m, n, blk, 16);
		for (x = 0; x < nb; x++)
			o->gemm_f32(&p, blk[x].m0, blk[x].m1, blk[x].n0, blk[x].n1, scr);
		for (i = 0; i < m && ok; i++) {
			for (j = 0; j < n && ok; j++) {
				struct f32_ref r = { .d = p.bias ? p.bias[i] : 0, .k = k };
				float acc = p.bias ? p.bias[i] : 0.0f;
				size_t ci = i * c_ms + j * c_ns;

				r.mag = fabs(r.d);
				for (kk = 0; kk < k; kk++) {
					float wv = w[i * k + kk], bv = b[kk * b_ks + j * b_ns];

					acc = exact ? acc + wv * bv : fmaf(wv, bv, acc);
					r.d += (double)wv * bv;
					r.mag += fabs((double)wv * bv);
				}
				r.ord = act_ordered(acc, &p.act, !exact);
				if (f2u(c[ci]) != f2u(c2[ci])) {
					why = "block split changed the result";
					ok = 0;
				} else if (!check_f32(c[ci], &r, &p.act, 1, &why)) {
					ok = 0;
				} else if (p.act.type == NPU_KERN_ACT_SIGMOID) {
					float *ref = sig_ref + exact * csz;

					if (!have_sig[exact])
						ref[ci] = c[ci];
					else if (f2u(ref[ci]) != f2u(c[ci]) &&
						 !(isnan(ref[ci]) && isnan(c[ci]))) {
						why = "SIGMOID differs between levels of one mode";
						ok = 0;
					}
				}
				if (!ok)
					TH_LOG("%s gemm M=%u N=%u K=%u fc=%d act=%u at (%u,%u): got %a want %a (double %a): %s",
					       o->name, m, n, k, gc->fc, p.act.type, i, j, c[ci], r.ord,
					       act_double(r.d, &p.act), why);
			}
		}
		have_sig[exact] = 1;
		/* nothing outside C's elements was written */
		for (i = 0; i < csz && ok; i++) {
			__u32 row = gc->fc ? i % m : i / c_ms, col = gc->fc ? i / m : i % c_ms;

			if (row < m && col < n)
				continue;
			if (f2u(c[i]) != SENTINEL || f2u(c2[i]) != SENTINEL) {
				TH_LOG("%s gemm M=%u N=%u K=%u: wrote padding element %u", o->name,
				       m, n, k, i);
				ok = 0;
			}
		}
	}
	free(w);
	free(b);
	free(bias);
	free(packed);
	free(c);
	free(c2);
	free(sig_ref);
	free(scr);
	return ok;
}

TEST(dispatch)
{
	__u32 isa = npu_kern_cpu_isa(), want = NPU_KERN_ISA_SCALAR, i;
	const struct npu_kern_ops *o;

	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		want = NPU_KERN_ISA_AVX2;
		if (__builtin_cpu_supports("avx512f")) {
			want = NPU_KERN_ISA_AVX512;
			if (__builtin_cpu_supports("avx512vnni"))
				want = NPU_KERN_ISA_AVX512_VNNI;
		}
	}
	EXPECT_EQ(want, isa);
	for (i = 0; i <= NPU_KERN_ISA_COUNT; i++) {
		__u32 level = i < isa ? i : isa;

		o = npu_kern_select(i, 0);
		ASSERT_NE(NULL, o);
		EXPECT_EQ(level == NPU_KERN_ISA_AVX512_VNNI ? NPU_KERN_ISA_AVX512 : level, o->isa);
		EXPECT_EQ(level == NPU_KERN_ISA_AVX512 ? NPU_KERN_ISA_AVX2 : level, o->q8_isa);
		EXPECT_STREQ(npu_kern_isa_name(level), o->name);
		EXPECT_EQ(0U, o->flags & NPU_KERN_EXACT && level != NPU_KERN_ISA_SCALAR);
		EXPECT_EQ(NPU_KERN_EXACT, npu_kern_select(i, NPU_KERN_EXACT)->flags);
	}
	EXPECT_EQ(NPU_KERN_ISA_SCALAR, npu_kern_select(NPU_KERN_ISA_SCALAR, 0)->isa);
	EXPECT_STREQ("?", npu_kern_isa_name(NPU_KERN_ISA_COUNT));
	get_levels();
	TH_LOG("cpu level %s, %d kernel tables under test", npu_kern_isa_name(isa), nlevels);
	EXPECT_EQ(isa == NPU_KERN_ISA_SCALAR ? 1 : 2 * (int)isa + 1, nlevels);
}

TEST(pack_layout)
{
	/* the documented formulas, element by element */
	__u32 m = 11, k = 7, i, kk, p = (m + 7) / 8, k4 = (k + 3) / 4;
	float w[11 * 7], *pf = xmalloc(npu_kern_pack_f32_size(m, k));
	__s8 q[11 * 7];
	__u8 *pq = xmalloc(npu_kern_pack_q8_size(m, k));
	__s32 sum, got;

	ASSERT_EQ(32UL * p * k, npu_kern_pack_f32_size(m, k));
	ASSERT_EQ(32UL * p * k4 + 32UL * p, npu_kern_pack_q8_size(m, k));
	for (i = 0; i < m * k; i++) {
		w[i] = (float)i + 0.5f;
		q[i] = (__s8)(i * 37 - 128);
	}
	/* column-major source: element (m, k) at m + k * M */
	npu_kern_pack_f32(pf, w, 1, m, m, k);
	npu_kern_pack_q8(pq, q, 1, m, m, k);
	for (i = 0; i < p * 8; i++) {
		sum = 0;
		for (kk = 0; kk < k4 * 4; kk++) {
			float fw = i < m && kk < k ? w[i + kk * m] : 0.0f;
			__s8 qw = i < m && kk < k ? q[i + kk * m] : 0;

			if (kk < k)
				EXPECT_EQ(f2u(fw), f2u(pf[(i / 8) * 8 * k + kk * 8 + i % 8]));
			EXPECT_EQ(qw, (__s8)pq[(i / 8) * 32 * k4 + ((kk / 4) * 8 + i % 8) * 4 + kk % 4]);
			sum += qw;
		}
		memcpy(&got, pq + 32 * p * k4 + 4 * i, 4);
		EXPECT_EQ(sum, got);
	}
	free(pf);
	free(pq);
}

TEST(gemm_f32)
{
	static const __u32 ms[] = { 1, 5, 8, 9, 16, 23, 33 };
	static const __u32 ns[] = { 1, 2, 3, 4, 5, 8, 15, 16, 17, 24, 25, 47, 48, 49, 50, 97 };
	static const __u32 ks[] = { 1, 2, 3, 4, 5, 7, 31, 128, 129, 300 };
	struct gemm_case gc;
	__u32 a, b, c, cases = 0;

	get_levels();
	for (a = 0; a < sizeof(ms) / sizeof(ms[0]); a++) {
		for (b = 0; b < sizeof(ns) / sizeof(ns[0]); b++) {
			for (c = 0; c < sizeof(ks) / sizeof(ks[0]); c++) {
				/* every K for small shapes, a third of them otherwise */
				if (ms[a] * ns[b] > 64 && (a + b + c) % 3)
					continue;
				gc = (struct gemm_case){ ms[a], ns[b], ks[c], (a + b + c) % 5 == 0,
							 a + b + c, 0 };
				ASSERT_TRUE(run_gemm_case(_metadata, &gc));
				cases++;
			}
		}
	}
	TH_LOG("%u GEMM cases x %d tables", cases, nlevels);
}

TEST(activations)
{
	/* every activation on one shape, with values around the kinks */
	struct gemm_case gc;
	__u32 t;

	get_levels();
	for (t = 0; t < NPU_KERN_ACT_COUNT; t++) {
		gc = (struct gemm_case){ 17, 70, 9, 0, t, 0 };
		ASSERT_TRUE(run_gemm_case(_metadata, &gc));
		gc = (struct gemm_case){ 9, 3, 2, 1, t, 0 };
		ASSERT_TRUE(run_gemm_case(_metadata, &gc));
		/* -0.0 and NaN through every activation, tile and narrow paths */
		gc = (struct gemm_case){ 9, 40, 5, 0, t, 1 };
		ASSERT_TRUE(run_gemm_case(_metadata, &gc));
		gc = (struct gemm_case){ 9, 3, 5, 0, t, 1 };
		ASSERT_TRUE(run_gemm_case(_metadata, &gc));
	}
}

/* ---- F32 convolution (implicit GEMM) ---- */

struct conv_shape {
	__u32 c, h, w, oc, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
};

static __u32 conv_out(__u32 in, __u32 k, __u32 s, __u32 d, __u32 p0, __u32 p1)
{
	return (in + p0 + p1 - d * (k - 1) - 1) / s + 1;
}

static int run_conv_case(struct __test_metadata *_metadata, const struct conv_shape *s,
			 __u32 act)
{
	__u32 oh = conv_out(s->h, s->kh, s->sh, s->dh, s->pt, s->pb);
	__u32 ow = conv_out(s->w, s->kw, s->sw, s->dw, s->pl, s->pr);
	__u32 kk = s->c * s->kh * s->kw, npix = oh * ow, i, j, c, r, q, l;
	size_t xs = (size_t)s->c * s->h * s->w, ys = (size_t)s->oc * npix;
	float *x = xmalloc(4 * xs), *w = xmalloc(4 * (size_t)s->oc * kk), *bias = xmalloc(4 * s->oc);
	float *packed = xmalloc(npu_kern_pack_f32_size(s->oc, kk));
	float *y = xmalloc(4 * ys), *y2 = xmalloc(4 * ys);
	void *scr = scratch_for(NPU_KERN_GEMM_F32, kk);
	struct npu_kern_conv_f32 p;
	struct block blk[16];
	const char *why = "";
	int ok = 1, nb, b;

	for (i = 0; i < xs; i++)
		x[i] = rndf(-2, 2);
	for (i = 0; i < s->oc * kk; i++)
		w[i] = rndf(-1, 1);
	for (i = 0; i < s->oc; i++)
		bias[i] = rndf(-1, 1);
	npu_kern_pack_f32(packed, w, kk, 1, s->oc, kk);
	p = (struct npu_kern_conv_f32){
		.w = packed, .bias = act % 2 ? bias : NULL, .x = x, .c = s->c, .h = s->h,
		.iw = s->w, .oc = s->oc, .oh = oh, .ow = ow, .kh = s->kh, .kw = s->kw,
		.stride_h = s->sh, .stride_w = s->sw, .dil_h = s->dh, .dil_w = s->dw,
		.pad_top = s->pt, .pad_left = s->pl,
	};
	rnd_act(&p.act, act == NPU_KERN_ACT_SIGMOID ? 0 : act);
	for (l = 0; l < (__u32)nlevels && ok; l++) {
		const struct npu_kern_ops *o = levels[l].ops;
		int exact = !!(o->flags & NPU_KERN_EXACT);

		for (i = 0; i < ys; i++)
			y[i] = y2[i] = u2f(SENTINEL);
		p.y = y;
		o->conv_f32(&p, 0, s->oc, 0, npix, scr);
		p.y = y2;
		nb = split_blocks(s->oc, npix, blk, 16);
		for (b = 0; b < nb; b++)
			o->conv_f32(&p, blk[b].m0, blk[b].m1, blk[b].n0, blk[b].n1, scr);
		for (i = 0; i < s->oc && ok; i++) {
			for (j = 0; j < npix && ok; j++) {
				struct f32_ref rf = { .d = p.bias ? p.bias[i] : 0, .k = kk };
				float acc = p.bias ? p.bias[i] : 0.0f;
				__u32 t = 0;

				rf.mag = fabs(rf.d);
				for (c = 0; c < s->c; c++) {
					for (r = 0; r < s->kh; r++) {
						for (q = 0; q < s->kw; q++, t++) {
							long ih = (long)(j / ow) * s->sh - s->pt + r * s->dh;
							long iw = (long)(j % ow) * s->sw - s->pl + q * s->dw;
							float wv = w[i * kk + t], xv = 0.0f;

							if (ih >= 0 && ih < s->h && iw >= 0 && iw < s->w)
								xv = x[(c * s->h + ih) * s->w + iw];
							/* padded taps add w * 0 (documented) */
							acc = exact ? acc + wv * xv : fmaf(wv, xv, acc);
							rf.d += (double)wv * xv;
							rf.mag += fabs((double)wv * xv);
						}
					}
				}
				rf.ord = act_ordered(acc, &p.act, !exact);
				if (f2u(y[i * npix + j]) != f2u(y2[i * npix + j])) {
					why = "block split changed the result";
					ok = 0;
				} else if (!check_f32(y[i * npix + j], &rf, &p.act, 1, &why)) {
					ok = 0;
				}
				if (!ok)
					TH_LOG("%s conv C=%u %ux%u OC=%u k=%ux%u s=%u,%u d=%u,%u p=%u,%u,%u,%u at (%u,%u): got %a want %a: %s",
					       o->name, s->c, s->h, s->w, s->oc, s->kh, s->kw, s->sh,
					       s->sw, s->dh, s->dw, s->pt, s->pl, s->pb, s->pr, i, j,
					       y[i * npix + j], rf.ord, why);
			}
		}
	}
	free(x);
	free(w);
	free(bias);
	free(packed);
	free(y);
	free(y2);
	free(scr);
	return ok;
}

TEST(conv_f32)
{
	static const struct conv_shape shapes[] = {
		/* c, h, w, oc, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr */
		{ 3, 9, 13, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1 },	/* stem */
		{ 5, 7, 7, 9, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 },	/* 1x1 -> GEMM */
		{ 4, 8, 9, 3, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0 },	/* 1x1 stride 2 */
		{ 6, 10, 11, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 },
		{ 2, 12, 50, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 },	/* OW > 48 */
		{ 3, 6, 70, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1 },
		{ 2, 9, 9, 4, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2 },
		{ 3, 8, 8, 6, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0 },
		{ 2, 11, 12, 5, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2 },	/* dilation */
		{ 1, 14, 15, 3, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3 },
		{ 3, 7, 9, 4, 3, 2, 1, 3, 1, 1, 0, 1, 2, 0 },	/* asymmetric */
		{ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 },
		{ 1, 3, 1, 2, 3, 1, 1, 1, 1, 1, 1, 0, 1, 0 },	/* W = 1 */
		{ 4, 5, 2, 25, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 },	/* OW = 2: many segments */
		{ 33, 6, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 },	/* K = 297 > KC */
		{ 2, 6, 40, 3, 3, 3, 1, 4, 1, 1, 1, 1, 1, 1 },	/* stride 4: gathers */
		{ 3, 9, 20, 8, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1 },	/* stride (2, 1) */
		/* stride 1, OW >= 48: interior runs read the input in place */
		{ 20, 5, 100, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 },	/* K = 180 */
		{ 3, 6, 64, 9, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2 },
		{ 2, 9, 70, 8, 3, 3, 2, 1, 2, 1, 2, 1, 2, 1 },	/* dilation_h, stride_h */
		{ 4, 4, 49, 17, 3, 1, 1, 1, 1, 1, 1, 0, 1, 0 },	/* kw = 1 */
		{ 2, 3, 60, 6, 3, 4, 1, 1, 1, 1, 0, 3, 0, 0 },	/* left padding only */
	};
	__u32 i;

	get_levels();
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		ASSERT_TRUE(run_conv_case(_metadata, &shapes[i], i));
}

/* ---- F32 depthwise ---- */

static int run_dw_case(struct __test_metadata *_metadata, const struct conv_shape *s,
		       __u32 mult, __u32 act)
{
	__u32 oh = conv_out(s->h, s->kh, s->sh, s->dh, s->pt, s->pb);
	__u32 ow = conv_out(s->w, s->kw, s->sw, s->dw, s->pl, s->pr);
	__u32 noc = s->c * mult, i, j, r, q, l, o;
	size_t xs = (size_t)s->c * s->h * s->w, ys = (size_t)noc * oh * ow;
	float *x = xmalloc(4 * xs), *w = xmalloc(4 * (size_t)noc * s->kh * s->kw);
	float *bias = xmalloc(4 * noc), *y = xmalloc(4 * ys), *y2 = xmalloc(4 * ys);
	struct npu_kern_dw_f32 p;
	struct block blk[16];
	const char *why = "";
	int ok = 1, nb, b;

	for (i = 0; i < xs; i++)
		x[i] = rndf(-2, 2);
	for (i = 0; i < noc * s->kh * s->kw; i++)
		w[i] = rndf(-1, 1);
	for (i = 0; i < noc; i++)
		bias[i] = rndf(-1, 1);
	p = (struct npu_kern_dw_f32){
		.x = x, .w = w, .bias = act % 2 ? NULL : bias, .c = s->c, .mult = mult,
		.h = s->h, .iw = s->w, .oh = oh, .ow = ow, .kh = s->kh, .kw = s->kw,
		.stride_h = s->sh, .stride_w = s->sw, .dil_h = s->dh, .dil_w = s->dw,
		.pad_top = s->pt, .pad_left = s->pl,
	};
	rnd_act(&p.act, act);
	for (l = 0; l < (__u32)nlevels && ok; l++) {
		const struct npu_kern_ops *op = levels[l].ops;
		int exact = !!(op->flags & NPU_KERN_EXACT);

		for (i = 0; i < ys; i++)
			y[i] = y2[i] = u2f(SENTINEL);
		p.y = y;
		op->dw_f32(&p, 0, noc, 0, oh, NULL);
		p.y = y2;
		nb = split_blocks(noc, oh, blk, 16);
		for (b = 0; b < nb; b++)
			op->dw_f32(&p, blk[b].m0, blk[b].m1, blk[b].n0, blk[b].n1, NULL);
		for (o = 0; o < noc && ok; o++) {
			for (j = 0; j < oh * ow && ok; j++) {
				struct f32_ref rf = { .d = p.bias ? p.bias[o] : 0, .k = s->kh * s->kw };
				float acc = p.bias ? p.bias[o] : 0.0f;
				size_t yi = (size_t)o * oh * ow + j;

				rf.mag = fabs(rf.d);
				for (r = 0; r < s->kh; r++) {
					for (q = 0; q < s->kw; q++) {
						long ih = (long)(j / ow) * s->sh - s->pt + r * s->dh;
						long iw = (long)(j % ow) * s->sw - s->pl + q * s->dw;
						float wv = w[(o * s->kh + r) * s->kw + q], xv;

						if (ih < 0 || ih >= s->h || iw < 0 || iw >= s->w)
							continue;	/* skipped, exactly */
						xv = x[((o / mult) * s->h + ih) * s->w + iw];
						acc = exact ? acc + wv * xv : fmaf(wv, xv, acc);
						rf.d += (double)wv * xv;
						rf.mag += fabs((double)wv * xv);
					}
				}
				rf.ord = act_ordered(acc, &p.act, !exact);
				if (f2u(y[yi]) != f2u(y2[yi])) {
					why = "block split changed the result";
					ok = 0;
				} else if (!check_f32(y[yi], &rf, &p.act, 1, &why)) {
					ok = 0;
				}
				if (!ok)
					TH_LOG("%s dw C=%u x%u %ux%u k=%ux%u s=%u,%u d=%u,%u p=%u,%u,%u,%u act=%u at (%u,%u): got %a want %a: %s",
					       op->name, s->c, mult, s->h, s->w, s->kh, s->kw, s->sh,
					       s->sw, s->dh, s->dw, s->pt, s->pl, s->pb, s->pr,
					       p.act.type, o, j, y[yi], rf.ord, why);
			}
		}
	}
	free(x);
	free(w);
	free(bias);
	free(y);
	free(y2);
	return ok;
}

TEST(dw_f32)
{
	static const __u32 widths[] = { 1, 2, 3, 7, 16, 17, 33, 64, 65, 100 };
	static const struct conv_shape odd[] = {
		/* c, h, w, oc (unused), kh, kw, sh, sw, dh, dw, pt, pl, pb, pr */
		{ 3, 7, 40, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 },
		{ 2, 8, 41, 0, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0 },
		{ 2, 9, 50, 0, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3 },
		{ 2, 9, 70, 0, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1 },
		{ 2, 9, 37, 0, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2 },
		{ 2, 9, 37, 0, 3, 5, 1, 2, 1, 1, 1, 2, 1, 2 },
		{ 3, 12, 96, 0, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1 },	/* cls: stride (2, 1) */
		{ 2, 6, 96, 0, 5, 5, 2, 1, 1, 1, 2, 2, 2, 2 },
		{ 2, 5, 20, 0, 3, 3, 1, 1, 1, 1, 0, 2, 1, 0 },	/* asymmetric pads */
		{ 2, 5, 33, 0, 5, 5, 2, 2, 1, 1, 0, 0, 0, 0 },
	};
	struct conv_shape s;
	__u32 i, k, st, pad, cases = 0;

	get_levels();
	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		for (k = 3; k <= 5; k += 2) {
			for (st = 1; st <= 2; st++) {
				for (pad = 0; pad <= k / 2; pad += k / 2) {
					if (widths[i] + 2 * pad < k)
						continue;
					s = (struct conv_shape){ 3, 6 + i % 3, widths[i], 0, k, k,
								 st, st, 1, 1, pad, pad, pad, pad };
					ASSERT_TRUE(run_dw_case(_metadata, &s, 1 + (i + k) % 2,
								i + k + st));
					cases++;
				}
			}
		}
	}
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++, cases++)
		ASSERT_TRUE(run_dw_case(_metadata, &odd[i], 1 + i % 2, i));
	TH_LOG("%u depthwise cases x %d tables", cases, nlevels);
}

/* ---- int8 ---- */

struct q8_case {
	__u32 m, n, k;
	int x_signed, y_signed, per_channel, fc;
	__s32 zw;
	__u32 act;	/* 0 none, 1 relu, 2 clip */
	int special;	/* 1: NaN/inf/0 per-channel scales; 2: huge bias (wraps) */
};

static __s32 q8_ref(__s64 acc64, double mult, const struct npu_kern_q8 *q)
{
	__s32 acc = (__s32)(__u32)(__u64)acc64;
	double v = (double)acc * mult;

	if (isnan(v))
		v = 0;
	if (v < q->lo - q->zy)
		v = q->lo - q->zy;
	if (v > q->hi - q->zy)
		v = q->hi - q->zy;
	return q->zy + (__s32)rint(v);
}

static void q8_setup(struct npu_kern_q8 *q, const struct q8_case *qc, __u32 m, float *wscale)
{
	__s32 qmin = qc->y_signed ? -128 : 0, qmax = qc->y_signed ? 127 : 255;
	__u32 i;

	q->x_signed = qc->x_signed;
	q->y_signed = qc->y_signed;
	q->zx = (qc->x_signed ? -128 : 0) + (__s32)(rnd() % 256);
	q->zw = qc->per_channel ? 0 : qc->zw;
	q->zy = qmin + (__s32)(rnd() % 256);
	q->sx = rndf(0.01f, 0.05f);
	q->sy = rndf(0.05f, 0.5f);
	q->sw = rndf(0.01f, 0.05f);
	q->lo = qmin;
	q->hi = qmax;
	if (qc->act == 1)
		q->lo = q->zy;
	if (qc->act == 2) {
		q->lo = qmin + (__s32)(rnd() % 60);
		q->hi = qmax - (__s32)(rnd() % 60);
	}
	q->wscale = NULL;
	if (qc->per_channel) {
		for (i = 0; i < m; i++)
			wscale[i] = rndf(0.005f, 0.05f);
		if (qc->special == 1 && m >= 3) {
			wscale[0] = NAN;
			wscale[1] = INFINITY;
			wscale[2] = 0.0f;
		}
		q->wscale = wscale;
	}
}

static int run_q8_gemm(struct __test_metadata *_metadata, const struct q8_case *qc)
{
	__u32 m = qc->m, n = qc->n, k = qc->k, i, j, kk, l;
	long b_ks = qc->fc ? 1 : n + 2, b_ns = qc->fc ? k : 1;
	long c_ms = qc->fc ? 1 : n + 3, c_ns = qc->fc ? m : 1;
	size_t xsz = qc->fc ? (size_t)n * k : (size_t)k * (n + 2);
	size_t ysz = qc->fc ? (size_t)n * m : (size_t)m * (n + 3);
	__s8 *w = xmalloc((size_t)m * k);
	__u8 *x = xmalloc(xsz), *y = xmalloc(ysz), *y2 = xmalloc(ysz);
	__s32 *bias = xmalloc(4 * (size_t)m);
	float *wscale = xmalloc(4 * (size_t)m);
	void *packed = xmalloc(npu_kern_pack_q8_size(m, k));
	void *scr = scratch_for(NPU_KERN_GEMM_Q8, k);
	struct npu_kern_gemm_q8 p;
	struct block blk[16];
	int ok = 1, nb, b;

	for (i = 0; i < m * k; i++)
		w[i] = (__s8)(rnd() % 256);
	for (i = 0; i < xsz; i++)
		x[i] = (__u8)rnd();
	for (i = 0; i < m; i++)
		bias[i] = qc->special == 2 ? INT32_MAX - (__s32)(rnd() % 1000) :
			  (__s32)(rnd() % 20001) - 10000;
	npu_kern_pack_q8(packed, w, k, 1, m, k);
	memset(&p, 0, sizeof(p));
	q8_setup(&p.q, qc, m, wscale);
	p.q.w = packed;
	p.q.bias = qc->special == 3 ? NULL : bias;
	p.q.x = x;
	p.b_ks = b_ks;
	p.b_ns = b_ns;
	p.c_ms = c_ms;
	p.c_ns = c_ns;
	p.m = m;
	p.n = n;
	p.k = k;
	for (l = 0; l < (__u32)nlevels && ok; l++) {
		const struct npu_kern_ops *o = levels[l].ops;

		memset(y, 0xa5, ysz);
		memset(y2, 0xa5, ysz);
		p.q.y = y;
		o->gemm_q8(&p, 0, m, 0, n, scr);
		p.q.y = y2;
		nb = split_blocks(m, n, blk, 16);
		for (b = 0; b < nb; b++)
			o->gemm_q8(&p, blk[b].m0, blk[b].m1, blk[b].n0, blk[b].n1, scr);
		for (i = 0; i < m && ok; i++) {
			double mult = qc->per_channel ? p.q.sx * (double)wscale[i] / p.q.sy :
					p.q.sx * p.q.sw / p.q.sy;

			for (j = 0; j < n && ok; j++) {
				__s64 acc = p.q.bias ? p.q.bias[i] : 0;
				size_t yi = i * c_ms + j * c_ns;
				__s32 want, got;

				for (kk = 0; kk < k; kk++) {
					__u8 xb = x[kk * b_ks + j * b_ns];
					__s32 xv = qc->x_signed ? (__s8)xb : xb;

					acc += (__s64)(xv - p.q.zx) * (w[i * k + kk] - p.q.zw);
				}
				want = q8_ref(acc, mult, &p.q);
				got = qc->y_signed ? (__s8)y[yi] : y[yi];
				if (got != want || y[yi] != y2[yi]) {
					TH_LOG("%s gemm_q8 M=%u N=%u K=%u xs=%d ys=%d pc=%d fc=%d zw=%d at (%u,%u): got %d (split %d) want %d",
					       o->name, m, n, k, qc->x_signed, qc->y_signed,
					       qc->per_channel, qc->fc, p.q.zw, i, j, got, y2[yi], want);
					ok = 0;
				}
			}
		}
		for (i = 0; i < ysz && ok; i++) {
			__u32 row = qc->fc ? i % m : i / c_ms, col = qc->fc ? i / m : i % c_ms;

			if ((row >= m || col >= n) && (y[i] != 0xa5 || y2[i] != 0xa5)) {
				TH_LOG("%s gemm_q8: wrote padding byte %u", o->name, i);
				ok = 0;
			}
		}
	}
	free(w);
	free(x);
	free(y);
	free(y2);
	free(bias);
	free(wscale);
	free(packed);
	free(scr);
	return ok;
}

TEST(gemm_q8)
{
	static const __u32 ms[] = { 1, 4, 8, 13, 24, 40 };
	static const __u32 ns[] = { 1, 3, 8, 9, 16, 23, 24, 25, 47, 48, 49, 100 };
	static const __u32 ks[] = { 1, 2, 3, 4, 5, 8, 13, 64, 131, 600 };
	static const __s32 zws[] = { 0, 3, -7, 127 };
	struct q8_case qc;
	__u32 a, b, c, cases = 0, v = 0;

	get_levels();
	for (a = 0; a < sizeof(ms) / sizeof(ms[0]); a++) {
		for (b = 0; b < sizeof(ns) / sizeof(ns[0]); b++) {
			for (c = 0; c < sizeof(ks) / sizeof(ks[0]); c++) {
				if ((a + b + c) % 2)
					continue;
				v++;
				qc = (struct q8_case){
					ms[a], ns[b], ks[c], v % 2, (v / 2) % 2, (v / 4) % 2,
					v % 7 == 0, zws[v % 4], v % 3, v % 11 == 0 ? 2 : v % 13 == 0 ? 3 : 0,
				};
				ASSERT_TRUE(run_q8_gemm(_metadata, &qc));
				cases++;
			}
		}
	}
	/* NaN, infinite and zero per-channel scales */
	qc = (struct q8_case){ 9, 50, 20, 0, 1, 1, 0, 0, 0, 1 };
	ASSERT_TRUE(run_q8_gemm(_metadata, &qc));
	TH_LOG("%u int8 GEMM cases x %d tables", cases + 1, nlevels);
}

static int run_q8_conv(struct __test_metadata *_metadata, const struct conv_shape *s,
		       const struct q8_case *qc)
{
	__u32 oh = conv_out(s->h, s->kh, s->sh, s->dh, s->pt, s->pb);
	__u32 ow = conv_out(s->w, s->kw, s->sw, s->dw, s->pl, s->pr);
	__u32 kk = s->c * s->kh * s->kw, npix = oh * ow, i, j, c, r, q, l, t;
	size_t xs = (size_t)s->c * s->h * s->w, ys = (size_t)s->oc * npix;
	__s8 *w = xmalloc((size_t)s->oc * kk);
	__u8 *x = xmalloc(xs), *y = xmalloc(ys), *y2 = xmalloc(ys);
	__s32 *bias = xmalloc(4 * (size_t)s->oc);
	float *wscale = xmalloc(4 * (size_t)s->oc);
	void *packed = xmalloc(npu_kern_pack_q8_size(s->oc, kk));
	void *scr = scratch_for(NPU_KERN_GEMM_Q8, kk);
	struct npu_kern_conv_q8 p;
	struct block blk[16];
	int ok = 1, nb, b;

	for (i = 0; i < s->oc * kk; i++)
		w[i] = (__s8)(rnd() % 256);
	for (i = 0; i < xs; i++)
		x[i] = (__u8)rnd();
	for (i = 0; i < s->oc; i++)
		bias[i] = (__s32)(rnd() % 20001) - 10000;
	npu_kern_pack_q8(packed, w, kk, 1, s->oc, kk);
	memset(&p, 0, sizeof(p));
	q8_setup(&p.q, qc, s->oc, wscale);
	p.q.w = packed;
	p.q.bias = bias;
	p.q.x = x;
	p.c = s->c;
	p.h = s->h;
	p.iw = s->w;
	p.oc = s->oc;
	p.oh = oh;
	p.ow = ow;
	p.kh = s->kh;
	p.kw = s->kw;
	p.stride_h = s->sh;
	p.stride_w = s->sw;
	p.dil_h = s->dh;
	p.dil_w = s->dw;
	p.pad_top = s->pt;
	p.pad_left = s->pl;
	for (l = 0; l < (__u32)nlevels && ok; l++) {
		const struct npu_kern_ops *o = levels[l].ops;

		p.q.y = y;
		o->conv_q8(&p, 0, s->oc, 0, npix, scr);
		p.q.y = y2;
		nb = split_blocks(s->oc, npix, blk, 16);
		for (b = 0; b < nb; b++)
			o->conv_q8(&p, blk[b].m0, blk[b].m1, blk[b].n0, blk[b].n1, scr);
		for (i = 0; i < s->oc && ok; i++) {
			double mult = qc->per_channel ? p.q.sx * (double)wscale[i] / p.q.sy :
					p.q.sx * p.q.sw / p.q.sy;

			for (j = 0; j < npix && ok; j++) {
				__s64 acc = bias[i];
				__s32 want, got;

				for (c = 0, t = 0; c < s->c; c++) {
					for (r = 0; r < s->kh; r++) {
						for (q = 0; q < s->kw; q++, t++) {
							long ih = (long)(j / ow) * s->sh - s->pt + r * s->dh;
							long iw = (long)(j % ow) * s->sw - s->pl + q * s->dw;
							__s32 xv;

							if (ih < 0 || ih >= s->h || iw < 0 || iw >= s->w)
								continue;
							xv = x[(c * s->h + ih) * s->w + iw];
							if (qc->x_signed)
								xv = (__s8)xv;
							acc += (__s64)(xv - p.q.zx) *
							       (w[i * kk + t] - p.q.zw);
						}
					}
				}
				want = q8_ref(acc, mult, &p.q);
				got = qc->y_signed ? (__s8)y[i * npix + j] : y[i * npix + j];
				if (got != want || y[i * npix + j] != y2[i * npix + j]) {
					TH_LOG("%s conv_q8 C=%u %ux%u OC=%u k=%ux%u s=%u,%u p=%u,%u at (%u,%u): got %d want %d",
					       o->name, s->c, s->h, s->w, s->oc, s->kh, s->kw, s->sh,
					       s->sw, s->pt, s->pl, i, j, got, want);
					ok = 0;
				}
			}
		}
	}
	free(w);
	free(x);
	free(y);
	free(y2);
	free(bias);
	free(wscale);
	free(packed);
	free(scr);
	return ok;
}

TEST(conv_q8)
{
	static const struct conv_shape shapes[] = {
		{ 3, 9, 13, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1 },
		{ 5, 7, 7, 9, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 },
		{ 6, 10, 11, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 },
		{ 2, 9, 60, 5, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2 },
		{ 2, 11, 12, 5, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2 },
		{ 3, 7, 9, 4, 3, 2, 1, 3, 1, 1, 0, 1, 2, 0 },
	};
	struct q8_case qc;
	__u32 i;

	get_levels();
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		qc = (struct q8_case){ 0, 0, 0, i % 2, (i / 2) % 2, i % 3 == 0, 0,
				       i % 3 == 1 ? 5 : 0, i % 3, 0 };
		ASSERT_TRUE(run_q8_conv(_metadata, &shapes[i], &qc));
	}
}

TEST_HARNESS_MAIN

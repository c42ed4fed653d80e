// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * npu firmware kernels: the AVX-512F level (F32). Build with
 * -mavx512f -mavx2 -mfma; only called after npu_kern_cpu_isa() said so.
 *
 * GEMM: 8 x 48 register tile (24 ZMM accumulators) over a weight panel and
 * a 128 x 48 block of B packed into the scratch buffer (dense copy, or
 * im2col for convolutions), the block reused by every panel of the call.
 * Each output accumulates in k order; partial sums live in C between k
 * blocks, in binary32, which keeps the order (see npu_fw_kern.h).
 */
#include "npu_fw_kern_int.h"

#ifdef NPU_KERN_X86
/*
 * Userspace consumers compile every firmware file with one set of flags:
 * the ISA comes from here (the kernel's Kbuild gives it per file instead).
 */
#ifndef __KERNEL__
#ifdef __clang__
#pragma clang attribute push(__attribute__((target( \
	"avx512f,avx2,fma"))), \
	apply_to = function)
#else
#pragma GCC target("avx512f,avx2,fma")
/*
 * GCC 12 cannot see that the tile loops, unrolled for the widest tile,
 * initialise every accumulator of the narrower ones they use (the kernel
 * builds without this warning anyway).
 */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif
#include "npu_fw_kern_simd.h"

#define NPU_K5_NR	48

static __always_inline __m512 npu_k5_madd(__m512 a, __m512 b, __m512 c, const int exact)
{
	return exact ? _mm512_add_ps(c, _mm512_mul_ps(a, b)) : _mm512_fmadd_ps(a, b, c);
}

/* c - a * b */
static __always_inline __m512 npu_k5_nmadd(__m512 a, __m512 b, __m512 c, const int exact)
{
	return exact ? _mm512_sub_ps(c, _mm512_mul_ps(a, b)) : _mm512_fnmadd_ps(a, b, c);
}

/* lanes of k: acc + a * b; other lanes: acc */
static __always_inline __m512 npu_k5_mmadd(__m512 acc, __mmask16 k, __m512 a, __m512 b,
					   const int exact)
{
	if (exact)
		return _mm512_mask_add_ps(acc, k, acc, _mm512_mul_ps(a, b));
	return _mm512_mask3_fmadd_ps(a, b, acc, k);
}

static __always_inline __m512 npu_k5_exp(__m512 x, const int exact)
{
	const __m512 hi = _mm512_set1_ps(NPU_KERN_EXP_HI), lo = _mm512_set1_ps(NPU_KERN_EXP_LO);
	const __m512 magic = _mm512_set1_ps(NPU_KERN_EXP_MAGIC);
	__mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
	__mmask16 big = _mm512_cmp_ps_mask(x, hi, _CMP_GT_OQ);
	__mmask16 small = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ);
	__m512 c = _mm512_min_ps(_mm512_max_ps(x, lo), hi);
	__m512 t, n, r, z, p, s;
	__m512i e;

	t = npu_k5_madd(c, _mm512_set1_ps(NPU_KERN_LOG2E), magic, exact);
	n = _mm512_sub_ps(t, magic);
	r = npu_k5_nmadd(n, _mm512_set1_ps(NPU_KERN_LN2_HI), c, exact);
	r = npu_k5_nmadd(n, _mm512_set1_ps(NPU_KERN_LN2_LO), r, exact);
	z = _mm512_mul_ps(r, r);
	p = npu_k5_madd(_mm512_set1_ps(NPU_KERN_EXP_P0), r, _mm512_set1_ps(NPU_KERN_EXP_P1), exact);
	p = npu_k5_madd(p, r, _mm512_set1_ps(NPU_KERN_EXP_P2), exact);
	p = npu_k5_madd(p, r, _mm512_set1_ps(NPU_KERN_EXP_P3), exact);
	p = npu_k5_madd(p, r, _mm512_set1_ps(NPU_KERN_EXP_P4), exact);
	p = npu_k5_madd(p, r, _mm512_set1_ps(NPU_KERN_EXP_P5), exact);
	p = npu_k5_madd(p, z, r, exact);
	p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
	e = _mm512_add_epi32(_mm512_cvttps_epi32(n), _mm512_set1_epi32(127));
	s = _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
	p = _mm512_mul_ps(p, s);
	p = _mm512_mask_mov_ps(p, big, _mm512_set1_ps(__builtin_inff()));
	p = _mm512_mask_mov_ps(p, small, _mm512_setzero_ps());
	return _mm512_mask_mov_ps(p, nan, x);
}

/* the activation; max/min operand order keeps NaN and -0.0 as the scalar code */
static __always_inline __m512 npu_k5_act(__m512 y, const struct npu_kern_act *a, const int exact)
{
	const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
	__m512 t;

	switch (a->type) {
	case NPU_KERN_ACT_RELU:
		return _mm512_max_ps(zero, y);
	case NPU_KERN_ACT_CLIP:
		y = _mm512_max_ps(_mm512_set1_ps(a->lo), y);
		return _mm512_min_ps(_mm512_set1_ps(a->hi), y);
	case NPU_KERN_ACT_HARD_SIGMOID:
		t = npu_k5_madd(_mm512_set1_ps(a->alpha), y, _mm512_set1_ps(a->beta), exact);
		return _mm512_max_ps(zero, _mm512_min_ps(one, t));
	case NPU_KERN_ACT_HARD_SWISH:
		t = npu_k5_madd(y, _mm512_set1_ps(1.0f / 6.0f), _mm512_set1_ps(0.5f), exact);
		return _mm512_mul_ps(y, _mm512_max_ps(zero, _mm512_min_ps(one, t)));
	case NPU_KERN_ACT_SIGMOID:
		t = npu_k5_exp(_mm512_sub_ps(zero, y), exact);
		return _mm512_div_ps(one, _mm512_add_ps(one, t));
	default:
		return y;
	}
}

static __always_inline __mmask16 npu_k5_tailmask(__u32 n)
{
	return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1U << n) - 1);
}

/*
 * One 8 x (16 * nv) tile: kc steps over panel slice @a (8 floats per k) and
 * a micro-panel of packed B @b (48 floats per k). First block: start from the bias,
 * else from C. Last block: apply the activation. Only @rows rows and the
 * lanes of @mlast in the last vector are read from or written to C.
 */
static __always_inline void npu_k5_tile(const int nv, const int exact, __u32 kc,
					const float *a, const float *b, float *c, long ldc,
					__u32 rows, __mmask16 mlast, const float *bias,
					int first, int last, const struct npu_kern_act *act)
{
	__m512 acc[8][3], bv[3], av;
	__u32 k;
	int r, v;

#pragma GCC unroll 8
	for (r = 0; r < 8; r++) {
#pragma GCC unroll 3
		for (v = 0; v < nv; v++) {
			if ((__u32)r >= rows)
				acc[r][v] = _mm512_setzero_ps();
			else if (first)
				acc[r][v] = bias ? _mm512_set1_ps(bias[r]) : _mm512_setzero_ps();
			else
				acc[r][v] = _mm512_maskz_loadu_ps(v == nv - 1 ? mlast : 0xffff,
								  c + r * ldc + v * 16);
		}
	}
	for (k = 0; k < kc; k++) {
#pragma GCC unroll 3
		for (v = 0; v < nv; v++)
			bv[v] = _mm512_loadu_ps(b + v * 16);
#pragma GCC unroll 8
		for (r = 0; r < 8; r++) {
			av = _mm512_set1_ps(a[r]);
#pragma GCC unroll 3
			for (v = 0; v < nv; v++)
				acc[r][v] = npu_k5_madd(av, bv[v], acc[r][v], exact);
		}
		a += 8;
		b += NPU_K5_NR;
	}
#pragma GCC unroll 8
	for (r = 0; r < 8; r++) {
		if ((__u32)r >= rows)
			break;
#pragma GCC unroll 3
		for (v = 0; v < nv; v++) {
			__m512 y = last ? npu_k5_act(acc[r][v], act, exact) : acc[r][v];

			_mm512_mask_storeu_ps(c + r * ldc + v * 16, v == nv - 1 ? mlast : 0xffff,
					      y);
		}
	}
}

static __always_inline void npu_k5_tile_any(int nv, const int exact, __u32 kc,
					    const float *a, const float *b, float *c, long ldc,
					    __u32 rows, __mmask16 mlast, const float *bias,
					    int first, int last, const struct npu_kern_act *act)
{
	if (nv == 3)
		npu_k5_tile(3, exact, kc, a, b, c, ldc, rows, mlast, bias, first, last, act);
	else if (nv == 2)
		npu_k5_tile(2, exact, kc, a, b, c, ldc, rows, mlast, bias, first, last, act);
	else
		npu_k5_tile(1, exact, kc, a, b, c, ldc, rows, mlast, bias, first, last, act);
}

static void npu_k5_tile_fast(int nv, __u32 kc, const float *a, const float *b, float *c,
			     long ldc, __u32 rows, __mmask16 mlast, const float *bias,
			     int first, int last, const struct npu_kern_act *act)
{
	npu_k5_tile_any(nv, 0, kc, a, b, c, ldc, rows, mlast, bias, first, last, act);
}

static void npu_k5_tile_exact(int nv, __u32 kc, const float *a, const float *b, float *c,
			      long ldc, __u32 rows, __mmask16 mlast, const float *bias,
			      int first, int last, const struct npu_kern_act *act)
{
	npu_k5_tile_any(nv, 1, kc, a, b, c, ldc, rows, mlast, bias, first, last, act);
}

/*
 * Packed B: a k block of [n, n + nc) as micro-panels of 48 columns, panel q
 * at dst + q * kc * 48 holding kc rows of 48 floats (columns past nc: 0).
 */
static float *npu_k5_panel(float *dst, __u32 kc, __u32 k, __u32 j)
{
	return dst + (unsigned long)(j / NPU_K5_NR) * kc * NPU_K5_NR +
	       (unsigned long)k * NPU_K5_NR + j % NPU_K5_NR;
}

/* zero columns [nc, next multiple of 48) of row k */
static void npu_k5_pack_tail(float *dst, __u32 kc, __u32 k, __u32 nc)
{
	__u32 j;

	for (j = nc; j % NPU_K5_NR; j++)
		*npu_k5_panel(dst, kc, k, j) = 0.0f;
}

/* B(k, n) of a dense GEMM operand, k in [k0, k0 + kc), n in [n, n + nc) */
static void npu_k5_pack_dense(const struct npu_kern_gemm_f32 *p, float *dst, __u32 k0,
			      __u32 kc, __u32 n, __u32 nc)
{
	__u32 k, j;

	for (k = 0; k < kc; k++) {
		const float *s = p->b + (long)(k0 + k) * p->b_ks + (long)n * p->b_ns;

		if (p->b_ns != 1) {
			for (j = 0; j < nc; j++)
				*npu_k5_panel(dst, kc, k, j) = s[j * p->b_ns];
		} else {
			for (j = 0; j < nc; j += 16) {
				__m512 v = _mm512_maskz_loadu_ps(npu_k5_tailmask(nc - j), s + j);

				_mm512_storeu_ps(npu_k5_panel(dst, kc, k, j), v);
			}
		}
		npu_k5_pack_tail(dst, kc, k, nc);
	}
}

/*
 * 16 floats of input row @row at positions pos0 + i * sw (i < 16): lanes
 * outside [0, w) or not in @live read as 0; *valid gets the lanes read.
 */
static __always_inline __m512 npu_k5_gather_row(const float *row, long pos0, __u32 sw,
						__u32 w, __mmask16 live, __mmask16 *valid)
{
	const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7,
					       8, 9, 10, 11, 12, 13, 14, 15);
	__m512i pos, pos2;
	__mmask16 ok, ok2;
	__m512 lo, hi;

	if (sw == 1) {
		pos = _mm512_add_epi32(_mm512_set1_epi32((int)pos0), iota);
		ok = _mm512_cmp_epi32_mask(pos, _mm512_setzero_si512(), _MM_CMPINT_NLT) &
		     _mm512_cmp_epi32_mask(pos, _mm512_set1_epi32((int)w), _MM_CMPINT_LT) & live;
		*valid = ok;
		return _mm512_maskz_loadu_ps(ok, row + pos0);
	}
	if (sw == 2) {
		const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14,
						       16, 18, 20, 22, 24, 26, 28, 30);
		__m512i wv = _mm512_set1_epi32((int)w);

		pos = _mm512_add_epi32(_mm512_set1_epi32((int)pos0), iota);
		pos2 = _mm512_add_epi32(pos, _mm512_set1_epi32(16));
		ok = _mm512_cmp_epi32_mask(pos, _mm512_setzero_si512(), _MM_CMPINT_NLT) &
		     _mm512_cmp_epi32_mask(pos, wv, _MM_CMPINT_LT);
		ok2 = _mm512_cmp_epi32_mask(pos2, _mm512_setzero_si512(), _MM_CMPINT_NLT) &
		      _mm512_cmp_epi32_mask(pos2, wv, _MM_CMPINT_LT);
		lo = _mm512_maskz_loadu_ps(ok, row + pos0);
		hi = _mm512_maskz_loadu_ps(ok2, row + pos0 + 16);
		pos = _mm512_add_epi32(_mm512_set1_epi32((int)pos0),
				       _mm512_slli_epi32(iota, 1));
		ok = _mm512_cmp_epi32_mask(pos, _mm512_setzero_si512(), _MM_CMPINT_NLT) &
		     _mm512_cmp_epi32_mask(pos, wv, _MM_CMPINT_LT) & live;
		*valid = ok;
		return _mm512_maskz_mov_ps(ok, _mm512_permutex2var_ps(lo, even, hi));
	}
	pos = _mm512_add_epi32(_mm512_set1_epi32((int)pos0),
			       _mm512_mullo_epi32(iota, _mm512_set1_epi32((int)sw)));
	ok = _mm512_cmp_epi32_mask(pos, _mm512_setzero_si512(), _MM_CMPINT_NLT) &
	     _mm512_cmp_epi32_mask(pos, _mm512_set1_epi32((int)w), _MM_CMPINT_LT) & live;
	*valid = ok;
	return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), ok, pos, row, 4);
}

/*
 * im2col of row k = (c, r, col) over pixels [n, n + nc): runs of one output
 * row that stay in one micro-panel, read with (masked) vector loads;
 * padding is 0.
 */
static void npu_k5_pack_conv_row(const struct npu_kern_conv_f32 *p, float *dst, __u32 kc,
				 __u32 k, __u32 kk, __u32 n, __u32 nc)
{
	__u32 khw = p->kh * p->kw, c = kk / khw, r = kk / p->kw % p->kh, col = kk % p->kw;
	__u32 oh = n / p->ow, ow = n % p->ow, j, len, t;
	const float *plane = p->x + (unsigned long)c * p->h * p->iw;
	__mmask16 valid, live;
	long ih, pos;
	float *d;

	for (j = 0; j < nc; j += len) {
		len = p->ow - ow;
		if (len > NPU_K5_NR - j % NPU_K5_NR)
			len = NPU_K5_NR - j % NPU_K5_NR;
		if (len > nc - j)
			len = nc - j;
		d = npu_k5_panel(dst, kc, k, j);
		ih = (long)oh * p->stride_h - p->pad_top + (long)r * p->dil_h;
		pos = (long)ow * p->stride_w - p->pad_left + (long)col * p->dil_w;
		for (t = 0; t < len; t += 16) {
			live = npu_k5_tailmask(len - t);
			if (ih < 0 || ih >= p->h)
				_mm512_mask_storeu_ps(d + t, live, _mm512_setzero_ps());
			else
				_mm512_mask_storeu_ps(d + t, live,
						      npu_k5_gather_row(plane + ih * p->iw,
									pos + (long)t * p->stride_w,
									p->stride_w, p->iw, live,
									&valid));
		}
		ow += len;
		if (ow == p->ow) {
			ow = 0;
			oh++;
		}
	}
}

static void npu_k5_pack_conv(const struct npu_kern_conv_f32 *p, float *dst, __u32 k0,
			     __u32 kc, __u32 n, __u32 nc)
{
	__u32 k;

	for (k = 0; k < kc; k++) {
		npu_k5_pack_conv_row(p, dst, kc, k, k0 + k, n, nc);
		npu_k5_pack_tail(dst, kc, k, nc);
	}
}

typedef void (*npu_k5_tile_fn)(int nv, __u32 kc, const float *a, const float *b, float *c,
			       long ldc, __u32 rows, __mmask16 mlast, const float *bias,
			       int first, int last, const struct npu_kern_act *act);

/**
 * struct npu_k5_job - one blocked GEMM call
 * @w: packed weights
 * @bias: bias or NULL
 * @c: C, row-major with leading dimension @ldc
 * @ldc: element stride between rows of C
 * @k: reduction length
 * @act: activation
 * @gemm: dense B source, or NULL
 * @conv: convolution B source, or NULL
 */
struct npu_k5_job {
	const float *w;
	const float *bias;
	float *c;
	long ldc;
	__u32 k;
	const struct npu_kern_act *act;
	const struct npu_kern_gemm_f32 *gemm;
	const struct npu_kern_conv_f32 *conv;
};

static void npu_k5_drive(const struct npu_k5_job *j, __u32 m0, __u32 m1, __u32 n0, __u32 n1,
			 void *scratch, npu_k5_tile_fn tile)
{
	float *buf = npu_kern_scratch_align(scratch);
	__u32 n, nc, q, nr, nv, k0, kc, m;

	for (n = n0; n < n1; n += nc) {
		nc = n1 - n < NPU_KERN_NC ? n1 - n : NPU_KERN_NC;
		for (k0 = 0; k0 < j->k; k0 += kc) {
			kc = j->k - k0 < NPU_KERN_KC ? j->k - k0 : NPU_KERN_KC;
			if (j->gemm)
				npu_k5_pack_dense(j->gemm, buf, k0, kc, n, nc);
			else
				npu_k5_pack_conv(j->conv, buf, k0, kc, n, nc);
			for (q = 0; q < nc; q += NPU_K5_NR) {
				nr = nc - q < NPU_K5_NR ? nc - q : NPU_K5_NR;
				nv = (nr + 15) / 16;
				for (m = m0; m < m1; m += 8)
					tile(nv, kc, j->w + (unsigned long)m * j->k + k0 * 8UL,
					     npu_k5_panel(buf, kc, 0, q), j->c + m * j->ldc + n + q,
					     j->ldc, m1 - m < 8 ? m1 - m : 8,
					     npu_k5_tailmask(nr - (nv - 1) * 16),
					     j->bias ? j->bias + m : NULL, k0 == 0,
					     k0 + kc == j->k, j->act);
			}
		}
	}
}

/*
 * Few columns, or C not row-major: vectorize over 16 rows (two panels)
 * instead, four columns at a time, reading B in place.
 */
static __always_inline void npu_k5_gemm_narrow(const struct npu_kern_gemm_f32 *p, __u32 m0,
					       __u32 m1, __u32 n0, __u32 n1, const int exact)
{
	__u32 m, n, k, j, nc, r;
	__m512 acc[4], wv;
	float out[16];

	for (m = m0; m < m1; m += 16) {
		int two = m + 8 < m1;
		__mmask16 live = npu_k5_tailmask(m1 - m);
		const float *w0 = p->w + (unsigned long)m * p->k;
		__m512 bias = _mm512_setzero_ps();

		if (p->bias)
			bias = _mm512_maskz_loadu_ps(live, p->bias + m);
		for (n = n0; n < n1; n += nc) {
			nc = n1 - n < 4 ? n1 - n : 4;
			for (j = 0; j < 4; j++)
				acc[j] = bias;
			for (k = 0; k < p->k; k++) {
				const float *b = p->b + (long)k * p->b_ks + (long)n * p->b_ns;
				__m256d lo = _mm256_castps_pd(_mm256_loadu_ps(w0 + k * 8));
				const float *w1 = w0 + 8UL * p->k + k * 8;
				__m256d hi = _mm256_setzero_pd();

				if (two)
					hi = _mm256_castps_pd(_mm256_loadu_ps(w1));
				wv = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(lo),
									 hi, 1));
				for (j = 0; j < nc; j++)
					acc[j] = npu_k5_madd(wv, _mm512_set1_ps(b[j * p->b_ns]),
							     acc[j], exact);
			}
			for (j = 0; j < nc; j++) {
				_mm512_storeu_ps(out, npu_k5_act(acc[j], &p->act, exact));
				for (r = 0; r < 16 && m + r < m1; r++)
					p->c[(m + r) * p->c_ms + (n + j) * p->c_ns] = out[r];
			}
		}
	}
}

static __always_inline void npu_k5_gemm(const struct npu_kern_gemm_f32 *p, __u32 m0, __u32 m1,
					__u32 n0, __u32 n1, void *scratch, const int exact)
{
	struct npu_k5_job j = {
		.w = p->w, .bias = p->bias, .c = p->c, .ldc = p->c_ms, .k = p->k,
		.act = &p->act, .gemm = p,
	};

	if (m1 > p->m)
		m1 = p->m;
	if (n1 > p->n)
		n1 = p->n;
	if (m0 >= m1 || n0 >= n1)
		return;
	if (n1 - n0 <= 4 || p->c_ns != 1) {
		npu_k5_gemm_narrow(p, m0, m1, n0, n1, exact);
		return;
	}
	npu_k5_drive(&j, m0, m1, n0, n1, scratch, exact ? npu_k5_tile_exact : npu_k5_tile_fast);
}

void npu_kern_avx512_gemm_f32(const struct npu_kern_gemm_f32 *p, __u32 m0, __u32 m1,
			      __u32 n0, __u32 n1, void *scratch)
{
	npu_k5_gemm(p, m0, m1, n0, n1, scratch, 0);
}

void npu_kern_avx512_gemm_f32x(const struct npu_kern_gemm_f32 *p, __u32 m0, __u32 m1,
			       __u32 n0, __u32 n1, void *scratch)
{
	npu_k5_gemm(p, m0, m1, n0, n1, scratch, 1);
}

static void npu_k5_conv(const struct npu_kern_conv_f32 *p, __u32 m0, __u32 m1,
			__u32 n0, __u32 n1, void *scratch, int exact)
{
	__u32 npix = p->oh * p->ow;
	struct npu_k5_job j = {
		.w = p->w, .bias = p->bias, .c = p->y, .ldc = npix,
		.k = p->c * p->kh * p->kw, .act = &p->act, .conv = p,
	};
	struct npu_kern_gemm_f32 g;

	if (m1 > p->oc)
		m1 = p->oc;
	if (n1 > npix)
		n1 = npix;
	if (m0 >= m1 || n0 >= n1)
		return;
	if (p->kh == 1 && p->kw == 1 && p->stride_h == 1 && p->stride_w == 1 &&
	    p->pad_top == 0 && p->pad_left == 0 && p->h == p->oh && p->iw == p->ow) {
		g = (struct npu_kern_gemm_f32){
			.w = p->w, .bias = p->bias, .b = p->x, .b_ks = npix, .b_ns = 1,
			.c = p->y, .c_ms = npix, .c_ns = 1, .m = p->oc, .n = npix, .k = p->c,
			.act = p->act,
		};
		npu_k5_gemm(&g, m0, m1, n0, n1, scratch, exact);
		return;
	}
	npu_k5_drive(&j, m0, m1, n0, n1, scratch, exact ? npu_k5_tile_exact : npu_k5_tile_fast);
}

void npu_kern_avx512_conv_f32(const struct npu_kern_conv_f32 *p, __u32 m0, __u32 m1,
			      __u32 n0, __u32 n1, void *scratch)
{
	npu_k5_conv(p, m0, m1, n0, n1, scratch, 0);
}

void npu_kern_avx512_conv_f32x(const struct npu_kern_conv_f32 *p, __u32 m0, __u32 m1,
			       __u32 n0, __u32 n1, void *scratch)
{
	npu_k5_conv(p, m0, m1, n0, n1, scratch, 1);
}

/*
 * Depthwise: 16 inputs of @row for the outputs o .. o + 15 at input offset
 * @pos (input pos + l * sw for output o + l). Returns the lanes that exist
 * in *valid (all 16 when the outputs are in [lo, hi), the range whose taps
 * are all inside the row, and, stride 2, the 32 floats read exist too:
 * then the loads are plain).
 */
static __always_inline __m512 npu_k5_dw_load(const struct npu_kern_dw_f32 *p, const int SW,
					     const float *row, long pos, __u32 o, long lo,
					     long hi, __mmask16 *valid)
{
	const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14,
					       16, 18, 20, 22, 24, 26, 28, 30);
	const __u32 sw = SW ? (__u32)SW : p->stride_w;
	long lo_l, hi_l;
	__u32 in;

	if ((long)o >= lo && (long)o + 16 <= hi && sw <= 2 &&
	    (sw == 1 || pos + 32 <= (long)p->iw)) {
		*valid = 0xffff;
		if (sw == 1)
			return _mm512_loadu_ps(row + pos);
		return _mm512_permutex2var_ps(_mm512_loadu_ps(row + pos), even,
					      _mm512_loadu_ps(row + pos + 16));
	}
	/* output lanes whose input pos + l * sw lies in [0, iw) */
	lo_l = pos < 0 ? (-pos + sw - 1) / sw : 0;
	hi_l = pos < (long)p->iw ? ((long)p->iw - pos + sw - 1) / sw : 0;
	if (hi_l > (long)(p->ow - o))
		hi_l = p->ow - o;
	if (hi_l > 16)
		hi_l = 16;
	*valid = lo_l < hi_l ? (__mmask16)(((1U << hi_l) - 1) & ~((1U << lo_l) - 1)) : 0;
	if (sw == 1)
		return _mm512_maskz_loadu_ps(*valid, row + pos);
	if (sw == 2) {
		/* input floats pos .. pos + 31 that exist */
		lo_l = pos < 0 ? -pos : 0;
		hi_l = (long)p->iw - pos < 32 ? (long)p->iw - pos : 32;
		in = lo_l < hi_l ? (__u32)((((1ULL << hi_l) - 1) & ~((1ULL << lo_l) - 1))) : 0;
		return _mm512_permutex2var_ps(_mm512_maskz_loadu_ps((__mmask16)in, row + pos),
					      even, _mm512_maskz_loadu_ps((__mmask16)(in >> 16),
									  row + pos + 16));
	}
	return npu_k5_gather_row(row, pos, sw, p->iw, *valid, valid);
}

#define NPU_K5_DW_ROWS	4

/*
 * Depthwise: up to 4 output rows from @oh0 at once, 32 outputs (2 vectors)
 * per step, 8 independent accumulators. Each input row is loaded once per
 * step and feeds every output row it is a tap of; each output still takes
 * its taps in (kernel row, kernel column) order. KH, KW, SW are
 * compile-time for the common shapes (0: read from @p).
 */
static __always_inline void npu_k5_dw_rows(const struct npu_kern_dw_f32 *p, const int KH,
					   const int KW, const int SW, const int exact,
					   const float *x, const float *w, float bias, float *y,
					   __u32 oh0, __u32 nrows)
{
	const __u32 kh = KH ? (__u32)KH : p->kh, kw = KW ? (__u32)KW : p->kw;
	const __u32 sw = SW ? (__u32)SW : p->stride_w;
	const __u32 dh = KH ? 1 : p->dil_h, dw = KW ? 1 : p->dil_w;
	long ow_lo, ow_hi, ih, base, top = (long)oh0 * p->stride_h - p->pad_top, r;
	__u32 ow0, c, v, nvec, j, t;
	__m512 acc[NPU_K5_DW_ROWS][2], xv[2];
	__mmask16 valid[2];

	/* outputs [ow_lo, ow_hi) have every tap inside the row */
	ow_lo = ((long)p->pad_left + sw - 1) / sw;
	ow_hi = (long)p->iw - (long)(kw - 1) * dw + p->pad_left;
	ow_hi = ow_hi > 0 ? (ow_hi - 1) / (long)sw + 1 : 0;
	if (ow_hi > p->ow)
		ow_hi = p->ow;
	for (ow0 = 0; ow0 < p->ow; ow0 += 32) {
		nvec = p->ow - ow0 > 16 ? 2 : 1;
#pragma GCC unroll 4
		for (j = 0; j < NPU_K5_DW_ROWS; j++)
#pragma GCC unroll 2
			for (v = 0; v < 2; v++)
				acc[j][v] = _mm512_set1_ps(bias);
		/* input rows top + t, t in dilation steps, in increasing order */
		for (t = 0; t <= (nrows - 1) * p->stride_h + (kh - 1) * dh; t++) {
			ih = top + t;
			if (ih < 0 || ih >= p->h)
				continue;
			for (c = 0; c < kw; c++) {
				base = (long)ow0 * sw - p->pad_left + (long)c * dw;
#pragma GCC unroll 2
				for (v = 0; v < 2; v++) {
					valid[v] = 0;
					xv[v] = _mm512_setzero_ps();
					if (v < nvec)
						xv[v] = npu_k5_dw_load(p, SW, x + ih * p->iw,
								       base + (long)v * 16 * sw,
								       ow0 + v * 16, ow_lo, ow_hi,
								       &valid[v]);
				}
#pragma GCC unroll 4
				for (j = 0; j < NPU_K5_DW_ROWS; j++) {
					__m512 wv;

					r = (long)t - (long)j * p->stride_h;
					if (j >= nrows || r < 0 || r % dh || r / dh >= kh)
						continue;
					wv = _mm512_set1_ps(w[(r / dh) * kw + c]);
#pragma GCC unroll 2
					for (v = 0; v < 2; v++)
						acc[j][v] = npu_k5_mmadd(acc[j][v], valid[v],
									 wv, xv[v], exact);
				}
			}
		}
#pragma GCC unroll 4
		for (j = 0; j < NPU_K5_DW_ROWS; j++) {
			float *yr = y + (unsigned long)j * p->ow + ow0;

#pragma GCC unroll 2
			for (v = 0; v < 2; v++) {
				if (j >= nrows || v >= nvec)
					continue;
				_mm512_mask_storeu_ps(yr + v * 16,
						      npu_k5_tailmask(p->ow - ow0 - v * 16),
						      npu_k5_act(acc[j][v], &p->act, exact));
			}
		}
	}
}

static __always_inline void npu_k5_dw(const struct npu_kern_dw_f32 *p, __u32 m0, __u32 m1,
				      __u32 n0, __u32 n1, const int exact)
{
	__u32 oc, oh, rows;
	int shape = 0;

	if (m1 > p->c * p->mult)
		m1 = p->c * p->mult;
	if (n1 > p->oh)
		n1 = p->oh;
	if (p->dil_h == 1 && p->dil_w == 1 && p->kh == p->kw && (p->kh == 3 || p->kh == 5) &&
	    (p->stride_w == 1 || p->stride_w == 2))
		shape = p->kh * 10 + p->stride_w;
	for (oc = m0; oc < m1; oc++) {
		const float *x = p->x + (unsigned long)(oc / p->mult) * p->h * p->iw;
		const float *w = p->w + (unsigned long)oc * p->kh * p->kw;
		float bias = p->bias ? p->bias[oc] : 0.0f;

		for (oh = n0; oh < n1; oh += rows) {
			float *y = p->y + ((unsigned long)oc * p->oh + oh) * p->ow;

			rows = n1 - oh < NPU_K5_DW_ROWS ? n1 - oh : NPU_K5_DW_ROWS;
			switch (shape) {
			case 31:
				npu_k5_dw_rows(p, 3, 3, 1, exact, x, w, bias, y, oh, rows);
				break;
			case 32:
				npu_k5_dw_rows(p, 3, 3, 2, exact, x, w, bias, y, oh, rows);
				break;
			case 51:
				npu_k5_dw_rows(p, 5, 5, 1, exact, x, w, bias, y, oh, rows);
				break;
			case 52:
				npu_k5_dw_rows(p, 5, 5, 2, exact, x, w, bias, y, oh, rows);
				break;
			default:
				npu_k5_dw_rows(p, 0, 0, 0, exact, x, w, bias, y, oh, rows);
				break;
			}
		}
	}
}

void npu_kern_avx512_dw_f32(const struct npu_kern_dw_f32 *p, __u32 m0, __u32 m1,
			    __u32 n0, __u32 n1, void *scratch)
{
	(void)scratch;
	npu_k5_dw(p, m0, m1, n0, n1, 0);
}

void npu_kern_avx512_dw_f32x(const struct npu_kern_dw_f32 *p, __u32 m0, __u32 m1,
			     __u32 n0, __u32 n1, void *scratch)
{
	(void)scratch;
	npu_k5_dw(p, m0, m1, n0, n1, 1);
}

const struct npu_kern_ops npu_kern_avx512_ops[2] = {
	{
		.isa = NPU_KERN_ISA_AVX512,
		.q8_isa = NPU_KERN_ISA_AVX2,
		.flags = 0,
		.name = "avx512",
		.gemm_f32 = npu_kern_avx512_gemm_f32,
		.conv_f32 = npu_kern_avx512_conv_f32,
		.dw_f32 = npu_kern_avx512_dw_f32,
		.gemm_q8 = npu_kern_avx2_gemm_q8,
		.conv_q8 = npu_kern_avx2_conv_q8,
	},
	{
		.isa = NPU_KERN_ISA_AVX512,
		.q8_isa = NPU_KERN_ISA_AVX2,
		.flags = NPU_KERN_EXACT,
		.name = "avx512-exact",
		.gemm_f32 = npu_kern_avx512_gemm_f32x,
		.conv_f32 = npu_kern_avx512_conv_f32x,
		.dw_f32 = npu_kern_avx512_dw_f32x,
		.gemm_q8 = npu_kern_avx2_gemm_q8,
		.conv_q8 = npu_kern_avx2_conv_q8,
	},
};

#if !defined(__KERNEL__) && defined(__clang__)
#pragma clang attribute pop
#endif
#endif /* NPU_KERN_X86 */

// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * npu firmware kernels: the AVX2 + FMA level. Build with -mavx2 -mfma; only
 * called after npu_kern_cpu_isa() said so.
 *
 * F32 GEMM: each 8-row weight panel is computed as two 4-row halves over a
 * 128 x 24 (FAST: 4 x 24 tile, 12 YMM accumulators) or 128 x 16 (EXACT:
 * 4 x 16, which leaves registers for the products) block of packed B.
 * Same k order as every level (see npu_fw_kern.h).
 */
#include "npu_fw_kern_q8.h"

#ifdef NPU_KERN_X86
/*
 * Userspace consumers compile every firmware file with one set of flags:
 * the ISA comes from here (the kernel's Kbuild gives it per file instead).
 */
#ifndef __KERNEL__
#ifdef __clang__
#pragma clang attribute push(__attribute__((target( \
	"avx2,fma"))), \
	apply_to = function)
#else
#pragma GCC target("avx2,fma")
/*
 * GCC 12 cannot see that the tile loops, unrolled for the widest tile,
 * initialise every accumulator of the narrower ones they use (the kernel
 * builds without this warning anyway).
 */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif
#include "npu_fw_kern_simd.h"

/*
 * Masked loads and stores. Real CPUs never touch memory under a clear mask
 * bit, but QEMU's TCG (7.2, this project's test VM) loads the whole vector
 * and faults past the end of a mapping (an oops in the kernel, SIGSEGV in
 * the host backend): both must also run there, so go lane by lane (edge
 * tiles only). Same values either way.
 */
static __always_inline __m256 npu_k2_maskload(const float *p, __m256i m)
{
	int bits = _mm256_movemask_ps(_mm256_castsi256_ps(m)), i;
	float t[8];

	/* the barrier keeps GCC from turning the loop back into VMASKMOVPS */
	for (i = 0; i < 8; i++) {
		t[i] = (bits >> i) & 1 ? p[i] : 0.0f;
		asm volatile("" ::: "memory");
	}
	return _mm256_loadu_ps(t);
}

static __always_inline void npu_k2_maskstore(float *p, __m256i m, __m256 v)
{
	int bits = _mm256_movemask_ps(_mm256_castsi256_ps(m)), i;
	float t[8];

	_mm256_storeu_ps(t, v);
	for (i = 0; i < 8; i++) {
		if ((bits >> i) & 1)
			p[i] = t[i];
		asm volatile("" ::: "memory");
	}
}

static __always_inline __m256 npu_k2_madd(__m256 a, __m256 b, __m256 c, const int exact)
{
	return exact ? _mm256_add_ps(c, _mm256_mul_ps(a, b)) : _mm256_fmadd_ps(a, b, c);
}

static __always_inline __m256 npu_k2_nmadd(__m256 a, __m256 b, __m256 c, const int exact)
{
	return exact ? _mm256_sub_ps(c, _mm256_mul_ps(a, b)) : _mm256_fnmadd_ps(a, b, c);
}

/* lanes set in @k (all-ones ints): acc + a * b; other lanes: acc */
static __always_inline __m256 npu_k2_mmadd(__m256 acc, __m256i k, __m256 a, __m256 b,
					   const int exact)
{
	return _mm256_blendv_ps(acc, npu_k2_madd(a, b, acc, exact), _mm256_castsi256_ps(k));
}

static __always_inline __m256i npu_k2_tailmask(__u32 n)
{
	const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);

	return _mm256_cmpgt_epi32(_mm256_set1_epi32(n > 8 ? 8 : (int)n), iota);
}

static __always_inline __m256 npu_k2_exp(__m256 x, const int exact)
{
	const __m256 hi = _mm256_set1_ps(NPU_KERN_EXP_HI), lo = _mm256_set1_ps(NPU_KERN_EXP_LO);
	const __m256 magic = _mm256_set1_ps(NPU_KERN_EXP_MAGIC);
	__m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
	__m256 big = _mm256_cmp_ps(x, hi, _CMP_GT_OQ);
	__m256 small = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
	__m256 c = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
	__m256 t, n, r, z, p, s;
	__m256i e;

	t = npu_k2_madd(c, _mm256_set1_ps(NPU_KERN_LOG2E), magic, exact);
	n = _mm256_sub_ps(t, magic);
	r = npu_k2_nmadd(n, _mm256_set1_ps(NPU_KERN_LN2_HI), c, exact);
	r = npu_k2_nmadd(n, _mm256_set1_ps(NPU_KERN_LN2_LO), r, exact);
	z = _mm256_mul_ps(r, r);
	p = npu_k2_madd(_mm256_set1_ps(NPU_KERN_EXP_P0), r, _mm256_set1_ps(NPU_KERN_EXP_P1), exact);
	p = npu_k2_madd(p, r, _mm256_set1_ps(NPU_KERN_EXP_P2), exact);
	p = npu_k2_madd(p, r, _mm256_set1_ps(NPU_KERN_EXP_P3), exact);
	p = npu_k2_madd(p, r, _mm256_set1_ps(NPU_KERN_EXP_P4), exact);
	p = npu_k2_madd(p, r, _mm256_set1_ps(NPU_KERN_EXP_P5), exact);
	p = npu_k2_madd(p, z, r, exact);
	p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
	e = _mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127));
	s = _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
	p = _mm256_mul_ps(p, s);
	p = _mm256_blendv_ps(p, _mm256_set1_ps(__builtin_inff()), big);
	p = _mm256_blendv_ps(p, _mm256_setzero_ps(), small);
	return _mm256_blendv_ps(p, x, nan);
}

static __always_inline __m256 npu_k2_act(__m256 y, const struct npu_kern_act *a, const int exact)
{
	const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
	__m256 t;

	switch (a->type) {
	case NPU_KERN_ACT_RELU:
		return _mm256_max_ps(zero, y);
	case NPU_KERN_ACT_CLIP:
		y = _mm256_max_ps(_mm256_set1_ps(a->lo), y);
		return _mm256_min_ps(_mm256_set1_ps(a->hi), y);
	case NPU_KERN_ACT_HARD_SIGMOID:
		t = npu_k2_madd(_mm256_set1_ps(a->alpha), y, _mm256_set1_ps(a->beta), exact);
		return _mm256_max_ps(zero, _mm256_min_ps(one, t));
	case NPU_KERN_ACT_HARD_SWISH:
		t = npu_k2_madd(y, _mm256_set1_ps(1.0f / 6.0f), _mm256_set1_ps(0.5f), exact);
		return _mm256_mul_ps(y, _mm256_max_ps(zero, _mm256_min_ps(one, t)));
	case NPU_KERN_ACT_SIGMOID:
		t = npu_k2_exp(_mm256_sub_ps(zero, y), exact);
		return _mm256_div_ps(one, _mm256_add_ps(one, t));
	default:
		return y;
	}
}

/*
 * One 4 x (8 * nv) tile over kc steps: @a points at row 0 of the half panel
 * (8 floats per k), @b at packed B (8 * nv floats per k); as npu_k5_tile().
 */
static __always_inline void npu_k2_tile(const int nv, const int exact, __u32 kc,
					const float *a, const float *b, float *c, long ldc,
					__u32 rows, __m256i mlast, const float *bias,
					int first, int last, const struct npu_kern_act *act)
{
	const __m256i all = _mm256_set1_epi32(-1);
	__m256 acc[4][3], bv[3], av;
	__u32 k;
	int r, v;

#pragma GCC unroll 4
	for (r = 0; r < 4; r++) {
#pragma GCC unroll 3
		for (v = 0; v < nv; v++) {
			if ((__u32)r >= rows)
				acc[r][v] = _mm256_setzero_ps();
			else if (first)
				acc[r][v] = bias ? _mm256_set1_ps(bias[r]) : _mm256_setzero_ps();
			else
				acc[r][v] = npu_k2_maskload(c + r * ldc + v * 8,
							    v == nv - 1 ? mlast : all);
		}
	}
	for (k = 0; k < kc; k++) {
#pragma GCC unroll 3
		for (v = 0; v < nv; v++)
			bv[v] = _mm256_loadu_ps(b + v * 8);
#pragma GCC unroll 4
		for (r = 0; r < 4; r++) {
			av = _mm256_broadcast_ss(a + r);
#pragma GCC unroll 3
			for (v = 0; v < nv; v++)
				acc[r][v] = npu_k2_madd(av, bv[v], acc[r][v], exact);
		}
		a += 8;
		b += nv * 8;
	}
#pragma GCC unroll 4
	for (r = 0; r < 4; r++) {
		if ((__u32)r >= rows)
			break;
#pragma GCC unroll 3
		for (v = 0; v < nv; v++) {
			__m256 y = last ? npu_k2_act(acc[r][v], act, exact) : acc[r][v];

			npu_k2_maskstore(c + r * ldc + v * 8, v == nv - 1 ? mlast : all, y);
		}
	}
}

/* FAST: 4 x 24 tiles */
static void npu_k2_tile_fast(int nv, __u32 kc, const float *a, const float *b, float *c,
			     long ldc, __u32 rows, __m256i mlast, const float *bias,
			     int first, int last, const struct npu_kern_act *act)
{
	if (nv == 3)
		npu_k2_tile(3, 0, kc, a, b, c, ldc, rows, mlast, bias, first, last, act);
	else if (nv == 2)
		npu_k2_tile(2, 0, kc, a, b, c, ldc, rows, mlast, bias, first, last, act);
	else
		npu_k2_tile(1, 0, kc, a, b, c, ldc, rows, mlast, bias, first, last, act);
}

/* EXACT: 4 x 16 tiles */
static void npu_k2_tile_exact(int nv, __u32 kc, const float *a, const float *b, float *c,
			      long ldc, __u32 rows, __m256i mlast, const float *bias,
			      int first, int last, const struct npu_kern_act *act)
{
	if (nv == 2)
		npu_k2_tile(2, 1, kc, a, b, c, ldc, rows, mlast, bias, first, last, act);
	else
		npu_k2_tile(1, 1, kc, a, b, c, ldc, rows, mlast, bias, first, last, act);
}

static void npu_k2_pack_dense(const struct npu_kern_gemm_f32 *p, float *dst, __u32 k0,
			      __u32 kc, __u32 n, __u32 nr, __u32 stride)
{
	__u32 k, v, j;

	for (k = 0; k < kc; k++) {
		const float *s = p->b + (long)(k0 + k) * p->b_ks + (long)n * p->b_ns;
		float *d = dst + (unsigned long)k * stride;

		if (p->b_ns == 1) {
			for (v = 0; v < stride; v += 8) {
				__m256i tm = npu_k2_tailmask(v < nr ? nr - v : 0);

				if (v + 8 <= nr)
					_mm256_storeu_ps(d + v, _mm256_loadu_ps(s + v));
				else
					_mm256_storeu_ps(d + v, npu_k2_maskload(s + v, tm));
			}
		} else {
			for (j = 0; j < stride; j++)
				d[j] = j < nr ? s[(long)j * p->b_ns] : 0.0f;
		}
	}
}

/*
 * 8 floats of input row @row at positions pos0 + i * sw (i < 8): lanes
 * outside [0, w) or not in @live read as 0; *valid gets the lanes read.
 */
static __always_inline __m256 npu_k2_gather_row(const float *row, long pos0, __u32 sw,
						__u32 w, __m256i live, __m256i *valid)
{
	const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	const __m256i wv = _mm256_set1_epi32((int)w), m1 = _mm256_set1_epi32(-1);
	__m256i pos, ok, ok2;
	__m256 lo, hi, e;

	if (sw == 1) {
		pos = _mm256_add_epi32(_mm256_set1_epi32((int)pos0), iota);
		ok = _mm256_and_si256(_mm256_and_si256(_mm256_cmpgt_epi32(pos, m1),
						       _mm256_cmpgt_epi32(wv, pos)), live);
		*valid = ok;
		return npu_k2_maskload(row + pos0, ok);
	}
	if (sw == 2) {
		pos = _mm256_add_epi32(_mm256_set1_epi32((int)pos0), iota);
		ok = _mm256_and_si256(_mm256_cmpgt_epi32(pos, m1), _mm256_cmpgt_epi32(wv, pos));
		pos = _mm256_add_epi32(pos, _mm256_set1_epi32(8));
		ok2 = _mm256_and_si256(_mm256_cmpgt_epi32(pos, m1), _mm256_cmpgt_epi32(wv, pos));
		lo = npu_k2_maskload(row + pos0, ok);
		hi = npu_k2_maskload(row + pos0 + 8, ok2);
		e = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
		e = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e),
							   _MM_SHUFFLE(3, 1, 2, 0)));
		pos = _mm256_add_epi32(_mm256_set1_epi32((int)pos0), _mm256_slli_epi32(iota, 1));
		ok = _mm256_and_si256(_mm256_and_si256(_mm256_cmpgt_epi32(pos, m1),
						       _mm256_cmpgt_epi32(wv, pos)), live);
		*valid = ok;
		return _mm256_and_ps(e, _mm256_castsi256_ps(ok));
	}
	pos = _mm256_add_epi32(_mm256_set1_epi32((int)pos0),
			       _mm256_mullo_epi32(iota, _mm256_set1_epi32((int)sw)));
	ok = _mm256_and_si256(_mm256_and_si256(_mm256_cmpgt_epi32(pos, m1),
					       _mm256_cmpgt_epi32(wv, pos)), live);
	*valid = ok;
	return _mm256_mask_i32gather_ps(_mm256_setzero_ps(), row, pos, _mm256_castsi256_ps(ok), 4);
}

static void npu_k2_pack_conv(const struct npu_kern_conv_f32 *p, float *dst, __u32 k0,
			     __u32 kc, __u32 n, __u32 nr, __u32 stride)
{
	__u32 seg_j[NPU_KERN_NR_MAX], seg_len[NPU_KERN_NR_MAX], nseg = 0, j, s, t, k, kk;
	long seg_ih[NPU_KERN_NR_MAX], seg_iw[NPU_KERN_NR_MAX], ih;
	__u32 khw = p->kh * p->kw, c, r, col;
	__m256i valid;

	for (j = 0; j < nr; j += seg_len[nseg++]) {
		__u32 oh = (n + j) / p->ow, ow = (n + j) % p->ow;

		seg_j[nseg] = j;
		seg_len[nseg] = p->ow - ow < nr - j ? p->ow - ow : nr - j;
		seg_ih[nseg] = (long)oh * p->stride_h - p->pad_top;
		seg_iw[nseg] = (long)ow * p->stride_w - p->pad_left;
	}
	for (k = 0; k < kc; k++) {
		float *d = dst + (unsigned long)k * stride;

		kk = k0 + k;
		c = kk / khw;
		r = kk / p->kw % p->kh;
		col = kk % p->kw;
		for (s = 0; s < nseg; s++) {
			float *ds = d + seg_j[s];
			const float *row;

			ih = seg_ih[s] + (long)r * p->dil_h;
			if (ih < 0 || ih >= p->h) {
				for (t = 0; t < seg_len[s]; t++)
					ds[t] = 0.0f;
				continue;
			}
			row = p->x + ((unsigned long)c * p->h + ih) * p->iw;
			for (t = 0; t < seg_len[s]; t += 8) {
				__m256i live = npu_k2_tailmask(seg_len[s] - t);
				__m256 v;

				v = npu_k2_gather_row(row, seg_iw[s] + (long)col * p->dil_w +
						      (long)t * p->stride_w, p->stride_w, p->iw,
						      live, &valid);
				npu_k2_maskstore(ds + t, live, v);
			}
		}
		for (j = nr; j < stride; j++)
			d[j] = 0.0f;
	}
}

typedef void (*npu_k2_tile_fn)(int nv, __u32 kc, const float *a, const float *b, float *c,
			       long ldc, __u32 rows, __m256i mlast, const float *bias,
			       int first, int last, const struct npu_kern_act *act);

/* see struct npu_k5_job */
struct npu_k2_job {
	const float *w;
	const float *bias;
	float *c;
	long ldc;
	__u32 k;
	const struct npu_kern_act *act;
	const struct npu_kern_gemm_f32 *gemm;
	const struct npu_kern_conv_f32 *conv;
};

static void npu_k2_drive(const struct npu_k2_job *j, __u32 m0, __u32 m1, __u32 n0, __u32 n1,
			 void *scratch, const int exact)
{
	float *buf = npu_kern_scratch_align(scratch);
	__u32 nrmax = exact ? 16 : 24, n, nr, nv, k0, kc, m, h, rows;
	npu_k2_tile_fn tile = exact ? npu_k2_tile_exact : npu_k2_tile_fast;

	for (n = n0; n < n1; n += nr) {
		nr = n1 - n < nrmax ? n1 - n : nrmax;
		nv = (nr + 7) / 8;
		for (k0 = 0; k0 < j->k; k0 += kc) {
			kc = j->k - k0 < NPU_KERN_KC ? j->k - k0 : NPU_KERN_KC;
			if (j->gemm)
				npu_k2_pack_dense(j->gemm, buf, k0, kc, n, nr, nv * 8);
			else
				npu_k2_pack_conv(j->conv, buf, k0, kc, n, nr, nv * 8);
			for (m = m0; m < m1; m += 8) {
				for (h = 0; h < 8 && m + h < m1; h += 4) {
					rows = m1 - m - h < 4 ? m1 - m - h : 4;
					tile(nv, kc, j->w + (unsigned long)m * j->k +
					     (unsigned long)k0 * 8 + h, buf,
					     j->c + (m + h) * j->ldc + n, j->ldc, rows,
					     npu_k2_tailmask(nr - (nv - 1) * 8),
					     j->bias ? j->bias + m + h : NULL, k0 == 0,
					     k0 + kc == j->k, j->act);
				}
			}
		}
	}
}

/* few columns or C not row-major: 8 rows (a panel) per vector, 4 columns */
static __always_inline void npu_k2_gemm_narrow(const struct npu_kern_gemm_f32 *p, __u32 m0,
					       __u32 m1, __u32 n0, __u32 n1, const int exact)
{
	__u32 m, n, k, j, nc, r;
	__m256 acc[4], wv, bias;
	float out[8];

	for (m = m0; m < m1; m += 8) {
		const float *w0 = p->w + (unsigned long)m * p->k;

		bias = _mm256_setzero_ps();
		if (p->bias)
			bias = npu_k2_maskload(p->bias + m, npu_k2_tailmask(m1 - m));
		for (n = n0; n < n1; n += nc) {
			nc = n1 - n < 4 ? n1 - n : 4;
			for (j = 0; j < 4; j++)
				acc[j] = bias;
			for (k = 0; k < p->k; k++) {
				const float *b = p->b + (long)k * p->b_ks + (long)n * p->b_ns;

				wv = _mm256_loadu_ps(w0 + k * 8);
				for (j = 0; j < nc; j++) {
					__m256 bv = _mm256_broadcast_ss(b + j * p->b_ns);

					acc[j] = npu_k2_madd(wv, bv, acc[j], exact);
				}
			}
			for (j = 0; j < nc; j++) {
				_mm256_storeu_ps(out, npu_k2_act(acc[j], &p->act, exact));
				for (r = 0; r < 8 && m + r < m1; r++)
					p->c[(m + r) * p->c_ms + (n + j) * p->c_ns] = out[r];
			}
		}
	}
}

static __always_inline void npu_k2_gemm(const struct npu_kern_gemm_f32 *p, __u32 m0, __u32 m1,
					__u32 n0, __u32 n1, void *scratch, const int exact)
{
	struct npu_k2_job j = {
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
		npu_k2_gemm_narrow(p, m0, m1, n0, n1, exact);
		return;
	}
	npu_k2_drive(&j, m0, m1, n0, n1, scratch, exact);
}

static void npu_k2_gemm_f32(const struct npu_kern_gemm_f32 *p, __u32 m0, __u32 m1,
			    __u32 n0, __u32 n1, void *scratch)
{
	npu_k2_gemm(p, m0, m1, n0, n1, scratch, 0);
}

static void npu_k2_gemm_f32x(const struct npu_kern_gemm_f32 *p, __u32 m0, __u32 m1,
			     __u32 n0, __u32 n1, void *scratch)
{
	npu_k2_gemm(p, m0, m1, n0, n1, scratch, 1);
}

static void npu_k2_conv(const struct npu_kern_conv_f32 *p, __u32 m0, __u32 m1,
			__u32 n0, __u32 n1, void *scratch, int exact)
{
	__u32 npix = p->oh * p->ow;
	struct npu_k2_job j = {
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
		npu_k2_gemm(&g, m0, m1, n0, n1, scratch, exact);
		return;
	}
	npu_k2_drive(&j, m0, m1, n0, n1, scratch, exact);
}

static void npu_k2_conv_f32(const struct npu_kern_conv_f32 *p, __u32 m0, __u32 m1,
			    __u32 n0, __u32 n1, void *scratch)
{
	npu_k2_conv(p, m0, m1, n0, n1, scratch, 0);
}

static void npu_k2_conv_f32x(const struct npu_kern_conv_f32 *p, __u32 m0, __u32 m1,
			     __u32 n0, __u32 n1, void *scratch)
{
	npu_k2_conv(p, m0, m1, n0, n1, scratch, 1);
}

/* depthwise: 8 inputs for the outputs o .. o + 7; as npu_k5_dw_load() */
static __always_inline __m256 npu_k2_dw_load(const struct npu_kern_dw_f32 *p, const int SW,
					     const float *row, long pos, __u32 o, long lo,
					     long hi, __m256i *valid)
{
	const __u32 sw = SW ? (__u32)SW : p->stride_w;
	__m256 e;

	if ((long)o >= lo && (long)o + 8 <= hi && sw <= 2 &&
	    (sw == 1 || pos + 16 <= (long)p->iw)) {
		*valid = _mm256_set1_epi32(-1);
		if (sw == 1)
			return _mm256_loadu_ps(row + pos);
		e = _mm256_shuffle_ps(_mm256_loadu_ps(row + pos), _mm256_loadu_ps(row + pos + 8),
				      _MM_SHUFFLE(2, 0, 2, 0));
		return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e),
							      _MM_SHUFFLE(3, 1, 2, 0)));
	}
	return npu_k2_gather_row(row, pos, sw, p->iw, npu_k2_tailmask(p->ow - o), valid);
}

#define NPU_K2_DW_ROWS	4

/* depthwise: 4 output rows x 16 columns per step; as npu_k5_dw_rows() */
static __always_inline void npu_k2_dw_rows(const struct npu_kern_dw_f32 *p, const int KH,
					   const int KW, const int SW, const int exact,
					   const float *x, const float *w, float bias, float *y,
					   __u32 oh0, __u32 nrows)
{
	const __u32 kh = KH ? (__u32)KH : p->kh, kw = KW ? (__u32)KW : p->kw;
	const __u32 sw = SW ? (__u32)SW : p->stride_w;
	const __u32 dh = KH ? 1 : p->dil_h, dw = KW ? 1 : p->dil_w;
	long ow_lo, ow_hi, ih, base, top = (long)oh0 * p->stride_h - p->pad_top, r;
	__u32 ow0, c, v, nvec, j, t;
	__m256 acc[NPU_K2_DW_ROWS][2], xv[2];
	__m256i valid[2];

	ow_lo = ((long)p->pad_left + sw - 1) / sw;
	ow_hi = (long)p->iw - (long)(kw - 1) * dw + p->pad_left;
	ow_hi = ow_hi > 0 ? (ow_hi - 1) / (long)sw + 1 : 0;
	if (ow_hi > p->ow)
		ow_hi = p->ow;
	for (ow0 = 0; ow0 < p->ow; ow0 += 16) {
		nvec = p->ow - ow0 > 8 ? 2 : 1;
#pragma GCC unroll 4
		for (j = 0; j < NPU_K2_DW_ROWS; j++)
#pragma GCC unroll 2
			for (v = 0; v < 2; v++)
				acc[j][v] = _mm256_set1_ps(bias);
		for (t = 0; t <= (nrows - 1) * p->stride_h + (kh - 1) * dh; t++) {
			ih = top + t;
			if (ih < 0 || ih >= p->h)
				continue;
			for (c = 0; c < kw; c++) {
				base = (long)ow0 * sw - p->pad_left + (long)c * dw;
#pragma GCC unroll 2
				for (v = 0; v < 2; v++) {
					valid[v] = _mm256_setzero_si256();
					xv[v] = _mm256_setzero_ps();
					if (v < nvec)
						xv[v] = npu_k2_dw_load(p, SW, x + ih * p->iw,
								       base + (long)v * 8 * sw,
								       ow0 + v * 8, ow_lo, ow_hi,
								       &valid[v]);
				}
#pragma GCC unroll 4
				for (j = 0; j < NPU_K2_DW_ROWS; j++) {
					__m256 wv;

					r = (long)t - (long)j * p->stride_h;
					if (j >= nrows || r < 0 || r % dh || r / dh >= kh)
						continue;
					wv = _mm256_set1_ps(w[(r / dh) * kw + c]);
#pragma GCC unroll 2
					for (v = 0; v < 2; v++)
						acc[j][v] = npu_k2_mmadd(acc[j][v], valid[v],
									 wv, xv[v], exact);
				}
			}
		}
#pragma GCC unroll 4
		for (j = 0; j < NPU_K2_DW_ROWS; j++) {
			float *yr = y + (unsigned long)j * p->ow + ow0;

#pragma GCC unroll 2
			for (v = 0; v < 2; v++) {
				if (j >= nrows || v >= nvec)
					continue;
				npu_k2_maskstore(yr + v * 8,
						 npu_k2_tailmask(p->ow - ow0 - v * 8),
						 npu_k2_act(acc[j][v], &p->act, exact));
			}
		}
	}
}

static __always_inline void npu_k2_dw(const struct npu_kern_dw_f32 *p, __u32 m0, __u32 m1,
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

			rows = n1 - oh < NPU_K2_DW_ROWS ? n1 - oh : NPU_K2_DW_ROWS;
			switch (shape) {
			case 31:
				npu_k2_dw_rows(p, 3, 3, 1, exact, x, w, bias, y, oh, rows);
				break;
			case 32:
				npu_k2_dw_rows(p, 3, 3, 2, exact, x, w, bias, y, oh, rows);
				break;
			case 51:
				npu_k2_dw_rows(p, 5, 5, 1, exact, x, w, bias, y, oh, rows);
				break;
			case 52:
				npu_k2_dw_rows(p, 5, 5, 2, exact, x, w, bias, y, oh, rows);
				break;
			default:
				npu_k2_dw_rows(p, 0, 0, 0, exact, x, w, bias, y, oh, rows);
				break;
			}
		}
	}
}

static void npu_k2_dw_f32(const struct npu_kern_dw_f32 *p, __u32 m0, __u32 m1,
			  __u32 n0, __u32 n1, void *scratch)
{
	(void)scratch;
	npu_k2_dw(p, m0, m1, n0, n1, 0);
}

static void npu_k2_dw_f32x(const struct npu_kern_dw_f32 *p, __u32 m0, __u32 m1,
			   __u32 n0, __u32 n1, void *scratch)
{
	(void)scratch;
	npu_k2_dw(p, m0, m1, n0, n1, 1);
}

/*
 * int8 without VNNI: VPMADDWD on u8 and s8 widened to 16 bits, exact (no
 * saturation). Tile: 4 rows x 8 columns, raw sums kept as column pairs
 * and folded at the end.
 */
#define NPU_K2_Q8_NR	24

static __always_inline void npu_k2_q8_tile(__u32 k4, const __s8 *a, const __u8 *b,
					   __u32 bstride, __m256i out[4])
{
	__m256i lo[4], hi[4], xl, xh, x, w;
	__m128i w8;
	__u32 g;
	int r;

	for (r = 0; r < 4; r++) {
		lo[r] = _mm256_setzero_si256();
		hi[r] = lo[r];
	}
	for (g = 0; g < k4; g++) {
		x = _mm256_loadu_si256((const __m256i *)b);
		xl = _mm256_cvtepu8_epi16(_mm256_castsi256_si128(x));
		xh = _mm256_cvtepu8_epi16(_mm256_extracti128_si256(x, 1));
#pragma GCC unroll 4
		for (r = 0; r < 4; r++) {
			w8 = _mm_cvtepi8_epi16(_mm_cvtsi32_si128(*(const int *)(a + r * 4)));
			w = _mm256_broadcastq_epi64(w8);
			lo[r] = _mm256_add_epi32(lo[r], _mm256_madd_epi16(xl, w));
			hi[r] = _mm256_add_epi32(hi[r], _mm256_madd_epi16(xh, w));
		}
		a += 32;
		b += bstride;
	}
	for (r = 0; r < 4; r++)
		out[r] = _mm256_permute4x64_epi64(_mm256_hadd_epi32(lo[r], hi[r]),
						  _MM_SHUFFLE(3, 1, 2, 0));
}

/* zy + clamp(rhe(acc * mult)) for 8 lanes, as npu_kern_q8_requant() */
static __always_inline __m256i npu_k2_requant(__m256i acc, double mult,
					      const struct npu_kern_q8 *q)
{
	const __m256d m = _mm256_set1_pd(mult);
	const __m256d lo = _mm256_set1_pd((double)(q->lo - q->zy));
	const __m256d hi = _mm256_set1_pd((double)(q->hi - q->zy));
	__m128i part[2];
	__m256d d;
	int i;

	for (i = 0; i < 2; i++) {
		d = _mm256_cvtepi32_pd(i ? _mm256_extracti128_si256(acc, 1) :
				       _mm256_castsi256_si128(acc));
		d = _mm256_mul_pd(d, m);
		d = _mm256_andnot_pd(_mm256_cmp_pd(d, d, _CMP_UNORD_Q), d);
		d = _mm256_min_pd(_mm256_max_pd(d, lo), hi);
		d = _mm256_round_pd(d, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
		part[i] = _mm256_cvtpd_epi32(d);
	}
	return _mm256_add_epi32(_mm256_set_m128i(part[1], part[0]), _mm256_set1_epi32(q->zy));
}

/* requantize and store the 8 columns from n of row @row (@cnt valid) */
static void npu_k2_q8_store(const struct npu_kq_src *s, const __s32 *rowsum, __u32 row,
			    __m256i acc, __m256i corr, __u32 n, __u32 cnt, long c_ms, long c_ns)
{
	const struct npu_kern_q8 *q = s->q;
	__u32 rc = npu_kq_rowconst(q, rowsum, row, s->k), t;
	__s32 res[8];

	acc = _mm256_add_epi32(_mm256_add_epi32(acc, corr), _mm256_set1_epi32((int)rc));
	_mm256_storeu_si256((__m256i *)res, npu_k2_requant(acc, npu_kern_q8_mult(q, row), q));
	for (t = 0; t < cnt; t++)
		npu_kern_q8_store(q->y, row * c_ms + (n + t) * c_ns, q->y_signed, res[t]);
}

static void npu_k2_q8_drive(const struct npu_kq_src *s, __u32 m0, __u32 m1, __u32 n0, __u32 n1,
			    long c_ms, long c_ns, void *scratch)
{
	const struct npu_kern_q8 *q = s->q;
	__u8 *buf = npu_kern_scratch_align(scratch);
	__u32 k4 = (s->k + 3) / 4, n, nr, j0, m, h, r, rows;
	__u32 *colsum = (__u32 *)(buf + npu_kern_align64((unsigned long)k4 * 4 *
							 NPU_KERN_Q8_NR_MAX));
	const __s32 *rowsum = npu_kern_q8_rowsum(q->w, s->m, s->k);
	const __s8 *w;
	__m256i out[4], corr;

	for (n = n0; n < n1; n += nr) {
		nr = n1 - n < NPU_K2_Q8_NR ? n1 - n : NPU_K2_Q8_NR;
		npu_kq_pack(s, buf, n, nr, NPU_K2_Q8_NR, q->zw ? colsum : NULL);
		for (j0 = 0; j0 < nr; j0 += 8) {
			corr = _mm256_loadu_si256((const __m256i *)(colsum + j0));
			corr = q->zw ? _mm256_mullo_epi32(corr, _mm256_set1_epi32(-q->zw)) :
			       _mm256_setzero_si256();
			for (m = m0; m < m1; m += 8) {
				for (h = 0; h < 8 && m + h < m1; h += 4) {
					w = (const __s8 *)q->w + (unsigned long)m * 4 * k4 + h * 4;
					npu_k2_q8_tile(k4, w, buf + j0 * 4, NPU_K2_Q8_NR * 4, out);
					rows = m1 - m - h < 4 ? m1 - m - h : 4;
					for (r = 0; r < rows; r++)
						npu_k2_q8_store(s, rowsum, m + h + r, out[r], corr,
								n + j0, nr - j0 < 8 ? nr - j0 : 8,
								c_ms, c_ns);
				}
			}
		}
	}
}

void npu_kern_avx2_gemm_q8(const struct npu_kern_gemm_q8 *p, __u32 m0, __u32 m1,
			   __u32 n0, __u32 n1, void *scratch)
{
	struct npu_kq_src s = {
		.q = &p->q, .m = p->m, .k = p->k, .b_ks = p->b_ks, .b_ns = p->b_ns,
	};

	if (m1 > p->m)
		m1 = p->m;
	if (n1 > p->n)
		n1 = p->n;
	if (m0 < m1 && n0 < n1)
		npu_k2_q8_drive(&s, m0, m1, n0, n1, p->c_ms, p->c_ns, scratch);
}

void npu_kern_avx2_conv_q8(const struct npu_kern_conv_q8 *p, __u32 m0, __u32 m1,
			   __u32 n0, __u32 n1, void *scratch)
{
	__u32 npix = p->oh * p->ow;
	struct npu_kq_src s = {
		.q = &p->q, .m = p->oc, .k = p->c * p->kh * p->kw, .conv = p,
	};

	if (m1 > p->oc)
		m1 = p->oc;
	if (n1 > npix)
		n1 = npix;
	if (m0 < m1 && n0 < n1)
		npu_k2_q8_drive(&s, m0, m1, n0, n1, npix, 1, scratch);
}

const struct npu_kern_ops npu_kern_avx2_ops[2] = {
	{
		.isa = NPU_KERN_ISA_AVX2,
		.q8_isa = NPU_KERN_ISA_AVX2,
		.flags = 0,
		.name = "avx2",
		.gemm_f32 = npu_k2_gemm_f32,
		.conv_f32 = npu_k2_conv_f32,
		.dw_f32 = npu_k2_dw_f32,
		.gemm_q8 = npu_kern_avx2_gemm_q8,
		.conv_q8 = npu_kern_avx2_conv_q8,
	},
	{
		.isa = NPU_KERN_ISA_AVX2,
		.q8_isa = NPU_KERN_ISA_AVX2,
		.flags = NPU_KERN_EXACT,
		.name = "avx2-exact",
		.gemm_f32 = npu_k2_gemm_f32x,
		.conv_f32 = npu_k2_conv_f32x,
		.dw_f32 = npu_k2_dw_f32x,
		.gemm_q8 = npu_kern_avx2_gemm_q8,
		.conv_q8 = npu_kern_avx2_conv_q8,
	},
};

#if !defined(__KERNEL__) && defined(__clang__)
#pragma clang attribute pop
#endif
#endif /* NPU_KERN_X86 */

// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * npu firmware kernels: the AVX-512 VNNI level: int8 GEMM with VPDPBUSD
 * (u8 x s8, four products per 32-bit lane, no saturation), F32 from the
 * AVX-512F level. Build with -mavx512f -mavx512vnni -mavx2 -mfma.
 *
 * Tile: 8 rows x 48 columns, 24 ZMM accumulators, over a [K4][48][4] block
 * of X' packed once per 48 columns and reused by every weight panel.
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
	"avx512f,avx512vnni,avx2,fma"))), \
	apply_to = function)
#else
#pragma GCC target("avx512f,avx512vnni,avx2,fma")
/*
 * GCC 12 cannot see that the tile loops, unrolled for the widest tile,
 * initialise every accumulator of the narrower ones they use (the kernel
 * builds without this warning anyway).
 */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif
#include "npu_fw_kern_simd.h"

#define NPU_KV_NR	48

static __always_inline void npu_kv_tile(const int nv, __u32 k4, const __s8 *a, const __u8 *b,
					__s32 *out)
{
	__m512i acc[8][3], x[3], w;
	__u32 g;
	int r, v;

#pragma GCC unroll 8
	for (r = 0; r < 8; r++)
#pragma GCC unroll 3
		for (v = 0; v < nv; v++)
			acc[r][v] = _mm512_setzero_si512();
	for (g = 0; g < k4; g++) {
#pragma GCC unroll 3
		for (v = 0; v < nv; v++)
			x[v] = _mm512_loadu_si512((const void *)(b + v * 64));
#pragma GCC unroll 8
		for (r = 0; r < 8; r++) {
			w = _mm512_set1_epi32(*(const int *)(a + r * 4));
#pragma GCC unroll 3
			for (v = 0; v < nv; v++)
				acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], x[v], w);
		}
		a += 32;
		b += NPU_KV_NR * 4;
	}
#pragma GCC unroll 8
	for (r = 0; r < 8; r++)
#pragma GCC unroll 3
		for (v = 0; v < nv; v++)
			_mm512_storeu_si512(out + r * NPU_KV_NR + v * 16, acc[r][v]);
}

/* raw sums of 8 rows x 16 nv columns into @out ([8][48] s32, in the scratch) */
static void npu_kv_tile_any(int nv, __u32 k4, const __s8 *a, const __u8 *b, __s32 *out)
{
	if (nv == 3)
		npu_kv_tile(3, k4, a, b, out);
	else if (nv == 2)
		npu_kv_tile(2, k4, a, b, out);
	else
		npu_kv_tile(1, k4, a, b, out);
}

/* zy + clamp(rhe(acc * mult)) for 16 lanes, as npu_kern_q8_requant() */
static __always_inline __m512i npu_kv_requant(__m512i acc, double mult,
					      const struct npu_kern_q8 *q)
{
	const __m512d m = _mm512_set1_pd(mult);
	const __m512d lo = _mm512_set1_pd((double)(q->lo - q->zy));
	const __m512d hi = _mm512_set1_pd((double)(q->hi - q->zy));
	__m256i part[2];
	__m512d d;
	int i;

	for (i = 0; i < 2; i++) {
		d = _mm512_cvtepi32_pd(i ? _mm512_extracti64x4_epi64(acc, 1) :
				       _mm512_castsi512_si256(acc));
		d = _mm512_mul_pd(d, m);
		d = _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(d, d, _CMP_ORD_Q), d);
		d = _mm512_min_pd(_mm512_max_pd(d, lo), hi);
		part[i] = _mm512_cvt_roundpd_epi32(d, _MM_FROUND_TO_NEAREST_INT |
						   _MM_FROUND_NO_EXC);
	}
	acc = _mm512_inserti64x4(_mm512_castsi256_si512(part[0]), part[1], 1);
	return _mm512_add_epi32(acc, _mm512_set1_epi32(q->zy));
}

/* requantize and store the 16 columns from n of row @row (@cnt valid) */
static void npu_kv_store(const struct npu_kq_src *s, const __s32 *rowsum, __u32 row,
			 __m512i acc, __m512i corr, __u32 n, __u32 cnt, long c_ms, long c_ns)
{
	const struct npu_kern_q8 *q = s->q;
	__u32 rc = npu_kq_rowconst(q, rowsum, row, s->k), t;
	__u8 *y = (__u8 *)q->y + row * c_ms + n * c_ns;
	__s32 res[16];

	acc = _mm512_add_epi32(_mm512_add_epi32(acc, corr), _mm512_set1_epi32((int)rc));
	acc = npu_kv_requant(acc, npu_kern_q8_mult(q, row), q);
	if (c_ns == 1 && cnt == 16) {
		_mm_storeu_si128((__m128i *)y, _mm512_cvtepi32_epi8(acc));
		return;
	}
	_mm512_storeu_si512(res, acc);
	for (t = 0; t < cnt; t++)
		y[t * c_ns] = (__u8)res[t];
}

static void npu_kv_drive(const struct npu_kq_src *s, __u32 m0, __u32 m1, __u32 n0, __u32 n1,
			 long c_ms, long c_ns, void *scratch)
{
	const struct npu_kern_q8 *q = s->q;
	__u8 *buf = npu_kern_scratch_align(scratch);
	__u32 k4 = (s->k + 3) / 4, n, nr, nv, m, r, v, cnt;
	__u32 *colsum = (__u32 *)(buf + npu_kern_align64((unsigned long)k4 * 4 *
							 NPU_KERN_Q8_NR_MAX));
	const __s32 *rowsum = npu_kern_q8_rowsum(q->w, s->m, s->k);
	__s32 *out = (__s32 *)((__u8 *)colsum + npu_kern_align64(NPU_KERN_Q8_NR_MAX * 4));
	__m512i corr[3], acc;

	for (n = n0; n < n1; n += nr) {
		nr = n1 - n < NPU_KV_NR ? n1 - n : NPU_KV_NR;
		nv = (nr + 15) / 16;
		npu_kq_pack(s, buf, n, nr, NPU_KV_NR, q->zw ? colsum : NULL);
		for (v = 0; v < nv; v++) {
			corr[v] = _mm512_loadu_si512(colsum + v * 16);
			corr[v] = q->zw ? _mm512_mullo_epi32(corr[v], _mm512_set1_epi32(-q->zw)) :
				  _mm512_setzero_si512();
		}
		for (m = m0; m < m1; m += 8) {
			npu_kv_tile_any(nv, k4, (const __s8 *)q->w + (unsigned long)m * 4 * k4, buf,
					out);
			for (r = 0; r < 8 && m + r < m1; r++)
				for (v = 0; v < nv; v++) {
					cnt = nr - v * 16 < 16 ? nr - v * 16 : 16;
					acc = _mm512_loadu_si512(out + r * NPU_KV_NR + v * 16);
					npu_kv_store(s, rowsum, m + r, acc, corr[v], n + v * 16,
						     cnt, c_ms, c_ns);
				}
		}
	}
}

static void npu_kv_gemm_q8(const struct npu_kern_gemm_q8 *p, __u32 m0, __u32 m1,
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
		npu_kv_drive(&s, m0, m1, n0, n1, p->c_ms, p->c_ns, scratch);
}

static void npu_kv_conv_q8(const struct npu_kern_conv_q8 *p, __u32 m0, __u32 m1,
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
		npu_kv_drive(&s, m0, m1, n0, n1, npix, 1, scratch);
}

const struct npu_kern_ops npu_kern_vnni_ops[2] = {
	{
		.isa = NPU_KERN_ISA_AVX512,
		.q8_isa = NPU_KERN_ISA_AVX512_VNNI,
		.flags = 0,
		.name = "avx512vnni",
		.gemm_f32 = npu_kern_avx512_gemm_f32,
		.conv_f32 = npu_kern_avx512_conv_f32,
		.dw_f32 = npu_kern_avx512_dw_f32,
		.gemm_q8 = npu_kv_gemm_q8,
		.conv_q8 = npu_kv_conv_q8,
	},
	{
		.isa = NPU_KERN_ISA_AVX512,
		.q8_isa = NPU_KERN_ISA_AVX512_VNNI,
		.flags = NPU_KERN_EXACT,
		.name = "avx512vnni-exact",
		.gemm_f32 = npu_kern_avx512_gemm_f32x,
		.conv_f32 = npu_kern_avx512_conv_f32x,
		.dw_f32 = npu_kern_avx512_dw_f32x,
		.gemm_q8 = npu_kv_gemm_q8,
		.conv_q8 = npu_kv_conv_q8,
	},
};

#if !defined(__KERNEL__) && defined(__clang__)
#pragma clang attribute pop
#endif
#endif /* NPU_KERN_X86 */

/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * npu firmware kernels: int8 GEMM helpers shared by the vector levels
 * (internal).
 *
 * The vector kernels compute raw sums of u8 x s8 products on packed
 * blocks of X: X' = X (u8) or X ^ 0x80 (s8 as u8, zero point + 128), laid
 * out as [K4][NR][4] bytes (k groups of four, then columns), k >= K as 0.
 * The exact accumulator is recovered modulo 2^32 as
 *
 *	sum((x' - zx') * (w - zw)) = sum(x' w) - zx' sum(w) - zw sum(x')
 *				     + K zx' zw
 *
 * with sum(w) from the packed weights (row sums) and sum(x') from the
 * block (column sums, only needed when zw != 0).
 */
#ifndef NPU_FW_KERN_Q8_H
#define NPU_FW_KERN_Q8_H

#include "npu_fw_kern_int.h"
#include "npu_fw_kern_simd.h"

/**
 * struct npu_kq_src - where the columns of X come from
 * @q: operands
 * @m: rows of the packed weights
 * @k: reduction length
 * @b_ks: dense: element stride between k
 * @b_ns: dense: element stride between n
 * @conv: convolution geometry, or NULL for dense
 */
struct npu_kq_src {
	const struct npu_kern_q8 *q;
	__u32 m, k;
	long b_ks, b_ns;
	const struct npu_kern_conv_q8 *conv;
};

static inline __u8 npu_kq_flip(const struct npu_kern_q8 *q)
{
	return q->x_signed ? 0x80 : 0;
}

/* zx' = zx (+ 128 for s8), as u32 for modular arithmetic */
static inline __u32 npu_kq_zx(const struct npu_kern_q8 *q)
{
	return (__u32)q->zx + (q->x_signed ? 128U : 0U);
}

/* one k row of a convolution's X' block: d[4 j] for the pixels n .. n + nr - 1 */
static inline void npu_kq_conv_row(const struct npu_kern_conv_q8 *p, __u32 kk, __u32 n,
				   __u32 nr, __u8 flip, __u8 pad, __u8 *d)
{
	const __u8 *x = p->q.x;
	__u32 c = kk / (p->kh * p->kw), r = kk / p->kw % p->kh, col = kk % p->kw;
	__u32 oh = n / p->ow, ow = n % p->ow, j;
	long ih, iw;

	for (j = 0; j < nr; j++) {
		ih = (long)oh * p->stride_h - p->pad_top + (long)r * p->dil_h;
		iw = (long)ow * p->stride_w - p->pad_left + (long)col * p->dil_w;
		if (ih < 0 || ih >= p->h || iw < 0 || iw >= p->iw)
			d[j * 4] = pad;
		else
			d[j * 4] = x[((long)c * p->h + ih) * p->iw + iw] ^ flip;
		if (++ow == p->ow) {
			ow = 0;
			oh++;
		}
	}
}

/*
 * Four k rows @r (NULL: k >= K, zeros) of dense X', 16 columns at a time:
 * byte interleave to [column][4].
 */
static inline void npu_kq_dense_group(const __u8 *const r[4], __u32 nr, __u8 flip, __u8 *d)
{
	const __m128i f = _mm_set1_epi8((char)flip);
	__m128i v[4], a, b, c, e;
	__u32 j, i;

	for (j = 0; j + 16 <= nr; j += 16) {
		for (i = 0; i < 4; i++) {
			v[i] = _mm_setzero_si128();
			if (r[i])
				v[i] = _mm_xor_si128(_mm_loadu_si128((const void *)(r[i] + j)), f);
		}
		a = _mm_unpacklo_epi8(v[0], v[1]);
		b = _mm_unpackhi_epi8(v[0], v[1]);
		c = _mm_unpacklo_epi8(v[2], v[3]);
		e = _mm_unpackhi_epi8(v[2], v[3]);
		_mm_storeu_si128((__m128i *)(d + j * 4), _mm_unpacklo_epi16(a, c));
		_mm_storeu_si128((__m128i *)(d + j * 4 + 16), _mm_unpackhi_epi16(a, c));
		_mm_storeu_si128((__m128i *)(d + j * 4 + 32), _mm_unpacklo_epi16(b, e));
		_mm_storeu_si128((__m128i *)(d + j * 4 + 48), _mm_unpackhi_epi16(b, e));
	}
	for (; j < nr; j++)
		for (i = 0; i < 4; i++)
			d[j * 4 + i] = r[i] ? r[i][j] ^ flip : 0;
}

/*
 * Pack columns [n, n + nr) of X' into @dst ([K4][stride][4] bytes; columns
 * nr .. stride - 1 are 0) and, when @colsum, their column sums.
 */
static inline void npu_kq_pack(const struct npu_kq_src *s, __u8 *dst, __u32 n, __u32 nr,
			       __u32 stride, __u32 *colsum)
{
	const struct npu_kern_q8 *q = s->q;
	__u8 flip = npu_kq_flip(q), pad = (__u8)npu_kq_zx(q);
	__u32 k4 = (s->k + 3) / 4, g, j, i, kk;
	const __u8 *rows[4];
	__u8 *d;

	for (g = 0; g < k4; g++) {
		d = dst + (unsigned long)g * stride * 4;
		for (i = 0; i < 4; i++) {
			kk = g * 4 + i;
			rows[i] = NULL;
			if (kk < s->k && !s->conv)
				rows[i] = (const __u8 *)q->x + kk * s->b_ks + n * s->b_ns;
			else if (kk < s->k)
				npu_kq_conv_row(s->conv, kk, n, nr, flip, pad, d + i);
			else
				for (j = 0; j < nr; j++)
					d[j * 4 + i] = 0;
		}
		if (!s->conv && s->b_ns == 1)
			npu_kq_dense_group(rows, nr, flip, d);
		else if (!s->conv)
			for (j = 0; j < nr; j++)
				for (i = 0; i < 4; i++)
					d[j * 4 + i] = rows[i] ? rows[i][j * s->b_ns] ^ flip : 0;
		for (j = nr * 4; j < stride * 4; j++)
			d[j] = 0;
	}
	if (!colsum)
		return;
	for (j = 0; j < stride; j++)
		colsum[j] = 0;
	for (g = 0; g < k4; g++) {
		d = dst + (unsigned long)g * stride * 4;
		for (j = 0; j < stride; j++)
			colsum[j] += (__u32)d[j * 4] + d[j * 4 + 1] + d[j * 4 + 2] + d[j * 4 + 3];
	}
}

/* the per-row constant: bias - zx' sum(w) + K zx' zw (mod 2^32) */
static inline __u32 npu_kq_rowconst(const struct npu_kern_q8 *q, const __s32 *rowsum, __u32 m,
				    __u32 k)
{
	__u32 zx = npu_kq_zx(q), v = q->bias ? (__u32)q->bias[m] : 0;

	return v - zx * (__u32)rowsum[m] + k * zx * (__u32)q->zw;
}

#endif /* NPU_FW_KERN_Q8_H */

/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * npu firmware kernels: what the per-ISA files share (internal).
 *
 * Every helper here is static inline so that each ISA file compiles it with
 * its own flags; scalar floating-point code here must give the same bits in
 * every file (the build uses -ffp-contract=off everywhere).
 */
#ifndef NPU_FW_KERN_INT_H
#define NPU_FW_KERN_INT_H

#include "npu_fw_kern.h"

#ifndef NULL
#define NULL ((void *)0)
#endif

/*
 * The x86 levels. Not under sparse (__CHECKER__), which cannot parse the
 * compiler's <immintrin.h>: it checks the scalar code paths only.
 */
#if defined(__x86_64__) && !defined(__CHECKER__)
#define NPU_KERN_X86 1
#endif

/*
 * __always_inline comes from the kernel's compiler_types.h; userspace builds
 * define it on the command line (KERN_CFLAGS in firmware/kern.mk, part of
 * FW_CFLAGS).
 */

/*
 * F32 GEMM blocking: k block, column block packed at once (long contiguous
 * reads of B; the block, 192 KiB, stays in L2), widest column tile
 */
#define NPU_KERN_KC		128
#define NPU_KERN_NC		384
#define NPU_KERN_NR_MAX		48
/* int8: columns per packed activation tile at any level */
#define NPU_KERN_Q8_NR_MAX	48

/* the tables of each level: [0] FAST, [1] EXACT */
extern const struct npu_kern_ops npu_kern_scalar_ops;
#ifdef NPU_KERN_X86
extern const struct npu_kern_ops npu_kern_avx2_ops[2];
extern const struct npu_kern_ops npu_kern_avx512_ops[2];
extern const struct npu_kern_ops npu_kern_vnni_ops[2];
#endif

/* int8 entry points shared between tables (the AVX-512F table runs AVX2 int8) */
void npu_kern_avx2_gemm_q8(const struct npu_kern_gemm_q8 *p, __u32 m0, __u32 m1,
			   __u32 n0, __u32 n1, void *scratch);
void npu_kern_avx2_conv_q8(const struct npu_kern_conv_q8 *p, __u32 m0, __u32 m1,
			   __u32 n0, __u32 n1, void *scratch);
void npu_kern_avx512_gemm_f32(const struct npu_kern_gemm_f32 *p, __u32 m0, __u32 m1,
			      __u32 n0, __u32 n1, void *scratch);
void npu_kern_avx512_gemm_f32x(const struct npu_kern_gemm_f32 *p, __u32 m0, __u32 m1,
			       __u32 n0, __u32 n1, void *scratch);
void npu_kern_avx512_conv_f32(const struct npu_kern_conv_f32 *p, __u32 m0, __u32 m1,
			      __u32 n0, __u32 n1, void *scratch);
void npu_kern_avx512_conv_f32x(const struct npu_kern_conv_f32 *p, __u32 m0, __u32 m1,
			       __u32 n0, __u32 n1, void *scratch);
void npu_kern_avx512_dw_f32(const struct npu_kern_dw_f32 *p, __u32 m0, __u32 m1,
			    __u32 n0, __u32 n1, void *scratch);
void npu_kern_avx512_dw_f32x(const struct npu_kern_dw_f32 *p, __u32 m0, __u32 m1,
			     __u32 n0, __u32 n1, void *scratch);

static inline unsigned long npu_kern_align64(unsigned long v)
{
	return (v + 63) & ~63UL;
}

static inline void *npu_kern_scratch_align(void *p)
{
	return (void *)npu_kern_align64((unsigned long)p);
}

/*
 * exp(x) as every level computes it: x = n ln2 + r (Cody-Waite), e^r by the
 * Cephes polynomial, times 2^n. The vector versions perform the same
 * operations in the same order, so EXACT results agree bit for bit.
 */
#define NPU_KERN_EXP_HI		88.375f
#define NPU_KERN_EXP_LO		-87.33f
#define NPU_KERN_LOG2E		1.44269504088896341f
#define NPU_KERN_EXP_MAGIC	12582912.0f	/* 1.5 * 2^23: round to integer */
#define NPU_KERN_LN2_HI		0.693359375f
#define NPU_KERN_LN2_LO		-0.000212194440f
#define NPU_KERN_EXP_P0		0.00019875691500f
#define NPU_KERN_EXP_P1		0.0013981999507f
#define NPU_KERN_EXP_P2		0.0083334519073f
#define NPU_KERN_EXP_P3		0.041665795894f
#define NPU_KERN_EXP_P4		0.16666665459f
#define NPU_KERN_EXP_P5		0.50000001201f

union npu_kern_fbits {
	float f;
	__u32 u;
};

static inline float npu_kern_expf_exact(float x)
{
	union npu_kern_fbits s;
	float t, n, r, z, p;

	if (x != x)
		return x;
	if (x > NPU_KERN_EXP_HI)
		return __builtin_inff();
	if (x < NPU_KERN_EXP_LO)
		return 0.0f;
	t = x * NPU_KERN_LOG2E + NPU_KERN_EXP_MAGIC;
	n = t - NPU_KERN_EXP_MAGIC;
	r = x - n * NPU_KERN_LN2_HI;
	r = r - n * NPU_KERN_LN2_LO;
	z = r * r;
	p = NPU_KERN_EXP_P0 * r + NPU_KERN_EXP_P1;
	p = p * r + NPU_KERN_EXP_P2;
	p = p * r + NPU_KERN_EXP_P3;
	p = p * r + NPU_KERN_EXP_P4;
	p = p * r + NPU_KERN_EXP_P5;
	p = p * z + r;
	p = p + 1.0f;
	s.u = (__u32)((int)n + 127) << 23;
	return p * s.f;
}

/* the activation, unfused (EXACT): the scalar level's semantics */
static inline float npu_kern_act1(float y, const struct npu_kern_act *a)
{
	float t;

	switch (a->type) {
	case NPU_KERN_ACT_RELU:
		if (y < 0.0f)
			y = 0.0f;
		break;
	case NPU_KERN_ACT_CLIP:
		if (y < a->lo)
			y = a->lo;
		if (y > a->hi)
			y = a->hi;
		break;
	case NPU_KERN_ACT_HARD_SIGMOID:
	case NPU_KERN_ACT_HARD_SWISH:
		if (a->type == NPU_KERN_ACT_HARD_SIGMOID)
			t = a->alpha * y + a->beta;
		else
			t = y * (1.0f / 6.0f) + 0.5f;
		if (t > 1.0f)
			t = 1.0f;
		if (t < 0.0f)
			t = 0.0f;
		y = a->type == NPU_KERN_ACT_HARD_SWISH ? y * t : t;
		break;
	case NPU_KERN_ACT_SIGMOID:
		y = 1.0f / (1.0f + npu_kern_expf_exact(-y));
		break;
	default:
		break;
	}
	return y;
}

/*
 * int8 requantization, the formulas of npu_fw_ops.c: the multiplier of row
 * @m, and clamp(zy + rhe(acc * mult)) with NaN as 0.
 */
static inline double npu_kern_q8_mult(const struct npu_kern_q8 *q, __u32 m)
{
	if (q->wscale)
		return q->sx * (double)q->wscale[m] / q->sy;
	return q->sx * q->sw / q->sy;
}

static inline __s32 npu_kern_q8_requant(__s32 acc, double mult, const struct npu_kern_q8 *q)
{
	double v = (double)acc * mult;
	__s32 lo = q->lo - q->zy, hi = q->hi - q->zy;
	__s64 i;
	double frac;

	if (v != v)
		v = 0.0;
	if (v <= (double)lo)
		return q->zy + lo;
	if (v >= (double)hi)
		return q->zy + hi;
	i = (__s64)v;
	frac = v - (double)i;
	if (frac > 0.5 || (frac == 0.5 && (i & 1)))
		i++;
	else if (frac < -0.5 || (frac == -0.5 && (i & 1)))
		i--;
	return q->zy + (__s32)i;
}

static inline void npu_kern_q8_store(void *y, long i, __u32 is_signed, __s32 v)
{
	if (is_signed)
		((__s8 *)y)[i] = (__s8)v;
	else
		((__u8 *)y)[i] = (__u8)v;
}

/* the 4-element column group of packed int8 weights, W[m][4g .. 4g + 3] */
static inline const __s8 *npu_kern_q8_wptr(const void *w, __u32 k, __u32 m, __u32 g)
{
	unsigned long k4 = (k + 3) / 4;

	return (const __s8 *)w + (m / 8) * 32 * k4 + ((unsigned long)g * 8 + m % 8) * 4;
}

static inline const __s32 *npu_kern_q8_rowsum(const void *w, __u32 m, __u32 k)
{
	__u32 p = (m + 7) / 8, k4 = (k + 3) / 4;

	return (const __s32 *)((const __u8 *)w + 32UL * p * k4);
}

#endif /* NPU_FW_KERN_INT_H */

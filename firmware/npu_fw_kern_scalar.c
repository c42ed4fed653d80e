// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * npu firmware kernels: the scalar level, the reference every other level
 * is tested against. Plain C (build with -ffp-contract=off: unfused
 * multiply-add, the EXACT mode), written for clarity first; column runs are
 * kept in small local arrays so compilers can vectorize them without
 * changing any result.
 */
#include "npu_fw_kern_int.h"

#define NPU_KS_RUN	64

static float npu_ks_w(const float *w, __u32 k, __u32 m, __u32 kk)
{
	return w[(unsigned long)(m / 8) * 8 * k + (unsigned long)kk * 8 + m % 8];
}

static void npu_ks_gemm_f32(const struct npu_kern_gemm_f32 *p, __u32 m0, __u32 m1,
			    __u32 n0, __u32 n1, void *scratch)
{
	float acc[NPU_KS_RUN], wv;
	__u32 m, n, j, len, kk;

	(void)scratch;
	if (m1 > p->m)
		m1 = p->m;
	if (n1 > p->n)
		n1 = p->n;
	for (m = m0; m < m1; m++) {
		for (n = n0; n < n1; n += len) {
			len = n1 - n < NPU_KS_RUN ? n1 - n : NPU_KS_RUN;
			for (j = 0; j < len; j++)
				acc[j] = p->bias ? p->bias[m] : 0.0f;
			for (kk = 0; kk < p->k; kk++) {
				const float *b = p->b + kk * p->b_ks + n * p->b_ns;

				wv = npu_ks_w(p->w, p->k, m, kk);
				for (j = 0; j < len; j++)
					acc[j] += wv * b[j * p->b_ns];
			}
			for (j = 0; j < len; j++)
				p->c[m * p->c_ms + (n + j) * p->c_ns] =
					npu_kern_act1(acc[j], &p->act);
		}
	}
}

/* acc[j] += wv * X(c, r, col) for the output pixels n .. n + len - 1 (0 if padded) */
static void npu_ks_conv_tap(const struct npu_kern_conv_f32 *p, __u32 c, __u32 r, __u32 col,
			    float wv, __u32 n, __u32 len, float *acc)
{
	__u32 j, t;
	long ih, iw;
	float xv;

	for (j = 0; j < len; j++) {
		t = n + j;
		ih = (long)(t / p->ow) * p->stride_h - p->pad_top + (long)r * p->dil_h;
		iw = (long)(t % p->ow) * p->stride_w - p->pad_left + (long)col * p->dil_w;
		xv = 0.0f;
		if (ih >= 0 && ih < p->h && iw >= 0 && iw < p->iw)
			xv = p->x[((unsigned long)c * p->h + ih) * p->iw + iw];
		acc[j] += wv * xv;
	}
}

static void npu_ks_conv_f32(const struct npu_kern_conv_f32 *p, __u32 m0, __u32 m1,
			    __u32 n0, __u32 n1, void *scratch)
{
	__u32 npix = p->oh * p->ow, kk = p->c * p->kh * p->kw, m, n, j, len, i;
	float acc[NPU_KS_RUN];

	(void)scratch;
	if (m1 > p->oc)
		m1 = p->oc;
	if (n1 > npix)
		n1 = npix;
	for (m = m0; m < m1; m++) {
		for (n = n0; n < n1; n += len) {
			len = n1 - n < NPU_KS_RUN ? n1 - n : NPU_KS_RUN;
			for (j = 0; j < len; j++)
				acc[j] = p->bias ? p->bias[m] : 0.0f;
			for (i = 0; i < kk; i++)
				npu_ks_conv_tap(p, i / (p->kh * p->kw), i / p->kw % p->kh,
						i % p->kw, npu_ks_w(p->w, kk, m, i), n, len, acc);
			for (j = 0; j < len; j++)
				p->y[(unsigned long)m * npix + n + j] =
					npu_kern_act1(acc[j], &p->act);
		}
	}
}

/* one depthwise output: taps in order, padded ones skipped */
static float npu_ks_dw_one(const struct npu_kern_dw_f32 *p, const float *x, const float *w,
			   float acc, __u32 oh, __u32 ow)
{
	__u32 r, col;
	long ih, iw;

	for (r = 0; r < p->kh; r++) {
		ih = (long)oh * p->stride_h - p->pad_top + (long)r * p->dil_h;
		if (ih < 0 || ih >= p->h)
			continue;
		for (col = 0; col < p->kw; col++) {
			iw = (long)ow * p->stride_w - p->pad_left + (long)col * p->dil_w;
			if (iw >= 0 && iw < p->iw)
				acc += w[r * p->kw + col] * x[ih * p->iw + iw];
		}
	}
	return acc;
}

static void npu_ks_dw_f32(const struct npu_kern_dw_f32 *p, __u32 m0, __u32 m1,
			  __u32 n0, __u32 n1, void *scratch)
{
	__u32 oc, oh, ow;
	const float *x, *w;
	float *y;

	(void)scratch;
	if (m1 > p->c * p->mult)
		m1 = p->c * p->mult;
	if (n1 > p->oh)
		n1 = p->oh;
	for (oc = m0; oc < m1; oc++) {
		x = p->x + (unsigned long)(oc / p->mult) * p->h * p->iw;
		w = p->w + (unsigned long)oc * p->kh * p->kw;
		for (oh = n0; oh < n1; oh++) {
			y = p->y + ((unsigned long)oc * p->oh + oh) * p->ow;
			for (ow = 0; ow < p->ow; ow++)
				y[ow] = npu_kern_act1(npu_ks_dw_one(p, x, w, p->bias ?
								    p->bias[oc] : 0.0f, oh, ow),
						      &p->act);
		}
	}
}

static __s32 npu_ks_x8(const struct npu_kern_q8 *q, long i)
{
	return q->x_signed ? ((const __s8 *)q->x)[i] : ((const __u8 *)q->x)[i];
}

static __s32 npu_ks_w8(const void *w, __u32 k, __u32 m, __u32 kk)
{
	return npu_kern_q8_wptr(w, k, m, kk / 4)[kk % 4];
}

static void npu_ks_gemm_q8(const struct npu_kern_gemm_q8 *p, __u32 m0, __u32 m1,
			   __u32 n0, __u32 n1, void *scratch)
{
	const struct npu_kern_q8 *q = &p->q;
	__u32 m, n, kk, acc;
	double mult;
	__s32 xv;

	(void)scratch;
	if (m1 > p->m)
		m1 = p->m;
	if (n1 > p->n)
		n1 = p->n;
	for (m = m0; m < m1; m++) {
		mult = npu_kern_q8_mult(q, m);
		for (n = n0; n < n1; n++) {
			acc = q->bias ? (__u32)q->bias[m] : 0;
			for (kk = 0; kk < p->k; kk++) {
				xv = npu_ks_x8(q, kk * p->b_ks + n * p->b_ns) - q->zx;
				acc += (__u32)(xv * (npu_ks_w8(q->w, p->k, m, kk) - q->zw));
			}
			npu_kern_q8_store(q->y, m * p->c_ms + n * p->c_ns, q->y_signed,
					  npu_kern_q8_requant((__s32)acc, mult, q));
		}
	}
}

/* the raw accumulator of output (m, n) of an int8 convolution */
static __u32 npu_ks_conv_q8_acc(const struct npu_kern_conv_q8 *p, __u32 m, __u32 n)
{
	const struct npu_kern_q8 *q = &p->q;
	__u32 kk = p->c * p->kh * p->kw, i, c, r, col;
	__u32 acc = q->bias ? (__u32)q->bias[m] : 0;
	long ih, iw;
	__s32 xv;

	for (i = 0; i < kk; i++) {
		c = i / (p->kh * p->kw);
		r = i / p->kw % p->kh;
		col = i % p->kw;
		ih = (long)(n / p->ow) * p->stride_h - p->pad_top + (long)r * p->dil_h;
		iw = (long)(n % p->ow) * p->stride_w - p->pad_left + (long)col * p->dil_w;
		if (ih < 0 || ih >= p->h || iw < 0 || iw >= p->iw)
			continue;
		xv = npu_ks_x8(q, ((long)c * p->h + ih) * p->iw + iw);
		acc += (__u32)((xv - q->zx) * (npu_ks_w8(q->w, kk, m, i) - q->zw));
	}
	return acc;
}

static void npu_ks_conv_q8(const struct npu_kern_conv_q8 *p, __u32 m0, __u32 m1,
			   __u32 n0, __u32 n1, void *scratch)
{
	const struct npu_kern_q8 *q = &p->q;
	__u32 npix = p->oh * p->ow, m, n;
	double mult;

	(void)scratch;
	if (m1 > p->oc)
		m1 = p->oc;
	if (n1 > npix)
		n1 = npix;
	for (m = m0; m < m1; m++) {
		mult = npu_kern_q8_mult(q, m);
		for (n = n0; n < n1; n++)
			npu_kern_q8_store(q->y, (long)m * npix + n, q->y_signed,
					  npu_kern_q8_requant((__s32)npu_ks_conv_q8_acc(p, m, n),
							      mult, q));
	}
}

const struct npu_kern_ops npu_kern_scalar_ops = {
	.isa = NPU_KERN_ISA_SCALAR,
	.q8_isa = NPU_KERN_ISA_SCALAR,
	.flags = NPU_KERN_EXACT,
	.name = "scalar",
	.gemm_f32 = npu_ks_gemm_f32,
	.conv_f32 = npu_ks_conv_f32,
	.dw_f32 = npu_ks_dw_f32,
	.gemm_q8 = npu_ks_gemm_q8,
	.conv_q8 = npu_ks_conv_q8,
};

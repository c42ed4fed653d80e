/* SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT) */
/*
 * Scalar host references for the libnpu unit tests, written from the
 * operator semantics of firmware/npu_fw_ops.c (not from its code): F32
 * accumulates in reduction order in binary32 (the tests build with
 * -ffp-contract=off, as the firmware does); quantized ops accumulate in 32
 * bits and requantize in double precision with round-half-even.
 */
#ifndef LIBNPU_REF_H
#define LIBNPU_REF_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

/* Y[m, n] = A[m, k] * B[k, n] + bias, then an optional ReLU */
static inline void ref_gemm_f32(const float *a, const float *b,
				const float *bias, float *y, int m, int k,
				int n, bool relu)
{
	int i, j, l;
	float acc;

	for (i = 0; i < m; i++) {
		for (j = 0; j < n; j++) {
			acc = bias ? bias[j] : 0.0f;
			for (l = 0; l < k; l++)
				acc += a[i * k + l] * b[l * n + j];
			y[i * n + j] = relu && acc < 0.0f ? 0.0f : acc;
		}
	}
}

static inline int32_t sat(int64_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* quantized CONV2D, NCHW, N = 1, groups 1, stride 1, symmetric padding */
static inline void ref_conv_q8(const int8_t *x, int c, int h, int w,
			       float sx, int zx, const int8_t *wt, int oc,
			       int k, const float *sw, const int32_t *bias,
			       int pad, int8_t *y, float sy, int zy, bool relu)
{
	int o, i, j, ci, ki, kj, ii, jj, oh = h + 2 * pad - k + 1;
	int ow = w + 2 * pad - k + 1;
	double m;
	int32_t acc;

	for (o = 0; o < oc; o++) {
		m = (double)sx * (double)sw[o] / (double)sy;
		for (i = 0; i < oh; i++) {
			for (j = 0; j < ow; j++) {
				acc = bias[o];
				for (ci = 0; ci < c; ci++)
					for (ki = 0; ki < k; ki++)
						for (kj = 0; kj < k; kj++) {
							ii = i + ki - pad;
							jj = j + kj - pad;
							if (ii < 0 || ii >= h || jj < 0 || jj >= w)
								continue;
							acc += (x[(ci * h + ii) * w + jj] - zx) *
							       wt[((o * c + ci) * k + ki) * k + kj];
						}
				y[(o * oh + i) * ow + j] =
					(int8_t)sat(zy + (int64_t)rint((double)acc * m),
						    relu ? zy : -128, 127);
			}
		}
	}
}

#endif /* LIBNPU_REF_H */

/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * npu firmware: compute kernels for NCHW CNN inference (batch 1), with a
 * scalar reference and AVX2+FMA, AVX-512F and AVX-512 VNNI versions picked
 * at run time. Freestanding like the rest of firmware/: no libc, no kernel
 * headers, no allocation, no global mutable state.
 *
 * See Documentation/kernels.rst for the design, the packed weight layouts
 * and measured figures.
 */
#ifndef NPU_FW_KERN_H
#define NPU_FW_KERN_H

#include <linux/types.h>

/**
 * DOC: Kernel library
 *
 * Every kernel computes one caller-chosen block of its output (a range of
 * output channels and a range of output pixels or rows) and writes nothing
 * else, so callers may split an op into blocks of bounded duration (the
 * kernel CPU engine's FPU sections) or spread blocks over threads (libnpu's
 * host backend). Blocks of one op may run in any order and concurrently.
 * Kernels never allocate: those that need memory take a scratch buffer of
 * npu_kern_scratch_size() bytes, private to the calling thread.
 *
 * Weights of GEMM and convolutions are pre-packed once (npu_kern_pack_f32(),
 * npu_kern_pack_q8()) into a layout, version NPU_KERN_PACK_VERSION, shared
 * by every ISA level. Activations are read in place.
 *
 * Numerics (F32). Every output element is
 *	acc = bias (or +0.0); for k ascending: acc = acc + w[k] * x[k];
 *	y = act(acc)
 * where k runs over the input channel, then the kernel row, then the kernel
 * column, exactly the order of npu_fw_ops.c. The step "acc + w * x" is
 * either unfused (product rounded to binary32, then the sum: the EXACT mode,
 * and always at the scalar level) or a fused multiply-add (the FAST mode at
 * the AVX2 and AVX-512 levels). The result therefore depends only on the
 * mode, never on the ISA level, the vector width, the blocking, the block
 * split or the thread count: EXACT results are bit-identical at every level
 * (and to npu_fw_ops.c), FAST results are bit-identical between AVX2 and
 * AVX-512. Two exceptions: implicit-GEMM convolutions add w * 0.0 for
 * padded taps where npu_fw_ops.c skips them (they differ only when the sum
 * is -0.0, which becomes +0.0, or a weight is infinite or NaN; the scalar
 * level does the same, so levels still agree), and the sigmoid activation
 * uses its own exp() polynomial (error about 2 ulp), evaluated with the
 * mode's multiply-add, so it agrees between levels but not necessarily
 * with npu_fw_ops.c.
 *
 * Numerics (int8). acc = bias + sum((x - zx) * (w - zw)) modulo 2^32,
 * requantized exactly as npu_fw_ops.c does (double multiplier, round half
 * to even, saturation), so int8 results are identical at every level.
 */

/**
 * enum npu_kern_isa - instruction set levels, in increasing order
 * @NPU_KERN_ISA_SCALAR: portable C, always available
 * @NPU_KERN_ISA_AVX2: AVX2 + FMA (x86-64, OS saves YMM state)
 * @NPU_KERN_ISA_AVX512: AVX-512F (and the OS saves ZMM state); int8 runs the
 *	AVX2 kernels
 * @NPU_KERN_ISA_AVX512_VNNI: AVX-512F + AVX-512 VNNI: int8 uses VPDPBUSD
 * @NPU_KERN_ISA_COUNT: number of levels
 */
enum npu_kern_isa {
	NPU_KERN_ISA_SCALAR = 0,
	NPU_KERN_ISA_AVX2 = 1,
	NPU_KERN_ISA_AVX512 = 2,
	NPU_KERN_ISA_AVX512_VNNI = 3,
	NPU_KERN_ISA_COUNT,
};

/** NPU_KERN_EXACT - npu_kern_select() flag: unfused multiply-add (see DOC) */
#define NPU_KERN_EXACT		0x1U

/**
 * NPU_KERN_PACK_VERSION - version of the packed weight layouts below; it
 * changes whenever a layout does, so a stream packed for another version
 * can be refused instead of computing garbage
 */
#define NPU_KERN_PACK_VERSION	1

/**
 * NPU_KERN_MR - rows (output channels) per packed weight panel
 *
 * Packed F32 layout, version 1, for an M x K matrix W (M output channels, K
 * the reduction: input channels x kernel rows x kernel columns): P =
 * ceil(M / 8) panels, panel p holds rows 8p .. 8p + 7 as K groups of 8
 * floats, so W[m][k] is at float index (m / 8) * 8K + k * 8 + m % 8.
 * Rows m >= M of the last panel are +0.0. Size: 32 * P * K bytes.
 *
 * Packed int8 layout, version 1: K4 = ceil(K / 4); panel p holds rows
 * 8p .. 8p + 7 as K4 groups of 8 rows x 4 consecutive k (s8), so W[m][k] is
 * at byte (m / 8) * 32 * K4 + ((k / 4) * 8 + m % 8) * 4 + k % 4; padding
 * (m >= M or k >= K) is 0. The panels are followed by P * 8 little-endian
 * s32 row sums, sum over k of W[m][k] (0 for m >= M), at byte 32 * P * K4.
 * Size: 32 * P * K4 + 32 * P bytes.
 *
 * Both layouts are position independent (offsets only), so the packed bytes
 * can live in a BO at any 4-byte aligned offset (64-byte alignment is
 * faster).
 */
#define NPU_KERN_MR		8

/**
 * enum npu_kern_act_type - activation fused into a kernel's epilogue
 * @NPU_KERN_ACT_NONE: y
 * @NPU_KERN_ACT_RELU: max(y, 0); NaN stays NaN
 * @NPU_KERN_ACT_CLIP: min(max(y, lo), hi); NaN stays NaN
 * @NPU_KERN_ACT_HARD_SIGMOID: max(0, min(1, alpha * y + beta))
 * @NPU_KERN_ACT_HARD_SWISH: y * max(0, min(1, y * (1 / 6) + 0.5))
 * @NPU_KERN_ACT_SIGMOID: 1 / (1 + exp(-y)), exp() as described in the DOC
 *
 * HARD_SIGMOID and HARD_SWISH evaluate "a * y + b" with the mode's
 * multiply-add (fused in FAST mode at the vector levels).
 */
enum npu_kern_act_type {
	NPU_KERN_ACT_NONE = 0,
	NPU_KERN_ACT_RELU = 1,
	NPU_KERN_ACT_CLIP = 2,
	NPU_KERN_ACT_HARD_SIGMOID = 3,
	NPU_KERN_ACT_HARD_SWISH = 4,
	NPU_KERN_ACT_SIGMOID = 5,
	NPU_KERN_ACT_COUNT,
};

/**
 * struct npu_kern_act - a fused activation
 * @type: enum npu_kern_act_type
 * @lo: CLIP lower bound
 * @hi: CLIP upper bound
 * @alpha: HARD_SIGMOID slope
 * @beta: HARD_SIGMOID offset
 */
struct npu_kern_act {
	__u32 type;
	float lo;
	float hi;
	float alpha;
	float beta;
};

/**
 * struct npu_kern_gemm_f32 - C = act(W * B + bias), W pre-packed
 * @w: npu_kern_pack_f32() of the M x K weights
 * @bias: M floats, or NULL
 * @b: the K x N right operand, element (k, n) at b[k * b_ks + n * b_ns]
 * @b_ks: element stride of B between consecutive k
 * @b_ns: element stride of B between consecutive n
 * @c: the M x N result, element (m, n) at c[m * c_ms + n * c_ns]
 * @c_ms: element stride of C between consecutive m
 * @c_ns: element stride of C between consecutive n
 * @m: rows of W and C
 * @n: columns of B and C
 * @k: columns of W, rows of B (>= 1)
 * @act: the fused activation
 *
 * A 1x1 stride-1 unpadded convolution of X [C, H, W] is b = X, b_ks = H * W,
 * b_ns = 1, c = Y, c_ms = H * W, c_ns = 1, M = OC, N = H * W, K = C. A fully
 * connected layer Y[j][o] = sum_k A[j][k] * Wt[o][k] (ONNX Gemm with
 * transB) is M = outputs, W = Wt, b = A with b_ks = 1, b_ns = K, c = Y with
 * c_ms = 1, c_ns = M.
 *
 * C must not overlap W, B or bias. Blocks are [m0, m1) x [n0, n1) with m0 a
 * multiple of NPU_KERN_MR.
 */
struct npu_kern_gemm_f32 {
	const float *w;
	const float *bias;
	const float *b;
	long b_ks;
	long b_ns;
	float *c;
	long c_ms;
	long c_ns;
	__u32 m;
	__u32 n;
	__u32 k;
	struct npu_kern_act act;
};

/**
 * struct npu_kern_conv_f32 - one group of a 2-D convolution as implicit GEMM
 * @w: npu_kern_pack_f32() of the OC x (C * KH * KW) weights of the group,
 *	i.e. the ONNX weight tensor [OC][C][KH][KW] read as a matrix
 * @bias: OC floats, or NULL
 * @x: the group's input, C channels of H x W floats
 * @y: the group's output, OC channels of OH x OW floats
 * @c: input channels of the group
 * @h: input height
 * @iw: input width
 * @oc: output channels of the group
 * @oh: output height
 * @ow: output width
 * @kh: kernel height
 * @kw: kernel width
 * @stride_h: vertical stride
 * @stride_w: horizontal stride
 * @dil_h: vertical dilation
 * @dil_w: horizontal dilation
 * @pad_top: zero rows above
 * @pad_left: zero columns left
 * @act: the fused activation
 *
 * The output pixel index is n = oh * OW + ow; blocks are [oc0, oc1) x
 * [n0, n1) with oc0 a multiple of NPU_KERN_MR. Grouped convolutions call
 * the kernel once per group with x, y, w and bias offset to the group.
 */
struct npu_kern_conv_f32 {
	const float *w;
	const float *bias;
	const float *x;
	float *y;
	__u32 c, h, iw;
	__u32 oc, oh, ow;
	__u32 kh, kw;
	__u32 stride_h, stride_w;
	__u32 dil_h, dil_w;
	__u32 pad_top, pad_left;
	struct npu_kern_act act;
};

/**
 * struct npu_kern_dw_f32 - depthwise 2-D convolution (groups == C)
 * @x: input, C channels of H x W floats
 * @w: weights [OC][KH][KW] (not packed), OC = C * @mult
 * @bias: OC floats, or NULL
 * @y: output, OC channels of OH x OW floats
 * @c: input channels
 * @mult: output channels per input channel (output channel o reads input
 *	channel o / mult)
 * @h: input height
 * @iw: input width
 * @oh: output height
 * @ow: output width
 * @kh: kernel height
 * @kw: kernel width
 * @stride_h: vertical stride
 * @stride_w: horizontal stride
 * @dil_h: vertical dilation
 * @dil_w: horizontal dilation
 * @pad_top: zero rows above
 * @pad_left: zero columns left
 * @act: the fused activation
 *
 * Padded taps are skipped (bit-identical to npu_fw_ops.c in EXACT mode).
 * Blocks are [oc0, oc1) x [oh0, oh1) (channels x output rows). 3x3 and 5x5
 * with stride 1 or 2 have dedicated vector code; any other shape is
 * supported by a generic path.
 */
struct npu_kern_dw_f32 {
	const float *x;
	const float *w;
	const float *bias;
	float *y;
	__u32 c, mult, h, iw;
	__u32 oh, ow;
	__u32 kh, kw;
	__u32 stride_h, stride_w;
	__u32 dil_h, dil_w;
	__u32 pad_top, pad_left;
	struct npu_kern_act act;
};

/**
 * struct npu_kern_q8 - int8 operands, quantization and requantization
 * @w: npu_kern_pack_q8() of the M x K s8 weights
 * @bias: M s32, or NULL
 * @x: activations (u8 or, with @x_signed, s8); for GEMM element (k, n) at
 *	x[k * b_ks + n * b_ns], for a convolution the C x H x W input
 * @x_signed: 1 when @x is s8
 * @y: output (u8 or, with @y_signed, s8), element (m, n) at
 *	y[m * c_ms + n * c_ns]
 * @y_signed: 1 when @y is s8
 * @zx: zero point of x
 * @zw: zero point of w (0 with per-channel scales)
 * @zy: zero point of y
 * @lo: lowest output value (dtype range narrowed by the activation)
 * @hi: highest output value
 * @sx: scale of x
 * @sy: scale of y
 * @sw: per-tensor weight scale (ignored when @wscale is set)
 * @wscale: per-channel weight scales (M floats), or NULL
 *
 * y = clamp(zy + rhe((double)acc * mult), lo, hi) with mult = sx * sw / sy
 * evaluated in double (per row with @wscale), rhe() rounding half to even
 * and NaN products giving zy; the formulas of npu_fw_ops.c.
 */
struct npu_kern_q8 {
	const void *w;
	const __s32 *bias;
	const void *x;
	__u32 x_signed;
	void *y;
	__u32 y_signed;
	__s32 zx, zw, zy;
	__s32 lo, hi;
	double sx, sy, sw;
	const float *wscale;
};

/**
 * struct npu_kern_gemm_q8 - int8 GEMM: Y = requant(W * X + bias)
 * @q: operands and quantization
 * @b_ks: element stride of X between consecutive k
 * @b_ns: element stride of X between consecutive n
 * @c_ms: element stride of Y between consecutive m
 * @c_ns: element stride of Y between consecutive n
 * @m: rows of W and Y
 * @n: columns of X and Y
 * @k: reduction length (>= 1)
 *
 * Blocks as struct npu_kern_gemm_f32.
 */
struct npu_kern_gemm_q8 {
	struct npu_kern_q8 q;
	long b_ks, b_ns, c_ms, c_ns;
	__u32 m, n, k;
};

/**
 * struct npu_kern_conv_q8 - int8 2-D convolution group as implicit GEMM
 * @q: operands (x: C x H x W, y: OC x OH x OW) and quantization
 * @c: input channels of the group
 * @h: input height
 * @iw: input width
 * @oc: output channels of the group
 * @oh: output height
 * @ow: output width
 * @kh: kernel height
 * @kw: kernel width
 * @stride_h: vertical stride
 * @stride_w: horizontal stride
 * @dil_h: vertical dilation
 * @dil_w: horizontal dilation
 * @pad_top: zero rows above
 * @pad_left: zero columns left
 *
 * Padded taps hold the real value 0 (stored zx). Blocks as struct
 * npu_kern_conv_f32.
 */
struct npu_kern_conv_q8 {
	struct npu_kern_q8 q;
	__u32 c, h, iw;
	__u32 oc, oh, ow;
	__u32 kh, kw;
	__u32 stride_h, stride_w;
	__u32 dil_h, dil_w;
	__u32 pad_top, pad_left;
};

/**
 * struct npu_kern_ops - the kernels of one ISA level and mode
 * @isa: enum npu_kern_isa of the F32 kernels
 * @q8_isa: enum npu_kern_isa of the int8 kernels
 * @flags: NPU_KERN_EXACT or 0 (always EXACT at the scalar level)
 * @name: printable name, e.g. "avx512"
 * @gemm_f32: rows [m0, m1), columns [n0, n1) of a GEMM
 * @conv_f32: output channels [m0, m1), output pixels [n0, n1) of a
 *	convolution
 * @dw_f32: output channels [m0, m1), output rows [n0, n1) of a depthwise
 *	convolution (needs no scratch: @scratch may be NULL)
 * @gemm_q8: as @gemm_f32, int8
 * @conv_q8: as @conv_f32, int8
 *
 * Every function takes the scratch buffer last: at least
 * npu_kern_scratch_size() bytes, 64-byte aligned, owned by the caller's
 * thread for the duration of the call. F32 kernels use the FPU/vector unit:
 * in the kernel, call them between kernel_fpu_begin() and kernel_fpu_end().
 */
struct npu_kern_ops {
	__u32 isa;
	__u32 q8_isa;
	__u32 flags;
	const char *name;
	void (*gemm_f32)(const struct npu_kern_gemm_f32 *p, __u32 m0, __u32 m1,
			 __u32 n0, __u32 n1, void *scratch);
	void (*conv_f32)(const struct npu_kern_conv_f32 *p, __u32 m0, __u32 m1,
			 __u32 n0, __u32 n1, void *scratch);
	void (*dw_f32)(const struct npu_kern_dw_f32 *p, __u32 m0, __u32 m1,
		       __u32 n0, __u32 n1, void *scratch);
	void (*gemm_q8)(const struct npu_kern_gemm_q8 *p, __u32 m0, __u32 m1,
			__u32 n0, __u32 n1, void *scratch);
	void (*conv_q8)(const struct npu_kern_conv_q8 *p, __u32 m0, __u32 m1,
			__u32 n0, __u32 n1, void *scratch);
};

/**
 * npu_kern_cpu_isa() - the best level this CPU and OS support
 *
 * Uses CPUID and XGETBV (x86-64), so it also works in the kernel. Returns
 * NPU_KERN_ISA_SCALAR elsewhere. Cheap enough to call once per engine or
 * process, not per op.
 */
__u32 npu_kern_cpu_isa(void);

/**
 * npu_kern_select() - the kernels to use
 * @max_isa: highest level wanted (NPU_KERN_ISA_COUNT: the best); a lower
 *	value forces a level, e.g. to test it
 * @flags: NPU_KERN_EXACT or 0
 *
 * Return: the table of the highest level <= @max_isa that the CPU supports
 * (never NULL: at worst the scalar table). Tables are constant.
 */
const struct npu_kern_ops *npu_kern_select(__u32 max_isa, __u32 flags);

/**
 * npu_kern_isa_name() - printable name of an enum npu_kern_isa ("?" if
 * unknown)
 * @isa: the level
 */
const char *npu_kern_isa_name(__u32 isa);

/**
 * enum npu_kern_kind - what a scratch buffer is for
 * @NPU_KERN_GEMM_F32: gemm_f32 and conv_f32
 * @NPU_KERN_GEMM_Q8: gemm_q8 and conv_q8
 */
enum npu_kern_kind {
	NPU_KERN_GEMM_F32 = 0,
	NPU_KERN_GEMM_Q8 = 1,
};

/**
 * npu_kern_scratch_size() - scratch bytes a kernel call needs, at any level
 * @kind: enum npu_kern_kind
 * @k: the reduction length K (C * KH * KW for a convolution)
 *
 * F32 needs about 25 KiB whatever K; int8 about 48 * K bytes.
 */
unsigned long npu_kern_scratch_size(__u32 kind, __u32 k);

/**
 * npu_kern_pack_f32_size() - bytes of the packed F32 layout of M x K
 * @m: rows
 * @k: columns
 */
unsigned long npu_kern_pack_f32_size(__u32 m, __u32 k);

/**
 * npu_kern_pack_f32() - pack an M x K F32 matrix (layout version 1)
 * @dst: npu_kern_pack_f32_size() bytes, 4-byte aligned
 * @src: element (m, k) at src[m * ms + k * ks]
 * @ms: element stride between rows
 * @ks: element stride between columns
 * @m: rows
 * @k: columns
 *
 * Copies bits only (no floating point), so it needs no FPU section.
 */
void npu_kern_pack_f32(float *dst, const float *src, long ms, long ks, __u32 m, __u32 k);

/**
 * npu_kern_pack_q8_size() - bytes of the packed int8 layout of M x K
 * @m: rows
 * @k: columns
 */
unsigned long npu_kern_pack_q8_size(__u32 m, __u32 k);

/**
 * npu_kern_pack_q8() - pack an M x K s8 matrix (layout version 1)
 * @dst: npu_kern_pack_q8_size() bytes, 4-byte aligned
 * @src: element (m, k) at src[m * ms + k * ks]
 * @ms: element stride between rows
 * @ks: element stride between columns
 * @m: rows
 * @k: columns
 */
void npu_kern_pack_q8(void *dst, const __s8 *src, long ms, long ks, __u32 m, __u32 k);

#endif /* NPU_FW_KERN_H */

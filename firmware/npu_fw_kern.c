// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * npu firmware kernels: CPU feature detection, dispatch, weight packing and
 * scratch sizes. No floating point here (the kernel builds this file with
 * the normal no-FPU flags): packing copies bits.
 */
#include "npu_fw_kern_int.h"

#ifdef NPU_KERN_X86
static void npu_kern_cpuid(__u32 leaf, __u32 sub, __u32 r[4])
{
	asm volatile("cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

static __u64 npu_kern_xgetbv(__u32 idx)
{
	__u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(idx));
	return ((__u64)hi << 32) | lo;
}

/* XCR0 bits: SSE, AVX (YMM_Hi128) ; opmask, ZMM_Hi256, Hi16_ZMM */
#define NPU_KERN_XCR0_YMM	0x06ULL
#define NPU_KERN_XCR0_ZMM	0xe6ULL

__u32 npu_kern_cpu_isa(void)
{
	__u32 r[4], max, ecx1, ebx7, ecx7;
	__u64 xcr0;

	npu_kern_cpuid(0, 0, r);
	max = r[0];
	if (max < 7)
		return NPU_KERN_ISA_SCALAR;
	npu_kern_cpuid(1, 0, r);
	ecx1 = r[2];
	/* OSXSAVE (27), AVX (28), FMA (12) */
	if (!(ecx1 & (1U << 27)) || !(ecx1 & (1U << 28)) || !(ecx1 & (1U << 12)))
		return NPU_KERN_ISA_SCALAR;
	xcr0 = npu_kern_xgetbv(0);
	if ((xcr0 & NPU_KERN_XCR0_YMM) != NPU_KERN_XCR0_YMM)
		return NPU_KERN_ISA_SCALAR;
	npu_kern_cpuid(7, 0, r);
	ebx7 = r[1];
	ecx7 = r[2];
	if (!(ebx7 & (1U << 5)))		/* AVX2 */
		return NPU_KERN_ISA_SCALAR;
	if (!(ebx7 & (1U << 16)) ||		/* AVX512F */
	    (xcr0 & NPU_KERN_XCR0_ZMM) != NPU_KERN_XCR0_ZMM)
		return NPU_KERN_ISA_AVX2;
	if (!(ecx7 & (1U << 11)))		/* AVX512_VNNI */
		return NPU_KERN_ISA_AVX512;
	return NPU_KERN_ISA_AVX512_VNNI;
}
#else
__u32 npu_kern_cpu_isa(void)
{
	return NPU_KERN_ISA_SCALAR;
}
#endif

const struct npu_kern_ops *npu_kern_select(__u32 max_isa, __u32 flags)
{
	__u32 isa = npu_kern_cpu_isa();
	int exact = !!(flags & NPU_KERN_EXACT);

	if (isa > max_isa)
		isa = max_isa;
	switch (isa) {
#ifdef NPU_KERN_X86
	case NPU_KERN_ISA_AVX512_VNNI:
		return &npu_kern_vnni_ops[exact];
	case NPU_KERN_ISA_AVX512:
		return &npu_kern_avx512_ops[exact];
	case NPU_KERN_ISA_AVX2:
		return &npu_kern_avx2_ops[exact];
#endif
	default:
		return &npu_kern_scalar_ops;
	}
}

const char *npu_kern_isa_name(__u32 isa)
{
	static const char *const names[NPU_KERN_ISA_COUNT] = {
		[NPU_KERN_ISA_SCALAR] = "scalar",
		[NPU_KERN_ISA_AVX2] = "avx2",
		[NPU_KERN_ISA_AVX512] = "avx512",
		[NPU_KERN_ISA_AVX512_VNNI] = "avx512vnni",
	};

	return isa < NPU_KERN_ISA_COUNT ? names[isa] : "?";
}

unsigned long npu_kern_scratch_size(__u32 kind, __u32 k)
{
	unsigned long k4 = ((unsigned long)k + 3) / 4;

	/* packed X', column sums, one tile of accumulators */
	if (kind == NPU_KERN_GEMM_Q8)
		return npu_kern_align64(k4 * 4 * NPU_KERN_Q8_NR_MAX) +
		       npu_kern_align64(NPU_KERN_Q8_NR_MAX * 4) +
		       8 * NPU_KERN_Q8_NR_MAX * 4 + 64;
	return npu_kern_align64((unsigned long)NPU_KERN_KC * NPU_KERN_NC * 4) + 64;
}

unsigned long npu_kern_pack_f32_size(__u32 m, __u32 k)
{
	return 32UL * ((m + 7) / 8) * k;
}

void npu_kern_pack_f32(float *dst, const float *src, long ms, long ks, __u32 m, __u32 k)
{
	const __u32 *s = (const __u32 *)src;
	__u32 *d = (__u32 *)dst;
	__u32 p, r, kk, row;

	for (p = 0; p < (m + 7) / 8; p++) {
		for (kk = 0; kk < k; kk++) {
			for (r = 0; r < 8; r++) {
				row = p * 8 + r;
				*d++ = row < m ? s[row * ms + kk * ks] : 0;
			}
		}
	}
}

unsigned long npu_kern_pack_q8_size(__u32 m, __u32 k)
{
	unsigned long p = (m + 7) / 8, k4 = ((unsigned long)k + 3) / 4;

	return 32 * p * k4 + 32 * p;
}

void npu_kern_pack_q8(void *dst, const __s8 *src, long ms, long ks, __u32 m, __u32 k)
{
	__u32 p, g, r, j, row, col, k4 = (k + 3) / 4;
	__s8 *d = dst;
	__s32 *sums = (__s32 *)((__u8 *)dst + 32UL * ((m + 7) / 8) * k4);
	__u32 sum;

	for (p = 0; p < (m + 7) / 8; p++) {
		for (g = 0; g < k4; g++) {
			for (r = 0; r < 8; r++) {
				for (j = 0; j < 4; j++) {
					row = p * 8 + r;
					col = g * 4 + j;
					*d++ = row < m && col < k ? src[row * ms + col * ks] : 0;
				}
			}
		}
	}
	for (row = 0; row < (m + 7) / 8 * 8; row++) {
		sum = 0;
		for (col = 0; row < m && col < k; col++)
			sum += (__u32)(__s32)src[row * ms + col * ks];
		sums[row] = (__s32)sum;
	}
}

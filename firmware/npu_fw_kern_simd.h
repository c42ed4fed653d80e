/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * npu firmware kernels: <immintrin.h> in a freestanding build (internal).
 *
 * GCC's and Clang's xmmintrin.h pull in mm_malloc.h, which includes
 * <stdlib.h>: not available in the kernel. Claim its include guards first
 * (we never use _mm_malloc).
 */
#ifndef NPU_FW_KERN_SIMD_H
#define NPU_FW_KERN_SIMD_H

#ifndef _MM_MALLOC_H_INCLUDED
#define _MM_MALLOC_H_INCLUDED
#endif
#ifndef __MM_MALLOC_H
#define __MM_MALLOC_H
#endif
#include <immintrin.h>

#endif /* NPU_FW_KERN_SIMD_H */

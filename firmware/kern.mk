# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# firmware/kern.mk: the compute kernels (firmware/npu_fw_kern*.c, see
# Documentation/kernels.rst). Paths relative to the repository root.
#
# KERN_SRCS  the sources; every consumer compiles all of them, each with
#            FW_CFLAGS plus its own ISA flags, $(KERN_ISA_CFLAGS_<file>).
#            The per-ISA files compile to nothing off x86-64 (leave the
#            flags out there).
# KERN_HDRS  what they depend on.
# KERN_CFLAGS flags for the kernel sources outside the kernel, where
#            compiler_types.h does not define __always_inline.
#
# Only npu_fw_kern.c is free of floating point; the kernel builds the other
# four with FPU flags (see the Kbuild lines in Documentation/kernels.rst).

KERN_SRCS := firmware/npu_fw_kern.c firmware/npu_fw_kern_scalar.c \
	firmware/npu_fw_kern_avx2.c firmware/npu_fw_kern_avx512.c \
	firmware/npu_fw_kern_vnni.c
KERN_HDRS := firmware/npu_fw_kern.h firmware/npu_fw_kern_int.h \
	firmware/npu_fw_kern_q8.h firmware/npu_fw_kern_simd.h

KERN_CFLAGS := "-D__always_inline=inline __attribute__((__always_inline__))"

KERN_ISA_CFLAGS_npu_fw_kern_avx2 := -mavx2 -mfma
KERN_ISA_CFLAGS_npu_fw_kern_avx512 := -mavx512f -mavx2 -mfma
KERN_ISA_CFLAGS_npu_fw_kern_vnni := -mavx512f -mavx512vnni -mavx2 -mfma

# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# firmware/ make fragment: the freestanding command-stream validator,
# interpreter and operators. Included by the top-level Makefile; paths are
# relative to the repository root.
#
# FW_SRCS    the sources; userspace consumers (libnpu, unit tests, fuzzers)
#            compile them in, with FW_CFLAGS. They include "npu_fw.h", which
#            finds the uAPI through a relative path, so no -I is needed
#            (consumers that #include "npu_fw.h" themselves add -Ifirmware).
# FW_HDRS    what the sources depend on.
# FW_CFLAGS  flags every consumer must add:
#   -ffp-contract=off       no fused multiply-add: host, kernel and a scalar
#                           reference give bit-identical floats at any -O and
#                           vector width (the operators never reassociate)
#   -fno-strict-aliasing    BO memory is read through several types
#   -fvect-cost-model=cheap let GCC vectorize the inner loops at -O2 (about
#                           3x on F32 GEMM/CONV2D); it cannot change results
#
# The kernel (Kbuild) builds npu_fw_validate.c with the normal no-FPU flags
# (it has no floating point) and npu_fw_ops.c with FPU flags:
#   CFLAGS_npu_fw_ops.o += $(CC_FLAGS_FPU) -ffp-contract=off \
#                          -fno-strict-aliasing -fvect-cost-model=cheap
#   CFLAGS_REMOVE_npu_fw_ops.o += $(CC_FLAGS_NO_FPU)
# and calls npu_fw_run() between kernel_fpu_begin() and kernel_fpu_end().

ifndef KERN_SRCS
include firmware/kern.mk
endif

# The interpreter calls the compute kernels (KERN_SRCS of firmware/kern.mk)
# for packed weights and depthwise convolutions; their ISA files carry their
# target options in pragmas for userspace, so one set of flags builds all.
FW_SRCS := firmware/npu_fw_validate.c firmware/npu_fw_ops.c $(KERN_SRCS)
FW_HDRS := firmware/npu_fw.h uapi/linux/npu_cmd.h $(KERN_HDRS)
FW_CFLAGS := -ffp-contract=off -fno-strict-aliasing -fvect-cost-model=cheap $(KERN_CFLAGS)

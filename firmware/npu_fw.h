/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * npu firmware library: the command-stream validator and interpreter.
 *
 * Freestanding C: no libc, no kernel headers beyond the uAPI. The same
 * sources are compiled into npu.ko (CPU engine), into libnpu (host backend)
 * and into the host unit tests and fuzzers.
 *
 * Trust model: npu_fw_validate() runs on untrusted bytes and uses integer
 * arithmetic only (no FPU). The executors (npu_fw_units(), npu_fw_run())
 * assume a stream that npu_fw_validate() accepted against the same BO sizes
 * and limits; they never check again. Only npu_fw_ops.c uses floating point,
 * so only it is built with FPU/vector flags in the kernel, and the kernel
 * calls npu_fw_run() between kernel_fpu_begin() and kernel_fpu_end().
 */
#ifndef NPU_FW_H
#define NPU_FW_H

#include <linux/types.h>
#include "../uapi/linux/npu_cmd.h"

/*
 * Error numbers returned (negated) by the library. They equal the Linux
 * errno values so the kernel and libnpu can pass them on unchanged.
 */
#define NPU_FW_ENOENT		2
#define NPU_FW_E2BIG		7
#define NPU_FW_EINVAL		22
#define NPU_FW_ERANGE		34
#define NPU_FW_EOPNOTSUPP	95

/** NPU_FW_MAX_BOS - largest BO count of a job (bitmaps below are 64-bit) */
#define NPU_FW_MAX_BOS		64

/**
 * struct npu_fw_limits - the bounds a stream is validated against
 * @max_cmd_size: largest stream in bytes
 * @max_tensors: largest num_tensors
 * @max_ops: largest num_ops
 * @max_tensor_elems: largest element count of one tensor; values above 2^31
 *	act as 2^31
 */
struct npu_fw_limits {
	__u32 max_cmd_size;
	__u32 max_tensors;
	__u32 max_ops;
	__u32 max_tensor_elems;
};

/**
 * struct npu_fw_diag - where validation failed (for error messages)
 * @op: index of the offending op, or -1
 * @tensor: index of the offending tensor, or -1
 * @msg: static string naming the check that failed ("" when accepted)
 * @bos_read: out: bit i set when BO i is read by some op
 * @bos_written: out: bit i set when BO i is written by some op
 */
struct npu_fw_diag {
	int op;
	int tensor;
	const char *msg;
	__u64 bos_read;
	__u64 bos_written;
};

/**
 * npu_fw_validate() - check an untrusted command stream
 * @cmd: the stream (a private copy the caller will not let change)
 * @size: bytes at @cmd
 * @bo_sizes: size in bytes of each BO the stream may reference
 * @bo_count: entries in @bo_sizes (<= NPU_FW_MAX_BOS)
 * @lim: limits to enforce
 * @diag: out: failure location and BO usage; may not be NULL
 *
 * @cmd must be 8-byte aligned.
 *
 * Return: 0 when the stream is valid, else -NPU_FW_EINVAL (malformed field,
 * reserved field not zero, inconsistent shapes or types), -NPU_FW_E2BIG
 * (count or size above a limit), -NPU_FW_ERANGE (tensor outside its BO),
 * -NPU_FW_EOPNOTSUPP (unknown opcode).
 */
int npu_fw_validate(const void *cmd, __u32 size, const __u64 *bo_sizes,
		    __u32 bo_count, const struct npu_fw_limits *lim,
		    struct npu_fw_diag *diag);

struct npu_kern_ops;

/**
 * struct npu_fw_job - a validated stream bound to mapped BOs
 * @cmd: the validated stream
 * @bo_vaddr: CPU address of each BO, indexed like the @bo_sizes passed to
 *	npu_fw_validate(); each mapping must cover that many bytes
 * @kern: the vector kernels to use (npu_kern_select(), firmware/npu_fw_kern.h)
 *	for packed-weight GEMM and CONV2D and for depthwise CONV2D; NULL runs
 *	the reference loops of npu_fw_ops.c everywhere they exist and the
 *	scalar EXACT kernels for packed weights (which the loops cannot read)
 */
struct npu_fw_job {
	const void *cmd;
	void *const *bo_vaddr;
	const struct npu_kern_ops *kern;
};

/**
 * npu_fw_units() - how many independent work units op @op_index has
 * @job: the job
 * @op_index: op in the stream
 *
 * Units of one op may run in any order and on different threads (they write
 * disjoint output bytes); all units of op i must finish before op i + 1
 * starts. One unit is small (about one output row), so callers group them
 * into slices of bounded duration.
 *
 * Return: at least 1.
 */
__u32 npu_fw_units(const struct npu_fw_job *job, __u32 op_index);

/**
 * npu_fw_scratch_size() - scratch bytes npu_fw_run() needs for @job
 * @job: the job
 *
 * Return: 0 when no op of the stream needs scratch memory (then
 * npu_fw_run() may be given NULL), else the size of the buffer each
 * calling thread must pass: NPU_FW_SCRATCH_MAX bytes at most.
 */
unsigned long npu_fw_scratch_size(const struct npu_fw_job *job);

/**
 * NPU_FW_SCRATCH_MAX - the largest npu_fw_scratch_size() of any stream:
 * what the int8 kernels need for NPU_TENSOR_PACKED_Q8_MAX_COLS columns
 * (about 48 bytes per column; F32 needs about 25 KiB, plus 96 KiB for the
 * CONV_TRANSPOSE2D GEMM path's weights, bias and result chunk)
 */
#define NPU_FW_SCRATCH_MAX	(256UL * 1024)

/**
 * npu_fw_run() - execute units [@first, @first + @count) of op @op_index
 * @job: the job
 * @op_index: op in the stream
 * @first: first unit
 * @count: number of units
 * @scratch: npu_fw_scratch_size() bytes private to the calling thread for
 *	the duration of the call (NULL when that is 0)
 *
 * Uses floating point: in the kernel, call it between kernel_fpu_begin() and
 * kernel_fpu_end().
 */
void npu_fw_run(const struct npu_fw_job *job, __u32 op_index, __u32 first,
		__u32 count, void *scratch);

/** npu_fw_dtype_size() - bytes per element of @dtype (0 if unknown) */
__u32 npu_fw_dtype_size(__u32 dtype);

/** npu_fw_op_name() - printable name of @opcode ("?" if unknown) */
const char *npu_fw_op_name(__u32 opcode);

#endif /* NPU_FW_H */

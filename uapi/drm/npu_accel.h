/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * npu DRM accel driver uAPI.
 *
 * Conventions: every struct has explicit sizes and explicit padding; padding,
 * reserved fields and undefined flag bits must be zero (-EINVAL otherwise).
 * Pointers are __u64. Enums are append-only. See
 * Documentation/accel/npu.rst for the semantics and errors of every call.
 */
#ifndef _UAPI_DRM_NPU_ACCEL_H
#define _UAPI_DRM_NPU_ACCEL_H

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define DRM_NPU_QUERY		0x00
#define DRM_NPU_BO_CREATE	0x01
#define DRM_NPU_BO_INFO		0x02
#define DRM_NPU_SUBMIT		0x03
#define DRM_NPU_WAIT		0x04

/** DRM_NPU_DRIVER_MAJOR - uAPI major version (incompatible changes) */
#define DRM_NPU_DRIVER_MAJOR	1
/** DRM_NPU_DRIVER_MINOR - uAPI minor version (compatible additions) */
#define DRM_NPU_DRIVER_MINOR	1

/**
 * enum drm_npu_query_id - what DRM_IOCTL_NPU_QUERY returns
 * @DRM_NPU_QUERY_VERSION: struct drm_npu_query_version
 * @DRM_NPU_QUERY_LIMITS: struct drm_npu_query_limits
 * @DRM_NPU_QUERY_ENGINES: struct drm_npu_query_engines followed by
 *	count entries of struct drm_npu_engine_info
 */
enum drm_npu_query_id {
	DRM_NPU_QUERY_VERSION = 0,
	DRM_NPU_QUERY_LIMITS = 1,
	DRM_NPU_QUERY_ENGINES = 2,
	DRM_NPU_QUERY_COUNT,
};

/**
 * struct drm_npu_query - argument of DRM_IOCTL_NPU_QUERY
 * @query: enum drm_npu_query_id
 * @size: in: bytes available at @data; out: the full size of the answer.
 *	With @size 0 the kernel only reports the size. A smaller, non-zero
 *	@size receives the first @size bytes (older userspace keeps working
 *	when structs grow at their end).
 * @data: user pointer to the answer buffer
 * @flags: must be 0
 * @pad: must be 0
 */
struct drm_npu_query {
	__u32 query;
	__u32 size;
	__u64 data;
	__u32 flags;
	__u32 pad;
};

/**
 * struct drm_npu_query_version - DRM_NPU_QUERY_VERSION
 * @major: DRM_NPU_DRIVER_MAJOR of the running driver
 * @minor: DRM_NPU_DRIVER_MINOR of the running driver
 * @cmd_version: highest command stream version accepted (NPU_CMD_VERSION)
 * @num_ops: NPU_OP_COUNT of the running driver (opcodes 1 .. num_ops - 1)
 */
struct drm_npu_query_version {
	__u32 major;
	__u32 minor;
	__u32 cmd_version;
	__u32 num_ops;
};

/**
 * struct drm_npu_query_limits - DRM_NPU_QUERY_LIMITS
 * @max_bo_size: largest BO_CREATE size in bytes
 * @max_cmd_size: largest command stream in bytes
 * @max_tensors: largest num_tensors of a command stream
 * @max_ops: largest num_ops of a command stream
 * @max_bos: largest bo_count of a submit
 * @max_in_syncobjs: largest in_syncobj_count of a submit
 * @max_tensor_elems: largest element count of one tensor
 * @job_timeout_ms: a job running longer fails with -ETIMEDOUT
 */
struct drm_npu_query_limits {
	__u64 max_bo_size;
	__u32 max_cmd_size;
	__u32 max_tensors;
	__u32 max_ops;
	__u32 max_bos;
	__u32 max_in_syncobjs;
	__u32 max_tensor_elems;
	__u32 job_timeout_ms;
	__u32 pad;
};

/**
 * enum drm_npu_engine_kind - what executes an engine's jobs
 * @DRM_NPU_ENGINE_CPU: the in-kernel CPU engine (kernel threads)
 * @DRM_NPU_ENGINE_VNPU: a virtual NPU core
 */
enum drm_npu_engine_kind {
	DRM_NPU_ENGINE_CPU = 0,
	DRM_NPU_ENGINE_VNPU = 1,
};

/** DRM_NPU_ENGINE_HEALTHY - engine_info.flags: the engine accepts jobs */
#define DRM_NPU_ENGINE_HEALTHY	0x1U

/**
 * struct drm_npu_engine_info - one engine (96 bytes)
 * @name: NUL-terminated name, e.g. "cpu"
 * @kind: enum drm_npu_engine_kind
 * @flags: DRM_NPU_ENGINE_* state bits
 * @ops_mask: bit n set when the engine executes opcode n
 * @jobs_done: jobs completed since the device was created
 * @busy_ns: time spent executing jobs
 * @queued: jobs waiting for or running on this engine now
 * @resets: engine resets since the device was created
 * @reserved: zero
 */
struct drm_npu_engine_info {
	char name[16];
	__u32 kind;
	__u32 flags;
	__u64 ops_mask;
	__u64 jobs_done;
	__u64 busy_ns;
	__u32 queued;
	__u32 resets;
	__u64 reserved[4];
};

/**
 * struct drm_npu_query_engines - DRM_NPU_QUERY_ENGINES header
 * @count: number of struct drm_npu_engine_info entries that follow
 * @entry_size: sizeof(struct drm_npu_engine_info) of the running driver
 */
struct drm_npu_query_engines {
	__u32 count;
	__u32 entry_size;
};

/**
 * struct drm_npu_bo_create - argument of DRM_IOCTL_NPU_BO_CREATE
 * @size: in: bytes, 1 .. limits.max_bo_size, rounded up to pages
 * @flags: must be 0 (no flags are defined yet)
 * @handle: out: GEM handle
 *
 * Memory is shmem-backed, zero-filled and CPU-cacheable.
 */
struct drm_npu_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
};

/**
 * struct drm_npu_bo_info - argument of DRM_IOCTL_NPU_BO_INFO
 * @handle: in: GEM handle
 * @flags: must be 0
 * @offset: out: fake offset to pass to mmap() on the device file
 * @size: out: size in bytes (page multiple)
 */
struct drm_npu_bo_info {
	__u32 handle;
	__u32 flags;
	__u64 offset;
	__u64 size;
};

/**
 * enum drm_npu_priority - job priority
 * @DRM_NPU_PRIO_LOW: background work
 * @DRM_NPU_PRIO_NORMAL: default
 * @DRM_NPU_PRIO_HIGH: latency-sensitive work
 * @DRM_NPU_PRIO_REALTIME: needs CAP_SYS_NICE (-EPERM otherwise)
 */
enum drm_npu_priority {
	DRM_NPU_PRIO_LOW = 0,
	DRM_NPU_PRIO_NORMAL = 1,
	DRM_NPU_PRIO_HIGH = 2,
	DRM_NPU_PRIO_REALTIME = 3,
	DRM_NPU_PRIO_COUNT,
};

/**
 * struct drm_npu_submit - argument of DRM_IOCTL_NPU_SUBMIT
 * @cmd: user pointer to the command stream (linux/npu_cmd.h)
 * @bo_handles: user pointer to an array of __u32 GEM handles; tensors name
 *	BOs by index in this array; a handle may appear only once
 * @in_syncobjs: user pointer to an array of __u32 syncobj handles the job
 *	waits for
 * @cmd_size: bytes at @cmd
 * @bo_count: entries at @bo_handles, 1 .. limits.max_bos
 * @in_syncobj_count: entries at @in_syncobjs, 0 .. limits.max_in_syncobjs
 * @out_syncobj: syncobj that receives the job's fence, or 0
 * @priority: enum drm_npu_priority
 * @flags: must be 0
 * @seqno: out: the job's sequence number for DRM_IOCTL_NPU_WAIT
 *
 * The job also waits for earlier jobs writing any of its BOs (implicit
 * fences in the BOs' reservation objects) and publishes its own fence
 * there.
 */
struct drm_npu_submit {
	__u64 cmd;
	__u64 bo_handles;
	__u64 in_syncobjs;
	__u32 cmd_size;
	__u32 bo_count;
	__u32 in_syncobj_count;
	__u32 out_syncobj;
	__u32 priority;
	__u32 flags;
	__u64 seqno;
};

/** DRM_NPU_WAIT_BO - wait for every job using BO @handle, not a seqno */
#define DRM_NPU_WAIT_BO		0x1U
/** DRM_NPU_WAIT_FLAGS - every defined DRM_NPU_WAIT_* flag */
#define DRM_NPU_WAIT_FLAGS	DRM_NPU_WAIT_BO

/**
 * struct drm_npu_wait - argument of DRM_IOCTL_NPU_WAIT
 * @seqno: job to wait for (a seqno returned by SUBMIT on this file)
 * @timeout_ns: relative timeout; 0 polls
 * @handle: GEM handle with DRM_NPU_WAIT_BO, else 0
 * @flags: DRM_NPU_WAIT_* bits
 *
 * Returns 0 when the job (or every job on the BO) finished successfully,
 * -ETIME on timeout, or the error the job finished with (e.g. -ETIMEDOUT
 * when it hung, -ECANCELED when it was dropped).
 */
struct drm_npu_wait {
	__u64 seqno;
	__s64 timeout_ns;
	__u32 handle;
	__u32 flags;
};

#define DRM_IOCTL_NPU_QUERY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NPU_QUERY, struct drm_npu_query)
#define DRM_IOCTL_NPU_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NPU_BO_CREATE, struct drm_npu_bo_create)
#define DRM_IOCTL_NPU_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NPU_BO_INFO, struct drm_npu_bo_info)
#define DRM_IOCTL_NPU_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NPU_SUBMIT, struct drm_npu_submit)
#define DRM_IOCTL_NPU_WAIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_NPU_WAIT, struct drm_npu_wait)

/*
 * io_uring commands (IORING_OP_URING_CMD on the accel fd, uAPI minor >= 1).
 *
 * sqe->cmd_op is one of the DRM_NPU_URING_CMD_* values below; the payload
 * struct sits at the start of the SQE's command area (io_uring_sqe.cmd:
 * 16 bytes in a 64-byte SQE, 80 bytes with IORING_SETUP_SQE128). A command
 * whose payload is larger than 16 bytes needs an SQE128 ring (-EINVAL
 * otherwise), and command-area bytes past the payload must be zero.
 * sqe->off, addr, len, buf_index, personality, file_index, addr3 are not
 * read and must be zero. The CQE's res is 0 or a negative errno; on a
 * CQE32 ring big_cqe[0] carries the value documented per command.
 * Documentation/accel/npu.rst ("io_uring interface") has the full rules.
 */
#define DRM_NPU_URING_SUBMIT		0x20
#define DRM_NPU_URING_SUBMIT_INLINE	0x21
#define DRM_NPU_URING_WAIT		0x22
#define DRM_NPU_URING_WAIT_TIMEOUT	0x23

/** DRM_NPU_URING_MAX_BATCH - most jobs of one DRM_NPU_URING_CMD_SUBMIT */
#define DRM_NPU_URING_MAX_BATCH		128

/**
 * struct drm_npu_uring_submit - payload of DRM_NPU_URING_CMD_SUBMIT
 * @submits: user pointer to @count struct drm_npu_submit, submitted in
 *	order through the same path as DRM_IOCTL_NPU_SUBMIT; each accepted
 *	job's seqno is written back to its entry, a refused one's is set to 0
 * @count: 1 .. DRM_NPU_URING_MAX_BATCH
 * @flags: must be 0
 *
 * One CQE, posted when every accepted job has finished: res is the first
 * submit error if job k > 0 was refused (jobs 0..k-1 still ran), else the
 * error of a job that failed (e.g. -ETIMEDOUT, -ECANCELED), else 0. If job
 * 0 is refused the CQE comes at once with its error. big_cqe[0]: the seqno
 * of the last accepted job.
 */
struct drm_npu_uring_submit {
	__u64 submits;
	__u32 count;
	__u32 flags;
};

/**
 * struct drm_npu_uring_submit_inline - payload of
 *	DRM_NPU_URING_CMD_SUBMIT_INLINE (SQE128 rings only)
 * @submit: one job, as for DRM_IOCTL_NPU_SUBMIT; @submit.seqno must be 0
 *	(the seqno is returned in big_cqe[0] on a CQE32 ring)
 * @reserved: must be 0
 *
 * One CQE when the job has finished: res 0 or the job's error.
 */
struct drm_npu_uring_submit_inline {
	struct drm_npu_submit submit;
	__u64 reserved[3];
};

/** DRM_NPU_URING_WAIT_SYNCOBJ - wait for syncobj @handle's current fence */
#define DRM_NPU_URING_WAIT_SYNCOBJ	0x2U
/** DRM_NPU_URING_WAIT_FLAGS - every flag DRM_NPU_URING_CMD_WAIT accepts */
#define DRM_NPU_URING_WAIT_FLAGS	(DRM_NPU_WAIT_BO | DRM_NPU_URING_WAIT_SYNCOBJ)

/**
 * struct drm_npu_uring_wait - payload of DRM_NPU_URING_CMD_WAIT
 * @seqno: job to wait for (flags 0), else 0
 * @handle: GEM handle (DRM_NPU_WAIT_BO) or syncobj (DRM_NPU_URING_WAIT_SYNCOBJ),
 *	else 0
 * @flags: at most one of DRM_NPU_URING_WAIT_FLAGS
 *
 * The CQE comes when the job (every job on the BO, the syncobj's fence)
 * has finished: res 0 or its error. Lookup errors are those of
 * DRM_IOCTL_NPU_WAIT, plus -EINVAL for a syncobj without a fence.
 */
struct drm_npu_uring_wait {
	__u64 seqno;
	__u32 handle;
	__u32 flags;
};

/**
 * struct drm_npu_uring_wait_timeout - payload of
 *	DRM_NPU_URING_CMD_WAIT_TIMEOUT (SQE128 rings only)
 * @wait: as for DRM_NPU_URING_CMD_WAIT
 * @timeout_ns: relative timeout, > 0; the CQE carries -ETIME when it
 *	expires first (IORING_OP_LINK_TIMEOUT cannot cancel a uring_cmd)
 */
struct drm_npu_uring_wait_timeout {
	struct drm_npu_uring_wait wait;
	__s64 timeout_ns;
};

#define DRM_NPU_URING_CMD_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NPU_URING_SUBMIT, struct drm_npu_uring_submit)
#define DRM_NPU_URING_CMD_SUBMIT_INLINE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NPU_URING_SUBMIT_INLINE, \
		 struct drm_npu_uring_submit_inline)
#define DRM_NPU_URING_CMD_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NPU_URING_WAIT, struct drm_npu_uring_wait)
#define DRM_NPU_URING_CMD_WAIT_TIMEOUT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NPU_URING_WAIT_TIMEOUT, \
		 struct drm_npu_uring_wait_timeout)

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_DRM_NPU_ACCEL_H */

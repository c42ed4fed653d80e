/* SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT) */
/*
 * libnpu - userspace library for the npu DRM accel driver.
 *
 * This is the only public header of libnpu. Objects are opaque. Functions
 * that return int return 0 (or a non-negative count, index or fd) on
 * success and a negative errno value on failure; they also set errno.
 * Functions that return a pointer return NULL and set errno on failure.
 * Option and descriptor structs start with a size field; declare them
 * with NPU_OPTS() so that they are zero-filled and sized.
 *
 * Set NPU_DEBUG=1 in the environment to get verbose diagnostics on stderr.
 *
 * See Documentation/libnpu.rst for the guide and the reference.
 */
#ifndef NPU_NPU_H
#define NPU_NPU_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <drm/npu_accel.h>
#include <linux/npu_cmd.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NPU_VERSION_MAJOR	1
#define NPU_VERSION_MINOR	2
#define NPU_VERSION_PATCH	0

#if defined(__GNUC__) && !defined(NPU_API)
#define NPU_API __attribute__((visibility("default")))
#elif !defined(NPU_API)
#define NPU_API
#endif

/**
 * NPU_OPTS() - declare a zero-filled option or descriptor struct
 * @TYPE: struct tag without "struct", e.g. npu_device_opts
 * @NAME: variable name
 * @...: designated initializers, e.g. .backend = NPU_BACKEND_ACCEL
 *
 * Sets the size field to sizeof(struct TYPE) and zeroes every other byte,
 * padding included, so that a newer libnpu can tell which fields a caller
 * knows about.
 */
#define NPU_OPTS(TYPE, NAME, ...)					\
	struct TYPE NAME = __extension__ ({				\
		memset(&NAME, 0, sizeof(struct TYPE));			\
		(struct TYPE) {						\
			.size = sizeof(struct TYPE),			\
			__VA_ARGS__					\
		};							\
	})

/** NPU_NO_TENSOR - leave an optional tensor input (e.g. a bias) out */
#define NPU_NO_TENSOR		(-1)

/** NPU_TIMEOUT_INFINITE - a relative timeout that never expires */
#define NPU_TIMEOUT_INFINITE	INT64_MAX

/** NPU_PATH_MAX - buffer size that always holds a device node path */
#define NPU_PATH_MAX		64

struct npu_device;
struct npu_bo;
struct npu_job;
struct npu_model;
struct npu_queue;

/* ------------------------------------------------------------------ */
/* Library                                                             */
/* ------------------------------------------------------------------ */

/**
 * npu_version_string() - version of the libnpu that is running
 *
 * Return: a static string such as "1.2.0".
 */
NPU_API const char *npu_version_string(void);

/**
 * npu_op_name() - printable name of an operation
 * @opcode: enum npu_op_code value
 *
 * Return: a static string as the firmware library and its validation
 * messages spell it, such as "GEMM", or "?" when @opcode is unknown to this
 * libnpu.
 */
NPU_API const char *npu_op_name(uint32_t opcode);

/**
 * npu_dtype_name() - printable name of an element type
 * @dtype: enum npu_dtype value
 *
 * Return: a static string such as "f32", or "?" when @dtype is unknown.
 */
NPU_API const char *npu_dtype_name(uint32_t dtype);

/**
 * npu_dtype_size() - bytes per element of an element type
 * @dtype: enum npu_dtype value
 *
 * Return: 1, 4, ... or 0 when @dtype is unknown.
 */
NPU_API size_t npu_dtype_size(uint32_t dtype);

/* ------------------------------------------------------------------ */
/* Devices                                                             */
/* ------------------------------------------------------------------ */

/**
 * enum npu_backend - what executes a device's jobs
 * @NPU_BACKEND_ACCEL: the npu kernel driver through /dev/accel/accelN (the
 *	default: a zero-filled struct npu_device_opts selects it)
 * @NPU_BACKEND_HOST: in-process execution of the firmware library on a
 *	pool of threads, with the kernel driver's semantics and limits (since
 *	libnpu 1.1)
 *
 * libnpu never falls back from one backend to another on its own; the
 * backend in use is reported by npu_device_backend().
 */
enum npu_backend {
	NPU_BACKEND_ACCEL = 0,
	NPU_BACKEND_HOST = 1,
};

/**
 * struct npu_device_opts - options of npu_device_open()
 * @size: sizeof(struct npu_device_opts); set by NPU_OPTS()
 * @backend: enum npu_backend
 * @threads: host backend: threads that execute jobs, 1 .. 256; 0 means one
 *	per online CPU. Must be 0 with the accel backend. (Since 1.1.)
 * @job_timeout_ms: host backend: a job running longer fails with
 *	-ETIMEDOUT, 10 .. 600000; 0 means 5000 (the npu module's default).
 *	Must be 0 with the accel backend, whose timeout is the module's
 *	job_timeout_ms parameter. (Since 1.1.)
 *
 * A libnpu 1.0 caller's struct ends after @backend: the bytes where
 * @threads now lies were padding then, and are not read when @size is that
 * of the 1.0 struct.
 */
struct npu_device_opts {
	size_t size;
	uint32_t backend;
	uint32_t threads;
	uint32_t job_timeout_ms;
};

/**
 * npu_device_count() - count the npu devices of the system
 *
 * Scans /sys/class/accel for accel devices whose driver is "npu" (by the
 * device's driver link, else by the DRM version of the device node).
 *
 * Return: the number of devices (0 when there is none or the accel
 * subsystem is absent), or a negative errno (-ENOMEM).
 */
NPU_API int npu_device_count(void);

/**
 * npu_device_path_at() - device node path of the @index-th npu device
 * @index: 0 .. npu_device_count() - 1; devices are ordered by minor number
 * @buf: receives the NUL-terminated path, e.g. "/dev/accel/accel0"
 * @len: bytes at @buf (NPU_PATH_MAX always suffices)
 *
 * Return: 0, -EINVAL (@buf NULL), -ENODEV (no device at @index), -ERANGE
 * (@len too small), -ENOMEM.
 */
NPU_API int npu_device_path_at(unsigned int index, char *buf, size_t len);

/**
 * npu_device_open() - open an npu device
 * @path: accel backend: device node such as "/dev/accel/accel0", or NULL
 *	for the first npu device that npu_device_path_at() reports; host
 *	backend: NULL or "host"
 * @opts: options, or NULL for the defaults (the accel backend)
 *
 * Accel backend: opens the node, checks that its driver is "npu" and that
 * the driver's uAPI major version is the one libnpu was built for, and
 * reads the driver's limits. Host backend: starts the device's threads;
 * each call makes a new, independent device.
 *
 * Return: the device, or NULL with errno set: ENOENT (@path does not
 * exist), EACCES (no permission), ENODEV (@path is not an npu device, or
 * @path is NULL and there is no npu device), EPROTO (uAPI major version
 * mismatch), EINVAL (bad @opts, an option out of range or of the other
 * backend, or a host @path other than NULL and "host"), EAGAIN (host: no
 * thread could be started), ENOMEM.
 */
NPU_API struct npu_device *npu_device_open(const char *path,
					   const struct npu_device_opts *opts);

/**
 * npu_device_close() - release a device
 * @dev: device, or NULL
 *
 * The device stays alive until its last buffer object and job are freed
 * too; it is then closed.
 */
NPU_API void npu_device_close(struct npu_device *dev);

/**
 * npu_device_fd() - file descriptor of an open device
 * @dev: device
 *
 * The fd belongs to @dev: do not close it. It may be passed to libdrm, for
 * instance to export a job's out syncobj as a sync_file.
 *
 * Return: the fd, or -EINVAL, or -EOPNOTSUPP (host backend: no device
 * file).
 */
NPU_API int npu_device_fd(const struct npu_device *dev);

/**
 * npu_device_path() - device node path an open device was opened with
 * @dev: device
 *
 * Return: the path (valid while @dev is; "host" on the host backend), or
 * NULL with errno EINVAL.
 */
NPU_API const char *npu_device_path(const struct npu_device *dev);

/**
 * npu_device_backend() - backend of an open device
 * @dev: device
 *
 * Return: an enum npu_backend value, or -EINVAL.
 */
NPU_API int npu_device_backend(const struct npu_device *dev);

/**
 * npu_backend_name() - printable name of a backend
 * @backend: enum npu_backend value
 *
 * Return: "accel", "host", or "?".
 */
NPU_API const char *npu_backend_name(uint32_t backend);

/**
 * npu_device_query_version() - read the driver's version
 * @dev: device
 * @out: receives the answer; fields the driver does not report are zero
 *
 * Return: 0, -EINVAL, or the errno of DRM_IOCTL_NPU_QUERY.
 */
NPU_API int npu_device_query_version(struct npu_device *dev,
				     struct drm_npu_query_version *out);

/**
 * npu_device_query_limits() - read the driver's limits
 * @dev: device
 * @out: receives the answer; fields the driver does not report are zero
 *
 * Return: 0, -EINVAL, or the errno of DRM_IOCTL_NPU_QUERY.
 */
NPU_API int npu_device_query_limits(struct npu_device *dev,
				    struct drm_npu_query_limits *out);

/**
 * npu_device_query_engines() - read the engines and their statistics
 * @dev: device
 * @engines: receives up to @max entries, or NULL when @max is 0
 * @max: entries available at @engines
 *
 * Entries are converted from the driver's entry size: fields the driver does
 * not report are zero, fields libnpu does not know are dropped.
 *
 * Return: the number of engines of the device (which may exceed @max), or
 * -EINVAL, -ENOMEM, -EPROTO (malformed answer), -EAGAIN (the answer kept
 * growing between the size probe and the read), or the errno of
 * DRM_IOCTL_NPU_QUERY.
 */
NPU_API int npu_device_query_engines(struct npu_device *dev,
				     struct drm_npu_engine_info *engines,
				     unsigned int max);

/**
 * npu_device_wait() - wait for a job by sequence number
 * @dev: device the job was submitted to
 * @seqno: sequence number returned by npu_job_submit()
 * @timeout_ns: relative timeout in ns, >= 0; 0 polls; NPU_TIMEOUT_INFINITE
 *
 * Interrupted waits are restarted with the remaining time.
 *
 * Return: 0 when the job finished successfully, -ETIME on timeout, the
 * job's error when it failed (-ETIMEDOUT when it hung, -ECANCELED when it
 * was dropped, -EIO when its context was banned), -EINVAL (@dev NULL,
 * negative @timeout_ns, @seqno not yet issued), -ENOENT (the job is older
 * than the window of recent jobs the driver remembers per file: its outcome
 * is no longer known).
 */
NPU_API int npu_device_wait(struct npu_device *dev, uint64_t seqno,
			    int64_t timeout_ns);

/* ------------------------------------------------------------------ */
/* Buffer objects                                                      */
/* ------------------------------------------------------------------ */

/**
 * npu_bo_alloc() - allocate a buffer object
 * @dev: device
 * @size: bytes, 1 .. limits.max_bo_size; the kernel rounds up to pages
 * @flags: must be 0
 *
 * The memory is zero-filled and CPU-cacheable.
 *
 * Return: the buffer object, or NULL with errno set: EINVAL (bad argument
 * or flags), E2BIG (@size above the device limit), ENOMEM, or the errno of
 * DRM_IOCTL_NPU_BO_CREATE.
 */
NPU_API struct npu_bo *npu_bo_alloc(struct npu_device *dev, uint64_t size,
				    uint32_t flags);

/**
 * npu_bo_import() - import a dma-buf as a buffer object
 * @dev: device
 * @fd: dma-buf file descriptor; libnpu does not take ownership of it. The
 *	host backend also takes a memfd or another file that can be mapped
 *	read-write and shared.
 *
 * Importing a buffer that already has a buffer object on @dev (for
 * instance one exported from @dev) returns that object with one more
 * reference; each npu_bo_import() needs its own npu_bo_free().
 *
 * Return: the buffer object, or NULL with errno set: EINVAL, EBADF,
 * ENOMEM, or the errno of DRM_IOCTL_PRIME_FD_TO_HANDLE (host: of mmap(),
 * e.g. EACCES for a read-only fd).
 */
NPU_API struct npu_bo *npu_bo_import(struct npu_device *dev, int fd);

/**
 * npu_bo_export() - export a buffer object as a dma-buf
 * @bo: buffer object
 *
 * The dma-buf is opened read-write and close-on-exec; the caller owns it.
 *
 * Return: a dma-buf fd, or -EINVAL, or the errno of
 * DRM_IOCTL_PRIME_HANDLE_TO_FD.
 */
NPU_API int npu_bo_export(struct npu_bo *bo);

/**
 * npu_bo_map() - map a buffer object into the CPU address space
 * @bo: buffer object
 *
 * Maps the whole object read-write, once: later calls return the same
 * address. The mapping lasts until the object is freed.
 *
 * Return: the address, or NULL with errno set: EINVAL, ENOMEM, or the errno
 * of DRM_IOCTL_NPU_BO_INFO or mmap().
 */
NPU_API void *npu_bo_map(struct npu_bo *bo);

/**
 * npu_bo_size() - size of a buffer object
 * @bo: buffer object
 *
 * Return: the size in bytes as the kernel allocated it (a page multiple;
 * with the host backend, an imported file's size), or 0 when @bo is NULL.
 */
NPU_API uint64_t npu_bo_size(const struct npu_bo *bo);

/**
 * npu_bo_handle() - GEM handle of a buffer object
 * @bo: buffer object
 *
 * Return: the handle on npu_device_fd() (host backend: in the device's own
 * handle table), or 0 when @bo is NULL.
 */
NPU_API uint32_t npu_bo_handle(const struct npu_bo *bo);

/**
 * npu_bo_wait() - wait for every job that uses a buffer object
 * @bo: buffer object
 * @timeout_ns: relative timeout in ns, >= 0; 0 polls; NPU_TIMEOUT_INFINITE
 *
 * Interrupted waits are restarted with the remaining time.
 *
 * Return: 0 when every job using @bo finished successfully, -ETIME on
 * timeout, a job's error when one failed, -EINVAL, -ENOENT (no such BO
 * handle).
 */
NPU_API int npu_bo_wait(struct npu_bo *bo, int64_t timeout_ns);

/**
 * npu_bo_free() - drop a reference to a buffer object
 * @bo: buffer object, or NULL
 *
 * Jobs that use @bo keep it alive; the object is unmapped and its handle
 * closed when the last reference goes.
 */
NPU_API void npu_bo_free(struct npu_bo *bo);

/* ------------------------------------------------------------------ */
/* Jobs: the command-stream builder                                    */
/* ------------------------------------------------------------------ */

/**
 * struct npu_tensor_desc - a tensor of a job
 * @size: sizeof(struct npu_tensor_desc); set by NPU_OPTS()
 * @bo: buffer object holding the tensor
 * @offset: byte offset of element 0 in @bo, aligned to the element size
 * @dtype: enum npu_dtype
 * @ndim: rank, 1 .. NPU_CMD_MAX_DIMS
 * @shape: dimensions, outermost first; entries past @ndim are ignored
 * @quant_type: enum npu_quant_type; NPU_QUANT_NONE for F32 and I32
 * @quant_axis: channel axis with NPU_QUANT_PER_CHANNEL
 * @scale: scale with NPU_QUANT_PER_TENSOR (finite, > 0)
 * @zero_point: zero point with NPU_QUANT_PER_TENSOR
 * @scale_tensor: with NPU_QUANT_PER_CHANNEL, id of an F32 tensor of shape
 *	[shape[quant_axis]] holding the scales; ignored otherwise
 * @flags: NPU_TENSOR_* bits of uapi/linux/npu_cmd.h (NPU_TENSOR_PACKED_V1:
 *	the bytes at @offset are weights in the packed layout; since 1.1.0,
 *	absent in older callers' smaller structs, which mean 0)
 */
struct npu_tensor_desc {
	size_t size;
	struct npu_bo *bo;
	uint64_t offset;
	uint32_t dtype;
	uint32_t ndim;
	uint32_t shape[NPU_CMD_MAX_DIMS];
	uint32_t quant_type;
	uint32_t quant_axis;
	float scale;
	int32_t zero_point;
	int scale_tensor;
	uint32_t flags;
};

/**
 * struct npu_gemm_opts - parameters of npu_job_op_gemm()
 * @size: sizeof(struct npu_gemm_opts); set by NPU_OPTS()
 * @flags: NPU_GEMM_* bits (NPU_GEMM_TRANS_B: B is stored as [N, K])
 * @activation: enum npu_activation fused after the bias
 * @act_min: lower bound with NPU_ACT_CLIP (real value)
 * @act_max: upper bound with NPU_ACT_CLIP (real value)
 */
struct npu_gemm_opts {
	size_t size;
	uint32_t flags;
	uint32_t activation;
	float act_min;
	float act_max;
};

/**
 * struct npu_conv2d_opts - parameters of npu_job_op_conv2d()
 * @size: sizeof(struct npu_conv2d_opts); set by NPU_OPTS()
 * @stride_h: vertical stride; 0 means 1
 * @stride_w: horizontal stride; 0 means 1
 * @dilation_h: vertical dilation; 0 means 1
 * @dilation_w: horizontal dilation; 0 means 1
 * @pad_top: zero rows above the input
 * @pad_left: zero columns left of the input
 * @pad_bottom: zero rows below the input
 * @pad_right: zero columns right of the input
 * @groups: channel groups; 0 means 1 (depthwise: the channel count)
 * @activation: enum npu_activation fused after the bias
 * @act_min: lower bound with NPU_ACT_CLIP (real value)
 * @act_max: upper bound with NPU_ACT_CLIP (real value)
 */
struct npu_conv2d_opts {
	size_t size;
	uint32_t stride_h;
	uint32_t stride_w;
	uint32_t dilation_h;
	uint32_t dilation_w;
	uint32_t pad_top;
	uint32_t pad_left;
	uint32_t pad_bottom;
	uint32_t pad_right;
	uint32_t groups;
	uint32_t activation;
	float act_min;
	float act_max;
};

/**
 * struct npu_add_opts - parameters of npu_job_op_add()
 * @size: sizeof(struct npu_add_opts); set by NPU_OPTS()
 * @activation: enum npu_activation fused after the sum
 * @act_min: lower bound with NPU_ACT_CLIP (real value)
 * @act_max: upper bound with NPU_ACT_CLIP (real value)
 */
struct npu_add_opts {
	size_t size;
	uint32_t activation;
	float act_min;
	float act_max;
};

/**
 * npu_job_new() - start building a job
 * @dev: device the job will be submitted to
 *
 * Return: an empty job, or NULL with errno EINVAL or ENOMEM.
 */
NPU_API struct npu_job *npu_job_new(struct npu_device *dev);

/**
 * npu_job_free() - free a job
 * @job: job, or NULL
 *
 * Drops the job's references to its buffer objects and destroys its out
 * syncobj. A submitted job keeps running; wait for it first when its
 * results matter.
 */
NPU_API void npu_job_free(struct npu_job *job);

/**
 * npu_job_add_bo() - add a buffer object to a job's BO list
 * @job: job
 * @bo: buffer object of the job's device
 *
 * npu_job_add_tensor() adds the BO of each tensor itself; call this only
 * for a BO the job must synchronise with although no tensor names it. A BO
 * is listed once: adding it again returns its existing index. The job holds
 * a reference to @bo until npu_job_free().
 *
 * Return: the BO's index in the submit's BO list, or -EINVAL (bad
 * argument, BO of another device), -E2BIG (NPU_FW_MAX_BOS BOs already),
 * -ENOMEM.
 */
NPU_API int npu_job_add_bo(struct npu_job *job, struct npu_bo *bo);

/**
 * npu_job_add_tensor() - add a tensor descriptor
 * @job: job
 * @desc: the tensor; its size field must be set (NPU_OPTS())
 *
 * Only the structure of @desc is checked here (pointers, the BO's device,
 * unknown trailing fields); the meaning of shapes, types, quantization and
 * offsets is checked by npu_job_validate() and by the kernel at submit.
 *
 * Return: the tensor id (0, 1, ... in the order of the calls), or -EINVAL,
 * -E2BIG (65535 tensors already, or a 65th BO), -ENOMEM.
 */
NPU_API int npu_job_add_tensor(struct npu_job *job,
			       const struct npu_tensor_desc *desc);

/**
 * npu_job_op_gemm() - append Y = A * B + bias, then the activation
 * @job: job
 * @a: tensor id of A [M, K]
 * @b: tensor id of B [K, N] ([N, K] with NPU_GEMM_TRANS_B)
 * @bias: tensor id of the bias [N], or NPU_NO_TENSOR
 * @y: tensor id of Y [M, N]
 * @opts: parameters, or NULL for none (no activation)
 *
 * Return: the op index, or -EINVAL (unknown tensor id, bad @opts), -E2BIG
 * (65535 ops already), -ENOMEM.
 */
NPU_API int npu_job_op_gemm(struct npu_job *job, int a, int b, int bias,
			    int y, const struct npu_gemm_opts *opts);

/**
 * npu_job_op_conv2d() - append a 2-D convolution (NCHW)
 * @job: job
 * @x: tensor id of X [N, C, H, W]
 * @w: tensor id of W [OC, C / groups, KH, KW]
 * @bias: tensor id of the bias [OC], or NPU_NO_TENSOR
 * @y: tensor id of Y [N, OC, OH, OW]
 * @opts: parameters, or NULL for stride 1, dilation 1, no padding, one
 *	group, no activation
 *
 * Return: the op index, or -EINVAL, -E2BIG, -ENOMEM as npu_job_op_gemm().
 */
NPU_API int npu_job_op_conv2d(struct npu_job *job, int x, int w, int bias,
			      int y, const struct npu_conv2d_opts *opts);

/**
 * npu_job_op_add() - append Y = A + B (B broadcast to A), then activation
 * @job: job
 * @a: tensor id of A
 * @b: tensor id of B
 * @y: tensor id of Y (shape of A)
 * @opts: parameters, or NULL for no activation
 *
 * Return: the op index, or -EINVAL, -E2BIG, -ENOMEM as npu_job_op_gemm().
 */
NPU_API int npu_job_op_add(struct npu_job *job, int a, int b, int y,
			   const struct npu_add_opts *opts);

/**
 * npu_job_op_relu() - append Y = max(X, 0)
 * @job: job
 * @x: tensor id of X
 * @y: tensor id of Y
 *
 * Return: the op index, or -EINVAL, -E2BIG, -ENOMEM as npu_job_op_gemm().
 */
NPU_API int npu_job_op_relu(struct npu_job *job, int x, int y);

/**
 * npu_job_op_clip() - append Y = min(max(X, @min), @max)
 * @job: job
 * @x: tensor id of X
 * @y: tensor id of Y
 * @min: lower bound (real value)
 * @max: upper bound (real value), >= @min
 *
 * Return: the op index, or -EINVAL, -E2BIG, -ENOMEM as npu_job_op_gemm().
 */
NPU_API int npu_job_op_clip(struct npu_job *job, int x, int y, float min,
			    float max);

/**
 * npu_job_op_raw() - append an op given in its command-stream encoding
 * @job: job
 * @op: the op, copied as is (tensor ids are ids of this job)
 *
 * For operations that this libnpu has no helper for. Nothing is checked
 * here; npu_job_validate() and the kernel check it.
 *
 * Return: the op index, or -EINVAL, -E2BIG, -ENOMEM.
 */
NPU_API int npu_job_op_raw(struct npu_job *job, const struct npu_cmd_op *op);

/**
 * npu_job_set_priority() - set the priority of later submits
 * @job: job
 * @prio: enum drm_npu_priority; DRM_NPU_PRIO_NORMAL by default
 *
 * DRM_NPU_PRIO_REALTIME needs CAP_SYS_NICE: without it npu_job_submit()
 * fails with -EPERM.
 *
 * Return: 0 or -EINVAL.
 */
NPU_API int npu_job_set_priority(struct npu_job *job,
				 enum drm_npu_priority prio);

/**
 * npu_job_add_in_fence() - make the job wait for a syncobj
 * @job: job
 * @syncobj: syncobj handle on npu_device_fd() (e.g. another job's
 *	npu_job_out_syncobj()); it must hold a fence when the job is submitted
 *
 * Return: 0, or -EINVAL (handle 0, job NULL), -ENOMEM.
 */
NPU_API int npu_job_add_in_fence(struct npu_job *job, uint32_t syncobj);

/**
 * npu_job_validate() - check a job as the kernel will, without submitting
 * @job: job
 * @msg: receives a NUL-terminated message naming the op, tensor and check
 *	that failed ("" when the job is valid); may be NULL
 * @len: bytes at @msg
 *
 * Runs the command-stream validator the driver runs (the same source),
 * against the job's BO sizes and the device's limits.
 *
 * Return: 0 when valid, else -EINVAL (malformed or inconsistent field),
 * -E2BIG (a count or size above a limit), -ERANGE (tensor outside its BO),
 * -EOPNOTSUPP (unknown opcode), -ENOMEM.
 */
NPU_API int npu_job_validate(const struct npu_job *job, char *msg, size_t len);

/**
 * npu_job_submit() - queue the job on its device
 * @job: job
 * @seqno: receives the job's sequence number, or NULL
 *
 * Encodes the command stream and submits it with the job's BOs, in fences,
 * priority and out syncobj. A job may be submitted again (each submit is a
 * new run with a new sequence number; npu_job_wait() waits for the latest).
 * With NPU_DEBUG=1, a rejected job is run through npu_job_validate() and
 * the message is printed.
 *
 * Return: 0, or -EINVAL (invalid job), -E2BIG, -ERANGE, -EOPNOTSUPP (as
 * npu_job_validate()), -ENOENT (an in-fence syncobj does not exist),
 * -EPERM (priority), -ENOMEM, or another errno of DRM_IOCTL_NPU_SUBMIT.
 */
NPU_API int npu_job_submit(struct npu_job *job, uint64_t *seqno);

/**
 * npu_job_wait() - wait for the latest submit of a job
 * @job: job
 * @timeout_ns: relative timeout in ns, >= 0; 0 polls; NPU_TIMEOUT_INFINITE
 *
 * Return: as npu_device_wait(); -EINVAL when the job was never submitted.
 */
NPU_API int npu_job_wait(struct npu_job *job, int64_t timeout_ns);

/**
 * npu_job_out_syncobj() - syncobj that the job's fence is put in
 * @job: job
 * @handle: receives the syncobj handle on npu_device_fd()
 *
 * The syncobj is created on the first call (or the first submit) and is
 * owned by the job: it is destroyed by npu_job_free(). Each submit replaces
 * its fence. Use it as another job's in fence; with the accel backend, wait
 * on it with drmSyncobjWait() or export it with drmSyncobjExportSyncFile()
 * (host backend syncobjs live in the device's own handle table).
 *
 * Return: 0, -EINVAL, or the errno of DRM_IOCTL_SYNCOBJ_CREATE.
 */
NPU_API int npu_job_out_syncobj(struct npu_job *job, uint32_t *handle);

/* ------------------------------------------------------------------ */
/* Models: the ONNX loader (LIBNPU_1.1)                                */
/* ------------------------------------------------------------------ */

/**
 * struct npu_model_input_shape - the shape to compile a graph input for
 * @name: name of the model's graph input
 * @ndim: rank, 1 .. NPU_CMD_MAX_DIMS; must equal the rank the model declares
 * @shape: dimensions; each must equal the model's where the model fixes it
 *	(symbolic dimensions, such as a batch size, take any value >= 1)
 */
struct npu_model_input_shape {
	const char *name;
	uint32_t ndim;
	uint32_t shape[NPU_CMD_MAX_DIMS];
};

/**
 * struct npu_model_opts - options of npu_model_open()
 * @size: sizeof(struct npu_model_opts); set by NPU_OPTS()
 * @device: run on this open device (the model takes a reference), or NULL
 *	to open one as @device_path and @backend say
 * @device_path: with @device NULL: device node to open, or NULL for the
 *	first npu device
 * @backend: with @device NULL: enum npu_backend of the device to open; with
 *	@device set: 0, or that device's backend
 * @threads: with @device NULL and @backend NPU_BACKEND_HOST: threads of
 *	the host device opened for the model (as struct npu_device_opts
 *	threads: 1 .. 256, 0 for one per online CPU); ignored otherwise
 * @input_shapes: shapes of graph inputs, overriding or completing the
 *	model's (every symbolic dimension needs one), or NULL
 * @num_input_shapes: entries at @input_shapes
 * @max_ops_per_job: split the model into jobs of at most this many ops
 *	(0: the device's max_ops)
 * @errbuf: receives a NUL-terminated message when npu_model_open() fails
 *	(naming the file, node, operator and attribute at fault), or NULL
 * @errbuf_len: bytes at @errbuf
 */
struct npu_model_opts {
	size_t size;
	struct npu_device *device;
	const char *device_path;
	uint32_t backend;
	uint32_t threads;
	const struct npu_model_input_shape *input_shapes;
	uint32_t num_input_shapes;
	uint32_t max_ops_per_job;
	char *errbuf;
	size_t errbuf_len;
};

/**
 * struct npu_model_tensor - a graph input or output of a model
 * @size: sizeof(struct npu_model_tensor); set by NPU_OPTS()
 * @name: the ONNX name (valid while the model is)
 * @dtype: enum npu_dtype
 * @ndim: rank (0 for a scalar)
 * @shape: dimensions; entries past @ndim are 0
 * @bytes: size of the dense data in bytes
 * @bo: the buffer object holding it, or NULL for an output that is a
 *	constant of the model
 * @offset: byte offset of the data in @bo
 * @data: CPU address of the data (inside the mapping of @bo, or the
 *	constant): write an input here, or read an output here, to skip the
 *	copies of npu_model_run(); valid while the model is
 */
struct npu_model_tensor {
	size_t size;
	const char *name;
	uint32_t dtype;
	uint32_t ndim;
	uint32_t shape[NPU_CMD_MAX_DIMS];
	uint64_t bytes;
	struct npu_bo *bo;
	uint64_t offset;
	void *data;
};

/**
 * struct npu_model_info - what a model was compiled to
 * @size: sizeof(struct npu_model_info); set by NPU_OPTS()
 * @backend: enum npu_backend of the device that runs it
 * @num_inputs: graph inputs
 * @num_outputs: graph outputs
 * @num_ops: command-stream ops
 * @num_jobs: command streams (jobs) the ops are split into
 * @opset: the ai.onnx opset version of the model
 * @weights_bytes: size of the weight buffer (constants, uploaded once)
 * @arena_bytes: size of the activation arena (intermediate tensors share it
 *	by liveness)
 * @io_bytes: size of the input/output buffer
 */
struct npu_model_info {
	size_t size;
	uint32_t backend;
	uint32_t num_inputs;
	uint32_t num_outputs;
	uint32_t num_ops;
	uint32_t num_jobs;
	int64_t opset;
	uint64_t weights_bytes;
	uint64_t arena_bytes;
	uint64_t io_bytes;
};

/**
 * struct npu_model_op_info - one command-stream op of a model
 * @size: sizeof(struct npu_model_op_info); set by NPU_OPTS()
 * @opcode: enum npu_op_code
 * @activation: enum npu_activation fused into it
 * @job: index of the job (command stream) it is in; jobs run in order
 * @engines: bit i set when engine i of npu_device_query_engines() can
 *	execute the op (the driver picks the engine per job); 0 when the
 *	backend does not report engines
 * @node: name of the ONNX node it computes ("" when the node has none;
 *	valid while the model is)
 * @onnx_ops: ONNX op types it implements, '+'-joined in the order they
 *	were fused, e.g. "Conv+BatchNormalization+Relu" (valid while the
 *	model is)
 */
struct npu_model_op_info {
	size_t size;
	uint32_t opcode;
	uint32_t activation;
	uint32_t job;
	uint32_t engines;
	const char *node;
	const char *onnx_ops;
};

/**
 * npu_model_open() - load an ONNX model and compile it for a device
 * @path: the .onnx file
 * @opts: options, or NULL for the defaults (the first npu device on the
 *	accel backend, the model's input shapes)
 *
 * Parses the model, infers every shape for the input shapes, folds
 * constants and BatchNormalization, fuses activations, lowers the graph to
 * command streams, uploads the weights once and allocates the activation
 * arena and the input/output buffer on the device. The streams are checked
 * with the validator the kernel runs. Nothing falls back silently: an
 * operator, attribute or data type the loader does not implement fails the
 * open with a message in @opts->errbuf.
 *
 * Return: the model, or NULL with errno set: EOPNOTSUPP (unsupported
 * operator, attribute, data type or backend), EINVAL (malformed model, bad
 * @opts or input shapes, a stream the validator rejects), E2BIG (a tensor
 * or buffer above the device's limits), ENOENT, EACCES (the file or the
 * device), ENODEV (no npu device), ENOMEM, or another errno of the device.
 */
NPU_API struct npu_model *npu_model_open(const char *path,
					 const struct npu_model_opts *opts);

/**
 * npu_model_open_mem() - npu_model_open() from a model in memory
 * @data: the serialized ONNX ModelProto; not referenced after the call
 * @size: bytes at @data
 * @opts: as for npu_model_open()
 *
 * Return: as npu_model_open().
 */
NPU_API struct npu_model *npu_model_open_mem(const void *data, size_t size,
					     const struct npu_model_opts *opts);

/**
 * npu_model_close() - free a model, its jobs and buffers
 * @model: model, or NULL
 *
 * Drops the model's device reference. Do not call it while a
 * npu_model_run() on @model is in progress.
 */
NPU_API void npu_model_close(struct npu_model *model);

/**
 * npu_model_num_inputs() - number of graph inputs of a model
 * @model: model
 *
 * Return: the count, or -EINVAL.
 */
NPU_API int npu_model_num_inputs(const struct npu_model *model);

/**
 * npu_model_num_outputs() - number of graph outputs of a model
 * @model: model
 *
 * Return: the count, or -EINVAL.
 */
NPU_API int npu_model_num_outputs(const struct npu_model *model);

/**
 * npu_model_input() - describe a graph input
 * @model: model
 * @index: 0 .. npu_model_num_inputs() - 1, in the model's order
 * @out: receives the description; its size field must be set (NPU_OPTS())
 *
 * Return: 0, or -EINVAL (bad argument, @index out of range).
 */
NPU_API int npu_model_input(const struct npu_model *model, unsigned int index,
			    struct npu_model_tensor *out);

/**
 * npu_model_output() - describe a graph output
 * @model: model
 * @index: 0 .. npu_model_num_outputs() - 1, in the model's order
 * @out: receives the description; its size field must be set (NPU_OPTS())
 *
 * Return: 0, or -EINVAL.
 */
NPU_API int npu_model_output(const struct npu_model *model, unsigned int index,
			     struct npu_model_tensor *out);

/**
 * npu_model_run() - run a model once and wait for it
 * @model: model
 * @inputs: per graph input, the dense data to copy in (npu_model_input()
 *	gives each one's bytes), or NULL to use what the data address of that
 *	input already holds; @inputs itself may be NULL for all of them
 * @outputs: per graph output, where to copy the result, or NULL to leave
 *	it at the output's data address; @outputs may be NULL
 *
 * Submits the model's jobs in order (each waits for the previous one) and
 * waits for all of them. Runs of one model are serialized.
 *
 * Return: 0, or -EINVAL, or the first error of a submit or wait (see
 * npu_job_submit() and npu_device_wait()); npu_model_last_error() then
 * says which job failed.
 */
NPU_API int npu_model_run(struct npu_model *model, const void *const *inputs,
			  void *const *outputs);

/**
 * npu_model_backend() - backend of the device that runs a model
 * @model: model
 *
 * Return: an enum npu_backend value, or -EINVAL.
 */
NPU_API int npu_model_backend(const struct npu_model *model);

/**
 * npu_model_get_info() - describe what a model was compiled to
 * @model: model
 * @info: receives the description; its size field must be set (NPU_OPTS())
 *
 * Return: 0, or -EINVAL.
 */
NPU_API int npu_model_get_info(const struct npu_model *model,
			       struct npu_model_info *info);

/**
 * npu_model_op_count() - number of command-stream ops of a model
 * @model: model
 *
 * Return: the count, or -EINVAL.
 */
NPU_API int npu_model_op_count(const struct npu_model *model);

/**
 * npu_model_get_op() - describe one command-stream op of a model
 * @model: model
 * @index: 0 .. npu_model_op_count() - 1, in execution order
 * @info: receives the description; its size field must be set (NPU_OPTS())
 *
 * Return: 0, or -EINVAL.
 */
NPU_API int npu_model_get_op(const struct npu_model *model, unsigned int index,
			     struct npu_model_op_info *info);

/**
 * npu_model_last_error() - message of the last failed call on a model
 * @model: model
 *
 * Return: a NUL-terminated message ("" when no call failed), valid until
 * the next call on @model; or "" when @model is NULL.
 */
NPU_API const char *npu_model_last_error(const struct npu_model *model);

/* ------------------------------------------------------------------ */
/* Queues: asynchronous submission on io_uring (LIBNPU_1.2)            */
/* ------------------------------------------------------------------ */

/** NPU_QUEUE_MAX_DEPTH - most operations a queue holds at once */
#define NPU_QUEUE_MAX_DEPTH		4096U

/**
 * NPU_QUEUE_NO_DEFER_TASKRUN - do not set up the ring with
 * IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER (which libnpu
 * asks for by default, and leaves out on a kernel that refuses them). With
 * them, only the thread that created the queue may flush and poll it, and
 * completions are posted only inside npu_queue_poll().
 */
#define NPU_QUEUE_NO_DEFER_TASKRUN	(1U << 0)
/**
 * NPU_QUEUE_NO_INLINE - submit single jobs as DRM_NPU_URING_CMD_SUBMIT
 * with a count of 1 instead of DRM_NPU_URING_CMD_SUBMIT_INLINE
 */
#define NPU_QUEUE_NO_INLINE		(1U << 1)
/** NPU_QUEUE_FLAGS - every flag npu_queue_create() accepts */
#define NPU_QUEUE_FLAGS		(NPU_QUEUE_NO_DEFER_TASKRUN | NPU_QUEUE_NO_INLINE)

/** NPU_QUEUE_SEND_LINK - npu_queue_send(): start after the op queued last */
#define NPU_QUEUE_SEND_LINK		(1U << 0)

/**
 * typedef npu_queue_cb - completion callback of a queued operation
 * @q: the queue
 * @result: submits and waits: 0, or the negative errno the operation
 *	failed with (a refused submit's error, or a job's: -ETIMEDOUT,
 *	-ECANCELED, ...); sends: the bytes sent, or a negative errno
 *	(-ECANCELED when the job it was linked after failed)
 * @seqno: submits: the sequence number of the last job the kernel
 *	accepted (usable with npu_device_wait()), else 0
 * @user: the pointer given with the operation
 *
 * Runs inside npu_queue_poll() (or npu_queue_destroy()), on its thread.
 * It may queue new operations and flush, but not poll or destroy the
 * queue.
 */
typedef void (*npu_queue_cb)(struct npu_queue *q, int result, uint64_t seqno,
			     void *user);

/**
 * npu_queue_create() - create an asynchronous queue on a device
 * @dev: device (the queue takes a reference)
 * @depth: most operations queued or in flight at once, 1 ..
 *	NPU_QUEUE_MAX_DEPTH
 * @flags: NPU_QUEUE_* flags, or 0
 *
 * Accel backend: sets up an io_uring (SQE128, CQE32, and by default
 * DEFER_TASKRUN | SINGLE_ISSUER) whose operations are npu uring_cmds on
 * npu_device_fd() and sends. Host backend: an in-process emulation with the
 * same calls and callbacks, where npu_queue_flush() runs what is queued.
 * A queue is used by one thread at a time (by default, the creating one).
 *
 * Return: the queue, or NULL with errno set: EINVAL (@dev NULL, @depth 0,
 * unknown @flags), E2BIG (@depth above NPU_QUEUE_MAX_DEPTH), EOPNOTSUPP
 * (the driver or the kernel has no io_uring submission), ENOMEM, or the
 * errno of io_uring_setup() (EPERM when io_uring is disabled).
 */
NPU_API struct npu_queue *npu_queue_create(struct npu_device *dev,
					   unsigned int depth, uint32_t flags);

/**
 * npu_queue_destroy() - flush, finish and free a queue
 * @q: queue, or NULL
 *
 * Submits what is queued, waits for every outstanding operation and runs
 * its callback, then frees the queue. Do not call it from a callback.
 */
NPU_API void npu_queue_destroy(struct npu_queue *q);

/**
 * npu_queue_fd() - file descriptor for an event loop
 * @q: queue
 *
 * An eventfd owned by @q (do not close it) that becomes readable when
 * completions may be ready: add it to epoll or poll() with EPOLLIN, and
 * call npu_queue_poll(@q, 0, 0) when it is. npu_queue_poll() clears it and
 * reaps the completions; reading the fd yourself is not needed. A wake-up
 * may be spurious (the poll then returns 0). The first
 * call registers it with the ring (IORING_REGISTER_EVENTFD), from the
 * queue's thread.
 *
 * Return: the fd, or -EINVAL, or the errno of io_uring_register().
 */
NPU_API int npu_queue_fd(struct npu_queue *q);

/**
 * npu_queue_ring_flags() - IORING_SETUP_* flags of a queue's ring
 * @q: queue
 *
 * Return: the flags in effect (0 for the host backend's emulation), or
 * -EINVAL.
 */
NPU_API int npu_queue_ring_flags(const struct npu_queue *q);

/**
 * npu_queue_pending() - operations of a queue whose callback has not run
 * @q: queue
 *
 * Return: operations queued, in flight or completed but not yet reaped,
 * 0 .. depth; or -EINVAL.
 */
NPU_API int npu_queue_pending(const struct npu_queue *q);

/**
 * npu_queue_submit() - queue a job
 * @q: queue
 * @job: job built on @q's device; its command stream, BOs, in fences and
 *	priority are taken now (the job may be changed, submitted again or
 *	freed at once); the job's out syncobj is not updated
 * @cb: called once the job has finished, or NULL
 * @user: passed to @cb
 *
 * The job goes to the kernel at the next npu_queue_flush() or
 * npu_queue_poll(). Errors of the job itself (an invalid stream, a missing
 * BO) come through @cb.
 *
 * Return: 0, or -EINVAL (NULL argument), -EXDEV (@job belongs to another
 * device), -EBUSY (@q holds depth operations: poll first), -ENOMEM.
 */
NPU_API int npu_queue_submit(struct npu_queue *q, struct npu_job *job,
			     npu_queue_cb cb, void *user);

/**
 * npu_queue_submit_batch() - queue jobs as one operation
 * @q: queue
 * @jobs: @n jobs, taken as npu_queue_submit() takes one
 * @n: 1 .. DRM_NPU_URING_MAX_BATCH
 * @cb: called once, when every job has finished, or NULL
 * @user: passed to @cb
 *
 * One DRM_NPU_URING_CMD_SUBMIT: the jobs are submitted in order; the
 * callback gets the first error (a refused submit stops the batch; the
 * jobs before it still run) and the last accepted job's sequence number.
 *
 * Return: 0, or -EINVAL (NULL argument or job, @n 0), -E2BIG (@n above
 * DRM_NPU_URING_MAX_BATCH), -EXDEV, -EBUSY, -ENOMEM.
 */
NPU_API int npu_queue_submit_batch(struct npu_queue *q,
				   struct npu_job *const *jobs, unsigned int n,
				   npu_queue_cb cb, void *user);

/**
 * npu_queue_wait_bo() - queue a wait for every job that uses a BO
 * @q: queue
 * @bo: buffer object of @q's device
 * @timeout_ns: relative timeout, > 0, or NPU_TIMEOUT_INFINITE
 * @cb: called with 0 when the jobs submitted before the wait starts have
 *	finished, or their error, or -ETIME; or NULL
 * @user: passed to @cb
 *
 * The kernel may start the wait before a submit queued ahead of it (see
 * Documentation/libnpu.rst, "Order"): queue it from that submit's callback
 * when it must cover it.
 *
 * Return: 0, or -EINVAL, -EXDEV, -EBUSY, -ENOMEM.
 */
NPU_API int npu_queue_wait_bo(struct npu_queue *q, struct npu_bo *bo,
			      int64_t timeout_ns, npu_queue_cb cb, void *user);

/**
 * npu_queue_send() - queue a send of BO bytes on a socket
 * @q: queue
 * @bo: buffer object of @q's device (mapped by this call if it is not)
 * @offset: first byte
 * @len: bytes, 1 .. INT32_MAX, within the BO
 * @sockfd: connected stream socket
 * @flags: NPU_QUEUE_SEND_LINK: start only when the operation queued just
 *	before (a submit, or a send so linked) has finished successfully,
 *	and fail with -ECANCELED if it failed; it must not be flushed yet
 * @cb: called with the bytes sent or a negative errno, or NULL
 * @user: passed to @cb
 *
 * Accel backend: IORING_OP_SEND_ZC from the BO's mapping (zero-copy), with
 * MSG_WAITALL: @cb runs once both the result and the notification that
 * the kernel no longer uses the pages have arrived. Host backend: plain
 * send() calls at flush time.
 *
 * Return: 0, or -EINVAL (NULL @q or @bo, @len 0, bad @flags, @sockfd < 0,
 * NPU_QUEUE_SEND_LINK with nothing to link to), -ERANGE (outside the BO),
 * -E2BIG (@len), -EXDEV, -EBUSY, -ENOMEM, or the errno of npu_bo_map().
 */
NPU_API int npu_queue_send(struct npu_queue *q, struct npu_bo *bo,
			   uint64_t offset, uint64_t len, int sockfd,
			   uint32_t flags, npu_queue_cb cb, void *user);

/**
 * npu_queue_flush() - hand the queued operations to the kernel
 * @q: queue
 *
 * Accel: one io_uring_enter(). Host backend: runs the queued operations
 * in order in this thread, jobs on the device's threads, and waits for
 * them (their callbacks run at the next npu_queue_poll()).
 *
 * Return: the number of operations handed over (0 when none was queued),
 * or -EINVAL, or the errno of io_uring_enter() (-EBUSY, -EAGAIN: poll and
 * flush again; what was not taken stays queued).
 */
NPU_API int npu_queue_flush(struct npu_queue *q);

/**
 * npu_queue_poll() - reap completions and run their callbacks
 * @q: queue
 * @min_complete: wait until this many operations have completed in this
 *	call (at most those pending; 0: do not wait)
 * @timeout_ns: relative timeout of that wait, >= 0, or
 *	NPU_TIMEOUT_INFINITE
 *
 * Flushes first, then reaps every completion there is.
 *
 * Return: the number of operations completed (callbacks run); -ETIME when
 * the timeout expired before any did while @min_complete > 0; -EINVAL
 * (NULL @q, negative @timeout_ns), -EBUSY (called from a callback), or the
 * errno of io_uring_enter().
 */
NPU_API int npu_queue_poll(struct npu_queue *q, unsigned int min_complete,
			   int64_t timeout_ns);

#ifdef __cplusplus
}
#endif

#endif /* NPU_NPU_H */

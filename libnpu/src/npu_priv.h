/* SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT) */
/*
 * libnpu internals, shared by the source files of the library and by the
 * host unit tests. Nothing here is exported.
 */
#ifndef NPU_PRIV_H
#define NPU_PRIV_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <npu/npu.h>

#define NPU_SYSFS_ACCEL	"/sys/class/accel"
#define NPU_DEV_ACCEL	"/dev/accel"
#define NPU_DRIVER_NAME	"npu"

/*
 * Bounds of the builder. The encoding stores counts in 16 bits; the BO
 * bitmaps of the validator are 64 bits wide.
 */
#define NPU_JOB_MAX_TENSORS	0xffffU
#define NPU_JOB_MAX_OPS		0xffffU

/**
 * struct npu_submit_args - one submit, as handed to a backend
 * @cmd: encoded command stream, 8-byte aligned
 * @cmd_size: bytes at @cmd
 * @bo_handles: handles of the job's BOs, in index order
 * @bo_count: entries at @bo_handles
 * @in_syncobjs: syncobjs to wait for
 * @in_syncobj_count: entries at @in_syncobjs
 * @out_syncobj: syncobj for the job's fence
 * @priority: enum drm_npu_priority
 */
struct npu_submit_args {
	const void *cmd;
	uint32_t cmd_size;
	const uint32_t *bo_handles;
	uint32_t bo_count;
	const uint32_t *in_syncobjs;
	uint32_t in_syncobj_count;
	uint32_t out_syncobj;
	uint32_t priority;
};

/**
 * struct npu_backend_ops - what a backend implements
 *
 * Every int-returning op returns 0 or a negative errno. The accel backend
 * (accel.c) maps them to ioctls, the host backend (host.c) runs jobs in
 * process; the host unit tests also plug in a fake.
 * @query: DRM_IOCTL_NPU_QUERY semantics; *size in: bytes at @data, out:
 *	full size of the answer
 * @bo_create: allocate; returns the handle
 * @bo_import: dma-buf fd to handle (an existing handle when the buffer
 *	already has one on this device)
 * @bo_size: real size of a handle's BO
 * @bo_export: handle to a new dma-buf fd (returns the fd)
 * @bo_close: release a handle
 * @bo_map: map a whole BO read-write
 * @bo_unmap: undo @bo_map
 * @bo_wait: DRM_IOCTL_NPU_WAIT with DRM_NPU_WAIT_BO
 * @submit: queue a job; returns its seqno
 * @wait: DRM_IOCTL_NPU_WAIT for a seqno
 * @syncobj_create: new syncobj handle
 * @syncobj_destroy: release a syncobj handle
 * @destroy: release the backend state (close the fd)
 */
struct npu_backend_ops {
	int (*query)(struct npu_device *dev, uint32_t id, void *data,
		     uint32_t *size);
	int (*bo_create)(struct npu_device *dev, uint64_t size, uint32_t flags,
			 uint32_t *handle);
	int (*bo_import)(struct npu_device *dev, int fd, uint32_t *handle);
	int (*bo_size)(struct npu_device *dev, uint32_t handle, uint64_t *size);
	int (*bo_export)(struct npu_device *dev, uint32_t handle);
	void (*bo_close)(struct npu_device *dev, uint32_t handle);
	int (*bo_map)(struct npu_device *dev, uint32_t handle, uint64_t size,
		      void **addr);
	void (*bo_unmap)(struct npu_device *dev, void *addr, uint64_t size);
	int (*bo_wait)(struct npu_device *dev, uint32_t handle,
		       int64_t timeout_ns);
	int (*submit)(struct npu_device *dev,
		      const struct npu_submit_args *args, uint64_t *seqno);
	int (*wait)(struct npu_device *dev, uint64_t seqno, int64_t timeout_ns);
	int (*syncobj_create)(struct npu_device *dev, uint32_t *handle);
	void (*syncobj_destroy)(struct npu_device *dev, uint32_t handle);
	void (*destroy)(struct npu_device *dev);
};

/**
 * struct npu_device - an open device
 * @ops: backend
 * @backend: enum npu_backend
 * @fd: device file (accel backend), else -1
 * @priv: backend data
 * @path: node path
 * @version: answer of DRM_NPU_QUERY_VERSION at open
 * @limits: answer of DRM_NPU_QUERY_LIMITS at open
 * @refs: references: the opener's, one per BO and one per job
 * @lock: protects @bos and each BO's refs and map
 * @bos: every live BO of the device (to find a re-imported handle)
 */
struct npu_device {
	const struct npu_backend_ops *ops;
	uint32_t backend;
	int fd;
	void *priv;
	char path[NPU_PATH_MAX];
	struct drm_npu_query_version version;
	struct drm_npu_query_limits limits;
	unsigned int refs;	/* atomic */
	pthread_mutex_t lock;
	struct npu_bo *bos;	/* protected by lock */
};

/**
 * struct npu_bo - a buffer object
 * @dev: owning device (holds a reference)
 * @next: next BO of the device, protected by dev->lock
 * @refs: references, protected by dev->lock
 * @handle: GEM handle
 * @size: real size in bytes
 * @map: CPU mapping or NULL, protected by dev->lock
 */
struct npu_bo {
	struct npu_device *dev;
	struct npu_bo *next;
	unsigned int refs;
	uint32_t handle;
	uint64_t size;
	void *map;
};

/**
 * struct npu_job - a command stream under construction
 * @dev: device (holds a reference)
 * @bos: BOs in index order (holds a reference on each)
 * @tensors: tensor table
 * @ops: op list
 * @in_fences: syncobjs to wait for
 * @priority: enum drm_npu_priority
 * @out_syncobj: syncobj handle, 0 until created
 * @seqno: sequence number of the latest submit
 * @submitted: @seqno is valid
 */
struct npu_job {
	struct npu_device *dev;
	struct npu_bo **bos;
	uint32_t nbos, bos_cap;
	struct npu_cmd_tensor *tensors;
	uint32_t ntensors, tensors_cap;
	struct npu_cmd_op *ops;
	uint32_t nops, ops_cap;
	uint32_t *in_fences;
	uint32_t nin_fences, in_fences_cap;
	uint32_t priority;
	uint32_t out_syncobj;
	uint64_t seqno;
	bool submitted;
};

/* util.c */
bool npu__debug(void);
void npu__log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define npu_dbg(...) do { if (npu__debug()) npu__log(__VA_ARGS__); } while (0)
int npu__err(int err);
void *npu__err_ptr(int err);
int npu__opts_check(const void *opts, size_t user_size, size_t known_size,
		    size_t min_size);
int npu__grow(void **arr, uint32_t *cap, uint32_t need, size_t elem);

/* device.c */
int npu__enum_devices(const char *sysfs_dir, const char *dev_dir,
		      unsigned int index, char *buf, size_t len);
struct npu_device *npu__device_new(const struct npu_backend_ops *ops,
				   uint32_t backend, int fd, const char *path,
				   void *priv);
int npu__device_init(struct npu_device *dev);
void npu__device_get(struct npu_device *dev);
void npu__device_put(struct npu_device *dev);

/* accel.c */
extern const struct npu_backend_ops npu__accel_ops;

/* host.c */
#define NPU_HOST_MAX_THREADS		256U
#define NPU_HOST_MIN_TIMEOUT_MS		10U	/* the npu module's range */
#define NPU_HOST_MAX_TIMEOUT_MS		600000U
#define NPU_HOST_DEFAULT_TIMEOUT_MS	5000U	/* and its default */
int npu__host_open(unsigned int threads, unsigned int job_timeout_ms,
		   struct npu_device **out);
/* test hooks of the host backend, for tests/unit */
enum {
	NPU_HOST_JOB_QUEUED = 0,
	NPU_HOST_JOB_RUNNING = 1,
	NPU_HOST_JOB_DONE = 2,
};
int npu__host_inject_hang(struct npu_device *dev, unsigned int jobs);
typedef void (*npu_host_done_fn)(void *arg, uint64_t seqno, int error);
int npu__host_set_done_hook(struct npu_device *dev, npu_host_done_fn fn,
			    void *arg);
int npu__host_job_state(struct npu_device *dev, uint64_t seqno,
			uint64_t *order);
unsigned int npu__host_threads(const struct npu_device *dev);

/* bo.c */
void npu__bo_get(struct npu_bo *bo);

/* job.c */
int npu__job_encode(const struct npu_job *job, void **cmd, uint32_t *size);

/* uring.c: a raw-syscall io_uring ring, used by one thread at a time */
#include <linux/io_uring.h>

/**
 * struct npu_ring - an io_uring instance and its mappings
 * @fd: ring fd, -1 when not set up
 * @flags: IORING_SETUP_* flags in effect
 * @features: IORING_FEAT_* of the kernel
 * @sq_entries: SQ size
 * @cq_entries: CQ size
 * @sqe_size: 64, or 128 with IORING_SETUP_SQE128
 * @cqe_shift: log2 of the CQE size (4, or 5 with IORING_SETUP_CQE32)
 * @sq_local_tail: SQEs handed out (the kernel sees them once published)
 * @sq_published: the SQ tail the kernel was last given
 *
 * The rest are the mappings and the pointers into them.
 */
struct npu_ring {
	int fd;
	unsigned int flags, features;
	unsigned int sq_entries, cq_entries;
	unsigned int sqe_size, cqe_shift;
	unsigned int sq_mask, cq_mask;
	unsigned int sq_local_tail, sq_published;
	void *sq_ptr, *cq_ptr, *sqes, *cqes;
	size_t sq_len, cq_len, sqes_len;
	_Atomic unsigned int *sq_head, *sq_tail, *cq_head, *cq_tail;
	unsigned int *sq_array;
};

/* a CQE as npu__ring_peek() copies it out; @big0 is 0 on 16-byte CQEs */
struct npu_ring_cqe {
	uint64_t user_data;
	int32_t res;
	uint32_t flags;
	uint64_t big0;
};

int npu__ring_init(struct npu_ring *r, unsigned int entries, unsigned int want,
		   const unsigned int *optional);
void npu__ring_exit(struct npu_ring *r);
int npu__ring_register(struct npu_ring *r, unsigned int op, const void *arg,
		       unsigned int nr);
struct io_uring_sqe *npu__ring_sqe(struct npu_ring *r);
struct io_uring_sqe *npu__ring_last_sqe(struct npu_ring *r);
unsigned int npu__ring_unsubmitted(const struct npu_ring *r);
int npu__ring_enter(struct npu_ring *r, bool getevents,
		    unsigned int min_complete, int64_t timeout_ns);
int npu__ring_peek(struct npu_ring *r, struct npu_ring_cqe *out);

/* queue.c: test hook, a queue on a ring even on the host backend */
#define NPU_QUEUE_TEST_RING	(1U << 31)

#endif /* NPU_PRIV_H */

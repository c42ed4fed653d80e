/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (C) 2026 The npu authors */

#ifndef NPU_DRV_H
#define NPU_DRV_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/sizes.h>
#include <linux/dma-fence.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/gpu_scheduler.h>

#include "npu_accel.h"
#include "../firmware/npu_fw.h"
#include "../firmware/npu_fw_kern.h"

#define NPU_DRIVER_NAME		"npu"
#define NPU_DRIVER_DESC		"Edge inference accelerator (CPU engine)"

/* Limits reported by DRM_NPU_QUERY_LIMITS and enforced at submit. */
#define NPU_MAX_CMD_SIZE	SZ_1M
#define NPU_MAX_TENSORS		1024U
#define NPU_MAX_OPS		1024U
#define NPU_MAX_BOS		NPU_FW_MAX_BOS
#define NPU_MAX_IN_SYNCOBJS	64U
#define NPU_MAX_TENSOR_ELEMS	BIT(28)
/* Submitted jobs of one file that DRM_IOCTL_NPU_WAIT can still find. */
#define NPU_WAIT_WINDOW		1024U

enum npu_engine_id {
	NPU_ENGINE_CPU = 0,
	NPU_ENGINE_COUNT,
};

struct dma_buf_attachment;
struct npu_device;
struct npu_job;
struct sg_table;

/**
 * struct npu_engine_ops - what an engine implements
 * @run: start executing @job; signal @job->hw_fence when done (any context)
 * @abort: a timeout fired for @job: make it finish with -ETIMEDOUT and
 *	return once the engine no longer touches it (may sleep)
 */
struct npu_engine_ops {
	void (*run)(struct npu_job *job);
	void (*abort)(struct npu_job *job);
};

/**
 * struct npu_cpu_helper - one helper thread's work item of the CPU engine
 * @work: queued on npu_cpu_par.wq for one op
 * @engine: the engine it helps
 * @scratch: its npu_fw_run() scratch buffer (NPU_FW_SCRATCH_MAX bytes)
 */
struct npu_cpu_helper {
	struct work_struct work;
	struct npu_engine *engine;
	void *scratch;
};

/**
 * struct npu_cpu_par - the CPU engine's state for spreading one op's work
 * units over several kernel threads (the engine runs one job at a time, so
 * one instance per engine suffices)
 * @wq: where helpers run (unbound, normal priority)
 * @helpers: @nhelpers work items, allocated at engine init
 * @nhelpers: threads besides the job's own (cpu_threads - 1)
 * @job: job of the op being spread; set before helpers are queued
 * @op: index of that op
 * @units: its unit count
 * @next: next unit to claim (may run past @units)
 * @active: helpers not yet finished with @op
 * @done: completed by the last helper to finish
 * @spread_ops: ops that helpers took part in (debugfs)
 * @kern: the vector kernels jobs use (npu_kern_select(), chosen at init)
 * @scratch: the job thread's npu_fw_run() scratch (NPU_FW_SCRATCH_MAX)
 */
struct npu_cpu_par {
	struct workqueue_struct *wq;
	struct npu_cpu_helper *helpers;
	unsigned int nhelpers;
	struct npu_job *job;
	u32 op;
	u32 units;
	atomic_t next;
	atomic_t active;
	struct completion done;
	atomic64_t spread_ops;
	const struct npu_kern_ops *kern;
	void *scratch;
};

/**
 * struct npu_engine - one execution engine with its own drm_sched
 * @ndev: owning device
 * @id: enum npu_engine_id
 * @name: short name ("cpu"), used in debugfs and fdinfo
 * @kind: enum drm_npu_engine_kind
 * @ops: engine operations
 * @sched: the scheduler feeding this engine
 * @fence_context: dma-fence context of the hardware fences
 * @fence_seqno: last hardware fence seqno; only run_job (serialised by the
 *	scheduler's ordered submit workqueue) touches it
 * @fence_lock: protects the hardware fences' signalling
 * @wq: where engine work runs (CPU engine: the executing kernel threads)
 * @jobs_done: completed jobs
 * @jobs_failed: jobs that completed with an error
 * @busy_ns: time spent executing jobs
 * @timeouts: jobs that timed out
 * @queued: jobs pushed to this engine's entities and not yet freed
 * @entity_fini_lock: serialises npu_sched_file_close(), which pauses the
 *	scheduler's submit work while it tears down a file's entities
 * @par: CPU engine: multithreaded execution of one op
 */
struct npu_engine {
	struct npu_device *ndev;
	enum npu_engine_id id;
	const char *name;
	u32 kind;
	const struct npu_engine_ops *ops;
	struct drm_gpu_scheduler sched;
	u64 fence_context;
	u64 fence_seqno;
	spinlock_t fence_lock; /* signals this engine's hardware fences */
	struct workqueue_struct *wq;
	atomic64_t jobs_done;
	atomic64_t jobs_failed;
	atomic64_t busy_ns;
	atomic64_t timeouts;
	atomic_t queued;
	struct mutex entity_fini_lock; /* serialises npu_sched_file_close() */
	struct npu_cpu_par par;
};

/**
 * struct npu_device - one npu accel device
 * @drm: DRM device
 * @engines: execution engines
 * @bos_lock: protects @bos
 * @bos: every live BO of this device (for debugfs)
 * @files_lock: protects @files
 * @files: every open npu_file (for debugfs)
 * @fault_hang: debugfs fault injection: number of next jobs to hang
 *	until their timeout fires
 * @fault_run_delay_ms: debugfs fault injection: the next job to reach
 *	run_job() sleeps this long there first (0: none; taken by one job)
 * @fault_start_delay_ms: debugfs fault injection: the next job to reach
 *	run_job() sleeps this long after its hardware fence is set up and
 *	before the engine takes it (0: none; taken by one job)
 * @uring_fence_context: dma-fence context of the fence arrays that
 *	complete batched io_uring submits
 * @uring_fence_seqno: last seqno used on @uring_fence_context
 * @uring_pending: io_uring commands issued and not yet completed (debugfs)
 * @uring_cmds: io_uring commands issued since load (debugfs)
 */
struct npu_device {
	struct drm_device drm;
	struct npu_engine engines[NPU_ENGINE_COUNT];
	struct mutex bos_lock; /* protects bos */
	struct list_head bos;
	struct mutex files_lock; /* protects files */
	struct list_head files;
	atomic_t fault_hang;
	atomic_t fault_run_delay_ms;
	atomic_t fault_start_delay_ms;
	u64 uring_fence_context;
	atomic64_t uring_fence_seqno;
	atomic_t uring_pending;
	atomic64_t uring_cmds;
};

/**
 * struct npu_file - per-open-file state
 * @ndev: device
 * @refcount: held by the DRM file and by each job in flight
 * @entities: one scheduler entity per priority
 * @submit_lock: serialises job arm/push (entity order) and seqno allocation
 * @last_seqno: last seqno handed out; written under @submit_lock with
 *	smp_store_release() after its fence is in @fences, so a lock-free
 *	reader (smp_load_acquire()) that sees a seqno also finds its fence
 * @fences: seqno -> finished fence of the last NPU_WAIT_WINDOW jobs;
 *	writers hold @submit_lock, readers use the xarray's RCU lookup
 * @engine_ns: busy time per engine, for fdinfo
 * @link: entry in npu_device.files
 * @pid: opener, for debugfs
 * @client_id: DRM client id, for debugfs
 */
struct npu_file {
	struct npu_device *ndev;
	struct kref refcount;
	struct drm_sched_entity entities[DRM_NPU_PRIO_COUNT];
	struct mutex submit_lock; /* entity order, last_seqno, fences writes */
	u64 last_seqno;
	struct xarray fences;
	atomic64_t engine_ns[NPU_ENGINE_COUNT];
	struct list_head link;
	pid_t pid;
	u64 client_id;
};

/**
 * struct npu_bo - a shmem-backed buffer object
 * @base: shmem GEM object
 * @link: entry in npu_device.bos, protected by npu_device.bos_lock
 * @owner_pid: pid of the creator (0 for imports)
 * @kmap: the BO's kernel mapping, taken by the first job that uses the BO
 *	and kept until the BO is freed (jobs, including non-blocking io_uring
 *	submits, then only read it); written under the BO's reservation lock
 * @kmapped: @kmap is valid; set with smp_store_release() after @kmap is
 *	written, read with smp_load_acquire()
 */
struct npu_bo {
	struct drm_gem_shmem_object base;
	struct list_head link;
	pid_t owner_pid;
	struct iosys_map kmap;
	bool kmapped;
};

/**
 * enum npu_job_run_state - what run_job() did with a job
 * @NPU_JOB_QUEUED: run_job() has not finished with it; @hw_fence may or may
 *	not be initialised yet, and the engine may or may not have the job
 * @NPU_JOB_SKIPPED: run_job() refused it (a dependency failed); @hw_fence
 *	stays uninitialised
 * @NPU_JOB_STARTED: handed to the engine (which may be done with it
 *	already); @hw_fence is initialised, the engine's abort may be called
 */
enum npu_job_run_state {
	NPU_JOB_QUEUED,
	NPU_JOB_SKIPPED,
	NPU_JOB_STARTED,
};

/**
 * struct npu_job - one submitted command stream
 * @base: scheduler job
 * @refcount: the scheduler's reference plus the executor's (and the
 *	submitter's, from the push until it unlocks the BOs)
 * @nfile: submitting file (reference held)
 * @engine: engine the job was queued on
 * @cmd: validated private copy of the command stream
 * @bo_count: entries in @bos and @bo_vaddr
 * @bos: referenced BOs (reference held; each keeps its kernel mapping,
 *	struct npu_bo.kmap, until it is freed)
 * @fw: what the executor reads: @cmd plus the BO addresses
 * @bo_vaddr: the BO addresses @fw points to
 * @bos_written: bit i set when the stream writes BO i
 * @hw_fence: engine fence, allocated at submit, initialised by run_job
 * @work: CPU engine execution
 * @release_work: frees the job on npu_release_wq (see npu_job_put())
 * @abort: set by the timeout handler, read by the executor
 * @hang: fault injection: spin until aborted
 * @run_state: enum npu_job_run_state; what run_job() did with the job.
 *	The scheduler lists a job on its pending list (seen by debugfs and the
 *	timeout handler) just before it calls run_job(), which initialises
 *	@hw_fence: read @hw_fence only after smp_load_acquire() of this
 *	returned NPU_JOB_STARTED. Set with smp_store_release(), then
 *	wake_up_var() (the timeout handler waits for it)
 * @start_ns: when execution began
 */
struct npu_job {
	struct drm_sched_job base;
	struct kref refcount;
	struct npu_file *nfile;
	struct npu_engine *engine;
	void *cmd;
	u32 bo_count;
	struct drm_gem_object **bos;
	struct npu_fw_job fw;
	void **bo_vaddr;
	u64 bos_written;
	struct dma_fence *hw_fence;
	struct work_struct work;
	struct work_struct release_work;
	atomic_t abort;
	bool hang;
	u8 run_state;
	u64 start_ns;
};

static inline struct npu_device *to_npu_device(struct drm_device *drm)
{
	return container_of(drm, struct npu_device, drm);
}

static inline struct npu_bo *to_npu_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct npu_bo, base.base);
}

static inline struct npu_job *to_npu_job(struct drm_sched_job *job)
{
	return container_of(job, struct npu_job, base);
}

extern unsigned int npu_job_timeout_ms;
extern unsigned int npu_cpu_threads;
extern unsigned int npu_kern_max_isa;
extern bool npu_kern_exact;

/* npu_gem.c */
struct drm_gem_object *npu_gem_create_object(struct drm_device *drm, size_t size);
struct drm_gem_object *npu_gem_prime_import_sg_table(struct drm_device *drm,
						     struct dma_buf_attachment *attach,
						     struct sg_table *sgt);
int npu_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file);
int npu_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file);
u64 npu_gem_max_size(void);

/* npu_cmd.c */
int npu_cmd_copy_validate(struct npu_device *ndev, u64 uptr, u32 size,
			  struct drm_gem_object **bos, u32 bo_count,
			  void **cmd_out, u64 *bos_written);
void npu_cmd_limits(struct npu_fw_limits *lim);

/* npu_job.c */
int npu_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file);
int npu_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file);
/* npu_job_submit() flags */
#define NPU_SUBMIT_NOWAIT	BIT(0)	/* never sleep on a lock: -EAGAIN instead */

int npu_job_submit(struct npu_file *nfile, struct drm_file *file,
		   const struct drm_npu_submit *args, u32 flags, u64 *seqno,
		   struct dma_fence **finished_out);
struct dma_fence *npu_job_seqno_fence(struct npu_file *nfile, u64 seqno);
void npu_bo_kunmap(struct npu_bo *bo);
void npu_job_put(struct npu_job *job);
void npu_job_done(struct npu_job *job, int error);

/* npu_uring.c */
struct io_uring_cmd;
int npu_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);
void npu_uring_init(struct npu_device *ndev);

/* npu_sched.c */
int npu_sched_init(struct npu_device *ndev);
int npu_sched_file_open(struct npu_file *nfile);
void npu_sched_file_close(struct npu_file *nfile);
struct dma_fence *npu_hw_fence_alloc(void);
void npu_hw_fence_free(struct dma_fence *fence);

/* npu_cpu.c */
extern const struct npu_engine_ops npu_cpu_engine_ops;
int npu_cpu_engine_init(struct npu_engine *engine);
void npu_cpu_engine_fini(struct npu_engine *engine);

/* npu_drv.c */
void npu_file_put(struct npu_file *nfile);
void npu_job_alive_get(void);
void npu_job_alive_put(void);
extern struct workqueue_struct *npu_release_wq;

/* npu_debugfs.c */
void npu_debugfs_init(struct npu_device *ndev);

#endif /* NPU_DRV_H */

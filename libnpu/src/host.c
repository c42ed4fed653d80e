// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: the host backend, which runs jobs in this process.
 *
 * DOC: host backend
 *
 * The host backend implements the backend interface of npu_priv.h with the
 * semantics of the npu kernel driver (Documentation/accel/npu.rst), so that
 * a program behaves the same on both backends, results included: it runs
 * the same validator (firmware/npu_fw_validate.c) on a private copy of each
 * command stream and the same interpreter (firmware/npu_fw_ops.c).
 *
 * Buffer objects are memfds (sealed against shrinking and growing) mapped
 * once, read-write and shared, for their whole life; npu_bo_map() returns
 * that mapping. Export duplicates the memfd, so the fd can be mmapped,
 * passed over a socket and imported elsewhere. Import maps any fd that
 * mmap() accepts read-write and shared (memfd, tmpfs or regular files,
 * dma-bufs whose exporter implements mmap); importing a buffer that already
 * has a handle here (same inode) returns that handle, as PRIME does.
 * Accesses to an imported dma-buf are bracketed with DMA_BUF_IOCTL_SYNC.
 *
 * Fences are reference-counted objects protected by the device lock;
 * waiters sleep on one condition variable that every completion
 * broadcasts. Syncobjs are a handle table of fence pointers, with the DRM
 * rules: a submit replaces the out syncobj's fence; an in-fence syncobj
 * must exist (-ENOENT) and hold a fence (-EINVAL). Each BO remembers its
 * last writer and the readers since, which gives the kernel's implicit
 * synchronisation: a reader waits for the last writer, a writer for
 * everyone. As in drm_sched, a failed dependency orders but does not
 * cancel the job that waits for it.
 *
 * Scheduling mirrors the kernel's: one FIFO per priority, one job at a
 * time, the highest priority whose oldest job has its dependencies
 * signalled first. The device's threads ("threads" option, default one per
 * online CPU) form one engine: thread 0 (the leader) picks a job and runs
 * it op by op; for each op it publishes the op's work units to the other
 * threads, takes units itself, and waits until all are done (a barrier),
 * so every thread works on one op of one job. Units of an op are
 * independent and write disjoint bytes, so results are bit-identical for
 * any thread count. Threads take units in chunks that grow while a chunk
 * takes less than a quarter of NPU_HOST_SLICE_NS and shrink when it takes
 * longer, so they check the job's deadline about every slice.
 *
 * Errors: a job that runs longer than job_timeout_ms is stopped at the next
 * chunk and fails with -ETIMEDOUT; later jobs run normally. When the device
 * goes away (its last reference is dropped), the running job finishes,
 * queued jobs are dropped with -ESRCH without running, and the threads are
 * joined; BOs shared with others keep what the finished jobs wrote.
 *
 * Locking: npu_host.lock protects the handle tables, queues, fences, the
 * wait window and the statistics; npu_host_pool.lock the op hand-over
 * between the leader and the helpers. They are never held together, and
 * libnpu's npu_device.lock, when held, is taken before npu_host.lock.
 * Executing threads touch only the job's BO mappings, which the job keeps
 * alive with its references.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/dma-buf.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "npu_priv.h"
#include "../../firmware/npu_fw.h"
#include "../../firmware/npu_fw_kern.h"

/*
 * The kernel driver's limits (kernel/npu_drv.h), so that a job valid on one
 * backend is valid on the other.
 */
#define NPU_HOST_MAX_CMD_SIZE		(1U << 20)
#define NPU_HOST_MAX_TENSORS		1024U
#define NPU_HOST_MAX_OPS		1024U
#define NPU_HOST_MAX_BOS		NPU_FW_MAX_BOS
#define NPU_HOST_MAX_IN_SYNCOBJS	64U
#define NPU_HOST_MAX_TENSOR_ELEMS	(1U << 28)
#define NPU_HOST_MAX_BO_SIZE		(1ULL << 30)
/* jobs whose outcome npu_device_wait() can still report, as the kernel */
#define NPU_HOST_WAIT_WINDOW		1024U
/* about how long a thread runs between two deadline checks */
#define NPU_HOST_SLICE_NS		200000LL
#define NPU_HOST_FORK_NS		50000LL
/* how often a hung job (fault injection) checks its deadline */
#define NPU_HOST_HANG_POLL_NS		1000000L

#define NPU_NSEC_PER_MSEC		1000000LL

/**
 * struct npu_host_fence - completion of one submitted job
 * @refs: references (window, syncobjs, BOs, dependent jobs, the job)
 * @started: the job left its queue and runs
 * @signalled: the job finished, was stopped or was dropped
 * @error: 0 or the job's negative errno, valid once @signalled
 * @order: completion number on the device (1, 2, ...), for the tests
 *
 * Every field is protected by npu_host.lock.
 */
struct npu_host_fence {
	unsigned int refs;
	bool started;
	bool signalled;
	int error;
	uint64_t order;
};

/**
 * struct npu_host_bo - a buffer object
 * @refs: references: the handle's and one per job that uses the BO
 * @fd: memfd, or a duplicate of the imported fd
 * @vaddr: shared read-write mapping of @size bytes
 * @size: bytes
 * @st_dev: device of @fd's inode (to recognise a re-import)
 * @st_ino: inode of @fd
 * @dmabuf: @fd is a dma-buf: bracket CPU access with DMA_BUF_IOCTL_SYNC
 * @write: fence of the last job that writes the BO, or NULL
 * @reads: fences of the jobs that read it since @write was added
 * @nreads: entries at @reads
 * @reads_cap: room at @reads
 *
 * @refs, @write and @reads are protected by npu_host.lock; the rest is
 * constant.
 */
struct npu_host_bo {
	unsigned int refs;
	int fd;
	void *vaddr;
	uint64_t size;
	dev_t st_dev;
	ino_t st_ino;
	bool dmabuf;
	struct npu_host_fence *write;
	struct npu_host_fence **reads;
	uint32_t nreads, reads_cap;
};

/**
 * struct npu_host_job - a submitted job
 * @next: next job of its queue
 * @cmd: private, validated copy of the command stream
 * @fw: @cmd bound to @vaddr, for the interpreter
 * @bos: the BOs, one reference each
 * @vaddr: their mappings, in submit order
 * @nbos: entries at @bos and @vaddr
 * @fence: the job's fence (one reference)
 * @deps: fences to wait for before running (one reference each)
 * @ndeps: entries at @deps
 * @deps_cap: room at @deps
 * @seqno: sequence number
 * @hang: fault injection: hold the engine until the timeout
 */
struct npu_host_job {
	struct npu_host_job *next;
	void *cmd;
	struct npu_fw_job fw;
	struct npu_host_bo **bos;
	void **vaddr;
	uint32_t nbos;
	struct npu_host_fence *fence;
	struct npu_host_fence **deps;
	uint32_t ndeps, deps_cap;
	uint64_t seqno;
	bool hang;
};

/**
 * struct npu_host_exec - the op the threads are running
 * @fw: the job
 * @scratch: the op needs npu_fw_run()'s scratch buffer
 * @op: op index
 * @units: work units of the op
 * @chunk_max: most units a thread takes at once
 * @deadline: CLOCK_MONOTONIC ns at which the job times out
 * @next: next unit to take (atomic)
 * @abort: the deadline passed: stop taking units (atomic)
 *
 * The leader writes @fw .. @deadline only while no helper runs.
 */
struct npu_host_exec {
	const struct npu_fw_job *fw;
	bool scratch;
	uint32_t op;
	uint32_t units;
	uint32_t chunk_max;
	int64_t deadline;
	uint64_t next;
	int abort;
};

/**
 * struct npu_host_pool - hand-over of ops from the leader to the helpers
 * @lock: protects @gen, @pending and @stop
 * @start: helpers wait here for a new @gen or @stop
 * @idle: the leader waits here for @pending to reach 0
 * @gen: number of ops published so far
 * @pending: helpers that have not finished op @gen
 * @stop: the helpers must exit
 */
struct npu_host_pool {
	pthread_mutex_t lock;
	pthread_cond_t start;
	pthread_cond_t idle;
	uint64_t gen;
	unsigned int pending;
	bool stop;
};

/**
 * struct npu_host_syncobj - a syncobj handle
 * @used: the handle exists
 * @fence: its fence, or NULL
 */
struct npu_host_syncobj {
	bool used;
	struct npu_host_fence *fence;
};

/**
 * struct npu_host_queue - the jobs of one priority, oldest first
 * @head: oldest job
 * @tail: where the next job is linked
 */
struct npu_host_queue {
	struct npu_host_job *head;
	struct npu_host_job **tail;
};

/**
 * struct npu_host - state of a host device
 * @lock: protects the fields up to @closing (see the DOC above)
 * @done: broadcast when a fence signals
 * @work: signalled when a job is queued or the device closes
 * @bos: BOs by handle - 1 (NULL: free handle)
 * @bos_cap: entries at @bos
 * @syncobjs: syncobjs by handle - 1
 * @syncobjs_cap: entries at @syncobjs
 * @queues: queued jobs per priority
 * @window: fences of the last NPU_HOST_WAIT_WINDOW jobs, by seqno
 * @last_seqno: seqno of the latest submit
 * @completed: fences signalled so far
 * @jobs_done: jobs that ran (successfully or not)
 * @busy_ns: time spent running jobs
 * @queued: submitted jobs not finished yet
 * @inject_hang: fault injection: that many next jobs hang
 * @done_hook: test hook called as each fence signals, or NULL
 * @done_arg: its argument
 * @closing: the device is going away
 * @limits: what DRM_NPU_QUERY_LIMITS reports
 * @nthreads: threads of the engine
 * @threads: their ids; [0] is the leader
 * @pool: op hand-over
 * @exec: the op being run
 * @kern: the vector kernels jobs use (npu_kern_select())
 * @scratch: the leader's npu_fw_run() scratch buffer (NPU_FW_SCRATCH_MAX)
 * @profile: NPU_HOST_PROFILE=1 when the device was opened: one stderr line
 *	per op with its wall time
 */
struct npu_host {
	pthread_mutex_t lock;
	pthread_cond_t done;
	pthread_cond_t work;
	struct npu_host_bo **bos;
	uint32_t bos_cap;
	struct npu_host_syncobj *syncobjs;
	uint32_t syncobjs_cap;
	struct npu_host_queue queues[DRM_NPU_PRIO_COUNT];
	struct npu_host_fence *window[NPU_HOST_WAIT_WINDOW];
	uint64_t last_seqno;
	uint64_t completed;
	uint64_t jobs_done;
	uint64_t busy_ns;
	uint32_t queued;
	unsigned int inject_hang;
	npu_host_done_fn done_hook;
	void *done_arg;
	bool closing;

	struct drm_npu_query_limits limits;
	unsigned int nthreads;
	pthread_t *threads;
	struct npu_host_pool pool;
	struct npu_host_exec exec;
	const struct npu_kern_ops *kern;
	void *scratch;
	bool profile;
};

/*
 * The vector kernels of this CPU, or those named by NPU_KERN_ISA (scalar,
 * avx2, avx512, avx512vnni: at most that level); NPU_KERN_EXACT=1 asks
 * for unfused multiply-adds (bit-identical at every level; see
 * Documentation/kernels.rst).
 */
static const struct npu_kern_ops *npu_host_kern_select(void)
{
	const char *isa = getenv("NPU_KERN_ISA"), *exact = getenv("NPU_KERN_EXACT");
	uint32_t max = NPU_KERN_ISA_COUNT, i;

	for (i = 0; isa && *isa && i < NPU_KERN_ISA_COUNT; i++)
		if (!strcmp(isa, npu_kern_isa_name(i)))
			max = i;
	if (isa && *isa && max == NPU_KERN_ISA_COUNT)
		npu_dbg("host: NPU_KERN_ISA=%s unknown, using the best level", isa);
	return npu_kern_select(max, exact && !strcmp(exact, "1") ? NPU_KERN_EXACT : 0);
}

static struct npu_host *npu_host_of(struct npu_device *dev)
{
	return dev->priv;
}

static int64_t npu_host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* now + @delta_ns, saturated */
static int64_t npu_host_deadline(int64_t delta_ns)
{
	int64_t now = npu_host_now_ns();

	return delta_ns > INT64_MAX - now ? INT64_MAX : now + delta_ns;
}

/* ------------------------------------------------------------------ */
/* Fences                                                              */

static struct npu_host_fence *npu_host_fence_get(struct npu_host_fence *f)
{
	if (f)
		f->refs++;
	return f;
}

static void npu_host_fence_put(struct npu_host_fence *f)
{
	if (f && !--f->refs)
		free(f);
}

/*
 * Wait, with host->lock held, until the @n fences at @f are signalled, at
 * most @timeout_ns; then return the first error among them. Returns -ETIME
 * on timeout.
 */
static int npu_host_wait_fences(struct npu_host *host,
				struct npu_host_fence *const *f, uint32_t n,
				int64_t timeout_ns)
{
	struct timespec ts = { 0 };
	int64_t deadline;
	uint32_t i;

	if (timeout_ns > 0 && timeout_ns != NPU_TIMEOUT_INFINITE) {
		deadline = npu_host_deadline(timeout_ns);
		ts.tv_sec = deadline / 1000000000;
		ts.tv_nsec = deadline % 1000000000;
	}
	for (i = 0; i < n; i++) {
		while (!f[i]->signalled) {
			if (timeout_ns == 0)
				return -ETIME;
			if (timeout_ns == NPU_TIMEOUT_INFINITE) {
				pthread_cond_wait(&host->done, &host->lock);
			} else if (pthread_cond_timedwait(&host->done, &host->lock,
							  &ts) == ETIMEDOUT &&
				   !f[i]->signalled) {
				return -ETIME;
			}
		}
	}
	for (i = 0; i < n; i++)
		if (f[i]->error)
			return f[i]->error;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */

/* DRM_IOCTL_NPU_QUERY's size rules */
static int npu_host_answer(const void *src, uint32_t len, void *data,
			   uint32_t *size)
{
	if (*size)
		memcpy(data, src, *size < len ? *size : len);
	*size = len;
	return 0;
}

static int npu_host_query(struct npu_device *dev, uint32_t id, void *data,
			  uint32_t *size)
{
	struct npu_host *host = npu_host_of(dev);

	switch (id) {
	case DRM_NPU_QUERY_VERSION: {
		struct drm_npu_query_version v = {
			.major = DRM_NPU_DRIVER_MAJOR,
			.minor = DRM_NPU_DRIVER_MINOR,
			.cmd_version = NPU_CMD_VERSION,
			.num_ops = NPU_OP_COUNT,
		};

		return npu_host_answer(&v, sizeof(v), data, size);
	}
	case DRM_NPU_QUERY_LIMITS:
		return npu_host_answer(&host->limits, sizeof(host->limits), data,
				       size);
	case DRM_NPU_QUERY_ENGINES: {
		struct {
			struct drm_npu_query_engines hdr;
			struct drm_npu_engine_info e;
		} a;
		uint32_t op;

		memset(&a, 0, sizeof(a));
		a.hdr.count = 1;
		a.hdr.entry_size = sizeof(a.e);
		snprintf(a.e.name, sizeof(a.e.name), "host");
		a.e.kind = DRM_NPU_ENGINE_CPU;
		a.e.flags = DRM_NPU_ENGINE_HEALTHY;
		for (op = 1; op < NPU_OP_COUNT && op < 64; op++)
			a.e.ops_mask |= 1ULL << op;
		pthread_mutex_lock(&host->lock);
		a.e.jobs_done = host->jobs_done;
		a.e.busy_ns = host->busy_ns;
		a.e.queued = host->queued;
		pthread_mutex_unlock(&host->lock);
		return npu_host_answer(&a, sizeof(a), data, size);
	}
	default:
		return -EINVAL;
	}
}

/* ------------------------------------------------------------------ */
/* Buffer objects                                                      */

static void npu_host_bo_put(struct npu_host_bo *bo)
{
	uint32_t i;

	if (--bo->refs)
		return;
	munmap(bo->vaddr, (size_t)bo->size);
	close(bo->fd);
	npu_host_fence_put(bo->write);
	for (i = 0; i < bo->nreads; i++)
		npu_host_fence_put(bo->reads[i]);
	free(bo->reads);
	free(bo);
}

static struct npu_host_bo *npu_host_bo_lookup(struct npu_host *host,
					      uint32_t handle)
{
	if (!handle || handle > host->bos_cap)
		return NULL;
	return host->bos[handle - 1];
}

/* Give @bo the lowest free handle; called with host->lock held. */
static int npu_host_bo_install(struct npu_host *host, struct npu_host_bo *bo,
			       uint32_t *handle)
{
	uint32_t i, cap = host->bos_cap;
	int ret;

	for (i = 0; i < cap && host->bos[i]; i++)
		;
	if (i == cap) {
		ret = npu__grow((void **)&host->bos, &host->bos_cap, cap + 1,
				sizeof(*host->bos));
		if (ret)
			return ret;
		memset(host->bos + cap, 0,
		       (host->bos_cap - cap) * sizeof(*host->bos));
	}
	host->bos[i] = bo;
	*handle = i + 1;
	return 0;
}

/* Wrap @fd (owned) mapped at @vaddr in a BO with a handle. */
static int npu_host_bo_new(struct npu_host *host, int fd, void *vaddr,
			   uint64_t size, const struct stat *st, bool dmabuf,
			   uint32_t *handle)
{
	struct npu_host_bo *bo = calloc(1, sizeof(*bo));
	int ret;

	if (!bo)
		return -ENOMEM;
	bo->refs = 1;
	bo->fd = fd;
	bo->vaddr = vaddr;
	bo->size = size;
	bo->st_dev = st->st_dev;
	bo->st_ino = st->st_ino;
	bo->dmabuf = dmabuf;
	pthread_mutex_lock(&host->lock);
	ret = npu_host_bo_install(host, bo, handle);
	pthread_mutex_unlock(&host->lock);
	if (ret)
		free(bo);
	return ret;
}

static int npu_host_bo_create(struct npu_device *dev, uint64_t size,
			      uint32_t flags, uint32_t *handle)
{
	struct npu_host *host = npu_host_of(dev);
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct stat st;
	void *vaddr;
	int fd, ret;

	if (flags || !size)
		return -EINVAL;
	if (size > host->limits.max_bo_size)
		return -E2BIG;
	size = (size + page - 1) & ~(page - 1);
	fd = memfd_create("npu-bo", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	/* sealed: an importer elsewhere can rely on the size */
	if (ftruncate(fd, (off_t)size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) ||
	    fstat(fd, &st)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	vaddr = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     fd, 0);
	if (vaddr == MAP_FAILED) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = npu_host_bo_new(host, fd, vaddr, size, &st, false, handle);
	if (ret) {
		munmap(vaddr, (size_t)size);
		close(fd);
	}
	return ret;
}

/* Size of an importable fd: a file's length, or a dma-buf's (llseek). */
static int npu_host_fd_size(int fd, const struct stat *st, uint64_t *size)
{
	off_t end;

	if (S_ISREG(st->st_mode)) {
		end = st->st_size;
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ||
		   S_ISDIR(st->st_mode) || S_ISFIFO(st->st_mode) ||
		   S_ISSOCK(st->st_mode)) {
		return -EINVAL;
	} else {
		/* anonymous inodes such as dma-bufs report their size here */
		end = lseek(fd, 0, SEEK_END);
		if (end < 0)
			return -EINVAL;
	}
	if (end <= 0 || (uint64_t)end > SIZE_MAX)
		return -EINVAL;
	*size = (uint64_t)end;
	return 0;
}

static int npu_host_bo_import(struct npu_device *dev, int fd,
			      uint32_t *handle)
{
	struct npu_host *host = npu_host_of(dev);
	struct npu_host_bo *bo;
	struct statfs sfs;
	struct stat st;
	uint64_t size;
	void *vaddr;
	uint32_t i;
	bool dmabuf;
	int nfd, ret;

	if (fstat(fd, &st))
		return -errno;
	/* PRIME: a buffer that has a handle here gets that handle back */
	pthread_mutex_lock(&host->lock);
	for (i = 0; i < host->bos_cap; i++) {
		bo = host->bos[i];
		if (bo && bo->st_ino == st.st_ino && bo->st_dev == st.st_dev) {
			pthread_mutex_unlock(&host->lock);
			*handle = i + 1;
			return 0;
		}
	}
	pthread_mutex_unlock(&host->lock);

	ret = npu_host_fd_size(fd, &st, &size);
	if (ret) {
		npu_dbg("host: fd %d is neither a regular or memory file nor a dma-buf of known size",
			fd);
		return ret;
	}
	dmabuf = !fstatfs(fd, &sfs) && sfs.f_type == DMA_BUF_MAGIC;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (nfd < 0)
		return -errno;
	vaddr = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     nfd, 0);
	if (vaddr == MAP_FAILED) {
		ret = -errno;
		npu_dbg("host: cannot map fd %d (%llu bytes) read-write and shared: %s",
			fd, (unsigned long long)size, strerror(-ret));
		close(nfd);
		return ret;
	}
	ret = npu_host_bo_new(host, nfd, vaddr, size, &st, dmabuf, handle);
	if (ret) {
		munmap(vaddr, (size_t)size);
		close(nfd);
	}
	return ret;
}

static int npu_host_bo_size(struct npu_device *dev, uint32_t handle,
			    uint64_t *size)
{
	struct npu_host *host = npu_host_of(dev);
	struct npu_host_bo *bo;
	int ret = 0;

	pthread_mutex_lock(&host->lock);
	bo = npu_host_bo_lookup(host, handle);
	if (bo)
		*size = bo->size;
	else
		ret = -ENOENT;
	pthread_mutex_unlock(&host->lock);
	return ret;
}

static int npu_host_bo_export(struct npu_device *dev, uint32_t handle)
{
	struct npu_host *host = npu_host_of(dev);
	struct npu_host_bo *bo;
	int fd;

	pthread_mutex_lock(&host->lock);
	bo = npu_host_bo_lookup(host, handle);
	/* like PRIME, a new fd of the same open file */
	fd = !bo ? -ENOENT : fcntl(bo->fd, F_DUPFD_CLOEXEC, 0);
	if (fd == -1)
		fd = -errno;
	pthread_mutex_unlock(&host->lock);
	return fd;
}

static void npu_host_bo_close(struct npu_device *dev, uint32_t handle)
{
	struct npu_host *host = npu_host_of(dev);
	struct npu_host_bo *bo;

	pthread_mutex_lock(&host->lock);
	bo = npu_host_bo_lookup(host, handle);
	if (bo) {
		host->bos[handle - 1] = NULL;
		npu_host_bo_put(bo);
	}
	pthread_mutex_unlock(&host->lock);
}

/* The BO's own mapping: it lives as long as the BO. */
static int npu_host_bo_map(struct npu_device *dev, uint32_t handle,
			   uint64_t size, void **addr)
{
	struct npu_host *host = npu_host_of(dev);
	struct npu_host_bo *bo;
	int ret = 0;

	pthread_mutex_lock(&host->lock);
	bo = npu_host_bo_lookup(host, handle);
	if (!bo)
		ret = -ENOENT;
	else if (size != bo->size)
		ret = -EINVAL;
	else
		*addr = bo->vaddr;
	pthread_mutex_unlock(&host->lock);
	return ret;
}

static void npu_host_bo_unmap(struct npu_device *dev, void *addr,
			      uint64_t size)
{
	(void)dev;
	(void)addr;
	(void)size;
}

static int npu_host_bo_wait(struct npu_device *dev, uint32_t handle,
			    int64_t timeout_ns)
{
	struct npu_host *host = npu_host_of(dev);
	struct npu_host_fence **f = NULL;
	struct npu_host_bo *bo;
	uint32_t n = 0, i;
	int ret;

	pthread_mutex_lock(&host->lock);
	bo = npu_host_bo_lookup(host, handle);
	if (!bo) {
		pthread_mutex_unlock(&host->lock);
		return -ENOENT;
	}
	f = malloc((bo->nreads + 1) * sizeof(*f));
	if (!f) {
		pthread_mutex_unlock(&host->lock);
		return -ENOMEM;
	}
	/* the BO may be closed while we sleep: hold its fences */
	if (bo->write)
		f[n++] = npu_host_fence_get(bo->write);
	for (i = 0; i < bo->nreads; i++)
		f[n++] = npu_host_fence_get(bo->reads[i]);
	ret = npu_host_wait_fences(host, f, n, timeout_ns);
	for (i = 0; i < n; i++)
		npu_host_fence_put(f[i]);
	pthread_mutex_unlock(&host->lock);
	free(f);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Syncobjs                                                            */

static struct npu_host_syncobj *npu_host_syncobj_lookup(struct npu_host *host,
							uint32_t handle)
{
	if (!handle || handle > host->syncobjs_cap ||
	    !host->syncobjs[handle - 1].used)
		return NULL;
	return &host->syncobjs[handle - 1];
}

static int npu_host_syncobj_create(struct npu_device *dev, uint32_t *handle)
{
	struct npu_host *host = npu_host_of(dev);
	uint32_t i, cap;
	int ret = 0;

	pthread_mutex_lock(&host->lock);
	cap = host->syncobjs_cap;
	for (i = 0; i < cap && host->syncobjs[i].used; i++)
		;
	if (i == cap) {
		ret = npu__grow((void **)&host->syncobjs, &host->syncobjs_cap,
				cap + 1, sizeof(*host->syncobjs));
		if (!ret)
			memset(host->syncobjs + cap, 0,
			       (host->syncobjs_cap - cap) * sizeof(*host->syncobjs));
	}
	if (!ret) {
		host->syncobjs[i].used = true;
		host->syncobjs[i].fence = NULL;
		*handle = i + 1;
	}
	pthread_mutex_unlock(&host->lock);
	return ret;
}

static void npu_host_syncobj_destroy(struct npu_device *dev, uint32_t handle)
{
	struct npu_host *host = npu_host_of(dev);
	struct npu_host_syncobj *s;

	pthread_mutex_lock(&host->lock);
	s = npu_host_syncobj_lookup(host, handle);
	if (s) {
		npu_host_fence_put(s->fence);
		s->fence = NULL;
		s->used = false;
	}
	pthread_mutex_unlock(&host->lock);
}

/* ------------------------------------------------------------------ */
/* Submission                                                          */

static bool npu_host_can_nice(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return false;
	return d[CAP_SYS_NICE >> 5].effective & (1U << (CAP_SYS_NICE & 31));
}

/* Drop everything a job holds; called with host->lock held. */
static void npu_host_job_free(struct npu_host_job *job)
{
	uint32_t i;

	for (i = 0; i < job->nbos; i++)
		if (job->bos[i])
			npu_host_bo_put(job->bos[i]);
	for (i = 0; i < job->ndeps; i++)
		npu_host_fence_put(job->deps[i]);
	npu_host_fence_put(job->fence);
	free(job->deps);
	free(job->bos);
	free(job->vaddr);
	free(job->cmd);
	free(job);
}

/* Make @job wait for @f unless it has signalled already. */
static int npu_host_job_add_dep(struct npu_host_job *job,
				struct npu_host_fence *f)
{
	int ret;

	if (!f || f->signalled)
		return 0;
	ret = npu__grow((void **)&job->deps, &job->deps_cap, job->ndeps + 1,
			sizeof(*job->deps));
	if (ret)
		return ret;
	job->deps[job->ndeps++] = npu_host_fence_get(f);
	return 0;
}

/* Forget the BO's signalled readers (as dma_resv replaces them). */
static void npu_host_bo_prune_reads(struct npu_host_bo *bo)
{
	uint32_t i, n = 0;

	for (i = 0; i < bo->nreads; i++) {
		if (bo->reads[i]->signalled)
			npu_host_fence_put(bo->reads[i]);
		else
			bo->reads[n++] = bo->reads[i];
	}
	bo->nreads = n;
}

/*
 * Add the implicit dependencies of @job on BO @i and make room to publish
 * its fence there; called with host->lock held. Nothing is published yet.
 */
static int npu_host_job_bo_deps(struct npu_host_job *job, uint32_t i,
				bool write)
{
	struct npu_host_bo *bo = job->bos[i];
	uint32_t r;
	int ret;

	npu_host_bo_prune_reads(bo);
	ret = npu_host_job_add_dep(job, bo->write);
	for (r = 0; !ret && write && r < bo->nreads; r++)
		ret = npu_host_job_add_dep(job, bo->reads[r]);
	if (!ret && !write)
		ret = npu__grow((void **)&bo->reads, &bo->reads_cap,
				bo->nreads + 1, sizeof(*bo->reads));
	return ret;
}

/* Publish @job's fence in BO @i; cannot fail (room was made). */
static void npu_host_job_bo_publish(struct npu_host_job *job, uint32_t i,
				    bool write)
{
	struct npu_host_bo *bo = job->bos[i];
	uint32_t r;

	if (write) {
		npu_host_fence_put(bo->write);
		bo->write = npu_host_fence_get(job->fence);
		for (r = 0; r < bo->nreads; r++)
			npu_host_fence_put(bo->reads[r]);
		bo->nreads = 0;
	} else {
		bo->reads[bo->nreads++] = npu_host_fence_get(job->fence);
	}
}

/* Look up and reference the submit's BOs; called with host->lock held. */
static int npu_host_job_get_bos(struct npu_host *host, struct npu_host_job *job,
				const uint32_t *handles, __u64 *sizes)
{
	struct npu_host_bo *bo;
	uint32_t i, j;

	for (i = 0; i < job->nbos; i++) {
		for (j = 0; j < i; j++)
			if (handles[i] == handles[j])
				return -EINVAL;
		bo = npu_host_bo_lookup(host, handles[i]);
		if (!bo)
			return -ENOENT;
		bo->refs++;
		job->bos[i] = bo;
		job->vaddr[i] = bo->vaddr;
		sizes[i] = bo->size;
	}
	return 0;
}

static int npu_host_submit(struct npu_device *dev,
			   const struct npu_submit_args *a, uint64_t *seqno)
{
	struct npu_host *host = npu_host_of(dev);
	const struct drm_npu_query_limits *l = &host->limits;
	struct npu_host_syncobj *out = NULL, *in;
	struct npu_fw_limits lim = {
		.max_cmd_size = l->max_cmd_size,
		.max_tensors = l->max_tensors,
		.max_ops = l->max_ops,
		.max_tensor_elems = l->max_tensor_elems,
	};
	__u64 sizes[NPU_FW_MAX_BOS];
	struct npu_host_queue *q;
	struct npu_host_job *job;
	struct npu_fw_diag diag = { 0 };
	uint32_t i;
	int ret;

	/* the kernel's checks, in the kernel's order */
	if (a->priority >= DRM_NPU_PRIO_COUNT)
		return -EINVAL;
	if (a->priority == DRM_NPU_PRIO_REALTIME && !npu_host_can_nice())
		return -EPERM;
	if (!a->bo_count || a->cmd_size < sizeof(struct npu_cmd_header))
		return -EINVAL;
	if (a->bo_count > l->max_bos || a->cmd_size > l->max_cmd_size ||
	    a->in_syncobj_count > l->max_in_syncobjs)
		return -E2BIG;

	job = calloc(1, sizeof(*job));
	if (!job)
		return -ENOMEM;
	job->bos = calloc(a->bo_count, sizeof(*job->bos));
	job->vaddr = calloc(a->bo_count, sizeof(*job->vaddr));
	job->cmd = malloc(a->cmd_size);	/* aligned for any type */
	job->fence = calloc(1, sizeof(*job->fence));
	if (!job->bos || !job->vaddr || !job->cmd || !job->fence) {
		free(job->fence);
		free(job->cmd);
		free(job->vaddr);
		free(job->bos);
		free(job);
		return -ENOMEM;
	}
	job->nbos = a->bo_count;
	job->fence->refs = 1;
	memcpy(job->cmd, a->cmd, a->cmd_size);
	job->fw.cmd = job->cmd;
	job->fw.bo_vaddr = job->vaddr;
	job->fw.kern = host->kern;

	pthread_mutex_lock(&host->lock);
	ret = npu_host_job_get_bos(host, job, a->bo_handles, sizes);
	pthread_mutex_unlock(&host->lock);
	/* the stream is private and the BO sizes constant: no lock needed */
	if (!ret)
		ret = npu_fw_validate(job->cmd, a->cmd_size, sizes, job->nbos,
				      &lim, &diag);

	pthread_mutex_lock(&host->lock);
	if (!ret && a->out_syncobj) {
		out = npu_host_syncobj_lookup(host, a->out_syncobj);
		if (!out)
			ret = -ENOENT;
	}
	for (i = 0; !ret && i < a->in_syncobj_count; i++) {
		in = npu_host_syncobj_lookup(host, a->in_syncobjs[i]);
		if (!in)
			ret = -ENOENT;
		else if (!in->fence)
			ret = -EINVAL;	/* drm_syncobj_find_fence() */
		else
			ret = npu_host_job_add_dep(job, in->fence);
	}
	for (i = 0; !ret && i < job->nbos; i++)
		ret = npu_host_job_bo_deps(job, i, diag.bos_written & (1ULL << i));
	if (ret) {
		npu_host_job_free(job);
		pthread_mutex_unlock(&host->lock);
		return ret;
	}

	/* point of no return */
	for (i = 0; i < job->nbos; i++)
		npu_host_job_bo_publish(job, i, diag.bos_written & (1ULL << i));
	if (out) {
		npu_host_fence_put(out->fence);
		out->fence = npu_host_fence_get(job->fence);
	}
	job->seqno = ++host->last_seqno;
	i = (uint32_t)(job->seqno % NPU_HOST_WAIT_WINDOW);
	npu_host_fence_put(host->window[i]);
	host->window[i] = npu_host_fence_get(job->fence);
	if (host->inject_hang) {
		host->inject_hang--;
		job->hang = true;
	}
	q = &host->queues[a->priority];
	*q->tail = job;
	q->tail = &job->next;
	host->queued++;
	*seqno = job->seqno;
	pthread_cond_signal(&host->work);
	pthread_mutex_unlock(&host->lock);
	return 0;
}

static int npu_host_wait(struct npu_device *dev, uint64_t seqno,
			 int64_t timeout_ns)
{
	struct npu_host *host = npu_host_of(dev);
	struct npu_host_fence *f;
	int ret;

	pthread_mutex_lock(&host->lock);
	if (!seqno || seqno > host->last_seqno) {
		ret = -EINVAL;
	} else if (host->last_seqno - seqno >= NPU_HOST_WAIT_WINDOW) {
		ret = -ENOENT;
	} else {
		f = npu_host_fence_get(host->window[seqno % NPU_HOST_WAIT_WINDOW]);
		ret = npu_host_wait_fences(host, &f, 1, timeout_ns);
		npu_host_fence_put(f);
	}
	pthread_mutex_unlock(&host->lock);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Execution                                                           */

/* Take units of the current op until none is left or the job is late. */
static void npu_host_run_units(struct npu_host_exec *ex, void *scratch, int64_t stop)
{
	uint32_t chunk = 1, count;
	int64_t t0, t1;
	uint64_t first;

	for (;;) {
		if (__atomic_load_n(&ex->abort, __ATOMIC_RELAXED))
			return;
		t0 = npu_host_now_ns();
		if (t0 >= ex->deadline) {
			__atomic_store_n(&ex->abort, 1, __ATOMIC_RELAXED);
			return;
		}
		first = __atomic_fetch_add(&ex->next, chunk, __ATOMIC_RELAXED);
		if (first >= ex->units)
			return;
		count = ex->units - first < chunk ? (uint32_t)(ex->units - first) :
						    chunk;
		npu_fw_run(ex->fw, ex->op, (uint32_t)first, count, scratch);
		t1 = npu_host_now_ns();
		if (stop && t1 >= stop)
			return;
		if (t1 - t0 < NPU_HOST_SLICE_NS / 4 && chunk < ex->chunk_max)
			chunk = chunk > ex->chunk_max / 2 ? ex->chunk_max : 2 * chunk;
		else if (t1 - t0 > NPU_HOST_SLICE_NS && chunk > 1)
			chunk /= 2;
	}
}

static void *npu_host_helper(void *arg)
{
	struct npu_host *host = arg;
	struct npu_host_pool *p = &host->pool;
	uint64_t seen = 0;
	/* NULL on ENOMEM: ops then fail over to the leader (see below) */
	void *scratch = aligned_alloc(64, NPU_FW_SCRATCH_MAX);

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->gen == seen)
			pthread_cond_wait(&p->start, &p->lock);
		if (p->stop)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->lock);
		/* without a scratch buffer, leave ops that need one to others */
		if (scratch || !host->exec.scratch)
			npu_host_run_units(&host->exec, scratch, 0);
		pthread_mutex_lock(&p->lock);
		if (!--p->pending)
			pthread_cond_signal(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	free(scratch);
	return NULL;
}

/* Bracket CPU access to imported dma-bufs (@end: after the job). */
static void npu_host_job_sync(struct npu_host_job *job, bool end)
{
	struct dma_buf_sync s = {
		.flags = DMA_BUF_SYNC_RW |
			 (end ? DMA_BUF_SYNC_END : DMA_BUF_SYNC_START),
	};
	uint32_t i;

	for (i = 0; i < job->nbos; i++)
		if (job->bos[i]->dmabuf &&
		    ioctl(job->bos[i]->fd, DMA_BUF_IOCTL_SYNC, &s))
			npu_dbg("host: DMA_BUF_IOCTL_SYNC on BO %u: %s", i,
				strerror(errno));
}

/* Run every op of @job on every thread; returns 0 or -ETIMEDOUT. */
static int npu_host_execute(struct npu_host *host, struct npu_host_job *job,
			    int64_t deadline)
{
	const struct npu_cmd_header *h = job->cmd;
	struct npu_host_exec *ex = &host->exec;
	struct npu_host_pool *p = &host->pool;
	struct timespec nap = { .tv_nsec = NPU_HOST_HANG_POLL_NS };
	unsigned int helpers = host->nthreads - 1;
	bool profile = host->profile;
	int64_t t0 = 0;
	uint32_t op, units;

	if (job->hang) {
		/* as the kernel's fault_hang: hold the engine until aborted */
		while (npu_host_now_ns() < deadline)
			nanosleep(&nap, NULL);
		return -ETIMEDOUT;
	}
	__atomic_store_n(&ex->abort, 0, __ATOMIC_RELAXED);
	ex->scratch = npu_fw_scratch_size(&job->fw) != 0;
	for (op = 0; op < h->num_ops; op++) {
		if (profile)
			t0 = npu_host_now_ns();
		units = npu_fw_units(&job->fw, op);
		ex->fw = &job->fw;
		ex->op = op;
		ex->units = units;
		ex->deadline = deadline;
		ex->chunk_max = units / (4 * host->nthreads);
		if (!ex->chunk_max)
			ex->chunk_max = 1;
		__atomic_store_n(&ex->next, 0, __ATOMIC_RELAXED);
		/*
		 * The leader works alone for NPU_HOST_FORK_NS first: waking the
		 * helpers costs more than most small ops take.
		 */
		if (helpers && units > 1)
			npu_host_run_units(ex, host->scratch, npu_host_now_ns() + NPU_HOST_FORK_NS);
		if (helpers && units > 1 && __atomic_load_n(&ex->next, __ATOMIC_RELAXED) < units &&
		    !__atomic_load_n(&ex->abort, __ATOMIC_RELAXED)) {
			pthread_mutex_lock(&p->lock);
			p->pending = helpers;
			p->gen++;
			pthread_cond_broadcast(&p->start);
			pthread_mutex_unlock(&p->lock);
			npu_host_run_units(ex, host->scratch, 0);
			/* the barrier: op + 1 reads what op wrote */
			pthread_mutex_lock(&p->lock);
			while (p->pending)
				pthread_cond_wait(&p->idle, &p->lock);
			pthread_mutex_unlock(&p->lock);
		} else if (!helpers || units <= 1) {
			npu_host_run_units(ex, host->scratch, 0);
		}
		if (__atomic_load_n(&ex->abort, __ATOMIC_RELAXED))
			return -ETIMEDOUT;
		if (profile)
			fprintf(stderr, "libnpu: host profile: job %llu op %u %s units %u: %.3f ms\n",
				(unsigned long long)job->seqno, op,
				npu_fw_op_name(((const struct npu_cmd_op *)((const char *)h +
						h->op_offset))[op].opcode),
				units, (npu_host_now_ns() - t0) / 1e6);
	}
	return 0;
}

/* Signal @job's fence with @error and free it; host->lock held. */
static void npu_host_job_done(struct npu_host *host, struct npu_host_job *job,
			      int error)
{
	job->fence->error = error;
	job->fence->signalled = true;
	job->fence->order = ++host->completed;
	host->queued--;
	if (host->done_hook)
		host->done_hook(host->done_arg, job->seqno, error);
	pthread_cond_broadcast(&host->done);
	npu_host_job_free(job);
}

static bool npu_host_job_ready(const struct npu_host_job *job)
{
	uint32_t i;

	for (i = 0; i < job->ndeps; i++)
		if (!job->deps[i]->signalled)
			return false;
	return true;
}

/* Dequeue the next job to run, highest priority first; host->lock held. */
static struct npu_host_job *npu_host_pick(struct npu_host *host)
{
	struct npu_host_queue *q;
	struct npu_host_job *job;
	int prio;

	for (prio = DRM_NPU_PRIO_COUNT - 1; prio >= 0; prio--) {
		q = &host->queues[prio];
		job = q->head;
		if (!job || !npu_host_job_ready(job))
			continue;
		q->head = job->next;
		if (!q->head)
			q->tail = &q->head;
		job->next = NULL;
		return job;
	}
	return NULL;
}

/* Thread 0: the scheduler, and one of the threads that run ops. */
static void *npu_host_leader(void *arg)
{
	struct npu_host *host = arg;
	struct npu_host_job *job;
	int64_t start, end;
	uint32_t timeout_ms;
	int prio, ret;

	pthread_mutex_lock(&host->lock);
	timeout_ms = host->limits.job_timeout_ms;
	while (!host->closing) {
		job = npu_host_pick(host);
		if (!job) {
			pthread_cond_wait(&host->work, &host->lock);
			continue;
		}
		job->fence->started = true;
		pthread_mutex_unlock(&host->lock);

		start = npu_host_now_ns();
		npu_host_job_sync(job, false);
		ret = npu_host_execute(host, job,
				       start + timeout_ms * NPU_NSEC_PER_MSEC);
		npu_host_job_sync(job, true);
		end = npu_host_now_ns();
		if (ret)
			npu_dbg("host: job %llu timed out after %u ms, stopped it",
				(unsigned long long)job->seqno, timeout_ms);

		pthread_mutex_lock(&host->lock);
		host->jobs_done++;
		host->busy_ns += (uint64_t)(end - start);
		npu_host_job_done(host, job, ret);
	}
	/* closing: drop what has not run, as the kernel does on close */
	for (prio = 0; prio < DRM_NPU_PRIO_COUNT; prio++) {
		while ((job = host->queues[prio].head)) {
			host->queues[prio].head = job->next;
			npu_host_job_done(host, job, -ESRCH);
		}
		host->queues[prio].tail = &host->queues[prio].head;
	}
	pthread_mutex_unlock(&host->lock);

	pthread_mutex_lock(&host->pool.lock);
	host->pool.stop = true;
	pthread_cond_broadcast(&host->pool.start);
	pthread_mutex_unlock(&host->pool.lock);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Device                                                              */

static void npu_host_free(struct npu_host *host)
{
	uint32_t i;

	for (i = 0; i < host->bos_cap; i++)
		if (host->bos[i])
			npu_host_bo_put(host->bos[i]);
	for (i = 0; i < host->syncobjs_cap; i++)
		npu_host_fence_put(host->syncobjs[i].fence);
	for (i = 0; i < NPU_HOST_WAIT_WINDOW; i++)
		npu_host_fence_put(host->window[i]);
	free(host->bos);
	free(host->syncobjs);
	free(host->threads);
	free(host->scratch);
	pthread_cond_destroy(&host->pool.idle);
	pthread_cond_destroy(&host->pool.start);
	pthread_mutex_destroy(&host->pool.lock);
	pthread_cond_destroy(&host->work);
	pthread_cond_destroy(&host->done);
	pthread_mutex_destroy(&host->lock);
	free(host);
}

/* Stop and join the threads that were started (@n of them). */
static void npu_host_stop(struct npu_host *host, unsigned int n)
{
	unsigned int i;

	pthread_mutex_lock(&host->lock);
	host->closing = true;
	pthread_cond_broadcast(&host->work);
	pthread_mutex_unlock(&host->lock);
	if (n == 0)
		return;
	pthread_join(host->threads[0], NULL);
	for (i = 1; i < n; i++)
		pthread_join(host->threads[i], NULL);
}

static void npu_host_destroy(struct npu_device *dev)
{
	struct npu_host *host = npu_host_of(dev);

	npu_host_stop(host, host->nthreads);
	npu_host_free(host);
	dev->priv = NULL;
}

static const struct npu_backend_ops npu_host_ops = {
	.query = npu_host_query,
	.bo_create = npu_host_bo_create,
	.bo_import = npu_host_bo_import,
	.bo_size = npu_host_bo_size,
	.bo_export = npu_host_bo_export,
	.bo_close = npu_host_bo_close,
	.bo_map = npu_host_bo_map,
	.bo_unmap = npu_host_bo_unmap,
	.bo_wait = npu_host_bo_wait,
	.submit = npu_host_submit,
	.wait = npu_host_wait,
	.syncobj_create = npu_host_syncobj_create,
	.syncobj_destroy = npu_host_syncobj_destroy,
	.destroy = npu_host_destroy,
};

static uint64_t npu_host_max_bo_size(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	uint64_t quarter;

	if (pages <= 0 || page <= 0)
		return NPU_HOST_MAX_BO_SIZE;
	quarter = (uint64_t)pages * (uint64_t)page / 4;
	if (quarter > NPU_HOST_MAX_BO_SIZE)
		quarter = NPU_HOST_MAX_BO_SIZE;
	return quarter & ~((uint64_t)page - 1);
}

static int npu_host_init(struct npu_host *host, unsigned int threads,
			 unsigned int job_timeout_ms)
{
	pthread_condattr_t ca;
	const char *pv;
	int i;

	host->nthreads = threads;
	host->limits = (struct drm_npu_query_limits) {
		.max_bo_size = npu_host_max_bo_size(),
		.max_cmd_size = NPU_HOST_MAX_CMD_SIZE,
		.max_tensors = NPU_HOST_MAX_TENSORS,
		.max_ops = NPU_HOST_MAX_OPS,
		.max_bos = NPU_HOST_MAX_BOS,
		.max_in_syncobjs = NPU_HOST_MAX_IN_SYNCOBJS,
		.max_tensor_elems = NPU_HOST_MAX_TENSOR_ELEMS,
		.job_timeout_ms = job_timeout_ms,
	};
	for (i = 0; i < DRM_NPU_PRIO_COUNT; i++)
		host->queues[i].tail = &host->queues[i].head;
	pthread_mutex_init(&host->lock, NULL);
	pthread_mutex_init(&host->pool.lock, NULL);
	/* timed waits take CLOCK_MONOTONIC deadlines */
	if (pthread_condattr_init(&ca) ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC))
		return -ENOMEM;
	pthread_cond_init(&host->done, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&host->work, NULL);
	pthread_cond_init(&host->pool.start, NULL);
	pthread_cond_init(&host->pool.idle, NULL);
	host->threads = calloc(threads, sizeof(*host->threads));
	host->scratch = aligned_alloc(64, NPU_FW_SCRATCH_MAX);
	host->kern = npu_host_kern_select();
	pv = getenv("NPU_HOST_PROFILE");
	host->profile = pv && !strcmp(pv, "1");
	return host->threads && host->scratch ? 0 : -ENOMEM;
}

/* Start the threads, with every signal blocked in them. */
static int npu_host_start(struct npu_host *host)
{
	sigset_t all, old;
	unsigned int i;
	char name[16];
	int ret = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < host->nthreads; i++) {
		ret = -pthread_create(&host->threads[i], NULL,
				      i ? npu_host_helper : npu_host_leader,
				      host);
		if (ret)
			break;
		snprintf(name, sizeof(name), "npu-host/%u", i % 1000);
		pthread_setname_np(host->threads[i], name);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		npu_dbg("host: starting thread %u of %u: %s", i, host->nthreads,
			strerror(-ret));
		/* the leader stops the helpers; without it they never ran */
		if (i == 0) {
			host->nthreads = 0;
		} else {
			npu_host_stop(host, i);
			host->nthreads = 0;
		}
	}
	return ret;
}

/**
 * npu__host_open() - open a host device
 * @threads: engine threads, 0 for one per online CPU
 * @job_timeout_ms: job timeout, 0 for the kernel's default
 * @out: receives the device
 *
 * Return: 0, -EINVAL (an option out of range), -ENOMEM, -EAGAIN (threads).
 */
int npu__host_open(unsigned int threads, unsigned int job_timeout_ms,
		   struct npu_device **out)
{
	struct npu_device *dev;
	struct npu_host *host;
	long cpus;
	int ret;

	if (threads > NPU_HOST_MAX_THREADS) {
		npu_dbg("host: threads %u out of range 1..%u (0: one per CPU)",
			threads, NPU_HOST_MAX_THREADS);
		return -EINVAL;
	}
	if (job_timeout_ms && (job_timeout_ms < NPU_HOST_MIN_TIMEOUT_MS ||
			       job_timeout_ms > NPU_HOST_MAX_TIMEOUT_MS)) {
		npu_dbg("host: job_timeout_ms %u out of range %u..%u (0: %u)",
			job_timeout_ms, NPU_HOST_MIN_TIMEOUT_MS,
			NPU_HOST_MAX_TIMEOUT_MS, NPU_HOST_DEFAULT_TIMEOUT_MS);
		return -EINVAL;
	}
	if (!threads) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cpus < 1 ? 1 : cpus > NPU_HOST_MAX_THREADS ?
			  NPU_HOST_MAX_THREADS : (unsigned int)cpus;
	}
	if (!job_timeout_ms)
		job_timeout_ms = NPU_HOST_DEFAULT_TIMEOUT_MS;

	host = calloc(1, sizeof(*host));
	if (!host)
		return -ENOMEM;
	ret = npu_host_init(host, threads, job_timeout_ms);
	if (!ret)
		ret = npu_host_start(host);
	if (ret) {
		npu_host_free(host);
		return ret;
	}
	dev = npu__device_new(&npu_host_ops, NPU_BACKEND_HOST, -1, "host", host);
	if (!dev) {
		npu_host_stop(host, host->nthreads);
		npu_host_free(host);
		return -ENOMEM;
	}
	ret = npu__device_init(dev);
	if (ret) {
		npu__device_put(dev);
		return ret;
	}
	npu_dbg("host: %u threads, job timeout %u ms", threads, job_timeout_ms);
	*out = dev;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Test hooks (tests/unit)                                             */

/* The next @jobs jobs hang until their timeout (the kernel's fault_hang). */
int npu__host_inject_hang(struct npu_device *dev, unsigned int jobs)
{
	struct npu_host *host;

	if (!dev || dev->backend != NPU_BACKEND_HOST)
		return -EINVAL;
	host = npu_host_of(dev);
	pthread_mutex_lock(&host->lock);
	host->inject_hang = jobs;
	pthread_mutex_unlock(&host->lock);
	return 0;
}

/*
 * Have @fn(@arg, seqno, error) called, with the device's lock held, each
 * time a job of @dev completes, is stopped or is dropped: it outlives the
 * device, which the fences do not.
 */
int npu__host_set_done_hook(struct npu_device *dev, npu_host_done_fn fn,
			    void *arg)
{
	struct npu_host *host;

	if (!dev || dev->backend != NPU_BACKEND_HOST)
		return -EINVAL;
	host = npu_host_of(dev);
	pthread_mutex_lock(&host->lock);
	host->done_hook = fn;
	host->done_arg = arg;
	pthread_mutex_unlock(&host->lock);
	return 0;
}

/*
 * State of job @seqno: NPU_HOST_JOB_QUEUED, _RUNNING or _DONE (then *@order
 * is its completion number), or -EINVAL / -ENOENT as npu_device_wait().
 */
int npu__host_job_state(struct npu_device *dev, uint64_t seqno,
			uint64_t *order)
{
	struct npu_host_fence *f;
	struct npu_host *host;
	int ret;

	if (!dev || dev->backend != NPU_BACKEND_HOST)
		return -EINVAL;
	host = npu_host_of(dev);
	pthread_mutex_lock(&host->lock);
	if (!seqno || seqno > host->last_seqno) {
		ret = -EINVAL;
	} else if (host->last_seqno - seqno >= NPU_HOST_WAIT_WINDOW) {
		ret = -ENOENT;
	} else {
		f = host->window[seqno % NPU_HOST_WAIT_WINDOW];
		ret = f->signalled ? NPU_HOST_JOB_DONE :
		      f->started ? NPU_HOST_JOB_RUNNING : NPU_HOST_JOB_QUEUED;
		if (order)
			*order = f->order;
	}
	pthread_mutex_unlock(&host->lock);
	return ret;
}

/* Threads of a host device's engine. */
unsigned int npu__host_threads(const struct npu_device *dev)
{
	const struct npu_host *host = dev->priv;

	return dev->backend == NPU_BACKEND_HOST ? host->nthreads : 0;
}

// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * npu-fuzz - a syscall fuzzer for npu.ko, run inside the test VM.
 *
 * Usage: npu-fuzz [--seed S] [--ops N] [--procs P] [--threads T]
 *                 [--time SECONDS] [--verbose] [--help] ...
 *
 * P processes with T threads each (the "workers") drive random, bounded
 * sequences of the driver's interface: device files, BOs, mappings, PRIME,
 * syncobjs, QUERY, SUBMIT (mostly-valid command streams with 0..N
 * mutations, odd BO and syncobj lists, bad pointers), WAIT, fd close and
 * process kill with jobs in flight, fork with live mappings, debugfs fault
 * injection (fault_hang) and reads.
 *
 * Reproducible: worker w (= proc * T + thread) draws its own xoshiro256**
 * stream seeded from (--seed, w), so its sequence of operations depends
 * only on the seed and on its own results. --worker W --stop-at K replays
 * one worker's stream alone up to its op K; --verbose logs every op.
 *
 * Oracles:
 *  - every syscall result must be in the documented errno set of that call
 *    (Documentation/accel/npu.rst; DRM core semantics for the core ioctls);
 *  - with one thread per process (T = 1) the fuzzer's model of its files is
 *    exact, so for most calls it predicts the exact result, for SUBMIT
 *    through the same validator the kernel runs (firmware/
 *    npu_fw_validate.c) and the checks npu_job_submit() does before it;
 *  - a control job (a GEMM with exact small-integer data) runs every
 *    --control-every ops in every worker and must give the exact result;
 *  - the parent watches every worker: one op running longer than
 *    --stall-secs is reported with the worker's kernel stack.
 * Every violation is printed as a line starting with "FINDING" and makes
 * the exit status 1.
 *
 * Exit status: 0 clean, 1 findings, 2 usage, 3 setup failed (no device).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include "drm.h"
#include "drm/npu_accel.h"
#include "linux/npu_cmd.h"
#include "npu_fw.h"

#define PAGE		4096UL
#define MAX_FILES	4	/* fuzz files per process (plus one control fd per worker) */
#define MAX_BOS		40	/* per file */
#define MAX_SYNCS	12	/* per file */
#define MAX_DEAD	8	/* closed handles remembered per file */
#define SEQ_RING	32	/* seqnos remembered per file */
#define MAX_MAPS	24	/* per process */
#define MAX_DMABUFS	8	/* per process */
#define MAX_WORKERS	256
#define ERRMAX		136	/* errno histogram buckets; the last one is "other" */
#define CMD_CAP		(64 * 1024)
#define BO_BUDGET	(48ULL << 20)	/* non-huge BO bytes per process */

/* ------------------------------------------------------------------ */
/* operations                                                          */

#define OP_LIST(X)					\
	X(OPEN, 2)		X(CLOSE, 1)			\
	X(BO_CREATE, 12)	X(BO_INFO, 5)			\
	X(MMAP, 6)		X(MUNMAP, 3)			\
	X(MAP_WRITE, 6)		X(GEM_CLOSE, 8)			\
	X(PRIME_EXPORT, 4)	X(PRIME_IMPORT, 4)		\
	X(DMABUF_CLOSE, 2)	X(SYNCOBJ_CREATE, 4)		\
	X(SYNCOBJ_DESTROY, 3)	X(SYNCOBJ_SIGNAL, 2)		\
	X(SYNCOBJ_RESET, 2)	X(SYNCOBJ_WAIT, 3)		\
	X(SYNCOBJ_XFER, 2)	X(QUERY, 4)			\
	X(SUBMIT, 40)		X(WAIT, 12)			\
	X(FAULT_HANG, 0)	X(FORK, 1)			\
	X(BURST_CLOSE, 1)	X(DEBUGFS_READ, 2)		\
	X(RAW_IOCTL, 2)		X(VGEM_IMPORT, 1)		\
	X(BO_FLOOD, 0)		X(CONTROL, 0)

enum op {
#define X(name, w) OP_##name,
	OP_LIST(X)
#undef X
	OP__COUNT
};

static const char *const op_names[OP__COUNT] = {
#define X(name, w) #name,
	OP_LIST(X)
#undef X
};

static const unsigned int default_weight[OP__COUNT] = {
#define X(name, w) w,
	OP_LIST(X)
#undef X
};

static unsigned int op_weight[OP__COUNT] = {
#define X(name, w) w,
	OP_LIST(X)
#undef X
};

/* ------------------------------------------------------------------ */
/* options                                                             */

static struct {
	uint64_t seed;
	uint64_t ops;
	int procs, threads;
	double time_s;
	int verbose;
	int worker;		/* -1: all */
	uint64_t stop_at;	/* 0: none */
	int control_every;
	unsigned int hang_rate;	/* FAULT_HANG per 10000 ops */
	int hang_max;
	int stall_secs;
	int progress_secs;
	int strict;		/* predict exact results (forced off with T > 1) */
	int drop_nice;		/* odd processes drop CAP_SYS_NICE */
	int no_fork;
	int big;		/* allow heavier jobs */
	char device[512];
	char debugfs[512];
} opt = {
	.seed = 1, .ops = 10000, .procs = 1, .threads = 1, .worker = -1,
	.control_every = 500, .hang_rate = 5, .hang_max = 2, .stall_secs = 90,
	.progress_secs = 10, .strict = 1, .drop_nice = 1,
};

/* ------------------------------------------------------------------ */
/* shared statistics (one slot per worker, MAP_SHARED)                 */

struct wstats {
	uint64_t ops;
	uint64_t op_count[OP__COUNT];
	uint32_t err[OP__COUNT][ERRMAX];	/* [0] = success */
	uint64_t jobs_submitted;
	uint64_t jobs_err[ERRMAX];		/* final job status seen by WAIT */
	uint64_t control_runs, control_retries;
	uint64_t findings;
	uint64_t builder_rejects;
	uint64_t predicted, predicted_ok;
	uint64_t forks, kills;
	uint64_t max_close_ns;
	volatile int cur_op;
	volatile int64_t cur_op_start;	/* ns, 0 when idle */
	volatile uint64_t cur_op_no;
	volatile pid_t tid;
	volatile int done;
	char last_finding[1100];
};

static struct wstats *g_stats;
static int g_nworkers;

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

static const char *errname(int e)
{
	static __thread char buf[24];

	if (e < 0)
		e = -e;
	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case EDEADLK: return "EDEADLK";
	case ENOSYS: return "ENOSYS";
	case ETIME: return "ETIME";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECANCELED: return "ECANCELED";
	case EOVERFLOW: return "EOVERFLOW";
	}
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

/* errno sets */
struct eset {
	uint64_t b[3];
};

static struct eset eset_of(int first, ...)
{
	struct eset s = { { 0 } };
	va_list ap;
	int e = first;

	va_start(ap, first);
	while (e >= 0) {
		if (e < 192)
			s.b[e / 64] |= 1ULL << (e % 64);
		e = va_arg(ap, int);
	}
	va_end(ap);
	return s;
}

static int eset_has(const struct eset *s, int e)
{
	if (e < 0)
		e = -e;
	return e < 192 && ((s->b[e / 64] >> (e % 64)) & 1);
}


/* ------------------------------------------------------------------ */
/* PRNG: splitmix64 seeding, xoshiro256**                             */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* ------------------------------------------------------------------ */
/* the fuzzer's model of a process                                     */

struct fz_bo {
	uint32_t handle;
	uint8_t imported;
	uint8_t huge;		/* never submitted or written */
	uint64_t size;		/* page-rounded */
	uint64_t mmap_off;	/* 0: not known yet */
};

/* a syncobj handle; handles of several files may share one syncobj */
struct fz_sync {
	uint32_t handle;
	int obj;		/* index in proc_state.sobj */
};

#define MAX_SYNCOBJS	(MAX_FILES * MAX_SYNCS)

struct fz_syncobj {
	int refs;		/* handles naming it; 0: free */
	uint8_t has_fence;
};

struct fz_file {
	int fd;			/* -1: free slot, -2: being opened */
	struct fz_bo bos[MAX_BOS];
	int nbos;
	struct fz_sync syncs[MAX_SYNCS];
	int nsyncs;
	uint32_t dead_bos[MAX_DEAD];
	int ndead_bos;
	uint32_t dead_syncs[MAX_DEAD];
	int ndead_syncs;
	uint64_t seq[SEQ_RING];
	uint8_t seq_done[SEQ_RING];
	int seq_head;
	uint64_t last_seqno;
};

struct fz_map {
	uint8_t *p;
	size_t len;
	int writable;
};

struct fz_dmabuf {
	int fd;
	uint64_t size;
};

struct proc_state {
	pthread_mutex_t lock;	/* protects everything below */
	struct fz_file files[MAX_FILES];
	struct fz_map maps[MAX_MAPS];
	int nmaps;
	struct fz_dmabuf dmabufs[MAX_DMABUFS];
	int ndmabufs;
	struct fz_syncobj sobj[MAX_SYNCOBJS];
	uint64_t bo_bytes;
	int vgem_fd;
	int cap_nice;
	int proc;
};

struct control {
	int fd;
	uint32_t in, out;
	uint8_t *in_map, *out_map;
	size_t in_size, out_size;
	uint8_t cmd[1024] __attribute__((aligned(8)));
	uint32_t cmd_size;
	float ref[64];
};

struct worker {
	int proc, thread, id;
	struct rng rng;
	struct rng crng;	/* control jobs: retries must not shift rng */
	struct proc_state *ps;
	struct wstats *st;
	uint64_t op_no, quota;
	int64_t deadline;
	uint8_t *guard;		/* 3 x [RW page][PROT_NONE page] */
	uint8_t *scratch;	/* 32 KiB RW */
	int strict;
	struct control ctl;
	char desc[1024];
	int findings;
};

static struct drm_npu_query_limits g_lim;
static char g_devpath[512];
static char g_dbgdir[512];
static int g_have_hang;

/* random helpers */
static uint32_t rnd(struct worker *w, uint32_t n)
{
	return n ? (uint32_t)(((rng_next(&w->rng) >> 32) * (uint64_t)n) >> 32) : 0;
}

static uint64_t rnd64(struct worker *w)
{
	return rng_next(&w->rng);
}

/* true with probability num/den */
static int chance(struct worker *w, uint32_t num, uint32_t den)
{
	return rnd(w, den) < num;
}


/* ------------------------------------------------------------------ */
/* logging and findings                                                */

static void out_line(int fd, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(fd, buf, n) < 0) {
		/* nothing useful to do */
	}
}

#define DESC(w, ...) snprintf((w)->desc, sizeof((w)->desc), __VA_ARGS__)

static void finding(struct worker *w, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out_line(1, "FINDING p%d.t%d op#%" PRIu64 " seed=%" PRIu64 " worker=%d: %s [%s]",
		 w->proc, w->thread, w->op_no, opt.seed, w->id, msg, w->desc);
	w->st->findings++;
	w->findings++;
	snprintf(w->st->last_finding, sizeof(w->st->last_finding), "op#%" PRIu64 ": %s",
		 w->op_no, msg);
}

static void hist(struct worker *w, enum op op, int ret)
{
	int e = ret < 0 ? -ret : ret;

	if (e >= ERRMAX)
		e = ERRMAX - 1;
	w->st->err[op][e]++;
}

/*
 * Record the result of one call: histogram, verbose log, and the checks:
 * @ret must be in @allowed (0 always is unless @no_success), and must equal
 * @pred unless @pred is INT_MIN (no prediction) or not strict.
 * ENOMEM is always tolerated (the VM can run short of memory).
 */
#define NOPRED INT_MIN
static void result(struct worker *w, enum op op, int ret, const struct eset *allowed,
		   int pred)
{
	hist(w, op, ret);
	/*
	 * With threads sharing files, another thread may close an fd while
	 * this one uses it, and the number may even be reused by a file of
	 * another kind meanwhile: EBADF, ENOTTY, ENODEV (mmap) are the
	 * fuzzer's own races, not the driver's.
	 */
	if (opt.threads > 1 && (ret == -EBADF || ret == -ENOTTY || ret == -ENODEV ||
				(op == OP_MMAP && ret == -EACCES)))
		return;
	if (opt.verbose)
		out_line(2, "p%d.t%d #%" PRIu64 " %s %s -> %s%s%s", w->proc, w->thread,
			 w->op_no, op_names[op], w->desc, errname(ret),
			 pred != NOPRED ? " pred " : "",
			 pred != NOPRED ? errname(pred) : "");
	if (ret && ret != -ENOMEM && !eset_has(allowed, ret)) {
		finding(w, "%s returned %s, not a documented error of this call",
			op_names[op], errname(ret));
		return;
	}
	if (pred == NOPRED || !w->strict)
		return;
	w->st->predicted++;
	if (ret == pred || (ret == -ENOMEM && pred == 0)) {
		w->st->predicted_ok++;
		return;
	}
	finding(w, "%s returned %s, expected %s", op_names[op], errname(ret), errname(pred));
}

/* ------------------------------------------------------------------ */
/* model helpers (caller holds ps->lock)                               */

static struct fz_bo *file_bo(struct fz_file *f, uint32_t handle)
{
	int i;

	for (i = 0; i < f->nbos; i++)
		if (f->bos[i].handle == handle)
			return &f->bos[i];
	return NULL;
}

static struct fz_sync *file_sync(struct fz_file *f, uint32_t handle)
{
	int i;

	for (i = 0; i < f->nsyncs; i++)
		if (f->syncs[i].handle == handle)
			return &f->syncs[i];
	return NULL;
}

static int sobj_new(struct proc_state *ps, int has_fence)
{
	int i;

	for (i = 0; i < MAX_SYNCOBJS; i++)
		if (!ps->sobj[i].refs) {
			ps->sobj[i].refs = 1;
			ps->sobj[i].has_fence = has_fence;
			return i;
		}
	return -1;
}

static uint8_t *fence_of(struct proc_state *ps, const struct fz_sync *s)
{
	return &ps->sobj[s->obj].has_fence;
}

static void ps_bo_bytes(struct proc_state *ps, const struct fz_bo *b, int add)
{
	if (b->huge || b->imported)
		return;
	if (add)
		ps->bo_bytes += b->size;
	else if (ps->bo_bytes >= b->size)
		ps->bo_bytes -= b->size;
}

static void file_del_bo(struct proc_state *ps, struct fz_file *f, uint32_t handle)
{
	int i;

	for (i = 0; i < f->nbos; i++) {
		if (f->bos[i].handle != handle)
			continue;
		ps_bo_bytes(ps, &f->bos[i], 0);
		f->bos[i] = f->bos[--f->nbos];
		f->dead_bos[f->ndead_bos++ % MAX_DEAD] = handle;
		if (f->ndead_bos >= 2 * MAX_DEAD)
			f->ndead_bos = MAX_DEAD;
		return;
	}
}

static void file_del_sync(struct proc_state *ps, struct fz_file *f, uint32_t handle)
{
	int i;

	for (i = 0; i < f->nsyncs; i++) {
		if (f->syncs[i].handle != handle)
			continue;
		ps->sobj[f->syncs[i].obj].refs--;
		f->syncs[i] = f->syncs[--f->nsyncs];
		f->dead_syncs[f->ndead_syncs++ % MAX_DEAD] = handle;
		if (f->ndead_syncs >= 2 * MAX_DEAD)
			f->ndead_syncs = MAX_DEAD;
		return;
	}
}

static int pick_file(struct worker *w)
{
	int idx[MAX_FILES], n = 0, i;

	for (i = 0; i < MAX_FILES; i++)
		if (w->ps->files[i].fd >= 0)
			idx[n++] = i;
	return n ? idx[rnd(w, n)] : -1;
}

static uint32_t dead_handle(struct worker *w, const uint32_t *dead, int ndead)
{
	int n = ndead < MAX_DEAD ? ndead : MAX_DEAD;

	return n ? dead[rnd(w, n)] : 1 + rnd(w, 64);
}

/* a random handle: live (mostly), closed, of another file, or junk */
static uint32_t pick_bo_handle(struct worker *w, struct fz_file *f, int live_pct)
{
	uint32_t r = rnd(w, 100);
	int o;

	if (r < (uint32_t)live_pct && f->nbos)
		return f->bos[rnd(w, f->nbos)].handle;
	r = rnd(w, 4);
	if (r == 0)
		return dead_handle(w, f->dead_bos, f->ndead_bos);
	if (r == 1) {
		o = pick_file(w);
		if (o >= 0 && w->ps->files[o].nbos)
			return w->ps->files[o].bos[rnd(w, w->ps->files[o].nbos)].handle;
	}
	if (r == 2)
		return 0;
	return chance(w, 1, 2) ? 1 + rnd(w, 200) : (uint32_t)rnd64(w);
}

static uint32_t pick_sync_handle(struct worker *w, struct fz_file *f, int live_pct)
{
	uint32_t r = rnd(w, 100);

	if (r < (uint32_t)live_pct && f->nsyncs)
		return f->syncs[rnd(w, f->nsyncs)].handle;
	r = rnd(w, 3);
	if (r == 0)
		return dead_handle(w, f->dead_syncs, f->ndead_syncs);
	if (r == 1)
		return 1 + rnd(w, 100);
	return (uint32_t)rnd64(w);
}

/* ------------------------------------------------------------------ */
/* user pointers: good, NULL, unmapped, straddling a PROT_NONE page    */

struct uptr {
	uint64_t p;
	size_t readable;	/* bytes accessible from p */
	const char *kind;
};

/*
 * Place @len bytes of @src somewhere and return the pointer the kernel
 * will get. @bad_pct: chance in percent of a bad pointer.
 * Returns a writable area when @src is NULL (for kernel outputs).
 */
static struct uptr place(struct worker *w, const void *src, size_t len, int bad_pct,
			 uint8_t *good, int slot)
{
	uint8_t *end = w->guard + (2 * slot + 1) * PAGE;	/* start of a PROT_NONE page */

	struct uptr u = { (uintptr_t)good, SIZE_MAX, "ok" };
	uint32_t r;

	if (src && good)
		memcpy(good, src, len);
	if (!chance(w, bad_pct, 100))
		return u;
	r = rnd(w, 4);
	if (r == 0) {
		u.p = 0;
		u.readable = 0;
		u.kind = "null";
	} else if (r == 1) {
		u.p = (uintptr_t)end + rnd(w, PAGE);
		u.readable = 0;
		u.kind = "unmapped";
	} else if (r == 2 && len > 1 && len <= PAGE) {
		/* the first part at the end of a mapped page, the rest not */
		size_t in = 1 + rnd(w, len - 1);

		u.p = (uintptr_t)(end - in);
		if (src)
			memcpy(end - in, src, in);
		u.readable = in;
		u.kind = "straddle";
	} else {
		u.p = chance(w, 1, 2) ? 0xffff888000000000ULL + (rnd64(w) & 0xffffff000ULL) :
			 0x00007ff000000000ULL + (rnd64(w) & 0xfffff000ULL);
		u.readable = 0;
		u.kind = "wild";
		/* a "wild" user address mapped by chance: use NULL (the kernel may write) */
		if (u.p < 0x0000800000000000ULL) {
			unsigned char vec;

			if (!mincore((void *)(uintptr_t)(u.p & ~(PAGE - 1)), 2 * PAGE, &vec) ||
			    errno != ENOMEM)
				u.p = 0;
		}
	}
	return u;
}

/*
 * Put @len bytes of @src into a writable BO mapping (the kernel then faults
 * GEM pages while it copies them in). Caller holds ps->lock. A job still
 * running may write that BO meanwhile, so no exact prediction is possible.
 */
static int place_in_map(struct worker *w, const void *src, size_t len, struct uptr *u)
{
	struct proc_state *ps = w->ps;
	int i, start;

	if (!ps->nmaps || !len)
		return 0;
	start = rnd(w, ps->nmaps);
	for (i = 0; i < ps->nmaps; i++) {
		struct fz_map *m = &ps->maps[(start + i) % ps->nmaps];
		size_t off;

		if (!m->writable || m->len < len)
			continue;
		off = (rnd(w, (uint32_t)(m->len - len + 1))) & ~(size_t)7;
		memcpy(m->p + off, src, len);
		u->p = (uintptr_t)(m->p + off);
		u->readable = SIZE_MAX;
		u->kind = "bomap";
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* command-stream builder                                              */

struct bld {
	struct worker *w;
	uint32_t nbos;
	__u64 size[NPU_FW_MAX_BOS];
	__u64 cur[NPU_FW_MAX_BOS];
	struct npu_cmd_tensor t[64];
	uint32_t nt;
	struct npu_cmd_op o[8];
	uint32_t no;
	int fail;
	int maxd;
};

struct layout {
	uint32_t size;
	uint32_t toff, ooff;
	uint32_t nt, no;
};

static uint32_t esz(uint32_t dtype)
{
	return npu_fw_dtype_size(dtype);
}

static uint64_t t_elems(const struct npu_cmd_tensor *t)
{
	uint64_t n = 1;
	uint32_t i;

	for (i = 0; i < t->ndim && i < NPU_CMD_MAX_DIMS; i++)
		n *= t->shape[i] ? t->shape[i] : 1;
	return n;
}

static uint32_t f2u(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

/* a positive finite scale: 2^[-12, 3] * [1, 2) */
static uint32_t rscale(struct worker *w)
{
	return ((127 - 12 + rnd(w, 16)) << 23) | rnd(w, 1 << 23);
}

static int32_t rzp(struct worker *w, uint32_t dtype)
{
	if (chance(w, 1, 3))
		return 0;
	return dtype == NPU_DTYPE_I8 ? (int32_t)rnd(w, 256) - 128 : (int32_t)rnd(w, 256);
}

static uint32_t rdim(struct bld *b)
{
	struct worker *w = b->w;
	uint32_t r = rnd(w, 100), m = (uint32_t)b->maxd;

	if (r < 45)
		return 1 + rnd(w, m < 4 ? m : 4);
	if (r < 90)
		return 1 + rnd(w, m < 12 ? m : 12);
	return 1 + rnd(w, m);
}

/* place a tensor of @bytes aligned to @align: returns bo index or -1 */
static int b_place(struct bld *b, uint64_t bytes, uint32_t align, uint64_t *off)
{
	struct worker *w = b->w;
	uint32_t start = rnd(w, b->nbos), k;

	for (k = 0; k < b->nbos; k++) {
		uint32_t i = (start + k) % b->nbos;
		uint64_t o;

		if (chance(w, 1, 5) && b->size[i] >= bytes) {
			/* at the very end of the BO */
			o = (b->size[i] - bytes) & ~(uint64_t)(align - 1);
			if (o >= b->cur[i]) {
				b->cur[i] = b->size[i];
				*off = o;
				return (int)i;
			}
		}
		o = b->cur[i];
		if (chance(w, 1, 3))
			o += rnd(w, 256);
		o = (o + align - 1) & ~(uint64_t)(align - 1);
		if (o <= b->size[i] && bytes <= b->size[i] - o) {
			b->cur[i] = o + bytes;
			*off = o;
			return (int)i;
		}
	}
	return -1;
}

static uint32_t b_tensor(struct bld *b, uint32_t dtype, uint32_t ndim, const uint32_t *shape,
			 int quant)
{
	struct npu_cmd_tensor *t;
	uint64_t off = 0;
	uint32_t i;
	int bo;

	if (b->fail || b->nt >= 64) {
		b->fail = 1;
		return NPU_CMD_NO_TENSOR;
	}
	t = &b->t[b->nt];
	memset(t, 0, sizeof(*t));
	t->dtype = dtype;
	t->ndim = ndim;
	for (i = 0; i < ndim; i++)
		t->shape[i] = shape[i];
	t->scale_tensor = NPU_CMD_NO_TENSOR;
	if (quant) {
		t->quant_type = NPU_QUANT_PER_TENSOR;
		t->scale = rscale(b->w);
		t->zero_point = rzp(b->w, dtype);
	}
	bo = b_place(b, t_elems(t) * esz(dtype), esz(dtype), &off);
	if (bo < 0) {
		b->fail = 1;
		return NPU_CMD_NO_TENSOR;
	}
	t->bo_index = (uint32_t)bo;
	t->offset = off;
	return b->nt++;
}

static struct npu_cmd_op *b_op(struct bld *b, uint16_t opcode, uint16_t nin, const uint32_t *in,
			       uint32_t out)
{
	struct npu_cmd_op *o;
	uint32_t i;

	if (b->fail || b->no >= 8) {
		b->fail = 1;
		return NULL;
	}
	o = &b->o[b->no++];
	memset(o, 0, sizeof(*o));
	o->opcode = opcode;
	o->num_inputs = nin;
	o->num_outputs = 1;
	for (i = 0; i < NPU_CMD_MAX_INPUTS; i++)
		o->inputs[i] = i < nin ? in[i] : NPU_CMD_NO_TENSOR;
	o->outputs[0] = out;
	o->outputs[1] = NPU_CMD_NO_TENSOR;
	return o;
}

/* random activation fields: act, lo, hi (binary32 bits) */
static void b_act(struct worker *w, uint32_t *act, uint32_t *lo, uint32_t *hi)
{
	float a, c;

	*act = rnd(w, NPU_ACT_COUNT);
	*lo = *hi = 0;
	if (*act != NPU_ACT_CLIP)
		return;
	a = (float)((int)rnd(w, 200) - 100) / 8.0f;
	c = a + (float)rnd(w, 200) / 8.0f;
	*lo = f2u(a);
	*hi = f2u(c);
}

/* per-channel weights: a F32 [n] scale tensor */
static void b_per_channel(struct bld *b, uint32_t wid, uint32_t axis)
{
	uint32_t n, sid;

	if (b->fail)
		return;
	n = b->t[wid].shape[axis];
	sid = b_tensor(b, NPU_DTYPE_F32, 1, &n, 0);
	if (b->fail)
		return;
	b->t[wid].quant_type = NPU_QUANT_PER_CHANNEL;
	b->t[wid].quant_axis = axis;
	b->t[wid].scale = 0;
	b->t[wid].zero_point = 0;
	b->t[wid].scale_tensor = sid;
}

static uint32_t q8(struct worker *w)
{
	return chance(w, 1, 2) ? NPU_DTYPE_I8 : NPU_DTYPE_U8;
}

static uint32_t b_gemm(struct bld *b)
{
	struct worker *w = b->w;
	uint32_t m = rdim(b), k = rdim(b), n = rdim(b), in[3], y, sh[2];
	int quant = chance(w, 1, 3), trans = chance(w, 1, 3);
	struct npu_cmd_op *o;

	sh[0] = m;
	sh[1] = k;
	in[0] = b_tensor(b, quant ? q8(w) : NPU_DTYPE_F32, 2, sh, quant);
	sh[0] = trans ? n : k;
	sh[1] = trans ? k : n;
	in[1] = b_tensor(b, quant ? NPU_DTYPE_I8 : NPU_DTYPE_F32, 2, sh, quant);
	if (quant && !b->fail) {
		b->t[in[1]].zero_point = 0;
		if (chance(w, 1, 2))
			b_per_channel(b, in[1], trans ? 0 : 1);
	}
	in[2] = NPU_CMD_NO_TENSOR;
	if (chance(w, 1, 2))
		in[2] = b_tensor(b, quant ? NPU_DTYPE_I32 : NPU_DTYPE_F32, 1, &n, 0);
	sh[0] = m;
	sh[1] = n;
	y = b_tensor(b, quant ? q8(w) : NPU_DTYPE_F32, 2, sh, quant);
	o = b_op(b, NPU_OP_GEMM, 3, in, y);
	if (!o)
		return NPU_CMD_NO_TENSOR;
	o->gemm.flags = trans ? NPU_GEMM_TRANS_B : 0;
	b_act(w, &o->gemm.activation, &o->gemm.act_min, &o->gemm.act_max);
	return y;
}

static uint32_t b_conv(struct bld *b)
{
	struct worker *w = b->w;
	struct npu_op_conv2d p;
	uint32_t g, cg, og, c, oc, n, h, wd, kh, kw, in[3], y, sh[4];
	uint64_t eh, ew, oh, ow;
	int quant = chance(w, 1, 3);
	struct npu_cmd_op *o;

	memset(&p, 0, sizeof(p));
	g = chance(w, 1, 3) ? 1 + rnd(w, 4) : 1;
	cg = 1 + rnd(w, 3);
	og = chance(w, 1, 2) ? 1 : 1 + rnd(w, 3);
	c = g * cg;
	oc = g * og;
	n = 1 + (chance(w, 1, 5) ? rnd(w, 2) : 0);
	h = 1 + rnd(w, b->maxd < 12 ? b->maxd : 12);
	wd = 1 + rnd(w, b->maxd < 12 ? b->maxd : 12);
	kh = 1 + rnd(w, h < 3 ? h : 3);
	kw = 1 + rnd(w, wd < 3 ? wd : 3);
	p.stride_h = 1 + rnd(w, 3);
	p.stride_w = 1 + rnd(w, 3);
	p.dilation_h = chance(w, 1, 4) ? 2 : 1;
	p.dilation_w = chance(w, 1, 4) ? 2 : 1;
	eh = (uint64_t)p.dilation_h * (kh - 1) + 1;
	ew = (uint64_t)p.dilation_w * (kw - 1) + 1;
	p.pad_top = rnd(w, (uint32_t)eh);
	p.pad_bottom = rnd(w, (uint32_t)eh);
	p.pad_left = rnd(w, (uint32_t)ew);
	p.pad_right = rnd(w, (uint32_t)ew);
	if (h + p.pad_top + p.pad_bottom < eh || wd + p.pad_left + p.pad_right < ew) {
		p.dilation_h = p.dilation_w = 1;
		eh = kh;
		ew = kw;
		p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 0;
	}
	p.groups = g;
	b_act(w, &p.activation, &p.act_min, &p.act_max);
	oh = (h + p.pad_top + p.pad_bottom - eh) / p.stride_h + 1;
	ow = (wd + p.pad_left + p.pad_right - ew) / p.stride_w + 1;

	sh[0] = n; sh[1] = c; sh[2] = h; sh[3] = wd;
	in[0] = b_tensor(b, quant ? q8(w) : NPU_DTYPE_F32, 4, sh, quant);
	sh[0] = oc; sh[1] = cg; sh[2] = kh; sh[3] = kw;
	in[1] = b_tensor(b, quant ? NPU_DTYPE_I8 : NPU_DTYPE_F32, 4, sh, quant);
	if (quant && !b->fail) {
		b->t[in[1]].zero_point = 0;
		if (chance(w, 1, 2))
			b_per_channel(b, in[1], 0);
	}
	in[2] = NPU_CMD_NO_TENSOR;
	if (chance(w, 1, 2))
		in[2] = b_tensor(b, quant ? NPU_DTYPE_I32 : NPU_DTYPE_F32, 1, &oc, 0);
	sh[0] = n; sh[1] = oc; sh[2] = (uint32_t)oh; sh[3] = (uint32_t)ow;
	y = b_tensor(b, quant ? q8(w) : NPU_DTYPE_F32, 4, sh, quant);
	o = b_op(b, NPU_OP_CONV2D, 3, in, y);
	if (!o)
		return NPU_CMD_NO_TENSOR;
	o->conv2d = p;
	return y;
}

/* a copy of tensor @src's type (and quantization when @same_q) at a new place */
static uint32_t b_like(struct bld *b, uint32_t src, uint32_t ndim, const uint32_t *shape,
		       int same_q)
{
	const struct npu_cmd_tensor *s = &b->t[src];
	int quant = s->quant_type == NPU_QUANT_PER_TENSOR;
	uint32_t id = b_tensor(b, s->dtype, ndim, shape, quant);

	if (!b->fail && quant && same_q) {
		b->t[id].scale = b->t[src].scale;
		b->t[id].zero_point = b->t[src].zero_point;
	}
	return id;
}

/* element-wise op on @x (or a new tensor when NO_TENSOR) */
static uint32_t b_eltwise(struct bld *b, uint32_t x, uint16_t opcode)
{
	struct worker *w = b->w;
	uint32_t sh[4], ndim, i, y, in[2], bsh[4], bnd;
	struct npu_cmd_op *o;

	if (x == NPU_CMD_NO_TENSOR || b->fail) {
		static const uint32_t dts[] = { NPU_DTYPE_F32, NPU_DTYPE_F32, NPU_DTYPE_I32,
						NPU_DTYPE_I8, NPU_DTYPE_U8 };
		uint32_t dt = dts[rnd(w, 5)];

		ndim = 1 + rnd(w, 4);
		for (i = 0; i < ndim; i++)
			sh[i] = rdim(b);
		x = b_tensor(b, dt, ndim, sh, dt == NPU_DTYPE_I8 || dt == NPU_DTYPE_U8);
		if (b->fail)
			return NPU_CMD_NO_TENSOR;
	}
	ndim = b->t[x].ndim;
	memcpy(sh, b->t[x].shape, sizeof(sh));
	in[0] = x;
	if (opcode == NPU_OP_ADD) {
		bnd = 1 + rnd(w, ndim);
		for (i = 0; i < bnd; i++)
			bsh[i] = chance(w, 1, 3) ? 1 : sh[ndim - bnd + i];
		in[1] = b_like(b, x, bnd, bsh, 0);
		y = b_like(b, x, ndim, sh, 0);
	} else {
		y = b_like(b, x, ndim, sh, 1);
	}
	o = b_op(b, opcode, opcode == NPU_OP_ADD ? 2 : 1, in, y);
	if (!o)
		return NPU_CMD_NO_TENSOR;
	if (opcode == NPU_OP_ADD) {
		b_act(w, &o->eltwise.activation, &o->eltwise.act_min, &o->eltwise.act_max);
	} else if (opcode == NPU_OP_CLIP) {
		uint32_t act;

		do
			b_act(w, &act, &o->eltwise.act_min, &o->eltwise.act_max);
		while (act != NPU_ACT_CLIP);
	}
	return y;
}

/* build 1..4 valid ops */
static void b_stream(struct bld *b)
{
	struct worker *w = b->w;
	uint32_t nops = chance(w, 3, 5) ? 1 : 2 + rnd(w, 3), i, last = NPU_CMD_NO_TENSOR;

	for (i = 0; i < nops && !b->fail; i++) {
		uint32_t r = rnd(w, 100);
		uint32_t prev = last;

		if (r < 30)
			last = b_gemm(b);
		else if (r < 50)
			last = b_conv(b);
		else if (r < 70)
			last = b_eltwise(b, chance(w, 1, 2) ? last : NPU_CMD_NO_TENSOR, NPU_OP_ADD);
		else if (r < 85)
			last = b_eltwise(b, chance(w, 2, 3) ? last : NPU_CMD_NO_TENSOR, NPU_OP_RELU);
		else
			last = b_eltwise(b, chance(w, 2, 3) ? last : NPU_CMD_NO_TENSOR, NPU_OP_CLIP);
		if (b->fail && i > 0) {
			/* keep what fit; drop the partial op */
			b->fail = 0;
			last = prev;
			break;
		}
	}
}

/* lay the stream out in @buf (zeroed); returns its size (0: does not fit) */
static uint32_t b_pack(struct bld *b, uint8_t *buf, uint32_t cap, struct layout *lay)
{
	struct worker *w = b->w;
	struct npu_cmd_header *h = (void *)buf;
	uint32_t tsz = b->nt * sizeof(struct npu_cmd_tensor);
	uint32_t osz = b->no * sizeof(struct npu_cmd_op);
	uint32_t gap1 = 0, gap2 = 0, tail = 0, size;
	int ops_first = chance(w, 1, 8);

	if (chance(w, 1, 6)) {
		gap1 = 8 * rnd(w, 8);
		gap2 = 8 * rnd(w, 8);
		tail = 8 * rnd(w, 4);
	}
	size = sizeof(*h) + gap1 + tsz + gap2 + osz + tail;
	if (size > cap)
		return 0;
	memset(buf, 0, size);
	h->magic = NPU_CMD_MAGIC;
	h->version = NPU_CMD_VERSION;
	h->header_size = sizeof(*h);
	h->size = size;
	h->num_tensors = b->nt;
	h->num_ops = b->no;
	if (ops_first) {
		h->op_offset = sizeof(*h) + gap1;
		h->tensor_offset = h->op_offset + osz + gap2;
	} else {
		h->tensor_offset = sizeof(*h) + gap1;
		h->op_offset = h->tensor_offset + tsz + gap2;
	}
	memcpy(buf + h->tensor_offset, b->t, tsz);
	memcpy(buf + h->op_offset, b->o, osz);
	lay->size = size;
	lay->toff = h->tensor_offset;
	lay->ooff = h->op_offset;
	lay->nt = b->nt;
	lay->no = b->no;
	return size;
}

/* ------------------------------------------------------------------ */
/* mutations                                                           */

static const uint32_t interesting32[] = {
	0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 96, 127, 128, 255, 256,
	1023, 1024, 1025, 4095, 4096, 4097, 65535, 65536, 1U << 20, (1U << 28) - 1, 1U << 28,
	(1U << 28) + 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x3155504e,
};

static const uint32_t interesting_f32[] = {
	0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7fc00000, 0xffc00000, 0x7f800000,
	0xff800000, 0x00000001, 0x7f7fffff, 0x00800000, 0xff7fffff, 0x40000000, 0x0d000000,
};

static uint32_t interesting(struct worker *w)
{
	if (chance(w, 1, 5))
		return (uint32_t)rnd64(w);
	return interesting32[rnd(w, sizeof(interesting32) / sizeof(interesting32[0]))];
}

static void put(uint8_t *buf, uint32_t off, uint32_t width, uint64_t v, uint32_t size)
{
	if (off + width > size)
		return;
	memcpy(buf + off, &v, width);	/* little endian */
}

static uint64_t get(const uint8_t *buf, uint32_t off, uint32_t width, uint32_t size)
{
	uint64_t v = 0;

	if (off + width <= size)
		memcpy(&v, buf + off, width);
	return v;
}

/* one mutation of the packed stream; returns a short name for the log */
static const char *mutate(struct worker *w, uint8_t *buf, uint32_t *size, uint32_t cap,
			  const struct layout *lay, const __u64 *bo_sizes, uint32_t nbos)
{
	uint32_t r = rnd(w, 100), base, fo;

	if (r < 10) {
		static const uint8_t hoff[] = { 0, 4, 6, 8, 12, 14, 16, 20, 24, 28 };
		static const uint8_t hw[] = { 4, 2, 2, 4, 2, 2, 4, 4, 4, 4 };
		uint32_t i = rnd(w, 10), v = interesting(w);

		if (i == 4 || i == 5)	/* counts: small deltas are the interesting ones */
			v = chance(w, 1, 2) ? (uint32_t)get(buf, hoff[i], 2, *size) + rnd(w, 3) - 1 : v;
		if ((i == 6 || i == 7) && chance(w, 1, 2))
			v = (uint32_t)get(buf, hoff[i], 4, *size) + 8 * (rnd(w, 5) - 2) + (chance(w, 1, 4) ? 4 : 0);
		put(buf, hoff[i], hw[i], v, *size);
		return "hdr";
	}
	if (r < 50 && lay->nt) {
		uint32_t ti = rnd(w, lay->nt);
		struct npu_cmd_tensor t;

		base = lay->toff + ti * sizeof(t);
		if (base + sizeof(t) > *size)
			return "none";
		memcpy(&t, buf + base, sizeof(t));
		switch (rnd(w, 14)) {
		case 0:
			t.bo_index = chance(w, 1, 2) ? nbos - rnd(w, 2) : interesting(w);
			break;
		case 1:
			t.dtype = chance(w, 1, 2) ? rnd(w, 6) : interesting(w);
			break;
		case 2:
		case 3: {
			/* offsets near the BO end, and overflow bait */
			uint64_t bsz = t.bo_index < nbos ? bo_sizes[t.bo_index] : 4096;
			uint64_t bytes = t_elems(&t) * (esz(t.dtype) ? esz(t.dtype) : 1);
			static const int64_t d[] = { 0, 1, -1, 4, -4, 8, 4096, -4096 };

			switch (rnd(w, 5)) {
			case 0:
			case 1:
				t.offset = bsz - bytes + d[rnd(w, 8)];
				break;
			case 2:
				t.offset = bsz + d[rnd(w, 8)];
				break;
			case 3:
				t.offset = UINT64_MAX - rnd(w, 8) * 4 - (chance(w, 1, 2) ? bytes - 1 : 0);
				break;
			default:
				t.offset = chance(w, 1, 2) ? 1ULL << (32 + rnd(w, 32)) : t.offset + 1 + rnd(w, 3);
				break;
			}
			break;
		}
		case 4:
			t.ndim = rnd(w, 6);
			break;
		case 5:
		case 6:
			t.shape[rnd(w, 4)] = chance(w, 1, 2) ? rnd(w, 3) : interesting(w);
			break;
		case 7:
			t.quant_type = rnd(w, 4);
			break;
		case 8:
			t.quant_axis = rnd(w, 5);
			break;
		case 9:
			t.scale = interesting_f32[rnd(w, sizeof(interesting_f32) / 4)];
			break;
		case 10:
			t.zero_point = chance(w, 1, 2) ? (int32_t)rnd(w, 520) - 260 : (int32_t)interesting(w);
			break;
		case 11:
			t.scale_tensor = chance(w, 1, 2) ? rnd(w, lay->nt + 2) : NPU_CMD_NO_TENSOR;
			break;
		case 12:
			t.flags = 1U << rnd(w, 32);
			break;
		default:
			t.reserved = interesting(w) | 1;
			break;
		}
		memcpy(buf + base, &t, sizeof(t));
		return "tensor";
	}
	if (r < 85 && lay->no) {
		uint32_t oi = rnd(w, lay->no);
		struct npu_cmd_op o;

		base = lay->ooff + oi * sizeof(o);
		if (base + sizeof(o) > *size)
			return "none";
		memcpy(&o, buf + base, sizeof(o));
		switch (rnd(w, 12)) {
		case 0:
			o.opcode = chance(w, 1, 2) ? rnd(w, 8) : (uint16_t)interesting(w);
			break;
		case 1:
			o.flags = (uint16_t)(1U << rnd(w, 16));
			break;
		case 2:
			o.num_inputs = chance(w, 1, 2) ? rnd(w, 6) : (uint16_t)interesting(w);
			break;
		case 3:
			o.num_outputs = rnd(w, 4);
			break;
		case 4:
		case 5: {
			uint32_t v = chance(w, 1, 3) ? NPU_CMD_NO_TENSOR :
				     chance(w, 1, 2) ? rnd(w, lay->nt + 2) : interesting(w);

			if (chance(w, 2, 3))
				o.inputs[rnd(w, 4)] = v;
			else
				o.outputs[rnd(w, 2)] = v;
			break;
		}
		case 6:
			/* alias: output = one of the inputs */
			o.outputs[0] = o.inputs[rnd(w, 2)];
			break;
		case 7:
		case 8:
		case 9:
			/* parameter words: strides, pads, groups, activations, floats */
			fo = rnd(w, 16);
			o.raw[fo] = chance(w, 1, 3) ? interesting_f32[rnd(w, sizeof(interesting_f32) / 4)] :
				    chance(w, 1, 2) ? rnd(w, 70) : interesting(w);
			break;
		case 10:
			o.raw[12 + rnd(w, 4)] = 1 + rnd(w, 7);
			break;
		default: {
			/* swap in another op's body */
			uint32_t oj = rnd(w, lay->no);

			if (lay->ooff + (oj + 1) * sizeof(o) <= *size)
				memcpy(&o, buf + lay->ooff + oj * sizeof(o), sizeof(o));
			o.inputs[rnd(w, 3)] = rnd(w, lay->nt);
			break;
		}
		}
		memcpy(buf + base, &o, sizeof(o));
		return "op";
	}
	if (r < 93) {
		/* a random byte or word anywhere */
		if (!*size)
			return "none";
		fo = rnd(w, *size);
		if (chance(w, 1, 2))
			buf[fo] ^= (uint8_t)(1U << rnd(w, 8));
		else
			put(buf, fo & ~3U, 4, interesting(w), *size);
		return "byte";
	}
	/* size games: truncate or extend (header.size follows sometimes) */
	if (chance(w, 1, 2) && *size > 8) {
		*size -= 1 + rnd(w, *size / 2 < 96 ? *size / 2 : 96);
	} else {
		uint32_t add = 1 + rnd(w, 128);

		if (*size + add <= cap) {
			memset(buf + *size, chance(w, 1, 2) ? 0 : 0xa5, add);
			*size += add;
		}
	}
	if (chance(w, 1, 2))
		put(buf, 8, 4, *size, *size);
	return "size";
}

/* ------------------------------------------------------------------ */
/* device discovery                                                    */

static int is_npu(int fd)
{
	struct drm_version v;
	char name[32];

	memset(&v, 0, sizeof(v));
	memset(name, 0, sizeof(name));
	v.name = name;
	v.name_len = sizeof(name) - 1;
	if (xioctl(fd, DRM_IOCTL_VERSION, &v))
		return 0;
	return !strcmp(name, "npu");
}

static int find_device(void)
{
	char p[64], link[600], target[512];
	int i, fd;
	ssize_t n;

	if (opt.device[0]) {
		snprintf(g_devpath, sizeof(g_devpath), "%s", opt.device);
	} else {
		g_devpath[0] = 0;
		for (i = 0; i < 64 && !g_devpath[0]; i++) {
			snprintf(p, sizeof(p), "/dev/accel/accel%d", i);
			fd = open(p, O_RDWR | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (is_npu(fd))
				snprintf(g_devpath, sizeof(g_devpath), "%s", p);
			close(fd);
		}
		if (!g_devpath[0])
			return -ENODEV;
	}
	if (opt.debugfs[0]) {
		snprintf(g_dbgdir, sizeof(g_dbgdir), "%s", opt.debugfs);
	} else {
		/* /sys/class/accel/accelN/device -> .../npu.0 */
		const char *base = strrchr(g_devpath, '/');

		snprintf(link, sizeof(link), "/sys/class/accel/%s/device", base ? base + 1 : g_devpath);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = 0;
			base = strrchr(target, '/');
			snprintf(g_dbgdir, sizeof(g_dbgdir), "/sys/kernel/debug/accel/%.200s",
				 base ? base + 1 : target);
		}
	}
	if (g_dbgdir[0]) {
		snprintf(link, sizeof(link), "%.200s/fault_hang", g_dbgdir);
		g_have_hang = access(link, W_OK) == 0;
	}
	return 0;
}

static int dev_open(void)
{
	int fd = open(g_devpath, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* ------------------------------------------------------------------ */
/* small ioctl wrappers                                                */

static int bo_create(int fd, uint64_t size, uint32_t flags, uint32_t *handle)
{
	struct drm_npu_bo_create c = { .size = size, .flags = flags };
	int ret = xioctl(fd, DRM_IOCTL_NPU_BO_CREATE, &c);

	if (!ret)
		*handle = c.handle;
	return ret;
}

static int bo_info(int fd, uint32_t handle, uint32_t flags, uint64_t *off, uint64_t *size)
{
	struct drm_npu_bo_info i = { .handle = handle, .flags = flags };
	int ret = xioctl(fd, DRM_IOCTL_NPU_BO_INFO, &i);

	if (!ret) {
		*off = i.offset;
		*size = i.size;
	}
	return ret;
}

static int gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

static int npu_wait(int fd, uint64_t seqno, uint32_t handle, uint32_t flags, int64_t tmo)
{
	struct drm_npu_wait a = { .seqno = seqno, .timeout_ns = tmo, .handle = handle,
				  .flags = flags };

	return xioctl(fd, DRM_IOCTL_NPU_WAIT, &a);
}

static void *bo_map(int fd, uint32_t handle, size_t size)
{
	uint64_t off, sz;
	void *p;

	if (bo_info(fd, handle, 0, &off, &sz))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
	return p == MAP_FAILED ? NULL : p;
}

/* ------------------------------------------------------------------ */
/* the control job: Y[8,8] = A[8,8] * B[8,8] + bias, exact integers    */

#define CM 8
#define CK 8
#define CN 8

static void gemm_stream(uint8_t *cmd, uint32_t *size, uint32_t m, uint32_t k, uint32_t n)
{
	struct npu_cmd_header *h = (void *)cmd;
	struct npu_cmd_tensor *t = (void *)(cmd + sizeof(*h));
	struct npu_cmd_op *o = (void *)(cmd + sizeof(*h) + 4 * sizeof(*t));
	int i;

	memset(cmd, 0, sizeof(*h) + 4 * sizeof(*t) + sizeof(*o));
	h->magic = NPU_CMD_MAGIC;
	h->version = NPU_CMD_VERSION;
	h->header_size = sizeof(*h);
	h->size = sizeof(*h) + 4 * sizeof(*t) + sizeof(*o);
	h->num_tensors = 4;
	h->num_ops = 1;
	h->tensor_offset = sizeof(*h);
	h->op_offset = sizeof(*h) + 4 * sizeof(*t);
	for (i = 0; i < 4; i++) {
		t[i].dtype = NPU_DTYPE_F32;
		t[i].scale_tensor = NPU_CMD_NO_TENSOR;
	}
	t[0].ndim = 2; t[0].shape[0] = m; t[0].shape[1] = k;
	t[1].ndim = 2; t[1].shape[0] = k; t[1].shape[1] = n;
	t[1].offset = (uint64_t)m * k * 4;
	t[2].ndim = 1; t[2].shape[0] = n;
	t[2].offset = ((uint64_t)m * k + (uint64_t)k * n) * 4;
	t[3].bo_index = 1; t[3].ndim = 2; t[3].shape[0] = m; t[3].shape[1] = n;
	o->opcode = NPU_OP_GEMM;
	o->num_inputs = 3;
	o->num_outputs = 1;
	o->inputs[0] = 0; o->inputs[1] = 1; o->inputs[2] = 2; o->inputs[3] = NPU_CMD_NO_TENSOR;
	o->outputs[0] = 3; o->outputs[1] = NPU_CMD_NO_TENSOR;
	*size = h->size;
}

static int control_init(struct worker *w)
{
	struct control *c = &w->ctl;
	struct rng r;
	float *a, *b, *bias;
	int ret, i, j, l;

	rng_seed(&r, opt.seed, 0x10000 + w->id);
	c->fd = dev_open();
	if (c->fd < 0)
		return c->fd;
	c->in_size = 4096;
	c->out_size = 4096;
	ret = bo_create(c->fd, c->in_size, 0, &c->in);
	if (!ret)
		ret = bo_create(c->fd, c->out_size, 0, &c->out);
	if (ret)
		return ret;
	c->in_map = bo_map(c->fd, c->in, c->in_size);
	c->out_map = bo_map(c->fd, c->out, c->out_size);
	if (!c->in_map || !c->out_map)
		return -errno;
	a = (float *)c->in_map;
	b = a + CM * CK;
	bias = b + CK * CN;
	for (i = 0; i < CM * CK; i++)
		a[i] = (float)((int)(rng_next(&r) % 17) - 8);
	for (i = 0; i < CK * CN; i++)
		b[i] = (float)((int)(rng_next(&r) % 17) - 8);
	for (i = 0; i < CN; i++)
		bias[i] = (float)((int)(rng_next(&r) % 201) - 100);
	for (i = 0; i < CM; i++)
		for (j = 0; j < CN; j++) {
			float acc = bias[j];

			for (l = 0; l < CK; l++)
				acc += a[i * CK + l] * b[l * CN + j];
			c->ref[i * CN + j] = acc;
		}
	gemm_stream(c->cmd, &c->cmd_size, CM, CK, CN);
	return 0;
}

/*
 * Run the control job on @fd with BOs @in/@out mapped at @im/@om. A hang
 * injected by fault_hang (or a spurious timeout) makes it -ETIMEDOUT: retry.
 */
static int control_run_on(struct worker *w, int fd, uint32_t in, uint32_t out, uint8_t *om,
			  const char *where, uint32_t *nsubmits)
{
	struct control *c = &w->ctl;
	struct drm_npu_submit s;
	uint32_t bos[2] = { in, out };
	int tries, ret = 0, i;
	float *y = (float *)om;

	for (tries = 0; tries < 30; tries++) {
		memset(om, 0xa5, CM * CN * 4);
		memset(&s, 0, sizeof(s));
		s.cmd = (uintptr_t)c->cmd;
		s.cmd_size = c->cmd_size;
		s.bo_handles = (uintptr_t)bos;
		s.bo_count = 2;
		s.priority = (uint32_t)(rng_next(&w->crng) % 3);
		ret = xioctl(fd, DRM_IOCTL_NPU_SUBMIT, &s);
		if (ret == -ENOMEM) {
			usleep(10000);
			continue;
		}
		if (ret) {
			DESC(w, "control job on %s", where);
			finding(w, "control job: SUBMIT failed with %s", errname(ret));
			return ret;
		}
		(*nsubmits)++;
		ret = npu_wait(fd, s.seqno, 0, 0, 60LL * 1000000000LL);
		if (ret == -ETIMEDOUT) {
			w->st->control_retries++;
			continue;
		}
		if (ret) {
			DESC(w, "control job on %s, seqno %llu", where, (unsigned long long)s.seqno);
			finding(w, "control job: WAIT gave %s", errname(ret));
			return ret;
		}
		for (i = 0; i < CM * CN; i++)
			if (y[i] != c->ref[i]) {
				DESC(w, "control job on %s, seqno %llu", where,
				     (unsigned long long)s.seqno);
				finding(w, "control job: wrong result Y[%d] = %g, expected %g", i,
					(double)y[i], (double)c->ref[i]);
				return -EBADMSG;
			}
		w->st->control_runs++;
		return 0;
	}
	DESC(w, "control job on %s", where);
	finding(w, "control job: %s 30 times in a row", errname(ret));
	return ret;
}

static void op_control(struct worker *w)
{
	struct control *c = &w->ctl;
	struct proc_state *ps = w->ps;
	uint32_t in, out, n = 0;
	uint8_t *im, *om;
	int fi, fd = -1;

	w->st->op_count[OP_CONTROL]++;
	control_run_on(w, c->fd, c->in, c->out, c->out_map, "control fd", &n);
	/* every other time also on a fuzzed file, with fresh BOs */
	if (!w->strict || chance(w, 1, 2))
		return;
	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	if (fi >= 0)
		fd = ps->files[fi].fd;
	pthread_mutex_unlock(&ps->lock);
	if (fd < 0)
		return;
	if (bo_create(fd, 4096, 0, &in))
		return;
	if (bo_create(fd, 4096, 0, &out)) {
		gem_close(fd, in);
		return;
	}
	im = bo_map(fd, in, 4096);
	om = bo_map(fd, out, 4096);
	if (im && om) {
		memcpy(im, c->in_map, 4096);
		n = 0;
		control_run_on(w, fd, in, out, om, "fuzzed file", &n);
		/* the fuzzer's model of the file: seqnos used */
		pthread_mutex_lock(&ps->lock);
		if (ps->files[fi].fd == fd)
			ps->files[fi].last_seqno += n;
		pthread_mutex_unlock(&ps->lock);
	}
	if (im)
		munmap(im, 4096);
	if (om)
		munmap(om, 4096);
	gem_close(fd, in);
	gem_close(fd, out);
}

/* ------------------------------------------------------------------ */
/* operations on files                                                 */

static void op_open(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(EMFILE, ENFILE, -1);
	int i, slot = -1, fd;

	pthread_mutex_lock(&ps->lock);
	for (i = 0; i < MAX_FILES; i++)
		if (ps->files[i].fd == -1) {
			slot = i;
			ps->files[i].fd = -2;
			break;
		}
	pthread_mutex_unlock(&ps->lock);
	if (slot < 0)
		return;
	fd = dev_open();
	DESC(w, "slot %d -> fd %d", slot, fd);
	result(w, OP_OPEN, fd < 0 ? fd : 0, &ok, 0);
	pthread_mutex_lock(&ps->lock);
	if (fd >= 0) {
		memset(&ps->files[slot], 0, sizeof(ps->files[slot]));
		ps->files[slot].fd = fd;
	} else {
		ps->files[slot].fd = -1;
	}
	pthread_mutex_unlock(&ps->lock);
}

static void file_forget(struct proc_state *ps, struct fz_file *f)
{
	int i;

	for (i = 0; i < f->nbos; i++)
		ps_bo_bytes(ps, &f->bos[i], 0);
	for (i = 0; i < f->nsyncs; i++)
		ps->sobj[f->syncs[i].obj].refs--;
	f->nbos = 0;
	f->nsyncs = 0;
	f->fd = -1;
}

static void op_close(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(-1);
	int fi, fd, ret;
	int64_t t0, dt;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	if (fi < 0) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	fd = ps->files[fi].fd;
	file_forget(ps, &ps->files[fi]);
	pthread_mutex_unlock(&ps->lock);
	DESC(w, "slot %d fd %d", fi, fd);
	t0 = now_ns();
	ret = close(fd) ? -errno : 0;
	dt = now_ns() - t0;
	if ((uint64_t)dt > w->st->max_close_ns)
		w->st->max_close_ns = dt;
	result(w, OP_CLOSE, ret, &ok, 0);
}

static uint64_t rand_bo_size(struct worker *w, int *huge, int *pred)
{
	uint32_t r = rnd(w, 1000);
	uint64_t max = g_lim.max_bo_size, s;

	*huge = 0;
	*pred = 0;
	if (r < 25) {
		*pred = -EINVAL;
		return 0;
	}
	if (r < 50) {
		static const uint64_t big[] = { 1ULL << 63, UINT64_MAX, 1ULL << 40, 1ULL << 32 };

		s = rnd(w, 3) ? max + 1 + rnd(w, 3) * PAGE - (rnd(w, 2) ? 1 : 0) : big[rnd(w, 4)];
		if (s == max) s++;
		*pred = -E2BIG;
		return s;
	}
	if (r < 60) {
		*huge = 1;
		if (max <= (64ULL << 20) || chance(w, 1, 2))
			return max;
		return (64ULL << 20) + rnd64(w) % (max - (64ULL << 20));
	}
	if (r < 450)
		return 1 + rnd(w, 8192);
	if (r < 750)
		return PAGE * (1 + rnd(w, 16));
	if (r < 950)
		return 16384 + rnd(w, 256 * 1024);
	return (256 * 1024) + rnd(w, 2 * 1024 * 1024);
}

/*
 * A huge BO (up to limits.max_bo_size) lives within one op: a job or a long
 * series of writes would make the kernel allocate all of its pages, and a
 * few of those exhaust the VM. Map a window, touch it, maybe share it as a
 * dma-buf with another file, close everything.
 */
static void huge_bo_life(struct worker *w, int fd, uint32_t handle, uint64_t size)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(-1);
	uint64_t off = 0, sz = 0, want = (size + PAGE - 1) & ~(PAGE - 1);
	struct drm_prime_handle p;
	int ret, fi, gd = -1, dmabuf;
	uint8_t *m;

	ret = bo_info(fd, handle, 0, &off, &sz);
	if (!ret && sz != want && w->strict)
		finding(w, "BO_INFO of a huge BO: size %" PRIu64 ", expected %" PRIu64, sz, want);
	if (!ret && chance(w, 1, 2)) {
		size_t len = PAGE * (1 + rnd(w, 16));

		m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
		if (m == MAP_FAILED) {
			DESC(w, "mmap window of huge BO %u", handle);
			result(w, OP_MMAP, -errno, &ok, 0);
		} else {
			m[0] = 1;
			m[len - 1] = 2;
			munmap(m, len);
		}
	}
	if (chance(w, 1, 3)) {
		memset(&p, 0, sizeof(p));
		p.handle = handle;
		p.flags = DRM_CLOEXEC | DRM_RDWR;
		p.fd = -1;
		pthread_mutex_lock(&ps->lock);
		fi = pick_file(w);
		if (fi >= 0)
			gd = ps->files[fi].fd;
		pthread_mutex_unlock(&ps->lock);
		ret = xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
		DESC(w, "export huge BO %u of fd %d", handle, fd);
		result(w, OP_PRIME_EXPORT, ret, &ok, 0);
		dmabuf = ret ? -1 : p.fd;
		if (dmabuf >= 0 && gd >= 0) {
			memset(&p, 0, sizeof(p));
			p.fd = dmabuf;
			ret = xioctl(gd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
			DESC(w, "import huge dma-buf %d into fd %d", dmabuf, gd);
			result(w, OP_PRIME_IMPORT, ret, &ok, 0);
			/*
			 * Close the imported handle unless the file already had
			 * one (its own BO: the same handle comes back).
			 */
			pthread_mutex_lock(&ps->lock);
			if (!ret && ps->files[fi].fd == gd && !file_bo(&ps->files[fi], p.handle) &&
			    !(gd == fd && p.handle == handle))
				gem_close(gd, p.handle);
			pthread_mutex_unlock(&ps->lock);
		}
		if (dmabuf >= 0)
			close(dmabuf);
	}
	DESC(w, "close huge BO %u of fd %d", handle, fd);
	result(w, OP_GEM_CLOSE, gem_close(fd, handle), &ok, 0);
}

static void op_bo_create(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(EINVAL, E2BIG, -1);
	struct fz_file *f;
	uint64_t size;
	uint32_t flags = 0, handle = 0;
	int fi, fd, huge, pred, ret;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	if (fi < 0 || ps->files[fi].nbos >= MAX_BOS) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	fd = ps->files[fi].fd;
	size = rand_bo_size(w, &huge, &pred);
	if (!huge && !pred && ps->bo_bytes + size > BO_BUDGET)
		size = 1 + rnd(w, 4096);
	pthread_mutex_unlock(&ps->lock);

	if (chance(w, 3, 100)) {
		flags = chance(w, 1, 2) ? 1U << rnd(w, 32) : (uint32_t)rnd64(w) | 1;
		pred = -EINVAL;
	} else if (!size) {
		pred = -EINVAL;
	}
	DESC(w, "fd %d size %" PRIu64 " flags %#x%s", fd, size, flags, huge ? " (huge)" : "");
	ret = bo_create(fd, size, flags, &handle);
	result(w, OP_BO_CREATE, ret, &ok, pred);
	if (ret)
		return;
	if (huge) {
		huge_bo_life(w, fd, handle, size);
		return;
	}
	pthread_mutex_lock(&ps->lock);
	f = &ps->files[fi];
	if (f->fd == fd && f->nbos < MAX_BOS && !file_bo(f, handle)) {
		struct fz_bo *b = &f->bos[f->nbos++];

		memset(b, 0, sizeof(*b));
		b->handle = handle;
		b->size = (size + PAGE - 1) & ~(PAGE - 1);
		b->huge = huge;
		ps_bo_bytes(ps, b, 1);
	} else if (f->fd == fd) {
		/* table full (another thread) or model out of sync: drop it */
		gem_close(fd, handle);
	}
	pthread_mutex_unlock(&ps->lock);
}

static void op_bo_info(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(ENOENT, EINVAL, -1);
	struct fz_file *f;
	struct fz_bo *b;
	uint32_t handle, flags = 0;
	uint64_t off = 0, size = 0, want = 0;
	int fi, fd, pred, ret;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	if (fi < 0) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	f = &ps->files[fi];
	fd = f->fd;
	handle = pick_bo_handle(w, f, 80);
	b = file_bo(f, handle);
	pred = b ? 0 : -ENOENT;
	if (b)
		want = b->size;
	pthread_mutex_unlock(&ps->lock);
	if (chance(w, 3, 100)) {
		flags = 1U << rnd(w, 32);
		pred = -EINVAL;
	}
	DESC(w, "fd %d handle %u flags %#x", fd, handle, flags);
	ret = bo_info(fd, handle, flags, &off, &size);
	result(w, OP_BO_INFO, ret, &ok, pred);
	if (ret || !w->strict || !want)
		return;
	if (size != want)
		finding(w, "BO_INFO size %" PRIu64 ", the BO was created with %" PRIu64,
			size, want);
	if (!off || (off & (PAGE - 1)))
		finding(w, "BO_INFO offset %#" PRIx64 " is not a page-aligned fake offset", off);
	pthread_mutex_lock(&ps->lock);
	b = file_bo(f, handle);
	if (b && f->fd == fd) {
		if (b->mmap_off && b->mmap_off != off)
			finding(w, "BO_INFO offset changed from %#" PRIx64 " to %#" PRIx64,
				b->mmap_off, off);
		b->mmap_off = off;
	}
	pthread_mutex_unlock(&ps->lock);
}

static void op_mmap(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(EINVAL, EACCES, -1);
	struct fz_file *f;
	struct fz_bo b;
	uint64_t off, sz, len;
	int fi, fd, pred = 0, ret, prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED;
	uint32_t r;
	void *p;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	if (fi < 0 || !ps->files[fi].nbos) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	f = &ps->files[fi];
	fd = f->fd;
	b = f->bos[rnd(w, f->nbos)];
	pthread_mutex_unlock(&ps->lock);

	if (!b.mmap_off) {
		if (bo_info(fd, b.handle, 0, &off, &sz))
			return;
		b.mmap_off = off;
	}
	off = b.mmap_off;
	len = b.size;
	r = rnd(w, 100);
	if (r < 55) {
		/* the whole BO */
	} else if (r < 75) {
		len = PAGE * (1 + rnd(w, (uint32_t)(b.size / PAGE)));
	} else if (r < 82) {
		len = b.size + PAGE * (1 + rnd(w, 2));
		pred = -EINVAL;
	} else if (r < 87) {
		off += PAGE * (1 + rnd(w, 4));
		len = PAGE;
		pred = NOPRED;	/* may hit another BO's node */
	} else if (r < 92) {
		off = (rnd64(w) & 0xffffffff000ULL);
		len = PAGE;
		pred = NOPRED;
	} else if (r < 96) {
		flags = MAP_PRIVATE;
		pred = -EINVAL;
	} else {
		prot = PROT_READ;
	}
	if (b.huge && len > (64 << 20) && !pred)
		len = 64 << 20;	/* valid but partial: keep the page tables small */
	DESC(w, "fd %d handle %u off %#" PRIx64 " len %" PRIu64 " prot %d %s", fd, b.handle,
	     off, len, prot, flags == MAP_PRIVATE ? "private" : "shared");
	p = mmap(NULL, len, prot, flags, fd, (off_t)off);
	ret = p == MAP_FAILED ? -errno : 0;
	/* another file's BO at that offset: EACCES; nothing there: EINVAL */
	result(w, OP_MMAP, ret, &ok, pred);
	if (ret)
		return;
	if (pred == NOPRED) {
		/*
		 * A guessed offset that hit some BO: fake offsets are device
		 * global, so whether it does depends on the other processes.
		 * Keep it out of the model, or --worker replays would diverge.
		 */
		if (prot & PROT_WRITE)
			((volatile uint8_t *)p)[0] = 0;
		munmap(p, len);
		return;
	}
	pthread_mutex_lock(&ps->lock);
	if (ps->nmaps == MAX_MAPS) {
		int v = rnd(w, MAX_MAPS);

		munmap(ps->maps[v].p, ps->maps[v].len);
		ps->maps[v] = ps->maps[--ps->nmaps];
	}
	ps->maps[ps->nmaps].p = p;
	ps->maps[ps->nmaps].len = len;
	ps->maps[ps->nmaps].writable = !!(prot & PROT_WRITE);
	ps->nmaps++;
	pthread_mutex_unlock(&ps->lock);
}

static void op_munmap(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(-1);
	struct fz_map *m;
	int i, ret;

	pthread_mutex_lock(&ps->lock);
	if (!ps->nmaps) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	i = rnd(w, ps->nmaps);
	m = &ps->maps[i];
	if (m->len > PAGE && chance(w, 1, 4)) {
		/* split the VMA: unmap the first or the last page */
		if (chance(w, 1, 2)) {
			DESC(w, "first page of %p len %zu", (void *)m->p, m->len);
			ret = munmap(m->p, PAGE) ? -errno : 0;
			m->p += PAGE;
		} else {
			DESC(w, "last page of %p len %zu", (void *)m->p, m->len);
			ret = munmap(m->p + m->len - PAGE, PAGE) ? -errno : 0;
		}
		m->len -= PAGE;
	} else {
		DESC(w, "%p len %zu", (void *)m->p, m->len);
		ret = munmap(m->p, m->len) ? -errno : 0;
		*m = ps->maps[--ps->nmaps];
	}
	pthread_mutex_unlock(&ps->lock);
	result(w, OP_MUNMAP, ret, &ok, 0);
}

static void op_map_write(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(-1);
	struct fz_map *m;
	size_t off, len, i;
	volatile uint8_t sink = 0;

	pthread_mutex_lock(&ps->lock);
	if (!ps->nmaps) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	m = &ps->maps[rnd(w, ps->nmaps)];
	off = rnd(w, (uint32_t)m->len);
	len = 1 + rnd(w, (uint32_t)(m->len - off < 8192 ? m->len - off : 8192));
	if (m->writable) {
		uint32_t r = rnd(w, 3);

		if (r == 0) {
			memset(m->p + off, (int)rnd(w, 256), len);
		} else if (r == 1) {
			/* small integers as floats, so valid jobs compute something */
			for (i = 0; i + 4 <= len; i += 4) {
				float v = (float)((int)rnd(w, 17) - 8);

				memcpy(m->p + ((off + i) & ~3UL), &v, 4);
			}
		} else {
			for (i = 0; i < len; i++)
				m->p[off + i] = (uint8_t)rnd(w, 256);
		}
	}
	for (i = 0; i < len; i += 64)
		sink += m->p[off + i];
	DESC(w, "%s %p+%zu len %zu", m->writable ? "write" : "read", (void *)m->p, off, len);
	pthread_mutex_unlock(&ps->lock);
	(void)sink;
	result(w, OP_MAP_WRITE, 0, &ok, 0);
}

static void op_gem_close(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(EINVAL, -1);
	struct fz_file *f;
	uint32_t handle;
	int fi, fd, pred, ret;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	if (fi < 0) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	f = &ps->files[fi];
	fd = f->fd;
	handle = pick_bo_handle(w, f, 75);
	pred = file_bo(f, handle) ? 0 : -EINVAL;
	if (!pred)
		file_del_bo(ps, f, handle);
	pthread_mutex_unlock(&ps->lock);
	DESC(w, "fd %d handle %u", fd, handle);
	ret = gem_close(fd, handle);
	result(w, OP_GEM_CLOSE, ret, &ok, pred);
}

/* ------------------------------------------------------------------ */
/* PRIME                                                               */

static void dmabuf_add(struct proc_state *ps, struct worker *w, int fd, uint64_t size)
{
	if (ps->ndmabufs == MAX_DMABUFS) {
		int v = rnd(w, MAX_DMABUFS);

		close(ps->dmabufs[v].fd);
		ps->dmabufs[v] = ps->dmabufs[--ps->ndmabufs];
	}
	ps->dmabufs[ps->ndmabufs].fd = fd;
	ps->dmabufs[ps->ndmabufs].size = size;
	ps->ndmabufs++;
}

static void op_prime_export(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(ENOENT, EINVAL, EMFILE, -1);
	struct drm_prime_handle p;
	struct fz_file *f;
	struct fz_bo *b;
	uint64_t size = 0;
	int fi, fd, pred, ret;
	uint32_t r;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	if (fi < 0) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	f = &ps->files[fi];
	fd = f->fd;
	memset(&p, 0, sizeof(p));
	p.handle = pick_bo_handle(w, f, 85);
	p.fd = -1;
	b = file_bo(f, p.handle);
	pred = b ? 0 : -ENOENT;
	if (b)
		size = b->size;
	pthread_mutex_unlock(&ps->lock);
	r = rnd(w, 100);
	p.flags = r < 80 ? DRM_CLOEXEC | DRM_RDWR : r < 90 ? DRM_CLOEXEC : r < 95 ? 0 :
		  1U << rnd(w, 32);
	if (p.flags & ~(DRM_CLOEXEC | DRM_RDWR))
		pred = -EINVAL;
	DESC(w, "fd %d handle %u flags %#x", fd, p.handle, p.flags);
	ret = xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	result(w, OP_PRIME_EXPORT, ret, &ok, pred);
	if (ret)
		return;
	if (!(p.flags & DRM_CLOEXEC))
		fcntl(p.fd, F_SETFD, FD_CLOEXEC);
	pthread_mutex_lock(&ps->lock);
	dmabuf_add(ps, w, p.fd, size);
	pthread_mutex_unlock(&ps->lock);
}

/* add an imported handle to @f (the same object may have one already) */
static void file_add_import(struct worker *w, struct fz_file *f, uint32_t handle,
			    uint64_t size)
{
	struct fz_bo *b = file_bo(f, handle);

	if (b) {
		if (w->strict && size && b->size != size)
			finding(w, "import returned handle %u of size %" PRIu64
				", the dma-buf has %" PRIu64, handle, b->size, size);
		return;
	}
	if (f->nbos >= MAX_BOS) {
		gem_close(f->fd, handle);
		return;
	}
	b = &f->bos[f->nbos++];
	memset(b, 0, sizeof(*b));
	b->handle = handle;
	b->size = size;
	b->imported = 1;
	b->huge = size > (64ULL << 20) || !size;
}

static void op_prime_import(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(EBADF, EINVAL, -1);
	struct drm_prime_handle p;
	uint64_t size = 0;
	int fi, fd, pred = 0, ret;
	uint32_t r;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	if (fi < 0) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	fd = ps->files[fi].fd;
	memset(&p, 0, sizeof(p));
	r = rnd(w, 100);
	if (r < 85 && ps->ndmabufs) {
		int i = rnd(w, ps->ndmabufs);

		p.fd = ps->dmabufs[i].fd;
		size = ps->dmabufs[i].size;
	} else if (r < 90) {
		p.fd = -1;
		pred = -EBADF;
	} else if (r < 95) {
		p.fd = fd;	/* not a dma-buf */
		pred = -EINVAL;
	} else {
		p.fd = 0x7ffffff0;
		pred = -EBADF;
	}
	pthread_mutex_unlock(&ps->lock);
	DESC(w, "fd %d dmabuf %d", fd, p.fd);
	ret = xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	result(w, OP_PRIME_IMPORT, ret, &ok, pred);
	if (ret)
		return;
	pthread_mutex_lock(&ps->lock);
	if (ps->files[fi].fd == fd)
		file_add_import(w, &ps->files[fi], p.handle, size);
	pthread_mutex_unlock(&ps->lock);
}

static void op_dmabuf_close(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(-1);
	int i, fd, ret;

	pthread_mutex_lock(&ps->lock);
	if (!ps->ndmabufs) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	i = rnd(w, ps->ndmabufs);
	fd = ps->dmabufs[i].fd;
	ps->dmabufs[i] = ps->dmabufs[--ps->ndmabufs];
	pthread_mutex_unlock(&ps->lock);
	DESC(w, "dmabuf %d", fd);
	ret = close(fd) ? -errno : 0;
	result(w, OP_DMABUF_CLOSE, ret, &ok, 0);
}

/* a vgem BO (a foreign shmem exporter) imported into a fuzzed file */
static void op_vgem_import(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(-1);
	struct drm_mode_create_dumb c;
	struct drm_prime_handle p;
	int fi, fd, ret, dmabuf;

	if (ps->vgem_fd < 0)
		return;
	memset(&c, 0, sizeof(c));
	c.width = 1024 * (1 + rnd(w, 16));
	c.height = 1 + rnd(w, 4);
	c.bpp = 32;
	if (xioctl(ps->vgem_fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return;
	memset(&p, 0, sizeof(p));
	p.handle = c.handle;
	p.flags = DRM_CLOEXEC | DRM_RDWR;
	ret = xioctl(ps->vgem_fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	gem_close(ps->vgem_fd, c.handle);
	if (ret)
		return;
	dmabuf = p.fd;
	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	fd = fi >= 0 ? ps->files[fi].fd : -1;
	pthread_mutex_unlock(&ps->lock);
	if (fd < 0) {
		close(dmabuf);
		return;
	}
	memset(&p, 0, sizeof(p));
	p.fd = dmabuf;
	DESC(w, "fd %d vgem dmabuf %d size %llu", fd, dmabuf, (unsigned long long)c.size);
	ret = xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	result(w, OP_VGEM_IMPORT, ret, &ok, 0);
	pthread_mutex_lock(&ps->lock);
	if (!ret && ps->files[fi].fd == fd)
		file_add_import(w, &ps->files[fi], p.handle, c.size);
	if (chance(w, 1, 2))
		dmabuf_add(ps, w, dmabuf, c.size);
	else
		close(dmabuf);
	pthread_mutex_unlock(&ps->lock);
}

/* ------------------------------------------------------------------ */
/* syncobjs                                                            */

static void op_syncobj_create(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(EINVAL, -1);
	struct drm_syncobj_create c;
	struct fz_file *f;
	int fi, fd, pred = 0, ret, i;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	if (fi < 0 || ps->files[fi].nsyncs >= MAX_SYNCS) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	fd = ps->files[fi].fd;
	pthread_mutex_unlock(&ps->lock);
	memset(&c, 0, sizeof(c));
	c.flags = chance(w, 1, 2) ? DRM_SYNCOBJ_CREATE_SIGNALED : 0;
	if (chance(w, 1, 30)) {
		c.flags |= 2U << rnd(w, 31);
		pred = -EINVAL;
	}
	DESC(w, "fd %d flags %#x", fd, c.flags);
	ret = xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c);
	result(w, OP_SYNCOBJ_CREATE, ret, &ok, pred);
	if (ret)
		return;
	pthread_mutex_lock(&ps->lock);
	f = &ps->files[fi];
	if (f->fd == fd && f->nsyncs < MAX_SYNCS && !file_sync(f, c.handle) &&
	    (i = sobj_new(ps, !!(c.flags & DRM_SYNCOBJ_CREATE_SIGNALED))) >= 0) {
		f->syncs[f->nsyncs].handle = c.handle;
		f->syncs[f->nsyncs].obj = i;
		f->nsyncs++;
	} else if (f->fd == fd) {
		struct drm_syncobj_destroy d = { .handle = c.handle };

		xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
	}
	pthread_mutex_unlock(&ps->lock);
}

static void op_syncobj_destroy(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(EINVAL, -1);
	struct drm_syncobj_destroy d;
	struct fz_file *f;
	int fi, fd, pred, ret;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	if (fi < 0) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	f = &ps->files[fi];
	fd = f->fd;
	memset(&d, 0, sizeof(d));
	d.handle = pick_sync_handle(w, f, 80);
	pred = file_sync(f, d.handle) ? 0 : -EINVAL;
	if (chance(w, 1, 30)) {
		d.pad = 1 + rnd(w, 100);
		pred = -EINVAL;
	}
	if (!pred)
		file_del_sync(ps, f, d.handle);
	pthread_mutex_unlock(&ps->lock);
	DESC(w, "fd %d handle %u pad %u", fd, d.handle, d.pad);
	ret = xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
	result(w, OP_SYNCOBJ_DESTROY, ret, &ok, pred);
}

/* SIGNAL, RESET and WAIT on an array of syncobjs */
static void op_syncobj_array(struct worker *w, enum op op)
{
	struct proc_state *ps = w->ps;
	struct eset ok = op == OP_SYNCOBJ_WAIT ? eset_of(EINVAL, ENOENT, EFAULT, ETIME, -1) :
			 eset_of(EINVAL, ENOENT, EFAULT, -1);
	uint32_t h[4], n, i, pad = 0;
	struct uptr u;
	struct fz_file *f;
	int fi, fd, pred = 0, ret, fenceless = 0;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	if (fi < 0) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	f = &ps->files[fi];
	fd = f->fd;
	n = chance(w, 1, 20) ? 0 : 1 + rnd(w, 3);
	for (i = 0; i < n; i++) {
		struct fz_sync *s;

		h[i] = pick_sync_handle(w, f, 92);
		s = file_sync(f, h[i]);
		if (!s && !pred)
			pred = -ENOENT;
		if (s && !*fence_of(ps, s))
			fenceless = 1;
	}
	pthread_mutex_unlock(&ps->lock);
	u = place(w, h, n * 4, 4, w->scratch, 0);
	if (n && u.readable < n * 4)
		pred = -EFAULT;
	if (!n)
		pred = -EINVAL;

	if (op == OP_SYNCOBJ_WAIT) {
		struct drm_syncobj_wait a;
		uint32_t r = rnd(w, 100);

		memset(&a, 0, sizeof(a));
		a.handles = u.p;
		a.count_handles = n;
		a.flags = (chance(w, 1, 2) ? DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL : 0) |
			  (chance(w, 1, 3) ? DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT : 0);
		if (chance(w, 1, 30))
			a.flags |= 1U << (4 + rnd(w, 28));
		a.timeout_nsec = r < 30 ? 0 : now_ns() + (int64_t)rnd(w, 5000000);
		if (chance(w, 1, 40))
			a.timeout_nsec = -1 - (int64_t)rnd(w, 1000);
		DESC(w, "fd %d n %u handles %s [%u %u %u] flags %#x tmo %lld", fd, n, u.kind,
		     h[0], n > 1 ? h[1] : 0, n > 2 ? h[2] : 0, a.flags,
		     (long long)a.timeout_nsec);
		ret = xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &a);
		/* the order of these checks is the DRM core's business */
		(void)fenceless;
		result(w, op, ret, &ok, NOPRED);
		return;
	} else {
		struct drm_syncobj_array a;

		memset(&a, 0, sizeof(a));
		a.handles = u.p;
		a.count_handles = n;
		if (chance(w, 1, 30)) {
			pad = 1 + rnd(w, 10);
			pred = -EINVAL;
		}
		a.pad = pad;
		DESC(w, "fd %d n %u handles %s [%u %u %u] pad %u", fd, n, u.kind, h[0],
		     n > 1 ? h[1] : 0, n > 2 ? h[2] : 0, pad);
		ret = xioctl(fd, op == OP_SYNCOBJ_SIGNAL ? DRM_IOCTL_SYNCOBJ_SIGNAL :
			     DRM_IOCTL_SYNCOBJ_RESET, &a);
		/* EINVAL checks come first in the core, before the copy */
		result(w, op, ret, &ok, pad || !n ? -EINVAL : pred);
	}
	if (ret)
		return;
	pthread_mutex_lock(&ps->lock);
	if (f->fd == fd)
		for (i = 0; i < n; i++) {
			struct fz_sync *s = file_sync(f, h[i]);

			if (s)
				*fence_of(ps, s) = op == OP_SYNCOBJ_SIGNAL;
		}
	pthread_mutex_unlock(&ps->lock);
}

/* move a syncobj (or its fence as a sync_file) to another file */
static void op_syncobj_xfer(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(EINVAL, ENOENT, -1);
	struct drm_syncobj_handle h;
	struct fz_file *f, *g;
	struct fz_sync *s;
	int fi, gi, fd, gd, ret, pred, sync_file, has_fence, obj;
	uint32_t target = 0;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	gi = pick_file(w);
	if (fi < 0 || !ps->files[fi].nsyncs) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	f = &ps->files[fi];
	g = &ps->files[gi];
	fd = f->fd;
	gd = g->fd;
	s = &f->syncs[rnd(w, f->nsyncs)];
	has_fence = *fence_of(ps, s);
	obj = s->obj;
	sync_file = chance(w, 1, 2);
	memset(&h, 0, sizeof(h));
	h.handle = s->handle;
	h.fd = -1;
	if (sync_file) {
		if (!g->nsyncs) {
			pthread_mutex_unlock(&ps->lock);
			return;
		}
		target = g->syncs[rnd(w, g->nsyncs)].handle;
		h.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE;
	}
	pthread_mutex_unlock(&ps->lock);
	pred = sync_file && !has_fence ? -EINVAL : 0;
	DESC(w, "fd %d handle %u -> %s -> fd %d handle %u", fd, h.handle,
	     sync_file ? "sync_file" : "syncobj fd", gd, target);
	ret = xioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h);
	result(w, OP_SYNCOBJ_XFER, ret, &ok, pred);
	if (ret)
		return;
	fcntl(h.fd, F_SETFD, FD_CLOEXEC);
	{
		struct drm_syncobj_handle i;

		memset(&i, 0, sizeof(i));
		i.fd = h.fd;
		if (sync_file) {
			i.handle = target;
			i.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE;
		}
		DESC(w, "import fd %d into fd %d (%s, handle %u)", h.fd, gd,
		     sync_file ? "sync_file" : "syncobj", target);
		ret = xioctl(gd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &i);
		close(h.fd);
		result(w, OP_SYNCOBJ_XFER, ret, &ok, 0);
		if (ret)
			return;
		pthread_mutex_lock(&ps->lock);
		if (g->fd == gd) {
			if (sync_file) {
				s = file_sync(g, target);
				if (s)
					*fence_of(ps, s) = 1;
			} else if (g->nsyncs < MAX_SYNCS && !file_sync(g, i.handle) &&
				   ps->sobj[obj].refs > 0) {
				/* a new handle to the same syncobj */
				g->syncs[g->nsyncs].handle = i.handle;
				g->syncs[g->nsyncs].obj = obj;
				ps->sobj[obj].refs++;
				g->nsyncs++;
			} else if (!file_sync(g, i.handle)) {
				struct drm_syncobj_destroy d = { .handle = i.handle };

				xioctl(gd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
			}
		}
		pthread_mutex_unlock(&ps->lock);
	}
}

/* ------------------------------------------------------------------ */
/* QUERY                                                               */

static uint32_t query_len(uint32_t id)
{
	switch (id) {
	case DRM_NPU_QUERY_VERSION:
		return sizeof(struct drm_npu_query_version);
	case DRM_NPU_QUERY_LIMITS:
		return sizeof(struct drm_npu_query_limits);
	case DRM_NPU_QUERY_ENGINES:
		return sizeof(struct drm_npu_query_engines) + sizeof(struct drm_npu_engine_info);
	}
	return 0;
}

static void op_query(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(EINVAL, EFAULT, -1);
	struct drm_npu_query q;
	struct uptr u;
	uint32_t r = rnd(w, 100), len, in_size;
	int fi, fd, pred = 0, ret;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	fd = fi >= 0 ? ps->files[fi].fd : w->ctl.fd;
	pthread_mutex_unlock(&ps->lock);
	memset(&q, 0, sizeof(q));
	q.query = r < 90 ? rnd(w, 3) : r < 95 ? DRM_NPU_QUERY_COUNT : interesting(w);
	len = query_len(q.query);
	r = rnd(w, 100);
	q.size = r < 25 ? 0 : r < 65 ? len : r < 80 ? 1 + rnd(w, len ? len : 8) :
		 r < 90 ? len + rnd(w, 4096) : (uint32_t)rnd64(w);
	memset(w->scratch, 0xcc, 8192);
	u = place(w, NULL, len, 8, w->scratch, 0);
	q.data = u.p;
	if (chance(w, 1, 40))
		q.flags = 1U << rnd(w, 32);
	if (chance(w, 1, 40))
		q.pad = 1 + rnd(w, 1000);
	if (q.flags || q.pad || !len)
		pred = -EINVAL;
	else if (q.size && u.readable < (q.size < len ? q.size : len))
		pred = -EFAULT;
	DESC(w, "fd %d query %u size %u data %s flags %#x pad %u", fd, q.query, q.size, u.kind,
	     q.flags, q.pad);
	in_size = q.size;
	ret = xioctl(fd, DRM_IOCTL_NPU_QUERY, &q);
	result(w, OP_QUERY, ret, &ok, pred);
	if (ret || !w->strict)
		return;
	/* engines: the count may differ from 1 in later releases */
	if (q.query != DRM_NPU_QUERY_ENGINES && q.size != len)
		finding(w, "QUERY %u reported size %u, expected %u", q.query, q.size, len);
	if (u.readable == SIZE_MAX && q.data == (uintptr_t)w->scratch) {
		if (in_size && in_size < len && w->scratch[in_size] != 0xcc)
			finding(w, "QUERY %u wrote past the %u bytes it was given", q.query, in_size);
		if (q.query == DRM_NPU_QUERY_VERSION && in_size >= 16) {
			struct drm_npu_query_version *v = (void *)w->scratch;

			if (v->major != DRM_NPU_DRIVER_MAJOR || v->num_ops != NPU_OP_COUNT)
				finding(w, "QUERY VERSION: major %u num_ops %u", v->major, v->num_ops);
		}
		if (q.query == DRM_NPU_QUERY_LIMITS && in_size >= sizeof(g_lim) &&
		    memcmp(w->scratch, &g_lim, sizeof(g_lim)))
			finding(w, "QUERY LIMITS changed since the start");
	}
}

/* ------------------------------------------------------------------ */
/* SUBMIT                                                              */

struct submit_ctx {
	struct drm_npu_submit s;
	uint32_t bos[80];
	uint32_t in[80];
	struct uptr ucmd, ubos, uin;
	uint32_t nmut;
	char muts[64];
	int built;	/* 1: valid stream built, 0: random bytes */
};

/*
 * The result the kernel must give, from the fuzzer's model of the file (T =
 * 1 only), in the order npu_job_submit() checks (see its DOC and npu.rst).
 */
static __thread char pred_why[160];

static int predict_submit(struct worker *w, struct fz_file *f, struct submit_ctx *c,
			  const uint8_t *cmd)
{
	const struct drm_npu_submit *s = &c->s;
	static __thread uint8_t vbuf[CMD_CAP + 8] __attribute__((aligned(8)));
	__u64 sizes[NPU_FW_MAX_BOS];
	struct npu_fw_limits lim;
	struct npu_fw_diag diag;
	uint32_t i, j;

	if (s->flags)
		return -EINVAL;
	if (s->priority >= DRM_NPU_PRIO_COUNT)
		return -EINVAL;
	if (s->priority == DRM_NPU_PRIO_REALTIME && !w->ps->cap_nice)
		return -EPERM;
	if (!s->bo_count || s->cmd_size < sizeof(struct npu_cmd_header))
		return -EINVAL;
	if (s->bo_count > g_lim.max_bos || s->cmd_size > g_lim.max_cmd_size ||
	    s->in_syncobj_count > g_lim.max_in_syncobjs)
		return -E2BIG;
	if (c->ubos.readable < (size_t)s->bo_count * 4)
		return -EFAULT;
	for (i = 0; i < s->bo_count; i++) {
		struct fz_bo *b;

		for (j = 0; j < i; j++)
			if (c->bos[i] == c->bos[j])
				return -EINVAL;
		b = file_bo(f, c->bos[i]);
		if (!b)
			return -ENOENT;
		sizes[i] = b->size;
	}
	if (c->ucmd.readable < s->cmd_size)
		return -EFAULT;
	if (s->cmd_size > CMD_CAP)
		return NOPRED;
	memcpy(vbuf, cmd, s->cmd_size);
	lim.max_cmd_size = g_lim.max_cmd_size;
	lim.max_tensors = g_lim.max_tensors;
	lim.max_ops = g_lim.max_ops;
	lim.max_tensor_elems = g_lim.max_tensor_elems;
	i = npu_fw_validate(vbuf, s->cmd_size, sizes, s->bo_count, &lim, &diag);
	if (i) {
		snprintf(pred_why, sizeof(pred_why), "op %d tensor %d: %s", diag.op, diag.tensor,
			 diag.msg);
		return (int)i;
	}
	if (s->out_syncobj && !file_sync(f, s->out_syncobj))
		return -ENOENT;
	for (i = 0; i < s->in_syncobj_count; i++) {
		struct fz_sync *y;

		if (c->uin.readable < (size_t)(i + 1) * 4)
			return -EFAULT;
		y = file_sync(f, c->in[i]);
		if (!y)
			return -ENOENT;
		if (!*fence_of(w->ps, y))
			return -EINVAL;	/* drm_syncobj_find_fence(): no fence */
	}
	return 0;
}

static void op_submit(struct worker *w)
{
	static __thread uint8_t cmd[CMD_CAP] __attribute__((aligned(64)));
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(EINVAL, EPERM, E2BIG, EFAULT, ENOENT, ERANGE, EOPNOTSUPP, -1);
	struct submit_ctx c;
	struct fz_file *f;
	struct layout lay;
	struct bld b;
	uint32_t size = 0, i, r, nmut = 0;
	int fi, fd, ret, pred = NOPRED, in_map;
	const char *mk = "";

	memset(&c, 0, sizeof(c));
	memset(&b, 0, sizeof(b));
	memset(&lay, 0, sizeof(lay));
	b.w = w;
	b.maxd = opt.big && chance(w, 1, 20) ? 64 : 16;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	if (fi < 0) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	f = &ps->files[fi];
	fd = f->fd;
	/* a file without BOs gets a few, as any real user would create */
	if (f->nbos < 3 && chance(w, 4, 5) && ps->bo_bytes < BO_BUDGET) {
		uint32_t k, h, n = 1 + rnd(w, 3);

		for (k = 0; k < n && f->nbos < MAX_BOS; k++) {
			uint64_t sz = chance(w, 1, 2) ? PAGE : PAGE * (1 + rnd(w, 16));

			if (bo_create(fd, sz, 0, &h))
				break;
			f->bos[f->nbos].handle = h;
			f->bos[f->nbos].size = sz;
			f->bos[f->nbos].imported = 0;
			f->bos[f->nbos].huge = 0;
			f->bos[f->nbos].mmap_off = 0;
			ps_bo_bytes(ps, &f->bos[f->nbos], 1);
			f->nbos++;
		}
	}
	/* the BO list the stream is built for: 1..6 distinct, non-huge BOs */
	{
		int cand[MAX_BOS], nc = 0, k;

		for (k = 0; k < f->nbos; k++)
			if (!f->bos[k].huge)
				cand[nc++] = k;
		r = nc ? 1 + rnd(w, nc < 6 ? nc : 6) : 0;
		for (i = 0; i < r; i++) {
			int pick = rnd(w, nc - i);
			int t = cand[pick];

			cand[pick] = cand[nc - i - 1];
			cand[nc - i - 1] = t;
			c.bos[i] = f->bos[t].handle;
			b.size[i] = f->bos[t].size;
		}
		b.nbos = r;
	}
	pthread_mutex_unlock(&ps->lock);

	/* the stream */
	if (b.nbos && chance(w, 92, 100)) {
		b_stream(&b);
		if (!b.fail && b.no)
			size = b_pack(&b, cmd, sizeof(cmd), &lay);
	}
	if (size) {
		c.built = 1;
		if (w->strict) {
			/* the fuzzer's own check: an unmutated stream must be valid */
			static __thread uint8_t vb[CMD_CAP] __attribute__((aligned(8)));
			struct npu_fw_limits lim = { g_lim.max_cmd_size, g_lim.max_tensors,
						     g_lim.max_ops, g_lim.max_tensor_elems };
			struct npu_fw_diag d;

			memcpy(vb, cmd, size);
			if (npu_fw_validate(vb, size, b.size, b.nbos, &lim, &d)) {
				w->st->builder_rejects++;
				if (opt.verbose)
					out_line(2, "p%d.t%d #%" PRIu64 " builder: op %d tensor %d: %s",
						 w->proc, w->thread, w->op_no, d.op, d.tensor, d.msg);
			}
		}
		r = rnd(w, 100);
		nmut = r < 50 ? 0 : r < 75 ? 1 : r < 88 ? 2 : 3 + rnd(w, 6);
		for (i = 0; i < nmut; i++) {
			const char *m = mutate(w, cmd, &size, sizeof(cmd), &lay, b.size, b.nbos);
			size_t l = strlen(c.muts);

			snprintf(c.muts + l, sizeof(c.muts) - l, "%s%s", l ? "," : "", m);
		}
	} else {
		/* random bytes behind a plausible header */
		struct npu_cmd_header *h = (void *)cmd;

		size = 32 + 8 * rnd(w, 64);
		for (i = 0; i < size; i += 8) {
			uint64_t v = chance(w, 1, 2) ? 0 : rnd64(w);

			memcpy(cmd + i, &v, 8);
		}
		h->magic = NPU_CMD_MAGIC;
		h->version = NPU_CMD_VERSION;
		h->header_size = 32;
		h->size = size;
		h->num_tensors = rnd(w, 5);
		h->num_ops = rnd(w, 3);
		h->tensor_offset = 32;
		h->op_offset = 32 + 64 * h->num_tensors;
		h->flags = h->reserved = 0;
		mk = "random";
		if (!b.nbos) {
			b.nbos = 1 + rnd(w, 2);
			pthread_mutex_lock(&ps->lock);
			for (i = 0; i < b.nbos; i++)
				c.bos[i] = pick_bo_handle(w, f, 50);
			pthread_mutex_unlock(&ps->lock);
		}
	}

	/* the BO handle list */
	c.s.bo_count = b.nbos;
	if (chance(w, 15, 100)) {
		pthread_mutex_lock(&ps->lock);
		r = rnd(w, 7);
		if (r == 0 && b.nbos) {
			c.bos[c.s.bo_count++] = c.bos[rnd(w, b.nbos)];	/* duplicate */
			mk = "dup";
		} else if (r == 1 && b.nbos) {
			c.bos[rnd(w, b.nbos)] = pick_bo_handle(w, f, 0);	/* stale/foreign */
			mk = "stale";
		} else if (r == 2) {
			c.s.bo_count = 0;
			mk = "nobo";
		} else if (r == 3) {
			c.s.bo_count = g_lim.max_bos + 1 + rnd(w, 2);
			for (i = b.nbos; i < c.s.bo_count && i < 80; i++)
				c.bos[i] = pick_bo_handle(w, f, 50);
			mk = "2big";
		} else if (r == 4 && b.nbos > 1) {
			c.s.bo_count--;
			mk = "short";
		} else {
			/* an extra BO the stream does not use (valid) */
			c.bos[c.s.bo_count++] = pick_bo_handle(w, f, 90);
			mk = "extra";
		}
		pthread_mutex_unlock(&ps->lock);
	}

	/* syncobjs */
	pthread_mutex_lock(&ps->lock);
	if (chance(w, 1, 4)) {
		c.s.in_syncobj_count = chance(w, 1, 30) ? g_lim.max_in_syncobjs + 1 : 1 + rnd(w, 3);
		for (i = 0; i < c.s.in_syncobj_count && i < 80; i++)
			c.in[i] = pick_sync_handle(w, f, 90);
	}
	if (chance(w, 1, 3))
		c.s.out_syncobj = pick_sync_handle(w, f, 90);
	pthread_mutex_unlock(&ps->lock);

	/* pointers */
	c.ucmd = place(w, NULL, size, 3, cmd, 0);
	if (!strcmp(c.ucmd.kind, "straddle"))
		memcpy((void *)(uintptr_t)c.ucmd.p, cmd, c.ucmd.readable);
	c.ubos = place(w, c.bos, c.s.bo_count * 4, 3, w->scratch, 1);
	c.uin = place(w, c.in, c.s.in_syncobj_count * 4, 3, w->scratch + 4096, 2);
	c.s.cmd = c.ucmd.p;
	c.s.cmd_size = size;
	if (chance(w, 1, 50))
		c.s.cmd_size = chance(w, 1, 2) ? rnd(w, 32) : g_lim.max_cmd_size + 1 + rnd(w, 64);
	c.s.bo_handles = c.ubos.p;
	c.s.in_syncobjs = c.uin.p;
	r = rnd(w, 100);
	c.s.priority = r < 40 ? DRM_NPU_PRIO_NORMAL : r < 60 ? DRM_NPU_PRIO_LOW :
		       r < 80 ? DRM_NPU_PRIO_HIGH : r < 96 ? DRM_NPU_PRIO_REALTIME :
		       chance(w, 1, 2) ? DRM_NPU_PRIO_COUNT : (uint32_t)rnd64(w);
	if (chance(w, 1, 60))
		c.s.flags = 1U << rnd(w, 32);
	if (chance(w, 1, 60))
		c.s.seqno = rnd64(w);	/* output only: ignored */

	/* now and then the stream or the handle array lives in a BO mapping */
	in_map = 0;
	if (chance(w, 1, 25)) {
		pthread_mutex_lock(&ps->lock);
		if (chance(w, 2, 3))
			in_map = place_in_map(w, cmd, c.s.cmd_size <= size ? c.s.cmd_size : size,
					      &c.ucmd);
		else
			in_map = place_in_map(w, c.bos, c.s.bo_count * 4, &c.ubos);
		pthread_mutex_unlock(&ps->lock);
		c.s.cmd = c.ucmd.p;
		c.s.bo_handles = c.ubos.p;
	}
	if (w->strict && !in_map) {
		pthread_mutex_lock(&ps->lock);
		pred_why[0] = 0;
		pred = predict_submit(w, f, &c, cmd);
		pthread_mutex_unlock(&ps->lock);
	}
	DESC(w, "fd %d %s%s nbo %u bos %s [%u %u %u..] cmd %s size %u in %u %s out %u prio %u "
	     "flags %#x muts %u(%s)", fd, c.built ? "built" : "raw", *mk ? "/" : "", c.s.bo_count,
	     c.ubos.kind, c.bos[0], c.bos[1], c.bos[2], c.ucmd.kind, c.s.cmd_size,
	     c.s.in_syncobj_count, c.uin.kind, c.s.out_syncobj, c.s.priority, c.s.flags, nmut,
	     c.muts);
	if (*mk || pred_why[0]) {
		size_t l = strlen(w->desc);

		snprintf(w->desc + l, sizeof(w->desc) - l, " [%s] %s", mk, pred_why);
	}
	ret = xioctl(fd, DRM_IOCTL_NPU_SUBMIT, &c.s);
	result(w, OP_SUBMIT, ret, &ok, pred);
	if (ret)
		return;
	w->st->jobs_submitted++;
	pthread_mutex_lock(&ps->lock);
	if (f->fd == fd) {
		if (w->strict && c.s.seqno != f->last_seqno + 1)
			finding(w, "SUBMIT seqno %llu, expected %llu (rejected submits must not "
				"use seqnos)", (unsigned long long)c.s.seqno,
				(unsigned long long)f->last_seqno + 1);
		if (c.s.seqno > f->last_seqno)
			f->last_seqno = c.s.seqno;
		f->seq[f->seq_head] = c.s.seqno;
		f->seq_done[f->seq_head] = 0;
		f->seq_head = (f->seq_head + 1) % SEQ_RING;
		if (c.s.out_syncobj) {
			struct fz_sync *y = file_sync(f, c.s.out_syncobj);

			if (y)
				*fence_of(ps, y) = 1;
		}
	}
	pthread_mutex_unlock(&ps->lock);
}

/* ------------------------------------------------------------------ */
/* WAIT                                                                */

static void job_status(struct worker *w, int ret)
{
	int e = ret < 0 ? -ret : ret;

	if (e >= ERRMAX)
		e = ERRMAX - 1;
	w->st->jobs_err[e]++;
}

static void op_wait(struct worker *w)
{
	struct proc_state *ps = w->ps;
	/* the job's own error: -ETIMEDOUT hung, -ESRCH dropped, -ECANCELED */
	struct eset ok = eset_of(ETIME, EINVAL, ENOENT, ETIMEDOUT, ESRCH, ECANCELED, -1);
	struct fz_file *f;
	uint64_t seqno = 0, last;
	uint32_t handle = 0, flags = 0, r;
	int64_t tmo;
	int fi, fd, pred = NOPRED, ret, slot = -1;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	if (fi < 0) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	f = &ps->files[fi];
	fd = f->fd;
	last = f->last_seqno;
	r = rnd(w, 100);
	if (r < 62 && last) {
		slot = rnd(w, SEQ_RING < last ? SEQ_RING : (int)last);
		seqno = f->seq[slot];
		if (!seqno)
			slot = -1;
	} else if (r < 70) {
		seqno = last;
	} else if (r < 74) {
		seqno = 0;
		pred = -EINVAL;
	} else if (r < 78) {
		seqno = last + 1 + rnd(w, 100);
		pred = -EINVAL;
	} else if (r < 82 && last > 1100) {
		seqno = 1 + rnd(w, (uint32_t)(last - 1100));
		pred = -ENOENT;
	} else if (r < 85) {
		seqno = rnd64(w) | (1ULL << 40);
		pred = -EINVAL;
	} else {
		flags = DRM_NPU_WAIT_BO;
		handle = pick_bo_handle(w, f, 85);
		if (!file_bo(f, handle))
			pred = -ENOENT;
		if (chance(w, 1, 20)) {
			seqno = 1 + rnd(w, 10);
			pred = -EINVAL;
		}
	}
	if (!seqno && !flags)
		pred = -EINVAL;
	if (chance(w, 1, 30)) {
		handle = 1 + rnd(w, 100);
		if (!flags)
			pred = -EINVAL;
		else if (!seqno)
			pred = file_bo(f, handle) ? NOPRED : -ENOENT;
	}
	pthread_mutex_unlock(&ps->lock);
	if (chance(w, 1, 50)) {
		flags |= 2U << rnd(w, 31);
		pred = -EINVAL;
	}
	r = rnd(w, 100);
	tmo = r < 40 ? 0 : r < 90 ? (int64_t)rnd(w, 5000000) : r < 95 ? -(int64_t)rnd(w, 1000000) - 1 :
	      20000000;
	/*
	 * A job known to be finished: the longest timeout must return at once.
	 * (Draw the dice first: whether it finished depends on timing, and
	 * --worker replays must consume the same random numbers.)
	 */
	r = rnd(w, 8);
	pthread_mutex_lock(&ps->lock);
	if (slot >= 0 && f->fd == fd && f->seq_done[slot] && r < 2)
		tmo = INT64_MAX - r;
	pthread_mutex_unlock(&ps->lock);
	DESC(w, "fd %d seqno %llu (last %llu) handle %u flags %#x tmo %lld", fd,
	     (unsigned long long)seqno, (unsigned long long)last, handle, flags, (long long)tmo);
	ret = npu_wait(fd, seqno, handle, flags, tmo);
	result(w, OP_WAIT, ret, &ok, pred);
	if (slot >= 0 && ret != -ETIME && ret != -EINVAL && ret != -ENOENT) {
		pthread_mutex_lock(&ps->lock);
		if (f->fd == fd && f->seq[slot] == seqno && !f->seq_done[slot]) {
			f->seq_done[slot] = 1;
			job_status(w, ret);
		}
		pthread_mutex_unlock(&ps->lock);
	}
}

/* ------------------------------------------------------------------ */
/* fault injection, debugfs, raw ioctls                                */

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void op_fault_hang(struct worker *w)
{
	struct eset ok = eset_of(-1);
	char path[300], v[16];
	int ret;

	if (!g_have_hang)
		return;
	snprintf(path, sizeof(path), "%.200s/fault_hang", g_dbgdir);
	snprintf(v, sizeof(v), "%u", 1 + rnd(w, opt.hang_max));
	DESC(w, "fault_hang <- %s", v);
	ret = write_file(path, v);
	result(w, OP_FAULT_HANG, ret, &ok, 0);
}

static void op_debugfs_read(struct worker *w)
{
	static const char *const files[] = { "engines", "jobs", "bos", "clients", "fault_hang",
					     "name" };
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(ENOENT, EACCES, -1);
	char path[300];
	int fd, ret = 0, fi, dfd = -1;
	ssize_t n;

	if (chance(w, 1, 3)) {
		pthread_mutex_lock(&ps->lock);
		fi = pick_file(w);
		dfd = fi >= 0 ? ps->files[fi].fd : w->ctl.fd;
		pthread_mutex_unlock(&ps->lock);
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", dfd);
	} else {
		if (!g_dbgdir[0])
			return;
		snprintf(path, sizeof(path), "%.200s/%s", g_dbgdir, files[rnd(w, 6)]);
	}
	DESC(w, "%s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		while ((n = read(fd, w->scratch, 8192)) > 0)
			;
		if (n < 0)
			ret = -errno;
		close(fd);
	}
	/* an fd closed by another thread meanwhile: ENOENT */
	result(w, OP_DEBUGFS_READ, ret, &ok, NOPRED);
}

static void op_raw_ioctl(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok;
	unsigned long req;
	uint32_t nr, dir, sz, i;
	int fi, fd, ret;

	pthread_mutex_lock(&ps->lock);
	fi = pick_file(w);
	fd = fi >= 0 ? ps->files[fi].fd : w->ctl.fd;
	pthread_mutex_unlock(&ps->lock);
	if (chance(w, 2, 3)) {
		/* driver ioctl numbers nobody defined (yet) */
		nr = DRM_COMMAND_BASE + DRM_NPU_WAIT + 1 + rnd(w, 0x5f - DRM_NPU_WAIT);
	} else {
		/*
		 * Legacy and KMS core ioctls: rejected on an accel node.
		 * GET_UNIQUE (0x01) and GET_MAGIC (0x02) oops the stock 6.12
		 * DRM core on accel files; npu.ko refuses them before the core
		 * sees them (repro-accel-getmagic.c).
		 */
		static const uint8_t core[] = { 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0c, 0x0d,
						0x1e, 0x1f, 0x2a, 0x2b, 0x2c, 0x30, 0x31, 0x01,
						0x02 };
		uint32_t ncore = sizeof(core);

		nr = chance(w, 1, 2) ? core[rnd(w, ncore)] : 0xa0 + rnd(w, 0x1f);
	}
	dir = rnd(w, 4);
	sz = chance(w, 1, 2) ? rnd(w, 128) : rnd(w, 4096);
	req = ((unsigned long)dir << _IOC_DIRSHIFT) | ((unsigned long)'d' << _IOC_TYPESHIFT) |
	      ((unsigned long)nr << _IOC_NRSHIFT) | ((unsigned long)sz << _IOC_SIZESHIFT);
	for (i = 0; i < sz; i += 8) {
		uint64_t v = chance(w, 1, 2) ? 0 : rnd64(w) & 0xffffffff;

		memcpy(w->scratch + i, &v, 8);
	}
	DESC(w, "fd %d req %#lx (nr %#x dir %u size %u)", fd, req, nr, dir, sz);
	ret = xioctl(fd, req, w->scratch);
	/* only kernel health matters here; every error is fine */
	memset(&ok, 0xff, sizeof(ok));
	result(w, OP_RAW_IOCTL, ret, &ok, NOPRED);
}

/*
 * Create BOs of limits.max_bo_size on a private file until BO_CREATE fails
 * (about 2150 of them fill the 1 TiB fake-offset space), check the error
 * and that the device still works, then close the file. Off by default
 * (--weight BO_FLOOD=1): it needs --procs 1 --threads 1, as meanwhile every
 * BO_CREATE of the device fails. Before 9ff4294 the failure left a freed BO
 * on the device list (repro-bo-list-uaf.c).
 */
static void op_bo_flood(struct worker *w)
{
	struct eset ok = eset_of(ENOMEM, -1);
	uint32_t n = 0, h;
	int fd, ret = 0;

	if (opt.procs != 1 || opt.threads != 1)
		return;
	fd = dev_open();
	if (fd < 0)
		return;
	while (n < 20000) {
		ret = bo_create(fd, g_lim.max_bo_size, 0, &h);
		if (ret)
			break;
		n++;
	}
	DESC(w, "fd %d: %u BOs of %llu bytes, then", fd, n, (unsigned long long)g_lim.max_bo_size);
	result(w, OP_BO_FLOOD, ret, &ok, NOPRED);
	ret = bo_create(fd, PAGE, 0, &h);
	DESC(w, "fd %d: a small BO after the flood", fd);
	result(w, OP_BO_FLOOD, ret, &ok, NOPRED);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* process games                                                       */

/* a job heavy enough to still be running when its file goes away */
static int heavy_job(int fd, uint32_t *in, uint32_t *out, uint8_t *cmd, uint32_t *cmd_size,
		     uint32_t dim)
{
	uint64_t bytes = ((uint64_t)dim * dim * 2 + dim) * 4;
	int ret;

	ret = bo_create(fd, bytes, 0, in);
	if (ret)
		return ret;
	ret = bo_create(fd, (uint64_t)dim * dim * 4, 0, out);
	if (ret)
		return ret;
	gemm_stream(cmd, cmd_size, dim, dim, dim);
	return 0;
}

static int submit_heavy(int fd, uint32_t in, uint32_t out, uint8_t *cmd, uint32_t cmd_size,
			uint32_t prio, uint64_t *seqno)
{
	struct drm_npu_submit s;
	uint32_t bos[2] = { in, out };
	int ret;

	memset(&s, 0, sizeof(s));
	s.cmd = (uintptr_t)cmd;
	s.cmd_size = cmd_size;
	s.bo_handles = (uintptr_t)bos;
	s.bo_count = 2;
	s.priority = prio;
	ret = xioctl(fd, DRM_IOCTL_NPU_SUBMIT, &s);
	if (!ret && seqno)
		*seqno = s.seqno;
	return ret;
}

/* open a file, queue jobs on it, close it at once (jobs in flight) */
static void op_burst_close(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(-1);
	uint8_t cmd[1024] __attribute__((aligned(8)));
	uint32_t in, out, cmd_size, n = 1 + rnd(w, 5), i, dim = 16 + rnd(w, 33);
	int fd, ret = 0, dmabuf;
	int64_t t0, dt;

	fd = dev_open();
	if (fd < 0)
		return;
	ret = heavy_job(fd, &in, &out, cmd, &cmd_size, dim);
	for (i = 0; !ret && i < n; i++)
		ret = submit_heavy(fd, in, out, cmd, cmd_size, rnd(w, 3), NULL);
	DESC(w, "fd %d: %u jobs then close", fd, n);
	if (!ret && chance(w, 1, 3)) {
		struct drm_prime_handle p = { .handle = out, .flags = DRM_CLOEXEC | DRM_RDWR,
					      .fd = -1 };

		/* the BO outlives its file as a dma-buf: import it elsewhere later */
		if (!xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p)) {
			dmabuf = p.fd;
			pthread_mutex_lock(&ps->lock);
			dmabuf_add(ps, w, dmabuf, ((uint64_t)dim * dim * 4 + PAGE - 1) & ~(PAGE - 1));
			pthread_mutex_unlock(&ps->lock);
		}
	}
	t0 = now_ns();
	if (close(fd))
		ret = -errno;
	dt = now_ns() - t0;
	if ((uint64_t)dt > w->st->max_close_ns)
		w->st->max_close_ns = dt;
	result(w, OP_BURST_CLOSE, ret, &ok, 0);
}

/*
 * fork() with live mappings and files: the child writes into the inherited
 * mappings, queries the inherited files, runs jobs on a file of its own and
 * then exits or is SIGKILLed by the parent with those jobs in flight.
 */
static void op_fork(struct worker *w)
{
	struct proc_state *ps = w->ps;
	struct eset ok = eset_of(-1);
	uint8_t cmd[1024] __attribute__((aligned(8)));
	struct fz_map maps[MAX_MAPS];
	int nmaps, fds[MAX_FILES], nfds = 0, i, status, kill_it = chance(w, 1, 2), ret = 0;
	uint32_t delay_us = rnd(w, 4000), dim = 16 + rnd(w, 33), njobs = 1 + rnd(w, 4);
	pid_t pid;
	int64_t t0;

	if (opt.no_fork)
		return;
	pthread_mutex_lock(&ps->lock);
	nmaps = ps->nmaps;
	memcpy(maps, ps->maps, sizeof(maps));
	for (i = 0; i < MAX_FILES; i++)
		if (ps->files[i].fd >= 0)
			fds[nfds++] = ps->files[i].fd;
	pid = fork();
	if (pid == 0) {
		/* child: no locks, no malloc */
		struct drm_npu_query q;
		struct drm_npu_query_version v;
		uint32_t in, out, cmd_size, j;
		int fd;

		for (i = 0; i < nmaps; i++) {
			volatile uint8_t *p = maps[i].p;

			if (maps[i].writable) {
				p[0] ^= 0x5a;
				p[maps[i].len - 1] ^= 0x5a;
			} else {
				(void)p[0];
			}
		}
		for (i = 0; i < nfds; i++) {
			memset(&q, 0, sizeof(q));
			q.query = DRM_NPU_QUERY_VERSION;
			q.size = sizeof(v);
			q.data = (uintptr_t)&v;
			if (xioctl(fds[i], DRM_IOCTL_NPU_QUERY, &q))
				_exit(10);
		}
		fd = dev_open();
		if (fd < 0)
			_exit(11);
		if (heavy_job(fd, &in, &out, cmd, &cmd_size, dim))
			_exit(12);
		for (j = 0; j < njobs; j++)
			if (submit_heavy(fd, in, out, cmd, cmd_size, j % 3, NULL))
				_exit(13);
		if (kill_it)
			pause();
		_exit(0);
	}
	pthread_mutex_unlock(&ps->lock);
	if (pid < 0) {
		DESC(w, "fork failed");
		result(w, OP_FORK, -errno, &ok, 0);
		return;
	}
	w->st->forks++;
	DESC(w, "child %d: %d maps, %d files, %u jobs of %u^3, %s", pid, nmaps, nfds, njobs, dim,
	     kill_it ? "SIGKILL" : "exit");
	if (kill_it) {
		usleep(delay_us);
		kill(pid, SIGKILL);
		w->st->kills++;
	}
	t0 = now_ns();
	while ((ret = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	ret = ret < 0 ? -errno : 0;
	result(w, OP_FORK, ret, &ok, 0);
	if (ret)
		return;
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
		finding(w, "fork child died of signal %d (inherited mappings or files broken?)",
			WTERMSIG(status));
	else if (WIFEXITED(status) && WEXITSTATUS(status))
		finding(w, "fork child failed at step %d (10 query, 11 open, 12 BOs, 13 submit)",
			WEXITSTATUS(status));
	(void)t0;
}

/* ------------------------------------------------------------------ */
/* the worker loop                                                     */

static unsigned int weight_total;

static enum op pick_op(struct worker *w)
{
	uint32_t r = rnd(w, weight_total);
	int i;

	for (i = 0; i < OP__COUNT; i++) {
		if (r < op_weight[i])
			return (enum op)i;
		r -= op_weight[i];
	}
	return OP_SUBMIT;
}

static void run_op(struct worker *w, enum op op)
{
	w->desc[0] = 0;
	switch (op) {
	case OP_OPEN: op_open(w); break;
	case OP_CLOSE: op_close(w); break;
	case OP_BO_CREATE: op_bo_create(w); break;
	case OP_BO_INFO: op_bo_info(w); break;
	case OP_MMAP: op_mmap(w); break;
	case OP_MUNMAP: op_munmap(w); break;
	case OP_MAP_WRITE: op_map_write(w); break;
	case OP_GEM_CLOSE: op_gem_close(w); break;
	case OP_PRIME_EXPORT: op_prime_export(w); break;
	case OP_PRIME_IMPORT: op_prime_import(w); break;
	case OP_DMABUF_CLOSE: op_dmabuf_close(w); break;
	case OP_SYNCOBJ_CREATE: op_syncobj_create(w); break;
	case OP_SYNCOBJ_DESTROY: op_syncobj_destroy(w); break;
	case OP_SYNCOBJ_SIGNAL:
	case OP_SYNCOBJ_RESET:
	case OP_SYNCOBJ_WAIT: op_syncobj_array(w, op); break;
	case OP_SYNCOBJ_XFER: op_syncobj_xfer(w); break;
	case OP_QUERY: op_query(w); break;
	case OP_SUBMIT: op_submit(w); break;
	case OP_WAIT: op_wait(w); break;
	case OP_FAULT_HANG: op_fault_hang(w); break;
	case OP_FORK: op_fork(w); break;
	case OP_BURST_CLOSE: op_burst_close(w); break;
	case OP_DEBUGFS_READ: op_debugfs_read(w); break;
	case OP_RAW_IOCTL: op_raw_ioctl(w); break;
	case OP_VGEM_IMPORT: op_vgem_import(w); break;
	case OP_BO_FLOOD: op_bo_flood(w); break;
	case OP_CONTROL: op_control(w); break;
	case OP__COUNT: break;
	}
}

/* wait for the jobs still listed, so the summary counts them */
static void drain(struct worker *w)
{
	struct proc_state *ps = w->ps;
	int i, k, ret;

	for (i = 0; i < MAX_FILES; i++) {
		struct fz_file *f = &ps->files[i];

		if (f->fd < 0)
			continue;
		for (k = 0; k < SEQ_RING; k++) {
			if (!f->seq[k] || f->seq_done[k] || f->last_seqno - f->seq[k] >= 1024)
				continue;
			ret = npu_wait(f->fd, f->seq[k], 0, 0, 30LL * 1000000000LL);
			if (ret != -ETIME) {
				f->seq_done[k] = 1;
				job_status(w, ret);
			}
		}
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	w->st->tid = (pid_t)syscall(SYS_gettid);
	w->guard = mmap(NULL, 6 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w->scratch = mmap(NULL, 32768, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->guard == MAP_FAILED || w->scratch == MAP_FAILED ||
	    mprotect(w->guard + PAGE, PAGE, PROT_NONE) ||
	    mprotect(w->guard + 3 * PAGE, PAGE, PROT_NONE) ||
	    mprotect(w->guard + 5 * PAGE, PAGE, PROT_NONE)) {
		out_line(2, "npu-fuzz: worker %d: mmap: %s", w->id, strerror(errno));
		w->st->findings++;
		return NULL;
	}
	if (control_init(w)) {
		out_line(2, "npu-fuzz: worker %d: control job setup failed", w->id);
		DESC(w, "control setup");
		finding(w, "control job setup failed");
		return NULL;
	}
	/* a file to start with */
	if (!w->thread)
		op_open(w);
	while (w->op_no < w->quota) {
		enum op op;

		if (opt.stop_at && w->op_no >= opt.stop_at)
			break;
		if (w->deadline && (w->op_no & 15) == 0 && now_ns() > w->deadline)
			break;
		if (opt.control_every && w->op_no % opt.control_every == 0) {
			w->st->cur_op = OP_CONTROL;
			w->st->cur_op_start = now_ns();
			op_control(w);
		}
		if (g_have_hang && opt.hang_rate && chance(w, opt.hang_rate, 10000)) {
			w->st->cur_op = OP_FAULT_HANG;
			w->st->cur_op_start = now_ns();
			op_fault_hang(w);
			w->st->op_count[OP_FAULT_HANG]++;
		}
		op = pick_op(w);
		w->st->cur_op = op;
		w->st->cur_op_no = w->op_no;
		w->st->cur_op_start = now_ns();
		run_op(w, op);
		w->st->op_count[op]++;
		w->st->ops++;
		w->op_no++;
	}
	if (w->quota) {
		w->st->cur_op = OP_CONTROL;
		w->st->cur_op_start = now_ns();
		op_control(w);
	}
	w->st->cur_op_start = 0;
	return NULL;
}

static int drop_cap_sys_nice(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[0].effective &= ~(1U << CAP_SYS_NICE);
	d[0].permitted &= ~(1U << CAP_SYS_NICE);
	d[0].inheritable &= ~(1U << CAP_SYS_NICE);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static int have_cap_sys_nice(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return 0;
	return !!(d[0].effective & (1U << CAP_SYS_NICE));
}

static int open_vgem(void)
{
	char p[64];
	int i, fd;

	for (i = 0; i < 16; i++) {
		struct drm_version v;
		char name[32];

		snprintf(p, sizeof(p), "/dev/dri/card%d", i);
		fd = open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!xioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -1;
}

static uint64_t worker_quota(int id)
{
	uint64_t n = opt.ops / g_nworkers;

	return n + ((uint64_t)id < opt.ops % g_nworkers ? 1 : 0);
}

static int proc_main(int proc, int64_t deadline)
{
	struct proc_state *ps;
	struct worker *ws;
	pthread_t th[64];
	int t, i, bad = 0;

	signal(SIGPIPE, SIG_IGN);
	if (opt.drop_nice && (proc & 1))
		drop_cap_sys_nice();
	ps = calloc(1, sizeof(*ps));
	ws = calloc(opt.threads, sizeof(*ws));
	if (!ps || !ws)
		return 1;
	pthread_mutex_init(&ps->lock, NULL);
	for (i = 0; i < MAX_FILES; i++)
		ps->files[i].fd = -1;
	ps->proc = proc;
	ps->cap_nice = have_cap_sys_nice();
	ps->vgem_fd = op_weight[OP_VGEM_IMPORT] ? open_vgem() : -1;
	for (t = 0; t < opt.threads; t++) {
		struct worker *w = &ws[t];

		w->proc = proc;
		w->thread = t;
		w->id = proc * opt.threads + t;
		w->ps = ps;
		w->st = &g_stats[w->id];
		w->quota = worker_quota(w->id);
		w->deadline = deadline;
		w->strict = opt.strict && opt.threads == 1;
		rng_seed(&w->rng, opt.seed, (uint64_t)w->id);
		rng_seed(&w->crng, opt.seed, 0x20000 + (uint64_t)w->id);
		if (opt.worker >= 0 && opt.worker != w->id)
			w->quota = 0;
	}
	for (t = 1; t < opt.threads; t++)
		if (pthread_create(&th[t], NULL, worker_main, &ws[t]))
			return 1;
	worker_main(&ws[0]);
	for (t = 1; t < opt.threads; t++)
		pthread_join(th[t], NULL);
	if (ws[0].quota) {
		ws[0].st->cur_op = OP_WAIT;
		ws[0].st->cur_op_start = now_ns();
		drain(&ws[0]);
	}
	for (t = 0; t < opt.threads; t++) {
		ws[t].st->cur_op_start = 0;
		ws[t].st->done = 1;
	}
	for (t = 0; t < opt.threads; t++)
		bad |= ws[t].findings != 0;
	out_line(2, "npu-fuzz: p%d: %" PRIu64 " ops done", proc, ws[0].op_no);
	return bad;
}

/* ------------------------------------------------------------------ */
/* parent: progress, stall detection, summary                          */

static void print_stack(pid_t tid)
{
	char path[64], buf[4096];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stack", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	out_line(1, "# kernel stack of tid %d:\n%s", tid, buf);
}

static uint64_t total_ops(void)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < g_nworkers; i++)
		n += g_stats[i].ops;
	return n;
}

static void summary(double secs)
{
	uint64_t ops = 0, n, sub = 0, ctl = 0, retr = 0, find = 0, brej = 0, pr = 0, prok = 0;
	uint64_t forks = 0, kills = 0, maxclose = 0;
	uint64_t jobs[ERRMAX] = { 0 };
	int i, o, e;

	for (i = 0; i < g_nworkers; i++) {
		struct wstats *s = &g_stats[i];

		ops += s->ops;
		sub += s->jobs_submitted;
		ctl += s->control_runs;
		retr += s->control_retries;
		find += s->findings;
		brej += s->builder_rejects;
		pr += s->predicted;
		prok += s->predicted_ok;
		forks += s->forks;
		kills += s->kills;
		if (s->max_close_ns > maxclose)
			maxclose = s->max_close_ns;
		for (e = 0; e < ERRMAX; e++)
			jobs[e] += s->jobs_err[e];
	}
	printf("# ---- npu-fuzz summary: seed %" PRIu64 ", %d proc(s) x %d thread(s)\n", opt.seed,
	       opt.procs, opt.threads);
	printf("# ops %" PRIu64 " in %.1f s: %.0f ops/s\n", ops, secs, secs > 0 ? ops / secs : 0);
	printf("# %-16s %10s  results\n", "op", "count");
	for (o = 0; o < OP__COUNT; o++) {
		char line[1024];
		int l = 0;

		n = 0;
		for (i = 0; i < g_nworkers; i++)
			n += g_stats[i].op_count[o];
		if (!n)
			continue;
		for (e = 0; e < ERRMAX; e++) {
			uint64_t c = 0;

			for (i = 0; i < g_nworkers; i++)
				c += g_stats[i].err[o][e];
			if (c && l < (int)sizeof(line) - 40)
				l += snprintf(line + l, sizeof(line) - l, " %s=%" PRIu64,
					      e == ERRMAX - 1 ? "other" : e ? errname(e) : "ok", c);
		}
		line[l] = 0;
		printf("# %-16s %10" PRIu64 " %s\n", op_names[o], n, line);
	}
	printf("# jobs submitted %" PRIu64 "; final status seen by WAIT:", sub);
	for (e = 0; e < ERRMAX; e++)
		if (jobs[e])
			printf(" %s=%" PRIu64, e ? errname(e) : "ok", jobs[e]);
	printf("\n# control jobs %" PRIu64 " ok (%" PRIu64 " retried after -ETIMEDOUT)\n", ctl,
	       retr);
	printf("# predictions %" PRIu64 " (%" PRIu64 " matched); builder self-check rejects %"
	       PRIu64 "\n", pr, prok, brej);
	printf("# forks %" PRIu64 " (%" PRIu64 " SIGKILLed); slowest close %.1f ms\n", forks, kills,
	       maxclose / 1e6);
	printf("# findings %" PRIu64 "\n", find);
	fflush(stdout);
}

static void usage(FILE *f)
{
	int i;

	fprintf(f,
"Usage: npu-fuzz [OPTIONS]\n"
"Fuzz npu.ko through its device file (run inside the test VM, as root).\n\n"
"  --seed S          PRNG seed (default 1); worker w uses stream (S, w)\n"
"  --ops N           total operations over all workers (default 10000)\n"
"  --procs P         processes (default 1)\n"
"  --threads T       threads per process (default 1); T > 1 shares files\n"
"                    between threads and disables exact predictions\n"
"  --time SECONDS    stop after this long even if ops remain\n"
"  --verbose         log every op to stderr (for minimizing)\n"
"  --worker W        run only worker W (its stream as in the full run)\n"
"  --stop-at K       stop each worker before its op K\n"
"  --control-every K run the control job every K ops per worker (500)\n"
"  --hang-rate N     write 1..hang-max to debugfs fault_hang in N of every\n"
"                    10000 ops (default 5; 0 disables)\n"
"  --hang-max N      largest value written to fault_hang (2)\n"
"  --weight OP=N     change an op's weight (repeatable); --only OP[,OP..]\n"
"  --no-predict      only check errno allowlists\n"
"  --no-fork         no fork/SIGKILL games\n"
"  --keep-nice       keep CAP_SYS_NICE in odd processes too\n"
"  --big             allow heavier jobs (64^3 GEMMs)\n"
"  --unsafe-core     accepted for old command lines; GET_UNIQUE/GET_MAGIC are\n"
"                    always sent now (npu.ko refuses them, repro-accel-getmagic.c)\n"
"  --stall-secs S    report a worker stuck in one op for S s (90)\n"
"  --device PATH     device node (default: the first npu /dev/accel/accel*)\n"
"  --debugfs DIR     debugfs directory of the device\n"
"  -h, --help        this text\n\n"
"Exit status: 0 clean, 1 findings, 2 usage, 3 no device/setup failed.\n"
"Ops:");
	for (i = 0; i < OP__COUNT; i++)
		fprintf(f, " %s", op_names[i]);
	fprintf(f, "\n");
}

static int set_weight(const char *arg, int only)
{
	char buf[512], *tok, *save = NULL;
	int i;

	snprintf(buf, sizeof(buf), "%s", arg);
	if (only)
		for (i = 0; i < OP__COUNT; i++)
			op_weight[i] = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		unsigned int v = 1;

		if (eq) {
			*eq = 0;
			v = (unsigned int)strtoul(eq + 1, NULL, 0);
		}
		for (i = 0; i < OP__COUNT; i++)
			if (!strcasecmp(tok, op_names[i]))
				break;
		if (i == OP__COUNT) {
			fprintf(stderr, "npu-fuzz: unknown op '%s'\n", tok);
			return -1;
		}
		if (!eq)
			v = default_weight[i] ? default_weight[i] : 1;
		op_weight[i] = v;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i, p, status, fd, failed = 0, running, stalled = 0;
	pid_t pids[MAX_WORKERS];
	int64_t t0, deadline = 0, last_progress;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

#define ARGV(name) (!strcmp(a, name) && v && ++i)
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (ARGV("--seed")) {
			opt.seed = strtoull(v, NULL, 0);
		} else if (ARGV("--ops")) {
			opt.ops = strtoull(v, NULL, 0);
		} else if (ARGV("--procs")) {
			opt.procs = atoi(v);
		} else if (ARGV("--threads")) {
			opt.threads = atoi(v);
		} else if (ARGV("--time")) {
			opt.time_s = atof(v);
		} else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			opt.verbose = 1;
		} else if (ARGV("--worker")) {
			opt.worker = atoi(v);
		} else if (ARGV("--stop-at")) {
			opt.stop_at = strtoull(v, NULL, 0);
		} else if (ARGV("--control-every")) {
			opt.control_every = atoi(v);
		} else if (ARGV("--hang-rate")) {
			opt.hang_rate = (unsigned int)atoi(v);
		} else if (ARGV("--hang-max")) {
			opt.hang_max = atoi(v);
		} else if (ARGV("--weight")) {
			if (set_weight(v, 0))
				return 2;
		} else if (ARGV("--only")) {
			if (set_weight(v, 1))
				return 2;
		} else if (!strcmp(a, "--no-predict")) {
			opt.strict = 0;
		} else if (!strcmp(a, "--no-fork")) {
			opt.no_fork = 1;
		} else if (!strcmp(a, "--keep-nice")) {
			opt.drop_nice = 0;
		} else if (!strcmp(a, "--big")) {
			opt.big = 1;
		} else if (!strcmp(a, "--unsafe-core")) {
			/* GET_UNIQUE/GET_MAGIC are always sent now */
		} else if (ARGV("--stall-secs")) {
			opt.stall_secs = atoi(v);
		} else if (ARGV("--device")) {
			snprintf(opt.device, sizeof(opt.device), "%s", v);
		} else if (ARGV("--debugfs")) {
			snprintf(opt.debugfs, sizeof(opt.debugfs), "%s", v);
		} else {
			fprintf(stderr, "npu-fuzz: bad argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
#undef ARGV
	}
	if (opt.procs < 1 || opt.threads < 1 || opt.threads > 64 ||
	    opt.procs * opt.threads > MAX_WORKERS || opt.hang_max < 1 ||
	    (opt.worker >= opt.procs * opt.threads)) {
		fprintf(stderr, "npu-fuzz: bad --procs/--threads/--worker/--hang-max\n");
		return 2;
	}
	op_weight[OP_FAULT_HANG] = 0;	/* see --hang-rate */
	op_weight[OP_CONTROL] = 0;
	for (i = 0; i < OP__COUNT; i++)
		weight_total += op_weight[i];
	if (!weight_total) {
		fprintf(stderr, "npu-fuzz: every op has weight 0\n");
		return 2;
	}
	g_nworkers = opt.procs * opt.threads;

	if (find_device()) {
		fprintf(stderr, "npu-fuzz: no npu device (/dev/accel/accel*): load npu.ko\n");
		return 3;
	}
	fd = dev_open();
	if (fd < 0) {
		fprintf(stderr, "npu-fuzz: %s: %s\n", g_devpath, strerror(-fd));
		return 3;
	}
	{
		struct drm_npu_query q = { .query = DRM_NPU_QUERY_LIMITS, .size = sizeof(g_lim),
					   .data = (uintptr_t)&g_lim };

		if (xioctl(fd, DRM_IOCTL_NPU_QUERY, &q)) {
			fprintf(stderr, "npu-fuzz: QUERY LIMITS failed\n");
			return 3;
		}
	}
	close(fd);
	if (!g_have_hang)
		op_weight[OP_FAULT_HANG] = 0;
	printf("# npu-fuzz: %s (debugfs %s%s), seed %" PRIu64 ", %" PRIu64 " ops, %d proc(s) x "
	       "%d thread(s)%s, job timeout %u ms, max BO %" PRIu64 " MiB\n", g_devpath,
	       g_dbgdir[0] ? g_dbgdir : "none", g_have_hang ? ", fault_hang on" : "", opt.seed,
	       opt.ops, opt.procs, opt.threads,
	       opt.strict && opt.threads == 1 ? ", exact predictions" : "",
	       g_lim.job_timeout_ms, (uint64_t)(g_lim.max_bo_size >> 20));
	fflush(stdout);

	g_stats = mmap(NULL, sizeof(*g_stats) * g_nworkers, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g_stats == MAP_FAILED) {
		perror("npu-fuzz: mmap");
		return 3;
	}
	t0 = now_ns();
	if (opt.time_s > 0)
		deadline = t0 + (int64_t)(opt.time_s * 1e9);
	for (p = 0; p < opt.procs; p++) {
		if (opt.worker >= 0 && opt.worker / opt.threads != p) {
			pids[p] = -1;
			continue;
		}
		pids[p] = fork();
		if (pids[p] < 0) {
			perror("npu-fuzz: fork");
			return 3;
		}
		if (pids[p] == 0)
			_exit(proc_main(p, deadline));
	}

	last_progress = t0;
	for (;;) {
		int64_t t = now_ns();

		running = 0;
		for (p = 0; p < opt.procs; p++) {
			pid_t r;

			if (pids[p] <= 0)
				continue;
			r = waitpid(pids[p], &status, WNOHANG);
			if (r == 0) {
				running++;
				continue;
			}
			if (r == pids[p]) {
				if (WIFSIGNALED(status)) {
					printf("FINDING p%d (seed %" PRIu64 ") died of signal %d\n",
					       p, opt.seed, WTERMSIG(status));
					failed = 1;
				} else if (WEXITSTATUS(status)) {
					failed = 1;
				}
			}
			pids[p] = 0;
		}
		if (!running)
			break;
		for (i = 0; i < g_nworkers; i++) {
			struct wstats *s = &g_stats[i];
			int64_t st = s->cur_op_start;

			if (!st || s->done || t - st < (int64_t)opt.stall_secs * 1000000000LL)
				continue;
			printf("FINDING p%d.t%d (seed %" PRIu64 " worker %d) stalled: op #%" PRIu64
			       " %s running for %.0f s\n", i / opt.threads, i % opt.threads,
			       opt.seed, i, (uint64_t)s->cur_op_no, op_names[s->cur_op],
			       (t - st) / 1e9);
			print_stack(s->tid);
			stalled = 1;
		}
		if (stalled)
			break;
		if (t - last_progress >= (int64_t)opt.progress_secs * 1000000000LL) {
			uint64_t n = total_ops();

			printf("# progress: %" PRIu64 " ops, %.0f ops/s, %.0f s\n", n,
			       n / ((t - t0) / 1e9), (t - t0) / 1e9);
			fflush(stdout);
			last_progress = t;
		}
		usleep(200000);
	}
	summary((now_ns() - t0) / 1e9);
	for (i = 0; i < g_nworkers; i++)
		if (g_stats[i].findings)
			failed = 1;
	if (stalled) {
		/* workers stuck in the kernel cannot be reaped: leave them */
		printf("# stalled worker(s): not waiting for them\n");
		fflush(stdout);
		_exit(1);
	}
	return failed ? 1 : 0;
}

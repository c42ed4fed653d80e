// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: a small io_uring ring on the raw system calls, for npu_queue
 * (queue.c). libnpu does not depend on liburing; this is the part of it
 * that npu_queue needs: setup with a fallback for older kernels, the three
 * mappings, SQE allocation, io_uring_enter() with a timeout, and CQE
 * reaping on 16- and 32-byte CQE rings.
 *
 * A ring is used by one thread at a time (the queue's owner): the SQ tail
 * is published with a release store at submit time only, so SQEs prepared
 * but not yet submitted can still be amended (IOSQE_IO_LINK on the
 * previous one).
 */
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "npu_priv.h"

static int npu_sys_setup(unsigned int entries, struct io_uring_params *p)
{
	long r = syscall(__NR_io_uring_setup, entries, p);

	return r < 0 ? -errno : (int)r;
}

static int npu_sys_enter(int fd, unsigned int to_submit,
			 unsigned int min_complete, unsigned int flags,
			 const void *arg, size_t argsz)
{
	long r = syscall(__NR_io_uring_enter, fd, to_submit, min_complete,
			 flags, arg, argsz);

	return r < 0 ? -errno : (int)r;
}

int npu__ring_register(struct npu_ring *r, unsigned int op, const void *arg,
		       unsigned int nr)
{
	long ret = syscall(__NR_io_uring_register, r->fd, op, arg, nr);

	return ret < 0 ? -errno : (int)ret;
}

void npu__ring_exit(struct npu_ring *r)
{
	if (r->sqes)
		munmap(r->sqes, r->sqes_len);
	if (r->cq_ptr && r->cq_ptr != r->sq_ptr)
		munmap(r->cq_ptr, r->cq_len);
	if (r->sq_ptr)
		munmap(r->sq_ptr, r->sq_len);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static void *npu_ring_map(int fd, size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, off);

	return p == MAP_FAILED ? NULL : p;
}

static int npu_ring_setup(struct npu_ring *r, unsigned int entries,
			  unsigned int flags)
{
	struct io_uring_params p;
	size_t cqe_size;
	char *sq, *cq;
	int fd, err;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	memset(&p, 0, sizeof(p));
	p.flags = flags;
	fd = npu_sys_setup(entries, &p);
	if (fd < 0)
		return fd;
	r->fd = fd;
	r->flags = p.flags;
	r->features = p.features;
	r->sq_entries = p.sq_entries;
	r->cq_entries = p.cq_entries;
	r->sqe_size = (p.flags & IORING_SETUP_SQE128) ? 128 : 64;
	cqe_size = (p.flags & IORING_SETUP_CQE32) ? 32 : 16;

	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	r->cq_len = p.cq_off.cqes + p.cq_entries * cqe_size;
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (r->cq_len > r->sq_len)
			r->sq_len = r->cq_len;
		r->cq_len = r->sq_len;
	}
	r->sq_ptr = npu_ring_map(fd, r->sq_len, IORING_OFF_SQ_RING);
	if (!r->sq_ptr)
		goto fail;
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		r->cq_ptr = r->sq_ptr;
	} else {
		r->cq_ptr = npu_ring_map(fd, r->cq_len, IORING_OFF_CQ_RING);
		if (!r->cq_ptr)
			goto fail;
	}
	r->sqes_len = (size_t)p.sq_entries * r->sqe_size;
	r->sqes = npu_ring_map(fd, r->sqes_len, IORING_OFF_SQES);
	if (!r->sqes)
		goto fail;

	sq = r->sq_ptr;
	cq = r->cq_ptr;
	r->sq_head = (void *)(sq + p.sq_off.head);
	r->sq_tail = (void *)(sq + p.sq_off.tail);
	r->sq_mask = *(unsigned int *)(sq + p.sq_off.ring_mask);
	r->sq_array = (void *)(sq + p.sq_off.array);
	r->cq_head = (void *)(cq + p.cq_off.head);
	r->cq_tail = (void *)(cq + p.cq_off.tail);
	r->cq_mask = *(unsigned int *)(cq + p.cq_off.ring_mask);
	r->cqes = cq + p.cq_off.cqes;
	r->cqe_shift = cqe_size == 32 ? 5 : 4;
	r->sq_local_tail = atomic_load_explicit(r->sq_tail,
						memory_order_relaxed);
	r->sq_published = r->sq_local_tail;
	return 0;
fail:
	err = -errno;
	npu__ring_exit(r);
	return err ? err : -ENOMEM;
}

/*
 * Set up a ring with @want flags. A kernel that does not know a flag
 * refuses the whole setup with -EINVAL: retry without @optional's bits,
 * one group at a time, in the order given (terminated by 0).
 */
int npu__ring_init(struct npu_ring *r, unsigned int entries, unsigned int want,
		   const unsigned int *optional)
{
	unsigned int flags = want;
	int ret;

	for (;;) {
		ret = npu_ring_setup(r, entries, flags);
		if (ret != -EINVAL || !optional || !*optional)
			break;
		npu_dbg("io_uring_setup(flags %#x): %s, retrying without %#x",
			flags, strerror(-ret), *optional);
		flags &= ~*optional++;
	}
	return ret;
}

/* The next SQE, zeroed, or NULL when every SQE is handed out. */
struct io_uring_sqe *npu__ring_sqe(struct npu_ring *r)
{
	unsigned int head = atomic_load_explicit(r->sq_head,
						 memory_order_acquire);
	struct io_uring_sqe *sqe;
	unsigned int idx;

	if (r->sq_local_tail - head >= r->sq_entries)
		return NULL;
	idx = r->sq_local_tail & r->sq_mask;
	sqe = (void *)((char *)r->sqes + (size_t)idx * r->sqe_size);
	memset(sqe, 0, r->sqe_size);
	r->sq_array[idx] = idx;
	r->sq_local_tail++;
	return sqe;
}

/* The SQE handed out last and not yet submitted, or NULL. */
struct io_uring_sqe *npu__ring_last_sqe(struct npu_ring *r)
{
	unsigned int idx;

	if (r->sq_local_tail == r->sq_published)
		return NULL;
	idx = (r->sq_local_tail - 1) & r->sq_mask;
	return (void *)((char *)r->sqes + (size_t)idx * r->sqe_size);
}

/* SQEs handed out that the kernel has not consumed yet */
unsigned int npu__ring_unsubmitted(const struct npu_ring *r)
{
	return r->sq_local_tail - atomic_load_explicit(r->sq_head,
						       memory_order_acquire);
}

/*
 * io_uring_enter(): submit every prepared SQE and, with @min_complete > 0,
 * wait until that many CQEs are there or @timeout_ns (relative, >= 0;
 * NPU_TIMEOUT_INFINITE) passed. With @min_complete 0, GETEVENTS is still
 * passed when @getevents, which makes a DEFER_TASKRUN ring post what has
 * completed.
 * Returns the number of SQEs the kernel consumed, or -errno (-ETIME when
 * the timeout expired, -EINTR on a signal).
 */
int npu__ring_enter(struct npu_ring *r, bool getevents,
		    unsigned int min_complete, int64_t timeout_ns)
{
	unsigned int n = npu__ring_unsubmitted(r);
	unsigned int flags = 0;
	struct io_uring_getevents_arg arg;
	struct __kernel_timespec ts;
	const void *argp = NULL;
	size_t argsz = 0;

	if (r->sq_published != r->sq_local_tail) {
		atomic_store_explicit(r->sq_tail, r->sq_local_tail,
				      memory_order_release);
		r->sq_published = r->sq_local_tail;
	}
	if (getevents || min_complete) {
		flags |= IORING_ENTER_GETEVENTS;
		if (min_complete && timeout_ns != NPU_TIMEOUT_INFINITE) {
			memset(&arg, 0, sizeof(arg));
			ts.tv_sec = timeout_ns / 1000000000;
			ts.tv_nsec = timeout_ns % 1000000000;
			arg.ts = (uint64_t)(uintptr_t)&ts;
			flags |= IORING_ENTER_EXT_ARG;
			argp = &arg;
			argsz = sizeof(arg);
		}
	}
	if (!n && !flags)
		return 0;
	/*
	 * SQEs the kernel did not consume (it stops at an error without
	 * IORING_SETUP_SUBMIT_ALL) stay published and are counted again
	 * by the next call, from the kernel's SQ head.
	 */
	return npu_sys_enter(r->fd, n, min_complete, flags, argp, argsz);
}

/* Copy out and consume the next CQE; -EAGAIN when there is none. */
int npu__ring_peek(struct npu_ring *r, struct npu_ring_cqe *out)
{
	unsigned int head = atomic_load_explicit(r->cq_head,
						 memory_order_relaxed);
	unsigned int tail = atomic_load_explicit(r->cq_tail,
						 memory_order_acquire);
	const struct io_uring_cqe *c;

	if (head == tail)
		return -EAGAIN;
	c = (const void *)((const char *)r->cqes +
			   ((size_t)(head & r->cq_mask) << r->cqe_shift));
	out->user_data = c->user_data;
	out->res = c->res;
	out->flags = c->flags;
	out->big0 = r->cqe_shift == 5 ? c->big_cqe[0] : 0;
	atomic_store_explicit(r->cq_head, head + 1, memory_order_release);
	return 0;
}

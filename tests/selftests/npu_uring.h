/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * npu selftests: a minimal io_uring ring on raw syscalls (no liburing), so
 * tests can use SQE128/CQE32 rings, DEFER_TASKRUN and the npu uring_cmd
 * ops with only the kernel uAPI header <linux/io_uring.h>.
 *
 *  - npu_ring_init(): io_uring_setup() + the three mmaps
 *  - npu_ring_sqe(): next free SQE (zeroed; 128 bytes on SQE128 rings)
 *  - npu_ring_submit(): io_uring_enter() for every queued SQE, optionally
 *    waiting for completions
 *  - npu_ring_wait(): the next CQE (copied out, then consumed), with a
 *    timeout
 *  - npu_prep_cmd(): an IORING_OP_URING_CMD SQE with an npu payload
 *
 * Single-threaded use only (one ring per thread). Functions return 0 or a
 * negative errno.
 */
#ifndef NPU_URING_H
#define NPU_URING_H

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/io_uring.h>

struct npu_ring {
	int fd;
	unsigned int flags;		/* IORING_SETUP_* */
	unsigned int sq_entries, cq_entries;
	/* SQ */
	void *sq_ptr;
	size_t sq_len;
	_Atomic unsigned int *sq_head, *sq_tail;
	unsigned int *sq_mask, *sq_array;
	unsigned int sq_local_tail;	/* SQEs handed out, not yet submitted */
	unsigned int sq_submitted;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
	/* CQ */
	void *cq_ptr;
	size_t cq_len;
	_Atomic unsigned int *cq_head, *cq_tail;
	unsigned int *cq_mask;
	struct io_uring_cqe *cqes;
};

/* What npu_ring_wait() returns; big[] only on CQE32 rings. */
struct npu_cqe {
	uint64_t user_data;
	int32_t res;
	uint32_t flags;
	uint64_t big[2];
};

static inline int npu_sys_uring_setup(unsigned int entries, struct io_uring_params *p)
{
	long r = syscall(__NR_io_uring_setup, entries, p);

	return r < 0 ? -errno : (int)r;
}

static inline int npu_sys_uring_enter(int fd, unsigned int to_submit,
				      unsigned int min_complete, unsigned int flags,
				      const void *arg, size_t argsz)
{
	long r = syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags,
			 arg, argsz);

	return r < 0 ? -errno : (int)r;
}

static inline int npu_sys_uring_register(int fd, unsigned int op, const void *arg,
					 unsigned int nr)
{
	long r = syscall(__NR_io_uring_register, fd, op, arg, nr);

	return r < 0 ? -errno : (int)r;
}

static inline size_t npu_ring_sqe_size(const struct npu_ring *r)
{
	return (r->flags & IORING_SETUP_SQE128) ? 128 : 64;
}

static inline void npu_ring_exit(struct npu_ring *r)
{
	if (r->sqes && r->sqes != MAP_FAILED)
		munmap(r->sqes, r->sqes_len);
	if (r->cq_ptr && r->cq_ptr != MAP_FAILED && r->cq_ptr != r->sq_ptr)
		munmap(r->cq_ptr, r->cq_len);
	if (r->sq_ptr && r->sq_ptr != MAP_FAILED)
		munmap(r->sq_ptr, r->sq_len);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static inline int npu_ring_init(struct npu_ring *r, unsigned int entries,
				unsigned int setup_flags)
{
	struct io_uring_params p;
	size_t cqe_size;
	int fd;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	memset(&p, 0, sizeof(p));
	p.flags = setup_flags;
	fd = npu_sys_uring_setup(entries, &p);
	if (fd < 0)
		return fd;
	r->fd = fd;
	r->flags = p.flags;
	r->sq_entries = p.sq_entries;
	r->cq_entries = p.cq_entries;
	cqe_size = (p.flags & IORING_SETUP_CQE32) ? 32 : 16;

	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	r->cq_len = p.cq_off.cqes + p.cq_entries * cqe_size;
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (r->cq_len > r->sq_len)
			r->sq_len = r->cq_len;
		r->cq_len = r->sq_len;
	}
	r->sq_ptr = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	if (r->sq_ptr == MAP_FAILED)
		goto fail;
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		r->cq_ptr = r->sq_ptr;
	} else {
		r->cq_ptr = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
		if (r->cq_ptr == MAP_FAILED)
			goto fail;
	}
	r->sqes_len = p.sq_entries * npu_ring_sqe_size(r);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		goto fail;

	r->sq_head = (void *)((char *)r->sq_ptr + p.sq_off.head);
	r->sq_tail = (void *)((char *)r->sq_ptr + p.sq_off.tail);
	r->sq_mask = (void *)((char *)r->sq_ptr + p.sq_off.ring_mask);
	r->sq_array = (void *)((char *)r->sq_ptr + p.sq_off.array);
	r->cq_head = (void *)((char *)r->cq_ptr + p.cq_off.head);
	r->cq_tail = (void *)((char *)r->cq_ptr + p.cq_off.tail);
	r->cq_mask = (void *)((char *)r->cq_ptr + p.cq_off.ring_mask);
	r->cqes = (void *)((char *)r->cq_ptr + p.cq_off.cqes);
	r->sq_local_tail = atomic_load_explicit(r->sq_tail, memory_order_relaxed);
	r->sq_submitted = r->sq_local_tail;
	return 0;
fail:
	{
		int err = -errno;

		npu_ring_exit(r);
		return err;
	}
}

/* Next SQE, zeroed, or NULL when the SQ is full. */
static inline struct io_uring_sqe *npu_ring_sqe(struct npu_ring *r)
{
	unsigned int head = atomic_load_explicit(r->sq_head, memory_order_acquire);
	unsigned int idx;
	struct io_uring_sqe *sqe;

	if (r->sq_local_tail - head >= r->sq_entries)
		return NULL;
	idx = r->sq_local_tail & *r->sq_mask;
	sqe = (void *)((char *)r->sqes + idx * npu_ring_sqe_size(r));
	memset(sqe, 0, npu_ring_sqe_size(r));
	r->sq_array[idx] = idx;
	r->sq_local_tail++;
	return sqe;
}

/* Publish the queued SQEs; io_uring_enter() them, waiting for @wait_nr CQEs. */
static inline int npu_ring_submit(struct npu_ring *r, unsigned int wait_nr)
{
	unsigned int n = r->sq_local_tail - r->sq_submitted;
	unsigned int flags = wait_nr ? IORING_ENTER_GETEVENTS : 0;

	/* SQPOLL: the kernel thread submits; wake it in case it sleeps */
	if (r->flags & IORING_SETUP_SQPOLL)
		flags |= IORING_ENTER_SQ_WAKEUP;
	int ret;

	atomic_store_explicit(r->sq_tail, r->sq_local_tail, memory_order_release);
	do {
		ret = npu_sys_uring_enter(r->fd, n, wait_nr, flags, NULL, 0);
	} while (ret == -EINTR);
	if (ret >= 0)
		r->sq_submitted += ret;
	return ret;
}

/* Copy out and consume the next CQE, if there is one. */
static inline int npu_ring_peek(struct npu_ring *r, struct npu_cqe *out)
{
	unsigned int head = atomic_load_explicit(r->cq_head, memory_order_relaxed);
	unsigned int tail = atomic_load_explicit(r->cq_tail, memory_order_acquire);
	unsigned int shift = (r->flags & IORING_SETUP_CQE32) ? 1 : 0;
	struct io_uring_cqe *c;

	if (head == tail)
		return -EAGAIN;
	c = &r->cqes[(head & *r->cq_mask) << shift];
	out->user_data = c->user_data;
	out->res = c->res;
	out->flags = c->flags;
	out->big[0] = shift ? c->big_cqe[0] : 0;
	out->big[1] = shift ? c->big_cqe[1] : 0;
	atomic_store_explicit(r->cq_head, head + 1, memory_order_release);
	return 0;
}

/*
 * The next CQE within @timeout_ms (< 0: forever). -ETIME when none came.
 * Completions of DEFER_TASKRUN rings are only posted inside io_uring_enter(),
 * so this always enters the kernel to wait.
 */
static inline int npu_ring_wait(struct npu_ring *r, struct npu_cqe *out, int timeout_ms)
{
	struct __kernel_timespec ts;
	struct io_uring_getevents_arg arg;
	int ret;

	for (;;) {
		if (!npu_ring_peek(r, out))
			return 0;
		memset(&arg, 0, sizeof(arg));
		if (timeout_ms >= 0) {
			ts.tv_sec = timeout_ms / 1000;
			ts.tv_nsec = (long long)(timeout_ms % 1000) * 1000000;
			arg.ts = (uint64_t)(uintptr_t)&ts;
		}
		ret = npu_sys_uring_enter(r->fd, 0, 1,
					  IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
					  &arg, sizeof(arg));
		if (ret == -EINTR)
			continue;
		if (ret == -ETIME)
			return npu_ring_peek(r, out) ? -ETIME : 0;
		if (ret < 0)
			return ret;
	}
}

/*
 * An IORING_OP_URING_CMD on @fd: @cmd_op, and @len payload bytes copied to
 * the command area (which holds 16 bytes, 80 on SQE128 rings; a longer
 * payload is truncated so tests can send short ones on purpose).
 */
static inline void npu_prep_cmd(const struct npu_ring *r, struct io_uring_sqe *sqe,
				int fd, uint32_t cmd_op, const void *payload,
				size_t len, uint64_t user_data)
{
	size_t room = npu_ring_sqe_size(r) - 48;

	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = cmd_op;
	sqe->user_data = user_data;
	memcpy(sqe->cmd, payload, len < room ? len : room);
}

/* Queue one uring_cmd, submit it, and wait for its CQE. */
static inline int npu_ring_cmd_sync(struct npu_ring *r, int fd, uint32_t cmd_op,
				    const void *payload, size_t len,
				    struct npu_cqe *out, int timeout_ms)
{
	struct io_uring_sqe *sqe = npu_ring_sqe(r);
	int ret;

	if (!sqe)
		return -EBUSY;
	npu_prep_cmd(r, sqe, fd, cmd_op, payload, len, 0x6e7075);
	ret = npu_ring_submit(r, 0);
	if (ret < 0)
		return ret;
	return npu_ring_wait(r, out, timeout_ms);
}

#endif /* NPU_URING_H */

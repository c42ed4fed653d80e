// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: npu_queue, asynchronous submission.
 *
 * DOC: queues
 *
 * A queue is a table of @depth operation slots and, on the accel backend,
 * an io_uring (uring.c) whose SQEs are the npu uring_cmds of
 * uapi/drm/npu_accel.h (DRM_NPU_URING_CMD_*) on the device fd, and
 * IORING_OP_SEND_ZC. An SQE's user_data is its slot index + 1. An
 * operation owns, until its completion, everything the kernel may read:
 * the encoded command streams, the BO handle and in-fence arrays, the
 * struct drm_npu_submit array the kernel writes seqnos back into, and a
 * reference on each BO it uses (the sent BO's pages stay mapped until the
 * send's notification CQE).
 *
 * A send has two CQEs: the result (IORING_CQE_F_MORE set when a
 * notification follows) and the notification (IORING_CQE_F_NOTIF); its
 * callback runs when both are in. Completion callbacks run in
 * npu_queue_poll(), after the slot is released, so that they can queue
 * again.
 *
 * The host backend has no ring: operations wait in a FIFO and
 * npu_queue_flush() executes them in order on the calling thread (jobs go
 * to the host backend's threads and are waited for at the end of the
 * flush, or earlier when a linked send or the backend's window of
 * remembered jobs needs it), so that io_uring's ordering is kept: a wait
 * covers the jobs submitted before it, a linked send starts after its job.
 * The queue's eventfd is written when operations complete (on the accel
 * backend it is registered with the ring, which writes it, once
 * npu_queue_fd() is first called).
 *
 * A queue is used by one thread at a time; nothing here locks.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "npu_priv.h"

enum { NPU_QOP_SUBMIT = 1, NPU_QOP_WAIT, NPU_QOP_SEND };
enum {
	NPU_QOP_FREE = 0,
	NPU_QOP_QUEUED,		/* queued (ring: prepared or with the kernel) */
	NPU_QOP_INFLIGHT,	/* host: jobs submitted, not waited for */
	NPU_QOP_DONE,		/* host: finished, callback not run */
};

/* host backend: most submitted jobs a flush leaves unwaited-for */
#define NPU_QUEUE_HOST_MAX_INFLIGHT	512U

#define NPU_NO_SLOT	UINT32_MAX

/**
 * struct npu_queue_op - one queued operation
 * @kind: NPU_QOP_SUBMIT, _WAIT or _SEND
 * @state: NPU_QOP_FREE .. _DONE
 * @res_seen: send: its result CQE came
 * @notif_pending: send: a notification CQE is still to come
 * @cb: callback
 * @user: its argument
 * @result: the result for @cb
 * @seqno: the seqno for @cb
 * @next: next free slot
 * @link: host: slot this send is linked after, or NPU_NO_SLOT
 * @subs: submit: @njobs entries (the kernel writes their seqnos)
 * @cmds: submit: the encoded stream of each job
 * @njobs: entries at @subs and @cmds
 * @bos: BO references held (submit: every job's; wait, send: @bo1)
 * @nbos: entries at @bos
 * @bo1: the BO of a wait or send
 * @timeout_ns: wait: relative timeout or NPU_TIMEOUT_INFINITE
 * @addr: send: first byte
 * @len: send: bytes
 * @sockfd: send: socket
 */
struct npu_queue_op {
	uint8_t kind;
	uint8_t state;
	bool res_seen;
	bool notif_pending;
	npu_queue_cb cb;
	void *user;
	int result;
	uint64_t seqno;
	uint32_t next;
	uint32_t link;
	struct drm_npu_submit *subs;
	void **cmds;
	uint32_t njobs;
	struct npu_bo **bos;
	uint32_t nbos;
	struct npu_bo *bo1;
	int64_t timeout_ns;
	const void *addr;
	uint32_t len;
	int sockfd;
};

/**
 * struct npu_queue - an asynchronous queue
 * @dev: device (one reference)
 * @ring: io_uring (accel backend; fd -1 otherwise)
 * @evfd: eventfd of npu_queue_fd()
 * @depth: slots
 * @flags: NPU_QUEUE_* flags of npu_queue_create()
 * @ops: @depth slots
 * @free: first free slot, NPU_NO_SLOT when none
 * @pending: slots in use
 * @last: slot of the op queued last if it is not flushed yet, else
 *	NPU_NO_SLOT (what NPU_QUEUE_SEND_LINK links after)
 * @fifo: host: queued slots, in order (ring of @depth)
 * @fifo_head: host: first of @fifo
 * @fifo_len: host: entries of @fifo
 * @done: host: completed slots, in order (ring of @depth)
 * @done_head: host: first of @done
 * @done_len: host: entries of @done
 * @evfd_registered: @evfd is registered with @ring
 * @in_cb: a callback is running
 * @closing: npu_queue_destroy() runs
 */
struct npu_queue {
	struct npu_device *dev;
	struct npu_ring ring;
	int evfd;
	uint32_t depth;
	uint32_t flags;
	struct npu_queue_op *ops;
	uint32_t free;
	uint32_t pending;
	uint32_t last;
	uint32_t *fifo;
	uint32_t fifo_head, fifo_len;
	uint32_t *done;
	uint32_t done_head, done_len;
	bool evfd_registered;
	bool in_cb;
	bool closing;
};

static bool npu_queue_has_ring(const struct npu_queue *q)
{
	return q->ring.fd >= 0;
}

static int64_t npu_queue_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Create and destroy                                                  */
/* ------------------------------------------------------------------ */

static int npu_queue_ring_setup(struct npu_queue *q, unsigned int depth)
{
	/* the kernel refuses what it does not know: drop these in turn */
	unsigned int optional[3] = { 0 }, want, n = 0;
	int ret;

	want = IORING_SETUP_SQE128 | IORING_SETUP_CQE32 |
	       IORING_SETUP_SUBMIT_ALL;
	if (!(q->flags & NPU_QUEUE_NO_DEFER_TASKRUN)) {
		want |= IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER;
		optional[n++] = IORING_SETUP_DEFER_TASKRUN |
				IORING_SETUP_SINGLE_ISSUER;
	}
	optional[n++] = IORING_SETUP_SUBMIT_ALL;
	ret = npu__ring_init(&q->ring, depth, want, optional);
	if (ret == -EINVAL || ret == -ENOSYS) {
		npu_dbg("io_uring_setup: %s: the kernel has no SQE128/CQE32 rings (Linux 5.19 or later needed)",
			strerror(-ret));
		return -EOPNOTSUPP;
	}
	if (ret) {
		npu_dbg("io_uring_setup: %s", strerror(-ret));
		return ret;
	}
	npu_dbg("%s: queue of depth %u on io_uring flags %#x", q->dev->path,
		depth, q->ring.flags);
	return 0;
}

struct npu_queue *npu_queue_create(struct npu_device *dev, unsigned int depth,
				   uint32_t flags)
{
	bool test_ring = flags & NPU_QUEUE_TEST_RING;
	struct npu_queue *q;
	uint32_t i;
	int ret;

	flags &= ~NPU_QUEUE_TEST_RING;
	if (!dev || !depth || (flags & ~NPU_QUEUE_FLAGS))
		return npu__err_ptr(-EINVAL);
	if (depth > NPU_QUEUE_MAX_DEPTH)
		return npu__err_ptr(-E2BIG);
	if (dev->backend == NPU_BACKEND_ACCEL && dev->version.minor < 1) {
		npu_dbg("%s: the npu driver has uAPI %u.%u; io_uring submission needs 1.1",
			dev->path, dev->version.major, dev->version.minor);
		return npu__err_ptr(-EOPNOTSUPP);
	}
	q = calloc(1, sizeof(*q));
	if (!q)
		return npu__err_ptr(-ENOMEM);
	q->ring.fd = -1;
	q->dev = dev;
	q->depth = depth;
	q->flags = flags;
	q->last = NPU_NO_SLOT;
	q->ops = calloc(depth, sizeof(*q->ops));
	q->fifo = calloc(depth, sizeof(*q->fifo));
	q->done = calloc(depth, sizeof(*q->done));
	q->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!q->ops || !q->fifo || !q->done || q->evfd < 0) {
		ret = q->evfd < 0 ? -errno : -ENOMEM;
		goto fail;
	}
	for (i = 0; i < depth; i++)
		q->ops[i].next = i + 1 < depth ? i + 1 : NPU_NO_SLOT;
	q->free = 0;
	if (dev->backend == NPU_BACKEND_ACCEL || test_ring) {
		ret = npu_queue_ring_setup(q, depth);
		if (ret)
			goto fail;
	}
	npu__device_get(dev);
	return q;
fail:
	npu__ring_exit(&q->ring);
	if (q->evfd >= 0)
		close(q->evfd);
	free(q->ops);
	free(q->fifo);
	free(q->done);
	free(q);
	return npu__err_ptr(ret);
}

/*
 * The eventfd is registered with the ring on first use only: a ring with
 * an eventfd signals it for every completion, which QD1 users who never
 * ask for the fd need not pay for.
 */
int npu_queue_fd(struct npu_queue *q)
{
	int ret;

	if (!q)
		return npu__err(-EINVAL);
	if (npu_queue_has_ring(q) && !q->evfd_registered) {
		ret = npu__ring_register(&q->ring, IORING_REGISTER_EVENTFD,
					 &q->evfd, 1);
		if (ret) {
			npu_dbg("IORING_REGISTER_EVENTFD: %s", strerror(-ret));
			return npu__err(ret);
		}
		q->evfd_registered = true;
		/*
		 * What completed before the registration signalled nothing:
		 * one wake-up now, so an event loop polls the queue once.
		 */
		if (q->pending && eventfd_write(q->evfd, 1))
			npu_dbg("queue eventfd: %s", strerror(errno));
	}
	return q->evfd;
}

int npu_queue_ring_flags(const struct npu_queue *q)
{
	if (!q)
		return npu__err(-EINVAL);
	return npu_queue_has_ring(q) ? (int)q->ring.flags : 0;
}

int npu_queue_pending(const struct npu_queue *q)
{
	return q ? (int)q->pending : npu__err(-EINVAL);
}

/* ------------------------------------------------------------------ */
/* Slots                                                               */
/* ------------------------------------------------------------------ */

static struct npu_queue_op *npu_queue_op_alloc(struct npu_queue *q, int kind,
					       npu_queue_cb cb, void *user)
{
	struct npu_queue_op *op;
	uint32_t slot = q->free;

	if (slot == NPU_NO_SLOT)
		return NULL;
	op = &q->ops[slot];
	q->free = op->next;
	memset(op, 0, sizeof(*op));
	op->kind = (uint8_t)kind;
	op->state = NPU_QOP_QUEUED;
	op->cb = cb;
	op->user = user;
	op->link = NPU_NO_SLOT;
	op->next = NPU_NO_SLOT;
	op->sockfd = -1;
	q->pending++;
	return op;
}

static uint32_t npu_queue_slot(const struct npu_queue *q,
			       const struct npu_queue_op *op)
{
	return (uint32_t)(op - q->ops);
}

/* Drop what an op holds; the slot stays in use. */
static void npu_queue_op_release(struct npu_queue_op *op)
{
	uint32_t i;

	for (i = 0; op->cmds && i < op->njobs; i++)
		free(op->cmds[i]);
	for (i = 0; i < op->nbos; i++)
		npu_bo_free(op->bos[i]);
	/* submits: one block holds @subs, @cmds and @bos; else @bos is @bo1 */
	free(op->subs);
	op->cmds = NULL;
	op->subs = NULL;
	op->bos = NULL;
	op->njobs = op->nbos = 0;
}

static void npu_queue_op_free(struct npu_queue *q, struct npu_queue_op *op)
{
	npu_queue_op_release(op);
	op->state = NPU_QOP_FREE;
	op->next = q->free;
	q->free = npu_queue_slot(q, op);
	q->pending--;
}

/* Free the slot, then run the callback (which may reuse the slot). */
static void npu_queue_complete(struct npu_queue *q, struct npu_queue_op *op)
{
	npu_queue_cb cb = op->cb;
	void *user = op->user;
	int result = op->result;
	uint64_t seqno = op->seqno;

	npu_queue_op_free(q, op);
	if (cb) {
		q->in_cb = true;
		cb(q, result, seqno, user);
		q->in_cb = false;
	}
}

/* A queued op: on the ring it has its SQE; on the host it joins the FIFO. */
static void npu_queue_enqueue(struct npu_queue *q, struct npu_queue_op *op)
{
	uint32_t slot = npu_queue_slot(q, op);

	if (!npu_queue_has_ring(q)) {
		q->fifo[(q->fifo_head + q->fifo_len) % q->depth] = slot;
		q->fifo_len++;
	}
	q->last = slot;
}

/* ------------------------------------------------------------------ */
/* Queueing                                                            */
/* ------------------------------------------------------------------ */

static int npu_queue_check(const struct npu_queue *q)
{
	if (q->closing)
		return -EINVAL;
	if (q->free == NPU_NO_SLOT) {
		npu_dbg("queue full (%u operations pending): poll first",
			q->depth);
		return -EBUSY;
	}
	return 0;
}

/* Take a job's stream, handles and in fences into @s; BO refs into @op. */
static int npu_queue_take_job(struct npu_queue_op *op, struct npu_job *job,
			      struct drm_npu_submit *s, void **cmdp)
{
	size_t hbytes = (size_t)job->nbos * sizeof(uint32_t);
	size_t fbytes = (size_t)job->nin_fences * sizeof(uint32_t);
	uint32_t size, i;
	void *cmd, *buf;
	char *tail;
	int ret;

	ret = npu__job_encode(job, &cmd, &size);
	if (ret)
		return ret;
	/* one block: stream (a multiple of 8 bytes), handles, in fences */
	buf = realloc(cmd, (size_t)size + hbytes + fbytes);
	if (!buf) {
		free(cmd);
		return -ENOMEM;
	}
	tail = (char *)buf + size;
	for (i = 0; i < job->nbos; i++)
		memcpy(tail + i * sizeof(uint32_t), &job->bos[i]->handle,
		       sizeof(uint32_t));
	if (fbytes)
		memcpy(tail + hbytes, job->in_fences, fbytes);
	*cmdp = buf;
	memset(s, 0, sizeof(*s));
	s->cmd = (uintptr_t)buf;
	s->cmd_size = size;
	s->bo_handles = job->nbos ? (uintptr_t)tail : 0;
	s->bo_count = job->nbos;
	s->in_syncobjs = fbytes ? (uintptr_t)(tail + hbytes) : 0;
	s->in_syncobj_count = job->nin_fences;
	s->priority = job->priority;
	for (i = 0; i < job->nbos; i++) {
		npu__bo_get(job->bos[i]);
		op->bos[op->nbos++] = job->bos[i];
	}
	return 0;
}

static void npu_queue_prep_cmd(struct npu_queue *q, struct io_uring_sqe *sqe,
			       const struct npu_queue_op *op, uint32_t cmd_op,
			       const void *payload, size_t len)
{
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = q->dev->fd;
	sqe->cmd_op = cmd_op;
	sqe->user_data = (uint64_t)npu_queue_slot(q, op) + 1;
	memcpy(sqe->cmd, payload, len);
}

/* Put @op in the ring (a free SQE always exists: SQEs <= slots). */
static struct io_uring_sqe *npu_queue_sqe(struct npu_queue *q)
{
	struct io_uring_sqe *sqe = npu__ring_sqe(&q->ring);

	if (!sqe) {
		/* the kernel has not consumed earlier SQEs: hand them over */
		npu__ring_enter(&q->ring, false, 0, 0);
		sqe = npu__ring_sqe(&q->ring);
	}
	return sqe;
}

static int npu_queue_add_submit(struct npu_queue *q,
				struct npu_job *const *jobs, unsigned int n,
				npu_queue_cb cb, void *user)
{
	struct io_uring_sqe *sqe = NULL;
	struct npu_queue_op *op;
	uint32_t nbos = 0, i;
	int ret;

	if (!q || !jobs || !n)
		return npu__err(-EINVAL);
	if (n > DRM_NPU_URING_MAX_BATCH)
		return npu__err(-E2BIG);
	for (i = 0; i < n; i++) {
		if (!jobs[i])
			return npu__err(-EINVAL);
		if (jobs[i]->dev != q->dev) {
			npu_dbg("job %u of the batch belongs to %s, the queue to %s",
				i, jobs[i]->dev->path, q->dev->path);
			return npu__err(-EXDEV);
		}
		nbos += jobs[i]->nbos;
	}
	ret = npu_queue_check(q);
	if (ret)
		return npu__err(ret);
	if (npu_queue_has_ring(q)) {
		sqe = npu_queue_sqe(q);
		if (!sqe)
			return npu__err(-EBUSY);
	}
	op = npu_queue_op_alloc(q, NPU_QOP_SUBMIT, cb, user);
	/* one block: the submits (8-byte aligned), stream pointers, BOs */
	op->subs = calloc(1, n * (sizeof(*op->subs) + sizeof(*op->cmds)) +
			  nbos * sizeof(*op->bos));
	ret = -ENOMEM;
	if (!op->subs)
		goto fail;
	op->cmds = (void **)(op->subs + n);
	op->bos = (struct npu_bo **)(op->cmds + n);
	op->njobs = n;
	for (i = 0; i < n; i++) {
		ret = npu_queue_take_job(op, jobs[i], &op->subs[i],
					 &op->cmds[i]);
		if (ret)
			goto fail;
	}
	if (sqe) {
		if (n == 1 && !(q->flags & NPU_QUEUE_NO_INLINE) &&
		    (q->ring.flags & IORING_SETUP_SQE128)) {
			struct drm_npu_uring_submit_inline in = {
				.submit = op->subs[0],
			};

			npu_queue_prep_cmd(q, sqe, op,
					   DRM_NPU_URING_CMD_SUBMIT_INLINE,
					   &in, sizeof(in));
		} else {
			struct drm_npu_uring_submit b = {
				.submits = (uintptr_t)op->subs,
				.count = n,
			};

			npu_queue_prep_cmd(q, sqe, op, DRM_NPU_URING_CMD_SUBMIT,
					   &b, sizeof(b));
		}
	}
	npu_queue_enqueue(q, op);
	return 0;
fail:
	npu_queue_op_free(q, op);
	q->last = NPU_NO_SLOT;
	if (sqe) {
		/* turn the SQE into a NOP whose CQE is ignored */
		memset(sqe, 0, q->ring.sqe_size);
		sqe->opcode = IORING_OP_NOP;
	}
	return npu__err(ret);
}

int npu_queue_submit(struct npu_queue *q, struct npu_job *job,
		     npu_queue_cb cb, void *user)
{
	if (!job)
		return npu__err(-EINVAL);
	return npu_queue_add_submit(q, &job, 1, cb, user);
}

int npu_queue_submit_batch(struct npu_queue *q, struct npu_job *const *jobs,
			   unsigned int n, npu_queue_cb cb, void *user)
{
	return npu_queue_add_submit(q, jobs, n, cb, user);
}

static int npu_queue_bo_check(const struct npu_queue *q,
			      const struct npu_bo *bo)
{
	if (!q || !bo)
		return -EINVAL;
	if (bo->dev != q->dev) {
		npu_dbg("BO handle %u belongs to %s, the queue to %s",
			bo->handle, bo->dev->path, q->dev->path);
		return -EXDEV;
	}
	return npu_queue_check(q);
}

int npu_queue_wait_bo(struct npu_queue *q, struct npu_bo *bo,
		      int64_t timeout_ns, npu_queue_cb cb, void *user)
{
	struct io_uring_sqe *sqe = NULL;
	struct npu_queue_op *op;
	int ret;

	if (timeout_ns <= 0)
		return npu__err(-EINVAL);
	ret = npu_queue_bo_check(q, bo);
	if (ret)
		return npu__err(ret);
	if (npu_queue_has_ring(q)) {
		sqe = npu_queue_sqe(q);
		if (!sqe)
			return npu__err(-EBUSY);
	}
	op = npu_queue_op_alloc(q, NPU_QOP_WAIT, cb, user);
	op->bos = &op->bo1;
	npu__bo_get(bo);
	op->bos[op->nbos++] = bo;
	op->timeout_ns = timeout_ns;
	if (sqe) {
		struct drm_npu_uring_wait_timeout wt = {
			.wait = {
				.handle = bo->handle,
				.flags = DRM_NPU_WAIT_BO,
			},
			.timeout_ns = timeout_ns,
		};

		if (timeout_ns == NPU_TIMEOUT_INFINITE)
			npu_queue_prep_cmd(q, sqe, op, DRM_NPU_URING_CMD_WAIT,
					   &wt.wait, sizeof(wt.wait));
		else
			npu_queue_prep_cmd(q, sqe, op,
					   DRM_NPU_URING_CMD_WAIT_TIMEOUT,
					   &wt, sizeof(wt));
	}
	npu_queue_enqueue(q, op);
	return 0;
}

int npu_queue_send(struct npu_queue *q, struct npu_bo *bo, uint64_t offset,
		   uint64_t len, int sockfd, uint32_t flags, npu_queue_cb cb,
		   void *user)
{
	struct io_uring_sqe *sqe = NULL, *prev = NULL;
	uint32_t link = NPU_NO_SLOT;
	struct npu_queue_op *op;
	void *map;
	int ret;

	ret = npu_queue_bo_check(q, bo);
	if (ret)
		return npu__err(ret);
	if (!len || sockfd < 0 || (flags & ~NPU_QUEUE_SEND_LINK))
		return npu__err(-EINVAL);
	if (len > INT32_MAX)
		return npu__err(-E2BIG);
	if (offset > bo->size || len > bo->size - offset)
		return npu__err(-ERANGE);
	if (flags & NPU_QUEUE_SEND_LINK) {
		link = q->last;
		if (link == NPU_NO_SLOT ||
		    q->ops[link].kind == NPU_QOP_WAIT) {
			npu_dbg("NPU_QUEUE_SEND_LINK: no unflushed submit or send to link after");
			return npu__err(-EINVAL);
		}
	}
	map = npu_bo_map(bo);
	if (!map)
		return npu__err(-errno);
	if (npu_queue_has_ring(q)) {
		if (link != NPU_NO_SLOT) {
			prev = npu__ring_last_sqe(&q->ring);
			if (!prev)
				return npu__err(-EINVAL);
		}
		sqe = npu_queue_sqe(q);
		if (!sqe)
			return npu__err(-EBUSY);
	}
	op = npu_queue_op_alloc(q, NPU_QOP_SEND, cb, user);
	op->bos = &op->bo1;
	npu__bo_get(bo);
	op->bos[op->nbos++] = bo;
	op->addr = (const char *)map + offset;
	op->len = (uint32_t)len;
	op->sockfd = sockfd;
	op->link = link;
	if (sqe) {
		if (prev)
			prev->flags |= IOSQE_IO_LINK;
		sqe->opcode = IORING_OP_SEND_ZC;
		sqe->fd = sockfd;
		sqe->addr = (uintptr_t)op->addr;
		sqe->len = op->len;
		sqe->msg_flags = MSG_NOSIGNAL | MSG_WAITALL;
		sqe->user_data = (uint64_t)npu_queue_slot(q, op) + 1;
	}
	npu_queue_enqueue(q, op);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Host backend: run the FIFO                                          */
/* ------------------------------------------------------------------ */

static void npu_queue_host_done(struct npu_queue *q, struct npu_queue_op *op)
{
	uint64_t one = 1;

	op->state = NPU_QOP_DONE;
	q->done[(q->done_head + q->done_len) % q->depth] =
		npu_queue_slot(q, op);
	q->done_len++;
	if (write(q->evfd, &one, sizeof(one)) != sizeof(one))
		npu_dbg("queue eventfd: %s", strerror(errno));
}

/* Wait for a submit's jobs; it is done then. */
static void npu_queue_host_finish(struct npu_queue *q, struct npu_queue_op *op,
				  uint32_t *inflight)
{
	struct npu_device *dev = q->dev;
	uint32_t i;
	int ret;

	if (op->state != NPU_QOP_INFLIGHT)
		return;
	for (i = 0; i < op->njobs; i++) {
		if (!op->subs[i].seqno)
			continue;
		ret = dev->ops->wait(dev, op->subs[i].seqno,
				     NPU_TIMEOUT_INFINITE);
		if (ret && !op->result)
			op->result = ret;
		(*inflight)--;
	}
	npu_queue_host_done(q, op);
}

static void npu_queue_host_submit(struct npu_queue *q, struct npu_queue_op *op,
				  uint32_t *inflight)
{
	struct npu_device *dev = q->dev;
	uint32_t i;
	int ret;

	for (i = 0; i < op->njobs; i++) {
		const struct drm_npu_submit *s = &op->subs[i];
		struct npu_submit_args a = {
			.cmd = (const void *)(uintptr_t)s->cmd,
			.cmd_size = s->cmd_size,
			.bo_handles = (const uint32_t *)(uintptr_t)s->bo_handles,
			.bo_count = s->bo_count,
			.in_syncobjs = (const uint32_t *)(uintptr_t)s->in_syncobjs,
			.in_syncobj_count = s->in_syncobj_count,
			.priority = s->priority,
		};
		uint64_t seqno = 0;

		ret = dev->ops->submit(dev, &a, &seqno);
		if (ret) {
			/* as the kernel: a refused job stops the batch */
			op->result = ret;
			break;
		}
		op->subs[i].seqno = seqno;
		op->seqno = seqno;
		(*inflight)++;
	}
	op->state = NPU_QOP_INFLIGHT;
}

/* send() all of it, waiting for room on a non-blocking socket */
static int npu_queue_host_send(const struct npu_queue_op *op)
{
	const char *p = op->addr;
	size_t left = op->len;
	struct pollfd pfd = { .fd = op->sockfd, .events = POLLOUT };
	ssize_t n;

	while (left) {
		n = send(op->sockfd, p, left, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		if (n < 0)
			return p == op->addr ? -errno : (int)(p - (const char *)op->addr);
		p += n;
		left -= (size_t)n;
	}
	return (int)op->len;
}

static int npu_queue_host_flush(struct npu_queue *q)
{
	uint32_t n = q->fifo_len, inflight = 0, w = 0, i, j;
	struct npu_device *dev = q->dev;
	struct npu_queue_op *op, *prev;
	uint32_t *order;

	if (!n)
		return 0;
	/* the FIFO may grow from callbacks later, not during this loop */
	order = malloc(n * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		order[i] = q->fifo[(q->fifo_head + i) % q->depth];
	q->fifo_head = (q->fifo_head + n) % q->depth;
	q->fifo_len = 0;
	q->last = NPU_NO_SLOT;

	for (i = 0; i < n; i++) {
		op = &q->ops[order[i]];
		switch (op->kind) {
		case NPU_QOP_SUBMIT:
			/* stay inside the window of jobs the backend knows */
			while (inflight + op->njobs > NPU_QUEUE_HOST_MAX_INFLIGHT &&
			       w < i)
				npu_queue_host_finish(q, &q->ops[order[w++]],
						      &inflight);
			npu_queue_host_submit(q, op, &inflight);
			break;
		case NPU_QOP_WAIT:
			op->result = dev->ops->bo_wait(dev, op->bos[0]->handle,
						       op->timeout_ns);
			npu_queue_host_done(q, op);
			break;
		case NPU_QOP_SEND:
			prev = op->link != NPU_NO_SLOT ? &q->ops[op->link] : NULL;
			if (prev)
				npu_queue_host_finish(q, prev, &inflight);
			/* a link breaks on an error or a short send */
			if (prev && (prev->result < 0 ||
				     (prev->kind == NPU_QOP_SEND &&
				      prev->result != (int)prev->len)))
				op->result = -ECANCELED;
			else
				op->result = npu_queue_host_send(op);
			npu_queue_host_done(q, op);
			break;
		}
	}
	for (j = 0; j < n; j++)
		npu_queue_host_finish(q, &q->ops[order[j]], &inflight);
	free(order);
	return (int)n;
}

/* ------------------------------------------------------------------ */
/* Flush and poll                                                      */
/* ------------------------------------------------------------------ */

static int npu_queue_ring_flush(struct npu_queue *q)
{
	q->last = NPU_NO_SLOT;
	if (!npu__ring_unsubmitted(&q->ring))
		return 0;
	return npu__ring_enter(&q->ring, false, 0, 0);
}

int npu_queue_flush(struct npu_queue *q)
{
	if (!q)
		return npu__err(-EINVAL);
	if (npu_queue_has_ring(q))
		return npu__err(npu_queue_ring_flush(q));
	return npu__err(npu_queue_host_flush(q));
}

/* Handle one CQE; true when it completed an operation. */
static bool npu_queue_cqe(struct npu_queue *q, const struct npu_ring_cqe *c)
{
	struct npu_queue_op *op;
	uint32_t i;

	if (!c->user_data || c->user_data > q->depth)
		return false;	/* a NOP of a failed prep */
	op = &q->ops[c->user_data - 1];
	if (op->state != NPU_QOP_QUEUED) {
		npu_dbg("CQE for free slot %llu ignored",
			(unsigned long long)c->user_data - 1);
		return false;
	}
	if (op->kind == NPU_QOP_SEND) {
		if (c->flags & IORING_CQE_F_NOTIF) {
			op->notif_pending = false;
		} else {
			op->res_seen = true;
			op->result = c->res;
			op->notif_pending = c->flags & IORING_CQE_F_MORE;
		}
		if (!op->res_seen || op->notif_pending)
			return false;
	} else {
		op->result = c->res;
		if (op->kind == NPU_QOP_SUBMIT) {
			op->seqno = c->big0;
			for (i = op->njobs; !op->seqno && i > 0; i--)
				op->seqno = op->subs[i - 1].seqno;
		}
	}
	npu_queue_complete(q, op);
	return true;
}

static int npu_queue_reap_ring(struct npu_queue *q)
{
	struct npu_ring_cqe c;
	int n = 0;

	while (!npu__ring_peek(&q->ring, &c))
		n += npu_queue_cqe(q, &c);
	return n;
}

static int npu_queue_reap_host(struct npu_queue *q)
{
	uint32_t n = q->done_len, i, slot;

	/* only what is done now: callbacks may add more */
	for (i = 0; i < n; i++) {
		slot = q->done[q->done_head];
		q->done_head = (q->done_head + 1) % q->depth;
		q->done_len--;
		npu_queue_complete(q, &q->ops[slot]);
	}
	return (int)n;
}

static int npu_queue_do_poll(struct npu_queue *q, unsigned int min_complete,
			     int64_t timeout_ns)
{
	int64_t deadline = 0, left = timeout_ns;
	unsigned int done = 0;
	uint64_t cnt;
	int ret;

	if ((q->evfd_registered || !npu_queue_has_ring(q)) &&
	    read(q->evfd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		npu_dbg("queue eventfd: %s", strerror(errno));
	if (min_complete > q->pending)
		min_complete = q->pending;
	if (!npu_queue_has_ring(q)) {
		ret = npu_queue_host_flush(q);
		if (ret < 0)
			return ret;
		return npu_queue_reap_host(q);
	}
	if (min_complete && timeout_ns != NPU_TIMEOUT_INFINITE)
		deadline = npu_queue_now_ns() + timeout_ns;
	q->last = NPU_NO_SLOT;
	for (;;) {
		unsigned int want = done < min_complete ? 1 : 0;

		if (want && timeout_ns != NPU_TIMEOUT_INFINITE) {
			left = deadline - npu_queue_now_ns();
			if (left < 0)
				left = 0;
		}
		ret = npu__ring_enter(&q->ring, true, want, left);
		if (ret < 0 && ret != -ETIME && ret != -EINTR &&
		    ret != -EBUSY && ret != -EAGAIN)
			return done ? (int)done : ret;
		done += (unsigned int)npu_queue_reap_ring(q);
		if (done >= min_complete)
			break;
		if (ret == -ETIME || (want && left == 0 &&
				      timeout_ns != NPU_TIMEOUT_INFINITE))
			return done ? (int)done : -ETIME;
		if (min_complete > done + q->pending)
			min_complete = done + q->pending;
	}
	return (int)done;
}

int npu_queue_poll(struct npu_queue *q, unsigned int min_complete,
		   int64_t timeout_ns)
{
	if (!q || timeout_ns < 0)
		return npu__err(-EINVAL);
	if (q->in_cb)
		return npu__err(-EBUSY);
	return npu__err(npu_queue_do_poll(q, min_complete, timeout_ns));
}

void npu_queue_destroy(struct npu_queue *q)
{
	int ret;

	if (!q)
		return;
	if (q->in_cb) {
		npu_dbg("npu_queue_destroy() called from a callback: ignored");
		return;
	}
	q->closing = true;	/* callbacks cannot queue more */
	while (q->pending) {
		ret = npu_queue_do_poll(q, q->pending, NPU_TIMEOUT_INFINITE);
		if (ret < 0 && ret != -EINTR && ret != -ETIME) {
			npu_dbg("destroying a queue with %u operations pending: %s",
				q->pending, strerror(-ret));
			break;
		}
	}
	/* closing the ring cancels what is left before its memory goes */
	npu__ring_exit(&q->ring);
	for (uint32_t i = 0; i < q->depth; i++)
		if (q->ops[i].state != NPU_QOP_FREE)
			npu_queue_op_release(&q->ops[i]);
	close(q->evfd);
	npu__device_put(q->dev);
	free(q->ops);
	free(q->fifo);
	free(q->done);
	free(q);
}

// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (C) 2026 The npu authors */

/**
 * DOC: io_uring commands
 *
 * IORING_OP_URING_CMD on the accel file runs npu_uring_cmd(). The ops and
 * their payloads are in uapi/drm/npu_accel.h; Documentation/accel/npu.rst
 * ("io_uring interface") has the user-visible rules. Here:
 *
 * Issue. The payload is copied out of the SQE once, into a local struct,
 * and only that copy is read. SUBMIT and SUBMIT_INLINE call
 * npu_job_submit(), the ioctl's submit path. On a non-blocking issue
 * (IO_URING_F_NONBLOCK, the inline issue from io_uring_enter()), a single
 * job is submitted with NPU_SUBMIT_NOWAIT: any lock it cannot take at once
 * gives -EAGAIN before anything is queued, and io_uring issues the command
 * again from an io-wq worker, where it may sleep. A batch of several jobs
 * always goes to io-wq (a batch cannot be half submitted and then retried).
 * WAIT looks its fence up without sleeping (RCU for a seqno, a trylock for a
 * BO's reservation object).
 *
 * Completion. Each pending command owns a struct npu_uring_req (the pdu
 * holds its pointer) with one fence reference: the job's finished fence, a
 * dma_fence_array of a batch's finished fences, a syncobj's fence or a BO's
 * fences. A dma_fence callback on it, an optional hrtimer (WAIT_TIMEOUT)
 * and io_uring's cancellation race for npu_uring_req.state with one
 * cmpxchg from PENDING to FIRED; only the winner completes the command:
 *
 * - the fence callback (any context, fence lock held) and the timer
 *   (hard irq) queue task work, which runs npu_uring_finish() in the
 *   submitter's context with the ring's uring_lock held;
 * - cancellation (IO_URING_F_CANCEL, uring_lock held) finishes at once with
 *   -ECANCELED; io_uring calls it again until the command is done, and a
 *   loser returns without touching anything, so it is idempotent. The job
 *   itself is not cancelled: it runs on, or times out (its fence then
 *   carries -ETIMEDOUT), so a ring's exit never waits on a job.
 *
 * npu_uring_finish() removes the fence callback and cancels the timer (both
 * wait for a callback that is running), so the losers are done with the
 * request before it is freed; then io_uring_cmd_done().
 *
 * Arming. The callback is added and the command marked cancelable with
 * uring_lock held: completion task work and cancellation both need that
 * lock, so neither can see a half-armed request. An io-wq issue
 * (IO_URING_F_UNLOCKED) does not hold it and bounces the arming to task
 * work. A fence that has already signalled completes the command inline.
 *
 * Lifetime. The command holds a reference on the accel file until its CQE
 * is posted, so the drm_file, the npu_file and the module outlive it.
 */

#include <linux/dma-fence-array.h>
#include <linux/dma-resv.h>
#include <linux/hrtimer.h>
#include <linux/io_uring/cmd.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_syncobj.h>

#include "npu_drv.h"

/* Bytes of the SQE command area: 16, or 80 on an SQE128 ring. */
#define NPU_URING_AREA		16
#define NPU_URING_AREA128	80

enum npu_uring_state {
	NPU_UR_PENDING,
	NPU_UR_FIRED,
};

/**
 * struct npu_uring_req - one pending io_uring command
 * @cmd: the command
 * @ndev: device (for the debugfs counters)
 * @fence: what completes it (reference held)
 * @cb: callback on @fence
 * @timer: WAIT_TIMEOUT deadline
 * @timeout: relative deadline of @timer
 * @state: enum npu_uring_state; whoever moves it to FIRED completes @cmd
 * @res: CQE res, set by the winner
 * @submit_err: SUBMIT: the error that stopped a batch after its first job
 * @res2: CQE32 extra: SUBMIT's last seqno
 * @timed: @timer is in use
 * @cb_added: @cb is (or was) on @fence's callback list
 */
struct npu_uring_req {
	struct io_uring_cmd *cmd;
	struct npu_device *ndev;
	struct dma_fence *fence;
	struct dma_fence_cb cb;
	struct hrtimer timer;
	ktime_t timeout;
	atomic_t state;
	int res;
	int submit_err;
	u64 res2;
	bool timed;
	bool cb_added;
};

struct npu_uring_pdu {
	struct npu_uring_req *req;
};

static struct npu_uring_req **npu_uring_pdu_req(struct io_uring_cmd *cmd)
{
	return &io_uring_cmd_to_pdu(cmd, struct npu_uring_pdu)->req;
}

static struct npu_uring_req *npu_uring_req_new(struct io_uring_cmd *cmd,
					       struct npu_device *ndev)
{
	struct npu_uring_req *req = kzalloc(sizeof(*req), GFP_KERNEL);

	if (!req)
		return NULL;
	req->cmd = cmd;
	req->ndev = ndev;
	atomic_set(&req->state, NPU_UR_PENDING);
	*npu_uring_pdu_req(cmd) = req;
	return req;
}

/* Complete @req's command with @res; the losers are done with @req. */
static void npu_uring_finish(struct npu_uring_req *req, int res,
			     unsigned int issue_flags)
{
	struct io_uring_cmd *cmd = req->cmd;
	u64 res2 = req->res2;

	if (req->cb_added)
		dma_fence_remove_callback(req->fence, &req->cb);
	if (req->timed)
		hrtimer_cancel(&req->timer);
	atomic_dec(&req->ndev->uring_pending);
	dma_fence_put(req->fence);
	kfree(req);
	io_uring_cmd_done(cmd, res, res2, issue_flags);
}

static void npu_uring_done_tw(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct npu_uring_req *req = *npu_uring_pdu_req(cmd);

	npu_uring_finish(req, req->res, issue_flags);
}

static void npu_uring_fence_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct npu_uring_req *req = container_of(cb, struct npu_uring_req, cb);

	if (atomic_cmpxchg(&req->state, NPU_UR_PENDING, NPU_UR_FIRED) != NPU_UR_PENDING)
		return;
	req->res = req->submit_err ?: fence->error;
	io_uring_cmd_do_in_task_lazy(req->cmd, npu_uring_done_tw);
}

static enum hrtimer_restart npu_uring_timer_fn(struct hrtimer *timer)
{
	struct npu_uring_req *req = container_of(timer, struct npu_uring_req, timer);

	if (atomic_cmpxchg(&req->state, NPU_UR_PENDING, NPU_UR_FIRED) == NPU_UR_PENDING) {
		req->res = -ETIME;
		io_uring_cmd_complete_in_task(req->cmd, npu_uring_done_tw);
	}
	return HRTIMER_NORESTART;
}

/* uring_lock held: hook @req up to its fence, or complete it if signalled. */
static void npu_uring_arm_locked(struct npu_uring_req *req, unsigned int issue_flags)
{
	int ret;

	ret = dma_fence_add_callback(req->fence, &req->cb, npu_uring_fence_cb);
	if (ret) {
		/* Already signalled (-ENOENT): its error is final. */
		npu_uring_finish(req, req->submit_err ?: req->fence->error, issue_flags);
		return;
	}
	req->cb_added = true;
	if (req->timed)
		hrtimer_start(&req->timer, req->timeout, HRTIMER_MODE_REL);
	io_uring_cmd_mark_cancelable(req->cmd, issue_flags);
}

static void npu_uring_arm_tw(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct npu_uring_req *req = *npu_uring_pdu_req(cmd);

	if (issue_flags & IO_URING_F_TASK_DEAD) {
		npu_uring_finish(req, -ECANCELED, issue_flags);
		return;
	}
	npu_uring_arm_locked(req, issue_flags);
}

/* Take over @req (whose fence is set): the command completes later. */
static int npu_uring_arm(struct npu_uring_req *req, unsigned int issue_flags)
{
	atomic_inc(&req->ndev->uring_pending);
	if (issue_flags & IO_URING_F_UNLOCKED)
		io_uring_cmd_complete_in_task(req->cmd, npu_uring_arm_tw);
	else
		npu_uring_arm_locked(req, issue_flags);
	return -EIOCBQUEUED;
}

static void npu_uring_cancel(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct npu_uring_req *req = *npu_uring_pdu_req(cmd);

	if (atomic_cmpxchg(&req->state, NPU_UR_PENDING, NPU_UR_FIRED) != NPU_UR_PENDING)
		return;	/* completion task work is queued already */
	npu_uring_finish(req, -ECANCELED, issue_flags);
}

/* One job, SUBMIT with count 1 or SUBMIT_INLINE. */
static int npu_uring_submit_one(struct io_uring_cmd *cmd, struct drm_file *file,
				const struct drm_npu_submit *s,
				struct drm_npu_submit __user *uentry,
				unsigned int issue_flags)
{
	struct npu_file *nfile = file->driver_priv;
	bool nowait = issue_flags & IO_URING_F_NONBLOCK;
	struct npu_uring_req *req;
	struct dma_fence *fence;
	u64 seqno;
	int ret;

	req = npu_uring_req_new(cmd, nfile->ndev);
	if (!req)
		return -ENOMEM;
	ret = npu_job_submit(nfile, file, s, nowait ? NPU_SUBMIT_NOWAIT : 0,
			     &seqno, &fence);
	if (ret) {
		kfree(req);
		return ret;
	}
	req->fence = fence;
	req->res2 = seqno;
	if (uentry && put_user(seqno, &uentry->seqno))
		req->submit_err = -EFAULT;
	return npu_uring_arm(req, issue_flags);
}

static int npu_uring_submit(struct io_uring_cmd *cmd, struct drm_file *file,
			    const struct drm_npu_uring_submit *a,
			    unsigned int issue_flags)
{
	struct drm_npu_submit __user *usubmits = u64_to_user_ptr(a->submits);
	struct npu_file *nfile = file->driver_priv;
	struct dma_fence_array *array;
	struct dma_fence **fences;
	struct npu_uring_req *req;
	struct drm_npu_submit s;
	u32 i, n = 0;
	u64 seqno;
	int err = 0;

	if (a->flags || !a->count)
		return -EINVAL;
	if (a->count > DRM_NPU_URING_MAX_BATCH)
		return -E2BIG;

	if (a->count == 1) {
		if (copy_from_user(&s, usubmits, sizeof(s)))
			return -EFAULT;
		return npu_uring_submit_one(cmd, file, &s, usubmits, issue_flags);
	}
	/* A batch is submitted where it may sleep: from io-wq. */
	if (issue_flags & IO_URING_F_NONBLOCK)
		return -EAGAIN;

	req = npu_uring_req_new(cmd, nfile->ndev);
	fences = kmalloc_array(a->count, sizeof(*fences), GFP_KERNEL);
	array = dma_fence_array_alloc(a->count);
	if (!req || !fences || !array) {
		kfree(array);
		kfree(fences);
		kfree(req);
		return -ENOMEM;
	}

	for (i = 0; i < a->count; i++) {
		if (copy_from_user(&s, &usubmits[i], sizeof(s))) {
			err = -EFAULT;
			break;
		}
		err = npu_job_submit(nfile, file, &s, 0, &seqno, &fences[n]);
		if (err)
			break;
		n++;
		req->res2 = seqno;
		if (put_user(seqno, &usubmits[i].seqno)) {
			err = -EFAULT;
			break;
		}
	}
	/* Entries after a failure were not submitted: say so. */
	for (i = n; i < a->count; i++)
		if (put_user(0ULL, &usubmits[i].seqno))
			break;

	if (!n) {
		kfree(array);
		kfree(fences);
		kfree(req);
		return err;
	}
	req->submit_err = err;
	dma_fence_array_init(array, n, fences, nfile->ndev->uring_fence_context,
			     atomic64_inc_return(&nfile->ndev->uring_fence_seqno), false);
	req->fence = &array->base;
	return npu_uring_arm(req, issue_flags);
}

static int npu_uring_submit_inline(struct io_uring_cmd *cmd, struct drm_file *file,
				   const struct drm_npu_uring_submit_inline *a,
				   unsigned int issue_flags)
{
	if (a->submit.seqno || a->reserved[0] || a->reserved[1] || a->reserved[2])
		return -EINVAL;
	return npu_uring_submit_one(cmd, file, &a->submit, NULL, issue_flags);
}

/* The fences of every job on BO @handle, as one fence (NULL: idle). */
static int npu_uring_bo_fence(struct drm_file *file, u32 handle, bool nowait,
			      struct dma_fence **fence)
{
	struct drm_gem_object *obj;
	int ret;

	obj = drm_gem_object_lookup(file, handle);
	if (!obj)
		return -ENOENT;
	if (nowait)
		ret = dma_resv_trylock(obj->resv) ? 0 : -EAGAIN;
	else
		ret = dma_resv_lock_interruptible(obj->resv, NULL);
	if (!ret) {
		ret = dma_resv_get_singleton(obj->resv, DMA_RESV_USAGE_READ, fence);
		dma_resv_unlock(obj->resv);
	}
	drm_gem_object_put(obj);
	return ret;
}

static int npu_uring_wait(struct io_uring_cmd *cmd, struct drm_file *file,
			  const struct drm_npu_uring_wait *w, s64 timeout_ns,
			  unsigned int issue_flags)
{
	struct npu_file *nfile = file->driver_priv;
	bool nowait = issue_flags & IO_URING_F_NONBLOCK;
	struct dma_fence *fence = NULL;
	struct npu_uring_req *req;
	int ret;

	switch (w->flags) {
	case 0:
		if (w->handle)
			return -EINVAL;
		fence = npu_job_seqno_fence(nfile, w->seqno);
		if (IS_ERR(fence))
			return PTR_ERR(fence);
		break;
	case DRM_NPU_WAIT_BO:
		if (w->seqno)
			return -EINVAL;
		ret = npu_uring_bo_fence(file, w->handle, nowait, &fence);
		if (ret)
			return ret;
		if (!fence)
			return 0;	/* idle */
		break;
	case DRM_NPU_URING_WAIT_SYNCOBJ:
		if (w->seqno)
			return -EINVAL;
		ret = drm_syncobj_find_fence(file, w->handle, 0, 0, &fence);
		if (ret)
			return ret;
		break;
	default:
		return -EINVAL;
	}

	req = npu_uring_req_new(cmd, nfile->ndev);
	if (!req) {
		dma_fence_put(fence);
		return -ENOMEM;
	}
	req->fence = fence;
	if (timeout_ns) {
		hrtimer_init(&req->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		req->timer.function = npu_uring_timer_fn;
		req->timeout = ns_to_ktime(timeout_ns);
		req->timed = true;
	}
	return npu_uring_arm(req, issue_flags);
}

union npu_uring_payload {
	struct drm_npu_uring_submit submit;
	struct drm_npu_uring_submit_inline submit_inline;
	struct drm_npu_uring_wait wait;
	struct drm_npu_uring_wait_timeout wait_timeout;
	u8 bytes[NPU_URING_AREA128];
};

/* Size of @op's payload, or 0 for an op we do not know. */
static size_t npu_uring_op_size(u32 op)
{
	switch (op) {
	case DRM_NPU_URING_CMD_SUBMIT:
	case DRM_NPU_URING_CMD_SUBMIT_INLINE:
	case DRM_NPU_URING_CMD_WAIT:
	case DRM_NPU_URING_CMD_WAIT_TIMEOUT:
		return _IOC_SIZE(op);
	default:
		return 0;
	}
}

static int npu_uring_dispatch(struct io_uring_cmd *cmd, struct drm_file *file,
			      unsigned int issue_flags)
{
	const struct io_uring_sqe *sqe = cmd->sqe;
	union npu_uring_payload p;
	size_t size, area, i;

	size = npu_uring_op_size(cmd->cmd_op);
	if (!size)
		return -ENOTTY;
	area = (issue_flags & IO_URING_F_SQE128) ? NPU_URING_AREA128 : NPU_URING_AREA;
	if (size > area)
		return -EINVAL;	/* needs an SQE128 ring */
	if (cmd->flags || READ_ONCE(sqe->addr) || READ_ONCE(sqe->len) ||
	    READ_ONCE(sqe->buf_index) || READ_ONCE(sqe->file_index))
		return -EINVAL;

	/* The one read of the command area: everything below uses @p. */
	memcpy(p.bytes, io_uring_sqe_cmd(sqe), area);
	barrier();
	for (i = size; i < area; i++)
		if (p.bytes[i])
			return -EINVAL;

	switch (cmd->cmd_op) {
	case DRM_NPU_URING_CMD_SUBMIT:
		return npu_uring_submit(cmd, file, &p.submit, issue_flags);
	case DRM_NPU_URING_CMD_SUBMIT_INLINE:
		return npu_uring_submit_inline(cmd, file, &p.submit_inline, issue_flags);
	case DRM_NPU_URING_CMD_WAIT:
		return npu_uring_wait(cmd, file, &p.wait, 0, issue_flags);
	default: /* DRM_NPU_URING_CMD_WAIT_TIMEOUT */
		if (p.wait_timeout.timeout_ns <= 0)
			return -EINVAL;
		return npu_uring_wait(cmd, file, &p.wait_timeout.wait,
				      p.wait_timeout.timeout_ns, issue_flags);
	}
}

/**
 * npu_uring_cmd() - file_operations.uring_cmd of the accel file
 * @cmd: the command
 * @issue_flags: IO_URING_F_* from io_uring
 *
 * Return: -EIOCBQUEUED when the command completes later (possibly already
 * done), -EAGAIN to be issued again from io-wq, else the CQE's res.
 */
int npu_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct drm_file *file = cmd->file->private_data;
	struct npu_device *ndev = to_npu_device(file->minor->dev);
	int idx, ret;

	if (issue_flags & IO_URING_F_CANCEL) {
		npu_uring_cancel(cmd, issue_flags);
		return 0;
	}
	if (!drm_dev_enter(&ndev->drm, &idx))
		return -ENODEV;
	atomic64_inc(&ndev->uring_cmds);
	ret = npu_uring_dispatch(cmd, file, issue_flags);
	drm_dev_exit(idx);
	return ret;
}

void npu_uring_init(struct npu_device *ndev)
{
	ndev->uring_fence_context = dma_fence_context_alloc(1);
	atomic64_set(&ndev->uring_fence_seqno, 0);
	atomic_set(&ndev->uring_pending, 0);
	atomic64_set(&ndev->uring_cmds, 0);
}

/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * npu selftests: zero-copy sends on the raw-syscall ring of npu_uring.h.
 *
 *  - npu_prep_send_zc(): an IORING_OP_SEND_ZC SQE (optionally from a
 *    registered buffer, IORING_RECVSEND_FIXED_BUF)
 *  - npu_prep_sendmsg_zc(): an IORING_OP_SENDMSG_ZC SQE
 *  - npu_ring_register_buffers() / npu_ring_unregister_buffers()
 *  - npu_zc_reap(): both CQEs of one zero-copy send: the result (with
 *    IORING_CQE_F_MORE) and then the notification (IORING_CQE_F_NOTIF)
 *
 * Functions return 0 or a negative errno.
 */
#ifndef NPU_URING_ZC_H
#define NPU_URING_ZC_H

#include <sys/socket.h>
#include <sys/uio.h>

#include "npu_uring.h"

static inline void npu_prep_send_zc(struct io_uring_sqe *sqe, int sockfd,
				    const void *buf, size_t len, int msg_flags,
				    int fixed_index, uint64_t user_data)
{
	sqe->opcode = IORING_OP_SEND_ZC;
	sqe->fd = sockfd;
	sqe->addr = (uint64_t)(uintptr_t)buf;
	sqe->len = (uint32_t)len;
	sqe->msg_flags = (uint32_t)msg_flags;
	sqe->user_data = user_data;
	if (fixed_index >= 0) {
		/* addr is then an address inside registered buffer @fixed_index */
		sqe->ioprio = IORING_RECVSEND_FIXED_BUF;
		sqe->buf_index = (uint16_t)fixed_index;
	}
}

static inline void npu_prep_sendmsg_zc(struct io_uring_sqe *sqe, int sockfd,
				       const struct msghdr *msg, int msg_flags,
				       uint64_t user_data)
{
	sqe->opcode = IORING_OP_SENDMSG_ZC;
	sqe->fd = sockfd;
	sqe->addr = (uint64_t)(uintptr_t)msg;
	sqe->len = 1;
	sqe->msg_flags = (uint32_t)msg_flags;
	sqe->user_data = user_data;
}

static inline int npu_ring_register_buffers(struct npu_ring *r,
					    const struct iovec *iov,
					    unsigned int nr)
{
	return npu_sys_uring_register(r->fd, IORING_REGISTER_BUFFERS, iov, nr);
}

static inline int npu_ring_unregister_buffers(struct npu_ring *r)
{
	return npu_sys_uring_register(r->fd, IORING_UNREGISTER_BUFFERS, NULL, 0);
}

/* The two completions of one zero-copy send. */
struct npu_zc_result {
	int32_t res;		/* bytes sent, or -errno */
	uint32_t flags;		/* of the result CQE */
	int got_notif;		/* the notification CQE arrived */
	int32_t notif_res;
	uint32_t notif_flags;
};

/*
 * Reap the CQEs of the zero-copy send @user_data: its result, then, when
 * that carries IORING_CQE_F_MORE, its notification (the kernel no longer
 * uses the pages after it). Any other CQE, a second result, or a
 * notification before the result is -EPROTO; -ETIME when one did not come
 * within @timeout_ms.
 */
static inline int npu_zc_reap(struct npu_ring *r, uint64_t user_data,
			      struct npu_zc_result *z, int timeout_ms)
{
	struct npu_cqe c;
	int ret, got_res = 0;

	memset(z, 0, sizeof(*z));
	while (!got_res || ((z->flags & IORING_CQE_F_MORE) && !z->got_notif)) {
		ret = npu_ring_wait(r, &c, timeout_ms);
		if (ret)
			return ret;
		if (c.user_data != user_data)
			return -EPROTO;
		if (c.flags & IORING_CQE_F_NOTIF) {
			if (!got_res || z->got_notif)
				return -EPROTO;
			z->got_notif = 1;
			z->notif_res = c.res;
			z->notif_flags = c.flags;
		} else {
			if (got_res)
				return -EPROTO;
			got_res = 1;
			z->res = c.res;
			z->flags = c.flags;
		}
	}
	return 0;
}

#endif /* NPU_URING_ZC_H */

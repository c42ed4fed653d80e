// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Documentation/accel/npu.rst, "io_uring interface": run a batch of jobs
 * through one IORING_OP_URING_CMD and wait for its one CQE.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/io_uring.h>
#include <drm/npu_accel.h>

/* Returns the CQE's res: 0, or the first error; -1 if the ring failed. */
int npu_example_run_batch(int npu_fd, struct drm_npu_submit *jobs, unsigned int n)
{
	struct io_uring_params p = { .flags = IORING_SETUP_CQE32 };
	struct drm_npu_uring_submit cmd = {
		.submits = (__u64)(uintptr_t)jobs,
		.count = n,
	};
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	size_t sq_len, cq_len, len;
	int ring, res = -1;
	char *r;

	ring = syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0)
		return -1;
	/* one mapping for the SQ and CQ rings (IORING_FEAT_SINGLE_MMAP) */
	sq_len = p.sq_off.array + p.sq_entries * sizeof(__u32);
	cq_len = p.cq_off.cqes + p.cq_entries * 2 * sizeof(struct io_uring_cqe);
	len = sq_len > cq_len ? sq_len : cq_len;
	r = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ring,
		 IORING_OFF_SQ_RING);
	sqe = mmap(NULL, p.sq_entries * sizeof(*sqe), PROT_READ | PROT_WRITE,
		   MAP_SHARED, ring, IORING_OFF_SQES);
	if (r == MAP_FAILED || sqe == MAP_FAILED)
		goto out;

	memset(&sqe[0], 0, sizeof(sqe[0]));
	sqe[0].opcode = IORING_OP_URING_CMD;
	sqe[0].fd = npu_fd;
	sqe[0].cmd_op = DRM_NPU_URING_CMD_SUBMIT;
	sqe[0].user_data = 42;
	memcpy(sqe[0].cmd, &cmd, sizeof(cmd));
	((__u32 *)(r + p.sq_off.array))[0] = 0;
	__atomic_store_n((__u32 *)(r + p.sq_off.tail), 1, __ATOMIC_RELEASE);

	/* submit, and sleep until the CQE: then every job has finished */
	if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) != 1)
		goto out;
	cqe = (void *)(r + p.cq_off.cqes);	/* head 0; CQE32: 32 bytes each */
	res = cqe->res;				/* big_cqe[0]: the last seqno */
	__atomic_store_n((__u32 *)(r + p.cq_off.head), 1, __ATOMIC_RELEASE);
	/* jobs[i].seqno now holds each job's seqno */
out:
	if (sqe != MAP_FAILED)
		munmap(sqe, p.sq_entries * sizeof(*sqe));
	if (r != MAP_FAILED)
		munmap(r, len);
	close(ring);
	return res;
}

// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * io_uring commands on the accel fd (IORING_OP_URING_CMD): SUBMIT (one job
 * and batches), SUBMIT_INLINE, WAIT (seqno, BO, syncobj), WAIT_TIMEOUT;
 * their hostile inputs; the job's error in the CQE; linked requests;
 * cancellation when the ring goes away with commands pending (ring close,
 * process exit, exec).
 *
 * Every test runs on four rings (fixture variants): a plain one, an
 * SQE128|CQE32 one, a DEFER_TASKRUN|SINGLE_ISSUER|CQE32 one and an
 * SQPOLL|CQE32 one (commands issued by io_uring's kernel thread). Jobs that
 * must stay pending wait for a vgem fence (npu_blocker()); without vgem
 * those tests skip. The ring is raw syscalls (npu_uring.h), no liburing.
 */
#include <sys/wait.h>

#include "npu_harness.h"
#include "npu_uring.h"
#include "../../Documentation/accel/npu_uring_example.c"

#define CQE_MS		30000	/* a CQE that must come */
#define NO_CQE_MS	200	/* "still pending" probes */

FIXTURE(uring) {
	int fd;
	int vfd;		/* vgem, or -1 */
	uint32_t fences[8];	/* vgem fences to release in teardown */
	int nfences;
	struct npu_ring ring;
	struct npu_canned c;
	uint32_t in_syncobj;	/* read by the kernel until SUBMITs are issued */
};

FIXTURE_VARIANT(uring) {
	unsigned int setup_flags;
};

FIXTURE_VARIANT_ADD(uring, plain) {
	.setup_flags = 0,
};

FIXTURE_VARIANT_ADD(uring, sqe128) {
	.setup_flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32,
};

FIXTURE_VARIANT_ADD(uring, defer_taskrun) {
	.setup_flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		       IORING_SETUP_CQE32,
};

FIXTURE_VARIANT_ADD(uring, sqpoll) {
	.setup_flags = IORING_SETUP_SQPOLL | IORING_SETUP_CQE32,
};

FIXTURE_SETUP(uring)
{
	int ret;

	self->vfd = -1;
	self->ring.fd = -1;
	self->fd = npu_open();
	if (self->fd == -ENODEV)
		SKIP(return, "no npu device (is npu.ko loaded?)");
	ASSERT_LE(0, self->fd);
	self->vfd = npu_vgem_open();
	ret = npu_ring_init(&self->ring, 64, variant->setup_flags);
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "io_uring not available: %d", ret);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, npu_canned_init(self->fd, &self->c, 6, 7, 5, 11));
}

FIXTURE_TEARDOWN(uring)
{
	int i;

	for (i = 0; i < self->nfences; i++)
		npu_vgem_fence_signal(self->vfd, self->fences[i]);
	npu_ring_exit(&self->ring);
	if (self->fd >= 0) {
		npu_canned_fini(self->fd, &self->c);
		close(self->fd);
	}
	if (self->vfd >= 0)
		close(self->vfd);
}

#define NEED_VGEM()							\
	do {								\
		if (self->vfd < 0)					\
			SKIP(return, "vgem not loaded (modprobe vgem)"); \
	} while (0)

#define NEED_SQE128()							\
	do {								\
		if (!(self->ring.flags & IORING_SETUP_SQE128))		\
			SKIP(return, "needs an SQE128 ring");		\
	} while (0)

static int is_cqe32(FIXTURE_DATA(uring) *self)
{
	return !!(self->ring.flags & IORING_SETUP_CQE32);
}

/* A syncobj holding an unsignalled vgem fence; released in teardown. */
static uint32_t blocker(struct __test_metadata *_metadata,
			FIXTURE_DATA(uring) *self, uint32_t *fence)
{
	uint32_t syncobj = 0;

	ASSERT_GT(NPU_ARRAY_SIZE(self->fences), self->nfences);
	ASSERT_EQ(0, npu_blocker(self->fd, self->vfd, &syncobj, fence));
	self->fences[self->nfences++] = *fence;
	return syncobj;
}

static void canned_args(FIXTURE_DATA(uring) *self, struct drm_npu_submit *s)
{
	npu_bo_poison(&self->c.out);
	npu_submit_args(s, &self->c.cs, self->c.bos, 2);
}

/* SUBMIT of @n entries at @s; the CQE in @cqe. */
static int uring_submit(FIXTURE_DATA(uring) *self, struct drm_npu_submit *s,
			uint32_t n, struct npu_cqe *cqe)
{
	struct drm_npu_uring_submit a = {
		.submits = (uintptr_t)s,
		.count = n,
	};

	return npu_ring_cmd_sync(&self->ring, self->fd, DRM_NPU_URING_CMD_SUBMIT,
				 &a, sizeof(a), cqe, CQE_MS);
}

/* WAIT for seqno / BO / syncobj, CQE in @cqe (-ETIME: none in @ms). */
static int uring_wait(FIXTURE_DATA(uring) *self, uint64_t seqno, uint32_t handle,
		      uint32_t flags, struct npu_cqe *cqe, int ms)
{
	struct drm_npu_uring_wait w = {
		.seqno = seqno,
		.handle = handle,
		.flags = flags,
	};

	return npu_ring_cmd_sync(&self->ring, self->fd, DRM_NPU_URING_CMD_WAIT,
				 &w, sizeof(w), cqe, ms);
}

/* Read debugfs "uring" field @key; -1 when debugfs is not there. */
static long long uring_dbg(int fd, const char *key)
{
	char dir[256], path[300], line[128];
	long long v = -1;
	size_t klen = strlen(key);
	FILE *f;

	if (npu_debugfs_dir(fd, dir, sizeof(dir)))
		return -1;
	snprintf(path, sizeof(path), "%s/uring", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			v = atoll(line + klen + 1);
	fclose(f);
	return v;
}

/* Poll debugfs until "pending" is @want (or 10 s pass); returns the last value. */
static long long wait_pending(int fd, long long want)
{
	long long v = -1;
	int i;

	for (i = 0; i < 500; i++) {
		v = uring_dbg(fd, "pending");
		if (v == want || v < 0)
			break;
		usleep(20000);
	}
	return v;
}

/* ---- SUBMIT ------------------------------------------------------ */

TEST_F(uring, submit_one)
{
	struct drm_npu_submit s;
	struct npu_cqe cqe;
	uint64_t seqno;

	canned_args(self, &s);
	ASSERT_EQ(0, uring_submit(self, &s, 1, &cqe));
	ASSERT_EQ(0, cqe.res);
	ASSERT_EQ(0x6e7075, cqe.user_data);
	ASSERT_NE(0, s.seqno);
	if (is_cqe32(self))
		ASSERT_EQ(s.seqno, cqe.big[0]);
	/* the CQE comes after the job: the result is there, WAIT agrees */
	ASSERT_EQ(0, npu_canned_check(&self->c));
	ASSERT_EQ(0, npu_wait(self->fd, s.seqno, 0));
	/* and the ioctl path numbers jobs in the same sequence */
	ASSERT_EQ(0, npu_canned_submit(self->fd, &self->c, &seqno));
	ASSERT_EQ(s.seqno + 1, seqno);
	ASSERT_EQ(0, npu_wait(self->fd, seqno, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&self->c));
}

TEST_F(uring, submit_many_pending)
{
	struct drm_npu_submit s[16];
	struct drm_npu_uring_submit a[16];
	struct io_uring_sqe *sqe;
	struct npu_cqe cqe;
	unsigned int seen = 0;
	int i;

	for (i = 0; i < 16; i++) {
		canned_args(self, &s[i]);
		a[i] = (struct drm_npu_uring_submit){ .submits = (uintptr_t)&s[i], .count = 1 };
		sqe = npu_ring_sqe(&self->ring);
		ASSERT_NE(NULL, sqe);
		npu_prep_cmd(&self->ring, sqe, self->fd, DRM_NPU_URING_CMD_SUBMIT,
			     &a[i], sizeof(a[i]), i);
	}
	ASSERT_EQ(16, npu_ring_submit(&self->ring, 0));
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(0, npu_ring_wait(&self->ring, &cqe, CQE_MS));
		ASSERT_EQ(0, cqe.res);
		ASSERT_GT(16, cqe.user_data);
		seen |= 1u << cqe.user_data;
	}
	ASSERT_EQ(0xffff, seen);
	/*
	 * Independent SQEs may reach the driver in any order (one that cannot
	 * take a lock at once is issued again from io-wq): the seqnos are
	 * 16 consecutive numbers, not necessarily in SQE order.
	 */
	seen = 0;
	for (i = 0; i < 16; i++) {
		ASSERT_LE(1, s[i].seqno);
		ASSERT_GE(16, s[i].seqno);
		seen |= 1u << (s[i].seqno - 1);
	}
	ASSERT_EQ(0xffff, seen);
	ASSERT_EQ(0, npu_canned_check(&self->c));
	ASSERT_EQ(0, wait_pending(self->fd, 0) > 0);
}

TEST_F(uring, submit_batch)
{
	struct drm_npu_submit s[DRM_NPU_URING_MAX_BATCH];
	struct npu_cqe cqe;
	int i;

	for (i = 0; i < DRM_NPU_URING_MAX_BATCH; i++)
		canned_args(self, &s[i]);
	ASSERT_EQ(0, uring_submit(self, s, DRM_NPU_URING_MAX_BATCH, &cqe));
	ASSERT_EQ(0, cqe.res);
	for (i = 1; i < DRM_NPU_URING_MAX_BATCH; i++)
		ASSERT_EQ(s[i - 1].seqno + 1, s[i].seqno);
	if (is_cqe32(self))
		ASSERT_EQ(s[DRM_NPU_URING_MAX_BATCH - 1].seqno, cqe.big[0]);
	/* every job of the batch has finished when the CQE comes */
	for (i = 0; i < DRM_NPU_URING_MAX_BATCH; i++)
		ASSERT_NE(-ETIME, npu_wait(self->fd, s[i].seqno, 0));
	ASSERT_EQ(0, npu_canned_check(&self->c));
}

/* The example of Documentation/accel/npu.rst, as printed there. */
TEST_F(uring, doc_example)
{
	struct drm_npu_submit s[3];
	int i;

	for (i = 0; i < 3; i++)
		canned_args(self, &s[i]);
	ASSERT_EQ(0, npu_example_run_batch(self->fd, s, 3));
	ASSERT_EQ(0, npu_canned_check(&self->c));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, npu_wait(self->fd, s[i].seqno, 0));
	s[1].flags = 1;
	ASSERT_EQ(-EINVAL, npu_example_run_batch(self->fd, s, 3));
}

TEST_F(uring, submit_batch_stops_at_bad_entry)
{
	struct drm_npu_submit s[8];
	uint32_t bad_bos[2] = { self->c.bos[0], 0x7fff0000 };
	struct npu_cqe cqe;
	int i;

	for (i = 0; i < 8; i++) {
		canned_args(self, &s[i]);
		s[i].seqno = 0xdead;
	}
	s[5].bo_handles = (uintptr_t)bad_bos;
	ASSERT_EQ(0, uring_submit(self, s, 8, &cqe));
	ASSERT_EQ(-ENOENT, cqe.res);
	for (i = 0; i < 5; i++) {
		ASSERT_NE(0, s[i].seqno);
		ASSERT_NE(0xdead, s[i].seqno);
		/* jobs before the bad one ran, and were done by the CQE */
		ASSERT_EQ(0, npu_wait(self->fd, s[i].seqno, 0));
	}
	for (i = 5; i < 8; i++)
		ASSERT_EQ(0, s[i].seqno);
	if (is_cqe32(self))
		ASSERT_EQ(s[4].seqno, cqe.big[0]);
	ASSERT_EQ(0, npu_canned_check(&self->c));
	ASSERT_EQ(0, npu_check_device(self->fd));
}

TEST_F(uring, submit_bad_args)
{
	struct drm_npu_submit s[2];
	struct drm_npu_uring_submit a;
	uint32_t bad_bos[2] = { 0x7fff0000, 0x7fff0001 };
	struct npu_cqe cqe;

	canned_args(self, &s[0]);
	canned_args(self, &s[1]);
	/* count 0, too many, flags, bad pointer */
	ASSERT_EQ(0, uring_submit(self, s, 0, &cqe));
	ASSERT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, uring_submit(self, s, DRM_NPU_URING_MAX_BATCH + 1, &cqe));
	ASSERT_EQ(-E2BIG, cqe.res);
	a = (struct drm_npu_uring_submit){ .submits = (uintptr_t)s, .count = 1, .flags = 1 };
	ASSERT_EQ(0, npu_ring_cmd_sync(&self->ring, self->fd, DRM_NPU_URING_CMD_SUBMIT,
				       &a, sizeof(a), &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, uring_submit(self, (void *)8, 1, &cqe));
	ASSERT_EQ(-EFAULT, cqe.res);
	ASSERT_EQ(0, uring_submit(self, (void *)8, 2, &cqe));
	ASSERT_EQ(-EFAULT, cqe.res);
	/* the ioctl's own checks, through the same path: same errno */
	s[0].flags = 1;
	ASSERT_EQ(0, uring_submit(self, s, 1, &cqe));
	ASSERT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, uring_submit(self, s, 2, &cqe));
	ASSERT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, s[1].seqno);
	canned_args(self, &s[0]);
	s[0].bo_handles = (uintptr_t)bad_bos;
	ASSERT_EQ(0, uring_submit(self, s, 1, &cqe));
	ASSERT_EQ(-ENOENT, cqe.res);
	canned_args(self, &s[0]);
	s[0].priority = DRM_NPU_PRIO_COUNT;
	ASSERT_EQ(0, uring_submit(self, s, 1, &cqe));
	ASSERT_EQ(-EINVAL, cqe.res);
	canned_args(self, &s[0]);
	s[0].cmd_size = 4;
	ASSERT_EQ(0, uring_submit(self, s, 1, &cqe));
	ASSERT_EQ(-EINVAL, cqe.res);
	canned_args(self, &s[0]);
	s[0].cmd = 8;
	ASSERT_EQ(0, uring_submit(self, s, 1, &cqe));
	ASSERT_EQ(-EFAULT, cqe.res);
	/* nothing of that consumed a seqno or left a command behind */
	ASSERT_EQ(0, npu_check_device(self->fd));
	ASSERT_EQ(-EINVAL, npu_wait(self->fd, 2, 0));
	ASSERT_EQ(0, wait_pending(self->fd, 0) > 0);
}

TEST_F(uring, submit_inline)
{
	struct drm_npu_uring_submit_inline a;
	struct npu_cqe cqe;
	int ret;

	memset(&a, 0, sizeof(a));
	canned_args(self, &a.submit);
	ret = npu_ring_cmd_sync(&self->ring, self->fd, DRM_NPU_URING_CMD_SUBMIT_INLINE,
				&a, sizeof(a), &cqe, CQE_MS);
	ASSERT_EQ(0, ret);
	if (!(self->ring.flags & IORING_SETUP_SQE128)) {
		/* 80-byte payload, 16-byte command area */
		ASSERT_EQ(-EINVAL, cqe.res);
		ASSERT_EQ(-EINVAL, npu_wait(self->fd, 1, 0));
		return;
	}
	ASSERT_EQ(0, cqe.res);
	ASSERT_EQ(1, cqe.big[0]);
	ASSERT_EQ(0, npu_canned_check(&self->c));
	/* seqno must be 0, reserved must be 0 */
	a.submit.seqno = 1;
	ASSERT_EQ(0, npu_ring_cmd_sync(&self->ring, self->fd, DRM_NPU_URING_CMD_SUBMIT_INLINE,
				       &a, sizeof(a), &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
	a.submit.seqno = 0;
	a.reserved[2] = 1;
	ASSERT_EQ(0, npu_ring_cmd_sync(&self->ring, self->fd, DRM_NPU_URING_CMD_SUBMIT_INLINE,
				       &a, sizeof(a), &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
	a.reserved[2] = 0;
	a.submit.bo_count = 0;
	ASSERT_EQ(0, npu_ring_cmd_sync(&self->ring, self->fd, DRM_NPU_URING_CMD_SUBMIT_INLINE,
				       &a, sizeof(a), &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, npu_check_device(self->fd));
}

/* ---- hostile SQEs ------------------------------------------------ */

TEST_F(uring, bad_cmd_op)
{
	static const uint32_t ops[] = {
		0, 0xffffffff, DRM_IOCTL_NPU_SUBMIT, DRM_IOCTL_NPU_WAIT,
		/* right number, wrong size or direction */
		DRM_IOW(DRM_COMMAND_BASE + DRM_NPU_URING_SUBMIT, struct drm_npu_uring_submit),
		DRM_IOWR(DRM_COMMAND_BASE + DRM_NPU_URING_WAIT, struct drm_npu_submit),
		DRM_IOWR(DRM_COMMAND_BASE + 0x24, struct drm_npu_uring_wait),
	};
	struct drm_npu_uring_wait w = { 0 };
	struct npu_cqe cqe;
	unsigned int i;

	for (i = 0; i < NPU_ARRAY_SIZE(ops); i++) {
		ASSERT_EQ(0, npu_ring_cmd_sync(&self->ring, self->fd, ops[i], &w,
					       sizeof(w), &cqe, CQE_MS));
		EXPECT_EQ(-ENOTTY, cqe.res) TH_LOG("cmd_op %#x", ops[i]);
	}
	ASSERT_EQ(0, npu_check_device(self->fd));
}

/* Non-zero bytes where the uAPI says zero: SQE fields and command padding. */
TEST_F(uring, nonzero_sqe_fields)
{
	struct drm_npu_submit s;
	struct drm_npu_uring_submit a = { .submits = (uintptr_t)&s, .count = 1 };
	struct io_uring_sqe *sqe;
	struct npu_cqe cqe;
	int field;

	canned_args(self, &s);
	for (field = 0; field < 5; field++) {
		sqe = npu_ring_sqe(&self->ring);
		ASSERT_NE(NULL, sqe);
		npu_prep_cmd(&self->ring, sqe, self->fd, DRM_NPU_URING_CMD_SUBMIT,
			     &a, sizeof(a), field);
		switch (field) {
		case 0:
			sqe->addr = 1;
			break;
		case 1:
			sqe->len = 1;
			break;
		case 2:
			sqe->file_index = 1;
			break;
		case 3:
			sqe->buf_index = 1;
			break;
		default:
			/* past the 16-byte payload: only exists on SQE128 */
			if (!(self->ring.flags & IORING_SETUP_SQE128))
				sqe->addr = 2;
			else
				sqe->cmd[79] = 1;
			break;
		}
		ASSERT_EQ(1, npu_ring_submit(&self->ring, 0));
		ASSERT_EQ(0, npu_ring_wait(&self->ring, &cqe, CQE_MS));
		EXPECT_EQ(-EINVAL, cqe.res) TH_LOG("field %d", field);
	}
	/* none of them was submitted */
	ASSERT_EQ(-EINVAL, npu_wait(self->fd, 1, 0));
	ASSERT_EQ(0, npu_check_device(self->fd));
}

/* A file without uring_cmd (a dma-buf of one of our BOs): refused. */
TEST_F(uring, not_an_npu_file)
{
	struct drm_npu_uring_wait w = { 0 };
	struct npu_cqe cqe;
	int fd;

	ASSERT_EQ(0, npu_prime_export(self->fd, self->c.in.handle, O_CLOEXEC, &fd));
	ASSERT_EQ(0, npu_ring_cmd_sync(&self->ring, fd, DRM_NPU_URING_CMD_WAIT, &w,
				       sizeof(w), &cqe, CQE_MS));
	ASSERT_EQ(-EOPNOTSUPP, cqe.res);
	close(fd);
}

TEST(iopoll_ring_refused)
{
	struct drm_npu_uring_wait w = { .seqno = 1 };
	struct npu_ring ring;
	struct npu_cqe cqe;
	int fd = npu_open(), ret;

	if (fd == -ENODEV)
		SKIP(return, "no npu device");
	ASSERT_LE(0, fd);
	ret = npu_ring_init(&ring, 8, IORING_SETUP_IOPOLL);
	if (ret)
		SKIP(close(fd); return, "no IOPOLL ring: %d", ret);
	ASSERT_EQ(0, npu_ring_cmd_sync(&ring, fd, DRM_NPU_URING_CMD_WAIT, &w,
				       sizeof(w), &cqe, CQE_MS));
	ASSERT_EQ(-EOPNOTSUPP, cqe.res);
	npu_ring_exit(&ring);
	close(fd);
}

/* ---- WAIT -------------------------------------------------------- */

TEST_F(uring, wait_seqno)
{
	struct npu_cqe cqe;
	uint64_t seqno;

	/* never issued, 0 */
	ASSERT_EQ(0, uring_wait(self, 1, 0, 0, &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, uring_wait(self, 0, 0, 0, &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, npu_canned_submit(self->fd, &self->c, &seqno));
	ASSERT_EQ(0, uring_wait(self, seqno, 0, 0, &cqe, CQE_MS));
	ASSERT_EQ(0, cqe.res);
	ASSERT_EQ(0, npu_canned_check(&self->c));
	/* done already: at once */
	ASSERT_EQ(0, uring_wait(self, seqno, 0, 0, &cqe, CQE_MS));
	ASSERT_EQ(0, cqe.res);
	ASSERT_EQ(0, uring_wait(self, seqno + 1, 0, 0, &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
	/* handle with a seqno wait, unknown flags, two kinds */
	ASSERT_EQ(0, uring_wait(self, seqno, 1, 0, &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, uring_wait(self, seqno, 0, 0x80, &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, uring_wait(self, 0, self->c.out.handle,
				DRM_NPU_WAIT_BO | DRM_NPU_URING_WAIT_SYNCOBJ, &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
}

TEST_F(uring, wait_pending_job)
{
	struct drm_npu_uring_wait w[3];
	struct io_uring_sqe *sqe;
	struct drm_npu_submit s;
	uint32_t fence, in, out;
	unsigned int seen = 0;
	struct npu_cqe cqe;
	int i;

	NEED_VGEM();
	in = blocker(_metadata, self, &fence);
	ASSERT_EQ(0, npu_syncobj_create(self->fd, 0, &out));
	canned_args(self, &s);
	s.in_syncobjs = (uintptr_t)&in;
	s.in_syncobj_count = 1;
	s.out_syncobj = out;
	ASSERT_EQ(0, npu_submit(self->fd, &s));

	memset(w, 0, sizeof(w));
	w[0].seqno = s.seqno;
	w[1].handle = self->c.out.handle;
	w[1].flags = DRM_NPU_WAIT_BO;
	w[2].handle = out;
	w[2].flags = DRM_NPU_URING_WAIT_SYNCOBJ;
	for (i = 0; i < 3; i++) {
		sqe = npu_ring_sqe(&self->ring);
		ASSERT_NE(NULL, sqe);
		npu_prep_cmd(&self->ring, sqe, self->fd, DRM_NPU_URING_CMD_WAIT,
			     &w[i], sizeof(w[i]), i);
	}
	ASSERT_EQ(3, npu_ring_submit(&self->ring, 0));
	ASSERT_EQ(-ETIME, npu_ring_wait(&self->ring, &cqe, NO_CQE_MS));
	if (uring_dbg(self->fd, "pending") >= 0)
		ASSERT_EQ(3, wait_pending(self->fd, 3));
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, fence));
	self->nfences--;
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, npu_ring_wait(&self->ring, &cqe, CQE_MS));
		ASSERT_EQ(0, cqe.res);
		seen |= 1u << cqe.user_data;
	}
	ASSERT_EQ(7, seen);
	ASSERT_EQ(0, npu_canned_check(&self->c));
	ASSERT_EQ(0, npu_syncobj_destroy(self->fd, out));
}

TEST_F(uring, wait_bo_and_syncobj_errors)
{
	struct npu_cqe cqe;
	uint32_t so;

	/* idle BO: at once */
	ASSERT_EQ(0, uring_wait(self, 0, self->c.in.handle, DRM_NPU_WAIT_BO, &cqe, CQE_MS));
	ASSERT_EQ(0, cqe.res);
	ASSERT_EQ(0, uring_wait(self, 0, 0x7fff0000, DRM_NPU_WAIT_BO, &cqe, CQE_MS));
	ASSERT_EQ(-ENOENT, cqe.res);
	ASSERT_EQ(0, uring_wait(self, 1, self->c.in.handle, DRM_NPU_WAIT_BO, &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, uring_wait(self, 0, 0x7fff0000, DRM_NPU_URING_WAIT_SYNCOBJ, &cqe,
				CQE_MS));
	ASSERT_EQ(-ENOENT, cqe.res);
	/* a syncobj without a fence */
	ASSERT_EQ(0, npu_syncobj_create(self->fd, 0, &so));
	ASSERT_EQ(0, uring_wait(self, 0, so, DRM_NPU_URING_WAIT_SYNCOBJ, &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, npu_syncobj_destroy(self->fd, so));
	/* a signalled one */
	ASSERT_EQ(0, npu_syncobj_create(self->fd, DRM_SYNCOBJ_CREATE_SIGNALED, &so));
	ASSERT_EQ(0, uring_wait(self, 0, so, DRM_NPU_URING_WAIT_SYNCOBJ, &cqe, CQE_MS));
	ASSERT_EQ(0, cqe.res);
	ASSERT_EQ(0, npu_syncobj_destroy(self->fd, so));
}

TEST_F(uring, wait_timeout)
{
	struct drm_npu_uring_wait_timeout t;
	struct io_uring_sqe *sqe;
	struct drm_npu_submit s;
	uint32_t fence, in;
	struct npu_cqe cqe;
	int64_t t0;

	memset(&t, 0, sizeof(t));
	t.timeout_ns = 1000000;
	if (!(self->ring.flags & IORING_SETUP_SQE128)) {
		ASSERT_EQ(0, npu_ring_cmd_sync(&self->ring, self->fd,
					       DRM_NPU_URING_CMD_WAIT_TIMEOUT, &t,
					       sizeof(t), &cqe, CQE_MS));
		ASSERT_EQ(-EINVAL, cqe.res);
		return;
	}
	NEED_VGEM();
	in = blocker(_metadata, self, &fence);
	canned_args(self, &s);
	s.in_syncobjs = (uintptr_t)&in;
	s.in_syncobj_count = 1;
	ASSERT_EQ(0, npu_submit(self->fd, &s));

	t.wait.seqno = s.seqno;
	t.timeout_ns = 100 * 1000 * 1000;
	t0 = npu_now_ns();
	ASSERT_EQ(0, npu_ring_cmd_sync(&self->ring, self->fd, DRM_NPU_URING_CMD_WAIT_TIMEOUT,
				       &t, sizeof(t), &cqe, CQE_MS));
	ASSERT_EQ(-ETIME, cqe.res);
	ASSERT_LE(t.timeout_ns, npu_now_ns() - t0);
	/* bad timeouts */
	t.timeout_ns = 0;
	ASSERT_EQ(0, npu_ring_cmd_sync(&self->ring, self->fd, DRM_NPU_URING_CMD_WAIT_TIMEOUT,
				       &t, sizeof(t), &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
	t.timeout_ns = -1;
	ASSERT_EQ(0, npu_ring_cmd_sync(&self->ring, self->fd, DRM_NPU_URING_CMD_WAIT_TIMEOUT,
				       &t, sizeof(t), &cqe, CQE_MS));
	ASSERT_EQ(-EINVAL, cqe.res);
	/* the fence wins when it comes first */
	t.timeout_ns = 20LL * 1000 * 1000 * 1000;
	sqe = npu_ring_sqe(&self->ring);
	ASSERT_NE(NULL, sqe);
	npu_prep_cmd(&self->ring, sqe, self->fd, DRM_NPU_URING_CMD_WAIT_TIMEOUT,
		     &t, sizeof(t), 5);
	ASSERT_EQ(1, npu_ring_submit(&self->ring, 0));
	ASSERT_EQ(-ETIME, npu_ring_wait(&self->ring, &cqe, NO_CQE_MS));
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, fence));
	self->nfences--;
	ASSERT_EQ(0, npu_ring_wait(&self->ring, &cqe, CQE_MS));
	ASSERT_EQ(5, cqe.user_data);
	ASSERT_EQ(0, cqe.res);
	ASSERT_EQ(0, npu_canned_check(&self->c));
}

/* ---- errors of the job itself, links ------------------------------- */

/* Write @val to debugfs file @name of the device. */
static int dbg_write(int fd, const char *name, const char *val)
{
	char dir[256];

	if (npu_debugfs_dir(fd, dir, sizeof(dir)))
		return -ENOENT;
	return npu_debugfs_write(dir, name, val);
}

/*
 * A job that hangs until its timeout (debugfs fault_hang): its CQE carries
 * -ETIMEDOUT, and a request linked after it is cancelled.
 */
TEST_F_TIMEOUT(uring, submit_cqe_carries_job_timeout, 240)
{
	struct drm_npu_query_limits lim;
	struct drm_npu_submit s;
	struct drm_npu_uring_submit a = { .submits = (uintptr_t)&s, .count = 1 };
	struct io_uring_sqe *sqe;
	struct npu_cqe cqe;
	int ms;

	ASSERT_EQ(0, npu_get_limits(self->fd, &lim));
	if (lim.job_timeout_ms > 60000)
		SKIP(return, "job_timeout_ms %u", lim.job_timeout_ms);
	if (dbg_write(self->fd, "fault_hang", "1"))
		SKIP(return, "no debugfs fault_hang (not root?)");
	ms = (int)lim.job_timeout_ms * 3 + CQE_MS;
	canned_args(self, &s);
	sqe = npu_ring_sqe(&self->ring);
	npu_prep_cmd(&self->ring, sqe, self->fd, DRM_NPU_URING_CMD_SUBMIT, &a,
		     sizeof(a), 1);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = npu_ring_sqe(&self->ring);
	sqe->opcode = IORING_OP_NOP;
	sqe->user_data = 2;
	ASSERT_EQ(2, npu_ring_submit(&self->ring, 0));
	ASSERT_EQ(0, npu_ring_wait(&self->ring, &cqe, ms));
	ASSERT_EQ(1, cqe.user_data);
	ASSERT_EQ(-ETIMEDOUT, cqe.res);
	ASSERT_EQ(0, npu_ring_wait(&self->ring, &cqe, CQE_MS));
	ASSERT_EQ(2, cqe.user_data);
	ASSERT_EQ(-ECANCELED, cqe.res);
	ASSERT_EQ(-ETIMEDOUT, npu_wait(self->fd, s.seqno, 0));
	ASSERT_EQ(0, npu_check_device(self->fd));
}

TEST_F(uring, link_after_submit)
{
	struct drm_npu_submit s, bad;
	struct drm_npu_uring_submit a = { .submits = (uintptr_t)&s, .count = 1 };
	struct drm_npu_uring_submit ab = { .submits = (uintptr_t)&bad, .count = 1 };
	struct io_uring_sqe *sqe;
	struct npu_cqe cqe;

	canned_args(self, &s);
	/* SUBMIT -> NOP: the NOP completes after the job's CQE */
	sqe = npu_ring_sqe(&self->ring);
	npu_prep_cmd(&self->ring, sqe, self->fd, DRM_NPU_URING_CMD_SUBMIT, &a,
		     sizeof(a), 1);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = npu_ring_sqe(&self->ring);
	sqe->opcode = IORING_OP_NOP;
	sqe->user_data = 2;
	ASSERT_EQ(2, npu_ring_submit(&self->ring, 0));
	ASSERT_EQ(0, npu_ring_wait(&self->ring, &cqe, CQE_MS));
	ASSERT_EQ(1, cqe.user_data);
	ASSERT_EQ(0, cqe.res);
	ASSERT_EQ(0, npu_ring_wait(&self->ring, &cqe, CQE_MS));
	ASSERT_EQ(2, cqe.user_data);
	ASSERT_EQ(0, cqe.res);
	ASSERT_EQ(0, npu_canned_check(&self->c));

	/* a refused SUBMIT cancels what is linked after it */
	canned_args(self, &bad);
	bad.flags = 1;
	sqe = npu_ring_sqe(&self->ring);
	npu_prep_cmd(&self->ring, sqe, self->fd, DRM_NPU_URING_CMD_SUBMIT, &ab,
		     sizeof(ab), 3);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = npu_ring_sqe(&self->ring);
	sqe->opcode = IORING_OP_NOP;
	sqe->user_data = 4;
	ASSERT_EQ(2, npu_ring_submit(&self->ring, 0));
	ASSERT_EQ(0, npu_ring_wait(&self->ring, &cqe, CQE_MS));
	ASSERT_EQ(3, cqe.user_data);
	ASSERT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, npu_ring_wait(&self->ring, &cqe, CQE_MS));
	ASSERT_EQ(4, cqe.user_data);
	ASSERT_EQ(-ECANCELED, cqe.res);
}

/* ---- cancellation and lifetime --------------------------------------- */

/* Queue @n SUBMITs of a job blocked on a vgem fence; returns the fence. */
static void queue_blocked(struct __test_metadata *_metadata,
			  FIXTURE_DATA(uring) *self, struct npu_ring *ring,
			  struct drm_npu_submit *s, struct drm_npu_uring_submit *a,
			  int n, uint32_t *fence)
{
	struct io_uring_sqe *sqe;
	int i;

	self->in_syncobj = blocker(_metadata, self, fence);
	for (i = 0; i < n; i++) {
		canned_args(self, &s[i]);
		s[i].in_syncobjs = (uintptr_t)&self->in_syncobj;
		s[i].in_syncobj_count = 1;
		a[i] = (struct drm_npu_uring_submit){ .submits = (uintptr_t)&s[i], .count = 1 };
		sqe = npu_ring_sqe(ring);
		ASSERT_NE(NULL, sqe);
		npu_prep_cmd(ring, sqe, self->fd, DRM_NPU_URING_CMD_SUBMIT, &a[i],
			     sizeof(a[i]), i);
	}
	ASSERT_EQ(n, npu_ring_submit(ring, 0));
}

TEST_F_TIMEOUT(uring, ring_close_with_commands_pending, 120)
{
	struct drm_npu_submit s[32];
	struct drm_npu_uring_submit a[32];
	struct npu_cqe cqe;
	uint32_t fence;
	long long p0;

	NEED_VGEM();
	p0 = uring_dbg(self->fd, "pending");
	queue_blocked(_metadata, self, &self->ring, s, a, 32, &fence);
	ASSERT_EQ(-ETIME, npu_ring_wait(&self->ring, &cqe, NO_CQE_MS));
	if (p0 >= 0)
		ASSERT_EQ(p0 + 32, wait_pending(self->fd, p0 + 32));
	/* closing the ring cancels the commands, not the jobs */
	npu_ring_exit(&self->ring);
	if (p0 >= 0)
		ASSERT_EQ(p0, wait_pending(self->fd, p0));
	ASSERT_EQ(-ETIME, npu_wait(self->fd, s[31].seqno, 0));
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, fence));
	self->nfences--;
	ASSERT_EQ(0, npu_wait(self->fd, s[31].seqno, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&self->c));
	ASSERT_EQ(0, npu_check_device(self->fd));
}

TEST_F_TIMEOUT(uring, npu_fd_closed_before_cqe, 120)
{
	struct drm_npu_submit s[4];
	struct drm_npu_uring_submit a[4];
	struct npu_cqe cqe;
	uint32_t fence;
	int fd2, i;

	NEED_VGEM();
	queue_blocked(_metadata, self, &self->ring, s, a, 4, &fence);
	/* the ring holds the file: closing our fd releases nothing yet */
	fd2 = dup(self->fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, fence));
	self->nfences--;
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, npu_ring_wait(&self->ring, &cqe, CQE_MS));
		ASSERT_EQ(0, cqe.res);
	}
	close(fd2);
	ASSERT_EQ(0, npu_canned_check(&self->c));
}

/* A child leaves commands pending and exits (or execs): no hang, no leak. */
static void child_leaves_pending(struct __test_metadata *_metadata,
				 FIXTURE_DATA(uring) *self, int how)
{
	struct drm_npu_submit s[8];
	struct drm_npu_uring_submit a[8];
	struct npu_ring ring;
	uint32_t fence;
	long long p0;
	pid_t pid;
	int status;
	int pipefd[2];

	NEED_VGEM();
	p0 = uring_dbg(self->fd, "pending");
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(pipefd[0]);
		if (npu_ring_init(&ring, 16, self->ring.flags))
			_exit(2);
		queue_blocked(_metadata, self, &ring, s, a, 8, &fence);
		/*
		 * Let all 8 reach the driver first: an SQPOLL thread or an
		 * io-wq worker (after -EAGAIN) may issue them later, and
		 * an SQE still in the ring when it dies never runs.
		 */
		if (p0 >= 0 && wait_pending(self->fd, p0 + 8) != p0 + 8)
			_exit(4);
		if (write(pipefd[1], &fence, sizeof(fence)) != sizeof(fence))
			_exit(3);
		if (how == 1)
			execl("/bin/true", "true", (char *)NULL);
		if (how == 2)
			kill(getpid(), SIGKILL);
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_EQ(sizeof(fence), read(pipefd[0], &fence, sizeof(fence)));
	close(pipefd[0]);
	alarm(60);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	alarm(0);
	if (how == 2) {
		ASSERT_TRUE(WIFSIGNALED(status));
	} else {
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	if (p0 >= 0)
		ASSERT_EQ(p0, wait_pending(self->fd, p0));
	/* the child's fence was created on our vgem fd: release it */
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, fence));
	ASSERT_EQ(0, npu_wait_idle(self->fd, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&self->c));
	ASSERT_EQ(0, npu_check_device(self->fd));
}

TEST_F_TIMEOUT(uring, child_exits_with_commands_pending, 120)
{
	child_leaves_pending(_metadata, self, 0);
}

TEST_F_TIMEOUT(uring, child_execs_with_commands_pending, 120)
{
	child_leaves_pending(_metadata, self, 1);
}

TEST_F_TIMEOUT(uring, child_killed_with_commands_pending, 120)
{
	child_leaves_pending(_metadata, self, 2);
}

TEST_HARNESS_MAIN

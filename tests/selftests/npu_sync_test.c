// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Synchronisation: out_syncobj, in_syncobjs, implicit fences in the BOs'
 * reservation objects (read-after-write, write-after-read,
 * write-after-write), foreign fences through dma-buf, and the fences
 * npu publishes for other drivers.
 *
 * Fences that only the test releases come from vgem (DRM_IOCTL_VGEM_FENCE_*,
 * see npu_blocker() in npu_test.h); run.sh loads vgem inside the VM. Without
 * vgem those tests are skipped. vgem force-signals its fences after 10 s, so
 * every blocked phase here is much shorter.
 */
#include <pthread.h>

#include "npu_harness.h"

#define SHORT_NS	(200LL * 1000 * 1000)	/* "still blocked" probes */

FIXTURE(sync) {
	int fd;
	int vfd;		/* vgem, or -1 */
	uint32_t fences[16];	/* vgem fences to release in teardown */
	int nfences;
};

FIXTURE_SETUP(sync)
{
	self->vfd = -1;
	self->fd = npu_open();
	if (self->fd == -ENODEV)
		SKIP(return, "no npu device (is npu.ko loaded?)");
	ASSERT_LE(0, self->fd);
	self->vfd = npu_vgem_open();
}

FIXTURE_TEARDOWN(sync)
{
	int i;

	for (i = 0; i < self->nfences; i++)
		npu_vgem_fence_signal(self->vfd, self->fences[i]);
	if (self->vfd >= 0)
		close(self->vfd);
	if (self->fd >= 0)
		close(self->fd);
}

#define NEED_VGEM()							\
	do {								\
		if (self->vfd < 0)					\
			SKIP(return, "vgem not loaded (modprobe vgem)"); \
	} while (0)

/* A new syncobj on self->fd holding an unsignalled vgem fence. */
static uint32_t blocker(struct __test_metadata *_metadata,
			FIXTURE_DATA(sync) *self, uint32_t *fence)
{
	uint32_t syncobj = 0;

	ASSERT_GT(NPU_ARRAY_SIZE(self->fences), self->nfences);
	ASSERT_EQ(0, npu_blocker(self->fd, self->vfd, &syncobj, fence));
	self->fences[self->nfences++] = *fence;
	return syncobj;
}

/* Submit canned job @c with optional in/out syncobjs. */
static int submit_canned(int fd, struct npu_canned *c, const uint32_t *in,
			 uint32_t nin, uint32_t out, uint64_t *seqno)
{
	struct drm_npu_submit s;
	int ret;

	npu_bo_poison(&c->out);
	npu_submit_args(&s, &c->cs, c->bos, 2);
	s.in_syncobjs = (uintptr_t)in;
	s.in_syncobj_count = nin;
	s.out_syncobj = out;
	ret = npu_submit(fd, &s);
	if (!ret && seqno)
		*seqno = s.seqno;
	return ret;
}

/*
 * A one-op job: RELU (or CLIP to [lo, hi] when lo < hi) of @n floats at
 * (bos[0], src_off) into (bos[1], dst_off).
 */
static int submit_unary(int fd, uint32_t src_bo, uint64_t src_off,
			uint32_t dst_bo, uint64_t dst_off, uint32_t n,
			float lo, float hi, uint64_t *seqno)
{
	uint32_t bos[2] = { src_bo, dst_bo }, x, y;
	struct npu_cs cs;
	int ret;

	npu_cs_init(&cs);
	x = npu_cs_add_tensor(&cs, 0, NPU_DTYPE_F32, src_off, n);
	y = npu_cs_add_tensor(&cs, 1, NPU_DTYPE_F32, dst_off, n);
	if (lo < hi)
		npu_cs_clip(&cs, x, y, lo, hi);
	else
		npu_cs_relu(&cs, x, y);
	ret = npu_cs_submit(fd, &cs, bos, 2, seqno);
	npu_cs_fini(&cs);
	return ret;
}

/* ---- out_syncobj -------------------------------------------------- */

TEST_F(sync, out_syncobj_signalled)
{
	struct npu_canned c;
	uint32_t s;
	int sync_fd;

	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 6, 7, 5, 1));
	ASSERT_EQ(0, npu_syncobj_create(self->fd, 0, &s));
	/* no fence yet: WAIT_FOR_SUBMIT with a short timeout times out */
	ASSERT_EQ(-ETIME, npu_syncobj_wait(self->fd, &s, 1, 1000000,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT));
	ASSERT_EQ(0, submit_canned(self->fd, &c, NULL, 0, s, NULL));
	ASSERT_EQ(0, npu_syncobj_wait(self->fd, &s, 1, NPU_WAIT_NS, 0));
	ASSERT_EQ(0, npu_canned_check(&c));
	ASSERT_EQ(1, npu_syncobj_status(self->fd, s));
	/* the same fence as a sync_file */
	ASSERT_EQ(0, npu_syncobj_export_sync_file(self->fd, s, &sync_fd));
	ASSERT_EQ(1, npu_fd_signalled(sync_fd, 0));
	close(sync_fd);
	npu_canned_fini(self->fd, &c);
}

TEST_F(sync, out_syncobj_reused)
{
	struct npu_canned c[3];
	uint32_t s;
	int i;

	ASSERT_EQ(0, npu_syncobj_create(self->fd, 0, &s));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, npu_canned_init(self->fd, &c[i], 3 + i, 9, 4, 10 + i));
		ASSERT_EQ(0, submit_canned(self->fd, &c[i], NULL, 0, s, NULL));
		ASSERT_EQ(0, npu_syncobj_wait(self->fd, &s, 1, NPU_WAIT_NS, 0));
		ASSERT_EQ(0, npu_canned_check(&c[i]));
	}
	for (i = 0; i < 3; i++)
		npu_canned_fini(self->fd, &c[i]);
}

TEST_F(sync, out_syncobj_exported_to_second_fd)
{
	struct npu_canned c, c2;
	uint32_t s, s2;
	uint64_t seq;
	int fd2, sync_fd;

	fd2 = npu_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 8, 8, 8, 2));
	ASSERT_EQ(0, npu_syncobj_create(self->fd, 0, &s));
	ASSERT_EQ(0, submit_canned(self->fd, &c, NULL, 0, s, NULL));
	/* job 1's fence gates a job of another file */
	ASSERT_EQ(0, npu_syncobj_export_sync_file(self->fd, s, &sync_fd));
	ASSERT_EQ(0, npu_syncobj_create(fd2, 0, &s2));
	ASSERT_EQ(0, npu_syncobj_import_sync_file(fd2, s2, sync_fd));
	close(sync_fd);
	ASSERT_EQ(0, npu_canned_init(fd2, &c2, 2, 3, 4, 3));
	ASSERT_EQ(0, submit_canned(fd2, &c2, &s2, 1, 0, &seq));
	ASSERT_EQ(0, npu_wait(fd2, seq, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c2));
	/* job 2 could only run after job 1 */
	ASSERT_EQ(1, npu_syncobj_status(self->fd, s));
	npu_canned_fini(fd2, &c2);
	ASSERT_EQ(0, npu_canned_check(&c));
	npu_canned_fini(self->fd, &c);
	close(fd2);
}

/* ---- in_syncobjs without vgem ------------------------------------- */

TEST_F(sync, in_syncobj_created_signalled)
{
	struct npu_canned c;
	uint32_t s[3];
	uint64_t seq;
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, npu_syncobj_create(self->fd,
						DRM_SYNCOBJ_CREATE_SIGNALED,
						&s[i]));
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 5, 5, 5, 4));
	ASSERT_EQ(0, submit_canned(self->fd, &c, s, 3, 0, &seq));
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c));
	npu_canned_fini(self->fd, &c);
}

TEST_F(sync, in_syncobj_signalled_by_ioctl)
{
	struct npu_canned c;
	uint64_t seq;
	uint32_t s;

	ASSERT_EQ(0, npu_syncobj_create(self->fd, 0, &s));
	ASSERT_EQ(0, npu_syncobj_signal(self->fd, &s, 1));
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 5, 5, 5, 5));
	ASSERT_EQ(0, submit_canned(self->fd, &c, &s, 1, 0, &seq));
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c));
	npu_canned_fini(self->fd, &c);
}

TEST_F(sync, in_syncobj_without_fence)
{
	struct npu_canned c;
	uint32_t s;

	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 5, 5, 5, 6));
	/* never had a fence */
	ASSERT_EQ(0, npu_syncobj_create(self->fd, 0, &s));
	ASSERT_EQ(-EINVAL, submit_canned(self->fd, &c, &s, 1, 0, NULL));
	ASSERT_TRUE(npu_is_poison(c.out.map, c.out.size));
	/* had one, reset removed it */
	ASSERT_EQ(0, npu_syncobj_signal(self->fd, &s, 1));
	ASSERT_EQ(0, npu_syncobj_reset(self->fd, &s, 1));
	ASSERT_EQ(-EINVAL, submit_canned(self->fd, &c, &s, 1, 0, NULL));
	ASSERT_TRUE(npu_is_poison(c.out.map, c.out.size));
	npu_canned_fini(self->fd, &c);
	assert_device_works(self->fd);
}

TEST_F(sync, in_syncobj_destroyed)
{
	struct npu_canned c;
	uint32_t s;

	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 5, 5, 5, 7));
	ASSERT_EQ(0, npu_syncobj_create(self->fd, DRM_SYNCOBJ_CREATE_SIGNALED,
					&s));
	ASSERT_EQ(0, npu_syncobj_destroy(self->fd, s));
	ASSERT_EQ(-ENOENT, submit_canned(self->fd, &c, &s, 1, 0, NULL));
	ASSERT_EQ(-ENOENT, submit_canned(self->fd, &c, NULL, 0, s, NULL));
	npu_canned_fini(self->fd, &c);
	assert_device_works(self->fd);
}

TEST_F(sync, syncobj_of_other_file)
{
	struct npu_canned c;
	uint32_t s;
	int fd2 = npu_open();

	ASSERT_LE(0, fd2);
	/* syncobj handles are per file, like GEM handles */
	ASSERT_EQ(0, npu_syncobj_create(fd2, DRM_SYNCOBJ_CREATE_SIGNALED, &s));
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 5, 5, 5, 8));
	ASSERT_EQ(-ENOENT, submit_canned(self->fd, &c, &s, 1, 0, NULL));
	ASSERT_EQ(-ENOENT, submit_canned(self->fd, &c, NULL, 0, s, NULL));
	npu_canned_fini(self->fd, &c);
	close(fd2);
	assert_device_works(self->fd);
}

TEST_F(sync, chain_out_to_in)
{
	struct npu_canned c[8];
	uint32_t s[8];
	uint64_t seq = 0;
	int i;

	/* job i waits for job i - 1 through a syncobj */
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, npu_syncobj_create(self->fd, 0, &s[i]));
		ASSERT_EQ(0, npu_canned_init(self->fd, &c[i], 4, 4 + i, 4, 20 + i));
		ASSERT_EQ(0, submit_canned(self->fd, &c[i], i ? &s[i - 1] : NULL,
					   i ? 1 : 0, s[i], &seq));
	}
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(1, npu_syncobj_status(self->fd, s[i]));
		ASSERT_EQ(0, npu_canned_check(&c[i]));
		npu_canned_fini(self->fd, &c[i]);
	}
}

/* ---- in_syncobjs with controllable (vgem) fences ------------------ */

TEST_F(sync, in_fence_blocks_job)
{
	struct npu_canned c;
	uint32_t s, f;
	uint64_t seq;

	NEED_VGEM();
	s = blocker(_metadata, self, &f);
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 6, 6, 6, 30));
	ASSERT_EQ(0, submit_canned(self->fd, &c, &s, 1, 0, &seq));
	ASSERT_EQ(-ETIME, npu_wait(self->fd, seq, 0));
	ASSERT_EQ(-ETIME, npu_wait(self->fd, seq, SHORT_NS));
	ASSERT_EQ(-ETIME, npu_wait_bo(self->fd, c.out.handle, 0));
	/* a reader waits too: WAIT_BO covers every job using the BO */
	ASSERT_EQ(-ETIME, npu_wait_bo(self->fd, c.in.handle, SHORT_NS));
	ASSERT_TRUE(npu_is_poison(c.out.map, c.out.size));
	ASSERT_LE(1, npu_engines_sum(self->fd, 1));

	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f));
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_wait_bo(self->fd, c.out.handle, 0));
	ASSERT_EQ(0, npu_canned_check(&c));
	npu_canned_fini(self->fd, &c);
}

TEST_F(sync, out_syncobj_of_blocked_job)
{
	struct npu_canned c;
	uint32_t s, out, f;
	int sync_fd;

	NEED_VGEM();
	s = blocker(_metadata, self, &f);
	ASSERT_EQ(0, npu_syncobj_create(self->fd, 0, &out));
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 6, 6, 6, 31));
	ASSERT_EQ(0, submit_canned(self->fd, &c, &s, 1, out, NULL));
	ASSERT_EQ(-ETIME, npu_syncobj_wait(self->fd, &out, 1, SHORT_NS, 0));
	ASSERT_EQ(0, npu_syncobj_export_sync_file(self->fd, out, &sync_fd));
	ASSERT_EQ(0, npu_fd_signalled(sync_fd, 0));
	ASSERT_EQ(0, npu_sync_file_status(sync_fd));

	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f));
	ASSERT_EQ(0, npu_syncobj_wait(self->fd, &out, 1, NPU_WAIT_NS, 0));
	ASSERT_EQ(1, npu_fd_signalled(sync_fd, 1000));
	ASSERT_EQ(1, npu_sync_file_status(sync_fd));
	close(sync_fd);
	ASSERT_EQ(0, npu_canned_check(&c));
	npu_canned_fini(self->fd, &c);
}

TEST_F(sync, all_in_fences_needed)
{
	struct npu_canned c;
	uint32_t s[3], f[3];
	uint64_t seq;
	int i;

	NEED_VGEM();
	for (i = 0; i < 3; i++)
		s[i] = blocker(_metadata, self, &f[i]);
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 6, 6, 6, 32));
	ASSERT_EQ(0, submit_canned(self->fd, &c, s, 3, 0, &seq));
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f[2]));
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f[0]));
	ASSERT_EQ(-ETIME, npu_wait(self->fd, seq, SHORT_NS));
	ASSERT_TRUE(npu_is_poison(c.out.map, c.out.size));
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f[1]));
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c));
	npu_canned_fini(self->fd, &c);
}

TEST_F(sync, in_fence_replaced_after_submit)
{
	struct npu_canned c;
	uint32_t s, f;
	uint64_t seq;

	NEED_VGEM();
	s = blocker(_metadata, self, &f);
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 6, 6, 6, 33));
	ASSERT_EQ(0, submit_canned(self->fd, &c, &s, 1, 0, &seq));
	/* the job took the fence at submit: signalling the syncobj now
	 * (which replaces its fence) must not release the job */
	ASSERT_EQ(0, npu_syncobj_signal(self->fd, &s, 1));
	ASSERT_EQ(-ETIME, npu_wait(self->fd, seq, SHORT_NS));
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f));
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c));
	npu_canned_fini(self->fd, &c);
}

TEST_F(sync, blocked_file_does_not_block_others)
{
	struct npu_canned c, c2, c3;
	uint64_t seq, seq2, seq3;
	struct drm_npu_submit sub;
	uint32_t s, f;
	int fd2;

	NEED_VGEM();
	s = blocker(_metadata, self, &f);
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 6, 6, 6, 34));
	ASSERT_EQ(0, submit_canned(self->fd, &c, &s, 1, 0, &seq));

	/* another file runs while this one waits */
	fd2 = npu_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, npu_canned_init(fd2, &c2, 7, 7, 7, 35));
	ASSERT_EQ(0, submit_canned(fd2, &c2, NULL, 0, 0, &seq2));
	ASSERT_EQ(0, npu_wait(fd2, seq2, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c2));

	/* and so does another priority of the same file */
	ASSERT_EQ(0, npu_canned_init(self->fd, &c3, 5, 5, 5, 36));
	npu_bo_poison(&c3.out);
	npu_submit_args(&sub, &c3.cs, c3.bos, 2);
	sub.priority = DRM_NPU_PRIO_HIGH;
	ASSERT_EQ(0, npu_submit(self->fd, &sub));
	seq3 = sub.seqno;
	ASSERT_EQ(0, npu_wait(self->fd, seq3, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c3));

	ASSERT_EQ(-ETIME, npu_wait(self->fd, seq, 0));
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f));
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c));
	npu_canned_fini(self->fd, &c);
	npu_canned_fini(self->fd, &c3);
	npu_canned_fini(fd2, &c2);
	close(fd2);
}

/* ---- implicit fences ---------------------------------------------- */

TEST_F(sync, implicit_read_after_write)
{
	struct npu_canned c;
	struct npu_bo y2;
	uint64_t seq1, seq2;
	uint32_t s, f, i, n;
	const float *p;

	NEED_VGEM();
	s = blocker(_metadata, self, &f);
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 8, 8, 8, 40));
	n = c.m * c.n;
	ASSERT_EQ(0, npu_bo_new(self->fd, n * 4, &y2));
	npu_bo_poison(&y2);
	/* job 1 (blocked) writes c.out; job 2 reads it, no explicit deps */
	ASSERT_EQ(0, submit_canned(self->fd, &c, &s, 1, 0, &seq1));
	ASSERT_EQ(0, submit_unary(self->fd, c.out.handle, 0, y2.handle, 0, n,
				  0, 0, &seq2));
	ASSERT_EQ(-ETIME, npu_wait(self->fd, seq2, 0));
	ASSERT_EQ(-ETIME, npu_wait(self->fd, seq2, SHORT_NS));
	ASSERT_TRUE(npu_is_poison(y2.map, y2.size));

	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f));
	ASSERT_EQ(0, npu_wait(self->fd, seq2, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_wait(self->fd, seq1, 0));
	ASSERT_EQ(0, npu_canned_check(&c));
	p = (const float *)y2.map;
	for (i = 0; i < n; i++)
		ASSERT_EQ(c.ref[i] > 0 ? c.ref[i] : 0.0f, p[i]);
	npu_bo_free(self->fd, &y2);
	npu_canned_fini(self->fd, &c);
}

TEST_F(sync, implicit_write_after_read)
{
	struct npu_canned c;
	struct npu_bo src;
	uint64_t seq1, seq2;
	uint32_t s, f, i, na;
	float *ps;
	const float *pa;

	NEED_VGEM();
	s = blocker(_metadata, self, &f);
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 8, 8, 8, 41));
	na = c.m * c.k;
	ASSERT_EQ(0, npu_bo_new(self->fd, na * 4, &src));
	ps = (float *)src.map;
	for (i = 0; i < na; i++)
		ps[i] = 1000.0f + i;
	/* job 1 (blocked) reads A in c.in; job 2 overwrites A */
	ASSERT_EQ(0, submit_canned(self->fd, &c, &s, 1, 0, &seq1));
	ASSERT_EQ(0, submit_unary(self->fd, src.handle, 0, c.in.handle, 0, na,
				  0, 0, &seq2));
	ASSERT_EQ(-ETIME, npu_wait(self->fd, seq2, SHORT_NS));
	pa = (const float *)c.in.map;
	ASSERT_NE(1000.0f, pa[0]);

	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f));
	ASSERT_EQ(0, npu_wait(self->fd, seq2, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_wait(self->fd, seq1, NPU_WAIT_NS));
	/* job 1 saw the old A */
	ASSERT_EQ(0, npu_canned_check(&c));
	for (i = 0; i < na; i++)
		ASSERT_EQ(1000.0f + i, pa[i]);
	npu_bo_free(self->fd, &src);
	npu_canned_fini(self->fd, &c);
}

TEST_F(sync, implicit_write_after_write)
{
	struct npu_canned c;
	struct npu_bo src;
	uint64_t seq1, seq2;
	uint32_t s, f, i, n;
	const float *py;

	NEED_VGEM();
	s = blocker(_metadata, self, &f);
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 8, 8, 8, 42));
	n = c.m * c.n;
	ASSERT_EQ(0, npu_bo_new(self->fd, n * 4, &src));
	for (i = 0; i < n; i++)
		((float *)src.map)[i] = -5.0f + i;
	/* job 1 (blocked) and job 2 both write c.out: job 2's data wins */
	ASSERT_EQ(0, submit_canned(self->fd, &c, &s, 1, 0, &seq1));
	ASSERT_EQ(0, submit_unary(self->fd, src.handle, 0, c.out.handle, 0, n,
				  -2.0f, 2.0f, &seq2));
	ASSERT_EQ(-ETIME, npu_wait(self->fd, seq2, SHORT_NS));
	ASSERT_TRUE(npu_is_poison(c.out.map, c.out.size));
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f));
	ASSERT_EQ(0, npu_wait(self->fd, seq2, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_wait(self->fd, seq1, 0));
	py = (const float *)c.out.map;
	for (i = 0; i < n; i++) {
		float v = -5.0f + i;

		ASSERT_EQ(v < -2.0f ? -2.0f : v > 2.0f ? 2.0f : v, py[i]);
	}
	npu_bo_free(self->fd, &src);
	npu_canned_fini(self->fd, &c);
}

TEST_F(sync, readers_do_not_wait_for_readers)
{
	struct npu_canned c;
	struct npu_bo y2;
	uint64_t seq1, seq;
	uint32_t s, f, na, in2, out2;
	int fd2, dmabuf;

	NEED_VGEM();
	s = blocker(_metadata, self, &f);
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 8, 8, 8, 43));
	na = c.m * c.k;
	ASSERT_EQ(0, npu_bo_new(self->fd, na * 4, &y2));
	/* job 1 (blocked) reads c.in; job 2 of another file also only reads
	 * c.in: readers do not wait for readers */
	ASSERT_EQ(0, submit_canned(self->fd, &c, &s, 1, 0, &seq1));
	fd2 = npu_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, npu_prime_export(self->fd, c.in.handle,
				      DRM_CLOEXEC | DRM_RDWR, &dmabuf));
	ASSERT_EQ(0, npu_prime_import(fd2, dmabuf, &in2));
	close(dmabuf);
	ASSERT_EQ(0, npu_prime_export(self->fd, y2.handle,
				      DRM_CLOEXEC | DRM_RDWR, &dmabuf));
	ASSERT_EQ(0, npu_prime_import(fd2, dmabuf, &out2));
	close(dmabuf);
	ASSERT_EQ(0, submit_unary(fd2, in2, 0, out2, 0, na, 0, 0, &seq));
	ASSERT_EQ(0, npu_wait(fd2, seq, NPU_WAIT_NS));
	close(fd2);

	ASSERT_EQ(-ETIME, npu_wait(self->fd, seq1, 0));
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f));
	ASSERT_EQ(0, npu_wait(self->fd, seq1, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c));
	npu_bo_free(self->fd, &y2);
	npu_canned_fini(self->fd, &c);
}

/* ---- foreign buffers and fences ----------------------------------- */

TEST_F(sync, foreign_dmabuf_implicit_fence)
{
	struct npu_bo out;
	uint32_t vbo, fence, h;
	uint64_t seq;
	float *vmap;
	int dmabuf, i;

	NEED_VGEM();
	/* a vgem BO with data, imported into npu, busy in vgem */
	ASSERT_EQ(0, npu_vgem_bo(self->vfd, 4096, &vbo, (void **)&vmap));
	for (i = 0; i < 1024; i++)
		vmap[i] = (float)(i % 7) - 3.0f;
	ASSERT_EQ(0, npu_prime_export(self->vfd, vbo, DRM_CLOEXEC | DRM_RDWR,
				      &dmabuf));
	ASSERT_EQ(0, npu_prime_import(self->fd, dmabuf, &h));
	ASSERT_EQ(0, npu_vgem_fence_attach(self->vfd, vbo, &fence));
	self->fences[self->nfences++] = fence;

	ASSERT_EQ(0, npu_bo_new(self->fd, 4096, &out));
	npu_bo_poison(&out);
	ASSERT_EQ(0, submit_unary(self->fd, h, 0, out.handle, 0, 1024, 0, 0,
				  &seq));
	/* the job honours vgem's write fence in the shared reservation */
	ASSERT_EQ(-ETIME, npu_wait(self->fd, seq, SHORT_NS));
	ASSERT_TRUE(npu_is_poison(out.map, out.size));
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, fence));
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	for (i = 0; i < 1024; i++) {
		float v = (float)(i % 7) - 3.0f;

		ASSERT_EQ(v > 0 ? v : 0.0f, ((float *)out.map)[i]);
	}
	close(dmabuf);
	npu_bo_free(self->fd, &out);
	munmap(vmap, 4096);
}

TEST_F(sync, npu_fence_visible_through_dmabuf)
{
	struct npu_canned c;
	uint32_t s, f;
	int dmabuf, sync_fd;

	NEED_VGEM();
	s = blocker(_metadata, self, &f);
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 8, 8, 8, 44));
	ASSERT_EQ(0, submit_canned(self->fd, &c, &s, 1, 0, NULL));
	ASSERT_EQ(0, npu_prime_export(self->fd, c.out.handle,
				      DRM_CLOEXEC | DRM_RDWR, &dmabuf));
	/* poll() on the dma-buf and an exported sync_file see the job */
	ASSERT_EQ(0, npu_dmabuf_sync_file(dmabuf, &sync_fd));
	ASSERT_EQ(0, npu_fd_signalled(sync_fd, 0));
	ASSERT_EQ(0, npu_fd_signalled(dmabuf, 0));

	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f));
	ASSERT_EQ(1, npu_fd_signalled(sync_fd, 30000));
	ASSERT_EQ(1, npu_fd_signalled(dmabuf, 30000));
	ASSERT_EQ(0, npu_canned_check(&c));
	close(sync_fd);
	close(dmabuf);
	npu_canned_fini(self->fd, &c);
}

TEST_F(sync, npu_bo_imported_into_vgem_keeps_fences)
{
	struct npu_canned c;
	uint32_t s, f, vh, vf;
	int dmabuf, sync_fd, ret;

	NEED_VGEM();
	s = blocker(_metadata, self, &f);
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 8, 8, 8, 45));
	ASSERT_EQ(0, submit_canned(self->fd, &c, &s, 1, 0, NULL));
	ASSERT_EQ(0, npu_prime_export(self->fd, c.out.handle,
				      DRM_CLOEXEC | DRM_RDWR, &dmabuf));
	ASSERT_EQ(0, npu_prime_import(self->vfd, dmabuf, &vh));
	/* vgem refuses a write fence while npu's job is pending on the BO */
	ret = npu_vgem_fence_attach(self->vfd, vh, &vf);
	ASSERT_EQ(-EBUSY, ret);
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f));
	ASSERT_EQ(0, npu_dmabuf_sync_file(dmabuf, &sync_fd));
	ASSERT_EQ(1, npu_fd_signalled(sync_fd, 30000));
	ASSERT_EQ(0, npu_canned_check(&c));
	close(sync_fd);
	close(dmabuf);
	npu_canned_fini(self->fd, &c);
}

/* ---- WAIT ETIME semantics ----------------------------------------- */

TEST_F(sync, wait_timeout_is_relative)
{
	struct npu_canned c;
	uint32_t s, f;
	uint64_t seq;
	int64_t t0, dt;

	NEED_VGEM();
	s = blocker(_metadata, self, &f);
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 4, 4, 4, 46));
	ASSERT_EQ(0, submit_canned(self->fd, &c, &s, 1, 0, &seq));
	t0 = npu_now_ns();
	ASSERT_EQ(-ETIME, npu_wait(self->fd, seq, 300LL * 1000 * 1000));
	dt = npu_now_ns() - t0;
	/* it did wait (not a poll), and not for an absolute deadline */
	ASSERT_LE(250LL * 1000 * 1000, dt);
	ASSERT_GT(5LL * 1000 * 1000 * 1000, dt);
	ASSERT_EQ(0, npu_vgem_fence_signal(self->vfd, f));
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	npu_canned_fini(self->fd, &c);
}

struct releaser {
	int vfd;
	uint32_t fence;
	int delay_ms;
};

static void *release_later(void *arg)
{
	struct releaser *r = arg;

	usleep(r->delay_ms * 1000);
	npu_vgem_fence_signal(r->vfd, r->fence);
	return NULL;
}

TEST_F(sync, wait_wakes_on_signal)
{
	struct releaser r;
	struct npu_canned c;
	pthread_t t;
	uint32_t s;
	uint64_t seq;

	NEED_VGEM();
	s = blocker(_metadata, self, &r.fence);
	r.vfd = self->vfd;
	r.delay_ms = 300;
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 4, 4, 4, 47));
	ASSERT_EQ(0, submit_canned(self->fd, &c, &s, 1, 0, &seq));
	ASSERT_EQ(0, pthread_create(&t, NULL, release_later, &r));
	/* a sleeping WAIT wakes when the dependency is released */
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	pthread_join(t, NULL);
	ASSERT_EQ(0, npu_canned_check(&c));
	npu_canned_fini(self->fd, &c);
}

TEST_HARNESS_MAIN

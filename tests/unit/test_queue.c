// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * Unit tests of npu_queue (libnpu/src/queue.c, uring.c): every public call
 * and every error path, on the host backend by default.
 *
 * NPU_TEST_BACKEND=accel runs the same tests on /dev/accel (inside the
 * test VM: tests/selftests/npu_queue.sh); tests that need the host
 * backend's fault injection or its test ring skip there.
 *
 * The "ring" tests build a queue on a real io_uring of this machine's
 * kernel around a host device (the NPU_QUEUE_TEST_RING hook): sends are
 * IORING_OP_SEND_ZC from the BO's memfd mapping, submits are uring_cmds on
 * fd -1 (so -EBADF), which exercises the ring code, the two CQEs of a
 * zero-copy send and link cancellation without the npu driver. They skip
 * when io_uring is disabled.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wunused-parameter"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wclobbered"
#endif
#include "kselftest_harness.h"

#include <npu/npu.h>
#include "npu_priv.h"
#include "libnpu_ref.h"

#define MS	1000000LL

static bool on_accel(void)
{
	const char *b = getenv("NPU_TEST_BACKEND");

	return b && !strcmp(b, "accel");
}

static struct npu_device *open_dev(unsigned int timeout_ms)
{
	NPU_OPTS(npu_device_opts, o, .backend = NPU_BACKEND_HOST,
		 .threads = 2, .job_timeout_ms = timeout_ms);

	if (on_accel())
		return npu_device_open(NULL, NULL);
	return npu_device_open(NULL, &o);
}

static int add_tensor(struct npu_job *job, struct npu_bo *bo, uint64_t off,
		      uint32_t ndim, uint32_t d0, uint32_t d1)
{
	NPU_OPTS(npu_tensor_desc, t, .bo = bo, .offset = off,
		 .dtype = NPU_DTYPE_F32, .ndim = ndim, .shape = { d0, d1 });

	return npu_job_add_tensor(job, &t);
}

/* Y = relu(X) over @n floats */
static struct npu_job *relu_job(struct npu_device *dev, struct npu_bo *x,
				uint64_t xoff, struct npu_bo *y, uint64_t yoff,
				uint32_t n)
{
	struct npu_job *job = npu_job_new(dev);
	int tx, ty;

	if (!job)
		return NULL;
	tx = add_tensor(job, x, xoff, 1, n, 0);
	ty = add_tensor(job, y, yoff, 1, n, 0);
	if (tx < 0 || ty < 0 || npu_job_op_relu(job, tx, ty) < 0) {
		npu_job_free(job);
		return NULL;
	}
	return job;
}

/* Y[m,n] = A[m,k] B[k,n], A at 0, B after it, Y after B, in one BO */
static struct npu_job *gemm_job(struct npu_device *dev, struct npu_bo *bo,
				uint32_t m, uint32_t k, uint32_t n)
{
	struct npu_job *job = npu_job_new(dev);
	uint64_t boff = (uint64_t)m * k * 4, yoff = boff + (uint64_t)k * n * 4;
	int ta, tb, ty;

	if (!job)
		return NULL;
	ta = add_tensor(job, bo, 0, 2, m, k);
	tb = add_tensor(job, bo, boff, 2, k, n);
	ty = add_tensor(job, bo, yoff, 2, m, n);
	if (ta < 0 || tb < 0 || ty < 0 ||
	    npu_job_op_gemm(job, ta, tb, NPU_NO_TENSOR, ty, NULL) < 0) {
		npu_job_free(job);
		return NULL;
	}
	return job;
}

/* what the callbacks saw */
struct rec {
	int calls;
	int result[256];
	uint64_t seqno[256];
	void *user[256];
	struct npu_queue *q;
};

static void record(struct npu_queue *q, int result, uint64_t seqno, void *user)
{
	struct rec *r = *(struct rec **)user;
	int i = r->calls++;

	if (i < 256) {
		r->result[i] = result;
		r->seqno[i] = seqno;
		r->user[i] = user;
	}
	r->q = q;
}

/* user pointers for record(): a slot holding the rec pointer */
struct tag {
	struct rec *r;
	int id;
};

static void fill_ramp(float *p, uint32_t n, float base)
{
	for (uint32_t i = 0; i < n; i++)
		p[i] = base + (float)((int)(i % 7) - 3);
}

/* ------------------------------------------------------------------ */

TEST(create_errors)
{
	struct npu_device *dev = open_dev(0);
	struct npu_queue *q;

	ASSERT_NE(NULL, dev);
	errno = 0;
	EXPECT_EQ(NULL, npu_queue_create(NULL, 8, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, npu_queue_create(dev, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, npu_queue_create(dev, NPU_QUEUE_MAX_DEPTH + 1, 0));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(NULL, npu_queue_create(dev, 8, 1U << 5));
	EXPECT_EQ(EINVAL, errno);
	/* NULL queues everywhere */
	EXPECT_EQ(-EINVAL, npu_queue_fd(NULL));
	EXPECT_EQ(-EINVAL, npu_queue_ring_flags(NULL));
	EXPECT_EQ(-EINVAL, npu_queue_pending(NULL));
	EXPECT_EQ(-EINVAL, npu_queue_flush(NULL));
	EXPECT_EQ(-EINVAL, npu_queue_poll(NULL, 0, 0));
	EXPECT_EQ(-EINVAL, npu_queue_submit(NULL, NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_queue_submit_batch(NULL, NULL, 1, NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_queue_wait_bo(NULL, NULL, 1, NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_queue_send(NULL, NULL, 0, 1, 0, 0, NULL, NULL));
	npu_queue_destroy(NULL);

	/* the largest depth works, and the device still does */
	q = npu_queue_create(dev, NPU_QUEUE_MAX_DEPTH, 0);
	ASSERT_NE(NULL, q);
	EXPECT_EQ(0, npu_queue_pending(q));
	EXPECT_LE(0, npu_queue_fd(q));
	if (on_accel()) {
		EXPECT_NE(0U, (unsigned int)npu_queue_ring_flags(q) &
			  IORING_SETUP_CQE32);
	} else {
		EXPECT_EQ(0, npu_queue_ring_flags(q));
	}
	EXPECT_EQ(-EINVAL, npu_queue_poll(q, 0, -1));
	EXPECT_EQ(0, npu_queue_poll(q, 5, 0));	/* nothing pending: no wait */
	EXPECT_EQ(0, npu_queue_flush(q));
	npu_queue_destroy(q);
	npu_device_close(dev);
}

/* A GEMM through the queue gives the reference result and a seqno. */
TEST(submit_gemm)
{
	const uint32_t M = 8, K = 16, N = 12;
	struct npu_device *dev = open_dev(0);
	struct rec r = { 0 };
	struct rec *rp = &r;
	float ref[8 * 12];
	struct npu_queue *q;
	struct npu_job *job;
	struct npu_bo *bo;
	float *p;

	ASSERT_NE(NULL, dev);
	q = npu_queue_create(dev, 4, 0);
	ASSERT_NE(NULL, q);
	bo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	p = npu_bo_map(bo);
	ASSERT_NE(NULL, p);
	fill_ramp(p, M * K + K * N, 0.5f);
	ref_gemm_f32(p, p + M * K, NULL, ref, M, K, N, false);
	job = gemm_job(dev, bo, M, K, N);
	ASSERT_NE(NULL, job);

	ASSERT_EQ(0, npu_queue_submit(q, job, record, &rp));
	/* the queue took what it needs: the job may go at once */
	npu_job_free(job);
	EXPECT_EQ(1, npu_queue_pending(q));
	EXPECT_EQ(1, npu_queue_poll(q, 1, 10000 * MS));
	EXPECT_EQ(0, npu_queue_pending(q));
	ASSERT_EQ(1, r.calls);
	EXPECT_EQ(0, r.result[0]);
	EXPECT_EQ(q, r.q);
	EXPECT_EQ((void *)&rp, r.user[0]);
	EXPECT_NE(0ULL, r.seqno[0]);
	EXPECT_EQ(0, npu_device_wait(dev, r.seqno[0], 0));
	EXPECT_EQ(0, memcmp(ref, p + M * K + K * N, sizeof(ref)));
	npu_queue_destroy(q);
	npu_bo_free(bo);
	npu_device_close(dev);
}

/* One callback for a batch of 128, every job's output right. */
TEST(submit_batch)
{
	const uint32_t n = DRM_NPU_URING_MAX_BATCH, len = 64;
	struct npu_device *dev = open_dev(0), *dev2;
	struct npu_job *jobs[DRM_NPU_URING_MAX_BATCH + 1] = { 0 };
	struct rec r = { 0 };
	struct rec *rp = &r;
	struct npu_queue *q;
	struct npu_bo *x, *y;
	float *px, *py;
	uint32_t i, j;

	ASSERT_NE(NULL, dev);
	q = npu_queue_create(dev, 8, 0);
	ASSERT_NE(NULL, q);
	x = npu_bo_alloc(dev, (uint64_t)n * len * 4, 0);
	y = npu_bo_alloc(dev, (uint64_t)n * len * 4, 0);
	ASSERT_NE(NULL, x);
	ASSERT_NE(NULL, y);
	px = npu_bo_map(x);
	py = npu_bo_map(y);
	ASSERT_NE(NULL, px);
	ASSERT_NE(NULL, py);
	for (i = 0; i < n * len; i++)
		px[i] = (float)((int)(i % 11) - 5);
	for (i = 0; i < n; i++) {
		jobs[i] = relu_job(dev, x, (uint64_t)i * len * 4, y,
				   (uint64_t)i * len * 4, len);
		ASSERT_NE(NULL, jobs[i]);
	}
	/* bad input: nothing queued, errno set */
	EXPECT_EQ(-EINVAL, npu_queue_submit_batch(q, jobs, 0, NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_queue_submit_batch(q, NULL, 1, NULL, NULL));
	EXPECT_EQ(-E2BIG, npu_queue_submit_batch(q, jobs, n + 1, NULL, NULL));
	EXPECT_EQ(E2BIG, errno);
	jobs[n] = jobs[5];
	jobs[5] = NULL;
	EXPECT_EQ(-EINVAL, npu_queue_submit_batch(q, jobs, n, NULL, NULL));
	jobs[5] = jobs[n];
	jobs[n] = NULL;
	dev2 = open_dev(0);
	ASSERT_NE(NULL, dev2);
	jobs[n] = npu_job_new(dev2);
	ASSERT_NE(NULL, jobs[n]);
	EXPECT_EQ(-EXDEV, npu_queue_submit(q, jobs[n], NULL, NULL));
	EXPECT_EQ(-EXDEV, npu_queue_submit_batch(q, jobs + 1, n, NULL, NULL));
	EXPECT_EQ(0, npu_queue_pending(q));

	ASSERT_EQ(0, npu_queue_submit_batch(q, jobs, n, record, &rp));
	EXPECT_EQ(1, npu_queue_flush(q));
	EXPECT_EQ(1, npu_queue_poll(q, 1, 30000 * MS));
	ASSERT_EQ(1, r.calls);
	EXPECT_EQ(0, r.result[0]);
	ASSERT_NE(0ULL, r.seqno[0]);
	/* the last job's seqno: every job of the batch is done by then */
	EXPECT_EQ(0, npu_device_wait(dev, r.seqno[0], 0));
	for (i = 0; i < n; i++)
		for (j = 0; j < len; j++)
			ASSERT_EQ(px[i * len + j] > 0 ? px[i * len + j] : 0.0f,
				  py[i * len + j]);
	for (i = 0; i <= n; i++)
		npu_job_free(jobs[i]);
	npu_queue_destroy(q);
	npu_bo_free(x);
	npu_bo_free(y);
	npu_device_close(dev2);
	npu_device_close(dev);
}

/* depth operations pending: -EBUSY, and fine again after a poll */
TEST(queue_full)
{
	struct npu_device *dev = open_dev(0);
	struct rec r = { 0 };
	struct rec *rp = &r;
	struct npu_queue *q;
	struct npu_job *job;
	struct npu_bo *bo;

	ASSERT_NE(NULL, dev);
	q = npu_queue_create(dev, 2, 0);
	ASSERT_NE(NULL, q);
	bo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	job = relu_job(dev, bo, 0, bo, 2048, 16);
	ASSERT_NE(NULL, job);
	EXPECT_EQ(0, npu_queue_submit(q, job, record, &rp));
	EXPECT_EQ(0, npu_queue_submit(q, job, record, &rp));
	EXPECT_EQ(-EBUSY, npu_queue_submit(q, job, record, &rp));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-EBUSY, npu_queue_wait_bo(q, bo, NPU_TIMEOUT_INFINITE,
					    record, &rp));
	EXPECT_EQ(2, npu_queue_pending(q));
	EXPECT_EQ(2, npu_queue_poll(q, 2, 10000 * MS));
	EXPECT_EQ(2, r.calls);
	EXPECT_EQ(0, r.result[0]);
	EXPECT_EQ(0, r.result[1]);
	EXPECT_LT(r.seqno[0], r.seqno[1]);
	EXPECT_EQ(0, npu_queue_submit(q, job, record, &rp));
	EXPECT_EQ(1, npu_queue_poll(q, 1, 10000 * MS));
	EXPECT_EQ(3, r.calls);
	EXPECT_EQ(0, r.result[2]);
	npu_job_free(job);
	npu_queue_destroy(q);
	npu_bo_free(bo);
	npu_device_close(dev);
}

/* A job the validator refuses fails in its callback; the queue goes on. */
TEST(invalid_job)
{
	struct npu_device *dev = open_dev(0);
	struct rec r = { 0 };
	struct rec *rp = &r;
	struct npu_job *bad, *good;
	struct npu_queue *q;
	struct npu_bo *bo;
	float *p;

	ASSERT_NE(NULL, dev);
	q = npu_queue_create(dev, 4, 0);
	ASSERT_NE(NULL, q);
	bo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	p = npu_bo_map(bo);
	ASSERT_NE(NULL, p);
	p[0] = -1.0f;
	p[1] = 2.0f;
	/* past the end of the BO */
	bad = relu_job(dev, bo, 0, bo, 4096 - 8, 16);
	ASSERT_NE(NULL, bad);
	good = relu_job(dev, bo, 0, bo, 64, 2);
	ASSERT_NE(NULL, good);
	ASSERT_EQ(0, npu_queue_submit(q, bad, record, &rp));
	ASSERT_EQ(0, npu_queue_submit(q, good, record, &rp));
	EXPECT_EQ(2, npu_queue_poll(q, 2, 10000 * MS));
	ASSERT_EQ(2, r.calls);
	EXPECT_EQ(-ERANGE, r.result[0]);
	EXPECT_EQ(0ULL, r.seqno[0]);
	EXPECT_EQ(0, r.result[1]);
	EXPECT_EQ(0.0f, p[16]);
	EXPECT_EQ(2.0f, p[17]);
	npu_job_free(bad);
	npu_job_free(good);
	npu_queue_destroy(q);
	npu_bo_free(bo);
	npu_device_close(dev);
}

/* A batch whose second job is refused: the first still runs. */
TEST(batch_partial)
{
	struct npu_device *dev = open_dev(0);
	struct rec r = { 0 };
	struct rec *rp = &r;
	struct npu_job *jobs[3];
	struct npu_queue *q;
	struct npu_bo *bo;
	float *p;

	ASSERT_NE(NULL, dev);
	q = npu_queue_create(dev, 4, 0);
	ASSERT_NE(NULL, q);
	bo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	p = npu_bo_map(bo);
	ASSERT_NE(NULL, p);
	p[0] = -3.0f;
	p[1] = 3.0f;
	jobs[0] = relu_job(dev, bo, 0, bo, 64, 2);
	jobs[1] = relu_job(dev, bo, 0, bo, 4096 - 4, 2);
	jobs[2] = relu_job(dev, bo, 0, bo, 128, 2);
	ASSERT_NE(NULL, jobs[0]);
	ASSERT_NE(NULL, jobs[1]);
	ASSERT_NE(NULL, jobs[2]);
	ASSERT_EQ(0, npu_queue_submit_batch(q, jobs, 3, record, &rp));
	EXPECT_EQ(1, npu_queue_poll(q, 1, 10000 * MS));
	ASSERT_EQ(1, r.calls);
	EXPECT_EQ(-ERANGE, r.result[0]);
	ASSERT_NE(0ULL, r.seqno[0]);	/* job 0's */
	EXPECT_EQ(0, npu_device_wait(dev, r.seqno[0], 0));
	EXPECT_EQ(0.0f, p[16]);
	EXPECT_EQ(3.0f, p[17]);
	EXPECT_EQ(0.0f, p[33]);		/* job 2 never ran */
	for (int i = 0; i < 3; i++)
		npu_job_free(jobs[i]);
	npu_queue_destroy(q);
	npu_bo_free(bo);
	npu_device_close(dev);
}

/* A hung job fails with -ETIMEDOUT in its callback; the next one runs. */
TEST(job_timeout)
{
	struct npu_device *dev;
	struct rec r = { 0 };
	struct rec *rp = &r;
	struct npu_queue *q;
	struct npu_job *job;
	struct npu_bo *bo;

	if (on_accel())
		SKIP(return, "host backend fault injection");
	dev = open_dev(50);
	ASSERT_NE(NULL, dev);
	q = npu_queue_create(dev, 4, 0);
	ASSERT_NE(NULL, q);
	bo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	job = relu_job(dev, bo, 0, bo, 64, 4);
	ASSERT_NE(NULL, job);
	ASSERT_EQ(0, npu__host_inject_hang(dev, 1));
	ASSERT_EQ(0, npu_queue_submit(q, job, record, &rp));
	ASSERT_EQ(0, npu_queue_submit(q, job, record, &rp));
	EXPECT_EQ(2, npu_queue_poll(q, 2, 10000 * MS));
	ASSERT_EQ(2, r.calls);
	EXPECT_EQ(-ETIMEDOUT, r.result[0]);
	EXPECT_EQ(0, r.result[1]);
	npu_job_free(job);
	npu_queue_destroy(q);
	npu_bo_free(bo);
	npu_device_close(dev);
}

/* wait_bo: its callback comes after the job's, with 0; bad input refused */
TEST(wait_bo)
{
	struct npu_device *dev = open_dev(0), *dev2;
	struct rec r = { 0 };
	struct rec *rp = &r;
	struct npu_bo *bo, *other;
	struct npu_queue *q;
	struct npu_job *job;
	float *p;

	ASSERT_NE(NULL, dev);
	q = npu_queue_create(dev, 4, 0);
	ASSERT_NE(NULL, q);
	bo = npu_bo_alloc(dev, 1 << 20, 0);
	ASSERT_NE(NULL, bo);
	p = npu_bo_map(bo);
	ASSERT_NE(NULL, p);
	fill_ramp(p, 64 * 64 * 2, 0.25f);
	job = gemm_job(dev, bo, 64, 64, 64);
	ASSERT_NE(NULL, job);

	EXPECT_EQ(-EINVAL, npu_queue_wait_bo(q, NULL, 1, NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_queue_wait_bo(q, bo, 0, NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_queue_wait_bo(q, bo, -5, NULL, NULL));
	dev2 = open_dev(0);
	ASSERT_NE(NULL, dev2);
	other = npu_bo_alloc(dev2, 4096, 0);
	ASSERT_NE(NULL, other);
	EXPECT_EQ(-EXDEV, npu_queue_wait_bo(q, other, 1, NULL, NULL));
	EXPECT_EQ(0, npu_queue_pending(q));

	ASSERT_EQ(0, npu_queue_submit(q, job, record, &rp));
	ASSERT_EQ(0, npu_queue_wait_bo(q, bo, 10000 * MS, record, &rp));
	ASSERT_EQ(0, npu_queue_wait_bo(q, bo, NPU_TIMEOUT_INFINITE, NULL, NULL));
	EXPECT_EQ(3, npu_queue_poll(q, 3, 30000 * MS));
	ASSERT_EQ(2, r.calls);
	EXPECT_EQ(0, r.result[0]);
	EXPECT_EQ(0, r.result[1]);
	/* the submit's seqno, the wait's 0, in whatever order they came */
	EXPECT_NE(0ULL, r.seqno[0] + r.seqno[1]);
	EXPECT_EQ(0ULL, r.seqno[0] * r.seqno[1]);
	/* the BO's jobs are done */
	EXPECT_EQ(0, npu_bo_wait(bo, 0));
	npu_job_free(job);
	npu_queue_destroy(q);
	npu_bo_free(bo);
	npu_bo_free(other);
	npu_device_close(dev2);
	npu_device_close(dev);
}

/* A callback may queue more, but not poll */
static void chain_cb(struct npu_queue *q, int result, uint64_t seqno,
		     void *user)
{
	struct npu_job **job = user;
	static int depth;

	if (result)
		return;
	if (npu_queue_poll(q, 0, 0) != -EBUSY)
		abort();
	if (++depth < 3 && npu_queue_submit(q, *job, chain_cb, user))
		abort();
}

TEST(callback_requeues)
{
	struct npu_device *dev = open_dev(0);
	struct npu_queue *q;
	struct npu_job *job;
	struct npu_bo *bo;
	int n = 0, ret;

	ASSERT_NE(NULL, dev);
	q = npu_queue_create(dev, 1, 0);
	ASSERT_NE(NULL, q);
	bo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	job = relu_job(dev, bo, 0, bo, 64, 4);
	ASSERT_NE(NULL, job);
	/* depth 1: the callback's submit reuses the slot just freed */
	ASSERT_EQ(0, npu_queue_submit(q, job, chain_cb, &job));
	while (npu_queue_pending(q) > 0) {
		ret = npu_queue_poll(q, 1, 10000 * MS);
		ASSERT_LT(0, ret);
		n += ret;
	}
	EXPECT_EQ(3, n);
	npu_job_free(job);
	npu_queue_destroy(q);
	npu_bo_free(bo);
	npu_device_close(dev);
}

/* The fd is readable once something completed, and poll clears it. */
TEST(event_fd)
{
	struct npu_device *dev = open_dev(0);
	struct rec r = { 0 };
	struct rec *rp = &r;
	struct pollfd pfd;
	struct npu_queue *q;
	struct npu_job *job;
	struct npu_bo *bo;
	int i;

	ASSERT_NE(NULL, dev);
	q = npu_queue_create(dev, 4, 0);
	ASSERT_NE(NULL, q);
	bo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	job = relu_job(dev, bo, 0, bo, 64, 4);
	ASSERT_NE(NULL, job);
	pfd.fd = npu_queue_fd(q);
	pfd.events = POLLIN;
	ASSERT_LE(0, pfd.fd);
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, npu_queue_submit(q, job, record, &rp));
	EXPECT_EQ(1, npu_queue_flush(q));
	/* the application's event loop: wait for the fd, then reap */
	for (i = 0; i < 100 && r.calls == 0; i++) {
		ASSERT_EQ(1, poll(&pfd, 1, 10000));
		EXPECT_LE(0, npu_queue_poll(q, 0, 0));
	}
	EXPECT_EQ(1, r.calls);
	EXPECT_EQ(0, r.result[0]);
	/* a ring also signals for the CQEs the poll posted: one more poll */
	EXPECT_EQ(0, npu_queue_poll(q, 0, 0));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	npu_job_free(job);
	npu_queue_destroy(q);
	npu_bo_free(bo);
	npu_device_close(dev);
}

/* destroy flushes and runs every callback */
TEST(destroy_pending)
{
	struct npu_device *dev = open_dev(0);
	struct rec r = { 0 };
	struct rec *rp = &r;
	struct npu_queue *q;
	struct npu_job *job;
	struct npu_bo *bo;
	float *p;

	ASSERT_NE(NULL, dev);
	q = npu_queue_create(dev, 8, 0);
	ASSERT_NE(NULL, q);
	bo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	p = npu_bo_map(bo);
	ASSERT_NE(NULL, p);
	p[0] = -1.0f;
	p[1] = 5.0f;
	job = relu_job(dev, bo, 0, bo, 64, 2);
	ASSERT_NE(NULL, job);
	ASSERT_EQ(0, npu_queue_submit(q, job, record, &rp));
	ASSERT_EQ(0, npu_queue_flush(q) < 0);
	ASSERT_EQ(0, npu_queue_submit(q, job, record, &rp));
	npu_job_free(job);
	npu_queue_destroy(q);
	EXPECT_EQ(2, r.calls);
	EXPECT_EQ(0, r.result[0]);
	EXPECT_EQ(0, r.result[1]);
	EXPECT_EQ(5.0f, p[17]);
	npu_bo_free(bo);
	npu_device_close(dev);
}

/* ------------------------------------------------------------------ */
/* Sends                                                               */
/* ------------------------------------------------------------------ */

/* a connected loopback TCP pair */
static int tcp_pair(int fds[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int l, one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -errno;
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (void *)&a, &alen))
		goto fail;
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fds[0] < 0 || connect(fds[0], (void *)&a, sizeof(a)))
		goto fail;
	fds[1] = accept(l, NULL, NULL);
	if (fds[1] < 0)
		goto fail;
	setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(l);
	return 0;
fail:
	close(l);
	return -errno;
}

static int recv_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

FIXTURE(send)
{
	struct npu_device *dev;
	struct npu_queue *q;
	struct npu_bo *bo;
	float *p;
	int fds[2];
};

FIXTURE_VARIANT(send)
{
	bool ring;	/* a real io_uring around the host device */
};

FIXTURE_VARIANT_ADD(send, queue) { .ring = false };
FIXTURE_VARIANT_ADD(send, test_ring) { .ring = true };

FIXTURE_SETUP(send)
{
	self->fds[0] = self->fds[1] = -1;
	self->q = NULL;
	if (variant->ring && on_accel())
		SKIP(return, "the test ring needs the host backend");
	self->dev = open_dev(0);
	ASSERT_NE(NULL, self->dev);
	self->q = npu_queue_create(self->dev, 16,
				   variant->ring ? NPU_QUEUE_TEST_RING : 0);
	if (!self->q && variant->ring &&
	    (errno == EPERM || errno == ENOSYS || errno == EOPNOTSUPP))
		SKIP(return, "no io_uring here: %s", strerror(errno));
	ASSERT_NE(NULL, self->q);
	self->bo = npu_bo_alloc(self->dev, 1 << 20, 0);
	ASSERT_NE(NULL, self->bo);
	self->p = npu_bo_map(self->bo);
	ASSERT_NE(NULL, self->p);
	ASSERT_EQ(0, tcp_pair(self->fds));
}

FIXTURE_TEARDOWN(send)
{
	npu_queue_destroy(self->q);
	if (self->fds[0] >= 0)
		close(self->fds[0]);
	if (self->fds[1] >= 0)
		close(self->fds[1]);
	npu_bo_free(self->bo);
	npu_device_close(self->dev);
}

TEST_F(send, bad_input)
{
	struct npu_device *dev2;
	struct npu_bo *other;

	EXPECT_EQ(-EINVAL, npu_queue_send(self->q, NULL, 0, 1, self->fds[0],
					  0, NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_queue_send(self->q, self->bo, 0, 0,
					  self->fds[0], 0, NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_queue_send(self->q, self->bo, 0, 1, -1, 0,
					  NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_queue_send(self->q, self->bo, 0, 1,
					  self->fds[0], 2, NULL, NULL));
	EXPECT_EQ(-ERANGE, npu_queue_send(self->q, self->bo, 1 << 20, 1,
					  self->fds[0], 0, NULL, NULL));
	EXPECT_EQ(-ERANGE, npu_queue_send(self->q, self->bo, 1, 1 << 20,
					  self->fds[0], 0, NULL, NULL));
	EXPECT_EQ(-ERANGE, npu_queue_send(self->q, self->bo, UINT64_MAX, 2,
					  self->fds[0], 0, NULL, NULL));
	EXPECT_EQ(-E2BIG, npu_queue_send(self->q, self->bo, 0,
					 (uint64_t)INT32_MAX + 1,
					 self->fds[0], 0, NULL, NULL));
	/* nothing queued to link after */
	EXPECT_EQ(-EINVAL, npu_queue_send(self->q, self->bo, 0, 4,
					  self->fds[0], NPU_QUEUE_SEND_LINK,
					  NULL, NULL));
	/* nor after a wait */
	ASSERT_EQ(0, npu_queue_wait_bo(self->q, self->bo, NPU_TIMEOUT_INFINITE,
				       NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_queue_send(self->q, self->bo, 0, 4,
					  self->fds[0], NPU_QUEUE_SEND_LINK,
					  NULL, NULL));
	dev2 = open_dev(0);
	ASSERT_NE(NULL, dev2);
	other = npu_bo_alloc(dev2, 4096, 0);
	ASSERT_NE(NULL, other);
	EXPECT_EQ(-EXDEV, npu_queue_send(self->q, other, 0, 4, self->fds[0],
					 0, NULL, NULL));
	EXPECT_EQ(1, npu_queue_pending(self->q));
	EXPECT_EQ(1, npu_queue_poll(self->q, 1, 10000 * MS));
	npu_bo_free(other);
	npu_device_close(dev2);
}

struct drain {
	int fd;
	void *buf;
	size_t len;
	int ret;
};

static void *drain_thread(void *arg)
{
	struct drain *d = arg;

	d->ret = recv_all(d->fd, d->buf, d->len);
	return NULL;
}

/* A plain send of 1 MiB minus a page arrives whole. */
TEST_F(send, unlinked)
{
	const uint32_t len = (1 << 20) - 4096;
	struct rec r = { 0 };
	struct rec *rp = &r;
	struct drain d;
	pthread_t th;
	int n = 0, ret;

	d.fd = self->fds[1];
	d.len = len;
	d.buf = malloc(len);
	ASSERT_NE(NULL, d.buf);
	for (uint32_t i = 0; i < len / 4; i++)
		self->p[i] = (float)i;
	ASSERT_EQ(0, npu_queue_send(self->q, self->bo, 4096, len,
				    self->fds[0], 0, record, &rp));
	ASSERT_EQ(1, npu_queue_flush(self->q));
	/* the peer drains while the queue is polled */
	ASSERT_EQ(0, pthread_create(&th, NULL, drain_thread, &d));
	while (n < 1) {
		ret = npu_queue_poll(self->q, 1, 10000 * MS);
		ASSERT_LT(0, ret);
		n += ret;
	}
	ASSERT_EQ(1, r.calls);
	if (r.result[0] < 0)
		shutdown(self->fds[0], SHUT_WR);	/* end the drain */
	pthread_join(th, NULL);
	EXPECT_EQ((int)len, r.result[0]);
	EXPECT_EQ(0, d.ret);
	EXPECT_EQ(0, memcmp(d.buf, (char *)self->p + 4096, len));
	free(d.buf);
}

/* A send linked after a job carries what the job wrote. */
TEST_F(send, linked_after_job)
{
	struct rec r = { 0 };
	struct rec *rp = &r;
	struct npu_job *job;
	float got[256];

	if (variant->ring)
		SKIP(return, "submits need the npu driver on a ring");
	for (int i = 0; i < 256; i++)
		self->p[i] = (float)(i - 128);
	job = relu_job(self->dev, self->bo, 0, self->bo, 4096, 256);
	ASSERT_NE(NULL, job);
	ASSERT_EQ(0, npu_queue_submit(self->q, job, record, &rp));
	ASSERT_EQ(0, npu_queue_send(self->q, self->bo, 4096, sizeof(got),
				    self->fds[0], NPU_QUEUE_SEND_LINK, record,
				    &rp));
	npu_job_free(job);
	EXPECT_EQ(2, npu_queue_poll(self->q, 2, 10000 * MS));
	ASSERT_EQ(2, r.calls);
	/* the job's callback, then the send's */
	EXPECT_EQ(0, r.result[0]);
	EXPECT_NE(0ULL, r.seqno[0]);
	EXPECT_EQ((int)sizeof(got), r.result[1]);
	EXPECT_EQ(0ULL, r.seqno[1]);
	ASSERT_EQ(0, recv_all(self->fds[1], got, sizeof(got)));
	for (int i = 0; i < 256; i++)
		ASSERT_EQ(i > 128 ? (float)(i - 128) : 0.0f, got[i]);
}

/* A send linked after a failing op is cancelled; nothing is sent. */
TEST_F(send, linked_after_failure)
{
	struct rec r = { 0 };
	struct rec *rp = &r;
	struct npu_job *job;
	char c;

	job = relu_job(self->dev, self->bo, 0, self->bo, (1 << 20) - 8, 16);
	ASSERT_NE(NULL, job);
	/* on the test ring the uring_cmd goes to fd -1: -EBADF */
	ASSERT_EQ(0, npu_queue_submit(self->q, job, record, &rp));
	ASSERT_EQ(0, npu_queue_send(self->q, self->bo, 0, 64, self->fds[0],
				    NPU_QUEUE_SEND_LINK, record, &rp));
	/* and a second send linked after that one */
	ASSERT_EQ(0, npu_queue_send(self->q, self->bo, 0, 64, self->fds[0],
				    NPU_QUEUE_SEND_LINK, record, &rp));
	npu_job_free(job);
	EXPECT_EQ(3, npu_queue_poll(self->q, 3, 10000 * MS));
	ASSERT_EQ(3, r.calls);
	EXPECT_EQ(variant->ring ? -EBADF : -ERANGE, r.result[0]);
	EXPECT_EQ(-ECANCELED, r.result[1]);
	EXPECT_EQ(-ECANCELED, r.result[2]);
	EXPECT_EQ(-1, recv(self->fds[1], &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

/* On a real ring: SQE128|CQE32, the eventfd fires for a send. */
TEST_F(send, ring_eventfd)
{
	struct rec r = { 0 };
	struct rec *rp = &r;
	struct pollfd pfd;
	char got[64];
	int i;

	if (!variant->ring && !on_accel())
		SKIP(return, "ring only (the test ring, or /dev/accel)");
	EXPECT_NE(0U, (unsigned int)npu_queue_ring_flags(self->q) & IORING_SETUP_CQE32);
	EXPECT_NE(0U, (unsigned int)npu_queue_ring_flags(self->q) & IORING_SETUP_SQE128);
	TH_LOG("ring flags %#x", npu_queue_ring_flags(self->q));
	memset(self->p, 0x5a, 64);
	ASSERT_EQ(0, npu_queue_send(self->q, self->bo, 0, 64, self->fds[0], 0,
				    record, &rp));
	ASSERT_EQ(1, npu_queue_flush(self->q));
	pfd.fd = npu_queue_fd(self->q);
	pfd.events = POLLIN;
	for (i = 0; i < 100 && r.calls == 0; i++) {
		ASSERT_EQ(1, poll(&pfd, 1, 10000));
		EXPECT_LE(0, npu_queue_poll(self->q, 0, 0));
	}
	ASSERT_EQ(1, r.calls);
	EXPECT_EQ(64, r.result[0]);
	ASSERT_EQ(0, recv_all(self->fds[1], got, sizeof(got)));
	EXPECT_EQ(0x5a, got[63]);
	/*
	 * Posting the CQEs inside npu_queue_poll() signalled the fd again: a
	 * spurious wake-up, whose poll finds nothing and leaves it clear.
	 */
	EXPECT_EQ(0, npu_queue_poll(self->q, 0, 0));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	/* registered now: the next wake-up is the kernel's own */
	ASSERT_EQ(0, npu_queue_send(self->q, self->bo, 0, 64, self->fds[0], 0,
				    record, &rp));
	ASSERT_EQ(1, npu_queue_flush(self->q));
	for (i = 0; i < 100 && r.calls == 1; i++) {
		ASSERT_EQ(1, poll(&pfd, 1, 10000));
		EXPECT_LE(0, npu_queue_poll(self->q, 0, 0));
	}
	ASSERT_EQ(2, r.calls);
	EXPECT_EQ(64, r.result[1]);
	ASSERT_EQ(0, recv_all(self->fds[1], got, sizeof(got)));
	/* nothing pending: no wait, 0 */
	EXPECT_EQ(0, npu_queue_poll(self->q, 1, 1 * MS));
}

/* The test ring without DEFER_TASKRUN works too. */
TEST(ring_no_defer)
{
	struct npu_device *dev;
	struct npu_queue *q;
	struct rec r = { 0 };
	struct rec *rp = &r;
	struct npu_bo *bo;
	int fds[2];
	char got[32];

	if (on_accel())
		SKIP(return, "the test ring needs the host backend");
	dev = open_dev(0);
	ASSERT_NE(NULL, dev);
	q = npu_queue_create(dev, 4, NPU_QUEUE_TEST_RING |
			     NPU_QUEUE_NO_DEFER_TASKRUN | NPU_QUEUE_NO_INLINE);
	if (!q) {
		npu_device_close(dev);
		SKIP(return, "no io_uring here: %s", strerror(errno));
	}
	EXPECT_EQ(0U, (unsigned int)npu_queue_ring_flags(q) & IORING_SETUP_DEFER_TASKRUN);
	bo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	ASSERT_EQ(0, tcp_pair(fds));
	ASSERT_EQ(0, npu_queue_send(q, bo, 0, sizeof(got), fds[0], 0, record,
				    &rp));
	EXPECT_EQ(1, npu_queue_poll(q, 1, 10000 * MS));
	EXPECT_EQ((int)sizeof(got), r.result[0]);
	ASSERT_EQ(0, recv_all(fds[1], got, sizeof(got)));
	npu_queue_destroy(q);
	close(fds[0]);
	close(fds[1]);
	npu_bo_free(bo);
	npu_device_close(dev);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * Unit tests of libnpu's host backend: every public call on a host device,
 * results against references, thread counts, ordering, timeouts, close,
 * concurrency and bad input.
 *
 * Built twice (tests/unit/libnpu-unit.mk): with ASan/UBSan, and with TSan
 * for the threads. References are the firmware interpreter run serially on
 * copies of the buffers (the oracle), and scalar code written from the
 * operator semantics (libnpu_ref.h). Ordering is read through a test hook
 * of host.c (npu__host_job_state()), engines held busy with its fault
 * injection (npu__host_inject_hang()), as the kernel's debugfs does.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAK_CHECK() __lsan_do_recoverable_leak_check()
#else
#define LEAK_CHECK() 0
#endif

#if defined(__SANITIZE_THREAD__)
/*
 * A race report ends the test's process with a failure: the harness's
 * children leave through _exit(), which skips TSan's exit-code check.
 */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
	return "halt_on_error=1:second_deadlock_stack=1";
}
#endif

/* the harness's own functions and TEST() wrappers have unused parameters */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wclobbered"
#endif
#include "fw_scratch.h"
#include "kselftest_harness.h"

#include <npu/npu.h>
#include "npu_priv.h"
#include "../../firmware/npu_fw.h"
#include "libnpu_ref.h"

#define MS	1000000LL

static struct npu_device *host_open(unsigned int threads,
				    unsigned int timeout_ms)
{
	NPU_OPTS(npu_device_opts, o, .backend = NPU_BACKEND_HOST,
		 .threads = threads, .job_timeout_ms = timeout_ms);

	return npu_device_open(NULL, &o);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1664525U + 1013904223U;
	return *s >> 8;
}

/* values in [-2, 2) with few mantissa bits, some negative */
static void fill_f32(float *p, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (float)((int)(rnd(&seed) % 4096) - 2048) / 1024.0f;
}

static void fill_i8(int8_t *p, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (int8_t)(rnd(&seed) & 0xff);
}

static int add_tensor(struct npu_job *job, struct npu_bo *bo, uint64_t off,
		      uint32_t dtype, uint32_t ndim, uint32_t d0, uint32_t d1,
		      uint32_t d2, uint32_t d3)
{
	NPU_OPTS(npu_tensor_desc, t, .bo = bo, .offset = off, .dtype = dtype,
		 .ndim = ndim, .shape = { d0, d1, d2, d3 });

	return npu_job_add_tensor(job, &t);
}

static int add_q(struct npu_job *job, struct npu_bo *bo, uint64_t off,
		 uint32_t dtype, uint32_t ndim, uint32_t d0, uint32_t d1,
		 uint32_t d2, uint32_t d3, float scale, int32_t zp)
{
	NPU_OPTS(npu_tensor_desc, t, .bo = bo, .offset = off, .dtype = dtype,
		 .ndim = ndim, .shape = { d0, d1, d2, d3 },
		 .quant_type = NPU_QUANT_PER_TENSOR, .scale = scale,
		 .zero_point = zp);

	return npu_job_add_tensor(job, &t);
}

/* A job Y = relu(X) over @n floats; returns NULL on failure. */
static struct npu_job *relu_job(struct npu_device *dev, struct npu_bo *x,
				uint64_t xoff, struct npu_bo *y, uint64_t yoff,
				uint32_t n)
{
	struct npu_job *job = npu_job_new(dev);
	int tx, ty;

	if (!job)
		return NULL;
	tx = add_tensor(job, x, xoff, NPU_DTYPE_F32, 1, n, 0, 0, 0);
	ty = add_tensor(job, y, yoff, NPU_DTYPE_F32, 1, n, 0, 0, 0);
	if (tx < 0 || ty < 0 || npu_job_op_relu(job, tx, ty) < 0) {
		npu_job_free(job);
		return NULL;
	}
	return job;
}

/* Y = A + B over @n floats */
static struct npu_job *add_job(struct npu_device *dev, struct npu_bo *a,
			       uint64_t aoff, struct npu_bo *b, uint64_t boff,
			       struct npu_bo *y, uint64_t yoff, uint32_t n)
{
	struct npu_job *job = npu_job_new(dev);
	int ta, tb, ty;

	if (!job)
		return NULL;
	ta = add_tensor(job, a, aoff, NPU_DTYPE_F32, 1, n, 0, 0, 0);
	tb = add_tensor(job, b, boff, NPU_DTYPE_F32, 1, n, 0, 0, 0);
	ty = add_tensor(job, y, yoff, NPU_DTYPE_F32, 1, n, 0, 0, 0);
	if (ta < 0 || tb < 0 || ty < 0 ||
	    npu_job_op_add(job, ta, tb, ty, NULL) < 0) {
		npu_job_free(job);
		return NULL;
	}
	return job;
}

/* ------------------------------------------------------------------ */
/* The oracle: the firmware interpreter, serially, on copies of the BOs */

struct snap {
	uint32_t n;
	void *mem[NPU_FW_MAX_BOS];
	__u64 size[NPU_FW_MAX_BOS];
};

/* Copy @job's BOs and run the job on the copies; 0 or a negative errno. */
static int snap_run(struct npu_job *job, struct snap *s)
{
	const struct drm_npu_query_limits *l = &job->dev->limits;
	struct npu_fw_limits lim = {
		.max_cmd_size = l->max_cmd_size, .max_tensors = l->max_tensors,
		.max_ops = l->max_ops, .max_tensor_elems = l->max_tensor_elems,
	};
	const struct npu_cmd_header *h;
	struct npu_fw_diag diag;
	struct npu_fw_job fj;
	uint32_t size, i;
	void *cmd;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = npu__job_encode(job, &cmd, &size);
	if (ret)
		return ret;
	s->n = job->nbos;
	for (i = 0; i < s->n; i++) {
		s->size[i] = npu_bo_size(job->bos[i]);
		s->mem[i] = malloc(s->size[i]);
		memcpy(s->mem[i], npu_bo_map(job->bos[i]), s->size[i]);
	}
	ret = npu_fw_validate(cmd, size, s->size, s->n, &lim, &diag);
	if (!ret) {
		fj.cmd = cmd;
		fj.bo_vaddr = s->mem;
		h = cmd;
		for (i = 0; i < h->num_ops; i++)
			npu_fw_run(&fj, i, 0, npu_fw_units(&fj, i), npu_test_scratch(&fj));
	}
	free(cmd);
	return ret;
}

/* Index of the first BO of @job that differs from the oracle, or -1. */
static int snap_diff(struct npu_job *job, const struct snap *s)
{
	uint32_t i;

	for (i = 0; i < s->n; i++)
		if (memcmp(s->mem[i], npu_bo_map(job->bos[i]), s->size[i]))
			return (int)i;
	return -1;
}

static void snap_free(struct snap *s)
{
	uint32_t i;

	for (i = 0; i < s->n; i++)
		free(s->mem[i]);
	s->n = 0;
}

/* ------------------------------------------------------------------ */
/* A job of seven ops over four BOs: F32 and int8 CONV2D and GEMM, ADD  */
/* with a broadcast and a fused CLIP, RELU, CLIP; tensors alias.        */

enum {
	/* BO in */
	MX_X = 0, MX_XQ = 32768, MX_IN_SIZE = 36864,
	/* BO wts */
	MX_WC = 0, MX_BC = 8192, MX_BB = 8448, MX_WG = 8704, MX_BG = 12288,
	MX_WQ = 12800, MX_SQ = 13312, MX_BQ = 13440, MX_BQ2 = 13568,
	MX_BQ2B = 13824, MX_WTS_SIZE = 16384,
	/* BO mid */
	MX_Y1 = 0, MX_Y2 = 65536, MX_MID_SIZE = 131072,
	/* BO out */
	MX_Y3 = 0, MX_Y4 = 49152, MX_YQ = 98304, MX_YQ2 = 100352,
	MX_Y5 = 102400, MX_OUT_SIZE = 151552,
};

struct mixed {
	struct npu_bo *in, *wts, *mid, *out;
	struct npu_job *job;
};

static void mixed_fill(struct mixed *m, uint32_t seed)
{
	char *in = npu_bo_map(m->in), *w = npu_bo_map(m->wts);
	float *sq = (float *)(w + MX_SQ);
	int32_t *bq = (int32_t *)(w + MX_BQ), *bq2 = (int32_t *)(w + MX_BQ2B);
	int i;

	fill_f32((float *)(in + MX_X), 8 * 32 * 32, seed);
	fill_i8((int8_t *)(in + MX_XQ), 4 * 16 * 16, seed + 1);
	fill_f32((float *)(w + MX_WC), 16 * 8 * 9, seed + 2);
	fill_f32((float *)(w + MX_BC), 16, seed + 3);
	fill_f32((float *)(w + MX_BB), 32, seed + 4);
	fill_f32((float *)(w + MX_WG), 32 * 24, seed + 5);
	fill_f32((float *)(w + MX_BG), 24, seed + 6);
	fill_i8((int8_t *)(w + MX_WQ), 8 * 4 * 9, seed + 7);
	fill_i8((int8_t *)(w + MX_BQ2), 8 * 8, seed + 8);
	for (i = 0; i < 8; i++) {
		sq[i] = 0.01f + 0.005f * (float)i;
		bq[i] = (i - 4) * 97;
		bq2[i] = (3 - i) * 51;
	}
	memset(npu_bo_map(m->mid), 0, MX_MID_SIZE);
	memset(npu_bo_map(m->out), 0, MX_OUT_SIZE);
}

static int mixed_build(struct npu_device *dev, struct mixed *m)
{
	NPU_OPTS(npu_conv2d_opts, c, .pad_top = 1, .pad_left = 1,
		 .pad_bottom = 1, .pad_right = 1, .activation = NPU_ACT_RELU);
	NPU_OPTS(npu_conv2d_opts, cq, .pad_top = 1, .pad_left = 1,
		 .pad_bottom = 1, .pad_right = 1);
	NPU_OPTS(npu_add_opts, ao, .activation = NPU_ACT_CLIP,
		 .act_min = -0.5f, .act_max = 3.0f);
	NPU_OPTS(npu_tensor_desc, wq, .dtype = NPU_DTYPE_I8, .ndim = 4,
		 .shape = { 8, 4, 3, 3 }, .quant_type = NPU_QUANT_PER_CHANNEL,
		 .quant_axis = 0);
	int x, wc, bc, y1, bb, y2, a, wg, bg, y3, y4, xq, sq, wqt, bq, yq;
	int aq, bq2, bq2b, yq2, y5;
	struct npu_job *job;

	m->in = npu_bo_alloc(dev, MX_IN_SIZE, 0);
	m->wts = npu_bo_alloc(dev, MX_WTS_SIZE, 0);
	m->mid = npu_bo_alloc(dev, MX_MID_SIZE, 0);
	m->out = npu_bo_alloc(dev, MX_OUT_SIZE, 0);
	job = m->job = npu_job_new(dev);
	if (!m->in || !m->wts || !m->mid || !m->out || !job)
		return -ENOMEM;
	x = add_tensor(job, m->in, MX_X, NPU_DTYPE_F32, 4, 1, 8, 32, 32);
	wc = add_tensor(job, m->wts, MX_WC, NPU_DTYPE_F32, 4, 16, 8, 3, 3);
	bc = add_tensor(job, m->wts, MX_BC, NPU_DTYPE_F32, 1, 16, 0, 0, 0);
	y1 = add_tensor(job, m->mid, MX_Y1, NPU_DTYPE_F32, 4, 1, 16, 32, 32);
	bb = add_tensor(job, m->wts, MX_BB, NPU_DTYPE_F32, 1, 32, 0, 0, 0);
	y2 = add_tensor(job, m->mid, MX_Y2, NPU_DTYPE_F32, 4, 1, 16, 32, 32);
	a = add_tensor(job, m->mid, MX_Y2, NPU_DTYPE_F32, 2, 512, 32, 0, 0);
	wg = add_tensor(job, m->wts, MX_WG, NPU_DTYPE_F32, 2, 32, 24, 0, 0);
	bg = add_tensor(job, m->wts, MX_BG, NPU_DTYPE_F32, 1, 24, 0, 0, 0);
	y3 = add_tensor(job, m->out, MX_Y3, NPU_DTYPE_F32, 2, 512, 24, 0, 0);
	y4 = add_tensor(job, m->out, MX_Y4, NPU_DTYPE_F32, 2, 512, 24, 0, 0);
	xq = add_q(job, m->in, MX_XQ, NPU_DTYPE_I8, 4, 1, 4, 16, 16, 0.05f, 3);
	sq = add_tensor(job, m->wts, MX_SQ, NPU_DTYPE_F32, 1, 8, 0, 0, 0);
	wq.bo = m->wts;
	wq.offset = MX_WQ;
	wq.scale_tensor = sq;
	wqt = npu_job_add_tensor(job, &wq);
	bq = add_tensor(job, m->wts, MX_BQ, NPU_DTYPE_I32, 1, 8, 0, 0, 0);
	yq = add_q(job, m->out, MX_YQ, NPU_DTYPE_I8, 4, 1, 8, 16, 16, 0.1f, -2);
	aq = add_q(job, m->out, MX_YQ, NPU_DTYPE_I8, 2, 256, 8, 0, 0, 0.1f, -2);
	bq2 = add_q(job, m->wts, MX_BQ2, NPU_DTYPE_I8, 2, 8, 8, 0, 0, 0.02f, 0);
	bq2b = add_tensor(job, m->wts, MX_BQ2B, NPU_DTYPE_I32, 1, 8, 0, 0, 0);
	yq2 = add_q(job, m->out, MX_YQ2, NPU_DTYPE_I8, 2, 256, 8, 0, 0, 0.05f, 1);
	y5 = add_tensor(job, m->out, MX_Y5, NPU_DTYPE_F32, 2, 512, 24, 0, 0);
	if (y5 < 0 || x < 0 || wc < 0 || bc < 0 || y1 < 0 || bb < 0 || y2 < 0 || a < 0 ||
	    wg < 0 || bg < 0 || y3 < 0 || y4 < 0 || xq < 0 || sq < 0 ||
	    wqt < 0 || bq < 0 || yq < 0 || aq < 0 || bq2 < 0 || bq2b < 0 ||
	    yq2 < 0)
		return -EINVAL;
	if (npu_job_op_conv2d(job, x, wc, bc, y1, &c) != 0 ||
	    npu_job_op_add(job, y1, bb, y2, &ao) != 1 ||
	    npu_job_op_gemm(job, a, wg, bg, y3, NULL) != 2 ||
	    npu_job_op_relu(job, y3, y4) != 3 ||
	    npu_job_op_conv2d(job, xq, wqt, bq, yq, &cq) != 4 ||
	    npu_job_op_gemm(job, aq, bq2, bq2b, yq2, NULL) != 5 ||
	    npu_job_op_clip(job, y3, y5, -0.25f, 0.75f) != 6)
		return -EINVAL;
	return 0;
}

static void mixed_free(struct mixed *m)
{
	npu_job_free(m->job);
	npu_bo_free(m->in);
	npu_bo_free(m->wts);
	npu_bo_free(m->mid);
	npu_bo_free(m->out);
	memset(m, 0, sizeof(*m));
}

/* distinct byte values in @n bytes: results that are not mostly constant */
static int distinct_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	bool seen[256] = { false };
	int d = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		d += !seen[b[i]];
		seen[b[i]] = true;
	}
	return d;
}

/* ------------------------------------------------------------------ */
/* Opening                                                             */

TEST(open_host)
{
	NPU_OPTS(npu_device_opts, o3, .backend = NPU_BACKEND_HOST, .threads = 3);
	struct npu_device *dev, *dev2;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	dev = host_open(0, 0);
	ASSERT_NE(NULL, dev);
	EXPECT_EQ(NPU_BACKEND_HOST, npu_device_backend(dev));
	EXPECT_STREQ("host", npu_device_path(dev));
	EXPECT_STREQ("host", npu_backend_name((uint32_t)npu_device_backend(dev)));
	errno = 0;
	EXPECT_EQ(-EOPNOTSUPP, npu_device_fd(dev));	/* no device file */
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* default: one thread per online CPU */
	EXPECT_EQ((unsigned int)(cpus > 256 ? 256 : cpus), npu__host_threads(dev));

	/* "host" names it too; each open is a new device */
	dev2 = npu_device_open("host", &o3);
	ASSERT_NE(NULL, dev2);
	ASSERT_NE(dev, dev2);
	EXPECT_EQ(3U, npu__host_threads(dev2));
	npu_device_close(dev2);
	npu_device_close(dev);
	EXPECT_EQ(0, LEAK_CHECK());
}

TEST(open_host_bad_options)
{
	NPU_OPTS(npu_device_opts, o, .backend = NPU_BACKEND_HOST);
	NPU_OPTS(npu_device_opts, acc, .backend = NPU_BACKEND_ACCEL);
	struct npu_device *dev;

	/* no device node */
	errno = 0;
	EXPECT_NULL(npu_device_open("/dev/accel/accel0", &o));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NULL(npu_device_open("", &o));
	EXPECT_EQ(EINVAL, errno);
	/* ranges */
	o.threads = 257;
	EXPECT_NULL(npu_device_open(NULL, &o));
	EXPECT_EQ(EINVAL, errno);
	o.threads = 256;
	o.job_timeout_ms = 9;
	EXPECT_NULL(npu_device_open(NULL, &o));
	EXPECT_EQ(EINVAL, errno);
	o.job_timeout_ms = 600001;
	EXPECT_NULL(npu_device_open(NULL, &o));
	EXPECT_EQ(EINVAL, errno);
	/* host options with the accel backend: refused, not ignored */
	acc.threads = 2;
	EXPECT_NULL(npu_device_open("/nonexistent/accel0", &acc));
	EXPECT_EQ(EINVAL, errno);
	acc.threads = 0;
	acc.job_timeout_ms = 100;
	EXPECT_NULL(npu_device_open("/nonexistent/accel0", &acc));
	EXPECT_EQ(EINVAL, errno);
	acc.job_timeout_ms = 0;
	EXPECT_NULL(npu_device_open("/nonexistent/accel0", &acc));
	EXPECT_EQ(ENOENT, errno);

	/* the limits themselves are accepted */
	o.threads = 1;
	o.job_timeout_ms = 10;
	dev = npu_device_open(NULL, &o);
	ASSERT_NE(NULL, dev);
	npu_device_close(dev);
	o.job_timeout_ms = 600000;
	dev = npu_device_open(NULL, &o);
	ASSERT_NE(NULL, dev);
	npu_device_close(dev);
}

/*
 * A libnpu 1.0 caller's struct is 16 bytes (LP64): threads lies in what was
 * its padding then, which such a caller need not have zeroed. It must not
 * be read.
 */
TEST(open_opts_of_libnpu_1_0)
{
	union {
		struct npu_device_opts o;
		unsigned char b[sizeof(struct npu_device_opts)];
	} u;
	size_t v10 = (offsetof(struct npu_device_opts, backend) + 4 +
		      sizeof(size_t) - 1) & ~(sizeof(size_t) - 1);
	struct npu_device *dev;

	memset(&u, 0xa5, sizeof(u));
	u.o.size = v10;
	u.o.backend = NPU_BACKEND_ACCEL;
	errno = 0;
	EXPECT_NULL(npu_device_open("/nonexistent/accel0", &u.o));
	EXPECT_EQ(ENOENT, errno);	/* not EINVAL for a junk "threads" */

	u.o.backend = NPU_BACKEND_HOST;
	dev = npu_device_open(NULL, &u.o);
	ASSERT_NE(NULL, dev);
	EXPECT_GE(npu__host_threads(dev), 1U);
	EXPECT_LE(npu__host_threads(dev), 256U);
	npu_device_close(dev);
}

/* ------------------------------------------------------------------ */

TEST(queries)
{
	struct npu_device *dev = host_open(2, 1234);
	struct drm_npu_query_version v;
	struct drm_npu_query_limits l;
	struct drm_npu_engine_info e[2];
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	uint64_t want_bo = (uint64_t)pages * (uint64_t)page / 4, mask = 0;
	struct npu_bo *bo;
	struct npu_job *job;
	uint32_t op;
	int i;

	ASSERT_NE(NULL, dev);
	ASSERT_EQ(0, npu_device_query_version(dev, &v));
	EXPECT_EQ((uint32_t)DRM_NPU_DRIVER_MAJOR, v.major);
	EXPECT_EQ((uint32_t)DRM_NPU_DRIVER_MINOR, v.minor);
	EXPECT_EQ((uint32_t)NPU_CMD_VERSION, v.cmd_version);
	EXPECT_EQ((uint32_t)NPU_OP_COUNT, v.num_ops);

	/* the kernel's limits, and the configured timeout */
	if (want_bo > (1ULL << 30))
		want_bo = 1ULL << 30;
	want_bo &= ~((uint64_t)page - 1);
	ASSERT_EQ(0, npu_device_query_limits(dev, &l));
	EXPECT_EQ(want_bo, l.max_bo_size);
	EXPECT_EQ(1U << 20, l.max_cmd_size);
	EXPECT_EQ(1024U, l.max_tensors);
	EXPECT_EQ(1024U, l.max_ops);
	EXPECT_EQ(64U, l.max_bos);
	EXPECT_EQ(64U, l.max_in_syncobjs);
	EXPECT_EQ(1U << 28, l.max_tensor_elems);
	EXPECT_EQ(1234U, l.job_timeout_ms);
	EXPECT_EQ(0U, l.pad);

	for (op = 1; op < NPU_OP_COUNT; op++)
		mask |= 1ULL << op;
	ASSERT_EQ(1, npu_device_query_engines(dev, NULL, 0));
	memset(e, 0x55, sizeof(e));
	ASSERT_EQ(1, npu_device_query_engines(dev, e, 2));
	EXPECT_STREQ("host", e[0].name);
	EXPECT_EQ((uint32_t)DRM_NPU_ENGINE_CPU, e[0].kind);
	EXPECT_EQ(DRM_NPU_ENGINE_HEALTHY, e[0].flags);
	EXPECT_EQ(mask, e[0].ops_mask);
	EXPECT_EQ(0ULL, e[0].jobs_done);
	EXPECT_EQ(0ULL, e[0].busy_ns);
	EXPECT_EQ(0U, e[0].queued);
	EXPECT_EQ(0U, e[0].resets);
	EXPECT_EQ(0ULL, e[0].reserved[3]);
	EXPECT_EQ(0x55555555U, e[1].kind);	/* one engine only */

	/* statistics count */
	bo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	job = relu_job(dev, bo, 0, bo, 2048, 256);
	ASSERT_NE(NULL, job);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, npu_job_submit(job, NULL));
	ASSERT_EQ(0, npu_job_wait(job, NPU_TIMEOUT_INFINITE));
	ASSERT_EQ(1, npu_device_query_engines(dev, e, 1));
	EXPECT_EQ(3ULL, e[0].jobs_done);
	EXPECT_GT(e[0].busy_ns, 0ULL);
	EXPECT_EQ(0U, e[0].queued);
	npu_job_free(job);
	npu_bo_free(bo);
	npu_device_close(dev);
	EXPECT_EQ(0, LEAK_CHECK());
}

/* ------------------------------------------------------------------ */
/* Buffer objects                                                      */

TEST(bo_alloc_map_free)
{
	struct npu_device *dev = host_open(1, 0);
	struct drm_npu_query_limits l;
	struct npu_bo *bo, *bo2;
	unsigned char *p;
	size_t i;

	ASSERT_NE(NULL, dev);
	ASSERT_EQ(0, npu_device_query_limits(dev, &l));
	bo = npu_bo_alloc(dev, 100, 0);
	ASSERT_NE(NULL, bo);
	EXPECT_EQ((uint64_t)sysconf(_SC_PAGESIZE), npu_bo_size(bo));
	EXPECT_NE(0U, npu_bo_handle(bo));
	p = npu_bo_map(bo);
	ASSERT_NE(NULL, p);
	ASSERT_EQ((void *)p, npu_bo_map(bo));
	for (i = 0; i < npu_bo_size(bo); i++)
		ASSERT_EQ(0, p[i]);
	memset(p, 0x5a, npu_bo_size(bo));
	bo2 = npu_bo_alloc(dev, 3 * 4096 + 1, 0);
	ASSERT_NE(NULL, bo2);
	EXPECT_EQ(4U * 4096, npu_bo_size(bo2));
	EXPECT_NE(npu_bo_handle(bo), npu_bo_handle(bo2));
	ASSERT_NE(NULL, npu_bo_map(bo2));
	EXPECT_EQ(0, ((unsigned char *)npu_bo_map(bo2))[0]);	/* zeroed */

	/* bad arguments: the kernel's errnos */
	errno = 0;
	EXPECT_NULL(npu_bo_alloc(dev, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NULL(npu_bo_alloc(dev, 4096, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NULL(npu_bo_alloc(dev, l.max_bo_size + 1, 0));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_NULL(npu_bo_alloc(dev, UINT64_MAX, 0));
	EXPECT_EQ(E2BIG, errno);

	/* nothing lost: both BOs still work, and the largest size maps */
	EXPECT_EQ(0x5a, p[4095]);
	npu_bo_free(bo2);
	bo2 = npu_bo_alloc(dev, l.max_bo_size, 0);
	ASSERT_NE(NULL, bo2);
	EXPECT_EQ(l.max_bo_size, npu_bo_size(bo2));
	p = npu_bo_map(bo2);
	ASSERT_NE(NULL, p);
	p[l.max_bo_size - 1] = 1;
	npu_bo_free(bo2);
	npu_bo_free(bo);
	npu_device_close(dev);
	EXPECT_EQ(0, LEAK_CHECK());
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c = 'x';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

TEST(bo_export_import)
{
	struct npu_device *dev = host_open(2, 0), *dev2 = host_open(1, 0);
	struct npu_bo *bo, *again, *foreign, *file, *other;
	char path[] = "/tmp/npu-host-bo-XXXXXX";
	int fd, fd2, mfd, ffd, ro, pfd[2], sv[2], status;
	char *p, *q, *m, page[4096];
	pid_t pid;

	ASSERT_NE(NULL, dev);
	ASSERT_NE(NULL, dev2);
	bo = npu_bo_alloc(dev, 8192, 0);
	ASSERT_NE(NULL, bo);
	p = npu_bo_map(bo);
	ASSERT_NE(NULL, p);
	strcpy(p, "shared");

	/* a real fd: close-on-exec, read-write, the same memory */
	fd = npu_bo_export(bo);
	ASSERT_GE(fd, 0);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_STREQ("shared", m);
	strcpy(m + 4096, "written through the fd");
	EXPECT_STREQ("written through the fd", p + 4096);
	munmap(m, 8192);
	/* sealed: an importer can rely on its size */
	EXPECT_EQ(-1, ftruncate(fd, 4096));
	EXPECT_EQ(EPERM, errno);

	/* sent to another process, which writes back */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int cfd = recv_fd(sv[1]);
		char *cm = cfd < 0 ? MAP_FAILED :
			   mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED,
				cfd, 0);

		if (cm == MAP_FAILED || strcmp(cm, "shared"))
			_exit(1);
		strcpy(cm + 100, "from the child");
		_exit(0);
	}
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_STREQ("from the child", p + 100);
	close(sv[0]);
	close(sv[1]);

	/* re-importing our own buffer gives the same object, one more ref */
	again = npu_bo_import(dev, fd);
	ASSERT_EQ(bo, again);
	npu_bo_free(again);
	EXPECT_STREQ("shared", p);

	/* another host device maps the same memory as a new BO */
	other = npu_bo_import(dev2, fd);
	ASSERT_NE(NULL, other);
	EXPECT_EQ(8192ULL, npu_bo_size(other));
	q = npu_bo_map(other);
	ASSERT_NE(NULL, q);
	EXPECT_STREQ("shared", q);
	npu_bo_free(other);
	/* re-export gives the same buffer */
	fd2 = npu_bo_export(bo);
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(bo, npu_bo_import(dev, fd2));
	npu_bo_free(bo);	/* the import's reference */
	close(fd2);
	close(fd);

	/* a memfd from elsewhere, of any size */
	mfd = memfd_create("camera", MFD_CLOEXEC);
	ASSERT_GE(mfd, 0);
	ASSERT_EQ(0, ftruncate(mfd, 12288 + 100));
	ASSERT_EQ(5, pwrite(mfd, "frame", 5, 12288));
	foreign = npu_bo_import(dev, mfd);
	ASSERT_NE(NULL, foreign);
	ASSERT_NE(bo, foreign);
	EXPECT_EQ(12388ULL, npu_bo_size(foreign));
	q = npu_bo_map(foreign);
	ASSERT_NE(NULL, q);
	EXPECT_EQ(0, memcmp(q + 12288, "frame", 5));
	close(mfd);		/* libnpu holds its own */
	EXPECT_EQ(0, memcmp(q + 12288, "frame", 5));
	npu_bo_free(foreign);

	/* a regular file */
	ffd = mkstemp(path);
	ASSERT_GE(ffd, 0);
	memset(page, 7, sizeof(page));
	ASSERT_EQ(4096, pwrite(ffd, page, 4096, 0));
	file = npu_bo_import(dev, ffd);
	ASSERT_NE(NULL, file);
	EXPECT_EQ(4096ULL, npu_bo_size(file));
	EXPECT_EQ(7, ((char *)npu_bo_map(file))[4095]);
	/* another fd of a buffer that has a BO: that BO */
	ro = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(ro, 0);
	EXPECT_EQ(file, npu_bo_import(dev, ro));
	npu_bo_free(file);
	close(ro);
	close(ffd);
	npu_bo_free(file);

	/* what cannot be imported */
	errno = 0;
	EXPECT_NULL(npu_bo_import(dev, -1));
	EXPECT_EQ(EINVAL, errno);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(ro, 0);
	EXPECT_NULL(npu_bo_import(dev, ro));	/* cannot be written */
	EXPECT_EQ(EACCES, errno);
	close(ro);
	unlink(path);
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	EXPECT_NULL(npu_bo_import(dev, pfd[0]));
	EXPECT_EQ(EINVAL, errno);
	close(pfd[0]);
	close(pfd[1]);
	EXPECT_NULL(npu_bo_import(dev, pfd[0]));	/* closed */
	EXPECT_EQ(EBADF, errno);
	mfd = memfd_create("empty", MFD_CLOEXEC);
	ASSERT_GE(mfd, 0);
	EXPECT_NULL(npu_bo_import(dev, mfd));
	EXPECT_EQ(EINVAL, errno);
	close(mfd);

	/* nothing broke */
	EXPECT_STREQ("shared", p);
	npu_bo_free(bo);
	npu_device_close(dev);
	npu_device_close(dev2);
	EXPECT_EQ(0, LEAK_CHECK());
}

/* ------------------------------------------------------------------ */
/* Results                                                             */

/* GEMM F32 and per-channel int8 CONV2D against scalar references */
TEST(results_match_scalar_references)
{
	enum { C = 2, H = 4, W = 4, OC = 3, K = 3, M = 5, KK = 7, N = 6 };
	struct npu_device *dev = host_open(2, 0);
	int8_t x[C * H * W], wt[OC * C * K * K], y_want[OC * H * W], *yq;
	static const float sw[OC] = { 0.02f, 0.05f, 0.011f };
	static const int32_t cbias[OC] = { 40, -300, 7 };
	float a[M * KK], b[KK * N], bias[N], want[M * N], *y;
	NPU_OPTS(npu_gemm_opts, g, .activation = NPU_ACT_RELU);
	NPU_OPTS(npu_conv2d_opts, co, .pad_top = 1, .pad_left = 1,
		 .pad_bottom = 1, .pad_right = 1, .activation = NPU_ACT_RELU);
	NPU_OPTS(npu_tensor_desc, tw, .dtype = NPU_DTYPE_I8, .ndim = 4,
		 .shape = { OC, C, K, K }, .quant_type = NPU_QUANT_PER_CHANNEL);
	struct npu_bo *bo, *ybo;
	struct npu_job *job;
	int ta, tb, tbias, ty, xs, sc, ws, bs, ys, i, zeros = 0;
	char *p;

	ASSERT_NE(NULL, dev);
	bo = npu_bo_alloc(dev, 8192, 0);
	ybo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	ASSERT_NE(NULL, ybo);
	p = npu_bo_map(bo);
	fill_f32(a, M * KK, 11);
	fill_f32(b, KK * N, 12);
	fill_f32(bias, N, 13);
	fill_i8(x, sizeof(x), 14);
	fill_i8(wt, sizeof(wt), 15);
	memcpy(p, a, sizeof(a));
	memcpy(p + 256, b, sizeof(b));
	memcpy(p + 512, bias, sizeof(bias));
	memcpy(p + 1024, x, sizeof(x));
	memcpy(p + 1280, sw, sizeof(sw));
	memcpy(p + 1536, wt, sizeof(wt));
	memcpy(p + 2048, cbias, sizeof(cbias));

	job = npu_job_new(dev);
	ASSERT_NE(NULL, job);
	ta = add_tensor(job, bo, 0, NPU_DTYPE_F32, 2, M, KK, 0, 0);
	tb = add_tensor(job, bo, 256, NPU_DTYPE_F32, 2, KK, N, 0, 0);
	tbias = add_tensor(job, bo, 512, NPU_DTYPE_F32, 1, N, 0, 0, 0);
	ty = add_tensor(job, ybo, 0, NPU_DTYPE_F32, 2, M, N, 0, 0);
	xs = add_q(job, bo, 1024, NPU_DTYPE_I8, 4, 1, C, H, W, 0.5f, -3);
	sc = add_tensor(job, bo, 1280, NPU_DTYPE_F32, 1, OC, 0, 0, 0);
	tw.bo = bo;
	tw.offset = 1536;
	tw.scale_tensor = sc;
	ws = npu_job_add_tensor(job, &tw);
	bs = add_tensor(job, bo, 2048, NPU_DTYPE_I32, 1, OC, 0, 0, 0);
	ys = add_q(job, ybo, 1024, NPU_DTYPE_I8, 4, 1, OC, H, W, 2.0f, 5);
	ASSERT_EQ(8, ys);
	ASSERT_EQ(0, npu_job_op_gemm(job, ta, tb, tbias, ty, &g));
	ASSERT_EQ(1, npu_job_op_conv2d(job, xs, ws, bs, ys, &co));
	ASSERT_EQ(0, npu_job_validate(job, NULL, 0));
	ASSERT_EQ(0, npu_job_submit(job, NULL));
	ASSERT_EQ(0, npu_job_wait(job, NPU_TIMEOUT_INFINITE));

	ref_gemm_f32(a, b, bias, want, M, KK, N, true);
	y = npu_bo_map(ybo);
	for (i = 0; i < M * N; i++) {
		ASSERT_EQ(f32_bits(want[i]), f32_bits(y[i]));
		zeros += y[i] == 0.0f;
	}
	EXPECT_GT(zeros, 0);		/* the ReLU clamps some */
	EXPECT_LT(zeros, M * N);
	ref_conv_q8(x, C, H, W, 0.5f, -3, wt, OC, K, sw, cbias, 1, y_want,
		    2.0f, 5, true);
	yq = (int8_t *)((char *)npu_bo_map(ybo) + 1024);
	for (i = 0; i < OC * H * W; i++)
		ASSERT_EQ(y_want[i], yq[i]);
	EXPECT_GT(distinct_bytes(yq, OC * H * W), 8);

	npu_job_free(job);
	npu_bo_free(bo);
	npu_bo_free(ybo);
	npu_device_close(dev);
	EXPECT_EQ(0, LEAK_CHECK());
}

/*
 * One seven-op job on 1, 2, 3 and 4 threads: every output byte equals the
 * serial interpreter's, on every thread count.
 */
TEST(threads_1_2_3_4_bit_identical)
{
	static const unsigned int threads[] = { 1, 2, 3, 4 };
	void *first_mid = NULL, *first_out = NULL;
	struct npu_device *dev;
	struct snap s;
	struct mixed m;
	char msg[256];
	unsigned int t;

	for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		dev = host_open(threads[t], 0);
		ASSERT_NE(NULL, dev);
		ASSERT_EQ(threads[t], npu__host_threads(dev));
		memset(&m, 0, sizeof(m));
		ASSERT_EQ(0, mixed_build(dev, &m));
		mixed_fill(&m, 1000);
		ASSERT_EQ(0, npu_job_validate(m.job, msg, sizeof(msg)))
			TH_LOG("%s", msg);
		ASSERT_EQ(0, snap_run(m.job, &s));
		ASSERT_EQ(0, npu_job_submit(m.job, NULL));
		ASSERT_EQ(0, npu_job_wait(m.job, NPU_TIMEOUT_INFINITE));
		EXPECT_EQ(-1, snap_diff(m.job, &s)) TH_LOG("%u threads", threads[t]);
		snap_free(&s);
		/* and every output has varied values */
		EXPECT_GT(distinct_bytes(npu_bo_map(m.mid), MX_MID_SIZE), 200);
		EXPECT_GT(distinct_bytes((char *)npu_bo_map(m.out) + MX_Y3,
					 512 * 24 * 4), 200);
		EXPECT_GT(distinct_bytes((char *)npu_bo_map(m.out) + MX_YQ,
					 2048), 100);
		EXPECT_GT(distinct_bytes((char *)npu_bo_map(m.out) + MX_YQ2,
					 2048), 50);
		EXPECT_GT(distinct_bytes((char *)npu_bo_map(m.out) + MX_Y5,
					 512 * 24 * 4), 200);
		if (!first_mid) {
			first_mid = malloc(MX_MID_SIZE);
			first_out = malloc(MX_OUT_SIZE);
			memcpy(first_mid, npu_bo_map(m.mid), MX_MID_SIZE);
			memcpy(first_out, npu_bo_map(m.out), MX_OUT_SIZE);
		} else {
			EXPECT_EQ(0, memcmp(first_mid, npu_bo_map(m.mid), MX_MID_SIZE));
			EXPECT_EQ(0, memcmp(first_out, npu_bo_map(m.out), MX_OUT_SIZE));
		}
		mixed_free(&m);
		npu_device_close(dev);
	}
	free(first_mid);
	free(first_out);
	EXPECT_EQ(0, LEAK_CHECK());
}

/* ------------------------------------------------------------------ */
/* Sequence numbers, waits, ordering                                   */

TEST(seqnos_and_waits)
{
	struct npu_device *dev = host_open(1, 0);
	struct npu_bo *bo;
	struct npu_job *job;
	uint64_t seq, i;
	float *p;

	ASSERT_NE(NULL, dev);
	bo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	job = relu_job(dev, bo, 0, bo, 2048, 64);
	ASSERT_NE(NULL, job);
	p = npu_bo_map(bo);
	p[0] = -1.0f;
	p[1] = 2.5f;

	errno = 0;
	EXPECT_EQ(-EINVAL, npu_job_wait(job, 0));	/* never submitted */
	EXPECT_EQ(-EINVAL, npu_device_wait(dev, 1, 0));	/* not issued */
	for (i = 1; i <= 1030; i++) {
		ASSERT_EQ(0, npu_job_submit(job, &seq));
		ASSERT_EQ(i, seq);
	}
	ASSERT_EQ(0, npu_job_wait(job, NPU_TIMEOUT_INFINITE));
	EXPECT_EQ(0.0f, p[512]);
	EXPECT_EQ(2.5f, p[513]);
	EXPECT_EQ(0, npu_device_wait(dev, 1030, 0));
	/* the kernel's window of 1024 recent jobs */
	EXPECT_EQ(0, npu_device_wait(dev, 7, 0));
	EXPECT_EQ(-ENOENT, npu_device_wait(dev, 6, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-ENOENT, npu_device_wait(dev, 1, NPU_TIMEOUT_INFINITE));
	EXPECT_EQ(-EINVAL, npu_device_wait(dev, 0, 0));
	EXPECT_EQ(-EINVAL, npu_device_wait(dev, 1031, 0));
	EXPECT_EQ(-EINVAL, npu_device_wait(dev, 1030, -1));
	EXPECT_EQ(0, npu_bo_wait(bo, 0));
	EXPECT_EQ(-EINVAL, npu_bo_wait(bo, -1));
	npu_job_free(job);
	npu_bo_free(bo);
	npu_device_close(dev);
	EXPECT_EQ(0, LEAK_CHECK());
}

/*
 * Wait until job @seq runs (the engine picked it): jobs submitted later
 * queue behind it, whatever their priority. Returns its state.
 */
static int wait_running(struct npu_device *dev, uint64_t seq)
{
	int st;

	while ((st = npu__host_job_state(dev, seq, NULL)) == NPU_HOST_JOB_QUEUED)
		usleep(100);
	return st;
}

/* A relu job on a BO of its own (the job holds the only reference). */
static struct npu_job *own_relu_job(struct npu_device *dev)
{
	struct npu_bo *bo = npu_bo_alloc(dev, 4096, 0);
	struct npu_job *job;

	if (!bo)
		return NULL;
	job = relu_job(dev, bo, 0, bo, 256, 16);
	npu_bo_free(bo);
	return job;
}

/* Submit a relu job on a BO of its own at @prio; 0 or an errno. */
static int submit_at(struct npu_device *dev, uint32_t slot,
		     enum drm_npu_priority prio, struct npu_job **jobs,
		     uint64_t *seqs)
{
	jobs[slot] = own_relu_job(dev);
	if (!jobs[slot])
		return -ENOMEM;
	if (npu_job_set_priority(jobs[slot], prio))
		return -EINVAL;
	return npu_job_submit(jobs[slot], &seqs[slot]);
}

static bool can_nice(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return false;
	return d[0].effective & (1U << CAP_SYS_NICE);
}

/*
 * While a hung job holds the engine, jobs of every priority queue up; then
 * higher priorities run first, and each priority in submission order.
 */
TEST(priorities_then_submission_order)
{
	static const enum drm_npu_priority prio[] = {
		DRM_NPU_PRIO_LOW, DRM_NPU_PRIO_NORMAL, DRM_NPU_PRIO_HIGH,
		DRM_NPU_PRIO_NORMAL, DRM_NPU_PRIO_LOW, DRM_NPU_PRIO_HIGH,
		DRM_NPU_PRIO_REALTIME, DRM_NPU_PRIO_NORMAL,
	};
	enum { N = sizeof(prio) / sizeof(prio[0]) };
	struct npu_device *dev = host_open(2, 1000);
	struct npu_job *gate, *jobs[N];
	uint64_t gseq, seqs[N], order[N], gorder;
	bool rt = can_nice();
	struct npu_bo *bo;
	int i, j, n = 0;

	ASSERT_NE(NULL, dev);
	bo = npu_bo_alloc(dev, N * 512, 0);
	ASSERT_NE(NULL, bo);
	gate = relu_job(dev, bo, 0, bo, 128, 16);
	ASSERT_NE(NULL, gate);
	ASSERT_EQ(0, npu__host_inject_hang(dev, 1));
	ASSERT_EQ(0, npu_job_submit(gate, &gseq));
	ASSERT_EQ(NPU_HOST_JOB_RUNNING, wait_running(dev, gseq));
	for (i = 0; i < N; i++) {
		if (prio[i] == DRM_NPU_PRIO_REALTIME && !rt)
			continue;
		ASSERT_EQ(0, submit_at(dev, i, prio[i], jobs, seqs));
		n++;
	}
	EXPECT_EQ(-ETIMEDOUT, npu_job_wait(gate, NPU_TIMEOUT_INFINITE));
	for (i = 0; i < N; i++) {
		if (prio[i] == DRM_NPU_PRIO_REALTIME && !rt)
			continue;
		EXPECT_EQ(0, npu_job_wait(jobs[i], NPU_TIMEOUT_INFINITE));
		ASSERT_EQ(NPU_HOST_JOB_DONE,
			  npu__host_job_state(dev, seqs[i], &order[i]));
	}
	ASSERT_EQ(NPU_HOST_JOB_DONE, npu__host_job_state(dev, gseq, &gorder));
	EXPECT_EQ(1ULL, gorder);
	/* i before j exactly when i's priority is higher, or equal and older */
	for (i = 0; i < N; i++) {
		for (j = 0; j < N; j++) {
			if (i == j || ((prio[i] == DRM_NPU_PRIO_REALTIME ||
					prio[j] == DRM_NPU_PRIO_REALTIME) && !rt))
				continue;
			if (prio[i] > prio[j] || (prio[i] == prio[j] && i < j))
				EXPECT_LT(order[i], order[j])
					TH_LOG("job %d (prio %d) vs %d (prio %d)",
					       i, prio[i], j, prio[j]);
		}
	}
	for (i = 0; i < N; i++)
		if (prio[i] != DRM_NPU_PRIO_REALTIME || rt)
			npu_job_free(jobs[i]);
	EXPECT_GE(n, N - 1);
	npu_job_free(gate);
	npu_bo_free(bo);
	npu_device_close(dev);
}

/*
 * Implicit synchronisation through BOs beats priority: a high-priority
 * reader waits for a low-priority writer queued before it, and the
 * high-priority job behind it waits too (one queue per priority); so does
 * a job that only lists the BO (npu_job_add_bo()).
 */
TEST(implicit_sync_read_after_write)
{
	struct npu_device *dev = host_open(2, 1000);
	struct npu_bo *bo, *ones, *x, *z;
	struct npu_job *gate, *a, *b, *c, *d;
	uint64_t sg, sa, sb, sc, sd, oa, ob, oc, od;
	float *px, *pz, *pin;
	int i;

	ASSERT_NE(NULL, dev);
	bo = npu_bo_alloc(dev, 4096, 0);
	ones = npu_bo_alloc(dev, 4096, 0);
	x = npu_bo_alloc(dev, 4096, 0);
	z = npu_bo_alloc(dev, 4096, 0);
	ASSERT_TRUE(bo && ones && x && z);
	pin = npu_bo_map(bo);
	for (i = 0; i < 64; i++) {
		pin[i] = (float)(i - 32);
		((float *)npu_bo_map(ones))[i] = 1.0f;
	}
	gate = relu_job(dev, bo, 2048, bo, 3072, 16);
	a = relu_job(dev, bo, 0, x, 0, 64);		/* LOW: writes X */
	b = add_job(dev, x, 0, ones, 0, z, 0, 64);	/* HIGH: reads X */
	c = own_relu_job(dev);				/* HIGH: unrelated */
	d = own_relu_job(dev);				/* NORMAL: lists X */
	ASSERT_TRUE(gate && a && b && c && d);
	ASSERT_EQ(1, npu_job_add_bo(d, x));	/* no tensor: synchronise only */
	ASSERT_EQ(0, npu_job_set_priority(a, DRM_NPU_PRIO_LOW));
	ASSERT_EQ(0, npu_job_set_priority(b, DRM_NPU_PRIO_HIGH));
	ASSERT_EQ(0, npu_job_set_priority(c, DRM_NPU_PRIO_HIGH));
	ASSERT_EQ(0, npu__host_inject_hang(dev, 1));
	ASSERT_EQ(0, npu_job_submit(gate, &sg));
	ASSERT_EQ(NPU_HOST_JOB_RUNNING, wait_running(dev, sg));
	ASSERT_EQ(0, npu_job_submit(a, &sa));
	ASSERT_EQ(0, npu_job_submit(b, &sb));
	ASSERT_EQ(0, npu_job_submit(c, &sc));
	ASSERT_EQ(0, npu_job_submit(d, &sd));
	EXPECT_EQ(0, npu_bo_wait(z, NPU_TIMEOUT_INFINITE));
	EXPECT_EQ(0, npu_job_wait(c, NPU_TIMEOUT_INFINITE));
	EXPECT_EQ(0, npu_job_wait(d, NPU_TIMEOUT_INFINITE));
	ASSERT_EQ(NPU_HOST_JOB_DONE, npu__host_job_state(dev, sa, &oa));
	ASSERT_EQ(NPU_HOST_JOB_DONE, npu__host_job_state(dev, sb, &ob));
	ASSERT_EQ(NPU_HOST_JOB_DONE, npu__host_job_state(dev, sc, &oc));
	ASSERT_EQ(NPU_HOST_JOB_DONE, npu__host_job_state(dev, sd, &od));
	/*
	 * B and D need A; C is queued behind B. So: A (low) first, then B
	 * and C (high), then D (normal).
	 */
	EXPECT_EQ(2ULL, oa);
	EXPECT_EQ(3ULL, ob);
	EXPECT_EQ(4ULL, oc);
	EXPECT_EQ(5ULL, od);
	px = npu_bo_map(x);
	pz = npu_bo_map(z);
	for (i = 0; i < 64; i++) {
		ASSERT_EQ(i < 32 ? 0.0f : (float)(i - 32), px[i]);
		ASSERT_EQ(px[i] + 1.0f, pz[i]);
	}
	npu_job_free(gate);
	npu_job_free(a);
	npu_job_free(b);
	npu_job_free(c);
	npu_job_free(d);
	npu_bo_free(bo);
	npu_bo_free(ones);
	npu_bo_free(x);
	npu_bo_free(z);
	npu_device_close(dev);
}

/* A writer waits for earlier readers: they read the old contents. */
TEST(implicit_sync_write_after_read)
{
	struct npu_device *dev = host_open(4, 1000);
	struct npu_bo *src, *x, *r1, *r2;
	struct npu_job *gate, *read1, *read2, *write;
	float *px, *p1, *p2;
	uint64_t sg;
	int i;

	ASSERT_NE(NULL, dev);
	src = npu_bo_alloc(dev, 4096, 0);
	x = npu_bo_alloc(dev, 4096, 0);
	r1 = npu_bo_alloc(dev, 4096, 0);
	r2 = npu_bo_alloc(dev, 4096, 0);
	ASSERT_TRUE(src && x && r1 && r2);
	px = npu_bo_map(x);
	for (i = 0; i < 256; i++) {
		px[i] = (float)i + 0.5f;		/* old X */
		((float *)npu_bo_map(src))[i] = -7.0f;	/* new X: relu gives 0 */
	}
	gate = relu_job(dev, src, 2048, src, 3072, 16);
	read1 = relu_job(dev, x, 0, r1, 0, 256);	/* NORMAL */
	read2 = relu_job(dev, x, 0, r2, 0, 256);	/* LOW */
	write = relu_job(dev, src, 0, x, 0, 256);	/* HIGH: X = 0 */
	ASSERT_TRUE(gate && read1 && read2 && write);
	ASSERT_EQ(0, npu_job_set_priority(read2, DRM_NPU_PRIO_LOW));
	ASSERT_EQ(0, npu_job_set_priority(write, DRM_NPU_PRIO_HIGH));
	ASSERT_EQ(0, npu__host_inject_hang(dev, 1));
	ASSERT_EQ(0, npu_job_submit(gate, &sg));
	ASSERT_EQ(NPU_HOST_JOB_RUNNING, wait_running(dev, sg));
	ASSERT_EQ(0, npu_job_submit(read1, NULL));
	ASSERT_EQ(0, npu_job_submit(read2, NULL));
	ASSERT_EQ(0, npu_job_submit(write, NULL));
	/* waiting on X waits for the writer and, through it, the readers */
	ASSERT_EQ(0, npu_bo_wait(x, NPU_TIMEOUT_INFINITE));
	EXPECT_EQ(0, npu_job_wait(read1, 0));
	EXPECT_EQ(0, npu_job_wait(read2, 0));
	p1 = npu_bo_map(r1);
	p2 = npu_bo_map(r2);
	for (i = 0; i < 256; i++) {
		ASSERT_EQ((float)i + 0.5f, p1[i]);
		ASSERT_EQ((float)i + 0.5f, p2[i]);
		ASSERT_EQ(0.0f, px[i]);
	}
	npu_job_free(gate);
	npu_job_free(read1);
	npu_job_free(read2);
	npu_job_free(write);
	npu_bo_free(src);
	npu_bo_free(x);
	npu_bo_free(r1);
	npu_bo_free(r2);
	npu_device_close(dev);
}

/*
 * In-fences order jobs across priorities; a failed dependency orders but
 * does not cancel (as drm_sched in 6.12); bad handles fail the submit as
 * in the kernel, and a rejected submit uses no sequence number.
 */
TEST(in_fences_and_out_syncobjs)
{
	struct npu_device *dev = host_open(2, 1000);
	struct npu_job *gate, *a, *j2, *k, *j3, *fresh;
	uint64_t sg, sa, s2, sk, s3, og, oa, o2, ok_, seq;
	uint32_t hg, ha, hf, h2;
	struct npu_bo *bo;
	float *p;
	int i;

	ASSERT_NE(NULL, dev);
	bo = npu_bo_alloc(dev, 16384, 0);
	ASSERT_NE(NULL, bo);
	p = npu_bo_map(bo);
	for (i = 0; i < 4096; i++)	/* j3: bytes 4096.. in, 4352.. out */
		p[i] = i >= 1088 ? 7.0f : (i & 1) ? 5.0f : -5.0f;
	/* jobs on separate BOs, so that only the fences order them */
	gate = relu_job(dev, bo, 0, bo, 256, 16);
	j3 = relu_job(dev, bo, 4096, bo, 4352, 16);	/* waits for the gate */
	a = own_relu_job(dev);				/* LOW */
	j2 = own_relu_job(dev);				/* HIGH, waits for A */
	k = own_relu_job(dev);				/* NORMAL */
	fresh = own_relu_job(dev);			/* never submitted */
	ASSERT_TRUE(gate && a && j2 && k && j3 && fresh);
	ASSERT_EQ(0, npu_job_set_priority(a, DRM_NPU_PRIO_LOW));
	ASSERT_EQ(0, npu_job_set_priority(j2, DRM_NPU_PRIO_HIGH));
	ASSERT_EQ(0, npu_job_out_syncobj(gate, &hg));
	ASSERT_EQ(0, npu_job_out_syncobj(a, &ha));
	ASSERT_EQ(0, npu_job_out_syncobj(fresh, &hf));
	ASSERT_EQ(0, npu_job_out_syncobj(j2, &h2));
	EXPECT_NE(0U, hg);
	EXPECT_NE(hg, ha);
	EXPECT_NE(ha, hf);

	/* bad in-fences: no effect, no seqno used */
	ASSERT_EQ(0, npu_job_add_in_fence(k, 4242));
	errno = 0;
	EXPECT_EQ(-ENOENT, npu_job_submit(k, NULL));
	EXPECT_EQ(ENOENT, errno);
	npu_job_free(k);
	k = own_relu_job(dev);
	ASSERT_NE(NULL, k);
	ASSERT_EQ(0, npu_job_add_in_fence(k, hf));	/* holds no fence */
	EXPECT_EQ(-EINVAL, npu_job_submit(k, NULL));
	npu_job_free(k);
	k = own_relu_job(dev);
	ASSERT_NE(NULL, k);

	ASSERT_EQ(0, npu__host_inject_hang(dev, 1));
	ASSERT_EQ(0, npu_job_submit(gate, &sg));
	EXPECT_EQ(1ULL, sg);
	ASSERT_EQ(NPU_HOST_JOB_RUNNING, wait_running(dev, sg));
	ASSERT_EQ(0, npu_job_submit(a, &sa));
	ASSERT_EQ(0, npu_job_add_in_fence(j2, ha));
	ASSERT_EQ(0, npu_job_submit(j2, &s2));
	ASSERT_EQ(0, npu_job_submit(k, &sk));
	ASSERT_EQ(0, npu_job_add_in_fence(j3, hg));
	ASSERT_EQ(0, npu_job_submit(j3, &s3));
	EXPECT_EQ(5ULL, s3);

	EXPECT_EQ(-ETIMEDOUT, npu_job_wait(gate, NPU_TIMEOUT_INFINITE));
	/* the failed dependency did not cancel j3 */
	EXPECT_EQ(0, npu_job_wait(j3, NPU_TIMEOUT_INFINITE));
	EXPECT_EQ(0.0f, p[1088]);	/* relu(-5) */
	EXPECT_EQ(5.0f, p[1089]);
	EXPECT_EQ(0, npu_job_wait(j2, NPU_TIMEOUT_INFINITE));
	EXPECT_EQ(0, npu_job_wait(k, NPU_TIMEOUT_INFINITE));
	ASSERT_EQ(NPU_HOST_JOB_DONE, npu__host_job_state(dev, sg, &og));
	ASSERT_EQ(NPU_HOST_JOB_DONE, npu__host_job_state(dev, sa, &oa));
	ASSERT_EQ(NPU_HOST_JOB_DONE, npu__host_job_state(dev, s2, &o2));
	ASSERT_EQ(NPU_HOST_JOB_DONE, npu__host_job_state(dev, sk, &ok_));
	/* k (normal) before a (low); j2 (high) waits for a */
	EXPECT_EQ(1ULL, og);
	EXPECT_LT(ok_, oa);
	EXPECT_LT(oa, o2);

	/* a job that waits for its own previous run, through its syncobj */
	ASSERT_EQ(0, npu_job_add_in_fence(j2, h2));
	ASSERT_EQ(0, npu_job_submit(j2, &seq));
	EXPECT_EQ(0, npu_job_wait(j2, NPU_TIMEOUT_INFINITE));

	/* more in-fences than the limit */
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, npu_job_add_in_fence(fresh, hg));
	ASSERT_EQ(0, npu_job_submit(fresh, NULL));
	ASSERT_EQ(0, npu_job_add_in_fence(fresh, hg));
	EXPECT_EQ(-E2BIG, npu_job_submit(fresh, NULL));
	EXPECT_EQ(-E2BIG, npu_job_validate(fresh, NULL, 0));

	npu_job_free(gate);
	npu_job_free(a);
	npu_job_free(j2);
	npu_job_free(k);
	npu_job_free(j3);
	npu_job_free(fresh);
	npu_bo_free(bo);
	npu_device_close(dev);
	EXPECT_EQ(0, LEAK_CHECK());
}

/* ------------------------------------------------------------------ */
/* Timeouts                                                            */

TEST(hung_job_times_out)
{
	struct npu_device *dev = host_open(2, 500);
	struct drm_npu_engine_info e;
	struct npu_bo *in, *out;
	struct npu_job *job;
	uint64_t seq;
	float *p, *q;
	int i;

	ASSERT_NE(NULL, dev);
	in = npu_bo_alloc(dev, 4096, 0);
	out = npu_bo_alloc(dev, 4096, 0);
	ASSERT_TRUE(in && out);
	p = npu_bo_map(in);
	q = npu_bo_map(out);
	for (i = 0; i < 256; i++)
		p[i] = (float)i;
	job = relu_job(dev, in, 0, out, 0, 256);
	ASSERT_NE(NULL, job);
	ASSERT_EQ(0, npu__host_inject_hang(dev, 1));
	ASSERT_EQ(0, npu_job_submit(job, &seq));
	/* polls and short waits expire first */
	EXPECT_EQ(-ETIME, npu_job_wait(job, 0));
	EXPECT_EQ(-ETIME, npu_device_wait(dev, seq, 5 * MS));
	EXPECT_EQ(-ETIME, npu_bo_wait(out, 0));
	ASSERT_EQ(1, npu_device_query_engines(dev, &e, 1));
	EXPECT_EQ(1U, e.queued);
	errno = 0;
	EXPECT_EQ(-ETIMEDOUT, npu_job_wait(job, NPU_TIMEOUT_INFINITE));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(-ETIMEDOUT, npu_device_wait(dev, seq, 0));
	EXPECT_EQ(-ETIMEDOUT, npu_bo_wait(out, 0));
	EXPECT_EQ(-ETIMEDOUT, npu_bo_wait(in, 0));
	EXPECT_EQ(0.0f, q[255]);	/* it never ran */

	/* later jobs run normally; the BO's new fence replaces the old */
	ASSERT_EQ(0, npu_job_submit(job, NULL));
	EXPECT_EQ(0, npu_job_wait(job, NPU_TIMEOUT_INFINITE));
	EXPECT_EQ(255.0f, q[255]);
	EXPECT_EQ(0, npu_bo_wait(out, 0));
	ASSERT_EQ(1, npu_device_query_engines(dev, &e, 1));
	EXPECT_EQ(2ULL, e.jobs_done);
	EXPECT_GE(e.busy_ns, 500ULL * MS);
	EXPECT_EQ(0U, e.queued);
	npu_job_free(job);
	npu_bo_free(in);
	npu_bo_free(out);
	npu_device_close(dev);
}

/* A real job longer than the timeout is stopped between chunks. */
TEST(long_job_times_out)
{
	enum { M = 1024, K = 512, N = 512 };
	struct npu_device *dev = host_open(2, 10);
	struct npu_bo *a, *b, *y, *s;
	struct npu_job *job, *small;
	int ta, tb, ty;
	float *p;

	ASSERT_NE(NULL, dev);
	a = npu_bo_alloc(dev, M * K * 4, 0);
	b = npu_bo_alloc(dev, K * N * 4, 0);
	y = npu_bo_alloc(dev, M * N * 4, 0);
	s = npu_bo_alloc(dev, 4096, 0);
	ASSERT_TRUE(a && b && y && s);
	fill_f32(npu_bo_map(a), M * K, 5);
	fill_f32(npu_bo_map(b), K * N, 6);
	job = npu_job_new(dev);
	ASSERT_NE(NULL, job);
	ta = add_tensor(job, a, 0, NPU_DTYPE_F32, 2, M, K, 0, 0);
	tb = add_tensor(job, b, 0, NPU_DTYPE_F32, 2, K, N, 0, 0);
	ty = add_tensor(job, y, 0, NPU_DTYPE_F32, 2, M, N, 0, 0);
	/* 2^28 multiply-adds per op: far beyond 10 ms here */
	ASSERT_EQ(0, npu_job_op_gemm(job, ta, tb, NPU_NO_TENSOR, ty, NULL));
	ASSERT_EQ(1, npu_job_op_gemm(job, ta, tb, NPU_NO_TENSOR, ty, NULL));
	ASSERT_EQ(0, npu_job_submit(job, NULL));
	EXPECT_EQ(-ETIMEDOUT, npu_job_wait(job, NPU_TIMEOUT_INFINITE));

	small = relu_job(dev, s, 0, s, 2048, 16);
	ASSERT_NE(NULL, small);
	p = npu_bo_map(s);
	p[0] = 4.0f;
	ASSERT_EQ(0, npu_job_submit(small, NULL));
	EXPECT_EQ(0, npu_job_wait(small, NPU_TIMEOUT_INFINITE));
	EXPECT_EQ(4.0f, p[512]);
	npu_job_free(small);
	npu_job_free(job);
	npu_bo_free(a);
	npu_bo_free(b);
	npu_bo_free(y);
	npu_bo_free(s);
	npu_device_close(dev);
}

/* ------------------------------------------------------------------ */
/* Lifetimes and close                                                 */

/* npu_device_close() with jobs in flight: they complete normally. */
TEST(close_keeps_running_jobs)
{
	struct npu_device *dev = host_open(2, 0);
	struct snap s;
	struct mixed m;

	ASSERT_NE(NULL, dev);
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(0, mixed_build(dev, &m));
	mixed_fill(&m, 77);
	ASSERT_EQ(0, snap_run(m.job, &s));
	ASSERT_EQ(0, npu_job_submit(m.job, NULL));
	ASSERT_EQ(0, npu_job_submit(m.job, NULL));
	npu_device_close(dev);		/* the job and BOs hold the device */
	EXPECT_EQ(0, npu_job_wait(m.job, NPU_TIMEOUT_INFINITE));
	EXPECT_EQ(-1, snap_diff(m.job, &s));
	snap_free(&s);
	mixed_free(&m);			/* the device goes now */
	EXPECT_EQ(0, LEAK_CHECK());
}

/* A job or BO freed while its job runs: the job finishes regardless. */
TEST(free_while_in_flight)
{
	struct npu_device *dev = host_open(2, 0);
	struct snap s;
	struct mixed m;
	uint64_t seq;
	void *p;
	int fd;

	ASSERT_NE(NULL, dev);
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(0, mixed_build(dev, &m));
	mixed_fill(&m, 78);
	ASSERT_EQ(0, snap_run(m.job, &s));
	fd = npu_bo_export(m.out);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, npu_job_submit(m.job, &seq));
	npu_job_free(m.job);
	m.job = NULL;
	npu_bo_free(m.out);
	npu_bo_free(m.mid);
	npu_bo_free(m.in);
	npu_bo_free(m.wts);
	EXPECT_EQ(0, npu_device_wait(dev, seq, NPU_TIMEOUT_INFINITE));
	p = mmap(NULL, MX_OUT_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(p, s.mem[3], MX_OUT_SIZE));
	munmap(p, MX_OUT_SIZE);
	close(fd);
	snap_free(&s);
	npu_device_close(dev);
	EXPECT_EQ(0, LEAK_CHECK());
}

/* What the done hook saw: the error of each seqno (1 = not seen). */
struct outcomes {
	int err[64];
	int n;
};

static void record_outcome(void *arg, uint64_t seqno, int error)
{
	struct outcomes *o = arg;

	if (seqno < 64)
		o->err[seqno] = error;
	o->n++;
}

static void outcomes_init(struct outcomes *o)
{
	int i;

	for (i = 0; i < 64; i++)
		o->err[i] = 1;
	o->n = 0;
}

/* A job of @nops GEMMs [128 x 256] x [256 x 256] over @bo (1 MiB). */
static struct npu_job *long_job(struct npu_device *dev, struct npu_bo *bo,
				int nops)
{
	struct npu_job *job = npu_job_new(dev);
	int ta, tb, ty, i;

	if (!job)
		return NULL;
	ta = add_tensor(job, bo, 0, NPU_DTYPE_F32, 2, 128, 256, 0, 0);
	tb = add_tensor(job, bo, 131072, NPU_DTYPE_F32, 2, 256, 256, 0, 0);
	ty = add_tensor(job, bo, 393216, NPU_DTYPE_F32, 2, 128, 256, 0, 0);
	for (i = 0; i < nops; i++)
		if (npu_job_op_gemm(job, ta, tb, NPU_NO_TENSOR, ty, NULL) != i)
			break;
	if (ta < 0 || tb < 0 || ty < 0 || i < nops) {
		npu_job_free(job);
		return NULL;
	}
	return job;
}

/*
 * The last reference goes while a job runs and two are queued: the running
 * job finishes (its results land in a BO shared as an fd), the queued ones
 * are dropped without running, as the kernel does on close.
 */
FIXTURE(slow) {
	int unused;
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

TEST_F_TIMEOUT(slow, close_drops_queued_jobs, 120)
{
	struct npu_device *dev = host_open(2, 600000);
	struct npu_bo *big, *b1, *b2;
	struct npu_job *a, *j1, *j2;
	int fa, f1, f2, nops, i;
	uint64_t sa, s1, s2;
	struct outcomes out;
	double t;
	struct snap s;
	float *p;

	ASSERT_NE(NULL, dev);
	big = npu_bo_alloc(dev, 1 << 20, 0);
	b1 = npu_bo_alloc(dev, 4096, 0);
	b2 = npu_bo_alloc(dev, 4096, 0);
	ASSERT_TRUE(big && b1 && b2);
	fill_f32(npu_bo_map(big), 98304, 9);

	/* calibrate: A must run for about half a second */
	a = long_job(dev, big, 1);
	ASSERT_NE(NULL, a);
	t = now_ms();
	ASSERT_EQ(0, npu_job_submit(a, NULL));
	ASSERT_EQ(0, npu_job_wait(a, NPU_TIMEOUT_INFINITE));
	t = now_ms() - t;
	npu_job_free(a);
	nops = t > 0 ? (int)(500.0 / t) + 1 : 1024;
	nops = nops < 4 ? 4 : nops > 1024 ? 1024 : nops;
	a = long_job(dev, big, nops);
	ASSERT_NE(NULL, a);
	memset((char *)npu_bo_map(big) + 393216, 0, 131072);
	ASSERT_EQ(0, snap_run(a, &s));

	for (i = 0; i < 512; i++) {	/* inputs; the outputs stay 0 */
		((float *)npu_bo_map(b1))[i] = 1.0f;
		((float *)npu_bo_map(b2))[i] = 2.0f;
	}
	j1 = relu_job(dev, b1, 0, b1, 2048, 512);
	j2 = relu_job(dev, b2, 0, b2, 2048, 512);
	ASSERT_TRUE(j1 && j2);
	fa = npu_bo_export(big);
	f1 = npu_bo_export(b1);
	f2 = npu_bo_export(b2);
	ASSERT_TRUE(fa >= 0 && f1 >= 0 && f2 >= 0);

	outcomes_init(&out);
	ASSERT_EQ(0, npu__host_set_done_hook(dev, record_outcome, &out));
	ASSERT_EQ(0, npu_job_submit(a, &sa));
	ASSERT_EQ(NPU_HOST_JOB_RUNNING, wait_running(dev, sa))
		TH_LOG("A finished too soon: %d ops", nops);
	ASSERT_EQ(0, npu_job_submit(j1, &s1));
	ASSERT_EQ(0, npu_job_submit(j2, &s2));
	npu_job_free(a);
	npu_job_free(j1);
	npu_job_free(j2);
	npu_bo_free(big);
	npu_bo_free(b1);
	npu_bo_free(b2);
	t = now_ms();
	npu_device_close(dev);	/* the last reference: waits for A */
	TH_LOG("close took %.0f ms (%d ops of A)", now_ms() - t, nops);
	EXPECT_EQ(3, out.n);
	EXPECT_EQ(0, out.err[sa]);
	EXPECT_EQ(-ESRCH, out.err[s1]);	/* as the kernel on close */
	EXPECT_EQ(-ESRCH, out.err[s2]);

	p = mmap(NULL, 1 << 20, PROT_READ, MAP_SHARED, fa, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(p, s.mem[0], 1 << 20));	/* A finished */
	munmap(p, 1 << 20);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, f1, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0.0f, p[512]);			/* dropped */
	EXPECT_EQ(1.0f, p[0]);
	munmap(p, 4096);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, f2, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0.0f, p[1023]);
	munmap(p, 4096);
	close(fa);
	close(f1);
	close(f2);
	snap_free(&s);
	EXPECT_EQ(0, LEAK_CHECK());
}

/* A hung job at close holds it for no longer than the timeout. */
TEST(close_with_hung_job)
{
	struct npu_device *dev = host_open(1, 1000);
	struct npu_bo *bo;
	struct npu_job *job;
	float *p, v = -1.0f;
	struct outcomes out;
	uint64_t seq;
	int fd, i;

	ASSERT_NE(NULL, dev);
	bo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	p = npu_bo_map(bo);
	p[0] = 3.0f;
	job = relu_job(dev, bo, 0, bo, 2048, 16);
	ASSERT_NE(NULL, job);
	fd = npu_bo_export(bo);
	ASSERT_GE(fd, 0);
	outcomes_init(&out);
	ASSERT_EQ(0, npu__host_set_done_hook(dev, record_outcome, &out));
	ASSERT_EQ(0, npu__host_inject_hang(dev, 1));
	ASSERT_EQ(0, npu_job_submit(job, &seq));
	ASSERT_EQ(NPU_HOST_JOB_RUNNING, wait_running(dev, seq));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, npu_job_submit(job, NULL));
	npu_job_free(job);
	npu_bo_free(bo);
	npu_device_close(dev);
	EXPECT_EQ(5, out.n);
	EXPECT_EQ(-ETIMEDOUT, out.err[1]);	/* ran: until its timeout */
	for (i = 2; i <= 5; i++)
		EXPECT_EQ(-ESRCH, out.err[i]);	/* dropped */
	ASSERT_EQ(4, pread(fd, &v, 4, 2048));	/* the mapping went with the BO */
	EXPECT_EQ(0.0f, v) TH_LOG("a queued job ran");
	close(fd);
	EXPECT_EQ(0, LEAK_CHECK());
}

/* ------------------------------------------------------------------ */
/* Bad input: the kernel's errnos, and nothing lost                    */

TEST(bad_jobs_are_rejected_like_the_kernel)
{
	struct npu_device *dev = host_open(2, 0), *dev2 = host_open(1, 0);
	struct npu_bo *bo = npu_bo_alloc(dev, 4096, 0), *other;
	struct npu_job *good, *job;
	struct npu_cmd_op raw;
	char msg[128];
	uint64_t seq;
	int i;

	ASSERT_TRUE(dev && dev2 && bo);
	good = relu_job(dev, bo, 0, bo, 1024, 16);
	ASSERT_NE(NULL, good);
	((float *)npu_bo_map(bo))[0] = 9.0f;
	ASSERT_EQ(0, npu_job_submit(good, &seq));
	EXPECT_EQ(1ULL, seq);

	/* an empty job (no BO) */
	job = npu_job_new(dev);
	ASSERT_NE(NULL, job);
	EXPECT_EQ(-EINVAL, npu_job_submit(job, NULL));
	npu_job_free(job);

	/* K of B differs from K of A */
	job = npu_job_new(dev);
	ASSERT_EQ(0, add_tensor(job, bo, 0, NPU_DTYPE_F32, 2, 2, 3, 0, 0));
	ASSERT_EQ(1, add_tensor(job, bo, 64, NPU_DTYPE_F32, 2, 4, 4, 0, 0));
	ASSERT_EQ(2, add_tensor(job, bo, 256, NPU_DTYPE_F32, 2, 2, 4, 0, 0));
	ASSERT_EQ(0, npu_job_op_gemm(job, 0, 1, NPU_NO_TENSOR, 2, NULL));
	EXPECT_EQ(-EINVAL, npu_job_validate(job, msg, sizeof(msg)));
	EXPECT_STREQ("op 0 (GEMM), tensor 1: GEMM K of B differs from K of A", msg);
	errno = 0;
	EXPECT_EQ(-EINVAL, npu_job_submit(job, NULL));
	EXPECT_EQ(EINVAL, errno);
	npu_job_free(job);

	/* a tensor past the end of its BO */
	job = npu_job_new(dev);
	ASSERT_EQ(0, add_tensor(job, bo, 4096 - 8, NPU_DTYPE_F32, 1, 4, 0, 0, 0));
	ASSERT_EQ(1, add_tensor(job, bo, 0, NPU_DTYPE_F32, 1, 4, 0, 0, 0));
	ASSERT_EQ(0, npu_job_op_relu(job, 1, 0));
	EXPECT_EQ(-ERANGE, npu_job_submit(job, NULL));
	npu_job_free(job);

	/* an opcode the firmware does not know */
	job = relu_job(dev, bo, 0, bo, 1024, 16);
	memset(&raw, 0, sizeof(raw));
	raw.opcode = 0xffff;
	ASSERT_EQ(1, npu_job_op_raw(job, &raw));
	EXPECT_EQ(-EOPNOTSUPP, npu_job_validate(job, NULL, 0));
	EXPECT_EQ(-EOPNOTSUPP, npu_job_submit(job, NULL));
	npu_job_free(job);

	/* more ops than max_ops */
	job = relu_job(dev, bo, 0, bo, 1024, 16);
	for (i = 1; i <= 1024; i++)
		ASSERT_EQ(i, npu_job_op_relu(job, 0, 1));
	EXPECT_EQ(-E2BIG, npu_job_validate(job, NULL, 0));
	EXPECT_EQ(-E2BIG, npu_job_submit(job, NULL));
	npu_job_free(job);

	/* a BO of another device cannot be added */
	other = npu_bo_alloc(dev2, 4096, 0);
	ASSERT_NE(NULL, other);
	job = npu_job_new(dev);
	EXPECT_EQ(-EINVAL, npu_job_add_bo(job, other));
	npu_job_free(job);
	npu_bo_free(other);

	/* nothing lost: no seqno used, the device works, results are right */
	((float *)npu_bo_map(bo))[0] = -9.0f;
	((float *)npu_bo_map(bo))[1] = 8.0f;
	ASSERT_EQ(0, npu_job_submit(good, &seq));
	EXPECT_EQ(2ULL, seq);
	EXPECT_EQ(0, npu_job_wait(good, NPU_TIMEOUT_INFINITE));
	EXPECT_EQ(0.0f, ((float *)npu_bo_map(bo))[256]);
	EXPECT_EQ(8.0f, ((float *)npu_bo_map(bo))[257]);
	npu_job_free(good);
	npu_bo_free(bo);
	npu_device_close(dev);
	npu_device_close(dev2);
	EXPECT_EQ(0, LEAK_CHECK());
}

/* DRM_NPU_PRIO_REALTIME needs CAP_SYS_NICE, as in the kernel. */
TEST(realtime_needs_cap_sys_nice)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];
	struct npu_device *dev = host_open(1, 0);
	struct npu_bo *bo = npu_bo_alloc(dev, 4096, 0);
	struct npu_job *job = relu_job(dev, bo, 0, bo, 1024, 16);
	bool had = can_nice();
	uint64_t seq;

	ASSERT_TRUE(dev && bo && job);
	ASSERT_EQ(0, npu_job_set_priority(job, DRM_NPU_PRIO_REALTIME));
	if (had) {
		ASSERT_EQ(0, npu_job_submit(job, &seq));
		EXPECT_EQ(0, npu_job_wait(job, NPU_TIMEOUT_INFINITE));
	}
	/* drop it (this test runs in its own process) */
	ASSERT_EQ(0, syscall(SYS_capget, &h, d));
	d[0].effective &= ~(1U << CAP_SYS_NICE);
	ASSERT_EQ(0, syscall(SYS_capset, &h, d));
	ASSERT_FALSE(can_nice());
	errno = 0;
	EXPECT_EQ(-EPERM, npu_job_submit(job, NULL));
	EXPECT_EQ(EPERM, errno);
	/* the other priorities still work */
	ASSERT_EQ(0, npu_job_set_priority(job, DRM_NPU_PRIO_HIGH));
	ASSERT_EQ(0, npu_job_submit(job, &seq));
	EXPECT_EQ(had ? 2ULL : 1ULL, seq);
	EXPECT_EQ(0, npu_job_wait(job, NPU_TIMEOUT_INFINITE));
	npu_job_free(job);
	npu_bo_free(bo);
	npu_device_close(dev);
}

/* ------------------------------------------------------------------ */
/* Concurrency                                                         */

FIXTURE(conc) {
	struct npu_device *dev;
};

FIXTURE_VARIANT(conc) {
	unsigned int threads;
};

FIXTURE_VARIANT_ADD(conc, t1) { .threads = 1 };
FIXTURE_VARIANT_ADD(conc, t2) { .threads = 2 };
FIXTURE_VARIANT_ADD(conc, t4) { .threads = 4 };

FIXTURE_SETUP(conc)
{
	self->dev = host_open(variant->threads, 0);
	ASSERT_NE(NULL, self->dev);
}

FIXTURE_TEARDOWN(conc)
{
	npu_device_close(self->dev);
	EXPECT_EQ(0, LEAK_CHECK());
}

enum { CM = 16, CK = 24, CN = 8, ITERS = 25, SUBMITTERS = 4 };

struct submitter {
	struct npu_device *dev;
	struct npu_bo *weights;		/* shared, read by everyone */
	int id;
	int bad;			/* results that differ */
	int err;			/* first error */
};

static void *submitter_main(void *arg)
{
	struct submitter *s = arg;
	struct npu_bo *in = npu_bo_alloc(s->dev, 4096, 0);
	struct npu_bo *out = npu_bo_alloc(s->dev, 4096, 0);
	const float *w = npu_bo_map(s->weights);
	float a[CM * CK], want[CM * CN], *pin, *pout;
	struct npu_job *job = npu_job_new(s->dev);
	uint64_t seq;
	int it, i, ret;

	if (!in || !out || !job || !w) {
		s->err = -ENOMEM;
		goto out;
	}
	pin = npu_bo_map(in);
	pout = npu_bo_map(out);
	if (add_tensor(job, in, 0, NPU_DTYPE_F32, 2, CM, CK, 0, 0) != 0 ||
	    add_tensor(job, s->weights, 0, NPU_DTYPE_F32, 2, CK, CN, 0, 0) != 1 ||
	    add_tensor(job, out, 0, NPU_DTYPE_F32, 2, CM, CN, 0, 0) != 2 ||
	    npu_job_op_gemm(job, 0, 1, NPU_NO_TENSOR, 2, NULL) != 0) {
		s->err = -EINVAL;
		goto out;
	}
	for (it = 0; it < ITERS; it++) {
		fill_f32(a, CM * CK, (uint32_t)(s->id * 1000 + it));
		memcpy(pin, a, sizeof(a));
		memset(pout, 0xff, CM * CN * 4);
		ret = npu_job_submit(job, &seq);
		if (!ret) {
			switch (it % 3) {
			case 0:
				ret = npu_job_wait(job, NPU_TIMEOUT_INFINITE);
				break;
			case 1:
				ret = npu_bo_wait(out, NPU_TIMEOUT_INFINITE);
				break;
			default:
				ret = npu_device_wait(s->dev, seq, 60000 * MS);
				break;
			}
		}
		if (ret) {
			s->err = ret;
			break;
		}
		ref_gemm_f32(a, w, NULL, want, CM, CK, CN, false);
		for (i = 0; i < CM * CN; i++)
			s->bad += f32_bits(want[i]) != f32_bits(pout[i]);
	}
out:
	npu_job_free(job);
	npu_bo_free(in);
	npu_bo_free(out);
	return NULL;
}

struct churner {
	struct npu_device *dev;
	volatile int stop;
	int err;
	int rounds;
};

/* BOs come and go, are exported and imported, engines are read. */
static void *churner_main(void *arg)
{
	struct churner *c = arg;
	struct drm_npu_engine_info e;
	struct npu_bo *bo, *again;
	uint32_t so;
	struct npu_job *job;
	int fd;

	/* at least 20 rounds, however fast the submitters are */
	while ((c->rounds < 20 || !__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) &&
	       !c->err) {
		bo = npu_bo_alloc(c->dev, 8192, 0);
		if (!bo || !npu_bo_map(bo)) {
			c->err = -errno;
			break;
		}
		fd = npu_bo_export(bo);
		again = fd >= 0 ? npu_bo_import(c->dev, fd) : NULL;
		if (again != bo)
			c->err = -EIO;
		if (fd >= 0)
			close(fd);
		npu_bo_free(again);
		job = npu_job_new(c->dev);
		if (!job || npu_job_out_syncobj(job, &so))
			c->err = -ENOMEM;
		npu_job_free(job);
		if (npu_device_query_engines(c->dev, &e, 1) != 1)
			c->err = -EIO;
		npu_bo_free(bo);
		c->rounds++;
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, submitters_and_churn, 120)
{
	struct submitter s[SUBMITTERS];
	pthread_t t[SUBMITTERS], ct;
	struct churner c = { .dev = self->dev };
	struct drm_npu_engine_info e;
	struct npu_bo *w;
	int i;

	w = npu_bo_alloc(self->dev, 4096, 0);
	ASSERT_NE(NULL, w);
	fill_f32(npu_bo_map(w), CK * CN, 42);
	ASSERT_EQ(0, pthread_create(&ct, NULL, churner_main, &c));
	for (i = 0; i < SUBMITTERS; i++) {
		s[i] = (struct submitter) { .dev = self->dev, .weights = w, .id = i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, submitter_main, &s[i]));
	}
	for (i = 0; i < SUBMITTERS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, s[i].err) TH_LOG("submitter %d", i);
		EXPECT_EQ(0, s[i].bad) TH_LOG("submitter %d", i);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	pthread_join(ct, NULL);
	EXPECT_EQ(0, c.err);
	EXPECT_GE(c.rounds, 20);
	ASSERT_EQ(1, npu_device_query_engines(self->dev, &e, 1));
	EXPECT_EQ((uint64_t)SUBMITTERS * ITERS, e.jobs_done);
	EXPECT_EQ(0U, e.queued);
	npu_bo_free(w);
}

/* Threads submit without waiting; another thread waits on their seqnos. */
struct burst {
	struct npu_device *dev;
	struct npu_job *job;
	uint64_t seqs[40];
	int err;
};

static void *burst_main(void *arg)
{
	struct burst *b = arg;
	int i, ret;

	for (i = 0; i < 40; i++) {
		ret = npu_job_submit(b->job, &b->seqs[i]);
		if (ret) {
			b->err = ret;
			break;
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, concurrent_submits_get_unique_seqnos, 120)
{
	enum { T = 3 };
	struct burst b[T];
	pthread_t t[T];
	struct npu_bo *bo[T];
	bool seen[T * 40 + 1] = { false };
	int i, j;

	for (i = 0; i < T; i++) {
		bo[i] = npu_bo_alloc(self->dev, 4096, 0);
		ASSERT_NE(NULL, bo[i]);
		((float *)npu_bo_map(bo[i]))[3] = (float)(i + 1);
		b[i] = (struct burst) { .dev = self->dev };
		b[i].job = relu_job(self->dev, bo[i], 0, bo[i], 2048, 64);
		ASSERT_NE(NULL, b[i].job);
	}
	for (i = 0; i < T; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, burst_main, &b[i]));
	for (i = 0; i < T; i++) {
		pthread_join(t[i], NULL);
		ASSERT_EQ(0, b[i].err);
	}
	for (i = 0; i < T; i++) {
		for (j = 0; j < 40; j++) {
			ASSERT_GE(b[i].seqs[j], 1ULL);
			ASSERT_LE(b[i].seqs[j], (uint64_t)T * 40);
			ASSERT_FALSE(seen[b[i].seqs[j]]);
			seen[b[i].seqs[j]] = true;
			if (j)	/* one thread's submits are ordered */
				ASSERT_LT(b[i].seqs[j - 1], b[i].seqs[j]);
			EXPECT_EQ(0, npu_device_wait(self->dev, b[i].seqs[j],
						     NPU_TIMEOUT_INFINITE));
		}
		EXPECT_EQ((float)(i + 1), ((float *)npu_bo_map(bo[i]))[515]);
		npu_job_free(b[i].job);
		npu_bo_free(bo[i]);
	}
}

TEST_HARNESS_MAIN

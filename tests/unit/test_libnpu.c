// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * Host unit tests of libnpu: everything that needs no kernel driver.
 *
 * Device-level paths run against a fake backend plugged in through the
 * private backend interface (libnpu/src/npu_priv.h): its BOs are memfds (so
 * mmap, PRIME-style export and import behave like dma-bufs), its queries
 * follow the DRM_IOCTL_NPU_QUERY size rules, and its submit runs the
 * firmware validator and interpreter in process, so a job built with the
 * public API is checked down to the numbers it computes.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sanitizer/lsan_interface.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* the harness's own functions and TEST() wrappers have unused parameters */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#ifndef __clang__
/* its fixture wrappers keep locals across vfork(): harmless there */
#pragma GCC diagnostic ignored "-Wclobbered"
#endif
#include "fw_scratch.h"
#include "kselftest_harness.h"

#include <npu/npu.h>
#include "npu_priv.h"
#include "../../firmware/npu_fw.h"
#include "libnpu_ref.h"

#define FAKE_MAX_BOS	256
#define FAKE_PAGE	4096

struct fake_bo {
	int fd;		/* memfd, -1 when the handle is closed */
	uint64_t size;
	ino_t ino;
};

/**
 * struct fake - state of the fake backend (lives in the fixture)
 * @bos: BOs by handle - 1
 * @engine_entry_size: entry size the engines answer uses
 * @engines_malformed: report more entries than the answer holds
 * @wait_error: error the next waits return
 * @last: copy of the latest submit
 */
struct fake {
	struct fake_bo bos[FAKE_MAX_BOS];
	uint32_t nbos;
	struct drm_npu_query_limits limits;
	uint32_t engine_entry_size;
	bool engines_malformed;
	uint64_t seqno;
	int wait_error;
	uint64_t last_wait_seqno;
	uint32_t last_wait_handle;
	int64_t last_wait_timeout;
	int submits;
	struct {
		void *cmd;
		uint32_t cmd_size;
		uint32_t handles[NPU_FW_MAX_BOS];
		uint32_t nbos;
		uint32_t in[16];
		uint32_t nin;
		uint32_t out;
		uint32_t prio;
	} last;
	uint32_t next_syncobj;
	int syncobjs_live;
	int maps_live;
	bool destroyed;
};

static struct fake *fake_of(struct npu_device *dev)
{
	return dev->priv;
}

static int fake_answer(const void *src, uint32_t len, void *data,
		       uint32_t *size)
{
	if (*size)
		memcpy(data, src, *size < len ? *size : len);
	*size = len;
	return 0;
}

static int fake_query(struct npu_device *dev, uint32_t id, void *data,
		      uint32_t *size)
{
	struct fake *f = fake_of(dev);

	switch (id) {
	case DRM_NPU_QUERY_VERSION: {
		struct drm_npu_query_version v = {
			.major = DRM_NPU_DRIVER_MAJOR, .minor = 7,
			.cmd_version = NPU_CMD_VERSION, .num_ops = NPU_OP_COUNT,
		};

		return fake_answer(&v, sizeof(v), data, size);
	}
	case DRM_NPU_QUERY_LIMITS:
		return fake_answer(&f->limits, sizeof(f->limits), data, size);
	case DRM_NPU_QUERY_ENGINES: {
		uint32_t es = f->engine_entry_size, len = 8 + 2 * es, i;
		struct drm_npu_engine_info e;
		unsigned char *buf = calloc(1, len);
		struct drm_npu_query_engines *h = (void *)buf;
		int ret;

		h->count = f->engines_malformed ? 3 : 2;
		h->entry_size = es;
		for (i = 0; i < 2; i++) {
			memset(&e, 0, sizeof(e));
			snprintf(e.name, sizeof(e.name), i ? "vnpu0" : "cpu");
			e.kind = i ? DRM_NPU_ENGINE_VNPU : DRM_NPU_ENGINE_CPU;
			e.flags = DRM_NPU_ENGINE_HEALTHY;
			e.ops_mask = 0x3e;
			e.jobs_done = 10 + i;
			e.busy_ns = 1000 + i;
			e.queued = 2 + i;
			e.resets = 4 + i;
			/* a newer driver's unknown trailing fields hold junk */
			memset(buf + 8 + i * es, 0xab, es);
			memcpy(buf + 8 + i * es, &e, es < sizeof(e) ? es : sizeof(e));
		}
		ret = fake_answer(buf, len, data, size);
		free(buf);
		return ret;
	}
	default:
		return -EINVAL;
	}
}

static int fake_new_handle(struct fake *f, int fd, uint32_t *handle)
{
	struct stat st;

	if (f->nbos == FAKE_MAX_BOS || fstat(fd, &st))
		return -ENOMEM;
	f->bos[f->nbos].fd = fd;
	f->bos[f->nbos].size = (uint64_t)st.st_size;
	f->bos[f->nbos].ino = st.st_ino;
	*handle = ++f->nbos;
	return 0;
}

static int fake_bo_create(struct npu_device *dev, uint64_t size,
			  uint32_t flags, uint32_t *handle)
{
	struct fake *f = fake_of(dev);
	uint64_t rounded = (size + FAKE_PAGE - 1) & ~(uint64_t)(FAKE_PAGE - 1);
	int fd, ret;

	if (flags || !size)
		return -EINVAL;
	if (size > f->limits.max_bo_size)
		return -E2BIG;
	fd = memfd_create("fake-bo", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)rounded)) {
		close(fd);
		return -ENOMEM;
	}
	ret = fake_new_handle(f, fd, handle);
	if (ret)
		close(fd);
	return ret;
}

static int fake_bo_import(struct npu_device *dev, int fd, uint32_t *handle)
{
	struct fake *f = fake_of(dev);
	struct stat st;
	uint32_t i;
	int nfd, ret;

	if (fstat(fd, &st))
		return -errno;
	/* PRIME: a buffer that has a handle gets the same handle back */
	for (i = 0; i < f->nbos; i++) {
		if (f->bos[i].fd >= 0 && f->bos[i].ino == st.st_ino) {
			*handle = i + 1;
			return 0;
		}
	}
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (nfd < 0)
		return -errno;
	ret = fake_new_handle(f, nfd, handle);
	if (ret)
		close(nfd);
	return ret;
}

static struct fake_bo *fake_bo(struct fake *f, uint32_t handle)
{
	if (!handle || handle > f->nbos || f->bos[handle - 1].fd < 0)
		return NULL;
	return &f->bos[handle - 1];
}

static int fake_bo_size(struct npu_device *dev, uint32_t handle, uint64_t *size)
{
	struct fake_bo *b = fake_bo(fake_of(dev), handle);

	if (!b)
		return -ENOENT;
	*size = b->size;
	return 0;
}

static int fake_bo_export(struct npu_device *dev, uint32_t handle)
{
	struct fake_bo *b = fake_bo(fake_of(dev), handle);
	int fd;

	if (!b)
		return -ENOENT;
	fd = fcntl(b->fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

static void fake_bo_close(struct npu_device *dev, uint32_t handle)
{
	struct fake_bo *b = fake_bo(fake_of(dev), handle);

	if (b) {
		close(b->fd);
		b->fd = -1;
	}
}

static int fake_bo_map(struct npu_device *dev, uint32_t handle, uint64_t size,
		       void **addr)
{
	struct fake_bo *b = fake_bo(fake_of(dev), handle);
	void *p;

	if (!b || size != b->size)
		return -EINVAL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	fake_of(dev)->maps_live++;
	*addr = p;
	return 0;
}

static void fake_bo_unmap(struct npu_device *dev, void *addr, uint64_t size)
{
	munmap(addr, size);
	fake_of(dev)->maps_live--;
}

static int fake_bo_wait(struct npu_device *dev, uint32_t handle,
			int64_t timeout_ns)
{
	struct fake *f = fake_of(dev);

	f->last_wait_handle = handle;
	f->last_wait_timeout = timeout_ns;
	return fake_bo(f, handle) ? f->wait_error : -ENOENT;
}

/* Validate like the kernel, then run every op in process. */
static int fake_submit(struct npu_device *dev, const struct npu_submit_args *a,
		       uint64_t *seqno)
{
	struct fake *f = fake_of(dev);
	__u64 sizes[NPU_FW_MAX_BOS];
	void *vaddr[NPU_FW_MAX_BOS];
	struct npu_fw_limits lim = {
		.max_cmd_size = f->limits.max_cmd_size,
		.max_tensors = f->limits.max_tensors,
		.max_ops = f->limits.max_ops,
		.max_tensor_elems = f->limits.max_tensor_elems,
	};
	const struct npu_cmd_header *h = a->cmd;
	struct npu_fw_job job = { .cmd = a->cmd, .bo_vaddr = vaddr };
	struct npu_fw_diag diag;
	struct fake_bo *b;
	uint32_t i;
	int ret;

	f->submits++;
	free(f->last.cmd);
	f->last.cmd = malloc(a->cmd_size);
	memcpy(f->last.cmd, a->cmd, a->cmd_size);
	f->last.cmd_size = a->cmd_size;
	f->last.nbos = a->bo_count;
	memcpy(f->last.handles, a->bo_handles, a->bo_count * sizeof(uint32_t));
	f->last.nin = a->in_syncobj_count;
	if (a->in_syncobj_count)
		memcpy(f->last.in, a->in_syncobjs, a->in_syncobj_count * sizeof(uint32_t));
	f->last.out = a->out_syncobj;
	f->last.prio = a->priority;

	if (!a->bo_count || a->bo_count > f->limits.max_bos)
		return -EINVAL;
	for (i = 0; i < a->bo_count; i++) {
		b = fake_bo(f, a->bo_handles[i]);
		if (!b)
			return -ENOENT;
		sizes[i] = b->size;
	}
	ret = npu_fw_validate(a->cmd, a->cmd_size, sizes, a->bo_count, &lim, &diag);
	if (ret)
		return ret;
	for (i = 0; i < a->bo_count; i++) {
		b = fake_bo(f, a->bo_handles[i]);
		vaddr[i] = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED,
				b->fd, 0);
		if (vaddr[i] == MAP_FAILED)
			return -ENOMEM;
	}
	for (i = 0; i < h->num_ops; i++)
		npu_fw_run(&job, i, 0, npu_fw_units(&job, i), npu_test_scratch(&job));
	for (i = 0; i < a->bo_count; i++)
		munmap(vaddr[i], sizes[i]);
	*seqno = ++f->seqno;
	return 0;
}

static int fake_wait(struct npu_device *dev, uint64_t seqno, int64_t timeout_ns)
{
	struct fake *f = fake_of(dev);

	f->last_wait_seqno = seqno;
	f->last_wait_timeout = timeout_ns;
	if (!seqno || seqno > f->seqno)
		return -EINVAL;
	return f->wait_error;
}

static int fake_syncobj_create(struct npu_device *dev, uint32_t *handle)
{
	struct fake *f = fake_of(dev);

	*handle = ++f->next_syncobj;
	f->syncobjs_live++;
	return 0;
}

static void fake_syncobj_destroy(struct npu_device *dev, uint32_t handle)
{
	(void)handle;
	fake_of(dev)->syncobjs_live--;
}

static void fake_destroy(struct npu_device *dev)
{
	fake_of(dev)->destroyed = true;
}

static const struct npu_backend_ops fake_ops = {
	.query = fake_query,
	.bo_create = fake_bo_create,
	.bo_import = fake_bo_import,
	.bo_size = fake_bo_size,
	.bo_export = fake_bo_export,
	.bo_close = fake_bo_close,
	.bo_map = fake_bo_map,
	.bo_unmap = fake_bo_unmap,
	.bo_wait = fake_bo_wait,
	.submit = fake_submit,
	.wait = fake_wait,
	.syncobj_create = fake_syncobj_create,
	.syncobj_destroy = fake_syncobj_destroy,
	.destroy = fake_destroy,
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->limits.max_bo_size = 1 << 20;
	f->limits.max_cmd_size = 1 << 16;
	f->limits.max_tensors = 64;
	f->limits.max_ops = 32;
	f->limits.max_bos = 16;
	f->limits.max_in_syncobjs = 4;
	f->limits.max_tensor_elems = 1 << 16;
	f->limits.job_timeout_ms = 5000;
	f->engine_entry_size = sizeof(struct drm_npu_engine_info);
}

static void fake_fini(struct fake *f)
{
	uint32_t i;

	for (i = 0; i < f->nbos; i++)
		if (f->bos[i].fd >= 0)
			close(f->bos[i].fd);
	free(f->last.cmd);
}

static struct npu_device *fake_device(struct fake *f)
{
	struct npu_device *dev;

	dev = npu__device_new(&fake_ops, NPU_BACKEND_ACCEL, -1, "fake0", f);
	if (dev && npu__device_init(dev)) {
		npu_device_close(dev);
		return NULL;
	}
	return dev;
}

/* ------------------------------------------------------------------ */

TEST(version_and_names)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", NPU_VERSION_MAJOR,
		 NPU_VERSION_MINOR, NPU_VERSION_PATCH);
	ASSERT_STREQ(want, npu_version_string());
	ASSERT_STREQ("1.2.0", npu_version_string());
	EXPECT_STREQ("GEMM", npu_op_name(NPU_OP_GEMM));
	EXPECT_STREQ("CONV2D", npu_op_name(NPU_OP_CONV2D));
	EXPECT_STREQ("CLIP", npu_op_name(NPU_OP_CLIP));
	EXPECT_STREQ("CONV_TRANSPOSE2D", npu_op_name(NPU_OP_CONV_TRANSPOSE2D));
	EXPECT_STREQ("SOFTMAX", npu_op_name(NPU_OP_SOFTMAX));
	EXPECT_STREQ("DEQUANTIZE", npu_op_name(NPU_OP_DEQUANTIZE));
	EXPECT_STREQ("?", npu_op_name(0));
	EXPECT_STREQ("?", npu_op_name(NPU_OP_COUNT));
	EXPECT_STREQ("f32", npu_dtype_name(NPU_DTYPE_F32));
	EXPECT_STREQ("u8", npu_dtype_name(NPU_DTYPE_U8));
	EXPECT_STREQ("?", npu_dtype_name(NPU_DTYPE_COUNT));
	EXPECT_EQ(4U, npu_dtype_size(NPU_DTYPE_F32));
	EXPECT_EQ(1U, npu_dtype_size(NPU_DTYPE_I8));
	EXPECT_EQ(4U, npu_dtype_size(NPU_DTYPE_I32));
	EXPECT_EQ(0U, npu_dtype_size(NPU_DTYPE_COUNT));
	EXPECT_STREQ("accel", npu_backend_name(NPU_BACKEND_ACCEL));
	EXPECT_STREQ("host", npu_backend_name(NPU_BACKEND_HOST));
	EXPECT_STREQ("?", npu_backend_name(9));
}

TEST(opts_macro_zero_fills)
{
	NPU_OPTS(npu_conv2d_opts, o, .groups = 2);
	const unsigned char *p = (const void *)&o;
	size_t i;

	ASSERT_EQ(sizeof(o), o.size);
	ASSERT_EQ(2U, o.groups);
	for (i = offsetof(struct npu_conv2d_opts, stride_h); i < sizeof(o); i++)
		if (i < offsetof(struct npu_conv2d_opts, groups) ||
		    i >= offsetof(struct npu_conv2d_opts, groups) + 4)
			ASSERT_EQ(0, p[i]);
}

TEST(open_nonexistent_path)
{
	errno = 0;
	ASSERT_NULL(npu_device_open("/nonexistent/accel/accel0", NULL));
	ASSERT_EQ(ENOENT, errno);
}

TEST(open_not_a_drm_device)
{
	errno = 0;
	ASSERT_NULL(npu_device_open("/dev/null", NULL));
	ASSERT_EQ(ENODEV, errno);
}

TEST(open_path_too_long)
{
	char path[NPU_PATH_MAX + 8];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	errno = 0;
	ASSERT_NULL(npu_device_open(path, NULL));
	ASSERT_EQ(ENAMETOOLONG, errno);
}

/* Option errors are reported before the path is touched (else: ENOENT). */
TEST(open_bad_opts)
{
	const char *path = "/nonexistent/accel0";
	struct {
		struct npu_device_opts o;
		uint64_t future;
	} big;

	NPU_OPTS(npu_device_opts, host, .backend = NPU_BACKEND_HOST);
	NPU_OPTS(npu_device_opts, unknown, .backend = 42);
	NPU_OPTS(npu_device_opts, accel, .backend = NPU_BACKEND_ACCEL);
	struct npu_device_opts small = { .size = 4 };

	/* the host backend has no device node (tests/unit/test_host.c) */
	errno = 0;
	ASSERT_NULL(npu_device_open(path, &host));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_NULL(npu_device_open(path, &unknown));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_NULL(npu_device_open(path, &small));
	EXPECT_EQ(EINVAL, errno);

	/* a newer caller's struct: unknown fields must be zero */
	memset(&big, 0, sizeof(big));
	big.o.size = sizeof(big);
	big.future = 1;
	ASSERT_NULL(npu_device_open(path, &big.o));
	EXPECT_EQ(EINVAL, errno);
	big.future = 0;
	ASSERT_NULL(npu_device_open(path, &big.o));
	EXPECT_EQ(ENOENT, errno);

	ASSERT_NULL(npu_device_open(path, &accel));
	EXPECT_EQ(ENOENT, errno);
}

TEST(open_first_device_when_none)
{
	int n = npu_device_count();

	ASSERT_GE(n, 0);
	if (n > 0)
		SKIP(return, "this machine has %d npu device(s)", n);
	errno = 0;
	ASSERT_NULL(npu_device_open(NULL, NULL));
	ASSERT_EQ(ENODEV, errno);
}

TEST(null_arguments)
{
	struct drm_npu_query_version v;
	struct drm_npu_query_limits l;
	char buf[NPU_PATH_MAX];

	errno = 0;
	EXPECT_EQ(-EINVAL, npu_device_fd(NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NULL(npu_device_path(NULL));
	EXPECT_EQ(-EINVAL, npu_device_backend(NULL));
	EXPECT_EQ(-EINVAL, npu_device_query_version(NULL, &v));
	EXPECT_EQ(-EINVAL, npu_device_query_limits(NULL, &l));
	EXPECT_EQ(-EINVAL, npu_device_query_engines(NULL, NULL, 0));
	EXPECT_EQ(-EINVAL, npu_device_wait(NULL, 1, 0));
	EXPECT_EQ(-EINVAL, npu_device_path_at(0, NULL, sizeof(buf)));
	EXPECT_EQ(-EINVAL, npu_device_path_at(0, buf, 0));
	errno = 0;
	EXPECT_NULL(npu_bo_alloc(NULL, 4096, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NULL(npu_bo_import(NULL, 0));
	EXPECT_NULL(npu_bo_map(NULL));
	EXPECT_EQ(-EINVAL, npu_bo_export(NULL));
	EXPECT_EQ(-EINVAL, npu_bo_wait(NULL, 0));
	EXPECT_EQ(0U, npu_bo_size(NULL));
	EXPECT_EQ(0U, npu_bo_handle(NULL));
	EXPECT_NULL(npu_job_new(NULL));
	EXPECT_EQ(-EINVAL, npu_job_add_bo(NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_job_add_tensor(NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_job_op_gemm(NULL, 0, 1, -1, 2, NULL));
	EXPECT_EQ(-EINVAL, npu_job_op_conv2d(NULL, 0, 1, -1, 2, NULL));
	EXPECT_EQ(-EINVAL, npu_job_op_add(NULL, 0, 1, 2, NULL));
	EXPECT_EQ(-EINVAL, npu_job_op_relu(NULL, 0, 1));
	EXPECT_EQ(-EINVAL, npu_job_op_clip(NULL, 0, 1, 0.0f, 1.0f));
	EXPECT_EQ(-EINVAL, npu_job_op_raw(NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_job_set_priority(NULL, DRM_NPU_PRIO_LOW));
	EXPECT_EQ(-EINVAL, npu_job_add_in_fence(NULL, 1));
	EXPECT_EQ(-EINVAL, npu_job_submit(NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_job_wait(NULL, 0));
	EXPECT_EQ(-EINVAL, npu_job_out_syncobj(NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_job_validate(NULL, buf, sizeof(buf)));
	EXPECT_STREQ("no job", buf);
	/* freeing NULL is a no-op */
	npu_device_close(NULL);
	npu_bo_free(NULL);
	npu_job_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Enumeration on a fake /sys/class/accel                              */

FIXTURE(sysfs) {
	char root[64];
	char sysfs[96];
	char dev[96];
};

static void mk_accel(const char *sysfs, const char *name, const char *driver)
{
	char p[256], t[256];

	snprintf(p, sizeof(p), "%s/%s", sysfs, name);
	mkdir(p, 0755);
	if (!driver)
		return;
	snprintf(p, sizeof(p), "%s/%s/device", sysfs, name);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s/device/driver", sysfs, name);
	snprintf(t, sizeof(t), "../../../../bus/platform/drivers/%s", driver);
	if (symlink(t, p))
		perror("symlink");
}

FIXTURE_SETUP(sysfs)
{
	snprintf(self->root, sizeof(self->root), "/tmp/npu-unit-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	snprintf(self->sysfs, sizeof(self->sysfs), "%s/accel", self->root);
	snprintf(self->dev, sizeof(self->dev), "%s/dev", self->root);
	ASSERT_EQ(0, mkdir(self->sysfs, 0755));
	mk_accel(self->sysfs, "accel10", "npu");
	mk_accel(self->sysfs, "accel2", "npu");
	mk_accel(self->sysfs, "accel0", "npu");
	mk_accel(self->sysfs, "accel1", "ivpu");	/* other driver, no node */
	mk_accel(self->sysfs, "accel3", NULL);		/* no driver link, no node */
	mk_accel(self->sysfs, "accelX", "npu");	/* not an accel minor */
	mk_accel(self->sysfs, "card0", "npu");
}

FIXTURE_TEARDOWN(sysfs)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->root);
	if (system(cmd))
		perror("rm");
}

TEST_F(sysfs, enumerates_npu_devices_by_minor)
{
	char buf[NPU_PATH_MAX], want[128];

	ASSERT_EQ(3, npu__enum_devices(self->sysfs, self->dev, 0, NULL, 0));
	ASSERT_EQ(3, npu__enum_devices(self->sysfs, self->dev, 0, buf, sizeof(buf)));
	snprintf(want, sizeof(want), "%s/accel0", self->dev);
	ASSERT_STREQ(want, buf);
	ASSERT_EQ(3, npu__enum_devices(self->sysfs, self->dev, 1, buf, sizeof(buf)));
	snprintf(want, sizeof(want), "%s/accel2", self->dev);
	ASSERT_STREQ(want, buf);
	ASSERT_EQ(3, npu__enum_devices(self->sysfs, self->dev, 2, buf, sizeof(buf)));
	snprintf(want, sizeof(want), "%s/accel10", self->dev);
	ASSERT_STREQ(want, buf);
	ASSERT_EQ(-ENODEV, npu__enum_devices(self->sysfs, self->dev, 3, buf, sizeof(buf)));
	ASSERT_EQ(-ERANGE, npu__enum_devices(self->sysfs, self->dev, 0, buf, 8));
}

TEST_F(sysfs, no_accel_class_means_no_device)
{
	char buf[NPU_PATH_MAX], missing[128];

	snprintf(missing, sizeof(missing), "%s/nothing", self->root);
	ASSERT_EQ(0, npu__enum_devices(missing, self->dev, 0, NULL, 0));
	ASSERT_EQ(-ENODEV, npu__enum_devices(missing, self->dev, 0, buf, sizeof(buf)));
}

/* ------------------------------------------------------------------ */
/* Devices, BOs and jobs on the fake backend                           */

FIXTURE(fakedev) {
	struct fake fake;
	struct npu_device *dev;
};

FIXTURE_SETUP(fakedev)
{
	fake_init(&self->fake);
	self->dev = fake_device(&self->fake);
	ASSERT_NE(NULL, self->dev);
}

FIXTURE_TEARDOWN(fakedev)
{
	npu_device_close(self->dev);
	/* everything the tests made is freed by now: the device is gone */
	EXPECT_TRUE(self->fake.destroyed);
	EXPECT_EQ(0, self->fake.syncobjs_live);
	EXPECT_EQ(0, self->fake.maps_live);
	fake_fini(&self->fake);
	EXPECT_EQ(0, __lsan_do_recoverable_leak_check());
}

TEST_F(fakedev, queries)
{
	struct drm_npu_query_version v;
	struct drm_npu_query_limits l;
	struct drm_npu_engine_info e[4];

	ASSERT_EQ(0, npu_device_query_version(self->dev, &v));
	EXPECT_EQ((uint32_t)DRM_NPU_DRIVER_MAJOR, v.major);
	EXPECT_EQ(7U, v.minor);
	EXPECT_EQ((uint32_t)NPU_OP_COUNT, v.num_ops);
	ASSERT_EQ(0, npu_device_query_limits(self->dev, &l));
	EXPECT_EQ(0, memcmp(&l, &self->fake.limits, sizeof(l)));
	EXPECT_EQ(-1, npu_device_fd(self->dev));
	EXPECT_STREQ("fake0", npu_device_path(self->dev));
	EXPECT_EQ(NPU_BACKEND_ACCEL, npu_device_backend(self->dev));

	ASSERT_EQ(2, npu_device_query_engines(self->dev, NULL, 0));
	memset(e, 0x55, sizeof(e));
	ASSERT_EQ(2, npu_device_query_engines(self->dev, e, 1));
	EXPECT_STREQ("cpu", e[0].name);
	EXPECT_EQ(0x55555555U, e[1].kind);	/* beyond max: untouched */
	ASSERT_EQ(2, npu_device_query_engines(self->dev, e, 4));
	EXPECT_STREQ("vnpu0", e[1].name);
	EXPECT_EQ((uint32_t)DRM_NPU_ENGINE_VNPU, e[1].kind);
	EXPECT_EQ(DRM_NPU_ENGINE_HEALTHY, e[1].flags);
	EXPECT_EQ(0x3eULL, e[1].ops_mask);
	EXPECT_EQ(11ULL, e[1].jobs_done);
	EXPECT_EQ(1001ULL, e[1].busy_ns);
	EXPECT_EQ(3U, e[1].queued);
	EXPECT_EQ(5U, e[1].resets);
	EXPECT_EQ(0ULL, e[1].reserved[3]);
}

TEST_F(fakedev, engines_of_newer_and_older_drivers)
{
	struct drm_npu_engine_info e[2];

	/* newer: 128-byte entries; the unknown tail is dropped */
	self->fake.engine_entry_size = 128;
	ASSERT_EQ(2, npu_device_query_engines(self->dev, e, 2));
	EXPECT_STREQ("vnpu0", e[1].name);
	EXPECT_EQ(11ULL, e[1].jobs_done);
	EXPECT_EQ(0ULL, e[1].reserved[0]);

	/* older: 48-byte entries end after busy_ns; the rest reads as 0 */
	self->fake.engine_entry_size = 48;
	ASSERT_EQ(2, npu_device_query_engines(self->dev, e, 2));
	EXPECT_STREQ("vnpu0", e[1].name);
	EXPECT_EQ(1001ULL, e[1].busy_ns);
	EXPECT_EQ(0U, e[1].queued);
	EXPECT_EQ(0U, e[1].resets);

	/* an answer that does not hold the entries it announces */
	self->fake.engines_malformed = true;
	errno = 0;
	ASSERT_EQ(-EPROTO, npu_device_query_engines(self->dev, e, 2));
	ASSERT_EQ(EPROTO, errno);
	self->fake.engines_malformed = false;
	ASSERT_EQ(2, npu_device_query_engines(self->dev, e, 2));
}

TEST_F(fakedev, bo_alloc_map_free)
{
	struct npu_bo *bo;
	unsigned char *p;
	size_t i;

	bo = npu_bo_alloc(self->dev, 100, 0);
	ASSERT_NE(NULL, bo);
	EXPECT_EQ(4096ULL, npu_bo_size(bo));
	EXPECT_NE(0U, npu_bo_handle(bo));
	p = npu_bo_map(bo);
	ASSERT_NE(NULL, p);
	ASSERT_EQ((void *)p, npu_bo_map(bo));	/* mapped once */
	EXPECT_EQ(1, self->fake.maps_live);
	for (i = 0; i < 4096; i++)
		ASSERT_EQ(0, p[i]);
	memset(p, 0x5a, 4096);
	npu_bo_free(bo);
	EXPECT_EQ(0, self->fake.maps_live);

	errno = 0;
	EXPECT_NULL(npu_bo_alloc(self->dev, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NULL(npu_bo_alloc(self->dev, 4096, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NULL(npu_bo_alloc(self->dev, (1 << 20) + 1, 0));
	EXPECT_EQ(E2BIG, errno);

	/* the device still works after the failures */
	bo = npu_bo_alloc(self->dev, 1 << 20, 0);
	ASSERT_NE(NULL, bo);
	npu_bo_free(bo);
}

TEST_F(fakedev, bo_export_import)
{
	struct npu_bo *bo, *again, *foreign;
	int fd, mfd;
	char *p, *q;

	bo = npu_bo_alloc(self->dev, 8192, 0);
	ASSERT_NE(NULL, bo);
	p = npu_bo_map(bo);
	ASSERT_NE(NULL, p);
	strcpy(p, "shared");

	fd = npu_bo_export(bo);
	ASSERT_GE(fd, 0);
	ASSERT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* re-importing our own buffer gives the same object, one more ref */
	again = npu_bo_import(self->dev, fd);
	ASSERT_EQ(bo, again);
	close(fd);
	npu_bo_free(again);
	ASSERT_STREQ("shared", p);		/* still alive and mapped */
	EXPECT_EQ(8192ULL, npu_bo_size(bo));

	/* a buffer from elsewhere becomes a new object */
	mfd = memfd_create("camera", MFD_CLOEXEC);
	ASSERT_GE(mfd, 0);
	ASSERT_EQ(0, ftruncate(mfd, 12288));
	ASSERT_EQ(5, pwrite(mfd, "frame", 5, 0));
	foreign = npu_bo_import(self->dev, mfd);
	close(mfd);
	ASSERT_NE(NULL, foreign);
	ASSERT_NE(bo, foreign);
	EXPECT_EQ(12288ULL, npu_bo_size(foreign));
	q = npu_bo_map(foreign);
	ASSERT_NE(NULL, q);
	EXPECT_EQ(0, memcmp(q, "frame", 5));

	errno = 0;
	EXPECT_NULL(npu_bo_import(self->dev, -1));
	EXPECT_EQ(EINVAL, errno);
	npu_bo_free(foreign);
	npu_bo_free(bo);
}

TEST_F(fakedev, bo_wait)
{
	struct npu_bo *bo = npu_bo_alloc(self->dev, 4096, 0);

	ASSERT_NE(NULL, bo);
	ASSERT_EQ(0, npu_bo_wait(bo, 1234));
	EXPECT_EQ(npu_bo_handle(bo), self->fake.last_wait_handle);
	EXPECT_EQ(1234, self->fake.last_wait_timeout);
	self->fake.wait_error = -ETIME;
	errno = 0;
	EXPECT_EQ(-ETIME, npu_bo_wait(bo, 0));
	EXPECT_EQ(ETIME, errno);
	EXPECT_EQ(-EINVAL, npu_bo_wait(bo, -1));
	npu_bo_free(bo);
}

/* The device outlives npu_device_close() while BOs and jobs use it. */
TEST(device_lifetime)
{
	struct fake f;
	struct npu_device *dev;
	struct npu_job *job;
	struct npu_bo *bo;

	fake_init(&f);
	dev = fake_device(&f);
	ASSERT_NE(NULL, dev);
	bo = npu_bo_alloc(dev, 4096, 0);
	ASSERT_NE(NULL, bo);
	job = npu_job_new(dev);
	ASSERT_NE(NULL, job);
	ASSERT_EQ(0, npu_job_add_bo(job, bo));
	npu_device_close(dev);
	ASSERT_FALSE(f.destroyed);
	npu_bo_free(bo);		/* the job still holds it */
	ASSERT_NE(NULL, npu_bo_map(bo));
	ASSERT_FALSE(f.destroyed);
	npu_job_free(job);
	ASSERT_TRUE(f.destroyed);
	EXPECT_EQ(0, f.maps_live);
	fake_fini(&f);
}

/* Tensor helpers for the job tests. */
static int add_f32(struct npu_job *job, struct npu_bo *bo, uint64_t off,
		   uint32_t ndim, uint32_t d0, uint32_t d1)
{
	NPU_OPTS(npu_tensor_desc, t, .bo = bo, .offset = off,
		 .dtype = NPU_DTYPE_F32, .ndim = ndim, .shape = { d0, d1 });
	return npu_job_add_tensor(job, &t);
}

TEST_F(fakedev, encodes_the_command_stream)
{
	struct npu_bo *bo = npu_bo_alloc(self->dev, 4096, 0);
	struct npu_bo *bo2 = npu_bo_alloc(self->dev, 4096, 0);
	NPU_OPTS(npu_gemm_opts, g, .activation = NPU_ACT_CLIP,
		 .act_min = -1.5f, .act_max = 6.0f);
	NPU_OPTS(npu_tensor_desc, q, .bo = bo2, .offset = 64,
		 .dtype = NPU_DTYPE_I8, .ndim = 2, .shape = { 3, 4, 9, 9 },
		 .quant_type = NPU_QUANT_PER_TENSOR, .scale = 0.25f,
		 .zero_point = -3, .scale_tensor = 5);
	const struct npu_cmd_header *h;
	const struct npu_cmd_tensor *t;
	const struct npu_cmd_op *op;
	struct npu_job *job;
	uint32_t size;
	void *cmd;

	ASSERT_NE(NULL, bo);
	ASSERT_NE(NULL, bo2);
	job = npu_job_new(self->dev);
	ASSERT_NE(NULL, job);
	ASSERT_EQ(0, add_f32(job, bo, 0, 2, 2, 3));
	ASSERT_EQ(1, add_f32(job, bo, 64, 2, 3, 4));
	ASSERT_EQ(2, npu_job_add_tensor(job, &q));
	ASSERT_EQ(3, add_f32(job, bo, 128, 2, 2, 4));
	ASSERT_EQ(0, npu_job_op_gemm(job, 0, 1, NPU_NO_TENSOR, 3, &g));
	ASSERT_EQ(1, npu_job_op_relu(job, 3, 0));
	ASSERT_EQ(0, npu_job_add_bo(job, bo));		/* listed once */
	ASSERT_EQ(1, npu_job_add_bo(job, bo2));

	ASSERT_EQ(0, npu__job_encode(job, &cmd, &size));
	ASSERT_EQ(32U + 4 * 64 + 2 * 96, size);
	h = cmd;
	EXPECT_EQ(NPU_CMD_MAGIC, h->magic);
	EXPECT_EQ(NPU_CMD_VERSION, h->version);
	EXPECT_EQ(32, h->header_size);
	EXPECT_EQ(size, h->size);
	EXPECT_EQ(4, h->num_tensors);
	EXPECT_EQ(2, h->num_ops);
	EXPECT_EQ(32U, h->tensor_offset);
	EXPECT_EQ(32U + 4 * 64, h->op_offset);
	EXPECT_EQ(0U, h->flags);
	EXPECT_EQ(0U, h->reserved);

	t = (const void *)((const char *)cmd + h->tensor_offset);
	EXPECT_EQ(0U, t[1].bo_index);
	EXPECT_EQ(64ULL, t[1].offset);
	EXPECT_EQ((uint32_t)NPU_DTYPE_F32, t[1].dtype);
	EXPECT_EQ(NPU_CMD_NO_TENSOR, t[1].scale_tensor);
	EXPECT_EQ(1U, t[2].bo_index);
	EXPECT_EQ((uint32_t)NPU_DTYPE_I8, t[2].dtype);
	EXPECT_EQ(2U, t[2].ndim);
	EXPECT_EQ(3U, t[2].shape[0]);
	EXPECT_EQ(4U, t[2].shape[1]);
	EXPECT_EQ(0U, t[2].shape[2]);		/* past ndim: 0 */
	EXPECT_EQ(0U, t[2].shape[3]);
	EXPECT_EQ((uint32_t)NPU_QUANT_PER_TENSOR, t[2].quant_type);
	EXPECT_EQ(f32_bits(0.25f), t[2].scale);
	EXPECT_EQ(-3, t[2].zero_point);
	/* scale_tensor only means something per channel */
	EXPECT_EQ(NPU_CMD_NO_TENSOR, t[2].scale_tensor);
	EXPECT_EQ(0U, t[2].flags);

	op = (const void *)((const char *)cmd + h->op_offset);
	EXPECT_EQ(NPU_OP_GEMM, op[0].opcode);
	EXPECT_EQ(3, op[0].num_inputs);		/* bias slot counted */
	EXPECT_EQ(1, op[0].num_outputs);
	EXPECT_EQ(0U, op[0].inputs[0]);
	EXPECT_EQ(1U, op[0].inputs[1]);
	EXPECT_EQ(NPU_CMD_NO_TENSOR, op[0].inputs[2]);
	EXPECT_EQ(NPU_CMD_NO_TENSOR, op[0].inputs[3]);
	EXPECT_EQ(3U, op[0].outputs[0]);
	EXPECT_EQ(NPU_CMD_NO_TENSOR, op[0].outputs[1]);
	EXPECT_EQ((uint32_t)NPU_ACT_CLIP, op[0].gemm.activation);
	EXPECT_EQ(f32_bits(-1.5f), op[0].gemm.act_min);
	EXPECT_EQ(f32_bits(6.0f), op[0].gemm.act_max);
	EXPECT_EQ(0U, op[0].raw[4]);
	EXPECT_EQ(NPU_OP_RELU, op[1].opcode);
	EXPECT_EQ(1, op[1].num_inputs);
	EXPECT_EQ(3U, op[1].inputs[0]);
	EXPECT_EQ(NPU_CMD_NO_TENSOR, op[1].inputs[1]);
	EXPECT_EQ(0U, op[1].outputs[0]);
	free(cmd);

	npu_job_free(job);
	npu_bo_free(bo);
	npu_bo_free(bo2);
}

TEST_F(fakedev, conv2d_defaults)
{
	struct npu_bo *bo = npu_bo_alloc(self->dev, 4096, 0);
	NPU_OPTS(npu_conv2d_opts, o, .stride_w = 2, .pad_top = 1);
	struct npu_job *job = npu_job_new(self->dev);
	const struct npu_cmd_op *op;
	const struct npu_cmd_header *h;
	uint32_t size;
	void *cmd;

	ASSERT_NE(NULL, job);
	ASSERT_EQ(0, add_f32(job, bo, 0, 1, 4, 0));
	ASSERT_EQ(0, npu_job_op_conv2d(job, 0, 0, NPU_NO_TENSOR, 0, NULL));
	ASSERT_EQ(1, npu_job_op_conv2d(job, 0, 0, 0, 0, &o));
	ASSERT_EQ(0, npu__job_encode(job, &cmd, &size));
	h = cmd;
	op = (const void *)((const char *)cmd + h->op_offset);
	EXPECT_EQ(1U, op[0].conv2d.stride_h);
	EXPECT_EQ(1U, op[0].conv2d.stride_w);
	EXPECT_EQ(1U, op[0].conv2d.dilation_h);
	EXPECT_EQ(1U, op[0].conv2d.dilation_w);
	EXPECT_EQ(1U, op[0].conv2d.groups);
	EXPECT_EQ(0U, op[0].conv2d.pad_top);
	EXPECT_EQ(1U, op[1].conv2d.stride_h);
	EXPECT_EQ(2U, op[1].conv2d.stride_w);
	EXPECT_EQ(1U, op[1].conv2d.pad_top);
	EXPECT_EQ(0U, op[1].inputs[2]);
	free(cmd);
	npu_job_free(job);
	npu_bo_free(bo);
}

TEST_F(fakedev, builder_argument_checks)
{
	struct fake f2;
	struct npu_device *dev2;
	struct npu_bo *bo = npu_bo_alloc(self->dev, 4096, 0), *other;
	struct npu_job *job = npu_job_new(self->dev);
	NPU_OPTS(npu_tensor_desc, nobo, .dtype = NPU_DTYPE_F32, .ndim = 1,
		 .shape = { 4 });
	NPU_OPTS(npu_gemm_opts, gsmall);
	struct npu_tensor_desc zero_size = { 0 };
	struct {
		struct npu_tensor_desc d;
		uint64_t future;
	} big;
	struct npu_bo *many[NPU_FW_MAX_BOS + 1];
	char msg[128];
	int i;

	ASSERT_NE(NULL, bo);
	ASSERT_NE(NULL, job);
	ASSERT_EQ(0, add_f32(job, bo, 0, 1, 4, 0));

	errno = 0;
	EXPECT_EQ(-EINVAL, npu_job_add_tensor(job, &nobo));
	EXPECT_EQ(EINVAL, errno);
	zero_size.bo = bo;
	EXPECT_EQ(-EINVAL, npu_job_add_tensor(job, &zero_size));
	memset(&big, 0, sizeof(big));
	big.d.size = sizeof(big);
	big.d.bo = bo;
	big.d.offset = 64;
	big.d.ndim = 1;
	big.d.shape[0] = 4;
	big.future = 7;
	EXPECT_EQ(-EINVAL, npu_job_add_tensor(job, &big.d));
	big.future = 0;
	EXPECT_EQ(1, npu_job_add_tensor(job, &big.d));	/* zero tail: fine */

	/* tensor ids must exist; the bias alone may be NPU_NO_TENSOR */
	EXPECT_EQ(-EINVAL, npu_job_op_gemm(job, 0, 2, NPU_NO_TENSOR, 1, NULL));
	EXPECT_EQ(-EINVAL, npu_job_op_gemm(job, NPU_NO_TENSOR, 0, NPU_NO_TENSOR, 1, NULL));
	EXPECT_EQ(-EINVAL, npu_job_op_gemm(job, 0, 0, NPU_NO_TENSOR, NPU_NO_TENSOR, NULL));
	EXPECT_EQ(-EINVAL, npu_job_op_relu(job, -7, 0));
	EXPECT_EQ(-EINVAL, npu_job_op_add(job, 0, 9, 1, NULL));
	gsmall.size = 4;
	EXPECT_EQ(-EINVAL, npu_job_op_gemm(job, 0, 0, NPU_NO_TENSOR, 1, &gsmall));
	EXPECT_EQ(-EINVAL, npu_job_set_priority(job, DRM_NPU_PRIO_COUNT));
	EXPECT_EQ(-EINVAL, npu_job_add_in_fence(job, 0));
	EXPECT_EQ(-EINVAL, npu_job_op_raw(job, NULL));
	EXPECT_EQ(-EINVAL, npu_job_wait(job, 0));	/* never submitted */

	/* a BO of another device */
	fake_init(&f2);
	dev2 = fake_device(&f2);
	ASSERT_NE(NULL, dev2);
	other = npu_bo_alloc(dev2, 4096, 0);
	ASSERT_NE(NULL, other);
	EXPECT_EQ(-EINVAL, npu_job_add_bo(job, other));
	npu_bo_free(other);
	npu_device_close(dev2);
	EXPECT_TRUE(f2.destroyed);
	fake_fini(&f2);

	/* nothing above changed the job: it is still valid and runs */
	ASSERT_EQ(0, npu_job_op_relu(job, 0, 1));
	ASSERT_EQ(0, npu_job_validate(job, msg, sizeof(msg)));
	ASSERT_STREQ("", msg);
	ASSERT_EQ(0, npu_job_submit(job, NULL));
	ASSERT_EQ(0, npu_job_wait(job, 0));
	npu_job_free(job);

	/* BO list bound */
	job = npu_job_new(self->dev);
	for (i = 0; i <= NPU_FW_MAX_BOS; i++) {
		many[i] = npu_bo_alloc(self->dev, 4096, 0);
		ASSERT_NE(NULL, many[i]);
	}
	for (i = 0; i < NPU_FW_MAX_BOS; i++)
		ASSERT_EQ(i, npu_job_add_bo(job, many[i]));
	EXPECT_EQ(-E2BIG, npu_job_add_bo(job, many[NPU_FW_MAX_BOS]));
	EXPECT_EQ(5, npu_job_add_bo(job, many[5]));
	for (i = 0; i <= NPU_FW_MAX_BOS; i++)
		npu_bo_free(many[i]);
	npu_job_free(job);
	npu_bo_free(bo);
}

TEST_F(fakedev, validate_reports_exact_messages)
{
	struct npu_bo *bo = npu_bo_alloc(self->dev, 4096, 0);
	struct npu_cmd_op raw;
	struct npu_job *job;
	char msg[128], tiny[8];
	int i;

	ASSERT_NE(NULL, bo);

	/* an empty job */
	job = npu_job_new(self->dev);
	ASSERT_EQ(-EINVAL, npu_job_validate(job, msg, sizeof(msg)));
	EXPECT_STREQ("no tensors", msg);
	npu_job_free(job);

	/* K of B differs from K of A */
	job = npu_job_new(self->dev);
	ASSERT_EQ(0, add_f32(job, bo, 0, 2, 2, 3));
	ASSERT_EQ(1, add_f32(job, bo, 64, 2, 4, 4));
	ASSERT_EQ(2, add_f32(job, bo, 256, 2, 2, 4));
	ASSERT_EQ(0, npu_job_op_gemm(job, 0, 1, NPU_NO_TENSOR, 2, NULL));
	errno = 0;
	ASSERT_EQ(-EINVAL, npu_job_validate(job, msg, sizeof(msg)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_STREQ("op 0 (GEMM), tensor 1: GEMM K of B differs from K of A", msg);
	/* a short buffer gets a truncated, terminated message */
	ASSERT_EQ(-EINVAL, npu_job_validate(job, tiny, sizeof(tiny)));
	EXPECT_STREQ("op 0 (G", tiny);
	ASSERT_EQ(-EINVAL, npu_job_validate(job, NULL, 0));
	/* the kernel (here: the fake) rejects it alike */
	EXPECT_EQ(-EINVAL, npu_job_submit(job, NULL));
	npu_job_free(job);

	/* a tensor past the end of its BO */
	job = npu_job_new(self->dev);
	ASSERT_EQ(0, add_f32(job, bo, 4096 - 8, 1, 4, 0));
	ASSERT_EQ(1, add_f32(job, bo, 0, 1, 4, 0));
	ASSERT_EQ(0, npu_job_op_relu(job, 1, 0));
	ASSERT_EQ(-ERANGE, npu_job_validate(job, msg, sizeof(msg)));
	EXPECT_STREQ("tensor 0: extends past end of its BO", msg);
	npu_job_free(job);

	/* an opcode this libnpu does not know, passed raw */
	job = npu_job_new(self->dev);
	ASSERT_EQ(0, add_f32(job, bo, 0, 1, 4, 0));
	ASSERT_EQ(1, add_f32(job, bo, 64, 1, 4, 0));
	ASSERT_EQ(0, npu_job_op_relu(job, 0, 1));
	memset(&raw, 0, sizeof(raw));
	raw.opcode = NPU_OP_COUNT;
	ASSERT_EQ(1, npu_job_op_raw(job, &raw));
	ASSERT_EQ(-EOPNOTSUPP, npu_job_validate(job, msg, sizeof(msg)));
	EXPECT_STREQ("op 1 (?): unknown opcode", msg);
	npu_job_free(job);

	/* more in-fences than the device takes */
	job = npu_job_new(self->dev);
	ASSERT_EQ(0, add_f32(job, bo, 0, 1, 4, 0));
	ASSERT_EQ(1, add_f32(job, bo, 64, 1, 4, 0));
	ASSERT_EQ(0, npu_job_op_relu(job, 0, 1));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, npu_job_add_in_fence(job, 100 + i));
	ASSERT_EQ(-E2BIG, npu_job_validate(job, msg, sizeof(msg)));
	EXPECT_STREQ("the job waits for 5 syncobjs, the device allows 4", msg);
	npu_job_free(job);

	/* more ops than the device takes */
	job = npu_job_new(self->dev);
	ASSERT_EQ(0, add_f32(job, bo, 0, 1, 4, 0));
	ASSERT_EQ(1, add_f32(job, bo, 64, 1, 4, 0));
	for (i = 0; i < 33; i++)
		ASSERT_EQ(i, npu_job_op_relu(job, 0, 1));
	ASSERT_EQ(-E2BIG, npu_job_validate(job, msg, sizeof(msg)));
	EXPECT_STREQ("num_ops above max_ops", msg);
	npu_job_free(job);

	npu_bo_free(bo);
}

/* With NPU_DEBUG=1 a rejected submit says why, on stderr. */
TEST_F(fakedev, debug_explains_rejected_submit)
{
	struct npu_bo *bo = npu_bo_alloc(self->dev, 4096, 0);
	struct npu_job *job = npu_job_new(self->dev);
	char log[4096] = "";
	int pipefd[2], saved;
	ssize_t n;

	ASSERT_EQ(0, add_f32(job, bo, 0, 2, 2, 3));
	ASSERT_EQ(1, add_f32(job, bo, 64, 2, 2, 4));
	ASSERT_EQ(0, npu_job_op_relu(job, 0, 1));
	ASSERT_EQ(0, setenv("NPU_DEBUG", "1", 1));
	ASSERT_EQ(0, pipe2(pipefd, O_NONBLOCK));
	saved = dup(2);
	dup2(pipefd[1], 2);
	EXPECT_EQ(-EINVAL, npu_job_submit(job, NULL));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(pipefd[1]);
	n = read(pipefd[0], log, sizeof(log) - 1);
	close(pipefd[0]);
	ASSERT_GT(n, 0);
	log[n] = '\0';
	EXPECT_NE(NULL, strstr(log, "libnpu: fake0: submit (2 tensors, 1 ops, 1 BOs"));
	EXPECT_NE(NULL, strstr(log, "libnpu: validator: op 0 (RELU), tensor 1: Y shape differs from X"));
	npu_job_free(job);
	npu_bo_free(bo);
}

TEST_F(fakedev, gemm_f32_runs_and_matches_host)
{
	static const float a[2 * 3] = { 1, -2, 3, 0.5f, 4, -1 };
	static const float b[3 * 4] = { 1, 0, -1, 2, 0.25f, 1, 1, -3, 2, -2, 0, 1 };
	static const float bias[4] = { 0.5f, -1, 0, -10 };
	struct npu_bo *in = npu_bo_alloc(self->dev, 4096, 0);
	struct npu_bo *out = npu_bo_alloc(self->dev, 4096, 0);
	NPU_OPTS(npu_gemm_opts, g, .activation = NPU_ACT_RELU);
	NPU_OPTS(npu_tensor_desc, tb, .dtype = NPU_DTYPE_F32, .ndim = 1,
		 .shape = { 4 });
	struct npu_job *job = npu_job_new(self->dev);
	float want[8], *y;
	char *pin;
	uint32_t so;
	uint64_t seq, seq2;
	int ta, tw, tbias, ty, i;

	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, out);
	pin = npu_bo_map(in);
	ASSERT_NE(NULL, pin);
	memcpy(pin, a, sizeof(a));
	memcpy(pin + 64, b, sizeof(b));
	memcpy(pin + 128, bias, sizeof(bias));
	tb.bo = in;
	tb.offset = 128;
	ta = add_f32(job, in, 0, 2, 2, 3);
	tw = add_f32(job, in, 64, 2, 3, 4);
	tbias = npu_job_add_tensor(job, &tb);
	ty = add_f32(job, out, 0, 2, 2, 4);
	ASSERT_EQ(3, ty);
	ASSERT_EQ(0, npu_job_op_gemm(job, ta, tw, tbias, ty, &g));
	ASSERT_EQ(0, npu_job_set_priority(job, DRM_NPU_PRIO_HIGH));
	ASSERT_EQ(0, npu_job_add_in_fence(job, 77));
	ASSERT_EQ(0, npu_job_out_syncobj(job, &so));
	ASSERT_NE(0U, so);
	ASSERT_EQ(0, npu_job_validate(job, NULL, 0));
	ASSERT_EQ(0, npu_job_submit(job, &seq));
	ASSERT_EQ(1ULL, seq);
	ASSERT_EQ(0, npu_job_wait(job, NPU_TIMEOUT_INFINITE));
	EXPECT_EQ(1ULL, self->fake.last_wait_seqno);
	EXPECT_EQ(NPU_TIMEOUT_INFINITE, self->fake.last_wait_timeout);

	/* what reached the backend */
	EXPECT_EQ(2U, self->fake.last.nbos);
	EXPECT_EQ(npu_bo_handle(in), self->fake.last.handles[0]);
	EXPECT_EQ(npu_bo_handle(out), self->fake.last.handles[1]);
	EXPECT_EQ(1U, self->fake.last.nin);
	EXPECT_EQ(77U, self->fake.last.in[0]);
	EXPECT_EQ(so, self->fake.last.out);
	EXPECT_EQ((uint32_t)DRM_NPU_PRIO_HIGH, self->fake.last.prio);

	ref_gemm_f32(a, b, bias, want, 2, 3, 4, true);
	y = npu_bo_map(out);
	ASSERT_NE(NULL, y);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(f32_bits(want[i]), f32_bits(y[i]));
	/* some outputs are clamped by the ReLU, some are not */
	EXPECT_EQ(0.0f, y[1]);
	EXPECT_EQ(7.0f, y[0]);

	/* a job can run again; the out syncobj stays the same */
	memset(y, 0, 32);
	ASSERT_EQ(0, npu_job_submit(job, &seq2));
	ASSERT_EQ(seq + 1, seq2);
	EXPECT_EQ(so, self->fake.last.out);
	EXPECT_EQ(7.0f, y[0]);
	ASSERT_EQ(0, npu_device_wait(self->dev, seq2, 0));
	EXPECT_EQ(-EINVAL, npu_device_wait(self->dev, seq2, -5));

	/* the job's error comes back from the wait */
	self->fake.wait_error = -ETIMEDOUT;
	errno = 0;
	EXPECT_EQ(-ETIMEDOUT, npu_job_wait(job, 1000));
	EXPECT_EQ(ETIMEDOUT, errno);
	self->fake.wait_error = 0;

	npu_job_free(job);
	npu_bo_free(in);
	npu_bo_free(out);
}

/* Per-channel I8 weights exercise scale_tensor encoding end to end. */
TEST_F(fakedev, conv2d_int8_per_channel_runs_and_matches_host)
{
	enum { C = 2, H = 4, W = 4, OC = 3, K = 3 };
	int8_t x[C * H * W], wt[OC * C * K * K], y_want[OC * H * W];
	static const float sw[OC] = { 0.02f, 0.05f, 0.011f };
	static const int32_t bias[OC] = { 40, -300, 7 };
	const float sx = 0.5f, sy = 2.0f;
	const int zx = -3, zy = 5;
	struct npu_bo *bo = npu_bo_alloc(self->dev, 4096, 0);
	struct npu_bo *ybo = npu_bo_alloc(self->dev, 4096, 0);
	struct npu_job *job = npu_job_new(self->dev);
	NPU_OPTS(npu_tensor_desc, tx, .bo = bo, .offset = 0,
		 .dtype = NPU_DTYPE_I8, .ndim = 4, .shape = { 1, C, H, W },
		 .quant_type = NPU_QUANT_PER_TENSOR, .scale = sx, .zero_point = zx);
	NPU_OPTS(npu_tensor_desc, tsc, .bo = bo, .offset = 256,
		 .dtype = NPU_DTYPE_F32, .ndim = 1, .shape = { OC });
	NPU_OPTS(npu_tensor_desc, tw, .bo = bo, .offset = 512,
		 .dtype = NPU_DTYPE_I8, .ndim = 4, .shape = { OC, C, K, K },
		 .quant_type = NPU_QUANT_PER_CHANNEL, .quant_axis = 0);
	NPU_OPTS(npu_tensor_desc, tb, .bo = bo, .offset = 1024,
		 .dtype = NPU_DTYPE_I32, .ndim = 1, .shape = { OC });
	NPU_OPTS(npu_tensor_desc, ty, .bo = ybo, .offset = 0,
		 .dtype = NPU_DTYPE_I8, .ndim = 4, .shape = { 1, OC, H, W },
		 .quant_type = NPU_QUANT_PER_TENSOR, .scale = sy, .zero_point = zy);
	NPU_OPTS(npu_conv2d_opts, co, .pad_top = 1, .pad_left = 1,
		 .pad_bottom = 1, .pad_right = 1, .activation = NPU_ACT_RELU);
	char msg[128], *p;
	int8_t *y;
	int i, xs, ws, sc, bs, ys, lo = 0, hi = 0;

	for (i = 0; i < C * H * W; i++)
		x[i] = (int8_t)((i * 37) % 256 - 128);
	for (i = 0; i < OC * C * K * K; i++)
		wt[i] = (int8_t)((i * 53 + 11) % 255 - 127);
	p = npu_bo_map(bo);
	ASSERT_NE(NULL, p);
	memcpy(p, x, sizeof(x));
	memcpy(p + 256, sw, sizeof(sw));
	memcpy(p + 512, wt, sizeof(wt));
	memcpy(p + 1024, bias, sizeof(bias));

	xs = npu_job_add_tensor(job, &tx);
	sc = npu_job_add_tensor(job, &tsc);
	tw.scale_tensor = sc;
	ws = npu_job_add_tensor(job, &tw);
	bs = npu_job_add_tensor(job, &tb);
	ys = npu_job_add_tensor(job, &ty);
	ASSERT_EQ(4, ys);
	ASSERT_EQ(0, npu_job_op_conv2d(job, xs, ws, bs, ys, &co));
	ASSERT_EQ(0, npu_job_validate(job, msg, sizeof(msg)));
	ASSERT_EQ(0, npu_job_submit(job, NULL));
	ASSERT_EQ(0, npu_job_wait(job, 0));

	ref_conv_q8(x, C, H, W, sx, zx, wt, OC, K, sw, bias, 1, y_want, sy, zy, true);
	y = npu_bo_map(ybo);
	ASSERT_NE(NULL, y);
	for (i = 0; i < OC * H * W; i++) {
		ASSERT_EQ(y_want[i], y[i]);
		lo += y[i] == zy;
		hi += y[i] == 127;
	}
	/* the data exercises the ReLU floor and the saturation, and more */
	EXPECT_GT(lo, 0);
	EXPECT_GT(hi, 0);
	EXPECT_GT(OC * H * W - lo - hi, 8);

	npu_job_free(job);
	npu_bo_free(bo);
	npu_bo_free(ybo);
}

TEST_F(fakedev, add_and_clip_f32)
{
	static const float a[6] = { -3, -1, 0, 1, 2, 9 };
	static const float b[3] = { 1, 0.5f, -4 };
	static const float want[6] = { -2, -0.5f, -4, 2, 2.5f, 5 };
	struct npu_bo *bo = npu_bo_alloc(self->dev, 4096, 0);
	NPU_OPTS(npu_add_opts, ao);
	struct npu_job *job = npu_job_new(self->dev);
	float *p;
	int i;

	p = npu_bo_map(bo);
	ASSERT_NE(NULL, p);
	memcpy(p, a, sizeof(a));
	memcpy(p + 16, b, sizeof(b));
	ASSERT_EQ(0, add_f32(job, bo, 0, 2, 2, 3));
	ASSERT_EQ(1, add_f32(job, bo, 64, 1, 3, 0));	/* broadcast [3] */
	ASSERT_EQ(2, add_f32(job, bo, 128, 2, 2, 3));
	ASSERT_EQ(3, add_f32(job, bo, 192, 2, 2, 3));
	ASSERT_EQ(4, add_f32(job, bo, 256, 2, 2, 3));
	ASSERT_EQ(0, npu_job_op_add(job, 0, 1, 2, &ao));
	ASSERT_EQ(1, npu_job_op_clip(job, 2, 3, -1.0f, 2.25f));
	ASSERT_EQ(2, npu_job_op_relu(job, 2, 4));
	ASSERT_EQ(0, npu_job_submit(job, NULL));
	for (i = 0; i < 6; i++) {
		EXPECT_EQ(f32_bits(want[i]), f32_bits(p[32 + i]));
		EXPECT_EQ(f32_bits(fminf(fmaxf(want[i], -1.0f), 2.25f)),
			  f32_bits(p[48 + i]));
		EXPECT_EQ(f32_bits(want[i] < 0 ? 0.0f : want[i]), f32_bits(p[64 + i]));
	}
	npu_job_free(job);
	npu_bo_free(bo);
}

TEST_HARNESS_MAIN

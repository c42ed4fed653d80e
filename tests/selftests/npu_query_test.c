// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * DRM_IOCTL_NPU_QUERY and the device identity: version, limits, engines,
 * the size protocol (size 0 asks, short sizes truncate), hostile arguments.
 */
#include "npu_harness.h"

FIXTURE(query) {
	int fd;
};

FIXTURE_SETUP(query)
{
	self->fd = npu_open();
	if (self->fd == -ENODEV)
		SKIP(return, "no npu device (is npu.ko loaded?)");
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(query)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int raw_query(int fd, uint32_t id, uint32_t size, uint64_t data,
		     uint32_t flags, uint32_t pad, uint32_t *size_out)
{
	struct drm_npu_query q = {
		.query = id, .size = size, .data = data, .flags = flags,
		.pad = pad,
	};
	int ret = npu_ioctl(fd, DRM_IOCTL_NPU_QUERY, &q);

	if (size_out)
		*size_out = q.size;
	return ret;
}

TEST_F(query, drm_version_name_is_npu)
{
	char name[64];
	int major = -1, minor = -1;

	ASSERT_EQ(0, npu_drm_version(self->fd, name, sizeof(name), &major,
				     &minor));
	ASSERT_STREQ("npu", name);
	ASSERT_LE(0, major);
	ASSERT_LE(0, minor);
}

TEST_F(query, accel_node)
{
	struct stat st;

	/* accel nodes are char devices of major ACCEL_MAJOR (261) */
	ASSERT_EQ(0, fstat(self->fd, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(261, major(st.st_rdev));
}

TEST_F(query, version)
{
	struct drm_npu_query_version v;
	uint32_t size = 0;

	ASSERT_EQ(0, npu_query(self->fd, DRM_NPU_QUERY_VERSION, NULL, &size));
	ASSERT_EQ(sizeof(v), size);

	memset(&v, 0xff, sizeof(v));
	ASSERT_EQ(0, npu_query(self->fd, DRM_NPU_QUERY_VERSION, &v, &size));
	ASSERT_EQ(sizeof(v), size);
	ASSERT_EQ(DRM_NPU_DRIVER_MAJOR, v.major);
	ASSERT_LE(DRM_NPU_DRIVER_MINOR, v.minor);
	ASSERT_LE(NPU_CMD_VERSION, v.cmd_version);
	ASSERT_LE(NPU_OP_COUNT, v.num_ops);
	/* opcodes are a small append-only enum, not garbage */
	ASSERT_GT(64, v.num_ops);
}

TEST_F(query, limits)
{
	struct drm_npu_query_limits l;
	uint32_t size = 0;

	ASSERT_EQ(0, npu_query(self->fd, DRM_NPU_QUERY_LIMITS, NULL, &size));
	ASSERT_EQ(sizeof(l), size);

	memset(&l, 0xff, sizeof(l));
	ASSERT_EQ(0, npu_query(self->fd, DRM_NPU_QUERY_LIMITS, &l, &size));
	ASSERT_EQ(sizeof(l), size);
	ASSERT_LE(4096, l.max_bo_size);
	ASSERT_EQ(0, l.max_bo_size % 4096);
	ASSERT_LE(sizeof(struct npu_cmd_header) + sizeof(struct npu_cmd_tensor) +
		  sizeof(struct npu_cmd_op), l.max_cmd_size);
	ASSERT_LE(3, l.max_tensors);
	ASSERT_GE(0xffff, l.max_tensors);	/* num_tensors is __u16 */
	ASSERT_LE(1, l.max_ops);
	ASSERT_GE(0xffff, l.max_ops);		/* num_ops is __u16 */
	ASSERT_LE(2, l.max_bos);
	ASSERT_GE(64, l.max_bos);		/* NPU_FW_MAX_BOS */
	ASSERT_LE(1, l.max_in_syncobjs);
	ASSERT_LE(1, l.max_tensor_elems);
	ASSERT_GE(1U << 31, l.max_tensor_elems);
	ASSERT_LT(0, l.job_timeout_ms);
	ASSERT_EQ(0, l.pad);
}

TEST_F(query, engines)
{
	struct drm_npu_query_engines *hdr;
	struct drm_npu_engine_info *e;
	uint64_t all_ops = 0;
	uint32_t size = 0, i, op;
	uint8_t *buf;
	int cpu = -1;

	ASSERT_EQ(0, npu_query(self->fd, DRM_NPU_QUERY_ENGINES, NULL, &size));
	ASSERT_LE(sizeof(*hdr) + sizeof(*e), size);
	buf = calloc(1, size + 64);
	ASSERT_NE(NULL, buf);
	memset(buf, 0xcc, size + 64);
	ASSERT_EQ(0, npu_query(self->fd, DRM_NPU_QUERY_ENGINES, buf, &size));
	hdr = (void *)buf;
	ASSERT_EQ(sizeof(*e), hdr->entry_size);
	ASSERT_LE(1, hdr->count);
	ASSERT_EQ(sizeof(*hdr) + hdr->count * sizeof(*e), size);
	/* nothing written past the answer */
	for (i = size; i < size + 64; i++)
		ASSERT_EQ(0xcc, buf[i]);

	for (i = 0; i < hdr->count; i++) {
		e = (void *)(buf + sizeof(*hdr) + i * sizeof(*e));
		ASSERT_NE(NULL, memchr(e->name, 0, sizeof(e->name)));
		ASSERT_LT(0, strlen(e->name));
		ASSERT_GT(2, e->kind);
		ASSERT_EQ(0, e->reserved[0]);
		ASSERT_EQ(0, e->reserved[1]);
		ASSERT_EQ(0, e->reserved[2]);
		ASSERT_EQ(0, e->reserved[3]);
		/* opcode 0 is not an op; nothing past NPU_OP_COUNT today */
		ASSERT_EQ(0, e->ops_mask & 1);
		all_ops |= e->ops_mask;
		if (e->kind == DRM_NPU_ENGINE_CPU) {
			ASSERT_STREQ("cpu", e->name);
			cpu = i;
			/* the CPU engine runs every op */
			for (op = 1; op < NPU_OP_COUNT; op++)
				ASSERT_TRUE(e->ops_mask & (1ULL << op));
			ASSERT_TRUE(e->flags & DRM_NPU_ENGINE_HEALTHY);
		}
	}
	ASSERT_LE(0, cpu);
	for (op = 1; op < NPU_OP_COUNT; op++)
		ASSERT_TRUE(all_ops & (1ULL << op));
	free(buf);
}

TEST_F(query, engines_count_jobs)
{
	int64_t before, after;
	int i;

	before = npu_engines_sum(self->fd, 0);
	ASSERT_LE(0, before);
	for (i = 0; i < 3; i++)
		assert_device_works(self->fd);
	after = npu_engines_sum(self->fd, 0);
	ASSERT_LE(before + 3, after);
	/* nothing in flight on an idle device (this test is alone) */
	ASSERT_EQ(0, npu_wait_idle(self->fd, 2000000000LL));
}

TEST_F(query, short_size_truncates)
{
	struct drm_npu_query_limits full, l;
	uint8_t *p = (uint8_t *)&l;
	uint32_t size = 0;
	size_t i;

	ASSERT_EQ(0, npu_get_limits(self->fd, &full));
	memset(&l, 0x5a, sizeof(l));
	ASSERT_EQ(0, raw_query(self->fd, DRM_NPU_QUERY_LIMITS, 8,
			       (uintptr_t)&l, 0, 0, &size));
	/* reports the full size, writes only the first 8 bytes */
	ASSERT_EQ(sizeof(l), size);
	ASSERT_EQ(full.max_bo_size, l.max_bo_size);
	for (i = 8; i < sizeof(l); i++)
		ASSERT_EQ(0x5a, p[i]);
}

TEST_F(query, larger_size_ok)
{
	uint8_t buf[sizeof(struct drm_npu_query_version) + 32];
	uint32_t size = 0;
	size_t i;

	memset(buf, 0x5a, sizeof(buf));
	ASSERT_EQ(0, raw_query(self->fd, DRM_NPU_QUERY_VERSION, sizeof(buf),
			       (uintptr_t)buf, 0, 0, &size));
	ASSERT_EQ(sizeof(struct drm_npu_query_version), size);
	for (i = size; i < sizeof(buf); i++)
		ASSERT_EQ(0x5a, buf[i]);
}

TEST_F(query, unknown_id)
{
	uint8_t buf[256];

	ASSERT_EQ(-EINVAL, raw_query(self->fd, DRM_NPU_QUERY_COUNT,
				     sizeof(buf), (uintptr_t)buf, 0, 0, NULL));
	ASSERT_EQ(-EINVAL, raw_query(self->fd, 0xffffffff, sizeof(buf),
				     (uintptr_t)buf, 0, 0, NULL));
	ASSERT_EQ(-EINVAL, raw_query(self->fd, 0x80000000, 0, 0, 0, 0, NULL));
	assert_device_works(self->fd);
}

TEST_F(query, flags_and_pad_must_be_zero)
{
	struct drm_npu_query_version v;

	ASSERT_EQ(-EINVAL, raw_query(self->fd, DRM_NPU_QUERY_VERSION,
				     sizeof(v), (uintptr_t)&v, 1, 0, NULL));
	ASSERT_EQ(-EINVAL, raw_query(self->fd, DRM_NPU_QUERY_VERSION,
				     sizeof(v), (uintptr_t)&v, 0x80000000, 0,
				     NULL));
	ASSERT_EQ(-EINVAL, raw_query(self->fd, DRM_NPU_QUERY_VERSION,
				     sizeof(v), (uintptr_t)&v, 0, 1, NULL));
	ASSERT_EQ(-EINVAL, raw_query(self->fd, DRM_NPU_QUERY_VERSION, 0, 0, 0,
				     0xffffffff, NULL));
	assert_device_works(self->fd);
}

TEST_F(query, bad_pointer)
{
	void *unmapped = mmap(NULL, 4096, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	uint32_t id;

	ASSERT_NE(MAP_FAILED, unmapped);
	ASSERT_NE(MAP_FAILED, ro);
	for (id = 0; id < DRM_NPU_QUERY_COUNT; id++) {
		ASSERT_EQ(-EFAULT, raw_query(self->fd, id, 64, 0, 0, 0, NULL));
		ASSERT_EQ(-EFAULT, raw_query(self->fd, id, 64,
					     (uintptr_t)unmapped, 0, 0, NULL));
		ASSERT_EQ(-EFAULT, raw_query(self->fd, id, 64,
					     (uintptr_t)ro, 0, 0, NULL));
		/* a kernel address */
		ASSERT_EQ(-EFAULT, raw_query(self->fd, id, 64,
					     0xffff888000000000ULL, 0, 0,
					     NULL));
	}
	/* size 0 never touches data */
	ASSERT_EQ(0, raw_query(self->fd, DRM_NPU_QUERY_LIMITS, 0,
			       (uintptr_t)unmapped, 0, 0, NULL));
	munmap(unmapped, 4096);
	munmap(ro, 4096);
	assert_device_works(self->fd);
}

TEST_F(query, unknown_driver_ioctl)
{
	uint8_t arg[64] = { 0 };

	/* one past the last driver ioctl, and far past it */
	ASSERT_EQ(-EINVAL, npu_ioctl(self->fd,
				     DRM_IOWR(DRM_COMMAND_BASE + DRM_NPU_WAIT + 1,
					      struct drm_npu_wait), arg));
	ASSERT_EQ(-EINVAL, npu_ioctl(self->fd,
				     DRM_IOWR(DRM_COMMAND_BASE + 0x5f,
					      struct drm_npu_wait), arg));
	assert_device_works(self->fd);
}

/*
 * Accel files have no DRM master: the legacy master ioctls are refused
 * (GET_MAGIC and GET_UNIQUE oops in the 6.12 DRM core otherwise), also
 * when only their number matches (drm_ioctl() ignores the type byte).
 */
TEST_F(query, master_ioctls_refused)
{
	struct drm_unique u = { 0 };
	struct drm_auth auth = { 0 };
	char buf[64];

	u.unique = buf;
	u.unique_len = sizeof(buf);
	ASSERT_EQ(-EOPNOTSUPP, npu_ioctl(self->fd, DRM_IOCTL_GET_MAGIC, &auth));
	ASSERT_EQ(-EOPNOTSUPP, npu_ioctl(self->fd, DRM_IOCTL_GET_UNIQUE, &u));
	ASSERT_EQ(-EOPNOTSUPP, npu_ioctl(self->fd, DRM_IOCTL_AUTH_MAGIC, &auth));
	ASSERT_EQ(-EOPNOTSUPP, npu_ioctl(self->fd, DRM_IOCTL_SET_MASTER, NULL));
	ASSERT_EQ(-EOPNOTSUPP, npu_ioctl(self->fd, DRM_IOCTL_DROP_MASTER, NULL));
	ASSERT_EQ(-EOPNOTSUPP, npu_ioctl(self->fd, _IOR('x', 0x02, struct drm_auth), &auth));
	assert_device_works(self->fd);
}

/*
 * Regression: a BO_CREATE failing inside the shmem helper (here: the
 * device's 1 TiB of mmap offsets used up by max-size BOs, which cost no
 * memory until touched) left a freed BO on the device's BO list.
 */
TEST_F_TIMEOUT(query, bo_create_failure_leaves_no_stale_bo, 600)
{
	struct drm_npu_query_limits lim = { 0 };
	struct drm_npu_query q = { .query = DRM_NPU_QUERY_LIMITS,
				   .size = sizeof(lim), .data = (uintptr_t)&lim };
	uint32_t handle, small;
	int i, ret = 0;

	ASSERT_EQ(0, npu_ioctl(self->fd, DRM_IOCTL_NPU_QUERY, &q));
	for (i = 0; i < 1 << 20; i++) {
		ret = npu_bo_create(self->fd, lim.max_bo_size, &handle);
		if (ret)
			break;
	}
	ASSERT_EQ(-ENOSPC, ret) TH_LOG("after %d BOs", i);
	ASSERT_EQ(0, npu_bo_create(self->fd, 4096, &small));
	/* walks the BO list, then closing frees every BO (list_del each) */
	ASSERT_EQ(0, system("cat /sys/kernel/debug/accel/*/bos > /dev/null"));
	close(self->fd);
	self->fd = npu_open();
	ASSERT_LE(0, self->fd);
	assert_device_works(self->fd);
}

TEST_F(query, second_open_independent)
{
	struct drm_npu_query_limits a, b;
	int fd2 = npu_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, npu_get_limits(self->fd, &a));
	ASSERT_EQ(0, npu_get_limits(fd2, &b));
	ASSERT_EQ(0, memcmp(&a, &b, sizeof(a)));
	assert_device_works(fd2);
	close(fd2);
	assert_device_works(self->fd);
}

TEST_HARNESS_MAIN

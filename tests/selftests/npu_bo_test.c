// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Buffer objects: BO_CREATE / BO_INFO / mmap / GEM_CLOSE, PRIME export and
 * import (same file, second file, dma-buf mmap, use in a job), hostile
 * sizes, flags, handles and mappings.
 */
#include <setjmp.h>
#include <signal.h>

#include "npu_harness.h"

FIXTURE(bo) {
	int fd;
	struct drm_npu_query_limits lim;
};

FIXTURE_SETUP(bo)
{
	self->fd = npu_open();
	if (self->fd == -ENODEV)
		SKIP(return, "no npu device (is npu.ko loaded?)");
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, npu_get_limits(self->fd, &self->lim));
}

FIXTURE_TEARDOWN(bo)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int raw_create(int fd, uint64_t size, uint32_t flags,
		      uint32_t *handle)
{
	struct drm_npu_bo_create c = { .size = size, .flags = flags };
	int ret = npu_ioctl(fd, DRM_IOCTL_NPU_BO_CREATE, &c);

	if (!ret && handle)
		*handle = c.handle;
	return ret;
}

static int raw_info(int fd, uint32_t handle, uint32_t flags)
{
	struct drm_npu_bo_info i = { .handle = handle, .flags = flags };

	return npu_ioctl(fd, DRM_IOCTL_NPU_BO_INFO, &i);
}

/* Does reading *@p fault (SIGSEGV/SIGBUS)? */
static sigjmp_buf fault_env;

static void fault_handler(int sig)
{
	siglongjmp(fault_env, sig);
}

static int read_faults(volatile const uint8_t *p)
{
	struct sigaction sa = { .sa_handler = fault_handler }, old_segv,
			 old_bus;
	int sig;

	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	sig = sigsetjmp(fault_env, 1);
	if (!sig)
		(void)*p;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return sig;
}

TEST_F(bo, create_info_close)
{
	uint64_t off = 0, size = 0, off2 = 0;
	uint32_t h, h2;

	ASSERT_EQ(0, npu_bo_create(self->fd, 1, &h));
	ASSERT_NE(0, h);
	ASSERT_EQ(0, npu_bo_info(self->fd, h, &off, &size));
	ASSERT_EQ(4096, size);		/* rounded up to a page */
	ASSERT_NE(0, off);
	ASSERT_EQ(0, off % 4096);

	ASSERT_EQ(0, npu_bo_create(self->fd, 4097, &h2));
	ASSERT_NE(h, h2);
	ASSERT_EQ(0, npu_bo_info(self->fd, h2, &off2, &size));
	ASSERT_EQ(8192, size);
	ASSERT_NE(off, off2);

	ASSERT_EQ(0, npu_gem_close(self->fd, h));
	ASSERT_EQ(-ENOENT, npu_bo_info(self->fd, h, NULL, NULL));
	/* double close: the DRM core answers -EINVAL */
	ASSERT_EQ(-EINVAL, npu_gem_close(self->fd, h));
	ASSERT_EQ(0, npu_bo_info(self->fd, h2, NULL, NULL));
	ASSERT_EQ(0, npu_gem_close(self->fd, h2));
}

TEST_F(bo, mmap_zero_filled_and_persistent)
{
	size_t size, i;
	uint8_t *p;
	uint32_t h;

	ASSERT_EQ(0, npu_bo_create(self->fd, 3 * 4096 + 5, &h));
	p = npu_bo_mmap(self->fd, h, &size);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(4 * 4096, size);
	for (i = 0; i < size; i++)
		ASSERT_EQ(0, p[i]);
	for (i = 0; i < size; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	ASSERT_EQ(0, munmap(p, size));

	p = npu_bo_mmap(self->fd, h, &size);
	ASSERT_NE(NULL, p);
	for (i = 0; i < size; i++)
		ASSERT_EQ((uint8_t)(i * 7 + 3), p[i]);
	ASSERT_EQ(0, munmap(p, size));
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
}

TEST_F(bo, mapping_outlives_handle)
{
	size_t size;
	uint8_t *p;
	uint32_t h;

	ASSERT_EQ(0, npu_bo_create(self->fd, 8192, &h));
	p = npu_bo_mmap(self->fd, h, &size);
	ASSERT_NE(NULL, p);
	memset(p, 0x3c, size);
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
	/* the mapping holds its own reference */
	ASSERT_EQ(0x3c, p[0]);
	ASSERT_EQ(0x3c, p[size - 1]);
	p[100] = 1;
	ASSERT_EQ(1, p[100]);
	ASSERT_EQ(0, munmap(p, size));
	assert_device_works(self->fd);
}

TEST_F(bo, mapping_outlives_fd)
{
	size_t size;
	uint8_t *p;
	uint32_t h;
	int fd2 = npu_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, npu_bo_create(fd2, 4096, &h));
	p = npu_bo_mmap(fd2, h, &size);
	ASSERT_NE(NULL, p);
	memset(p, 0x77, size);
	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(0x77, p[4095]);
	ASSERT_EQ(0, munmap(p, size));
	assert_device_works(self->fd);
}

TEST_F(bo, mmap_past_end_fails)
{
	uint64_t off, size;
	void *p;
	uint32_t h;

	ASSERT_EQ(0, npu_bo_create(self->fd, 8192, &h));
	ASSERT_EQ(0, npu_bo_info(self->fd, h, &off, &size));

	/* longer than the BO */
	p = mmap(NULL, size + 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, off);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	/* starting inside, ending past the end */
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, self->fd, off + 4096);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	/* an offset no BO has */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd,
		 off + (1ULL << 40));
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	/* offset 0 of the device is never a BO */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);

	/* a mapping must start at the BO's offset (exact lookup) ... */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd, off + 4096);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	/* ... but may be shorter than the BO */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p, 4096));
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
	assert_device_works(self->fd);
}

TEST_F(bo, mmap_private_rejected)
{
	uint64_t off, size;
	uint8_t *p;
	uint32_t h;

	/* a copy-on-write mapping of a BO is refused (as the shmem helper) */
	ASSERT_EQ(0, npu_bo_create(self->fd, 4096, &h));
	ASSERT_EQ(0, npu_bo_info(self->fd, h, &off, &size));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->fd,
		 off);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
}

TEST_F(bo, mmap_after_close_fails)
{
	uint64_t off, size;
	void *p;
	uint32_t h;

	ASSERT_EQ(0, npu_bo_create(self->fd, 4096, &h));
	ASSERT_EQ(0, npu_bo_info(self->fd, h, &off, &size));
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, self->fd, off);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(bo, mmap_other_file_denied)
{
	uint64_t off, size;
	void *p;
	uint32_t h;
	int fd2 = npu_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, npu_bo_create(self->fd, 4096, &h));
	ASSERT_EQ(0, npu_bo_info(self->fd, h, &off, &size));
	/* the fake offset is per device, but access is per file */
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd2, off);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EACCES, errno);
	/* handles are per file too */
	ASSERT_EQ(-ENOENT, npu_bo_info(fd2, h, NULL, NULL));
	close(fd2);
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
}

TEST_F(bo, mmap_does_not_extend)
{
	uint8_t *p;
	size_t size;
	uint32_t h;

	ASSERT_EQ(0, npu_bo_create(self->fd, 4096, &h));
	p = npu_bo_mmap(self->fd, h, &size);
	ASSERT_NE(NULL, p);
	/* GEM mappings are VM_DONTEXPAND: growing one must fail */
	ASSERT_EQ(MAP_FAILED, mremap(p, size, 2 * size, MREMAP_MAYMOVE));
	ASSERT_EQ(EFAULT, errno);
	/* and the page after the mapping is not ours */
	ASSERT_EQ(0, munmap(p, size));
	ASSERT_NE(0, read_faults(p));
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
}

TEST_F(bo, create_size_zero)
{
	ASSERT_EQ(-EINVAL, raw_create(self->fd, 0, 0, NULL));
	assert_device_works(self->fd);
}

TEST_F(bo, create_too_big)
{
	uint64_t max = self->lim.max_bo_size;
	uint32_t h;

	ASSERT_EQ(-E2BIG, raw_create(self->fd, max + 1, 0, NULL));
	ASSERT_EQ(-E2BIG, raw_create(self->fd, max + 4096, 0, NULL));
	ASSERT_EQ(-E2BIG, raw_create(self->fd, 1ULL << 63, 0, NULL));
	/* must not wrap when rounded up to a page */
	ASSERT_EQ(-E2BIG, raw_create(self->fd, UINT64_MAX, 0, NULL));
	ASSERT_EQ(-E2BIG, raw_create(self->fd, UINT64_MAX - 4095, 0, NULL));
	ASSERT_EQ(-E2BIG, raw_create(self->fd, (1ULL << 32) + max, 0, NULL));
	/* the limit itself is allowed */
	ASSERT_EQ(0, raw_create(self->fd, max, 0, &h));
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
	assert_device_works(self->fd);
}

TEST_F(bo, create_flags)
{
	uint32_t bit;

	for (bit = 0; bit < 32; bit++)
		ASSERT_EQ(-EINVAL, raw_create(self->fd, 4096, 1U << bit, NULL));
	ASSERT_EQ(-EINVAL, raw_create(self->fd, 4096, 0xffffffff, NULL));
	assert_device_works(self->fd);
}

TEST_F(bo, create_bad_pointer)
{
	ASSERT_EQ(-EFAULT, npu_ioctl(self->fd, DRM_IOCTL_NPU_BO_CREATE, NULL));
	ASSERT_EQ(-EFAULT, npu_ioctl(self->fd, DRM_IOCTL_NPU_BO_INFO,
				     (void *)0x10));
	assert_device_works(self->fd);
}

TEST_F(bo, info_bad_handle)
{
	uint32_t h;

	ASSERT_EQ(-ENOENT, raw_info(self->fd, 0, 0));
	ASSERT_EQ(-ENOENT, raw_info(self->fd, 0xffffffff, 0));
	ASSERT_EQ(-ENOENT, raw_info(self->fd, 12345, 0));
	ASSERT_EQ(0, npu_bo_create(self->fd, 4096, &h));
	ASSERT_EQ(-ENOENT, raw_info(self->fd, h + 1, 0));
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
	assert_device_works(self->fd);
}

TEST_F(bo, info_flags)
{
	uint32_t h;

	ASSERT_EQ(0, npu_bo_create(self->fd, 4096, &h));
	ASSERT_EQ(-EINVAL, raw_info(self->fd, h, 1));
	ASSERT_EQ(-EINVAL, raw_info(self->fd, h, 0x80000000));
	ASSERT_EQ(0, raw_info(self->fd, h, 0));
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
	assert_device_works(self->fd);
}

TEST_F(bo, close_bad_handle)
{
	ASSERT_EQ(-EINVAL, npu_gem_close(self->fd, 0));
	ASSERT_EQ(-EINVAL, npu_gem_close(self->fd, 0xdeadbeef));
	assert_device_works(self->fd);
}

TEST_F(bo, many_bos)
{
	enum { N = 256 };
	uint32_t h[N];
	int i;

	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, npu_bo_create(self->fd, 4096 * (1 + i % 4), &h[i]));
		if (i)
			ASSERT_NE(h[i - 1], h[i]);
	}
	for (i = 0; i < N; i += 2)
		ASSERT_EQ(0, npu_gem_close(self->fd, h[i]));
	for (i = 1; i < N; i += 2)
		ASSERT_EQ(0, npu_bo_info(self->fd, h[i], NULL, NULL));
	for (i = 1; i < N; i += 2)
		ASSERT_EQ(0, npu_gem_close(self->fd, h[i]));
	assert_device_works(self->fd);
}

TEST_F_TIMEOUT(bo, large_bo, 120)
{
	uint64_t size = self->lim.max_bo_size;
	uint8_t *p;
	size_t got;
	uint32_t h;

	/* 64 MiB or the limit, whichever is smaller: touch every page */
	if (size > (64ULL << 20))
		size = 64ULL << 20;
	ASSERT_EQ(0, npu_bo_create(self->fd, size, &h));
	p = npu_bo_mmap(self->fd, h, &got);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(size, got);
	for (got = 0; got < size; got += 4096)
		p[got] = (uint8_t)(got >> 12);
	for (got = 0; got < size; got += 4096)
		ASSERT_EQ((uint8_t)(got >> 12), p[got]);
	munmap(p, size);
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
}

/* ---- PRIME -------------------------------------------------------- */

TEST_F(bo, prime_self_import_same_handle)
{
	uint32_t h, h2;
	int dmabuf;

	ASSERT_EQ(0, npu_bo_create(self->fd, 4096, &h));
	ASSERT_EQ(0, npu_prime_export(self->fd, h, DRM_CLOEXEC | DRM_RDWR,
				      &dmabuf));
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, npu_prime_import(self->fd, dmabuf, &h2));
	/* importing our own export yields the original handle */
	ASSERT_EQ(h, h2);
	close(dmabuf);
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
	ASSERT_EQ(-ENOENT, npu_bo_info(self->fd, h, NULL, NULL));
}

TEST_F(bo, prime_second_fd_shares_memory)
{
	uint8_t *p1, *p2;
	size_t s1, s2, i;
	uint32_t h1, h2;
	int fd2, dmabuf;

	fd2 = npu_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, npu_bo_create(self->fd, 3 * 4096, &h1));
	p1 = npu_bo_mmap(self->fd, h1, &s1);
	ASSERT_NE(NULL, p1);
	for (i = 0; i < s1; i++)
		p1[i] = (uint8_t)(i ^ 0x5a);
	ASSERT_EQ(0, npu_prime_export(self->fd, h1, DRM_CLOEXEC | DRM_RDWR,
				      &dmabuf));
	ASSERT_EQ(0, npu_prime_import(fd2, dmabuf, &h2));
	close(dmabuf);

	p2 = npu_bo_mmap(fd2, h2, &s2);
	ASSERT_NE(NULL, p2);
	ASSERT_EQ(s1, s2);
	for (i = 0; i < s2; i++)
		ASSERT_EQ((uint8_t)(i ^ 0x5a), p2[i]);
	/* and back: writes through fd2 are visible through fd */
	p2[77] = 0xee;
	ASSERT_EQ(0xee, p1[77]);

	/* the original handle closed: the import keeps the memory */
	munmap(p1, s1);
	ASSERT_EQ(0, npu_gem_close(self->fd, h1));
	ASSERT_EQ(0xee, p2[77]);
	munmap(p2, s2);
	ASSERT_EQ(0, npu_gem_close(fd2, h2));
	close(fd2);
	assert_device_works(self->fd);
}

TEST_F(bo, prime_dmabuf_mmap)
{
	uint8_t *p1, *p2;
	size_t s1;
	uint32_t h;
	int dmabuf;

	ASSERT_EQ(0, npu_bo_create(self->fd, 8192, &h));
	p1 = npu_bo_mmap(self->fd, h, &s1);
	ASSERT_NE(NULL, p1);
	memset(p1, 0x42, s1);
	ASSERT_EQ(0, npu_prime_export(self->fd, h, DRM_CLOEXEC | DRM_RDWR,
				      &dmabuf));
	p2 = mmap(NULL, s1, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	ASSERT_NE(MAP_FAILED, p2);
	ASSERT_EQ(0x42, p2[0]);
	ASSERT_EQ(0x42, p2[s1 - 1]);
	p2[1] = 0x43;
	ASSERT_EQ(0x43, p1[1]);
	/* past the end of the dma-buf */
	ASSERT_EQ(MAP_FAILED, mmap(NULL, s1 + 4096, PROT_READ, MAP_SHARED,
				   dmabuf, 0));
	munmap(p2, s1);
	munmap(p1, s1);
	close(dmabuf);
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
}

TEST_F(bo, prime_export_bad)
{
	uint32_t h;
	int dmabuf = -1;

	ASSERT_EQ(-ENOENT, npu_prime_export(self->fd, 0, DRM_CLOEXEC, &dmabuf));
	ASSERT_EQ(-ENOENT, npu_prime_export(self->fd, 0xbad, DRM_CLOEXEC,
					    &dmabuf));
	ASSERT_EQ(0, npu_bo_create(self->fd, 4096, &h));
	ASSERT_EQ(-EINVAL, npu_prime_export(self->fd, h, 0x4, &dmabuf));
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
	assert_device_works(self->fd);
}

TEST_F(bo, prime_import_bad)
{
	uint32_t h;
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, nul);
	ASSERT_EQ(-EBADF, npu_prime_import(self->fd, -1, &h));
	ASSERT_EQ(-EBADF, npu_prime_import(self->fd, 100000, &h));
	/* a file that is not a dma-buf */
	ASSERT_EQ(-EINVAL, npu_prime_import(self->fd, nul, &h));
	/* the device file itself is not a dma-buf either */
	ASSERT_EQ(-EINVAL, npu_prime_import(self->fd, self->fd, &h));
	close(nul);
	assert_device_works(self->fd);
}

TEST_F(bo, prime_import_into_job)
{
	struct npu_canned c;
	uint32_t hin2, hout2, bos[2];
	uint64_t seqno;
	int fd2, d1, d2;

	/* BOs created on fd, the job submitted on fd2 through imports */
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 4, 6, 3, 99));
	fd2 = npu_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, npu_prime_export(self->fd, c.in.handle,
				      DRM_CLOEXEC | DRM_RDWR, &d1));
	ASSERT_EQ(0, npu_prime_export(self->fd, c.out.handle,
				      DRM_CLOEXEC | DRM_RDWR, &d2));
	ASSERT_EQ(0, npu_prime_import(fd2, d1, &hin2));
	ASSERT_EQ(0, npu_prime_import(fd2, d2, &hout2));
	close(d1);
	close(d2);
	bos[0] = hin2;
	bos[1] = hout2;
	npu_bo_poison(&c.out);
	ASSERT_EQ(0, npu_cs_submit(fd2, &c.cs, bos, 2, &seqno));
	ASSERT_EQ(0, npu_wait(fd2, seqno, NPU_WAIT_NS));
	/* WAIT_BO through the exporter's handle covers the importer's job */
	ASSERT_EQ(0, npu_wait_bo(self->fd, c.out.handle, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c));
	close(fd2);
	npu_canned_fini(self->fd, &c);
}

TEST_F(bo, prime_export_outlives_fd)
{
	uint8_t *p;
	size_t size;
	uint32_t h, h2;
	int fd2, dmabuf;

	fd2 = npu_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, npu_bo_create(fd2, 4096, &h));
	p = npu_bo_mmap(fd2, h, &size);
	ASSERT_NE(NULL, p);
	memset(p, 0x99, size);
	munmap(p, size);
	ASSERT_EQ(0, npu_prime_export(fd2, h, DRM_CLOEXEC | DRM_RDWR,
				      &dmabuf));
	close(fd2);

	/* the dma-buf keeps the BO alive past its creator's file */
	ASSERT_EQ(0, npu_prime_import(self->fd, dmabuf, &h2));
	close(dmabuf);
	p = npu_bo_mmap(self->fd, h2, &size);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0x99, p[0]);
	ASSERT_EQ(0x99, p[4095]);
	munmap(p, size);
	ASSERT_EQ(0, npu_gem_close(self->fd, h2));
	assert_device_works(self->fd);
}

TEST_HARNESS_MAIN

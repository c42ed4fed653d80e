// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: the accel backend, i.e. the npu kernel driver behind
 * /dev/accel/accelN. npu ioctls go through drmIoctl(); PRIME and syncobj
 * through libdrm's helpers.
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "npu_priv.h"

/* drmIoctl() and libdrm helpers return -1 and set errno */
static int npu_ioctl(int fd, unsigned long req, void *arg)
{
	return drmIoctl(fd, req, arg) ? -errno : 0;
}

static int npu_accel_query(struct npu_device *dev, uint32_t id, void *data,
			   uint32_t *size)
{
	struct drm_npu_query q = {
		.query = id,
		.size = *size,
		.data = (uintptr_t)data,
	};
	int ret;

	ret = npu_ioctl(dev->fd, DRM_IOCTL_NPU_QUERY, &q);
	if (!ret)
		*size = q.size;
	return ret;
}

static int npu_accel_bo_create(struct npu_device *dev, uint64_t size,
			       uint32_t flags, uint32_t *handle)
{
	struct drm_npu_bo_create c = { .size = size, .flags = flags };
	int ret;

	ret = npu_ioctl(dev->fd, DRM_IOCTL_NPU_BO_CREATE, &c);
	if (!ret)
		*handle = c.handle;
	return ret;
}

static int npu_accel_bo_info(struct npu_device *dev, uint32_t handle,
			     uint64_t *offset, uint64_t *size)
{
	struct drm_npu_bo_info i = { .handle = handle };
	int ret;

	ret = npu_ioctl(dev->fd, DRM_IOCTL_NPU_BO_INFO, &i);
	if (ret)
		return ret;
	if (offset)
		*offset = i.offset;
	if (size)
		*size = i.size;
	return 0;
}

static int npu_accel_bo_size(struct npu_device *dev, uint32_t handle,
			     uint64_t *size)
{
	return npu_accel_bo_info(dev, handle, NULL, size);
}

static int npu_accel_bo_import(struct npu_device *dev, int fd,
			       uint32_t *handle)
{
	return drmPrimeFDToHandle(dev->fd, fd, handle) ? -errno : 0;
}

static int npu_accel_bo_export(struct npu_device *dev, uint32_t handle)
{
	int fd;

	if (drmPrimeHandleToFD(dev->fd, handle, DRM_CLOEXEC | DRM_RDWR, &fd))
		return -errno;
	return fd;
}

static void npu_accel_bo_close(struct npu_device *dev, uint32_t handle)
{
	if (drmCloseBufferHandle(dev->fd, handle))
		npu_dbg("%s: closing BO handle %u: %s", dev->path, handle,
			strerror(errno));
}

static int npu_accel_bo_map(struct npu_device *dev, uint32_t handle,
			    uint64_t size, void **addr)
{
	uint64_t offset;
	void *p;
	int ret;

	ret = npu_accel_bo_info(dev, handle, &offset, NULL);
	if (ret)
		return ret;
	if (size > SIZE_MAX || offset > INT64_MAX)
		return -EOVERFLOW;
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 dev->fd, (off_t)offset);
	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

static void npu_accel_bo_unmap(struct npu_device *dev, void *addr,
			       uint64_t size)
{
	(void)dev;
	munmap(addr, (size_t)size);
}

static int64_t npu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * DRM_IOCTL_NPU_WAIT with a relative timeout. drmIoctl() would restart an
 * interrupted wait with the full timeout again; restart it with what is
 * left instead.
 */
static int npu_accel_wait_ioctl(struct npu_device *dev, struct drm_npu_wait *w)
{
	int64_t timeout = w->timeout_ns, deadline = 0, left;

	if (timeout != NPU_TIMEOUT_INFINITE) {
		deadline = npu_now_ns();
		deadline = timeout > INT64_MAX - deadline ? INT64_MAX :
			   deadline + timeout;
	}
	for (;;) {
		if (ioctl(dev->fd, DRM_IOCTL_NPU_WAIT, w) == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
		if (timeout != NPU_TIMEOUT_INFINITE) {
			left = deadline - npu_now_ns();
			w->timeout_ns = left > 0 ? left : 0;
		}
	}
}

static int npu_accel_bo_wait(struct npu_device *dev, uint32_t handle,
			     int64_t timeout_ns)
{
	struct drm_npu_wait w = {
		.timeout_ns = timeout_ns,
		.handle = handle,
		.flags = DRM_NPU_WAIT_BO,
	};

	return npu_accel_wait_ioctl(dev, &w);
}

static int npu_accel_wait(struct npu_device *dev, uint64_t seqno,
			  int64_t timeout_ns)
{
	struct drm_npu_wait w = { .seqno = seqno, .timeout_ns = timeout_ns };

	return npu_accel_wait_ioctl(dev, &w);
}

static int npu_accel_submit(struct npu_device *dev,
			    const struct npu_submit_args *a, uint64_t *seqno)
{
	struct drm_npu_submit s = {
		.cmd = (uintptr_t)a->cmd,
		.bo_handles = (uintptr_t)a->bo_handles,
		.in_syncobjs = (uintptr_t)a->in_syncobjs,
		.cmd_size = a->cmd_size,
		.bo_count = a->bo_count,
		.in_syncobj_count = a->in_syncobj_count,
		.out_syncobj = a->out_syncobj,
		.priority = a->priority,
	};
	int ret;

	ret = npu_ioctl(dev->fd, DRM_IOCTL_NPU_SUBMIT, &s);
	if (!ret)
		*seqno = s.seqno;
	return ret;
}

static int npu_accel_syncobj_create(struct npu_device *dev, uint32_t *handle)
{
	return drmSyncobjCreate(dev->fd, 0, handle) ? -errno : 0;
}

static void npu_accel_syncobj_destroy(struct npu_device *dev, uint32_t handle)
{
	if (drmSyncobjDestroy(dev->fd, handle))
		npu_dbg("%s: destroying syncobj %u: %s", dev->path, handle,
			strerror(errno));
}

static void npu_accel_destroy(struct npu_device *dev)
{
	close(dev->fd);
	dev->fd = -1;
}

const struct npu_backend_ops npu__accel_ops = {
	.query = npu_accel_query,
	.bo_create = npu_accel_bo_create,
	.bo_import = npu_accel_bo_import,
	.bo_size = npu_accel_bo_size,
	.bo_export = npu_accel_bo_export,
	.bo_close = npu_accel_bo_close,
	.bo_map = npu_accel_bo_map,
	.bo_unmap = npu_accel_bo_unmap,
	.bo_wait = npu_accel_bo_wait,
	.submit = npu_accel_submit,
	.wait = npu_accel_wait,
	.syncobj_create = npu_accel_syncobj_create,
	.syncobj_destroy = npu_accel_syncobj_destroy,
	.destroy = npu_accel_destroy,
};

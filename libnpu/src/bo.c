// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: buffer objects.
 *
 * GEM handles are not reference counted and PRIME import returns the
 * existing handle when a buffer already has one on the file, so the device
 * keeps a list of its BOs: importing a buffer that is already there returns
 * the same struct npu_bo with one more reference, and a handle is closed
 * only when its last reference goes. Handles are imported and closed under
 * dev->lock so that the list and the kernel's handle table always agree.
 */
#include <stdlib.h>
#include <string.h>

#include "npu_priv.h"

static struct npu_bo *npu_bo_find_locked(struct npu_device *dev,
					 uint32_t handle)
{
	struct npu_bo *bo;

	for (bo = dev->bos; bo; bo = bo->next)
		if (bo->handle == handle)
			return bo;
	return NULL;
}

/* Wrap a new handle of @dev in a BO; called with dev->lock held. */
static int npu_bo_new_locked(struct npu_device *dev, uint32_t handle,
			     struct npu_bo **out)
{
	struct npu_bo *bo;
	int ret;

	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return -ENOMEM;
	ret = dev->ops->bo_size(dev, handle, &bo->size);
	if (ret) {
		npu_dbg("%s: size of BO handle %u: %s", dev->path, handle,
			strerror(-ret));
		free(bo);
		return ret;
	}
	bo->dev = dev;
	bo->handle = handle;
	bo->refs = 1;
	bo->next = dev->bos;
	dev->bos = bo;
	npu__device_get(dev);
	*out = bo;
	return 0;
}

struct npu_bo *npu_bo_alloc(struct npu_device *dev, uint64_t size,
			    uint32_t flags)
{
	struct npu_bo *bo = NULL;
	uint32_t handle;
	int ret;

	if (!dev || !size)
		return npu__err_ptr(-EINVAL);
	ret = dev->ops->bo_create(dev, size, flags, &handle);
	if (ret) {
		npu_dbg("%s: allocating a BO of %llu bytes (flags %#x, limit %llu): %s",
			dev->path, (unsigned long long)size, flags,
			(unsigned long long)dev->limits.max_bo_size,
			strerror(-ret));
		return npu__err_ptr(ret);
	}
	pthread_mutex_lock(&dev->lock);
	ret = npu_bo_new_locked(dev, handle, &bo);
	if (ret)
		dev->ops->bo_close(dev, handle);
	pthread_mutex_unlock(&dev->lock);
	return ret ? npu__err_ptr(ret) : bo;
}

struct npu_bo *npu_bo_import(struct npu_device *dev, int fd)
{
	struct npu_bo *bo = NULL;
	uint32_t handle;
	int ret;

	if (!dev || fd < 0)
		return npu__err_ptr(-EINVAL);
	pthread_mutex_lock(&dev->lock);
	ret = dev->ops->bo_import(dev, fd, &handle);
	if (ret) {
		npu_dbg("%s: importing dma-buf fd %d: %s", dev->path, fd,
			strerror(-ret));
	} else {
		bo = npu_bo_find_locked(dev, handle);
		if (bo) {
			bo->refs++;
		} else {
			ret = npu_bo_new_locked(dev, handle, &bo);
			if (ret)
				dev->ops->bo_close(dev, handle);
		}
	}
	pthread_mutex_unlock(&dev->lock);
	return ret ? npu__err_ptr(ret) : bo;
}

int npu_bo_export(struct npu_bo *bo)
{
	int ret;

	if (!bo)
		return npu__err(-EINVAL);
	ret = bo->dev->ops->bo_export(bo->dev, bo->handle);
	if (ret < 0)
		npu_dbg("%s: exporting BO handle %u: %s", bo->dev->path,
			bo->handle, strerror(-ret));
	return npu__err(ret);
}

void *npu_bo_map(struct npu_bo *bo)
{
	struct npu_device *dev;
	int ret = 0;
	void *addr;

	if (!bo)
		return npu__err_ptr(-EINVAL);
	dev = bo->dev;
	pthread_mutex_lock(&dev->lock);
	if (!bo->map) {
		ret = dev->ops->bo_map(dev, bo->handle, bo->size, &addr);
		if (ret)
			npu_dbg("%s: mapping BO handle %u (%llu bytes): %s",
				dev->path, bo->handle,
				(unsigned long long)bo->size, strerror(-ret));
		else
			bo->map = addr;
	}
	addr = bo->map;
	pthread_mutex_unlock(&dev->lock);
	return ret ? npu__err_ptr(ret) : addr;
}

uint64_t npu_bo_size(const struct npu_bo *bo)
{
	return bo ? bo->size : 0;
}

uint32_t npu_bo_handle(const struct npu_bo *bo)
{
	return bo ? bo->handle : 0;
}

int npu_bo_wait(struct npu_bo *bo, int64_t timeout_ns)
{
	int ret;

	if (!bo || timeout_ns < 0)
		return npu__err(-EINVAL);
	ret = bo->dev->ops->bo_wait(bo->dev, bo->handle, timeout_ns);
	if (ret && ret != -ETIME)
		npu_dbg("%s: a job using BO handle %u failed: %s",
			bo->dev->path, bo->handle, strerror(-ret));
	return npu__err(ret);
}

void npu__bo_get(struct npu_bo *bo)
{
	pthread_mutex_lock(&bo->dev->lock);
	bo->refs++;
	pthread_mutex_unlock(&bo->dev->lock);
}

void npu_bo_free(struct npu_bo *bo)
{
	struct npu_device *dev;
	struct npu_bo **pp;

	if (!bo)
		return;
	dev = bo->dev;
	pthread_mutex_lock(&dev->lock);
	if (--bo->refs) {
		pthread_mutex_unlock(&dev->lock);
		return;
	}
	for (pp = &dev->bos; *pp; pp = &(*pp)->next) {
		if (*pp == bo) {
			*pp = bo->next;
			break;
		}
	}
	if (bo->map)
		dev->ops->bo_unmap(dev, bo->map, bo->size);
	dev->ops->bo_close(dev, bo->handle);
	pthread_mutex_unlock(&dev->lock);
	free(bo);
	npu__device_put(dev);
}

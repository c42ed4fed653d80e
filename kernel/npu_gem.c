// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (C) 2026 The npu authors */

/**
 * DOC: buffer objects
 *
 * BOs are shmem-backed GEM objects (drm_gem_shmem helpers), CPU-cacheable
 * and zero-filled. Userspace maps them through the fake offset from
 * DRM_IOCTL_NPU_BO_INFO; PRIME export and import use the standard DRM
 * ioctls (an imported dma-buf becomes a BO like any other). The first job
 * that uses a BO pins and vmaps it at submit time; the mapping is kept
 * until the BO is freed (npu_bo_kunmap() from the free callback), so later
 * submits, including non-blocking io_uring ones, take no lock for it and
 * nothing is mapped on the fence-signalling path. The pages of a BO that a
 * job has used therefore stay resident until the BO is freed.
 */

#include <linux/mm.h>
#include <linux/sched.h>

#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_print.h>

#include "npu_drv.h"

/* The largest BO: 1 GiB, and never more than a quarter of RAM. */
u64 npu_gem_max_size(void)
{
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;

	return min_t(u64, SZ_1G, ram / 4) & PAGE_MASK;
}

static void npu_gem_free(struct drm_gem_object *obj)
{
	struct npu_device *ndev = to_npu_device(obj->dev);
	struct npu_bo *bo = to_npu_bo(obj);

	mutex_lock(&ndev->bos_lock);
	list_del(&bo->link);
	mutex_unlock(&ndev->bos_lock);

	npu_bo_kunmap(bo);
	drm_gem_shmem_free(&bo->base);
}

/*
 * Only a fully created BO goes on the device list: when the shmem helper
 * fails after gem_create_object (no mmap offset left, no memory) it frees
 * the object with kfree(), not through npu_gem_free().
 */
static void npu_gem_publish(struct drm_gem_object *obj)
{
	struct npu_device *ndev = to_npu_device(obj->dev);

	mutex_lock(&ndev->bos_lock);
	list_add_tail(&to_npu_bo(obj)->link, &ndev->bos);
	mutex_unlock(&ndev->bos_lock);
}

struct drm_gem_object *npu_gem_prime_import_sg_table(struct drm_device *drm,
						     struct dma_buf_attachment *attach,
						     struct sg_table *sgt)
{
	struct drm_gem_object *obj;

	obj = drm_gem_shmem_prime_import_sg_table(drm, attach, sgt);
	if (!IS_ERR(obj))
		npu_gem_publish(obj);
	return obj;
}

static enum drm_gem_object_status npu_gem_status(struct drm_gem_object *obj)
{
	struct drm_gem_shmem_object *shmem = to_drm_gem_shmem_obj(obj);

	return (shmem->pages || obj->import_attach) ? DRM_GEM_OBJECT_RESIDENT : 0;
}

static const struct drm_gem_object_funcs npu_gem_funcs = {
	.free = npu_gem_free,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.status = npu_gem_status,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

/* drm_driver.gem_create_object: used for both local BOs and imports. */
struct drm_gem_object *npu_gem_create_object(struct drm_device *drm, size_t size)
{
	struct npu_bo *bo;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);

	bo->base.base.funcs = &npu_gem_funcs;
	bo->base.map_wc = false;
	bo->owner_pid = task_tgid_nr(current);
	INIT_LIST_HEAD(&bo->link);
	return &bo->base.base;
}

int npu_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_npu_bo_create *args = data;
	struct drm_gem_shmem_object *shmem;
	u32 handle;
	int ret;

	if (args->flags)
		return -EINVAL;
	if (!args->size)
		return -EINVAL;
	if (args->size > npu_gem_max_size())
		return -E2BIG;

	shmem = drm_gem_shmem_create(drm, args->size);
	if (IS_ERR(shmem))
		return PTR_ERR(shmem);
	npu_gem_publish(&shmem->base);

	ret = drm_gem_handle_create(file, &shmem->base, &handle);
	/* The handle holds the reference now (or creation failed). */
	drm_gem_object_put(&shmem->base);
	if (ret)
		return ret;

	args->handle = handle;
	return 0;
}

int npu_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_npu_bo_info *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (args->flags)
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	ret = drm_gem_create_mmap_offset(obj);
	if (!ret) {
		args->offset = drm_vma_node_offset_addr(&obj->vma_node);
		args->size = obj->size;
	}
	drm_gem_object_put(obj);
	return ret;
}

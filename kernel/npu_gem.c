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
 *
 * A shared mmap of a local BO (through the device file or its exported
 * dma-buf) maps the BO's shmem file itself: the mapping holds ordinary
 * page-cache pages, the same ones the job's kernel mapping uses, so
 * get_user_pages() accepts them (io_uring SEND_ZC and registered buffers,
 * O_DIRECT, vmsplice). The mapping holds a reference to the shmem file, not
 * to the GEM object, so it stays valid after the BO is closed and freed.
 * MAP_PRIVATE is refused (-EINVAL). An imported BO is mapped by its
 * exporter (dma_buf_mmap()).
 */

#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>

#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_print.h>
#include <drm/drm_vma_manager.h>

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

/*
 * Resident: an import, a BO a job has vmapped, or one with any page in its
 * shmem file (touched through a mapping; a mapping no longer pins pages).
 */
static enum drm_gem_object_status npu_gem_status(struct drm_gem_object *obj)
{
	struct drm_gem_shmem_object *shmem = to_drm_gem_shmem_obj(obj);

	if (obj->import_attach || shmem->pages)
		return DRM_GEM_OBJECT_RESIDENT;
	if (obj->filp && READ_ONCE(obj->filp->f_mapping->nrpages))
		return DRM_GEM_OBJECT_RESIDENT;
	return 0;
}

/*
 * drm_gem_object_funcs.mmap, from drm_gem_mmap_obj() (the device file) and
 * drm_gem_prime_mmap() (an exported dma-buf). Both pass the fake offset in
 * vm_pgoff and took a GEM reference for drm_gem_vm_close() to drop.
 *
 * A local BO is mapped through its shmem file: shmem_mmap() installs the
 * shmem vm_ops and vma_set_file() makes the file the VMA's, so faults fill
 * the VMA with the shmem page-cache pages that drm_gem_get_pages() hands
 * to the job's vmap (coherent: both are cached mappings of one page). The
 * DRM vm_ops are gone, so drm_gem_vm_close() never runs: drop the caller's
 * reference here. The VMA keeps the shmem file (and its pages) alive
 * instead; nothing in the VMA points to the GEM object any more (the
 * vm_private_data that drm_gem_prime_mmap() sets afterwards is never read
 * by the shmem vm_ops).
 */
static int npu_gem_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	int ret;

	/* The exporter maps it; the helper drops the reference on success. */
	if (obj->import_attach)
		return drm_gem_shmem_object_mmap(obj, vma);

	/* As the shmem helper: no copy-on-write copies of a BO. */
	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;

	vma->vm_pgoff -= drm_vma_node_start(&obj->vma_node);
	ret = call_mmap(obj->filp, vma);
	if (ret)
		return ret;
	vma_set_file(vma, obj->filp);
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_private_data = NULL;
	drm_gem_object_put(obj);
	return 0;
}

/*
 * drm_gem_object_funcs.vmap. The shmem helper vmaps an import with
 * dma_buf_vmap() but WARNs and fails with -EIO when the exporter hands out
 * I/O memory; the CPU engine cannot use that, which is an unsupported
 * buffer rather than a kernel bug: -EOPNOTSUPP, quietly.
 */
static int npu_gem_vmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	int ret;

	if (!obj->import_attach)
		return drm_gem_shmem_object_vmap(obj, map);

	ret = dma_buf_vmap(obj->import_attach->dmabuf, map);
	if (ret)
		return ret;
	if (map->is_iomem) {
		dma_buf_vunmap(obj->import_attach->dmabuf, map);
		return -EOPNOTSUPP;
	}
	return 0;
}

static const struct drm_gem_object_funcs npu_gem_funcs = {
	.free = npu_gem_free,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = npu_gem_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = npu_gem_mmap,
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

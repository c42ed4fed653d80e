// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (C) 2026 The npu authors */

/**
 * DOC: npu driver
 *
 * npu is a DRM accel driver that runs neural-network command streams.
 * At module load it registers ``num_devices`` platform devices named "npu";
 * each probe creates one /dev/accel/accelN with its engines (for now the
 * in-kernel CPU engine). Unbinding a device while files are open unplugs it:
 * ioctls then fail with -ENODEV, jobs in flight still complete, and the
 * engines and schedulers are torn down when the last file closes (a drmm
 * action). Closing a file waits for its jobs that already reached an
 * engine (bounded by the job timeout) and drops the queued rest, so
 * nothing a file or job points to goes away under it.
 */

#include <linux/capability.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>

#include "npu_drv.h"

static unsigned int npu_num_devices = 1;
module_param_named(num_devices, npu_num_devices, uint, 0444);
MODULE_PARM_DESC(num_devices, "Number of npu devices to create (1-8, default 1)");

unsigned int npu_job_timeout_ms = 5000;
module_param_named(job_timeout_ms, npu_job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms, "Job timeout in milliseconds (10-600000, default 5000)");

#define NPU_MAX_DEVICES	8

static struct platform_device *npu_pdevs[NPU_MAX_DEVICES];

static void npu_file_release(struct kref *ref)
{
	struct npu_file *nfile = container_of(ref, struct npu_file, refcount);

	xa_destroy(&nfile->fences);
	mutex_destroy(&nfile->submit_lock);
	kfree(nfile);
}

void npu_file_put(struct npu_file *nfile)
{
	kref_put(&nfile->refcount, npu_file_release);
}

static int npu_open(struct drm_device *drm, struct drm_file *file)
{
	struct npu_device *ndev = to_npu_device(drm);
	struct npu_file *nfile;
	int ret;

	nfile = kzalloc(sizeof(*nfile), GFP_KERNEL);
	if (!nfile)
		return -ENOMEM;

	nfile->ndev = ndev;
	kref_init(&nfile->refcount);
	mutex_init(&nfile->submit_lock);
	xa_init(&nfile->fences);
	init_waitqueue_head(&nfile->jobs_wq);
	nfile->pid = task_tgid_nr(current);
	nfile->client_id = file->client_id;

	ret = npu_sched_file_open(nfile);
	if (ret) {
		npu_file_put(nfile);
		return ret;
	}

	mutex_lock(&ndev->files_lock);
	list_add_tail(&nfile->link, &ndev->files);
	mutex_unlock(&ndev->files_lock);

	file->driver_priv = nfile;
	return 0;
}

static void npu_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct npu_device *ndev = to_npu_device(drm);
	struct npu_file *nfile = file->driver_priv;
	struct dma_fence *fence;
	unsigned long idx;

	mutex_lock(&ndev->files_lock);
	list_del(&nfile->link);
	mutex_unlock(&ndev->files_lock);

	/* Waits (bounded) for queued jobs, kills the rest with -ESRCH. */
	npu_sched_file_close(nfile);

	/*
	 * Jobs already on an engine run to completion (or to their timeout)
	 * and hold BO references until free_job. Wait for them, so that when
	 * the last file of an unplugged device closes, no job outlives the
	 * engines and schedulers that the device's release tears down.
	 */
	wait_event(nfile->jobs_wq, !atomic_read(&nfile->jobs));

	xa_for_each(&nfile->fences, idx, fence) {
		xa_erase(&nfile->fences, idx);
		dma_fence_put(fence);
	}
	npu_file_put(nfile);
}

static void npu_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	struct npu_file *nfile = file->driver_priv;
	struct npu_device *ndev = nfile->ndev;
	int i;

	for (i = 0; i < NPU_ENGINE_COUNT; i++)
		drm_printf(p, "drm-engine-%s:\t%llu ns\n", ndev->engines[i].name,
			   (u64)atomic64_read(&nfile->engine_ns[i]));
	drm_show_memory_stats(p, file);
}

static int npu_query_copy(struct drm_npu_query *q, const void *src, u32 len)
{
	u32 n = min(q->size, len);

	if (q->size && copy_to_user(u64_to_user_ptr(q->data), src, n))
		return -EFAULT;
	q->size = len;
	return 0;
}

static int npu_query_engines(struct npu_device *ndev, struct drm_npu_query *q)
{
	struct drm_npu_query_engines *hdr;
	struct drm_npu_engine_info *info;
	u32 len = sizeof(*hdr) + NPU_ENGINE_COUNT * sizeof(*info);
	int i, ret;

	hdr = kzalloc(len, GFP_KERNEL);
	if (!hdr)
		return -ENOMEM;
	hdr->count = NPU_ENGINE_COUNT;
	hdr->entry_size = sizeof(*info);
	info = (struct drm_npu_engine_info *)(hdr + 1);
	for (i = 0; i < NPU_ENGINE_COUNT; i++) {
		struct npu_engine *e = &ndev->engines[i];
		u32 op;

		strscpy(info[i].name, e->name, sizeof(info[i].name));
		info[i].kind = e->kind;
		info[i].flags = DRM_NPU_ENGINE_HEALTHY;
		for (op = 1; op < NPU_OP_COUNT; op++)
			info[i].ops_mask |= BIT_ULL(op);
		info[i].jobs_done = atomic64_read(&e->jobs_done);
		info[i].busy_ns = atomic64_read(&e->busy_ns);
		info[i].queued = atomic_read(&e->queued);
	}
	ret = npu_query_copy(q, hdr, len);
	kfree(hdr);
	return ret;
}

static int npu_ioctl_query(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct npu_device *ndev = to_npu_device(drm);
	struct drm_npu_query *q = data;

	if (q->flags || q->pad)
		return -EINVAL;

	switch (q->query) {
	case DRM_NPU_QUERY_VERSION: {
		struct drm_npu_query_version v = {
			.major = DRM_NPU_DRIVER_MAJOR,
			.minor = DRM_NPU_DRIVER_MINOR,
			.cmd_version = NPU_CMD_VERSION,
			.num_ops = NPU_OP_COUNT,
		};

		return npu_query_copy(q, &v, sizeof(v));
	}
	case DRM_NPU_QUERY_LIMITS: {
		struct drm_npu_query_limits l = {
			.max_bo_size = npu_gem_max_size(),
			.max_cmd_size = NPU_MAX_CMD_SIZE,
			.max_tensors = NPU_MAX_TENSORS,
			.max_ops = NPU_MAX_OPS,
			.max_bos = NPU_MAX_BOS,
			.max_in_syncobjs = NPU_MAX_IN_SYNCOBJS,
			.max_tensor_elems = NPU_MAX_TENSOR_ELEMS,
			.job_timeout_ms = npu_job_timeout_ms,
		};

		return npu_query_copy(q, &l, sizeof(l));
	}
	case DRM_NPU_QUERY_ENGINES:
		return npu_query_engines(ndev, q);
	default:
		return -EINVAL;
	}
}

static const struct drm_ioctl_desc npu_ioctls[] = {
	DRM_IOCTL_DEF_DRV(NPU_QUERY, npu_ioctl_query, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(NPU_BO_CREATE, npu_ioctl_bo_create, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(NPU_BO_INFO, npu_ioctl_bo_info, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(NPU_SUBMIT, npu_ioctl_submit, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(NPU_WAIT, npu_ioctl_wait, DRM_RENDER_ALLOW),
};

static const struct file_operations npu_fops = {
	.owner = THIS_MODULE,
	DRM_ACCEL_FOPS,
	.show_fdinfo = drm_show_fdinfo,
};

static const struct drm_driver npu_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ,
	.open = npu_open,
	.postclose = npu_postclose,
	.show_fdinfo = npu_show_fdinfo,
	.gem_create_object = npu_gem_create_object,
	.gem_prime_import_sg_table = drm_gem_shmem_prime_import_sg_table,
	.ioctls = npu_ioctls,
	.num_ioctls = ARRAY_SIZE(npu_ioctls),
	.fops = &npu_fops,
	.name = NPU_DRIVER_NAME,
	.desc = NPU_DRIVER_DESC,
	.date = "20261125",
	.major = DRM_NPU_DRIVER_MAJOR,
	.minor = DRM_NPU_DRIVER_MINOR,
};

static int npu_probe(struct platform_device *pdev)
{
	struct npu_device *ndev;
	int ret;

	ndev = devm_drm_dev_alloc(&pdev->dev, &npu_drm_driver, struct npu_device, drm);
	if (IS_ERR(ndev))
		return PTR_ERR(ndev);

	ret = drmm_mutex_init(&ndev->drm, &ndev->bos_lock);
	if (ret)
		return ret;
	ret = drmm_mutex_init(&ndev->drm, &ndev->files_lock);
	if (ret)
		return ret;
	INIT_LIST_HEAD(&ndev->bos);
	INIT_LIST_HEAD(&ndev->files);

	ret = npu_sched_init(ndev);
	if (ret)
		return dev_err_probe(&pdev->dev, ret, "engine setup failed\n");

	npu_debugfs_init(ndev);

	ret = drm_dev_register(&ndev->drm, 0);
	if (ret)
		return dev_err_probe(&pdev->dev, ret, "cannot register the accel device\n");

	platform_set_drvdata(pdev, ndev);
	drm_info(&ndev->drm, "npu %d.%d: %d engine(s), job timeout %u ms\n",
		 DRM_NPU_DRIVER_MAJOR, DRM_NPU_DRIVER_MINOR, NPU_ENGINE_COUNT,
		 npu_job_timeout_ms);
	return 0;
}

static void npu_remove(struct platform_device *pdev)
{
	struct npu_device *ndev = platform_get_drvdata(pdev);

	/* Engines go away with the last reference (npu_sched_init's drmm action). */
	drm_dev_unplug(&ndev->drm);
}

static struct platform_driver npu_platform_driver = {
	.probe = npu_probe,
	.remove = npu_remove,
	.driver = {
		.name = NPU_DRIVER_NAME,
	},
};

static void npu_unregister_devices(void)
{
	int i;

	for (i = NPU_MAX_DEVICES - 1; i >= 0; i--) {
		if (npu_pdevs[i])
			platform_device_unregister(npu_pdevs[i]);
		npu_pdevs[i] = NULL;
	}
}

static int __init npu_init(void)
{
	unsigned int i;
	int ret;

	if (npu_num_devices < 1 || npu_num_devices > NPU_MAX_DEVICES) {
		pr_err("npu: num_devices=%u is out of range: use 1 to %d\n",
		       npu_num_devices, NPU_MAX_DEVICES);
		return -EINVAL;
	}
	if (npu_job_timeout_ms < 10 || npu_job_timeout_ms > 600000) {
		pr_err("npu: job_timeout_ms=%u is out of range: use 10 to 600000\n",
		       npu_job_timeout_ms);
		return -EINVAL;
	}

	ret = platform_driver_register(&npu_platform_driver);
	if (ret)
		return ret;

	for (i = 0; i < npu_num_devices; i++) {
		struct platform_device *pdev;

		pdev = platform_device_register_simple(NPU_DRIVER_NAME, i, NULL, 0);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err;
		}
		npu_pdevs[i] = pdev;
		if (!platform_get_drvdata(pdev)) {
			/* probe failed; its error is in the log */
			ret = -ENODEV;
			goto err;
		}
	}
	return 0;

err:
	npu_unregister_devices();
	platform_driver_unregister(&npu_platform_driver);
	return ret;
}

static void __exit npu_exit(void)
{
	npu_unregister_devices();
	platform_driver_unregister(&npu_platform_driver);
}

module_init(npu_init);
module_exit(npu_exit);

MODULE_AUTHOR("The npu authors");
MODULE_DESCRIPTION("npu: DRM accel driver for edge neural-network inference");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);

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
 * action).
 *
 * Lifetimes: every job holds a reference on its DRM device and its file, so
 * the device (engines, schedulers) outlives its last job even after the
 * last file closed. A job's final release runs on npu_release_wq, never on
 * an engine's or scheduler's own workqueue, because dropping the last
 * device reference there would tear down the scheduler from inside its own
 * work. Module unload waits until no job is left, then flushes that
 * workqueue. Closing a file does not wait: jobs that have not reached an
 * engine are dropped with -ESRCH, running ones finish on their own.
 */

#include <linux/capability.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

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

unsigned int npu_cpu_threads;
module_param_named(cpu_threads, npu_cpu_threads, uint, 0444);
MODULE_PARM_DESC(cpu_threads,
		 "Kernel threads one CPU-engine job may use (0: one per online CPU, default; max 64)");

unsigned int npu_kern_max_isa = NPU_KERN_ISA_COUNT;
module_param_named(kern_isa, npu_kern_max_isa, uint, 0444);
MODULE_PARM_DESC(kern_isa,
		 "Highest vector ISA level of the CPU engine's kernels (0 scalar, 1 AVX2, 2 AVX-512, 3 AVX-512 VNNI; default 4: the best the CPU has)");

bool npu_kern_exact;
module_param_named(kern_exact, npu_kern_exact, bool, 0444);
MODULE_PARM_DESC(kern_exact,
		 "Unfused multiply-adds in the vector kernels: bit-identical results at every ISA level (default off)");

#define NPU_MAX_DEVICES	8

static struct platform_device *npu_pdevs[NPU_MAX_DEVICES];

/* Final job releases run here; see the lifetime rules above. */
struct workqueue_struct *npu_release_wq;

/* Jobs not yet released, over all devices: module unload waits for 0. */
static atomic_t npu_jobs_alive = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(npu_jobs_alive_wq);

void npu_job_alive_get(void)
{
	atomic_inc(&npu_jobs_alive);
}

void npu_job_alive_put(void)
{
	if (atomic_dec_and_test(&npu_jobs_alive))
		wake_up_all(&npu_jobs_alive_wq);
}

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

	/* Drops the jobs that have not reached an engine (-ESRCH). */
	npu_sched_file_close(nfile);

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

/*
 * Accel files have no drm_master, but the DRM core (6.12) lets any file call
 * the legacy master ioctls, and GET_MAGIC and GET_UNIQUE then dereference
 * the NULL master (an oops with dev->master_mutex held). Refuse them here,
 * by number alone: drm_ioctl() dispatches on _IOC_NR() and ignores the type.
 */
static bool npu_ioctl_refused(unsigned int cmd)
{
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(DRM_IOCTL_GET_MAGIC):
	case _IOC_NR(DRM_IOCTL_GET_UNIQUE):
	case _IOC_NR(DRM_IOCTL_AUTH_MAGIC):
	case _IOC_NR(DRM_IOCTL_SET_MASTER):
	case _IOC_NR(DRM_IOCTL_DROP_MASTER):
		return true;
	default:
		return false;
	}
}

static long npu_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	if (npu_ioctl_refused(cmd))
		return -EOPNOTSUPP;
	return drm_ioctl(filp, cmd, arg);
}

static long npu_compat_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	if (npu_ioctl_refused(cmd))
		return -EOPNOTSUPP;
	return drm_compat_ioctl(filp, cmd, arg);
}

/* DRM_ACCEL_FOPS with the ioctl entry points above, plus io_uring commands. */
static const struct file_operations npu_fops = {
	.owner = THIS_MODULE,
	.open = accel_open,
	.release = drm_release,
	.unlocked_ioctl = npu_ioctl,
	.compat_ioctl = npu_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	.mmap = drm_gem_mmap,
	.fop_flags = FOP_UNSIGNED_OFFSET,
	.show_fdinfo = drm_show_fdinfo,
	.uring_cmd = npu_uring_cmd,
};

static const struct drm_driver npu_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ,
	.open = npu_open,
	.postclose = npu_postclose,
	.show_fdinfo = npu_show_fdinfo,
	.gem_create_object = npu_gem_create_object,
	.gem_prime_import_sg_table = npu_gem_prime_import_sg_table,
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

	/*
	 * Exporters map dma-bufs we import for this device: with the 32-bit
	 * mask of a platform device, pages above 4 GiB would bounce through
	 * swiotlb. The CPU engine reaches all memory.
	 */
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return dev_err_probe(&pdev->dev, ret, "cannot set a 64-bit DMA mask\n");

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

	npu_uring_init(ndev);
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
	if (npu_kern_max_isa > NPU_KERN_ISA_COUNT) {
		pr_err("npu: kern_isa=%u is out of range: use 0 to %d\n",
		       npu_kern_max_isa, NPU_KERN_ISA_COUNT);
		return -EINVAL;
	}
	if (npu_cpu_threads > 64) {
		pr_err("npu: cpu_threads=%u is out of range: use 0 (one per CPU) to 64\n",
		       npu_cpu_threads);
		return -EINVAL;
	}

	npu_release_wq = alloc_workqueue("npu-release", WQ_UNBOUND, 0);
	if (!npu_release_wq)
		return -ENOMEM;

	ret = platform_driver_register(&npu_platform_driver);
	if (ret) {
		destroy_workqueue(npu_release_wq);
		return ret;
	}

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
	destroy_workqueue(npu_release_wq);
	return ret;
}

static void __exit npu_exit(void)
{
	npu_unregister_devices();
	platform_driver_unregister(&npu_platform_driver);

	/*
	 * No file is open (each holds a module reference), but dropped jobs
	 * may still wait for their dependencies before drm_sched frees them.
	 */
	while (!wait_event_timeout(npu_jobs_alive_wq, !atomic_read(&npu_jobs_alive), 10 * HZ))
		pr_warn("npu: unload waits for %d job(s) blocked on fences from other drivers\n",
			atomic_read(&npu_jobs_alive));
	destroy_workqueue(npu_release_wq);
}

module_init(npu_init);
module_exit(npu_exit);

MODULE_AUTHOR("The npu authors");
MODULE_DESCRIPTION("npu: DRM accel driver for edge neural-network inference");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);

// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (C) 2026 The npu authors */

/**
 * DOC: job submission
 *
 * npu_job_submit() is the one submit path; DRM_IOCTL_NPU_SUBMIT calls it
 * (and the io_uring command will). In order, it:
 *
 * 1. checks the argument struct (flags, priority, counts);
 * 2. looks up the BO handles (each at most once) and copies and validates
 *    the command stream against their sizes (npu_cmd.c);
 * 3. pins and vmaps every BO and allocates the hardware fence, so run_job
 *    and the executor never allocate or take reservation locks;
 * 4. adds the dependencies: input syncobjs and the implicit fences of the
 *    BOs (a reader waits for earlier writers, a writer for everyone);
 * 5. under npu_file.submit_lock (which keeps entity order and seqnos in
 *    step): arms the job, publishes its finished fence in every BO's
 *    reservation object and in the out syncobj, records it for
 *    DRM_IOCTL_NPU_WAIT, and pushes it to the entity of its priority.
 *
 * Nothing after drm_sched_job_arm() can fail.
 */

#include <linux/capability.h>
#include <linux/dma-resv.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>
#include <drm/drm_syncobj.h>

#include "npu_drv.h"
#include "compat.h"

static void npu_job_release_work(struct work_struct *work)
{
	struct npu_job *job = container_of(work, struct npu_job, release_work);
	struct npu_file *nfile = job->nfile;
	struct drm_device *drm = &nfile->ndev->drm;
	u32 i;

	for (i = 0; i < job->bo_count; i++) {
		if (job->bo_vaddr && job->bo_vaddr[i])
			drm_gem_vunmap_unlocked(job->bos[i], &job->maps[i]);
		if (job->bos[i])
			drm_gem_object_put(job->bos[i]);
	}
	if (job->hw_fence)
		npu_hw_fence_free(job->hw_fence);
	kvfree(job->cmd);
	kfree(job->bos);
	kfree(job->maps);
	kfree(job->bo_vaddr);
	kfree(job);
	npu_file_put(nfile);
	/* May be the device's last reference: engines and schedulers go. */
	drm_dev_put(drm);
	npu_job_alive_put();
}

static void npu_job_release(struct kref *ref)
{
	struct npu_job *job = container_of(ref, struct npu_job, refcount);

	queue_work(npu_release_wq, &job->release_work);
}

/*
 * Drop a job reference. The last one may be dropped from the scheduler's
 * free_job or the engine's thread: the release itself runs on
 * npu_release_wq (see the lifetime rules in npu_drv.c).
 */
void npu_job_put(struct npu_job *job)
{
	kref_put(&job->refcount, npu_job_release);
}

/* Look up @count handles from userspace; a handle may appear only once. */
static int npu_job_lookup_bos(struct npu_job *job, struct drm_file *file,
			      u64 uptr, u32 count)
{
	u32 *handles;
	u32 i, j;
	int ret = 0;

	handles = kmalloc_array(count, sizeof(*handles), GFP_KERNEL);
	job->bos = kcalloc(count, sizeof(*job->bos), GFP_KERNEL);
	job->maps = kcalloc(count, sizeof(*job->maps), GFP_KERNEL);
	job->bo_vaddr = kcalloc(count, sizeof(*job->bo_vaddr), GFP_KERNEL);
	if (!handles || !job->bos || !job->maps || !job->bo_vaddr) {
		ret = -ENOMEM;
		goto out;
	}
	if (copy_from_user(handles, u64_to_user_ptr(uptr), count * sizeof(*handles))) {
		ret = -EFAULT;
		goto out;
	}
	for (i = 0; i < count; i++) {
		for (j = 0; j < i; j++) {
			if (handles[i] == handles[j]) {
				ret = -EINVAL;
				goto out;
			}
		}
		job->bos[i] = drm_gem_object_lookup(file, handles[i]);
		if (!job->bos[i]) {
			ret = -ENOENT;
			goto out;
		}
		job->bo_count = i + 1;
	}
out:
	kfree(handles);
	return ret;
}

static int npu_job_map_bos(struct npu_job *job)
{
	u32 i;
	int ret;

	for (i = 0; i < job->bo_count; i++) {
		ret = drm_gem_vmap_unlocked(job->bos[i], &job->maps[i]);
		if (ret)
			return ret;
		if (job->maps[i].is_iomem) {
			/* Imported from a device that exports I/O memory. */
			drm_gem_vunmap_unlocked(job->bos[i], &job->maps[i]);
			return -EOPNOTSUPP;
		}
		job->bo_vaddr[i] = job->maps[i].vaddr;
	}
	job->fw.cmd = job->cmd;
	job->fw.bo_vaddr = job->bo_vaddr;
	job->fw.kern = job->engine->par.kern;
	return 0;
}

static int npu_job_add_deps(struct npu_job *job, struct drm_file *file,
			    const struct drm_npu_submit *args)
{
	u32 __user *uhandles = u64_to_user_ptr(args->in_syncobjs);
	u32 i, handle;
	int ret;

	for (i = 0; i < args->in_syncobj_count; i++) {
		if (get_user(handle, uhandles + i))
			return -EFAULT;
		ret = drm_sched_job_add_syncobj_dependency(&job->base, file, handle, 0);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * npu_job_submit() - validate and queue one job (shared by ioctl and io_uring)
 * @nfile: submitting file
 * @file: its DRM file
 * @args: the submit arguments, already copied from userspace
 * @seqno: out: the job's sequence number
 *
 * Return: 0 or a negative errno (see Documentation/accel/npu.rst).
 */
int npu_job_submit(struct npu_file *nfile, struct drm_file *file,
		   const struct drm_npu_submit *args, u64 *seqno)
{
	struct npu_device *ndev = nfile->ndev;
	struct drm_syncobj *out_syncobj = NULL;
	struct ww_acquire_ctx acquire;
	struct dma_fence *finished;
	struct npu_job *job;
	u32 i;
	int ret;

	if (args->flags)
		return -EINVAL;
	if (args->priority >= DRM_NPU_PRIO_COUNT)
		return -EINVAL;
	if (args->priority == DRM_NPU_PRIO_REALTIME && !capable(CAP_SYS_NICE))
		return -EPERM;
	if (!args->bo_count || args->cmd_size < sizeof(struct npu_cmd_header))
		return -EINVAL;
	if (args->bo_count > NPU_MAX_BOS || args->cmd_size > NPU_MAX_CMD_SIZE ||
	    args->in_syncobj_count > NPU_MAX_IN_SYNCOBJS)
		return -E2BIG;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		return -ENOMEM;
	kref_init(&job->refcount);
	INIT_WORK(&job->release_work, npu_job_release_work);
	npu_job_alive_get();
	drm_dev_get(&ndev->drm);
	kref_get(&nfile->refcount);
	job->nfile = nfile;
	job->engine = &ndev->engines[NPU_ENGINE_CPU];

	ret = npu_job_lookup_bos(job, file, args->bo_handles, args->bo_count);
	if (ret)
		goto err_put;

	ret = npu_cmd_copy_validate(ndev, args->cmd, args->cmd_size, job->bos,
				    job->bo_count, &job->cmd, &job->bos_written);
	if (ret)
		goto err_put;

	if (args->out_syncobj) {
		out_syncobj = drm_syncobj_find(file, args->out_syncobj);
		if (!out_syncobj) {
			ret = -ENOENT;
			goto err_put;
		}
	}

	ret = npu_job_map_bos(job);
	if (ret)
		goto err_put;

	job->hw_fence = npu_hw_fence_alloc();
	if (!job->hw_fence) {
		ret = -ENOMEM;
		goto err_put;
	}

	ret = npu_compat_sched_job_init(&job->base, &nfile->entities[args->priority],
					nfile, file->client_id);
	if (ret)
		goto err_put;

	ret = npu_job_add_deps(job, file, args);
	if (ret)
		goto err_cleanup;

	ret = drm_gem_lock_reservations(job->bos, job->bo_count, &acquire);
	if (ret)
		goto err_cleanup;

	for (i = 0; i < job->bo_count; i++) {
		bool write = job->bos_written & BIT_ULL(i);

		ret = dma_resv_reserve_fences(job->bos[i]->resv, 1);
		if (ret)
			goto err_unlock;
		ret = drm_sched_job_add_implicit_dependencies(&job->base, job->bos[i], write);
		if (ret)
			goto err_unlock;
	}

	mutex_lock(&nfile->submit_lock);
	ret = xa_reserve(&nfile->fences, nfile->last_seqno + 1, GFP_KERNEL);
	if (ret) {
		mutex_unlock(&nfile->submit_lock);
		goto err_unlock;
	}

	/* Point of no return. */
	drm_sched_job_arm(&job->base);
	finished = &job->base.s_fence->finished;
	for (i = 0; i < job->bo_count; i++)
		dma_resv_add_fence(job->bos[i]->resv, finished,
				   (job->bos_written & BIT_ULL(i)) ?
				   DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
	if (out_syncobj)
		drm_syncobj_replace_fence(out_syncobj, finished);

	*seqno = ++nfile->last_seqno;
	xa_store(&nfile->fences, *seqno, dma_fence_get(finished), GFP_NOWAIT);
	if (*seqno > NPU_WAIT_WINDOW) {
		struct dma_fence *old = xa_erase(&nfile->fences, *seqno - NPU_WAIT_WINDOW);

		dma_fence_put(old);
	}

	atomic_inc(&job->engine->queued);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&nfile->submit_lock);

	drm_gem_unlock_reservations(job->bos, job->bo_count, &acquire);
	if (out_syncobj)
		drm_syncobj_put(out_syncobj);
	return 0;

err_unlock:
	drm_gem_unlock_reservations(job->bos, job->bo_count, &acquire);
err_cleanup:
	drm_sched_job_cleanup(&job->base);
err_put:
	if (out_syncobj)
		drm_syncobj_put(out_syncobj);
	npu_job_put(job);
	return ret;
}

int npu_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_npu_submit *args = data;
	u64 seqno;
	int ret;

	ret = npu_job_submit(file->driver_priv, file, args, &seqno);
	if (!ret)
		args->seqno = seqno;
	return ret;
}

/* Wait for @fence; returns 0, -ETIME, -ERESTARTSYS or the fence's error. */
static int npu_wait_fence(struct dma_fence *fence, s64 timeout_ns)
{
	long ret;

	if (timeout_ns <= 0) {
		if (!dma_fence_is_signaled(fence))
			return -ETIME;
	} else {
		ret = dma_fence_wait_timeout(fence, true, nsecs_to_jiffies64(timeout_ns) + 1);
		if (ret < 0)
			return ret;
		if (!ret)
			return -ETIME;
	}
	return fence->error;
}

static int npu_wait_bo(struct drm_file *file, u32 handle, s64 timeout_ns)
{
	struct dma_resv_iter cursor;
	struct drm_gem_object *obj;
	struct dma_fence *fence;
	long ret;

	obj = drm_gem_object_lookup(file, handle);
	if (!obj)
		return -ENOENT;

	ret = dma_resv_wait_timeout(obj->resv, DMA_RESV_USAGE_READ, true,
				    timeout_ns > 0 ? nsecs_to_jiffies64(timeout_ns) + 1 : 0);
	if (ret == 0) {
		ret = -ETIME;
	} else if (ret > 0) {
		/*
		 * All signalled: report the first error of a job on this BO.
		 * The locked iterator also returns signalled fences.
		 */
		ret = dma_resv_lock_interruptible(obj->resv, NULL);
		if (!ret) {
			dma_resv_for_each_fence(&cursor, obj->resv, DMA_RESV_USAGE_READ, fence) {
				if (fence->error) {
					ret = fence->error;
					break;
				}
			}
			dma_resv_unlock(obj->resv);
		}
	}
	drm_gem_object_put(obj);
	return ret;
}

int npu_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct npu_file *nfile = file->driver_priv;
	struct drm_npu_wait *args = data;
	struct dma_fence *fence;
	u64 last;
	int ret;

	if (args->flags & ~DRM_NPU_WAIT_FLAGS)
		return -EINVAL;

	if (args->flags & DRM_NPU_WAIT_BO) {
		if (args->seqno)
			return -EINVAL;
		return npu_wait_bo(file, args->handle, args->timeout_ns);
	}
	if (args->handle)
		return -EINVAL;

	mutex_lock(&nfile->submit_lock);
	last = nfile->last_seqno;
	fence = NULL;
	if (args->seqno && args->seqno <= last)
		fence = dma_fence_get(xa_load(&nfile->fences, args->seqno));
	mutex_unlock(&nfile->submit_lock);

	if (!args->seqno || args->seqno > last)
		return -EINVAL;
	if (!fence)
		return -ENOENT;	/* older than the last NPU_WAIT_WINDOW jobs */

	ret = npu_wait_fence(fence, args->timeout_ns);
	dma_fence_put(fence);
	return ret;
}

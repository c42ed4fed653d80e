// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (C) 2026 The npu authors */

/**
 * DOC: job submission
 *
 * npu_job_submit() is the one submit path; DRM_IOCTL_NPU_SUBMIT and the
 * io_uring SUBMIT commands (npu_uring.c) call it. In order, it:
 *
 * 1. checks the argument struct (flags, priority, counts);
 * 2. looks up the BO handles (each at most once) and copies and validates
 *    the command stream against their sizes (npu_cmd.c);
 * 3. maps every BO into the kernel (once per BO: the mapping stays until
 *    the BO is freed, see npu_bo_kmap()) and allocates the hardware fence,
 *    so run_job and the executor never allocate or take reservation locks;
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
		if (job->bos[i])
			drm_gem_object_put(job->bos[i]);
	}
	if (job->hw_fence)
		npu_hw_fence_free(job->hw_fence);
	kvfree(job->cmd);
	kfree(job->bos);
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
	job->bo_vaddr = kcalloc(count, sizeof(*job->bo_vaddr), GFP_KERNEL);
	if (!handles || !job->bos || !job->bo_vaddr) {
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

/*
 * The kernel mapping of @bo, taken once and kept until the BO is freed
 * (npu_bo_kunmap()). With @nowait, only an existing mapping is returned
 * (-EAGAIN otherwise): mapping may sleep on the reservation lock, on page
 * allocation and, for an import, in the exporter.
 */
static int npu_bo_kmap(struct npu_bo *bo, bool nowait, void **vaddr)
{
	struct drm_gem_object *obj = &bo->base.base;
	struct iosys_map map;
	int ret = 0;

	/* Pairs with the release below: a set flag means @kmap is written. */
	if (!smp_load_acquire(&bo->kmapped)) {
		if (nowait)
			return -EAGAIN;
		ret = dma_resv_lock_interruptible(obj->resv, NULL);
		if (ret)
			return ret;
		if (!bo->kmapped) {
			/* npu_gem_vmap(): -EOPNOTSUPP for an I/O-memory import */
			ret = obj->funcs->vmap(obj, &map);
			if (!ret) {
				bo->kmap = map;
				/* Publish @kmap before the flag (lock-free readers). */
				smp_store_release(&bo->kmapped, true);
			}
		}
		dma_resv_unlock(obj->resv);
		if (ret)
			return ret;
	}
	*vaddr = bo->kmap.vaddr;
	return 0;
}

/* Drop the mapping npu_bo_kmap() kept; from the BO's free callback. */
void npu_bo_kunmap(struct npu_bo *bo)
{
	if (bo->kmapped)
		drm_gem_vunmap_unlocked(&bo->base.base, &bo->kmap);
	bo->kmapped = false;
}

static int npu_job_map_bos(struct npu_job *job, bool nowait)
{
	u32 i;
	int ret;

	for (i = 0; i < job->bo_count; i++) {
		ret = npu_bo_kmap(to_npu_bo(job->bos[i]), nowait, &job->bo_vaddr[i]);
		if (ret)
			return ret;
	}
	job->fw.cmd = job->cmd;
	job->fw.bo_vaddr = job->bo_vaddr;
	job->fw.kern = job->engine->par.kern;
	return 0;
}

/* drm_gem_lock_reservations() without sleeping: trylock each, or -EAGAIN. */
static int npu_job_trylock_bos(struct npu_job *job)
{
	u32 i;

	for (i = 0; i < job->bo_count; i++) {
		if (!dma_resv_trylock(job->bos[i]->resv)) {
			while (i--)
				dma_resv_unlock(job->bos[i]->resv);
			return -EAGAIN;
		}
	}
	return 0;
}

static void npu_job_unlock_bos(struct npu_job *job, bool nowait,
			       struct ww_acquire_ctx *acquire)
{
	u32 i;

	if (!nowait) {
		drm_gem_unlock_reservations(job->bos, job->bo_count, acquire);
		return;
	}
	for (i = 0; i < job->bo_count; i++)
		dma_resv_unlock(job->bos[i]->resv);
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
 * @flags: NPU_SUBMIT_NOWAIT: never sleep on a lock (io_uring's non-blocking
 *	issue): a lock that is taken, or a BO without its kernel mapping yet,
 *	gives -EAGAIN, and nothing was queued
 * @seqno: out: the job's sequence number
 * @finished_out: out, optional: a reference to the job's finished fence
 *
 * Return: 0 or a negative errno (see Documentation/accel/npu.rst).
 */
int npu_job_submit(struct npu_file *nfile, struct drm_file *file,
		   const struct drm_npu_submit *args, u32 flags, u64 *seqno,
		   struct dma_fence **finished_out)
{
	bool nowait = flags & NPU_SUBMIT_NOWAIT;
	struct npu_device *ndev = nfile->ndev;
	struct drm_syncobj *out_syncobj = NULL;
	struct ww_acquire_ctx acquire;
	struct dma_fence *finished;
	struct npu_job *job;
	u64 seq;
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

	ret = npu_job_map_bos(job, nowait);
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

	if (nowait)
		ret = npu_job_trylock_bos(job);
	else
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

	if (!nowait) {
		mutex_lock(&nfile->submit_lock);
	} else if (!mutex_trylock(&nfile->submit_lock)) {
		ret = -EAGAIN;
		goto err_unlock;
	}
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

	seq = nfile->last_seqno + 1;
	xa_store(&nfile->fences, seq, dma_fence_get(finished), GFP_NOWAIT);
	/* Pairs with the acquire in npu_job_seqno_fence(). */
	smp_store_release(&nfile->last_seqno, seq);
	if (seq > NPU_WAIT_WINDOW) {
		struct dma_fence *old = xa_erase(&nfile->fences, seq - NPU_WAIT_WINDOW);

		dma_fence_put(old);
	}
	*seqno = seq;
	if (finished_out)
		*finished_out = dma_fence_get(finished);

	/*
	 * Once pushed, the job may run, finish and be freed at any time, but
	 * the unlock below still reads job->bos: hold a reference until then.
	 */
	kref_get(&job->refcount);
	atomic_inc(&job->engine->queued);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&nfile->submit_lock);

	npu_job_unlock_bos(job, nowait, &acquire);
	npu_job_put(job);
	if (out_syncobj)
		drm_syncobj_put(out_syncobj);
	return 0;

err_unlock:
	npu_job_unlock_bos(job, nowait, &acquire);
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

	ret = npu_job_submit(file->driver_priv, file, args, 0, &seqno, NULL);
	if (!ret)
		args->seqno = seqno;
	return ret;
}

/**
 * npu_job_seqno_fence() - the finished fence of job @seqno of @nfile
 * @nfile: the file that submitted it
 * @seqno: its sequence number
 *
 * Takes no lock (RCU lookup), so the non-blocking io_uring WAIT can use it.
 *
 * Return: a fence reference, ERR_PTR(-EINVAL) for seqno 0 or one not
 * handed out yet, ERR_PTR(-ENOENT) for one older than the last
 * NPU_WAIT_WINDOW jobs.
 */
struct dma_fence *npu_job_seqno_fence(struct npu_file *nfile, u64 seqno)
{
	struct dma_fence *fence;

	/* Pairs with the release in npu_job_submit(). */
	if (!seqno || seqno > smp_load_acquire(&nfile->last_seqno))
		return ERR_PTR(-EINVAL);
	rcu_read_lock();
	fence = xa_load(&nfile->fences, seqno);
	if (fence)
		fence = dma_fence_get_rcu(fence);
	rcu_read_unlock();
	return fence ?: ERR_PTR(-ENOENT);
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

	fence = npu_job_seqno_fence(nfile, args->seqno);
	if (IS_ERR(fence))
		return PTR_ERR(fence);

	ret = npu_wait_fence(fence, args->timeout_ns);
	dma_fence_put(fence);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (C) 2026 The npu authors */

/**
 * DOC: scheduling
 *
 * Each engine has one drm_gpu_scheduler with a run queue per priority. Each
 * open file has one entity per priority (LOW, NORMAL, HIGH, REALTIME map to
 * the scheduler's LOW, NORMAL, HIGH and KERNEL run queues), so a file's jobs
 * of one priority run in submission order, and higher priorities are picked
 * first.
 *
 * An engine executes one job at a time (credit limit 1): its hardware
 * fences come from one dma-fence context and must signal in order.
 *
 * Fences and locks:
 *
 * - run_job() only initialises the pre-allocated hardware fence and hands
 *   the job to the engine; it neither allocates nor locks reservations.
 * - The engine signals the hardware fence from its own context (a kernel
 *   thread for the CPU engine) under npu_engine.fence_lock, after it has
 *   stopped touching the job's BOs. The scheduler then signals the
 *   job's finished fence with the same error.
 * - timedout_job() has the engine abort the job and waits until the engine
 *   has let go of it (the CPU engine checks between slices); the job's
 *   fence then carries -ETIMEDOUT and timedout_job() has the scheduler
 *   free it (free_guilty). The job is not resubmitted; later jobs run
 *   normally.
 * - free_job() runs on the scheduler's workqueue after the finished fence
 *   signalled; it may sleep and drops the BO mappings and references.
 *
 * Teardown: the schedulers live until the DRM device's last reference is
 * gone (a drmm action), so an unbound device with open files still
 * completes the jobs it accepted.
 */

#include <linux/delay.h>
#include <linux/wait_bit.h>
#include <linux/slab.h>

#include <drm/drm_managed.h>
#include <drm/drm_print.h>

#include "npu_drv.h"
#include "compat.h"

/* A hardware fence, allocated at submit and initialised in run_job. */
struct npu_hw_fence {
	struct dma_fence base;
	const char *timeline;
};

static const char *npu_fence_driver_name(struct dma_fence *fence)
{
	return NPU_DRIVER_NAME;
}

static const char *npu_fence_timeline_name(struct dma_fence *fence)
{
	struct npu_hw_fence *f = container_of(fence, struct npu_hw_fence, base);

	/* A string literal: valid after the engine is gone. */
	return f->timeline;
}

static const struct dma_fence_ops npu_hw_fence_ops = {
	.get_driver_name = npu_fence_driver_name,
	.get_timeline_name = npu_fence_timeline_name,
};

struct dma_fence *npu_hw_fence_alloc(void)
{
	struct npu_hw_fence *f = kzalloc(sizeof(*f), GFP_KERNEL);

	return f ? &f->base : NULL;
}

/* Drop the job's reference; frees directly when run_job never armed it. */
void npu_hw_fence_free(struct dma_fence *fence)
{
	if (fence->ops)
		dma_fence_put(fence);
	else
		kfree(container_of(fence, struct npu_hw_fence, base));
}

static void npu_job_set_run_state(struct npu_job *job, u8 state)
{
	/* pairs with smp_load_acquire() in debugfs and the timeout handler */
	smp_store_release(&job->run_state, state);
	/* orders the store before wake_up_var()'s check for waiters */
	smp_mb();
	wake_up_var(&job->run_state);
}

static struct dma_fence *npu_sched_run_job(struct drm_sched_job *sched_job)
{
	struct npu_job *job = to_npu_job(sched_job);
	struct npu_engine *engine = job->engine;
	struct npu_hw_fence *f = container_of(job->hw_fence, struct npu_hw_fence, base);
	unsigned int delay_ms;

	/* A dependency failed or the entity was killed: do not run. */
	if (unlikely(sched_job->s_fence->finished.error)) {
		npu_job_set_run_state(job, NPU_JOB_SKIPPED);
		return ERR_PTR(sched_job->s_fence->finished.error);
	}

	/* debugfs fault_run_delay_ms: hold the job on the pending list */
	delay_ms = atomic_xchg(&engine->ndev->fault_run_delay_ms, 0);
	if (unlikely(delay_ms))
		msleep(delay_ms);

	f->timeline = engine->name;
	dma_fence_init(&f->base, &npu_hw_fence_ops, &engine->fence_lock,
		       engine->fence_context, ++engine->fence_seqno);

	/* One reference for the scheduler, one kept by the job. */
	dma_fence_get(&f->base);

	/* debugfs fault_start_delay_ms: hold the job before the engine has it */
	delay_ms = atomic_xchg(&engine->ndev->fault_start_delay_ms, 0);
	if (unlikely(delay_ms))
		msleep(delay_ms);

	engine->ops->run(job);
	/*
	 * Only now may the timeout handler abort the job: the engine has it
	 * (the CPU engine's abort flushes the work that run() set up). The job
	 * may even be done already; it stays allocated, because the scheduler
	 * only frees it after the fence returned below has signalled.
	 */
	npu_job_set_run_state(job, NPU_JOB_STARTED);
	return &f->base;
}

/*
 * The scheduler took the job off its pending list before calling us and
 * only frees it again when told so through free_guilty. The engine first
 * lets go of the job (the CPU engine stops at its next slice) and signals
 * its hardware fence with -ETIMEDOUT, which completes the finished fence
 * with that error; then the job is freed here. Other jobs are not touched:
 * drm_sched_stop()/drm_sched_start() would complete every job still
 * running with -ECANCELED, including innocent ones.
 */
static enum drm_gpu_sched_stat npu_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct npu_job *job = to_npu_job(sched_job);
	struct npu_engine *engine = job->engine;
	u8 state;

	/*
	 * The scheduler lists the job and arms this timeout just before it
	 * calls run_job() (on its own submit workqueue, never blocked by
	 * this handler): when that gap outlasted the timeout, let run_job()
	 * finish with the job before looking at its hardware fence.
	 */
	wait_var_event(&job->run_state,
		       /* pairs with smp_store_release() in npu_job_set_run_state() */
		       (state = smp_load_acquire(&job->run_state)) != NPU_JOB_QUEUED);

	if (state == NPU_JOB_STARTED && !dma_fence_is_signaled(job->hw_fence)) {
		atomic64_inc(&engine->timeouts);
		drm_warn(&engine->ndev->drm,
			 "%s: job from pid %d timed out after %u ms, aborting it\n",
			 engine->name, job->nfile->pid, npu_job_timeout_ms);
		engine->ops->abort(job);
	}

	/* The completion callback may still run on another CPU. */
	dma_fence_wait(&sched_job->s_fence->finished, false);
	engine->sched.free_guilty = true;
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static void npu_sched_free_job(struct drm_sched_job *sched_job)
{
	struct npu_job *job = to_npu_job(sched_job);

	atomic_dec(&job->engine->queued);
	drm_sched_job_cleanup(sched_job);
	npu_job_put(job);
}

static const struct drm_sched_backend_ops npu_sched_ops = {
	.run_job = npu_sched_run_job,
	.timedout_job = npu_sched_timedout_job,
	.free_job = npu_sched_free_job,
};

/**
 * npu_job_done() - an engine finished executing @job
 * @job: the job
 * @error: 0 or a negative errno for the job's fence
 *
 * Called by the engine once it no longer touches the job's memory.
 */
void npu_job_done(struct npu_job *job, int error)
{
	struct npu_engine *engine = job->engine;
	u64 ns = ktime_get_ns() - job->start_ns;

	atomic64_add(ns, &engine->busy_ns);
	atomic64_add(ns, &job->nfile->engine_ns[engine->id]);
	if (error) {
		atomic64_inc(&engine->jobs_failed);
		dma_fence_set_error(job->hw_fence, error);
	}
	atomic64_inc(&engine->jobs_done);
	dma_fence_signal(job->hw_fence);
}

static void npu_sched_fini(struct drm_device *drm, void *arg)
{
	struct npu_device *ndev = to_npu_device(drm);
	int i;

	for (i = 0; i < NPU_ENGINE_COUNT; i++) {
		struct npu_engine *e = &ndev->engines[i];

		if (!e->ops)
			continue;
		drm_sched_fini(&e->sched);
		npu_cpu_engine_fini(e);
	}
}

int npu_sched_init(struct npu_device *ndev)
{
	long timeout = msecs_to_jiffies(npu_job_timeout_ms);
	struct npu_engine *e = &ndev->engines[NPU_ENGINE_CPU];
	int ret;

	e->ndev = ndev;
	e->id = NPU_ENGINE_CPU;
	e->name = "cpu";
	e->kind = DRM_NPU_ENGINE_CPU;
	spin_lock_init(&e->fence_lock);
	ret = drmm_mutex_init(&ndev->drm, &e->entity_fini_lock);
	if (ret)
		return ret;
	e->fence_context = dma_fence_context_alloc(1);

	ret = npu_cpu_engine_init(e);
	if (ret)
		return ret;

	ret = npu_compat_sched_init(&e->sched, &npu_sched_ops, NULL, 1, timeout,
				    e->name, ndev->drm.dev);
	if (ret) {
		npu_cpu_engine_fini(e);
		return ret;
	}
	e->ops = &npu_cpu_engine_ops;

	return drmm_add_action_or_reset(&ndev->drm, npu_sched_fini, NULL);
}

int npu_sched_file_open(struct npu_file *nfile)
{
	struct npu_device *ndev = nfile->ndev;
	struct drm_gpu_scheduler *sched = &ndev->engines[NPU_ENGINE_CPU].sched;
	static const enum drm_sched_priority prio[DRM_NPU_PRIO_COUNT] = {
		[DRM_NPU_PRIO_LOW] = DRM_SCHED_PRIORITY_LOW,
		[DRM_NPU_PRIO_NORMAL] = DRM_SCHED_PRIORITY_NORMAL,
		[DRM_NPU_PRIO_HIGH] = DRM_SCHED_PRIORITY_HIGH,
		[DRM_NPU_PRIO_REALTIME] = DRM_SCHED_PRIORITY_KERNEL,
	};
	int i, ret;

	for (i = 0; i < DRM_NPU_PRIO_COUNT; i++) {
		ret = drm_sched_entity_init(&nfile->entities[i], prio[i], &sched, 1, NULL);
		if (ret) {
			while (--i >= 0)
				drm_sched_entity_destroy(&nfile->entities[i]);
			return ret;
		}
	}
	return 0;
}

/*
 * No drm_sched_entity_flush(): it would wait, without a bound, until the
 * file's queued jobs ran (or their foreign in-fences signalled). The
 * queued jobs are dropped with -ESRCH instead; running ones finish.
 *
 * The submit work is paused around drm_sched_entity_fini(). In 6.12,
 * drm_sched_entity_pop_job() re-inserts the entity into the run queue's
 * FIFO tree when more jobs are queued, without checking entity->stopped.
 * If the submit work popped a job between drm_sched_entity_kill() taking
 * the entity off the run queue and waiting for entity_idle, the entity
 * stayed in the tree after fini, and npu_file (which embeds it) was freed
 * later under the scheduler's feet (KASAN use-after-free in rb_next from
 * drm_sched_run_job_work; tests/fuzz/guest/repro-close-entity-uaf.c).
 * With the work paused and cancelled, nothing selects or pops the entity
 * while it is killed, and drm_sched_entity_kill() is the only consumer of
 * its job queue. entity_fini_lock keeps one close from restarting the work
 * while another is still inside. The pause is short: run_job only hands
 * the job to the engine, and jobs already on the engine keep running.
 */
void npu_sched_file_close(struct npu_file *nfile)
{
	struct npu_engine *e = &nfile->ndev->engines[NPU_ENGINE_CPU];
	int i;

	mutex_lock(&e->entity_fini_lock);
	drm_sched_wqueue_stop(&e->sched);
	for (i = 0; i < DRM_NPU_PRIO_COUNT; i++)
		drm_sched_entity_fini(&nfile->entities[i]);
	drm_sched_wqueue_start(&e->sched);
	mutex_unlock(&e->entity_fini_lock);
}

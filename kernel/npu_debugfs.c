// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (C) 2026 The npu authors */

/**
 * DOC: debugfs
 *
 * Files in /sys/kernel/debug/accel/<device>/, where <device> is the
 * platform device name (npu.0, npu.1, ...; the target of
 * /sys/class/accel/accelN/device):
 *
 * - engines: one line per engine: name, kind, jobs done and failed,
 *   timeouts, busy ns, jobs queued now, threads a job may use, ops that
 *   were spread over more than one thread, the vector kernels the engine
 *   runs (module parameters kern_isa and kern_exact): F32 level, "/", int8
 *   level, "+exact" in EXACT mode, e.g. "avx2/avx2+exact" ("-" for none).
 *   Columns may be appended: parse by the header line.
 * - jobs: jobs the engines' schedulers hold (running or done and not yet
 *   freed): engine, pid, hardware fence seqno (0 if it has not run), state:
 *   starting (about to run), running, done, or skipped (a dependency
 *   failed, the job will not run).
 * - bos: every BO of the device: size, resident or not, creator pid,
 *   imported or not, handle count.
 * - clients: open files: pid, client id, busy ns per engine.
 * - fault_hang: write N to make the next N jobs hang until their timeout
 *   fires (tests the timeout path); read for the jobs still to hang.
 * - fault_run_delay_ms: write N (at most 1000) to make the next job that
 *   the scheduler starts wait N ms just before it runs, on the scheduler's
 *   pending list ("starting" in jobs); read for the delay still to take.
 * - fault_start_delay_ms: likewise, but the wait comes after the job's
 *   hardware fence is set up, just before the engine takes the job.
 * - uring: io_uring commands: "pending N" (issued, CQE not yet posted) and
 *   "commands N" (issued since load), one per line.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>

#include "npu_drv.h"

static int npu_debugfs_engines(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct npu_device *ndev = to_npu_device(entry->dev);
	int i;

	seq_puts(m, "name kind jobs_done jobs_failed timeouts busy_ns queued threads spread_ops kernels\n");
	for (i = 0; i < NPU_ENGINE_COUNT; i++) {
		struct npu_engine *e = &ndev->engines[i];
		const struct npu_kern_ops *k = e->par.kern;

		seq_printf(m, "%s %s %llu %llu %llu %llu %d %u %llu ", e->name,
			   e->kind == DRM_NPU_ENGINE_CPU ? "cpu" : "vnpu",
			   (u64)atomic64_read(&e->jobs_done),
			   (u64)atomic64_read(&e->jobs_failed),
			   (u64)atomic64_read(&e->timeouts),
			   (u64)atomic64_read(&e->busy_ns),
			   atomic_read(&e->queued), e->par.nhelpers + 1,
			   (u64)atomic64_read(&e->par.spread_ops));
		if (k)
			seq_printf(m, "%s/%s%s\n", npu_kern_isa_name(k->isa),
				   npu_kern_isa_name(k->q8_isa),
				   k->flags & NPU_KERN_EXACT ? "+exact" : "");
		else
			seq_puts(m, "-\n");
	}
	return 0;
}

static int npu_debugfs_jobs(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct npu_device *ndev = to_npu_device(entry->dev);
	struct drm_sched_job *sched_job;
	int i;

	seq_puts(m, "engine pid seqno state\n");
	for (i = 0; i < NPU_ENGINE_COUNT; i++) {
		struct npu_engine *e = &ndev->engines[i];

		spin_lock(&e->sched.job_list_lock);
		list_for_each_entry(sched_job, &e->sched.pending_list, list) {
			struct npu_job *job = to_npu_job(sched_job);
			struct dma_fence *f = job->hw_fence;
			const char *state;
			u64 seqno = 0;

			/*
			 * The scheduler lists a job just before run_job()
			 * initialises its hardware fence, and keeps one whose
			 * dependency failed there, fence never initialised,
			 * until it is freed. Only the signalled bit is read:
			 * dma_fence_is_signaled() could signal the fence and
			 * take fence_lock under job_list_lock.
			 */
			switch (smp_load_acquire(&job->run_state)) {
			case NPU_JOB_STARTED:
				seqno = f->seqno;
				state = test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &f->flags) ?
					"done" : "running";
				break;
			case NPU_JOB_SKIPPED:
				state = "skipped";
				break;
			default:
				state = "starting";
				break;
			}
			seq_printf(m, "%s %d %llu %s\n", e->name, job->nfile->pid,
				   seqno, state);
		}
		spin_unlock(&e->sched.job_list_lock);
	}
	return 0;
}

static int npu_debugfs_bos(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct npu_device *ndev = to_npu_device(entry->dev);
	struct npu_bo *bo;
	u64 total = 0;

	seq_puts(m, "size resident pid imported handles\n");
	mutex_lock(&ndev->bos_lock);
	list_for_each_entry(bo, &ndev->bos, link) {
		struct drm_gem_object *obj = &bo->base.base;

		seq_printf(m, "%zu %d %d %d %u\n", obj->size, !!bo->base.pages,
			   bo->owner_pid, !!obj->import_attach, obj->handle_count);
		total += obj->size;
	}
	mutex_unlock(&ndev->bos_lock);
	seq_printf(m, "total %llu\n", total);
	return 0;
}

static int npu_debugfs_clients(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct npu_device *ndev = to_npu_device(entry->dev);
	struct npu_file *nfile;
	int i;

	seq_puts(m, "pid client_id busy_ns...\n");
	mutex_lock(&ndev->files_lock);
	list_for_each_entry(nfile, &ndev->files, link) {
		seq_printf(m, "%d %llu", nfile->pid, nfile->client_id);
		for (i = 0; i < NPU_ENGINE_COUNT; i++)
			seq_printf(m, " %s=%llu", ndev->engines[i].name,
				   (u64)atomic64_read(&nfile->engine_ns[i]));
		seq_putc(m, '\n');
	}
	mutex_unlock(&ndev->files_lock);
	return 0;
}

static int npu_debugfs_uring(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct npu_device *ndev = to_npu_device(entry->dev);

	seq_printf(m, "pending %d\ncommands %llu\n", atomic_read(&ndev->uring_pending),
		   (u64)atomic64_read(&ndev->uring_cmds));
	return 0;
}

static int npu_fault_hang_get(void *data, u64 *val)
{
	struct npu_device *ndev = data;

	*val = atomic_read(&ndev->fault_hang);
	return 0;
}

static int npu_fault_hang_set(void *data, u64 val)
{
	struct npu_device *ndev = data;

	if (val > 1000)
		return -EINVAL;
	atomic_set(&ndev->fault_hang, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(npu_fault_hang_fops, npu_fault_hang_get, npu_fault_hang_set, "%llu\n");

/* fault_run_delay_ms and fault_start_delay_ms: @data is the atomic_t */
static int npu_fault_delay_get(void *data, u64 *val)
{
	*val = atomic_read((atomic_t *)data);
	return 0;
}

static int npu_fault_delay_set(void *data, u64 val)
{
	if (val > 1000)
		return -EINVAL;
	atomic_set((atomic_t *)data, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(npu_fault_delay_fops, npu_fault_delay_get, npu_fault_delay_set,
			 "%llu\n");

static const struct drm_debugfs_info npu_debugfs_list[] = {
	{ "engines", npu_debugfs_engines, 0 },
	{ "jobs", npu_debugfs_jobs, 0 },
	{ "bos", npu_debugfs_bos, 0 },
	{ "clients", npu_debugfs_clients, 0 },
	{ "uring", npu_debugfs_uring, 0 },
};

/* Accel devices get no drm_driver.debugfs_init call: probe calls this. */
void npu_debugfs_init(struct npu_device *ndev)
{
	drm_debugfs_add_files(&ndev->drm, npu_debugfs_list, ARRAY_SIZE(npu_debugfs_list));
	debugfs_create_file_unsafe("fault_hang", 0600, ndev->drm.debugfs_root, ndev,
				   &npu_fault_hang_fops);
	debugfs_create_file_unsafe("fault_run_delay_ms", 0600, ndev->drm.debugfs_root,
				   &ndev->fault_run_delay_ms, &npu_fault_delay_fops);
	debugfs_create_file_unsafe("fault_start_delay_ms", 0600, ndev->drm.debugfs_root,
				   &ndev->fault_start_delay_ms, &npu_fault_delay_fops);
}

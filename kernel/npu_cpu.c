// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (C) 2026 The npu authors */

/**
 * DOC: CPU engine
 *
 * The CPU engine executes validated command streams on kernel threads (an
 * unbound workqueue) with the operator code of firmware/npu_fw_ops.c, the
 * same code libnpu's host backend runs.
 *
 * The operators use SSE/AVX registers, so they run between
 * kernel_fpu_begin() and kernel_fpu_end(), which disables preemption. To
 * keep scheduling latency bounded, an op's work units (about one output
 * row each) are run in slices: a slice ends after the unit that crosses
 * NPU_CPU_SLICE_NS (200 us), then the thread leaves the FPU section, calls
 * cond_resched() and checks whether the job was aborted by its timeout.
 * The longest time with preemption off is thus one slice plus one unit.
 *
 * An op whose units take longer than NPU_CPU_FORK_NS (50 us) in total is
 * spread over several threads: the job's thread runs units alone for that
 * long, then queues helper work items (cpu_threads - 1 of them, one per
 * online CPU by default) that claim the remaining units from a shared
 * counter, slice by slice like the job's thread, and waits for them before
 * the next op starts. Small ops never pay for waking a helper. The engine
 * runs one job at a time, so the helpers and their state are per engine and
 * are allocated once, at engine init; running a job allocates nothing.
 */

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <asm/fpu/api.h>

#include "npu_drv.h"

#define NPU_CPU_SLICE_NS	(200 * NSEC_PER_USEC)
#define NPU_CPU_FORK_NS		(50 * NSEC_PER_USEC)
#define NPU_CPU_MAX_THREADS	64

/* Fault injection: hold the job, as a hung engine would, until aborted. */
static void npu_cpu_hang(struct npu_job *job)
{
	while (!atomic_read(&job->abort))
		schedule_timeout_interruptible(msecs_to_jiffies(5));
}

/*
 * Claim and run units of the current op (par->job, par->op) in slices until
 * none is left or the job is aborted; with @stop_ns, also return once that
 * time has passed.
 */
static void npu_cpu_claim_units(struct npu_cpu_par *par, u64 stop_ns, void *scratch)
{
	struct npu_job *job = par->job;
	u32 unit, op = par->op, units = par->units;
	bool more = true;

	while (more && !atomic_read(&job->abort)) {
		u64 end, now;

		kernel_fpu_begin();
		now = ktime_get_ns();
		end = now + NPU_CPU_SLICE_NS;
		if (stop_ns && stop_ns < end)
			end = stop_ns;
		do {
			unit = atomic_fetch_inc(&par->next);
			if (unit >= units) {
				more = false;
				break;
			}
			npu_fw_run(&job->fw, op, unit, 1, scratch);
			now = ktime_get_ns();
		} while (now < end);
		kernel_fpu_end();
		cond_resched();
		if (stop_ns && now >= stop_ns)
			return;
	}
}

static void npu_cpu_helper_work(struct work_struct *work)
{
	struct npu_cpu_helper *h = container_of(work, struct npu_cpu_helper, work);
	struct npu_cpu_par *par = &h->engine->par;

	npu_cpu_claim_units(par, 0, h->scratch);
	/* Fully ordered: our output writes are visible to the waiter. */
	if (atomic_dec_and_test(&par->active))
		complete(&par->done);
}

static int npu_cpu_execute(struct npu_job *job)
{
	const struct npu_cmd_header *hdr = job->cmd;
	struct npu_cpu_par *par = &job->engine->par;
	u32 op;

	par->job = job;
	for (op = 0; op < hdr->num_ops; op++) {
		unsigned int i, n;
		u32 claimed;

		par->op = op;
		par->units = npu_fw_units(&job->fw, op);
		atomic_set(&par->next, 0);

		if (!par->nhelpers || par->units < 2) {
			npu_cpu_claim_units(par, 0, par->scratch);
			continue;
		}
		npu_cpu_claim_units(par, ktime_get_ns() + NPU_CPU_FORK_NS, par->scratch);
		claimed = atomic_read(&par->next);
		if (claimed >= par->units || atomic_read(&job->abort))
			continue;

		n = min_t(u32, par->nhelpers, par->units - claimed);
		atomic64_inc(&par->spread_ops);
		atomic_set(&par->active, n);
		reinit_completion(&par->done);
		for (i = 0; i < n; i++)
			queue_work(par->wq, &par->helpers[i].work);
		npu_cpu_claim_units(par, 0, par->scratch);
		wait_for_completion(&par->done);
	}
	return atomic_read(&job->abort) ? -ETIMEDOUT : 0;
}

static void npu_cpu_work(struct work_struct *work)
{
	struct npu_job *job = container_of(work, struct npu_job, work);
	int ret;

	job->start_ns = ktime_get_ns();
	if (job->hang) {
		npu_cpu_hang(job);
		ret = -ETIMEDOUT;
	} else {
		ret = npu_cpu_execute(job);
	}
	npu_job_done(job, ret);
	/* The executor's reference: the job may be freed now. */
	npu_job_put(job);
}

static void npu_cpu_run(struct npu_job *job)
{
	struct npu_device *ndev = job->engine->ndev;

	job->hang = atomic_add_unless(&ndev->fault_hang, -1, 0);
	kref_get(&job->refcount);
	INIT_WORK(&job->work, npu_cpu_work);
	queue_work(job->engine->wq, &job->work);
}

static void npu_cpu_abort(struct npu_job *job)
{
	atomic_set(&job->abort, 1);
	/* The job is alive: the scheduler still holds its reference. */
	flush_work(&job->work);
}

const struct npu_engine_ops npu_cpu_engine_ops = {
	.run = npu_cpu_run,
	.abort = npu_cpu_abort,
};

int npu_cpu_engine_init(struct npu_engine *engine)
{
	struct npu_cpu_par *par = &engine->par;
	unsigned int i, threads = npu_cpu_threads;

	if (!threads)
		threads = num_online_cpus();
	threads = clamp(threads, 1U, NPU_CPU_MAX_THREADS);

	par->kern = npu_kern_select(npu_kern_max_isa, npu_kern_exact ? NPU_KERN_EXACT : 0);
	engine->wq = alloc_workqueue("npu-cpu", WQ_UNBOUND, 0);
	par->scratch = vmalloc(NPU_FW_SCRATCH_MAX);
	if (!engine->wq || !par->scratch) {
		npu_cpu_engine_fini(engine);
		return -ENOMEM;
	}
	init_completion(&par->done);
	par->nhelpers = threads - 1;
	if (!par->nhelpers)
		return 0;

	par->helpers = kcalloc(par->nhelpers, sizeof(*par->helpers), GFP_KERNEL);
	par->wq = alloc_workqueue("npu-cpu-helper", WQ_UNBOUND, 0);
	if (!par->helpers || !par->wq) {
		npu_cpu_engine_fini(engine);
		return -ENOMEM;
	}
	for (i = 0; i < par->nhelpers; i++) {
		INIT_WORK(&par->helpers[i].work, npu_cpu_helper_work);
		par->helpers[i].engine = engine;
		par->helpers[i].scratch = vmalloc(NPU_FW_SCRATCH_MAX);
		if (!par->helpers[i].scratch) {
			npu_cpu_engine_fini(engine);
			return -ENOMEM;
		}
	}
	return 0;
}

void npu_cpu_engine_fini(struct npu_engine *engine)
{
	struct npu_cpu_par *par = &engine->par;
	unsigned int i;

	if (engine->wq)
		destroy_workqueue(engine->wq);
	engine->wq = NULL;
	if (par->wq)
		destroy_workqueue(par->wq);
	par->wq = NULL;
	for (i = 0; par->helpers && i < par->nhelpers; i++)
		vfree(par->helpers[i].scratch);
	kfree(par->helpers);
	par->helpers = NULL;
	par->nhelpers = 0;
	vfree(par->scratch);
	par->scratch = NULL;
}

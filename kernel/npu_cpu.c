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
 */

#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include <asm/fpu/api.h>

#include "npu_drv.h"

#define NPU_CPU_SLICE_NS	(200 * NSEC_PER_USEC)

/* Fault injection: hold the job, as a hung engine would, until aborted. */
static void npu_cpu_hang(struct npu_job *job)
{
	while (!atomic_read(&job->abort))
		schedule_timeout_interruptible(msecs_to_jiffies(5));
}

static int npu_cpu_execute(struct npu_job *job)
{
	const struct npu_cmd_header *hdr = job->cmd;
	u32 op, first, units;

	for (op = 0; op < hdr->num_ops; op++) {
		units = npu_fw_units(&job->fw, op);
		first = 0;
		while (first < units) {
			u64 slice_end;

			if (atomic_read(&job->abort))
				return -ETIMEDOUT;

			kernel_fpu_begin();
			slice_end = ktime_get_ns() + NPU_CPU_SLICE_NS;
			do {
				npu_fw_run(&job->fw, op, first, 1);
				first++;
			} while (first < units && ktime_get_ns() < slice_end);
			kernel_fpu_end();
			cond_resched();
		}
	}
	return 0;
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
	engine->wq = alloc_workqueue("npu-cpu", WQ_UNBOUND | WQ_HIGHPRI, 0);
	return engine->wq ? 0 : -ENOMEM;
}

void npu_cpu_engine_fini(struct npu_engine *engine)
{
	if (engine->wq)
		destroy_workqueue(engine->wq);
	engine->wq = NULL;
}

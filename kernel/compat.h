/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (C) 2026 The npu authors */

/*
 * Kernel API differences inside the 6.12.y stable series.
 *
 * The variant is chosen by Kbuild, which greps the installed
 * include/drm/gpu_scheduler.h (see kernel/Kbuild), never by version number:
 *
 * NPU_HAVE_SCHED_INIT_ARGS: drm_sched_init() takes a struct
 *	drm_sched_init_args (backported in 6.12.114).
 * NPU_HAVE_SCHED_CLIENT_ID: drm_sched_job_init() takes a DRM client id
 *	(backported in 6.12.103).
 */
#ifndef NPU_COMPAT_H
#define NPU_COMPAT_H

#include <drm/gpu_scheduler.h>

static inline int npu_compat_sched_init(struct drm_gpu_scheduler *sched,
					const struct drm_sched_backend_ops *ops,
					struct workqueue_struct *submit_wq,
					u32 credit_limit, long timeout,
					const char *name, struct device *dev)
{
#ifdef NPU_HAVE_SCHED_INIT_ARGS
	const struct drm_sched_init_args args = {
		.ops = ops,
		.submit_wq = submit_wq,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		.credit_limit = credit_limit,
		.timeout = timeout,
		.name = name,
		.dev = dev,
	};

	return drm_sched_init(sched, &args);
#else
	return drm_sched_init(sched, ops, submit_wq, DRM_SCHED_PRIORITY_COUNT,
			      credit_limit, 0, timeout, NULL, NULL, name, dev);
#endif
}

static inline int npu_compat_sched_job_init(struct drm_sched_job *job,
					    struct drm_sched_entity *entity,
					    void *owner, u64 client_id)
{
#ifdef NPU_HAVE_SCHED_CLIENT_ID
	return drm_sched_job_init(job, entity, 1, owner, client_id);
#else
	return drm_sched_job_init(job, entity, 1, owner);
#endif
}

#endif /* NPU_COMPAT_H */

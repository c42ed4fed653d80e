/* SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT) */
/*
 * In-process execution for the ONNX loader's tests, with no kernel and no
 * host backend: the firmware validator and interpreter (firmware/npu_fw.h)
 * run on malloc'ed buffers that stand in for BOs.
 *
 * - plan_run(): execute a lowered plan (struct npu_plan) directly.
 * - xfake_device(): an npu_device on a fake backend whose BOs are heap
 *   buffers and whose submit validates the stream and runs it at once, so
 *   the public npu_model_* API can be driven end to end.
 */
#ifndef ONNX_EXEC_H
#define ONNX_EXEC_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <npu/npu.h>
#include "fw_scratch.h"
#include "npu_priv.h"
#include "npu_graph.h"
#include "../../firmware/npu_fw.h"

/* the limits of the real driver (kernel/npu_drv.h) */
static const struct npu_plan_limits exec_limits = {
	.max_tensors = 1024,
	.max_ops = 1024,
	.max_cmd_size = 1 << 20,
	.max_tensor_elems = 1 << 28,
	.max_bo_size = 1ULL << 32,
};

/* import, bind, infer, optimize and lower a model held in memory */
static inline int compile_mem(const void *buf, size_t len,
		       const struct npu_g_input_shape *shapes, uint32_t nshapes,
		       const struct npu_plan_limits *lim, uint32_t max_ops,
		       struct npu_graph *g, struct npu_plan *p)
{
	int ret;

	npu_g_init(g);
	memset(p, 0, sizeof(*p));
	ret = npu_onnx_import(g, buf, len);
	if (!ret)
		ret = npu_g_bind_inputs(g, shapes, nshapes);
	if (!ret)
		ret = npu_g_infer(g);
	if (!ret)
		ret = npu_g_optimize(g);
	if (!ret)
		ret = npu_g_lower(g, lim ? lim : &exec_limits, max_ops, p);
	return ret;
}

/*
 * Run every job of @p in order on heap buffers: weights copied in, inputs
 * copied into the io store, outputs copied out. Returns the validator's
 * error (with @msg saying where) or 0.
 */
static inline int plan_run(const struct npu_plan *p, const void *const *inputs,
		    void *const *outputs, char *msg, size_t msglen)
{
	static const uint32_t bo_index[NPU_PLAN_STORES] = { 0, 1, 2 };
	struct npu_fw_limits lim = {
		.max_cmd_size = exec_limits.max_cmd_size,
		.max_tensors = exec_limits.max_tensors,
		.max_ops = exec_limits.max_ops,
		.max_tensor_elems = exec_limits.max_tensor_elems,
	};
	__u64 sizes[NPU_PLAN_STORES];
	void *bufs[NPU_PLAN_STORES] = { 0 };
	struct npu_fw_job job = { .bo_vaddr = bufs };
	struct npu_fw_diag diag;
	uint32_t i, j, size;
	void *cmd;
	int ret = 0;

	for (i = 0; i < NPU_PLAN_STORES; i++) {
		sizes[i] = p->size[i] ? p->size[i] : 64;
		bufs[i] = aligned_alloc(64, sizes[i]);
		if (!bufs[i]) {
			ret = -ENOMEM;
			goto out;
		}
		memset(bufs[i], 0, sizes[i]);
	}
	if (p->size[NPU_PLAN_WEIGHTS])
		memcpy(bufs[NPU_PLAN_WEIGHTS], p->weights, p->size[NPU_PLAN_WEIGHTS]);
	/* garbage in the arena must not matter */
	memset(bufs[NPU_PLAN_ARENA], 0x7f, sizes[NPU_PLAN_ARENA]);
	for (i = 0; inputs && i < p->ninputs; i++)
		if (inputs[i])
			memcpy((char *)bufs[NPU_PLAN_IO] + p->inputs[i].offset, inputs[i],
			       p->inputs[i].bytes);
	for (j = 0; j < p->njobs; j++) {
		ret = npu_plan_encode_job(p, j, bo_index, &cmd, &size);
		if (ret)
			goto out;
		ret = npu_fw_validate(cmd, size, sizes, NPU_PLAN_STORES, &lim, &diag);
		if (ret) {
			if (msg)
				snprintf(msg, msglen, "job %u op %d tensor %d: %s", j,
					 diag.op, diag.tensor, diag.msg);
			free(cmd);
			goto out;
		}
		job.cmd = cmd;
		for (i = 0; i < p->jobs[j].count; i++)
			npu_fw_run(&job, i, 0, npu_fw_units(&job, i), npu_test_scratch(&job));
		free(cmd);
	}
	for (i = 0; outputs && i < p->noutputs; i++) {
		if (!outputs[i])
			continue;
		memcpy(outputs[i], p->outputs[i].store == NPU_PLAN_CONST_OUT ?
		       p->outputs[i].data : (char *)bufs[NPU_PLAN_IO] + p->outputs[i].offset,
		       p->outputs[i].bytes);
	}
out:
	for (i = 0; i < NPU_PLAN_STORES; i++)
		free(bufs[i]);
	return ret;
}

/* ------------------------------------------------------------------ */
/* A fake device                                                       */

#define XFAKE_MAX_BOS	64

struct xfake {
	struct {
		void *p;
		uint64_t size;
	} bos[XFAKE_MAX_BOS];
	uint32_t nbos;
	struct drm_npu_query_limits limits;
	uint64_t ops_mask;
	uint64_t seqno;
	int submits;
	uint32_t last_in_fences;
	int fail_submit;
	int syncobjs;
	bool destroyed;
};

static inline struct xfake *xfake_of(struct npu_device *dev)
{
	return dev->priv;
}

static inline int xfake_answer(const void *src, uint32_t len, void *data, uint32_t *size)
{
	if (*size)
		memcpy(data, src, *size < len ? *size : len);
	*size = len;
	return 0;
}

static inline int xfake_query(struct npu_device *dev, uint32_t id, void *data,
		       uint32_t *size)
{
	struct xfake *f = xfake_of(dev);

	if (id == DRM_NPU_QUERY_VERSION) {
		struct drm_npu_query_version v = {
			.major = DRM_NPU_DRIVER_MAJOR, .cmd_version = NPU_CMD_VERSION,
			.num_ops = NPU_OP_COUNT,
		};

		return xfake_answer(&v, sizeof(v), data, size);
	}
	if (id == DRM_NPU_QUERY_LIMITS)
		return xfake_answer(&f->limits, sizeof(f->limits), data, size);
	if (id == DRM_NPU_QUERY_ENGINES) {
		struct {
			struct drm_npu_query_engines h;
			struct drm_npu_engine_info e;
		} a;

		memset(&a, 0, sizeof(a));
		a.h.count = 1;
		a.h.entry_size = sizeof(a.e);
		snprintf(a.e.name, sizeof(a.e.name), "cpu");
		a.e.flags = DRM_NPU_ENGINE_HEALTHY;
		a.e.ops_mask = f->ops_mask;
		return xfake_answer(&a, sizeof(a), data, size);
	}
	return -EINVAL;
}

static inline int xfake_bo_create(struct npu_device *dev, uint64_t size, uint32_t flags,
			   uint32_t *handle)
{
	struct xfake *f = xfake_of(dev);
	uint64_t r = (size + 4095) & ~4095ULL;
	uint32_t i;

	if (flags || !size)
		return -EINVAL;
	if (size > f->limits.max_bo_size)
		return -E2BIG;
	/* handles of freed BOs are reused, as GEM does */
	for (i = 0; i < f->nbos && f->bos[i].p; i++)
		;
	if (i == XFAKE_MAX_BOS)
		return -ENOMEM;
	f->bos[i].p = aligned_alloc(4096, r);
	if (!f->bos[i].p)
		return -ENOMEM;
	memset(f->bos[i].p, 0, r);
	f->bos[i].size = r;
	if (i == f->nbos)
		f->nbos++;
	*handle = i + 1;
	return 0;
}

static inline int xfake_bo_import(struct npu_device *dev, int fd, uint32_t *handle)
{
	(void)dev;
	(void)fd;
	(void)handle;
	return -EOPNOTSUPP;
}

static inline int xfake_bo_size(struct npu_device *dev, uint32_t handle, uint64_t *size)
{
	struct xfake *f = xfake_of(dev);

	if (!handle || handle > f->nbos || !f->bos[handle - 1].p)
		return -ENOENT;
	*size = f->bos[handle - 1].size;
	return 0;
}

static inline int xfake_bo_export(struct npu_device *dev, uint32_t handle)
{
	(void)dev;
	(void)handle;
	return -EOPNOTSUPP;
}

static inline void xfake_bo_close(struct npu_device *dev, uint32_t handle)
{
	struct xfake *f = xfake_of(dev);

	if (handle && handle <= f->nbos) {
		free(f->bos[handle - 1].p);
		f->bos[handle - 1].p = NULL;
	}
}

static inline int xfake_bo_map(struct npu_device *dev, uint32_t handle, uint64_t size,
			void **addr)
{
	struct xfake *f = xfake_of(dev);

	if (!handle || handle > f->nbos || !f->bos[handle - 1].p ||
	    size != f->bos[handle - 1].size)
		return -EINVAL;
	*addr = f->bos[handle - 1].p;
	return 0;
}

static inline void xfake_bo_unmap(struct npu_device *dev, void *addr, uint64_t size)
{
	(void)dev;
	(void)addr;
	(void)size;
}

static inline int xfake_bo_wait(struct npu_device *dev, uint32_t handle, int64_t t)
{
	(void)dev;
	(void)handle;
	(void)t;
	return 0;
}

static inline int xfake_submit(struct npu_device *dev, const struct npu_submit_args *a,
			uint64_t *seqno)
{
	struct xfake *f = xfake_of(dev);
	struct npu_fw_limits lim = {
		.max_cmd_size = f->limits.max_cmd_size,
		.max_tensors = f->limits.max_tensors,
		.max_ops = f->limits.max_ops,
		.max_tensor_elems = f->limits.max_tensor_elems,
	};
	const struct npu_cmd_header *h = a->cmd;
	__u64 sizes[NPU_FW_MAX_BOS];
	void *vaddr[NPU_FW_MAX_BOS];
	struct npu_fw_job job = { .cmd = a->cmd, .bo_vaddr = vaddr };
	struct npu_fw_diag diag;
	uint32_t i, hd;
	int ret;

	f->submits++;
	f->last_in_fences = a->in_syncobj_count;
	if (f->fail_submit)
		return f->fail_submit;
	for (i = 0; i < a->bo_count; i++) {
		hd = a->bo_handles[i];
		if (!hd || hd > f->nbos || !f->bos[hd - 1].p)
			return -ENOENT;
		sizes[i] = f->bos[hd - 1].size;
		vaddr[i] = f->bos[hd - 1].p;
	}
	ret = npu_fw_validate(a->cmd, a->cmd_size, sizes, a->bo_count, &lim, &diag);
	if (ret)
		return ret;
	for (i = 0; i < h->num_ops; i++)
		npu_fw_run(&job, i, 0, npu_fw_units(&job, i), npu_test_scratch(&job));
	*seqno = ++f->seqno;
	return 0;
}

static inline int xfake_wait(struct npu_device *dev, uint64_t seqno, int64_t t)
{
	(void)t;
	return seqno && seqno <= xfake_of(dev)->seqno ? 0 : -EINVAL;
}

static inline int xfake_syncobj_create(struct npu_device *dev, uint32_t *handle)
{
	*handle = (uint32_t)++xfake_of(dev)->syncobjs;
	return 0;
}

static inline void xfake_syncobj_destroy(struct npu_device *dev, uint32_t handle)
{
	(void)handle;
	xfake_of(dev)->syncobjs--;
}

static inline void xfake_destroy(struct npu_device *dev)
{
	xfake_of(dev)->destroyed = true;
}

static const struct npu_backend_ops xfake_ops = {
	.query = xfake_query,
	.bo_create = xfake_bo_create,
	.bo_import = xfake_bo_import,
	.bo_size = xfake_bo_size,
	.bo_export = xfake_bo_export,
	.bo_close = xfake_bo_close,
	.bo_map = xfake_bo_map,
	.bo_unmap = xfake_bo_unmap,
	.bo_wait = xfake_bo_wait,
	.submit = xfake_submit,
	.wait = xfake_wait,
	.syncobj_create = xfake_syncobj_create,
	.syncobj_destroy = xfake_syncobj_destroy,
	.destroy = xfake_destroy,
};

/* a device on the fake backend with the real driver's limits */
static inline struct npu_device *xfake_device(struct xfake *f)
{
	struct npu_device *dev;
	uint32_t op;

	memset(f, 0, sizeof(*f));
	f->limits.max_bo_size = exec_limits.max_bo_size;
	f->limits.max_cmd_size = exec_limits.max_cmd_size;
	f->limits.max_tensors = exec_limits.max_tensors;
	f->limits.max_ops = exec_limits.max_ops;
	f->limits.max_bos = NPU_FW_MAX_BOS;
	f->limits.max_in_syncobjs = 64;
	f->limits.max_tensor_elems = exec_limits.max_tensor_elems;
	f->limits.job_timeout_ms = 5000;
	for (op = 1; op < NPU_OP_COUNT; op++)
		f->ops_mask |= 1ULL << op;
	dev = npu__device_new(&xfake_ops, NPU_BACKEND_ACCEL, -1, "fake0", f);
	if (dev && npu__device_init(dev)) {
		npu_device_close(dev);
		return NULL;
	}
	return dev;
}

static inline void xfake_fini(struct xfake *f)
{
	uint32_t i;

	for (i = 0; i < f->nbos; i++)
		free(f->bos[i].p);
}

#endif /* ONNX_EXEC_H */

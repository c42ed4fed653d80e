// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: the command-stream builder, validation and submission.
 *
 * A job collects BOs, tensor descriptors and ops in the encoding of
 * linux/npu_cmd.h and lays them out as one stream when it is validated or
 * submitted: header, tensor table, op list. The builder checks structure
 * only (pointers, tensor ids, counts); meaning is checked by the firmware
 * validator, the same source the kernel runs, so that npu_job_validate()
 * reports exactly what the kernel would reject.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npu_priv.h"
#include "../../firmware/npu_fw.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the npu command stream is little-endian; libnpu encodes in host order"
#endif

#define offsetofend(TYPE, FIELD) \
	(offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))

static uint32_t npu_f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

struct npu_job *npu_job_new(struct npu_device *dev)
{
	struct npu_job *job;

	if (!dev)
		return npu__err_ptr(-EINVAL);
	job = calloc(1, sizeof(*job));
	if (!job)
		return npu__err_ptr(-ENOMEM);
	job->dev = dev;
	job->priority = DRM_NPU_PRIO_NORMAL;
	npu__device_get(dev);
	return job;
}

void npu_job_free(struct npu_job *job)
{
	uint32_t i;

	if (!job)
		return;
	if (job->out_syncobj)
		job->dev->ops->syncobj_destroy(job->dev, job->out_syncobj);
	for (i = 0; i < job->nbos; i++)
		npu_bo_free(job->bos[i]);
	free(job->bos);
	free(job->tensors);
	free(job->ops);
	free(job->in_fences);
	npu__device_put(job->dev);
	free(job);
}

int npu_job_add_bo(struct npu_job *job, struct npu_bo *bo)
{
	uint32_t i;
	int ret;

	if (!job || !bo)
		return npu__err(-EINVAL);
	if (bo->dev != job->dev) {
		npu_dbg("BO handle %u belongs to %s, the job to %s", bo->handle,
			bo->dev->path, job->dev->path);
		return npu__err(-EINVAL);
	}
	for (i = 0; i < job->nbos; i++)
		if (job->bos[i] == bo)
			return (int)i;
	if (job->nbos >= NPU_FW_MAX_BOS) {
		npu_dbg("a job may use at most %u BOs", NPU_FW_MAX_BOS);
		return npu__err(-E2BIG);
	}
	ret = npu__grow((void **)&job->bos, &job->bos_cap, job->nbos + 1,
			sizeof(*job->bos));
	if (ret)
		return npu__err(ret);
	npu__bo_get(bo);
	job->bos[job->nbos] = bo;
	return (int)job->nbos++;
}

int npu_job_add_tensor(struct npu_job *job, const struct npu_tensor_desc *desc)
{
	struct npu_cmd_tensor *t;
	int ret, bo_index;
	uint32_t i;

	if (!job || !desc)
		return npu__err(-EINVAL);
	ret = npu__opts_check(desc, desc->size, sizeof(*desc),
			      offsetofend(struct npu_tensor_desc, scale_tensor));
	if (ret)
		return npu__err(ret);
	if (!desc->bo) {
		npu_dbg("tensor %u has no BO", job->ntensors);
		return npu__err(-EINVAL);
	}
	if (job->ntensors >= NPU_JOB_MAX_TENSORS)
		return npu__err(-E2BIG);
	ret = npu__grow((void **)&job->tensors, &job->tensors_cap,
			job->ntensors + 1, sizeof(*job->tensors));
	if (ret)
		return npu__err(ret);
	bo_index = npu_job_add_bo(job, desc->bo);
	if (bo_index < 0)
		return bo_index;

	t = &job->tensors[job->ntensors];
	memset(t, 0, sizeof(*t));
	t->bo_index = (uint32_t)bo_index;
	t->dtype = desc->dtype;
	t->offset = desc->offset;
	t->ndim = desc->ndim;
	for (i = 0; i < NPU_CMD_MAX_DIMS && i < desc->ndim; i++)
		t->shape[i] = desc->shape[i];
	t->quant_type = desc->quant_type;
	t->quant_axis = desc->quant_axis;
	t->scale = npu_f32_bits(desc->scale);
	t->zero_point = desc->zero_point;
	t->scale_tensor = desc->quant_type == NPU_QUANT_PER_CHANNEL ?
			  (uint32_t)desc->scale_tensor : NPU_CMD_NO_TENSOR;
	if (desc->size >= offsetofend(struct npu_tensor_desc, flags))
		t->flags = desc->flags;
	return (int)job->ntensors++;
}

/* A tensor id argument: an existing tensor, or NPU_NO_TENSOR if @optional. */
static int npu_job_tensor_arg(const struct npu_job *job, int id, bool optional,
			      uint32_t *out)
{
	if (optional && id == NPU_NO_TENSOR) {
		*out = NPU_CMD_NO_TENSOR;
		return 0;
	}
	if (id < 0 || (uint32_t)id >= job->ntensors) {
		npu_dbg("op %u: tensor id %d does not exist (the job has %u tensors)",
			job->nops, id, job->ntensors);
		return -EINVAL;
	}
	*out = (uint32_t)id;
	return 0;
}

/*
 * Append an op with @nin inputs @in (the last @nopt of them optional) and
 * one output @out; returns it zeroed but for opcode and slots.
 */
static int npu_job_append(struct npu_job *job, uint16_t opcode, const int *in,
			  unsigned int nin, unsigned int nopt, int out,
			  struct npu_cmd_op **opp)
{
	uint32_t ids[NPU_CMD_MAX_INPUTS], oid;
	struct npu_cmd_op *op;
	unsigned int i;
	int ret;

	for (i = 0; i < nin; i++) {
		ret = npu_job_tensor_arg(job, in[i], i >= nin - nopt, &ids[i]);
		if (ret)
			return ret;
	}
	ret = npu_job_tensor_arg(job, out, false, &oid);
	if (ret)
		return ret;
	if (job->nops >= NPU_JOB_MAX_OPS)
		return -E2BIG;
	ret = npu__grow((void **)&job->ops, &job->ops_cap, job->nops + 1,
			sizeof(*job->ops));
	if (ret)
		return ret;
	op = &job->ops[job->nops];
	memset(op, 0, sizeof(*op));
	op->opcode = opcode;
	op->num_inputs = (uint16_t)nin;
	op->num_outputs = 1;
	for (i = 0; i < NPU_CMD_MAX_INPUTS; i++)
		op->inputs[i] = i < nin ? ids[i] : NPU_CMD_NO_TENSOR;
	op->outputs[0] = oid;
	for (i = 1; i < NPU_CMD_MAX_OUTPUTS; i++)
		op->outputs[i] = NPU_CMD_NO_TENSOR;
	*opp = op;
	return 0;
}

/* the op just filled in by npu_job_append() becomes part of the job */
static int npu_job_commit(struct npu_job *job)
{
	return (int)job->nops++;
}

int npu_job_op_gemm(struct npu_job *job, int a, int b, int bias, int y,
		    const struct npu_gemm_opts *opts)
{
	const int in[] = { a, b, bias };
	struct npu_cmd_op *op;
	int ret;

	if (!job)
		return npu__err(-EINVAL);
	if (opts) {
		ret = npu__opts_check(opts, opts->size, sizeof(*opts),
				      offsetofend(struct npu_gemm_opts, act_max));
		if (ret)
			return npu__err(ret);
	}
	ret = npu_job_append(job, NPU_OP_GEMM, in, 3, 1, y, &op);
	if (ret)
		return npu__err(ret);
	if (opts) {
		op->gemm.flags = opts->flags;
		op->gemm.activation = opts->activation;
		op->gemm.act_min = npu_f32_bits(opts->act_min);
		op->gemm.act_max = npu_f32_bits(opts->act_max);
	}
	return npu_job_commit(job);
}

int npu_job_op_conv2d(struct npu_job *job, int x, int w, int bias, int y,
		      const struct npu_conv2d_opts *opts)
{
	const int in[] = { x, w, bias };
	struct npu_op_conv2d *p;
	struct npu_cmd_op *op;
	int ret;

	if (!job)
		return npu__err(-EINVAL);
	if (opts) {
		ret = npu__opts_check(opts, opts->size, sizeof(*opts),
				      offsetofend(struct npu_conv2d_opts, act_max));
		if (ret)
			return npu__err(ret);
	}
	ret = npu_job_append(job, NPU_OP_CONV2D, in, 3, 1, y, &op);
	if (ret)
		return npu__err(ret);
	p = &op->conv2d;
	p->stride_h = p->stride_w = p->dilation_h = p->dilation_w = 1;
	p->groups = 1;
	if (opts) {
		/* 0 means 1 for strides, dilations and groups */
		p->stride_h = opts->stride_h ? opts->stride_h : 1;
		p->stride_w = opts->stride_w ? opts->stride_w : 1;
		p->dilation_h = opts->dilation_h ? opts->dilation_h : 1;
		p->dilation_w = opts->dilation_w ? opts->dilation_w : 1;
		p->groups = opts->groups ? opts->groups : 1;
		p->pad_top = opts->pad_top;
		p->pad_left = opts->pad_left;
		p->pad_bottom = opts->pad_bottom;
		p->pad_right = opts->pad_right;
		p->activation = opts->activation;
		p->act_min = npu_f32_bits(opts->act_min);
		p->act_max = npu_f32_bits(opts->act_max);
	}
	return npu_job_commit(job);
}

int npu_job_op_add(struct npu_job *job, int a, int b, int y,
		   const struct npu_add_opts *opts)
{
	const int in[] = { a, b };
	struct npu_cmd_op *op;
	int ret;

	if (!job)
		return npu__err(-EINVAL);
	if (opts) {
		ret = npu__opts_check(opts, opts->size, sizeof(*opts),
				      offsetofend(struct npu_add_opts, act_max));
		if (ret)
			return npu__err(ret);
	}
	ret = npu_job_append(job, NPU_OP_ADD, in, 2, 0, y, &op);
	if (ret)
		return npu__err(ret);
	if (opts) {
		op->eltwise.activation = opts->activation;
		op->eltwise.act_min = npu_f32_bits(opts->act_min);
		op->eltwise.act_max = npu_f32_bits(opts->act_max);
	}
	return npu_job_commit(job);
}

int npu_job_op_relu(struct npu_job *job, int x, int y)
{
	struct npu_cmd_op *op;
	int ret;

	if (!job)
		return npu__err(-EINVAL);
	ret = npu_job_append(job, NPU_OP_RELU, &x, 1, 0, y, &op);
	if (ret)
		return npu__err(ret);
	return npu_job_commit(job);
}

int npu_job_op_clip(struct npu_job *job, int x, int y, float min, float max)
{
	struct npu_cmd_op *op;
	int ret;

	if (!job)
		return npu__err(-EINVAL);
	ret = npu_job_append(job, NPU_OP_CLIP, &x, 1, 0, y, &op);
	if (ret)
		return npu__err(ret);
	op->eltwise.act_min = npu_f32_bits(min);
	op->eltwise.act_max = npu_f32_bits(max);
	return npu_job_commit(job);
}

int npu_job_op_raw(struct npu_job *job, const struct npu_cmd_op *op)
{
	int ret;

	if (!job || !op)
		return npu__err(-EINVAL);
	if (job->nops >= NPU_JOB_MAX_OPS)
		return npu__err(-E2BIG);
	ret = npu__grow((void **)&job->ops, &job->ops_cap, job->nops + 1,
			sizeof(*job->ops));
	if (ret)
		return npu__err(ret);
	job->ops[job->nops] = *op;
	return (int)job->nops++;
}

int npu_job_set_priority(struct npu_job *job, enum drm_npu_priority prio)
{
	if (!job || (unsigned int)prio >= DRM_NPU_PRIO_COUNT)
		return npu__err(-EINVAL);
	job->priority = prio;
	return 0;
}

int npu_job_add_in_fence(struct npu_job *job, uint32_t syncobj)
{
	int ret;

	if (!job || !syncobj)
		return npu__err(-EINVAL);
	ret = npu__grow((void **)&job->in_fences, &job->in_fences_cap,
			job->nin_fences + 1, sizeof(*job->in_fences));
	if (ret)
		return npu__err(ret);
	job->in_fences[job->nin_fences++] = syncobj;
	return 0;
}

/*
 * Lay the job out as one command stream: header, tensor table, op list.
 * *@cmd is malloc'ed (so 8-byte aligned) and must be freed by the caller.
 */
int npu__job_encode(const struct npu_job *job, void **cmd, uint32_t *size)
{
	size_t tbytes = (size_t)job->ntensors * sizeof(struct npu_cmd_tensor);
	size_t obytes = (size_t)job->nops * sizeof(struct npu_cmd_op);
	size_t total = sizeof(struct npu_cmd_header) + tbytes + obytes;
	struct npu_cmd_header *h;
	char *buf;

	/* at most 32 + 65535 * (64 + 96) bytes: fits in 32 bits */
	buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	h = (struct npu_cmd_header *)buf;
	memset(h, 0, sizeof(*h));
	h->magic = NPU_CMD_MAGIC;
	h->version = NPU_CMD_VERSION;
	h->header_size = sizeof(*h);
	h->size = (uint32_t)total;
	h->num_tensors = (uint16_t)job->ntensors;
	h->num_ops = (uint16_t)job->nops;
	h->tensor_offset = sizeof(*h);
	h->op_offset = (uint32_t)(sizeof(*h) + tbytes);
	if (tbytes)
		memcpy(buf + h->tensor_offset, job->tensors, tbytes);
	if (obytes)
		memcpy(buf + h->op_offset, job->ops, obytes);
	*cmd = buf;
	*size = (uint32_t)total;
	return 0;
}

/* Print the place and reason of a validation failure into @msg. */
static void npu_job_format_diag(const struct npu_job *job,
				const struct npu_fw_diag *d, char *msg,
				size_t len)
{
	const char *name = "?";

	if (d->op >= 0 && (uint32_t)d->op < job->nops)
		name = npu_op_name(job->ops[d->op].opcode);
	if (d->op >= 0 && d->tensor >= 0)
		snprintf(msg, len, "op %d (%s), tensor %d: %s", d->op, name,
			 d->tensor, d->msg);
	else if (d->op >= 0)
		snprintf(msg, len, "op %d (%s): %s", d->op, name, d->msg);
	else if (d->tensor >= 0)
		snprintf(msg, len, "tensor %d: %s", d->tensor, d->msg);
	else
		snprintf(msg, len, "%s", d->msg);
}

int npu_job_validate(const struct npu_job *job, char *msg, size_t len)
{
	const struct drm_npu_query_limits *l;
	__u64 bo_sizes[NPU_FW_MAX_BOS];
	struct npu_fw_limits lim;
	struct npu_fw_diag diag;
	char dummy[1];
	uint32_t size, i;
	void *cmd;
	int ret;

	if (!msg || !len) {
		msg = dummy;
		len = sizeof(dummy);
	}
	msg[0] = '\0';
	if (!job) {
		snprintf(msg, len, "no job");
		return npu__err(-EINVAL);
	}
	l = &job->dev->limits;
	if (job->nbos > l->max_bos) {
		snprintf(msg, len, "the job uses %u BOs, the device allows %u",
			 job->nbos, l->max_bos);
		return npu__err(-E2BIG);
	}
	if (job->nin_fences > l->max_in_syncobjs) {
		snprintf(msg, len, "the job waits for %u syncobjs, the device allows %u",
			 job->nin_fences, l->max_in_syncobjs);
		return npu__err(-E2BIG);
	}
	for (i = 0; i < job->nbos; i++)
		bo_sizes[i] = job->bos[i]->size;
	lim.max_cmd_size = l->max_cmd_size;
	lim.max_tensors = l->max_tensors;
	lim.max_ops = l->max_ops;
	lim.max_tensor_elems = l->max_tensor_elems;

	ret = npu__job_encode(job, &cmd, &size);
	if (ret) {
		snprintf(msg, len, "out of memory");
		return npu__err(ret);
	}
	ret = npu_fw_validate(cmd, size, bo_sizes, job->nbos, &lim, &diag);
	free(cmd);
	if (ret)
		npu_job_format_diag(job, &diag, msg, len);
	return npu__err(ret);
}

/* The job's out syncobj, created on first use. */
static int npu_job_get_out_syncobj(struct npu_job *job)
{
	int ret;

	if (job->out_syncobj)
		return 0;
	ret = job->dev->ops->syncobj_create(job->dev, &job->out_syncobj);
	if (ret) {
		job->out_syncobj = 0;
		npu_dbg("%s: creating a syncobj: %s", job->dev->path,
			strerror(-ret));
	}
	return ret;
}

int npu_job_out_syncobj(struct npu_job *job, uint32_t *handle)
{
	int ret;

	if (!job || !handle)
		return npu__err(-EINVAL);
	ret = npu_job_get_out_syncobj(job);
	if (!ret)
		*handle = job->out_syncobj;
	return npu__err(ret);
}

/* With NPU_DEBUG, say why the kernel rejected a job. */
static void npu_job_explain(const struct npu_job *job, int err)
{
	char msg[256];
	int ret;

	if (err != -EINVAL && err != -E2BIG && err != -ERANGE &&
	    err != -EOPNOTSUPP)
		return;
	ret = npu_job_validate(job, msg, sizeof(msg));
	if (ret)
		npu_dbg("validator: %s", msg);
	else
		npu_dbg("the local validator accepts the job: the kernel's reason lies elsewhere (BO handles, syncobjs, flags)");
}

int npu_job_submit(struct npu_job *job, uint64_t *seqno)
{
	struct npu_submit_args args = { 0 };
	uint32_t *handles = NULL, i;
	uint64_t s = 0;
	void *cmd = NULL;
	int ret;

	if (!job)
		return npu__err(-EINVAL);
	ret = npu_job_get_out_syncobj(job);
	if (ret)
		return npu__err(ret);
	ret = npu__job_encode(job, &cmd, &args.cmd_size);
	if (ret)
		return npu__err(ret);
	handles = malloc((job->nbos ? job->nbos : 1) * sizeof(*handles));
	if (!handles) {
		free(cmd);
		return npu__err(-ENOMEM);
	}
	for (i = 0; i < job->nbos; i++)
		handles[i] = job->bos[i]->handle;

	args.cmd = cmd;
	args.bo_handles = handles;
	args.bo_count = job->nbos;
	args.in_syncobjs = job->in_fences;
	args.in_syncobj_count = job->nin_fences;
	args.out_syncobj = job->out_syncobj;
	args.priority = job->priority;
	ret = job->dev->ops->submit(job->dev, &args, &s);
	free(handles);
	free(cmd);
	if (ret) {
		npu_dbg("%s: submit (%u tensors, %u ops, %u BOs, %u in fences, priority %u) failed: %s",
			job->dev->path, job->ntensors, job->nops, job->nbos,
			job->nin_fences, job->priority, strerror(-ret));
		if (npu__debug())
			npu_job_explain(job, ret);
		return npu__err(ret);
	}
	job->seqno = s;
	job->submitted = true;
	if (seqno)
		*seqno = s;
	npu_dbg("%s: submitted job %llu (%u tensors, %u ops, %u BOs)",
		job->dev->path, (unsigned long long)s, job->ntensors, job->nops,
		job->nbos);
	return 0;
}

int npu_job_wait(struct npu_job *job, int64_t timeout_ns)
{
	if (!job || !job->submitted)
		return npu__err(-EINVAL);
	return npu_device_wait(job->dev, job->seqno, timeout_ns);
}

// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: models - an ONNX file compiled into jobs on a device.
 *
 * npu_model_open() runs the loader (onnx.c, infer.c, opt.c, lower.c) and
 * turns the plan into device objects: three BOs (weights, uploaded once;
 * the activation arena; inputs and outputs, mapped for the caller) and one
 * npu_job per command stream, chained so that job k waits for job k - 1.
 * Every stream is checked with the firmware validator before the model is
 * handed out, so a model that opens is a model the kernel accepts.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "npu_priv.h"
#include "npu_graph.h"
#include "../../firmware/npu_fw.h"

#define offsetofend(TYPE, FIELD) \
	(offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))

#define NPU_MODEL_ERR_LEN	NPU_G_ERR_LEN
#define NPU_MODEL_MAX_ENGINES	32

/**
 * struct npu_model - a compiled model
 * @dev: the device (holds a reference)
 * @plan: the lowered model
 * @bos: the weights, arena and io BOs (NULL when empty)
 * @io_map: CPU mapping of the io BO
 * @jobs: one job per plan job
 * @engines: per op, the engines able to run it
 * @opset: the model's ai.onnx opset
 * @lock: serializes npu_model_run() and protects @err
 * @err: message of the last failure
 */
struct npu_model {
	struct npu_device *dev;
	struct npu_plan plan;
	struct npu_bo *bos[NPU_PLAN_STORES];
	char *io_map;
	struct npu_job **jobs;
	uint32_t *engines;
	int64_t opset;
	pthread_mutex_t lock;
	char err[NPU_MODEL_ERR_LEN];
};

/* "node 'name' (Conv+Relu)", or "node (Conv+Relu)" for a nameless node */
static const char *npu_model_node(const struct npu_plan_op *po, char *buf,
				  size_t len)
{
	if (po->node[0])
		snprintf(buf, len, "node '%s' (%s)", po->node, po->onnx_ops);
	else
		snprintf(buf, len, "node (%s)", po->onnx_ops);
	return buf;
}

/* format a message into @buf (and the debug log) */
static void npu_model_msg(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void npu_model_msg(char *buf, size_t len, const char *fmt, ...)
{
	char local[NPU_MODEL_ERR_LEN];
	va_list ap;

	if (!buf || !len) {
		buf = local;
		len = sizeof(local);
	}
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	npu_dbg("model: %s", buf);
}

static int npu_model_read(const char *path, void **data, size_t *size,
			  char *err, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	char *buf;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		npu_model_msg(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		close(fd);
		npu_model_msg(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > INT_MAX) {
		close(fd);
		npu_model_msg(err, errlen, "%s: not a regular file below 2 GiB", path);
		return S_ISREG(st.st_mode) ? -E2BIG : -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		npu_model_msg(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			close(fd);
			free(buf);
			npu_model_msg(err, errlen, "%s: read: %s", path, strerror(-ret));
			return ret;
		}
		got += (size_t)n;
	}
	close(fd);
	*data = buf;
	*size = got;
	return 0;
}

void npu_model_close(struct npu_model *m)
{
	uint32_t i;

	if (!m)
		return;
	for (i = 0; m->jobs && i < m->plan.njobs; i++)
		npu_job_free(m->jobs[i]);
	free(m->jobs);
	for (i = 0; i < NPU_PLAN_STORES; i++)
		npu_bo_free(m->bos[i]);
	free(m->engines);
	npu_plan_free(&m->plan);
	if (m->dev)
		npu__device_put(m->dev);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* the device: the caller's, or one opened as the options say */
static int npu_model_device(struct npu_model *m, const struct npu_model_opts *o,
			    const char *what, char *err, size_t errlen)
{
	NPU_OPTS(npu_device_opts, dopts);
	int ret;

	if (o && o->device) {
		if (o->backend && (int)o->backend != npu_device_backend(o->device)) {
			npu_model_msg(err, errlen,
				      "%s: opts.backend is %s but the device runs on %s",
				      what, npu_backend_name(o->backend),
				      npu_backend_name((uint32_t)npu_device_backend(o->device)));
			return -EINVAL;
		}
		npu__device_get(o->device);
		m->dev = o->device;
		return 0;
	}
	dopts.backend = o ? o->backend : NPU_BACKEND_ACCEL;
	/* the accel backend wants 0 there: the model's doc says it ignores it */
	if (o && o->backend == NPU_BACKEND_HOST)
		dopts.threads = o->threads;
	m->dev = npu_device_open(o ? o->device_path : NULL, &dopts);
	if (!m->dev) {
		ret = -errno;
		if (ret == -EOPNOTSUPP)
			npu_model_msg(err, errlen,
				      "%s: the %s backend is not available in libnpu %s",
				      what, npu_backend_name(dopts.backend),
				      npu_version_string());
		else
			npu_model_msg(err, errlen, "%s: cannot open the npu device %s: %s",
				      what, o && o->device_path ? o->device_path : "(first)",
				      strerror(-ret));
		return ret;
	}
	return 0;
}

/*
 * Which engines run each op; an op no engine runs fails the open (the
 * kernel would refuse the job). Backends without engines skip the check.
 */
static int npu_model_engines(struct npu_model *m, const char *what, char *err,
			     size_t errlen)
{
	struct drm_npu_engine_info e[NPU_MODEL_MAX_ENGINES];
	const struct npu_plan_op *po;
	uint32_t i, j;
	char nb[300];
	int n;

	m->engines = calloc(m->plan.nops + 1, sizeof(*m->engines));
	if (!m->engines)
		return -ENOMEM;
	n = npu_device_query_engines(m->dev, e, NPU_MODEL_MAX_ENGINES);
	if (n <= 0)
		return 0;
	if (n > NPU_MODEL_MAX_ENGINES)
		n = NPU_MODEL_MAX_ENGINES;
	for (i = 0; i < m->plan.nops; i++) {
		po = &m->plan.ops[i];
		for (j = 0; j < (uint32_t)n; j++)
			if (po->op.opcode < 64 && (e[j].ops_mask & (1ULL << po->op.opcode)))
				m->engines[i] |= 1U << j;
		if (!m->engines[i]) {
			npu_model_msg(err, errlen,
				      "%s: %s: no engine of %s executes %s (opcode %u)",
				      what, npu_model_node(po, nb, sizeof(nb)), m->dev->path,
				      npu_op_name(po->op.opcode), po->op.opcode);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/* validate job @j as the kernel will, naming the ONNX node at fault */
static int npu_model_validate(struct npu_model *m, uint32_t j, const char *what,
			      char *err, size_t errlen)
{
	const struct drm_npu_query_limits *l = &m->dev->limits;
	const struct npu_job *job = m->jobs[j];
	__u64 sizes[NPU_FW_MAX_BOS];
	struct npu_fw_limits lim = {
		.max_cmd_size = l->max_cmd_size,
		.max_tensors = l->max_tensors,
		.max_ops = l->max_ops,
		.max_tensor_elems = l->max_tensor_elems,
	};
	const struct npu_plan_op *po;
	struct npu_fw_diag diag;
	uint32_t size, i;
	char nb[300];
	void *cmd;
	int ret;

	/* an op this libnpu's firmware library does not know cannot be checked */
	for (i = 0; i < m->plan.jobs[j].count; i++) {
		po = &m->plan.ops[m->plan.jobs[j].first + i];
		if (!strcmp(npu_op_name(po->op.opcode), "?")) {
			npu_model_msg(err, errlen,
				      "%s: %s needs command-stream opcode %u, which this libnpu's firmware library does not implement",
				      what, npu_model_node(po, nb, sizeof(nb)), po->op.opcode);
			return -EOPNOTSUPP;
		}
	}
	if (job->nbos > l->max_bos) {
		npu_model_msg(err, errlen, "%s: job %u uses %u BOs, the device allows %u",
			      what, j, job->nbos, l->max_bos);
		return -E2BIG;
	}
	for (i = 0; i < job->nbos; i++)
		sizes[i] = job->bos[i]->size;
	ret = npu__job_encode(job, &cmd, &size);
	if (ret)
		return ret;
	ret = npu_fw_validate(cmd, size, sizes, job->nbos, &lim, &diag);
	free(cmd);
	if (!ret)
		return 0;
	if (diag.op >= 0 && (uint32_t)diag.op < m->plan.jobs[j].count) {
		po = &m->plan.ops[m->plan.jobs[j].first + (uint32_t)diag.op];
		npu_model_msg(err, errlen,
			      "%s: %s: job %u op %d (%s): %s", what,
			      npu_model_node(po, nb, sizeof(nb)), j, diag.op,
			      npu_op_name(po->op.opcode), diag.msg);
	} else {
		npu_model_msg(err, errlen, "%s: job %u, tensor %d: %s", what, j,
			      diag.tensor, diag.msg);
	}
	return ret;
}

/*
 * The id in @job of plan tensor @id, added the first time (after the
 * tensor of its per-channel scales); @map holds the ids added so far
 */
static int npu_model_job_tensor(struct npu_model *m, struct npu_job *job,
				uint32_t id, uint32_t *map)
{
	const struct npu_plan_tensor *pt = &m->plan.tensors[id];
	NPU_OPTS(npu_tensor_desc, d);
	int sid = -1, tid;

	if (map[id] != NPU_CMD_NO_TENSOR)
		return (int)map[id];
	if (pt->scale_tensor != NPU_CMD_NO_TENSOR) {
		sid = npu_model_job_tensor(m, job, pt->scale_tensor, map);
		if (sid < 0)
			return sid;
	}
	d.bo = m->bos[pt->store];
	d.offset = pt->offset;
	d.dtype = pt->dtype;
	d.ndim = pt->ndim;
	memcpy(d.shape, pt->shape, sizeof(d.shape));
	d.quant_type = pt->quant_type;
	d.quant_axis = pt->quant_axis;
	memcpy(&d.scale, &pt->scale, sizeof(d.scale));
	d.zero_point = pt->zero_point;
	d.scale_tensor = sid;
	d.flags = pt->flags;
	tid = npu_job_add_tensor(job, &d);
	if (tid < 0)
		return tid;
	map[id] = (uint32_t)tid;
	return tid;
}

static int npu_model_build_jobs(struct npu_model *m, const char *what, char *err,
				size_t errlen)
{
	const struct npu_plan *p = &m->plan;
	uint32_t *map, i, j, k, prev_sync = 0;
	int ret = 0, id;

	m->jobs = calloc(p->njobs + 1, sizeof(*m->jobs));
	map = malloc(sizeof(*map) * (p->ntensors + 1));
	if (!m->jobs || !map) {
		free(map);
		return -ENOMEM;
	}
	for (j = 0; j < p->njobs && !ret; j++) {
		struct npu_job *job = npu_job_new(m->dev);

		if (!job) {
			ret = -errno;
			break;
		}
		m->jobs[j] = job;
		for (i = 0; i < p->ntensors; i++)
			map[i] = NPU_CMD_NO_TENSOR;
		for (i = 0; i < p->jobs[j].count && !ret; i++) {
			struct npu_cmd_op op = p->ops[p->jobs[j].first + i].op;

			for (k = 0; k < NPU_CMD_MAX_INPUTS + NPU_CMD_MAX_OUTPUTS; k++) {
				uint32_t *slot = k < NPU_CMD_MAX_INPUTS ? &op.inputs[k] :
						 &op.outputs[k - NPU_CMD_MAX_INPUTS];

				if (*slot == NPU_CMD_NO_TENSOR)
					continue;
				id = npu_model_job_tensor(m, job, *slot, map);
				if (id < 0) {
					ret = id;
					break;
				}
				*slot = (uint32_t)id;
			}
			if (!ret) {
				id = npu_job_op_raw(job, &op);
				if (id < 0)
					ret = id;
			}
		}
		/* job j runs after job j - 1 */
		if (!ret && prev_sync)
			ret = npu_job_add_in_fence(job, prev_sync);
		if (!ret && j + 1 < p->njobs)
			ret = npu_job_out_syncobj(job, &prev_sync);
		if (!ret)
			ret = npu_model_validate(m, j, what, err, errlen);
		else
			npu_model_msg(err, errlen, "%s: building job %u: %s", what, j,
				      strerror(-ret));
	}
	free(map);
	return ret;
}

static int npu_model_buffers(struct npu_model *m, const char *what, char *err,
			     size_t errlen)
{
	static const char * const names[] = { "weight", "arena", "input/output" };
	void *map;
	int i, ret;

	for (i = 0; i < NPU_PLAN_STORES; i++) {
		if (!m->plan.size[i])
			continue;
		m->bos[i] = npu_bo_alloc(m->dev, m->plan.size[i], 0);
		if (!m->bos[i]) {
			ret = -errno;
			npu_model_msg(err, errlen,
				      "%s: allocating the %s buffer (%llu bytes): %s",
				      what, names[i], (unsigned long long)m->plan.size[i],
				      strerror(-ret));
			return ret;
		}
		if (i == NPU_PLAN_ARENA)
			continue;
		map = npu_bo_map(m->bos[i]);
		if (!map) {
			ret = -errno;
			npu_model_msg(err, errlen, "%s: mapping the %s buffer: %s",
				      what, names[i], strerror(-ret));
			return ret;
		}
		if (i == NPU_PLAN_WEIGHTS)
			memcpy(map, m->plan.weights, m->plan.size[i]);
		else
			m->io_map = map;
	}
	/* the host copy of the weights is not needed any more */
	free(m->plan.weights);
	m->plan.weights = NULL;
	return 0;
}

static struct npu_model *npu_model_new(const void *data, size_t size,
				       const struct npu_model_opts *o,
				       const char *what)
{
	char *err = o ? o->errbuf : NULL;
	size_t errlen = o ? o->errbuf_len : 0;
	struct npu_g_input_shape *shapes = NULL;
	struct npu_plan_limits lim;
	struct npu_graph g;
	struct npu_model *m;
	uint32_t i;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (o) {
		ret = npu__opts_check(o, o->size, sizeof(*o),
				      offsetofend(struct npu_model_opts, errbuf_len));
		if (ret) {
			npu_model_msg(err, errlen, "%s: bad npu_model_opts (size %zu)",
				      what, o->size);
			return npu__err_ptr(ret);
		}
		if (o->num_input_shapes && !o->input_shapes) {
			npu_model_msg(err, errlen, "%s: num_input_shapes without input_shapes",
				      what);
			return npu__err_ptr(-EINVAL);
		}
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return npu__err_ptr(-ENOMEM);
	pthread_mutex_init(&m->lock, NULL);
	npu_g_init(&g);

	ret = npu_onnx_import(&g, data, size);
	if (!ret && o && o->num_input_shapes) {
		shapes = calloc(o->num_input_shapes, sizeof(*shapes));
		if (!shapes) {
			ret = -ENOMEM;
			goto fail;
		}
		for (i = 0; i < o->num_input_shapes; i++) {
			shapes[i].name = o->input_shapes[i].name;
			shapes[i].ndim = o->input_shapes[i].ndim;
			memcpy(shapes[i].shape, o->input_shapes[i].shape,
			       sizeof(shapes[i].shape));
		}
	}
	if (!ret)
		ret = npu_g_bind_inputs(&g, shapes, o ? o->num_input_shapes : 0);
	if (!ret)
		ret = npu_g_infer(&g);
	if (!ret)
		ret = npu_g_optimize(&g);
	if (ret) {
		npu_model_msg(err, errlen, "%s: %s", what, g.err);
		goto fail;
	}
	m->opset = g.opset;
	ret = npu_model_device(m, o, what, err, errlen);
	if (ret)
		goto fail;
	lim.max_tensors = m->dev->limits.max_tensors;
	lim.max_ops = m->dev->limits.max_ops;
	lim.max_cmd_size = m->dev->limits.max_cmd_size;
	lim.max_tensor_elems = m->dev->limits.max_tensor_elems;
	lim.max_bo_size = m->dev->limits.max_bo_size;
	ret = npu_g_lower(&g, &lim, o ? o->max_ops_per_job : 0, &m->plan);
	if (ret) {
		npu_model_msg(err, errlen, "%s: %s", what, g.err);
		goto fail;
	}
	npu_g_free(&g);
	ret = npu_model_engines(m, what, err, errlen);
	if (!ret)
		ret = npu_model_buffers(m, what, err, errlen);
	if (!ret)
		ret = npu_model_build_jobs(m, what, err, errlen);
	if (ret)
		goto fail;
	free(shapes);
	npu_dbg("model %s: %u ops in %u jobs, weights %llu, arena %llu, io %llu bytes, on %s (%s)",
		what, m->plan.nops, m->plan.njobs,
		(unsigned long long)m->plan.size[NPU_PLAN_WEIGHTS],
		(unsigned long long)m->plan.size[NPU_PLAN_ARENA],
		(unsigned long long)m->plan.size[NPU_PLAN_IO], m->dev->path,
		npu_backend_name(m->dev->backend));
	return m;
fail:
	if (ret == -ENOMEM && err && errlen && !err[0])
		npu_model_msg(err, errlen, "%s: out of memory", what);
	free(shapes);
	npu_g_free(&g);
	npu_model_close(m);
	return npu__err_ptr(ret);
}

struct npu_model *npu_model_open_mem(const void *data, size_t size,
				     const struct npu_model_opts *opts)
{
	if (!data && size)
		return npu__err_ptr(-EINVAL);
	return npu_model_new(data, size, opts, "(memory)");
}

struct npu_model *npu_model_open(const char *path, const struct npu_model_opts *opts)
{
	struct npu_model *m;
	size_t size = 0;
	void *data = NULL;
	int ret;

	if (!path)
		return npu__err_ptr(-EINVAL);
	ret = npu_model_read(path, &data, &size, opts ? opts->errbuf : NULL,
			     opts ? opts->errbuf_len : 0);
	if (ret)
		return npu__err_ptr(ret);
	m = npu_model_new(data, size, opts, path);
	ret = m ? 0 : -errno;
	free(data);
	if (!m)
		return npu__err_ptr(ret);
	return m;
}

int npu_model_num_inputs(const struct npu_model *m)
{
	return m ? (int)m->plan.ninputs : npu__err(-EINVAL);
}

int npu_model_num_outputs(const struct npu_model *m)
{
	return m ? (int)m->plan.noutputs : npu__err(-EINVAL);
}

static int npu_model_tensor(const struct npu_model *m, const struct npu_plan_io *io,
			    struct npu_model_tensor *out)
{
	int ret;

	ret = npu__opts_check(out, out->size, sizeof(*out),
			      offsetofend(struct npu_model_tensor, data));
	if (ret)
		return npu__err(ret);
	out->name = io->name;
	out->dtype = io->dtype;
	out->ndim = io->ndim;
	memcpy(out->shape, io->shape, sizeof(out->shape));
	out->bytes = io->bytes;
	if (io->store == NPU_PLAN_CONST_OUT) {
		out->bo = NULL;
		out->offset = 0;
		out->data = io->data;
	} else {
		out->bo = m->bos[NPU_PLAN_IO];
		out->offset = io->offset;
		out->data = m->io_map ? m->io_map + io->offset : NULL;
	}
	return 0;
}

int npu_model_input(const struct npu_model *m, unsigned int index,
		    struct npu_model_tensor *out)
{
	if (!m || !out || index >= m->plan.ninputs)
		return npu__err(-EINVAL);
	return npu_model_tensor(m, &m->plan.inputs[index], out);
}

int npu_model_output(const struct npu_model *m, unsigned int index,
		     struct npu_model_tensor *out)
{
	if (!m || !out || index >= m->plan.noutputs)
		return npu__err(-EINVAL);
	return npu_model_tensor(m, &m->plan.outputs[index], out);
}

int npu_model_run(struct npu_model *m, const void *const *inputs,
		  void *const *outputs)
{
	const struct npu_plan_io *io;
	uint32_t i, submitted = 0;
	int ret = 0, r;

	if (!m)
		return npu__err(-EINVAL);
	pthread_mutex_lock(&m->lock);
	m->err[0] = '\0';
	for (i = 0; inputs && i < m->plan.ninputs; i++) {
		io = &m->plan.inputs[i];
		if (inputs[i] && io->bytes)
			memcpy(m->io_map + io->offset, inputs[i], io->bytes);
	}
	for (i = 0; i < m->plan.njobs; i++) {
		ret = npu_job_submit(m->jobs[i], NULL);
		if (ret) {
			npu_model_msg(m->err, sizeof(m->err), "submitting job %u of %u: %s",
				      i, m->plan.njobs, strerror(-ret));
			break;
		}
		submitted++;
	}
	/* wait for everything submitted, even after a failure: the BOs are ours */
	for (i = 0; i < submitted; i++) {
		r = npu_job_wait(m->jobs[i], NPU_TIMEOUT_INFINITE);
		if (r && !ret) {
			ret = r;
			npu_model_msg(m->err, sizeof(m->err), "job %u of %u failed: %s",
				      i, m->plan.njobs, strerror(-ret));
		}
	}
	for (i = 0; !ret && outputs && i < m->plan.noutputs; i++) {
		io = &m->plan.outputs[i];
		if (!outputs[i] || !io->bytes)
			continue;
		memcpy(outputs[i], io->store == NPU_PLAN_CONST_OUT ? io->data :
		       m->io_map + io->offset, io->bytes);
	}
	pthread_mutex_unlock(&m->lock);
	return npu__err(ret);
}

int npu_model_backend(const struct npu_model *m)
{
	return m ? (int)m->dev->backend : npu__err(-EINVAL);
}

int npu_model_get_info(const struct npu_model *m, struct npu_model_info *info)
{
	int ret;

	if (!m || !info)
		return npu__err(-EINVAL);
	ret = npu__opts_check(info, info->size, sizeof(*info),
			      offsetofend(struct npu_model_info, io_bytes));
	if (ret)
		return npu__err(ret);
	info->backend = m->dev->backend;
	info->num_inputs = m->plan.ninputs;
	info->num_outputs = m->plan.noutputs;
	info->num_ops = m->plan.nops;
	info->num_jobs = m->plan.njobs;
	info->opset = m->opset;
	info->weights_bytes = m->plan.size[NPU_PLAN_WEIGHTS];
	info->arena_bytes = m->plan.size[NPU_PLAN_ARENA];
	info->io_bytes = m->plan.size[NPU_PLAN_IO];
	return 0;
}

int npu_model_op_count(const struct npu_model *m)
{
	return m ? (int)m->plan.nops : npu__err(-EINVAL);
}

int npu_model_get_op(const struct npu_model *m, unsigned int index,
		     struct npu_model_op_info *info)
{
	const struct npu_plan_op *po;
	int ret;

	if (!m || !info || index >= m->plan.nops)
		return npu__err(-EINVAL);
	ret = npu__opts_check(info, info->size, sizeof(*info),
			      offsetofend(struct npu_model_op_info, onnx_ops));
	if (ret)
		return npu__err(ret);
	po = &m->plan.ops[index];
	info->opcode = po->op.opcode;
	switch (po->op.opcode) {
	case NPU_OP_GEMM:
		info->activation = po->op.gemm.activation;
		break;
	case NPU_OP_CONV2D:
	case NPU_OP_CONV_TRANSPOSE2D:
		info->activation = po->op.conv2d.activation;
		break;
	case NPU_OP_ADD:
	case NPU_OP_SUB:
	case NPU_OP_MUL:
	case NPU_OP_DIV:
		info->activation = po->op.eltwise.activation;
		break;
	default:
		info->activation = NPU_ACT_NONE;
		break;
	}
	info->job = po->job;
	info->engines = m->engines[index];
	info->node = po->node;
	info->onnx_ops = po->onnx_ops;
	return 0;
}

const char *npu_model_last_error(const struct npu_model *m)
{
	return m ? m->err : "";
}

/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * A small command-stream builder and runner for the firmware unit tests.
 *
 * Usage: cb_init(), add tensors (CB_T()) and ops, cb_finish() serializes
 * the stream (header at 0, tensor table at 32, op list after it) into
 * c->buf; cb_hdr()/cb_ten()/cb_op() then point into the serialized stream so
 * tests can corrupt it. Tensors are placed one after the other in their BO at
 * 64-byte aligned offsets; a BO's size is the end of its last tensor plus
 * whatever cb_bo_reserve() added.
 */
#ifndef NPU_TEST_CMDBUILD_H
#define NPU_TEST_CMDBUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fw_scratch.h"
#include "../../firmware/npu_fw.h"

#define CB_MAX_TENSORS	32
#define CB_MAX_OPS	16

struct cb {
	struct npu_cmd_tensor t[CB_MAX_TENSORS];
	struct npu_cmd_op op[CB_MAX_OPS];
	unsigned int nt, nops;
	__u64 bo_size[NPU_FW_MAX_BOS];
	unsigned int nbos;
	void *buf;		/* serialized stream, 8-byte aligned */
	__u32 size;		/* its size */
	struct npu_fw_limits lim;
};

static inline __u32 cb_f32bits(float f)
{
	__u32 u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static inline float cb_bitsf32(__u32 u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static inline void cb_init(struct cb *c)
{
	memset(c, 0, sizeof(*c));
	c->nbos = 1;
	c->lim.max_cmd_size = 1 << 20;
	c->lim.max_tensors = 64;
	c->lim.max_ops = 64;
	c->lim.max_tensor_elems = 1 << 24;
}

static inline void cb_free(struct cb *c)
{
	free(c->buf);
	c->buf = NULL;
}

static inline __u64 cb_tensor_bytes(const struct npu_cmd_tensor *t)
{
	__u64 n = npu_fw_dtype_size(t->dtype);
	__u32 i;

	for (i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return n;
}

static inline __u64 cb_tensor_elems(const struct npu_cmd_tensor *t)
{
	__u64 n = 1;
	__u32 i;

	for (i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return n;
}

/* add a plain tensor of @ndim dims to BO @bo; returns its id */
static inline __u32 cb_tensor(struct cb *c, __u32 bo, __u32 dtype,
			      const __u32 *shape, __u32 ndim)
{
	struct npu_cmd_tensor *t = &c->t[c->nt];
	__u32 i;

	if (c->nt >= CB_MAX_TENSORS || bo >= NPU_FW_MAX_BOS)
		abort();
	t->bo_index = bo;
	t->dtype = dtype;
	t->ndim = ndim;
	for (i = 0; i < ndim; i++)
		t->shape[i] = shape[i];
	t->scale_tensor = NPU_CMD_NO_TENSOR;
	t->offset = (c->bo_size[bo] + 63) & ~63ULL;
	c->bo_size[bo] = t->offset + cb_tensor_bytes(t);
	if (bo >= c->nbos)
		c->nbos = bo + 1;
	return c->nt++;
}

#define CB_T(c, bo, dtype, ...) \
	cb_tensor(c, bo, dtype, (const __u32[]){ __VA_ARGS__ }, \
		  sizeof((const __u32[]){ __VA_ARGS__ }) / sizeof(__u32))

static inline void cb_bo_reserve(struct cb *c, __u32 bo, __u64 extra)
{
	c->bo_size[bo] += extra;
	if (bo >= c->nbos)
		c->nbos = bo + 1;
}

static inline void cb_quant(struct cb *c, __u32 id, float scale, int zp)
{
	c->t[id].quant_type = NPU_QUANT_PER_TENSOR;
	c->t[id].scale = cb_f32bits(scale);
	c->t[id].zero_point = zp;
}

static inline void cb_quant_pc(struct cb *c, __u32 id, __u32 axis, __u32 scale_id)
{
	c->t[id].quant_type = NPU_QUANT_PER_CHANNEL;
	c->t[id].quant_axis = axis;
	c->t[id].scale_tensor = scale_id;
}

static inline struct npu_cmd_op *cb_new_op(struct cb *c, __u16 opcode,
					   __u16 nin)
{
	struct npu_cmd_op *op;

	if (c->nops >= CB_MAX_OPS)
		abort();
	op = &c->op[c->nops++];
	memset(op, 0, sizeof(*op));
	op->opcode = opcode;
	op->num_inputs = nin;
	op->num_outputs = 1;
	memset(op->inputs, 0xff, sizeof(op->inputs));
	memset(op->outputs, 0xff, sizeof(op->outputs));
	return op;
}

static inline struct npu_cmd_op *cb_gemm(struct cb *c, __u32 a, __u32 b, __u32 bias,
					 __u32 y, __u32 flags)
{
	struct npu_cmd_op *op = cb_new_op(c, NPU_OP_GEMM, 3);

	op->inputs[0] = a;
	op->inputs[1] = b;
	op->inputs[2] = bias;
	op->outputs[0] = y;
	op->gemm.flags = flags;
	return op;
}

static inline struct npu_cmd_op *cb_conv(struct cb *c, __u32 x, __u32 w, __u32 bias,
					 __u32 y, const struct npu_op_conv2d *p)
{
	struct npu_cmd_op *op = cb_new_op(c, NPU_OP_CONV2D, 3);

	op->inputs[0] = x;
	op->inputs[1] = w;
	op->inputs[2] = bias;
	op->outputs[0] = y;
	op->conv2d = *p;
	return op;
}

static inline struct npu_cmd_op *cb_add(struct cb *c, __u32 a, __u32 b, __u32 y)
{
	struct npu_cmd_op *op = cb_new_op(c, NPU_OP_ADD, 2);

	op->inputs[0] = a;
	op->inputs[1] = b;
	op->outputs[0] = y;
	return op;
}

static inline struct npu_cmd_op *cb_relu(struct cb *c, __u32 x, __u32 y)
{
	struct npu_cmd_op *op = cb_new_op(c, NPU_OP_RELU, 1);

	op->inputs[0] = x;
	op->outputs[0] = y;
	return op;
}

static inline struct npu_cmd_op *cb_clip(struct cb *c, __u32 x, __u32 y, float lo, float hi)
{
	struct npu_cmd_op *op = cb_new_op(c, NPU_OP_CLIP, 1);

	op->inputs[0] = x;
	op->outputs[0] = y;
	op->eltwise.act_min = cb_f32bits(lo);
	op->eltwise.act_max = cb_f32bits(hi);
	return op;
}

static inline void cb_act(__u32 *act, __u32 *lo, __u32 *hi, __u32 a, float l, float h)
{
	*act = a;
	*lo = a == NPU_ACT_CLIP ? cb_f32bits(l) : 0;
	*hi = a == NPU_ACT_CLIP ? cb_f32bits(h) : 0;
}

/* OH or OW of a convolution */
static inline __u32 cb_conv_out(__u32 in, __u32 k, __u32 s, __u32 d, __u32 p0, __u32 p1)
{
	return (in + p0 + p1 - d * (k - 1) - 1) / s + 1;
}

/* serialize into c->buf (exactly c->size bytes, malloc'ed) */
static inline void cb_finish(struct cb *c)
{
	struct npu_cmd_header h = {
		.magic = NPU_CMD_MAGIC,
		.version = NPU_CMD_VERSION,
		.header_size = sizeof(h),
		.num_tensors = (__u16)c->nt,
		.num_ops = (__u16)c->nops,
		.tensor_offset = sizeof(h),
	};

	h.op_offset = h.tensor_offset + c->nt * sizeof(struct npu_cmd_tensor);
	h.size = h.op_offset + c->nops * sizeof(struct npu_cmd_op);
	free(c->buf);
	c->size = h.size;
	c->buf = aligned_alloc(8, c->size);
	if (!c->buf)
		abort();
	memcpy(c->buf, &h, sizeof(h));
	memcpy((char *)c->buf + h.tensor_offset, c->t, c->nt * sizeof(c->t[0]));
	memcpy((char *)c->buf + h.op_offset, c->op, c->nops * sizeof(c->op[0]));
}

static inline struct npu_cmd_header *cb_hdr(struct cb *c)
{
	return c->buf;
}

static inline struct npu_cmd_tensor *cb_ten(struct cb *c, __u32 i)
{
	return (struct npu_cmd_tensor *)((char *)c->buf + cb_hdr(c)->tensor_offset) + i;
}

static inline struct npu_cmd_op *cb_op(struct cb *c, __u32 i)
{
	return (struct npu_cmd_op *)((char *)c->buf + cb_hdr(c)->op_offset) + i;
}

static inline int cb_validate(struct cb *c, struct npu_fw_diag *d)
{
	return npu_fw_validate(c->buf, c->size, c->bo_size, c->nbos, &c->lim, d);
}

/* BOs allocated with exactly the validated sizes, so ASan sees overruns */
struct cb_mem {
	void *bo[NPU_FW_MAX_BOS];
	unsigned int nbos;
};

static inline void cb_mem_alloc(const struct cb *c, struct cb_mem *m, int fill)
{
	unsigned int i;

	m->nbos = c->nbos;
	for (i = 0; i < c->nbos; i++) {
		m->bo[i] = malloc(c->bo_size[i] ? c->bo_size[i] : 1);
		if (!m->bo[i])
			abort();
		memset(m->bo[i], fill, c->bo_size[i]);
	}
}

static inline void cb_mem_free(struct cb_mem *m)
{
	unsigned int i;

	for (i = 0; i < m->nbos; i++)
		free(m->bo[i]);
	m->nbos = 0;
}

/* data of tensor @id (from the builder's table, not the serialized one) */
static inline void *cb_ptr(const struct cb *c, const struct cb_mem *m, __u32 id)
{
	return (char *)m->bo[c->t[id].bo_index] + c->t[id].offset;
}

/*
 * Run every op of the serialized stream. split: 0 runs each op as one call
 * over all units, 1 runs one unit per call in reverse order.
 */
static inline void cb_exec(const struct cb *c, const struct cb_mem *m, int split)
{
	struct npu_fw_job job = { .cmd = c->buf, .bo_vaddr = m->bo };
	const struct npu_cmd_header *h = c->buf;
	__u32 i, u;

	for (i = 0; i < h->num_ops; i++) {
		u = npu_fw_units(&job, i);
		if (!split) {
			npu_fw_run(&job, i, 0, u, npu_test_scratch(&job));
			continue;
		}
		while (u--)
			npu_fw_run(&job, i, u, 1, npu_test_scratch(&job));
	}
}

/* xorshift64* */
static inline __u64 cb_rand(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static inline __u32 cb_rand_below(__u64 *s, __u32 n)
{
	return (__u32)((cb_rand(s) >> 32) % n);
}

/* uniform in [lo, hi) */
static inline float cb_randf(__u64 *s, float lo, float hi)
{
	return lo + (hi - lo) * (float)((cb_rand(s) >> 40) / 16777216.0);
}

#endif /* NPU_TEST_CMDBUILD_H */

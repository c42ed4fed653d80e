// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Structure-aware mutator and crossover for fuzz_validate.
 *
 * Byte mutations alone rarely keep a stream valid: one wrong bit and the
 * validator stops at the first check. Most of the time (3 in 4) this
 * mutator parses the input (fuzz_input.h prefix, header, tensor table, op
 * list) and changes one thing while keeping the rest consistent:
 *
 * - a tensor field: dtype or quant_type to a neighbouring value, a shape
 *   dimension (+-1, x2, /2, 1, interesting values), a reshape keeping the
 *   element count, rank +-1, the offset placed at, or one element past, the
 *   end of its BO, the BO index, scale (special floats), zero point (range
 *   edges), per-channel axis and scale tensor (creating a fitting one);
 * - an op field: opcode (slot counts follow), a slot to another tensor or
 *   NPU_CMD_NO_TENSOR, a parameter word (strides, dilations, pads near the
 *   kernel extent, groups, flags, activation and bounds), slot counts;
 * - a repair: Y's shape recomputed from the inputs (and moved to the end of
 *   its BO if it no longer fits), BO sizes shrunk to exactly fit their
 *   tensors;
 * - structure: append an op (RELU/CLIP/ADD on an existing tensor, or a
 *   copy of an op writing a fresh tensor), a reshaped view, delete or swap
 *   ops;
 * - a header or prefix field (counts, offsets, limits, BO sizes, modes).
 *
 * Field edits are written back in place, so unusual layouts survive;
 * structural edits re-serialize the stream canonically (header, tensors,
 * ops). The header's size field is kept equal to the stream length unless
 * the mutation was aimed at it. Otherwise libFuzzer's byte mutator runs.
 *
 * The crossover appends the tensors and ops of one input to another
 * (renumbering tensor ids, rotating BO indices), which turns single-op
 * seeds into multi-op streams that are still valid.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1,
				 const uint8_t *data2, size_t size2, uint8_t *out,
				 size_t max_out_size, unsigned int seed);

#define NO_T		NPU_CMD_NO_TENSOR
#define FM_MAX_T	FZ_MAX_TENSORS
#define FM_MAX_O	FZ_MAX_OPS
#define HDR		sizeof(struct npu_cmd_header)
#define TSZ		sizeof(struct npu_cmd_tensor)
#define OSZ		sizeof(struct npu_cmd_op)

/**
 * struct fm - a parsed input
 * @fp: the prefix
 * @h: the header
 * @t: the tensors that lie inside the stream (at most FM_MAX_T)
 * @op: the ops that lie inside the stream (at most FM_MAX_O)
 * @nt: entries of @t
 * @nops: entries of @op
 * @toff: where @t was parsed from (the header's tensor_offset then)
 * @ooff: where @op was parsed from
 * @rng: xorshift64 state
 */
struct fm {
	struct fz_prefix fp;
	struct npu_cmd_header h;
	struct npu_cmd_tensor t[FM_MAX_T];
	struct npu_cmd_op op[FM_MAX_O];
	uint32_t nt, nops;
	uint32_t toff, ooff;
	uint64_t rng;
};

static uint32_t fm_rand(struct fm *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return (uint32_t)(m->rng >> 16);
}

/* uniform in [0, n); 0 when n is 0 */
static uint32_t fm_below(struct fm *m, uint32_t n)
{
	return n ? fm_rand(m) % n : 0;
}

static int fm_chance(struct fm *m, uint32_t one_in)
{
	return fm_below(m, one_in) == 0;
}

static uint32_t fm_esize(uint32_t dtype)
{
	return npu_fw_dtype_size(dtype) ? npu_fw_dtype_size(dtype) : 1;
}

static uint64_t fm_elems(const struct npu_cmd_tensor *t)
{
	uint64_t n = 1;
	uint32_t i;

	for (i = 0; i < t->ndim && i < NPU_CMD_MAX_DIMS; i++)
		n *= t->shape[i];
	return n;
}

static uint64_t fm_bytes(const struct npu_cmd_tensor *t)
{
	return fm_elems(t) * fm_esize(t->dtype);
}

/* parse @data; returns 0 when it has a prefix and a header */
static int fm_parse(struct fm *m, const uint8_t *data, size_t size)
{
	const uint8_t *s = data + FZ_PREFIX_SIZE;
	size_t ss;
	uint32_t i;

	if (size < FZ_PREFIX_SIZE + HDR)
		return -1;
	ss = size - FZ_PREFIX_SIZE;
	fz_prefix_decode(data, &m->fp);
	memcpy(&m->h, s, HDR);
	m->nt = 0;
	m->nops = 0;
	m->toff = m->h.tensor_offset;
	m->ooff = m->h.op_offset;
	for (i = 0; i < m->h.num_tensors && i < FM_MAX_T; i++) {
		if ((uint64_t)m->h.tensor_offset + (uint64_t)(i + 1) * TSZ > ss)
			break;
		memcpy(&m->t[i], s + m->h.tensor_offset + (size_t)i * TSZ, TSZ);
		m->nt++;
	}
	for (i = 0; i < m->h.num_ops && i < FM_MAX_O; i++) {
		if ((uint64_t)m->h.op_offset + (uint64_t)(i + 1) * OSZ > ss)
			break;
		memcpy(&m->op[i], s + m->h.op_offset + (size_t)i * OSZ, OSZ);
		m->nops++;
	}
	return 0;
}

/* write the parsed fields back where they came from (layout unchanged) */
static void fm_write_inplace(const struct fm *m, uint8_t *data)
{
	uint8_t *s = data + FZ_PREFIX_SIZE;
	uint8_t pre[FZ_PREFIX_SIZE];

	/* keep the ignored prefix byte, re-encode the rest */
	fz_prefix_encode(pre, &m->fp);
	pre[0] = (uint8_t)(data[0] - data[0] % FZ_MAX_BOS + (m->fp.bo_count - 1));
	pre[3] = data[3];
	memcpy(data, pre, FZ_PREFIX_SIZE);
	memcpy(s, &m->h, HDR);
	/* the tables go back where they were, even if the header moved them */
	if (m->nt)
		memcpy(s + m->toff, m->t, (size_t)m->nt * TSZ);
	if (m->nops)
		memcpy(s + m->ooff, m->op, (size_t)m->nops * OSZ);
}

/* serialize canonically; returns the new size or 0 when above @max */
static size_t fm_write_canonical(struct fm *m, uint8_t *data, size_t max)
{
	size_t size = FZ_PREFIX_SIZE + HDR + (size_t)m->nt * TSZ + (size_t)m->nops * OSZ;
	uint8_t *s = data + FZ_PREFIX_SIZE;

	if (size > max || !m->nt || !m->nops)
		return 0;
	m->h.magic = NPU_CMD_MAGIC;
	m->h.version = NPU_CMD_VERSION;
	m->h.header_size = HDR;
	m->h.num_tensors = (uint16_t)m->nt;
	m->h.num_ops = (uint16_t)m->nops;
	m->h.tensor_offset = HDR;
	m->h.op_offset = (uint32_t)(HDR + m->nt * TSZ);
	m->h.size = (uint32_t)(size - FZ_PREFIX_SIZE);
	fz_prefix_encode(data, &m->fp);
	memcpy(s, &m->h, HDR);
	memcpy(s + HDR, m->t, (size_t)m->nt * TSZ);
	memcpy(s + m->h.op_offset, m->op, (size_t)m->nops * OSZ);
	return size;
}

/* a 32-bit value near @v or from a list of interesting ones */
static uint32_t fm_u32(struct fm *m, uint32_t v)
{
	static const uint32_t interesting[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 63, 64, 65, 127, 128, 255, 256, 4095, 4096,
		16383, 16384, 16385, 65535, 65536, 0x7fffffff, 0x80000000, 0xfffffffe,
		0xffffffff,
	};

	switch (fm_below(m, 6)) {
	case 0:
		return v + 1;
	case 1:
		return v - 1;
	case 2:
		return v * 2;
	case 3:
		return v / 2;
	case 4:
		return 1 + fm_below(m, 16);
	default:
		return interesting[fm_below(m, sizeof(interesting) / sizeof(interesting[0]))];
	}
}

/* binary32 bits: mostly ordinary values, sometimes special ones */
static uint32_t fm_float(struct fm *m)
{
	static const uint32_t special[] = {
		0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0x40c00000,
		0x0da24260, 0x00000001, 0x80000001, 0x7f7fffff, 0xff7fffff, 0x7f800000,
		0xff800000, 0x7fc00000, 0xffc00001, 0x501502f9, 0xd01502f9, 0x42ff0000,
		0x4f000000, 0xcf000000, 0x4b800000, 0x3dcccccd, 0x3c23d70a,
	};
	float f;
	uint32_t u;

	if (fm_chance(m, 3))
		return special[fm_below(m, sizeof(special) / sizeof(special[0]))];
	f = (float)((int)fm_below(m, 2001) - 1000) / (float)(1 + fm_below(m, 100));
	memcpy(&u, &f, sizeof(u));
	return u;
}

/* a valid per-tensor scale */
static uint32_t fm_scale(struct fm *m)
{
	static const uint32_t scales[] = {
		0x3dcccccd, 0x3c23d70a, 0x3f800000, 0x3f000000, 0x00000001, 0x00800000,
		0x7f7fffff, 0x40000000, 0x3b800000,
	};

	return scales[fm_below(m, sizeof(scales) / sizeof(scales[0]))];
}

/* grow BO @bo so that it ends at least at @end; 0 when it cannot */
static int fm_grow_bo(struct fm *m, uint32_t bo, uint64_t end)
{
	if (bo >= FZ_MAX_BOS || end > FZ_MAX_BO_SIZE)
		return 0;
	if (bo >= m->fp.bo_count)
		m->fp.bo_count = bo + 1;
	if (m->fp.bo_size[bo] < end)
		m->fp.bo_size[bo] = end;
	return 1;
}

/* place tensor @t at the (aligned) end of BO @bo, growing it */
static int fm_place_at_end(struct fm *m, struct npu_cmd_tensor *t, uint32_t bo)
{
	uint64_t es = fm_esize(t->dtype), off;

	if (bo >= FZ_MAX_BOS)
		return 0;
	off = (m->fp.bo_size[bo] + es - 1) / es * es;
	if (fm_chance(m, 4))
		off = (off + 63) & ~63ULL;
	t->bo_index = bo;
	t->offset = off;
	return fm_grow_bo(m, bo, off + fm_bytes(t));
}

/* end of the furthest tensor in BO @bo */
static uint64_t fm_bo_need(const struct fm *m, uint32_t bo)
{
	uint64_t need = 0, end;
	uint32_t i;

	for (i = 0; i < m->nt; i++) {
		if (m->t[i].bo_index != bo || m->t[i].offset > FZ_MAX_BO_SIZE)
			continue;
		end = m->t[i].offset + fm_bytes(&m->t[i]);
		if (end > need)
			need = end;
	}
	return need;
}

static void fm_mut_shape(struct fm *m, struct npu_cmd_tensor *t)
{
	uint32_t i, j, d;

	switch (fm_below(m, 4)) {
	case 0:	/* rank +-1, the rest stays consistent */
		if (t->ndim >= 1 && t->ndim < NPU_CMD_MAX_DIMS && fm_chance(m, 2)) {
			t->shape[t->ndim++] = 1;
		} else if (t->ndim > 1 && t->ndim <= NPU_CMD_MAX_DIMS) {
			t->ndim--;
			t->shape[t->ndim - 1] *= t->shape[t->ndim];
			t->shape[t->ndim] = 0;
		} else {
			t->ndim = fm_u32(m, t->ndim);
		}
		break;
	case 1:	/* reshape: move a factor of 2 from one dim to another */
		if (t->ndim < 2 || t->ndim > NPU_CMD_MAX_DIMS)
			break;
		i = fm_below(m, t->ndim);
		j = fm_below(m, t->ndim);
		if (i != j && t->shape[i] % 2 == 0) {
			t->shape[i] /= 2;
			t->shape[j] *= 2;
		}
		break;
	default: /* one dimension */
		d = fm_below(m, NPU_CMD_MAX_DIMS);
		if (t->ndim >= 1 && t->ndim <= NPU_CMD_MAX_DIMS && !fm_chance(m, 8))
			d = fm_below(m, t->ndim);
		t->shape[d] = fm_u32(m, t->shape[d]);
		break;
	}
}

static void fm_mut_offset(struct fm *m, struct npu_cmd_tensor *t)
{
	uint64_t bo = t->bo_index < FZ_MAX_BOS ? m->fp.bo_size[t->bo_index] : 0;
	uint64_t bytes = fm_bytes(t), es = fm_esize(t->dtype);

	switch (fm_below(m, 6)) {
	case 0:	/* exactly at the end of the BO */
		t->offset = bo - bytes;
		break;
	case 1:	/* one element past the end */
		t->offset = bo - bytes + es;
		break;
	case 2:	/* misaligned */
		t->offset += 1 + fm_below(m, 3);
		break;
	case 3:
		t->offset = fm_below(m, 2) ? 0 : (fm_rand(m) % (bo + 1)) / es * es;
		break;
	case 4: {
		static const uint64_t big[] = {
			1ULL << 32, 1ULL << 63, ~0ULL, ~0ULL - 3, 0xfffffffcULL, 1ULL << 16,
		};

		t->offset = big[fm_below(m, sizeof(big) / sizeof(big[0]))];
		break;
	}
	default:
		t->offset = t->offset + es * (fm_below(m, 2) ? 1 : -1);
		break;
	}
}

/* an F32 [n] tensor usable as a scale tensor: an existing one or a new one */
static uint32_t fm_scale_tensor(struct fm *m, uint32_t n)
{
	struct npu_cmd_tensor *s;
	uint32_t i;

	for (i = 0; i < m->nt; i++)
		if (m->t[i].dtype == NPU_DTYPE_F32 && m->t[i].ndim == 1 &&
		    m->t[i].shape[0] == n && fm_chance(m, 2))
			return i;
	if (m->nt >= FM_MAX_T)
		return fm_below(m, m->nt);
	s = &m->t[m->nt];
	memset(s, 0, sizeof(*s));
	s->dtype = NPU_DTYPE_F32;
	s->ndim = 1;
	s->shape[0] = n;
	s->scale_tensor = NO_T;
	if (!fm_place_at_end(m, s, fm_below(m, m->fp.bo_count)))
		return fm_below(m, m->nt);
	return m->nt++;
}

/* returns 1 when the tensor table grew (needs canonical serialization) */
static int fm_mut_tensor(struct fm *m, struct npu_cmd_tensor *t)
{
	static const int32_t zps[] = { -129, -128, -1, 0, 1, 127, 128, 255, 256 };
	uint32_t nt = m->nt;

	switch (fm_below(m, 11)) {
	case 0:
		t->dtype = fm_chance(m, 2) ? t->dtype + (fm_chance(m, 2) ? 1 : -1)
					   : fm_below(m, NPU_DTYPE_COUNT + 1);
		break;
	case 1:
	case 2:
		fm_mut_shape(m, t);
		break;
	case 3:
	case 4:
		fm_mut_offset(m, t);
		break;
	case 5:
		t->bo_index = fm_chance(m, 8) ? fm_u32(m, t->bo_index)
					      : fm_below(m, m->fp.bo_count + 1);
		break;
	case 6:	/* quant_type, with the other fields made to match */
		t->quant_type = fm_chance(m, 8) ? fm_u32(m, t->quant_type)
						: fm_below(m, NPU_QUANT_COUNT);
		t->quant_axis = 0;
		t->scale = 0;
		t->zero_point = 0;
		t->scale_tensor = NO_T;
		if (t->quant_type == NPU_QUANT_PER_TENSOR) {
			t->scale = fm_scale(m);
		} else if (t->quant_type == NPU_QUANT_PER_CHANNEL && t->ndim >= 1 &&
			   t->ndim <= NPU_CMD_MAX_DIMS) {
			t->quant_axis = fm_below(m, t->ndim);
			t->scale_tensor = fm_scale_tensor(m, t->shape[t->quant_axis]);
		}
		break;
	case 7:
		t->scale = fm_chance(m, 2) ? fm_scale(m) : fm_float(m);
		break;
	case 8:
		t->zero_point = fm_chance(m, 4) ? (int32_t)fm_u32(m, (uint32_t)t->zero_point)
						: zps[fm_below(m, sizeof(zps) / sizeof(zps[0]))];
		break;
	case 9:
		if (fm_chance(m, 2))
			t->quant_axis = fm_u32(m, t->quant_axis) % 6;
		else
			t->scale_tensor = fm_chance(m, 4) ? NO_T : fm_below(m, m->nt + 1);
		break;
	default:
		if (fm_chance(m, 2))
			t->flags = 1U << fm_below(m, 32);
		else
			t->reserved = fm_u32(m, 0);
		break;
	}
	return m->nt != nt;
}

/* canonical slot counts of an opcode */
static void fm_op_counts(uint32_t opcode, uint16_t *nin, uint16_t *nout)
{
	static const uint16_t in[NPU_OP_COUNT] = {
		0, 3, 3, 2, 1, 1, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1,
	};

	*nin = opcode < NPU_OP_COUNT ? in[opcode] : 1;
	*nout = 1;
}

static void fm_mut_params(struct fm *m, struct npu_cmd_op *op)
{
	struct npu_op_conv2d *p = &op->conv2d;
	uint32_t w;

	switch (op->opcode) {
	case NPU_OP_GEMM:
		w = fm_below(m, 4);
		if (w == 0)
			op->gemm.flags = fm_chance(m, 4) ? fm_u32(m, op->gemm.flags)
							 : op->gemm.flags ^ NPU_GEMM_TRANS_B;
		else if (w == 1)
			op->gemm.activation = fm_below(m, NPU_ACT_COUNT + 1);
		else
			op->raw[w] = fm_float(m);
		return;
	case NPU_OP_CONV2D:
	case NPU_OP_CONV_TRANSPOSE2D:
		w = fm_below(m, 16);
		if (w <= 3) {		/* stride, dilation */
			op->raw[w] = fm_chance(m, 4) ? fm_u32(m, op->raw[w]) : 1 + fm_below(m, 4);
		} else if (w <= 7) {	/* pads */
			op->raw[w] = fm_chance(m, 2) ? fm_u32(m, op->raw[w]) : fm_below(m, 4);
		} else if (w == 8) {
			p->groups = fm_chance(m, 2) ? fm_u32(m, p->groups) : 1 + fm_below(m, 8);
		} else if (w == 9) {
			p->activation = fm_below(m, NPU_ACT_COUNT + 1);
		} else if (w == 12 || w == 13) {	/* output_pad */
			op->raw[w] = fm_chance(m, 4) ? fm_u32(m, op->raw[w]) : fm_below(m, 3);
		} else {
			op->raw[w] = fm_float(m);
		}
		return;
	case NPU_OP_MAXPOOL:
	case NPU_OP_AVGPOOL:
	case NPU_OP_GLOBAL_AVGPOOL:
	case NPU_OP_SOFTMAX:
	case NPU_OP_CONCAT:
	case NPU_OP_TRANSPOSE:
		/* small integers: kernel, stride, dilation, pads, flags, axis, perm */
		w = fm_below(m, 11);
		op->raw[w] = fm_chance(m, 4) ? fm_u32(m, op->raw[w]) : fm_below(m, 5);
		return;
	case NPU_OP_RESIZE:
		w = fm_below(m, 5);
		op->raw[w] = w >= 3 ? fm_float(m) : fm_chance(m, 4) ? fm_u32(m, op->raw[w]) :
			     fm_below(m, 5);
		return;
	default:
		w = fm_below(m, 5);
		if (w == 0)
			op->eltwise.activation = fm_below(m, NPU_ACT_COUNT + 1);
		else
			op->raw[w] = fm_float(m);
		return;
	}
}

static void fm_mut_op(struct fm *m, struct npu_cmd_op *op)
{
	uint32_t s;

	switch (fm_below(m, 6)) {
	case 0:	/* opcode to a neighbour (or anything), slot counts follow */
		op->opcode = fm_chance(m, 2) ? op->opcode + (fm_chance(m, 2) ? 1 : -1)
					     : fm_below(m, NPU_OP_COUNT + 1);
		if (!fm_chance(m, 4))
			fm_op_counts(op->opcode, &op->num_inputs, &op->num_outputs);
		for (s = op->num_inputs; s < NPU_CMD_MAX_INPUTS && !fm_chance(m, 8); s++)
			op->inputs[s] = NO_T;
		break;
	case 1:
	case 2:	/* a slot */
		s = fm_below(m, NPU_CMD_MAX_INPUTS + NPU_CMD_MAX_OUTPUTS);
		{
			uint32_t *slot = s < NPU_CMD_MAX_INPUTS ? &op->inputs[s]
							: &op->outputs[s - NPU_CMD_MAX_INPUTS];

			*slot = fm_chance(m, 6) ? NO_T : fm_chance(m, 16) ? m->nt
							: fm_below(m, m->nt);
		}
		break;
	case 3:
	case 4:
		fm_mut_params(m, op);
		break;
	default:
		switch (fm_below(m, 4)) {
		case 0:
			op->num_inputs = (uint16_t)fm_u32(m, op->num_inputs);
			break;
		case 1:
			op->num_outputs = (uint16_t)fm_u32(m, op->num_outputs);
			break;
		case 2:
			op->flags = (uint16_t)(1U << fm_below(m, 16));
			break;
		default:
			op->raw[fm_below(m, 16)] = fm_u32(m, 0);
			break;
		}
		break;
	}
}

/* recompute the shape of op @op's output from its inputs (best effort) */
static void fm_fix_output(struct fm *m, struct npu_cmd_op *op)
{
	struct npu_cmd_tensor *y, *a, *b;
	const struct npu_op_conv2d *p = &op->conv2d;
	uint64_t ext, pad;
	uint32_t i;

	if (op->outputs[0] >= m->nt || op->inputs[0] >= m->nt)
		return;
	y = &m->t[op->outputs[0]];
	a = &m->t[op->inputs[0]];
	b = op->inputs[1] < m->nt ? &m->t[op->inputs[1]] : NULL;
	switch (op->opcode) {
	case NPU_OP_GEMM:
		if (!b)
			return;
		y->ndim = 2;
		y->shape[0] = a->shape[0];
		y->shape[1] = op->gemm.flags & NPU_GEMM_TRANS_B ? b->shape[0] : b->shape[1];
		y->shape[2] = y->shape[3] = 0;
		break;
	case NPU_OP_CONV2D:
		if (!b || !p->stride_h || !p->stride_w)
			return;
		y->ndim = 4;
		y->shape[0] = a->shape[0];
		y->shape[1] = b->shape[0];
		for (i = 0; i < 2; i++) {
			ext = (uint64_t)op->raw[2 + i] * (b->shape[2 + i] - 1) + 1;
			pad = (uint64_t)op->raw[4 + i] + op->raw[6 + i];
			if (a->shape[2 + i] + pad < ext)
				return;
			y->shape[2 + i] = (uint32_t)((a->shape[2 + i] + pad - ext) / op->raw[i] + 1);
		}
		break;
	default:
		y->ndim = a->ndim;
		memcpy(y->shape, a->shape, sizeof(y->shape));
		if (fm_chance(m, 2)) {
			y->dtype = a->dtype;
			y->quant_type = a->quant_type == NPU_QUANT_PER_CHANNEL ?
					NPU_QUANT_PER_TENSOR : a->quant_type;
			y->scale = a->scale ? a->scale : fm_scale(m);
			y->zero_point = a->zero_point;
			y->quant_axis = 0;
			y->scale_tensor = NO_T;
			if (y->quant_type == NPU_QUANT_NONE)
				y->scale = y->zero_point = 0;
		}
		break;
	}
	if (y->bo_index >= FZ_MAX_BOS || y->offset + fm_bytes(y) > m->fp.bo_size[y->bo_index])
		fm_place_at_end(m, y, y->bo_index < m->fp.bo_count ? y->bo_index
							     : fm_below(m, m->fp.bo_count));
}

/* append an op reading tensor @x and writing a new tensor */
static int fm_add_op(struct fm *m)
{
	struct npu_cmd_op *op;
	struct npu_cmd_tensor *y;
	uint32_t x, opcode;

	if (m->nops >= FM_MAX_O || m->nt + 1 >= FM_MAX_T || !m->nt)
		return 0;
	op = &m->op[m->nops];
	if (m->nops && fm_chance(m, 3)) {
		/* a copy of an existing op, writing a copy of its output */
		*op = m->op[fm_below(m, m->nops)];
		if (op->outputs[0] >= m->nt)
			return 0;
		y = &m->t[m->nt];
		*y = m->t[op->outputs[0]];
	} else {
		x = fm_below(m, m->nt);
		opcode = NPU_OP_ADD + fm_below(m, 3);
		memset(op, 0, sizeof(*op));
		memset(op->inputs, 0xff, sizeof(op->inputs));
		memset(op->outputs, 0xff, sizeof(op->outputs));
		op->opcode = (uint16_t)opcode;
		fm_op_counts(opcode, &op->num_inputs, &op->num_outputs);
		op->inputs[0] = x;
		if (opcode == NPU_OP_ADD)
			op->inputs[1] = fm_chance(m, 2) ? x : fm_below(m, m->nt);
		if (opcode == NPU_OP_CLIP) {
			op->eltwise.act_min = 0xbf800000;	/* -1 */
			op->eltwise.act_max = fm_chance(m, 2) ? 0x40c00000 : fm_float(m);
		}
		y = &m->t[m->nt];
		*y = m->t[x];
		if (y->quant_type == NPU_QUANT_PER_CHANNEL) {
			y->quant_type = NPU_QUANT_PER_TENSOR;
			y->quant_axis = 0;
			y->scale = fm_scale(m);
			y->scale_tensor = NO_T;
		}
	}
	if (!fm_place_at_end(m, y, fm_below(m, m->fp.bo_count + (m->fp.bo_count < FZ_MAX_BOS))))
		return 0;
	op->outputs[0] = m->nt++;
	m->nops++;
	return 1;
}

/* a structural change; returns 1 when the stream needs re-serializing */
static int fm_structural(struct fm *m)
{
	struct npu_cmd_op tmp;
	struct npu_cmd_tensor *v;
	uint32_t i, j;

	switch (fm_below(m, 5)) {
	case 0:
	case 1:
		return fm_add_op(m);
	case 2:	/* a reshaped view of a tensor, used by some op */
		if (m->nt >= FM_MAX_T || !m->nt)
			return 0;
		v = &m->t[m->nt];
		*v = m->t[fm_below(m, m->nt)];
		fm_mut_shape(m, v);
		if (m->nops) {
			i = fm_below(m, m->nops);
			j = fm_below(m, m->op[i].num_inputs ? m->op[i].num_inputs : 1);
			if (j < NPU_CMD_MAX_INPUTS)
				m->op[i].inputs[j] = m->nt;
		}
		m->nt++;
		return 1;
	case 3:
		if (m->nops < 2)
			return 0;
		i = fm_below(m, m->nops);
		memmove(&m->op[i], &m->op[i + 1], (m->nops - i - 1) * OSZ);
		m->nops--;
		return 1;
	default:
		if (m->nops < 2)
			return 0;
		i = fm_below(m, m->nops);
		j = fm_below(m, m->nops);
		tmp = m->op[i];
		m->op[i] = m->op[j];
		m->op[j] = tmp;
		return 1;
	}
}

static void fm_mut_header(struct fm *m)
{
	switch (fm_below(m, 6)) {
	case 0:
		m->h.num_tensors = (uint16_t)fm_u32(m, m->h.num_tensors);
		break;
	case 1:
		m->h.num_ops = (uint16_t)fm_u32(m, m->h.num_ops);
		break;
	case 2:
		m->h.tensor_offset = fm_chance(m, 2) ? m->h.tensor_offset + 8 * (fm_below(m, 3) - 1)
						     : fm_u32(m, m->h.tensor_offset);
		break;
	case 3:
		m->h.op_offset = fm_chance(m, 2) ? m->h.op_offset + 8 * (fm_below(m, 3) - 1)
						 : fm_u32(m, m->h.op_offset);
		break;
	case 4:
		m->h.size = fm_u32(m, m->h.size);
		break;
	default:
		if (fm_chance(m, 2))
			m->h.flags = 1U << fm_below(m, 32);
		else
			m->h.version = (uint16_t)fm_u32(m, m->h.version);
		break;
	}
}

static void fm_mut_prefix(struct fm *m)
{
	uint32_t i;

	switch (fm_below(m, 6)) {
	case 0:	/* every BO exactly as large as its tensors need */
		for (i = 0; i < m->fp.bo_count; i++)
			if (fm_bo_need(m, i) <= FZ_MAX_BO_SIZE)
				m->fp.bo_size[i] = fm_bo_need(m, i);
		break;
	case 1:
		i = fm_below(m, FZ_MAX_BOS);
		m->fp.bo_size[i] = fm_u32(m, (uint32_t)m->fp.bo_size[i]) & FZ_MAX_BO_SIZE;
		break;
	case 2:
		m->fp.bo_count = 1 + fm_below(m, FZ_MAX_BOS);
		break;
	case 3:	/* limits: mostly the largest, sometimes one shrunk */
		m->fp.lim_sel = fm_chance(m, 2) ? 0 : (uint8_t)(1 + fm_below(m, 3)) <<
						      (2 * fm_below(m, 4));
		break;
	default:
		m->fp.mode = (uint8_t)fm_rand(m);
		m->fp.seed = fm_rand(m);
		break;
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	static struct fm m;	/* large: not on the stack */
	size_t n, out;
	uint32_t what, rounds;
	int canonical = 0, keep_size = 0;

	m.rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	if (fm_chance(&m, 4) || fm_parse(&m, data, size)) {
		n = LLVMFuzzerMutate(data, size, max_size);
		/* often keep the header's size field in step with the length */
		if (n >= FZ_PREFIX_SIZE + HDR && fm_chance(&m, 2))
			fz_put32(data + FZ_PREFIX_SIZE + 8, (uint32_t)(n - FZ_PREFIX_SIZE));
		return n;
	}
	for (rounds = 1 + (fm_chance(&m, 3) ? fm_below(&m, 3) : 0); rounds; rounds--) {
		what = fm_below(&m, 100);
		if (what < 30 && m.nt) {
			canonical |= fm_mut_tensor(&m, &m.t[fm_below(&m, m.nt)]);
		} else if (what < 55 && m.nops) {
			fm_mut_op(&m, &m.op[fm_below(&m, m.nops)]);
		} else if (what < 65 && m.nops) {
			fm_fix_output(&m, &m.op[fm_below(&m, m.nops)]);
		} else if (what < 80) {
			canonical |= fm_structural(&m);
		} else if (what < 85) {
			fm_mut_header(&m);
			keep_size = 1;
		} else {
			fm_mut_prefix(&m);
		}
	}
	if (canonical) {
		out = fm_write_canonical(&m, data, max_size);
		if (out)
			return out;
		return LLVMFuzzerMutate(data, size, max_size);
	}
	if (!keep_size)
		m.h.size = (uint32_t)(size - FZ_PREFIX_SIZE);
	fm_write_inplace(&m, data);
	return size;
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1,
				 const uint8_t *data2, size_t size2, uint8_t *out,
				 size_t max_out_size, unsigned int seed)
{
	static struct fm a, b;
	uint32_t i, s, rot;
	size_t n;

	a.rng = seed * 0x9e3779b97f4a7c15ULL + 7;
	if (fm_parse(&a, data1, size1) || fm_parse(&b, data2, size2) ||
	    a.nt + b.nt > FM_MAX_T || a.nops + b.nops > FM_MAX_O) {
		n = size1 < max_out_size ? size1 : max_out_size;
		memcpy(out, data1, n);
		return n;
	}
	/* b's BOs are rotated so that its tensors land in other BOs too */
	rot = fm_below(&a, FZ_MAX_BOS);
	for (i = 0; i < b.nt; i++) {
		struct npu_cmd_tensor t = b.t[i];

		if (t.bo_index < FZ_MAX_BOS) {
			t.bo_index = (t.bo_index + rot) % FZ_MAX_BOS;
			if (t.bo_index >= a.fp.bo_count)
				a.fp.bo_count = t.bo_index + 1;
			if (b.t[i].bo_index < b.fp.bo_count &&
			    a.fp.bo_size[t.bo_index] < b.fp.bo_size[b.t[i].bo_index])
				a.fp.bo_size[t.bo_index] = b.fp.bo_size[b.t[i].bo_index];
		}
		if (t.scale_tensor != NO_T)
			t.scale_tensor += a.nt;
		a.t[a.nt + i] = t;
	}
	for (i = 0; i < b.nops; i++) {
		struct npu_cmd_op op = b.op[i];

		for (s = 0; s < NPU_CMD_MAX_INPUTS; s++)
			if (op.inputs[s] != NO_T)
				op.inputs[s] += a.nt;
		for (s = 0; s < NPU_CMD_MAX_OUTPUTS; s++)
			if (op.outputs[s] != NO_T)
				op.outputs[s] += a.nt;
		a.op[a.nops + i] = op;
	}
	a.nt += b.nt;
	a.nops += b.nops;
	n = fm_write_canonical(&a, out, max_out_size);
	if (!n) {
		n = size1 < max_out_size ? size1 : max_out_size;
		memcpy(out, data1, n);
	}
	return n;
}

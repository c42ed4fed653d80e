// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * DRM_IOCTL_NPU_SUBMIT and DRM_IOCTL_NPU_WAIT.
 *
 * job.*   every op and data type against the reference implementation in
 *         npu_ref.h (f32: 1e-5 relative; int8: exact), plus submit/wait
 *         semantics (seqnos, WAIT_BO, priorities, limits reached exactly).
 * bad.*   one test per hostile input (fixture variants): a valid base stream
 *         with exactly one field broken, the expected errno, then proof that
 *         nothing ran and that the device and the same file still compute
 *         correct results.
 * wait.*  hostile DRM_IOCTL_NPU_WAIT arguments.
 * ref.*   the reference implementation against hand-computed answers (runs
 *         without a device).
 */
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "npu_harness.h"
#include "npu_ref.h"

#define SKIP_NO_DEVICE(fd)						\
	do {								\
		if ((fd) == -ENODEV)					\
			SKIP(return, "no npu device (is npu.ko loaded?)"); \
		ASSERT_LE(0, (fd));					\
	} while (0)

/* ------------------------------------------------------------------ */
/* ref: the reference itself, on hand-computed answers                 */

TEST(ref_known_answers)
{
	/* GEMM [2x2]x[2x2] + bias */
	const float a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 };
	const float bias[2] = { 0.5f, -1 };
	double y[4], mag[4];
	/* int8: (a - 1) * b, scale 0.5 * 0.25 / 0.125 = 1, zp_y 3 */
	const int32_t qa[2] = { 3, -1 }, qb[2] = { 10, 100 };
	const float qsb[1] = { 0.25f };
	struct ref_q q[1], r;
	/* conv: 1x1x3x3 input, 1x1x2x2 kernel of ones, no pad */
	const float x[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, w[4] = { 1, 1, 1, 1 };
	struct ref_conv c = { .n = 1, .c = 1, .h = 3, .w = 3, .oc = 1,
			      .kh = 2, .kw = 2 };
	double cy[4], cmag[4];
	const uint32_t ash[2] = { 2, 3 }, bsh[2] = { 2, 1 };

	ref_gemm_f32(2, 2, 2, a, b, 0, bias, NPU_ACT_NONE, 0, 0, y, mag);
	ASSERT_EQ(19.5, y[0]);
	ASSERT_EQ(21, y[1]);
	ASSERT_EQ(43.5, y[2]);
	ASSERT_EQ(49, y[3]);
	ref_gemm_f32(2, 2, 2, a, b, 1, NULL, NPU_ACT_CLIP, 0, 30, y, mag);
	ASSERT_EQ(17, y[0]);	/* 1*5 + 2*6 */
	ASSERT_EQ(23, y[1]);	/* 1*7 + 2*8 */
	ASSERT_EQ(30, y[3]);	/* 3*7 + 4*8 = 53, clipped */

	/* (3-1)*10 + (-1-1)*100 = -180 -> -180 + 3 -> saturates to -128 */
	ref_gemm_q(1, 2, 1, qa, 0.5f, 1, qb, qsb, 0, NULL, 0.125f, 3,
		   NPU_DTYPE_I8, NPU_ACT_NONE, 0, 0, q);
	ASSERT_EQ(-128, q[0].a);
	ASSERT_EQ(-128, q[0].b);
	/* ties: 2.5 -> 3 (away) or 2 (even) */
	r = ref_requant(2.5, 0, NPU_DTYPE_I8);
	ASSERT_EQ(3, r.a);
	ASSERT_EQ(2, r.b);
	r = ref_requant(-2.5, 10, NPU_DTYPE_U8);
	ASSERT_EQ(7, r.a);
	ASSERT_EQ(8, r.b);
	r = ref_requant(300, 0, NPU_DTYPE_U8);
	ASSERT_EQ(255, r.a);

	c.p.stride_h = c.p.stride_w = 1;
	c.p.dilation_h = c.p.dilation_w = 1;
	c.p.groups = 1;
	ref_conv_shape(&c);
	ASSERT_EQ(2, c.oh);
	ASSERT_EQ(2, c.ow);
	ref_conv2d_f32(&c, x, w, NULL, cy, cmag);
	ASSERT_EQ(12, cy[0]);
	ASSERT_EQ(16, cy[1]);
	ASSERT_EQ(24, cy[2]);
	ASSERT_EQ(28, cy[3]);
	/* stride 2, pad 1 on every side: corners of the padded input */
	c.p.stride_h = c.p.stride_w = 2;
	c.p.pad_top = c.p.pad_left = c.p.pad_bottom = c.p.pad_right = 1;
	ref_conv_shape(&c);
	ASSERT_EQ(2, c.oh);
	ref_conv2d_f32(&c, x, w, NULL, cy, cmag);
	ASSERT_EQ(1, cy[0]);
	ASSERT_EQ(5, cy[1]);	/* 2 + 3 */
	ASSERT_EQ(11, cy[2]);	/* 4 + 7 */
	ASSERT_EQ(28, cy[3]);	/* 5 + 6 + 8 + 9 */

	/* broadcasting [2,3] + [2,1] */
	ASSERT_EQ(0, ref_bcast(2, 2, ash, 2, bsh));
	ASSERT_EQ(1, ref_bcast(3, 2, ash, 2, bsh));
	ASSERT_EQ(2, ref_bcast(5, 2, ash, 1, &ash[1]));
}

/* ------------------------------------------------------------------ */
/* job: valid streams                                                  */

#define JOB_BOS		3
#define JOB_BO_SIZE	(2U << 20)

FIXTURE(job) {
	int fd;
	struct drm_npu_query_limits lim;
	struct npu_bo bo[JOB_BOS];	/* 0: inputs, 1: weights, 2: outputs */
	uint32_t h[JOB_BOS];
	uint8_t *maps[JOB_BOS];
	size_t used[JOB_BOS];
	struct npu_cs cs;
	uint64_t rng, seqno;
};

FIXTURE_SETUP(job)
{
	int i;

	self->fd = npu_open();
	SKIP_NO_DEVICE(self->fd);
	ASSERT_EQ(0, npu_get_limits(self->fd, &self->lim));
	for (i = 0; i < JOB_BOS; i++) {
		ASSERT_EQ(0, npu_bo_new(self->fd, JOB_BO_SIZE, &self->bo[i]));
		self->h[i] = self->bo[i].handle;
		self->maps[i] = self->bo[i].map;
	}
	npu_bo_poison(&self->bo[2]);
	npu_cs_init(&self->cs);
	self->rng = 0x5eed5eed;
}

FIXTURE_TEARDOWN(job)
{
	int i;

	if (self->fd < 0)
		return;
	npu_cs_fini(&self->cs);
	for (i = 0; i < JOB_BOS; i++)
		npu_bo_free(self->fd, &self->bo[i]);
	close(self->fd);
}

/* Allocate a tensor in BO @bo (64-byte aligned); returns its id. */
static uint32_t place(FIXTURE_DATA(job) *self, uint32_t bo, uint32_t dtype,
		      uint32_t ndim, const uint32_t *shape)
{
	size_t bytes = ref_elems(ndim, shape) * npu_dtype_size(dtype);
	size_t off = (self->used[bo] + 63) & ~(size_t)63;

	self->used[bo] = off + bytes;
	return npu_cs_tensor(&self->cs, bo, dtype, off, ndim, shape);
}

#define PLACE(bo, dtype, ...)						\
	place(self, (bo), (dtype),					\
	      sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t),	\
	      (uint32_t[]){ __VA_ARGS__ })

static void *tptr(FIXTURE_DATA(job) *self, uint32_t id)
{
	const struct npu_cmd_tensor *t = &self->cs.tensors[id];

	return self->maps[t->bo_index] + t->offset;
}

/* F32: uniform in [lo, hi); integers: uniform in [lo, hi]. */
static void fill(FIXTURE_DATA(job) *self, uint32_t id, double lo, double hi)
{
	const struct npu_cmd_tensor *t = &self->cs.tensors[id];
	size_t i, n = ref_elems(t->ndim, t->shape);
	uint8_t *p = tptr(self, id);

	for (i = 0; i < n; i++) {
		if (t->dtype == NPU_DTYPE_F32) {
			((float *)p)[i] = (float)(lo + (hi - lo) *
				(npu_rand(&self->rng) / 4294967296.0));
		} else {
			int32_t v = npu_randi(&self->rng, (int32_t)lo,
					      (int32_t)hi);

			ref_store(p + i * npu_dtype_size(t->dtype), t->dtype,
				  &v, 1);
		}
	}
}

static void set_f32(FIXTURE_DATA(job) *self, uint32_t id, const float *v,
		    size_t n)
{
	memcpy(tptr(self, id), v, n * sizeof(float));
}

static void run(struct __test_metadata *_metadata, FIXTURE_DATA(job) *self)
{
	int i;

	ASSERT_EQ(0, self->cs.error);
	for (i = 0; i < JOB_BOS; i++)
		ASSERT_GE(self->bo[i].size, self->used[i]);
	ASSERT_EQ(0, npu_cs_pack(&self->cs));
	ASSERT_EQ(0, npu_cs_submit(self->fd, &self->cs, self->h, JOB_BOS,
				   &self->seqno));
	ASSERT_EQ(0, npu_wait(self->fd, self->seqno, NPU_WAIT_NS));
}

static void verify(struct __test_metadata *_metadata,
		   FIXTURE_DATA(job) *self)
{
	ASSERT_EQ(0, ref_verify_stream(self->cs.tensors, self->cs.ops,
				       self->cs.num_ops, self->maps));
}

#define RUN_AND_VERIFY()			\
	do {					\
		run(_metadata, self);		\
		verify(_metadata, self);	\
	} while (0)

static void gemm_f32(struct __test_metadata *_metadata,
		     FIXTURE_DATA(job) *self, uint32_t m, uint32_t k,
		     uint32_t n, int with_bias, uint32_t flags, uint32_t act,
		     float lo, float hi)
{
	uint32_t a, b, bias = NPU_CMD_NO_TENSOR, y;

	a = PLACE(0, NPU_DTYPE_F32, m, k);
	b = (flags & NPU_GEMM_TRANS_B) ? PLACE(1, NPU_DTYPE_F32, n, k) :
					 PLACE(1, NPU_DTYPE_F32, k, n);
	if (with_bias)
		bias = PLACE(1, NPU_DTYPE_F32, n);
	y = PLACE(2, NPU_DTYPE_F32, m, n);
	fill(self, a, -1, 1);
	fill(self, b, -1, 1);
	if (with_bias)
		fill(self, bias, -1, 1);
	npu_cs_gemm(&self->cs, a, b, bias, y, flags, act, lo, hi);
	RUN_AND_VERIFY();
}

TEST_F(job, gemm_f32)
{
	gemm_f32(_metadata, self, 5, 7, 3, 1, 0, NPU_ACT_NONE, 0, 0);
}

TEST_F(job, gemm_f32_known_answer)
{
	const float a[6] = { 1, 2, 3, 4, 5, 6 };		/* [2, 3] */
	const float b[6] = { 1, 0, -1, 2, 0.5f, 0.25f };	/* [3, 2] */
	const float bias[2] = { 10, -10 };
	const float want[4] = { 10.5f, -5.25f, 12.0f, 1.5f };
	uint32_t ta, tb, tbias, ty;
	const float *y;
	int i;

	ta = PLACE(0, NPU_DTYPE_F32, 2, 3);
	tb = PLACE(1, NPU_DTYPE_F32, 3, 2);
	tbias = PLACE(1, NPU_DTYPE_F32, 2);
	ty = PLACE(2, NPU_DTYPE_F32, 2, 2);
	set_f32(self, ta, a, 6);
	set_f32(self, tb, b, 6);
	set_f32(self, tbias, bias, 2);
	npu_cs_gemm(&self->cs, ta, tb, tbias, ty, 0, NPU_ACT_NONE, 0, 0);
	RUN_AND_VERIFY();
	y = tptr(self, ty);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(want[i], y[i]);
}

TEST_F(job, gemm_f32_trans_b_relu)
{
	gemm_f32(_metadata, self, 6, 9, 4, 1, NPU_GEMM_TRANS_B, NPU_ACT_RELU,
		 0, 0);
}

TEST_F(job, gemm_f32_clip)
{
	gemm_f32(_metadata, self, 7, 5, 6, 1, 0, NPU_ACT_CLIP, -0.3f, 0.4f);
}

TEST_F(job, gemm_f32_no_bias)
{
	gemm_f32(_metadata, self, 3, 4, 5, 0, 0, NPU_ACT_NONE, 0, 0);
}

TEST_F(job, gemm_f32_vector)
{
	gemm_f32(_metadata, self, 1, 300, 10, 1, 0, NPU_ACT_NONE, 0, 0);
}

TEST_F_TIMEOUT(job, gemm_f32_large, 300)
{
	gemm_f32(_metadata, self, 96, 160, 72, 1, NPU_GEMM_TRANS_B,
		 NPU_ACT_NONE, 0, 0);
}

/* Quantized GEMM: A [m, k] and Y per-tensor, B per-tensor or per-channel. */
static void gemm_q(struct __test_metadata *_metadata, FIXTURE_DATA(job) *self,
		   uint32_t m, uint32_t k, uint32_t n, uint32_t adt,
		   int32_t za, int per_channel, int trans_b, int with_bias,
		   float sy, int32_t zy, uint32_t act, float lo, float hi)
{
	static const float ch_scales[] = { 0.25f, 0.5f, 0.125f, 1.0f, 0.0625f,
					   2.0f, 0.25f, 0.03125f };
	uint32_t a, b, bias = NPU_CMD_NO_TENSOR, y, s = NPU_CMD_NO_TENSOR, j;
	int32_t amin = adt == NPU_DTYPE_U8 ? za - 20 : -20;

	a = PLACE(0, adt, m, k);
	b = trans_b ? PLACE(1, NPU_DTYPE_I8, n, k) :
		      PLACE(1, NPU_DTYPE_I8, k, n);
	if (with_bias)
		bias = PLACE(1, NPU_DTYPE_I32, n);
	y = PLACE(2, adt, m, n);
	npu_cs_quant(&self->cs, a, 0.5f, za);
	if (per_channel) {
		s = PLACE(1, NPU_DTYPE_F32, n);
		npu_cs_quant_channel(&self->cs, b, trans_b ? 0 : 1, s);
		for (j = 0; j < n; j++)
			((float *)tptr(self, s))[j] =
				ch_scales[j % NPU_ARRAY_SIZE(ch_scales)];
	} else {
		npu_cs_quant(&self->cs, b, 0.25f, 0);
	}
	npu_cs_quant(&self->cs, y, sy, zy);
	fill(self, a, amin, amin + 40);
	fill(self, b, -10, 10);
	if (with_bias)
		fill(self, bias, -300, 300);
	npu_cs_gemm(&self->cs, a, b, bias, y, trans_b ? NPU_GEMM_TRANS_B : 0,
		    act, lo, hi);
	RUN_AND_VERIFY();
}

TEST_F(job, gemm_i8)
{
	/* ratio 0.5 * 0.25 / 1 = 1/8: rounding and saturation both happen */
	gemm_q(_metadata, self, 6, 16, 5, NPU_DTYPE_I8, 3, 0, 0, 1, 1.0f, -7,
	       NPU_ACT_NONE, 0, 0);
}

TEST_F(job, gemm_i8_exact_scale)
{
	/* ratio 1: no rounding at all, heavy saturation */
	gemm_q(_metadata, self, 4, 8, 8, NPU_DTYPE_I8, -5, 0, 0, 1, 0.125f, 0,
	       NPU_ACT_NONE, 0, 0);
}

TEST_F(job, gemm_i8_known_answer)
{
	/* A = [3, -1] (zp 1, scale 0.5), B = [[10], [100]] (scale 0.25) */
	uint32_t a, b, y;
	int8_t *ya;

	a = PLACE(0, NPU_DTYPE_I8, 1, 2);
	b = PLACE(1, NPU_DTYPE_I8, 2, 1);
	y = PLACE(2, NPU_DTYPE_I8, 1, 1);
	npu_cs_quant(&self->cs, a, 0.5f, 1);
	npu_cs_quant(&self->cs, b, 0.25f, 0);
	npu_cs_quant(&self->cs, y, 8.0f, 3);
	((int8_t *)tptr(self, a))[0] = 3;
	((int8_t *)tptr(self, a))[1] = -1;
	((int8_t *)tptr(self, b))[0] = 10;
	((int8_t *)tptr(self, b))[1] = 100;
	npu_cs_gemm(&self->cs, a, b, NPU_CMD_NO_TENSOR, y, 0, NPU_ACT_NONE,
		    0, 0);
	RUN_AND_VERIFY();
	/* acc = 2*10 - 2*100 = -180; real = -22.5; / 8 = -2.8125 -> -3 + 3 */
	ya = tptr(self, y);
	ASSERT_EQ(0, ya[0]);
}

TEST_F(job, gemm_i8_per_channel)
{
	gemm_q(_metadata, self, 5, 12, 8, NPU_DTYPE_I8, 2, 1, 0, 1, 0.5f, 1,
	       NPU_ACT_NONE, 0, 0);
}

TEST_F(job, gemm_i8_per_channel_trans_b)
{
	gemm_q(_metadata, self, 3, 10, 6, NPU_DTYPE_I8, 0, 1, 1, 1, 0.25f, -3,
	       NPU_ACT_NONE, 0, 0);
}

TEST_F(job, gemm_i8_relu)
{
	gemm_q(_metadata, self, 4, 9, 7, NPU_DTYPE_I8, 4, 0, 0, 1, 0.5f, -10,
	       NPU_ACT_RELU, 0, 0);
}

TEST_F(job, gemm_i8_clip)
{
	gemm_q(_metadata, self, 4, 9, 7, NPU_DTYPE_I8, 4, 1, 0, 0, 0.5f, 0,
	       NPU_ACT_CLIP, -6.0f, 6.0f);
}

TEST_F(job, gemm_u8)
{
	gemm_q(_metadata, self, 5, 11, 4, NPU_DTYPE_U8, 128, 0, 0, 1, 0.5f,
	       100, NPU_ACT_NONE, 0, 0);
}

TEST_F(job, gemm_u8_per_channel_relu)
{
	gemm_q(_metadata, self, 5, 11, 6, NPU_DTYPE_U8, 120, 1, 1, 1, 1.0f,
	       30, NPU_ACT_RELU, 0, 0);
}

static void conv_f32(struct __test_metadata *_metadata,
		     FIXTURE_DATA(job) *self, uint32_t n, uint32_t c,
		     uint32_t h, uint32_t w, uint32_t oc, uint32_t kh,
		     uint32_t kw, const struct npu_op_conv2d *p, int with_bias)
{
	struct ref_conv r = { .n = n, .c = c, .h = h, .w = w, .oc = oc,
			      .kh = kh, .kw = kw, .p = *p };
	uint32_t x, wt, bias = NPU_CMD_NO_TENSOR, y;

	ref_conv_shape(&r);
	x = PLACE(0, NPU_DTYPE_F32, n, c, h, w);
	wt = PLACE(1, NPU_DTYPE_F32, oc, c / p->groups, kh, kw);
	if (with_bias)
		bias = PLACE(1, NPU_DTYPE_F32, oc);
	y = PLACE(2, NPU_DTYPE_F32, n, oc, r.oh, r.ow);
	fill(self, x, -1, 1);
	fill(self, wt, -1, 1);
	if (with_bias)
		fill(self, bias, -1, 1);
	npu_cs_conv2d(&self->cs, x, wt, bias, y, p);
	RUN_AND_VERIFY();
}

#define CONV(sh, sw, dh, dw, pt, pl, pb, pr, g, act, lo, hi)		\
	((struct npu_op_conv2d){ .stride_h = (sh), .stride_w = (sw),	\
		.dilation_h = (dh), .dilation_w = (dw), .pad_top = (pt),	\
		.pad_left = (pl), .pad_bottom = (pb), .pad_right = (pr),	\
		.groups = (g), .activation = (act),			\
		.act_min = npu_f2u(lo), .act_max = npu_f2u(hi) })

TEST_F(job, conv2d_f32)
{
	struct npu_op_conv2d p = CONV(1, 1, 1, 1, 1, 1, 1, 1, 1,
				      NPU_ACT_NONE, 0, 0);

	conv_f32(_metadata, self, 1, 3, 8, 8, 4, 3, 3, &p, 1);
}

TEST_F(job, conv2d_f32_known_answer)
{
	const float x[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	const float w[4] = { 1, 1, 1, 1 };
	const float want[4] = { 1.5f, 5.5f, 11.5f, 28.5f };
	struct npu_op_conv2d p = CONV(2, 2, 1, 1, 1, 1, 1, 1, 1,
				      NPU_ACT_NONE, 0, 0);
	const float bias = 0.5f;
	uint32_t tx, tw, tb, ty;
	const float *y;
	int i;

	tx = PLACE(0, NPU_DTYPE_F32, 1, 1, 3, 3);
	tw = PLACE(1, NPU_DTYPE_F32, 1, 1, 2, 2);
	tb = PLACE(1, NPU_DTYPE_F32, 1);
	ty = PLACE(2, NPU_DTYPE_F32, 1, 1, 2, 2);
	set_f32(self, tx, x, 9);
	set_f32(self, tw, w, 4);
	set_f32(self, tb, &bias, 1);
	npu_cs_conv2d(&self->cs, tx, tw, tb, ty, &p);
	RUN_AND_VERIFY();
	y = tptr(self, ty);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(want[i], y[i]);
}

TEST_F(job, conv2d_f32_stride_asym_pad_batch_relu)
{
	struct npu_op_conv2d p = CONV(2, 1, 1, 1, 1, 0, 2, 1, 1,
				      NPU_ACT_RELU, 0, 0);

	conv_f32(_metadata, self, 2, 3, 9, 7, 5, 3, 2, &p, 0);
}

TEST_F(job, conv2d_f32_dilation_groups_clip)
{
	struct npu_op_conv2d p = CONV(1, 2, 2, 2, 2, 2, 2, 2, 2,
				      NPU_ACT_CLIP, -0.5f, 0.75f);

	conv_f32(_metadata, self, 1, 4, 10, 9, 6, 3, 3, &p, 1);
}

TEST_F(job, conv2d_f32_depthwise)
{
	struct npu_op_conv2d p = CONV(2, 2, 1, 1, 1, 1, 1, 1, 5,
				      NPU_ACT_NONE, 0, 0);

	conv_f32(_metadata, self, 1, 5, 11, 11, 5, 3, 3, &p, 1);
}

TEST_F(job, conv2d_f32_pointwise)
{
	struct npu_op_conv2d p = CONV(1, 1, 1, 1, 0, 0, 0, 0, 1,
				      NPU_ACT_NONE, 0, 0);

	conv_f32(_metadata, self, 1, 16, 6, 6, 8, 1, 1, &p, 1);
}

TEST_F(job, conv2d_f32_large_stride_dilation)
{
	/* the largest allowed stride/dilation values */
	struct npu_op_conv2d p = CONV(64, 3, 1, 64, 0, 0, 0, 63, 1,
				      NPU_ACT_NONE, 0, 0);

	conv_f32(_metadata, self, 1, 2, 130, 70, 3, 2, 2, &p, 1);
}

static void conv_q(struct __test_metadata *_metadata, FIXTURE_DATA(job) *self,
		   uint32_t dt, uint32_t c, uint32_t hw, uint32_t oc,
		   uint32_t k, const struct npu_op_conv2d *p, int32_t zx,
		   int per_channel, float sy, int32_t zy)
{
	static const float ch_scales[] = { 0.25f, 0.125f, 0.5f, 1.0f };
	struct ref_conv r = { .n = 1, .c = c, .h = hw, .w = hw, .oc = oc,
			      .kh = k, .kw = k, .p = *p };
	uint32_t x, wt, bias, y, s, j;
	int32_t xmin = dt == NPU_DTYPE_U8 ? zx - 15 : -15;

	ref_conv_shape(&r);
	x = PLACE(0, dt, 1, c, hw, hw);
	wt = PLACE(1, NPU_DTYPE_I8, oc, c / p->groups, k, k);
	bias = PLACE(1, NPU_DTYPE_I32, oc);
	y = PLACE(2, dt, 1, oc, r.oh, r.ow);
	npu_cs_quant(&self->cs, x, 0.5f, zx);
	if (per_channel) {
		s = PLACE(1, NPU_DTYPE_F32, oc);
		npu_cs_quant_channel(&self->cs, wt, 0, s);
		for (j = 0; j < oc; j++)
			((float *)tptr(self, s))[j] =
				ch_scales[j % NPU_ARRAY_SIZE(ch_scales)];
	} else {
		npu_cs_quant(&self->cs, wt, 0.25f, 0);
	}
	npu_cs_quant(&self->cs, y, sy, zy);
	fill(self, x, xmin, xmin + 30);
	fill(self, wt, -8, 8);
	fill(self, bias, -200, 200);
	npu_cs_conv2d(&self->cs, x, wt, bias, y, p);
	RUN_AND_VERIFY();
}

TEST_F(job, conv2d_i8)
{
	struct npu_op_conv2d p = CONV(1, 1, 1, 1, 1, 1, 1, 1, 1,
				      NPU_ACT_NONE, 0, 0);

	/* non-zero input zero point: padding must contribute zx, not 0 */
	conv_q(_metadata, self, NPU_DTYPE_I8, 3, 7, 4, 3, &p, 5, 0, 1.0f, -4);
}

TEST_F(job, conv2d_i8_per_channel_relu_stride2)
{
	struct npu_op_conv2d p = CONV(2, 2, 1, 1, 1, 1, 0, 0, 1,
				      NPU_ACT_RELU, 0, 0);

	conv_q(_metadata, self, NPU_DTYPE_I8, 4, 9, 6, 3, &p, -3, 1, 0.5f, 2);
}

TEST_F(job, conv2d_u8_depthwise)
{
	struct npu_op_conv2d p = CONV(1, 1, 1, 1, 1, 1, 1, 1, 4,
				      NPU_ACT_NONE, 0, 0);

	conv_q(_metadata, self, NPU_DTYPE_U8, 4, 6, 4, 3, &p, 128, 1, 0.25f,
	       128);
}

TEST_F(job, conv2d_i8_dilated_groups_clip)
{
	struct npu_op_conv2d p = CONV(1, 1, 2, 2, 2, 2, 2, 2, 2,
				      NPU_ACT_CLIP, -4.0f, 8.0f);

	conv_q(_metadata, self, NPU_DTYPE_I8, 4, 8, 4, 3, &p, 0, 0, 0.125f, 0);
}

/* ADD A [ash] + B [bsh] (broadcast), F32 */
/*
 * Packed weights (NPU_TENSOR_PACKED_V1), packed here from the layout the
 * uAPI documents (Documentation/kernels.rst), independently of libnpu and
 * the firmware library: the packed op must give the dense op's result,
 * byte for byte for int8 (exact integers, shared requantization), within a
 * summation bound for F32 (the module's kernels may use FMA, kern_exact=0).
 */
static size_t packed_size(uint32_t dtype, uint32_t rows, uint32_t cols)
{
	size_t panels = (rows + 7) / 8;

	if (dtype == NPU_DTYPE_I8)
		return 32 * panels * ((cols + 3) / 4) + 32 * panels;
	return 32 * panels * cols;
}

static void pack_rows(void *dst, const void *src, uint32_t dtype, uint32_t rows,
		      uint32_t cols)
{
	size_t panels = (rows + 7) / 8, k4 = (cols + 3) / 4;
	int32_t *sums = (int32_t *)((uint8_t *)dst + 32 * panels * k4);
	uint32_t r, c;

	memset(dst, 0, packed_size(dtype, rows, cols));
	for (r = 0; r < rows; r++) {
		for (c = 0; c < cols; c++) {
			if (dtype == NPU_DTYPE_F32) {
				((float *)dst)[(r / 8) * 8 * cols + 8 * c + r % 8] =
					((const float *)src)[(size_t)r * cols + c];
			} else {
				int8_t v = ((const int8_t *)src)[(size_t)r * cols + c];

				((int8_t *)dst)[(r / 8) * 32 * k4 + ((c / 4) * 8 + r % 8) * 4 +
						c % 4] = v;
				sums[r] += v;
			}
		}
	}
}

/*
 * Rerun op @op_i of the stream with its weight (input 1) replaced by a
 * packed copy, and compare output @y with the dense run's.
 */
static void rerun_packed(struct __test_metadata *_metadata, FIXTURE_DATA(job) *self,
			 uint32_t op_i, uint32_t y)
{
	struct npu_cmd_tensor w = self->cs.tensors[self->cs.ops[op_i].inputs[1]];
	const struct npu_cmd_tensor *yt = &self->cs.tensors[y];
	size_t ny = ref_elems(yt->ndim, yt->shape), i, bytes;
	uint32_t rows = w.shape[0], cols = ref_elems(w.ndim, w.shape) / rows, id;
	size_t off = (self->used[1] + 63) & ~(size_t)63;
	uint8_t *dense;
	float bound;

	bytes = ny * npu_dtype_size(yt->dtype);
	dense = malloc(bytes);
	ASSERT_NE(NULL, dense);
	memcpy(dense, tptr(self, y), bytes);

	self->used[1] = off + packed_size(w.dtype, rows, cols);
	id = npu_cs_tensor(&self->cs, 1, w.dtype, off, w.ndim, w.shape);
	ASSERT_NE(NPU_CMD_NO_TENSOR, id);
	w.offset = off;
	w.flags = NPU_TENSOR_PACKED_V1;
	self->cs.tensors[id] = w;
	pack_rows(tptr(self, id), tptr(self, self->cs.ops[op_i].inputs[1]), w.dtype, rows, cols);
	self->cs.ops[op_i].inputs[1] = id;
	npu_bo_poison(&self->bo[2]);
	run(_metadata, self);
	for (i = 0; i < ny; i++) {
		if (yt->dtype == NPU_DTYPE_F32) {
			float a = ((float *)dense)[i], b = ((float *)tptr(self, y))[i];

			/* |x|, |w| <= 1: |error| <= cols * 2^-20 (loose) */
			bound = (float)cols / (1 << 20);
			ASSERT_TRUE(fabsf(a - b) <= bound) {
				TH_LOG("F32 element %zu: dense %g packed %g", i, a, b);
			}
		} else {
			ASSERT_EQ(dense[i], ((uint8_t *)tptr(self, y))[i]) {
				TH_LOG("%s element %zu", yt->dtype == NPU_DTYPE_I8 ? "I8" : "U8",
				       i);
			}
		}
	}
	free(dense);
}

TEST_F(job, packed_conv2d_f32_matches_dense)
{
	struct npu_op_conv2d p = CONV(1, 1, 1, 1, 1, 1, 1, 1, 1, NPU_ACT_RELU, 0, 0);

	conv_f32(_metadata, self, 1, 5, 9, 10, 12, 3, 3, &p, 1);
	rerun_packed(_metadata, self, 0, self->cs.ops[0].outputs[0]);
}

TEST_F(job, packed_conv2d_i8_per_channel_matches_dense)
{
	struct npu_op_conv2d p = CONV(2, 2, 1, 1, 1, 1, 1, 1, 1, NPU_ACT_NONE, 0, 0);

	conv_q(_metadata, self, NPU_DTYPE_I8, 6, 9, 11, 3, &p, 5, 1, 4.0f, -4);
	rerun_packed(_metadata, self, 0, self->cs.ops[0].outputs[0]);
}

TEST_F(job, packed_conv2d_u8_relu_matches_dense)
{
	struct npu_op_conv2d p = CONV(1, 1, 1, 1, 0, 0, 0, 0, 1, NPU_ACT_RELU, 0, 0);

	conv_q(_metadata, self, NPU_DTYPE_U8, 9, 6, 17, 1, &p, 128, 0, 2.0f, 100);
	rerun_packed(_metadata, self, 0, self->cs.ops[0].outputs[0]);
}

TEST_F(job, packed_gemm_i8_trans_b_matches_dense)
{
	gemm_q(_metadata, self, 5, 37, 11, NPU_DTYPE_I8, 3, 1, 1, 1, 8.0f, -2,
	       NPU_ACT_CLIP, -20.0f, 40.0f);
	rerun_packed(_metadata, self, 0, self->cs.ops[0].outputs[0]);
}

static void add_f32(struct __test_metadata *_metadata, FIXTURE_DATA(job) *self,
		    uint32_t andim, const uint32_t *ash, uint32_t bndim,
		    const uint32_t *bsh, uint32_t act, float lo, float hi)
{
	uint32_t a, b, y;

	a = place(self, 0, NPU_DTYPE_F32, andim, ash);
	b = place(self, 1, NPU_DTYPE_F32, bndim, bsh);
	y = place(self, 2, NPU_DTYPE_F32, andim, ash);
	fill(self, a, -2, 2);
	fill(self, b, -2, 2);
	npu_cs_add(&self->cs, a, b, y, act, lo, hi);
	RUN_AND_VERIFY();
}

TEST_F(job, add_f32_same_shape)
{
	const uint32_t sh[3] = { 3, 4, 5 };

	add_f32(_metadata, self, 3, sh, 3, sh, NPU_ACT_NONE, 0, 0);
}

TEST_F(job, add_f32_broadcast_row)
{
	const uint32_t ash[3] = { 2, 3, 4 }, bsh[1] = { 4 };

	add_f32(_metadata, self, 3, ash, 1, bsh, NPU_ACT_NONE, 0, 0);
}

TEST_F(job, add_f32_broadcast_col_relu)
{
	const uint32_t ash[3] = { 2, 3, 4 }, bsh[2] = { 3, 1 };

	add_f32(_metadata, self, 3, ash, 2, bsh, NPU_ACT_RELU, 0, 0);
}

TEST_F(job, add_f32_broadcast_scalar_clip)
{
	const uint32_t ash[2] = { 7, 9 }, bsh[1] = { 1 };

	add_f32(_metadata, self, 2, ash, 1, bsh, NPU_ACT_CLIP, -1.0f, 0.5f);
}

TEST_F(job, add_f32_broadcast_4d)
{
	const uint32_t ash[4] = { 2, 3, 4, 5 }, bsh[4] = { 1, 3, 1, 5 };

	add_f32(_metadata, self, 4, ash, 4, bsh, NPU_ACT_NONE, 0, 0);
}

TEST_F(job, add_i32)
{
	uint32_t a, b, y;
	const int32_t *pa, *pb, *py;
	int i;

	a = PLACE(0, NPU_DTYPE_I32, 4, 6);
	b = PLACE(1, NPU_DTYPE_I32, 6);
	y = PLACE(2, NPU_DTYPE_I32, 4, 6);
	fill(self, a, -1000000, 1000000);
	fill(self, b, -1000000, 1000000);
	npu_cs_add(&self->cs, a, b, y, NPU_ACT_NONE, 0, 0);
	RUN_AND_VERIFY();
	pa = tptr(self, a);
	pb = tptr(self, b);
	py = tptr(self, y);
	for (i = 0; i < 24; i++)
		ASSERT_EQ(pa[i] + pb[i % 6], py[i]);
}

static void add_q(struct __test_metadata *_metadata, FIXTURE_DATA(job) *self,
		  uint32_t dt, float sa, int32_t za, float sb, int32_t zb,
		  float sy, int32_t zy, uint32_t act, float lo, float hi)
{
	uint32_t a, b, y;

	a = PLACE(0, dt, 3, 5, 4);
	b = PLACE(1, dt, 5, 1);
	y = PLACE(2, dt, 3, 5, 4);
	npu_cs_quant(&self->cs, a, sa, za);
	npu_cs_quant(&self->cs, b, sb, zb);
	npu_cs_quant(&self->cs, y, sy, zy);
	fill(self, a, ref_qmin(dt), ref_qmax(dt));
	fill(self, b, ref_qmin(dt), ref_qmax(dt));
	npu_cs_add(&self->cs, a, b, y, act, lo, hi);
	RUN_AND_VERIFY();
}

TEST_F(job, add_i8_exact)
{
	/* 0.5 / 0.25 = 2, 0.25 / 0.25 = 1: integer math, saturation */
	add_q(_metadata, self, NPU_DTYPE_I8, 0.5f, 1, 0.25f, -3, 0.25f, 5,
	      NPU_ACT_NONE, 0, 0);
}

TEST_F(job, add_i8_rounding_relu)
{
	add_q(_metadata, self, NPU_DTYPE_I8, 0.5f, 7, 0.25f, -2, 1.0f, -20,
	      NPU_ACT_RELU, 0, 0);
}

TEST_F(job, add_u8_clip)
{
	add_q(_metadata, self, NPU_DTYPE_U8, 0.125f, 128, 0.25f, 100, 0.5f, 90,
	      NPU_ACT_CLIP, -10.0f, 20.0f);
}

TEST_F(job, relu_f32)
{
	uint32_t x, y;
	float *px;

	x = PLACE(0, NPU_DTYPE_F32, 2, 3, 17);
	y = PLACE(2, NPU_DTYPE_F32, 2, 3, 17);
	fill(self, x, -1, 1);
	px = tptr(self, x);
	px[0] = -0.0f;
	px[1] = -1e30f;
	px[2] = 1e30f;
	px[3] = -1e-40f;	/* denormal */
	npu_cs_relu(&self->cs, x, y);
	RUN_AND_VERIFY();
	ASSERT_EQ(1e30f, ((float *)tptr(self, y))[2]);
}

TEST_F(job, relu_i8)
{
	uint32_t x, y;
	const int8_t *px, *py;
	int i;

	x = PLACE(0, NPU_DTYPE_I8, 100);
	y = PLACE(2, NPU_DTYPE_I8, 100);
	npu_cs_quant(&self->cs, x, 0.5f, -10);
	npu_cs_quant(&self->cs, y, 0.5f, -10);
	fill(self, x, -128, 127);
	npu_cs_relu(&self->cs, x, y);
	RUN_AND_VERIFY();
	px = tptr(self, x);
	py = tptr(self, y);
	for (i = 0; i < 100; i++)
		ASSERT_EQ(px[i] < -10 ? -10 : px[i], py[i]);
}

TEST_F(job, relu_u8)
{
	uint32_t x, y;

	x = PLACE(0, NPU_DTYPE_U8, 3, 33);
	y = PLACE(2, NPU_DTYPE_U8, 3, 33);
	npu_cs_quant(&self->cs, x, 0.25f, 77);
	npu_cs_quant(&self->cs, y, 0.25f, 77);
	fill(self, x, 0, 255);
	npu_cs_relu(&self->cs, x, y);
	RUN_AND_VERIFY();
}

TEST_F(job, clip_f32)
{
	uint32_t x, y;
	const float *px, *py;
	int i;

	x = PLACE(0, NPU_DTYPE_F32, 64);
	y = PLACE(2, NPU_DTYPE_F32, 64);
	fill(self, x, -1, 1);
	npu_cs_clip(&self->cs, x, y, -0.25f, 0.5f);
	RUN_AND_VERIFY();
	px = tptr(self, x);
	py = tptr(self, y);
	for (i = 0; i < 64; i++)
		ASSERT_EQ(px[i] < -0.25f ? -0.25f : px[i] > 0.5f ? 0.5f : px[i],
			  py[i]);
}

TEST_F(job, clip_i8)
{
	uint32_t x, y;
	const int8_t *px, *py;
	int i;

	x = PLACE(0, NPU_DTYPE_I8, 200);
	y = PLACE(2, NPU_DTYPE_I8, 200);
	npu_cs_quant(&self->cs, x, 0.5f, 3);
	npu_cs_quant(&self->cs, y, 0.5f, 3);
	fill(self, x, -128, 127);
	/* bounds -10.0 / 20.0 are -20 / 40 steps from zp 3 */
	npu_cs_clip(&self->cs, x, y, -10.0f, 20.0f);
	RUN_AND_VERIFY();
	px = tptr(self, x);
	py = tptr(self, y);
	for (i = 0; i < 200; i++)
		ASSERT_EQ(px[i] < -17 ? -17 : px[i] > 43 ? 43 : px[i], py[i]);
}

TEST_F(job, chain_in_one_stream)
{
	/* GEMM -> RELU -> ADD(row bias) -> CLIP, intermediates in BO 2 */
	uint32_t a, b, y1, y2, rb, y3, y4;

	a = PLACE(0, NPU_DTYPE_F32, 8, 12);
	b = PLACE(1, NPU_DTYPE_F32, 12, 10);
	y1 = PLACE(2, NPU_DTYPE_F32, 8, 10);
	y2 = PLACE(2, NPU_DTYPE_F32, 8, 10);
	rb = PLACE(1, NPU_DTYPE_F32, 10);
	y3 = PLACE(2, NPU_DTYPE_F32, 8, 10);
	y4 = PLACE(2, NPU_DTYPE_F32, 8, 10);
	fill(self, a, -1, 1);
	fill(self, b, -1, 1);
	fill(self, rb, -1, 1);
	npu_cs_gemm(&self->cs, a, b, NPU_CMD_NO_TENSOR, y1, 0, NPU_ACT_NONE,
		    0, 0);
	npu_cs_relu(&self->cs, y1, y2);
	npu_cs_add(&self->cs, y2, rb, y3, NPU_ACT_NONE, 0, 0);
	npu_cs_clip(&self->cs, y3, y4, -0.5f, 1.5f);
	RUN_AND_VERIFY();
}

TEST_F(job, quantized_pipeline)
{
	/* conv i8 -> relu i8 -> add i8, the output of each op feeds the next */
	struct npu_op_conv2d p = CONV(1, 1, 1, 1, 1, 1, 1, 1, 1,
				      NPU_ACT_NONE, 0, 0);
	uint32_t x, w, y1, y2, r, y3;

	x = PLACE(0, NPU_DTYPE_I8, 1, 2, 6, 6);
	w = PLACE(1, NPU_DTYPE_I8, 3, 2, 3, 3);
	y1 = PLACE(2, NPU_DTYPE_I8, 1, 3, 6, 6);
	y2 = PLACE(2, NPU_DTYPE_I8, 1, 3, 6, 6);
	r = PLACE(0, NPU_DTYPE_I8, 1, 3, 6, 6);
	y3 = PLACE(2, NPU_DTYPE_I8, 1, 3, 6, 6);
	npu_cs_quant(&self->cs, x, 0.5f, 0);
	npu_cs_quant(&self->cs, w, 0.25f, 0);
	npu_cs_quant(&self->cs, y1, 1.0f, -5);
	npu_cs_quant(&self->cs, y2, 1.0f, -5);
	npu_cs_quant(&self->cs, r, 0.5f, 2);
	npu_cs_quant(&self->cs, y3, 0.5f, 0);
	fill(self, x, -20, 20);
	fill(self, w, -6, 6);
	fill(self, r, -50, 50);
	npu_cs_conv2d(&self->cs, x, w, NPU_CMD_NO_TENSOR, y1, &p);
	npu_cs_relu(&self->cs, y1, y2);
	npu_cs_add(&self->cs, y2, r, y3, NPU_ACT_NONE, 0, 0);
	RUN_AND_VERIFY();
}

/* ---- ops added for ONNX models: known answers through the kernel ---- */

/* one op with @nin inputs and one output, parameters zero */
static struct npu_cmd_op *op_n(FIXTURE_DATA(job) *self, uint16_t opcode,
			       uint16_t nin, const uint32_t *in, uint32_t y)
{
	uint32_t idx = npu_cs_op(&self->cs, opcode, nin, in, 1, &y);

	return &self->cs.ops[idx];
}

static void expect_f32(struct __test_metadata *_metadata, const float *y,
		       const float *want, size_t n, double rel)
{
	size_t i;

	for (i = 0; i < n; i++)
		ASSERT_TRUE(fabs((double)y[i] - want[i]) <=
			    rel * fabs((double)want[i])) {
			TH_LOG("[%zu] = %.9g, want %.9g", i, y[i], want[i]);
		}
}

TEST_F(job, conv_transpose2d_f32_known_answer)
{
	/* X [1 2; 3 4], W 2x2 ones, stride 2, bias 0.5: each x tiles 2x2 */
	const float x[4] = { 1, 2, 3, 4 }, w[4] = { 1, 1, 1, 1 }, bias = 0.5f;
	const float want[16] = {
		1.5f, 1.5f, 2.5f, 2.5f, 1.5f, 1.5f, 2.5f, 2.5f,
		3.5f, 3.5f, 4.5f, 4.5f, 3.5f, 3.5f, 4.5f, 4.5f,
	};
	/* with pads 1 and output_pad 1: OH = 2 * 1 + 1 + 2 - 2 = 3 */
	const float want_pad[9] = {
		1.5f, 2.5f, 2.5f, 3.5f, 4.5f, 4.5f, 3.5f, 4.5f, 4.5f,
	};
	struct npu_cmd_op *op;
	uint32_t in[3], y, y2;

	in[0] = PLACE(0, NPU_DTYPE_F32, 1, 1, 2, 2);
	in[1] = PLACE(1, NPU_DTYPE_F32, 1, 1, 2, 2);
	in[2] = PLACE(1, NPU_DTYPE_F32, 1);
	y = PLACE(2, NPU_DTYPE_F32, 1, 1, 4, 4);
	y2 = PLACE(2, NPU_DTYPE_F32, 1, 1, 3, 3);
	set_f32(self, in[0], x, 4);
	set_f32(self, in[1], w, 4);
	set_f32(self, in[2], &bias, 1);
	op = op_n(self, NPU_OP_CONV_TRANSPOSE2D, 3, in, y);
	op->conv2d = CONV(2, 2, 1, 1, 0, 0, 0, 0, 1, NPU_ACT_NONE, 0, 0);
	op = op_n(self, NPU_OP_CONV_TRANSPOSE2D, 3, in, y2);
	op->conv2d = CONV(2, 2, 1, 1, 1, 1, 1, 1, 1, NPU_ACT_NONE, 0, 0);
	op->conv2d.output_pad_h = 1;
	op->conv2d.output_pad_w = 1;
	run(_metadata, self);
	expect_f32(_metadata, tptr(self, y), want, 16, 0);
	expect_f32(_metadata, tptr(self, y2), want_pad, 9, 0);
}

TEST_F(job, sub_mul_div_f32_broadcast_both)
{
	const float a[2] = { 1, 2 }, b[3] = { 10, 20, 30 };
	const uint16_t ops[3] = { NPU_OP_SUB, NPU_OP_MUL, NPU_OP_DIV };
	float want[3][6];
	uint32_t in[2], y[3], i, j;

	in[0] = PLACE(0, NPU_DTYPE_F32, 2, 1);
	in[1] = PLACE(0, NPU_DTYPE_F32, 3);
	set_f32(self, in[0], a, 2);
	set_f32(self, in[1], b, 3);
	for (i = 0; i < 3; i++) {
		y[i] = PLACE(2, NPU_DTYPE_F32, 2, 3);
		op_n(self, ops[i], 2, in, y[i]);
	}
	for (j = 0; j < 6; j++) {
		want[0][j] = a[j / 3] - b[j % 3];
		want[1][j] = a[j / 3] * b[j % 3];
		want[2][j] = a[j / 3] / b[j % 3];
	}
	run(_metadata, self);
	for (i = 0; i < 3; i++)
		expect_f32(_metadata, tptr(self, y[i]), want[i], 6, 0);
}

TEST_F(job, div_i32_known_answer)
{
	const int32_t a[6] = { 7, -7, 5, INT32_MIN, 9, 0 };
	const int32_t b[6] = { 2, 2, 0, -1, -4, 3 };
	const int32_t want[6] = { 3, -3, 0, INT32_MIN, -2, 0 };
	uint32_t in[2], y;
	const int32_t *py;
	int i;

	in[0] = PLACE(0, NPU_DTYPE_I32, 6);
	in[1] = PLACE(0, NPU_DTYPE_I32, 6);
	y = PLACE(2, NPU_DTYPE_I32, 6);
	memcpy(tptr(self, in[0]), a, sizeof(a));
	memcpy(tptr(self, in[1]), b, sizeof(b));
	op_n(self, NPU_OP_DIV, 2, in, y);
	run(_metadata, self);
	py = tptr(self, y);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(want[i], py[i]);
}

TEST_F(job, mul_i8_ties_to_even)
{
	const int8_t a[6] = { 1, 3, 5, -3, 127, -128 };
	const int8_t want[6] = { 0, 2, 2, -2, 64, -64 };
	uint32_t in[2], y;
	const int8_t *py;
	int i;

	in[0] = PLACE(0, NPU_DTYPE_I8, 6);
	in[1] = PLACE(0, NPU_DTYPE_I8, 1);
	y = PLACE(2, NPU_DTYPE_I8, 6);
	npu_cs_quant(&self->cs, in[0], 1.0f, 0);
	npu_cs_quant(&self->cs, in[1], 1.0f, 0);
	npu_cs_quant(&self->cs, y, 2.0f, 0);
	memcpy(tptr(self, in[0]), a, sizeof(a));
	*(int8_t *)tptr(self, in[1]) = 1;
	op_n(self, NPU_OP_MUL, 2, in, y);
	run(_metadata, self);
	py = tptr(self, y);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(want[i], py[i]);
}

/* SIGMOID/TANH within 1 ulp of libm; HARD_* exact on these inputs */
TEST_F(job, sigmoid_tanh_hard_sigmoid_hard_swish)
{
	const float x[8] = { 0, -0.5f, 1, -3, 3, 8, -20, 100 };
	float want[4][8];
	struct npu_cmd_op *op;
	uint32_t tx, y[4], i, j;

	tx = PLACE(0, NPU_DTYPE_F32, 8);
	set_f32(self, tx, x, 8);
	for (i = 0; i < 4; i++)
		y[i] = PLACE(2, NPU_DTYPE_F32, 8);
	op_n(self, NPU_OP_SIGMOID, 1, &tx, y[0]);
	op_n(self, NPU_OP_TANH, 1, &tx, y[1]);
	op = op_n(self, NPU_OP_HARD_SIGMOID, 1, &tx, y[2]);
	op->eltwise.act_alpha = npu_f2u(0.25f);
	op->eltwise.act_beta = npu_f2u(0.5f);
	op_n(self, NPU_OP_HARD_SWISH, 1, &tx, y[3]);
	for (j = 0; j < 8; j++) {
		double v = x[j], t = v / 6 + 0.5, h = 0.25 * v + 0.5;

		want[0][j] = (float)(1 / (1 + exp(-v)));
		want[1][j] = (float)tanh(v);
		want[2][j] = (float)(h < 0 ? 0 : h > 1 ? 1 : h);
		want[3][j] = (float)(v * (t < 0 ? 0 : t > 1 ? 1 : t));
	}
	run(_metadata, self);
	expect_f32(_metadata, tptr(self, y[0]), want[0], 8, 0x1p-23);
	expect_f32(_metadata, tptr(self, y[1]), want[1], 8, 0x1p-23);
	expect_f32(_metadata, tptr(self, y[2]), want[2], 8, 0);
	expect_f32(_metadata, tptr(self, y[3]), want[3], 8, 0x1p-22);
}

TEST_F(job, pools_known_answer)
{
	const float want_max[4] = { 5, 7, 13, 15 };
	const float want_avg[4] = { 2.5f, 4.5f, 10.5f, 12.5f };
	/* k 3, stride 2, pads 1: windows of 4, 6 and 9 elements */
	const float want_avg_pad[4] = { 2.5f, 4, 8.5f, 10 };
	const float want_avg_inc[4] = { 10.0f / 9, 24.0f / 9, 51.0f / 9, 90.0f / 9 };
	const float want_gap = 7.5f;
	struct npu_cmd_op *op;
	uint32_t tx, y[5], i;
	float x[16];

	for (i = 0; i < 16; i++)
		x[i] = (float)i;
	tx = PLACE(0, NPU_DTYPE_F32, 1, 1, 4, 4);
	set_f32(self, tx, x, 16);
	for (i = 0; i < 4; i++)
		y[i] = PLACE(2, NPU_DTYPE_F32, 1, 1, 2, 2);
	y[4] = PLACE(2, NPU_DTYPE_F32, 1, 1, 1, 1);
	op = op_n(self, NPU_OP_MAXPOOL, 1, &tx, y[0]);
	op->pool = (struct npu_op_pool){ 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0 };
	op = op_n(self, NPU_OP_AVGPOOL, 1, &tx, y[1]);
	op->pool = (struct npu_op_pool){ 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0 };
	op = op_n(self, NPU_OP_AVGPOOL, 1, &tx, y[2]);
	op->pool = (struct npu_op_pool){ 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0 };
	op = op_n(self, NPU_OP_AVGPOOL, 1, &tx, y[3]);
	op->pool = (struct npu_op_pool){ 3, 3, 2, 2, 1, 1, 1, 1, 1, 1,
					 NPU_POOL_COUNT_INCLUDE_PAD };
	op_n(self, NPU_OP_GLOBAL_AVGPOOL, 1, &tx, y[4]);
	run(_metadata, self);
	expect_f32(_metadata, tptr(self, y[0]), want_max, 4, 0);
	expect_f32(_metadata, tptr(self, y[1]), want_avg, 4, 0);
	expect_f32(_metadata, tptr(self, y[2]), want_avg_pad, 4, 0);
	expect_f32(_metadata, tptr(self, y[3]), want_avg_inc, 4, 0);
	expect_f32(_metadata, tptr(self, y[4]), &want_gap, 1, 0);
}

TEST_F(job, softmax_known_answer)
{
	/* [2, 3], axis 0 and axis 1 */
	const float x[6] = { 1, 2, 3, 1, 1, 1000 };
	float want0[6], want1[6];
	uint32_t tx, y0, y1, j;

	tx = PLACE(0, NPU_DTYPE_F32, 2, 3);
	set_f32(self, tx, x, 6);
	y0 = PLACE(2, NPU_DTYPE_F32, 2, 3);
	y1 = PLACE(2, NPU_DTYPE_F32, 2, 3);
	op_n(self, NPU_OP_SOFTMAX, 1, &tx, y0)->axis.axis = 0;
	op_n(self, NPU_OP_SOFTMAX, 1, &tx, y1)->axis.axis = 1;
	for (j = 0; j < 3; j++) {
		double s = exp(x[j] - 1.0 * fmax(x[j], x[j + 3]));
		double t = exp(x[j + 3] - fmax(x[j], x[j + 3]));

		want0[j] = (float)(s / (s + t));
		want0[j + 3] = (float)(t / (s + t));
		want1[j] = (float)(exp(x[j] - 3.0) / (exp(-2.0) + exp(-1.0) + 1));
	}
	want1[3] = 0;
	want1[4] = 0;
	want1[5] = 1;
	run(_metadata, self);
	expect_f32(_metadata, tptr(self, y0), want0, 6, 1e-6);
	expect_f32(_metadata, tptr(self, y1), want1, 6, 1e-6);
}

TEST_F(job, concat_transpose_copy_known_answer)
{
	const int32_t a[4] = { 1, 2, 3, 4 }, b[2] = { 5, 6 };	/* [2,2], [2,1] */
	const int32_t want_cat[6] = { 1, 2, 5, 3, 4, 6 };	/* [2,3] */
	const int32_t want_tr[6] = { 1, 3, 2, 4, 5, 6 };		/* [3,2] */
	struct npu_cmd_op *op;
	uint32_t in[2], cat, tr, cp;
	const int32_t *p;
	int i;

	in[0] = PLACE(0, NPU_DTYPE_I32, 2, 2);
	in[1] = PLACE(0, NPU_DTYPE_I32, 2, 1);
	memcpy(tptr(self, in[0]), a, sizeof(a));
	memcpy(tptr(self, in[1]), b, sizeof(b));
	cat = PLACE(1, NPU_DTYPE_I32, 2, 3);
	tr = PLACE(2, NPU_DTYPE_I32, 3, 2);
	cp = PLACE(2, NPU_DTYPE_I32, 6);
	op_n(self, NPU_OP_CONCAT, 2, in, cat)->axis.axis = 1;
	op = op_n(self, NPU_OP_TRANSPOSE, 1, &cat, tr);
	op->transpose.perm[0] = 1;
	op_n(self, NPU_OP_COPY, 1, &tr, cp);
	run(_metadata, self);
	p = tptr(self, cat);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(want_cat[i], p[i]);
	p = tptr(self, tr);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(want_tr[i], p[i]);
	ASSERT_EQ(0, memcmp(tptr(self, tr), tptr(self, cp), sizeof(want_tr)));
}

TEST_F(job, resize_known_answer)
{
	const float x[4] = { 10, 20, 30, 40 };
	const float want_near[8] = { 10, 10, 20, 20, 30, 30, 40, 40 };
	const float want_lin[8] = { 10, 12.5f, 17.5f, 22.5f, 27.5f, 32.5f, 37.5f, 40 };
	const float want_ac[7] = { 10, 15, 20, 25, 30, 35, 40 };
	struct npu_cmd_op *op;
	uint32_t tx, y[3];

	tx = PLACE(0, NPU_DTYPE_F32, 1, 1, 1, 4);
	set_f32(self, tx, x, 4);
	y[0] = PLACE(2, NPU_DTYPE_F32, 1, 1, 1, 8);
	y[1] = PLACE(2, NPU_DTYPE_F32, 1, 1, 1, 8);
	y[2] = PLACE(2, NPU_DTYPE_F32, 1, 1, 1, 7);
	op = op_n(self, NPU_OP_RESIZE, 1, &tx, y[0]);
	op->resize.coord = NPU_RESIZE_ASYMMETRIC;
	op->resize.nearest = NPU_RESIZE_FLOOR;
	op->resize.scale_w = npu_f2u(2.0f);
	op = op_n(self, NPU_OP_RESIZE, 1, &tx, y[1]);
	op->resize.mode = NPU_RESIZE_LINEAR;
	op = op_n(self, NPU_OP_RESIZE, 1, &tx, y[2]);
	op->resize.mode = NPU_RESIZE_LINEAR;
	op->resize.coord = NPU_RESIZE_ALIGN_CORNERS;
	run(_metadata, self);
	expect_f32(_metadata, tptr(self, y[0]), want_near, 8, 0);
	expect_f32(_metadata, tptr(self, y[1]), want_lin, 8, 0);
	expect_f32(_metadata, tptr(self, y[2]), want_ac, 7, 0);
}

TEST_F(job, quantize_dequantize_known_answer)
{
	const float x[6] = { 0.25f, 0.75f, -0.25f, 200, -200, 1.0f };
	const int8_t want_q[6] = { 3, 5, 3, 127, -128, 5 };	/* scale 0.5, zp 3 */
	const float want_dq[6] = { 0, 1, 0, 62, -65.5f, 1 };
	const int8_t pc[4] = { 1, -2, 3, -4 };			/* [2, 2], axis 0 */
	const float pcs[2] = { 0.5f, 0.25f };
	const float want_pc[4] = { 0.5f, -1, 0.75f, -1 };
	const int32_t i32[2] = { 16777217, -7 };
	const float want_i32[2] = { 16777216.0f, -7 };
	uint32_t tx, q, dq, tp, ts, ypc, ti, yi;
	const int8_t *pq;
	int i;

	tx = PLACE(0, NPU_DTYPE_F32, 6);
	q = PLACE(1, NPU_DTYPE_I8, 6);
	dq = PLACE(2, NPU_DTYPE_F32, 6);
	npu_cs_quant(&self->cs, q, 0.5f, 3);
	set_f32(self, tx, x, 6);
	op_n(self, NPU_OP_QUANTIZE, 1, &tx, q);
	op_n(self, NPU_OP_DEQUANTIZE, 1, &q, dq);
	tp = PLACE(0, NPU_DTYPE_I8, 2, 2);
	ts = PLACE(0, NPU_DTYPE_F32, 2);
	ypc = PLACE(2, NPU_DTYPE_F32, 2, 2);
	npu_cs_quant_channel(&self->cs, tp, 0, ts);
	memcpy(tptr(self, tp), pc, sizeof(pc));
	set_f32(self, ts, pcs, 2);
	op_n(self, NPU_OP_DEQUANTIZE, 1, &tp, ypc);
	ti = PLACE(0, NPU_DTYPE_I32, 2);
	yi = PLACE(2, NPU_DTYPE_F32, 2);
	memcpy(tptr(self, ti), i32, sizeof(i32));
	op_n(self, NPU_OP_DEQUANTIZE, 1, &ti, yi);
	run(_metadata, self);
	pq = tptr(self, q);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(want_q[i], pq[i]);
	expect_f32(_metadata, tptr(self, dq), want_dq, 6, 0);
	expect_f32(_metadata, tptr(self, ypc), want_pc, 4, 0);
	expect_f32(_metadata, tptr(self, yi), want_i32, 2, 0);
}

/* fused SIGMOID on GEMM and HARD_SWISH on CONV2D */
TEST_F(job, gemm_conv2d_new_activations)
{
	const float a[2] = { 1, -2 }, b[2] = { 0.5f, 0.25f };	/* [1,2] x [2,1] = 0 */
	const float x[4] = { 1, 2, 3, 4 }, w[1] = { 1.5f };	/* 1x1 conv: 1.5 x */
	const float want_g = 0.5f;
	const float want_c[4] = { 1.5f * 0.75f, 3.0f, 4.5f, 6.0f };
	uint32_t ta, tb, tg, tx, tw, tc;
	struct npu_op_conv2d p = CONV(1, 1, 1, 1, 0, 0, 0, 0, 1,
				      NPU_ACT_HARD_SWISH, 0, 0);

	p.act_min = 0;
	p.act_max = 0;
	ta = PLACE(0, NPU_DTYPE_F32, 1, 2);
	tb = PLACE(1, NPU_DTYPE_F32, 2, 1);
	tg = PLACE(2, NPU_DTYPE_F32, 1, 1);
	tx = PLACE(0, NPU_DTYPE_F32, 1, 1, 2, 2);
	tw = PLACE(1, NPU_DTYPE_F32, 1, 1, 1, 1);
	tc = PLACE(2, NPU_DTYPE_F32, 1, 1, 2, 2);
	set_f32(self, ta, a, 2);
	set_f32(self, tb, b, 2);
	set_f32(self, tx, x, 4);
	set_f32(self, tw, w, 1);
	npu_cs_gemm(&self->cs, ta, tb, NPU_CMD_NO_TENSOR, tg, 0, NPU_ACT_SIGMOID, 0, 0);
	npu_cs_conv2d(&self->cs, tx, tw, NPU_CMD_NO_TENSOR, tc, &p);
	run(_metadata, self);
	expect_f32(_metadata, tptr(self, tg), &want_g, 1, 0);
	expect_f32(_metadata, tptr(self, tc), want_c, 4, 0);
}

TEST_F(job, tensor_ends_at_bo_end)
{
	uint32_t x, y;

	x = PLACE(0, NPU_DTYPE_F32, 256);
	y = PLACE(2, NPU_DTYPE_F32, 256);
	/* move both to the very last bytes of their BOs */
	self->cs.tensors[x].offset = self->bo[0].size - 1024;
	self->cs.tensors[y].offset = self->bo[2].size - 1024;
	fill(self, x, -1, 1);
	npu_cs_relu(&self->cs, x, y);
	RUN_AND_VERIFY();
}

TEST_F(job, i8_tensor_odd_offset)
{
	uint32_t x, y;

	x = PLACE(0, NPU_DTYPE_I8, 37);
	y = PLACE(2, NPU_DTYPE_I8, 37);
	self->cs.tensors[x].offset += 3;	/* 1-byte elements: any offset */
	self->cs.tensors[y].offset += 5;
	npu_cs_quant(&self->cs, x, 0.5f, 1);
	npu_cs_quant(&self->cs, y, 0.5f, 1);
	fill(self, x, -128, 127);
	npu_cs_relu(&self->cs, x, y);
	RUN_AND_VERIFY();
}

TEST_F(job, inputs_may_alias_each_other)
{
	uint32_t a, y;

	a = PLACE(0, NPU_DTYPE_F32, 4, 4);
	y = PLACE(2, NPU_DTYPE_F32, 4, 4);
	fill(self, a, -1, 1);
	/* A + A and A x A: inputs sharing bytes is fine, only outputs not */
	npu_cs_add(&self->cs, a, a, y, NPU_ACT_NONE, 0, 0);
	RUN_AND_VERIFY();
}

TEST_F(job, same_bo_in_and_out)
{
	uint32_t x, y;

	/* input and output in one BO, disjoint bytes */
	x = PLACE(0, NPU_DTYPE_F32, 128);
	y = PLACE(0, NPU_DTYPE_F32, 128);
	fill(self, x, -1, 1);
	npu_cs_relu(&self->cs, x, y);
	RUN_AND_VERIFY();
}

TEST_F(job, max_ops)
{
	uint32_t x, y, i, n;
	uint64_t need;

	x = PLACE(0, NPU_DTYPE_F32, 16);
	y = PLACE(2, NPU_DTYPE_F32, 16);
	fill(self, x, -1, 1);
	n = self->lim.max_ops;
	need = sizeof(struct npu_cmd_header) + sizeof(struct npu_cmd_tensor) * 2 +
	       (uint64_t)n * sizeof(struct npu_cmd_op);
	if (need > self->lim.max_cmd_size || n > 4096)
		SKIP(return, "max_ops %u does not fit max_cmd_size", n);
	for (i = 0; i < n; i++)
		npu_cs_relu(&self->cs, x, y);
	RUN_AND_VERIFY();
	ASSERT_EQ(n, npu_cs_hdr(&self->cs)->num_ops);
}

TEST_F(job, max_tensors)
{
	uint32_t x, y, i, n;
	uint64_t need;

	n = self->lim.max_tensors;
	need = sizeof(struct npu_cmd_header) +
	       (uint64_t)n * sizeof(struct npu_cmd_tensor) +
	       sizeof(struct npu_cmd_op);
	if (need > self->lim.max_cmd_size || n > 4096)
		SKIP(return, "max_tensors %u does not fit max_cmd_size", n);
	x = PLACE(0, NPU_DTYPE_F32, 16);
	y = PLACE(2, NPU_DTYPE_F32, 16);
	fill(self, x, -1, 1);
	/* unused, valid tensors up to the limit */
	for (i = 2; i < n; i++)
		npu_cs_add_tensor(&self->cs, 0, NPU_DTYPE_F32, 4 * i, 1);
	npu_cs_relu(&self->cs, x, y);
	RUN_AND_VERIFY();
	ASSERT_EQ(n, npu_cs_hdr(&self->cs)->num_tensors);
}

TEST_F(job, max_bos)
{
	uint32_t *bos, i, x, y, n = self->lim.max_bos;
	struct drm_npu_submit s;

	if (n < JOB_BOS)
		SKIP(return, "max_bos %u", n);
	x = PLACE(0, NPU_DTYPE_F32, 16);
	y = PLACE(2, NPU_DTYPE_F32, 16);
	fill(self, x, -1, 1);
	npu_cs_relu(&self->cs, x, y);
	ASSERT_EQ(0, npu_cs_pack(&self->cs));
	bos = calloc(n, sizeof(*bos));
	ASSERT_NE(NULL, bos);
	memcpy(bos, self->h, sizeof(self->h));
	for (i = JOB_BOS; i < n; i++)
		ASSERT_EQ(0, npu_bo_create(self->fd, 4096, &bos[i]));
	npu_submit_args(&s, &self->cs, bos, n);
	ASSERT_EQ(0, npu_submit(self->fd, &s));
	ASSERT_EQ(0, npu_wait(self->fd, s.seqno, NPU_WAIT_NS));
	verify(_metadata, self);
	free(bos);
}

TEST_F(job, tables_reordered_with_gap)
{
	/* header | 8 bytes gap | op list | tensor table: a valid layout */
	struct npu_cmd_header *h;
	uint32_t x, y, nt, no;
	uint8_t *buf;
	size_t size;
	struct drm_npu_submit s;

	x = PLACE(0, NPU_DTYPE_F32, 32);
	y = PLACE(2, NPU_DTYPE_F32, 32);
	fill(self, x, -1, 1);
	npu_cs_relu(&self->cs, x, y);
	ASSERT_EQ(0, npu_cs_pack(&self->cs));
	nt = self->cs.num_tensors;
	no = self->cs.num_ops;
	size = 32 + 8 + no * sizeof(struct npu_cmd_op) +
	       nt * sizeof(struct npu_cmd_tensor);
	buf = aligned_alloc(64, 4096);
	ASSERT_NE(NULL, buf);
	memset(buf, 0, 4096);
	memcpy(buf, self->cs.buf, 32);
	h = (void *)buf;
	h->size = size;
	h->op_offset = 40;
	h->tensor_offset = 40 + no * sizeof(struct npu_cmd_op);
	memcpy(buf + h->op_offset, self->cs.ops, no * sizeof(struct npu_cmd_op));
	memcpy(buf + h->tensor_offset, self->cs.tensors,
	       nt * sizeof(struct npu_cmd_tensor));
	npu_submit_args(&s, &self->cs, self->h, JOB_BOS);
	s.cmd = (uintptr_t)buf;
	s.cmd_size = size;
	ASSERT_EQ(0, npu_submit(self->fd, &s));
	ASSERT_EQ(0, npu_wait(self->fd, s.seqno, NPU_WAIT_NS));
	verify(_metadata, self);
	free(buf);
}

TEST_F(job, unaligned_user_stream)
{
	/* the user copy may sit at any address; the kernel copies it */
	struct drm_npu_submit s;
	uint32_t x, y;
	uint8_t *buf;

	x = PLACE(0, NPU_DTYPE_F32, 32);
	y = PLACE(2, NPU_DTYPE_F32, 32);
	fill(self, x, -1, 1);
	npu_cs_relu(&self->cs, x, y);
	ASSERT_EQ(0, npu_cs_pack(&self->cs));
	buf = malloc(self->cs.size + 8);
	ASSERT_NE(NULL, buf);
	memcpy(buf + 3, self->cs.buf, self->cs.size);
	npu_submit_args(&s, &self->cs, self->h, JOB_BOS);
	s.cmd = (uintptr_t)(buf + 3);
	ASSERT_EQ(0, npu_submit(self->fd, &s));
	ASSERT_EQ(0, npu_wait(self->fd, s.seqno, NPU_WAIT_NS));
	verify(_metadata, self);
	free(buf);
}

TEST_F(job, readonly_user_stream)
{
	struct drm_npu_submit s;
	uint32_t x, y;
	void *ro;

	x = PLACE(0, NPU_DTYPE_F32, 32);
	y = PLACE(2, NPU_DTYPE_F32, 32);
	fill(self, x, -1, 1);
	npu_cs_relu(&self->cs, x, y);
	ASSERT_EQ(0, npu_cs_pack(&self->cs));
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memcpy(ro, self->cs.buf, self->cs.size);
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	npu_submit_args(&s, &self->cs, self->h, JOB_BOS);
	s.cmd = (uintptr_t)ro;
	ASSERT_EQ(0, npu_submit(self->fd, &s));
	ASSERT_EQ(0, npu_wait(self->fd, s.seqno, NPU_WAIT_NS));
	verify(_metadata, self);
	munmap(ro, 4096);
}

TEST_F(job, stream_copied_at_submit)
{
	/* scribbling over the user stream after SUBMIT changes nothing */
	uint32_t a, b, y;

	a = PLACE(0, NPU_DTYPE_F32, 64, 64);
	b = PLACE(1, NPU_DTYPE_F32, 64, 64);
	y = PLACE(2, NPU_DTYPE_F32, 64, 64);
	fill(self, a, -1, 1);
	fill(self, b, -1, 1);
	npu_cs_gemm(&self->cs, a, b, NPU_CMD_NO_TENSOR, y, 0, NPU_ACT_NONE,
		    0, 0);
	ASSERT_EQ(0, npu_cs_pack(&self->cs));
	ASSERT_EQ(0, npu_cs_submit(self->fd, &self->cs, self->h, JOB_BOS,
				   &self->seqno));
	memset(self->cs.buf, 0xff, self->cs.size);
	ASSERT_EQ(0, npu_wait(self->fd, self->seqno, NPU_WAIT_NS));
	verify(_metadata, self);
}

TEST_F(job, handles_closed_after_submit)
{
	/* the job holds its BOs: closing the handles right away is fine */
	uint32_t a, b, y;

	a = PLACE(0, NPU_DTYPE_F32, 48, 48);
	b = PLACE(1, NPU_DTYPE_F32, 48, 48);
	y = PLACE(2, NPU_DTYPE_F32, 48, 48);
	fill(self, a, -1, 1);
	fill(self, b, -1, 1);
	npu_cs_gemm(&self->cs, a, b, NPU_CMD_NO_TENSOR, y, 0, NPU_ACT_NONE,
		    0, 0);
	ASSERT_EQ(0, npu_cs_pack(&self->cs));
	ASSERT_EQ(0, npu_cs_submit(self->fd, &self->cs, self->h, JOB_BOS,
				   &self->seqno));
	ASSERT_EQ(0, npu_gem_close(self->fd, self->h[0]));
	ASSERT_EQ(0, npu_gem_close(self->fd, self->h[1]));
	ASSERT_EQ(0, npu_gem_close(self->fd, self->h[2]));
	self->bo[0].handle = self->bo[1].handle = self->bo[2].handle = 0;
	ASSERT_EQ(0, npu_wait(self->fd, self->seqno, NPU_WAIT_NS));
	verify(_metadata, self);
}

TEST_F(job, seqno_and_wait_semantics)
{
	struct npu_canned c[4];
	uint64_t seq[4];
	int i;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, npu_canned_init(self->fd, &c[i], 4 + i, 8, 6, i));
		ASSERT_EQ(0, npu_canned_submit(self->fd, &c[i], &seq[i]));
		if (i)
			ASSERT_LT(seq[i - 1], seq[i]);
	}
	/* waiting out of order is fine */
	for (i = 3; i >= 0; i--)
		ASSERT_EQ(0, npu_wait(self->fd, seq[i], NPU_WAIT_NS));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, npu_canned_check(&c[i]));
		/* a finished job polls as done, again and again */
		ASSERT_EQ(0, npu_wait(self->fd, seq[i], 0));
		ASSERT_EQ(0, npu_wait(self->fd, seq[i], 0));
		ASSERT_EQ(0, npu_wait_bo(self->fd, c[i].out.handle, 0));
		ASSERT_EQ(0, npu_wait_bo(self->fd, c[i].in.handle, 0));
		npu_canned_fini(self->fd, &c[i]);
	}
}

TEST_F(job, wait_bo_only)
{
	struct npu_canned c;
	uint64_t seq;

	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 32, 64, 32, 5));
	ASSERT_EQ(0, npu_canned_submit(self->fd, &c, &seq));
	ASSERT_EQ(0, npu_wait_bo(self->fd, c.out.handle, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c));
	/* a BO no job ever used is idle */
	ASSERT_EQ(0, npu_wait_bo(self->fd, self->h[0], 0));
	npu_canned_fini(self->fd, &c);
}

TEST_F_TIMEOUT(job, many_jobs_in_flight, 300)
{
	enum { N = 64 };
	struct npu_canned *c = calloc(N, sizeof(*c));
	uint64_t seq[N];
	int i;

	ASSERT_NE(NULL, c);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, npu_canned_init(self->fd, &c[i], 8, 16, 8, 100 + i));
		ASSERT_EQ(0, npu_canned_submit(self->fd, &c[i], &seq[i]));
	}
	ASSERT_EQ(0, npu_wait(self->fd, seq[N - 1], NPU_WAIT_NS));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, npu_wait(self->fd, seq[i], NPU_WAIT_NS));
		ASSERT_EQ(0, npu_canned_check(&c[i]));
		npu_canned_fini(self->fd, &c[i]);
	}
	free(c);
}

TEST_F(job, same_output_bo_serialized)
{
	/* 16 jobs accumulate into one BO: Y = Y + 1, in order, no lost update */
	struct drm_npu_submit s;
	uint32_t x, one, y, i;
	float *px;

	x = PLACE(2, NPU_DTYPE_F32, 64);
	one = PLACE(1, NPU_DTYPE_F32, 1);
	y = PLACE(0, NPU_DTYPE_F32, 64);
	memset(tptr(self, x), 0, 256);
	*(float *)tptr(self, one) = 1.0f;
	/* job: Y = X + 1 then X = RELU(Y) (= Y, values are positive) */
	npu_cs_add(&self->cs, x, one, y, NPU_ACT_NONE, 0, 0);
	npu_cs_relu(&self->cs, y, x);
	ASSERT_EQ(0, npu_cs_pack(&self->cs));
	npu_submit_args(&s, &self->cs, self->h, JOB_BOS);
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, npu_submit(self->fd, &s));
	ASSERT_EQ(0, npu_wait(self->fd, s.seqno, NPU_WAIT_NS));
	px = tptr(self, x);
	for (i = 0; i < 64; i++)
		ASSERT_EQ(16.0f, px[i]);
}

static int has_cap_sys_nice(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return 0;
	return !!(data[CAP_SYS_NICE / 32].effective &
		  (1U << (CAP_SYS_NICE % 32)));
}

static int drop_cap_sys_nice(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_SYS_NICE / 32].effective &= ~(1U << (CAP_SYS_NICE % 32));
	data[CAP_SYS_NICE / 32].permitted &= ~(1U << (CAP_SYS_NICE % 32));
	data[CAP_SYS_NICE / 32].inheritable &= ~(1U << (CAP_SYS_NICE % 32));
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return has_cap_sys_nice() ? -EPERM : 0;
}

TEST_F(job, priorities)
{
	struct drm_npu_submit s;
	struct npu_canned c;
	uint32_t prio;

	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 5, 6, 7, 3));
	for (prio = DRM_NPU_PRIO_LOW; prio < DRM_NPU_PRIO_COUNT; prio++) {
		if (prio == DRM_NPU_PRIO_REALTIME && !has_cap_sys_nice())
			continue;
		npu_bo_poison(&c.out);
		npu_submit_args(&s, &c.cs, c.bos, 2);
		s.priority = prio;
		ASSERT_EQ(0, npu_submit(self->fd, &s));
		ASSERT_EQ(0, npu_wait(self->fd, s.seqno, NPU_WAIT_NS));
		ASSERT_EQ(0, npu_canned_check(&c));
	}
	npu_canned_fini(self->fd, &c);
}

TEST_F(job, realtime_needs_cap_sys_nice)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct drm_npu_submit s;
		struct npu_canned c;

		if (drop_cap_sys_nice())
			_exit(10);
		if (npu_canned_init(self->fd, &c, 3, 3, 3, 1))
			_exit(11);
		npu_bo_poison(&c.out);
		npu_submit_args(&s, &c.cs, c.bos, 2);
		s.priority = DRM_NPU_PRIO_REALTIME;
		if (npu_submit(self->fd, &s) != -EPERM)
			_exit(12);
		if (!npu_is_poison(c.out.map, c.out.size))
			_exit(13);
		s.priority = DRM_NPU_PRIO_HIGH;
		if (npu_submit(self->fd, &s) ||
		    npu_wait(self->fd, s.seqno, NPU_WAIT_NS) ||
		    npu_canned_check(&c))
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	assert_device_works(self->fd);
}

/* ------------------------------------------------------------------ */
/* wait: hostile WAIT arguments                                        */

static int raw_wait(int fd, uint64_t seqno, int64_t timeout, uint32_t handle,
		    uint32_t flags)
{
	struct drm_npu_wait w = { .seqno = seqno, .timeout_ns = timeout,
				  .handle = handle, .flags = flags };

	return npu_ioctl(fd, DRM_IOCTL_NPU_WAIT, &w);
}

FIXTURE(wait) {
	int fd;
	struct npu_canned c;
	uint64_t seq;
};

FIXTURE_SETUP(wait)
{
	self->fd = npu_open();
	SKIP_NO_DEVICE(self->fd);
	ASSERT_EQ(0, npu_canned_init(self->fd, &self->c, 4, 4, 4, 11));
	ASSERT_EQ(0, npu_canned_submit(self->fd, &self->c, &self->seq));
	ASSERT_EQ(0, npu_wait(self->fd, self->seq, NPU_WAIT_NS));
}

FIXTURE_TEARDOWN(wait)
{
	if (self->fd < 0)
		return;
	npu_canned_fini(self->fd, &self->c);
	close(self->fd);
}

TEST_F(wait, unknown_flags)
{
	ASSERT_EQ(-EINVAL, raw_wait(self->fd, self->seq, 0, 0, 2));
	ASSERT_EQ(-EINVAL, raw_wait(self->fd, self->seq, 0, 0, 0x80000000));
	ASSERT_EQ(-EINVAL, raw_wait(self->fd, 0, 0, self->c.out.handle,
				    DRM_NPU_WAIT_BO | 4));
	assert_device_works(self->fd);
}

TEST_F(wait, seqno_never_issued)
{
	ASSERT_EQ(-EINVAL, raw_wait(self->fd, self->seq + 1, 0, 0, 0));
	ASSERT_EQ(-EINVAL, raw_wait(self->fd, self->seq + 1000, NPU_WAIT_NS,
				    0, 0));
	ASSERT_EQ(-EINVAL, raw_wait(self->fd, UINT64_MAX, 0, 0, 0));
	ASSERT_EQ(-EINVAL, raw_wait(self->fd, 1ULL << 63, 0, 0, 0));
	assert_device_works(self->fd);
}

TEST_F(wait, seqno_zero)
{
	ASSERT_EQ(-EINVAL, raw_wait(self->fd, 0, 0, 0, 0));
	ASSERT_EQ(-EINVAL, raw_wait(self->fd, 0, NPU_WAIT_NS, 0, 0));
}

TEST_F(wait, wait_bo_with_seqno)
{
	ASSERT_EQ(-EINVAL, raw_wait(self->fd, self->seq, 0, self->c.out.handle,
				    DRM_NPU_WAIT_BO));
	ASSERT_EQ(0, raw_wait(self->fd, 0, 0, self->c.out.handle,
			      DRM_NPU_WAIT_BO));
}

TEST_F_TIMEOUT(wait, seqno_older_than_window, 300)
{
	/* WAIT keeps the last 1024 fences per file (Documentation/accel) */
	uint32_t x, y, bos[2], i;
	struct npu_bo in, out;
	struct npu_cs cs;
	uint64_t first = 0, seq = 0;

	ASSERT_EQ(0, npu_bo_new(self->fd, 4096, &in));
	ASSERT_EQ(0, npu_bo_new(self->fd, 4096, &out));
	bos[0] = in.handle;
	bos[1] = out.handle;
	npu_cs_init(&cs);
	x = npu_cs_add_tensor(&cs, 0, NPU_DTYPE_F32, 0, 4);
	y = npu_cs_add_tensor(&cs, 1, NPU_DTYPE_F32, 0, 4);
	npu_cs_relu(&cs, x, y);
	for (i = 0; i < 1100; i++) {
		ASSERT_EQ(0, npu_cs_submit(self->fd, &cs, bos, 2, &seq));
		if (!i)
			first = seq;
		if (i % 256 == 255)
			ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	}
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	ASSERT_EQ(first + 1099, seq);
	ASSERT_EQ(-ENOENT, npu_wait(self->fd, first, 0));
	ASSERT_EQ(-ENOENT, npu_wait(self->fd, seq - 1024, 0));
	ASSERT_EQ(0, npu_wait(self->fd, seq - 1023, 0));
	npu_cs_fini(&cs);
	npu_bo_free(self->fd, &in);
	npu_bo_free(self->fd, &out);
}

TEST_F(wait, seqno_of_another_file)
{
	int fd2 = npu_open();

	ASSERT_LE(0, fd2);
	/* fd2 never submitted: no seqno exists there */
	ASSERT_EQ(-EINVAL, raw_wait(fd2, self->seq, 0, 0, 0));
	ASSERT_EQ(-EINVAL, raw_wait(fd2, 1, 0, 0, 0));
	assert_device_works(fd2);
	close(fd2);
}

TEST_F(wait, handle_without_wait_bo)
{
	ASSERT_EQ(-EINVAL, raw_wait(self->fd, self->seq, 0,
				    self->c.out.handle, 0));
	assert_device_works(self->fd);
}

TEST_F(wait, wait_bo_bad_handle)
{
	ASSERT_EQ(-ENOENT, raw_wait(self->fd, 0, 0, 0, DRM_NPU_WAIT_BO));
	ASSERT_EQ(-ENOENT, raw_wait(self->fd, 0, 0, 0xdead, DRM_NPU_WAIT_BO));
	ASSERT_EQ(-ENOENT, raw_wait(self->fd, 0, NPU_WAIT_NS, 0xffffffff,
				    DRM_NPU_WAIT_BO));
	assert_device_works(self->fd);
}

TEST_F(wait, bad_pointer)
{
	ASSERT_EQ(-EFAULT, npu_ioctl(self->fd, DRM_IOCTL_NPU_WAIT, NULL));
	ASSERT_EQ(-EFAULT, npu_ioctl(self->fd, DRM_IOCTL_NPU_SUBMIT, NULL));
	assert_device_works(self->fd);
}

/* ------------------------------------------------------------------ */
/* bad: one hostile input per test                                     */

/* Kitchen-sink base stream: every op and dtype, two BOs (in, out). */
enum {
	T_A, T_B, T_BIAS, T_Y, T_Z,		/* GEMM f32, RELU */
	T_X, T_W, T_CB, T_CY,			/* CONV2D f32 */
	T_QA, T_QB, T_QS, T_QBIAS, T_QY,	/* GEMM i8, per-channel B */
	T_EA, T_EB, T_EY,			/* ADD i8, broadcast */
	T_CL,					/* CLIP f32 */
	T_COUNT
};

enum { O_GEMM, O_RELU, O_CONV, O_QGEMM, O_QADD, O_CLIP, O_COUNT };

#define KS_BO_SIZE	65536
#define KS_MAX_BOS	256

struct ks {
	int fd;
	struct drm_npu_query_limits lim;
	struct npu_bo bo[2];
	uint8_t *maps[2];
	uint32_t bos[KS_MAX_BOS];
	uint32_t nbos;
	struct npu_cs cs;
	struct drm_npu_submit s;
	const char *skip;
};

static void ks_build(struct ks *k)
{
	struct npu_cs *cs = &k->cs;
	struct npu_op_conv2d p = CONV(1, 1, 1, 1, 1, 1, 1, 1, 1, NPU_ACT_NONE,
				      0, 0);

	npu_cs_fini(cs);
	npu_cs_init(cs);
	npu_cs_add_tensor(cs, 0, NPU_DTYPE_F32, 0, 4, 8);		/* T_A */
	npu_cs_add_tensor(cs, 0, NPU_DTYPE_F32, 256, 8, 5);		/* T_B */
	npu_cs_add_tensor(cs, 0, NPU_DTYPE_F32, 512, 5);		/* T_BIAS */
	npu_cs_add_tensor(cs, 1, NPU_DTYPE_F32, 0, 4, 5);		/* T_Y */
	npu_cs_add_tensor(cs, 1, NPU_DTYPE_F32, 256, 4, 5);		/* T_Z */
	npu_cs_add_tensor(cs, 0, NPU_DTYPE_F32, 1024, 1, 2, 5, 5);	/* T_X */
	npu_cs_add_tensor(cs, 0, NPU_DTYPE_F32, 2048, 3, 2, 3, 3);	/* T_W */
	npu_cs_add_tensor(cs, 0, NPU_DTYPE_F32, 2304, 3);		/* T_CB */
	npu_cs_add_tensor(cs, 1, NPU_DTYPE_F32, 1024, 1, 3, 5, 5);	/* T_CY */
	npu_cs_add_tensor(cs, 0, NPU_DTYPE_I8, 4096, 2, 8);		/* T_QA */
	npu_cs_add_tensor(cs, 0, NPU_DTYPE_I8, 4160, 8, 4);		/* T_QB */
	npu_cs_add_tensor(cs, 0, NPU_DTYPE_F32, 4224, 4);		/* T_QS */
	npu_cs_add_tensor(cs, 0, NPU_DTYPE_I32, 4256, 4);		/* T_QBIAS */
	npu_cs_add_tensor(cs, 1, NPU_DTYPE_I8, 4096, 2, 4);		/* T_QY */
	npu_cs_add_tensor(cs, 0, NPU_DTYPE_I8, 4352, 4, 4);		/* T_EA */
	npu_cs_add_tensor(cs, 0, NPU_DTYPE_I8, 4400, 4);		/* T_EB */
	npu_cs_add_tensor(cs, 1, NPU_DTYPE_I8, 4352, 4, 4);		/* T_EY */
	npu_cs_add_tensor(cs, 1, NPU_DTYPE_F32, 512, 4, 5);		/* T_CL */
	npu_cs_quant(cs, T_QA, 0.5f, 3);
	npu_cs_quant_channel(cs, T_QB, 1, T_QS);
	npu_cs_quant(cs, T_QY, 1.0f, -2);
	npu_cs_quant(cs, T_EA, 0.5f, 1);
	npu_cs_quant(cs, T_EB, 0.25f, -3);
	npu_cs_quant(cs, T_EY, 0.25f, 5);

	npu_cs_gemm(cs, T_A, T_B, T_BIAS, T_Y, 0, NPU_ACT_NONE, 0, 0);
	npu_cs_relu(cs, T_Y, T_Z);
	npu_cs_conv2d(cs, T_X, T_W, T_CB, T_CY, &p);
	npu_cs_gemm(cs, T_QA, T_QB, T_QBIAS, T_QY, 0, NPU_ACT_NONE, 0, 0);
	npu_cs_add(cs, T_EA, T_EB, T_EY, NPU_ACT_NONE, 0, 0);
	npu_cs_clip(cs, T_Y, T_CL, -0.5f, 0.5f);
}

/* Fill the input BO: random data where each input tensor lives. */
static void ks_fill(struct ks *k)
{
	static const float qs[4] = { 0.25f, 0.5f, 0.125f, 0.0625f };
	uint64_t st = 42;
	uint8_t *in = k->maps[0];
	size_t i;

	for (i = 0; i < 2304 / 4 + 3; i++)	/* T_A .. T_CB, f32 */
		((float *)in)[i] = npu_randf(&st);
	for (i = 0; i < 48; i++)		/* T_QA, T_QB */
		in[4096 + (i < 16 ? i : 64 + i - 16)] =
			(uint8_t)npu_randi(&st, i < 16 ? -20 : -10,
					   i < 16 ? 20 : 10);
	memcpy(in + 4224, qs, sizeof(qs));	/* T_QS */
	for (i = 0; i < 4; i++)			/* T_QBIAS */
		((int32_t *)(in + 4256))[i] = npu_randi(&st, -50, 50);
	for (i = 0; i < 64; i++)		/* T_EA, T_EB and beyond */
		in[4352 + i] = (uint8_t)npu_rand(&st);
}

FIXTURE(bad) {
	struct ks k;
};

FIXTURE_VARIANT(bad) {
	/* edit the builder (before npu_cs_pack()) */
	void (*edit)(struct ks *k);
	/* edit the packed bytes or the submit arguments */
	void (*raw)(struct ks *k);
	int err;
};

FIXTURE_SETUP(bad)
{
	struct ks *k = &self->k;
	int i;

	k->fd = npu_open();
	SKIP_NO_DEVICE(k->fd);
	ASSERT_EQ(0, npu_get_limits(k->fd, &k->lim));
	ASSERT_LE(T_COUNT, k->lim.max_tensors);
	ASSERT_LE(O_COUNT, k->lim.max_ops);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, npu_bo_new(k->fd, KS_BO_SIZE, &k->bo[i]));
		ASSERT_EQ(KS_BO_SIZE, k->bo[i].size);
		k->maps[i] = k->bo[i].map;
		k->bos[i] = k->bo[i].handle;
	}
	k->nbos = 2;
	ks_fill(k);
	npu_cs_init(&k->cs);
	ks_build(k);
}

FIXTURE_TEARDOWN(bad)
{
	struct ks *k = &self->k;

	if (k->fd < 0)
		return;
	npu_cs_fini(&k->cs);
	npu_bo_free(k->fd, &k->bo[0]);
	npu_bo_free(k->fd, &k->bo[1]);
	close(k->fd);
}

TEST_F_TIMEOUT(bad, submit, 120)
{
	struct ks *k = &self->k;
	uint64_t seqno;
	int ret;

	if (variant->edit)
		variant->edit(k);
	if (k->skip)
		SKIP(return, "%s", k->skip);
	ASSERT_EQ(0, npu_cs_pack(&k->cs));
	npu_submit_args(&k->s, &k->cs, k->bos, k->nbos);
	if (variant->raw)
		variant->raw(k);
	if (k->skip)
		SKIP(return, "%s", k->skip);

	npu_bo_poison(&k->bo[1]);
	ret = npu_submit(k->fd, &k->s);
	ASSERT_EQ(variant->err, ret) {
		TH_LOG("expected %s, got %s", strerror(-variant->err),
		       strerror(-ret));
	}
	if (ret == 0) {
		ASSERT_EQ(0, npu_wait(k->fd, k->s.seqno, NPU_WAIT_NS));
		ASSERT_EQ(0, ref_verify_stream(k->cs.tensors, k->cs.ops,
					       k->cs.num_ops, k->maps));
	} else {
		/* rejected: nothing ran, nothing was written */
		ASSERT_TRUE(npu_is_poison(k->bo[1].map, k->bo[1].size));
	}

	/* the device still works, and so does this file with a good stream */
	assert_device_works(k->fd);
	ks_build(k);
	k->bos[0] = k->bo[0].handle;
	k->bos[1] = k->bo[1].handle;
	ASSERT_EQ(0, npu_cs_pack(&k->cs));
	npu_bo_poison(&k->bo[1]);
	ASSERT_EQ(0, npu_cs_submit(k->fd, &k->cs, k->bos, 2, &seqno));
	ASSERT_EQ(0, npu_wait(k->fd, seqno, NPU_WAIT_NS));
	ASSERT_EQ(0, ref_verify_stream(k->cs.tensors, k->cs.ops,
				       k->cs.num_ops, k->maps));
}

#define EDIT(name, err_, ...)						\
	static void edit_##name(struct ks *k)				\
	{								\
		struct npu_cs *cs __attribute__((unused)) = &k->cs;	\
		__VA_ARGS__;						\
	}								\
	FIXTURE_VARIANT_ADD(bad, name) { .edit = edit_##name, .err = (err_) }

#define RAW(name, err_, ...)						\
	static void raw_##name(struct ks *k)				\
	{								\
		struct npu_cs *cs __attribute__((unused)) = &k->cs;	\
		__VA_ARGS__;						\
	}								\
	FIXTURE_VARIANT_ADD(bad, name) { .raw = raw_##name, .err = (err_) }

#define T(i)	(&cs->tensors[i])
#define O(i)	(&cs->ops[i])
#define H	npu_cs_hdr(cs)

/* A copy of the stream in a fresh buffer of @size bytes (zero-filled). */
static void *ks_copy(struct ks *k, size_t size, size_t at)
{
	uint8_t *p = aligned_alloc(64, (size + at + 63) & ~(size_t)63);

	if (!p)
		return NULL;
	memset(p, 0, size + at);
	memcpy(p + at, k->cs.buf, k->cs.size < size ? k->cs.size : size);
	k->s.cmd = (uintptr_t)(p + at);
	return p + at;
}

/* A page whose second half (from @tail bytes before its end) is followed by
 * an inaccessible page. */
static uint8_t *ks_guarded(void)
{
	uint8_t *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	mprotect(p + 4096, 4096, PROT_NONE);
	return p;
}

static const uint64_t KERNEL_PTR = 0xffff888000000000ULL;

/* ---- the submit struct ---- */
RAW(ok_base, 0);
RAW(submit_flags_bit0, -EINVAL, k->s.flags = 1);
RAW(submit_flags_bit31, -EINVAL, k->s.flags = 0x80000000);
RAW(cmd_size_zero, -EINVAL, k->s.cmd_size = 0);
RAW(cmd_size_below_header, -EINVAL, k->s.cmd_size = 16);
RAW(cmd_size_header_minus_one, -EINVAL,
    k->s.cmd_size = sizeof(struct npu_cmd_header) - 1);
RAW(cmd_size_header_only, -EINVAL,
    k->s.cmd_size = sizeof(struct npu_cmd_header));
RAW(cmd_size_larger_than_header_size, -EINVAL,
    ks_copy(k, k->cs.size + 64, 0); k->s.cmd_size = k->cs.size + 8);
RAW(cmd_size_smaller_than_header_size, -EINVAL,
    k->s.cmd_size = k->cs.size - 8);
RAW(cmd_size_over_limit, -E2BIG,
    {
	    uint32_t big = k->lim.max_cmd_size + 8;
	    struct npu_cmd_header *h = ks_copy(k, big + 64, 0);

	    if (h)
		    h->size = big;
	    k->s.cmd_size = big;
    });
RAW(cmd_size_max_u32, -E2BIG, k->s.cmd_size = 0xffffffff);
RAW(cmd_null, -EFAULT, k->s.cmd = 0);
RAW(cmd_unmapped, -EFAULT,
    {
	    uint8_t *g = ks_guarded();

	    k->s.cmd = (uintptr_t)(g + 4096);
    });
RAW(cmd_crosses_into_unmapped_page, -EFAULT,
    {
	    uint8_t *g = ks_guarded();
	    size_t at = 4096 - ((k->cs.size / 2) & ~(size_t)7);

	    memcpy(g + at, k->cs.buf, 4096 - at);
	    k->s.cmd = (uintptr_t)(g + at);
    });
RAW(cmd_kernel_pointer, -EFAULT, k->s.cmd = KERNEL_PTR);
RAW(bo_count_zero, -EINVAL, k->s.bo_count = 0);
RAW(bo_count_too_small, -EINVAL, k->s.bo_count = 1);
RAW(bo_count_over_limit, -E2BIG,
    {
	    uint32_t i, n = k->lim.max_bos + 1;

	    if (n > KS_MAX_BOS) {
		    k->skip = "max_bos too large for this test";
		    return;
	    }
	    for (i = 2; i < n; i++)
		    npu_bo_create(k->fd, 4096, &k->bos[i]);
	    k->s.bo_count = n;
    });
RAW(bo_count_max_u32, -E2BIG, k->s.bo_count = 0xffffffff);
RAW(ok_bo_count_unused_extra, 0,
    npu_bo_create(k->fd, 4096, &k->bos[2]); k->s.bo_count = 3);
RAW(bo_handles_null, -EFAULT, k->s.bo_handles = 0);
RAW(bo_handles_unmapped, -EFAULT,
    k->s.bo_handles = (uintptr_t)(ks_guarded() + 4096));
RAW(bo_handles_cross_into_unmapped, -EFAULT,
    {
	    uint32_t *g = (uint32_t *)(ks_guarded() + 4092);

	    g[0] = k->bos[0];
	    k->s.bo_handles = (uintptr_t)g;
    });
RAW(bo_handles_kernel_pointer, -EFAULT, k->s.bo_handles = KERNEL_PTR);
RAW(bo_handle_zero, -ENOENT, k->bos[1] = 0);
RAW(bo_handle_garbage, -ENOENT, k->bos[1] = 0xdeadbeef);
RAW(bo_handle_closed, -ENOENT,
    {
	    uint32_t h = 0;

	    npu_bo_create(k->fd, 4096, &h);
	    npu_gem_close(k->fd, h);
	    k->bos[1] = h;
    });
RAW(bo_handle_duplicate, -EINVAL, k->bos[1] = k->bos[0]);
RAW(bo_handle_duplicate_unused, -EINVAL,
    k->bos[2] = k->bos[0]; k->s.bo_count = 3);
RAW(in_syncobj_count_over_limit, -E2BIG,
    {
	    uint32_t i, n = k->lim.max_in_syncobjs + 1;
	    uint32_t *h = calloc(n, sizeof(*h));

	    for (i = 0; h && i < n; i++)
		    npu_syncobj_create(k->fd, DRM_SYNCOBJ_CREATE_SIGNALED,
				       &h[i]);
	    k->s.in_syncobjs = (uintptr_t)h;
	    k->s.in_syncobj_count = n;
    });
RAW(in_syncobj_count_max_u32, -E2BIG,
    {
	    static uint32_t h;

	    npu_syncobj_create(k->fd, DRM_SYNCOBJ_CREATE_SIGNALED, &h);
	    k->s.in_syncobjs = (uintptr_t)&h;
	    k->s.in_syncobj_count = 0xffffffff;
    });
RAW(in_syncobjs_null, -EFAULT, k->s.in_syncobj_count = 1);
RAW(in_syncobjs_unmapped, -EFAULT,
    k->s.in_syncobjs = (uintptr_t)(ks_guarded() + 4096);
    k->s.in_syncobj_count = 1);
RAW(in_syncobj_handle_zero, -ENOENT,
    {
	    static uint32_t h;

	    k->s.in_syncobjs = (uintptr_t)&h;
	    k->s.in_syncobj_count = 1;
    });
RAW(in_syncobj_handle_garbage, -ENOENT,
    {
	    static uint32_t h = 0xbad;

	    k->s.in_syncobjs = (uintptr_t)&h;
	    k->s.in_syncobj_count = 1;
    });
RAW(in_syncobj_without_fence, -EINVAL,
    {
	    static uint32_t h;

	    npu_syncobj_create(k->fd, 0, &h);
	    k->s.in_syncobjs = (uintptr_t)&h;
	    k->s.in_syncobj_count = 1;
    });
RAW(in_syncobj_one_bad_among_good, -ENOENT,
    {
	    static uint32_t h[3];

	    npu_syncobj_create(k->fd, DRM_SYNCOBJ_CREATE_SIGNALED, &h[0]);
	    npu_syncobj_create(k->fd, DRM_SYNCOBJ_CREATE_SIGNALED, &h[2]);
	    h[1] = h[2] + 100;
	    k->s.in_syncobjs = (uintptr_t)h;
	    k->s.in_syncobj_count = 3;
    });
RAW(ok_in_syncobjs_signalled, 0,
    {
	    static uint32_t h[2];

	    npu_syncobj_create(k->fd, DRM_SYNCOBJ_CREATE_SIGNALED, &h[0]);
	    npu_syncobj_create(k->fd, DRM_SYNCOBJ_CREATE_SIGNALED, &h[1]);
	    k->s.in_syncobjs = (uintptr_t)h;
	    k->s.in_syncobj_count = 2;
    });
RAW(out_syncobj_garbage, -ENOENT, k->s.out_syncobj = 0xbad);
RAW(out_syncobj_destroyed, -ENOENT,
    {
	    uint32_t h = 0;

	    npu_syncobj_create(k->fd, 0, &h);
	    npu_syncobj_destroy(k->fd, h);
	    k->s.out_syncobj = h;
    });
RAW(ok_out_syncobj, 0,
    {
	    uint32_t h = 0;

	    npu_syncobj_create(k->fd, 0, &h);
	    k->s.out_syncobj = h;
    });
RAW(priority_count, -EINVAL, k->s.priority = DRM_NPU_PRIO_COUNT);
RAW(priority_max_u32, -EINVAL, k->s.priority = 0xffffffff);
RAW(ok_priority_low, 0, k->s.priority = DRM_NPU_PRIO_LOW);
RAW(ok_priority_high, 0, k->s.priority = DRM_NPU_PRIO_HIGH);

/* ---- the header ---- */
RAW(hdr_magic, -EINVAL, H->magic = NPU_CMD_MAGIC + 1);
RAW(hdr_magic_byteswapped, -EINVAL, H->magic = 0x4e505531);
RAW(hdr_version_0, -EINVAL, H->version = 0);
RAW(hdr_version_2, -EINVAL, H->version = NPU_CMD_VERSION + 1);
RAW(hdr_version_max, -EINVAL, H->version = 0xffff);
RAW(hdr_header_size_0, -EINVAL, H->header_size = 0);
RAW(hdr_header_size_short, -EINVAL, H->header_size = 28);
RAW(hdr_header_size_long, -EINVAL, H->header_size = 40);
RAW(hdr_size_larger, -EINVAL, H->size += 8);
RAW(hdr_size_smaller, -EINVAL, H->size -= 8);
RAW(hdr_size_max_u32, -EINVAL, H->size = 0xffffffff);
RAW(hdr_num_tensors_0, -EINVAL, H->num_tensors = 0);
RAW(hdr_num_ops_0, -EINVAL, H->num_ops = 0);
RAW(hdr_tensor_table_into_ops, -EINVAL, H->num_tensors += 1);
RAW(hdr_op_list_past_end, -EINVAL, H->num_ops += 1);
RAW(hdr_tensor_offset_misaligned, -EINVAL, H->tensor_offset += 4);
RAW(hdr_op_offset_misaligned, -EINVAL, H->op_offset += 4);
RAW(hdr_tensor_offset_misaligned_1, -EINVAL, H->tensor_offset += 1);
RAW(hdr_tensor_table_over_header_0, -EINVAL, H->tensor_offset = 0);
RAW(hdr_tensor_table_over_header_24, -EINVAL, H->tensor_offset = 24);
RAW(hdr_op_list_over_header, -EINVAL, H->op_offset = 0);
RAW(hdr_op_list_over_tensor_table, -EINVAL,
    H->op_offset = H->tensor_offset + 64);
RAW(hdr_tables_same_offset, -EINVAL, H->op_offset = H->tensor_offset);
RAW(hdr_tensor_offset_past_end, -EINVAL, H->tensor_offset = H->size);
RAW(hdr_tensor_offset_wraps, -EINVAL, H->tensor_offset = 0xfffffff8);
RAW(hdr_op_offset_wraps, -EINVAL, H->op_offset = 0xfffffff8);
RAW(hdr_op_offset_past_end, -EINVAL, H->op_offset = H->size);
RAW(hdr_flags, -EINVAL, H->flags = 1);
RAW(hdr_flags_high, -EINVAL, H->flags = 0x80000000);
RAW(hdr_reserved, -EINVAL, H->reserved = 1);
EDIT(hdr_too_many_tensors, -E2BIG,
    {
	    uint32_t n = k->lim.max_tensors + 1;

	    if (n > 0xffff) {
		    k->skip = "max_tensors is the __u16 maximum";
		    return;
	    }
	    while (cs->num_tensors < n)
		    npu_cs_add_tensor(cs, 0, NPU_DTYPE_F32, 0, 1);
    });
EDIT(hdr_too_many_ops, -E2BIG,
    {
	    uint32_t n = k->lim.max_ops + 1;

	    if (n > 0xffff) {
		    k->skip = "max_ops is the __u16 maximum";
		    return;
	    }
	    while (cs->num_ops < n)
		    npu_cs_relu(cs, T_Y, T_Z);
    });

/* ---- tensor descriptors ---- */
EDIT(t_bo_index_past_count, -EINVAL, T(T_A)->bo_index = 2);
EDIT(t_bo_index_max_u32, -EINVAL, T(T_A)->bo_index = 0xffffffff);
EDIT(t_dtype_count, -EINVAL, T(T_A)->dtype = NPU_DTYPE_COUNT);
EDIT(t_dtype_max_u32, -EINVAL, T(T_A)->dtype = 0xffffffff);
EDIT(t_ndim_0, -EINVAL, T(T_A)->ndim = 0);
EDIT(t_ndim_5, -EINVAL, T(T_X)->ndim = 5);
EDIT(t_ndim_max_u32, -EINVAL, T(T_A)->ndim = 0xffffffff);
EDIT(t_dim_zero, -EINVAL, T(T_A)->shape[1] = 0);
EDIT(t_dim_past_ndim_nonzero, -EINVAL, T(T_BIAS)->shape[1] = 1);
EDIT(t_dim_past_ndim_nonzero_last, -EINVAL, T(T_A)->shape[3] = 7);
EDIT(t_shape_65536_pow4, -E2BIG,
     T(T_A)->ndim = 4;
     T(T_A)->shape[0] = T(T_A)->shape[1] = 65536;
     T(T_A)->shape[2] = T(T_A)->shape[3] = 65536);
EDIT(t_shape_wraps_u32_to_zero, -E2BIG,
     T(T_A)->shape[0] = 65536; T(T_A)->shape[1] = 65536);
EDIT(t_shape_wraps_u32_to_small, -E2BIG,
     T(T_A)->ndim = 3;
     T(T_A)->shape[0] = 65537; T(T_A)->shape[1] = 65535;
     T(T_A)->shape[2] = 2);	/* (2^32 - 1) * 2 wraps to 2^32 - 2 */
EDIT(t_shape_max_u32_pow4, -E2BIG,
     T(T_A)->ndim = 4;
     T(T_A)->shape[0] = T(T_A)->shape[1] = 0xffffffff;
     T(T_A)->shape[2] = T(T_A)->shape[3] = 0xffffffff);
EDIT(t_elems_over_limit, -E2BIG,
     npu_cs_add_tensor(cs, 0, NPU_DTYPE_I8, 0,
		       k->lim.max_tensor_elems + 1));
EDIT(t_offset_past_bo, -ERANGE, T(T_A)->offset = KS_BO_SIZE);
EDIT(t_offset_ends_4_past_bo, -ERANGE,
     T(T_A)->offset = KS_BO_SIZE - 4 * 4 * 8 + 4);
EDIT(ok_t_offset_ends_at_bo_end, 0,
     T(T_A)->offset = KS_BO_SIZE - 4 * 4 * 8);
EDIT(t_output_past_bo, -ERANGE, T(T_CY)->offset = KS_BO_SIZE - 296);
EDIT(t_offset_wraps_u64, -ERANGE, T(T_A)->offset = UINT64_MAX - 63);
EDIT(t_offset_2_pow_63, -ERANGE, T(T_A)->offset = 1ULL << 63);
EDIT(t_offset_2_pow_32, -ERANGE, T(T_A)->offset = 1ULL << 32);
EDIT(t_bytes_past_bo, -ERANGE,
     npu_cs_add_tensor(cs, 0, NPU_DTYPE_F32, 4, KS_BO_SIZE / 4));
EDIT(ok_t_whole_bo, 0,
     npu_cs_add_tensor(cs, 0, NPU_DTYPE_F32, 0, KS_BO_SIZE / 4));
EDIT(t_offset_misaligned_f32, -EINVAL, T(T_A)->offset = 2);
EDIT(t_offset_misaligned_i32, -EINVAL, T(T_QBIAS)->offset = 4258);
EDIT(ok_t_offset_odd_i8, 0, T(T_QA)->offset = 4097);
EDIT(t_quant_on_f32, -EINVAL,
     T(T_A)->quant_type = NPU_QUANT_PER_TENSOR;
     T(T_A)->scale = npu_f2u(1.0f));
EDIT(t_quant_on_i32, -EINVAL,
     T(T_QBIAS)->quant_type = NPU_QUANT_PER_TENSOR;
     T(T_QBIAS)->scale = npu_f2u(1.0f));
EDIT(t_quant_type_count, -EINVAL, T(T_QA)->quant_type = NPU_QUANT_COUNT);
EDIT(t_quant_type_max_u32, -EINVAL, T(T_QA)->quant_type = 0xffffffff);
EDIT(t_scale_zero, -EINVAL, T(T_QA)->scale = 0);
EDIT(t_scale_negative_zero, -EINVAL, T(T_QA)->scale = 0x80000000);
EDIT(t_scale_negative, -EINVAL, T(T_QA)->scale = npu_f2u(-0.5f));
EDIT(t_scale_nan, -EINVAL, T(T_QA)->scale = 0x7fc00000);
EDIT(t_scale_inf, -EINVAL, T(T_QA)->scale = 0x7f800000);
EDIT(t_zero_point_i8_128, -EINVAL, T(T_QA)->zero_point = 128);
EDIT(t_zero_point_i8_minus_129, -EINVAL, T(T_QA)->zero_point = -129);
EDIT(t_zero_point_u8_minus_1, -EINVAL,
     T(T_QA)->dtype = NPU_DTYPE_U8; T(T_QA)->zero_point = -1);
EDIT(t_zero_point_u8_256, -EINVAL,
     T(T_QA)->dtype = NPU_DTYPE_U8; T(T_QA)->zero_point = 256);
EDIT(t_plain_scale_nonzero, -EINVAL, T(T_A)->scale = npu_f2u(1.0f));
EDIT(t_plain_zero_point_nonzero, -EINVAL, T(T_A)->zero_point = 1);
EDIT(t_plain_scale_tensor_set, -EINVAL, T(T_A)->scale_tensor = 0);
EDIT(t_plain_quant_axis_set, -EINVAL, T(T_A)->quant_axis = 1);
EDIT(t_per_tensor_quant_axis_set, -EINVAL, T(T_QA)->quant_axis = 1);
EDIT(t_per_tensor_scale_tensor_set, -EINVAL, T(T_QA)->scale_tensor = T_QS);
EDIT(t_flags, -EINVAL, T(T_A)->flags = 1);
EDIT(t_tail_padding, -EINVAL, ((uint8_t *)T(T_A))[60] = 1);
EDIT(t_tail_padding_last_byte, -EINVAL, ((uint8_t *)T(T_QY))[63] = 0x80);
EDIT(t_flags_high, -EINVAL, T(T_QY)->flags = 0x80000000);
EDIT(t_flags_unknown_bit1, -EINVAL, T(T_W)->flags = 0x2);
/* NPU_TENSOR_PACKED_V1 (T_A above: a packed tensor in a dense slot) */
EDIT(packed_conv_x, -EINVAL, T(T_X)->flags = NPU_TENSOR_PACKED_V1);
EDIT(packed_output, -EINVAL, T(T_CY)->flags = NPU_TENSOR_PACKED_V1);
EDIT(packed_1d, -EINVAL, T(T_CB)->flags = NPU_TENSOR_PACKED_V1);
EDIT(packed_i32, -EINVAL,
     T(T_QBIAS)->ndim = 2; T(T_QBIAS)->shape[0] = 2; T(T_QBIAS)->shape[1] = 2;
     T(T_QBIAS)->flags = NPU_TENSOR_PACKED_V1; O(O_QGEMM)->inputs[2] = NPU_CMD_NO_TENSOR);
EDIT(packed_u8, -EINVAL,
     T(T_EA)->dtype = NPU_DTYPE_U8; T(T_EA)->flags = NPU_TENSOR_PACKED_V1);
EDIT(packed_gemm_b_without_trans_b, -EINVAL, T(T_QB)->flags = NPU_TENSOR_PACKED_V1);
/* 3 rows: one 8-row F32 panel of 18 columns, 576 bytes from 2048 */
EDIT(packed_f32_w_past_bo_end, -ERANGE,
     T(T_W)->flags = NPU_TENSOR_PACKED_V1; T(T_W)->offset = KS_BO_SIZE - 572);
/*
 * B of the i8 GEMM as a valid packed [N = 4, K = 8] (per-channel on axis 0,
 * transB): one panel of 2 column groups plus row sums, 96 bytes
 */
static void ks_pack_qb(struct npu_cs *cs, uint64_t offset)
{
	T(T_QB)->shape[0] = 4;
	T(T_QB)->shape[1] = 8;
	T(T_QB)->quant_axis = 0;
	T(T_QB)->flags = NPU_TENSOR_PACKED_V1;
	T(T_QB)->offset = offset;
	O(O_QGEMM)->gemm.flags = NPU_GEMM_TRANS_B;
}

EDIT(packed_i8_misaligned, -EINVAL, ks_pack_qb(cs, 4162));
EDIT(packed_i8_past_bo_end, -ERANGE, ks_pack_qb(cs, KS_BO_SIZE - 92));
EDIT(packed_i8_column_groups_round_up, -ERANGE,
     ks_pack_qb(cs, KS_BO_SIZE - 96); T(T_QB)->shape[0] = 4; T(T_QB)->shape[1] = 9;
     T(T_QA)->shape[1] = 9);
EDIT(pc_axis_past_ndim, -EINVAL, T(T_QB)->quant_axis = 2);
EDIT(pc_scale_tensor_past_table, -EINVAL, T(T_QB)->scale_tensor = T_COUNT);
EDIT(pc_scale_tensor_none, -EINVAL,
     T(T_QB)->scale_tensor = NPU_CMD_NO_TENSOR);
EDIT(pc_scale_tensor_not_f32, -EINVAL, T(T_QB)->scale_tensor = T_QBIAS);
EDIT(pc_scale_tensor_is_self, -EINVAL, T(T_QB)->scale_tensor = T_QB);
EDIT(pc_scale_tensor_wrong_length, -EINVAL, T(T_QS)->shape[0] = 3);
EDIT(pc_scale_tensor_2d, -EINVAL,
     T(T_QS)->ndim = 2; T(T_QS)->shape[0] = 1; T(T_QS)->shape[1] = 4);
EDIT(pc_zero_point_nonzero, -EINVAL, T(T_QB)->zero_point = 1);
EDIT(pc_scale_nonzero, -EINVAL, T(T_QB)->scale = npu_f2u(0.25f));
EDIT(pc_scale_tensor_past_bo, -ERANGE, T(T_QS)->offset = KS_BO_SIZE - 8);
EDIT(pc_gemm_weights_on_k_axis, -EINVAL,
     T(T_QB)->quant_axis = 0; T(T_QS)->shape[0] = 8);
EDIT(pc_gemm_activation_per_channel, -EINVAL,
     T(T_QA)->quant_type = NPU_QUANT_PER_CHANNEL;
     T(T_QA)->scale = 0; T(T_QA)->zero_point = 0;
     T(T_QA)->quant_axis = 1; T(T_QA)->scale_tensor = T_QS;
     T(T_QS)->shape[0] = 8;
     T(T_QB)->quant_type = NPU_QUANT_PER_TENSOR;
     T(T_QB)->scale = npu_f2u(0.25f);
     T(T_QB)->scale_tensor = NPU_CMD_NO_TENSOR);
EDIT(unused_tensor_bad_dtype, -EINVAL,
     npu_cs_add_tensor(cs, 0, 77, 0, 4));
EDIT(unused_tensor_past_bo, -ERANGE,
     npu_cs_add_tensor(cs, 0, NPU_DTYPE_F32, KS_BO_SIZE, 4));
EDIT(unused_tensor_huge_shape, -E2BIG,
     npu_cs_add_tensor(cs, 0, NPU_DTYPE_I8, 0, 65536, 65536, 65536, 65536));

/* ---- ops added for ONNX models ---- */
EDIT(onnx_sigmoid_with_alpha, -EINVAL,
     O(O_RELU)->opcode = NPU_OP_SIGMOID; O(O_RELU)->eltwise.act_alpha = 1);
EDIT(onnx_hard_sigmoid_with_clip_bounds, -EINVAL,
     O(O_CLIP)->opcode = NPU_OP_HARD_SIGMOID);
EDIT(onnx_sub_on_i8, -EINVAL, O(O_QADD)->opcode = NPU_OP_SUB);
EDIT(onnx_quantized_gemm_sigmoid, -EINVAL,
     O(O_QGEMM)->gemm.activation = NPU_ACT_SIGMOID);
EDIT(onnx_hard_sigmoid_alpha_nan, -EINVAL,
     O(O_GEMM)->gemm.activation = NPU_ACT_HARD_SIGMOID;
     O(O_GEMM)->gemm.act_alpha = 0x7fc00000);
EDIT(onnx_conv2d_output_pad, -EINVAL, O(O_CONV)->conv2d.output_pad_h = 1);
EDIT(onnx_conv_transpose_wrong_y, -EINVAL,
     O(O_CONV)->opcode = NPU_OP_CONV_TRANSPOSE2D);
EDIT(onnx_softmax_axis_past_rank, -EINVAL,
     O(O_RELU)->opcode = NPU_OP_SOFTMAX; O(O_RELU)->axis.axis = 2);
EDIT(onnx_maxpool_on_2d, -EINVAL,
     O(O_RELU)->opcode = NPU_OP_MAXPOOL;
     O(O_RELU)->pool = (struct npu_op_pool){ .kernel_h = 1, .kernel_w = 1,
					      .stride_h = 1, .stride_w = 1,
					      .dilation_h = 1, .dilation_w = 1 });
EDIT(onnx_concat_five_inputs, -EINVAL,
     O(O_RELU)->opcode = NPU_OP_CONCAT; O(O_RELU)->num_inputs = 5);
EDIT(onnx_transpose_bad_perm, -EINVAL,
     O(O_RELU)->opcode = NPU_OP_TRANSPOSE; O(O_RELU)->transpose.perm[0] = 1);
EDIT(onnx_copy_param_set, -EINVAL,
     O(O_RELU)->opcode = NPU_OP_COPY; O(O_RELU)->raw[0] = 1);
EDIT(onnx_resize_on_2d, -EINVAL, O(O_RELU)->opcode = NPU_OP_RESIZE);
EDIT(onnx_quantize_f32_out, -EINVAL, O(O_RELU)->opcode = NPU_OP_QUANTIZE);
EDIT(onnx_dequantize_f32_in, -EINVAL, O(O_RELU)->opcode = NPU_OP_DEQUANTIZE);

/* ---- ops: common fields ---- */
EDIT(op_opcode_0, -EINVAL, O(O_RELU)->opcode = 0);
EDIT(op_opcode_count, -EOPNOTSUPP, O(O_RELU)->opcode = NPU_OP_COUNT);
EDIT(op_opcode_max_u16, -EOPNOTSUPP, O(O_CLIP)->opcode = 0xffff);
EDIT(op_flags, -EINVAL, O(O_GEMM)->flags = 1);
EDIT(op_flags_high, -EINVAL, O(O_RELU)->flags = 0x8000);
EDIT(op_num_inputs_0, -EINVAL, O(O_GEMM)->num_inputs = 0);
EDIT(op_num_inputs_5, -EINVAL, O(O_GEMM)->num_inputs = 5);
EDIT(op_num_inputs_max_u16, -EINVAL, O(O_RELU)->num_inputs = 0xffff);
EDIT(op_gemm_two_inputs, -EINVAL,
     O(O_QGEMM)->inputs[2] = NPU_CMD_NO_TENSOR; O(O_QGEMM)->num_inputs = 2);
EDIT(op_conv_two_inputs, -EINVAL,
     O(O_CONV)->inputs[2] = NPU_CMD_NO_TENSOR; O(O_CONV)->num_inputs = 2);
EDIT(op_gemm_one_input, -EINVAL,
     O(O_GEMM)->num_inputs = 1;
     O(O_GEMM)->inputs[1] = O(O_GEMM)->inputs[2] = NPU_CMD_NO_TENSOR);
EDIT(op_relu_two_inputs, -EINVAL,
     O(O_RELU)->num_inputs = 2; O(O_RELU)->inputs[1] = T_A);
EDIT(op_num_outputs_0, -EINVAL, O(O_GEMM)->num_outputs = 0);
EDIT(op_num_outputs_3, -EINVAL, O(O_GEMM)->num_outputs = 3);
EDIT(op_gemm_two_outputs, -EINVAL,
     O(O_GEMM)->num_outputs = 2; O(O_GEMM)->outputs[1] = T_CL);
EDIT(op_input_past_table, -EINVAL, O(O_GEMM)->inputs[0] = T_COUNT);
EDIT(op_input_huge, -EINVAL, O(O_GEMM)->inputs[0] = 0xfffffffe);
EDIT(op_required_input_missing, -EINVAL,
     O(O_GEMM)->inputs[1] = NPU_CMD_NO_TENSOR);
EDIT(op_output_missing, -EINVAL, O(O_RELU)->outputs[0] = NPU_CMD_NO_TENSOR);
EDIT(op_output_past_table, -EINVAL, O(O_RELU)->outputs[0] = T_COUNT);
EDIT(op_unused_input_slot_set, -EINVAL, O(O_GEMM)->inputs[3] = T_A);
EDIT(op_unused_input_slot_zero, -EINVAL, O(O_RELU)->inputs[1] = 0);
EDIT(op_unused_output_slot_set, -EINVAL, O(O_GEMM)->outputs[1] = 0);
EDIT(op_output_is_input, -EINVAL, O(O_RELU)->outputs[0] = T_Y);
EDIT(op_output_overlaps_input, -EINVAL,
     T(T_Y)->bo_index = 0; T(T_Y)->offset = 64);
EDIT(op_output_overlaps_bias_tail, -EINVAL,
     T(T_Y)->bo_index = 0; T(T_Y)->offset = 512 + 20 - 4 - 76);
EDIT(op_output_overlaps_per_channel_scales, -EINVAL,
     T(T_QY)->bo_index = 0; T(T_QY)->offset = 4224 + 12);
EDIT(op_output_overlaps_input_of_other_dtype, -EINVAL,
     T(T_EY)->bo_index = 0; T(T_EY)->offset = 4400 - 8);
EDIT(ok_op_output_adjacent_to_inputs, 0,
     T(T_Y)->bo_index = 0; T(T_Y)->offset = 128);

/* ---- GEMM ---- */
EDIT(gemm_flags_unknown, -EINVAL, O(O_GEMM)->gemm.flags = 2);
EDIT(gemm_flags_high, -EINVAL, O(O_GEMM)->gemm.flags = 0x80000000);
EDIT(gemm_activation_count, -EINVAL,
     O(O_GEMM)->gemm.activation = NPU_ACT_COUNT);
EDIT(gemm_clip_min_above_max, -EINVAL,
     O(O_GEMM)->gemm.activation = NPU_ACT_CLIP;
     O(O_GEMM)->gemm.act_min = npu_f2u(1.0f);
     O(O_GEMM)->gemm.act_max = npu_f2u(-1.0f));
EDIT(gemm_clip_nan_bound, -EINVAL,
     O(O_GEMM)->gemm.activation = NPU_ACT_CLIP;
     O(O_GEMM)->gemm.act_min = 0x7fc00000;
     O(O_GEMM)->gemm.act_max = npu_f2u(1.0f));
EDIT(gemm_act_bounds_without_clip, -EINVAL,
     O(O_GEMM)->gemm.act_min = npu_f2u(-1.0f));
EDIT(gemm_relu_with_bounds, -EINVAL,
     O(O_GEMM)->gemm.activation = NPU_ACT_RELU;
     O(O_GEMM)->gemm.act_max = npu_f2u(1.0f));
EDIT(ok_gemm_clip, 0,
     O(O_GEMM)->gemm.activation = NPU_ACT_CLIP;
     O(O_GEMM)->gemm.act_min = npu_f2u(-0.25f);
     O(O_GEMM)->gemm.act_max = npu_f2u(0.25f));
EDIT(gemm_raw_past_params, -EINVAL, O(O_GEMM)->raw[4] = 1);
EDIT(gemm_raw_last_word, -EINVAL, O(O_GEMM)->raw[15] = 1);
EDIT(gemm_k_mismatch, -EINVAL, T(T_B)->shape[0] = 9);
EDIT(gemm_bias_length, -EINVAL, T(T_BIAS)->shape[0] = 4);
EDIT(gemm_bias_2d, -EINVAL,
     T(T_BIAS)->ndim = 2; T(T_BIAS)->shape[0] = 1; T(T_BIAS)->shape[1] = 5);
EDIT(gemm_y_shape, -EINVAL, T(T_Y)->shape[0] = 5);
EDIT(gemm_a_rank3, -EINVAL,
     T(T_A)->ndim = 3; T(T_A)->shape[0] = 1; T(T_A)->shape[1] = 4;
     T(T_A)->shape[2] = 8);
EDIT(gemm_a_rank1, -EINVAL,
     T(T_A)->ndim = 1; T(T_A)->shape[0] = 32; T(T_A)->shape[1] = 0);
EDIT(gemm_b_dtype_i32, -EINVAL, T(T_B)->dtype = NPU_DTYPE_I32);
EDIT(gemm_y_dtype_i32, -EINVAL, T(T_Y)->dtype = NPU_DTYPE_I32);
EDIT(gemm_trans_b_wrong_shape, -EINVAL,
     O(O_GEMM)->gemm.flags = NPU_GEMM_TRANS_B);
EDIT(ok_gemm_trans_b, 0,
     O(O_GEMM)->gemm.flags = NPU_GEMM_TRANS_B;
     T(T_B)->shape[0] = 5; T(T_B)->shape[1] = 8);
EDIT(qgemm_bias_f32, -EINVAL, T(T_QBIAS)->dtype = NPU_DTYPE_F32);
EDIT(qgemm_bias_i8, -EINVAL,
     T(T_QBIAS)->dtype = NPU_DTYPE_I8;
     T(T_QBIAS)->quant_type = NPU_QUANT_PER_TENSOR;
     T(T_QBIAS)->scale = npu_f2u(1.0f));
EDIT(ok_qgemm_no_bias, 0, O(O_QGEMM)->inputs[2] = NPU_CMD_NO_TENSOR);
EDIT(ok_conv_no_bias, 0, O(O_CONV)->inputs[2] = NPU_CMD_NO_TENSOR);
EDIT(qgemm_a_not_quantized, -EINVAL,
     T(T_QA)->quant_type = NPU_QUANT_NONE; T(T_QA)->scale = 0;
     T(T_QA)->zero_point = 0);
EDIT(qgemm_y_not_quantized, -EINVAL,
     T(T_QY)->quant_type = NPU_QUANT_NONE; T(T_QY)->scale = 0;
     T(T_QY)->zero_point = 0);
/* Per-tensor weights may have a zero point; per-channel ones may not. */
EDIT(ok_qgemm_b_zero_point, 0,
     T(T_QB)->quant_type = NPU_QUANT_PER_TENSOR;
     T(T_QB)->scale_tensor = NPU_CMD_NO_TENSOR; T(T_QB)->quant_axis = 0;
     T(T_QB)->scale = npu_f2u(0.25f); T(T_QB)->zero_point = 1);
EDIT(qgemm_b_per_channel_zero_point, -EINVAL, T(T_QB)->zero_point = 1);
EDIT(qgemm_b_u8, -EINVAL, T(T_QB)->dtype = NPU_DTYPE_U8);
EDIT(qgemm_y_per_channel, -EINVAL,
     T(T_QY)->quant_type = NPU_QUANT_PER_CHANNEL; T(T_QY)->scale = 0;
     T(T_QY)->zero_point = 0; T(T_QY)->quant_axis = 1;
     T(T_QY)->scale_tensor = T_QS);
EDIT(qgemm_a_f32, -EINVAL,
     T(T_QA)->dtype = NPU_DTYPE_F32; T(T_QA)->quant_type = NPU_QUANT_NONE;
     T(T_QA)->scale = 0; T(T_QA)->zero_point = 0);
EDIT(ok_qgemm_per_tensor_b, 0,
     T(T_QB)->quant_type = NPU_QUANT_PER_TENSOR;
     T(T_QB)->scale_tensor = NPU_CMD_NO_TENSOR; T(T_QB)->quant_axis = 0;
     T(T_QB)->scale = npu_f2u(0.25f));

/* ---- CONV2D ---- */
EDIT(conv_stride_h_0, -EINVAL, O(O_CONV)->conv2d.stride_h = 0);
EDIT(conv_stride_w_65, -EINVAL, O(O_CONV)->conv2d.stride_w = 65);
EDIT(conv_dilation_h_0, -EINVAL, O(O_CONV)->conv2d.dilation_h = 0);
EDIT(conv_dilation_w_65, -EINVAL, O(O_CONV)->conv2d.dilation_w = 65);
EDIT(conv_stride_max_u32, -EINVAL, O(O_CONV)->conv2d.stride_h = 0xffffffff);
EDIT(conv_pad_top_ge_kernel, -EINVAL, O(O_CONV)->conv2d.pad_top = 3);
EDIT(conv_pad_right_ge_kernel, -EINVAL, O(O_CONV)->conv2d.pad_right = 3);
EDIT(conv_pad_max_u32, -EINVAL, O(O_CONV)->conv2d.pad_left = 0xffffffff);
EDIT(conv_groups_0, -EINVAL, O(O_CONV)->conv2d.groups = 0);
EDIT(conv_groups_not_dividing_oc, -EINVAL,
     O(O_CONV)->conv2d.groups = 2; T(T_W)->shape[1] = 1);
EDIT(conv_groups_max_u32, -EINVAL, O(O_CONV)->conv2d.groups = 0xffffffff);
EDIT(conv_weight_channels, -EINVAL, T(T_W)->shape[1] = 1);
EDIT(conv_output_height, -EINVAL, T(T_CY)->shape[2] = 4);
EDIT(conv_output_channels, -EINVAL, T(T_CY)->shape[1] = 2);
EDIT(conv_output_batch, -EINVAL, T(T_CY)->shape[0] = 2);
EDIT(conv_x_rank3, -EINVAL,
     T(T_X)->ndim = 3; T(T_X)->shape[0] = 2; T(T_X)->shape[1] = 5;
     T(T_X)->shape[2] = 5; T(T_X)->shape[3] = 0);
EDIT(conv_bias_length, -EINVAL, T(T_CB)->shape[0] = 2);
EDIT(conv_kernel_larger_than_input, -EINVAL,
     T(T_W)->shape[2] = T(T_W)->shape[3] = 7;
     O(O_CONV)->conv2d.pad_top = O(O_CONV)->conv2d.pad_left = 0;
     O(O_CONV)->conv2d.pad_bottom = O(O_CONV)->conv2d.pad_right = 0);
EDIT(conv_dilated_kernel_larger_than_input, -EINVAL,
     O(O_CONV)->conv2d.dilation_h = 4);	/* 9 rows > 5 + 2 pad */
EDIT(conv_activation_count, -EINVAL,
     O(O_CONV)->conv2d.activation = NPU_ACT_COUNT);
EDIT(conv_clip_min_above_max, -EINVAL,
     O(O_CONV)->conv2d.activation = NPU_ACT_CLIP;
     O(O_CONV)->conv2d.act_min = npu_f2u(2.0f));
EDIT(conv_raw_past_params, -EINVAL, O(O_CONV)->raw[12] = 1);
EDIT(conv_dtype_mix, -EINVAL, T(T_W)->dtype = NPU_DTYPE_I32);
EDIT(ok_conv_stride2_no_pad, 0,
     O(O_CONV)->conv2d.stride_h = O(O_CONV)->conv2d.stride_w = 2;
     O(O_CONV)->conv2d.pad_top = O(O_CONV)->conv2d.pad_left = 0;
     O(O_CONV)->conv2d.pad_bottom = O(O_CONV)->conv2d.pad_right = 0;
     T(T_CY)->shape[2] = T(T_CY)->shape[3] = 2);

/* ---- ADD / RELU / CLIP ---- */
EDIT(add_b_rank_above_a, -EINVAL,
     T(T_EB)->ndim = 3; T(T_EB)->shape[0] = 1; T(T_EB)->shape[1] = 1;
     T(T_EB)->shape[2] = 4);
EDIT(add_b_dim_not_broadcastable, -EINVAL, T(T_EB)->shape[0] = 3);
EDIT(add_y_shape, -EINVAL, T(T_EY)->shape[1] = 2);
EDIT(add_dtype_mismatch, -EINVAL,
     T(T_EB)->dtype = NPU_DTYPE_U8; T(T_EB)->zero_point = 3);
EDIT(add_plain_i8, -EINVAL,
     T(T_EA)->quant_type = NPU_QUANT_NONE; T(T_EA)->scale = 0;
     T(T_EA)->zero_point = 0);
EDIT(add_activation_count, -EINVAL,
     O(O_QADD)->eltwise.activation = NPU_ACT_COUNT);
EDIT(add_raw_past_params, -EINVAL, O(O_QADD)->raw[3] = 1);
EDIT(ok_add_relu, 0, O(O_QADD)->eltwise.activation = NPU_ACT_RELU);
EDIT(relu_activation_set, -EINVAL,
     O(O_RELU)->eltwise.activation = NPU_ACT_RELU);
EDIT(relu_raw_past_params, -EINVAL, O(O_RELU)->raw[3] = 1);
EDIT(relu_shape_mismatch, -EINVAL,
     T(T_Z)->shape[0] = 5; T(T_Z)->shape[1] = 4);
EDIT(relu_dtype_mismatch, -EINVAL, T(T_Z)->dtype = NPU_DTYPE_I32);
EDIT(relu_plain_i8, -EINVAL,
     O(O_RELU)->inputs[0] = T_EA; O(O_RELU)->outputs[0] = T_EY;
     T(T_EA)->quant_type = T(T_EY)->quant_type = NPU_QUANT_NONE;
     T(T_EA)->scale = T(T_EY)->scale = 0;
     T(T_EA)->zero_point = T(T_EY)->zero_point = 0);
EDIT(relu_bounds_set, -EINVAL, O(O_RELU)->eltwise.act_max = npu_f2u(1.0f));
EDIT(relu_quant_scale_mismatch, -EINVAL,
     O(O_RELU)->inputs[0] = T_EA; O(O_RELU)->outputs[0] = T_EY);
EDIT(clip_min_above_max, -EINVAL,
     O(O_CLIP)->eltwise.act_min = npu_f2u(1.0f);
     O(O_CLIP)->eltwise.act_max = npu_f2u(-1.0f));
EDIT(clip_nan_bound, -EINVAL, O(O_CLIP)->eltwise.act_max = 0x7fc00000);
EDIT(clip_inf_bound, -EINVAL, O(O_CLIP)->eltwise.act_min = 0xff800000);
EDIT(clip_activation_set, -EINVAL,
     O(O_CLIP)->eltwise.activation = NPU_ACT_CLIP);
EDIT(ok_clip_negative_zero_to_zero, 0,
     O(O_CLIP)->eltwise.act_min = 0x80000000;
     O(O_CLIP)->eltwise.act_max = 0);
EDIT(ok_clip_equal_bounds, 0,
     O(O_CLIP)->eltwise.act_min = npu_f2u(0.125f);
     O(O_CLIP)->eltwise.act_max = npu_f2u(0.125f));
EDIT(ok_clip_negative_bounds, 0,
     O(O_CLIP)->eltwise.act_min = npu_f2u(-0.75f);
     O(O_CLIP)->eltwise.act_max = npu_f2u(-0.125f));

TEST_HARNESS_MAIN

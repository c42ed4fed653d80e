// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * kern_bench - GFLOP/s (F32) and GOP/s (int8) of the compute kernels per ISA
 * level, on the layer shapes of the PaddleOCR models and on square GEMMs,
 * at 1..N threads, with same-run baselines: the FMA peak of this core, and
 * OpenBLAS and oneDNN sgemm / u8s8s32 gemm when their shared libraries are
 * installed (loaded with dlopen; nothing is needed to build).
 *
 * Each figure is the best of repeated runs lasting --time ms in total
 * (best-of is the least noisy statistic on a loaded machine); the load
 * average is printed with the results. Threads split every op into blocks
 * of output columns (GEMM/conv) or channels (depthwise), as libnpu's host
 * backend and the kernel CPU engine do.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "npu_fw_kern.h"
#include "npu_fw_kern_simd.h"

#define MAX_THREADS	8

enum kind { L_CONV, L_DW, L_GEMM_Q8, L_CONV_Q8 };

struct layer {
	const char *name;
	enum kind kind;
	unsigned c, h, w, oc, k, sh, sw, pad, count;
};

/* PP-OCRv4 det (mobile) at 1x3x640x640: convolutions, deduplicated (count) */
static const struct layer det_layers[] = {
	{ "stem 3x3s2 3>16", L_CONV, 3, 640, 640, 16, 3, 2, 2, 1, 1 },
	{ "dw3 s1 16@320", L_DW, 16, 320, 320, 16, 3, 1, 1, 1, 1 },
	{ "pw 16>32 @320", L_CONV, 16, 320, 320, 32, 1, 1, 1, 0, 1 },
	{ "dw3 s2 32@320", L_DW, 32, 320, 320, 32, 3, 2, 2, 1, 1 },
	{ "pw 32>48 @160", L_CONV, 32, 160, 160, 48, 1, 1, 1, 0, 1 },
	{ "dw3 s1 48@160", L_DW, 48, 160, 160, 48, 3, 1, 1, 1, 1 },
	{ "pw 48>48 @160", L_CONV, 48, 160, 160, 48, 1, 1, 1, 0, 1 },
	{ "dw3 s2 48@160", L_DW, 48, 160, 160, 48, 3, 2, 2, 1, 1 },
	{ "pw 48>96 @80", L_CONV, 48, 80, 80, 96, 1, 1, 1, 0, 1 },
	{ "dw3 s1 96@80", L_DW, 96, 80, 80, 96, 3, 1, 1, 1, 1 },
	{ "pw 96>96 @80", L_CONV, 96, 80, 80, 96, 1, 1, 1, 0, 1 },
	{ "dw3 s2 96@80", L_DW, 96, 80, 80, 96, 3, 2, 2, 1, 1 },
	{ "pw 96>192 @40", L_CONV, 96, 40, 40, 192, 1, 1, 1, 0, 1 },
	{ "dw5 s1 192@40", L_DW, 192, 40, 40, 192, 5, 1, 1, 2, 4 },
	{ "pw 192>192 @40", L_CONV, 192, 40, 40, 192, 1, 1, 1, 0, 4 },
	{ "dw5 s2 192@40", L_DW, 192, 40, 40, 192, 5, 2, 2, 2, 1 },
	{ "pw 192>384 @20", L_CONV, 192, 20, 20, 384, 1, 1, 1, 0, 1 },
	{ "dw5 s1 384@20", L_DW, 384, 20, 20, 384, 5, 1, 1, 2, 2 },
	{ "pw 384>384 @20", L_CONV, 384, 20, 20, 384, 1, 1, 1, 0, 2 },
	{ "pw 48>12 @160", L_CONV, 48, 160, 160, 12, 1, 1, 1, 0, 1 },
	{ "pw 96>18 @80", L_CONV, 96, 80, 80, 18, 1, 1, 1, 0, 1 },
	{ "pw 192>42 @40", L_CONV, 192, 40, 40, 42, 1, 1, 1, 0, 1 },
	{ "pw 384>360 @20", L_CONV, 384, 20, 20, 360, 1, 1, 1, 0, 1 },
	{ "pw 360>96 @20", L_CONV, 360, 20, 20, 96, 1, 1, 1, 0, 1 },
	{ "pw 42>96 @40", L_CONV, 42, 40, 40, 96, 1, 1, 1, 0, 1 },
	{ "pw 18>96 @80", L_CONV, 18, 80, 80, 96, 1, 1, 1, 0, 1 },
	{ "pw 12>96 @160", L_CONV, 12, 160, 160, 96, 1, 1, 1, 0, 1 },
	{ "se 96>24 @1", L_CONV, 96, 1, 1, 24, 1, 1, 1, 0, 8 },
	{ "se 24>96 @1", L_CONV, 24, 1, 1, 96, 1, 1, 1, 0, 8 },
	{ "3x3 96>24 @20", L_CONV, 96, 20, 20, 24, 3, 1, 1, 1, 1 },
	{ "3x3 96>24 @40", L_CONV, 96, 40, 40, 24, 3, 1, 1, 1, 1 },
	{ "3x3 96>24 @80", L_CONV, 96, 80, 80, 24, 3, 1, 1, 1, 1 },
	{ "3x3 96>24 @160", L_CONV, 96, 160, 160, 24, 3, 1, 1, 1, 2 },
	{ NULL },
};

/* ch_ppocr_mobile_v2.0_cls (MobileNetV3 small x0.35) at 1x3x48x192 */
static const struct layer cls_layers[] = {
	{ "stem 3x3s2 3>8", L_CONV, 3, 48, 192, 8, 3, 2, 2, 1, 1 },
	{ "pw 8>8 @24x96", L_CONV, 8, 24, 96, 8, 1, 1, 1, 0, 1 },
	{ "dw3 s2,1 8@24x96", L_DW, 8, 24, 96, 8, 3, 2, 1, 1, 1 },
	{ "pw 8>8 @12x96", L_CONV, 8, 12, 96, 8, 1, 1, 1, 0, 1 },
	{ "pw 8>24 @12x96", L_CONV, 8, 12, 96, 24, 1, 1, 1, 0, 1 },
	{ "dw3 s2,1 24@12x96", L_DW, 24, 12, 96, 24, 3, 2, 1, 1, 1 },
	{ "pw 24>8 @6x96", L_CONV, 24, 6, 96, 8, 1, 1, 1, 0, 1 },
	{ "pw 8>32 @6x96", L_CONV, 8, 6, 96, 32, 1, 1, 1, 0, 2 },
	{ "dw3 s1 32@6x96", L_DW, 32, 6, 96, 32, 3, 1, 1, 1, 1 },
	{ "pw 32>8 @6x96", L_CONV, 32, 6, 96, 8, 1, 1, 1, 0, 1 },
	{ "dw5 s2,1 32@6x96", L_DW, 32, 6, 96, 32, 5, 2, 1, 2, 1 },
	{ "pw 32>16 @3x96", L_CONV, 32, 3, 96, 16, 1, 1, 1, 0, 1 },
	{ "pw 16>88 @3x96", L_CONV, 16, 3, 96, 88, 1, 1, 1, 0, 2 },
	{ "dw5 s1 88@3x96", L_DW, 88, 3, 96, 88, 5, 1, 1, 2, 2 },
	{ "pw 88>16 @3x96", L_CONV, 88, 3, 96, 16, 1, 1, 1, 0, 2 },
	{ "pw 16>40 @3x96", L_CONV, 16, 3, 96, 40, 1, 1, 1, 0, 1 },
	{ "dw5 s1 40@3x96", L_DW, 40, 3, 96, 40, 5, 1, 1, 2, 1 },
	{ "pw 40>16 @3x96", L_CONV, 40, 3, 96, 16, 1, 1, 1, 0, 1 },
	{ "pw 16>48 @3x96", L_CONV, 16, 3, 96, 48, 1, 1, 1, 0, 1 },
	{ "dw5 s1 48@3x96", L_DW, 48, 3, 96, 48, 5, 1, 1, 2, 1 },
	{ "pw 48>16 @3x96", L_CONV, 48, 3, 96, 16, 1, 1, 1, 0, 1 },
	{ "pw 16>104 @3x96", L_CONV, 16, 3, 96, 104, 1, 1, 1, 0, 1 },
	{ "dw5 s2,1 104@3x96", L_DW, 104, 3, 96, 104, 5, 2, 1, 2, 1 },
	{ "pw 104>32 @2x96", L_CONV, 104, 2, 96, 32, 1, 1, 1, 0, 1 },
	{ "pw 32>200 @2x96", L_CONV, 32, 2, 96, 200, 1, 1, 1, 0, 3 },
	{ "dw5 s1 200@2x96", L_DW, 200, 2, 96, 200, 5, 1, 1, 2, 2 },
	{ "pw 200>32 @2x96", L_CONV, 200, 2, 96, 32, 1, 1, 1, 0, 2 },
	{ "se 88>22 @1", L_CONV, 88, 1, 1, 22, 1, 1, 1, 0, 2 },
	{ "se 22>88 @1", L_CONV, 22, 1, 1, 88, 1, 1, 1, 0, 2 },
	{ "se 200>50 @1", L_CONV, 200, 1, 1, 50, 1, 1, 1, 0, 2 },
	{ "se 50>200 @1", L_CONV, 50, 1, 1, 200, 1, 1, 1, 0, 2 },
	{ "fc 200>2", L_CONV, 200, 1, 1, 2, 1, 1, 1, 0, 1 },
	{ NULL },
};

/* int8 1x1 convolutions of det's shapes */
static const struct layer q8_layers[] = {
	{ "q8 pw 16>32 @320", L_GEMM_Q8, 16, 320, 320, 32, 1, 1, 1, 0, 1 },
	{ "q8 pw 48>96 @80", L_GEMM_Q8, 48, 80, 80, 96, 1, 1, 1, 0, 1 },
	{ "q8 pw 192>192 @40", L_GEMM_Q8, 192, 40, 40, 192, 1, 1, 1, 0, 1 },
	{ "q8 pw 384>384 @20", L_GEMM_Q8, 384, 20, 20, 384, 1, 1, 1, 0, 1 },
	{ "q8 3x3 96>24 @80", L_CONV_Q8, 96, 80, 80, 24, 3, 1, 1, 1, 1 },
	{ NULL },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *xalloc(size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, 64, n ? n : 64))
		abort();
	return p;
}

/* ---- a persistent spinning thread pool ---- */

/*
 * Spin briefly, then yield: on an overloaded machine a waiter that only
 * spins keeps the CPU from the thread it waits for.
 */
static void relax(unsigned *spins)
{
	if (++*spins < 4096)
		__builtin_ia32_pause();
	else
		sched_yield();
}

struct pool {
	int nthreads;
	void (*fn)(void *arg, int tid, int nthreads);
	void *arg;
	atomic_uint gen;
	unsigned gen0;		/* gen when the workers started */
	atomic_uint done;
	atomic_int quit;
	pthread_t th[MAX_THREADS];
};

static struct pool pool;

static void *pool_main(void *p)
{
	int tid = (int)(long)p;
	unsigned seen = pool.gen0, spins;

	for (;;) {
		spins = 0;
		while (atomic_load(&pool.gen) == seen && !atomic_load(&pool.quit))
			relax(&spins);
		if (atomic_load(&pool.quit))
			return NULL;
		seen = atomic_load(&pool.gen);
		pool.fn(pool.arg, tid, pool.nthreads);
		atomic_fetch_add(&pool.done, 1);
	}
}

static void pool_run(void (*fn)(void *, int, int), void *arg)
{
	unsigned spins = 0;

	pool.fn = fn;
	pool.arg = arg;
	atomic_store(&pool.done, 0);
	atomic_fetch_add(&pool.gen, 1);
	fn(arg, 0, pool.nthreads);
	while (atomic_load(&pool.done) != (unsigned)pool.nthreads - 1)
		relax(&spins);
}

static void pool_start(int n)
{
	int i;

	pool.nthreads = n;
	pool.gen0 = atomic_load(&pool.gen);
	atomic_store(&pool.quit, 0);
	for (i = 1; i < n; i++)
		pthread_create(&pool.th[i], NULL, pool_main, (void *)(long)i);
}

static void pool_stop(void)
{
	int i;

	atomic_store(&pool.quit, 1);
	for (i = 1; i < pool.nthreads; i++)
		pthread_join(pool.th[i], NULL);
}

/* ---- one layer ---- */

struct job {
	const struct npu_kern_ops *ops;
	const struct layer *l;
	struct npu_kern_conv_f32 conv;
	struct npu_kern_dw_f32 dw;
	struct npu_kern_gemm_q8 gq;
	struct npu_kern_conv_q8 cq;
	unsigned oh, ow;
	void *scratch[MAX_THREADS];
};

/* split [0, n) in nt parts, boundaries rounded to @align */
static void part(unsigned n, int tid, int nt, unsigned align, unsigned *a, unsigned *b)
{
	unsigned per = (n + nt - 1) / nt;

	per = (per + align - 1) / align * align;
	*a = tid * per < n ? tid * per : n;
	*b = (tid + 1) * per < n ? (tid + 1) * per : n;
}

static void job_run(void *arg, int tid, int nt)
{
	struct job *j = arg;
	unsigned npix = j->oh * j->ow, a, b;

	switch (j->l->kind) {
	case L_CONV:
		if (npix < 64 * (unsigned)nt) {
			part(j->l->oc, tid, nt, 8, &a, &b);
			j->ops->conv_f32(&j->conv, a, b, 0, npix, j->scratch[tid]);
		} else {
			part(npix, tid, nt, 48, &a, &b);
			j->ops->conv_f32(&j->conv, 0, j->l->oc, a, b, j->scratch[tid]);
		}
		break;
	case L_DW:
		part(j->l->oc, tid, nt, 1, &a, &b);
		j->ops->dw_f32(&j->dw, a, b, 0, j->oh, NULL);
		break;
	case L_GEMM_Q8:
		part(npix, tid, nt, 48, &a, &b);
		j->ops->gemm_q8(&j->gq, 0, j->l->oc, a, b, j->scratch[tid]);
		break;
	case L_CONV_Q8:
		part(npix, tid, nt, 48, &a, &b);
		j->ops->conv_q8(&j->cq, 0, j->l->oc, a, b, j->scratch[tid]);
		break;
	}
}

static double layer_ops(const struct layer *l, unsigned oh, unsigned ow)
{
	unsigned k = l->kind == L_DW ? l->k * l->k : l->c * l->k * l->k;

	return 2.0 * l->oc * oh * ow * k;
}

static double bench_fn(void (*fn)(void *), void *arg, double min_time)
{
	double best = 1e30, t0, t1, start = now();
	int reps = 0;

	fn(arg);	/* warm up */
	do {
		t0 = now();
		fn(arg);
		t1 = now();
		if (t1 - t0 < best)
			best = t1 - t0;
		reps++;
	} while (t1 - start < min_time || reps < 3);
	return best;
}

static void run_pool_job(void *arg)
{
	pool_run(job_run, arg);
}

/* best time of one layer in seconds */
static double bench_layer(const struct npu_kern_ops *ops, const struct layer *l, double min_time)
{
	unsigned oh = (l->h + 2 * l->pad - l->k) / l->sh + 1;
	unsigned ow = (l->w + 2 * l->pad - l->k) / l->sw + 1;
	unsigned kk = l->c * l->k * l->k, i;
	size_t xs = (size_t)l->c * l->h * l->w, ys = (size_t)l->oc * oh * ow;
	int q8 = l->kind == L_GEMM_Q8 || l->kind == L_CONV_Q8;
	float *x = xalloc(4 * xs), *y = xalloc(4 * ys), *bias = xalloc(4 * l->oc);
	float *w = xalloc(4 * (size_t)l->oc * kk), *pw = NULL;
	__s8 *w8 = xalloc((size_t)l->oc * kk);
	__s32 *bias8 = xalloc(4 * l->oc);
	void *pw8 = NULL;
	struct job j;
	double t;
	int n;

	memset(&j, 0, sizeof(j));
	for (i = 0; i < xs; i++)
		x[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
	for (i = 0; i < l->oc * kk; i++) {
		w[i] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
		w8[i] = (__s8)(i * 31);
	}
	for (i = 0; i < l->oc; i++) {
		bias[i] = 0.1f;
		bias8[i] = 100;
	}
	j.ops = ops;
	j.l = l;
	j.oh = oh;
	j.ow = ow;
	if (l->kind == L_CONV) {
		pw = xalloc(npu_kern_pack_f32_size(l->oc, kk));
		npu_kern_pack_f32(pw, w, kk, 1, l->oc, kk);
		j.conv = (struct npu_kern_conv_f32){
			.w = pw, .bias = bias, .x = x, .y = y, .c = l->c, .h = l->h, .iw = l->w,
			.oc = l->oc, .oh = oh, .ow = ow, .kh = l->k, .kw = l->k,
			.stride_h = l->sh, .stride_w = l->sw, .dil_h = 1, .dil_w = 1,
			.pad_top = l->pad, .pad_left = l->pad,
			.act = { .type = NPU_KERN_ACT_HARD_SWISH },
		};
	} else if (l->kind == L_DW) {
		j.dw = (struct npu_kern_dw_f32){
			.x = x, .w = w, .bias = bias, .y = y, .c = l->c, .mult = 1, .h = l->h,
			.iw = l->w, .oh = oh, .ow = ow, .kh = l->k, .kw = l->k,
			.stride_h = l->sh, .stride_w = l->sw, .dil_h = 1, .dil_w = 1,
			.pad_top = l->pad, .pad_left = l->pad,
			.act = { .type = NPU_KERN_ACT_HARD_SWISH },
		};
	} else {
		struct npu_kern_q8 q = {
			.bias = bias8, .x = x, .y = y, .zx = 3, .zy = 128, .lo = 0, .hi = 255,
			.sx = 0.02, .sy = 0.1, .sw = 0.01,
		};

		pw8 = xalloc(npu_kern_pack_q8_size(l->oc, kk));
		npu_kern_pack_q8(pw8, w8, kk, 1, l->oc, kk);
		q.w = pw8;
		j.gq = (struct npu_kern_gemm_q8){
			.q = q, .b_ks = (long)l->h * l->w, .b_ns = 1, .c_ms = (long)oh * ow,
			.c_ns = 1, .m = l->oc, .n = oh * ow, .k = l->c,
		};
		j.cq = (struct npu_kern_conv_q8){
			.q = q, .c = l->c, .h = l->h, .iw = l->w, .oc = l->oc, .oh = oh, .ow = ow,
			.kh = l->k, .kw = l->k, .stride_h = l->sh, .stride_w = l->sw,
			.dil_h = 1, .dil_w = 1, .pad_top = l->pad, .pad_left = l->pad,
		};
	}
	for (n = 0; n < pool.nthreads; n++)
		j.scratch[n] = xalloc(npu_kern_scratch_size(q8 ? NPU_KERN_GEMM_Q8 : NPU_KERN_GEMM_F32,
							    kk));
	t = bench_fn(run_pool_job, &j, min_time);
	for (n = 0; n < pool.nthreads; n++)
		free(j.scratch[n]);
	free(x);
	free(y);
	free(bias);
	free(w);
	free(pw);
	free(w8);
	free(bias8);
	free(pw8);
	return t;
}

/* ---- peak references ---- */

/*
 * 24 independent register chains, 8 instructions per loop iteration line:
 * the throughput limit of the vector unit, independent of the compiler.
 */
#define PEAK_LOOP(OP)								\
	asm volatile("1:\n\t"							\
		     REPEAT24(OP)						\
		     "dec %0\n\t"						\
		     "jnz 1b\n\t"						\
		     : "+r"(n) : : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",	\
		       "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",	\
		       "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17",	\
		       "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23")
#define R(OP, i) OP " %%zmm30, %%zmm31, %%zmm" #i "\n\t"
#define REPEAT24(OP) R(OP, 0) R(OP, 1) R(OP, 2) R(OP, 3) R(OP, 4) R(OP, 5)	\
	R(OP, 6) R(OP, 7) R(OP, 8) R(OP, 9) R(OP, 10) R(OP, 11) R(OP, 12)	\
	R(OP, 13) R(OP, 14) R(OP, 15) R(OP, 16) R(OP, 17) R(OP, 18) R(OP, 19)	\
	R(OP, 20) R(OP, 21) R(OP, 22) R(OP, 23)

__attribute__((target("avx512f"))) static void fma_peak_avx512(void *arg)
{
	long n = *(long *)arg;

	asm volatile("vxorps %%xmm30, %%xmm30, %%xmm30\n\tvxorps %%xmm31, %%xmm31, %%xmm31"
		     ::: "xmm30", "xmm31");
	PEAK_LOOP("vfmadd231ps");
}

__attribute__((target("avx512f"))) static void vnni_peak(void *arg)
{
	long n = *(long *)arg;

	asm volatile("vpxord %%zmm30, %%zmm30, %%zmm30\n\tvpxord %%zmm31, %%zmm31, %%zmm31"
		     ::: "xmm30", "xmm31");
	PEAK_LOOP("vpdpbusd");
}

/* ---- square GEMMs, ours and the libraries' ---- */

typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
			       const float *, int, float, float *, int);
typedef int (*dnnl_sgemm_fn)(char, char, long, long, long, float, const float *, long,
			     const float *, long, float, float *, long);
typedef int (*dnnl_u8s8_fn)(char, char, char, long, long, long, float, const unsigned char *,
			    long, unsigned char, const signed char *, long, signed char, float,
			    int *, long, const int *);

struct sq {
	int n;
	float *a, *b, *c, *pa;
	unsigned char *a8;
	signed char *b8;
	void *pw8;
	int *c32;
	unsigned char *c8;
	const struct npu_kern_ops *ops;
	struct npu_kern_gemm_f32 g;
	struct npu_kern_gemm_q8 gq;
	void *scratch[MAX_THREADS];
	cblas_sgemm_fn cblas;
	dnnl_sgemm_fn dsgemm;
	dnnl_u8s8_fn du8;
};

static void sq_ours(void *arg, int tid, int nt)
{
	struct sq *s = arg;
	unsigned a, b;

	part(s->n, tid, nt, 48, &a, &b);
	s->ops->gemm_f32(&s->g, 0, s->n, a, b, s->scratch[tid]);
}

static void sq_ours_q8(void *arg, int tid, int nt)
{
	struct sq *s = arg;
	unsigned a, b;

	part(s->n, tid, nt, 48, &a, &b);
	s->ops->gemm_q8(&s->gq, 0, s->n, a, b, s->scratch[tid]);
}

static void sq_run_ours(void *arg)
{
	pool_run(sq_ours, arg);
}

static void sq_run_ours_q8(void *arg)
{
	pool_run(sq_ours_q8, arg);
}

static void sq_run_cblas(void *arg)
{
	struct sq *s = arg;

	/* row-major (101), no transpose (111) */
	s->cblas(101, 111, 111, s->n, s->n, s->n, 1.0f, s->a, s->n, s->b, s->n, 0.0f, s->c, s->n);
}

static void sq_run_dnnl(void *arg)
{
	struct sq *s = arg;

	s->dsgemm('N', 'N', s->n, s->n, s->n, 1.0f, s->a, s->n, s->b, s->n, 0.0f, s->c, s->n);
}

static void sq_run_dnnl_u8(void *arg)
{
	struct sq *s = arg;
	int co = 0;

	/* C = W (s8, as B) x X: dnnl computes A(u8) x B(s8); use X^T x W^T */
	s->du8('N', 'N', 'F', s->n, s->n, s->n, 1.0f, s->a8, s->n, 0, s->b8, s->n, 0, 0.0f,
	       s->c32, s->n, &co);
}

static const char *opt_json;
static FILE *jf;
static int jfirst = 1;

static void emit(const char *group, const char *name, const char *impl, int threads, double secs,
		 double ops, const char *unit)
{
	printf("  %-22s %-18s %dT %9.3f ms %8.1f %s\n", name, impl, threads, secs * 1e3,
	       ops / secs * 1e-9, unit);
	if (jf) {
		fprintf(jf, "%s\n  {\"group\": \"%s\", \"name\": \"%s\", \"impl\": \"%s\", \"threads\": %d, \"ms\": %.4f, \"g%s\": %.2f}",
			jfirst ? "" : ",", group, name, impl, threads, secs * 1e3,
			unit[1] == 'F' ? "flops" : "ops", ops / secs * 1e-9);
		jfirst = 0;
	}
}

static void print_load(const char *when)
{
	double l[3];

	if (getloadavg(l, 3) == 3)
		printf("# load average %s: %.2f %.2f %.2f (%ld CPUs online)\n", when, l[0], l[1], l[2],
		       sysconf(_SC_NPROCESSORS_ONLN));
}

static void bench_square(int n, const struct npu_kern_ops **ops, int nops, int threads,
			 double min_time)
{
	void *hb = dlopen("libopenblas.so.0", RTLD_NOW);
	void *hd = dlopen("libdnnl.so.2", RTLD_NOW);
	struct sq s;
	char name[32];
	double flops = 2.0 * n * n * n, t;
	long i;
	int o, th;

	if (!hb)
		hb = dlopen("/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0", RTLD_NOW);
	memset(&s, 0, sizeof(s));
	s.n = n;
	s.a = xalloc(4L * n * n);
	s.b = xalloc(4L * n * n);
	s.c = xalloc(4L * n * n);
	s.a8 = xalloc((size_t)n * n);
	s.b8 = xalloc((size_t)n * n);
	s.c32 = xalloc(4L * n * n);
	s.c8 = xalloc((size_t)n * n);
	for (i = 0; i < (long)n * n; i++) {
		s.a[i] = (float)(i % 13) * 0.1f;
		s.b[i] = (float)(i % 7) * 0.1f;
		s.a8[i] = (unsigned char)(i * 7);
		s.b8[i] = (signed char)(i * 13);
	}
	s.pa = xalloc(npu_kern_pack_f32_size(n, n));
	npu_kern_pack_f32(s.pa, s.a, n, 1, n, n);
	s.pw8 = xalloc(npu_kern_pack_q8_size(n, n));
	npu_kern_pack_q8(s.pw8, s.b8, n, 1, n, n);
	s.g = (struct npu_kern_gemm_f32){
		.w = s.pa, .b = s.b, .b_ks = n, .b_ns = 1, .c = s.c, .c_ms = n, .c_ns = 1,
		.m = n, .n = n, .k = n,
	};
	s.gq = (struct npu_kern_gemm_q8){
		.q = { .w = s.pw8, .x = s.a8, .y = s.c8, .zx = 0, .zy = 0, .lo = 0, .hi = 255,
		       .sx = 0.01, .sy = 1, .sw = 0.01 },
		.b_ks = n, .b_ns = 1, .c_ms = n, .c_ns = 1, .m = n, .n = n, .k = n,
	};
	sprintf(name, "sgemm %d^3", n);
	for (o = 0; o < nops; o++) {
		s.ops = ops[o];
		for (th = 0; th < pool.nthreads; th++)
			s.scratch[th] = xalloc(npu_kern_scratch_size(NPU_KERN_GEMM_F32, n));
		t = bench_fn(sq_run_ours, &s, min_time);
		emit("square", name, ops[o]->name, threads, t, flops, "GFLOP/s");
		for (th = 0; th < pool.nthreads; th++)
			free(s.scratch[th]);
	}
	if (hb) {
		void (*set)(int) = (void (*)(int))dlsym(hb, "openblas_set_num_threads");
		char *(*core)(void) = (char *(*)(void))dlsym(hb, "openblas_get_corename");

		s.cblas = (cblas_sgemm_fn)dlsym(hb, "cblas_sgemm");
		if (set)
			set(threads);
		if (s.cblas) {
			t = bench_fn(sq_run_cblas, &s, min_time);
			emit("square", "sgemm", core ? core() : "openblas", threads, t, flops,
			     "GFLOP/s");
		}
	} else {
		printf("  (OpenBLAS not installed: apt-get install libopenblas0-pthread)\n");
	}
	if (hd) {
		void (*setn)(int) = (void (*)(int))dlsym(hd, "omp_set_num_threads");

		if (setn)
			setn(threads);
		s.dsgemm = (dnnl_sgemm_fn)dlsym(hd, "dnnl_sgemm");
		s.du8 = (dnnl_u8s8_fn)dlsym(hd, "dnnl_gemm_u8s8s32");
		if (s.dsgemm) {
			t = bench_fn(sq_run_dnnl, &s, min_time);
			emit("square", "sgemm", "onednn", threads, t, flops, "GFLOP/s");
		}
	} else {
		printf("  (oneDNN not installed: apt-get install libdnnl2)\n");
	}
	sprintf(name, "u8s8 gemm %d^3", n);
	for (o = 0; o < nops; o++) {
		s.ops = ops[o];
		for (th = 0; th < pool.nthreads; th++)
			s.scratch[th] = xalloc(npu_kern_scratch_size(NPU_KERN_GEMM_Q8, n));
		t = bench_fn(sq_run_ours_q8, &s, min_time);
		emit("square", name, ops[o]->name, threads, t, flops, "GOP/s");
		for (th = 0; th < pool.nthreads; th++)
			free(s.scratch[th]);
	}
	if (s.du8) {
		t = bench_fn(sq_run_dnnl_u8, &s, min_time);
		emit("square", name, "onednn", threads, t, flops, "GOP/s");
	}
	free(s.a);
	free(s.b);
	free(s.c);
	free(s.a8);
	free(s.b8);
	free(s.c32);
	free(s.c8);
	free(s.pa);
	free(s.pw8);
}

static void bench_model(const char *group, const struct layer *layers,
			const struct npu_kern_ops **ops, int nops, int threads, double min_time,
			int verbose)
{
	double total[8] = { 0 }, flops = 0, t;
	const struct layer *l;
	int o;

	printf("# %s, %d thread(s): best of repeated runs per layer (x count in the model)\n",
	       group, threads);
	for (l = layers; l->name; l++) {
		unsigned oh = (l->h + 2 * l->pad - l->k) / l->sh + 1;
		unsigned ow = (l->w + 2 * l->pad - l->k) / l->sw + 1;
		double f = layer_ops(l, oh, ow);
		const char *unit = l->kind == L_GEMM_Q8 || l->kind == L_CONV_Q8 ? "GOP/s" : "GFLOP/s";

		flops += f * l->count;
		for (o = 0; o < nops; o++) {
			if (ops[o]->isa == NPU_KERN_ISA_SCALAR && f * l->count > 3e8)
				continue;	/* too slow to be worth the wait */
			t = bench_layer(ops[o], l, min_time);
			total[o] += t * l->count;
			if (verbose)
				emit(group, l->name, ops[o]->name, threads, t, f, unit);
		}
	}
	for (o = 0; o < nops; o++)
		printf("  %-22s %-18s %dT %9.3f ms %8.1f GFLOP/s (sum of the layers above%s)\n",
		       "TOTAL", ops[o]->name, threads, total[o] * 1e3, flops / total[o] * 1e-9,
		       ops[o]->isa == NPU_KERN_ISA_SCALAR ? ", large layers skipped" : "");
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kern_bench [options]\n"
		"  --isa LIST      levels: scalar,avx2,avx512,avx512vnni (default: all but scalar)\n"
		"  --exact         also the EXACT tables (unfused multiply-add)\n"
		"  --threads LIST  thread counts (default 1,2)\n"
		"  --what LIST     peak,square,cls,det,int8 (default all)\n"
		"  --size N        square GEMM size (default 1024)\n"
		"  --time MS       measuring time per figure (default 200)\n"
		"  --summary       model totals only\n"
		"  --json FILE     also write the figures as JSON\n"
		"  --help, --version\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "isa", 1, NULL, 'i' }, { "exact", 0, NULL, 'e' }, { "threads", 1, NULL, 't' },
		{ "what", 1, NULL, 'w' }, { "size", 1, NULL, 's' }, { "time", 1, NULL, 'm' },
		{ "summary", 0, NULL, 'S' }, { "json", 1, NULL, 'j' }, { "help", 0, NULL, 'h' },
		{ "version", 0, NULL, 'V' }, { NULL, 0, NULL, 0 },
	};
	const char *isas = NULL, *threads = "1,2", *what = "peak,square,cls,det,int8";
	const struct npu_kern_ops *ops[16];
	int nops = 0, exact = 0, size = 1024, verbose = 1, c, nt, e;
	double min_time = 0.2;
	__u32 cpu = npu_kern_cpu_isa(), i;
	char buf[64], *tok, *save;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'i': isas = optarg; break;
		case 'e': exact = 1; break;
		case 't': threads = optarg; break;
		case 'w': what = optarg; break;
		case 's': size = atoi(optarg); break;
		case 'm': min_time = atof(optarg) / 1e3; break;
		case 'S': verbose = 0; break;
		case 'j': opt_json = optarg; break;
		case 'V': puts("kern_bench (npu) 1"); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	for (i = 0; i <= cpu; i++) {
		int want = isas ? 0 : i != NPU_KERN_ISA_SCALAR;

		if (isas) {
			snprintf(buf, sizeof(buf), "%s", isas);
			for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				want |= !strcmp(tok, npu_kern_isa_name(i));
		}
		for (e = 0; want && e <= exact; e++) {
			const struct npu_kern_ops *o = npu_kern_select(i, e ? NPU_KERN_EXACT : 0);

			if (nops < 16 && (!nops || ops[nops - 1] != o))
				ops[nops++] = o;
		}
	}
	if (!nops) {
		fprintf(stderr, "kern_bench: no level of --isa %s on this CPU (best: %s)\n",
			isas, npu_kern_isa_name(cpu));
		return 2;
	}
	if (opt_json) {
		jf = fopen(opt_json, "w");
		if (!jf) {
			perror(opt_json);
			return 1;
		}
		fprintf(jf, "[");
	}
	printf("# kern_bench: CPU level %s\n", npu_kern_isa_name(cpu));
	print_load("at start");
	snprintf(buf, sizeof(buf), "%s", threads);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		nt = atoi(tok);
		if (nt < 1 || nt > MAX_THREADS)
			continue;
		pool_start(nt);
		if (strstr(what, "peak")) {
			long iters = 2000000;
			double t;

			printf("# peak: 24 independent FMA/VPDPBUSD chains per thread\n");
			if (cpu >= NPU_KERN_ISA_AVX512) {
				t = bench_fn(fma_peak_avx512, &iters, min_time);
				emit("peak", "fma zmm", "asm-loop", 1, t, 2.0 * 16 * 24 * iters,
				     "GFLOP/s");
			}
			if (cpu >= NPU_KERN_ISA_AVX512_VNNI) {
				t = bench_fn(vnni_peak, &iters, min_time);
				emit("peak", "vpdpbusd zmm", "asm-loop", 1, t, 2.0 * 64 * 24 * iters,
				     "GOP/s");
			}
		}
		if (strstr(what, "square")) {
			printf("# square GEMM, %d thread(s)\n", nt);
			bench_square(size, ops, nops, nt, min_time);
		}
		if (strstr(what, "cls"))
			bench_model("cls", cls_layers, ops, nops, nt, min_time / 4, verbose);
		if (strstr(what, "det"))
			bench_model("det", det_layers, ops, nops, nt, min_time, verbose);
		if (strstr(what, "int8")) {
			const struct npu_kern_ops *q[16];
			int nq = 0, o;

			for (o = 0; o < nops; o++)
				if (!(ops[o]->flags & NPU_KERN_EXACT) || ops[o]->isa == 0)
					q[nq++] = ops[o];
			bench_model("int8", q8_layers, q, nq, nt, min_time, verbose);
		}
		pool_stop();
	}
	print_load("at end");
	if (jf) {
		fprintf(jf, "\n]\n");
		fclose(jf);
	}
	return 0;
}

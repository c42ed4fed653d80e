// SPDX-License-Identifier: GPL-2.0-only
/*
 * npu-bench-submit - the measurements of `tools/npu-bench submit`: the
 * submission paths of one device, run one after the other in one process
 * (inside the test VM for the accel backend), written as JSON.
 *
 * For a small job (64x64 F32 GEMM) and an empty-ish one (a 1-element
 * RELU), each path runs the same npu_job:
 *   ioctl_qd1        npu_job_submit() + npu_job_wait() per job: latency
 *                    p50/p99 and jobs/s
 *   ioctl_pipelined  --pipeline submits, then one wait for the last: jobs/s
 *   uring_qd1_inline npu_queue_submit() (DRM_NPU_URING_CMD_SUBMIT_INLINE)
 *                    and npu_queue_poll() for its CQE: latency p50/p99
 *   uring_qd1_count1 the same with NPU_QUEUE_NO_INLINE (SUBMIT, count 1)
 *   uring_batch32, uring_batch128
 *                    npu_queue_submit_batch() of 32 / 128 jobs, 4 batches in
 *                    flight, on a DEFER_TASKRUN ring: jobs/s
 * The throughput paths cycle through 128 copies of the job, each with its
 * own BO, so that jobs do not wait for each other through implicit BO
 * synchronisation (after the timed part, every BO must be idle).
 * The QD1 paths take turns job by job, the throughput paths in 8 rounds,
 * so that other load on the machine (the VM is TCG on a shared host) hits
 * every path alike.
 * Then SEND_ZC (npu_queue_send() from a BO mapping) against send() of
 * the same bytes and against memcpy() into a buffer + send(), over
 * loopback TCP to a child process that drains the socket, for 64 KiB,
 * 1 MiB and 8 MiB: CPU time of this process (CLOCK_PROCESS_CPUTIME_ID,
 * every thread, io-wq workers included) per byte.
 *
 * Every figure is measured by this run; they are only comparable with each
 * other (ratios), not across machines or runs (TCG in the VM).
 *
 * Exit status: 0, 1 (error), 2 (usage), 3 (no device).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <npu/npu.h>

#define NSEC	1000000000LL

struct opts {
	uint32_t backend;
	unsigned int iters;	/* QD1 samples per path */
	unsigned int jobs;	/* jobs per throughput path */
	unsigned int pipeline;	/* ioctl submits before the wait */
	unsigned int send_reps_max;
	const char *json;
	bool no_send;
};

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * NSEC + ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "npu-bench-submit: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* nearest-rank percentile of sorted @v */
static double pct_us(const int64_t *v, unsigned int n, double p)
{
	unsigned int k = (unsigned int)(p / 100.0 * n + 0.999999);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1] / 1e3;
}

/* ------------------------------------------------------------------ */

/* independent copies of each job (own BO): the throughput paths cycle them */
#define NSET	DRM_NPU_URING_MAX_BATCH

struct kind {
	const char *name;
	const char *desc;
	struct npu_job *jobs[NSET];
	struct npu_bo *bos[NSET];
	struct npu_job *job;	/* jobs[0], for QD1 */
};

static int add_tensor(struct npu_job *job, struct npu_bo *bo, uint64_t off,
		      uint32_t ndim, uint32_t d0, uint32_t d1)
{
	NPU_OPTS(npu_tensor_desc, t, .bo = bo, .offset = off,
		 .dtype = NPU_DTYPE_F32, .ndim = ndim, .shape = { d0, d1 });

	return npu_job_add_tensor(job, &t);
}

static struct npu_job *make_gemm(struct npu_device *dev, struct npu_bo **bop)
{
	const uint32_t n = 64, bytes = n * n * 4;
	struct npu_job *job;
	struct npu_bo *bo;
	int ta, tb, ty;
	float *p;

	bo = npu_bo_alloc(dev, 3 * bytes, 0);
	if (!bo)
		die("npu_bo_alloc", errno);
	p = npu_bo_map(bo);
	if (!p)
		die("npu_bo_map", errno);
	for (uint32_t i = 0; i < 2 * n * n; i++)
		p[i] = (float)((int)(i % 13) - 6) / 8.0f;
	job = npu_job_new(dev);
	if (!job)
		die("npu_job_new", errno);
	ta = add_tensor(job, bo, 0, 2, n, n);
	tb = add_tensor(job, bo, bytes, 2, n, n);
	ty = add_tensor(job, bo, 2 * bytes, 2, n, n);
	if (ta < 0 || tb < 0 || ty < 0 ||
	    npu_job_op_gemm(job, ta, tb, NPU_NO_TENSOR, ty, NULL) < 0)
		die("building the GEMM job", errno);
	*bop = bo;
	return job;
}

static struct npu_job *make_relu(struct npu_device *dev, struct npu_bo **bop)
{
	struct npu_job *job;
	struct npu_bo *bo;
	int tx, ty;

	bo = npu_bo_alloc(dev, 4096, 0);
	if (!bo)
		die("npu_bo_alloc", errno);
	job = npu_job_new(dev);
	if (!job)
		die("npu_job_new", errno);
	tx = add_tensor(job, bo, 0, 1, 1, 0);
	ty = add_tensor(job, bo, 64, 1, 1, 0);
	if (tx < 0 || ty < 0 || npu_job_op_relu(job, tx, ty) < 0)
		die("building the RELU job", errno);
	*bop = bo;
	return job;
}

static void make_kind(struct npu_device *dev, struct kind *k, bool gemm)
{
	for (int i = 0; i < NSET; i++)
		k->jobs[i] = gemm ? make_gemm(dev, &k->bos[i]) :
				    make_relu(dev, &k->bos[i]);
	k->job = k->jobs[0];
	k->name = gemm ? "gemm64" : "relu1";
	k->desc = gemm ? "64x64 F32 GEMM" : "1-element F32 RELU";
}

/* ------------------------------------------------------------------ */

struct lat {
	double p50_us, p99_us, mean_us, jobs_per_s;
	unsigned int n;
};

static void lat_from(struct lat *l, int64_t *v, unsigned int n, int64_t total)
{
	double sum = 0;

	qsort(v, n, sizeof(*v), cmp_i64);
	for (unsigned int i = 0; i < n; i++)
		sum += (double)v[i];
	l->n = n;
	l->p50_us = pct_us(v, n, 50);
	l->p99_us = pct_us(v, n, 99);
	l->mean_us = sum / n / 1e3;
	l->jobs_per_s = n / ((double)total / NSEC);
}

struct cbstate {
	unsigned int done;
	int err;
};

static void count_cb(struct npu_queue *q, int result, uint64_t seqno,
		     void *user)
{
	struct cbstate *s = user;

	(void)q;
	(void)seqno;
	if (result < 0 && !s->err)
		s->err = result;
	s->done++;
}

static struct npu_queue *queue(struct npu_device *dev, unsigned int depth,
			       uint32_t flags, int *ring_flags)
{
	struct npu_queue *q = npu_queue_create(dev, depth, flags);

	if (!q)
		die("npu_queue_create", errno);
	*ring_flags = npu_queue_ring_flags(q);
	return q;
}

/* one job through path @p (0 ioctl, 1 uring inline, 2 uring count 1) */
static void qd1_one(struct kind *k, int p, struct npu_queue *qi,
		    struct npu_queue *qc)
{
	struct cbstate s = { 0 };
	struct npu_queue *q = p == 1 ? qi : qc;
	int ret;

	if (p == 0) {
		ret = npu_job_submit(k->job, NULL);
		if (!ret)
			ret = npu_job_wait(k->job, NPU_TIMEOUT_INFINITE);
		if (ret)
			die("ioctl submit+wait", ret);
		return;
	}
	ret = npu_queue_submit(q, k->job, count_cb, &s);
	if (ret)
		die("npu_queue_submit", ret);
	ret = npu_queue_poll(q, 1, NPU_TIMEOUT_INFINITE);
	if (ret != 1)
		die("npu_queue_poll", ret < 0 ? ret : -EPROTO);
	if (s.err)
		die("uring job", s.err);
}

/*
 * QD1: the three paths take turns, one job each, starting with a different
 * one each round, so that other load on the machine hits them alike.
 */
static void qd1_paths(struct npu_device *dev, struct kind *k,
		      unsigned int iters, struct lat out[3], int *rf_inline,
		      int *rf_count1)
{
	struct npu_queue *qi = queue(dev, 4, 0, rf_inline);
	struct npu_queue *qc = queue(dev, 4, NPU_QUEUE_NO_INLINE, rf_count1);
	int64_t *v[3], total[3] = { 0 }, t0, dt;

	for (int p = 0; p < 3; p++) {
		v[p] = calloc(iters, sizeof(*v[p]));
		if (!v[p])
			die("calloc", ENOMEM);
	}
	for (unsigned int i = 0; i < iters; i++) {
		for (int j = 0; j < 3; j++) {
			int p = (int)((i + (unsigned int)j) % 3);

			t0 = now_ns(CLOCK_MONOTONIC);
			qd1_one(k, p, qi, qc);
			dt = now_ns(CLOCK_MONOTONIC) - t0;
			v[p][i] = dt;
			total[p] += dt;
		}
	}
	for (int p = 0; p < 3; p++) {
		lat_from(&out[p], v[p], iters, total[p]);
		free(v[p]);
	}
	npu_queue_destroy(qi);
	npu_queue_destroy(qc);
}

/* @n jobs as pipelined ioctls: @pipeline submits, one wait; ns taken */
static int64_t ioctl_pipelined(struct npu_device *dev, struct kind *k,
			       unsigned int n, unsigned int pipeline)
{
	unsigned int done = 0, m, i;
	uint64_t seqno = 0;
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	int ret;

	while (done < n) {
		m = n - done < pipeline ? n - done : pipeline;
		for (i = 0; i < m; i++) {
			ret = npu_job_submit(k->jobs[i % NSET], &seqno);
			if (ret)
				die("ioctl submit", ret);
		}
		ret = npu_device_wait(dev, seqno, NPU_TIMEOUT_INFINITE);
		if (ret)
			die("ioctl wait", ret);
		done += m;
	}
	t0 = now_ns(CLOCK_MONOTONIC) - t0;
	for (i = 0; i < NSET; i++) {
		ret = npu_bo_wait(k->bos[i], 0);
		if (ret)
			die("pipelined jobs not all done after the wait for the last", ret);
	}
	return t0;
}

#define BATCHES_IN_FLIGHT	4

/* @n jobs (a multiple of @batch) as batches, 4 in flight; ns taken */
static int64_t uring_batch(struct npu_queue *q, struct kind *k, unsigned int n,
			   unsigned int batch)
{
	struct npu_job *arr[DRM_NPU_URING_MAX_BATCH];
	unsigned int queued = 0, nb = n / batch;
	struct cbstate s = { 0 };
	int64_t t0;
	int ret;

	for (unsigned int i = 0; i < batch; i++)
		arr[i] = k->jobs[i];
	t0 = now_ns(CLOCK_MONOTONIC);
	while (s.done < nb) {
		while (queued < nb && queued - s.done < BATCHES_IN_FLIGHT) {
			ret = npu_queue_submit_batch(q, arr, batch, count_cb, &s);
			if (ret)
				die("npu_queue_submit_batch", ret);
			queued++;
		}
		ret = npu_queue_poll(q, 1, NPU_TIMEOUT_INFINITE);
		if (ret < 0)
			die("npu_queue_poll", ret);
	}
	if (s.err)
		die("uring batch", s.err);
	return now_ns(CLOCK_MONOTONIC) - t0;
}

#define THROUGHPUT_ROUNDS	8

/*
 * Throughput: the three paths take turns in THROUGHPUT_ROUNDS rounds of
 * @jobs / rounds jobs each (a multiple of 128).
 */
static void throughput_paths(struct npu_device *dev, struct kind *k,
			     unsigned int jobs, unsigned int pipeline,
			     double out[3], int *rf_batch)
{
	struct npu_queue *q = queue(dev, BATCHES_IN_FLIGHT, 0, rf_batch);
	unsigned int per = jobs / THROUGHPUT_ROUNDS / 128 * 128;
	int64_t total[3] = { 0 };

	if (per < 128)
		per = 128;
	for (unsigned int r = 0; r < THROUGHPUT_ROUNDS; r++) {
		for (int j = 0; j < 3; j++) {
			int p = (int)((r + (unsigned int)j) % 3);

			if (p == 0)
				total[0] += ioctl_pipelined(dev, k, per, pipeline);
			else
				total[p] += uring_batch(q, k, per, p == 1 ? 32 : 128);
		}
	}
	for (int p = 0; p < 3; p++)
		out[p] = (double)per * THROUGHPUT_ROUNDS / ((double)total[p] / NSEC);
	npu_queue_destroy(q);
}

/* ------------------------------------------------------------------ */
/* Sends                                                               */
/* ------------------------------------------------------------------ */

/* a connected loopback TCP pair: [0] ours, [1] the peer's */
static void tcp_pair(int fds[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int l;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (void *)&a, &alen))
		die("loopback listener", errno);
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fds[0] < 0 || connect(fds[0], (void *)&a, sizeof(a)))
		die("connect", errno);
	fds[1] = accept(l, NULL, NULL);
	if (fds[1] < 0)
		die("accept", errno);
	close(l);
}

/* a child that reads and drops everything until EOF */
static pid_t drain_child(int fds[2])
{
	static char buf[1 << 16];
	pid_t pid = fork();

	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		close(fds[0]);
		while (recv(fds[1], buf, sizeof(buf), 0) > 0)
			;
		_exit(0);
	}
	close(fds[1]);
	return pid;
}

static void send_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t n = send(fd, c, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("send", errno);
		c += n;
		len -= (size_t)n;
	}
}

struct sendres {
	uint64_t size;
	unsigned int reps;
	double zc_ns_per_byte, send_ns_per_byte, copy_ns_per_byte;
	double zc_ms, send_ms, copy_ms;	/* wall per rep */
	int zc_error;
};

static void bench_send(struct npu_device *dev, uint64_t size, unsigned int reps,
		       struct sendres *r)
{
	struct cbstate s = { 0 };
	struct npu_queue *q;
	struct npu_bo *bo;
	int64_t c0, w0;
	int fds[2], st;
	pid_t child;
	char *staging, *map;
	int ret;

	memset(r, 0, sizeof(*r));
	r->size = size;
	r->reps = reps;
	bo = npu_bo_alloc(dev, size, 0);
	if (!bo)
		die("npu_bo_alloc", errno);
	map = npu_bo_map(bo);
	staging = malloc(size);
	if (!map || !staging)
		die("npu_bo_map/malloc", errno ? errno : ENOMEM);
	for (uint64_t i = 0; i < size; i++)
		map[i] = (char)(i * 7);
	tcp_pair(fds);
	child = drain_child(fds);
	q = npu_queue_create(dev, 4, 0);
	if (!q)
		die("npu_queue_create", errno);

	/* warm-up of each path, then the timed reps */
	send_all(fds[0], map, size);
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	w0 = now_ns(CLOCK_MONOTONIC);
	for (unsigned int i = 0; i < reps; i++)
		send_all(fds[0], map, size);
	r->send_ns_per_byte = (double)(now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / ((double)size * reps);
	r->send_ms = (double)(now_ns(CLOCK_MONOTONIC) - w0) / 1e6 / reps;

	memcpy(staging, map, size);
	send_all(fds[0], staging, size);
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	w0 = now_ns(CLOCK_MONOTONIC);
	for (unsigned int i = 0; i < reps; i++) {
		memcpy(staging, map, size);
		send_all(fds[0], staging, size);
	}
	r->copy_ns_per_byte = (double)(now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / ((double)size * reps);
	r->copy_ms = (double)(now_ns(CLOCK_MONOTONIC) - w0) / 1e6 / reps;

	for (unsigned int i = 0; i <= reps; i++) {
		if (i == 1) {
			c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
			w0 = now_ns(CLOCK_MONOTONIC);
		}
		ret = npu_queue_send(q, bo, 0, size, fds[0], 0, count_cb, &s);
		if (ret)
			die("npu_queue_send", ret);
		ret = npu_queue_poll(q, 1, NPU_TIMEOUT_INFINITE);
		if (ret != 1)
			die("npu_queue_poll", ret < 0 ? ret : -EPROTO);
		if (s.err) {
			r->zc_error = s.err;
			break;
		}
	}
	if (!r->zc_error) {
		r->zc_ns_per_byte = (double)(now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / ((double)size * reps);
		r->zc_ms = (double)(now_ns(CLOCK_MONOTONIC) - w0) / 1e6 / reps;
	}
	npu_queue_destroy(q);
	close(fds[0]);
	waitpid(child, &st, 0);
	free(staging);
	npu_bo_free(bo);
}

/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: npu-bench-submit [--backend accel|host] [--iters N] [--jobs N]\n"
"                        [--pipeline N] [--send-reps N] [--no-send]\n"
"                        [--json FILE]\n"
"Measures the submission paths of one npu device (see tools/npu-bench\n"
"submit, which runs it in the test VM and prints the table).\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "iters", required_argument, NULL, 'i' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "pipeline", required_argument, NULL, 'p' },
		{ "send-reps", required_argument, NULL, 'r' },
		{ "no-send", no_argument, NULL, 'n' },
		{ "json", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct opts o = { .backend = NPU_BACKEND_ACCEL, .iters = 2000,
			  .jobs = 4096, .pipeline = 512, .send_reps_max = 64 };
	static const uint64_t sizes[] = { 64 << 10, 1 << 20, 8 << 20 };
	struct lat qd1[2], inl[2], cnt1[2];
	double pipe[2], b32[2], b128[2];
	int rf_inline = 0, rf_count1 = 0, rf_batch = 0;
	struct sendres sr[3];
	struct kind kinds[2];
	struct npu_device *dev;
	int c, ret;
	FILE *out;

	while ((c = getopt_long(argc, argv, "b:i:j:p:r:no:h", lo, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (!strcmp(optarg, "accel"))
				o.backend = NPU_BACKEND_ACCEL;
			else if (!strcmp(optarg, "host"))
				o.backend = NPU_BACKEND_HOST;
			else
				return usage(stderr), 2;
			break;
		case 'i': o.iters = (unsigned int)atoi(optarg); break;
		case 'j': o.jobs = (unsigned int)atoi(optarg); break;
		case 'p': o.pipeline = (unsigned int)atoi(optarg); break;
		case 'r': o.send_reps_max = (unsigned int)atoi(optarg); break;
		case 'n': o.no_send = true; break;
		case 'o': o.json = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || o.iters < 10 || o.jobs < 128 || !o.pipeline ||
	    o.pipeline > 1000 || !o.send_reps_max) {
		usage(stderr);
		return 2;
	}
	{
		NPU_OPTS(npu_device_opts, dopts, .backend = o.backend);

		dev = npu_device_open(NULL, &dopts);
	}
	if (!dev) {
		fprintf(stderr, "npu-bench-submit: no %s device: %s\n",
			npu_backend_name(o.backend), strerror(errno));
		return errno == ENODEV || errno == ENOENT ? 3 : 1;
	}
	signal(SIGPIPE, SIG_IGN);
	make_kind(dev, &kinds[0], true);
	make_kind(dev, &kinds[1], false);
	for (int k = 0; k < 2; k++) {
		struct kind *kd = &kinds[k];

		/* one warm-up job per path */
		ret = npu_job_submit(kd->job, NULL);
		if (!ret)
			ret = npu_job_wait(kd->job, NPU_TIMEOUT_INFINITE);
		if (ret)
			die("warm-up job", ret);
		progress("%s: QD1 x%u per path (ioctl, uring inline, uring count 1, taking turns) ...",
			 kd->name, o.iters);
		{
			struct lat l[3];

			qd1_paths(dev, kd, o.iters, l, &rf_inline, &rf_count1);
			qd1[k] = l[0];
			inl[k] = l[1];
			cnt1[k] = l[2];
		}
		progress(" throughput x%u per path (pipelined ioctl, batches of 32, of 128, taking turns) ...",
			 o.jobs);
		{
			double t[3];

			throughput_paths(dev, kd, o.jobs, o.pipeline, t, &rf_batch);
			pipe[k] = t[0];
			b32[k] = t[1];
			b128[k] = t[2];
		}
		progress(" done\n");
	}
	if (!o.no_send) {
		for (int i = 0; i < 3; i++) {
			/* about 64 MiB per path and size */
			unsigned int reps = (unsigned int)((64ULL << 20) / sizes[i]);

			if (reps > o.send_reps_max)
				reps = o.send_reps_max;
			if (reps < 4)
				reps = 4;
			progress("send %llu KiB x%u ...",
				 (unsigned long long)(sizes[i] >> 10), reps);
			bench_send(dev, sizes[i], reps, &sr[i]);
			progress(" done\n");
		}
	}

	out = o.json ? fopen(o.json, "w") : stdout;
	if (!out)
		die(o.json, errno);
	fprintf(out, "{\n  \"backend\": \"%s\",\n  \"device\": \"%s\",\n",
		npu_backend_name(o.backend), npu_device_path(dev));
	fprintf(out, "  \"libnpu\": \"%s\",\n  \"iters\": %u,\n  \"jobs\": %u,\n  \"pipeline\": %u,\n",
		npu_version_string(), o.iters, o.jobs, o.pipeline);
	fprintf(out, "  \"ring_flags\": { \"qd1_inline\": %d, \"qd1_count1\": %d, \"batch\": %d },\n",
		rf_inline, rf_count1, rf_batch);
	fprintf(out, "  \"jobs_kinds\": [\n");
	for (int k = 0; k < 2; k++) {
		const struct lat *ls[3] = { &qd1[k], &inl[k], &cnt1[k] };
		static const char *const ln[3] = { "ioctl_qd1", "uring_qd1_inline",
						   "uring_qd1_count1" };

		fprintf(out, "    { \"name\": \"%s\", \"desc\": \"%s\",\n",
			kinds[k].name, kinds[k].desc);
		for (int i = 0; i < 3; i++)
			fprintf(out, "      \"%s\": { \"n\": %u, \"p50_us\": %.3f, \"p99_us\": %.3f, \"mean_us\": %.3f, \"jobs_per_s\": %.1f },\n",
				ln[i], ls[i]->n, ls[i]->p50_us, ls[i]->p99_us,
				ls[i]->mean_us, ls[i]->jobs_per_s);
		fprintf(out, "      \"ioctl_pipelined_jobs_per_s\": %.1f,\n", pipe[k]);
		fprintf(out, "      \"uring_batch32_jobs_per_s\": %.1f,\n", b32[k]);
		fprintf(out, "      \"uring_batch128_jobs_per_s\": %.1f\n    }%s\n",
			b128[k], k ? "" : ",");
	}
	fprintf(out, "  ],\n  \"send\": [");
	for (int i = 0; !o.no_send && i < 3; i++)
		fprintf(out, "%s\n    { \"bytes\": %llu, \"reps\": %u, \"zc_error\": %d, \"zc_cpu_ns_per_byte\": %.5f, \"send_cpu_ns_per_byte\": %.5f, \"memcpy_send_cpu_ns_per_byte\": %.5f, \"zc_ms\": %.3f, \"send_ms\": %.3f, \"memcpy_send_ms\": %.3f }",
			i ? "," : "", (unsigned long long)sr[i].size, sr[i].reps,
			sr[i].zc_error, sr[i].zc_ns_per_byte,
			sr[i].send_ns_per_byte, sr[i].copy_ns_per_byte,
			sr[i].zc_ms, sr[i].send_ms, sr[i].copy_ms);
	fprintf(out, "\n  ]\n}\n");
	if (out != stdout)
		fclose(out);
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < NSET; i++) {
			npu_job_free(kinds[k].jobs[i]);
			npu_bo_free(kinds[k].bos[i]);
		}
	}
	npu_device_close(dev);
	return 0;
}

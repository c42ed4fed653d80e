// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * failslab-loop: BO create + submit + wait loops for the failslab lane of the
 * debug kernel (tests/vm/failslab.sh runs it with /proc/self/make-it-fail set
 * and failslab armed for allocations made from npu.ko's code).
 *
 *   failslab-loop [-n ITERATIONS] [-e ELEMENTS] [-c CLEAN_JOBS]
 *
 * Every iteration: (re)open the device now and then, create an input and an
 * output BO, map them, fill the input, export/import the input as a dma-buf,
 * submit a RELU job (half of them with an out-syncobj), wait for it, check
 * the result, free everything.  Any call may fail while allocations are
 * being failed, but only with ENOMEM (BO_CREATE also with ENOSPC, its
 * documented errno, which shmem returns when it cannot allocate the BO's
 * inode): any other error, a job that finished with an error, or a wrong
 * result is a failure.  Afterwards the program
 * clears its own make-it-fail and runs CLEAN_JOBS jobs that must all
 * succeed with the right result (the driver recovered from every failure).
 *
 * Output: KTAP (2 results) on stdout; exit status 0 when both passed.
 * Needs only the uAPI headers (uapi/) and libdrm's drm.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm.h>
#include <drm/npu_accel.h>
#include <linux/npu_cmd.h>

#define WAIT_NS		(60LL * 1000 * 1000 * 1000)
#define MAX_RETRIES	1000

enum site {
	S_OPEN, S_BO_CREATE, S_BO_INFO, S_MMAP, S_PRIME_EXPORT, S_PRIME_IMPORT,
	S_SYNCOBJ, S_SUBMIT, S_WAIT, S_SYNCOBJ_WAIT, S_COUNT
};
static const char *const site_name[S_COUNT] = {
	"open", "bo_create", "bo_info", "mmap", "prime_export", "prime_import",
	"syncobj_create", "submit", "wait", "syncobj_wait",
};
static unsigned long enomem[S_COUNT];
static unsigned long enospc_bo; /* BO_CREATE: ENOSPC (documented) */
static unsigned long bad; /* failures other than a clean ENOMEM */
static unsigned long bad_errno[S_COUNT][256]; /* unexpected errnos by site */
static int quiet_after = 20; /* print the first few problems only */

static void problem(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
	va_list ap;

	bad++;
	if (quiet_after-- <= 0)
		return;
	printf("# FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* A failed call: ENOMEM is counted, anything else is a problem. Returns -1. */
static int failed(enum site s, int err)
{
	if (err == ENOMEM) {
		enomem[s]++;
	} else if (s == S_BO_CREATE && err == ENOSPC) {
		enospc_bo++;
	} else {
		bad_errno[s][err & 255]++;
		problem("%s: %s (errno %d), expected only ENOMEM", site_name[s],
			strerror(err), err);
	}
	return -1;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? errno : 0;
}

static int is_npu(int fd)
{
	char name[32] = "";
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

	return !xioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "npu");
}

static char dev_path[300];

static int find_device(void)
{
	const char *env = getenv("NPU_DEVICE");
	struct dirent *de;
	DIR *d;
	int fd;

	if (env && *env) {
		snprintf(dev_path, sizeof(dev_path), "%s", env);
		return 0;
	}
	d = opendir("/dev/accel");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "accel", 5))
			continue;
		snprintf(dev_path, sizeof(dev_path), "/dev/accel/%s", de->d_name);
		fd = open(dev_path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (is_npu(fd)) {
			close(fd);
			closedir(d);
			return 0;
		}
		close(fd);
	}
	closedir(d);
	return -1;
}

/* Opening may fail with ENOMEM (npu's open allocates): retry. */
static int open_dev(void)
{
	int i, fd, err;

	for (i = 0; i < MAX_RETRIES; i++) {
		fd = open(dev_path, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		err = errno;
		failed(S_OPEN, err);
		if (err != ENOMEM)
			return -1;
	}
	problem("open: still ENOMEM after %d tries", MAX_RETRIES);
	return -1;
}

struct bo {
	uint32_t handle;
	uint64_t size;
	float *map;
};

static int bo_new(int fd, uint64_t size, struct bo *bo)
{
	struct drm_npu_bo_create c = { .size = size };
	struct drm_npu_bo_info info = { 0 };
	struct drm_gem_close cl = { 0 };
	void *p;
	int err;

	memset(bo, 0, sizeof(*bo));
	err = xioctl(fd, DRM_IOCTL_NPU_BO_CREATE, &c);
	if (err)
		return failed(S_BO_CREATE, err);
	info.handle = c.handle;
	err = xioctl(fd, DRM_IOCTL_NPU_BO_INFO, &info);
	if (err) {
		failed(S_BO_INFO, err);
		goto close;
	}
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 info.offset);
	if (p == MAP_FAILED) {
		failed(S_MMAP, errno);
		goto close;
	}
	bo->handle = c.handle;
	bo->size = info.size;
	bo->map = p;
	return 0;
close:
	cl.handle = c.handle;
	xioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
	return -1;
}

static void bo_free(int fd, struct bo *bo)
{
	struct drm_gem_close cl = { .handle = bo->handle };

	if (bo->map)
		munmap(bo->map, bo->size);
	if (bo->handle && xioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl))
		problem("GEM_CLOSE %u failed", bo->handle);
	memset(bo, 0, sizeof(*bo));
}

/* RELU over n f32 elements: BO 0 -> BO 1. */
struct relu_cs {
	struct npu_cmd_header hdr;
	struct npu_cmd_tensor t[2];
	struct npu_cmd_op op;
};

static void relu_cs_init(struct relu_cs *cs, uint32_t n)
{
	int i;

	memset(cs, 0, sizeof(*cs));
	cs->hdr.magic = NPU_CMD_MAGIC;
	cs->hdr.version = NPU_CMD_VERSION;
	cs->hdr.header_size = sizeof(cs->hdr);
	cs->hdr.size = sizeof(*cs);
	cs->hdr.num_tensors = 2;
	cs->hdr.num_ops = 1;
	cs->hdr.tensor_offset = offsetof(struct relu_cs, t);
	cs->hdr.op_offset = offsetof(struct relu_cs, op);
	for (i = 0; i < 2; i++) {
		cs->t[i].bo_index = i;
		cs->t[i].dtype = NPU_DTYPE_F32;
		cs->t[i].ndim = 1;
		cs->t[i].shape[0] = n;
		cs->t[i].quant_type = NPU_QUANT_NONE;
		cs->t[i].scale_tensor = NPU_CMD_NO_TENSOR;
	}
	cs->op.opcode = NPU_OP_RELU;
	cs->op.num_inputs = 1;
	cs->op.num_outputs = 1;
	for (i = 0; i < NPU_CMD_MAX_INPUTS; i++)
		cs->op.inputs[i] = NPU_CMD_NO_TENSOR;
	for (i = 0; i < NPU_CMD_MAX_OUTPUTS; i++)
		cs->op.outputs[i] = NPU_CMD_NO_TENSOR;
	cs->op.inputs[0] = 0;
	cs->op.outputs[0] = 1;
}

/* Wait for seqno; ENOMEM from the wait itself is retried (the job runs on). */
static int wait_job(int fd, uint64_t seqno)
{
	struct drm_npu_wait w = { .seqno = seqno, .timeout_ns = WAIT_NS };
	int i, err;

	for (i = 0; i < MAX_RETRIES; i++) {
		err = xioctl(fd, DRM_IOCTL_NPU_WAIT, &w);
		if (err != ENOMEM)
			break;
		enomem[S_WAIT]++;
	}
	if (err) {
		problem("WAIT seqno %llu: %s (errno %d): a submitted job must finish "
			"successfully", (unsigned long long)seqno, strerror(err), err);
		return -1;
	}
	return 0;
}

static int syncobj_wait(int fd, uint32_t h)
{
	struct drm_syncobj_wait w = {
		.handles = (uintptr_t)&h, .count_handles = 1,
		.timeout_nsec = INT64_MAX,
		.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
	};
	int i, err;

	for (i = 0; i < MAX_RETRIES; i++) {
		err = xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w);
		if (err != ENOMEM)
			break;
		enomem[S_SYNCOBJ_WAIT]++;
	}
	if (err)
		problem("SYNCOBJ_WAIT: %s (errno %d)", strerror(err), err);
	return err ? -1 : 0;
}

/*
 * One job. Returns 1 when it ran and was checked, 0 when a call failed with
 * ENOMEM (allowed), -1 on a problem.
 */
static int one_job(int fd, uint32_t n, unsigned int iter)
{
	struct drm_syncobj_create sc = { 0 };
	struct drm_syncobj_destroy sd = { 0 };
	struct drm_npu_submit s = { 0 };
	struct relu_cs cs;
	struct bo in, out;
	uint32_t handles[2];
	unsigned long bad0 = bad;
	int ret = 0, err;
	uint32_t i;

	if (bo_new(fd, (uint64_t)n * 4, &in))
		return bad != bad0 ? -1 : 0;
	if (bo_new(fd, (uint64_t)n * 4, &out)) {
		bo_free(fd, &in);
		return bad != bad0 ? -1 : 0;
	}
	for (i = 0; i < n; i++)
		in.map[i] = (float)((int)((i * 7 + iter) % 61) - 30) / 4.0f;
	memset(out.map, 0xa5, out.size);

	/* dma-buf round trip of the input (import of our own BO: same handle). */
	if (iter % 2 == 0) {
		struct drm_prime_handle ph = { .handle = in.handle,
					       .flags = DRM_CLOEXEC | DRM_RDWR,
					       .fd = -1 };

		err = xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
		if (err) {
			failed(S_PRIME_EXPORT, err);
		} else {
			int dmabuf = ph.fd;

			ph.handle = 0;
			err = xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph);
			if (err)
				failed(S_PRIME_IMPORT, err);
			else if (ph.handle != in.handle)
				problem("PRIME import gave handle %u, not %u",
					ph.handle, in.handle);
			close(dmabuf);
		}
	}

	if (iter % 2 == 1) {
		err = xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc);
		if (err) {
			failed(S_SYNCOBJ, err);
			sc.handle = 0;
		}
	}

	relu_cs_init(&cs, n);
	handles[0] = in.handle;
	handles[1] = out.handle;
	s.cmd = (uintptr_t)&cs;
	s.cmd_size = sizeof(cs);
	s.bo_handles = (uintptr_t)handles;
	s.bo_count = 2;
	s.out_syncobj = sc.handle;
	s.priority = DRM_NPU_PRIO_NORMAL;
	err = xioctl(fd, DRM_IOCTL_NPU_SUBMIT, &s);
	if (err) {
		failed(S_SUBMIT, err);
		goto out;
	}
	if (sc.handle && syncobj_wait(fd, sc.handle))
		goto out;
	if (wait_job(fd, s.seqno))
		goto out;
	for (i = 0; i < n; i++) {
		float x = in.map[i], want = x > 0 ? x : 0;

		if (out.map[i] != want) {
			problem("iteration %u: out[%u] = %g, want %g", iter, i,
				(double)out.map[i], (double)want);
			break;
		}
	}
	ret = 1;
out:
	if (sc.handle) {
		sd.handle = sc.handle;
		xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &sd);
	}
	bo_free(fd, &out);
	bo_free(fd, &in);
	return bad != bad0 ? -1 : ret;
}

static int set_make_it_fail(int on)
{
	FILE *f = fopen("/proc/self/make-it-fail", "w");

	if (!f)
		return -1;
	fprintf(f, "%d\n", on);
	return fclose(f);
}

int main(int argc, char **argv)
{
	unsigned long iters = 300, clean = 20, ran = 0, total_enomem = 0;
	uint32_t n = 1024;
	unsigned long i, bad_loop, clean_ok = 0;
	int fd = -1, opt, s, r;

	while ((opt = getopt(argc, argv, "n:e:c:")) != -1) {
		switch (opt) {
		case 'n': iters = strtoul(optarg, NULL, 0); break;
		case 'e': n = strtoul(optarg, NULL, 0); break;
		case 'c': clean = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-n ITERATIONS] [-e ELEMENTS] "
				"[-c CLEAN_JOBS]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..2\n");
	if (find_device()) {
		printf("# no npu device under /dev/accel\n");
		printf("not ok 1 failslab-loop # no device\n");
		printf("not ok 2 failslab-after # no device\n");
		return 1;
	}
	printf("# device %s, %lu iterations of %u elements\n", dev_path, iters, n);

	for (i = 0; i < iters; i++) {
		if (fd < 0 || i % 16 == 0) {
			if (fd >= 0)
				close(fd);
			fd = open_dev();
			if (fd < 0)
				break;
		}
		r = one_job(fd, n, i);
		if (r > 0)
			ran++;
	}
	if (fd >= 0)
		close(fd);
	fd = -1;
	for (s = 0; s < S_COUNT; s++)
		total_enomem += enomem[s];
	printf("# %lu/%lu jobs ran and were checked; ENOMEM seen %lu times:",
	       ran, iters, total_enomem);
	for (s = 0; s < S_COUNT; s++)
		if (enomem[s])
			printf(" %s %lu", site_name[s], enomem[s]);
	printf("\n");
	if (enospc_bo)
		printf("# BO_CREATE failed with ENOSPC %lu times (documented errno)\n",
		       enospc_bo);
	for (s = 0; s < S_COUNT; s++) {
		int e;

		for (e = 0; e < 256; e++)
			if (bad_errno[s][e])
				printf("# unexpected: %s failed with %s (errno %d) %lu times\n",
				       site_name[s], strerror(e), e, bad_errno[s][e]);
	}
	bad_loop = bad;
	printf("%s 1 failslab-loop\n", bad_loop ? "not ok" : "ok");

	/* Injection off for this task: the driver must work normally now. */
	if (set_make_it_fail(0))
		printf("# note: cannot clear /proc/self/make-it-fail: %s\n",
		       strerror(errno));
	memset(enomem, 0, sizeof(enomem));
	fd = open_dev();
	for (i = 0; fd >= 0 && i < clean; i++)
		if (one_job(fd, n, 1000 + i) > 0)
			clean_ok++;
	if (fd >= 0)
		close(fd);
	for (s = 0; s < S_COUNT; s++)
		if (enomem[s])
			problem("%s failed with ENOMEM %lu times with injection off",
				site_name[s], enomem[s]);
	if (clean_ok != clean || bad != bad_loop) {
		printf("# only %lu/%lu jobs right with injection off\n", clean_ok,
		       clean);
		printf("not ok 2 failslab-after\n");
	} else {
		printf("# %lu/%lu jobs right with injection off\n", clean_ok, clean);
		printf("ok 2 failslab-after\n");
	}
	return bad ? 1 : 0;
}

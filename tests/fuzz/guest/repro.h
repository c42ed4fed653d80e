/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Helpers for the npu-fuzz reproducers (tests/fuzz/guest/repro-*.c): small,
 * deterministic programs that each show one finding of the fuzzer. They
 * print KTAP ("ok 1 NAME" when the kernel behaves, "not ok 1 NAME" when
 * the bug shows) and exit 0 / 1; 4 means skipped (no device, not root).
 * Run them inside the test VM only: several of them crash or wedge a
 * kernel that has the bug.
 */
#ifndef NPU_REPRO_H
#define NPU_REPRO_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "drm.h"
#include "drm/npu_accel.h"
#include "linux/npu_cmd.h"

#define REPRO_SKIP	4

static const char *repro_name = "repro";

static inline void repro_begin(const char *name)
{
	repro_name = name;
	printf("TAP version 13\n1..1\n");
	fflush(stdout);
}

static inline void repro_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline int repro_end(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok 1 %s", ok ? "" : "not ", repro_name);
	if (fmt) {
		printf(" # ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
	return ok ? 0 : 1;
}

static inline int repro_skip(const char *why)
{
	printf("ok 1 %s # SKIP %s\n", repro_name, why);
	fflush(stdout);
	return REPRO_SKIP;
}

static inline int repro_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

static inline int64_t repro_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* the first /dev/accel/accel* whose DRM driver is "npu" ($NPU_DEVICE overrides) */
static inline int repro_open(void)
{
	const char *env = getenv("NPU_DEVICE");
	char p[64], name[32];
	int i, fd;

	for (i = 0; i < 64; i++) {
		struct drm_version v;

		if (env && *env) {
			if (i)
				break;
			snprintf(p, sizeof(p), "%.60s", env);
		} else {
			snprintf(p, sizeof(p), "/dev/accel/accel%d", i);
		}
		fd = open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!repro_ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "npu"))
			return fd;
		close(fd);
	}
	return -ENODEV;
}

static inline int repro_bo(int fd, uint64_t size, uint32_t *handle, void **map)
{
	struct drm_npu_bo_create c = { .size = size };
	struct drm_npu_bo_info i;
	int ret;

	ret = repro_ioctl(fd, DRM_IOCTL_NPU_BO_CREATE, &c);
	if (ret)
		return ret;
	*handle = c.handle;
	if (!map)
		return 0;
	memset(&i, 0, sizeof(i));
	i.handle = c.handle;
	ret = repro_ioctl(fd, DRM_IOCTL_NPU_BO_INFO, &i);
	if (ret)
		return ret;
	*map = mmap(NULL, i.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)i.offset);
	return *map == MAP_FAILED ? -errno : 0;
}

/*
 * A one-op GEMM stream: A [m, k] at 0 and B [k, n] right after it in BO 0,
 * Y [m, n] at 0 in BO 1, no bias. @cmd must hold 32 + 3 * 64 + 96 bytes.
 */
static inline uint32_t repro_gemm(void *cmd, uint32_t m, uint32_t k, uint32_t n)
{
	struct npu_cmd_header *h = cmd;
	struct npu_cmd_tensor *t = (void *)(h + 1);
	struct npu_cmd_op *o = (void *)(t + 3);
	int i;

	memset(cmd, 0, sizeof(*h) + 3 * sizeof(*t) + sizeof(*o));
	h->magic = NPU_CMD_MAGIC;
	h->version = NPU_CMD_VERSION;
	h->header_size = sizeof(*h);
	h->size = sizeof(*h) + 3 * sizeof(*t) + sizeof(*o);
	h->num_tensors = 3;
	h->num_ops = 1;
	h->tensor_offset = sizeof(*h);
	h->op_offset = sizeof(*h) + 3 * sizeof(*t);
	for (i = 0; i < 3; i++) {
		t[i].dtype = NPU_DTYPE_F32;
		t[i].ndim = 2;
		t[i].scale_tensor = NPU_CMD_NO_TENSOR;
	}
	t[0].shape[0] = m; t[0].shape[1] = k;
	t[1].shape[0] = k; t[1].shape[1] = n;
	t[1].offset = (uint64_t)m * k * 4;
	t[2].bo_index = 1; t[2].shape[0] = m; t[2].shape[1] = n;
	o->opcode = NPU_OP_GEMM;
	o->num_inputs = 3;
	o->num_outputs = 1;
	o->inputs[0] = 0; o->inputs[1] = 1;
	o->inputs[2] = o->inputs[3] = NPU_CMD_NO_TENSOR;
	o->outputs[0] = 2; o->outputs[1] = NPU_CMD_NO_TENSOR;
	return h->size;
}

static inline int repro_submit(int fd, void *cmd, uint32_t cmd_size, const uint32_t *bos,
			       uint32_t nbos, uint64_t *seqno)
{
	struct drm_npu_submit s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.cmd = (uintptr_t)cmd;
	s.cmd_size = cmd_size;
	s.bo_handles = (uintptr_t)bos;
	s.bo_count = nbos;
	s.priority = DRM_NPU_PRIO_NORMAL;
	ret = repro_ioctl(fd, DRM_IOCTL_NPU_SUBMIT, &s);
	if (!ret && seqno)
		*seqno = s.seqno;
	return ret;
}

static inline int repro_wait(int fd, uint64_t seqno, int64_t timeout_ns)
{
	struct drm_npu_wait w;

	memset(&w, 0, sizeof(w));
	w.seqno = seqno;
	w.timeout_ns = timeout_ns;
	return repro_ioctl(fd, DRM_IOCTL_NPU_WAIT, &w);
}

/* sum of "queued" over every engine (QUERY_ENGINES), or -errno */
static inline int64_t repro_queued(int fd)
{
	uint8_t buf[1024];
	struct drm_npu_query q;
	struct drm_npu_query_engines *h = (void *)buf;
	struct drm_npu_engine_info *e;
	int64_t sum = 0;
	uint32_t i;
	int ret;

	memset(&q, 0, sizeof(q));
	memset(buf, 0, sizeof(buf));
	q.query = DRM_NPU_QUERY_ENGINES;
	q.size = sizeof(buf);
	q.data = (uintptr_t)buf;
	ret = repro_ioctl(fd, DRM_IOCTL_NPU_QUERY, &q);
	if (ret)
		return ret;
	for (i = 0; i < h->count && sizeof(*h) + (i + 1) * h->entry_size <= sizeof(buf); i++) {
		e = (void *)(buf + sizeof(*h) + i * h->entry_size);
		sum += e->queued;
	}
	return sum;
}

#endif /* NPU_REPRO_H */

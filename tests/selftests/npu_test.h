/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * npu selftests: a small, self-contained helper (no libnpu, no libdrm
 * library, only the kernel uAPI headers).
 *
 *  - npu_open(): the first /dev/accel/accel* whose DRM driver name is "npu"
 *    ($NPU_DEVICE overrides the path)
 *  - ioctl wrappers returning 0 or -errno
 *  - BO create + mmap, PRIME, DRM syncobj
 *  - a command-stream builder (header + tensor table + op list in one
 *    8-byte aligned buffer) whose packed bytes tests may corrupt on purpose
 *  - a tiny canned job (npu_check_device()) that proves the device still
 *    computes correct results
 *  - vgem helpers: an unsignalled fence only the test releases
 *    (npu_blocker()), sync_file status
 *
 * Every function returns 0 or a negative errno; pointer returners return NULL
 * and set errno.
 */
#ifndef NPU_TEST_H
#define NPU_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "drm.h"
#include "drm/npu_accel.h"
#include "linux/npu_cmd.h"

#define NPU_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Generous: the VM is emulated (TCG), jobs run on a CPU engine. */
#define NPU_WAIT_NS		(30LL * 1000 * 1000 * 1000)
/* Bytes written into output BOs before a job, so "did nothing" is visible. */
#define NPU_POISON		0xa5

/* ------------------------------------------------------------------ */
/* ioctl plumbing                                                      */

static inline int npu_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && errno == EINTR);

	return ret == -1 ? -errno : 0;
}

static inline int npu_drm_version(int fd, char *name, size_t name_len,
				  int *major, int *minor)
{
	struct drm_version v;
	int ret;

	memset(&v, 0, sizeof(v));
	v.name = name;
	v.name_len = name_len - 1;
	memset(name, 0, name_len);
	ret = npu_ioctl(fd, DRM_IOCTL_VERSION, &v);
	if (ret)
		return ret;
	if (major)
		*major = v.version_major;
	if (minor)
		*minor = v.version_minor;
	return 0;
}

/* Is @fd a DRM device driven by @driver? */
static inline int npu_fd_is_driver(int fd, const char *driver)
{
	char name[64];

	if (npu_drm_version(fd, name, sizeof(name), NULL, NULL))
		return 0;
	return strcmp(name, driver) == 0;
}

/*
 * Open the first device node in @dir whose name starts with @prefix and
 * whose DRM driver is @driver. @path (may be NULL) receives the node path.
 * Returns the fd or -ENODEV.
 */
static inline int npu_open_driver(const char *dir, const char *prefix,
				  const char *driver, char *path,
				  size_t path_len)
{
	char p[300];
	int i;

	for (i = 0; i < 256; i++) {
		int fd;

		snprintf(p, sizeof(p), "%s/%s%d", dir, prefix, i);
		fd = open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (npu_fd_is_driver(fd, driver)) {
			if (path)
				snprintf(path, path_len, "%s", p);
			return fd;
		}
		close(fd);
	}
	return -ENODEV;
}

/* Path of the npu accel node ("" if none). */
static inline int npu_device_path(char *path, size_t len)
{
	const char *env = getenv("NPU_DEVICE");
	int fd;

	if (env && *env) {
		fd = open(env, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (!npu_fd_is_driver(fd, "npu")) {
			close(fd);
			return -ENODEV;
		}
		snprintf(path, len, "%s", env);
		close(fd);
		return 0;
	}
	fd = npu_open_driver("/dev/accel", "accel", "npu", path, len);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* Open the npu device. Returns an fd or -errno (-ENODEV: no npu device). */
static inline int npu_open(void)
{
	char path[300];
	int ret, fd;

	ret = npu_device_path(path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* ------------------------------------------------------------------ */
/* QUERY                                                               */

static inline int npu_query(int fd, uint32_t id, void *data, uint32_t *size)
{
	struct drm_npu_query q;
	int ret;

	memset(&q, 0, sizeof(q));
	q.query = id;
	q.size = *size;
	q.data = (uintptr_t)data;
	ret = npu_ioctl(fd, DRM_IOCTL_NPU_QUERY, &q);
	if (!ret)
		*size = q.size;
	return ret;
}

static inline int npu_get_limits(int fd, struct drm_npu_query_limits *lim)
{
	uint32_t size = sizeof(*lim);

	memset(lim, 0, sizeof(*lim));
	return npu_query(fd, DRM_NPU_QUERY_LIMITS, lim, &size);
}

static inline int npu_get_version(int fd, struct drm_npu_query_version *ver)
{
	uint32_t size = sizeof(*ver);

	memset(ver, 0, sizeof(*ver));
	return npu_query(fd, DRM_NPU_QUERY_VERSION, ver, &size);
}

/*
 * All engines: *@info is malloc()ed (free() it), *@count entries of
 * sizeof(struct drm_npu_engine_info).
 */
static inline int npu_get_engines(int fd, struct drm_npu_engine_info **info,
				  uint32_t *count)
{
	struct drm_npu_query_engines *hdr;
	uint32_t size = 0, i;
	uint8_t *buf;
	int ret;

	ret = npu_query(fd, DRM_NPU_QUERY_ENGINES, NULL, &size);
	if (ret)
		return ret;
	if (size < sizeof(*hdr))
		return -EPROTO;
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	ret = npu_query(fd, DRM_NPU_QUERY_ENGINES, buf, &size);
	if (ret) {
		free(buf);
		return ret;
	}
	hdr = (void *)buf;
	if (hdr->entry_size < sizeof(**info) ||
	    size < sizeof(*hdr) + (uint64_t)hdr->count * hdr->entry_size) {
		free(buf);
		return -EPROTO;
	}
	*info = calloc(hdr->count ? hdr->count : 1, sizeof(**info));
	if (!*info) {
		free(buf);
		return -ENOMEM;
	}
	for (i = 0; i < hdr->count; i++)
		memcpy(&(*info)[i], buf + sizeof(*hdr) + i * hdr->entry_size,
		       sizeof(**info));
	*count = hdr->count;
	free(buf);
	return 0;
}

/* Sum of jobs_done (or queued with @queued) over every engine. */
static inline int64_t npu_engines_sum(int fd, int queued)
{
	struct drm_npu_engine_info *e;
	uint32_t n, i;
	int64_t sum = 0;
	int ret;

	ret = npu_get_engines(fd, &e, &n);
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		sum += queued ? (int64_t)e[i].queued : (int64_t)e[i].jobs_done;
	free(e);
	return sum;
}

/*
 * Poll until no job is queued on any engine. Engines count a job until the
 * scheduler frees it, which happens asynchronously shortly after its fence
 * signalled, so an idle check right after a WAIT must poll. 0 when idle.
 */
static inline int npu_wait_idle(int fd, int64_t timeout_ns)
{
	struct timespec t0, t;
	int64_t q;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		q = npu_engines_sum(fd, 1);
		if (q <= 0)
			return (int)q;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000000000LL +
		    (t.tv_nsec - t0.tv_nsec) > timeout_ns)
			return -ETIME;
		usleep(10000);
	}
}

/* ------------------------------------------------------------------ */
/* BOs                                                                 */

static inline int npu_bo_create(int fd, uint64_t size, uint32_t *handle)
{
	struct drm_npu_bo_create c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.size = size;
	ret = npu_ioctl(fd, DRM_IOCTL_NPU_BO_CREATE, &c);
	if (!ret)
		*handle = c.handle;
	return ret;
}

static inline int npu_bo_info(int fd, uint32_t handle, uint64_t *offset,
			      uint64_t *size)
{
	struct drm_npu_bo_info i;
	int ret;

	memset(&i, 0, sizeof(i));
	i.handle = handle;
	ret = npu_ioctl(fd, DRM_IOCTL_NPU_BO_INFO, &i);
	if (ret)
		return ret;
	if (offset)
		*offset = i.offset;
	if (size)
		*size = i.size;
	return 0;
}

static inline int npu_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c;

	memset(&c, 0, sizeof(c));
	c.handle = handle;
	return npu_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

/* mmap a whole BO; *@size (may be NULL) receives its size. */
static inline void *npu_bo_mmap(int fd, uint32_t handle, size_t *size)
{
	uint64_t off, sz;
	void *p;
	int ret;

	ret = npu_bo_info(fd, handle, &off, &sz);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (p == MAP_FAILED)
		return NULL;
	if (size)
		*size = sz;
	return p;
}

struct npu_bo {
	uint32_t handle;
	size_t size;
	uint8_t *map;
};

/* Create and map a BO of at least @size bytes. */
static inline int npu_bo_new(int fd, uint64_t size, struct npu_bo *bo)
{
	int ret;

	memset(bo, 0, sizeof(*bo));
	ret = npu_bo_create(fd, size, &bo->handle);
	if (ret)
		return ret;
	bo->map = npu_bo_mmap(fd, bo->handle, &bo->size);
	if (!bo->map) {
		ret = -errno;
		npu_gem_close(fd, bo->handle);
		memset(bo, 0, sizeof(*bo));
		return ret;
	}
	return 0;
}

static inline void npu_bo_free(int fd, struct npu_bo *bo)
{
	if (bo->map)
		munmap(bo->map, bo->size);
	if (bo->handle)
		npu_gem_close(fd, bo->handle);
	memset(bo, 0, sizeof(*bo));
}

static inline void npu_bo_poison(struct npu_bo *bo)
{
	memset(bo->map, NPU_POISON, bo->size);
}

/* 1 when @len bytes at @p all hold NPU_POISON. */
static inline int npu_is_poison(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != NPU_POISON)
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* PRIME                                                               */

static inline int npu_prime_export(int fd, uint32_t handle, uint32_t flags,
				   int *dmabuf)
{
	struct drm_prime_handle p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.handle = handle;
	p.flags = flags;
	p.fd = -1;
	ret = npu_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	if (!ret)
		*dmabuf = p.fd;
	return ret;
}

static inline int npu_prime_import(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.fd = dmabuf;
	ret = npu_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	if (!ret)
		*handle = p.handle;
	return ret;
}

/* ------------------------------------------------------------------ */
/* DRM syncobj                                                         */

static inline int npu_syncobj_create(int fd, uint32_t flags, uint32_t *handle)
{
	struct drm_syncobj_create c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.flags = flags;
	ret = npu_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c);
	if (!ret)
		*handle = c.handle;
	return ret;
}

static inline int npu_syncobj_destroy(int fd, uint32_t handle)
{
	struct drm_syncobj_destroy d;

	memset(&d, 0, sizeof(d));
	d.handle = handle;
	return npu_ioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
}

static inline int64_t npu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Wait (all) for @count syncobjs, @timeout_ns relative. -ETIME on timeout. */
static inline int npu_syncobj_wait(int fd, const uint32_t *handles,
				   uint32_t count, int64_t timeout_ns,
				   uint32_t flags)
{
	struct drm_syncobj_wait w;

	memset(&w, 0, sizeof(w));
	w.handles = (uintptr_t)handles;
	w.count_handles = count;
	w.timeout_nsec = timeout_ns ? npu_now_ns() + timeout_ns : 0;
	w.flags = flags | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
	return npu_ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w);
}

static inline int npu_syncobj_signal(int fd, const uint32_t *handles,
				     uint32_t count)
{
	struct drm_syncobj_array a;

	memset(&a, 0, sizeof(a));
	a.handles = (uintptr_t)handles;
	a.count_handles = count;
	return npu_ioctl(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &a);
}

static inline int npu_syncobj_reset(int fd, const uint32_t *handles,
				    uint32_t count)
{
	struct drm_syncobj_array a;

	memset(&a, 0, sizeof(a));
	a.handles = (uintptr_t)handles;
	a.count_handles = count;
	return npu_ioctl(fd, DRM_IOCTL_SYNCOBJ_RESET, &a);
}

/* Replace the fence of syncobj @handle with the one in sync_file @sync_fd. */
static inline int npu_syncobj_import_sync_file(int fd, uint32_t handle,
					       int sync_fd)
{
	struct drm_syncobj_handle h;

	memset(&h, 0, sizeof(h));
	h.handle = handle;
	h.fd = sync_fd;
	h.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE;
	return npu_ioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h);
}

static inline int npu_syncobj_export_sync_file(int fd, uint32_t handle,
					       int *sync_fd)
{
	struct drm_syncobj_handle h;
	int ret;

	memset(&h, 0, sizeof(h));
	h.handle = handle;
	h.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE;
	h.fd = -1;
	ret = npu_ioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h);
	if (!ret)
		*sync_fd = h.fd;
	return ret;
}

/* 1 when the fence behind a sync_file / dma-buf fd is signalled, else 0. */
static inline int npu_fd_signalled(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret;

	do {
		ret = poll(&p, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	return ret > 0 && (p.revents & POLLIN);
}

#include <linux/sync_file.h>

/* Status of the fence(s) in sync_file @sync_fd: 1 signalled, 0 pending,
 * a negative errno when it signalled with that error. */
static inline int npu_sync_file_status(int sync_fd)
{
	struct sync_file_info info;
	int ret;

	memset(&info, 0, sizeof(info));
	ret = npu_ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info);
	return ret ? ret : info.status;
}

/* Status (as npu_sync_file_status()) of the fence in syncobj @handle. */
static inline int npu_syncobj_status(int fd, uint32_t handle)
{
	int sync_fd, ret;

	ret = npu_syncobj_export_sync_file(fd, handle, &sync_fd);
	if (ret)
		return ret;
	ret = npu_sync_file_status(sync_fd);
	close(sync_fd);
	return ret;
}

/* ------------------------------------------------------------------ */
/* SUBMIT / WAIT                                                       */

static inline int npu_submit(int fd, struct drm_npu_submit *s)
{
	return npu_ioctl(fd, DRM_IOCTL_NPU_SUBMIT, s);
}

static inline int npu_wait(int fd, uint64_t seqno, int64_t timeout_ns)
{
	struct drm_npu_wait w;

	memset(&w, 0, sizeof(w));
	w.seqno = seqno;
	w.timeout_ns = timeout_ns;
	return npu_ioctl(fd, DRM_IOCTL_NPU_WAIT, &w);
}

static inline int npu_wait_bo(int fd, uint32_t handle, int64_t timeout_ns)
{
	struct drm_npu_wait w;

	memset(&w, 0, sizeof(w));
	w.handle = handle;
	w.flags = DRM_NPU_WAIT_BO;
	w.timeout_ns = timeout_ns;
	return npu_ioctl(fd, DRM_IOCTL_NPU_WAIT, &w);
}

/* ------------------------------------------------------------------ */
/* Command-stream builder                                              */

static inline uint32_t npu_f2u(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static inline float npu_u2f(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static inline uint32_t npu_dtype_size(uint32_t dtype)
{
	switch (dtype) {
	case NPU_DTYPE_F32:
	case NPU_DTYPE_I32:
		return 4;
	case NPU_DTYPE_I8:
	case NPU_DTYPE_U8:
		return 1;
	}
	return 0;
}

struct npu_cs {
	struct npu_cmd_tensor *tensors;
	uint32_t num_tensors, cap_tensors;
	struct npu_cmd_op *ops;
	uint32_t num_ops, cap_ops;
	/* npu_cs_pack() output: header | tensors | ops, 8-byte aligned */
	uint8_t *buf;
	uint32_t size;
	int error;	/* sticky -ENOMEM */
};

static inline void npu_cs_init(struct npu_cs *cs)
{
	memset(cs, 0, sizeof(*cs));
}

static inline void npu_cs_fini(struct npu_cs *cs)
{
	free(cs->tensors);
	free(cs->ops);
	free(cs->buf);
	memset(cs, 0, sizeof(*cs));
}

/* Add a plain (unquantized) tensor; returns its id. */
static inline uint32_t npu_cs_tensor(struct npu_cs *cs, uint32_t bo_index,
				     uint32_t dtype, uint64_t offset,
				     uint32_t ndim, const uint32_t *shape)
{
	struct npu_cmd_tensor *t;
	uint32_t i;

	if (cs->num_tensors == cs->cap_tensors) {
		uint32_t cap = cs->cap_tensors ? cs->cap_tensors * 2 : 16;
		void *p = realloc(cs->tensors, cap * sizeof(*t));

		if (!p) {
			cs->error = -ENOMEM;
			return NPU_CMD_NO_TENSOR;
		}
		cs->tensors = p;
		cs->cap_tensors = cap;
	}
	t = &cs->tensors[cs->num_tensors];
	memset(t, 0, sizeof(*t));
	t->bo_index = bo_index;
	t->dtype = dtype;
	t->offset = offset;
	t->ndim = ndim;
	for (i = 0; i < ndim && i < NPU_CMD_MAX_DIMS; i++)
		t->shape[i] = shape[i];
	t->quant_type = NPU_QUANT_NONE;
	t->scale_tensor = NPU_CMD_NO_TENSOR;
	return cs->num_tensors++;
}

/* npu_cs_add_tensor(cs, bo_index, dtype, offset, dim0, dim1, ...) */
#define npu_cs_add_tensor(cs, bo, dtype, off, ...)			\
	npu_cs_tensor((cs), (bo), (dtype), (off),			\
		      sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t), \
		      (uint32_t[]){ __VA_ARGS__ })

/* Builder-side tensor (before npu_cs_pack()). */
static inline struct npu_cmd_tensor *npu_cs_t(struct npu_cs *cs, uint32_t id)
{
	return &cs->tensors[id];
}

/* Builder-side op (before npu_cs_pack()). */
static inline struct npu_cmd_op *npu_cs_o(struct npu_cs *cs, uint32_t idx)
{
	return &cs->ops[idx];
}

static inline void npu_cs_quant(struct npu_cs *cs, uint32_t id, float scale,
				int32_t zero_point)
{
	struct npu_cmd_tensor *t = &cs->tensors[id];

	t->quant_type = NPU_QUANT_PER_TENSOR;
	t->scale = npu_f2u(scale);
	t->zero_point = zero_point;
}

static inline void npu_cs_quant_channel(struct npu_cs *cs, uint32_t id,
					uint32_t axis, uint32_t scale_tensor)
{
	struct npu_cmd_tensor *t = &cs->tensors[id];

	t->quant_type = NPU_QUANT_PER_CHANNEL;
	t->quant_axis = axis;
	t->scale_tensor = scale_tensor;
}

/* Add an op; unused input/output slots are NPU_CMD_NO_TENSOR. */
static inline uint32_t npu_cs_op(struct npu_cs *cs, uint16_t opcode,
				 uint16_t num_inputs, const uint32_t *inputs,
				 uint16_t num_outputs, const uint32_t *outputs)
{
	struct npu_cmd_op *o;
	uint32_t i;

	if (cs->num_ops == cs->cap_ops) {
		uint32_t cap = cs->cap_ops ? cs->cap_ops * 2 : 8;
		void *p = realloc(cs->ops, cap * sizeof(*o));

		if (!p) {
			cs->error = -ENOMEM;
			return 0;
		}
		cs->ops = p;
		cs->cap_ops = cap;
	}
	o = &cs->ops[cs->num_ops];
	memset(o, 0, sizeof(*o));
	o->opcode = opcode;
	o->num_inputs = num_inputs;
	o->num_outputs = num_outputs;
	for (i = 0; i < NPU_CMD_MAX_INPUTS; i++)
		o->inputs[i] = i < num_inputs ? inputs[i] : NPU_CMD_NO_TENSOR;
	for (i = 0; i < NPU_CMD_MAX_OUTPUTS; i++)
		o->outputs[i] = i < num_outputs ? outputs[i] : NPU_CMD_NO_TENSOR;
	return cs->num_ops++;
}

/*
 * GEMM: @bias may be NPU_CMD_NO_TENSOR. num_inputs counts the optional slot
 * too ("required plus optional slots"), so it is always 3.
 */
static inline uint32_t npu_cs_gemm(struct npu_cs *cs, uint32_t a, uint32_t b,
				   uint32_t bias, uint32_t y, uint32_t flags,
				   uint32_t act, float act_min, float act_max)
{
	uint32_t in[3] = { a, b, bias };
	uint32_t idx;

	idx = npu_cs_op(cs, NPU_OP_GEMM, 3, in, 1, &y);
	if (cs->error)
		return idx;
	cs->ops[idx].gemm.flags = flags;
	cs->ops[idx].gemm.activation = act;
	if (act == NPU_ACT_CLIP) {
		cs->ops[idx].gemm.act_min = npu_f2u(act_min);
		cs->ops[idx].gemm.act_max = npu_f2u(act_max);
	}
	return idx;
}

/* CONV2D: @bias may be NPU_CMD_NO_TENSOR (num_inputs is always 3). */
static inline uint32_t npu_cs_conv2d(struct npu_cs *cs, uint32_t x,
				     uint32_t w, uint32_t bias, uint32_t y,
				     const struct npu_op_conv2d *p)
{
	uint32_t in[3] = { x, w, bias };
	uint32_t idx;

	idx = npu_cs_op(cs, NPU_OP_CONV2D, 3, in, 1, &y);
	if (cs->error)
		return idx;
	cs->ops[idx].conv2d = *p;
	return idx;
}

static inline uint32_t npu_cs_add(struct npu_cs *cs, uint32_t a, uint32_t b,
				  uint32_t y, uint32_t act, float act_min,
				  float act_max)
{
	uint32_t in[2] = { a, b };
	uint32_t idx;

	idx = npu_cs_op(cs, NPU_OP_ADD, 2, in, 1, &y);
	if (cs->error)
		return idx;
	cs->ops[idx].eltwise.activation = act;
	if (act == NPU_ACT_CLIP) {
		cs->ops[idx].eltwise.act_min = npu_f2u(act_min);
		cs->ops[idx].eltwise.act_max = npu_f2u(act_max);
	}
	return idx;
}

static inline uint32_t npu_cs_relu(struct npu_cs *cs, uint32_t x, uint32_t y)
{
	return npu_cs_op(cs, NPU_OP_RELU, 1, &x, 1, &y);
}

static inline uint32_t npu_cs_clip(struct npu_cs *cs, uint32_t x, uint32_t y,
				   float lo, float hi)
{
	uint32_t idx = npu_cs_op(cs, NPU_OP_CLIP, 1, &x, 1, &y);

	if (cs->error)
		return idx;
	cs->ops[idx].eltwise.act_min = npu_f2u(lo);
	cs->ops[idx].eltwise.act_max = npu_f2u(hi);
	return idx;
}

/*
 * Lay the stream out into cs->buf: header at 0, tensor table at 32, op list
 * right after. cs->size is the stream size. May be called again after more
 * tensors/ops were added (the previous packed bytes are discarded).
 */
static inline int npu_cs_pack(struct npu_cs *cs)
{
	struct npu_cmd_header *h;
	uint64_t size;
	void *buf;

	if (cs->error)
		return cs->error;
	size = sizeof(*h) + (uint64_t)cs->num_tensors * sizeof(*cs->tensors) +
	       (uint64_t)cs->num_ops * sizeof(*cs->ops);
	if (size > UINT32_MAX)
		return -E2BIG;
	if (posix_memalign(&buf, 64, size))
		return -ENOMEM;
	memset(buf, 0, size);
	h = buf;
	h->magic = NPU_CMD_MAGIC;
	h->version = NPU_CMD_VERSION;
	h->header_size = sizeof(*h);
	h->size = size;
	h->num_tensors = cs->num_tensors;
	h->num_ops = cs->num_ops;
	h->tensor_offset = sizeof(*h);
	h->op_offset = sizeof(*h) + cs->num_tensors * sizeof(*cs->tensors);
	if (cs->num_tensors)
		memcpy((uint8_t *)buf + h->tensor_offset, cs->tensors,
		       cs->num_tensors * sizeof(*cs->tensors));
	if (cs->num_ops)
		memcpy((uint8_t *)buf + h->op_offset, cs->ops,
		       cs->num_ops * sizeof(*cs->ops));
	free(cs->buf);
	cs->buf = buf;
	cs->size = size;
	return 0;
}

/* Packed-side accessors (valid after npu_cs_pack()). */
static inline struct npu_cmd_header *npu_cs_hdr(struct npu_cs *cs)
{
	return (struct npu_cmd_header *)cs->buf;
}

static inline struct npu_cmd_tensor *npu_cs_pt(struct npu_cs *cs, uint32_t id)
{
	return (struct npu_cmd_tensor *)(cs->buf + sizeof(struct npu_cmd_header)) +
	       id;
}

static inline struct npu_cmd_op *npu_cs_po(struct npu_cs *cs, uint32_t idx)
{
	return (struct npu_cmd_op *)(cs->buf + sizeof(struct npu_cmd_header) +
				     cs->num_tensors *
				     sizeof(struct npu_cmd_tensor)) + idx;
}

/* Fill @s for a plain submit of the packed stream (no syncobjs). */
static inline void npu_submit_args(struct drm_npu_submit *s,
				   const struct npu_cs *cs,
				   const uint32_t *bos, uint32_t bo_count)
{
	memset(s, 0, sizeof(*s));
	s->cmd = (uintptr_t)cs->buf;
	s->cmd_size = cs->size;
	s->bo_handles = (uintptr_t)bos;
	s->bo_count = bo_count;
	s->priority = DRM_NPU_PRIO_NORMAL;
}

/* Pack (if needed) and submit @cs; *@seqno receives the job's seqno. */
static inline int npu_cs_submit(int fd, struct npu_cs *cs,
				const uint32_t *bos, uint32_t bo_count,
				uint64_t *seqno)
{
	struct drm_npu_submit s;
	int ret;

	if (!cs->buf) {
		ret = npu_cs_pack(cs);
		if (ret)
			return ret;
	}
	npu_submit_args(&s, cs, bos, bo_count);
	ret = npu_submit(fd, &s);
	if (!ret && seqno)
		*seqno = s.seqno;
	return ret;
}

/* ------------------------------------------------------------------ */
/* Deterministic pseudo-random data                                    */

static inline uint32_t npu_rand(uint64_t *state)
{
	/* xorshift64* */
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

/* Uniform in [-1, 1). */
static inline float npu_randf(uint64_t *state)
{
	return (float)((double)npu_rand(state) / 2147483648.0 - 1.0);
}

/* Uniform integer in [lo, hi]. */
static inline int32_t npu_randi(uint64_t *state, int32_t lo, int32_t hi)
{
	return lo + (int32_t)(npu_rand(state) % (uint32_t)(hi - lo + 1));
}

/*
 * The device's debugfs directory, /sys/kernel/debug/accel/<platform device>
 * (or <minor> on kernels that name it so).
 */
static inline int npu_debugfs_dir(int fd, char *dir, size_t len)
{
	char link[256], target[256];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st))
		return -errno;
	snprintf(link, sizeof(link), "/sys/class/accel/accel%u/device",
		 minor(st.st_rdev));
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = 0;
		snprintf(dir, len, "/sys/kernel/debug/accel/%s",
			 basename(target));
		if (!access(dir, R_OK | X_OK))
			return 0;
	}
	snprintf(dir, len, "/sys/kernel/debug/accel/%u", minor(st.st_rdev));
	return access(dir, R_OK | X_OK) ? -errno : 0;
}

/* Write @val to file @name of debugfs directory @dir: 0 or -errno. */
static inline int npu_debugfs_write(const char *dir, const char *name,
				    const char *val)
{
	char path[320];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

/* ------------------------------------------------------------------ */
/* A canned job: GEMM f32 with bias, exact small-integer data          */

/*
 * Y[M,N] = A[M,K] * B[K,N] + bias[N] with small integer values, so the
 * result is exact in binary32 whatever the summation order. A, B and bias
 * live in @in, Y in @out.
 */
struct npu_canned {
	struct npu_bo in, out;
	uint32_t m, k, n;
	float *ref;
	struct npu_cs cs;
	uint32_t bos[2];
};

static inline void npu_canned_fini(int fd, struct npu_canned *c)
{
	npu_cs_fini(&c->cs);
	free(c->ref);
	npu_bo_free(fd, &c->in);
	npu_bo_free(fd, &c->out);
	memset(c, 0, sizeof(*c));
}

static inline int npu_canned_init(int fd, struct npu_canned *c, uint32_t m,
				  uint32_t k, uint32_t n, uint32_t seed)
{
	uint64_t st = seed * 2654435761ULL + 1;
	float *a, *b, *bias;
	uint32_t i, j, l, ta, tb, tbias, tyy;
	int ret;

	memset(c, 0, sizeof(*c));
	c->m = m;
	c->k = k;
	c->n = n;
	ret = npu_bo_new(fd, ((uint64_t)m * k + (uint64_t)k * n + n) * 4, &c->in);
	if (ret)
		return ret;
	ret = npu_bo_new(fd, (uint64_t)m * n * 4, &c->out);
	if (ret)
		goto err;
	c->ref = calloc((size_t)m * n, sizeof(float));
	if (!c->ref) {
		ret = -ENOMEM;
		goto err;
	}
	a = (float *)c->in.map;
	b = a + (size_t)m * k;
	bias = b + (size_t)k * n;
	for (i = 0; i < m * k; i++)
		a[i] = (float)npu_randi(&st, -8, 8);
	for (i = 0; i < k * n; i++)
		b[i] = (float)npu_randi(&st, -8, 8);
	for (i = 0; i < n; i++)
		bias[i] = (float)npu_randi(&st, -100, 100);
	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			float acc = bias[j];

			for (l = 0; l < k; l++)
				acc += a[i * k + l] * b[l * n + j];
			c->ref[i * n + j] = acc;
		}
	npu_cs_init(&c->cs);
	ta = npu_cs_add_tensor(&c->cs, 0, NPU_DTYPE_F32, 0, m, k);
	tb = npu_cs_add_tensor(&c->cs, 0, NPU_DTYPE_F32,
			       (uint64_t)m * k * 4, k, n);
	tbias = npu_cs_add_tensor(&c->cs, 0, NPU_DTYPE_F32,
				  ((uint64_t)m * k + (uint64_t)k * n) * 4, n);
	tyy = npu_cs_add_tensor(&c->cs, 1, NPU_DTYPE_F32, 0, m, n);
	npu_cs_gemm(&c->cs, ta, tb, tbias, tyy, 0, NPU_ACT_NONE, 0, 0);
	ret = npu_cs_pack(&c->cs);
	if (ret)
		goto err;
	c->bos[0] = c->in.handle;
	c->bos[1] = c->out.handle;
	return 0;
err:
	npu_canned_fini(fd, c);
	return ret;
}

static inline int npu_canned_submit(int fd, struct npu_canned *c,
				    uint64_t *seqno)
{
	npu_bo_poison(&c->out);
	return npu_cs_submit(fd, &c->cs, c->bos, 2, seqno);
}

/* 0 when the output equals the reference exactly, else -EBADMSG. */
static inline int npu_canned_check(struct npu_canned *c)
{
	const float *y = (const float *)c->out.map;
	uint32_t i;

	for (i = 0; i < c->m * c->n; i++)
		if (y[i] != c->ref[i]) {
			fprintf(stderr,
				"# canned job: Y[%u] = %g, expected %g\n",
				i, y[i], c->ref[i]);
			return -EBADMSG;
		}
	return 0;
}

/*
 * Run one small, fully checked job on @fd: 0 when the device computed the
 * right answer, else -errno of the step that failed (-EBADMSG: wrong data).
 */
static inline int npu_check_device(int fd)
{
	struct npu_canned c;
	uint64_t seqno = 0;
	int ret;

	ret = npu_canned_init(fd, &c, 3, 5, 4, 7);
	if (ret)
		return ret;
	ret = npu_canned_submit(fd, &c, &seqno);
	if (!ret)
		ret = npu_wait(fd, seqno, NPU_WAIT_NS);
	if (!ret)
		ret = npu_canned_check(&c);
	npu_canned_fini(fd, &c);
	return ret;
}

/* ------------------------------------------------------------------ */
/* vgem: controllable, unsignalled foreign fences                      */

/*
 * vgem (a DRM driver shipped with the kernel, loaded inside the VM by run.sh)
 * lets userspace attach a fence to a BO and signal it at will. Exported as a
 * sync_file and imported into a syncobj of the npu file, it is an input
 * fence that only the test can release. vgem force-signals its fences after
 * 10 s, so tests release them well before that.
 */
#ifndef DRM_IOCTL_VGEM_FENCE_ATTACH
struct drm_vgem_fence_attach {
	__u32 handle;
	__u32 flags;
	__u32 out_fence;
	__u32 pad;
};

struct drm_vgem_fence_signal {
	__u32 fence;
	__u32 flags;
};

#define VGEM_FENCE_WRITE		0x1
#define DRM_IOCTL_VGEM_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct drm_vgem_fence_attach)
#define DRM_IOCTL_VGEM_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + 0x2, struct drm_vgem_fence_signal)
#endif

#include <linux/dma-buf.h>

/* Open vgem's primary node (dumb buffers need it). -ENODEV if absent. */
static inline int npu_vgem_open(void)
{
	return npu_open_driver("/dev/dri", "card", "vgem", NULL, 0);
}

/* A vgem BO of @size bytes, mapped at *@map (may be NULL). */
static inline int npu_vgem_bo(int vfd, uint32_t size, uint32_t *handle,
			      void **map)
{
	struct drm_mode_create_dumb c;
	struct drm_mode_map_dumb m;
	int ret;

	memset(&c, 0, sizeof(c));
	c.width = size / 4;
	c.height = 1;
	c.bpp = 32;
	ret = npu_ioctl(vfd, DRM_IOCTL_MODE_CREATE_DUMB, &c);
	if (ret)
		return ret;
	*handle = c.handle;
	if (!map)
		return 0;
	memset(&m, 0, sizeof(m));
	m.handle = c.handle;
	ret = npu_ioctl(vfd, DRM_IOCTL_MODE_MAP_DUMB, &m);
	if (ret)
		return ret;
	*map = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, vfd,
		    m.offset);
	if (*map == MAP_FAILED) {
		*map = NULL;
		return -errno;
	}
	return 0;
}

/* Attach a new unsignalled write fence to vgem BO @handle. */
static inline int npu_vgem_fence_attach(int vfd, uint32_t handle,
					uint32_t *fence)
{
	struct drm_vgem_fence_attach a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	a.flags = VGEM_FENCE_WRITE;
	ret = npu_ioctl(vfd, DRM_IOCTL_VGEM_FENCE_ATTACH, &a);
	if (!ret)
		*fence = a.out_fence;
	return ret;
}

static inline int npu_vgem_fence_signal(int vfd, uint32_t fence)
{
	struct drm_vgem_fence_signal s;

	memset(&s, 0, sizeof(s));
	s.fence = fence;
	return npu_ioctl(vfd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s);
}

/* sync_file with every fence of dma-buf @dmabuf. */
static inline int npu_dmabuf_sync_file(int dmabuf, int *sync_fd)
{
	struct dma_buf_export_sync_file e;
	int ret;

	memset(&e, 0, sizeof(e));
	e.flags = DMA_BUF_SYNC_RW;
	e.fd = -1;
	ret = npu_ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e);
	if (!ret)
		*sync_fd = e.fd;
	return ret;
}

/*
 * A new npu syncobj (on @fd) holding a new unsignalled vgem fence (on @vfd).
 * Release it with npu_vgem_fence_signal(vfd, *fence).
 */
static inline int npu_blocker(int fd, int vfd, uint32_t *syncobj,
			      uint32_t *fence)
{
	uint32_t vbo;
	int dmabuf = -1, sync_fd = -1, ret;

	ret = npu_vgem_bo(vfd, 4096, &vbo, NULL);
	if (ret)
		return ret;
	ret = npu_vgem_fence_attach(vfd, vbo, fence);
	if (ret)
		goto out;
	ret = npu_prime_export(vfd, vbo, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
	if (ret)
		goto out_signal;
	ret = npu_dmabuf_sync_file(dmabuf, &sync_fd);
	if (ret)
		goto out_signal;
	ret = npu_syncobj_create(fd, 0, syncobj);
	if (ret)
		goto out_signal;
	ret = npu_syncobj_import_sync_file(fd, *syncobj, sync_fd);
	if (ret) {
		npu_syncobj_destroy(fd, *syncobj);
		goto out_signal;
	}
	goto out;
out_signal:
	npu_vgem_fence_signal(vfd, *fence);
out:
	if (sync_fd >= 0)
		close(sync_fd);
	if (dmabuf >= 0)
		close(dmabuf);
	npu_gem_close(vfd, vbo);
	return ret;
}

#endif /* NPU_TEST_H */

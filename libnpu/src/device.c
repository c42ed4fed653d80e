// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: device enumeration, open/close and queries.
 *
 * libdrm cannot enumerate /dev/accel, so devices are found in
 * /sys/class/accel: an accelN entry is an npu device when the driver of its
 * parent device is "npu" or, failing that, when DRM_IOCTL_VERSION on
 * /dev/accel/accelN names the "npu" driver.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "npu_priv.h"

#define offsetofend(TYPE, FIELD) \
	(offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))

/*
 * sizeof(struct npu_device_opts) in libnpu 1.0: it ended with padding
 * after backend, where 1.1 put threads.
 */
#define NPU_DEVICE_OPTS_SIZE_1_0					\
	((offsetofend(struct npu_device_opts, backend) +		\
	  _Alignof(struct npu_device_opts) - 1) &			\
	 ~(_Alignof(struct npu_device_opts) - 1))

/* Does the caller's struct npu_device_opts have @FIELD (added in 1.1)? */
#define NPU_DEVICE_OPTS_HAS(OPTS, FIELD)				\
	((OPTS)->size > NPU_DEVICE_OPTS_SIZE_1_0 &&			\
	 (OPTS)->size >= offsetofend(struct npu_device_opts, FIELD))

/* "accel<decimal>" to its number; -1 for any other name */
static long npu_accel_minor(const char *name)
{
	const char *p;
	long v = 0;

	if (strncmp(name, "accel", 5) != 0 || !name[5])
		return -1;
	for (p = name + 5; *p; p++) {
		if (*p < '0' || *p > '9' || v > 1000000)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

/* Is an open DRM file driven by the npu driver? */
static bool npu_fd_is_npu(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	bool ok;

	if (!v)
		return false;
	ok = v->name && strcmp(v->name, NPU_DRIVER_NAME) == 0;
	drmFreeVersion(v);
	return ok;
}

static bool npu_accel_is_npu(const char *sysfs_dir, const char *dev_dir,
			     const char *name)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;
	bool ok;
	int fd;

	snprintf(link, sizeof(link), "%s/%s/device/driver", sysfs_dir, name);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		base = strrchr(target, '/');
		base = base ? base + 1 : target;
		if (strcmp(base, NPU_DRIVER_NAME) == 0)
			return true;
	}
	/* The bus driver may be named differently: ask the DRM driver. */
	snprintf(link, sizeof(link), "%s/%s", dev_dir, name);
	fd = open(link, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		npu_dbg("skipping %s: %s is not driven by \"%s\" and cannot be opened (%s)",
			name, n > 0 ? target : "its device", NPU_DRIVER_NAME,
			strerror(errno));
		return false;
	}
	ok = npu_fd_is_npu(fd);
	close(fd);
	if (!ok)
		npu_dbg("skipping %s: not an npu device", link);
	return ok;
}

static int npu_cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/*
 * Find the npu devices under @sysfs_dir (normally /sys/class/accel), whose
 * nodes live in @dev_dir (normally /dev/accel), ordered by minor number.
 * With @buf, store the node path of device @index there.
 *
 * Return: the number of devices, -ENODEV when @buf is set and there is no
 * device @index, -ERANGE when @len is too small, -ENOMEM, or the errno of
 * opendir() (except ENOENT: no accel class means no device).
 */
int npu__enum_devices(const char *sysfs_dir, const char *dev_dir,
		      unsigned int index, char *buf, size_t len)
{
	long *minors = NULL, *tmp, minor;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int ret, err;
	DIR *d;

	d = opendir(sysfs_dir);
	if (!d) {
		err = errno;
		npu_dbg("cannot read %s: %s", sysfs_dir, strerror(err));
		if (err == ENOENT)
			return buf ? -ENODEV : 0;
		return -err;
	}
	while ((de = readdir(d))) {
		minor = npu_accel_minor(de->d_name);
		if (minor < 0 || !npu_accel_is_npu(sysfs_dir, dev_dir, de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			tmp = realloc(minors, cap * sizeof(*minors));
			if (!tmp) {
				closedir(d);
				free(minors);
				return -ENOMEM;
			}
			minors = tmp;
		}
		minors[n++] = minor;
	}
	closedir(d);
	qsort(minors, n, sizeof(*minors), npu_cmp_long);

	ret = (int)n;
	if (buf) {
		if (index >= n) {
			ret = -ENODEV;
		} else if ((size_t)snprintf(buf, len, "%s/accel%ld", dev_dir,
					    minors[index]) >= len) {
			ret = -ERANGE;
		} else {
			ret = (int)n;
		}
	}
	free(minors);
	return ret;
}

int npu_device_count(void)
{
	return npu__err(npu__enum_devices(NPU_SYSFS_ACCEL, NPU_DEV_ACCEL, 0,
					  NULL, 0));
}

int npu_device_path_at(unsigned int index, char *buf, size_t len)
{
	int ret;

	if (!buf || !len)
		return npu__err(-EINVAL);
	ret = npu__enum_devices(NPU_SYSFS_ACCEL, NPU_DEV_ACCEL, index, buf, len);
	return npu__err(ret < 0 ? ret : 0);
}

/*
 * Allocate a device on backend @ops. Takes ownership of @fd and @priv (the
 * backend's destroy op releases them once the device is freed).
 */
struct npu_device *npu__device_new(const struct npu_backend_ops *ops,
				   uint32_t backend, int fd, const char *path,
				   void *priv)
{
	struct npu_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->ops = ops;
	dev->backend = backend;
	dev->fd = fd;
	dev->priv = priv;
	snprintf(dev->path, sizeof(dev->path), "%s", path);
	dev->refs = 1;
	pthread_mutex_init(&dev->lock, NULL);
	return dev;
}

void npu__device_get(struct npu_device *dev)
{
	__atomic_add_fetch(&dev->refs, 1, __ATOMIC_RELAXED);
}

void npu__device_put(struct npu_device *dev)
{
	if (__atomic_sub_fetch(&dev->refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (dev->ops->destroy)
		dev->ops->destroy(dev);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

/* Query a fixed-size answer; fields the driver does not report stay 0. */
static int npu_query_fixed(struct npu_device *dev, uint32_t id, void *out,
			   uint32_t size)
{
	uint32_t got = size;
	int ret;

	memset(out, 0, size);
	ret = dev->ops->query(dev, id, out, &got);
	/* an older driver copies only its (shorter) struct: the rest stays 0 */
	if (ret)
		npu_dbg("%s: query %u failed: %s", dev->path, id, strerror(-ret));
	return ret;
}

/* Read version and limits and check that libnpu speaks the driver's uAPI. */
int npu__device_init(struct npu_device *dev)
{
	int ret;

	ret = npu_query_fixed(dev, DRM_NPU_QUERY_VERSION, &dev->version,
			      sizeof(dev->version));
	if (ret)
		return ret;
	if (dev->version.major != DRM_NPU_DRIVER_MAJOR ||
	    dev->version.cmd_version < NPU_CMD_VERSION) {
		npu_dbg("%s: driver uAPI %u.%u (command stream v%u), libnpu needs %u.x (v%u)",
			dev->path, dev->version.major, dev->version.minor,
			dev->version.cmd_version, DRM_NPU_DRIVER_MAJOR,
			NPU_CMD_VERSION);
		return -EPROTO;
	}
	ret = npu_query_fixed(dev, DRM_NPU_QUERY_LIMITS, &dev->limits,
			      sizeof(dev->limits));
	if (ret)
		return ret;
	npu_dbg("%s: driver uAPI %u.%u, command stream v%u, %u opcodes",
		dev->path, dev->version.major, dev->version.minor,
		dev->version.cmd_version, dev->version.num_ops);
	return 0;
}

static struct npu_device *npu_accel_open(const char *path)
{
	struct npu_device *dev;
	int fd, ret;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		npu_dbg("cannot open %s: %s", path, strerror(-ret));
		return npu__err_ptr(ret);
	}
	if (!npu_fd_is_npu(fd)) {
		npu_dbg("%s is not driven by the \"%s\" DRM driver", path,
			NPU_DRIVER_NAME);
		close(fd);
		return npu__err_ptr(-ENODEV);
	}
	dev = npu__device_new(&npu__accel_ops, NPU_BACKEND_ACCEL, fd, path, NULL);
	if (!dev) {
		close(fd);
		return npu__err_ptr(-ENOMEM);
	}
	ret = npu__device_init(dev);
	if (ret) {
		npu__device_put(dev);
		return npu__err_ptr(ret);
	}
	return dev;
}

/* The host backend: no device node; "host" names it. */
static struct npu_device *npu_host_open(const char *path, uint32_t threads,
					uint32_t job_timeout_ms)
{
	struct npu_device *dev;
	int ret;

	if (path && strcmp(path, "host") != 0) {
		npu_dbg("the host backend has no device node: open NULL or \"host\", not %s",
			path);
		return npu__err_ptr(-EINVAL);
	}
	ret = npu__host_open(threads, job_timeout_ms, &dev);
	return ret ? npu__err_ptr(ret) : dev;
}

struct npu_device *npu_device_open(const char *path,
				   const struct npu_device_opts *opts)
{
	uint32_t backend = NPU_BACKEND_ACCEL, threads = 0, job_timeout_ms = 0;
	char first[NPU_PATH_MAX];
	int ret;

	if (opts) {
		ret = npu__opts_check(opts, opts->size, sizeof(*opts),
				      offsetofend(struct npu_device_opts, backend));
		if (ret)
			return npu__err_ptr(ret);
		backend = opts->backend;
		if (NPU_DEVICE_OPTS_HAS(opts, threads))
			threads = opts->threads;
		if (NPU_DEVICE_OPTS_HAS(opts, job_timeout_ms))
			job_timeout_ms = opts->job_timeout_ms;
	}
	switch (backend) {
	case NPU_BACKEND_ACCEL:
		if (threads || job_timeout_ms) {
			npu_dbg("threads and job_timeout_ms are options of the host backend; the accel backend's timeout is the npu module's job_timeout_ms parameter");
			return npu__err_ptr(-EINVAL);
		}
		break;
	case NPU_BACKEND_HOST:
		return npu_host_open(path, threads, job_timeout_ms);
	default:
		npu_dbg("unknown backend %u", backend);
		return npu__err_ptr(-EINVAL);
	}

	if (!path) {
		ret = npu__enum_devices(NPU_SYSFS_ACCEL, NPU_DEV_ACCEL, 0, first,
					sizeof(first));
		if (ret < 0) {
			if (ret == -ENODEV)
				npu_dbg("no npu device in %s (is the npu module loaded?)",
					NPU_SYSFS_ACCEL);
			return npu__err_ptr(ret);
		}
		path = first;
	} else if (strlen(path) >= NPU_PATH_MAX) {
		return npu__err_ptr(-ENAMETOOLONG);
	}
	return npu_accel_open(path);
}

void npu_device_close(struct npu_device *dev)
{
	if (dev)
		npu__device_put(dev);
}

int npu_device_fd(const struct npu_device *dev)
{
	if (!dev)
		return npu__err(-EINVAL);
	if (dev->backend == NPU_BACKEND_HOST)
		return npu__err(-EOPNOTSUPP);	/* no device file */
	return dev->fd;
}

const char *npu_device_path(const struct npu_device *dev)
{
	if (!dev)
		return npu__err_ptr(-EINVAL);
	return dev->path;
}

int npu_device_backend(const struct npu_device *dev)
{
	if (!dev)
		return npu__err(-EINVAL);
	return (int)dev->backend;
}

int npu_device_query_version(struct npu_device *dev,
			     struct drm_npu_query_version *out)
{
	if (!dev || !out)
		return npu__err(-EINVAL);
	return npu__err(npu_query_fixed(dev, DRM_NPU_QUERY_VERSION, out,
					sizeof(*out)));
}

int npu_device_query_limits(struct npu_device *dev,
			    struct drm_npu_query_limits *out)
{
	if (!dev || !out)
		return npu__err(-EINVAL);
	return npu__err(npu_query_fixed(dev, DRM_NPU_QUERY_LIMITS, out,
					sizeof(*out)));
}

/* Convert an engines answer of @size bytes at @buf; see the header. */
static int npu_parse_engines(const struct npu_device *dev, const void *buf,
			     uint32_t size, struct drm_npu_engine_info *engines,
			     unsigned int max)
{
	const struct drm_npu_query_engines *hdr = buf;
	const char *ent = (const char *)buf + sizeof(*hdr);
	size_t copy = sizeof(*engines);
	unsigned int i;

	if (size < sizeof(*hdr) || (hdr->count && !hdr->entry_size) ||
	    (uint64_t)hdr->count * hdr->entry_size > size - sizeof(*hdr) ||
	    hdr->count > INT_MAX) {
		npu_dbg("%s: malformed engines answer (%u bytes, %u entries of %u)",
			dev->path, size, size >= sizeof(*hdr) ? hdr->count : 0,
			size >= sizeof(*hdr) ? hdr->entry_size : 0);
		return -EPROTO;
	}
	if (copy > hdr->entry_size)
		copy = hdr->entry_size;
	for (i = 0; i < hdr->count && i < max; i++) {
		memset(&engines[i], 0, sizeof(engines[i]));
		memcpy(&engines[i], ent + (size_t)i * hdr->entry_size, copy);
		engines[i].name[sizeof(engines[i].name) - 1] = '\0';
	}
	return (int)hdr->count;
}

int npu_device_query_engines(struct npu_device *dev,
			     struct drm_npu_engine_info *engines,
			     unsigned int max)
{
	uint32_t size, got;
	void *buf;
	int tries, ret;

	if (!dev || (!engines && max))
		return npu__err(-EINVAL);
	/* The answer may grow between the two calls: then ask again. */
	for (tries = 0; tries < 4; tries++) {
		size = 0;
		ret = dev->ops->query(dev, DRM_NPU_QUERY_ENGINES, NULL, &size);
		if (ret)
			return npu__err(ret);
		buf = calloc(1, size ? size : 1);
		if (!buf)
			return npu__err(-ENOMEM);
		got = size;
		ret = dev->ops->query(dev, DRM_NPU_QUERY_ENGINES, buf, &got);
		if (!ret && got <= size)
			ret = npu_parse_engines(dev, buf, got, engines, max);
		else if (!ret)
			ret = -EAGAIN;
		free(buf);
		if (ret != -EAGAIN)
			return npu__err(ret);
	}
	return npu__err(-EAGAIN);
}

int npu_device_wait(struct npu_device *dev, uint64_t seqno, int64_t timeout_ns)
{
	int ret;

	if (!dev || timeout_ns < 0)
		return npu__err(-EINVAL);
	ret = dev->ops->wait(dev, seqno, timeout_ns);
	if (ret && ret != -ETIME)
		npu_dbg("%s: job %llu failed: %s", dev->path,
			(unsigned long long)seqno, strerror(-ret));
	return npu__err(ret);
}

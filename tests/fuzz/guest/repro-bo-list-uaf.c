// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * repro-bo-list-uaf: a BO_CREATE that fails inside the shmem helper leaves
 * a freed npu_bo on the device's BO list (use after free).
 *
 * npu_gem_create_object() (drm_driver.gem_create_object) puts the new BO
 * on npu_device.bos right away. If __drm_gem_shmem_create() fails after
 * that (drm_gem_object_init() or drm_gem_create_mmap_offset()), it frees
 * the object with a plain kfree(), not through obj->funcs->free, so
 * npu_gem_free() never takes it off the list: the next list_add_tail() or
 * list_del() on npu_device.bos, or a read of debugfs "bos", touches freed
 * memory. The same holds for imports (drm_gem_shmem_prime_import_sg_table()
 * -> __drm_gem_shmem_create()).
 *
 * An unprivileged user reaches the mmap-offset failure deterministically:
 * the fake-offset space of a DRM device is 1 TiB on 64-bit
 * (DRM_FILE_PAGE_OFFSET_SIZE), BOs of limits.max_bo_size cost no memory
 * until touched, so about 1 TiB / max_bo_size BO_CREATEs exhaust it; the
 * next one fails with -ENOSPC (also not a documented BO_CREATE error).
 * Out-of-memory (failslab) gets there too.
 *
 * Steps: create max-size BOs until BO_CREATE fails, then create one more
 * small BO (list_add_tail next to the stale entry), read debugfs bos, and
 * close the file (list_del of every BO). On a kernel with KASAN this is a
 * slab-use-after-free report; with CONFIG_LIST_HARDENED a "list_add
 * corruption" BUG; on others it may pass silently or corrupt memory.
 *
 * Run only inside the test VM.
 */
#include <sys/select.h>

#include "repro.h"

static void read_debugfs_bos(void)
{
	char link[256], target[256], path[512], buf[4096];
	const char *base;
	ssize_t n = -1;
	int fd, i;

	for (i = 0; i < 64 && n <= 0; i++) {
		snprintf(link, sizeof(link), "/sys/class/accel/accel%d/device", i);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0 && !strstr(target, "npu"))
			n = -1;
	}
	if (n <= 0)
		return;
	target[n] = 0;
	base = strrchr(target, '/');
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/bos", base ? base + 1 : target);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/* wait up to @ms for an int on @fd; 0 when one came */
static int read_int(int fd, int *v, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	fd_set rs;

	FD_ZERO(&rs);
	FD_SET(fd, &rs);
	if (select(fd + 1, &rs, NULL, NULL, &tv) <= 0)
		return -1;
	return read(fd, v, sizeof(*v)) == sizeof(*v) ? 0 : -1;
}

int main(void)
{
	struct drm_npu_query_limits lim;
	struct drm_npu_query q;
	uint32_t handle, n = 0, small;
	int fd, ret = 0, fail, after, pipefd[2];
	pid_t pid;

	repro_begin("bo-list-uaf");
	fd = repro_open();
	if (fd < 0)
		return repro_skip("no npu device");
	memset(&q, 0, sizeof(q));
	q.query = DRM_NPU_QUERY_LIMITS;
	q.size = sizeof(lim);
	q.data = (uintptr_t)&lim;
	ret = repro_ioctl(fd, DRM_IOCTL_NPU_QUERY, &q);
	close(fd);
	if (ret)
		return repro_skip("QUERY LIMITS failed");
	repro_diag("max_bo_size %llu MiB: about %llu BOs fill 1 TiB of fake offsets",
		   (unsigned long long)(lim.max_bo_size >> 20),
		   (unsigned long long)((1ULL << 40) / lim.max_bo_size));
	if (pipe(pipefd))
		return repro_skip("pipe");

	/*
	 * Everything touching the device runs in a child: on an affected
	 * kernel it dies in a BUG() holding npu_device.bos_lock, and every
	 * later BO create or free (the parent's exit included) would hang.
	 */
	pid = fork();
	if (pid == 0) {
		fd = repro_open();
		while (fd >= 0 && n < 100000) {
			ret = repro_bo(fd, lim.max_bo_size, &handle, NULL);
			if (ret)
				break;
			n++;
		}
		if (write(pipefd[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(2);
		/* touch the list next to the stale entry, walk it, empty it */
		ret = repro_bo(fd, 4096, &small, NULL);
		read_debugfs_bos();
		close(fd);
		fd = repro_open();
		if (!ret && fd >= 0)
			ret = repro_bo(fd, 4096, &small, NULL);
		read_debugfs_bos();
		if (fd >= 0)
			close(fd);
		if (write(pipefd[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(2);
		_exit(0);
	}
	close(pipefd[1]);
	if (pid < 0 || read_int(pipefd[0], &fail, 600000))
		return repro_end(0, "no BO_CREATE failed within 10 minutes");
	repro_diag("the first failing max-size BO_CREATE: %d (%s)", fail, strerror(-fail));
	if (read_int(pipefd[0], &after, 60000))
		return repro_end(0, "the process died after BO_CREATE failed with %s (check dmesg: "
				 "list corruption / use-after-free in npu_gem_create_object)",
				 strerror(-fail));
	repro_diag("BO_CREATE, debugfs bos, close and a new file afterwards: %d", after);
	/*
	 * Without KASAN or list hardening the corruption may go unnoticed;
	 * the rig's dmesg check and the debug kernel decide. An errno other
	 * than ENOMEM for the failing create is a finding by itself.
	 */
	return repro_end(fail == -ENOMEM && after == 0,
			 "the failing BO_CREATE gave %s (documented: ENOMEM); afterwards: %s",
			 strerror(-fail), after ? strerror(-after) : "ok");
}

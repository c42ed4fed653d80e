// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * npu_smoke: small helper for shell tests (npu_reload.sh). Not a test by
 * itself; every mode prints one line and exits 0 on success.
 *
 *   npu_smoke path             print the npu accel node ($NPU_DEVICE wins)
 *   npu_smoke count            print how many npu accel nodes exist
 *   npu_smoke job              run one checked job on the device
 *   npu_smoke job-or-timeout   run one job that may time out (-ETIMEDOUT)
 *                              or give the right answer, then one checked
 *                              job; prints which it was
 *   npu_smoke hold             hold the device open until stdin closes
 *   npu_smoke hold-mmap        map a BO, close the device file, hold the
 *                              mapping until stdin closes, then check it
 *   npu_smoke hold-dmabuf      export a BO, close the device file, hold the
 *                              dma-buf until stdin closes
 *   npu_smoke unplug           open the device, print "ready", wait for a
 *                              line on stdin (the device is unbound
 *                              meanwhile), then expect -ENODEV from ioctls
 *   npu_smoke delete-module M  delete_module(M, O_NONBLOCK); print the errno
 *
 * The "hold" modes print "ready" once they hold their reference.
 */
#include <sys/syscall.h>

#include "npu_test.h"

static int wait_stdin_eof(void)
{
	char buf[64];

	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}

static void ready(void)
{
	printf("ready\n");
	fflush(stdout);
}

static int fail(const char *what, int err)
{
	printf("FAIL %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

static int mode_count(void)
{
	char path[300];
	int i, n = 0, fd;

	for (i = 0; i < 256; i++) {
		snprintf(path, sizeof(path), "/dev/accel/accel%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		n += npu_fd_is_driver(fd, "npu");
		close(fd);
	}
	printf("%d\n", n);
	return 0;
}

static int mode_job_or_timeout(void)
{
	struct npu_canned c;
	uint64_t seqno = 0;
	int fd, ret;

	fd = npu_open();
	if (fd < 0)
		return fail("open", fd);
	ret = npu_canned_init(fd, &c, 3, 5, 4, 11);
	if (ret)
		return fail("canned init", ret);
	ret = npu_canned_submit(fd, &c, &seqno);
	if (ret)
		return fail("submit", ret);
	ret = npu_wait(fd, seqno, NPU_WAIT_NS);
	/* a job aborted late may have written some or all of its output */
	if (!ret)
		ret = npu_canned_check(&c);
	if (ret && ret != -ETIMEDOUT)
		return fail("job", ret);
	printf("%s\n", !ret ? "ok" : npu_is_poison(c.out.map, c.out.size) ?
	       "timed out, output untouched" : "timed out, output (partly) written");
	npu_canned_fini(fd, &c);
	ret = npu_check_device(fd);
	close(fd);
	return ret ? fail("job after it", ret) : 0;
}

static int mode_hold_mmap(void)
{
	struct npu_bo bo;
	size_t i;
	int fd = npu_open(), ret;

	if (fd < 0)
		return fail("open", fd);
	ret = npu_bo_new(fd, 3 * 4096, &bo);
	if (ret)
		return fail("bo", ret);
	for (i = 0; i < bo.size; i++)
		bo.map[i] = (uint8_t)i;
	npu_gem_close(fd, bo.handle);
	close(fd);
	ready();
	wait_stdin_eof();
	for (i = 0; i < bo.size; i++)
		if (bo.map[i] != (uint8_t)i)
			return fail("mapping lost its data", EIO);
	munmap(bo.map, bo.size);
	printf("ok\n");
	return 0;
}

static int mode_hold_dmabuf(void)
{
	uint32_t h;
	int fd = npu_open(), dmabuf, ret;

	if (fd < 0)
		return fail("open", fd);
	ret = npu_bo_create(fd, 4096, &h);
	if (!ret)
		ret = npu_prime_export(fd, h, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
	if (ret)
		return fail("export", ret);
	close(fd);
	ready();
	wait_stdin_eof();
	close(dmabuf);
	printf("ok\n");
	return 0;
}

static int mode_unplug(void)
{
	struct drm_npu_query_limits lim;
	struct npu_canned c;
	uint32_t h;
	char line[64];
	int fd = npu_open(), ret;

	if (fd < 0)
		return fail("open", fd);
	ret = npu_canned_init(fd, &c, 4, 4, 4, 1);
	if (ret)
		return fail("canned", ret);
	ready();
	if (!fgets(line, sizeof(line), stdin))
		return fail("stdin", EPIPE);
	/* the device is gone now: every ioctl says so */
	ret = npu_get_limits(fd, &lim);
	if (ret != -ENODEV)
		return fail("QUERY after unplug did not fail with ENODEV", ret);
	ret = npu_bo_create(fd, 4096, &h);
	if (ret != -ENODEV)
		return fail("BO_CREATE after unplug did not fail with ENODEV",
			    ret);
	ret = npu_canned_submit(fd, &c, NULL);
	if (ret != -ENODEV)
		return fail("SUBMIT after unplug did not fail with ENODEV", ret);
	munmap(c.in.map, c.in.size);
	munmap(c.out.map, c.out.size);
	close(fd);
	printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	char path[300];
	int fd, ret;

	if (argc < 2) {
		fprintf(stderr, "usage: %s path|count|job|job-or-timeout|hold|hold-mmap|"
			"hold-dmabuf|unplug|delete-module NAME\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "path")) {
		ret = npu_device_path(path, sizeof(path));
		if (ret)
			return fail("no npu device", ret);
		printf("%s\n", path);
		return 0;
	}
	if (!strcmp(argv[1], "count"))
		return mode_count();
	if (!strcmp(argv[1], "job")) {
		fd = npu_open();
		if (fd < 0)
			return fail("open", fd);
		ret = npu_check_device(fd);
		close(fd);
		if (ret)
			return fail("job", ret);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(argv[1], "job-or-timeout"))
		return mode_job_or_timeout();
	if (!strcmp(argv[1], "hold")) {
		fd = npu_open();
		if (fd < 0)
			return fail("open", fd);
		ready();
		wait_stdin_eof();
		close(fd);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(argv[1], "hold-mmap"))
		return mode_hold_mmap();
	if (!strcmp(argv[1], "hold-dmabuf"))
		return mode_hold_dmabuf();
	if (!strcmp(argv[1], "unplug"))
		return mode_unplug();
	if (!strcmp(argv[1], "delete-module") && argc == 3) {
		ret = syscall(SYS_delete_module, argv[2], O_NONBLOCK);
		printf("%s\n", ret ? strerror(errno) : "ok");
		return ret ? errno : 0;
	}
	fprintf(stderr, "unknown mode %s\n", argv[1]);
	return 2;
}

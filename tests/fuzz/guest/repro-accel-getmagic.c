// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * repro-accel-getmagic [--unique]: DRM_IOCTL_GET_MAGIC (or, with --unique,
 * DRM_IOCTL_GET_UNIQUE) on an accel node dereferences a NULL drm_master.
 *
 * Found by npu-fuzz (seed 2, RAW_IOCTL, nr 0x02). The DRM core (6.12, and
 * upstream as of this writing) defines both ioctls with flags 0, and
 * drm_ioctl_permit() only restricts render nodes; accel files never get a
 * drm_master (drm_open_helper() calls drm_master_open() for primary nodes
 * only), so drm_getmagic() does idr_alloc(&file_priv->master->magic_map)
 * and drm_getunique() reads master->unique_len with master == NULL:
 *
 *   BUG: kernel NULL pointer dereference, address: 0000000000000030
 *   RIP: 0010:idr_alloc_u32+0x17/0x110
 *    idr_alloc+0x3a/0x70
 *    drm_getmagic+0x8c/0xa0 [drm]
 *    drm_ioctl_kernel+0xaf/0x100 [drm]
 *    drm_ioctl+0x276/0x4c0 [drm]
 *
 * The oops happens with dev->master_mutex held, so every later ioctl that
 * takes it (SET_MASTER, GET_MAGIC, ...) on that device hangs. Any user who
 * can open /dev/accel/accelN can do this; no npu ioctl is involved (every
 * accel driver is affected). Expected on a fixed kernel: an error (EACCES,
 * EINVAL or EOPNOTSUPP) and no oops.
 *
 * Run only inside the test VM: on an affected kernel it oopses.
 */
#include "repro.h"

int main(int argc, char **argv)
{
	int unique = argc > 1 && !strcmp(argv[1], "--unique");
	struct drm_unique u;
	struct drm_auth a;
	int fd, ret;

	repro_begin(unique ? "accel-getunique" : "accel-getmagic");
	fd = repro_open();
	if (fd < 0)
		return repro_skip("no npu device");
	if (unique) {
		char buf[64];

		memset(&u, 0, sizeof(u));
		u.unique_len = sizeof(buf);
		u.unique = buf;
		ret = repro_ioctl(fd, DRM_IOCTL_GET_UNIQUE, &u);
	} else {
		memset(&a, 0, sizeof(a));
		ret = repro_ioctl(fd, DRM_IOCTL_GET_MAGIC, &a);
	}
	/* on an affected kernel this process was killed by the oops above */
	repro_diag("ioctl returned %d (%s)", ret, ret ? strerror(-ret) : "success");
	close(fd);
	return repro_end(ret == -EACCES || ret == -EINVAL || ret == -EOPNOTSUPP,
			 "%s on an accel file: %s", unique ? "GET_UNIQUE" : "GET_MAGIC",
			 ret ? strerror(-ret) : "success");
}

// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: names, version, diagnostics and small helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npu_priv.h"
#include "../../firmware/npu_fw.h"

#define NPU_STR_(x)	#x
#define NPU_STR(x)	NPU_STR_(x)

/*
 * NPU_DEBUG is read at each use rather than cached: no global state, and
 * the debug paths are error paths or cost far less than the ioctl they log.
 */
bool npu__debug(void)
{
	const char *v = getenv("NPU_DEBUG");

	return v && *v && strcmp(v, "0") != 0;
}

void npu__log(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one write per message so lines of concurrent threads do not mix */
	fprintf(stderr, "libnpu: %s\n", line);
}

/* Return a negative errno and set errno to it. */
int npu__err(int err)
{
	if (err < 0)
		errno = -err;
	return err;
}

/* Set errno from a negative errno and return NULL. */
void *npu__err_ptr(int err)
{
	errno = -err;
	return NULL;
}

/*
 * Check the size field of an option struct: it must cover @min_size, and
 * bytes a newer caller passes beyond what this libnpu knows must be zero.
 */
int npu__opts_check(const void *opts, size_t user_size, size_t known_size,
		    size_t min_size)
{
	const unsigned char *p = opts;
	size_t i;

	if (user_size < min_size) {
		npu_dbg("option struct size %zu below the minimum %zu",
			user_size, min_size);
		return -EINVAL;
	}
	for (i = known_size; i < user_size; i++) {
		if (p[i]) {
			npu_dbg("option struct has non-zero byte %zu past the %zu this libnpu knows",
				i, known_size);
			return -EINVAL;
		}
	}
	return 0;
}

/* Make room for @need elements of @elem bytes in a growable array. */
int npu__grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 8;
	while (ncap < need)
		ncap = ncap > UINT32_MAX / 2 ? need : ncap * 2;
	p = realloc(*arr, (size_t)ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

const char *npu_version_string(void)
{
	return NPU_STR(NPU_VERSION_MAJOR) "." NPU_STR(NPU_VERSION_MINOR) "."
	       NPU_STR(NPU_VERSION_PATCH);
}

const char *npu_op_name(uint32_t opcode)
{
	const char *name = npu_fw_op_name(opcode);

	/* an opcode of the uAPI that the firmware library has no name for */
	return name ? name : "?";
}

const char *npu_dtype_name(uint32_t dtype)
{
	static const char * const names[NPU_DTYPE_COUNT] = {
		[NPU_DTYPE_F32] = "f32",
		[NPU_DTYPE_I8] = "i8",
		[NPU_DTYPE_U8] = "u8",
		[NPU_DTYPE_I32] = "i32",
	};

	return dtype < NPU_DTYPE_COUNT ? names[dtype] : "?";
}

size_t npu_dtype_size(uint32_t dtype)
{
	return npu_fw_dtype_size(dtype);
}

const char *npu_backend_name(uint32_t backend)
{
	switch (backend) {
	case NPU_BACKEND_ACCEL:
		return "accel";
	case NPU_BACKEND_HOST:
		return "host";
	default:
		return "?";
	}
}

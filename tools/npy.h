/* SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT) */
/*
 * tools/npy.h - read and write NumPy .npy files (the tensor interchange
 * format of npu-run and tools/npy.mjs), without NumPy.
 *
 * Reads format 1.0, 2.0 and 3.0, C order only, dtypes '<f4', '|u1', '|i1'
 * and '<i4' (little-endian; '<' or '=' for 4-byte types, any byte-order
 * character for 1-byte ones). Writes format 1.0 with NumPy's header
 * layout (padded with spaces and '\n' to a multiple of 64 bytes), byte for
 * byte what tools/npy.mjs and numpy.save() write.
 *
 * Every malformed input is rejected with a message; nothing here aborts.
 */
#ifndef NPU_TOOLS_NPY_H
#define NPU_TOOLS_NPY_H

#include <stddef.h>
#include <stdint.h>

/* the largest rank read; NumPy's own limit is 64 */
#define NPY_MAX_DIMS	16
/* the largest file npy_read() takes */
#define NPY_MAX_FILE	(4ULL << 30)

enum npy_dtype {
	NPY_F4,		/* '<f4' float32 */
	NPY_U1,		/* '|u1' uint8 */
	NPY_I1,		/* '|i1' int8 */
	NPY_I4,		/* '<i4' int32 */
};

struct npy_array {
	enum npy_dtype dtype;
	unsigned int ndim;
	uint64_t shape[NPY_MAX_DIMS];
	uint64_t count;		/* elements: the product of shape (1 for rank 0) */
	size_t nbytes;		/* count * itemsize */
	int major, minor;	/* format version read */
	void *data;		/* nbytes of C-order data (inside mem) */
	void *mem;		/* owned allocation, freed by npy_free() */
};

/* "<f4" etc., and bytes per element */
const char *npy_descr(enum npy_dtype dtype);
size_t npy_itemsize(enum npy_dtype dtype);

/*
 * Parse a whole .npy file held at buf (len bytes); the data are copied.
 * Returns 0, or -1 with a message (why the file is not valid) in err.
 */
int npy_parse(const void *buf, size_t len, struct npy_array *a, char *err,
	      size_t errlen);

/* Read and parse path; err then starts with "PATH: ". */
int npy_read(const char *path, struct npy_array *a, char *err, size_t errlen);

/* Write data (count * itemsize bytes) as a format 1.0 file. */
int npy_write(const char *path, enum npy_dtype dtype, unsigned int ndim,
	      const uint64_t *shape, const void *data, char *err, size_t errlen);

void npy_free(struct npy_array *a);

/* "[1,3,48,192]" ("[]" for rank 0); returns buf */
char *npy_shape_str(unsigned int ndim, const uint64_t *shape, char *buf,
		    size_t len);

#endif /* NPU_TOOLS_NPY_H */

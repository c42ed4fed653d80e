// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * tools/npy.c - NumPy .npy reader and writer (see npy.h).
 *
 * The header is a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 48, 192), }
 * It is parsed as exactly that grammar (three keys, each once; quoted
 * strings without escapes; True/False; a tuple of non-negative integers,
 * Python 2's "3L" included), not evaluated.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "npy.h"

static const unsigned char npy_magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };

const char *npy_descr(enum npy_dtype dtype)
{
	switch (dtype) {
	case NPY_F4: return "<f4";
	case NPY_U1: return "|u1";
	case NPY_I1: return "|i1";
	case NPY_I4: return "<i4";
	}
	return "?";
}

size_t npy_itemsize(enum npy_dtype dtype)
{
	return dtype == NPY_F4 || dtype == NPY_I4 ? 4 : 1;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

char *npy_shape_str(unsigned int ndim, const uint64_t *shape, char *buf,
		    size_t len)
{
	size_t n;
	unsigned int i;

	if (!len)
		return buf;
	n = (size_t)snprintf(buf, len, "[");
	for (i = 0; i < ndim && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%llu", i ? "," : "",
				      (unsigned long long)shape[i]);
	if (n < len)
		snprintf(buf + n, len - n, "]");
	return buf;
}

/* ---- the header's dict literal ---- */

struct hdr {
	const char *p, *end;
};

static void skip_ws(struct hdr *h)
{
	while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' ||
				 *h->p == '\r'))
		h->p++;
}

static bool eat(struct hdr *h, char c)
{
	skip_ws(h);
	if (h->p < h->end && *h->p == c) {
		h->p++;
		return true;
	}
	return false;
}

/* a quoted string without escapes into out (at most outlen - 1 chars) */
static int parse_str(struct hdr *h, char *out, size_t outlen)
{
	char q;
	size_t n = 0;

	skip_ws(h);
	if (h->p >= h->end || (*h->p != '\'' && *h->p != '"'))
		return -1;
	q = *h->p++;
	while (h->p < h->end && *h->p != q) {
		if (*h->p == '\\' || *h->p == '\0' || n + 1 >= outlen)
			return -1;
		out[n++] = *h->p++;
	}
	if (h->p >= h->end)
		return -1;
	h->p++;
	out[n] = '\0';
	return 0;
}

static int parse_bool(struct hdr *h, bool *v)
{
	skip_ws(h);
	if (h->end - h->p >= 4 && !memcmp(h->p, "True", 4)) {
		h->p += 4;
		*v = true;
		return 0;
	}
	if (h->end - h->p >= 5 && !memcmp(h->p, "False", 5)) {
		h->p += 5;
		*v = false;
		return 0;
	}
	return -1;
}

/* "(1, 3, 48, 192)", "(5,)", "()" */
static int parse_shape(struct hdr *h, struct npy_array *a, char *err,
		       size_t errlen)
{
	uint64_t v;

	a->ndim = 0;
	if (!eat(h, '('))
		return fail(err, errlen, "'shape' is not a tuple");
	for (;;) {
		if (eat(h, ')'))
			return 0;
		skip_ws(h);
		if (h->p >= h->end || *h->p < '0' || *h->p > '9')
			return fail(err, errlen, "'shape' is not a tuple of non-negative integers");
		v = 0;
		while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
			v = v * 10 + (uint64_t)(*h->p++ - '0');
			if (v > UINT32_MAX)
				return fail(err, errlen, "a dimension of 'shape' is larger than %u",
					    UINT32_MAX);
		}
		if (h->p < h->end && (*h->p == 'L' || *h->p == 'l'))
			h->p++;
		if (a->ndim == NPY_MAX_DIMS)
			return fail(err, errlen, "'shape' has more than %d dimensions",
				    NPY_MAX_DIMS);
		a->shape[a->ndim++] = v;
		if (eat(h, ','))
			continue;
		if (eat(h, ')'))
			return 0;
		return fail(err, errlen, "'shape' is not a tuple of non-negative integers");
	}
}

static int parse_descr(const char *d, struct npy_array *a, char *err,
		       size_t errlen)
{
	static const struct {
		const char *name;
		enum npy_dtype dtype;
	} types[] = {
		{ "<f4", NPY_F4 }, { "=f4", NPY_F4 },
		{ "<i4", NPY_I4 }, { "=i4", NPY_I4 },
		{ "|u1", NPY_U1 }, { "<u1", NPY_U1 }, { ">u1", NPY_U1 },
		{ "=u1", NPY_U1 }, { "u1", NPY_U1 },
		{ "|i1", NPY_I1 }, { "<i1", NPY_I1 }, { ">i1", NPY_I1 },
		{ "=i1", NPY_I1 }, { "i1", NPY_I1 },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (!strcmp(d, types[i].name)) {
			a->dtype = types[i].dtype;
			return 0;
		}
	}
	if (d[0] == '>')
		return fail(err, errlen,
			    "dtype '%s' is big-endian: only little-endian data are read (numpy: a.astype('<%s'))",
			    d, d + 1);
	return fail(err, errlen,
		    "dtype '%s' is not supported (only '<f4', '|u1', '|i1', '<i4')", d);
}

static int parse_header(const char *text, size_t len, struct npy_array *a,
			char *err, size_t errlen)
{
	struct hdr h = { text, text + len };
	bool have_descr = false, have_fortran = false, have_shape = false;
	bool fortran = false;
	char key[32], descr[32];

	if (memchr(text, '\0', len))
		return fail(err, errlen, "the header has a NUL byte");
	if (!eat(&h, '{'))
		return fail(err, errlen, "the header is not a dict literal");
	for (;;) {
		if (eat(&h, '}'))
			break;
		if (parse_str(&h, key, sizeof(key)))
			return fail(err, errlen, "the header's keys are not 'descr', 'fortran_order' and 'shape'");
		if (!eat(&h, ':'))
			return fail(err, errlen, "the header has no ':' after '%s'", key);
		if (!strcmp(key, "descr")) {
			if (have_descr)
				return fail(err, errlen, "the header has 'descr' twice");
			if (parse_str(&h, descr, sizeof(descr)))
				return fail(err, errlen, "'descr' is not a simple dtype string (record dtypes are not supported)");
			have_descr = true;
		} else if (!strcmp(key, "fortran_order")) {
			if (have_fortran)
				return fail(err, errlen, "the header has 'fortran_order' twice");
			if (parse_bool(&h, &fortran))
				return fail(err, errlen, "'fortran_order' is not True or False");
			have_fortran = true;
		} else if (!strcmp(key, "shape")) {
			if (have_shape)
				return fail(err, errlen, "the header has 'shape' twice");
			if (parse_shape(&h, a, err, errlen))
				return -1;
			have_shape = true;
		} else {
			return fail(err, errlen, "unexpected key '%s' in the header", key);
		}
		if (eat(&h, ','))
			continue;
		if (eat(&h, '}'))
			break;
		return fail(err, errlen, "the header is not a dict literal");
	}
	skip_ws(&h);
	if (h.p != h.end)
		return fail(err, errlen, "characters after the header's dict");
	if (!have_descr || !have_fortran || !have_shape)
		return fail(err, errlen, "the header lacks '%s'",
			    !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape");
	if (fortran)
		return fail(err, errlen,
			    "Fortran order (fortran_order: True) is not supported: save the array in C order (numpy.ascontiguousarray)");
	return parse_descr(descr, a, err, errlen);
}

/* Parse buf; data_off receives where the data start. */
static int parse(const unsigned char *buf, size_t len, struct npy_array *a,
		 size_t *data_off, char *err, size_t errlen)
{
	size_t hstart, hlen, have, item, i;
	uint64_t count = 1;
	char shp[NPY_MAX_DIMS * 12 + 3];

	memset(a, 0, sizeof(*a));
	if (len < 8 || memcmp(buf, npy_magic, sizeof(npy_magic)))
		return fail(err, errlen, "no \\x93NUMPY magic at the start");
	a->major = buf[6];
	a->minor = buf[7];
	if (a->major == 1 && a->minor == 0) {
		if (len < 10)
			return fail(err, errlen, "truncated header (%zu bytes)", len);
		hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
		hstart = 10;
	} else if ((a->major == 2 || a->major == 3) && a->minor == 0) {
		if (len < 12)
			return fail(err, errlen, "truncated header (%zu bytes)", len);
		hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
		       (size_t)buf[11] << 24;
		hstart = 12;
	} else {
		return fail(err, errlen, "format version %d.%d is not supported (1.0, 2.0, 3.0)",
			    a->major, a->minor);
	}
	if (hlen > len - hstart)
		return fail(err, errlen, "truncated header: %zu bytes declared, %zu present",
			    hlen, len - hstart);
	if (parse_header((const char *)buf + hstart, hlen, a, err, errlen))
		return -1;

	item = npy_itemsize(a->dtype);
	for (i = 0; i < a->ndim; i++) {
		if (a->shape[i] && count > (uint64_t)SIZE_MAX / item / a->shape[i])
			return fail(err, errlen, "shape %s is too large",
				    npy_shape_str(a->ndim, a->shape, shp, sizeof(shp)));
		count *= a->shape[i];
	}
	a->count = count;
	a->nbytes = (size_t)count * item;
	*data_off = hstart + hlen;
	have = len - *data_off;
	if (have != a->nbytes)
		return fail(err, errlen, "%s data: %zu bytes, shape %s '%s' needs %zu",
			    have < a->nbytes ? "truncated" : "trailing bytes after the",
			    have, npy_shape_str(a->ndim, a->shape, shp, sizeof(shp)),
			    npy_descr(a->dtype), a->nbytes);
	return 0;
}

int npy_parse(const void *buf, size_t len, struct npy_array *a, char *err,
	      size_t errlen)
{
	size_t off;

	if (parse(buf, len, a, &off, err, errlen))
		return -1;
	a->mem = malloc(a->nbytes ? a->nbytes : 1);
	if (!a->mem)
		return fail(err, errlen, "out of memory (%zu bytes)", a->nbytes);
	memcpy(a->mem, (const unsigned char *)buf + off, a->nbytes);
	a->data = a->mem;
	return 0;
}

int npy_read(const char *path, struct npy_array *a, char *err, size_t errlen)
{
	unsigned char *buf = NULL, *nb;
	size_t len = 0, cap = 0, got, off;
	struct stat st;
	char why[256];
	FILE *f;

	memset(a, 0, sizeof(*a));
	f = fopen(path, "rb");
	if (!f)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return fail(err, errlen, "%s: is a directory", path);
	}
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
		if ((unsigned long long)st.st_size > NPY_MAX_FILE) {
			fclose(f);
			return fail(err, errlen, "%s: larger than %llu bytes", path,
				    (unsigned long long)NPY_MAX_FILE);
		}
		cap = (size_t)st.st_size + 1;
	}
	for (;;) {
		if (!buf || len == cap) {
			if (buf && cap >= NPY_MAX_FILE) {
				free(buf);
				fclose(f);
				return fail(err, errlen, "%s: larger than %llu bytes", path,
					    (unsigned long long)NPY_MAX_FILE);
			}
			if (buf)
				cap = cap < 65536 ? 65536 : cap * 2;
			else if (!cap)
				cap = 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return fail(err, errlen, "%s: out of memory", path);
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return fail(err, errlen, "%s: read error", path);
	}
	fclose(f);
	if (parse(buf ? buf : (unsigned char *)"", len, a, &off, why, sizeof(why))) {
		free(buf);
		return fail(err, errlen, "%s: not a valid .npy file: %s", path, why);
	}
	/* keep the file's buffer; the data start at off */
	a->mem = buf;
	a->data = buf + off;
	return 0;
}

int npy_write(const char *path, enum npy_dtype dtype, unsigned int ndim,
	      const uint64_t *shape, const void *data, char *err, size_t errlen)
{
	char hdr[NPY_MAX_DIMS * 24 + 128];
	unsigned char pre[10];
	uint64_t count = 1;
	size_t n, pad, i, nbytes;
	FILE *f;

	if (ndim > NPY_MAX_DIMS)
		return fail(err, errlen, "%s: rank %u is above %d", path, ndim, NPY_MAX_DIMS);
	n = (size_t)snprintf(hdr, sizeof(hdr), "{'descr': '%s', 'fortran_order': False, 'shape': (",
			     npy_descr(dtype));
	for (i = 0; i < ndim; i++) {
		n += (size_t)snprintf(hdr + n, sizeof(hdr) - n, "%s%llu", i ? ", " : "",
				      (unsigned long long)shape[i]);
		count *= shape[i];
	}
	n += (size_t)snprintf(hdr + n, sizeof(hdr) - n, "%s), }", ndim == 1 ? "," : "");
	/* pad with spaces so that magic + length + header + '\n' is a multiple of 64 */
	pad = (64 - (10 + n + 1) % 64) % 64;
	memset(hdr + n, ' ', pad);
	n += pad;
	hdr[n++] = '\n';
	memcpy(pre, npy_magic, sizeof(npy_magic));
	pre[6] = 1;
	pre[7] = 0;
	pre[8] = (unsigned char)(n & 0xff);
	pre[9] = (unsigned char)(n >> 8);
	nbytes = (size_t)count * npy_itemsize(dtype);

	f = fopen(path, "wb");
	if (!f)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	if (fwrite(pre, 1, sizeof(pre), f) != sizeof(pre) || fwrite(hdr, 1, n, f) != n ||
	    (nbytes && fwrite(data, 1, nbytes, f) != nbytes)) {
		int e = errno;

		fclose(f);
		return fail(err, errlen, "%s: write error: %s", path, strerror(e));
	}
	if (fclose(f))
		return fail(err, errlen, "%s: write error: %s", path, strerror(errno));
	return 0;
}

void npy_free(struct npy_array *a)
{
	if (!a)
		return;
	free(a->mem);
	a->mem = NULL;
	a->data = NULL;
}

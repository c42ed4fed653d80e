// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * Host unit tests of tools/npy.c, npu-run's .npy reader and writer, built
 * with ASan/UBSan: the bytes it writes (NumPy's layout, as tools/npy.mjs
 * writes them), what it reads (format 1.0/2.0/3.0, the dtypes, header
 * spellings NumPy accepts), and hostile files: every truncation of a valid
 * file, bad magic and versions, malformed headers, Fortran order, other
 * dtypes, sizes that overflow, and a few thousand random mutations, none of
 * which may crash or read out of bounds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"

#include "../../tools/npy.h"

/* a file: magic, version, header length, header text, data */
static size_t mkfile(unsigned char *buf, size_t cap, int major, const char *hdr,
		     const void *data, size_t nbytes)
{
	size_t hl = strlen(hdr), off = major == 1 ? 10 : 12;

	if (off + hl + nbytes > cap)
		abort();
	memcpy(buf, "\x93NUMPY", 6);
	buf[6] = (unsigned char)major;
	buf[7] = 0;
	buf[8] = (unsigned char)(hl & 0xff);
	buf[9] = (unsigned char)(hl >> 8);
	if (major != 1) {
		buf[10] = (unsigned char)(hl >> 16);
		buf[11] = (unsigned char)(hl >> 24);
	}
	memcpy(buf + off, hdr, hl);
	if (nbytes)
		memcpy(buf + off + hl, data, nbytes);
	return off + hl + nbytes;
}

static const float six[6] = { 1, -2, 3.5f, 0, 1e-7f, 65504 };

/* parse a header with six floats' worth of data; 0 or -1, the message in err */
static int try_header(const char *hdr, size_t nbytes, struct npy_array *a, char *err,
		      size_t errlen)
{
	unsigned char buf[1024];
	unsigned char data[64] = { 0 };
	size_t len = mkfile(buf, sizeof(buf), 1, hdr, data, nbytes);
	int ret = npy_parse(buf, len, a, err, errlen);

	if (!ret)
		npy_free(a);
	return ret;
}

TEST(write_is_numpys_layout)
{
	char path[] = "/tmp/test_npy_XXXXXX";
	unsigned char buf[256];
	uint64_t shape[2] = { 2, 3 };
	struct npy_array a;
	char err[256];
	const char *want = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
	size_t n;
	FILE *f;
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_EQ(0, npy_write(path, NPY_F4, 2, shape, six, err, sizeof(err))) TH_LOG("%s", err);
	f = fopen(path, "rb");
	ASSERT_NE(NULL, f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* 128-byte header: magic, 1.0, length 118, text padded with spaces, '\n' */
	ASSERT_EQ(128 + sizeof(six), n);
	EXPECT_EQ(0, memcmp(buf, "\x93NUMPY\x01\x00\x76\x00", 10));
	EXPECT_EQ(0, memcmp(buf + 10, want, strlen(want)));
	EXPECT_EQ(' ', buf[10 + strlen(want)]);
	EXPECT_EQ(' ', buf[126]);
	EXPECT_EQ('\n', buf[127]);
	EXPECT_EQ(0, memcmp(buf + 128, six, sizeof(six)));

	ASSERT_EQ(0, npy_read(path, &a, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(NPY_F4, a.dtype);
	EXPECT_EQ(2, a.ndim);
	EXPECT_EQ(2, a.shape[0]);
	EXPECT_EQ(3, a.shape[1]);
	EXPECT_EQ(6, a.count);
	EXPECT_EQ(sizeof(six), a.nbytes);
	EXPECT_EQ(0, memcmp(a.data, six, sizeof(six)));
	npy_free(&a);
	unlink(path);
}

TEST(round_trip_dtypes_and_ranks)
{
	static const struct {
		enum npy_dtype dtype;
		unsigned int ndim;
		uint64_t shape[4];
		const char *text;
	} cases[] = {
		{ NPY_F4, 4, { 1, 3, 48, 192 }, "'<f4', 'fortran_order': False, 'shape': (1, 3, 48, 192), }" },
		{ NPY_U1, 1, { 5 }, "'|u1', 'fortran_order': False, 'shape': (5,), }" },
		{ NPY_I1, 3, { 2, 1, 2 }, "'|i1', 'fortran_order': False, 'shape': (2, 1, 2), }" },
		{ NPY_I4, 0, { 0 }, "'<i4', 'fortran_order': False, 'shape': (), }" },
		{ NPY_F4, 2, { 0, 7 }, "'<f4', 'fortran_order': False, 'shape': (0, 7), }" },
	};
	char path[] = "/tmp/test_npy_XXXXXX";
	unsigned char *data, hdr[256];
	struct npy_array a;
	size_t i, j, n, nbytes;
	char err[256];
	uint64_t count;
	FILE *f;
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	close(fd);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		count = 1;
		for (j = 0; j < cases[i].ndim; j++)
			count *= cases[i].shape[j];
		nbytes = count * npy_itemsize(cases[i].dtype);
		data = malloc(nbytes + 1);
		ASSERT_NE(NULL, data);
		for (j = 0; j < nbytes; j++)
			data[j] = (unsigned char)(j * 7 + i);
		ASSERT_EQ(0, npy_write(path, cases[i].dtype, cases[i].ndim, cases[i].shape,
				       data, err, sizeof(err))) TH_LOG("%s", err);
		f = fopen(path, "rb");
		ASSERT_NE(NULL, f);
		n = fread(hdr, 1, sizeof(hdr), f);
		fclose(f);
		ASSERT_GE(n, 64 + (nbytes < 192 ? nbytes : 192));
		EXPECT_EQ(0, memcmp(hdr + 10 + strlen("{'descr': "), cases[i].text,
				    strlen(cases[i].text))) TH_LOG("case %zu: %.60s", i, hdr + 10);
		ASSERT_EQ(0, npy_read(path, &a, err, sizeof(err))) TH_LOG("%s", err);
		EXPECT_EQ(cases[i].dtype, a.dtype);
		EXPECT_EQ(cases[i].ndim, a.ndim);
		EXPECT_EQ(count, a.count);
		EXPECT_EQ(nbytes, a.nbytes);
		EXPECT_EQ(0, memcmp(a.data, data, nbytes));
		npy_free(&a);
		free(data);
	}
	unlink(path);
}

TEST(reads_versions_and_spellings)
{
	static const char * const ok[] = {
		"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
		"{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}",
		"{'shape': (2,3), 'fortran_order': False, 'descr': '=f4'}   \n",
		"{'descr':'<f4','fortran_order':False,'shape':(2L, 3L),}\n",
		"{ 'descr' : '<f4' ,\t'fortran_order' : False , 'shape' : ( 6 , ) , }",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (6), }",
	};
	unsigned char buf[512];
	struct npy_array a;
	char err[256];
	size_t i, len;
	int major;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ASSERT_EQ(0, try_header(ok[i], sizeof(six), &a, err, sizeof(err)))
			TH_LOG("%s: %s", ok[i], err);
	}
	for (major = 1; major <= 3; major++) {
		len = mkfile(buf, sizeof(buf), major,
			     "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }\n", six,
			     sizeof(six));
		ASSERT_EQ(0, npy_parse(buf, len, &a, err, sizeof(err))) TH_LOG("%s", err);
		EXPECT_EQ(major, a.major);
		EXPECT_EQ(6, a.count);
		EXPECT_EQ(0, memcmp(a.data, six, sizeof(six)));
		npy_free(&a);
	}
	ASSERT_EQ(0, try_header("{'descr': '|u1', 'fortran_order': False, 'shape': (24,), }",
				24, &a, err, sizeof(err)));
	ASSERT_EQ(0, try_header("{'descr': 'i1', 'fortran_order': False, 'shape': (4, 6), }",
				24, &a, err, sizeof(err)));
	ASSERT_EQ(0, try_header("{'descr': '<i4', 'fortran_order': False, 'shape': (6,), }",
				24, &a, err, sizeof(err)));
}

TEST(rejects_malformed_headers)
{
	static const struct {
		const char *hdr;
		size_t nbytes;
		const char *why;
	} bad[] = {
		{ "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24, "Fortran order" },
		{ "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 24, "'<f8' is not supported" },
		{ "{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }", 24, "big-endian" },
		{ "{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }", 24, "not supported" },
		{ "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }", 24, "record" },
		{ "{'descr': '<f4', 'shape': (6,), }", 24, "lacks 'fortran_order'" },
		{ "{'descr': '<f4', 'fortran_order': False, }", 24, "lacks 'shape'" },
		{ "{'fortran_order': False, 'shape': (6,), }", 24, "lacks 'descr'" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}", 24, "unexpected key 'x'" },
		{ "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", 24, "twice" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (-6,), }", 24, "non-negative" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (6.0,), }", 24, "non-negative" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': [6], }", 24, "not a tuple" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (6,, }", 24, "non-negative" },
		{ "{'descr': '<f4', 'fortran_order': 0, 'shape': (6,), }", 24, "True or False" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), } x", 24, "after the header" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), ", 24, "keys" },
		{ "'descr': '<f4'", 24, "dict literal" },
		{ "", 24, "dict literal" },
		{ "{'descr': '<\\x66\\x34', 'fortran_order': False, 'shape': (6,)}", 24, "dtype string" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296,), }", 24, "larger than" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967295, 4294967295, 4294967295), }", 24, "too large" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1), }", 4, "more than 16" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (7,), }", 24, "truncated data" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", 24, "trailing bytes" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", 4, "trailing bytes" },
	};
	struct npy_array a;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		EXPECT_EQ(-1, try_header(bad[i].hdr, bad[i].nbytes, &a, err, sizeof(err)))
			TH_LOG("accepted: %s", bad[i].hdr);
		EXPECT_NE(NULL, strstr(err, bad[i].why))
			TH_LOG("%s: '%s' does not say '%s'", bad[i].hdr, err, bad[i].why);
	}
}

TEST(rejects_bad_magic_versions_and_nul)
{
	unsigned char buf[256];
	struct npy_array a;
	char err[256];
	size_t len;

	len = mkfile(buf, sizeof(buf), 1,
		     "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", six, sizeof(six));
	buf[1] = 'X';
	EXPECT_EQ(-1, npy_parse(buf, len, &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "magic"));
	buf[1] = 'N';
	buf[6] = 4;
	EXPECT_EQ(-1, npy_parse(buf, len, &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "version 4.0"));
	buf[6] = 1;
	buf[7] = 1;
	EXPECT_EQ(-1, npy_parse(buf, len, &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "version 1.1"));
	buf[7] = 0;
	buf[20] = '\0';
	EXPECT_EQ(-1, npy_parse(buf, len, &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "NUL"));
	/* a header length past the end of the file */
	buf[20] = ' ';
	buf[9] = 0x7f;
	EXPECT_EQ(-1, npy_parse(buf, len, &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "truncated header"));
	/* a 2.0 header length near 4 GiB */
	len = mkfile(buf, sizeof(buf), 2,
		     "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", six, sizeof(six));
	buf[11] = 0xff;
	EXPECT_EQ(-1, npy_parse(buf, len, &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "truncated header"));
	EXPECT_EQ(-1, npy_parse("", 0, &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "magic"));
}

TEST(every_truncation_fails)
{
	unsigned char buf[256], *copy;
	struct npy_array a;
	char err[256];
	size_t len, n;

	len = mkfile(buf, sizeof(buf), 1,
		     "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }\n", six,
		     sizeof(six));
	for (n = 0; n < len; n++) {
		/* an exact-size heap copy, so ASan sees any read past the end */
		copy = malloc(n ? n : 1);
		ASSERT_NE(NULL, copy);
		memcpy(copy, buf, n);
		err[0] = '\0';
		EXPECT_EQ(-1, npy_parse(copy, n, &a, err, sizeof(err))) TH_LOG("length %zu", n);
		EXPECT_NE('\0', err[0]);
		free(copy);
	}
	ASSERT_EQ(0, npy_parse(buf, len, &a, err, sizeof(err)));
	npy_free(&a);
}

/* random byte changes and lengths: parse or fail, never crash */
TEST(mutations_never_crash)
{
	static const char alphabet[] = "{}()',: 0123456789L<|=>fiu14TrueFalsedescrshapefortran_order\n\x00\xff";
	unsigned char buf[256], *copy;
	uint32_t seed = 12345;
	struct npy_array a;
	unsigned int ok = 0, iter, k, nmut;
	char err[256];
	size_t len, n, pos;

	len = mkfile(buf, sizeof(buf), 1,
		     "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", six,
		     sizeof(six));
	for (iter = 0; iter < 20000; iter++) {
		copy = malloc(len + 8);
		ASSERT_NE(NULL, copy);
		memcpy(copy, buf, len);
		memset(copy + len, 0, 8);
		n = len;
		seed = seed * 1664525U + 1013904223U;
		nmut = 1 + (seed >> 28);
		for (k = 0; k < nmut; k++) {
			seed = seed * 1664525U + 1013904223U;
			pos = (seed >> 8) % n;
			seed = seed * 1664525U + 1013904223U;
			copy[pos] = (seed >> 31) ? (unsigned char)(seed >> 13) :
				    (unsigned char)alphabet[(seed >> 13) % (sizeof(alphabet) - 1)];
		}
		seed = seed * 1664525U + 1013904223U;
		if ((seed >> 30) == 0)
			n = (seed >> 8) % (len + 8);
		if (!npy_parse(copy, n, &a, err, sizeof(err))) {
			ok++;
			EXPECT_EQ(a.count * npy_itemsize(a.dtype), a.nbytes);
			npy_free(&a);
		} else {
			EXPECT_NE('\0', err[0]);
		}
		free(copy);
	}
	TH_LOG("%u of 20000 mutated files parse", ok);
}

TEST(read_errors_name_the_file)
{
	struct npy_array a;
	char err[512];

	EXPECT_EQ(-1, npy_read("/nonexistent/x.npy", &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/nonexistent/x.npy: No such file"));
	EXPECT_EQ(-1, npy_read("/tmp", &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "directory"));
	EXPECT_EQ(-1, npy_read("/dev/null", &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/dev/null: not a valid .npy file: no \\x93NUMPY magic"));
}

TEST_HARNESS_MAIN

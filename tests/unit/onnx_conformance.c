// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * ONNX operator conformance of libnpu's loader, against the node tests of
 * Debian's libonnx-testdata (/usr/share/libonnx-testdata/data/node/<case>/
 * model.onnx and test_data_set_N/{input,output}_M.pb).
 *
 * Every case is opened with npu_model_open() on a fake device whose submit
 * runs the firmware validator and interpreter in process (onnx_exec.h),
 * with the driver's limits, and classified:
 *
 *   unsupported  the loader refuses the model with -EOPNOTSUPP (an operator,
 *                attribute, data type or layout it does not implement);
 *                the message says what
 *   supported    the loader compiles it; then
 *     passed     every test data set's outputs match (shape exactly,
 *                values within |got - want| <= 1e-7 + 1e-3 * |want|, the
 *                tolerance of ONNX's own backend tests; integers exactly)
 *     failed     wrong shape or values, a run error, or a model the loader
 *                refuses for another reason (-EINVAL ...); "needs firmware"
 *                marks the failures where the model lowers to an opcode the
 *                firmware library of this tree does not implement yet
 *
 * Constant parameters. In the node test models every tensor is a graph
 * input, weights, scales and zero points included, while the loader needs
 * those as constants (initializers) and refuses the model as given. So a
 * case that is unsupported as given is retried in its constant-parameter
 * form: every graph input except the first becomes an initializer holding
 * the test data set's value for it (the ModelProto is decoded with
 * protobuf-c, the inputs moved to graph->initializer, the model re-packed
 * and opened with npu_model_open_mem()), each data set with its own model.
 * Such a case keeps counting as unsupported in the plain summary; the
 * retries are reported on their own KTAP lines ("# passed (constant
 * parameters)", "# failed (constant parameters): ...") and in a second
 * summary line. -p turns the retries off. This is how the int8 operators
 * run here (test_quantizelinear, test_dequantizelinear, test_qlinearconv,
 * test_qlinearmatmul_2D; the per-axis cases with nonzero zero points and
 * the batched test_qlinearmatmul_3D stay unsupported, with the loader's
 * reason), and Clip bounds, Reshape shapes, Resize scales and sizes,
 * Squeeze/Unsqueeze axes and BatchNormalization statistics given as
 * inputs. Every data set gets its own model, so a case is never run with
 * another set's constants.
 *
 * Output is KTAP, one line per case, then the summary lines:
 *
 *   # onnx-conformance: N cases, S supported (P passed, F failed, of which
 *   #   W need firmware ops), U unsupported
 *   # onnx-conformance: of the U unsupported, S2 supported with constant
 *   #   parameters (P2 passed (constant parameters), F2 failed, of which W2
 *   #   need firmware ops), U2 still unsupported
 *
 * Usage: onnx_conformance [-v] [-g] [-p] [-D DEVICE] [DIR] [SUBSTRING...]
 *   DIR defaults to $ONNX_TESTDATA or /usr/share/libonnx-testdata/data/node;
 *   SUBSTRING limits the run to cases whose name contains one of them.
 *   -v prints the loader's message for every unsupported case (and, in
 *      parentheses, the one for its constant-parameter form).
 *   -g is the unit-test run: a regression is a wrong answer or a loader
 *      error, not an operator the firmware library of this tree lacks. The
 *      cases that need firmware ops are reported as skipped (they still
 *      count as failed in the summary), unsupported cases only as comments,
 *      and the plan line comes last.
 *   -p plain: no constant-parameter retries (the second summary line is
 *      left out).
 *   -D DEVICE runs on a real npu device node (e.g. /dev/accel/accel0, in the
 *      test VM) instead of the fake device: the kernel validates and runs
 *      every job. -D host runs on libnpu's host backend (its threads).
 * Exit status: 0 when no supported case failed, as given or with constant
 * parameters (with -g: none failed for another reason), 1 otherwise, 2 on
 * usage errors. A missing DIR is a skipped run (exit 0).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx.pb-c.h"
#include "onnx_exec.h"

#define MAX_IO		16

struct tensor {
	int32_t dtype;		/* ONNX */
	int ndim;
	int64_t dims[NPU_G_MAX_RANK];
	size_t bytes;
	void *data;
};

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0) {
		rewind(f);
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static size_t esize(int32_t dt)
{
	switch (dt) {
	case 1: case 6: return 4;		/* float, int32 */
	case 2: case 3: case 9: return 1;	/* uint8, int8, bool */
	case 7: case 11: return 8;		/* int64, double */
	default: return 0;
	}
}

/* a TensorProto file into dense little-endian data; 0 or -1 */
static int load_tensor(const char *path, struct tensor *t)
{
	Onnx__TensorProto *p;
	size_t len, n = 1, i, es;
	void *buf = read_file(path, &len);

	memset(t, 0, sizeof(*t));
	if (!buf)
		return -1;
	p = onnx__tensor_proto__unpack(NULL, len, buf);
	free(buf);
	if (!p)
		return -1;
	t->dtype = p->data_type;
	es = esize(t->dtype);
	if (!es || p->n_dims > NPU_G_MAX_RANK) {
		onnx__tensor_proto__free_unpacked(p, NULL);
		return -1;
	}
	t->ndim = (int)p->n_dims;
	for (i = 0; i < p->n_dims; i++) {
		t->dims[i] = p->dims[i];
		n *= (size_t)p->dims[i];
	}
	t->bytes = n * es;
	t->data = calloc(1, t->bytes ? t->bytes : 1);
	if (!t->bytes) {
		/* an empty tensor: raw_data may have no buffer at all */
	} else if (p->has_raw_data && p->raw_data.len == t->bytes) {
		memcpy(t->data, p->raw_data.data, t->bytes);
	} else if (t->dtype == 1 && p->n_float_data == n) {
		memcpy(t->data, p->float_data, t->bytes);
	} else if (t->dtype == 11 && p->n_double_data == n) {
		memcpy(t->data, p->double_data, t->bytes);
	} else if (t->dtype == 7 && p->n_int64_data == n) {
		memcpy(t->data, p->int64_data, t->bytes);
	} else if (p->n_int32_data == n) {
		for (i = 0; i < n; i++) {
			if (es == 4)
				((int32_t *)t->data)[i] = p->int32_data[i];
			else
				((uint8_t *)t->data)[i] = (uint8_t)p->int32_data[i];
		}
	} else if (n) {
		onnx__tensor_proto__free_unpacked(p, NULL);
		free(t->data);
		t->data = NULL;
		return -1;
	}
	onnx__tensor_proto__free_unpacked(p, NULL);
	return 0;
}

static int32_t npu_to_onnx(uint32_t dt)
{
	switch (dt) {
	case NPU_DTYPE_F32: return 1;
	case NPU_DTYPE_I8: return 3;
	case NPU_DTYPE_U8: return 2;
	case NPU_DTYPE_I32: return 6;
	default: return 0;
	}
}

/* compare an output; "" when equal, else why not */
static void compare(const struct npu_model_tensor *got, const struct tensor *want,
		    char *why, size_t len)
{
	size_t i, n;
	int k;

	why[0] = '\0';
	if (npu_to_onnx(got->dtype) != want->dtype) {
		snprintf(why, len, "output '%s' is %s, expected ONNX type %d", got->name,
			 npu_dtype_name(got->dtype), want->dtype);
		return;
	}
	if ((int)got->ndim != want->ndim) {
		snprintf(why, len, "output '%s' has rank %u, expected %d", got->name,
			 got->ndim, want->ndim);
		return;
	}
	for (k = 0; k < want->ndim; k++) {
		if ((int64_t)got->shape[k] != want->dims[k]) {
			snprintf(why, len, "output '%s' dimension %d is %u, expected %lld",
				 got->name, k, got->shape[k], (long long)want->dims[k]);
			return;
		}
	}
	if (want->dtype != 1) {
		if (memcmp(got->data, want->data, want->bytes))
			snprintf(why, len, "output '%s' differs", got->name);
		return;
	}
	n = want->bytes / 4;
	for (i = 0; i < n; i++) {
		double g = ((const float *)got->data)[i], w = ((const float *)want->data)[i];

		if ((isnan(w) && isnan(g)) || g == w)
			continue;
		if (!(fabs(g - w) <= 1e-7 + 1e-3 * fabs(w))) {
			snprintf(why, len, "output '%s'[%zu] = %.8g, expected %.8g",
				 got->name, i, g, w);
			return;
		}
	}
}

enum verdict { UNSUPPORTED, PASSED, FAILED, FAILED_FW };

/* run every test data set of an opened model, or only set @only (>= 0) */
static enum verdict run_sets(struct npu_model *m, const char *dir, int only,
			     char *why, size_t len)
{
	struct tensor in[MAX_IO], out[MAX_IO];
	const void *inputs[MAX_IO];
	NPU_OPTS(npu_model_tensor, desc);
	char path[8192];
	int set, i, nin = npu_model_num_inputs(m), nout = npu_model_num_outputs(m);
	int ret, sets = 0;
	enum verdict v = PASSED;

	if (nin > MAX_IO || nout > MAX_IO) {
		snprintf(why, len, "too many inputs or outputs for the runner");
		return FAILED;
	}
	for (set = only < 0 ? 0 : only; v == PASSED; set++) {
		snprintf(path, sizeof(path), "%s/test_data_set_%d", dir, set);
		if ((only >= 0 && set > only) || access(path, R_OK))
			break;
		sets++;
		memset(in, 0, sizeof(in));
		memset(out, 0, sizeof(out));
		for (i = 0; i < nin; i++) {
			snprintf(path, sizeof(path), "%s/test_data_set_%d/input_%d.pb", dir, set, i);
			npu_model_input(m, (unsigned int)i, &desc);
			if (load_tensor(path, &in[i]) || in[i].bytes != desc.bytes) {
				snprintf(why, len, "input %d ('%s'): %s", i, desc.name,
					 in[i].data ? "size differs from the model's" : "cannot load");
				v = FAILED;
				break;
			}
			inputs[i] = in[i].data;
		}
		if (v == PASSED) {
			ret = npu_model_run(m, inputs, NULL);
			if (ret) {
				snprintf(why, len, "run: %s", npu_model_last_error(m));
				v = FAILED;
			}
		}
		for (i = 0; v == PASSED && i < nout; i++) {
			snprintf(path, sizeof(path), "%s/test_data_set_%d/output_%d.pb", dir, set, i);
			npu_model_output(m, (unsigned int)i, &desc);
			if (load_tensor(path, &out[i])) {
				snprintf(why, len, "output %d: cannot load the expected data", i);
				v = FAILED;
				break;
			}
			compare(&desc, &out[i], why, len);
			if (why[0])
				v = FAILED;
		}
		for (i = 0; i < MAX_IO; i++) {
			free(in[i].data);
			free(out[i].data);
		}
	}
	if (v == PASSED && !sets) {
		snprintf(why, len, "no test data");
		v = FAILED;
	}
	return v;
}

/* the verdict of a model the loader refused with errno @err and message @msg */
static enum verdict open_verdict(int err, const char *msg)
{
	if (strstr(msg, "firmware library does not implement"))
		return FAILED_FW;
	return err == EOPNOTSUPP ? UNSUPPORTED : FAILED;
}

/* the number of test_data_set_N directories of a case (0, 1, ... in a row) */
static int count_sets(const char *dir)
{
	char path[8192];
	int n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "%s/test_data_set_%d", dir, n);
		if (access(path, R_OK))
			return n;
		n++;
	}
}

static bool is_initializer(const Onnx__GraphProto *gp, const char *name)
{
	size_t i;

	for (i = 0; i < gp->n_initializer; i++)
		if (gp->initializer[i]->name && !strcmp(gp->initializer[i]->name, name))
			return true;
	return false;
}

/*
 * The constant-parameter form of a case's model for data set @set: every
 * graph input except the first (initializers listed as inputs do not
 * count, as in the test runners of ONNX) becomes an initializer holding
 * that data set's input_K.pb. Returns the packed ModelProto (malloc'ed,
 * *@len bytes), or NULL with @why saying why it cannot be made.
 */
static void *freeze_model(const char *dir, int set, size_t *len, char *why,
			  size_t wlen)
{
	Onnx__ValueInfoProto **keep = NULL, **old_in;
	Onnx__TensorProto **inits = NULL, **loaded = NULL, **old_init;
	Onnx__ModelProto *mp;
	Onnx__GraphProto *gp;
	char path[8192], **names = NULL;
	size_t flen, nkeep = 0, ninit, nloaded = 0, n_old_in, n_old_init, i;
	void *buf, *out = NULL;
	int k = 0;

	snprintf(path, sizeof(path), "%s/model.onnx", dir);
	buf = read_file(path, &flen);
	if (!buf) {
		snprintf(why, wlen, "cannot read %.300s", path);
		return NULL;
	}
	mp = onnx__model_proto__unpack(NULL, flen, buf);
	free(buf);
	if (!mp || !mp->graph) {
		snprintf(why, wlen, "model.onnx does not decode");
		goto out;
	}
	gp = mp->graph;
	keep = calloc(gp->n_input + 1, sizeof(*keep));
	inits = calloc(gp->n_initializer + gp->n_input + 1, sizeof(*inits));
	loaded = calloc(gp->n_input + 1, sizeof(*loaded));
	names = calloc(gp->n_input + 1, sizeof(*names));
	if (!keep || !inits || !loaded || !names) {
		snprintf(why, wlen, "out of memory");
		goto out;
	}
	for (i = 0; i < gp->n_initializer; i++)
		inits[i] = gp->initializer[i];
	ninit = gp->n_initializer;
	for (i = 0; i < gp->n_input; i++) {
		Onnx__ValueInfoProto *vi = gp->input[i];
		Onnx__TensorProto *t;
		const char *name = vi->name ? vi->name : "";
		size_t tlen;
		void *tb;

		if (is_initializer(gp, name) || k++ == 0) {
			keep[nkeep++] = vi;
			continue;
		}
		if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) {
			snprintf(why, wlen, "input %d ('%s') is not a tensor", k - 1, name);
			goto out;
		}
		snprintf(path, sizeof(path), "%s/test_data_set_%d/input_%d.pb", dir, set,
			 k - 1);
		tb = read_file(path, &tlen);
		t = tb ? onnx__tensor_proto__unpack(NULL, tlen, tb) : NULL;
		free(tb);
		if (!t) {
			snprintf(why, wlen, "cannot load input %d ('%s') of data set %d",
				 k - 1, name, set);
			goto out;
		}
		loaded[nloaded] = t;
		names[nloaded++] = t->name;
		if (vi->type->tensor_type->has_elem_type &&
		    (!t->has_data_type || t->data_type != vi->type->tensor_type->elem_type)) {
			snprintf(why, wlen, "input %d ('%s') of data set %d is not of the declared type",
				 k - 1, name, set);
			goto out;
		}
		t->name = (char *)name;
		inits[ninit++] = t;
	}
	if (!nloaded) {
		snprintf(why, wlen, "the model has no second input to make constant");
		goto out;
	}
	old_in = gp->input;
	n_old_in = gp->n_input;
	old_init = gp->initializer;
	n_old_init = gp->n_initializer;
	gp->input = keep;
	gp->n_input = nkeep;
	gp->initializer = inits;
	gp->n_initializer = ninit;
	*len = onnx__model_proto__get_packed_size(mp);
	out = malloc(*len ? *len : 1);
	if (out)
		onnx__model_proto__pack(mp, out);
	else
		snprintf(why, wlen, "out of memory");
	gp->input = old_in;
	gp->n_input = n_old_in;
	gp->initializer = old_init;
	gp->n_initializer = n_old_init;
out:
	for (i = 0; i < nloaded; i++) {
		loaded[i]->name = names[i];
		onnx__tensor_proto__free_unpacked(loaded[i], NULL);
	}
	free(keep);
	free(inits);
	free(loaded);
	free(names);
	if (mp)
		onnx__model_proto__free_unpacked(mp, NULL);
	return out;
}

/*
 * Run a case that the loader refused as given in its constant-parameter
 * form (freeze_model()), each data set with its own model. UNSUPPORTED
 * when it cannot be made or the loader refuses it with -EOPNOTSUPP.
 */
static enum verdict run_frozen(struct npu_device *dev, const char *dir, char *why,
			       size_t len)
{
	char err[512];
	int set, nsets = count_sets(dir);
	enum verdict v = PASSED;

	if (!nsets) {
		snprintf(why, len, "no test data");
		return UNSUPPORTED;
	}
	for (set = 0; set < nsets && v == PASSED; set++) {
		NPU_OPTS(npu_model_opts, o, .device = dev, .errbuf = err,
			 .errbuf_len = sizeof(err));
		struct npu_model *m;
		size_t blen;
		void *buf = freeze_model(dir, set, &blen, why, len);

		if (!buf)
			return UNSUPPORTED;
		m = npu_model_open_mem(buf, blen, &o);
		free(buf);
		if (!m) {
			const char *msg = strncmp(err, "(memory): ", 10) ? err : err + 10;

			v = open_verdict(errno, err);
			if (set)
				snprintf(why, len, "data set %d: %.400s", set, msg);
			else
				snprintf(why, len, "%s", msg);
			break;
		}
		v = run_sets(m, dir, set, why, len);
		npu_model_close(m);
	}
	return v;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	const char *root = getenv("ONNX_TESTDATA"), *devpath = NULL;
	int verbose = 0, gaps = 0, plain = 0, argi = 1, nfilters = 0, ncases = 0;
	int counts[4] = { 0 }, fcounts[4] = { 0 }, i, k, idx = 0;
	char **filters = NULL, **cases = NULL, path[4096], err[512], why[512];
	char fwhy[512];
	struct xfake fake;
	struct npu_device *dev;
	struct dirent *de;
	DIR *d;

	for (; argi < argc && argv[argi][0] == '-'; argi++) {
		if (!strcmp(argv[argi], "-v")) {
			verbose = 1;
		} else if (!strcmp(argv[argi], "-g")) {
			gaps = 1;
		} else if (!strcmp(argv[argi], "-p")) {
			plain = 1;
		} else if (!strcmp(argv[argi], "-D") && argi + 1 < argc) {
			devpath = argv[++argi];
		} else {
			fprintf(stderr, "usage: onnx_conformance [-v] [-g] [-p] [-D DEVICE] [DIR] [SUBSTRING...]\n");
			return 2;
		}
	}
	if (argi < argc && argv[argi][0] == '/') {
		root = argv[argi++];
	}
	if (!root)
		root = "/usr/share/libonnx-testdata/data/node";
	filters = argv + argi;
	nfilters = argc - argi;
	d = opendir(root);
	if (!d) {
		printf("KTAP version 1\n1..0 # SKIP %s: %s (install libonnx-testdata)\n",
		       root, strerror(errno));
		return 0;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		for (k = 0; k < nfilters; k++)
			if (strstr(de->d_name, filters[k]))
				break;
		if (nfilters && k == nfilters)
			continue;
		cases = realloc(cases, sizeof(*cases) * (size_t)(ncases + 1));
		cases[ncases++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(cases, (size_t)ncases, sizeof(*cases), cmp_str);

	memset(&fake, 0, sizeof(fake));
	if (devpath && !strcmp(devpath, "host")) {
		NPU_OPTS(npu_device_opts, hopts, .backend = NPU_BACKEND_HOST);

		dev = npu_device_open(NULL, &hopts);
	} else {
		dev = devpath ? npu_device_open(devpath, NULL) : xfake_device(&fake);
	}
	if (!dev) {
		fprintf(stderr, "onnx_conformance: %s: %s\n",
			devpath ? devpath : "the fake device", strerror(errno));
		return 2;
	}
	printf("KTAP version 1\n");
	if (!gaps)
		printf("1..%d\n", ncases);
	for (i = 0; i < ncases; i++) {
		NPU_OPTS(npu_model_opts, o, .device = dev, .errbuf = err,
			 .errbuf_len = sizeof(err));
		struct npu_model *m;
		enum verdict v, fv = UNSUPPORTED;
		bool frozen = false;

		snprintf(path, sizeof(path), "%s/%s/model.onnx", root, cases[i]);
		m = npu_model_open(path, &o);
		why[0] = '\0';
		fwhy[0] = '\0';
		if (!m) {
			/* strip the path prefix from the loader's message */
			const char *msg = strncmp(err, path, strlen(path)) ? err :
					  err + strlen(path) + 2;

			v = open_verdict(errno, err);
			snprintf(why, sizeof(why), "%s", msg);
		} else {
			snprintf(path, sizeof(path), "%s/%s", root, cases[i]);
			v = run_sets(m, path, -1, why, sizeof(why));
			npu_model_close(m);
		}
		counts[v]++;
		if (v == UNSUPPORTED && !plain) {
			snprintf(path, sizeof(path), "%s/%s", root, cases[i]);
			fv = run_frozen(dev, path, fwhy, sizeof(fwhy));
			frozen = fv != UNSUPPORTED;
			fcounts[fv]++;
		}
		if (gaps && v == UNSUPPORTED && !frozen) {
			printf("# unsupported %s%s%s%s%s%s\n", cases[i], verbose ? ": " : "",
			       verbose ? why : "", verbose && fwhy[0] ? " (constant parameters: " : "",
			       verbose ? fwhy : "", verbose && fwhy[0] ? ")" : "");
			free(cases[i]);
			continue;
		}
		idx++;
		if (frozen) {
			/* unsupported as given; its constant-parameter form ran */
			switch (fv) {
			case PASSED:
				printf("ok %d %s # passed (constant parameters)\n", idx, cases[i]);
				break;
			case FAILED_FW:
				printf("%s %d %s # %sneeds firmware (constant parameters): %s\n",
				       gaps ? "ok" : "not ok", idx, cases[i], gaps ? "SKIP " : "",
				       fwhy);
				break;
			default:
				printf("not ok %d %s # failed (constant parameters): %s\n", idx,
				       cases[i], fwhy);
				break;
			}
			fflush(stdout);
			free(cases[i]);
			continue;
		}
		switch (v) {
		case PASSED:
			printf("ok %d %s\n", idx, cases[i]);
			break;
		case UNSUPPORTED:
			printf("ok %d %s # SKIP unsupported%s%s%s%s%s\n", idx, cases[i],
			       verbose ? ": " : "", verbose ? why : "",
			       verbose && fwhy[0] ? " (constant parameters: " : "",
			       verbose ? fwhy : "", verbose && fwhy[0] ? ")" : "");
			break;
		case FAILED_FW:
			printf("%s %d %s # %sneeds firmware: %s\n", gaps ? "ok" : "not ok",
			       idx, cases[i], gaps ? "SKIP " : "", why);
			break;
		default:
			printf("not ok %d %s # %s\n", idx, cases[i], why);
			break;
		}
		fflush(stdout);
		free(cases[i]);
	}
	free(cases);
	if (gaps)
		printf("1..%d\n", idx);
	npu_device_close(dev);
	if (!devpath)
		xfake_fini(&fake);
	printf("# onnx-conformance: %d cases, %d supported (%d passed, %d failed, of which %d need firmware ops), %d unsupported\n",
	       ncases, counts[PASSED] + counts[FAILED] + counts[FAILED_FW],
	       counts[PASSED], counts[FAILED] + counts[FAILED_FW], counts[FAILED_FW],
	       counts[UNSUPPORTED]);
	if (!plain)
		printf("# onnx-conformance: of the %d unsupported, %d supported with constant parameters (%d passed (constant parameters), %d failed, of which %d need firmware ops), %d still unsupported\n",
		       counts[UNSUPPORTED],
		       fcounts[PASSED] + fcounts[FAILED] + fcounts[FAILED_FW],
		       fcounts[PASSED], fcounts[FAILED] + fcounts[FAILED_FW],
		       fcounts[FAILED_FW], fcounts[UNSUPPORTED]);
	return counts[FAILED] || fcounts[FAILED] ||
	       (!gaps && (counts[FAILED_FW] || fcounts[FAILED_FW])) ? 1 : 0;
}

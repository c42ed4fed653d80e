// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * fuzz_validate - libFuzzer target for the command-stream validator and
 * interpreter (firmware/npu_fw_validate.c, firmware/npu_fw_ops.c).
 *
 * Input: see fuzz_input.h (a 24-byte prefix choosing BO count, BO sizes,
 * limits and run modes, then the stream). For every input:
 *
 * 1. The stream is copied to an 8-byte aligned buffer of exactly its size
 *    that ends at (or, for sizes that are not a multiple of 8, within 7
 *    bytes of) a PROT_NONE guard page; everything around it is poisoned for
 *    ASan, so the validator reading one byte outside [cmd, cmd + size)
 *    traps. npu_fw_validate() must not modify the stream.
 * 2. The diag contract: on rejection a known errno, a non-empty message,
 *    op/tensor in range, BO bitmaps inside (1 << bo_count) - 1; on
 *    acceptance an empty message, op = tensor = -1.
 * 3. The validator's decision must equal fz_oracle()'s (an independent
 *    model of the uAPI rules), both ways, and on acceptance the BO read and
 *    write bitmaps must equal the oracle's.
 * 4. Accepted streams run: each BO lives at the end of its own mapping,
 *    abutting a guard page, filled with a pattern chosen by the input. While
 *    op i runs only the bytes of its operands (inputs, their per-channel
 *    scale tensors, outputs) are addressable for ASan, so reading or
 *    writing any other byte of any BO is reported; the op's inputs must be
 *    unchanged afterwards, and so must the stream. npu_fw_units() must be
 *    >= 1, npu_fw_run() with first >= units must touch nothing. Units run
 *    all at once, one by one in reverse, or in random chunks; with
 *    FZ_MODE_DIFF the stream runs twice (two unit orders) and every BO byte
 *    must come out identical.
 *
 * Any violation prints "fuzz_validate: INVARIANT: ..." and aborts, which
 * libFuzzer reports as a crash. At exit (and every 2^20 inputs) the target
 * prints how many inputs were accepted and which op kinds ran.
 *
 * Environment: NPU_FUZZ_VERBOSE=1 prints one line per input ("accept" or
 * "reject <errno> op <i> tensor <j>: <msg>"), used by `make fuzz-smoke` to
 * check that every seed is accepted. NPU_FUZZ_ORACLE=0 turns check 3 off,
 * to see what the memory checks alone catch (the harness self-test does).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sanitizer/asan_interface.h>

#include "fuzz_input.h"
#include "../../../firmware/npu_fw_kern.h"
#include "fuzz_oracle.h"

/* largest stream the target takes (inputs above it are ignored) */
#define FZ_STREAM_CAP		(FZ_MAX_CMD_SIZE + 4096)
/* per op: up to 4 inputs, 4 scale tensors, 2 outputs */
#define FZ_MAX_RANGES		10

static void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz_validate: INVARIANT: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define FZ_CHECK(cond, ...) do { if (!(cond)) fz_fail(__VA_ARGS__); } while (0)

/**
 * struct fz_slot - a mapping whose last readable byte abuts a guard page
 * @lo: first byte of the readable range
 * @guard: the PROT_NONE page right after it
 */
struct fz_slot {
	uint8_t *lo;
	uint8_t *guard;
};

static struct fz_slot fz_stream_slot, fz_bo_slot[FZ_MAX_BOS];
/* differential runs: the BO contents of the first run */
static uint8_t *fz_mirror[FZ_MAX_BOS];
/* per op: copies of its input ranges */
static uint8_t *fz_scratch;
static int fz_verbose;
static int fz_use_oracle;

/* what the fuzzer reached, printed at exit */
static struct {
	uint64_t inputs, accepted, runs;
	uint64_t ops[NPU_OP_COUNT][3];	/* [opcode][F32, I32, I8/U8] */
	uint64_t per_channel;
} fz_stats;

static const char *const fz_kind[3] = { "f32", "i32", "q8" };

static void fz_print_stats(void)
{
	uint32_t op, k;

	fprintf(stderr, "fuzz_validate: %llu inputs, %llu accepted (%.2f%%), %llu executed",
		(unsigned long long)fz_stats.inputs, (unsigned long long)fz_stats.accepted,
		fz_stats.inputs ? 100.0 * fz_stats.accepted / fz_stats.inputs : 0.0,
		(unsigned long long)fz_stats.runs);
	fputs("; ops run:", stderr);
	for (op = 1; op < NPU_OP_COUNT; op++)
		for (k = 0; k < 3; k++)
			if (fz_stats.ops[op][k])
				fprintf(stderr, " %s/%s %llu", npu_fw_op_name(op), fz_kind[k],
					(unsigned long long)fz_stats.ops[op][k]);
	fprintf(stderr, ", per-channel %llu\n", (unsigned long long)fz_stats.per_channel);
}

static void fz_slot_init(struct fz_slot *s, size_t cap)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *p;

	cap = (cap + page - 1) & ~(page - 1);
	p = mmap(NULL, cap + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || mprotect(p + cap, page, PROT_NONE)) {
		perror("fuzz_validate: mmap");
		exit(1);
	}
	s->lo = p;
	s->guard = p + cap;
	/* nothing is addressable until a stream or BO is placed */
	ASAN_POISON_MEMORY_REGION(s->lo, cap);
}

/*
 * Where @size bytes go in @s: 8-byte aligned, ending at most 7 bytes
 * before the guard page (the slack stays poisoned).
 */
static uint8_t *fz_place(const struct fz_slot *s, size_t size)
{
	return (uint8_t *)((uintptr_t)(s->guard - size) & ~(uintptr_t)7);
}

/* poison [p, p + n) rounded out to ASan's 8-byte granules */
static void fz_poison(uint8_t *p, size_t n)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)7;
	uintptr_t b = ((uintptr_t)p + n + 7) & ~(uintptr_t)7;

	ASAN_POISON_MEMORY_REGION((void *)a, b - a);
}

/* npu_fw_run()'s scratch buffer, NPU_FW_SCRATCH_MAX bytes */
static void *fz_run_scratch;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *v = getenv("NPU_FUZZ_VERBOSE");
	const char *o = getenv("NPU_FUZZ_ORACLE");
	uint32_t i;

	(void)argc;
	(void)argv;
	fz_verbose = v && *v && *v != '0';
	fz_use_oracle = !o || *o != '0';
	fz_slot_init(&fz_stream_slot, FZ_STREAM_CAP);
	for (i = 0; i < FZ_MAX_BOS; i++) {
		fz_slot_init(&fz_bo_slot[i], FZ_MAX_BO_SIZE);
		fz_mirror[i] = malloc(FZ_MAX_BO_SIZE);
	}
	fz_scratch = malloc((size_t)FZ_MAX_RANGES * FZ_MAX_BO_SIZE);
	/* up front: an allocation inside a run makes libFuzzer rerun it as a leak suspect */
	fz_run_scratch = aligned_alloc(64, NPU_FW_SCRATCH_MAX);
	if (!fz_scratch || !fz_mirror[FZ_MAX_BOS - 1] || !fz_run_scratch) {
		fputs("fuzz_validate: out of memory\n", stderr);
		exit(1);
	}
	atexit(fz_print_stats);
	return 0;
}

/* xorshift32 (never seeded with 0) */
static uint32_t fz_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* fill one BO according to the input's fill mode */
static void fz_fill(uint8_t *p, size_t n, uint32_t fill, uint32_t seed)
{
	static const uint32_t special[] = {
		0x00000000, 0x80000000, 0x3f800000, 0xbf800000,	/* 0, -0, 1, -1 */
		0x7f800000, 0xff800000, 0x7fc00000, 0xffffffff,	/* inf, -inf, NaN */
		0x7f7fffff, 0xff7fffff, 0x00000001, 0x00800000,	/* max, subnormal */
		0x7fffffff, 0x80000001, 0x807f7f80, 0x7f80807f,	/* int extremes */
	};
	uint32_t s = seed | 1, w;
	size_t i;

	switch (fill) {
	case FZ_FILL_ZERO:
		memset(p, 0, n);
		return;
	case FZ_FILL_ONES:
		memset(p, 0xff, n);
		return;
	case FZ_FILL_SMALL:
	case FZ_FILL_SPECIAL:
		for (i = 0; i < n; i += 4) {
			if (fill == FZ_FILL_SMALL) {
				float f = (float)((int)(fz_rand(&s) % 17) - 8);

				memcpy(&w, &f, 4);
			} else {
				w = special[fz_rand(&s) % 16];
			}
			memcpy(p + i, &w, n - i < 4 ? n - i : 4);
		}
		return;
	default:
		for (i = 0; i < n; i += 4) {
			w = fz_rand(&s);
			memcpy(p + i, &w, n - i < 4 ? n - i : 4);
		}
		return;
	}
}

/**
 * struct fz_exec - an accepted stream bound to BO memory
 * @cmd: the stream (in its guarded slot)
 * @size: its size
 * @fp: the input's prefix
 * @bo: BO data (in the guarded slots)
 * @job: the firmware's view
 * @scratch: npu_fw_scratch_size() bytes for npu_fw_run(), or NULL
 */
struct fz_exec {
	const uint8_t *cmd;
	uint32_t size;
	const struct fz_prefix *fp;
	void *bo[FZ_MAX_BOS];
	struct npu_fw_job job;
	void *scratch;
};

/* byte range of tensor @id of an accepted stream */
static void fz_range(const struct fz_exec *x, uint32_t id, uint8_t **p, size_t *n)
{
	const struct npu_cmd_header *h = (const void *)x->cmd;
	const struct npu_cmd_tensor *t =
		(const struct npu_cmd_tensor *)(x->cmd + h->tensor_offset) + id;
	size_t bytes = npu_fw_dtype_size(t->dtype), cols = 1;
	uint32_t i;

	for (i = 0; i < t->ndim; i++)
		bytes *= t->shape[i];
	if (t->flags & NPU_TENSOR_PACKED_V1) {
		/* uAPI: F32 32 bytes per column of each 8-row panel; I8 see fz_bytes() */
		for (i = 1; i < t->ndim; i++)
			cols *= t->shape[i];
		bytes = 32 * (((size_t)t->shape[0] + 7) / 8) * cols;
		if (t->dtype == NPU_DTYPE_I8)
			bytes = 32 * (((size_t)t->shape[0] + 7) / 8) * ((cols + 3) / 4 + 1);
	}
	/* before touching it: an accepted tensor lies inside its BO */
	FZ_CHECK(t->bo_index < x->fp->bo_count && t->offset <= x->fp->bo_size[t->bo_index] &&
		 bytes <= x->fp->bo_size[t->bo_index] - t->offset,
		 "accepted tensor %u (BO %u, offset %llu, %zu bytes) is outside its BO", id,
		 t->bo_index, (unsigned long long)t->offset, bytes);
	*p = (uint8_t *)x->bo[t->bo_index] + t->offset;
	*n = bytes;
}

static const struct npu_cmd_tensor *fz_tensor_at(const struct fz_exec *x, uint32_t id)
{
	const struct npu_cmd_header *h = (const void *)x->cmd;

	return (const struct npu_cmd_tensor *)(x->cmd + h->tensor_offset) + id;
}

/* fill every BO (they are poisoned before and after) */
static void fz_fill_bos(const struct fz_exec *x)
{
	uint32_t i;

	for (i = 0; i < x->fp->bo_count; i++) {
		ASAN_UNPOISON_MEMORY_REGION(x->bo[i], x->fp->bo_size[i]);
		fz_fill(x->bo[i], x->fp->bo_size[i], FZ_MODE_FILL(x->fp->mode),
			x->fp->seed + i * 0x9e3779b9U);
		fz_poison(x->bo[i], x->fp->bo_size[i]);
	}
}

/* run the units of one op in the order @run selects */
static void fz_run_units(const struct fz_exec *x, uint32_t opi, uint32_t units,
			 uint32_t run, uint32_t *rs)
{
	uint32_t u, n;

	switch (run) {
	case FZ_RUN_REVERSE:
		for (u = units; u-- > 0;)
			npu_fw_run(&x->job, opi, u, 1, x->scratch);
		break;
	case FZ_RUN_CHUNKS:
		/* random chunk sizes (0 included); the last count overshoots */
		for (u = 0; u < units; u += n) {
			n = fz_rand(rs) % 4;
			if (fz_rand(rs) % 8 == 0)
				n = units - u + fz_rand(rs) % 3;
			npu_fw_run(&x->job, opi, u, n, x->scratch);
		}
		break;
	default:
		npu_fw_run(&x->job, opi, 0, units, x->scratch);
		break;
	}
}

/*
 * Run op @opi with only its operands addressable; check the contract of
 * npu_fw_units()/npu_fw_run() and that its inputs stay unchanged.
 */
static void fz_run_op(const struct fz_exec *x, uint32_t opi, uint32_t run, uint32_t *rs)
{
	const struct npu_cmd_header *h = (const void *)x->cmd;
	const struct npu_cmd_op *op = (const struct npu_cmd_op *)(x->cmd + h->op_offset) + opi;
	uint8_t *rp[FZ_MAX_RANGES];
	size_t rn[FZ_MAX_RANGES], off = 0;
	uint32_t nr = 0, nin, units, i;
	const struct npu_cmd_tensor *t;

	/* with every BO byte poisoned, these must not touch BO memory */
	units = npu_fw_units(&x->job, opi);
	FZ_CHECK(units >= 1, "op %u: npu_fw_units() = 0", opi);
	npu_fw_run(&x->job, opi, units, 1, x->scratch);
	npu_fw_run(&x->job, opi, units + fz_rand(rs) % 1000, UINT32_MAX, x->scratch);

	/* inputs and their per-channel scale tensors first, then outputs */
	for (i = 0; i < NPU_CMD_MAX_INPUTS; i++) {
		if (op->inputs[i] == NPU_CMD_NO_TENSOR)
			continue;
		fz_range(x, op->inputs[i], &rp[nr], &rn[nr]);
		nr++;
		t = fz_tensor_at(x, op->inputs[i]);
		if (t->quant_type == NPU_QUANT_PER_CHANNEL) {
			fz_range(x, t->scale_tensor, &rp[nr], &rn[nr]);
			nr++;
		}
	}
	nin = nr;
	for (i = 0; i < NPU_CMD_MAX_OUTPUTS; i++) {
		if (op->outputs[i] == NPU_CMD_NO_TENSOR)
			continue;
		fz_range(x, op->outputs[i], &rp[nr], &rn[nr]);
		nr++;
	}
	for (i = 0; i < nr; i++)
		ASAN_UNPOISON_MEMORY_REGION(rp[i], rn[i]);
	for (i = 0; i < nin; i++) {
		memcpy(fz_scratch + off, rp[i], rn[i]);
		off += rn[i];
	}

	fz_run_units(x, opi, units, run, rs);

	for (i = 0, off = 0; i < nin; i++) {
		FZ_CHECK(!memcmp(fz_scratch + off, rp[i], rn[i]),
			 "op %u (%s) changed its input range %u", opi,
			 npu_fw_op_name(op->opcode), i);
		off += rn[i];
	}
	for (i = 0; i < nr; i++)
		fz_poison(rp[i], rn[i]);
}

/* run every op of an accepted stream */
static void fz_run_stream(const struct fz_exec *x, uint32_t run)
{
	const struct npu_cmd_header *h = (const void *)x->cmd;
	uint32_t rs = x->fp->seed * 2654435761U + 1, i;

	for (i = 0; i < h->num_ops; i++)
		fz_run_op(x, i, run, &rs);
}

/* count what ran, for the exit summary */
static void fz_count(const uint8_t *cmd)
{
	const struct fz_exec cx = { .cmd = cmd }, *x = &cx;
	const struct npu_cmd_header *h = (const void *)cmd;
	const struct npu_cmd_op *op = (const void *)(cmd + h->op_offset);
	const struct npu_cmd_tensor *a;
	uint32_t i, k;

	for (i = 0; i < h->num_ops; i++) {
		a = fz_tensor_at(x, op[i].inputs[0]);
		k = a->dtype == NPU_DTYPE_F32 ? 0 : a->dtype == NPU_DTYPE_I32 ? 1 : 2;
		fz_stats.ops[op[i].opcode][k]++;
		if (op[i].opcode <= NPU_OP_CONV2D &&
		    fz_tensor_at(x, op[i].inputs[1])->quant_type == NPU_QUANT_PER_CHANNEL)
			fz_stats.per_channel++;
	}
}

/* execute an accepted stream (once, or twice and compare) */
static void fz_execute(const uint8_t *cmd, uint32_t size, const struct fz_prefix *fp,
		       const uint8_t *orig)
{
	struct fz_exec x = { .cmd = cmd, .size = size, .fp = fp };
	uint32_t run = FZ_MODE_RUN(fp->mode), i;
	size_t j;

	for (i = 0; i < fp->bo_count; i++)
		x.bo[i] = fz_place(&fz_bo_slot[i], fp->bo_size[i]);
	x.job.cmd = cmd;
	x.job.bo_vaddr = x.bo;
	/* half the inputs run the vector kernels (FAST or EXACT), half the loops */
	if (fp->seed & 1)
		x.job.kern = npu_kern_select(NPU_KERN_ISA_COUNT, fp->seed & 2 ? NPU_KERN_EXACT : 0);
	if (npu_fw_scratch_size(&x.job)) {
		FZ_CHECK(npu_fw_scratch_size(&x.job) <= NPU_FW_SCRATCH_MAX,
			 "npu_fw_scratch_size() %lu above NPU_FW_SCRATCH_MAX",
			 npu_fw_scratch_size(&x.job));
		x.scratch = fz_run_scratch;
	}

	fz_fill_bos(&x);
	fz_run_stream(&x, run);
	fz_stats.runs++;
	FZ_CHECK(!memcmp(cmd, orig, size), "the interpreter modified the stream");
	if (!(fp->mode & FZ_MODE_DIFF))
		return;

	/* the same stream, other unit order: every BO byte must match */
	for (i = 0; i < fp->bo_count; i++) {
		ASAN_UNPOISON_MEMORY_REGION(x.bo[i], fp->bo_size[i]);
		memcpy(fz_mirror[i], x.bo[i], fp->bo_size[i]);
		fz_poison(x.bo[i], fp->bo_size[i]);
	}
	fz_fill_bos(&x);
	fz_run_stream(&x, run == FZ_RUN_REVERSE ? FZ_RUN_CHUNKS : FZ_RUN_REVERSE);
	fz_stats.runs++;
	for (i = 0; i < fp->bo_count; i++) {
		ASAN_UNPOISON_MEMORY_REGION(x.bo[i], fp->bo_size[i]);
		for (j = 0; j < fp->bo_size[i]; j++)
			FZ_CHECK(fz_mirror[i][j] == ((uint8_t *)x.bo[i])[j],
				 "BO %u byte %zu differs between unit orders (%#x vs %#x)",
				 i, j, fz_mirror[i][j], ((uint8_t *)x.bo[i])[j]);
		fz_poison(x.bo[i], fp->bo_size[i]);
	}
}

/* the diag contract of npu_fw_validate() (npu_fw.h) */
static void fz_check_diag(int ret, const struct npu_fw_diag *d, const uint8_t *cmd,
			  uint32_t size, uint32_t bo_count)
{
	uint64_t mask = (1ULL << bo_count) - 1;
	struct npu_cmd_header h;

	FZ_CHECK(d->msg, "diag.msg is NULL (ret %d)", ret);
	FZ_CHECK(!(d->bos_read & ~mask) && !(d->bos_written & ~mask),
		 "BO bitmaps %#llx/%#llx outside bo_count %u",
		 (unsigned long long)d->bos_read, (unsigned long long)d->bos_written, bo_count);
	if (!ret) {
		FZ_CHECK(!d->msg[0] && d->op == -1 && d->tensor == -1,
			 "accepted with diag op %d tensor %d msg \"%s\"", d->op, d->tensor, d->msg);
		return;
	}
	FZ_CHECK(ret == -EINVAL || ret == -E2BIG || ret == -ERANGE || ret == -EOPNOTSUPP,
		 "unexpected return %d (%s)", ret, d->msg);
	FZ_CHECK(d->msg[0], "rejected (%d) with an empty diag.msg", ret);
	FZ_CHECK(d->op >= -1 && d->tensor >= -1, "diag op %d tensor %d", d->op, d->tensor);
	if (size >= sizeof(h)) {
		memcpy(&h, cmd, sizeof(h));
		FZ_CHECK(d->op < (int)h.num_ops && d->tensor < (int)h.num_tensors,
			 "diag op %d tensor %d beyond the stream's %u ops, %u tensors (%s)",
			 d->op, d->tensor, h.num_ops, h.num_tensors, d->msg);
	} else {
		FZ_CHECK(d->op == -1 && d->tensor == -1, "short stream with diag op/tensor");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct npu_fw_limits lim;
	struct npu_fw_diag diag;
	struct fz_prefix fp;
	const char *why;
	__u64 *bo_sizes;
	uint64_t rd, wr;
	uint8_t *cmd;
	uint32_t size;
	int ret;

	if (len < FZ_PREFIX_SIZE || len - FZ_PREFIX_SIZE > FZ_STREAM_CAP)
		return -1;	/* not a valid input: keep it out of the corpus */
	fz_prefix_decode(data, &fp);
	fz_limits(fp.lim_sel, &lim);
	size = (uint32_t)(len - FZ_PREFIX_SIZE);
	data += FZ_PREFIX_SIZE;
	fz_stats.inputs++;
	if (!(fz_stats.inputs & ((1U << 20) - 1)))
		fz_print_stats();

	/* exactly bo_count sizes: reading one more is an ASan report */
	bo_sizes = malloc(fp.bo_count * sizeof(*bo_sizes));
	if (!bo_sizes)
		abort();
	memcpy(bo_sizes, fp.bo_size, fp.bo_count * sizeof(*bo_sizes));

	cmd = fz_place(&fz_stream_slot, size);
	ASAN_UNPOISON_MEMORY_REGION(cmd, size);
	memcpy(cmd, data, size);

	memset(&diag, 0x5a, sizeof(diag));	/* the validator must set every field */
	ret = npu_fw_validate(cmd, size, bo_sizes, fp.bo_count, &lim, &diag);
	FZ_CHECK(!memcmp(cmd, data, size), "npu_fw_validate() modified the stream");
	fz_check_diag(ret, &diag, cmd, size, fp.bo_count);

	why = fz_oracle(cmd, size, bo_sizes, fp.bo_count, &lim, &rd, &wr);
	if (fz_verbose) {
		if (ret)
			fprintf(stderr, "npu-fuzz: reject %d op %d tensor %d: %s (oracle: %s)\n",
				ret, diag.op, diag.tensor, diag.msg, why ? why : "valid");
		else
			fprintf(stderr, "npu-fuzz: accept (oracle: %s)\n", why ? why : "valid");
	}
	FZ_CHECK(!fz_use_oracle || ret || !why,
		 "validator accepted a stream that breaks the uAPI rules: %s", why);
	FZ_CHECK(!fz_use_oracle || !ret || why,
		 "validator rejected (%d, op %d, tensor %d: %s) a valid stream",
		 ret, diag.op, diag.tensor, diag.msg);
	if (!ret) {
		FZ_CHECK(!fz_use_oracle || (diag.bos_read == rd && diag.bos_written == wr),
			 "BO bitmaps read %#llx written %#llx, expected %#llx %#llx",
			 (unsigned long long)diag.bos_read,
			 (unsigned long long)diag.bos_written,
			 (unsigned long long)rd, (unsigned long long)wr);
		fz_stats.accepted++;
		fz_count(cmd);
		fz_execute(cmd, size, &fp, data);
	}

	fz_poison(cmd, size);
	free(bo_sizes);
	return 0;
}

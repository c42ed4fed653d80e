// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * fuzz_onnx - libFuzzer target for libnpu's ONNX loader: import, shape
 * inference and constant folding, rewrites and lowering
 * (libnpu/src/{onnx,graph,infer,opt,lower}.c) of an untrusted model.
 *
 * The input is a serialized ModelProto, compiled with the real driver's
 * limits (a 256 MiB BO limit keeps memory in check). Besides the
 * sanitizers' checks, every input must satisfy:
 *
 * - failure: a known errno (-EINVAL, -EOPNOTSUPP, -E2BIG, -ENOMEM) and a
 *   non-empty message;
 * - success: every plan tensor lies inside its store and has rank 1..4,
 *   every op's output shares no byte with any of its inputs, every job is
 *   within the limits and encodes, every graph output of the IO store lies
 *   inside it.
 *
 * A violation prints "fuzz_onnx: INVARIANT: ..." and aborts.
 *
 * Seeds: `make fuzz-onnx` copies the models of Debian's libonnx-testdata
 * into build/fuzz/corpus/onnx/ (never into the repository).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_exec.h"

#define FAIL(...) do {							\
	fprintf(stderr, "fuzz_onnx: INVARIANT: " __VA_ARGS__);		\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

static uint64_t fz_bytes(const struct npu_plan_tensor *t)
{
	uint64_t n = npu_fw_dtype_size(t->dtype);
	uint32_t i;

	for (i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return n;
}

static void fz_check_plan(const struct npu_plan *p, const struct npu_plan_limits *lim)
{
	uint32_t i, k, j, size;
	void *cmd;
	static const uint32_t bo_index[NPU_PLAN_STORES] = { 0, 1, 2 };

	for (i = 0; i < p->ntensors; i++) {
		const struct npu_plan_tensor *t = &p->tensors[i];

		if (t->store >= NPU_PLAN_STORES || t->ndim < 1 || t->ndim > 4)
			FAIL("tensor %u: store %u, ndim %u", i, t->store, t->ndim);
		if (t->offset + fz_bytes(t) > p->size[t->store])
			FAIL("tensor %u: [%llu, +%llu) outside store %u of %llu bytes", i,
			     (unsigned long long)t->offset, (unsigned long long)fz_bytes(t),
			     t->store, (unsigned long long)p->size[t->store]);
	}
	for (i = 0; i < p->nops; i++) {
		const struct npu_cmd_op *op = &p->ops[i].op;
		const struct npu_plan_tensor *y = &p->tensors[op->outputs[0]];

		for (k = 0; k < NPU_CMD_MAX_INPUTS; k++) {
			const struct npu_plan_tensor *x;

			if (op->inputs[k] == NPU_CMD_NO_TENSOR)
				continue;
			x = &p->tensors[op->inputs[k]];
			if (x->store == y->store && x->offset < y->offset + fz_bytes(y) &&
			    y->offset < x->offset + fz_bytes(x))
				FAIL("op %u (%s): output overlaps input %u", i,
				     p->ops[i].onnx_ops, k);
		}
	}
	for (j = 0; j < p->njobs; j++) {
		if (!p->jobs[j].count || p->jobs[j].count > lim->max_ops ||
		    p->jobs[j].ntensors > lim->max_tensors)
			FAIL("job %u: %u ops, %u tensors", j, p->jobs[j].count,
			     p->jobs[j].ntensors);
		if (npu_plan_encode_job(p, j, bo_index, &cmd, &size))
			FAIL("job %u does not encode", j);
		if (size > lim->max_cmd_size)
			FAIL("job %u: %u bytes", j, size);
		free(cmd);
	}
	for (i = 0; i < p->noutputs; i++)
		if (p->outputs[i].store == NPU_PLAN_IO &&
		    p->outputs[i].offset + p->outputs[i].bytes > p->size[NPU_PLAN_IO])
			FAIL("output %u outside the io store", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct npu_plan_limits lim = exec_limits;
	struct npu_graph g;
	struct npu_plan p;
	int ret;

	lim.max_bo_size = 1ULL << 28;
	ret = compile_mem(data, size, NULL, 0, &lim, 0, &g, &p);
	if (ret) {
		if (ret != -EINVAL && ret != -EOPNOTSUPP && ret != -E2BIG && ret != -ENOMEM)
			FAIL("error %d: %s", ret, g.err);
		if (!g.err[0])
			FAIL("error %d without a message", ret);
	} else {
		fz_check_plan(&p, &lim);
		npu_plan_free(&p);
	}
	npu_g_free(&g);
	return 0;
}

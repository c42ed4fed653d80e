/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * tests/unit/fw_scratch.h - the scratch buffer npu_fw_run() needs for
 * packed-weight ops, for single-threaded test executors.
 */
#ifndef NPU_TEST_FW_SCRATCH_H
#define NPU_TEST_FW_SCRATCH_H

#include <stdlib.h>

#include "../../firmware/npu_fw.h"

/* NULL when @job needs none; one buffer per process, reached forever */
static inline void *npu_test_scratch(const struct npu_fw_job *job)
{
	static void *buf;

	if (!npu_fw_scratch_size(job))
		return NULL;
	if (!buf)
		buf = aligned_alloc(64, NPU_FW_SCRATCH_MAX);
	if (!buf)
		abort();
	return buf;
}

#endif /* NPU_TEST_FW_SCRATCH_H */

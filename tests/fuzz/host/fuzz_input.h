/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The input format of the command-stream fuzzer (fuzz_validate), shared by
 * the target, its structure-aware mutator and the seed generator (mkseeds).
 *
 * An input is a fixed 24-byte prefix followed by the command stream:
 *
 *	offset	size	field
 *	0	1	bo_sel:  bo_count = 1 + bo_sel % FZ_MAX_BOS
 *	1	1	lim_sel: limits passed to npu_fw_validate(), see fz_limits()
 *	2	1	mode:    bits 0-2 BO fill pattern (enum fz_fill), bits 4-5
 *			         how units are run (enum fz_run), bit 6 run twice
 *			         and compare (differential)
 *	3	1	(ignored)
 *	4	4	seed:    seeds the BO fill and the unit chunking
 *	8	16	bo_size[8]: __u16 little-endian size of BO i in bytes
 *	24	...	the stream (npu_cmd_header first)
 *
 * BO sizes are at most 65535 bytes and element counts are capped by the
 * limits below, so every accepted stream is cheap to execute: nothing needs
 * to be skipped for cost.
 */
#ifndef NPU_FUZZ_INPUT_H
#define NPU_FUZZ_INPUT_H

#include <stdint.h>
#include <string.h>

#include "../../../firmware/npu_fw.h"

#define FZ_PREFIX_SIZE		24
#define FZ_MAX_BOS		8
#define FZ_MAX_BO_SIZE		65535U
/* largest max_tensor_elems the target uses: one 64 KiB F32 tensor */
#define FZ_MAX_ELEMS		16384U
/* largest max_tensors / max_ops the target uses (kernel: 1024) */
#define FZ_MAX_TENSORS		64U
#define FZ_MAX_OPS		64U
/* the kernel's NPU_MAX_CMD_SIZE */
#define FZ_MAX_CMD_SIZE		(1U << 20)

/* mode bits */
#define FZ_MODE_FILL(m)		((m) & 7U)
#define FZ_MODE_RUN(m)		(((m) >> 4) & 3U)
#define FZ_MODE_DIFF		(1U << 6)

/* how BO memory is filled before an accepted stream runs */
enum fz_fill {
	FZ_FILL_ZERO,		/* all bytes 0 */
	FZ_FILL_RANDOM,		/* xorshift bytes (NaN, inf, any int) */
	FZ_FILL_SMALL,		/* every 32-bit word a small integer as float */
	FZ_FILL_ONES,		/* all bytes 0xff (float NaN, int -1) */
	FZ_FILL_SPECIAL,	/* words drawn from special floats and ints */
	/* 5..7: as FZ_FILL_RANDOM */
};

/* how the units of each op are run */
enum fz_run {
	FZ_RUN_ALL,		/* npu_fw_run(op, 0, units) */
	FZ_RUN_REVERSE,		/* one unit per call, last unit first */
	FZ_RUN_CHUNKS,		/* random chunks, counts past the end */
	FZ_RUN_ALL2,		/* as FZ_RUN_ALL */
};

/**
 * struct fz_prefix - the decoded prefix
 * @bo_count: 1 .. FZ_MAX_BOS
 * @lim_sel: raw limits selector
 * @mode: raw mode byte
 * @seed: fill/chunking seed
 * @bo_size: size of each BO (entries >= @bo_count are unused)
 */
struct fz_prefix {
	uint32_t bo_count;
	uint8_t lim_sel;
	uint8_t mode;
	uint32_t seed;
	__u64 bo_size[FZ_MAX_BOS];
};

static inline uint16_t fz_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline void fz_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline uint32_t fz_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void fz_put32(uint8_t *p, uint32_t v)
{
	fz_put16(p, v);
	fz_put16(p + 2, v >> 16);
}

/* decode the first FZ_PREFIX_SIZE bytes of an input */
static inline void fz_prefix_decode(const uint8_t *p, struct fz_prefix *fp)
{
	uint32_t i;

	fp->bo_count = 1 + p[0] % FZ_MAX_BOS;
	fp->lim_sel = p[1];
	fp->mode = p[2];
	fp->seed = fz_get32(p + 4);
	for (i = 0; i < FZ_MAX_BOS; i++)
		fp->bo_size[i] = fz_get16(p + 8 + 2 * i);
}

/* encode a prefix (bo_count 1..8, sizes <= FZ_MAX_BO_SIZE) */
static inline void fz_prefix_encode(uint8_t *p, const struct fz_prefix *fp)
{
	uint32_t i;

	memset(p, 0, FZ_PREFIX_SIZE);
	p[0] = (uint8_t)(fp->bo_count - 1);
	p[1] = fp->lim_sel;
	p[2] = fp->mode;
	fz_put32(p + 4, fp->seed);
	for (i = 0; i < FZ_MAX_BOS; i++)
		fz_put16(p + 8 + 2 * i, (uint32_t)fp->bo_size[i]);
}

/*
 * The limits selected by lim_sel. lim_sel 0 (what the seeds use) gives the
 * largest values; the other values shrink one limit at a time so the
 * fuzzer reaches every -E2BIG path with short inputs:
 *	bits 0-1  max_tensor_elems 16384, 4096, 1024, 16
 *	bits 2-3  max_tensors      64, 8, 3, 1
 *	bits 4-5  max_ops          64, 8, 2, 1
 *	bits 6-7  max_cmd_size     1 MiB (the kernel's), 4096, 1024, 200
 */
static inline void fz_limits(uint8_t sel, struct npu_fw_limits *lim)
{
	static const uint32_t elems[4] = { FZ_MAX_ELEMS, 4096, 1024, 16 };
	static const uint32_t tensors[4] = { FZ_MAX_TENSORS, 8, 3, 1 };
	static const uint32_t ops[4] = { FZ_MAX_OPS, 8, 2, 1 };
	static const uint32_t cmd[4] = { FZ_MAX_CMD_SIZE, 4096, 1024, 200 };

	lim->max_tensor_elems = elems[sel & 3];
	lim->max_tensors = tensors[(sel >> 2) & 3];
	lim->max_ops = ops[(sel >> 4) & 3];
	lim->max_cmd_size = cmd[(sel >> 6) & 3];
}

#endif /* NPU_FUZZ_INPUT_H */

/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * An independent model of the command-stream rules, written from the uAPI
 * text (uapi/linux/npu_cmd.h) rather than from npu_fw_validate.c, for the
 * fuzzer to compare the validator against.
 */
#ifndef NPU_FUZZ_ORACLE_H
#define NPU_FUZZ_ORACLE_H

#include <stdint.h>

#include "../../../firmware/npu_fw.h"

/**
 * fz_oracle() - is a stream valid according to the uAPI rules?
 * @cmd: the stream (any alignment; read with memcpy)
 * @size: bytes at @cmd; nothing outside [cmd, cmd + size) is read
 * @bo_size: BO sizes
 * @bo_count: entries in @bo_size (<= 64)
 * @lim: limits
 * @rd: out (valid streams only): bit i set when some op reads BO i
 *	(inputs and their per-channel scale tensors)
 * @wr: out (valid streams only): bit i set when some op writes BO i
 *
 * Return: NULL when valid, else a short description of the first rule the
 * stream breaks.
 */
const char *fz_oracle(const uint8_t *cmd, uint32_t size, const __u64 *bo_size,
		      uint32_t bo_count, const struct npu_fw_limits *lim,
		      uint64_t *rd, uint64_t *wr);

/* the F32 value of binary32 bits */
float fz_f32(uint32_t bits);

#endif /* NPU_FUZZ_ORACLE_H */

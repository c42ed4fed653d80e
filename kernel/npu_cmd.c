// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (C) 2026 The npu authors */

/**
 * DOC: command stream validation
 *
 * The command stream is untrusted. It is copied from userspace exactly once
 * into a private buffer that userspace cannot change afterwards, then
 * npu_fw_validate() (firmware/npu_fw_validate.c, integer-only, shared with
 * libnpu and the fuzzers) checks every field against the sizes of the BOs
 * the job references. Only a stream that passed reaches an engine; the
 * executors trust it and do not check again.
 */

#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_gem.h>
#include <drm/drm_print.h>

#include "npu_drv.h"

void npu_cmd_limits(struct npu_fw_limits *lim)
{
	lim->max_cmd_size = NPU_MAX_CMD_SIZE;
	lim->max_tensors = NPU_MAX_TENSORS;
	lim->max_ops = NPU_MAX_OPS;
	lim->max_tensor_elems = NPU_MAX_TENSOR_ELEMS;
}

/**
 * npu_cmd_copy_validate() - copy a command stream from userspace and check it
 * @ndev: device (for messages)
 * @uptr: user address of the stream
 * @size: bytes at @uptr
 * @bos: the job's BOs, in submit order
 * @bo_count: entries in @bos
 * @cmd_out: out: the validated private copy; kvfree() it
 * @bos_written: out: bit i set when the stream writes @bos[i]
 *
 * Return: 0, -EINVAL, -E2BIG, -ERANGE or -EOPNOTSUPP as npu_fw_validate(),
 * -EFAULT for a bad pointer, -ENOMEM.
 */
int npu_cmd_copy_validate(struct npu_device *ndev, u64 uptr, u32 size,
			  struct drm_gem_object **bos, u32 bo_count,
			  void **cmd_out, u64 *bos_written)
{
	u64 bo_sizes[NPU_MAX_BOS];
	struct npu_fw_limits lim;
	struct npu_fw_diag diag = { .op = -1, .tensor = -1, .msg = "" };
	void *cmd;
	u32 i;
	int ret;

	if (size < sizeof(struct npu_cmd_header))
		return -EINVAL;
	if (size > NPU_MAX_CMD_SIZE)
		return -E2BIG;
	if (bo_count > NPU_MAX_BOS)
		return -E2BIG;

	/* kvmalloc memory is at least 8-byte aligned, as the validator needs. */
	cmd = kvmalloc(size, GFP_KERNEL);
	if (!cmd)
		return -ENOMEM;
	if (copy_from_user(cmd, u64_to_user_ptr(uptr), size)) {
		ret = -EFAULT;
		goto err;
	}

	for (i = 0; i < bo_count; i++)
		bo_sizes[i] = bos[i]->size;

	npu_cmd_limits(&lim);
	ret = npu_fw_validate(cmd, size, bo_sizes, bo_count, &lim, &diag);
	if (ret) {
		drm_dbg_driver(&ndev->drm,
			       "pid %d: command stream rejected (%d): op %d tensor %d: %s\n",
			       task_tgid_nr(current), ret, diag.op, diag.tensor, diag.msg);
		goto err;
	}

	*cmd_out = cmd;
	*bos_written = diag.bos_written;
	return 0;

err:
	kvfree(cmd);
	return ret;
}

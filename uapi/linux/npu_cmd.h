/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * npu command stream, version 1.
 *
 * A command stream is one contiguous, little-endian buffer that userspace
 * passes to DRM_IOCTL_NPU_SUBMIT. It is untrusted: the kernel copies it once
 * and validates every field before the job is queued (see
 * Documentation/accel/npu.rst, "Command stream").
 *
 * Layout::
 *
 *	struct npu_cmd_header			(at offset 0)
 *	struct npu_cmd_tensor[num_tensors]	(at tensor_offset)
 *	struct npu_cmd_op[num_ops]		(at op_offset)
 *
 * Tensors live in buffer objects: npu_cmd_tensor.bo_index indexes the BO
 * handle array of the submit, npu_cmd_tensor.offset is a byte offset in that
 * BO. Tensors are dense, row-major (the last dimension is contiguous) and
 * must be aligned to their element size. Ops run in order; an op may read
 * tensors written by earlier ops of the same stream.
 *
 * Every enum in this file is append-only. Every reserved or padding field
 * must be zero.
 */
#ifndef _UAPI_LINUX_NPU_CMD_H
#define _UAPI_LINUX_NPU_CMD_H

#include <linux/types.h>

/** NPU_CMD_MAGIC - "NPU1" in little-endian byte order */
#define NPU_CMD_MAGIC		0x3155504eU
/** NPU_CMD_VERSION - the command stream version described here */
#define NPU_CMD_VERSION		1

/** NPU_CMD_MAX_DIMS - the largest tensor rank */
#define NPU_CMD_MAX_DIMS	4
/** NPU_CMD_MAX_INPUTS - input slots of an op */
#define NPU_CMD_MAX_INPUTS	4
/** NPU_CMD_MAX_OUTPUTS - output slots of an op */
#define NPU_CMD_MAX_OUTPUTS	2
/** NPU_CMD_NO_TENSOR - an unused tensor slot (an optional input left out) */
#define NPU_CMD_NO_TENSOR	0xffffffffU

/**
 * enum npu_dtype - element types
 * @NPU_DTYPE_F32: IEEE-754 binary32
 * @NPU_DTYPE_I8: signed 8-bit integer (quantized when quant_type != NONE)
 * @NPU_DTYPE_U8: unsigned 8-bit integer (quantized when quant_type != NONE)
 * @NPU_DTYPE_I32: signed 32-bit integer (biases of quantized ops)
 */
enum npu_dtype {
	NPU_DTYPE_F32 = 0,
	NPU_DTYPE_I8 = 1,
	NPU_DTYPE_U8 = 2,
	NPU_DTYPE_I32 = 3,
	NPU_DTYPE_COUNT,
};

/**
 * enum npu_quant_type - how an integer tensor maps to real values
 * @NPU_QUANT_NONE: plain values
 * @NPU_QUANT_PER_TENSOR: real = (q - zero_point) * scale
 * @NPU_QUANT_PER_CHANNEL: real = (q - zp[c]) * scale[c] along quant_axis;
 *	scales come from the F32 tensor @scale_tensor (one per channel);
 *	zero points must be 0 (symmetric weights)
 */
enum npu_quant_type {
	NPU_QUANT_NONE = 0,
	NPU_QUANT_PER_TENSOR = 1,
	NPU_QUANT_PER_CHANNEL = 2,
	NPU_QUANT_COUNT,
};

/**
 * struct npu_cmd_header - start of every command stream (32 bytes)
 * @magic: NPU_CMD_MAGIC
 * @version: NPU_CMD_VERSION
 * @header_size: sizeof(struct npu_cmd_header)
 * @size: total size of the stream in bytes; must equal the submit's cmd_size
 * @num_tensors: entries in the tensor table (1 .. limits.max_tensors)
 * @num_ops: entries in the op list (1 .. limits.max_ops)
 * @tensor_offset: byte offset of the tensor table, 8-byte aligned
 * @op_offset: byte offset of the op list, 8-byte aligned
 * @flags: must be 0
 * @reserved: must be 0
 *
 * The tensor table and the op list must lie inside @size and must not
 * overlap each other or the header.
 */
struct npu_cmd_header {
	__u32 magic;
	__u16 version;
	__u16 header_size;
	__u32 size;
	__u16 num_tensors;
	__u16 num_ops;
	__u32 tensor_offset;
	__u32 op_offset;
	__u32 flags;
	__u32 reserved;
};

/**
 * struct npu_cmd_tensor - one tensor descriptor (64 bytes)
 * @bo_index: index into the submit's BO handle array
 * @dtype: enum npu_dtype
 * @offset: byte offset of element 0 in the BO; aligned to the element size
 * @ndim: rank, 1 .. NPU_CMD_MAX_DIMS
 * @shape: dimensions, outermost first; shape[i] >= 1 for i < ndim and 0 for
 *	i >= ndim; the element count must not exceed limits.max_tensor_elems
 * @quant_type: enum npu_quant_type; NONE for F32 and I32
 * @quant_axis: channel axis for NPU_QUANT_PER_CHANNEL, else 0
 * @scale: per-tensor scale as IEEE-754 binary32 bits (finite, > 0), else 0
 * @zero_point: per-tensor zero point, within the dtype's range, else 0
 * @scale_tensor: per-channel: id of an F32 tensor of shape [shape[axis]];
 *	else NPU_CMD_NO_TENSOR
 * @flags: must be 0
 * @reserved: must be 0
 */
struct npu_cmd_tensor {
	__u32 bo_index;
	__u32 dtype;
	__u64 offset;
	__u32 ndim;
	__u32 shape[NPU_CMD_MAX_DIMS];
	__u32 quant_type;
	__u32 quant_axis;
	__u32 scale;
	__s32 zero_point;
	__u32 scale_tensor;
	__u32 flags;
	__u32 reserved;
};

/**
 * enum npu_op_code - operations (append-only)
 * @NPU_OP_GEMM: fully connected / GEMM. Inputs: A [M, K], B [K, N] (or
 *	[N, K] with NPU_GEMM_TRANS_B), optional bias [N]. Output Y [M, N].
 *	Y = A * B + bias, then the fused activation.
 *	F32: all tensors F32. Quantized: A and Y per-tensor I8/U8, B I8
 *	per-tensor (any zero point) or per-channel on its N axis (zero
 *	points 0), bias I32 with scale A.scale * B.scale (its own scale
 *	field is ignored).
 * @NPU_OP_CONV2D: 2-D convolution, NCHW. Inputs: X [N, C, H, W],
 *	W [OC, C / groups, KH, KW], optional bias [OC]. Output
 *	Y [N, OC, OH, OW], OH = (H + pad_top + pad_bottom -
 *	dilation_h * (KH - 1) - 1) / stride_h + 1 (likewise OW). Types as GEMM
 *	(per-channel weights on axis 0).
 * @NPU_OP_ADD: element-wise A + B with NumPy broadcasting of B to A's
 *	shape (B's rank <= A's, each dim equal or 1), then the fused
 *	activation. F32, I32, or quantized I8/U8 (A, B, Y same dtype,
 *	per-tensor, each with its own scale and zero point).
 * @NPU_OP_RELU: Y = max(X, 0). Same shape and dtype; quantized in and out
 *	must have equal scale and zero point.
 * @NPU_OP_CLIP: Y = min(max(X, clip_min), clip_max); quantization as RELU.
 */
enum npu_op_code {
	NPU_OP_GEMM = 1,
	NPU_OP_CONV2D = 2,
	NPU_OP_ADD = 3,
	NPU_OP_RELU = 4,
	NPU_OP_CLIP = 5,
	NPU_OP_COUNT,
};

/**
 * enum npu_activation - activation fused into GEMM, CONV2D and ADD
 * @NPU_ACT_NONE: none
 * @NPU_ACT_RELU: max(y, 0)
 * @NPU_ACT_CLIP: min(max(y, act_min), act_max)
 */
enum npu_activation {
	NPU_ACT_NONE = 0,
	NPU_ACT_RELU = 1,
	NPU_ACT_CLIP = 2,
	NPU_ACT_COUNT,
};

/** NPU_GEMM_TRANS_B - GEMM: B is stored as [N, K] */
#define NPU_GEMM_TRANS_B	0x1U
/** NPU_GEMM_FLAGS - every defined GEMM flag */
#define NPU_GEMM_FLAGS		NPU_GEMM_TRANS_B

/**
 * struct npu_op_gemm - NPU_OP_GEMM parameters
 * @flags: NPU_GEMM_* bits
 * @activation: enum npu_activation
 * @act_min: NPU_ACT_CLIP lower bound, binary32 bits (real value), else 0
 * @act_max: NPU_ACT_CLIP upper bound, binary32 bits (real value), else 0
 */
struct npu_op_gemm {
	__u32 flags;
	__u32 activation;
	__u32 act_min;
	__u32 act_max;
};

/**
 * struct npu_op_conv2d - NPU_OP_CONV2D parameters
 * @stride_h: vertical stride, 1 .. 64
 * @stride_w: horizontal stride, 1 .. 64
 * @dilation_h: vertical dilation, 1 .. 64
 * @dilation_w: horizontal dilation, 1 .. 64
 * @pad_top: zero rows above, < dilated kernel height
 * @pad_left: zero columns left, < dilated kernel width
 * @pad_bottom: zero rows below, < dilated kernel height
 * @pad_right: zero columns right, < dilated kernel width
 * @groups: >= 1; C and OC must both be multiples (depthwise: groups == C)
 * @activation: enum npu_activation
 * @act_min: as in struct npu_op_gemm
 * @act_max: as in struct npu_op_gemm
 */
struct npu_op_conv2d {
	__u32 stride_h;
	__u32 stride_w;
	__u32 dilation_h;
	__u32 dilation_w;
	__u32 pad_top;
	__u32 pad_left;
	__u32 pad_bottom;
	__u32 pad_right;
	__u32 groups;
	__u32 activation;
	__u32 act_min;
	__u32 act_max;
};

/**
 * struct npu_op_eltwise - NPU_OP_ADD, NPU_OP_RELU and NPU_OP_CLIP parameters
 * @activation: ADD: enum npu_activation; RELU and CLIP: must be 0
 * @act_min: ADD with NPU_ACT_CLIP, or CLIP: lower bound (binary32 bits)
 * @act_max: ADD with NPU_ACT_CLIP, or CLIP: upper bound (binary32 bits);
 *	act_min <= act_max
 */
struct npu_op_eltwise {
	__u32 activation;
	__u32 act_min;
	__u32 act_max;
};

/**
 * struct npu_cmd_op - one operation (96 bytes)
 * @opcode: enum npu_op_code
 * @flags: must be 0
 * @num_inputs: used entries of @inputs (required plus optional slots)
 * @num_outputs: used entries of @outputs
 * @inputs: tensor ids; optional inputs may be NPU_CMD_NO_TENSOR; unused
 *	slots must be NPU_CMD_NO_TENSOR
 * @outputs: tensor ids; unused slots must be NPU_CMD_NO_TENSOR. An output
 *	must not alias (share bytes with) any input of the same op.
 * @gemm: parameters of NPU_OP_GEMM
 * @conv2d: parameters of NPU_OP_CONV2D
 * @eltwise: parameters of NPU_OP_ADD, NPU_OP_RELU, NPU_OP_CLIP
 * @raw: the parameter area; bytes past the op's parameter struct must be 0
 */
struct npu_cmd_op {
	__u16 opcode;
	__u16 flags;
	__u16 num_inputs;
	__u16 num_outputs;
	__u32 inputs[NPU_CMD_MAX_INPUTS];
	__u32 outputs[NPU_CMD_MAX_OUTPUTS];
	union {
		struct npu_op_gemm gemm;
		struct npu_op_conv2d conv2d;
		struct npu_op_eltwise eltwise;
		__u32 raw[16];
	};
};

#endif /* _UAPI_LINUX_NPU_CMD_H */

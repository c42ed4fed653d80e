/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * npu command stream, version 1 (ops appended since: see enum npu_op_code).
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
 * @flags: NPU_TENSOR_* bits
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
 * NPU_TENSOR_PACKED_V1 - the tensor's bytes are weights pre-packed in the
 * layout of Documentation/kernels.rst, "Packed weight layouts, version 1":
 * the matrix of shape[0] rows by (shape[1] * ... ) columns, in panels of 8
 * rows, P = ceil(shape[0] / 8) panels. The shape stays the logical shape.
 * Only a weight may be packed: W of a CONV2D with groups == 1, or B of a
 * GEMM with NPU_GEMM_TRANS_B (B stored [N, K]), F32 or I8:
 *
 * - F32: 32 * columns bytes per panel; the tensor occupies 32 * P *
 *   columns bytes of its BO (not its dense size). Columns must not exceed
 *   2^22.
 * - I8 (a quantized op's weights, per-tensor or per-channel): per panel,
 *   32 bytes per group of 4 columns (columns rounded up to a multiple of 4,
 *   the extra ones 0), then 8 s32 row sums per panel after all panels:
 *   32 * P * ceil(columns / 4) + 32 * P bytes. The offset must be 4-byte
 *   aligned and columns must not exceed NPU_TENSOR_PACKED_Q8_MAX_COLS.
 *
 * Packed weights let the CPU engine run its vector kernels on them in place.
 */
#define NPU_TENSOR_PACKED_V1	0x1U
/** NPU_TENSOR_PACKED_Q8_MAX_COLS - most columns of a packed I8 tensor */
#define NPU_TENSOR_PACKED_Q8_MAX_COLS	5120U
/** NPU_TENSOR_FLAGS - every defined tensor flag */
#define NPU_TENSOR_FLAGS	NPU_TENSOR_PACKED_V1

/**
 * enum npu_op_code - operations (append-only)
 *
 * Shapes are checked exactly: every output shape must be the one the op
 * computes from its inputs and parameters. Unless an op says otherwise its
 * tensors are F32 and 4-D layouts are NCHW.
 *
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
 *	(per-channel weights on axis 0). output_pad_h/w must be 0.
 * @NPU_OP_ADD: element-wise A + B, then the fused activation. A and B are
 *	broadcast to Y's shape (NumPy rules: shapes aligned at the last
 *	dimension, each input dimension equal to Y's or 1, an input's rank
 *	at most Y's). Version 1 streams had B broadcast to A (Y's shape = A's);
 *	those stay valid. F32, I32, or quantized I8/U8 (A, B, Y same dtype,
 *	per-tensor, each with its own scale and zero point).
 * @NPU_OP_RELU: Y = max(X, 0). Same shape and dtype; quantized in and out
 *	must have equal scale and zero point.
 * @NPU_OP_CLIP: Y = min(max(X, clip_min), clip_max); quantization as RELU.
 * @NPU_OP_CONV_TRANSPOSE2D: transposed 2-D convolution (ONNX ConvTranspose),
 *	F32, NCHW. Inputs: X [N, C, H, W], W [C, OC / groups, KH, KW],
 *	optional bias [OC]. Output Y [N, OC, OH, OW], OH = stride_h * (H - 1)
 *	+ output_pad_h + dilation_h * (KH - 1) + 1 - pad_top - pad_bottom
 *	(likewise OW); output_pad_h < max(stride_h, dilation_h). Parameters in
 *	struct npu_op_conv2d.
 * @NPU_OP_SUB: A - B, broadcasting and fused activation as ADD; F32 or I32.
 * @NPU_OP_MUL: A * B, as ADD (F32, I32, or quantized I8/U8).
 * @NPU_OP_DIV: A / B, as SUB; I32 division truncates toward zero, a zero
 *	divisor gives 0 and INT32_MIN / -1 wraps to INT32_MIN (the validator
 *	cannot see data).
 * @NPU_OP_SIGMOID: Y = 1 / (1 + exp(-X)); shapes equal.
 * @NPU_OP_HARD_SIGMOID: Y = max(0, min(1, alpha * X + beta)), alpha and beta
 *	in struct npu_op_eltwise act_alpha and act_beta.
 * @NPU_OP_HARD_SWISH: Y = X * max(0, min(1, X / 6 + 1 / 2)).
 * @NPU_OP_TANH: Y = tanh(X).
 * @NPU_OP_MAXPOOL: 2-D max pooling, X [N, C, H, W] to Y [N, C, OH, OW]
 *	(struct npu_op_pool); OH = floor or, with NPU_POOL_CEIL_MODE, ceil of
 *	(H + pad_top + pad_bottom - dilation_h * (KH - 1) - 1) / stride_h, + 1;
 *	with ceil mode a last window that would start in the bottom padding
 *	is dropped (OH - 1 when (OH - 1) * stride_h >= H + pad_top, as ONNX
 *	and PyTorch). Padding never wins (it is -inf; a window of padding only,
 *	possible with dilation, gives -inf, or the dtype's minimum for I8/U8).
 *	F32, or quantized I8/U8 with X and Y of equal scale and zero point.
 * @NPU_OP_AVGPOOL: 2-D average pooling, as MAXPOOL without dilation
 *	(dilation 1). Padded elements count in the divisor only with
 *	NPU_POOL_COUNT_INCLUDE_PAD. F32.
 * @NPU_OP_GLOBAL_AVGPOOL: X [N, C, H, W] to Y [N, C, 1, 1], the mean over
 *	H and W; struct npu_op_pool must be all zero. F32.
 * @NPU_OP_SOFTMAX: softmax along one axis (struct npu_op_axis, ONNX
 *	opset 13 semantics): Y = exp(X - max) / sum(exp(X - max)). F32.
 * @NPU_OP_CONCAT: concatenation of 1 .. NPU_CMD_MAX_INPUTS inputs along
 *	axis (struct npu_op_axis); all inputs and Y share dtype and rank and
 *	every dimension but axis; Y's axis is the sum. Any dtype; quantized
 *	inputs must have Y's scale and zero point.
 * @NPU_OP_RESIZE: 2-D resize of X [N, C, H, W] to Y [N, C, OH, OW] (ONNX
 *	Resize on the last two axes, struct npu_op_resize). F32. With a
 *	scale given, OH must be floor(H * scale_h) computed exactly (likewise
 *	OW).
 * @NPU_OP_TRANSPOSE: Y = X with its axes permuted (struct npu_op_transpose):
 *	Y.shape[i] = X.shape[perm[i]]. Any dtype; quantization as CONCAT.
 * @NPU_OP_COPY: Y = X, element for element, with the same element count but
 *	any shape (Reshape and Flatten as copies; a reshape of a dense tensor
 *	is usually a second descriptor of the same bytes instead). Any dtype;
 *	X and Y of the same dtype and quantization (I8/U8: per-tensor).
 * @NPU_OP_QUANTIZE: X F32 to Y I8/U8 per-tensor:
 *	q = saturate(round_half_even(x / Y.scale) + Y.zero_point).
 *	Shapes equal.
 * @NPU_OP_DEQUANTIZE: X I8/U8 (per-tensor, or per-channel) to Y F32:
 *	y = (q - zero_point) * scale; or X I32 (which carries no quantization,
 *	see struct npu_cmd_tensor) to the nearest F32 value. Shapes equal.
 */
enum npu_op_code {
	NPU_OP_GEMM = 1,
	NPU_OP_CONV2D = 2,
	NPU_OP_ADD = 3,
	NPU_OP_RELU = 4,
	NPU_OP_CLIP = 5,
	NPU_OP_CONV_TRANSPOSE2D = 6,
	NPU_OP_SUB = 7,
	NPU_OP_MUL = 8,
	NPU_OP_DIV = 9,
	NPU_OP_SIGMOID = 10,
	NPU_OP_HARD_SIGMOID = 11,
	NPU_OP_HARD_SWISH = 12,
	NPU_OP_TANH = 13,
	NPU_OP_MAXPOOL = 14,
	NPU_OP_AVGPOOL = 15,
	NPU_OP_GLOBAL_AVGPOOL = 16,
	NPU_OP_SOFTMAX = 17,
	NPU_OP_CONCAT = 18,
	NPU_OP_RESIZE = 19,
	NPU_OP_TRANSPOSE = 20,
	NPU_OP_COPY = 21,
	NPU_OP_QUANTIZE = 22,
	NPU_OP_DEQUANTIZE = 23,
	NPU_OP_COUNT,
};

/**
 * enum npu_activation - activation fused into GEMM, CONV2D,
 * CONV_TRANSPOSE2D, ADD, SUB, MUL and DIV
 * @NPU_ACT_NONE: none
 * @NPU_ACT_RELU: max(y, 0)
 * @NPU_ACT_CLIP: min(max(y, act_min), act_max)
 * @NPU_ACT_SIGMOID: 1 / (1 + exp(-y)); F32 ops only
 * @NPU_ACT_HARD_SIGMOID: max(0, min(1, act_alpha * y + act_beta)); F32 only
 * @NPU_ACT_HARD_SWISH: y * max(0, min(1, y / 6 + 1 / 2)); F32 only
 *
 * act_min, act_max, act_alpha and act_beta are binary32 bits (finite) and
 * must be 0 when the activation does not use them.
 */
enum npu_activation {
	NPU_ACT_NONE = 0,
	NPU_ACT_RELU = 1,
	NPU_ACT_CLIP = 2,
	NPU_ACT_SIGMOID = 3,
	NPU_ACT_HARD_SIGMOID = 4,
	NPU_ACT_HARD_SWISH = 5,
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
 * @act_alpha: NPU_ACT_HARD_SIGMOID alpha (binary32 bits), else 0
 * @act_beta: NPU_ACT_HARD_SIGMOID beta (binary32 bits), else 0
 */
struct npu_op_gemm {
	__u32 flags;
	__u32 activation;
	__u32 act_min;
	__u32 act_max;
	__u32 act_alpha;
	__u32 act_beta;
};

/**
 * struct npu_op_conv2d - NPU_OP_CONV2D and NPU_OP_CONV_TRANSPOSE2D parameters
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
 * @output_pad_h: CONV_TRANSPOSE2D: extra rows at the bottom; CONV2D: 0
 * @output_pad_w: CONV_TRANSPOSE2D: extra columns at the right; CONV2D: 0
 * @act_alpha: as in struct npu_op_gemm
 * @act_beta: as in struct npu_op_gemm
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
	__u32 output_pad_h;
	__u32 output_pad_w;
	__u32 act_alpha;
	__u32 act_beta;
};

/**
 * struct npu_op_eltwise - parameters of the element-wise ops: ADD, SUB,
 * MUL, DIV, RELU, CLIP, SIGMOID, HARD_SIGMOID, HARD_SWISH, TANH,
 * QUANTIZE, DEQUANTIZE
 * @activation: ADD, SUB, MUL, DIV: enum npu_activation; other ops: 0
 * @act_min: binary ops with NPU_ACT_CLIP, or CLIP: lower bound (binary32
 *	bits); else 0
 * @act_max: binary ops with NPU_ACT_CLIP, or CLIP: upper bound (binary32
 *	bits); act_min <= act_max; else 0
 * @act_alpha: binary ops with NPU_ACT_HARD_SIGMOID, or HARD_SIGMOID: alpha
 *	(binary32 bits); else 0
 * @act_beta: binary ops with NPU_ACT_HARD_SIGMOID, or HARD_SIGMOID: beta
 *	(binary32 bits); else 0
 */
struct npu_op_eltwise {
	__u32 activation;
	__u32 act_min;
	__u32 act_max;
	__u32 act_alpha;
	__u32 act_beta;
};

/** NPU_POOL_CEIL_MODE - pools: output size rounds up (ONNX ceil_mode) */
#define NPU_POOL_CEIL_MODE		0x1U
/** NPU_POOL_COUNT_INCLUDE_PAD - AVGPOOL: padding counts in the divisor */
#define NPU_POOL_COUNT_INCLUDE_PAD	0x2U
/** NPU_POOL_FLAGS - every defined pool flag */
#define NPU_POOL_FLAGS			0x3U

/**
 * struct npu_op_pool - NPU_OP_MAXPOOL and NPU_OP_AVGPOOL parameters (all
 * zero for NPU_OP_GLOBAL_AVGPOOL)
 * @kernel_h: window height, 1 .. 256
 * @kernel_w: window width, 1 .. 256
 * @stride_h: vertical stride, 1 .. 64
 * @stride_w: horizontal stride, 1 .. 64
 * @dilation_h: vertical dilation, 1 .. 64 (AVGPOOL: 1)
 * @dilation_w: horizontal dilation, 1 .. 64 (AVGPOOL: 1)
 * @pad_top: padded rows above, < dilated window height
 * @pad_left: padded columns left, < dilated window width
 * @pad_bottom: padded rows below, < dilated window height
 * @pad_right: padded columns right, < dilated window width
 * @flags: NPU_POOL_* bits (COUNT_INCLUDE_PAD: AVGPOOL only)
 */
struct npu_op_pool {
	__u32 kernel_h;
	__u32 kernel_w;
	__u32 stride_h;
	__u32 stride_w;
	__u32 dilation_h;
	__u32 dilation_w;
	__u32 pad_top;
	__u32 pad_left;
	__u32 pad_bottom;
	__u32 pad_right;
	__u32 flags;
};

/**
 * struct npu_op_axis - NPU_OP_SOFTMAX and NPU_OP_CONCAT parameters
 * @axis: the axis, 0 .. rank - 1 (of X for SOFTMAX, of Y for CONCAT)
 */
struct npu_op_axis {
	__u32 axis;
};

/**
 * enum npu_resize_mode - NPU_OP_RESIZE interpolation
 * @NPU_RESIZE_NEAREST: the nearest input pixel (enum npu_resize_nearest)
 * @NPU_RESIZE_LINEAR: bilinear
 */
enum npu_resize_mode {
	NPU_RESIZE_NEAREST = 0,
	NPU_RESIZE_LINEAR = 1,
	NPU_RESIZE_MODE_COUNT,
};

/**
 * enum npu_resize_coord - how an output coordinate maps to the input (ONNX
 * coordinate_transformation_mode); x is an output index, s the scale
 * @NPU_RESIZE_HALF_PIXEL: (x + 0.5) / s - 0.5
 * @NPU_RESIZE_ASYMMETRIC: x / s
 * @NPU_RESIZE_ALIGN_CORNERS: x * (in - 1) / (out - 1), 0 when out == 1
 * @NPU_RESIZE_PYTORCH_HALF_PIXEL: as HALF_PIXEL, 0 when out == 1
 */
enum npu_resize_coord {
	NPU_RESIZE_HALF_PIXEL = 0,
	NPU_RESIZE_ASYMMETRIC = 1,
	NPU_RESIZE_ALIGN_CORNERS = 2,
	NPU_RESIZE_PYTORCH_HALF_PIXEL = 3,
	NPU_RESIZE_COORD_COUNT,
};

/**
 * enum npu_resize_nearest - NPU_RESIZE_NEAREST rounding (ONNX nearest_mode)
 * @NPU_RESIZE_ROUND_PREFER_FLOOR: round, halves down
 * @NPU_RESIZE_ROUND_PREFER_CEIL: round, halves up
 * @NPU_RESIZE_FLOOR: round down
 * @NPU_RESIZE_CEIL: round up
 */
enum npu_resize_nearest {
	NPU_RESIZE_ROUND_PREFER_FLOOR = 0,
	NPU_RESIZE_ROUND_PREFER_CEIL = 1,
	NPU_RESIZE_FLOOR = 2,
	NPU_RESIZE_CEIL = 3,
	NPU_RESIZE_NEAREST_COUNT,
};

/**
 * struct npu_op_resize - NPU_OP_RESIZE parameters
 * @mode: enum npu_resize_mode
 * @coord: enum npu_resize_coord
 * @nearest: enum npu_resize_nearest (NPU_RESIZE_NEAREST only, else 0)
 * @scale_h: vertical scale (binary32 bits, finite, > 0), or 0 for OH / H
 * @scale_w: horizontal scale (binary32 bits, finite, > 0), or 0 for OW / W
 *
 * Samples outside the input clamp to its edge.
 */
struct npu_op_resize {
	__u32 mode;
	__u32 coord;
	__u32 nearest;
	__u32 scale_h;
	__u32 scale_w;
};

/**
 * struct npu_op_transpose - NPU_OP_TRANSPOSE parameters
 * @perm: for i < rank a permutation of 0 .. rank - 1; 0 for i >= rank
 */
struct npu_op_transpose {
	__u32 perm[NPU_CMD_MAX_DIMS];
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
 * @conv2d: parameters of NPU_OP_CONV2D and NPU_OP_CONV_TRANSPOSE2D
 * @eltwise: parameters of the element-wise ops (see struct npu_op_eltwise)
 * @pool: parameters of NPU_OP_MAXPOOL, NPU_OP_AVGPOOL, NPU_OP_GLOBAL_AVGPOOL
 * @axis: parameters of NPU_OP_SOFTMAX and NPU_OP_CONCAT
 * @resize: parameters of NPU_OP_RESIZE
 * @transpose: parameters of NPU_OP_TRANSPOSE
 * @raw: the parameter area; bytes past the op's parameter struct must be 0
 *	(NPU_OP_COPY has none)
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
		struct npu_op_pool pool;
		struct npu_op_axis axis;
		struct npu_op_resize resize;
		struct npu_op_transpose transpose;
		__u32 raw[16];
	};
};

#endif /* _UAPI_LINUX_NPU_CMD_H */

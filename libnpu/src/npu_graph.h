/* SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT) */
/*
 * libnpu internals: the graph IR of the ONNX loader and the plan it is
 * lowered to. Shared by onnx.c (protobuf to IR), graph.c (IR basics),
 * infer.c (shapes and constant folding), opt.c (rewrites), lower.c (command
 * streams) and model.c (the public npu_model API), and by the host unit
 * tests. Nothing here is exported.
 *
 * The pipeline, run once by npu_model_open():
 *
 *   npu_onnx_import()   ModelProto -> values + nodes; attributes checked and
 *                       parsed into canonical per-op parameters
 *   npu_g_bind_inputs() concrete input shapes (the model's, or overrides)
 *   npu_g_infer()       topological order, dtypes and shapes of every value;
 *                       nodes whose inputs are all constant are evaluated
 *                       (Shape, Cast, Slice, Gather, Concat, Reshape, ...);
 *                       the quantization of int8 operators resolved from
 *                       their constant scales and zero points
 *   npu_g_optimize()    BatchNormalization and per-channel Mul/Add into a
 *                       preceding Conv/ConvTranspose/Gemm, standalone BN into
 *                       Mul + Add, HardSwish patterns, activation fusion,
 *                       dead nodes
 *   npu_g_lower()       command-stream ops, views, weights packed into one
 *                       blob, activations into an arena by liveness, jobs
 *                       split by the device limits
 */
#ifndef NPU_GRAPH_H
#define NPU_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/npu_cmd.h>

/** NPU_G_MAX_RANK - largest rank the IR represents (the stream takes 4) */
#define NPU_G_MAX_RANK		8
/** NPU_G_ERR_LEN - bytes of the error message buffer */
#define NPU_G_ERR_LEN		512
/** NPU_G_MAX_ELEMS - largest element count of one value (2^31 - 1) */
#define NPU_G_MAX_ELEMS		0x7fffffffLL
/** NPU_G_MAX_FOLD_BYTES - largest constant the evaluator makes (1 GiB) */
#define NPU_G_MAX_FOLD_BYTES	(1ULL << 30)
/** NPU_G_OPSET_MAX - newest ai.onnx opset whose operators are known here */
#define NPU_G_OPSET_MAX		21

/* ONNX TensorProto.DataType values the loader handles */
enum npu_g_dtype {
	NPU_G_UNDEF = 0,
	NPU_G_FLOAT = 1,
	NPU_G_UINT8 = 2,
	NPU_G_INT8 = 3,
	NPU_G_INT32 = 6,
	NPU_G_INT64 = 7,
	NPU_G_BOOL = 9,
	NPU_G_DOUBLE = 11,
};

/** enum npu_gop - canonical operators (after import) */
enum npu_gop {
	NPU_GOP_NONE = 0,
	NPU_GOP_CONSTANT,
	NPU_GOP_IDENTITY,	/* Identity, Dropout (inference) */
	NPU_GOP_CONV,
	NPU_GOP_CONV_T,
	NPU_GOP_BN,
	NPU_GOP_GEMM,
	NPU_GOP_MATMUL,
	NPU_GOP_ADD,
	NPU_GOP_SUB,
	NPU_GOP_MUL,
	NPU_GOP_DIV,
	NPU_GOP_RELU,
	NPU_GOP_CLIP,
	NPU_GOP_SIGMOID,
	NPU_GOP_HARD_SIGMOID,
	NPU_GOP_HARD_SWISH,
	NPU_GOP_TANH,
	NPU_GOP_MAXPOOL,
	NPU_GOP_AVGPOOL,
	NPU_GOP_GAP,
	NPU_GOP_SOFTMAX,
	NPU_GOP_CONCAT,
	NPU_GOP_RESIZE,
	NPU_GOP_TRANSPOSE,
	NPU_GOP_RESHAPE,
	NPU_GOP_FLATTEN,
	NPU_GOP_SQUEEZE,
	NPU_GOP_UNSQUEEZE,
	NPU_GOP_SHAPE,
	NPU_GOP_CAST,
	NPU_GOP_SLICE,
	NPU_GOP_GATHER,
	NPU_GOP_CONSTANT_OF_SHAPE,
	NPU_GOP_QUANTIZE,	/* QuantizeLinear */
	NPU_GOP_DEQUANTIZE,	/* DequantizeLinear */
	NPU_GOP_QCONV,		/* QLinearConv */
	NPU_GOP_QMATMUL,	/* QLinearMatMul */
	NPU_GOP_COUNT,
};

/* Conv/ConvTranspose/pool auto_pad */
enum npu_g_autopad {
	NPU_G_PAD_NOTSET = 0,
	NPU_G_PAD_VALID,
	NPU_G_PAD_SAME_UPPER,
	NPU_G_PAD_SAME_LOWER,
};

/**
 * struct npu_gconv - Conv, ConvTranspose, MaxPool, AveragePool
 * @kernel: kernel_shape (or the weight's spatial dims); 0 until known
 * @strides: strides (1)
 * @dilations: dilations (1)
 * @pads: top, left, bottom, right, as given or computed from @auto_pad
 * @group: groups (conv)
 * @auto_pad: enum npu_g_autopad
 * @output_padding: ConvTranspose output_padding
 * @output_shape: ConvTranspose output_shape (when @has_output_shape)
 * @has_output_shape: output_shape given
 * @ceil_mode: pools: ceil_mode
 * @count_include_pad: AveragePool: count_include_pad
 */
struct npu_gconv {
	int64_t kernel[2];
	int64_t strides[2];
	int64_t dilations[2];
	int64_t pads[4];
	int64_t group;
	int auto_pad;
	int64_t output_padding[2];
	int64_t output_shape[2];
	bool has_output_shape;
	bool ceil_mode;
	bool count_include_pad;
};

/**
 * struct npu_gresize - Resize
 * @mode: enum npu_resize_mode
 * @coord: enum npu_resize_coord
 * @nearest: enum npu_resize_nearest
 * @scale_h: vertical scale, or 0 when the output size was given
 * @scale_w: horizontal scale, or 0 when the output size was given
 */
struct npu_gresize {
	uint32_t mode;
	uint32_t coord;
	uint32_t nearest;
	float scale_h;
	float scale_w;
};

/**
 * struct npu_gact - an activation fused into a node (enum npu_activation)
 * @act: NPU_ACT_*
 * @min: NPU_ACT_CLIP lower bound
 * @max: NPU_ACT_CLIP upper bound
 * @alpha: NPU_ACT_HARD_SIGMOID alpha
 * @beta: NPU_ACT_HARD_SIGMOID beta
 */
struct npu_gact {
	uint32_t act;
	float min;
	float max;
	float alpha;
	float beta;
};

/**
 * struct npu_gquant - how an integer operand of a node maps to real values
 * (the fields of struct npu_cmd_tensor)
 * @type: enum npu_quant_type
 * @axis: NPU_QUANT_PER_CHANNEL: the channel axis
 * @scale: NPU_QUANT_PER_TENSOR: the scale (finite, > 0)
 * @zp: NPU_QUANT_PER_TENSOR: the zero point
 * @scale_val: NPU_QUANT_PER_CHANNEL: the F32 [channels] constant of the
 *	scales (a value index); unused otherwise
 */
struct npu_gquant {
	uint32_t type;
	uint32_t axis;
	float scale;
	int32_t zp;
	int scale_val;
};

/* operands of struct npu_gnode.q */
enum npu_gq_slot {
	NPU_GQ_X = 0,	/* DequantizeLinear x, QLinearConv x, QLinearMatMul a */
	NPU_GQ_W = 1,	/* QLinearConv w, QLinearMatMul b */
	NPU_GQ_Y = 2,	/* QuantizeLinear, QLinearConv, QLinearMatMul y */
	NPU_GQ_SLOTS,
};

/**
 * union npu_gparams - canonical parameters of a node, by operator
 */
union npu_gparams {
	struct npu_gconv conv;		/* CONV, CONV_T, MAXPOOL, AVGPOOL */
	struct {
		float epsilon;
	} bn;
	struct {
		float alpha, beta;
		bool trans_a, trans_b;
	} gemm;
	struct {
		float min, max;		/* CLIP (from attributes or inputs) */
	} clip;
	struct {
		float alpha, beta;	/* HARD_SIGMOID */
	} hsig;
	struct {
		int64_t axis;		/* SOFTMAX, CONCAT, FLATTEN, GATHER */
		bool legacy;		/* SOFTMAX before opset 13 */
	} axis;
	struct npu_gresize resize;
	struct {
		int64_t perm[NPU_G_MAX_RANK];
		int nperm;		/* 0: reverse (the default) */
	} transpose;
	struct {
		int64_t axes[NPU_G_MAX_RANK];
		int naxes;
		bool has_axes;		/* from an attribute (before opset 13) */
	} squeeze;			/* SQUEEZE, UNSQUEEZE */
	struct {
		int64_t starts[NPU_G_MAX_RANK], ends[NPU_G_MAX_RANK];
		int64_t axes[NPU_G_MAX_RANK];
		int n;
		bool has_attrs;		/* before opset 10 */
		bool has_axes;
	} slice;
	struct {
		int64_t start, end;
		bool has_end;
	} shape;
	struct {
		int32_t to;
	} cast;
	struct {
		bool allowzero;
		int64_t shape[NPU_G_MAX_RANK];	/* before opset 5 */
		int nshape;			/* -1: from the input */
	} reshape;
	struct {
		int32_t dtype;		/* ConstantOfShape value */
		unsigned char bytes[8];
	} cos;
	struct {
		int64_t axis;		/* QUANTIZE, DEQUANTIZE: 'axis' */
		int32_t out_dtype;	/* QUANTIZE: 'output_dtype' (0: none) */
	} quant;
};

/**
 * struct npu_gval - a value (tensor) of the graph
 * @name: ONNX name (unique in the graph)
 * @dtype: enum npu_g_dtype (ONNX data type); NPU_G_UNDEF while unknown
 * @rank: number of dimensions; -1 while unknown
 * @dims: dimensions; -1 for a symbolic input dimension before binding
 * @data: constant contents, dense row-major in @dtype (owned), or NULL
 * @is_const: a constant (initializer, Constant node, folded)
 * @producer: index of the node computing it, or -1
 * @is_input: a graph input (fed by the caller)
 * @is_output: a graph output
 * @uses: number of live node inputs reading it (npu_g_count_uses())
 * @view_of: lowering: the value whose bytes this value is, or -1
 * @store: lowering: enum npu_plan_store of the root value
 * @offset: lowering: byte offset of the root value in its store
 * @first: lowering: first plan op writing it (root values)
 * @last: lowering: last plan op reading it or any of its views
 * @cidx: lowering: constant's index in the weight blob, or -1
 * @pack: lowering: bit 0 set when an op reads it as packed weights
 *	(NPU_TENSOR_PACKED_V1), bit 1 when any op reads or writes it densely;
 *	stored packed only when exactly bit 0 is set
 */
struct npu_gval {
	char *name;
	int32_t dtype;
	int rank;
	int64_t dims[NPU_G_MAX_RANK];
	void *data;
	bool is_const;
	int producer;
	bool is_input;
	bool is_output;
	uint32_t uses;
	int view_of;
	int store;
	uint64_t offset;
	int first;
	int last;
	uint8_t pack;
};

/**
 * struct npu_gnode - a node
 * @name: ONNX node name ("" when the model gives none)
 * @op_type: ONNX op type, e.g. "Conv"; for fused nodes the types it
 *	implements joined with '+', e.g. "Conv+BatchNormalization+Relu"
 * @op: enum npu_gop
 * @nin: number of input slots
 * @in: value index of each input, -1 for an omitted optional input
 * @nout: number of output slots
 * @out: value index of each output, -1 for an omitted output
 * @dead: removed (folded, fused or unused)
 * @p: canonical parameters (QLinearConv: @p.conv)
 * @act: activation fused into the node
 * @q: quantization of its integer operands (enum npu_gq_slot), set by
 *	npu_g_infer() for QuantizeLinear, DequantizeLinear, QLinearConv and
 *	QLinearMatMul; zero (NPU_QUANT_NONE) elsewhere
 */
struct npu_gnode {
	char *name;
	char *op_type;
	int op;
	int nin;
	int *in;
	int nout;
	int *out;
	bool dead;
	union npu_gparams p;
	struct npu_gact act;
	struct npu_gquant q[NPU_GQ_SLOTS];
};

/**
 * struct npu_graph - a model's graph
 * @vals: values; @nvals used, @vals_cap allocated
 * @nodes: nodes; @nnodes used, @nodes_cap allocated
 * @inputs: value indices of the graph inputs (initializers excluded)
 * @ninputs: entries at @inputs
 * @outputs: value indices of the graph outputs
 * @noutputs: entries at @outputs
 * @order: node indices in topological order (npu_g_infer())
 * @opset: the ai.onnx opset version of the model
 * @hash: name -> value index + 1 (open addressing), @hash_cap slots
 * @err: the first error, "" when none
 */
struct npu_graph {
	struct npu_gval *vals;
	uint32_t nvals, vals_cap;
	struct npu_gnode *nodes;
	uint32_t nnodes, nodes_cap;
	int *inputs;
	uint32_t ninputs;
	int *outputs;
	uint32_t noutputs;
	int *order;
	int64_t opset;
	uint32_t *hash;
	uint32_t hash_cap;
	char err[NPU_G_ERR_LEN];
};

/**
 * struct npu_g_input_shape - a caller's shape for a graph input
 * @name: the input's name
 * @ndim: rank
 * @shape: dimensions
 */
struct npu_g_input_shape {
	const char *name;
	uint32_t ndim;
	uint32_t shape[NPU_CMD_MAX_DIMS];
};

/** enum npu_plan_store - the BOs of a lowered model */
enum npu_plan_store {
	NPU_PLAN_WEIGHTS = 0,	/* constants, uploaded once */
	NPU_PLAN_ARENA = 1,	/* intermediate activations, reused by liveness */
	NPU_PLAN_IO = 2,	/* graph inputs and outputs */
	NPU_PLAN_STORES,
	NPU_PLAN_CONST_OUT = 3,	/* a graph output that is a constant */
};

/**
 * struct npu_plan_tensor - a tensor descriptor of the plan
 * @store: enum npu_plan_store
 * @offset: byte offset in the store
 * @dtype: enum npu_dtype
 * @ndim: rank, 1 .. 4
 * @shape: dimensions
 * @flags: NPU_TENSOR_* (packed weights)
 * @quant_type: enum npu_quant_type
 * @quant_axis: NPU_QUANT_PER_CHANNEL: the channel axis
 * @scale: NPU_QUANT_PER_TENSOR: the scale, binary32 bits
 * @zero_point: NPU_QUANT_PER_TENSOR: the zero point
 * @scale_tensor: NPU_QUANT_PER_CHANNEL: the plan tensor of the scales, else
 *	NPU_CMD_NO_TENSOR
 *
 * Two descriptors of the same bytes with different quantization are two
 * plan tensors.
 */
struct npu_plan_tensor {
	uint32_t store;
	uint64_t offset;
	uint32_t dtype;
	uint32_t ndim;
	uint32_t shape[NPU_CMD_MAX_DIMS];
	uint32_t flags;
	uint32_t quant_type;
	uint32_t quant_axis;
	uint32_t scale;
	int32_t zero_point;
	uint32_t scale_tensor;
};

/**
 * struct npu_plan_op - one op of the plan
 * @op: the op; its tensor ids index npu_plan.tensors
 * @job: index of the job (command stream) it is in
 * @node: name of the ONNX node it implements (owned)
 * @onnx_ops: ONNX op types it implements, '+'-joined (owned)
 */
struct npu_plan_op {
	struct npu_cmd_op op;
	uint32_t job;
	char *node;
	char *onnx_ops;
};

/**
 * struct npu_plan_io - a graph input or output
 * @name: ONNX name (owned)
 * @dtype: enum npu_dtype
 * @ndim: rank (0 for a scalar)
 * @shape: dimensions
 * @bytes: size in bytes
 * @store: NPU_PLAN_IO, or NPU_PLAN_CONST_OUT for a constant output
 * @offset: byte offset in the io store
 * @data: NPU_PLAN_CONST_OUT: the value (owned)
 */
struct npu_plan_io {
	char *name;
	uint32_t dtype;
	uint32_t ndim;
	uint32_t shape[NPU_CMD_MAX_DIMS];
	uint64_t bytes;
	uint32_t store;
	uint64_t offset;
	void *data;
};

/**
 * struct npu_plan_job - a range of ops that forms one command stream
 * @first: index of its first op
 * @count: number of ops
 * @ntensors: distinct tensors its ops reference (with the scale tensors of
 *	per-channel ones)
 */
struct npu_plan_job {
	uint32_t first;
	uint32_t count;
	uint32_t ntensors;
};

/**
 * struct npu_plan_limits - what the lowering must respect
 * @max_tensors: tensors per stream
 * @max_ops: ops per stream
 * @max_cmd_size: bytes per stream
 * @max_tensor_elems: elements per tensor
 * @max_bo_size: bytes per BO
 */
struct npu_plan_limits {
	uint32_t max_tensors;
	uint32_t max_ops;
	uint32_t max_cmd_size;
	uint32_t max_tensor_elems;
	uint64_t max_bo_size;
};

/**
 * struct npu_plan - a lowered model
 * @tensors: tensor descriptors, @ntensors of them
 * @ops: ops in execution order, @nops of them
 * @jobs: jobs in submission order, @njobs of them
 * @inputs: graph inputs, @ninputs of them
 * @outputs: graph outputs, @noutputs of them
 * @weights: the weight blob (owned), @size[NPU_PLAN_WEIGHTS] bytes
 * @size: bytes of each store (0 when unused)
 * @nconsts: constants packed into @weights
 */
struct npu_plan {
	struct npu_plan_tensor *tensors;
	uint32_t ntensors, tensors_cap;
	struct npu_plan_op *ops;
	uint32_t nops, ops_cap;
	struct npu_plan_job *jobs;
	uint32_t njobs, jobs_cap;
	struct npu_plan_io *inputs;
	uint32_t ninputs;
	struct npu_plan_io *outputs;
	uint32_t noutputs;
	void *weights;
	uint64_t size[NPU_PLAN_STORES];
	uint32_t nconsts;
};

/* graph.c */
void npu_g_init(struct npu_graph *g);
void npu_g_free(struct npu_graph *g);
int npu_g_fail(struct npu_graph *g, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int npu_g_node_fail(struct npu_graph *g, const struct npu_gnode *n, int err,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int npu_g_find(const struct npu_graph *g, const char *name);
int npu_g_add_value(struct npu_graph *g, const char *name);
int npu_g_new_value(struct npu_graph *g, const char *base, int32_t dtype,
		    int rank, const int64_t *dims);
int npu_g_new_const(struct npu_graph *g, const char *base, int32_t dtype,
		    int rank, const int64_t *dims, const void *data);
int npu_g_add_node(struct npu_graph *g, const char *name, const char *op_type,
		   int op, int nin, int nout);
size_t npu_g_dtype_size(int32_t dtype);
const char *npu_g_dtype_name(int32_t dtype);
int64_t npu_g_elems(const struct npu_gval *v);
int npu_g_shape_str(const struct npu_gval *v, char *buf, size_t len);
void npu_g_count_uses(struct npu_graph *g);
int npu_g_node_of(const struct npu_graph *g, const struct npu_gnode *n);
double npu_g_get_f(const struct npu_gval *v, int64_t i);
int64_t npu_g_f2i(double x);
int64_t npu_g_get_i(const struct npu_gval *v, int64_t i);

/* onnx.c */
int npu_onnx_import(struct npu_graph *g, const void *buf, size_t len);

/* infer.c */
int npu_g_bind_inputs(struct npu_graph *g, const struct npu_g_input_shape *s,
		      uint32_t n);
int npu_g_infer(struct npu_graph *g);
int npu_g_topo(struct npu_graph *g);

/* opt.c */
int npu_g_optimize(struct npu_graph *g);

/* lower.c */
int npu_g_lower(struct npu_graph *g, const struct npu_plan_limits *lim,
		uint32_t max_ops_per_job, struct npu_plan *plan);
void npu_plan_free(struct npu_plan *plan);
int npu_plan_encode_job(const struct npu_plan *plan, uint32_t job,
			const uint32_t *bo_index, void **cmd, uint32_t *size);

#endif /* NPU_GRAPH_H */

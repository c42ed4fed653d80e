// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: ONNX model files to the graph IR.
 *
 * The model is decoded with protobuf-c (code generated at build time from
 * the system's onnx.proto). Everything in it is untrusted: counts, shapes
 * and data sizes are checked before use, and anything this loader does not
 * implement - an operator, an operator domain, an attribute, an attribute
 * value, a data type, external data - fails with -EOPNOTSUPP and a message
 * that names the node, the operator and the attribute, rather than being
 * ignored. Attributes are parsed here, once, into the canonical parameters
 * of the node (struct npu_gnode.p), following the opset version of the
 * model; parameters that ONNX passes as inputs from some opset on (Clip
 * bounds, Resize scales, Slice starts, Squeeze axes ...) are resolved by
 * npu_g_infer() once the constants are known.
 */
#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npu_priv.h"
#include "npu_graph.h"
#include "onnx.pb-c.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ONNX raw_data is little-endian; the loader copies it in host order"
#endif

/**
 * struct npu_onnx_op - an operator the loader knows
 * @type: ONNX op_type
 * @op: enum npu_gop
 * @min_in: fewest inputs
 * @max_in: most inputs (-1: any number)
 * @max_out: most outputs (extra outputs of BN, Dropout, MaxPool must be
 *	unused; checked by npu_g_optimize())
 * @attrs: the attributes it accepts, NULL-terminated
 */
struct npu_onnx_op {
	const char *type;
	int op;
	int min_in;
	int max_in;
	int max_out;
	const char *const *attrs;
};

#define NPU_ATTRS(...)	((const char *const[]){ __VA_ARGS__, NULL })
#define NPU_NO_ATTRS	((const char *const[]){ NULL })

static const struct npu_onnx_op npu_onnx_ops[] = {
	{ "Constant", NPU_GOP_CONSTANT, 0, 0, 1,
	  NPU_ATTRS("value", "value_float", "value_floats", "value_int",
		    "value_ints") },
	{ "Identity", NPU_GOP_IDENTITY, 1, 1, 1, NPU_NO_ATTRS },
	{ "Dropout", NPU_GOP_IDENTITY, 1, 3, 2,
	  NPU_ATTRS("ratio", "seed", "is_test") },
	{ "Conv", NPU_GOP_CONV, 2, 3, 1,
	  NPU_ATTRS("auto_pad", "dilations", "group", "kernel_shape", "pads",
		    "strides") },
	{ "ConvTranspose", NPU_GOP_CONV_T, 2, 3, 1,
	  NPU_ATTRS("auto_pad", "dilations", "group", "kernel_shape", "pads",
		    "strides", "output_padding", "output_shape") },
	{ "BatchNormalization", NPU_GOP_BN, 5, 5, 5,
	  NPU_ATTRS("epsilon", "momentum", "spatial", "is_test",
		    "training_mode", "consumed_inputs") },
	{ "Gemm", NPU_GOP_GEMM, 2, 3, 1,
	  NPU_ATTRS("alpha", "beta", "transA", "transB", "broadcast") },
	{ "MatMul", NPU_GOP_MATMUL, 2, 2, 1, NPU_NO_ATTRS },
	{ "Add", NPU_GOP_ADD, 2, 2, 1,
	  NPU_ATTRS("broadcast", "axis", "consumed_inputs") },
	{ "Sub", NPU_GOP_SUB, 2, 2, 1,
	  NPU_ATTRS("broadcast", "axis", "consumed_inputs") },
	{ "Mul", NPU_GOP_MUL, 2, 2, 1,
	  NPU_ATTRS("broadcast", "axis", "consumed_inputs") },
	{ "Div", NPU_GOP_DIV, 2, 2, 1,
	  NPU_ATTRS("broadcast", "axis", "consumed_inputs") },
	{ "Relu", NPU_GOP_RELU, 1, 1, 1, NPU_ATTRS("consumed_inputs") },
	{ "Clip", NPU_GOP_CLIP, 1, 3, 1,
	  NPU_ATTRS("min", "max", "consumed_inputs") },
	{ "Sigmoid", NPU_GOP_SIGMOID, 1, 1, 1, NPU_ATTRS("consumed_inputs") },
	{ "HardSigmoid", NPU_GOP_HARD_SIGMOID, 1, 1, 1,
	  NPU_ATTRS("alpha", "beta", "consumed_inputs") },
	{ "HardSwish", NPU_GOP_HARD_SWISH, 1, 1, 1, NPU_NO_ATTRS },
	{ "Tanh", NPU_GOP_TANH, 1, 1, 1, NPU_ATTRS("consumed_inputs") },
	{ "MaxPool", NPU_GOP_MAXPOOL, 1, 1, 2,
	  NPU_ATTRS("auto_pad", "ceil_mode", "dilations", "kernel_shape",
		    "pads", "storage_order", "strides") },
	{ "AveragePool", NPU_GOP_AVGPOOL, 1, 1, 1,
	  NPU_ATTRS("auto_pad", "ceil_mode", "count_include_pad", "dilations",
		    "kernel_shape", "pads", "strides") },
	{ "GlobalAveragePool", NPU_GOP_GAP, 1, 1, 1, NPU_NO_ATTRS },
	{ "Softmax", NPU_GOP_SOFTMAX, 1, 1, 1, NPU_ATTRS("axis") },
	{ "Concat", NPU_GOP_CONCAT, 1, -1, 1, NPU_ATTRS("axis") },
	{ "Resize", NPU_GOP_RESIZE, 1, 4, 1,
	  NPU_ATTRS("mode", "coordinate_transformation_mode", "nearest_mode",
		    "cubic_coeff_a", "exclude_outside", "extrapolation_value",
		    "antialias", "axes", "keep_aspect_ratio_policy") },
	{ "Transpose", NPU_GOP_TRANSPOSE, 1, 1, 1, NPU_ATTRS("perm") },
	{ "Reshape", NPU_GOP_RESHAPE, 1, 2, 1,
	  NPU_ATTRS("allowzero", "shape", "consumed_inputs") },
	{ "Flatten", NPU_GOP_FLATTEN, 1, 1, 1, NPU_ATTRS("axis") },
	{ "Squeeze", NPU_GOP_SQUEEZE, 1, 2, 1, NPU_ATTRS("axes") },
	{ "Unsqueeze", NPU_GOP_UNSQUEEZE, 1, 2, 1, NPU_ATTRS("axes") },
	{ "Shape", NPU_GOP_SHAPE, 1, 1, 1, NPU_ATTRS("start", "end") },
	{ "Cast", NPU_GOP_CAST, 1, 1, 1, NPU_ATTRS("to", "saturate") },
	{ "Slice", NPU_GOP_SLICE, 1, 5, 1, NPU_ATTRS("starts", "ends", "axes") },
	{ "Gather", NPU_GOP_GATHER, 2, 2, 1, NPU_ATTRS("axis") },
	{ "ConstantOfShape", NPU_GOP_CONSTANT_OF_SHAPE, 1, 1, 1,
	  NPU_ATTRS("value") },
	{ "QuantizeLinear", NPU_GOP_QUANTIZE, 2, 3, 1,
	  NPU_ATTRS("axis", "saturate", "block_size", "output_dtype") },
	{ "DequantizeLinear", NPU_GOP_DEQUANTIZE, 2, 3, 1,
	  NPU_ATTRS("axis", "block_size") },
	{ "QLinearConv", NPU_GOP_QCONV, 8, 9, 1,
	  NPU_ATTRS("auto_pad", "dilations", "group", "kernel_shape", "pads",
		    "strides") },
	{ "QLinearMatMul", NPU_GOP_QMATMUL, 8, 8, 1, NPU_NO_ATTRS },
};

static const struct npu_onnx_op *npu_onnx_find_op(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(npu_onnx_ops) / sizeof(npu_onnx_ops[0]); i++)
		if (!strcmp(npu_onnx_ops[i].type, type))
			return &npu_onnx_ops[i];
	return NULL;
}

/* the ai.onnx domain: empty or "ai.onnx" */
static bool npu_onnx_default_domain(const char *d)
{
	return !d || !d[0] || !strcmp(d, "ai.onnx");
}

/* ------------------------------------------------------------------ */
/* Tensors                                                             */

/*
 * Load a TensorProto into a constant value @vi: dtype, shape and data,
 * every size checked against the others. @what names it in messages.
 */
static int npu_onnx_load_tensor(struct npu_graph *g, const Onnx__TensorProto *t,
				const char *what, int vi)
{
	struct npu_gval *v = &g->vals[vi];
	int64_t elems = 1;
	size_t esize, bytes, n = 0;
	const void *src = NULL;
	int32_t dt;
	size_t i;

	if (t->has_data_location &&
	    t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
		return npu_g_fail(g, -EOPNOTSUPP,
				  "%s keeps its data in an external file; only self-contained models are supported",
				  what);
	if (t->segment)
		return npu_g_fail(g, -EOPNOTSUPP, "%s is a segment of a tensor",
				  what);
	dt = t->has_data_type ? t->data_type : 0;
	esize = npu_g_dtype_size(dt);
	if (!esize)
		return npu_g_fail(g, -EOPNOTSUPP,
				  "%s has data type %s (%d); the loader handles float, double, int64, int32, int8, uint8 and bool",
				  what, npu_g_dtype_name(dt), (int)dt);
	if (t->n_dims > NPU_G_MAX_RANK)
		return npu_g_fail(g, -EOPNOTSUPP, "%s has rank %zu (at most %d)",
				  what, t->n_dims, NPU_G_MAX_RANK);
	for (i = 0; i < t->n_dims; i++) {
		if (t->dims[i] < 0)
			return npu_g_fail(g, -EINVAL,
					  "%s has a negative dimension %lld",
					  what, (long long)t->dims[i]);
		if (t->dims[i] && elems > NPU_G_MAX_ELEMS / t->dims[i])
			return npu_g_fail(g, -E2BIG, "%s has more than 2^31 elements",
					  what);
		elems *= t->dims[i];
		v->dims[i] = t->dims[i];
	}
	v->rank = (int)t->n_dims;
	v->dtype = dt;
	bytes = (size_t)elems * esize;

	if (t->has_raw_data) {
		if (t->raw_data.len != bytes)
			return npu_g_fail(g, -EINVAL,
					  "%s has %zu bytes of data; %lld %s elements need %zu",
					  what, t->raw_data.len, (long long)elems,
					  npu_g_dtype_name(dt), bytes);
		src = t->raw_data.data;
	} else {
		switch (dt) {
		case NPU_G_FLOAT:
			n = t->n_float_data;
			src = t->float_data;
			break;
		case NPU_G_INT64:
			n = t->n_int64_data;
			src = t->int64_data;
			break;
		case NPU_G_DOUBLE:
			n = t->n_double_data;
			src = t->double_data;
			break;
		default:	/* int32, int8, uint8, bool: in int32_data */
			n = t->n_int32_data;
			break;
		}
		if (n != (size_t)elems)
			return npu_g_fail(g, -EINVAL,
					  "%s has %zu values; its shape needs %lld",
					  what, n, (long long)elems);
	}
	v->data = malloc(bytes ? bytes : 1);
	if (!v->data)
		return npu_g_fail(g, -ENOMEM, "out of memory loading %s", what);
	if (src) {
		if (bytes)
			memcpy(v->data, src, bytes);
	} else {
		for (i = 0; i < (size_t)elems; i++) {
			int32_t x = t->int32_data[i];

			switch (dt) {
			case NPU_G_INT32:
				((int32_t *)v->data)[i] = x;
				break;
			case NPU_G_INT8:
				((int8_t *)v->data)[i] = (int8_t)x;
				break;
			default:
				((uint8_t *)v->data)[i] = (uint8_t)x;
				break;
			}
		}
	}
	v->is_const = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Attributes                                                          */

/**
 * struct npu_onnx_ctx - state while importing one node
 * @g: the graph
 * @n: index of the node
 * @np: its NodeProto
 */
struct npu_onnx_ctx {
	struct npu_graph *g;
	int n;
	const Onnx__NodeProto *np;
};

static struct npu_gnode *npu_ctx_node(const struct npu_onnx_ctx *c)
{
	return &c->g->nodes[c->n];
}

#define npu_ctx_fail(c, err, ...) \
	npu_g_node_fail((c)->g, npu_ctx_node(c), err, __VA_ARGS__)

static const Onnx__AttributeProto *npu_attr(const struct npu_onnx_ctx *c,
					    const char *name)
{
	size_t i;

	for (i = 0; i < c->np->n_attribute; i++)
		if (c->np->attribute[i]->name &&
		    !strcmp(c->np->attribute[i]->name, name))
			return c->np->attribute[i];
	return NULL;
}

static const char *npu_attr_type_name(int type)
{
	switch (type) {
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: return "FLOAT";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: return "INT";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: return "STRING";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: return "TENSOR";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS: return "FLOATS";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS: return "INTS";
	default: return "another type";
	}
}

/*
 * The attribute @name of type @type, or NULL when absent. Models from
 * before IR version 2 may leave the type out; the field present decides.
 */
static int npu_attr_get(const struct npu_onnx_ctx *c, const char *name,
			int type, const Onnx__AttributeProto **out)
{
	const Onnx__AttributeProto *a = npu_attr(c, name);
	int t;

	*out = NULL;
	if (!a)
		return 0;
	t = a->has_type ? (int)a->type : 0;
	if (!t) {
		if (a->has_f)
			t = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
		else if (a->has_i)
			t = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
		else if (a->has_s)
			t = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
		else if (a->t)
			t = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
		else if (a->n_floats)
			t = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
		else if (a->n_ints)
			t = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
	}
	if (t != type)
		return npu_ctx_fail(c, -EINVAL,
				    "attribute '%s' is %s, expected %s", name,
				    npu_attr_type_name(t), npu_attr_type_name(type));
	*out = a;
	return 0;
}

static int npu_attr_int(const struct npu_onnx_ctx *c, const char *name,
			int64_t def, int64_t *out)
{
	const Onnx__AttributeProto *a;
	int ret;

	ret = npu_attr_get(c, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, &a);
	if (ret)
		return ret;
	*out = a ? a->i : def;
	return 0;
}

static int npu_attr_float(const struct npu_onnx_ctx *c, const char *name,
			  float def, float *out)
{
	const Onnx__AttributeProto *a;
	int ret;

	ret = npu_attr_get(c, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT, &a);
	if (ret)
		return ret;
	*out = a ? a->f : def;
	return 0;
}

/* Up to @max ints into @out; *@count = how many, or -1 when absent. */
static int npu_attr_ints(const struct npu_onnx_ctx *c, const char *name,
			 int64_t *out, int max, int *count)
{
	const Onnx__AttributeProto *a;
	int ret;

	*count = -1;
	ret = npu_attr_get(c, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, &a);
	if (ret || !a)
		return ret;
	if (a->n_ints > (size_t)max)
		return npu_ctx_fail(c, -EOPNOTSUPP,
				    "attribute '%s' has %zu values (at most %d supported)",
				    name, a->n_ints, max);
	if (a->n_ints)
		memcpy(out, a->ints, a->n_ints * sizeof(*out));
	*count = (int)a->n_ints;
	return 0;
}

/* A STRING attribute, NUL-terminated into @buf, or @def when absent. */
static int npu_attr_str(const struct npu_onnx_ctx *c, const char *name,
			const char *def, char *buf, size_t len)
{
	const Onnx__AttributeProto *a;
	int ret;

	ret = npu_attr_get(c, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING, &a);
	if (ret)
		return ret;
	if (!a) {
		snprintf(buf, len, "%s", def);
		return 0;
	}
	if (a->s.len >= len || (a->s.len && memchr(a->s.data, 0, a->s.len)))
		return npu_ctx_fail(c, -EOPNOTSUPP,
				    "attribute '%s' has an unsupported value", name);
	if (a->s.len)
		memcpy(buf, a->s.data, a->s.len);
	buf[a->s.len] = '\0';
	return 0;
}

/* Every attribute of the node must be one the operator's table lists. */
static int npu_attr_check_known(const struct npu_onnx_ctx *c,
				const struct npu_onnx_op *d)
{
	const char *name;
	size_t i, j;

	for (i = 0; i < c->np->n_attribute; i++) {
		name = c->np->attribute[i]->name ? c->np->attribute[i]->name : "";
		if (c->np->attribute[i]->ref_attr_name &&
		    c->np->attribute[i]->ref_attr_name[0])
			return npu_ctx_fail(c, -EOPNOTSUPP,
					    "attribute '%s' refers to a function attribute",
					    name);
		for (j = 0; d->attrs[j]; j++)
			if (!strcmp(d->attrs[j], name))
				break;
		if (!d->attrs[j])
			return npu_ctx_fail(c, -EOPNOTSUPP,
					    "attribute '%s' is not supported", name);
	}
	return 0;
}

/* An attribute that must keep one value (the default) if present. */
static int npu_attr_require_int(const struct npu_onnx_ctx *c, const char *name,
				int64_t want)
{
	int64_t v;
	int ret;

	ret = npu_attr_int(c, name, want, &v);
	if (ret)
		return ret;
	if (v != want)
		return npu_ctx_fail(c, -EOPNOTSUPP,
				    "attribute '%s' = %lld is not supported (only %lld)",
				    name, (long long)v, (long long)want);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Per-operator attribute parsing                                      */

static int npu_parse_pair(const struct npu_onnx_ctx *c, const char *name,
			  int64_t *out, int64_t def, int64_t min)
{
	int64_t v[NPU_G_MAX_RANK];
	int n, ret, i;

	ret = npu_attr_ints(c, name, v, NPU_G_MAX_RANK, &n);
	if (ret)
		return ret;
	if (n < 0) {
		out[0] = out[1] = def;
		return 0;
	}
	if (n != 2)
		return npu_ctx_fail(c, -EOPNOTSUPP,
				    "attribute '%s' has %d values: only 2-D (NCHW) is supported",
				    name, n);
	for (i = 0; i < 2; i++) {
		if (v[i] < min || v[i] > 65536)
			return npu_ctx_fail(c, -EINVAL,
					    "attribute '%s' value %lld is out of range",
					    name, (long long)v[i]);
		out[i] = v[i];
	}
	return 0;
}

/* Conv, ConvTranspose, MaxPool, AveragePool */
static int npu_parse_window(const struct npu_onnx_ctx *c, bool pool)
{
	struct npu_gnode *n = npu_ctx_node(c);
	struct npu_gconv *p = &n->p.conv;
	int64_t pads[2 * NPU_G_MAX_RANK];
	char ap[32];
	int ret, np, i;

	memset(p, 0, sizeof(*p));
	ret = npu_parse_pair(c, "kernel_shape", p->kernel, 0, 1);
	if (!ret)
		ret = npu_parse_pair(c, "strides", p->strides, 1, 1);
	if (!ret)
		ret = npu_parse_pair(c, "dilations", p->dilations, 1, 1);
	if (!ret)
		ret = npu_attr_str(c, "auto_pad", "NOTSET", ap, sizeof(ap));
	if (ret)
		return ret;
	if (pool && !p->kernel[0])
		return npu_ctx_fail(c, -EINVAL, "attribute 'kernel_shape' is missing");
	if (!strcmp(ap, "NOTSET"))
		p->auto_pad = NPU_G_PAD_NOTSET;
	else if (!strcmp(ap, "VALID"))
		p->auto_pad = NPU_G_PAD_VALID;
	else if (!strcmp(ap, "SAME_UPPER"))
		p->auto_pad = NPU_G_PAD_SAME_UPPER;
	else if (!strcmp(ap, "SAME_LOWER"))
		p->auto_pad = NPU_G_PAD_SAME_LOWER;
	else
		return npu_ctx_fail(c, -EOPNOTSUPP,
				    "attribute 'auto_pad' value '%s' is not supported",
				    ap);
	ret = npu_attr_ints(c, "pads", pads, 2 * NPU_G_MAX_RANK, &np);
	if (ret)
		return ret;
	if (np >= 0) {
		if (np != 4)
			return npu_ctx_fail(c, -EOPNOTSUPP,
					    "attribute 'pads' has %d values: only 2-D (NCHW) is supported",
					    np);
		if (p->auto_pad != NPU_G_PAD_NOTSET)
			return npu_ctx_fail(c, -EINVAL,
					    "attributes 'pads' and 'auto_pad' are both set");
		/* ONNX order: h_begin, w_begin, h_end, w_end */
		for (i = 0; i < 4; i++) {
			if (pads[i] < 0 || pads[i] > 65536)
				return npu_ctx_fail(c, -EOPNOTSUPP,
						    "attribute 'pads' value %lld is not supported",
						    (long long)pads[i]);
			p->pads[i] = pads[i];
		}
	}
	if (n->op == NPU_GOP_CONV || n->op == NPU_GOP_CONV_T || n->op == NPU_GOP_QCONV) {
		ret = npu_attr_int(c, "group", 1, &p->group);
		if (ret)
			return ret;
		if (p->group < 1 || p->group > 65536)
			return npu_ctx_fail(c, -EINVAL, "attribute 'group' = %lld is invalid",
					    (long long)p->group);
	}
	if (n->op == NPU_GOP_CONV_T) {
		int64_t os[NPU_G_MAX_RANK];
		int nos;

		ret = npu_parse_pair(c, "output_padding", p->output_padding, 0, 0);
		if (!ret)
			ret = npu_attr_ints(c, "output_shape", os, NPU_G_MAX_RANK, &nos);
		if (ret)
			return ret;
		if (nos >= 0) {
			/* either [OH, OW] or the full [N, C, OH, OW] */
			if (nos != 2 && nos != 4)
				return npu_ctx_fail(c, -EOPNOTSUPP,
						    "attribute 'output_shape' has %d values: only 2-D is supported",
						    nos);
			p->output_shape[0] = os[nos - 2];
			p->output_shape[1] = os[nos - 1];
			p->has_output_shape = true;
		}
	}
	if (pool) {
		int64_t v;

		ret = npu_attr_int(c, "ceil_mode", 0, &v);
		if (ret)
			return ret;
		p->ceil_mode = v != 0;
		if (n->op == NPU_GOP_MAXPOOL) {
			ret = npu_attr_require_int(c, "storage_order", 0);
			if (ret)
				return ret;
		} else {
			ret = npu_attr_int(c, "count_include_pad", 0, &v);
			if (ret)
				return ret;
			p->count_include_pad = v != 0;
			if (p->dilations[0] != 1 || p->dilations[1] != 1)
				return npu_ctx_fail(c, -EOPNOTSUPP,
						    "attribute 'dilations' other than 1 is not supported");
		}
	}
	return 0;
}

static int npu_parse_resize(const struct npu_onnx_ctx *c)
{
	struct npu_gresize *r = &npu_ctx_node(c)->p.resize;
	const Onnx__AttributeProto *a;
	char s[64];
	int ret;

	if (c->g->opset < 11)
		return npu_ctx_fail(c, -EOPNOTSUPP,
				    "Resize of opset %lld (before 11) is not supported",
				    (long long)c->g->opset);
	memset(r, 0, sizeof(*r));
	ret = npu_attr_str(c, "mode", "nearest", s, sizeof(s));
	if (ret)
		return ret;
	if (!strcmp(s, "nearest"))
		r->mode = NPU_RESIZE_NEAREST;
	else if (!strcmp(s, "linear"))
		r->mode = NPU_RESIZE_LINEAR;
	else
		return npu_ctx_fail(c, -EOPNOTSUPP,
				    "attribute 'mode' value '%s' is not supported (nearest, linear)",
				    s);
	ret = npu_attr_str(c, "coordinate_transformation_mode", "half_pixel",
			   s, sizeof(s));
	if (ret)
		return ret;
	if (!strcmp(s, "half_pixel"))
		r->coord = NPU_RESIZE_HALF_PIXEL;
	else if (!strcmp(s, "asymmetric"))
		r->coord = NPU_RESIZE_ASYMMETRIC;
	else if (!strcmp(s, "align_corners"))
		r->coord = NPU_RESIZE_ALIGN_CORNERS;
	else if (!strcmp(s, "pytorch_half_pixel"))
		r->coord = NPU_RESIZE_PYTORCH_HALF_PIXEL;
	else
		return npu_ctx_fail(c, -EOPNOTSUPP,
				    "attribute 'coordinate_transformation_mode' value '%s' is not supported",
				    s);
	ret = npu_attr_str(c, "nearest_mode", "round_prefer_floor", s, sizeof(s));
	if (ret)
		return ret;
	if (r->mode == NPU_RESIZE_NEAREST) {
		if (!strcmp(s, "round_prefer_floor"))
			r->nearest = NPU_RESIZE_ROUND_PREFER_FLOOR;
		else if (!strcmp(s, "round_prefer_ceil"))
			r->nearest = NPU_RESIZE_ROUND_PREFER_CEIL;
		else if (!strcmp(s, "floor"))
			r->nearest = NPU_RESIZE_FLOOR;
		else if (!strcmp(s, "ceil"))
			r->nearest = NPU_RESIZE_CEIL;
		else
			return npu_ctx_fail(c, -EOPNOTSUPP,
					    "attribute 'nearest_mode' value '%s' is not supported",
					    s);
	}
	ret = npu_attr_require_int(c, "exclude_outside", 0);
	if (!ret)
		ret = npu_attr_require_int(c, "antialias", 0);
	if (!ret)
		ret = npu_attr_str(c, "keep_aspect_ratio_policy", "stretch", s,
				   sizeof(s));
	if (ret)
		return ret;
	if (strcmp(s, "stretch"))
		return npu_ctx_fail(c, -EOPNOTSUPP,
				    "attribute 'keep_aspect_ratio_policy' value '%s' is not supported",
				    s);
	ret = npu_attr_get(c, "axes", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, &a);
	if (ret)
		return ret;
	if (a)
		return npu_ctx_fail(c, -EOPNOTSUPP, "attribute 'axes' is not supported");
	/* cubic_coeff_a and extrapolation_value only matter for modes refused above */
	return 0;
}

/* Constant: the node's single output becomes a constant value */
static int npu_parse_constant(const struct npu_onnx_ctx *c)
{
	struct npu_graph *g = c->g;
	struct npu_gnode *n = npu_ctx_node(c);
	const Onnx__AttributeProto *a;
	int vi = n->out[0];
	struct npu_gval *v;
	char what[300];
	size_t i;
	int ret;

	if (vi < 0)
		return npu_ctx_fail(c, -EINVAL, "no output");
	if (c->np->n_attribute != 1)
		return npu_ctx_fail(c, -EINVAL, "needs exactly one attribute, has %zu",
				    c->np->n_attribute);
	a = c->np->attribute[0];
	v = &g->vals[vi];
	snprintf(what, sizeof(what), "constant '%.200s'", v->name);
	if (!strcmp(a->name, "value")) {
		ret = npu_attr_get(c, "value", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR, &a);
		if (ret)
			return ret;
		if (!a || !a->t)
			return npu_ctx_fail(c, -EINVAL, "attribute 'value' has no tensor");
		ret = npu_onnx_load_tensor(g, a->t, what, vi);
	} else if (!strcmp(a->name, "value_float") || !strcmp(a->name, "value_int")) {
		bool f = a->name[6] == 'f';
		float fv;
		int64_t iv;

		ret = f ? npu_attr_float(c, a->name, 0, &fv) :
			  npu_attr_int(c, a->name, 0, &iv);
		if (ret)
			return ret;
		v->data = malloc(8);
		if (!v->data)
			return npu_ctx_fail(c, -ENOMEM, "out of memory");
		v->dtype = f ? NPU_G_FLOAT : NPU_G_INT64;
		v->rank = 0;
		if (f)
			memcpy(v->data, &fv, sizeof(fv));
		else
			memcpy(v->data, &iv, sizeof(iv));
	} else {
		bool f = !strcmp(a->name, "value_floats");
		size_t cnt;

		ret = npu_attr_get(c, a->name, f ? ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS :
				   ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, &a);
		if (ret)
			return ret;
		cnt = f ? a->n_floats : a->n_ints;
		v->data = malloc(cnt ? cnt * (f ? 4 : 8) : 1);
		if (!v->data)
			return npu_ctx_fail(c, -ENOMEM, "out of memory");
		v->dtype = f ? NPU_G_FLOAT : NPU_G_INT64;
		v->rank = 1;
		v->dims[0] = (int64_t)cnt;
		for (i = 0; i < cnt; i++) {
			if (f)
				((float *)v->data)[i] = a->floats[i];
			else
				((int64_t *)v->data)[i] = a->ints[i];
		}
	}
	if (ret)
		return ret;
	g->vals[vi].is_const = true;
	npu_ctx_node(c)->dead = true;
	return 0;
}

/* the int8 operators came with opset 10 */
static int npu_parse_opset10(const struct npu_onnx_ctx *c)
{
	if (c->g->opset < 10)
		return npu_ctx_fail(c, -EINVAL,
				    "the operator needs opset 10 or later; the model imports opset %lld",
				    (long long)c->g->opset);
	return 0;
}

/*
 * QuantizeLinear, DequantizeLinear: 'axis' (opset 13; per-axis scales),
 * 'saturate' (opset 19; float 8 only, must stay 1), 'block_size' (opset
 * 21; blocked quantization is not supported), 'output_dtype' (opset 21;
 * QuantizeLinear's output type when y_zero_point is absent).
 */
static int npu_parse_quant(const struct npu_onnx_ctx *c)
{
	struct npu_gnode *n = npu_ctx_node(c);
	int64_t v;
	int ret;

	ret = npu_parse_opset10(c);
	if (!ret)
		ret = npu_attr_int(c, "axis", 1, &n->p.quant.axis);
	if (!ret)
		ret = npu_attr_require_int(c, "block_size", 0);
	if (ret || n->op != NPU_GOP_QUANTIZE)
		return ret;
	ret = npu_attr_require_int(c, "saturate", 1);
	if (!ret)
		ret = npu_attr_int(c, "output_dtype", 0, &v);
	if (ret)
		return ret;
	if (v && v != NPU_G_UINT8 && v != NPU_G_INT8)
		return npu_ctx_fail(c, -EOPNOTSUPP,
				    "attribute 'output_dtype' = %s is not supported (uint8, int8)",
				    npu_g_dtype_name((int32_t)v));
	n->p.quant.out_dtype = (int32_t)v;
	return 0;
}

static int npu_parse_attrs(const struct npu_onnx_ctx *c)
{
	struct npu_graph *g = c->g;
	struct npu_gnode *n = npu_ctx_node(c);
	union npu_gparams *p = &n->p;
	int64_t v;
	int ret = 0, cnt;

	switch (n->op) {
	case NPU_GOP_CONSTANT:
		return npu_parse_constant(c);
	case NPU_GOP_CONV:
	case NPU_GOP_CONV_T:
		return npu_parse_window(c, false);
	case NPU_GOP_QCONV:
	case NPU_GOP_QMATMUL:
		ret = npu_parse_opset10(c);
		if (!ret && n->op == NPU_GOP_QCONV)
			ret = npu_parse_window(c, false);
		return ret;
	case NPU_GOP_QUANTIZE:
	case NPU_GOP_DEQUANTIZE:
		return npu_parse_quant(c);
	case NPU_GOP_MAXPOOL:
	case NPU_GOP_AVGPOOL:
		return npu_parse_window(c, true);
	case NPU_GOP_BN:
		ret = npu_attr_float(c, "epsilon", 1e-5f, &p->bn.epsilon);
		if (!ret)
			ret = npu_attr_require_int(c, "spatial", 1);
		if (!ret)
			ret = npu_attr_require_int(c, "training_mode", 0);
		if (!ret && !(p->bn.epsilon >= 0))
			ret = npu_ctx_fail(c, -EINVAL, "attribute 'epsilon' is negative");
		return ret;
	case NPU_GOP_GEMM:
		ret = npu_attr_float(c, "alpha", 1.0f, &p->gemm.alpha);
		if (!ret)
			ret = npu_attr_float(c, "beta", 1.0f, &p->gemm.beta);
		if (!ret)
			ret = npu_attr_int(c, "transA", 0, &v);
		if (ret)
			return ret;
		p->gemm.trans_a = v != 0;
		ret = npu_attr_int(c, "transB", 0, &v);
		p->gemm.trans_b = v != 0;
		return ret;
	case NPU_GOP_ADD:
	case NPU_GOP_SUB:
	case NPU_GOP_MUL:
	case NPU_GOP_DIV:
		if (npu_attr(c, "axis"))
			return npu_ctx_fail(c, -EOPNOTSUPP,
					    "attribute 'axis' (legacy broadcasting) is not supported");
		return 0;
	case NPU_GOP_CLIP:
		/* opset 11 moved min and max to inputs */
		ret = npu_attr_float(c, "min", -FLT_MAX, &p->clip.min);
		if (!ret)
			ret = npu_attr_float(c, "max", FLT_MAX, &p->clip.max);
		return ret;
	case NPU_GOP_HARD_SIGMOID:
		ret = npu_attr_float(c, "alpha", 0.2f, &p->hsig.alpha);
		if (!ret)
			ret = npu_attr_float(c, "beta", 0.5f, &p->hsig.beta);
		return ret;
	case NPU_GOP_SOFTMAX:
		/* opset 13 changed the default axis and the semantics */
		p->axis.legacy = g->opset < 13;
		return npu_attr_int(c, "axis", p->axis.legacy ? 1 : -1, &p->axis.axis);
	case NPU_GOP_CONCAT:
		if (g->opset >= 4 && !npu_attr(c, "axis"))
			return npu_ctx_fail(c, -EINVAL, "attribute 'axis' is missing");
		return npu_attr_int(c, "axis", 1, &p->axis.axis);
	case NPU_GOP_FLATTEN:
		return npu_attr_int(c, "axis", 1, &p->axis.axis);
	case NPU_GOP_GATHER:
		return npu_attr_int(c, "axis", 0, &p->axis.axis);
	case NPU_GOP_RESIZE:
		return npu_parse_resize(c);
	case NPU_GOP_TRANSPOSE:
		ret = npu_attr_ints(c, "perm", p->transpose.perm, NPU_G_MAX_RANK, &cnt);
		p->transpose.nperm = cnt < 0 ? 0 : cnt;
		return ret;
	case NPU_GOP_RESHAPE:
		ret = npu_attr_int(c, "allowzero", 0, &v);
		if (ret)
			return ret;
		p->reshape.allowzero = v != 0;
		ret = npu_attr_ints(c, "shape", p->reshape.shape, NPU_G_MAX_RANK, &cnt);
		if (ret)
			return ret;
		p->reshape.nshape = cnt;
		if (cnt < 0 && n->nin < 2)
			return npu_ctx_fail(c, -EINVAL, "has no target shape");
		return 0;
	case NPU_GOP_SQUEEZE:
	case NPU_GOP_UNSQUEEZE:
		ret = npu_attr_ints(c, "axes", p->squeeze.axes, NPU_G_MAX_RANK, &cnt);
		p->squeeze.naxes = cnt < 0 ? 0 : cnt;
		p->squeeze.has_axes = cnt >= 0;
		return ret;
	case NPU_GOP_SHAPE:
		ret = npu_attr_int(c, "start", 0, &p->shape.start);
		if (!ret)
			ret = npu_attr_int(c, "end", INT64_MAX, &p->shape.end);
		p->shape.has_end = npu_attr(c, "end") != NULL;
		return ret;
	case NPU_GOP_CAST:
		ret = npu_attr_int(c, "to", 0, &v);
		if (ret)
			return ret;
		if (!npu_g_dtype_size((int32_t)v))
			return npu_ctx_fail(c, -EOPNOTSUPP,
					    "attribute 'to' = %s is not supported",
					    npu_g_dtype_name((int32_t)v));
		p->cast.to = (int32_t)v;
		return 0;
	case NPU_GOP_SLICE: {
		int ns, ne, na;

		ret = npu_attr_ints(c, "starts", p->slice.starts, NPU_G_MAX_RANK, &ns);
		if (!ret)
			ret = npu_attr_ints(c, "ends", p->slice.ends, NPU_G_MAX_RANK, &ne);
		if (!ret)
			ret = npu_attr_ints(c, "axes", p->slice.axes, NPU_G_MAX_RANK, &na);
		if (ret)
			return ret;
		p->slice.has_attrs = ns >= 0;
		p->slice.has_axes = na >= 0;
		p->slice.n = ns < 0 ? 0 : ns;
		if (ns >= 0 && (ns != ne || (na >= 0 && na != ns)))
			return npu_ctx_fail(c, -EINVAL,
					    "attributes 'starts', 'ends' and 'axes' differ in length");
		if (g->opset < 10 && ns < 0)
			return npu_ctx_fail(c, -EINVAL, "attribute 'starts' is missing");
		return 0;
	}
	case NPU_GOP_CONSTANT_OF_SHAPE: {
		const Onnx__AttributeProto *a;
		int vi;

		p->cos.dtype = NPU_G_FLOAT;
		memset(p->cos.bytes, 0, sizeof(p->cos.bytes));
		ret = npu_attr_get(c, "value", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR, &a);
		if (ret || !a)
			return ret;
		if (!a->t)
			return npu_ctx_fail(c, -EINVAL, "attribute 'value' has no tensor");
		/* load into a scratch value to reuse the checks */
		vi = npu_g_new_value(g, "ConstantOfShape.value", 0, -1, NULL);
		if (vi < 0)
			return vi;
		ret = npu_onnx_load_tensor(g, a->t, "attribute 'value'", vi);
		if (ret)
			return ret;
		n = npu_ctx_node(c);
		if (npu_g_elems(&g->vals[vi]) != 1)
			return npu_ctx_fail(c, -EINVAL,
					    "attribute 'value' must hold one element");
		n->p.cos.dtype = g->vals[vi].dtype;
		memcpy(n->p.cos.bytes, g->vals[vi].data,
		       npu_g_dtype_size(g->vals[vi].dtype));
		return 0;
	}
	case NPU_GOP_IDENTITY:
		if (!strcmp(n->op_type, "Dropout") && g->opset < 7) {
			ret = npu_attr_int(c, "is_test", 0, &v);
			if (!ret && !v)
				ret = npu_ctx_fail(c, -EOPNOTSUPP,
						   "attribute 'is_test' = 0 (training) is not supported");
		}
		return ret;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* The model                                                           */

static int npu_onnx_opset(struct npu_graph *g, const Onnx__ModelProto *m)
{
	size_t i;

	g->opset = -1;
	for (i = 0; i < m->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = m->opset_import[i];

		if (npu_onnx_default_domain(o->domain))
			g->opset = o->has_version ? o->version : 1;
	}
	if (g->opset < 0) {
		/* IR version 1 models predate opset_import: opset 1 */
		if (m->n_opset_import == 0 && m->has_ir_version && m->ir_version <= 2)
			g->opset = 1;
		else if (m->n_opset_import)
			return npu_g_fail(g, -EOPNOTSUPP,
					  "the model imports no ai.onnx opset, only domain '%s'",
					  m->opset_import[0]->domain ? m->opset_import[0]->domain : "");
		else
			return npu_g_fail(g, -EINVAL,
					  "the model imports no ai.onnx opset");
	}
	if (g->opset < 1 || g->opset > NPU_G_OPSET_MAX)
		return npu_g_fail(g, -EOPNOTSUPP,
				  "the model uses ai.onnx opset %lld; this loader knows opsets 1 .. %d",
				  (long long)g->opset, NPU_G_OPSET_MAX);
	return 0;
}

static int npu_onnx_initializers(struct npu_graph *g, const Onnx__GraphProto *gp)
{
	char what[300];
	size_t i;
	int vi, ret;

	if (gp->n_sparse_initializer)
		return npu_g_fail(g, -EOPNOTSUPP, "sparse initializers are not supported");
	for (i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *t = gp->initializer[i];

		if (!t->name || !t->name[0])
			return npu_g_fail(g, -EINVAL, "initializer #%zu has no name", i);
		if (npu_g_find(g, t->name) >= 0)
			return npu_g_fail(g, -EINVAL, "initializer '%s' is defined twice",
					  t->name);
		vi = npu_g_add_value(g, t->name);
		if (vi < 0)
			return vi;
		snprintf(what, sizeof(what), "initializer '%.200s'", t->name);
		ret = npu_onnx_load_tensor(g, t, what, vi);
		if (ret)
			return ret;
	}
	return 0;
}

static int npu_onnx_inputs(struct npu_graph *g, const Onnx__GraphProto *gp)
{
	const Onnx__TypeProto__Tensor *tt;
	const Onnx__TensorShapeProto *sh;
	struct npu_gval *v;
	size_t i, d;
	int vi;

	g->inputs = calloc(gp->n_input ? gp->n_input : 1, sizeof(*g->inputs));
	if (!g->inputs)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	for (i = 0; i < gp->n_input; i++) {
		const Onnx__ValueInfoProto *vip = gp->input[i];
		const char *name = vip->name ? vip->name : "";

		if (!name[0])
			return npu_g_fail(g, -EINVAL, "graph input #%zu has no name", i);
		vi = npu_g_find(g, name);
		if (vi >= 0) {
			/* an initializer listed as an input (IR < 4): a constant */
			if (g->vals[vi].is_const && !g->vals[vi].is_input)
				continue;
			return npu_g_fail(g, -EINVAL, "graph input '%s' is listed twice", name);
		}
		if (!vip->type || vip->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
			return npu_g_fail(g, -EOPNOTSUPP,
					  "graph input '%s' is not a tensor", name);
		vi = npu_g_add_value(g, name);
		if (vi < 0)
			return vi;
		v = &g->vals[vi];
		tt = vip->type->tensor_type;
		v->dtype = tt->has_elem_type ? tt->elem_type : 0;
		v->is_input = true;
		sh = tt->shape;
		if (sh) {
			if (sh->n_dim > NPU_G_MAX_RANK)
				return npu_g_fail(g, -EOPNOTSUPP,
						  "graph input '%s' has rank %zu", name,
						  sh->n_dim);
			v->rank = (int)sh->n_dim;
			for (d = 0; d < sh->n_dim; d++) {
				const Onnx__TensorShapeProto__Dimension *dm = sh->dim[d];

				if (dm->value_case ==
				    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
				    dm->dim_value >= 0)
					v->dims[d] = dm->dim_value;
				else
					v->dims[d] = -1;
			}
		}
		g->inputs[g->ninputs++] = vi;
	}
	return 0;
}

/* a node that is not in the graph yet: named, or by its index in the file */
static int npu_onnx_node_fail(struct npu_graph *g, size_t i, const char *name,
			      const char *type, int err, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int npu_onnx_node_fail(struct npu_graph *g, size_t i, const char *name,
			      const char *type, int err, const char *fmt, ...)
{
	char msg[NPU_G_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (name[0])
		return npu_g_fail(g, err, "node '%s' (%s): %s", name, type, msg);
	return npu_g_fail(g, err, "node #%zu (%s): %s", i, type, msg);
}

/* pass 1: nodes and the values they produce; Constant nodes are loaded */
static int npu_onnx_nodes(struct npu_graph *g, const Onnx__GraphProto *gp)
{
	const struct npu_onnx_op *d;
	struct npu_onnx_ctx c = { .g = g };
	size_t i, j;
	int ni, vi, ret;

	for (i = 0; i < gp->n_node; i++) {
		const Onnx__NodeProto *np = gp->node[i];
		const char *type = np->op_type ? np->op_type : "";
		const char *name = np->name ? np->name : "";

		if (!npu_onnx_default_domain(np->domain))
			return npu_onnx_node_fail(g, i, name, type, -EOPNOTSUPP,
						  "operator domain '%s' is not supported",
						  np->domain);
		d = npu_onnx_find_op(type);
		if (!d)
			return npu_onnx_node_fail(g, i, name, type, -EOPNOTSUPP,
						  "operator %s is not supported", type);
		if (np->n_input < (size_t)d->min_in ||
		    (d->max_in >= 0 && np->n_input > (size_t)d->max_in))
			return npu_onnx_node_fail(g, i, name, type, -EINVAL,
						  "has %zu inputs", np->n_input);
		if (np->n_output < 1 || np->n_output > (size_t)d->max_out)
			return npu_onnx_node_fail(g, i, name, type, -EOPNOTSUPP,
						  "has %zu outputs (%d supported)",
						  np->n_output, d->max_out);
		if (np->n_input > 0x10000)
			return npu_onnx_node_fail(g, i, name, type, -E2BIG,
						  "has too many inputs");
		for (j = 0; j < np->n_input; j++)
			if ((j < (size_t)d->min_in || d->max_in < 0) && !np->input[j][0])
				return npu_onnx_node_fail(g, i, name, type, -EINVAL,
							  "required input %zu has no name", j);
		ni = npu_g_add_node(g, name, type, d->op, (int)np->n_input,
				    (int)np->n_output);
		if (ni < 0)
			return ni;
		for (j = 0; j < np->n_output; j++) {
			const char *on = np->output[j];

			if (!on[0])
				continue;
			if (npu_g_find(g, on) >= 0)
				return npu_g_node_fail(g, &g->nodes[ni], -EINVAL,
						       "output '%s' is already defined elsewhere",
						       on);
			vi = npu_g_add_value(g, on);
			if (vi < 0)
				return vi;
			g->vals[vi].producer = ni;
			g->nodes[ni].out[j] = vi;
		}
		if (!g->nodes[ni].nout || g->nodes[ni].out[0] < 0)
			return npu_g_node_fail(g, &g->nodes[ni], -EINVAL,
					       "its first output has no name");
		c.n = ni;
		c.np = np;
		ret = npu_attr_check_known(&c, d);
		if (!ret)
			ret = npu_parse_attrs(&c);
		if (ret)
			return ret;
	}
	return 0;
}

/* pass 2: node inputs by name (any order of the nodes in the file) */
static int npu_onnx_link(struct npu_graph *g, const Onnx__GraphProto *gp)
{
	size_t i, j;
	int vi;

	for (i = 0; i < gp->n_node; i++) {
		const Onnx__NodeProto *np = gp->node[i];

		for (j = 0; j < np->n_input; j++) {
			if (!np->input[j][0])
				continue;	/* an omitted optional input */
			vi = npu_g_find(g, np->input[j]);
			if (vi < 0)
				return npu_g_node_fail(g, &g->nodes[i], -EINVAL,
						       "input '%s' is not a graph input, an initializer or the output of a node",
						       np->input[j]);
			g->nodes[i].in[j] = vi;
		}
	}
	return 0;
}

static int npu_onnx_outputs(struct npu_graph *g, const Onnx__GraphProto *gp)
{
	size_t i;
	int vi;

	if (!gp->n_output)
		return npu_g_fail(g, -EINVAL, "the graph has no outputs");
	g->outputs = calloc(gp->n_output, sizeof(*g->outputs));
	if (!g->outputs)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	for (i = 0; i < gp->n_output; i++) {
		const char *name = gp->output[i]->name ? gp->output[i]->name : "";

		vi = npu_g_find(g, name);
		if (vi < 0)
			return npu_g_fail(g, -EINVAL,
					  "graph output '%s' is not produced by any node",
					  name);
		g->vals[vi].is_output = true;
		g->outputs[g->noutputs++] = vi;
	}
	return 0;
}

/**
 * npu_onnx_import() - decode an ONNX model into an empty graph
 * @g: graph (npu_g_init()); on failure g->err says why
 * @buf: the serialized ModelProto
 * @len: bytes at @buf
 *
 * Return: 0, -EINVAL (malformed model), -EOPNOTSUPP (something this loader
 * does not implement), -E2BIG, -ENOMEM.
 */
int npu_onnx_import(struct npu_graph *g, const void *buf, size_t len)
{
	Onnx__ModelProto *m;
	int ret;

	if (!len)
		return npu_g_fail(g, -EINVAL, "the model is empty");
	m = onnx__model_proto__unpack(NULL, len, buf);
	if (!m)
		return npu_g_fail(g, -EINVAL,
				  "not an ONNX model: the protobuf does not decode (truncated or corrupt file?)");
	ret = npu_onnx_opset(g, m);
	if (!ret && !m->graph)
		ret = npu_g_fail(g, -EINVAL, "the model has no graph");
	if (!ret && m->n_functions)
		ret = npu_g_fail(g, -EOPNOTSUPP, "model-local functions are not supported");
	if (!ret)
		ret = npu_onnx_initializers(g, m->graph);
	if (!ret)
		ret = npu_onnx_inputs(g, m->graph);
	if (!ret)
		ret = npu_onnx_nodes(g, m->graph);
	if (!ret)
		ret = npu_onnx_link(g, m->graph);
	if (!ret)
		ret = npu_onnx_outputs(g, m->graph);
	onnx__model_proto__free_unpacked(m, NULL);
	return ret;
}

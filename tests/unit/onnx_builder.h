/* SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT) */
/*
 * Build small ONNX models in memory for the loader's tests, with the
 * protobuf-c code generated from the system's onnx.proto.
 *
 *	struct mb b;
 *	mb_init(&b, 13);
 *	mb_input(&b, "x", MB_F32, 4, (int64_t[]){ 1, 2, 5, 5 });
 *	mb_init_f32(&b, "w", 4, (int64_t[]){ 3, 2, 3, 3 }, wdata);
 *	n = mb_node(&b, "Conv", "conv0", "x,w", "y");
 *	mb_attr_ints(&b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
 *	mb_output(&b, "y");
 *	buf = mb_pack(&b, &len);
 *	...
 *	mb_free(&b);
 *
 * Every allocation is tracked and freed by mb_free(); names are copied.
 */
#ifndef ONNX_BUILDER_H
#define ONNX_BUILDER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"

#define MB_F32		1
#define MB_U8		2
#define MB_I8		3
#define MB_I32		6
#define MB_I64		7
#define MB_MAX		512

struct mb {
	Onnx__ModelProto model;
	Onnx__GraphProto graph;
	Onnx__OperatorSetIdProto opset;
	Onnx__OperatorSetIdProto *opsets[1];
	Onnx__NodeProto *nodes[MB_MAX];
	Onnx__TensorProto *inits[MB_MAX];
	Onnx__ValueInfoProto *ins[MB_MAX];
	Onnx__ValueInfoProto *outs[MB_MAX];
	void **allocs;
	size_t nallocs, cap;
	void *packed;
};

static inline void *mb_alloc(struct mb *b, size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		abort();
	if (b->nallocs == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->allocs = realloc(b->allocs, b->cap * sizeof(*b->allocs));
		if (!b->allocs)
			abort();
	}
	b->allocs[b->nallocs++] = p;
	return p;
}

static inline char *mb_str(struct mb *b, const char *s)
{
	char *d = mb_alloc(b, strlen(s) + 1);

	strcpy(d, s);
	return d;
}

static inline void mb_init(struct mb *b, int64_t opset)
{
	memset(b, 0, sizeof(*b));
	onnx__model_proto__init(&b->model);
	onnx__graph_proto__init(&b->graph);
	onnx__operator_set_id_proto__init(&b->opset);
	b->model.has_ir_version = 1;
	b->model.ir_version = 8;
	b->opset.domain = (char *)"";
	b->opset.has_version = 1;
	b->opset.version = opset;
	b->opsets[0] = &b->opset;
	b->model.n_opset_import = 1;
	b->model.opset_import = b->opsets;
	b->model.graph = &b->graph;
	b->graph.name = (char *)"test";
	b->graph.node = b->nodes;
	b->graph.initializer = b->inits;
	b->graph.input = b->ins;
	b->graph.output = b->outs;
}

static inline void mb_free(struct mb *b)
{
	size_t i;

	for (i = 0; i < b->nallocs; i++)
		free(b->allocs[i]);
	free(b->allocs);
	free(b->packed);
	memset(b, 0, sizeof(*b));
}

/* a tensor-typed ValueInfo; dims < 0 are symbolic ("N"); rank < 0: no shape */
static inline Onnx__ValueInfoProto *mb_vi(struct mb *b, const char *name, int elem,
				   int rank, const int64_t *dims)
{
	Onnx__ValueInfoProto *vi = mb_alloc(b, sizeof(*vi));
	Onnx__TypeProto *tp = mb_alloc(b, sizeof(*tp));
	Onnx__TypeProto__Tensor *tt = mb_alloc(b, sizeof(*tt));
	Onnx__TensorShapeProto *sh;
	int i;

	onnx__value_info_proto__init(vi);
	onnx__type_proto__init(tp);
	onnx__type_proto__tensor__init(tt);
	vi->name = mb_str(b, name);
	vi->type = tp;
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	tt->has_elem_type = 1;
	tt->elem_type = elem;
	if (rank >= 0) {
		sh = mb_alloc(b, sizeof(*sh));
		onnx__tensor_shape_proto__init(sh);
		sh->n_dim = (size_t)rank;
		sh->dim = mb_alloc(b, sizeof(*sh->dim) * (size_t)(rank ? rank : 1));
		for (i = 0; i < rank; i++) {
			Onnx__TensorShapeProto__Dimension *d = mb_alloc(b, sizeof(*d));

			onnx__tensor_shape_proto__dimension__init(d);
			if (dims[i] >= 0) {
				d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
				d->dim_value = dims[i];
			} else {
				d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
				d->dim_param = mb_str(b, "N");
			}
			sh->dim[i] = d;
		}
		tt->shape = sh;
	}
	return vi;
}

static inline void mb_input(struct mb *b, const char *name, int elem, int rank,
		     const int64_t *dims)
{
	b->ins[b->graph.n_input++] = mb_vi(b, name, elem, rank, dims);
}

static inline void mb_output(struct mb *b, const char *name)
{
	b->outs[b->graph.n_output++] = mb_vi(b, name, MB_F32, -1, NULL);
}

static inline int64_t mb_elems(int rank, const int64_t *dims)
{
	int64_t n = 1;
	int i;

	for (i = 0; i < rank; i++)
		n *= dims[i];
	return n;
}

/* a tensor with raw_data */
static inline Onnx__TensorProto *mb_tensor(struct mb *b, const char *name, int elem,
				    int rank, const int64_t *dims,
				    const void *data, size_t esize)
{
	Onnx__TensorProto *t = mb_alloc(b, sizeof(*t));
	size_t bytes = (size_t)mb_elems(rank, dims) * esize;

	onnx__tensor_proto__init(t);
	t->name = mb_str(b, name);
	t->has_data_type = 1;
	t->data_type = elem;
	t->n_dims = (size_t)rank;
	t->dims = mb_alloc(b, sizeof(int64_t) * (size_t)(rank ? rank : 1));
	if (rank)
		memcpy(t->dims, dims, sizeof(int64_t) * (size_t)rank);
	t->has_raw_data = 1;
	t->raw_data.len = bytes;
	t->raw_data.data = mb_alloc(b, bytes);
	memcpy(t->raw_data.data, data, bytes);
	return t;
}

static inline Onnx__TensorProto *mb_init_f32(struct mb *b, const char *name, int rank,
				      const int64_t *dims, const float *data)
{
	Onnx__TensorProto *t = mb_tensor(b, name, MB_F32, rank, dims, data, 4);

	b->inits[b->graph.n_initializer++] = t;
	return t;
}

static inline Onnx__TensorProto *mb_init_i64(struct mb *b, const char *name, int rank,
				      const int64_t *dims, const int64_t *data)
{
	Onnx__TensorProto *t = mb_tensor(b, name, MB_I64, rank, dims, data, 8);

	b->inits[b->graph.n_initializer++] = t;
	return t;
}

/* an initializer of ONNX type @elem (MB_U8, MB_I8, MB_I32 ...), @esize bytes each */
static inline Onnx__TensorProto *mb_init_t(struct mb *b, const char *name, int elem,
				    int rank, const int64_t *dims, const void *data,
				    size_t esize)
{
	Onnx__TensorProto *t = mb_tensor(b, name, elem, rank, dims, data, esize);

	b->inits[b->graph.n_initializer++] = t;
	return t;
}

/* split "a,b,,c" into names ("" for an omitted optional input) */
static inline size_t mb_split(struct mb *b, const char *list, char ***out)
{
	size_t n = 1, i = 0;
	const char *p;
	char *s, *tok;

	if (!list || !*list) {
		*out = NULL;
		return 0;
	}
	for (p = list; *p; p++)
		n += *p == ',';
	*out = mb_alloc(b, n * sizeof(char *));
	s = mb_str(b, list);
	for (;;) {
		tok = s;
		s = strchr(s, ',');
		if (s)
			*s++ = '\0';
		(*out)[i++] = tok;
		if (!s)
			break;
	}
	return n;
}

static inline Onnx__NodeProto *mb_node(struct mb *b, const char *op, const char *name,
				const char *ins, const char *outs)
{
	Onnx__NodeProto *n = mb_alloc(b, sizeof(*n));

	onnx__node_proto__init(n);
	n->op_type = mb_str(b, op);
	n->name = mb_str(b, name ? name : "");
	n->n_input = mb_split(b, ins, &n->input);
	n->n_output = mb_split(b, outs, &n->output);
	n->attribute = mb_alloc(b, 16 * sizeof(*n->attribute));
	b->nodes[b->graph.n_node++] = n;
	return n;
}

static inline Onnx__AttributeProto *mb_attr(struct mb *b, Onnx__NodeProto *n,
				     const char *name, int type)
{
	Onnx__AttributeProto *a = mb_alloc(b, sizeof(*a));

	onnx__attribute_proto__init(a);
	a->name = mb_str(b, name);
	a->has_type = 1;
	a->type = type;
	n->attribute[n->n_attribute++] = a;
	return a;
}

static inline void mb_attr_i(struct mb *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = mb_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

	a->has_i = 1;
	a->i = v;
}

static inline void mb_attr_f(struct mb *b, Onnx__NodeProto *n, const char *name, float v)
{
	Onnx__AttributeProto *a = mb_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);

	a->has_f = 1;
	a->f = v;
}

static inline void mb_attr_s(struct mb *b, Onnx__NodeProto *n, const char *name, const char *v)
{
	Onnx__AttributeProto *a = mb_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);

	a->has_s = 1;
	a->s.len = strlen(v);
	a->s.data = (uint8_t *)mb_str(b, v);
}

static inline void mb_attr_ints(struct mb *b, Onnx__NodeProto *n, const char *name,
			 size_t cnt, const int64_t *v)
{
	Onnx__AttributeProto *a = mb_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);

	a->n_ints = cnt;
	a->ints = mb_alloc(b, sizeof(int64_t) * (cnt ? cnt : 1));
	if (cnt)
		memcpy(a->ints, v, sizeof(int64_t) * cnt);
}

static inline void mb_attr_t(struct mb *b, Onnx__NodeProto *n, const char *name,
		      Onnx__TensorProto *t)
{
	Onnx__AttributeProto *a = mb_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);

	a->t = t;
}

/* a Constant node producing float @name */
static inline Onnx__NodeProto *mb_const_f32(struct mb *b, const char *name, int rank,
				     const int64_t *dims, const float *data)
{
	Onnx__NodeProto *n = mb_node(b, "Constant", name, "", name);

	mb_attr_t(b, n, "value", mb_tensor(b, name, MB_F32, rank, dims, data, 4));
	return n;
}

static inline Onnx__NodeProto *mb_const_i64(struct mb *b, const char *name, int rank,
				     const int64_t *dims, const int64_t *data)
{
	Onnx__NodeProto *n = mb_node(b, "Constant", name, "", name);

	mb_attr_t(b, n, "value", mb_tensor(b, name, MB_I64, rank, dims, data, 8));
	return n;
}

static inline void *mb_pack(struct mb *b, size_t *len)
{
	*len = onnx__model_proto__get_packed_size(&b->model);
	free(b->packed);
	b->packed = malloc(*len ? *len : 1);
	if (!b->packed)
		abort();
	onnx__model_proto__pack(&b->model, b->packed);
	return b->packed;
}

#endif /* ONNX_BUILDER_H */

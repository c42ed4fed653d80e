// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libnpu: the graph IR of the ONNX loader - values, nodes, names, errors.
 *
 * Values and nodes live in growable arrays and are named by index, so a
 * pointer into either array is only valid until the next value or node is
 * added. Names are unique; a hash table maps them to value indices.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npu_priv.h"
#include "npu_graph.h"

void npu_g_init(struct npu_graph *g)
{
	memset(g, 0, sizeof(*g));
}

void npu_g_free(struct npu_graph *g)
{
	uint32_t i;

	for (i = 0; i < g->nvals; i++) {
		free(g->vals[i].name);
		free(g->vals[i].data);
	}
	for (i = 0; i < g->nnodes; i++) {
		free(g->nodes[i].name);
		free(g->nodes[i].op_type);
		free(g->nodes[i].in);
		free(g->nodes[i].out);
	}
	free(g->vals);
	free(g->nodes);
	free(g->inputs);
	free(g->outputs);
	free(g->order);
	free(g->hash);
	memset(g, 0, sizeof(*g));
}

/* Record the first error (later ones are consequences); return @err. */
static int npu_g_vfail(struct npu_graph *g, int err, const char *prefix,
		       const char *fmt, va_list ap)
{
	size_t n;

	if (g->err[0])
		return err;
	snprintf(g->err, sizeof(g->err), "%s", prefix);
	n = strlen(g->err);
	vsnprintf(g->err + n, sizeof(g->err) - n, fmt, ap);
	npu_dbg("onnx: %s", g->err);
	return err;
}

int npu_g_fail(struct npu_graph *g, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = npu_g_vfail(g, err, "", fmt, ap);
	va_end(ap);
	return err;
}

int npu_g_node_of(const struct npu_graph *g, const struct npu_gnode *n)
{
	return (int)(n - g->nodes);
}

int npu_g_node_fail(struct npu_graph *g, const struct npu_gnode *n, int err,
		    const char *fmt, ...)
{
	char prefix[256];
	va_list ap;

	if (n->name && n->name[0])
		snprintf(prefix, sizeof(prefix), "node '%s' (%s): ", n->name,
			 n->op_type);
	else if (n >= g->nodes && n < g->nodes + g->nnodes)
		snprintf(prefix, sizeof(prefix), "node #%d (%s): ",
			 npu_g_node_of(g, n), n->op_type);
	else
		snprintf(prefix, sizeof(prefix), "node (%s): ", n->op_type);
	va_start(ap, fmt);
	err = npu_g_vfail(g, err, prefix, fmt, ap);
	va_end(ap);
	return err;
}

/* FNV-1a */
static uint32_t npu_g_hash_str(const char *s)
{
	uint32_t h = 2166136261U;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619U;
	return h;
}

static void npu_g_hash_put(uint32_t *tab, uint32_t cap, const char *name,
			   uint32_t idx)
{
	uint32_t h = npu_g_hash_str(name) & (cap - 1);

	while (tab[h])
		h = (h + 1) & (cap - 1);
	tab[h] = idx + 1;
}

static int npu_g_hash_grow(struct npu_graph *g)
{
	uint32_t cap = g->hash_cap ? g->hash_cap * 2 : 256, i, *tab;

	if (cap > (1U << 30))
		return -ENOMEM;
	tab = calloc(cap, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	for (i = 0; i < g->nvals; i++)
		npu_g_hash_put(tab, cap, g->vals[i].name, i);
	free(g->hash);
	g->hash = tab;
	g->hash_cap = cap;
	return 0;
}

int npu_g_find(const struct npu_graph *g, const char *name)
{
	uint32_t h, v;

	if (!g->hash_cap || !name)
		return -1;
	h = npu_g_hash_str(name) & (g->hash_cap - 1);
	while ((v = g->hash[h])) {
		if (!strcmp(g->vals[v - 1].name, name))
			return (int)(v - 1);
		h = (h + 1) & (g->hash_cap - 1);
	}
	return -1;
}

/* A new value named @name (which must not exist yet); returns its index. */
int npu_g_add_value(struct npu_graph *g, const char *name)
{
	struct npu_gval *v;
	int ret;

	if (g->nvals >= 0x7ffffff0U)
		return npu_g_fail(g, -E2BIG, "too many values");
	if ((g->nvals + 1) * 2 > g->hash_cap) {
		ret = npu_g_hash_grow(g);
		if (ret)
			return npu_g_fail(g, ret, "out of memory");
	}
	ret = npu__grow((void **)&g->vals, &g->vals_cap, g->nvals + 1,
			sizeof(*g->vals));
	if (ret)
		return npu_g_fail(g, ret, "out of memory");
	v = &g->vals[g->nvals];
	memset(v, 0, sizeof(*v));
	v->name = strdup(name);
	if (!v->name)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	v->rank = -1;
	v->producer = -1;
	v->view_of = -1;
	v->first = -1;
	v->last = -1;
	npu_g_hash_put(g->hash, g->hash_cap, name, g->nvals);
	return (int)g->nvals++;
}

/*
 * A new value with a unique name derived from @base, of known type/shape.
 * @base and @dims may point into g->vals (they are copied first).
 */
int npu_g_new_value(struct npu_graph *g, const char *base, int32_t dtype,
		    int rank, const int64_t *dims)
{
	int64_t d[NPU_G_MAX_RANK];
	char name[256];
	unsigned int i;
	int idx;

	if (rank > 0)
		memcpy(d, dims, (size_t)rank * sizeof(*dims));
	for (i = 0;; i++) {
		snprintf(name, sizeof(name), "%.200s#%u", base, i);
		if (npu_g_find(g, name) < 0)
			break;
	}
	idx = npu_g_add_value(g, name);
	if (idx < 0)
		return idx;
	g->vals[idx].dtype = dtype;
	g->vals[idx].rank = rank;
	if (rank > 0)
		memcpy(g->vals[idx].dims, d, (size_t)rank * sizeof(*dims));
	return idx;
}

/* A new constant; @data (npu_g_elems() elements of @dtype) is copied. */
int npu_g_new_const(struct npu_graph *g, const char *base, int32_t dtype,
		    int rank, const int64_t *dims, const void *data)
{
	size_t bytes;
	int idx;

	idx = npu_g_new_value(g, base, dtype, rank, dims);
	if (idx < 0)
		return idx;
	bytes = (size_t)npu_g_elems(&g->vals[idx]) * npu_g_dtype_size(dtype);
	g->vals[idx].data = malloc(bytes ? bytes : 1);
	if (!g->vals[idx].data)
		return npu_g_fail(g, -ENOMEM, "out of memory");
	if (bytes)
		memcpy(g->vals[idx].data, data, bytes);
	g->vals[idx].is_const = true;
	return idx;
}

/* A new node with @nin inputs and @nout outputs, all -1; returns its index. */
int npu_g_add_node(struct npu_graph *g, const char *name, const char *op_type,
		   int op, int nin, int nout)
{
	struct npu_gnode *n;
	int ret, i;

	ret = npu__grow((void **)&g->nodes, &g->nodes_cap, g->nnodes + 1,
			sizeof(*g->nodes));
	if (ret)
		return npu_g_fail(g, ret, "out of memory");
	n = &g->nodes[g->nnodes];
	memset(n, 0, sizeof(*n));
	n->name = strdup(name ? name : "");
	n->op_type = strdup(op_type);
	n->in = malloc(sizeof(int) * (size_t)(nin ? nin : 1));
	n->out = malloc(sizeof(int) * (size_t)(nout ? nout : 1));
	if (!n->name || !n->op_type || !n->in || !n->out) {
		free(n->name);
		free(n->op_type);
		free(n->in);
		free(n->out);
		return npu_g_fail(g, -ENOMEM, "out of memory");
	}
	n->op = op;
	n->nin = nin;
	n->nout = nout;
	for (i = 0; i < nin; i++)
		n->in[i] = -1;
	for (i = 0; i < nout; i++)
		n->out[i] = -1;
	return (int)g->nnodes++;
}

size_t npu_g_dtype_size(int32_t dtype)
{
	switch (dtype) {
	case NPU_G_FLOAT:
	case NPU_G_INT32:
		return 4;
	case NPU_G_UINT8:
	case NPU_G_INT8:
	case NPU_G_BOOL:
		return 1;
	case NPU_G_INT64:
	case NPU_G_DOUBLE:
		return 8;
	default:
		return 0;
	}
}

const char *npu_g_dtype_name(int32_t dtype)
{
	static const char * const names[] = {
		"undefined", "float", "uint8", "int8", "uint16", "int16",
		"int32", "int64", "string", "bool", "float16", "double",
		"uint32", "uint64", "complex64", "complex128", "bfloat16",
	};

	if (dtype >= 0 && (size_t)dtype < sizeof(names) / sizeof(names[0]))
		return names[dtype];
	return "unknown";
}

/* Element count, or -1 while the shape is unknown. */
int64_t npu_g_elems(const struct npu_gval *v)
{
	int64_t n = 1;
	int i;

	if (v->rank < 0)
		return -1;
	for (i = 0; i < v->rank; i++) {
		if (v->dims[i] < 0)
			return -1;
		n *= v->dims[i];
	}
	return n;
}

int npu_g_shape_str(const struct npu_gval *v, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	if (v->rank < 0)
		return snprintf(buf, len, "[?]");
	n += (size_t)snprintf(buf, len, "[");
	for (i = 0; i < v->rank && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%lld", i ? ", " : "",
				      (long long)v->dims[i]);
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, "]");
	return (int)n;
}

void npu_g_count_uses(struct npu_graph *g)
{
	uint32_t i;
	int j;

	for (i = 0; i < g->nvals; i++)
		g->vals[i].uses = 0;
	for (i = 0; i < g->nnodes; i++) {
		if (g->nodes[i].dead)
			continue;
		for (j = 0; j < g->nodes[i].nin; j++)
			if (g->nodes[i].in[j] >= 0)
				g->vals[g->nodes[i].in[j]].uses++;
	}
}

/* double to int64, truncating; NaN gives 0, out of range saturates */
int64_t npu_g_f2i(double x)
{
	if (x != x)
		return 0;
	if (x >= 9.2e18)
		return INT64_MAX;
	if (x <= -9.2e18)
		return INT64_MIN;
	return (int64_t)x;
}

/* Element @i of a constant as a double / an int64. */
double npu_g_get_f(const struct npu_gval *v, int64_t i)
{
	switch (v->dtype) {
	case NPU_G_FLOAT:
		return ((const float *)v->data)[i];
	case NPU_G_DOUBLE:
		return ((const double *)v->data)[i];
	default:
		return (double)npu_g_get_i(v, i);
	}
}

int64_t npu_g_get_i(const struct npu_gval *v, int64_t i)
{
	switch (v->dtype) {
	case NPU_G_INT64:
		return ((const int64_t *)v->data)[i];
	case NPU_G_INT32:
		return ((const int32_t *)v->data)[i];
	case NPU_G_INT8:
		return ((const int8_t *)v->data)[i];
	case NPU_G_UINT8:
	case NPU_G_BOOL:
		return ((const uint8_t *)v->data)[i];
	case NPU_G_FLOAT:
		return npu_g_f2i(((const float *)v->data)[i]);
	case NPU_G_DOUBLE:
		return npu_g_f2i(((const double *)v->data)[i]);
	default:
		return 0;
	}
}

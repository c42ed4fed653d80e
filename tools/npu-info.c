// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * npu-info - list npu devices: driver version, limits and engines.
 *
 * Devices are found through /sys/class/accel by libnpu (libdrm cannot
 * enumerate accel nodes). With --backend host, the one device shown is a
 * host backend device of this process. Exit status: 0 ok, 1 error, 2
 * usage, 3 no npu device.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <npu/npu.h>

#define EXIT_USAGE	2
#define EXIT_NODEV	3

static const char *prog = "npu-info";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS]\n"
		"List npu accelerator devices with their driver version, limits and engines.\n"
		"\n"
		"  -b, --backend NAME accel (the kernel driver's devices, default) or host\n"
		"                     (libnpu's in-process backend)\n"
		"  -d, --device PATH  show only this device node (e.g. /dev/accel/accel0)\n"
		"  -j, --json         print JSON instead of text\n"
		"  -h, --help         show this help and exit\n"
		"  -V, --version      show the version and exit\n"
		"\n"
		"Environment: NPU_DEBUG=1 prints libnpu diagnostics on stderr.\n"
		"Exit status: 0 ok, 1 error, 2 usage error, 3 no npu device.\n",
		prog);
}

/* Is an open failure "there is no such npu device" (exit 3)? */
static bool is_nodev(int err)
{
	return err == ENOENT || err == ENODEV || err == ENXIO;
}

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case DRM_NPU_ENGINE_CPU:
		return "cpu";
	case DRM_NPU_ENGINE_VNPU:
		return "vnpu";
	default:
		return "unknown";
	}
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Names of the opcodes in @mask, comma- (text) or JSON-separated. */
static void print_ops(uint64_t mask, bool json)
{
	bool first = true;
	char name[16];
	unsigned int op;

	for (op = 1; op < 64; op++) {
		if (!(mask & (1ULL << op)))
			continue;
		if (strcmp(npu_op_name(op), "?") == 0)
			snprintf(name, sizeof(name), "op%u", op);
		else
			snprintf(name, sizeof(name), "%s", npu_op_name(op));
		if (json) {
			printf("%s", first ? "" : ",");
			json_str(name);
		} else {
			printf("%s%s", first ? "" : ",", name);
		}
		first = false;
	}
	if (first && !json)
		printf("-");
}

static void print_flags(uint32_t flags, bool json)
{
	uint32_t unknown = flags & ~DRM_NPU_ENGINE_HEALTHY;

	if (json) {
		printf("[");
		if (flags & DRM_NPU_ENGINE_HEALTHY)
			printf("\"healthy\"");
		if (unknown)
			printf("%s\"%#x\"", flags & DRM_NPU_ENGINE_HEALTHY ? "," : "",
			       unknown);
		printf("]");
		return;
	}
	printf("%s", flags & DRM_NPU_ENGINE_HEALTHY ? "healthy" : "unhealthy");
	if (unknown)
		printf(",%#x", unknown);
}

struct dev_info {
	struct drm_npu_query_version version;
	struct drm_npu_query_limits limits;
	struct drm_npu_engine_info *engines;
	int nengines;
};

static int query(struct npu_device *dev, struct dev_info *in)
{
	int n, ret;

	memset(in, 0, sizeof(*in));
	ret = npu_device_query_version(dev, &in->version);
	if (!ret)
		ret = npu_device_query_limits(dev, &in->limits);
	if (ret)
		return ret;
	/* engines may appear between the two calls: take what fits */
	n = npu_device_query_engines(dev, NULL, 0);
	if (n < 0)
		return n;
	in->engines = calloc(n ? (size_t)n : 1, sizeof(*in->engines));
	if (!in->engines)
		return -ENOMEM;
	ret = npu_device_query_engines(dev, in->engines, (unsigned int)n);
	if (ret < 0) {
		free(in->engines);
		return ret;
	}
	in->nengines = ret < n ? ret : n;
	return 0;
}

static void print_text(struct npu_device *dev, const struct dev_info *in)
{
	const struct drm_npu_query_limits *l = &in->limits;
	int i;

	printf("%s\n", npu_device_path(dev));
	printf("  backend          %s\n",
	       npu_backend_name((uint32_t)npu_device_backend(dev)));
	printf("  driver uAPI      %u.%u\n", in->version.major, in->version.minor);
	printf("  command stream   v%u, opcodes 1..%u\n", in->version.cmd_version,
	       in->version.num_ops ? in->version.num_ops - 1 : 0);
	printf("  limits\n");
	printf("    max_bo_size      %" PRIu64 " bytes\n", (uint64_t)l->max_bo_size);
	printf("    max_cmd_size     %u bytes\n", l->max_cmd_size);
	printf("    max_tensors      %u\n", l->max_tensors);
	printf("    max_ops          %u\n", l->max_ops);
	printf("    max_bos          %u\n", l->max_bos);
	printf("    max_in_syncobjs  %u\n", l->max_in_syncobjs);
	printf("    max_tensor_elems %u\n", l->max_tensor_elems);
	printf("    job_timeout      %u ms\n", l->job_timeout_ms);
	printf("  engines (%d)\n", in->nengines);
	for (i = 0; i < in->nengines; i++) {
		const struct drm_npu_engine_info *e = &in->engines[i];

		printf("    %-8s kind %-5s ", e->name, kind_name(e->kind));
		print_flags(e->flags, false);
		printf("  ops ");
		print_ops(e->ops_mask, false);
		printf("\n             jobs_done %" PRIu64 "  busy_ns %" PRIu64
		       "  queued %u  resets %u\n", (uint64_t)e->jobs_done,
		       (uint64_t)e->busy_ns, e->queued, e->resets);
	}
}

static void print_json(struct npu_device *dev, const struct dev_info *in)
{
	const struct drm_npu_query_limits *l = &in->limits;
	int i;

	printf("{\"path\":");
	json_str(npu_device_path(dev));
	printf(",\"backend\":");
	json_str(npu_backend_name((uint32_t)npu_device_backend(dev)));
	printf(",\"version\":{\"major\":%u,\"minor\":%u,\"cmd_version\":%u,\"num_ops\":%u}",
	       in->version.major, in->version.minor, in->version.cmd_version,
	       in->version.num_ops);
	printf(",\"limits\":{\"max_bo_size\":%" PRIu64 ",\"max_cmd_size\":%u,"
	       "\"max_tensors\":%u,\"max_ops\":%u,\"max_bos\":%u,"
	       "\"max_in_syncobjs\":%u,\"max_tensor_elems\":%u,\"job_timeout_ms\":%u}",
	       (uint64_t)l->max_bo_size, l->max_cmd_size, l->max_tensors,
	       l->max_ops, l->max_bos, l->max_in_syncobjs, l->max_tensor_elems,
	       l->job_timeout_ms);
	printf(",\"engines\":[");
	for (i = 0; i < in->nengines; i++) {
		const struct drm_npu_engine_info *e = &in->engines[i];

		printf("%s{\"name\":", i ? "," : "");
		json_str(e->name);
		printf(",\"kind\":");
		json_str(kind_name(e->kind));
		printf(",\"flags\":");
		print_flags(e->flags, true);
		printf(",\"ops\":[");
		print_ops(e->ops_mask, true);
		printf("],\"ops_mask\":%" PRIu64 ",\"jobs_done\":%" PRIu64
		       ",\"busy_ns\":%" PRIu64 ",\"queued\":%u,\"resets\":%u}",
		       (uint64_t)e->ops_mask, (uint64_t)e->jobs_done,
		       (uint64_t)e->busy_ns, e->queued, e->resets);
	}
	printf("]}");
}

/* Show one device; returns 0 or an errno. */
static int show(const char *path, const struct npu_device_opts *opts,
		bool json, bool first)
{
	struct npu_device *dev;
	struct dev_info in;
	int ret;

	dev = npu_device_open(path, opts);
	if (!path)
		path = npu_backend_name(opts->backend);
	if (!dev) {
		ret = errno;
		if (opts->backend == NPU_BACKEND_HOST) {
			fprintf(stderr, "%s: host backend: %s%s\n", prog,
				strerror(ret), ret == EINVAL ?
				" (its only device is \"host\")" : "");
			return ret == ENODEV ? EIO : ret;
		}
		if (ret == ENODEV) {
			fprintf(stderr, "%s: %s is not an npu device (not driven by the npu driver)\n",
				prog, path);
			return ret;
		}
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(ret));
		if (ret == EACCES)
			fprintf(stderr, "%s: add yourself to the group owning %s (often \"render\")\n",
				prog, path);
		return ret;
	}
	ret = query(dev, &in);
	if (ret) {
		fprintf(stderr, "%s: %s: query failed: %s\n", prog, path,
			strerror(-ret));
		npu_device_close(dev);
		return -ret;
	}
	if (json) {
		if (!first)
			printf(",");
		print_json(dev, &in);
	} else {
		if (!first)
			printf("\n");
		print_text(dev, &in);
	}
	free(in.engines);
	npu_device_close(dev);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	NPU_OPTS(npu_device_opts, opts, .backend = NPU_BACKEND_ACCEL);
	const char *device = NULL;
	char path[NPU_PATH_MAX];
	int c, n, i, ret, shown = 0, status = EXIT_SUCCESS;
	bool json = false, nodev = false;

	while ((c = getopt_long(argc, argv, "b:d:jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (strcmp(optarg, "accel") == 0) {
				opts.backend = NPU_BACKEND_ACCEL;
			} else if (strcmp(optarg, "host") == 0) {
				opts.backend = NPU_BACKEND_HOST;
			} else {
				fprintf(stderr, "%s: --backend wants accel or host, not '%s'\n",
					prog, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			device = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("%s (libnpu) %s\n", prog, npu_version_string());
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}

	if (json) {
		printf("{\"libnpu\":");
		json_str(npu_version_string());
		printf(",\"devices\":[");
	}
	if (device || opts.backend == NPU_BACKEND_HOST) {
		ret = show(device, &opts, json, true);
		if (ret)
			nodev = is_nodev(ret);
		else
			shown++;
		status = ret ? EXIT_FAILURE : EXIT_SUCCESS;
	} else {
		n = npu_device_count();
		if (n < 0) {
			fprintf(stderr, "%s: cannot list /sys/class/accel: %s\n",
				prog, strerror(-n));
			status = EXIT_FAILURE;
		} else if (n == 0) {
			fprintf(stderr, "%s: no npu device found (is the npu module loaded? no device in /sys/class/accel is driven by \"npu\")\n",
				prog);
			nodev = true;
		}
		for (i = 0; i < n; i++) {
			/* fails only when devices went away meanwhile */
			if (npu_device_path_at((unsigned int)i, path, sizeof(path)))
				break;
			if (show(path, &opts, json, shown == 0))
				status = EXIT_FAILURE;
			else
				shown++;
		}
	}
	if (json)
		printf("]}\n");
	if (nodev && !shown)
		return EXIT_NODEV;
	return status;
}

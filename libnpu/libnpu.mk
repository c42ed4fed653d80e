# SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
#
# libnpu/libnpu.mk - libnpu and its tools. Included by the top-level
# Makefile; make runs from the repository root.
#
# Targets:
#   libnpu            build/lib/libnpu.so.1.2.0 (+ libnpu.so.1, libnpu.so
#                     symlinks) and build/lib/libnpu.a
#   tools             build/bin/npu-info, build/bin/npu-run, and the
#                     benchmark helper build/bin/npu-bench-submit (not
#                     installed; tools/npu-bench submit runs it)
#   bench-submit      tools/npu-bench submit: ioctl against io_uring
#                     submission and SEND_ZC against copying sends, in one
#                     boot of the test VM (BENCH_SUBMIT_ARGS passes options;
#                     a benchmark, not part of make check)
#   check-libnpu-abi  the .so exports exactly the symbols of libnpu.map, and
#                     each of them is declared in npu.h and documented in
#                     Documentation/libnpu.rst (KTAP, build/results/libnpu-abi.ktap)
#   install-libnpu    library, headers, pkg-config file, tools and man pages
#                     into $(DESTDIR)$(PREFIX) (appended to INSTALL_TARGETS)
#
# The firmware library (FW_SRCS and FW_CFLAGS of firmware/firmware.mk) is
# compiled into libnpu with libnpu's flags plus FW_CFLAGS, into
# build/obj/libnpu/fw/, so it does not clash with other builds of it.
#
# The ONNX loader reads models with protobuf-c. Its message code is
# generated at build time by protoc-c from the system's onnx.proto (Debian:
# libonnx-dev, protobuf-c-compiler, libprotobuf-c-dev) into build/gen/onnx/
# and never committed. The generated file is compiled with the warnings on
# but without -Werror: its text is protoc-c's, not ours.

ifndef FW_SRCS
include firmware/firmware.mk
endif

LIBNPU_VERSION := 1.2.0
LIBNPU_SONAME := libnpu.so.1
LIBNPU_SO := build/lib/libnpu.so.$(LIBNPU_VERSION)
LIBNPU_A := build/lib/libnpu.a
LIBNPU_LINKS := build/lib/libnpu.so.1 build/lib/libnpu.so

LIBNPU_DRM_CFLAGS := $(shell pkg-config --cflags libdrm)
LIBNPU_DRM_LIBS := $(shell pkg-config --libs libdrm)

ONNX_PROTO ?= /usr/include/onnx/onnx.proto
PROTOC_C ?= protoc-c
LIBNPU_GEN_DIR := build/gen/onnx
LIBNPU_GEN_SRC := $(LIBNPU_GEN_DIR)/onnx.pb-c.c
LIBNPU_GEN_HDR := $(LIBNPU_GEN_DIR)/onnx.pb-c.h
LIBNPU_PBC_CFLAGS := $(shell pkg-config --cflags libprotobuf-c)
LIBNPU_PBC_LIBS := $(shell pkg-config --libs libprotobuf-c)

# FW_CFLAGS (-ffp-contract=off ...) everywhere: the tools' host references
# must round like the firmware does
LIBNPU_BASE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g $(FW_CFLAGS) \
	-D_GNU_SOURCE -Iuapi -Ilibnpu/include $(LIBNPU_DRM_CFLAGS) -MMD -MP
LIBNPU_CFLAGS := $(LIBNPU_BASE_CFLAGS) -I$(LIBNPU_GEN_DIR) $(LIBNPU_PBC_CFLAGS) \
	-fPIC -fvisibility=hidden
LIBNPU_GEN_CFLAGS := $(filter-out -Werror,$(LIBNPU_CFLAGS))
LIBNPU_LDFLAGS := -shared -Wl,-soname,$(LIBNPU_SONAME) \
	-Wl,--version-script=libnpu/libnpu.map -Wl,-z,defs -Wl,-z,relro \
	-Wl,-z,now

LIBNPU_SRCS := $(wildcard libnpu/src/*.c)
LIBNPU_FW_SRCS := $(FW_SRCS)
LIBNPU_OBJS := $(patsubst libnpu/src/%.c,build/obj/libnpu/%.o,$(LIBNPU_SRCS))
LIBNPU_FW_OBJS := $(patsubst firmware/%.c,build/obj/libnpu/fw/%.o,$(LIBNPU_FW_SRCS))
LIBNPU_GEN_OBJS := build/obj/libnpu/gen/onnx.pb-c.o
LIBNPU_ALL_OBJS := $(LIBNPU_OBJS) $(LIBNPU_FW_OBJS) $(LIBNPU_GEN_OBJS)

LIBNPU_TOOLS := build/bin/npu-info build/bin/npu-run
LIBNPU_TOOL_OBJS := $(patsubst build/bin/%,build/obj/tools/%.o,$(LIBNPU_TOOLS))
# benchmark helpers: built with the tools, not installed
LIBNPU_BENCH_TOOLS := build/bin/npu-bench-submit
LIBNPU_BENCH_OBJS := $(patsubst build/bin/%,build/obj/tools/%.o,$(LIBNPU_BENCH_TOOLS))
# helpers linked into npu-run: the .npy reader/writer and image preprocessing
NPU_RUN_EXTRA_OBJS := build/obj/tools/npy.o build/obj/tools/image.o

.PHONY: libnpu tools check-libnpu-abi install-libnpu onnx-gen bench-submit

onnx-gen: $(LIBNPU_GEN_SRC) $(LIBNPU_GEN_HDR)

$(LIBNPU_GEN_SRC) $(LIBNPU_GEN_HDR) &: $(ONNX_PROTO)
	@test -f $< || { echo "libnpu: $< is missing: install libonnx-dev (scripts/deps)" >&2; exit 1; }
	@mkdir -p $(LIBNPU_GEN_DIR)
	$(PROTOC_C) --c_out=$(LIBNPU_GEN_DIR) -I$(dir $<) $<

libnpu: $(LIBNPU_SO) $(LIBNPU_LINKS) $(LIBNPU_A)

tools: $(LIBNPU_TOOLS) $(LIBNPU_BENCH_TOOLS)

# every libnpu source may include the generated header
$(LIBNPU_OBJS): build/obj/libnpu/%.o: libnpu/src/%.c | $(LIBNPU_GEN_HDR)
	@mkdir -p $(@D)
	$(CC) $(LIBNPU_CFLAGS) -c -o $@ $<

$(LIBNPU_GEN_OBJS): build/obj/libnpu/gen/%.o: $(LIBNPU_GEN_DIR)/%.c $(LIBNPU_GEN_HDR)
	@mkdir -p $(@D)
	$(CC) $(LIBNPU_GEN_CFLAGS) -c -o $@ $<

$(LIBNPU_FW_OBJS): build/obj/libnpu/fw/%.o: firmware/%.c
	@mkdir -p $(@D)
	$(CC) $(LIBNPU_CFLAGS) -c -o $@ $<

$(LIBNPU_SO): $(LIBNPU_ALL_OBJS) libnpu/libnpu.map
	@mkdir -p $(@D)
	$(CC) $(LIBNPU_LDFLAGS) -o $@ $(LIBNPU_ALL_OBJS) \
		$(LIBNPU_DRM_LIBS) $(LIBNPU_PBC_LIBS) -lpthread -lm

build/lib/libnpu.so.1: $(LIBNPU_SO)
	ln -sf $(notdir $<) $@

build/lib/libnpu.so: build/lib/libnpu.so.1
	ln -sf $(notdir $<) $@

$(LIBNPU_A): $(LIBNPU_ALL_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(LIBNPU_TOOL_OBJS) $(LIBNPU_BENCH_OBJS) $(NPU_RUN_EXTRA_OBJS): build/obj/tools/%.o: tools/%.c
	@mkdir -p $(@D)
	$(CC) $(LIBNPU_BASE_CFLAGS) -c -o $@ $<

build/bin/npu-run: $(NPU_RUN_EXTRA_OBJS)

# Linked against the shared library, so the tools also test its exports.
$(LIBNPU_TOOLS) $(LIBNPU_BENCH_TOOLS): build/bin/%: build/obj/tools/%.o $(LIBNPU_SO) $(LIBNPU_LINKS)
	@mkdir -p $(@D)
	$(CC) -o $@ $(filter %.o,$^) -Lbuild/lib -lnpu -lm -Wl,-rpath,'$$ORIGIN/../lib'

# The submission benchmark; `module` is the top-level Makefile's.
bench-submit: module $(LIBNPU_TOOLS) $(LIBNPU_BENCH_TOOLS)
	node tools/npu-bench submit $(BENCH_SUBMIT_ARGS)

# The ABI check, as KTAP on stdout and in build/results/libnpu-abi.ktap;
# also run by unit-libnpu (tests/unit/libnpu-unit.mk).
LIBNPU_ABI_KTAP := build/results/libnpu-abi.ktap
define LIBNPU_ABI_CHECK
set -e; d=build/obj/libnpu/abi; mkdir -p $$d $(dir $(LIBNPU_ABI_KTAP)); \
sed -n 's/^[[:space:]]*\(npu_[a-z0-9_]*\);$$/\1/p' libnpu/libnpu.map | sort > $$d/map; \
objdump -T $(LIBNPU_SO) | \
	awk '/^[0-9a-f]+ / && !/\*UND\*/ && $$NF !~ /^LIBNPU_[0-9.]+$$/ { print $$NF }' | \
	sort > $$d/exported; \
sed -n 's/^NPU_API .*[ *]\(npu_[a-z0-9_]*\)(.*/\1/p' libnpu/include/npu/npu.h | sort > $$d/declared; \
: > $$d/undoc; \
for s in $$(cat $$d/map); do \
	grep -qs "^\.\. c:function:: .*[ *]$$s(" Documentation/libnpu.rst || echo $$s >> $$d/undoc; \
done; \
n=$$(wc -l < $$d/map); bad=0; \
{ echo "KTAP version 1"; echo "1..3"; \
  if diff -u $$d/map $$d/exported > $$d/diff1; then \
	echo "ok 1 libnpu-abi.exports_match_map ($$n symbols)"; \
  else sed 's/^/# /' $$d/diff1; echo "not ok 1 libnpu-abi.exports_match_map"; fi; \
  if diff -u $$d/map $$d/declared > $$d/diff2; then \
	echo "ok 2 libnpu-abi.npu_h_declares_map"; \
  else sed 's/^/# /' $$d/diff2; echo "not ok 2 libnpu-abi.npu_h_declares_map"; fi; \
  if [ ! -s $$d/undoc ]; then \
	echo "ok 3 libnpu-abi.every_symbol_documented"; \
  else sed 's/^/# not in Documentation\/libnpu.rst: /' $$d/undoc; \
	echo "not ok 3 libnpu-abi.every_symbol_documented"; fi; \
} | tee $(LIBNPU_ABI_KTAP); \
! grep -q '^not ok' $(LIBNPU_ABI_KTAP)
endef

check-libnpu-abi: $(LIBNPU_SO)
	@$(LIBNPU_ABI_CHECK)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

install-libnpu: libnpu tools
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(INCLUDEDIR)/npu/uapi/drm \
		$(DESTDIR)$(INCLUDEDIR)/npu/uapi/linux $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(LIBNPU_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libnpu.so.$(LIBNPU_VERSION) $(DESTDIR)$(LIBDIR)/libnpu.so.1
	ln -sf libnpu.so.1 $(DESTDIR)$(LIBDIR)/libnpu.so
	install -m 0644 $(LIBNPU_A) $(DESTDIR)$(LIBDIR)/
	install -m 0644 libnpu/include/npu/npu.h $(DESTDIR)$(INCLUDEDIR)/npu/
	install -m 0644 uapi/drm/npu_accel.h $(DESTDIR)$(INCLUDEDIR)/npu/uapi/drm/
	install -m 0644 uapi/linux/npu_cmd.h $(DESTDIR)$(INCLUDEDIR)/npu/uapi/linux/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIBNPU_VERSION)|' \
		libnpu/libnpu.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/libnpu.pc
	install -m 0755 $(LIBNPU_TOOLS) $(DESTDIR)$(BINDIR)/
	install -m 0644 Documentation/man/npu-info.1 Documentation/man/npu-run.1 \
		$(DESTDIR)$(MANDIR)/man1/

INSTALL_TARGETS += install-libnpu

-include $(LIBNPU_ALL_OBJS:.o=.d) $(LIBNPU_TOOL_OBJS:.o=.d) $(LIBNPU_BENCH_OBJS:.o=.d) $(NPU_RUN_EXTRA_OBJS:.o=.d)

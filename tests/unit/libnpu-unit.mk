# SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
#
# tests/unit/libnpu-unit.mk - host unit tests of libnpu (no kernel needed).
#
#   make unit-libnpu     build with ASan/UBSan and run; KTAP goes to stdout
#                        and to build/results/unit-{libnpu,onnx,model,queue}.ktap
#                        (and the ABI check's to build/results/libnpu-abi.ktap);
#                        the ONNX conformance run below, with the cases that
#                        need ops the firmware library lacks as skips, goes
#                        to build/results/unit-onnx-conformance.ktap, and
#                        again on the host backend (-D host) to
#                        unit-onnx-conformance-host.ktap; then
#                        the host backend's tests (test_host.c) with
#                        ASan/UBSan and with TSan (unit-host-asan.ktap,
#                        unit-host-tsan.ktap), npu-run's .npy reader
#                        (unit-npy.ktap), and npu-info and npu-run on
#                        the host backend (unit-tools.ktap)
#   make unit-host       only the host backend's two builds
#   make unit-tools      only the tools' tests (tests/unit/test_npy.c with
#                        ASan/UBSan, then tests/unit/test_tools.sh)
#   make conformance-onnx
#                        ONNX operator conformance against Debian's
#                        libonnx-testdata (ASan/UBSan too): one KTAP line
#                        per node test case, counts of supported / passed /
#                        failed / unsupported cases last, then those of the
#                        unsupported cases retried with their parameters
#                        (graph inputs 2..) as constants, reported apart
#                        (see tests/unit/onnx_conformance.c); KTAP also in
#                        build/conformance/onnx.ktap. Not part of `make unit`
#                        (which runs it with -g): a supported case whose ops
#                        the firmware library does not implement fails here.
#                        Pass CONFORMANCE_ARGS="-v conv" to filter and to see
#                        why cases are unsupported.
#
# The tests (test_libnpu: devices, BOs, jobs; test_onnx: the ONNX loader;
# test_queue: npu_queue on the host backend and on a real io_uring of this
# machine, and with NPU_TEST_BACKEND=accel in the VM, tests/selftests/npu_queue.sh)
# link libnpu's sources, the generated ONNX protobuf-c code and the firmware
# library directly (built here with the sanitizers), so they can reach
# libnpu's private interfaces. The kselftest harness comes from scripts/deps
# (build/kselftest/); set KSELFTEST_DIR to use another copy.

ifndef FW_SRCS
include firmware/firmware.mk
endif
ifndef LIBNPU_GEN_DIR
include libnpu/libnpu.mk
endif

KSELFTEST_DIR ?= build/kselftest

UNIT_LIBNPU_TESTS := libnpu onnx model queue
UNIT_LIBNPU_BINS := $(addprefix build/unit/libnpu/test_,$(UNIT_LIBNPU_TESTS))
UNIT_LIBNPU_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O1 -g \
	-fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all $(FW_CFLAGS) -D_GNU_SOURCE \
	-Iuapi -Ilibnpu/include -Ilibnpu/src -I$(KSELFTEST_DIR) \
	-I$(LIBNPU_GEN_DIR) $(LIBNPU_PBC_CFLAGS) \
	$(shell pkg-config --cflags libdrm) -MMD -MP
UNIT_LIBNPU_LDLIBS := $(shell pkg-config --libs libdrm) $(LIBNPU_PBC_LIBS) \
	-lpthread -lm

UNIT_LIBNPU_LIB_SRCS := $(wildcard libnpu/src/*.c)
UNIT_LIBNPU_FW_SRCS := $(FW_SRCS)
UNIT_LIBNPU_LIB_OBJS := \
	$(patsubst libnpu/src/%.c,build/obj/unit-libnpu/lib/%.o,$(UNIT_LIBNPU_LIB_SRCS)) \
	$(patsubst firmware/%.c,build/obj/unit-libnpu/fw/%.o,$(UNIT_LIBNPU_FW_SRCS)) \
	build/obj/unit-libnpu/gen/onnx.pb-c.o
UNIT_LIBNPU_TEST_OBJS := $(patsubst %,build/obj/unit-libnpu/test_%.o,$(UNIT_LIBNPU_TESTS))

.PHONY: unit-libnpu conformance-onnx

$(UNIT_LIBNPU_TEST_OBJS): build/obj/unit-libnpu/%.o: tests/unit/%.c | $(LIBNPU_GEN_HDR)
	@test -f $(KSELFTEST_DIR)/kselftest_harness.h || { \
		echo "unit-libnpu: $(KSELFTEST_DIR)/kselftest_harness.h is missing: run scripts/deps" >&2; \
		exit 1; }
	@mkdir -p $(@D)
	$(CC) $(UNIT_LIBNPU_CFLAGS) -c -o $@ $<

$(filter build/obj/unit-libnpu/lib/%,$(UNIT_LIBNPU_LIB_OBJS)): build/obj/unit-libnpu/lib/%.o: libnpu/src/%.c | $(LIBNPU_GEN_HDR)
	@mkdir -p $(@D)
	$(CC) $(UNIT_LIBNPU_CFLAGS) -c -o $@ $<

$(filter build/obj/unit-libnpu/fw/%,$(UNIT_LIBNPU_LIB_OBJS)): build/obj/unit-libnpu/fw/%.o: firmware/%.c
	@mkdir -p $(@D)
	$(CC) $(UNIT_LIBNPU_CFLAGS) -c -o $@ $<

# generated code: the sanitizers, but not -Werror (see libnpu/libnpu.mk)
build/obj/unit-libnpu/gen/onnx.pb-c.o: $(LIBNPU_GEN_SRC) $(LIBNPU_GEN_HDR)
	@mkdir -p $(@D)
	$(CC) $(filter-out -Werror,$(UNIT_LIBNPU_CFLAGS)) -c -o $@ $<

$(UNIT_LIBNPU_BINS): build/unit/libnpu/%: build/obj/unit-libnpu/%.o $(UNIT_LIBNPU_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined -o $@ $^ $(UNIT_LIBNPU_LDLIBS)

ONNX_CONFORMANCE_BIN := build/unit/libnpu/onnx_conformance
ONNX_CONFORMANCE_KTAP := build/conformance/onnx.ktap

build/obj/unit-libnpu/onnx_conformance.o: tests/unit/onnx_conformance.c | $(LIBNPU_GEN_HDR)
	@mkdir -p $(@D)
	$(CC) $(UNIT_LIBNPU_CFLAGS) -c -o $@ $<

$(ONNX_CONFORMANCE_BIN): build/obj/unit-libnpu/onnx_conformance.o $(UNIT_LIBNPU_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined -o $@ $^ $(UNIT_LIBNPU_LDLIBS)

conformance-onnx: $(ONNX_CONFORMANCE_BIN)
	@mkdir -p $(dir $(ONNX_CONFORMANCE_KTAP))
	@{ $(ONNX_CONFORMANCE_BIN) $(CONFORMANCE_ARGS); echo $$? > $(ONNX_CONFORMANCE_KTAP).rc; } | \
		tee $(ONNX_CONFORMANCE_KTAP); \
	rc=$$(cat $(ONNX_CONFORMANCE_KTAP).rc); rm -f $(ONNX_CONFORMANCE_KTAP).rc; exit $$rc

# The host backend's tests, linked like test_libnpu (sources and the generated
# protobuf-c code compiled in, so the test hooks of host.c are reachable), in two builds: ASan/UBSan, and
# TSan for the worker threads (TSan cannot be combined with ASan).
UNIT_HOST_BASE_CFLAGS := $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(UNIT_LIBNPU_CFLAGS))
UNIT_HOST_SAN_asan := -fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_HOST_SAN_tsan := -fsanitize=thread
UNIT_HOST_KINDS := asan tsan
UNIT_HOST_BINS := $(foreach k,$(UNIT_HOST_KINDS),build/unit/host-$(k)/test_host)
UNIT_HOST_SRCS := tests/unit/test_host.c $(UNIT_LIBNPU_LIB_SRCS) $(UNIT_LIBNPU_FW_SRCS) \
	$(LIBNPU_GEN_SRC)
unit_host_objs = $(patsubst %.c,build/obj/unit-host-$(1)/%.o,$(notdir $(UNIT_HOST_SRCS)))

define UNIT_HOST_RULES
build/obj/unit-host-$(1)/%.o: tests/unit/%.c | $(LIBNPU_GEN_HDR)
	@mkdir -p $$(@D)
	$$(CC) $$(UNIT_HOST_BASE_CFLAGS) $$(UNIT_HOST_SAN_$(1)) -c -o $$@ $$<
build/obj/unit-host-$(1)/%.o: libnpu/src/%.c | $(LIBNPU_GEN_HDR)
	@mkdir -p $$(@D)
	$$(CC) $$(UNIT_HOST_BASE_CFLAGS) $$(UNIT_HOST_SAN_$(1)) -c -o $$@ $$<
build/obj/unit-host-$(1)/%.o: firmware/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(UNIT_HOST_BASE_CFLAGS) $$(UNIT_HOST_SAN_$(1)) -c -o $$@ $$<
# generated code: not -Werror (see libnpu/libnpu.mk)
build/obj/unit-host-$(1)/%.o: $(LIBNPU_GEN_DIR)/%.c $(LIBNPU_GEN_HDR)
	@mkdir -p $$(@D)
	$$(CC) $$(filter-out -Werror,$$(UNIT_HOST_BASE_CFLAGS)) $$(UNIT_HOST_SAN_$(1)) -c -o $$@ $$<
build/unit/host-$(1)/test_host: $(call unit_host_objs,$(1))
	@mkdir -p $$(@D)
	$$(CC) $$(UNIT_HOST_SAN_$(1)) -o $$@ $$^ $$(UNIT_LIBNPU_LDLIBS)
-include $(patsubst %.o,%.d,$(call unit_host_objs,$(1)))
endef
$(foreach k,$(UNIT_HOST_KINDS),$(eval $(call UNIT_HOST_RULES,$(k))))

# Each build's KTAP goes to build/results/unit-host-<kind>.ktap; both run
# even when the first fails.
.PHONY: unit-host
unit-host: $(UNIT_HOST_BINS)
	@mkdir -p build/results; rc=0; \
	for k in $(UNIT_HOST_KINDS); do \
		echo "  RUN     build/unit/host-$$k/test_host"; \
		{ build/unit/host-$$k/test_host 2>&1; echo $$? > build/results/unit-host-$$k.rc; } | \
			tee build/results/unit-host-$$k.ktap; \
		[ "$$(cat build/results/unit-host-$$k.rc)" = 0 ] || rc=1; \
		rm -f build/results/unit-host-$$k.rc; \
	done; \
	exit $$rc

# npu-run's .npy reader and writer (tools/npy.c) with ASan/UBSan, hostile
# files included (KTAP in build/results/unit-npy.ktap)
UNIT_NPY_BIN := build/unit/tools/test_npy

$(UNIT_NPY_BIN): tests/unit/test_npy.c tools/npy.c tools/npy.h
	@test -f $(KSELFTEST_DIR)/kselftest_harness.h || { \
		echo "unit-tools: $(KSELFTEST_DIR)/kselftest_harness.h is missing: run scripts/deps" >&2; \
		exit 1; }
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(UNIT_LIBNPU_CFLAGS)) -o $@ tests/unit/test_npy.c tools/npy.c

# npu-info and npu-run with --backend host, as KTAP; first the .npy test
.PHONY: unit-tools
unit-tools: $(LIBNPU_TOOLS) $(UNIT_NPY_BIN)
	@mkdir -p build/results
	@echo "  RUN     $(UNIT_NPY_BIN)"
	@{ $(UNIT_NPY_BIN) 2>&1; echo $$? > build/results/unit-npy.rc; } | \
		tee build/results/unit-npy.ktap
	@echo "  RUN     tests/unit/test_tools.sh"
	@{ tests/unit/test_tools.sh build/bin; echo $$? > build/results/unit-tools.rc; } | \
		tee build/results/unit-tools.ktap; \
	rc=$$(cat build/results/unit-tools.rc); rc2=$$(cat build/results/unit-npy.rc); \
	rm -f build/results/unit-tools.rc build/results/unit-npy.rc; \
	[ "$$rc" = 0 ] && [ "$$rc2" = 0 ]

# The harness exits non-zero when a test fails; keep that exit status
# through the tee (no pipefail in /bin/sh). Every test runs even when an
# earlier one fails. With libnpu/libnpu.mk included, the shared library's
# ABI check (check-libnpu-abi) runs too, then the host backend's tests and
# the tools' test.
unit-libnpu: $(UNIT_LIBNPU_BINS) $(ONNX_CONFORMANCE_BIN) $(LIBNPU_SO) \
		$(UNIT_HOST_BINS) $(LIBNPU_TOOLS)
	@mkdir -p build/results; rc=0; \
	for t in $(UNIT_LIBNPU_TESTS) onnx-conformance onnx-conformance-host; do \
		k=build/results/unit-$$t.ktap; \
		if [ $$t = onnx-conformance ]; then \
			{ $(ONNX_CONFORMANCE_BIN) -g 2>&1; echo $$? > $$k.rc; } | tee $$k; \
		elif [ $$t = onnx-conformance-host ]; then \
			{ $(ONNX_CONFORMANCE_BIN) -g -D host 2>&1; echo $$? > $$k.rc; } | tee $$k; \
		else \
			{ build/unit/libnpu/test_$$t 2>&1; echo $$? > $$k.rc; } | tee $$k; \
		fi; \
		[ "$$(cat $$k.rc)" = 0 ] || rc=1; rm -f $$k.rc; \
	done; \
	$(if $(LIBNPU_ABI_CHECK),( $(LIBNPU_ABI_CHECK) ) || rc=1;) \
	$(MAKE) --no-print-directory unit-host || rc=1; \
	$(MAKE) --no-print-directory unit-tools || rc=1; \
	exit $$rc

-include $(UNIT_LIBNPU_LIB_OBJS:.o=.d) $(UNIT_LIBNPU_TEST_OBJS:.o=.d) \
	build/obj/unit-libnpu/onnx_conformance.d

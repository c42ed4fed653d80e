# SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
#
# tests/unit/libnpu-unit.mk - host unit tests of libnpu (no kernel needed).
#
#   make unit-libnpu     build with ASan/UBSan and run; KTAP goes to stdout
#                        and to build/results/unit-libnpu.ktap (and the
#                        ABI check's to build/results/libnpu-abi.ktap); then
#                        the host backend's tests (test_host.c) with
#                        ASan/UBSan and with TSan (unit-host-asan.ktap,
#                        unit-host-tsan.ktap), and npu-info and npu-run on
#                        the host backend (unit-tools.ktap)
#   make unit-host       only the host backend's two builds
#   make unit-tools      only the tools' test (tests/unit/test_tools.sh)
#
# The test links libnpu's sources and the firmware library directly (built
# here with the sanitizers), so it can reach libnpu's private backend
# interface. The kselftest harness comes from scripts/deps
# (build/kselftest/); set KSELFTEST_DIR to use another copy.

ifndef FW_SRCS
include firmware/firmware.mk
endif

KSELFTEST_DIR ?= build/kselftest

UNIT_LIBNPU_BIN := build/unit/libnpu/test_libnpu
UNIT_LIBNPU_KTAP := build/results/unit-libnpu.ktap
UNIT_LIBNPU_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O1 -g \
	-fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all $(FW_CFLAGS) -D_GNU_SOURCE \
	-Iuapi -Ilibnpu/include -Ilibnpu/src -I$(KSELFTEST_DIR) \
	$(shell pkg-config --cflags libdrm) -MMD -MP
UNIT_LIBNPU_LDLIBS := $(shell pkg-config --libs libdrm) -lpthread -lm

UNIT_LIBNPU_LIB_SRCS := $(wildcard libnpu/src/*.c)
UNIT_LIBNPU_FW_SRCS := $(FW_SRCS)
UNIT_LIBNPU_OBJS := build/obj/unit-libnpu/test_libnpu.o \
	$(patsubst libnpu/src/%.c,build/obj/unit-libnpu/lib/%.o,$(UNIT_LIBNPU_LIB_SRCS)) \
	$(patsubst firmware/%.c,build/obj/unit-libnpu/fw/%.o,$(UNIT_LIBNPU_FW_SRCS))

.PHONY: unit-libnpu

build/obj/unit-libnpu/test_libnpu.o: tests/unit/test_libnpu.c
	@test -f $(KSELFTEST_DIR)/kselftest_harness.h || { \
		echo "unit-libnpu: $(KSELFTEST_DIR)/kselftest_harness.h is missing: run scripts/deps" >&2; \
		exit 1; }
	@mkdir -p $(@D)
	$(CC) $(UNIT_LIBNPU_CFLAGS) -c -o $@ $<

$(filter build/obj/unit-libnpu/lib/%,$(UNIT_LIBNPU_OBJS)): build/obj/unit-libnpu/lib/%.o: libnpu/src/%.c
	@mkdir -p $(@D)
	$(CC) $(UNIT_LIBNPU_CFLAGS) -c -o $@ $<

$(filter build/obj/unit-libnpu/fw/%,$(UNIT_LIBNPU_OBJS)): build/obj/unit-libnpu/fw/%.o: firmware/%.c
	@mkdir -p $(@D)
	$(CC) $(UNIT_LIBNPU_CFLAGS) -c -o $@ $<

$(UNIT_LIBNPU_BIN): $(UNIT_LIBNPU_OBJS)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined -o $@ $^ $(UNIT_LIBNPU_LDLIBS)

# The host backend's tests, linked like test_libnpu (sources compiled in, so
# the test hooks of host.c are reachable), in two builds: ASan/UBSan, and
# TSan for the worker threads (TSan cannot be combined with ASan).
UNIT_HOST_BASE_CFLAGS := $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(UNIT_LIBNPU_CFLAGS))
UNIT_HOST_SAN_asan := -fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_HOST_SAN_tsan := -fsanitize=thread
UNIT_HOST_KINDS := asan tsan
UNIT_HOST_BINS := $(foreach k,$(UNIT_HOST_KINDS),build/unit/host-$(k)/test_host)
UNIT_HOST_SRCS := tests/unit/test_host.c $(UNIT_LIBNPU_LIB_SRCS) $(UNIT_LIBNPU_FW_SRCS)
unit_host_objs = $(patsubst %.c,build/obj/unit-host-$(1)/%.o,$(notdir $(UNIT_HOST_SRCS)))

define UNIT_HOST_RULES
build/obj/unit-host-$(1)/%.o: tests/unit/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(UNIT_HOST_BASE_CFLAGS) $$(UNIT_HOST_SAN_$(1)) -c -o $$@ $$<
build/obj/unit-host-$(1)/%.o: libnpu/src/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(UNIT_HOST_BASE_CFLAGS) $$(UNIT_HOST_SAN_$(1)) -c -o $$@ $$<
build/obj/unit-host-$(1)/%.o: firmware/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(UNIT_HOST_BASE_CFLAGS) $$(UNIT_HOST_SAN_$(1)) -c -o $$@ $$<
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

# The harness exits non-zero when a test fails; keep that exit status
# through the tee (no pipefail in /bin/sh). With libnpu/libnpu.mk included,
# the shared library's ABI check (check-libnpu-abi) runs too.
# npu-info and npu-run with --backend host, as KTAP
.PHONY: unit-tools
unit-tools: $(LIBNPU_TOOLS)
	@mkdir -p build/results
	@echo "  RUN     tests/unit/test_tools.sh"
	@{ tests/unit/test_tools.sh build/bin; echo $$? > build/results/unit-tools.rc; } | \
		tee build/results/unit-tools.ktap; \
	rc=$$(cat build/results/unit-tools.rc); rm -f build/results/unit-tools.rc; \
	exit $$rc

unit-libnpu: $(UNIT_LIBNPU_BIN) $(LIBNPU_SO) $(UNIT_HOST_BINS) $(LIBNPU_TOOLS)
	@mkdir -p $(dir $(UNIT_LIBNPU_KTAP))
	@{ $(UNIT_LIBNPU_BIN) 2>&1; echo $$? > $(UNIT_LIBNPU_KTAP).rc; } | tee $(UNIT_LIBNPU_KTAP); \
	rc=$$(cat $(UNIT_LIBNPU_KTAP).rc); rm -f $(UNIT_LIBNPU_KTAP).rc; \
	$(if $(LIBNPU_ABI_CHECK),( $(LIBNPU_ABI_CHECK) ) || rc=1;) \
	$(MAKE) --no-print-directory unit-host || rc=1; \
	$(MAKE) --no-print-directory unit-tools || rc=1; \
	exit $$rc

-include $(UNIT_LIBNPU_OBJS:.o=.d)

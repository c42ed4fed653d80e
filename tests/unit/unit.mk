# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# tests/unit/unit.mk - host unit tests of the firmware library (validator,
# interpreter, operators). Included by the top-level Makefile, or alone from
# the repository root:
#
#   make -f tests/unit/unit.mk unit-test
#
# Each test (tests/unit/test_<name>.c, linked with FW_SRCS) is built with
# ASan/UBSan into build/unit/test_<name> and run; its KTAP output goes to
# stdout and to build/results/unit-<name>.ktap, sanitizer reports and test
# logs to stderr. The target fails when any test fails (all of them run).
# The kselftest harness comes from scripts/deps (build/kselftest/); when it
# is missing, unit-kselftest-headers extracts it from linux-source-6.12.

ifndef FW_SRCS
include firmware/firmware.mk
endif

KSELFTEST_DIR ?= build/kselftest
UNIT_LINUX_SRC ?= /usr/src/linux-source-6.12.tar.xz

UNIT_TESTS := validate ops onnx_ops packed
UNIT_BINS := $(addprefix build/unit/test_,$(UNIT_TESTS))
# -isystem: the harness's own macros trip -Wextra; ours must not
UNIT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O1 \
	-fsanitize=address,undefined -fsanitize=float-cast-overflow \
	-fno-sanitize-recover=all $(FW_CFLAGS) -isystem $(KSELFTEST_DIR)

.PHONY: unit-test unit-build unit-clean unit-kselftest-headers

unit-build: $(UNIT_BINS)

$(UNIT_BINS): build/unit/test_%: tests/unit/test_%.c tests/unit/cmdbuild.h \
		$(FW_SRCS) $(FW_HDRS) | unit-kselftest-headers
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(FW_SRCS) -lm

unit-kselftest-headers:
	@if [ ! -f $(KSELFTEST_DIR)/kselftest_harness.h ] || \
	    [ ! -f $(KSELFTEST_DIR)/kselftest.h ]; then \
		echo "  EXTRACT $(KSELFTEST_DIR)/kselftest{,_harness}.h"; \
		mkdir -p $(KSELFTEST_DIR) && \
		tar -xJf $(UNIT_LINUX_SRC) -C $(KSELFTEST_DIR) --strip-components=4 \
			linux-source-6.12/tools/testing/selftests/kselftest_harness.h \
			linux-source-6.12/tools/testing/selftests/kselftest.h; \
	fi

unit-test: SHELL := /bin/bash
unit-test: $(UNIT_BINS)
	@mkdir -p build/results; \
	set -o pipefail; rc=0; \
	for t in $(UNIT_TESTS); do \
		echo "  RUN     build/unit/test_$$t"; \
		./build/unit/test_$$t | tee build/results/unit-$$t.ktap || rc=1; \
	done; \
	if [ $$rc -ne 0 ]; then echo "unit-test: FAILED" >&2; fi; \
	exit $$rc

unit-clean:
	rm -rf $(UNIT_BINS) $(addprefix build/results/unit-,$(addsuffix .ktap,$(UNIT_TESTS)))

# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# tests/kern/kern.mk - the compute kernels' host test and benchmark.
# Included by the top-level Makefile, or alone from the repository root:
#
#   make -f tests/kern/kern.mk kern-test    # ASan/UBSan, every ISA level
#   make -f tests/kern/kern.mk kern-bench   # GFLOP/s per level and layer
#
# kern-test builds build/kern/kern_test (KTAP to stdout and to
# build/results/unit-kern.ktap). kern-bench builds build/kern/kern_bench
# (-O2, pthreads) and runs it with $(KERN_BENCH_ARGS); see --help.

ifndef FW_CFLAGS
include firmware/firmware.mk
endif
ifndef KERN_SRCS
include firmware/kern.mk
endif
ifndef UNIT_TESTS
include tests/unit/unit.mk
endif

KSELFTEST_DIR ?= build/kselftest
KERN_WARN := -std=gnu11 -Wall -Wextra -Werror
KERN_TEST_CFLAGS := $(KERN_WARN) -g -O1 -fsanitize=address,undefined \
	-fsanitize=float-cast-overflow -fno-sanitize-recover=all $(FW_CFLAGS)
KERN_BENCH_CFLAGS := $(KERN_WARN) -g -O2 $(FW_CFLAGS)
KERN_BENCH_ARGS ?=

KERN_NAMES := $(notdir $(basename $(KERN_SRCS)))
KERN_TEST_OBJS := $(addprefix build/kern/test/,$(addsuffix .o,$(KERN_NAMES)))
KERN_BENCH_OBJS := $(addprefix build/kern/bench/,$(addsuffix .o,$(KERN_NAMES)))

.PHONY: kern-test kern-bench kern-build kern-clean

kern-build: build/kern/kern_test build/kern/kern_bench

build/kern/test/%.o: firmware/%.c $(KERN_HDRS) firmware/kern.mk
	@mkdir -p $(@D)
	$(CC) $(KERN_TEST_CFLAGS) $(KERN_CFLAGS) $(KERN_ISA_CFLAGS_$*) -c -o $@ $<

build/kern/bench/%.o: firmware/%.c $(KERN_HDRS) firmware/kern.mk
	@mkdir -p $(@D)
	$(CC) $(KERN_BENCH_CFLAGS) $(KERN_CFLAGS) $(KERN_ISA_CFLAGS_$*) -c -o $@ $<

build/kern/kern_test: tests/kern/kern_test.c $(KERN_TEST_OBJS) $(KERN_HDRS) | unit-kselftest-headers
	$(CC) $(KERN_TEST_CFLAGS) -Ifirmware -isystem $(KSELFTEST_DIR) -o $@ $< \
		$(KERN_TEST_OBJS) -lm

build/kern/kern_bench: tests/kern/kern_bench.c $(KERN_BENCH_OBJS) $(KERN_HDRS)
	$(CC) $(KERN_BENCH_CFLAGS) -Ifirmware -o $@ $< $(KERN_BENCH_OBJS) -lm -lpthread -ldl

kern-test: SHELL := /bin/bash
kern-test: build/kern/kern_test
	@mkdir -p build/results
	set -o pipefail; ./build/kern/kern_test | tee build/results/unit-kern.ktap

kern-bench: build/kern/kern_bench
	./build/kern/kern_bench $(KERN_BENCH_ARGS)

kern-clean:
	rm -rf build/kern build/results/unit-kern.ktap

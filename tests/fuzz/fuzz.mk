# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# tests/fuzz/fuzz.mk - libFuzzer fuzzing of the command-stream validator and
# interpreter (tests/fuzz/host/). Included by the top-level Makefile, or
# alone from the repository root:
#
#   make -f tests/fuzz/fuzz.mk fuzz-smoke   every committed input once (a few
#                                           seconds; part of make check)
#   make -f tests/fuzz/fuzz.mk fuzz         fuzz for FUZZ_SECONDS (default 60)
#   make -f tests/fuzz/fuzz.mk fuzz-seeds   regenerate the committed seeds
#
# Needs clang with its runtime (Debian: clang, libclang-rt-14-dev).
#
# fuzz-smoke runs build/fuzz/fuzz_validate on each file of
# tests/fuzz/corpus/validate/ (the seeds from mkseeds, and regression
# inputs of past crashes, which must stay fixed), checks that every seed is
# still accepted by the validator, and that the committed seeds are what
# mkseeds generates now. fuzz copies the corpus to
# build/fuzz/corpus/validate/ (new inputs stay there, never in the repo) and
# fuzzes with one worker; a crash, leak or timeout fails the target and
# leaves the reproducer in build/fuzz/artifacts/ (reproduce: run the fuzzer
# on that file; minimize: add -minimize_crash=1 -runs=10000). Both write
# one KTAP line to $(FUZZ_KTAP).
#
#   make -f tests/fuzz/fuzz.mk fuzz-onnx    fuzz libnpu's ONNX loader
#                                           (tests/fuzz/host/fuzz_onnx.c) for
#                                           FUZZ_SECONDS, seeded with the models
#                                           of Debian's libonnx-testdata
#
# fuzz-onnx keeps its corpus in build/fuzz/corpus/onnx/ and writes one KTAP
# line to build/results/fuzz-onnx.ktap; it is not part of make check (the
# unit stage already runs every libonnx-testdata model through the loader
# under ASan/UBSan).

ifndef FW_SRCS
include firmware/firmware.mk
endif

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 4096
# extra libFuzzer flags, e.g. FUZZ_FLAGS=-runs=10000000
FUZZ_FLAGS ?=
FUZZ_KTAP ?= build/results/fuzz-validate.ktap

FUZZ_DIR := build/fuzz
FUZZ_BIN := $(FUZZ_DIR)/fuzz_validate
FUZZ_MKSEEDS := $(FUZZ_DIR)/mkseeds
FUZZ_SEEDS := tests/fuzz/corpus/validate
FUZZ_HOST := tests/fuzz/host
FUZZ_HDRS := $(FUZZ_HOST)/fuzz_input.h $(FUZZ_HOST)/fuzz_oracle.h $(FW_HDRS)

# -fvect-cost-model is GCC-only (clang would warn, and -Werror stops it).
FUZZ_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O2 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	$(filter-out -fvect-cost-model=%,$(FW_CFLAGS))
FUZZ_FW_OBJS := $(patsubst firmware/%.c,$(FUZZ_DIR)/obj/%.o,$(FW_SRCS))
FUZZ_OBJS := $(FUZZ_DIR)/obj/fuzz_validate.o $(FUZZ_DIR)/obj/fuzz_oracle.o \
	$(FUZZ_DIR)/obj/fuzz_mutate.o

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-seeds fuzz-clean fuzz-onnx

fuzz-build: $(FUZZ_BIN) $(FUZZ_MKSEEDS)

$(FUZZ_DIR)/obj/%.o: firmware/%.c $(FW_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
		$(FUZZ_CFLAGS_$*) -c -o $@ $<

# The operators' inner loops compare loop counters billions of times: tracing
# those comparisons (for libFuzzer's value profile) cost about a quarter of
# the time and guides nothing, so the interpreter keeps edge coverage only.
FUZZ_CFLAGS_npu_fw_ops := -fno-sanitize-coverage=trace-cmp

$(FUZZ_DIR)/obj/%.o: $(FUZZ_HOST)/%.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BIN): $(FUZZ_OBJS) $(FUZZ_FW_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ -lm

# the seed generator: plain ASan/UBSan, links the firmware for the check
$(FUZZ_MKSEEDS): $(FUZZ_HOST)/mkseeds.c tests/unit/cmdbuild.h $(FUZZ_HDRS) $(FW_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FW_SRCS) -lm

fuzz-seeds: $(FUZZ_MKSEEDS)
	rm -f $(FUZZ_SEEDS)/seed-*
	@mkdir -p $(FUZZ_SEEDS)
	$(FUZZ_MKSEEDS) $(FUZZ_SEEDS)

# Every committed input once; every seed must be accepted; the committed
# seeds must equal mkseeds' output.
fuzz-smoke: SHELL := /bin/bash
fuzz-smoke: $(FUZZ_BIN) $(FUZZ_MKSEEDS)
	@mkdir -p $(dir $(FUZZ_KTAP)) $(FUZZ_DIR)/seeds-now; \
	rm -f $(FUZZ_DIR)/seeds-now/*; log=$(FUZZ_DIR)/smoke.log; \
	seeds=$$(ls $(FUZZ_SEEDS)/seed-* | wc -l); all=$$(ls $(FUZZ_SEEDS)/* | wc -l); \
	why=; \
	if ! NPU_FUZZ_VERBOSE=1 $(FUZZ_BIN) $(FUZZ_SEEDS)/* >$$log 2>&1; then \
		why="crash (see $$log)"; \
	elif [ "$$(grep -c '^npu-fuzz: ' $$log)" != "$$all" ]; then \
		why="ran $$(grep -c '^npu-fuzz: ' $$log) of $$all inputs"; \
	elif [ "$$(grep -A1 '^Running: .*/seed-' $$log | grep -c '^npu-fuzz: accept')" != "$$seeds" ]; then \
		why="a seed is no longer accepted (see $$log)"; \
	elif ! $(FUZZ_MKSEEDS) $(FUZZ_DIR)/seeds-now >/dev/null || \
	     ! diff -r -x 'regress-*' $(FUZZ_DIR)/seeds-now $(FUZZ_SEEDS) >/dev/null; then \
		why="committed seeds differ from mkseeds output (make fuzz-seeds)"; \
	fi; \
	if [ -z "$$why" ]; then \
		echo "ok 1 fuzz-validate smoke: $$all inputs ($$seeds seeds accepted)" | tee $(FUZZ_KTAP); \
	else \
		tail -n 40 $$log; \
		echo "not ok 1 fuzz-validate smoke: $$why" | tee $(FUZZ_KTAP); exit 1; \
	fi

# Fuzz for FUZZ_SECONDS with one worker; any crash fails.
fuzz: SHELL := /bin/bash
fuzz: $(FUZZ_BIN)
	@mkdir -p $(dir $(FUZZ_KTAP)) $(FUZZ_DIR)/corpus/validate $(FUZZ_DIR)/artifacts; \
	cp -n $(FUZZ_SEEDS)/* $(FUZZ_DIR)/corpus/validate/; \
	log=$(FUZZ_DIR)/fuzz.log; \
	echo "  FUZZ    $(FUZZ_BIN) for $(FUZZ_SECONDS) s, log $$log"; \
	if $(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
		-timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/artifacts/ $(FUZZ_FLAGS) \
		$(FUZZ_DIR)/corpus/validate >$$log 2>&1; then \
		stats=$$(grep -E '^fuzz_validate: [0-9]+ inputs' $$log | tail -n 1 | \
			sed -E 's/^fuzz_validate: ([0-9]+) inputs, [0-9]+ accepted \(([0-9.]+%)\).*/\1 inputs, \2 accepted/'); \
		cov=$$(grep -E '^#[0-9]+' $$log | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+'); \
		echo "ok 1 fuzz-validate $(FUZZ_SECONDS) s: $$stats, $$cov" | tee $(FUZZ_KTAP); \
	else \
		tail -n 60 $$log; \
		echo "not ok 1 fuzz-validate: crash, reproducer in $(FUZZ_DIR)/artifacts/ (log $$log)" | tee $(FUZZ_KTAP); \
		exit 1; \
	fi

# The ONNX loader target: libnpu's loader sources, the generated protobuf-c
# code (built by libnpu/libnpu.mk) and the firmware library.
ifndef LIBNPU_GEN_DIR
include libnpu/libnpu.mk
endif
FUZZ_ONNX_BIN := $(FUZZ_DIR)/fuzz_onnx
FUZZ_ONNX_KTAP := build/results/fuzz-onnx.ktap
FUZZ_ONNX_SEEDS ?= /usr/share/libonnx-testdata/data/node
FUZZ_ONNX_LIB := graph onnx infer opt lower util
FUZZ_ONNX_OBJS := $(FUZZ_DIR)/obj/onnx/fuzz_onnx.o \
	$(patsubst %,$(FUZZ_DIR)/obj/onnx/%.o,$(FUZZ_ONNX_LIB)) \
	$(FUZZ_DIR)/obj/onnx/onnx.pb-c.o
FUZZ_ONNX_CFLAGS := $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -D_GNU_SOURCE \
	-Iuapi -Ilibnpu/include -Ilibnpu/src -Itests/unit -I$(LIBNPU_GEN_DIR) \
	$(LIBNPU_PBC_CFLAGS) $(LIBNPU_DRM_CFLAGS)

$(FUZZ_DIR)/obj/onnx/fuzz_onnx.o: $(FUZZ_HOST)/fuzz_onnx.c tests/unit/onnx_exec.h | $(LIBNPU_GEN_HDR)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_ONNX_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/obj/onnx/%.o: libnpu/src/%.c libnpu/src/npu_graph.h | $(LIBNPU_GEN_HDR)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_ONNX_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/obj/onnx/onnx.pb-c.o: $(LIBNPU_GEN_SRC) $(LIBNPU_GEN_HDR)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(filter-out -Werror,$(FUZZ_ONNX_CFLAGS)) -c -o $@ $<

$(FUZZ_ONNX_BIN): $(FUZZ_ONNX_OBJS) $(FUZZ_FW_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBNPU_PBC_LIBS) -lm

fuzz-onnx: SHELL := /bin/bash
fuzz-onnx: $(FUZZ_ONNX_BIN)
	@mkdir -p $(dir $(FUZZ_ONNX_KTAP)) $(FUZZ_DIR)/corpus/onnx $(FUZZ_DIR)/artifacts; \
	if [ -d $(FUZZ_ONNX_SEEDS) ]; then \
		for f in $(FUZZ_ONNX_SEEDS)/*/model.onnx; do \
			d=$${f%/model.onnx}; cp -n $$f $(FUZZ_DIR)/corpus/onnx/$${d##*/}.onnx; \
		done; \
	fi; \
	log=$(FUZZ_DIR)/fuzz-onnx.log; \
	echo "  FUZZ    $(FUZZ_ONNX_BIN) for $(FUZZ_SECONDS) s, log $$log"; \
	if ASAN_OPTIONS=allocator_may_return_null=1 $(FUZZ_ONNX_BIN) \
		-max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=25 \
		-rss_limit_mb=3072 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/artifacts/ $(FUZZ_FLAGS) \
		$(FUZZ_DIR)/corpus/onnx >$$log 2>&1; then \
		cov=$$(grep -E '^#[0-9]+' $$log | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+'); \
		echo "ok 1 fuzz-onnx $(FUZZ_SECONDS) s: $$cov" | tee $(FUZZ_ONNX_KTAP); \
	else \
		tail -n 60 $$log; \
		echo "not ok 1 fuzz-onnx: crash, reproducer in $(FUZZ_DIR)/artifacts/ (log $$log)" | tee $(FUZZ_ONNX_KTAP); \
		exit 1; \
	fi

# only this fragment's files: build/fuzz/ also holds the guest fuzzer's
fuzz-clean:
	rm -rf $(FUZZ_BIN) $(FUZZ_MKSEEDS) $(FUZZ_DIR)/obj $(FUZZ_DIR)/corpus \
		$(FUZZ_DIR)/artifacts $(FUZZ_DIR)/seeds-now $(FUZZ_DIR)/smoke.log \
		$(FUZZ_DIR)/fuzz.log $(FUZZ_KTAP) $(FUZZ_ONNX_BIN) \
		$(FUZZ_DIR)/fuzz-onnx.log $(FUZZ_ONNX_KTAP)

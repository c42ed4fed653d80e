# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# tests/fuzz/guest/guest.mk - the guest syscall fuzzer for npu.ko and its
# reproducers. Included by the top-level Makefile, or alone from the
# repository root:
#
#   make -f tests/fuzz/guest/guest.mk fuzz-guest-build
#   make -f tests/fuzz/guest/guest.mk fuzz-guest FUZZ_ARGS='--seed 1 --ops 200000 --procs 4'
#
# fuzz-guest-build  build/fuzz/npu-fuzz and build/fuzz/repro-* (host binaries;
#                   the VM runs them from the read-only host root)
# fuzz-guest        boot the test VM (tests/vm/run) with build/kernel/npu.ko
#                   and run tests/fuzz/guest/run.sh $(FUZZ_ARGS) in it;
#                   KTAP in $(FUZZ_OUT)/fuzz-guest.ktap
#
# npu-fuzz links the command-stream validator (firmware/npu_fw_validate.c),
# the code the kernel runs, to predict SUBMIT's result exactly.

ifndef FW_SRCS
include firmware/firmware.mk
endif

FUZZ_GUEST_DIR     := tests/fuzz/guest
FUZZ_GUEST_BIN     := build/fuzz/npu-fuzz
FUZZ_GUEST_REPROS  := $(patsubst $(FUZZ_GUEST_DIR)/%.c,build/fuzz/%,\
			$(wildcard $(FUZZ_GUEST_DIR)/repro-*.c))
FUZZ_GUEST_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror $(FW_CFLAGS)
FUZZ_GUEST_CPPFLAGS := -D_GNU_SOURCE -Iuapi -I/usr/include/libdrm -Ifirmware
FUZZ_GUEST_HDRS    := uapi/drm/npu_accel.h uapi/linux/npu_cmd.h $(FW_HDRS)

FUZZ_ARGS    ?= --seed 1 --ops 20000 --procs 4
FUZZ_OUT     ?= build/fuzz/vmout
FUZZ_TIMEOUT ?= 1800
FUZZ_VM_ARGS ?=

.PHONY: fuzz-guest-build fuzz-guest fuzz-guest-clean

fuzz-guest-build: $(FUZZ_GUEST_BIN) $(FUZZ_GUEST_REPROS)

$(FUZZ_GUEST_BIN): $(FUZZ_GUEST_DIR)/npu-fuzz.c firmware/npu_fw_validate.c $(FUZZ_GUEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_GUEST_CPPFLAGS) $(FUZZ_GUEST_CFLAGS) -o $@ $< firmware/npu_fw_validate.c \
		-pthread

build/fuzz/repro-%: $(FUZZ_GUEST_DIR)/repro-%.c $(FUZZ_GUEST_DIR)/repro.h $(FUZZ_GUEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_GUEST_CPPFLAGS) $(FUZZ_GUEST_CFLAGS) -o $@ $< -pthread

fuzz-guest: fuzz-guest-build
	tests/vm/run --timeout $(FUZZ_TIMEOUT) --out $(FUZZ_OUT) $(FUZZ_VM_ARGS) -- \
		$(FUZZ_GUEST_DIR)/run.sh $(FUZZ_ARGS)

fuzz-guest-clean:
	rm -f $(FUZZ_GUEST_BIN) $(FUZZ_GUEST_REPROS)

# tests/vm/debug.mk - the debug-kernel lane; included by the top-level
# Makefile (-include tests/vm/debug.mk).  See README.md, "Debug kernel lane".
#
#   make debug-kernel   build Debian's linux-source-6.12 with KASAN, lockdep
#                       (PROVE_LOCKING), debugobjects, kmemleak, failslab /
#                       fail_page_alloc, KCOV, UBSAN (tests/vm/debug.config on
#                       top of x86_64_defconfig) into build/debug-kernel/KEY/
#                       (scripts/debug-kernel; cached by source version +
#                       config hash: a second call returns at once).  A fresh
#                       build takes about 1 h on 2 cores.
#   make debug-module   npu.ko built against that kernel, from a copy of
#                       kernel/, uapi/, firmware/ in build/debug-kernel/npu-src/
#                       (6.12's Kbuild builds in place; the copy keeps the
#                       objects of the normal build apart), with -g so splats
#                       can be decoded: scripts/faddr2line
#                       build/debug-kernel/npu.ko 'func+0x12/0x40' (run from
#                       build/debug-kernel/src-VER/).  -> build/debug-kernel/npu.ko
#   make check-debug    debug-kernel + debug-module + selftests + the failslab
#                       loop, then tests/vm/check-debug: the kselftests and the
#                       failslab lane (tests/vm/failslab.sh) in the VM on the
#                       debug kernel (tests/vm/run --debug, which also fails on
#                       kmemleak reports and lockdep switching off).  Results:
#                       build/results-debug/ (KTAP), last line "N passed,
#                       N failed, N skipped".
#
# On this project's 2-CPU machine: kernel build ~1 h (once), check-debug run
# (both lanes) see README.md for the measured times.
# Any run on the debug kernel by hand:  tests/vm/run --debug --module
# build/debug-kernel/npu.ko -- CMD   (or make vm-shell VM_ARGS=--debug ...).

DEBUG_KERNEL_SCRIPT := scripts/debug-kernel
DEBUG_DIR           := build/debug-kernel
DEBUG_NPU_SRC       := $(DEBUG_DIR)/npu-src
DEBUG_NPU_KO        := $(DEBUG_DIR)/npu.ko
DEBUG_FAILSLAB_LOOP := $(DEBUG_DIR)/bin/failslab-loop

# Do not become the default goal when included before the first rule.
debug_saved_goal := $(.DEFAULT_GOAL)

.PHONY: debug-kernel debug-module check-debug

debug-kernel:
	$(DEBUG_KERNEL_SCRIPT)

# The copy keeps mtimes (tar), so an unchanged source is not rebuilt; build
# products of the normal in-place build are left out.
debug-module: debug-kernel
	@mkdir -p $(DEBUG_NPU_SRC)
	tar -c --exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='.*.cmd' --exclude='*.a' --exclude=modules.order \
		--exclude=Module.symvers kernel uapi firmware | tar -x -C $(DEBUG_NPU_SRC)
	$(MAKE) -C "$$($(DEBUG_KERNEL_SCRIPT) --kdir)" M=$(CURDIR)/$(DEBUG_NPU_SRC)/kernel \
		CONFIG_DRM_ACCEL_NPU=m W=1 KCFLAGS=-g modules
	cp $(DEBUG_NPU_SRC)/kernel/npu.ko $(DEBUG_NPU_KO)

$(DEBUG_FAILSLAB_LOOP): tests/vm/failslab-loop.c uapi/drm/npu_accel.h uapi/linux/npu_cmd.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iuapi -I/usr/include/libdrm \
		-o $@ $<

check-debug: debug-module selftests $(DEBUG_FAILSLAB_LOOP)
	tests/vm/check-debug

.DEFAULT_GOAL := $(debug_saved_goal)

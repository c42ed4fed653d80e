# SPDX-License-Identifier: GPL-2.0-only
#
# npu top-level build. Main entry points (see README.md):
#   make demo    install deps, build, boot the test VM, run a demo job
#   make check   install deps, build, run every test (host + VM), print
#                "N passed, N failed, N skipped"
# Other targets: all, module, libnpu, tools, lint, unit, selftests,
# vm-test, vm-shell, fuzz, fuzz-guest, debug-kernel, check-debug,
# models, ort-ref, install, clean, help.

SHELL := /bin/bash
.DEFAULT_GOAL := all

KVER ?= $(shell cat build/kver 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build

-include firmware/firmware.mk
-include libnpu/libnpu.mk
-include tests/unit/unit.mk
-include tests/unit/libnpu-unit.mk
-include tests/vm/vm.mk
-include tests/fuzz/fuzz.mk
-include tests/kern/kern.mk
-include tests/vm/debug.mk
-include tests/fuzz/guest/guest.mk
-include tests/models/models.mk

.PHONY: all deps module lint checkpatch sparse compat unit selftests vm-test check \
	demo install clean help

all: module libnpu tools selftests

deps:
	scripts/deps

build/kver:
	scripts/deps

# The kernel module, built out of tree against Debian's headers in place
# (Kbuild in 6.12 cannot put objects elsewhere); copied to build/kernel/.
module: build/kver
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel CONFIG_DRM_ACCEL_NPU=m W=1 modules
	@mkdir -p build/kernel
	cp kernel/npu.ko build/kernel/npu.ko

KERNEL_SRCS := $(filter-out %.mod.c,$(wildcard kernel/*.c kernel/*.h firmware/*.c firmware/*.h))
UAPI_HDRS := $(wildcard uapi/*/*.h)
CHECKPATCH := perl build/checkpatch.pl --no-tree --strict --terse --show-types

checkpatch: build/kver
	$(CHECKPATCH) -f $(KERNEL_SRCS)
	$(CHECKPATCH) -f $(UAPI_HDRS)

# sparse on every kernel object (C=2 re-checks even up-to-date objects).
sparse: build/kver
	set -o pipefail; $(MAKE) -C $(KDIR) M=$(CURDIR)/kernel CONFIG_DRM_ACCEL_NPU=m C=2 \
		modules 2>&1 | tee build/sparse.log
	@! grep -E '^$(CURDIR)/.*: (warning|error):' build/sparse.log

lint: checkpatch sparse

# Build the module against every installed 6.12 header set, in a scratch
# copy, to prove both sides of kernel/compat.h compile (the headers present
# decide which; `apt-get install linux-headers-6.12.107+deb12-amd64` adds
# one without drm_sched_init_args).
compat:
	@set -e; for k in /lib/modules/6.12.*/build; do \
		d=$$(mktemp -d); cp -r kernel uapi firmware $$d/; \
		ln -sfn ../firmware $$d/kernel/fw; \
		find $$d -name '*.o' -delete; \
		echo "== $$k"; \
		$(MAKE) -s -C $$k M=$$d/kernel CONFIG_DRM_ACCEL_NPU=m W=1 modules; \
		grep -o 'NPU_HAVE_[A-Z_]*' $$d/kernel/.npu_sched.o.cmd | sort -u | tr '\n' ' '; \
		echo; rm -rf $$d; \
	done

unit: unit-test unit-libnpu kern-test

selftests: build/kver
	$(MAKE) -C tests/selftests

# All kselftests inside the VM on Debian's kernel with npu.ko loaded.
vm-test: module selftests
	$(VM_RUN) -- tests/selftests/run.sh

# The README's test command: every stage runs, failures are counted, and
# the last line is the summary.
check: build/kver
	scripts/check

# The README's main command: dependencies, build, then a demo job in the VM.
demo:
	scripts/deps
	$(MAKE) all
	$(VM_RUN) -- sh -c 'build/bin/npu-info && build/bin/npu-run'

install: all install-libnpu
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel CONFIG_DRM_ACCEL_NPU=m modules_install

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean
	-$(MAKE) fuzz-clean
	rm -rf build/obj build/gen build/lib build/bin build/unit build/kern build/selftests \
		build/results build/kernel build/sparse.log

help:
	@sed -n '3,9p' Makefile | sed 's/^# \{0,1\}//'

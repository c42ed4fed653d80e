#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# ONNX models through the kernel driver (KTAP on stdout). Runs inside the
# test VM (NPU_VM=1): libnpu's loader compiles every node test of Debian's
# libonnx-testdata and the supported ones run on /dev/accel/accel0, where
# the kernel validates and executes each job; outputs are compared with
# the expected data (tests/unit/onnx_conformance.c, built by make unit).
#
# Cases whose ops the firmware library of this tree does not implement yet
# are skips, unsupported cases are comments; a wrong answer, a kernel
# rejection or a run error fails. Outside the VM, or without the runner or
# the test data, everything skips (exit 4).

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RUNNER=${NPU_ONNX_CONFORMANCE:-$REPO/build/unit/libnpu/onnx_conformance}
DATA=${ONNX_TESTDATA:-/usr/share/libonnx-testdata/data/node}
DEV=${NPU_ONNX_DEVICE:-/dev/accel/accel0}

skip() {
	echo "KTAP version 1"
	echo "1..0 # SKIP $*"
	exit 4
}

[ "${NPU_VM:-}" = 1 ] || skip "not inside the npu test VM"
[ -x "$RUNNER" ] || skip "$RUNNER missing (make unit builds it)"
[ -d "$DATA" ] || skip "$DATA missing (apt-get install libonnx-testdata)"
[ -e "$DEV" ] || skip "$DEV missing (npu.ko not loaded?)"

# the runner is built with ASan; the VM has no use for leak reports of exit
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} exec "$RUNNER" -g -D "$DEV" "$DATA"

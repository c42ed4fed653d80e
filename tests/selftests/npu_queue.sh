#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# libnpu's npu_queue through the kernel driver's io_uring interface (KTAP on
# stdout). Runs inside the test VM (NPU_VM=1): the unit tests of the queue
# (tests/unit/test_queue.c, built with ASan/UBSan by make unit) run with
# NPU_TEST_BACKEND=accel, so every submit, batch, wait and linked
# IORING_OP_SEND_ZC goes to /dev/accel through uring_cmds on a
# DEFER_TASKRUN ring; tests that need the host backend's fault injection
# skip. Outside the VM, or without the test binary or a device,
# everything skips (exit 4).

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
TEST=${NPU_QUEUE_TEST:-$REPO/build/unit/libnpu/test_queue}
DEV=${NPU_QUEUE_DEVICE:-/dev/accel/accel0}

skip() {
	echo "KTAP version 1"
	echo "1..0 # SKIP $*"
	exit 4
}

[ "${NPU_VM:-}" = 1 ] || skip "not inside the npu test VM"
[ -x "$TEST" ] || skip "$TEST missing (make unit builds it)"
[ -e "$DEV" ] || skip "$DEV missing (npu.ko not loaded?)"

# the send tests use loopback TCP; the VM's init leaves lo down
ip link set lo up 2>/dev/null || echo "# could not bring lo up: the send tests will fail"

NPU_TEST_BACKEND=accel ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} exec "$TEST"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# tests/selftests/run.sh [TEST...] - run the npu kselftests.
#
# Meant to run inside the test VM:   tests/vm/run -- tests/selftests/run.sh
# (make vm-test does that). Runs every test binary (build/selftests/*_test)
# and every test script (tests/selftests/npu_*.sh), or only the TEST names
# given. Each one's KTAP goes to
# stdout and to $NPU_VM_OUT/<name>.ktap (when NPU_VM_OUT is set). New kernel
# log problems during a test (WARNING:, BUG:, ...) are reported as an extra
# failing result "<name>-dmesg" in $NPU_VM_OUT/<name>-dmesg.ktap.
#
# Inside the VM (NPU_VM=1) vgem and vivid are modprobed first: the sync
# tests use vgem's fences, npu_dmabuf_test imports vivid's camera buffers.
# Outside the VM nothing is loaded and device tests skip.
#
# Environment: NPU_SELFTEST_BIN (binaries, default build/selftests),
# NPU_SELFTEST_TIMEOUT (seconds per test, default 900).
#
# Exit status: 0 when everything passed or skipped, 1 otherwise.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN=${NPU_SELFTEST_BIN:-$REPO/build/selftests}
OUT=${NPU_VM_OUT:-}
TIMEOUT=${NPU_SELFTEST_TIMEOUT:-900}
PATTERNS='WARNING:|BUG:|Oops|general protection|soft lockup|hard LOCKUP|hung_task:|hung_task_timeout_secs|blocked for more than|Call Trace:|kernel BUG|UBSAN:|detected stall|Kernel panic'

# npu_debugfs_test last: its fault injection (a hung job) is the test most
# likely to leave a broken driver wedged.
ORDER=(npu_query_test npu_bo_test npu_submit_test npu_sync_test
	npu_proc_test npu_dmabuf_test npu_reload.sh npu_debugfs_test)

if [ "${NPU_VM:-}" = 1 ]; then
	modprobe vgem 2>/dev/null || echo "# note: vgem not available, fence tests will skip"
	modprobe vivid n_devs=1 2>/dev/null || echo "# note: vivid not available, the camera test will skip"
	if ! grep -q '^npu ' /proc/modules; then
		echo "# npu.ko is not loaded: device tests will fail (tests/vm/run loads it)"
	fi
else
	echo "# not inside the npu test VM (NPU_VM unset): nothing is loaded, device tests skip"
fi

if (($#)); then
	tests=("$@")
else
	tests=()
	for t in "${ORDER[@]}"; do
		tests+=("$t")
	done
	# anything new that follows the naming scheme
	for f in "$BIN"/*_test "$HERE"/npu_*.sh; do
		[ -e "$f" ] || continue
		t=$(basename "$f")
		[[ " ${ORDER[*]} " == *" $t "* ]] || tests+=("$t")
	done
fi

dmesg_lines() { dmesg 2>/dev/null | wc -l; }

failed=()
for t in "${tests[@]}"; do
	name=${t%.sh}
	if [[ $t == *.sh ]]; then
		cmd=("$HERE/$t")
	else
		cmd=("$BIN/$t")
	fi
	if [ ! -x "${cmd[0]}" ]; then
		echo "# $t: ${cmd[0]} missing (make -C tests/selftests)"
		[ -n "$OUT" ] && echo "not ok 1 $name # missing" >"$OUT/$name.ktap"
		failed+=("$name")
		continue
	fi

	echo "# ==== $name"
	before=$(dmesg_lines)
	start=$SECONDS
	# Output goes to a file, streamed with tail --pid: a test process stuck
	# in the kernel (unkillable) must not keep a pipe open and hang us.
	if [ -n "$OUT" ]; then
		log=$OUT/$name.ktap
	else
		log=$(mktemp)
	fi
	timeout -k 10 "$TIMEOUT" "${cmd[@]}" >"$log" 2>&1 </dev/null &
	pid=$!
	tail -n +1 -f --pid="$pid" "$log"
	wait "$pid"
	rc=$?
	[ -n "$OUT" ] || rm -f "$log"
	echo "# ==== $name: exit $rc, $((SECONDS - start)) s"
	if ((rc == 124 || rc == 137)); then
		echo "not ok 999 $name # timed out after $TIMEOUT s"
		[ -n "$OUT" ] && echo "not ok 999 $name # timed out after $TIMEOUT s" >>"$OUT/$name.ktap"
	fi
	# 0: passed, 4: everything skipped
	if ((rc != 0 && rc != 4)); then
		failed+=("$name")
	fi

	new=$(dmesg 2>/dev/null | tail -n +"$((before + 1))" | grep -E "$PATTERNS")
	if [ -n "$new" ]; then
		echo "# kernel log problems during $name:"
		while IFS= read -r l; do echo "#   $l"; done <<<"$new"
		echo "not ok 1 $name-dmesg"
		if [ -n "$OUT" ]; then
			{
				while IFS= read -r l; do echo "# $l"; done <<<"$new"
				echo "not ok 1 $name-dmesg"
			} >"$OUT/$name-dmesg.ktap"
		fi
		failed+=("$name-dmesg")
	fi
done

if ((${#failed[@]})); then
	echo "# FAILED: ${failed[*]}"
	exit 1
fi
echo "# all selftests passed"
exit 0

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# npu module lifetime tests (KTAP on stdout). Runs ONLY inside the test VM
# (NPU_VM=1, see tests/vm/run): it rmmods and insmods npu.ko ($NPU_KO).
#
#  - rmmod fails while anything holds the module: an open file, a dma-buf
#    that outlived its file (kmod's rmmod says "in use"; the delete_module
#    syscall itself fails with EAGAIN, a.k.a. EWOULDBLOCK)
#  - a BO mapping that outlived its handle and file maps the BO's shmem
#    file, not the device: it does not hold the module, rmmod succeeds and
#    the mapping keeps its data
#  - rmmod succeeds with no users, the device disappears; insmod brings it
#    back and a job runs; repeated reloads
#  - bad module parameters make insmod fail; num_devices=2 gives two devices
#  - unbinding a device with a file open: the file gets -ENODEV, rebinding
#    brings the device back
#  - a job timeout that fires before run_job() started the job (the
#    fault_run_delay_ms knob holds it longer than job_timeout_ms=100), or
#    after run_job() set up its fence but before the engine has it
#    (fault_start_delay_ms)
#  - kern_isa/kern_exact select the CPU engine's vector kernels (debugfs
#    engines shows them) and jobs run at each level
#
# Leaves npu loaded with default parameters, as it found it (or loaded).

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN=${NPU_SELFTEST_BIN:-$REPO/build/selftests}
SMOKE=$BIN/npu_smoke
NPU_KO=${NPU_KO:-$REPO/build/kernel/npu.ko}

NTESTS=16
n=0
failed=0

ktap_result() { # ok|not ok, name, [directive]
	n=$((n + 1))
	echo "$1 $n $2${3:+ # $3}"
	[ "$1" = "not ok" ] && failed=$((failed + 1))
	return 0
}
pass() { ktap_result "ok" "$1"; }
fail() {
	echo "# $1: $2"
	ktap_result "not ok" "$1"
}

echo "TAP version 13"

if [ "${NPU_VM:-}" != 1 ]; then
	echo "1..0 # SKIP not inside the npu test VM (NPU_VM=1): never (re)load modules on the host"
	exit 4
fi
if [ ! -x "$SMOKE" ]; then
	echo "1..0 # SKIP $SMOKE missing (make -C tests/selftests)"
	exit 4
fi
if [ ! -f "$NPU_KO" ]; then
	echo "1..0 # SKIP npu.ko not found (NPU_KO=$NPU_KO)"
	exit 4
fi
echo "1..$NTESTS"

# Work on a private copy: the host may rebuild npu.ko while this runs (the
# guest sees the host's file system), and a half-written module would fail
# insmod with "Invalid module format" for reasons unrelated to the driver.
WORK=$(mktemp -d /run/npu_reload.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp "$NPU_KO" "$WORK/npu.ko"
NPU_KO=$WORK/npu.ko
if ! modinfo "$NPU_KO" >/dev/null 2>&1; then
	echo "# $NPU_KO: not a valid module (rebuilt while copying?)"
fi

loaded() { [ -d /sys/module/npu ]; }

# Wait up to 10 s until N npu devices exist.
wait_devices() {
	local want=$1 i
	for ((i = 0; i < 100; i++)); do
		[ "$("$SMOKE" count 2>/dev/null)" = "$want" ] && return 0
		sleep 0.1
	done
	return 1
}

load() { # [params...]
	insmod "$NPU_KO" "$@" 2>&1 || return 1
	wait_devices "${NPU_EXPECT_DEVICES:-1}"
}

unload() {
	local i
	# jobs of exited processes may still be draining: retry briefly
	for ((i = 0; i < 50; i++)); do
		rmmod npu 2>/dev/null && return 0
		sleep 0.1
	done
	rmmod npu
}

# The module must not unload while HOLDER (an npu_smoke mode) holds it.
busy_while() { # name, npu_smoke mode
	local name=$1 mode=$2 line out err rc refcnt
	coproc HOLDER { exec "$SMOKE" "$mode"; }
	if ! read -r -t 30 line <&"${HOLDER[0]}" || [ "$line" != ready ]; then
		fail "$name" "helper '$mode' not ready: ${line:-nothing}"
		kill "$HOLDER_PID" 2>/dev/null
		wait "$HOLDER_PID" 2>/dev/null
		return
	fi
	refcnt=$(cat /sys/module/npu/refcnt)
	out=$("$SMOKE" delete-module npu)
	rc=$?
	err=$(rmmod npu 2>&1)
	local rmmod_rc=$?
	local wfd=${HOLDER[1]} pid=$HOLDER_PID
	exec {wfd}>&-
	read -r -t 30 line <&"${HOLDER[0]}"
	wait "$pid"
	local hold_rc=$?
	if ((rc != 11)); then # EAGAIN == EWOULDBLOCK
		fail "$name" "delete_module: '$out' (errno $rc), expected EAGAIN"
	elif ((rmmod_rc == 0)) || ! loaded; then
		fail "$name" "rmmod succeeded while held"
	elif [[ $err != *"in use"* ]]; then
		fail "$name" "rmmod said '$err', expected 'in use'"
	elif ((refcnt < 1)); then
		fail "$name" "refcnt $refcnt while held"
	elif ((hold_rc != 0)) || [ "$line" != ok ]; then
		fail "$name" "helper '$mode' failed: $line"
	else
		pass "$name"
	fi
}

# A mapping of a closed BO on a closed file is a mapping of the BO's shmem
# file (shmem vm_ops): nothing in it refers to npu.ko, so it does not hold
# the module. rmmod succeeds while it exists and the mapping keeps its data
# (the helper checks every byte after the unload). Loads npu again.
unload_while_mapped() {
	local name=rmmod_with_mapping_after_close line out rc hold_rc
	coproc HOLDER { exec "$SMOKE" hold-mmap; }
	if ! read -r -t 30 line <&"${HOLDER[0]}" || [ "$line" != ready ]; then
		fail "$name" "helper 'hold-mmap' not ready: ${line:-nothing}"
		kill "$HOLDER_PID" 2>/dev/null
		wait "$HOLDER_PID" 2>/dev/null
		return
	fi
	out=$("$SMOKE" delete-module npu)
	rc=$?
	local wfd=${HOLDER[1]} pid=$HOLDER_PID
	exec {wfd}>&-
	read -r -t 30 line <&"${HOLDER[0]}"
	wait "$pid"
	hold_rc=$?
	if ((rc != 0)); then
		fail "$name" "delete_module: '$out' (errno $rc), expected success"
	elif loaded; then
		fail "$name" "npu still loaded after delete_module"
	elif ((hold_rc != 0)) || [ "$line" != ok ]; then
		fail "$name" "helper 'hold-mmap' failed: $line"
	else
		pass "$name"
	fi
	loaded || load >/dev/null
}

# 1: the module is loaded and works
if ! loaded; then
	echo "# npu not loaded: loading $NPU_KO"
	load >/dev/null
fi
if loaded && out=$("$SMOKE" job); then
	pass "loaded_and_working"
else
	fail "loaded_and_working" "${out:-not loaded}"
fi

# 2-4: held (or, for a mapping, not held) in various ways
busy_while "rmmod_busy_with_open_file" hold
unload_while_mapped
busy_while "rmmod_busy_with_dmabuf_after_close" hold-dmabuf

# 5: no users: rmmod works and the device disappears
if unload && ! loaded && [ "$("$SMOKE" count)" = 0 ]; then
	pass "rmmod_idle"
else
	fail "rmmod_idle" "module or device still present"
fi

# 6: insmod again: device back, a job runs
if out=$(load) && out=$("$SMOKE" job); then
	pass "insmod_again"
else
	fail "insmod_again" "$out"
fi

# 7: reload loop
ok=1
for i in 1 2 3; do
	if ! unload || ! load >/dev/null || ! out=$("$SMOKE" job); then
		ok=0
		echo "# round $i: ${out:-load/unload failed}"
		break
	fi
done
if ((ok)); then pass "reload_loop"; else fail "reload_loop" "see above"; fi

# 8: bad parameters are refused and leave nothing loaded
ok=1
unload
for p in num_devices=0 num_devices=9 job_timeout_ms=5 job_timeout_ms=600001 cpu_threads=65 \
	kern_isa=5 kern_isa=4294967295; do
	if insmod "$NPU_KO" "$p" 2>/dev/null; then
		echo "# insmod with $p succeeded"
		ok=0
		unload
	elif loaded; then
		echo "# module present after failed insmod with $p"
		ok=0
	fi
done
if ((ok)); then pass "bad_parameters_refused"; else fail "bad_parameters_refused" "see above"; fi

# 9: two devices
if NPU_EXPECT_DEVICES=2 load num_devices=2 >/dev/null; then
	ok=1
	for d in /dev/accel/accel*; do
		NPU_DEVICE=$d "$SMOKE" job >/dev/null 2>&1 && continue
		# not an npu node, or a failing one
		[ "$(NPU_DEVICE=$d "$SMOKE" path 2>/dev/null)" = "$d" ] || continue
		echo "# job on $d failed"
		ok=0
	done
	if ((ok)); then pass "two_devices"; else fail "two_devices" "see above"; fi
else
	fail "two_devices" "insmod num_devices=2 did not give 2 devices"
fi
unload
load >/dev/null

# 10: cpu_threads: the engine reports the threads it was given, jobs work
ok=1
for t in 1 3; do
	if ! unload || ! load "cpu_threads=$t" >/dev/null; then
		echo "# load with cpu_threads=$t failed"
		ok=0
		break
	fi
	eng=/sys/kernel/debug/accel/npu.0/engines
	got=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "threads") c = i; next }
		c && $1 == "cpu" { print $c }' "$eng" 2>/dev/null)
	if [ "$got" != "$t" ]; then
		echo "# cpu_threads=$t: debugfs engines says threads '$got'"
		ok=0
	fi
	if ! out=$("$SMOKE" job); then
		echo "# cpu_threads=$t: $out"
		ok=0
	fi
done
if ((ok)); then pass "cpu_threads"; else fail "cpu_threads" "see above"; fi
unload
load >/dev/null

# 11: unbind with a file open, then rebind
dev=$("$SMOKE" path)
pdev=$(basename "$(readlink -f "/sys/class/accel/$(basename "$dev")/device")")
drv=/sys/bus/platform/drivers/npu
coproc UNPLUG { exec "$SMOKE" unplug; }
if read -r -t 30 line <&"${UNPLUG[0]}" && [ "$line" = ready ] &&
	echo "$pdev" >"$drv/unbind"; then
	upid=$UNPLUG_PID
	echo go >&"${UNPLUG[1]}"
	read -r -t 30 line <&"${UNPLUG[0]}"
	wait "$upid"
	rc=$?
	if ((rc == 0)) && [ "$line" = ok ]; then
		pass "unbind_with_open_file"
	else
		fail "unbind_with_open_file" "$line"
	fi
else
	fail "unbind_with_open_file" "helper not ready or unbind of $pdev failed"
	kill "$UNPLUG_PID" 2>/dev/null
	wait "$UNPLUG_PID" 2>/dev/null
fi

# 12: rebind: the device comes back and works
if echo "$pdev" >"$drv/bind" && wait_devices 1 && out=$("$SMOKE" job); then
	pass "rebind"
else
	fail "rebind" "${out:-bind of $pdev failed}"
fi

# With job_timeout_ms=100, hold the next job 600 ms in run_job() with the
# debugfs knob $1: the job must time out or finish (no oops, no WARN) and
# the knob be consumed; with $2 set, the next job must then run normally.
held_job_times_out() { # knob, [check next job]
	local dbg=/sys/kernel/debug/accel/npu.0 out
	if [ "$(cat /sys/module/npu/parameters/job_timeout_ms 2>/dev/null)" != 100 ]; then
		if loaded && ! unload; then
			echo "# unload failed"
			return 1
		fi
		if ! load "job_timeout_ms=100" >/dev/null; then
			echo "# load with job_timeout_ms=100 failed"
			return 1
		fi
	fi
	echo 600 > "$dbg/$1"
	if out=$("$SMOKE" job-or-timeout); then
		echo "# job: ${out%%$'\n'*}"
	else
		echo "# $out"
		return 1
	fi
	if [ "$(cat "$dbg/$1")" != 0 ]; then
		echo "# $1 was not consumed"
		return 1
	fi
	if [ -n "${2:-}" ] && ! out=$("$SMOKE" job); then
		echo "# next job: $out"
		return 1
	fi
}

# 13: the timeout fires while the scheduler has the job listed but run_job()
# has not started it (it sleeps in fault_run_delay_ms): the handler waits
# for run_job(), then times the job out or lets it finish; no oops.
if held_job_times_out fault_run_delay_ms; then
	pass "timeout_before_run_job"
else
	fail "timeout_before_run_job" "see above"
fi

# 14: the timeout fires after run_job() set up the job's hardware fence but
# before the engine took the job (fault_start_delay_ms): the handler must
# not abort a job the engine does not have yet (the CPU engine's abort
# flushes a work item run() sets up: a WARN in __flush_work, found by the
# guest fuzzer, seed 109); it waits, then times the job out or lets it
# finish, and the next job runs.
if held_job_times_out fault_start_delay_ms next; then
	pass "timeout_before_engine_has_job"
else
	fail "timeout_before_engine_has_job" "see above"
fi

# 15: kern_isa/kern_exact pick the engine's vector kernels (debugfs engines
# "kernels"), and jobs run on each: scalar, and AVX2 (or scalar on a CPU
# without it)
ok=1
for p in "kern_isa=0 kern_exact=1:scalar/scalar+exact" "kern_isa=1:avx2/avx2 scalar/scalar"; do
	params=${p%%:*}
	want=${p#*:}
	# shellcheck disable=SC2086 # two parameters
	if ! unload || ! load $params >/dev/null; then
		echo "# load with $params failed"
		ok=0
		break
	fi
	got=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "kernels") c = i; next }
		c && $1 == "cpu" { print $c }' /sys/kernel/debug/accel/npu.0/engines 2>/dev/null)
	case " $want " in
	*" $got "*) ;;
	*) echo "# $params: debugfs engines says kernels '$got', want one of: $want"; ok=0 ;;
	esac
	if ! out=$("$SMOKE" job); then
		echo "# $params: $out"
		ok=0
	fi
done
if ((ok)); then pass "kern_isa"; else fail "kern_isa" "see above"; fi

# 16: and after all that, a clean unload/load with defaults
if unload && load >/dev/null && out=$("$SMOKE" job); then
	pass "final_reload"
else
	fail "final_reload" "${out:-unload/load failed}"
fi

if ((failed)); then
	echo "# FAILED: $failed / $NTESTS"
	exit 1
fi
echo "# PASSED: $NTESTS / $NTESTS"
exit 0

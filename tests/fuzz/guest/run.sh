#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# tests/fuzz/guest/run.sh [OPTIONS] [--] [NPU-FUZZ ARGS...]
#
# Runs inside the test VM:
#   tests/vm/run --timeout 1800 --out build/fuzz/vmout -- \
#       tests/fuzz/guest/run.sh --seed 1 --ops 200000 --procs 4
#
# 1. (re)loads npu.ko ($NPU_KO) with job_timeout_ms=MS (--timeout-ms,
#    default 50) unless --no-reload; modprobes vgem (foreign dma-bufs);
# 2. runs build/fuzz/npu-fuzz with the remaining arguments;
# 3. checks that the driver is idle and empty afterwards: every engine's
#    queue drains (debugfs engines "queued" and QUERY_ENGINES) and no BO is
#    left (debugfs bos) once every fuzzer process is gone;
# 4. unloads npu.ko (a leaked file or job reference keeps it busy);
# 5. on a kernel with kmemleak, scans and fails on leaks;
# 6. fails on new WARNING/BUG/... lines in dmesg.
# Results are KTAP, on stdout and in $NPU_VM_OUT/fuzz-guest.ktap.
#
# Options (before the fuzzer's):
#   --timeout-ms MS  job_timeout_ms for the reload (default 50)
#   --no-reload      keep the module as loaded by the rig
#   --no-unload      leave npu.ko loaded at the end
#   --fuzz PATH      the fuzzer binary (default build/fuzz/npu-fuzz)
#
# Exit status: 0 all ok, 1 a check failed.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
FUZZ=$REPO/build/fuzz/npu-fuzz
TIMEOUT_MS=50
RELOAD=1
UNLOAD=1
OUT=${NPU_VM_OUT:-}
KTAP_FILE=${OUT:+$OUT/fuzz-guest.ktap}
PATTERNS='WARNING:|BUG:|Oops|general protection|soft lockup|hard LOCKUP|hung_task|blocked for more than|Call Trace:|kernel BUG|UBSAN:|KASAN:|detected stall|rcu_.*stall|Kernel panic|kmemleak:.*new suspected'

while (($#)); do
	case $1 in
	--timeout-ms) TIMEOUT_MS=$2; shift 2 ;;
	--no-reload) RELOAD=0; shift ;;
	--no-unload) UNLOAD=0; shift ;;
	--fuzz) FUZZ=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done

results=()
failed=0
ktap() {	# ktap ok|not-ok NAME [# DIRECTIVE]
	local st=$1 name=$2 extra=${3:-}
	local n=$((${#results[@]} + 1))
	local line
	if [ "$st" = ok ]; then line="ok $n $name"; else line="not ok $n $name"; failed=1; fi
	[ -n "$extra" ] && line="$line # $extra"
	results+=("$line")
	echo "$line"
}
diag() { echo "# $*"; }

finish() {
	if [ -n "$KTAP_FILE" ]; then
		{
			echo "TAP version 13"
			echo "1..${#results[@]}"
			printf '%s\n' "${results[@]}"
		} >"$KTAP_FILE"
	fi
	diag "fuzz-guest: $([ $failed = 0 ] && echo PASS || echo FAIL)"
	exit $failed
}

echo "TAP version 13"
dmesg_before=$(dmesg | wc -l)

dbgdir() {
	local d
	for d in /sys/class/accel/accel*; do
		[ -e "$d/device" ] || continue
		[ "$(basename "$(readlink -f "$d/device/driver")")" = npu ] || continue
		echo "/sys/kernel/debug/accel/$(basename "$(readlink -f "$d/device")")"
		return
	done
}

# 1. module
modprobe vgem 2>/dev/null || diag "vgem not available: no foreign dma-bufs"
if ((RELOAD)); then
	if [ -z "${NPU_KO:-}" ] || [ ! -e "$NPU_KO" ]; then
		ktap not-ok reload "NPU_KO unset or missing"
		finish
	fi
	if grep -q '^npu ' /proc/modules && ! rmmod npu; then
		ktap not-ok reload "rmmod npu failed before fuzzing"
		finish
	fi
	if ! insmod "$NPU_KO" job_timeout_ms="$TIMEOUT_MS"; then
		ktap not-ok reload "insmod $NPU_KO job_timeout_ms=$TIMEOUT_MS failed"
		finish
	fi
	diag "loaded $NPU_KO job_timeout_ms=$TIMEOUT_MS"
fi
for _ in $(seq 50); do [ -n "$(dbgdir)" ] && break; sleep 0.1; done
DBG=$(dbgdir)
diag "debugfs: ${DBG:-none}"

KMEMLEAK=/sys/kernel/debug/kmemleak
if [ -e $KMEMLEAK ]; then
	# forget what was there before the fuzzer ran
	echo scan >$KMEMLEAK 2>/dev/null
	echo clear >$KMEMLEAK 2>/dev/null
fi

# 2. the fuzzer
if [ ! -x "$FUZZ" ]; then
	ktap not-ok npu-fuzz "$FUZZ missing: make -f tests/fuzz/guest/guest.mk fuzz-guest-build"
	finish
fi
diag "running: $FUZZ $*"
start=$SECONDS
"$FUZZ" "$@"
rc=$?
diag "npu-fuzz exit $rc after $((SECONDS - start)) s"
if ((rc == 0)); then
	ktap ok "npu-fuzz $*"
else
	ktap not-ok "npu-fuzz $*" "exit $rc"
fi

# 3. idle and empty once the fuzzer is gone (stuck children keep files open)
if [ -n "$DBG" ] && [ -r "$DBG/engines" ]; then
	queued=-1
	for _ in $(seq 100); do
		queued=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "queued") c = i; next }
			c { q += $c } END { print c ? q + 0 : -1 }' "$DBG/engines")
		[ "$queued" = 0 ] && break
		sleep 0.1
	done
	if [ "$queued" = 0 ]; then
		ktap ok engines-idle
	else
		diag "engines after 10 s:"; sed 's/^/#   /' "$DBG/engines"
		diag "jobs:"; sed 's/^/#   /' "$DBG/jobs"
		ktap not-ok engines-idle "$queued job(s) still counted as queued"
	fi
	bos=$(awk 'NR > 1 && $1 != "total" { n++ } END { print n + 0 }' "$DBG/bos")
	clients=$(awk 'NR > 1 { n++ } END { print n + 0 }' "$DBG/clients")
	if [ "$bos" = 0 ] && [ "$clients" = 0 ]; then
		ktap ok no-bos-or-files-left
	else
		diag "bos:"; head -20 "$DBG/bos" | sed 's/^/#   /'
		diag "clients:"; head -20 "$DBG/clients" | sed 's/^/#   /'
		ktap not-ok no-bos-or-files-left "$bos BO(s), $clients file(s) left"
	fi
else
	ktap ok engines-idle "SKIP no debugfs"
	ktap ok no-bos-or-files-left "SKIP no debugfs"
fi

# 4. unload
if ((UNLOAD)); then
	if rmmod npu; then
		ktap ok rmmod
	else
		ps -eo pid,stat,wchan:32,cmd | grep -E 'npu-fuzz|PID' | sed 's/^/#   /'
		ktap not-ok rmmod "npu still in use after the fuzzer exited"
	fi
fi

# 5. kmemleak
if [ -e $KMEMLEAK ]; then
	sleep 6	# kmemleak ignores objects younger than 5 s
	echo scan >$KMEMLEAK
	sleep 1
	echo scan >$KMEMLEAK
	leaks=$(cat $KMEMLEAK)
	if [ -z "$leaks" ]; then
		ktap ok kmemleak
	else
		diag "kmemleak:"
		printf '%s\n' "$leaks" | head -200 | sed 's/^/#   /'
		[ -n "$OUT" ] && printf '%s\n' "$leaks" >"$OUT/kmemleak.txt"
		ktap not-ok kmemleak "$(grep -c '^unreferenced object' <<<"$leaks") object(s)"
	fi
else
	ktap ok kmemleak "SKIP kernel without kmemleak"
fi

# 6. kernel log
new=$(dmesg | tail -n +"$((dmesg_before + 1))" | grep -E "$PATTERNS")
if [ -z "$new" ]; then
	ktap ok dmesg
else
	diag "new kernel log problems:"
	printf '%s\n' "$new" | head -50 | sed 's/^/#   /'
	ktap not-ok dmesg
fi

finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# tests/vm/failslab.sh [LOOP [ARGS...]] - the failslab lane of the debug
# kernel.  Runs inside the test VM (tests/vm/run --debug, see
# tests/vm/debug.mk); needs CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS
# and CONFIG_FAULT_INJECTION_STACKTRACE_FILTER, and npu.ko loaded.
#
# Arms failslab for
#   - this test's processes only (task-filter=Y, /proc/self/make-it-fail=1
#     set by the wrapper below just before it execs LOOP), and
#   - allocations with npu.ko's code on the stack (require-start/-end = the
#     module's text, from /sys/module/npu/sections/ and the section sizes of
#     $NPU_KO), sleeping ones included (ignore-gfp-wait=N).  npu's ioctl
#     entry point wraps drm_ioctl, so this covers the DRM core's allocations
#     in every ioctl on the npu fd too (syncobjs, PRIME), not only npu's own;
#     the job threads (drm_sched) are not failed (task filter),
# then runs LOOP (default: build/debug-kernel/bin/failslab-loop, built from
# tests/vm/failslab-loop.c: BO create + submit + wait loops that accept only
# ENOMEM as a failure and check every result, then check that jobs work
# again with injection off).  The kmemleak scan afterwards is done by
# tests/vm/run itself.
#
# Environment: FAILSLAB_PROBABILITY (percent, default 5), FAILSLAB_ITER
# (default 500, passed as -n to the default LOOP).
#
# Output: KTAP on stdout and in $NPU_VM_OUT/failslab.ktap: LOOP's own results
# plus "failslab-injected" (failslab really failed allocations in npu.ko).
# Exit status 0 when everything passed.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
FI=/sys/kernel/debug/failslab
PROB=${FAILSLAB_PROBABILITY:-5}
ITER=${FAILSLAB_ITER:-500}
TIMES=100000000 # counts down with every injected failure
OUT=${NPU_VM_OUT:-}
KTAP=${OUT:+$OUT/failslab.ktap}

if (($#)); then
	LOOP=("$@")
else
	LOOP=("$REPO/build/debug-kernel/bin/failslab-loop" -n "$ITER")
fi

emit() { printf '%s\n' "$*"; [[ -n $KTAP ]] && printf '%s\n' "$*" >>"$KTAP"; return 0; }
[[ -n $KTAP ]] && : >"$KTAP"

bail() {
	emit "# $*"
	emit "not ok 1 failslab-setup # $*"
	exit 1
}

[[ -d $FI ]] || bail "$FI missing (not the debug kernel? CONFIG_FAILSLAB + FAULT_INJECTION_DEBUG_FS)"
[[ -e $FI/require-start ]] || bail "$FI/require-start missing (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)"
[[ -d /sys/module/npu/sections ]] || bail "npu.ko is not loaded"
[[ -x ${LOOP[0]} ]] || bail "${LOOP[0]} missing (make check-debug builds it)"

# ---- npu.ko's text: every .text* section, start from sysfs, size from the .ko
KO=${NPU_KO:-}
[[ -r $KO ]] || KO=$(modinfo -n npu 2>/dev/null)
[[ -r $KO ]] || bail "npu.ko file not found (NPU_KO)"
declare -A SIZE=()
while read -r name size; do
	SIZE[$name]=$size
done < <(LC_ALL=C readelf -SW "$KO" | sed -n 's/^ *\[ *[0-9]*\] //p' |
	awk '$1 ~ /^\.(text|noinstr\.text|sched\.text|init\.text|exit\.text|altinstr_replacement)/ {print $1, $5}')
# (Kernel addresses are negative in bash's signed 64-bit arithmetic; their
# order is still right, and printf %x prints them unsigned.)
start=0 end=0 found=0
for f in /sys/module/npu/sections/.text* /sys/module/npu/sections/.noinstr.text \
	/sys/module/npu/sections/.altinstr_replacement; do
	[[ -r $f ]] || continue
	name=${f##*/}
	[[ -n ${SIZE[$name]:-} ]] || continue
	a=$(<"$f")
	((a = a, s = 16#${SIZE[$name]}))
	((s)) || continue
	if ((!found || a < start)); then start=$a; fi
	if ((!found || a + s > end)); then end=$((a + s)); fi
	found=1
done
((found && end > start)) || bail "cannot find npu.ko's text range (sections: $(echo /sys/module/npu/sections/*))"
emit "TAP version 13"
emit "1..3"
emit "# npu.ko text: $(printf '0x%x-0x%x (%d bytes)' "$start" "$end" $((end - start)))"

# ---- arm failslab ----------------------------------------------------------
fi_set() { echo "$2" >"$FI/$1" || bail "cannot write $2 to $FI/$1"; }
fi_set probability 0
fi_set interval 1
fi_set times "$TIMES"
fi_set space 0
fi_set verbose 0
fi_set task-filter Y
fi_set ignore-gfp-wait N
fi_set cache-filter N
fi_set stacktrace-depth 32
fi_set require-start "$(printf '0x%x' "$start")"
fi_set require-end "$(printf '0x%x' "$end")"
fi_set reject-start 0
fi_set reject-end 0
fi_set probability "$PROB"
emit "# failslab: probability $PROB%, interval 1, task-filter Y, ignore-gfp-wait N, only allocations from npu.ko"

# ---- run the loop with make-it-fail set for it (inherited by its children)
# LOOP prints results 1 (failslab-loop) and 2 (failslab-after).
t0=$SECONDS
results=0
while IFS= read -r line; do
	# LOOP's KTAP header is ours already
	[[ $line == 'TAP version 13' || $line =~ ^1\.\.[0-9]+$ ]] && continue
	[[ $line =~ ^(not\ )?ok\  ]] && ((results++))
	emit "$line"
done < <(bash -c 'echo 1 >/proc/self/make-it-fail && exec "$@"' failslab-wrapper "${LOOP[@]}" 2>&1
	echo "rc=$?" >"${TMPDIR:-/tmp}/failslab.rc.$$")
rc=$(sed -n 's/^rc=//p' "${TMPDIR:-/tmp}/failslab.rc.$$" 2>/dev/null)
rm -f "${TMPDIR:-/tmp}/failslab.rc.$$"
: "${rc:=1}"
for ((i = results + 1; i <= 2; i++)); do
	emit "not ok $i failslab-loop-result-$i # missing: ${LOOP[0]##*/} died (exit $rc)"
	rc=1
done

left=$(<"$FI/times")
fi_set probability 0
fi_set times 1
fi_set task-filter N
fi_set require-start 0
fi_set require-end 0
injected=$((TIMES - left))
emit "# loop exit status $rc after $((SECONDS - t0)) s; failslab injected $injected failures"
if ((injected > 0)); then
	emit "ok 3 failslab-injected"
else
	emit "not ok 3 failslab-injected # no allocation failed: the filter missed npu.ko"
	rc=1
fi
exit "$rc"

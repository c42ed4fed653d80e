#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# npu_models.sh [--backend accel|host] - the real PaddleOCR models through
# /dev/accel, or libnpu's host backend (KTAP on stdout). Default: accel
# inside the test VM (NPU_VM=1), host elsewhere (scripts/check runs that
# natively). For each case (cls on the upright and the rotated text line, det
# on the page; inputs and ONNX Runtime's reference outputs from
# `make models ort-ref-outputs`, see Documentation/models.rst) it runs
# `npu-run --backend accel`, writes the outputs as .npy and compares them
# with ONNX Runtime's (tools/npy-diff.mjs): cls within 1e-5, det within
# 1e-3 (sigmoid probabilities). Then cls runs on the kernel path and on the
# in-process host backend in the same VM (accel only) and the median
# latency ratio
# accel / host is printed as a diagnostic (a measurement, not a pass/fail
# criterion: timings in the TCG VM are only meaningful as ratios of two
# paths measured in the same run).
#
# Skips when the models, their inputs or references, node, or npu-run are
# missing. Environment: NPU_MODELS_DIR (default build/models),
# NPU_MODELS_REPEAT (timed runs for the ratio, default 5), NPU_MODELS_DET=0
# skips the detector (about a minute in the TCG VM).

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
MODELS=${NPU_MODELS_DIR:-$REPO/build/models}
RUN=${NPU_RUN:-$REPO/build/bin/npu-run}
DIFF="node $REPO/tools/npy-diff.mjs"
REPEAT=${NPU_MODELS_REPEAT:-5}
CLS=$MODELS/ch_ppocr_mobile_v2.0_cls_infer.onnx
DET=$MODELS/ch_PP-OCRv4_det_infer.onnx

BACKEND=host
[ "${NPU_VM:-}" = 1 ] && BACKEND=accel
if [ "${1:-}" = --backend ] && [ -n "${2:-}" ]; then
	BACKEND=$2
fi
case $BACKEND in accel|host) ;; *) echo "usage: $0 [--backend accel|host]" >&2; exit 2 ;; esac

n=0
failed=0
ktap() { # ok|not ok, name, [directive]
	n=$((n + 1))
	echo "$1 $n $2${3:+ # $3}"
	[ "$1" = "not ok" ] && failed=$((failed + 1))
	return 0
}

echo "TAP version 13"
for f in "$CLS" "$DET" "$MODELS/inputs/cls_line.npy" "$MODELS/ref/cls_line/softmax_0.tmp_0.npy"; do
	if [ ! -f "$f" ]; then
		echo "1..0 # SKIP $f missing (make models ort-ref-outputs)"
		exit 4
	fi
done
if ! command -v node >/dev/null || [ ! -x "$RUN" ] || ! "$RUN" --help 2>&1 | grep -q -- --output-dir; then
	echo "1..0 # SKIP node or an npu-run with --output-dir missing"
	exit 4
fi
[ "$BACKEND" = accel ] && echo "1..5" || echo "1..3"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# In the TCG VM the detector takes longer than the default 5 s job timeout:
# reload npu.ko with a 10 min one for this test, and back to the defaults
# afterwards (only inside the VM, where tests/vm/run loaded it).
NPU_KO=${NPU_KO:-$REPO/build/kernel/npu.ko}
reload_npu() { # [params...]
	local i
	for ((i = 0; i < 50; i++)); do
		rmmod npu 2>/dev/null && break
		sleep 0.1
	done
	insmod "$TMP/npu.ko" "$@" || return 1
	for ((i = 0; i < 100; i++)); do
		ls /dev/accel/accel* >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
if [ "$BACKEND" = accel ] && [ "${NPU_VM:-}" = 1 ] && [ -f "$NPU_KO" ]; then
	cp "$NPU_KO" "$TMP/npu.ko"
	reload_npu job_timeout_ms=600000 || echo "# reloading npu.ko with job_timeout_ms=600000 failed"
	trap 'reload_npu >/dev/null 2>&1; rm -rf "$TMP"' EXIT
fi

# case name, model, input, output name, tolerance
check_case() {
	local name=$1 model=$2 out=$4 tol=$5 dir=$TMP/$1 log
	mkdir -p "$dir"
	if ! log=$("$RUN" "$model" --backend "$BACKEND" --input "x=$MODELS/inputs/$3" \
		   --output-dir "$dir" --timeout 600000 2>&1); then
		echo "$log" | sed 's/^/# /' | tail -20
		ktap "not ok" "${BACKEND}_$name"
		return
	fi
	if log=$($DIFF "$dir/$out.npy" "$MODELS/ref/$name/$out.npy" "$tol" 2>&1); then
		echo "# $name: $log"
		ktap "ok" "${BACKEND}_$name"
	else
		echo "# $name: $log"
		ktap "not ok" "${BACKEND}_$name"
	fi
}

check_case cls_line "$CLS" cls_line.npy softmax_0.tmp_0 1e-5
check_case cls_line180 "$CLS" cls_line180.npy softmax_0.tmp_0 1e-5
if [ "${NPU_MODELS_DET:-1}" = 0 ] || [ ! -f "$MODELS/ref/det_page/sigmoid_0.tmp_0.npy" ]; then
	ktap "ok" "${BACKEND}_det_page" "SKIP NPU_MODELS_DET=0 or no reference"
else
	check_case det_page "$DET" det_page.npy sigmoid_0.tmp_0 1e-3
fi

if [ "$BACKEND" = host ]; then
	((failed)) && { echo "# FAILED: $failed / $n"; exit 1; }
	exit 0
fi

# the same cls input on both paths, same VM run: latency ratio
median() { # backend -> median ms on stdout
	"$RUN" "$CLS" --backend "$1" --input "x=$MODELS/inputs/cls_line.npy" \
		--repeat "$REPEAT" --json --timeout 600000 2>/dev/null |
		node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.latency_ms.median)})'
}
for b in accel host; do
	if m=$(median $b) && [ -n "$m" ]; then
		eval "med_$b=$m"
		ktap "ok" "latency_$b"
		echo "# cls median over $REPEAT runs, $b backend: $m ms"
	else
		eval "med_$b="
		ktap "not ok" "latency_$b"
	fi
done
if [ -n "$med_accel" ] && [ -n "$med_host" ]; then
	echo "# cls accel/host median latency ratio: $(node -e "console.log(($med_accel / $med_host).toFixed(3))") (same VM run; target <= 1.10)"
fi

if ((failed)); then
	echo "# FAILED: $failed / $n"
	exit 1
fi
exit 0

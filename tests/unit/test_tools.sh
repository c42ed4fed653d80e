#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
#
# tests/unit/test_tools.sh - npu-info and npu-run on libnpu's host backend
# (no kernel module needed); KTAP on stdout. Usage: test_tools.sh BINDIR
set -u

BIN=${1:-build/bin}
n=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# check NAME WANT_STATUS GREP_PATTERN COMMAND...: run, compare the exit
# status, and look for PATTERN (extended regexp) in stdout+stderr
check() {
	local name=$1 want=$2 pattern=$3 rc
	shift 3
	n=$((n + 1))
	"$@" >"$out" 2>&1
	rc=$?
	if [ "$rc" = "$want" ] && grep -Eq -- "$pattern" "$out"; then
		echo "ok $n tools.$name"
	else
		sed 's/^/# /' "$out" | tail -n 20
		echo "# exit status $rc (want $want), pattern '$pattern'"
		echo "not ok $n tools.$name"
		failed=$((failed + 1))
	fi
}

# skip NAME REASON
skip() {
	n=$((n + 1))
	echo "ok $n tools.$1 # SKIP $2"
}

# a small model of Debian's libonnx-testdata for npu-run --model
ONNX_NODE=${ONNX_TESTDATA:-/usr/share/libonnx-testdata/data/node}
CONV_MODEL=$ONNX_NODE/test_conv_with_strides_padding/model.onnx

echo "KTAP version 1"
echo "1..13"
check npu_run_host 0 '^PASS$' "$BIN/npu-run" --backend host
check npu_run_host_json 0 '"backend":"host".*"pass":true' \
	"$BIN/npu-run" -b host --json
check npu_run_host_device_host 0 '^device host \(backend host\)' \
	"$BIN/npu-run" -b host -d host
check npu_run_host_bad_device 1 'no device node' \
	"$BIN/npu-run" -b host -d /dev/accel/accel0
check npu_run_bad_backend 2 "wants accel or host" \
	"$BIN/npu-run" --backend gpu
check npu_info_host 0 '^    host     kind cpu   healthy  ops GEMM,CONV2D,ADD,RELU,CLIP' \
	"$BIN/npu-info" --backend host
check npu_info_host_json 0 '^\{"libnpu":"[0-9.]+","devices":\[\{"path":"host","backend":"host",.*"engines":\[\{"name":"host","kind":"cpu","flags":\["healthy"\]' \
	"$BIN/npu-info" -b host -j
check npu_info_host_bad_device 1 'its only device is "host"' \
	"$BIN/npu-info" -b host -d /dev/accel/accel0
check npu_info_bad_backend 2 "wants accel or host" \
	"$BIN/npu-info" -b vnpu
if [ -f "$CONV_MODEL" ]; then
	check npu_run_model_host 0 '^ +0 +0 +CONV2D +- +host +Conv$' \
		"$BIN/npu-run" --model "$CONV_MODEL" --backend host
	check npu_run_model_host_output 0 '^output y \[1,1,4,3\] f32: min ' \
		"$BIN/npu-run" --model "$CONV_MODEL" --backend host
	check npu_run_model_host_json 0 '^\{"model":.*"device":"host","backend":"host".*"run":\{"ok":true' \
		"$BIN/npu-run" -m "$CONV_MODEL" -b host -j
else
	skip npu_run_model_host "no $CONV_MODEL (libonnx-testdata)"
	skip npu_run_model_host_output "no $CONV_MODEL (libonnx-testdata)"
	skip npu_run_model_host_json "no $CONV_MODEL (libonnx-testdata)"
fi
check npu_run_shape_needs_model 2 '--shape needs --model' \
	"$BIN/npu-run" -b host --shape x=1x3x4x4
echo "# Totals: pass:$((n - failed)) fail:$failed"
[ "$failed" = 0 ]

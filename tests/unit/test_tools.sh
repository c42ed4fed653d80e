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

# small models of Debian's libonnx-testdata for npu-run MODEL
ONNX_NODE=${ONNX_TESTDATA:-/usr/share/libonnx-testdata/data/node}
CONV_MODEL=$ONNX_NODE/test_conv_with_strides_padding/model.onnx
ADD_MODEL=$ONNX_NODE/test_add/model.onnx		# x, y [3,4,5] -> sum
SOFTMAX_MODEL=$ONNX_NODE/test_softmax_example/model.onnx	# x [1,3] -> y
# the PaddleOCR models and inputs of `make models`, when present
MODELS=${NPU_MODELS_DIR:-build/models}
CLS_MODEL=$MODELS/ch_ppocr_mobile_v2.0_cls_infer.onnx
DET_MODEL=$MODELS/ch_PP-OCRv4_det_infer.onnx
INPUTS=$MODELS/inputs

tmp=$(mktemp -d)
trap 'rm -f "$out"; rm -rf "$tmp"' EXIT

# npy FILE DESCR SHAPE ELEMENT COUNT [FORTRAN]: a format 1.0 .npy file of
# COUNT elements, each the bytes ELEMENT (printf escapes: '\x00\x00\x80\x3f'
# is float32 1.0), with the header padded as NumPy pads it
npy() {
	local file=$1 descr=$2 shape=$3 elem=$4 count=$5 fortran=${6:-False} h i
	h="{'descr': '$descr', 'fortran_order': $fortran, 'shape': $shape, }"
	while [ $(((10 + ${#h} + 1) % 64)) != 0 ]; do h="$h "; done
	{
		printf '\x93NUMPY\x01\x00'
		printf "\\x$(printf %02x $(((${#h} + 1) & 255)))\\x$(printf %02x $(((${#h} + 1) >> 8)))"
		printf '%s\n' "$h"
		for ((i = 0; i < count; i++)); do printf "$elem"; done
	} >"$file"
}
F1='\x00\x00\x80\x3f'	# float32 1.0
F2='\x00\x00\x00\x40'	# float32 2.0

# the file npu-run wrote: NumPy's 1.0 header, 60 times 3.0
sum_npy_ok() {
	local f=$tmp/out/sum.npy
	[ "$(head -c 10 "$f" | od -A n -t x1 | tr -d ' \n')" = 934e554d505901007600 ] &&
	head -c 128 "$f" | grep -aq "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, 5), } *$" &&
	[ "$(stat -c %s "$f")" = $((128 + 60 * 4)) ] &&
	[ "$(od -v -A n -t f4 -j 128 "$f" | tr -s ' \n' '\n' | grep -c '^3$')" = 60 ] &&
	echo "sum.npy ok"
}

# valid JSON (python3 or node), then the output for the pattern
json_ok() {
	"$@" >"$tmp/out.json" || return
	if command -v python3 >/dev/null; then
		python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$tmp/out.json" || return
	elif command -v node >/dev/null; then
		node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$tmp/out.json" || return
	fi
	cat "$tmp/out.json"
}

# same_outputs DIR1 DIR2 COMMAND1 -- COMMAND2: both write identical files
same_outputs() {
	local a=$1 b=$2 args=() c
	shift 2
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	"${args[@]}" -o "$a" >/dev/null || return
	"$@" -o "$b" >/dev/null || return
	for c in "$a"/*.npy; do cmp "$c" "$b/${c##*/}" || return; done
	echo "identical outputs"
}

REAL_CONVERT=
if [ -x /usr/bin/convert ] && /usr/bin/convert -version 2>/dev/null | grep -q ImageMagick; then
	REAL_CONVERT=/usr/bin/convert
fi

echo "KTAP version 1"
echo "1..48"
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
check npu_run_shape_needs_model 2 '--shape needs a model' \
	"$BIN/npu-run" -b host --shape x=1x3x4x4
check npu_run_repeat_needs_model 2 '--repeat needs a model' \
	"$BIN/npu-run" -b host --repeat 3
check npu_run_threads_accel 2 '--threads is for --backend host' \
	"$BIN/npu-run" --threads 2
check npu_run_threads_range 2 '--threads wants an integer, 1 .. 256' \
	"$BIN/npu-run" -b host --threads 0
check npu_run_threads_host 0 '^PASS$' "$BIN/npu-run" -b host --threads 1

n_model=28
if [ ! -f "$CONV_MODEL" ] || [ ! -f "$ADD_MODEL" ] || [ ! -f "$SOFTMAX_MODEL" ]; then
	for ((k = 0; k < n_model; k++)); do
		skip "npu_run_model_$k" "no libonnx-testdata in $ONNX_NODE"
	done
else
	check npu_run_model_host 0 '^ +0 +0 +CONV2D +- +host +Conv$' \
		"$BIN/npu-run" --model "$CONV_MODEL" --backend host
	check npu_run_model_host_output 0 '^output y \[1,1,4,3\] f32: min ' \
		"$BIN/npu-run" --model "$CONV_MODEL" --backend host
	check npu_run_model_host_json 0 '^\{"model":.*"device":"host","backend":"host".*"run":\{"ok":true' \
		"$BIN/npu-run" -m "$CONV_MODEL" -b host -j
	check npu_run_model_positional 0 '^ +0 +0 +CONV2D +- +host +Conv$' \
		"$BIN/npu-run" "$CONV_MODEL" --backend host
	check npu_run_model_twice 2 "unexpected argument .*the model is given already" \
		"$BIN/npu-run" -m "$CONV_MODEL" "$CONV_MODEL" -b host
	check npu_run_model_threads 0 '^model .* \(backend host, 1 thread\), opset' \
		"$BIN/npu-run" "$CONV_MODEL" -b host --threads 1

	# inputs from .npy files, outputs to .npy files
	npy "$tmp/ones.npy" '<f4' '(3, 4, 5)' "$F1" 60
	npy "$tmp/twos.npy" '<f4' '(3, 4, 5)' "$F2" 60
	check npu_run_input_npy 0 '^output sum \[3,4,5\] f32: min 3, max 3, mean 3; first 3 ' \
		"$BIN/npu-run" "$ADD_MODEL" -b host --input x="$tmp/ones.npy" -i y="$tmp/twos.npy"
	check npu_run_input_positional 0 '^input y \[3,4,5\] f32: .*/twos.npy$' \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i "$tmp/ones.npy" -i "$tmp/twos.npy"
	check npu_run_output_dir 0 'written to .*/out/sum.npy$' \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/ones.npy" -i y="$tmp/twos.npy" \
		--output-dir "$tmp/out"
	check npu_run_output_npy_layout 0 '^sum.npy ok$' sum_npy_ok
	check npu_run_output_read_back 0 '^output sum \[3,4,5\] f32: min 4, max 4, mean 4' \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/out/sum.npy" -i y="$tmp/ones.npy"
	check npu_run_repeat 0 '^timed 3 runs after 1 warm-up run: median [0-9.]+ ms, p90 [0-9.]+ ms, min [0-9.]+ ms, max [0-9.]+ ms$' \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/ones.npy" -i y="$tmp/ones.npy" -r 3
	check npu_run_json_model 0 '"inputs":\[\{"name":"x","shape":\[3,4,5\],"dtype":"f32","file":"[^"]*/ones.npy","source":"npy"\}.*"runs":3,"warmup":1,"latency_ms":\{"median":[0-9.]+,"p90":[0-9.]+,"min":[0-9.]+,"max":[0-9.]+\},"peak_rss_kib":[1-9][0-9]*,"outputs":\[\{"name":"sum","shape":\[3,4,5\],"dtype":"f32","file":"[^"]*/json/sum.npy","min":2,' \
		json_ok "$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/ones.npy" \
		-i y="$tmp/ones.npy" -r 3 --json -o "$tmp/json"
	npy "$tmp/logits.npy" '<f4' '(1, 3)' '\x00\x00\x80\xbf\x00\x00\x00\x00\x00\x00\x80\x3f' 1
	check npu_run_top_classes 0 '^  top classes: 2 \(0.66524[0-9]*\), 1 \(0.24472[0-9]*\), 0 \(0.09003[0-9]*\)$' \
		"$BIN/npu-run" "$SOFTMAX_MODEL" -b host -i x="$tmp/logits.npy"
	check npu_run_top_classes_json 0 '"top":\[\[\{"class":2,"score":0.665[0-9]*\},\{"class":1,' \
		"$BIN/npu-run" "$SOFTMAX_MODEL" -b host -i x="$tmp/logits.npy" -j

	# hostile and mismatched .npy files: a clear message, never a crash
	head -c 20 "$tmp/ones.npy" >"$tmp/trunc_header.npy"
	check npu_run_npy_truncated_header 1 'trunc_header.npy: not a valid .npy file: truncated header' \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/trunc_header.npy" -i y="$tmp/ones.npy"
	head -c 200 "$tmp/ones.npy" >"$tmp/trunc_data.npy"
	check npu_run_npy_truncated_data 1 'truncated data: 72 bytes, shape \[3,4,5\] .<f4. needs 240' \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/trunc_data.npy" -i y="$tmp/ones.npy"
	{ printf 'NUMPY'; tail -c +6 "$tmp/ones.npy"; } >"$tmp/bad_magic.npy"
	check npu_run_npy_bad_magic 1 'bad_magic.npy: not a valid .npy file: no \\x93NUMPY magic' \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/bad_magic.npy" -i y="$tmp/ones.npy"
	npy "$tmp/int.npy" '<i4' '(3, 4, 5)' '\x01\x00\x00\x00' 60
	check npu_run_npy_wrong_dtype 1 "input 'x': .*/int.npy has dtype '<i4' \(i32\), the model wants f32 \('<f4'\)" \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/int.npy" -i y="$tmp/ones.npy"
	npy "$tmp/f8.npy" '<f8' '(3, 4, 5)' "$F1$F1" 60
	check npu_run_npy_unsupported_dtype 1 "dtype '<f8' is not supported" \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/f8.npy" -i y="$tmp/ones.npy"
	npy "$tmp/fortran.npy" '<f4' '(3, 4, 5)' "$F1" 60 True
	check npu_run_npy_fortran 1 'Fortran order .* is not supported' \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/fortran.npy" -i y="$tmp/ones.npy"
	npy "$tmp/wide.npy" '<f4' '(3, 4, 6)' "$F1" 72
	check npu_run_npy_shape_mismatch 1 "input 'x': .*/wide.npy has shape \[3,4,6\], the model wants \[3,4,5\]" \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/wide.npy" -i y="$tmp/ones.npy"
	check npu_run_npy_shape_option_conflict 2 "input 'x': --shape says \[3,4,7\], .*/ones.npy has shape \[3,4,5\]" \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/ones.npy" -i y="$tmp/ones.npy" -s x=3x4x7
	check npu_run_input_missing 2 "no --input for the model's input 'y' \[3,4,5\] f32" \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/ones.npy"
	check npu_run_input_unknown 1 "input 'z' .*: the model has no such input \(its inputs: x, y\)" \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i z="$tmp/ones.npy" -i y="$tmp/ones.npy"
	check npu_run_input_no_file 1 'nonexistent.npy: No such file or directory' \
		"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/nonexistent.npy" -i y="$tmp/ones.npy"

	# images (ImageMagick's convert)
	if [ -n "$REAL_CONVERT" ]; then
		"$REAL_CONVERT" -size 24x16 xc:'#336699' "$tmp/blue.png"
		check npu_run_image_not_for_model 1 "blue.png is an image, which gives a \[1,3,H,W\] f32 tensor; the model wants \[1,3\] f32" \
			"$BIN/npu-run" "$SOFTMAX_MODEL" -b host -i x="$tmp/blue.png"
		echo 'not an image' >"$tmp/text.png"
		check npu_run_image_undecodable 1 'text.png: .*convert failed' \
			"$BIN/npu-run" "$ADD_MODEL" -b host -i x="$tmp/text.png" -i y="$tmp/ones.npy"
	else
		skip npu_run_image_not_for_model "ImageMagick's /usr/bin/convert is not installed"
		skip npu_run_image_undecodable "ImageMagick's /usr/bin/convert is not installed"
	fi
fi

# the PaddleOCR models (make models): .npy inputs bind the symbolic
# dimensions; an image preprocessed here gives the same outputs, to the
# bit, as the .npy that tools/ocr-preprocess.mjs made of it
n_ocr=6
if [ ! -f "$CLS_MODEL" ] || [ ! -f "$DET_MODEL" ] || [ ! -f "$INPUTS/cls_line.npy" ] ||
	[ ! -f "$INPUTS/det_page.npy" ] || [ -z "$REAL_CONVERT" ]; then
	for ((k = 0; k < n_ocr; k++)); do
		skip "npu_run_ocr_$k" "no $CLS_MODEL, $DET_MODEL, inputs (make models) or ImageMagick"
	done
else
	check npu_run_ocr_cls_npy 0 '^  top classes: 0 \(0.99' \
		"$BIN/npu-run" "$CLS_MODEL" -b host -i x="$INPUTS/cls_line.npy"
	check npu_run_ocr_cls180_image 0 '^  top classes: 1 \(0.99' \
		"$BIN/npu-run" "$CLS_MODEL" -b host -i x="$INPUTS/line180.png" --preprocess cls
	check npu_run_ocr_cls_image_is_npy 0 '^identical outputs$' \
		same_outputs "$tmp/ci" "$tmp/cn" \
		"$BIN/npu-run" "$CLS_MODEL" -b host -i x="$INPUTS/line.png" -P cls -- \
		"$BIN/npu-run" "$CLS_MODEL" -b host -i x="$INPUTS/cls_line.npy"
	check npu_run_ocr_det_image_is_npy 0 '^identical outputs$' \
		same_outputs "$tmp/di" "$tmp/dn" \
		"$BIN/npu-run" "$DET_MODEL" -b host -i x="$INPUTS/page.png" -P det -- \
		"$BIN/npu-run" "$DET_MODEL" -b host -i x="$INPUTS/det_page.npy"
	check npu_run_ocr_image_needs_size 1 'page.png is an image: for a model whose input size is not fixed, give --preprocess cls\|det or --shape x=1x3xHxW' \
		"$BIN/npu-run" "$DET_MODEL" -b host -i x="$INPUTS/page.png"
	# a [1,4,48,192] file: the model fixes dimension 1 to 3
	npy "$tmp/cls4.hdr" '<f4' '(1, 4, 48, 192)' '' 0
	{ cat "$tmp/cls4.hdr"; head -c $((4 * 48 * 192 * 4)) /dev/zero; } >"$tmp/cls4.npy"
	check npu_run_ocr_cls_wrong_channels 1 "input shape for 'x': dimension 1 is 4, the model fixes it to 3" \
		"$BIN/npu-run" "$CLS_MODEL" -b host -i x="$tmp/cls4.npy"
fi
echo "# Totals: pass:$((n - failed)) fail:$failed"
[ "$failed" = 0 ]

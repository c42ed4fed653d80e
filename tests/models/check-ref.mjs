#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-only
//
// tests/models/check-ref.mjs REF_DIR [KTAP_FILE] - check that ONNX
// Runtime's reference outputs in REF_DIR (tests/models/models.mk, target
// ort-ref) say what the rendered inputs are: the classifier calls the
// upright line "0" and the rotated one "180", and the detector finds the
// page's 7 text lines. Prints KTAP (and writes it to KTAP_FILE), then the
// timing summaries found in REF_DIR/timing/. Exits 1 on a failure.

import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { readNpy } = await import(join(here, '..', '..', 'tools', 'npy.mjs'));

const [refDir, ktapFile] = process.argv.slice(2);
if (!refDir || refDir === '-h' || refDir === '--help') {
  console.log('Usage: tests/models/check-ref.mjs REF_DIR [KTAP_FILE]');
  process.exit(refDir ? 0 : 2);
}

const results = [];
function check(name, fn) {
  let why = null;
  try { why = fn(); } catch (e) { why = e.message; }
  results.push({ ok: !why, name, why });
}
const load = (p) => {
  const f = join(refDir, p);
  if (!existsSync(f)) throw new Error(`${f} missing (make ort-ref)`);
  return readNpy(f);
};

// PaddleOCR's cls labels: index 0 = "0", 1 = "180"; it rotates when the
// 180 score is the larger and above 0.9.
for (const [c, want] of [['cls_line', 0], ['cls_line180', 1]]) {
  check(`${c}: classified as ${want ? '180' : '0'} degrees`, () => {
    const a = load(`${c}/softmax_0.tmp_0.npy`);
    if (a.shape.join() !== '1,2') return `shape [${a.shape}], want [1,2]`;
    const p = Array.from(a.data);
    if (Math.abs(p[0] + p[1] - 1) > 1e-4) return `scores ${p} do not sum to 1`;
    if (!(p[want] > 0.9)) return `scores [${p}]`;
    return null;
  });
}

// DB detector: probability map; the text is where it is > 0.3 (PaddleOCR's
// det_db_thresh). Count horizontal bands of text rows.
check('det_page: 7 text lines found', () => {
  const a = load('det_page/sigmoid_0.tmp_0.npy');
  if (a.shape.join() !== '1,1,640,640') return `shape [${a.shape}], want [1,1,640,640]`;
  const [, , H, W] = a.shape;
  let bands = 0, inBand = false, on = 0;
  for (let y = 0; y < H; y++) {
    let row = 0;
    for (let x = 0; x < W; x++) if (a.data[y * W + x] > 0.3) row++;
    on += row;
    if (row && !inBand) bands++;
    inBand = row > 0;
  }
  const frac = on / (H * W);
  if (bands !== 7) return `${bands} bands of text rows, want 7`;
  if (frac < 0.02 || frac > 0.2) return `${(frac * 100).toFixed(1)}% of pixels are text`;
  return null;
});

const lines = ['KTAP version 1', `1..${results.length}`];
results.forEach((r, i) => lines.push(`${r.ok ? 'ok' : 'not ok'} ${i + 1} models-ref ${r.name}${r.why ? ` # ${r.why}` : ''}`));
const text = lines.join('\n') + '\n';
process.stdout.write(text);
if (ktapFile) {
  mkdirSync(dirname(resolve(ktapFile)), { recursive: true });
  writeFileSync(ktapFile, text);
}

const tdir = join(refDir, 'timing');
if (existsSync(tdir)) {
  for (const f of readdirSync(tdir).filter((x) => x.endsWith('.json')).sort()) {
    const j = JSON.parse(readFileSync(join(tdir, f), 'utf8'));
    const l = j.latency_ms;
    console.log(`# ${f}: ${j.model} [${j.inputs.map((x) => x.shape).join('; ')}] ORT ${j.ort_version} threads=${j.threads} ` +
      `runs=${j.runs}: median ${l.median} ms, p90 ${l.p90}, min ${l.min}, max ${l.max}; peak RSS ${j.peak_rss_mb} MB; load ${j.loadavg.join(' ')}`);
  }
}
process.exit(results.every((r) => r.ok) ? 0 : 1);

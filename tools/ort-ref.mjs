#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-only
//
// tools/ort-ref.mjs - run an ONNX model on ONNX Runtime's CPU execution
// provider with inputs from .npy files; write every output as NAME.npy and
// print a JSON summary, with latencies when asked to time repeated runs.
// The reference against which npu's results are compared
// (Documentation/models.rst). onnxruntime-node comes from build/ort/
// (scripts/models).

import { createRequire } from 'node:module';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { readNpy, writeNpy, descrOf } from './npy.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `Usage: tools/ort-ref.mjs MODEL.onnx [INPUT...] [options]

Runs MODEL on ONNX Runtime (CPU execution provider) and writes each output
as OUTDIR/NAME.npy; prints JSON:
  {model, ort_version, threads, runs, warmup, latency_ms: {median, p90, min,
   max}, peak_rss_mb, loadavg, inputs: [...], outputs: [{name, shape, dtype,
   file}]}
INPUT is NAME=FILE.npy, or FILE.npy for the model's inputs in order.

Options:
  -o, --out DIR     write outputs to DIR (created; default: no files written)
  --repeat N        time N runs after the warm-up (default 1, no warm-up)
  --warmup W        warm-up runs before timing (default 3 when --repeat > 1)
  --threads T       intra_op_num_threads (default 1); inter_op is 1 and
                    execution sequential
  --json FILE       also write the JSON summary to FILE
  --ort-dir DIR     where onnxruntime-node is installed (default
                    build/ort, or $NPU_ORT_DIR)
  -h, --help        this text

Example:
  tools/ort-ref.mjs build/models/ch_ppocr_mobile_v2.0_cls_infer.onnx \\
      build/models/inputs/cls_line.npy -o build/models/ref/cls_line \\
      --repeat 50 --threads 1`;

function fail(msg, code = 1) {
  process.stderr.write(`ort-ref: ${msg}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const o = { model: null, inputs: [], out: null, repeat: 1, warmup: null, threads: 1, json: null,
    ortDir: process.env.NPU_ORT_DIR || join(ROOT, 'build', 'ort') };
  const need = (k, a) => {
    if (k + 1 >= argv.length) fail(`${a} needs a value (see --help)`, 2);
    return argv[k + 1];
  };
  const int = (a, v, min) => {
    if (!/^\d+$/.test(v) || Number(v) < min) fail(`${a} ${v}: want an integer >= ${min}`, 2);
    return Number(v);
  };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    switch (a) {
    case '-h': case '--help': console.log(USAGE); process.exit(0); break;
    case '-o': case '--out': o.out = need(k, a); k++; break;
    case '--repeat': o.repeat = int(a, need(k, a), 1); k++; break;
    case '--warmup': o.warmup = int(a, need(k, a), 0); k++; break;
    case '--threads': o.threads = int(a, need(k, a), 1); k++; break;
    case '--json': o.json = need(k, a); k++; break;
    case '--ort-dir': o.ortDir = need(k, a); k++; break;
    default:
      if (a.startsWith('-')) fail(`unknown option ${a} (see --help)`, 2);
      if (o.model === null) o.model = a;
      else o.inputs.push(a);
    }
  }
  if (o.model === null) fail(`no MODEL given\n\n${USAGE}`, 2);
  if (o.warmup === null) o.warmup = o.repeat > 1 ? 3 : 0;
  return o;
}

function loadOrt(dir) {
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg)) fail(`onnxruntime-node not installed in ${dir}: run scripts/models (or give --ort-dir)`);
  const req = createRequire(pkg);
  try {
    return { ort: req('onnxruntime-node'), version: req('onnxruntime-node/package.json').version };
  } catch (e) {
    fail(`cannot load onnxruntime-node from ${dir}: ${e.message}`);
  }
}

const safeName = (s) => s.replace(/[^A-Za-z0-9._-]/g, '_');

function quantile(sorted, q) {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}
const r3 = (x) => Math.round(x * 1000) / 1000;

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(o.model) || !statSync(o.model).isFile()) fail(`${o.model}: no such model file`);
  const { ort, version } = loadOrt(o.ortDir);

  let session;
  try {
    session = await ort.InferenceSession.create(o.model, {
      executionProviders: ['cpu'],
      intraOpNumThreads: o.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (e) {
    fail(`${o.model}: ONNX Runtime cannot load it: ${e.message}`);
  }

  // Map the inputs: NAME=FILE or positional.
  const names = session.inputNames;
  const feeds = {};
  const inputsInfo = [];
  let pos = 0;
  for (const spec of o.inputs) {
    let name, file;
    const eq = spec.indexOf('=');
    if (eq > 0 && !existsSync(spec)) { name = spec.slice(0, eq); file = spec.slice(eq + 1); }
    else {
      if (pos >= names.length) fail(`${spec}: the model has only ${names.length} input(s): ${names.join(', ')}`, 2);
      name = names[pos++]; file = spec;
    }
    if (!names.includes(name)) fail(`${name}: not an input of the model (inputs: ${names.join(', ')})`, 2);
    if (feeds[name]) fail(`${name}: given twice`, 2);
    if (!existsSync(file)) fail(`${file}: no such input file`);
    let a;
    try { a = readNpy(file); } catch (e) { fail(e.message); }
    const meta = session.inputMetadata?.find((m) => m.name === name);
    if (meta?.isTensor) {
      if (meta.type !== a.type) fail(`${file}: dtype ${a.type}, input ${name} wants ${meta.type}`);
      const ms = meta.shape;
      if (ms.length && (ms.length !== a.shape.length || ms.some((d, i) => typeof d === 'number' && d >= 0 && d !== a.shape[i])))
        fail(`${file}: shape [${a.shape}], input ${name} wants [${ms.map((d) => (typeof d === 'number' && d >= 0 ? d : '?'))}]`);
    }
    feeds[name] = new ort.Tensor(a.type, a.data, a.shape);
    inputsInfo.push({ name, shape: a.shape, dtype: a.type, file });
  }
  const missing = names.filter((n) => !feeds[n]);
  if (missing.length) fail(`missing input(s): ${missing.join(', ')} (see --help)`, 2);

  const run = async () => {
    try { return await session.run(feeds); } catch (e) { fail(`run failed: ${e.message}`); }
  };

  const load = loadavg().map(r3);
  for (let i = 0; i < o.warmup; i++) await run();
  const times = [];
  let results;
  for (let i = 0; i < o.repeat; i++) {
    const t0 = process.hrtime.bigint();
    results = await run();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const sorted = [...times].sort((a, b) => a - b);

  if (o.out) mkdirSync(o.out, { recursive: true });
  const outputs = [];
  for (const name of session.outputNames) {
    const t = results[name];
    const info = { name, shape: [...t.dims], dtype: t.type, file: null };
    if (o.out) {
      const descr = descrOf(t.type);
      if (!descr) fail(`output ${name}: dtype ${t.type} cannot be written as .npy here`);
      info.file = join(o.out, `${safeName(name)}.npy`);
      writeNpy(info.file, descr, info.shape, t.data);
    }
    outputs.push(info);
  }

  const summary = {
    model: basename(o.model),
    ort_version: version,
    execution_provider: 'cpu',
    threads: o.threads,
    runs: o.repeat,
    warmup: o.warmup,
    latency_ms: {
      median: r3(o.repeat % 2 ? sorted[(o.repeat - 1) / 2] : (sorted[o.repeat / 2 - 1] + sorted[o.repeat / 2]) / 2),
      p90: r3(quantile(sorted, 0.9)),
      min: r3(sorted[0]),
      max: r3(sorted[sorted.length - 1]),
    },
    peak_rss_mb: r3(process.resourceUsage().maxRSS / 1024),
    loadavg: load,
    inputs: inputsInfo,
    outputs,
  };
  // Indented, with arrays of numbers (shapes, loadavg) on one line.
  const text = JSON.stringify(summary, null, 2)
    .replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, xs) => `[${xs.split(/,\s*/).join(', ')}]`);
  if (o.json) {
    mkdirSync(dirname(resolve(o.json)), { recursive: true });
    writeFileSync(o.json, text + '\n');
  }
  console.log(text);
  await session.release();
}

main().catch((e) => fail(e.stack || String(e)));

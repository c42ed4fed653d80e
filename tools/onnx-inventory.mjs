#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-only
//
// tools/onnx-inventory.mjs - list what an ONNX model uses: graph inputs and
// outputs, opsets, and per op type the count, every attribute with its
// distinct values, the distinct attribute combinations, and what feeds each
// input position (a constant's dtype/shape/value, a graph input, or the op
// producing it). Ops used at most --full times (default 6) are also listed
// node by node. Decodes the model with protoc (Debian: protobuf-compiler,
// libonnx-dev for onnx.proto). Used for Documentation/models.rst.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';

const USAGE = `Usage: tools/onnx-inventory.mjs [--full N] [--shape NAME=D,D,..]... [--proto DIR] MODEL.onnx

Prints an inventory of MODEL's graph (plain text, indented for reST).
  --full N     list every node of op types used at most N times (default 6)
  --shape NAME=1,3,48,192
               infer every tensor's shape for that graph input shape, and
               list per op the distinct input -> output shapes (the
               broadcasts of Add/Mul/Div, the Resize and Reshape results)
  --proto DIR  directory with onnx.proto, default /usr/include/onnx`;

function fail(msg, code = 1) {
  process.stderr.write(`onnx-inventory: ${msg}\n`);
  process.exit(code);
}

// ---- protobuf text format -> tree: { field: [values...] }, values are
// strings (quoted, unescaped to a latin1 "byte string"), numbers/enums (as
// their text), or nested objects.
function unescape(s) {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') { out += c; continue; }
    const n = s[++i];
    if (n >= '0' && n <= '7') {
      let j = i, v = 0;
      while (j < s.length && j < i + 3 && s[j] >= '0' && s[j] <= '7') v = v * 8 + (s.charCodeAt(j++) - 48);
      out += String.fromCharCode(v & 255); i = j - 1;
    } else if (n === 'x') {
      let j = i + 1, v = 0;
      while (j < s.length && j < i + 3 && /[0-9a-fA-F]/.test(s[j])) v = v * 16 + parseInt(s[j++], 16);
      out += String.fromCharCode(v); i = j - 1;
    } else out += { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v' }[n] ?? n;
  }
  return out;
}

function parseText(text) {
  const root = {};
  const stack = [root];
  const n = text.length;
  let i = 0;
  const ws = () => { while (i < n && ' \t\r\n'.includes(text[i])) i++; };
  const bad = () => fail(`protoc output did not parse near offset ${i}: ${JSON.stringify(text.slice(i, i + 40))}`);
  for (;;) {
    ws();
    if (i >= n) break;
    if (text[i] === '}') { if (stack.length === 1) bad(); stack.pop(); i++; continue; }
    const km = /[A-Za-z_][\w.]*/y;
    km.lastIndex = i;
    const k = km.exec(text);
    if (!k) bad();
    i = km.lastIndex;
    ws();
    const top = stack[stack.length - 1];
    let v;
    if (text[i] === '{') { v = {}; stack.push(v); i++; }
    else if (text[i] === ':') {
      i++; ws();
      if (text[i] === '"') {
        let j = ++i;
        while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
        if (j >= n) bad();
        v = { str: unescape(text.slice(i, j)) };
        i = j + 1;
      } else {
        let j = i;
        while (j < n && !' \t\r\n{}'.includes(text[j])) j++;
        if (j === i) bad();
        v = text.slice(i, j);
        i = j;
      }
    } else bad();
    (top[k[0]] ??= []).push(v);
  }
  if (stack.length !== 1) fail('protoc output did not parse: unbalanced braces');
  return root;
}

const one = (o, k) => (o?.[k] ?? [])[0];
const all = (o, k) => o?.[k] ?? [];
const str = (v) => (v && typeof v === 'object' && 'str' in v ? v.str : v);

const DT = { 1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };
const DT_BYTES = { 1: 4, 2: 1, 3: 1, 5: 2, 6: 4, 7: 8, 9: 1, 11: 8 };

// A TensorProto's values (numbers), or null when not decodable here.
function tensorValues(t) {
  const dt = Number(one(t, 'data_type'));
  const raw = str(one(t, 'raw_data'));
  if (raw !== undefined) {
    const b = Buffer.from(raw, 'latin1');
    const n = DT_BYTES[dt];
    if (!n) return null;
    const vals = [];
    for (let i = 0; i + n <= b.length; i += n) {
      vals.push(dt === 1 ? b.readFloatLE(i) : dt === 11 ? b.readDoubleLE(i) : dt === 7 ? Number(b.readBigInt64LE(i))
        : dt === 6 ? b.readInt32LE(i) : dt === 5 ? b.readInt16LE(i) : dt === 3 ? b.readInt8(i) : b.readUInt8(i));
    }
    return vals;
  }
  for (const k of ['float_data', 'int64_data', 'int32_data', 'double_data']) {
    if (t[k]) return t[k].map(Number);
  }
  return [];
}

function tensorDesc(t, maxVals = 8) {
  const dims = all(t, 'dims').map(Number);
  const dt = DT[one(t, 'data_type')] ?? `dtype${one(t, 'data_type')}`;
  const count = dims.reduce((a, b) => a * b, 1);
  let s = `${dt}[${dims.join(',')}]`;
  if (count <= maxVals) {
    const v = tensorValues(t);
    if (v) s += ` = ${dims.length ? `[${v.map(fmt).join(',')}]` : fmt(v[0])}`;
  }
  return s;
}

function fmt(x) {
  if (typeof x !== 'number') return String(x);
  if (Number.isInteger(x)) return String(x);
  const r = Math.fround(x);
  // shortest decimal that round-trips as float32
  for (let p = 1; p <= 9; p++) { const s = Number(r.toPrecision(p)); if (Math.fround(s) === r) return String(s); }
  return String(r);
}

function attrValue(a) {
  const type = one(a, 'type');
  switch (type) {
  case 'FLOAT': return fmt(Number(one(a, 'f') ?? 0));
  case 'INT': {
    const i = String(one(a, 'i') ?? 0);
    // Cast's "to" is a TensorProto.DataType
    return str(one(a, 'name')) === 'to' && DT[i] ? `${i} (${DT[i]})` : i;
  }
  case 'STRING': return JSON.stringify(str(one(a, 's')) ?? '');
  case 'FLOATS': return `[${all(a, 'floats').map((x) => fmt(Number(x))).join(',')}]`;
  case 'INTS': return `[${all(a, 'ints').join(',')}]`;
  case 'TENSOR': return `tensor ${tensorDesc(one(a, 't'))}`;
  default: return `<${type}>`;
  }
}

function valueInfo(v) {
  const tt = one(one(v, 'type'), 'tensor_type');
  const dims = all(one(tt, 'shape'), 'dim').map((d) => one(d, 'dim_value') ?? `?${str(one(d, 'dim_param')) ?? ''}`);
  return `${str(one(v, 'name'))}: ${DT[one(tt, 'elem_type')] ?? one(tt, 'elem_type')}[${dims.join(', ')}]`;
}

function countMap(list) {
  const m = new Map();
  for (const x of list) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
}
const counted = (list) => countMap(list).map(([v, n]) => `${v} x${n}`).join('; ');

// ---- main
const args = process.argv.slice(2);
let full = 6, proto = '/usr/include/onnx', model = null;
const inShapes = new Map();
for (let k = 0; k < args.length; k++) {
  const a = args[k];
  if (a === '-h' || a === '--help') { console.log(USAGE); process.exit(0); }
  else if (a === '--full') { full = Number(args[++k]); if (!Number.isInteger(full) || full < 0) fail('--full wants an integer >= 0', 2); }
  else if (a === '--proto') proto = args[++k];
  else if (a === '--shape') {
    const m = /^([^=]+)=(\d+(?:,\d+)*)$/.exec(args[++k] ?? '');
    if (!m) fail('--shape wants NAME=D,D,...', 2);
    inShapes.set(m[1], m[2].split(',').map(Number));
  }
  else if (a.startsWith('-')) fail(`unknown option ${a}\n${USAGE}`, 2);
  else if (model === null) model = a;
  else fail(`one MODEL only\n${USAGE}`, 2);
}
if (!model) fail(`no MODEL\n${USAGE}`, 2);
if (!existsSync(model)) fail(`${model}: no such file`);
if (!existsSync(`${proto}/onnx.proto`)) fail(`${proto}/onnx.proto missing (apt-get install libonnx-dev)`);
const r = spawnSync('protoc', ['--decode=onnx.ModelProto', `-I${proto}`, `${proto}/onnx.proto`],
  { input: (await import('node:fs')).readFileSync(model), maxBuffer: 1 << 30 });
if (r.error) fail(`cannot run protoc (apt-get install protobuf-compiler): ${r.error.message}`);
if (r.status !== 0) fail(`protoc cannot decode ${model}: ${r.stderr.toString().trim()}`);
const mp = parseText(r.stdout.toString('latin1'));
const g = one(mp, 'graph');
const nodes = all(g, 'node');

// producers: output name -> node
const producer = new Map();
for (const n of nodes) for (const o of all(n, 'output')) producer.set(str(o), n);
const inits = new Map(all(g, 'initializer').map((t) => [str(one(t, 'name')), t]));
const graphInputs = new Set(all(g, 'input').map((v) => str(one(v, 'name'))));

function source(name, maxVals) {
  if (name === '') return '(absent)';
  if (inits.has(name)) return `initializer ${tensorDesc(inits.get(name), maxVals)}`;
  if (graphInputs.has(name)) return `graph input ${name}`;
  const p = producer.get(name);
  if (!p) return `? ${name}`;
  const op = str(one(p, 'op_type'));
  if (op === 'Constant') {
    const va = all(p, 'attribute').find((a) => str(one(a, 'name')) === 'value');
    return `Constant ${va ? tensorDesc(one(va, 't'), maxVals) : '?'}`;
  }
  return op;
}
// Like source() for the summary: constants with dtype, shape and (small
// ones) values.
function sourceKind(name) {
  return source(name, 4);
}

// ---- shape inference for the ops these models use, from --shape. Values
// of small integer tensors (the Shape/Cast/Slice/Concat/Reshape chain) are
// propagated too. shapes: name -> dims; vals: name -> numbers.
const shapes = new Map(), vals = new Map();
const attrOf = (n, name) => all(n, 'attribute').find((a) => str(one(a, 'name')) === name);
const ints = (n, name, d) => { const a = attrOf(n, name); return a ? all(a, 'ints').map(Number) : d; };
const intA = (n, name, d) => { const a = attrOf(n, name); return a ? Number(one(a, 'i')) : d; };
function bcast(a, b) {
  const r = Math.max(a.length, b.length), o = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1, y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`cannot broadcast [${a}] and [${b}]`);
    o.push(x === 1 ? y : x);
  }
  return o;
}
function infer() {
  for (const v of all(g, 'input')) {
    const nm = str(one(v, 'name'));
    if (inShapes.has(nm)) shapes.set(nm, inShapes.get(nm));
  }
  for (const n of nodes) {
    const op = str(one(n, 'op_type'));
    const ins = all(n, 'input').map(str), outs = all(n, 'output').map(str);
    const S = (i) => shapes.get(ins[i]);
    let o;
    if (op === 'Constant') {
      const t = one(attrOf(n, 'value'), 't');
      o = all(t, 'dims').map(Number);
      if (o.reduce((a, b) => a * b, 1) <= 16) vals.set(outs[0], tensorValues(t));
    } else if (ins.length && !S(0)) return `stopped at ${op} ${str(one(n, 'name'))}: unknown input shape`;
    else if (['Relu', 'Clip', 'HardSigmoid', 'Sigmoid', 'Softmax', 'BatchNormalization'].includes(op)) o = S(0);
    else if (['Add', 'Mul', 'Div', 'Sub'].includes(op)) o = bcast(S(0), S(1));
    else if (op === 'Conv' || op === 'MaxPool') {
      const [N, C, H, W] = S(0);
      const k = op === 'Conv' ? S(1).slice(2) : ints(n, 'kernel_shape');
      const st = ints(n, 'strides', [1, 1]), pd = ints(n, 'pads', [0, 0, 0, 0]), dl = ints(n, 'dilations', [1, 1]);
      const oh = Math.floor((H + pd[0] + pd[2] - dl[0] * (k[0] - 1) - 1) / st[0]) + 1;
      const ow = Math.floor((W + pd[1] + pd[3] - dl[1] * (k[1] - 1) - 1) / st[1]) + 1;
      o = [N, op === 'Conv' ? S(1)[0] : C, oh, ow];
    } else if (op === 'ConvTranspose') {
      const [N, , H, W] = S(0), w = S(1), g2 = intA(n, 'group', 1);
      const st = ints(n, 'strides', [1, 1]), pd = ints(n, 'pads', [0, 0, 0, 0]), dl = ints(n, 'dilations', [1, 1]);
      const op2 = ints(n, 'output_padding', [0, 0]);
      o = [N, w[1] * g2, st[0] * (H - 1) + op2[0] + dl[0] * (w[2] - 1) + 1 - pd[0] - pd[2],
        st[1] * (W - 1) + op2[1] + dl[1] * (w[3] - 1) + 1 - pd[1] - pd[3]];
    } else if (op === 'GlobalAveragePool') o = [...S(0).slice(0, 2), ...S(0).slice(2).map(() => 1)];
    else if (op === 'Resize') {
      const sc = vals.get(ins[2]), sz = ins[3] ? vals.get(ins[3]) : null;
      if (sz) o = sz; else if (sc && sc.length) o = S(0).map((d, i) => Math.floor(d * sc[i]));
      else return `stopped at Resize ${str(one(n, 'name'))}: scales/sizes not constant`;
    } else if (op === 'Concat') {
      const ax = intA(n, 'axis', 0), ss = ins.map((_, i) => S(i));
      const r = ss[0].length, a = ax < 0 ? ax + r : ax;
      o = [...ss[0]]; o[a] = ss.reduce((t, x) => t + x[a], 0);
      if (ins.every((x) => vals.has(x))) vals.set(outs[0], ins.flatMap((x) => vals.get(x)));
    } else if (op === 'Shape') { o = [S(0).length]; vals.set(outs[0], [...S(0)]); }
    else if (op === 'Cast') { o = S(0); if (vals.has(ins[0])) vals.set(outs[0], vals.get(ins[0])); }
    else if (op === 'Slice') {
      const st = ins.length > 1 ? vals.get(ins[1]) : ints(n, 'starts'), en = ins.length > 1 ? vals.get(ins[2]) : ints(n, 'ends');
      const ax = ins.length > 3 ? vals.get(ins[3]) : ints(n, 'axes', st.map((_, i) => i));
      o = [...S(0)];
      ax.forEach((a, i) => { const d = o[a]; const c = (x) => Math.min(d, Math.max(0, x < 0 ? x + d : x)); o[a] = Math.max(0, c(en[i]) - c(st[i])); });
      if (vals.has(ins[0]) && o.length === 1) vals.set(outs[0], vals.get(ins[0]).slice(st[0], en[0]));
    } else if (op === 'Reshape') {
      const t = vals.get(ins[1]);
      if (!t) return `stopped at Reshape ${str(one(n, 'name'))}: shape not known`;
      const total = S(0).reduce((a, b) => a * b, 1);
      o = t.map((d, i) => (d === 0 ? S(0)[i] : d));
      const j = o.indexOf(-1);
      if (j >= 0) o[j] = total / o.reduce((a, b, i) => (i === j ? a : a * b), 1);
    } else if (op === 'MatMul') { const a = S(0), b = S(1); o = [...a.slice(0, -1), b[b.length - 1]]; }
    else return `stopped at ${op}: no shape rule`;
    shapes.set(outs[0], o);
  }
  return null;
}
const inferNote = inShapes.size ? infer() : null;
const shp = (x) => (shapes.has(x) ? `[${shapes.get(x).join(',')}]` : '?');

const out = [];
const p = (s = '') => out.push(s);
const opsets = all(mp, 'opset_import').map((o) => `${str(one(o, 'domain')) || 'ai.onnx'} ${one(o, 'version')}`);
p(`model ${basename(model)}`);
const producerName = [str(one(mp, 'producer_name')), str(one(mp, 'producer_version'))].filter(Boolean).join(' ');
p(`  ir_version ${one(mp, 'ir_version')}, opset ${opsets.join(', ')}${producerName ? `, producer ${producerName}` : ''}`);
for (const v of all(g, 'input')) p(`  input  ${valueInfo(v)}`);
for (const v of all(g, 'output')) p(`  output ${valueInfo(v)}`);
if (inShapes.size) {
  p(`  shapes inferred for ${[...inShapes].map(([k, v]) => `${k}=[${v}]`).join(', ')}${inferNote ? `: ${inferNote}` : ''}`);
  for (const v of all(g, 'output')) p(`    ${str(one(v, 'name'))}: ${shp(str(one(v, 'name')))}`);
  if (!inferNote) {
    let big = 0, bigName = '', sum = 0;
    for (const n of nodes) {
      if (str(one(n, 'op_type')) === 'Constant') continue;
      for (const o of all(n, 'output')) {
        const e = (shapes.get(str(o)) ?? []).reduce((a, b) => a * b, 1);
        sum += e;
        if (e > big) { big = e; bigName = str(o); }
      }
    }
    p(`    largest activation: ${bigName} ${shp(bigName)} (${(big * 4 / 1048576).toFixed(2)} MiB float32); all activations together ${(sum * 4 / 1048576).toFixed(1)} MiB`);
  }
}
const consts = nodes.filter((n) => str(one(n, 'op_type')) === 'Constant');
let weightBytes = 0;
for (const n of consts) {
  const t = one(all(n, 'attribute').find((a) => str(one(a, 'name')) === 'value'), 't');
  const dims = all(t, 'dims').map(Number);
  weightBytes += dims.reduce((a, b) => a * b, 1) * (DT_BYTES[one(t, 'data_type')] ?? 0);
}
p(`  ${nodes.length} nodes, ${consts.length} of them Constant (${(weightBytes / 1048576).toFixed(2)} MiB of tensors), ${inits.size} initializers`);
p(`  op types: ${counted(nodes.map((n) => str(one(n, 'op_type'))))}`);

const byOp = new Map();
for (const n of nodes) {
  const op = str(one(n, 'op_type'));
  if (!byOp.has(op)) byOp.set(op, []);
  byOp.get(op).push(n);
}
for (const [op, ns] of [...byOp.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
  if (op === 'Constant') continue;
  p('');
  p(`${op} (${ns.length})`);
  const attrNames = [...new Set(ns.flatMap((n) => all(n, 'attribute').map((a) => str(one(a, 'name')))))].sort();
  for (const an of attrNames) {
    const vals = ns.map((n) => {
      const a = all(n, 'attribute').find((x) => str(one(x, 'name')) === an);
      return a ? attrValue(a) : '(unset)';
    });
    p(`  attr ${an}: ${counted(vals)}`);
  }
  if (attrNames.length > 1) {
    const combos = ns.map((n) => all(n, 'attribute').map((a) => `${str(one(a, 'name'))}=${attrValue(a)}`).sort().join(' '));
    const cm = countMap(combos);
    if (cm.length > 1) {
      p(`  attribute combinations (${cm.length}):`);
      for (const [c, k] of cm) p(`    x${k}: ${c}`);
    }
  }
  p(`  inputs per node: ${counted(ns.map((n) => all(n, 'input').length))}`);
  const maxIn = Math.max(...ns.map((n) => all(n, 'input').length));
  for (let i = 0; i < maxIn; i++) {
    let kinds = ns.map((n) => (i < all(n, 'input').length ? sourceKind(str(all(n, 'input')[i])) : '(none)'));
    // Many distinct small constants of one shape (per-layer scales): one entry.
    const prefixOf = (k) => /^(Constant|initializer) \w+\[[\d,]*\] = /.exec(k)?.[0];
    const perPrefix = countMap(kinds.map(prefixOf).filter(Boolean));
    for (const [pre] of perPrefix) {
      const distinct = new Set(kinds.filter((x) => prefixOf(x) === pre)).size;
      if (distinct > 6) kinds = kinds.map((x) => (prefixOf(x) === pre ? `${pre.slice(0, -3)} (${distinct} distinct values)` : x));
    }
    // Many distinct shapes of large constants of one rank: one entry.
    const bigOf = (k) => { const m = /^(Constant|initializer) (\w+)\[([\d,]*)\]$/.exec(k); return m ? `${m[1]} ${m[2]} rank ${m[3] ? m[3].split(',').length : 0}` : null; };
    for (const [pre] of countMap(kinds.map(bigOf).filter(Boolean))) {
      const distinct = new Set(kinds.filter((x) => bigOf(x) === pre)).size;
      if (distinct > 6) kinds = kinds.map((x) => (bigOf(x) === pre ? `${pre} (${distinct} distinct shapes)` : x));
    }
    p(`  input ${i}: ${counted(kinds)}`);
  }
  if (inShapes.size && !inferNote) {
    const ELTWISE = ['Add', 'Mul', 'Div', 'Sub', 'Relu', 'Clip', 'HardSigmoid', 'Sigmoid'];
    // Elementwise ops: how each input relates to the output's shape.
    const pat = (x, o) => {
      if (x === undefined) return '?';
      const nx = x.reduce((a, b) => a * b, 1);
      if (x.join() === o.join()) return 'full';
      if (nx === 1) return `scalar[${x}]`;
      if (x.length === o.length && x[1] === o[1] && x.every((d, i) => i === 1 || d === 1 || (i === 0 && d === o[0]))) return 'per-channel[N,C,1,1]';
      if (x.length === 1 && x[0] === o[o.length - 1]) return 'last-axis[C]';
      return `[${x}]`;
    };
    const ins = (n) => all(n, 'input').map(str).filter((x) => x !== '');
    if (ELTWISE.includes(op)) {
      const sig = ns.map((n) => { const o = shapes.get(str(one(n, 'output'))); return ins(n).map((x) => pat(shapes.get(x), o)).join(' , '); });
      p(`  broadcast (input shape vs output): ${counted(sig)}`);
    } else {
      const sig = ns.map((n) => `${ins(n).map((x) => shp(x)).join(' ')} -> ${all(n, 'output').map((x) => shp(str(x))).join(' ')}`);
      const cm = countMap(sig);
      p(`  shapes (inputs -> output), ${cm.length} distinct:`);
      for (const [c, k] of cm.slice(0, 8)) p(`    x${k}: ${c}`);
      if (cm.length > 8) p(`    ... ${cm.length - 8} more`);
    }
  }
  // Conv / ConvTranspose: weight shapes against group, to see depthwise.
  if (op === 'Conv' || op === 'ConvTranspose') {
    const ks = ns.map((n) => {
      const w = str(all(n, 'input')[1]);
      const src = source(w, 0);
      const dims = /\[([\d,]*)\]/.exec(src)?.[1].split(',').map(Number) ?? [];
      const ga = all(n, 'attribute').find((a) => str(one(a, 'name')) === 'group');
      const grp = ga ? Number(one(ga, 'i')) : 1;
      const kind = grp === 1 ? 'dense' : (op === 'Conv' && grp === dims[0] && dims[1] === 1 ? 'depthwise' : `grouped g=${grp}`);
      return `${kind} k${dims.slice(2).join('x')}`;
    });
    p(`  kinds: ${counted(ks)}`);
    p(`  weight shapes ${op === 'Conv' ? '[M, C/group, kH, kW]' : '[C, M/group, kH, kW]'}: ${counted(ns.map((n) => /\[([\d,]*)\]/.exec(source(str(all(n, 'input')[1]), 0))?.[0] ?? '?'))}`);
  }
  const consumers = new Map();
  for (const n of nodes) for (const i of all(n, 'input')) {
    if (!consumers.has(str(i))) consumers.set(str(i), []);
    consumers.get(str(i)).push(str(one(n, 'op_type')));
  }
  if (ns.length <= full) {
    for (const n of ns) {
      p(`  node ${JSON.stringify(str(one(n, 'name')) ?? '')}:`);
      const sh = (x) => (inShapes.size && shapes.has(x) ? ` ${shp(x)}` : '');
      all(n, 'input').forEach((i, k) => p(`    in${k} ${str(i) || '""'}${sh(str(i))} <- ${source(str(i), 8)}${vals.has(str(i)) && !/=/.test(source(str(i), 8)) ? ` = [${vals.get(str(i))}]` : ''}`));
      for (const a of all(n, 'attribute')) p(`    ${str(one(a, 'name'))} = ${attrValue(a)}`);
      all(n, 'output').forEach((o, k) => {
        const c = consumers.get(str(o)) ?? [];
        const isOut = all(g, 'output').some((v) => str(one(v, 'name')) === str(o));
        p(`    out${k} ${str(o)}${sh(str(o))}${vals.has(str(o)) ? ` = [${vals.get(str(o))}]` : ''} -> ${c.length ? c.join(', ') : ''}${isOut ? (c.length ? ', ' : '') + 'graph output' : ''}`);
      });
    }
  }
}
console.log(out.join('\n'));

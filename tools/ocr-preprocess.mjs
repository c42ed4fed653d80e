#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-only
//
// tools/ocr-preprocess.mjs - PaddleOCR's preprocessing of an image into the
// input tensor of the cls or det model, written as .npy (float32, C order).
// No npm packages: ImageMagick's convert decodes the image to binary PPM.
// See Documentation/models.rst, "Preprocessing".

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeNpy } from './npy.mjs';

const USAGE = `Usage: tools/ocr-preprocess.mjs --mode cls|det [--size WxH] IN.png OUT.npy

PaddleOCR preprocessing (channels in BGR order, as cv2.imread gives them):
  cls  resize to height 48 keeping the aspect ratio, width ceil(48*w/h) but
       at most 192 (bilinear, like cv2.INTER_LINEAR); (x/255 - 0.5)/0.5;
       CHW; pad on the right with 0 to width 192 -> [1,3,48,192]
  det  resize to --size (default 640x640, DetResizeForTest image_shape)
       bilinear; (x/255 - mean)/std with mean 0.485,0.456,0.406 and std
       0.229,0.224,0.225 on channels 0,1,2 = B,G,R (NormalizeImage);
       CHW -> [1,3,H,W]
Options:
  --size WxH   det only: target size, both multiples of 32 (default 640x640)
  -h, --help   this text`;

function fail(msg, code = 1) {
  process.stderr.write(`ocr-preprocess: ${msg}\n`);
  process.exit(code);
}

// Decode any image ImageMagick reads into { w, h, rgb: Uint8Array } (RGB,
// 8 bits, alpha laid over white).
function decode(file) {
  const r = spawnSync('/usr/bin/convert', [file, '-background', 'white', '-alpha', 'remove',
    '-alpha', 'off', '-colorspace', 'sRGB', '-type', 'TrueColor', '-depth', '8', 'ppm:-'],
  { maxBuffer: 1 << 30 });
  if (r.error) fail(`cannot run /usr/bin/convert (apt-get install imagemagick): ${r.error.message}`);
  if (r.status !== 0) fail(`convert failed on ${file}: ${r.stderr.toString().trim()}`);
  const b = r.stdout;
  // P6 header: "P6" ws width ws height ws maxval single-ws, '#' comments.
  let i = 0;
  const tok = () => {
    for (;;) {
      while (i < b.length && /\s/.test(String.fromCharCode(b[i]))) i++;
      if (b[i] === 0x23) { while (i < b.length && b[i] !== 0x0a) i++; continue; }
      break;
    }
    const s = i;
    while (i < b.length && !/\s/.test(String.fromCharCode(b[i]))) i++;
    return b.subarray(s, i).toString('latin1');
  };
  const magic = tok(), w = Number(tok()), h = Number(tok()), max = Number(tok());
  i++;
  if (magic !== 'P6' || !(w > 0) || !(h > 0) || max !== 255) fail(`${file}: unexpected PPM from convert (${magic} ${w}x${h} max ${max})`);
  if (b.length - i < w * h * 3) fail(`${file}: short PPM data from convert`);
  return { w, h, rgb: new Uint8Array(b.buffer, b.byteOffset + i, w * h * 3) };
}

// Bilinear resize of interleaved 8-bit pixels, sampling like OpenCV's
// INTER_LINEAR (pixel centres at +0.5, edges clamped, no antialiasing),
// rounded to 8 bits. Same size: an exact copy.
function resize(img, dw, dh) {
  const { w, h, rgb } = img;
  if (w === dw && h === dh) return img;
  const out = new Uint8Array(dw * dh * 3);
  const sx = w / dw, sy = h / dh;
  const axis = (d, s, n) => {
    let f = (d + 0.5) * s - 0.5;
    let i0 = Math.floor(f);
    f -= i0;
    if (i0 < 0) { i0 = 0; f = 0; }
    if (i0 >= n - 1) { i0 = n - 1; f = 0; }
    return [i0, Math.min(i0 + 1, n - 1), f];
  };
  for (let y = 0; y < dh; y++) {
    const [y0, y1, fy] = axis(y, sy, h);
    for (let x = 0; x < dw; x++) {
      const [x0, x1, fx] = axis(x, sx, w);
      for (let c = 0; c < 3; c++) {
        const p = (yy, xx) => rgb[(yy * w + xx) * 3 + c];
        const v = (1 - fy) * ((1 - fx) * p(y0, x0) + fx * p(y0, x1)) +
          fy * ((1 - fx) * p(y1, x0) + fx * p(y1, x1));
        out[(y * dw + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(v)));
      }
    }
  }
  return { w: dw, h: dh, rgb: out };
}

// NumPy float32 arithmetic, step by step: a double operation on float32
// operands rounded to float32 is the float32 operation.
const f32 = Math.fround;

function cls(img) {
  const H = 48, W = 192;
  const rw = Math.min(W, Math.ceil(H * (img.w / img.h)));
  const r = resize(img, rw, H);
  const t = new Float32Array(3 * H * W); // zero padding on the right
  for (let c = 0; c < 3; c++) { // c: 0 = B, 1 = G, 2 = R
    const src = 2 - c;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < rw; x++) {
        const v = r.rgb[(y * rw + x) * 3 + src];
        t[(c * H + y) * W + x] = f32(f32(f32(v / 255) - 0.5) / 0.5);
      }
    }
  }
  return { shape: [1, 3, H, W], data: t };
}

function det(img, W, H) {
  const r = resize(img, W, H);
  const scale = f32(1 / 255);
  const mean = [0.485, 0.456, 0.406].map(f32), std = [0.229, 0.224, 0.225].map(f32);
  const t = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++) { // c: 0 = B, 1 = G, 2 = R
    const src = 2 - c;
    for (let i = 0; i < H * W; i++) {
      const v = r.rgb[i * 3 + src];
      t[c * H * W + i] = f32(f32(f32(v * scale) - mean[c]) / std[c]);
    }
  }
  return { shape: [1, 3, H, W], data: t };
}

const args = process.argv.slice(2);
let mode = null, size = '640x640';
const files = [];
for (let k = 0; k < args.length; k++) {
  const a = args[k];
  if (a === '-h' || a === '--help') { console.log(USAGE); process.exit(0); }
  else if (a === '--mode') mode = args[++k];
  else if (a === '--size') size = args[++k];
  else if (a.startsWith('-')) fail(`unknown option ${a}\n${USAGE}`, 2);
  else files.push(a);
}
if (mode !== 'cls' && mode !== 'det') fail(`--mode cls or --mode det is required\n${USAGE}`, 2);
if (files.length !== 2) fail(`need IN and OUT\n${USAGE}`, 2);
const m = /^(\d+)x(\d+)$/.exec(size ?? '');
if (!m || +m[1] % 32 || +m[2] % 32 || +m[1] === 0 || +m[2] === 0) fail(`--size ${size}: want WxH, multiples of 32`, 2);
const [inFile, outFile] = files;
if (!existsSync(inFile)) fail(`${inFile}: no such file`);

const img = decode(inFile);
const t = mode === 'cls' ? cls(img) : det(img, +m[1], +m[2]);
writeNpy(outFile, '<f4', t.shape, t.data);

// SPDX-License-Identifier: GPL-2.0-only
//
// tools/npy.mjs - read and write NumPy .npy files (format 1.0, and 2.0/3.0 on
// read), C order, without NumPy. Used by tools/ocr-preprocess.mjs and
// tools/ort-ref.mjs.

import { readFileSync, writeFileSync } from 'node:fs';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

// descr -> [dtype name as ONNX Runtime's JS API spells it, typed array].
// Only little-endian (or byte-sized) types.
export const DTYPES = {
  '<f4': ['float32', Float32Array],
  '<f8': ['float64', Float64Array],
  '|i1': ['int8', Int8Array],
  '|u1': ['uint8', Uint8Array],
  '<i2': ['int16', Int16Array],
  '<u2': ['uint16', Uint16Array],
  '<i4': ['int32', Int32Array],
  '<u4': ['uint32', Uint32Array],
  '<i8': ['int64', BigInt64Array],
  '<u8': ['uint64', BigUint64Array],
  '|b1': ['bool', Uint8Array],
};

export function descrOf(type) {
  for (const [d, [t]] of Object.entries(DTYPES)) if (t === type) return d;
  return null;
}

// Returns { descr, type, shape, data } where data is a typed array of its
// own (copied, aligned). Throws Error with a message naming the file.
export function readNpy(file) {
  const buf = readFileSync(file);
  const bad = (why) => new Error(`${file}: not a valid .npy file: ${why}`);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw bad('no \\x93NUMPY magic');
  const major = buf[6];
  let hlen, hstart;
  if (major === 1) { hlen = buf.readUInt16LE(8); hstart = 10; }
  else if (major === 2 || major === 3) { hlen = buf.readUInt32LE(8); hstart = 12; }
  else throw bad(`format version ${major}.${buf[7]}`);
  if (hstart + hlen > buf.length) throw bad('truncated header');
  const header = buf.subarray(hstart, hstart + hlen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeStr = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeStr === undefined) throw bad(`header ${header.trim()}`);
  if (fortran === 'True') throw bad('Fortran order is not supported');
  const d = DTYPES[descr.replace(/^=/, '<')];
  if (!d) throw bad(`dtype ${descr} not supported (little-endian numeric or bool only)`);
  const shape = shapeStr.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) throw bad(`shape (${shapeStr})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const [type, Arr] = d;
  const nbytes = count * Arr.BYTES_PER_ELEMENT;
  const off = hstart + hlen;
  if (buf.length - off !== nbytes) throw bad(`${buf.length - off} data bytes, shape (${shape}) ${descr} needs ${nbytes}`);
  const copy = new ArrayBuffer(nbytes);
  new Uint8Array(copy).set(buf.subarray(off));
  return { descr: descr.replace(/^=/, '<'), type, shape, data: new Arr(copy) };
}

// Writes a format 1.0 .npy file; the header is padded so the data starts at
// a multiple of 64 bytes, as NumPy does.
export function writeNpy(file, descr, shape, data) {
  if (!DTYPES[descr]) throw new Error(`npy: dtype ${descr} not supported`);
  const shp = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shp}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const pre = Buffer.alloc(10);
  MAGIC.copy(pre);
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-only
//
// tools/npy-diff.mjs GOT.npy WANT.npy [TOL] - compare two float32 .npy
// tensors: same shape, every |got - want| <= TOL (default 1e-4) and no NaN
// where the reference has none. Prints one line: "max_abs_err E at index I
// (got G, want W), N elements" and exits 0 within tolerance, 1 otherwise,
// 2 on usage or file errors.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { readNpy } = await import(join(here, 'npy.mjs'));

const [gotFile, wantFile, tolArg] = process.argv.slice(2);
if (!gotFile || !wantFile || gotFile === '-h' || gotFile === '--help') {
  console.log('Usage: tools/npy-diff.mjs GOT.npy WANT.npy [TOL]');
  process.exit(gotFile === '-h' || gotFile === '--help' ? 0 : 2);
}
const tol = tolArg === undefined ? 1e-4 : Number(tolArg);
if (!(tol >= 0)) {
  console.error(`npy-diff: bad tolerance '${tolArg}'`);
  process.exit(2);
}
let got, want;
try {
  got = readNpy(gotFile);
  want = readNpy(wantFile);
} catch (e) {
  console.error(`npy-diff: ${e.message}`);
  process.exit(2);
}
const shape = (t) => `[${t.shape.join(',')}]`;
if (shape(got) !== shape(want)) {
  console.log(`shape ${shape(got)} differs from the reference's ${shape(want)}`);
  process.exit(1);
}
let worst = 0, at = 0, bad = false;
for (let i = 0; i < want.data.length; i++) {
  const g = got.data[i], w = want.data[i];
  const d = Math.abs(g - w);
  if (Number.isNaN(d) && !Number.isNaN(w)) {
    bad = true;
    worst = Infinity;
    at = i;
    break;
  }
  if (d > worst) {
    worst = d;
    at = i;
  }
}
console.log(`max_abs_err ${worst.toExponential(3)} at index ${at} (got ${got.data[at]}, want ${want.data[at]}), ${want.data.length} elements, tolerance ${tol}`);
process.exit(bad || worst > tol ? 1 : 0);

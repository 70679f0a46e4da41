// Backend selection, the fallback path, the SIMD override, threads, and the context-aware addon.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import * as fg from '../lib/index.js';
import { assertRejects, requireNative } from './support/harness.js';

const root = path.resolve(__dirname, '..');

function runChild(code: string, env: Record<string, string>): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return r.stdout.trim();
}

test('backendInfo says what loaded', () => {
  requireNative();
  const info = fg.backendInfo();
  assert.equal(info.backend, 'native');
  assert.equal(info.nativeAvailable, true);
  assert.equal(info.reason, '');
  assert.ok(info.simdLevels.includes('scalar'));
  assert.ok(info.simdLevels.includes(info.simd));
  assert.ok(info.threads >= 1);
});

test('an unloadable addon falls back to the TypeScript backend with the reason', () => {
  const code = "const fg=require('./lib/index.ts'); const i=fg.backendInfo(); const t=fg.Tensor.from([1,2]); console.log(JSON.stringify({b:i.backend,r:i.reason,n:i.nativeAvailable,v:Array.from(fg.ops.add(t,t).data),s:fg.simdLevel()}))";
  const missing = JSON.parse(runChild(code, { FASTGRAD_ADDON_PATH: path.join(root, 'no-such-dir', 'fastgrad.node') }));
  assert.equal(missing.b, 'js');
  assert.equal(missing.n, false);
  assert.match(missing.r, /no addon at .*no-such-dir/);
  assert.deepEqual(missing.v, [2, 4]);
  assert.equal(missing.s, 'none');
  // A file that is not a shared library (a corrupted addon).
  const corrupt = JSON.parse(runChild(code, { FASTGRAD_ADDON_PATH: path.join(root, 'package.json') }));
  assert.equal(corrupt.b, 'js');
  assert.match(corrupt.r, /loading .*package\.json failed|not a fastgrad addon/);
});

test('FASTGRAD_BACKEND=js and FASTGRAD_NUM_THREADS and FASTGRAD_SIMD are honoured', () => {
  requireNative();
  const code = "const fg=require('./lib/index.ts'); const i=fg.backendInfo(); console.log(JSON.stringify({b:fg.getBackend(), r:i.reason, t:fg.getNumThreads(), s:fg.simdLevel(), note:i.simdNote, is:i.simd, it:i.threads, io:i.openmp, n:i.nativeAvailable}))";
  const out = JSON.parse(runChild(code, { FASTGRAD_BACKEND: 'js', FASTGRAD_NUM_THREADS: '3', FASTGRAD_SIMD: 'scalar' }));
  assert.equal(out.b, 'js');
  assert.match(out.r, /FASTGRAD_BACKEND=js/);
  assert.equal(out.t, 3); // the addon's settings still apply to it (fg.getNumThreads, fg.simdLevel)...
  assert.equal(out.s, 'scalar');
  // ...but backendInfo() describes the kernels in use: the TypeScript ones, one thread, no SIMD.
  assert.equal(out.n, true);
  assert.equal(out.is, 'none');
  assert.equal(out.it, 1);
  assert.equal(out.io, false);
  assert.match(out.note, /TypeScript backend/);
  const nat = JSON.parse(runChild(code, { FASTGRAD_BACKEND: 'native', FASTGRAD_NUM_THREADS: '3', FASTGRAD_SIMD: 'scalar' }));
  assert.equal(nat.is, 'scalar');
  assert.equal(nat.it, 3);
  assert.match(nat.note, /forced scalar/);
  const bogus = JSON.parse(runChild("const fg=require('./lib/index.ts'); console.log(JSON.stringify({s:fg.simdLevel(), note:fg.backendInfo().simdNote}))", { FASTGRAD_SIMD: 'sse9' }));
  assert.match(bogus.note, /FASTGRAD_SIMD=sse9 is not one of/);
});

test('setBackend, setNumThreads, setSimdLevel validate their arguments', () => {
  requireNative();
  assertRejects(() => fg.setBackend('gpu' as never), RangeError, /Expected 'native' or 'js' for backend but received string "gpu"/);
  assertRejects(() => fg.setBackend(1 as never), TypeError, /for backend but received number 1/);
  assertRejects(() => fg.setNumThreads(0), RangeError, /Expected an integer in \[1, 1024\] for n but received number 0/);
  assertRejects(() => fg.setNumThreads(2.5), RangeError, /for n but received number 2.5/);
  assertRejects(() => fg.setSimdLevel('mmx'), RangeError, /for level but received 'mmx'/);
  const prev = fg.getNumThreads();
  fg.setNumThreads(3);
  assert.equal(fg.getNumThreads(), 3);
  fg.setNumThreads(prev);
  const best = fg.simdLevel();
  assert.equal(fg.setSimdLevel('scalar'), 'scalar');
  assert.equal(fg.simdLevel(), 'scalar');
  assert.equal(fg.setSimdLevel('auto'), best);
  fg.setBackend('js');
  assert.equal(fg.getBackend(), 'js');
  assert.match(fg.backendInfo().reason, /setBackend\("js"\)/);
  assert.equal(fg.backendInfo().simd, 'none');
  assert.equal(fg.backendInfo().threads, 1);
  fg.setBackend('native');
  assert.equal(fg.getBackend(), 'native');
});

test('context-aware addon: main thread and two workers run kernels at once', async () => {
  requireNative();
  const script = `
    require('tsx/cjs/api').register();
    const { parentPort, workerData } = require('node:worker_threads');
    const fg = require(${JSON.stringify(path.join(root, 'lib', 'index.ts'))});
    const n = 200000, a = new Float32Array(n), b = new Float32Array(n);
    for (let i = 0; i < n; i++) { a[i] = (i % 97) * 0.25; b[i] = workerData.k; }
    let t = new fg.Tensor(a, [n]);
    for (let r = 0; r < 50; r++) t = fg.ops.add(t, new fg.Tensor(b, [n]));
    fg.setSimdLevel('scalar');
    parentPort.postMessage({ backend: fg.getBackend(), threads: fg.getNumThreads(), simd: fg.simdLevel(), sum: t.data[12345] });
  `;
  const run = (k: number) =>
    new Promise<{ backend: string; threads: number; simd: string; sum: number }>((resolve, reject) => {
      const w = new Worker(script, { eval: true, workerData: { k } });
      w.once('message', resolve);
      w.once('error', reject);
    });
  const pending = [run(1), run(2)];
  const main = fg.ops.add(fg.Tensor.from([1, 2, 3]), 1).toArray();
  const [r1, r2] = await Promise.all(pending);
  assert.deepEqual(main, [2, 3, 4]);
  for (const [r, k] of [[r1, 1], [r2, 2]] as const) {
    assert.equal(r.backend, 'native');
    assert.equal(r.threads, 1, 'a worker defaults to one native thread');
    assert.equal(r.simd, 'scalar');
    assert.equal(r.sum, Math.fround((12345 % 97) * 0.25 + 50 * k));
  }
  // A worker's setSimdLevel did not change the main thread's instance.
  assert.notEqual(fg.simdLevel(), 'scalar');
});

test('idle OpenMP threads spin briefly, then sleep (unless the environment sets the wait policy)', () => {
  requireNative();
  const code = "const fg=require('./lib/index.ts'); fg.backendInfo(); console.log(process.env.OMP_WAIT_POLICY + ' ' + process.env.GOMP_SPINCOUNT)";
  const env = { ...process.env };
  delete env.OMP_WAIT_POLICY;
  delete env.GOMP_SPINCOUNT;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, env, encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'passive 30000');
  assert.equal(runChild(code, { OMP_WAIT_POLICY: 'active' }), process.env.GOMP_SPINCOUNT === undefined ? 'active undefined' : `active ${process.env.GOMP_SPINCOUNT}`);
  env.GOMP_SPINCOUNT = '5';
  const s = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, env, encoding: 'utf8' });
  assert.equal(s.stdout.trim(), 'undefined 5');
});

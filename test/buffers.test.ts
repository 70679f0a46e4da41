// The buffer cache of tensor storage (lib/backend/buffers.ts, docs/memory.md): what it recycles never
// changes a value a user can still read, under GC pressure; training gives the same bits with it on and
// off; it is bounded, reported by backendInfo().cache and released by fg.emptyCache().
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { CACHE_MIN, cacheInfo, emptyF32, recycleF32, setCacheLimit, zerosF32 } from '../lib/backend/buffers.js';

const root = path.resolve(__dirname, '..');

test('under GC pressure, nothing a user holds is handed out again; same bits with the cache on and off', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join('test', 'support', 'cache_child.ts'), '60'], { cwd: root, encoding: 'utf8', env: { ...process.env, FASTGRAD_QUIET: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    off: { params: number[][]; problems: string[]; hits: number; held: number };
    on: { params: number[][]; problems: string[]; hits: number; held: number };
    info: fg.CacheInfo;
    after: fg.CacheInfo;
  };
  // results, views, escaped .data arrays, detached tensors, old .grad tensors and hook-seen gradients
  // of earlier steps still hold the values they had
  assert.ok(out.on.held > 40);
  assert.deepEqual(out.on.problems, []);
  assert.deepEqual(out.off.problems, []);
  // the cache was used (so the check above means something), and changes no bit of training
  assert.ok(out.on.hits > 100, `cache hits ${out.on.hits}`);
  assert.equal(out.off.hits, 0);
  assert.deepEqual(out.on.params, out.off.params);
  assert.ok(out.info.bytes > 0 && out.info.buffers > 0);
  assert.equal(out.after.bytes, 0);
  assert.equal(out.after.buffers, 0);
});

test('recycled arrays are handed out again by exact length; emptyCache releases them', () => {
  fg.emptyCache();
  const n = CACHE_MIN * 3 + 1;
  const a = new Float32Array(n).fill(7);
  recycleF32(a);
  assert.equal(fg.backendInfo().cache.bytes, a.byteLength);
  assert.equal(fg.backendInfo().cache.buffers, 1);
  assert.notEqual(emptyF32(n + 1), a); // another length: a new array
  const b = zerosF32(n);
  assert.equal(b, a);
  assert.ok(b.every((v) => v === 0)); // cleared on the zeros path
  assert.equal(cacheInfo().bytes, 0);
  recycleF32(b);
  fg.emptyCache();
  assert.equal(cacheInfo().bytes, 0);
  assert.notEqual(emptyF32(n), a);
});

test('the cache refuses views, small arrays, a second recycle of one array, and what exceeds its limit', () => {
  fg.emptyCache();
  const big = new Float32Array(CACHE_MIN * 4);
  recycleF32(big.subarray(0, CACHE_MIN * 2)); // a view into a larger buffer
  recycleF32(new Float32Array(CACHE_MIN - 1));
  assert.equal(cacheInfo().buffers, 0);
  const a = new Float32Array(CACHE_MIN);
  recycleF32(a);
  recycleF32(a);
  assert.equal(cacheInfo().buffers, 1);
  assert.equal(emptyF32(CACHE_MIN), a);
  assert.notEqual(emptyF32(CACHE_MIN), a); // handed out once only
  const prev = setCacheLimit(CACHE_MIN * 4 * 2);
  try {
    recycleF32(new Float32Array(CACHE_MIN));
    recycleF32(new Float32Array(CACHE_MIN));
    recycleF32(new Float32Array(CACHE_MIN)); // over the limit: left to GC
    assert.equal(cacheInfo().buffers, 2);
    assert.ok(cacheInfo().bytes <= cacheInfo().limitBytes);
  } finally {
    setCacheLimit(prev);
    fg.emptyCache();
  }
});

test('a backward recycles its gradient temporaries and the next backward reuses them', () => {
  fg.emptyCache();
  const w = fg.randn([64, 64], { requiresGrad: true });
  const x = fg.randn([32, 64]);
  const step = () => {
    x.matmul(w).tanh().matmul(w).sum().backward();
    w.grad = null;
  };
  step();
  const h0 = cacheInfo().hits;
  assert.ok(cacheInfo().buffers > 0, 'the first backward gave temporaries back');
  step();
  assert.ok(cacheInfo().hits > h0, 'the second step took them');
  fg.emptyCache();
});

test('FASTGRAD_CACHE_MB sets the limit (0: off); a bad value is refused naming the variable', () => {
  const run = (v: string) => spawnSync(process.execPath, ['--import', 'tsx', '-e', "console.log(require('./lib/index.ts').backendInfo().cache.limitBytes)"], { cwd: root, encoding: 'utf8', env: { ...process.env, FASTGRAD_CACHE_MB: v, FASTGRAD_QUIET: '1' } });
  const zero = run('0');
  assert.equal(zero.status, 0, zero.stderr);
  assert.equal(zero.stdout.trim(), '0');
  const two = run('2');
  assert.equal(two.stdout.trim(), String(2 * 2 ** 20));
  const bad = run('lots');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /FASTGRAD_CACHE_MB/);
  assert.match(bad.stderr, /lots/);
});

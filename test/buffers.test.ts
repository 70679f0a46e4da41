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

test("with the addon on glibc, memory of collected results stays in malloc's heap for the next arrays; emptyCache gives it back; FASTGRAD_CACHE_MB=0 or the user's MALLOC_* variables leave glibc alone", () => {
  // 64 dropped 4 MB results, then collections: glibc's defaults unmap each 4 MB block at once; tuned, they
  // stay in the heap (mallocFreeBytes) until emptyCache() trims it (the RSS falls).
  const script = `
    const fg = require('./lib/index.ts');
    const a = fg.rand([1e6]);
    for (let i = 0; i < 64; i++) fg.ops.mul(a, 2);
    gc();
    setTimeout(() => {
      gc();
      const before = fg.backendInfo().cache, rss0 = process.memoryUsage().rss;
      fg.emptyCache();
      const rss1 = process.memoryUsage().rss;
      console.log(JSON.stringify({ native: fg.backendInfo().backend === 'native', tuned: before.mallocTuned, free: before.mallocFreeBytes, released: rss0 - rss1 }));
    }, 50);`;
  const run = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, FASTGRAD_QUIET: '1', ...env } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { native: boolean; tuned: boolean; free: number; released: number };
  };
  // glibc's malloc only: not elsewhere, nor under AddressSanitizer's allocator (scripts/test-asan.cjs preloads it).
  const glibc = !!(process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
  const asan = /asan/.test(process.env.LD_PRELOAD ?? '');
  const tuned = run({});
  assert.equal(tuned.tuned, tuned.native && glibc && !asan);
  if (tuned.tuned) {
    assert.ok(tuned.free >= 16 * 2 ** 20, `malloc kept ${tuned.free} bytes free; expected at least 16 MB of the dropped results`);
    assert.ok(tuned.released >= 16 * 2 ** 20, `emptyCache() released ${tuned.released} bytes of RSS; expected at least 16 MB`);
  }
  assert.equal(run({ FASTGRAD_CACHE_MB: '0' }).tuned, false);
  assert.equal(run({ MALLOC_TRIM_THRESHOLD_: '131072' }).tuned, false);
});

test('every op and its gradient give the same bits from a cache of NaN-filled arrays as with the cache off', () => {
  type T = fg.Tensor;
  const R = (shape: number[], seed: number, lo = -2, hi = 2) => {
    let s = seed;
    const n = shape.reduce((a, b) => a * b, 1), d = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      d[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
    }
    return fg.tensor(d, { shape, requiresGrad: true });
  };
  const cases: [string, number[][], (...xs: T[]) => T, number?][] = [];
  const pairs: number[][][] = [[[32, 64], [32, 64]], [[32, 64], [64]], [[32, 64], [32, 1]], [[32, 64], []], [[2, 32, 64], [32, 1]], [[64], [32, 64]]];
  for (const [sa, sb] of pairs) {
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const) cases.push([`${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, [sa, sb], (a, b) => a[op](b)]);
    cases.push([`pow ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, [sa, sb], (a, b) => a.abs().add(0.5).pow(b), 1]);
  }
  for (const op of ['neg', 'abs', 'square', 'exp', 'relu', 'sigmoid', 'tanh'] as const) cases.push([op, [[32, 64]], (a) => a[op]()]);
  cases.push(['sqrt', [[32, 64]], (a) => a.abs().sqrt()], ['log', [[32, 64]], (a) => a.abs().add(0.1).log()]);
  cases.push(['mul number, pow number', [[32, 64]], (a) => a.mul(3).div(2).add(1).sub(0.5).pow(3)]);
  for (const d of [0, 1]) cases.push([`softmax/logSoftmax dim ${d}`, [[32, 64]], (a) => a.softmax(d).add(a.logSoftmax(d))]);
  cases.push(['matmul, lazy transposes', [[32, 64], [48, 64]], (a, b) => a.matmul(b.t()).tanh().matmul(b)]);
  cases.push(['matmul, broadcast batch', [[32, 64], [2, 64, 48]], (a, b) => a.matmul(b)]);
  cases.push(['sum/mean/var/max over dims', [[2, 32, 64]], (a) => a.sum(0).add(a.mean([0, 2], true).squeeze(0)).add(a.var(0)).add(a.max(0).values)]);
  cases.push(['shape ops', [[2, 32, 64]], (a) => fg.cat([a.permute(1, 0, 2).reshape([32, 128]), a.transpose(0, 1).flatten(1)], 0).narrow(0, 3, 40).expand([2, 40, 128])]);
  const run = (): Float32Array[] => {
    const out: Float32Array[] = [];
    cases.forEach(([, shapes, f], ci) => {
      const xs = shapes.map((s, i) => R(s, ci * 10 + i + 1));
      const y = f(...xs);
      const w = R(y.shape.slice(), 999).detach();
      y.mul(w).sum().backward();
      out.push(y.data.slice(), ...xs.map((x) => x.grad!.data.slice()));
    });
    return out;
  };
  const prev = setCacheLimit(0);
  let off: Float32Array[];
  try {
    off = run();
  } finally {
    setCacheLimit(prev);
  }
  fg.emptyCache();
  const lengths = new Set<number>();
  for (const a of off) if (a.length >= CACHE_MIN) lengths.add(a.length);
  for (const n of [...lengths, 2048, 4096, 1536, 5120, 8192]) for (let k = 0; k < 8; k++) recycleF32(new Float32Array(n).fill(NaN));
  const h0 = cacheInfo().hits;
  const on = run();
  assert.ok(cacheInfo().hits > h0 + 50, `the cache served the ops (${cacheInfo().hits - h0} hits)`);
  let k = 0;
  cases.forEach(([name, shapes]) => {
    for (let j = 0; j <= shapes.length; j++, k++) {
      assert.deepEqual(new Uint32Array(on[k].buffer, on[k].byteOffset, on[k].length), new Uint32Array(off[k].buffer, off[k].byteOffset, off[k].length), `${name}: ${j === 0 ? 'value' : `gradient of input ${j - 1}`}`);
    }
  });
  fg.emptyCache();
});

test('Sequential gives the intermediates between its Linear steps back once the tape that saved them is freed, never while a graph can read them; same bits with the cache on and off', () => {
  // the chain's two intermediates: the input each Linear node after the first saved (before backward)
  type Saving = { gradFn: { saved: Saving[] | null } | null; data: Float32Array };
  const inners = (out: fg.Tensor): Float32Array[] => {
    const h2 = (out as unknown as Saving).gradFn!.saved![0];
    return [h2.data, h2.gradFn!.saved![0].data];
  };
  const run = (cache: boolean) => {
    setCacheLimit(cache ? 256 * 2 ** 20 : 0);
    fg.emptyCache();
    const g = new fg.Generator(11);
    const model = new fg.nn.Sequential(new fg.nn.Linear(16, 1024, { generator: g }), new fg.nn.ReLU(), new fg.nn.Linear(1024, 1024, { generator: g }), new fg.nn.Tanh(), new fg.nn.Linear(1024, 4, { generator: g }));
    const opt = new fg.optim.SGD(model.parameters(), { lr: 0.05 });
    const x = fg.randn([4, 16], { generator: g }), x2 = fg.randn([4, 16], { generator: g });
    const held: [fg.Tensor, Float32Array][] = [];
    const hold = (t: fg.Tensor) => held.push([t, t.data.slice()]);
    // which forward's intermediate each array was: an array seen again is one the chain gave back
    const seen = new Map<Float32Array, string>();
    const reuses: string[] = [];
    const note = (name: string, out: fg.Tensor) => {
      for (const a of inners(out)) {
        if (seen.has(a)) reuses.push(`${name} <- ${seen.get(a)}`);
        seen.set(a, name);
      }
    };
    for (let s = 0; s < 3; s++) {
      // a plain step
      const o1 = model.forward(x);
      note(`o1.${s}`, o1);
      hold(o1);
      o1.square().mean().backward();
      opt.step();
      opt.zeroGrad();
      // two forwards before one backward (gradient accumulation): the first one's graph is alive
      const a = model.forward(x), b = model.forward(x2);
      note(`a.${s}`, a);
      note(`b.${s}`, b);
      hold(a);
      // an evaluation forward between a forward and its backward
      hold(fg.noGrad(() => model.forward(x2)));
      a.square().mean().add(b.abs().mean()).backward();
      opt.step();
      opt.zeroGrad();
      // a retained graph, backwarded twice across another forward
      const r = model.forward(x2);
      note(`r.${s}`, r);
      const l = r.square().sum();
      l.backward(null, { retainGraph: true });
      const m = model.forward(x);
      note(`m.${s}`, m);
      hold(m);
      l.backward();
      opt.step();
      opt.zeroGrad();
    }
    for (const [t, copy] of held) assert.deepEqual(Array.from(t.data), Array.from(copy), 'a result the user holds kept its values');
    return { params: model.parameters().map((p) => Array.from(new Uint32Array(p.data.buffer, p.data.byteOffset, p.size))), reuses };
  };
  try {
    const off = run(false), on = run(true);
    assert.deepEqual(on.params, off.params, 'the same bits with the cache on and off');
    assert.deepEqual(off.reuses, [], 'nothing given back with the cache off');
    // Given back: only what a plain step's forward (o1) made, its graph freed by its backward, once the
    // next forward has completed. Never a's or b's (their graph was alive at each later forward's end),
    // r's (retained) or m's (never backwarded).
    assert.ok(on.reuses.length > 0, 'the cache handed intermediates of a freed graph to a later forward');
    for (const r of on.reuses) assert.match(r, /<- o1\.\d$/);
  } finally {
    setCacheLimit(256 * 2 ** 20);
    fg.emptyCache();
  }
});

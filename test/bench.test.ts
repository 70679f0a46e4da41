// The bench machinery: every bench/suites/*.ts loads and exports a BenchSuite, the runner derives its
// figures correctly, and the threshold script finds the crossover.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { complete, loadSuite, markdownTable, suiteFiles } from '../bench/run.js';
import { crossover } from '../bench/threshold.js';
import type { BenchContext, BenchRow } from '../bench/harness.js';
import { allKernels } from '../lib/backend/select.js';

test('every bench suite file exports `suite: BenchSuite` with a unique name', async () => {
  const files = suiteFiles();
  assert.ok(files.some((f) => f.endsWith('elementwise.ts')), 'bench/suites/elementwise.ts missing');
  const names = new Set<string>();
  for (const f of files) {
    const s = await loadSuite(f);
    assert.ok(!names.has(s.name), `two suites are named ${s.name}`);
    names.add(s.name);
  }
});

test('the runner fills ns/element, % of bandwidth and peak, and speedup vs the TypeScript row', () => {
  const { js, native } = allKernels();
  const ctx: BenchContext = { js, native, bandwidthGBs: 40, fmaPeakGFlops: 200, threads: 2, quick: true };
  const rows: BenchRow[] = [
    { suite: 's', case: 'add', backend: 'native', size: 1000, medianMs: 0.001, gbPerS: 12 },
    { suite: 's', case: 'add', backend: 'js', size: 1000, medianMs: 0.004 },
    { suite: 's', case: 'mm', backend: 'native', size: '8x8x8', medianMs: 1, gflops: 50 },
  ];
  const out = complete(rows, ctx);
  assert.equal(out[0].nsPerElement, 1);
  assert.equal(out[0].pctBandwidth, 30);
  assert.equal(out[0].speedupVsJs, 4);
  assert.equal(out[1].speedupVsJs, 1);
  assert.equal(out[2].nsPerElement, undefined);
  assert.equal(out[2].pctPeak, 25);
  assert.equal(out[2].speedupVsJs, undefined);
  const md = markdownTable('s', out).split('\n');
  assert.equal(md[0], '### s');
  assert.match(md[4], /^\| add \| native \| 1e3 \| 0\.00100 \| 1\.00 \| 12\.0 \| 30% \|  \|  \| 4\.00x \|  \|$/);
});

test('threshold crossover: the smallest size from which on the threaded run always wins', () => {
  const pts = (xs: Array<[number, number, number]>) => xs.map(([size, oneMs, manyMs]) => ({ size, oneMs, manyMs }));
  assert.equal(crossover(pts([[1, 1, 2], [2, 2, 1.9], [4, 4, 3]])), 2);
  assert.equal(crossover(pts([[1, 1, 0.5], [2, 2, 2.5], [4, 4, 3]])), 4); // an early win followed by a loss does not count
  assert.equal(crossover(pts([[1, 1, 2], [2, 2, 3]])), null);
});

// tfjs-core's published op test suite (about 3,900 jasmine specs per backend) on 'fastgrad' and on
// 'cpu' in one child process: every spec that passes on 'cpu' must pass on 'fastgrad'. Takes about
// 1.5-2.5 minutes on two cores, so it is a file of its own (node runs test files in parallel).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { nativeKernelNames } from '../lib/tfjs/index.js';

const root = path.resolve(__dirname, '..');

/**
 * Specs not required to pass on 'fastgrad' even where they pass on 'cpu', with the reason (the wasm
 * backend keeps the same kind of list). The runner itself leaves out only the web-worker spec, as
 * tfjs-backend-cpu's own setup does.
 */
const EXCLUDED: readonly { spec: string; reason: string }[] = [
  { spec: 'Switching cpu backends', reason: "tfjs-core runs it only where backendName is 'cpu' (it registers cpu1/cpu2 copies of the CPU backend)" },
];

interface Result {
  name: string;
  status: string;
  message?: string;
}

test("tfjs-core's op test suite: every spec that passes on 'cpu' passes on 'fastgrad'", { timeout: 900_000 }, () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fgtf-suite-')), 'results.json');
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('test', 'support', 'tfjs_core_suite.ts'), out], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  assert.equal(r.status, 0, `suite runner failed: ${r.stderr.slice(-4000)}`);
  const { results, kernelCounts } = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    results: Result[];
    kernelCounts: Record<string, { fastgrad: number; cpu: number }>;
  };
  // A spec's name carries the env of each describeWithFlags level ("slice fastgrad {} ergonomics cpu {} ...");
  // the innermost one picks the backend it runs on.
  const TAG = / (fastgrad|cpu) \{/g;
  const env = (n: string) => [...n.matchAll(TAG)].pop()?.[1] ?? 'none';
  const key = (n: string) => n.replace(TAG, ' <env> {');
  const fastgrad = new Map<string, Result[]>();
  for (const x of results) if (env(x.name) === 'fastgrad') fastgrad.set(key(x.name), [...(fastgrad.get(key(x.name)) ?? []), x]);
  const cpuPassed = results.filter((x) => env(x.name) === 'cpu' && x.status === 'passed');
  // The run is the real suite, not an empty or filtered one.
  assert.ok(cpuPassed.length > 3000, `only ${cpuPassed.length} specs passed on cpu`);
  const failing: string[] = [];
  for (const c of cpuPassed) {
    const k = key(c.name);
    if (EXCLUDED.some((e) => k.includes(e.spec))) continue;
    const f = fastgrad.get(k) ?? [];
    const bad = f.find((x) => x.status !== 'passed');
    if (f.length === 0 || bad) failing.push(`${k}: ${bad ? `${bad.status} ${bad.message ?? ''}` : 'did not run on fastgrad'}`);
  }
  assert.deepEqual(failing, [], `${failing.length} specs pass on cpu but not on fastgrad`);
  // Every fastgrad kernel ran its own code in the suite (not only the CPU fallback).
  const unused = nativeKernelNames.filter((k) => !(kernelCounts[k]?.fastgrad > 0));
  assert.deepEqual(unused, [], 'fastgrad kernels the suite never ran');
  console.log(`tfjs-core suite: ${cpuPassed.length} specs passed on cpu, ${[...fastgrad.values()].flat().length} ran on fastgrad, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
});

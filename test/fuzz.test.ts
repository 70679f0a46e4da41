// Property test: random arguments thrown at every function the native addon exports (enumerated at run
// time) never crash the process: each call returns or throws a TypeError / RangeError / Error. The calls
// run in a child process (test/support/fuzz-child.ts) so a crash is a failed test, not a dead runner.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { requireNative } from './support/harness.js';

const root = path.resolve(__dirname, '..');

test('fuzz: random arguments to every addon function never crash (child process)', () => {
  requireNative();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('test', 'support', 'fuzz-child.ts')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, FG_FUZZ_MS: process.env.FG_FUZZ_MS ?? '15000' },
  });
  const where = `status ${r.status}, signal ${r.signal}\nstderr: ${r.stderr.slice(-4000)}`;
  assert.equal(r.signal, null, `the fuzz child died (crash or hang): ${where}`);
  assert.equal(r.status, 0, `the fuzz child failed: ${where}`);
  const s = JSON.parse(r.stdout.trim().split('\n').pop()!);
  // Every exported function was exercised, some calls got through the checks and ran, some were refused.
  assert.ok(s.names.length >= 10, `only ${s.names.length} functions exported`);
  for (const n of s.names) assert.ok(s.perFunction[n].calls > 0, `${n} was never called (seed ${s.seed})`);
  assert.ok(s.returned > 0 && s.TypeError > 0 && s.RangeError > 0, JSON.stringify(s));
  assert.ok(s.calls >= 1000, `only ${s.calls} calls in the time limit`);
  console.log(`fuzz: ${s.calls} calls in ${s.ms} ms (seed ${s.seed}): ${s.returned} returned, ${s.TypeError} TypeError, ${s.RangeError} RangeError, ${s.Error} Error`);
});

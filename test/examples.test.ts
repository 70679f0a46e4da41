// The README's example runs as documented, on both backends, and learns.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..');

for (const backend of ['native', 'js']) {
  test(`examples/two-moons.ts learns on the ${backend} backend`, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/two-moons.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, FASTGRAD_BACKEND: backend },
    });
    assert.equal(r.status, 0, r.stderr);
    const m = /accuracy ([\d.]+)% on the (\w+) backend/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.equal(m[2], backend);
    assert.ok(Number(m[1]) >= 95, `accuracy ${m[1]}%`);
    const losses = [...r.stdout.matchAll(/loss ([\d.]+)/g)].map((x) => Number(x[1]));
    assert.ok(losses.length >= 3 && losses[losses.length - 1] < losses[0] / 4, `losses ${losses}`);
  });
}

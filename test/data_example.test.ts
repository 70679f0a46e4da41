// docs/data.md's worked example runs as documented: examples/csv-train.ts reads examples/data/flowers.csv
// through a worker dataset (two worker threads), trains with fg.train.fit and learns.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..');

test('examples/csv-train.ts reads the CSV in worker threads, trains with fit and learns', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/csv-train.ts'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const epochs = [...r.stdout.matchAll(/^Epoch (\d+)\/15: loss ([\d.]+) \| accuracy [\d.]+ \| valLoss [\d.]+ \| valAccuracy [\d.]+ \| lr 0\.01 \| [\d.e+]+ samples\/s$/gm)];
  assert.ok(epochs.length >= 5, r.stdout);
  assert.ok(Number(epochs[epochs.length - 1][2]) < Number(epochs[0][2]) / 2, r.stdout);
  const m = /validation accuracy ([\d.]+)% after (\d+) epochs \(2 workers, \w+ backend\)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[1]) >= 90, `validation accuracy ${m[1]}%`);
  assert.equal(Number(m[2]), epochs.length);
});

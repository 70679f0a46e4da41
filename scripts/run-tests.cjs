'use strict';
// npm test: every test file under test/ (TypeScript, run through tsx) with node's test runner.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '..');
const filter = process.argv.slice(2);
const files = fs
  .readdirSync(path.join(root, 'test'))
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)))
  .sort()
  .map((f) => path.join('test', f));
if (files.length === 0) {
  // node --test with no files would search the whole tree (node_modules included)
  console.error(`run-tests: no test file under test/ matches ${filter.join(', ')}`);
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { cwd: root, stdio: 'inherit' });
process.exit(res.status ?? 1);

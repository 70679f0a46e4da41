'use strict';
// npm run test:valgrind [test-file-substring ...]: runs test files in-process under valgrind memcheck
// and fails on any error whose stack passes through fastgrad's addon (V8's own conservative stack
// scanning reads uninitialised words by design; those reports are counted apart, not failed on).
// Valgrind does not emulate AVX-512, and its CPUID says so: the dispatch then runs avx2 and scalar.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const filters = process.argv.slice(2);
const files = fs
  .readdirSync(path.join(root, 'test'))
  .filter((f) => f.endsWith('.test.ts') && (filters.length === 0 || filters.some((p) => f.includes(p))))
  .sort();
let ours = 0;
let failed = false;
for (const f of files) {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-vg-'));
  const t0 = Date.now();
  const r = spawnSync(
    'valgrind',
    ['--tool=memcheck', '--trace-children=yes', "--trace-children-skip=*esbuild*", `--log-file=${logDir}/vg.%p.log`, '--num-callers=30',
      process.execPath, '--import', 'tsx', path.join('test', f)],
    { cwd: root, encoding: 'utf8', env: { ...process.env, FASTGRAD_VALGRIND: '1' }, maxBuffer: 1 << 28 },
  );
  if (r.error) {
    console.error(`test:valgrind: cannot run valgrind: ${r.error.message}`);
    process.exit(1);
  }
  let fileOurs = 0, other = 0;
  for (const log of fs.readdirSync(logDir)) {
    const text = fs.readFileSync(path.join(logDir, log), 'utf8');
    // Error blocks start with "==pid== <Description>" after a blank "==pid== " line.
    for (const block of text.split(/\n==\d+== \n/)) {
      if (!/^==\d+== (Invalid|Conditional|Use of uninitialised|Syscall param|Mismatched|Source and destination)/m.test(block)) continue;
      if (/fastgrad\.node|native\/(kernels|binding|isa)/.test(block)) {
        fileOurs++;
        if (fileOurs <= 3) console.error(block);
      } else other++;
    }
  }
  fs.rmSync(logDir, { recursive: true, force: true });
  const ok = r.status === 0 && fileOurs === 0;
  if (!ok) failed = true;
  ours += fileOurs;
  console.log(`${ok ? 'ok' : 'FAIL'} ${f}: ${fileOurs} error(s) in fastgrad code, ${other} outside it (V8), exit ${r.status}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
console.log(`test:valgrind: ${ours} error(s) in fastgrad code over ${files.length} file(s)`);
process.exit(failed ? 1 : 0);

'use strict';
// npm run test:sanitize: builds the addon with -fsanitize=address,undefined into build-asan/ (a copy of
// the tracked sources, so the normal build/ is untouched), then runs the native test files against it
// with the ASan runtime preloaded into node. Any sanitizer report fails the run.
// Usage: node scripts/test-sanitize.cjs [test-file-substring ...]
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'build-asan');
const src = path.join(out, 'src');
const cxx = process.env.CXX || 'g++';

function libPath(name) {
  return execFileSync(cxx, [`-print-file-name=${name}`], { encoding: 'utf8' }).trim();
}

// 1. Copy the sources (tracked and untracked-but-not-ignored files) into build-asan/src.
fs.rmSync(src, { recursive: true, force: true });
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && (f.startsWith('native/') || f === 'binding.gyp' || f.startsWith('scripts/') || f === 'package.json'));
for (const f of files) {
  fs.mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
  fs.copyFileSync(path.join(root, f), path.join(src, f));
}
fs.symlinkSync(path.join(root, 'node_modules'), path.join(src, 'node_modules'));

// 2. Build with the sanitizers (flags through the environment: node-gyp passes CFLAGS/CXXFLAGS/LDFLAGS on).
const san = '-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g';
const gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
const prefix = path.resolve(path.dirname(process.execPath), '..');
const gypArgs = [gyp, 'rebuild', '-j', 'max'];
if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) gypArgs.push(`--nodedir=${prefix}`);
const t0 = Date.now();
const b = spawnSync(process.execPath, gypArgs, {
  cwd: src,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, CFLAGS: san, CXXFLAGS: san, LDFLAGS: '-fsanitize=address,undefined' },
});
if (b.status !== 0) {
  console.error('test:sanitize: the sanitizer build failed');
  process.exit(1);
}
console.log(`test:sanitize: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// 3. Run the tests against it. Node itself is not instrumented and keeps memory alive until exit, so
// leak detection is off here (the leak soak covers leaks); every other ASan/UBSan report aborts.
const addon = path.join(src, 'build', 'Release', 'fastgrad.node');
const filters = process.argv.slice(2);
const res = spawnSync(process.execPath, [path.join(root, 'scripts', 'run-tests.cjs'), ...filters], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
  env: {
    ...process.env,
    FASTGRAD_ADDON_PATH: addon,
    LD_PRELOAD: [libPath('libasan.so'), libPath('libubsan.so')].join(' '),
    ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_odr_violation=0',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
  },
});
process.stdout.write(res.stdout);
process.stderr.write(res.stderr);
const reports = `${res.stdout}\n${res.stderr}`.split('\n').filter((l) => /ERROR: AddressSanitizer|runtime error:|ERROR: UndefinedBehaviorSanitizer/.test(l));
if (reports.length) {
  console.error(`test:sanitize: ${reports.length} sanitizer report(s):\n${reports.slice(0, 20).join('\n')}`);
  process.exit(1);
}
console.log(`test:sanitize: 0 sanitizer reports (exit ${res.status})`);
process.exit(res.status ?? 1);

'use strict';
// `npm run test:sanitize`: builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer into
// build-asan/ (cmake-js, scripts/build-cmake.cjs --sanitize) and runs test files against it, so a read
// or write out of bounds, a use after free or undefined behaviour in a binding or kernel stops the
// run with a report instead of passing silently. Node itself is not instrumented: the ASan runtime is
// preloaded (LD_PRELOAD) so that it owns malloc, which places ArrayBuffer backing stores between
// red zones. Arguments are test-file substrings (default: every test file).
const { spawnSync, execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const filters = process.argv.slice(2);
const run = (cmd, args, env) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(process.execPath, [path.join(__dirname, 'build-cmake.cjs'), '--sanitize', 'address,undefined', '--tests']);
const cxx = process.env.CXX || 'c++';
const libasan = execFileSync(cxx, ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
run(process.execPath, [path.join(__dirname, 'run-tests.cjs'), ...filters], {
  FASTGRAD_ADDON_PATH: path.join(root, 'build-asan', 'Release', 'fastgrad.node'),
  LD_PRELOAD: libasan,
  // Node's own allocations are not ours to report (leaks at exit); stop at the first real error.
  ASAN_OPTIONS: 'detect_leaks=0:halt_on_error=1:abort_on_error=1:allocator_may_return_null=1',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
  FG_FUZZ_MS: process.env.FG_FUZZ_MS || '10000',
});

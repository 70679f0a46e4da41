'use strict';
// `npm run test:arm64`: the arm64 (NEON) kernels checked on an x86 machine. Cross-compiles the C++
// tests of native/test (every kernel family at every SIMD level against the scalar level, bit for bit;
// dispatch and FASTGRAD_SIMD) with aarch64-linux-gnu-g++ from the same CMakeLists.txt and flags, into
// build-arm64/, and runs them under qemu-aarch64 (ctest's cross-compiling emulator). Only the test
// program is built: the addon itself needs an arm64 Node.
//
// Needs (Debian/Ubuntu): apt-get install g++-aarch64-linux-gnu qemu-user. Not part of `npm test`.
// Options: --rebuild (clean first).
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'build-arm64');
const cxx = 'aarch64-linux-gnu-g++';
const sysroot = '/usr/aarch64-linux-gnu';

function die(msg) {
  console.error(`fastgrad test:arm64: ${msg}`);
  process.exit(1);
}
function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) die(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

for (const tool of [cxx, 'qemu-aarch64', 'cmake', 'ctest'])
  if (!has(tool)) die(`${tool} not found; on Debian/Ubuntu: apt-get install g++-aarch64-linux-gnu qemu-user cmake`);
if (!fs.existsSync(sysroot)) die(`${sysroot} (the arm64 C/C++ runtime for qemu) not found: apt-get install g++-aarch64-linux-gnu`);

if (process.argv.includes('--rebuild')) fs.rmSync(out, { recursive: true, force: true });
run('cmake', [
  '-S', root, '-B', out,
  '-DCMAKE_SYSTEM_NAME=Linux', '-DCMAKE_SYSTEM_PROCESSOR=aarch64', `-DCMAKE_CXX_COMPILER=${cxx}`,
  '-DCMAKE_BUILD_TYPE=Release', '-DFASTGRAD_NATIVE_TESTS=ON',
  `-DCMAKE_CROSSCOMPILING_EMULATOR=qemu-aarch64;-L;${sysroot}`,
]);
run('cmake', ['--build', out, '--target', 'fastgrad_native_tests', '--parallel', String(require('node:os').availableParallelism())]);
run('ctest', ['--test-dir', out, '--output-on-failure']);
// ctest prints only pass/fail: show what was checked, and on which levels
run('qemu-aarch64', ['-L', sysroot, path.join(out, 'native', 'test', 'fastgrad_native_tests')]);

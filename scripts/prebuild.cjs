'use strict';
// `npm run prebuild` (and `npm pack` through prepack): builds the prebuilt Node-API binaries that the
// published package carries, into prebuilds/<platform>-<arch>/, where lib/backend/native.ts looks for
// them at run time (no install script, no compiler on the user's machine). See docs/build.md.
//
// On Linux, with CMake and the same CMakeLists.txt and flags as every other build (plus -s), two files
// per target, so that a machine without libgomp.so.1 still gets native speed on one thread:
//   prebuilds/linux-x64/fastgrad.glibc.node          OpenMP (needs libgomp.so.1, from gcc 6 on)
//   prebuilds/linux-x64/fastgrad.glibc.serial.node   no OpenMP: needs only libc, libm, libstdc++, libgcc_s
// linux-x64 is built by the host compiler (or x86_64-linux-gnu-g++), linux-arm64 by
// aarch64-linux-gnu-g++ (Debian: apt-get install g++-aarch64-linux-gnu) or the host's on an arm64 host.
// Headers: node-api-headers (Node-API only, whatever Node runs this), NAPI_VERSION 8 (Node >= 12.22):
// one binary serves Node 20, 22 and 24.
// Each binary is checked after the build (scripts/elf-info.cjs): the right machine, only the libraries
// above, and no symbol version newer than Debian 11's (glibc 2.31, libstdc++ of gcc 10): an error
// otherwise. prebuilds/<target>/build.json records what each file needs and a hash of its inputs; an
// unchanged target is not rebuilt (--force rebuilds).
// On macOS and Windows the binary is built with cmake-js (scripts/build-cmake.cjs) and copied to
// prebuilds/<platform>-<arch>/fastgrad.node (the recipe for CI runners of those systems).
//
// Options: --target <t>[,<t>] (default: every target whose compiler is installed), --require <t>[,<t>]
// (fail if one of them cannot be built; the release recipe), --force, --list.
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { elfInfo, maxVersion, LIMITS, tooNew } = require('./elf-info.cjs');

const root = path.resolve(__dirname, '..');
const outRoot = path.join(root, 'prebuilds');
const buildRoot = path.join(root, 'build-prebuild');

const SYSTEM_LIBS = ['libc.so.6', 'libm.so.6', 'libstdc++.so.6', 'libgcc_s.so.1', 'ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1'];

const LINUX_TARGETS = {
  'linux-x64': { arch: 'x64', processor: 'x86_64', cross: 'x86_64-linux-gnu-g++' },
  'linux-arm64': { arch: 'arm64', processor: 'aarch64', cross: 'aarch64-linux-gnu-g++' },
};
const VARIANTS = [
  { file: 'fastgrad.glibc.node', openmp: true },
  { file: 'fastgrad.glibc.serial.node', openmp: false },
];

function die(msg) {
  console.error(`fastgrad prebuild: ${msg}`);
  process.exit(1);
}
function has(cmd) {
  return spawnSync('sh', ['-c', `command -v "${cmd}"`], { stdio: 'ignore' }).status === 0;
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) die(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}
function flagList(name) {
  const i = process.argv.indexOf(name);
  return i < 0 ? null : (process.argv[i + 1] || '').split(',').filter(Boolean);
}

/** The compiler for a Linux target on this host, or null. */
function compilerFor(t) {
  if (t.arch === process.arch && process.platform === 'linux') return process.env.CXX || 'c++';
  return has(t.cross) ? t.cross : null;
}

function napiInclude() {
  try {
    return require('node-api-headers').include_dir;
  } catch {
    const local = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
    if (fs.existsSync(path.join(local, 'node_api.h'))) return local;
    die('neither the node-api-headers package (npm ci) nor Node headers were found');
  }
}

/** Hash of everything that goes into a Linux binary: sources, build file, headers' versions, compiler, this script. */
function inputsHash(cxx, variant) {
  const h = crypto.createHash('sha256');
  const files = ['CMakeLists.txt', 'scripts/prebuild.cjs'];
  const walk = (dir) => {
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) { if (rel !== 'native/test') walk(rel); } else files.push(rel);
    }
  };
  walk('native');
  for (const f of files) h.update(`${f}\0`).update(fs.readFileSync(path.join(root, f)));
  for (const p of ['node-addon-api', 'node-api-headers']) {
    try { h.update(`${p}@${require(`${p}/package.json`).version}`); } catch { h.update(`${p}@none`); }
  }
  const v = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
  h.update(String(v.stdout).split('\n')[0]).update(JSON.stringify(variant)).update(JSON.stringify(LIMITS));
  return h.digest('hex');
}

/** Errors ([] when fine) of a built Linux binary against the target and LIMITS. */
function checkBinary(file, target, variant) {
  const info = elfInfo(file);
  const errors = [];
  if (info.machine !== target.arch) errors.push(`built for ${info.machine}, not ${target.arch}`);
  const allowed = variant.openmp ? [...SYSTEM_LIBS, 'libgomp.so.1'] : SYSTEM_LIBS;
  for (const lib of info.needed) if (!allowed.includes(lib)) errors.push(`links ${lib}, which is not on every system`);
  if (variant.openmp && !info.needed.includes('libgomp.so.1')) errors.push('the OpenMP variant does not link libgomp.so.1 (does the compiler support -fopenmp?)');
  errors.push(...tooNew(info));
  return { info, errors };
}

function buildLinux(name, target, cxx, force) {
  const dir = path.join(outRoot, name);
  const manifestFile = path.join(dir, 'build.json');
  let manifest = {};
  try { manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')); } catch { /* first build */ }
  fs.mkdirSync(dir, { recursive: true });
  const next = { target: name, napiVersion: 8, compiler: String(spawnSync(cxx, ['--version'], { encoding: 'utf8' }).stdout).split('\n')[0], files: {} };
  for (const variant of VARIANTS) {
    const out = path.join(dir, variant.file);
    const hash = inputsHash(cxx, variant);
    const old = manifest.files && manifest.files[variant.file];
    if (!force && old && old.inputs === hash && fs.existsSync(out) && sha256(out) === old.sha256) {
      console.log(`prebuild ${name}/${variant.file}: up to date`);
      next.files[variant.file] = old;
      continue;
    }
    const bdir = path.join(buildRoot, `${name}-${variant.openmp ? 'openmp' : 'serial'}`);
    const t0 = Date.now();
    fs.rmSync(bdir, { recursive: true, force: true });
    const args = [
      '-S', root, '-B', bdir, '-DCMAKE_BUILD_TYPE=Release', `-DCMAKE_CXX_COMPILER=${cxx}`,
      `-DCMAKE_JS_INC=${napiInclude()}`, `-DNODE_ADDON_API_DIR=${require('node-addon-api').include_dir}`,
      `-DFASTGRAD_OPENMP=${variant.openmp ? 'ON' : 'OFF'}`, '-DFASTGRAD_GLOO=OFF', '-DCMAKE_SHARED_LINKER_FLAGS=-s',
    ];
    if (target.arch !== process.arch) args.push('-DCMAKE_SYSTEM_NAME=Linux', `-DCMAKE_SYSTEM_PROCESSOR=${target.processor}`);
    run('cmake', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    run('cmake', ['--build', bdir, '--target', 'fastgrad', '--parallel', String(os.availableParallelism())], { stdio: ['ignore', 'ignore', 'inherit'] });
    const built = path.join(bdir, 'fastgrad.node');
    const { info, errors } = checkBinary(built, target, variant);
    if (errors.length) die(`${name}/${variant.file}: ${errors.join('; ')}`);
    fs.copyFileSync(built, out);
    next.files[variant.file] = {
      sha256: sha256(out), bytes: fs.statSync(out).size, inputs: hash, openmp: variant.openmp,
      needs: { glibc: maxVersion(info, 'GLIBC'), glibcxx: maxVersion(info, 'GLIBCXX'), cxxabi: maxVersion(info, 'CXXABI'), gomp: maxVersion(info, 'GOMP'), libraries: info.needed },
    };
    console.log(`prebuild ${name}/${variant.file}: ${next.files[variant.file].bytes} bytes, needs ${maxVersion(info, 'GLIBC')}, ${maxVersion(info, 'GLIBCXX')}${variant.openmp ? ', libgomp.so.1' : ''} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  fs.writeFileSync(manifestFile, JSON.stringify(next, null, 2) + '\n');
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// macOS / Windows: the cmake-js build (it knows each system's linking rules for addons), copied.
function buildOther() {
  const name = `${process.platform}-${process.arch}`;
  const bdir = path.join(buildRoot, name);
  run(process.execPath, [path.join(__dirname, 'build-cmake.cjs'), '--rebuild', '--out', bdir]);
  fs.mkdirSync(path.join(outRoot, name), { recursive: true });
  fs.copyFileSync(path.join(bdir, 'Release', 'fastgrad.node'), path.join(outRoot, name, 'fastgrad.node'));
  console.log(`prebuild ${name}/fastgrad.node: built`);
}

function main() {
  const force = process.argv.includes('--force');
  const required = flagList('--require') || [];
  if (process.platform !== 'linux') {
    buildOther();
    return;
  }
  for (const t of required) if (!LINUX_TARGETS[t]) die(`unknown target ${t} (${Object.keys(LINUX_TARGETS).join(', ')})`);
  const wanted = flagList('--target') || Object.keys(LINUX_TARGETS);
  if (!has('cmake')) die('cmake not found (apt-get install cmake)');
  for (const name of wanted) {
    const target = LINUX_TARGETS[name];
    if (!target) die(`unknown target ${name} (${Object.keys(LINUX_TARGETS).join(', ')})`);
    const cxx = compilerFor(target);
    if (process.argv.includes('--list')) {
      console.log(`${name}: ${cxx || 'no compiler'}`);
      continue;
    }
    if (!cxx) {
      const msg = `${name}: skipped, ${target.cross} not found (Debian: apt-get install g++-${target.processor.replace('_', '-')}-linux-gnu)`;
      if (required.includes(name) || flagList('--target')) die(msg);
      console.log(`prebuild ${msg}`);
      continue;
    }
    buildLinux(name, target, cxx, force);
  }
}

main();

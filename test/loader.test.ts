// The addon loader's search order (FASTGRAD_ADDON_PATH, a build from source, the prebuilt binaries),
// the fallback between prebuilt variants, and the one-line notice when native is not in use.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { addonCandidates, loadAddon } from '../lib/backend/native.js';
import { noticeFor } from '../lib/backend/select.js';
import { requireNative } from './support/harness.js';

const root = path.resolve(__dirname, '..');
const built = path.join(root, 'build', 'Release', 'fastgrad.node');

function tempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'fg-loader-'));
}

test('candidates: FASTGRAD_ADDON_PATH alone, else a build from source, then the prebuilt binaries of the platform', () => {
  const dir = tempRoot();
  try {
    const libc = () => 'glibc';
    assert.deepEqual(addonCandidates(dir, 'x/a.node', 'linux', 'x64', libc), [{ path: path.resolve('x/a.node'), source: 'FASTGRAD_ADDON_PATH' }]);
    const pre = path.join(dir, 'prebuilds', 'linux-arm64');
    assert.deepEqual(addonCandidates(dir, undefined, 'linux', 'arm64', libc), [
      { path: path.join(pre, 'fastgrad.glibc.node'), source: 'prebuilt' },
      { path: path.join(pre, 'fastgrad.glibc.serial.node'), source: 'prebuilt', serial: true },
    ]);
    assert.deepEqual(addonCandidates(dir, undefined, 'linux', 'x64', () => 'musl').map((c) => path.basename(c.path)), ['fastgrad.musl.node', 'fastgrad.musl.serial.node']);
    assert.deepEqual(addonCandidates(dir, undefined, 'darwin', 'arm64', libc), [{ path: path.join(dir, 'prebuilds', 'darwin-arm64', 'fastgrad.node'), source: 'prebuilt' }]);
    fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'build', 'Release', 'fastgrad.node'), '');
    assert.deepEqual(addonCandidates(dir, undefined, 'win32', 'x64', libc).map((c) => c.source), ['built from source', 'prebuilt']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('no addon anywhere: the reason names the platform and how to build from source, and the notice is one line with the fix', () => {
  const dir = tempRoot();
  try {
    const l = loadAddon(dir, ''); // '': no FASTGRAD_ADDON_PATH, whatever the environment says (CI sets it for the cmake-js pass)
    assert.equal(l.addon, null);
    assert.equal(l.source, '');
    assert.match(l.reason, new RegExp(`no prebuilt binary for ${process.platform}-${process.arch}.*not built from source`));
    const line = noticeFor(l);
    assert.doesNotMatch(line, /\n/);
    assert.match(line, /^fastgrad: the native backend is not in use \(no addon at .*\); running the TypeScript kernels, typically 30-100x slower\. Fix, from your project: FASTGRAD_BUILD_FROM_SOURCE=1 npm rebuild fastgrad/);
    assert.match(line, /FASTGRAD_QUIET=1/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('prebuilt binaries: the OpenMP one loads first; when it cannot load, the one without OpenMP does, with a notice', { skip: process.platform !== 'linux' }, () => {
  requireNative();
  const dir = tempRoot();
  const pre = path.join(dir, 'prebuilds', `linux-${process.arch}`);
  fs.mkdirSync(pre, { recursive: true });
  const bytes = fs.readFileSync(built);
  // Children: each loads its own copy of the addon in a fresh process.
  const probe = () => {
    const code = `const n=require(${JSON.stringify(path.join(root, 'lib/backend/native.ts'))}); const s=require(${JSON.stringify(path.join(root, 'lib/backend/select.ts'))}); const l=n.loadAddon(${JSON.stringify(dir)}, ''); console.log(JSON.stringify({ok:!!l.addon, path:l.path, source:l.source, tried:l.tried, notice:s.noticeFor(l), simd:l.addon&&l.addon.simdLevel()}))`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, encoding: 'utf8', env: { ...process.env, FASTGRAD_QUIET: '1' } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim());
  };
  try {
    fs.writeFileSync(path.join(pre, 'fastgrad.glibc.node'), bytes);
    fs.writeFileSync(path.join(pre, 'fastgrad.glibc.serial.node'), bytes);
    const first = probe();
    if (first.path.includes('.musl.')) return; // a musl host looks for fastgrad.musl.node: nothing here to load
    assert.equal(first.ok, true);
    assert.equal(first.source, 'prebuilt');
    assert.equal(first.path, path.join(pre, 'fastgrad.glibc.node'));
    assert.deepEqual(first.tried, []);
    assert.equal(first.notice, '');
    // An OpenMP binary that cannot load here (as on a system without libgomp.so.1: here, truncated).
    fs.writeFileSync(path.join(pre, 'fastgrad.glibc.node'), bytes.subarray(0, 1000));
    const second = probe();
    assert.equal(second.ok, true);
    assert.equal(second.path, path.join(pre, 'fastgrad.glibc.serial.node'));
    assert.equal(second.tried.length, 1);
    assert.match(second.tried[0].error, /truncated/);
    assert.match(second.notice, /^fastgrad: the native backend runs on one thread: the OpenMP build did not load \(it is truncated.*apt-get install libgomp1/);
    // Neither loads: the TypeScript backend, and the reason lists both files.
    fs.writeFileSync(path.join(pre, 'fastgrad.glibc.serial.node'), bytes.subarray(0, 1000));
    const none = probe();
    assert.equal(none.ok, false);
    assert.equal(none.tried.length, 2);
    assert.match(none.notice, /fastgrad\.glibc\.node failed: .*; loading .*fastgrad\.glibc\.serial\.node failed/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** stderr of a child that loads fastgrad, prints a marker, then runs two ops (large enough to reach the backend's kernels). */
function stderrOf(env: Record<string, string>): { out: string; err: string } {
  const code = "const fg=require('./lib/index.ts'); process.stderr.write('MARK\\n'); const t=fg.Tensor.from(new Array(4096).fill(1)); fg.ops.add(t,t); fg.ops.add(t,t); console.log(fg.getBackend())";
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, encoding: 'utf8', env: { ...process.env, FASTGRAD_QUIET: '', FASTGRAD_BACKEND: '', ...env } });
  assert.equal(r.status, 0, r.stderr);
  return { out: r.stdout.trim(), err: r.stderr };
}

test('the fallback notice: once, on the first kernel call, on stderr; not when JS was chosen or FASTGRAD_QUIET=1', () => {
  const missing = path.join(root, 'no-such-dir', 'fastgrad.node');
  const r = stderrOf({ FASTGRAD_ADDON_PATH: missing });
  assert.equal(r.out, 'js');
  const lines = r.err.split('\n').filter(Boolean);
  assert.equal(lines[0], 'MARK', 'nothing is printed at require time');
  assert.equal(lines.length, 2, r.err);
  assert.match(lines[1], /^fastgrad: the native backend is not in use \(no addon at .*no-such-dir.*\); .*30-100x slower.*FASTGRAD_BUILD_FROM_SOURCE=1 npm rebuild fastgrad/);
  assert.deepEqual(stderrOf({ FASTGRAD_ADDON_PATH: missing, FASTGRAD_QUIET: '1' }).err, 'MARK\n');
  assert.deepEqual(stderrOf({ FASTGRAD_ADDON_PATH: missing, FASTGRAD_BACKEND: 'js' }).err, 'MARK\n');
  requireNative();
  const ok = stderrOf({});
  assert.equal(ok.out, 'native');
  assert.equal(ok.err, 'MARK\n');
});

test('fastgrad doctor --json: the backend, the addon and where it came from, and a speed check of both backends', () => {
  requireNative();
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'fastgrad.cjs'), 'doctor', '--json'], { cwd: root, encoding: 'utf8', env: { ...process.env, FASTGRAD_BACKEND: '', FASTGRAD_ADDON_PATH: '' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.info.backend, 'native');
  assert.equal(rep.info.addonPath, built);
  assert.equal(rep.info.addonSource, 'built from source');
  assert.ok(rep.cpuSimd.includes(rep.info.simd), `${rep.info.simd} in ${rep.cpuSimd}`);
  assert.deepEqual(rep.speed.map((s: { backend: string }) => s.backend), ['native', 'js']);
  for (const s of rep.speed) assert.ok(s.reps >= 3 && s.ms > 0 && s.gflops > 0, JSON.stringify(s));
  const text = spawnSync(process.execPath, [path.join(root, 'bin', 'fastgrad.cjs'), 'doctor', '--nope'], { cwd: root, encoding: 'utf8' });
  assert.equal(text.status, 2);
  assert.match(text.stderr, /unknown argument '--nope'/);
});

// The two builds (binding.gyp for node-gyp, CMakeLists.txt for cmake-js) take their sources from the one
// list native/sources.json, that list covers every translation unit, and only the per-ISA targets get
// ISA flags. The CMake half configures the real project (no compile) and reads the per-file commands.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as fg from '../lib/index.js';

const root = path.resolve(__dirname, '..');

interface Sources {
  isa: Record<'scalar' | 'avx2' | 'avx512' | 'neon', string[]>;
  addon: string[];
}
const sources: Sources = JSON.parse(fs.readFileSync(path.join(root, 'native', 'sources.json'), 'utf8'));
const ISA_FLAGS: Record<string, string[]> = {
  scalar: [],
  neon: [],
  avx2: ['-mavx2', '-mfma'],
  avx512: ['-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mfma'],
};
/** Flags that select an instruction set (none may reach a non-ISA translation unit). */
const isIsaFlag = (f: string) => /^-m(avx|fma|sse|arch|tune|cpu|fpu|bmi|f16c|popcnt)/.test(f);
const COMMON_FLAGS = ['-O3', '-ffp-contract=off', '-fno-math-errno', '-fno-trapping-math', '-fvisibility=hidden', '-std=c++17', '-fexceptions'];
const COMMON_DEFINES = ['-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS'];

function listed(): string[] {
  return [...Object.values(sources.isa).flat(), ...sources.addon];
}

function ccFilesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.cc'))
    .map((f) => `${dir}/${f}`);
}

/** binding.gyp is JSON plus '#' comment lines. */
function readGyp(): { target_defaults: Record<string, unknown>; targets: Array<Record<string, unknown>> } {
  const text = fs
    .readFileSync(path.join(root, 'binding.gyp'), 'utf8')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n');
  return JSON.parse(text);
}

/** Expands a gyp command expansion `<!@(cmd)` the way gyp does (run in the project root, split on whitespace). */
function expandGyp(entry: string): string[] {
  const m = /^<!@\((.*)\)$/s.exec(entry);
  if (!m) return [entry];
  return execFileSync('/bin/sh', ['-c', m[1]], { cwd: root, encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean);
}

test('native/sources.json lists every translation unit, and every listed file exists', () => {
  const all = listed();
  assert.equal(new Set(all).size, all.length, 'a file is listed twice');
  for (const f of all) assert.ok(fs.existsSync(path.join(root, f)), `${f} is listed but missing`);
  const required = [...ccFilesUnder('native/isa'), ...ccFilesUnder('native/binding'), 'native/addon.cc', 'native/dispatch.cc'];
  for (const f of required) assert.ok(all.includes(f), `${f} is not in native/sources.json`);
  for (const isa of Object.keys(ISA_FLAGS)) assert.deepEqual(sources.isa[isa as keyof Sources['isa']], [`native/isa/${isa}.cc`]);
});

test('binding.gyp takes every target\'s sources from native/sources.json; only ISA targets carry ISA flags', () => {
  const gyp = readGyp();
  const byName = new Map(gyp.targets.map((t) => [t.target_name as string, t]));
  const expected: Record<string, string[]> = { fastgrad: sources.addon };
  for (const [isa, files] of Object.entries(sources.isa)) expected[`fastgrad_isa_${isa}`] = files;
  assert.deepEqual([...byName.keys()].sort(), Object.keys(expected).sort());
  for (const [name, files] of Object.entries(expected)) {
    const t = byName.get(name)!;
    const srcs = (t.sources as string[]).flatMap(expandGyp);
    assert.deepEqual(srcs, files, `${name} sources`);
    assert.ok((t.sources as string[]).every((s) => s.includes('native/sources.json')), `${name} must read native/sources.json, not list files`);
  }
  // Flags: target_defaults has the common ones and no ISA flag; each ISA target exactly its own.
  const defaults = JSON.stringify(gyp.target_defaults);
  for (const f of ['-O3', '-ffp-contract=off', '-fno-math-errno', '-fno-trapping-math', '-fvisibility=hidden', '-std=c++17', '-fexceptions', 'NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS'])
    assert.ok(defaults.includes(`"${f}"`), `target_defaults lacks ${f}`);
  const flagsIn = (v: unknown) => (JSON.stringify(v).match(/"-m[a-z0-9-=]+"/g) ?? []).map((s) => s.slice(1, -1));
  assert.deepEqual(flagsIn(gyp.target_defaults), [], 'target_defaults must not carry ISA flags');
  assert.deepEqual(flagsIn(byName.get('fastgrad')), [], 'the addon target must not carry ISA flags');
  for (const [isa, want] of Object.entries(ISA_FLAGS)) {
    const got = new Set(flagsIn(byName.get(`fastgrad_isa_${isa}`)));
    assert.deepEqual([...got].sort(), [...want].sort(), `fastgrad_isa_${isa} ISA flags`);
  }
});

test('no build file asks for -march=native or -ffast-math', () => {
  const files = ['binding.gyp', 'CMakeLists.txt', 'package.json', ...fs.readdirSync(path.join(root, 'scripts')).map((f) => `scripts/${f}`)];
  const nativeTests = path.join(root, 'native', 'test', 'CMakeLists.txt');
  if (fs.existsSync(nativeTests)) files.push('native/test/CMakeLists.txt');
  for (const f of files) {
    const text = fs.readFileSync(path.join(root, f), 'utf8');
    for (const bad of ['-march=native', '-mtune=native', '-ffast-math', '-Ofast', '-funsafe-math-optimizations'])
      assert.ok(!text.includes(bad), `${f} contains ${bad}`);
  }
  const cmake = fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8');
  assert.match(cmake, /file\(READ\s+"\$\{CMAKE_CURRENT_SOURCE_DIR\}\/native\/sources\.json"/);
  assert.ok(!/\.cc\b/.test(cmake.replace(/^\s*#.*$/gm, '')), 'CMakeLists.txt must not name source files itself');
});

function cmakeAvailable(): boolean {
  return spawnSync('cmake', ['--version'], { stdio: 'ignore' }).status === 0;
}

test('CMakeLists.txt configures the same sources and flags (per-file compile commands)', (t) => {
  if (!cmakeAvailable()) {
    t.skip('cmake is not installed; the static checks above still ran');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-cmake-'));
  try {
    const nodeInc = path.join(path.dirname(process.execPath), '..', 'include', 'node');
    const r = spawnSync('cmake', ['-S', root, '-B', dir, '-DCMAKE_EXPORT_COMPILE_COMMANDS=ON', '-DCMAKE_BUILD_TYPE=Release', `-DCMAKE_JS_INC=${nodeInc}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, `cmake configure failed:\n${r.stdout}\n${r.stderr}`);
    const cmds: Array<{ file: string; command: string }> = JSON.parse(fs.readFileSync(path.join(dir, 'compile_commands.json'), 'utf8'));
    const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
    assert.deepEqual(cmds.map((c) => rel(c.file)).sort(), listed().sort(), 'CMake compiles exactly the listed files');
    const isaOf = new Map(Object.entries(sources.isa).flatMap(([isa, fs_]) => fs_.map((f) => [f, isa] as const)));
    for (const c of cmds) {
      const f = rel(c.file);
      const words = c.command.split(/\s+/);
      for (const flag of [...COMMON_FLAGS, ...COMMON_DEFINES]) assert.ok(words.includes(flag), `${f} lacks ${flag}`);
      const isa = isaOf.get(f);
      const want = isa ? ISA_FLAGS[isa] : [];
      assert.deepEqual([...new Set(words.filter(isIsaFlag))].sort(), [...want].sort(), `${f} ISA flags`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the addon in use is FASTGRAD_ADDON_PATH when set (CI runs the suite against the cmake-js build this way)', () => {
  const info = fg.backendInfo();
  const want = process.env.FASTGRAD_ADDON_PATH ? path.resolve(process.env.FASTGRAD_ADDON_PATH) : path.join(root, 'build', 'Release', 'fastgrad.node');
  assert.equal(info.addonPath, want);
  if (fs.existsSync(want)) assert.equal(info.nativeAvailable, true, `the addon at ${want} did not load: ${info.reason}`);
});

test('the addon in use asks glibc and libstdc++ for nothing newer than Debian 11 has (the prebuilt binaries\' limits)', () => {
  // scripts/elf-info.cjs: the same check `npm run prebuild` makes of each binary, here on every build
  const { elfInfo, tooNew } = require(path.join(root, 'scripts', 'elf-info.cjs')) as { elfInfo: (f: string) => unknown; tooNew: (i: unknown) => string[] };
  assert.deepEqual(tooNew({ versions: { 'libstdc++.so.6': ['GLIBCXX_3.4.28', 'CXXABI_1.3.12'] } }), []);
  // A sanitizer build (npm run test:sanitize) links the compiler's own runtime and never ships; its
  // instrumented code may ask for newer libstdc++ entry points, so there the release build is checked.
  const inUse = fg.backendInfo().addonPath;
  const sanitized = (f: string) => (elfInfo(f) as { needed: string[] }).needed.some((l) => /^lib(a|ub|t|l)san\.so/.test(l));
  const file = inUse && fs.existsSync(inUse) && os.platform() === 'linux' && sanitized(inUse) ? path.join(root, 'build', 'Release', 'fastgrad.node') : inUse;
  if (os.platform() === 'linux' && file && fs.existsSync(file)) {
    assert.ok(!sanitized(file), `${file} is a sanitizer build`);
    assert.deepEqual(tooNew(elfInfo(file)), [], `${file}: a newer libstdc++/glibc feature crept into native code`);
  }
  // the check itself sees a too-new version
  assert.deepEqual(tooNew({ versions: { 'libstdc++.so.6': ['GLIBCXX_3.4.29'] } }), ['needs GLIBCXX_3.4.29, newer than GLIBCXX_3.4.28 (Debian 11)']);
});

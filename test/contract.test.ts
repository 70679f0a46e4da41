// The TypeScript <-> native contract (lib/backend/contract.ts): declared once in lib/backend/spec/*.ts,
// the C++ side generated (native/contract.h, kernels/tables.h, kernels/all.inc, sources.json) or checked here.
// Fails when: a generated file is not current; a C++ file declares by hand a name the contract generates;
// the addon exports another set of functions than the specs declare; any entry point reads another
// argument (name, position, kind, or code range) than its spec says; the two backends' Kernels differ in shape.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Arg, Declaration, Entry, FamilySpec } from '../lib/backend/contract.js';
import { ALL_FAMILIES, CORE_DECLARATIONS, KERNEL_FAMILIES } from '../lib/backend/families.js';
import { allKernels, nativeAddon } from '../lib/backend/select.js';
import { OPTIM_H, OPTIM_SLOTS } from '../lib/backend/spec/optim.js';
import { renderContract, staleFiles } from '../scripts/gen-contract.js';
import { requireNative } from './support/harness.js';

const root = path.resolve(__dirname, '..');

test('the generated C++ side is current: npm run gen:contract would change nothing', () => {
  assert.deepEqual(staleFiles(root), [], 'run `npm run gen:contract` and commit the result');
});

/** Every C++ name the contract generates, with what it is. */
function generatedNames(): Map<string, string> {
  const names = new Map<string, string>();
  const add = (n: string, what: string) => {
    assert.ok(!names.has(n), `${n} is declared twice in the contract (${names.get(n)} and ${what})`);
    names.set(n, what);
  };
  const decls: Declaration[] = [...CORE_DECLARATIONS, ...ALL_FAMILIES.flatMap((f) => f.declarations)];
  for (const d of decls) {
    switch (d.kind) {
      case 'codes':
        add(d.cpp, 'an enum');
        for (const [, m] of d.members) add(m, `${d.cpp} member`);
        if (d.count) add(d.count, `${d.cpp} count`);
        break;
      case 'flags':
        add(d.cpp, 'an enum');
        for (const [, m] of d.members) add(m, `${d.cpp} flag`);
        add(d.all, `${d.cpp} all`);
        break;
      case 'slots':
        for (const n of d.names) add(`${d.prefix}_${n}`, 'a slot');
        break;
      case 'constant':
        add(d.cpp, 'a constant');
        break;
      case 'stateUse':
        add(d.cpp, 'a function');
        break;
    }
  }
  return names;
}

function nativeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? nativeFiles(p) : /\.(h|cc|inc)$/.test(e.name) ? [p] : [];
  });
}

test('no C++ file declares by hand a code, flag, slot or constant the contract generates', () => {
  const names = generatedNames();
  assert.ok(names.size > 100, `only ${names.size} generated names`);
  const generated = new Set(Object.keys(renderContract()).map((p) => path.join(root, p)));
  const offenders: string[] = [];
  for (const file of nativeFiles(path.join(root, 'native'))) {
    if (generated.has(file)) continue;
    const text = fs.readFileSync(file, 'utf8').replace(/\/\/[^\n]*/g, '');
    // An enumerator or constant definition: `NAME = <number>` inside an enum, `constexpr T NAME =`, `enum NAME`, `unsigned NAME(`.
    for (const [n, what] of names) {
      const def = new RegExp(`(\\benum\\s+${n}\\b|\\b${n}\\s*=\\s*[-0-9(]|constexpr\\s+[\\w:]+\\s+${n}\\b|\\b(unsigned|int)\\s+${n}\\s*\\()`);
      if (def.test(text)) offenders.push(`${path.relative(root, file)} defines ${n} (${what})`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('spec sanity: every optimizer\'s slots fit its h block; codes and entry names are unique', () => {
  for (const [algo, s] of Object.entries(OPTIM_SLOTS)) assert.ok(s.names.length <= OPTIM_H, `${algo} has ${s.names.length} slots > OPTIM_H`);
  const entries = ALL_FAMILIES.flatMap((f) => Object.keys(f.entries));
  assert.equal(new Set(entries).size, entries.length, 'an entry point is declared by two families');
  for (const f of ALL_FAMILIES) {
    assert.ok(!f.table || fs.existsSync(path.join(root, 'native', 'kernels', `${f.name}_api.h`)), `${f.name}: no native/kernels/${f.name}_api.h`);
    assert.ok(!f.table || fs.existsSync(path.join(root, 'native', 'kernels', `${f.name}.h`)), `${f.name}: no native/kernels/${f.name}.h`);
    assert.ok(fs.existsSync(path.join(root, 'native', 'binding', `${f.name}.cc`)), `${f.name}: no native/binding/${f.name}.cc`);
  }
});

test('the addon exports exactly the declared entry points (and <name>Async for the async ones)', (t) => {
  requireNative();
  const addon = nativeAddon() as unknown as Record<string, unknown> | null;
  if (!addon) return t.skip('no native addon (FASTGRAD_ALLOW_NO_NATIVE=1)');
  const want = ALL_FAMILIES.flatMap((f) => Object.entries(f.entries).flatMap(([n, e]) => (e.async ? [n, `${n}Async`] : [n]))).sort();
  const got = Object.keys(addon).filter((k) => typeof addon[k] === 'function').sort();
  assert.deepEqual(got, want);
});

/**
 * A value each kind accepts (arrays empty, sizes 1: later length checks fail, but only after every argument is read);
 * an external: what its maker entry point returns for its own accepted values.
 */
function validArg(a: Arg): unknown {
  switch (a.kind) {
    case 'external': {
      const maker = ALL_FAMILIES.map((f) => f.entries[a.madeBy]).find((e) => e !== undefined);
      assert.ok(maker, `no entry point ${a.madeBy} makes ${a.name}`);
      const addon = nativeAddon() as unknown as Record<string, (...x: unknown[]) => unknown>;
      return addon[a.madeBy](...maker.args.map(validArg));
    }
    case 'f32': return new Float32Array(0);
    case 'f32OrNull': return null;
    case 'f32List': return [];
    case 'f32OrNullList': return [];
    case 'i32': return new Int32Array(0);
    case 'bool': return false;
    case 'string': return 'auto';
    case 'int': return a.min;
    case 'size': return 1;
    default: return 0; // number, u32, code
  }
}

/** The error an argument-reading binding throws names the argument: "Expected ... for <name> but received ...". */
const namesArg = (name: string) => new RegExp(`Expected .* for ${name.replace(/[[\]]/g, '\\$&')} but received`);

function probeEntry(fam: FamilySpec, name: string, e: Entry, fn: (...a: unknown[]) => unknown): void {
  const where = `${fam.name}.${name}`;
  const ok = e.args.map(validArg);
  e.args.forEach((a, i) => {
    const args = ok.slice(0, i);
    // A symbol is nothing any argument takes: a TypeError naming this argument, at this position.
    assert.throws(() => fn(...args, Symbol('bad'), ...ok.slice(i + 1)), (err: Error) => {
      assert.ok(err instanceof TypeError, `${where} argument ${i} (${a.name}): ${err}`);
      assert.match(err.message, namesArg(a.name), `${where} argument ${i} should be ${a.name} (${a.kind})`);
      return true;
    });
    // Ranges: a code one past the last (and an int one past max) is a RangeError giving the declared range.
    if (a.kind === 'code' || a.kind === 'int') {
      const max = a.kind === 'code' ? a.codes.names.length - 1 : a.max;
      const min = a.kind === 'code' ? 0 : a.min;
      assert.throws(() => fn(...args, max + 1, ...ok.slice(i + 1)), (err: Error) => {
        assert.ok(err instanceof RangeError, `${where} ${a.name} = ${max + 1}: ${err}`);
        assert.match(err.message, new RegExp(`\\[${min}, ${max}\\] for ${a.name}`), `${where} ${a.name}: range`);
        return true;
      });
    }
    if (a.kind === 'size' || a.kind === 'u32') {
      assert.throws(() => fn(...args, -1, ...ok.slice(i + 1)), RangeError, `${where} ${a.name} = -1`);
    }
  });
  // With exactly the declared arguments, nothing is missing: no argument error (the binding reads no more).
  if (!e.stateful) {
    try {
      const r = fn(...ok);
      if (r instanceof Promise) r.catch(() => {});
    } catch (err) {
      assert.doesNotMatch(String(err), /Expected .* but received undefined/, `${where} reads more arguments than its spec declares`);
    }
  }
}

test('every native entry point reads the arguments its spec declares: name, position, kind, code range', (t) => {
  requireNative();
  const addon = nativeAddon() as unknown as Record<string, (...a: unknown[]) => unknown> | null;
  if (!addon) return t.skip('no native addon (FASTGRAD_ALLOW_NO_NATIVE=1)');
  let probed = 0;
  for (const fam of ALL_FAMILIES) {
    for (const [name, e] of Object.entries(fam.entries)) {
      probeEntry(fam, name, e, addon[name]);
      if (e.async) probeEntry(fam, `${name}Async`, e, addon[`${name}Async`]);
      probed++;
    }
  }
  assert.ok(probed >= 30, `only ${probed} entry points`);
});

test('both backends have every family of the registry, with the same methods, and the same async methods', () => {
  const { js, native } = allKernels();
  const shape = (k: object) =>
    Object.fromEntries(Object.entries(k).filter(([n]) => n !== 'name').map(([n, f]) => [n, Object.keys(f as object).sort()]));
  const want = Object.fromEntries(Object.entries(KERNEL_FAMILIES).map(([n, f]) => [n, Object.keys(f.js).sort()]));
  const wantAsync = Object.fromEntries(
    Object.entries(KERNEL_FAMILIES).filter(([, f]) => f.spec.asyncMethods.length).map(([n, f]) => [n, [...f.spec.asyncMethods].sort()]),
  );
  const jsShape = shape(js);
  assert.deepEqual(shape(js.async), wantAsync);
  delete jsShape.async;
  assert.deepEqual(jsShape, want);
  if (native) {
    const nativeShape = shape(native);
    delete nativeShape.async;
    assert.deepEqual(nativeShape, want);
    assert.deepEqual(shape(native.async), wantAsync);
  }
});

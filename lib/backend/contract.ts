// The vocabulary of the TypeScript <-> native contract. Each kernel family declares, once, in its file
// under lib/backend/spec/: its codes, flag bits, scalar slots and constants, and the argument list of
// every native entry point. From those declarations:
//   - scripts/gen-contract.ts writes the C++ side (native/contract.h: every enum and constant, the
//     family and binding lists; native/kernels/all.inc; native/sources.json), checked in; test/contract.test.ts
//     fails when a generated file is not current;
//   - the addon's TypeScript type (AddonOf) is derived, so an adapter cannot call an entry point with
//     another argument list;
//   - test/contract.test.ts calls every native entry point with each argument made wrong in turn and
//     checks the error names that argument, at that position, with that kind (and each code's range),
//     and that the addon exports exactly the declared entry points.
// Nothing here knows a particular family: lib/backend/families.ts lists them.

/** An enumeration both sides share: each TypeScript name's code is its position in `members`. */
export interface Codes<K extends string = string> {
  readonly kind: 'codes';
  readonly doc: string;
  /** The C++ enum's name (native/contract.h), e.g. 'BinaryOp'. */
  readonly cpp: string;
  /** [TypeScript name, C++ enumerator] in code order. */
  readonly members: readonly (readonly [K, string])[];
  /** The C++ enumerator equal to the number of codes, if the C++ side wants one (array sizes, range checks). */
  readonly count?: string;
  /** TypeScript name -> code. */
  readonly code: Readonly<Record<K, number>>;
  readonly names: readonly K[];
}

export function codes<const K extends string>(doc: string, cpp: string, members: Readonly<Record<K, string>>, count?: string): Codes<K> {
  const pairs = Object.entries(members) as [K, string][];
  return {
    kind: 'codes',
    doc,
    cpp,
    members: pairs,
    count,
    code: Object.fromEntries(pairs.map(([k], i) => [k, i])) as Record<K, number>,
    names: pairs.map(([k]) => k),
  };
}

/** Flag bits both sides share: bit i is the i-th member. */
export interface Flags<K extends string = string> {
  readonly kind: 'flags';
  readonly doc: string;
  readonly cpp: string;
  readonly members: readonly (readonly [K, string])[];
  /** The C++ enumerator with every bit set. */
  readonly all: string;
  readonly bit: Readonly<Record<K, number>>;
}

export function flags<const K extends string>(doc: string, cpp: string, members: Readonly<Record<K, string>>, all: string): Flags<K> {
  const pairs = Object.entries(members) as [K, string][];
  return { kind: 'flags', doc, cpp, members: pairs, all, bit: Object.fromEntries(pairs.map(([k], i) => [k, 2 ** i])) as Record<K, number> };
}

/** Positions of named scalars in a block (the optimizer's h[]): the C++ side gets PREFIX_NAME = index. */
export interface Slots<K extends string = string> {
  readonly kind: 'slots';
  readonly doc: string;
  readonly prefix: string;
  readonly names: readonly K[];
  readonly slot: Readonly<Record<K, number>>;
}

export function slots<const K extends string>(doc: string, prefix: string, names: readonly K[]): Slots<K> {
  return { kind: 'slots', doc, prefix, names, slot: Object.fromEntries(names.map((k, i) => [k, i])) as Record<K, number> };
}

/** A number both sides use (a block size, a count). */
export interface Constant<V extends number = number> {
  readonly kind: 'constant';
  readonly doc: string;
  readonly cpp: string;
  readonly type: 'size_t' | 'int';
  readonly value: V;
}

export function constant<const V extends number>(doc: string, cpp: string, type: 'size_t' | 'int', value: V): Constant<V> {
  return { kind: 'constant', doc, cpp, type, value };
}

/**
 * Which state buffers (bit k = state k) each code uses: a base mask, plus a bit for each flag set. The C++
 * side gets `unsigned <cpp>(int code, unsigned flags)`; TypeScript calls `mask`.
 */
export interface StateUse<A extends string = string, F extends string = string> {
  readonly kind: 'stateUse';
  readonly cpp: string;
  readonly codes: Codes<A>;
  readonly flags: Flags<F>;
  readonly use: Readonly<Record<A, readonly [number, Partial<Readonly<Record<F, number>>>]>>;
  mask(code: A, flagBits: number): number;
}

export function stateUse<A extends string, F extends string>(
  cpp: string,
  codesOf: Codes<A>,
  flagsOf: Flags<F>,
  use: Readonly<Record<A, readonly [number, Partial<Readonly<Record<F, number>>>]>>,
): StateUse<A, F> {
  const table = codesOf.names.map((a) => {
    const [base, when] = use[a];
    return { base, when: (Object.entries(when) as [F, number][]).map(([f, bit]) => [flagsOf.bit[f], bit] as const) };
  });
  return {
    kind: 'stateUse',
    cpp,
    codes: codesOf,
    flags: flagsOf,
    use,
    mask(code, flagBits) {
      const t = table[codesOf.code[code]];
      let m = t.base;
      for (const [flag, bit] of t.when) if (flagBits & flag) m |= bit;
      return m;
    },
  };
}

export type Declaration = Codes | Flags | Slots | Constant | StateUse;

// ---- native entry points ------------------------------------------------------------------------------

/** What one positional argument of a native entry point is, and the check the binding makes. */
export type Arg =
  | { readonly name: string; readonly kind: 'f32' }           // Float32Array (arg_f32)
  | { readonly name: string; readonly kind: 'f32OrNull' }     // Float32Array, null or undefined
  | { readonly name: string; readonly kind: 'f32List' }       // Array of Float32Array
  | { readonly name: string; readonly kind: 'f32OrNullList' } // Array of Float32Array | null
  | { readonly name: string; readonly kind: 'i32' }           // Int32Array
  | { readonly name: string; readonly kind: 'number' }        // any number (arg_number; rounded to binary32 where the kernel says)
  | { readonly name: string; readonly kind: 'size' }          // integer in [0, 2^53) (arg_size)
  | { readonly name: string; readonly kind: 'u32' }           // integer in [0, 2^32)
  | { readonly name: string; readonly kind: 'bool' }          // boolean (arg_bool)
  | { readonly name: string; readonly kind: 'string' }        // string
  | { readonly name: string; readonly kind: 'int'; readonly min: number; readonly max: number } // integer in [min, max] (arg_int)
  | { readonly name: string; readonly kind: 'code'; readonly codes: Codes }                   // a code of `codes` (arg_int over [0, count - 1])
  | { readonly name: string; readonly kind: 'external'; readonly madeBy: string };            // an opaque object returned by the entry point `madeBy`

export const arg = {
  f32: <const N extends string>(name: N) => ({ name, kind: 'f32' }) as const,
  f32OrNull: <const N extends string>(name: N) => ({ name, kind: 'f32OrNull' }) as const,
  f32List: <const N extends string>(name: N) => ({ name, kind: 'f32List' }) as const,
  f32OrNullList: <const N extends string>(name: N) => ({ name, kind: 'f32OrNullList' }) as const,
  i32: <const N extends string>(name: N) => ({ name, kind: 'i32' }) as const,
  number: <const N extends string>(name: N) => ({ name, kind: 'number' }) as const,
  size: <const N extends string>(name: N) => ({ name, kind: 'size' }) as const,
  u32: <const N extends string>(name: N) => ({ name, kind: 'u32' }) as const,
  bool: <const N extends string>(name: N) => ({ name, kind: 'bool' }) as const,
  string: <const N extends string>(name: N) => ({ name, kind: 'string' }) as const,
  int: <const N extends string>(name: N, min: number, max: number) => ({ name, kind: 'int', min, max }) as const,
  code: <const N extends string>(name: N, codes: Codes) => ({ name, kind: 'code', codes }) as const,
  external: <const N extends string>(name: N, madeBy: string) => ({ name, kind: 'external', madeBy }) as const,
};

/** What an entry point returns to JavaScript. */
export type Returns = 'void' | 'number' | 'number[]' | 'string' | 'string[]' | 'object';

export interface Entry {
  readonly args: readonly Arg[];
  readonly returns?: Returns;
  /** Also exported as `<name>Async`: same arguments, a Promise<void> (native/binding/async.h). */
  readonly async?: boolean;
  /** Changes the addon instance's state (threads, SIMD level): the contract test does not call it with valid arguments. */
  readonly stateful?: boolean;
}

export type Entries = Readonly<Record<string, Entry>>;

type ArgType<A extends Arg> = A['kind'] extends 'f32'
  ? Float32Array
  : A['kind'] extends 'f32OrNull'
    ? Float32Array | null
    : A['kind'] extends 'f32List'
      ? readonly Float32Array[]
      : A['kind'] extends 'f32OrNullList'
        ? readonly (Float32Array | null)[]
        : A['kind'] extends 'i32'
          ? Int32Array
          : A['kind'] extends 'bool'
            ? boolean
            : A['kind'] extends 'string'
              ? string
              : A['kind'] extends 'external'
                ? object
                : number;

type ArgTypes<L extends readonly Arg[]> = { -readonly [I in keyof L]: L[I] extends Arg ? ArgType<L[I]> : never };

type ReturnType_<E extends Entry> = E['returns'] extends 'number'
  ? number
  : E['returns'] extends 'number[]'
    ? number[]
    : E['returns'] extends 'string'
      ? string
      : E['returns'] extends 'string[]'
        ? string[]
        : E['returns'] extends 'object'
          ? Record<string, unknown>
          : void;

/** The addon's functions for these entry points, typed from their declarations (plus `<name>Async`). */
export type AddonOf<E extends Entries> = {
  readonly [N in keyof E]: (...args: ArgTypes<E[N]['args']>) => ReturnType_<E[N]>;
} & {
  readonly [N in keyof E as E[N]['async'] extends true ? `${N & string}Async` : never]: (...args: ArgTypes<E[N]['args']>) => Promise<void>;
};

// ---- families -----------------------------------------------------------------------------------------

/**
 * One kernel family's side of the contract. `name` names its files: native/kernels/<name>_api.h (the table
 * of function pointers, `struct <name>_table`), native/kernels/<name>.h (the ISA-generic kernels,
 * `fill_<name><V>(table)`), native/binding/<name>.cc (`register_<name>(env, exports)`), and its TypeScript
 * twin lib/backend/js/<name>.ts.
 */
export interface FamilySpec<K = unknown, E extends Entries = Entries> {
  readonly name: string;
  readonly doc: string;
  /** Has a kernel table (kernels/<name>_api.h and kernels/<name>.h); false for binding-only families. */
  readonly table: boolean;
  /** Codes, flags, slots and constants the C++ side gets from native/contract.h, in this order. */
  readonly declarations: readonly Declaration[];
  /** The addon's functions registered by native/binding/<name>.cc. */
  readonly entries: E;
  /**
   * The Kernels-facing object over the addon's functions (null for families outside Kernels). Its
   * parameter is checked against AddonOf<E> where the family is declared (defineFamily).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly adapt: ((addon: any) => K) | null;
  /** Methods of K that also exist as Promise-returning functions (Kernels.async.<name>). */
  readonly asyncMethods: readonly (keyof K & string)[];
}

/**
 * Declares a family: `defineFamily<ElementwiseKernels>()({ ... })`. The curried call lets the entry
 * points be inferred while the Kernels interface is given, so `adapt` is checked against both.
 */
export function defineFamily<K>() {
  return <const E extends Entries, const M extends keyof K & string = never>(spec: {
    name: string;
    doc: string;
    table: boolean;
    declarations: readonly Declaration[];
    entries: E;
    adapt: ((addon: AddonOf<E>) => K) | null;
    asyncMethods?: readonly M[];
  }): FamilySpec<K, E> & { readonly asyncMethods: readonly M[] } => ({ ...spec, asyncMethods: spec.asyncMethods ?? [] });
}

/** The same functions as T, each returning a Promise<void> that settles when the work is done. */
export type Asyncified<T> = { readonly [K in keyof T]: T[K] extends (...a: infer A) => void ? (...a: A) => Promise<void> : never };

/**
 * A view of the addon in which each of `names` is its `<name>Async` function, so a family's sync adapter
 * over it returns the addon's Promises (the adapters return what the addon function returns).
 */
export function asyncView(addon: object, names: readonly string[]): object {
  const a = addon as Record<string, unknown>;
  return Object.fromEntries(names.map((n) => [n, a[`${n}Async`]]));
}

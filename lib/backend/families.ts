// The registry of kernel families: one line per family. Everything that lists families reads this:
// the Kernels type, the TypeScript backend (jsKernels), the native adapter (nativeKernels), the async
// kernels, and scripts/gen-contract.ts (native/contract.h, native/kernels/all.inc, native/sources.json).
//
// Adding a family `foo` (docs/contributing.md): lib/backend/spec/foo.ts (its contract and Kernels-facing
// interface), one line in KERNEL_FAMILIES below, its two kernels (native/kernels/foo_api.h + foo.h with
// native/binding/foo.cc; lib/backend/js/foo.ts), its test; then `npm run gen:contract`.
import { asyncView, type Asyncified, type FamilySpec } from './contract.js';
import { canonicalDeclarations } from './spec/canonical.js';
import { elementwise } from './spec/elementwise.js';
import { gemm } from './spec/gemm.js';
import { reduce } from './spec/reduce.js';
import { optim } from './spec/optim.js';
import { batchnorm } from './spec/batchnorm.js';
import { rng } from './spec/rng.js';
import { unary } from './spec/unary.js';
import { conv } from './spec/conv.js';
import { layernorm } from './spec/layernorm.js';
import { rnn } from './spec/rnn.js';
import { embedding } from './spec/embedding.js';
import { special } from './spec/special.js';
import { probe } from './spec/probe.js';
import { system } from './spec/system.js';
import { jsElementwise } from './js/elementwise.js';
import { jsGemm } from './js/gemm.js';
import { jsReduce } from './js/reduce.js';
import { jsOptim } from './js/optim.js';
import { jsBatchnorm } from './js/batchnorm.js';
import { jsRng } from './js/rng.js';
import { jsUnary } from './js/unary.js';
import { jsConv } from './js/conv.js';
import { jsLayerNorm } from './js/layernorm.js';
import { jsRnn } from './js/rnn.js';
import { jsEmbedding } from './js/embedding.js';
import { jsSpecial } from './js/special.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type KernelsOfSpec<S> = S extends FamilySpec<infer K, any> ? K : never;
/** A family of Kernels: its contract and its TypeScript twin (which must implement the same interface). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const family = <S extends FamilySpec<any, any>>(spec: S, js: KernelsOfSpec<S>) => ({ spec, js });

/** The families of Kernels, in native table order. */
export const KERNEL_FAMILIES = {
  elementwise: family(elementwise, jsElementwise),
  gemm: family(gemm, jsGemm),
  reduce: family(reduce, jsReduce),
  optim: family(optim, jsOptim),
  batchnorm: family(batchnorm, jsBatchnorm),
  rng: family(rng, jsRng),
  unary: family(unary, jsUnary),
  conv: family(conv, jsConv),
  layernorm: family(layernorm, jsLayerNorm),
  rnn: family(rnn, jsRnn),
  embedding: family(embedding, jsEmbedding),
  special: family(special, jsSpecial),
};

/** Native families outside Kernels: `system` (binding only) first, `probe` (the bench's yardsticks). */
export const NATIVE_ONLY_FAMILIES: readonly FamilySpec[] = [system, probe];

/** Every family's contract: bindings are registered, and tables laid out, in this order. */
export const ALL_FAMILIES: readonly FamilySpec[] = [system, ...Object.values(KERNEL_FAMILIES).map((f) => f.spec as FamilySpec), probe];

/** Declarations that belong to no family (the canonical block). */
export const CORE_DECLARATIONS = canonicalDeclarations;

type KF = typeof KERNEL_FAMILIES;
type FamilyName = keyof KF;
type KernelsOf<F extends FamilyName> = KF[F]['js'];
type AsyncMethodsOf<F extends FamilyName> = KF[F]['spec']['asyncMethods'][number];

/** Promise-returning variants of the long kernels (docs/reliability.md): same arguments and bits as the sync ones. */
export type AsyncKernels = {
  readonly [F in FamilyName as AsyncMethodsOf<F> extends never ? never : F]: Asyncified<Pick<KernelsOf<F>, AsyncMethodsOf<F> & keyof KernelsOf<F>>>;
};

/**
 * The seam between the library and its two backends. Classes in lib/ call only these; the TypeScript
 * backend and the native addon implement them with the same bits. Callers have already validated
 * arguments; implementations may assume lengths are consistent.
 *
 * async: native validates on the calling thread (errors throw synchronously, nothing is queued) and runs
 * on the libuv thread pool; every array is referenced until the Promise settles and must not be touched
 * before then (a detached one makes the Promise reject). The TypeScript backend runs the sync kernel on
 * the calling thread and returns a resolved Promise.
 */
export type Kernels = { readonly name: 'js' | 'native'; readonly async: AsyncKernels } & { readonly [F in FamilyName]: KernelsOf<F> };

/** Wraps every function of a sync kernel family: run it now, return a resolved Promise. */
export function resolvedAfter<T extends object>(fam: T): Asyncified<T> {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(fam)) {
    out[k] = (...a: unknown[]) => {
      (f as (...a: unknown[]) => void)(...a);
      return Promise.resolve();
    };
  }
  return out as Asyncified<T>;
}

function pick(obj: object, keys: readonly string[]): object {
  const o = obj as Record<string, unknown>;
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

function build(make: (f: KF[FamilyName]) => { sync: object; async: object | null }, name: 'js' | 'native'): Kernels {
  const out: Record<string, unknown> = { name };
  const async: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(KERNEL_FAMILIES)) {
    const made = make(f);
    out[k] = made.sync;
    if (made.async) async[k] = made.async;
  }
  out.async = async;
  return out as Kernels;
}

/** The TypeScript backend: every family's twin. */
export function makeJsKernels(): Kernels {
  return build((f) => ({ sync: f.js, async: f.spec.asyncMethods.length ? resolvedAfter(pick(f.js, f.spec.asyncMethods)) : null }), 'js');
}

/** The native backend over a loaded addon: every family's adapter, and over `<entry>Async` for its async methods. */
export function makeNativeKernels(addon: object): Kernels {
  return build((f) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const adapt = f.spec.adapt as (a: any) => object;
    const asyncEntries = Object.keys(f.spec.entries).filter((e) => f.spec.entries[e as keyof typeof f.spec.entries]?.['async']);
    return {
      sync: adapt(addon),
      async: f.spec.asyncMethods.length ? pick(adapt(asyncView(addon, asyncEntries)), f.spec.asyncMethods) : null,
    };
  }, 'native');
}

// Worker datasets: a dataset named by a module, `{ module: url | path, args }`, whose default export
// `(args) => Dataset` builds the dataset. Functions cannot cross threads, so each worker imports the
// module and calls the factory itself; the main thread does too (for the length and numWorkers 0).
// The factory may return a map-style dataset or an iterable one (a stream; each worker iterates its
// own copy, and shards it with getWorkerInfo(), as in torch).
import { createRequire } from 'node:module';
import * as pathLib from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';
import { describe, typeError } from '../validate.js';
import type { CollateMode, EpochSeed } from './fetch.js';
import { isIterableDataset, isMapDataset, type AnyIterable, type MapDataset } from './dataset.js';

export interface WorkerDatasetSpec {
  /** A file path (absolute, or relative to the working directory), a file: URL, or a package name. */
  module: string | URL;
  /** Passed to the factory; must be structured-cloneable (it is sent to each worker). */
  args?: unknown;
}

/** The spec as it travels to a worker. */
export interface ResolvedSpec {
  /** An absolute file path or a package name. */
  specifier: string;
  args: unknown;
}

export function isWorkerSpec(d: unknown): d is WorkerDatasetSpec {
  return d !== null && typeof d === 'object' && !isMapDataset(d) && 'module' in d;
}

export function resolveSpec(spec: WorkerDatasetSpec): ResolvedSpec {
  const m = spec.module;
  let specifier: string;
  if (m instanceof URL || (typeof m === 'string' && m.startsWith('file:'))) specifier = fileURLToPath(m);
  else if (typeof m === 'string' && m !== '') {
    specifier = m.startsWith('.') || pathLib.isAbsolute(m) ? pathLib.resolve(m) : m;
  } else throw typeError('a module path or file: URL', 'dataset.module', m);
  return { specifier, args: spec.args };
}

// TypeScript compiles import() to require() under CommonJS; this keeps a real dynamic import.
const importModule = new Function('u', 'return import(u)') as (u: string) => Promise<Record<string, unknown>>;

function factoryOf(mod: unknown, spec: ResolvedSpec): (args: unknown) => unknown {
  const m = mod as { default?: unknown } | null;
  const f = typeof m === 'function' ? m : m?.default;
  const g = typeof f === 'function' ? f : (f as { default?: unknown } | undefined)?.default; // CommonJS built from ES syntax
  if (typeof g !== 'function') throw typeError('a module whose default export is a function (args) => Dataset', `dataset module ${spec.specifier}`, f ?? mod);
  return g as (args: unknown) => unknown;
}

/** What a dataset module builds: a map-style dataset or an iterable (stream) one. */
export type LoadedDataset = MapDataset | AnyIterable;

function checkDataset(d: unknown, spec: ResolvedSpec): LoadedDataset {
  if (!isMapDataset(d) && !isIterableDataset(d)) {
    throw new TypeError(`Expected the default export of ${spec.specifier} to return a dataset (map-style with length and get, or an iterable) but it returned ${describe(d)}`);
  }
  return d;
}

const requireFrom = () => createRequire(pathLib.join(process.cwd(), 'index.js'));

/** Builds the dataset synchronously (require); throws for an ES module (use loadDataset). */
export function loadDatasetSync(spec: ResolvedSpec): LoadedDataset {
  let mod: unknown;
  try {
    mod = requireFrom()(spec.specifier);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_REQUIRE_ESM') {
      throw new TypeError(`Expected a CommonJS dataset module for synchronous use but ${spec.specifier} is an ES module; iterate the loader with for await`);
    }
    throw e;
  }
  const d = factoryOf(mod, spec)(spec.args);
  if (d !== null && typeof (d as PromiseLike<unknown>)?.then === 'function') {
    throw new TypeError(`Expected the default export of ${spec.specifier} to return a dataset synchronously for synchronous use but it returned a Promise; iterate the loader with for await`);
  }
  return checkDataset(d, spec);
}

/** Builds the dataset: require(), or import() for an ES module; the factory may return a Promise. */
export async function loadDataset(spec: ResolvedSpec): Promise<LoadedDataset> {
  let mod: unknown;
  try {
    mod = requireFrom()(spec.specifier);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw e;
    mod = await importModule(pathLib.isAbsolute(spec.specifier) ? pathToFileURL(spec.specifier).href : spec.specifier);
  }
  return checkDataset(await factoryOf(mod, spec)(spec.args), spec);
}

/** What a DataLoader worker receives as workerData.fastgradDataLoader. */
export interface WorkerInit {
  spec: ResolvedSpec;
  workerId: number;
  numWorkers: number;
  mode: CollateMode;
  /**
   * Shared with the main thread: [step, index] per worker (fetch.ts Step), written before each step of
   * making a batch, read by the main thread when a batch is late (the timeout's message).
   */
  progress: Int32Array;
  /** The epoch seed of the iteration that started the worker (later ones come with each request). */
  seed: EpochSeed;
  /** Shared batch memory this worker may have live (shared.ts). */
  sharedBytes: number;
}

/** What getWorkerInfo() returns inside a DataLoader worker. */
export interface WorkerInfo {
  /** This worker's index, 0..numWorkers-1. */
  id: number;
  numWorkers: number;
  /**
   * torch's `seed`: the epoch's base seed (drawn from the loader's generator each epoch) plus `id`, an
   * integer below 2^53. Seed a dataset's own random augmentation with it (`new fg.Generator(info.seed)`):
   * it differs between workers and epochs and repeats with the loader's generator.
   */
  seed: number;
}

let epochSeed: EpochSeed | null = null;

/** @internal The worker sets the epoch seed of the request it is answering (worker.ts). */
export function setWorkerEpochSeed(seed: EpochSeed): void {
  epochSeed = seed;
}

/** The seed getWorkerInfo() gives worker `id` in the epoch `seed`: 53 bits of the epoch seed, plus id. */
export function workerSeed(seed: EpochSeed, id: number): number {
  return (seed[0] * 2 ** 21 + (seed[1] >>> 11) + id) % 2 ** 53;
}

/** torch's get_worker_info(): inside a DataLoader worker, { id, numWorkers, seed }; null elsewhere. */
export function getWorkerInfo(): WorkerInfo | null {
  const d = (workerData as { fastgradDataLoader?: WorkerInit } | null)?.fastgradDataLoader;
  return d ? { id: d.workerId, numWorkers: d.numWorkers, seed: workerSeed(epochSeed ?? d.seed, d.workerId) } : null;
}

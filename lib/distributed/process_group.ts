// fg.distributed's process group: initProcessGroup / destroyProcessGroup and the collectives, on Gloo
// through native/distributed (loaded by ./native.ts). Arguments are checked synchronously (a bad one
// throws and queues nothing). Each collective returns a Promise; the binding queues it and runs the
// queue in call order on the group's own communication thread (as torch's ProcessGroupGloo), so every
// rank issues the same sequence as long as the program calls them in the same order on every rank, as
// torch requires too.
import { Tensor } from '../tensor.js';
import { checkOptions, describe, isDetached, rangeError, typeError } from '../validate.js';
import { loadGloo, type GlooGroup } from './native.js';

export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';
export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'mean', 'max', 'min'];

export interface InitProcessGroupOptions {
  /** Only 'gloo'. */
  backend?: 'gloo';
  /** Default: the RANK environment variable. */
  rank?: number;
  /** Default: the WORLD_SIZE environment variable. */
  worldSize?: number;
  /** Rank 0's address, where it serves the rendezvous store. Default: MASTER_ADDR, else 127.0.0.1. */
  masterAddr?: string;
  /** Default: MASTER_PORT, else 29500. */
  masterPort?: number;
  /** Limit on the rendezvous and on every collective (ms). Default 1,800,000 (torch's 30 minutes). */
  timeoutMs?: number;
  /** Network interface for Gloo's connections. Default: GLOO_SOCKET_IFNAME, else the one that reaches masterAddr. */
  ifname?: string;
}

export const DEFAULT_TIMEOUT_MS = 1_800_000;
export const DEFAULT_MASTER_PORT = 29500;

interface GroupState {
  group: GlooGroup;
  rank: number;
  worldSize: number;
  tail: Promise<unknown>;
}

let state: GroupState | null = null;
let connecting = false;

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new RangeError(`Expected an integer in the environment variable ${name} but received ${describe(v)}`);
  return n;
}

function checkIntIn(v: unknown, name: string, lo: number, hi: number): asserts v is number {
  if (typeof v !== 'number') throw typeError('a number', name, v);
  if (!Number.isInteger(v) || v < lo || v > hi) throw rangeError(`an integer in [${lo}, ${hi}]`, name, v);
}

/** Whether the Gloo binding was built (Gloo was found); initProcessGroup explains why not otherwise. */
export function isAvailable(): boolean {
  return loadGloo().addon !== null;
}

export function isInitialized(): boolean {
  return state !== null;
}

function current(fn: string): GroupState {
  if (!state) throw new Error(`${fn}: the default process group is not initialized (call fg.distributed.initProcessGroup() first)`);
  return state;
}

export function getRank(): number {
  return current('getRank').rank;
}

export function getWorldSize(): number {
  return current('getWorldSize').worldSize;
}

/**
 * Joins the default process group (torch.distributed.init_process_group with init_method 'env://'):
 * rank 0 serves a TCP rendezvous store at masterAddr:masterPort, every rank connects to it and then to
 * every other rank. Resolves once all worldSize ranks are connected; rejects after timeoutMs otherwise.
 */
export function initProcessGroup(options: InitProcessGroupOptions = {}): Promise<void> {
  checkOptions(options, 'initProcessGroup options', ['backend', 'rank', 'worldSize', 'masterAddr', 'masterPort', 'timeoutMs', 'ifname']);
  const backend = options.backend ?? 'gloo';
  if (backend !== 'gloo') throw rangeError("'gloo' (the only backend)", 'backend', backend);
  const worldSize = options.worldSize ?? envInt('WORLD_SIZE');
  if (worldSize === undefined) throw new RangeError('initProcessGroup: worldSize was not given and the WORLD_SIZE environment variable is not set');
  checkIntIn(worldSize, 'worldSize', 1, 65536);
  const rank = options.rank ?? envInt('RANK');
  if (rank === undefined) throw new RangeError('initProcessGroup: rank was not given and the RANK environment variable is not set');
  checkIntIn(rank, 'rank', 0, worldSize - 1);
  const masterAddr = options.masterAddr ?? (process.env.MASTER_ADDR || '127.0.0.1');
  if (typeof masterAddr !== 'string' || masterAddr === '') throw typeError('a non-empty string', 'masterAddr', masterAddr);
  const masterPort = options.masterPort ?? envInt('MASTER_PORT') ?? DEFAULT_MASTER_PORT;
  checkIntIn(masterPort, 'masterPort', 1, 65535);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  checkIntIn(timeoutMs, 'timeoutMs', 1, 2 ** 31 - 1);
  const ifname = options.ifname ?? (process.env.GLOO_SOCKET_IFNAME || '');
  if (typeof ifname !== 'string') throw typeError('a string', 'ifname', ifname);
  if (state || connecting) throw new Error('initProcessGroup: the default process group is already initialized (call destroyProcessGroup() first)');
  const { addon, reason } = loadGloo();
  if (!addon) throw new Error(reason);
  const group = new addon.Group();
  connecting = true;
  return group.connect(rank, worldSize, masterAddr, masterPort, timeoutMs, ifname).then(
    () => {
      connecting = false;
      state = { group, rank, worldSize, tail: Promise.resolve() };
    },
    (e: unknown) => {
      connecting = false;
      throw new Error(`initProcessGroup failed on rank ${rank} of ${worldSize}: ${e instanceof Error ? e.message : String(e)}`);
    },
  );
}

/** Waits for the collectives already issued to settle, then leaves the group and closes its connections. */
export function destroyProcessGroup(): Promise<void> {
  const s = current('destroyProcessGroup');
  state = null;
  return s.tail.then(() => s.group.destroy());
}

/**
 * Issues fn at once: the binding queues it behind the collectives issued before it and runs them in call
 * order on the group's communication thread. A failure names the operation and this rank.
 */
function enqueue(s: GroupState, op: string, fn: (g: GlooGroup) => Promise<void>): Promise<void> {
  let issued: Promise<void>;
  try {
    issued = fn(s.group);
  } catch (e) {
    issued = Promise.reject(e);
  }
  const p = issued.catch((e: unknown) => {
    throw new Error(`${op} failed on rank ${s.rank} of ${s.worldSize}: ${e instanceof Error ? e.message : String(e)}`);
  });
  const settled = p.catch(() => undefined);
  s.tail = s.tail.then(() => settled);
  return p;
}

/** The Float32Array behind a collective's argument (a Float32Array or a Tensor's data). */
function bufferOf(fn: string, buf: unknown): Float32Array {
  const data = buf instanceof Tensor ? buf.data : buf;
  if (!(data instanceof Float32Array)) throw typeError('a Float32Array or a Tensor', `${fn} buf`, buf);
  if (isDetached(data)) throw rangeError('a Float32Array whose buffer is not detached', `${fn} buf`, buf);
  return data;
}

/**
 * Reduces buf across every rank, in place (torch.distributed.all_reduce). 'mean' is the sum divided by
 * the world size. The result is bit-identical on every rank and from run to run for a fixed world size
 * (docs/distributed.md: Gloo's ring algorithm, a fixed reduction order). Do not touch buf until the
 * Promise settles.
 */
export function allReduce(buf: Float32Array | Tensor, options: { op?: ReduceOp } = {}): Promise<void> {
  const s = current('allReduce');
  const data = bufferOf('allReduce', buf);
  checkOptions(options, 'allReduce options', ['op']);
  const op = options.op ?? 'sum';
  if (!REDUCE_OPS.includes(op)) throw rangeError(`one of ${REDUCE_OPS.map((o) => `'${o}'`).join(', ')}`, 'op', op);
  return enqueue(s, 'allReduce', (g) => g.allReduce(data, op));
}

/** Copies rank src's buf into buf on every other rank (torch.distributed.broadcast). */
export function broadcast(buf: Float32Array | Tensor, options: { src?: number } = {}): Promise<void> {
  const s = current('broadcast');
  const data = bufferOf('broadcast', buf);
  checkOptions(options, 'broadcast options', ['src']);
  const src = options.src ?? 0;
  checkIntIn(src, 'src', 0, s.worldSize - 1);
  return enqueue(s, 'broadcast', (g) => g.broadcast(data, src));
}

/**
 * Every rank's buf, in rank order (torch.distributed.all_gather): new Float32Arrays, or Tensors of buf's
 * shape when buf is a Tensor. Every rank must pass a buffer of the same length.
 */
export function allGather(buf: Float32Array): Promise<Float32Array[]>;
export function allGather(buf: Tensor): Promise<Tensor[]>;
export function allGather(buf: Float32Array | Tensor): Promise<Float32Array[] | Tensor[]>;
export function allGather(buf: Float32Array | Tensor): Promise<Float32Array[] | Tensor[]> {
  const s = current('allGather');
  const data = bufferOf('allGather', buf);
  const n = data.length;
  const out = new Float32Array(n * s.worldSize);
  return enqueue(s, 'allGather', (g) => g.allGather(data, out)).then(() => {
    const parts: Float32Array[] = [];
    for (let r = 0; r < s.worldSize; r++) parts.push(out.slice(r * n, (r + 1) * n));
    return buf instanceof Tensor ? parts.map((p) => new Tensor(p, buf.shape)) : parts;
  });
}

/** Resolves once every rank has called barrier() (torch.distributed.barrier). */
export function barrier(): Promise<void> {
  const s = current('barrier');
  return enqueue(s, 'barrier', (g) => g.barrier());
}

// Checkpoints: fg.save(path, { model, optimizer, rng, step, extra }) and fg.load(path[, into]).
//
// File format, version 1 (all integers little-endian; full description in docs/nn.md):
//
//   offset  size  field
//        0     8  magic "\x89FGCKPT\n" (89 46 47 43 4B 50 54 0A)
//        8     4  u32 format version = 1
//       12     4  u32 M = manifest length in bytes
//       16     8  u64 P = payload length in bytes (< 2^53)
//       24     4  u32 CRC-32 (IEEE 802.3, as zlib) of the manifest bytes
//       28     4  u32 CRC-32 of the payload bytes
//       32     M  manifest: UTF-8 JSON {"format":"fastgrad-checkpoint","content":<encoded value>}
//     32+M   pad  zero bytes up to the next multiple of 8 (H = 32 + M + pad)
//        H     P  payload: the raw bytes of every typed array, each starting at a multiple of 8
//
// The file is exactly H + P bytes. Encoded values (JSON with tagged objects):
//   {"$tensor":{"shape":[...],"data":<array ref>}}          a Tensor (or Parameter: loaded as a Tensor)
//   {"$array":{"type":"Float32Array","offset":o,"length":n}} a typed array at payload offset o
//   {"$number":"NaN"|"Infinity"|"-Infinity"|"-0"}             numbers JSON cannot hold
//   {"$bigint":"123"}                                         a bigint
//   {"$object":{...}}                                         a plain object with a key starting with "$"
// Everything else is JSON as is (plain objects, arrays, finite numbers, strings, booleans, null).
//
// Writes go to a temporary file in the target's directory, which is fsync'ed, closed and renamed over
// the target (then the directory is fsync'ed where the platform allows): a crash leaves either the old
// checkpoint or the new one, never half of one. Reads check the magic, version, sizes and both CRCs and
// throw an Error naming the path and what is wrong.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as pathLib from 'node:path';
import * as zlib from 'node:zlib';
import { Module, type StateDict } from './nn/module.js';
import { Generator, type GeneratorState } from './random.js';
import { Tensor } from './tensor.js';
import { checkInteger, checkOptions, typeError } from './validate.js';

export const CHECKPOINT_MAGIC = Uint8Array.of(0x89, 0x46, 0x47, 0x43, 0x4b, 0x50, 0x54, 0x0a);
export const CHECKPOINT_VERSION = 1;
const HEADER_BYTES = 32;
const FORMAT = 'fastgrad-checkpoint';

/** Anything with torch-style optimizer state (fg.optim optimizers). */
export interface Stateful {
  stateDict(): unknown;
  loadStateDict(state: never): void;
}

export interface SaveContent {
  /** A Module (its stateDict() is saved) or a state dict. */
  model?: Module | StateDict;
  /** An object with stateDict() (its result is saved), e.g. an fg.optim optimizer. */
  optimizer?: { stateDict(): unknown };
  /** A Generator (its getState() is saved) or a generator state. */
  rng?: Generator | GeneratorState;
  /** The training step (a non-negative integer). */
  step?: number;
  /** Anything else encodable: JSON values, typed arrays, Tensors. */
  extra?: unknown;
}

export interface Checkpoint {
  model?: StateDict;
  optimizer?: unknown;
  rng?: GeneratorState;
  step?: number;
  extra?: unknown;
}

/** Objects to restore in place by load(path, into): all or nothing. */
export interface LoadInto {
  model?: Module;
  optimizer?: Stateful;
  rng?: Generator;
}

type TypedArray = Float32Array | Float64Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;
const TYPED: Record<string, new (n: number) => TypedArray> = {
  Float32Array, Float64Array, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
};

function checkLittleEndian(): void {
  if (os.endianness() !== 'LE') throw new Error('fastgrad checkpoints are little-endian; this big-endian host is not supported');
}

// ------------------------------------------------------------------------------------------ CRC-32
let TABLE: Uint32Array | null = null;

function crcTable(): Uint32Array {
  if (TABLE) return TABLE;
  TABLE = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    TABLE[n] = c >>> 0;
  }
  return TABLE;
}

const zlibCrc32 = (zlib as { crc32?: (d: Uint8Array, v: number) => number }).crc32;

/** CRC-32 (IEEE, zlib's) of bytes, continuing from crc (0 to start): zlib.crc32 where Node has it (>= 20.15). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  return zlibCrc32 ? zlibCrc32(bytes, crc) >>> 0 : crc32Table(bytes, crc);
}

/** The same CRC-32, byte-wise with a table (the fallback for older Node versions). */
export function crc32Table(bytes: Uint8Array, crc = 0): number {
  const t = crcTable();
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

// ---------------------------------------------------------------------------------------- encoding
const pad8 = (n: number): number => (8 - (n % 8)) % 8;

class Encoder {
  readonly parts: Uint8Array[] = [];
  size = 0;

  #array(a: TypedArray): unknown {
    const offset = this.size;
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    this.parts.push(bytes);
    this.size += bytes.length;
    const pad = pad8(this.size);
    if (pad) {
      this.parts.push(new Uint8Array(pad));
      this.size += pad;
    }
    return { $array: { type: a.constructor.name, offset, length: a.length } };
  }

  encode(v: unknown, at: string): unknown {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return { $number: 'NaN' };
      if (v === Infinity || v === -Infinity) return { $number: String(v) };
      if (Object.is(v, -0)) return { $number: '-0' };
      return v;
    }
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (v instanceof Tensor) return { $tensor: { shape: v.shape.slice(), data: this.#array(v.data) } };
    if (ArrayBuffer.isView(v) && TYPED[v.constructor.name] === v.constructor) return this.#array(v as TypedArray);
    if (Array.isArray(v)) return v.map((e, i) => (e === undefined ? null : this.encode(e, `${at}[${i}]`)));
    if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
      const out: Record<string, unknown> = {};
      let tagged = false;
      for (const [k, e] of Object.entries(v as object)) {
        if (e === undefined) continue;
        if (k.startsWith('$')) tagged = true;
        out[k] = this.encode(e, `${at}.${k}`);
      }
      return tagged ? { $object: out } : out;
    }
    throw typeError('a value a checkpoint can hold (plain objects, arrays, numbers, strings, booleans, null, bigints, typed arrays, Tensors)', at, v);
  }
}

function corrupt(path: string, what: string): Error {
  return new Error(`Corrupted checkpoint ${path}: ${what}`);
}

class Decoder {
  constructor(readonly payload: Uint8Array, readonly path: string) {}

  #array(ref: unknown, at: string): TypedArray {
    const r = ref as { type?: unknown; offset?: unknown; length?: unknown } | null;
    const Ctor = r && typeof r.type === 'string' && Object.prototype.hasOwnProperty.call(TYPED, r.type) ? TYPED[r.type] : undefined;
    if (!r || !Ctor || !Number.isSafeInteger(r.offset) || !Number.isSafeInteger(r.length) || (r.offset as number) < 0 || (r.length as number) < 0) {
      throw corrupt(this.path, `bad array reference at ${at}`);
    }
    const offset = r.offset as number, length = r.length as number;
    const out = new Ctor(length);
    const bytes = out.byteLength;
    if (offset % 8 !== 0 || offset + bytes > this.payload.length) {
      throw corrupt(this.path, `array at ${at} (${bytes} bytes at payload offset ${offset}) lies outside the ${this.payload.length}-byte payload`);
    }
    new Uint8Array(out.buffer).set(this.payload.subarray(offset, offset + bytes));
    return out;
  }

  decode(v: unknown, at: string): unknown {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((e, i) => this.decode(e, `${at}[${i}]`));
    const keys = Object.keys(v);
    const o = v as Record<string, unknown>;
    if (keys.length === 1 && keys[0].startsWith('$')) {
      const tag = keys[0], body = o[tag];
      switch (tag) {
        case '$number': {
          const n = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 }[body as string];
          if (n === undefined) throw corrupt(this.path, `bad $number at ${at}`);
          return n;
        }
        case '$bigint':
          if (typeof body !== 'string' || !/^-?\d+$/.test(body)) throw corrupt(this.path, `bad $bigint at ${at}`);
          return BigInt(body);
        case '$array':
          return this.#array(body, at);
        case '$tensor': {
          const t = body as { shape?: unknown; data?: unknown } | null;
          const shape = t?.shape;
          if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw corrupt(this.path, `bad tensor shape at ${at}`);
          const data = this.#array((t!.data as { $array?: unknown } | null)?.$array, `${at}.data`);
          if (!(data instanceof Float32Array)) throw corrupt(this.path, `tensor data at ${at} is not a Float32Array`);
          try {
            return new Tensor(data, shape as number[]);
          } catch (e) {
            throw corrupt(this.path, `tensor at ${at}: ${(e as Error).message}`);
          }
        }
        case '$object':
          if (body === null || typeof body !== 'object' || Array.isArray(body)) throw corrupt(this.path, `bad $object at ${at}`);
          return this.#object(body as Record<string, unknown>, at);
        default:
          throw corrupt(this.path, `unknown tag ${tag} at ${at}`);
      }
    }
    return this.#object(o, at);
  }

  #object(o: Record<string, unknown>, at: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) out[k] = this.decode(o[k], `${at}.${k}`);
    return out;
  }
}

// -------------------------------------------------------------------------------------------- save
function content(c: SaveContent): Record<string, unknown> {
  if (c === null || typeof c !== 'object') throw typeError('an object { model, optimizer, rng, step, extra }', 'checkpoint', c);
  checkOptions(c, 'checkpoint', ['model', 'optimizer', 'rng', 'step', 'extra']);
  const out: Record<string, unknown> = {};
  const { model, optimizer, rng, step, extra } = c as SaveContent;
  if (model !== undefined) {
    if (model instanceof Module) out.model = model.stateDict();
    else if (model !== null && typeof model === 'object') out.model = model;
    else throw typeError('a Module or a state dict', 'checkpoint.model', model);
  }
  if (optimizer !== undefined) {
    if (optimizer === null || typeof (optimizer as { stateDict?: unknown }).stateDict !== 'function') {
      throw typeError('an object with stateDict() (an optimizer)', 'checkpoint.optimizer', optimizer);
    }
    out.optimizer = optimizer.stateDict();
  }
  if (rng !== undefined) {
    if (rng instanceof Generator) out.rng = rng.getState();
    else out.rng = new Generator().setState(rng).getState(); // validates a plain state
  }
  if (step !== undefined) {
    checkInteger(step, 'checkpoint.step', 0);
    out.step = step;
  }
  if (extra !== undefined) out.extra = extra;
  return out;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
}

/**
 * Saves { model, optimizer, rng, step, extra } to path atomically (temporary file in the same
 * directory, fsync, rename). Throws a TypeError naming the entry that cannot be saved, before writing.
 */
export function save(path: string, c: SaveContent): void {
  if (typeof path !== 'string' || path === '') throw typeError('a file path', 'path', path);
  checkLittleEndian();
  const enc = new Encoder();
  const manifest = Buffer.from(JSON.stringify({ format: FORMAT, content: enc.encode(content(c), 'checkpoint') }), 'utf8');
  if (enc.size > Number.MAX_SAFE_INTEGER) throw new RangeError(`Expected a payload below 2^53 bytes but it has ${enc.size}`);
  let payloadCrc = 0;
  for (const p of enc.parts) payloadCrc = crc32(p, payloadCrc);
  const header = Buffer.alloc(HEADER_BYTES);
  header.set(CHECKPOINT_MAGIC, 0);
  header.writeUInt32LE(CHECKPOINT_VERSION, 8);
  header.writeUInt32LE(manifest.length, 12);
  header.writeUInt32LE(enc.size % 2 ** 32, 16);
  header.writeUInt32LE(Math.floor(enc.size / 2 ** 32), 20);
  header.writeUInt32LE(crc32(manifest), 24);
  header.writeUInt32LE(payloadCrc, 28);

  writeFileAtomic(path, [header, manifest, new Uint8Array(pad8(HEADER_BYTES + manifest.length)), ...enc.parts]);
}

/**
 * Writes the concatenation of parts to path atomically: a temporary file in the target's directory is
 * written, fsync'ed, closed and renamed over the target, then the directory is fsync'ed where the
 * platform allows. A crash leaves the old file or the new one, never half of one; on an error the
 * temporary file is removed and the target is untouched.
 */
export function writeFileAtomic(path: string, parts: readonly Uint8Array[]): void {
  const target = pathLib.resolve(path);
  const dir = pathLib.dirname(target);
  const tmp = pathLib.join(dir, `.${pathLib.basename(target)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  const fd = fs.openSync(tmp, 'wx', 0o644);
  let ok = false;
  try {
    for (const p of parts) writeAll(fd, p);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    ok = true;
    fs.renameSync(tmp, target);
  } catch (e) {
    if (!ok) fs.closeSync(fd);
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  syncDir(dir);
}

/** Makes the rename durable where directories can be fsync'ed (not on Windows). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* best effort */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

// -------------------------------------------------------------------------------------------- load
/** Reads and verifies a checkpoint file; returns its decoded content. */
export function read(path: string): Checkpoint {
  if (typeof path !== 'string' || path === '') throw typeError('a file path', 'path', path);
  checkLittleEndian();
  const buf = fs.readFileSync(path);
  if (buf.length < HEADER_BYTES) throw corrupt(path, `truncated: ${buf.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  for (let i = 0; i < CHECKPOINT_MAGIC.length; i++) {
    if (buf[i] !== CHECKPOINT_MAGIC[i]) throw new Error(`Not a fastgrad checkpoint: ${path} (bad magic bytes ${buf.subarray(0, 8).toString('hex')})`);
  }
  const version = buf.readUInt32LE(8);
  if (version !== CHECKPOINT_VERSION) throw new Error(`Unsupported checkpoint version ${version} in ${path} (this fastgrad reads version ${CHECKPOINT_VERSION})`);
  const m = buf.readUInt32LE(12);
  const p = buf.readUInt32LE(16) + buf.readUInt32LE(20) * 2 ** 32;
  const h = HEADER_BYTES + m + pad8(HEADER_BYTES + m);
  const total = h + p;
  if (buf.length < total) throw corrupt(path, `truncated: ${buf.length} bytes, the header announces ${total} (manifest ${m}, payload ${p})`);
  if (buf.length > total) throw corrupt(path, `${buf.length - total} unexpected bytes after the ${total} the header announces`);
  const manifest = buf.subarray(HEADER_BYTES, HEADER_BYTES + m);
  const payload = buf.subarray(h, total);
  if (crc32(manifest) !== buf.readUInt32LE(24)) throw corrupt(path, 'manifest CRC-32 mismatch');
  if (crc32(payload) !== buf.readUInt32LE(28)) throw corrupt(path, 'payload CRC-32 mismatch');
  let json: { format?: unknown; content?: unknown };
  try {
    json = JSON.parse(manifest.toString('utf8'));
  } catch (e) {
    throw corrupt(path, `manifest is not JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || json.format !== FORMAT || json.content === null || typeof json.content !== 'object') {
    throw corrupt(path, `manifest is not a ${FORMAT} manifest`);
  }
  return new Decoder(payload, path).decode(json.content, 'checkpoint') as Checkpoint;
}

/**
 * Reads a checkpoint (see read()). With `into`, also restores it in place: into.model.loadStateDict,
 * into.optimizer.loadStateDict, into.rng.setState. All or nothing: if any restore fails, the ones done
 * are rolled back to their previous state and the error is rethrown.
 */
export function load(path: string, into?: LoadInto): Checkpoint {
  checkOptions(into, 'load into', ['model', 'optimizer', 'rng']);
  const target = (into ?? {}) as LoadInto;
  if (target.model !== undefined && !(target.model instanceof Module)) throw typeError('a Module', 'into.model', target.model);
  if (target.rng !== undefined && !(target.rng instanceof Generator)) throw typeError('a Generator', 'into.rng', target.rng);
  const opt = target.optimizer;
  if (opt !== undefined && (opt === null || typeof opt.stateDict !== 'function' || typeof opt.loadStateDict !== 'function')) {
    throw typeError('an object with stateDict() and loadStateDict()', 'into.optimizer', opt);
  }
  const ck = read(path);
  for (const k of ['model', 'optimizer', 'rng'] as const) {
    if (target[k] !== undefined && ck[k] === undefined) throw new Error(`Checkpoint ${path} holds no ${k} state to restore into (it has: ${Object.keys(ck).join(', ') || 'nothing'})`);
  }
  const undo: (() => void)[] = [];
  try {
    if (target.model) {
      const m = target.model, before = m.stateDict();
      m.loadStateDict(ck.model as StateDict);
      undo.push(() => m.loadStateDict(before));
    }
    if (opt) {
      const before = opt.stateDict();
      opt.loadStateDict(ck.optimizer as never);
      undo.push(() => opt.loadStateDict(before as never));
    }
    if (target.rng) {
      const g = target.rng, before = g.getState();
      g.setState(ck.rng as GeneratorState);
      undo.push(() => g.setState(before));
    }
  } catch (e) {
    for (const u of undo.reverse()) u();
    if (e instanceof Error) e.message = `Loading ${path}: ${e.message}`;
    throw e;
  }
  return ck;
}

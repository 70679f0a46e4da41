// fg.loadSafetensors / fg.saveSafetensors: the safetensors format (huggingface/safetensors), in which
// PyTorch and Hugging Face users exchange weights.
//
//   offset   size  field
//        0      8  N = u64 little-endian, the header length in bytes
//        8      N  header: UTF-8 JSON object starting with '{' (trailing spaces allowed):
//                  { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ...,
//                    "__metadata__": { "<key>": "<string>", ... } }   (metadata optional, strings only)
//      8+N      …  byte buffer: tensor data, row-major, little-endian; data_offsets are relative to its
//                  start; the tensors cover it exactly (no gap, no overlap), end − begin = numel × size.
//
// Read: F32 as is; F16, BF16 (exact) and F64 (rounded to nearest, as torch's .float()) become float32
// Tensors; I32 and I64 (counters such as BatchNorm's num_batches_tracked) become IntTensors with an
// Int32Array (I64 values must fit in int32). Every offset and length is checked against the file before
// anything is read, so a damaged file gives an Error naming the source and the problem, never an
// out-of-bounds read. Write: Tensors as F32, int32-range numbers as 0-d I64 (torch's counter type), IntTensors as
// their dtype; the header is padded with spaces to a multiple of 8 bytes so the data is aligned; the
// file is written atomically (writeFileAtomic: temporary file, fsync, rename).
import * as fs from 'node:fs';
import * as os from 'node:os';
import { writeFileAtomic } from '../checkpoint.js';
import { formatShape, shapeSize, Tensor } from '../tensor.js';
import { IntTensor } from './int_tensor.js';
import { describe, typeError } from '../validate.js';

/** The dtypes fastgrad reads. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32';

export { IntTensor };

const SIZE: Readonly<Record<SafetensorsDtype, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4 };
/** Dtypes of the format that fastgrad does not read (named in the error). */
const KNOWN_UNSUPPORTED = new Set(['BOOL', 'U8', 'I8', 'I16', 'U16', 'U32', 'U64', 'F8_E5M2', 'F8_E4M3', 'F8_E4M3FN', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);
/** The format's limit on the header (100 MB), which also bounds what a damaged length can make us allocate. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

export interface SafetensorsContent {
  /** Tensors by name, in the order of their data in the file. */
  tensors: Record<string, Tensor | IntTensor>;
  /** The file's dtype of each tensor (before conversion to float32). */
  dtypes: Record<string, SafetensorsDtype>;
  /** The header's __metadata__ (string to string; {} when absent). */
  metadata: Record<string, string>;
}

function checkLittleEndian(): void {
  if (os.endianness() !== 'LE') throw new Error('fastgrad reads and writes safetensors on little-endian hosts only');
}

// -------------------------------------------------------------------------------------------- read
function bad(source: string, what: string): Error {
  return new Error(`Invalid safetensors ${source}: ${what}`);
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** float16 bits → float32 value (exact). */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1024 + m) * 2 ** (e - 25);
}

/**
 * Reads a safetensors file (a path) or its bytes (a Uint8Array). Throws an Error naming the source and
 * what is wrong for a damaged file, an unsupported dtype or an I64 value outside int32.
 */
export function loadSafetensors(source: string | Uint8Array): SafetensorsContent {
  let buf: Uint8Array, name: string;
  if (typeof source === 'string') {
    if (source === '') throw typeError('a file path or a Uint8Array', 'source', source);
    buf = fs.readFileSync(source);
    name = source;
  } else if (source instanceof Uint8Array) {
    buf = source;
    name = `buffer (${source.length} bytes)`;
  } else {
    throw typeError('a file path or a Uint8Array', 'source', source);
  }
  checkLittleEndian();
  if (buf.length < 8) throw bad(name, `truncated: ${buf.length} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (n > SAFETENSORS_MAX_HEADER) throw bad(name, `header length ${n} exceeds the format's limit of ${SAFETENSORS_MAX_HEADER} bytes`);
  if (n < 2 || 8 + n > buf.length) throw bad(name, `header length ${n} does not fit the ${buf.length}-byte file (needs 2 ≤ N ≤ ${Math.max(0, buf.length - 8)})`);
  if (buf[8] !== 0x7b) throw bad(name, `header does not start with '{'`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n)));
  } catch (e) {
    throw bad(name, `header is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isRecord(header)) throw bad(name, 'header is not a JSON object');
  const dataStart = 8 + n, dataLen = buf.length - dataStart;

  const metadata: Record<string, string> = Object.create(null);
  const entries: { key: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [key, v] of Object.entries(header)) {
    if (key === '__metadata__') {
      if (!isRecord(v)) throw bad(name, '__metadata__ is not an object');
      for (const [mk, mv] of Object.entries(v)) {
        if (typeof mv !== 'string') throw bad(name, `__metadata__ value of '${mk}' is ${describe(mv)}, not a string`);
        metadata[mk] = mv;
      }
      continue;
    }
    if (!isRecord(v)) throw bad(name, `entry '${key}' is not an object`);
    const { dtype, shape, data_offsets: off } = v;
    if (typeof dtype !== 'string') throw bad(name, `tensor '${key}' has no dtype string`);
    if (!Object.prototype.hasOwnProperty.call(SIZE, dtype)) {
      throw bad(name, KNOWN_UNSUPPORTED.has(dtype)
        ? `tensor '${key}' has dtype ${dtype}, which fastgrad does not read (F32, F16, BF16, F64, I64, I32)`
        : `tensor '${key}' has unknown dtype ${JSON.stringify(dtype)}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(name, `tensor '${key}' has shape ${JSON.stringify(shape)}, not an array of non-negative integers`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw bad(name, `tensor '${key}' has data_offsets ${JSON.stringify(off)}, not [begin, end] non-negative integers`);
    }
    const [begin, end] = off as number[];
    if (begin > end || end > dataLen) throw bad(name, `tensor '${key}' data_offsets [${begin}, ${end}] are outside the ${dataLen}-byte data buffer (need begin ≤ end ≤ ${dataLen}; truncated file?)`);
    const numel = (shape as number[]).reduce((a, d) => a * d, 1);
    const dt = dtype as SafetensorsDtype;
    if (numel * SIZE[dt] !== end - begin) {
      throw bad(name, `tensor '${key}' has shape ${formatShape(shape as number[])} of ${dt}, which needs ${numel * SIZE[dt]} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    entries.push({ key, dtype: dt, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of entries) {
    if (e.begin < at) throw bad(name, `tensor '${e.key}' data_offsets [${e.begin}, ${e.end}] overlap the previous tensor's data (which ends at ${at})`);
    if (e.begin > at) throw bad(name, `gap in the data buffer: bytes [${at}, ${e.begin}) belong to no tensor (before '${e.key}')`);
    at = e.end;
  }
  if (at !== dataLen) throw bad(name, `the data buffer has ${dataLen} bytes but the tensors cover ${at} (trailing bytes belong to no tensor)`);

  const tensors: Record<string, Tensor | IntTensor> = Object.create(null);
  const dtypes: Record<string, SafetensorsDtype> = Object.create(null);
  for (const { key, dtype, shape, begin } of entries) {
    const numel = shapeSize(shape), o = dataStart + begin;
    dtypes[key] = dtype;
    if (dtype === 'I32' || dtype === 'I64') {
      const out = new Int32Array(numel);
      for (let i = 0; i < numel; i++) {
        if (dtype === 'I32') out[i] = dv.getInt32(o + 4 * i, true);
        else {
          const lo = dv.getUint32(o + 8 * i, true), hi = dv.getInt32(o + 8 * i + 4, true);
          if (!((hi === 0 && lo <= 0x7fffffff) || (hi === -1 && lo >= 0x80000000))) {
            throw bad(name, `tensor '${key}' element ${i} = ${BigInt(hi) * 2n ** 32n + BigInt(lo)} is outside int32 (fastgrad keeps I64 counters as int32)`);
          }
          out[i] = lo | 0;
        }
      }
      tensors[key] = new IntTensor(out, shape, dtype);
      continue;
    }
    const out = new Float32Array(numel);
    if (dtype === 'F32') new Uint8Array(out.buffer).set(buf.subarray(o, o + 4 * numel));
    else if (dtype === 'F64') for (let i = 0; i < numel; i++) out[i] = dv.getFloat64(o + 8 * i, true);
    else if (dtype === 'F16') for (let i = 0; i < numel; i++) out[i] = halfToFloat(dv.getUint16(o + 2 * i, true));
    else {
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < numel; i++) u[i] = dv.getUint16(o + 2 * i, true) << 16;
    }
    tensors[key] = new Tensor(out, shape);
  }
  return { tensors, dtypes, metadata };
}

// ------------------------------------------------------------------------------------------- write
/**
 * Writes stateDict to path as safetensors, atomically: Tensors (and Parameters) as F32, numbers
 * (counters) as 0-d I64, IntTensors as their dtype, in the stateDict's key order; metadata (optional)
 * is a string-to-string object stored as __metadata__. Everything is validated before the file is touched.
 */
export function saveSafetensors(path: string, stateDict: Record<string, Tensor | IntTensor | number>, metadata?: Record<string, string>): void {
  if (typeof path !== 'string' || path === '') throw typeError('a file path', 'path', path);
  if (!isRecord(stateDict)) throw typeError('a state dict object (name to Tensor, IntTensor or integer)', 'stateDict', stateDict);
  if (metadata !== undefined && !isRecord(metadata)) throw typeError('an object of string values', 'metadata', metadata);
  checkLittleEndian();
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    const m: Record<string, string> = {};
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw typeError('a string (safetensors metadata holds strings only)', `metadata['${k}']`, v);
      m[k] = v;
    }
    header.__metadata__ = m;
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(stateDict)) {
    if (k === '' || k === '__metadata__') throw new RangeError(`Expected a tensor name other than ${JSON.stringify(k)} in stateDict (reserved by the format)`);
    let bytes: Uint8Array, dtype: string, shape: readonly number[];
    if (v instanceof Tensor) {
      bytes = new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
      dtype = 'F32';
      shape = v.shape;
    } else if (v instanceof IntTensor) {
      dtype = v.dtype;
      shape = v.shape;
      if (v.dtype === 'I32') bytes = new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
      else {
        const w = new BigInt64Array(v.data.length);
        for (let i = 0; i < w.length; i++) w[i] = BigInt(v.data[i]);
        bytes = new Uint8Array(w.buffer);
      }
    } else if (typeof v === 'number') {
      if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
        throw new RangeError(`Expected an integer in int32 range for stateDict['${k}'] (a counter, saved as I64 and read back as int32) but received ${describe(v)}`);
      }
      bytes = new Uint8Array(BigInt64Array.of(BigInt(v)).buffer);
      dtype = 'I64';
      shape = [];
    } else {
      throw typeError('a Tensor, an IntTensor or an integer', `stateDict['${k}']`, v);
    }
    header[k] = { dtype, shape: shape.slice(), data_offsets: [size, size + bytes.length] };
    parts.push(bytes);
    size += bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeUInt32LE(json.length % 2 ** 32, 0);
  len.writeUInt32LE(Math.floor(json.length / 2 ** 32), 4);
  writeFileAtomic(path, [len, json, ...parts]);
}

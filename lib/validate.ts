// Argument checks with one message template: "Expected <what> for <name> but received <value>".
// TypeError for a wrong type, RangeError for a bad value. Every public entry point validates
// before it changes any state.

export function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'number') return `number ${Object.is(v, -0) ? '-0' : String(v)}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `bigint ${v}n`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return 'a symbol';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of length ${(v as unknown as { length?: number }).length ?? v.byteLength}`;
  if (Array.isArray(v)) return `an Array of length ${v.length}`;
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

export function typeError(what: string, name: string, v: unknown): TypeError {
  return new TypeError(`Expected ${what} for ${name} but received ${describe(v)}`);
}

export function rangeError(what: string, name: string, v: unknown): RangeError {
  return new RangeError(`Expected ${what} for ${name} but received ${describe(v)}`);
}

/** A detached buffer reads as length 0; only then is the (rarer, slower) construct probe needed. */
export function isDetached(a: ArrayBufferView): boolean {
  if (a.byteLength !== 0 || a.buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(a.buffer);
    return false;
  } catch {
    return true;
  }
}

export function checkFloat32Array(v: unknown, name: string, length?: number): asserts v is Float32Array {
  if (!(v instanceof Float32Array)) throw typeError('a Float32Array', name, v);
  if (isDetached(v)) throw new TypeError(`Expected a Float32Array with a live buffer for ${name} but received one whose ArrayBuffer is detached`);
  if (length !== undefined && v.length !== length) throw rangeError(`a Float32Array of length ${length}`, name, v);
}

export function checkNumber(v: unknown, name: string): asserts v is number {
  if (typeof v !== 'number') throw typeError('a number', name, v);
}

export function checkFinite(v: unknown, name: string): asserts v is number {
  checkNumber(v, name);
  if (!Number.isFinite(v)) throw rangeError('a finite number', name, v);
}

export function checkInteger(v: unknown, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): asserts v is number {
  if (typeof v !== 'number') throw typeError('an integer', name, v);
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max !== Number.MAX_SAFE_INTEGER ? ` in [${min}, ${max}]` : min > -Number.MAX_SAFE_INTEGER ? ` >= ${min}` : '';
    throw rangeError(`an integer${range}`, name, v);
  }
}

export function checkBoolean(v: unknown, name: string): asserts v is boolean {
  if (typeof v !== 'boolean') throw typeError('a boolean', name, v);
}

/** Rejects option names that the callee does not know (typos would otherwise be silently ignored). */
export function checkOptions(opts: unknown, name: string, known: readonly string[]): asserts opts is Record<string, unknown> {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw typeError('an options object', name, opts);
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new TypeError(`Unknown option '${k}' for ${name}; expected one of: ${known.join(', ')}`);
  }
}

/** True if two Float32Arrays share memory without being the very same view. */
export function partlyOverlaps(a: Float32Array, b: Float32Array): boolean {
  if (a.buffer !== b.buffer || a.length === 0 || b.length === 0) return false;
  const a0 = a.byteOffset, a1 = a0 + a.byteLength, b0 = b.byteOffset, b1 = b0 + b.byteLength;
  const overlap = a0 < b1 && b0 < a1;
  return overlap && !(a0 === b0 && a1 === b1);
}

export function overlaps(a: Float32Array, b: Float32Array): boolean {
  if (a.buffer !== b.buffer || a.length === 0 || b.length === 0) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

// Shared pieces of the data helpers: the { seed } / { generator } choice.
import { Generator, generatorOf } from '../random.js';
import { typeError } from '../validate.js';

/** opts.generator if given, else a fresh Generator(opts.seed ?? 0); both at once is an error. */
export function seededGenerator(opts: { seed?: number | bigint; generator?: Generator }, name: string): Generator {
  if (opts.generator !== undefined) {
    if (opts.seed !== undefined) throw new TypeError(`Expected either seed or generator for ${name} options but received both`);
    return generatorOf(opts.generator);
  }
  if (opts.seed !== undefined && typeof opts.seed !== 'number' && typeof opts.seed !== 'bigint') throw typeError('a non-negative integer', 'seed', opts.seed);
  return new Generator(opts.seed ?? 0);
}

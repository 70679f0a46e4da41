// Metrics for fg.train.fit: a function (output, target) -> number, averaged over an epoch weighted by
// the batch size; 'accuracy' is built in.
import { Tensor } from '../tensor.js';
import { typeError } from '../validate.js';

export type MetricFn = (output: Tensor, target: unknown) => number;
export type MetricSpec = 'accuracy' | { name: string; fn: MetricFn };

/** The fraction of rows of output (N × C) whose argmax equals the target class (class indices, or one-hot / probability rows). */
export function accuracy(output: Tensor, target: unknown): number {
  if (!(output instanceof Tensor) || output.ndim !== 2) throw typeError('a 2-D Tensor of scores', 'output', output);
  const [N, C] = output.shape;
  const argmax = (d: ArrayLike<number>, r: number) => {
    let best = 0;
    for (let c = 1; c < C; c++) if (d[r * C + c] > d[r * C + best]) best = c;
    return best;
  };
  let hits = 0;
  for (let r = 0; r < N; r++) {
    let t: number;
    if (target instanceof Tensor && target.ndim === 2) t = argmax(target.data, r);
    else if (target instanceof Tensor) t = target.data[r];
    else if (ArrayBuffer.isView(target) || Array.isArray(target)) t = (target as ArrayLike<number>)[r];
    else throw typeError('class indices or a Tensor of class probabilities', 'target', target);
    if (argmax(output.data, r) === t) hits++;
  }
  return N === 0 ? 0 : hits / N;
}

export function resolveMetrics(specs: readonly MetricSpec[] | undefined): { name: string; fn: MetricFn }[] {
  if (specs === undefined) return [];
  if (!Array.isArray(specs)) throw typeError("an array of metrics ('accuracy' or { name, fn })", 'metrics', specs);
  return specs.map((m, i) => {
    if (m === 'accuracy') return { name: 'accuracy', fn: accuracy };
    if (m && typeof m === 'object' && typeof m.name === 'string' && /^[A-Za-z]\w*$/.test(m.name) && typeof m.fn === 'function') return m;
    throw typeError("'accuracy' or { name: an identifier, fn: (output, target) => number }", `metrics[${i}]`, m);
  });
}

// fgtf.train.*: tf.Optimizer subclasses whose applyGradients() runs one of fastgrad's optimizers:
// every variable is updated in place (its Float32Array in the backend) by the fused multi-tensor
// kernel, one call per step. Works with optimizer.minimize() and model.compile({ optimizer }).
import { engine, Optimizer as TfOptimizer, tensor, type NamedTensorMap, type Tensor as TfTensor, type Variable } from '@tensorflow/tfjs-core';

/** tfjs's { name, tensor } pair (not exported from its index). */
type NamedTensor = { name: string; tensor: TfTensor };
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as optim from '../optim/index.js';
import { Parameter, Tensor } from '../tensor.js';
import { typeError } from '../validate.js';

type AnyOptimizer = optim.Optimizer<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The backend array of a tensor, in place (the 'fastgrad' and 'cpu' backends hold float32 data as Float32Array). */
function valuesOf(t: TfTensor, what: string): { values: Float32Array; backend: MathBackendCPU } {
  const info = engine().state.tensorInfo.get(t.dataId) as { backend: unknown } | undefined;
  const backend = info?.backend;
  if (!(backend instanceof MathBackendCPU)) {
    throw new Error(`fastgrad/tfjs: ${what} lives on a backend that is not 'fastgrad' (or 'cpu'); fgtf.train optimizers update variables in place on those backends`);
  }
  if (t.dtype !== 'float32') throw typeError('a float32 tensor', what, t.dtype);
  const values = backend.data.get(t.dataId)?.values;
  if (!(values instanceof Float32Array)) throw new TypeError(`Expected ${what} to be held as a Float32Array but received ${Object.prototype.toString.call(values)}`);
  return { values, backend };
}

export class FastgradOptimizer extends TfOptimizer {
  static className = 'FastgradOptimizer';
  /** The fastgrad optimizer doing the work: its paramGroups[0] options (lr, ...) are writable; LR schedulers take it. */
  readonly optimizer: AnyOptimizer;
  private readonly params = new Map<string, Parameter>();

  constructor(
    readonly algorithm: string,
    make: (params: Parameter[]) => AnyOptimizer,
    private readonly options: Record<string, unknown>,
  ) {
    super();
    // One group from the start (so schedulers can hold it): an empty placeholder parameter that never
    // has a gradient; each variable joins the group at its first step.
    this.optimizer = make([Parameter.zeros([0])]);
  }

  /** The Parameter over a variable's current array (made private to the variable first if tfjs shares it). */
  private paramOf(name: string, v: Variable): Parameter {
    let { values, backend } = valuesOf(v, `variable '${name}'`);
    if (backend.refCount(v.dataId) > 1) {
      // tf.variable(x) shares x's data: give the variable its own array before writing into it.
      const own = tensor(values.slice(), v.shape, 'float32');
      v.assign(own);
      own.dispose();
      values = valuesOf(v, `variable '${name}'`).values;
    }
    let p = this.params.get(name);
    if (!p) {
      p = new Parameter(values, [values.length]);
      this.params.set(name, p);
      this.optimizer.paramGroups[0].params.push(p);
    } else if (p.data !== values) {
      // The variable was assign()ed since the last step: follow its new array (the state is kept).
      (p as { data: Float32Array }).data = values;
    }
    return p;
  }

  applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const pairs: [string, TfTensor | null][] = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor])
      : Object.entries(variableGradients);
    const stepped: Parameter[] = [];
    const seen = new Set<Float32Array>();
    try {
      for (const [name, g] of pairs) {
        if (g == null) continue;
        const v = engine().registeredVariables[name];
        if (!v) throw new RangeError(`Expected the name of a registered variable but received '${name}'`);
        if (!v.trainable) continue;
        const p = this.paramOf(name, v);
        let grad = valuesOf(g, `the gradient of '${name}'`).values;
        if (grad.length !== p.size) throw new RangeError(`Expected a gradient of ${p.size} values for '${name}' but received ${grad.length}`);
        // The kernels need every array distinct; tfjs may hand the same array for two gradients.
        if (seen.has(grad)) grad = grad.slice();
        seen.add(grad);
        p.grad = new Tensor(grad, [grad.length]);
        stepped.push(p);
      }
      this.optimizer.step();
    } finally {
      for (const p of stepped) p.grad = null;
    }
    this.incrementIterations();
  }

  /**
   * The optimizer's state as tfjs weights (what model.save({ includeOptimizer: true }) stores): the
   * iteration count ('iter'), then for each variable that has stepped, in the order it first did:
   * `<variable>/step` (int32), each state buffer `<variable>/<buffer>` (float32, the variable's
   * shape) and each per-parameter scalar `<variable>/scalar:<name>` (its float64 bits as two int32, so
   * a resumed run keeps every bit).
   */
  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    for (const [name, p] of this.params) {
      const s = this.optimizer.getState(p);
      if (!s) continue;
      const shape = engine().registeredVariables[name]?.shape ?? [p.size];
      out.push({ name: `${name}/step`, tensor: tensor(s.step, [], 'int32') });
      for (const [k, b] of Object.entries(s.buffers)) out.push({ name: `${name}/${k}`, tensor: tensor(b.slice(), shape, 'float32') });
      for (const [k, v] of Object.entries(s.scalars)) out.push({ name: `${name}/scalar:${k}`, tensor: tensor(new Int32Array(new Float64Array([v]).buffer), [2], 'int32') });
    }
    return out;
  }

  /** Restores getWeights()'s state onto the variables of the same names (the state is checked whole before it replaces the current one). */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    if (!Array.isArray(weightValues) || weightValues.length === 0) throw typeError("getWeights()'s array of { name, tensor }", 'weightValues', weightValues);
    const entries = new Map<string, Record<string, number | Float32Array>>();
    for (const { name, tensor: t } of weightValues.slice(1)) {
      const cut = typeof name === 'string' ? name.lastIndexOf('/') : -1;
      if (cut <= 0) throw new RangeError(`Expected optimizer weight names '<variable>/<slot>' but received ${JSON.stringify(name)}`);
      const variable = name.slice(0, cut), slot = name.slice(cut + 1);
      if (!engine().registeredVariables[variable]) throw new RangeError(`Expected the name of a registered variable in optimizer weight '${name}' but no variable '${variable}' exists`);
      let e = entries.get(variable);
      if (!e) entries.set(variable, (e = {}));
      const data = await t.data();
      if (slot === 'step') e.step = data[0];
      else if (slot.startsWith('scalar:')) e[slot.slice('scalar:'.length)] = new Float64Array(Int32Array.from(data).buffer)[0];
      else e[slot] = Float32Array.from(data);
    }
    // Each variable joins the group, then fastgrad's loadStateDict checks every entry before it changes anything.
    const params = new Map([...entries.keys()].map((name) => [name, this.paramOf(name, engine().registeredVariables[name])]));
    const sd = this.optimizer.stateDict();
    const group = this.optimizer.paramGroups[0].params;
    sd.paramGroups[0].params = group.map((_: unknown, i: number) => i);
    sd.state = Object.fromEntries([...entries].map(([name, e]) => [String(group.indexOf(params.get(name))), e]));
    const iterations = (await weightValues[0].tensor.data())[0];
    sd.stepCount = iterations;
    this.optimizer.loadStateDict(sd);
    this.iterations_ = iterations;
  }

  getConfig(): Record<string, never> {
    const out: Record<string, unknown> = { algorithm: this.algorithm };
    for (const [k, v] of Object.entries(this.options)) if (typeof v !== 'function') out[k] = v;
    return out as Record<string, never>;
  }
}

type LrOr<O> = number | O;
const opts = <O extends object>(x: LrOr<O> | undefined, fallback: O): O => (typeof x === 'number' ? ({ ...fallback, lr: x } as O) : (x ?? fallback));

function factory<O extends object>(name: string, Cls: new (p: Parameter[], o: O) => AnyOptimizer, defaults: O) {
  return (lrOrOptions?: LrOr<O>): FastgradOptimizer => {
    const o = opts(lrOrOptions, defaults);
    if (o === null || typeof o !== 'object') throw typeError('a learning rate or an options object', 'lrOrOptions', lrOrOptions);
    // Construct once here so a bad option throws now, not at the first step.
    return new FastgradOptimizer(name, (params) => new Cls(params, o), o as Record<string, unknown>);
  };
}

/** SGD (torch.optim.SGD: momentum, dampening, nesterov, weightDecay); lr required. */
export const sgd = factory<optim.SGDOptions>('SGD', optim.SGD, { lr: 0.01 });
/** The papers' classical momentum (v = μv − lr·g; p += v), μ a number or a schedule. */
export const momentum = factory<optim.MomentumOptions>('Momentum', optim.Momentum, { lr: 0.01 });
/** The papers' Nesterov accelerated gradient, μ a number or a schedule (sutskever(), nesterov83(), ...). */
export const nag = factory<optim.MomentumOptions>('NAG', optim.NAG, { lr: 0.01 });
export const adam = factory<optim.AdamOptions>('Adam', optim.Adam, {});
export const adamw = factory<optim.AdamOptions>('AdamW', optim.AdamW, {});
export const adagrad = factory<optim.AdagradOptions>('Adagrad', optim.Adagrad, {});
export const rmsprop = factory<optim.RMSpropOptions>('RMSprop', optim.RMSprop, {});
export const adamax = factory<optim.AdamaxOptions>('Adamax', optim.Adamax, {});
export const nadam = factory<optim.NAdamOptions>('NAdam', optim.NAdam, {});
export const radam = factory<optim.RAdamOptions>('RAdam', optim.RAdam, {});
export const rprop = factory<optim.RpropOptions>('Rprop', optim.Rprop, {});
export const adadelta = factory<optim.AdadeltaOptions>('Adadelta', optim.Adadelta, {});

// Momentum schedules and LR schedulers: fastgrad's own, driven through `.optimizer`:
//   const opt = fgtf.train.adam(1e-3); const sched = new fgtf.train.StepLR(opt.optimizer, { stepSize: 10 });
export { constant, sutskever, nesterov83, finalPhase } from '../optim/index.js';
export {
  LRScheduler,
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearLR,
  LambdaLR,
  OneCycleLR,
  SequentialLR,
  ReduceLROnPlateau,
} from '../optim/index.js';

/**
 * A tfjs-layers callback that steps an LR scheduler after every epoch (or every batch): pass it in
 * model.fit({ callbacks }). ReduceLROnPlateau gets the epoch's `val_loss` (else `loss`).
 */
export function schedulerCallback(
  scheduler: { step(metric?: number): unknown },
  opts: { every?: 'epoch' | 'batch' } = {},
): { onEpochEnd?: (epoch: number, logs?: Record<string, number>) => Promise<void>; onBatchEnd?: (batch: number, logs?: Record<string, number>) => Promise<void> } {
  const every = opts.every ?? 'epoch';
  if (every !== 'epoch' && every !== 'batch') throw new RangeError(`Expected 'epoch' or 'batch' for every but received ${JSON.stringify(every)}`);
  const run = async (_: number, logs?: Record<string, number>) => {
    if (scheduler instanceof optim.ReduceLROnPlateau) scheduler.step(logs?.val_loss ?? logs?.loss ?? NaN);
    else scheduler.step();
  };
  return every === 'epoch' ? { onEpochEnd: run } : { onBatchEnd: run };
}

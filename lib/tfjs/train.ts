// fgtf.train.*: tf.Optimizer subclasses whose applyGradients() runs one of fastgrad's optimizers:
// every variable is updated in place (its Float32Array in the backend) by the fused multi-tensor
// kernel, one call per step. Works with optimizer.minimize() and model.compile({ optimizer }).
import { engine, Optimizer as TfOptimizer, serialization, tensor, type NamedTensorMap, type Tensor as TfTensor, type Variable } from '@tensorflow/tfjs-core';

/** tfjs's { name, tensor } pair (not exported from its index). */
type NamedTensor = { name: string; tensor: TfTensor };
/** One of setWeights()'s weights, kept until the state is attached (getWeights() gives it back meanwhile). */
type SavedWeight = { name: string; data: Float32Array | Int32Array; shape: number[]; dtype: 'float32' | 'int32' };
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
  /** setWeights()'s state until the next step attaches it (restore()). */
  private pending: { entries: Map<string, Record<string, number | Float32Array>>; iterations: number; saved: SavedWeight[] } | null = null;

  constructor(
    /** The fgtf.train factory that made it ('adam', 'sgd', ...). */
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
    if (this.pending) {
      this.restore(pairs.filter(([name, g]) => g != null && engine().registeredVariables[name]?.trainable).map(([name]) => name));
    }
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
    if (this.pending) return out.concat(this.pending.saved.map((w) => ({ name: w.name, tensor: tensor(w.data, w.shape, w.dtype) })));
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

  /**
   * Restores getWeights()'s state. It is attached at the next step, when the variables being trained
   * are known: to the variables of the saved names when every variable stepped has one of them (a
   * resumed run of the same model), else by position, the i-th variable stepped taking the i-th
   * variable's state (a model loaded by tf.loadLayersModel, whose variables get new names; tfjs's own
   * optimizers restore by position too). The state is checked whole before it replaces the current one.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    if (!Array.isArray(weightValues) || weightValues.length === 0) throw typeError("getWeights()'s array of { name, tensor }", 'weightValues', weightValues);
    const entries = new Map<string, Record<string, number | Float32Array>>();
    const saved: SavedWeight[] = [];
    for (const { name, tensor: t } of weightValues.slice(1)) {
      const cut = typeof name === 'string' ? name.lastIndexOf('/') : -1;
      if (cut <= 0) throw new RangeError(`Expected optimizer weight names '<variable>/<slot>' but received ${JSON.stringify(name)}`);
      const variable = name.slice(0, cut), slot = name.slice(cut + 1);
      let e = entries.get(variable);
      if (!e) entries.set(variable, (e = {}));
      const data = await t.data();
      saved.push({ name, data: data.slice() as Float32Array | Int32Array, shape: t.shape.slice(), dtype: t.dtype as 'float32' | 'int32' });
      if (slot === 'step') e.step = data[0];
      else if (slot.startsWith('scalar:')) e[slot.slice('scalar:'.length)] = new Float64Array(Int32Array.from(data).buffer)[0];
      else e[slot] = Float32Array.from(data);
    }
    const iterations = (await weightValues[0].tensor.data())[0];
    this.pending = { entries, iterations, saved };
    this.iterations_ = iterations;
  }

  /** Attaches setWeights()'s state to the variables about to step (names in gradient order). */
  private restore(names: readonly string[]): void {
    const { entries, iterations } = this.pending!;
    const savedNames = [...entries.keys()];
    let byVariable: [string, Record<string, number | Float32Array>][];
    if (names.every((n) => entries.has(n))) byVariable = names.filter((n) => entries.has(n)).map((n) => [n, entries.get(n)!]);
    else if (names.length === savedNames.length) byVariable = names.map((n, i) => [n, entries.get(savedNames[i])!]);
    else {
      throw new RangeError(
        `Expected the variables whose state setWeights() restored (${savedNames.length}: ${savedNames.join(', ')}) or as many variables to step, ` +
          `but received gradients for ${names.length}: ${names.join(', ')}`,
      );
    }
    // Each variable joins the group, then fastgrad's loadStateDict checks every entry before it changes anything.
    const params = new Map(byVariable.map(([name]) => [name, this.paramOf(name, engine().registeredVariables[name])]));
    const sd = this.optimizer.stateDict();
    const group = this.optimizer.paramGroups[0].params;
    sd.paramGroups[0].params = group.map((_: unknown, i: number) => i);
    sd.state = Object.fromEntries(byVariable.map(([name, e]) => [String(group.indexOf(params.get(name))), e]));
    sd.stepCount = iterations;
    this.optimizer.loadStateDict(sd);
    this.pending = null;
  }

  /**
   * What model.save({ includeOptimizer: true }) stores of the optimizer (beside getWeights()'s
   * state): the factory's name (`algorithm`, e.g. 'adam') and its options, with the group's current
   * learning rate (a scheduler may have moved it). A momentum schedule (a function) has no such form:
   * saving an optimizer built with one throws.
   */
  override getConfig(): serialization.ConfigDict {
    const out: serialization.ConfigDict = { algorithm: this.algorithm };
    for (const [k, v] of Object.entries(this.options)) {
      if (typeof v === 'function') throw new TypeError(`Expected options that can be saved (numbers, booleans, arrays) for fgtf.train.${this.algorithm} but option '${k}' is a function (a schedule); save the optimizer's state with getWeights() instead`);
      out[k] = v as serialization.ConfigDictValue;
    }
    const lr = (this.optimizer.paramGroups[0] as { lr?: unknown }).lr;
    if (typeof lr === 'number') out.lr = lr;
    return out;
  }

  /** The optimizer getConfig() describes (tfjs-layers calls it when it loads a model saved with includeOptimizer). */
  static override fromConfig<T extends serialization.Serializable>(_cls: serialization.SerializableConstructor<T>, config: serialization.ConfigDict): T {
    const { algorithm, customObjects: _ignored, ...options } = config;
    const make = typeof algorithm === 'string' && Object.prototype.hasOwnProperty.call(FACTORIES, algorithm) ? FACTORIES[algorithm] : undefined;
    if (!make) throw new RangeError(`Expected the config of an fgtf.train optimizer (algorithm one of ${Object.keys(FACTORIES).join(', ')}) but received algorithm ${JSON.stringify(algorithm)}`);
    return make(options as never) as unknown as T;
  }
}

type LrOr<O> = number | O;
const opts = <O extends object>(x: LrOr<O> | undefined, fallback: O): O => (typeof x === 'number' ? ({ ...fallback, lr: x } as O) : (x ?? fallback));

/** Each factory by its name (what getConfig() stores as `algorithm` and fromConfig() looks up). */
const FACTORIES: Record<string, (lrOrOptions?: never) => FastgradOptimizer> = {};

function factory<O extends object>(name: string, Cls: new (p: Parameter[], o: O) => AnyOptimizer, defaults: O) {
  const make = (lrOrOptions?: LrOr<O>): FastgradOptimizer => {
    const o = opts(lrOrOptions, defaults);
    if (o === null || typeof o !== 'object') throw typeError('a learning rate or an options object', 'lrOrOptions', lrOrOptions);
    // Construct once here so a bad option throws now, not at the first step.
    return new FastgradOptimizer(name, (params) => new Cls(params, o), o as Record<string, unknown>);
  };
  FACTORIES[name] = make as (lrOrOptions?: never) => FastgradOptimizer;
  return make;
}

/** SGD (torch.optim.SGD: momentum, dampening, nesterov, weightDecay); lr required. */
export const sgd = factory<optim.SGDOptions>('sgd', optim.SGD, { lr: 0.01 });
/** The papers' classical momentum (v = μv − lr·g; p += v), μ a number or a schedule. */
export const momentum = factory<optim.MomentumOptions>('momentum', optim.Momentum, { lr: 0.01 });
/** The papers' Nesterov accelerated gradient, μ a number or a schedule (sutskever(), nesterov83(), ...). */
export const nag = factory<optim.MomentumOptions>('nag', optim.NAG, { lr: 0.01 });
export const adam = factory<optim.AdamOptions>('adam', optim.Adam, {});
export const adamw = factory<optim.AdamOptions>('adamw', optim.AdamW, {});
export const adagrad = factory<optim.AdagradOptions>('adagrad', optim.Adagrad, {});
export const rmsprop = factory<optim.RMSpropOptions>('rmsprop', optim.RMSprop, {});
export const adamax = factory<optim.AdamaxOptions>('adamax', optim.Adamax, {});
export const nadam = factory<optim.NAdamOptions>('nadam', optim.NAdam, {});
export const radam = factory<optim.RAdamOptions>('radam', optim.RAdam, {});
export const rprop = factory<optim.RpropOptions>('rprop', optim.Rprop, {});
export const adadelta = factory<optim.AdadeltaOptions>('adadelta', optim.Adadelta, {});

// Momentum schedules and LR schedulers: fastgrad's own, driven through `.optimizer`:
//   const opt = fgtf.train.adam(1e-3); const sched = new fgtf.train.StepLR(opt.optimizer, { stepSize: 10 });
// tfjs-layers finds the class by its className when it loads a model saved with includeOptimizer.
serialization.registerClass(FastgradOptimizer);

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

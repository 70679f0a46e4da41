// Optimizer base: parameter groups, per-parameter state, validation, scheduled hyper-parameters,
// stateDict/loadStateDict, and the step that hands each group to the fused kernels in ONE call
// (the multi-tensor entry point). An algorithm is an AlgoDef: its defaults, its state buffers,
// and the scalars it computes once per tensor in TypeScript (rounded to binary32) for the kernel.
import { kernels } from '../backend/select.js';
import { OPTIM_H, type OptimAlgo } from '../backend/optim_spec.js';
import { Tensor } from '../tensor.js';
import { rangeError, typeError } from '../validate.js';
import { OPTION_CHECKS, schedulable, type HyperValue, type Schedule } from './options.js';
import type { AlgoDef, Hyper, ParamGroup, ParamGroupInput, Params, ParamState, StateDict, StepContext, StepResult } from './algo.js';
import { PlanCache } from './plan_cache.js';
import { DisjointCheck, findNonFinite, gradName, type StepItem } from './step_checks.js';

export type { AlgoDef, Hyper, ParamGroup, ParamGroupInput, Params, ParamState, Prepared, StateDict, StepContext, StepResult } from './algo.js';

/** One group's multi-tensor kernel call. */
interface GroupCall {
  /** Index of the group in paramGroups. */
  group: number;
  flags: Int32Array;
  h: Float32Array;
  params: Float32Array[];
  grads: Float32Array[];
  states: (Float32Array | null)[];
}

/**
 * A group's arrays kept across steps (a step-only or sameOnceStateful algorithm whose tensors all have
 * their buffers and the same step count): a step then rewrites only h and walks the gradients. Valid while the optimizer's state
 * version is unchanged (any new state, buffer or loadStateDict bumps it), the same tensors with the same
 * storage have gradients, and the options name the same state slots.
 */
interface GroupMemo {
  version: number;
  /** The step count every tensor of the group has (before this step). */
  step: number;
  slots: readonly (string | null)[];
  ps: Tensor[];
  prevs: ParamState[];
  params: Float32Array[];
  grads: Float32Array[];
  states: (Float32Array | null)[];
  flags: Int32Array;
  h: Float32Array;
}

interface PendingState {
  p: Tensor;
  prev: ParamState | undefined;
  step: number;
  buffers: Record<string, Float32Array> | null;
  scalars?: Record<string, number>;
}

/** A validated step: the kernel calls to run, then what to commit. */
interface StepPlan {
  skipped: boolean;
  reason?: string;
  calls: GroupCall[];
  pending: PendingState[];
  /** Groups stepped through their memo: every tensor's step becomes memo.step + 1 at commit. */
  fast: GroupMemo[];
  /**
   * Per group that took the per-tensor path, its memo after the commit: one if its tensors all had their
   * state and one step count, else none (the old one's step counts are stale).
   */
  memos: [number, GroupMemo | undefined][];
  resolved: Hyper[];
}

const fr = Math.fround;
/** Local copy: an imported binding can be a getter under CJS interop, and step() reads it per tensor. */
const HN = OPTIM_H;

/** Checks one option value by name (the algorithm's own checker first). */
function checkOption<O extends Hyper>(def: AlgoDef<O>, key: string, v: unknown, name: string): void {
  const check = def.checks?.[key] ?? OPTION_CHECKS[key];
  check(v, name);
}

export abstract class Optimizer<O extends Hyper = Hyper> {
  /** Parameter groups; every option (lr, momentum, betas, ...) is writable between steps. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Number of step() calls that ran (skipped steps excluded); schedules are evaluated at this t. */
  stepCount = 0;
  /** Number of steps skipped because of a non-finite gradient. */
  skippedSteps = 0;
  protected readonly state = new Map<Tensor, ParamState>();
  /** The step's disjointness check, skipped while its arrays stay the same (step_checks.ts). */
  private readonly disjoint = new DisjointCheck();
  /** Per group, its kernel plan across steps (plan_cache.ts; step() only). */
  private readonly plans: PlanCache[] = [];
  /** Per group, its arrays across steps (GroupMemo); this.version counts changes of this.state. */
  private readonly memos: (GroupMemo | undefined)[] = [];
  private version = 0;
  /** Per group, the gradients (null: none) and items of its last collect() that passed the checks. */
  private readonly collected: ({ grads: (Tensor | null)[]; items: StepItem[] } | undefined)[] = [];
  /** True while a stepAsync() has not settled. */
  private busy = false;
  private readonly schedules: Record<string, Schedule<HyperValue>>[] = [];
  private readonly skipNonFinite: boolean;
  /** The constructor's options (without skipNonFinite): the defaults of every group. */
  private readonly base: Record<string, unknown>;

  protected constructor(
    protected readonly def: AlgoDef<O>,
    params: readonly Tensor[] | readonly ParamGroupInput<Record<string, unknown>>[],
    options: Record<string, unknown> = {},
  ) {
    const known = [...Object.keys(def.defaults), ...(def.required ?? [])];
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw typeError('an options object', 'options', options);
    for (const k of Object.keys(options)) {
      if (!known.includes(k) && k !== 'skipNonFinite') {
        throw new TypeError(`Unknown option '${k}' for ${def.name}; expected one of: ${[...known, 'skipNonFinite'].join(', ')}`);
      }
    }
    const { skipNonFinite = false, ...rest } = options as Record<string, unknown> & { skipNonFinite?: unknown };
    if (typeof skipNonFinite !== 'boolean') throw typeError('a boolean', 'skipNonFinite', skipNonFinite);
    this.skipNonFinite = skipNonFinite;

    if (!Array.isArray(params)) throw typeError('an array of Parameters or of parameter groups', 'params', params);
    if (params.length === 0) throw new RangeError(`Expected at least one parameter for params of ${def.name} but received an empty array`);
    const groups: ParamGroupInput<Record<string, unknown>>[] =
      params[0] instanceof Tensor ? [{ params: params as Tensor[] }] : (params as ParamGroupInput<Record<string, unknown>>[]);
    this.base = rest;
    const seen = new Set<Tensor>();
    const built = groups.map((g, gi) => this.buildGroup(g, `params[${gi}]`, groups.length === 1 && params[0] instanceof Tensor ? '' : `params[${gi}].`, seen, 0));
    for (const [group, sched] of built) {
      this.paramGroups.push(group);
      this.schedules.push(sched);
    }
  }

  /** Adds a group { params, ...options } (torch's add_param_group); options default to the constructor's. */
  addParamGroup(group: ParamGroupInput<Record<string, unknown>>): void {
    const seen = new Set<Tensor>(this.paramGroups.flatMap((g) => g.params));
    const [built, sched] = this.buildGroup(group, 'group', 'group.', seen, this.stepCount);
    this.paramGroups.push(built);
    this.schedules.push(sched);
  }

  /** Checks and builds one group (nothing is stored); schedules start at their value at step t. */
  private buildGroup(
    g: ParamGroupInput<Record<string, unknown>>,
    at: string,
    where: string,
    seen: Set<Tensor>,
    t: number,
  ): [ParamGroup<O>, Record<string, Schedule<HyperValue>>] {
    const def = this.def;
    const known = [...Object.keys(def.defaults), ...(def.required ?? [])];
    if (g === null || typeof g !== 'object' || g instanceof Tensor || ArrayBuffer.isView(g) || Array.isArray(g)) throw typeError('a parameter (a leaf Tensor) or a parameter group { params, ...options }', at, g);
    if (!Array.isArray(g.params)) throw typeError('an array of parameters (leaf Tensors)', `${where}params`, g.params);
    for (const k of Object.keys(g)) {
      if (k !== 'params' && !known.includes(k)) throw new TypeError(`Unknown option '${k}' for ${def.name} in ${at}; expected one of: ${known.join(', ')}`);
    }
    g.params.forEach((p, pi) => {
      if (!(p instanceof Tensor)) throw typeError('a parameter (a leaf Tensor)', `${where}params[${pi}]`, p);
      // torch's rule: a parameter is a leaf (a Parameter, or a tensor made with requiresGrad); a result of ops is not
      if (!p.isLeaf) throw new TypeError(`Expected a leaf Tensor (a Parameter, or a tensor made with requiresGrad) for ${where}params[${pi}] but received the result of an op (${p.gradFn!.name}); optimize its leaf, or .detach().requiresGrad_() a copy`);
      if (seen.has(p)) throw new RangeError(`Expected each parameter once but ${where}params[${pi}] was already given to ${def.name}`);
      seen.add(p);
    });
    const group: Record<string, unknown> = { params: g.params.slice() };
    const sched: Record<string, Schedule<HyperValue>> = {};
    for (const k of known) {
      const v = k in g ? g[k] : k in this.base ? this.base[k] : (def.defaults as Record<string, unknown>)[k];
      const name = k in g ? `${where}${k}` : k;
      if (v === undefined) throw typeError(`a value (${def.name} has no default ${k})`, name, v);
      if (typeof v === 'function') {
        if (!schedulable(k)) throw typeError('a boolean', name, v);
        sched[k] = v as Schedule<HyperValue>;
        const v0 = sched[k](t);
        checkOption(def, k, v0, `${name} (its schedule at t = ${t})`);
        group[k] = copyValue(v0);
      } else {
        checkOption(def, k, v, name);
        group[k] = copyValue(v as HyperValue);
      }
    }
    def.crossCheck?.(group as O, (k) => (k in g ? `${where}${k}` : k));
    return [group as ParamGroup<O>, sched];
  }

  /** Sets every gradient to zero (torch 1.13's default), or to null with setToNone. */
  zeroGrad(setToNone = false): void {
    if (typeof setToNone !== 'boolean') throw typeError('a boolean', 'setToNone', setToNone);
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone) p.grad = null;
        else if (p.grad) p.grad.data.fill(0);
      }
    }
  }

  /**
   * One optimization step over every parameter whose grad is not null. Everything is validated
   * first (group options, gradients; with skipNonFinite, gradients are scanned for NaN/±Infinity);
   * a bad value throws before any parameter, state or option changes.
   */
  step(): StepResult {
    const plan = this.planStep();
    if (plan.skipped) return { skipped: true, reason: plan.reason };
    const K = kernels().optim;
    for (const c of plan.calls) {
      const cache = (this.plans[c.group] ??= new PlanCache());
      cache.step(K, this.def.algo, c.flags, c.h, c.params, c.grads, c.states);
    }
    return this.commitStep(plan);
  }

  /**
   * step() with the kernels off the event loop (native: one multi-tensor call per group on the libuv
   * thread pool; JS backend: the sync kernels, then a resolved Promise). Same bits as step().
   * Validation runs synchronously (a bad value throws, nothing is queued or changed). Until the
   * Promise settles, parameters, gradients and state buffers are referenced and must not be touched,
   * and step()/stepAsync() throw; the step count and state are committed when the last group is done.
   */
  stepAsync(): Promise<StepResult> {
    const plan = this.planStep();
    if (plan.skipped) return Promise.resolve({ skipped: true, reason: plan.reason });
    const K = kernels().async.optim;
    const run = (c: GroupCall) => K.step(this.def.algo, c.flags, c.h, c.params, c.grads, c.states);
    let done: Promise<void> = plan.calls.length ? run(plan.calls[0]) : Promise.resolve();
    for (const c of plan.calls.slice(1)) done = done.then(() => run(c));
    this.busy = true;
    return done.then(() => this.commitStep(plan)).finally(() => {
      this.busy = false;
    });
  }

  /** Validates everything and builds each group's kernel call; changes nothing but skippedSteps. */
  private planStep(): StepPlan {
    if (this.busy) throw new Error(`${this.def.name}: a stepAsync() is still running; await its Promise before stepping again`);
    const t = this.stepCount;
    const resolved = this.paramGroups.map((g, gi) => this.resolveGroup(g, gi, t));
    const work = this.paramGroups.map((g, gi) => this.collect(g, gi));
    this.disjoint.check(work);
    if (this.skipNonFinite) {
      const reason = findNonFinite(work);
      if (reason) {
        this.skippedSteps++;
        return { skipped: true, reason, calls: [], pending: [], fast: [], memos: [], resolved };
      }
    }
    // Pending state per parameter, committed only after every group's kernel call succeeded.
    const pending: PendingState[] = [];
    const calls: GroupCall[] = [];
    const fast: GroupMemo[] = [], memos: [number, GroupMemo | undefined][] = [];
    for (let gi = 0; gi < resolved.length; gi++) {
      const o = resolved[gi], items = work[gi], T = items.length;
      if (T === 0) continue;
      const ctx: StepContext = { t, next: (k) => this.nextValue(gi, k, t) };
      const memo = this.memos[gi];
      if (memo !== undefined && this.fastCall(memo, o, items, ctx)) {
        calls.push({ group: gi, flags: memo.flags, h: memo.h, params: memo.params, grads: memo.grads, states: memo.states });
        fast.push(memo);
        continue;
      }
      const first = pending.length;
      const flags = new Int32Array(T), h = new Float32Array(T * HN);
      const params: Float32Array[] = new Array(T), grads: Float32Array[] = new Array(T), states: (Float32Array | null)[] = new Array(3 * T);
      const slots = this.def.slots(o);
      let lastStep = -1, lastFlags = 0;
      for (let k = 0; k < T; k++) {
        const { p, g } = items[k];
        const prev = this.state.get(p);
        const step = (prev?.step ?? 0) + 1;
        // A new object only when a buffer is created (the first step, or an option that needs one).
        let buffers: Record<string, Float32Array> | null = null;
        for (let s = 0; s < 3; s++) {
          const name = slots[s] ?? null;
          let b: Float32Array | null = null;
          if (name !== null) {
            b = (buffers ?? prev?.buffers)?.[name] ?? null;
            if (!b) {
              buffers ??= { ...(prev?.buffers ?? {}) };
              b = buffers[name] = this.newBuffer(name, o, p);
            }
          }
          states[3 * k + s] = b;
        }
        // Step-only algorithms give the same scalars to every tensor at the same step: computed once.
        if (this.def.stepOnly && step === lastStep) {
          h.copyWithin(k * HN, (k - 1) * HN, k * HN);
          flags[k] = lastFlags;
          pending.push({ p, prev, step, buffers });
        } else {
          const prep = this.def.prepare(o, step, prev, h, k * HN, ctx);
          flags[k] = lastFlags = prep.flags;
          lastStep = step;
          pending.push({ p, prev, step, buffers, scalars: prep.scalars });
        }
        params[k] = p.data;
        grads[k] = g;
      }
      calls.push({ group: gi, flags, h, params, grads, states });
      // a memo for the next step if every tensor had its state, nothing new, and one step count
      let next: GroupMemo | undefined;
      if (this.def.stepOnly || this.def.sameOnceStateful) {
        const s0 = pending[first].step;
        let uniform = true;
        for (let k = first; k < pending.length && uniform; k++) {
          const q = pending[k];
          uniform = q.prev !== undefined && q.buffers === null && q.scalars === undefined && q.step === s0;
        }
        if (uniform) {
          next = { version: -1, step: s0, slots, ps: items.map((it) => it.p), prevs: pending.slice(first).map((q) => q.prev as ParamState), params, grads, states, flags: new Int32Array(T), h: new Float32Array(T * HN) };
        }
      }
      memos.push([gi, next]);
    }
    return { skipped: false, calls, pending, fast, memos, resolved };
  }

  /**
   * Fills a group's memo call for this step if the memo still describes the group (see GroupMemo);
   * false (nothing changed but the memo's flags/h scratch) if the per-tensor path must run.
   */
  private fastCall(memo: GroupMemo, o: O, items: readonly StepItem[], ctx: StepContext): boolean {
    const T = items.length;
    if (memo.version !== this.version || memo.ps.length !== T) return false;
    const slots = this.def.slots(o);
    for (let s = 0; s < 3; s++) if ((slots[s] ?? null) !== (memo.slots[s] ?? null)) return false;
    const ps = memo.ps, params = memo.params;
    let grads = memo.grads;
    for (let k = 0; k < T; k++) {
      const it = items[k];
      if (it.p !== ps[k] || it.p.data !== params[k]) return false;
      if (it.g !== grads[k]) {
        if (grads === memo.grads) grads = grads.slice();
        grads[k] = it.g;
      }
    }
    const h = memo.h;
    const prep = this.def.prepare(o, memo.step + 1, memo.prevs[0], h, 0, ctx);
    if (prep.scalars !== undefined) return false;
    for (let k = 1; k < T; k++) h.copyWithin(k * HN, 0, HN);
    memo.flags.fill(prep.flags);
    memo.grads = grads;
    return true;
  }

  /** Commits the per-parameter state, the resolved options and the step count of a step that ran. */
  private commitStep(plan: StepPlan): StepResult {
    for (const { p, prev, step, buffers, scalars } of plan.pending) {
      if (prev && !buffers && !scalars) prev.step = step;
      else {
        this.state.set(p, { step, buffers: buffers ?? prev?.buffers ?? {}, scalars: scalars ? { ...(prev?.scalars ?? {}), ...scalars } : prev?.scalars ?? {} });
        this.version++;
      }
    }
    for (const memo of plan.fast) {
      const step = ++memo.step;
      for (const prev of memo.prevs) prev.step = step;
    }
    for (const [gi, memo] of plan.memos) {
      if (memo) memo.version = this.version;
      this.memos[gi] = memo;
    }
    this.paramGroups.forEach((g, gi) => Object.assign(g, plan.resolved[gi]));
    this.stepCount++;
    return { skipped: false };
  }

  /** The state of a parameter (undefined before its first step); buffers are live views. */
  getState(p: Tensor): Readonly<ParamState> | undefined {
    return this.state.get(p);
  }

  /** A snapshot: JSON-able values plus Float32Array copies of every buffer; parameters are numbered in group order. */
  stateDict(): StateDict {
    const state: StateDict['state'] = {};
    const paramGroups: StateDict['paramGroups'] = [];
    let index = 0;
    for (const g of this.paramGroups) {
      const entry: Record<string, HyperValue | number[]> = {};
      for (const k of Object.keys(this.def.defaults).concat(this.def.required ?? [])) entry[k] = copyValue((g as Hyper)[k]);
      const ids: number[] = [];
      for (const p of g.params) {
        const s = this.state.get(p);
        if (s) {
          const e: Record<string, number | Float32Array> = { step: s.step, ...s.scalars };
          for (const [name, b] of Object.entries(s.buffers)) e[name] = b.slice();
          state[String(index)] = e;
        }
        ids.push(index++);
      }
      entry.params = ids;
      paramGroups.push(entry);
    }
    return { state, paramGroups, stepCount: this.stepCount };
  }

  /** Restores a stateDict() (buffers may be Float32Arrays or number arrays, as after JSON). Validates everything first. */
  loadStateDict(sd: StateDict): void {
    if (sd === null || typeof sd !== 'object') throw typeError('a state dict { state, paramGroups, stepCount }', 'stateDict', sd);
    if (!Array.isArray(sd.paramGroups) || sd.paramGroups.length !== this.paramGroups.length) {
      throw rangeError(`an array of ${this.paramGroups.length} parameter groups`, 'stateDict.paramGroups', sd.paramGroups);
    }
    if (typeof sd.stepCount !== 'number' || !Number.isInteger(sd.stepCount) || sd.stepCount < 0) {
      throw rangeError('an integer >= 0', 'stateDict.stepCount', sd.stepCount);
    }
    if (sd.state === null || typeof sd.state !== 'object') throw typeError('an object', 'stateDict.state', sd.state);
    const keys = Object.keys(this.def.defaults).concat(this.def.required ?? []);
    const all: Tensor[] = [];
    const groups = sd.paramGroups.map((e, gi) => {
      const g = this.paramGroups[gi];
      if (e === null || typeof e !== 'object' || !Array.isArray(e.params) || e.params.length !== g.params.length) {
        throw rangeError(`a group with ${g.params.length} params`, `stateDict.paramGroups[${gi}]`, e);
      }
      const o: Record<string, HyperValue> = {};
      for (const k of keys) {
        checkOption(this.def, k, e[k], `stateDict.paramGroups[${gi}].${k}`);
        o[k] = copyValue(e[k] as HyperValue);
      }
      this.def.crossCheck?.(o as O, (k) => `stateDict.paramGroups[${gi}].${k}`);
      all.push(...g.params);
      return o;
    });
    const states = new Map<Tensor, ParamState>();
    for (const [key, e] of Object.entries(sd.state)) {
      const i = Number(key);
      const at = `stateDict.state[${key}]`;
      if (!Number.isInteger(i) || i < 0 || i >= all.length) throw rangeError(`a parameter index in [0, ${all.length})`, `${at} key`, key);
      if (e === null || typeof e !== 'object') throw typeError('an object', at, e);
      const p = all[i];
      const st: ParamState = { step: 0, buffers: {}, scalars: {} };
      for (const [name, v] of Object.entries(e)) {
        if (name === 'step') {
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw rangeError('an integer >= 0', `${at}.step`, v);
          st.step = v;
        } else if (typeof v === 'number') {
          st.scalars[name] = v;
        } else if (v instanceof Float32Array || Array.isArray(v)) {
          if (v.length !== p.size) throw rangeError(`an array of length ${p.size}`, `${at}.${name}`, v);
          st.buffers[name] = Float32Array.from(v as ArrayLike<number>);
        } else {
          throw typeError('a number, a Float32Array or an array of numbers', `${at}.${name}`, v);
        }
      }
      states.set(p, st);
    }
    this.state.clear();
    this.version++;
    for (const c of this.plans) c?.clear();  // the old buffers: no plan keeps them alive
    for (const [p, s] of states) this.state.set(p, s);
    this.paramGroups.forEach((g, gi) => Object.assign(g, groups[gi]));
    this.stepCount = sd.stepCount;
  }

  private newBuffer(name: string, o: O, p: Tensor): Float32Array {
    const init = this.def.init?.(name, o) ?? 0;
    if (init === 'param') return p.data.slice();
    const b = new Float32Array(p.size);
    if (init !== 0) b.fill(fr(init));
    return b;
  }

  /** The group's options for step t: schedules evaluated, everything checked (nothing is written yet). */
  private resolveGroup(g: ParamGroup<O>, gi: number, t: number): O {
    const o: Record<string, HyperValue> = {};
    const sched = this.schedules[gi];
    for (const k of Object.keys(this.def.defaults).concat(this.def.required ?? [])) {
      const name = `paramGroups[${gi}].${k}`;
      const v = sched[k] ? sched[k](t) : (g as Hyper)[k];
      checkOption(this.def, k, v, sched[k] ? `${name} (its schedule at t = ${t})` : name);
      o[k] = copyValue(v);
    }
    this.def.crossCheck?.(o as O, (k) => `paramGroups[${gi}].${k}`);
    return o as O;
  }

  private nextValue(gi: number, k: string, t: number): HyperValue {
    const s = this.schedules[gi][k];
    return s ? s(t + 1) : (this.paramGroups[gi] as Hyper)[k];
  }

  /** The parameters of a group that have a gradient, with their gradients checked. */
  private collect(g: ParamGroup<O>, gi: number): StepItem[] {
    const ps = g.params, last = this.collected[gi];
    if (last !== undefined && last.grads.length === ps.length) {
      // the same gradient tensors over the same arrays as at the last step: the same (already checked) items
      let k = 0, same = true;
      for (let pi = 0; pi < ps.length && same; pi++) {
        const grad = ps[pi].grad ?? null;
        same = grad === last.grads[pi] && (grad === null || (last.items[k].p === ps[pi] && last.items[k++].g === grad.data));
      }
      if (same && k === last.items.length) return last.items;
    }
    const out: StepItem[] = [];
    const grads: (Tensor | null)[] = [];
    for (let pi = 0; pi < ps.length; pi++) {
      const p = ps[pi], grad = p.grad;
      grads.push(grad ?? null);
      if (grad === null || grad === undefined) continue;
      if (!(grad instanceof Tensor)) throw typeError('a Tensor or null', gradName({ p, g: p.data, gi, pi }), grad);
      if (grad.size !== p.size) throw new RangeError(`Expected a gradient of length ${p.size} for ${gradName({ p, g: p.data, gi, pi })} but received length ${grad.size}`);
      out.push({ p, g: grad.data, gi, pi });
    }
    this.collected[gi] = { grads, items: out };
    return out;
  }
}

function copyValue<V extends HyperValue>(v: V): V {
  return (Array.isArray(v) ? [v[0], v[1]] : v) as V;
}


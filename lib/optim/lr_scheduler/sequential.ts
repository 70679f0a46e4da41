// SequentialLR: schedulers one after another, switching at milestones (torch's SequentialLR).
import { checkInteger, rangeError, typeError } from '../../validate.js';
import type { Optimizer } from '../optimizer.js';
import { groupArray, groupsOf, initialLr, integers, LRScheduler, parseChild, stateObject, type SequentialLRStateDict } from './base.js';

/** Runs schedulers one after another, switching at the milestones (torch's SequentialLR). */
export class SequentialLR {
  readonly optimizer: Optimizer;
  lastEpoch: number;
  private readonly schedulers: LRScheduler[];
  private milestones: number[];
  private lastLr: number[];

  constructor(optimizer: Optimizer, opts: { schedulers: readonly LRScheduler[]; milestones: readonly number[] }) {
    const groups = groupsOf(optimizer);
    const s = opts?.schedulers;
    if (!Array.isArray(s) || s.length === 0) throw typeError('a non-empty array of LR schedulers', 'schedulers', s);
    s.forEach((x, i) => {
      if (!(x instanceof LRScheduler)) throw typeError('an LRScheduler', `schedulers[${i}]`, x);
      if (x.optimizer !== optimizer) throw new RangeError(`Expected schedulers[${i}] to belong to the same optimizer as SequentialLR`);
    });
    if (!Array.isArray(opts.milestones) || opts.milestones.length !== s.length - 1) {
      throw rangeError(`an array of ${s.length - 1} integers`, 'milestones', opts.milestones);
    }
    opts.milestones.forEach((m, i) => checkInteger(m, `milestones[${i}]`, 0));
    this.optimizer = optimizer;
    this.schedulers = s.slice();
    this.milestones = opts.milestones.slice();
    this.lastEpoch = 0;
    for (const g of groups) g.lr = initialLr.get(g) as number;
    for (const x of this.schedulers) x.lastEpoch -= 1;
    this.schedulers[0].initialStep();
    this.lastLr = this.schedulers[0].getLastLr();
  }

  step(): void {
    this.lastEpoch++;
    let idx = 0;
    while (idx < this.milestones.length && this.milestones[idx] <= this.lastEpoch) idx++;
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }

  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** Its own counters plus each child scheduler's stateDict(), as plain JSON (torch's layout). */
  stateDict(): SequentialLRStateDict {
    return {
      type: 'SequentialLR',
      lastEpoch: this.lastEpoch,
      milestones: this.milestones.slice(),
      lastLr: this.lastLr.slice(),
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  /**
   * Restores a SequentialLR stateDict() into this one and its children (the same classes, in the
   * same order). Every field, the children's included, is validated before anything changes.
   * Does not write the groups' lr (restore the optimizer first).
   */
  loadStateDict(sd: SequentialLRStateDict): void {
    const at = 'stateDict';
    const o = stateObject(sd, at, 'SequentialLR');
    const k = this.schedulers.length;
    checkInteger(o.lastEpoch, `${at}.lastEpoch`, 0);
    const lastEpoch = o.lastEpoch;
    const milestones = integers(o.milestones, `${at}.milestones`, 0);
    if (milestones.length !== k - 1) throw rangeError(`an array of ${k - 1} integers`, `${at}.milestones`, o.milestones);
    const lastLr = groupArray(o.lastLr, this.optimizer.paramGroups.length, `${at}.lastLr`);
    if (!Array.isArray(o.schedulers)) throw typeError(`an array of ${k} scheduler state dicts`, `${at}.schedulers`, o.schedulers);
    if (o.schedulers.length !== k) throw rangeError(`an array of ${k} scheduler state dicts`, `${at}.schedulers`, o.schedulers);
    const children = this.schedulers.map((s, i) => parseChild(s, (o.schedulers as unknown[])[i], `${at}.schedulers[${i}]`));
    this.lastEpoch = lastEpoch;
    this.milestones = milestones;
    this.lastLr = lastLr;
    for (const restore of children) restore();
  }
}


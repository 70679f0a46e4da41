// Learning-rate schedulers with torch.optim.lr_scheduler 1.13 semantics: construction performs the
// initial step (lastEpoch 0), step() advances one epoch and writes paramGroups[i].lr; the chainable
// (recursive) forms are used on step() and the closed forms on step(epoch), as torch does, so the
// values match torch's to the last bit of double arithmetic. ReduceLROnPlateau is driven by a
// metric: step(metric).
//
// Saving and resuming (torch's state_dict / load_state_dict): stateDict() returns a plain JSON value
// with the class name (`type`), the counters, baseLrs, the last lrs and the settings; loadStateDict()
// validates all of it first (TypeError / RangeError naming the field, nothing changed on a throw) and
// then restores it, settings included, as torch does. The order is torch's: construct the optimizer
// and the schedulers as at the start, then optimizer.loadStateDict(), then scheduler.loadStateDict().
// loadStateDict() deliberately does NOT write paramGroups[i].lr (nor OneCycleLR's momentum / betas):
// the optimizer's own state dict restores those, and the chainable forms continue from the group's
// lr, so several schedulers stepping the same optimizer (or an lr the user set on purpose) resume
// exactly; it only restores torch's group['initial_lr'] (kept beside the groups here, see below).
// There is no `lastEpoch` constructor option (torch's last_epoch != -1): torch requires
// group['initial_lr'] for it, which its optimizer's state dict carries, but here the initial lr is
// not part of a parameter group (the optimizer rejects unknown group options and its stateDict() does
// not hold it), so after a restart that rule could never be met; loadStateDict() is the way to resume.
//
// Files: lr_scheduler/base.ts (LRScheduler, state-dict checks, settings declared once), simple.ts
// (StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, LambdaLR), one_cycle.ts,
// sequential.ts, plateau.ts.
export { LRScheduler, type LRSchedulerStateDict, type SequentialLRStateDict, type PlateauStateDict, type StateValue } from './lr_scheduler/base.js';
export { StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, LambdaLR } from './lr_scheduler/simple.js';
export { OneCycleLR, type OneCycleOptions } from './lr_scheduler/one_cycle.js';
export { SequentialLR } from './lr_scheduler/sequential.js';
export { ReduceLROnPlateau, type PlateauOptions } from './lr_scheduler/plateau.js';

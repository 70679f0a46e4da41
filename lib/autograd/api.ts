// fg.autograd: torch.autograd's user-facing pieces (custom Functions; grad mode lives at the top level too).
export { Function, FunctionCtx } from './function.js';
export { grad } from './grad.js';
export type { GradOptions } from './grad.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './grad_mode.js';

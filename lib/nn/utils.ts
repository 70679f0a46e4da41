// fg.nn.utils: torch.nn.utils' names for what fastgrad keeps in fg.optim (gradient clipping).
export { clipGradNorm as clipGradNorm_, clipGradValue as clipGradValue_ } from '../optim/clip.js';

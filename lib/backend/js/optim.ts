// TypeScript twin of native/kernels/optim.h: the same binary32 operations in the same order
// (spec in native/kernels/optim_api.h). Every intermediate goes through Math.fround (or a store into
// a Float32Array); one + − × ÷ or sqrt of binary32 values rounded from double is exact.
import { H, OF, OPTIM_H, type OptimAlgo, type OptimKernels, type OptimPlan } from '../spec/optim.js';

const fr = Math.fround;

type Step = (p: Float32Array, g: Float32Array, s: readonly (Float32Array | null)[], h: Float32Array, o: number, flags: number) => void;

/** g = MAXIMIZE ? -g : g; if WD: g = g + (wd * p) */
function grad(g: number, p: number, flags: number, wd: number): number {
  if (flags & OF.MAXIMIZE) g = -g;
  if (flags & OF.WD) g = fr(g + fr(wd * p));
  return g;
}

/**
 * The Adam family's moments (Adam/AdamW, NAdam, RAdam), stored at i:
 * m = (m * b1) + ((1 - b1) * g);  v = (v * b2) + (((1 - b2) * g) * g). Callers read them back from M[i], V[i].
 */
function moments(M: Float32Array, V: Float32Array, i: number, g: number, b1: number, omb1: number, b2: number, omb2: number): void {
  M[i] = fr(fr(M[i] * b1) + fr(omb1 * g));
  V[i] = fr(fr(V[i] * b2) + fr(fr(omb2 * g) * g));
}

const sgd: Step = (P, G, S, h, o, flags) => {
  const K = H.sgd, lr = h[o + K.LR], mom = h[o + K.MOM], d1 = h[o + K.DAMP1], wd = h[o + K.WD];
  const B = S[0] as Float32Array;
  const useMom = flags & OF.MOMENTUM, first = flags & OF.FIRST, nest = flags & OF.NESTEROV;
  for (let i = 0, n = P.length; i < n; i++) {
    const p = P[i];
    const g = grad(G[i], p, flags, wd);
    let d = g;
    if (useMom) {
      const b = first ? g : fr(fr(B[i] * mom) + fr(d1 * g));
      B[i] = b;
      d = nest ? fr(g + fr(mom * b)) : b;
    }
    P[i] = p - fr(lr * d);
  }
};

const adam: Step = (P, G, S, h, o, flags) => {
  const K = H.adam;
  const b1 = h[o + K.B1], omb1 = h[o + K.OMB1], b2 = h[o + K.B2], omb2 = h[o + K.OMB2], wd = h[o + K.WD];
  const decay = h[o + K.DECAY], ss = h[o + K.SS], bc2s = h[o + K.BC2S], eps = h[o + K.EPS];
  const M = S[0] as Float32Array, V = S[1] as Float32Array, VM = S[2];
  const dec = flags & OF.DECOUPLED, ams = flags & OF.AMSGRAD;
  for (let i = 0, n = P.length; i < n; i++) {
    let p = P[i];
    const g = grad(G[i], p, flags, wd);
    if (dec) p = fr(p * decay);
    moments(M, V, i, g, b1, omb1, b2, omb2);
    const m = M[i], v = V[i];
    let u = v;
    if (ams) {
      const x = (VM as Float32Array)[i];
      u = x > v ? x : v;
      (VM as Float32Array)[i] = u;
    }
    const den = fr(fr(fr(Math.sqrt(u)) / bc2s) + eps);
    P[i] = p - fr(ss * fr(m / den));
  }
};

const adagrad: Step = (P, G, S, h, o, flags) => {
  const K = H.adagrad, wd = h[o + K.WD], clr = h[o + K.CLR], eps = h[o + K.EPS];
  const SUM = S[0] as Float32Array;
  for (let i = 0, n = P.length; i < n; i++) {
    const p = P[i];
    const g = grad(G[i], p, flags, wd);
    const s = fr(SUM[i] + fr(g * g));
    SUM[i] = s;
    const std = fr(fr(Math.sqrt(s)) + eps);
    P[i] = p - fr(clr * fr(g / std));
  }
};

const rmsprop: Step = (P, G, S, h, o, flags) => {
  const K = H.rmsprop, alpha = h[o + K.ALPHA], oma = h[o + K.OMA], eps = h[o + K.EPS], mom = h[o + K.MOM], lr = h[o + K.LR], wd = h[o + K.WD];
  const SQ = S[0] as Float32Array, GA = S[1], B = S[2];
  const centered = flags & OF.CENTERED, useMom = flags & OF.MOMENTUM;
  for (let i = 0, n = P.length; i < n; i++) {
    const p = P[i];
    const g = grad(G[i], p, flags, wd);
    const sq = fr(fr(SQ[i] * alpha) + fr(fr(oma * g) * g));
    SQ[i] = sq;
    let avg: number;
    if (centered) {
      const ga = fr(fr((GA as Float32Array)[i] * alpha) + fr(oma * g));
      (GA as Float32Array)[i] = ga;
      avg = fr(Math.sqrt(fr(sq - fr(ga * ga))));
    } else {
      avg = fr(Math.sqrt(sq));
    }
    avg = fr(avg + eps);
    if (useMom) {
      const b = fr(fr((B as Float32Array)[i] * mom) + fr(g / avg));
      (B as Float32Array)[i] = b;
      P[i] = p - fr(lr * b);
    } else {
      P[i] = p - fr(lr * fr(g / avg));
    }
  }
};

const rprop: Step = (P, G, S, h, o, flags) => {
  const K = H.rprop, etam = h[o + K.ETAM], etap = h[o + K.ETAP], smin = h[o + K.MIN], smax = h[o + K.MAX];
  const PREV = S[0] as Float32Array, STEP = S[1] as Float32Array;
  const max = flags & OF.MAXIMIZE;
  for (let i = 0, n = P.length; i < n; i++) {
    let g = max ? -G[i] : G[i];
    const q = fr(g * PREV[i]);
    const f = q > 0 ? etap : q < 0 ? etam : 1;
    let t = fr(STEP[i] * f);
    t = smin > t ? smin : t;
    const step = smax < t ? smax : t;
    STEP[i] = step;
    if (q < 0) g = 0;
    const sign = g > 0 ? 1 : g < 0 ? -1 : 0;
    P[i] = P[i] - fr(sign * step);
    PREV[i] = g;
  }
};

const adadelta: Step = (P, G, S, h, o, flags) => {
  const K = H.adadelta, rho = h[o + K.RHO], omr = h[o + K.OMR], eps = h[o + K.EPS], lr = h[o + K.LR], wd = h[o + K.WD];
  const SQ = S[0] as Float32Array, ACC = S[1] as Float32Array;
  for (let i = 0, n = P.length; i < n; i++) {
    const p = P[i];
    const g = grad(G[i], p, flags, wd);
    const sq = fr(fr(SQ[i] * rho) + fr(fr(omr * g) * g));
    SQ[i] = sq;
    const std = fr(Math.sqrt(fr(sq + eps)));
    const acc = ACC[i];
    const d = fr(fr(fr(Math.sqrt(fr(acc + eps))) / std) * g);
    ACC[i] = fr(acc * rho) + fr(fr(omr * d) * d);
    P[i] = p - fr(lr * d);
  }
};

const adamax: Step = (P, G, S, h, o, flags) => {
  const K = H.adamax, b1 = h[o + K.B1], omb1 = h[o + K.OMB1], b2 = h[o + K.B2], eps = h[o + K.EPS], clr = h[o + K.CLR], wd = h[o + K.WD];
  const M = S[0] as Float32Array, U = S[1] as Float32Array;
  for (let i = 0, n = P.length; i < n; i++) {
    const p = P[i];
    const g = grad(G[i], p, flags, wd);
    const m = fr(fr(M[i] * b1) + fr(omb1 * g));
    const a = fr(U[i] * b2), c = fr(Math.abs(g) + eps);
    const u = a > c ? a : c;
    M[i] = m;
    U[i] = u;
    P[i] = p - fr(clr * fr(m / u));
  }
};

const nadam: Step = (P, G, S, h, o, flags) => {
  const K = H.nadam;
  const b1 = h[o + K.B1], omb1 = h[o + K.OMB1], b2 = h[o + K.B2], omb2 = h[o + K.OMB2], bc2 = h[o + K.BC2];
  const eps = h[o + K.EPS], c1 = h[o + K.C1], c2 = h[o + K.C2], wd = h[o + K.WD];
  const M = S[0] as Float32Array, V = S[1] as Float32Array;
  for (let i = 0, n = P.length; i < n; i++) {
    const p = P[i];
    const g = grad(G[i], p, flags, wd);
    moments(M, V, i, g, b1, omb1, b2, omb2);
    const m = M[i], v = V[i];
    const den = fr(fr(Math.sqrt(fr(v / bc2))) + eps);
    const p1 = fr(p - fr(c1 * fr(g / den)));
    P[i] = p1 - fr(c2 * fr(m / den));
  }
};

const radam: Step = (P, G, S, h, o, flags) => {
  const K = H.radam;
  const b1 = h[o + K.B1], omb1 = h[o + K.OMB1], b2 = h[o + K.B2], omb2 = h[o + K.OMB2], bc1 = h[o + K.BC1];
  const lr = h[o + K.LR], bc2s = h[o + K.BC2S], eps = h[o + K.EPS], rect = h[o + K.RECT], wd = h[o + K.WD];
  const M = S[0] as Float32Array, V = S[1] as Float32Array;
  const rectify = flags & OF.RECTIFY;
  for (let i = 0, n = P.length; i < n; i++) {
    const p = P[i];
    const g = grad(G[i], p, flags, wd);
    moments(M, V, i, g, b1, omb1, b2, omb2);
    const m = M[i], v = V[i];
    const mlr = fr(fr(m / bc1) * lr);
    const u = rectify ? fr(fr(mlr * fr(bc2s / fr(fr(Math.sqrt(v)) + eps))) * rect) : mlr;
    P[i] = p - u;
  }
};

const momentum: Step = (P, G, S, h, o, flags) => {
  const K = H.momentum, mu = h[o + K.MU], lr = h[o + K.LR], muNext = h[o + K.MUNEXT], wd = h[o + K.WD];
  const VEL = S[0] as Float32Array, TH = S[1];
  const look = flags & OF.LOOKAHEAD;
  for (let i = 0, n = P.length; i < n; i++) {
    const p = P[i];
    const g = grad(G[i], p, flags, wd);
    const v = fr(fr(mu * VEL[i]) - fr(lr * g));
    VEL[i] = v;
    if (look) {
      const th = fr((TH as Float32Array)[i] + v);
      (TH as Float32Array)[i] = th;
      P[i] = th + fr(muNext * v);
    } else {
      P[i] = p + v;
    }
  }
};

const STEPS: Readonly<Record<OptimAlgo, Step>> = { sgd, adam, adagrad, rmsprop, rprop, adadelta, adamax, nadam, radam, momentum };

/** The TypeScript backend's plan: the arrays themselves. */
class JsOptimPlan {
  constructor(
    readonly params: readonly Float32Array[],
    readonly grads: readonly Float32Array[],
    readonly states: readonly (Float32Array | null)[],
  ) {}
}

export const jsOptim: OptimKernels = {
  step(algo, flags, h, params, grads, states) {
    const run = STEPS[algo];
    for (let t = 0; t < params.length; t++) {
      run(params[t], grads[t], states.slice(3 * t, 3 * t + 3), h, t * OPTIM_H, flags[t]);
    }
  },
  plan(params, grads, states) {
    return new JsOptimPlan(params.slice(), grads.slice(), states.slice()) as unknown as OptimPlan;
  },
  stepPlan(plan, algo, flags, h, grads) {
    if (!(plan instanceof JsOptimPlan)) throw new TypeError(`Expected a plan made by the TypeScript backend's optim.plan for plan but received ${typeof plan}`);
    const T = plan.params.length;
    if (grads.length === 0 && T > 0 && plan.grads.length !== T) throw new RangeError(`Expected an Array of length ${T} for grads (the plan holds none) but received length 0`);
    jsOptim.step(algo, flags, h, plan.params, grads.length === 0 ? plan.grads : grads, plan.states);
  },
};

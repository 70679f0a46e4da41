// Optimizer family: one fused kernel per algorithm, a single pass over memory. Every kernel reads
// p (parameter), g (gradient) and up to three state buffers s0..s2 at index i and writes p and the
// states back, lane by lane, in binary32, no fma. Scalars h[] are computed once in TypeScript from
// the hyper-parameters and the step count (lib/optim/*.ts), rounded to binary32, and passed in.
//
// Common prologue of every kernel except Rprop's (written G below; Momentum has it too):
//   g = MAXIMIZE ? -g : g;   if WD: g = g + (wd * p)
//
// SGD      h = [lr, momentum, 1 - dampening, wd]              s0 = momentum buffer (MOMENTUM)
//   G; if MOMENTUM: b = FIRST ? g : (b * momentum) + ((1 - dampening) * g); store b;
//                   d = NESTEROV ? g + (momentum * b) : b     else d = g
//   p = p - (lr * d)
// ADAM     h = [b1, 1 - b1, b2, 1 - b2, wd, decay, stepSize = lr / bc1, sqrt(bc2), eps]
//          s0 = m, s1 = v, s2 = max v (AMSGRAD); bc_k = 1 - b_k^t; DECOUPLED is AdamW (decay = 1 - lr*wd)
//   G; if DECOUPLED: p = p * decay
//   m = (m * b1) + ((1 - b1) * g);  v = (v * b2) + (((1 - b2) * g) * g)
//   if AMSGRAD: vmax = (vmax > v ? vmax : v); u = vmax  else u = v      (max of the raw moments)
//   den = (sqrt(u) / sqrt(bc2)) + eps;  p = p - (stepSize * (m / den))
// ADAGRAD  h = [wd, clr = lr / (1 + (t - 1) * lrDecay), eps]       s0 = sum
//   G; sum = sum + (g * g); std = sqrt(sum) + eps; p = p - (clr * (g / std))
// RMSPROP  h = [alpha, 1 - alpha, eps, momentum, lr, wd]  s0 = square avg, s1 = grad avg (CENTERED),
//          s2 = momentum buffer (MOMENTUM)
//   G; sq = (sq * alpha) + (((1 - alpha) * g) * g)
//   if CENTERED: ga = (ga * alpha) + ((1 - alpha) * g); avg = sqrt(sq - (ga * ga))  else avg = sqrt(sq)
//   avg = avg + eps
//   if MOMENTUM: b = (b * momentum) + (g / avg); p = p - (lr * b)   else p = p - (lr * (g / avg))
// RPROP    h = [etaMinus, etaPlus, stepMin, stepMax]     s0 = previous gradient, s1 = step size
//   g = MAXIMIZE ? -g : g; q = g * prev
//   f = q > 0 ? etaPlus : (q < 0 ? etaMinus : 1)        (NaN q: f = 1)
//   t = step * f; t = (t < stepMin ? stepMin : t); step = (t > stepMax ? stepMax : t)
//   g = q < 0 ? 0 : g;  sign = g > 0 ? 1 : (g < 0 ? -1 : 0);  p = p - (sign * step); prev = g
// ADADELTA h = [rho, 1 - rho, eps, lr, wd]               s0 = square avg, s1 = accumulated delta
//   G; sq = (sq * rho) + (((1 - rho) * g) * g); std = sqrt(sq + eps)
//   d = (sqrt(acc + eps) / std) * g; acc = (acc * rho) + (((1 - rho) * d) * d); p = p - (lr * d)
// ADAMAX   h = [b1, 1 - b1, b2, eps, clr = lr / bc1, wd]   s0 = m, s1 = u (exp_inf)
//   G; m = (m * b1) + ((1 - b1) * g); a = u * b2; c = |g| + eps; u = (a > c ? a : c)
//   p = p - (clr * (m / u))
// NADAM    h = [b1, 1 - b1, b2, 1 - b2, bc2, eps, c1, c2, wd]   s0 = m, s1 = v
//          c1, c2: the step sizes of the gradient and momentum terms (lib/optim/nadam.ts computes them)
//   G; m, v as ADAM; den = sqrt(v / bc2) + eps; p = p - (c1 * (g / den)); p = p - (c2 * (m / den))
// RADAM    h = [b1, 1 - b1, b2, 1 - b2, bc1, lr, sqrt(bc2), eps, rect, wd]   s0 = m, s1 = v
//   G; m, v as ADAM; mh = m / bc1
//   if RECTIFY (rho_t > 5): a = sqrt(bc2) / (sqrt(v) + eps); u = ((mh * lr) * a) * rect  else u = mh * lr
//   p = p - u
// MOMENTUM (the papers' classical momentum and Nesterov's accelerated gradient)
//          h = [mu, lr, muNext, wd]     s0 = v (velocity), s1 = theta (LOOKAHEAD)
//   G; v = (mu * v) - (lr * g)
//   if LOOKAHEAD: theta = theta + v; p = theta + (muNext * v)   (p holds the look-ahead point)
//   else p = p + v
// Ranges are [begin, end) of elements.
#pragma once
#include <cstddef>

namespace fg {

enum OptimAlgo : int {
  OPT_SGD = 0, OPT_ADAM = 1, OPT_ADAGRAD = 2, OPT_RMSPROP = 3, OPT_RPROP = 4, OPT_ADADELTA = 5,
  OPT_ADAMAX = 6, OPT_NADAM = 7, OPT_RADAM = 8, OPT_MOMENTUM = 9, OPT_COUNT = 10
};

// Flags (one bit each, meaning as in the spec above).
enum OptimFlag : unsigned {
  OF_MAXIMIZE = 1u, OF_WD = 2u, OF_MOMENTUM = 4u, OF_NESTEROV = 8u, OF_FIRST = 16u, OF_AMSGRAD = 32u,
  OF_DECOUPLED = 64u, OF_CENTERED = 128u, OF_RECTIFY = 256u, OF_LOOKAHEAD = 512u, OF_ALL = 1023u
};

constexpr int OPT_H = 10;  // scalars per tensor

// Scalar slots.
enum : int { SGD_LR = 0, SGD_MOM = 1, SGD_DAMP1 = 2, SGD_WD = 3 };
enum : int { ADAM_B1 = 0, ADAM_OMB1 = 1, ADAM_B2 = 2, ADAM_OMB2 = 3, ADAM_WD = 4, ADAM_DECAY = 5, ADAM_SS = 6, ADAM_BC2S = 7, ADAM_EPS = 8 };
enum : int { ADAGRAD_WD = 0, ADAGRAD_CLR = 1, ADAGRAD_EPS = 2 };
enum : int { RMS_ALPHA = 0, RMS_OMA = 1, RMS_EPS = 2, RMS_MOM = 3, RMS_LR = 4, RMS_WD = 5 };
enum : int { RPROP_ETAM = 0, RPROP_ETAP = 1, RPROP_MIN = 2, RPROP_MAX = 3 };
enum : int { ADADELTA_RHO = 0, ADADELTA_OMR = 1, ADADELTA_EPS = 2, ADADELTA_LR = 3, ADADELTA_WD = 4 };
enum : int { ADAMAX_B1 = 0, ADAMAX_OMB1 = 1, ADAMAX_B2 = 2, ADAMAX_EPS = 3, ADAMAX_CLR = 4, ADAMAX_WD = 5 };
enum : int { NADAM_B1 = 0, NADAM_OMB1 = 1, NADAM_B2 = 2, NADAM_OMB2 = 3, NADAM_BC2 = 4, NADAM_EPS = 5, NADAM_C1 = 6, NADAM_C2 = 7, NADAM_WD = 8 };
enum : int { RADAM_B1 = 0, RADAM_OMB1 = 1, RADAM_B2 = 2, RADAM_OMB2 = 3, RADAM_BC1 = 4, RADAM_LR = 5, RADAM_BC2S = 6, RADAM_EPS = 7, RADAM_RECT = 8, RADAM_WD = 9 };
enum : int { MOM_MU = 0, MOM_LR = 1, MOM_MUNEXT = 2, MOM_WD = 3 };

// One tensor's step: pointers are at element 0; the kernel touches [begin, end).
struct optim_args {
  float* p;
  const float* g;
  float* s[3];
  const float* h;
  unsigned flags;
};

using optim_fn = void (*)(const optim_args& a, size_t begin, size_t end);

struct optim_table {
  optim_fn step[OPT_COUNT];
};

// Which state buffers (bit k = s[k]) an algorithm reads or writes under these flags.
inline unsigned optim_state_mask(int algo, unsigned flags) {
  switch (algo) {
    case OPT_SGD: return (flags & OF_MOMENTUM) ? 1u : 0u;
    case OPT_ADAM: return (flags & OF_AMSGRAD) ? 7u : 3u;
    case OPT_ADAGRAD: return 1u;
    case OPT_RMSPROP: return 1u | ((flags & OF_CENTERED) ? 2u : 0u) | ((flags & OF_MOMENTUM) ? 4u : 0u);
    case OPT_MOMENTUM: return (flags & OF_LOOKAHEAD) ? 3u : 1u;
    default: return 3u;  // Rprop, Adadelta, Adamax, NAdam, RAdam
  }
}

}  // namespace fg

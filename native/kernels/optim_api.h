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
#include "contract.h"  // OptimAlgo, OptimFlag, OPT_H, the scalar slots, optim_state_mask

namespace fg {

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

}  // namespace fg

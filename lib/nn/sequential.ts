// Sequential: modules applied in order. forward runs the chain (Linear + activation fused into one GEMM); backward(dLoss) runs each module's
// backward in reverse order, so every parameter gradient of the chain is accumulated and dLoss/dx of
// the chain's input is returned. Children are registered as '0', '1', ... (torch's names).
import type { Tensor } from '../tensor.js';
import { Pointwise } from './activation.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

export class Sequential extends Module {
  readonly modules: readonly Module[];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.registerModule(String(i), m));
    this.modules = Object.freeze(modules.slice());
  }

  get length(): number {
    return this.modules.length;
  }

  /**
   * The chain. A Linear followed by a ReLU, Sigmoid or Tanh runs as one GEMM with the activation in its
   * epilogue (same bits as the two forwards; each layer caches what its backward needs as usual).
   */
  forward(x: Tensor): Tensor {
    let h = x;
    const ms = this.modules;
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i], next = ms[i + 1];
      if (m instanceof Linear && next instanceof Pointwise) {
        h = next.adoptOutput(m.forwardWith(h, next.op));
        i++;
      } else {
        h = m.forward(h);
      }
    }
    return h;
  }

  backward(dy: Tensor): Tensor {
    let g = dy;
    for (let i = this.modules.length - 1; i >= 0; i--) g = this.modules[i].backward(g);
    return g;
  }

  /** backward(dy) without the gradient of the chain's input (the first module's backwardParameters). */
  override backwardParameters(dy: Tensor): void {
    let g = dy;
    for (let i = this.modules.length - 1; i >= 1; i--) g = this.modules[i].backward(g);
    this.modules[0]?.backwardParameters(g);
  }
}

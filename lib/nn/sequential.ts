// Sequential: modules applied in order. forward runs the chain (Linear + activation fused into one GEMM,
// one tape node); loss.backward() gives every gradient, also when one module appears twice. The
// layer-wise backward(dLoss) runs each module's backward in reverse order (a module may appear once), so every parameter gradient of the chain is accumulated and dLoss/dx of
// the chain's input is returned. Children are registered as '0', '1', ... (torch's names).
import type { Tensor } from '../tensor.js';
import { Pointwise } from './activation.js';
import { Linear } from './linear.js';
import { layerwiseBackward, Module, ON_TAPE, onTape, tapeLayerwise } from './module.js';

export class Sequential extends Module {
  /** The chain's modules in order (seq[i] in torch is seq.at(i); modules() is every descendant, as torch's). */
  readonly layers: readonly Module[];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.registerModule(String(i), m));
    this.layers = Object.freeze(modules.slice());
  }

  /** The module at index i (negative counts from the end), torch's seq[i]. */
  at(i: number): Module | undefined {
    return this.layers.at(i);
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.layers[Symbol.iterator]();
  }

  /** A layer-wise backward caches one forward per module: a module used twice would get wrong gradients. */
  #checkLayerwise(): void {
    const seen = new Set<Module>();
    this.layers.forEach((m, i) => {
      if (seen.has(m)) throw new Error(`Sequential.backward(dy): module ${i} (${m.constructor.name}) appears more than once; the layer-wise backward cannot reuse a module — call loss.backward() (the tape) instead`);
      seen.add(m);
    });
  }

  get length(): number {
    return this.layers.length;
  }

  /**
   * The chain. A Linear followed by a ReLU, Sigmoid or Tanh runs as one GEMM with the activation in its
   * epilogue (same bits as the two forwards; each layer caches what its backward needs as usual).
   */
  forward(x: Tensor): Tensor {
    let h = x;
    const ms = this.layers;
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i], next = ms[i + 1];
      if (m instanceof Linear && next instanceof Pointwise) {
        h = next.adoptOutput(m.forwardWith(h, next.op));
        i++;
      } else {
        const x0 = h;
        h = m.forward(h);
        if (!onTape(m)) h = tapeLayerwise(m, x0, h);
      }
    }
    return h;
  }

  backward(dy: Tensor): Tensor {
    this.#checkLayerwise();
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) g = layerwiseBackward(this.layers[i], g);
    return g;
  }

  /** backward(dy) without the gradient of the chain's input (the first module's backwardParameters). */
  override backwardParameters(dy: Tensor): void {
    this.#checkLayerwise();
    let g = dy;
    for (let i = this.layers.length - 1; i >= 1; i--) g = layerwiseBackward(this.layers[i], g);
    this.layers[0]?.backwardParameters(g);
  }
}

ON_TAPE.add(Sequential);

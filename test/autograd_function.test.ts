// fg.autograd.Function (lib/autograd/function.ts): user-defined ops with their own backward, as
// torch.autograd.Function: saved tensors, non-tensor arguments, several outputs, int32 outputs, the
// errors torch gives, and the tape's rules (version checks, freeing, no recording without grad).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { assertRejects } from './support/harness.js';

const { Function: Fn } = fg.autograd;
type Ctx = fg.autograd.FunctionCtx;

class Clip extends Fn {
  static override forward(ctx: Ctx, x: fg.Tensor, lo: number): fg.Tensor {
    ctx.saveForBackward(x);
    ctx.lo = lo;
    assert.equal(fg.isGradEnabled(), false);
    return x.clamp(lo);
  }

  static override backward(ctx: Ctx, g: fg.Tensor): (fg.Tensor | null)[] {
    const [x] = ctx.savedTensors;
    assert.equal(fg.isGradEnabled(), false);
    return [g.mul(x.gt(ctx.lo as number).float()), null];
  }
}

test('a Function with saved tensors and a number argument: values, gradients, the node, needsInputGrad', () => {
  const x = fg.tensor([-1, 0.5, 2], { requiresGrad: true });
  const y = Clip.apply(x, 0) as fg.Tensor;
  assert.deepEqual(y.tolist(), [0, 0.5, 2]);
  assert.equal(y.gradFn!.name, 'Clip');
  y.mul(fg.tensor([1, 2, 3])).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [0, 2, 3]);
  let seen: readonly boolean[] = [];
  class Probe extends Fn {
    static override forward(ctx: Ctx, a: fg.Tensor, b: fg.Tensor): fg.Tensor {
      seen = ctx.needsInputGrad;
      return a.add(b);
    }
    static override backward(_ctx: Ctx, g: fg.Tensor): (fg.Tensor | null)[] {
      return [g, g];
    }
  }
  Probe.apply(fg.ones([2], { requiresGrad: true }), fg.ones([2]));
  assert.deepEqual(seen, [true, false]);
  // nothing requires grad (or grad mode off): a plain result, no node
  assert.equal((Clip.apply(fg.tensor([1, 2]), 0) as fg.Tensor).gradFn, null);
  assert.equal((fg.noGrad(() => Clip.apply(x, 0)) as fg.Tensor).gradFn, null);
});

test('several outputs: one node, each output a view that may carry a gradient (zeros for the others); int32 outputs carry none', () => {
  let calls = 0;
  class Split extends Fn {
    static override forward(_ctx: Ctx, x: fg.Tensor): fg.Tensor<fg.DType>[] {
      return [x.mul(2), x.mul(3).sum(), x.argmax()];
    }
    static override backward(_ctx: Ctx, ga: fg.Tensor, gb: fg.Tensor): fg.Tensor {
      calls++;
      assert.deepEqual(gb.shape, []);
      return ga.mul(2).add(gb.mul(3));
    }
  }
  const x = fg.tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const [a, b, i] = Split.apply(x) as [fg.Tensor, fg.Tensor, fg.Tensor<'int32'>];
  assert.deepEqual(a.tolist(), [[2, 4], [6, 8]]);
  assert.equal(b.item(), 30);
  assert.equal(i.dtype, 'int32');
  assert.equal(i.item(), 3);
  b.backward();
  assert.deepEqual(x.grad!.tolist(), [[3, 3], [3, 3]]);
  x.grad = null;
  a.sum().add(b).backward();
  assert.deepEqual(x.grad!.tolist(), [[5, 5], [5, 5]]);
  assert.equal(calls, 2);
});

test('an argument returned as is becomes a copy; torch\'s errors: gradient count and shape, results that are not tensors, in-place change of a saved tensor, a second backward', () => {
  class Same extends Fn {
    static override forward(_ctx: Ctx, x: fg.Tensor): fg.Tensor {
      return x;
    }
    static override backward(_ctx: Ctx, g: fg.Tensor): fg.Tensor {
      return g;
    }
  }
  const x = fg.tensor([1, 2], { requiresGrad: true });
  const s = Same.apply(x) as fg.Tensor;
  assert.notEqual(s, x);
  assert.equal(x.gradFn, null);
  s.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [1, 1]);

  const param = new fg.nn.Parameter(fg.tensor([5, 6]));
  class Leak extends Fn {
    static override forward(): fg.Tensor {
      return param; // a tensor from outside, already a leaf of the tape
    }
    static override backward(_ctx: Ctx, g: fg.Tensor): fg.Tensor {
      return g;
    }
  }
  const l = Leak.apply(x) as fg.Tensor;
  assert.notEqual(l, param);
  assert.equal(param.gradFn, null); // the parameter stays a leaf
  assert.deepEqual(l.tolist(), [5, 6]);

  class TooFew extends Fn {
    static override forward(_ctx: Ctx, x: fg.Tensor, _y: fg.Tensor): fg.Tensor {
      return x.mul(2);
    }
    static override backward(_ctx: Ctx, g: fg.Tensor): fg.Tensor {
      return g;
    }
  }
  assertRejects(() => (TooFew.apply(x, x) as fg.Tensor).sum().backward(), Error, /TooFewBackward returned an incorrect number of gradients \(expected 2, got 1\)/);
  class BadShape extends Fn {
    static override forward(_ctx: Ctx, x: fg.Tensor): fg.Tensor {
      return x.sum();
    }
    static override backward(_ctx: Ctx, g: fg.Tensor): fg.Tensor {
      return g;
    }
  }
  assertRejects(() => (BadShape.apply(x) as fg.Tensor).backward(), RangeError, /BadShapeBackward returned an invalid gradient at index 0 - got \[\] but expected shape \[2\]/);
  class NotATensor extends Fn {
    static override forward(): fg.Tensor {
      return 5 as never;
    }
  }
  assertRejects(() => NotATensor.apply(x), TypeError, /Expected a Tensor \(or an array of Tensors\) for the result of NotATensor\.forward but received number 5/);
  const w = fg.tensor([1, 2], { requiresGrad: true });
  const c = fg.tensor([3, 4]);
  const z = (Clip.apply(w.mul(c), 0) as fg.Tensor).sum();
  z.backward(null, { retainGraph: true });
  z.backward();
  assert.deepEqual(w.grad!.tolist(), [6, 8]);
  assertRejects(() => z.backward(), Error, /backward through the graph a second time/);
  class Saves extends Fn {
    static override forward(ctx: Ctx, x: fg.Tensor): fg.Tensor {
      ctx.saveForBackward(x);
      return x.mul(2);
    }
    static override backward(_ctx: Ctx, g: fg.Tensor): fg.Tensor {
      return g.mul(2);
    }
  }
  const h = fg.tensor([1, 2], { requiresGrad: true }).mul(1);
  const out = (Saves.apply(h) as fg.Tensor).sum();
  fg.noGrad(() => h.add_(1));
  assertRejects(() => out.backward(), Error, /modified by an inplace operation.*saved by Saves/);
  class Plain extends Fn {}
  assertRejects(() => Plain.apply(x), Error, /Plain must override static forward/);
});

test('fg.autograd.grad: gradients handed back for leaves and intermediates, no .grad touched; gradOutputs, several outputs, allowUnused, errors', () => {
  const w = fg.tensor([1, 2, 3], { requiresGrad: true }), b = fg.tensor([0.5], { requiresGrad: true }), u = fg.tensor([9], { requiresGrad: true });
  const h = w.mul(w); // intermediate
  const y = h.add(b).sum();
  const [gw, gh, gb] = fg.autograd.grad(y, [w, h, b], null, { retainGraph: true }) as fg.Tensor[];
  assert.deepEqual(gw.tolist(), [2, 4, 6]);
  assert.deepEqual(gh.tolist(), [1, 1, 1]);
  assert.deepEqual(gb.tolist(), [3]);
  assert.equal(w.grad, null);
  assert.equal(b.grad, null);
  // the same bits as backward() into .grad
  y.backward();
  assert.deepEqual(Array.from(w.grad!.data), Array.from(gw.data));
  // gradOutputs for a non-scalar output; several outputs
  const x = fg.tensor([1, 2], { requiresGrad: true });
  const [g1] = fg.autograd.grad(x.mul(3), x, fg.tensor([1, -1])) as fg.Tensor[];
  assert.deepEqual(g1.tolist(), [3, -3]);
  const [g2] = fg.autograd.grad([x.mul(2).sum(), x.mul(x)], [x], [null, fg.tensor([1, 1])]) as fg.Tensor[];
  assert.deepEqual(g2.tolist(), [4, 6]);
  // unused inputs
  assert.deepEqual(fg.autograd.grad(x.sum(), [x, u], null, { allowUnused: true })[1], null);
  assertRejects(() => fg.autograd.grad(x.sum(), [x, u]), Error, /inputs\[1\]\) appears to not have been used in the graph/);
  assertRejects(() => fg.autograd.grad(x.sum(), fg.tensor([1])), Error, /does not require grad \(inputs\[0\]\)/);
  assertRejects(() => fg.autograd.grad(x.mul(2), x), Error, /grad can be implicitly created only for scalar outputs/);
  assertRejects(() => fg.autograd.grad(x.mul(2), x, fg.ones([3])), RangeError, /Mismatch in shape: gradOutputs\[0\] has a shape of \[3\] and outputs\[0\] has a shape of \[2\]/);
  // a gradient penalty's first step: the input gradient of a Function's output
  const z = fg.tensor([-2, 3], { requiresGrad: true });
  const [gz] = fg.autograd.grad((Clip.apply(z, 0) as fg.Tensor).sum(), z) as fg.Tensor[];
  assert.deepEqual(gz.tolist(), [0, 1]);
});

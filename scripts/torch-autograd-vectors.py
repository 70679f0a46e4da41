# Writes test/fixtures/autograd_torch.json: PyTorch 1.13 forward values and gradients of the tape's ops
# on fixed inputs (float64 in torch, so the reference is the exact math to ~1e-15), for
# test/autograd_torch.test.ts. Run: /usr/bin/python3 scripts/torch-autograd-vectors.py
import json, os
import torch

torch.manual_seed(1234)
D = torch.float64

def t(*shape, lo=-2.0, hi=2.0):
    return (torch.rand(*shape, dtype=D) * (hi - lo) + lo)

cases = []

def case(name, fn, inputs, ints=None):
    xs = [x.clone().requires_grad_(True) for x in inputs]
    out = fn(*xs, *(ints or []))
    r = t(*out.shape, lo=-1, hi=1) if out.dim() > 0 else torch.tensor(0.75, dtype=D)
    (out * r).sum().backward()
    cases.append({
        "name": name,
        "inputs": [{"shape": list(x.shape), "data": x.detach().flatten().tolist()} for x in inputs],
        "ints": [{"shape": list(i.shape), "data": i.flatten().tolist()} for i in (ints or [])],
        "r": r.flatten().tolist(),
        "out": {"shape": list(out.shape), "data": out.detach().flatten().tolist()},
        "grads": [x.grad.flatten().tolist() for x in xs],
    })

case("add broadcast [2,3,4]+[3,1]", lambda a, b: a + b, [t(2, 3, 4), t(3, 1)])
case("sub broadcast [3,4]-[4]", lambda a, b: a - b, [t(3, 4), t(4)])
case("mul broadcast [2,1,4]*[3,1]", lambda a, b: a * b, [t(2, 1, 4), t(3, 1)])
case("div [3,4]/[3,1]", lambda a, b: a / b, [t(3, 4), t(3, 1, lo=0.5, hi=2)])
case("pow tensor", lambda a, b: a ** b, [t(3, 4, lo=0.5, hi=2), t(4, lo=-1, hi=2)])
case("pow 3", lambda a: a ** 3, [t(3, 4)])
case("maximum", lambda a, b: torch.maximum(a, b), [t(3, 4), t(4)])
case("unary chain", lambda a: a.tanh().exp().sigmoid().sqrt().log().neg().abs().relu().square(), [t(4, 5)])
case("clamp", lambda a: a.clamp(-1, 0.5), [t(4, 5)])
case("sum dims keepdim", lambda a: a.sum(dim=[0, 2], keepdim=True), [t(3, 4, 5)])
case("mean dim", lambda a: a.mean(1), [t(3, 4, 5)])
case("var dim unbiased", lambda a: a.var(2), [t(3, 4, 5)])
case("var all biased", lambda a: a.var(unbiased=False), [t(3, 4)])
case("max dim values", lambda a: a.max(1).values, [t(3, 4, 5)])
case("min dim keepdim values", lambda a: a.min(0, keepdim=True).values, [t(3, 4)])
case("softmax dim 0", lambda a: a.softmax(0), [t(3, 4, 5)])
case("log_softmax dim 1", lambda a: a.log_softmax(1), [t(3, 4, 5)])
case("matmul 2d", lambda a, b: a @ b, [t(3, 4), t(4, 5)])
case("matmul batched broadcast", lambda a, b: a @ b, [t(2, 1, 3, 4), t(3, 4, 2)])
case("matmul 1d 2d", lambda a, b: a @ b, [t(4), t(4, 5)])
case("matmul x wT", lambda a, b: a @ b.t(), [t(3, 4), t(5, 4)])
case("reshape permute", lambda a: a.reshape(4, -1).t().reshape(2, 3, 2).permute(2, 0, 1), [t(2, 3, 2)])
case("expand narrow", lambda a: a.expand(2, 3, 4).narrow(2, 1, 2), [t(3, 1)])
case("cat stack", lambda a, b: torch.stack([torch.cat([a, b], 1), torch.cat([b, a], 1)], 0), [t(2, 3), t(2, 3)])
case("index_select", lambda a, i: a.index_select(0, i), [t(3, 4)], [torch.tensor([2, 0, 2, 1])])
case("gather", lambda a, i: a.gather(1, i), [t(3, 4)], [torch.tensor([[0, 3], [1, 1], [2, 0]])])
case("mse + cross entropy", lambda a, b, i: torch.nn.functional.mse_loss(a, b) + torch.nn.functional.cross_entropy(a, i, label_smoothing=0.1), [t(4, 5), t(4, 5)], [torch.tensor([0, 4, 2, 2])])
case("nll weight", lambda a, i: torch.nn.functional.nll_loss(a.log_softmax(1), i, weight=torch.tensor([1., 2., .5, 1., 3.], dtype=D)), [t(4, 5)], [torch.tensor([0, 4, 2, 1])])
case("l1 smooth_l1 huber", lambda a, b: torch.nn.functional.l1_loss(a, b) + torch.nn.functional.smooth_l1_loss(a, b, beta=0.7) + torch.nn.functional.huber_loss(a, b, delta=0.8, reduction='sum'), [t(4, 5), t(4, 5)])
case("sort values dim 1 descending", lambda a: a.sort(1, descending=True).values, [t(3, 5)])
case("topk smallest", lambda a: a.topk(2, dim=0, largest=False).values, [t(4, 3)])
case("cumsum cumprod", lambda a: a.cumsum(1) * a.cumprod(2), [t(2, 3, 4, lo=0.5, hi=1.5)])
case("select masked_fill", lambda a, m: a.select(1, 1).masked_fill(m.bool(), -3.0), [t(3, 4, 2)], [torch.tensor([1, 0])])
case("bce weight", lambda a, b: torch.nn.functional.binary_cross_entropy(a, b, weight=torch.tensor([0.5, 2., 1.], dtype=D)), [t(4, 3, lo=0.05, hi=0.95), t(4, 3, lo=0, hi=1)])
case("repeat flip clone", lambda a: a.repeat(2, 1, 3).flip(0, 2).clone(), [t(2, 3)])
case("logsumexp prod", lambda a: a.logsumexp(dim=[0, 2], keepdim=True) * a.prod(1, keepdim=True), [t(2, 3, 4, lo=0.5, hi=1.5)])
case("sin cos rsqrt reciprocal", lambda a: a.sin() * a.cos() + a.rsqrt() - a.reciprocal(), [t(3, 4, lo=0.5, hi=2)])
case("scatter value and src", lambda a, s, i: a.scatter(1, i, s) + a.scatter(1, i, -0.5) * a, [t(3, 5), t(3, 4)], [torch.tensor([[0, 4, 2, 1], [3, 1, 0, 2], [4, 3, 2, 1]])])
case("scatter_add duplicates", lambda a, s, i: a.scatter_add(0, i, s), [t(3, 4), t(4, 4)], [torch.tensor([[0, 2, 1, 0], [2, 2, 0, 1], [0, 1, 1, 2], [1, 0, 2, 2]])])
case("masked_select broadcast", lambda a, m: a.masked_select(m.bool()), [t(3, 4)], [torch.tensor([1, 0, 1, 1])])
case("tril triu", lambda a: a.tril(-1) + a.triu(1) * 2, [t(2, 3, 4)])
case("diag 2d 1d roll", lambda a, v: a.diag(1) * v + v.diag(-1)[1:, :3].sum(0) + v.roll(2), [t(3, 4), t(3)])
case("roll dims outer dot", lambda a, v, w: a.roll((1, -2), (0, 1)) + torch.outer(v, w) * torch.dot(v, v), [t(3, 4), t(3), t(4)])
case("log1p expm1", lambda a: a.log1p() * a.expm1(), [t(3, 4, lo=-0.5, hi=2)])

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "autograd_torch.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {os.path.relpath(out)}")

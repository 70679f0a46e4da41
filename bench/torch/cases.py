# PyTorch 1.13 anchor for bench/suites/load.ts: the same cases as fastgrad's side, timed the same way
# (median of `reps` samples, tiny calls batched so a sample is >= 1 ms), outputs preallocated where
# torch has `out=`. Prints {case: ms} as JSON. Usage: python3 cases.py <threads> <reps> <case> ...
# Cases: mm<N> (N x N x N matmul), bn_eval (BatchNorm2d eval on (32, 64, 56, 56), a fresh output: torch
# has no out=), add<N> (a + b into out), sgd_momentum<N> and adam<N> (torch.optim steps on one tensor of
# N parameters, after a first step, so the momentum buffers exist), gemm_M_N_K_TT_B (C = op(A)·op(B) into
# out with M x N x K; TT is two of n/t: A stored K x M when the first is t, B stored N x K when the second
# is; B is beta, 0 (torch.mm) or 1 (C.addmm_: C = C + op(A)·op(B)).
import json, sys, time
import torch

threads, reps = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)


def median_ms(fn):
    for _ in range(2):
        fn()
    inner = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        if (time.perf_counter() - t0) * 1e3 >= 1 or inner >= 1 << 20:
            break
        inner *= 4
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) * 1e3 / inner)
    samples.sort()
    return samples[len(samples) // 2]


def case(name):
    if name.startswith('mm'):
        n = int(name[2:])
        a, b, c = torch.rand(n, n), torch.rand(n, n), torch.empty(n, n)
        return lambda: torch.mm(a, b, out=c)
    if name.startswith('gemm_'):
        m, n, k, tt, beta = name[5:].split('_')
        m, n, k = int(m), int(n), int(k)
        a = torch.rand(k, m).t() if tt[0] == 't' else torch.rand(m, k)
        b = torch.rand(n, k).t() if tt[1] == 't' else torch.rand(k, n)
        c = torch.rand(m, n)
        if beta == '1':
            return lambda: c.addmm_(a, b)
        return lambda: torch.mm(a, b, out=c)
    if name == 'bn_eval':
        x = torch.rand(32, 64, 56, 56)
        rm, rv, w, bb = torch.rand(64), torch.rand(64) + 1, torch.rand(64), torch.rand(64)
        return lambda: torch.nn.functional.batch_norm(x, rm, rv, w, bb, False)
    if name.startswith('add'):
        n = int(float(name[3:]))
        a, b, c = torch.rand(n), torch.rand(n), torch.empty(n)
        return lambda: torch.add(a, b, out=c)
    for prefix, make in (('sgd_momentum', lambda p: torch.optim.SGD([p], lr=0.01, momentum=0.9)), ('adam', lambda p: torch.optim.Adam([p], lr=1e-3))):
        if name.startswith(prefix):
            n = int(float(name[len(prefix):]))
            p = torch.nn.Parameter(torch.full((n,), 0.5))
            p.grad = torch.full((n,), 0.01)
            opt = make(p)
            opt.step()
            return opt.step
    raise SystemExit(f'unknown case {name}')


print(json.dumps({name: median_ms(case(name)) for name in sys.argv[3:]}))

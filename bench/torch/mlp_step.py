# PyTorch 1.13 anchor for bench/suites/tape.ts: the MLP step from tensor ops (784-512-256-10, batch 128,
# ReLU, log_softmax + the picked log-probability of the label, mean, backward, an SGD update under
# no_grad). Prints the median ms of `reps` steps as JSON. Usage: python3 mlp_step.py <threads> <reps>
import json, sys, time
import torch

threads, reps = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)
x = torch.rand(128, 784)
labels = torch.randint(0, 10, (128,))
w1 = (torch.randn(784, 512) * 0.05).requires_grad_()
b1 = torch.zeros(512, requires_grad=True)
w2 = (torch.randn(512, 256) * 0.05).requires_grad_()
b2 = torch.zeros(256, requires_grad=True)
w3 = (torch.randn(256, 10) * 0.05).requires_grad_()
b3 = torch.zeros(10, requires_grad=True)
params = [w1, b1, w2, b2, w3, b3]
idx = labels.view(128, 1)

def step():
    h = (x @ w1 + b1).relu()
    h = (h @ w2 + b2).relu()
    logp = (h @ w3 + b3).log_softmax(1)
    loss = -logp.gather(1, idx).mean()
    loss.backward()
    with torch.no_grad():
        for p in params:
            p.sub_(p.grad * 0.01)
            p.grad = None

for _ in range(5):
    step()
samples = []
for _ in range(reps):
    t0 = time.perf_counter()
    step()
    samples.append((time.perf_counter() - t0) * 1e3)
samples.sort()
print(json.dumps({"ms": samples[len(samples) // 2], "torch": torch.__version__}))

"""CnnBenchmark's workloads in PyTorch: eager, and with torch.compile where the version has it.

Run on one thread (or N: the first argument), as the Java side's -Dnabla.threads:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE taskset -c 0 python bench/pytorch/cnn.py 1
Prints one JSON object: milliseconds per call, the best of five timed loops after warming up.
- lenet_step: LeNet-5 (conv 1-6 5x5, relu, max pool 2, conv 6-16 5x5, relu, max pool 2, linear
  256-120-84-10 with relu), cross-entropy with integer labels, Adam; batch 64 of 1x28x28.
- resnet_block: conv 3x3 64-64 (no bias), batch norm, relu, conv, batch norm, + input, relu;
  forward and the gradients of the output's sum (parameters and input); batch 8 of 64x56x56.
- conv3x3: conv2d 64-64 3x3 padding 1 forward on 8x64x56x56.
- text_step: embedding (20,000 x 64) of 64 sequences of 50 ids, mean over the sequence, linear
  64-4, cross-entropy, Adam.
"""
import json
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(threads)
torch.manual_seed(3)


def best_ms(fn, calls, repeats=5):
    for _ in range(3):
        fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e3


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))) + x)


class Mean(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return x.mean(self.dim)


def adam_step(model, wrap, x, y):
    """One Adam step (lr 1e-3) of the model's cross-entropy on (x, y); wrap compiles the loss and its backward."""
    adam = torch.optim.Adam(model.parameters(), 1e-3)

    def loss_and_grads(x, y):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        return loss

    forward_backward = wrap(loss_and_grads)

    def step():
        adam.zero_grad(set_to_none=True)
        loss = forward_backward(x, y)
        adam.step()
        return loss

    return step


def workloads(compiled):
    wrap = torch.compile if compiled else (lambda f: f)
    lenet = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84),
                          nn.ReLU(), nn.Linear(84, 10))
    images, labels = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    lenet_step = adam_step(lenet, wrap, images, labels)

    block = Block(64)
    x = torch.randn(8, 64, 56, 56, requires_grad=True)

    def block_grads(x):
        out = block(x).sum()
        return torch.autograd.grad(out, list(block.parameters()) + [x])

    block_fn = wrap(block_grads)
    w = torch.randn(64, 64, 3, 3) * 0.05
    xc = torch.randn(8, 64, 56, 56)
    conv = wrap(lambda a: F.conv2d(a, w, padding=1))
    text_model = nn.Sequential(nn.Embedding(20000, 64), Mean(1), nn.Linear(64, 4))
    text_step = adam_step(text_model, wrap, torch.randint(0, 20000, (64, 50)), torch.randint(0, 4, (64,)))
    return {"lenet_step": best_ms(lenet_step, 50), "resnet_block": best_ms(lambda: block_fn(x), 3),
            "conv3x3": best_ms(lambda: conv(xc), 5), "text_step": best_ms(text_step, 50)}


results = {"torch": torch.__version__, "threads": threads}
for name, ms in workloads(False).items():
    results[name + "_eager_ms"] = ms
if hasattr(torch, "compile"):
    for name, ms in workloads(True).items():
        results[name + "_compile_ms"] = ms
print(json.dumps(results))

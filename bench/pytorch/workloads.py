"""PyTorch's side of Nabla's benchmarks: the same workloads, timed the same way (best of
several repeats of many calls), printed as one JSON object.

Run with Debian's PyTorch and OpenBLAS, with OpenBLAS's kernel overrides unset:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/pytorch/workloads.py --threads 1
--threads sets torch.set_num_threads; OpenBLAS (used by torch.mm) follows OPENBLAS_NUM_THREADS,
which bench/run.sh sets to the same number.
"""
import argparse
import json
import time
import timeit

import torch
import torch.nn.functional as F


def per_call(fn, number, repeat=5):
    fn()
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def seed_scalars():
    def first():
        x = torch.tensor(5.0, requires_grad=True)
        (x ** 2).backward()
        return x.grad

    def second():
        x = torch.tensor(5.0, requires_grad=True)
        (z,) = torch.autograd.grad(x ** 2, x, create_graph=True)
        z.backward()
        return x.grad

    def partials():
        x = torch.tensor(1.0, requires_grad=True)
        y = torch.tensor(1.0, requires_grad=True)
        (x ** 2 * y + 3 * x * y ** 5 + x ** 3).backward()
        return x.grad, y.grad

    return {"firstDerivative_us": per_call(first, 20000) * 1e6,
            "secondDerivative_us": per_call(second, 20000) * 1e6,
            "partials_us": per_call(partials, 20000) * 1e6}


def sgd_steps():
    a = torch.tensor(10.0, requires_grad=True)
    opt = torch.optim.SGD([a], lr=0.1)

    def steps():
        for _ in range(10000):
            opt.zero_grad()
            (3 * a ** 2 + 6 * a - 9).backward()
            opt.step()

    return {"sgdStep_us": per_call(steps, 1, repeat=3) / 10000 * 1e6}


def fused_chain():
    out = {}
    for n in (1 << 20, 1 << 24):
        x = torch.randn(n)
        y = torch.empty(n)
        t1, t2, t3 = torch.empty(n), torch.empty(n), torch.empty(n)

        def chain():
            torch.mul(x, x, out=t1)
            torch.neg(t1, out=t2)
            torch.exp(t2, out=t2)
            torch.sin(x, out=t3)
            torch.mul(t3, t2, out=t3)
            torch.mul(t1, 3, out=t1)
            torch.add(t3, t1, out=y)

        out["fusedChain_%d_ms" % n] = per_call(chain, 20 if n < (1 << 24) else 3) * 1e3
    return out


def mlp_step():
    torch.manual_seed(3)
    w1 = (torch.randn(784, 256) * 0.05).requires_grad_()
    b1 = torch.zeros(256, requires_grad=True)
    w2 = (torch.randn(256, 10) * 0.05).requires_grad_()
    b2 = torch.zeros(10, requires_grad=True)
    x = torch.randn(128, 784)
    labels = torch.randint(0, 10, (128,))
    opt = torch.optim.SGD([w1, b1, w2, b2], lr=0.01)

    def step():
        opt.zero_grad()
        logits = torch.tanh(x @ w1 + b1) @ w2 + b2
        F.cross_entropy(logits, labels).backward()
        opt.step()

    return {"mlpStep_ms": per_call(step, 200) * 1e3}


def matmuls():
    out = {}
    for dtype, sizes in ((torch.float32, ((512, 1024, 512), (1024, 1024, 1024), (2048, 2048, 2048))),
                         (torch.float64, ((1024, 1024, 1024), (2048, 2048, 2048)))):
        for m, k, n in sizes:
            a = torch.randn(m, k, dtype=dtype)
            b = torch.randn(k, n, dtype=dtype)
            c = torch.empty(m, n, dtype=dtype)
            seconds = per_call(lambda: torch.mm(a, b, out=c), 10 if m < 2048 else 3)
            name = "%s_%dx%dx%d" % ("sgemm" if dtype == torch.float32 else "dgemm", m, k, n)
            out[name + "_ms"] = seconds * 1e3
            out[name + "_gflops"] = 2 * m * n * k / seconds / 1e9
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for part in (seed_scalars, sgd_steps, fused_chain, mlp_step, matmuls):
        result.update(part())
    print(json.dumps(result))

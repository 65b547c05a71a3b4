"""PyTorch's side of Nabla's benchmarks: the same workloads, timed the same way (best of
several repeats of many calls), printed as one JSON object.

Run with Debian's PyTorch 1.13 and OpenBLAS (or a torch 2 python), with OpenBLAS's kernel
overrides unset:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/pytorch/workloads.py --threads 1
--threads sets torch.set_num_threads; OpenBLAS (used by torch.mm) follows OPENBLAS_NUM_THREADS,
which bench/run.sh sets to the same number.
--compile (torch 2) also times the fused chain and the MLP step through torch.compile; the
seed scalars and the products have no compiled variant.
--quick: two repeats of fewer calls, to check bench/run.sh end to end (not results).
"""
import argparse
import json
import re
import timeit

import torch
import torch.nn.functional as F


QUICK = False


def per_call(fn, number, repeat=5, warm=1):
    """Seconds per call: the best of `repeat` timed loops of `number` calls, after `warm` calls."""
    if QUICK:
        number, repeat = max(1, number // 4), 2
    for _ in range(warm):
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


def chain(x):
    return torch.sin(x) * torch.exp(-x * x) + 3 * x * x


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


def fused_chain_compiled():
    """torch.compile (inductor, static shapes) of the chain as a function of x, which returns a new
    tensor per call, and of a function writing it into a preallocated out with copy_ (inductor
    fuses the copy into its kernel). Five warm calls keep compilation out of the timing."""
    out = {}
    for n in (1 << 20, 1 << 24):
        x = torch.randn(n)
        y = torch.empty(n)
        returned = torch.compile(chain, dynamic=False)
        into = torch.compile(lambda x, y: y.copy_(chain(x)), dynamic=False)
        number = 20 if n < (1 << 24) else 3
        out["fusedChain_%d_compile_ms" % n] = per_call(lambda: returned(x), number, warm=5) * 1e3
        out["fusedChain_%d_compile_out_ms" % n] = per_call(lambda: into(x, y), number, warm=5) * 1e3
    return out


def mlp_step(compiled=False):
    """Eager; or compiled: torch.compile of the forward pass and loss, whose backward AOTAutograd
    compiles too (loss.backward() is a graph break), with zero_grad and the SGD step eager, as
    bench/pytorch/cnn.py does. Compiling opt.step as well, or the whole step, was no faster here (all
    three 1.34-1.43 ms, eager 1.12-1.16 ms, one thread)."""
    torch.manual_seed(3)
    w1 = (torch.randn(784, 256) * 0.05).requires_grad_()
    b1 = torch.zeros(256, requires_grad=True)
    w2 = (torch.randn(256, 10) * 0.05).requires_grad_()
    b2 = torch.zeros(10, requires_grad=True)
    x = torch.randn(128, 784)
    labels = torch.randint(0, 10, (128,))
    opt = torch.optim.SGD([w1, b1, w2, b2], lr=0.01)

    def loss(x, labels):
        logits = torch.tanh(x @ w1 + b1) @ w2 + b2
        return F.cross_entropy(logits, labels)

    forward = torch.compile(loss) if compiled else loss

    def step():
        opt.zero_grad()
        forward(x, labels).backward()
        opt.step()

    key = "mlpStep_compile_ms" if compiled else "mlpStep_ms"
    return {key: per_call(step, 200, warm=5 if compiled else 1) * 1e3}


def matmuls():
    out = {}
    for dtype, sizes in ((torch.float32, ((128, 256, 10), (128, 784, 256), (512, 512, 512), (512, 1024, 512),
                                          (1024, 1024, 1024), (2048, 2048, 2048))),
                         (torch.float64, ((1024, 1024, 1024), (2048, 2048, 2048)))):
        for m, k, n in sizes:
            a = torch.randn(m, k, dtype=dtype)
            b = torch.randn(k, n, dtype=dtype)
            c = torch.empty(m, n, dtype=dtype)
            seconds = per_call(lambda: torch.mm(a, b, out=c), max(3, min(10000, 10 ** 10 // (m * k * n))))
            name = "%s_%dx%dx%d" % ("sgemm" if dtype == torch.float32 else "dgemm", m, k, n)
            out[name + "_ms"] = seconds * 1e3
            out[name + "_gflops"] = 2 * m * n * k / seconds / 1e9
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    QUICK = args.quick
    torch.set_num_threads(args.threads)
    blas = re.findall(r"BLAS_INFO=(\w+)", torch.__config__.show())
    result = {"torch": torch.__version__, "blas": blas[0] if blas else "?", "threads": torch.get_num_threads()}
    parts = [seed_scalars, sgd_steps, fused_chain, mlp_step, matmuls]
    if args.compile:
        parts += [fused_chain_compiled, lambda: mlp_step(compiled=True)]
    for part in parts:
        result.update(part())
    print(json.dumps(result))

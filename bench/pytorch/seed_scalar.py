"""The seed's scalar autograd programs in PyTorch eager mode, timed per call.

Run with Debian's PyTorch and with OpenBLAS's kernel overrides unset (they slow it down):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/pytorch/seed_scalar.py
Prints one JSON object: microseconds per call for each workload, and the thread count.
"""
import json
import timeit

import torch


def first_derivative():
    x = torch.tensor(5.0, requires_grad=True)
    y = x ** 2
    y.backward()
    return y.detach(), x.grad


def second_derivative():
    x = torch.tensor(5.0, requires_grad=True)
    y = x ** 2
    (z,) = torch.autograd.grad(y, x, create_graph=True)
    z.backward()
    return z.detach(), x.grad


def partials():
    x = torch.tensor(1.0, requires_grad=True)
    y = torch.tensor(1.0, requires_grad=True)
    z = x ** 2 * y + 3 * x * y ** 5 + x ** 3
    z.backward()
    return x.grad, y.grad


def per_call_us(fn, number=20000, repeat=5):
    fn()
    best = min(timeit.repeat(fn, number=number, repeat=repeat))
    return best / number * 1e6


if __name__ == "__main__":
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "firstDerivative_us": per_call_us(first_derivative),
        "secondDerivative_us": per_call_us(second_derivative),
        "partials_us": per_call_us(partials),
    }))

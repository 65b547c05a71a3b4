"""The seed's SGD run in PyTorch, the values of dev.nabla.optim.SeedSgdTest.PYTORCH.

Regenerate with Debian's PyTorch (python3-torch, 1.13):
    /usr/bin/python3 dsl/src/test/python/seed_sgd.py

Minimizes f(a) = 3a^2 + 6a - 9 from a = 10 with torch.optim.SGD(lr=0.1), in float32 (PyTorch's
default), for 20 steps, and prints a after each step as the Java float literals of the test's
array: each float32 value written with Python's repr of the double it converts to exactly, as
the test has them (Java's float literal rounds that double back to the same float32).
"""
import torch

STEPS = 20


def main():
    a = torch.tensor(10.0, requires_grad=True)
    assert a.dtype == torch.float32
    opt = torch.optim.SGD([a], lr=0.1)
    values = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = 3 * a ** 2 + 6 * a - 9
        loss.backward()
        opt.step()
        values.append(repr(a.item()) + "f")
    for i in range(0, STEPS, 4):
        print("        " + ", ".join(values[i:i + 4]) + ",")


if __name__ == "__main__":
    main()

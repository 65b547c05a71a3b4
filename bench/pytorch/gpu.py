"""PyTorch's side of GpuBenchmark on the same GPU, in the same run: the reference points issue
18's targets are measured against. Prints one JSON object (microseconds per call, best of
several repeats, each a loop of calls closed by a synchronize).

    python3 bench/pytorch/gpu.py                      # on the GPU machine (cuda)
    python3 bench/pytorch/gpu.py --device cpu --small # a check of this script where no GPU is

Workloads, each as GpuBenchmark has them:
  copy_us        a device-to-device copy of the chain's floats (the bandwidth reference: bytes
                 read plus bytes written per second)
  chain_sum_us   sum(sin(x)*exp(-x^2) + 3x^2), eager and through torch.compile
  sgemm_us       n x n times n x n in f32 with TF32 off (cuBLAS's SGEMM), summed on the device;
                 sgemm_tf32_us with TF32 on, for reference only
  mlp_step_us    the 784-256-10 tanh MLP's SGD step on a batch of 128 already on the device
  scalar_us      x + 1 on a 0-d tensor read back with .item(): a launch and a copy back
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F


def per_call(fn, device, number, repeat=5, warm=3):
    """Microseconds per call: the best of `repeat` loops of `number` calls, each closed by a synchronize."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for _ in range(warm):
        fn()
    sync()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        sync()
        best = min(best, (time.perf_counter() - start) / number)
    return best * 1e6


def chain_sum(x):
    return (torch.sin(x) * torch.exp(-x * x) + 3 * x * x).sum()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default=None, help="default: cuda where PyTorch sees a GPU, else cpu")
    parser.add_argument("--small", action="store_true", help="PoCL-sized inputs: 256^2 SGEMM, 1M floats")
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args()
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    n = 256 if args.small else 4096
    length = (1 << 20) if args.small else (64 << 20)
    g = torch.Generator(device="cpu").manual_seed(7)
    out = {"torch": torch.__version__, "device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
           "n": n, "chain": length}

    x = torch.randn(length, generator=g).to(device)
    y = torch.empty_like(x)
    out["copy_us"] = per_call(lambda: y.copy_(x), device, 20)
    out["copy_GBps"] = 2 * 4 * length / out["copy_us"] / 1e3
    out["chain_sum_us"] = per_call(lambda: chain_sum(x), device, 20)
    if not args.no_compile:
        compiled = torch.compile(chain_sum)
        out["chain_sum_compiled_us"] = per_call(lambda: compiled(x), device, 20)
    del y

    a = torch.randn(n, n, generator=g).to(device)
    b = torch.randn(n, n, generator=g).to(device)
    torch.backends.cuda.matmul.allow_tf32 = False
    out["sgemm_us"] = per_call(lambda: (a @ b).sum(), device, 10)
    out["sgemm_TFLOPs"] = 2 * n ** 3 / out["sgemm_us"] / 1e6
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        out["sgemm_tf32_us"] = per_call(lambda: (a @ b).sum(), device, 10)
        torch.backends.cuda.matmul.allow_tf32 = False

    w1 = (torch.randn(784, 256, generator=g) * 0.05).to(device).requires_grad_()
    b1 = torch.zeros(256, device=device, requires_grad=True)
    w2 = (torch.randn(256, 10, generator=g) * 0.05).to(device).requires_grad_()
    b2 = torch.zeros(10, device=device, requires_grad=True)
    opt = torch.optim.SGD([w1, b1, w2, b2], lr=0.01)
    batches = [(torch.randn(128, 784, generator=g).to(device),
                F.one_hot(torch.randint(0, 10, (128,), generator=g), 10).float().to(device)) for _ in range(4)]
    turn = [0]

    def step():
        turn[0] = (turn[0] + 1) % len(batches)
        images, labels = batches[turn[0]]
        opt.zero_grad()
        logits = torch.tanh(images @ w1 + b1) @ w2 + b2
        loss = -(labels * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()
        loss.backward()
        opt.step()
        return loss.item()

    out["mlp_step_us"] = per_call(step, device, 50)
    s = torch.tensor(2.0, device=device)
    out["scalar_us"] = per_call(lambda: (s + 1).item(), device, 200)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

"""The PyTorch side of PyTorchInteropTest: the same small CNN as the Java test, in torch.

  python safetensors_interop.py check STATE INPUT OUT   load Nabla's state dict, write eval logits
  python safetensors_interop.py export STATE INPUT OUT  write a seeded torch model's state dict and its logits
Needs torch and safetensors.
"""
import sys

import torch
from safetensors.torch import load_file, save_file


def net():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(64, 10))


def main(mode, state, inputs, out):
    x = load_file(inputs)["x"]
    model = net()
    if mode == "check":
        model.load_state_dict(load_file(state), strict=True)
    else:
        torch.manual_seed(0)
        model = net()
        # Train a little so the batch norm statistics are not their initial values.
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            model(x).square().mean().backward()
            opt.step()
        save_file(model.state_dict(), state)
    model.eval()
    with torch.no_grad():
        save_file({"logits": model(x).contiguous()}, out)
    print(mode, "ok", sorted(load_file(state).keys()))


if __name__ == "__main__":
    main(*sys.argv[1:])

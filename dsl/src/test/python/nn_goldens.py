"""Writes goldens/nn.txt: a small CNN (conv, batch norm, relu, pool, linear) with set weights, its
training-mode output and gradients, the running statistics after that forward, and the
evaluation-mode output then. Run with /usr/bin/python3 (PyTorch 1.13) from this folder."""
import math
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
net = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                    nn.Linear(12, 4))
with torch.no_grad():
    for k, (name, p) in enumerate(net.named_parameters()):
        p.copy_(torch.tensor([0.3 * math.cos(0.5 * i + k) for i in range(p.numel())]).reshape(p.shape))
x = torch.tensor([math.sin(0.7 * i + 0.3) for i in range(2 * 2 * 4 * 4)]).reshape(2, 2, 4, 4)
c = torch.tensor([math.sin(0.05 * i + 0.2) + 0.3 for i in range(8)]).reshape(2, 4)

with open("../resources/goldens/nn.txt", "w") as out:
    def row(name, t):
        out.write(name + " " + " ".join(repr(v) for v in t.detach().reshape(-1).tolist()) + "\n")

    out.write("# torch %s, float64\n" % torch.__version__)
    out.write("names " + " ".join(net.state_dict().keys()) + "\n")
    net.train()
    y = net(x)
    (y * c).sum().backward()
    row("train", y)
    for name, p in net.named_parameters():
        row("grad:" + name, p.grad)
    row("running_mean", net[1].running_mean)
    row("running_var", net[1].running_var)
    net.eval()
    row("eval", net(x))

"""Writes goldens/convolutions.txt: convolutions and pooling with their gradients, in float64,
as PyTorch computes them. Run with /usr/bin/python3 (PyTorch 1.13) from this folder."""
import math
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def filled(shape, f):
    n = math.prod(shape)
    return torch.tensor([f(i) for i in range(n)]).reshape(shape).requires_grad_()


def x_of(shape):
    return filled(shape, lambda i: math.sin(0.7 * i + 0.3))


def tied_x_of(shape):
    """Small integers: windows and bins hold their maximum several times."""
    return filled(shape, lambda i: float(math.floor(3 * math.sin(0.7 * i + 0.3))))


def w_of(shape):
    return filled(shape, lambda i: 0.4 * math.cos(0.9 * i + 0.1))


def b_of(n):
    return filled([n], lambda i: 0.1 * i - 0.2)


def weights_of(shape):
    return torch.tensor([math.sin(0.05 * i + 0.2) + 0.3 for i in range(math.prod(shape))]).reshape(shape)


CASES = {
    "conv2d": ([2, 3, 7, 6], [4, 3, 3, 2], True,
               lambda x, w, b: F.conv2d(x, w, b)),
    "conv2d_strided_dilated_grouped": ([2, 4, 9, 8], [6, 2, 3, 3], True,
               lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)),
    "conv2d_same": ([1, 2, 5, 6], [3, 2, 4, 3], False,
               lambda x, w, b: F.conv2d(x, w, None, padding="same")),
    "conv1d": ([2, 3, 10], [5, 3, 3], True,
               lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2)),
    "conv_transpose2d": ([2, 4, 5, 4], [4, 3, 3, 3], True,
               lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2)),
    "conv_transpose2d_dilated": ([1, 2, 4, 4], [2, 3, 2, 3], False,
               lambda x, w, b: F.conv_transpose2d(x, w, None, dilation=2)),
    "max_pool2d": ([2, 3, 7, 7], None, False, lambda x, w, b: F.max_pool2d(x, 3, 2, 1)),
    "avg_pool2d": ([2, 3, 7, 7], None, False, lambda x, w, b: F.avg_pool2d(x, 3, 2, 1)),
    "avg_pool2d_exclude_pad": ([2, 3, 7, 7], None, False,
               lambda x, w, b: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)),
    "adaptive_avg_pool2d": ([2, 3, 7, 5], None, False, lambda x, w, b: F.adaptive_avg_pool2d(x, (3, 2))),
    "adaptive_max_pool2d": ([2, 3, 7, 5], None, False, lambda x, w, b: F.adaptive_max_pool2d(x, (3, 2))),
    "max_pool1d": ([2, 3, 9], None, False, lambda x, w, b: F.max_pool1d(x, 2, 2)),
    # Ties: PyTorch gives a window's gradient to its first maximum in row-major order.
    "max_pool2d_ties": ([2, 3, 7, 7], None, False, lambda x, w, b: F.max_pool2d(x, 3, 2, 1)),
    "max_pool2d_overlapping_ties": ([1, 2, 6, 5], None, False, lambda x, w, b: F.max_pool2d(x, 3, 1, 0)),
    "max_pool2d_relu_ties": ([2, 2, 6, 6], None, False, lambda x, w, b: F.max_pool2d(F.relu(x - 1), 2)),
    "max_pool1d_ties": ([2, 3, 9], None, False, lambda x, w, b: F.max_pool1d(x, 3, 2, 1)),
    "adaptive_max_pool2d_ties": ([2, 3, 7, 5], None, False, lambda x, w, b: F.adaptive_max_pool2d(x, (3, 2))),
}


def row(name, t):
    return name + " " + " ".join(repr(v) for v in t.detach().reshape(-1).tolist())


with open("../resources/goldens/convolutions.txt", "w") as out:
    out.write("# torch %s, float64; inputs and loss weights as the script defines them\n" % torch.__version__)
    for name, (xs, ws, bias, f) in CASES.items():
        x = tied_x_of(xs) if name.endswith("_ties") else x_of(xs)
        w = w_of(ws) if ws else None
        # The bias has one value per output channel: axis 1 of an unbiased output.
        b = b_of(f(x, w, None).shape[1]) if bias else None
        y = f(x, w, b)
        loss = (y * weights_of(list(y.shape))).sum()
        loss.backward()
        out.write("case %s\n" % name)
        out.write(row("shape", torch.tensor(list(y.shape), dtype=torch.float64)) + "\n")
        out.write(row("out", y) + "\n")
        out.write(row("gx", x.grad) + "\n")
        if w is not None:
            out.write(row("gw", w.grad) + "\n")
        if b is not None:
            out.write(row("gb", b.grad) + "\n")

"""Optimizer trajectories from PyTorch, the goldens for dev.nabla.optim.OptimizerGoldenTest.

Regenerate with Debian's PyTorch (python3-torch):
    /usr/bin/python3 dsl/src/test/python/optimizer_goldens.py > dsl/src/test/resources/goldens/optimizers.txt

Two problems, both in float64: the Rosenbrock function from (-1.5, 2) and a 3-4-1 tanh network
with an MSE loss on 8 fixed samples. Every value is defined by a formula that the Java test
repeats, so no data has to be shared but this file's output. For each configuration the output
has a header line, then one line per step: the step number, the loss before the step, then all
parameters flattened (row-major, in declaration order) after the step.
"""
import math

import torch

torch.set_default_dtype(torch.float64)
STEPS = 60


def rosenbrock():
    p = torch.tensor([-1.5, 2.0], requires_grad=True)

    def loss():
        return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2

    return [p], loss


def mlp():
    x = torch.tensor([[math.sin(3 * i + j + 1) for j in range(3)] for i in range(8)])
    y = torch.tensor([[0.5 * math.cos(i)] for i in range(8)])
    w1 = torch.tensor([[0.3 * math.sin(4 * i + j + 7) for j in range(4)] for i in range(3)], requires_grad=True)
    b1 = torch.tensor([0.1 * math.cos(j + 2) for j in range(4)], requires_grad=True)
    w2 = torch.tensor([[0.4 * math.sin(i + 11)] for i in range(4)], requires_grad=True)
    b2 = torch.tensor([0.05], requires_grad=True)

    def loss():
        h = torch.tanh(x @ w1 + b1)
        return ((h @ w2 + b2 - y) ** 2).mean()

    return [w1, b1, w2, b2], loss


def sched(kind):
    return {
        "step": lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
        "exponential": lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.95),
        "cosine": lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=40, eta_min=1e-4),
        "warmup": lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=10),
    }[kind]


# name, problem, optimizer factory, options
CONFIGS = [
    ("sgd", rosenbrock, lambda ps: torch.optim.SGD(ps, lr=1e-4), {}),
    ("sgd_momentum_dampening", rosenbrock, lambda ps: torch.optim.SGD(ps, lr=1e-4, momentum=0.9, dampening=0.3), {}),
    ("sgd_nesterov_wd", rosenbrock, lambda ps: torch.optim.SGD(ps, lr=1e-4, momentum=0.8, nesterov=True, weight_decay=0.1), {}),
    ("sgd_maximize", rosenbrock, lambda ps: torch.optim.SGD(ps, lr=1e-4, maximize=True), {"negate": True}),
    ("adam", rosenbrock, lambda ps: torch.optim.Adam(ps, lr=0.05), {}),
    ("adam_amsgrad_wd", rosenbrock, lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05, amsgrad=True), {}),
    ("adamw", rosenbrock, lambda ps: torch.optim.AdamW(ps, lr=0.05, weight_decay=0.1), {}),
    ("rmsprop", rosenbrock, lambda ps: torch.optim.RMSprop(ps, lr=0.01), {}),
    ("rmsprop_centered_momentum_wd", rosenbrock, lambda ps: torch.optim.RMSprop(ps, lr=0.005, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01), {}),
    ("adagrad", rosenbrock, lambda ps: torch.optim.Adagrad(ps, lr=0.5), {}),
    ("adagrad_decay_init_wd", rosenbrock, lambda ps: torch.optim.Adagrad(ps, lr=0.5, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.01), {}),
    ("mlp_sgd_momentum", mlp, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9), {}),
    ("mlp_adam", mlp, lambda ps: torch.optim.Adam(ps, lr=0.01), {}),
    ("mlp_adamw_amsgrad", mlp, lambda ps: torch.optim.AdamW(ps, lr=0.01, amsgrad=True), {}),
    ("mlp_rmsprop", mlp, lambda ps: torch.optim.RMSprop(ps, lr=0.01, momentum=0.3), {}),
    ("mlp_adagrad", mlp, lambda ps: torch.optim.Adagrad(ps, lr=0.1, lr_decay=0.001), {}),
    ("mlp_groups", mlp, lambda ps: torch.optim.SGD([{"params": ps[:2], "lr": 0.2, "momentum": 0.5},
                                                     {"params": ps[2:], "lr": 0.05}], lr=0.05), {}),
    ("mlp_sgd_step_schedule", mlp, lambda ps: torch.optim.SGD(ps, lr=0.3), {"schedule": "step"}),
    ("mlp_sgd_exponential_schedule", mlp, lambda ps: torch.optim.SGD(ps, lr=0.3), {"schedule": "exponential"}),
    ("mlp_adam_cosine_schedule", mlp, lambda ps: torch.optim.Adam(ps, lr=0.02), {"schedule": "cosine"}),
    ("mlp_sgd_warmup_schedule", mlp, lambda ps: torch.optim.SGD(ps, lr=0.3), {"schedule": "warmup"}),
    ("mlp_sgd_clip_norm", mlp, lambda ps: torch.optim.SGD(ps, lr=0.5), {"clip_norm": 0.05}),
    ("mlp_sgd_clip_value", mlp, lambda ps: torch.optim.SGD(ps, lr=0.5), {"clip_value": 0.01}),
]


def run(name, problem, make, options):
    params, loss_fn = problem()
    opt = make(params)
    scheduler = sched(options["schedule"])(opt) if "schedule" in options else None
    print("config " + name)
    for step in range(1, STEPS + 1):
        opt.zero_grad()
        loss = loss_fn()
        if options.get("negate"):
            loss = -loss
        loss.backward()
        if "clip_norm" in options:
            torch.nn.utils.clip_grad_norm_(params, options["clip_norm"])
        if "clip_value" in options:
            torch.nn.utils.clip_grad_value_(params, options["clip_value"])
        opt.step()
        if scheduler is not None:
            scheduler.step()
        flat = torch.cat([p.detach().reshape(-1) for p in params])
        print(" ".join([str(step), repr(loss.item())] + [repr(v) for v in flat.tolist()]))


if __name__ == "__main__":
    print("# torch " + torch.__version__ + ", " + str(STEPS) + " steps per configuration")
    for config in CONFIGS:
        run(*config)

"""The workloads of LoopBenchmark in JAX (jit on XLA:CPU), for bench/RESULTS.md.

Run with one thread, as the Java side (-Dnabla.threads=1):
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
    taskset -c 0 python bench/jax/loops.py            # everything, one JSON object
    ... python bench/jax/loops.py --cold T            # only the first gradient at T, in this fresh process

- the seed's SGD (f(a) = 3a^2 + 6a - 9, lr 0.1, f32, from a = 10) as lax.fori_loop of 10,000
  steps inside one jit: milliseconds per call (best of five repeats of a timed loop), and a call
  of the same loop with one step (what a call costs besides the steps);
- the gradient (W, U, b) of an RNN, h' = tanh(h W + x U + b), loss = the sum of every step's h
  (batch 16, hidden 64, input 32, f32) through lax.scan, T = 100, 1000, 10000: per call; from
  defining the loss to its first gradient (grad + jit: trace, lower, XLA compile, first run); and
  the same without the run (jit(...).lower(...).compile()).
  The first-gradient timings scale the pre-activation by 1 + k ulp, new each time, as
  LoopBenchmark does, so that no cache can serve an earlier compilation; "warm" is the best of
  three after one RNN gradient has been compiled in the process, "cold" (--cold) the first.
"""
import json
import sys
import time

T0 = time.perf_counter()
import jax
import jax.numpy as jnp
import numpy as np
from timing import best_ms

SGD_STEPS = 10_000
BATCH, HIDDEN, INPUT = 16, 64, 32
STEPS = (100, 1000, 10_000)
ULP = float(np.spacing(np.float32(1)))


def sgd_workload():
    def f(a):
        return 3 * a ** 2 + 6 * a - 9

    def loop(steps):
        return jax.jit(lambda a0: jax.lax.fori_loop(0, steps, lambda i, a: a - 0.1 * jax.grad(f)(a), a0))

    run, one = loop(SGD_STEPS), loop(1)
    a0 = jnp.float32(10)
    return {"sgd_value": float(run(a0)), "sgd_call_ms": best_ms(lambda: run(a0), 20),
            "sgd_one_step_call_ms": best_ms(lambda: one(a0), 2000)}


def rnn_data(steps):
    rng = np.random.default_rng(5)
    params = (jnp.asarray(rng.standard_normal((HIDDEN, HIDDEN), dtype=np.float32) / np.sqrt(HIDDEN)),
              jnp.asarray(rng.standard_normal((INPUT, HIDDEN), dtype=np.float32) / np.sqrt(INPUT)),
              jnp.asarray(rng.standard_normal(HIDDEN, dtype=np.float32) * 0.1))
    h0 = jnp.asarray(rng.standard_normal((BATCH, HIDDEN), dtype=np.float32))
    xs = jnp.asarray(rng.standard_normal((steps, BATCH, INPUT), dtype=np.float32))
    return params, h0, xs


def rnn_gradient(scale=1.0):
    """A new loss and its jitted gradient: nothing cached from an earlier one can serve it."""
    def loss(params, h0, xs):
        w, u, b = params

        def cell(h, x):
            z = h @ w + x @ u + b
            h = jnp.tanh(z if scale == 1.0 else z * scale)
            return h, h

        _, hs = jax.lax.scan(cell, h0, xs)
        return jnp.sum(hs)

    return jax.jit(jax.grad(loss))


def first_gradient_ms(data, scale):
    start = time.perf_counter()
    jax.block_until_ready(rnn_gradient(scale)(*data))
    return (time.perf_counter() - start) * 1e3


def compile_ms(data, scale):
    start = time.perf_counter()
    rnn_gradient(scale).lower(*data).compile()
    return (time.perf_counter() - start) * 1e3


def rnn_workload():
    result = {}
    data = {t: rnn_data(t) for t in STEPS}
    count = 0

    def next_scale():
        nonlocal count
        count += 1
        return 1.0 + ULP * count

    first_gradient_ms(rnn_data(10), next_scale())  # the process's first RNN compilation
    for t in STEPS:
        result[f"rnn_{t}_compile_ms"] = min(compile_ms(data[t], next_scale()) for _ in range(3))
        result[f"rnn_{t}_first_ms"] = min(first_gradient_ms(data[t], next_scale()) for _ in range(3))
        grad = rnn_gradient()
        result[f"rnn_{t}_call_ms"] = best_ms(lambda: grad(*data[t]), max(1, 2000 // t))
    return result


if __name__ == "__main__":
    # A trivial computation first: the backend's start is not part of any timing.
    jax.block_until_ready(jnp.zeros(1) + 1)
    if len(sys.argv) == 3 and sys.argv[1] == "--cold":
        t = int(sys.argv[2])
        data = rnn_data(t)
        print(json.dumps({f"rnn_{t}_first_cold_ms": first_gradient_ms(data, 1.0 + ULP)}))
        sys.exit(0)
    result = {"jax": jax.__version__, "import_ms": (time.perf_counter() - T0) * 1e3}
    result.update(sgd_workload())
    result.update(rnn_workload())
    print(json.dumps(result))

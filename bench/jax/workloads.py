"""The main table's workloads (bench/run.sh) in JAX, jit on XLA:CPU, printed as one JSON object.

Run with the Java side's thread count, as bench/run.sh does from the repository root, e.g. one thread:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
    taskset -c 0 python bench/jax/workloads.py
Times are per call, the best of five timed loops after a warm call (timing.best_ms); --quick:
two loops of fewer calls, to check bench/run.sh end to end (not results).
- seed rows (float32 scalars already on the device): jit(grad(x^2)); dy/dx and d2y/dx2 from one
  jit (grad and grad(grad)); both partials of x^2 y + 3 x y^5 + x^3, jit(grad(f, argnums=(0, 1))).
  Each call blocks until its result is ready, as Nabla's and PyTorch's calls return values.
- SGD on 3a^2 + 6a - 9, lr 0.1: sgdStep_us is one jitted step called 10,000 times from Python
  (the match to Nabla's per-step figure, whose steps are separate calls too);
  sgdStep_foriloop_us is the 10,000 steps inside one jit with lax.fori_loop, per step.
- fused chain sin(x) exp(-x x) + 3 x x on 1M and 16M float32: jit, a new output array per call
  (XLA has no out= argument).
- MLP 784-256-10, tanh, softmax cross-entropy with integer labels, batch 128, SGD lr 0.01: one
  jit of value_and_grad and the update, parameters donated.
- SGEMM and DGEMM (x64 enabled for the double ones) at GemmBenchmark's shapes, jit(jnp.dot).
"""
import json
import os
import sys

import jax
import jax.numpy as jnp
from jax import lax
import timing

QUICK = "--quick" in sys.argv


def best_ms(fn, calls):
    if QUICK:
        return timing.best_ms(fn, max(1, calls // 4), repeats=2)
    return timing.best_ms(fn, calls)


def blocking(f, *args):
    """A call that returns once its result is ready."""
    return lambda: jax.block_until_ready(f(*args))


def seed_scalars():
    square = lambda x: x ** 2
    first = jax.jit(jax.grad(square))
    both = jax.jit(lambda x: (jax.grad(square)(x), jax.grad(jax.grad(square))(x)))
    partials = jax.jit(jax.grad(lambda x, y: x ** 2 * y + 3 * x * y ** 5 + x ** 3, argnums=(0, 1)))
    five, one = jnp.float32(5.0), jnp.float32(1.0)
    return {"firstDerivative_us": best_ms(blocking(first, five), 20000) * 1e3,
            "secondDerivative_us": best_ms(blocking(both, five), 20000) * 1e3,
            "partials_us": best_ms(blocking(partials, one, one), 20000) * 1e3}


def sgd_steps():
    step = jax.jit(lambda a: a - 0.1 * jax.grad(lambda a: 3 * a ** 2 + 6 * a - 9)(a))
    looped = jax.jit(lambda a: lax.fori_loop(0, 10000, lambda i, a: step(a), a))
    start = jnp.float32(10.0)

    def steps():
        a = start
        for _ in range(10000):
            a = step(a)
        return a

    return {"sgdStep_us": best_ms(steps, 1) * 1e3 / 10000,
            "sgdStep_foriloop_us": best_ms(lambda: looped(start), 5) * 1e3 / 10000}


def fused_chain():
    chain = jax.jit(lambda x: jnp.sin(x) * jnp.exp(-x * x) + 3 * x * x)
    out = {}
    for n in (1 << 20, 1 << 24):
        x = jax.random.normal(jax.random.PRNGKey(1), (n,), jnp.float32)
        out["fusedChain_%d_ms" % n] = best_ms(lambda: chain(x), 20 if n < (1 << 24) else 3)
    return out


def mlp_step():
    k = jax.random.split(jax.random.PRNGKey(3), 4)
    params = {"w1": jax.random.normal(k[0], (784, 256), jnp.float32) * 0.05, "b1": jnp.zeros(256, jnp.float32),
              "w2": jax.random.normal(k[1], (256, 10), jnp.float32) * 0.05, "b2": jnp.zeros(10, jnp.float32)}
    x = jax.random.normal(k[2], (128, 784), jnp.float32)
    labels = jax.random.randint(k[3], (128,), 0, 10)

    def loss(p, x, labels):
        logits = jnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]
        logp = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

    def update(p, x, labels):
        value, grads = jax.value_and_grad(loss)(p, x, labels)
        return jax.tree_util.tree_map(lambda w, g: w - 0.01 * g, p, grads), value

    update = jax.jit(update, donate_argnums=0)
    state = [params]

    def step():
        state[0], value = update(state[0], x, labels)
        return value

    return {"mlpStep_ms": best_ms(step, 200)}


def matmuls():
    out = {}
    dot = jax.jit(jnp.dot)
    for dtype, sizes in ((jnp.float32, ((128, 256, 10), (128, 784, 256), (512, 512, 512), (512, 1024, 512),
                                        (1024, 1024, 1024), (2048, 2048, 2048))),
                         (jnp.float64, ((1024, 1024, 1024), (2048, 2048, 2048)))):
        with jax.enable_x64(dtype == jnp.float64):
            for m, k, n in sizes:
                ka, kb = jax.random.split(jax.random.PRNGKey(42))
                a = jax.random.normal(ka, (m, k), dtype)
                b = jax.random.normal(kb, (k, n), dtype)
                ms = best_ms(lambda: dot(a, b), max(3, min(10000, 10 ** 10 // (m * k * n))))
                name = "%s_%dx%dx%d" % ("sgemm" if dtype == jnp.float32 else "dgemm", m, k, n)
                out[name + "_ms"] = ms
                out[name + "_gflops"] = 2 * m * n * k / (ms / 1e3) / 1e9
    return out


if __name__ == "__main__":
    result = {"jax": jax.__version__, "xla_flags": os.environ.get("XLA_FLAGS", "")}
    for part in (seed_scalars, sgd_steps, fused_chain, mlp_step, matmuls):
        result.update(part())
    print(json.dumps(result))

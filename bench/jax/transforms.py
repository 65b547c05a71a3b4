"""The workloads of TransformsBenchmark in JAX (jit on XLA:CPU), for bench/RESULTS.md.

Run with one thread, as the Java side (-Dnabla.threads=1):
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
    taskset -c 0 python bench/jax/transforms.py
Prints one JSON object: milliseconds per call (best of five repeats of a timed loop) and the
time from defining the functions to the first value (build + trace + compile + run).
"""
import json
import time

T0 = time.perf_counter()
import jax
import jax.numpy as jnp
import numpy as np
from timing import best_ms

jax.config.update("jax_enable_x64", True)
N, M, BATCH = 100, 50, 128


def hessian_workload():
    rng = np.random.default_rng(1)
    a = jnp.asarray(rng.standard_normal((M, N)) / np.sqrt(N))
    v = jnp.asarray(rng.standard_normal(N))

    def first_value():
        def f(x):
            return jnp.sum(jax.nn.softplus(a @ x)) + 0.5 * x @ x
        h = jax.jit(jax.hessian(f))
        return h, h(v).block_until_ready()

    start = time.perf_counter()
    h, _ = first_value()
    build_ms = (time.perf_counter() - start) * 1e3
    return {"hessian_call_ms": best_ms(lambda: h(v), 2000), "hessian_first_value_ms": build_ms}


def per_example_workload():
    rng = np.random.default_rng(3)
    params = (jnp.asarray(rng.standard_normal((784, 256), dtype=np.float32) * 0.05),
              jnp.zeros(256, jnp.float32),
              jnp.asarray(rng.standard_normal((256, 10), dtype=np.float32) * 0.05),
              jnp.zeros(10, jnp.float32))
    xs = jnp.asarray(rng.standard_normal((BATCH, 784), dtype=np.float32))
    ys = jax.nn.one_hot(rng.integers(0, 10, BATCH), 10, dtype=jnp.float32)

    def loss(p, x, y):
        w1, b1, w2, b2 = p
        logits = jnp.tanh(x @ w1 + b1) @ w2 + b2
        return -jnp.sum(y * jax.nn.log_softmax(logits))

    grad = jax.jit(jax.grad(loss))
    per_example = jax.jit(jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)))

    rows = [(xs[b], ys[b]) for b in range(BATCH)]

    def loop_presliced():
        out = None
        for x, y in rows:
            out = grad(params, x, y)
        return out

    return {"per_example_vmap_ms": best_ms(lambda: per_example(params, xs, ys), 20),
            "per_example_loop_ms": best_ms(loop_presliced, 3)}


if __name__ == "__main__":
    result = {"jax": jax.__version__, "import_ms": (time.perf_counter() - T0) * 1e3}
    result.update(hessian_workload())
    result.update(per_example_workload())
    print(json.dumps(result))

"""CnnBenchmark's workloads in JAX (jit on XLA:CPU), for bench/RESULTS.md.

Run with the Java side's thread count:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
    taskset -c 0 python bench/jax/cnn.py
Prints one JSON object, milliseconds per call (best of five timed loops after a warm call):
- lenet_step: LeNet-5 (conv 1-6 5x5, relu, max pool 2, conv 6-16 5x5, relu, max pool 2, dense
  256-120-84-10 with relu), cross-entropy with integer labels, Adam (written out: no optax here),
  one jitted step with donated state; batch 64 of 1x28x28.
- resnet_block: conv 3x3 64-64 (no bias), batch norm (batch statistics), relu, conv, batch
  norm, + input, relu; forward and the gradients of the output's sum with respect to every
  parameter and the input; batch 8 of 64x56x56.
- conv3x3: conv 64-64 3x3 padding 1 forward on 8x64x56x56.
- text_step: embedding (20,000 x 64) of 64 sequences of 50 ids, mean over the sequence, dense
  64-4, cross-entropy, Adam.
"""
import json

import jax
import jax.numpy as jnp
from jax import lax
from timing import best_ms

DN = ("NCHW", "OIHW", "NCHW")


def conv(x, w, padding):
    return lax.conv_general_dilated(x, w, (1, 1), [(padding, padding)] * 2, dimension_numbers=DN)


def max_pool2(x):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def lenet(p, x):
    h = max_pool2(jax.nn.relu(conv(x, p["c1"], 0) + p["b1"][None, :, None, None]))
    h = max_pool2(jax.nn.relu(conv(h, p["c2"], 0) + p["b2"][None, :, None, None]))
    h = h.reshape(h.shape[0], -1)
    h = jax.nn.relu(h @ p["f1"].T + p["g1"])
    h = jax.nn.relu(h @ p["f2"].T + p["g2"])
    return h @ p["f3"].T + p["g3"]


def loss_fn(p, x, y):
    logp = jax.nn.log_softmax(lenet(p, x))
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))


def adam(loss_fn):
    @jax.jit
    def step(p, m, v, t, x, y):
        loss, g = jax.value_and_grad(loss_fn)(p, x, y)
        t = t + 1
        m = jax.tree_util.tree_map(lambda a, b: 0.9 * a + 0.1 * b, m, g)
        v = jax.tree_util.tree_map(lambda a, b: 0.999 * a + 0.001 * b * b, v, g)
        c1, c2 = 1 - 0.9 ** t, 1 - 0.999 ** t
        p = jax.tree_util.tree_map(lambda q, a, b: q - 1e-3 * (a / c1) / (jnp.sqrt(b / c2) + 1e-8), p, m, v)
        return p, m, v, t, loss
    return step


def text_loss(p, ids, y):
    logits = p["emb"][ids].mean(axis=1) @ p["w"].T + p["b"]
    logp = jax.nn.log_softmax(logits)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))


def batch_norm(x, w, b):
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    return (x - mean) / jnp.sqrt(var + 1e-5) * w[None, :, None, None] + b[None, :, None, None]


def block(p, x):
    h = jax.nn.relu(batch_norm(conv(x, p["w1"], 1), p["s1"], p["t1"]))
    return jax.nn.relu(batch_norm(conv(h, p["w2"], 1), p["s2"], p["t2"]) + x)


block_grads = jax.jit(jax.grad(lambda p, x: block(p, x).sum(), argnums=(0, 1)))
conv_forward = jax.jit(lambda x, w: conv(x, w, 1))


def main():
    k = jax.random.split(jax.random.PRNGKey(3), 12)
    p = {"c1": jax.random.normal(k[0], (6, 1, 5, 5)) * 0.2, "b1": jnp.zeros(6),
         "c2": jax.random.normal(k[1], (16, 6, 5, 5)) * 0.08, "b2": jnp.zeros(16),
         "f1": jax.random.normal(k[2], (120, 256)) * 0.06, "g1": jnp.zeros(120),
         "f2": jax.random.normal(k[3], (84, 120)) * 0.09, "g2": jnp.zeros(84),
         "f3": jax.random.normal(k[4], (10, 84)) * 0.1, "g3": jnp.zeros(10)}
    m = jax.tree_util.tree_map(jnp.zeros_like, p)
    v = jax.tree_util.tree_map(jnp.zeros_like, p)
    x = jax.random.normal(k[5], (64, 1, 28, 28))
    y = jax.random.randint(k[6], (64,), 0, 10)
    state = [p, m, v, jnp.zeros((), jnp.float32)]
    lenet_adam = adam(loss_fn)

    def lenet_step():
        state[0], state[1], state[2], state[3], loss = lenet_adam(*state, x, y)
        return loss

    tp = {"emb": jax.random.normal(k[11], (20000, 64)), "w": jnp.zeros((4, 64)) + 0.01, "b": jnp.zeros(4)}
    text_state = [tp, jax.tree_util.tree_map(jnp.zeros_like, tp), jax.tree_util.tree_map(jnp.zeros_like, tp),
                  jnp.zeros((), jnp.float32)]
    ids = jax.random.randint(k[6], (64, 50), 0, 20000)
    classes = jax.random.randint(k[5], (64,), 0, 4)
    text_adam = adam(text_loss)

    def text_step():
        text_state[0], text_state[1], text_state[2], text_state[3], loss = text_adam(*text_state, ids, classes)
        return loss

    bp = {"w1": jax.random.normal(k[7], (64, 64, 3, 3)) * 0.05, "s1": jnp.ones(64), "t1": jnp.zeros(64),
          "w2": jax.random.normal(k[8], (64, 64, 3, 3)) * 0.05, "s2": jnp.ones(64), "t2": jnp.zeros(64)}
    xb = jax.random.normal(k[9], (8, 64, 56, 56))
    w = jax.random.normal(k[10], (64, 64, 3, 3)) * 0.05
    print(json.dumps({"jax": jax.__version__,
                      "lenet_step_ms": best_ms(lenet_step, 50),
                      "resnet_block_ms": best_ms(lambda: block_grads(bp, xb), 3),
                      "conv3x3_ms": best_ms(lambda: conv_forward(xb, w), 5),
                      "text_step_ms": best_ms(text_step, 50)}))


main()

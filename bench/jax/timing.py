"""Timing the JAX side of the benchmarks the same way in every script."""
import time

import jax


def best_ms(fn, calls, repeats=5):
    """Milliseconds per call: the best of `repeats` timed loops of `calls` calls, after one warm call."""
    jax.block_until_ready(fn())
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            out = fn()
        jax.block_until_ready(out)
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e3

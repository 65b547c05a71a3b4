"""Writes the transforms section of bench/RESULTS.md from what bench/run-transforms.sh collected:
TransformsBenchmark (JMH, best pass) beside bench/jax/transforms.py (best pass).
The section sits between two markers, so bench/report.py keeps it when it rewrites the file."""
import glob
import json
import os
import subprocess
import sys

from sections import cpu, write_section

results, target = sys.argv[1], sys.argv[2]
START, END = "<!-- transforms:start -->", "<!-- transforms:end -->"


def nabla():
    best = {}
    for path in glob.glob(os.path.join(results, "jmh-*.json")):
        for r in json.load(open(path)):
            name = r["benchmark"].rsplit(".", 1)[-1]
            params = r.get("params") or {}
            key = name + "".join(f"[{k}={v}]" for k, v in sorted(params.items()))
            score = r["primaryMetric"]["score"]
            unit = r["primaryMetric"]["scoreUnit"]
            ms = score * {"ms/op": 1, "us/op": 1e-3, "s/op": 1e3, "ns/op": 1e-6}[unit]
            best[key] = min(best.get(key, float("inf")), ms)
    return best


def jax():
    best = {}
    for path in glob.glob(os.path.join(results, "jax-*.json")):
        r = json.load(open(path))
        for k, v in r.items():
            if k.endswith("_ms"):
                best[k] = min(best.get(k, float("inf")), v)
            else:
                best[k] = v
    return best


def fmt(ms):
    return f"{ms * 1e3:.1f} us" if ms < 1 else f"{ms:.2f} ms" if ms < 100 else f"{ms:.0f} ms"


n, j = nabla(), jax()
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
rows = [
    ("Hessian of sum(softplus(A v)) + v.v/2, v in R^100, A 50x100, f64: one call",
     n.get("hessianCall"), j.get("hessian_call_ms")),
    ("the same: from defining it to its first value (build, compile, run)",
     n.get("hessianBuildCompileFirstCall"), j.get("hessian_first_value_ms")),
    ("per-example gradients, MLP 784-256-10, batch 128: vmap(grad)",
     n.get("perExampleGradientsVmap"), j.get("per_example_vmap_ms")),
    ("the same as a loop of 128 single-example gradients",
     n.get("perExampleGradientsLoop"), j.get("per_example_loop_ms")),
]
lines = [START, "## Program transforms beside JAX", "",
         f"Commit {commit}, one thread each (`-Dnabla.threads=1`; JAX {j.get('jax', '?')} jit on XLA:CPU with one"
         " intra-op thread), both sides on core 0 (`taskset -c 0`), best of two passes. Produced by"
         " `JAX_PYTHON=... bench/run-transforms.sh`; machine: " + cpu() + f", {os.cpu_count()} cores.", "",
         "| workload | Nabla | JAX |", "|---|---|---|"]
for title, a, b in rows:
    lines.append(f"| {title} | {fmt(a) if a else '-'} | {fmt(b) if b else '-'} |")
lines += ["",
          "- The Hessian is one batched jvp of the gradient seeded with a symbolic identity: one matrix"
          " product per call besides A v, and a graph of about twenty nodes that compiles in well under a millisecond"
          " (at e1f6bd0, before vmap, the issue measured 100 vjps, 1,012 nodes, 1.6 s to build and compile and 0.91 ms a call).",
          "- Per-example gradients write 128 copies of every weight's gradient (103 MB in f32 for this MLP) on"
          " either side: the work is bounded by memory traffic, so batching cannot beat a loop of calls that"
          " are already cheap (0.23 ms each here); JAX's vmap is slower than its loop too. The issue's target of"
          " vmap(grad) 5 times faster than the loop is not met.",
          "", END]
write_section(target, START, END, "\n".join(lines) + "\n")

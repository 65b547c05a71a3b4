"""Builds the main tables of bench/RESULTS.md, printed, and bench/RESULTS.json from what bench/run.sh
collected: Nabla (JMH) beside PyTorch 1.13 eager, PyTorch 2 eager and torch.compile, and JAX jit.
    report.py RESULTS_DIR [PREVIOUS_RESULTS_MD [JSON_OUT]] > RESULTS.md
The previous file's Notes and its marked sections (<!-- name:start --> ... <!-- name:end -->, which
the other bench/run-*.sh scripts write) are carried over as they are."""
import glob
import json
import os
import re
import sys

results = sys.argv[1]
previous = sys.argv[2] if len(sys.argv) > 2 else None
json_out = sys.argv[3] if len(sys.argv) > 3 else None
TO_US = {"ns/op": 1e-3, "us/op": 1, "ms/op": 1e3, "s/op": 1e6}
PEERS = (("torch113", "torch 1.13 eager"), ("torch2", "torch 2 eager"), ("torch_compile", "torch.compile"),
         ("jax", "JAX jit"))


def jmh(threads, best=True):
    """Scores by benchmark key, over every pass's file: (score, unit). best: the best iteration of
    any pass (lowest time, highest throughput), as the peers take the best of their repeats; else
    JMH's mean over one pass's iterations."""
    rows = {}
    paths = sorted(glob.glob(os.path.join(results, "jmh-%s-*.json" % threads)))
    paths += [p for p in [os.path.join(results, "jmh-%s.json" % threads)] if os.path.exists(p)]
    for path in paths:
        for r in json.load(open(path)):
            name = r["benchmark"].rsplit(".", 2)[-2] + "." + r["benchmark"].rsplit(".", 1)[-1]
            params = r.get("params") or {}
            key = name + "".join("[%s=%s]" % kv for kv in sorted(params.items()))
            metric = r["primaryMetric"]
            score = metric["score"]
            higher = r["mode"] == "thrpt"
            if best and metric.get("rawData"):
                iterations = [v for fork in metric["rawData"] for v in fork]
                score = max(iterations) if higher else min(iterations)
            if key not in rows or (score > rows[key][0] if higher else score < rows[key][0]):
                rows[key] = (score, metric["scoreUnit"])
    return rows


def jvm():
    for path in sorted(glob.glob(os.path.join(results, "jmh-*.json"))):
        for r in json.load(open(path)):
            return "%s %s" % (r.get("vmName", "?"), r.get("vmVersion", r.get("jdkVersion", "?")))
    return "?"


def peer(name, threads):
    """A peer's figures over every pass: the lowest time and the highest GFLOP/s."""
    merged = {}
    for path in sorted(glob.glob(os.path.join(results, "%s-%d-*.json" % (name, threads)))):
        for key, value in json.load(open(path)).items():
            if key not in merged or not isinstance(value, (int, float)):
                merged.setdefault(key, value)
            elif key.endswith("_gflops"):
                merged[key] = max(merged[key], value)
            else:
                merged[key] = min(merged[key], value)
    return merged


def environment():
    path = os.path.join(results, "env.txt")
    return dict(line.rstrip("\n").split("=", 1) for line in open(path) if "=" in line) if os.path.exists(path) else {}


# (title, JMH key, peers' key, torch.compile's keys (the best is taken), unit, target). A target is
# (ratio on 1 thread, on 2, reference): the reference's time over Nabla's must reach the ratio.
# References: best (every peer), torch113, torch_compile, jax, blas (torch 1.13's OpenBLAS and XLA).
# The seed's rows keep their target against the tutorial's own tool, eager PyTorch; the best-peer
# column shows where JAX's jit stands.
SEED, MLP = (100, 100, "torch113"), (1.3, 1.0, "jax")
WORKLOADS = [
    ("seed: y = x^2 and dy/dx", "SeedScalarBenchmark.firstDerivative", "firstDerivative_us", (), "us", SEED),
    ("seed: dy/dx and d2y/dx2", "SeedScalarBenchmark.secondDerivative", "secondDerivative_us", (), "us", SEED),
    ("seed: both partials", "SeedScalarBenchmark.partials", "partials_us", (), "us", SEED),
    ("seed: dy/dx through run.function(dy, x)", "SeedScalarBenchmark.firstDerivativeFunction",
     "firstDerivative_us", (), "us", SEED),
    ("seed: dz/dy through run.function(dzdy, x, y)", "SeedScalarBenchmark.partialFunction", "partials_us", (),
     "us", SEED),
    ("seed SGD, per step (10,000 steps)", "SgdStepBenchmark.tenThousandSteps", "sgdStep_us", (), "us", SEED),
]
for size in (1 << 20, 1 << 24):
    WORKLOADS.append(("fused chain, %dM f32" % (size >> 20), "FusedChainBenchmark.fusedChain[size=%d]" % size,
                      "fusedChain_%d_ms" % size, ("fusedChain_%d_compile_ms" % size,
                                                  "fusedChain_%d_compile_out_ms" % size), "ms",
                      (1.2, 1.2, "torch_compile")))
WORKLOADS.append(("MLP 784-256-10 training step, batch 128", "MlpStepBenchmark.trainingStep", "mlpStep_ms",
                  ("mlpStep_compile_ms",), "ms", MLP))
for prefix, sizes in (("sgemm", ((128, 256, 10), (128, 784, 256), (512, 512, 512), (512, 1024, 512),
                                 (1024, 1024, 1024), (2048, 2048, 2048))),
                      ("dgemm", ((1024, 1024, 1024), (2048, 2048, 2048)))):
    for m, k, n in sizes:
        WORKLOADS.append(("%s %dx%d·%dx%d" % (prefix.upper(), m, k, k, n),
                          "GemmBenchmark.%s[shape=%dx%dx%d][threads={threads}]" % (prefix, m, k, n),
                          "%s_%dx%dx%d_ms" % (prefix, m, k, n), (), "ms", (1.0, 1.0, "blas")))
REFERENCES = {"torch113": "PyTorch 1.13 eager", "best": "best peer", "torch_compile": "torch.compile", "jax": "JAX jit", "blas": "OpenBLAS, XLA"}


def cell(value, unit):
    return "–" if value is None else ("%.3f %s" % (value, unit) if value < 100 else "%.1f %s" % (value, unit))


def flops(key):
    """2 m n k of a GemmBenchmark key, else None."""
    match = re.search(r"shape=(\d+)x(\d+)x(\d+)", key)
    return 2 * int(match[1]) * int(match[2]) * int(match[3]) if match else None


def table(threads, peaks, entries):
    nabla = jmh(threads)
    t1, t2, jx = peer("torch113", threads), peer("torch2", threads), peer("jax", threads)
    print("## %d thread%s\n" % (threads, "" if threads == 1 else "s"))
    print("| workload | Nabla | " + " | ".join(label for _, label in PEERS) + " | best peer / Nabla | target |")
    print("|---|---|---|---|---|---|---|---|")
    for title, key, pkey, ckeys, unit, (one, two, reference) in WORKLOADS:
        key = key.replace("{threads}", str(threads))
        n = nabla.get(key)
        mine = n[0] * TO_US[n[1]] / TO_US[unit + "/op"] if n else None
        compiled = [t2[c] for c in ckeys if c in t2]
        peers = {"torch113": t1.get(pkey), "torch2": t2.get(pkey), "torch_compile": min(compiled, default=None),
                 "jax": jx.get(pkey)}
        present = {name: v for name, v in peers.items() if v is not None}
        best = min(present, key=present.get) if present else None
        ratio = present[best] / mine if best and mine else None
        if reference == "best":
            ref = present.get(best)
        elif reference == "blas":
            ref = min([v for v in (peers["torch113"], peers["jax"]) if v is not None], default=None)
        else:
            ref = peers[reference]
        target = one if threads == 1 else two
        target_ratio = ref / mine if ref and mine else None
        met = None if target_ratio is None else target_ratio >= target
        work = flops(key)
        cells = [cell(mine, unit)]
        if work and mine:
            gflops = work / (mine / 1e3) / 1e9
            peak = peaks.get(key.split(".")[1][:5])
            cells[0] += " (%.0f GFLOP/s%s)" % (gflops, ", %.0f%% of peak" % (100 * gflops / (peak * threads))
                                               if peak else "")
        for name, _ in PEERS:
            v = peers[name]
            cells.append(cell(v, unit) + (" (%.0f GFLOP/s)" % (work / (v / 1e3) / 1e9) if work and v else ""))
        goal = "≥ %s× %s" % (target, REFERENCES[reference])
        verdict = "–" if met is None else "%.2f×%s" % (target_ratio, "" if met else ", **missed**")
        cells += ["–" if ratio is None else "%.2f×" % ratio, "%s (%s)" % (goal, verdict)]
        print("| %s | %s |" % (title, " | ".join(cells)))
        entries.append({"workload": title, "threads": threads, "unit": unit, "nabla": mine, "peers": peers,
                        "best_peer": best, "ratio_to_best_peer": ratio, "target": goal,
                        "ratio_to_target_reference": target_ratio, "met": met})
    if "sgdStep_foriloop_us" in jx:
        print("\nJAX's SGD with its 10,000 steps inside one jit (`lax.fori_loop`) rather than called one by one:"
              " %.4f us per step." % jx["sgdStep_foriloop_us"])
    compile_rows = [(k, v) for k, v in nabla.items() if k.startswith("CompileLatency")]
    if compile_rows:
        cold = jmh("cold", best=False)
        print("\nCompile latency (build the graph, differentiate, simplify, lower, generate and load code,"
              " first run; target ≤ 20 ms warm):\n")
        for k, v in compile_rows:
            c = cold.get(k)
            print("- %s: %.1f %s warm%s" % (k.split(".")[1], v[0], v[1],
                                            ", %.1f %s cold (first call in a fresh JVM)" % c if c else ""))
    print()


def main():
    env = environment()
    t1, t2, jx = peer("torch113", 1), peer("torch2", 1), peer("jax", 1)
    print("# Benchmark results\n")
    if env.get("quick") == "1":
        print("**A QUICK=1 run, to check bench/run.sh: these numbers are not results.**\n")
    passes = int(env.get("passes", 1))
    print("Commit %s, %s. Produced by `bench/run.sh` on %s (%s, %s cores), %s; load average (1, 5, 15 minutes)"
          " before %s, after %s. The sides took turns, %d pass%s, each figure that side's best: Nabla's the best"
          " JMH iteration (`%s`, an average time per operation), `-Dnabla.threads=N`; the peers' the best of"
          " their timed loops (an average over many calls). Every command ran pinned to N cores"
          " (`taskset -c 0-(N-1)`), the peers with N threads (`torch.set_num_threads`, `OMP_NUM_THREADS`,"
          " `OPENBLAS_NUM_THREADS`, `XLA_FLAGS`) and without `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE`.\n"
          % (env.get("commit", "?"), env.get("date", "?"), env.get("host", "?"), env.get("cpu", "?"),
             env.get("cores", "?"), jvm(), env.get("load_before", "?"), env.get("load_after", "?"), passes,
             "" if passes == 1 else "es", env.get("jmh_timing", "?")))
    print("Peers: torch 1.13 eager is Debian's PyTorch %s (matrix products in OpenBLAS),"
          " `bench/pytorch/workloads.py`; torch 2 eager and torch.compile are PyTorch %s (BLAS: %s), the same"
          " script with `--compile`: torch.compile (inductor) of the fused chain (the better of returning a new"
          " tensor and writing into a preallocated one) and of the MLP's forward pass and loss, whose backward it"
          " compiles too (SGD step eager); JAX jit is JAX %s on XLA:CPU, `bench/jax/workloads.py` (each seed call"
          " waits for its result; SGD: a jitted step called 10,000 times; MLP: one jit of value_and_grad and"
          " the update, parameters donated). Seed scalars and GEMM have no torch.compile figure. Ratios: the"
          " peer's time over Nabla's (above 1: Nabla is faster); targets from issue 16.\n"
          % (t1.get("torch", "?"), t2.get("torch", "?"), t2.get("blas", "?"), jx.get("jax", "?")))
    commands = os.path.join(results, "commands.txt")
    if os.path.exists(commands):
        print("Commands (the first pass; later passes differ only in their output files):\n\n```")
        print(open(commands).read().rstrip("\n"))
        print("```\n")
    # The fma peak of one core (FmaPeakBenchmark, in GFLOP/s), times the threads for two.
    one = jmh(1)
    peaks = {name: one[key][0] for name, key in (("sgemm", "FmaPeakBenchmark.floatPeak"),
                                                 ("dgemm", "FmaPeakBenchmark.doublePeak")) if key in one}
    if peaks:
        print("FMA peak of one core (`FmaPeakBenchmark`: 24 vector fma chains in registers): %s.\n"
              % ", ".join("%.0f GFLOP/s %s" % (v, "float" if k == "sgemm" else "double") for k, v in peaks.items()))
    entries = []
    for threads in (1, 2):
        table(threads, peaks, entries)
    if json_out:
        with open(json_out, "w") as f:
            json.dump(entries, f, indent=1, ensure_ascii=False)
            f.write("\n")


main()
old = open(previous).read() if previous and os.path.exists(previous) else ""
# The Notes, up to the first marked section, and the marked sections, as they are.
notes = re.search(r"^## Notes\n.*?(?=^<!-- \w+:start -->|\Z)", old, re.M | re.S)
print(notes[0].rstrip("\n") if notes else "## Notes\n\n- (none yet)")
for section in re.finditer(r"<!-- (\w+):start -->.*?<!-- \1:end -->", old, re.S):
    print()
    print(section[0])

"""Writes the memory section of bench/RESULTS.md from what bench/run-memory.sh collected: bytes
allocated per operation (JMH's gc profiler, gc.alloc.rate.norm) and the soak run's summary line.
The section sits between two markers, so bench/report.py keeps it when it rewrites the file."""
import json
import os
import subprocess
import sys

from sections import write_section

results, target = sys.argv[1], sys.argv[2]
START, END = "<!-- memory:start -->", "<!-- memory:end -->"

TITLES = {
    "SeedScalarBenchmark.firstDerivative": "seed: y = x^2 and dy/dx, `eval`",
    "SeedScalarBenchmark.secondDerivative": "seed: dy/dx and d2y/dx2, `eval`",
    "SeedScalarBenchmark.partials": "seed: both partials, `eval`",
    "SeedScalarBenchmark.firstDerivativeFunction": "seed: dy/dx through `run.function(dy, x)`",
    "SeedScalarBenchmark.partialFunction": "seed: dz/dy through `run.function(dzdy, x, y)`",
    "SgdStepBenchmark.tenThousandSteps": "seed SGD, one step (of 10,000 per call)",
    "MlpStepBenchmark.trainingStep": "MLP 784-256-10 training step, batch 128",
}


def rows():
    out = []
    for r in json.load(open(os.path.join(results, "jmh-gc.json"))):
        name = r["benchmark"].rsplit(".", 2)[-2] + "." + r["benchmark"].rsplit(".", 1)[-1]
        norm = r["secondaryMetrics"].get("gc.alloc.rate.norm")
        if name in TITLES and norm:
            out.append((TITLES[name], norm["score"], r["primaryMetric"]["score"], r["primaryMetric"]["scoreUnit"]))
    return out


def soak():
    for line in open(os.path.join(results, "soak.txt")):
        if line.startswith("{"):
            return json.loads(line)
    return None


def section():
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    when = subprocess.run(["date", "-u", "+%Y-%m-%d"], capture_output=True, text=True).stdout.strip()
    lines = [START, "## Memory", "",
             "Commit %s, %s, one thread. Produced by `bench/run-memory.sh`: bytes allocated per operation as"
             " JMH's gc profiler counts them (`gc.alloc.rate.norm`, after warm-up), and a soak run of"
             " `dev.nabla.bench.Soak` in a fixed heap." % (commit, when), "",
             "| operation | bytes allocated per operation | time per operation |", "|---|---|---|"]
    for title, norm, score, unit in rows():
        lines.append("| %s | %.0f | %.3f %s |" % (title, norm, score, unit))
    s = soak()
    if s:
        lines += ["", "Soak: %d training steps of the digits network (64-32-10, Adam, batches of 64, synthetic"
                  " data) with `-Xmx%dm`: %.0f steps/s, %.0f bytes allocated per step after step 1,000; used"
                  " heap after a full collection %d bytes at step 1,000 and %d bytes at the end (%s)."
                  % (s["steps"], s["maxHeap"] // (1 << 20), s["stepsPerSecond"], s["bytesPerStep"],
                     s["heapAt1000"], s["heapEnd"], "flat" if s["flat"] else "GREW"),
                  "",
                  "The soak's bytes per step vary from run to run (2.9 to 32 KB seen on this machine, 200,000"
                  " to 1,000,000 steps): JFR places them in the generated SIMD kernels of the Adam update and"
                  " the softmax, where C2 sometimes compiles a kernel without intrinsifying its Vector API calls"
                  " (`-XX:+PrintInlining`: `FloatVector::lanewise ... no static binding`, `VectorSupport::load"
                  " ... callee is too large`), so that its vectors are boxed. The MLP step above, whose kernels"
                  " are larger, stays under 1 KB. Not resolved yet."]
    lines.append(END)
    return "\n".join(lines) + "\n"


write_section(target, START, END, section())

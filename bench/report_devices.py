"""Builds bench/RESULTS-devices.md from the JMH results of bench/run-devices.sh."""
import json
import os
import subprocess
import sys

path, devices = sys.argv[1], sys.argv[2].split(",")
rows = {}
for r in json.load(open(path)):
    name = r["benchmark"].rsplit(".", 1)[-1]
    rows[(name, r["params"]["device"])] = (r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"])

WORKLOADS = [
    ("matmulFed", "matmul 512x1024·1024x512, operands fed from the host"),
    ("matmulOnDevice", "matmul 512x1024·1024x512, operands already on the device"),
    ("fusedChain", "fused chain sin(x)·exp(-x²) + 3x², 1M f32 (the same input each call, which stays on the device)"),
    ("mlpStep", "MLP 784-256-10 SGD step, batch 128 (parameters stay on the device)"),
]

cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                     capture_output=True, text=True).stdout.strip()
# Where no git is (the GPU kit's run), the caller names the commit and how the devices were run.
commit = os.environ.get("NABLA_COMMIT") or subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                                                          capture_output=True, text=True).stdout.strip()
note = os.environ.get("DEVICE_NOTE", "No GPU has run this yet: a TornadoVM device here is PoCL's OpenCL"
                      " driver on the same CPU, a correctness test bed.")
print("# Benchmark results on each device\n")
print("Commit %s, %s, `TORNADOVM_HOME=... bench/run-devices.sh`: JMH, 1 fork, 5 warm-up and 5 measured"
      " iterations of 1 s, milliseconds per call (± JMH's 99.9%% error), every result read back to the host."
      " TornadoVM JIT-compiles during warm-up. Every call returns a new result array (eval), so the"
      " JVM's fused-chain figure includes writing 4 MB of fresh memory; bench/RESULTS.md has the"
      " JVM's figures into reused arrays, beside PyTorch's. %s\n" % (commit, cpu, note))
print("| workload | " + " | ".join(devices) + " |")
print("|---|" + "---|" * len(devices))
for key, title in WORKLOADS:
    cells = []
    for d in devices:
        v = rows.get((key, d))
        cells.append("—" if v is None else "%.3f ± %.3f ms" % v)
    print("| %s | %s |" % (title, " | ".join(cells)))

"""Writes the CNN section of bench/RESULTS.md from what bench/run-cnn.sh collected: CnnBenchmark
(JMH) beside PyTorch 1.13 eager, PyTorch 2 eager and torch.compile, and JAX jit, per thread count.
The section sits between two markers, so bench/report.py keeps it when it rewrites the file."""
import datetime
import json
import os
import subprocess
import sys

from sections import cpu, write_section

results, target = sys.argv[1], sys.argv[2]
START, END = "<!-- cnn:start -->", "<!-- cnn:end -->"
ROWS = [("leNet5TrainingStep", "lenet_step", "LeNet-5 training step (batch 64, 1x28x28, Adam)"),
        ("resNetBlockForwardBackward", "resnet_block", "ResNet basic block forward + backward (batch 8, 64x56x56)"),
        ("conv3x3Forward", "conv3x3", "conv2d 3x3 64->64 forward (8x64x56x56)"),
        ("textClassifierTrainingStep", "text_step", "embedding + mean + linear training step (64x50 ids, Adam)")]
UNIT_MS = {"ms/op": 1, "us/op": 1e-3, "s/op": 1e3}


def load(name):
    path = os.path.join(results, name)
    return json.load(open(path)) if os.path.exists(path) else {}


def nabla(threads):
    """Each benchmark's best measured iteration and JMH's mean, in ms: the peers report their best
    timed loop, so the best iteration is the like-for-like figure; the mean shows the noise."""
    scores = {}
    for r in load(f"jmh-{threads}.json") or []:
        metric = r["primaryMetric"]
        unit = UNIT_MS[metric["scoreUnit"]]
        best = min(v for fork in metric["rawData"] for v in fork)
        scores[r["benchmark"].rsplit(".", 1)[-1]] = (best * unit, metric["score"] * unit)
    return scores


def fmt(v):
    return "–" if v is None else (f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 100 else f"{v:.0f}")


commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
lines = [START, "## Convolutions, embeddings and training steps beside PyTorch and JAX", "",
         f"Measured {datetime.date.today()} on {cpu()} at {commit} by `bench/run-cnn.sh` (load average before, after: "
         f"{open(os.path.join(results, 'load.txt')).read().strip()}). Milliseconds per call; Nabla: JMH "
         "(CnnBenchmark, -Dnabla.threads=N, 20 s of warm-up): the best of its five measured iterations, JMH's "
         "mean of them in parentheses; peers: best of five timed loops, pinned to N cores. "
         "Ratio: the best peer's time over Nabla's (above 1: Nabla is faster).", ""]
for threads in (1, 2):
    n = nabla(threads)
    t1, t2, jx = load(f"torch1-{threads}.json"), load(f"torch2-{threads}.json"), load(f"jax-{threads}.json")
    lines += [f"**{threads} thread{'s' if threads > 1 else ''}** (torch {t1.get('torch', '?')} and "
              f"{t2.get('torch', '?')}, jax {jx.get('jax', '?')})", "",
              "| workload | Nabla | torch 1.13 eager | torch 2 eager | torch.compile | JAX jit | best peer / Nabla |",
              "|---|---|---|---|---|---|---|"]
    for bench, key, label in ROWS:
        peers = [t1.get(key + "_eager_ms"), t2.get(key + "_eager_ms"), t2.get(key + "_compile_ms"), jx.get(key + "_ms")]
        mine, mean = n.get(bench, (None, None))
        best = min([p for p in peers if p is not None], default=None)
        ratio = f"{best / mine:.2f}" if best and mine else "–"
        shown = fmt(mine) if mean is None else f"{fmt(mine)} ({fmt(mean)})"
        lines.append(f"| {label} | {shown} | " + " | ".join(fmt(p) for p in peers) + f" | {ratio} |")
    lines.append("")
lines += ["Where the time goes (one thread; each runner of the LeNet-5 step timed apart at 9b71690, a probe "
          "outside the repository): conv2's input gradient 0.62-0.65 ms (packed: 16-deep products added back "
          "window by window; the direct path measured no faster, its 6 output channels filling 6 rows of 8 in "
          "its tile), conv2's weight gradient 0.43-0.54 ms and conv1's 0.23-0.27 ms (both summed over the batch in "
          "one pass, SummedWeightGradient), the forward convolutions 0.14-0.27 ms each, and max pooling's stored "
          "windows, copied and summed back, about 0.4 ms for both pools; the pools' first-maximum masks, a min "
          "reduction of 0.2-0.35 ms until 9b71690, are now one elementwise pass of under 25 us each. Stride-1 "
          "convolutions run direct (gemm/DirectConvolution): the input is copied once, padded so that every "
          "window row is a contiguous run, and the kernels read those runs in place; the 3x3 64->64 forward is "
          "nine-tenths micro-kernel (8x3 vector tiles), 1.85 GFLOP in 10-11 ms, 75-83% of the core's fma peak. "
          "The text classifier's step is over half Adam's three passes over the 1.28M-element table. Two threads "
          "split a convolution's images; the 3x3 forward scales 1.4x where the peers' oneDNN scales 2x.", "",
          "This VM is noisy, the peers as much as Nabla: torch 2 eager's LeNet-5 step read 4.61 ms on "
          "2026-12-03, 14.2 and 21.4 ms in two runs on 2026-12-04 (the second above); torch 1.13 eager's "
          "3.84, 3.43 and 4.06 ms. The run before this one (at 3a953bc, before the pooling change) gave Nabla "
          "2.59 ms best (2.66 mean) for LeNet-5 on one thread against torch 1.13's 3.43 (1.32x) and JAX's 6.80. "
          "Warm-up is 20 s because on one pinned core the JIT's compiler threads share the core with the "
          "steps: with 10 s the LeNet-5 iterations were still falling (3.8, 3.4, 3.4, 2.7, 2.6 ms).", ""]
lines.append(END)
write_section(target, START, END, "\n".join(lines) + "\n")

"""Writes the Taylor-mode section of bench/RESULTS.md from what bench/run-taylor.sh collected:
JMH's warm and cold times of TaylorBenchmark and the node counts its main printed. The section
sits between two markers, so bench/report.py keeps it when it rewrites the file."""
import json
import os
import subprocess
import sys

from sections import cpu, write_section

results, target = sys.argv[1], sys.argv[2]
START, END = "<!-- taylor:start -->", "<!-- taylor:end -->"


def scores(name):
    """(method, n) -> (score, error, unit) from one JMH result file."""
    out = {}
    for r in json.load(open(os.path.join(results, name))):
        method = r["benchmark"].rsplit(".", 1)[-1]
        n = int(r["params"]["n"])
        m = r["primaryMetric"]
        out[(method, n)] = (m["score"], m["scoreError"], m["scoreUnit"])
    return out


def nodes():
    """n -> (Taylor nodes, nested grad nodes or None), from the main's table."""
    out = {}
    for line in open(os.path.join(results, "nodes.txt")):
        fields = line.split()
        if fields and fields[0].isdigit():
            out[int(fields[0])] = (int(fields[1]), int(fields[2]) if len(fields) > 2 else None)
    return out


def cell(table, method, n):
    if (method, n) not in table:
        return "—"
    score, error, unit = table[(method, n)]
    digits = 3 if score < 10 else 1 if score < 1000 else 0
    text = "%.*f %s" % (digits, score, unit.replace("/op", ""))
    return text + (" ± %.*f" % (digits, error) if error == error else "")


def section():
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    when = subprocess.run(["date", "-u", "+%Y-%m-%d"], capture_output=True, text=True).stdout.strip()
    load = open(os.path.join(results, "load.txt")).read().strip() if os.path.exists(
        os.path.join(results, "load.txt")) else "not recorded"
    warm, cold, counts = scores("jmh-warm.json"), scores("jmh-cold.json"), nodes()
    orders = sorted({n for (_, n) in list(warm) + list(cold)})
    lines = [START, "## Taylor mode: the n-th derivative of tanh", "",
             "Commit %s, %s, one thread (`-Dnabla.threads=1`), JDK 25, on %s (%d cores visible, a shared VM;"
             " load average before and after the run: %s). Produced by `bench/run-taylor.sh`"
             " (`TaylorBenchmark`): d^n tanh at x = 0.5 from nothing to its value, a fresh graph each time:"
             " build, differentiate, compile (lowering, code generation, class loading) and evaluate once."
             " Each operation adds 1e-300 times a counter to x (which leaves x unchanged in f64), so its program"
             " has a structure of its own and the JVM backend's code cache, keyed by structure, never serves an"
             " earlier operation's code. Warm: JMH's average time over 2 forks of 10 one-second iterations"
             " after 5 of warm-up, ± JMH's 99.9%% error; cold: the first call in a fresh JVM, which includes"
             " loading Nabla's classes (mean of 5 JVMs). Taylor mode is `Nabla.derivative(y, x, n)`; nested"
             " grad is `grad` applied n times, measured where it is feasible (its graph grows about 2.1 times"
             " per order)." % (commit, when, cpu(), os.cpu_count(), load), "",
             "| n | Taylor mode: nodes | warm | cold | nested grad: nodes | warm | cold |",
             "|---|---|---|---|---|---|---|"]
    for n in orders:
        taylor_nodes, grad_nodes = counts.get(n, (None, None))
        lines.append("| %d | %s | %s | %s | %s | %s | %s |" % (
            n, taylor_nodes if taylor_nodes is not None else "—",
            cell(warm, "taylor", n), cell(cold, "taylor", n),
            grad_nodes if grad_nodes is not None else "—",
            cell(warm, "nestedGrad", n), cell(cold, "nestedGrad", n)))
    lines += ["",
              "Nodes of d^n tanh (the program's nodes, constants and the variable included), n = 1 to 30, Taylor"
              " mode: " + " ".join(str(counts[n][0]) for n in sorted(counts)) + "; nested grad, n = 1 to 12: "
              + " ".join(str(counts[n][1]) for n in sorted(counts) if counts[n][1] is not None) + ".",
              "",
              "For reference only, not measured here: the issue that asked for Taylor mode quotes JAX for d^10 tanh"
              " with nested `jax.grad`, as measured by the issue's author: 10.7 s to compile, 23,806 HLO ops,"
              " 23 µs a call.",
              END]
    return "\n".join(lines) + "\n"


write_section(target, START, END, section())

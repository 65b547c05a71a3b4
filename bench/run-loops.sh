#!/usr/bin/env bash
# Loops in the graph beside JAX on one thread: LoopBenchmark (JMH) and bench/jax/loops.py, taking
# turns PASSES times (default 2), each side keeping its best; then the first RNN gradient in fresh
# processes (3 JVMs per benchmark, 3 Python processes per T). Writes bench/target/results-loops
# and the loops section of bench/RESULTS.md (bench/report_loops.py).
# Needs a Python with jax and jaxlib (CPU wheels): JAX_PYTHON=/path/to/venv/bin/python.
# Usage: JAX_PYTHON=... bench/run-loops.sh   (from the repository root; ~6 minutes a pass)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/target/results-loops
passes=${PASSES:-2}
python=${JAX_PYTHON:?set JAX_PYTHON to a python with jax installed}
rm -rf "$out"
mkdir -p "$out"
# The machine may be shared: the load average goes into the report.
load() { cut -d' ' -f1-3 /proc/loadavg; }
before=$(load)
# One XLA thread, as -Dnabla.threads=1; OpenBLAS's slow-down variables unset.
jax() {
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
        taskset -c 0 "$python" bench/jax/loops.py "$@"
}
mvn -q -pl bench -am -DskipTests package
for pass in $(seq 1 "$passes"); do
    # Both sides on core 0: one thread of work each, and their JIT and compiler threads share it.
    # Iterations as LoopBenchmark's annotations say (its unrolled gradient warms up longer).
    taskset -c 0 mvn -q -pl bench -am -Pbench -DskipTests package \
        -Djmh.args="LoopBenchmark -f 1 -rf json -rff target/results-loops/jmh-$pass.json -jvmArgsAppend '--add-modules=jdk.incubator.vector -Dnabla.threads=1'"
    jax > "$out/jax-$pass.json"
done
# Cold: the first gradient as the first thing a fresh process does (after loading the libraries).
taskset -c 0 mvn -q -pl bench -am -Pbench -DskipTests package \
    -Djmh.args="LoopBenchmark.rnn.*FirstGradient$ -bm ss -tu ms -wi 0 -i 1 -f 3 -rf json -rff target/results-loops/jmh-cold.json -jvmArgsAppend '--add-modules=jdk.incubator.vector -Dnabla.threads=1'"
for t in 100 1000 10000; do
    for run in 1 2 3; do
        jax --cold "$t" > "$out/jax-cold-$t-$run.json"
    done
done
echo "$before, $(load)" > "$out/load.txt"
/usr/bin/python3 bench/report_loops.py "$out" bench/RESULTS.md
echo "wrote the loops section of bench/RESULTS.md"

#!/usr/bin/env bash
# Convolutional workloads beside PyTorch (1.13 eager; 2.x eager and torch.compile) and JAX jit, on
# 1 and 2 threads, taking turns: CnnBenchmark (JMH), bench/pytorch/cnn.py, bench/jax/cnn.py.
# Writes bench/target/results-cnn and the CNN section of bench/RESULTS.md (bench/report_cnn.py).
# Needs: TORCH2_PYTHON (a python with torch 2.x, CPU wheel) and JAX_PYTHON (jax, jaxlib);
# PyTorch 1.13 is Debian's /usr/bin/python3.
# Usage: TORCH2_PYTHON=... JAX_PYTHON=... bench/run-cnn.sh   (from the repository root; ~15 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/target/results-cnn
torch2=${TORCH2_PYTHON:?set TORCH2_PYTHON to a python with torch 2 installed}
jax=${JAX_PYTHON:?set JAX_PYTHON to a python with jax installed}
rm -rf "$out"
mkdir -p "$out"
load() { cut -d' ' -f1-3 /proc/loadavg; }
before=$(load)
# The peers without OpenBLAS's slow-down variables, pinned to as many cores as threads.
peer() {
    local threads=$1; shift
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS="$threads" \
        XLA_FLAGS="--xla_cpu_multi_thread_eigen=$([ "$threads" = 1 ] && echo false || echo true) intra_op_parallelism_threads=$threads" \
        taskset -c "0-$((threads - 1))" "$@"
}
mvn -q -pl bench -am -DskipTests package
for threads in 1 2; do
    taskset -c "0-$((threads - 1))" mvn -q -pl bench -am -Pbench -DskipTests package \
        -Djmh.args="CnnBenchmark -f 1 -rf json -rff target/results-cnn/jmh-$threads.json -jvmArgsAppend '--add-modules=jdk.incubator.vector -Dnabla.threads=$threads'"
    peer "$threads" /usr/bin/python3 bench/pytorch/cnn.py "$threads" > "$out/torch1-$threads.json"
    peer "$threads" "$torch2" bench/pytorch/cnn.py "$threads" > "$out/torch2-$threads.json"
    (cd bench/jax && peer "$threads" "$jax" cnn.py) > "$out/jax-$threads.json"
done
echo "$before, $(load)" > "$out/load.txt"
/usr/bin/python3 bench/report_cnn.py "$out" bench/RESULTS.md
echo "wrote the CNN section of bench/RESULTS.md"

#!/usr/bin/env bash
# The program transforms beside JAX on one thread: TransformsBenchmark (JMH) and
# bench/jax/transforms.py, taking turns PASSES times (default 2), each side keeping its best;
# writes the transforms section of bench/RESULTS.md.
# Needs a Python with jax and jaxlib (CPU wheels): JAX_PYTHON=/path/to/venv/bin/python.
# Usage: JAX_PYTHON=... bench/run-transforms.sh   (from the repository root; ~5 minutes a pass)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/target/results-transforms
passes=${PASSES:-2}
python=${JAX_PYTHON:?set JAX_PYTHON to a python with jax installed}
rm -rf "$out"
mkdir -p "$out"
mvn -q -pl bench -am -DskipTests package
for pass in $(seq 1 "$passes"); do
    # Both sides on core 0: one thread of work each, and their JIT and compiler threads share it.
    taskset -c 0 mvn -q -pl bench -am -Pbench -DskipTests package \
        -Djmh.args="TransformsBenchmark -f 1 -wi 5 -i 5 -w 1 -r 1 -rf json -rff target/results-transforms/jmh-$pass.json -jvmArgsAppend '--add-modules=jdk.incubator.vector -Dnabla.threads=1'"
    # One XLA thread, as -Dnabla.threads=1; OpenBLAS's slow-down variables unset.
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
        taskset -c 0 "$python" bench/jax/transforms.py > "$out/jax-$pass.json"
done
/usr/bin/python3 bench/report_transforms.py "$out" bench/RESULTS.md
echo "wrote the transforms section of bench/RESULTS.md"

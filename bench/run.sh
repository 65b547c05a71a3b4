#!/usr/bin/env bash
# The main table of bench/RESULTS.md: Nabla's JMH benchmarks beside the same workloads in PyTorch
# 1.13 eager (Debian's python3-torch, OpenBLAS), PyTorch 2 eager and torch.compile, and JAX jit,
# on 1 and 2 threads. Writes bench/RESULTS.md (bench/report.py keeps its Notes and the sections
# the other run-*.sh scripts write) and bench/RESULTS.json.
# Nabla: SeedScalarBenchmark (the table's five methods), SgdStepBenchmark, FusedChainBenchmark,
# MlpStepBenchmark, GemmBenchmark and CompileLatencyBenchmark with -Dnabla.threads=N (and
# -p threads=N, which JMH applies to GemmBenchmark, the one with that parameter);
# FmaPeakBenchmark and the cold compile latency (five fresh JVMs) once.
# Peers: bench/pytorch/workloads.py (torch 2 with --compile) and bench/jax/workloads.py.
# Every command is pinned to N cores (taskset -c 0-(N-1)); the peers get N threads
# (torch.set_num_threads, OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, XLA_FLAGS) and run without
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, with which OpenBLAS picks a slower, older kernel.
# The sides take turns, PASSES times (default 2), and each keeps its best: a shared VM's speed
# drifts within minutes, and one slow window would otherwise decide a whole side.
# Needs: TORCH2_PYTHON (a python with torch 2.x) and JAX_PYTHON (a python with jax, jaxlib);
# PyTorch 1.13 is Debian's /usr/bin/python3.
# Usage (from the repository root; about 12 minutes a pass, 25 for the default two):
#   TORCH2_PYTHON=... JAX_PYTHON=... bench/run.sh
#   PASSES=1 TORCH2_PYTHON=... JAX_PYTHON=... bench/run.sh
#   QUICK=1 ...    one pass, one short JMH iteration and fewer peer repeats, to check the script
#                  end to end: writes bench/target/results-quick/RESULTS.md.quick and
#                  RESULTS.json.quick, never bench/RESULTS.md (its numbers are not results)
#   MVN_FLAGS=-o ...   extra Maven flags (e.g. offline)
set -euo pipefail
cd "$(dirname "$0")/.."
torch2=${TORCH2_PYTHON:?set TORCH2_PYTHON to a python with torch 2 installed}
jax=${JAX_PYTHON:?set JAX_PYTHON to a python with jax installed}
read -r -a mvn_flags <<< "${MVN_FLAGS:-}"
if [ "${QUICK:-0}" = 1 ]; then
    out=bench/target/results-quick
    passes=1
    timing="-wi 1 -i 1 -w 200ms -r 200ms"
    cold_forks=1
    quick=(--quick)
else
    out=bench/target/results
    passes=${PASSES:-2}
    timing="-wi 5 -i 5 -w 1 -r 1"
    cold_forks=5
    quick=()
fi
# The main table's benchmarks (JMH takes each as a regular expression over the full name).
main="SeedScalarBenchmark.firstDerivative\$ SeedScalarBenchmark.secondDerivative\$ SeedScalarBenchmark.partials\$"
main+=" SeedScalarBenchmark.firstDerivativeFunction\$ SeedScalarBenchmark.partialFunction\$"
main+=" SgdStepBenchmark FusedChainBenchmark MlpStepBenchmark GemmBenchmark CompileLatencyBenchmark"
rm -rf "$out"
mkdir -p "$out"
load() { cut -d' ' -f1-3 /proc/loadavg; }
# Runs a command, and writes it to commands.txt in the first pass (later passes differ only in
# their output files), quoting the words that need it.
pass=1
run() {
    if [ "$pass" = 1 ]; then
        local word line=""
        for word in "$@"; do
            if [[ $word =~ ^[A-Za-z0-9_./=:,+-]+$ ]]; then line+="$word "; else line+="${word@Q} "; fi
        done
        echo "${line% }" >> "$out/commands.txt"
    fi
    "$@"
}
# The peers pinned to as many cores as threads, with as many threads.
peer() {
    local threads=$1; shift
    run env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" \
        XLA_FLAGS="--xla_cpu_multi_thread_eigen=$([ "$threads" = 1 ] && echo false || echo true) intra_op_parallelism_threads=$threads" \
        taskset -c "0-$((threads - 1))" "$@"
}
{
    echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/RESULTS.md' ':!bench/RESULTS.json' || echo +changes)"
    echo "date=$(date -u +%Y-%m-%d)"
    echo "host=$(hostname)"
    echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
    echo "cores=$(nproc)"
    echo "passes=$passes"
    echo "quick=${QUICK:-0}"
    echo "jmh_timing=$timing"
    echo "load_before=$(load)"
} > "$out/env.txt"
run mvn "${mvn_flags[@]}" -q -DskipTests install
for pass in $(seq 1 "$passes"); do
    for threads in 1 2; do
        benchmarks=$main
        if [ "$threads" = 1 ] && [ "$pass" = 1 ]; then benchmarks+=" FmaPeakBenchmark"; fi
        run taskset -c "0-$((threads - 1))" mvn "${mvn_flags[@]}" -q -pl bench -Pbench -DskipTests package \
            -Djmh.args="$benchmarks -f 1 $timing -p threads=$threads -rf json -rff target/${out#bench/target/}/jmh-$threads-$pass.json -jvmArgsAppend '--add-modules=jdk.incubator.vector -Dnabla.threads=$threads'"
        if [ "$threads" = 1 ] && [ "$pass" = 1 ]; then
            # Cold compile latency: the first call in a fresh JVM, one shot per JVM. Not pinned: a
            # fresh JVM compiles on background threads, and one core for all of them doubled it
            # (128-142 ms against 75-85 on this machine).
            run mvn "${mvn_flags[@]}" -q -pl bench -Pbench -DskipTests package \
                -Djmh.args="CompileLatencyBenchmark -bm ss -tu ms -wi 0 -i 1 -f $cold_forks -rf json -rff target/${out#bench/target/}/jmh-cold.json"
        fi
        peer "$threads" /usr/bin/python3 bench/pytorch/workloads.py --threads "$threads" "${quick[@]}" \
            > "$out/torch113-$threads-$pass.json"
        peer "$threads" "$torch2" bench/pytorch/workloads.py --threads "$threads" --compile "${quick[@]}" \
            > "$out/torch2-$threads-$pass.json"
        peer "$threads" "$jax" bench/jax/workloads.py "${quick[@]}" > "$out/jax-$threads-$pass.json"
    done
done
echo "load_after=$(load)" >> "$out/env.txt"
if [ "${QUICK:-0}" = 1 ]; then
    /usr/bin/python3 bench/report.py "$out" bench/RESULTS.md "$out/RESULTS.json.quick" > "$out/RESULTS.md.quick"
    echo "wrote $out/RESULTS.md.quick and RESULTS.json.quick (a quick run: not results)"
else
    # Through a new file: report.py keeps the Notes and the other scripts' sections of the old one.
    /usr/bin/python3 bench/report.py "$out" bench/RESULTS.md bench/RESULTS.json > bench/RESULTS.md.new
    mv bench/RESULTS.md.new bench/RESULTS.md
    echo "wrote bench/RESULTS.md and bench/RESULTS.json"
fi

#!/usr/bin/env bash
# Runs Nabla's JMH benchmarks and the same workloads in PyTorch on this machine, on 1 and 2
# threads, and writes bench/RESULTS.md. Needs Debian's python3-torch and libopenblas0-pthread.
# Both sides run PASSES times (default 2), taking turns, and each keeps its best: a shared VM's
# speed drifts within minutes, and one slow window would otherwise decide a whole side.
# Usage: bench/run.sh            (from the repository root; about 10 minutes a pass)
#        PASSES=1 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/target/results
passes=${PASSES:-2}
rm -rf "$out"
mkdir -p "$out"
mvn -q -DskipTests install
for pass in $(seq 1 "$passes"); do
    for threads in 1 2; do
        mvn -q -pl bench -Pbench -DskipTests package \
            -Djmh.args="-f 1 -wi 5 -i 5 -w 1 -r 1 -p threads=$threads -rf json -rff target/results/jmh-$threads-$pass.json -jvmArgsAppend '--add-modules=jdk.incubator.vector -Dnabla.threads=$threads'"
        if [ "$threads" = 1 ] && [ "$pass" = 1 ]; then
            # Cold compile latency: the first call in a fresh JVM, five JVMs.
            mvn -q -pl bench -Pbench -DskipTests package \
                -Djmh.args="CompileLatency -bm ss -tu ms -wi 0 -i 1 -f 5 -rf json -rff target/results/jmh-cold.json"
        fi
        # OpenBLAS picks a slower, older kernel when these are set (see bench/RESULTS.md).
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=$threads \
            /usr/bin/python3 bench/pytorch/workloads.py --threads "$threads" > "$out/torch-$threads-$pass.json"
    done
done
# Through a new file: report.py keeps the memory section (bench/run-memory.sh) of the old one.
/usr/bin/python3 bench/report.py "$out" bench/RESULTS.md > bench/RESULTS.md.new
mv bench/RESULTS.md.new bench/RESULTS.md
echo "wrote bench/RESULTS.md"

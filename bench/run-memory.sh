#!/usr/bin/env bash
# Bytes allocated per operation (JMH's gc profiler) and a soak run in a fixed heap; writes the
# memory section of bench/RESULTS.md. Usage: bench/run-memory.sh [soak steps, default 1000000]
# (from the repository root; about 2 minutes plus the soak, ~2 minutes per million steps here).
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/target/results-memory
steps=${1:-1000000}
rm -rf "$out"
mkdir -p "$out"
mvn -q -DskipTests install
mvn -q -pl bench -Pbench -DskipTests package \
    -Djmh.args="'SeedScalarBenchmark|SgdStepBenchmark|MlpStepBenchmark' -f 1 -wi 5 -i 5 -w 1 -r 1 -p threads=1 -prof gc -rf json -rff target/results-memory/jmh-gc.json -jvmArgsAppend '--add-modules=jdk.incubator.vector -Dnabla.threads=1'"
(cd bench && mvn -q dependency:build-classpath -Dmdep.outputFile=target/results-memory/classpath.txt > /dev/null)
"${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java" --add-modules=jdk.incubator.vector -Dnabla.threads=1 \
    -Xmx128m -cp "bench/target/classes:$(cat "$out/classpath.txt")" dev.nabla.bench.Soak "$steps" | tee "$out/soak.txt"
/usr/bin/python3 bench/report_memory.py "$out" bench/RESULTS.md
echo "wrote the memory section of bench/RESULTS.md"

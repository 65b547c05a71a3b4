#!/usr/bin/env bash
# Taylor mode against nested grad (TaylorBenchmark): the n-th derivative of tanh from nothing to
# its value, on one thread. Warm: JMH's average time, each operation a graph of new structure
# (so code generation is never skipped); cold: the first call in a fresh JVM, five JVMs; and the
# node counts. Builds inside the reactor (no install). Writes bench/target/results-taylor and the
# Taylor section of bench/RESULTS.md (bench/report_taylor.py).
# Usage: bench/run-taylor.sh   (from the repository root; about 6 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/target/results-taylor
rm -rf "$out"
mkdir -p "$out"
# The machine may be shared: the load average goes into the report.
load() { cut -d' ' -f1-3 /proc/loadavg; }
before=$(load)
mvn -q -pl bench -am -Pbench -DskipTests package \
    -Djmh.args="TaylorBenchmark -f 2 -wi 5 -i 10 -w 1 -r 1 -rf json -rff target/results-taylor/jmh-warm.json" \
    | tee "$out/warm.txt"
mvn -q -pl bench -am -Pbench -DskipTests package \
    -Djmh.args="TaylorBenchmark -bm ss -tu ms -wi 0 -i 1 -f 5 -rf json -rff target/results-taylor/jmh-cold.json" \
    | tee "$out/cold.txt"
mvn -q -pl bench -am -Pbench -DskipTests package -Dbench.main=dev.nabla.bench.TaylorBenchmark -Djmh.args= \
    | tee "$out/nodes.txt"
echo "$before, $(load)" > "$out/load.txt"
/usr/bin/python3 bench/report_taylor.py "$out" bench/RESULTS.md
echo "wrote the Taylor section of bench/RESULTS.md"

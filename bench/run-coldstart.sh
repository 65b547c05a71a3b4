#!/usr/bin/env bash
# Cold start: the seed's first call (build y = x^2, differentiate twice, compile, eval) in fresh
# JVMs, without and with the JDK's AOT cache (JEP 483, 514, 515), on the class path and on the
# module path; then JMH's single-shot mode in fresh forks (CompileLatencyBenchmark), without and
# with the cache. Configurations take turns, one JVM each, RUNS times (default 10).
# Writes bench/target/results-coldstart: one file of ColdStart lines per configuration, the JMH
# outputs, the load averages, and summary.md (median and min of each figure).
# Needs JDK 25 or later: JAVA_HOME=/path/to/jdk-25 bench/run-coldstart.sh   (from the repository
# root; MVN="mvn -o" builds offline; about a minute with RUNS=20, once built)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$PWD/bench/target/results-coldstart
runs=${RUNS:-10}
mvn=${MVN:-mvn}
java="${JAVA_HOME:?set JAVA_HOME to a JDK 25 or later}/bin/java"
if ! "$java" -XX:AOTMode=off -version > /dev/null 2>&1; then
    echo "$java has no AOT cache (JEP 483): JDK 24 or later is needed, 25 for -XX:AOTCacheOutput" >&2
    exit 1
fi
rm -rf "$out"
mkdir -p "$out"
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "start: $(load)" > "$out/load.txt"

# The bench jar (ColdStart, the JMH benchmarks) and what a user of nabla-dsl has at run time.
# The AOT cache takes jars only, no class folders.
$mvn -q -pl bench -am -DskipTests package dependency:build-classpath -DincludeScope=runtime \
    -Dmdep.outputFile=target/classpath.txt
bench=$PWD/bench/target/nabla-bench-0.1.0-SNAPSHOT.jar
nabla=$PWD/dsl/target/nabla-dsl-0.1.0-SNAPSHOT.jar:$(cat dsl/target/classpath.txt)
jmhcp=$bench:$(cat bench/target/classpath.txt)
vector=--add-modules=jdk.incubator.vector

# Each configuration: its JVM options and class path or module path.
configs=(cp cp-aot mp mp-aot cpnovec cpnovec-aot)
declare -A opts=(
    [cp]="$vector -cp $bench:$nabla"
    [mp]="--module-path $nabla --add-modules dev.nabla -cp $bench"
    [cpnovec]="-cp $bench:$nabla"
)
for c in cp mp cpnovec; do
    # Training run: the same main, the same options; the JVM writes the cache when it exits.
    # shellcheck disable=SC2086
    "$java" -XX:AOTCacheOutput="$out/$c.aot" ${opts[$c]} dev.nabla.bench.ColdStart \
        > "$out/$c-training.txt" 2>&1
    # AOTMode=on: fail rather than run without the cache.
    opts[$c-aot]="-XX:AOTCache=$out/$c.aot -XX:AOTMode=on ${opts[$c]}"
done

for run in $(seq 1 "$runs"); do
    for c in "${configs[@]}"; do
        start=$(date +%s%N)
        # shellcheck disable=SC2086
        line=$("$java" ${opts[$c]} dev.nabla.bench.ColdStart 2> "$out/$c-stderr.txt")
        end=$(date +%s%N)
        echo "$line process_ms=$(( (end - start) / 1000000 ))" >> "$out/$c.txt"
    done
done
echo "after the fresh JVMs: $(load)" >> "$out/load.txt"

# JMH's single-shot mode, one iteration per fresh fork, without and with a cache trained on one
# such fork (the forks' class path is the host's, so the cache matches it).
jmh() {
    "$java" $vector -cp "$jmhcp" org.openjdk.jmh.Main CompileLatencyBenchmark.secondDerivative \
        -bm ss -tu ms -wi 0 -i 1 "$@"
}
jmh -f 1 -jvmArgsAppend "$vector -XX:AOTCacheOutput=$out/jmh.aot" > "$out/jmh-training.txt" 2>&1
half=$(( (runs + 1) / 2 ))
for round in 1 2; do
    jmh -f "$half" -jvmArgsAppend "$vector" > "$out/jmh-$round.txt" 2>&1
    jmh -f "$half" -jvmArgsAppend "$vector -XX:AOTCache=$out/jmh.aot -XX:AOTMode=on" \
        > "$out/jmh-aot-$round.txt" 2>&1
done
echo "after JMH: $(load)" >> "$out/load.txt"
grep -h '^Iteration   1:' "$out"/jmh-[12].txt | awk '{print "first_call_ms=" $3}' > "$out/jmh.txt"
grep -h '^Iteration   1:' "$out"/jmh-aot-[12].txt | awk '{print "first_call_ms=" $3}' > "$out/jmh-aot.txt"

# Median and min of each figure.
stat() {  # file key
    tr ' ' '\n' < "$1" | sed -n "s/^$2=//p" | sort -g | awk '
        { v[NR] = $1 }
        END { if (NR == 0) { print "— | —"; exit }
              m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "%.1f | %.1f\n", m, v[1] }'
}
{
    echo "| configuration | JVMs | first call: median | min | JVM start to value: median | min | process: median | min |"
    echo "|---|---|---|---|---|---|---|---|"
    for c in "${configs[@]}" jmh jmh-aot; do
        n=$(wc -l < "$out/$c.txt")
        echo "| $c | $n | $(stat "$out/$c.txt" first_call_ms) | $(stat "$out/$c.txt" start_to_value_ms) | $(stat "$out/$c.txt" process_ms) |"
    done
    echo
    echo "Split of the first call (medians, ms): create | build | grad | compile | eval"
    for c in "${configs[@]}"; do
        echo "- $c: $(for k in create build grad compile eval; do stat "$out/$c.txt" $k | cut -d' ' -f1; done | paste -sd' ')"
    done
    echo
    echo "Load averages (1, 5, 15 minutes):"
    sed 's/^/- /' "$out/load.txt"
} > "$out/summary.md"
cat "$out/summary.md"

#!/usr/bin/env bash
# Runs DeviceBenchmark (the seed's matrix product, the fused chain, an MLP training step) on every
# device present, the JVM's and each TornadoVM device, and writes bench/RESULTS-devices.md.
# Needs the TornadoVM SDK: TORNADOVM_HOME=/path/to/sdk bench/run-devices.sh (from the repository root).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TORNADOVM_HOME:?set TORNADOVM_HOME to the TornadoVM SDK folder}"
out=bench/target/results
mkdir -p "$out"
mvn -q -DskipTests install
tornado="@$TORNADOVM_HOME/tornado-argfile -Djava.system.class.loader=dev.nabla.runtime.tornadovm.KernelClassLoader"
cp=$(cd bench && mvn -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
devices=$("${JAVA_HOME:?set JAVA_HOME to the JDK 25 TornadoVM runs on}/bin/java" $tornado --add-modules=jdk.incubator.vector -cp "bench/target/classes:$cp" dev.nabla.bench.ListDevices)
echo "devices: $devices"
mvn -q -pl bench -Pbench -DskipTests package \
    -Djmh.args="DeviceBenchmark -f 1 -wi 5 -i 5 -w 1 -r 1 -p device=$devices -rf json -rff target/results/jmh-devices.json -jvmArgsAppend '$tornado'"
/usr/bin/python3 bench/report_devices.py "$out/jmh-devices.json" "$devices" > bench/RESULTS-devices.md
echo "wrote bench/RESULTS-devices.md"

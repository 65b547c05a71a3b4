#!/usr/bin/env bash
# Makes the GPU kit: what a bare GPU machine (a driver, no Java, no Maven, no network) needs to
# run the TornadoVM backend's tests, the GpuMatmul and Devices examples, DeviceBenchmark and GpuBenchmark, so
# that a short lease is spent running, not building. See bench/gpu/README.md.
#
#   TORNADOVM_HOME=/root/tornadovm-sdk bench/gpu/make-kit.sh      (from anywhere in the repository)
#
# Inputs: TORNADOVM_HOME, an installed TornadoVM SDK (any backends: the kit takes the modules its
# argfile names); JAVA_HOME, a JDK 25 (default /usr/lib/jvm/temurin-25-jdk-amd64).
# Output: .gpukit/ (git-ignored), which is what travels: run.sh and kit.tar.xz, the packed
# target/gpukit/ (jdk/, tornadovm/, nabla/, ocl/), which run.sh unpacks into /tmp.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

die() { echo "make-kit: $*" >&2; exit 1; }

: "${TORNADOVM_HOME:?set TORNADOVM_HOME to an installed TornadoVM SDK (the folder holding tornado-argfile)}"
TORNADOVM_HOME=$(cd "$TORNADOVM_HOME" && pwd)
[[ -f $TORNADOVM_HOME/tornado-argfile.template ]] \
    || die "TORNADOVM_HOME=$TORNADOVM_HOME holds no tornado-argfile.template: is it an installed TornadoVM SDK?"
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
[[ -x $JAVA_HOME/bin/jlink && -f $JAVA_HOME/release ]] \
    || die "JAVA_HOME=$JAVA_HOME is not a JDK (no bin/jlink): point JAVA_HOME at a JDK 25"
grep -q '^JAVA_VERSION="25' "$JAVA_HOME/release" \
    || die "JAVA_HOME=$JAVA_HOME is not a JDK 25 ($(grep '^JAVA_VERSION=' "$JAVA_HOME/release")): TornadoVM's SDK and Nabla need 25"
export TORNADOVM_HOME JAVA_HOME
java=$JAVA_HOME/bin/java

tree=target/gpukit      # the kit unpacked (inspect it, or run target/gpukit/run.sh here)
# What is carried to the GPU machine; KIT_OUT=.gpukit-cuda (say) keeps kits of several SDKs side by side.
out=${KIT_OUT:-.gpukit}
rm -rf "$tree" "$out"
mkdir -p "$tree/nabla/lib" "$tree/ocl" "$out"

# --- Nabla, with the TornadoVM backend (its module is in the tornadovm profile) -----------------
echo "make-kit: building Nabla (mvn -o -Ptornadovm install, tests compiled, not run)"
mvn -q -o -Ptornadovm -DskipTests install

dep=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
junit=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml)
# JUnit 5.x's platform is 1.x with the same minor version (5.14.1 -> 1.14.1).
platform=1.${junit#5.}
console=org.junit.platform:junit-platform-console-standalone:$platform
if ! mvn -q -o "$dep:get" -Dartifact="$console" >/dev/null 2>&1; then
    echo "make-kit: fetching $console from Maven Central (not in ~/.m2 yet)"
    mvn -q "$dep:get" -Dartifact="$console"
fi
console_jar=$HOME/.m2/repository/org/junit/platform/junit-platform-console-standalone/$platform/junit-platform-console-standalone-$platform.jar

# Class paths from Maven: the backend's tests (test scope) and the benchmarks (runtime scope,
# which holds Nabla, the TornadoVM backend and JMH). The examples run on the benchmarks' class
# path plus their own jar: GpuMatmul and Devices need Nabla alone, not the XChart plotting
# library (and the JDK's desktop module) the other examples draw with.
cps=$(mktemp -d)
trap 'rm -rf "$cps"' EXIT
mvn -q -o -Ptornadovm -pl runtime/tornadovm "$dep:build-classpath" -DincludeScope=test -Dmdep.outputFile="$cps/tests"
mvn -q -o -Ptornadovm -pl bench "$dep:build-classpath" -DincludeScope=runtime -Dmdep.outputFile="$cps/bench"

lib=$tree/nabla/lib
# Writes the kit's class path file NAME (jar names, one a line) and copies the jars into nabla/lib.
classpath() {
    local name=$1; shift
    local jar
    for jar in "$@"; do
        cp -p "$jar" "$lib/"
        basename "$jar"
    done > "$tree/nabla/$name.cp"
}
# The console launcher bundles JUnit's platform and Jupiter: two copies of an engine stop the
# launcher ("multiple engines with the same ID"), so the separate jars stay out.
mapfile -t test_jars < <(tr ':' '\n' < "$cps/tests" \
    | grep -v -E '/(junit-jupiter[^/]*|junit-platform-[^/]*|opentest4j-[^/]*|apiguardian-api-[^/]*)\.jar$')
tests_jar=$root/target/nabla-runtime-tornadovm-tests.jar
"$JAVA_HOME/bin/jar" --create --file "$tests_jar" -C runtime/tornadovm/target/test-classes .
mapfile -t bench_jars < <(tr ':' '\n' < "$cps/bench")
# The backend's own jar is not on its test class path from Maven (its classes are): the installed one.
backend_jar=$(printf '%s\n' "${bench_jars[@]}" | grep '/nabla-runtime-tornadovm-[^/]*\.jar$')
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
classpath tests "$tests_jar" "$backend_jar" "${test_jars[@]}" "$console_jar"
classpath bench "bench/target/nabla-bench-$version.jar" "${bench_jars[@]}"
classpath examples "examples/target/nabla-examples-$version.jar" "${bench_jars[@]}"
rm -f "$tests_jar"

# --- TornadoVM: the SDK less what no application loads -----------------------------------------
sdk=$tree/tornadovm
echo "make-kit: TornadoVM SDK from $TORNADOVM_HOME"
mkdir -p "$sdk/share/java" "$sdk/var"
cp -rp "$TORNADOVM_HOME/bin" "$TORNADOVM_HOME/etc" "$TORNADOVM_HOME/lib" "$TORNADOVM_HOME/tornado-argfile.template" "$sdk/"
cp -p "$TORNADOVM_HOME"/LICENSE* "$sdk/" 2>/dev/null || true
# The jars TornadoVM's launch reaches from the modules its argfile adds (SdkModules.java): the
# benchmarks, examples, unit tests, fuzzer and their libraries stay behind.
"$java" bench/gpu/SdkModules.java "$TORNADOVM_HOME/tornado-argfile" > "$cps/sdk"
while read -r kind what; do
    if [[ $kind == jar ]]; then
        rel=${what#"$TORNADOVM_HOME"/}
        mkdir -p "$sdk/$(dirname "$rel")"
        cp -p "$what" "$sdk/$rel"
    fi
done < "$cps/sdk"
mapfile -t sdk_jdk_modules < <(awk '$1 == "jdk" {print $2}' "$cps/sdk")
dropped=$(awk -v home="$TORNADOVM_HOME/share/java/" '$1 == "drop" {sub(home, "", $2); printf "%s ", $2}' "$cps/sdk")

# --- A JDK 25 with just the modules that run ---------------------------------------------------
# What jdeps finds in the jars that run, what TornadoVM's modules require, and: jdk.internal.vm.ci
# (TornadoVM's argfile exports it to Graal), jdk.incubator.vector (Nabla's JVM backend) and
# jdk.compiler (the TornadoVM backend compiles its kernels with javac at run time, a service that
# jdeps cannot see). jdeps also names java.desktop, for a few classes of commons-math3 (JMH's
# statistics) that no run loads: it would add 11 MB. jdeps reads Maven's class paths (a modular
# jar among its inputs needs the modules it requires, so the kit's trimmed test class path would
# not do) and, of the examples, the two the kit runs.
mapfile -t maven_jars < <( (cat "$cps/tests"; echo; cat "$cps/bench"; echo) | tr ':' '\n' | grep . | sort -u)
jdeps_modules=$("$JAVA_HOME/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 -q \
    --class-path "$(IFS=:; echo "${maven_jars[*]}")" "${maven_jars[@]}" "$lib/nabla-bench-$version.jar" \
    runtime/tornadovm/target/test-classes "$console_jar" \
    examples/target/classes/dev/nabla/examples/{Devices,GpuMatmul}.class)
modules=$(printf '%s\n' ${jdeps_modules//,/ } "${sdk_jdk_modules[@]}" jdk.internal.vm.ci jdk.incubator.vector jdk.compiler \
    | grep -v -x java.desktop | sort -u | paste -sd, -)
echo "make-kit: jlink $modules"
# Uncompressed image (zip-0): kit.tar.xz compresses it better than jlink's zip does (23 MB
# against 34 MB for the same modules). jdk.compiler's lib/ct.sym stays: the backend's javac
# --release 25 reads the release's API from it ("release version 25 not supported" without).
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --output "$tree/jdk" \
    --strip-java-debug-attributes --no-header-files --no-man-pages --compress=zip-0 \
    2> >(grep -v 'Using incubator modules' >&2)
# jlink keeps the JVM's native symbol table; stripping it saves 4 MB (a crash report still names
# the Java frames).
strip --strip-unneeded "$tree/jdk/lib/server/libjvm.so" 2>/dev/null || echo "make-kit: strip not found, libjvm.so kept as is"

# --- The OpenCL ICD loader, for a machine whose driver has no loader installed ------------------
loader=$("$(command -v ldconfig || echo /sbin/ldconfig)" -p 2>/dev/null | awk '$1 == "libOpenCL.so.1" {print $NF; exit}')
if [[ -n $loader ]]; then
    cp -L "$loader" "$tree/ocl/libOpenCL.so.1"
    (dpkg -S "$(readlink -f "$loader")" 2>/dev/null | head -1; echo "copied from $loader") > "$tree/ocl/SOURCE"
else
    echo "make-kit: no libOpenCL.so.1 here (Debian: apt-get install ocl-icd-libopencl1): the kit carries no ICD loader" >&2
fi

# --- run.sh and a manifest ---------------------------------------------------------------------
cp bench/gpu/run-kit.sh "$tree/run.sh"
cp bench/gpu/run-kit.sh "$out/run.sh"
{
    echo "Nabla GPU kit, made $(date -u +%Y-%m-%dT%H:%MZ) from commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!.gpukit' || echo ' (with uncommitted changes)')"
    echo "JDK: $("$java" -version 2>&1 | sed -n 2p); modules: $modules"
    echo "TornadoVM: $(tr '\n' ' ' < "$TORNADOVM_HOME/etc/tornado.release") backends: $(cat "$TORNADOVM_HOME/etc/tornado.backend" 2>/dev/null)"
    echo "TornadoVM jars left out: $dropped"
    echo "JUnit console launcher: $platform"
    [[ -f $tree/ocl/SOURCE ]] && echo "ICD loader: $(head -1 "$tree/ocl/SOURCE")"
} > "$tree/MANIFEST.txt"

# --- Check that the kit's JDK starts TornadoVM's module graph ------------------------------------
sed "s:\${TORNADOVM_HOME}:$root/$sdk:g" "$sdk/tornado-argfile.template" > "$sdk/tornado-argfile"
(cd "$tree" && jdk/bin/java @tornadovm/tornado-argfile -version >/dev/null 2>"$cps/check") \
    || { cat "$cps/check" >&2; die "the kit's JDK does not start with TornadoVM's argfile"; }
rm -f "$sdk/tornado-argfile"    # run.sh writes it for wherever the kit lands

# --- Pack -----------------------------------------------------------------------------------------
echo "make-kit: packing $out/kit.tar.xz"
tar -C "$tree" -cf - MANIFEST.txt run.sh jdk tornadovm nabla ocl | xz -9 -T0 > "$out/kit.tar.xz"
cp "$tree/MANIFEST.txt" "$out/"
{
    echo "Sizes (MiB, unpacked): $(cd "$tree" && du -sm jdk tornadovm nabla ocl | awk '{printf "%s %s  ", $2, $1}')"
    echo "Packed: kit.tar.xz $(du -m "$out/kit.tar.xz" | cut -f1) MiB ($(stat -c %s "$out/kit.tar.xz") bytes); .gpukit in all $(du -sm "$out" | cut -f1) MiB"
} | tee -a "$out/MANIFEST.txt"
size=$(du -sb "$out" | cut -f1)
# The device tool carries the working tree and the carried paths together, 64 MiB in all.
if (( size > 58 * 1024 * 1024 )); then
    echo "make-kit: WARNING: .gpukit is $((size / 1048576)) MiB; with the repository it may not fit one transfer (64 MiB)" >&2
fi
echo "make-kit: done. Send it with the device tool: carry [\"$out\"], command: bash $out/run.sh"

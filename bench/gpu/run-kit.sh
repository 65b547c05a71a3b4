#!/usr/bin/env bash
# The one command a GPU machine runs (bench/gpu/README.md), from the repository root:
#
#   bash .gpukit/run.sh              OUT=folder for the results (default /tmp/gpukit-out)
#
# Needs bash, coreutils, tar and xz (or python3): the kit brings its own JDK 25, TornadoVM and
# Nabla's jars, and never uses a java on the PATH. It unpacks .gpukit/kit.tar.xz into /tmp, sets
# up OpenCL for NVIDIA's driver where nothing else does, then runs the stages, each with its own
# log under $OUT and its wall time in $OUT/SUMMARY.txt. A stage that fails does not stop the next.
#
# Settings (environment):
#   STAGES="probe devices examples gpubench torch bench tests"   the stages to run, in this order:
#                      the numbers first (gpubench: GpuBenchmark, issue 18's targets, on the TornadoVM
#                      devices; torch: PyTorch on the same GPU, bench/pytorch/gpu.py; bench:
#                      DeviceBenchmark), the tests last with the time left (a second call with
#                      STAGES=tests gives them the whole deadline)
#   QUICK=1            shorter benchmark (2 warm-up and 3 measured iterations instead of 5 and 5)
#   DEADLINE=570       seconds for the whole run, unpacking included (the device tool allows 600
#                      a command): each stage's timeout is cut to what is left, and the tests
#                      leave the benchmark 110 s
#   TESTS="..."        the JUnit console launcher's test selection (default: every test class of
#                      runtime/tornadovm), e.g. TESTS="--select-class dev.nabla.TornadoVmBackendTest"
#   BENCH_DEVICES=...  the devices to benchmark, e.g. "tornadovm:0.0,jvm:cpu" (default: all but the
#                      reference interpreter, as bench/run-devices.sh)
#   BENCH=DeviceBenchmark   the benchmarks (JMH's regular expression), e.g. DeviceBenchmark.matmul
#   BENCH_ARGS="..."   more JMH arguments
#   GPU_SIZES="-p n=4096 -p chain=67108864"   GpuBenchmark's sizes (PoCL: -p n=256 -p chain=1048576)
#   PYTHON=python3     the Python with PyTorch for the torch stage
#   OPENCL_LOADER=auto|kit|system   which libOpenCL.so.1 (auto: the system's if the dynamic linker
#                      finds one, else the kit's)
#   NVIDIA_OPENCL_LIB=path   the vendor library to register (default: libnvidia-opencl.so.1, if found)
#   KIT_DIR=/tmp/nabla-gpukit   where the kit is unpacked
set -uo pipefail    # no -e: a failing stage is recorded, and the next one runs

t0=$(date +%s)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PATH=${PATH:-/usr/bin:/bin}:/usr/sbin:/sbin:/usr/local/nvidia/bin
export HOME=${HOME:-/tmp/gpukit-home}
OUT=${OUT:-/tmp/gpukit-out}
mkdir -p "$OUT" "$HOME"
OUT=$(cd "$OUT" && pwd)
STAGES=${STAGES:-probe devices examples gpubench torch bench tests}
DEADLINE=${DEADLINE:-570}
summary=$OUT/SUMMARY.txt
: > "$summary"
note() { echo "$*" | tee -a "$summary"; }

# --- The kit: already unpacked beside this script, or kit.tar.xz to unpack -----------------------
if [[ -x $here/jdk/bin/java ]]; then
    KIT=$here
else
    KIT=${KIT_DIR:-/tmp/nabla-gpukit}
    archive=$here/kit.tar.xz
    [[ -f $archive ]] || { note "no kit: neither $here/jdk nor $archive"; exit 1; }
    stamp=$(cksum < "$archive")
    if [[ ! -f $KIT/.stamp || $(cat "$KIT/.stamp") != "$stamp" ]]; then
        u0=$(date +%s.%N)
        rm -rf "$KIT" && mkdir -p "$KIT"
        if command -v xz >/dev/null; then
            xz -dc -T0 "$archive" | tar -C "$KIT" -xf -
        else    # no xz binary: Python's lzma
            python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$archive" "$KIT"
        fi || { note "unpacking $archive failed"; exit 1; }
        echo "$stamp" > "$KIT/.stamp"
        note "unpacked the kit into $KIT in $(awk -v a="$u0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
    fi
fi
# The repository (for bench/report_devices.py): where this runs from, or above the kit.
repo=$PWD
for d in "$PWD" "$here/.." "$here/../.."; do
    [[ -f $d/bench/report_devices.py ]] && { repo=$(cd "$d" && pwd); break; }
done

# --- Java: the kit's only ----------------------------------------------------------------------
unset CLASSPATH JAVA_TOOL_OPTIONS _JAVA_OPTIONS JDK_JAVA_OPTIONS
export JAVA_HOME=$KIT/jdk
export PATH=$JAVA_HOME/bin:$PATH
java=$JAVA_HOME/bin/java
export TORNADOVM_HOME=$KIT/tornadovm
# TornadoVM's argfile names its folders by absolute path: write it for where the kit is now.
sed "s:\${TORNADOVM_HOME}:$TORNADOVM_HOME:g" "$TORNADOVM_HOME/tornado-argfile.template" > "$TORNADOVM_HOME/tornado-argfile"
argfile=$TORNADOVM_HOME/tornado-argfile
# As runtime/tornadovm's surefire argLine (TornadoVM's options, the kernel class loader, bailouts
# that fail instead of falling back to Java), and the Vector API for the JVM backend.
tornado=(@"$argfile" -Djava.system.class.loader=dev.nabla.runtime.tornadovm.KernelClassLoader
    -Dtornado.recover.bailout=False)
vector=--add-modules=jdk.incubator.vector
cp_of() { sed "s:^:$KIT/nabla/lib/:" "$KIT/nabla/$1.cp" | paste -sd: -; }
# Java runs in a scratch folder: TornadoVM's argfile puts "." on the module path, and a crash
# leaves hs_err files there (added to the stage's log).
work=/tmp/gpukit-work
rm -rf "$work" && mkdir -p "$work"

# --- OpenCL for NVIDIA's driver ----------------------------------------------------------------
ldcache() { ldconfig -p 2>/dev/null | awk -v n="$1" '$1 == n {print $NF; exit}'; }
# The first of: the dynamic linker's cache, then the folders NVIDIA's container setups use.
findlib() {
    local hit
    hit=$(ldcache "$1")
    if [[ -z $hit ]]; then
        for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 \
                 /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda/compat; do
            [[ -e $d/$1 ]] && { hit=$d/$1; break; }
        done
    fi
    echo "$hit"
}
opencl_setup=()
libpath=()
# libcuda (the PTX backend, and NVIDIA's OpenCL library) outside the linker's cache: its folder.
cuda=$(findlib libcuda.so.1)
if [[ -n $cuda && -z $(ldcache libcuda.so.1) ]]; then
    libpath+=("$(dirname "$cuda")")
    opencl_setup+=("libcuda.so.1 at $cuda is not in the linker's cache: its folder goes on LD_LIBRARY_PATH")
fi
nv=${NVIDIA_OPENCL_LIB:-$(findlib libnvidia-opencl.so.1)}
system_vendors=${OCL_ICD_VENDORS:-/etc/OpenCL/vendors}
if [[ -n $nv ]]; then
    if grep -qs -F "$(basename "$nv")" "$system_vendors"/*.icd 2>/dev/null || grep -qs -F "$nv" "$system_vendors"/*.icd 2>/dev/null; then
        opencl_setup+=("$nv is registered in $system_vendors")
    else
        # The loader finds vendors through .icd files naming their library: a folder of our own
        # with the system's files and one for NVIDIA's.
        vendors=$work/icd
        mkdir -p "$vendors"
        cp "$system_vendors"/*.icd "$vendors/" 2>/dev/null
        echo "$nv" > "$vendors/nvidia.icd"
        # OCL_ICD_VENDORS for ocl-icd (the kit's loader) and recent Khronos loaders (CUDA's);
        # OCL_ICD_FILENAMES for older Khronos loaders.
        export OCL_ICD_VENDORS=$vendors OCL_ICD_FILENAMES=$nv
        opencl_setup+=("$nv was registered nowhere: OCL_ICD_VENDORS=$vendors ($(cd "$vendors" && echo *.icd))")
        [[ -z $(ldcache "$(basename "$nv")") ]] && libpath+=("$(dirname "$nv")")
    fi
fi
loader_mode=${OPENCL_LOADER:-auto}
system_loader=$(ldcache libOpenCL.so.1)
if [[ $loader_mode == kit || ($loader_mode == auto && -z $system_loader) ]]; then
    if [[ -f $KIT/ocl/libOpenCL.so.1 ]]; then
        libpath=("$KIT/ocl" "${libpath[@]}")
        opencl_setup+=("ICD loader: the kit's ($(head -1 "$KIT/ocl/SOURCE" 2>/dev/null)); the system's: ${system_loader:-none}")
    else
        opencl_setup+=("ICD loader: none in the kit, and the system's: ${system_loader:-none}")
    fi
else
    opencl_setup+=("ICD loader: the system's, $system_loader")
fi
# CUDA's libraries from the machine's Python packages (nvidia-cublas, nvidia-cuda-nvrtc, ...), for
# an SDK with TornadoVM's CUDA backend: libcublas, libcublasLt, libnvrtc, libcudart.
PYTHON=${PYTHON:-python3}
if command -v "$PYTHON" >/dev/null; then
    while read -r d; do
        [[ -n $d ]] && libpath+=("$d")
    done < <("$PYTHON" - <<'PY' 2>/dev/null
import glob, os, site
roots = site.getsitepackages() + [site.getusersitepackages()]
seen = []
for root in roots:
    for lib in sorted(glob.glob(os.path.join(root, "nvidia", "**", "lib"), recursive=True)):
        if glob.glob(os.path.join(lib, "lib*.so*")) and lib not in seen:
            seen.append(lib)
print("\n".join(seen))
PY
)
    ((${#libpath[@]})) && opencl_setup+=("library folders for CUDA's libraries and the driver's: ${libpath[*]}")
fi
if ((${#libpath[@]})); then
    LD_LIBRARY_PATH=$(IFS=:; echo "${libpath[*]}")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
fi

# --- Stages ----------------------------------------------------------------------------------------
status=0
left() { echo $((DEADLINE - ($(date +%s) - t0))); }
# stage NAME LIMIT: runs the function stage_NAME with its output in $OUT/NAME.log (probe and
# devices share probe.log, gpubench, torch and bench bench.log: at most 8 files come back), timed, cut off at LIMIT seconds or the
# deadline. The tests print each test as it ends (testfeed), so a cut-off run still shows how far it got.
stage() {
    local name=$1 limit=$2 log rc s0 secs remaining
    [[ " $STAGES " == *" $name "* ]] || return 0
    case $name in devices) log=$OUT/probe.log ;; gpubench | torch) log=$OUT/bench.log ;; *) log=$OUT/$name.log ;; esac
    remaining=$(( $(left) - 10 ))
    (( remaining < limit )) && limit=$remaining
    if (( limit < 5 )); then
        note "$(printf '%-9s SKIPPED: no time left before the %d s deadline' "$name" "$DEADLINE")"
        status=1
        return
    fi
    STAGE_LIMIT=$limit
    s0=$(date +%s.%N)
    echo "=== $name (limit ${limit} s) ===" >> "$log"
    touch "$work/.stage-start"
    ( cd "$work" && "stage_$name" ) >> "$log" 2>&1
    rc=$?
    # A JVM's crash report, and the OpenCL build logs TornadoVM writes when a kernel does not build.
    for f in "$work"/hs_err_pid*.log; do
        [[ -f $f ]] && { echo "=== $f"; cat "$f"; rm -f "$f"; } >> "$log"
    done
    find "$TORNADOVM_HOME/var" -name '*.log' -newer "$work/.stage-start" 2>/dev/null | head -10 \
        | while read -r f; do echo "=== $f"; head -100 "$f"; done >> "$log"
    secs=$(awk -v a="$s0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    if (( rc == 0 )); then
        note "$(printf '%-9s ok      %7s s' "$name" "$secs")"
    else
        (( rc == 124 || rc == 137 )) && rc="$rc (timed out after ${limit} s)"
        note "$(printf '%-9s FAILED  %7s s  exit %s, see %s' "$name" "$secs" "$rc" "$(basename "$log")")"
        status=1
    fi
}
# Runs a command with the stage's time limit: stopped (SIGTERM) at the limit, killed 10 s later.
# No thread dump by SIGQUIT: PoCL's LLVM takes that signal, deletes its temporary files (failing
# the kernel build under way) and the JVM prints nothing.
limited() { timeout -k 10 "$STAGE_LIMIT" "$@"; }

stage_probe() {
    echo "date: $(date -u)"; uname -a
    grep -h PRETTY_NAME /etc/os-release 2>/dev/null
    echo "cpus: $(nproc); $(free -g 2>/dev/null | awk '/^Mem:/ {print "memory: " $2 " GiB, " $7 " GiB available"}')"
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi
        nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
    else
        echo "nvidia-smi: not found"
    fi
    for l in libcuda.so.1 libnvidia-opencl.so.1 libOpenCL.so.1 libnvidia-ptxjitcompiler.so.1; do
        echo "$l: linker cache: $(ldcache "$l"); found: $(findlib "$l")"
    done
    ls -l /usr/local/nvidia/lib64 2>/dev/null | grep -i -E 'opencl|libcuda|ptx' | head -20
    echo "system ICD vendors ($system_vendors): $(cat "$system_vendors"/*.icd 2>/dev/null | tr '\n' ' ')"
    printf 'OpenCL setup: %s\n' "${opencl_setup[@]}"
    echo "OCL_ICD_VENDORS=${OCL_ICD_VENDORS:-} LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
    command -v clinfo >/dev/null && limited clinfo -l
    echo "java on the PATH before the kit's: $(PATH=${PATH#"$JAVA_HOME/bin:"} command -v java || echo none)"
    "$java" -version
    cat "$KIT/MANIFEST.txt"
    return 0
}

stage_devices() {
    # TornadoVM's own device query (tornado --devices): its argfile alone, no Nabla on the class path.
    limited "$java" @"$argfile" uk.ac.manchester.tornado.drivers.TornadoDeviceQuery verbose
}

stage_examples() {
    local ex rc=0
    for ex in Devices GpuMatmul; do
        echo "--- $ex"
        limited "$java" "$vector" "${tornado[@]}" -Djava.awt.headless=true -cp "$(cp_of examples)" \
            "dev.nabla.examples.$ex" || rc=$?
    done
    return $rc
}

stage_tests() {
    local select
    # shellcheck disable=SC2206 # TESTS is a list of launcher arguments
    select=(${TESTS:---scan-class-path $KIT/nabla/lib/$(head -1 "$KIT/nabla/tests.cp")})
    limited "$java" "$vector" "${tornado[@]}" -Dtornado.recover.bailout=False -cp "$(cp_of tests)" \
        org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors \
        --details=testfeed "${select[@]}"
}

# GpuBenchmark (issue 18's targets) on the TornadoVM devices: every workload once, then the SGEMM
# again with cuBLAS off (Nabla's own kernel; the same kernel twice where the backend has no cuBLAS).
stage_gpubench() {
    local devices iters
    iters=(-wi 3 -i 5); [[ ${QUICK:-0} == 1 ]] && iters=(-wi 1 -i 2)
    devices=$(limited "$java" "${tornado[@]}" "$vector" -cp "$(cp_of bench)" dev.nabla.bench.ListDevices) || return 1
    devices=$(tr ',' '\n' <<< "$devices" | grep '^tornadovm' | paste -sd, -)
    [[ -n $devices ]] || { echo "no TornadoVM device"; return 1; }
    echo "devices: $devices"
    # shellcheck disable=SC2086
    limited "$java" "$vector" -cp "$(cp_of bench)" org.openjdk.jmh.Main 'GpuBenchmark' -f 1 "${iters[@]}" \
        -w 1 -r 1 -p "device=$devices" ${GPU_SIZES:-} -rf json -rff "$work/jmh-gpu.json" -jvmArgsAppend "${tornado[*]}" \
        && limited "$java" "$vector" -cp "$(cp_of bench)" org.openjdk.jmh.Main 'GpuBenchmark.sgemm' -f 1 "${iters[@]}" \
        -w 1 -r 1 -p "device=$devices" -p cublas=false ${GPU_SIZES:-} -rf json -rff "$work/jmh-gpu-own.json" \
        -jvmArgsAppend "${tornado[*]}"
}

# PyTorch on the same GPU: the reference points (bench/pytorch/gpu.py), its JSON in the log.
stage_torch() {
    local small=()
    [[ ${GPU_SIZES:-} == *"n=4096"* || -z ${GPU_SIZES:-} ]] || small=(--small)
    command -v "$PYTHON" >/dev/null || { echo "no $PYTHON"; return 1; }
    limited env -u LD_LIBRARY_PATH PYTHONUNBUFFERED=1 "$PYTHON" "$repo/bench/pytorch/gpu.py" "${small[@]}" \
        ${TORCH_ARGS:-} | tee "$work/torch-gpu.json"
}

stage_bench() {
    local devices iters rc
    iters=(-wi 5 -i 5); [[ ${QUICK:-0} == 1 ]] && iters=(-wi 2 -i 3)
    devices=${BENCH_DEVICES:-$(limited "$java" "${tornado[@]}" "$vector" -cp "$(cp_of bench)" dev.nabla.bench.ListDevices)} \
        || return 1
    echo "devices: $devices"
    # As bench/run-devices.sh: the JMH host on plain Java, TornadoVM's options for its fork.
    # shellcheck disable=SC2086
    limited "$java" "$vector" -cp "$(cp_of bench)" org.openjdk.jmh.Main "${BENCH:-DeviceBenchmark}" -f 1 "${iters[@]}" \
        -w 1 -r 1 -p "device=$devices" -rf json -rff "$OUT/jmh-devices.json" \
        -jvmArgsAppend "${tornado[*]}" ${BENCH_ARGS:-}
    rc=$?
    if [[ -s $OUT/jmh-devices.json ]] && command -v python3 >/dev/null; then
        NABLA_COMMIT=$(sed -n 's/.*from commit \([0-9a-f]*\).*/\1/p' "$KIT/MANIFEST.txt") \
        DEVICE_NOTE="Run by the GPU kit (bench/gpu/run-kit.sh) on the machine its probe.log describes." \
        python3 "$repo/bench/report_devices.py" "$OUT/jmh-devices.json" "$devices" > "$OUT/RESULTS-devices.md" \
            && echo "wrote RESULTS-devices.md"
    fi
    return $rc
}

note "Nabla GPU kit run, $(date -u +%Y-%m-%dT%H:%M:%SZ), stages: $STAGES (deadline $DEADLINE s)"
((${#opencl_setup[@]})) && printf '%s\n' "${opencl_setup[@]}" >> "$summary"
stage probe 60
stage devices 90
stage examples 150
stage gpubench 200
stage torch 120
stage bench 240
stage tests 420
# GpuBenchmark's two JMH files and PyTorch's figures as one file (at most 8 files come back).
if [[ -f $work/jmh-gpu.json || -f $work/torch-gpu.json ]] && command -v "$PYTHON" >/dev/null; then
    "$PYTHON" - "$work" "$OUT/gpu-targets.json" <<'PY'
import json, os, sys
work, out = sys.argv[1], sys.argv[2]
def load(name, last_line=False):
    path = os.path.join(work, name)
    if not os.path.exists(path):
        return None
    text = open(path).read().strip()
    try:
        return json.loads(text.splitlines()[-1] if last_line else text)
    except (ValueError, IndexError):
        return None
jmh = (load("jmh-gpu.json") or []) + (load("jmh-gpu-own.json") or [])
json.dump({"jmh": jmh, "torch": load("torch-gpu.json", last_line=True)}, open(out, "w"), indent=1)
PY
fi
note "total $(( $(date +%s) - t0 )) s; logs in $OUT: $(cd "$OUT" && echo *)"
exit $status

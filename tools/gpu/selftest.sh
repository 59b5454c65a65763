#!/usr/bin/env bash
# Checks the GPU scripts on a machine without a GPU, as far as one allows, using only the carried files: a copy of
# gpu-carry in a scratch folder, and a PATH without java, the JDK's tools and xz.
#   ok      libtorch 2.7.1 CPU (taken out of tools/target/lib/pytorch-native-cpu-*.jar) given as TORCH_LIB_DIR:
#           run-on-gpu.sh gets through `env` and a benchmark, with both link checks (ldd, nm)
#   mismatch  a Python torch of another version (Debian's python3-torch 1.13 at /usr/bin/python3 here): exit 3, the
#           unresolved symbols counted alike by ldd and nm
#   build   with --build-jni and a carry made with --djl-src: build-jni.sh against that torch, then
#           run-on-gpu.sh with DJL_JNI (set TORCH_CMAKE_PREFIX where that torch keeps its CMake files elsewhere)
# Usage: tools/gpu/selftest.sh [--no-pack] [--build-jni] [--djl-src DJL_CHECKOUT]
set -euo pipefail
# shellcheck source=tools/gpu/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PACK=1 BUILD_JNI=0 PACK_ARGS=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-pack) PACK=0; shift ;;
        --build-jni) BUILD_JNI=1; shift ;;
        --djl-src) PACK_ARGS+=(--djl-src "$2"); shift 2 ;;
        *) die "unknown argument '$1' (see the header of $0)" ;;
    esac
done
MISMATCH_PYTHON="${MISMATCH_PYTHON:-/usr/bin/python3}"

((PACK == 0)) || "$GPU_TOOLS_DIR/pack.sh" "${PACK_ARGS[@]}"
[[ -f "$REPO_ROOT/gpu-carry/jre.tar.xz" ]] || die "no gpu-carry: run without --no-pack"
NATIVE_JAR="$(find "$REPO_ROOT/tools/target/lib" -maxdepth 1 -name 'pytorch-native-cpu-*.jar' | head -n 1)"
[[ -n "$NATIVE_JAR" ]] || die "no pytorch-native-cpu-*.jar in tools/target/lib: build with mvn package first"

T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/repo" "$T/torchlib" "$T/bin"
cp -r "$REPO_ROOT/gpu-carry" "$T/repo/"
python3 - "$NATIVE_JAR" "$T/torchlib" <<'EOF'
import os, shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as jar:
    for name in jar.namelist():
        if name.startswith("pytorch/cpu/") and name.endswith((".so", ".so.1")):
            with jar.open(name) as src, open(os.path.join(sys.argv[2], os.path.basename(name)), "wb") as dst:
                shutil.copyfileobj(src, dst)
EOF
TORCH_271="$(python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("native/lib/pytorch.properties").decode())' \
    "$NATIVE_JAR" | sed -nE 's/^version=([0-9.]+).*/\1/p')"
# Everything on PATH but the JDK's tools and xz (so the runtime is unpacked by Python's tarfile, as where xz is missing).
JDK_BIN="$(dirname "$(readlink -f "$(command -v javac)")")"
IFS=':' read -r -a PATH_DIRS <<<"$PATH"
for dir in "${PATH_DIRS[@]}"; do
    for tool in "$dir"/*; do
        name="$(basename "$tool")"
        [[ -x "$tool" && ! -e "$T/bin/$name" && ! -e "$JDK_BIN/$name" && "$name" != xz ]] || continue
        ln -s "$tool" "$T/bin/$name"
    done
done

PASSED=0 FAILED=0
# check SCRIPT NAME EXPECTED_STATUS PATTERN... -- ENV...: runs SCRIPT (run-on-gpu.sh with a small benchmark, or
# build-jni.sh) in the scratch repository with ENV, and checks its exit status and that each pattern is printed.
check() {
    local script="$1" name="$2" expected="$3" patterns=() status=0 ok=1 args=()
    shift 3
    while [[ "$1" != "--" ]]; do patterns+=("$1"); shift; done
    shift
    [[ "$script" != run-on-gpu.sh ]] || args=(-- benchmark backbone --sizes mini --resolutions 224x224 --batches 1 --iterations 1)
    (cd "$T/repo" && env -u JAVA_HOME PATH="$T/bin" WORK_DIR="$T/work-$name" "$@" "$GPU_TOOLS_DIR/$script" "${args[@]}") \
        >"$T/$name.log" 2>&1 || status=$?
    [[ "$status" == "$expected" ]] || { ok=0; say "  exit status $status, expected $expected"; }
    for p in "${patterns[@]}"; do
        grep -qE -- "$p" "$T/$name.log" || { ok=0; say "  no line matches: $p"; }
    done
    ((ok)) || sed 's/^/  | /' "$T/$name.log"
    verdict "$name" test "$ok" = 1
    [[ -z "${SELFTEST_LOGS:-}" ]] || cp "$T/$name.log" "$SELFTEST_LOGS/"
}
# verdict NAME COMMAND...: counts COMMAND's success as a pass.
verdict() {
    local name="$1"
    shift
    if "$@"; then
        PASSED=$((PASSED + 1)); say "ok    $name"
    else
        FAILED=$((FAILED + 1)); say "FAIL  $name"
    fi
}

check run-on-gpu.sh ok-ldd 0 'link check +ldd: 0 unresolved' 'check +conv 3x3 forward .* ok' '^mini +1x224x224' -- \
    TORCH_LIB_DIR="$T/torchlib" TORCH_VERSION="$TORCH_271" OUT="$T/out"
verdict "OUT/bringup.log holds the run" grep -qE '^mini +1x224x224' "$T/out/bringup.log"
check run-on-gpu.sh ok-nm 0 'link check +nm: 0 unresolved' 'check +conv 3x3 forward .* ok' -- \
    TORCH_LIB_DIR="$T/torchlib" TORCH_VERSION="$TORCH_271" JNI_CHECK=nm
check run-on-gpu.sh no-cu130 3 'no cu130 JNI' 'checked cu128' 'missing libraries: .*libtorch_cuda.so' -- \
    TORCH_LIB_DIR="$T/torchlib" TORCH_VERSION="$TORCH_271" TORCH_CUDA=13.0

OTHER="$("$MISMATCH_PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null || true)"
if [[ -n "$OTHER" && "$(base_version "$OTHER")" != "$TORCH_271" ]]; then
    check run-on-gpu.sh mismatch-ldd 3 'DIAGNOSIS' "built for libtorch $TORCH_271; this torch is $OTHER" 'ldd: [1-9][0-9]* unresolved' -- \
        PYTHON="$MISMATCH_PYTHON"
    check run-on-gpu.sh mismatch-nm 3 'DIAGNOSIS' 'nm: [1-9][0-9]* unresolved' -- PYTHON="$MISMATCH_PYTHON" JNI_CHECK=nm
    n_ldd="$(sed -nE 's/.*ldd: ([0-9]+) unresolved.*/\1/p' "$T/mismatch-ldd.log")"
    n_nm="$(sed -nE 's/.*nm: ([0-9]+) unresolved.*/\1/p' "$T/mismatch-nm.log")"
    verdict "ldd and nm count alike ($n_ldd and $n_nm unresolved)" test -n "$n_ldd" -a "$n_ldd" = "$n_nm"
    if ((BUILD_JNI)); then
        check build-jni.sh build 0 '^built ' -- PYTHON="$MISMATCH_PYTHON"
        BUILT="$(sed -nE 's/^built +([^ ]+) .*/\1/p' "$T/build.log")"
        check run-on-gpu.sh built-jni 0 'link check +ldd: 0 unresolved' 'check +conv 3x3 forward .* ok' '^mini +1x224x224' -- \
            PYTHON="$MISMATCH_PYTHON" DJL_JNI="${BUILT:-none}"
    fi
else
    say "skip  mismatch: '$MISMATCH_PYTHON' has no torch of a version other than $TORCH_271"
fi
say "$PASSED passed, $FAILED failed"
((FAILED == 0))

#!/usr/bin/env bash
# Builds DJL's PyTorch JNI (libdjl_torch.so) for the torch found here, from the DJL sources that pack.sh --djl-src
# carried (gpu-carry/djl-native.tar.gz), with the carried JDK headers and the runtime's libjvm. The way DJL's own
# engines/pytorch/pytorch-native/build.sh does it, minus the libtorch download: cmake with torch's CMake config.
# Then: DJL_JNI=<the file it prints> tools/gpu/run-on-gpu.sh -- ...
set -euo pipefail
# shellcheck source=tools/gpu/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
    cat <<'EOF'
usage: tools/gpu/build-jni.sh

Run from the repository root with gpu-carry/ (made by tools/gpu/pack.sh --djl-src DJL_CHECKOUT) beside it.
Needs cmake, a C++17 compiler and make or ninja; for a CUDA torch also the CUDA toolkit (nvcc) its CMake config
asks for. Environment:
  CARRY=DIR             the packed folder (default: ./gpu-carry)
  PYTHON=EXE            the Python whose torch is built against (default: python3)
  TORCH_LIB_DIR, TORCH_VERSION, TORCH_CUDA   as for run-on-gpu.sh, with
  TORCH_CMAKE_PREFIX=DIR  the folder holding Torch/TorchConfig.cmake (default: torch.utils.cmake_prefix_path)
  JOBS=N                parallel compile jobs (default: nproc)
  WORK_DIR=DIR          scratch folder (default: /tmp/densepred-jni; replaced)
  OUT=DIR               also write the output to DIR/build-jni.log and the JNI to DIR/
Exit status: 0 when the JNI was built; 4 when the compile or link failed (error summary printed); 2 for setup errors.
EOF
}

case "${1:-}" in
    "") ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
esac

log_to_out build-jni.log

CARRY="${CARRY:-gpu-carry}"
PYTHON="${PYTHON:-python3}"
WORK_DIR="${WORK_DIR:-/tmp/densepred-jni}"
JOBS="${JOBS:-$(nproc)}"
for f in djl-native.tar.gz jdk-include.tar.gz; do
    [[ -f "$CARRY/$f" ]] || die "$CARRY/$f is missing: run tools/gpu/pack.sh --djl-src DJL_CHECKOUT on the development machine"
done
command -v cmake >/dev/null || die "cmake is missing"
if command -v ninja >/dev/null; then
    GENERATOR=Ninja KEEP_GOING=(-k 0)
elif command -v make >/dev/null; then
    GENERATOR="Unix Makefiles" KEEP_GOING=(-k)
else
    die "neither ninja nor make is available"
fi

say "== building DJL's PyTorch JNI, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -srm)"
rm -rf "$WORK_DIR"
unpack_jre "$CARRY" "$WORK_DIR" "$PYTHON"
JDK="$WORK_DIR/jre"
tar -xzf "$CARRY/jdk-include.tar.gz" -C "$JDK"
tar -xzf "$CARRY/djl-native.tar.gz" -C "$WORK_DIR"
DJL_VERSION="$(cat "$WORK_DIR/djl-native/DJL_VERSION")"
SRC="$WORK_DIR/djl-native/engines/pytorch/pytorch-native"

probe_torch "$PYTHON"
FLAVOR="$(flavor_for_cuda "$TORCH_CUDA")"
VERSION="$(base_version "$TORCH_VERSION")"
say "torch          $TORCH_VERSION, ${TORCH_CUDA:+CUDA $TORCH_CUDA, }flavour $FLAVOR (from $TORCH_SOURCE)"
[[ -n "$TORCH_CMAKE_PREFIX" && -f "$TORCH_CMAKE_PREFIX/Torch/TorchConfig.cmake" ]] ||
    die "no Torch/TorchConfig.cmake under '$TORCH_CMAKE_PREFIX': set TORCH_CMAKE_PREFIX to the folder holding Torch/"
say "torch cmake    $TORCH_CMAKE_PREFIX"
say "djl sources    DJL $DJL_VERSION ($SRC)"

# As DJL's build.sh: the 1.13-era API switch, and USE_CUDA for CUDA builds.
DEFINES=()
case "$VERSION" in
    1.13.* | 2.0.* | 2.1.*) DEFINES+=(-DPT_VERSION=V1_13_X) ;;
esac
[[ -z "$TORCH_CUDA" ]] || DEFINES+=(-DUSE_CUDA=1)

BUILD="$SRC/build"
cmake -S "$SRC" -B "$BUILD" -G "$GENERATOR" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$TORCH_CMAKE_PREFIX" \
    -DJAVA_HOME="$JDK" -DJAVA_INCLUDE_PATH="$JDK/include" -DJAVA_INCLUDE_PATH2="$JDK/include/linux" \
    -DJAVA_JVM_LIBRARY="$JDK/lib/server/libjvm.so" "${DEFINES[@]}" ||
    { say "CONFIGURE FAILED (cmake's messages above)"; exit 4; }
if [[ -n "$TORCH_CUDA" ]]; then
    # As build.sh: no direct link to the toolkit's cudart/nvrtc; torch's own libraries bring the ones they need.
    for f in "$BUILD/build.ninja" "$BUILD/CMakeFiles/djl_torch.dir/link.txt"; do
        [[ ! -f "$f" ]] || sed -i -E 's#[^ ;"]*/lib(cudart|nvrtc)\.so[^ ;"]*##g' "$f"
    done
fi

BUILD_LOG="$WORK_DIR/build.log"
say "compiling with $JOBS jobs ($GENERATOR) ..."
if ! cmake --build "$BUILD" -j "$JOBS" -- "${KEEP_GOING[@]}" >"$BUILD_LOG" 2>&1; then
    ERRORS="$(grep -E '(error|Error)[: ]' "$BUILD_LOG" | grep -v '^ninja: build stopped' || true)"
    say ""
    say "BUILD FAILED: $(grep -c 'error:' "$BUILD_LOG" || true) compiler errors in $(grep -cE '^FAILED: |\*\*\* \[' "$BUILD_LOG" || true) failed steps (full log: $BUILD_LOG)"
    say "first 20 errors:"
    grep 'error:' <<<"$ERRORS" | head -n 20 | sed -E "s#^$SRC/##; s/^/  /" | cut -c1-400
    [[ -z "${OUT:-}" ]] || cp "$BUILD_LOG" "$OUT/build-jni-compile.log"
    exit 4
fi
RESULT="$WORK_DIR/libdjl_torch-$VERSION-$FLAVOR.so"
cp "$BUILD/libdjl_torch.so" "$RESULT"
say "built          $RESULT ($(du -h "$RESULT" | cut -f1))"
if command -v readelf >/dev/null; then
    say "needs          $(readelf -d "$RESULT" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p' | paste -sd' ' -)"
fi
if [[ -n "${OUT:-}" ]]; then
    cp "$RESULT" "$OUT/"
fi
say "next: DJL_JNI=$RESULT tools/gpu/run-on-gpu.sh -- <densepred command>"

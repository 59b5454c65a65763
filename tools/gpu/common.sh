# shellcheck shell=bash
# Shared by the scripts in tools/gpu (sourced, not run). Bash; the caller sets `set -euo pipefail`.

# shellcheck disable=SC2034  # the variables set here are read by the scripts that source this file

GPU_TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$GPU_TOOLS_DIR/../.." && pwd)"

say() { printf '%s\n' "$*"; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 2
}

# The linux-<arch> classifier DJL uses for its native folders.
djl_classifier() {
    case "$(uname -m)" in
        x86_64) echo linux-x86_64 ;;
        aarch64) echo linux-aarch64 ;;
        *) die "unsupported machine $(uname -m)" ;;
    esac
}

# 2.11.0+cu130 -> 2.11.0, 1.13.0a0 -> 1.13.0 (DJL names its folders by the x.y.z part).
base_version() {
    sed -E 's/^([0-9]+\.[0-9]+\.[0-9]+).*/\1/' <<<"$1"
}

# With OUT set, copies everything the script prints into OUT/NAME as well, and waits for the copy at exit so the
# file is complete when the caller collects it.
log_to_out() {
    [[ -n "${OUT:-}" ]] || return 0
    mkdir -p "$OUT"
    exec > >(tee -a "$OUT/$1") 2>&1
    LOG_PID=$!
    trap 'exec >&- 2>&-; wait "$LOG_PID"' EXIT
}

# DJL's flavour for a CUDA version: 12.8 -> cu128, empty (no CUDA) -> cpu.
flavor_for_cuda() {
    if [[ -z "$1" ]]; then echo cpu; else echo "cu${1//./}"; fi
}

# Unpacks CARRY/jre.tar.xz into DEST/jre (fresh) and sets JAVA_BIN; with PYTHON's tarfile where xz is missing.
unpack_jre() {
    local carry="$1" dest="$2" python="$3"
    [[ -f "$carry/jre.tar.xz" ]] || die "$carry/jre.tar.xz is missing: run tools/gpu/pack.sh on the development machine and carry gpu-carry"
    rm -rf "$dest/jre"
    mkdir -p "$dest"
    if command -v xz >/dev/null; then
        tar -xJf "$carry/jre.tar.xz" -C "$dest"
    else
        "$python" - "$carry/jre.tar.xz" "$dest" <<'EOF'
import sys, tarfile
# 'tar' keeps the modes and links a runtime needs (Python 3.12+ asks for a filter; older ones have none)
options = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}
with tarfile.open(sys.argv[1]) as archive:
    archive.extractall(sys.argv[2], **options)
EOF
    fi
    JAVA_BIN="$dest/jre/bin/java"
    [[ -x "$JAVA_BIN" ]] || die "$carry/jre.tar.xz holds no jre/bin/java"
}

# Finds the libtorch to run against and sets TORCH_VERSION, TORCH_CUDA (empty: CPU build), TORCH_LIB_DIR,
# TORCH_CMAKE_PREFIX, TORCH_GPU (the device torch sees, or empty), TORCH_CUDART (the libcudart torch loaded, or
# empty) and TORCH_SOURCE. Either from "$PYTHON -c 'import torch'", or, when TORCH_LIB_DIR is set by the user (a
# libtorch that no Python torch describes), from TORCH_LIB_DIR + TORCH_VERSION (+ TORCH_CUDA). A TORCH_CMAKE_PREFIX
# set by the user wins over torch's own (Debian's python3-torch, e.g., keeps its CMake files elsewhere).
probe_torch() {
    local python="$1"
    TORCH_GPU=""
    TORCH_CUDART=""
    if [[ -n "${TORCH_LIB_DIR:-}" ]]; then
        [[ -n "${TORCH_VERSION:-}" ]] || die "TORCH_LIB_DIR is set: set TORCH_VERSION too (the libtorch version in it, e.g. 2.7.1)"
        [[ -f "$TORCH_LIB_DIR/libtorch.so" ]] || die "TORCH_LIB_DIR=$TORCH_LIB_DIR holds no libtorch.so"
        TORCH_CUDA="${TORCH_CUDA:-}"
        TORCH_CMAKE_PREFIX="${TORCH_CMAKE_PREFIX:-}"
        TORCH_SOURCE="TORCH_LIB_DIR/TORCH_VERSION override"
        return
    fi
    command -v "$python" >/dev/null || die "no '$python' found: set PYTHON, or TORCH_LIB_DIR + TORCH_VERSION"
    local probe
    probe="$("$python" - <<'EOF'
import os, sys
try:
    import torch
except Exception as e:  # report, the shell turns it into a clear error
    print("error=" + repr(e))
    sys.exit(0)
print("version=" + torch.__version__)
print("cuda=" + (torch.version.cuda or ""))
print("lib=" + os.path.join(os.path.dirname(torch.__file__), "lib"))
print("cmake=" + torch.utils.cmake_prefix_path)
print("python=" + sys.executable)
if torch.version.cuda and torch.cuda.is_available():
    print("gpu=%s (%d visible)" % (torch.cuda.get_device_name(0), torch.cuda.device_count()))
    # the libcudart torch itself loaded: DJL finds GPUs through cudart (JNA), which may not be on the library path
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "/libcudart.so" in path:
                print("cudart=" + path)
                break
EOF
)"
    local key value error="" cmake_override="${TORCH_CMAKE_PREFIX:-}"
    TORCH_VERSION="" TORCH_CUDA="" TORCH_LIB_DIR="" TORCH_CMAKE_PREFIX="" TORCH_SOURCE=""
    while IFS='=' read -r key value; do
        case "$key" in
            error) error="$value" ;;
            version) TORCH_VERSION="$value" ;;
            cuda) TORCH_CUDA="$value" ;;
            lib) TORCH_LIB_DIR="$value" ;;
            cmake) TORCH_CMAKE_PREFIX="$value" ;;
            python) TORCH_SOURCE="$value" ;;
            gpu) TORCH_GPU="$value" ;;
            cudart) TORCH_CUDART="$value" ;;
        esac
    done <<<"$probe"
    TORCH_CMAKE_PREFIX="${cmake_override:-$TORCH_CMAKE_PREFIX}"
    [[ -z "$error" ]] || die "'$python' cannot import torch: $error (set PYTHON, or TORCH_LIB_DIR + TORCH_VERSION)"
    [[ -f "$TORCH_LIB_DIR/libtorch.so" ]] || die "torch from $TORCH_SOURCE has no $TORCH_LIB_DIR/libtorch.so"
}

#!/usr/bin/env bash
# GPU bring-up in one command, on a machine that has a Python torch (or a libtorch) but no Java: unpacks the
# carried runtime, finds torch, checks that DJL's JNI links against it, then runs `densepred env` and the command
# given after `--`. Everything printed also goes to $OUT/bringup.log when OUT is set.
set -euo pipefail
# shellcheck source=tools/gpu/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
    cat <<'EOF'
usage: tools/gpu/run-on-gpu.sh [-- DENSEPRED_ARGS...]
  e.g. tools/gpu/run-on-gpu.sh -- benchmark backbone --sizes tiny --device gpu --resolutions 800x1216 --batches 2 --train

Run from the repository root with gpu-carry/ (tools/gpu/pack.sh) beside it. Environment:
  CARRY=DIR           the packed folder (default: ./gpu-carry)
  PYTHON=EXE          the Python whose torch is used (default: python3)
  TORCH_LIB_DIR=DIR   use this libtorch folder instead of a Python torch; needs TORCH_VERSION=x.y.z and, for a
                      CUDA build, TORCH_CUDA=12.8 (a libtorch that no Python describes, or to test the script)
  DJL_JNI=FILE        a libdjl_torch.so built for this torch (tools/gpu/build-jni.sh) instead of the jar's
  ALLOW_VERSION_MISMATCH=1  run even though the JNI was built for another libtorch version, when every symbol
                      resolves (C++ layouts may still differ: a crash is then possible)
  JNI_CHECK=ldd|nm    how unresolved symbols are found (default: ldd -r when ldd exists, else nm -D)
  JAVA_OPTS=...       extra JVM options
  WORK_DIR=DIR        scratch folder (default: /tmp/densepred-gpu; replaced)
  OUT=DIR             also write the whole output to DIR/bringup.log
Exit status: 0 when all ran; 3 when the JNI cannot load (the diagnosis is printed); 2 for setup errors; otherwise
the failing densepred command's status.
EOF
}

ARGS=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --) shift; ARGS=("$@"); break ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1' (densepred's arguments go after --)" ;;
    esac
done

log_to_out bringup.log

CARRY="${CARRY:-gpu-carry}"
PYTHON="${PYTHON:-python3}"
WORK_DIR="${WORK_DIR:-/tmp/densepred-gpu}"
APP="$CARRY/app/densepred.jar"
[[ -f "$APP" ]] || die "$APP is missing: run tools/gpu/pack.sh on the development machine and carry gpu-carry"
JNI_JAR="$(find "$CARRY/app/lib" -maxdepth 1 -name 'pytorch-jni-*.jar' | head -n 1)"
[[ -n "$JNI_JAR" ]] || die "no pytorch-jni-*.jar in $CARRY/app/lib"

say "== densepred GPU bring-up, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -srm)"
if command -v nvidia-smi >/dev/null; then
    say "nvidia-smi     $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 1)"
else
    say "nvidia-smi     not found"
fi

unpack_jre "$CARRY" "$WORK_DIR" "$PYTHON"
say "java           $("$JAVA_BIN" -version 2>&1 | head -n 1) ($JAVA_BIN)"

probe_torch "$PYTHON"
FLAVOR="$(flavor_for_cuda "$TORCH_CUDA")"
VERSION="$(base_version "$TORCH_VERSION")"
say "torch          $TORCH_VERSION, ${TORCH_CUDA:+CUDA $TORCH_CUDA, }flavour $FLAVOR (from $TORCH_SOURCE)"
say "torch lib      $TORCH_LIB_DIR"
[[ -z "$TORCH_GPU" ]] || say "torch sees     $TORCH_GPU"

CLASSIFIER="$(djl_classifier)"
# What the jar holds: the libtorch version and DJL version its JNIs were built for, and their flavours.
JAR_INFO="$("$PYTHON" - "$JNI_JAR" "$CLASSIFIER" <<'EOF'
import re, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as jar:
    props = jar.read("jnilib/pytorch.properties").decode()
    print(re.search(r"jni_version=(\S+)", props).group(1))
    pattern = re.compile(r"jnilib/%s/([^/]+)/libdjl_torch\.so$" % re.escape(sys.argv[2]))
    print(" ".join(sorted(m.group(1) for m in map(pattern.match, jar.namelist()) if m)))
EOF
)"
JNI_VERSION="$(sed -n 1p <<<"$JAR_INFO")"    # e.g. 2.7.1-0.35.1
JAR_FLAVORS="$(sed -n 2p <<<"$JAR_INFO")"    # e.g. cpu cu128
JNI_TORCH="${JNI_VERSION%%-*}"
DJL_VERSION="${JNI_VERSION#*-}"
say "jni jar        $(basename "$JNI_JAR"): DJL $DJL_VERSION, built for libtorch $JNI_TORCH, $CLASSIFIER flavours: ${JAR_FLAVORS:-none}"

PROBLEMS=()
JNI="$WORK_DIR/jni/libdjl_torch.so"
mkdir -p "$WORK_DIR/jni"
if [[ -n "${DJL_JNI:-}" ]]; then
    [[ -f "$DJL_JNI" ]] || die "DJL_JNI=$DJL_JNI does not exist"
    cp "$DJL_JNI" "$JNI"
    JNI_FLAVOR="$FLAVOR"
    say "jni            $DJL_JNI (DJL_JNI; taken as built for this torch)"
else
    JNI_FLAVOR="$FLAVOR"
    if [[ " $JAR_FLAVORS " != *" $FLAVOR "* ]]; then
        # DJL itself falls back to the highest CUDA flavour not above the machine's; check that one's symbols.
        JNI_FLAVOR=""
        if [[ "$FLAVOR" == cu* ]]; then
            for f in $JAR_FLAVORS; do
                if [[ "$f" == cu* && "${f#cu}" -le "${FLAVOR#cu}" && ("$JNI_FLAVOR" == "" || "${f#cu}" -gt "${JNI_FLAVOR#cu}") ]]; then
                    JNI_FLAVOR="$f"
                fi
            done
        fi
        PROBLEMS+=("the jar has no $FLAVOR JNI for $CLASSIFIER (it has: ${JAR_FLAVORS:-none})${JNI_FLAVOR:+; checked $JNI_FLAVOR, the nearest lower CUDA flavour, instead}")
        [[ -n "$JNI_FLAVOR" ]] || {
            say ""
            say "DIAGNOSIS: ${PROBLEMS[0]}; nothing to check."
            exit 3
        }
    fi
    "$PYTHON" - "$JNI_JAR" "jnilib/$CLASSIFIER/$JNI_FLAVOR/libdjl_torch.so" "$JNI" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as jar, jar.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
    say "jni            jnilib/$CLASSIFIER/$JNI_FLAVOR/libdjl_torch.so"
    if [[ "$VERSION" != "$JNI_TORCH" ]]; then
        PROBLEMS+=("the JNI was built for libtorch $JNI_TORCH; this torch is $TORCH_VERSION (DJL builds one JNI per libtorch version)")
    fi
fi

# Unresolved symbols of the JNI against torch's lib folder: what dlopen would refuse.
CHECK="${JNI_CHECK:-}"
if [[ -z "$CHECK" ]]; then
    if command -v ldd >/dev/null; then CHECK="ldd"; else CHECK="nm"; fi
fi
MISSING_LIBS=""
case "$CHECK" in
    ldd)
        LDD_OUT="$(LD_LIBRARY_PATH="$TORCH_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd -r "$JNI" 2>&1 || true)"
        MISSING_LIBS="$(sed -nE 's/^[[:space:]]*([^[:space:]]+) => not found.*/\1/p' <<<"$LDD_OUT" | sort -u | paste -sd' ' -)"
        # "version `GLIBCXX_3.4.32' not found (required by ...)" counts as unresolved too
        UNRESOLVED="$(sed -nE -e 's/^undefined symbol: ([^[:space:]]+).*/\1/p' \
            -e "s/.*version \`([^']+)' not found.*/version \1/p" <<<"$LDD_OUT")"
        ;;
    nm)
        command -v nm >/dev/null || die "neither ldd nor nm is available to check the JNI"
        # The JNI's undefined symbols without a version tag (glibc/libstdc++ ones carry @GLIBC_, @GLIBCXX_...)
        # that no library in torch's folder defines.
        UNRESOLVED="$("$PYTHON" - "$JNI" "$TORCH_LIB_DIR" <<'EOF'
import glob, os, subprocess, sys
def symbols(path, *flags):
    out = subprocess.run(["nm", "-D", *flags, path], capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines() if line.strip()]
wanted = {f[-1] for f in symbols(sys.argv[1], "--undefined-only") if f[-2] == "U" and "@" not in f[-1]}
defined = set()
for lib in glob.glob(os.path.join(sys.argv[2], "*.so*")):
    defined.update(f[-1].split("@")[0] for f in symbols(lib, "--defined-only"))
print("\n".join(sorted(wanted - defined)))
EOF
)"
        ;;
    *) die "JNI_CHECK=$CHECK: use ldd or nm" ;;
esac
UNRESOLVED="$(sed '/^$/d' <<<"$UNRESOLVED")"
COUNT="$(grep -c . <<<"$UNRESOLVED" || true)"
say "link check     $CHECK: $COUNT unresolved symbols, missing libraries: ${MISSING_LIBS:-none}"
if ((COUNT > 0)); then
    say "first 20 unresolved (demangled):"
    if command -v c++filt >/dev/null; then
        head -n 20 <<<"$UNRESOLVED" | c++filt | sed 's/^/  /'
    else
        head -n 20 <<<"$UNRESOLVED" | sed 's/^/  /'
    fi
    PROBLEMS+=("$COUNT symbols the JNI needs are not in $TORCH_LIB_DIR")
fi
[[ -z "$MISSING_LIBS" ]] || PROBLEMS+=("libraries the JNI needs are not found: $MISSING_LIBS")

LOADS=1
if ((COUNT > 0)) || [[ -n "$MISSING_LIBS" ]]; then
    LOADS=0
elif [[ -z "${DJL_JNI:-}" && "$VERSION" != "$JNI_TORCH" && "${ALLOW_VERSION_MISMATCH:-}" != 1 ]]; then
    LOADS=0
    PROBLEMS+=("every symbol resolves, but the JNI was built for another libtorch; ALLOW_VERSION_MISMATCH=1 tries it")
fi
if ((${#PROBLEMS[@]} > 0)); then
    say ""
    if ((LOADS == 0)); then say "DIAGNOSIS:"; else say "notes:"; fi
    printf '  - %s\n' "${PROBLEMS[@]}"
fi
if ((LOADS == 0)); then
    say "The JNI cannot be used with this torch. Either install torch $JNI_TORCH (pip install torch==$JNI_TORCH with a"
    say "flavour the jar has: ${JAR_FLAVORS:-none}), or build DJL $DJL_VERSION's JNI for torch $TORCH_VERSION with"
    say "tools/gpu/build-jni.sh and rerun with DJL_JNI=<the libdjl_torch.so it writes> (tools/gpu/README.md)."
    exit 3
fi

# DJL looks for <djl version>-libdjl_torch.so in <engine cache>/pytorch/<version>-<flavour>-<classifier>/ before it
# reads the jar: placing the checked file there makes it the one loaded, and a fresh cache keeps old ones out.
CACHE="$WORK_DIR/djl-cache"
mkdir -p "$CACHE/pytorch/$VERSION-$JNI_FLAVOR-$CLASSIFIER"
cp "$JNI" "$CACHE/pytorch/$VERSION-$JNI_FLAVOR-$CLASSIFIER/$DJL_VERSION-libdjl_torch.so"
export ENGINE_CACHE_DIR="$CACHE"
export PYTORCH_LIBRARY_PATH="$TORCH_LIB_DIR" PYTORCH_VERSION="$VERSION" PYTORCH_FLAVOR="$JNI_FLAVOR"
JAVA_ARGS=(-Dai.djl.offline=true)
# DJL counts GPUs through libcudart (JNA): point it at the one torch loaded, which may not be on the library path.
[[ -z "$TORCH_CUDART" ]] || JAVA_ARGS+=("-Djna.library.path=$(dirname "$TORCH_CUDART")")
read -r -a EXTRA <<<"${JAVA_OPTS:-}"
JAVA_ARGS+=("${EXTRA[@]}")
say "running with   PYTORCH_LIBRARY_PATH=$PYTORCH_LIBRARY_PATH PYTORCH_VERSION=$VERSION PYTORCH_FLAVOR=$JNI_FLAVOR"
say "               ENGINE_CACHE_DIR=$CACHE java ${JAVA_ARGS[*]}"

say ""
say "\$ densepred env"
ENV_OUT="$WORK_DIR/env.txt"
"$JAVA_BIN" "${JAVA_ARGS[@]}" -jar "$APP" env 2>&1 | tee "$ENV_OUT"
if [[ -n "$TORCH_GPU" ]] && ! grep -q 'gpu:0' "$ENV_OUT"; then
    say "WARNING: torch sees $TORCH_GPU but DJL lists no GPU (cudart not found by JNA, or a CPU JNI)"
fi
if ((${#ARGS[@]} > 0)); then
    say ""
    say "\$ densepred ${ARGS[*]}"
    "$JAVA_BIN" "${JAVA_ARGS[@]}" -jar "$APP" "${ARGS[@]}"
fi

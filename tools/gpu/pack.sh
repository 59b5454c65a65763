#!/usr/bin/env bash
# Packs what a machine without Java needs to run densepred into gpu-carry/ (ignored by git):
#   jre.tar.xz          a jlink'd Java runtime with the modules the app uses
#   app/                densepred.jar and lib/*.jar, without pytorch-native-* (the machine brings its own libtorch)
#   jdk-include.tar.gz  $JAVA_HOME/include (jni.h), which build-jni.sh needs and a jlink'd runtime lacks
#   djl-native.tar.gz   only with --djl-src: DJL's JNI sources and the JNI header made here with javac -h
#   MANIFEST.txt        what was packed, from which commit
# Run on the development machine after `mvn -B -ntp -q package -DskipTests`.
set -euo pipefail
# shellcheck source=tools/gpu/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
    cat <<EOF
usage: tools/gpu/pack.sh [--out DIR] [--djl-src DJL_CHECKOUT]

  --out DIR        where to write (default: $REPO_ROOT/gpu-carry; replaced). A device call sends the checkout
                   its session started in: a helper in another worktree writes into that one's gpu-carry/
  --djl-src DIR    a DJL source checkout at the tag of the DJL in tools/target/lib (e.g. v0.35.1); its PyTorch
                   JNI sources go into djl-native.tar.gz for tools/gpu/build-jni.sh
Environment: JAVA_HOME (default: the JDK of the jlink on PATH).
EOF
}

OUT_DIR="$REPO_ROOT/gpu-carry"
DJL_SRC=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) OUT_DIR="$2"; shift 2 ;;
        --djl-src) DJL_SRC="$2"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done

TARGET="$REPO_ROOT/tools/target"
[[ -f "$TARGET/densepred.jar" && -d "$TARGET/lib" ]] ||
    die "$TARGET/densepred.jar or $TARGET/lib is missing: build first with 'mvn -B -ntp -q package -DskipTests'"
JNI_JAR="$(find "$TARGET/lib" -maxdepth 1 -name 'pytorch-jni-*.jar' | head -n 1)"
[[ -n "$JNI_JAR" ]] || die "no pytorch-jni-*.jar in $TARGET/lib"

if [[ -z "${JAVA_HOME:-}" ]]; then
    command -v jlink >/dev/null || die "no jlink on PATH: set JAVA_HOME to a JDK (17 or later)"
    JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v jlink)")")")"
fi
command -v xz >/dev/null || die "xz is missing (apt-get install xz-utils)"
for tool in jlink jdeps jar javac; do
    [[ -x "$JAVA_HOME/bin/$tool" ]] || die "$JAVA_HOME/bin/$tool is missing: JAVA_HOME must be a full JDK"
done
[[ -f "$JAVA_HOME/include/jni.h" ]] || die "$JAVA_HOME/include/jni.h is missing"

if [[ -d "$OUT_DIR" && -n "$(ls -A "$OUT_DIR")" && ! -f "$OUT_DIR/MANIFEST.txt" ]]; then
    die "--out $OUT_DIR is a non-empty folder that pack.sh did not write: refusing to replace it"
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [[ -n "$DJL_SRC" ]]; then
    NATIVE="engines/pytorch/pytorch-native"
    for f in "$NATIVE/CMakeLists.txt" "$NATIVE/src/main/native" api/src/main/native/djl/utils.h \
        engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java gradle/libs.versions.toml; do
        [[ -e "$DJL_SRC/$f" ]] || die "--djl-src $DJL_SRC has no $f: give the root of a DJL checkout"
    done
    DJL_SRC_VERSION="$(sed -nE 's/^djl = "([^"]+)"/\1/p' "$DJL_SRC/gradle/libs.versions.toml")"
    ENGINE_JAR="$(find "$TARGET/lib" -maxdepth 1 -name 'pytorch-engine-*.jar' | head -n 1)"
    DJL_JAR_VERSION="$(basename "$ENGINE_JAR" .jar)"
    DJL_JAR_VERSION="${DJL_JAR_VERSION#pytorch-engine-}"
    [[ "$DJL_SRC_VERSION" == "$DJL_JAR_VERSION" ]] ||
        die "--djl-src is DJL $DJL_SRC_VERSION but the app uses DJL $DJL_JAR_VERSION: check out tag v$DJL_JAR_VERSION"
    STAGE="$WORK/djl-native"
    mkdir -p "$STAGE/$NATIVE/src/main" "$STAGE/api/src/main/native/djl" "$STAGE/$NATIVE/build/include"
    cp "$DJL_SRC/$NATIVE/CMakeLists.txt" "$STAGE/$NATIVE/"
    cp -r "$DJL_SRC/$NATIVE/src/main/native" "$STAGE/$NATIVE/src/main/"
    cp "$DJL_SRC/api/src/main/native/djl/utils.h" "$STAGE/api/src/main/native/djl/"
    # The JNI header, as DJL's build.sh makes it (javac -h); the GPU machine has no javac.
    "$JAVA_HOME/bin/javac" -nowarn -Xlint:none -cp "$(printf '%s:' "$TARGET"/lib/*.jar)" \
        -sourcepath "$DJL_SRC/engines/pytorch/pytorch-engine/src/main/java" \
        -h "$STAGE/$NATIVE/build/include" -d "$WORK/javac" \
        "$DJL_SRC/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"
    [[ -f "$STAGE/$NATIVE/build/include/ai_djl_pytorch_jni_PyTorchLibrary.h" ]] || die "javac -h wrote no JNI header"
    echo "$DJL_SRC_VERSION" >"$STAGE/DJL_VERSION"
fi

# The app's jars: everything but the CPU libtorch (a 106 MiB jar; the GPU machine has its own libtorch).
APP_JARS=("$TARGET/densepred.jar")
for jar in "$TARGET"/lib/*.jar; do
    case "$(basename "$jar")" in
        pytorch-native-*) ;;
        *) APP_JARS+=("$jar") ;;
    esac
done

# Modules: jdeps per jar (together it stops at modular jars whose own dependencies are absent); a jar jdeps
# refuses is analysed as plain classes, without its module-info.
say "finding the Java modules of ${#APP_JARS[@]} jars with jdeps ..."
declare -A MODULES=([jdk.unsupported]=1)
for jar in "${APP_JARS[@]}"; do
    if ! deps="$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 "$jar" 2>/dev/null)"; then
        classes="$WORK/classes/$(basename "$jar")"
        mkdir -p "$classes"
        (cd "$classes" && "$JAVA_HOME/bin/jar" -xf "$jar")
        find "$classes" -name module-info.class -delete
        deps="$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 "$classes")" ||
            die "jdeps cannot analyse $jar"
    fi
    IFS=',' read -r -a found <<<"$(tail -n 1 <<<"$deps")"
    for module in "${found[@]}"; do
        [[ -n "$module" ]] && MODULES[$module]=1
    done
done
MODULE_LIST="$(printf '%s\n' "${!MODULES[@]}" | sort | paste -sd, -)"
say "modules: $MODULE_LIST"

"$JAVA_HOME/bin/jlink" --add-modules "$MODULE_LIST" --strip-debug --no-man-pages --no-header-files \
    --output "$WORK/jre"
"$WORK/jre/bin/java" -version >/dev/null 2>&1 || die "the jlink'd runtime in $WORK/jre does not start"
JAVA_VERSION="$("$WORK/jre/bin/java" -version 2>&1 | head -n 1)"

rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR/app/lib"
[[ -z "$DJL_SRC" ]] || tar -czf "$OUT_DIR/djl-native.tar.gz" -C "$WORK" djl-native
# Left uncompressed by jlink and packed with xz: 17 MiB, where jlink's --compress=2 and gzip give 30 MiB.
tar -cf - -C "$WORK" jre | xz -T0 >"$OUT_DIR/jre.tar.xz"
tar -czf "$OUT_DIR/jdk-include.tar.gz" -C "$JAVA_HOME" include
cp "$TARGET/densepred.jar" "$OUT_DIR/app/"
for jar in "${APP_JARS[@]:1}"; do
    cp "$jar" "$OUT_DIR/app/lib/"
done

COMMIT="$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
{
    echo "packed      $(date -u +%Y-%m-%dT%H:%M:%SZ) from commit $COMMIT"
    echo "runtime     $JAVA_VERSION, jlink'd from $JAVA_HOME"
    echo "modules     $MODULE_LIST"
    echo "jni jar     $(basename "$JNI_JAR")"
    echo "app jars    $((${#APP_JARS[@]} - 1)) in app/lib (pytorch-native-* left out)"
    [[ -z "$DJL_SRC" ]] || echo "djl-native  DJL $DJL_SRC_VERSION JNI sources from $DJL_SRC"
} >"$OUT_DIR/MANIFEST.txt"

# What one device call sends: the working tree (tracked and untracked files git does not ignore) of the checkout
# that holds OUT_DIR, and the carry.
TREE_ROOT="$(git -C "$(dirname "$OUT_DIR")" rev-parse --show-toplevel 2>/dev/null || echo "$REPO_ROOT")"
git -C "$TREE_ROOT" check-ignore -q "$OUT_DIR" ||
    say "warning: $OUT_DIR is not ignored by git in $TREE_ROOT: it would travel with every call, carried or not"
CARRY_BYTES="$(du -sb "$OUT_DIR" | cut -f1)"
TREE_BYTES="$(cd "$TREE_ROOT" && git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -n 1 | cut -f1)"
mib() { awk -v b="$1" 'BEGIN { if (b < 1048576) printf "%.0f KiB", b / 1024; else printf "%.1f MiB", b / 1048576 }'; }
cat "$OUT_DIR/MANIFEST.txt"
say "sizes:"
(cd "$OUT_DIR" && du -bs jre.tar.xz jdk-include.tar.gz app ${DJL_SRC:+djl-native.tar.gz}) |
    while read -r bytes name; do printf '  %-20s %s\n' "$name" "$(mib "$bytes")"; done
say "  gpu-carry total      $(mib "$CARRY_BYTES")"
say "  working tree         $(mib "$TREE_BYTES") ($TREE_ROOT)"
TOTAL=$((CARRY_BYTES + TREE_BYTES))
say "  sent with a run      $(mib "$TOTAL") of the 64 MiB limit"
((TOTAL < 64 * 1048576)) || die "the working tree plus $OUT_DIR exceed 64 MiB"
say "wrote $OUT_DIR"

#!/usr/bin/env bash
# The jar's native library for this platform, built by `mvn` (generate-resources): the Rust
# library (cargo, release, static) linked into the JNI shim, stripped, one self-contained
# file at <classes>/dev/lprank/native/<os>-<arch>/liblprank_jni.so, which NativeLibrary loads.
#
#   build-native.sh CLASSES_DIR JAVA_HOME
#
# Only linux-x86_64 is built and tested here. Another platform is added by running this on
# that platform (or cross-compiling with cargo --target and a matching C compiler) and
# putting its library beside this one in the jar under its own <os>-<arch> directory
# (names as NativeLibrary.platform() gives them, e.g. linux-aarch64), before packaging.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
classes=$1
java_home=$2

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x86_64 ;;
  Linux-aarch64) platform=linux-aarch64 ;;
  *) echo "build-native.sh: $(uname -s)-$(uname -m) is not a platform this script builds" >&2; exit 1 ;;
esac

cargo build --release --lib --manifest-path "$root/Cargo.toml"
out="$classes/dev/lprank/native/$platform"
mkdir -p "$out"
# --exclude-libs: the Rust library's symbols stay inside the shim (only the JNI entry
# points are exported); the -l list is what rustc --print native-static-libs names.
cc -shared -fPIC -O2 -s -Wall -Wextra -Werror \
  -I"$root/include" -I"$java_home/include" -I"$java_home/include/linux" \
  "$here/jni/lprank_jni.c" "$root/target/release/liblprank.a" \
  -Wl,--exclude-libs,ALL -Wl,--gc-sections \
  -lgcc_s -lutil -lrt -lpthread -lm -ldl \
  -o "$out/liblprank_jni.so"
echo "build-native.sh: $out/liblprank_jni.so ($(du -k "$out/liblprank_jni.so" | cut -f1) KiB)"

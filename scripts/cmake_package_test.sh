#!/usr/bin/env bash
# The C/C++ package end to end, as a user gets it: configure the top-level CMakeLists.txt,
# build (cargo runs inside), install into a fresh prefix, then build examples/cmake-consumer
# against the installed package with find_package(lprank CONFIG REQUIRED) and pkg-config,
# under AddressSanitizer and UBSan, and run its GoogleTest suite with ctest.
# Needs cmake, a C/C++ compiler, libgtest-dev and pkg-config (scripts/test.sh installs them).
# Works in target/cmake-package (removed first, so every run starts clean).
set -euo pipefail
cd "$(dirname "$0")/.."

work="$PWD/target/cmake-package"
rm -rf "$work"
cmake -S . -B "$work/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build"
cmake --install "$work/build" --prefix "$work/prefix" >/dev/null
echo "installed: $(cd "$work/prefix" && find . -type f | sort | tr '\n' ' ')"

cmake -S examples/cmake-consumer -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer"
ctest --test-dir "$work/consumer" --output-on-failure

#!/usr/bin/env bash
# The README's test command on any Debian machine, fresh or not: installs the system packages
# the tests need when they are missing, then runs `cargo test --release "$@"`.
#
#   cmake, libclang-dev   build HiGHS from C++ source (good_lp's backend, the test oracle)
#   g++                   compiles HiGHS and the C/C++ binding tests (with its sanitizer runtimes)
#   valgrind              runs the C binding tests once more under Valgrind
#   openjdk-17-jdk-headless  builds and runs the Java binding tests
#   libgtest-dev, pkg-config the CMake package's consumer test (GoogleTest, lprank.pc)
#   maven                 the Java artifact (dev.lprank:lprank) and its consumer project
#
# Installing needs root: run as root, or as a user with sudo. Nothing is installed when
# everything is present. Arguments go to cargo test (e.g. scripts/test.sh --test fixtures);
# without arguments scripts/cmake_package_test.sh, scripts/maven_package_test.sh and
# scripts/replay_test.sh (the Spark replay) run after cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
dpkg -s libclang-dev >/dev/null 2>&1 || missing+=(libclang-dev)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
dpkg -s libgtest-dev >/dev/null 2>&1 || missing+=(libgtest-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v mvn >/dev/null 2>&1 || missing+=(maven)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "scripts/test.sh: missing ${missing[*]}, and installing them needs root or sudo." >&2
    echo "Install them with: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "scripts/test.sh: missing ${missing[*]}, and this is not a Debian-based system (no apt-get)." >&2
    exit 1
  fi
  echo "scripts/test.sh: installing ${missing[*]}"
  # ${as_root[@]+...}: an empty array is "unbound" to `set -u` in older bash.
  ${as_root[@]+"${as_root[@]}"} apt-get update -qq
  ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cargo test --release "$@"
# With no arguments (the whole suite), the CMake package and the Maven artifact too
# (each installed, then used by a separate project), and the Spark replay.
if [ $# -eq 0 ]; then
  scripts/cmake_package_test.sh
  scripts/maven_package_test.sh
  scripts/replay_test.sh
fi

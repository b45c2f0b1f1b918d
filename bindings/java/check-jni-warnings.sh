#!/usr/bin/env bash
# Fails the build when the JUnit run under -Xcheck:jni printed a JNI warning. The forked
# test JVM writes those natively, past surefire's streams: they land in the reports'
# *.dumpstream files (and, for output through System.out/err, in *-output.txt).
set -euo pipefail
reports="${1:-target/surefire-reports}"
shopt -s nullglob
found=0
for f in "$reports"/*.dumpstream "$reports"/*-output.txt; do
  if grep -i -n "warning" "$f"; then
    echo "check-jni-warnings.sh: -Xcheck:jni warning in $f" >&2
    found=1
  fi
done
exit $found

#!/usr/bin/env bash
# The Java artifact end to end, as a user gets it: `mvn install` of bindings/java (cargo and
# the JNI shim run inside; the JUnit 5 tests run with -Xcheck:jni, whose warnings fail the
# build), then examples/maven-consumer, a separate project that only depends on
# dev.lprank:lprank, built and tested against the installed artifact.
# Needs Maven and a JDK 17 (scripts/test.sh installs them); reaches Maven Central.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd bindings/java && mvn -q -B -Dstyle.color=never install)
jar=bindings/java/target/lprank-0.1.0.jar
echo "installed dev.lprank:lprank:0.1.0 ($(du -k "$jar" | cut -f1) KiB jar)"
(cd examples/maven-consumer && mvn -q -B -Dstyle.color=never verify)
# The JMH benchmark builds against the installed artifact too (it is run by hand).
(cd bindings/java/jmh && mvn -q -B -Dstyle.color=never package)
echo "maven consumer: $(grep -o 'tests="[0-9]*"[^>]*failures="[0-9]*"' examples/maven-consumer/target/surefire-reports/*.xml)"

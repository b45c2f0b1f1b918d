#!/usr/bin/env bash
# Builds the replay (against the installed dev.lprank:lprank) and runs it with the JVM
# options Spark 4 needs on Java 17: `replay/run.sh generate|run|check ARGS…` (see Replay.java).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
mvn -q -B -Dstyle.color=never package -DskipTests
mvn -q -B -Dstyle.color=never dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
# What Spark's launcher passes on Java 17 (its JavaModuleOptions): Spark reaches into these.
opens=()
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  opens+=("--add-opens=java.base/$p=ALL-UNNAMED")
done
# Local mode talks only to itself: every socket on the loopback.
export SPARK_LOCAL_IP=127.0.0.1
exec java -Xmx4g ${REPLAY_JAVA_OPTS:-} "${opens[@]}" -Djdk.reflect.useDirectMethodHandle=false \
  -cp "target/classes:$(cat target/classpath.txt)${REPLAY_CLASSPATH:+:$REPLAY_CLASSPATH}" dev.lprank.replay.Replay "$@"

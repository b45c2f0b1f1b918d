#!/usr/bin/env bash
# The Spark replay end to end: a synthetic log of 10,000 feed requests, replayed on
# local[2] through the LP, the greedy baseline and the sort, then in one process; the
# summaries must agree and the LP must meet every hard rule. Needs the dev.lprank:lprank
# artifact installed (scripts/maven_package_test.sh) and Maven Central for Spark.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$PWD/target/replay"
rm -rf "$work"
mkdir -p "$work"
replay/run.sh generate "$work/log" 10000 200 20 1
replay/run.sh check "$work/log" "$PWD/ranking-models/feed-dcn" "$work/out"

#!/usr/bin/env python3
"""Sorts the samples of an async-profiler collapsed profile (per thread: the `threads` option)
of a replay into categories, first match wins: see replay/README.md, "Where the time goes".
Usage: profile-categories.py FILE.collapsed [INTERVAL_MS]  (the sampling interval, default 1)."""
import sys
from collections import Counter


def has(stack, *parts):
    return any(p in frame for frame in stack for p in parts)


RULES = [
    ("JIT compiler threads", lambda t, s: "Compiler" in t),
    ("GC threads", lambda t, s: t.startswith("[GC ") or t.startswith("[G1 ") or t.startswith("[VM Thread")),
    ("lprank native: score + solve, greedy (JNI)", lambda t, s: has(s, ".nativeRank")),
    ("policies in Java: sort, rule values, decoding features, outcome rows", lambda t, s: has(s, "dev/lprank/replay/Policies.evaluate")),
    ("Parquet write of the outcomes", lambda t, s: has(s, "ParquetWriteSupport", "ParquetOutputWriter", "org/apache/parquet/hadoop", "org/apache/parquet/column")),
    ("encoding outcome rows (Row -> UnsafeRow)", lambda t, s: has(s, "serializefromobject", "UnsafeArrayData.fromPrimitiveArray", "UnsafeRowWriter", "codegen/UnsafeWriter")),
    ("caching the outcomes (before: list + cache + collect)", lambda t, s: has(s, "CachedRDDBuilder", "DefaultCachedBatchSerializer$$anon$1", "ColumnBuilder")),
    ("decoding cached requests (cache -> Row)", lambda t, s: has(s, "SpecificSafeProjection", "createExternalRow", "execution/columnar/", "InMemoryTableScan", "deserializetoobject", "SpecificColumnarIterator")),
    ("reading the summary back / collecting (executor)", lambda t, s: has(s, "VectorizedParquetRecordReader", "FileScanRDD", "getByteArrayRdd")),
    ("executor: task setup, commit, other", lambda t, s: "Executor task" in t),
    ("loop: building its Policies, keeping the rows", lambda t, s: has(s, "dev/lprank/replay/Replay.loop")),
    ("driver: reading the summary back / collecting", lambda t, s: (t.startswith("[main") or t.startswith("[DestroyJavaVM")) and has(s, "collectAsList", "DataFrameReader")),
    ("driver: planning and running the write", lambda t, s: t.startswith("[main") or t.startswith("[DestroyJavaVM")),
    ("other Spark threads (scheduler, listeners, RPC)", lambda t, s: True),
]

counts, total = Counter(), 0
interval = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
for line in open(sys.argv[1]):
    stack, n = line.rsplit(" ", 1)
    frames = stack.split(";")
    thread, n = frames[0], int(n)
    total += n
    for name, rule in RULES:
        if rule(thread, frames[1:]):
            counts[name] += n
            break
for name, _ in RULES:
    if counts[name]:
        print(f"{counts[name] * interval:8.0f} ms {100 * counts[name] / total:5.1f}%  {name}")
print(f"{total * interval:8.0f} ms CPU in all")

"""The peer benchmark: the JAX reference ``forward`` (reference/model.py), jax.jit-compiled by
XLA, on ONE core, scoring the same requests as ``cargo bench --bench score``.

    taskset -c 1 python3 -m reference.bench_xla [--json ../target/bench-xla.json] [--min-time S]

(from ranking-models/). XLA_FLAGS gets ``--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=1`` before JAX is imported (appended to any XLA_FLAGS already set),
the usual advice for a single-threaded XLA, and ``taskset -c 1`` pins the process to one core
(which is what actually does it, see below). The script checks: it prints the CPU affinity
and, for every timed configuration, over the timed calls: process CPU time / wall time (1.00 means one busy core; a
multi-threaded run on two cores would approach 2) and every thread that ran more than 1 % of
the wall time, with its time on a CPU and its time waiting on a run queue for one, from
/proc/self/task/*/schedstat. On one core XLA's threads also wait for each other (the Python
thread dispatches while the tf_XLAEigen thread computes), so the wait is not all another
process's doing; CPU/wall below 1 is: then another process had the core, and the figures of
that configuration are not clean (on this shared machine: rerun).

The flags alone do NOT make XLA's CPU runtime (jax 0.10.2) single-threaded: without taskset,
this script measured two `tf_XLAEigen` threads at about 29 % of wall time each on
feed-dcn-large; under `taskset -c 1` XLA sizes its pool to the one allowed CPU and a single
`tf_XLAEigen` thread does the work (92 %, the Python thread 5 %). So run it under taskset; it
warns when the process may use more than one CPU.

Requests (as in benches/score.rs): the request features of held-out request 0 of
feed-dcn/heldout.safetensors and its first n held-out candidates' item features, n = 1, 64,
1000, for both feed-dcn and feed-dcn-large (the same inputs: feed-dcn-large has feed-dcn's input
schema). Request-scope inputs are repeated per candidate and ids turned into table rows
(numpy, outside the timed call) as ``model.request_batch`` does; the batch is placed on the
device once. The timed call is ``jit(forward)(params, batch)`` returning the head logits and
the probability (what the Rust bench's ``Model::score`` with ``Output::Probability`` leaves:
probabilities and head logits), followed by ``block_until_ready``.

Before timing, the same jitted function scores every request of the model's golden file and
must reproduce its head logits and probabilities within FORMAT.md §14's
``1e-5 * max(1, |want|)``: the timed function is the real model. feed-dcn-large's weights are
generated in memory (reference/large.py) and their bytes checked against generate.json.

Each configuration: warm-up (compile, then at least 10 calls and 0.3 s), then repeats until
at least --min-time seconds and 30 calls; reports the median (and p10/p90) per call, the
median per candidate, and GMAC/s from the model's multiply-adds per candidate
(large.macs_per_candidate: the model as FORMAT.md defines it, full x0 width).
"""

from __future__ import annotations

import os
import sys

_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
if "--xla-default-threads" not in sys.argv:  # (for checking that the flags matter)
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + _FLAGS).strip()

import argparse  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402
from safetensors.numpy import load_file  # noqa: E402

from . import large  # noqa: E402
from . import model as M  # noqa: E402
from .export import check_tensors, load_model, save_safetensors  # noqa: E402
from .golden import HERE  # noqa: E402

BATCHES = (1, 64, 1000)
TOL = 1e-5


def load(name):
    d = os.path.join(HERE, name)
    if name == large.NAME:
        cfg = M.load_config(os.path.join(d, "config.json"))
        with open(os.path.join(d, "generate.json")) as fh:
            recipe = json.load(fh)
        fp = large.generate(cfg, recipe["seed"])
        check_tensors(cfg, fp)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.safetensors")
            save_safetensors(path, fp, {"format": M.FORMAT, "version": str(M.VERSION)})
            with open(path, "rb") as fh:
                raw = fh.read()
        if (len(raw), f"{large.fnv1a64(raw):016x}") != (recipe["model_safetensors_bytes"],
                                                         recipe["model_safetensors_fnv1a64"]):
            raise SystemExit(f"{name}: generated weights differ from generate.json")
        return cfg, fp, recipe
    cfg, fp = load_model(d)
    return cfg, fp, None


def heldout_inputs():
    h = load_file(os.path.join(HERE, "feed-dcn", "heldout.safetensors"))
    n = max(BATCHES)
    item_dense = h["item_dense"].reshape(-1, h["item_dense"].shape[-1])[:n]
    item_ids = h["item_ids"].reshape(-1, h["item_ids"].shape[-1])[:n]
    return h["request_dense"][0], h["request_ids"][0], item_dense, item_ids


def scorer(cfg):
    def f(params, batch):
        out = M.forward(params, cfg, batch)
        return out["head_logits"], out["probability"]

    return jax.jit(f)


def check_golden(name, cfg, params, fwd):
    g = load_file(os.path.join(HERE, name, "golden.safetensors"))
    batch = M.request_batch(cfg, g["request_dense"], g["request_ids"], g["item_dense"], g["item_ids"])
    heads, prob = (np.asarray(v) for v in fwd(params, batch))
    worst = 0.0
    for got, want in ((heads, g["head_logits"].reshape(heads.shape)), (prob, g["probability"].reshape(-1))):
        err = np.abs(got.astype(np.float64) - want) / np.maximum(1.0, np.abs(want.astype(np.float64)))
        worst = max(worst, float(err.max()))
    if worst > TOL:
        raise SystemExit(f"{name}: jitted forward differs from golden.safetensors by {worst:.3e} > {TOL}")
    return worst


def thread_times():
    """{thread id: (name, ns run on a CPU, ns waited on a run queue)} from /proc/self/task/*/
    (empty where that is absent)."""
    out = {}
    try:
        for t in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{t}/schedstat") as fh:
                run, wait = fh.read().split()[:2]
            with open(f"/proc/self/task/{t}/comm") as fh:
                out[t] = (fh.read().strip(), int(run), int(wait))
    except OSError:
        pass
    return out


def thread_report(before, after, wall):
    """The threads that ran more than 1 % of the wall time, busiest first, as "name run% (wait%)"
    (run: time on a CPU, wait: time waiting on a run queue for one, both shares of wall time)."""
    rows = []
    for t, (name, run, wait) in after.items():
        _, run0, wait0 = before.get(t, (name, 0, 0))
        if run - run0 > 0.01 * wall * 1e9:
            rows.append((run - run0, wait - wait0, name))
    rows.sort(reverse=True)
    return ", ".join(f"{n} {100 * r / 1e9 / wall:.0f} % ({100 * w / 1e9 / wall:.0f} %)" for r, w, n in rows)


def time_calls(fwd, params, batch, min_time):
    def call():
        for v in fwd(params, batch):
            v.block_until_ready()

    call()  # compile
    t0, k = time.perf_counter(), 0
    while k < 10 or time.perf_counter() - t0 < 0.3:
        call()
        k += 1
    times = []
    s0, w0, c0 = thread_times(), time.perf_counter(), time.process_time()
    while len(times) < 30 or time.perf_counter() - w0 < min_time:
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return np.asarray(times), cpu / wall, thread_report(s0, thread_times(), wall)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="also write the results here (benches/score.rs reads <target>/bench-xla.json)")
    ap.add_argument("--min-time", type=float, default=2.0, help="seconds of timed calls per configuration")
    ap.add_argument("--models", default="feed-dcn,feed-dcn-large")
    ap.add_argument("--xla-default-threads", action="store_true",
                    help="leave XLA_FLAGS alone (XLA's own threading), to see what the flags change")
    args = ap.parse_args()

    print(f"jax {jax.__version__}, devices {jax.devices()}, XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}")
    print(f"CPU affinity: {sorted(os.sched_getaffinity(0))} of {os.cpu_count()} CPUs"
          + ("" if len(os.sched_getaffinity(0)) == 1 else
             "  WARNING: not pinned; XLA may use several cores (run under taskset -c 1)"))
    rd, ri, item_dense, item_ids = heldout_inputs()
    results = []
    print("\n| model | candidates | XLA µs/call (p10, median, p90) | XLA µs/candidate | GMAC/s "
          "| CPU/wall | threads: on a CPU (waiting for one), % of wall |")
    print("|---|---|---|---|---|---|---|")
    for name in args.models.split(","):
        cfg, fp, recipe = load(name)
        params = {k: jax.device_put(v) for k, v in M.dequantize(fp, cfg).items()}
        fwd = scorer(cfg)
        err = check_golden(name, cfg, params, fwd)
        macs = large.macs_per_candidate(cfg)
        for n in BATCHES:
            batch = M.request_batch(cfg, rd[None], ri[None], item_dense[None, :n], item_ids[None, :n])
            batch = {k: jax.device_put(v) for k, v in batch.items()}
            times, ratio, threads = time_calls(fwd, params, batch, args.min_time)
            p10, med, p90 = (float(np.percentile(times, q)) * 1e6 for q in (10, 50, 90))
            per = med / n
            gmacs = macs / per / 1e3
            results.append({"model": name, "candidates": n, "median_us_per_call": med, "p10_us": p10, "p90_us": p90,
                            "median_us_per_candidate": per, "calls": len(times), "macs_per_candidate": macs,
                            "gmac_per_s": gmacs, "cpu_over_wall": ratio, "threads": threads,
                            "golden_max_err": err})
            print(f"| {name} | {n} | {p10:.1f}, **{med:.1f}**, {p90:.1f} | **{per:.3f}** | {gmacs:.2f} | {ratio:.2f} "
                  f"| {threads} |")
    print(f"\n(golden check: the jitted forward reproduces every golden file within {TOL:g}; "
          f"MAC/candidate: " + ", ".join(f"{r['model']} {r['macs_per_candidate']:,}" for r in results[::len(BATCHES)]) + ")")
    if args.json:
        meta = {"jax": jax.__version__, "xla_flags": os.environ.get("XLA_FLAGS", ""),
                "affinity": sorted(os.sched_getaffinity(0)), "time": time.strftime("%Y-%m-%d %H:%M:%S"),
                "results": results}
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as fh:
            json.dump(meta, fh, indent=1)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()

"""Golden input/output vectors for every model directory (FORMAT.md §10).

    python3 -m reference.golden            # feed-dcn/, feed-dcn-int8/, feed-dcn-int4/ and every variants/<name>/

Each model gets golden.safetensors: R requests x N candidates of inputs and the outputs of the
JAX reference (float32) run on the tensors as stored in the model's files (int8 tables are
dequantized exactly as a reader must). feed-dcn and its quantised-weight variants
(feed-dcn-int8, feed-dcn-int4) use 4 x 16 requests from the simulator with a few item/creator
ids far outside the QR tables' id range; the variants use 2 x 5 random requests
(``random_inputs``) whose first candidate uses id 0 for every sparse feature.
"""

from __future__ import annotations

import os

import jax
import numpy as np

from . import model as M
from .export import load_model, save_safetensors

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # ranking-models/
QUANTIZED = ("feed-dcn-int8", "feed-dcn-int4")  # feed-dcn with int8 / int4 tower weights


def run_model(cfg, file_params, request_dense, request_ids, item_dense, item_ids, batch_size=8192):
    """Outputs for requests x candidates, each reshaped to [R, N, ...]."""
    params = {k: jax.numpy.asarray(v) for k, v in M.dequantize(file_params, cfg).items()}
    batch = M.request_batch(cfg, request_dense, request_ids, item_dense, item_ids)
    r, n = np.asarray(item_dense).shape[:2]
    fwd = jax.jit(lambda p, b: M.forward(p, cfg, b))
    total = r * n
    chunks = []
    for s in range(0, total, batch_size):
        sub = {k: v[s : s + batch_size] for k, v in batch.items()}
        chunks.append({k: np.asarray(v) for k, v in fwd(params, sub).items()})
    out = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    return {k: v.reshape((r, n) + v.shape[1:]).astype(np.float32) for k, v in out.items()}


def golden_tensors(cfg, file_params, request_dense, request_ids, item_dense, item_ids, intermediates=True):
    out = run_model(cfg, file_params, request_dense, request_ids, item_dense, item_ids)
    g = {
        "request_dense": np.asarray(request_dense, np.float32),
        "request_ids": np.asarray(request_ids, np.int64),
        "item_dense": np.asarray(item_dense, np.float32),
        "item_ids": np.asarray(item_ids, np.int64),
        "head_logits": out["head_logits"],
        "logit": out["logit"],
        "calibrated_logit": out["calibrated_logit"],
        "probability": out["probability"],
    }
    if intermediates:
        g["x0"] = out["x0"]
        g["z"] = out["z"]
    return g


def random_inputs(cfg, n_requests, n_candidates, seed, big_ids=True):
    """Random requests for a model: dense ~ N(0, 1); plain ids uniform in [0, rows); QR ids
    mostly in [0, q_rows*r_rows) plus, if big_ids, some huge ids (up to 2^62). The first
    candidate of every request and the request ids of request 0 are 0 (hits row 0)."""
    rng = np.random.default_rng(seed)
    R, N = n_requests, n_candidates

    def ids(feats, shape):
        cols = []
        for f in feats:
            if f["kind"] == "plain":
                c = rng.integers(0, f["rows"], shape)
            else:
                c = rng.integers(0, f["q_rows"] * f["r_rows"], shape)
                if big_ids:
                    huge = rng.integers(0, 2**62, shape, dtype=np.int64)
                    c = np.where(rng.random(shape) < 0.3, huge, c)
            cols.append(c)
        return np.stack(cols, axis=-1).astype(np.int64) if cols else np.zeros(shape + (0,), np.int64)

    inp = cfg["inputs"]
    request_dense = rng.normal(0, 1, (R, len(inp["request_dense"]))).astype(np.float32)
    request_ids = ids(inp["request_sparse"], (R,))
    item_dense = rng.normal(0, 1, (R, N, len(inp["item_dense"]))).astype(np.float32)
    item_ids = ids(inp["item_sparse"], (R, N))
    item_ids[:, 0, :] = 0
    request_ids[0, :] = 0
    return request_dense, request_ids, item_dense, item_ids


def feed_inputs():
    from .simulator import ITEM_SPARSE, make_world, sample_requests

    d = sample_requests(make_world(), 4, 16, seed=777)
    item_ids = d["item_ids"].copy()
    cols = list(ITEM_SPARSE)
    it, cr = cols.index("item_id"), cols.index("creator_id")
    # ids beyond the QR tables' range: E(id) depends only on id mod (q_rows * r_rows)
    item_ids[0, 3, it] = 2**40 + 12345
    item_ids[1, 5, it] = 2**62 + 7
    item_ids[2, 7, cr] = 10**12 + 3
    item_ids[3, 9, it] = 4 * 10**9 + 17
    item_ids[3, 9, cr] = 2**63 - 1
    return d["request_dense"], d["request_ids"], d["item_dense"], item_ids


def write_golden(model_dir, inputs):
    cfg, fp = load_model(model_dir)
    g = golden_tensors(cfg, fp, *inputs)
    save_safetensors(os.path.join(model_dir, "golden.safetensors"), g, {"format": "lprank-dcn-golden", "version": "1"})
    return g


def all_model_dirs():
    dirs = [os.path.join(HERE, "feed-dcn")]
    # the quantised-weight variants of feed-dcn (reference/quantize.py), when written
    dirs += [os.path.join(HERE, q) for q in QUANTIZED if os.path.isdir(os.path.join(HERE, q))]
    vroot = os.path.join(HERE, "variants")
    if os.path.isdir(vroot):
        dirs += [os.path.join(vroot, d) for d in sorted(os.listdir(vroot)) if os.path.isdir(os.path.join(vroot, d))]
    return dirs


def main():
    for d in all_model_dirs():
        if not os.path.exists(os.path.join(d, "config.json")):
            continue
        if os.path.basename(d) in ("feed-dcn",) + QUANTIZED:
            inputs = feed_inputs()
        else:
            cfg, _ = load_model(d)
            inputs = random_inputs(cfg, 2, 5, seed=1000 + sum(map(ord, os.path.basename(d))))
        g = write_golden(d, inputs)
        print(f"{os.path.relpath(d, HERE):28s} logit range [{g['logit'].min():+.3f}, {g['logit'].max():+.3f}]")


if __name__ == "__main__":
    main()

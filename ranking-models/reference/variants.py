"""Tiny models with random (untrained) weights, one per option of the format, so that every
code path of a reader has a golden test. Writes ranking-models/variants/<name>/.

    python3 -m reference.variants     # then: python3 -m reference.golden

Every variant starts from BASE (x0 of width 16: 2 request dense, a plain f32 request
embedding, 2 item dense, a plain int8 and a QR int8 item embedding; 2 cross layers of rank
4; deep [8, 4] with gating; stacked; 2 heads; 6-bucket calibration) and changes what its
name says. Weights are random normals with non-zero biases; int8 tables have constant rows
(row 0 constant, row 1 all zeros: scale 0); the calibration's boundaries sit between the
25% and 75% quantiles of the variant's logits on random inputs, so golden logits fall below,
inside and above the bucket range; one slope is exactly 0.
"""

from __future__ import annotations

import copy
import os
import shutil

import jax
import numpy as np

from . import model as M
from .export import write_model
from .golden import HERE, random_inputs, run_model
from .quantize import rtn


def plain(name, rows, dim, storage="f32"):
    return {"name": name, "kind": "plain", "rows": rows, "dim": dim, "storage": storage}


def qr(name, q_rows, r_rows, dim, storage="f32"):
    return {"name": name, "kind": "qr", "q_rows": q_rows, "r_rows": r_rows, "dim": dim, "storage": storage}


BASE = {
    "format": M.FORMAT,
    "version": M.VERSION,
    "inputs": {
        "request_dense": ["req_a", "req_b"],
        "request_sparse": [plain("segment", 5, 4, "f32")],
        "item_dense": ["item_a", "item_b"],
        "item_sparse": [plain("category", 6, 4, "int8"), qr("item_id", 3, 4, 4, "int8")],
    },
    "cross": {"layers": 2, "rank": 4, "attention": False, "temperature": 1.0},
    "deep": {"hidden": [8, 4], "activation": "relu", "gating": True},
    "towers": "stacked",
    "heads": [{"name": "click", "weight": 1.0}, {"name": "dwell", "weight": 0.5}],
    "calibration": {"kind": "isotonic", "buckets": 6},
}


def with_storage(inputs, kind=None, storage=None):
    out = copy.deepcopy(inputs)
    for scope in ("request_sparse", "item_sparse"):
        for f in out[scope]:
            if storage is not None:
                f["storage"] = storage
            if kind == "plain" and f["kind"] == "qr":
                f.update(kind="plain", rows=f.pop("q_rows") * f.pop("r_rows"))
    return out


VARIANTS = {
    # embeddings
    "plain-f32": dict(inputs=with_storage(BASE["inputs"], kind="plain", storage="f32"),
                      heads=[{"name": "click", "weight": 1.0}]),
    "plain-int8": dict(inputs=with_storage(BASE["inputs"], kind="plain", storage="int8"), towers="parallel",
                       calibration=None),
    "qr-f32": dict(inputs={**with_storage(BASE["inputs"], storage="f32"),
                           "request_sparse": [plain("segment", 5, 4), qr("user_id", 2, 3, 4)]},
                   cross={"layers": 2, "rank": 4, "attention": True, "temperature": 1.0}),
    "qr-int8": dict(inputs={**with_storage(BASE["inputs"], storage="int8"),
                            "request_sparse": [plain("segment", 5, 4, "int8"), qr("user_id", 2, 3, 4, "int8")]},
                    cross={"layers": 2, "rank": 4, "attention": True, "temperature": 1.0}, towers="parallel",
                    heads=[{"name": "a", "weight": 1.0}, {"name": "b", "weight": 0.3}, {"name": "c", "weight": -0.2}]),
    # cross tower
    "attention-off": dict(),
    "attention-on": dict(cross={"layers": 2, "rank": 4, "attention": True, "temperature": 0.5}),
    "attention-sharp": dict(cross={"layers": 3, "rank": 4, "attention": True, "temperature": 0.01}),
    "cross-only": dict(deep={"hidden": [], "activation": "relu", "gating": True},
                       cross={"layers": 2, "rank": 4, "attention": True, "temperature": 1.0}),
    "deep-only": dict(cross={"layers": 0, "rank": 0, "attention": False, "temperature": 1.0}, towers="parallel"),
    # towers
    "stacked": dict(towers="stacked", cross={"layers": 2, "rank": 4, "attention": True, "temperature": 2.0}),
    "parallel": dict(towers="parallel", cross={"layers": 2, "rank": 4, "attention": True, "temperature": 2.0}),
    "no-gating": dict(deep={"hidden": [8, 4], "activation": "relu", "gating": False}),
    # heads and calibration
    "one-head": dict(heads=[{"name": "click", "weight": 0.8}]),
    "several-heads": dict(heads=[{"name": "click", "weight": 1.0}, {"name": "dwell", "weight": -0.25},
                                 {"name": "share", "weight": 0.0}, {"name": "hide", "weight": 2.0}]),
    "no-calibration": dict(calibration=None),
    # inputs
    "item-only": dict(inputs={"request_dense": [], "request_sparse": [], "item_dense": ["item_a", "item_b", "item_c"],
                              "item_sparse": [plain("category", 6, 4, "int8"), qr("item_id", 3, 4, 5, "f32")]}),
    # tower weights stored quantized (FORMAT.md §6.1), RTN levels; x0 of odd width 17, so
    # int4 rows of 17 columns leave a pad nibble
    "weights-int4-int8": dict(inputs={**BASE["inputs"], "item_dense": ["item_a", "item_b", "item_c"]},
                              cross={"layers": 2, "rank": 4, "attention": True, "temperature": 1.0,
                                     "storage": "int4"},
                              deep={"hidden": [8, 4], "activation": "relu", "gating": True, "storage": "int8"}),
    "weights-int8-int4": dict(inputs={**BASE["inputs"], "item_dense": ["item_a", "item_b", "item_c"]},
                              cross={"layers": 1, "rank": 3, "attention": False, "temperature": 1.0,
                                     "storage": "int8"},
                              deep={"hidden": [5, 4], "activation": "relu", "gating": True, "storage": "int4"},
                              towers="parallel"),
}

DESCRIPTIONS = {
    "plain-f32": "plain f32 tables only; attention off; stacked; one head; calibrated",
    "plain-int8": "plain int8 tables only; attention off; parallel; two heads; no calibration",
    "qr-f32": "QR f32 tables (request and item scope); attention on; stacked",
    "qr-int8": "QR int8 tables (request and item scope); attention on; parallel; three heads, one negative weight",
    "attention-off": "the base model: plain DCNv2 cross layers",
    "attention-on": "attention on, temperature 0.5",
    "attention-sharp": "3 attention layers, temperature 0.01: scores in the thousands (needs a max-subtracted softmax)",
    "cross-only": "deep hidden [] (stacked: z = cross(x0)); attention on",
    "deep-only": "cross layers 0 (parallel: z = [x0 | deep(x0)])",
    "stacked": "stacked towers, attention on",
    "parallel": "parallel towers, attention on",
    "no-gating": "deep tower without dense gating",
    "one-head": "one head, weight 0.8",
    "several-heads": "four heads with weights 1, -0.25, 0, 2",
    "no-calibration": "no calibration: probability = sigmoid(logit)",
    "item-only": "no request-scope features at all (empty lists; zero-width golden tensors)",
    "weights-int4-int8": "cross weights stored int4 (odd rows of 17: pad nibble), deep weights int8; attention on",
    "weights-int8-int4": "cross weights stored int8, deep int4 (odd widths 17 and 5); parallel: the deep tower "
    "reads x0 and its first layer splits into request and item columns",
}


def random_params(cfg, seed, attn_scale=0.5):
    rng = np.random.default_rng(seed)
    params = {}
    for name, (shape, _dt) in M.tensor_specs(cfg, dense=True).items():
        last = name.rsplit(".", 1)[-1]
        if name.startswith("calibration."):
            continue
        if name.startswith("embeddings."):
            w = rng.normal(0, 0.5, shape)
        elif last in ("V", "U"):
            w = rng.normal(0, 0.3, shape)
        elif last in ("Q", "K"):
            w = rng.normal(0, attn_scale, shape)
        elif name.startswith("heads.") and last == "W":
            w = rng.normal(0, 1.0, shape)
        elif last in ("W", "gate_W"):
            w = rng.normal(0, np.sqrt(2.0 / shape[1]), shape)
        else:  # biases
            w = rng.normal(0, 0.1, shape)
        params[name] = w.astype(np.float32)
    for _f, name, rows, dim, storage in M.embedding_tables(cfg):
        if storage == "int8":
            params[name][0, :] = np.float32(0.37)  # constant row: scale 0, middle 0.37
            if rows > 1:
                params[name][1, :] = 0.0  # all-zero row
    return params


def random_calibration(cfg, file_params, seed):
    rng = np.random.default_rng(seed)
    nocal = dict(cfg, calibration=None)
    out = run_model(nocal, file_params, *random_inputs(nocal, 8, 8, seed=seed + 1))
    lo, hi = np.quantile(out["logit"], [0.25, 0.75])
    b = cfg["calibration"]["buckets"]
    t = np.sort(rng.uniform(lo, hi, b + 1))
    slopes = rng.uniform(0.2, 2.0, b)
    slopes[b // 2] = 0.0
    return M.calibration_tensors(t, rng.normal(0, 0.5), slopes)


def build(name, override, seed):
    cfg = copy.deepcopy(BASE)
    cfg.update(copy.deepcopy(override))
    cfg["name"] = name
    cfg["description"] = "random-weight test variant: " + DESCRIPTIONS[name]
    cfg = M.normalize_config(cfg)
    dense = random_params(cfg, seed)
    # tower weights stored int8/int4 get round-to-nearest levels (reference/quantize.py)
    levels = {n: rtn(dense[n], M.QMAX[st]) for n, _shape, st in M.weight_matrices(cfg) if st != "f32"}
    file_params = M.to_file_params(dense, dict(cfg, calibration=None), levels)
    if cfg["calibration"] is not None:
        file_params.update(random_calibration(cfg, file_params, seed + 100))
    out_dir = os.path.join(HERE, "variants", name)
    write_model(out_dir, cfg, None, file_params)
    return out_dir


def main():
    root = os.path.join(HERE, "variants")
    if os.path.isdir(root):
        shutil.rmtree(root)
    for k, (name, override) in enumerate(VARIANTS.items()):
        d = build(name, override, seed=5000 + 17 * k)
        size = os.path.getsize(os.path.join(d, "model.safetensors"))
        print(f"variants/{name:16s} {size:6d} bytes  {DESCRIPTIONS[name]}")


if __name__ == "__main__":
    main()

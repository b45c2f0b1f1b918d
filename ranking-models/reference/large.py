"""feed-dcn-large: a production-size model (LiRank-shaped feed model) with random weights that
are generated, not stored, plus its golden vectors.

    python3 -m reference.large          # feed-dcn-large/{config.json, golden.safetensors,
                                         #   generate.json} and the (git-ignored) model.safetensors

Shape (LiRank, arXiv 2402.06859, feed models): the bundled feed-dcn's inputs (same names,
vocabularies and QR tables, so the same requests score on both) with wider embeddings, x0 of
width 512 (128 request-scope, 384 item-scope); 3 low-rank cross layers of rank 64 with attention
(temperature 8 = sqrt(64)); a gated deep tower [1024, 512, 256]; stacked; heads click (1.0) and
long_dwell (0.5); 32-bucket isotonic calibration. About 2.97 M multiply-adds per candidate and
11.9 MB of f32 weights: over the repository's 8 MiB budget for a committed file, so the weights
are *generated*: every value is a pure function of (seed, tensor name, element index), in the
generator "lprank-gen1" below, which tests/scorer_common/generate.rs repeats bit for bit in
Rust. The tests generate the weights (in memory) and check them against the FNV-1a 64 hash of
the bytes this script writes (generate.json), so a drift of either generator is caught before
the golden comparison is even made.

lprank-gen1. For a stream named `name`: key = mix64(fnv1a64(utf8(name)) xor seed), element i
(0-based) is bits_i = mix64(key + (i + 1) * 0x9E3779B97F4A7C15) (u64 wrapping arithmetic; mix64 is
SplitMix64's finaliser) and its uniform value u_i = (f32(bits_i >> 40) - 2^23) * 2^-23, exactly
representable, in [-1, 1). A tensor is u * A (one f32 multiplication) with, by tensor:

    embeddings f32 table              A = 1
    int8 table T                      T[j] = top byte of bits_j as i8; T.scale = u * 2^-9 + 2^-8
                                      (stream "T.scale"); T.middle = u * 0.125 (stream "T.middle")
    cross.l.V, .Q, .K   [r, d]        A = sqrt(3 / d)         (std 1/sqrt(d))
    cross.l.U           [d, r]        A = 0.25 * sqrt(3 / r)
    cross.l.b, deep.l.b               A = 0.1
    deep.l.W            [n, n_in]     A = sqrt(6 / n_in)      (He uniform)
    deep.l.gate_W       [n, n]        A = sqrt(3 / n)
    deep.l.gate_b                     A = 0.5
    heads.h.W           [1, zdim]     A = HEAD_GAIN * sqrt(3 / zdim),  HEAD_GAIN = 16
    heads.h.b                         u * 0.1 + HEAD_BIAS,             HEAD_BIAS = -4
    calibration                       t_i = -6.25 + 0.125 i (i = 0..32); slope_i = 1 + 0.75 u_i
                                      (stream "calibration.slopes"), slope_16 = 0; P_0 = -5 and
                                      P_{i+1} = P_i + slope_i (t_{i+1} - t_i) summed in f64, stored f32

HEAD_GAIN and HEAD_BIAS give head logits like the trained feed-dcn's (golden inputs: click head
mean -2.7, std 0.75; feed-dcn's held-out set: -2.9, 0.85); the calibration range puts a few
golden logits below t_0 and above t_B.
Amplitudes are rounded to f32 from a float64 square root; products are f32 (round to nearest).
"""

from __future__ import annotations

import json
import os

import numpy as np

from . import model as M
from .export import write_model
from .golden import HERE, golden_tensors, random_inputs, save_safetensors

NAME = "feed-dcn-large"
OUT = os.path.join(HERE, NAME)
SEED = 2402_06859  # LiRank's arXiv number
GOLDEN_SEED = 11
GOLDEN_REQUESTS, GOLDEN_CANDIDATES = 2, 80  # 80 > the scorer's block of 64 rows
HEAD_GAIN = 16.0
HEAD_BIAS = -4.0
CAL_T0, CAL_STEP = -6.25, 0.125  # calibration boundaries t_i = CAL_T0 + CAL_STEP i: [-6.25, -2.25]
CAL_P0 = -5.0
GENERATOR = "lprank-gen1"

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def plain(name, rows, dim, storage="f32"):
    return {"name": name, "kind": "plain", "rows": rows, "dim": dim, "storage": storage}


def qr(name, q_rows, r_rows, dim, storage="int8"):
    return {"name": name, "kind": "qr", "q_rows": q_rows, "r_rows": r_rows, "dim": dim, "storage": storage}


CONFIG = {
    "format": M.FORMAT,
    "version": M.VERSION,
    "name": NAME,
    "description": (
        "Production-size feed model shaped like LiRank's (x0 512, 3 cross layers of rank 64 with "
        "attention, gated deep tower [1024, 512, 256]); feed-dcn's inputs with wider embeddings. "
        "RANDOM weights (untrained), generated deterministically by lprank-gen1 (see README.md)."
    ),
    "inputs": {
        "request_dense": ["user_activity", "user_tenure", "hour_sin", "hour_cos"],
        "request_sparse": [plain("user_segment", 8, 32), plain("user_topic", 24, 64), plain("device", 3, 28)],
        "item_dense": ["item_age", "item_length", "creator_followers", "item_prior_ctr"],
        "item_sparse": [
            plain("content_type", 5, 32),
            plain("creator_group", 4, 28),
            plain("item_topic", 24, 64),
            qr("item_id", 118, 256, 128),
            qr("creator_id", 47, 64, 128),
        ],
    },
    "cross": {"layers": 3, "rank": 64, "attention": True, "temperature": 8.0},
    "deep": {"hidden": [1024, 512, 256], "activation": "relu", "gating": True},
    "towers": "stacked",
    "heads": [{"name": "click", "weight": 1.0}, {"name": "long_dwell", "weight": 0.5}],
    "calibration": {"kind": "isotonic", "buckets": 32},
}


# ------------------------------------------------------------------------------------------
# lprank-gen1
# ------------------------------------------------------------------------------------------


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for c in data:
        h = ((h ^ c) * 0x100000001B3) & MASK
    return h


def _mix64(z):
    """SplitMix64's finaliser on a uint64 array (wrapping)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def bits(seed: int, name: str, n: int) -> np.ndarray:
    key = int(_mix64(np.array([fnv1a64(name.encode()) ^ seed], np.uint64))[0])
    i = np.arange(1, n + 1, dtype=np.uint64)
    return _mix64(np.uint64(key) + i * np.uint64(GAMMA))


def uniform(seed: int, name: str, n: int) -> np.ndarray:
    b = bits(seed, name, n)
    return ((b >> np.uint64(40)).astype(np.float32) - np.float32(2**23)) * np.float32(2.0**-23)


def amp(x: float) -> np.float32:
    return np.float32(x)


def tensor_amplitude(name: str, shape) -> np.float32:
    last = name.rsplit(".", 1)[-1]
    if name.startswith("embeddings."):
        return amp(1.0)
    if name.startswith("cross."):
        if last in ("V", "Q", "K"):
            return amp(np.sqrt(3.0 / shape[1]))
        if last == "U":
            return amp(0.25 * np.sqrt(3.0 / shape[1]))
        return amp(0.1)
    if name.startswith("deep."):
        if last == "W":
            return amp(np.sqrt(6.0 / shape[1]))
        if last == "gate_W":
            return amp(np.sqrt(3.0 / shape[1]))
        return amp(0.1) if last == "b" else amp(0.5)
    if name.startswith("heads."):
        return amp(HEAD_GAIN * np.sqrt(3.0 / shape[1])) if last == "W" else amp(0.1)
    raise AssertionError(name)


def generate(cfg, seed=SEED) -> dict:
    """File params (FORMAT.md §12: int8 tables with .scale/.middle) of lprank-gen1."""
    cfg = M.normalize_config(cfg)
    out = {}
    for name, (shape, dt) in M.tensor_specs(cfg).items():
        n = int(np.prod(shape))
        if name.startswith("calibration.") or name.endswith(".scale") or name.endswith(".middle"):
            continue
        if dt == "I8":
            out[name] = (bits(seed, name, n) >> np.uint64(56)).astype(np.uint8).view(np.int8).reshape(shape)
            rows = shape[0]
            out[name + ".scale"] = uniform(seed, name + ".scale", rows) * np.float32(2.0**-9) + np.float32(2.0**-8)
            out[name + ".middle"] = uniform(seed, name + ".middle", rows) * np.float32(0.125)
        else:
            w = uniform(seed, name, n) * tensor_amplitude(name, shape)
            if name.startswith("heads.") and name.endswith(".b"):
                w = w + np.float32(HEAD_BIAS)
            out[name] = w.reshape(shape)
    if cfg["calibration"] is not None:
        b = cfg["calibration"]["buckets"]
        t = np.float32(CAL_T0) + np.arange(b + 1, dtype=np.float32) * np.float32(CAL_STEP)
        slopes = np.float32(1.0) + uniform(seed, "calibration.slopes", b) * np.float32(0.75)
        slopes[b // 2] = 0.0
        prefix = np.zeros(b + 1, np.float64)
        acc = CAL_P0
        prefix[0] = acc
        for i in range(b):
            acc = acc + float(slopes[i]) * (float(t[i + 1]) - float(t[i]))
            prefix[i + 1] = acc
        out["calibration.boundaries"] = t.astype(np.float32)
        out["calibration.slopes"] = slopes.astype(np.float32)
        out["calibration.prefix"] = prefix.astype(np.float32)
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


def macs_per_candidate(cfg) -> int:
    """Multiply-adds of one candidate as FORMAT.md defines the model (the full x0 width; the
    scorer computes the request-scope columns of the first product once per request)."""
    cfg = M.normalize_config(cfg)
    d, r = M.x0_dim(cfg), cfg["cross"]["rank"]
    per_cross = (3 if cfg["cross"]["attention"] else 1) * r * d + d * r + (2 * r * r if cfg["cross"]["attention"] else 0)
    total = cfg["cross"]["layers"] * per_cross
    prev = d
    for n in cfg["deep"]["hidden"]:
        total += prev * n + (n * n if cfg["deep"]["gating"] else 0)
        prev = n
    return total + len(cfg["heads"]) * M.tower_out_dim(cfg)


def main():
    cfg = M.normalize_config(CONFIG)
    file_params = generate(cfg)
    write_model(OUT, cfg, None, file_params)
    path = os.path.join(OUT, "model.safetensors")
    with open(path, "rb") as fh:
        raw = fh.read()
    inputs = random_inputs(cfg, GOLDEN_REQUESTS, GOLDEN_CANDIDATES, seed=GOLDEN_SEED)
    g = golden_tensors(cfg, file_params, *inputs)
    save_safetensors(os.path.join(OUT, "golden.safetensors"), g, {"format": "lprank-dcn-golden", "version": "1"})
    meta = {
        "generator": GENERATOR,
        "seed": SEED,
        "model_safetensors_bytes": len(raw),
        "model_safetensors_fnv1a64": f"{fnv1a64(raw):016x}",
    }
    with open(os.path.join(OUT, "generate.json"), "w") as fh:
        json.dump(meta, fh, indent=2)
        fh.write("\n")
    s = g["logit"]
    cal = cfg["calibration"]
    lo, hi = file_params["calibration.boundaries"][[0, -1]]
    print(f"{NAME}: x0 {M.x0_dim(cfg)}, {macs_per_candidate(cfg):,} MAC/candidate, model.safetensors {len(raw):,} bytes, "
          f"fnv1a64 {meta['model_safetensors_fnv1a64']}")
    print(f"golden logits [{s.min():+.3f}, {s.max():+.3f}], std {s.std():.3f}; "
          f"below/inside/above the {cal['buckets']}-bucket calibration range [{lo}, {hi}]: "
          f"{(s <= lo).sum()}/{((s > lo) & (s < hi)).sum()}/{(s >= hi).sum()}")


if __name__ == "__main__":
    main()

"""Independent check of FORMAT.md: a second forward pass in numpy (float64), written from the
document alone — it shares no code with model.py and parses safetensors by hand — run on
every model directory's files and compared with the golden outputs.

    python3 -m reference.check_format              # feed-dcn/, feed-dcn-int8/, feed-dcn-int4/, feed-dcn-large/ (once written) and every variants/<name>/
    python3 -m reference.check_format DIR [DIR..]  # specific model directories

For each model: the tensor set is derived from config.json and must match the file exactly
(names, dtypes, shapes); x0, z, head logits, logit, calibrated logit and probability must
match golden.safetensors within |got - want| <= 1e-5 * max(1, |want|). For feed-dcn the
whole held-out set is re-scored and its AUC / log loss recomputed against metrics.json.
Prints the edge cases the golden inputs reach, and 'N passed, N failed'; exits 1 on failure.
"""

from __future__ import annotations

import json
import os
import struct
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOL = 1e-5
NP_DTYPES = {"F32": "<f4", "I8": "i1", "I64": "<i8", "U8": "u1"}


def read_safetensors(path):
    """FORMAT.md §1: u64 LE header length, JSON header, row-major little-endian data."""
    with open(path, "rb") as fh:
        raw = fh.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    data = raw[8 + n :]
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        b, e = meta["data_offsets"]
        dt = np.dtype(NP_DTYPES[meta["dtype"]])
        arr = np.frombuffer(data[b:e], dtype=dt)
        assert arr.size == int(np.prod(meta["shape"], dtype=np.int64)), name
        out[name] = (meta["dtype"], arr.reshape(meta["shape"]))
    return out


def expected_tensors(cfg):
    """FORMAT.md §12."""
    inp = cfg["inputs"]
    exp = {}
    width = len(inp["request_dense"]) + len(inp["item_dense"])
    for scope in ("request_sparse", "item_sparse"):
        for f in inp[scope]:
            width += f["dim"]
            tables = [("table", f["rows"])] if f["kind"] == "plain" else [("q_table", f["q_rows"]), ("r_table", f["r_rows"])]
            for t, rows in tables:
                name = f"embeddings.{f['name']}.{t}"
                if f["storage"] == "int8":
                    exp[name] = ("I8", [rows, f["dim"]])
                    exp[name + ".scale"] = ("F32", [rows])
                    exp[name + ".middle"] = ("F32", [rows])
                else:
                    exp[name] = ("F32", [rows, f["dim"]])
    d = width

    def matrix(name, rows, cols, storage):
        """§6.1: f32 values, or int8 levels / int4 packed levels plus a per-row scale."""
        if storage == "f32":
            exp[name] = ("F32", [rows, cols])
            return
        exp[name] = ("I8", [rows, cols]) if storage == "int8" else ("U8", [rows, (cols + 1) // 2])
        exp[name + ".scale"] = ("F32", [rows])

    cr = cfg["cross"]
    cs = cr.get("storage", "f32")
    for l in range(cr["layers"]):
        r = cr["rank"]
        matrix(f"cross.{l}.V", r, d, cs)
        matrix(f"cross.{l}.U", d, r, cs)
        exp[f"cross.{l}.b"] = ("F32", [d])
        if cr["attention"]:
            matrix(f"cross.{l}.Q", r, d, cs)
            matrix(f"cross.{l}.K", r, d, cs)
    ds = cfg["deep"].get("storage", "f32")
    prev = d
    for l, n in enumerate(cfg["deep"]["hidden"]):
        matrix(f"deep.{l}.W", n, prev, ds)
        exp[f"deep.{l}.b"] = ("F32", [n])
        if cfg["deep"]["gating"]:
            matrix(f"deep.{l}.gate_W", n, n, ds)
            exp[f"deep.{l}.gate_b"] = ("F32", [n])
        prev = n
    deep_out = prev
    zdim = deep_out if cfg["towers"] == "stacked" else d + deep_out
    for h in range(len(cfg["heads"])):
        exp[f"heads.{h}.W"] = ("F32", [1, zdim])
        exp[f"heads.{h}.b"] = ("F32", [1])
    if cfg["calibration"] is not None:
        b = cfg["calibration"]["buckets"]
        exp["calibration.boundaries"] = ("F32", [b + 1])
        exp["calibration.prefix"] = ("F32", [b + 1])
        exp["calibration.slopes"] = ("F32", [b])
    return exp, d, zdim


def check_config(cfg):
    assert cfg["format"] == "lprank-dcn" and cfg["version"] == 1
    assert cfg["towers"] in ("stacked", "parallel")
    assert cfg["deep"]["activation"] == "relu"
    assert len(cfg["heads"]) >= 1
    assert cfg["cross"]["temperature"] > 0
    for key in ("request_dense", "request_sparse", "item_dense", "item_sparse"):
        assert key in cfg["inputs"], key
    for f in cfg["inputs"]["request_sparse"] + cfg["inputs"]["item_sparse"]:
        assert f["kind"] in ("plain", "qr") and f["storage"] in ("f32", "int8")
    if cfg["calibration"] is not None:
        assert cfg["calibration"]["kind"] == "isotonic"
    assert cfg["cross"].get("storage", "f32") in ("f32", "int8", "int4")
    assert cfg["deep"].get("storage", "f32") in ("f32", "int8", "int4")


def weight(W, name, cols):
    """§6.1: a cross/deep matrix as float64: the F32 values, or scale[o] * q[o, j] (in f32)
    with q the int8 levels or the int4 nibbles (column 2k low, 2k+1 high, two's complement).
    Levels off the grid (int8 -128, int4 -8) and a non-zero pad nibble are errors."""
    dt, t = W[name]
    if dt == "F32":
        return t.astype(np.float64)
    if dt == "I8":
        q = t.astype(np.int64)
        m = 127
    else:
        lo = (t & 0x0F).astype(np.int64)
        hi = (t >> 4).astype(np.int64)
        if cols % 2:
            assert np.all(hi[:, -1] == 0), f"{name}: pad nibble not 0"
        nib = np.empty((t.shape[0], 2 * t.shape[1]), np.int64)
        nib[:, 0::2], nib[:, 1::2] = lo, hi
        q = np.where(nib >= 8, nib - 16, nib)[:, :cols]
        m = 7
    assert np.all(np.abs(q) <= m), f"{name}: level outside [-{m}, {m}]"
    scale = W[name + ".scale"][1]
    assert np.all(scale >= 0), f"{name}.scale: negative"
    return (q.astype(np.float32) * scale[:, None]).astype(np.float64)


def table(W, name):
    """§5.3: dequantize an int8 table (x̂ = middle + q * scale, in f32), or the f32 table."""
    dt, t = W[name]
    if dt == "I8":
        scale = W[name + ".scale"][1]
        middle = W[name + ".middle"][1]
        return (middle[:, None] + t.astype(np.float32) * scale[:, None]).astype(np.float64)
    return t.astype(np.float64)


def embed(W, f, ids, stats):
    """§5.1 / §5.2 for one feature; ids: u64 array."""
    ids = ids.astype(np.uint64)
    if f["kind"] == "plain":
        if (ids >= np.uint64(f["rows"])).any():
            raise ValueError(f"{f['name']}: id out of range")
        return table(W, f"embeddings.{f['name']}.table")[ids.astype(np.int64)]
    M_, Q_ = np.uint64(f["r_rows"]), np.uint64(f["q_rows"])
    stats["qr ids >= q_rows*r_rows"] += int((ids // M_ >= Q_).sum())
    qi = ((ids // M_) % Q_).astype(np.int64)
    ri = (ids % M_).astype(np.int64)
    return table(W, f"embeddings.{f['name']}.q_table")[qi] + table(W, f"embeddings.{f['name']}.r_table")[ri]


def forward(cfg, W, request_dense, request_ids, item_dense, item_ids, stats):
    """One request: request_dense [Dr], request_ids [Sr], item_dense [n, Di], item_ids [n, Si]."""
    inp = cfg["inputs"]
    n = item_dense.shape[0]
    parts = [np.broadcast_to(request_dense.astype(np.float64), (n, len(inp["request_dense"])))]
    for j, f in enumerate(inp["request_sparse"]):
        parts.append(np.broadcast_to(embed(W, f, request_ids[j : j + 1], stats), (n, f["dim"])))
    parts.append(item_dense.astype(np.float64))
    for j, f in enumerate(inp["item_sparse"]):
        parts.append(embed(W, f, item_ids[:, j], stats))
    x0 = np.concatenate(parts, axis=1)

    d = x0.shape[1]
    widths = {f"cross.{l}.{m}": (cfg["cross"]["rank"] if m == "U" else d)
              for l in range(cfg["cross"]["layers"]) for m in "VQKU"}
    prev = d
    for l, n in enumerate(cfg["deep"]["hidden"]):
        widths[f"deep.{l}.W"], widths[f"deep.{l}.gate_W"] = prev, n
        prev = n

    def w(name):
        if name in widths:
            return weight(W, name, widths[name])
        return W[name][1].astype(np.float64)

    # §6 cross tower (row-wise over candidates)
    x = x0
    cr = cfg["cross"]
    for l in range(cr["layers"]):
        v = x @ w(f"cross.{l}.V").T  # [n, r]
        if cr["attention"]:
            q = x @ w(f"cross.{l}.Q").T
            k = x @ w(f"cross.{l}.K").T
            S = q[:, :, None] * k[:, None, :] / cr["temperature"]
            stats["max |attention score|"] = max(stats["max |attention score|"], float(np.abs(S).max()))
            E = np.exp(S - S.max(axis=2, keepdims=True))
            A = E / E.sum(axis=2, keepdims=True)
            h = np.einsum("nab,nb->na", A, v) + v
        else:
            h = v
        x = x0 * (h @ w(f"cross.{l}.U").T + w(f"cross.{l}.b")) + x
    cross_out = x

    # §7 deep tower
    def deep(h):
        for l in range(len(cfg["deep"]["hidden"])):
            h = np.maximum(h @ w(f"deep.{l}.W").T + w(f"deep.{l}.b"), 0.0)
            if cfg["deep"]["gating"]:
                h = h * (1.0 / (1.0 + np.exp(-(h @ w(f"deep.{l}.gate_W").T + w(f"deep.{l}.gate_b")))))
        return h

    # §8
    z = deep(cross_out) if cfg["towers"] == "stacked" else np.concatenate([cross_out, deep(x0)], axis=1)
    # §9
    logits = np.stack([(z @ w(f"heads.{h}.W").T)[:, 0] + w(f"heads.{h}.b")[0] for h in range(len(cfg["heads"]))], axis=1)
    s = sum(head["weight"] * logits[:, h] for h, head in enumerate(cfg["heads"]))
    # §10
    if cfg["calibration"] is None:
        c = s.copy()
    else:
        t, P, sl = w("calibration.boundaries"), w("calibration.prefix"), w("calibration.slopes")
        B = sl.size
        c = np.empty_like(s)
        for j, sj in enumerate(s):
            if sj <= t[0]:
                c[j] = P[0]
                stats["calibration: below t_0"] += 1
            elif sj >= t[B]:
                c[j] = P[B]
                stats["calibration: above t_B"] += 1
            else:
                i = int(np.searchsorted(t, sj, side="right")) - 1
                i = min(max(i, 0), B - 1)
                c[j] = P[i] + sl[i] * (sj - t[i])
                stats["calibration: inside"] += 1
    p = 1.0 / (1.0 + np.exp(-c))
    return {"x0": x0, "z": z, "head_logits": logits, "logit": s, "calibrated_logit": c, "probability": p}


def score_file(cfg, W, G, stats):
    R = G["request_dense"][1].shape[0]
    outs = [forward(cfg, W, G["request_dense"][1][r], G["request_ids"][1][r], G["item_dense"][1][r],
                    G["item_ids"][1][r], stats) for r in range(R)]
    return {k: np.stack([o[k] for o in outs]) for k in outs[0]}


def compare(got, want):
    """max of |got - want| / max(1, |want|), and the max plain relative error where |want| >= 1e-3."""
    want = want.astype(np.float64)
    err = np.abs(got - want) / np.maximum(1.0, np.abs(want))
    big = np.abs(want) >= 1e-3
    rel = (np.abs(got - want)[big] / np.abs(want)[big]).max() if big.any() else 0.0
    return float(err.max()) if err.size else 0.0, float(rel)


def auc(scores, labels):
    s = np.asarray(scores, np.float64)
    y = np.asarray(labels).astype(bool)
    uniq, inv = np.unique(s, return_inverse=True)
    # average rank of each distinct value
    counts = np.bincount(inv)
    ends = np.cumsum(counts)
    avg = ends - (counts - 1) / 2.0
    ranks = avg[inv]
    npos, nneg = y.sum(), (~y).sum()
    return float((ranks[y].sum() - npos * (npos + 1) / 2.0) / (npos * nneg))


def log_loss(p, y):
    p = np.clip(np.asarray(p, np.float64), 1e-7, 1 - 1e-7)
    y = np.asarray(y, np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def check_model(model_dir, results):
    name = os.path.relpath(model_dir, ROOT)
    with open(os.path.join(model_dir, "config.json")) as fh:
        cfg = json.load(fh)
    check_config(cfg)
    W = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    exp, d, zdim = expected_tensors(cfg)
    got = {k: (dt, list(a.shape)) for k, (dt, a) in W.items()}
    ok = got == exp
    if not ok:
        print(f"  {name}: tensor set differs:\n    missing/wrong {sorted(set(exp.items()) - set(got.items()))}\n"
              f"    extra/wrong {sorted(set(got.items()) - set(exp.items()))}")
    results.append((f"{name}: tensors", ok))
    if cfg["calibration"] is not None:
        t, P, sl = (W[f"calibration.{k}"][1].astype(np.float64) for k in ("boundaries", "prefix", "slopes"))
        ok = bool(np.all(np.diff(t) > 0) and np.all(sl >= 0) and
                  np.all(np.abs(P[1:] - (P[:-1] + sl * np.diff(t))) <= 1e-5 * np.maximum(1, np.abs(P[1:]))))
        results.append((f"{name}: calibration tensors", ok))

    stats = {"qr ids >= q_rows*r_rows": 0, "max |attention score|": 0.0, "calibration: below t_0": 0,
             "calibration: inside": 0, "calibration: above t_B": 0, "int8 constant rows": 0}
    for k, (dt, a) in W.items():
        if k.endswith(".scale"):
            stats["int8 constant rows"] += int((a == 0).sum())
    G = read_safetensors(os.path.join(model_dir, "golden.safetensors"))
    out = score_file(cfg, W, G, stats)
    worst = 0.0
    for key in ("x0", "z", "head_logits", "logit", "calibrated_logit", "probability"):
        if key not in G:
            continue
        e, rel = compare(out[key], G[key][1])
        worst = max(worst, e)
        ok = e <= TOL
        results.append((f"{name}: golden {key}", ok))
        if not ok:
            print(f"  {name}: golden {key} differs: max err {e:.3g}")
    shown = {k: (round(v, 1) if isinstance(v, float) else v) for k, v in stats.items() if v}
    print(f"{name:28s} golden max err {worst:.2e}  d={d} zdim={zdim}  {shown}")

    held = os.path.join(model_dir, "heldout.safetensors")
    if os.path.exists(held):
        Hd = read_safetensors(held)
        st = dict(stats)
        out = score_file(cfg, W, Hd, st)
        e, _ = compare(out["probability"], Hd["probability"][1])
        results.append((f"{name}: heldout probability", e <= TOL))
        e2, _ = compare(out["logit"], Hd["logit"][1])
        results.append((f"{name}: heldout logit", e2 <= TOL))
        with open(os.path.join(model_dir, "metrics.json")) as fh:
            metrics = json.load(fh)
        y = Hd["click"][1].reshape(-1)
        a = auc(Hd["probability"][1].reshape(-1), y)
        ll = log_loss(Hd["probability"][1].reshape(-1), y)
        a_mine = auc(out["probability"].reshape(-1), y)
        ok = abs(a - metrics["click_auc"]) < 1e-9 and abs(ll - metrics["click_log_loss"]) < 1e-9
        results.append((f"{name}: metrics.json", ok))
        print(f"{'':28s} held-out: {y.size} impressions, max err prob {e:.2e} logit {e2:.2e}; "
              f"AUC {a:.4f} (float64 re-score {a_mine:.4f}), log loss {ll:.4f}; metrics.json "
              f"{'agrees' if ok else 'DISAGREES'}")


def main(argv):
    quantized = [os.path.join(ROOT, q) for q in ("feed-dcn-int8", "feed-dcn-int4")
                 if os.path.isdir(os.path.join(ROOT, q))]
    dirs = argv or [os.path.join(ROOT, "feed-dcn")] + quantized + sorted(
        os.path.join(ROOT, "variants", v) for v in os.listdir(os.path.join(ROOT, "variants")))
    large = os.path.join(ROOT, "feed-dcn-large")
    if not argv:
        if os.path.exists(os.path.join(large, "model.safetensors")):
            dirs.insert(1, large)
        else:
            print("  feed-dcn-large: not checked (its generated weights are not written: python3 -m reference.large)")
    results = []
    for d in dirs:
        try:
            check_model(d, results)
        except Exception as exc:  # a broken model is a failed check, not a crash
            results.append((f"{d}: {exc!r}", False))
            print(f"  {d}: {exc!r}")
    failed = [n for n, ok in results if not ok]
    for n in failed:
        print(f"FAILED {n}")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

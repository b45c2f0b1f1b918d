"""The lprank scorer in JAX: config handling, tensor specs, int8 middle-max quantization and
a pure-function forward pass ``forward(params, cfg, batch)``.

This is the reference implementation of ranking-models/FORMAT.md; the names, shapes and the
order of every computation follow that document. Three parameter forms are used:

* *file params*: the tensors exactly as stored in ``model.safetensors`` (int8 tables with
  their ``.scale`` / ``.middle`` companions where the config says ``"storage": "int8"``;
  cross/deep weight matrices as int8 levels or packed int4 levels with ``.scale`` where
  ``cross.storage`` / ``deep.storage`` say so, FORMAT.md §6.1);
* *dense params*: the same names, every embedding table and weight matrix as f32
  (``dequantize`` turns file params into dense params; training works on dense params);
* a *batch*: one row per impression, request-scope inputs already repeated per candidate,
  sparse ids already turned into table row indices by ``row_indices`` (numpy, 64-bit
  unsigned arithmetic, so JAX never sees a 64-bit id).
"""

from __future__ import annotations

import copy
import json
import re
from collections import OrderedDict

import jax
import jax.numpy as jnp
import numpy as np

FORMAT = "lprank-dcn"
VERSION = 1
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SCOPES = ("request", "item")
WEIGHT_STORAGES = ("f32", "int8", "int4")
# Largest |level| of a stored weight matrix (FORMAT.md §6.1): symmetric grids, so int8 never
# uses -128 and int4 never uses the nibble 0b1000 (-8).
QMAX = {"int8": 127, "int4": 7}


# --------------------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------------------


class ConfigError(ValueError):
    pass


def _require(cond, msg):
    if not cond:
        raise ConfigError(msg)


def _is_pos_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


def normalize_config(raw: dict) -> dict:
    """Validate a config and return a copy with every default filled in (FORMAT.md §2)."""
    cfg = copy.deepcopy(raw)
    _require(cfg.get("format") == FORMAT, f"format: must be {FORMAT!r}")
    _require(cfg.get("version") == VERSION, f"version: must be {VERSION}")
    cfg.setdefault("name", "")
    cfg.setdefault("description", "")

    inputs = cfg.setdefault("inputs", {})
    names = set()
    for scope in SCOPES:
        dense = inputs.setdefault(f"{scope}_dense", [])
        _require(isinstance(dense, list), f"inputs.{scope}_dense: must be a list of names")
        for n in dense:
            _require(isinstance(n, str) and NAME_RE.match(n), f"inputs.{scope}_dense: bad name {n!r}")
            _require(n not in names, f"inputs: duplicate feature name {n!r}")
            names.add(n)
        sparse = inputs.setdefault(f"{scope}_sparse", [])
        _require(isinstance(sparse, list), f"inputs.{scope}_sparse: must be a list")
        for k, f in enumerate(sparse):
            where = f"inputs.{scope}_sparse[{k}]"
            n = f.get("name")
            _require(isinstance(n, str) and NAME_RE.match(n), f"{where}.name: bad name {n!r}")
            _require(n not in names, f"inputs: duplicate feature name {n!r}")
            names.add(n)
            f.setdefault("storage", "f32")
            _require(f["storage"] in ("f32", "int8"), f"{where}.storage: must be 'f32' or 'int8'")
            _require(_is_pos_int(f.get("dim")), f"{where}.dim: must be an integer >= 1")
            kind = f.get("kind")
            if kind == "plain":
                _require(_is_pos_int(f.get("rows")), f"{where}.rows: must be an integer >= 1")
                _require("q_rows" not in f and "r_rows" not in f, f"{where}: q_rows/r_rows only for kind 'qr'")
            elif kind == "qr":
                _require(_is_pos_int(f.get("q_rows")), f"{where}.q_rows: must be an integer >= 1")
                _require(_is_pos_int(f.get("r_rows")), f"{where}.r_rows: must be an integer >= 1")
                _require("rows" not in f, f"{where}: rows only for kind 'plain'")
            else:
                raise ConfigError(f"{where}.kind: must be 'plain' or 'qr'")

    _require(sum(len(inputs[f"{sc}_dense"]) + sum(f["dim"] for f in inputs[f"{sc}_sparse"]) for sc in SCOPES) >= 1,
             "inputs: x0 would be empty (no features)")

    cross = cfg.setdefault("cross", {})
    cross.setdefault("layers", 0)
    _require(isinstance(cross["layers"], int) and cross["layers"] >= 0, "cross.layers: must be an integer >= 0")
    cross.setdefault("attention", False)
    _require(isinstance(cross["attention"], bool), "cross.attention: must be true or false")
    cross.setdefault("temperature", 1.0)
    cross["temperature"] = float(cross["temperature"])
    _require(np.isfinite(cross["temperature"]) and cross["temperature"] > 0, "cross.temperature: must be > 0")
    if cross["layers"] > 0:
        _require(_is_pos_int(cross.get("rank")), "cross.rank: must be an integer >= 1")
    else:
        cross.setdefault("rank", 0)
    cross.setdefault("storage", "f32")
    _require(cross["storage"] in WEIGHT_STORAGES, f"cross.storage: must be one of {WEIGHT_STORAGES}")

    deep = cfg.setdefault("deep", {})
    deep.setdefault("hidden", [])
    _require(all(_is_pos_int(h) for h in deep["hidden"]), "deep.hidden: must be a list of integers >= 1")
    deep.setdefault("activation", "relu")
    _require(deep["activation"] == "relu", "deep.activation: must be 'relu'")
    deep.setdefault("gating", True)
    _require(isinstance(deep["gating"], bool), "deep.gating: must be true or false")
    deep.setdefault("storage", "f32")
    _require(deep["storage"] in WEIGHT_STORAGES, f"deep.storage: must be one of {WEIGHT_STORAGES}")

    _require(cfg.get("towers") in ("stacked", "parallel"), "towers: must be 'stacked' or 'parallel'")

    heads = cfg.get("heads")
    _require(isinstance(heads, list) and len(heads) >= 1, "heads: must be a non-empty list")
    head_names = set()
    for h, head in enumerate(heads):
        n = head.get("name")
        _require(isinstance(n, str) and NAME_RE.match(n), f"heads[{h}].name: bad name {n!r}")
        _require(n not in head_names, f"heads: duplicate name {n!r}")
        head_names.add(n)
        head.setdefault("weight", 1.0)
        head["weight"] = float(head["weight"])
        _require(np.isfinite(head["weight"]), f"heads[{h}].weight: must be finite")

    cal = cfg.setdefault("calibration", None)
    if cal is not None:
        _require(cal.get("kind") == "isotonic", "calibration.kind: must be 'isotonic'")
        _require(_is_pos_int(cal.get("buckets")), "calibration.buckets: must be an integer >= 1")
    return cfg


def load_config(path) -> dict:
    with open(path) as fh:
        return normalize_config(json.load(fh))


def x0_parts(cfg):
    """The blocks of x0 in order: (kind, scope, name_or_None, width). FORMAT.md §4."""
    parts = []
    for scope in SCOPES:
        parts.append(("dense", scope, None, len(cfg["inputs"][f"{scope}_dense"])))
        for f in cfg["inputs"][f"{scope}_sparse"]:
            parts.append(("embedding", scope, f["name"], f["dim"]))
    return parts


def x0_dim(cfg) -> int:
    return sum(p[3] for p in x0_parts(cfg))


def deep_out_dim(cfg) -> int:
    hidden = cfg["deep"]["hidden"]
    return hidden[-1] if hidden else x0_dim(cfg)


def tower_out_dim(cfg) -> int:
    d = x0_dim(cfg)
    if cfg["towers"] == "stacked":
        return deep_out_dim(cfg)
    return d + deep_out_dim(cfg)


def embedding_tables(cfg):
    """(feature, table_tensor_name, rows, dim, storage) for every embedding table."""
    out = []
    for scope in SCOPES:
        for f in cfg["inputs"][f"{scope}_sparse"]:
            base = f"embeddings.{f['name']}"
            if f["kind"] == "plain":
                out.append((f, f"{base}.table", f["rows"], f["dim"], f["storage"]))
            else:
                out.append((f, f"{base}.q_table", f["q_rows"], f["dim"], f["storage"]))
                out.append((f, f"{base}.r_table", f["r_rows"], f["dim"], f["storage"]))
    return out


def weight_matrices(cfg):
    """(name, (rows, cols), storage) of every cross and deep weight matrix, in forward order:
    the matrices `cross.storage` / `deep.storage` apply to (biases, heads, tables never)."""
    out = []
    d = x0_dim(cfg)
    r = cfg["cross"]["rank"]
    cs = cfg["cross"].get("storage", "f32")
    for l in range(cfg["cross"]["layers"]):
        out.append((f"cross.{l}.V", (r, d), cs))
        if cfg["cross"]["attention"]:
            out.append((f"cross.{l}.Q", (r, d), cs))
            out.append((f"cross.{l}.K", (r, d), cs))
        out.append((f"cross.{l}.U", (d, r), cs))
    ds = cfg["deep"].get("storage", "f32")
    n_in = d
    for l, n in enumerate(cfg["deep"]["hidden"]):
        out.append((f"deep.{l}.W", (n, n_in), ds))
        if cfg["deep"]["gating"]:
            out.append((f"deep.{l}.gate_W", (n, n), ds))
        n_in = n
    return out


def tensor_specs(cfg, dense=False) -> "OrderedDict[str, tuple[tuple, str]]":
    """Every tensor of model.safetensors: name -> (shape, dtype). dense=True: tables as F32."""
    specs = OrderedDict()
    for _f, name, rows, dim, storage in embedding_tables(cfg):
        if storage == "int8" and not dense:
            specs[name] = ((rows, dim), "I8")
            specs[name + ".scale"] = ((rows,), "F32")
            specs[name + ".middle"] = ((rows,), "F32")
        else:
            specs[name] = ((rows, dim), "F32")
    weights = {name: (shape, storage) for name, shape, storage in weight_matrices(cfg)}

    def matrix(name):
        (rows, cols), storage = weights[name]
        if storage == "f32" or dense:
            specs[name] = ((rows, cols), "F32")
        elif storage == "int8":
            specs[name] = ((rows, cols), "I8")
            specs[name + ".scale"] = ((rows,), "F32")
        else:  # int4: two levels a byte
            specs[name] = ((rows, (cols + 1) // 2), "U8")
            specs[name + ".scale"] = ((rows,), "F32")

    d = x0_dim(cfg)
    for l in range(cfg["cross"]["layers"]):
        matrix(f"cross.{l}.V")
        if cfg["cross"]["attention"]:
            matrix(f"cross.{l}.Q")
            matrix(f"cross.{l}.K")
        matrix(f"cross.{l}.U")
        specs[f"cross.{l}.b"] = ((d,), "F32")
    for l, n in enumerate(cfg["deep"]["hidden"]):
        matrix(f"deep.{l}.W")
        specs[f"deep.{l}.b"] = ((n,), "F32")
        if cfg["deep"]["gating"]:
            matrix(f"deep.{l}.gate_W")
            specs[f"deep.{l}.gate_b"] = ((n,), "F32")
    z = tower_out_dim(cfg)
    for h in range(len(cfg["heads"])):
        specs[f"heads.{h}.W"] = ((1, z), "F32")
        specs[f"heads.{h}.b"] = ((1,), "F32")
    if cfg["calibration"] is not None:
        b = cfg["calibration"]["buckets"]
        specs["calibration.boundaries"] = ((b + 1,), "F32")
        specs["calibration.prefix"] = ((b + 1,), "F32")
        specs["calibration.slopes"] = ((b,), "F32")
    return specs


# --------------------------------------------------------------------------------------
# int8 middle-max quantization (FORMAT.md §5)
# --------------------------------------------------------------------------------------


def quantize_rows(x: np.ndarray):
    """Row-wise int8 middle-max quantization of a [rows, dim] f32 table.

    scale = (max - min) / 255, middle = min + 128 * scale, q = clip(round((x - middle) / scale),
    -128, 127) with round half to even; a constant row (max == min) gets scale 0, middle = min,
    q = 0. Everything is computed in float32, as the stored values are.
    """
    x = np.asarray(x, dtype=np.float32)
    mn = x.min(axis=1)
    mx = x.max(axis=1)
    scale = ((mx - mn) / np.float32(255.0)).astype(np.float32)
    middle = (mn + np.float32(128.0) * scale).astype(np.float32)
    safe = np.where(scale > 0, scale, np.float32(1.0))
    q = np.rint((x - middle[:, None]) / safe[:, None])
    q = np.where(scale[:, None] > 0, q, 0.0)
    q = np.clip(q, -128, 127).astype(np.int8)
    return q, scale, middle


def dequantize_rows(q, scale, middle) -> np.ndarray:
    """x_hat = middle + q * scale, row-wise, in float32."""
    return (middle[:, None] + q.astype(np.float32) * scale[:, None]).astype(np.float32)


def pack_int4(q: np.ndarray) -> np.ndarray:
    """Levels q [rows, cols] in [-7, 7] -> U8 [rows, ceil(cols / 2)] (FORMAT.md §6.1): byte
    [o, k] holds column 2k in its low nibble and column 2k+1 in its high nibble, each as a
    4-bit two's complement number; an odd last column leaves the high nibble 0."""
    q = np.asarray(q)
    assert q.ndim == 2 and np.all(np.abs(q.astype(np.int64)) <= QMAX["int4"]), "int4 levels must be in [-7, 7]"
    rows, cols = q.shape
    nib = np.zeros((rows, cols + cols % 2), np.uint8)
    nib[:, :cols] = q.astype(np.int64) & 0xF
    return (nib[:, 0::2] | (nib[:, 1::2] << 4)).astype(np.uint8)


def unpack_int4(packed: np.ndarray, cols: int) -> np.ndarray:
    """U8 [rows, ceil(cols / 2)] -> int8 levels [rows, cols] (the inverse of pack_int4)."""
    packed = np.asarray(packed, np.uint8)
    nib = np.stack([packed & 0xF, packed >> 4], axis=-1).reshape(packed.shape[0], -1)[:, :cols]
    return np.where(nib >= 8, nib.astype(np.int16) - 16, nib).astype(np.int8)


def encode_weight(q: np.ndarray, scale: np.ndarray, storage: str) -> dict:
    """Integer levels q [rows, cols] and per-row scales -> the tensors of a stored weight
    matrix (FORMAT.md §6.1): {name: q or packed q, name.scale: scale}, keyed '' and '.scale'."""
    scale = np.asarray(scale, np.float32)
    assert np.all(np.isfinite(scale)) and np.all(scale >= 0)
    assert np.all(np.abs(np.asarray(q, np.int64)) <= QMAX[storage])
    data = np.asarray(q, np.int8) if storage == "int8" else pack_int4(q)
    return {"": data, ".scale": scale}


def weight_levels(file_params: dict, name: str, cols: int, storage: str) -> np.ndarray:
    """The int8 levels of a stored weight matrix (int4 unpacked)."""
    v = np.asarray(file_params[name])
    return v.astype(np.int8) if storage == "int8" else unpack_int4(v, cols)


def dequantize(file_params: dict, cfg) -> dict:
    """File params -> dense params (every table and weight matrix f32). Tables: x̂ = middle +
    q * scale; weight matrices stored int8/int4: ŵ[o, j] = scale[o] * q[o, j], in f32.
    Other tensors are passed through."""
    out = {}
    weights = {name: (shape, storage) for name, shape, storage in weight_matrices(cfg)}
    for k, v in file_params.items():
        if k.endswith(".scale") or k.endswith(".middle"):
            continue
        if k in weights and weights[k][1] != "f32":
            (_rows, cols), storage = weights[k]
            q = weight_levels(file_params, k, cols, storage)
            out[k] = (q.astype(np.float32) * np.asarray(file_params[k + ".scale"], np.float32)[:, None]).astype(np.float32)
        elif np.asarray(v).dtype == np.int8:
            out[k] = dequantize_rows(v, file_params[k + ".scale"], file_params[k + ".middle"])
        else:
            out[k] = np.asarray(v, dtype=np.float32)
    return out


def to_file_params(dense_params: dict, cfg, weight_levels_and_scales: dict | None = None) -> dict:
    """Dense params -> file params: quantize the tables whose storage is int8; weight matrices
    whose storage is int8/int4 take their (levels, scale) from ``weight_levels_and_scales``
    (made by reference/quantize.py: RTN or QuantEase), which must then hold every one."""
    out = {}
    int8_tables = {name for _f, name, _r, _d, s in embedding_tables(cfg) if s == "int8"}
    stored = {name: storage for name, _shape, storage in weight_matrices(cfg) if storage != "f32"}
    for k, v in dense_params.items():
        v = np.asarray(v, dtype=np.float32)
        if k in int8_tables:
            q, s, m = quantize_rows(v)
            out[k], out[k + ".scale"], out[k + ".middle"] = q, s, m
        elif k in stored:
            q, s = weight_levels_and_scales[k]
            for suffix, t in encode_weight(q, s, stored[k]).items():
                out[k + suffix] = t
        else:
            out[k] = v
    return out


# --------------------------------------------------------------------------------------
# Ids -> table rows (numpy, 64-bit unsigned)
# --------------------------------------------------------------------------------------


class IdError(ValueError):
    pass


def feature_rows(f: dict, ids) -> dict:
    """Row indices for one sparse feature. ids: any-shape array of non-negative integers.

    plain: row = id, and id >= rows is an error. qr: q_row = (id // r_rows) % q_rows,
    r_row = id % r_rows, any id in [0, 2^64) works. (FORMAT.md §5.)
    """
    ids = np.asarray(ids)
    if ids.dtype.kind == "i":
        if (ids < 0).any():
            raise IdError(f"{f['name']}: negative id")
        ids = ids.astype(np.uint64)
    elif ids.dtype.kind != "u":
        raise IdError(f"{f['name']}: ids must be integers")
    ids = ids.astype(np.uint64)
    if f["kind"] == "plain":
        if (ids >= np.uint64(f["rows"])).any():
            raise IdError(f"{f['name']}: id {int(ids.max())} out of range (rows = {f['rows']})")
        return {"table": ids.astype(np.int32)}
    m = np.uint64(f["r_rows"])
    q = np.uint64(f["q_rows"])
    return {"q_table": ((ids // m) % q).astype(np.int32), "r_table": (ids % m).astype(np.int32)}


def make_batch(cfg, request_dense, request_ids, item_dense, item_ids) -> dict:
    """Flat impressions -> a batch for ``forward``.

    request_dense [B, Dr] f32, request_ids [B, Sr] int, item_dense [B, Di] f32,
    item_ids [B, Si] int (request-scope inputs repeated per candidate).
    """
    batch = {
        "request_dense": np.asarray(request_dense, np.float32),
        "item_dense": np.asarray(item_dense, np.float32),
    }
    for scope, ids in (("request", request_ids), ("item", item_ids)):
        ids = np.asarray(ids)
        feats = cfg["inputs"][f"{scope}_sparse"]
        assert ids.ndim == 2 and ids.shape[1] == len(feats), (scope, ids.shape)
        for j, f in enumerate(feats):
            for table, rows in feature_rows(f, ids[:, j]).items():
                batch[f"rows.{f['name']}.{table}"] = rows
    return batch


def request_batch(cfg, request_dense, request_ids, item_dense, item_ids) -> dict:
    """Requests x candidates ([R, Dr], [R, Sr], [R, N, Di], [R, N, Si]) -> a flat batch."""
    request_dense = np.asarray(request_dense, np.float32)
    request_ids = np.asarray(request_ids)
    item_dense = np.asarray(item_dense, np.float32)
    item_ids = np.asarray(item_ids)
    r, n = item_dense.shape[:2]
    return make_batch(
        cfg,
        np.repeat(request_dense, n, axis=0).reshape(r * n, -1),
        np.repeat(request_ids, n, axis=0).reshape(r * n, -1),
        item_dense.reshape(r * n, -1),
        item_ids.reshape(r * n, -1),
    )


# --------------------------------------------------------------------------------------
# Forward pass (JAX, float32)
# --------------------------------------------------------------------------------------


def embed(params, f, batch):
    base = f"embeddings.{f['name']}"
    if f["kind"] == "plain":
        return params[f"{base}.table"][batch[f"rows.{f['name']}.table"]]
    eq = params[f"{base}.q_table"][batch[f"rows.{f['name']}.q_table"]]
    er = params[f"{base}.r_table"][batch[f"rows.{f['name']}.r_table"]]
    return eq + er


def build_x0(params, cfg, batch):
    """x0 = [request dense | request embeddings | item dense | item embeddings]."""
    parts = []
    for scope in SCOPES:
        parts.append(jnp.asarray(batch[f"{scope}_dense"], jnp.float32))
        for f in cfg["inputs"][f"{scope}_sparse"]:
            parts.append(embed(params, f, batch))
    return jnp.concatenate(parts, axis=-1)


def cross_layer(params, cfg, l, x0, x):
    """x' = x0 * (U h + b) + x with h = v (plain DCNv2) or h = A v + v (attention)."""
    v = x @ params[f"cross.{l}.V"].T  # [B, r]
    if cfg["cross"]["attention"]:
        q = x @ params[f"cross.{l}.Q"].T  # [B, r]
        k = x @ params[f"cross.{l}.K"].T  # [B, r]
        s = q[:, :, None] * k[:, None, :] / cfg["cross"]["temperature"]  # [B, r, r]: s_ab = q_a k_b / tau
        a = jax.nn.softmax(s, axis=-1)  # softmax over b
        h = jnp.einsum("bij,bj->bi", a, v) + v
    else:
        h = v
    return x0 * (h @ params[f"cross.{l}.U"].T + params[f"cross.{l}.b"]) + x


def cross_tower(params, cfg, x0):
    x = x0
    for l in range(cfg["cross"]["layers"]):
        x = cross_layer(params, cfg, l, x0, x)
    return x


def deep_tower(params, cfg, h):
    for l in range(len(cfg["deep"]["hidden"])):
        h = jax.nn.relu(h @ params[f"deep.{l}.W"].T + params[f"deep.{l}.b"])
        if cfg["deep"]["gating"]:
            h = h * jax.nn.sigmoid(h @ params[f"deep.{l}.gate_W"].T + params[f"deep.{l}.gate_b"])
    return h


def towers(params, cfg, x0):
    if cfg["towers"] == "stacked":
        return deep_tower(params, cfg, cross_tower(params, cfg, x0))
    return jnp.concatenate([cross_tower(params, cfg, x0), deep_tower(params, cfg, x0)], axis=-1)


def head_logits(params, cfg, z):
    cols = [(z @ params[f"heads.{h}.W"].T + params[f"heads.{h}.b"])[:, 0] for h in range(len(cfg["heads"]))]
    return jnp.stack(cols, axis=-1)  # [B, H]


def mix(cfg, logits):
    """Ranking logit: sum over heads, in head order, of weight_h * logit_h."""
    out = jnp.zeros(logits.shape[:-1], jnp.float32)
    for h, head in enumerate(cfg["heads"]):
        out = out + jnp.float32(head["weight"]) * logits[..., h]
    return out


def calibrate(params, cfg, s):
    """Isotonic map as served (FORMAT.md §8): clamp outside [t_0, t_B], else P_i + slope_i (s - t_i)."""
    if cfg["calibration"] is None:
        return s
    t = params["calibration.boundaries"]
    p = params["calibration.prefix"]
    slopes = params["calibration.slopes"]
    nb = slopes.shape[0]
    i = jnp.clip(jnp.searchsorted(t, s, side="right") - 1, 0, nb - 1)
    inside = p[i] + slopes[i] * (s - t[i])
    return jnp.where(s <= t[0], p[0], jnp.where(s >= t[nb], p[nb], inside))


def forward(params, cfg, batch):
    """The whole model on a flat batch. Returns x0, z, head_logits [B, H], logit, calibrated
    logit and probability. params: dense params (f32 tables)."""
    x0 = build_x0(params, cfg, batch)
    z = towers(params, cfg, x0)
    logits = head_logits(params, cfg, z)
    s = mix(cfg, logits)
    c = calibrate(params, cfg, s)
    return {
        "x0": x0,
        "z": z,
        "head_logits": logits,
        "logit": s,
        "calibrated_logit": c,
        "probability": jax.nn.sigmoid(c),
    }


# --------------------------------------------------------------------------------------
# Initialisation
# --------------------------------------------------------------------------------------


def init_params(cfg, key, emb_scale=0.05, cross_scale=0.05, attn_scale=None) -> dict:
    """Random dense params: tables N(0, emb_scale), cross V/Q/K/U small normals, deep layers
    He-normal, gates zero-weight with bias 1, heads Glorot, calibration absent."""
    params = {}
    specs = tensor_specs(cfg, dense=True)
    keys = jax.random.split(key, len(specs))
    for k, (name, (shape, _dt)) in zip(keys, specs.items()):
        last = name.rsplit(".", 1)[-1]
        if name.startswith("calibration."):
            continue
        if name.startswith("embeddings."):
            w = emb_scale * jax.random.normal(k, shape)
        elif name.startswith("cross."):
            if last in ("V", "U"):
                w = cross_scale * jax.random.normal(k, shape)
            elif last in ("Q", "K"):
                w = (attn_scale if attn_scale is not None else cross_scale) * jax.random.normal(k, shape)
            else:
                w = jnp.zeros(shape)
        elif name.startswith("deep."):
            if last == "W":
                w = jax.random.normal(k, shape) * np.sqrt(2.0 / shape[1])
            elif last == "gate_W":
                w = jax.random.normal(k, shape) * np.sqrt(1.0 / shape[1]) * 0.1
            elif last == "gate_b":
                w = jnp.ones(shape)
            else:
                w = jnp.zeros(shape)
        elif name.startswith("heads."):
            w = jax.random.normal(k, shape) * np.sqrt(1.0 / shape[-1]) if last == "W" else jnp.zeros(shape)
        else:
            raise AssertionError(name)
        params[name] = jnp.asarray(w, jnp.float32)
    return params


def calibration_tensors(boundaries, offset, slopes) -> dict:
    """Served calibration tensors from boundaries t_0..t_B, P_0 and slopes (prefix sums in f64,
    stored f32)."""
    t = np.asarray(boundaries, np.float32).astype(np.float64)  # prefix sums over the stored f32 t
    sl = np.asarray(slopes, np.float64)
    assert t.ndim == 1 and sl.shape == (t.size - 1,) and np.all(np.diff(t) > 0) and np.all(sl >= 0)
    prefix = float(offset) + np.concatenate([[0.0], np.cumsum(sl * np.diff(t))])
    return {
        "calibration.boundaries": t.astype(np.float32),
        "calibration.prefix": prefix.astype(np.float32),
        "calibration.slopes": sl.astype(np.float32),
    }

"""Write and read model directories in the lprank format (FORMAT.md): config.json and
model.safetensors. ``write_model`` takes *dense* params (f32 tables) and quantizes the tables
whose config says ``"storage": "int8"``; it refuses anything whose tensor set, shapes or
dtypes differ from the spec.

    python3 -m reference.export SRC_DIR DST_DIR   # re-export (re-validates) a model directory
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
from safetensors.numpy import load_file

from . import model as M

DTYPES = {"F32": np.float32, "I8": np.int8, "U8": np.uint8}
ST_DTYPES = {np.dtype("float32"): "F32", np.dtype("int8"): "I8", np.dtype("int64"): "I64", np.dtype("uint8"): "U8"}


def save_safetensors(path, tensors: dict, metadata: dict):
    """Write a safetensors file byte-for-byte deterministically: tensors in name order,
    metadata keys sorted, compact JSON header padded with spaces to a multiple of 8 bytes,
    little-endian row-major data. (The safetensors package orders the metadata of its own
    writer arbitrarily, so re-running a script would change the bytes.)"""
    header = {"__metadata__": {k: str(metadata[k]) for k in sorted(metadata)}}
    chunks, offset = [], 0
    for name in sorted(tensors):
        a = np.asarray(tensors[name])
        dt = ST_DTYPES[a.dtype]
        data = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as fh:
        fh.write(len(h).to_bytes(8, "little"))
        fh.write(h)
        for c in chunks:
            fh.write(c)


def check_tensors(cfg, file_params: dict):
    specs = M.tensor_specs(cfg)
    missing = sorted(set(specs) - set(file_params))
    extra = sorted(set(file_params) - set(specs))
    if missing or extra:
        raise ValueError(f"tensor set differs from spec: missing {missing}, extra {extra}")
    for name, (shape, dt) in specs.items():
        v = file_params[name]
        if tuple(v.shape) != tuple(shape) or v.dtype != DTYPES[dt]:
            raise ValueError(f"{name}: got {v.dtype}{list(v.shape)}, want {dt}{list(shape)}")
        if v.dtype == np.float32 and not np.all(np.isfinite(v)):
            raise ValueError(f"{name}: non-finite values")
    if cfg["calibration"] is not None:
        t = file_params["calibration.boundaries"]
        s = file_params["calibration.slopes"]
        p = file_params["calibration.prefix"]
        if not np.all(np.diff(t) > 0):
            raise ValueError("calibration.boundaries: must be strictly increasing")
        if not np.all(s >= 0):
            raise ValueError("calibration.slopes: must be >= 0")
        want = p[:-1].astype(np.float64) + s.astype(np.float64) * np.diff(t.astype(np.float64))
        if not np.allclose(p[1:], want, rtol=1e-5, atol=1e-5):
            raise ValueError("calibration.prefix: not the prefix sums of the slopes")
    for _f, name, _r, _d, storage in M.embedding_tables(cfg):
        if storage == "int8" and not np.all(file_params[name + ".scale"] >= 0):
            raise ValueError(f"{name}.scale: must be >= 0")
    for name, (_rows, cols), storage in M.weight_matrices(cfg):
        if storage == "f32":
            continue
        if not np.all(file_params[name + ".scale"] >= 0):
            raise ValueError(f"{name}.scale: must be >= 0")
        if storage == "int4" and cols % 2 and np.any(file_params[name][:, -1] >> 4):
            raise ValueError(f"{name}: the pad nibble of an odd row must be 0")
        q = M.weight_levels(file_params, name, cols, storage).astype(np.int64)
        if np.any(np.abs(q) > M.QMAX[storage]):
            raise ValueError(f"{name}: levels must lie in [-{M.QMAX[storage]}, {M.QMAX[storage]}]")


def write_model(out_dir, cfg, dense_params: dict, file_params: dict | None = None):
    """Write config.json + model.safetensors. Pass dense params (quantized here) or, if already
    quantized, file_params. Returns the file params as written."""
    cfg = M.normalize_config(cfg)
    if file_params is None:
        file_params = M.to_file_params({k: np.asarray(v) for k, v in dense_params.items()}, cfg)
    file_params = {k: np.ascontiguousarray(v) for k, v in file_params.items()}
    check_tensors(cfg, file_params)
    os.makedirs(out_dir, exist_ok=True)
    written = json.loads(json.dumps(cfg))
    for tower in ("cross", "deep"):  # FORMAT.md §2: written only when not the default f32,
        if written[tower].get("storage") == "f32":  # so files made before the key stay as they were
            del written[tower]["storage"]
    with open(os.path.join(out_dir, "config.json"), "w") as fh:
        json.dump(written, fh, indent=2)
        fh.write("\n")
    save_safetensors(os.path.join(out_dir, "model.safetensors"), file_params,
                     {"format": M.FORMAT, "version": str(M.VERSION)})
    return file_params


def load_model(model_dir):
    """(normalized config, file params) of a model directory; validates the tensors."""
    cfg = M.load_config(os.path.join(model_dir, "config.json"))
    file_params = load_file(os.path.join(model_dir, "model.safetensors"))
    check_tensors(cfg, file_params)
    return cfg, file_params


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    cfg, fp = load_model(sys.argv[1])
    write_model(sys.argv[2], cfg, None, fp)
    print(f"wrote {sys.argv[2]}")

"""Weight quantisers for the cross and deep towers: round-to-nearest (RTN) and QuantEase
(Behdin et al., "QuantEase: Optimization-based Quantization for Language Models",
arXiv 2309.01885), their held-out quality on feed-dcn, and the quantised models shipped next
to it.

    python3 -m reference.quantize        # ~2 min on 2 cores; from ranking-models/

writes feed-dcn/quantization.json (the table below, per-layer figures), the shipped models
feed-dcn-int8/ and feed-dcn-int4/ (config.json, model.safetensors, golden.safetensors) and
prints the table that ranking-models/README.md shows.

The grid (FORMAT.md §6.1). A weight matrix W [out, in] is stored as integer levels q[o, j] in
[-m, m] (m = 127 for int8, 7 for int4) and one scale per row (output channel), meaning
ŵ[o, j] = s_o · q[o, j]. Both quantisers use the RTN scale s_o = max_j |W[o, j]| / m (a zero
row gets s_o = 0 and q = 0) and differ only in the levels:

* RTN: q = clip(round(W / s), -m, m), each weight on its own.
* QuantEase: the levels that (locally) minimise the layer's output error on calibration
  inputs. For a layer y = W x and calibration inputs x_1 … x_n (the columns of X),

      f(Ŵ) = ||W X − Ŵ X||_F² = Σ_o e_oᵀ H e_o,   e_o = w_o − ŵ_o,   H = X Xᵀ  [in, in]

  which separates over the rows o. Cyclic coordinate descent over the input columns j: with
  every other coordinate of row o fixed, f is a 1-D quadratic in ŵ[o, j] with curvature
  H_jj and minimiser

      ŵ*[o, j] = w[o, j] + (Σ_{b≠j} H_jb e[o, b]) / H_jj = w[o, j] + (P[o, j] − H_jj e[o, j]) / H_jj

  with P = E H kept up to date (a rank-one update P += δ H[j, :] after column j changes by
  δ). A 1-D quadratic is symmetric about its minimiser, so the best grid point is the
  nearest one: ŵ[o, j] = s_o · clip(round(ŵ*[o, j] / s_o), -m, m). Every step is therefore
  an exact minimisation over its coordinate and f never increases. All rows move together
  (column j of every row at once). Start: RTN. Passes: until no level changes (at most
  PASSES). H gets a small ridge DAMP · mean(diag H) on its diagonal, so that an input that
  is always 0 (H_jj = 0) leaves its weight at RTN instead of dividing by zero.

  Layers are quantised one after another in forward order (cross.l V/Q/K, then cross.l U,
  …, deep.l W, then deep.l gate_W), each with inputs X computed by the model whose earlier
  layers are already quantised (as GPTQ and QuantEase do), so later layers see and partly
  absorb the earlier layers' error; the target is always the f32 layer's W X.

Calibration data: CALIB_REQUESTS requests drawn (seeded) from the training requests that
reference/train.py simulates (world seed 20240601, training seed 1, 100000 requests × 16),
i.e. impressions the model was trained on; never the held-out set.

Evaluation: feed-dcn/heldout.safetensors (1250 requests × 16), click AUC and log loss of the
calibrated probability, computed as metrics.json is (reference/train.py's auc, log_loss),
by the JAX reference in f32 on the dequantized weights (weights quantised, activations
f32). The calibration tensors are feed-dcn's, unchanged: the figures measure the weights
alone. The Rust int8 path additionally quantises activations; tests/scorer_quantized.rs
measures that on the shipped models.
"""

from __future__ import annotations

import json
import os
import time

import jax
import jax.numpy as jnp
import numpy as np
from safetensors.numpy import load_file

from . import model as M
from . import simulator as S
from .export import load_model, write_model
from .golden import HERE, feed_inputs, run_model, write_golden
from .train import TRAIN_SEED, WORLD_SEED, auc, log_loss

CALIB_REQUESTS = 2048  # × 16 candidates = 32,768 impressions
CALIB_SAMPLE_SEED = 11
PASSES = 30
DAMP = 1e-3
MAX_DELTA_AUC = 0.002  # what a shipped storage must keep (issue 11)


# --------------------------------------------------------------------------------------
# The two quantisers
# --------------------------------------------------------------------------------------


def rtn_scale(w: np.ndarray, qmax: int) -> np.ndarray:
    """s_o = max_j |w[o, j]| / qmax, in f32 (the stored scale)."""
    return (np.abs(np.asarray(w, np.float32)).max(axis=1) / np.float32(qmax)).astype(np.float32)


def project(u: np.ndarray, s: np.ndarray, qmax: int) -> np.ndarray:
    """Nearest grid level of u on each row's grid s·{-qmax..qmax} (rows with s = 0: level 0)."""
    safe = np.where(s > 0, s, 1.0)
    q = np.clip(np.rint(u / safe), -qmax, qmax)
    return np.where(s > 0, q, 0.0)


def rtn(w: np.ndarray, qmax: int):
    """Round to nearest: (levels int8 [rows, cols], scale f32 [rows])."""
    w = np.asarray(w, np.float64)
    s = rtn_scale(w, qmax)
    sb = s.astype(np.float64)[:, None]
    return project(w, sb, qmax).astype(np.int8), s


def layer_error(w: np.ndarray, what: np.ndarray, h: np.ndarray) -> float:
    """f(Ŵ) = Σ_o (w_o − ŵ_o)ᵀ H (w_o − ŵ_o)."""
    e = np.asarray(w, np.float64) - np.asarray(what, np.float64)
    return float(np.einsum("oi,ij,oj->", e, h, e))


def quantease(w: np.ndarray, h: np.ndarray, qmax: int, passes: int = PASSES, damp: float = DAMP):
    """QuantEase levels for W [rows, cols] given H = X Xᵀ [cols, cols] (module doc).
    Returns (levels int8, scale f32, passes run)."""
    w = np.asarray(w, np.float64)
    q, s = rtn(w, qmax)
    if not float(np.mean(np.diag(h))) > 0:  # no calibration signal at all (every input 0)
        return q, s, 0
    sb = s.astype(np.float64)[:, None]  # the stored f32 scale, so ŵ is exactly what a reader gets
    hd = np.asarray(h, np.float64) + damp * float(np.mean(np.diag(h))) * np.eye(h.shape[0])
    q = q.astype(np.float64)
    e = w - sb * q
    p = e @ hd
    done = 0
    for _ in range(passes):
        done += 1
        changed = 0
        for j in range(w.shape[1]):
            hjj = hd[j, j]
            target = w[:, j] + (p[:, j] - hjj * e[:, j]) / hjj
            qj = project(target, sb[:, 0], qmax)
            moved = qj != q[:, j]
            if not moved.any():
                continue
            changed += int(moved.sum())
            e_new = w[:, j] - sb[:, 0] * qj
            p += np.outer(e_new - e[:, j], hd[j, :])
            e[:, j] = e_new
            q[:, j] = qj
        if changed == 0:
            break
    return q.astype(np.int8), s, done


# --------------------------------------------------------------------------------------
# Layer inputs (the columns of X) from the JAX reference
# --------------------------------------------------------------------------------------


def layer_inputs(params, cfg, batch) -> dict:
    """Inputs of every weight matrix on a flat batch, [n, in] each (rows are the x's):
    'cross.l.x' (V, Q, K read x_l), 'cross.l.h' (U reads h), 'deep.l.in' (W), 'deep.l.relu'
    (gate_W reads the post-ReLU h). Mirrors model.forward step for step."""
    out = {}
    x0 = M.build_x0(params, cfg, batch)
    x = x0
    for l in range(cfg["cross"]["layers"]):
        out[f"cross.{l}.x"] = x
        v = x @ params[f"cross.{l}.V"].T
        if cfg["cross"]["attention"]:
            q = x @ params[f"cross.{l}.Q"].T
            k = x @ params[f"cross.{l}.K"].T
            sc = q[:, :, None] * k[:, None, :] / cfg["cross"]["temperature"]
            hh = jnp.einsum("bij,bj->bi", jax.nn.softmax(sc, axis=-1), v) + v
        else:
            hh = v
        out[f"cross.{l}.h"] = hh
        x = x0 * (hh @ params[f"cross.{l}.U"].T + params[f"cross.{l}.b"]) + x
    hh = x if cfg["towers"] == "stacked" else x0
    for l in range(len(cfg["deep"]["hidden"])):
        out[f"deep.{l}.in"] = hh
        hh = jax.nn.relu(hh @ params[f"deep.{l}.W"].T + params[f"deep.{l}.b"])
        if cfg["deep"]["gating"]:
            out[f"deep.{l}.relu"] = hh
            hh = hh * jax.nn.sigmoid(hh @ params[f"deep.{l}.gate_W"].T + params[f"deep.{l}.gate_b"])
    return {k: np.asarray(v, np.float64) for k, v in out.items()}


def input_key(name: str) -> str:
    """Which layer_inputs entry a weight matrix reads."""
    tower, l, which = name.split(".")
    if tower == "cross":
        return f"cross.{l}.h" if which == "U" else f"cross.{l}.x"
    return f"deep.{l}.relu" if which == "gate_W" else f"deep.{l}.in"


def quantize_model(dense: dict, cfg, batch, storage: str, method: str):
    """(levels and scales per weight matrix, per-layer report) for one storage and method,
    layers in forward order, each calibrated on inputs of the partly quantised model."""
    qmax = M.QMAX[storage]
    cur = {k: jnp.asarray(v) for k, v in dense.items()}
    levels, report = {}, {}
    names = [n for n, _shape, _s in M.weight_matrices(cfg)]
    inputs, inputs_for = None, None
    for name in names:
        key = input_key(name)
        if inputs_for != key:  # recompute the inputs once per group of matrices that share them
            inputs = layer_inputs(cur, cfg, batch)
            inputs_for = key
        x = inputs[key]
        h = x.T @ x / x.shape[0]
        w = np.asarray(dense[name], np.float64)
        q_rtn, s = rtn(w, qmax)
        if method == "rtn":
            q, passes = q_rtn, 0
        else:
            q, s, passes = quantease(w, h, qmax)
        sb = s.astype(np.float64)[:, None]
        out_sq = float(np.einsum("oi,ij,oj->", w, h, w))
        report[name] = {
            "rel_output_error_rtn": layer_error(w, sb * q_rtn, h) / out_sq,
            "rel_output_error": layer_error(w, sb * q, h) / out_sq,
            "passes": passes,
        }
        levels[name] = (q, s)
        cur[name] = jnp.asarray((q.astype(np.float32) * s[:, None]).astype(np.float32))
    return levels, report


# --------------------------------------------------------------------------------------
# Data, evaluation, export
# --------------------------------------------------------------------------------------


def calibration_batch(cfg):
    """CALIB_REQUESTS requests sampled from reference/train.py's training requests."""
    world = S.make_world(WORLD_SEED)
    train = S.sample_requests(world, 100000, 16, seed=TRAIN_SEED)
    pick = np.sort(np.random.default_rng(CALIB_SAMPLE_SEED).choice(100000, CALIB_REQUESTS, replace=False))
    return M.request_batch(cfg, train["request_dense"][pick], train["request_ids"][pick],
                           train["item_dense"][pick], train["item_ids"][pick])


def heldout_metrics(cfg, file_params, held) -> dict:
    """AUC and log loss as metrics.json has them, plus how far the ranking logit s moved from
    the f32 model's (``held["logit"]``, stored by reference/train.py): RMS and max |Δs|."""
    out = run_model(cfg, file_params, held["request_dense"], held["request_ids"].astype(np.int64),
                    held["item_dense"], held["item_ids"].astype(np.int64))
    y = held["click"].reshape(-1)
    p = out["probability"].reshape(-1)
    ds = out["logit"].reshape(-1).astype(np.float64) - held["logit"].reshape(-1).astype(np.float64)
    return {"click_auc": auc(p, y), "click_log_loss": log_loss(p, y),
            "logit_rms_diff": float(np.sqrt(np.mean(ds * ds))), "logit_max_abs_diff": float(np.abs(ds).max())}


def quantized_config(cfg, storage, name):
    q = json.loads(json.dumps(cfg))
    q["name"] = name
    q["description"] = (
        f"feed-dcn with its cross and deep weight matrices stored {storage} (per-row scale, QuantEase "
        "levels calibrated on training impressions; reference/quantize.py); everything else as feed-dcn."
    )
    q["cross"]["storage"] = storage
    q["deep"]["storage"] = storage
    return M.normalize_config(q)


def main():
    t0 = time.time()
    src = os.path.join(HERE, "feed-dcn")
    cfg, fp = load_model(src)
    dense = M.dequantize(fp, cfg)
    held = load_file(os.path.join(src, "heldout.safetensors"))
    batch = calibration_batch(cfg)
    print(f"calibration sample: {CALIB_REQUESTS * 16} training impressions ({time.time() - t0:.0f}s)")

    rows = [{"weights": "f32", "storage": "f32", "method": "-", **heldout_metrics(cfg, fp, held)}]
    layers, shipped_levels = {}, {}
    for storage in ("int8", "int4"):
        for method in ("rtn", "quantease"):
            levels, report = quantize_model(dense, cfg, batch, storage, method)
            qcfg = quantized_config(cfg, storage, f"feed-dcn-{storage}")
            qfp = M.to_file_params(dense, qcfg, levels)
            # the embedding tables were already quantized: keep feed-dcn's exact bytes
            for k, v in fp.items():
                if k.startswith("embeddings.") or k.startswith("calibration."):
                    qfp[k] = v
            m = heldout_metrics(qcfg, qfp, held)
            rows.append({"weights": f"{'RTN' if method == 'rtn' else 'QuantEase'} {storage}", "storage": storage,
                         "method": method, **m})
            layers[f"{method} {storage}"] = report
            if method == "quantease":
                shipped_levels[storage] = (qcfg, qfp)
            print(f"  {method:9s} {storage}: AUC {m['click_auc']:.4f} log loss {m['click_log_loss']:.4f} "
                  f"RMS Δs {m['logit_rms_diff']:.4f} "
                  f"({time.time() - t0:.0f}s)")

    f32 = rows[0]
    for r in rows:
        r["delta_auc"] = r["click_auc"] - f32["click_auc"]
        r["delta_log_loss"] = r["click_log_loss"] - f32["click_log_loss"]
    shipped = []
    for storage, (qcfg, qfp) in shipped_levels.items():
        row = next(r for r in rows if r["storage"] == storage and r["method"] == "quantease")
        row["shipped"] = abs(row["delta_auc"]) <= MAX_DELTA_AUC
        if row["shipped"]:
            out = os.path.join(HERE, f"feed-dcn-{storage}")
            write_model(out, qcfg, None, qfp)
            write_golden(out, feed_inputs())
            shipped.append(os.path.relpath(out, HERE))
    result = {
        "model": "feed-dcn",
        "heldout": "feed-dcn/heldout.safetensors (1250 requests x 16 = 20000 impressions)",
        "command": "cd ranking-models && python3 -m reference.quantize",
        "calibration": {"impressions": CALIB_REQUESTS * 16, "from": "reference/train.py's training requests "
                        f"(world seed {WORLD_SEED}, seed {TRAIN_SEED}), {CALIB_REQUESTS} requests picked "
                        f"with seed {CALIB_SAMPLE_SEED}", "passes_max": PASSES, "damp": DAMP},
        "rows": rows,
        "shipped": shipped,
        "layers": layers,
        "definitions": {
            "click_auc / click_log_loss": "as in metrics.json, of the calibrated probability computed by the JAX "
            "reference in f32 on the dequantized weights (activations f32); feed-dcn's calibration unchanged",
            "logit_rms_diff / logit_max_abs_diff": "RMS and max of |s - s_f32| over the held-out impressions, "
            "s the ranking logit (how faithful the quantized model is to f32, beyond the metrics)",
            "rel_output_error": "||W X - Ŵ X||² / ||W X||² on the calibration inputs of that layer "
            "(X from the model with the earlier layers quantized)",
            "shipped": f"|ΔAUC| <= {MAX_DELTA_AUC} against f32: written as feed-dcn-<storage>/",
        },
    }
    with open(os.path.join(src, "quantization.json"), "w") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")
    print("\n| weights | click AUC | ΔAUC vs f32 | click log loss | Δ log loss | RMS Δs | max abs Δs |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['weights']} | {r['click_auc']:.4f} | {r['delta_auc']:+.4f} | {r['click_log_loss']:.4f} | "
              f"{r['delta_log_loss']:+.4f} | {r['logit_rms_diff']:.4f} | {r['logit_max_abs_diff']:.3f} |")
    print(f"\nshipped: {shipped}; {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()

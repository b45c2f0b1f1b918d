"""Train, calibrate and export the bundled model ranking-models/feed-dcn/.

    python3 -m reference.train            # ~2-3 minutes on 2 CPU cores

1. Simulate (reference/simulator.py, world seed 20240601): 100000 training requests, 2500
   calibration requests and 1250 held-out requests, 16 candidates each.
2. Train the two heads (click, long_dwell) jointly: loss = BCE(click) + BCE(long_dwell),
   Adam (lr 2e-3, cosine decay to 1e-4, betas 0.9/0.999, eps 1e-8), batch 512, 3 epochs,
   fixed seeds, all in float32.
3. Quantize the item_id / creator_id tables to int8 middle-max (config storage "int8").
4. Fit the isotonic calibration post hoc on the calibration split, using the *quantized*
   model's mixed logits: boundaries at 33 evenly spaced quantiles (0.5% .. 99.5%) of the mixed
   logit, slopes = softplus(raw) >= 0, offset P_0; minimise the click log loss of
   sigmoid(calibration(logit)) with Adam (full batch, 2000 steps).
5. Write feed-dcn/config.json + model.safetensors, heldout.safetensors (the held-out requests,
   labels and the reference outputs) and metrics.json (AUC and log loss on the held-out set).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

from . import model as M
from . import simulator as S
from .export import load_model, save_safetensors, write_model
from .golden import HERE, golden_tensors, run_model

WORLD_SEED = 20240601
TRAIN_SEED, CALIB_SEED, HELDOUT_SEED, INIT_SEED, SHUFFLE_SEED = 1, 2, 3, 42, 7


def feed_config() -> dict:
    def plain(name, rows, dim):
        return {"name": name, "kind": "plain", "rows": rows, "dim": dim, "storage": "f32"}

    def qr(name, ids, r_rows, dim):
        return {"name": name, "kind": "qr", "q_rows": -(-ids // r_rows), "r_rows": r_rows, "dim": dim, "storage": "int8"}

    return M.normalize_config(
        {
            "format": M.FORMAT,
            "version": M.VERSION,
            "name": "feed-dcn",
            "description": "Click + long-dwell model of the synthetic feed (reference/simulator.py); "
            "stacked DCNv2 with attention, gated deep tower, isotonic calibration.",
            "inputs": {
                "request_dense": list(S.REQUEST_DENSE),
                "request_sparse": [
                    plain("user_segment", S.REQUEST_SPARSE["user_segment"], 8),
                    plain("user_topic", S.REQUEST_SPARSE["user_topic"], 8),
                    plain("device", S.REQUEST_SPARSE["device"], 4),
                ],
                "item_dense": list(S.ITEM_DENSE),
                "item_sparse": [
                    plain("content_type", S.ITEM_SPARSE["content_type"], 4),
                    plain("creator_group", S.ITEM_SPARSE["creator_group"], 4),
                    plain("item_topic", S.ITEM_SPARSE["item_topic"], 8),
                    qr("item_id", S.ITEM_SPARSE["item_id"], 256, 16),
                    qr("creator_id", S.ITEM_SPARSE["creator_id"], 64, 16),
                ],
            },
            "cross": {"layers": 2, "rank": 16, "attention": True, "temperature": 4.0},
            "deep": {"hidden": [64, 32], "activation": "relu", "gating": True},
            "towers": "stacked",
            "heads": [{"name": "click", "weight": 1.0}, {"name": "long_dwell", "weight": 0.5}],
            "calibration": {"kind": "isotonic", "buckets": 32},
        }
    )


def bce(logits, y):
    """Mean binary cross-entropy from logits: softplus(x) - y x."""
    return jnp.mean(jax.nn.softplus(logits) - y * logits)


def adam_init(params):
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    return {"m": zeros, "v": jax.tree_util.tree_map(jnp.zeros_like, params), "t": jnp.zeros((), jnp.int32)}


def adam_update(params, grads, state, lr, b1=0.9, b2=0.999, eps=1e-8):
    t = state["t"] + 1
    m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, state["m"], grads)
    v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, state["v"], grads)
    c1 = 1 - b1 ** t.astype(jnp.float32)
    c2 = 1 - b2 ** t.astype(jnp.float32)
    new = jax.tree_util.tree_map(lambda p, m, v: p - lr * (m / c1) / (jnp.sqrt(v / c2) + eps), params, m, v)
    return new, {"m": m, "v": v, "t": t}


def flat(cfg, d):
    batch = M.request_batch(cfg, d["request_dense"], d["request_ids"], d["item_dense"], d["item_ids"])
    labels = np.stack([d["click"].reshape(-1), d["long_dwell"].reshape(-1)], axis=1).astype(np.float32)
    return batch, labels


def auc(scores, labels) -> float:
    """ROC AUC (Mann-Whitney U), ties counted 1/2 via average ranks, in float64."""
    s = np.asarray(scores, np.float64)
    y = np.asarray(labels).astype(bool)
    order = np.argsort(s, kind="mergesort")
    ss = s[order]
    ranks = np.empty(len(s), np.float64)
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and ss[j + 1] == ss[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    npos = y.sum()
    nneg = len(y) - npos
    return float((ranks[y].sum() - npos * (npos + 1) / 2.0) / (npos * nneg))


def log_loss(p, labels) -> float:
    """Mean -[y ln p + (1 - y) ln(1 - p)], p clipped to [1e-7, 1 - 1e-7], in float64."""
    p = np.clip(np.asarray(p, np.float64), 1e-7, 1 - 1e-7)
    y = np.asarray(labels, np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def train_model(cfg, batch, labels, epochs, batch_size=512, lr=2e-3, lr_end=1e-4, log=print):
    cfg = dict(cfg, calibration=None)  # the calibration is fitted afterwards
    params = M.init_params(cfg, jax.random.PRNGKey(INIT_SEED))
    state = adam_init(params)
    n = labels.shape[0]
    steps_per_epoch = n // batch_size
    total = steps_per_epoch * epochs

    def loss_fn(p, b, y):
        out = M.forward(p, cfg, b)
        hl = out["head_logits"]
        return bce(hl[:, 0], y[:, 0]) + bce(hl[:, 1], y[:, 1])

    @jax.jit
    def step(p, st, b, y, lr_now):
        loss, g = jax.value_and_grad(loss_fn)(p, b, y)
        p, st = adam_update(p, g, st, lr_now)
        return p, st, loss

    rng = np.random.default_rng(SHUFFLE_SEED)
    k = 0
    t0 = time.time()
    for epoch in range(epochs):
        perm = rng.permutation(n)
        run = 0.0
        for s in range(steps_per_epoch):
            idx = perm[s * batch_size : (s + 1) * batch_size]
            b = {key: v[idx] for key, v in batch.items()}
            lr_now = lr_end + 0.5 * (lr - lr_end) * (1 + np.cos(np.pi * k / total))
            params, state, loss = step(params, state, b, labels[idx], np.float32(lr_now))
            run += float(loss)
            k += 1
        log(f"  epoch {epoch + 1}/{epochs}: train loss {run / steps_per_epoch:.4f} ({time.time() - t0:.0f}s)")
    return params


def fit_calibration(logits, clicks, buckets, steps=2000, lr=0.05):
    """Isotonic calibration fitted post hoc: boundaries at quantiles, softplus slopes."""
    s = np.asarray(logits, np.float64)
    qs = np.linspace(0.005, 0.995, buckets + 1)
    t = np.quantile(s, qs).astype(np.float32)
    for i in range(1, len(t)):  # strictly increasing in f32
        if t[i] <= t[i - 1]:
            t[i] = np.nextafter(t[i - 1], np.float32(np.inf))
    tj = jnp.asarray(t)
    widths = tj[1:] - tj[:-1]
    x = jnp.asarray(s, jnp.float32)
    y = jnp.asarray(clicks, jnp.float32)

    def cal(p, x):
        slopes = jax.nn.softplus(p["raw"])
        cover = jnp.clip(x[:, None] - tj[None, :-1], 0.0, widths[None, :])
        return p["offset"] + cover @ slopes

    def loss(p):
        return bce(cal(p, x), y)

    p = {"raw": jnp.full((buckets,), np.log(np.e - 1.0), jnp.float32), "offset": jnp.asarray(t[0], jnp.float32)}
    st = adam_init(p)

    @jax.jit
    def step(p, st):
        l, g = jax.value_and_grad(loss)(p)
        p, st = adam_update(p, g, st, lr)
        return p, st, l

    for _ in range(steps):
        p, st, l = step(p, st)
    slopes = np.asarray(jax.nn.softplus(p["raw"]), np.float64)
    return M.calibration_tensors(t, float(p["offset"]), slopes), float(l)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(HERE, "feed-dcn"))
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--train-requests", type=int, default=100000)
    args = ap.parse_args()

    t0 = time.time()
    cfg = feed_config()
    world = S.make_world(WORLD_SEED)
    train = S.sample_requests(world, args.train_requests, 16, seed=TRAIN_SEED)
    calib = S.sample_requests(world, 2500, 16, seed=CALIB_SEED)
    held = S.sample_requests(world, 1250, 16, seed=HELDOUT_SEED)
    print(f"simulated {train['click'].size} train / {calib['click'].size} calibration / "
          f"{held['click'].size} held-out impressions, ctr {train['click'].mean():.4f} ({time.time() - t0:.0f}s)")

    batch, labels = flat(cfg, train)
    params = train_model(cfg, batch, labels, args.epochs)
    dense = {k: np.asarray(v, np.float32) for k, v in params.items()}

    # quantize, then calibrate on the quantized model's logits
    cfg_nocal = dict(cfg, calibration=None)
    file_params = M.to_file_params(dense, cfg_nocal)
    out_c = run_model(cfg_nocal, file_params, calib["request_dense"], calib["request_ids"], calib["item_dense"], calib["item_ids"])
    cal, cal_loss = fit_calibration(out_c["logit"].reshape(-1), calib["click"].reshape(-1), cfg["calibration"]["buckets"])
    print(f"calibration fitted: click log loss on the calibration split {cal_loss:.4f}")
    file_params.update(cal)
    write_model(args.out, cfg, None, file_params)

    # held-out evaluation from the files as written
    cfg2, fp2 = load_model(args.out)
    g = golden_tensors(cfg2, fp2, held["request_dense"], held["request_ids"], held["item_dense"], held["item_ids"],
                       intermediates=False)
    g["click"] = held["click"]
    g["long_dwell"] = held["long_dwell"]
    save_safetensors(os.path.join(args.out, "heldout.safetensors"), g, {"format": "lprank-dcn-heldout", "version": "1"})

    # the same model with f32 tables, for the cost of int8 storage
    dense_cal = dict(dense, **{k: np.asarray(v) for k, v in cal.items()})
    out_f = run_model(cfg2, {k: v for k, v in dense_cal.items()}, held["request_dense"], held["request_ids"],
                      held["item_dense"], held["item_ids"])

    click = held["click"].reshape(-1)
    dwell = held["long_dwell"].reshape(-1)
    prob = g["probability"].reshape(-1)
    metrics = {
        "model": "feed-dcn",
        "heldout": {"requests": int(held["click"].shape[0]), "impressions": int(click.size),
                    "click_rate": float(click.mean()), "long_dwell_rate": float(dwell.mean()),
                    "simulator_seed": HELDOUT_SEED, "world_seed": WORLD_SEED},
        "click_auc": auc(prob, click),
        "click_log_loss": log_loss(prob, click),
        "click_auc_of_mixed_logit": auc(g["logit"].reshape(-1), click),
        "click_head_auc": auc(g["head_logits"][..., 0].reshape(-1), click),
        "long_dwell_head_auc": auc(g["head_logits"][..., 1].reshape(-1), dwell),
        "uncalibrated_click_log_loss": log_loss(1 / (1 + np.exp(-g["logit"].reshape(-1).astype(np.float64))), click),
        "f32_tables_click_auc": auc(out_f["probability"].reshape(-1), click),
        "f32_tables_click_log_loss": log_loss(out_f["probability"].reshape(-1), click),
        "oracle_click_auc": auc(held["p_click"].reshape(-1), click),
        "oracle_click_log_loss": log_loss(held["p_click"].reshape(-1), click),
        "base_rate_log_loss": log_loss(np.full(click.size, click.mean()), click),
        "definitions": {
            "click_auc": "ROC AUC of `probability` against `click` over all held-out impressions, ties counted 1/2",
            "click_log_loss": "mean of -[y ln p + (1-y) ln(1-p)] with p = `probability` clipped to [1e-7, 1-1e-7], natural log",
            "oracle_*": "the same metrics for the simulator's true click probabilities (the ceiling)",
            "f32_tables_*": "the same model with the embedding tables kept in f32 (the cost of int8 storage)",
        },
    }
    with open(os.path.join(args.out, "metrics.json"), "w") as fh:
        json.dump(metrics, fh, indent=2)
        fh.write("\n")
    size = os.path.getsize(os.path.join(args.out, "model.safetensors"))
    print(json.dumps({k: v for k, v in metrics.items() if k != "definitions"}, indent=2))
    print(f"model.safetensors: {size} bytes; total {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()

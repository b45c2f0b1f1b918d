"""A synthetic feed: users, creators, items and position-free clicks, deterministic from a seed.

The world (``make_world(seed)``)
--------------------------------
* 24 topics in 6 clusters of 4 (topic t belongs to cluster t // 4).
* 8000 users. Each has a segment (job_seeker, recruiter, student, executive, engineer, sales,
  creator, casual), a primary topic (drawn from the segment's favourite clusters 70% of the
  time, uniform otherwise), an activity level a ~ N(0, 1) (log weekly sessions, standardised),
  a tenure in years ~ Exp(mean 3) capped at 15, a device preference over (ios, android,
  desktop) and a time-zone offset.
* 3000 creators in 4 groups (top creators 5%, established 25%, emerging 40%, new creators
  30%), with a latent quality ~ N(mu_g, sd_g) (mu = +0.45, +0.15, 0, -0.15; sd = 0.25, 0.30,
  0.35, 0.45), log followers ~ N(11, 8.5, 6, 3.5 by group; sd 1), a main topic and a
  favourite content type.
* 30000 items, posted by creators with probability proportional to a group weight (4, 2, 1,
  0.7). Content type (post, job, video, article, ad): the creator's favourite 60% of the time,
  else from the global mix (40, 15, 20, 15, 10 %). Topic: the creator's 70% of the time,
  else uniform. Latent item quality ~ N(0, 0.4); log length ~ N(type mean, 0.6). Creation
  times are uniform over [-168 h, 336 h). Item ids are 0..29999 in creation order, creator
  ids 0..2999.

A request (``sample_requests``)
-------------------------------
A user (chosen with weight exp(0.5 a)), a time t uniform in [0, 336 h), a device from the
user's preference, the local hour. Retrieval draws 64 items created in (t - 168 h, t]
uniformly and keeps the 16 with the highest retrieval score (1.0 for the user's topic, 0.5
for the same cluster, 0.3 x the item's observed prior CTR, plus Gumbel noise).

Clicks (position-free: the probability does not depend on where the item is shown)
-----------------------------------------------------------------------------------
    logit P(click) = -2.9
        + AFF[segment, type]                          segment x content-type affinity
        + 1.0 [topic = user topic] + 0.4 [same cluster, other topic]
        + DEV[type, device]                           device x content type
        - DECAY[type] * log1p(age_h / 6)              freshness decay, per type
          (DECAY = post 0.35, job 0.05, video 0.20, article 0.50, ad 0)
        + creator quality + item quality
        + 0.2 a - 0.3 a [ad]                          active users click more, except ads
        + 0.3 [video, local hour 18..23] + 0.25 [article, local hour 6..9]
        + 0.25 [tenure < 1 y, creator group emerging or new]
    logit P(long dwell | click) = -0.4 + DW[type] (post -0.3, job 0.3, video 0.4,
        article 0.7, ad -1.2) + 0.5 len [video or article] - 0.2 len [post]
        + 0.5 [topic = user topic] + 0.7 creator quality + 0.4 item quality + 0.3 [desktop]
    click ~ Bernoulli(P(click)); long_dwell = click AND Bernoulli(P(long dwell | click)).

Features the model sees (the latents stay hidden)
-------------------------------------------------
request dense:  user_activity (a), user_tenure (log1p(years) standardised), hour_sin, hour_cos
request sparse: user_segment (8 values), user_topic (24), device (3)
item dense:     item_age (log1p(age_h) / log1p(168) * 2 - 1), item_length (standardised log
                length), creator_followers ((log followers - 7) / 3), item_prior_ctr
                (creator quality + item quality + noise whose sd shrinks from 1.0 to 0.3
                as the item ages: a noisy historical CTR)
item sparse:    content_type (5), creator_group (4), item_topic (24), item_id, creator_id
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONTENT_TYPES = ["post", "job", "video", "article", "ad"]
CREATOR_GROUPS = ["top creators", "established", "emerging", "new creators"]
SEGMENTS = ["job_seeker", "recruiter", "student", "executive", "engineer", "sales", "creator", "casual"]
DEVICES = ["ios", "android", "desktop"]
N_TOPICS = 24
N_USERS = 8000
N_CREATORS = 3000
N_ITEMS = 30000
WINDOW_H = 168.0
HORIZON_H = 336.0

REQUEST_DENSE = ["user_activity", "user_tenure", "hour_sin", "hour_cos"]
REQUEST_SPARSE = {"user_segment": len(SEGMENTS), "user_topic": N_TOPICS, "device": len(DEVICES)}
ITEM_DENSE = ["item_age", "item_length", "creator_followers", "item_prior_ctr"]
ITEM_SPARSE = {
    "content_type": len(CONTENT_TYPES),
    "creator_group": len(CREATOR_GROUPS),
    "item_topic": N_TOPICS,
    "item_id": N_ITEMS,
    "creator_id": N_CREATORS,
}

# segment x content type (post, job, video, article, ad)
AFF = np.array(
    [
        [0.0, 1.2, -0.3, 0.1, -0.5],  # job_seeker
        [0.3, 0.6, -0.4, 0.2, -0.4],  # recruiter
        [0.1, 0.4, 0.7, -0.1, -0.6],  # student
        [-0.2, -0.6, -0.3, 0.8, -0.3],  # executive
        [0.0, 0.1, 0.3, 0.6, -0.7],  # engineer
        [0.4, -0.2, 0.0, 0.2, 0.1],  # sales
        [0.5, -0.5, 0.6, -0.2, -0.6],  # creator
        [0.3, -0.8, 0.5, -0.3, -0.2],  # casual
    ]
)
# content type x device (ios, android, desktop)
DEV = np.array([[0.1, 0.1, -0.1], [-0.2, -0.2, 0.4], [0.4, 0.3, -0.4], [-0.2, -0.2, 0.4], [0.0, 0.1, -0.1]])
DECAY = np.array([0.35, 0.05, 0.20, 0.50, 0.0])
DWELL_TYPE = np.array([-0.3, 0.3, 0.4, 0.7, -1.2])
TYPE_LOG_LEN = np.array([4.0, 5.5, 5.0, 6.5, 3.5])
TYPE_MIX = np.array([0.40, 0.15, 0.20, 0.15, 0.10])
# each segment's favourite topic clusters
SEG_CLUSTERS = [[0, 2], [0, 2], [0, 1], [2, 5], [1, 2], [2, 3], [3, 4], [4, 5]]
SEG_MIX = np.array([0.14, 0.06, 0.12, 0.06, 0.16, 0.10, 0.08, 0.28])
DEVICE_PREF = np.array(
    [
        [0.4, 0.4, 0.2],
        [0.2, 0.2, 0.6],
        [0.5, 0.4, 0.1],
        [0.3, 0.1, 0.6],
        [0.2, 0.3, 0.5],
        [0.4, 0.3, 0.3],
        [0.5, 0.4, 0.1],
        [0.5, 0.4, 0.1],
    ]
)
GROUP_MIX = np.array([0.05, 0.25, 0.40, 0.30])
GROUP_Q_MU = np.array([0.45, 0.15, 0.0, -0.15])
GROUP_Q_SD = np.array([0.25, 0.30, 0.35, 0.45])
GROUP_FOLLOWERS = np.array([11.0, 8.5, 6.0, 3.5])
GROUP_POST_WEIGHT = np.array([4.0, 2.0, 1.0, 0.7])


@dataclass
class World:
    user_segment: np.ndarray
    user_topic: np.ndarray
    user_activity: np.ndarray
    user_tenure: np.ndarray
    user_device_pref: np.ndarray
    user_tz: np.ndarray
    creator_group: np.ndarray
    creator_quality: np.ndarray
    creator_log_followers: np.ndarray
    item_creator: np.ndarray
    item_type: np.ndarray
    item_topic: np.ndarray
    item_quality: np.ndarray
    item_log_len: np.ndarray
    item_created_h: np.ndarray  # sorted ascending; item id = index


def make_world(seed: int = 20240601) -> World:
    rng = np.random.default_rng(seed)
    seg = rng.choice(len(SEGMENTS), size=N_USERS, p=SEG_MIX)
    fav = np.array([rng.choice(SEG_CLUSTERS[s]) for s in seg])
    cluster = np.where(rng.random(N_USERS) < 0.7, fav, rng.integers(0, 6, N_USERS))
    utopic = cluster * 4 + rng.integers(0, 4, N_USERS)
    activity = rng.normal(0, 1, N_USERS)
    tenure = np.minimum(rng.exponential(3.0, N_USERS), 15.0)
    dev_pref = np.stack([rng.dirichlet(20 * DEVICE_PREF[s]) for s in seg])
    tz = rng.integers(-3, 4, N_USERS)

    cgroup = rng.choice(4, size=N_CREATORS, p=GROUP_MIX)
    cquality = rng.normal(GROUP_Q_MU[cgroup], GROUP_Q_SD[cgroup])
    cfollow = rng.normal(GROUP_FOLLOWERS[cgroup], 1.0)
    ctopic = rng.integers(0, N_TOPICS, N_CREATORS)
    ctype = rng.choice(5, size=N_CREATORS, p=TYPE_MIX)

    w = GROUP_POST_WEIGHT[cgroup]
    icreator = rng.choice(N_CREATORS, size=N_ITEMS, p=w / w.sum())
    itype = np.where(rng.random(N_ITEMS) < 0.6, ctype[icreator], rng.choice(5, size=N_ITEMS, p=TYPE_MIX))
    itopic = np.where(rng.random(N_ITEMS) < 0.7, ctopic[icreator], rng.integers(0, N_TOPICS, N_ITEMS))
    iquality = rng.normal(0, 0.4, N_ITEMS)
    ilen = rng.normal(TYPE_LOG_LEN[itype], 0.6)
    created = np.sort(rng.uniform(-WINDOW_H, HORIZON_H, N_ITEMS))
    return World(seg, utopic, activity, tenure, dev_pref, tz, cgroup, cquality, cfollow,
                 icreator, itype, itopic, iquality, ilen, created)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sample_requests(world: World, n_requests: int, n_candidates: int = 16, seed: int = 0, pool: int = 64) -> dict:
    """n_requests requests of n_candidates each. Returns arrays shaped [R, ...] / [R, N, ...]:
    request_dense f32, request_ids i64, item_dense f32, item_ids i64 (columns in the order of
    REQUEST_DENSE, REQUEST_SPARSE, ITEM_DENSE, ITEM_SPARSE), labels click / long_dwell (u8)
    and the true probabilities p_click / p_long_dwell (f32)."""
    w = world
    rng = np.random.default_rng(seed)
    R, N = n_requests, n_candidates
    uw = np.exp(0.5 * w.user_activity)
    user = rng.choice(N_USERS, size=R, p=uw / uw.sum())
    t = rng.uniform(0.0, HORIZON_H, R)
    cum = np.cumsum(w.user_device_pref[user], axis=1)
    device = (rng.random(R)[:, None] > cum).sum(axis=1).clip(0, 2)
    hour = np.mod(t + w.user_tz[user], 24.0)

    # retrieval: `pool` uniform draws from the last week, keep the best n_candidates
    lo = np.searchsorted(w.item_created_h, t - WINDOW_H, side="right")
    hi = np.searchsorted(w.item_created_h, t, side="right")
    draw = lo[:, None] + np.floor(rng.random((R, pool)) * (hi - lo)[:, None]).astype(np.int64)
    ut = w.user_topic[user][:, None]
    dt = w.item_topic[draw]
    age_d = t[:, None] - w.item_created_h[draw]
    prior_sd = 0.3 + 0.7 * np.exp(-age_d / 24.0)
    prior = w.creator_quality[w.item_creator[draw]] + w.item_quality[draw] + rng.normal(0, 1, (R, pool)) * prior_sd
    score = 1.0 * (dt == ut) + 0.5 * (dt // 4 == ut // 4) + 0.3 * prior + rng.gumbel(size=(R, pool))
    order = np.argsort(-score, axis=1, kind="stable")[:, :N]
    item = np.take_along_axis(draw, order, axis=1)
    prior = np.take_along_axis(prior, order, axis=1)
    # de-duplicate repeats within a request by re-drawing from the window (rare)
    for r in range(R):
        seen = set()
        for j in range(N):
            while int(item[r, j]) in seen:
                item[r, j] = lo[r] + rng.integers(0, hi[r] - lo[r])
                cr = w.item_creator[item[r, j]]
                a = t[r] - w.item_created_h[item[r, j]]
                prior[r, j] = w.creator_quality[cr] + w.item_quality[item[r, j]] + rng.normal() * (0.3 + 0.7 * np.exp(-a / 24.0))
            seen.add(int(item[r, j]))

    age = t[:, None] - w.item_created_h[item]  # hours, in [0, 168)
    creator = w.item_creator[item]
    typ = w.item_type[item]
    topic = w.item_topic[item]
    seg = w.user_segment[user][:, None]
    act = w.user_activity[user][:, None]
    ten = w.user_tenure[user][:, None]
    dev = device[:, None]
    hr = hour[:, None]
    cq = w.creator_quality[creator]
    iq = w.item_quality[item]
    grp = w.creator_group[creator]
    same_topic = topic == ut
    same_cluster = (topic // 4 == ut // 4) & ~same_topic
    len_std = (w.item_log_len[item] - 5.0) / 1.2

    z = (
        -2.9
        + AFF[seg, typ]
        + 1.0 * same_topic
        + 0.4 * same_cluster
        + DEV[typ, dev]
        - DECAY[typ] * np.log1p(age / 6.0)
        + cq
        + iq
        + 0.2 * act
        - 0.3 * act * (typ == 4)
        + 0.3 * ((typ == 2) & (hr >= 18))
        + 0.25 * ((typ == 3) & (hr >= 6) & (hr < 10))
        + 0.25 * ((ten < 1.0) & (grp >= 2))
    )
    p_click = _sigmoid(z)
    zd = (
        -0.4
        + DWELL_TYPE[typ]
        + 0.5 * len_std * ((typ == 2) | (typ == 3))
        - 0.2 * len_std * (typ == 0)
        + 0.5 * same_topic
        + 0.7 * cq
        + 0.4 * iq
        + 0.3 * (dev == 2)
    )
    p_dwell_given_click = _sigmoid(zd)
    click = rng.random((R, N)) < p_click
    dwell = click & (rng.random((R, N)) < p_dwell_given_click)

    request_dense = np.stack(
        [
            w.user_activity[user],
            (np.log1p(w.user_tenure[user]) - 1.2) / 0.6,
            np.sin(2 * np.pi * hour / 24.0),
            np.cos(2 * np.pi * hour / 24.0),
        ],
        axis=1,
    )
    request_ids = np.stack([w.user_segment[user], w.user_topic[user], device], axis=1)
    item_dense = np.stack(
        [
            np.log1p(age) / np.log1p(WINDOW_H) * 2.0 - 1.0,
            len_std,
            (w.creator_log_followers[creator] - 7.0) / 3.0,
            prior,
        ],
        axis=2,
    )
    item_ids = np.stack([typ, grp, topic, item, creator], axis=2)
    return {
        "request_dense": request_dense.astype(np.float32),
        "request_ids": request_ids.astype(np.int64),
        "item_dense": item_dense.astype(np.float32),
        "item_ids": item_ids.astype(np.int64),
        "click": click.astype(np.uint8),
        "long_dwell": dwell.astype(np.uint8),
        "p_click": p_click.astype(np.float32),
        "p_long_dwell": (p_click * p_dwell_given_click).astype(np.float32),
    }


if __name__ == "__main__":
    import time

    t0 = time.time()
    world = make_world()
    d = sample_requests(world, 2000, seed=1)
    print(f"{time.time() - t0:.2f}s", {k: v.shape for k, v in d.items()})
    print("ctr", d["click"].mean(), "long dwell", d["long_dwell"].mean())
    typ = d["item_ids"][..., 0]
    for k, name in enumerate(CONTENT_TYPES):
        m = typ == k
        print(f"  {name:8s} share {m.mean():.3f} ctr {d['click'][m].mean():.3f}")
    print("topic match share", (d["item_ids"][..., 2] == d["request_ids"][:, None, 1]).mean())

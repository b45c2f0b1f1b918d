//! The scorer's public API: request validation (lengths, ids past a plain table, non-finite
//! values), empty requests, and one model shared by several threads.

mod scorer_common;

use std::sync::Arc;

use lprank::scorer::{Model, Output, Request, RequestError, ScorerSettings, ScorerWorkspace};
use scorer_common::{models_dir, score_all, Golden};

fn feed() -> (Model, Golden) {
    let dir = models_dir().join("feed-dcn");
    (Model::load(&dir).unwrap(), Golden::read(&dir.join("golden.safetensors")))
}

#[test]
fn requests_of_the_wrong_shape_are_rejected_with_the_field() {
    let (model, g) = feed();
    let mut ws = ScorerWorkspace::new(ScorerSettings::f32()).unwrap();
    let ok = g.request(0);
    let mut out = vec![0f32; g.n];
    let err = |req: Request<'_>, out: &mut [f32]| {
        let mut ws = ScorerWorkspace::new(ScorerSettings::f32()).unwrap();
        model.score(&mut ws, &req, Output::Logit, out).unwrap_err()
    };
    assert_eq!(
        err(Request { request_dense: &ok.request_dense[..3], ..ok }, &mut out),
        RequestError::RequestDense { want: 4, got: 3 }
    );
    assert_eq!(
        err(Request { request_ids: &[], ..ok }, &mut out),
        RequestError::RequestIds { want: 3, got: 0 }
    );
    assert!(matches!(err(ok, &mut out[..15]), RequestError::ItemDense { want: 60, n: 15, per: 4, got: 64 }));
    assert!(matches!(
        err(Request { item_ids: &ok.item_ids[..79], ..ok }, &mut out),
        RequestError::ItemIds { want: 80, .. }
    ));

    // Plain tables reject ids ≥ rows; the error names the feature, candidate, id and rows.
    let mut ids = ok.item_ids.to_vec();
    ids[5 * 5 + 2] = 24; // item_topic has 24 rows
    let e = err(Request { item_ids: &ids, ..ok }, &mut out);
    assert_eq!(
        e,
        RequestError::IdOutOfRange { feature: "item_topic".into(), candidate: Some(5), id: 24, rows: 24 }
    );
    assert!(e.to_string().contains("item_topic") && e.to_string().contains("candidate 5"), "{e}");
    let req_ids = [0, 0, u64::MAX];
    assert!(matches!(
        err(Request { request_ids: &req_ids, ..ok }, &mut out),
        RequestError::IdOutOfRange { candidate: None, rows: 3, .. }
    ));
    // QR features take any id.
    let mut ids = ok.item_ids.to_vec();
    ids[3] = u64::MAX;
    ids[4] = u64::MAX - 1;
    model.score(&mut ws, &Request { item_ids: &ids, ..ok }, Output::Logit, &mut out).unwrap();
    assert!(out.iter().all(|v| v.is_finite()));

    let mut dense = ok.item_dense.to_vec();
    dense[5] = f32::NAN; // candidate 1, feature 1 (Di = 4)
    assert!(matches!(
        err(Request { item_dense: &dense, ..ok }, &mut out),
        RequestError::NonFinite { candidate: Some(1), ref feature, .. } if feature == "item_length"
    ));
}

#[test]
fn zero_candidates_is_an_empty_answer() {
    let (model, g) = feed();
    let mut ws = ScorerWorkspace::new(ScorerSettings::int8()).unwrap();
    let req = Request { item_dense: &[], item_ids: &[], ..g.request(0) };
    model.score(&mut ws, &req, Output::Probability, &mut []).unwrap();
    assert!(ws.logits().is_empty() && ws.head_logits().is_empty());
}

#[test]
fn one_model_serves_several_threads() {
    let (model, g) = feed();
    let model = Arc::new(model);
    let g = Arc::new(g);
    let want = score_all(&model, ScorerSettings::f32(), &g).probability;
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let (model, g) = (Arc::clone(&model), Arc::clone(&g));
            std::thread::spawn(move || {
                let s = if t % 2 == 0 { ScorerSettings::f32() } else { ScorerSettings::int8() };
                (t, score_all(&model, s, &g).probability)
            })
        })
        .collect();
    for h in handles {
        let (t, got) = h.join().unwrap();
        if t % 2 == 0 {
            assert_eq!(got, want);
        } else {
            assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 0.02));
        }
    }
}

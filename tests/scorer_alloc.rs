//! A warm scorer allocates nothing: after one call with n candidates, scoring any request
//! of ≤ n candidates (f32, int8 portable, int8 AVX2) must not touch the heap. A counting
//! global allocator checks it, across several blocks (n > BLOCK) and every model.

mod alloc_counter;
mod scorer_common;

use alloc_counter::allocations;
use lprank::scorer::{KernelTier, Output, Request, ScorerSettings, ScorerWorkspace};
use scorer_common::{all_models, avx2_tier_available, Golden};

const BLOCK: usize = ScorerWorkspace::block_size();

/// Request `r` of `golden` repeated to `n` candidates (cycling through its candidates).
struct Big {
    request_dense: Vec<f32>,
    request_ids: Vec<u64>,
    item_dense: Vec<f32>,
    item_ids: Vec<u64>,
}

fn big(golden: &Golden, r: usize, n: usize) -> Big {
    let req = golden.request(r);
    let di = req.item_dense.len() / golden.n;
    let si = req.item_ids.len() / golden.n;
    let mut b = Big {
        request_dense: req.request_dense.to_vec(),
        request_ids: req.request_ids.to_vec(),
        item_dense: vec![],
        item_ids: vec![],
    };
    for c in 0..n {
        let k = c % golden.n;
        b.item_dense.extend_from_slice(&req.item_dense[k * di..(k + 1) * di]);
        b.item_ids.extend_from_slice(&req.item_ids[k * si..(k + 1) * si]);
    }
    b
}

impl Big {
    fn request(&self) -> Request<'_> {
        Request {
            request_dense: &self.request_dense,
            request_ids: &self.request_ids,
            item_dense: &self.item_dense,
            item_ids: &self.item_ids,
        }
    }
}

#[test]
fn warm_scoring_allocates_nothing() {
    // The counter itself works (otherwise every assertion below would pass vacuously).
    assert!(allocations(|| drop(std::hint::black_box(vec![1u8; 16]))) > 0);
    let mut settings = vec![ScorerSettings::f32(), ScorerSettings::int8().with_kernels(KernelTier::Portable)];
    if avx2_tier_available("warm_scoring_allocates_nothing") {
        settings.push(ScorerSettings::int8().with_kernels(KernelTier::Avx2));
    }
    let n_max = 3 * BLOCK + 5;
    for dir in all_models() {
        let model = scorer_common::load(&dir);
        let golden = Golden::read(&dir.join("golden.safetensors"));
        let requests: Vec<Big> = (0..golden.requests).map(|r| big(&golden, r, n_max)).collect();
        for &s in &settings {
            let mut ws = ScorerWorkspace::new(s).unwrap();
            let mut out = vec![0f32; n_max];
            // Warm-up on the largest request.
            model.score(&mut ws, &requests[0].request(), Output::Probability, &mut out).unwrap();
            for (r, big) in requests.iter().enumerate() {
                for n in [n_max, 1, BLOCK, BLOCK + 1, 7] {
                    let req = big.request();
                    let di = req.item_dense.len() / n_max;
                    let si = req.item_ids.len() / n_max;
                    let req = Request {
                        item_dense: &req.item_dense[..n * di],
                        item_ids: &req.item_ids[..n * si],
                        ..req
                    };
                    for output in [Output::Logit, Output::CalibratedLogit, Output::Probability] {
                        let count =
                            allocations(|| model.score(&mut ws, &req, output, &mut out[..n]).unwrap());
                        assert_eq!(
                            count,
                            0,
                            "{}: {s:?} request {r} n {n} allocated {count} times",
                            dir.display()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn scores_do_not_depend_on_block_boundaries_or_batch_size() {
    // Each candidate scored alone must equal its score inside a batch spanning several
    // blocks (bit for bit: rows are independent and computed the same way).
    for dir in all_models() {
        let model = scorer_common::load(&dir);
        let golden = Golden::read(&dir.join("golden.safetensors"));
        let b = big(&golden, 1, 2 * BLOCK + 3);
        for s in [ScorerSettings::f32(), ScorerSettings::int8()] {
            let mut ws = ScorerWorkspace::new(s).unwrap();
            let mut all = vec![0f32; 2 * BLOCK + 3];
            model.score(&mut ws, &b.request(), Output::Logit, &mut all).unwrap();
            let req = b.request();
            let di = req.item_dense.len() / all.len();
            let si = req.item_ids.len() / all.len();
            for c in [0, 1, BLOCK - 1, BLOCK, 2 * BLOCK + 2] {
                let one = Request {
                    item_dense: &req.item_dense[c * di..(c + 1) * di],
                    item_ids: &req.item_ids[c * si..(c + 1) * si],
                    ..req
                };
                let mut out = [0f32];
                model.score(&mut ws, &one, Output::Logit, &mut out).unwrap();
                assert_eq!(out[0], all[c], "{}: {s:?} candidate {c}", dir.display());
            }
        }
    }
}

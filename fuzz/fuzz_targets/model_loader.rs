//! The model loader on arbitrary bytes: a mutated `model.safetensors` under a real
//! `config.json` (first byte even), or a mutated `config.json` over real weights (first byte
//! odd), of one of two models chosen by the first byte's second bit: `qr-int8` (int8 tables)
//! or `weights-int4-int8` (tower weights stored int4 and int8, FORMAT.md §6.1, so the level
//! and nibble decoding is fuzzed too). Loading must return a model or a `ModelError`, never
//! panic; a model that loads must score a request of the right shape without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lprank::scorer::{Model, Output, Request, ScorerSettings, ScorerWorkspace};

const MODELS: [(&str, &[u8]); 2] = [
    (
        include_str!("../../ranking-models/variants/qr-int8/config.json"),
        include_bytes!("../../ranking-models/variants/qr-int8/model.safetensors"),
    ),
    (
        include_str!("../../ranking-models/variants/weights-int4-int8/config.json"),
        include_bytes!("../../ranking-models/variants/weights-int4-int8/model.safetensors"),
    ),
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, payload)) = data.split_first() else { return };
    let (config, weights) = MODELS[usize::from(mode / 2 % 2)];
    let loaded = if mode % 2 == 0 {
        Model::from_bytes(config, payload)
    } else {
        let Ok(config) = std::str::from_utf8(payload) else { return };
        Model::from_bytes(config, weights)
    };
    let Ok(model) = loaded else { return };
    let inputs = &model.config().inputs;
    let n = 3;
    let request_dense = vec![0.5f32; inputs.request_dense.len()];
    let request_ids = vec![0u64; inputs.request_sparse.len()];
    let item_dense = vec![-0.25f32; n * inputs.item_dense.len()];
    let item_ids = vec![1u64; n * inputs.item_sparse.len()];
    let request = Request {
        request_dense: &request_dense,
        request_ids: &request_ids,
        item_dense: &item_dense,
        item_ids: &item_ids,
    };
    let mut ws = ScorerWorkspace::new(ScorerSettings::int8()).unwrap();
    let mut out = vec![0.0f32; n];
    // Ids 1 may be out of range for a tiny plain table: then an error, not a panic.
    let _ = model.score(&mut ws, &request, Output::Probability, &mut out);
});

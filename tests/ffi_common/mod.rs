//! Rust-side data as the C ABI's structs, for the tests and benches that call the C ABI
//! from Rust (`mod ffi_common;`, or `#[path]` from benches). The structs borrow the data:
//! keep it alive while they are used.
#![allow(dead_code)]

use std::ffi::CString;
use std::ptr::null;

use lprank::ffi::scorer::lprank_score_request;
use lprank::ffi::solver::{
    lprank_rule, LPRANK_PROFILE_EXPOSURE, LPRANK_PROFILE_TOP, LPRANK_PROFILE_WHOLE_SLATE,
};
use lprank::json::{MembersData, RuleData};
use lprank::synthetic::FeedFeatures;
use lprank::SlotProfile;

/// Each rule's name as a C string.
pub fn rule_names(rules: &[RuleData]) -> Vec<CString> {
    rules.iter().map(|r| CString::new(r.name.clone()).unwrap()).collect()
}

/// Rule `r` as a C rule named `name`.
pub fn c_rule(r: &RuleData, name: &CString) -> lprank_rule {
    let (profile, top) = match r.profile {
        SlotProfile::WholeSlate => (LPRANK_PROFILE_WHOLE_SLATE, 0),
        SlotProfile::Top(d) => (LPRANK_PROFILE_TOP, d),
        SlotProfile::Exposure => (LPRANK_PROFILE_EXPOSURE, 0),
    };
    let (items, coefficients): (&[usize], &[f64]) = match &r.members {
        MembersData::Items(i) => (i, &[]),
        MembersData::Coefficients(c) => (&[], c),
    };
    lprank_rule {
        name: name.as_ptr(),
        items: if items.is_empty() { null() } else { items.as_ptr() },
        items_len: items.len(),
        coefficients: if coefficients.is_empty() { null() } else { coefficients.as_ptr() },
        coefficients_len: coefficients.len(),
        profile,
        top,
        has_max: u8::from(r.max.is_some()),
        has_min: u8::from(r.min.is_some()),
        has_penalty: u8::from(r.penalty.is_some()),
        max: r.max.unwrap_or(0.0),
        min: r.min.unwrap_or(0.0),
        penalty: r.penalty.unwrap_or(0.0),
    }
}

/// All `rules` as C rules, named by `names` (from [`rule_names`]).
pub fn c_rules(rules: &[RuleData], names: &[CString]) -> Vec<lprank_rule> {
    rules.iter().zip(names).map(|(r, name)| c_rule(r, name)).collect()
}

/// A feed request's features as the C scoring request.
pub fn score_request(f: &FeedFeatures) -> lprank_score_request {
    lprank_score_request {
        request_dense: f.request_dense.as_ptr(),
        request_dense_len: f.request_dense.len(),
        request_ids: f.request_ids.as_ptr(),
        request_ids_len: f.request_ids.len(),
        item_dense: f.item_dense.as_ptr(),
        item_dense_len: f.item_dense.len(),
        item_ids: f.item_ids.as_ptr(),
        item_ids_len: f.item_ids.len(),
    }
}

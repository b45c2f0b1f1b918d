//! One scoring request: the request-scope features shared by all candidates and the
//! item-scope features of each candidate (FORMAT.md §3), borrowed from the caller, and its
//! validation.

use thiserror::Error;

use super::model::Model;

/// The inputs of one request of `n` candidates (n is the length of the output slice).
///
/// Dense values are f32 and must be finite; ids are u64. All slices are in config order;
/// the item slices are `n` rows, one per candidate, row-major.
#[derive(Clone, Copy, Debug, Default)]
pub struct Request<'a> {
    /// `Dr` values: the `request_dense` features.
    pub request_dense: &'a [f32],
    /// `Sr` ids: one per `request_sparse` feature.
    pub request_ids: &'a [u64],
    /// `n × Di` values: per candidate, the `item_dense` features.
    pub item_dense: &'a [f32],
    /// `n × Si` ids: per candidate, one per `item_sparse` feature.
    pub item_ids: &'a [u64],
}

/// Why a request was rejected. Nothing is scored when an error is returned.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum RequestError {
    /// `request_dense` does not have `Dr` values.
    #[error("request_dense: expected {want} values (one per request dense feature), got {got}")]
    RequestDense {
        /// `Dr`.
        want: usize,
        /// The length given.
        got: usize,
    },
    /// `request_ids` does not have `Sr` ids.
    #[error("request_ids: expected {want} ids (one per request sparse feature), got {got}")]
    RequestIds {
        /// `Sr`.
        want: usize,
        /// The length given.
        got: usize,
    },
    /// `item_dense` is not `n × Di`.
    #[error("item_dense: expected {want} values ({n} candidates × {per} item dense features), got {got}")]
    ItemDense {
        /// `n · Di`.
        want: usize,
        /// Candidates (the output length).
        n: usize,
        /// `Di`.
        per: usize,
        /// The length given.
        got: usize,
    },
    /// `item_ids` is not `n × Si`.
    #[error("item_ids: expected {want} ids ({n} candidates × {per} item sparse features), got {got}")]
    ItemIds {
        /// `n · Si`.
        want: usize,
        /// Candidates (the output length).
        n: usize,
        /// `Si`.
        per: usize,
        /// The length given.
        got: usize,
    },
    /// A dense value is NaN or infinite.
    #[error("dense feature {feature:?}{} is not finite ({value})", candidate.map(|c| format!(" of candidate {c}")).unwrap_or_default())]
    NonFinite {
        /// The feature's name.
        feature: String,
        /// The candidate (`None` for a request-scope feature).
        candidate: Option<usize>,
        /// The value.
        value: f32,
    },
    /// An id is past the end of a plain table (ids are never clamped or wrapped).
    #[error("sparse feature {feature:?}{}: id {id} is out of range (the table has {rows} rows)", candidate.map(|c| format!(" of candidate {c}")).unwrap_or_default())]
    IdOutOfRange {
        /// The feature's name.
        feature: String,
        /// The candidate (`None` for a request-scope feature).
        candidate: Option<usize>,
        /// The id.
        id: u64,
        /// Rows of the plain table.
        rows: usize,
    },
}

impl Model {
    /// Checks a request of `n` candidates against the model's input schema.
    pub fn validate(&self, request: &Request<'_>, n: usize) -> Result<(), RequestError> {
        self.validate_lengths(request, n)?;
        let inputs = &self.config.inputs;
        let (di, si) = (inputs.item_dense.len(), inputs.item_sparse.len());
        if let Some(j) = request.request_dense.iter().position(|v| !v.is_finite()) {
            return Err(RequestError::NonFinite {
                feature: inputs.request_dense[j].clone(),
                candidate: None,
                value: request.request_dense[j],
            });
        }
        if let Some(k) = request.item_dense.iter().position(|v| !v.is_finite()) {
            return Err(RequestError::NonFinite {
                feature: inputs.item_dense[k % di].clone(),
                candidate: Some(k / di),
                value: request.item_dense[k],
            });
        }
        let out_of_range = |e: &super::embedding::Embedding, id: u64, candidate| RequestError::IdOutOfRange {
            feature: e.name.clone(),
            candidate,
            id,
            rows: e.rows(),
        };
        for (e, &id) in self.request_embeddings.iter().zip(request.request_ids) {
            if !e.accepts(id) {
                return Err(out_of_range(e, id, None));
            }
        }
        if si > 0 {
            for (c, ids) in request.item_ids.chunks_exact(si).enumerate() {
                for (e, &id) in self.item_embeddings.iter().zip(ids) {
                    if !e.accepts(id) {
                        return Err(out_of_range(e, id, Some(c)));
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks only the lengths of a request of `n` candidates (O(1)): what a caller must
    /// know before sizing buffers by `n`. [`Model::validate`] does this and checks the values.
    pub fn validate_lengths(&self, request: &Request<'_>, n: usize) -> Result<(), RequestError> {
        let inputs = &self.config.inputs;
        let (dr, sr) = (inputs.request_dense.len(), inputs.request_sparse.len());
        let (di, si) = (inputs.item_dense.len(), inputs.item_sparse.len());
        if request.request_dense.len() != dr {
            return Err(RequestError::RequestDense { want: dr, got: request.request_dense.len() });
        }
        if request.request_ids.len() != sr {
            return Err(RequestError::RequestIds { want: sr, got: request.request_ids.len() });
        }
        // `n × width` saturates rather than wraps, so that no huge `n` can pass for a small one.
        let got = request.item_dense.len();
        if n.saturating_mul(di) != got {
            return Err(RequestError::ItemDense { want: n.saturating_mul(di), n, per: di, got });
        }
        let got = request.item_ids.len();
        if n.saturating_mul(si) != got {
            return Err(RequestError::ItemIds { want: n.saturating_mul(si), n, per: si, got });
        }
        Ok(())
    }
}

//! Loading a model directory (`config.json` + `model.safetensors`) into an immutable
//! [`Model`], checking everything FORMAT.md §13 asks a reader to check.
//!
//! The expected tensor set is derived from the config alone (never the other way round):
//! every tensor of FORMAT.md §12 must be present with its dtype and shape, no other tensor
//! may be present, every F32 value must be finite and every int8 `scale` ≥ 0. Calibration
//! tensors are checked by [`super::calibration`]. Any failure is a [`ModelError`] naming
//! the key or tensor at fault.
//!
//! At load the model is also prepared for serving: int8 embedding tables are dequantized,
//! V/Q/K of each cross layer are stacked into one projection, the first product that reads
//! x0 is split into its request and item columns, and every weight matrix gets its int8
//! per-output-channel copy (see [`super::quant`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors};
use thiserror::Error;

use super::calibration::Calibration;
use super::config::{Config, Storage, TableKind, Towers};
use super::cross::{CrossLayer, CrossTower};
use super::deep::{DeepLayer, DeepTower};
use super::embedding::{Embedding, Table, Tables};
use super::linear::Linear;

/// Why a model could not be loaded. Every message names the file, key or tensor at fault.
#[derive(Debug, Error)]
pub enum ModelError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `config.json` is not JSON.
    #[error("config.json: not valid JSON: {0}")]
    ConfigSyntax(String),
    /// A key of `config.json` is missing, unknown, of the wrong type or out of range.
    #[error("config.json: {key}: {problem}")]
    Config {
        /// The key, as a path (`cross.temperature`, `inputs.item_sparse[3].rows`).
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// The safetensors container itself is malformed (bad header, truncated data, overlapping
    /// or out-of-bounds offsets).
    #[error("model.safetensors: {0}")]
    Container(String),
    /// A tensor the config requires is absent.
    #[error("model.safetensors: tensor {0:?} is missing")]
    MissingTensor(String),
    /// A tensor the config does not describe is present.
    #[error("model.safetensors: tensor {0:?} is not part of this model (unexpected)")]
    UnexpectedTensor(String),
    /// A tensor has the wrong dtype.
    #[error("model.safetensors: tensor {name:?} has dtype {got}, expected {want}")]
    Dtype {
        /// The tensor.
        name: String,
        /// The dtype §12 requires.
        want: String,
        /// The dtype in the file.
        got: String,
    },
    /// A tensor has the wrong shape.
    #[error("model.safetensors: tensor {name:?} has shape {got:?}, expected {want:?}")]
    Shape {
        /// The tensor.
        name: String,
        /// The shape derived from the config.
        want: Vec<usize>,
        /// The shape in the file.
        got: Vec<usize>,
    },
    /// An F32 tensor holds a NaN or an infinity.
    #[error("model.safetensors: tensor {name:?} element {index} is not finite")]
    NonFinite {
        /// The tensor.
        name: String,
        /// Flat (row-major) index of the first bad element.
        index: usize,
    },
    /// An int8 table's `scale` is negative.
    #[error("model.safetensors: tensor {name:?} element {index} is negative ({value}); scales must be ≥ 0")]
    NegativeScale {
        /// The `.scale` tensor.
        name: String,
        /// Row of the first bad scale.
        index: usize,
        /// Its value.
        value: f32,
    },
    /// The calibration tensors are inconsistent (boundaries, slopes or prefix).
    #[error("model.safetensors: {0}")]
    Calibration(String),
}

/// A loaded, validated model: immutable, `Send + Sync`, shared by every thread that scores
/// (each with its own [`super::ScorerWorkspace`]).
#[derive(Clone, Debug)]
pub struct Model {
    pub(crate) config: Config,
    /// Width of the request-scope block of x0 (`d_req`) and of x0 (`d`).
    pub(crate) d_req: usize,
    pub(crate) d: usize,
    pub(crate) request_embeddings: Vec<Embedding>,
    pub(crate) item_embeddings: Vec<Embedding>,
    pub(crate) cross: CrossTower,
    pub(crate) deep: DeepTower,
    /// `W_h` (`H × zdim`, row-major), `b_h` and the ranking weights `weight_h`.
    pub(crate) head_w: Vec<f32>,
    pub(crate) head_b: Vec<f32>,
    pub(crate) head_weight: Vec<f32>,
    pub(crate) calibration: Option<Calibration>,
}

/// One expected tensor: name, dtype and shape.
struct Spec {
    name: String,
    dtype: Dtype,
    shape: Vec<usize>,
}

/// FORMAT.md §12: the exact tensor set of a config.
fn tensor_specs(cfg: &Config) -> Vec<Spec> {
    let mut specs = Vec::new();
    let mut push = |name: String, dtype: Dtype, shape: Vec<usize>| specs.push(Spec { name, dtype, shape });
    let d = cfg.x0_width();
    for f in cfg.inputs.request_sparse.iter().chain(&cfg.inputs.item_sparse) {
        let tables = match f.kind {
            TableKind::Plain { rows } => vec![(format!("embeddings.{}.table", f.name), rows)],
            TableKind::Qr { q_rows, r_rows } => vec![
                (format!("embeddings.{}.q_table", f.name), q_rows),
                (format!("embeddings.{}.r_table", f.name), r_rows),
            ],
        };
        for (t, rows) in tables {
            match f.storage {
                Storage::F32 => push(t, Dtype::F32, vec![rows, f.dim]),
                Storage::Int8 => {
                    push(format!("{t}.scale"), Dtype::F32, vec![rows]);
                    push(format!("{t}.middle"), Dtype::F32, vec![rows]);
                    push(t, Dtype::I8, vec![rows, f.dim]);
                }
            }
        }
    }
    let r = cfg.cross.rank;
    for l in 0..cfg.cross.layers {
        push(format!("cross.{l}.V"), Dtype::F32, vec![r, d]);
        if cfg.cross.attention {
            push(format!("cross.{l}.Q"), Dtype::F32, vec![r, d]);
            push(format!("cross.{l}.K"), Dtype::F32, vec![r, d]);
        }
        push(format!("cross.{l}.U"), Dtype::F32, vec![d, r]);
        push(format!("cross.{l}.b"), Dtype::F32, vec![d]);
    }
    let mut prev = d;
    for (l, &n) in cfg.deep.hidden.iter().enumerate() {
        push(format!("deep.{l}.W"), Dtype::F32, vec![n, prev]);
        push(format!("deep.{l}.b"), Dtype::F32, vec![n]);
        if cfg.deep.gating {
            push(format!("deep.{l}.gate_W"), Dtype::F32, vec![n, n]);
            push(format!("deep.{l}.gate_b"), Dtype::F32, vec![n]);
        }
        prev = n;
    }
    for h in 0..cfg.heads.len() {
        push(format!("heads.{h}.W"), Dtype::F32, vec![1, cfg.z_width()]);
        push(format!("heads.{h}.b"), Dtype::F32, vec![1]);
    }
    if let Some(b) = cfg.calibration {
        push("calibration.boundaries".into(), Dtype::F32, vec![b + 1]);
        push("calibration.prefix".into(), Dtype::F32, vec![b + 1]);
        push("calibration.slopes".into(), Dtype::F32, vec![b]);
    }
    specs
}

/// Typed access to the checked tensors.
struct Tensors<'a> {
    st: SafeTensors<'a>,
}

impl Tensors<'_> {
    fn f32(&self, name: &str) -> Result<Vec<f32>, ModelError> {
        let view = self.st.tensor(name).map_err(|_| ModelError::MissingTensor(name.to_string()))?;
        let values: Vec<f32> =
            view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        if let Some(index) = values.iter().position(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite { name: name.to_string(), index });
        }
        Ok(values)
    }

    fn i8(&self, name: &str) -> Result<Vec<i8>, ModelError> {
        let view = self.st.tensor(name).map_err(|_| ModelError::MissingTensor(name.to_string()))?;
        Ok(view.data().iter().map(|&b| b as i8).collect())
    }

    /// One embedding table, dequantized when stored int8.
    fn table(&self, name: &str, rows: usize, dim: usize, storage: Storage) -> Result<Table, ModelError> {
        match storage {
            Storage::F32 => Ok(Table { rows, values: self.f32(name)? }),
            Storage::Int8 => {
                let q = self.i8(name)?;
                let scale_name = format!("{name}.scale");
                let scale = self.f32(&scale_name)?;
                if let Some(index) = scale.iter().position(|&s| s < 0.0) {
                    return Err(ModelError::NegativeScale { name: scale_name, index, value: scale[index] });
                }
                let middle = self.f32(&format!("{name}.middle"))?;
                Ok(Table::dequantize(&q, &scale, &middle, rows, dim))
            }
        }
    }
}

fn dtype_name(d: Dtype) -> String {
    format!("{d:?}")
}

impl Model {
    /// Loads `dir/config.json` and `dir/model.safetensors`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, ModelError> {
        let dir = dir.as_ref();
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| ModelError::Io { path, source })
        };
        let config = read("config.json")?;
        let config = std::str::from_utf8(&config)
            .map_err(|e| ModelError::ConfigSyntax(format!("not UTF-8: {e}")))?
            .to_string();
        let weights = read("model.safetensors")?;
        Self::from_bytes(&config, &weights)
    }

    /// Builds a model from the text of `config.json` and the bytes of `model.safetensors`.
    pub fn from_bytes(config_json: &str, safetensors: &[u8]) -> Result<Self, ModelError> {
        let config = Config::from_json(config_json)?;
        let st =
            SafeTensors::deserialize(safetensors).map_err(|e| ModelError::Container(format!("{e:?}")))?;
        let specs = tensor_specs(&config);
        let expected: BTreeSet<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        let mut present: Vec<String> = st.names().into_iter().cloned().collect();
        present.sort();
        if let Some(extra) = present.iter().find(|n| !expected.contains(n.as_str())) {
            return Err(ModelError::UnexpectedTensor(extra.clone()));
        }
        for spec in &specs {
            let view = st.tensor(&spec.name).map_err(|_| ModelError::MissingTensor(spec.name.clone()))?;
            if view.dtype() != spec.dtype {
                return Err(ModelError::Dtype {
                    name: spec.name.clone(),
                    want: dtype_name(spec.dtype),
                    got: dtype_name(view.dtype()),
                });
            }
            if view.shape() != spec.shape.as_slice() {
                return Err(ModelError::Shape {
                    name: spec.name.clone(),
                    want: spec.shape.clone(),
                    got: view.shape().to_vec(),
                });
            }
        }
        Self::build(config, &Tensors { st })
    }

    fn build(config: Config, t: &Tensors<'_>) -> Result<Self, ModelError> {
        let d_req = config.request_width();
        let d = config.x0_width();
        let embeddings = |features: &[super::config::SparseFeature]| -> Result<Vec<Embedding>, ModelError> {
            features
                .iter()
                .map(|f| {
                    let tables = match f.kind {
                        TableKind::Plain { rows } => Tables::Plain(t.table(
                            &format!("embeddings.{}.table", f.name),
                            rows,
                            f.dim,
                            f.storage,
                        )?),
                        TableKind::Qr { q_rows, r_rows } => Tables::Qr {
                            q: t.table(&format!("embeddings.{}.q_table", f.name), q_rows, f.dim, f.storage)?,
                            r: t.table(&format!("embeddings.{}.r_table", f.name), r_rows, f.dim, f.storage)?,
                        },
                    };
                    Ok(Embedding { name: f.name.clone(), dim: f.dim, tables })
                })
                .collect()
        };
        let request_embeddings = embeddings(&config.inputs.request_sparse)?;
        let item_embeddings = embeddings(&config.inputs.item_sparse)?;

        let r = config.cross.rank;
        let mut layers = Vec::with_capacity(config.cross.layers);
        for l in 0..config.cross.layers {
            let mut w = t.f32(&format!("cross.{l}.V"))?;
            if config.cross.attention {
                w.extend(t.f32(&format!("cross.{l}.Q"))?);
                w.extend(t.f32(&format!("cross.{l}.K"))?);
            }
            let rows = w.len() / d;
            let proj = Linear::new(w, rows, d, Vec::new());
            let u = Linear::new(t.f32(&format!("cross.{l}.U"))?, d, r, t.f32(&format!("cross.{l}.b"))?);
            layers.push(CrossLayer { proj, u });
        }
        let (first_request, first_item) = match layers.first() {
            Some(l0) => {
                let (a, b) = l0.proj.split_columns(d_req);
                (Some(a), Some(b))
            }
            None => (None, None),
        };
        let cross = CrossTower {
            layers,
            rank: r,
            attention: config.cross.attention,
            temperature: config.cross.temperature,
            first_request,
            first_item,
            d_req,
        };

        let mut deep_layers = Vec::with_capacity(config.deep.hidden.len());
        let mut prev = d;
        for (l, &n) in config.deep.hidden.iter().enumerate() {
            let w = Linear::new(t.f32(&format!("deep.{l}.W"))?, n, prev, t.f32(&format!("deep.{l}.b"))?);
            let gate = if config.deep.gating {
                Some(Linear::new(
                    t.f32(&format!("deep.{l}.gate_W"))?,
                    n,
                    n,
                    t.f32(&format!("deep.{l}.gate_b"))?,
                ))
            } else {
                None
            };
            deep_layers.push(DeepLayer { w, gate });
            prev = n;
        }
        // The deep tower reads x0 itself when parallel, or when stacked on an identity cross
        // tower; then its first product splits into request and item columns.
        let reads_x0 = config.towers == Towers::Parallel || config.cross.layers == 0;
        let (deep_first_request, deep_first_item) = match deep_layers.first() {
            Some(l0) if reads_x0 => {
                let (a, b) = l0.w.split_columns(d_req);
                (Some(a), Some(b))
            }
            _ => (None, None),
        };
        let deep = DeepTower {
            layers: deep_layers,
            first_request: deep_first_request,
            first_item: deep_first_item,
            d_req,
        };

        let h = config.heads.len();
        let mut head_w = Vec::with_capacity(h * config.z_width());
        let mut head_b = Vec::with_capacity(h);
        for i in 0..h {
            head_w.extend(t.f32(&format!("heads.{i}.W"))?);
            head_b.extend(t.f32(&format!("heads.{i}.b"))?);
        }
        let head_weight = config.heads.iter().map(|h| h.weight).collect();
        let calibration = match config.calibration {
            Some(_) => Some(Calibration::new(
                t.f32("calibration.boundaries")?,
                t.f32("calibration.slopes")?,
                t.f32("calibration.prefix")?,
            )?),
            None => None,
        };
        Ok(Model {
            config,
            d_req,
            d,
            request_embeddings,
            item_embeddings,
            cross,
            deep,
            head_w,
            head_b,
            head_weight,
            calibration,
        })
    }

    /// The parsed `config.json`.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Number of heads H (the width of a row of [`super::ScorerWorkspace::head_logits`]).
    pub fn heads(&self) -> usize {
        self.head_b.len()
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;

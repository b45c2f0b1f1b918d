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
//!
//! Weight matrices stored quantized (`cross.storage` / `deep.storage` = `"int8"` or
//! `"int4"`, FORMAT.md §6.1) are levels `q[o, j]` and per-row scales `s_o`, meaning
//! `ŵ[o, j] = s_o · q[o, j]`. That product, in f32, is the matrix of the f32 path (and what
//! the golden files were computed from); the int8 path takes `q` and `s` as they are
//! ([`QuantizedMatrix::from_quantized`]) instead of re-rounding `ŵ`, which would lose the
//! levels the exporter chose (QuantEase's, or int4's 15-level grid, which RTN to 255 levels
//! does not reproduce). Checked at load: scales finite and ≥ 0, int8 levels in
//! [−127, 127] (−128 is not on the symmetric grid), int4 nibbles in [−7, 7] (the nibble
//! `0b1000`, −8, is rejected) and the unused high nibble of an odd-width row 0.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors};
use thiserror::Error;

use super::calibration::Calibration;
use super::config::{Config, Storage, TableKind, Towers, WeightStorage};
use super::cross::{CrossLayer, CrossTower};
use super::deep::{DeepLayer, DeepTower};
use super::embedding::{Embedding, Table, Tables};
use super::linear::Linear;
use super::quant::QuantizedMatrix;

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
    /// A weight matrix stored int8/int4 holds a level outside its grid [−max, max].
    #[error(
        "model.safetensors: tensor {name:?} element [{row}, {col}] is level {value}, outside [-{max}, {max}]"
    )]
    LevelOutOfRange {
        /// The weight tensor.
        name: String,
        /// Row (output channel) of the first bad level.
        row: usize,
        /// Column (input) of the first bad level.
        col: usize,
        /// The level (for int4, the nibble read as 4-bit two's complement).
        value: i8,
        /// The grid's largest level: 127 (int8) or 7 (int4).
        max: i8,
    },
    /// An int4 weight row of odd width has a non-zero pad nibble (the high nibble of its
    /// last byte).
    #[error(
        "model.safetensors: tensor {name:?} row {row}: the unused high nibble of the last byte must be 0"
    )]
    NonZeroPad {
        /// The weight tensor.
        name: String,
        /// The row.
        row: usize,
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
    // A weight matrix `[rows, cols]` in its storage (FORMAT.md §6.1).
    let matrix =
        |push: &mut dyn FnMut(String, Dtype, Vec<usize>), name: String, rows, cols, storage| match storage {
            WeightStorage::F32 => push(name, Dtype::F32, vec![rows, cols]),
            WeightStorage::Int8 => {
                push(format!("{name}.scale"), Dtype::F32, vec![rows]);
                push(name, Dtype::I8, vec![rows, cols]);
            }
            WeightStorage::Int4 => {
                push(format!("{name}.scale"), Dtype::F32, vec![rows]);
                push(name, Dtype::U8, vec![rows, cols.div_ceil(2)]);
            }
        };
    let r = cfg.cross.rank;
    let cs = cfg.cross.storage;
    for l in 0..cfg.cross.layers {
        matrix(&mut push, format!("cross.{l}.V"), r, d, cs);
        if cfg.cross.attention {
            matrix(&mut push, format!("cross.{l}.Q"), r, d, cs);
            matrix(&mut push, format!("cross.{l}.K"), r, d, cs);
        }
        matrix(&mut push, format!("cross.{l}.U"), d, r, cs);
        push(format!("cross.{l}.b"), Dtype::F32, vec![d]);
    }
    let ds = cfg.deep.storage;
    let mut prev = d;
    for (l, &n) in cfg.deep.hidden.iter().enumerate() {
        matrix(&mut push, format!("deep.{l}.W"), n, prev, ds);
        push(format!("deep.{l}.b"), Dtype::F32, vec![n]);
        if cfg.deep.gating {
            matrix(&mut push, format!("deep.{l}.gate_W"), n, n, ds);
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

/// A tower weight matrix as read: `w` is what the model means in f32 (`s_o · q[o, j]` when
/// stored quantized) and `levels` the stored levels (`rows × cols`, row-major) and scales.
struct Weight {
    w: Vec<f32>,
    rows: usize,
    cols: usize,
    levels: Option<(Vec<i8>, Vec<f32>)>,
}

impl Weight {
    /// The affine map with this matrix: its int8 copy is the stored levels when there are
    /// any (not a re-rounding of `w`, see the module doc). `Linear::new` makes its own RTN
    /// copy `wq` from `w`; it is replaced here, which is all the int8 path reads. (Should
    /// `Linear` ever derive more from `wq` at construction, e.g. packed panels, this must
    /// build that from the stored levels too; `model_tests.rs`'s
    /// `stored_levels_reach_the_int8_path_unrounded` checks the int8 copy.)
    fn linear(&self, bias: Vec<f32>) -> Linear {
        let mut lin = Linear::new(self.w.clone(), self.rows, self.cols, bias);
        if let Some((q, scale)) = &self.levels {
            lin.wq = QuantizedMatrix::from_quantized(q, self.rows, self.cols, scale);
        }
        lin
    }

    /// [`Linear::split_columns`] of `lin` (built by [`Weight::linear`]), keeping the stored
    /// levels of each half.
    fn split(&self, lin: &Linear, at: usize) -> (Linear, Linear) {
        let (mut left, mut right) = lin.split_columns(at);
        if let Some((q, scale)) = &self.levels {
            let (rows, cols) = (self.rows, self.cols);
            let part = |from: usize, to: usize| -> Vec<i8> {
                (0..rows).flat_map(|o| q[o * cols + from..o * cols + to].iter().copied()).collect()
            };
            left.wq = QuantizedMatrix::from_quantized(&part(0, at), rows, at, scale);
            right.wq = QuantizedMatrix::from_quantized(&part(at, cols), rows, cols - at, scale);
        }
        (left, right)
    }

    /// `self` stacked on top of `other` (same width): the cross layer's `[V; Q; K]`.
    fn stack(mut self, other: Weight) -> Weight {
        debug_assert_eq!(self.cols, other.cols);
        self.w.extend(other.w);
        self.rows += other.rows;
        self.levels = match (self.levels, other.levels) {
            (Some((mut q, mut s)), Some((q2, s2))) => {
                q.extend(q2);
                s.extend(s2);
                Some((q, s))
            }
            _ => None,
        };
        self
    }
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

    /// One tower weight matrix `[rows, cols]` in its storage (FORMAT.md §6.1), its levels
    /// and scales checked.
    fn weight(
        &self,
        name: &str,
        rows: usize,
        cols: usize,
        storage: WeightStorage,
    ) -> Result<Weight, ModelError> {
        let Some(max) = storage.max_level() else {
            return Ok(Weight { w: self.f32(name)?, rows, cols, levels: None });
        };
        let scale_name = format!("{name}.scale");
        let scale = self.f32(&scale_name)?;
        if let Some(index) = scale.iter().position(|&s| s < 0.0) {
            return Err(ModelError::NegativeScale { name: scale_name, index, value: scale[index] });
        }
        let view = self.st.tensor(name).map_err(|_| ModelError::MissingTensor(name.to_string()))?;
        let data = view.data();
        let q: Vec<i8> = if storage == WeightStorage::Int8 {
            data.iter().map(|&b| b as i8).collect()
        } else {
            // Two levels a byte: column 2k in the low nibble, 2k+1 in the high one, each a
            // 4-bit two's complement number (sign-extended by the arithmetic shift).
            let bytes_per_row = cols.div_ceil(2);
            let mut q = Vec::with_capacity(rows * cols);
            for o in 0..rows {
                let row = &data[o * bytes_per_row..(o + 1) * bytes_per_row];
                for j in 0..cols {
                    let byte = row[j / 2];
                    let nibble = if j % 2 == 0 { byte << 4 } else { byte & 0xF0 };
                    q.push((nibble as i8) >> 4);
                }
                if cols % 2 == 1 && row[bytes_per_row - 1] >> 4 != 0 {
                    return Err(ModelError::NonZeroPad { name: name.to_string(), row: o });
                }
            }
            q
        };
        if let Some(i) = q.iter().position(|&v| v < -max || v > max) {
            return Err(ModelError::LevelOutOfRange {
                name: name.to_string(),
                row: i / cols,
                col: i % cols,
                value: q[i],
                max,
            });
        }
        let w = q.iter().enumerate().map(|(i, &v)| scale[i / cols] * f32::from(v)).collect();
        Ok(Weight { w, rows, cols, levels: Some((q, scale)) })
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
        let cs = config.cross.storage;
        let mut layers = Vec::with_capacity(config.cross.layers);
        let mut first_proj = None;
        for l in 0..config.cross.layers {
            let mut w = t.weight(&format!("cross.{l}.V"), r, d, cs)?;
            if config.cross.attention {
                w = w.stack(t.weight(&format!("cross.{l}.Q"), r, d, cs)?);
                w = w.stack(t.weight(&format!("cross.{l}.K"), r, d, cs)?);
            }
            let proj = w.linear(Vec::new());
            let u = t.weight(&format!("cross.{l}.U"), d, r, cs)?.linear(t.f32(&format!("cross.{l}.b"))?);
            layers.push(CrossLayer { proj, u });
            if l == 0 {
                first_proj = Some(w);
            }
        }
        let (first_request, first_item) = match (layers.first(), &first_proj) {
            (Some(l0), Some(w)) => {
                let (a, b) = w.split(&l0.proj, d_req);
                (Some(a), Some(b))
            }
            _ => (None, None),
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

        let ds = config.deep.storage;
        let mut deep_layers = Vec::with_capacity(config.deep.hidden.len());
        let mut first_w = None;
        let mut prev = d;
        for (l, &n) in config.deep.hidden.iter().enumerate() {
            let weight = t.weight(&format!("deep.{l}.W"), n, prev, ds)?;
            let w = weight.linear(t.f32(&format!("deep.{l}.b"))?);
            let gate = if config.deep.gating {
                Some(
                    t.weight(&format!("deep.{l}.gate_W"), n, n, ds)?
                        .linear(t.f32(&format!("deep.{l}.gate_b"))?),
                )
            } else {
                None
            };
            deep_layers.push(DeepLayer { w, gate });
            if l == 0 {
                first_w = Some(weight);
            }
            prev = n;
        }
        // The deep tower reads x0 itself when parallel, or when stacked on an identity cross
        // tower; then its first product splits into request and item columns.
        let reads_x0 = config.towers == Towers::Parallel || config.cross.layers == 0;
        let (deep_first_request, deep_first_item) = match (deep_layers.first(), &first_w) {
            (Some(l0), Some(w)) if reads_x0 => {
                let (a, b) = w.split(&l0.w, d_req);
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

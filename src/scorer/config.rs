//! `config.json`: the architecture and input schema of a model (FORMAT.md §2), parsed from
//! serde_json's `Value` tree so that every error names the exact key at fault.
//!
//! Every key FORMAT.md lists is accepted with its documented default; any other key is
//! rejected (a typo such as `"temprature"` must not silently fall back to a default).

use serde_json::{Map, Value};

use super::model::ModelError;

/// The parsed, validated `config.json`.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Model name (informative).
    pub name: String,
    /// Description (informative).
    pub description: String,
    /// The input schema.
    pub inputs: Inputs,
    /// The cross tower.
    pub cross: CrossConfig,
    /// The deep tower.
    pub deep: DeepConfig,
    /// How the towers combine.
    pub towers: Towers,
    /// The output heads, in order (at least one).
    pub heads: Vec<HeadConfig>,
    /// Isotonic calibration with this many buckets, or `None`.
    pub calibration: Option<usize>,
}

/// The input schema (FORMAT.md §3), every list in input order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Inputs {
    /// Names of the request-scope dense features.
    pub request_dense: Vec<String>,
    /// Request-scope sparse features.
    pub request_sparse: Vec<SparseFeature>,
    /// Names of the item-scope dense features.
    pub item_dense: Vec<String>,
    /// Item-scope sparse features.
    pub item_sparse: Vec<SparseFeature>,
}

/// One sparse (id) feature and its embedding table(s).
#[derive(Clone, Debug, PartialEq)]
pub struct SparseFeature {
    /// Feature name; tensor names use it.
    pub name: String,
    /// Plain or quotient–remainder table.
    pub kind: TableKind,
    /// Embedding width (≥ 1).
    pub dim: usize,
    /// How the table values are stored in the file.
    pub storage: Storage,
}

/// The kind of a sparse feature's table (FORMAT.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    /// One table of `rows` rows; ids ≥ rows are rejected.
    Plain {
        /// Rows of the table (≥ 1).
        rows: usize,
    },
    /// `E(k) = q_table[(k / r_rows) % q_rows] + r_table[k % r_rows]`; every id is valid.
    Qr {
        /// Rows of the quotient table (≥ 1).
        q_rows: usize,
        /// Rows of the remainder table, the modulus M (≥ 1).
        r_rows: usize,
    },
}

/// Storage of an embedding table in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// `F32 [rows, dim]`.
    F32,
    /// `I8 [rows, dim]` plus `.scale` and `.middle` `F32 [rows]` (middle-max, row-wise).
    Int8,
}

/// Storage of the cross or deep tower's weight matrices in the file (FORMAT.md §6.1): the
/// key `storage` of `cross` / `deep`. Biases, heads and calibration are always F32.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WeightStorage {
    /// `F32 [rows, cols]`.
    #[default]
    F32,
    /// `I8 [rows, cols]` levels in [−127, 127] plus `.scale` `F32 [rows]`: `ŵ = scale[o] · q`.
    Int8,
    /// `U8 [rows, ⌈cols/2⌉]`, two 4-bit two's complement levels in [−7, 7] a byte (column
    /// 2k in the low nibble), plus `.scale` `F32 [rows]`: `ŵ = scale[o] · q`.
    Int4,
}

impl WeightStorage {
    /// The largest |level| of the grid (`None` for F32).
    pub fn max_level(self) -> Option<i8> {
        match self {
            WeightStorage::F32 => None,
            WeightStorage::Int8 => Some(127),
            WeightStorage::Int4 => Some(7),
        }
    }

    fn parse(text: &str, key: &str) -> Result<Self, ModelError> {
        match text {
            "f32" => Ok(WeightStorage::F32),
            "int8" => Ok(WeightStorage::Int8),
            "int4" => Ok(WeightStorage::Int4),
            other => Err(bad(key, format!("must be \"f32\", \"int8\" or \"int4\", got {other:?}"))),
        }
    }
}

/// The cross tower (FORMAT.md §6).
#[derive(Clone, Debug, PartialEq)]
pub struct CrossConfig {
    /// Number of layers L (0: identity).
    pub layers: usize,
    /// Low rank r (≥ 1 when L ≥ 1; 0 when L = 0).
    pub rank: usize,
    /// Whether every layer uses LiRank attention.
    pub attention: bool,
    /// Softmax temperature τ (finite, > 0).
    pub temperature: f32,
    /// How V, Q, K and U are stored.
    pub storage: WeightStorage,
}

/// The deep tower (FORMAT.md §7).
#[derive(Clone, Debug, PartialEq)]
pub struct DeepConfig {
    /// Hidden widths (each ≥ 1; empty: identity).
    pub hidden: Vec<usize>,
    /// Dense Gating after every hidden layer.
    pub gating: bool,
    /// How W and gate_W are stored.
    pub storage: WeightStorage,
}

/// How the towers combine (FORMAT.md §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Towers {
    /// `z = deep(cross(x0))`.
    Stacked,
    /// `z = concat(cross(x0), deep(x0))`.
    Parallel,
}

/// One output head.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadConfig {
    /// Head name, unique among heads.
    pub name: String,
    /// Weight in the ranking logit (finite; negative and 0 allowed).
    pub weight: f32,
}

impl Config {
    /// Width of the request-scope block of x0: `Dr + Σ request dims`.
    pub fn request_width(&self) -> usize {
        self.inputs.request_dense.len() + self.inputs.request_sparse.iter().map(|f| f.dim).sum::<usize>()
    }

    /// Width of the item-scope block of x0: `Di + Σ item dims`.
    pub fn item_width(&self) -> usize {
        self.inputs.item_dense.len() + self.inputs.item_sparse.iter().map(|f| f.dim).sum::<usize>()
    }

    /// d, the width of x0.
    pub fn x0_width(&self) -> usize {
        self.request_width() + self.item_width()
    }

    /// Width of the deep tower's output.
    pub fn deep_out(&self) -> usize {
        self.deep.hidden.last().copied().unwrap_or_else(|| self.x0_width())
    }

    /// zdim, the width the heads read.
    pub fn z_width(&self) -> usize {
        match self.towers {
            Towers::Stacked => self.deep_out(),
            Towers::Parallel => self.x0_width() + self.deep_out(),
        }
    }

    /// Parses and validates `config.json` text.
    pub fn from_json(text: &str) -> Result<Self, ModelError> {
        let value: Value = serde_json::from_str(text).map_err(|e| ModelError::ConfigSyntax(e.to_string()))?;
        let mut root = Obj::new(&value, "")?;
        let format = root.string("format", None)?;
        if format != "lprank-dcn" {
            return Err(bad("format", format!("must be \"lprank-dcn\", got {format:?}")));
        }
        let version = root.integer("version", None)?;
        if version != 1 {
            return Err(bad("version", format!("must be 1, got {version}")));
        }
        let name = root.string("name", Some(""))?;
        let description = root.string("description", Some(""))?;

        let inputs_value = root.required("inputs")?;
        let mut inp = Obj::new(inputs_value, "inputs")?;
        let inputs = Inputs {
            request_dense: inp.names("request_dense")?,
            request_sparse: inp.features("request_sparse")?,
            item_dense: inp.names("item_dense")?,
            item_sparse: inp.features("item_sparse")?,
        };
        inp.finish()?;

        let cross = match root.optional("cross") {
            None => CrossConfig {
                layers: 0,
                rank: 0,
                attention: false,
                temperature: 1.0,
                storage: WeightStorage::F32,
            },
            Some(v) => {
                let mut c = Obj::new(v, "cross")?;
                let layers = c.integer("layers", Some(0))?;
                let rank = if layers >= 1 {
                    let r = c.integer("rank", None)?;
                    if r < 1 {
                        return Err(bad("cross.rank", format!("must be ≥ 1 when layers ≥ 1, got {r}")));
                    }
                    r
                } else {
                    // Ignored when there are no layers (the files write 0).
                    c.integer("rank", Some(0))?;
                    0
                };
                let attention = c.boolean("attention", false)?;
                let temperature = c.number("temperature", Some(1.0))?;
                if !(temperature.is_finite() && temperature > 0.0) {
                    return Err(bad(
                        "cross.temperature",
                        format!("must be finite and > 0, got {temperature}"),
                    ));
                }
                let storage = WeightStorage::parse(&c.string("storage", Some("f32"))?, "cross.storage")?;
                c.finish()?;
                CrossConfig { layers, rank, attention, temperature, storage }
            }
        };

        let deep = match root.optional("deep") {
            None => DeepConfig { hidden: Vec::new(), gating: true, storage: WeightStorage::F32 },
            Some(v) => {
                let mut c = Obj::new(v, "deep")?;
                let hidden = match c.optional("hidden") {
                    None => Vec::new(),
                    Some(h) => {
                        let arr =
                            h.as_array().ok_or_else(|| bad("deep.hidden", "must be an array".into()))?;
                        let mut out = Vec::with_capacity(arr.len());
                        for (i, w) in arr.iter().enumerate() {
                            let key = format!("deep.hidden[{i}]");
                            let w = as_integer(w, &key)?;
                            if w < 1 {
                                return Err(bad(&key, format!("must be ≥ 1, got {w}")));
                            }
                            out.push(w);
                        }
                        out
                    }
                };
                let activation = c.string("activation", Some("relu"))?;
                if activation != "relu" {
                    return Err(bad("deep.activation", format!("must be \"relu\", got {activation:?}")));
                }
                let gating = c.boolean("gating", true)?;
                let storage = WeightStorage::parse(&c.string("storage", Some("f32"))?, "deep.storage")?;
                c.finish()?;
                DeepConfig { hidden, gating, storage }
            }
        };

        let towers = match root.string("towers", None)?.as_str() {
            "stacked" => Towers::Stacked,
            "parallel" => Towers::Parallel,
            other => {
                return Err(bad("towers", format!("must be \"stacked\" or \"parallel\", got {other:?}")))
            }
        };

        let heads_value = root.required("heads")?;
        let arr = heads_value.as_array().ok_or_else(|| bad("heads", "must be an array".into()))?;
        if arr.is_empty() {
            return Err(bad("heads", "needs at least one head".into()));
        }
        let mut heads = Vec::with_capacity(arr.len());
        for (i, h) in arr.iter().enumerate() {
            let path = format!("heads[{i}]");
            let mut o = Obj::new(h, &path)?;
            let name = o.string("name", None)?;
            check_name(&name, &format!("{path}.name"))?;
            if heads.iter().any(|x: &HeadConfig| x.name == name) {
                return Err(bad(&format!("{path}.name"), format!("duplicate head name {name:?}")));
            }
            let weight = o.number("weight", Some(1.0))?;
            if !weight.is_finite() {
                return Err(bad(&format!("{path}.weight"), "must be finite".into()));
            }
            o.finish()?;
            heads.push(HeadConfig { name, weight });
        }

        let calibration = match root.optional("calibration") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let mut c = Obj::new(v, "calibration")?;
                let kind = c.string("kind", None)?;
                if kind != "isotonic" {
                    return Err(bad("calibration.kind", format!("must be \"isotonic\", got {kind:?}")));
                }
                let buckets = c.integer("buckets", None)?;
                if buckets < 1 {
                    return Err(bad("calibration.buckets", format!("must be ≥ 1, got {buckets}")));
                }
                c.finish()?;
                Some(buckets)
            }
        };
        root.finish()?;

        let config = Config { name, description, inputs, cross, deep, towers, heads, calibration };
        config.check_feature_names()?;
        if config.x0_width() == 0 {
            return Err(bad("inputs", "the model has no inputs (x0 would be empty)".into()));
        }
        Ok(config)
    }

    /// All feature names, dense and sparse, both scopes, are unique together.
    fn check_feature_names(&self) -> Result<(), ModelError> {
        let i = &self.inputs;
        let mut seen: Vec<&str> = Vec::new();
        let all = i
            .request_dense
            .iter()
            .map(|n| ("inputs.request_dense", n.as_str()))
            .chain(i.request_sparse.iter().map(|f| ("inputs.request_sparse", f.name.as_str())))
            .chain(i.item_dense.iter().map(|n| ("inputs.item_dense", n.as_str())))
            .chain(i.item_sparse.iter().map(|f| ("inputs.item_sparse", f.name.as_str())));
        for (list, name) in all {
            if seen.contains(&name) {
                return Err(bad(list, format!("duplicate feature name {name:?}")));
            }
            seen.push(name);
        }
        Ok(())
    }
}

fn bad(key: &str, problem: String) -> ModelError {
    ModelError::Config { key: key.to_string(), problem }
}

/// `^[a-z][a-z0-9_]*$`.
fn check_name(name: &str, key: &str) -> Result<(), ModelError> {
    let mut chars = name.chars();
    let ok = matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(bad(key, format!("{name:?} is not a valid name (^[a-z][a-z0-9_]*$)")))
    }
}

fn as_integer(v: &Value, key: &str) -> Result<usize, ModelError> {
    v.as_u64()
        .and_then(|x| usize::try_from(x).ok())
        .ok_or_else(|| bad(key, format!("must be a non-negative integer, got {v}")))
}

/// A JSON object being read: remembers which keys were consumed so that `finish` can
/// reject the rest.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
    used: Vec<&'static str>,
}

impl<'a> Obj<'a> {
    fn new(v: &'a Value, path: &str) -> Result<Self, ModelError> {
        let map = v
            .as_object()
            .ok_or_else(|| bad(if path.is_empty() { "(root)" } else { path }, "must be an object".into()))?;
        Ok(Obj { map, path: path.to_string(), used: Vec::new() })
    }

    fn key(&self, k: &str) -> String {
        if self.path.is_empty() {
            k.to_string()
        } else {
            format!("{}.{k}", self.path)
        }
    }

    fn optional(&mut self, k: &'static str) -> Option<&'a Value> {
        self.used.push(k);
        self.map.get(k)
    }

    fn required(&mut self, k: &'static str) -> Result<&'a Value, ModelError> {
        self.optional(k).ok_or_else(|| bad(&self.key(k), "is required".into()))
    }

    fn string(&mut self, k: &'static str, default: Option<&str>) -> Result<String, ModelError> {
        match (self.optional(k), default) {
            (None, Some(d)) => Ok(d.to_string()),
            (None, None) => Err(bad(&self.key(k), "is required".into())),
            (Some(v), _) => {
                v.as_str().map(str::to_string).ok_or_else(|| bad(&self.key(k), "must be a string".into()))
            }
        }
    }

    fn integer(&mut self, k: &'static str, default: Option<usize>) -> Result<usize, ModelError> {
        match (self.optional(k), default) {
            (None, Some(d)) => Ok(d),
            (None, None) => Err(bad(&self.key(k), "is required".into())),
            (Some(v), _) => as_integer(v, &self.key(k)),
        }
    }

    fn number(&mut self, k: &'static str, default: Option<f32>) -> Result<f32, ModelError> {
        match (self.optional(k), default) {
            (None, Some(d)) => Ok(d),
            (None, None) => Err(bad(&self.key(k), "is required".into())),
            (Some(v), _) => {
                v.as_f64().map(|x| x as f32).ok_or_else(|| bad(&self.key(k), "must be a number".into()))
            }
        }
    }

    fn boolean(&mut self, k: &'static str, default: bool) -> Result<bool, ModelError> {
        match self.optional(k) {
            None => Ok(default),
            Some(v) => v.as_bool().ok_or_else(|| bad(&self.key(k), "must be true or false".into())),
        }
    }

    /// A list of dense feature names (default empty).
    fn names(&mut self, k: &'static str) -> Result<Vec<String>, ModelError> {
        let key = self.key(k);
        let Some(v) = self.optional(k) else { return Ok(Vec::new()) };
        let arr = v.as_array().ok_or_else(|| bad(&key, "must be an array of names".into()))?;
        arr.iter()
            .enumerate()
            .map(|(i, n)| {
                let item = format!("{key}[{i}]");
                let n = n.as_str().ok_or_else(|| bad(&item, "must be a string".into()))?;
                check_name(n, &item)?;
                Ok(n.to_string())
            })
            .collect()
    }

    /// A list of sparse feature objects (default empty).
    fn features(&mut self, k: &'static str) -> Result<Vec<SparseFeature>, ModelError> {
        let key = self.key(k);
        let Some(v) = self.optional(k) else { return Ok(Vec::new()) };
        let arr = v.as_array().ok_or_else(|| bad(&key, "must be an array of feature objects".into()))?;
        let mut out = Vec::with_capacity(arr.len());
        for (i, f) in arr.iter().enumerate() {
            let path = format!("{key}[{i}]");
            let mut o = Obj::new(f, &path)?;
            let name = o.string("name", None)?;
            check_name(&name, &o.key("name"))?;
            let kind = match o.string("kind", None)?.as_str() {
                "plain" => {
                    let rows = o.integer("rows", None)?;
                    if rows < 1 {
                        return Err(bad(&o.key("rows"), "must be ≥ 1".into()));
                    }
                    TableKind::Plain { rows }
                }
                "qr" => {
                    let q_rows = o.integer("q_rows", None)?;
                    let r_rows = o.integer("r_rows", None)?;
                    if q_rows < 1 {
                        return Err(bad(&o.key("q_rows"), "must be ≥ 1".into()));
                    }
                    if r_rows < 1 {
                        return Err(bad(&o.key("r_rows"), "must be ≥ 1".into()));
                    }
                    TableKind::Qr { q_rows, r_rows }
                }
                other => {
                    return Err(bad(&o.key("kind"), format!("must be \"plain\" or \"qr\", got {other:?}")))
                }
            };
            let dim = o.integer("dim", None)?;
            if dim < 1 {
                return Err(bad(&o.key("dim"), "must be ≥ 1".into()));
            }
            let storage = match o.string("storage", Some("f32"))?.as_str() {
                "f32" => Storage::F32,
                "int8" => Storage::Int8,
                other => {
                    return Err(bad(&o.key("storage"), format!("must be \"f32\" or \"int8\", got {other:?}")))
                }
            };
            o.finish()?;
            out.push(SparseFeature { name, kind, dim, storage });
        }
        Ok(out)
    }

    /// Rejects every key that was not read.
    fn finish(self) -> Result<(), ModelError> {
        for k in self.map.keys() {
            if !self.used.contains(&k.as_str()) {
                return Err(bad(&self.key(k), "unknown key".into()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_every_optional_key() {
        let c = Config::from_json(
            r#"{"format": "lprank-dcn", "version": 1, "towers": "stacked", "heads": [{"name": "click"}],
                "inputs": {"item_dense": ["age"]}}"#,
        )
        .unwrap();
        assert_eq!(c.name, "");
        assert_eq!(
            c.cross,
            CrossConfig {
                layers: 0,
                rank: 0,
                attention: false,
                temperature: 1.0,
                storage: WeightStorage::F32
            }
        );
        assert_eq!(c.deep, DeepConfig { hidden: vec![], gating: true, storage: WeightStorage::F32 });
        assert_eq!(c.heads, [HeadConfig { name: "click".into(), weight: 1.0 }]);
        assert_eq!(c.calibration, None);
        assert_eq!((c.request_width(), c.x0_width(), c.deep_out(), c.z_width()), (0, 1, 1, 1));
    }

    #[test]
    fn derived_widths_follow_the_format() {
        let c = Config::from_json(
            r#"{"format": "lprank-dcn", "version": 1, "towers": "parallel", "heads": [{"name": "a", "weight": -0.5}],
                "inputs": {"request_dense": ["u"], "request_sparse": [{"name": "seg", "kind": "plain", "rows": 3, "dim": 4}],
                           "item_sparse": [{"name": "id", "kind": "qr", "q_rows": 2, "r_rows": 5, "dim": 8, "storage": "int8"}]},
                "cross": {"layers": 2, "rank": 3}, "deep": {"hidden": [7, 6]}, "calibration": null}"#,
        )
        .unwrap();
        assert_eq!((c.request_width(), c.item_width(), c.x0_width()), (5, 8, 13));
        assert_eq!((c.deep_out(), c.z_width()), (6, 19));
        assert_eq!(c.inputs.item_sparse[0].kind, TableKind::Qr { q_rows: 2, r_rows: 5 });
        assert_eq!(c.heads[0].weight, -0.5);
    }

    #[test]
    fn weight_storage_is_read_per_tower_and_unknown_values_are_rejected() {
        let json = |cross: &str, deep: &str| {
            format!(
                r#"{{"format": "lprank-dcn", "version": 1, "towers": "stacked", "heads": [{{"name": "a"}}],
                    "inputs": {{"item_dense": ["x"]}}, "cross": {{"layers": 1, "rank": 1, "storage": "{cross}"}},
                    "deep": {{"hidden": [2], "storage": "{deep}"}}}}"#
            )
        };
        let c = Config::from_json(&json("int4", "int8")).unwrap();
        assert_eq!((c.cross.storage, c.deep.storage), (WeightStorage::Int4, WeightStorage::Int8));
        assert_eq!((WeightStorage::Int8.max_level(), WeightStorage::Int4.max_level()), (Some(127), Some(7)));
        let e = Config::from_json(&json("f32", "int2")).unwrap_err();
        assert!(e.to_string().contains("deep.storage") && e.to_string().contains("int2"), "{e}");
        let e = Config::from_json(&json("F32", "f32")).unwrap_err();
        assert!(e.to_string().contains("cross.storage"), "{e}");
    }

    #[test]
    fn a_model_without_inputs_is_rejected() {
        let e = Config::from_json(r#"{"format": "lprank-dcn", "version": 1, "towers": "stacked", "heads": [{"name": "a"}], "inputs": {}}"#)
            .unwrap_err();
        assert!(e.to_string().contains("inputs"), "{e}");
    }
}

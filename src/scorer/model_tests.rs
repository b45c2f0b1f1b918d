//! Load-time validation: every kind of [`ModelError`], produced by corrupting a copy of the
//! bundled model (written to a temporary directory and loaded with [`Model::load`]).

use std::path::PathBuf;

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use super::{Model, ModelError};

/// The bundled model as editable parts.
struct Parts {
    config: serde_json::Value,
    tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)>,
}

fn dir() -> PathBuf {
    models().join("feed-dcn")
}

fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ranking-models")
}

fn parts() -> Parts {
    parts_of(&dir())
}

fn parts_of(dir: &std::path::Path) -> Parts {
    let config = serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    let bytes = std::fs::read(dir.join("model.safetensors")).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let tensors = st
        .tensors()
        .into_iter()
        .map(|(name, v)| (name, v.dtype(), v.shape().to_vec(), v.data().to_vec()))
        .collect();
    Parts { config, tensors }
}

impl Parts {
    fn tensor(&mut self, name: &str) -> &mut (String, Dtype, Vec<usize>, Vec<u8>) {
        self.tensors.iter_mut().find(|t| t.0 == name).unwrap_or_else(|| panic!("{name}"))
    }

    fn safetensors(&self) -> Vec<u8> {
        let views: Vec<(String, TensorView<'_>)> = self
            .tensors
            .iter()
            .map(|(n, d, s, b)| (n.clone(), TensorView::new(*d, s.clone(), b).unwrap()))
            .collect();
        safetensors::tensor::serialize(views, &None).unwrap()
    }

    /// Writes the parts to a fresh temporary directory and loads it.
    fn load(&self) -> Result<Model, ModelError> {
        load_files(&serde_json::to_string(&self.config).unwrap(), &self.safetensors())
    }
}

fn load_files(config: &str, weights: &[u8]) -> Result<Model, ModelError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lprank-scorer-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), config).unwrap();
    std::fs::write(dir.join("model.safetensors"), weights).unwrap();
    let result = Model::load(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    result
}

fn config_error(edit: impl FnOnce(&mut serde_json::Value)) -> (String, String) {
    let mut p = parts();
    edit(&mut p.config);
    match p.load() {
        Err(ModelError::Config { key, problem }) => (key, problem),
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn the_unmodified_copy_loads() {
    let m = parts().load().unwrap();
    assert_eq!(m.d, 76);
    assert_eq!(m.heads(), 2);
}

#[test]
fn missing_directory_is_an_io_error_naming_the_file() {
    let err = Model::load("/nonexistent/lprank-model").unwrap_err();
    assert!(matches!(err, ModelError::Io { .. }));
    assert!(err.to_string().contains("config.json"), "{err}");
}

#[test]
fn config_keys_are_checked_and_named() {
    let (key, problem) = config_error(|c| {
        c["extra"] = 1.into();
    });
    assert_eq!((key.as_str(), problem.as_str()), ("extra", "unknown key"));
    let (key, _) = config_error(|c| {
        c["cross"]["temprature"] = 1.0.into();
    });
    assert_eq!(key, "cross.temprature");
    let (key, problem) = config_error(|c| {
        c.as_object_mut().unwrap().remove("towers");
    });
    assert_eq!((key.as_str(), problem.as_str()), ("towers", "is required"));
    let (key, _) = config_error(|c| c["towers"] = "sideways".into());
    assert_eq!(key, "towers");
    let (key, _) = config_error(|c| c["format"] = "other".into());
    assert_eq!(key, "format");
    let (key, _) = config_error(|c| c["version"] = 2.into());
    assert_eq!(key, "version");
    let (key, _) = config_error(|c| c["cross"]["temperature"] = 0.0.into());
    assert_eq!(key, "cross.temperature");
    let (key, _) = config_error(|c| c["cross"]["rank"] = 0.into());
    assert_eq!(key, "cross.rank");
    let (key, _) = config_error(|c| c["deep"]["hidden"][1] = 0.into());
    assert_eq!(key, "deep.hidden[1]");
    let (key, _) = config_error(|c| c["deep"]["activation"] = "tanh".into());
    assert_eq!(key, "deep.activation");
    let (key, _) = config_error(|c| c["heads"][1]["name"] = "click".into());
    assert_eq!(key, "heads[1].name");
    let (key, _) = config_error(|c| c["heads"] = serde_json::json!([]));
    assert_eq!(key, "heads");
    let (key, _) = config_error(|c| c["calibration"]["kind"] = "platt".into());
    assert_eq!(key, "calibration.kind");
    let (key, _) = config_error(|c| c["inputs"]["item_sparse"][3]["kind"] = "hash".into());
    assert_eq!(key, "inputs.item_sparse[3].kind");
    let (key, problem) = config_error(|c| c["inputs"]["item_sparse"][0]["q_rows"] = 3.into());
    assert_eq!((key.as_str(), problem.as_str()), ("inputs.item_sparse[0].q_rows", "unknown key"));
    let (key, _) = config_error(|c| c["inputs"]["item_sparse"][0]["storage"] = "int4".into());
    assert_eq!(key, "inputs.item_sparse[0].storage");
    let (key, _) = config_error(|c| c["inputs"]["item_dense"][0] = "Item Age".into());
    assert_eq!(key, "inputs.item_dense[0]");
    let (key, problem) = config_error(|c| c["inputs"]["item_dense"][0] = "user_activity".into());
    assert!(key == "inputs.item_dense" && problem.contains("duplicate"), "{key}: {problem}");
    let (key, _) = config_error(|c| c["heads"][0]["weight"] = "heavy".into());
    assert_eq!(key, "heads[0].weight");
}

#[test]
fn invalid_json_is_a_syntax_error() {
    let p = parts();
    let err = load_files("{\"format\": ", &p.safetensors()).unwrap_err();
    assert!(matches!(err, ModelError::ConfigSyntax(_)), "{err:?}");
}

#[test]
fn a_missing_tensor_is_named() {
    let mut p = parts();
    p.tensors.retain(|t| t.0 != "cross.1.U");
    match p.load() {
        Err(ModelError::MissingTensor(name)) => assert_eq!(name, "cross.1.U"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_extra_tensor_is_named() {
    let mut p = parts();
    p.tensors.push(("cross.2.V".into(), Dtype::F32, vec![1], vec![0; 4]));
    match p.load() {
        Err(ModelError::UnexpectedTensor(name)) => assert_eq!(name, "cross.2.V"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_mis_shaped_tensor_is_named_with_both_shapes() {
    let mut p = parts();
    let t = p.tensor("deep.0.W");
    // Same element count, transposed shape: only the shape check can catch it.
    t.2 = vec![76, 64];
    match p.load() {
        Err(ModelError::Shape { name, want, got }) => {
            assert_eq!(name, "deep.0.W");
            assert_eq!(want, [64, 76]);
            assert_eq!(got, [76, 64]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_wrong_dtype_is_named() {
    let mut p = parts();
    let t = p.tensor("embeddings.item_id.q_table");
    // The int8 table stored as F32 bytes of the same shape.
    t.1 = Dtype::F32;
    let len = t.2.iter().product::<usize>() * 4;
    t.3 = vec![0; len];
    match p.load() {
        Err(ModelError::Dtype { name, want, got }) => {
            assert_eq!(name, "embeddings.item_id.q_table");
            assert_eq!((want.as_str(), got.as_str()), ("I8", "F32"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn non_finite_weights_are_located() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut p = parts();
        let t = p.tensor("cross.0.Q");
        t.3[4 * 5..4 * 6].copy_from_slice(&bad.to_le_bytes());
        match p.load() {
            Err(ModelError::NonFinite { name, index }) => {
                assert_eq!((name.as_str(), index), ("cross.0.Q", 5))
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn negative_int8_scales_are_rejected() {
    let mut p = parts();
    let t = p.tensor("embeddings.creator_id.r_table.scale");
    t.3[4 * 2..4 * 3].copy_from_slice(&(-0.5f32).to_le_bytes());
    match p.load() {
        Err(ModelError::NegativeScale { name, index, .. }) => {
            assert_eq!((name.as_str(), index), ("embeddings.creator_id.r_table.scale", 2))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_or_garbled_files_are_container_errors() {
    let bytes = parts().safetensors();
    let config = std::fs::read_to_string(dir().join("config.json")).unwrap();
    for cut in [0, 7, 100, bytes.len() / 2, bytes.len() - 1] {
        let err = load_files(&config, &bytes[..cut]).unwrap_err();
        assert!(matches!(err, ModelError::Container(_)), "cut at {cut}: {err:?}");
    }
    let mut garbled = bytes.clone();
    garbled[8] = b'[';
    assert!(matches!(load_files(&config, &garbled), Err(ModelError::Container(_))));
}

#[test]
fn inconsistent_calibration_is_rejected() {
    let mut p = parts();
    let t = p.tensor("calibration.boundaries");
    // Make t_3 equal to t_2: no longer strictly increasing.
    let t2: [u8; 4] = t.3[8..12].try_into().unwrap();
    t.3[12..16].copy_from_slice(&t2);
    assert!(matches!(p.load(), Err(ModelError::Calibration(_))));

    let mut p = parts();
    let t = p.tensor("calibration.prefix");
    let v = f32::from_le_bytes(t.3[40..44].try_into().unwrap()) + 0.5;
    t.3[40..44].copy_from_slice(&v.to_le_bytes());
    match p.load() {
        Err(ModelError::Calibration(msg)) => assert!(msg.contains("prefix"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

/// The Linear maps of a model whose int8 copy the int8 path uses, by name.
fn int8_matrices(m: &Model) -> Vec<(String, &crate::scorer::linear::Linear)> {
    let mut out = Vec::new();
    for (l, layer) in m.cross.layers.iter().enumerate() {
        out.push((format!("cross.{l}.proj"), &layer.proj));
        out.push((format!("cross.{l}.U"), &layer.u));
    }
    for (l, layer) in m.deep.layers.iter().enumerate() {
        out.push((format!("deep.{l}.W"), &layer.w));
        if let Some(g) = &layer.gate {
            out.push((format!("deep.{l}.gate_W"), g));
        }
    }
    for (what, lin) in
        [("cross first_item", &m.cross.first_item), ("cross first_request", &m.cross.first_request)]
    {
        if let Some(lin) = lin {
            out.push((what.to_string(), lin));
        }
    }
    out
}

#[test]
fn stored_levels_reach_the_int8_path_unrounded() {
    // int4: every level of every int8 copy (split halves included) stays in [−7, 7] and
    // ŵ = scale · q holds exactly; re-rounding ŵ by RTN (Linear::new's own copy) would
    // spread the levels over [−127, 127].
    for (name, max) in [("feed-dcn-int4", 7i8), ("feed-dcn-int8", 127)] {
        let m = Model::load(models().join(name)).unwrap();
        let mats = int8_matrices(&m);
        assert!(mats.len() >= 8, "{name}");
        for (what, lin) in mats {
            let k = lin.wq.k_pad;
            let top = lin.wq.q.iter().map(|v| v.unsigned_abs()).max().unwrap();
            assert!(top as i8 <= max, "{name} {what}: level {top} beyond {max}");
            for o in 0..lin.out {
                for j in 0..lin.inp {
                    let want = lin.wq.scale[o] * f32::from(lin.wq.q[o * k + j]);
                    assert_eq!(lin.w[o * lin.inp + j], want, "{name} {what} [{o}, {j}]");
                }
            }
        }
    }
    // And the int4 levels use the grid, not only its centre.
    let m = Model::load(models().join("feed-dcn-int4")).unwrap();
    assert!(m.deep.layers[0].w.wq.q.iter().any(|&v| v == 7 || v == -7));
}

#[test]
fn stored_weight_tensors_are_validated() {
    for (name, dtype) in [("feed-dcn-int8", Dtype::I8), ("feed-dcn-int4", Dtype::U8)] {
        let bad_level = if dtype == Dtype::I8 { 0x80u8 } else { 0x08 }; // −128 / low nibble −8
        let mut p = parts_of(&models().join(name));
        p.tensor("deep.1.W").3[3 * 64 / if dtype == Dtype::I8 { 1 } else { 2 }] = bad_level; // [32, 64]
        match p.load() {
            Err(e @ ModelError::LevelOutOfRange { .. }) => {
                let ModelError::LevelOutOfRange { name: t, row, col, value, max } = &e else {
                    unreachable!()
                };
                assert_eq!((t.as_str(), *row, *col), ("deep.1.W", 3, 0), "{name}");
                assert_eq!((*value, *max), if dtype == Dtype::I8 { (-128, 127) } else { (-8, 7) });
                assert!(e.to_string().contains("deep.1.W"), "{e}");
            }
            other => panic!("{name}: {other:?}"),
        }
        // The high nibble of an int4 byte is column 2k+1.
        if dtype == Dtype::U8 {
            let mut p = parts_of(&models().join(name));
            p.tensor("cross.0.U").3[5 * 8 + 2] = 0x80;
            match p.load() {
                Err(ModelError::LevelOutOfRange { row, col, .. }) => assert_eq!((row, col), (5, 5)),
                other => panic!("{other:?}"),
            }
        }
        let mut p = parts_of(&models().join(name));
        p.tensor("cross.1.V.scale").3[4 * 2..4 * 3].copy_from_slice(&(-1.0f32).to_le_bytes());
        match p.load() {
            Err(ModelError::NegativeScale { name: t, index, .. }) => {
                assert_eq!((t.as_str(), index), ("cross.1.V.scale", 2))
            }
            other => panic!("{name}: {other:?}"),
        }
        let mut p = parts_of(&models().join(name));
        p.tensor("deep.0.gate_W.scale").3[..4].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(matches!(p.load(), Err(ModelError::NonFinite { .. })), "{name}");
        let mut p = parts_of(&models().join(name));
        let t = p.tensor("deep.0.W.scale");
        t.2 = vec![63];
        t.3.truncate(63 * 4);
        match p.load() {
            Err(ModelError::Shape { name: t, want, .. }) => {
                assert_eq!((t.as_str(), want), ("deep.0.W.scale", vec![64]))
            }
            other => panic!("{name}: {other:?}"),
        }
        // F32 where the config says int8/int4, and the other integer dtype.
        let mut p = parts_of(&models().join(name));
        let t = p.tensor("cross.0.K");
        t.1 = if dtype == Dtype::I8 { Dtype::U8 } else { Dtype::I8 };
        match p.load() {
            Err(ModelError::Dtype { name: t, .. }) => assert_eq!(t, "cross.0.K"),
            other => panic!("{name}: {other:?}"),
        }
        let mut p = parts_of(&models().join(name));
        p.tensor("cross.0.V.scale").0 = "cross.0.V.scales".into();
        assert!(matches!(p.load(), Err(ModelError::UnexpectedTensor(_))), "{name}");
        // The int4 shape is the packed one.
        if dtype == Dtype::U8 {
            let mut p = parts_of(&models().join(name));
            let t = p.tensor("deep.1.W");
            t.2 = vec![32, 64];
            t.3 = vec![0; 32 * 64];
            match p.load() {
                Err(ModelError::Shape { want, .. }) => assert_eq!(want, [32, 32]),
                other => panic!("{other:?}"),
            }
        }
    }
}

/// A three-input model with one int4 cross layer of rank 1 and no deep tower: the odd width
/// exercises the pad nibble, and the output is small enough to compute by hand.
fn tiny_int4(v: &[u8], u: &[u8]) -> Result<Model, ModelError> {
    let config = r#"{"format": "lprank-dcn", "version": 1, "towers": "stacked", "heads": [{"name": "a"}],
        "inputs": {"item_dense": ["x", "y", "z"]}, "cross": {"layers": 1, "rank": 1, "storage": "int4"}}"#;
    let f32s = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let tensors: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)> = vec![
        ("cross.0.V", Dtype::U8, vec![1, 2], v.to_vec()),
        ("cross.0.V.scale", Dtype::F32, vec![1], f32s(&[0.5])),
        ("cross.0.U", Dtype::U8, vec![3, 1], u.to_vec()),
        ("cross.0.U.scale", Dtype::F32, vec![3], f32s(&[1.0, 0.25, 0.0])),
        ("cross.0.b", Dtype::F32, vec![3], f32s(&[0.0, 0.0, 1.0])),
        ("heads.0.W", Dtype::F32, vec![1, 3], f32s(&[1.0, 1.0, 1.0])),
        ("heads.0.b", Dtype::F32, vec![1], f32s(&[0.0])),
    ];
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(n, d, s, b)| (n.to_string(), TensorView::new(*d, s.clone(), b).unwrap()))
        .collect();
    load_files(config, &safetensors::tensor::serialize(views, &None).unwrap())
}

#[test]
fn odd_width_int4_rows_decode_by_hand() {
    // V levels [1, −1, −7] → bytes 0xF1 (1 low, −1 high), 0x09 (−7 low, pad 0);
    // U levels [2], [−3], [7] (one column each: low nibble only).
    let m = tiny_int4(&[0xF1, 0x09], &[0x02, 0x0D, 0x07]).unwrap();
    // x = (1, 2, 3): v = 0.5·(1·1 − 1·2 − 7·3) = −11; U h = (2·−11, 0.25·−3·−11, 0) = (−22, 8.25, 0);
    // x1 = x ⊙ (U h + b) + x = (1·−22 + 1, 2·8.25 + 2, 3·1 + 3) = (−21, 18.5, 6); logit = 3.5.
    for settings in [crate::scorer::ScorerSettings::f32(), crate::scorer::ScorerSettings::int8()] {
        let mut ws = crate::scorer::ScorerWorkspace::new(settings).unwrap();
        let request = crate::scorer::Request {
            request_dense: &[],
            request_ids: &[],
            item_dense: &[1.0, 2.0, 3.0],
            item_ids: &[],
        };
        let mut out = [0f32; 1];
        m.score(&mut ws, &request, crate::scorer::Output::Logit, &mut out).unwrap();
        let tol = if settings.precision == crate::scorer::Precision::F32 { 1e-5 } else { 0.05 };
        assert!((out[0] - 3.5).abs() < tol, "{:?}: {}", settings.precision, out[0]);
    }
    match tiny_int4(&[0xF1, 0x19], &[0x02, 0x0D, 0x07]) {
        Err(e @ ModelError::NonZeroPad { .. }) => {
            assert!(e.to_string().contains("cross.0.V") && e.to_string().contains("row 0"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    match tiny_int4(&[0xF1, 0x09], &[0x02, 0x08, 0x07]) {
        Err(ModelError::LevelOutOfRange { name, row, col, value, max }) => {
            assert_eq!((name.as_str(), row, col, value, max), ("cross.0.U", 1, 0, -8, 7))
        }
        other => panic!("{other:?}"),
    }
}

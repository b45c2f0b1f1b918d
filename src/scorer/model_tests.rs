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
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ranking-models/feed-dcn")
}

fn parts() -> Parts {
    let config = serde_json::from_str(&std::fs::read_to_string(dir().join("config.json")).unwrap()).unwrap();
    let bytes = std::fs::read(dir().join("model.safetensors")).unwrap();
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

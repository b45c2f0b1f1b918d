//! `lprank score`: a golden request through the CLI reproduces the golden outputs, and bad
//! requests exit with code 2 and a message naming the field.

mod scorer_common;

use std::process::Command;

use scorer_common::{max_rel_err, models_dir, Golden};
use serde_json::{json, Value};

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lprank")).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn write_request(name: &str, v: &Value) -> String {
    let path = std::env::temp_dir().join(format!("lprank-score-{}-{name}.json", std::process::id()));
    std::fs::write(&path, v.to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

fn golden_request(g: &Golden, r: usize) -> Value {
    let req = g.request(r);
    let di = req.item_dense.len() / g.n;
    let si = req.item_ids.len() / g.n;
    json!({
        "request_dense": req.request_dense,
        "request_ids": req.request_ids,
        "item_dense": (0..g.n).map(|c| req.item_dense[c * di..(c + 1) * di].to_vec()).collect::<Vec<_>>(),
        "item_ids": (0..g.n).map(|c| req.item_ids[c * si..(c + 1) * si].to_vec()).collect::<Vec<_>>(),
    })
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

#[test]
fn scores_a_golden_request_in_f32_and_int8() {
    for model in ["feed-dcn", "variants/item-only"] {
        let dir = models_dir().join(model);
        let g = Golden::read(&dir.join("golden.safetensors"));
        let path = write_request(&model.replace('/', "_"), &golden_request(&g, 1));
        let dir = dir.to_string_lossy().into_owned();
        for flags in [&[][..], &["--int8"][..], &["--int8", "--portable"][..]] {
            let mut args = vec!["score", dir.as_str(), path.as_str()];
            args.extend_from_slice(flags);
            let (code, stdout, stderr) = run(&args);
            assert_eq!(code, 0, "{model} {flags:?}: {stderr}");
            let out: Value = serde_json::from_str(&stdout).unwrap();
            let want = &g.probability.data[g.n..2 * g.n];
            let tol = if flags.is_empty() { 1e-5 } else { 0.05 };
            assert!(max_rel_err(&floats(&out["probability"]), want) <= tol, "{model} {flags:?}");
            assert!(max_rel_err(&floats(&out["logit"]), &g.logit.data[g.n..2 * g.n]) <= tol * 10.0);
            assert_eq!(out["precision"], if flags.is_empty() { "f32" } else { "int8" });
            if flags.len() == 2 {
                assert_eq!(out["kernels"], "portable");
            }
            assert_eq!(out["head_logits"].as_object().unwrap().len(), g.head_logits.shape[2]);
        }
    }
}

#[test]
fn bad_requests_exit_2_naming_the_field() {
    let dir = models_dir().join("feed-dcn");
    let g = Golden::read(&dir.join("golden.safetensors"));
    let dir = dir.to_string_lossy().into_owned();
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut r = golden_request(&g, 0);
                r["request_ids"][0] = json!(8);
                r
            },
            "user_segment",
        ),
        (
            {
                let mut r = golden_request(&g, 0);
                r["item_ids"][3][0] = json!(99);
                r
            },
            "candidate 3",
        ),
        (
            {
                let mut r = golden_request(&g, 0);
                r["item_dense"][2] = json!([1.0]);
                r
            },
            "item_dense[2]",
        ),
        (
            {
                let mut r = golden_request(&g, 0);
                r["request_dense"] = json!([1.0]);
                r
            },
            "request_dense",
        ),
        (
            {
                let mut r = golden_request(&g, 0);
                r["item_ids"][0][4] = json!(-1);
                r
            },
            "item_ids[0][4]",
        ),
        (
            {
                let mut r = golden_request(&g, 0);
                r["extra"] = json!(1);
                r
            },
            "extra",
        ),
    ];
    for (i, (req, needle)) in cases.iter().enumerate() {
        let path = write_request(&format!("bad{i}"), req);
        let (code, _, stderr) = run(&["score", &dir, &path]);
        assert_eq!(code, 2, "case {i}: {stderr}");
        assert!(stderr.contains(needle), "case {i}: {stderr:?} should name {needle:?}");
    }
    let (code, _, _) = run(&["score", "/nonexistent/model", "x.json"]);
    assert_eq!(code, 1);
    let (code, _, _) = run(&["score", &dir]);
    assert_eq!(code, 2);
}

/// `lprank demo` scores in f32 unless asked for int8 (f32 is the reference and, on the
/// bundled model, the faster of the two), and says which it used.
#[test]
fn demo_scores_in_f32_unless_asked() {
    let model = models_dir().join("feed-dcn").to_string_lossy().into_owned();
    for (flags, want) in [(&[][..], "(f32)"), (&["--precision", "int8"][..], "(int8)")] {
        let mut args =
            vec!["demo", "--candidates", "200", "--slots", "10", "--repeat", "1", "--model", &model];
        args.extend_from_slice(flags);
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 0, "{flags:?}: {stderr}");
        assert!(stdout.contains(want), "{flags:?}: {stdout}");
    }
    let (code, _, stderr) = run(&["demo", "--precision", "f16"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--precision"), "{stderr}");
}

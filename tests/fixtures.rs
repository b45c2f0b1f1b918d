//! Every public fixture goes through `lprank solve` and must match expected.json (status;
//! objective within 1e-7 relative). tests/fixtures/ is the one source of the fixtures; their
//! JSON format is documented in docs/design.md §3.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use lprank::json::ProblemData;
use serde_json::Value;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn run_solve(path: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lprank")).arg("solve").arg(path).args(extra).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.file_name().unwrap() != "expected.json")
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_matches_expected() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_dir().join("expected.json")).unwrap()).unwrap();
    let files = fixtures();
    // The twelve fixtures README.md lists: an emptied directory must not pass.
    assert!(files.len() >= 12, "{} fixtures in tests/fixtures, expected at least 12", files.len());
    assert_eq!(files.len(), expected.as_object().unwrap().len(), "one expectation per fixture");
    for path in files {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let want = &expected[stem];
        assert!(want.is_object(), "{stem}: no entry in expected.json");
        let data = ProblemData::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
        // expected.json itself against the oracle: HiGHS on the explicit LP.
        match common::highs_objective(&data).unwrap() {
            Some(objective) => {
                let want =
                    want["objective"].as_f64().unwrap_or_else(|| panic!("{stem}: HiGHS finds it feasible"));
                assert!(
                    (want - objective).abs() <= 1e-7 * objective.abs().max(1e-12),
                    "{stem}: expected.json says {want}, HiGHS {objective}"
                );
            }
            None => assert_eq!(want["status"], "infeasible", "{stem}: HiGHS finds it infeasible"),
        }
        let (code, stdout, stderr) = run_solve(&path, &["--repeat", "3"]);
        assert_eq!(code, 0, "{stem}: exit {code}, stderr {stderr}");
        let got: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(got["status"], want["status"], "{stem}");
        match want["objective"].as_f64() {
            Some(objective) => {
                let ours = got["objective"].as_f64().unwrap();
                assert!(
                    (ours - objective).abs() <= 1e-7 * objective.abs().max(1e-12),
                    "{stem}: {ours} vs {objective}"
                );
                assert!(got["lottery"].as_array().is_some_and(|l| !l.is_empty()), "{stem}: no lottery");
            }
            None => {
                assert!(got["objective"].is_null(), "{stem}");
                assert!(got["infeasibility_ray"].is_array(), "{stem}: infeasible without a ray");
            }
        }
        let times = &got["stats"]["solve_ns"];
        let (min, p50, p99) =
            (times["min"].as_u64().unwrap(), times["p50"].as_u64().unwrap(), times["p99"].as_u64().unwrap());
        assert!(min > 0 && min <= p50 && p50 <= p99, "{stem}: solve_ns {times}");
        // The same answer through the library, checked from the lottery alone.
        let rules = data.rules();
        let mut solver = lprank::Solver::default();
        common::check_solution(&data, solver.solve(&data.problem(&rules)).unwrap());
    }
}

#[test]
fn invalid_input_exits_2_with_one_line_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("lprank-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (r#"{"scores": [1, 2], "slots": 0}"#, "slots"),
        (r#"{"scores": [], "slots": 2}"#, "scores"),
        (
            r#"{"scores": [1, 2], "slots": 1, "constraints": [{"items": [5], "max": 1}]}"#,
            "constraints[0].items[0]",
        ),
        (
            r#"{"scores": [1, 2], "slots": 1, "constraints": [{"items": [0], "top": 0, "max": 1}]}"#,
            "constraints[0].top",
        ),
        (
            r#"{"scores": [1, 2], "slots": 1, "constraints": [{"items": [0], "min": 2, "max": 1}]}"#,
            "constraints[0].min",
        ),
        (r#"{"scores": [1, 2], "position_weights": [0.5, 1]}"#, "position_weights[1]"),
        (
            r#"{"scores": [1, 2], "slots": 1, "constraints": [{"items": [0], "max": 1, "penalty": -1}]}"#,
            "constraints[0].penalty",
        ),
        ("{not json", "$"),
    ];
    for (k, (text, field)) in cases.iter().enumerate() {
        let path = dir.join(format!("bad{k}.json"));
        std::fs::write(&path, text).unwrap();
        let (code, stdout, stderr) = run_solve(&path, &[]);
        assert_eq!(code, 2, "{text}: exit {code}");
        assert!(stdout.is_empty(), "{text}: printed {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{text}: stderr {stderr:?}");
        assert!(stderr.starts_with(&format!("error: {field}")), "{text}: {stderr:?} should name {field}");
    }
    let (code, _, stderr) = run_solve(&dir.join("missing.json"), &[]);
    assert_eq!(code, 1, "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

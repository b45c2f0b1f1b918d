//! The C ABI exercised from outside Rust: a C program under AddressSanitizer (and once
//! more under Valgrind) and the C++ wrapper under AddressSanitizer. Each solves the same
//! problems as the Rust API here and must print the same numbers; the C program also walks
//! every error status and the panic boundary. The Java binding's tests are JUnit 5 tests
//! that `mvn verify` runs in bindings/java (with -Xcheck:jni); only the README's Java
//! example is compiled and run here.
//!
//! Needs gcc, g++, valgrind and a JDK 17 (`.ci/run` installs what is missing). The
//! library is built once with the `test-hooks` feature into `target/ffi`.

mod common;
#[path = "scorer_common/mod.rs"]
mod scorer_common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use lprank::json::{MembersData, ProblemData};
use lprank::scorer::{Model, Output, Precision, ScorerSettings, ScorerWorkspace};
use lprank::synthetic::{random_mixed, RuleMix};
use lprank::{SlotProfile, Solver};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir() -> PathBuf {
    let dir = root().join("target/ffi/tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command) -> String {
    run_with_stderr(cmd).0
}

/// Runs `cmd` against the test-hooks library, requires success, returns stdout and stderr.
fn run_with_stderr(cmd: &mut Command) -> (String, String) {
    // cargo's LD_LIBRARY_PATH points at target/release, whose liblprank lacks the test
    // hooks: load the one built for these tests.
    if let Some(dir) = LIB_DIR.get() {
        cmd.env("LD_LIBRARY_PATH", dir);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{cmd:?} failed ({}):\n{stdout}\n{stderr}", out.status);
    (stdout, stderr)
}

/// Builds liblprank with the test hooks (once per test run) and returns its directory.
static LIB_DIR: OnceLock<PathBuf> = OnceLock::new();

fn library_dir() -> &'static Path {
    LIB_DIR.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        run(Command::new(cargo).current_dir(root()).args([
            "build",
            "--release",
            "--lib",
            "--features",
            "test-hooks",
            "--target-dir",
            "target/ffi",
        ]));
        root().join("target/ffi/release")
    })
}

/// Compiles C (`cc` = gcc) or C++ (`g++`) sources against liblprank.
fn compile(compiler: &str, sources: &[PathBuf], output: &str, flags: &[&str]) -> PathBuf {
    let lib = library_dir();
    let exe = work_dir().join(output);
    let mut cmd = Command::new(compiler);
    cmd.args(flags)
        .arg("-g")
        .arg("-DLPRANK_TEST_HOOKS")
        .arg(format!("-I{}", root().join("include").display()))
        .arg(format!("-I{}", root().join("bindings/cpp").display()))
        .args(sources)
        .arg(format!("-L{}", lib.display()))
        .arg("-llprank")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-lm")
        .arg("-o")
        .arg(&exe);
    run(&mut cmd);
    exe
}

/// Writes `data` in the plain-number format the C and C++ programs read.
fn write_problem(data: &ProblemData, name: &str) -> PathBuf {
    let n = data.scores.len();
    let mut text = format!("{} {} {}\n", n, data.slots.unwrap_or(0), data.rules.len());
    let num = |x: f64| format!("{x:e}");
    text += &data.scores.iter().map(|&s| num(s)).collect::<Vec<_>>().join(" ");
    let weights = data.position_weights.as_deref().unwrap_or(&[]);
    text +=
        &format!("\n{} {}\n", weights.len(), weights.iter().map(|&w| num(w)).collect::<Vec<_>>().join(" "));
    for r in &data.rules {
        let (profile, top) = match r.profile {
            SlotProfile::WholeSlate => (0, 0),
            SlotProfile::Top(d) => (1, d),
            SlotProfile::Exposure => (2, 0),
        };
        let flag = |v: Option<f64>| format!("{} {}", u8::from(v.is_some()), num(v.unwrap_or(0.0)));
        text += &format!("{profile} {top} {} {} {} ", flag(r.max), flag(r.min), flag(r.penalty));
        match &r.members {
            MembersData::Items(items) => {
                text += &format!(
                    "0 {} {}\n",
                    items.len(),
                    items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(" ")
                )
            }
            MembersData::Coefficients(c) => {
                text +=
                    &format!("1 {} {}\n", c.len(), c.iter().map(|&x| num(x)).collect::<Vec<_>>().join(" "))
            }
        }
    }
    let path = work_dir().join(format!("{name}.txt"));
    std::fs::write(&path, text).unwrap();
    path
}

/// What the Rust API prints for `data`, in the programs' output format. The Rust answer
/// is first verified by the independent checker (lottery, rule values, certificate or
/// infeasibility ray), so that a wrong Rust answer cannot make every binding agree with it.
fn expected_output(data: &ProblemData) -> String {
    let rules = data.rules();
    let mut solver = Solver::default();
    let s = solver.solve(&data.problem(&rules)).unwrap();
    common::check_solution(data, s);
    let mut out = format!(
        "status {}\nobjective {}\nbound {}\nlottery {}\n",
        s.status() as u32,
        fmt17(s.objective()),
        fmt17(s.bound()),
        s.lottery_len()
    );
    for r in s.lottery() {
        out += &format!("ranking {}", fmt17(r.probability));
        for i in r.items {
            out += &format!(" {i}");
        }
        out += "\n";
    }
    for o in s.rules() {
        out += &format!("rule {} {} {}\n", fmt17(o.value), fmt17(o.dual), fmt17(o.violation));
    }
    out
}

/// Parses C's `%.17g` back so that both sides compare as numbers.
fn fmt17(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else {
        format!("{x:e}")
    }
}

/// Normalises output for comparison: every number (index or not) re-read as f64 and
/// printed like `fmt17`, so C's `%.17g` and Rust's formatting compare as values.
fn normalise(text: &str) -> String {
    text.lines()
        .map(|line| {
            line.split(' ')
                .map(|w| w.parse::<f64>().map_or_else(|_| w.to_string(), fmt17))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn problems() -> Vec<(String, ProblemData)> {
    let mut out = Vec::new();
    let dir = root().join("tests/fixtures");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "json") && name != "expected" {
            out.push((name, ProblemData::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap()));
        }
    }
    out.push(("random_mixed_300x20".into(), random_mixed(300, 20, 6, RuleMix::Mixed, 5)));
    out
}

/// A command running `exe`, under `wrapper` (e.g. [`VALGRIND`]) when it is not empty.
fn program(exe: &Path, wrapper: &[&str]) -> Command {
    match wrapper.split_first() {
        Some((tool, args)) => {
            let mut cmd = Command::new(tool);
            cmd.args(args).arg(exe);
            cmd
        }
        None => Command::new(exe),
    }
}

fn check_program(exe: &Path, wrapper: &[&str]) {
    for (name, data) in problems() {
        let file = write_problem(&data, &name);
        let mut cmd = program(exe, wrapper);
        let got = run(cmd.arg("solve").arg(&file));
        assert_eq!(
            normalise(&got),
            normalise(&expected_output(&data)),
            "{name}: {} differs from Rust",
            exe.display()
        );
    }
}

/// How many checks each program's `errors` mode runs (counted when the checks were last
/// changed). A program must report at least this many, so that one that skips checks (or
/// runs none) fails; raise the number when adding checks.
const C_SOLVER_CHECKS: usize = 53;
const C_SCORER_CHECKS: usize = 65;
const C_RANKER_CHECKS: usize = 80;
const CPP_SOLVER_CHECKS: usize = 15;
const CPP_SCORER_CHECKS: usize = 27;
const CPP_RANKER_CHECKS: usize = 19;

/// Reads the final line every check harness prints (tests/c/check.h, tests/cpp/check.hpp),
/// `checks <run> failed <failed>`, and requires no failure and at least `min` checks run.
fn assert_checks(out: &str, what: &str, min: usize) {
    let last = out.lines().last().unwrap_or_default();
    let counts = match last.split(' ').collect::<Vec<_>>()[..] {
        ["checks", run, "failed", failed] => run.parse::<usize>().ok().zip(failed.parse::<usize>().ok()),
        _ => None,
    };
    let Some((run, failed)) = counts else {
        panic!("{what}: the last line should be \"checks <run> failed <failed>\", got {last:?}\n{out}")
    };
    assert_eq!(failed, 0, "{what}: {failed} of {run} checks failed\n{out}");
    assert!(run >= min, "{what}: ran {run} checks, fewer than the {min} it is known to run\n{out}");
    eprintln!("{what}: {run} checks passed (at least {min} required)");
}

/// Valgrind failing the run on any error and on definite or indirect leaks.
const VALGRIND: [&str; 5] = [
    "valgrind",
    "--quiet",
    "--error-exitcode=99",
    "--leak-check=full",
    "--errors-for-leak-kinds=definite,indirect",
];

/// Warnings are errors, and AddressSanitizer plus UBSan stop at the first finding.
const STRICT_SANITIZED: &[&str] =
    &["-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"];

#[test]
fn c_program_under_address_sanitizer() {
    let exe = compile(
        "gcc",
        &[root().join("tests/c/test_solver.c")],
        "test_solver_asan",
        &[&["-std=c11"], STRICT_SANITIZED].concat(),
    );
    assert_checks(&run(Command::new(&exe).arg("errors")), "C solver (ASan)", C_SOLVER_CHECKS);
    assert_eq!(run(Command::new(&exe).arg("panic")), "ok panic\n");
    check_program(&exe, &[]);
}

#[test]
fn c_program_under_valgrind() {
    let exe =
        compile("gcc", &[root().join("tests/c/test_solver.c")], "test_solver_plain", &["-std=c11", "-O1"]);
    assert_checks(&run(program(&exe, &VALGRIND).arg("errors")), "C solver (Valgrind)", C_SOLVER_CHECKS);
    assert_eq!(run(program(&exe, &VALGRIND).arg("panic")), "ok panic\n");
    let (name, data) = problems().pop().unwrap();
    let file = write_problem(&data, &format!("{name}_valgrind"));
    let got = run(program(&exe, &VALGRIND).arg("solve").arg(&file));
    assert_eq!(normalise(&got), normalise(&expected_output(&data)));
}

#[test]
fn cpp_wrapper_under_address_sanitizer() {
    let exe = compile(
        "g++",
        &[root().join("tests/cpp/test_solver.cpp")],
        "test_solver_cpp",
        &[&["-std=c++17"], STRICT_SANITIZED].concat(),
    );
    assert_checks(&run(Command::new(&exe).arg("errors")), "C++ solver", CPP_SOLVER_CHECKS);
    check_program(&exe, &[]);
}

/// `JAVA_HOME` from the environment, or from where `javac` on the PATH really lives.
fn java_home() -> PathBuf {
    if let Some(home) = std::env::var_os("JAVA_HOME") {
        return PathBuf::from(home);
    }
    let javac = run(Command::new("sh").args(["-c", "readlink -f \"$(command -v javac)\""]));
    let javac = PathBuf::from(javac.trim());
    javac.parent().and_then(Path::parent).expect("javac lives in JAVA_HOME/bin").to_path_buf()
}

/// Compiles the JNI shim against the test build of liblprank.
fn build_jni_shim(home: &Path, output: &Path) {
    let lib = library_dir();
    run(Command::new("gcc")
        .args(["-std=c11", "-shared", "-fPIC", "-Wall", "-Wextra", "-Werror", "-O2"])
        .arg(format!("-I{}", home.join("include").display()))
        .arg(format!("-I{}", home.join("include/linux").display()))
        .arg(format!("-I{}", root().join("include").display()))
        .arg(root().join("bindings/java/jni/lprank_jni.c"))
        .arg(format!("-L{}", lib.display()))
        .arg("-llprank")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-o")
        .arg(output));
}

/// The README's examples compile and run (so they cannot rot).
#[test]
fn examples_run() {
    let c =
        compile("gcc", &[root().join("examples/c/rank.c")], "example_c", &["-std=c11", "-Wall", "-Werror"]);
    let cpp = compile(
        "g++",
        &[root().join("examples/cpp/rank.cpp")],
        "example_cpp",
        &["-std=c++17", "-Wall", "-Werror"],
    );
    // From the repository root, where the default model path ranking-models/feed-dcn points.
    let scored = |out: &str| {
        out.contains("click probabilities: 0.") && out.contains("status 0") && out.contains("slate:")
    };
    for exe in [c, cpp] {
        let out = run(Command::new(&exe).current_dir(root()));
        assert!(scored(&out), "{}: {out}", exe.display());
        // The model directory as an argument, and a bad one failing cleanly.
        let out = run(Command::new(&exe).current_dir(work_dir()).arg(feed_dcn()));
        assert!(scored(&out), "{} MODEL_DIR: {out}", exe.display());
        let bad =
            Command::new(&exe).env("LD_LIBRARY_PATH", library_dir()).arg("/nonexistent").output().unwrap();
        assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("config.json"));
    }
    let home = java_home();
    let dir = work_dir().join("java-example");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(root().join("bindings/java/src/dev/lprank"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    sources.push(root().join("examples/java/Rank.java"));
    run(Command::new(home.join("bin/javac"))
        .args(["--release", "17", "-d"])
        .arg(dir.join("classes"))
        .args(&sources));
    let shim_dir = dir.join("native");
    std::fs::create_dir_all(&shim_dir).unwrap();
    build_jni_shim(&home, &shim_dir.join("liblprank_jni.so"));
    let out = run(Command::new(home.join("bin/java"))
        .current_dir(root())
        .arg(format!("-Djava.library.path={}", shim_dir.display()))
        .arg("-cp")
        .arg(dir.join("classes"))
        .arg("Rank"));
    assert!(scored(&out), "Java example: {out}");
}

// ---- The scorer's C ABI -------------------------------------------------------------

/// The bundled model every binding test scores with.
fn feed_dcn() -> PathBuf {
    root().join("ranking-models/feed-dcn")
}

/// Writes the golden requests of feed-dcn in the plain-number format of tests/c/test_scorer.c
/// and returns the file with the lines the programs must print for `precision`: per request
/// and output, the Rust API's scores, then the head logits of the last call.
fn write_golden_requests(name: &str, precision: Precision) -> (PathBuf, String) {
    let golden = scorer_common::Golden::read(&feed_dcn().join("golden.safetensors"));
    let model = Model::load(feed_dcn()).unwrap();
    let mut ws = ScorerWorkspace::new(ScorerSettings { precision, ..ScorerSettings::default() }).unwrap();
    let (dr, sr) = (golden.request_dense.shape[1], golden.request_ids.shape[1]);
    let (di, si) = (golden.item_dense.shape[2], golden.item_ids.shape[2]);
    let join = |v: &mut dyn Iterator<Item = String>| v.collect::<Vec<_>>().join(" ");
    let mut text = format!("{} {} {dr} {sr} {di} {si}\n", golden.requests, golden.n);
    let mut expected = String::new();
    for r in 0..golden.requests {
        let request = golden.request(r);
        // `{}` prints the shortest decimal that reads back as the same f32.
        text += &join(&mut request.request_dense.iter().map(|x| format!("{x}")));
        text += "\n";
        text += &join(&mut request.request_ids.iter().map(|x| x.to_string()));
        text += "\n";
        text += &join(&mut request.item_dense.iter().map(|x| format!("{x}")));
        text += "\n";
        text += &join(&mut request.item_ids.iter().map(|x| x.to_string()));
        text += "\n";
        for (o, output) in
            [Output::Logit, Output::CalibratedLogit, Output::Probability].into_iter().enumerate()
        {
            let mut scores = vec![0f32; golden.n];
            model.score(&mut ws, &request, output, &mut scores).unwrap();
            if precision == Precision::F32 && output == Output::Probability {
                // The oracle itself against the JAX reference, so that a wrong Rust answer
                // cannot make every binding agree with it.
                let want = &golden.probability.data[r * golden.n..(r + 1) * golden.n];
                for (g, w) in scores.iter().zip(want) {
                    assert!((g - w).abs() <= 1e-5 * w.abs().max(1.0), "Rust scorer {g} vs golden {w}");
                }
            }
            expected += &format!("scores {r} {o} {}\n", join(&mut scores.iter().map(|x| format!("{x}"))));
        }
        // The head logits of the last call (n × heads), as lprank_scorer_head_logits copies them.
        expected += &format!("heads {r} 0 {}\n", join(&mut ws.head_logits().iter().map(|x| format!("{x}"))));
    }
    let path = work_dir().join(format!("{name}.txt"));
    std::fs::write(&path, text).unwrap();
    (path, expected)
}

/// Compares a program's score lines with the Rust API's: the same requests, outputs and
/// settings through the same library must give bit-identical floats.
fn assert_same_scores(got: &str, want: &str, what: &str) {
    let parse = |text: &str| -> Vec<Vec<String>> {
        text.lines()
            .map(|l| {
                l.split_whitespace()
                    .enumerate()
                    .map(|(k, w)| {
                        if k < 3 {
                            w.to_string()
                        } else {
                            let x: f32 = w.parse().unwrap_or_else(|_| panic!("{what}: not a number: {w}"));
                            format!("{:08x}", x.to_bits())
                        }
                    })
                    .collect()
            })
            .collect()
    };
    let (g, w) = (parse(got), parse(want));
    assert_eq!(g.len(), w.len(), "{what}: {} score lines, want {}:\n{got}", g.len(), w.len());
    for (gl, wl) in g.iter().zip(&w) {
        assert_eq!(gl, wl, "{what} differs from the Rust API (f32 bits)\ngot:\n{got}\nwant:\n{want}");
    }
}

/// Runs `exe` (with an optional wrapper such as valgrind) on the golden requests in both
/// precisions.
fn check_scorer_program(exe: &Path, wrapper: &[&str], tag: &str, precisions: &[Precision]) {
    for &precision in precisions {
        let p = if precision == Precision::Int8 { "int8" } else { "f32" };
        let (file, want) = write_golden_requests(&format!("golden_{tag}_{p}"), precision);
        let mut cmd = program(exe, wrapper);
        let got = run(cmd.arg("score").arg(feed_dcn()).arg(&file).arg(p));
        assert_same_scores(&got, &want, &format!("{} ({p})", exe.display()));
    }
}

#[test]
fn c_scorer_under_address_sanitizer() {
    let exe = compile(
        "gcc",
        &[root().join("tests/c/test_scorer.c")],
        "test_scorer_asan",
        &[&["-std=c11"], STRICT_SANITIZED].concat(),
    );
    let out = run(Command::new(&exe).arg("errors").arg(feed_dcn()));
    assert_checks(&out, "C scorer (ASan)", C_SCORER_CHECKS);
    check_scorer_program(&exe, &[], "c_asan", &[Precision::F32, Precision::Int8]);
}

#[test]
fn c_scorer_under_valgrind() {
    let exe =
        compile("gcc", &[root().join("tests/c/test_scorer.c")], "test_scorer_plain", &["-std=c11", "-O1"]);
    let out = run(program(&exe, &VALGRIND).arg("errors").arg(feed_dcn()));
    assert_checks(&out, "C scorer (Valgrind)", C_SCORER_CHECKS);
    check_scorer_program(&exe, &VALGRIND, "c_valgrind", &[Precision::F32]);
}

#[test]
fn cpp_scorer_under_address_sanitizer() {
    let exe = compile(
        "g++",
        &[root().join("tests/cpp/test_scorer.cpp")],
        "test_scorer_cpp",
        &[&["-std=c++17", "-pthread"], STRICT_SANITIZED].concat(),
    );
    let out = run(Command::new(&exe).arg("errors").arg(feed_dcn()));
    assert_checks(&out, "C++ scorer", CPP_SCORER_CHECKS);
    check_scorer_program(&exe, &[], "cpp", &[Precision::F32, Precision::Int8]);
}

// ---- The ranker's C ABI ---------------------------------------------------------------

/// A synthetic feed request (`n` candidates, `m` slots, the feed rules) in the plain-number
/// format the ranker test programs read, and the lines they must print: what the Rust
/// `Ranker` gives for it at `precision`, ranking by the calibrated probability.
///
/// ```text
/// n slots dr sr di si u
/// request_dense / request_ids / item_dense (n rows) / item_ids (n rows), one line each
/// W w_0 … w_{W-1}            (W = 0: default position weights)
/// K, then K rules in the problem-file format of tests/c/test_solver.c
/// ```
fn write_rank_request(
    name: &str,
    n: usize,
    m: usize,
    seed: u64,
    weights: &[f64],
    precision: Precision,
) -> (PathBuf, String) {
    use lprank::ranker::{RankRequest, Ranker};
    use lprank::scorer::Request;
    use lprank::synthetic::{feed_candidates, feed_features, feed_rules};
    let candidates = feed_candidates(n, seed);
    let features = feed_features(&candidates, seed);
    let slots = if m == 0 { weights.len() } else { m };
    let data = ProblemData {
        scores: vec![],
        slots: Some(slots),
        position_weights: None,
        rules: feed_rules(&candidates, slots),
    };
    let u = 0.37;
    let join = |v: &mut dyn Iterator<Item = String>| v.collect::<Vec<_>>().join(" ");
    let (dr, sr) = (features.request_dense.len(), features.request_ids.len());
    let (di, si) = (features.item_dense.len() / n, features.item_ids.len() / n);
    let mut text = format!("{n} {m} {dr} {sr} {di} {si} {u}\n");
    text += &join(&mut features.request_dense.iter().map(|x| format!("{x}")));
    text += "\n";
    text += &join(&mut features.request_ids.iter().map(|x| x.to_string()));
    text += "\n";
    text += &join(&mut features.item_dense.iter().map(|x| format!("{x}")));
    text += "\n";
    text += &join(&mut features.item_ids.iter().map(|x| x.to_string()));
    text += "\n";
    // The rules in the problem-file format, without its score lines.
    let problem_file = std::fs::read_to_string(write_problem(&data, &format!("{name}_rules"))).unwrap();
    let rule_lines: Vec<&str> = problem_file.lines().skip(3).collect();
    text += &format!("{} {}\n", weights.len(), join(&mut weights.iter().map(|&w| fmt17(w))));
    text += &format!("{}\n{}\n", data.rules.len(), rule_lines.join("\n"));
    let path = work_dir().join(format!("{name}.txt"));
    std::fs::write(&path, text).unwrap();

    let model = Model::load(feed_dcn()).unwrap();
    let rules = data.rules();
    let mut ranker =
        Ranker::new(ScorerSettings { precision, ..ScorerSettings::default() }, lprank::Settings::default())
            .unwrap();
    let request = RankRequest {
        features: Request {
            request_dense: &features.request_dense,
            request_ids: &features.request_ids,
            item_dense: &features.item_dense,
            item_ids: &features.item_ids,
        },
        candidates: n,
        // As the C ABI reads `slots` with weights: 0 means all of them.
        slots: match (weights.is_empty(), m) {
            (true, _) => lprank::Slots::Count(m),
            (false, 0) => lprank::Slots::Weights(weights),
            (false, _) => lprank::Slots::Weights(&weights[..m]),
        },
        rules: &rules,
        u,
    };
    let ranked = ranker.rank(&model, &request).unwrap();
    let s = ranked.solution;
    // The Rust answer, verified on the scores it ranked by (see `expected_output`).
    let solved = ProblemData {
        scores: ranked.scores.to_vec(),
        slots: if weights.is_empty() { Some(m) } else { None },
        position_weights: match (weights.is_empty(), m) {
            (true, _) => None,
            (false, 0) => Some(weights.to_vec()),
            (false, _) => Some(weights[..m].to_vec()),
        },
        ..data.clone()
    };
    common::check_solution(&solved, s);
    let mut want = format!(
        "status {}\nobjective {}\nbound {}\nlottery {}\n",
        s.status() as u32,
        fmt17(s.objective()),
        fmt17(s.bound()),
        s.lottery_len()
    );
    for r in s.lottery() {
        want += &format!(
            "ranking {} {}\n",
            fmt17(r.probability),
            join(&mut r.items.iter().map(|i| i.to_string()))
        );
    }
    for o in s.rules() {
        want += &format!("rule {} {} {}\n", fmt17(o.value), fmt17(o.dual), fmt17(o.violation));
    }
    match ranked.slate {
        Some(items) => want += &format!("slate {}\n", join(&mut items.iter().map(|i| i.to_string()))),
        None => want += "slate none\n",
    }
    want += &format!("scores {}\n", join(&mut ranked.scores.iter().map(|&x| fmt17(x))));
    (path, want)
}

/// The rank requests every ranker program is checked on, each in both precisions: a full
/// feed request; explicit position weights; a slate longer than the candidate list, whose
/// rules cannot all hold (no slate, a Farkas ray).
fn rank_requests(tag: &str) -> Vec<(String, PathBuf, String)> {
    let mut out = Vec::new();
    let weights: Vec<f64> = (0..12).map(|j| 1.0 - 0.05 * j as f64).collect();
    for (precision, p) in [(Precision::F32, "f32"), (Precision::Int8, "int8")] {
        for (n, m, seed, w) in [(1000, 50, 1, &[][..]), (200, 0, 3, &weights[..]), (30, 40, 2, &[][..])] {
            let name = format!("rank_{tag}_{p}_{n}");
            let (path, want) = write_rank_request(&name, n, m, seed, w, precision);
            out.push((p.to_string(), path, want));
        }
    }
    out
}

/// Runs `exe rank MODEL FILE PRECISION` (under `wrapper`, if any) on every rank request.
fn check_ranker_program(exe: &Path, wrapper: &[&str], tag: &str) {
    for (precision, file, want) in rank_requests(tag) {
        let mut cmd = program(exe, wrapper);
        let got = run(cmd.arg("rank").arg(feed_dcn()).arg(&file).arg(&precision));
        assert_eq!(
            normalise(&got),
            normalise(&want),
            "{}: {} differs from Rust",
            file.display(),
            exe.display()
        );
    }
}

#[test]
fn c_ranker_under_address_sanitizer() {
    let exe = compile(
        "gcc",
        &[root().join("tests/c/test_ranker.c")],
        "test_ranker_asan",
        &[&["-std=c11"], STRICT_SANITIZED].concat(),
    );
    let out = run(Command::new(&exe).arg("errors").arg(feed_dcn()));
    assert_checks(&out, "C ranker (ASan)", C_RANKER_CHECKS);
    check_ranker_program(&exe, &[], "c_asan");
}

#[test]
fn c_ranker_under_valgrind() {
    let exe =
        compile("gcc", &[root().join("tests/c/test_ranker.c")], "test_ranker_plain", &["-std=c11", "-O1"]);
    let out = run(program(&exe, &VALGRIND).arg("errors").arg(feed_dcn()));
    assert_checks(&out, "C ranker (Valgrind)", C_RANKER_CHECKS);
    // One request under Valgrind (it is slow): 200 candidates, four explicit weights, int8.
    let (file, want) =
        write_rank_request("rank_c_valgrind", 200, 0, 3, &[1.0, 0.8, 0.6, 0.5], Precision::Int8);
    let got = run(program(&exe, &VALGRIND).arg("rank").arg(feed_dcn()).arg(&file).arg("int8"));
    assert_eq!(normalise(&got), normalise(&want));
}

#[test]
fn cpp_ranker_under_address_sanitizer() {
    let exe = compile(
        "g++",
        &[root().join("tests/cpp/test_ranker.cpp")],
        "test_ranker_cpp",
        &[&["-std=c++17", "-pthread"], STRICT_SANITIZED].concat(),
    );
    let out = run(Command::new(&exe).arg("errors").arg(feed_dcn()));
    assert_checks(&out, "C++ ranker", CPP_RANKER_CHECKS);
    check_ranker_program(&exe, &[], "cpp");
}

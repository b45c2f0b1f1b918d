//! Scorer throughput: candidates scored per second by the bundled feed-dcn model, for
//! batch sizes 1, 64 and 1024, f32 vs int8 (both with the best kernels for this CPU: for
//! f32 that only changes the attention rows) vs int8 with the portable kernels, in one run.
//!
//! ```sh
//! cargo bench --bench score
//! ```
//!
//! Candidates are the held-out impressions (`feed-dcn/heldout.safetensors`), the request
//! features those of its first request; every configuration is timed warm (one reused
//! workspace, no allocation) on the whole call `Model::score` with `Output::Probability`
//! (validation, embeddings, towers, heads, calibration). After the run a table of
//! throughputs and ratios is printed from criterion's estimates.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use lprank::scorer::{KernelTier, Model, Output, Request, ScorerSettings, ScorerWorkspace};
use safetensors::SafeTensors;

const BATCHES: [usize; 3] = [1, 64, 1024];

fn configs() -> Vec<(&'static str, ScorerSettings)> {
    let mut c = vec![("f32", ScorerSettings::f32())];
    let int8 = ScorerSettings::int8();
    let tier = ScorerWorkspace::new(int8).unwrap().kernel_tier();
    c.push((if tier == KernelTier::Avx2 { "int8_avx2" } else { "int8_auto" }, int8));
    c.push(("int8_portable", int8.with_kernels(KernelTier::Portable)));
    c
}

/// Request features of held-out request 0 and the first 1024 held-out candidates.
struct Inputs {
    request_dense: Vec<f32>,
    request_ids: Vec<u64>,
    item_dense: Vec<f32>,
    item_ids: Vec<u64>,
    di: usize,
    si: usize,
}

fn inputs(dir: &Path) -> Inputs {
    let bytes = std::fs::read(dir.join("heldout.safetensors")).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let f32s = |name: &str| -> (Vec<f32>, Vec<usize>) {
        let v = st.tensor(name).unwrap();
        (
            v.data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect(),
            v.shape().to_vec(),
        )
    };
    let ids = |name: &str| -> (Vec<u64>, Vec<usize>) {
        let v = st.tensor(name).unwrap();
        (
            v.data().chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap()) as u64).collect(),
            v.shape().to_vec(),
        )
    };
    let (rd, rds) = f32s("request_dense");
    let (ri, ris) = ids("request_ids");
    let (id, ids_shape) = f32s("item_dense");
    let (ii, iis) = ids("item_ids");
    let (di, si) = (ids_shape[2], iis[2]);
    let n = 1024;
    Inputs {
        request_dense: rd[..rds[1]].to_vec(),
        request_ids: ri[..ris[1]].to_vec(),
        item_dense: id[..n * di].to_vec(),
        item_ids: ii[..n * si].to_vec(),
        di,
        si,
    }
}

impl Inputs {
    fn request(&self, n: usize) -> Request<'_> {
        Request {
            request_dense: &self.request_dense,
            request_ids: &self.request_ids,
            item_dense: &self.item_dense[..n * self.di],
            item_ids: &self.item_ids[..n * self.si],
        }
    }
}

fn bench(c: &mut Criterion, model: &Model, data: &Inputs) {
    let mut group = c.benchmark_group("score");
    group.measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    for &n in &BATCHES {
        group.throughput(Throughput::Elements(n as u64));
        for (name, settings) in configs() {
            let mut ws = ScorerWorkspace::new(settings).unwrap();
            let mut out = vec![0f32; n];
            let request = data.request(n);
            model.score(&mut ws, &request, Output::Probability, &mut out).unwrap();
            group.bench_function(BenchmarkId::new(name, n), |b| {
                b.iter(|| {
                    model.score(&mut ws, &request, Output::Probability, &mut out).unwrap();
                    out[0]
                })
            });
        }
    }
    group.finish();
}

/// Median (ns) of one benchmark from criterion's saved estimates.
fn median_ns(function: &str, n: usize) -> Option<f64> {
    let dir =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target"));
    let path = dir.join("criterion/score").join(function).join(n.to_string()).join("new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["median"]["point_estimate"].as_f64()
}

fn print_table() {
    let names: Vec<&str> = configs().iter().map(|c| c.0).collect();
    println!(
        "\n| batch | {} | {} / f32 | {} / {} |",
        names.iter().map(|n| format!("{n} (cand/s, ns/cand)")).collect::<Vec<_>>().join(" | "),
        names[1],
        names[1],
        names[2]
    );
    println!("|---|{}---|---|", "---|".repeat(names.len()));
    for &n in &BATCHES {
        let t: Vec<Option<f64>> = names.iter().map(|name| median_ns(name, n)).collect();
        let cell = |x: Option<f64>| {
            x.map_or("–".into(), |ns| format!("{:.3e}/s, {:.0} ns", n as f64 * 1e9 / ns, ns / n as f64))
        };
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.2}×", b / a),
            _ => "–".into(),
        };
        println!(
            "| {n} | {} | {} | {} |",
            t.iter().map(|&x| cell(x)).collect::<Vec<_>>().join(" | "),
            ratio(t[1], t[0]),
            ratio(t[1], t[2])
        );
    }
    println!("(ratios are speed-ups: time of the denominator's config / time of the int8 config)");
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ranking-models/feed-dcn");
    let model = Model::load(&dir).unwrap();
    let data = inputs(&dir);
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &model, &data);
    c.final_summary();
    print_table();
}

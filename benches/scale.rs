//! benchgate's own speed: reading large inputs, comparing large suites, rendering large reports.
//! `cargo bench --bench scale`; the figures go in the closing notes, not in tests.

use std::collections::BTreeMap;
use std::hint::black_box;

use benchgate::baseline::{Baseline, Window};
use benchgate::compare::{HistoryMethod, compare};
use benchgate::config::Config;
use benchgate::ingest::{self, Input, k6};
use benchgate::model::{Metric, Run, RunMeta};
use benchgate::report::{self, Templates};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A k6 `--out json` stream of `points` request points (three lines each), in memory.
fn k6_stream(points: usize) -> Vec<u8> {
    let mut out = String::new();
    out.push_str(r#"{"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":[],"submetrics":[{"name":"http_req_duration{name:slow}","suffix":"name:slow","tags":{"name":"slow"}}]},"metric":"http_req_duration"}"#);
    out.push('\n');
    out.push_str(r#"{"type":"Metric","data":{"name":"http_reqs","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"http_reqs"}"#);
    out.push('\n');
    let mut x: u64 = 88172645463325252;
    for i in 0..points {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let v = 1.0 + (x % 10_000) as f64 / 1000.0;
        let name = if i % 3 == 0 { "slow" } else { "fast" };
        let t = format!(
            "2026-12-04T15:{:02}:{:02}.{:03}000000Z",
            (i / 60_000) % 60,
            (i / 1000) % 60,
            i % 1000
        );
        out.push_str(&format!(r#"{{"metric":"http_req_duration","type":"Point","data":{{"time":"{t}","value":{v:.6},"tags":{{"name":"{name}","status":"200","method":"GET"}}}}}}"#));
        out.push('\n');
        out.push_str(&format!(r#"{{"metric":"http_reqs","type":"Point","data":{{"time":"{t}","value":1,"tags":{{"name":"{name}"}}}}}}"#));
        out.push('\n');
    }
    out.into_bytes()
}

/// A `target/criterion` tree of `n` benchmarks in memory, in criterion's file layout.
fn criterion_tree(n: usize) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for i in 0..n {
        let dir = format!("group{}/bench{i}/new", i % 40);
        let id = format!("group{}/bench{i}", i % 40);
        let t = 1000.0 + i as f64;
        files.insert(format!("{dir}/benchmark.json"), format!(r#"{{"group_id":"group{}","function_id":"bench{i}","value_str":null,"throughput":null,"full_id":"{id}","directory_name":"{id}","title":"{id}"}}"#, i % 40).into_bytes());
        files.insert(format!("{dir}/estimates.json"), format!(r#"{{"median":{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":{},"upper_bound":{}}},"point_estimate":{t},"standard_error":1.0}},"std_dev":{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":3.0}},"point_estimate":2.0,"standard_error":0.5}}}}"#, t - 5.0, t + 5.0).into_bytes());
        let iters: Vec<String> = (1..=30).map(|k| format!("{}.0", k * 100)).collect();
        let times: Vec<String> = (1..=30)
            .map(|k| format!("{}.0", (k * 100) as f64 * t))
            .collect();
        files.insert(
            format!("{dir}/sample.json"),
            format!(
                r#"{{"sampling_mode":"Linear","iters":[{}],"times":[{}]}}"#,
                iters.join(","),
                times.join(",")
            )
            .into_bytes(),
        );
    }
    files
}

/// A suite of time metrics with what criterion gives: a 95% interval and a spread.
fn suite(metrics: usize, scale: f64) -> Vec<Metric> {
    (0..metrics)
        .map(|i| {
            let v = (1000.0 + i as f64 + 0.123456789) * scale;
            let mut m = Metric::time(format!("group{}/bench{i}", i % 50), "median", v);
            m.ci = Some(benchgate::model::Interval {
                lower: v * 0.9937,
                upper: v * 1.0071,
                level: 0.95,
            });
            m.spread = Some(v * 0.0213);
            m
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let stream = k6_stream(100_000);
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.sample_size(10);
    g.bench_function("k6 point stream (100k requests)", |b| {
        b.iter(|| k6::parse_points(black_box("k6.ndjson"), black_box(&stream)).expect("parses"))
    });
    let tree = Input::Tree {
        name: "criterion".into(),
        files: criterion_tree(2_000),
    };
    g.throughput(Throughput::Elements(2_000));
    g.bench_function("criterion tree (2,000 benchmarks)", |b| {
        b.iter(|| ingest::read(black_box(&tree), &ingest::Options::default()).expect("reads"))
    });
    g.finish();

    let mut g = c.benchmark_group("compare");
    g.sample_size(10);
    for (metrics, runs) in [(1_000, 30), (10_000, 30)] {
        let mut baseline = Baseline::new(Window {
            max_runs: runs,
            max_age_days: 30,
        });
        for r in 0..runs {
            let meta = RunMeta {
                commit: Some(format!("c{r}")),
                ..RunMeta::default()
            };
            baseline.append(meta, &suite(metrics, 1.0 + (r % 5) as f64 * 0.003));
        }
        let current = Run::new(RunMeta::default(), suite(metrics, 1.01));
        let config = Config::default();
        g.throughput(Throughput::Elements((metrics * runs) as u64));
        g.bench_function(format!("{metrics} metrics x {runs} runs"), |b| {
            b.iter(|| {
                compare(
                    black_box(&current),
                    Some(black_box(&baseline)),
                    &config,
                    &HistoryMethod,
                )
            })
        });
        if metrics == 1_000 {
            println!(
                "baseline file for {metrics} metrics x {runs} runs: {} bytes",
                baseline.to_json().len()
            );
        }
        if metrics == 10_000 {
            let comparison = compare(&current, Some(&baseline), &config, &HistoryMethod);
            let ctx = report::Context {
                comparison: &comparison,
                config: &config,
                current: &current.meta,
                baseline: None,
                generated_at: chrono::Utc::now(),
                tool_version: "bench",
                report_link: None,
            };
            g.bench_function("render 10,000 metrics", |b| {
                b.iter(|| report::render(black_box(&ctx), &Templates::builtin()).expect("renders"))
            });
        }
    }
    g.finish();
}

criterion_group!(scale, benches);
criterion_main!(scale);

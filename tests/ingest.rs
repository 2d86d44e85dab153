//! Normalized metrics of each adapter's fixtures, by shape, as snapshots; and detection by content.

mod common;

use common::{benchgate, fixture};

fn ingest(paths: &[&str]) -> serde_json::Value {
    let mut cmd = benchgate();
    cmd.args(["ingest", "--output", "-", "--commit", "c", "--branch", "b"])
        .args(["--timestamp", "2026-12-04T00:00:00Z"]);
    for p in paths {
        cmd.arg(fixture(p));
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    let mut run: serde_json::Value = serde_json::from_slice(&out).expect("run json");
    // The machine and the fixture paths are not part of what the adapter read.
    run["meta"]["testbed"] = serde_json::Value::Null;
    run["meta"]["sources"] = serde_json::Value::Null;
    run
}

#[test]
fn criterion_one_benchmark() {
    let run = ingest(&["criterion/one"]);
    insta::assert_json_snapshot!("criterion_one", run);
}

#[test]
fn criterion_many_benchmarks_and_throughputs() {
    let run = ingest(&["criterion/shared/criterion_dir"]);
    let metrics = run["metrics"].as_array().expect("metrics");
    // Six benchmarks, five with a declared throughput.
    assert_eq!(metrics.len(), 11);
    let keys: Vec<String> = metrics
        .iter()
        .map(|m| {
            format!(
                "{} :: {}",
                m["benchmark"].as_str().unwrap_or(""),
                m["statistic"].as_str().unwrap_or("")
            )
        })
        .collect();
    insta::assert_debug_snapshot!("criterion_many_keys", keys);
    // A name with a space and a slash survives (the directory name is lossy: `rng stream _ xorshift64`).
    assert!(keys.contains(&"rng stream / xorshift64 :: median".to_string()));
}

#[test]
fn criterion_saved_baseline_is_selectable() {
    let mut cmd = benchgate();
    let out = cmd
        .args(["ingest", "--output", "-", "--criterion-baseline", "main"])
        .arg(fixture("criterion/shared/criterion_dir"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let run: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let djb2 = run["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["benchmark"] == "hash/djb2" && m["statistic"] == "median")
        .expect("djb2");
    // The saved `main` baseline holds the old code: faster than `new`.
    assert!(djb2["value"].as_f64().expect("value") < 6500.0);
}

#[test]
fn bencher_many() {
    let run = ingest(&[
        "criterion/shared/bencher_format.txt",
        "criterion/shared/libtest_bench_stdout.txt",
    ]);
    insta::assert_json_snapshot!("bencher_many", run);
}

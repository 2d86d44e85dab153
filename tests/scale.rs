//! Large runs: 10,000 metrics must still give a PR comment and a job summary GitHub accepts.

mod common;

use common::{benchgate, write_time_metrics};

fn metrics(path: &std::path::Path, n: usize, value: impl Fn(usize) -> f64) {
    let metrics: Vec<(String, String, f64)> = (0..n)
        .map(|i| {
            (
                "big".to_string(),
                format!("group{}/bench{i}", i % 50),
                value(i),
            )
        })
        .collect();
    write_time_metrics(path, &metrics);
}

#[test]
fn ten_thousand_metrics_give_a_comment_under_githubs_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("history.json");
    for run in 0..6 {
        let path = dir.path().join("run.json");
        metrics(&path, 10_000, |i| 1000.0 + ((i * 7 + run * 13) % 11) as f64);
        benchgate()
            .args([
                "baseline",
                "update",
                "--commit",
                &format!("c{run}"),
                "--baseline",
            ])
            .arg(&baseline)
            .arg(&path)
            .assert()
            .success();
    }
    // Every tenth benchmark is 50% slower.
    let pr = dir.path().join("pr.json");
    metrics(&pr, 10_000, |i| if i % 10 == 0 { 1500.0 } else { 1005.0 });
    let out = dir.path().join("out");
    benchgate()
        .args(["compare", "--commit", "x", "--baseline"])
        .arg(&baseline)
        .arg("--out-dir")
        .arg(&out)
        .arg(&pr)
        .assert()
        .code(1);
    for f in ["comment.md", "summary.md"] {
        let text = std::fs::read_to_string(out.join(f)).expect("output");
        assert!(
            text.chars().count() <= 65_536,
            "{f}: {} characters",
            text.chars().count()
        );
        assert!(
            text.contains("Shortened to fit"),
            "{f} does not say it was shortened"
        );
        assert!(text.contains("🔴 Critical"), "{f} lost the criticals");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("json"))
            .expect("json");
    assert_eq!(json["metrics"].as_array().map(Vec::len), Some(10_000));
}

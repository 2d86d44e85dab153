//! Helpers shared by the integration tests: the binary, fixture paths, history building.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

pub fn benchgate() -> Command {
    let mut cmd = Command::cargo_bin("benchgate").expect("binary builds");
    // Keep the run's identity independent of the machine's CI environment.
    for var in ["GITHUB_SHA", "GITHUB_HEAD_REF", "GITHUB_REF_NAME"] {
        cmd.env_remove(var);
    }
    cmd
}

/// Builds a baseline history at `file` from criterion run directories, with each run's commit
/// and recorded time.
pub fn build_history(file: &Path, set: &str, runs: &[&str]) {
    for run in runs {
        let dir = fixture(&format!("criterion/{set}/{run}"));
        let time = std::fs::read_to_string(fixture(&format!("criterion/{set}/{run}.time")))
            .expect("time file");
        benchgate()
            .args(["baseline", "update", "--baseline"])
            .arg(file)
            .args(["--commit", &format!("{set}-{run}"), "--branch", "main"])
            .args(["--timestamp", time.trim()])
            .arg(dir)
            .assert()
            .success();
    }
}

/// Appends a run of `inputs` to the history at `baseline` as commit `commit`.
pub fn record<P: AsRef<std::ffi::OsStr>>(baseline: &Path, commit: &str, inputs: &[P]) {
    benchgate()
        .args(["baseline", "update", "--commit", commit, "--baseline"])
        .arg(baseline)
        .args(inputs)
        .assert()
        .success();
}

/// The `metrics` of a report.json, as (benchmark, statistic, status) triples.
pub fn statuses(json_path: &Path) -> Vec<(String, String, String)> {
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(json_path).expect("report.json")).expect("json");
    report["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .map(|m| {
            (
                m["benchmark"].as_str().unwrap_or_default().to_string(),
                m["statistic"].as_str().unwrap_or_default().to_string(),
                m["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub fn status_of(all: &[(String, String, String)], bench: &str, stat: &str) -> String {
    all.iter()
        .find(|(b, s, _)| b == bench && s == stat)
        .map(|(_, _, st)| st.clone())
        .unwrap_or_else(|| panic!("no row {bench} {stat}"))
}

/// Whether `tool` is on the PATH.
pub fn have(tool: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether to run a test needing `tools`: always under BENCHGATE_LIVE_TOOLS (where a missing
/// tool fails the test), otherwise only when they are installed.
pub fn should_run(tools: &[&str]) -> bool {
    let missing: Vec<&&str> = tools.iter().filter(|t| !have(t)).collect();
    if std::env::var_os("BENCHGATE_LIVE_TOOLS").is_some() {
        assert!(
            missing.is_empty(),
            "BENCHGATE_LIVE_TOOLS is set but {missing:?} are not installed"
        );
        true
    } else if missing.is_empty() {
        true
    } else {
        eprintln!(
            "skipped: {missing:?} not installed (set BENCHGATE_LIVE_TOOLS=1 to require them)"
        );
        false
    }
}

/// Writes a `benchgate.metrics.v1` file of `median` time metrics in ns: (suite, benchmark, value).
pub fn write_time_metrics(path: &Path, metrics: &[(String, String, f64)]) {
    let metrics: Vec<serde_json::Value> = metrics
        .iter()
        .map(|(suite, name, value)| {
            serde_json::json!({"suite": suite, "benchmark": name, "statistic": "median", "kind": "time", "unit": "ns", "value": value})
        })
        .collect();
    std::fs::write(
        path,
        serde_json::json!({"schema": "benchgate.metrics.v1", "metrics": metrics}).to_string(),
    )
    .expect("write");
}

/// Escapes text for use in an insta filter (a regex).
pub fn escape_regex(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if "\\.+*?()|[]{}^$".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

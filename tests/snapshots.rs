//! Snapshots of every rendered output, with times, ids and machine details redacted.

mod common;

use std::path::Path;

use common::{benchgate, build_history, escape_regex, fixture};

fn settings(tmp: &Path) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    let root = format!("{}/", env!("CARGO_MANIFEST_DIR"));
    s.add_filter(&escape_regex(&root), "[root]/");
    s.add_filter(&escape_regex(&tmp.display().to_string()), "[tmp]");
    s.add_filter(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
        "[time]",
    );
    s.add_filter(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "[time]");
    s.add_filter(r"(id |\x22id\x22: \x22)[0-9a-f]{12}", "$1[id]");
    // Commit SHAs, wherever a report shows the current run's commit.
    s.add_filter(r"(\x22commit\x22: \x22)[^\x22]+", "$1[sha]");
    s.add_filter(r"\| Commit \| [^|]+ \|", "| Commit | [sha] |");
    s.add_filter(r"\*\*Commit:\*\* [0-9a-f]+", "**Commit:** [sha]");
    s.add_filter(r"commit [0-9a-f]{7,40}", "commit [sha]");
    s.add_filter(r"\| Testbed \| [^\n]* \|", "| Testbed | [testbed] |");
    s.add_filter(
        r"Its newest run is \d+ day\(s\) old:[^\n]*",
        "Its newest run is [age].",
    );
    s.add_filter(r"benchgate \d+\.\d+\.\d+", "benchgate [version]");
    s.add_filter(
        r"\x22version\x22: \x22[^\x22]+\x22",
        "\"version\": \"[version]\"",
    );
    s
}

#[test]
fn reports_of_a_regression_against_a_real_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("history.json");
    let runs: Vec<String> = (1..=19).map(|i| format!("v1-run{i}")).collect();
    let runs: Vec<&str> = runs.iter().map(String::as_str).collect();
    build_history(&baseline, "runs", &runs);
    let (report, comment, json) = (
        dir.path().join("report.md"),
        dir.path().join("comment.md"),
        dir.path().join("report.json"),
    );
    benchgate()
        .args([
            "compare",
            "--commit",
            "0123456789abcdef0123",
            "--branch",
            "feature/faster-rng",
        ])
        .args(["--report-link", "https://example.invalid/run/1"])
        .arg("--baseline")
        .arg(&baseline)
        .arg("--report")
        .arg(&report)
        .arg("--comment")
        .arg(&comment)
        .arg("--json")
        .arg(&json)
        .arg(fixture("criterion/runs/v2-run2"))
        .assert()
        .code(1);
    settings(dir.path()).bind(|| {
        insta::assert_snapshot!(
            "report_md",
            std::fs::read_to_string(&report).expect("report")
        );
        insta::assert_snapshot!(
            "comment_md",
            std::fs::read_to_string(&comment).expect("comment")
        );
        insta::assert_snapshot!("report_json", std::fs::read_to_string(&json).expect("json"));
    });
}

#[test]
fn comment_without_a_baseline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let comment = dir.path().join("comment.md");
    benchgate()
        .args([
            "compare",
            "--commit",
            "0123456789abcdef0123",
            "--branch",
            "feature",
        ])
        .arg("--baseline")
        .arg(dir.path().join("missing.json"))
        .arg("--comment")
        .arg(&comment)
        .arg(fixture("criterion/runs/v1-run1"))
        .assert()
        .success();
    settings(dir.path()).bind(|| {
        insta::assert_snapshot!(
            "comment_no_baseline",
            std::fs::read_to_string(&comment).expect("comment")
        );
    });
}

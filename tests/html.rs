//! The artifact directory: every output written, the HTML page self-contained and complete, the
//! JSON valid against its published schema, hostile benchmark names inert in every template, and
//! the page checked in a real headless Chromium.

mod common;

use std::path::Path;
use std::process::Command;

use common::{benchgate, build_history, escape_regex, fixture, should_run, write_time_metrics};

fn report_dir(dir: &Path) -> std::path::PathBuf {
    let baseline = dir.join("history.json");
    let runs: Vec<String> = (1..=19).map(|i| format!("v1-run{i}")).collect();
    let runs: Vec<&str> = runs.iter().map(String::as_str).collect();
    build_history(&baseline, "runs", &runs);
    let out = dir.join("out");
    benchgate()
        .args(["compare", "--commit", "0123456789abcdef", "--baseline"])
        .arg(&baseline)
        .arg("--out-dir")
        .arg(&out)
        .arg(fixture("criterion/runs/v2-run2"))
        .assert()
        .code(1);
    out
}

#[test]
fn the_artifact_directory_holds_every_output_and_the_page_is_self_contained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = report_dir(dir.path());
    for f in [
        "report.md",
        "comment.md",
        "summary.md",
        "report.json",
        "report.html",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    for id in [
        "executive-summary",
        "methodology",
        "baseline-metrics",
        "current-metrics",
        "detailed-comparison",
        "trends",
        "history",
        "recommendations",
        "audit",
    ] {
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "section {id} missing"
        );
    }
    assert!(html.matches("<svg class=\"trend\"").count() >= 2);
    // Nothing is fetched: the only URL is the SVG namespace.
    let urls: Vec<&str> = html
        .match_indices("http")
        .map(|(i, _)| &html[i..(i + 40).min(html.len())])
        .collect();
    assert!(
        urls.iter()
            .all(|u| u.starts_with("http://www.w3.org/2000/svg")),
        "{urls:?}"
    );
    assert!(!html.contains(" src=") && !html.contains("<link"));
    // The comment carries a mermaid trend of the top regression.
    let comment = std::fs::read_to_string(out.join("comment.md")).expect("comment");
    assert!(comment.contains("```mermaid\nxychart-beta") && comment.contains("hash/djb2"));
}

#[test]
fn report_json_follows_its_published_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = report_dir(dir.path());
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("../schemas/report.v1.schema.json")).expect("schema"),
    )
    .expect("json");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("json"))
            .expect("json");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // And the schema is not vacuous: a wrong status is refused.
    let mut bad = report.clone();
    bad["status"] = "fine".into();
    assert!(!validator.is_valid(&bad));
}

const HOSTILE: [&str; 6] = [
    "a|b",
    "tick`s` **bold**",
    "<script>alert(1)</script>",
    "@team please look",
    "<!-- benchgate:comment -->",
    "line\nbreak",
];

fn hostile_metrics(path: &Path, value: f64) {
    let metrics: Vec<(String, String, f64)> = HOSTILE
        .iter()
        .map(|n| (String::new(), n.to_string(), value))
        .collect();
    write_time_metrics(path, &metrics);
}

#[test]
fn hostile_names_are_inert_in_every_template() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("history.json");
    for (i, v) in [100.0, 101.0, 99.0, 100.5, 99.5, 100.0].iter().enumerate() {
        hostile_metrics(&dir.path().join("run.json"), *v);
        benchgate()
            .args([
                "baseline",
                "update",
                "--commit",
                &format!("c{i}"),
                "--timestamp",
                &format!("2026-12-0{}T00:00:00Z", i + 1),
                "--baseline",
            ])
            .arg(&baseline)
            .arg(dir.path().join("run.json"))
            .assert()
            .success();
    }
    hostile_metrics(&dir.path().join("pr.json"), 150.0);
    let out = dir.path().join("out");
    benchgate()
        .args([
            "compare",
            "--commit",
            "0123456789abcdef",
            "--branch",
            "b",
            "--baseline",
        ])
        .arg(&baseline)
        .arg("--out-dir")
        .arg(&out)
        .arg(dir.path().join("pr.json"))
        .assert()
        .code(1);
    let read = |f: &str| std::fs::read_to_string(out.join(f)).expect("output");
    let html = read("report.html");
    assert!(!html.contains("<script>alert"), "script tag in the HTML");
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only benchgate's own script"
    );
    assert!(!html.contains("<!-- benchgate:comment -->"));
    for f in ["report.md", "comment.md", "summary.md"] {
        let text = read(f);
        assert!(!text.contains("<script>"), "{f}: script tag");
        assert!(!text.contains("@team"), "{f}: a live mention");
        assert!(!text.contains("a|b"), "{f}: a table-breaking pipe");
        let markers = text.matches("<!-- benchgate:comment -->").count();
        assert_eq!(
            markers,
            usize::from(f == "comment.md"),
            "{f}: a forged comment marker"
        );
    }
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "[time]");
    settings.add_filter(r"benchgate \d+\.\d+\.\d+", "benchgate [version]");
    settings.add_filter(
        r"(<th>|\| )Testbed(</th><td>| \| )[^<|\n]*",
        "${1}Testbed${2}[testbed]",
    );
    settings.add_filter(&escape_regex(&dir.path().display().to_string()), "[tmp]");
    settings.add_filter(r"id [0-9a-f]{12}", "id [id]");
    settings.add_filter(
        r"Its newest run is \d+ day\(s\) old:[^<\n]*",
        "Its newest run is [age].",
    );
    settings.bind(|| {
        insta::assert_snapshot!("hostile_comment", read("comment.md"));
        insta::assert_snapshot!("hostile_summary", read("summary.md"));
        insta::assert_snapshot!("hostile_report_md", read("report.md"));
        insta::assert_snapshot!("hostile_report_html", read("report.html"));
    });
}

#[test]
fn the_page_works_in_a_real_browser() {
    if !should_run(&["node", "chromium"]) {
        return;
    }
    let playwright = Command::new("node")
        .args(["-e", "require('playwright-core')"])
        .status()
        .is_ok_and(|s| s.success());
    if !playwright {
        assert!(
            std::env::var_os("BENCHGATE_LIVE_TOOLS").is_none(),
            "playwright-core is not installed (NODE_PATH)"
        );
        eprintln!("skipped: playwright-core not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = report_dir(dir.path());
    let shot = dir.path().join("report.png");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check.cjs");
    let run = Command::new("node")
        .arg(script)
        .arg(out.join("report.html"))
        .arg(&shot)
        .output()
        .expect("node runs");
    assert!(
        run.status.success(),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(std::fs::metadata(&shot).expect("screenshot").len() > 10_000);
    if let Some(keep) = std::env::var_os("BENCHGATE_SCREENSHOT") {
        std::fs::copy(&shot, keep).expect("copy");
    }
}

//! Bad input, bad configuration and bad baselines: exit 2, a message naming the file, nothing
//! written.

mod common;

use std::path::Path;

use common::{benchgate, fixture};
use predicates::prelude::*;
use predicates::str::contains;

/// Copies one criterion benchmark's `new/` directory into `dst` (as `dst/b/new/...`).
fn one_bench_tree(dst: &Path) -> std::path::PathBuf {
    let src = fixture("criterion/runs/v1-run1/hash/djb2/new");
    let new = dst.join("tree/b/new");
    std::fs::create_dir_all(&new).expect("mkdir");
    for f in ["benchmark.json", "estimates.json", "sample.json"] {
        std::fs::copy(src.join(f), new.join(f)).expect("copy");
    }
    dst.join("tree")
}

fn assert_exit_2_naming(args: &[&std::ffi::OsStr], needle: &str, dir: &Path) {
    let report = dir.join("report.md");
    let mut cmd = benchgate();
    cmd.args(["compare", "--commit", "x", "--baseline"])
        .arg(dir.join("none.json"))
        .arg("--report")
        .arg(&report)
        .args(args);
    cmd.assert().code(2).stderr(contains(needle));
    assert!(!report.exists(), "nothing is written on error");
}

#[test]
fn missing_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope");
    assert_exit_2_naming(
        &[missing.as_os_str()],
        &missing.display().to_string(),
        dir.path(),
    );
}

#[test]
fn empty_and_unrecognized_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").expect("write");
    assert_exit_2_naming(
        &[empty.as_os_str()],
        "empty.txt: the file is empty",
        dir.path(),
    );
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, [0u8, 159, 146, 150, 1, 2]).expect("write");
    assert_exit_2_naming(
        &[junk.as_os_str()],
        "junk.bin: unrecognized result format",
        dir.path(),
    );
}

#[test]
fn directory_without_criterion_results() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("emptydir");
    std::fs::create_dir(&empty).expect("mkdir");
    assert_exit_2_naming(&[empty.as_os_str()], "no criterion results", dir.path());
}

#[test]
fn criterion_tree_with_a_missing_or_corrupt_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = one_bench_tree(dir.path());
    std::fs::remove_file(tree.join("b/new/estimates.json")).expect("rm");
    assert_exit_2_naming(
        &[tree.as_os_str()],
        "b/new/estimates.json: file is missing",
        dir.path(),
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let tree = one_bench_tree(dir.path());
    std::fs::write(
        tree.join("b/new/estimates.json"),
        "{\n  \"median\": {\n   oops",
    )
    .expect("write");
    assert_exit_2_naming(
        &[tree.as_os_str()],
        "b/new/estimates.json:3: invalid JSON",
        dir.path(),
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let tree = one_bench_tree(dir.path());
    std::fs::write(
        tree.join("b/new/sample.json"),
        r#"{"iters":[1.0,2.0],"times":[5.0]}"#,
    )
    .expect("write");
    assert_exit_2_naming(
        &[tree.as_os_str()],
        "b/new/sample.json: 2 iteration counts but 1 times",
        dir.path(),
    );
}

#[test]
fn bencher_line_with_a_bad_number_names_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bench.txt");
    std::fs::write(
        &file,
        "running\ntest a ... bench: 12 ns/iter (+/- 1)\ntest b ... bench: x,y ns/iter (+/- 1)\n",
    )
    .expect("write");
    assert_exit_2_naming(&[file.as_os_str()], "bench.txt:3: ", dir.path());
}

#[test]
fn corrupt_or_foreign_baseline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("history.json");
    for (content, needle) in [
        ("", "the baseline file is empty"),
        (
            "{\"schema\": \"benchgate.baseline.v1\", \"runs\": [",
            "invalid JSON",
        ),
        ("{\"runs\": []}", "not a benchgate baseline"),
        (
            "{\"schema\": \"benchgate.baseline.v7\"}",
            "unsupported baseline schema",
        ),
    ] {
        std::fs::write(&baseline, content).expect("write");
        benchgate()
            .args(["compare", "--commit", "x", "--baseline"])
            .arg(&baseline)
            .arg(fixture("criterion/runs/v1-run1"))
            .assert()
            .code(2)
            .stderr(contains("history.json").and(contains(needle)));
        // An update must not overwrite a history it cannot read.
        benchgate()
            .args(["baseline", "update", "--commit", "x", "--baseline"])
            .arg(&baseline)
            .arg(fixture("criterion/runs/v1-run1"))
            .assert()
            .code(2);
        assert_eq!(std::fs::read_to_string(&baseline).expect("read"), content);
    }
}

#[test]
fn bad_config_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("benchgate.toml");
    for (content, needle) in [
        (
            "[thresholds.time]\nwarning = \"5%\"\ncritcal = \"10%\"\n",
            "benchgate.toml:3: unknown field `critcal`",
        ),
        (
            "[thresholds.time]\ncritical = \"ten percent\"\n",
            "benchgate.toml:2: ",
        ),
        (
            "[history]\nmax_runs = 0\n",
            "benchgate.toml:2: max_runs must be at least 1",
        ),
        (
            "[[override]]\nbenchmarks = \"a[\"\n",
            "benchgate.toml:2: bad glob",
        ),
        ("not toml at all", "benchgate.toml:1"),
    ] {
        std::fs::write(&config, content).expect("write");
        assert_exit_2_naming(
            &[
                std::ffi::OsStr::new("--config"),
                config.as_os_str(),
                fixture("criterion/runs/v1-run1").as_os_str(),
            ],
            needle,
            dir.path(),
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    benchgate().args(["compare"]).assert().code(2);
    benchgate().args(["frobnicate"]).assert().code(2);
    benchgate()
        .args([
            "compare",
            "--baseline",
            "b.json",
            "--fail-on",
            "sometimes",
            "x",
        ])
        .assert()
        .code(2);
    benchgate()
        .args(["ingest", "--output", "-", "--timestamp", "yesterday"])
        .arg(fixture("criterion/runs/v1-run1"))
        .assert()
        .code(2)
        .stderr(contains("RFC 3339"));
}

#[test]
fn baseline_create_refuses_to_replace_without_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("history.json");
    let run = fixture("criterion/runs/v1-run1");
    benchgate()
        .args(["baseline", "create", "--commit", "a", "--baseline"])
        .arg(&baseline)
        .arg(&run)
        .assert()
        .success();
    benchgate()
        .args(["baseline", "create", "--commit", "b", "--baseline"])
        .arg(&baseline)
        .arg(&run)
        .assert()
        .code(2)
        .stderr(contains("already exists"));
    benchgate()
        .args([
            "baseline",
            "create",
            "--force",
            "--commit",
            "b",
            "--baseline",
        ])
        .arg(&baseline)
        .arg(&run)
        .assert()
        .success();
}

#[test]
fn the_same_benchmark_twice_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = fixture("criterion/runs/v1-run1");
    assert_exit_2_naming(
        &[run.as_os_str(), run.as_os_str()],
        "pass each result once",
        dir.path(),
    );
}

#[test]
fn a_template_with_a_missing_field_names_the_template_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).expect("mkdir");
    std::fs::write(
        templates.join("comment.md.hbs"),
        "<!-- benchgate:comment -->\n{{verdict}}\n{{no_such_field}}\n",
    )
    .expect("write");
    let comment = dir.path().join("comment.md");
    assert_exit_2_naming(
        &[
            std::ffi::OsStr::new("--templates"),
            templates.as_os_str(),
            std::ffi::OsStr::new("--comment"),
            comment.as_os_str(),
            fixture("criterion/runs/v1-run1").as_os_str(),
        ],
        "template comment.md.hbs: Error rendering \"comment\" line 3",
        dir.path(),
    );
    assert!(!comment.exists());
}

#[test]
fn concurrent_updates_never_lose_a_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("history.json");
    let run = fixture("criterion/runs/v1-run1");
    let bin = assert_cmd::cargo::cargo_bin("benchgate");
    let children: Vec<std::process::Child> = (0..8)
        .map(|i| {
            std::process::Command::new(&bin)
                .args([
                    "baseline",
                    "update",
                    "--commit",
                    &format!("c{i}"),
                    "--timestamp",
                    &format!("2026-12-04T10:0{i}:00Z"),
                    "--baseline",
                ])
                .arg(&baseline)
                .arg(&run)
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("spawns")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("waits").success());
    }
    let history: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&baseline).expect("read")).expect("json");
    assert_eq!(
        history["runs"].as_array().map(Vec::len),
        Some(8),
        "a concurrent update lost a run"
    );
}

#[test]
fn an_unreadable_history_is_kept_aside_only_with_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("history.json");
    std::fs::write(
        &baseline,
        "{\"schema\": \"benchgate.baseline.v2\", \"runs\": [",
    )
    .expect("write");
    let run = fixture("criterion/runs/v1-run1");
    benchgate()
        .args(["baseline", "update", "--commit", "a", "--baseline"])
        .arg(&baseline)
        .arg(&run)
        .assert()
        .code(2)
        .stderr(contains("--force"));
    benchgate()
        .args([
            "baseline",
            "update",
            "--force",
            "--commit",
            "a",
            "--baseline",
        ])
        .arg(&baseline)
        .arg(&run)
        .assert()
        .success()
        .stderr(contains("kept the unreadable history"));
    let backups: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("history.json.corrupt-")
        })
        .collect();
    assert_eq!(backups.len(), 1);
    assert!(
        std::fs::read_to_string(backups[0].path())
            .expect("backup")
            .ends_with("\"runs\": [")
    );
    assert!(
        std::fs::read_to_string(&baseline)
            .expect("new")
            .contains("benchgate.baseline.v2")
    );
}

#[test]
fn a_killed_writer_leaves_the_old_history_or_the_new_one() {
    // A large input makes each update write for a while; kill -9 lands at different moments.
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("history.json");
    let input = dir.path().join("big.json");
    let metrics: Vec<serde_json::Value> = (0..20_000)
        .map(|i| serde_json::json!({"benchmark": format!("b{i}"), "statistic": "median", "kind": "time", "unit": "ns", "value": 1000 + i}))
        .collect();
    std::fs::write(
        &input,
        serde_json::json!({"schema": "benchgate.metrics.v1", "metrics": metrics}).to_string(),
    )
    .expect("write");
    benchgate()
        .args(["baseline", "update", "--commit", "first", "--baseline"])
        .arg(&baseline)
        .arg(&input)
        .assert()
        .success();
    let bin = assert_cmd::cargo::cargo_bin("benchgate");
    for (i, wait_ms) in [5u64, 20, 40, 60, 80, 120, 160, 240].iter().enumerate() {
        let mut child = std::process::Command::new(&bin)
            .args([
                "baseline",
                "update",
                "--commit",
                &format!("k{i}"),
                "--baseline",
            ])
            .arg(&baseline)
            .arg(&input)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawns");
        std::thread::sleep(std::time::Duration::from_millis(*wait_ms));
        let _ = child.kill();
        let _ = child.wait();
        // Whatever moment the kill hit, the history parses: the old one or the new one.
        benchgate()
            .args(["compare", "--commit", "x", "--baseline"])
            .arg(&baseline)
            .arg(&input)
            .assert()
            .success();
    }
}

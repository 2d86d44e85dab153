//! Same-job A/B mode against a real git repository, and the confirmation re-run of `compare`.

mod common;

use std::path::Path;
use std::process::Command;

use common::{benchgate, status_of, statuses, write_time_metrics};
use predicates::str::contains;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository whose bench script reports the number in `value.txt`: commit `base` says 100,
/// commit `head` says 130.
fn repo() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    git(p, &["init", "-q"]);
    git(p, &["config", "user.email", "dev@example.invalid"]);
    git(p, &["config", "user.name", "dev"]);
    std::fs::write(
        p.join("bench.sh"),
        "#!/bin/sh\nv=$(cat value.txt)\nmkdir -p out\nprintf '{\"schema\":\"benchgate.metrics.v1\",\"metrics\":[{\"benchmark\":\"work\",\"statistic\":\"median\",\"kind\":\"time\",\"unit\":\"ns\",\"value\":%s}]}' \"$v\" > out/result.json\n",
    )
    .expect("write");
    std::fs::write(p.join(".gitignore"), "out/\n").expect("write");
    std::fs::write(p.join("value.txt"), "100\n").expect("write");
    git(p, &["add", "."]);
    git(p, &["commit", "-q", "-m", "base"]);
    let base = git(p, &["rev-parse", "HEAD"]);
    std::fs::write(p.join("value.txt"), "130\n").expect("write");
    git(p, &["commit", "-q", "-am", "slower"]);
    let head = git(p, &["rev-parse", "HEAD"]);
    (dir, base, head)
}

#[test]
fn ab_mode_finds_the_slower_revision_and_cleans_up() {
    let (dir, base, head) = repo();
    let json = dir.path().join("r.json");
    benchgate()
        .current_dir(dir.path())
        .args([
            "ab",
            "--base",
            &base,
            "--head",
            &head,
            "--rounds",
            "3",
            "--results",
            "out/result.json",
            "--json",
        ])
        .arg(&json)
        .args(["--", "sh", "bench.sh"])
        .assert()
        .code(1)
        .stderr(contains("round 3/3: head"));
    assert_eq!(status_of(&statuses(&json), "work", "median"), "critical");
    // The checkouts are gone.
    assert_eq!(git(dir.path(), &["worktree", "list"]).lines().count(), 1);

    // The same revision on both sides passes.
    let json = dir.path().join("aa.json");
    benchgate()
        .current_dir(dir.path())
        .args([
            "ab",
            "--base",
            &head,
            "--head",
            &head,
            "--rounds",
            "2",
            "--results",
            "out/result.json",
            "--json",
        ])
        .arg(&json)
        .args(["--", "sh", "bench.sh"])
        .assert()
        .success();
    assert_eq!(status_of(&statuses(&json), "work", "median"), "acceptable");
}

#[test]
fn ab_mode_errors_name_the_problem() {
    let (dir, base, _) = repo();
    benchgate()
        .current_dir(dir.path())
        .args([
            "ab",
            "--base",
            &base,
            "--head",
            "no-such-rev",
            "--results",
            "out/result.json",
            "--",
            "sh",
            "bench.sh",
        ])
        .assert()
        .code(2)
        .stderr(contains("\"no-such-rev\" is not a commit"));
    benchgate()
        .current_dir(dir.path())
        .args([
            "ab",
            "--base",
            &base,
            "--head",
            &base,
            "--results",
            "out/result.json",
            "--",
            "sh",
            "-c",
            "exit 3",
        ])
        .assert()
        .code(2)
        .stderr(contains(
            "the bench command failed in the base checkout in round 1",
        ));
    assert_eq!(git(dir.path(), &["worktree", "list"]).lines().count(), 1);
}

fn metrics_file(path: &Path, value: f64) {
    write_time_metrics(path, &[(String::new(), "work".into(), value)]);
}

#[test]
fn confirmation_keeps_only_regressions_that_reproduce() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let baseline = p.join("history.json");
    for (i, v) in [100.0, 101.0, 99.0, 100.5, 99.5, 100.0].iter().enumerate() {
        metrics_file(&p.join("run.json"), *v);
        benchgate()
            .args([
                "baseline",
                "update",
                "--commit",
                &format!("c{i}"),
                "--baseline",
            ])
            .arg(&baseline)
            .arg(p.join("run.json"))
            .assert()
            .success();
    }
    metrics_file(&p.join("fast.json"), 100.0);
    metrics_file(&p.join("slow.json"), 130.0);

    // The re-run comes back normal: the regression was the runner, not the code.
    std::fs::copy(p.join("slow.json"), p.join("current.json")).expect("copy");
    let json = p.join("a.json");
    benchgate()
        .current_dir(p)
        .args(["compare", "--commit", "x", "--baseline"])
        .arg(&baseline)
        .args([
            "--confirm",
            "printf '%s' \"$BENCHGATE_FILTER\" > filter.txt; cp fast.json current.json",
            "--json",
        ])
        .arg(&json)
        .arg(p.join("current.json"))
        .assert()
        .success();
    assert_eq!(status_of(&statuses(&json), "work", "median"), "warning");
    assert_eq!(
        std::fs::read_to_string(p.join("filter.txt")).expect("filter"),
        "^(work)$"
    );

    // The re-run is as slow: the regression stands.
    std::fs::copy(p.join("slow.json"), p.join("current.json")).expect("copy");
    let json = p.join("b.json");
    benchgate()
        .current_dir(p)
        .args(["compare", "--commit", "x", "--baseline"])
        .arg(&baseline)
        .args(["--confirm", "cp slow.json current.json", "--json"])
        .arg(&json)
        .arg(p.join("current.json"))
        .assert()
        .code(1);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("json");
    assert!(
        report["metrics"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("reproduced when re-measured")
    );
}

/// A bench whose results scatter ±9% around 100 (base) and 110 (head), the same cycle on both
/// sides: a 10% difference that three rounds cannot settle against the 10% critical threshold.
#[test]
fn ab_mode_measures_more_rounds_while_a_verdict_is_open() {
    let (dir, _, _) = repo();
    let p = dir.path();
    std::fs::write(
        p.join("bench.sh"),
        "#!/bin/sh\nv=$(cat value.txt)\nn=$(cat \"$BENCH_COUNTER\" 2>/dev/null || echo 0)\necho $((n + 1)) > \"$BENCH_COUNTER\"\nset -- -8 6 -3 9 -5 2 7 -9 4 -1\ni=$(( n / 2 % 10 + 1 ))\neval d=\\${$i}\nmkdir -p out\nprintf '{\"schema\":\"benchgate.metrics.v1\",\"metrics\":[{\"benchmark\":\"work\",\"statistic\":\"median\",\"kind\":\"time\",\"unit\":\"ns\",\"value\":%s}]}' \"$(( v * (100 + d) ))\" > out/result.json\n",
    )
    .expect("write");
    std::fs::write(p.join("value.txt"), "110\n").expect("write");
    git(p, &["commit", "-q", "-am", "noisy bench, 10% slower"]);
    let head = git(p, &["rev-parse", "HEAD"]);
    std::fs::write(p.join("value.txt"), "100\n").expect("write");
    git(p, &["commit", "-q", "-am", "noisy bench"]);
    let base_noisy = git(p, &["rev-parse", "HEAD"]);
    let json = p.join("seq.json");
    let out = benchgate()
        .current_dir(p)
        .env("BENCH_COUNTER", p.join("counter"))
        .args([
            "ab",
            "--base",
            &base_noisy,
            "--head",
            &head,
            "--rounds",
            "3",
            "--max-rounds",
            "9",
            "--results",
            "out/result.json",
            "--json",
        ])
        .arg(&json)
        .args(["--", "sh", "bench.sh"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("could still go either way"), "{stderr}");
    assert!(stderr.contains("round 9/9: head"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("report");
    assert!(
        report["notes"]
            .to_string()
            .contains("Sequential A/B: 9 rounds"),
        "{}",
        report["notes"]
    );
    // Never critical: the worsening may be under the 10% threshold.
    assert_ne!(status_of(&statuses(&json), "work", "median"), "critical");
}

//! Same-job A/B mode against a real git repository, and the confirmation re-run of `compare`.

mod common;

use std::path::Path;
use std::process::Command;

use common::{benchgate, record, status_of, statuses, write_time_metrics};
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

/// `benchgate ab` in `dir` between two revisions, reading `out/result.json`, with these
/// options before the bench command `sh bench.sh`.
fn ab(dir: &Path, base: &str, head: &str, options: &[&str]) -> assert_cmd::Command {
    let mut cmd = benchgate();
    cmd.current_dir(dir)
        .args(["ab", "--base", base, "--head", head])
        .args(["--results", "out/result.json"])
        .args(options)
        .args(["--", "sh", "bench.sh"]);
    cmd
}

/// A path as an argument (the temporary directories here are UTF-8).
fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn ab_mode_finds_the_slower_revision_and_cleans_up() {
    let (dir, base, head) = repo();
    let json = dir.path().join("r.json");
    ab(
        dir.path(),
        &base,
        &head,
        &["--rounds", "3", "--json", path(&json)],
    )
    .assert()
    .code(1)
    .stderr(contains("round 3/3: head"));
    assert_eq!(status_of(&statuses(&json), "work", "median"), "critical");
    // The checkouts are gone.
    assert_eq!(git(dir.path(), &["worktree", "list"]).lines().count(), 1);

    // The same revision on both sides passes.
    let json = dir.path().join("aa.json");
    ab(
        dir.path(),
        &head,
        &head,
        &["--rounds", "2", "--json", path(&json)],
    )
    .assert()
    .success();
    assert_eq!(status_of(&statuses(&json), "work", "median"), "acceptable");
}

#[test]
fn ab_mode_errors_name_the_problem() {
    let (dir, base, _) = repo();
    ab(dir.path(), &base, "no-such-rev", &[])
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

/// A history at `p/history.json` of one metric, `work`, with these values, a run each.
fn work_history(p: &Path, values: &[f64]) -> std::path::PathBuf {
    let baseline = p.join("history.json");
    for (i, v) in values.iter().enumerate() {
        metrics_file(&p.join("run.json"), *v);
        record(&baseline, &format!("c{i}"), &[p.join("run.json")]);
    }
    baseline
}

/// `compare` of `p/current.json` against `baseline`, confirming with `command`, the JSON report
/// in `json`.
fn compare_confirming(
    p: &Path,
    baseline: &Path,
    command: &str,
    json: &Path,
) -> assert_cmd::Command {
    let mut cmd = benchgate();
    cmd.current_dir(p)
        .args(["compare", "--commit", "x", "--baseline"])
        .arg(baseline)
        .args(["--confirm", command, "--json"])
        .arg(json)
        .arg(p.join("current.json"));
    cmd
}

#[test]
fn confirmation_keeps_only_regressions_that_reproduce() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let baseline = work_history(p, &[100.0, 101.0, 99.0, 100.5, 99.5, 100.0]);
    metrics_file(&p.join("fast.json"), 100.0);
    metrics_file(&p.join("slow.json"), 130.0);
    metrics_file(&p.join("slow-again.json"), 131.0);
    let reason = |json: &Path| {
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(json).expect("json")).expect("json");
        report["metrics"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };

    // The re-run comes back normal: the regression was the runner, not the code.
    std::fs::copy(p.join("slow.json"), p.join("current.json")).expect("copy");
    let json = p.join("a.json");
    let command = "printf '%s' \"$BENCHGATE_FILTER\" > filter.txt; cp fast.json current.json";
    compare_confirming(p, &baseline, command, &json)
        .assert()
        .success();
    assert_eq!(status_of(&statuses(&json), "work", "median"), "warning");
    assert_eq!(
        std::fs::read_to_string(p.join("filter.txt")).expect("filter"),
        "^(work)$"
    );

    // The re-run is as slow: the regression stands, and the methodology says what was applied.
    std::fs::copy(p.join("slow.json"), p.join("current.json")).expect("copy");
    let json = p.join("b.json");
    compare_confirming(p, &baseline, "cp slow-again.json current.json", &json)
        .arg("--report")
        .arg(p.join("report.md"))
        .assert()
        .code(1);
    assert!(reason(&json).contains("reproduced when re-measured"));
    let report = std::fs::read_to_string(p.join("report.md")).expect("report");
    assert!(
        report.contains("re-measured in the same job (1 time(s))")
            && report.contains("1 stayed critical and 0 became warnings"),
        "{report}"
    );

    // A command that measures nothing (here: does nothing) never clears a regression.
    std::fs::copy(p.join("slow.json"), p.join("current.json")).expect("copy");
    let json = p.join("c.json");
    compare_confirming(p, &baseline, "true", &json)
        .assert()
        .code(1)
        .stdout(contains("did not measure 1 critical metric(s) again"));
    assert!(
        reason(&json).contains("not confirmed: the confirmation command did not measure it again")
    );
}

/// A regression that reproduces but is not yet sure needs a second re-measurement; when that
/// one fails, the regression stays critical, unconfirmed: a failed command never clears it.
#[test]
fn a_failed_second_re_measurement_leaves_the_regression_critical() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let baseline = work_history(p, &[100.0, 106.0, 95.0, 103.0, 97.0, 100.0]);
    metrics_file(&p.join("current.json"), 125.0);
    metrics_file(&p.join("again.json"), 120.0);
    let json = p.join("report.json");
    let command = "if [ -e once ]; then exit 3; fi; touch once; cp again.json current.json";
    compare_confirming(p, &baseline, command, &json)
        .assert()
        .code(1)
        .stdout(contains("The confirmation command failed"));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("json");
    let reason = report["metrics"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("the second re-measurement failed"),
        "{report}"
    );
}

/// A suite of 60 benchmarks (`b00`..`b59`), one file each in `dir` as a bench tool leaves
/// them: `b00` at `first`, the others at `others`, each with a small wiggle of its own in `run`.
fn suite_files(dir: &Path, run: usize, first: f64, others: f64) -> Vec<std::path::PathBuf> {
    std::fs::create_dir_all(dir).expect("mkdir");
    (0..60)
        .map(|i| {
            let wiggle = ((i * 7 + run * 3) % 5) as f64 - 2.0;
            let value = if i == 0 { first } else { others };
            let path = dir.join(format!("b{i:02}.json"));
            write_time_metrics(
                &path,
                &[(
                    String::new(),
                    format!("b{i:02}"),
                    value * (1.0 + 0.003 * wiggle),
                )],
            );
            path
        })
        .collect()
}

/// In a large suite the re-measurement runs reference benchmarks beside the critical one and is
/// judged relative to its own run-wide shift, not to the first run's values for the rest.
#[test]
fn confirmation_in_a_suite_judges_the_re_measurement_by_its_own_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let baseline = p.join("history.json");
    let factors = [
        1.0, 1.01, 0.99, 1.005, 0.995, 1.0, 1.008, 0.992, 1.003, 0.997,
    ];
    for (i, f) in factors.iter().enumerate() {
        let files = suite_files(&p.join(format!("h{i}")), i + 1, 100.0 * f, 100.0 * f);
        record(&baseline, &format!("c{i}"), &files);
    }
    // Like `cargo bench -- "$BENCHGATE_FILTER"`: only the benchmarks the filter names are
    // measured again; the others keep the first run's files.
    let rerun = "printf '%s\\n' \"$BENCHGATE_FILTER\" >> filters.txt; \
                 for f in again/*.json; do n=$(basename \"$f\" .json); \
                 if printf '%s' \"$n\" | grep -Eq \"$BENCHGATE_FILTER\"; then cp \"$f\" current/; fi; done";
    let check = |first: (f64, f64), again: (f64, f64)| {
        let _ = std::fs::remove_dir_all(p.join("current"));
        let files = suite_files(&p.join("current"), 0, first.0, first.1);
        suite_files(&p.join("again"), 0, again.0, again.1);
        let json = p.join("report.json");
        let out = benchgate()
            .current_dir(p)
            .args(["compare", "--commit", "x", "--baseline"])
            .arg(&baseline)
            .args(["--confirm", rerun, "--json"])
            .arg(&json)
            .args(files)
            .output()
            .expect("run");
        let filters = std::fs::read_to_string(p.join("filters.txt"))
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
        std::fs::remove_file(p.join("filters.txt")).expect("remove");
        (
            out.status.code(),
            status_of(&statuses(&json), "b00", "median"),
            filters,
        )
    };

    // b00 30% slower alone; re-measured on a runner that slows everything by 30%: relative to
    // that run, b00 is where it always was. (Judged beside the first run's values for the
    // rest, it would look like a reproduced regression.)
    let (code, status, filters) = check((130.0, 100.0), (131.0, 130.0));
    assert_eq!(status, "warning", "{filters}");
    assert_eq!(code, Some(0));
    assert_eq!(filters.lines().count(), 1);
    let filter = filters.lines().next().expect("one re-measurement");
    assert!(filter.starts_with("^(b00|"), "{filter}");
    assert_eq!(
        filter.matches('|').count(),
        20,
        "b00 and 20 references: {filter}"
    );

    // The first run on a runner 30% slow throughout, b00 30% slower still; re-measured on a
    // normal runner: the regression reproduces. (Beside the first run's slow values for the
    // rest, it would vanish.)
    let (code, status, filters) = check((169.0, 130.0), (130.0, 100.0));
    assert_eq!(status, "critical", "{filters}");
    assert_eq!(code, Some(1));
    assert_eq!(filters.lines().count(), 1, "sure after one re-measurement");
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
    let out = ab(
        p,
        &base_noisy,
        &head,
        &["--rounds", "3", "--max-rounds", "9", "--json", path(&json)],
    )
    .env("BENCH_COUNTER", p.join("counter"))
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

//! The composite action's own script (the `run` step of action.yml), executed with bash as the
//! runner would, against the built binary: inputs arrive through `env:` and reach benchgate
//! intact, whatever they contain.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::fixture;

/// The script of the step with `id: run`, de-indented.
fn run_step_script() -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"))
        .expect("action.yml");
    let lines: Vec<&str> = text.lines().collect();
    let id = lines
        .iter()
        .position(|l| l.trim() == "id: run")
        .expect("a step with id: run");
    let start = lines[id..]
        .iter()
        .position(|l| l.trim() == "run: |")
        .map(|i| id + i + 1)
        .expect("its run block");
    let indent = lines[start].len() - lines[start].trim_start().len();
    lines[start..]
        .iter()
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() >= indent)
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_benchgate"))
        .parent()
        .expect("dir")
        .to_path_buf()
}

fn step(dir: &Path, mode: &str, results: &str, store: &str) -> Command {
    let mut cmd = Command::new("bash");
    cmd.arg("-e")
        .arg("-c")
        .arg(run_step_script())
        .current_dir(dir)
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("GITHUB_OUTPUT", dir.join("output"))
        .env("GITHUB_STEP_SUMMARY", dir.join("summary"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_REPOSITORY", "acme/widgets")
        .env("GITHUB_SHA", "9f2c1e4b7a3d5c8e0f1a2b3c4d5e6f708192a3b4")
        .env_remove("GITHUB_EVENT_PATH")
        .env("BENCHGATE_MODE", mode)
        .env("BENCHGATE_RESULTS", results)
        .env("BENCHGATE_STORE", store)
        .env("BENCHGATE_MAIN_BRANCH", "main")
        .env("BENCHGATE_CONFIG", "")
        .env("BENCHGATE_FAIL_ON", "critical")
        .env("BENCHGATE_COMMENT", "always")
        .env("BENCHGATE_TOKEN", "")
        .env("BENCHGATE_REPORT_DIR", "benchgate-report")
        .env("BENCHGATE_ARTIFACT", "benchgate-report")
        .env("BENCHGATE_CONFIRM", "")
        .env("BENCHGATE_COMMENT_KEY", "");
    cmd
}

#[test]
fn the_check_step_passes_inputs_through_and_keeps_the_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let history = dir.path().join("history.json");
    std::fs::copy(fixture("baseline/criterion-history.json"), &history).expect("copy");
    // Results one per line, with blank lines, as a YAML block gives them.
    let results = format!("\n{}\n\n", fixture("criterion/runs/v2-run2").display());
    let out = step(
        dir.path(),
        "check",
        &results,
        &format!("file:{}", history.display()),
    )
    .output()
    .expect("bash");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{log}");
    let outputs = std::fs::read_to_string(dir.path().join("output")).expect("outputs");
    assert!(outputs.contains("\ncritical\n"), "{outputs}");
    assert!(dir.path().join("benchgate-report/report.md").is_file());
}

#[test]
fn update_baseline_with_an_artifact_store_names_the_upload_only_when_safe() {
    // A store name that would smuggle a second output line is not echoed to GITHUB_OUTPUT.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = step(
        dir.path(),
        "update-baseline",
        "x",
        "artifact:evil\nstatus=pass",
    )
    .output()
    .expect("bash");
    let outputs = std::fs::read_to_string(dir.path().join("output")).unwrap_or_default();
    assert!(!outputs.contains("status=pass"), "{outputs}");
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn an_unknown_mode_fails_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = step(dir.path(), "deploy", "", "branch:benchgate-data")
        .output()
        .expect("bash");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("mode must be check"));
}

#[test]
fn a_confirm_command_reaches_benchgate_and_clears_a_regression_that_does_not_reproduce() {
    // The re-measurement rewrites the input with an unchanged run: the critical does not
    // reproduce, so the check passes and says so.
    let dir = tempfile::tempdir().expect("tempdir");
    let history = dir.path().join("history.json");
    std::fs::copy(fixture("baseline/criterion-history.json"), &history).expect("copy");
    let results = dir.path().join("criterion");
    let copy = |from: &Path| {
        let _ = std::fs::remove_dir_all(&results);
        let out = Command::new("cp")
            .arg("-r")
            .arg(from)
            .arg(&results)
            .status()
            .expect("cp");
        assert!(out.success());
    };
    copy(&fixture("criterion/runs/v2-run2"));
    let again = fixture("criterion/runs/v1-run20");
    let mut cmd = step(
        dir.path(),
        "check",
        &results.display().to_string(),
        &format!("file:{}", history.display()),
    );
    cmd.env(
        "BENCHGATE_CONFIRM",
        format!(
            "rm -rf '{0}' && cp -r '{1}' '{0}'",
            results.display(),
            again.display()
        ),
    );
    let out = cmd.output().expect("bash");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("re-measuring"), "{log}");
}

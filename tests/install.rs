//! The action's installer (`scripts/install.sh`): a release binary is run only when its SHA-256
//! matches the sum pinned in the action; without a pinned release it builds from source.
#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

const ASSET: &str = "benchgate-v9.8.7-x86_64-unknown-linux-musl.tar.gz";

/// An action directory (Cargo.toml with a version, dist/SHA256SUMS) and a release directory
/// holding one tarball; returns the tarball's real SHA-256.
fn setup(root: &Path) -> String {
    let action = root.join("action");
    std::fs::create_dir_all(action.join("dist")).expect("dir");
    std::fs::write(
        action.join("Cargo.toml"),
        "[package]\nname = \"benchgate\"\nversion = \"9.8.7\"\n",
    )
    .expect("write");
    let stage = root.join("stage");
    std::fs::create_dir_all(&stage).expect("dir");
    std::fs::write(
        stage.join("benchgate"),
        "#!/bin/sh\necho \"benchgate 9.8.7 (release)\"\n",
    )
    .expect("write");
    let release = root.join("release/v9.8.7");
    std::fs::create_dir_all(&release).expect("dir");
    let tar = release.join(ASSET);
    let ok = Command::new("tar")
        .arg("-czf")
        .arg(&tar)
        .arg("-C")
        .arg(&stage)
        .arg("benchgate")
        .status()
        .expect("tar");
    assert!(ok.success());
    let bytes = std::fs::read(&tar).expect("read");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn install(root: &Path) -> std::process::Output {
    Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh"))
        .env("BENCHGATE_ACTION_PATH", root.join("action"))
        .env("BENCHGATE_RELEASE_REPO", "acme/benchgate")
        .env(
            "BENCHGATE_DOWNLOAD_BASE",
            format!("file://{}", root.join("release").display()),
        )
        .env("BENCHGATE_BIN_DIR", root.join("bin"))
        .env("BENCHGATE_CARGO", "echo")
        .env_remove("BENCHGATE_VERSION")
        .env_remove("GITHUB_PATH")
        .output()
        .expect("bash")
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_pinned_release_is_verified_and_installed() {
    let root = tempfile::tempdir().expect("tempdir");
    let sum = setup(root.path());
    std::fs::write(
        root.path().join("action/dist/SHA256SUMS"),
        format!("{sum}  {ASSET}\n"),
    )
    .expect("write");
    let out = install(root.path());
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("SHA-256 verified"), "{}", text(&out));
    let run = Command::new(root.path().join("bin/benchgate"))
        .output()
        .expect("installed binary runs");
    assert_eq!(
        String::from_utf8_lossy(&run.stdout).trim(),
        "benchgate 9.8.7 (release)"
    );
}

#[test]
fn a_mismatched_sum_is_refused_without_fallback() {
    let root = tempfile::tempdir().expect("tempdir");
    setup(root.path());
    std::fs::write(
        root.path().join("action/dist/SHA256SUMS"),
        format!("{}  {ASSET}\n", "0".repeat(64)),
    )
    .expect("write");
    let out = install(root.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("refusing to run it"), "{}", text(&out));
    assert!(!root.path().join("bin/benchgate").exists());
    assert!(!text(&out).contains("install --locked"));
}

#[test]
fn without_a_pinned_sum_it_builds_from_source() {
    let root = tempfile::tempdir().expect("tempdir");
    setup(root.path());
    let out = install(root.path());
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("no pinned release"), "{t}");
    // BENCHGATE_CARGO=echo prints the cargo command instead of building.
    assert!(t.contains("install --locked --quiet --root"), "{t}");
    assert!(!root.path().join("bin/benchgate").exists());
}

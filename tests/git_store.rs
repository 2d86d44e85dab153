//! The data-branch baseline store against a real git remote (a local bare repository):
//! records, merge-base scoping, retention, squashing, and concurrent writers losing nothing.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use benchgate::baseline::git::{BranchStore, HISTORY_FILE};
use benchgate::baseline::store::Store;
use benchgate::baseline::{Baseline, Window};
use benchgate::model::{Metric, Run, RunMeta};
use chrono::{TimeZone, Utc};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A bare remote and a clone of it with a main branch of `commits` commits; returns the
/// clone's path and the commit ids, oldest first.
fn remote_and_clone(root: &Path, commits: usize) -> (PathBuf, PathBuf, Vec<String>) {
    let bare = root.join("remote.git");
    std::fs::create_dir_all(&bare).expect("dir");
    git(&bare, &["init", "--quiet", "--bare", "-b", "main"]);
    let work = root.join("work");
    git(
        root,
        &["clone", "--quiet", bare.to_str().expect("utf8"), "work"],
    );
    let mut ids = Vec::new();
    for i in 0..commits {
        std::fs::write(work.join("f"), format!("{i}")).expect("write");
        git(&work, &["add", "f"]);
        git(&work, &["commit", "--quiet", "-m", &format!("c{i}")]);
        ids.push(git(&work, &["rev-parse", "HEAD"]));
    }
    git(&work, &["push", "--quiet", "origin", "HEAD:main"]);
    (bare, work, ids)
}

fn run_at(commit: &str, day: u32, value: f64) -> Run {
    let meta = RunMeta {
        commit: Some(commit.to_string()),
        branch: Some("main".into()),
        timestamp: Some(
            Utc.with_ymd_and_hms(2026, 11, day, 3, 0, 0)
                .single()
                .expect("time"),
        ),
        ..RunMeta::default()
    };
    Run::new(meta, vec![Metric::time("hash/djb2", "mean", value)])
}

fn record(store: &BranchStore, run: &Run, window: Window) -> Baseline {
    store
        .record(run, &mut |old: Option<Baseline>| {
            let mut b = old.unwrap_or_else(|| Baseline::new(window));
            b.append(run.meta.clone(), &run.metrics);
            Ok(b)
        })
        .expect("record")
}

const WINDOW: Window = Window {
    max_runs: 30,
    max_age_days: 365,
};

#[test]
fn records_runs_and_scopes_a_pull_request_to_its_merge_base() {
    let root = tempfile::tempdir().expect("tempdir");
    let (bare, work, ids) = remote_and_clone(root.path(), 4);
    let store = BranchStore::new(&work, "origin", "benchgate-data");
    assert_eq!(store.load().expect("load"), None, "no branch yet");
    for (i, id) in ids.iter().enumerate() {
        record(&store, &run_at(id, 1 + i as u32, 100.0 + i as f64), WINDOW);
    }
    // The remote's branch has the history and one file per run; the work tree is untouched.
    let files = git(&bare, &["ls-tree", "-r", "--name-only", "benchgate-data"]);
    assert!(files.lines().any(|f| f == HISTORY_FILE));
    assert_eq!(files.lines().filter(|f| f.starts_with("runs/")).count(), 4);
    assert_eq!(git(&work, &["status", "--porcelain"]), "");
    assert_eq!(store.load().expect("load").expect("history").runs.len(), 4);

    // A pull request branched off the second commit sees only the runs up to it.
    let scoped = BranchStore::new(&work, "origin", "benchgate-data").up_to(Some(ids[1].clone()));
    let history = scoped.load().expect("load").expect("history");
    let commits: Vec<_> = history
        .runs
        .iter()
        .filter_map(|r| r.meta.commit.clone())
        .collect();
    assert_eq!(commits, vec![ids[0].clone(), ids[1].clone()]);
    assert!(
        scoped.describe().contains("merge-base"),
        "{}",
        scoped.describe()
    );

    // An unknown merge-base (a shallow clone) falls back to the whole history, and says so.
    let unknown = BranchStore::new(&work, "origin", "benchgate-data")
        .up_to(Some("0123456789abcdef0123456789abcdef01234567".into()));
    assert_eq!(
        unknown.load().expect("load").expect("history").runs.len(),
        4
    );
    assert!(unknown.describe().contains("fetch-depth: 0"));
}

#[test]
fn retention_and_squashing_keep_the_branch_bounded() {
    let root = tempfile::tempdir().expect("tempdir");
    let (bare, work, _) = remote_and_clone(root.path(), 1);
    let mut store = BranchStore::new(&work, "origin", "benchgate-data");
    store.squash_after = 5;
    let window = Window {
        max_runs: 3,
        max_age_days: 365,
    };
    for i in 0..12u32 {
        record(&store, &run_at(&format!("c{i:02}"), 1 + i, 100.0), window);
    }
    let files = git(&bare, &["ls-tree", "-r", "--name-only", "benchgate-data"]);
    let runs: Vec<_> = files.lines().filter(|f| f.starts_with("runs/")).collect();
    assert_eq!(
        runs,
        vec!["runs/c09.json", "runs/c10.json", "runs/c11.json"]
    );
    let depth: usize = git(&bare, &["rev-list", "--count", "benchgate-data"])
        .parse()
        .expect("count");
    assert!(depth < 5, "the branch has {depth} commits");
}

#[test]
fn two_concurrent_writers_lose_no_run() {
    let root = tempfile::tempdir().expect("tempdir");
    let (bare, _work, _) = remote_and_clone(root.path(), 1);
    // Two jobs, each with its own clone, record ten runs each at the same time.
    let clones: Vec<PathBuf> = (0..2)
        .map(|w| {
            let name = format!("writer{w}");
            git(
                root.path(),
                &["clone", "--quiet", bare.to_str().expect("utf8"), &name],
            );
            root.path().join(name)
        })
        .collect();
    let handles: Vec<_> = clones
        .into_iter()
        .enumerate()
        .map(|(w, dir)| {
            std::thread::spawn(move || {
                let mut store = BranchStore::new(&dir, "origin", "benchgate-data");
                store.attempts = 40;
                for i in 0..10u32 {
                    record(
                        &store,
                        &run_at(&format!("w{w}r{i:02}"), 1 + i, 100.0),
                        WINDOW,
                    );
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("writer");
    }
    let reader = root.path().join("reader");
    git(
        root.path(),
        &["clone", "--quiet", bare.to_str().expect("utf8"), "reader"],
    );
    let history = BranchStore::new(&reader, "origin", "benchgate-data")
        .load()
        .expect("load")
        .expect("history");
    assert_eq!(history.runs.len(), 20, "every run of both writers is kept");
    let files = git(&bare, &["ls-tree", "-r", "--name-only", "benchgate-data"]);
    assert_eq!(files.lines().filter(|f| f.starts_with("runs/")).count(), 20);
}

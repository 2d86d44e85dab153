//! A baseline on a git data branch: `history.json` plus one `runs/COMMIT.json` per main-branch
//! run, written with plumbing commands (the work tree is never touched) and pushed with a lease,
//! so that concurrent writers retry instead of losing a run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::model::Run;

use super::Baseline;
use super::store::Store;

/// The history file on the data branch.
pub const HISTORY_FILE: &str = "history.json";
/// The directory of per-commit runs.
pub const RUNS_DIR: &str = "runs";

/// The history on branch `branch` of `remote`, seen from the repository at `repo`.
#[derive(Debug, Clone)]
pub struct BranchStore {
    repo: PathBuf,
    remote: String,
    branch: String,
    /// Compare with the runs of this commit's ancestors only (the pull request's merge-base).
    upto: Option<String>,
    /// When the branch reaches this many commits, the next write starts it afresh (one
    /// parentless commit), so that the branch does not grow without bound.
    pub squash_after: usize,
    /// Pushes tried before giving up on a contended branch.
    pub attempts: u32,
    scope: std::cell::RefCell<String>,
    auth: Option<Auth>,
}

/// An HTTP header for git's requests to one server, handed to git through the environment
/// (`GIT_CONFIG_*`), never on its command line, where error messages would show it.
#[derive(Clone)]
struct Auth {
    key: String,
    value: String,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Auth {{ key: {:?}, value: <redacted> }}", self.key)
    }
}

impl BranchStore {
    pub fn new(repo: impl Into<PathBuf>, remote: &str, branch: &str) -> Self {
        BranchStore {
            repo: repo.into(),
            remote: remote.to_string(),
            branch: branch.to_string(),
            upto: None,
            squash_after: 200,
            attempts: 8,
            scope: std::cell::RefCell::new(String::new()),
            auth: None,
        }
    }

    /// Authenticates git's requests to `server` (e.g. `https://github.com`) with `token`, the
    /// way actions/checkout does, so that a checkout without persisted credentials can push.
    pub fn with_token(mut self, server: &str, token: &str) -> Self {
        use base64::Engine as _;
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
        self.auth = Some(Auth {
            key: format!("http.{}/.extraheader", server.trim_end_matches('/')),
            value: format!("AUTHORIZATION: basic {basic}"),
        });
        self
    }

    /// Limits `load` to runs of commits that are ancestors of `commit` (inclusive).
    pub fn up_to(mut self, commit: Option<String>) -> Self {
        self.upto = commit;
        self
    }

    fn local_ref(&self) -> String {
        format!("refs/benchgate/{}", self.branch)
    }

    fn error(&self, message: String) -> Error {
        Error::Baseline {
            path: self.describe_base(),
            message,
            hint: None,
        }
    }

    fn describe_base(&self) -> String {
        format!("branch {} of {}", self.branch, self.remote)
    }

    fn git(&self, args: &[&str], index: Option<&Path>, input: Option<&[u8]>) -> Result<String> {
        use std::io::Write;
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(&self.repo).args(args);
        cmd.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        if let Some(index) = index {
            cmd.env("GIT_INDEX_FILE", index);
        }
        for (k, v) in [
            ("GIT_AUTHOR_NAME", "benchgate"),
            ("GIT_AUTHOR_EMAIL", "benchgate@users.noreply.github.com"),
            ("GIT_COMMITTER_NAME", "benchgate"),
            ("GIT_COMMITTER_EMAIL", "benchgate@users.noreply.github.com"),
        ] {
            if std::env::var_os(k).is_none() {
                cmd.env(k, v);
            }
        }
        cmd.env("GIT_TERMINAL_PROMPT", "0");
        if let Some(auth) = &self.auth {
            cmd.env("GIT_CONFIG_COUNT", "1")
                .env("GIT_CONFIG_KEY_0", &auth.key)
                .env("GIT_CONFIG_VALUE_0", &auth.value);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| self.error(format!("cannot run git: {e}; is git installed?")))?;
        if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin
                .write_all(bytes)
                .map_err(|e| self.error(format!("git {}: {e}", args[0])))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| self.error(format!("git {}: {e}", args[0])))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(self.error(format!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    /// Fetches the data branch; `None` when the remote does not have it yet.
    fn fetch(&self) -> Result<Option<String>> {
        let spec = format!("+refs/heads/{}:{}", self.branch, self.local_ref());
        match self.git(
            &["fetch", "--quiet", "--no-tags", &self.remote, &spec],
            None,
            None,
        ) {
            Ok(_) => self
                .git(&["rev-parse", "--verify", &self.local_ref()], None, None)
                .map(Some),
            Err(Error::Baseline { message, .. })
                if message.contains("couldn't find remote ref")
                    || message.contains("could not find remote ref") =>
            {
                let _ = self.git(&["update-ref", "-d", &self.local_ref()], None, None);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn read(&self, tip: &str, path: &str) -> Result<Option<Vec<u8>>> {
        let object = format!("{tip}:{path}");
        if self.git(&["cat-file", "-e", &object], None, None).is_err() {
            return Ok(None);
        }
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.repo)
            .args(["cat-file", "blob", &object])
            .output()
            .map_err(|e| self.error(format!("cannot run git: {e}")))?;
        if !out.status.success() {
            return Err(self.error(format!(
                "git cat-file blob {object} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(Some(out.stdout))
    }

    fn history_at(&self, tip: &str) -> Result<Option<Baseline>> {
        match self.read(tip, HISTORY_FILE)? {
            None => Ok(None),
            Some(bytes) => {
                Baseline::parse(&format!("{}:{HISTORY_FILE}", self.describe_base()), &bytes)
                    .map(Some)
            }
        }
    }

    /// Commits of `commit`'s history, newest first, or `None` when git cannot list them (an
    /// unknown commit, a shallow clone).
    fn ancestors(&self, commit: &str) -> Option<std::collections::HashSet<String>> {
        let out = self
            .git(&["rev-list", "--max-count=100000", commit], None, None)
            .ok()?;
        Some(out.lines().map(str::to_string).collect())
    }

    /// The transaction behind [`Store::record`].
    fn record_run(
        &self,
        run: &Run,
        apply: &mut dyn FnMut(Option<Baseline>) -> Result<Baseline>,
    ) -> Result<Baseline> {
        let commit = run
            .meta
            .commit
            .clone()
            .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_alphanumeric()))
            .ok_or_else(|| {
                self.error(
                    "the run has no commit id (or one that is not alphanumeric); pass --commit SHA"
                        .into(),
                )
            })?;
        let run_text = serde_json::to_string(run)
            .map_err(|e| self.error(format!("cannot serialize the run: {e}")))?;
        let mut delay = Duration::from_millis(200);
        for attempt in 1..=self.attempts {
            let tip = self.fetch()?;
            let old = match &tip {
                Some(t) => self.history_at(t)?,
                None => None,
            };
            let history = apply(old)?;
            let new_tip = self.write_commit(tip.as_deref(), &history, &commit, &run_text)?;
            let lease = format!(
                "--force-with-lease=refs/heads/{}:{}",
                self.branch,
                tip.as_deref().unwrap_or("")
            );
            let refspec = format!("{new_tip}:refs/heads/{}", self.branch);
            match self.git(
                &["push", "--quiet", &lease, &self.remote, &refspec],
                None,
                None,
            ) {
                Ok(_) => return Ok(history),
                Err(Error::Baseline { message, .. }) if rejected(&message) => {
                    if attempt == self.attempts {
                        return Err(self.error(format!(
                            "another writer kept moving the branch; gave up after {attempt} tries"
                        )));
                    }
                    // Spread the racers apart; the jitter comes from the commit id.
                    let jitter = u64::from(commit.as_bytes()[0] % 7) * 37;
                    std::thread::sleep(delay + Duration::from_millis(jitter));
                    delay = delay.saturating_mul(2).min(Duration::from_secs(5));
                }
                Err(e) => return Err(e),
            }
        }
        Err(self.error("the push was never accepted".into()))
    }

    fn write_commit(
        &self,
        tip: Option<&str>,
        history: &Baseline,
        commit: &str,
        run_text: &str,
    ) -> Result<String> {
        let dir = tempfile::tempdir().map_err(|e| self.error(format!("temp dir: {e}")))?;
        let index = dir.path().join("index");
        let idx = Some(index.as_path());
        if let Some(tip) = tip {
            self.git(&["read-tree", tip], idx, None)?;
        }
        let history_blob = self.git(
            &["hash-object", "-w", "--stdin"],
            None,
            Some(history.to_json().as_bytes()),
        )?;
        let run_blob = self.git(
            &["hash-object", "-w", "--stdin"],
            None,
            Some(run_text.as_bytes()),
        )?;
        let run_path = format!("{RUNS_DIR}/{commit}.json");
        for (blob, path) in [
            (&history_blob, HISTORY_FILE),
            (&run_blob, run_path.as_str()),
        ] {
            let info = format!("100644,{blob},{path}");
            self.git(&["update-index", "--add", "--cacheinfo", &info], idx, None)?;
        }
        // Retention: a run's file stays while its commit is in the history.
        let kept: std::collections::HashSet<String> = history
            .runs
            .iter()
            .filter_map(|r| r.meta.commit.as_ref())
            .map(|c| format!("{RUNS_DIR}/{c}.json"))
            .collect();
        let listed = self.git(&["ls-files", "--", RUNS_DIR], idx, None)?;
        for path in listed.lines().filter(|p| !kept.contains(*p)) {
            self.git(&["update-index", "--force-remove", "--", path], idx, None)?;
        }
        let tree = self.git(&["write-tree"], idx, None)?;
        let squash = match tip {
            Some(t) => {
                let count: usize = self
                    .git(&["rev-list", "--count", t], None, None)?
                    .parse()
                    .unwrap_or(0);
                count + 1 >= self.squash_after
            }
            None => true,
        };
        let message = format!("benchgate: record {commit}");
        let mut args = vec!["commit-tree", tree.as_str(), "-m", message.as_str()];
        if let (Some(t), false) = (tip, squash) {
            args.extend(["-p", t]);
        }
        self.git(&args, None, None)
    }
}

fn rejected(message: &str) -> bool {
    [
        "stale info",
        "rejected",
        "fetch first",
        "non-fast-forward",
        "cannot lock ref",
    ]
    .iter()
    .any(|m| message.contains(m))
}

impl Store for BranchStore {
    fn load(&self) -> Result<Option<Baseline>> {
        let Some(tip) = self.fetch()? else {
            return Ok(None);
        };
        let Some(mut history) = self.history_at(&tip)? else {
            return Ok(None);
        };
        let Some(upto) = &self.upto else {
            *self.scope.borrow_mut() = String::new();
            return Ok(Some(history));
        };
        let short: String = upto.chars().take(7).collect();
        match self.ancestors(upto) {
            Some(ancestors) => {
                history.runs.retain(|r| {
                    r.meta
                        .commit
                        .as_ref()
                        .is_some_and(|c| ancestors.contains(c))
                });
                *self.scope.borrow_mut() = format!(", runs up to merge-base {short}");
            }
            None => {
                *self.scope.borrow_mut() = format!(
                    ", whole history (merge-base {short} not in this clone; check out with fetch-depth: 0)"
                );
            }
        }
        Ok(Some(history))
    }

    /// Appends `run` as one transaction: fetch the branch, apply `apply` to its history, write
    /// the history and the run's file, push with a lease on the tip that was read; a rejected
    /// push (another writer got there first) starts over from the new tip.
    fn record(
        &self,
        run: &Run,
        apply: &mut dyn FnMut(Option<Baseline>) -> Result<Baseline>,
    ) -> Result<Baseline> {
        self.record_run(run, apply)
    }

    /// A data branch takes whole runs through [`Store::record`], never a bare history.
    fn save(&self, _baseline: &Baseline) -> Result<()> {
        Err(self.error(
            "a data branch is written one run at a time; use `benchgate action update-baseline`"
                .into(),
        ))
    }

    fn describe(&self) -> String {
        format!("{}{}", self.describe_base(), self.scope.borrow())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_stays_out_of_debug_output() {
        let store =
            BranchStore::new(".", "origin", "data").with_token("https://github.com/", "ghs_SECRET");
        let text = format!("{store:?}");
        assert!(
            text.contains("http.https://github.com/.extraheader"),
            "{text}"
        );
        assert!(
            !text.contains("ghs_SECRET") && !text.contains("Z2hzX1NFQ1JFVA"),
            "{text}"
        );
    }
}

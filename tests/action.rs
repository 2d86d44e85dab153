//! End to end: the binary run as a GitHub Actions step, with a fake workflow environment (event
//! payloads from `fixtures/github/events`) against a local mock of the REST API.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{benchgate, fixture};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A token nobody could mistake: it must never appear in any output.
const TOKEN: &str = "ghs_SECRETtoken0123456789abcdefXYZ";
const HEAD: &str = "9f2c1e4b7a3d5c8e0f1a2b3c4d5e6f708192a3b4";
const BASE: &str = "1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e";
const COMMENTS: &str = "/repos/acme/widgets/issues/7/comments";

struct Job {
    dir: tempfile::TempDir,
}

impl Job {
    fn new() -> Job {
        Job {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn history(&self) -> PathBuf {
        let file = self.path("history.json");
        std::fs::copy(fixture("baseline/criterion-history.json"), &file).expect("copy");
        file
    }

    /// `benchgate action ...` with the environment of a step for `event`.
    fn step(&self, event: &str, api: &str) -> assert_cmd::Command {
        let mut cmd = benchgate();
        cmd.current_dir(self.dir.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", event.trim_end_matches("_fork"))
            .env(
                "GITHUB_EVENT_PATH",
                fixture(&format!("github/events/{event}.json")),
            )
            .env("GITHUB_REPOSITORY", "acme/widgets")
            .env("GITHUB_SHA", HEAD)
            .env("GITHUB_API_URL", api)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_RUN_ID", "31337")
            .env("GITHUB_OUTPUT", self.path("output"))
            .env("GITHUB_STEP_SUMMARY", self.path("summary"))
            .env("GITHUB_TOKEN", TOKEN)
            .env("BENCHGATE_GITHUB_BACKOFF_MS", "5")
            .env_remove("BENCHGATE_TOKEN")
            .env_remove("BENCHGATE_COMMENT_AUTHOR");
        cmd
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    /// Every file the job wrote, for the token check.
    fn all_text(&self) -> String {
        fn walk(dir: &Path, out: &mut String) {
            for e in std::fs::read_dir(dir).expect("dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push_str(&String::from_utf8_lossy(
                        &std::fs::read(&p).unwrap_or_default(),
                    ));
                }
            }
        }
        let mut s = String::new();
        walk(self.dir.path(), &mut s);
        s
    }
}

fn regressed() -> PathBuf {
    fixture("criterion/runs/v2-run2")
}

fn unchanged() -> PathBuf {
    fixture("criterion/runs/v1-run20")
}

async fn mock_comment_api(server: &MockServer) {
    // `GET /user` is closed to a workflow's token.
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user",
            "status": "403"
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
}

/// `POST .../comments` answers 201 with the new comment, as GitHub does.
async fn mock_created(server: &MockServer, id: u64) {
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": id, "body": "x", "user": { "login": "github-actions[bot]", "type": "Bot" }
        })))
        .mount(server)
        .await;
}

async fn posted(server: &MockServer) -> Vec<serde_json::Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).expect("json body"))
        .collect()
}

/// Runs the binary off the async runtime, so that the mock server keeps answering it.
async fn run_async(mut cmd: assert_cmd::Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("join")
}

#[tokio::test]
async fn pull_request_check_comments_and_writes_the_step_files() {
    let server = MockServer::start().await;
    mock_comment_api(&server).await;
    mock_created(&server, 77).await;
    let job = Job::new();
    let mut cmd = job.step("pull_request", &server.uri());
    cmd.args(["action", "check", "--out-dir", "report", "--store"])
        .arg(format!("file:{}", job.history().display()))
        .arg(regressed());
    let out = run_async(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");

    // Annotations for the critical rows, escaped as workflow commands.
    assert!(
        stdout.contains("::error title=benchgate%3A critical regression::hash/djb2"),
        "{stdout}"
    );
    // The annotations and step outputs as the runner reads them.
    let annotations: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    insta::assert_snapshot!("pr_check_annotations", annotations.join("\n"));
    insta::assert_snapshot!("pr_check_step_outputs", job.read("output"));
    // Step outputs and the job summary.
    let outputs = job.read("output");
    assert!(outputs.contains("status<<ghadelimiter_"), "{outputs}");
    assert!(outputs.contains("\ncritical\n"), "{outputs}");
    assert!(job.read("summary").contains("benchgate"));
    // The reports and the hand-over for the fork-safe pair.
    for f in [
        "report.md",
        "comment.md",
        "report.json",
        "run.json",
        "pr.json",
    ] {
        assert!(job.path("report").join(f).is_file(), "{f}");
    }
    // One comment, with the marker, the verdict and a link to the run.
    let bodies = posted(&server).await;
    assert_eq!(bodies.len(), 1);
    let body = bodies[0]["body"].as_str().expect("body");
    assert!(body.starts_with("<!-- benchgate:comment -->"), "{body}");
    assert!(body.contains("djb2"), "{body}");
    assert!(stdout.contains("created comment 77 on #7"), "{stdout}");
    // The token is in no output, log or file.
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    assert!(!job.all_text().contains(TOKEN));
}

#[tokio::test]
async fn a_fork_pull_request_skips_the_comment_with_a_notice() {
    let server = MockServer::start().await;
    let job = Job::new();
    let mut cmd = job.step("pull_request_fork", &server.uri());
    cmd.args(["action", "check", "--out-dir", "report", "--store"])
        .arg(format!("file:{}", job.history().display()))
        .arg(regressed());
    let out = run_async(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("::notice title=benchgate::pull request from a fork"));
    assert!(job.read("summary").contains("benchgate"));
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
    let claim: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(job.path("report/pr.json")).expect("pr"))
            .expect("json");
    assert_eq!(claim["number"], 7);
    assert_eq!(claim["head_sha"], HEAD);
}

#[tokio::test]
async fn a_failed_comment_never_changes_the_verdict() {
    for (results, expected) in [(regressed(), 1), (unchanged(), 0)] {
        let server = MockServer::start().await;
        mock_comment_api(&server).await;
        Mock::given(method("POST"))
            .and(path(COMMENTS))
            .respond_with(
                ResponseTemplate::new(500).set_body_json(json!({"message": "Server Error"})),
            )
            .mount(&server)
            .await;
        let job = Job::new();
        let mut cmd = job.step("pull_request", &server.uri());
        cmd.args(["action", "check", "--out-dir", "report", "--store"])
            .arg(format!("file:{}", job.history().display()))
            .arg(&results);
        let out = run_async(cmd).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(expected), "{stdout}\n{stderr}");
        assert!(stderr.contains("the comment was not posted"), "{stderr}");
        assert!(stderr.contains("gave up after 4 tries"), "{stderr}");
        assert!(stdout.contains("::warning title=benchgate%3A comment not posted::"));
        assert!(job.path("report/report.md").is_file());
        assert_eq!(posted(&server).await.len(), 4);
        assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    }
}

#[tokio::test]
async fn on_regression_mode_stays_silent_on_a_pass() {
    let server = MockServer::start().await;
    mock_comment_api(&server).await;
    let job = Job::new();
    let mut cmd = job.step("pull_request", &server.uri());
    cmd.args(["action", "check", "--comment", "on-regression", "--store"])
        .arg(format!("file:{}", job.history().display()))
        .arg(unchanged());
    let out = run_async(cmd).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(posted(&server).await.is_empty());
    assert!(String::from_utf8_lossy(&out.stdout).contains("no comment on #7"));
}

#[test]
fn push_and_schedule_need_no_github_api() {
    // Nothing listens at this address: any request would fail the step's output check.
    let api = "http://127.0.0.1:9";
    let job = Job::new();
    let history = job.history();
    let mut cmd = job.step("push", api);
    cmd.args(["action", "check", "--store"])
        .arg(format!("file:{}", history.display()))
        .arg(unchanged());
    let out = cmd.output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("comment"));
    assert!(job.read("output").contains("\npass\n"));

    let before = std::fs::read_to_string(&history).expect("history");
    let mut cmd = job.step("schedule", api);
    cmd.args([
        "action",
        "update-baseline",
        "--commit",
        "feedface",
        "--store",
    ])
    .arg(format!("file:{}", history.display()))
    .arg(unchanged());
    let out = cmd.output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(&history).expect("history");
    assert_ne!(before, after);
    assert!(after.contains("feedface"));
}

/// Phase 1 (the fork's job) leaves its report directory; this zips it as the artifact.
fn handover_zip(dir: &Path, tamper: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for name in ["run.json", "pr.json", "report.md", "comment.md"] {
        let bytes = std::fs::read(dir.join(name)).expect("report file");
        w.start_file(name, opts).expect("start");
        w.write_all(&tamper(name, bytes)).expect("write");
    }
    w.finish().expect("zip").into_inner()
}

async fn mock_handover(server: &MockServer, zip: Vec<u8>, pr_head: &str) {
    Mock::given(method("GET"))
        .and(path("/repos/acme/widgets/actions/runs/31337/artifacts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "total_count": 1,
            "artifacts": [{
                "id": 99, "node_id": "MDg6QXJ0aWZhY3Q5OQ==", "name": "benchgate-report",
                "size_in_bytes": zip.len(), "expired": false,
                "archive_download_url": "https://api.github.com/repos/acme/widgets/actions/artifacts/99/zip",
                "created_at": "2026-12-04T10:04:00Z", "expires_at": "2027-03-04T10:04:00Z",
                "workflow_run": { "id": 31337, "repository_id": 100001, "head_repository_id": 200002,
                                  "head_branch": "feature", "head_sha": HEAD }
            }]
        })))
        .mount(server)
        .await;
    // GitHub answers the download with a redirect to short-lived storage.
    Mock::given(method("GET"))
        .and(path("/repos/acme/widgets/actions/artifacts/99/zip"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("{}/storage/99.zip", server.uri()).as_str(),
        ))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/storage/99.zip"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/zip")
                .set_body_bytes(zip),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/widgets/pulls/7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "number": 7, "state": "open",
            "head": { "sha": pr_head, "ref": "feature" },
            "base": { "sha": BASE, "ref": "main" }
        })))
        .mount(server)
        .await;
}

/// Runs phase 1 on the fork event and returns its job (report directory inside).
fn phase_one(results: &Path) -> Job {
    let job = Job::new();
    let mut cmd = job.step("pull_request_fork", "http://127.0.0.1:9");
    cmd.args(["action", "check", "--out-dir", "report", "--store"])
        .arg(format!("file:{}", job.history().display()))
        .arg(results);
    let out = cmd.output().expect("runs");
    assert!(out.status.code().is_some_and(|c| c < 2));
    job
}

#[tokio::test]
async fn workflow_run_comments_from_the_verified_artifact() {
    let pr_job = phase_one(&regressed());
    let zip = handover_zip(&pr_job.path("report"), |_, b| b);
    let server = MockServer::start().await;
    mock_handover(&server, zip, HEAD).await;
    mock_comment_api(&server).await;
    mock_created(&server, 78).await;
    let job = Job::new();
    let mut cmd = job.step("workflow_run", &server.uri());
    cmd.args([
        "action",
        "comment-from-artifact",
        "--out-dir",
        "report",
        "--store",
    ])
    .arg(format!("file:{}", job.history().display()));
    let out = run_async(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let bodies = posted(&server).await;
    assert_eq!(bodies.len(), 1, "{stdout}\n{stderr}");
    assert!(bodies[0]["body"].as_str().expect("body").contains("djb2"));
    assert!(job.read("summary").contains("benchgate"));
}

#[tokio::test]
async fn workflow_run_refuses_a_moved_head_or_a_forged_claim() {
    let pr_job = phase_one(&regressed());
    // The pull request moved on since the run: its head is no longer the run's.
    let server = MockServer::start().await;
    mock_handover(
        &server,
        handover_zip(&pr_job.path("report"), |_, b| b),
        BASE,
    )
    .await;
    mock_comment_api(&server).await;
    assert_handover_refused(&server, "is at 1b2c3d4").await;

    // The artifact claims another pull request (a different head).
    let forged = handover_zip(&pr_job.path("report"), |name, b| {
        if name == "pr.json" {
            String::from_utf8(b)
                .expect("utf8")
                .replace(HEAD, BASE)
                .into_bytes()
        } else {
            b
        }
    });
    let server = MockServer::start().await;
    mock_handover(&server, forged, HEAD).await;
    assert_handover_refused(&server, "pr.json names head").await;
}

/// `comment-from-artifact` against `server` ends in exit 2 saying `why`, with nothing posted.
async fn assert_handover_refused(server: &MockServer, why: &str) {
    let job = Job::new();
    let mut cmd = job.step("workflow_run", &server.uri());
    cmd.args(["action", "comment-from-artifact", "--store"])
        .arg(format!("file:{}", job.history().display()));
    let out = run_async(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(why), "{stderr}");
    assert!(posted(server).await.is_empty());
}

#[test]
fn a_missing_token_or_event_is_a_clear_error() {
    let job = Job::new();
    let mut cmd = job.step("workflow_run", "http://127.0.0.1:9");
    cmd.env_remove("GITHUB_TOKEN").args([
        "action",
        "comment-from-artifact",
        "--store",
        "file:h.json",
    ]);
    let out = cmd.output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no GitHub token"));

    let mut cmd = job.step("push", "http://127.0.0.1:9");
    cmd.args(["action", "comment-from-artifact", "--store", "file:h.json"]);
    let out = cmd.output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("runs in a `workflow_run` job"));

    let mut cmd = job.step("push", "http://127.0.0.1:9");
    cmd.env("GITHUB_EVENT_PATH", job.path("missing.json"))
        .args(["action", "check", "--store", "file:h.json"])
        .arg(unchanged());
    let out = cmd.output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("missing.json: cannot read the event payload")
    );
}

/// Benchmark names come from the pull request's code. A SYNTHETIC metrics file with hostile
/// names, three times slower than its history, goes through the whole step.
#[tokio::test]
async fn hostile_names_are_neutralized_everywhere() {
    let names = [
        "@acme/maintainers please look",
        "<!-- benchgate:comment -->",
        "a | b | c",
        "<script>alert(1)</script>",
        "::error::forged",
        "x\n::add-mask::hunter2",
        "ansi \u{1b}[31mred\u{1b}[0m",
        "%0A::warning::escaped-newline",
    ];
    let long = "L".repeat(20_000);
    let mut all: Vec<&str> = names.to_vec();
    all.push(&long);
    let metrics = |scale: f64| {
        json!({
            "schema": "benchgate.metrics.v1",
            "metrics": all.iter().map(|n| json!({
                "benchmark": n, "statistic": "mean", "unit": "ms", "value": 10.0 * scale
            })).collect::<Vec<_>>()
        })
        .to_string()
    };
    let job = Job::new();
    let history = job.path("history.json");
    for (i, s) in [1.0, 1.01, 0.99, 1.0, 1.02, 0.98].iter().enumerate() {
        let file = job.path(&format!("base{i}.json"));
        std::fs::write(&file, metrics(*s)).expect("write");
        let out = benchgate()
            .args(["baseline", "update", "--commit", &format!("c{i}")])
            .args(["--timestamp", &format!("2026-12-0{}T00:00:00Z", i + 1)])
            .arg("--baseline")
            .arg(&history)
            .arg(&file)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let current = job.path("current.json");
    std::fs::write(&current, metrics(3.0)).expect("write");

    let server = MockServer::start().await;
    mock_comment_api(&server).await;
    mock_created(&server, 79).await;
    let mut cmd = job.step("pull_request", &server.uri());
    cmd.args(["action", "check", "--out-dir", "report", "--store"])
        .arg(format!("file:{}", history.display()))
        .arg(&current);
    let out = run_async(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every line the runner could parse as a command is one of benchgate's own.
    let commands: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert!(!commands.is_empty());
    for line in &commands {
        assert!(
            line.starts_with("::error title=benchgate")
                || line.starts_with("::warning title=benchgate"),
            "{line}"
        );
        assert!(
            line.len() < 1000,
            "a huge name is cut: {} chars",
            line.len()
        );
    }
    assert!(
        !stdout.contains('\u{1b}'),
        "no terminal escapes reach the log"
    );
    assert!(stdout.contains("x%0A::add-mask::hunter2"), "{stdout}");
    assert!(
        stdout.contains("%250A::warning::escaped-newline"),
        "{stdout}"
    );

    // Step outputs: every line is a delimiter, a name or a value of benchgate's.
    let outputs = job.read("output");
    assert!(!outputs.contains("hunter2") && !outputs.contains("<script>"));

    // The comment: one marker (benchgate's own), no live HTML, no mention that pings.
    let bodies = posted(&server).await;
    let body = bodies[0]["body"].as_str().expect("body");
    assert_eq!(
        body.matches("<!-- benchgate:comment -->").count(),
        1,
        "{body}"
    );
    assert!(!body.contains("<script>"), "{body}");
    assert!(!body.contains("@acme/maintainers"), "{body}");
    assert!(body.len() <= 65_536);
    let summary = job.read("summary");
    assert!(!summary.contains("<script>") && !summary.contains("@acme/maintainers"));
}

/// The artifact store: the newest `benchgate-baseline` artifact of a successful run on main in
/// this repository. Newer candidates from a fork, expired, or from a failed run are passed over.
#[tokio::test]
async fn the_artifact_store_reads_only_main_successful_same_repo_runs() {
    let server = MockServer::start().await;
    let artifact = |id: u64,
                    run: u64,
                    created: &str,
                    expired: bool,
                    head_repo: u64,
                    branch: &str| {
        json!({
            "id": id, "node_id": format!("MDg6QXJ0aWZhY3Q{id}"), "name": "benchgate-baseline",
            "size_in_bytes": 4000, "expired": expired,
            "archive_download_url": format!("https://api.github.com/repos/acme/widgets/actions/artifacts/{id}/zip"),
            "created_at": created, "expires_at": "2027-03-01T00:00:00Z",
            "workflow_run": { "id": run, "repository_id": 100001, "head_repository_id": head_repo,
                              "head_branch": branch, "head_sha": HEAD }
        })
    };
    Mock::given(method("GET"))
        .and(path("/repos/acme/widgets/actions/artifacts"))
        .and(wiremock::matchers::query_param(
            "name",
            "benchgate-baseline",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "total_count": 5,
            "artifacts": [
                artifact(5, 505, "2026-12-04T05:00:00Z", false, 200002, "main"),   // a fork's
                artifact(4, 404, "2026-12-04T04:00:00Z", true, 100001, "main"),    // expired
                artifact(3, 303, "2026-12-04T03:00:00Z", false, 100001, "main"),   // failed run
                artifact(6, 606, "2026-12-04T02:30:00Z", false, 100001, "feature"),// not main
                artifact(2, 202, "2026-12-04T02:00:00Z", false, 100001, "main"),   // the one
            ]
        })))
        .mount(&server)
        .await;
    for (run, conclusion) in [(303, "failure"), (202, "success")] {
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/widgets/actions/runs/{run}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "id": run, "name": "benchgate baseline", "head_branch": "main",
                "status": "completed", "conclusion": conclusion
            })))
            .mount(&server)
            .await;
    }
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("baseline.json", zip::write::SimpleFileOptions::default())
        .expect("start");
    w.write_all(&std::fs::read(fixture("baseline/criterion-history.json")).expect("history"))
        .expect("write");
    let zip = w.finish().expect("zip").into_inner();
    Mock::given(method("GET"))
        .and(path("/repos/acme/widgets/actions/artifacts/2/zip"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(zip))
        .expect(1)
        .mount(&server)
        .await;
    mock_comment_api(&server).await;
    mock_created(&server, 80).await;
    let job = Job::new();
    let mut cmd = job.step("pull_request", &server.uri());
    cmd.args([
        "action",
        "check",
        "--out-dir",
        "report",
        "--store",
        "artifact:benchgate-baseline",
    ])
    .arg(regressed());
    let out = run_async(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report = job.read("report/report.md");
    assert!(
        report.contains("artifact benchgate-baseline (2) of run 202 on main"),
        "{}",
        &report[..report.len().min(3000)]
    );
    let downloads: Vec<String> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.url.path().to_string())
        .filter(|p| p.ends_with("/zip"))
        .collect();
    assert_eq!(
        downloads,
        vec!["/repos/acme/widgets/actions/artifacts/2/zip"]
    );
}

#[test]
fn with_the_network_down_the_reports_and_the_verdict_stand() {
    let job = Job::new();
    // Nothing listens on the discard port: every request is refused.
    let mut cmd = job.step("pull_request", "http://127.0.0.1:9");
    cmd.args(["action", "check", "--out-dir", "report", "--store"])
        .arg(format!("file:{}", job.history().display()))
        .arg(regressed());
    let out = cmd.output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the comment was not posted"), "{stderr}");
    assert!(stderr.contains("gave up after 4 tries"), "{stderr}");
    assert!(job.path("report/report.md").is_file());
    assert!(job.read("summary").contains("benchgate"));
    assert!(!stderr.contains(TOKEN));
}

#[test]
fn an_unwritable_summary_does_not_change_the_verdict() {
    let job = Job::new();
    let mut cmd = job.step("push", "http://127.0.0.1:9");
    cmd.env("GITHUB_STEP_SUMMARY", job.path("no/such/dir/summary"))
        .args(["action", "check", "--store"])
        .arg(format!("file:{}", job.history().display()))
        .arg(regressed());
    let out = cmd.output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the job summary was not written"),
        "{stderr}"
    );
}

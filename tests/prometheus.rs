//! `benchgate verify` against a real Prometheus: eight days of seeded series backfilled with
//! promtool, a server started on 127.0.0.1 and stopped by its process id.

mod common;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{benchgate, should_run, status_of, statuses};
use predicates::str::contains;
use rand::{Rng, SeedableRng};

/// Eight days of 5-minute samples ending at `end`: per scenario a p95 latency gauge and request
/// and error counters; the `regressed` scenario is 50% slower with 3% errors in the last hour.
fn openmetrics(end: i64) -> String {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let start = end - 8 * 86_400;
    let times: Vec<i64> = (start..=end).step_by(300).collect();
    let mut latency = String::from("# TYPE app_latency_p95_seconds gauge\n");
    let mut requests = String::from("# TYPE app_requests counter\n");
    let mut errors = String::from("# TYPE app_errors counter\n");
    for scenario in ["steady", "regressed"] {
        let (mut req, mut err) = (0.0f64, 0.0f64);
        for &t in &times {
            let late = scenario == "regressed" && t > end - 3600;
            let p95 = 0.0762 * (1.0 + rng.random_range(-0.03..0.03)) * if late { 1.5 } else { 1.0 };
            let served = 300.0 * 20.0 * (1.0 + rng.random_range(-0.05..0.05));
            req += served;
            err += served * if late { 0.03 } else { 0.0004 } * rng.random_range(0.5..1.5);
            let _ = writeln!(
                latency,
                "app_latency_p95_seconds{{scenario=\"{scenario}\"}} {p95:.6} {t}"
            );
            let _ = writeln!(
                requests,
                "app_requests_total{{scenario=\"{scenario}\"}} {req:.0} {t}"
            );
            let _ = writeln!(
                errors,
                "app_errors_total{{scenario=\"{scenario}\"}} {err:.3} {t}"
            );
        }
    }
    format!("{latency}{requests}{errors}# EOF\n")
}

struct Prometheus {
    child: Child,
    url: String,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_prometheus(dir: &Path, end: i64) -> Prometheus {
    std::fs::write(dir.join("data.om"), openmetrics(end)).expect("write");
    let out = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(dir.join("data.om"))
        .arg(dir.join("tsdb"))
        .output()
        .expect("promtool runs");
    assert!(
        out.status.success(),
        "promtool: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(
        dir.join("prometheus.yml"),
        "global:\n  scrape_interval: 1h\nscrape_configs: []\n",
    )
    .expect("write");
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let child = Command::new("prometheus")
        .arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("tsdb").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--storage.tsdb.retention.time=30d")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus starts");
    let server = Prometheus {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(b"GET /-/ready HTTP/1.0\r\n\r\n");
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200") {
                break;
            }
        }
        assert!(Instant::now() < deadline, "prometheus did not become ready");
        std::thread::sleep(Duration::from_millis(200));
    }
    server
}

fn config(dir: &Path, url: &str, scenario: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{scenario}.toml"));
    std::fs::write(
        &path,
        format!(
            r#"[prometheus]
url = "{url}"
window = "1h"
baseline = "7d"
step = "1h"

[[prometheus.query]]
benchmark = "checkout"
statistic = "p95"
kind = "latency"
unit = "s"
query = 'avg_over_time(app_latency_p95_seconds{{scenario="{scenario}"}}[$window])'

[[prometheus.query]]
benchmark = "checkout"
statistic = "rps"
unit = "req/s"
query = 'sum(rate(app_requests_total{{scenario="{scenario}"}}[$window]))'

[[prometheus.query]]
benchmark = "checkout"
statistic = "error_rate"
kind = "error_rate"
unit = "ratio"
query = 'sum(increase(app_errors_total{{scenario="{scenario}"}}[$window])) / sum(increase(app_requests_total{{scenario="{scenario}"}}[$window]))'
"#
        ),
    )
    .expect("write");
    path
}

/// A one-request HTTP server that records the body it receives.
fn webhook() -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("port");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("a request");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("header");
            if line.trim().is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        let mut stream = stream;
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        String::from_utf8_lossy(&body).into_owned()
    });
    (url, handle)
}

#[test]
fn verify_against_a_real_prometheus() {
    if !should_run(&["prometheus", "promtool"]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let end = chrono::Utc::now().timestamp() / 300 * 300 - 300;
    let at = chrono::DateTime::from_timestamp(end, 0)
        .expect("time")
        .to_rfc3339();
    let server = start_prometheus(dir.path(), end);

    // A steady service passes.
    let json = dir.path().join("steady.json");
    benchgate()
        .current_dir(dir.path())
        .args([
            "verify",
            "--at",
            &at,
            "--on-critical",
            "touch rolled-back",
            "--json",
        ])
        .arg(&json)
        .arg("--config")
        .arg(config(dir.path(), &server.url, "steady"))
        .assert()
        .success();
    let s = statuses(&json);
    assert!(
        s.iter()
            .all(|(_, _, st)| st != "critical" && st != "warning"),
        "{s:?}"
    );
    assert!(!dir.path().join("rolled-back").exists());

    // A regressed one fails, runs the rollback once and notifies.
    let (hook, received) = webhook();
    let json = dir.path().join("regressed.json");
    let report = dir.path().join("report.md");
    benchgate()
        .current_dir(dir.path())
        .args([
            "verify",
            "--at",
            &at,
            "--on-critical",
            "touch rolled-back",
            "--notify-webhook",
            &hook,
            "--json",
        ])
        .arg(&json)
        .arg("--report")
        .arg(&report)
        .arg("--config")
        .arg(config(dir.path(), &server.url, "regressed"))
        .assert()
        .code(1)
        .stderr(contains("exited with exit status: 0"));
    let s = statuses(&json);
    assert_eq!(status_of(&s, "checkout", "p95"), "critical");
    assert_eq!(status_of(&s, "checkout", "error_rate"), "critical");
    assert!(dir.path().join("rolled-back").exists());
    let body = received.join().expect("webhook");
    assert!(
        body.contains("CRITICAL") && body.contains("checkout"),
        "{body}"
    );
    let text = std::fs::read_to_string(&report).expect("report");
    assert!(text.contains("Latency Analysis") && text.contains("Error Rate Analysis"));
    // BENCHGATE_KEEP_REPORT=FILE keeps the report of the real Prometheus run to look at.
    if let Some(keep) = std::env::var_os("BENCHGATE_KEEP_REPORT") {
        std::fs::copy(&report, keep).expect("copy");
    }

    // Errors are exit 2, never a pass.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!("[prometheus]\nurl = \"{}\"\n\n[[prometheus.query]]\nbenchmark = \"x\"\nstatistic = \"p95\"\nunit = \"s\"\nquery = 'avg_over_time(no_such_metric[$window])'\n", server.url),
    )
    .expect("write");
    benchgate()
        .args(["verify", "--at", &at, "--config"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(contains("no data"));
    drop(server);
}

#[test]
fn an_unreachable_prometheus_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let cfg = config(dir.path(), &format!("http://127.0.0.1:{port}"), "steady");
    benchgate()
        .args(["verify", "--config"])
        .arg(cfg)
        .assert()
        .code(2)
        .stderr(contains("cannot reach Prometheus"));
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "[thresholds.time]\ncritical = \"10%\"\n").expect("write");
    benchgate()
        .args(["verify", "--config"])
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(contains("no [prometheus] section"));
}

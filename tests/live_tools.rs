//! The adapters against the real tools, run fresh: each tool loads a server started here on
//! 127.0.0.1 for a few seconds, and benchgate must read what it wrote. `.ci/run` installs the
//! tools and sets BENCHGATE_LIVE_TOOLS=1, which makes a missing tool a failure; elsewhere these
//! tests say they were skipped.

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::{benchgate, should_run};

/// One live test at a time: five load generators and five Python servers at once on two cores
/// make the servers drop connections, which tests the machine rather than the adapters.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What a live test holds: the target server, a scratch directory, and its turn. Bind all
/// three as `Live { _turn, dir, server }`: locals drop in reverse, so the server stops before the
/// turn passes (a `..` pattern would drop the turn at once).
struct Live {
    server: Server,
    dir: tempfile::TempDir,
    _turn: std::sync::MutexGuard<'static, ()>,
}

/// Starts a live test needing `tools`, or `None` when it is skipped.
fn live(tools: &[&str]) -> Option<Live> {
    if !should_run(tools) {
        return None;
    }
    let turn = serial();
    Some(Live {
        server: Server::start(),
        dir: tempfile::tempdir().expect("tempdir"),
        _turn: turn,
    })
}

/// The loopback target server, stopped by its process id when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start() -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/loadtarget.py");
        let child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .spawn()
            .expect("python3 runs");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a bounded shell command in `dir`; the tools' own exit codes vary (k6 exits 99 on a
/// crossed threshold, Locust 1 on failures), so only the files they write are checked.
fn sh(dir: &Path, cmd: &str) {
    let status = Command::new("timeout")
        .arg("60")
        .args(["sh", "-c", cmd])
        .current_dir(dir)
        .status()
        .expect("runs");
    assert!(status.code().is_some(), "{cmd} was killed");
}

/// Ingests a file and checks the detected format and that latency and error rate are there.
fn check(file: PathBuf, format: &str, bench: &str) {
    check_in(file, format, bench, bench);
}

/// As `check`, with latency and error rate under different benchmark names (k6 keeps them in
/// separate metrics).
fn check_in(file: PathBuf, format: &str, bench: &str, errors_in: &str) {
    assert!(file.exists(), "{} was not written", file.display());
    let run = benchgate()
        .args(["ingest", "--output", "-"])
        .arg(&file)
        .output()
        .expect("runs");
    // On failure, show what the tool wrote: a loaded machine can make a tool give up.
    assert!(
        run.status.success(),
        "{}\n--- the tool wrote:\n{}",
        String::from_utf8_lossy(&run.stderr),
        String::from_utf8_lossy(&std::fs::read(&file).unwrap_or_default())
            .chars()
            .take(3000)
            .collect::<String>()
    );
    let out = run.stdout;
    let run: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(
        run["meta"]["sources"][0]["format"],
        format,
        "{}",
        file.display()
    );
    let metrics = run["metrics"].as_array().expect("metrics");
    let has = |b: &str, stat: &str| {
        metrics
            .iter()
            .any(|m| m["benchmark"] == b && m["statistic"] == stat)
    };
    assert!(
        has(bench, "p50") || has(bench, "avg"),
        "{}: no latency for {bench}",
        file.display()
    );
    assert!(
        has(errors_in, "error_rate"),
        "{}: no error rate for {errors_in}",
        file.display()
    );
}

#[test]
fn k6_summary_export_and_point_stream() {
    let Some(Live { _turn, dir, server }) = live(&["k6"]) else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/load/k6/k6_script.js");
    sh(
        dir.path(),
        &format!(
            "k6 run --no-usage-report --quiet -e BASE={} -e RATE=20 -e DURATION=2s --summary-export summary.json --out json=points.ndjson {} > /dev/null 2>&1",
            server.url,
            script.display()
        ),
    );
    check_in(
        dir.path().join("summary.json"),
        "k6-summary",
        "http_req_duration",
        "http_req_failed",
    );
    check_in(
        dir.path().join("points.ndjson"),
        "k6-json",
        "http_req_duration",
        "http_req_failed",
    );
}

#[test]
fn locust_csv_and_json() {
    let Some(Live { _turn, dir, server }) = live(&["locust"]) else {
        return;
    };
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/load/locust/locustfile.py");
    sh(
        dir.path(),
        &format!(
            "locust -f {} --headless -u 5 -r 5 -t 3s --host {} --csv run --only-summary > /dev/null 2>&1",
            file.display(),
            server.url
        ),
    );
    check(dir.path().join("run_stats.csv"), "locust-csv", "Aggregated");
    sh(
        dir.path(),
        &format!(
            "locust -f {} --headless -u 5 -r 5 -t 3s --host {} --json --skip-log > run.json 2> /dev/null",
            file.display(),
            server.url
        ),
    );
    check(dir.path().join("run.json"), "locust-json", "Aggregated");
}

#[test]
fn wrk_text_and_lua_json() {
    let Some(Live { _turn, dir, server }) = live(&["wrk"]) else {
        return;
    };
    let lua = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/wrk-report.lua");
    sh(
        dir.path(),
        &format!(
            "WRK_JSON_OUT=done.json wrk -t1 -c4 -d2s --latency -s {} {}/flaky > text.txt 2>&1",
            lua.display(),
            server.url
        ),
    );
    check(dir.path().join("text.txt"), "wrk", "http");
    check(dir.path().join("done.json"), "wrk-json", "http");
}

#[test]
fn hey_summary_and_csv() {
    let Some(Live { _turn, dir, server }) = live(&["hey"]) else {
        return;
    };
    sh(
        dir.path(),
        &format!("hey -n 300 -c 5 {}/flaky > summary.txt 2>&1", server.url),
    );
    sh(
        dir.path(),
        &format!("hey -n 300 -c 5 -o csv {}/flaky > run.csv 2>&1", server.url),
    );
    check(dir.path().join("summary.txt"), "hey", "http");
    check(dir.path().join("run.csv"), "hey-csv", "http");
}

#[test]
fn ab_text_and_percentiles() {
    let Some(Live { _turn, dir, server }) = live(&["ab"]) else {
        return;
    };
    sh(
        dir.path(),
        &format!(
            "ab -r -s 10 -n 300 -c 5 -e percentiles.csv {}/flaky > text.txt 2>&1",
            server.url
        ),
    );
    check(dir.path().join("text.txt"), "ab", "http");
    let out = benchgate()
        .args(["ingest", "--output", "-"])
        .arg(dir.path().join("percentiles.csv"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("\"p95\""));
}

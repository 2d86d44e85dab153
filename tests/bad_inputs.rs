//! The bad-input corpus: real tool outputs cut short or corrupted, wrong formats and schema
//! versions, impossible numbers, broken configurations and histories. Each case must end in
//! exit 2 with a message naming the file (and the line where the format has lines) and nothing
//! written, or, where a tool legitimately reports a value as unusable, in a noted skip. Never a
//! panic. `cargo test --test bad_inputs -- --nocapture` prints how each case ended.

mod common;

use std::path::{Path, PathBuf};

use common::{benchgate, fixture};

enum Want {
    /// Exit 2; stderr names the file (with `:LINE` when given) and contains the text.
    Error(&'static str, Option<usize>),
    /// Read, with the value left out and a note saying so.
    Noted(&'static str),
}

enum Body {
    /// A fixture, changed by replacing the first occurrence of a text.
    Replace(&'static str, &'static str, &'static str),
    /// A fixture cut to its first half.
    Half(&'static str),
    /// A fixture's first N lines.
    Lines(&'static str, usize),
    /// A fixture's first N lines and then a line cut short.
    Cut(&'static str, usize, &'static str),
    Bytes(Vec<u8>),
}

struct Case {
    label: &'static str,
    file: &'static str,
    format: Option<&'static str>,
    body: Body,
    want: Want,
}

fn case(
    label: &'static str,
    file: &'static str,
    format: Option<&'static str>,
    body: Body,
    want: Want,
) -> Case {
    Case {
        label,
        file,
        format,
        body,
        want,
    }
}

fn bytes(body: &Body) -> Vec<u8> {
    let read = |f: &str| std::fs::read_to_string(fixture(f)).expect("fixture");
    match body {
        Body::Replace(f, from, to) => {
            let text = read(f);
            assert!(text.contains(from), "{f} has no {from:?}");
            text.replacen(from, to, 1).into_bytes()
        }
        Body::Half(f) => {
            let text = read(f);
            let mut cut = text.len() / 2;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.as_bytes()[..cut].to_vec()
        }
        Body::Lines(f, n) => {
            let text = read(f);
            let mut out: String = text.lines().take(*n).collect::<Vec<_>>().join("\n");
            out.push('\n');
            out.into_bytes()
        }
        Body::Cut(f, n, tail) => {
            let mut out = bytes(&Body::Lines(f, *n));
            out.extend_from_slice(tail.as_bytes());
            out
        }
        Body::Bytes(b) => b.clone(),
    }
}

const OHA: &str = "load/oha/oha_flaky.json";
const K6: &str = "load/k6/k6_summary_export.json";
const K6_POINTS: &str = "load/k6/k6_out_points.ndjson";
const METRICS: &str = "generic/EXAMPLE_benchgate_metrics.json";
const HYPERFINE: &str = "criterion/shared/hyperfine.json";
const JTL: &str = "load/jmeter/jmeter_results.jtl";

fn input_cases() -> Vec<Case> {
    use Body::*;
    use Want::*;
    let e = |needle, line| Error(needle, line);
    let mut deep = "[".repeat(100_000).into_bytes();
    deep.push(b'\n');
    vec![
        // Not results at all.
        case(
            "empty file",
            "empty.json",
            None,
            Bytes(vec![]),
            e("the file is empty", None),
        ),
        case(
            "whitespace only",
            "blank.txt",
            None,
            Bytes(b"  \n\t\n".to_vec()),
            e("the file is empty", None),
        ),
        case(
            "binary junk",
            "junk.bin",
            None,
            Bytes(vec![0x89, b'P', b'N', b'G', 0, 0, 0xff, 0xfe, 7]),
            e("unrecognized result format", None),
        ),
        case(
            "zeros",
            "zeros.bin",
            None,
            Bytes(vec![0; 4096]),
            e("unrecognized result format", None),
        ),
        case(
            "UTF-16 JSON",
            "utf16.json",
            None,
            Bytes(b"\xff\xfe{\x00}\x00".to_vec()),
            e("unrecognized result format", None),
        ),
        case(
            "JSON null as a run",
            "null.json",
            Some("benchgate-run"),
            Bytes(b"null\n".to_vec()),
            e("unsupported run schema", None),
        ),
        case(
            "JSON array of numbers",
            "numbers.json",
            None,
            Bytes(b"[1, 2, 3]\n".to_vec()),
            e("unrecognized result format", None),
        ),
        case(
            "100,000-deep nesting",
            "deep.json",
            Some("benchgate-metrics"),
            Bytes(deep),
            e("invalid JSON", Some(1)),
        ),
        case(
            "wrong format forced",
            "oha.json",
            Some("hyperfine"),
            Replace(OHA, "", ""),
            e("invalid JSON", None),
        ),
        case(
            "HTML page",
            "report.html",
            None,
            Bytes(b"<!doctype html><title>k6</title>".to_vec()),
            e("unrecognized result format", None),
        ),
        // benchgate's own formats.
        case(
            "metrics: schema v7",
            "m.json",
            None,
            Replace(METRICS, "benchgate.metrics.v1", "benchgate.metrics.v7"),
            e("unsupported schema \"benchgate.metrics.v7\"", None),
        ),
        case(
            "metrics: unknown unit",
            "m.json",
            None,
            Replace(METRICS, "\"unit\": \"ms\"", "\"unit\": \"parsecs\""),
            e(
                "unit \"parsecs\" says nothing about which way is better",
                None,
            ),
        ),
        case(
            "metrics: negative duration",
            "m.json",
            None,
            Replace(METRICS, "\"value\": 41.7", "\"value\": -41.7"),
            e("is negative", None),
        ),
        case(
            "metrics: absurd magnitude",
            "m.json",
            None,
            Replace(METRICS, "\"value\": 41.7", "\"value\": 1e300"),
            e("absurdly large; is the unit right?", None),
        ),
        case(
            "metrics: number out of range",
            "m.json",
            Some("benchgate-metrics"),
            Replace(METRICS, "\"value\": 41.7", "\"value\": 1e400"),
            e("number out of range", Some(4)),
        ),
        case(
            "metrics: value as text",
            "m.json",
            None,
            Replace(METRICS, "\"value\": 41.7", "\"value\": \"41.7ms\""),
            e("expected f64", Some(4)),
        ),
        case(
            "metrics: value missing",
            "m.json",
            None,
            Replace(METRICS, ", \"value\": 41.7}", "}"),
            e("missing field `value`", Some(4)),
        ),
        case(
            "metrics: duplicate key",
            "m.json",
            None,
            Replace(METRICS, "\"value\": 41.7", "\"value\": 41.7, \"value\": 42"),
            e("duplicate field `value`", Some(4)),
        ),
        case(
            "metrics: one key in two units",
            "m.json",
            None,
            Replace(
                METRICS,
                "\"benchmark\": \"worker\", \"statistic\": \"cpu\", \"kind\": \"cpu\", \"unit\": \"%\"",
                "\"benchmark\": \"POST /orders\", \"statistic\": \"p95\", \"unit\": \"s\"",
            ),
            e("is also in", None),
        ),
        case(
            "gab: null value",
            "gab.json",
            Some("gab-smaller"),
            Replace(
                "generic/EXAMPLE_gab_smaller.json",
                "\"value\": 12.4",
                "\"value\": null",
            ),
            e("expected f64", Some(2)),
        ),
        case(
            "gab: truncated",
            "gab.json",
            Some("gab-smaller"),
            Half("generic/EXAMPLE_gab_smaller.json"),
            e("invalid JSON", None),
        ),
        case(
            "bmf: negative latency",
            "bmf.json",
            Some("bmf"),
            Replace(
                "generic/EXAMPLE_bmf.json",
                "\"value\": 5343.45",
                "\"value\": -1",
            ),
            e("is negative", None),
        ),
        case(
            "bmf: truncated",
            "bmf.json",
            Some("bmf"),
            Half("generic/EXAMPLE_bmf.json"),
            e("invalid JSON", Some(3)),
        ),
        // Micro-benchmark tools.
        case(
            "bencher: unknown unit",
            "b.txt",
            Some("bencher"),
            Replace("criterion/shared/bencher_format.txt", "ns/iter", "ms/iter"),
            e("no `ns/iter` value", Some(1)),
        ),
        case(
            "bencher: negative",
            "b.txt",
            Some("bencher"),
            Replace(
                "criterion/shared/bencher_format.txt",
                "bench:          51 ns",
                "bench:         -51 ns",
            ),
            e("is not a number of ns", Some(1)),
        ),
        case(
            "bencher: comma junk",
            "b.txt",
            Some("bencher"),
            Replace("criterion/shared/bencher_format.txt", "9,332", "9,33,2,x"),
            e("is not a number of ns", Some(3)),
        ),
        case(
            "cargo-criterion: line cut short",
            "cc.jsonl",
            Some("cargo-criterion"),
            Replace(
                "criterion/shared/cargo_criterion.jsonl",
                "\"reason\":\"benchmark-complete\",\"id\":\"parse/csv_ints/1024\"",
                "\"reason\":\"benchmark-complete\",\"id\":",
            ),
            e("invalid JSON message", Some(2)),
        ),
        case(
            "cargo-criterion: negative median",
            "cc.jsonl",
            Some("cargo-criterion"),
            Replace(
                "criterion/shared/cargo_criterion.jsonl",
                "\"median\":{\"estimate\":35.91825212539686",
                "\"median\":{\"estimate\":-35.9",
            ),
            e("negative", None),
        ),
        case(
            "hyperfine: no results",
            "hf.json",
            Some("hyperfine"),
            Bytes(b"{\"results\": []}".to_vec()),
            e("no measurements found", None),
        ),
        case(
            "hyperfine: negative median",
            "hf.json",
            Some("hyperfine"),
            Replace(
                HYPERFINE,
                "\"median\": 0.011553718020000001",
                "\"median\": -0.01",
            ),
            e("median", None),
        ),
        case(
            "hyperfine: truncated",
            "hf.json",
            Some("hyperfine"),
            Half(HYPERFINE),
            e("invalid JSON", None),
        ),
        // Load-test tools.
        case(
            "oha: truncated",
            "oha.json",
            Some("oha"),
            Half(OHA),
            e("invalid JSON", Some(57)),
        ),
        case(
            "oha: negative average",
            "oha.json",
            Some("oha"),
            Replace(OHA, "\"average\": 0.0016296698546897", "\"average\": -0.5"),
            Noted("the tool reported -0.5, which cannot be a measurement"),
        ),
        case(
            "k6 summary: truncated",
            "k6.json",
            Some("k6-summary"),
            Half(K6),
            e("invalid JSON", None),
        ),
        case(
            "k6 summary: negative avg",
            "k6.json",
            Some("k6-summary"),
            Replace(K6, "\"avg\": 22.05220868049793", "\"avg\": -2"),
            Noted("the tool reported -2, which cannot be a measurement"),
        ),
        case(
            "k6 handleSummary: truncated",
            "hs.json",
            Some("k6-handle-summary"),
            Half("load/k6/k6_handlesummary_data.json"),
            e("invalid JSON", None),
        ),
        case(
            "k6 points: broken line",
            "k6.ndjson",
            Some("k6-json"),
            Replace(
                K6_POINTS,
                "{\"metric\":\"http_reqs\",\"type\":\"Point\",\"data\":{\"time\":\"2026-12-04T15:22:01.800521026Z\"",
                "{\"metric\":\"http_reqs\",\"type\":\"Point\",\"data\":{\"time\":",
            ),
            e("invalid JSON line", Some(2)),
        ),
        case(
            "k6 points: bad time",
            "k6.ndjson",
            Some("k6-json"),
            Replace(
                K6_POINTS,
                "\"time\":\"2026-12-04T15:22:01.800521026Z\"",
                "\"time\":\"yesterday\"",
            ),
            e("bad time \"yesterday\"", Some(2)),
        ),
        case(
            "k6 points: NaN value",
            "k6.ndjson",
            Some("k6-json"),
            Replace(K6_POINTS, "\"value\":1,", "\"value\":\"NaN\","),
            e("bad point", Some(2)),
        ),
        case(
            "wrk: cut before the totals",
            "wrk.txt",
            Some("wrk"),
            Lines("load/wrk/wrk_flaky_latency.txt", 3),
            e("no `N requests in T` line", None),
        ),
        case(
            "wrk: unknown latency unit",
            "wrk.txt",
            Some("wrk"),
            Replace("load/wrk/wrk_flaky_latency.txt", "2.02ms", "2.02yr"),
            e("cannot read wrk's average latency", Some(4)),
        ),
        case(
            "wrk: bad Requests/sec",
            "wrk.txt",
            Some("wrk"),
            Replace(
                "load/wrk/wrk_flaky_latency.txt",
                "Requests/sec:",
                "Requests/sec: lots",
            ),
            e("cannot read wrk's Requests/sec", None),
        ),
        case(
            "wrk JSON: truncated",
            "wrk.json",
            Some("wrk-json"),
            Half("load/wrk/wrk_flaky_done.json"),
            e("invalid JSON", None),
        ),
        case(
            "hey: cut before the summary",
            "hey.txt",
            Some("hey"),
            Lines("load/hey/hey_flaky_summary.txt", 4),
            e("no `Requests/sec` line", None),
        ),
        case(
            "hey CSV: text for a time",
            "hey.csv",
            Some("hey-csv"),
            Replace("load/hey/hey_flaky_n2000.csv", "0.0005,", "fast,"),
            e("response-time \"fast\" is not a duration", Some(3)),
        ),
        case(
            "hey CSV: negative time",
            "hey.csv",
            Some("hey-csv"),
            Replace("load/hey/hey_flaky_n2000.csv", "0.0005,", "-0.0005,"),
            e("response-time \"-0.0005\" is not a duration", Some(3)),
        ),
        case(
            "locust CSV: text for a count",
            "stats.csv",
            Some("locust-csv"),
            Replace("load/locust/locust_csv_stats.csv", ",377,", ",lots,"),
            e("\"lots\" is not a count", Some(2)),
        ),
        case(
            "locust CSV: missing column",
            "stats.csv",
            Some("locust-csv"),
            Replace("load/locust/locust_csv_stats.csv", "Request Count,", ""),
            e("no \"Request Count\" column", Some(1)),
        ),
        case(
            "locust CSV: negative average",
            "stats.csv",
            Some("locust-csv"),
            Replace(
                "load/locust/locust_csv_stats.csv",
                ",1.3401055835556472,",
                ",-1.3,",
            ),
            Noted("the tool reported -1.3"),
        ),
        case(
            "locust JSON: truncated",
            "l.json",
            Some("locust-json"),
            Half("load/locust/locust_json_stdout.json"),
            e("invalid JSON", None),
        ),
        case(
            "JMeter CSV: text for elapsed",
            "r.jtl",
            Some("jmeter-csv"),
            Replace(JTL, ",110,GET", ",fast,GET"),
            e("elapsed \"fast\" is not a non-negative number", Some(3)),
        ),
        case(
            "JMeter CSV: negative elapsed",
            "r.jtl",
            Some("jmeter-csv"),
            Replace(JTL, ",110,GET", ",-110,GET"),
            e("elapsed \"-110\"", Some(3)),
        ),
        case(
            "JMeter CSV: last row cut short",
            "r.jtl",
            Some("jmeter-csv"),
            Cut(JTL, 3, "1796397783170,105,GET"),
            e("the file is cut short", Some(4)),
        ),
        case(
            "JMeter XML: truncated",
            "r.xml",
            Some("jmeter-xml"),
            Half("load/jmeter/jmeter_results_xml.jtl"),
            e("bad XML", None),
        ),
        case(
            "JMeter XML: text for t",
            "r.xml",
            Some("jmeter-xml"),
            Replace("load/jmeter/jmeter_results_xml.jtl", "t=\"78\"", "t=\"x\""),
            e("sample without a numeric \"t\" attribute", Some(3)),
        ),
        case(
            "siege: truncated",
            "s.json",
            Some("siege"),
            Half("load/siege/siege_flaky_debian_default_conf_stdout.json"),
            e("invalid JSON", None),
        ),
        case(
            "siege: negative response time",
            "s.json",
            Some("siege"),
            Replace(
                "load/siege/siege_flaky_debian_default_conf_stdout.json",
                "\"response_time\":\t\t        0.01",
                "\"response_time\": -1",
            ),
            Noted("the tool reported -1"),
        ),
        case(
            "artillery: no aggregate",
            "a.json",
            Some("artillery"),
            Bytes(b"{\"intermediate\": []}".to_vec()),
            e("missing field `aggregate`", Some(1)),
        ),
        case(
            "artillery: truncated",
            "a.json",
            Some("artillery"),
            Half("load/artillery/artillery_report.json"),
            e("invalid JSON", None),
        ),
        case(
            "autocannon: truncated",
            "ac.json",
            Some("autocannon"),
            Half("load/autocannon/autocannon_flaky.json"),
            e("invalid JSON", Some(1)),
        ),
        case(
            "vegeta: negative mean",
            "v.json",
            Some("vegeta"),
            Replace(
                "load/vegeta/SYNTHETIC_vegeta_report_many.json",
                "\"mean\":8050000",
                "\"mean\":-5",
            ),
            Noted("the tool reported -5"),
        ),
        case(
            "vegeta: truncated",
            "v.json",
            Some("vegeta"),
            Half("load/vegeta/SYNTHETIC_vegeta_report_many.json"),
            e("invalid JSON", Some(1)),
        ),
        case(
            "GNU time: text for RSS",
            "t.txt",
            Some("gnu-time"),
            Replace(
                "load/extra/gnu_time_python.txt",
                "(kbytes): 62160",
                "(kbytes): lots",
            ),
            e(
                "cannot read \"Maximum resident set size (kbytes)\"",
                Some(10),
            ),
        ),
        case(
            "GNU time: negative RSS",
            "t.txt",
            Some("gnu-time"),
            Replace(
                "load/extra/gnu_time_python.txt",
                "(kbytes): 62160",
                "(kbytes): -62160",
            ),
            Noted("max_rss: the tool reported"),
        ),
        case(
            "GNU time: no command line",
            "t.txt",
            Some("gnu-time"),
            Replace(
                "load/extra/gnu_time_python.txt",
                "Command being timed",
                "Commando",
            ),
            e("no `Command being timed` line", None),
        ),
    ]
}

fn run_case(dir: &Path, c: &Case) -> String {
    let path = dir.join(c.file);
    std::fs::write(&path, bytes(&c.body)).expect("write");
    let report = dir.join("report.md");
    let _ = std::fs::remove_file(&report);
    match c.want {
        Want::Error(needle, line) => {
            let mut cmd = benchgate();
            cmd.args(["compare", "--commit", "x", "--baseline"])
                .arg(dir.join("none.json"))
                .arg("--report")
                .arg(&report);
            if let Some(f) = c.format {
                cmd.args(["--format", f]);
            }
            let out = cmd.arg(&path).output().expect("runs");
            let stderr = String::from_utf8_lossy(&out.stderr).to_string();
            assert_eq!(out.status.code(), Some(2), "{}: {stderr}", c.label);
            assert!(!stderr.contains("panicked"), "{}: {stderr}", c.label);
            let named = match line {
                Some(l) => format!("{}:{l}:", path.display()),
                None => format!("{}", path.display()),
            };
            assert!(
                stderr.contains(&named),
                "{}: wants {named}: {stderr}",
                c.label
            );
            assert!(
                stderr.contains(needle),
                "{}: wants {needle:?}: {stderr}",
                c.label
            );
            assert!(!report.exists(), "{}: nothing is written", c.label);
            stderr.trim().lines().last().unwrap_or_default().to_string()
        }
        Want::Noted(needle) => {
            let mut cmd = benchgate();
            cmd.args(["ingest", "-o", "-"]);
            if let Some(f) = c.format {
                cmd.args(["--format", f]);
            }
            let out = cmd.arg(&path).output().expect("runs");
            assert_eq!(out.status.code(), Some(0), "{}", c.label);
            let run: serde_json::Value = serde_json::from_slice(&out.stdout).expect("run json");
            let notes = run["meta"]["notes"].to_string();
            assert!(
                notes.contains(needle),
                "{}: wants note {needle:?}: {notes}",
                c.label
            );
            format!("skipped with a note: {needle}")
        }
    }
}

#[test]
fn every_bad_input_ends_in_a_clear_error_or_a_noted_skip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = input_cases();
    for c in &cases {
        let how = run_case(dir.path(), c);
        println!(
            "{:<40} {}",
            c.label,
            how.replace(&dir.path().display().to_string(), "")
        );
    }
    println!("{} input cases", cases.len());
}

fn compare_with(dir: &Path, extra: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let report = dir.join("report.md");
    let out = benchgate()
        .args(["compare", "--commit", "x", "--report"])
        .arg(&report)
        .args(extra)
        .arg(fixture("criterion/runs/v1-run1"))
        .output()
        .expect("runs");
    let written = report.exists();
    let _ = std::fs::remove_file(&report);
    (
        out.status.code().filter(|_| !written),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn bad_configurations_name_the_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &str, &str); 9] = [
        (
            "typo in a key",
            "[thresholds.time]\ncritcal = \"10%\"\n",
            ":2:",
        ),
        (
            "typo in a section",
            "[tresholds.time]\ncritical = \"10%\"\n",
            ":1:",
        ),
        (
            "unknown kind",
            "[thresholds.speed]\ncritical = \"10%\"\n",
            ":1:",
        ),
        (
            "percent as words",
            "[thresholds.time]\ncritical = \"10 percent\"\n",
            ":2:",
        ),
        (
            "percent not a number",
            "[thresholds.time]\nwarning = \"five%\"\n",
            ":2:",
        ),
        (
            "warning above critical",
            "[thresholds.time]\nwarning = \"20%\"\ncritical = \"10%\"\n",
            ":3:",
        ),
        (
            "bad glob",
            "[[override]]\nmatch = \"hash/[djb\"\ncritical = \"10%\"\n",
            ":",
        ),
        ("not TOML", "thresholds = {{{\n", ":1:"),
        ("window of zero runs", "[history]\nmax_runs = 0\n", ":2:"),
    ];
    for (label, text, at) in cases {
        let file = dir.path().join("benchgate.toml");
        std::fs::write(&file, text).expect("write");
        let (code, stderr) = compare_with(
            dir.path(),
            &[
                "--baseline".as_ref(),
                dir.path().join("none.json").as_os_str(),
                "--config".as_ref(),
                file.as_os_str(),
            ],
        );
        assert_eq!(code, Some(2), "{label}: {stderr}");
        let named = format!("{}{at}", file.display());
        assert!(stderr.contains(&named), "{label}: wants {named}: {stderr}");
        println!(
            "{label:<24} {}",
            stderr.trim().replace(&dir.path().display().to_string(), "")
        );
    }
}

#[test]
fn bad_histories_are_errors_and_are_never_overwritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good =
        std::fs::read_to_string(fixture("baseline/criterion-history.json")).expect("history");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good.as_bytes()[..good.len() / 2].to_vec()),
        ("binary", vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0]),
        (
            "future schema",
            good.replacen("benchgate.baseline.v2", "benchgate.baseline.v9", 1)
                .into_bytes(),
        ),
        (
            "a run file instead",
            br#"{"schema": "benchgate.run.v1", "meta": {}, "metrics": []}"#.to_vec(),
        ),
        ("empty", Vec::new()),
    ];
    for (label, bytes) in cases {
        let file: PathBuf = dir.path().join("history.json");
        std::fs::write(&file, &bytes).expect("write");
        let (code, stderr) = compare_with(dir.path(), &["--baseline".as_ref(), file.as_os_str()]);
        assert_eq!(code, Some(2), "{label}: {stderr}");
        assert!(
            stderr.contains(&file.display().to_string()),
            "{label}: {stderr}"
        );
        let out = benchgate()
            .args(["baseline", "update", "--commit", "y", "--baseline"])
            .arg(&file)
            .arg(fixture("criterion/runs/v1-run1"))
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{label}");
        assert_eq!(
            std::fs::read(&file).expect("kept"),
            bytes,
            "{label}: never overwritten"
        );
        println!(
            "{label:<20} {}",
            stderr.trim().replace(&dir.path().display().to_string(), "")
        );
    }
}

/// A criterion tree of 10,000 result files reads (it is valid), and one with a missing file in
/// the middle is refused naming that benchmark.
#[test]
fn a_ten_thousand_file_criterion_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = fixture("criterion/runs/v1-run1/hash/djb2/new");
    let root = dir.path().join("criterion");
    for i in 0..3334 {
        let new = root.join(format!("g{:02}/b{i:04}/new", i % 50));
        std::fs::create_dir_all(&new).expect("mkdir");
        for f in ["estimates.json", "sample.json"] {
            std::fs::copy(src.join(f), new.join(f)).expect("copy");
        }
        let bench = std::fs::read_to_string(src.join("benchmark.json"))
            .expect("benchmark.json")
            .replace("hash/djb2", &format!("g{:02}/b{i:04}", i % 50))
            .replace("\"djb2\"", &format!("\"b{i:04}\""))
            .replace("\"hash\"", &format!("\"g{:02}\"", i % 50));
        std::fs::write(new.join("benchmark.json"), bench).expect("write");
    }
    let out = benchgate()
        .args(["ingest", "-o"])
        .arg(dir.path().join("run.json"))
        .arg(&root)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_file(root.join("g07/b1607/new/estimates.json")).expect("remove");
    let out = benchgate()
        .args(["ingest", "-o", "-"])
        .arg(&root)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("b1607"), "{stderr}");
}

//! Every format: real fixtures (or marked synthetic ones) detected by content, normalized into
//! metrics (snapshots), and edge cases that must give missing values or clear errors.

mod common;

use common::{benchgate, fixture};
use predicates::str::contains;

/// (fixture, detected format) for every result fixture.
const FIXTURES: &[(&str, &str)] = &[
    ("criterion/one", "criterion"),
    ("criterion/shared/criterion_dir", "criterion"),
    ("criterion/shared/bencher_format.txt", "bencher"),
    ("criterion/shared/libtest_bench_stdout.txt", "bencher"),
    ("criterion/shared/cargo_criterion.jsonl", "cargo-criterion"),
    (
        "criterion/shared/cargo_criterion_run1_v1.jsonl",
        "cargo-criterion",
    ),
    ("criterion/shared/hyperfine.json", "hyperfine"),
    ("load/k6/k6_summary_export.json", "k6-summary"),
    ("load/k6/k6_handlesummary_data.json", "k6-handle-summary"),
    ("load/k6/k6_out_points.ndjson", "k6-json"),
    ("load/extra/k6_normal_1.json", "k6-summary"),
    ("load/extra/k6_degraded.json", "k6-summary"),
    ("load/oha/oha_flaky.json", "oha"),
    ("load/oha/oha_nginx_root.json", "oha"),
    ("load/oha/oha_stall_timeouts.json", "oha"),
    ("load/wrk/wrk_flaky_latency.txt", "wrk"),
    ("load/wrk/wrk_root_plain.txt", "wrk"),
    ("load/wrk/wrk_nginx_flaky_latency.txt", "wrk"),
    ("load/wrk/wrk_flaky_done.json", "wrk-json"),
    ("load/wrk/wrk_nginx_flaky_done.json", "wrk-json"),
    ("load/extra/wrk_timeouts.txt", "wrk"),
    ("load/extra/wrk_timeouts_done.json", "wrk-json"),
    ("load/extra/wrk_slow_stdout_with_json.txt", "wrk"),
    ("load/hey/hey_flaky_summary.txt", "hey"),
    ("load/hey/hey_nginx_root_summary.txt", "hey"),
    ("load/hey/hey_flaky_n2000.csv", "hey-csv"),
    ("load/extra/hey_timeouts.txt", "hey"),
    ("load/extra/hey_connrefused.txt", "hey"),
    ("load/ab/ab_flaky.txt", "ab"),
    ("load/ab/ab_nginx_root_keepalive.txt", "ab"),
    ("load/ab/ab_flaky_percentiles.csv", "ab-csv"),
    ("load/locust/locust_csv_stats.csv", "locust-csv"),
    ("load/locust/locust_json_stdout.json", "locust-json"),
    ("load/artillery/artillery_report.json", "artillery"),
    ("load/autocannon/autocannon_flaky.json", "autocannon"),
    (
        "load/autocannon/autocannon_stall_timeouts.json",
        "autocannon",
    ),
    (
        "load/siege/siege_flaky_debian_default_conf_stdout.json",
        "siege",
    ),
    ("load/jmeter/jmeter_results.jtl", "jmeter-csv"),
    ("load/jmeter/jmeter_results_xml.jtl", "jmeter-xml"),
    ("load/vegeta/SYNTHETIC_vegeta_report_many.json", "vegeta"),
    ("load/extra/gnu_time_python.txt", "gnu-time"),
    (
        "generic/EXAMPLE_benchgate_metrics.json",
        "benchgate-metrics",
    ),
    ("generic/EXAMPLE_gab_smaller.json", "gab"),
    ("generic/EXAMPLE_bmf.json", "bmf"),
];

fn ingest(path: &str, extra: &[&str]) -> serde_json::Value {
    let out = benchgate()
        .args([
            "ingest",
            "--output",
            "-",
            "--commit",
            "c",
            "--branch",
            "b",
            "--timestamp",
            "2026-12-04T00:00:00Z",
        ])
        .args(extra)
        .arg(fixture(path))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("run json")
}

#[test]
fn every_fixture_is_detected_by_content_and_normalized() {
    for (path, format) in FIXTURES {
        let run = ingest(path, &[]);
        assert_eq!(run["meta"]["sources"][0]["format"], *format, "{path}");
        // Samples make snapshots long and say nothing the value does not; counts stay.
        let metrics: Vec<serde_json::Value> = run["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .map(|m| {
                let mut m = m.clone();
                if let Some(o) = m.as_object_mut() {
                    o.remove("samples");
                }
                m
            })
            .collect();
        for m in &metrics {
            let v = m["value"].as_f64().expect("numeric value");
            assert!(v.is_finite() && v >= 0.0, "{path}: {m}");
        }
        let name = path.replace(['/', '.'], "_");
        // Notes name the input by its path: keep the checkout's location out of the snapshot.
        let notes = run["meta"]["notes"]
            .to_string()
            .replace(&format!("{}/", env!("CARGO_MANIFEST_DIR")), "");
        let notes: serde_json::Value = serde_json::from_str(&notes).expect("notes json");
        insta::assert_json_snapshot!(
            name,
            serde_json::json!({ "metrics": metrics, "notes": notes })
        );
    }
}

/// The statistics present for one benchmark of a run.
fn stats_of(run: &serde_json::Value, bench: &str) -> Vec<String> {
    run["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .filter(|m| m["benchmark"] == bench)
        .map(|m| m["statistic"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn criterion_ids_survive_lossy_directory_names_and_saved_baselines_are_selectable() {
    let run = ingest("criterion/shared/criterion_dir", &[]);
    let keys: Vec<String> = run["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .map(|m| {
            format!(
                "{} :: {}",
                m["benchmark"].as_str().unwrap_or(""),
                m["statistic"].as_str().unwrap_or("")
            )
        })
        .collect();
    // Six benchmarks, five with a declared throughput; the directory `rng stream _ xorshift64`
    // is lossy, benchmark.json's `full_id` is not.
    assert_eq!(keys.len(), 11);
    assert!(
        keys.contains(&"rng stream / xorshift64 :: median".to_string()),
        "{keys:?}"
    );
    let value = |run: &serde_json::Value| {
        run["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .find(|m| m["benchmark"] == "hash/djb2" && m["statistic"] == "median")
            .and_then(|m| m["value"].as_f64())
            .expect("djb2")
    };
    // The saved `main` baseline holds the old code: djb2 did 25% less work there.
    let main = ingest(
        "criterion/shared/criterion_dir",
        &["--criterion-baseline", "main"],
    );
    assert!(
        value(&main) < value(&run) * 0.9,
        "{} vs {}",
        value(&main),
        value(&run)
    );
}

#[test]
fn when_every_request_fails_latency_is_missing_and_errors_are_100_percent() {
    for path in [
        "load/oha/oha_stall_timeouts.json",
        "load/extra/wrk_timeouts.txt",
        "load/extra/wrk_timeouts_done.json",
        "load/extra/hey_timeouts.txt",
        "load/extra/hey_connrefused.txt",
        "load/autocannon/autocannon_stall_timeouts.json",
    ] {
        let run = ingest(path, &[]);
        let stats = stats_of(&run, "http");
        assert!(
            stats
                .iter()
                .all(|s| !s.starts_with('p') && s != "avg" && s != "max"),
            "{path}: {stats:?}"
        );
        let err = run["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .find(|m| m["statistic"] == "error_rate")
            .expect("error rate");
        assert_eq!(err["value"], 1.0, "{path}");
    }
}

#[test]
fn a_refused_connection_or_no_requests_is_a_clear_error() {
    benchgate()
        .args(["ingest", "--output", "-"])
        .arg(fixture("load/wrk/wrk_error_connrefused.txt"))
        .assert()
        .code(2)
        .stderr(contains(
            "wrk_error_connrefused.txt: wrk made no request: unable to connect",
        ));
    benchgate()
        .args(["ingest", "--output", "-"])
        .arg(fixture(
            "load/vegeta/SYNTHETIC_vegeta_report_zero_requests.json",
        ))
        .assert()
        .code(2)
        .stderr(contains("no measurements found"));
}

#[test]
fn text_outputs_of_json_tools_get_a_hint() {
    for (path, hint) in [
        ("load/oha/oha_flaky.txt", "--output-format json"),
        ("load/k6/k6_run_compactmode_stdout.txt", "--summary-export"),
        ("load/siege/siege_flaky_text.txt", "json_output"),
        ("load/autocannon/autocannon_flaky_text.txt", "--json"),
    ] {
        benchgate()
            .args(["ingest", "--output", "-"])
            .arg(fixture(path))
            .assert()
            .code(2)
            .stderr(contains(hint));
    }
}

#[test]
fn k6_thresholds_crossed_are_noted() {
    let run = ingest("load/k6/k6_summary_export.json", &[]);
    let notes = run["meta"]["notes"].to_string();
    assert!(
        notes.contains("p(90)<15") && notes.contains("http_req_duration{name:slow}"),
        "{notes}"
    );
    assert!(notes.contains("rate<0.005"), "{notes}");
    // The same run's handleSummary data agrees.
    let run = ingest("load/k6/k6_handlesummary_data.json", &[]);
    assert!(run["meta"]["notes"].to_string().contains("p(90)<15"));
}

#[test]
fn k6_streamed_points_agree_with_the_summary_of_the_same_kind_of_run() {
    let run = ingest("load/k6/k6_out_points.ndjson", &[]);
    let m = |bench: &str, stat: &str| {
        run["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .find(|m| m["benchmark"] == bench && m["statistic"] == stat)
            .and_then(|m| m["value"].as_f64())
            .unwrap_or_else(|| panic!("{bench} {stat}"))
    };
    // /slow sleeps 20 ms: its sub-metric's median is just above that.
    let p50 = m("http_req_duration{name:slow}", "p50");
    assert!((20e6..30e6).contains(&p50), "{p50}");
    assert!(m("http_reqs", "rps") > 0.0);
}

#[test]
fn gab_direction_can_be_forced() {
    let bigger = ingest(
        "generic/EXAMPLE_gab_bigger.json",
        &["--format", "gab-bigger"],
    );
    assert_eq!(bigger["metrics"][0]["direction"], "higher_is_better");
    let guessed = ingest("generic/EXAMPLE_gab_smaller.json", &[]);
    assert!(guessed["meta"]["notes"].to_string().contains("guessed"));
}

#[test]
fn suites_keep_two_load_tests_apart_and_merge_rejects_collisions() {
    let a = fixture("load/oha/oha_flaky.json");
    let b = fixture("load/oha/oha_nginx_root.json");
    benchgate()
        .args(["ingest", "--output", "-"])
        .arg(&a)
        .arg(&b)
        .assert()
        .code(2)
        .stderr(contains("different suite names"));
    let out = benchgate()
        .args(["merge", "--output", "-"])
        .arg(format!("python={}", a.display()))
        .arg(format!("nginx={}", b.display()))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let run: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let suites: std::collections::BTreeSet<&str> = run["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .filter_map(|m| m["suite"].as_str())
        .collect();
    assert_eq!(suites.into_iter().collect::<Vec<_>>(), ["nginx", "python"]);
}

#[test]
fn eight_sharded_jobs_merge_into_one_run() {
    // Each shard of a CI matrix ingests its own results into a run file; one job merges them.
    let dir = tempfile::tempdir().expect("tempdir");
    let shards = [
        ("oha", "load/oha/oha_flaky.json"),
        ("wrk", "load/wrk/wrk_flaky_done.json"),
        ("hey", "load/hey/hey_flaky_summary.txt"),
        ("ab", "load/ab/ab_flaky.txt"),
        ("locust", "load/locust/locust_csv_stats.csv"),
        ("k6", "load/k6/k6_summary_export.json"),
        (
            "siege",
            "load/siege/siege_flaky_debian_default_conf_stdout.json",
        ),
        ("micro", "criterion/runs/v1-run1"),
    ];
    let mut expected = 0;
    let mut runs = Vec::new();
    for (i, (suite, path)) in shards.iter().enumerate() {
        let out = dir.path().join(format!("shard{i}.json"));
        benchgate()
            .args(["ingest", "--commit", "abc", "--name", suite, "--output"])
            .arg(&out)
            .arg(fixture(path))
            .assert()
            .success();
        let run: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&out).expect("run")).expect("json");
        expected += run["metrics"].as_array().map_or(0, Vec::len);
        runs.push(out);
    }
    let merged = dir.path().join("merged.json");
    benchgate()
        .args(["merge", "--output"])
        .arg(&merged)
        .args(&runs)
        .assert()
        .success();
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&merged).expect("run")).expect("json");
    assert_eq!(run["metrics"].as_array().map_or(0, Vec::len), expected);
    assert_eq!(run["meta"]["commit"], "abc");
    assert_eq!(run["meta"]["sources"].as_array().map_or(0, Vec::len), 8);
    // A shard that ran twice is refused, naming both files.
    benchgate()
        .args(["merge", "--output", "-"])
        .arg(&runs[0])
        .arg(&runs[0])
        .assert()
        .code(2)
        .stderr(contains("shard0.json"));
}

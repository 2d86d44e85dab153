//! Property-based fuzzing of every reader: arbitrary and mutated inputs must end in a value or a
//! clear error, never a panic. Mutations start from the real fixtures, so they reach deep into
//! each parser rather than failing at the first byte.

mod common;

use std::collections::BTreeMap;

use benchgate::baseline::Baseline;
use benchgate::config::Config;
use benchgate::github::Context;
use benchgate::github::artifact::{self, PrClaim};
use benchgate::ingest::{self, Format, Input};
use common::fixture;
use proptest::prelude::*;

/// One real fixture per file format.
const SEEDS: &[(&str, Format)] = &[
    ("criterion/shared/bencher_format.txt", Format::Bencher),
    (
        "criterion/shared/cargo_criterion.jsonl",
        Format::CargoCriterion,
    ),
    ("criterion/shared/hyperfine.json", Format::Hyperfine),
    ("load/k6/k6_summary_export.json", Format::K6Summary),
    (
        "load/k6/k6_handlesummary_data.json",
        Format::K6HandleSummary,
    ),
    ("load/k6/k6_out_points.ndjson", Format::K6Points),
    ("load/oha/oha_flaky.json", Format::Oha),
    ("load/wrk/wrk_flaky_latency.txt", Format::WrkText),
    ("load/wrk/wrk_flaky_done.json", Format::WrkJson),
    ("load/hey/hey_flaky_summary.txt", Format::HeyText),
    ("load/hey/hey_flaky_n2000.csv", Format::HeyCsv),
    ("load/ab/ab_flaky.txt", Format::AbText),
    ("load/ab/ab_flaky_percentiles.csv", Format::AbCsv),
    ("load/locust/locust_csv_stats.csv", Format::LocustCsv),
    ("load/locust/locust_json_stdout.json", Format::LocustJson),
    ("load/artillery/artillery_report.json", Format::Artillery),
    ("load/autocannon/autocannon_flaky.json", Format::Autocannon),
    (
        "load/siege/siege_flaky_debian_default_conf_stdout.json",
        Format::Siege,
    ),
    ("load/jmeter/jmeter_results.jtl", Format::JmeterCsv),
    ("load/jmeter/jmeter_results_xml.jtl", Format::JmeterXml),
    (
        "load/vegeta/SYNTHETIC_vegeta_report_many.json",
        Format::Vegeta,
    ),
    ("load/extra/gnu_time_python.txt", Format::GnuTime),
    ("generic/EXAMPLE_benchgate_metrics.json", Format::Metrics),
    ("generic/EXAMPLE_gab_smaller.json", Format::Gab),
    ("generic/EXAMPLE_bmf.json", Format::Bmf),
];

fn seeds() -> Vec<(Vec<u8>, Format)> {
    SEEDS
        .iter()
        .map(|(p, f)| {
            let mut bytes = std::fs::read(fixture(p)).expect("fixture");
            // Big fixtures are cut: the parsers' logic is all in the first lines.
            bytes.truncate(16 * 1024);
            (bytes, *f)
        })
        .collect()
}

/// Applies edits to a seed: overwrite, insert, delete, truncate.
fn mutate(mut bytes: Vec<u8>, edits: &[(u8, usize, u8)]) -> Vec<u8> {
    for &(op, at, byte) in edits {
        if bytes.is_empty() {
            bytes.push(byte);
            continue;
        }
        let at = at % bytes.len();
        match op % 5 {
            0 => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            2 => {
                bytes.remove(at);
            }
            3 => bytes.truncate(at),
            _ => {
                // Digits and JSON punctuation break numbers and structure in interesting ways.
                let tokens: &[&[u8]] = &[
                    b"NaN", b"-1", b"1e999", b"null", b"\"\"", b"{}", b"[]", b",", b"\n", b"0",
                    b"-nan%", b"\xff",
                ];
                let t = tokens[usize::from(byte) % tokens.len()];
                bytes.splice(at..at, t.iter().copied());
            }
        }
    }
    bytes
}

fn read(bytes: Vec<u8>, format: Option<Format>) {
    let input = Input::File {
        name: "fuzz".into(),
        bytes,
    };
    let options = ingest::Options {
        format,
        ..ingest::Options::default()
    };
    if let Ok((_, parsed)) = ingest::read(&input, &options) {
        for m in parsed.metrics {
            assert!(m.value.is_finite(), "a non-finite value got through: {m:?}");
        }
    }
}

proptest! {
    // 600 cases a property in the test suite; BENCHGATE_FUZZ_CASES=N for a longer campaign.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("BENCHGATE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(600),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_fixtures_never_panic(seed in 0usize..SEEDS.len(), edits in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 1..8), forced in any::<bool>()) {
        let (bytes, format) = seeds().swap_remove(seed);
        read(mutate(bytes, &edits), forced.then_some(format));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), format in 0usize..Format::ALL.len()) {
        read(bytes.clone(), None);
        read(bytes, Some(Format::ALL[format]));
    }

    #[test]
    fn criterion_trees_with_mutated_files_never_panic(edits in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 1..6), which in 0usize..3) {
        let base = fixture("criterion/one/hash/djb2/new");
        let mut files = BTreeMap::new();
        for (i, f) in ["benchmark.json", "estimates.json", "sample.json"].iter().enumerate() {
            let bytes = std::fs::read(base.join(f)).expect("fixture");
            files.insert(format!("b/new/{f}"), if i == which { mutate(bytes, &edits) } else { bytes });
        }
        let input = Input::Tree { name: "fuzz".into(), files };
        let _ = ingest::read(&input, &ingest::Options::default());
    }

    #[test]
    fn configs_and_baselines_never_panic(edits in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 1..8)) {
        let config = std::fs::read(fixture("../examples/benchgate.toml")).expect("example");
        let text = String::from_utf8_lossy(&mutate(config, &edits)).into_owned();
        let _ = Config::parse("fuzz.toml", &text);
        let mut baseline = std::fs::read(fixture("baseline/criterion-history.json")).expect("baseline");
        baseline.truncate(8 * 1024);
        let _ = Baseline::parse("fuzz.json", &mutate(baseline, &edits));
    }

    #[test]
    fn event_payloads_never_panic(which in 0usize..5, edits in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 1..8)) {
        let name = ["pull_request", "pull_request_fork", "push", "schedule", "workflow_run"][which];
        let bytes = std::fs::read(fixture(&format!("github/events/{name}.json"))).expect("event");
        let text = String::from_utf8_lossy(&mutate(bytes, &edits)).into_owned();
        let vars: BTreeMap<String, String> = [("GITHUB_REPOSITORY", "acme/widgets")]
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let _ = Context::from_env(&vars, "event.json", Some(&text));
    }

    #[test]
    fn hand_over_artifacts_never_panic(edits in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 1..8), junk in proptest::collection::vec(any::<u8>(), 0..256)) {
        let zip = handover_zip();
        for bytes in [mutate(zip, &edits), junk] {
            if let Ok(files) = artifact::extract(&bytes, &["pr.json", "run.json"], artifact::Limits::default()) {
                let _ = PrClaim::parse(&files["pr.json"]);
                read(files["run.json"].clone(), Some(Format::Native));
            }
        }
    }
}

/// A hand-over zip like the check step's: a claim and a normalized run.
fn handover_zip() -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("pr.json", opts).expect("start");
    w.write_all(br#"{"schema":"benchgate.pr.v1","number":7,"head_sha":"9f2c1e4b7a3d5c8e0f1a2b3c4d5e6f708192a3b4"}"#)
        .expect("write");
    w.start_file("run.json", opts).expect("start");
    let input = Input::Tree {
        name: "seed".into(),
        files: ["benchmark.json", "estimates.json", "sample.json"]
            .iter()
            .map(|f| {
                let bytes =
                    std::fs::read(fixture("criterion/one/hash/djb2/new").join(f)).expect("fixture");
                (format!("b/new/{f}"), bytes)
            })
            .collect(),
    };
    let (_, parsed) = ingest::read(&input, &ingest::Options::default()).expect("seed run");
    let run = benchgate::model::Run::new(benchgate::model::RunMeta::default(), parsed.metrics);
    w.write_all(serde_json::to_string(&run).expect("json").as_bytes())
        .expect("write");
    w.finish().expect("zip").into_inner()
}

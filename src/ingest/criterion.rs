//! criterion's `target/criterion` tree: `benchmark.json`, `estimates.json` and `sample.json` per
//! benchmark, under `new/` (the latest run) or a saved baseline's directory.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{Direction, Interval, Metric, MetricKind, Unit};

use super::{Parsed, check_value, json};

#[derive(Deserialize)]
struct CBenchmark {
    full_id: String,
    #[serde(default)]
    throughput: Option<CThroughput>,
}

#[derive(Deserialize)]
enum CThroughput {
    Bytes(u64),
    BytesDecimal(u64),
    Elements(u64),
    ElementsAndBytes { elements: u64 },
}

#[derive(Deserialize)]
struct CEstimates {
    median: CEstimate,
    #[serde(default)]
    std_dev: Option<CEstimate>,
}

#[derive(Deserialize)]
struct CEstimate {
    point_estimate: f64,
    confidence_interval: CInterval,
}

#[derive(Deserialize)]
struct CInterval {
    confidence_level: f64,
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Deserialize)]
struct CSample {
    iters: Vec<f64>,
    times: Vec<f64>,
}

/// True when the tree holds at least one criterion `benchmark.json`.
pub fn looks_like(files: &BTreeMap<String, Vec<u8>>) -> bool {
    files.iter().any(|(path, bytes)| {
        is_file(path, "benchmark.json") && serde_json::from_slice::<CBenchmark>(bytes).is_ok()
    })
}

fn is_file(path: &str, file: &str) -> bool {
    path == file || path.ends_with(&format!("/{file}"))
}

/// Reads every benchmark of the result set `set` (`new` or a saved baseline's name).
pub fn parse(root: &str, files: &BTreeMap<String, Vec<u8>>, set: &str) -> Result<Parsed> {
    let suffix = format!("{set}/benchmark.json");
    let nested = format!("/{suffix}");
    let dirs: Vec<&str> = files
        .keys()
        .filter(|path| *path == &suffix || path.ends_with(&nested))
        .map(|path| &path[..path.len() - "benchmark.json".len()])
        .collect();
    // Each benchmark's files are independent: a large suite is parsed on several cores.
    let parsed = crate::par::par_map(&dirs, 64, |dir| benchmark(root, dir, files));
    let mut metrics = Vec::new();
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for (dir, result) in dirs.iter().zip(parsed) {
        let (full_id, found) = result?;
        if let Some(other) = seen.insert(full_id.clone(), dir) {
            return Err(Error::input(
                format!("{root}/{dir}benchmark.json"),
                format!("benchmark {full_id:?} also appears in {root}/{other}"),
            )
            .with_hint("remove the stale directory, or `cargo clean` and re-run the benchmarks"));
        }
        metrics.extend(found);
    }
    if metrics.is_empty() {
        return Err(no_results(root, files, set));
    }
    metrics.sort_by_key(Metric::key);
    Ok(Parsed {
        metrics,
        ..Parsed::default()
    })
}

/// One benchmark directory (`dir` ends with `/`): its id and its metrics.
fn benchmark(
    root: &str,
    dir: &str,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<(String, Vec<Metric>)> {
    let shown = |file: &str| format!("{root}/{dir}{file}");
    let bench_bytes = files
        .get(&format!("{dir}benchmark.json"))
        .ok_or_else(|| Error::input(shown("benchmark.json"), "file is missing"))?;
    let bench: CBenchmark = json(&shown("benchmark.json"), bench_bytes)?;
    let estimates_path = format!("{dir}estimates.json");
    let Some(estimates_bytes) = files.get(&estimates_path) else {
        return Err(Error::input(shown("estimates.json"), "file is missing")
            .with_hint("criterion writes it after each run; re-run `cargo bench`"));
    };
    let est: CEstimates = json(&shown("estimates.json"), estimates_bytes)?;
    let samples = match files.get(&format!("{dir}sample.json")) {
        Some(bytes) => {
            let s: CSample = json(&shown("sample.json"), bytes)?;
            Some(per_iteration(&shown("sample.json"), &s.iters, &s.times)?)
        }
        None => None,
    };
    let est_name = shown("estimates.json");
    let median = check_value(&est_name, "median", est.median.point_estimate)?;
    let ci = &est.median.confidence_interval;
    let lower = check_value(&est_name, "median lower bound", ci.lower_bound)?;
    let upper = check_value(&est_name, "median upper bound", ci.upper_bound)?;
    let mut time = Metric::time(bench.full_id.clone(), "median", median);
    time.ci = Some(Interval {
        lower,
        upper,
        level: ci.confidence_level,
    });
    time.spread = est
        .std_dev
        .map(|s| s.point_estimate)
        .filter(|s| s.is_finite() && *s >= 0.0);
    time.samples = samples;
    let per_iteration = bench.throughput.as_ref().map(|tp| match *tp {
        CThroughput::Bytes(n) | CThroughput::BytesDecimal(n) => (n as f64, Unit::BytesPerSecond),
        CThroughput::Elements(n) | CThroughput::ElementsAndBytes { elements: n } => {
            (n as f64, Unit::ElementsPerSecond)
        }
    });
    Ok((bench.full_id, with_throughput(time, per_iteration)))
}

/// criterion records total times for batches of iterations; a sample is time / iterations.
pub(crate) fn per_iteration(name: &str, iters: &[f64], times: &[f64]) -> Result<Vec<f64>> {
    if iters.len() != times.len() {
        return Err(Error::input(
            name,
            format!("{} iteration counts but {} times", iters.len(), times.len()),
        )
        .with_hint("re-run `cargo bench`; the file looks truncated"));
    }
    iters
        .iter()
        .zip(times)
        .map(|(&iters, &time)| {
            if !(iters.is_finite() && iters > 0.0) {
                return Err(Error::input(
                    name,
                    format!("iteration count {iters} is not positive"),
                ));
            }
            Ok(check_value(name, "sample time", time)? / iters)
        })
        .collect()
}

/// A time metric and, when the benchmark declares work per iteration, its throughput: that
/// work over the time, higher is better. Shared with cargo-criterion's messages.
pub(crate) fn with_throughput(time: Metric, per_iteration: Option<(f64, Unit)>) -> Vec<Metric> {
    let Some((amount, unit)) = per_iteration.filter(|_| time.value > 0.0) else {
        return vec![time];
    };
    let rate = |ns: f64| amount / (ns * 1e-9);
    let tp = Metric {
        suite: time.suite.clone(),
        benchmark: time.benchmark.clone(),
        statistic: "throughput".to_string(),
        kind: MetricKind::Throughput,
        unit,
        direction: Direction::HigherIsBetter,
        value: rate(time.value),
        samples: time
            .samples
            .as_ref()
            .map(|s| s.iter().filter(|&&t| t > 0.0).map(|&t| rate(t)).collect()),
        ci: time.ci.filter(|ci| ci.lower > 0.0).map(|ci| Interval {
            lower: rate(ci.upper),
            upper: rate(ci.lower),
            level: ci.level,
        }),
        spread: None,
        counts: None,
    };
    vec![time, tp]
}

fn no_results(root: &str, files: &BTreeMap<String, Vec<u8>>, set: &str) -> Error {
    let mut sets: Vec<&str> = files
        .keys()
        .filter(|p| is_file(p, "benchmark.json"))
        .filter_map(|p| p.rsplit('/').nth(1))
        .collect();
    sets.sort_unstable();
    sets.dedup();
    let hint = if sets.is_empty() {
        "run `cargo bench` first, then pass its `target/criterion` directory".to_string()
    } else {
        format!(
            "this tree has result sets {}; choose one with `--criterion-baseline NAME`",
            sets.join(", ")
        )
    };
    Error::input(root, format!("no criterion results for {set:?}")).with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(entries: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        entries
            .iter()
            .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
            .collect()
    }

    const BENCH: &str = r#"{"group_id":"g","function_id":"f","value_str":null,"throughput":{"Bytes":1000},"full_id":"g/f","directory_name":"g/f","title":"g/f"}"#;
    const EST: &str = r#"{"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":90.0,"upper_bound":110.0},"point_estimate":100.0,"standard_error":1.0}}"#;

    #[test]
    fn samples_are_per_iteration_and_throughput_inverts_time() {
        let files = tree(&[
            ("g/f/new/benchmark.json", BENCH),
            ("g/f/new/estimates.json", EST),
            (
                "g/f/new/sample.json",
                r#"{"iters":[2.0,4.0],"times":[200.0,440.0]}"#,
            ),
        ]);
        let parsed = parse("crit", &files, "new").expect("parses");
        let [time, tp] = &parsed.metrics[..] else {
            panic!("two metrics")
        };
        assert_eq!(time.samples.as_deref(), Some(&[100.0, 110.0][..]));
        assert_eq!(tp.statistic, "throughput");
        assert_eq!(tp.value, 1e10); // 1000 bytes per 100 ns
        let ci = tp.ci.expect("ci");
        assert!(ci.lower < tp.value && tp.value < ci.upper);
    }

    #[test]
    fn missing_estimates_names_the_file() {
        let files = tree(&[("g/f/new/benchmark.json", BENCH)]);
        let err = parse("crit", &files, "new").expect_err("fails").to_string();
        assert!(
            err.starts_with("crit/g/f/new/estimates.json: file is missing"),
            "{err}"
        );
    }

    #[test]
    fn unknown_result_set_lists_the_ones_present() {
        let files = tree(&[
            ("g/f/main/benchmark.json", BENCH),
            ("g/f/main/estimates.json", EST),
        ]);
        let err = parse("crit", &files, "new").expect_err("fails").to_string();
        assert!(err.contains("result sets main"), "{err}");
        assert_eq!(
            parse("crit", &files, "main").expect("parses").metrics.len(),
            2
        );
    }

    #[test]
    fn zero_iterations_is_an_error_not_infinity() {
        let files = tree(&[
            ("g/f/new/benchmark.json", BENCH),
            ("g/f/new/estimates.json", EST),
            ("g/f/new/sample.json", r#"{"iters":[0.0],"times":[200.0]}"#),
        ]);
        assert!(parse("crit", &files, "new").is_err());
    }
}

//! Locust: the `--csv` stats file (per endpoint and Aggregated) and the `--json` output.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};

use super::load::{MS, Sink, skipped_notes};
use super::{Parsed, json};

const STATS_HEADER: &str =
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time";

pub fn looks_like_csv(text: &str) -> bool {
    text.starts_with(STATS_HEADER)
}

pub fn looks_like_json(v: &serde_json::Value) -> bool {
    v.as_array().is_some_and(|a| {
        !a.is_empty()
            && a.iter()
                .all(|e| e.get("num_requests").is_some() && e.get("response_times").is_some())
    })
}

/// The benchmark name of an endpoint: `GET /slow`; Locust's total row is `Aggregated`.
fn endpoint(method: &str, name: &str) -> String {
    if method.is_empty() {
        name.to_string()
    } else {
        format!("{method} {name}")
    }
}

pub fn parse_csv(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| Error::input_at(name, 1, format!("bad CSV header: {e}")))?
        .clone();
    let col = |h: &str| headers.iter().position(|x| x == h);
    let need = |h: &str| {
        col(h).ok_or_else(|| {
            Error::input_at(name, 1, format!("no {h:?} column"))
                .with_hint("pass the `*_stats.csv` file Locust wrote")
        })
    };
    let (c_type, c_name, c_count, c_fail, c_avg, c_min, c_max, c_rps) = (
        need("Type")?,
        need("Name")?,
        need("Request Count")?,
        need("Failure Count")?,
        need("Average Response Time")?,
        need("Min Response Time")?,
        need("Max Response Time")?,
        need("Requests/s")?,
    );
    let pcols: Vec<(&str, Option<usize>)> = [
        ("p50", "50%"),
        ("p90", "90%"),
        ("p95", "95%"),
        ("p99", "99%"),
        ("p99.9", "99.9%"),
    ]
    .iter()
    .map(|(s, h)| (*s, col(h)))
    .collect();
    let mut sink = Sink::default();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| Error::input_at(name, line, format!("bad CSV row: {e}")))?;
        let get = |c: usize| row.get(c).unwrap_or("").trim();
        // Locust writes "N/A" before the first response: missing, not zero.
        let num = |c: usize| get(c).parse::<f64>().ok().filter(|v| v.is_finite());
        let count = |c: usize| {
            get(c)
                .parse::<u64>()
                .map_err(|_| Error::input_at(name, line, format!("{:?} is not a count", get(c))))
        };
        let bench = endpoint(get(c_type), get(c_name));
        let (requests, failures) = (count(c_count)?, count(c_fail)?);
        if requests > 0 {
            sink.latency(&bench, "avg", num(c_avg), MS);
            sink.latency(&bench, "min", num(c_min), MS);
            for (stat, c) in &pcols {
                sink.latency(&bench, stat, c.and_then(num), MS);
            }
            sink.latency(&bench, "max", num(c_max), MS);
            sink.rate(&bench, "rps", num(c_rps));
        }
        sink.error_rate(&bench, failures, requests);
    }
    Ok(Parsed {
        metrics: sink.metrics,
        notes: skipped_notes(name, sink.skipped),
        ..Parsed::default()
    })
}

#[derive(Deserialize)]
struct LEntry {
    name: String,
    method: Option<String>,
    start_time: f64,
    last_request_timestamp: Option<f64>,
    num_requests: u64,
    num_failures: u64,
    max_response_time: f64,
    /// Response time rounded by Locust (ms) to count.
    response_times: BTreeMap<String, u64>,
}

pub fn parse_json(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let entries: Vec<LEntry> = json(name, bytes)?;
    let mut sink = Sink::default();
    let mut all: BTreeMap<u64, u64> = BTreeMap::new();
    let (mut start, mut end, mut requests, mut failures, mut max) =
        (f64::MAX, 0f64, 0u64, 0u64, 0f64);
    for e in &entries {
        let bench = endpoint(e.method.as_deref().unwrap_or(""), &e.name);
        let hist = histogram(name, &e.response_times)?;
        for (k, v) in &hist {
            *all.entry(*k).or_default() += v;
        }
        let duration = e.last_request_timestamp.map(|l| l - e.start_time);
        summarize(
            &mut sink,
            &bench,
            &hist,
            e.max_response_time,
            e.num_requests,
            e.num_failures,
            duration,
        );
        start = start.min(e.start_time);
        end = end.max(e.last_request_timestamp.unwrap_or(0.0));
        requests += e.num_requests;
        failures += e.num_failures;
        max = max.max(e.max_response_time);
    }
    summarize(
        &mut sink,
        "Aggregated",
        &all,
        max,
        requests,
        failures,
        Some(end - start),
    );
    Ok(Parsed {
        metrics: sink.metrics,
        notes: skipped_notes(name, sink.skipped),
        ..Parsed::default()
    })
}

fn histogram(name: &str, raw: &BTreeMap<String, u64>) -> Result<BTreeMap<u64, u64>> {
    raw.iter()
        .map(|(k, v)| {
            k.parse::<u64>().map(|k| (k, *v)).map_err(|_| {
                Error::input(
                    name,
                    format!("response time bucket {k:?} is not a whole number of ms"),
                )
            })
        })
        .collect()
}

/// Latency percentiles from Locust's rounded-ms histogram, the way Locust itself computes them.
fn summarize(
    sink: &mut Sink,
    bench: &str,
    hist: &BTreeMap<u64, u64>,
    max_ms: f64,
    requests: u64,
    failures: u64,
    seconds: Option<f64>,
) {
    let total: u64 = hist.values().sum();
    if total > 0 {
        let sum: f64 = hist.iter().map(|(k, v)| *k as f64 * *v as f64).sum();
        sink.latency(bench, "avg", Some(sum / total as f64), MS);
        for (stat, q) in super::load::PERCENTILES {
            let rank = (q * total as f64).ceil().max(1.0) as u64;
            let mut seen = 0;
            let value = hist.iter().find(|(_, n)| {
                seen += **n;
                seen >= rank
            });
            sink.latency(bench, stat, value.map(|(k, _)| *k as f64), MS);
        }
        sink.latency(bench, "max", Some(max_ms), MS);
        if let Some(s) = seconds.filter(|s| *s > 0.0) {
            sink.rate(bench, "rps", Some(requests as f64 / s));
        }
    }
    sink.error_rate(bench, failures, requests);
}

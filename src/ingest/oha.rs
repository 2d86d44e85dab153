//! oha's JSON output (`oha --no-tui --output-format json`, or `-j`).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::Result;

use super::load::{S, Sink, is_error_status, skipped_notes};
use super::{Parsed, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OReport {
    summary: OSummary,
    #[serde(default)]
    latency_percentiles: BTreeMap<String, Option<f64>>,
    #[serde(default)]
    status_code_distribution: BTreeMap<String, u64>,
    #[serde(default)]
    error_distribution: BTreeMap<String, u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OSummary {
    total: Option<f64>,
    slowest: Option<f64>,
    fastest: Option<f64>,
    average: Option<f64>,
    size_per_sec: Option<f64>,
}

/// True for a JSON object with oha's summary and percentile blocks.
pub fn looks_like(v: &serde_json::Value) -> bool {
    v.get("summary")
        .and_then(|s| s.get("successRate"))
        .is_some()
        && v.get("latencyPercentiles").is_some()
}

/// Requests cut off by oha's own `-z` deadline are not failures of the server.
const DEADLINE: &str = "aborted due to deadline";

pub fn parse(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let r: OReport = json(name, bytes)?;
    let mut sink = Sink::default();
    let b = "http";
    sink.latency(b, "avg", r.summary.average, S);
    sink.latency(b, "min", r.summary.fastest, S);
    for (stat, key) in [
        ("p50", "p50"),
        ("p90", "p90"),
        ("p95", "p95"),
        ("p99", "p99"),
        ("p99.9", "p99.9"),
    ] {
        sink.latency(
            b,
            stat,
            r.latency_percentiles.get(key).copied().flatten(),
            S,
        );
    }
    sink.latency(b, "max", r.summary.slowest, S);
    let responses: u64 = r.status_code_distribution.values().sum();
    let http_errors: u64 = r
        .status_code_distribution
        .iter()
        .filter(|(code, _)| is_error_status(code))
        .map(|(_, n)| n)
        .sum();
    let transport: u64 = r
        .error_distribution
        .iter()
        .filter(|(e, _)| e.as_str() != DEADLINE)
        .map(|(_, n)| n)
        .sum();
    // Responses per second over the run, counting every HTTP response (oha's own figure also
    // counts requests that never got one).
    if let Some(total) = r.summary.total.filter(|t| *t > 0.0 && responses > 0) {
        sink.rate(b, "rps", Some(responses as f64 / total));
        sink.transfer(b, r.summary.size_per_sec);
    }
    sink.error_rate(b, http_errors + transport, responses + transport);
    let mut notes = Vec::new();
    if !r.error_distribution.is_empty() {
        let list: Vec<String> = r
            .error_distribution
            .iter()
            .map(|(e, n)| format!("{n} × {e}"))
            .collect();
        notes.push(format!("{name}: oha client errors: {}", list.join(", ")));
    }
    if responses == 0 {
        notes.push(format!(
            "{name}: no request completed, so latency is missing"
        ));
    }
    Ok(Parsed {
        metrics: sink.metrics,
        notes: [notes, skipped_notes(name, sink.skipped)].concat(),
        ..Parsed::default()
    })
}

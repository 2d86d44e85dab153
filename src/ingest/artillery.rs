//! Artillery's report JSON (`artillery run --output report.json`): the aggregate, and per
//! endpoint when the metrics-by-endpoint plugin ran.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::Result;

use super::load::{MS, Sink, is_error_status, skipped_notes};
use super::{Parsed, json};

#[derive(Deserialize)]
struct AReport {
    aggregate: AAggregate,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AAggregate {
    #[serde(default)]
    counters: BTreeMap<String, u64>,
    #[serde(default)]
    rates: BTreeMap<String, f64>,
    #[serde(default)]
    summaries: BTreeMap<String, BTreeMap<String, Option<f64>>>,
    first_counter_at: Option<f64>,
    last_counter_at: Option<f64>,
}

pub fn looks_like(v: &serde_json::Value) -> bool {
    v.get("aggregate").and_then(|a| a.get("counters")).is_some() && v.get("intermediate").is_some()
}

const ENDPOINT: &str = "plugins.metrics-by-endpoint.";

fn summary(sink: &mut Sink, bench: &str, s: &BTreeMap<String, Option<f64>>) {
    let get = |k: &str| s.get(k).copied().flatten();
    if get("count").is_some_and(|c| c == 0.0) {
        return;
    }
    sink.latency(bench, "avg", get("mean"), MS);
    sink.latency(bench, "min", get("min"), MS);
    for (stat, key) in [
        ("p50", "p50"),
        ("p75", "p75"),
        ("p90", "p90"),
        ("p95", "p95"),
        ("p99", "p99"),
        ("p99.9", "p999"),
    ] {
        sink.latency(bench, stat, get(key), MS);
    }
    sink.latency(bench, "max", get("max"), MS);
}

/// Error and response counts of one scope from `<prefix>codes.NNN` and `errors.*` counters.
fn codes(counters: &BTreeMap<String, u64>, prefix: &str) -> (u64, u64) {
    let (mut errors, mut responses) = (0, 0);
    for (k, n) in counters {
        if let Some(code) = k
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix("codes."))
        {
            responses += n;
            if is_error_status(code) {
                errors += n;
            }
        } else if k
            .strip_prefix(prefix)
            .is_some_and(|r| r.starts_with("errors."))
        {
            errors += n;
            responses += n;
        }
    }
    (errors, responses)
}

pub fn parse(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let r: AReport = json(name, bytes)?;
    let a = r.aggregate;
    let mut sink = Sink::default();
    if let Some(s) = a.summaries.get("http.response_time") {
        summary(&mut sink, "http", s);
    }
    let requests = a.counters.get("http.requests").copied().unwrap_or(0);
    let seconds = match (a.first_counter_at, a.last_counter_at) {
        (Some(f), Some(l)) if l > f => Some((l - f) / 1000.0),
        _ => None,
    };
    if requests > 0 {
        sink.rate(
            "http",
            "rps",
            seconds
                .map(|s| requests as f64 / s)
                .or_else(|| a.rates.get("http.request_rate").copied()),
        );
    }
    let (errors, responses) = codes(&a.counters, "http.");
    sink.error_rate("http", errors, responses.max(requests));
    // Per endpoint, from the metrics-by-endpoint plugin.
    for (key, s) in &a.summaries {
        if let Some(path) = key
            .strip_prefix(ENDPOINT)
            .and_then(|k| k.strip_prefix("response_time."))
        {
            summary(&mut sink, path, s);
            let (errors, responses) = codes(&a.counters, &format!("{ENDPOINT}{path}."));
            sink.error_rate(path, errors, responses);
        }
    }
    let mut notes = Vec::new();
    if let Some(failed) = a.counters.get("vusers.failed").filter(|n| **n > 0) {
        notes.push(format!("{name}: {failed} artillery virtual user(s) failed"));
    }
    Ok(Parsed {
        metrics: sink.metrics,
        notes: [notes, skipped_notes(name, sink.skipped)].concat(),
        ..Parsed::default()
    })
}

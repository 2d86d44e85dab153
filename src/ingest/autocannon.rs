//! autocannon's `--json` output.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::Result;

use super::load::{MS, Sink, skipped_notes};
use super::{Parsed, json};

#[derive(Deserialize)]
struct CReport {
    duration: f64,
    errors: u64,
    timeouts: u64,
    non2xx: u64,
    latency: BTreeMap<String, Option<f64>>,
    requests: BTreeMap<String, Option<f64>>,
    throughput: BTreeMap<String, Option<f64>>,
}

pub fn looks_like(v: &serde_json::Value) -> bool {
    v.get("connections").is_some()
        && v.get("non2xx").is_some()
        && v.get("latency").and_then(|l| l.get("p97_5")).is_some()
}

pub fn parse(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let r: CReport = json(name, bytes)?;
    let mut sink = Sink::default();
    let b = "http";
    let lat = |k: &str| r.latency.get(k).copied().flatten();
    let completed = lat("totalCount").unwrap_or(0.0);
    let responses = r.requests.get("total").copied().flatten().unwrap_or(0.0) as u64;
    if completed > 0.0 {
        sink.latency(b, "avg", lat("mean"), MS);
        sink.latency(b, "min", lat("min"), MS);
        for (stat, key) in [
            ("p50", "p50"),
            ("p75", "p75"),
            ("p90", "p90"),
            ("p99", "p99"),
            ("p99.9", "p99_9"),
        ] {
            sink.latency(b, stat, lat(key), MS);
        }
        sink.latency(b, "max", lat("max"), MS);
    }
    if responses > 0 && r.duration > 0.0 {
        sink.rate(b, "rps", Some(responses as f64 / r.duration));
        sink.transfer(b, r.throughput.get("average").copied().flatten());
    }
    // autocannon's `errors` already include its timeouts.
    sink.error_rate(b, r.errors + r.non2xx, responses + r.errors);
    let mut notes = Vec::new();
    if r.timeouts > 0 {
        notes.push(format!(
            "{name}: autocannon counted {} timeout(s)",
            r.timeouts
        ));
    }
    if completed == 0.0 {
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

//! vegeta's JSON report (`vegeta report -type=json`): latencies in ns, rate, success ratio,
//! status codes.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::Result;

use super::load::{NS, Sink, is_error_status, skipped_notes};
use super::{Parsed, json};

#[derive(Deserialize)]
struct VReport {
    latencies: BTreeMap<String, f64>,
    requests: u64,
    rate: f64,
    throughput: f64,
    #[serde(default)]
    status_codes: BTreeMap<String, u64>,
    bytes_in: Option<VBytes>,
    duration: f64,
    wait: f64,
}

#[derive(Deserialize)]
struct VBytes {
    total: f64,
}

pub fn looks_like(v: &serde_json::Value) -> bool {
    v.get("latencies").and_then(|l| l.get("50th")).is_some() && v.get("status_codes").is_some()
}

pub fn parse(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let r: VReport = json(name, bytes)?;
    let mut sink = Sink::default();
    let b = "http";
    // Status code 0: the request never got a response.
    let responses: u64 = r
        .status_codes
        .iter()
        .filter(|(c, _)| c.as_str() != "0")
        .map(|(_, n)| n)
        .sum();
    if responses > 0 {
        let lat = |k: &str| r.latencies.get(k).copied();
        sink.latency(b, "avg", lat("mean"), NS);
        sink.latency(b, "min", lat("min"), NS);
        for (stat, key) in [
            ("p50", "50th"),
            ("p90", "90th"),
            ("p95", "95th"),
            ("p99", "99th"),
        ] {
            sink.latency(b, stat, lat(key), NS);
        }
        sink.latency(b, "max", lat("max"), NS);
        sink.rate(b, "rps", Some(r.rate));
        sink.rate(b, "success_rps", Some(r.throughput));
        let seconds = (r.duration + r.wait) / 1e9;
        if seconds > 0.0 {
            sink.transfer(b, r.bytes_in.map(|bi| bi.total / seconds));
        }
    }
    let errors: u64 = r
        .status_codes
        .iter()
        .filter(|(c, _)| is_error_status(c))
        .map(|(_, n)| n)
        .sum();
    sink.error_rate(b, errors, r.requests);
    Ok(Parsed {
        metrics: sink.metrics,
        notes: skipped_notes(name, sink.skipped),
        ..Parsed::default()
    })
}

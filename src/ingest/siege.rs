//! siege's JSON summary (`json_output = true`, Debian's default configuration).

use serde::Deserialize;

use crate::error::Result;

use super::load::{S, Sink, skipped_notes};
use super::{Parsed, json};

#[derive(Deserialize)]
struct SReport {
    elapsed_time: f64,
    response_time: Option<f64>,
    transaction_rate: Option<f64>,
    throughput: Option<f64>,
    successful_transactions: u64,
    failed_transactions: u64,
    longest_transaction: Option<f64>,
}

pub fn looks_like(v: &serde_json::Value) -> bool {
    v.get("transaction_rate").is_some() && v.get("availability").is_some()
}

pub fn parse(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let r: SReport = json(name, bytes)?;
    let mut sink = Sink::default();
    let b = "http";
    let ok = r.successful_transactions;
    if ok > 0 {
        // siege prints times to 10 ms; the report shows what it was given.
        sink.latency(b, "avg", r.response_time, S);
        sink.latency(b, "max", r.longest_transaction, S);
        if r.elapsed_time > 0.0 {
            sink.rate(b, "rps", r.transaction_rate);
        }
        sink.transfer(b, r.throughput.map(|mb| mb * 1024.0 * 1024.0));
    }
    sink.error_rate(b, r.failed_transactions, ok + r.failed_transactions);
    Ok(Parsed {
        metrics: sink.metrics,
        notes: skipped_notes(name, sink.skipped),
        ..Parsed::default()
    })
}

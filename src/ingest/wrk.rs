//! wrk: its text report, and the JSON printed by the `done()` script benchgate ships
//! (`scripts/wrk-report.lua`).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};

use super::load::{MS, NS, S, Sink, US, is_error_status, percentile_name, skipped_notes};
use super::{Parsed, json};

/// True for wrk's text report.
pub fn looks_like_text(text: &str) -> bool {
    (text.starts_with("Running ") && text.contains(" test @ ") && text.contains(" threads and "))
        || text.starts_with("unable to connect to ")
}

/// True for the JSON of `scripts/wrk-report.lua`.
pub fn looks_like_json(v: &serde_json::Value) -> bool {
    v.get("tool").and_then(|t| t.as_str()) == Some("wrk") && v.get("latency_us").is_some()
}

#[derive(Deserialize)]
struct WReport {
    duration_us: f64,
    requests: u64,
    bytes_per_sec: Option<f64>,
    errors: WErrors,
    #[serde(default)]
    status_codes: BTreeMap<String, u64>,
    latency_us: BTreeMap<String, Option<f64>>,
}

#[derive(Deserialize)]
struct WErrors {
    connect: u64,
    read: u64,
    write: u64,
    status: u64,
    timeout: u64,
}

/// wrk reports the latency of a run with no completed request as 0 (min as i64::MIN): missing.
fn latency_value(v: Option<f64>, requests: u64) -> Option<f64> {
    v.filter(|v| requests > 0 && *v > 0.0)
}

pub fn parse_json(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let r: WReport = json(name, bytes)?;
    let mut sink = Sink::default();
    let b = "http";
    let lat = |k: &str| latency_value(r.latency_us.get(k).copied().flatten(), r.requests);
    sink.latency(b, "avg", lat("mean"), US);
    sink.latency(b, "min", lat("min"), US);
    for stat in ["p50", "p75", "p90", "p95", "p99", "p99.9"] {
        sink.latency(b, stat, lat(stat), US);
    }
    sink.latency(b, "max", lat("max"), US);
    if r.duration_us > 0.0 {
        sink.rate(b, "rps", Some(r.requests as f64 / (r.duration_us / 1e6)));
    }
    sink.transfer(b, r.bytes_per_sec);
    let status_errors = if r.status_codes.is_empty() {
        r.errors.status
    } else {
        r.status_codes
            .iter()
            .filter(|(c, _)| is_error_status(c))
            .map(|(_, n)| n)
            .sum()
    };
    let socket = r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout;
    sink.error_rate(b, status_errors + socket, r.requests + r.errors.connect);
    Ok(finish(name, sink, r.requests, socket))
}

fn finish(name: &str, sink: Sink, requests: u64, socket: u64) -> Parsed {
    let mut notes = Vec::new();
    if requests == 0 {
        notes.push(format!(
            "{name}: wrk completed no request, so latency and throughput are missing"
        ));
    }
    if socket > 0 {
        notes.push(format!(
            "{name}: wrk counted {socket} socket error(s) (connect, read, write, timeout)"
        ));
    }
    Parsed {
        metrics: sink.metrics,
        notes: [notes, skipped_notes(name, sink.skipped)].concat(),
        ..Parsed::default()
    }
}

/// `2.02ms`, `89.38us`, `1.00s`, `1.50m`; `nan`/`-nan` are missing.
fn duration(text: &str) -> Option<f64> {
    let t = text.trim();
    for (suffix, scale) in [
        ("us", US),
        ("ms", MS),
        ("ns", NS),
        ("s", S),
        ("m", 60.0 * S),
        ("h", 3600.0 * S),
    ] {
        if let Some(n) = t.strip_suffix(suffix) {
            return n
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(|v| v * scale);
        }
    }
    None
}

/// [`duration`] for the text output: `nan` is a missing value, any other unreadable text (an
/// unknown unit) is an error.
fn duration_at(text: &str, bad: impl Fn() -> Error) -> Result<Option<f64>> {
    match duration(text) {
        Some(v) => Ok(Some(v)),
        None if text
            .trim()
            .trim_start_matches('-')
            .eq_ignore_ascii_case("nan") =>
        {
            Ok(None)
        }
        None => Err(bad()),
    }
}

/// `7.75MB`, `233.16KB`, `512B` (wrk's prefixes are powers of 1024).
fn size(text: &str) -> Option<f64> {
    let t = text.trim();
    for (suffix, scale) in [
        ("KB", 1024.0),
        ("MB", 1024.0 * 1024.0),
        ("GB", 1024.0 * 1024.0 * 1024.0),
        ("TB", 1024f64.powi(4)),
        ("B", 1.0),
    ] {
        if let Some(n) = t.strip_suffix(suffix) {
            return n
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(|v| v * scale);
        }
    }
    None
}

pub fn parse_text(name: &str, text: &str) -> Result<Parsed> {
    if let Some(line) = text
        .lines()
        .find(|l| l.starts_with("unable to connect to "))
    {
        return Err(
            Error::input(name, format!("wrk made no request: {}", line.trim()))
                .with_hint("check that the server was up and the URL right, then re-run wrk"),
        );
    }
    // With `-s scripts/wrk-report.lua` and no WRK_JSON_OUT, the JSON follows the text: it is
    // the more precise of the two.
    if let Some(at) = text.find("\n{")
        && serde_json::from_str::<WReport>(&text[at + 1..]).is_ok()
    {
        return parse_json(name, &text.as_bytes()[at + 1..]);
    }
    let bad =
        |i: usize, what: &str| Error::input_at(name, i + 1, format!("cannot read wrk's {what}"));
    let mut sink = Sink::default();
    let b = "http";
    let (mut requests, mut socket, mut connect, mut non2xx) = (None, 0u64, 0u64, 0u64);
    let (mut avg, mut max, mut rps, mut transfer) = (None, None, None, None);
    let mut percentiles = Vec::new();
    let mut in_distribution = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        let fields: Vec<&str> = t.split_whitespace().collect();
        if t.starts_with("Latency Distribution") {
            in_distribution = true;
            continue;
        }
        if in_distribution {
            if let [p, v] = fields[..]
                && let Some(p) = p.strip_suffix('%')
            {
                let Some(stat) = percentile_name(p) else {
                    continue;
                };
                percentiles.push((stat, duration_at(v, || bad(i, "latency percentile"))?));
                continue;
            }
            in_distribution = false;
        }
        match fields.first().copied() {
            Some("Latency") if fields.len() >= 4 => {
                avg = duration_at(fields[1], || bad(i, "average latency"))?;
                max = duration_at(fields[3], || bad(i, "maximum latency"))?;
            }
            Some("Requests/sec:") => {
                rps = Some(
                    fields
                        .get(1)
                        .and_then(|v| v.parse::<f64>().ok())
                        .ok_or_else(|| bad(i, "Requests/sec"))?,
                )
            }
            Some("Transfer/sec:") => transfer = fields.get(1).and_then(|v| size(v)),
            Some("Socket") if t.starts_with("Socket errors:") => {
                for part in t["Socket errors:".len()..].split(',') {
                    let n = part
                        .split_whitespace()
                        .nth(1)
                        .and_then(|v| v.parse::<u64>().ok())
                        .ok_or_else(|| bad(i, "socket errors"))?;
                    socket += n;
                    if part.trim().starts_with("connect") {
                        connect = n;
                    }
                }
            }
            Some("Non-2xx") => {
                non2xx = fields
                    .last()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| bad(i, "non-2xx count"))?;
            }
            Some(n) if fields.get(1) == Some(&"requests") && fields.get(2) == Some(&"in") => {
                requests = Some(n.parse::<u64>().map_err(|_| bad(i, "request count"))?);
            }
            _ => {}
        }
    }
    let Some(requests) = requests else {
        return Err(Error::input(
            name,
            "no `N requests in T` line: the wrk run did not finish",
        )
        .with_hint("re-run wrk and pass its complete output"));
    };
    if requests > 0 {
        // When every request timed out wrk prints 0.00us latencies: missing, not zero.
        let lat = |v: Option<f64>| v.filter(|v| *v > 0.0);
        sink.latency(b, "avg", lat(avg), NS);
        for (stat, v) in percentiles {
            sink.latency(b, stat, lat(v), NS);
        }
        sink.latency(b, "max", lat(max), NS);
        sink.rate(b, "rps", rps);
        sink.transfer(b, transfer);
    }
    // Timed-out, read and write failures are among wrk's requests; refused connections are not.
    sink.error_rate(b, non2xx + socket, requests + connect);
    Ok(finish(name, sink, requests, socket))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(duration("2.02ms"), Some(2.02e6));
        assert_eq!(duration("89.38us"), Some(89380.0));
        assert_eq!(duration("-nan"), None);
        assert_eq!(size("7.75MB"), Some(7.75 * 1024.0 * 1024.0));
    }
}

//! ApacheBench (`ab`): its text report, and its percentile CSV (`-e`).

use crate::error::{Error, Result};

use super::Parsed;
use super::load::{MS, Sink, percentile_name, skipped_notes};

pub fn looks_like_text(text: &str) -> bool {
    text.starts_with("This is ApacheBench")
}

pub fn looks_like_csv(text: &str) -> bool {
    text.starts_with("Percentage served,Time in ms")
}

fn after_colon(t: &str) -> &str {
    t.split_once(':').map_or("", |(_, v)| v.trim())
}

fn first_number(t: &str) -> Option<f64> {
    t.split_whitespace()
        .next()?
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

pub fn parse_text(name: &str, text: &str) -> Result<Parsed> {
    let mut sink = Sink::default();
    let b = "http";
    let (mut complete, mut non2xx, mut transport) = (None, 0u64, 0u64);
    let (mut rps, mut mean, mut transfer) = (None, None, None);
    let mut percentiles = Vec::new();
    let mut in_table = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        let bad = |what: &str| Error::input_at(name, i + 1, format!("cannot read ab's {what}"));
        if t.starts_with("Percentage of the requests served") {
            in_table = true;
            continue;
        }
        if in_table {
            // ` 95%     20` and ` 100%     35 (longest request)`
            if let Some((p, rest)) = t.split_once('%') {
                let Some(stat) = percentile_name(p) else {
                    continue;
                };
                percentiles.push((stat, first_number(rest)));
                continue;
            }
            in_table = false;
        }
        if t.starts_with("Complete requests:") {
            complete =
                Some(first_number(after_colon(t)).ok_or_else(|| bad("complete requests"))? as u64);
        } else if t.starts_with("Non-2xx responses:") {
            non2xx = first_number(after_colon(t)).ok_or_else(|| bad("non-2xx count"))? as u64;
        } else if t.starts_with("(Connect:") {
            // `(Connect: 0, Receive: 0, Length: 32, Exceptions: 0)`: Length failures are responses
            // whose size differs, usually error pages already counted as non-2xx.
            for part in t.trim_matches(['(', ')']).split(',') {
                let (k, v) = part
                    .split_once(':')
                    .ok_or_else(|| bad("failure breakdown"))?;
                let v: u64 = v.trim().parse().map_err(|_| bad("failure breakdown"))?;
                if k.trim() != "Length" {
                    transport += v;
                }
            }
        } else if t.starts_with("Requests per second:") {
            rps = first_number(after_colon(t));
        } else if t.starts_with("Time per request:") && t.ends_with("(mean)") {
            mean = first_number(after_colon(t));
        } else if t.starts_with("Transfer rate:") {
            transfer = first_number(after_colon(t)).map(|kb| kb * 1024.0);
        }
    }
    let Some(complete) = complete else {
        return Err(
            Error::input(name, "no `Complete requests` line: ab did not finish")
                .with_hint("re-run ab and pass its complete output"),
        );
    };
    if complete > 0 {
        sink.latency(b, "avg", mean, MS);
        for (stat, v) in percentiles {
            sink.latency(b, stat, v, MS);
        }
        sink.rate(b, "rps", rps);
        sink.transfer(b, transfer);
    }
    sink.error_rate(b, non2xx + transport, complete + transport);
    Ok(Parsed {
        metrics: sink.metrics,
        notes: skipped_notes(name, sink.skipped),
        ..Parsed::default()
    })
}

pub fn parse_csv(name: &str, text: &str) -> Result<Parsed> {
    let mut sink = Sink::default();
    let mut rows = 0;
    for (i, line) in text.lines().enumerate().skip(1) {
        let (p, ms) = line
            .split_once(',')
            .ok_or_else(|| Error::input_at(name, i + 1, "expected `percentage,time`"))?;
        let ms: f64 = ms
            .trim()
            .parse()
            .map_err(|_| Error::input_at(name, i + 1, format!("{ms:?} is not a time in ms")))?;
        rows += 1;
        let Some(stat) = percentile_name(p) else {
            continue;
        };
        sink.latency("http", stat, Some(ms), MS);
    }
    if rows != 101 {
        return Err(Error::input(
            name,
            format!("{rows} percentile rows, expected 101 (0 to 100)"),
        )
        .with_hint("pass the complete file that `ab -e` wrote"));
    }
    Ok(Parsed {
        metrics: sink.metrics,
        notes: skipped_notes(name, sink.skipped),
        ..Parsed::default()
    })
}

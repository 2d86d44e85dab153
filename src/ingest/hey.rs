//! hey: its text summary, and its per-request CSV (`-o csv`).

use crate::error::{Error, Result};

use super::Parsed;
use super::load::{S, Sink, is_error_status, measured, percentile_name, skipped_notes};

pub fn looks_like_text(text: &str) -> bool {
    // oha's text report looks alike but has a success rate and other units.
    text.trim_start().starts_with("Summary:")
        && text.contains("Requests/sec:")
        && text.contains(" secs")
        && !text.contains("Success rate:")
}

pub fn looks_like_csv(text: &str) -> bool {
    text.starts_with("response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset")
}

fn secs(v: &str) -> Option<f64> {
    v.trim()
        .trim_end_matches("secs")
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

pub fn parse_text(name: &str, text: &str) -> Result<Parsed> {
    let mut sink = Sink::default();
    let b = "http";
    let (mut avg, mut max, mut min, mut rps) = (None, None, None, None);
    let mut percentiles = Vec::new();
    let (mut responses, mut http_errors, mut transport) = (0u64, 0u64, 0u64);
    let mut section = "";
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.ends_with(':') && !t.contains('\t') {
            section = t;
            continue;
        }
        let bad = |what: &str| Error::input_at(name, i + 1, format!("cannot read hey's {what}"));
        if let Some((key, value)) = t.split_once(":\t") {
            match key {
                "Average" => avg = secs(value),
                "Slowest" => max = secs(value),
                "Fastest" => min = secs(value),
                "Requests/sec" => rps = secs(value),
                _ => {}
            }
            continue;
        }
        match section {
            "Latency distribution:" => {
                // `95% in 0.0060 secs`
                if let Some((p, rest)) = t.split_once("% in ") {
                    let Some(stat) = percentile_name(p) else {
                        continue;
                    };
                    percentiles.push((stat, secs(rest)));
                }
            }
            "Status code distribution:" => {
                // `[200]\t23647 responses`
                if let Some((code, rest)) = t.strip_prefix('[').and_then(|r| r.split_once(']')) {
                    let n: u64 = rest
                        .trim()
                        .trim_end_matches("responses")
                        .trim()
                        .parse()
                        .map_err(|_| bad("status count"))?;
                    responses += n;
                    if is_error_status(code) {
                        http_errors += n;
                    }
                }
            }
            "Error distribution:" => {
                // `[30]\tGet "...": context deadline exceeded`
                if let Some((n, _)) = t.strip_prefix('[').and_then(|r| r.split_once(']')) {
                    transport += n.parse::<u64>().map_err(|_| bad("error count"))?;
                }
            }
            _ => {}
        }
    }
    if rps.is_none() {
        return Err(
            Error::input(name, "no `Requests/sec` line in hey's summary")
                .with_hint("pass the complete output of hey (without `-o csv`)"),
        );
    }
    // Without a response hey prints zeros and NaN: no latency and no throughput were measured.
    if responses > 0 {
        sink.latency(b, "avg", avg, S);
        sink.latency(b, "min", min, S);
        for (stat, v) in percentiles {
            sink.latency(b, stat, v, S);
        }
        sink.latency(b, "max", max, S);
        sink.rate(b, "rps", rps);
    }
    sink.error_rate(b, http_errors + transport, responses + transport);
    let mut notes = Vec::new();
    if responses == 0 {
        notes.push(format!(
            "{name}: hey received no response, so latency and throughput are missing"
        ));
    }
    Ok(Parsed {
        metrics: sink.metrics,
        notes: [notes, skipped_notes(name, sink.skipped)].concat(),
        ..Parsed::default()
    })
}

pub fn parse_csv(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let mut latencies = Vec::new();
    let (mut errors, mut end) = (0u64, 0f64);
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| Error::input_at(name, line, format!("bad CSV row: {e}")))?;
        let field = |k: usize| row.get(k).unwrap_or("");
        let seconds = |k: usize, what: &str| {
            measured(field(k)).ok_or_else(|| {
                Error::input_at(
                    name,
                    line,
                    format!("{what} {:?} is not a duration in seconds", field(k)),
                )
            })
        };
        let rt = seconds(0, "response-time")?;
        let offset = seconds(7, "offset")?;
        if is_error_status(field(6)) {
            errors += 1;
        }
        end = end.max(offset + rt);
        latencies.push(rt * S);
    }
    let mut sink = Sink::default();
    let total = latencies.len() as u64;
    sink.latency_samples("http", &mut latencies);
    if end > 0.0 {
        sink.rate("http", "rps", Some(total as f64 / end));
    }
    sink.error_rate("http", errors, total);
    Ok(Parsed {
        metrics: sink.metrics,
        notes: skipped_notes(name, sink.skipped),
        ..Parsed::default()
    })
}

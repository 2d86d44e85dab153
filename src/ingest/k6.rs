//! k6: the `--summary-export` JSON, the `handleSummary()` data object, and the `--out json`
//! stream of points (read line by line; percentiles from an HDR histogram, so memory stays
//! bounded however long the test ran).

use std::collections::BTreeMap;

use chrono::DateTime;
use hdrhistogram::Histogram;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{Direction, MetricKind, Unit};

use super::load::{MS, Sink};
use super::{Parsed, json};

/// k6's connection-phase timings: mostly noise from the load generator's own sockets.
const SKIPPED: [&str; 7] = [
    "http_req_blocked",
    "http_req_connecting",
    "http_req_tls_handshaking",
    "http_req_sending",
    "http_req_receiving",
    "vus",
    "vus_max",
];

pub fn looks_like_export(v: &serde_json::Value) -> bool {
    v.get("root_group").is_some()
        && v.get("metrics").and_then(|m| m.as_object()).is_some()
        && v.get("state").is_none()
}

pub fn looks_like_handle_summary(v: &serde_json::Value) -> bool {
    v.get("root_group").is_some() && v.get("metrics").is_some() && v.get("state").is_some()
}

pub fn looks_like_points(text: &str) -> bool {
    text.lines().next().is_some_and(|l| {
        l.starts_with('{') && l.contains("\"type\":\"Metric\"") && l.contains("\"metric\":")
    })
}

/// The base name of a metric: `http_req_duration{name:slow}` -> `http_req_duration`.
fn base(name: &str) -> &str {
    name.split('{').next().unwrap_or(name)
}

#[derive(Clone, Copy, PartialEq)]
enum Type {
    Trend { time: bool },
    Rate,
    Counter { data: bool },
    Gauge,
}

/// Stats of one metric, in k6's own units (ms for time trends).
#[derive(Default)]
struct Stats {
    values: BTreeMap<String, f64>,
    passes: Option<u64>,
    fails: Option<u64>,
    failed_thresholds: Vec<String>,
}

/// Turns one k6 metric into benchgate metrics.
fn emit(sink: &mut Sink, notes: &mut Vec<String>, name: &str, ty: Type, s: &Stats) {
    if SKIPPED.contains(&base(name)) {
        return;
    }
    for t in &s.failed_thresholds {
        notes.push(format!("k6 threshold `{t}` on `{name}` was crossed"));
    }
    let get = |k: &str| s.values.get(k).copied();
    match ty {
        Type::Trend { time } => {
            for (key, value) in &s.values {
                let stat = match key.as_str() {
                    "avg" => "avg".to_string(),
                    "min" => "min".to_string(),
                    "max" => "max".to_string(),
                    "med" => "p50".to_string(),
                    k => match k.strip_prefix("p(").and_then(|r| r.strip_suffix(')')) {
                        Some(p) => format!("p{p}"),
                        None => continue,
                    },
                };
                if time {
                    sink.latency(name, &stat, Some(*value), MS);
                } else {
                    sink.other(
                        name,
                        &stat,
                        MetricKind::Custom,
                        Unit::Other(String::new()),
                        Direction::LowerIsBetter,
                        Some(*value),
                    );
                }
            }
        }
        Type::Rate => {
            let (Some(passes), Some(fails)) = (s.passes, s.fails) else {
                return;
            };
            let total = passes + fails;
            if base(name) == "http_req_failed" {
                // For http_req_failed a "pass" is a failed request.
                sink.error_rate(name, passes, total);
            } else if total > 0 {
                // checks and custom rates: the share of true samples, higher is better.
                sink.other(
                    name,
                    "rate",
                    MetricKind::Custom,
                    Unit::Ratio,
                    Direction::HigherIsBetter,
                    Some(passes as f64 / total as f64),
                );
            }
        }
        Type::Counter { data } => match base(name) {
            "http_reqs" => sink.rate(name, "rps", get("rate")),
            "iterations" => sink.rate(name, "rate", get("rate")),
            _ if data => sink.transfer(name, get("rate")),
            _ => sink.other(
                name,
                "rate",
                MetricKind::Custom,
                Unit::Other("/s".into()),
                Direction::HigherIsBetter,
                get("rate"),
            ),
        },
        Type::Gauge => {}
    }
}

/// The type of a summary-export metric, from the keys k6 gives it.
fn export_type(name: &str, m: &serde_json::Map<String, serde_json::Value>) -> Type {
    if m.contains_key("avg") || m.contains_key("med") {
        let b = base(name);
        let time = b.starts_with("http_req_")
            || b.ends_with("_duration")
            || b.contains("time")
            || b.contains("latency");
        Type::Trend { time }
    } else if m.contains_key("passes") {
        Type::Rate
    } else if m.contains_key("count") {
        Type::Counter {
            data: base(name).starts_with("data_"),
        }
    } else {
        Type::Gauge
    }
}

fn numbers(m: &serde_json::Map<String, serde_json::Value>) -> BTreeMap<String, f64> {
    m.iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
        .collect()
}

pub fn parse_export(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let v: serde_json::Value = json(name, bytes)?;
    let metrics = v["metrics"]
        .as_object()
        .ok_or_else(|| Error::input(name, "no \"metrics\" object"))?;
    let (mut sink, mut notes) = (Sink::default(), Vec::new());
    for (metric, body) in metrics {
        let Some(m) = body.as_object() else { continue };
        let ty = export_type(metric, m);
        let stats = Stats {
            values: numbers(m),
            passes: m.get("passes").and_then(|v| v.as_u64()),
            fails: m.get("fails").and_then(|v| v.as_u64()),
            // In the summary export `true` means the threshold FAILED.
            failed_thresholds: m
                .get("thresholds")
                .and_then(|t| t.as_object())
                .map(|t| {
                    t.iter()
                        .filter(|(_, failed)| failed.as_bool() == Some(true))
                        .map(|(k, _)| k.clone())
                        .collect()
                })
                .unwrap_or_default(),
        };
        emit(&mut sink, &mut notes, metric, ty, &stats);
    }
    Ok(Parsed {
        metrics: sink.metrics,
        notes: prefixed(name, [notes, sink.skipped].concat()),
        ..Parsed::default()
    })
}

#[derive(Deserialize)]
struct HMetric {
    #[serde(rename = "type")]
    ty: String,
    contains: Option<String>,
    values: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    thresholds: BTreeMap<String, HThreshold>,
}

#[derive(Deserialize)]
struct HThreshold {
    ok: bool,
}

fn typed(ty: &str, contains: Option<&str>) -> Type {
    match ty {
        "trend" => Type::Trend {
            time: contains == Some("time"),
        },
        "rate" => Type::Rate,
        "counter" => Type::Counter {
            data: contains == Some("data"),
        },
        _ => Type::Gauge,
    }
}

pub fn parse_handle_summary(name: &str, bytes: &[u8]) -> Result<Parsed> {
    #[derive(Deserialize)]
    struct HData {
        metrics: BTreeMap<String, HMetric>,
    }
    let d: HData = json(name, bytes)?;
    let (mut sink, mut notes) = (Sink::default(), Vec::new());
    for (metric, m) in &d.metrics {
        let values = m
            .values
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
            .collect();
        let stats = Stats {
            values,
            passes: m.values.get("passes").and_then(|v| v.as_u64()),
            fails: m.values.get("fails").and_then(|v| v.as_u64()),
            failed_thresholds: m
                .thresholds
                .iter()
                .filter(|(_, t)| !t.ok)
                .map(|(k, _)| k.clone())
                .collect(),
        };
        emit(
            &mut sink,
            &mut notes,
            metric,
            typed(&m.ty, m.contains.as_deref()),
            &stats,
        );
    }
    Ok(Parsed {
        metrics: sink.metrics,
        notes: prefixed(name, [notes, sink.skipped].concat()),
        ..Parsed::default()
    })
}

fn prefixed(name: &str, notes: Vec<String>) -> Vec<String> {
    notes.into_iter().map(|n| format!("{name}: {n}")).collect()
}

/// One line of the stream, with its `data` left unparsed until its type is known: most lines
/// are points, and a point needs neither allocation nor its tags unless a sub-metric asks.
#[derive(Deserialize)]
struct PLine<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    metric: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    data: &'a serde_json::value::RawValue,
}

#[derive(Deserialize)]
struct PMetricDef {
    #[serde(rename = "type")]
    ty: String,
    contains: Option<String>,
    #[serde(default)]
    submetrics: Option<Vec<PSub>>,
}

#[derive(Deserialize)]
struct PSub {
    name: String,
    tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct PPoint<'a> {
    #[serde(borrow)]
    time: std::borrow::Cow<'a, str>,
    value: f64,
    #[serde(borrow, default)]
    tags: Option<&'a serde_json::value::RawValue>,
}

/// Nanoseconds since the epoch of an RFC 3339 time in the shape k6 writes
/// (`2026-12-04T15:22:01.800521026Z` or with a `+hh:mm` offset); `None` for any other shape,
/// which the caller hands to the general parser. A point's time is parsed for every line of the
/// stream, so this is on the hot path. Days from the civil date: H. Hinnant, "chrono-Compatible
/// Low-Level Date Algorithms" (days_from_civil).
fn fast_time(t: &str) -> Option<i128> {
    let b = t.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b.get(r)?.iter().try_fold(0i64, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = i - start;
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = num(start..i)? * 10i64.pow((9 - digits) as u32);
    }
    let offset = match b.get(i..)? {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let o = num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss - offset;
    Some(i128::from(secs) * 1_000_000_000 + i128::from(nanos))
}

/// Running aggregate of one metric or sub-metric: O(1) memory in the number of points.
struct Acc {
    ty: Type,
    hist: Histogram<u64>,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    trues: u64,
}

impl Acc {
    fn new(ty: Type) -> Self {
        Acc {
            ty,
            // Microseconds from 1 to an hour, three significant digits.
            hist: Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds"),
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            trues: 0,
        }
    }

    fn add(&mut self, v: f64) {
        self.count += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        if v != 0.0 {
            self.trues += 1;
        }
        if let Type::Trend { .. } = self.ty {
            self.hist
                .saturating_record(((v * 1000.0).round() as u64).max(1));
        }
    }

    fn stats(&self, seconds: f64) -> Stats {
        let mut values = BTreeMap::new();
        match self.ty {
            Type::Trend { .. } if self.count > 0 => {
                values.insert("avg".into(), self.sum / self.count as f64);
                values.insert("min".into(), self.min);
                values.insert("max".into(), self.max);
                for (k, q) in [
                    ("med", 0.5),
                    ("p(90)", 0.9),
                    ("p(95)", 0.95),
                    ("p(99)", 0.99),
                ] {
                    values.insert(k.into(), self.hist.value_at_quantile(q) as f64 / 1000.0);
                }
            }
            Type::Counter { .. } if seconds > 0.0 => {
                values.insert("rate".into(), self.sum / seconds);
            }
            _ => {}
        }
        Stats {
            values,
            passes: matches!(self.ty, Type::Rate).then_some(self.trues),
            fails: matches!(self.ty, Type::Rate).then_some(self.count - self.trues),
            failed_thresholds: Vec::new(),
        }
    }
}

pub fn parse_points(name: &str, bytes: &[u8]) -> Result<Parsed> {
    parse_points_from(name, bytes)
}

/// Reads the point stream line by line from any reader: memory holds one line and one HDR
/// histogram per metric, however many points the test wrote.
pub fn parse_points_from(name: &str, mut reader: impl std::io::BufRead) -> Result<Parsed> {
    let mut defs: BTreeMap<String, (Type, Vec<PSub>)> = BTreeMap::new();
    let mut accs: BTreeMap<String, Acc> = BTreeMap::new();
    // Nanoseconds since the epoch of the earliest and latest point.
    let (mut first, mut last): (Option<i128>, Option<i128>) = (None, None);
    let mut raw = Vec::new();
    let mut i = 0usize;
    loop {
        raw.clear();
        let read = reader
            .read_until(b'\n', &mut raw)
            .map_err(|e| Error::input_at(name, i + 1, format!("cannot read: {e}")))?;
        if read == 0 {
            break;
        }
        i += 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line_no = i;
        let at = |m: String| Error::input_at(name, line_no, m);
        let line: PLine =
            serde_json::from_slice(&raw).map_err(|e| at(format!("invalid JSON line: {e}")))?;
        match &*line.kind {
            "Metric" => {
                let d: PMetricDef = serde_json::from_str(line.data.get())
                    .map_err(|e| at(format!("bad metric definition: {e}")))?;
                let ty = typed(&d.ty, d.contains.as_deref());
                defs.insert(
                    line.metric.into_owned(),
                    (ty, d.submetrics.unwrap_or_default()),
                );
            }
            "Point" => {
                let p: PPoint = serde_json::from_str(line.data.get())
                    .map_err(|e| at(format!("bad point: {e}")))?;
                if !p.value.is_finite() {
                    return Err(at(format!("{} has a non-finite value", line.metric)));
                }
                let metric: &str = &line.metric;
                let (ty, subs) = defs
                    .get(metric)
                    .ok_or_else(|| at(format!("point of {metric:?} before its definition")))?;
                let t = match fast_time(&p.time) {
                    Some(t) => t,
                    None => {
                        let t = DateTime::parse_from_rfc3339(&p.time)
                            .map_err(|e| at(format!("bad time {:?}: {e}", p.time)))?;
                        i128::from(t.timestamp()) * 1_000_000_000
                            + i128::from(t.timestamp_subsec_nanos())
                    }
                };
                first = Some(first.map_or(t, |f| f.min(t)));
                last = Some(last.map_or(t, |l| l.max(t)));
                match accs.get_mut(metric) {
                    Some(acc) => acc.add(p.value),
                    None => {
                        let mut acc = Acc::new(*ty);
                        acc.add(p.value);
                        accs.insert(metric.to_string(), acc);
                    }
                }
                if !subs.is_empty() {
                    let tags: BTreeMap<&str, std::borrow::Cow<'_, str>> = match p.tags {
                        Some(raw) => serde_json::from_str(raw.get())
                            .map_err(|e| at(format!("bad tags: {e}")))?,
                        None => BTreeMap::new(),
                    };
                    for sub in subs {
                        if sub
                            .tags
                            .iter()
                            .all(|(k, v)| tags.get(k.as_str()).is_some_and(|t| t == v))
                        {
                            accs.entry(sub.name.clone())
                                .or_insert_with(|| Acc::new(*ty))
                                .add(p.value);
                        }
                    }
                }
            }
            other => return Err(at(format!("unknown line type {other:?}"))),
        }
    }
    let seconds = match (first, last) {
        (Some(f), Some(l)) => (l - f) as f64 / 1e9,
        _ => 0.0,
    };
    let (mut sink, mut notes) = (Sink::default(), Vec::new());
    for (metric, acc) in &accs {
        emit(&mut sink, &mut notes, metric, acc.ty, &acc.stats(seconds));
    }
    Ok(Parsed {
        metrics: sink.metrics,
        notes: prefixed(name, [notes, sink.skipped].concat()),
        ..Parsed::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_time_agrees_with_chrono() {
        for t in [
            "2026-12-04T15:22:01.800521026Z",
            "2026-12-04T15:22:01Z",
            "2026-12-04T15:22:01.8Z",
            "2024-02-29T23:59:59.999999999+02:00",
            "1999-01-01T00:00:00.5-05:30",
        ] {
            let c = DateTime::parse_from_rfc3339(t).expect("valid");
            let want =
                i128::from(c.timestamp()) * 1_000_000_000 + i128::from(c.timestamp_subsec_nanos());
            assert_eq!(fast_time(t), Some(want), "{t}");
        }
        assert_eq!(fast_time("2026-12-04 15:22:01Z"), None);
        assert_eq!(fast_time("2026-13-04T15:22:01Z"), None);
        assert_eq!(fast_time("2026-12-04T15:22:01.Z"), None);
    }
}

//! JMeter results (JTL) as CSV (default and extended columns, with a header) or XML: per label
//! and in total, latency percentiles, throughput and error rate.

use std::collections::BTreeMap;

use quick_xml::events::Event;

use crate::error::{Error, Result};

use super::Parsed;
use super::load::{MS, Sink, measured};

pub fn looks_like_csv(text: &str) -> bool {
    text.starts_with("timeStamp,elapsed,label,")
}

pub fn looks_like_xml(text: &str) -> bool {
    text.lines().take(3).any(|l| l.contains("<testResults"))
}

/// One sample: start (ms since epoch), elapsed (ms), success.
#[derive(Default)]
struct Label {
    start: Vec<f64>,
    elapsed: Vec<f64>,
    failures: u64,
}

impl Label {
    fn add(&mut self, ts: f64, elapsed: f64, ok: bool) {
        self.start.push(ts);
        self.elapsed.push(elapsed);
        if !ok {
            self.failures += 1;
        }
    }
}

fn summarize(labels: BTreeMap<String, Label>) -> Parsed {
    let mut sink = Sink::default();
    let mut total = Label::default();
    for (label, l) in &labels {
        one(&mut sink, label, l);
        total.start.extend(&l.start);
        total.elapsed.extend(&l.elapsed);
        total.failures += l.failures;
    }
    if labels.len() > 1 {
        one(&mut sink, "TOTAL", &total);
    }
    Parsed {
        metrics: sink.metrics,
        ..Parsed::default()
    }
}

fn one(sink: &mut Sink, bench: &str, l: &Label) {
    let n = l.elapsed.len();
    let mut ns: Vec<f64> = l.elapsed.iter().map(|e| e * MS).collect();
    sink.latency_samples(bench, &mut ns);
    let first = l.start.iter().copied().fold(f64::INFINITY, f64::min);
    let last = l
        .start
        .iter()
        .zip(&l.elapsed)
        .map(|(s, e)| s + e)
        .fold(0.0, f64::max);
    if n > 0 && last > first {
        // JMeter's own throughput: samples over the span from the first start to the last end.
        sink.rate(bench, "rps", Some(n as f64 / ((last - first) / 1000.0)));
    }
    sink.error_rate(bench, l.failures, n as u64);
}

pub fn parse_csv(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| Error::input_at(name, 1, format!("bad CSV header: {e}")))?
        .clone();
    let col = |h: &str| {
        headers.iter().position(|x| x == h).ok_or_else(|| {
            Error::input_at(name, 1, format!("no {h:?} column"))
                .with_hint("save the JTL with its header and the default columns")
        })
    };
    let (c_ts, c_el, c_lb, c_ok) = (
        col("timeStamp")?,
        col("elapsed")?,
        col("label")?,
        col("success")?,
    );
    let mut labels: BTreeMap<String, Label> = BTreeMap::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| Error::input_at(name, line, format!("bad CSV row: {e}")))?;
        if row.len() <= c_ts.max(c_el).max(c_lb).max(c_ok) {
            return Err(Error::input_at(
                name,
                line,
                format!(
                    "the row has {} field(s), the header {}: the file is cut short",
                    row.len(),
                    headers.len()
                ),
            )
            .with_hint("let JMeter finish writing the JTL, or remove the incomplete last line"));
        }
        let get = |c: usize| row.get(c).unwrap_or("").trim();
        let num = |c: usize, what: &str| {
            measured(get(c)).ok_or_else(|| {
                Error::input_at(
                    name,
                    line,
                    format!("{what} {:?} is not a non-negative number", get(c)),
                )
            })
        };
        let (ts, el) = (num(c_ts, "timeStamp")?, num(c_el, "elapsed")?);
        labels
            .entry(get(c_lb).to_string())
            .or_default()
            .add(ts, el, get(c_ok) == "true");
    }
    Ok(summarize(labels))
}

pub fn parse_xml(name: &str, text: &str) -> Result<Parsed> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut labels: BTreeMap<String, Label> = BTreeMap::new();
    let mut depth = 0usize;
    loop {
        let position = reader.buffer_position() as usize;
        let line = || {
            text.as_bytes()[..position.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        };
        let event = reader
            .read_event()
            .map_err(|e| Error::input_at(name, line(), format!("bad XML: {e}")))?;
        let (element, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let Some(e) = element else { continue };
        // Depth 1 = children of <testResults>; deeper samples are sub-results of a parent.
        if depth == 1 && matches!(e.name().as_ref(), b"httpSample" | b"sample") {
            let mut attrs: BTreeMap<Vec<u8>, String> = BTreeMap::new();
            for a in e.attributes() {
                let a = a.map_err(|err| {
                    Error::input_at(name, line(), format!("bad XML attribute: {err}"))
                })?;
                let v = a.unescape_value().map_err(|err| {
                    Error::input_at(name, line(), format!("bad XML attribute: {err}"))
                })?;
                attrs.insert(a.key.as_ref().to_vec(), v.into_owned());
            }
            let num = |k: &[u8]| {
                attrs.get(k).and_then(|v| measured(v)).ok_or_else(|| {
                    Error::input_at(
                        name,
                        line(),
                        format!(
                            "sample without a numeric {:?} attribute",
                            String::from_utf8_lossy(k)
                        ),
                    )
                })
            };
            let (t, ts) = (num(b"t")?, num(b"ts")?);
            let ok = attrs.get(b"s".as_slice()).is_some_and(|s| s == "true");
            let label = attrs.get(b"lb".as_slice()).cloned().unwrap_or_default();
            labels.entry(label).or_default().add(ts, t, ok);
        }
        if !empty {
            depth += 1;
        }
    }
    if labels.is_empty() {
        return Err(Error::input(name, "no samples in the JMeter XML results")
            .with_hint("check that the test plan ran"));
    }
    Ok(summarize(labels))
}

//! The baseline file's encoding. v2 (written) keeps a catalogue of metrics once and each run's
//! values as short arrays, one per line: a 1,000-metric, 30-run history stays under 2 MB and
//! still diffs line by line in git. v1 (the first format: a summary object per metric per run)
//! is read and migrated.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{Counts, Direction, Interval, MetricKind, RunMeta, Unit};

use super::{Baseline, BaselineRun, Summary, Window};

/// The schema tag written.
pub const V2: &str = "benchgate.baseline.v2";
/// The first schema, still read.
pub const V1: &str = "benchgate.baseline.v1";

#[derive(Serialize, Deserialize, PartialEq, Eq, Hash, Clone)]
struct Entry {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    suite: String,
    benchmark: String,
    statistic: String,
    kind: MetricKind,
    unit: Unit,
    direction: Direction,
}

#[derive(Deserialize)]
struct FileV2 {
    window: Window,
    metrics: Vec<Entry>,
    runs: Vec<RunV2>,
}

#[derive(Deserialize)]
struct RunV2 {
    meta: RunMeta,
    values: Vec<Vec<Value>>,
}

/// Six significant digits: plenty for an interval bound or a spread, and short.
fn six(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(5 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("baseline parts always serialize")
}

/// Writes the v2 file.
pub fn encode(b: &Baseline) -> String {
    let mut catalogue: Vec<Entry> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for run in &b.runs {
        for s in &run.metrics {
            let e = entry(s);
            if !index.contains_key(&e) {
                index.insert(e.clone(), catalogue.len());
                catalogue.push(e);
            }
        }
    }
    let mut out = String::new();
    out.push_str(&format!(
        "{{\n  \"schema\": \"{V2}\",\n  \"window\": {},\n  \"metrics\": [",
        json(&b.window)
    ));
    for (i, e) in catalogue.iter().enumerate() {
        out.push_str(if i == 0 { "\n    " } else { ",\n    " });
        out.push_str(&json(e));
    }
    out.push_str(if catalogue.is_empty() {
        "],\n  \"runs\": ["
    } else {
        "\n  ],\n  \"runs\": ["
    });
    for (r, run) in b.runs.iter().enumerate() {
        out.push_str(if r == 0 { "\n    " } else { ",\n    " });
        out.push_str(&format!("{{\"meta\": {}, \"values\": [", json(&run.meta)));
        for (v, s) in run.metrics.iter().enumerate() {
            out.push_str(if v == 0 { "\n      " } else { ",\n      " });
            out.push_str(&json(&values(index[&entry(s)], s)));
        }
        out.push_str(if run.metrics.is_empty() {
            "]}"
        } else {
            "\n    ]}"
        });
    }
    out.push_str(if b.runs.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    out
}

fn entry(s: &Summary) -> Entry {
    Entry {
        suite: s.suite.clone(),
        benchmark: s.benchmark.clone(),
        statistic: s.statistic.clone(),
        kind: s.kind,
        unit: s.unit.clone(),
        direction: s.direction,
    }
}

/// `[metric, value, lower, upper, spread, n, events, total, level]`, trailing absent fields left
/// out; the value keeps full precision.
fn values(i: usize, s: &Summary) -> Vec<Value> {
    let opt = |x: Option<f64>| x.map_or(Value::Null, |v| Value::from(six(v)));
    let mut v = vec![
        Value::from(i),
        Value::from(s.value),
        opt(s.ci.map(|c| c.lower)),
        opt(s.ci.map(|c| c.upper)),
        opt(s.spread),
        s.n.map_or(Value::Null, Value::from),
        s.counts.map_or(Value::Null, |c| Value::from(c.events)),
        s.counts.map_or(Value::Null, |c| Value::from(c.total)),
        s.ci.filter(|c| (c.level - 0.95).abs() > 1e-12)
            .map_or(Value::Null, |c| Value::from(c.level)),
    ];
    while v.last().is_some_and(Value::is_null) {
        v.pop();
    }
    v
}

/// Reads a v2 file.
pub fn decode_v2(value: Value) -> Result<Baseline, String> {
    let f: FileV2 =
        serde_json::from_value(value).map_err(|e| format!("not a valid baseline: {e}"))?;
    let mut runs = Vec::with_capacity(f.runs.len());
    for (r, run) in f.runs.into_iter().enumerate() {
        let mut metrics = Vec::with_capacity(run.values.len());
        for (k, v) in run.values.iter().enumerate() {
            let at = || format!("run {} value {}", r + 1, k + 1);
            let num = |j: usize| v.get(j).and_then(Value::as_f64);
            let int = |j: usize| v.get(j).and_then(Value::as_u64);
            let i = int(0).ok_or_else(|| format!("{}: no metric index", at()))? as usize;
            let e = f
                .metrics
                .get(i)
                .ok_or_else(|| format!("{}: metric index {i} is not in the catalogue", at()))?;
            let value = num(1).ok_or_else(|| format!("{}: no value", at()))?;
            let ci = match (num(2), num(3)) {
                (Some(lower), Some(upper)) => Some(Interval {
                    lower,
                    upper,
                    level: num(8).unwrap_or(0.95),
                }),
                _ => None,
            };
            metrics.push(Summary {
                suite: e.suite.clone(),
                benchmark: e.benchmark.clone(),
                statistic: e.statistic.clone(),
                kind: e.kind,
                unit: e.unit.clone(),
                direction: e.direction,
                value,
                ci,
                spread: num(4),
                n: int(5).map(|n| n as usize),
                counts: match (int(6), int(7)) {
                    (Some(events), Some(total)) => Some(Counts { events, total }),
                    _ => None,
                },
            });
        }
        runs.push(BaselineRun {
            meta: run.meta,
            metrics,
        });
    }
    Ok(Baseline {
        schema: V2.to_string(),
        window: f.window,
        runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_significant_digits() {
        assert_eq!(six(5297.426486), 5297.43);
        assert_eq!(six(0.000123456789), 0.000123457);
        assert_eq!(six(121.47051445816919), 121.471);
    }
}

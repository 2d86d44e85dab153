//! Formats for teams that export their own numbers: benchgate's documented metrics JSON
//! (`benchgate.metrics.v1`), github-action-benchmark's `customSmallerIsBetter` /
//! `customBiggerIsBetter` arrays, and the Bencher Metric Format.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{Counts, Direction, Interval, Metric, MetricKind, Unit};

use super::{Parsed, json};

/// Schema tag of benchgate's own metrics format.
pub const METRICS_SCHEMA: &str = "benchgate.metrics.v1";

pub fn looks_like_metrics(v: &serde_json::Value) -> bool {
    v.get("schema")
        .and_then(|s| s.as_str())
        .is_some_and(|s| s.starts_with("benchgate.metrics."))
}

pub fn looks_like_gab(v: &serde_json::Value) -> bool {
    v.as_array().is_some_and(|a| {
        !a.is_empty()
            && a.iter().all(|e| {
                e.get("name").is_some() && e.get("unit").is_some() && e.get("value").is_some()
            })
    })
}

pub fn looks_like_bmf(v: &serde_json::Value) -> bool {
    v.as_object().is_some_and(|o| {
        !o.is_empty()
            && o.values().all(|measures| {
                measures.as_object().is_some_and(|m| {
                    !m.is_empty()
                        && m.values()
                            .all(|x| x.get("value").is_some_and(|v| v.is_number()))
                })
            })
    })
}

/// A unit name to benchgate's unit and the factor into it.
pub(crate) fn unit(name: &str) -> (Unit, f64) {
    match name.trim() {
        "ns" => (Unit::Nanoseconds, 1.0),
        "us" | "µs" => (Unit::Nanoseconds, 1e3),
        "ms" => (Unit::Nanoseconds, 1e6),
        "s" => (Unit::Nanoseconds, 1e9),
        "B" | "bytes" => (Unit::Bytes, 1.0),
        "KB" => (Unit::Bytes, 1e3),
        "MB" => (Unit::Bytes, 1e6),
        "GB" => (Unit::Bytes, 1e9),
        "KiB" => (Unit::Bytes, 1024.0),
        "MiB" => (Unit::Bytes, 1024.0 * 1024.0),
        "GiB" => (Unit::Bytes, 1024.0 * 1024.0 * 1024.0),
        "B/s" => (Unit::BytesPerSecond, 1.0),
        "req/s" => (Unit::RequestsPerSecond, 1.0),
        "ops/s" => (Unit::OpsPerSecond, 1.0),
        "%" | "percent" => (Unit::Percent, 1.0),
        "ratio" => (Unit::Ratio, 1.0),
        "count" => (Unit::Count, 1.0),
        other => (Unit::Other(other.to_string()), 1.0),
    }
}

/// A 95% interval from bounds given in a unit that `factor` converts.
fn scaled_ci(lower: Option<f64>, upper: Option<f64>, factor: f64) -> Option<Interval> {
    Some(Interval {
        lower: lower? * factor,
        upper: upper? * factor,
        level: 0.95,
    })
}

pub(crate) fn default_kind(unit: &Unit) -> MetricKind {
    match unit {
        Unit::Nanoseconds => MetricKind::Latency,
        Unit::Bytes => MetricKind::Memory,
        Unit::BytesPerSecond
        | Unit::RequestsPerSecond
        | Unit::OpsPerSecond
        | Unit::ElementsPerSecond => MetricKind::Throughput,
        _ => MetricKind::Custom,
    }
}

pub(crate) fn default_direction(kind: MetricKind) -> Option<Direction> {
    match kind {
        MetricKind::Throughput => Some(Direction::HigherIsBetter),
        MetricKind::Custom => None,
        _ => Some(Direction::LowerIsBetter),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GMetrics {
    #[allow(dead_code)]
    schema: String,
    metrics: Vec<GMetric>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GMetric {
    #[serde(default)]
    suite: String,
    benchmark: String,
    #[serde(default = "value_statistic")]
    statistic: String,
    unit: String,
    value: f64,
    kind: Option<MetricKind>,
    direction: Option<Direction>,
    samples: Option<Vec<f64>>,
    lower: Option<f64>,
    upper: Option<f64>,
    errors: Option<u64>,
    total: Option<u64>,
}

fn value_statistic() -> String {
    "value".to_string()
}

pub fn parse_metrics(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let g: GMetrics = json(name, bytes)?;
    if g.schema != METRICS_SCHEMA {
        return Err(Error::input(
            name,
            format!(
                "unsupported schema {:?}, expected {METRICS_SCHEMA:?}",
                g.schema
            ),
        ));
    }
    let mut metrics = Vec::new();
    for (i, m) in g.metrics.into_iter().enumerate() {
        let what = format!("metric {} ({:?})", i + 1, m.benchmark);
        let (unit, factor) = unit(&m.unit);
        let kind = m.kind.unwrap_or_else(|| default_kind(&unit));
        let direction = m
            .direction
            .or_else(|| default_direction(kind))
            .ok_or_else(|| {
                Error::input(
                    name,
                    format!(
                        "{what}: unit {:?} says nothing about which way is better",
                        m.unit
                    ),
                )
                .with_hint("add \"direction\": \"lower_is_better\" or \"higher_is_better\"")
            })?;
        if !m.value.is_finite() {
            return Err(Error::input(
                name,
                format!("{what}: value is not a finite number"),
            ));
        }
        let counts = match (m.errors, m.total) {
            (Some(events), Some(total)) if events <= total => Some(Counts { events, total }),
            (None, None) => None,
            _ => {
                return Err(Error::input(
                    name,
                    format!("{what}: give both \"errors\" and \"total\", errors <= total"),
                ));
            }
        };
        metrics.push(Metric {
            suite: m.suite,
            samples: m.samples.map(|s| s.iter().map(|v| v * factor).collect()),
            ci: scaled_ci(m.lower, m.upper, factor),
            counts,
            ..Metric::new(
                m.benchmark,
                m.statistic,
                kind,
                unit,
                direction,
                m.value * factor,
            )
        });
    }
    Ok(Parsed {
        metrics,
        ..Parsed::default()
    })
}

#[derive(Deserialize)]
struct GabEntry {
    name: String,
    unit: String,
    value: f64,
}

/// `direction` comes from `--format gab-smaller|gab-bigger`; without it, a rate unit (`/s`,
/// `ops`) is taken as bigger-is-better and anything else as smaller, and the run says so.
pub fn parse_gab(name: &str, bytes: &[u8], direction: Option<Direction>) -> Result<Parsed> {
    let entries: Vec<GabEntry> = json(name, bytes)?;
    let mut metrics = Vec::new();
    let mut guessed = false;
    for e in entries {
        if !e.value.is_finite() {
            return Err(Error::input(
                name,
                format!("{:?}: value is not a finite number", e.name),
            ));
        }
        let (unit, factor) = unit(&e.unit);
        let dir = direction.unwrap_or_else(|| {
            guessed = true;
            if e.unit.contains("/s") || e.unit.contains("ops") {
                Direction::HigherIsBetter
            } else {
                Direction::LowerIsBetter
            }
        });
        let kind = match (&unit, dir) {
            (Unit::Other(_), _) => MetricKind::Custom,
            (u, _) => default_kind(u),
        };
        metrics.push(Metric::new(
            e.name,
            "value",
            kind,
            unit,
            dir,
            e.value * factor,
        ));
    }
    let notes = if guessed {
        vec![format!(
            "{name}: which way is better was guessed from the units; pass `--format gab-smaller` or `--format gab-bigger` to say"
        )]
    } else {
        Vec::new()
    };
    Ok(Parsed {
        metrics,
        notes,
        ..Parsed::default()
    })
}

#[derive(Deserialize)]
struct BmfValue {
    value: f64,
    lower_value: Option<f64>,
    upper_value: Option<f64>,
}

pub fn parse_bmf(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let doc: BTreeMap<String, BTreeMap<String, BmfValue>> = json(name, bytes)?;
    let mut metrics = Vec::new();
    let mut custom = Vec::new();
    for (bench, measures) in doc {
        for (measure, v) in measures {
            if !v.value.is_finite() {
                return Err(Error::input(
                    name,
                    format!("{bench} {measure}: value is not a finite number"),
                ));
            }
            // Bencher's built-in measures and their units.
            let (kind, unit, factor, direction) = match measure.as_str() {
                "latency" => (
                    MetricKind::Time,
                    Unit::Nanoseconds,
                    1.0,
                    Direction::LowerIsBetter,
                ),
                "throughput" => (
                    MetricKind::Throughput,
                    Unit::OpsPerSecond,
                    1.0,
                    Direction::HigherIsBetter,
                ),
                "file-size" => (
                    MetricKind::Memory,
                    Unit::Bytes,
                    1.0,
                    Direction::LowerIsBetter,
                ),
                "build-time" => (
                    MetricKind::Time,
                    Unit::Nanoseconds,
                    1e9,
                    Direction::LowerIsBetter,
                ),
                "instructions" | "cycles" | "l1-accesses" | "l2-accesses" | "ram-accesses"
                | "estimated-cycles" | "total-accesses" => (
                    MetricKind::Custom,
                    Unit::Count,
                    1.0,
                    Direction::LowerIsBetter,
                ),
                _ => {
                    custom.push(measure.clone());
                    (
                        MetricKind::Custom,
                        Unit::Other(measure.clone()),
                        1.0,
                        Direction::LowerIsBetter,
                    )
                }
            };
            metrics.push(Metric {
                ci: scaled_ci(v.lower_value, v.upper_value, factor),
                ..Metric::new(
                    bench.clone(),
                    measure,
                    kind,
                    unit,
                    direction,
                    v.value * factor,
                )
            });
        }
    }
    let mut notes = Vec::new();
    if !custom.is_empty() {
        custom.sort();
        custom.dedup();
        notes.push(format!(
            "{name}: custom measures {} are taken as lower-is-better",
            custom.join(", ")
        ));
    }
    Ok(Parsed {
        metrics,
        notes,
        ..Parsed::default()
    })
}

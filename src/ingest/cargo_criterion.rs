//! cargo-criterion's machine-readable messages (`cargo criterion --message-format=json`).

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{Interval, Metric, Unit};

use super::Parsed;
use super::criterion::{per_iteration, with_throughput};

#[derive(Deserialize)]
struct CMessage {
    reason: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    iteration_count: Vec<f64>,
    #[serde(default)]
    measured_values: Vec<f64>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    throughput: Vec<CThroughput>,
    median: Option<CEstimate>,
}

#[derive(Deserialize)]
struct CThroughput {
    per_iteration: f64,
    unit: String,
}

#[derive(Deserialize)]
struct CEstimate {
    estimate: f64,
    lower_bound: f64,
    upper_bound: f64,
}

pub fn looks_like(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with('{') && l.contains("\"reason\":\"benchmark-complete\""))
}

pub fn parse(name: &str, text: &str) -> Result<Parsed> {
    let mut metrics = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with('{') {
            continue;
        }
        let at = |m: String| Error::input_at(name, i + 1, m);
        let msg: CMessage =
            serde_json::from_str(line).map_err(|e| at(format!("invalid JSON message: {e}")))?;
        if msg.reason != "benchmark-complete" {
            continue;
        }
        let id = msg
            .id
            .ok_or_else(|| at("benchmark message without an id".into()))?;
        let median = msg
            .median
            .ok_or_else(|| at(format!("{id}: no median estimate")))?;
        if msg.unit.as_deref().is_some_and(|u| u != "ns") {
            return Err(at(format!(
                "{id}: unit {:?} is not a time in ns",
                msg.unit.unwrap_or_default()
            ))
            .with_hint(
                "benchgate reads wall-time measurements (the default WallTime measurement)",
            ));
        }
        let mut time = Metric::time(
            id,
            "median",
            super::check_value(name, "median", median.estimate)?,
        );
        time.ci = Some(Interval {
            lower: median.lower_bound,
            upper: median.upper_bound,
            level: 0.95,
        });
        if !msg.measured_values.is_empty() {
            time.samples = Some(
                per_iteration(name, &msg.iteration_count, &msg.measured_values)
                    .map_err(|e| at(e.to_string()))?,
            );
        }
        let per_iteration = msg.throughput.first().map(|t| {
            let unit = if t.unit == "bytes" {
                Unit::BytesPerSecond
            } else {
                Unit::ElementsPerSecond
            };
            (t.per_iteration, unit)
        });
        metrics.extend(with_throughput(time, per_iteration));
    }
    Ok(Parsed {
        metrics,
        ..Parsed::default()
    })
}

//! The normalized data model every adapter produces and every later stage reads.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Schema tag of a serialized [`Run`].
pub const RUN_SCHEMA: &str = "benchgate.run.v1";

/// One set of results: what was measured, where and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub schema: String,
    pub meta: RunMeta,
    pub metrics: Vec<Metric>,
}

impl Run {
    /// A run with the current schema tag.
    pub fn new(meta: RunMeta, metrics: Vec<Metric>) -> Self {
        Run {
            schema: RUN_SCHEMA.to_string(),
            meta,
            metrics,
        }
    }
}

/// Where and when a run was made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunMeta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<Utc>>,
    pub testbed: Testbed,
    /// Tool name to version, for the tools that state theirs.
    pub tools: BTreeMap<String, String>,
    /// The inputs the metrics were read from, with their detected formats.
    pub sources: Vec<SourceInfo>,
    /// What the inputs said that a reader of the report should know (crossed tool thresholds,
    /// client errors).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The machine a run was made on: a difference here explains many "regressions".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Testbed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cores: Option<u32>,
    /// The compiler that built the benchmarks, when known (e.g. `rustc 1.95.0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toolchain: Option<String>,
}

impl Testbed {
    /// A one-line description, e.g. `linux x86_64, AMD EPYC (2 cores)`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(os) = &self.os {
            parts.push(os.clone());
        }
        if let Some(arch) = &self.arch {
            parts.push(arch.clone());
        }
        let mut text = parts.join(" ");
        if let Some(cpu) = &self.cpu_model {
            if !text.is_empty() {
                text.push_str(", ");
            }
            text.push_str(cpu);
        }
        if let Some(cores) = self.cores {
            text.push_str(&format!(" ({cores} cores)"));
        }
        if let Some(tc) = &self.toolchain {
            text.push_str(&format!(", {tc}"));
        }
        if text.is_empty() {
            "unknown".to_string()
        } else {
            text
        }
    }

    /// Fields that are known on both sides and differ, as `name: a -> b`.
    pub fn differences(&self, other: &Testbed) -> Vec<String> {
        let mut out = Vec::new();
        let mut cmp = |name: &str, a: Option<String>, b: Option<String>| {
            if let (Some(a), Some(b)) = (a, b)
                && a != b
            {
                out.push(format!("{name}: {a} -> {b}"));
            }
        };
        cmp("os", self.os.clone(), other.os.clone());
        cmp("arch", self.arch.clone(), other.arch.clone());
        cmp("cpu", self.cpu_model.clone(), other.cpu_model.clone());
        cmp(
            "cores",
            self.cores.map(|c| c.to_string()),
            other.cores.map(|c| c.to_string()),
        );
        cmp("toolchain", self.toolchain.clone(), other.toolchain.clone());
        out
    }
}

/// One input a run was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub path: String,
    pub format: String,
}

/// What a metric measures; selects its default thresholds and its report category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Time per iteration of a micro-benchmark.
    Time,
    /// Request latency (average or a percentile).
    Latency,
    /// Operations, bytes or requests per second.
    Throughput,
    /// Failed share of requests.
    ErrorRate,
    /// CPU usage.
    Cpu,
    /// Memory usage.
    Memory,
    /// Anything else with a unit and a direction.
    Custom,
}

impl MetricKind {
    /// Every kind, in report order.
    pub const ALL: [MetricKind; 7] = [
        MetricKind::Time,
        MetricKind::Latency,
        MetricKind::Throughput,
        MetricKind::ErrorRate,
        MetricKind::Cpu,
        MetricKind::Memory,
        MetricKind::Custom,
    ];

    /// The config-file name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Time => "time",
            MetricKind::Latency => "latency",
            MetricKind::Throughput => "throughput",
            MetricKind::ErrorRate => "error_rate",
            MetricKind::Cpu => "cpu",
            MetricKind::Memory => "memory",
            MetricKind::Custom => "custom",
        }
    }

    /// The report's heading for the kind's category.
    pub fn title(self) -> &'static str {
        match self {
            MetricKind::Time => "Time per Iteration",
            MetricKind::Latency => "Latency",
            MetricKind::Throughput => "Throughput",
            MetricKind::ErrorRate => "Error Rate",
            MetricKind::Cpu => "CPU Usage",
            MetricKind::Memory => "Memory Usage",
            MetricKind::Custom => "Other Metrics",
        }
    }

    /// Parses a config-file name.
    pub fn parse(text: &str) -> Option<MetricKind> {
        MetricKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    LowerIsBetter,
    HigherIsBetter,
}

impl Direction {
    /// +1 when an increase is a worsening, -1 when a decrease is.
    pub fn worse_sign(self) -> f64 {
        match self {
            Direction::LowerIsBetter => 1.0,
            Direction::HigherIsBetter => -1.0,
        }
    }
}

/// The unit a metric's value is stored in. Times are always nanoseconds so that runs of different
/// tools compare; the report picks a readable scale.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Nanoseconds,
    Bytes,
    BytesPerSecond,
    ElementsPerSecond,
    RequestsPerSecond,
    OpsPerSecond,
    Percent,
    Ratio,
    Count,
    Other(String),
}

impl Unit {
    /// The short unit label.
    pub fn label(&self) -> &str {
        match self {
            Unit::Nanoseconds => "ns",
            Unit::Bytes => "B",
            Unit::BytesPerSecond => "B/s",
            Unit::ElementsPerSecond => "elem/s",
            Unit::RequestsPerSecond => "req/s",
            Unit::OpsPerSecond => "ops/s",
            Unit::Percent => "%",
            Unit::Ratio => "ratio",
            Unit::Count => "count",
            Unit::Other(s) => s,
        }
    }
}

/// A confidence interval around a value, in the metric's unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
}

/// Event counts behind a rate: `events` out of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub events: u64,
    pub total: u64,
}

/// One measured quantity of one benchmark in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Groups metrics of one input (e.g. `checkout-api`); empty for the default suite.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub suite: String,
    /// The tool's own name for the benchmark (criterion's `full_id`).
    pub benchmark: String,
    /// Which statistic of the benchmark: `median`, `p95`, `mean`, `throughput`, ...
    pub statistic: String,
    pub kind: MetricKind,
    pub unit: Unit,
    pub direction: Direction,
    /// The run's value. Never a stand-in for a missing measurement.
    pub value: f64,
    /// Per-iteration (or per-request) observations, when the tool gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<Interval>,
    /// A dispersion figure the tool reports (standard deviation, or libtest's range), in the unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<Counts>,
}

impl Metric {
    /// The stable key that matches a metric across runs.
    pub fn key(&self) -> String {
        metric_key(&self.suite, &self.benchmark, &self.statistic)
    }

    /// A metric of the default suite with nothing but its value.
    pub fn new(
        benchmark: impl Into<String>,
        statistic: impl Into<String>,
        kind: MetricKind,
        unit: Unit,
        direction: Direction,
        value: f64,
    ) -> Self {
        Metric {
            suite: String::new(),
            benchmark: benchmark.into(),
            statistic: statistic.into(),
            kind,
            unit,
            direction,
            value,
            samples: None,
            ci: None,
            spread: None,
            counts: None,
        }
    }

    /// A time metric in nanoseconds (lower is better).
    pub fn time(benchmark: impl Into<String>, statistic: impl Into<String>, value_ns: f64) -> Self {
        Metric::new(
            benchmark,
            statistic,
            MetricKind::Time,
            Unit::Nanoseconds,
            Direction::LowerIsBetter,
            value_ns,
        )
    }

    /// The number of samples, when known.
    pub fn sample_count(&self) -> Option<usize> {
        self.samples.as_ref().map(Vec::len)
    }
}

/// Builds the key of a metric from its parts: `suite :: benchmark :: statistic`.
pub fn metric_key(suite: &str, benchmark: &str, statistic: &str) -> String {
    if suite.is_empty() {
        format!("{benchmark} :: {statistic}")
    } else {
        format!("{suite} :: {benchmark} :: {statistic}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_round_trips_through_json_with_full_precision() {
        let mut m = Metric::time("hash/djb2", "median", 7493.144192570393);
        m.samples = Some(vec![0.1 + 0.2, 1e-300]);
        let run = Run::new(RunMeta::default(), vec![m]);
        let text = serde_json::to_string(&run).expect("serializes");
        assert!(text.contains("\"schema\":\"benchgate.run.v1\""));
        let back: Run = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, run);
    }

    #[test]
    fn keys_include_suite_only_when_set() {
        let mut m = Metric::time("a/b", "median", 1.0);
        assert_eq!(m.key(), "a/b :: median");
        m.suite = "api".into();
        assert_eq!(m.key(), "api :: a/b :: median");
    }

    #[test]
    fn testbed_differences_ignore_unknown_fields() {
        let a = Testbed {
            cpu_model: Some("A".into()),
            cores: Some(2),
            ..Testbed::default()
        };
        let b = Testbed {
            cpu_model: Some("B".into()),
            cores: None,
            ..Testbed::default()
        };
        assert_eq!(a.differences(&b), vec!["cpu: A -> B".to_string()]);
    }
}

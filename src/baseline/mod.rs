//! The baseline: a bounded history of the main branch's runs, kept as per-run summaries.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::HistoryPolicy;
use crate::error::{Error, Result};
use crate::model::{Counts, Direction, Interval, Metric, MetricKind, RunMeta, Unit, metric_key};

pub mod encoding;
pub mod git;
pub mod store;

/// Schema tag of the baseline file benchgate writes.
pub const BASELINE_SCHEMA: &str = encoding::V2;

/// The history file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub schema: String,
    pub window: Window,
    /// Oldest first.
    pub runs: Vec<BaselineRun>,
}

/// How much history is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub max_runs: usize,
    pub max_age_days: u32,
}

impl From<&HistoryPolicy> for Window {
    fn from(p: &HistoryPolicy) -> Self {
        Window {
            max_runs: p.max_runs,
            max_age_days: p.max_age_days,
        }
    }
}

/// One run of the history: its metadata and a summary of each metric (no raw samples).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineRun {
    pub meta: RunMeta,
    pub metrics: Vec<Summary>,
}

/// What the history keeps of one metric of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub suite: String,
    pub benchmark: String,
    pub statistic: String,
    pub kind: MetricKind,
    pub unit: Unit,
    pub direction: Direction,
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<Interval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<f64>,
    /// Number of samples behind the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<Counts>,
}

impl Summary {
    /// The key that matches [`Metric::key`].
    pub fn key(&self) -> String {
        metric_key(&self.suite, &self.benchmark, &self.statistic)
    }
}

impl From<&Metric> for Summary {
    fn from(m: &Metric) -> Self {
        Summary {
            suite: m.suite.clone(),
            benchmark: m.benchmark.clone(),
            statistic: m.statistic.clone(),
            kind: m.kind,
            unit: m.unit.clone(),
            direction: m.direction,
            value: m.value,
            ci: m.ci,
            spread: m.spread,
            n: m.sample_count(),
            counts: m.counts,
        }
    }
}

impl Baseline {
    /// An empty history with the given window.
    pub fn new(window: Window) -> Self {
        Baseline {
            schema: BASELINE_SCHEMA.to_string(),
            window,
            runs: Vec::new(),
        }
    }

    /// Reads a history file. `name` is the path shown in messages.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Baseline> {
        let bad = |message: String| Error::Baseline {
            path: name.to_string(),
            message,
            hint: Some(
                "restore it from version control or your artifact store, or start a new one \
                 with `benchgate baseline create`"
                    .into(),
            ),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(bad("the baseline file is empty".into()));
        }
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| bad(format!("line {}: invalid JSON: {e}", e.line())))?;
        let baseline = match value.get("schema").and_then(|s| s.as_str()) {
            Some(encoding::V2) => encoding::decode_v2(value).map_err(bad)?,
            // The first format: read, and written back as v2 by the next update.
            Some(encoding::V1) => {
                let mut b: Baseline = serde_json::from_value(value)
                    .map_err(|e| bad(format!("not a valid baseline: {e}")))?;
                b.schema = BASELINE_SCHEMA.to_string();
                b
            }
            Some(other) => {
                return Err(bad(format!(
                    "unsupported baseline schema {other:?}, expected {BASELINE_SCHEMA:?}"
                )));
            }
            None => return Err(bad("not a benchgate baseline (no \"schema\" field)".into())),
        };
        for run in &baseline.runs {
            if let Some(m) = run.metrics.iter().find(|m| !m.value.is_finite()) {
                return Err(bad(format!("{} has a non-finite value", m.key())));
            }
        }
        Ok(baseline)
    }

    /// The file's bytes (schema v2): compact, and one line per value so that a history kept in
    /// git diffs readably.
    pub fn to_json(&self) -> String {
        encoding::encode(self)
    }

    /// A short content id, so that a report names exactly which history it used.
    pub fn id(&self) -> String {
        let digest = Sha256::digest(self.to_json().as_bytes());
        digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
    }

    /// Appends a run's summaries, keeps runs in time order and applies the window.
    pub fn append(&mut self, meta: RunMeta, metrics: &[Metric]) {
        let mut meta = meta;
        meta.sources.clear();
        meta.notes.clear();
        // A re-run of the same commit replaces its earlier run instead of counting twice.
        if meta.commit.is_some() {
            self.runs.retain(|r| r.meta.commit != meta.commit);
        }
        self.runs.push(BaselineRun {
            meta,
            metrics: metrics.iter().map(Summary::from).collect(),
        });
        // A stable sort keeps the order of runs without timestamps.
        self.runs.sort_by_key(|r| r.meta.timestamp);
        self.prune();
    }

    /// Drops runs beyond the window: at most `max_runs` newest, none older than `max_age_days`
    /// before the newest run. Age counts from the newest run rather than the clock, so a quiet
    /// main branch keeps its baseline instead of ageing it away.
    pub fn prune(&mut self) {
        if let Some(newest) = self.newest_time() {
            let cutoff = newest - Duration::days(i64::from(self.window.max_age_days));
            self.runs
                .retain(|r| r.meta.timestamp.is_none_or(|t| t >= cutoff));
        }
        let excess = self.runs.len().saturating_sub(self.window.max_runs);
        self.runs.drain(..excess);
    }

    /// The time of the newest run, when runs carry times.
    pub fn newest_time(&self) -> Option<DateTime<Utc>> {
        self.runs.iter().filter_map(|r| r.meta.timestamp).max()
    }

    /// The time of the oldest run, when runs carry times.
    pub fn oldest_time(&self) -> Option<DateTime<Utc>> {
        self.runs.iter().filter_map(|r| r.meta.timestamp).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Counts, Interval};

    fn meta(day: i64) -> RunMeta {
        RunMeta {
            timestamp: Some(DateTime::UNIX_EPOCH + Duration::days(day)),
            commit: Some(format!("c{day}")),
            ..RunMeta::default()
        }
    }

    #[test]
    fn window_bounds_count_and_age_from_newest_run() {
        let mut b = Baseline::new(Window {
            max_runs: 3,
            max_age_days: 10,
        });
        let m = [Metric::time("a", "median", 1.0)];
        for day in [0, 20, 25, 26, 27] {
            b.append(meta(day), &m);
        }
        let commits: Vec<_> = b
            .runs
            .iter()
            .map(|r| r.meta.commit.clone().unwrap_or_default())
            .collect();
        assert_eq!(commits, ["c25", "c26", "c27"]);
        b.window.max_runs = 10;
        b.append(meta(40), &m);
        let commits: Vec<_> = b
            .runs
            .iter()
            .map(|r| r.meta.commit.clone().unwrap_or_default())
            .collect();
        assert_eq!(commits, ["c40"]);
    }

    #[test]
    fn a_rerun_of_a_commit_replaces_it() {
        let mut b = Baseline::new(Window {
            max_runs: 10,
            max_age_days: 10,
        });
        b.append(meta(1), &[Metric::time("a", "median", 1.0)]);
        b.append(meta(1), &[Metric::time("a", "median", 2.0)]);
        assert_eq!(b.runs.len(), 1);
        assert_eq!(b.runs[0].metrics[0].value, 2.0);
    }

    #[test]
    fn v1_files_are_read_and_written_back_as_v2() {
        let mut b = Baseline::new(Window {
            max_runs: 30,
            max_age_days: 30,
        });
        let mut m = Metric::time("a", "median", 1.5);
        m.ci = Some(Interval {
            lower: 1.4,
            upper: 1.6,
            level: 0.95,
        });
        m.counts = Some(Counts {
            events: 1,
            total: 10,
        });
        b.append(meta(1), &[m]);
        let mut v1 = serde_json::to_value(&b).expect("v1");
        v1["schema"] = "benchgate.baseline.v1".into();
        let read = Baseline::parse("old.json", v1.to_string().as_bytes()).expect("v1 reads");
        assert_eq!(read.runs, b.runs);
        assert!(
            read.to_json()
                .starts_with("{\n  \"schema\": \"benchgate.baseline.v2\"")
        );
        assert_eq!(
            Baseline::parse("new.json", read.to_json().as_bytes())
                .expect("v2 reads")
                .runs,
            b.runs
        );
    }

    #[test]
    fn round_trip_and_schema_check() {
        let mut b = Baseline::new(Window {
            max_runs: 30,
            max_age_days: 30,
        });
        b.append(meta(1), &[Metric::time("a", "median", 1.5)]);
        let back = Baseline::parse("b.json", b.to_json().as_bytes()).expect("parses");
        assert_eq!(back, b);
        let wrong = b
            .to_json()
            .replace("benchgate.baseline.v2", "benchgate.baseline.v9");
        let e = Baseline::parse("b.json", wrong.as_bytes()).expect_err("schema");
        assert!(
            e.to_string()
                .starts_with("b.json: unsupported baseline schema"),
            "{e}"
        );
        assert!(Baseline::parse("b.json", b"").is_err());
        assert!(Baseline::parse("b.json", b"{\"runs\": [}").is_err());
    }
}

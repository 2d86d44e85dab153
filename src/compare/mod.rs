//! Compares a run with the baseline history under the threshold policy, metric by metric.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::baseline::{Baseline, BaselineRun, Summary};
use crate::config::{Config, Rule};
use crate::model::{Direction, Interval, MetricKind, Run, Unit};

pub mod ab;
pub mod confirm;
pub mod judge;
pub mod method;
pub mod stats;

pub use judge::Assessment;
pub use method::{Evidence, HistoryMethod, Method, Observation, Question, Status, Test};

/// The overall verdict of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Warning,
    Critical,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warning => "warning",
            Verdict::Critical => "critical",
        }
    }
}

/// One metric's line of the comparison.
#[derive(Debug, Clone)]
pub struct Row {
    pub key: String,
    pub suite: String,
    pub benchmark: String,
    pub statistic: String,
    pub kind: MetricKind,
    pub unit: Unit,
    pub direction: Direction,
    pub rule: Rule,
    /// The current run's value, absent for a missing metric.
    pub current: Option<f64>,
    pub current_ci: Option<Interval>,
    /// Values of the metric in history, oldest first.
    pub history: Vec<f64>,
    pub status: Status,
    /// The method's evidence; absent for new and missing metrics.
    pub assessment: Option<Assessment>,
    pub reason: String,
}

/// A regression that the history itself shows: a main-branch run that was worse than the runs
/// before it.
#[derive(Debug, Clone)]
pub struct Event {
    pub timestamp: Option<DateTime<Utc>>,
    pub commit: Option<String>,
    pub key: String,
    pub kind: MetricKind,
    pub status: Status,
    pub change: f64,
}

/// The result of comparing one run with its baseline.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub verdict: Verdict,
    pub rows: Vec<Row>,
    /// Runs in the baseline history.
    pub history_runs: usize,
    /// Observations that change how the result should be read (no history, other testbed, ...).
    pub notes: Vec<String>,
    pub events: Vec<Event>,
    pub method: &'static str,
    pub method_steps: Vec<String>,
}

impl Comparison {
    /// How many rows have each status.
    pub fn counts(&self) -> BTreeMap<Status, usize> {
        let mut counts = BTreeMap::new();
        for row in &self.rows {
            *counts.entry(row.status).or_insert(0) += 1;
        }
        counts
    }
}

/// What the method actually rested on in this run, for the methodology section.
fn applied(rows: &[Row]) -> String {
    let (mut history, mut counts, mut assumed, mut new, mut missing) = (0, 0, 0, 0, 0);
    for r in rows {
        match (&r.assessment, r.status) {
            (Some(a), _) if a.basis.contains("failures in") => counts += 1,
            (Some(a), _) if a.basis.contains("assumed") => assumed += 1,
            (Some(_), _) => history += 1,
            (None, Status::Missing) => missing += 1,
            (None, _) => new += 1,
        }
    }
    format!(
        "Applied to this run: {history} metric(s) judged on their run history, {counts} on request counts, {assumed} with assumed noise (too little history); {new} new and {missing} missing."
    )
}

pub(crate) fn verdict_of(rows: &[Row]) -> Verdict {
    if rows.iter().any(|r| r.status == Status::Critical) {
        Verdict::Critical
    } else if rows.iter().any(|r| r.status == Status::Warning) {
        Verdict::Warning
    } else {
        Verdict::Pass
    }
}

/// Compares `current` with `baseline` (absent or empty: every metric is new).
pub fn compare(
    current: &Run,
    baseline: Option<&Baseline>,
    config: &Config,
    method: &dyn Method,
) -> Comparison {
    let runs: &[BaselineRun] = baseline.map_or(&[], |b| &b.runs[..]);
    let mut notes = Vec::new();
    if runs.is_empty() {
        notes.push(
            "There is no baseline history yet, so every metric is new and nothing can regress. \
             Run `benchgate baseline update` on the main branch to start one."
                .to_string(),
        );
    } else if runs.len() < config.history.min_runs {
        notes.push(format!(
            "The baseline history has {} run(s), fewer than the {} needed to measure run-to-run \
             noise well: verdicts are low confidence.",
            runs.len(),
            config.history.min_runs
        ));
    }
    notes.extend(current.meta.notes.iter().cloned());
    if let Some(last) = runs.last() {
        let diffs = last.meta.testbed.differences(&current.meta.testbed);
        if !diffs.is_empty() {
            notes.push(format!(
                "This run's machine differs from the baseline's newest run ({}): differences may \
                 come from the machine, not the code.",
                diffs.join("; ")
            ));
        }
    }

    let mut seen = BTreeSet::new();
    let summaries: Vec<(Summary, Option<&[f64]>)> = current
        .metrics
        .iter()
        .filter(|m| seen.insert(m.key()))
        .map(|m| (Summary::from(m), m.samples.as_deref()))
        .collect();
    let index = Index::new(runs);
    let judged = judge_all(&summaries, &index, runs.len(), config, method);
    let mut rows = judged.rows;
    if let Some((largest, n)) = judged.history_offsets {
        notes.push(format!(
            "The history's noise was measured with each past run's common shift across {n} \
             benchmarks taken out (the largest was {:.1}%): a loaded runner slows a whole run alike.",
            largest * 100.0
        ));
    }
    if let Some((shift, n)) = judged.shift {
        notes.push(format!(
            "Environment shift: across {n} benchmarks the median moved {:+.1}%. That is the \
             runner, or a change that slows everything alike; each benchmark was judged relative \
             to it.",
            shift * 100.0
        ));
    }
    // Metrics the newest baseline run had and this run lacks.
    if let Some(last) = runs.last() {
        for s in &last.metrics {
            let key = s.key();
            if seen.contains(&key) {
                continue;
            }
            seen.insert(key.clone());
            let history = index.of(&key, runs.len());
            rows.push(Row {
                current: None,
                current_ci: None,
                status: Status::Missing,
                reason:
                    "in the baseline's newest run but not in this run: removed, renamed or failed?"
                        .into(),
                ..row(s, key, &history, config)
            });
        }
    }
    rows.sort_by(|a, b| (a.kind, &a.key).cmp(&(b.kind, &b.key)));

    let verdict = verdict_of(&rows);
    let mut method_steps = method.steps(&config.history);
    method_steps.push(applied(&rows));
    Comparison {
        verdict,
        rows,
        history_runs: runs.len(),
        notes,
        events: past_events(runs, &index, config, method),
        method: method.name(),
        method_steps,
    }
}

/// The history's runs indexed by metric key, built once: lookups stay linear in metrics × runs
/// however large the suite.
struct Index<'a> {
    /// Each metric's summaries in history order, with the index of the run they belong to.
    by_key: HashMap<String, Vec<(usize, &'a Summary)>>,
}

impl<'a> Index<'a> {
    fn new(runs: &'a [BaselineRun]) -> Self {
        let mut by_key: HashMap<String, Vec<(usize, &'a Summary)>> = HashMap::new();
        for (j, run) in runs.iter().enumerate() {
            for m in &run.metrics {
                let entries = by_key.entry(m.key()).or_default();
                // A key twice in one run: the later one counts, as in the file.
                match entries.last_mut() {
                    Some(last) if last.0 == j => *last = (j, m),
                    _ => entries.push((j, m)),
                }
            }
        }
        Index { by_key }
    }

    /// The metric in the first `upto` runs, with the index of each run it appears in.
    fn indexed(&self, key: &str, upto: usize) -> Vec<(usize, &'a Summary)> {
        self.by_key.get(key).map_or_else(Vec::new, |entries| {
            entries
                .iter()
                .take_while(|(j, _)| *j < upto)
                .copied()
                .collect()
        })
    }

    /// The metric in the first `upto` runs.
    fn of(&self, key: &str, upto: usize) -> Vec<&'a Summary> {
        self.indexed(key, upto)
            .into_iter()
            .map(|(_, m)| m)
            .collect()
    }
}

/// A row for `metric` with its history and rule, before any judgement.
pub(crate) fn row(metric: &Summary, key: String, history: &[&Summary], config: &Config) -> Row {
    Row {
        key,
        suite: metric.suite.clone(),
        benchmark: metric.benchmark.clone(),
        statistic: metric.statistic.clone(),
        kind: metric.kind,
        unit: metric.unit.clone(),
        direction: metric.direction,
        rule: config.rule_for(metric.kind, &metric.benchmark),
        current: Some(metric.value),
        current_ci: metric.ci,
        history: history.iter().map(|s| s.value).collect(),
        status: Status::New,
        assessment: None,
        reason: "no history for this metric yet".into(),
    }
}

/// Judges one run's metrics (with the current samples, when known) against their histories in
/// `runs`: the rows in input order, and the run-wide shift with the count it came from.
fn judge_all(
    metrics: &[(Summary, Option<&[f64]>)],
    index: &Index<'_>,
    upto: usize,
    config: &Config,
    method: &dyn Method,
) -> Judged {
    let indexed: Vec<Vec<(usize, &Summary)>> = metrics
        .iter()
        .map(|(s, _)| index.indexed(&s.key(), upto))
        .collect();
    let histories: Vec<Vec<&Summary>> = indexed
        .iter()
        .map(|h| h.iter().map(|(_, s)| *s).collect())
        .collect();
    let mut rows: Vec<Row> = metrics
        .iter()
        .zip(&histories)
        .map(|((s, _), h)| row(s, s.key(), h, config))
        .collect();
    // Micro-benchmarks share the machine independently; a load test's latencies all come from
    // one request stream, so a shift there is the result itself.
    let roles: Vec<judge::Environment> = metrics
        .iter()
        .map(|(s, _)| match (s.kind, &s.unit) {
            (MetricKind::Time, _) => judge::Environment::Estimates,
            (MetricKind::Throughput, Unit::BytesPerSecond | Unit::ElementsPerSecond) => {
                judge::Environment::Follows
            }
            _ => judge::Environment::Own,
        })
        .collect();
    // Take each past run's common shift out of the history of a large suite.
    let matrix: Vec<Vec<Option<f64>>> = indexed
        .iter()
        .zip(&roles)
        .filter(|(_, r)| **r == judge::Environment::Estimates)
        .map(|(h, _)| {
            let mut by_run = vec![None; upto];
            for (j, s) in h {
                if s.value > 0.0 {
                    by_run[*j] = Some(s.value.ln());
                }
            }
            by_run
        })
        .collect();
    let offsets = judge::history_offsets(&matrix, upto);
    let observations: Vec<Vec<Observation>> = indexed
        .iter()
        .zip(&roles)
        .map(|(h, role)| {
            h.iter()
                .map(|(j, s)| {
                    let factor = match (&offsets, role) {
                        (Some(o), judge::Environment::Estimates) => (-o[*j]).exp(),
                        (Some(o), judge::Environment::Follows) => o[*j].exp(),
                        _ => 1.0,
                    };
                    Observation {
                        value: s.value * factor,
                        ci: s.ci.map(|c| Interval {
                            lower: c.lower * factor,
                            upper: c.upper * factor,
                            level: c.level,
                        }),
                        counts: s.counts,
                    }
                })
                .collect()
        })
        .collect();
    let judged: Vec<usize> = (0..metrics.len())
        .filter(|i| !observations[*i].is_empty())
        .collect();
    // The evidence of each metric is independent of the others (a large suite's samples make
    // it the costly part): computed on several cores, then judged together.
    let evidences = crate::par::par_map(&judged, 64, |&i| {
        let (s, samples) = &metrics[i];
        method.evidence(&Question {
            current: Observation {
                value: s.value,
                ci: s.ci,
                counts: s.counts,
            },
            samples: *samples,
            history: &observations[i],
            direction: s.direction,
            unit: &rows[i].unit,
            rule: &rows[i].rule,
            policy: &config.history,
        })
    });
    let items: Vec<judge::Item<'_>> = judged
        .iter()
        .zip(evidences)
        .map(|(&i, evidence)| {
            let (s, _) = &metrics[i];
            judge::Item {
                evidence,
                current: s.value,
                current_ci: s.ci,
                direction: s.direction,
                unit: &rows[i].unit,
                rule: &rows[i].rule,
                environment: roles[i],
            }
        })
        .collect();
    let judgement = judge::judge_run(&items);
    drop(items);
    for (i, a) in judged.into_iter().zip(judgement.assessments) {
        rows[i].status = a.status;
        rows[i].reason = a.reason.clone();
        rows[i].assessment = Some(a);
    }
    Judged {
        rows,
        shift: judgement.shift.map(|s| (s, judgement.shift_metrics)),
        history_offsets: offsets.map(|o| {
            (
                o.iter().fold(0.0f64, |m, v| m.max(v.abs())).exp() - 1.0,
                matrix.len(),
            )
        }),
    }
}

/// A run's judged rows and what the run-wide corrections did.
struct Judged {
    rows: Vec<Row>,
    /// The current run's environment shift (fraction) and the benchmarks it came from.
    shift: Option<(f64, usize)>,
    /// The largest past-run shift taken out of the history (fraction), and the benchmarks.
    history_offsets: Option<(f64, usize)>,
}

/// Replays the history: each run judged against the runs before it (at least three, so that
/// noise is measured), keeping the warnings and criticals. Newest first.
fn past_events(
    runs: &[BaselineRun],
    index: &Index<'_>,
    config: &Config,
    method: &dyn Method,
) -> Vec<Event> {
    let mut events = Vec::new();
    for (i, run) in runs.iter().enumerate().skip(3) {
        let metrics: Vec<(Summary, Option<&[f64]>)> = run
            .metrics
            .iter()
            .filter(|s| index.of(&s.key(), i).len() >= 3)
            .map(|s| (s.clone(), None))
            .collect();
        for row in judge_all(&metrics, index, i, config, method).rows {
            if matches!(row.status, Status::Critical | Status::Warning) {
                events.push(Event {
                    timestamp: run.meta.timestamp,
                    commit: run.meta.commit.clone(),
                    key: row.key,
                    kind: row.kind,
                    status: row.status,
                    change: row.assessment.map_or(f64::NAN, |a| a.change),
                });
            }
        }
    }
    events.reverse();
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::Window;
    use crate::model::{Metric, MetricKind, RunMeta, Unit};
    use proptest::prelude::*;

    fn run(values: &[(&str, f64)]) -> Run {
        Run::new(
            RunMeta::default(),
            values
                .iter()
                .map(|(n, v)| Metric::time(*n, "median", *v))
                .collect(),
        )
    }

    fn history(runs: &[Vec<(&str, f64)>]) -> Baseline {
        let mut b = Baseline::new(Window {
            max_runs: 100,
            max_age_days: 100,
        });
        for r in runs {
            let r = run(r);
            b.append(r.meta, &r.metrics);
        }
        b
    }

    fn status_of(c: &Comparison, bench: &str) -> Status {
        c.rows
            .iter()
            .find(|r| r.benchmark == bench)
            .map(|r| r.status)
            .expect("row")
    }

    #[test]
    fn no_history_means_new_and_pass() {
        let c = compare(
            &run(&[("a", 1.0)]),
            None,
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(c.verdict, Verdict::Pass);
        assert_eq!(status_of(&c, "a"), Status::New);
        assert!(c.notes[0].contains("no baseline history"));
    }

    #[test]
    fn quiet_history_flags_a_30_percent_slowdown_and_a_25_percent_speedup() {
        // Six runs spreading about 5%, one benchmark per run (as in the evaluation).
        let spread = [1.00, 1.05, 0.97, 1.02, 0.95, 1.04];
        let hist: Vec<Vec<(&str, f64)>> = spread.iter().map(|&v| vec![("a", 100.0 * v)]).collect();
        let b = history(&hist);
        let c = compare(
            &run(&[("a", 130.0)]),
            Some(&b),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(status_of(&c, "a"), Status::Critical, "{}", c.rows[0].reason);
        assert_eq!(c.verdict, Verdict::Critical);
        let c = compare(
            &run(&[("a", 75.0)]),
            Some(&b),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(status_of(&c, "a"), Status::Improved, "{}", c.rows[0].reason);
        // A 5% spread over six runs cannot resolve a 10% regression: said, not passed silently.
        let c = compare(
            &run(&[("a", 101.0)]),
            Some(&b),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(
            status_of(&c, "a"),
            Status::Inconclusive,
            "{}",
            c.rows[0].reason
        );
    }

    #[test]
    fn quiet_history_passes_an_unchanged_run() {
        let spread = [1.00, 1.01, 0.99, 1.005, 0.995, 1.0, 1.01, 0.99];
        let hist: Vec<Vec<(&str, f64)>> = spread.iter().map(|&v| vec![("a", 100.0 * v)]).collect();
        let c = compare(
            &run(&[("a", 101.0)]),
            Some(&history(&hist)),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(status_of(&c, "a"), Status::Acceptable);
        let c = compare(
            &run(&[("a", 107.0)]),
            Some(&history(&hist)),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(status_of(&c, "a"), Status::Warning);
    }

    #[test]
    fn noisy_history_makes_a_big_change_inconclusive_not_critical() {
        let spread = [1.0, 1.4, 0.8, 1.3, 0.7, 1.2, 0.9];
        let hist: Vec<Vec<(&str, f64)>> = spread.iter().map(|&v| vec![("a", 100.0 * v)]).collect();
        let c = compare(
            &run(&[("a", 125.0)]),
            Some(&history(&hist)),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(status_of(&c, "a"), Status::Inconclusive);
        assert_eq!(c.verdict, Verdict::Pass);
    }

    fn with_ci(name: &str, value: f64, half: f64) -> Run {
        let mut r = run(&[(name, value)]);
        r.metrics[0].ci = Some(Interval {
            lower: value - half,
            upper: value + half,
            level: 0.95,
        });
        r
    }

    #[test]
    fn ci_straddling_the_threshold_is_not_critical() {
        let mut b = Baseline::new(Window {
            max_runs: 9,
            max_age_days: 9,
        });
        for v in [100.0, 101.0, 99.0, 100.5, 99.5] {
            let r = with_ci("a", v, 0.5);
            b.append(r.meta, &r.metrics);
        }
        let c = compare(
            &with_ci("a", 115.0, 10.0),
            Some(&b),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(status_of(&c, "a"), Status::Warning);
        let c = compare(
            &with_ci("a", 115.0, 1.0),
            Some(&b),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(status_of(&c, "a"), Status::Critical);
    }

    #[test]
    fn one_run_of_history_assumes_noise_before_failing() {
        let mut b = Baseline::new(Window {
            max_runs: 9,
            max_age_days: 9,
        });
        let r = with_ci("a", 100.0, 1.0);
        b.append(r.meta, &r.metrics);
        // Past the critical threshold with separate intervals, but inside the assumed ±15%.
        let c = compare(
            &with_ci("a", 112.0, 1.0),
            Some(&b),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(status_of(&c, "a"), Status::Inconclusive);
        let c = compare(
            &with_ci("a", 125.0, 1.0),
            Some(&b),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(status_of(&c, "a"), Status::Critical);
        // Overlapping intervals never fail, however large the change.
        let c = compare(
            &with_ci("a", 125.0, 30.0),
            Some(&b),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(status_of(&c, "a"), Status::Inconclusive);
    }

    #[test]
    fn missing_metrics_are_reported_and_do_not_fail() {
        let b = history(&[vec![("a", 1.0), ("gone", 1.0)]]);
        let c = compare(
            &run(&[("a", 1.0)]),
            Some(&b),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(status_of(&c, "gone"), Status::Missing);
        assert_eq!(c.verdict, Verdict::Pass);
    }

    #[test]
    fn history_replay_finds_a_past_step() {
        let mut runs: Vec<Vec<(&str, f64)>> = [1.0, 1.01, 0.99, 1.0, 1.01]
            .iter()
            .map(|&v| vec![("a", v)])
            .collect();
        runs.push(vec![("a", 1.5)]);
        let c = compare(
            &run(&[("a", 1.5)]),
            Some(&history(&runs)),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(c.events.len(), 1);
        assert_eq!(c.events[0].status, Status::Critical);
    }

    fn rate_run(events: u64, total: u64) -> Run {
        let mut m = Metric::time("http", "error_rate", events as f64 / total as f64);
        m.kind = MetricKind::ErrorRate;
        m.unit = Unit::Ratio;
        m.counts = Some(crate::model::Counts { events, total });
        Run::new(RunMeta::default(), vec![m])
    }

    #[test]
    fn the_reference_reports_error_rate_is_acceptable_for_its_counts() {
        // 0.04% of 240,000 requests in the baseline, 0.05% of 24,000 now: +25%, but 12 errors
        // where 9.6 were expected is well within chance.
        let mut b = Baseline::new(Window {
            max_runs: 9,
            max_age_days: 9,
        });
        let r = rate_run(96, 240_000);
        b.append(r.meta, &r.metrics);
        let c = compare(
            &rate_run(12, 24_000),
            Some(&b),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(
            status_of(&c, "http"),
            Status::Acceptable,
            "{}",
            c.rows[0].reason
        );
        let reason = &c.rows[0].reason;
        assert!(
            reason.contains("chance") && reason.contains("pp floor"),
            "{reason}"
        );
    }

    #[test]
    fn a_jump_from_half_a_percent_to_3_4_percent_of_500_is_critical() {
        let mut b = Baseline::new(Window {
            max_runs: 9,
            max_age_days: 9,
        });
        for e in [2, 3, 2, 3, 3] {
            let r = rate_run(e, 500);
            b.append(r.meta, &r.metrics);
        }
        let c = compare(
            &rate_run(17, 500),
            Some(&b),
            &Config::default(),
            &HistoryMethod,
        );
        assert_eq!(
            status_of(&c, "http"),
            Status::Critical,
            "{}",
            c.rows[0].reason
        );
        let c = compare(
            &rate_run(3, 500),
            Some(&b),
            &Config::default(),
            &HistoryMethod,
        );
        assert!(!matches!(
            status_of(&c, "http"),
            Status::Critical | Status::Warning
        ));
    }

    proptest! {
        /// A run compared with a history made of itself is never a regression.
        #[test]
        fn a_run_compared_with_itself_is_never_a_regression(
            values in proptest::collection::vec(1e-3f64..1e9, 1..20),
            repeats in 1usize..8,
        ) {
            let named: Vec<(String, f64)> = values.iter().enumerate().map(|(i, v)| (format!("b{i}"), *v)).collect();
            let current = Run::new(RunMeta::default(), named.iter().map(|(n, v)| Metric::time(n.clone(), "median", *v)).collect());
            let mut b = Baseline::new(Window { max_runs: 100, max_age_days: 100 });
            for _ in 0..repeats {
                b.append(RunMeta::default(), &current.metrics);
            }
            let c = compare(&current, Some(&b), &Config::default(), &HistoryMethod);
            prop_assert_eq!(c.verdict, Verdict::Pass);
            for row in &c.rows {
                prop_assert!(matches!(row.status, Status::Acceptable), "{} was {:?}", row.key, row.status);
            }
        }
    }
}

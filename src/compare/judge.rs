//! Turns the evidence of a whole run into statuses: the run-wide shift, Benjamini–Hochberg
//! control over every metric of the run, and the threshold policy.

use serde::Serialize;

use crate::config::{Rule, Threshold};
use crate::model::{Direction, Interval, Unit};

use super::method::{Evidence, Status, Test};
use super::stats;

/// False discovery rate that a critical verdict is held to across the run.
pub const CRITICAL_Q: f64 = 0.05;
/// One-sided level of a warning, per metric.
pub const WARNING_P: f64 = 0.01;
/// One-sided level of an improvement, per metric (improvements never fail).
pub const IMPROVED_P: f64 = 0.05;
/// A run-wide median shift at least this large (as a fraction) is an environment shift.
pub const SHIFT_MIN: f64 = 0.03;
/// Comparable metrics needed before a run-wide shift is estimated.
pub const SHIFT_METRICS: usize = 20;

/// One metric to judge.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub evidence: Evidence,
    pub current: f64,
    pub current_ci: Option<Interval>,
    pub direction: Direction,
    pub unit: &'a Unit,
    pub rule: &'a Rule,
    /// How the metric relates to the run-wide shift.
    pub environment: Environment,
}

/// A metric's part in the run-wide (common-mode) shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Not affected: rates, counts, resources, load-test latencies of one request stream.
    Own,
    /// An independent benchmark on the shared machine: estimates the shift and is judged
    /// relative to it.
    Estimates,
    /// Derived from such a benchmark (its throughput): judged relative to the shift.
    Follows,
}

/// The verdict on one metric, with the evidence a report needs to explain it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub status: Status,
    /// The centre of the history.
    pub baseline: f64,
    /// current / baseline - 1 (signed; the direction is applied by `status`).
    pub change: f64,
    /// The smallest worsening this metric's noise lets the gate detect, as a fraction (MDE).
    pub noise: Option<f64>,
    /// Run-to-run spread of the history, as a fraction (robust standard deviation).
    pub spread: Option<f64>,
    /// One-sided p-value of a worsening.
    pub p_value: Option<f64>,
    /// That p-value adjusted for the run's number of metrics (Benjamini–Hochberg).
    pub q_value: Option<f64>,
    /// True when the history is too short to measure noise well.
    pub low_confidence: bool,
    /// What the verdict rests on.
    pub basis: String,
    /// Why the status is what it is, in a sentence.
    pub reason: String,
    /// The t test the verdict rested on, when there was one: a confirmation re-measurement
    /// pools it with its own.
    #[serde(skip)]
    pub t: Option<TTest>,
}

/// A Student-t test of a log-scale worsening, with any run-wide shift already taken out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TTest {
    /// ln(current / baseline), signed so that positive is worse.
    pub effect: f64,
    /// The prediction-interval scale of one run against the history.
    pub scale: f64,
    pub df: f64,
}

/// The verdicts of a run, and the run-wide shift they were judged relative to.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub assessments: Vec<Assessment>,
    /// The environment shift taken out, as a fraction (positive = everything got worse).
    pub shift: Option<f64>,
    /// How many benchmarks the shift was estimated from.
    pub shift_metrics: usize,
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:+.1}%", x * 100.0)
    } else {
        "+∞".into()
    }
}

/// One metric's tests: p of a worsening, p of an improvement, the MDE, whether the run-wide
/// shift was taken out, and the t test when there was one.
type Tested = (f64, f64, Option<f64>, bool, Option<TTest>);

/// Judges every metric of a run together.
pub fn judge_run(items: &[Item<'_>]) -> Judgement {
    // 1. Run-wide shift: the median worsening of the metrics that share the machine.
    let effects: Vec<f64> = items
        .iter()
        .filter(|i| i.environment == Environment::Estimates)
        .filter_map(|i| match i.evidence.test {
            Test::T { effect, .. } => Some(effect),
            _ => None,
        })
        .collect();
    let median = stats::median(&effects).unwrap_or(0.0);
    let shift = (effects.len() >= SHIFT_METRICS && median.abs() >= (1.0 + SHIFT_MIN).ln())
        .then_some(median);

    // 2. p-values, with the shift taken out of the tests it concerns.
    let tested: Vec<Tested> = items
        .iter()
        .map(|i| {
            let shifted = i.environment != Environment::Own && shift.is_some();
            match i.evidence.test {
                Test::T { effect, scale, df } => {
                    let e = effect - if shifted { shift.unwrap_or(0.0) } else { 0.0 };
                    let t = e / scale;
                    let mde = (stats::t_quantile(0.95, df) * scale).exp() - 1.0;
                    // The t distribution is symmetric: P(T > -t) = 1 - P(T > t).
                    let worse = stats::t_upper_tail(t, df);
                    let test = TTest {
                        effect: e,
                        scale,
                        df,
                    };
                    (worse, 1.0 - worse, Some(mde), shifted, Some(test))
                }
                Test::Direct {
                    p_worse,
                    p_better,
                    mde,
                } => (p_worse, p_better, mde, false, None),
                Test::Assumed {
                    effect,
                    band,
                    ci_worse,
                    ci_better,
                } => (
                    if ci_worse && effect > band { 0.0 } else { 1.0 },
                    if ci_better && -effect > band {
                        0.0
                    } else {
                        1.0
                    },
                    Some(band.exp() - 1.0),
                    false,
                    None,
                ),
            }
        })
        .collect();

    // 3. Benjamini–Hochberg over the run.
    let p: Vec<f64> = tested.iter().map(|t| t.0).collect();
    let q = stats::benjamini_hochberg(&p);

    let assessments = items
        .iter()
        .zip(&tested)
        .zip(&q)
        .map(
            |((item, &(p_worse, p_better, mde, shifted, t)), &q_worse)| {
                let mut assessment = classify(
                    item,
                    p_worse,
                    p_better,
                    q_worse,
                    mde,
                    shifted.then(|| shift.unwrap_or(0.0)),
                    items.len(),
                );
                assessment.t = t;
                assessment
            },
        )
        .collect();
    Judgement {
        assessments,
        shift: shift.map(|s| s.exp() - 1.0),
        shift_metrics: effects.len(),
    }
}

/// Per-run common-mode offsets of a suite's history, on the log scale: for each run, the median
/// over benchmarks of how far that run sat from each benchmark's own centre. A loaded runner
/// slows every benchmark of its run alike; taking the offset out leaves each benchmark's own
/// run-to-run noise, which is what a comparison should be measured against. `logs[b][j]` is
/// the log value of benchmark `b` in run `j`, if it ran. `None` when fewer than
/// [`SHIFT_METRICS`] benchmarks have three runs or more.
pub fn history_offsets(logs: &[Vec<Option<f64>>], runs: usize) -> Option<Vec<f64>> {
    let centres: Vec<Option<f64>> = logs
        .iter()
        .map(|b| {
            let present: Vec<f64> = b.iter().flatten().copied().collect();
            (present.len() >= 3)
                .then(|| stats::median(&present))
                .flatten()
        })
        .collect();
    if centres.iter().flatten().count() < SHIFT_METRICS {
        return None;
    }
    let offsets = (0..runs)
        .map(|j| {
            let deviations: Vec<f64> = logs
                .iter()
                .zip(&centres)
                .filter_map(|(b, c)| Some(b.get(j).copied().flatten()? - (*c)?))
                .collect();
            if deviations.len() >= SHIFT_METRICS {
                stats::median(&deviations).unwrap_or(0.0)
            } else {
                0.0
            }
        })
        .collect();
    Some(offsets)
}

/// The factor from the metric's unit to percentage points, for rates.
fn percentage_points(unit: &Unit) -> Option<f64> {
    match unit {
        Unit::Percent => Some(1.0),
        Unit::Ratio => Some(100.0),
        _ => None,
    }
}

/// Whether a worsening (degradation as a fraction, delta in the unit, points in pp) reaches
/// every part of a threshold.
fn exceeds(t: &Threshold, degradation: f64, delta: f64, points: Option<f64>, unit: &Unit) -> bool {
    degradation >= t.relative
        && degradation > 0.0
        && t.absolute_for(unit).is_none_or(|floor| delta >= floor)
        && match (t.points, points) {
            (Some(floor), Some(pp)) => pp >= floor,
            _ => true,
        }
}

fn classify(
    item: &Item<'_>,
    p_worse: f64,
    p_better: f64,
    q_worse: f64,
    mde: Option<f64>,
    shift: Option<f64>,
    comparisons: usize,
) -> Assessment {
    let ev = &item.evidence;
    let base = ev.baseline;
    let sign = item.direction.worse_sign();
    // Judge the value the run would have had without the run-wide shift.
    let unshift = |v: f64| shift.map_or(v, |s| v * (-sign * s).exp());
    let cur = unshift(item.current);
    let change = super::method::relative_change(cur, base);
    let degradation = sign * change;
    let delta = sign * (cur - base);
    let points = percentage_points(item.unit).map(|scale| delta * scale);
    let rule = item.rule;
    let crossed = |t: &Threshold| exceeds(t, degradation, delta, points, item.unit);
    let improved = exceeds(
        &rule.warning,
        -degradation,
        -delta,
        points.map(|p| -p),
        item.unit,
    );

    // The smallest change the critical threshold can flag, as a fraction of the baseline.
    let mut critical = rule.critical.relative;
    if base > 0.0 {
        if let Some(floor) = rule.critical.absolute_for(item.unit) {
            critical = critical.max(floor / base);
        }
        if let (Some(pp), Some(scale)) = (rule.critical.points, percentage_points(item.unit)) {
            critical = critical.max(pp / scale / base);
        }
    }
    let insensitive = !ev.low_confidence && mde.is_some_and(|m| m > critical);
    let mde_text = mde.map_or_else(String::new, |m| {
        format!("smallest detectable change {}", pct(m))
    });
    let shifted = shift.map_or_else(String::new, |s| {
        format!(
            " after the run-wide shift of {} is taken out",
            pct(s.exp() - 1.0)
        )
    });
    let p_text = format!("p = {p_worse:.3}, q = {q_worse:.3}");

    let (status, reason) = if crossed(&rule.critical) {
        let best = item.current_ci.map(|ci| {
            let (lo, hi) = (unshift(ci.lower), unshift(ci.upper));
            match item.direction {
                Direction::LowerIsBetter => lo / base - 1.0,
                Direction::HigherIsBetter => 1.0 - hi / base,
            }
        });
        if q_worse > CRITICAL_Q {
            if p_worse <= WARNING_P {
                (
                    Status::Warning,
                    format!(
                        "{}{shifted} is past the critical threshold {} and significant alone, but not once the run's {comparisons} comparisons are accounted for ({p_text})",
                        pct(change),
                        rule.critical.signed(item.direction)
                    ),
                )
            } else {
                (
                    Status::Inconclusive,
                    format!(
                        "{}{shifted} is past the critical threshold, but within the noise ({p_text}; {mde_text})",
                        pct(change)
                    ),
                )
            }
        } else if let Some(reason) = &ev.unstable {
            (
                Status::Inconclusive,
                format!(
                    "{}{shifted} is past the critical threshold, but {reason}: re-run it",
                    pct(change)
                ),
            )
        } else if let Some(b) =
            best.filter(|&b| !exceeds(&rule.critical, b, b * base, None, item.unit))
        {
            (
                Status::Warning,
                format!(
                    "{}{shifted} is past the critical threshold, but the run's confidence interval reaches {} (below it)",
                    pct(change),
                    pct(sign * b)
                ),
            )
        } else {
            (
                Status::Critical,
                format!(
                    "{}{shifted} exceeds the critical threshold {} beyond the noise ({p_text}; {mde_text})",
                    pct(change),
                    rule.critical.signed(item.direction)
                ),
            )
        }
    } else if crossed(&rule.warning) {
        if p_worse <= WARNING_P {
            (
                Status::Warning,
                format!(
                    "{}{shifted} exceeds the warning threshold {} beyond the noise ({p_text})",
                    pct(change),
                    rule.warning.signed(item.direction)
                ),
            )
        } else if insensitive {
            (
                Status::Inconclusive,
                format!(
                    "{}{shifted} is within the noise, and the noise hides a {} regression ({mde_text})",
                    pct(change),
                    rule.critical.signed(item.direction)
                ),
            )
        } else {
            (
                Status::Acceptable,
                format!("{}{shifted} is within the noise ({p_text})", pct(change)),
            )
        }
    } else if improved && p_better <= IMPROVED_P {
        (
            Status::Improved,
            format!(
                "{}{shifted} is an improvement beyond the warning threshold and the noise (p = {p_better:.3})",
                pct(change)
            ),
        )
    } else if insensitive {
        (
            Status::Inconclusive,
            format!(
                "{}{shifted}, but the noise hides a {} regression ({mde_text})",
                pct(change),
                rule.critical.signed(item.direction)
            ),
        )
    } else {
        let mut why = if degradation > 0.0 && degradation >= rule.warning.relative {
            let mut floors = Vec::new();
            if let (Some(floor), Some(pp)) = (rule.warning.points, points) {
                floors.push(format!("{pp:+.3} pp is under the {floor} pp floor"));
            }
            if let Some(floor) = rule.warning.absolute_for(item.unit) {
                floors.push(format!("{delta:+.4} is under the absolute floor {floor}"));
            }
            format!(
                "{}{shifted} is past the relative threshold, but {}",
                pct(change),
                floors.join(" and ")
            )
        } else {
            format!("{}{shifted} is within the thresholds", pct(change))
        };
        if matches!(ev.test, Test::Direct { .. }) {
            why.push_str(&format!(
                "; for these request counts chance alone explains it ({p_text})"
            ));
        }
        (Status::Acceptable, why)
    };
    Assessment {
        status,
        baseline: base,
        change: ev.change,
        noise: mde,
        spread: ev.spread,
        p_value: Some(p_worse),
        q_value: Some(q_worse),
        low_confidence: ev.low_confidence,
        basis: ev.basis.clone(),
        reason,
        t: None,
    }
}

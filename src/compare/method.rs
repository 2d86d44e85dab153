//! The decision for one metric: given its history and the rule, how did it change and does the
//! change stand out from run-to-run noise. Behind a trait so a fuller engine can replace it.

use serde::Serialize;

use crate::config::{HistoryPolicy, Rule, Threshold};
use crate::model::{Counts, Direction, Interval, Unit};

use super::stats;

/// A metric's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Critical,
    Warning,
    Inconclusive,
    Missing,
    New,
    Improved,
    Acceptable,
}

impl Status {
    /// Every status, most serious first.
    pub const ALL: [Status; 7] = [
        Status::Critical,
        Status::Warning,
        Status::Inconclusive,
        Status::Missing,
        Status::New,
        Status::Improved,
        Status::Acceptable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Critical => "critical",
            Status::Warning => "warning",
            Status::Inconclusive => "inconclusive",
            Status::Missing => "missing",
            Status::New => "new",
            Status::Improved => "improved",
            Status::Acceptable => "acceptable",
        }
    }

    /// The status as a report shows it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Critical => "🔴 Critical",
            Status::Warning => "🟡 Warning",
            Status::Inconclusive => "⚪ Inconclusive",
            Status::Missing => "⚫ Missing",
            Status::New => "🆕 New",
            Status::Improved => "🟢 Improved",
            Status::Acceptable => "✅ Acceptable",
        }
    }
}

/// One observation of a metric: a run's value and what the tool said about its precision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub value: f64,
    pub ci: Option<Interval>,
    /// Events out of a total, for rates: they carry their own sampling noise.
    pub counts: Option<Counts>,
}

/// The question a method answers for one metric.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    pub current: Observation,
    /// The history's observations of the same metric, oldest first; never empty.
    pub history: &'a [Observation],
    pub direction: Direction,
    pub unit: &'a Unit,
    pub rule: &'a Rule,
    pub policy: &'a HistoryPolicy,
}

/// A method's answer, with the evidence a report needs to explain it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub status: Status,
    /// The centre of the history.
    pub baseline: f64,
    /// current / baseline - 1 (signed; direction is applied by `status`).
    pub change: f64,
    /// How far an unchanged run may fall from the baseline, as a fraction (one side).
    pub noise: Option<f64>,
    /// Run-to-run spread of the history, as a fraction (robust standard deviation).
    pub spread: Option<f64>,
    /// One-sided p-value of a worsening, when history allows one.
    pub p_value: Option<f64>,
    /// True when the history is too short to measure noise.
    pub low_confidence: bool,
    /// Why the status is what it is, in a sentence.
    pub reason: String,
}

/// A comparison method.
pub trait Method {
    /// A short name for the methodology section.
    fn name(&self) -> &'static str;
    /// The steps the method applies, for the methodology section.
    fn steps(&self, policy: &HistoryPolicy) -> Vec<String>;
    /// Judges one metric.
    fn assess(&self, q: &Question<'_>) -> Assessment;
}

/// Compares the current value with the median of history, on a log scale, and calls a change
/// significant only when it leaves the one-sided 99% prediction interval of history. With fewer
/// than three runs, the run's own confidence intervals stand in for the run-to-run noise.
#[derive(Debug, Clone, Copy, Default)]
pub struct HistoryMethod;

/// One-sided significance level of the prediction interval.
const ALPHA: f64 = 0.01;
/// Runs needed before a run-to-run spread is measured.
const MIN_SPREAD_RUNS: usize = 3;

impl Method for HistoryMethod {
    fn name(&self) -> &'static str {
        "history prediction interval"
    }

    fn steps(&self, policy: &HistoryPolicy) -> Vec<String> {
        vec![
            "Baseline: the median of each metric over the baseline history window (one value per run).".into(),
            format!(
                "Noise: run-to-run spread of the history on a log scale (1.4826 × MAD, at least {:.1}%), turned into a one-sided 99% Student-t prediction interval for one new run.",
                policy.noise_floor * 100.0
            ),
            format!(
                "A change counts only when it leaves that interval. With fewer than 3 runs of history the noise cannot be measured: a change must then exceed an assumed ±{:.0}% and the run's confidence interval must clear the baseline runs' intervals (low confidence).",
                policy.unmeasured_noise * 100.0
            ),
            "Classification: critical needs a significant change beyond the critical threshold whose confidence interval does not reach back below it; warning a significant change beyond the warning threshold; improved a significant improvement beyond the warning threshold.".into(),
            "Metrics whose history is so noisy that a critical regression could not be told from noise are marked inconclusive, never passed silently.".into(),
        ]
    }

    fn assess(&self, q: &Question<'_>) -> Assessment {
        let values: Vec<f64> = q.history.iter().map(|o| o.value).collect();
        let n = values.len();
        let cur = q.current.value;
        let sign = q.direction.worse_sign();
        let positive = cur > 0.0 && values.iter().all(|&v| v > 0.0);

        // Centre of history: on the log scale when every value is positive.
        let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
        let base = if positive {
            stats::median(&logs).map_or(f64::NAN, f64::exp)
        } else {
            stats::median(&values).unwrap_or(f64::NAN)
        };
        let change = relative_change(cur, base);

        let mut out = Assessment {
            status: Status::Acceptable,
            baseline: base,
            change,
            noise: None,
            spread: None,
            p_value: None,
            low_confidence: n < q.policy.min_runs,
            reason: String::new(),
        };

        // Significance, each way.
        let counts: Option<Vec<Counts>> = q.history.iter().map(|o| o.counts).collect();
        let (worse, better) =
            if let (Some(cur), Some(hist)) = (q.current.counts.filter(|c| c.total > 0), counts) {
                // A rate with its counts: test the current events against the pooled history rate.
                let (events, total) = hist
                    .iter()
                    .fold((0u64, 0u64), |(e, t), c| (e + c.events, t + c.total));
                let rate = if total > 0 {
                    events as f64 / total as f64
                } else {
                    0.0
                };
                out.baseline = rate;
                out.change = relative_change(cur_rate(cur), rate);
                let pairs: Vec<(u64, u64)> = hist.iter().map(|c| (c.events, c.total)).collect();
                let phi = stats::overdispersion(&pairs, rate);
                let (p_worse, p_better) = rate_test(cur, rate, phi);
                let band = stats::normal_quantile(1.0 - ALPHA)
                    * (phi * rate.max(1.0 / total.max(1) as f64) * (1.0 - rate) / cur.total as f64)
                        .sqrt();
                out.noise = (rate > 0.0).then(|| band / rate);
                out.p_value = Some(match q.direction {
                    Direction::LowerIsBetter => p_worse,
                    Direction::HigherIsBetter => p_better,
                });
                out.low_confidence = false;
                match q.direction {
                    Direction::LowerIsBetter => (p_worse < ALPHA, p_better < ALPHA),
                    Direction::HigherIsBetter => (p_better < ALPHA, p_worse < ALPHA),
                }
            } else if positive && n >= MIN_SPREAD_RUNS {
                let centre = base.ln();
                let floor = (1.0 + q.policy.noise_floor).ln();
                let s = stats::scaled_mad(&logs, centre).unwrap_or(0.0).max(floor);
                let band = stats::prediction_half_width(s, n, ALPHA);
                let w = sign * (cur.ln() - centre);
                let scale = s * (1.0 + 1.0 / n as f64).sqrt();
                out.noise = Some(band.exp() - 1.0);
                out.spread = Some(s.exp() - 1.0);
                out.p_value = Some(stats::t_upper_tail(w / scale, n as f64 - 1.0));
                (w > band, -w > band)
            } else {
                // Too little history to measure noise: assume `unmeasured_noise`, and where both
                // sides carry confidence intervals, also require them to separate.
                out.low_confidence = true;
                let assumed = (1.0 + q.policy.unmeasured_noise).ln();
                let w = if positive {
                    sign * (cur / base).ln()
                } else {
                    sign * change
                };
                let (ci_worse, ci_better) = match (
                    q.current.ci,
                    q.history.iter().map(|o| o.ci).collect::<Option<Vec<_>>>(),
                ) {
                    (Some(cur_ci), Some(base_cis)) => {
                        let base_hi = base_cis.iter().map(|c| c.upper).fold(f64::MIN, f64::max);
                        let base_lo = base_cis.iter().map(|c| c.lower).fold(f64::MAX, f64::min);
                        match q.direction {
                            Direction::LowerIsBetter => {
                                (cur_ci.lower > base_hi, cur_ci.upper < base_lo)
                            }
                            Direction::HigherIsBetter => {
                                (cur_ci.upper < base_lo, cur_ci.lower > base_hi)
                            }
                        }
                    }
                    _ => (true, true),
                };
                (ci_worse && w > assumed, ci_better && -w > assumed)
            };

        // Degradation: positive when worse, in the units the thresholds are written in (the
        // counts test may have moved the baseline to the pooled rate).
        let (base, change) = (out.baseline, out.change);
        let degradation = sign * change;
        let delta = sign * (cur - base);
        let points = percentage_points(q.unit).map(|scale| delta * scale);
        let crossed = |t: &Threshold| exceeds(t, degradation, delta, points, q.unit);
        let improved = exceeds(
            &q.rule.warning,
            -degradation,
            -delta,
            points.map(|p| -p),
            q.unit,
        );
        let critical = q.rule.critical.relative;
        // Only measured noise makes a metric inconclusive; the assumed kind is covered by the
        // low-confidence note.
        // The smallest change the critical threshold can flag, as a fraction of the baseline:
        // an absolute or percentage-point floor can make it larger than the relative part.
        let mut critical = critical;
        if base > 0.0 {
            if let Some(floor) = q.rule.critical.absolute_for(q.unit) {
                critical = critical.max(floor / base);
            }
            if let (Some(pp), Some(scale)) = (q.rule.critical.points, percentage_points(q.unit)) {
                critical = critical.max(pp / scale / base);
            }
        }
        let too_noisy = out.noise.is_some_and(|noise| noise > critical);
        let pct = |x: f64| format!("{:+.1}%", x * 100.0);
        let noise_text = match (out.noise, n >= MIN_SPREAD_RUNS) {
            (Some(noise), _) if q.current.counts.is_some() => format!(
                "for these request counts, chance alone moves the rate by up to ±{:.1}% (p = {:.3})",
                noise * 100.0,
                out.p_value.unwrap_or(1.0)
            ),
            (Some(noise), _) => format!("history's noise band is ±{:.1}%", noise * 100.0),
            (None, false) => format!(
                "only {n} run(s) of history, so noise of ±{:.0}% is assumed",
                q.policy.unmeasured_noise * 100.0
            ),
            (None, true) => "history cannot be judged on a log scale".into(),
        };

        (out.status, out.reason) = if crossed(&q.rule.critical) {
            if !worse {
                (
                    Status::Inconclusive,
                    format!(
                        "{} is past the critical threshold, but not beyond noise: {noise_text}",
                        pct(change)
                    ),
                )
            } else if let Some(best) = best_case(q.current.ci, base, q.direction)
                .filter(|&best| !exceeds(&q.rule.critical, best, best * base, None, q.unit))
            {
                (
                    Status::Warning,
                    format!(
                        "{} is past the critical threshold, but the run's confidence interval reaches {} (below it)",
                        pct(change),
                        pct(sign * best)
                    ),
                )
            } else {
                (
                    Status::Critical,
                    format!(
                        "{} exceeds the critical threshold {} and the noise ({noise_text})",
                        pct(change),
                        q.rule.critical.signed(q.direction)
                    ),
                )
            }
        } else if crossed(&q.rule.warning) {
            if worse {
                (
                    Status::Warning,
                    format!(
                        "{} exceeds the warning threshold {} and the noise",
                        pct(change),
                        q.rule.warning.signed(q.direction)
                    ),
                )
            } else if too_noisy {
                (
                    Status::Inconclusive,
                    format!(
                        "{} is within noise, and the noise is wider than the critical threshold ({noise_text})",
                        pct(change)
                    ),
                )
            } else {
                (
                    Status::Acceptable,
                    format!("{} is within noise ({noise_text})", pct(change)),
                )
            }
        } else if improved && better {
            (
                Status::Improved,
                format!(
                    "{} is an improvement beyond the warning threshold and the noise",
                    pct(change)
                ),
            )
        } else if too_noisy {
            (
                Status::Inconclusive,
                format!(
                    "{}, but a {} regression could not be told from noise ({noise_text})",
                    pct(change),
                    q.rule.critical.signed(q.direction)
                ),
            )
        } else {
            let mut why = if degradation > 0.0 && degradation >= q.rule.warning.relative {
                // The relative part is crossed; a floor is not.
                let mut floors = Vec::new();
                if let (Some(floor), Some(pp)) = (q.rule.warning.points, points) {
                    floors.push(format!("{pp:+.3} pp is under the {floor} pp floor"));
                }
                if let Some(floor) = q.rule.warning.absolute_for(q.unit) {
                    floors.push(format!("{delta:+.4} is under the absolute floor {floor}"));
                }
                format!(
                    "{} is past the relative threshold, but {}",
                    pct(change),
                    floors.join(" and ")
                )
            } else {
                format!("{} is within the thresholds", pct(change))
            };
            if q.current.counts.is_some() && out.noise.is_some() {
                why.push_str(&format!("; {noise_text}"));
            }
            (Status::Acceptable, why)
        };
        out
    }
}

fn cur_rate(c: Counts) -> f64 {
    c.events as f64 / c.total as f64
}

/// One-sided p-values of the current events being more, and fewer, than the pooled history rate
/// predicts: exact binomial when few events are expected, else a normal approximation widened by
/// the overdispersion `phi`.
fn rate_test(cur: Counts, rate: f64, phi: f64) -> (f64, f64) {
    let n = cur.total as f64;
    let expected = n * rate;
    if expected < 10.0 || n * (1.0 - rate) < 10.0 {
        (
            stats::binomial_upper_tail(cur.events, cur.total, rate),
            stats::binomial_lower_tail(cur.events, cur.total, rate),
        )
    } else {
        let z = (cur.events as f64 - expected) / (phi * expected * (1.0 - rate)).sqrt();
        (stats::normal_upper_tail(z), stats::normal_upper_tail(-z))
    }
}

/// current / baseline - 1, with a zero baseline giving 0 (no change) or infinity.
pub fn relative_change(current: f64, baseline: f64) -> f64 {
    if baseline != 0.0 {
        current / baseline - 1.0
    } else if current == 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
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

/// The least bad degradation the current run's confidence interval allows.
fn best_case(ci: Option<Interval>, base: f64, direction: Direction) -> Option<f64> {
    let ci = ci?;
    if base <= 0.0 {
        return None;
    }
    Some(match direction {
        Direction::LowerIsBetter => ci.lower / base - 1.0,
        Direction::HigherIsBetter => 1.0 - ci.upper / base,
    })
}

//! The evidence for one metric: how it changed against its history and how likely that change
//! is under run-to-run noise. Methods produce evidence; `judge` turns a whole run's evidence into
//! statuses. Behind a trait so that history mode and same-job A/B mode share the classification.

use serde::Serialize;

use crate::config::{HistoryPolicy, Rule};
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
    /// The current run's own samples, when the tool gives them (for the stability checks).
    pub samples: Option<&'a [f64]>,
    /// The history's observations of the same metric, oldest first; never empty.
    pub history: &'a [Observation],
    pub direction: Direction,
    pub unit: &'a Unit,
    pub rule: &'a Rule,
    pub policy: &'a HistoryPolicy,
}

/// How a change is tested.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Test {
    /// A Student-t test of the log-scale worsening `effect` (positive = worse) with standard
    /// error `scale` and `df` degrees of freedom. A run-wide shift can be taken out of `effect`.
    T { effect: f64, scale: f64, df: f64 },
    /// One-sided p-values computed directly (event counts), with the smallest detectable
    /// worsening as a fraction.
    Direct {
        p_worse: f64,
        p_better: f64,
        mde: Option<f64>,
    },
    /// Nothing measures the noise: a worsening counts only beyond an assumed band (a fraction on
    /// the log scale) and, where both sides have them, when confidence intervals separate.
    Assumed {
        effect: f64,
        band: f64,
        ci_worse: bool,
        ci_better: bool,
    },
}

/// What a method found for one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The centre of the history (or of the base side, in A/B mode).
    pub baseline: f64,
    /// current / baseline - 1.
    pub change: f64,
    pub test: Test,
    /// Run-to-run spread of the history, as a fraction (robust standard deviation).
    pub spread: Option<f64>,
    /// The history is too short to measure noise well.
    pub low_confidence: bool,
    /// What the verdict rests on, for the report: "7 runs of history", "request counts", ...
    pub basis: String,
    /// Why the current run's own samples cannot be trusted, when they cannot.
    pub unstable: Option<String>,
}

/// A comparison method.
pub trait Method: Sync {
    /// A short name for the methodology section.
    fn name(&self) -> &'static str;
    /// The steps the method applies, for the methodology section.
    fn steps(&self, policy: &HistoryPolicy) -> Vec<String>;
    /// The evidence for one metric.
    fn evidence(&self, q: &Question<'_>) -> Evidence;
}

/// Compares the current value with the median of history on a log scale; the noise is the
/// history's robust run-to-run spread, made into a Student-t prediction interval for one new
/// run. Rates with counts are tested on the counts. With fewer than three runs a fixed noise is
/// assumed.
#[derive(Debug, Clone, Copy, Default)]
pub struct HistoryMethod;

/// Runs needed before a run-to-run spread is measured.
pub const MIN_SPREAD_RUNS: usize = 3;

/// Degrees of freedom of a MAD-based spread from `n` runs. The MAD is about 37% as efficient as
/// the standard deviation for normal data (Rousseeuw & Croux, 1993), so it carries the
/// information of about 0.37(n - 1) degrees of freedom.
pub fn mad_df(n: usize) -> f64 {
    (0.37 * (n as f64 - 1.0)).max(0.5)
}

impl Method for HistoryMethod {
    fn name(&self) -> &'static str {
        "history prediction interval"
    }

    fn steps(&self, policy: &HistoryPolicy) -> Vec<String> {
        vec![
            "Baseline: the median of each metric over the baseline history window, one value per run, on a log scale.".into(),
            format!(
                "Noise: the history's run-to-run spread (1.4826 × MAD of the log values, at least {:.1}%), made into a one-sided Student-t prediction interval for one new run, with 0.37·(N−1) degrees of freedom for the MAD's efficiency.",
                policy.noise_floor * 100.0
            ),
            "Error rates with request counts: the current failures against the pooled history rate, exact binomial when few failures are expected, otherwise a normal approximation widened by the history's overdispersion.".into(),
            format!(
                "With fewer than 3 runs of history the noise cannot be measured: a change must exceed an assumed ±{:.0}% and the run's confidence interval must clear the baseline's (low confidence).",
                policy.unmeasured_noise * 100.0
            ),
            "With 20 or more comparable metrics, a run-wide shift (the median change) over 3% is reported as an environment shift and each metric is judged relative to it.".into(),
            "Critical: past the critical threshold and significant after Benjamini–Hochberg control (q = 0.05) across every metric of the run, with the run's own confidence interval not reaching back below the threshold and its samples stable. Warning: past the warning threshold with p ≤ 0.01. Improved: better by the warning threshold with p ≤ 0.05. Warnings and improvements never fail.".into(),
            "Inconclusive: a metric whose smallest detectable regression (MDE) exceeds its critical threshold, or whose samples are unstable, is labelled so, never passed silently.".into(),
        ]
    }

    fn evidence(&self, q: &Question<'_>) -> Evidence {
        let values: Vec<f64> = q.history.iter().map(|o| o.value).collect();
        let n = values.len();
        let cur = q.current.value;
        let sign = q.direction.worse_sign();
        let unstable = q.samples.and_then(stats::instability);

        // Rates with counts: the counts are the evidence.
        let counts: Option<Vec<Counts>> = q.history.iter().map(|o| o.counts).collect();
        if let (Some(c), Some(hist)) = (q.current.counts.filter(|c| c.total > 0), counts) {
            let (events, total) = hist
                .iter()
                .fold((0u64, 0u64), |(e, t), c| (e + c.events, t + c.total));
            let rate = if total > 0 {
                events as f64 / total as f64
            } else {
                0.0
            };
            let pairs: Vec<(u64, u64)> = hist.iter().map(|c| (c.events, c.total)).collect();
            let phi = stats::overdispersion(&pairs, rate);
            let (p_more, p_fewer) = stats::rate_test(c, rate, phi);
            let (p_worse, p_better) = match q.direction {
                Direction::LowerIsBetter => (p_more, p_fewer),
                Direction::HigherIsBetter => (p_fewer, p_more),
            };
            // The rate rise that would be significant at 5% for this many requests.
            let floor_rate = rate.max(1.0 / total.max(1) as f64);
            let band = stats::normal_quantile(0.95)
                * (phi * floor_rate * (1.0 - rate) / c.total as f64).sqrt();
            return Evidence {
                baseline: rate,
                change: relative_change(c.events as f64 / c.total as f64, rate),
                test: Test::Direct {
                    p_worse,
                    p_better,
                    mde: (rate > 0.0).then(|| band / rate),
                },
                spread: None,
                low_confidence: false,
                basis: format!(
                    "{} failures in {} requests over {n} run(s) of history",
                    events, total
                ),
                unstable: None,
            };
        }

        let positive = cur > 0.0 && values.iter().all(|&v| v > 0.0);
        let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
        let base = if positive {
            stats::median(&logs).map_or(f64::NAN, f64::exp)
        } else {
            stats::median(&values).unwrap_or(f64::NAN)
        };
        let change = relative_change(cur, base);
        let mut ev = Evidence {
            baseline: base,
            change,
            test: Test::Assumed {
                effect: 0.0,
                band: 0.0,
                ci_worse: false,
                ci_better: false,
            },
            spread: None,
            low_confidence: n < q.policy.min_runs,
            basis: format!("{n} run(s) of history"),
            unstable,
        };
        if positive && n >= MIN_SPREAD_RUNS {
            let centre = base.ln();
            let floor = (1.0 + q.policy.noise_floor).ln();
            let s = stats::scaled_mad(&logs, centre).unwrap_or(0.0).max(floor);
            ev.spread = Some(s.exp() - 1.0);
            // One new run against a sample of n: the prediction-interval scale s·√(1 + 1/n)
            // (Hahn & Meeker, 1991, "Statistical Intervals", section 4.7).
            ev.test = Test::T {
                effect: sign * (cur.ln() - centre),
                scale: s * (1.0 + 1.0 / n as f64).sqrt(),
                df: mad_df(n),
            };
            return ev;
        }
        // Too little history (or values at zero): assume the noise.
        ev.low_confidence = true;
        let band = (1.0 + q.policy.unmeasured_noise).ln();
        let effect = if positive {
            sign * (cur / base).ln()
        } else {
            sign * change
        };
        let (ci_worse, ci_better) = match (
            q.current.ci,
            q.history.iter().map(|o| o.ci).collect::<Option<Vec<_>>>(),
        ) {
            (Some(c), Some(base_cis)) => {
                let hi = base_cis.iter().map(|c| c.upper).fold(f64::MIN, f64::max);
                let lo = base_cis.iter().map(|c| c.lower).fold(f64::MAX, f64::min);
                match q.direction {
                    Direction::LowerIsBetter => (c.lower > hi, c.upper < lo),
                    Direction::HigherIsBetter => (c.upper < lo, c.lower > hi),
                }
            }
            _ => (true, true),
        };
        ev.basis = format!(
            "{n} run(s) of history, too few to measure noise: ±{:.0}% assumed",
            q.policy.unmeasured_noise * 100.0
        );
        ev.test = Test::Assumed {
            effect,
            band,
            ci_worse,
            ci_better,
        };
        ev
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

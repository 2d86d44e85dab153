//! Confirmation: what re-measuring critical benchmarks in the same job says of each of them.

use std::collections::BTreeSet;

use super::judge::{Assessment, SHIFT_METRICS};
use super::{Comparison, Row, Status, stats, verdict_of};
use crate::model::MetricKind;

// A whole run on a bad runner looks like a regression; one run cannot tell them apart. The rule
// is sequential: a critical that does not reproduce becomes a warning; one that reproduces is
// confirmed when both runs together are 95% sure it is past the critical threshold, otherwise a
// second re-measurement decides; one not measured again stays critical, unconfirmed. Reference
// benchmarks measured beside it give each re-measurement its own run-wide shift.

/// Re-measurements a critical row may take.
pub const MAX_RERUNS: usize = 2;

/// What the re-measurements so far say of one critical row.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The regression stands; the text says how it was confirmed.
    Confirmed(String),
    /// It did not come back; the text says what the re-measurement found.
    NotReproduced(String),
    /// It came back but the evidence is not yet sure: measure once more.
    Pending,
    /// The re-measurement did not measure it again: it stays critical, unconfirmed. A command
    /// that measures nothing must not clear a regression.
    Unmeasured(String),
}

const UNMEASURED: &str = "the confirmation command did not measure it again";

/// Whether runs judged against the same history are together sure that the worsening is past
/// the critical threshold: the lower one-sided 95% bound of their mean log effect is at least
/// ln(1 + critical). The mean of k new runs against a history of n runs with run-to-run spread
/// s has prediction scale s·√(1/k + 1/n) (Hahn & Meeker, 1991, "Statistical Intervals",
/// section 4.7, the interval for the mean of k future observations). n is recovered from one
/// run's scale s·√(1 + 1/n); the largest spread and the fewest degrees of freedom are used.
/// `None` when an assessment did not rest on a t test.
pub fn pooled_sure(runs: &[&Assessment], critical: f64) -> Option<bool> {
    let mut effects = 0.0;
    let (mut s_max, mut inv_n, mut df) = (0.0f64, 0.0f64, f64::INFINITY);
    for a in runs {
        let t = a.t?;
        let s = a.spread.map(f64::ln_1p)?;
        if !(s > 0.0 && t.scale >= s) {
            return None;
        }
        effects += t.effect;
        s_max = s_max.max(s);
        inv_n = inv_n.max((t.scale / s).powi(2) - 1.0);
        df = df.min(t.df);
    }
    let k = runs.len() as f64;
    if k == 0.0 {
        return None;
    }
    let scale = s_max * (1.0 / k + inv_n).sqrt();
    Some(effects / k - stats::t_quantile(0.95, df) * scale >= critical.ln_1p())
}

fn change(a: &Assessment) -> String {
    format!("{:+.1}%", a.change * 100.0)
}

/// The outcome for a critical row `first` after the re-measurements `reruns` (each the same
/// metric in one re-measurement, `None` when it was not measured again).
pub fn outcome(first: &Assessment, reruns: &[Option<&Assessment>], critical: f64) -> Outcome {
    let Some(again) = reruns.first() else {
        return Outcome::Pending;
    };
    let Some(a) = again.filter(|a| a.status == Status::Critical) else {
        return match again {
            Some(a) => Outcome::NotReproduced(format!(
                "not reproduced when re-measured ({}, {})",
                change(a),
                a.status.as_str()
            )),
            None => Outcome::Unmeasured(UNMEASURED.into()),
        };
    };
    match pooled_sure(&[first, a], critical) {
        // Without a t test (request counts, assumed noise), reproducing is the evidence.
        None => Outcome::Confirmed(format!("reproduced when re-measured ({})", change(a))),
        Some(true) => Outcome::Confirmed(format!(
            "reproduced when re-measured ({}); the two runs together put it past the critical threshold with 95% confidence",
            change(a)
        )),
        Some(false) => match reruns.get(1) {
            None => Outcome::Pending,
            Some(Some(b)) if b.status == Status::Critical => Outcome::Confirmed(format!(
                "reproduced when re-measured twice ({}, {})",
                change(a),
                change(b)
            )),
            Some(None) => Outcome::Unmeasured(format!(
                "reproduced when re-measured ({}), but {UNMEASURED} a second time",
                change(a)
            )),
            Some(Some(b)) => Outcome::NotReproduced(format!(
                "reproduced when re-measured ({}), but not a second time ({}, {})",
                change(a),
                change(b),
                b.status.as_str()
            )),
        },
    }
}

fn reruns_of<'a>(row: &Row, reruns: &'a [Comparison]) -> Vec<Option<&'a Assessment>> {
    reruns
        .iter()
        .map(|c| {
            c.rows
                .iter()
                .find(|r| r.key == row.key)
                .and_then(|r| r.assessment.as_ref())
        })
        .collect()
}

/// The benchmarks of the critical rows that `keep` selects, sorted, each once.
fn critical_where(c: &Comparison, keep: impl Fn(&Row) -> bool) -> Vec<String> {
    let names: BTreeSet<&str> = c
        .rows
        .iter()
        .filter(|r| r.status == Status::Critical && keep(r))
        .map(|r| r.benchmark.as_str())
        .collect();
    names.into_iter().map(String::from).collect()
}

/// The benchmarks whose rows are critical, for the first re-measurement.
pub fn critical_benchmarks(c: &Comparison) -> Vec<String> {
    critical_where(c, |_| true)
}

/// The benchmarks whose critical rows the re-measurements so far leave undecided.
pub fn pending(c: &Comparison, reruns: &[Comparison]) -> Vec<String> {
    critical_where(c, |r| {
        r.assessment.as_ref().is_some_and(|a| {
            outcome(a, &reruns_of(r, reruns), r.rule.critical.relative) == Outcome::Pending
        })
    })
}

/// Benchmarks to re-measure beside the flagged ones so that a re-measurement can estimate its
/// own run-wide shift: [`SHIFT_METRICS`] unflagged timing benchmarks with a history, spread
/// evenly over their names. None when the suite has too few for a shift to be estimated.
pub fn references(c: &Comparison, flagged: &[String]) -> Vec<String> {
    let candidates: Vec<&str> = c
        .rows
        .iter()
        .filter(|r| r.kind == MetricKind::Time && r.assessment.is_some())
        .map(|r| r.benchmark.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|b| !flagged.iter().any(|f| f == b))
        .collect();
    if candidates.len() < SHIFT_METRICS {
        return Vec::new();
    }
    (0..SHIFT_METRICS)
        .map(|i| candidates[i * candidates.len() / SHIFT_METRICS].to_string())
        .collect()
}

/// Applies the re-measurements to `first`: each critical row is confirmed or becomes a warning,
/// saying why. A row the re-measurements did not settle (one not measured again, or still
/// pending because a re-measurement failed) stays critical, unconfirmed.
pub fn apply(first: &mut Comparison, reruns: &[Comparison]) {
    let (mut confirmed, mut cleared, mut unmeasured, mut found_unmeasured) = (0, 0, 0, 0);
    for row in first
        .rows
        .iter_mut()
        .filter(|r| r.status == Status::Critical)
    {
        let found = reruns_of(row, reruns);
        let result = match &row.assessment {
            Some(a) => outcome(a, &found, row.rule.critical.relative),
            None => Outcome::Unmeasured(UNMEASURED.into()),
        };
        match result {
            Outcome::Unmeasured(why) => {
                unmeasured += 1;
                found_unmeasured += 1;
                row.reason.push_str(&format!("; not confirmed: {why}"));
            }
            Outcome::Confirmed(why) => {
                confirmed += 1;
                row.reason.push_str(&format!("; {why}"));
            }
            Outcome::NotReproduced(why) => {
                cleared += 1;
                row.status = Status::Warning;
                row.reason.push_str(&format!("; {why}"));
            }
            Outcome::Pending => {
                unmeasured += 1;
                row.reason.push_str(
                    "; not confirmed: reproduced when re-measured, but not surely past the \
                     critical threshold, and the second re-measurement failed",
                );
            }
        }
        if let Some(a) = row.assessment.as_mut() {
            a.status = row.status;
            a.reason = row.reason.clone();
        }
    }
    first.verdict = verdict_of(&first.rows);
    first.method_steps.push(format!(
        "Confirmation: the critical metrics were re-measured in the same job ({} time(s)): a \
         regression stays critical only if it reproduces, and either the two runs together are \
         95% sure it is past the critical threshold or it reproduces a second time. In this run \
         {confirmed} stayed critical and {cleared} became warnings{}.",
        reruns.len(),
        if unmeasured > 0 {
            format!("; {unmeasured} stayed critical, unconfirmed")
        } else {
            String::new()
        }
    ));
    if found_unmeasured > 0 {
        first.notes.push(format!(
            "The confirmation command did not measure {found_unmeasured} critical metric(s) again \
             (their values did not change), so they stay critical, unconfirmed. The command must \
             rewrite the inputs, measuring the benchmarks that `$BENCHGATE_FILTER` names (e.g. \
             `cargo bench -- \"$BENCHGATE_FILTER\"`)."
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::judge::TTest;

    fn assessment(status: Status, change: f64, spread: f64, n: f64) -> Assessment {
        let s = spread.ln_1p();
        Assessment {
            status,
            baseline: 100.0,
            change,
            noise: None,
            spread: Some(spread),
            p_value: Some(0.001),
            q_value: Some(0.001),
            low_confidence: false,
            basis: String::new(),
            reason: String::new(),
            t: Some(TTest {
                effect: change.ln_1p(),
                scale: s * (1.0 + 1.0 / n).sqrt(),
                df: 0.37 * (n - 1.0),
            }),
        }
    }

    #[test]
    fn pooling_two_runs_narrows_the_interval() {
        // 20 runs of history spreading 3%: one run at +16% has a lower bound of +9.5%, short of
        // +10%; two such runs have +11.3%.
        let one = assessment(Status::Critical, 0.16, 0.03, 20.0);
        assert_eq!(pooled_sure(&[&one], 0.10), Some(false));
        assert_eq!(pooled_sure(&[&one, &one], 0.10), Some(true));
        // Far from the threshold, never.
        let small = assessment(Status::Critical, 0.11, 0.03, 20.0);
        assert_eq!(pooled_sure(&[&small, &small], 0.10), Some(false));
    }

    #[test]
    fn without_a_t_test_there_is_nothing_to_pool() {
        let mut a = assessment(Status::Critical, 0.5, 0.03, 20.0);
        a.t = None;
        assert_eq!(pooled_sure(&[&a, &a], 0.10), None);
        assert!(matches!(
            outcome(&a, &[Some(&a)], 0.10),
            Outcome::Confirmed(_)
        ));
    }

    #[test]
    fn the_sequence_of_outcomes() {
        let first = assessment(Status::Critical, 0.13, 0.05, 20.0);
        let normal = assessment(Status::Acceptable, 0.01, 0.05, 20.0);
        let again = assessment(Status::Critical, 0.12, 0.05, 20.0);
        let clear = assessment(Status::Critical, 0.40, 0.05, 20.0);
        assert_eq!(outcome(&first, &[], 0.10), Outcome::Pending);
        assert!(matches!(
            outcome(&first, &[Some(&normal)], 0.10),
            Outcome::NotReproduced(w) if w.contains("+1.0%, acceptable")
        ));
        // Not measured again: never cleared.
        assert!(matches!(
            outcome(&first, &[None], 0.10),
            Outcome::Unmeasured(_)
        ));
        assert!(matches!(
            outcome(&first, &[Some(&again), None], 0.10),
            Outcome::Unmeasured(w) if w.contains("a second time")
        ));
        assert!(matches!(
            outcome(&first, &[Some(&clear)], 0.10),
            Outcome::Confirmed(w) if w.contains("95% confidence")
        ));
        // Reproduced, but +13% and +12% against a 5% spread are not sure of +10%.
        assert_eq!(outcome(&first, &[Some(&again)], 0.10), Outcome::Pending);
        assert!(matches!(
            outcome(&first, &[Some(&again), Some(&again)], 0.10),
            Outcome::Confirmed(w) if w.contains("twice")
        ));
        assert!(matches!(
            outcome(&first, &[Some(&again), Some(&normal)], 0.10),
            Outcome::NotReproduced(w) if w.contains("not a second time")
        ));
    }
}

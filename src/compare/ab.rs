//! Same-job A/B evidence: the base and head revisions measured alternately (ABAB...) on one
//! machine, compared round by round on the log scale.

use std::collections::BTreeMap;

use crate::baseline::Summary;
use crate::config::{Config, HistoryPolicy};
use crate::model::{Direction, Run};

use super::judge::{self, Environment, Item};
use super::method::{Evidence, Status, Test};
use super::{Comparison, row, stats, verdict_of};

/// Compares the rounds of a same-job A/B measurement: `base[r]` and `head[r]` are the runs of
/// round `r`. Every metric measured in every round on both sides is judged with
/// [`ab_evidence`], all together under the run-wide control; metrics on one side only are new
/// or missing.
pub fn compare_rounds(base: &[Run], head: &[Run], config: &Config) -> Comparison {
    let (a, b) = (by_key(base), by_key(head));
    let mut rows = Vec::new();
    let mut evidence = Vec::new();
    for (key, (summary, head_values)) in &b {
        let Some((_, base_values)) = a.get(key) else {
            let mut r = row(summary, key.clone(), &[], config);
            r.reason = "measured on the head revision only".into();
            rows.push(r);
            continue;
        };
        let mut r = row(summary, key.clone(), &[], config);
        r.history = base_values.clone();
        r.current = Some(stats::median(head_values).unwrap_or(summary.value));
        r.current_ci = None;
        match ab_evidence(base_values, head_values, summary.direction, &config.history) {
            Some(ev) => evidence.push((rows.len(), ev)),
            None => {
                r.status = Status::Inconclusive;
                r.reason = format!(
                    "{} base and {} head value(s): at least two a side, all positive, are needed",
                    base_values.len(),
                    head_values.len()
                );
            }
        }
        rows.push(r);
    }
    for (key, (summary, base_values)) in &a {
        if !b.contains_key(key) {
            let mut r = row(summary, key.clone(), &[], config);
            r.history = base_values.clone();
            r.current = None;
            r.current_ci = None;
            r.status = Status::Missing;
            r.reason = "measured on the base revision only".into();
            rows.push(r);
        }
    }
    let items: Vec<Item> = evidence
        .iter()
        .map(|(i, ev)| Item {
            evidence: ev.clone(),
            current: rows[*i].current.unwrap_or(f64::NAN),
            current_ci: None,
            direction: rows[*i].direction,
            unit: &rows[*i].unit,
            rule: &rows[*i].rule,
            // Both sides ran alternately on one machine, so a shift of the whole head side is
            // the code's doing, not the machine's: it is judged, never taken out.
            environment: Environment::Own,
        })
        .collect();
    let judged = judge::judge_run(&items);
    drop(items);
    for ((i, ev), mut a) in evidence.iter().zip(judged.assessments) {
        let critical = rows[*i].rule.critical.relative;
        if a.status == Status::Critical && !sure_of_critical(ev, critical) {
            a.status = Status::Warning;
            a.reason = format!(
                "{} It may still be under the critical threshold ({:.0}%) at 95% confidence, so it does not fail the check; more rounds (`--max-rounds`) would settle it.",
                a.reason,
                critical * 100.0
            );
        }
        rows[*i].status = a.status;
        rows[*i].reason = a.reason.clone();
        rows[*i].assessment = Some(a);
    }
    rows.sort_by(|x, y| (x.kind, &x.key).cmp(&(y.kind, &y.key)));
    let notes = vec![format!(
        "Same-job A/B: {} round(s) of the base revision and {} of the head, alternated on this machine; no stored baseline was used.",
        base.len(),
        head.len()
    )];
    Comparison {
        verdict: verdict_of(&rows),
        rows,
        history_runs: base.len(),
        notes,
        events: Vec::new(),
        method: "same-job A/B",
        method_steps: vec![
            "Both revisions are built in their own git worktree and the bench command runs alternately, base then head, for every round.".into(),
            "Each round's result files are read with the usual adapters; per metric, one value per round and side.".into(),
            "A pooled two-sample t-test on the log values (ν = n_base + n_head − 2), with at most one disturbed round a side left out by the Hampel identifier.".into(),
            "Critical: past the critical threshold, significant after Benjamini–Hochberg control (q = 0.05) across the run's metrics, and at least the critical threshold at 95% confidence; warning: past the warning threshold with p ≤ 0.01; improved: better by the warning threshold with p ≤ 0.05.".into(),
            "Sequential rounds: after the first rounds, more are measured in batches (up to `--max-rounds`) while a metric's one-sided 99% interval still straddles a threshold that would change the verdict.".into(),
        ],
    }
}

/// Compares the head revision's per-round values with the base's with a pooled two-sample
/// t-test on the log values (Student, 1908), ν = n_base + n_head − 2. Alternating the rounds
/// (ABAB...) spreads slow drift of the machine over both sides. On our runners neighbouring runs
/// share little of their noise (adjacent criterion runs differ as much as any two), so the sides
/// are compared as independent samples rather than as pairs. A run hit alone by a transient
/// disturbance is left out, at most one a side, by the Hampel identifier (more than 5 scaled
/// MADs and 5% from its side's median; Hampel, 1974, JASA 69:383), and the report says so. The
/// pooled spread is floored at the policy's noise floor.
pub fn ab_evidence(
    base: &[f64],
    head: &[f64],
    direction: Direction,
    policy: &HistoryPolicy,
) -> Option<Evidence> {
    if base.len() < 2
        || head.len() < 2
        || base
            .iter()
            .chain(head)
            .any(|v| !(*v > 0.0 && v.is_finite()))
    {
        return None;
    }
    let mut notes = Vec::new();
    let la = trimmed("base", base, &mut notes)?;
    let lb = trimmed("head", head, &mut notes)?;
    let (na, nb) = (la.len() as f64, lb.len() as f64);
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let ss = |x: &[f64], m: f64| x.iter().map(|v| (v - m).powi(2)).sum::<f64>();
    let (ma, mb) = (mean(&la), mean(&lb));
    let df = na + nb - 2.0;
    let pooled = ((ss(&la, ma) + ss(&lb, mb)) / df).sqrt();
    let s = pooled.max((1.0 + policy.noise_floor).ln());
    let d = mb - ma;
    let mut basis = format!(
        "{} base and {} head rounds, alternated in one job",
        base.len(),
        head.len()
    );
    for n in notes {
        basis.push_str("; ");
        basis.push_str(&n);
    }
    Some(Evidence {
        baseline: ma.exp(),
        change: d.exp() - 1.0,
        test: Test::T {
            effect: direction.worse_sign() * d,
            scale: s * (1.0 / na + 1.0 / nb).sqrt(),
            df,
        },
        spread: Some(s.exp() - 1.0),
        low_confidence: na.min(nb) < 3.0,
        basis,
        unstable: None,
    })
}

/// The log values of one side, without its one most outlying round if the Hampel identifier
/// rejects it (only with four rounds or more).
fn trimmed(side: &str, values: &[f64], notes: &mut Vec<String>) -> Option<Vec<f64>> {
    let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
    if logs.len() < 4 {
        return Some(logs);
    }
    let centre = stats::median(&logs)?;
    let spread = stats::scaled_mad(&logs, centre)?;
    let bound = (5.0 * spread).max(1.05f64.ln());
    // At most one round in five a side: more than that is the machine, not a disturbance.
    let mut far: Vec<(usize, f64)> = logs
        .iter()
        .enumerate()
        .map(|(i, v)| (i, (v - centre).abs()))
        .filter(|(_, d)| *d > bound)
        .collect();
    far.sort_by(|a, b| b.1.total_cmp(&a.1));
    far.truncate((logs.len() / 5).max(1));
    if far.is_empty() {
        return Some(logs);
    }
    for (i, _) in &far {
        notes.push(format!(
            "{side} round {} left out ({:+.0}% from its side's median)",
            i + 1,
            ((logs[*i] - centre).exp() - 1.0) * 100.0
        ));
    }
    Some(
        logs.iter()
            .enumerate()
            .filter(|(i, _)| !far.iter().any(|(j, _)| j == i))
            .map(|(_, v)| *v)
            .collect(),
    )
}

/// Each metric's summary and its values, one per round, by key.
fn by_key(runs: &[Run]) -> BTreeMap<String, (Summary, Vec<f64>)> {
    let mut by_key: BTreeMap<String, (Summary, Vec<f64>)> = BTreeMap::new();
    for run in runs {
        for m in &run.metrics {
            by_key
                .entry(m.key())
                .or_insert_with(|| (Summary::from(m), Vec::new()))
                .1
                .push(m.value);
        }
    }
    by_key
}

/// Confidence of the interval that decides whether a metric needs more rounds.
const SETTLE_CONFIDENCE: f64 = 0.99;

/// Whether the rounds so far leave a metric undecided. With a one-sided 99% interval for its
/// worsening, the verdict is settled when the interval lies below the warning threshold (no
/// regression worth a warning), above the critical threshold (critical), or between zero and
/// the critical threshold (a warning at most); otherwise it could still go either way across a
/// threshold that fails or passes the check. Sequential A/B measures more rounds only while
/// some metric is undecided, so that a noisy machine pays with time rather than with wrong
/// verdicts; every look uses all rounds so far (repeated confidence intervals; Jennison &
/// Turnbull, 2000, "Group Sequential Methods with Applications to Clinical Trials", ch. 9).
pub fn undecided(
    base: &[f64],
    head: &[f64],
    direction: Direction,
    (warning, critical): (f64, f64),
    policy: &HistoryPolicy,
) -> bool {
    let Some(evidence) = ab_evidence(base, head, direction, policy) else {
        return false;
    };
    let Test::T { effect, scale, df } = evidence.test else {
        return false;
    };
    let reach = stats::t_quantile(SETTLE_CONFIDENCE, df) * scale;
    let (lo, hi) = (effect - reach, effect + reach);
    let (w, c) = ((1.0 + warning).ln(), (1.0 + critical).ln());
    let settled = hi < w || lo > c || (lo > 0.0 && hi < c);
    !settled
}

/// A/B mode fails the check only for a regression that reaches the critical threshold at 95%
/// confidence (the one-sided lower bound of its worsening): the strict mode must not fail a
/// pull request on a worsening that may be smaller than the policy's limit.
pub fn sure_of_critical(evidence: &Evidence, critical: f64) -> bool {
    match evidence.test {
        Test::T { effect, scale, df } => {
            effect - stats::t_quantile(0.95, df) * scale >= (1.0 + critical).ln()
        }
        _ => true,
    }
}

/// The keys of the metrics that [`undecided`] says need more rounds, for a run of rounds.
pub fn undecided_metrics(base: &[Run], head: &[Run], config: &Config) -> Vec<String> {
    let (a, b) = (by_key(base), by_key(head));
    b.iter()
        .filter_map(|(key, (summary, head_values))| {
            let (_, base_values) = a.get(key)?;
            let rule = config.rule_for(summary.kind, &summary.benchmark);
            undecided(
                base_values,
                head_values,
                summary.direction,
                (rule.warning.relative, rule.critical.relative),
                &config.history,
            )
            .then(|| key.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_shift_is_significant_and_no_shift_is_not() {
        let policy = HistoryPolicy::default();
        let base = [100.0, 101.0, 99.5, 100.5, 100.2];
        let slower = [120.0, 121.5, 119.0, 120.5, 120.1];
        let ev = ab_evidence(&base, &slower, Direction::LowerIsBetter, &policy).expect("evidence");
        let Test::T { effect, scale, df } = ev.test else {
            panic!("t test")
        };
        assert_eq!(df, 8.0);
        assert!(stats::t_upper_tail(effect / scale, df) < 1e-4);
        assert!((ev.change - 0.2).abs() < 0.01);
        let same = ab_evidence(&base, &base, Direction::LowerIsBetter, &policy).expect("evidence");
        let Test::T { effect, .. } = same.test else {
            panic!("t test")
        };
        assert_eq!(effect, 0.0);
        assert!(ab_evidence(&base[..1], &slower[..1], Direction::LowerIsBetter, &policy).is_none());
    }

    #[test]
    fn a_head_slower_everywhere_is_a_regression_not_an_environment_shift() {
        use crate::model::{Metric, RunMeta};
        let side = |scale: f64, round: usize| {
            let metrics = (0..25)
                .map(|b| {
                    Metric::time(
                        format!("b{b}"),
                        "median",
                        (100.0 + b as f64) * scale * (1.0 + round as f64 * 0.002),
                    )
                })
                .collect();
            Run::new(RunMeta::default(), metrics)
        };
        let base: Vec<Run> = (0..5).map(|r| side(1.0, r)).collect();
        let head: Vec<Run> = (0..5).map(|r| side(1.2, r)).collect();
        let c = compare_rounds(&base, &head, &Config::default());
        assert!(
            c.rows.iter().all(|r| r.status == Status::Critical),
            "{:?}",
            c.rows.iter().map(|r| r.status).collect::<Vec<_>>()
        );
        assert!(c.notes.iter().all(|n| !n.contains("Environment shift")));
    }

    #[test]
    fn one_disturbed_round_is_left_out() {
        let policy = HistoryPolicy::default();
        let base = [100.0, 100.0, 100.0, 100.0, 100.0];
        let head = [110.0, 110.5, 109.5, 135.0, 110.2];
        let ev = ab_evidence(&base, &head, Direction::LowerIsBetter, &policy).expect("evidence");
        assert!(ev.basis.contains("head round 4 left out"), "{}", ev.basis);
        assert!((ev.change - 0.10).abs() < 0.01);
    }

    #[test]
    fn sequential_rounds_stop_when_the_verdict_is_settled() {
        let policy = HistoryPolicy::default();
        let t = (0.05, 0.10);
        let quiet = [100.0, 100.2, 99.8, 100.1, 99.9];
        // Equal and quiet: no regression worth a warning, settled.
        assert!(!undecided(
            &quiet,
            &quiet,
            Direction::LowerIsBetter,
            t,
            &policy
        ));
        // 50% slower and quiet: critical, settled.
        let slow: Vec<f64> = quiet.iter().map(|v| v * 1.5).collect();
        assert!(!undecided(
            &quiet,
            &slow,
            Direction::LowerIsBetter,
            t,
            &policy
        ));
        // About 10% slower with 8% noise: could be under or over the critical threshold.
        let noisy_base = [100.0, 108.0, 93.0, 104.0, 96.0];
        let noisy_head = [118.0, 103.0, 112.0, 106.0, 115.0];
        assert!(undecided(
            &noisy_base,
            &noisy_head,
            Direction::LowerIsBetter,
            t,
            &policy
        ));
    }

    #[test]
    fn a_critical_needs_the_threshold_at_95_percent_confidence() {
        let policy = HistoryPolicy::default();
        let base = [100.0, 100.2, 99.8, 100.1, 99.9];
        let far: Vec<f64> = base.iter().map(|v| v * 1.3).collect();
        let ev = ab_evidence(&base, &far, Direction::LowerIsBetter, &policy).expect("evidence");
        assert!(sure_of_critical(&ev, 0.10));
        let noisy_head = [118.0, 103.0, 112.0, 106.0, 115.0];
        let noisy_base = [100.0, 108.0, 93.0, 104.0, 96.0];
        let ev = ab_evidence(&noisy_base, &noisy_head, Direction::LowerIsBetter, &policy)
            .expect("evidence");
        assert!(ev.change > 0.08);
        assert!(!sure_of_critical(&ev, 0.10));
    }
}

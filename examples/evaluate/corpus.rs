//! The seeded noise corpus and the rules it judges: benchgate's history and A/B modes, and the
//! rules users compare it with. Shared by `cargo run --release --example evaluate` and the
//! reduced version in `tests/evaluation.rs`.

use benchgate::compare::judge::{
    Assessment, Environment, Item, Judgement, history_offsets, judge_run,
};
use benchgate::compare::{
    HistoryMethod, Method, Observation, Question, Status, ab::ab_evidence, ab::sure_of_critical,
    ab::undecided, confirm, stats,
};
use benchgate::config::{Config, HistoryPolicy};
use benchgate::model::{Direction, Interval, MetricKind, Unit};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, Normal};

/// A noise class: run-to-run (`sb`) and within-run (`sw`) standard deviations on the log scale.
#[derive(Debug, Clone, Copy)]
pub struct Class {
    pub name: &'static str,
    pub sb: f64,
    pub sw: f64,
}

pub const CLASSES: [Class; 4] = [
    Class {
        name: "quiet",
        sb: 0.01,
        sw: 0.01,
    },
    Class {
        name: "typical",
        sb: 0.03,
        sw: 0.02,
    },
    Class {
        name: "noisy",
        sb: 0.06,
        sw: 0.04,
    },
    Class {
        name: "very noisy",
        sb: 0.10,
        sw: 0.05,
    },
];

pub const DELTAS: [f64; 5] = [0.0, 0.03, 0.05, 0.10, 0.20];

/// The rules compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// benchgate, history mode.
    Benchgate,
    /// benchgate, history mode, a critical re-measured as `compare --confirm` does.
    BenchgateConfirmed,
    /// Not benchgate's rule: one run, critical only when its one-sided 95% bound is past the
    /// threshold. Shown to measure what a stricter one-run rule could buy.
    OneRunSure,
    /// Flag when the run is 5% worse than the previous run (a common ratio threshold).
    Ratio5,
    /// criterion's default rule, approximated: Welch's t-test of this run's samples against the
    /// previous run's, two-sided p < 0.05 and a change above criterion's 1% noise threshold.
    Criterion,
    /// A history t-test: mean and standard deviation of the history, one-sided at 0.99.
    HistoryT99,
}

pub const RULES: [Rule; 6] = [
    Rule::Benchgate,
    Rule::BenchgateConfirmed,
    Rule::OneRunSure,
    Rule::Ratio5,
    Rule::Criterion,
    Rule::HistoryT99,
];

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::Benchgate => "benchgate (history)",
            Rule::BenchgateConfirmed => "benchgate (history + confirm)",
            Rule::OneRunSure => "one run, critical only if 95% sure (not shipped)",
            Rule::Ratio5 => "5% ratio vs previous run",
            Rule::Criterion => "criterion default (Welch, p<0.05, >1%)",
            Rule::HistoryT99 => "history t-test (0.99)",
        }
    }
}

/// One simulated benchmark run.
#[derive(Debug, Clone)]
pub struct SimRun {
    pub value: f64,
    pub ci: Interval,
    pub logs: Vec<f64>,
}

/// The generator of the issue: x = (1 + δ)·exp(η + ε)·O, η ~ N(0, sb) plus, with probability
/// 0.03, a bad-runner shift ln(1 + U(0.10, 0.30)); ε ~ N(0, sw); O = 1 + Exp(0.5) with
/// probability 0.03, else 1.
#[derive(Debug)]
pub struct Gen {
    rng: ChaCha8Rng,
    exp: Exp<f64>,
}

impl Gen {
    pub fn new(seed: u64) -> Self {
        Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            exp: Exp::new(0.5).expect("rate"),
        }
    }

    /// A run-level shift η.
    pub fn eta(&mut self, sb: f64) -> f64 {
        let mut eta = Normal::new(0.0, sb).expect("sd").sample(&mut self.rng);
        if self.rng.random::<f64>() < 0.03 {
            eta += (1.0f64 + self.rng.random_range(0.10..0.30)).ln();
        }
        eta
    }

    /// One history-mode trial: `n_hist` unchanged runs of 100 samples, then a current run
    /// changed by `delta`, each with its own run-level shift.
    pub fn trial(&mut self, class: Class, delta: f64, n_hist: usize) -> (Vec<SimRun>, SimRun) {
        let history = (0..n_hist)
            .map(|_| {
                let eta = self.eta(class.sb);
                self.run(0.0, eta, class.sw, 100)
            })
            .collect();
        let eta = self.eta(class.sb);
        (history, self.run(delta, eta, class.sw, 100))
    }

    pub fn pick(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n)
    }

    /// A run of `n` samples with run-level shift `eta`; its statistic is the median (what
    /// benchgate reads from criterion), with a distribution-free 95% interval.
    pub fn run(&mut self, delta: f64, eta: f64, sw: f64, n: usize) -> SimRun {
        let eps = Normal::new(0.0, sw).expect("sd");
        let mut xs: Vec<f64> = (0..n)
            .map(|_| {
                let o = if self.rng.random::<f64>() < 0.03 {
                    1.0 + self.exp.sample(&mut self.rng)
                } else {
                    1.0
                };
                (1.0 + delta) * (eta + eps.sample(&mut self.rng)).exp() * o
            })
            .collect();
        let logs = xs.iter().map(|x| x.ln()).collect();
        xs.sort_by(f64::total_cmp);
        let half = 1.96 * (n as f64).sqrt() / 2.0;
        let lo = ((n as f64 / 2.0 - half).floor().max(0.0)) as usize;
        let hi = ((n as f64 / 2.0 + half).ceil() as usize).min(n - 1);
        SimRun {
            value: xs[n / 2],
            ci: Interval {
                lower: xs[lo],
                upper: xs[hi],
                level: 0.95,
            },
            logs,
        }
    }
}

/// Warning-or-worse and critical, for one judged metric.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flags {
    pub warn: bool,
    pub critical: bool,
}

fn flags(status: Status) -> Flags {
    Flags {
        warn: matches!(status, Status::Warning | Status::Critical),
        critical: status == Status::Critical,
    }
}

fn time_rule(config: &Config) -> benchgate::config::Rule {
    config.rule_for(MetricKind::Time, "bench")
}

/// benchgate's history-mode verdict on one metric alone.
pub fn benchgate_history(
    history: &[SimRun],
    current: &SimRun,
    policy: &HistoryPolicy,
    config: &Config,
) -> Flags {
    flags(benchgate_assess(history, current, policy, config).status)
}

/// benchgate's full history-mode assessment of one metric alone.
pub fn benchgate_assess(
    history: &[SimRun],
    current: &SimRun,
    policy: &HistoryPolicy,
    config: &Config,
) -> Assessment {
    let obs: Vec<Observation> = history
        .iter()
        .map(|r| Observation {
            value: r.value,
            ci: Some(r.ci),
            counts: None,
        })
        .collect();
    let samples: Vec<f64> = current.logs.iter().map(|l| l.exp()).collect();
    let rule = time_rule(config);
    let unit = Unit::Nanoseconds;
    let q = Question {
        current: Observation {
            value: current.value,
            ci: Some(current.ci),
            counts: None,
        },
        samples: Some(&samples),
        history: &obs,
        direction: Direction::LowerIsBetter,
        unit: &unit,
        rule: &rule,
        policy,
    };
    let item = Item {
        evidence: HistoryMethod.evidence(&q),
        current: current.value,
        current_ci: Some(current.ci),
        direction: Direction::LowerIsBetter,
        unit: &unit,
        rule: &rule,
        environment: Environment::Own,
    };
    judge_run(&[item]).assessments.remove(0)
}

/// Assessments of `trials` unchanged-or-changed metrics in history mode.
pub fn history_assessments(
    class: Class,
    delta: f64,
    n_hist: usize,
    trials: usize,
    seed: u64,
) -> Vec<Assessment> {
    let config = Config::default();
    let mut g = Gen::new(seed);
    (0..trials)
        .map(|_| {
            let (history, current) = g.trial(class, delta, n_hist);
            benchgate_assess(&history, &current, &config.history, &config)
        })
        .collect()
}

/// benchgate's A/B verdict on one metric.
pub fn benchgate_ab(base: &[f64], head: &[f64], policy: &HistoryPolicy, config: &Config) -> Flags {
    let rule = time_rule(config);
    let unit = Unit::Nanoseconds;
    let Some(evidence) = ab_evidence(base, head, Direction::LowerIsBetter, policy) else {
        return Flags::default();
    };
    let current = evidence.baseline * (1.0 + evidence.change);
    let sure = sure_of_critical(&evidence, rule.critical.relative);
    let item = Item {
        evidence,
        current,
        current_ci: None,
        direction: Direction::LowerIsBetter,
        unit: &unit,
        rule: &rule,
        environment: Environment::Own,
    };
    match judge_run(&[item]).assessments[0].status {
        Status::Critical if !sure => flags(Status::Warning),
        status => flags(status),
    }
}

fn welch_two_sided(a: &[f64], b: &[f64]) -> (f64, f64) {
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let var =
        |x: &[f64], m: f64| x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64;
    let (ma, mb) = (mean(a), mean(b));
    let (va, vb) = (var(a, ma) / a.len() as f64, var(b, mb) / b.len() as f64);
    let t = (mb - ma) / (va + vb).sqrt();
    let df = (va + vb).powi(2) / (va * va / (a.len() - 1) as f64 + vb * vb / (b.len() - 1) as f64);
    (2.0 * stats::t_upper_tail(t.abs(), df), mb - ma)
}

/// A competitor rule's verdict (one level: it flags or it does not).
pub fn other_rule(rule: Rule, history: &[SimRun], current: &SimRun) -> Flags {
    let last = history.last().expect("history");
    let flagged = match rule {
        Rule::Ratio5 => current.value / last.value - 1.0 > 0.05,
        Rule::Criterion => {
            let (p, d) = welch_two_sided(&last.logs, &current.logs);
            p < 0.05 && d.exp() - 1.0 > 0.01
        }
        Rule::HistoryT99 => {
            let logs: Vec<f64> = history.iter().map(|r| r.value.ln()).collect();
            let n = logs.len() as f64;
            let mean = logs.iter().sum::<f64>() / n;
            let sd = (logs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let t = (current.value.ln() - mean) / (sd * (1.0 + 1.0 / n).sqrt());
            t > stats::t_quantile(0.99, n - 1.0)
        }
        Rule::Benchgate | Rule::BenchgateConfirmed | Rule::OneRunSure => {
            unreachable!("judged by benchgate")
        }
    };
    Flags {
        warn: flagged,
        critical: flagged,
    }
}

/// `compare --confirm`'s sequential rule (`benchgate::compare::confirm`) for one critical
/// metric: `measure` re-measures it and judges it.
pub fn reproduces(
    first: &Assessment,
    config: &Config,
    mut measure: impl FnMut() -> Assessment,
) -> bool {
    let critical = time_rule(config).critical.relative;
    let mut reruns: Vec<Assessment> = Vec::new();
    while reruns.len() < confirm::MAX_RERUNS {
        reruns.push(measure());
        let found: Vec<Option<&Assessment>> = reruns.iter().map(Some).collect();
        match confirm::outcome(first, &found, critical) {
            confirm::Outcome::Confirmed(_) | confirm::Outcome::Unmeasured(_) => return true,
            confirm::Outcome::NotReproduced(_) => return false,
            confirm::Outcome::Pending => {}
        }
    }
    false
}

/// Rates of warning-or-worse and critical over the trials of one cell.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rates {
    pub warn: f64,
    pub critical: f64,
}

/// History mode: for each trial a fresh history of `n_hist` runs and a current run changed by
/// `delta`; every rule judges the same data.
pub fn history_cell(
    class: Class,
    delta: f64,
    n_hist: usize,
    trials: usize,
    seed: u64,
) -> Vec<(Rule, Rates)> {
    let config = Config::default();
    let policy = config.history;
    let mut g = Gen::new(seed);
    let mut counts = vec![(0usize, 0usize); RULES.len()];
    for _ in 0..trials {
        let (history, current) = g.trial(class, delta, n_hist);
        for (i, rule) in RULES.iter().enumerate() {
            let f = match rule {
                Rule::Benchgate => benchgate_history(&history, &current, &policy, &config),
                Rule::BenchgateConfirmed => {
                    let first = benchgate_assess(&history, &current, &policy, &config);
                    let mut f = flags(first.status);
                    if f.critical {
                        f.critical = reproduces(&first, &config, || {
                            let eta = g.eta(class.sb);
                            let again = g.run(delta, eta, class.sw, 100);
                            benchgate_assess(&history, &again, &policy, &config)
                        });
                    }
                    f
                }
                Rule::OneRunSure => {
                    let a = benchgate_assess(&history, &current, &policy, &config);
                    let mut f = flags(a.status);
                    let critical = time_rule(&config).critical.relative;
                    f.critical &= confirm::pooled_sure(&[&a], critical) == Some(true);
                    f
                }
                other => other_rule(*other, &history, &current),
            };
            counts[i].0 += usize::from(f.warn);
            counts[i].1 += usize::from(f.critical);
        }
    }
    RULES
        .iter()
        .zip(counts)
        .map(|(r, (w, c))| {
            (
                *r,
                Rates {
                    warn: w as f64 / trials as f64,
                    critical: c as f64 / trials as f64,
                },
            )
        })
        .collect()
}

/// A/B mode: `rounds` rounds of a base run and a head run, 20 samples each, every run with its
/// own η as the generator says (on our machines neighbouring runs share little of their noise).
pub fn ab_cell(class: Class, delta: f64, rounds: usize, trials: usize, seed: u64) -> Rates {
    ab_sequential_cell(class, delta, (rounds, rounds, rounds), trials, seed).0
}

/// Sequential A/B mode (what `benchgate ab` does by default): `min` rounds, then batches of
/// `batch` more while [`undecided`] says the metric needs them, up to `max`; the verdict uses
/// every round measured. Also returns the mean number of rounds used.
pub fn ab_sequential_cell(
    class: Class,
    delta: f64,
    (min, batch, max): (usize, usize, usize),
    trials: usize,
    seed: u64,
) -> (Rates, f64) {
    let config = Config::default();
    let policy = config.history;
    let rule = time_rule(&config);
    let thresholds = (rule.warning.relative, rule.critical.relative);
    let mut g = Gen::new(seed);
    let (mut w, mut c, mut rounds_used) = (0, 0, 0usize);
    for _ in 0..trials {
        let (mut base, mut head) = (Vec::new(), Vec::new());
        let add = |g: &mut Gen, n: usize, base: &mut Vec<f64>, head: &mut Vec<f64>| {
            for _ in 0..n {
                let eta = g.eta(class.sb);
                base.push(g.run(0.0, eta, class.sw, 20).value);
                let eta = g.eta(class.sb);
                head.push(g.run(delta, eta, class.sw, 20).value);
            }
        };
        add(&mut g, min, &mut base, &mut head);
        while base.len() < max
            && undecided(&base, &head, Direction::LowerIsBetter, thresholds, &policy)
        {
            add(&mut g, batch.min(max - base.len()), &mut base, &mut head);
        }
        rounds_used += base.len();
        let f = benchgate_ab(&base, &head, &policy, &config);
        w += usize::from(f.warn);
        c += usize::from(f.critical);
    }
    (
        Rates {
            warn: w as f64 / trials as f64,
            critical: c as f64 / trials as f64,
        },
        rounds_used as f64 / trials as f64,
    )
}

/// What the suite evaluation measured.
#[derive(Debug, Clone, Default)]
pub struct SuiteResult {
    /// Unchanged PRs that failed (any critical).
    pub false_fail: f64,
    /// Unchanged PRs that failed after the confirmation re-run of their critical benchmarks.
    pub false_fail_confirmed: f64,
    /// Changed PRs that failed after the confirmation re-run.
    pub changed_fail_confirmed: f64,
    /// Changed PRs that failed.
    pub changed_fail: f64,
    /// Injected regressions flagged critical, per size.
    pub detected: Vec<(f64, f64)>,
    /// PRs in which an environment shift was reported.
    pub shift_reported: f64,
}

/// A suite of `benchmarks` sharing one machine: η = a job-wide part (shared by every benchmark
/// of a run, with the bad-runner shift) + a per-benchmark part of half its size. The history is
/// main's 20 runs; each PR is one more run; changed PRs carry 5 regressions each of 5%, 10%, 20%.
pub fn suite(
    class: Class,
    benchmarks: usize,
    unchanged: usize,
    changed: usize,
    seed: u64,
) -> SuiteResult {
    let config = Config::default();
    let policy = config.history;
    let rule = time_rule(&config);
    let unit = Unit::Nanoseconds;
    let mut g = Gen::new(seed);
    let job = |g: &mut Gen| g.eta(class.sb);
    let own = Normal::new(0.0, class.sb / 2.0).expect("sd");
    let mut histories: Vec<Vec<SimRun>> = vec![Vec::new(); benchmarks];
    for _ in 0..20 {
        let j = job(&mut g);
        for h in histories.iter_mut() {
            let e = j + own.sample(&mut g.rng);
            h.push(g.run(0.0, e, class.sw, 100));
        }
    }
    // As `compare` does: each past run's common shift, over the benchmarks judged, is taken
    // out of their history; the run's own shift is estimated from the same benchmarks.
    let judge = |subset: &[usize], runs: &[SimRun]| -> Judgement {
        let matrix: Vec<Vec<Option<f64>>> = subset
            .iter()
            .map(|&b| histories[b].iter().map(|r| Some(r.value.ln())).collect())
            .collect();
        let offsets = history_offsets(&matrix, 20).unwrap_or_else(|| vec![0.0; 20]);
        let observations: Vec<Vec<Observation>> = subset
            .iter()
            .map(|&b| {
                histories[b]
                    .iter()
                    .zip(&offsets)
                    .map(|(r, o)| {
                        let f = (-o).exp();
                        Observation {
                            value: r.value * f,
                            ci: Some(Interval {
                                lower: r.ci.lower * f,
                                upper: r.ci.upper * f,
                                level: r.ci.level,
                            }),
                            counts: None,
                        }
                    })
                    .collect()
            })
            .collect();
        let samples: Vec<Vec<f64>> = subset
            .iter()
            .map(|&b| runs[b].logs.iter().map(|l| l.exp()).collect())
            .collect();
        let items: Vec<Item> = subset
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                let r = &runs[b];
                let q = Question {
                    current: Observation {
                        value: r.value,
                        ci: Some(r.ci),
                        counts: None,
                    },
                    samples: Some(&samples[i]),
                    history: &observations[i],
                    direction: Direction::LowerIsBetter,
                    unit: &unit,
                    rule: &rule,
                    policy: &policy,
                };
                Item {
                    evidence: HistoryMethod.evidence(&q),
                    current: r.value,
                    current_ci: Some(r.ci),
                    direction: Direction::LowerIsBetter,
                    unit: &unit,
                    rule: &rule,
                    environment: Environment::Estimates,
                }
            })
            .collect();
        judge_run(&items)
    };
    let everything: Vec<usize> = (0..benchmarks).collect();
    let sizes = [0.05, 0.10, 0.20];
    let mut result = SuiteResult::default();
    let (mut fails_unchanged, mut fails_changed, mut shifts) = (0, 0, 0);
    let (mut confirmed_unchanged, mut confirmed_changed) = (0, 0);
    let mut detected = [0usize; 3];
    for pr in 0..unchanged + changed {
        let is_changed = pr >= unchanged;
        let mut deltas = vec![0.0; benchmarks];
        if is_changed {
            let mut placed = 0;
            while placed < 15 {
                let b = g.pick(benchmarks);
                if deltas[b] == 0.0 {
                    deltas[b] = sizes[placed / 5];
                    placed += 1;
                }
            }
        }
        let j = job(&mut g);
        let mut runs: Vec<SimRun> = deltas
            .iter()
            .map(|d| {
                let e = j + own.sample(&mut g.rng);
                g.run(*d, e, class.sw, 100)
            })
            .collect();
        let judged = judge(&everything, &runs);
        shifts += usize::from(judged.shift.is_some());
        let first = &judged.assessments;
        let flagged: Vec<usize> = (0..benchmarks)
            .filter(|b| first[*b].status == Status::Critical)
            .collect();
        let failed = !flagged.is_empty();
        // Confirmation, as `compare --confirm` does: the critical benchmarks and 20 reference
        // benchmarks run again in a new job, and only they are judged again, up to twice.
        let unflagged: Vec<usize> = everything
            .iter()
            .copied()
            .filter(|b| !flagged.contains(b))
            .collect();
        let references: Vec<usize> = (0..20)
            .map(|i| unflagged[i * unflagged.len() / 20])
            .collect();
        let mut reruns: Vec<std::collections::HashMap<usize, Assessment>> = Vec::new();
        let mut wanted = flagged.clone();
        let mut confirmed = false;
        while !wanted.is_empty() && reruns.len() < confirm::MAX_RERUNS {
            let subset: Vec<usize> = wanted.iter().chain(&references).copied().collect();
            let jr = job(&mut g);
            for &b in &subset {
                let e = jr + own.sample(&mut g.rng);
                runs[b] = g.run(deltas[b], e, class.sw, 100);
            }
            reruns.push(
                subset
                    .iter()
                    .copied()
                    .zip(judge(&subset, &runs).assessments)
                    .collect(),
            );
            let mut pending = Vec::new();
            for &b in &flagged {
                let found: Vec<Option<&Assessment>> = reruns.iter().map(|r| r.get(&b)).collect();
                match confirm::outcome(&first[b], &found, rule.critical.relative) {
                    confirm::Outcome::Confirmed(_) | confirm::Outcome::Unmeasured(_) => {
                        confirmed = true
                    }
                    confirm::Outcome::Pending => pending.push(b),
                    confirm::Outcome::NotReproduced(_) => {}
                }
            }
            wanted = pending;
        }
        if is_changed {
            fails_changed += usize::from(failed);
            confirmed_changed += usize::from(confirmed);
            for (b, a) in judged.assessments.iter().enumerate() {
                if let Some(k) = sizes.iter().position(|s| *s == deltas[b]) {
                    detected[k] += usize::from(a.status == Status::Critical);
                }
            }
        } else {
            fails_unchanged += usize::from(failed);
            confirmed_unchanged += usize::from(confirmed);
        }
    }
    result.false_fail = fails_unchanged as f64 / unchanged.max(1) as f64;
    result.changed_fail = fails_changed as f64 / changed.max(1) as f64;
    result.false_fail_confirmed = confirmed_unchanged as f64 / unchanged.max(1) as f64;
    result.changed_fail_confirmed = confirmed_changed as f64 / changed.max(1) as f64;
    result.detected = sizes
        .iter()
        .zip(detected)
        .map(|(s, d)| (*s, d as f64 / (5 * changed.max(1)) as f64))
        .collect();
    result.shift_reported = shifts as f64 / (unchanged + changed).max(1) as f64;
    result
}

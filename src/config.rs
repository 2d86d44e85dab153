//! The threshold policy (`benchgate.toml`): warning and critical limits per metric kind, overrides
//! per benchmark glob, and the history window.

use std::collections::BTreeMap;
use std::fmt;

use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Result};
use crate::model::{MetricKind, Unit};

/// A limit on how much worse a metric may get: a relative change, optionally combined with an
/// absolute floor in the metric's unit and, for rates, a floor in percentage points. Every part
/// must be reached for the limit to be crossed (`+10% and 2ms`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    /// Fraction, e.g. 0.10 for 10%.
    pub relative: f64,
    pub absolute: Option<Quantity>,
    /// Percentage points, for metrics in percent or ratio.
    pub points: Option<f64>,
}

/// An absolute amount with the dimension it was written in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    /// Nanoseconds.
    Time(f64),
    Bytes(f64),
    /// In whatever unit the metric has.
    Plain(f64),
}

impl Threshold {
    const fn relative(percent: f64) -> Self {
        Threshold {
            relative: percent / 100.0,
            absolute: None,
            points: None,
        }
    }

    /// Parses `+5%`, `-10%`, `10% and 2ms`, `5% and 0.1pp`. The sign only documents the direction:
    /// the metric's own direction decides what "worse" means.
    pub fn parse(text: &str) -> std::result::Result<Threshold, String> {
        let mut out = Threshold {
            relative: 0.0,
            absolute: None,
            points: None,
        };
        let mut seen_relative = false;
        for part in text.split(" and ") {
            let part = part.trim();
            let body = part.trim_start_matches(['+', '-']).trim();
            if let Some(n) = body.strip_suffix('%') {
                out.relative = number(n, part)? / 100.0;
                seen_relative = true;
            } else if let Some(n) = body.strip_suffix("pp") {
                out.points = Some(number(n, part)?);
            } else {
                out.absolute = Some(quantity(body).ok_or_else(|| {
                    format!(
                        "cannot read {part:?}: write a percentage (`10%`), percentage points \
                         (`0.5pp`) or an amount with a unit (`2ms`, `1MiB`)"
                    )
                })?);
            }
        }
        if !seen_relative {
            return Err(format!(
                "{text:?} has no relative part: write e.g. `10%` or `10% and 2ms`"
            ));
        }
        Ok(out)
    }

    /// The threshold with the sign of a worsening for a metric of this direction: `+10%` for
    /// times, `-10%` for throughput.
    pub fn signed(&self, direction: crate::model::Direction) -> String {
        match direction {
            crate::model::Direction::LowerIsBetter => format!("+{self}"),
            crate::model::Direction::HigherIsBetter => format!("-{self}"),
        }
    }

    /// The absolute floor in the metric's unit, when its dimension fits the metric.
    pub fn absolute_for(&self, unit: &Unit) -> Option<f64> {
        match (self.absolute?, unit) {
            (Quantity::Time(ns), Unit::Nanoseconds) => Some(ns),
            (Quantity::Bytes(b), Unit::Bytes) => Some(b),
            (Quantity::Plain(v), _) => Some(v),
            _ => None,
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", trim_number(self.relative * 100.0))?;
        match self.absolute {
            Some(Quantity::Time(ns)) => write!(f, " and {}", crate::report::format::duration(ns))?,
            Some(Quantity::Bytes(b)) => write!(f, " and {}", crate::report::format::bytes(b))?,
            Some(Quantity::Plain(v)) => write!(f, " and {}", trim_number(v))?,
            None => {}
        }
        if let Some(pp) = self.points {
            write!(f, " and {}pp", trim_number(pp))?;
        }
        Ok(())
    }
}

fn trim_number(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn number(text: &str, part: &str) -> std::result::Result<f64, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("cannot read {part:?} as a number"))?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("{part:?} must be a finite, non-negative amount"))
    }
}

fn quantity(text: &str) -> Option<Quantity> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (n, unit) = text.split_at(split);
    let n: f64 = n.parse().ok()?;
    if !n.is_finite() {
        return None;
    }
    let q = match unit.trim() {
        "" => Quantity::Plain(n),
        "ns" => Quantity::Time(n),
        "us" | "µs" => Quantity::Time(n * 1e3),
        "ms" => Quantity::Time(n * 1e6),
        "s" => Quantity::Time(n * 1e9),
        "B" => Quantity::Bytes(n),
        "KB" => Quantity::Bytes(n * 1e3),
        "MB" => Quantity::Bytes(n * 1e6),
        "GB" => Quantity::Bytes(n * 1e9),
        "KiB" => Quantity::Bytes(n * 1024.0),
        "MiB" => Quantity::Bytes(n * 1024.0 * 1024.0),
        "GiB" => Quantity::Bytes(n * 1024.0 * 1024.0 * 1024.0),
        _ => return None,
    };
    Some(q)
}

/// Warning and critical limits for one metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    pub warning: Threshold,
    pub critical: Threshold,
}

/// How much history counts and how much noise is assumed at least.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryPolicy {
    /// Newest runs kept in the baseline file.
    pub max_runs: usize,
    /// Runs older than this (counted back from the newest run) are dropped.
    pub max_age_days: u32,
    /// Below this many runs a verdict is marked low-confidence.
    pub min_runs: usize,
    /// The least run-to-run spread assumed, as a fraction: no history is quieter than this.
    pub noise_floor: f64,
    /// The run-to-run noise assumed while the history is too short to measure it, as a fraction.
    pub unmeasured_noise: f64,
}

impl Default for HistoryPolicy {
    fn default() -> Self {
        HistoryPolicy {
            max_runs: 30,
            max_age_days: 30,
            min_runs: 5,
            noise_floor: 0.01,
            unmeasured_noise: 0.15,
        }
    }
}

/// A per-benchmark exception to the kind's rule.
#[derive(Debug, Clone)]
pub struct Override {
    pub pattern: String,
    matcher: GlobMatcher,
    pub kind: Option<MetricKind>,
    pub warning: Option<Threshold>,
    pub critical: Option<Threshold>,
}

/// Where production metrics come from, for `benchgate verify`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusConfig {
    /// The server's base URL, e.g. `http://prometheus:9090`.
    pub url: String,
    /// The current window, in seconds (default 1 hour).
    pub window: u64,
    /// The baseline period before the window, in seconds (default 7 days).
    pub baseline: u64,
    /// One baseline value per step, in seconds (default 1 hour).
    pub step: u64,
    pub queries: Vec<crate::ingest::prometheus::PromQuery>,
}

/// The whole policy.
#[derive(Debug, Clone)]
pub struct Config {
    pub rules: BTreeMap<MetricKind, Rule>,
    pub overrides: Vec<Override>,
    pub history: HistoryPolicy,
    pub prometheus: Option<PrometheusConfig>,
    /// Where the policy came from (a path, or "built-in defaults").
    pub source: String,
}

impl Default for Config {
    /// The defaults of the design's threshold table.
    fn default() -> Self {
        let rule = |w, c| Rule {
            warning: Threshold::relative(w),
            critical: Threshold::relative(c),
        };
        let rate = |w: f64, c: f64| Rule {
            warning: Threshold {
                points: Some(0.1),
                ..Threshold::relative(w)
            },
            critical: Threshold {
                points: Some(0.1),
                ..Threshold::relative(c)
            },
        };
        // Peak memory is nearly deterministic: a change must also be at least 1 MiB.
        let memory = Rule {
            warning: Threshold {
                absolute: Some(Quantity::Bytes(1024.0 * 1024.0)),
                ..Threshold::relative(10.0)
            },
            critical: Threshold {
                absolute: Some(Quantity::Bytes(1024.0 * 1024.0)),
                ..Threshold::relative(15.0)
            },
        };
        let rules = BTreeMap::from([
            (MetricKind::Time, rule(5.0, 10.0)),
            (MetricKind::Latency, rule(5.0, 10.0)),
            (MetricKind::Throughput, rule(5.0, 10.0)),
            (MetricKind::ErrorRate, rate(2.0, 5.0)),
            (MetricKind::Cpu, rule(10.0, 15.0)),
            (MetricKind::Memory, memory),
            (MetricKind::Custom, rule(5.0, 10.0)),
        ]);
        Config {
            rules,
            overrides: Vec::new(),
            history: HistoryPolicy::default(),
            prometheus: None,
            source: "built-in defaults".to_string(),
        }
    }
}

impl Config {
    /// The rule that applies to a metric: its kind's, then each matching override in file order.
    pub fn rule_for(&self, kind: MetricKind, benchmark: &str) -> Rule {
        let mut rule = self.rules[&kind];
        for o in &self.overrides {
            if o.kind.is_some_and(|k| k != kind) || !o.matcher.is_match(benchmark) {
                continue;
            }
            if let Some(w) = o.warning {
                rule.warning = w;
            }
            if let Some(c) = o.critical {
                rule.critical = c;
            }
        }
        rule
    }

    /// Parses a `benchgate.toml`. `name` is the path shown in messages.
    pub fn parse(name: &str, text: &str) -> Result<Config> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| Error::Config {
            path: name.to_string(),
            line: e.span().map(|s| line_of(text, s.start)),
            message: e.message().trim().to_string(),
            hint: Some("see the configuration reference in README.md".into()),
        })?;
        let err = |span: std::ops::Range<usize>, message: String| Error::Config {
            path: name.to_string(),
            line: Some(line_of(text, span.start)),
            message,
            hint: None,
        };
        let threshold =
            |s: &Spanned<String>| Threshold::parse(s.get_ref()).map_err(|m| err(s.span(), m));
        let mut config = Config {
            source: name.to_string(),
            ..Config::default()
        };
        for (kind_name, raw_rule) in &raw.thresholds {
            let kind = parse_kind(kind_name, &err)?;
            let rule = config
                .rules
                .get_mut(&kind)
                .expect("every kind has a default rule");
            if let Some(w) = &raw_rule.warning {
                rule.warning = threshold(w)?;
            }
            if let Some(c) = &raw_rule.critical {
                rule.critical = threshold(c)?;
            }
            check_order(
                rule,
                raw_rule.critical.as_ref().or(raw_rule.warning.as_ref()),
                &err,
            )?;
        }
        for raw_override in &raw.overrides {
            let pattern = &raw_override.benchmarks;
            let matcher = Glob::new(pattern.get_ref())
                .map_err(|e| err(pattern.span(), format!("bad glob: {e}")))?
                .compile_matcher();
            let kind = match &raw_override.kind {
                Some(k) => Some(parse_kind(k, &err)?),
                None => None,
            };
            let o = Override {
                pattern: pattern.get_ref().clone(),
                matcher,
                kind,
                warning: raw_override.warning.as_ref().map(threshold).transpose()?,
                critical: raw_override.critical.as_ref().map(threshold).transpose()?,
            };
            if let (Some(w), Some(c)) = (o.warning, o.critical) {
                check_order(
                    &Rule {
                        warning: w,
                        critical: c,
                    },
                    raw_override.critical.as_ref(),
                    &err,
                )?;
            }
            config.overrides.push(o);
        }
        if let Some(h) = raw.history {
            let policy = &mut config.history;
            if let Some(n) = h.max_runs {
                if *n.get_ref() == 0 {
                    return Err(err(n.span(), "max_runs must be at least 1".into()));
                }
                policy.max_runs = *n.get_ref();
            }
            if let Some(d) = h.max_age_days {
                policy.max_age_days = *d.get_ref();
            }
            if let Some(n) = h.min_runs {
                policy.min_runs = *n.get_ref();
            }
            if let Some(f) = &h.noise_floor {
                let t = Threshold::parse(f.get_ref()).map_err(|m| err(f.span(), m))?;
                policy.noise_floor = t.relative;
            }
            if let Some(f) = &h.unmeasured_noise {
                let t = Threshold::parse(f.get_ref()).map_err(|m| err(f.span(), m))?;
                policy.unmeasured_noise = t.relative;
            }
        }
        if let Some(p) = raw.prometheus {
            config.prometheus = Some(prometheus(p, &err)?);
        }
        Ok(config)
    }
}

fn prometheus(
    p: RawPrometheus,
    err: &impl Fn(std::ops::Range<usize>, String) -> Error,
) -> Result<PrometheusConfig> {
    use crate::ingest::generic::{default_direction, default_kind, unit};
    use crate::ingest::prometheus::{PromQuery, duration_seconds};
    let dur = |d: &Option<Spanned<String>>, default: u64| match d {
        Some(s) => duration_seconds(s.get_ref()).ok_or_else(|| {
            err(
                s.span(),
                format!("{:?} is not a duration like 30s, 5m, 1h or 7d", s.get_ref()),
            )
        }),
        None => Ok(default),
    };
    let mut queries = Vec::new();
    for q in p.query {
        let (u, factor) = unit(q.unit.get_ref());
        let kind = match &q.kind {
            Some(k) => parse_kind(k, err)?,
            None => default_kind(&u),
        };
        let direction = match &q.direction {
            Some(d) => match d.get_ref().as_str() {
                "lower_is_better" => crate::model::Direction::LowerIsBetter,
                "higher_is_better" => crate::model::Direction::HigherIsBetter,
                other => {
                    return Err(err(
                        d.span(),
                        format!("direction {other:?} must be lower_is_better or higher_is_better"),
                    ));
                }
            },
            None => default_direction(kind).ok_or_else(|| {
                err(
                    q.unit.span(),
                    format!(
                        "unit {:?} says nothing about which way is better: add `direction`",
                        q.unit.get_ref()
                    ),
                )
            })?,
        };
        queries.push(PromQuery {
            benchmark: q.benchmark,
            statistic: q.statistic,
            kind,
            unit: u,
            factor,
            direction,
            expr: q.query,
        });
    }
    Ok(PrometheusConfig {
        url: p.url.trim_end_matches('/').to_string(),
        window: dur(&p.window, 3600)?,
        baseline: dur(&p.baseline, 7 * 86_400)?,
        step: dur(&p.step, 3600)?,
        queries,
    })
}

fn check_order(
    rule: &Rule,
    at: Option<&Spanned<String>>,
    err: &impl Fn(std::ops::Range<usize>, String) -> Error,
) -> Result<()> {
    if rule.warning.relative > rule.critical.relative {
        let span = at.map(Spanned::span).unwrap_or(0..0);
        return Err(err(
            span,
            format!(
                "warning threshold {} is larger than critical threshold {}",
                rule.warning, rule.critical
            ),
        ));
    }
    Ok(())
}

/// A metric kind named in the file, or an error at its place listing the kinds there are.
fn parse_kind(
    name: &Spanned<String>,
    err: &impl Fn(std::ops::Range<usize>, String) -> Error,
) -> Result<MetricKind> {
    MetricKind::parse(name.get_ref()).ok_or_else(|| {
        err(
            name.span(),
            format!(
                "unknown metric kind {:?}: use one of {}",
                name.get_ref(),
                MetricKind::ALL.map(MetricKind::as_str).join(", ")
            ),
        )
    })
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    thresholds: BTreeMap<Spanned<String>, RawRule>,
    #[serde(default, rename = "override")]
    overrides: Vec<RawOverride>,
    #[serde(default)]
    history: Option<RawHistory>,
    #[serde(default)]
    prometheus: Option<RawPrometheus>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrometheus {
    url: String,
    window: Option<Spanned<String>>,
    baseline: Option<Spanned<String>>,
    step: Option<Spanned<String>>,
    #[serde(default)]
    query: Vec<RawQuery>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuery {
    benchmark: String,
    statistic: String,
    unit: Spanned<String>,
    kind: Option<Spanned<String>>,
    direction: Option<Spanned<String>>,
    query: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    warning: Option<Spanned<String>>,
    critical: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    benchmarks: Spanned<String>,
    kind: Option<Spanned<String>>,
    warning: Option<Spanned<String>>,
    critical: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    max_runs: Option<Spanned<usize>>,
    max_age_days: Option<Spanned<u32>>,
    min_runs: Option<Spanned<usize>>,
    noise_floor: Option<Spanned<String>>,
    unmeasured_noise: Option<Spanned<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_relative_absolute_and_points() {
        let t = Threshold::parse("+10% and 2ms").expect("parses");
        assert_eq!(t.relative, 0.10);
        assert_eq!(t.absolute, Some(Quantity::Time(2e6)));
        assert_eq!(t.absolute_for(&Unit::Nanoseconds), Some(2e6));
        assert_eq!(t.absolute_for(&Unit::Bytes), None);
        let t = Threshold::parse("-5% and 0.5pp").expect("parses");
        assert_eq!((t.relative, t.points), (0.05, Some(0.5)));
        assert!(Threshold::parse("2ms").is_err());
        assert!(Threshold::parse("ten%").is_err());
        assert_eq!(
            Threshold::parse("10% and 1MiB")
                .expect("parses")
                .to_string(),
            "10% and 1 MiB"
        );
    }

    #[test]
    fn defaults_follow_the_design_table() {
        let c = Config::default();
        assert_eq!(c.rules[&MetricKind::Time].critical.relative, 0.10);
        assert_eq!(c.rules[&MetricKind::Memory].warning.relative, 0.10);
        assert_eq!(c.rules[&MetricKind::ErrorRate].critical.points, Some(0.1));
    }

    #[test]
    fn overrides_apply_by_glob_and_kind() {
        let c = Config::parse(
            "b.toml",
            "[thresholds.time]\ncritical = \"20%\"\n\n[[override]]\nbenchmarks = \"parse/*\"\nkind = \"time\"\nwarning = \"8%\"\ncritical = \"30%\"\n",
        )
        .expect("parses");
        let parse = c.rule_for(MetricKind::Time, "parse/csv_ints/64");
        let hash = c.rule_for(MetricKind::Time, "hash/djb2");
        assert_eq!(
            (parse.warning.relative, parse.critical.relative),
            (0.08, 0.30)
        );
        assert_eq!(
            (hash.warning.relative, hash.critical.relative),
            (0.05, 0.20)
        );
        // The kind filter: a throughput metric of the same name keeps the kind's rule.
        assert_eq!(
            c.rule_for(MetricKind::Throughput, "parse/csv_ints/64")
                .critical
                .relative,
            0.10
        );
    }

    #[test]
    fn the_documented_example_parses_and_matches_the_defaults() {
        let c = Config::parse(
            "examples/benchgate.toml",
            include_str!("../examples/benchgate.toml"),
        )
        .expect("the example is valid");
        let d = Config::default();
        for kind in MetricKind::ALL {
            assert_eq!(c.rules[&kind], d.rules[&kind], "{kind}");
        }
        assert_eq!(c.history, d.history);
        assert_eq!(c.overrides.len(), 1);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = Config::parse("b.toml", "[thresholds.time]\nwarnign = \"5%\"\n").expect_err("typo");
        assert!(
            e.to_string()
                .starts_with("b.toml:2: unknown field `warnign`"),
            "{e}"
        );
        let e =
            Config::parse("b.toml", "\n[thresholds.latency]\ncritical = \"x\"\n").expect_err("bad");
        assert!(e.to_string().starts_with("b.toml:3: "), "{e}");
        let e =
            Config::parse("b.toml", "[thresholds.speed]\ncritical = \"5%\"\n").expect_err("kind");
        assert!(
            e.to_string().contains("unknown metric kind \"speed\""),
            "{e}"
        );
        let e =
            Config::parse("b.toml", "[thresholds.time]\nwarning = \"20%\"\n").expect_err("order");
        assert!(e.to_string().contains("larger than critical"), "{e}");
    }
}

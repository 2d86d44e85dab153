//! The report's view model: plain data with every number already formatted, so templates only
//! lay it out. Everything here is computed from the comparison; nothing is canned.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::compare::{Comparison, Row, Status, Verdict};
use crate::config::Config;
use crate::model::{Direction, MetricKind, RunMeta};

use super::format;

/// What the report needs besides the comparison.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub comparison: &'a Comparison,
    pub config: &'a Config,
    pub current: &'a RunMeta,
    pub baseline: Option<BaselineInfo>,
    pub generated_at: DateTime<Utc>,
    pub tool_version: &'a str,
    /// Where the full report can be found, for the PR comment's footer.
    pub report_link: Option<String>,
}

/// Facts about the baseline file the comparison used.
#[derive(Debug, Clone)]
pub struct BaselineInfo {
    pub source: String,
    pub id: String,
    pub runs: usize,
    pub oldest: Option<DateTime<Utc>>,
    pub newest: Option<DateTime<Utc>>,
    pub newest_commit: Option<String>,
    pub max_runs: usize,
    pub max_age_days: u32,
}

impl BaselineInfo {
    /// The facts of a baseline history read from `source`.
    pub fn of(source: String, b: &crate::baseline::Baseline) -> Self {
        BaselineInfo {
            source,
            id: b.id(),
            runs: b.runs.len(),
            oldest: b.oldest_time(),
            newest: b.newest_time(),
            newest_commit: b.runs.last().and_then(|r| r.meta.commit.clone()),
            max_runs: b.window.max_runs,
            max_age_days: b.window.max_age_days,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub verdict: &'static str,
    pub headline: String,
    pub status_line: String,
    pub generated_at: String,
    pub baseline_date: String,
    pub commit: String,
    pub branch: String,
    pub summary: Vec<String>,
    pub notes: Vec<String>,
    pub counts: Vec<CountView>,
    pub counts_line: String,
    pub method: String,
    pub pipeline: Vec<String>,
    pub steps: Vec<String>,
    pub thresholds: Vec<ThresholdView>,
    pub overrides: Vec<OverrideView>,
    pub baseline_metrics: Vec<BaselineMetricView>,
    pub current_metrics: Vec<CurrentMetricView>,
    pub categories: Vec<CategoryView>,
    pub flagged: Vec<RowView>,
    pub others: Vec<RowView>,
    pub history: HistoryView,
    pub recommendations: Vec<RecommendationView>,
    pub baseline_advice: Vec<String>,
    pub audit: Vec<AuditView>,
    pub report_link: Option<String>,
    pub version: String,
    pub others_count: usize,
    /// Trend charts (SVG) of the warning, critical and improved metrics.
    pub charts: Vec<ChartView>,
    /// Mermaid trend blocks of the top regressions, for the PR comment.
    pub mermaid: Vec<String>,
    /// Set in the short form: what was left out and where to find it.
    pub shortened: Option<String>,
}

/// The short form of a view for size-limited outputs: the `keep` most serious flagged rows,
/// no folded list of the others, no charts, and a sentence saying so.
pub fn shorten(view: &View, keep: usize) -> View {
    let mut v = view.clone();
    let dropped = v.flagged.len().saturating_sub(keep) + v.others.len();
    v.flagged.truncate(keep);
    v.others.clear();
    v.mermaid.truncate(1);
    if v.notes.len() > 10 {
        let more = v.notes.len() - 10;
        v.notes.truncate(10);
        v.notes
            .push(format!("{more} more note(s) in the full report."));
    }
    v.shortened = Some(format!(
        "Shortened to fit: {dropped} row(s) are only in the full report (report.md, report.html, report.json){}.",
        v.report_link
            .as_ref()
            .map_or_else(String::new, |l| format!(", at {l}"))
    ));
    v
}

#[derive(Debug, Clone, Serialize)]
pub struct ChartView {
    pub metric: String,
    pub status: &'static str,
    pub status_key: &'static str,
    pub change: String,
    pub reason: String,
    /// Built by benchgate; names inside are escaped.
    pub svg: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CountView {
    pub label: &'static str,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThresholdView {
    pub kind: &'static str,
    pub warning: String,
    pub critical: String,
    pub direction: &'static str,
    pub in_use: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverrideView {
    pub pattern: String,
    pub kind: String,
    pub warning: String,
    pub critical: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaselineMetricView {
    pub metric: String,
    pub kind: &'static str,
    pub value: String,
    pub spread: String,
    pub range: String,
    pub runs: usize,
    pub trend: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CurrentMetricView {
    pub metric: String,
    pub kind: &'static str,
    pub value: String,
    pub interval: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowView {
    pub metric: String,
    pub baseline: String,
    pub current: String,
    pub change: String,
    pub noise: String,
    pub status: &'static str,
    pub reason: String,
    /// Not acceptable: the reason is worth showing.
    pub flagged: bool,
    /// The status as a plain word, for filtering.
    pub status_key: &'static str,
    /// The change as a number, for sorting (absent for new and missing rows).
    pub change_value: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryView {
    pub number: usize,
    pub title: &'static str,
    pub rows: Vec<RowView>,
    pub analysis: String,
    pub trend: String,
    /// Why each row that is not acceptable got its status.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryView {
    pub period: String,
    pub runs: usize,
    pub events: Vec<EventView>,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub date: String,
    pub commit: String,
    pub metric: String,
    pub change: String,
    pub severity: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecommendationView {
    pub number: usize,
    pub title: String,
    pub details: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditView {
    pub item: &'static str,
    pub value: String,
}

fn date(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "unknown".into(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

fn short(commit: &Option<String>) -> String {
    commit
        .as_deref()
        .map_or_else(|| "unknown".into(), |c| c.chars().take(12).collect())
}

/// The name a report shows for a row.
pub fn metric_name(row: &Row) -> String {
    let mut name = String::new();
    if !row.suite.is_empty() {
        name.push_str(&row.suite);
        name.push_str(": ");
    }
    name.push_str(&row.benchmark);
    name.push_str(" · ");
    name.push_str(&row.statistic);
    name
}

fn row_view(row: &Row) -> RowView {
    let a = row.assessment.as_ref();
    RowView {
        metric: metric_name(row),
        baseline: a.map_or_else(
            || {
                row.history
                    .last()
                    .map_or_else(|| "—".into(), |v| format::value(*v, &row.unit))
            },
            |a| format::value(a.baseline, &row.unit),
        ),
        current: row
            .current
            .map_or_else(|| "—".into(), |v| format::value(v, &row.unit)),
        change: a.map_or_else(|| "—".into(), |a| format::change(a.change)),
        noise: a
            .and_then(|a| a.noise)
            .map_or_else(|| "—".into(), format::band),
        status: row.status.label(),
        reason: row.reason.clone(),
        flagged: is_flagged(row.status),
        status_key: row.status.as_str(),
        change_value: a.map(|a| a.change).filter(|c| c.is_finite()),
    }
}

fn is_flagged(status: Status) -> bool {
    !matches!(status, Status::Acceptable)
}

/// Builds the view of a comparison.
pub fn build(ctx: &Context<'_>) -> View {
    let c = ctx.comparison;
    let counts_map = c.counts();
    let counts: Vec<CountView> = Status::ALL
        .iter()
        .filter_map(|s| {
            counts_map.get(s).map(|&count| CountView {
                label: s.as_str(),
                count,
            })
        })
        .collect();
    let counts_line = counts
        .iter()
        .map(|c| format!("{} {}", c.count, c.label))
        .collect::<Vec<_>>()
        .join(" · ");
    let n = |s: Status| counts_map.get(&s).copied().unwrap_or(0);

    let (headline, status_line) = match c.verdict {
        Verdict::Critical => (
            format!("{} critical regression(s)", n(Status::Critical)),
            format!("🔴 Critical Regressions Detected ({})", n(Status::Critical)),
        ),
        Verdict::Warning => (
            format!("{} warning(s), no critical regression", n(Status::Warning)),
            format!(
                "🟡 Warnings ({}), No Critical Regressions",
                n(Status::Warning)
            ),
        ),
        Verdict::Pass if c.history_runs == 0 => (
            "no baseline yet, nothing compared".into(),
            "⚪ No Baseline Yet".into(),
        ),
        Verdict::Pass => ("no regressions".into(), "✅ No Regressions Detected".into()),
    };

    // The rows that need a look come first, most serious first; the stable sort keeps the
    // category order within a status.
    let mut flagged: Vec<&Row> = c.rows.iter().filter(|r| is_flagged(r.status)).collect();
    flagged.sort_by_key(|r| r.status);
    let flagged: Vec<RowView> = flagged.into_iter().map(row_view).collect();
    let others: Vec<RowView> = c
        .rows
        .iter()
        .filter(|r| !is_flagged(r.status))
        .map(row_view)
        .collect();
    let others_count = others.len();

    View {
        verdict: c.verdict.as_str(),
        headline,
        status_line,
        generated_at: date(Some(ctx.generated_at)),
        baseline_date: ctx
            .baseline
            .as_ref()
            .map_or_else(|| "none".into(), |b| date(b.newest)),
        commit: short(&ctx.current.commit),
        branch: ctx
            .current
            .branch
            .clone()
            .unwrap_or_else(|| "unknown".into()),
        summary: executive_summary(c),
        notes: c.notes.clone(),
        counts,
        counts_line,
        method: c.method.to_string(),
        pipeline: pipeline(ctx),
        steps: c.method_steps.clone(),
        thresholds: thresholds(ctx),
        overrides: ctx
            .config
            .overrides
            .iter()
            .map(|o| OverrideView {
                pattern: o.pattern.clone(),
                kind: o
                    .kind
                    .map_or_else(|| "any".into(), |k| k.title().to_string()),
                warning: o
                    .warning
                    .map_or_else(|| "(kind default)".into(), |t| t.to_string()),
                critical: o
                    .critical
                    .map_or_else(|| "(kind default)".into(), |t| t.to_string()),
            })
            .collect(),
        baseline_metrics: baseline_metrics(c),
        current_metrics: current_metrics(c),
        categories: categories(c),
        flagged,
        others,
        history: history(ctx),
        recommendations: recommendations(ctx),
        baseline_advice: baseline_advice(ctx),
        audit: audit(ctx),
        report_link: ctx.report_link.clone(),
        version: ctx.tool_version.to_string(),
        others_count,
        charts: charts(c),
        mermaid: mermaid(c),
        shortened: None,
    }
}

fn charts(c: &Comparison) -> Vec<ChartView> {
    let mut rows: Vec<&Row> = c
        .rows
        .iter()
        .filter(|r| {
            matches!(
                r.status,
                Status::Critical | Status::Warning | Status::Improved
            )
        })
        .collect();
    rows.sort_by_key(|r| r.status);
    rows.into_iter()
        .filter_map(|r| {
            let name = metric_name(r);
            let svg = super::svg::trend(r, &name)?;
            Some(ChartView {
                change: r
                    .assessment
                    .as_ref()
                    .map_or_else(|| "—".into(), |a| format::change(a.change)),
                metric: name,
                status: r.status.label(),
                status_key: r.status.as_str(),
                reason: r.reason.clone(),
                svg,
            })
        })
        .collect()
}

/// Mermaid charts of at most two regressions, the largest criticals first.
fn mermaid(c: &Comparison) -> Vec<String> {
    let mut rows: Vec<&Row> = c
        .rows
        .iter()
        .filter(|r| matches!(r.status, Status::Critical | Status::Warning))
        .collect();
    rows.sort_by(|a, b| {
        let size = |r: &Row| r.assessment.as_ref().map_or(0.0, |x| x.change.abs());
        a.status.cmp(&b.status).then(size(b).total_cmp(&size(a)))
    });
    // One chart a benchmark: its throughput tells the same story as its time.
    let mut seen = std::collections::BTreeSet::new();
    rows.into_iter()
        .filter(|r| seen.insert((r.suite.clone(), r.benchmark.clone())))
        .filter_map(|r| super::svg::mermaid(r, &metric_name(r), 20))
        .take(2)
        .collect()
}

fn executive_summary(c: &Comparison) -> Vec<String> {
    let mut out = Vec::new();
    let counts = c.counts();
    let n = |s: Status| counts.get(&s).copied().unwrap_or(0);
    let compared = c.rows.iter().filter(|r| r.assessment.is_some()).count();
    if c.history_runs == 0 {
        out.push(format!(
            "⚪ No baseline history: {} metric(s) recorded as new; nothing could regress.",
            c.rows.len()
        ));
        return out;
    }
    out.push(format!(
        "{} metric(s) compared with a baseline of {} run(s).",
        compared, c.history_runs
    ));
    let worst = |s: Status| {
        c.rows
            .iter()
            .filter(|r| r.status == s)
            .filter_map(|r| r.assessment.as_ref().map(|a| (r, a.change)))
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
    };
    match worst(Status::Critical) {
        Some((r, ch)) => out.push(format!(
            "🔴 {} critical regression(s); the largest: {} {}.",
            n(Status::Critical),
            metric_name(r),
            format::change(ch)
        )),
        None => out.push("✅ No critical regressions.".into()),
    }
    if let Some((r, ch)) = worst(Status::Warning) {
        out.push(format!(
            "🟡 {} warning(s); the largest: {} {}.",
            n(Status::Warning),
            metric_name(r),
            format::change(ch)
        ));
    }
    if let Some((r, ch)) = worst(Status::Improved) {
        out.push(format!(
            "🟢 {} improvement(s); the largest: {} {}.",
            n(Status::Improved),
            metric_name(r),
            format::change(ch)
        ));
    }
    if n(Status::Inconclusive) > 0 {
        out.push(format!(
            "⚪ {} metric(s) too noisy to judge at their critical threshold.",
            n(Status::Inconclusive)
        ));
    }
    if n(Status::Acceptable) > 0 {
        out.push(format!(
            "✅ {} metric(s) within thresholds and noise.",
            n(Status::Acceptable)
        ));
    }
    if n(Status::New) + n(Status::Missing) > 0 {
        out.push(format!(
            "{} new and {} missing metric(s) compared with the baseline.",
            n(Status::New),
            n(Status::Missing)
        ));
    }
    out
}

fn pipeline(ctx: &Context<'_>) -> Vec<String> {
    let window = ctx.baseline.as_ref().map_or_else(
        || {
            format!(
                "(no history yet; window {} runs / {} days)",
                ctx.config.history.max_runs, ctx.config.history.max_age_days
            )
        },
        |b| {
            format!(
                "(median of {} runs; window {} runs / {} days)",
                b.runs, b.max_runs, b.max_age_days
            )
        },
    );
    let inputs = ctx
        .current
        .sources
        .iter()
        .map(|s| s.format.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let boxes = [
        ("Baseline History".to_string(), window),
        (
            "Current Run Ingest".to_string(),
            format!(
                "({})",
                if inputs.is_empty() {
                    "no inputs".into()
                } else {
                    inputs
                }
            ),
        ),
        (
            "Statistical Comparison".to_string(),
            "(log-scale change vs run-to-run noise)".into(),
        ),
        (
            "Regression Classification".to_string(),
            "(critical / warning / acceptable / ...)".into(),
        ),
        (
            "Verdict & Report".to_string(),
            "(exit code, PR comment, artifacts)".into(),
        ),
    ];
    let width = boxes
        .iter()
        .map(|(a, b)| a.chars().count().max(b.chars().count()))
        .max()
        .unwrap_or(0)
        + 4;
    let mut lines = Vec::new();
    for (i, (title, sub)) in boxes.iter().enumerate() {
        let pad = |s: &str| format!("│  {s}{}│", " ".repeat(width - 2 - s.chars().count()));
        lines.push(format!("┌{}┐", "─".repeat(width)));
        lines.push(pad(title));
        lines.push(pad(sub));
        if i + 1 < boxes.len() {
            let mid = width / 2;
            lines.push(format!(
                "└{}┬{}┘",
                "─".repeat(mid),
                "─".repeat(width - mid - 1)
            ));
            lines.push(format!(" {}│", " ".repeat(mid)));
            lines.push(format!(" {}▼", " ".repeat(mid)));
        } else {
            lines.push(format!("└{}┘", "─".repeat(width)));
        }
    }
    lines
}

fn thresholds(ctx: &Context<'_>) -> Vec<ThresholdView> {
    let used: Vec<MetricKind> = ctx.comparison.rows.iter().map(|r| r.kind).collect();
    MetricKind::ALL
        .iter()
        .map(|&kind| {
            let rule = ctx.config.rules[&kind];
            let (sign, direction) = match kind {
                MetricKind::Throughput => ("-", "higher is better"),
                _ => ("+", "lower is better"),
            };
            ThresholdView {
                kind: kind.title(),
                warning: format!("{sign}{}", rule.warning),
                critical: format!("{sign}{}", rule.critical),
                direction,
                in_use: used.contains(&kind),
            }
        })
        .collect()
}

fn baseline_metrics(c: &Comparison) -> Vec<BaselineMetricView> {
    c.rows
        .iter()
        .filter(|r| !r.history.is_empty())
        .map(|r| {
            let lo = r.history.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = r.history.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let a = r.assessment.as_ref();
            BaselineMetricView {
                metric: metric_name(r),
                kind: r.kind.title(),
                value: a.map_or_else(
                    || {
                        format::value(
                            crate::compare::stats::median(&r.history).unwrap_or(f64::NAN),
                            &r.unit,
                        )
                    },
                    |a| format::value(a.baseline, &r.unit),
                ),
                spread: a
                    .and_then(|a| a.spread)
                    .map_or_else(|| "—".into(), format::band),
                range: format!(
                    "{} – {}",
                    format::value(lo, &r.unit),
                    format::value(hi, &r.unit)
                ),
                runs: r.history.len(),
                trend: format::sparkline(&r.history),
            }
        })
        .collect()
}

fn current_metrics(c: &Comparison) -> Vec<CurrentMetricView> {
    c.rows
        .iter()
        .filter_map(|r| {
            let v = r.current?;
            Some(CurrentMetricView {
                metric: metric_name(r),
                kind: r.kind.title(),
                value: format::value(v, &r.unit),
                interval: r.current_ci.map_or_else(
                    || "—".into(),
                    |ci| {
                        format!(
                            "[{}, {}] ({:.0}%)",
                            format::value(ci.lower, &r.unit),
                            format::value(ci.upper, &r.unit),
                            ci.level * 100.0
                        )
                    },
                ),
            })
        })
        .collect()
}

fn categories(c: &Comparison) -> Vec<CategoryView> {
    let mut by_kind: BTreeMap<MetricKind, Vec<&Row>> = BTreeMap::new();
    for r in &c.rows {
        by_kind.entry(r.kind).or_default().push(r);
    }
    by_kind
        .into_iter()
        .enumerate()
        .map(|(i, (kind, rows))| CategoryView {
            number: i + 1,
            title: kind.title(),
            analysis: category_analysis(kind, &rows),
            trend: category_trend(&rows),
            reasons: rows
                .iter()
                .filter(|r| is_flagged(r.status))
                .map(|r| match &r.assessment {
                    Some(a) => format!("{}: {} (judged on {}).", metric_name(r), r.reason, a.basis),
                    None => format!("{}: {}.", metric_name(r), r.reason),
                })
                .collect(),
            rows: rows.into_iter().map(row_view).collect(),
        })
        .collect()
}

fn category_analysis(kind: MetricKind, rows: &[&Row]) -> String {
    let judged: Vec<(&Row, f64)> = rows
        .iter()
        .filter_map(|r| r.assessment.as_ref().map(|a| (*r, a.change)))
        .collect();
    if judged.is_empty() {
        return format!(
            "{} metric(s), none with history to compare against yet.",
            rows.len()
        );
    }
    let direction = rows[0].direction;
    let worse: Vec<f64> = judged
        .iter()
        .map(|(r, ch)| r.direction.worse_sign() * ch)
        .collect();
    let median = crate::compare::stats::median(&worse).unwrap_or(0.0);
    let (worst_row, worst_change) = judged
        .iter()
        .max_by(|a, b| {
            (a.0.direction.worse_sign() * a.1).total_cmp(&(b.0.direction.worse_sign() * b.1))
        })
        .map(|(r, ch)| (*r, *ch))
        .expect("judged is not empty");
    let verb = match (kind, direction) {
        (MetricKind::Time | MetricKind::Latency, _) => "slower",
        (_, Direction::HigherIsBetter) => "lower",
        (MetricKind::Custom, Direction::LowerIsBetter) => "worse",
        (_, Direction::LowerIsBetter) => "higher",
    };
    let mut counts: BTreeMap<Status, usize> = BTreeMap::new();
    for r in rows {
        *counts.entry(r.status).or_default() += 1;
    }
    let statuses = counts
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let typical = if median.abs() < 0.005 {
        "no typical change".to_string()
    } else {
        format!(
            "a typical change of {} ({})",
            format::change(direction.worse_sign() * median),
            if median > 0.0 { "worse" } else { "better" }
        )
    };
    format!(
        "{} of {} metric(s) compared: {statuses}; {typical}. The least favourable: {} at {} ({}).",
        judged.len(),
        rows.len(),
        metric_name(worst_row),
        format::change(worst_change),
        if worst_row.direction.worse_sign() * worst_change > 0.0 {
            verb
        } else {
            "no worse than baseline"
        }
    )
}

fn category_trend(rows: &[&Row]) -> String {
    let spreads: Vec<f64> = rows
        .iter()
        .filter_map(|r| r.assessment.as_ref().and_then(|a| a.spread))
        .collect();
    let Some(median) = crate::compare::stats::median(&spreads) else {
        return "Not enough history to measure run-to-run spread (3 runs needed).".into();
    };
    let max = spreads.iter().copied().fold(0.0, f64::max);
    let word = match median {
        m if m < 0.02 => "stable",
        m if m < 0.05 => "moderately noisy",
        _ => "noisy",
    };
    format!(
        "Run-to-run spread in the baseline history is {word}: median {}, widest {}.",
        format::band(median),
        format::band(max)
    )
}

fn history(ctx: &Context<'_>) -> HistoryView {
    let c = ctx.comparison;
    let period = match &ctx.baseline {
        Some(b) => match (b.oldest, b.newest) {
            (Some(o), Some(n)) => format!(
                "{} to {} ({} day(s))",
                o.format("%Y-%m-%d"),
                n.format("%Y-%m-%d"),
                (n - o).num_days()
            ),
            _ => "undated runs".into(),
        },
        None => "no history".into(),
    };
    let events: Vec<EventView> = c
        .events
        .iter()
        .take(20)
        .map(|e| EventView {
            date: date(e.timestamp),
            commit: short(&e.commit),
            metric: e.key.clone(),
            change: format::change(e.change),
            severity: e.status.label(),
        })
        .collect();
    let summary = if c.history_runs < 4 {
        format!(
            "{} run(s) of history: too few to replay (each run is judged against at least 3 earlier ones).",
            c.history_runs
        )
    } else if c.events.is_empty() {
        format!(
            "Zero regression events detected in {} baseline run(s) ✅",
            c.history_runs
        )
    } else {
        let critical = c
            .events
            .iter()
            .filter(|e| e.status == Status::Critical)
            .count();
        format!(
            "{} regression event(s) in {} baseline run(s) ({} critical, {} warning){}",
            c.events.len(),
            c.history_runs,
            critical,
            c.events.len() - critical,
            if c.events.len() > events.len() {
                "; the 20 newest are listed"
            } else {
                ""
            }
        )
    };
    HistoryView {
        period,
        runs: c.history_runs,
        events,
        summary,
    }
}

fn names(rows: &[&Row], limit: usize) -> String {
    let mut list: Vec<String> = rows.iter().take(limit).map(|r| metric_name(r)).collect();
    if rows.len() > limit {
        list.push(format!("and {} more", rows.len() - limit));
    }
    list.join(", ")
}

fn recommendations(ctx: &Context<'_>) -> Vec<RecommendationView> {
    let c = ctx.comparison;
    let of = |s: Status| c.rows.iter().filter(|r| r.status == s).collect::<Vec<_>>();
    let mut out = Vec::new();
    for r in of(Status::Critical) {
        let a = r.assessment.as_ref();
        out.push(RecommendationView {
            number: 0,
            title: format!("Investigate the critical regression in {}", metric_name(r)),
            details: vec![
                format!(
                    "{} → {} ({}), past the critical threshold of {}{}.",
                    a.map_or_else(|| "—".into(), |a| format::value(a.baseline, &r.unit)),
                    r.current.map_or_else(|| "—".into(), |v| format::value(v, &r.unit)),
                    a.map_or_else(|| "—".into(), |a| format::change(a.change)),
                    r.rule.critical.signed(r.direction),
                    a.and_then(|a| a.noise)
                        .map_or_else(String::new, |n| format!("; unchanged runs stay within {}", format::band(n)))
                ),
                "Re-run this benchmark locally on this branch and on main to confirm, then profile the code paths the change touches.".into(),
                "If the cost is intended, say so in the pull request; once merged, the baseline update makes it the new reference.".into(),
            ],
        });
    }
    let warnings = of(Status::Warning);
    if !warnings.is_empty() {
        out.push(RecommendationView {
            number: 0,
            title: format!("Review {} warning(s)", warnings.len()),
            details: vec![
                format!("Past the warning threshold: {}.", names(&warnings, 5)),
                "Warnings do not fail the check; they are worth a look before merging.".into(),
            ],
        });
    }
    let inconclusive = of(Status::Inconclusive);
    if !inconclusive.is_empty() {
        let widest = inconclusive
            .iter()
            .filter_map(|r| r.assessment.as_ref().and_then(|a| a.noise))
            .fold(0.0, f64::max);
        out.push(RecommendationView {
            number: 0,
            title: format!("Reduce noise in {} metric(s)", inconclusive.len()),
            details: vec![
                format!(
                    "{}: their history varies so much (noise band up to {}) that a regression at the critical threshold would not be told from noise.",
                    names(&inconclusive, 5),
                    format::band(widest)
                ),
                "Longer measurement times, a quieter or dedicated runner, or more baseline runs narrow the band.".into(),
            ],
        });
    }
    let missing = of(Status::Missing);
    if !missing.is_empty() {
        out.push(RecommendationView {
            number: 0,
            title: format!("Check {} missing metric(s)", missing.len()),
            details: vec![format!(
                "In the baseline but not in this run: {}. A removed or renamed benchmark is fine; a benchmark that failed to run is not.",
                names(&missing, 5)
            )],
        });
    }
    let new = of(Status::New);
    if !new.is_empty() && c.history_runs > 0 {
        out.push(RecommendationView {
            number: 0,
            title: format!("{} new metric(s) are not gated yet", new.len()),
            details: vec![format!(
                "{} will be compared once the baseline includes them, after merge and a baseline update.",
                names(&new, 5)
            )],
        });
    }
    let improved = of(Status::Improved);
    if !improved.is_empty() {
        out.push(RecommendationView {
            number: 0,
            title: format!("Keep the {} improvement(s)", improved.len()),
            details: vec![format!(
                "{} improved beyond the warning threshold and the noise; after merge the baseline update makes them the new reference, so a later loss of them is caught.",
                names(&improved, 5)
            )],
        });
    }
    if c.history_runs == 0 {
        out.push(RecommendationView {
            number: 0,
            title: "Start a baseline".into(),
            details: vec![
                "Run `benchgate baseline update --baseline FILE INPUT...` on every push to main (or nightly); comparisons begin with the first run and gain confidence from the fifth.".into(),
            ],
        });
    } else if c.history_runs < ctx.config.history.min_runs {
        out.push(RecommendationView {
            number: 0,
            title: "Grow the baseline".into(),
            details: vec![format!(
                "The history has {} run(s); {} or more measure run-to-run noise well. Until then verdicts are low confidence.",
                c.history_runs, ctx.config.history.min_runs
            )],
        });
    }
    if out.is_empty() {
        out.push(RecommendationView {
            number: 0,
            title: "No action required".into(),
            details: vec![format!(
                "All {} metric(s) are within their thresholds and the history's noise.",
                c.rows.len()
            )],
        });
    }
    for (i, r) in out.iter_mut().enumerate() {
        r.number = i + 1;
    }
    out
}

fn baseline_advice(ctx: &Context<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let Some(b) = &ctx.baseline else {
        out.push("No baseline file was found. Create one on main with `benchgate baseline create` or `benchgate baseline update`.".into());
        return out;
    };
    out.push(format!(
        "The baseline holds {} run(s) (window: {} runs, {} days).",
        b.runs, b.max_runs, b.max_age_days
    ));
    if let Some(newest) = b.newest {
        let age = (ctx.generated_at - newest).num_days();
        if age > 7 {
            out.push(format!(
                "Its newest run is {age} day(s) old: refresh it, or check that the main-branch update job runs."
            ));
        } else {
            out.push(format!(
                "Its newest run is {} day(s) old: fresh.",
                age.max(0)
            ));
        }
    }
    out.push("Update the baseline on every push to main (or nightly) so that merged changes become the reference.".into());
    if ctx
        .comparison
        .notes
        .iter()
        .any(|n| n.contains("machine differs"))
    {
        out.push("The machine changed: if that is permanent, start a new baseline on the new machine with `benchgate baseline create`.".into());
    }
    if ctx
        .comparison
        .rows
        .iter()
        .any(|r| r.status == Status::Improved)
    {
        out.push(
            "This change improves some metrics: after it merges, the update records the new level."
                .into(),
        );
    }
    out
}

fn audit(ctx: &Context<'_>) -> Vec<AuditView> {
    let mut out = vec![
        AuditView {
            item: "Report generated",
            value: date(Some(ctx.generated_at)),
        },
        AuditView {
            item: "benchgate version",
            value: ctx.tool_version.to_string(),
        },
        AuditView {
            item: "Commit",
            value: short(&ctx.current.commit),
        },
        AuditView {
            item: "Branch",
            value: ctx
                .current
                .branch
                .clone()
                .unwrap_or_else(|| "unknown".into()),
        },
        AuditView {
            item: "Testbed",
            value: ctx.current.testbed.describe(),
        },
        AuditView {
            item: "Inputs",
            value: if ctx.current.sources.is_empty() {
                "none".into()
            } else {
                ctx.current
                    .sources
                    .iter()
                    .map(|s| format!("{} ({})", s.path, s.format))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        },
        AuditView {
            item: "Thresholds from",
            value: ctx.config.source.clone(),
        },
        AuditView {
            item: "Method",
            value: ctx.comparison.method.to_string(),
        },
    ];
    if let Some(b) = &ctx.baseline {
        out.push(AuditView {
            item: "Baseline",
            value: format!("{} (id {})", b.source, b.id),
        });
        out.push(AuditView {
            item: "Baseline runs",
            value: format!("{} ({} to {})", b.runs, date(b.oldest), date(b.newest)),
        });
        out.push(AuditView {
            item: "Baseline newest commit",
            value: short(&b.newest_commit),
        });
    } else {
        out.push(AuditView {
            item: "Baseline",
            value: "none".into(),
        });
    }
    out
}

//! Renders a comparison: markdown report and PR comment through handlebars templates, JSON
//! through serde, and a plain-text terminal summary.

use std::collections::BTreeMap;

use handlebars::Handlebars;
use serde::Serialize;

use crate::compare::{Comparison, Status};
use crate::error::{Error, Result};

pub mod format;
pub mod svg;
pub mod view;

pub use view::{BaselineInfo, Context};

/// The most characters a GitHub comment (and the short forms generally) may have, with a
/// margin under GitHub's 65,536.
pub const COMMENT_LIMIT: usize = 60_000;

/// Schema tag of `report.json`.
pub const REPORT_SCHEMA: &str = "benchgate.report.v1";

/// The built-in markdown templates (users may override any of them from a directory).
const TEMPLATES: [(&str, &str); 3] = [
    ("report", include_str!("../../templates/report.md.hbs")),
    ("comment", include_str!("../../templates/comment.md.hbs")),
    ("summary", include_str!("../../templates/summary.md.hbs")),
];

/// The built-in HTML template: rendered with HTML escaping instead of markdown escaping.
const HTML_TEMPLATE: (&str, &str) = ("report", include_str!("../../templates/report.html.hbs"));

/// Where templates come from: the built-in set, with files from `dir` replacing it by name.
#[derive(Debug, Clone)]
pub struct Templates {
    overrides: BTreeMap<String, String>,
}

impl Templates {
    /// The built-in templates.
    pub fn builtin() -> Self {
        Templates {
            overrides: BTreeMap::new(),
        }
    }

    /// Built-in templates, replaced by `NAME.md.hbs` files given as (file name, text) pairs.
    pub fn with_overrides(files: BTreeMap<String, String>) -> Self {
        Templates { overrides: files }
    }

    /// The file names a template directory may hold.
    pub fn names() -> impl Iterator<Item = String> {
        TEMPLATES
            .iter()
            .map(|(name, _)| format!("{name}.md.hbs"))
            .chain(std::iter::once(format!("{}.html.hbs", HTML_TEMPLATE.0)))
    }

    fn html_registry(&self) -> Result<Handlebars<'static>> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        // The default escape function: HTML.
        let file = format!("{}.html.hbs", HTML_TEMPLATE.0);
        let text = self
            .overrides
            .get(&file)
            .map_or(HTML_TEMPLATE.1, String::as_str);
        hb.register_template_string("html", text)
            .map_err(|e| Error::Template {
                name: file.clone(),
                message: e.to_string(),
            })?;
        Ok(hb)
    }

    fn registry(&self) -> Result<Handlebars<'static>> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        // Every `{{value}}` is untrusted text in markdown; `{{{value}}}` is for text we built.
        hb.register_escape_fn(format::markdown_escape);
        for (name, builtin) in TEMPLATES {
            let file = format!("{name}.md.hbs");
            let text = self.overrides.get(&file).map_or(builtin, String::as_str);
            hb.register_template_string(name, text)
                .map_err(|e| Error::Template {
                    name: file.clone(),
                    message: e.to_string(),
                })?;
        }
        Ok(hb)
    }
}

/// The rendered outputs of one comparison.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub report: String,
    pub comment: String,
    pub summary: String,
    pub html: String,
    pub json: String,
}

/// Which outputs to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct Selection {
    pub report: bool,
    pub comment: bool,
    pub summary: bool,
    pub html: bool,
    pub json: bool,
}

impl Selection {
    pub const ALL: Selection = Selection {
        report: true,
        comment: true,
        summary: true,
        html: true,
        json: true,
    };
}

/// Renders every output in memory; nothing is written until all succeeded.
pub fn render(ctx: &Context<'_>, templates: &Templates) -> Result<Rendered> {
    render_selected(ctx, templates, Selection::ALL)
}

/// Renders the selected outputs (the others are left empty): a large suite costs only what is
/// asked for.
pub fn render_selected(
    ctx: &Context<'_>,
    templates: &Templates,
    want: Selection,
) -> Result<Rendered> {
    if !(want.report || want.comment || want.summary || want.html) {
        // Only the JSON, or nothing (a terminal run): no view model to build.
        return Ok(Rendered {
            report: String::new(),
            comment: String::new(),
            summary: String::new(),
            html: String::new(),
            json: if want.json { json(ctx) } else { String::new() },
        });
    }
    let view = view::build(ctx);
    let hb = templates.registry()?;
    let render_with = |name: &str, view: &view::View| {
        hb.render(name, view).map_err(|e| Error::Template {
            name: format!("{name}.md.hbs"),
            message: e.to_string(),
        })
    };
    let run = |name: &str| render_with(name, &view);
    // GitHub refuses comments and caps job summaries at 65,536 characters (and 1 MiB): a large
    // suite gets the short form, which keeps every critical and warning and says what it left out.
    let fit = |name: &str, limit: usize| -> Result<String> {
        let text = tidy(&render_with(name, &view)?);
        if text.chars().count() <= limit {
            return Ok(text);
        }
        let mut short = view::shorten(&view, 40);
        let mut text = tidy(&render_with(name, &short)?);
        while text.chars().count() > limit && short.flagged.len() > 5 {
            let keep = short.flagged.len() / 2;
            short = view::shorten(&view, keep);
            text = tidy(&render_with(name, &short)?);
        }
        Ok(text)
    };
    let html = if want.html {
        templates
            .html_registry()?
            .render("html", &view)
            .map_err(|e| Error::Template {
                name: "report.html.hbs".into(),
                message: e.to_string(),
            })?
    } else {
        String::new()
    };
    Ok(Rendered {
        report: if want.report {
            tidy(&run("report")?)
        } else {
            String::new()
        },
        comment: if want.comment {
            fit("comment", COMMENT_LIMIT)?
        } else {
            String::new()
        },
        summary: if want.summary {
            fit("summary", COMMENT_LIMIT)?
        } else {
            String::new()
        },
        html,
        json: if want.json { json(ctx) } else { String::new() },
    })
}

/// Collapses the blank-line runs that template conditionals leave behind.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.trim_start_matches('\n').to_string()
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    status: &'static str,
    generated_at: String,
    tool: JsonTool<'a>,
    commit: Option<&'a str>,
    branch: Option<&'a str>,
    baseline: Option<JsonBaseline<'a>>,
    counts: BTreeMap<&'static str, usize>,
    notes: &'a [String],
    metrics: Vec<JsonMetric<'a>>,
    history_events: Vec<JsonEvent<'a>>,
}

#[derive(Serialize)]
struct JsonTool<'a> {
    name: &'static str,
    version: &'a str,
    method: &'static str,
}

#[derive(Serialize)]
struct JsonBaseline<'a> {
    source: &'a str,
    id: &'a str,
    runs: usize,
    oldest: Option<String>,
    newest: Option<String>,
}

#[derive(Serialize)]
struct JsonMetric<'a> {
    key: &'a str,
    suite: &'a str,
    benchmark: &'a str,
    statistic: &'a str,
    kind: &'static str,
    unit: &'a str,
    direction: crate::model::Direction,
    status: Status,
    baseline: Option<f64>,
    current: Option<f64>,
    change: Option<f64>,
    noise: Option<f64>,
    spread: Option<f64>,
    p_value: Option<f64>,
    q_value: Option<f64>,
    low_confidence: bool,
    basis: Option<&'a str>,
    history_runs: usize,
    thresholds: JsonThresholds,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonThresholds {
    warning: String,
    critical: String,
}

#[derive(Serialize)]
struct JsonEvent<'a> {
    timestamp: Option<String>,
    commit: Option<&'a str>,
    key: &'a str,
    status: Status,
    change: f64,
}

/// The machine-readable report.
pub fn json(ctx: &Context<'_>) -> String {
    let c: &Comparison = ctx.comparison;
    let report = JsonReport {
        schema: REPORT_SCHEMA,
        status: c.verdict.as_str(),
        generated_at: ctx.generated_at.to_rfc3339(),
        tool: JsonTool {
            name: "benchgate",
            version: ctx.tool_version,
            method: c.method,
        },
        commit: ctx.current.commit.as_deref(),
        branch: ctx.current.branch.as_deref(),
        baseline: ctx.baseline.as_ref().map(|b| JsonBaseline {
            source: &b.source,
            id: &b.id,
            runs: b.runs,
            oldest: b.oldest.map(|t| t.to_rfc3339()),
            newest: b.newest.map(|t| t.to_rfc3339()),
        }),
        counts: c
            .counts()
            .into_iter()
            .map(|(s, n)| (s.as_str(), n))
            .collect(),
        notes: &c.notes,
        metrics: c
            .rows
            .iter()
            .map(|r| {
                let a = r.assessment.as_ref();
                JsonMetric {
                    key: &r.key,
                    suite: &r.suite,
                    benchmark: &r.benchmark,
                    statistic: &r.statistic,
                    kind: r.kind.as_str(),
                    unit: r.unit.label(),
                    direction: r.direction,
                    status: r.status,
                    baseline: a.map(|a| a.baseline),
                    current: r.current,
                    change: a.map(|a| a.change).filter(|c| c.is_finite()),
                    noise: a.and_then(|a| a.noise),
                    spread: a.and_then(|a| a.spread),
                    p_value: a.and_then(|a| a.p_value),
                    q_value: a.and_then(|a| a.q_value),
                    low_confidence: a.is_some_and(|a| a.low_confidence),
                    basis: a.map(|a| a.basis.as_str()),
                    history_runs: r.history.len(),
                    thresholds: JsonThresholds {
                        warning: r.rule.warning.signed(r.direction),
                        critical: r.rule.critical.signed(r.direction),
                    },
                    reason: &r.reason,
                }
            })
            .collect(),
        history_events: c
            .events
            .iter()
            .map(|e| JsonEvent {
                timestamp: e.timestamp.map(|t| t.to_rfc3339()),
                commit: e.commit.as_deref(),
                key: &e.key,
                status: e.status,
                change: e.change,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&report).expect("the report always serializes");
    text.push('\n');
    text
}

/// A plain-text summary for the terminal.
pub fn terminal(c: &Comparison) -> String {
    let mut out = String::new();
    let counts = c
        .counts()
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    out.push_str(&format!(
        "benchgate: {} — {} metric(s): {counts}\n",
        c.verdict.as_str().to_uppercase(),
        c.rows.len()
    ));
    for note in &c.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    let width = c
        .rows
        .iter()
        .map(|r| r.key.chars().count())
        .max()
        .unwrap_or(0)
        .min(60);
    let mut rows: Vec<_> = c.rows.iter().collect();
    rows.sort_by_key(|r| r.status);
    if !rows.is_empty() {
        out.push_str(&format!(
            "  {:<12} {:<width$}  {:>12}  {:>12}  {:>9}\n",
            "status", "metric", "baseline", "current", "change"
        ));
    }
    for r in rows {
        let a = r.assessment.as_ref();
        let name: String = strip_controls(&r.key).chars().take(60).collect();
        out.push_str(&format!(
            "  {:<12} {:<width$}  {:>12}  {:>12}  {:>9}\n",
            r.status.as_str(),
            name,
            a.map_or_else(|| "—".into(), |a| format::value(a.baseline, &r.unit)),
            r.current
                .map_or_else(|| "—".into(), |v| format::value(v, &r.unit)),
            a.map_or_else(|| "—".into(), |a| format::change(a.change)),
        ));
    }
    out
}

/// Terminal output must not carry escape sequences from untrusted names.
fn strip_controls(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

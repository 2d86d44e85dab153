//! Trend charts as self-contained SVG: a metric's history, the baseline centre and its noise
//! band, the warning and critical thresholds, and the current run highlighted. Hand-built: a
//! few shapes need no plotting crate and no fonts or network at view time.

use crate::compare::{Row, Status};
use crate::model::Direction;

use super::format;

const W: f64 = 640.0;
const H: f64 = 220.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 34.0;

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart of one row, or `None` without history or a current value.
pub fn trend(row: &Row, title: &str) -> Option<String> {
    let a = row.assessment.as_ref()?;
    let current = row.current?;
    if row.history.is_empty() || !current.is_finite() {
        return None;
    }
    let base = a.baseline;
    let worse = |t: f64| match row.direction {
        Direction::LowerIsBetter => base * (1.0 + t),
        Direction::HigherIsBetter => base * (1.0 - t),
    };
    let (warn, crit) = (
        worse(row.rule.warning.relative),
        worse(row.rule.critical.relative),
    );
    let band = a
        .noise
        .filter(|n| n.is_finite())
        .map(|n| (base / (1.0 + n), base * (1.0 + n)));
    let mut ys: Vec<f64> = row
        .history
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    ys.extend([current, base, warn, crit]);
    if let Some((lo, hi)) = band {
        ys.extend([lo, hi]);
    }
    let (mut lo, mut hi) = ys
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    if hi <= lo {
        hi = lo + lo.abs().max(1.0) * 0.1;
        lo -= lo.abs().max(1.0) * 0.1;
    }
    let pad = (hi - lo) * 0.08;
    let (lo, hi) = (lo - pad, hi + pad);
    let n = row.history.len() + 1;
    let x = |i: usize| {
        LEFT + (W - LEFT - RIGHT)
            * if n > 1 {
                i as f64 / (n - 1) as f64
            } else {
                0.5
            }
    };
    let y = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - (v - lo) / (hi - lo));
    let label = |v: f64| esc(&format::value(v, &row.unit));
    let colour = match row.status {
        Status::Critical => "#c62828",
        Status::Warning => "#b26a00",
        Status::Improved => "#2e7d32",
        _ => "#455a64",
    };
    let mut s = String::new();
    s.push_str(&format!(
        r#"<svg class="trend" viewBox="0 0 {W} {H}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(title)
    ));
    s.push_str(&format!(
        r##"<rect x="{LEFT}" y="{TOP}" width="{}" height="{}" fill="#fafafa" stroke="#ddd"/>"##,
        W - LEFT - RIGHT,
        H - TOP - BOTTOM
    ));
    if let Some((blo, bhi)) = band {
        let (top, bottom) = (y(bhi).max(TOP), y(blo).min(H - BOTTOM));
        s.push_str(&format!(
            r##"<rect class="band" x="{LEFT}" y="{top:.1}" width="{}" height="{:.1}" fill="#90caf9" fill-opacity="0.35"><title>noise band {} – {}</title></rect>"##,
            W - LEFT - RIGHT,
            (bottom - top).max(0.5),
            label(blo),
            label(bhi)
        ));
    }
    for (v, dash, stroke, name) in [
        (base, "6 4", "#1565c0", "baseline"),
        (warn, "3 3", "#b26a00", "warning"),
        (crit, "3 3", "#c62828", "critical"),
    ] {
        s.push_str(&format!(
            r#"<line class="{name}" x1="{LEFT}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="{stroke}" stroke-dasharray="{dash}"><title>{name} {}</title></line>"#,
            W - RIGHT,
            label(v),
            yy = y(v)
        ));
    }
    let points: Vec<String> = row
        .history
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
        .collect();
    s.push_str(&format!(r##"<polyline class="history" points="{}" fill="none" stroke="#546e7a" stroke-width="1.5"/>"##, points.join(" ")));
    for (i, v) in row.history.iter().enumerate() {
        s.push_str(&format!(r##"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="#546e7a"><title>run {}: {}</title></circle>"##, x(i), y(*v), i + 1, label(*v)));
    }
    s.push_str(&format!(
        r#"<circle class="current" cx="{:.1}" cy="{:.1}" r="5.5" fill="{colour}" stroke="white" stroke-width="1.5"><title>this run: {}</title></circle>"#,
        x(n - 1),
        y(current),
        label(current)
    ));
    for v in [hi - pad, lo + pad] {
        s.push_str(&format!(
            r##"<text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#555" font-family="sans-serif">{}</text>"##,
            LEFT - 6.0,
            y(v) + 4.0,
            label(v)
        ));
    }
    s.push_str(&format!(
        r##"<text x="{LEFT}" y="{}" font-size="11" fill="#555" font-family="sans-serif">{} run(s) of history</text><text x="{}" y="{}" font-size="11" text-anchor="end" fill="{colour}" font-family="sans-serif">this run</text>"##,
        H - 10.0,
        row.history.len(),
        W - RIGHT,
        H - 10.0
    ));
    s.push_str("</svg>");
    Some(s)
}

/// A mermaid `xychart-beta` block of a row's history and current value, for the PR comment;
/// `None` without enough data. Names are reduced to characters mermaid cannot misread.
pub fn mermaid(row: &Row, title: &str, last: usize) -> Option<String> {
    let current = row.current?;
    if row.history.len() < 2 {
        return None;
    }
    let mut values: Vec<f64> = row.history.iter().rev().take(last).rev().copied().collect();
    values.push(current);
    let (scale, unit) = format::display_scale(
        &row.unit,
        row.assessment.as_ref().map_or(current, |a| a.baseline),
    );
    let safe: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " /._:·-()%".contains(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    let labels: Vec<String> = (1..values.len())
        .map(|i| format!("r{i}"))
        .chain(["now".to_string()])
        .collect();
    let data: Vec<String> = values.iter().map(|v| format!("{:.4}", v / scale)).collect();
    Some(format!(
        "```mermaid\nxychart-beta\n    title \"{}\"\n    x-axis [{}]\n    y-axis \"{}\"\n    line [{}]\n```",
        safe.trim(),
        labels.join(", "),
        unit,
        data.join(", ")
    ))
}

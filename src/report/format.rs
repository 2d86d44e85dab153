//! Number and text formatting for reports: readable units, signed percentages, safe names.

use crate::model::Unit;

/// Four significant digits, without a trailing `.0`.
fn sig4(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = v.abs().log10().floor() as i32;
    let decimals = (3 - digits).clamp(0, 6) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A duration given in nanoseconds, scaled: `812 ns`, `7.493 µs`, `1.2 ms`, `3.05 s`.
pub fn duration(ns: f64) -> String {
    let a = ns.abs();
    if a >= 1e9 {
        format!("{} s", sig4(ns / 1e9))
    } else if a >= 1e6 {
        format!("{} ms", sig4(ns / 1e6))
    } else if a >= 1e3 {
        format!("{} µs", sig4(ns / 1e3))
    } else {
        format!("{} ns", sig4(ns))
    }
}

/// A byte amount with a binary prefix.
pub fn bytes(b: f64) -> String {
    scaled(b, 1024.0, &["B", "KiB", "MiB", "GiB", "TiB"])
}

fn scaled(v: f64, step: f64, units: &[&str]) -> String {
    let mut v = v;
    let mut i = 0;
    while v.abs() >= step && i + 1 < units.len() {
        v /= step;
        i += 1;
    }
    format!("{} {}", sig4(v), units[i])
}

/// A value in its unit, scaled for reading.
pub fn value(v: f64, unit: &Unit) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    match unit {
        Unit::Nanoseconds => duration(v),
        Unit::Bytes => bytes(v),
        Unit::BytesPerSecond => format!("{}/s", bytes(v)),
        Unit::ElementsPerSecond => scaled(v, 1000.0, &["elem/s", "Kelem/s", "Melem/s", "Gelem/s"]),
        Unit::RequestsPerSecond | Unit::OpsPerSecond => format!("{} {}", sig4(v), unit.label()),
        Unit::Percent => format!("{}%", sig4(v)),
        Unit::Ratio => format!("{}%", sig4(v * 100.0)),
        Unit::Count => format!("{}", v.round()),
        Unit::Other(label) => format!("{} {label}", sig4(v)),
    }
}

/// A divisor and unit label that show values near `typical` readably (for charts).
pub fn display_scale(unit: &Unit, typical: f64) -> (f64, String) {
    let a = typical.abs();
    match unit {
        Unit::Nanoseconds if a >= 1e9 => (1e9, "s".into()),
        Unit::Nanoseconds if a >= 1e6 => (1e6, "ms".into()),
        Unit::Nanoseconds if a >= 1e3 => (1e3, "µs".into()),
        Unit::Nanoseconds => (1.0, "ns".into()),
        Unit::Bytes | Unit::BytesPerSecond => {
            let suffix = if matches!(unit, Unit::BytesPerSecond) {
                "/s"
            } else {
                ""
            };
            match a {
                a if a >= 1024f64.powi(3) => (1024f64.powi(3), format!("GiB{suffix}")),
                a if a >= 1024f64.powi(2) => (1024f64.powi(2), format!("MiB{suffix}")),
                a if a >= 1024.0 => (1024.0, format!("KiB{suffix}")),
                _ => (1.0, format!("B{suffix}")),
            }
        }
        Unit::Ratio => (0.01, "%".into()),
        Unit::ElementsPerSecond | Unit::RequestsPerSecond | Unit::OpsPerSecond => {
            let label = unit.label();
            match a {
                a if a >= 1e9 => (1e9, format!("G{label}")),
                a if a >= 1e6 => (1e6, format!("M{label}")),
                a if a >= 1e3 => (1e3, format!("K{label}")),
                _ => (1.0, label.to_string()),
            }
        }
        other => (1.0, other.label().to_string()),
    }
}

/// A signed percentage with two decimals: `+24.27%`, `-3.10%`.
pub fn change(fraction: f64) -> String {
    if fraction.is_infinite() {
        return if fraction > 0.0 {
            "+∞".into()
        } else {
            "-∞".into()
        };
    }
    if fraction.is_nan() {
        return "n/a".into();
    }
    format!("{:+.2}%", fraction * 100.0)
}

/// A band half-width as `±3.2%`.
pub fn band(fraction: f64) -> String {
    format!("±{:.1}%", fraction * 100.0)
}

/// Makes untrusted text (benchmark names come from the code under test) inert in markdown and
/// HTML: no tags, no table breaks, no emphasis, no links, no @mentions, no control characters.
pub fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            // A word joiner after `@` keeps GitHub from notifying whoever the name mentions.
            '@' => out.push_str("@\u{2060}"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A tiny trend line of values (oldest first) in block characters.
pub fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (Some(lo), Some(hi)) = (
        finite.iter().copied().reduce(f64::min),
        finite.iter().copied().reduce(f64::max),
    ) else {
        return String::new();
    };
    finite
        .iter()
        .map(|v| {
            if hi > lo {
                BARS[(((v - lo) / (hi - lo)) * 7.0).round() as usize]
            } else {
                BARS[3]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_scale_for_reading() {
        assert_eq!(duration(7493.144), "7.493 µs");
        assert_eq!(duration(51.0), "51 ns");
        assert_eq!(duration(2.5e9), "2.5 s");
        assert_eq!(bytes(1024.0 * 1024.0), "1 MiB");
        assert_eq!(value(0.0005, &Unit::Ratio), "0.05%");
        assert_eq!(value(133_460.0, &Unit::ElementsPerSecond), "133.5 Kelem/s");
        assert_eq!(change(0.2427), "+24.27%");
        assert_eq!(change(-0.031), "-3.10%");
        assert_eq!(value(f64::NAN, &Unit::Nanoseconds), "n/a");
    }

    #[test]
    fn untrusted_names_are_inert() {
        let name = "a|b <script>@team **x** [l](u)\n<!-- benchgate -->";
        let escaped = markdown_escape(name);
        assert!(!escaped.contains("<script>"));
        assert!(!escaped.contains("<!--"));
        assert!(!escaped.contains("@team"));
        assert!(escaped.contains("a\\|b"));
        assert!(!escaped.contains('\n'));
    }

    #[test]
    fn sparkline_spans_the_range() {
        assert_eq!(sparkline(&[1.0, 2.0, 3.0]), "▁▅█");
        assert_eq!(sparkline(&[]), "");
    }
}

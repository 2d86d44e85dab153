//! The libtest bencher text format: `test NAME ... bench: 1,234 ns/iter (+/- 56)`, written by
//! `cargo bench -- --output-format bencher` (criterion) and by libtest's `#[bench]`.

use crate::error::{Error, Result};
use crate::model::{Direction, Metric, MetricKind, Unit};

use super::Parsed;

/// True when some line is a bencher result line.
pub fn looks_like_text(text: &str) -> bool {
    text.lines().any(|l| split_line(l).is_some())
}

/// Splits `test NAME ... bench: REST` into (NAME, REST).
fn split_line(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("test ")?;
    let at = rest.rfind(" ... bench:")?;
    Some((rest[..at].trim(), rest[at + " ... bench:".len()..].trim()))
}

/// Reads every result line; other lines (cargo's and libtest's chatter) are skipped.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::input(name, format!("not UTF-8 text: {e}")))?;
    let mut metrics = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some((bench, rest)) = split_line(line) else {
            continue;
        };
        let at = |message: String| {
            Error::input_at(name, index + 1, message)
                .with_hint("expected `test NAME ... bench: N ns/iter (+/- M)`")
        };
        let (value, rest) = rest
            .split_once(" ns/iter")
            .ok_or_else(|| at("no `ns/iter` value".into()))?;
        let value = number(value).ok_or_else(|| at(format!("{value:?} is not a number of ns")))?;
        let mut time = Metric::time(bench, "median", value);
        let rest = rest.trim();
        if let Some(spread) = rest
            .strip_prefix("(+/-")
            .and_then(|r| r.split_once(')'))
            .map(|(s, _)| s)
        {
            time.spread =
                Some(number(spread).ok_or_else(|| at(format!("{spread:?} is not a number")))?);
        }
        // libtest appends `= N MB/s` when the bench sets `b.bytes`.
        if let Some(mbps) = rest
            .split_once('=')
            .and_then(|(_, r)| r.trim().strip_suffix("MB/s"))
        {
            let mbps =
                number(mbps).ok_or_else(|| at(format!("{mbps:?} is not a number of MB/s")))?;
            metrics.push(Metric {
                statistic: "throughput".into(),
                kind: MetricKind::Throughput,
                unit: Unit::BytesPerSecond,
                direction: Direction::HigherIsBetter,
                value: mbps * 1e6,
                ..time.clone()
            });
        }
        metrics.push(time);
    }
    Ok(Parsed {
        metrics,
        ..Parsed::default()
    })
}

/// Parses `1,234.5` (libtest and criterion group thousands with commas).
fn number(text: &str) -> Option<f64> {
    let cleaned: String = text.trim().chars().filter(|&c| c != ',').collect();
    let value: f64 = cleaned.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_with_spaces_commas_and_throughput() {
        let text = "noise\ntest rng stream / xorshift64 ... bench:      12,921 ns/iter (+/- 290)\n\
                    test b::p    ... bench:         477.88 ns/iter (+/- 101.80) = 2146 MB/s\n";
        let parsed = parse("b.txt", text.as_bytes()).expect("parses");
        assert_eq!(parsed.metrics.len(), 3);
        assert_eq!(parsed.metrics[0].benchmark, "rng stream / xorshift64");
        assert_eq!(parsed.metrics[0].value, 12921.0);
        assert_eq!(parsed.metrics[0].spread, Some(290.0));
        assert_eq!(parsed.metrics[1].value, 2146e6);
        assert_eq!(parsed.metrics[2].value, 477.88);
    }

    #[test]
    fn bad_number_names_the_line() {
        let text = "x\ntest a ... bench:  NaN ns/iter (+/- 1)\n";
        let err = parse("b.txt", text.as_bytes())
            .expect_err("fails")
            .to_string();
        assert!(err.starts_with("b.txt:2: "), "{err}");
    }
}

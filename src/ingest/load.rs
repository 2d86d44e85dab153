//! The shared vocabulary of load-test adapters: latency, request-rate and error-rate metrics,
//! with the unit conversions the tools need. A value a tool did not measure is left out, never
//! written as zero.

use crate::model::{Counts, Direction, Metric, MetricKind, Unit};

/// Collects one input's metrics under a benchmark name (an endpoint, a label, or `http`).
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub metrics: Vec<Metric>,
    /// Values that were left out because they cannot be measurements, said in the report.
    pub skipped: Vec<String>,
}

/// Multipliers from a tool's time unit to nanoseconds.
pub(crate) const NS: f64 = 1.0;
pub(crate) const US: f64 = 1e3;
pub(crate) const MS: f64 = 1e6;
pub(crate) const S: f64 = 1e9;

impl Sink {
    /// The value when it can be a measurement. NaN is how tools write "not measured" (wrk's
    /// `-nan`), and values at or below -1e18 are their integer sentinels (`i64::MIN`): both are
    /// missing. Any other negative or infinite value is corrupt: it is left out and noted.
    fn usable(&mut self, bench: &str, stat: &str, v: Option<f64>) -> Option<f64> {
        let v = v?;
        if v.is_finite() && v >= 0.0 {
            return Some(v);
        }
        if !v.is_nan() && v > -1e18 {
            self.skipped.push(format!(
                "{bench} {stat}: the tool reported {v}, which cannot be a measurement; left out"
            ));
        }
        None
    }

    fn push(
        &mut self,
        bench: &str,
        stat: &str,
        kind: MetricKind,
        unit: Unit,
        dir: Direction,
        value: f64,
    ) {
        self.metrics
            .push(Metric::new(bench, stat, kind, unit, dir, value));
    }

    /// A latency statistic given in a tool's unit (`scale` converts to ns).
    pub fn latency(&mut self, bench: &str, stat: &str, value: Option<f64>, scale: f64) {
        if let Some(v) = self.usable(bench, stat, value) {
            self.push(
                bench,
                stat,
                MetricKind::Latency,
                Unit::Nanoseconds,
                Direction::LowerIsBetter,
                v * scale,
            );
        }
    }

    /// Requests (or iterations, transactions) per second: higher is better.
    pub fn rate(&mut self, bench: &str, stat: &str, per_second: Option<f64>) {
        if let Some(v) = self.usable(bench, stat, per_second) {
            self.push(
                bench,
                stat,
                MetricKind::Throughput,
                Unit::RequestsPerSecond,
                Direction::HigherIsBetter,
                v,
            );
        }
    }

    /// Bytes per second transferred: higher is better.
    pub fn transfer(&mut self, bench: &str, bytes_per_second: Option<f64>) {
        if let Some(v) = self.usable(bench, "transfer", bytes_per_second) {
            self.push(
                bench,
                "transfer",
                MetricKind::Throughput,
                Unit::BytesPerSecond,
                Direction::HigherIsBetter,
                v,
            );
        }
    }

    /// The failed share of requests, with its counts; nothing when no request was made.
    pub fn error_rate(&mut self, bench: &str, errors: u64, total: u64) {
        if total == 0 {
            return;
        }
        self.push(
            bench,
            "error_rate",
            MetricKind::ErrorRate,
            Unit::Ratio,
            Direction::LowerIsBetter,
            errors.min(total) as f64 / total as f64,
        );
        if let Some(m) = self.metrics.last_mut() {
            m.counts = Some(Counts {
                events: errors.min(total),
                total,
            });
        }
    }

    /// Any other metric.
    pub fn other(
        &mut self,
        bench: &str,
        stat: &str,
        kind: MetricKind,
        unit: Unit,
        dir: Direction,
        value: Option<f64>,
    ) {
        if let Some(v) = self.usable(bench, stat, value) {
            self.push(bench, stat, kind, unit, dir, v);
        }
    }

    /// Latency statistics of raw samples (in ns): average, percentiles, maximum.
    pub fn latency_samples(&mut self, bench: &str, samples_ns: &mut [f64]) {
        if samples_ns.is_empty() {
            return;
        }
        samples_ns.sort_by(f64::total_cmp);
        let mean = samples_ns.iter().sum::<f64>() / samples_ns.len() as f64;
        self.latency(bench, "avg", Some(mean), NS);
        for (stat, q) in PERCENTILES {
            self.latency(bench, stat, Some(quantile(samples_ns, q)), NS);
        }
        self.latency(bench, "max", samples_ns.last().copied(), NS);
    }
}

/// A number from a results file that can be a measurement: finite and not negative.
pub(crate) fn measured(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

/// The notes of the values a [`Sink`] left out, naming the file.
pub(crate) fn skipped_notes(name: &str, skipped: Vec<String>) -> Vec<String> {
    skipped
        .into_iter()
        .map(|n| format!("{name}: {n}"))
        .collect()
}

/// The percentiles every load-test adapter reports when it can.
pub(crate) const PERCENTILES: [(&str, f64); 5] = [
    ("p50", 0.50),
    ("p90", 0.90),
    ("p95", 0.95),
    ("p99", 0.99),
    ("p99.9", 0.999),
];

/// The statistic name of a percentile a tool prints (`50`, `95`, `99.000`, `100`), for the
/// percentiles benchgate keeps; `100` is the maximum.
pub(crate) fn percentile_name(printed: &str) -> Option<&'static str> {
    let p: f64 = printed.trim().parse().ok()?;
    [
        (50.0, "p50"),
        (75.0, "p75"),
        (90.0, "p90"),
        (95.0, "p95"),
        (99.0, "p99"),
        (99.9, "p99.9"),
        (100.0, "max"),
    ]
    .iter()
    .find(|(v, _)| (p - v).abs() < 1e-9)
    .map(|(_, name)| *name)
}

/// The `q` quantile of sorted data by linear interpolation between order statistics (Hyndman &
/// Fan, 1996, "Sample Quantiles in Statistical Packages", definition 7, R's default).
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Whether an HTTP status code counts as an error: 4xx and 5xx, whatever the tool thinks.
pub(crate) fn is_error_status(code: &str) -> bool {
    code.trim()
        .parse::<u16>()
        .map_or(true, |c| !(100..400).contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert_eq!(quantile(&v, 0.0), 1.0);
    }

    #[test]
    fn missing_values_are_left_out_and_no_requests_means_no_error_rate() {
        let mut s = Sink::default();
        s.latency("http", "p95", None, MS);
        s.latency("http", "p99", Some(f64::NAN), MS);
        s.error_rate("http", 0, 0);
        assert!(s.metrics.is_empty());
        s.error_rate("http", 5, 500);
        assert_eq!(s.metrics[0].value, 0.01);
        assert_eq!(
            s.metrics[0].counts,
            Some(Counts {
                events: 5,
                total: 500
            })
        );
    }

    #[test]
    fn percentile_names() {
        assert_eq!(percentile_name("50"), Some("p50"));
        assert_eq!(percentile_name("99.000"), Some("p99"));
        assert_eq!(percentile_name("100"), Some("max"));
        assert_eq!(percentile_name("66"), None);
    }

    #[test]
    fn status_codes() {
        assert!(is_error_status("500"));
        assert!(is_error_status("404"));
        assert!(!is_error_status("200"));
        assert!(!is_error_status("301"));
        assert!(is_error_status("0"));
    }
}

//! Pure statistical helpers, each tested here and citing where its method comes from.

use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, Normal, StudentsT};

/// Median of a sample (the mean of the two middle values for an even count); `None` when empty.
/// Robust centre of a run history: one outlying run moves it little (Hampel, 1974).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    // Selection instead of a sort: linear time, and the same value.
    let mut v = values.to_vec();
    let mid = v.len() / 2;
    let (lower, upper, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    Some(if values.len().is_multiple_of(2) {
        let below = lower
            .iter()
            .copied()
            .max_by(f64::total_cmp)
            .unwrap_or(upper);
        (below + upper) / 2.0
    } else {
        upper
    })
}

/// Median absolute deviation around `centre`, scaled by 1.4826 so that it estimates the standard
/// deviation of normal data (Rousseeuw & Croux, 1993, "Alternatives to the Median Absolute
/// Deviation", JASA 88:424).
pub fn scaled_mad(values: &[f64], centre: f64) -> Option<f64> {
    let deviations: Vec<f64> = values.iter().map(|v| (v - centre).abs()).collect();
    median(&deviations).map(|m| 1.4826 * m)
}

/// The `p` quantile of Student's t distribution with `df` degrees of freedom.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    // The inverse is found numerically and costly; a run asks for a handful of (p, df) pairs
    // thousands of times, so each thread remembers them.
    thread_local! {
        static SEEN: std::cell::RefCell<std::collections::HashMap<(u64, u64), f64>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    let key = (p.to_bits(), df.to_bits());
    if let Some(q) = SEEN.with(|m| m.borrow().get(&key).copied()) {
        return q;
    }
    let q = StudentsT::new(0.0, 1.0, df.max(1.0))
        .map(|t| t.inverse_cdf(p))
        .unwrap_or(f64::INFINITY);
    SEEN.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() > 4096 {
            m.clear();
        }
        m.insert(key, q);
    });
    q
}

/// One-sided upper tail probability P(T > t) of Student's t with `df` degrees of freedom.
pub fn t_upper_tail(t: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df.max(1.0))
        .map(|d| d.sf(t))
        .unwrap_or(0.5)
}

/// P(X >= x) for X ~ Binomial(n, p): the exact one-sided test of an event count against a
/// known rate (Clopper & Pearson, 1934; used when expected counts are too small for a normal
/// approximation).
pub fn binomial_upper_tail(x: u64, n: u64, p: f64) -> f64 {
    if x == 0 {
        return 1.0;
    }
    Binomial::new(p.clamp(0.0, 1.0), n).map_or(1.0, |b| b.sf(x - 1))
}

/// P(X <= x) for X ~ Binomial(n, p).
pub fn binomial_lower_tail(x: u64, n: u64, p: f64) -> f64 {
    Binomial::new(p.clamp(0.0, 1.0), n).map_or(1.0, |b| b.cdf(x))
}

/// Upper tail of the standard normal distribution, P(Z > z).
pub fn normal_upper_tail(z: f64) -> f64 {
    Normal::new(0.0, 1.0).map_or(0.5, |d| d.sf(z))
}

/// The `p` quantile of the standard normal distribution.
pub fn normal_quantile(p: f64) -> f64 {
    Normal::new(0.0, 1.0).map_or(f64::INFINITY, |d| d.inverse_cdf(p))
}

/// Overdispersion of event counts around a pooled rate: Pearson's chi-square over its degrees of
/// freedom, at least 1 (McCullagh & Nelder, 1989, "Generalized Linear Models", section 4.5.2).
/// Runs of a load test vary more than binomial sampling alone explains; this widens the test.
pub fn overdispersion(counts: &[(u64, u64)], rate: f64) -> f64 {
    if counts.len() < 2 || rate <= 0.0 || rate >= 1.0 {
        return 1.0;
    }
    let chi2: f64 = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|&(x, n)| {
            let expected = n as f64 * rate;
            (x as f64 - expected).powi(2) / (expected * (1.0 - rate))
        })
        .sum();
    (chi2 / (counts.len() - 1) as f64).max(1.0)
}

/// One-sided p-values of `cur` events being more, and fewer, than the pooled history `rate`
/// predicts: exact binomial when few events are expected (or few non-events), otherwise a normal
/// approximation with its variance widened by the overdispersion `phi`.
pub fn rate_test(cur: crate::model::Counts, rate: f64, phi: f64) -> (f64, f64) {
    let n = cur.total as f64;
    let expected = n * rate;
    if expected < 10.0 || n * (1.0 - rate) < 10.0 {
        (
            binomial_upper_tail(cur.events, cur.total, rate),
            binomial_lower_tail(cur.events, cur.total, rate),
        )
    } else {
        let z = (cur.events as f64 - expected) / (phi * expected * (1.0 - rate)).sqrt();
        (normal_upper_tail(z), normal_upper_tail(-z))
    }
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the input's order: rejecting every
/// hypothesis with q <= alpha controls the false discovery rate at alpha (Benjamini & Hochberg,
/// 1995, "Controlling the False Discovery Rate", JRSS B 57:289).
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![1.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

/// Why a run's own samples (time-ordered) cannot be trusted, if they cannot: a spread so wide
/// that the run's value is a lottery, a drift between the first and last third (the machine
/// changed under the benchmark), or two modes (Sarle's bimodality coefficient above 5/9, the
/// uniform distribution's value; Pfister et al., 2013, Frontiers in Psychology 4:700). Checked on
/// the log scale, with outliers beyond Tukey's fences left out of the bimodality test.
pub fn instability(samples: &[f64]) -> Option<String> {
    let logs: Vec<f64> = samples
        .iter()
        .filter(|v| **v > 0.0 && v.is_finite())
        .map(|v| v.ln())
        .collect();
    let n = logs.len();
    if n < 12 {
        return None;
    }
    let centre = median(&logs)?;
    let s = scaled_mad(&logs, centre)?;
    if s > 0.25 {
        return Some(format!(
            "its samples spread ±{:.0}% around their median",
            (s.exp() - 1.0) * 100.0
        ));
    }
    let k = n / 3;
    let (head, tail) = (&logs[..k], &logs[n - k..]);
    let (first, last) = (median(head)?, median(tail)?);
    // The spread within each third, so that the drift itself does not widen it; the standard
    // error of a median is about 1.2533 σ / √k.
    let within = (scaled_mad(head, first)? + scaled_mad(tail, last)?) / 2.0;
    let se = 1.2533 * within.max(1e-3) * (2.0 / k as f64).sqrt();
    let drift = last - first;
    if drift.abs() > 1.1f64.ln().max(4.0 * se) {
        return Some(format!(
            "its samples drifted {:+.0}% from the first third to the last",
            (drift.exp() - 1.0) * 100.0
        ));
    }
    let mut sorted = logs.clone();
    sorted.sort_unstable_by(f64::total_cmp);
    let (q1, q3) = (
        quantile_sorted(&sorted, 0.25),
        quantile_sorted(&sorted, 0.75),
    );
    let (lo, hi) = (q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1));
    let kept: Vec<f64> = sorted
        .into_iter()
        .filter(|v| (lo..=hi).contains(v))
        .collect();
    if let Some(b) = bimodality_coefficient(&kept)
        && b > 5.0 / 9.0 + 0.1
    {
        return Some(format!(
            "its samples look bimodal (bimodality coefficient {b:.2})"
        ));
    }
    None
}

fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Sarle's bimodality coefficient with sample skewness and excess kurtosis.
fn bimodality_coefficient(x: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    if n < 12.0 {
        return None;
    }
    let mean = x.iter().sum::<f64>() / n;
    let m2 = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    if m2 <= 0.0 {
        return None;
    }
    let m3 = x.iter().map(|v| (v - mean).powi(3)).sum::<f64>() / n;
    let m4 = x.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    let g = (n * (n - 1.0)).sqrt() / (n - 2.0) * m3 / m2.powf(1.5);
    let k = (n - 1.0) / ((n - 2.0) * (n - 3.0)) * ((n + 1.0) * (m4 / (m2 * m2) - 3.0) + 6.0);
    Some((g * g + 1.0) / (k + 3.0 * (n - 1.0).powi(2) / ((n - 2.0) * (n - 3.0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_handles_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn mad_ignores_one_outlier() {
        let v = [1.0, 1.1, 0.9, 1.0, 50.0];
        let m = median(&v).expect("median");
        let s = scaled_mad(&v, m).expect("mad");
        assert!((s - 0.14826).abs() < 1e-9, "{s}");
    }

    #[test]
    fn t_quantiles_match_tables() {
        // Standard table values: t(0.99, 5) = 3.365, t(0.975, 10) = 2.228.
        assert!((t_quantile(0.99, 5.0) - 3.365).abs() < 1e-3);
        assert!((t_quantile(0.975, 10.0) - 2.228).abs() < 1e-3);
        assert!((t_upper_tail(3.365, 5.0) - 0.01).abs() < 1e-4);
    }

    #[test]
    fn binomial_tails_match_hand_computation() {
        // P(X >= 1 | n = 2, p = 0.5) = 0.75; P(X <= 0 | n = 2, p = 0.5) = 0.25.
        assert!((binomial_upper_tail(1, 2, 0.5) - 0.75).abs() < 1e-12);
        assert!((binomial_lower_tail(0, 2, 0.5) - 0.25).abs() < 1e-12);
        assert_eq!(binomial_upper_tail(0, 10, 0.1), 1.0);
        assert!((normal_upper_tail(1.959964) - 0.025).abs() < 1e-6);
    }

    #[test]
    fn overdispersion_is_one_for_binomial_scatter_and_more_for_extra_scatter() {
        assert_eq!(overdispersion(&[(10, 1000), (10, 1000)], 0.01), 1.0);
        assert!(overdispersion(&[(1, 1000), (40, 1000), (5, 1000)], 46.0 / 3000.0) > 5.0);
    }

    #[test]
    fn bh_adjusts_like_the_textbook_example() {
        // m = 4: p = 0.01, 0.04, 0.03, 0.20 -> q = 0.04, 0.0533, 0.0533, 0.20.
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.20]);
        let expect = [0.04, 0.04 * 4.0 / 3.0, 0.04 * 4.0 / 3.0, 0.20];
        for (a, b) in q.iter().zip(expect) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }

    #[test]
    fn instability_flags_drift_and_two_modes_but_not_calm_samples() {
        let calm: Vec<f64> = (0..30).map(|i| 100.0 + (i % 5) as f64 * 0.5).collect();
        assert_eq!(instability(&calm), None);
        let drift: Vec<f64> = (0..30)
            .map(|i| {
                if i < 15 {
                    100.0 + (i % 3) as f64
                } else {
                    130.0 + (i % 3) as f64
                }
            })
            .collect();
        assert!(instability(&drift).is_some_and(|r| r.contains("drifted")));
        let modes: Vec<f64> = (0..42)
            .map(|i| {
                if i % 2 == 0 {
                    100.0 + (i % 7) as f64 * 0.2
                } else {
                    118.0 + (i % 7) as f64 * 0.2
                }
            })
            .collect();
        assert!(
            instability(&modes).is_some_and(|r| r.contains("bimodal")),
            "{:?}",
            instability(&modes)
        );
    }
}

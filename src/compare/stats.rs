//! Pure statistical helpers, each tested here and citing where its method comes from.

use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, Normal, StudentsT};

/// Median of a sample (the mean of the two middle values for an even count); `None` when empty.
/// Robust centre of a run history: one outlying run moves it little (Hampel, 1974).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 0 {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
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
    StudentsT::new(0.0, 1.0, df.max(1.0))
        .map(|t| t.inverse_cdf(p))
        .unwrap_or(f64::INFINITY)
}

/// One-sided upper tail probability P(T > t) of Student's t with `df` degrees of freedom.
pub fn t_upper_tail(t: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df.max(1.0))
        .map(|d| d.sf(t))
        .unwrap_or(0.5)
}

/// Half-width of a one-sided prediction interval for one new observation from a sample of `n`
/// with spread `s`: t(1-alpha, n-1) * s * sqrt(1 + 1/n) (Hahn & Meeker, 1991, "Statistical
/// Intervals", section 4.7). It answers "how far can the next unchanged run fall from the
/// centre of history?".
pub fn prediction_half_width(s: f64, n: usize, alpha: f64) -> f64 {
    let n = n as f64;
    t_quantile(1.0 - alpha, n - 1.0) * s * (1.0 + 1.0 / n).sqrt()
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
    fn prediction_interval_widens_for_short_histories() {
        assert!(prediction_half_width(0.05, 3, 0.01) > prediction_half_width(0.05, 30, 0.01));
    }
}

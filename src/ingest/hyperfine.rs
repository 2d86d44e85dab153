//! hyperfine's `--export-json`: each command's run times, as a time metric with all samples.

use serde::Deserialize;

use crate::error::Result;
use crate::model::{Interval, Metric};

use super::{Parsed, check_value, json};

#[derive(Deserialize)]
struct HReport {
    results: Vec<HResult>,
}

#[derive(Deserialize)]
struct HResult {
    command: String,
    median: f64,
    stddev: Option<f64>,
    times: Option<Vec<f64>>,
}

pub fn looks_like(v: &serde_json::Value) -> bool {
    v.get("results")
        .and_then(|r| r.as_array())
        .and_then(|r| r.first())
        .is_some_and(|r| r.get("command").is_some() && r.get("median").is_some())
}

pub fn parse(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let r: HReport = json(name, bytes)?;
    let mut metrics = Vec::new();
    for res in r.results {
        let mut m = Metric::time(
            res.command.clone(),
            "median",
            check_value(name, &format!("median of {:?}", res.command), res.median)? * 1e9,
        );
        m.spread = res.stddev.filter(|s| s.is_finite()).map(|s| s * 1e9);
        if let Some(times) = res.times {
            let mut ns: Vec<f64> = times.iter().map(|t| t * 1e9).collect();
            for t in &ns {
                check_value(name, "run time", *t)?;
            }
            // A distribution-free 95% interval for the median from order statistics (Conover,
            // 1999, "Practical Nonparametric Statistics", section 3.2), when there are enough runs.
            ns.sort_by(f64::total_cmp);
            let n = ns.len();
            if n >= 6 {
                let half = 1.96 * (n as f64).sqrt() / 2.0;
                let lo = ((n as f64 / 2.0 - half).floor().max(0.0)) as usize;
                let hi = ((n as f64 / 2.0 + half).ceil() as usize).min(n - 1);
                m.ci = Some(Interval {
                    lower: ns[lo],
                    upper: ns[hi],
                    level: 0.95,
                });
            }
            m.samples = Some(times.iter().map(|t| t * 1e9).collect());
        }
        metrics.push(m);
    }
    Ok(Parsed {
        metrics,
        ..Parsed::default()
    })
}

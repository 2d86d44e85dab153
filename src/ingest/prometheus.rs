//! Prometheus as a source of production metrics: the queries from the configuration, the
//! request parameters for a baseline period and a current window, and the parsing of the HTTP
//! API's answers. The HTTP calls themselves live in the command line.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{Direction, Metric, MetricKind, Unit};

/// One configured query: what it measures and how to read its values.
#[derive(Debug, Clone, PartialEq)]
pub struct PromQuery {
    pub benchmark: String,
    pub statistic: String,
    pub kind: MetricKind,
    pub unit: Unit,
    /// Factor from the query's unit to `unit` (e.g. seconds to ns).
    pub factor: f64,
    pub direction: Direction,
    /// PromQL; `$window` stands for the range each value covers.
    pub expr: String,
}

impl PromQuery {
    /// The PromQL with `$window` set to a duration such as `1h`.
    pub fn promql(&self, window_seconds: u64) -> String {
        self.expr.replace("$window", &format!("{window_seconds}s"))
    }

    /// A metric with this query's identity and `value` (in the query's unit).
    pub fn metric(&self, value: f64) -> Metric {
        Metric::new(
            self.benchmark.clone(),
            self.statistic.clone(),
            self.kind,
            self.unit.clone(),
            self.direction,
            value * self.factor,
        )
    }

    fn name(&self) -> String {
        format!("prometheus query {} · {}", self.benchmark, self.statistic)
    }
}

#[derive(Deserialize)]
struct PResponse {
    status: String,
    #[serde(default)]
    data: Option<PData>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct PData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Vec<PSeries>,
}

#[derive(Deserialize)]
struct PSeries {
    #[serde(default)]
    metric: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    value: Option<(f64, String)>,
    #[serde(default)]
    values: Option<Vec<(f64, String)>>,
}

fn data(q: &PromQuery, body: &[u8], expected: &str) -> Result<PData> {
    let r: PResponse = serde_json::from_slice(body)
        .map_err(|e| Error::input(q.name(), format!("not a Prometheus API answer: {e}")))?;
    if r.status != "success" {
        return Err(Error::input(
            q.name(),
            format!(
                "Prometheus refused the query ({}): {}",
                r.error_type.unwrap_or_default(),
                r.error.unwrap_or_default()
            ),
        )
        .with_hint(
            "check the PromQL in the configuration, e.g. in Prometheus's expression browser",
        ));
    }
    let d = r
        .data
        .ok_or_else(|| Error::input(q.name(), "answer without data"))?;
    if d.result_type != expected {
        return Err(Error::input(
            q.name(),
            format!("the query returns a {}, not a {expected}", d.result_type),
        )
        .with_hint("write a query that yields one instant value, e.g. wrap it in sum() or avg()"));
    }
    if d.result.len() > 1 {
        let labels: Vec<String> = d
            .result
            .iter()
            .take(3)
            .map(|s| serde_json::Value::Object(s.metric.clone()).to_string())
            .collect();
        return Err(Error::input(
            q.name(),
            format!(
                "the query returns {} series ({}, ...), benchgate needs one",
                d.result.len(),
                labels.join(", ")
            ),
        )
        .with_hint(
            "aggregate them, e.g. sum(...) or avg(...) without the labels that split them",
        ));
    }
    Ok(d)
}

fn number(q: &PromQuery, text: &str) -> Result<f64> {
    let v: f64 = text
        .parse()
        .map_err(|_| Error::input(q.name(), format!("value {text:?} is not a number")))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::input(q.name(), format!("the query's value is {text}"))
            .with_hint("a NaN or infinite value usually means a division by zero or an empty histogram in the window"))
    }
}

/// The value of an instant query; an empty result is an error, never a zero.
pub fn parse_instant(q: &PromQuery, body: &[u8]) -> Result<f64> {
    let d = data(q, body, "vector")?;
    let Some(series) = d.result.first() else {
        return Err(Error::input(
            q.name(),
            "the query returned no data for the current window",
        )
        .with_hint(
            "check that the metric exists and that the window is long enough to hold samples",
        ));
    };
    let (_, v) = series
        .value
        .as_ref()
        .ok_or_else(|| Error::input(q.name(), "vector without a value"))?;
    number(q, v)
}

/// The (unix time, value) points of a range query; NaN points are left out (a step without data).
pub fn parse_range(q: &PromQuery, body: &[u8]) -> Result<Vec<(f64, f64)>> {
    let d = data(q, body, "matrix")?;
    let Some(series) = d.result.first() else {
        return Err(Error::input(
            q.name(),
            "the query returned no data for the baseline period",
        )
        .with_hint("a baseline needs history: check the period and that Prometheus retains it"));
    };
    let points = series.values.as_deref().unwrap_or_default();
    let mut out = Vec::with_capacity(points.len());
    for (t, v) in points {
        if let Ok(v) = v.parse::<f64>()
            && v.is_finite()
        {
            out.push((*t, v));
        }
    }
    if out.is_empty() {
        return Err(Error::input(
            q.name(),
            "every baseline point is NaN or infinite",
        ));
    }
    Ok(out)
}

/// Parses a Prometheus-style duration: `30s`, `5m`, `1h`, `7d`, `1w`.
pub fn duration_seconds(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().ok()?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    (n > 0).then_some(n * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q() -> PromQuery {
        PromQuery {
            benchmark: "api".into(),
            statistic: "p95".into(),
            kind: MetricKind::Latency,
            unit: Unit::Nanoseconds,
            factor: 1e9,
            direction: Direction::LowerIsBetter,
            expr: "avg_over_time(x[$window])".into(),
        }
    }

    #[test]
    fn instant_and_range_answers() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0.0762"]}]}}"#;
        assert_eq!(parse_instant(&q(), body).expect("value"), 0.0762);
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"0.07"],[2,"NaN"],[3,"0.08"]]}]}}"#;
        assert_eq!(
            parse_range(&q(), body).expect("points"),
            vec![(1.0, 0.07), (3.0, 0.08)]
        );
        assert_eq!(q().promql(3600), "avg_over_time(x[3600s])");
    }

    #[test]
    fn empty_nan_error_and_many_series_are_errors() {
        let empty = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert!(
            parse_instant(&q(), empty)
                .expect_err("empty")
                .to_string()
                .contains("no data")
        );
        let nan = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}"#;
        assert!(
            parse_instant(&q(), nan)
                .expect_err("nan")
                .to_string()
                .contains("NaN")
        );
        let err = br#"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#;
        assert!(
            parse_instant(&q(), err)
                .expect_err("error")
                .to_string()
                .contains("parse error")
        );
        let many = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}}"#;
        assert!(
            parse_instant(&q(), many)
                .expect_err("many")
                .to_string()
                .contains("2 series")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration_seconds("5m"), Some(300));
        assert_eq!(duration_seconds("7d"), Some(604_800));
        assert_eq!(duration_seconds("1.5h"), None);
        assert_eq!(duration_seconds("0s"), None);
    }
}

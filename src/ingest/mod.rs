//! Input adapters: each turns one tool's output (bytes held in memory) into normalized metrics.
//!
//! Adapters are pure: the CLI reads files and trees into an [`Input`] and hands it over.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::model::{Metric, MetricKind, RunMeta};

pub mod ab;
pub mod artillery;
pub mod autocannon;
pub mod bencher;
pub mod cargo_criterion;
pub mod criterion;
pub mod generic;
pub mod gnu_time;
pub mod hey;
pub mod hyperfine;
pub mod jmeter;
pub mod k6;
pub(crate) mod load;
pub mod locust;
pub mod native;
pub mod oha;
pub mod prometheus;
pub mod siege;
pub mod vegeta;
pub mod wrk;

/// One input as read from disk by the caller: a single file, or a directory tree.
#[derive(Debug, Clone)]
pub enum Input {
    File {
        /// The path as the user gave it, for messages.
        name: String,
        bytes: Vec<u8>,
    },
    Tree {
        name: String,
        /// Relative paths with `/` separators, to contents.
        files: BTreeMap<String, Vec<u8>>,
    },
}

impl Input {
    /// The path as the user gave it.
    pub fn name(&self) -> &str {
        match self {
            Input::File { name, .. } | Input::Tree { name, .. } => name,
        }
    }
}

/// The formats benchgate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A `target/criterion` tree (benchmark.json, estimates.json, sample.json per benchmark).
    Criterion,
    /// The libtest bencher text format (`cargo bench -- --output-format bencher`, `#[bench]`).
    Bencher,
    /// benchgate's own normalized run (`benchgate ingest --output`).
    Native,
    /// benchgate's documented metrics JSON for custom exports.
    Metrics,
    CargoCriterion,
    Hyperfine,
    K6Summary,
    K6HandleSummary,
    K6Points,
    Oha,
    WrkText,
    WrkJson,
    HeyText,
    HeyCsv,
    AbText,
    AbCsv,
    LocustCsv,
    LocustJson,
    Artillery,
    Autocannon,
    Siege,
    JmeterCsv,
    JmeterXml,
    Vegeta,
    GnuTime,
    /// github-action-benchmark `customSmallerIsBetter`.
    GabSmaller,
    /// github-action-benchmark `customBiggerIsBetter`.
    GabBigger,
    /// github-action-benchmark custom array with the direction guessed from units.
    Gab,
    /// Bencher Metric Format.
    Bmf,
}

impl Format {
    /// Every format, in detection order (the most specific first).
    pub const ALL: [Format; 29] = [
        Format::Native,
        Format::Metrics,
        Format::Criterion,
        Format::CargoCriterion,
        Format::K6Points,
        Format::K6HandleSummary,
        Format::K6Summary,
        Format::Oha,
        Format::WrkJson,
        Format::WrkText,
        Format::Autocannon,
        Format::Artillery,
        Format::Siege,
        Format::Vegeta,
        Format::Hyperfine,
        Format::LocustJson,
        Format::LocustCsv,
        Format::HeyCsv,
        Format::HeyText,
        Format::AbCsv,
        Format::AbText,
        Format::JmeterCsv,
        Format::JmeterXml,
        Format::GnuTime,
        Format::Bencher,
        Format::GabSmaller,
        Format::GabBigger,
        Format::Gab,
        Format::Bmf,
    ];

    /// The name used in messages and in `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Criterion => "criterion",
            Format::Bencher => "bencher",
            Format::Native => "benchgate-run",
            Format::Metrics => "benchgate-metrics",
            Format::CargoCriterion => "cargo-criterion",
            Format::Hyperfine => "hyperfine",
            Format::K6Summary => "k6-summary",
            Format::K6HandleSummary => "k6-handle-summary",
            Format::K6Points => "k6-json",
            Format::Oha => "oha",
            Format::WrkText => "wrk",
            Format::WrkJson => "wrk-json",
            Format::HeyText => "hey",
            Format::HeyCsv => "hey-csv",
            Format::AbText => "ab",
            Format::AbCsv => "ab-csv",
            Format::LocustCsv => "locust-csv",
            Format::LocustJson => "locust-json",
            Format::Artillery => "artillery",
            Format::Autocannon => "autocannon",
            Format::Siege => "siege",
            Format::JmeterCsv => "jmeter-csv",
            Format::JmeterXml => "jmeter-xml",
            Format::Vegeta => "vegeta",
            Format::GnuTime => "gnu-time",
            Format::GabSmaller => "gab-smaller",
            Format::GabBigger => "gab-bigger",
            Format::Gab => "gab",
            Format::Bmf => "bmf",
        }
    }

    /// Every `--format` name.
    pub fn names() -> Vec<&'static str> {
        Format::ALL.iter().map(|f| f.name()).collect()
    }

    /// Parses a `--format` value.
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Options that change how inputs are read.
#[derive(Debug, Clone)]
pub struct Options {
    /// Which criterion result set to read: `new` (the latest run) or a saved baseline's name.
    pub criterion_baseline: String,
    /// Skip detection and read every input in this format.
    pub format: Option<Format>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            criterion_baseline: "new".to_string(),
            format: None,
        }
    }
}

/// What an adapter yields.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub metrics: Vec<Metric>,
    /// Tool versions the input states.
    pub tools: BTreeMap<String, String>,
    /// Run metadata carried by the input itself (benchgate's own run files).
    pub meta: Option<RunMeta>,
    /// What the reader of the report should know about this input (crossed tool thresholds,
    /// client errors, guessed directions).
    pub notes: Vec<String>,
}

/// A content test on a parsed JSON document.
type JsonCheck = fn(&serde_json::Value) -> bool;
/// A content test on text.
type TextCheck = fn(&str) -> bool;

/// Finds the format of an input from its content.
pub fn detect(input: &Input) -> Option<Format> {
    let bytes = match input {
        Input::Tree { files, .. } => {
            return criterion::looks_like(files).then_some(Format::Criterion);
        }
        Input::File { bytes, .. } => bytes,
    };
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();
    // Line-oriented JSON first: its lines are objects, but the whole is not one document.
    if k6::looks_like_points(trimmed) {
        return Some(Format::K6Points);
    }
    if cargo_criterion::looks_like(trimmed) {
        return Some(Format::CargoCriterion);
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let v: serde_json::Value = serde_json::from_str(trimmed).ok()?;
        let checks: [(JsonCheck, Format); 14] = [
            (native::looks_like_value, Format::Native),
            (generic::looks_like_metrics, Format::Metrics),
            (k6::looks_like_handle_summary, Format::K6HandleSummary),
            (k6::looks_like_export, Format::K6Summary),
            (oha::looks_like, Format::Oha),
            (wrk::looks_like_json, Format::WrkJson),
            (autocannon::looks_like, Format::Autocannon),
            (artillery::looks_like, Format::Artillery),
            (siege::looks_like, Format::Siege),
            (vegeta::looks_like, Format::Vegeta),
            (hyperfine::looks_like, Format::Hyperfine),
            (locust::looks_like_json, Format::LocustJson),
            (generic::looks_like_gab, Format::Gab),
            (generic::looks_like_bmf, Format::Bmf),
        ];
        return checks.iter().find(|(check, _)| check(&v)).map(|(_, f)| *f);
    }
    let text_checks: [(TextCheck, Format); 10] = [
        (wrk::looks_like_text, Format::WrkText),
        (hey::looks_like_csv, Format::HeyCsv),
        (hey::looks_like_text, Format::HeyText),
        (ab::looks_like_csv, Format::AbCsv),
        (ab::looks_like_text, Format::AbText),
        (locust::looks_like_csv, Format::LocustCsv),
        (jmeter::looks_like_csv, Format::JmeterCsv),
        (jmeter::looks_like_xml, Format::JmeterXml),
        (gnu_time::looks_like, Format::GnuTime),
        (bencher::looks_like_text, Format::Bencher),
    ];
    text_checks
        .iter()
        .find(|(check, _)| check(trimmed))
        .map(|(_, f)| *f)
}

/// The format of a file that is read as a stream rather than loaded whole, judged from its first
/// bytes: k6's `--out json` point stream, which grows with the test's length.
pub fn stream_format(head: &[u8], options: &Options) -> Option<Format> {
    let format = match options.format {
        Some(Format::K6Points) => Format::K6Points,
        Some(_) => return None,
        None => {
            let text = String::from_utf8_lossy(head);
            if !k6::looks_like_points(text.trim_start()) {
                return None;
            }
            Format::K6Points
        }
    };
    Some(format)
}

/// Reads a stream in a format that [`stream_format`] chose.
pub fn read_stream(
    format: Format,
    name: &str,
    reader: impl std::io::BufRead,
) -> Result<(Format, Parsed)> {
    let parsed = match format {
        Format::K6Points => k6::parse_points_from(name, reader)?,
        other => {
            return Err(Error::input(
                name,
                format!("{} input cannot be streamed", other.name()),
            ));
        }
    };
    if parsed.metrics.is_empty() {
        return Err(Error::input(
            name,
            format!("no measurements found in this {} input", format.name()),
        )
        .with_hint("check that the run completed and wrote its results"));
    }
    validate(name, &parsed)?;
    Ok((format, parsed))
}

/// Values beyond this are unit mistakes, not measurements (1e18 ns is 31 years; 1e18 B is an
/// exabyte).
const ABSURD: f64 = 1e18;

/// Checks what every adapter produced: no value may be NaN or infinite, none of a measured kind
/// (time, latency, throughput, error rate, CPU, memory) may be negative, and none absurdly large.
/// Adapters of line formats catch these with a line number; this is the net under all of them.
pub fn validate(name: &str, parsed: &Parsed) -> Result<()> {
    for m in &parsed.metrics {
        let bad = |what: String| {
            Err(Error::input(name, format!("metric {:?}: {what}", m.key()))
                .with_hint("check the tool's output; a measurement is never negative or infinite"))
        };
        let measured = m.kind != MetricKind::Custom;
        let check = |v: f64, field: &str| -> Result<()> {
            if !v.is_finite() {
                return bad(format!("{field} is {v}"));
            }
            if measured && v < 0.0 {
                return bad(format!("{field} {v} is negative"));
            }
            if v.abs() > ABSURD {
                return bad(format!(
                    "{field} {v:e} {} is absurdly large; is the unit right?",
                    m.unit.label()
                ));
            }
            Ok(())
        };
        check(m.value, "value")?;
        if let Some(ci) = &m.ci {
            check(ci.lower, "confidence interval lower bound")?;
            check(ci.upper, "confidence interval upper bound")?;
        }
        if let Some(spread) = m.spread {
            check(spread, "spread")?;
        }
        for v in m.samples.iter().flatten() {
            check(*v, "a sample")?;
        }
    }
    Ok(())
}

/// Detects the format (unless forced) and reads the input.
pub fn read(input: &Input, options: &Options) -> Result<(Format, Parsed)> {
    let format = match options.format.or_else(|| detect(input)) {
        Some(format) => format,
        None => return Err(unrecognized(input)),
    };
    let parsed = match (format, input) {
        (Format::Criterion, Input::Tree { name, files }) => {
            criterion::parse(name, files, &options.criterion_baseline)?
        }
        (Format::Criterion, Input::File { name, .. }) => {
            return Err(Error::input(
                name.clone(),
                "criterion results are a directory, not a file",
            )
            .with_hint("pass the `target/criterion` directory"));
        }
        (_, Input::Tree { name, .. }) => {
            return Err(Error::input(
                name.clone(),
                format!("{} results are a file, not a directory", format.name()),
            )
            .with_hint("pass the result file itself"));
        }
        (format, Input::File { name, bytes }) => read_file(format, name, bytes)?,
    };
    if parsed.metrics.is_empty() {
        return Err(Error::input(
            input.name(),
            format!("no measurements found in this {} input", format.name()),
        )
        .with_hint("check that the run completed and wrote its results"));
    }
    validate(input.name(), &parsed)?;
    Ok((format, parsed))
}

fn read_file(format: Format, name: &str, bytes: &[u8]) -> Result<Parsed> {
    let text = || {
        std::str::from_utf8(bytes)
            .map(|t| t.strip_prefix('\u{feff}').unwrap_or(t))
            .map_err(|e| Error::input(name, format!("not UTF-8 text: {e}")))
    };
    use crate::model::Direction;
    match format {
        Format::Criterion => unreachable!("trees are handled by the caller"),
        Format::Bencher => bencher::parse(name, bytes),
        Format::Native => native::parse(name, bytes),
        Format::Metrics => generic::parse_metrics(name, bytes),
        Format::CargoCriterion => cargo_criterion::parse(name, text()?),
        Format::Hyperfine => hyperfine::parse(name, bytes),
        Format::K6Summary => k6::parse_export(name, bytes),
        Format::K6HandleSummary => k6::parse_handle_summary(name, bytes),
        Format::K6Points => k6::parse_points(name, bytes),
        Format::Oha => oha::parse(name, bytes),
        Format::WrkText => wrk::parse_text(name, text()?),
        Format::WrkJson => wrk::parse_json(name, bytes),
        Format::HeyText => hey::parse_text(name, text()?),
        Format::HeyCsv => hey::parse_csv(name, bytes),
        Format::AbText => ab::parse_text(name, text()?),
        Format::AbCsv => ab::parse_csv(name, text()?),
        Format::LocustCsv => locust::parse_csv(name, bytes),
        Format::LocustJson => locust::parse_json(name, bytes),
        Format::Artillery => artillery::parse(name, bytes),
        Format::Autocannon => autocannon::parse(name, bytes),
        Format::Siege => siege::parse(name, bytes),
        Format::JmeterCsv => jmeter::parse_csv(name, bytes),
        Format::JmeterXml => jmeter::parse_xml(name, text()?),
        Format::Vegeta => vegeta::parse(name, bytes),
        Format::GnuTime => gnu_time::parse(name, text()?),
        Format::GabSmaller => generic::parse_gab(name, bytes, Some(Direction::LowerIsBetter)),
        Format::GabBigger => generic::parse_gab(name, bytes, Some(Direction::HigherIsBetter)),
        Format::Gab => generic::parse_gab(name, bytes, None),
        Format::Bmf => generic::parse_bmf(name, bytes),
    }
}

fn unrecognized(input: &Input) -> Error {
    let what = match input {
        Input::File { bytes, .. } if bytes.iter().all(u8::is_ascii_whitespace) => {
            "the file is empty"
        }
        Input::File { .. } => "unrecognized result format",
        Input::Tree { .. } => "no criterion results (benchmark.json files) in this directory",
    };
    // Tools whose human-readable output is often passed by mistake: say which file to pass.
    if let Input::File { bytes, .. } = input {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
        let known = [
            (
                "Success rate:",
                "this looks like oha's text output; run oha with `--output-format json` and pass that",
            ),
            (
                "█ TOTAL RESULTS",
                "this looks like k6's terminal summary; pass `--summary-export FILE` or `--out json=FILE` output",
            ),
            (
                "checks.........",
                "this looks like k6's terminal summary; pass `--summary-export FILE` or `--out json=FILE` output",
            ),
            (
                "Lifting the server siege",
                "this looks like siege's text summary; enable `json_output = true` in siegerc and pass the JSON",
            ),
            (
                "Transactions:",
                "this looks like siege's text summary; enable `json_output = true` in siegerc and pass the JSON",
            ),
            (
                "Running ",
                "this looks like autocannon's text output; run it with `--json` and pass that",
            ),
        ];
        if let Some((_, hint)) = known.iter().find(|(marker, _)| head.contains(marker)) {
            return Error::input(input.name(), what).with_hint(*hint);
        }
    }
    Error::input(input.name(), what).with_hint(format!(
        "benchgate reads {}; pass `--format NAME` if detection is wrong",
        Format::names().join(", ")
    ))
}

/// Parses JSON, turning a syntax error into one that names the file and line.
pub(crate) fn json<T: serde::de::DeserializeOwned>(name: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        let line = e.line().max(1);
        Error::input_at(name, line, format!("invalid JSON: {e}"))
    })
}

/// Checks that a measured number can be used: finite and not negative.
pub(crate) fn check_value(name: &str, what: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Error::input(
            name,
            format!("{what} is {value}, not a finite non-negative number"),
        )
        .with_hint("re-run the benchmark; the file looks corrupted"))
    }
}

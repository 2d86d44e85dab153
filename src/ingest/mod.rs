//! Input adapters: each turns one tool's output (bytes held in memory) into normalized metrics.
//!
//! Adapters are pure: the CLI reads files and trees into an [`Input`] and hands it over.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::model::{Metric, RunMeta};

pub mod bencher;
pub mod criterion;
pub mod native;

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
}

impl Format {
    /// Every format, in detection order.
    pub const ALL: [Format; 3] = [Format::Native, Format::Criterion, Format::Bencher];

    /// The name used in messages and in `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Criterion => "criterion",
            Format::Bencher => "bencher",
            Format::Native => "benchgate-run",
        }
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
}

/// Finds the format of an input from its content.
pub fn detect(input: &Input) -> Option<Format> {
    match input {
        Input::Tree { files, .. } => criterion::looks_like(files).then_some(Format::Criterion),
        Input::File { bytes, .. } => {
            if native::looks_like(bytes) {
                Some(Format::Native)
            } else if bencher::looks_like(bytes) {
                Some(Format::Bencher)
            } else {
                None
            }
        }
    }
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
        (Format::Bencher, Input::File { name, bytes }) => bencher::parse(name, bytes)?,
        (Format::Native, Input::File { name, bytes }) => native::parse(name, bytes)?,
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
    };
    if parsed.metrics.is_empty() {
        return Err(Error::input(
            input.name(),
            format!("no measurements found in this {} input", format.name()),
        )
        .with_hint("check that the benchmarks ran and wrote their results"));
    }
    Ok((format, parsed))
}

fn unrecognized(input: &Input) -> Error {
    let what = match input {
        Input::File { bytes, .. } if bytes.iter().all(u8::is_ascii_whitespace) => {
            "the file is empty"
        }
        Input::File { .. } => "unrecognized result format",
        Input::Tree { .. } => "no criterion results (benchmark.json files) in this directory",
    };
    let supported: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
    Error::input(input.name(), what).with_hint(format!(
        "benchgate reads {}; pass `--format NAME` if detection is wrong",
        supported.join(", ")
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

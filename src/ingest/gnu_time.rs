//! GNU time's verbose report (`/usr/bin/time -v CMD`): peak memory, CPU share, wall, user and
//! system time of one command.

use crate::error::{Error, Result};
use crate::model::{Direction, MetricKind, Unit};

use super::Parsed;
use super::load::{S, Sink, skipped_notes};

pub fn looks_like(text: &str) -> bool {
    text.contains("Command being timed: ") && text.contains("Maximum resident set size (kbytes): ")
}

/// `h:mm:ss` or `m:ss.ss` to seconds.
fn clock(text: &str) -> Option<f64> {
    text.trim().split(':').try_fold(0.0, |acc, part| {
        Some(acc * 60.0 + part.parse::<f64>().ok()?)
    })
}

pub fn parse(name: &str, text: &str) -> Result<Parsed> {
    let mut sink = Sink::default();
    let mut command = None;
    let mut values = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some((key, value)) = line.trim().split_once(": ") else {
            continue;
        };
        let bad = || Error::input_at(name, i + 1, format!("cannot read {key:?} value {value:?}"));
        let number = || {
            value
                .trim()
                .trim_end_matches('%')
                .parse::<f64>()
                .map_err(|_| bad())
        };
        match key {
            "Command being timed" => command = Some(value.trim().trim_matches('"').to_string()),
            "User time (seconds)" => {
                values.push(("user", number()? * S, MetricKind::Time, Unit::Nanoseconds))
            }
            "System time (seconds)" => {
                values.push(("system", number()? * S, MetricKind::Time, Unit::Nanoseconds))
            }
            "Percent of CPU this job got" => match number() {
                Ok(v) => values.push(("cpu", v, MetricKind::Cpu, Unit::Percent)),
                // `?%` when the command took no measurable time.
                Err(_) if value.trim() == "?%" => {}
                Err(e) => return Err(e),
            },
            k if k.starts_with("Elapsed (wall clock) time") => values.push((
                "wall",
                clock(value).ok_or_else(bad)? * S,
                MetricKind::Time,
                Unit::Nanoseconds,
            )),
            "Maximum resident set size (kbytes)" => values.push((
                "max_rss",
                number()? * 1024.0,
                MetricKind::Memory,
                Unit::Bytes,
            )),
            _ => {}
        }
    }
    let Some(command) = command else {
        return Err(Error::input(name, "no `Command being timed` line")
            .with_hint("pass the output of `/usr/bin/time -v`"));
    };
    for (stat, v, kind, unit) in values {
        sink.other(
            &command,
            stat,
            kind,
            unit,
            Direction::LowerIsBetter,
            Some(v),
        );
    }
    Ok(Parsed {
        metrics: sink.metrics,
        notes: skipped_notes(name, sink.skipped),
        ..Parsed::default()
    })
}

//! benchgate's own normalized run files (`benchgate ingest --output run.json`).

use crate::error::{Error, Result};
use crate::model::{RUN_SCHEMA, Run};

use super::{Parsed, check_value};

/// True for a JSON object tagged with a benchgate run schema (any version, so that an old or
/// new one gets a clear message rather than "unrecognized").
pub fn looks_like_value(v: &serde_json::Value) -> bool {
    v.get("schema")
        .and_then(|s| s.as_str())
        .is_some_and(|s| s.starts_with("benchgate.run."))
}

/// Reads a run file written by `benchgate ingest`.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Parsed> {
    let value: serde_json::Value = super::json(name, bytes)?;
    let schema = value.get("schema").and_then(|s| s.as_str()).unwrap_or("");
    if schema != RUN_SCHEMA {
        return Err(Error::input(
            name,
            format!("unsupported run schema {schema:?}, expected {RUN_SCHEMA:?}"),
        )
        .with_hint("re-create the file with this version of `benchgate ingest`"));
    }
    let run: Run = serde_json::from_value(value)
        .map_err(|e| Error::input(name, format!("not a valid benchgate run: {e}")))?;
    for m in &run.metrics {
        check_value(name, &format!("value of {}", m.key()), m.value)?;
    }
    Ok(Parsed {
        tools: run.meta.tools.clone(),
        notes: run.meta.notes.clone(),
        meta: Some(run.meta),
        metrics: run.metrics,
    })
}

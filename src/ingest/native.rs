//! benchgate's own normalized run files (`benchgate ingest --output run.json`).

use crate::error::{Error, Result};
use crate::model::{RUN_SCHEMA, Run};

use super::{Parsed, check_value};

/// True when the bytes are a JSON object tagged with a benchgate run schema.
pub fn looks_like(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    let text = String::from_utf8_lossy(head);
    text.trim_start().starts_with('{') && text.contains("\"benchgate.run.")
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
        meta: Some(run.meta),
        metrics: run.metrics,
    })
}

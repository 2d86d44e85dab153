//! The fork-safe hand-over: what a pull request's job leaves for the trusted `workflow_run` job,
//! and the reading of that artifact as untrusted data (size limits, no paths, no links).

use std::collections::BTreeMap;
use std::io::Read;

use serde::{Deserialize, Serialize};

use super::GitHubError;

/// Default name of the artifact the pull request's job uploads: its report directory, which
/// holds the hand-over files beside the reports.
pub const HANDOVER_ARTIFACT: &str = "benchgate-report";
/// The pull request the results belong to (a claim, checked against the API).
pub const PR_FILE: &str = "pr.json";
/// The results as one normalized run.
pub const RUN_FILE: &str = "run.json";
/// Schema tag of [`PR_FILE`].
pub const PR_SCHEMA: &str = "benchgate.pr.v1";

/// Bounds on an artifact read from another workflow.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The zip itself, as downloaded.
    pub max_download: usize,
    pub max_entries: usize,
    /// One file, uncompressed.
    pub max_file: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_download: 64 * 1024 * 1024,
            max_entries: 64,
            max_file: 64 * 1024 * 1024,
        }
    }
}

/// What the pull request's job says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrClaim {
    pub schema: String,
    pub number: u64,
    pub head_sha: String,
}

impl PrClaim {
    pub fn new(number: u64, head_sha: &str) -> Self {
        PrClaim {
            schema: PR_SCHEMA.to_string(),
            number,
            head_sha: head_sha.to_string(),
        }
    }

    /// Parses the claim; anything unexpected is refused.
    pub fn parse(bytes: &[u8]) -> Result<PrClaim, GitHubError> {
        let claim: PrClaim = serde_json::from_slice(bytes)
            .map_err(|e| GitHubError::Artifact(format!("{PR_FILE}: {e}")))?;
        if claim.schema != PR_SCHEMA {
            return Err(GitHubError::Artifact(format!(
                "{PR_FILE}: schema {:?}, expected {PR_SCHEMA:?}",
                claim.schema
            )));
        }
        if claim.head_sha.len() != 40 || !claim.head_sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(GitHubError::Artifact(format!(
                "{PR_FILE}: head_sha is not a 40-digit commit id"
            )));
        }
        Ok(claim)
    }
}

/// Reads the `wanted` files from the root of a zip, refusing the whole artifact when any entry
/// has a path that leaves the root, is a link, is over the size limit, or when there are too
/// many entries. Nothing is written to disk. Sizes are enforced on the bytes actually inflated,
/// not on the sizes the archive declares (a zip bomb lies about those).
pub fn extract(
    zip: &[u8],
    wanted: &[&str],
    limits: Limits,
) -> Result<BTreeMap<String, Vec<u8>>, GitHubError> {
    let bad = |m: String| GitHubError::Artifact(m);
    if zip.len() > limits.max_download {
        return Err(bad(format!(
            "the artifact is {} bytes, over the {}-byte limit",
            zip.len(),
            limits.max_download
        )));
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip))
        .map_err(|e| bad(format!("the artifact is not a readable zip: {e}")))?;
    if archive.len() > limits.max_entries {
        return Err(bad(format!(
            "the artifact has {} entries, over the limit of {}",
            archive.len(),
            limits.max_entries
        )));
    }
    let mut found = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| bad(format!("entry {i} of the artifact: {e}")))?;
        let name = entry.name().to_string();
        let shown: String = name.chars().take(120).collect();
        let unsafe_path = name.starts_with('/')
            || name.contains('\\')
            || name.contains('\0')
            || name.split('/').any(|part| part == "..")
            || entry.enclosed_name().is_none();
        if unsafe_path {
            return Err(bad(format!(
                "the artifact has an entry {shown:?} whose path leaves its root; refused"
            )));
        }
        if entry.is_symlink() {
            return Err(bad(format!(
                "the artifact has a symbolic link {shown:?}; refused"
            )));
        }
        if entry.is_dir() || !wanted.contains(&name.as_str()) {
            continue;
        }
        let mut bytes = Vec::new();
        (&mut entry)
            .take(limits.max_file + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| bad(format!("{shown} in the artifact: {e}")))?;
        if bytes.len() as u64 > limits.max_file {
            return Err(bad(format!(
                "{shown} in the artifact inflates past {} bytes; refused",
                limits.max_file
            )));
        }
        found.insert(name, bytes);
    }
    for w in wanted {
        if !found.contains_key(*w) {
            return Err(bad(format!(
                "the artifact has no {w}; was it uploaded by benchgate's `check` step?"
            )));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).expect("start");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    #[test]
    fn reads_the_wanted_files() {
        let z = zip_of(&[("pr.json", b"{}"), ("run.json", b"[]"), ("other", b"x")]);
        let got = extract(&z, &["pr.json", "run.json"], Limits::default()).expect("ok");
        assert_eq!(got.len(), 2);
        assert_eq!(got["run.json"], b"[]");
    }

    #[test]
    fn refuses_traversal_bombs_and_missing_files() {
        let z = zip_of(&[("../../etc/passwd", b"x"), ("pr.json", b"{}")]);
        let e = extract(&z, &["pr.json"], Limits::default()).expect_err("traversal");
        assert!(e.to_string().contains("leaves its root"), "{e}");

        // 8 MiB of zeros deflates to a few KiB: the inflated size is what is bounded.
        let zeros = vec![0u8; 8 << 20];
        let z = zip_of(&[("run.json", &zeros)]);
        assert!(z.len() < 64 * 1024);
        let limits = Limits {
            max_file: 1 << 20,
            ..Limits::default()
        };
        let e = extract(&z, &["run.json"], limits).expect_err("bomb");
        assert!(e.to_string().contains("inflates past"), "{e}");

        let z = zip_of(&[("pr.json", b"{}")]);
        let e = extract(&z, &["pr.json", "run.json"], Limits::default()).expect_err("missing");
        assert!(e.to_string().contains("has no run.json"), "{e}");

        let e = extract(b"not a zip", &["x"], Limits::default()).expect_err("junk");
        assert!(e.to_string().contains("not a readable zip"), "{e}");
    }

    #[test]
    fn refuses_symlinks() {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        w.add_symlink("run.json", "/etc/passwd", opts)
            .expect("link");
        let z = w.finish().expect("finish").into_inner();
        let e = extract(&z, &["run.json"], Limits::default()).expect_err("link");
        assert!(e.to_string().contains("symbolic link"), "{e}");
    }

    #[test]
    fn claims_are_checked() {
        let good = br#"{"schema":"benchgate.pr.v1","number":3,"head_sha":"0123456789abcdef0123456789abcdef01234567"}"#;
        assert_eq!(PrClaim::parse(good).expect("claim").number, 3);
        let bad = br#"{"schema":"benchgate.pr.v1","number":3,"head_sha":"$(rm -rf /)"}"#;
        assert!(PrClaim::parse(bad).is_err());
        let extra = br#"{"schema":"benchgate.pr.v1","number":3,"head_sha":"0123456789abcdef0123456789abcdef01234567","x":1}"#;
        assert!(PrClaim::parse(extra).is_err());
    }
}

//! A baseline kept as a workflow artifact: read from the newest successful run on the main
//! branch of the same repository, written to a local file that the workflow uploads.

use std::path::PathBuf;

use crate::baseline::Baseline;
use crate::baseline::store::{FileStore, Store};
use crate::error::{Error, Result};

use super::artifact::{Limits, extract};
use super::{Client, GitHubError};

/// The file inside the baseline artifact.
pub const BASELINE_FILE: &str = "baseline.json";
/// How many candidate artifacts are checked for a successful run before giving up.
const CANDIDATES: usize = 20;

/// Reads the history from artifacts named `name` uploaded by runs on `branch`.
#[derive(Debug)]
pub struct ArtifactStore {
    client: Client,
    runtime: tokio::runtime::Runtime,
    name: String,
    branch: String,
    /// Where `save` writes, for the workflow's upload step.
    local: FileStore,
    found: std::cell::RefCell<Option<String>>,
}

impl ArtifactStore {
    pub fn new(
        client: Client,
        runtime: tokio::runtime::Runtime,
        name: &str,
        branch: &str,
        local: PathBuf,
    ) -> Self {
        ArtifactStore {
            client,
            runtime,
            name: name.to_string(),
            branch: branch.to_string(),
            local: FileStore::new(local),
            found: std::cell::RefCell::new(None),
        }
    }

    async fn fetch(&self) -> std::result::Result<Option<(String, Vec<u8>)>, GitHubError> {
        let mut artifacts = self.client.artifacts_named(&self.name).await?;
        artifacts.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        let candidates = artifacts.into_iter().filter(|a| {
            let Some(run) = &a.workflow_run else {
                return false;
            };
            // Only this repository's own runs on the main branch: a fork's run can upload an
            // artifact of the same name.
            a.name == self.name
                && !a.expired
                && run.head_branch.as_deref() == Some(self.branch.as_str())
                && run.repository_id.is_some()
                && run.repository_id == run.head_repository_id
        });
        for artifact in candidates.take(CANDIDATES) {
            let Some(run_id) = artifact.workflow_run.as_ref().map(|r| r.id) else {
                continue;
            };
            let run = self.client.run(run_id).await?;
            if run.conclusion.as_deref() != Some("success") {
                continue;
            }
            let limits = Limits::default();
            let zip = self
                .client
                .download_artifact(artifact.id, limits.max_download)
                .await?;
            let mut files = extract(&zip, &[BASELINE_FILE], limits)?;
            let bytes = files.remove(BASELINE_FILE).unwrap_or_default();
            let from = format!(
                "artifact {} ({}) of run {run_id} on {}",
                self.name, artifact.id, self.branch
            );
            return Ok(Some((from, bytes)));
        }
        Ok(None)
    }
}

impl Store for ArtifactStore {
    fn load(&self) -> Result<Option<Baseline>> {
        let fetched = self
            .runtime
            .block_on(self.fetch())
            .map_err(|e| Error::Baseline {
                path: format!("artifact {}", self.name),
                message: e.to_string(),
                hint: None,
            })?;
        let Some((from, bytes)) = fetched else {
            return Ok(None);
        };
        let baseline = Baseline::parse(&from, &bytes)?;
        *self.found.borrow_mut() = Some(from);
        Ok(Some(baseline))
    }

    fn save(&self, baseline: &Baseline) -> Result<()> {
        self.local.save(baseline)
    }

    fn describe(&self) -> String {
        self.found
            .borrow()
            .clone()
            .unwrap_or_else(|| format!("artifact {} on {}", self.name, self.branch))
    }
}

//! The GitHub Actions context, read once from the environment and the event payload.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::GitHubError;

/// Everything benchgate uses from the workflow's environment. Built by [`Context::from_env`]
/// from a snapshot of the variables and the event file's text, so that it is pure and testable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context {
    /// `GITHUB_ACTIONS=true`: running inside a workflow.
    pub in_actions: bool,
    pub event_name: String,
    /// `owner/name` of the repository the workflow runs in.
    pub repository: String,
    pub sha: Option<String>,
    pub git_ref: Option<String>,
    pub base_ref: Option<String>,
    /// REST API root: `https://api.github.com`, or `https://HOST/api/v3` on GitHub Enterprise Server.
    pub api_url: String,
    pub server_url: String,
    pub run_id: Option<u64>,
    pub output_file: Option<PathBuf>,
    pub summary_file: Option<PathBuf>,
    pub runner_temp: Option<PathBuf>,
    pub pull_request: Option<PullRequest>,
    pub workflow_run: Option<WorkflowRun>,
}

/// The pull request of a `pull_request` or `pull_request_target` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    pub head_sha: String,
    pub base_sha: String,
    pub head_ref: String,
    pub base_ref: String,
    /// `owner/name` of the head repository; `None` when the fork was deleted.
    pub head_repo: Option<String>,
    /// The head lives in another repository: the workflow's token is read-only.
    pub fork: bool,
}

/// The run that triggered a `workflow_run` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRun {
    pub id: u64,
    pub head_sha: String,
    pub head_branch: Option<String>,
    /// The event of the triggering run (`pull_request` for the fork-safe pair).
    pub event: String,
    pub conclusion: Option<String>,
    pub head_repo: Option<String>,
    /// Pull requests GitHub links to the run (empty for runs from forks).
    pub pull_requests: Vec<u64>,
}

// Wire shapes of the event payload: only the fields benchgate reads.
#[derive(Deserialize)]
struct WireEvent {
    pull_request: Option<WirePr>,
    workflow_run: Option<WireRun>,
}

#[derive(Deserialize)]
struct WirePr {
    number: u64,
    head: WireBranch,
    base: WireBranch,
}

#[derive(Deserialize)]
struct WireBranch {
    sha: String,
    #[serde(rename = "ref")]
    git_ref: String,
    repo: Option<WireRepo>,
}

#[derive(Deserialize)]
struct WireRepo {
    full_name: String,
}

#[derive(Deserialize)]
struct WireRun {
    id: u64,
    head_sha: String,
    head_branch: Option<String>,
    event: String,
    conclusion: Option<String>,
    head_repository: Option<WireRepo>,
    #[serde(default)]
    pull_requests: Vec<WireRunPr>,
}

#[derive(Deserialize)]
struct WireRunPr {
    number: u64,
}

impl Context {
    /// Builds the context from environment variables and the text of `GITHUB_EVENT_PATH`
    /// (`None` when there is no event file). `event_path` names that file in errors.
    pub fn from_env(
        vars: &BTreeMap<String, String>,
        event_path: &str,
        event: Option<&str>,
    ) -> Result<Context, GitHubError> {
        let var = |k: &str| vars.get(k).filter(|v| !v.is_empty()).cloned();
        let path = |k: &str| var(k).map(PathBuf::from);
        let in_actions = var("GITHUB_ACTIONS").as_deref() == Some("true");
        let repository = var("GITHUB_REPOSITORY").unwrap_or_default();
        let mut ctx = Context {
            in_actions,
            event_name: var("GITHUB_EVENT_NAME").unwrap_or_default(),
            repository,
            sha: var("GITHUB_SHA"),
            git_ref: var("GITHUB_REF"),
            base_ref: var("GITHUB_BASE_REF"),
            api_url: var("GITHUB_API_URL")
                .unwrap_or_else(|| "https://api.github.com".into())
                .trim_end_matches('/')
                .to_string(),
            server_url: var("GITHUB_SERVER_URL")
                .unwrap_or_else(|| "https://github.com".into())
                .trim_end_matches('/')
                .to_string(),
            run_id: var("GITHUB_RUN_ID").and_then(|v| v.parse().ok()),
            output_file: path("GITHUB_OUTPUT"),
            summary_file: path("GITHUB_STEP_SUMMARY"),
            runner_temp: path("RUNNER_TEMP"),
            pull_request: None,
            workflow_run: None,
        };
        let Some(text) = event else {
            return Ok(ctx);
        };
        let wire: WireEvent = serde_json::from_str(text).map_err(|e| GitHubError::Event {
            path: event_path.to_string(),
            message: format!("line {}: {e}", e.line()),
        })?;
        if let Some(pr) = wire.pull_request {
            let head_repo = pr.head.repo.map(|r| r.full_name);
            let base_repo = pr.base.repo.map(|r| r.full_name);
            let fork = head_repo.as_deref() != base_repo.as_deref().or(Some(&ctx.repository));
            ctx.pull_request = Some(PullRequest {
                number: pr.number,
                head_sha: pr.head.sha,
                base_sha: pr.base.sha,
                head_ref: pr.head.git_ref,
                base_ref: pr.base.git_ref,
                head_repo,
                fork,
            });
        }
        if let Some(run) = wire.workflow_run {
            ctx.workflow_run = Some(WorkflowRun {
                id: run.id,
                head_sha: run.head_sha,
                head_branch: run.head_branch,
                event: run.event,
                conclusion: run.conclusion,
                head_repo: run.head_repository.map(|r| r.full_name),
                pull_requests: run.pull_requests.into_iter().map(|p| p.number).collect(),
            });
        }
        Ok(ctx)
    }

    /// `owner` and `name` of the repository, or an error saying which variable to set.
    pub fn owner_repo(&self) -> Result<(&str, &str), GitHubError> {
        self.repository
            .split_once('/')
            .filter(|(o, n)| !o.is_empty() && !n.is_empty() && !n.contains('/'))
            .ok_or_else(|| {
                GitHubError::Setup(format!(
                    "GITHUB_REPOSITORY is {:?}, not OWNER/NAME; run inside GitHub Actions or set it",
                    self.repository
                ))
            })
    }

    /// The web address of this workflow run, for links from a comment.
    pub fn run_url(&self) -> Option<String> {
        self.run_id
            .map(|id| format!("{}/{}/actions/runs/{id}", self.server_url, self.repository))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    const PR: &str = r#"{"action":"synchronize","number":7,"pull_request":{"number":7,
        "head":{"sha":"aaa","ref":"feature","repo":{"full_name":"someone/fork"}},
        "base":{"sha":"bbb","ref":"main","repo":{"full_name":"acme/widgets"}}}}"#;

    #[test]
    fn pull_request_from_a_fork_is_marked() {
        let env = vars(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_REPOSITORY", "acme/widgets"),
            ("GITHUB_API_URL", "https://ghe.example.com/api/v3/"),
            ("GITHUB_RUN_ID", "42"),
        ]);
        let ctx = Context::from_env(&env, "event.json", Some(PR)).expect("context");
        let pr = ctx.pull_request.as_ref().expect("pr");
        assert_eq!((pr.number, pr.fork), (7, true));
        assert_eq!(ctx.api_url, "https://ghe.example.com/api/v3");
        assert_eq!(
            ctx.run_url().as_deref(),
            Some("https://github.com/acme/widgets/actions/runs/42")
        );
        let same = PR.replace("someone/fork", "acme/widgets");
        let ctx = Context::from_env(&env, "event.json", Some(&same)).expect("context");
        assert!(!ctx.pull_request.expect("pr").fork);
    }

    #[test]
    fn a_bad_event_file_is_named() {
        let err = Context::from_env(
            &vars(&[]),
            "/tmp/event.json",
            Some("{\n\"pull_request\": 3"),
        )
        .expect_err("bad event");
        let text = err.to_string();
        assert!(text.starts_with("/tmp/event.json: line 2"), "{text}");
    }

    #[test]
    fn owner_repo_needs_both_parts() {
        let ctx = Context {
            repository: "acme".into(),
            ..Context::default()
        };
        assert!(ctx.owner_repo().is_err());
    }
}

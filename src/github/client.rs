//! The REST client: octocrab underneath, with bounded retries that honour GitHub's rate-limit
//! headers, pagination by `Link`, and failures turned into messages that say what to do.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use http_body_util::BodyExt;
use octocrab::Octocrab;
use serde::Deserialize;
use serde_json::Value;

use super::GitHubError;

/// How hard to try before giving up on a request.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// Wait before the second try; doubled for each later one.
    pub backoff: Duration,
    /// The longest wait accepted for a rate-limit reset; a later reset fails at once.
    pub max_wait: Duration,
    /// Per-request read timeout.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            backoff: Duration::from_secs(2),
            max_wait: Duration::from_secs(90),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A response read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    fn json<T: serde::de::DeserializeOwned>(&self, what: &str) -> Result<T, GitHubError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            GitHubError::Api(format!(
                "{what}: the response is not the expected JSON ({e})"
            ))
        })
    }

    /// GitHub's `message` field, when the body has one.
    fn message(&self) -> String {
        serde_json::from_slice::<Value>(&self.body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| {
                String::from_utf8_lossy(&self.body)
                    .chars()
                    .take(200)
                    .collect()
            })
    }
}

/// A comment on an issue or pull request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Comment {
    pub id: u64,
    #[serde(default)]
    pub body: String,
    pub user: Option<User>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    pub login: String,
}

/// What benchgate reads of a pull request.
#[derive(Debug, Clone, Deserialize)]
pub struct Pull {
    pub number: u64,
    pub state: String,
    pub head: PullHead,
    pub base: PullHead,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PullHead {
    pub sha: String,
}

/// A workflow artifact.
#[derive(Debug, Clone, Deserialize)]
pub struct Artifact {
    pub id: u64,
    pub name: String,
    pub size_in_bytes: u64,
    #[serde(default)]
    pub expired: bool,
    pub created_at: Option<String>,
    pub workflow_run: Option<ArtifactRun>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ArtifactRun {
    pub id: u64,
    pub head_branch: Option<String>,
    pub head_sha: Option<String>,
    pub repository_id: Option<u64>,
    pub head_repository_id: Option<u64>,
}

/// A workflow run, as far as the artifact store checks it.
#[derive(Debug, Clone, Deserialize)]
pub struct Run {
    pub id: u64,
    pub conclusion: Option<String>,
    pub head_branch: Option<String>,
}

#[derive(Deserialize)]
struct ArtifactList {
    artifacts: Vec<Artifact>,
}

/// A GitHub REST client bound to one repository.
#[derive(Debug, Clone)]
pub struct Client {
    octo: Octocrab,
    api_url: String,
    owner: String,
    repo: String,
    policy: RetryPolicy,
}

impl Client {
    /// A client for `owner/repo` at `api_url` (GitHub Enterprise Server's `/api/v3` included).
    /// Must be called inside a tokio runtime.
    pub fn new(
        api_url: &str,
        token: &str,
        owner: &str,
        repo: &str,
        policy: RetryPolicy,
    ) -> Result<Client, GitHubError> {
        let octo = Octocrab::builder()
            .base_uri(api_url)
            .map_err(|e| GitHubError::Setup(format!("GITHUB_API_URL {api_url:?}: {e}")))?
            .personal_token(token.to_string())
            .add_header(http::header::USER_AGENT, "benchgate".to_string())
            .set_connect_timeout(Some(policy.timeout))
            .set_read_timeout(Some(policy.timeout))
            .build()
            .map_err(|e| GitHubError::Setup(format!("cannot start the GitHub client: {e}")))?;
        Ok(Client {
            octo,
            api_url: api_url.trim_end_matches('/').to_string(),
            owner: owner.to_string(),
            repo: repo.to_string(),
            policy,
        })
    }

    fn repo_path(&self, rest: &str) -> String {
        format!("/repos/{}/{}/{rest}", self.owner, self.repo)
    }

    /// Sends one request, retrying network failures, 5xx and rate limits within the policy.
    /// Other statuses are returned for the caller to judge.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        limit: usize,
    ) -> Result<Reply, GitHubError> {
        let mut delay = self.policy.backoff;
        let mut last = String::new();
        for attempt in 1..=self.policy.attempts {
            if attempt > 1 {
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
            }
            let sent = match method {
                Method::GET => self.octo._get(path).await,
                Method::POST => self.octo._post(path, body).await,
                Method::PATCH => self.octo._patch(path, body).await,
                Method::DELETE => self.octo._delete(path, body).await,
                _ => return Err(GitHubError::Api(format!("unsupported method {method}"))),
            };
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    last = format!("{method} {path}: {}", network_reason(&e));
                    continue;
                }
            };
            let (parts, body) = response.into_parts();
            let bytes = match http_body_util::Limited::new(body, limit).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                    return Err(GitHubError::Api(format!(
                        "{method} {path}: the response is over {limit} bytes; refused"
                    )));
                }
                Err(e) => {
                    last = format!("{method} {path}: the response broke off ({e})");
                    continue;
                }
            };
            let reply = Reply {
                status: parts.status,
                headers: parts.headers,
                body: bytes,
            };
            if let Some(wait) = rate_limit_wait(&reply) {
                if wait > self.policy.max_wait {
                    return Err(GitHubError::RateLimited(format!(
                        "{method} {path}: the API rate limit resets in {} s, longer than benchgate waits ({} s); re-run the job later",
                        wait.as_secs(),
                        self.policy.max_wait.as_secs()
                    )));
                }
                last = format!("{method} {path}: rate limited ({})", reply.message());
                // The reset time replaces the backoff for this wait.
                tokio::time::sleep(wait).await;
                continue;
            }
            if reply.status.is_server_error() {
                last = format!(
                    "{method} {path}: GitHub answered {} ({})",
                    reply.status,
                    reply.message()
                );
                continue;
            }
            return Ok(reply);
        }
        Err(GitHubError::Unavailable(format!(
            "{last}; gave up after {} tries",
            self.policy.attempts
        )))
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Reply, GitHubError> {
        let reply = self.send(method, path, body, 16 * 1024 * 1024).await?;
        if reply.status.is_success() {
            Ok(reply)
        } else {
            Err(failure(&reply, what))
        }
    }

    /// The login the token acts as, when the API says (`GET /user` is closed to the
    /// `GITHUB_TOKEN` of a workflow, which acts as `github-actions[bot]`).
    pub async fn login(&self) -> Option<String> {
        let reply = self.send(Method::GET, "/user", None, 1 << 20).await.ok()?;
        if !reply.status.is_success() {
            return None;
        }
        reply.json::<User>("GET /user").ok().map(|u| u.login)
    }

    /// Every comment of an issue or pull request, all pages.
    pub async fn comments(&self, number: u64) -> Result<Vec<Comment>, GitHubError> {
        let mut path = self.repo_path(&format!("issues/{number}/comments?per_page=100"));
        let mut all = Vec::new();
        for _ in 0..1000 {
            let reply = self
                .call(
                    Method::GET,
                    &path,
                    None,
                    &format!("listing the comments of #{number}"),
                )
                .await?;
            all.extend(reply.json::<Vec<Comment>>("comment list")?);
            match next_link(&reply.headers, &self.api_url) {
                Some(next) => path = next,
                None => return Ok(all),
            }
        }
        Err(GitHubError::Api(format!(
            "the comments of #{number} run past 1000 pages"
        )))
    }

    /// Creates a comment and returns its id.
    pub async fn create_comment(&self, number: u64, body: &str) -> Result<u64, GitHubError> {
        let reply = self
            .call(
                Method::POST,
                &self.repo_path(&format!("issues/{number}/comments")),
                Some(&serde_json::json!({ "body": body })),
                &format!("commenting on #{number}"),
            )
            .await?;
        Ok(reply.json::<Comment>("created comment")?.id)
    }

    pub async fn update_comment(&self, id: u64, body: &str) -> Result<(), GitHubError> {
        self.call(
            Method::PATCH,
            &self.repo_path(&format!("issues/comments/{id}")),
            Some(&serde_json::json!({ "body": body })),
            &format!("updating comment {id}"),
        )
        .await
        .map(drop)
    }

    pub async fn delete_comment(&self, id: u64) -> Result<(), GitHubError> {
        let reply = self
            .send(
                Method::DELETE,
                &self.repo_path(&format!("issues/comments/{id}")),
                None,
                1 << 20,
            )
            .await?;
        // Already gone (another run removed it) is what was wanted.
        if reply.status.is_success() || reply.status == StatusCode::NOT_FOUND {
            Ok(())
        } else {
            Err(failure(&reply, &format!("deleting comment {id}")))
        }
    }

    pub async fn pull(&self, number: u64) -> Result<Pull, GitHubError> {
        self.call(
            Method::GET,
            &self.repo_path(&format!("pulls/{number}")),
            None,
            &format!("reading pull request #{number}"),
        )
        .await?
        .json("pull request")
    }

    pub async fn run(&self, id: u64) -> Result<Run, GitHubError> {
        self.call(
            Method::GET,
            &self.repo_path(&format!("actions/runs/{id}")),
            None,
            &format!("reading workflow run {id}"),
        )
        .await?
        .json("workflow run")
    }

    /// The artifacts of one workflow run.
    pub async fn run_artifacts(&self, run_id: u64) -> Result<Vec<Artifact>, GitHubError> {
        let reply = self
            .call(
                Method::GET,
                &self.repo_path(&format!("actions/runs/{run_id}/artifacts?per_page=100")),
                None,
                &format!("listing the artifacts of run {run_id}"),
            )
            .await?;
        Ok(reply.json::<ArtifactList>("artifact list")?.artifacts)
    }

    /// The repository's artifacts with this name, newest first (first page of 100).
    pub async fn artifacts_named(&self, name: &str) -> Result<Vec<Artifact>, GitHubError> {
        let query: String = url_encode(name);
        let reply = self
            .call(
                Method::GET,
                &self.repo_path(&format!("actions/artifacts?name={query}&per_page=100")),
                None,
                &format!("listing the artifacts named {name:?}"),
            )
            .await?;
        Ok(reply.json::<ArtifactList>("artifact list")?.artifacts)
    }

    /// Downloads an artifact's zip (GitHub answers with a redirect to storage), refusing more
    /// than `limit` bytes.
    pub async fn download_artifact(&self, id: u64, limit: usize) -> Result<Bytes, GitHubError> {
        let path = self.repo_path(&format!("actions/artifacts/{id}/zip"));
        let reply = self.send(Method::GET, &path, None, limit).await?;
        if reply.status.is_success() {
            Ok(reply.body)
        } else {
            Err(failure(&reply, &format!("downloading artifact {id}")))
        }
    }
}

/// How long to wait before retrying a rate-limited reply, if it is one: `Retry-After` (secondary
/// limits), else `x-ratelimit-reset` when `x-ratelimit-remaining` is 0.
fn rate_limit_wait(reply: &Reply) -> Option<Duration> {
    if !matches!(reply.status.as_u16(), 403 | 429) {
        return None;
    }
    let header = |name: &str| {
        reply
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(secs) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    if header("x-ratelimit-remaining") == Some("0") {
        let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok())?;
        let now = chrono::Utc::now().timestamp();
        // One second of margin: the reset is a whole second, the clocks are not.
        return Some(Duration::from_secs(
            u64::try_from(reset - now).unwrap_or(0) + 1,
        ));
    }
    None
}

/// The next page from a `Link` header, as a path under the API root; links elsewhere are not
/// followed (the token must not leave GitHub).
fn next_link(headers: &HeaderMap, api_url: &str) -> Option<String> {
    let link = headers.get(http::header::LINK)?.to_str().ok()?;
    let next = link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| url.trim().trim_start_matches('<').trim_end_matches('>'))
    })?;
    let api: http::Uri = api_url.parse().ok()?;
    let uri: http::Uri = next.parse().ok()?;
    if uri.authority() != api.authority() || uri.scheme() != api.scheme() {
        return None;
    }
    uri.path_and_query().map(|p| p.as_str().to_string())
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn network_reason(e: &octocrab::Error) -> String {
    // The source chain says "timed out" or "connection refused"; the token is never in it.
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

/// The permissions a workflow's token needs for benchgate's comment and artifact reads.
pub const PERMISSIONS_YAML: &str =
    "permissions:\n  contents: read\n  pull-requests: write\n  actions: read";

/// Turns a refusal into an error that says what to change.
fn failure(reply: &Reply, what: &str) -> GitHubError {
    let message = reply.message();
    match reply.status.as_u16() {
        401 => GitHubError::Auth(format!(
            "{what}: GitHub refused the token (401 {message}); pass a valid token in the `token` input"
        )),
        // "Resource not accessible by integration" and its kin: a permission the token lacks.
        403 => GitHubError::Permission {
            what: what.to_string(),
            message,
            yaml: PERMISSIONS_YAML.to_string(),
        },
        404 => GitHubError::NotFound(format!(
            "{what}: not found (404 {message}); check the repository, number or id, and that the token can read it"
        )),
        422 if message.to_lowercase().contains("too long") || reply_mentions(reply, "too long") => {
            GitHubError::TooLong(format!("{what}: {message}"))
        }
        s => GitHubError::Api(format!("{what}: GitHub answered {s} ({message})")),
    }
}

fn reply_mentions(reply: &Reply, needle: &str) -> bool {
    String::from_utf8_lossy(&reply.body)
        .to_lowercase()
        .contains(needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_stays_under_the_api_root() {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::LINK,
            "<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=2>; rel=\"next\", <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=5>; rel=\"last\""
                .parse()
                .expect("header"),
        );
        assert_eq!(
            next_link(&h, "https://api.github.com").as_deref(),
            Some("/repositories/1/issues/2/comments?per_page=100&page=2")
        );
        assert_eq!(next_link(&h, "https://evil.example"), None);
    }

    #[test]
    fn names_are_query_encoded() {
        assert_eq!(url_encode("bench gate&x"), "bench%20gate%26x");
    }
}

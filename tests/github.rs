//! The GitHub client and the sticky comment against a local mock of the REST API (wiremock),
//! answering with the real API's shapes and status codes, failures included.

use std::time::Duration;

use benchgate::github::client::PERMISSIONS_YAML;
use benchgate::github::comment::{self, MARKER, Outcome};
use benchgate::github::{Client, GitHubError, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BOT: &str = "github-actions[bot]";
const COMMENTS: &str = "/repos/acme/widgets/issues/7/comments";

fn fast() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        backoff: Duration::from_millis(10),
        max_wait: Duration::from_secs(5),
        timeout: Duration::from_millis(500),
    }
}

fn client(server: &MockServer) -> Client {
    Client::new(&server.uri(), "ghs_test_token", "acme", "widgets", fast()).expect("client")
}

/// A comment as `GET /repos/{owner}/{repo}/issues/{n}/comments` lists it.
fn comment_json(id: u64, login: &str, body: &str) -> Value {
    json!({
        "id": id,
        "node_id": format!("IC_kwDO{id}"),
        "url": format!("https://api.github.com/repos/acme/widgets/issues/comments/{id}"),
        "html_url": format!("https://github.com/acme/widgets/pull/7#issuecomment-{id}"),
        "body": body,
        "user": { "login": login, "id": 41898282, "type": if login.ends_with("[bot]") { "Bot" } else { "User" } },
        "created_at": "2026-12-01T10:00:00Z",
        "updated_at": "2026-12-01T10:00:00Z",
        "author_association": "NONE"
    })
}

fn body(text: &str) -> String {
    format!("{MARKER}\n{text}")
}

/// `GET .../comments` answers an empty list: no comment on the pull request yet.
async fn mock_no_comments(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
}

async fn requests(server: &MockServer, verb: &str) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == verb)
        .collect()
}

#[tokio::test]
async fn finds_its_comment_on_a_later_page_and_updates_it() {
    let server = MockServer::start().await;
    let next = format!(
        "<{}/repositories/1/issues/7/comments?per_page=100&page=2>; rel=\"next\", <{}/repositories/1/issues/7/comments?per_page=100&page=2>; rel=\"last\"",
        server.uri(),
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", next.as_str())
                .set_body_json(json!([comment_json(1, "octocat", "looks good")])),
        )
        .mount(&server)
        .await;
    // The second page must be asked for with the token too.
    Mock::given(method("GET"))
        .and(path("/repositories/1/issues/7/comments"))
        .and(query_param("page", "2"))
        .and(header("authorization", "Bearer ghs_test_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            comment_json(2, "octocat", &body("pasted by a person")),
            comment_json(3, BOT, &body("old report")),
        ])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/widgets/issues/comments/3"))
        .and(body_partial_json(json!({ "body": body("new report") })))
        .respond_with(ResponseTemplate::new(200).set_body_json(comment_json(3, BOT, "x")))
        .expect(1)
        .mount(&server)
        .await;

    let c = client(&server);
    let out = comment::upsert(&c, 7, (MARKER, &body("new report"), "short"), BOT, true)
        .await
        .expect("upsert");
    assert_eq!(
        out,
        Outcome::Updated {
            id: 3,
            duplicates_removed: 0
        }
    );
    // The person's comment with a pasted marker was not touched.
    assert!(requests(&server, "DELETE").await.is_empty());
}

#[tokio::test]
async fn an_identical_comment_is_left_alone() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([comment_json(5, BOT, &body("same"))])),
        )
        .mount(&server)
        .await;
    let out = comment::upsert(&client(&server), 7, (MARKER, &body("same"), "s"), BOT, true)
        .await
        .expect("upsert");
    assert_eq!(out, Outcome::Unchanged { id: 5 });
    assert!(requests(&server, "PATCH").await.is_empty());
    assert!(requests(&server, "POST").await.is_empty());
}

#[tokio::test]
async fn creates_when_none_and_removes_a_racing_duplicate() {
    let server = MockServer::start().await;
    // First listing: nothing of ours. After the create: ours (11) and a racing run's (10).
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            comment_json(10, BOT, &body("racing run")),
            comment_json(11, BOT, &body("this run")),
        ])))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(
            11,
            BOT,
            &body("this run"),
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/repos/acme/widgets/issues/comments/11"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/widgets/issues/comments/10"))
        .and(body_partial_json(json!({ "body": body("this run") })))
        .respond_with(ResponseTemplate::new(200).set_body_json(comment_json(10, BOT, "x")))
        .expect(1)
        .mount(&server)
        .await;
    let out = comment::upsert(
        &client(&server),
        7,
        (MARKER, &body("this run"), "s"),
        BOT,
        true,
    )
    .await
    .expect("upsert");
    assert_eq!(
        out,
        Outcome::Created {
            id: 10,
            duplicates_removed: 1
        }
    );
}

#[tokio::test]
async fn on_regression_mode_does_not_create_but_skips() {
    let server = MockServer::start().await;
    mock_no_comments(&server).await;
    let out = comment::upsert(
        &client(&server),
        7,
        (MARKER, &body("pass"), "s"),
        BOT,
        false,
    )
    .await
    .expect("upsert");
    assert!(matches!(out, Outcome::Skipped(_)));
    assert!(requests(&server, "POST").await.is_empty());
}

#[tokio::test]
async fn a_read_only_token_gets_the_permissions_to_add() {
    let server = MockServer::start().await;
    mock_no_comments(&server).await;
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
            "status": "403"
        })))
        .mount(&server)
        .await;
    let err = comment::upsert(&client(&server), 7, (MARKER, &body("x"), "s"), BOT, true)
        .await
        .expect_err("403");
    let text = err.to_string();
    assert!(matches!(err, GitHubError::Permission { .. }), "{text}");
    assert!(
        text.contains("Resource not accessible by integration"),
        "{text}"
    );
    assert!(text.contains(PERMISSIONS_YAML), "{text}");
    assert!(text.contains("pull-requests: write"), "{text}");
}

#[tokio::test]
async fn a_body_too_long_is_sent_again_shortened() {
    let server = MockServer::start().await;
    mock_no_comments(&server).await;
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .and(body_partial_json(json!({ "body": body("long") })))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": "Validation Failed",
            "errors": [{ "resource": "IssueComment", "code": "unprocessable", "field": "data",
                         "message": "Body is too long (maximum is 65536 characters)" }],
            "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
            "status": "422"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .and(body_partial_json(json!({ "body": body("short") })))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(
            20,
            BOT,
            &body("short"),
        )))
        .expect(1)
        .mount(&server)
        .await;
    let out = comment::upsert(
        &client(&server),
        7,
        (MARKER, &body("long"), &body("short")),
        BOT,
        true,
    )
    .await
    .expect("upsert");
    assert!(matches!(out, Outcome::Created { id: 20, .. }), "{out:?}");
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/widgets/pulls/7"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/widgets/pulls/7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "number": 7, "state": "open",
            "head": { "sha": "a".repeat(40), "ref": "feature" },
            "base": { "sha": "b".repeat(40), "ref": "main" }
        })))
        .with_priority(2)
        .mount(&server)
        .await;
    let pull = client(&server).pull(7).await.expect("third try");
    assert_eq!(pull.head.sha, "a".repeat(40));

    let down = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503).set_body_json(json!({"message": "Service Unavailable"})),
        )
        .mount(&down)
        .await;
    let err = client(&down).pull(7).await.expect_err("always 503");
    assert!(matches!(err, GitHubError::Unavailable(_)), "{err}");
    assert!(err.to_string().contains("gave up after 3 tries"), "{err}");
    assert_eq!(requests(&down, "GET").await.len(), 3);
}

#[tokio::test]
async fn rate_limits_wait_for_the_reset_or_fail_at_once() {
    let server = MockServer::start().await;
    let reset = chrono::Utc::now().timestamp() + 1;
    Mock::given(method("GET"))
        .and(path("/repos/acme/widgets/pulls/7"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-limit", "5000")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str())
                .set_body_json(json!({
                    "message": "API rate limit exceeded for installation ID 1.",
                    "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"
                })),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/widgets/pulls/7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "number": 7, "state": "open",
            "head": { "sha": "c".repeat(40) }, "base": { "sha": "d".repeat(40) }
        })))
        .with_priority(2)
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let pull = client(&server).pull(7).await.expect("after the reset");
    assert_eq!(pull.number, 7);
    assert!(started.elapsed() >= Duration::from_millis(900));

    let far = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3600")
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit."})),
        )
        .mount(&far)
        .await;
    let err = client(&far).pull(7).await.expect_err("an hour away");
    assert!(matches!(err, GitHubError::RateLimited(_)), "{err}");
    assert_eq!(requests(&far, "GET").await.len(), 1);
}

#[tokio::test]
async fn timeouts_and_a_closed_port_end_in_a_clear_failure() {
    let slow = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_secs(3))
                .set_body_json(json!([])),
        )
        .mount(&slow)
        .await;
    let err = client(&slow).comments(7).await.expect_err("timeout");
    assert!(matches!(err, GitHubError::Unavailable(_)), "{err}");

    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let c = Client::new(
        &format!("http://127.0.0.1:{port}"),
        "ghs_test_token",
        "acme",
        "widgets",
        fast(),
    )
    .expect("client");
    let err = c.comments(7).await.expect_err("refused");
    let text = err.to_string();
    assert!(matches!(err, GitHubError::Unavailable(_)), "{text}");
    assert!(!text.contains("ghs_test_token"), "{text}");
}

#[tokio::test]
async fn a_missing_pull_request_is_named() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/widgets/pulls/999"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest/pulls/pulls#get-a-pull-request",
            "status": "404"
        })))
        .mount(&server)
        .await;
    let err = client(&server).pull(999).await.expect_err("404");
    assert!(matches!(err, GitHubError::NotFound(_)), "{err}");
    assert!(err.to_string().contains("pull request #999"), "{err}");
}

#[tokio::test]
async fn github_enterprise_paths_keep_their_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/repos/acme/widgets/issues/7/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::new(
        &format!("{}/api/v3", server.uri()),
        "t",
        "acme",
        "widgets",
        fast(),
    )
    .expect("client");
    assert!(c.comments(7).await.expect("list").is_empty());
}

#[tokio::test]
async fn a_conflict_is_a_clear_failure_not_a_retry() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/widgets/issues/comments/3"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "message": "Conflict",
            "documentation_url": "https://docs.github.com/rest/issues/comments#update-an-issue-comment",
            "status": "409"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .update_comment(3, "x")
        .await
        .expect_err("409");
    assert!(matches!(err, GitHubError::Api(_)), "{err}");
    assert!(err.to_string().contains("409"), "{err}");
}

#[tokio::test]
async fn a_keyed_comment_leaves_the_default_one_alone() {
    let server = MockServer::start().await;
    let keyed = comment::marker(Some("load"));
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([comment_json(
                30,
                BOT,
                &body("micro-benchmarks")
            )])),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .and(body_partial_json(
            json!({ "body": format!("{keyed}\nload test") }),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(
            31,
            BOT,
            &format!("{keyed}\nload test"),
        )))
        .expect(1)
        .mount(&server)
        .await;
    let text = comment::with_marker(&body("load test"), &keyed);
    let out = comment::upsert(&client(&server), 7, (&keyed, &text, &text), BOT, true)
        .await
        .expect("upsert");
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    assert!(requests(&server, "PATCH").await.is_empty());
    assert!(requests(&server, "DELETE").await.is_empty());
}

//! The sticky pull-request comment: one comment per pull request, found by a hidden marker and
//! updated in place.

use super::{Client, GitHubError};

/// The hidden first line that marks benchgate's comment.
pub const MARKER: &str = "<!-- benchgate:comment -->";
/// The login of the `GITHUB_TOKEN` of a workflow, which cannot ask `GET /user` who it is.
pub const ACTIONS_BOT: &str = "github-actions[bot]";

/// When to comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Always create or update the comment.
    Always,
    /// Create a comment only for a warning or critical verdict; an existing one is still
    /// updated, so that a fixed regression does not leave a stale alarm.
    OnRegression,
    /// Never comment.
    Never,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "always" => Some(Mode::Always),
            "on-regression" => Some(Mode::OnRegression),
            "never" => Some(Mode::Never),
            _ => None,
        }
    }
}

/// What happened to the comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created { id: u64, duplicates_removed: usize },
    Updated { id: u64, duplicates_removed: usize },
    Unchanged { id: u64 },
    Skipped(String),
}

impl Outcome {
    /// One line for the log.
    pub fn describe(&self, number: u64) -> String {
        let dup = |n: usize| {
            if n == 0 {
                String::new()
            } else {
                format!("; removed {n} duplicate(s) from a concurrent run")
            }
        };
        match self {
            Outcome::Created {
                id,
                duplicates_removed,
            } => format!(
                "created comment {id} on #{number}{}",
                dup(*duplicates_removed)
            ),
            Outcome::Updated {
                id,
                duplicates_removed,
            } => format!(
                "updated comment {id} on #{number}{}",
                dup(*duplicates_removed)
            ),
            Outcome::Unchanged { id } => format!("comment {id} on #{number} is already up to date"),
            Outcome::Skipped(why) => format!("no comment on #{number}: {why}"),
        }
    }
}

/// The marker of the comment with this key: several benchgate steps on one pull request (say
/// micro-benchmarks and a load test) each keep their own comment.
pub fn marker(key: Option<&str>) -> String {
    match key {
        Some(k) => format!("<!-- benchgate:comment:{k} -->"),
        None => MARKER.to_string(),
    }
}

/// Whether a comment key is usable inside the marker (letters, digits, `.`, `_`, `-`).
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// The body carrying `marker`: the templates' default marker is replaced by it, and it is put
/// first when the body (a user's template) has none.
pub fn with_marker(body: &str, marker: &str) -> String {
    let body = if marker == MARKER {
        body.to_string()
    } else {
        body.replace(MARKER, marker)
    };
    if body.contains(marker) {
        body
    } else {
        format!("{marker}\n{body}")
    }
}

/// Creates or updates the sticky comment on pull request `number`. Only comments that carry
/// the marker AND were written by `author` are touched: anyone can paste the marker into a
/// comment of their own. `create` says whether a missing comment should be made. When GitHub
/// refuses the body as too long, `short` is sent instead.
pub async fn upsert(
    client: &Client,
    number: u64,
    (marker, body, short): (&str, &str, &str),
    author: &str,
    create: bool,
) -> Result<Outcome, GitHubError> {
    let ours = own_comments(client, number, marker, author).await?;
    if let Some(first) = ours.first() {
        let removed = remove(client, &ours[1..]).await?;
        if first.body == body && removed == 0 {
            return Ok(Outcome::Unchanged { id: first.id });
        }
        if first.body != body {
            update(client, first.id, body, short).await?;
        }
        return Ok(Outcome::Updated {
            id: first.id,
            duplicates_removed: removed,
        });
    }
    if !create {
        return Ok(Outcome::Skipped(
            "nothing to report and no earlier comment to update".into(),
        ));
    }
    let id = match client.create_comment(number, body).await {
        Err(GitHubError::TooLong(_)) if short != body => {
            client.create_comment(number, short).await?
        }
        other => other?,
    };
    // Two runs for one pull request may both have found no comment and both created one:
    // keep the oldest, which every racing run agrees on, and make it carry this body.
    let ours = own_comments(client, number, marker, author).await?;
    let Some(keep) = ours.first() else {
        return Ok(Outcome::Created {
            id,
            duplicates_removed: 0,
        });
    };
    let removed = remove(client, &ours[1..]).await?;
    if keep.id != id {
        update(client, keep.id, body, short).await?;
    }
    Ok(Outcome::Created {
        id: keep.id,
        duplicates_removed: removed,
    })
}

async fn own_comments(
    client: &Client,
    number: u64,
    marker: &str,
    author: &str,
) -> Result<Vec<super::client::Comment>, GitHubError> {
    let mut ours: Vec<_> = client
        .comments(number)
        .await?
        .into_iter()
        .filter(|c| c.user.as_ref().is_some_and(|u| u.login == author) && c.body.contains(marker))
        .collect();
    ours.sort_by_key(|c| c.id);
    Ok(ours)
}

async fn remove(client: &Client, extra: &[super::client::Comment]) -> Result<usize, GitHubError> {
    for c in extra {
        client.delete_comment(c.id).await?;
    }
    Ok(extra.len())
}

async fn update(client: &Client, id: u64, body: &str, short: &str) -> Result<(), GitHubError> {
    match client.update_comment(id, body).await {
        Err(GitHubError::TooLong(_)) if short != body => client.update_comment(id, short).await,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_is_added_once() {
        assert_eq!(with_marker("hi", MARKER), format!("{MARKER}\nhi"));
        let body = format!("x\n{MARKER}\ny");
        assert_eq!(with_marker(&body, MARKER), body);
        assert_eq!(Mode::parse("on-regression"), Some(Mode::OnRegression));
        assert_eq!(Mode::parse("sometimes"), None);
        let keyed = marker(Some("load"));
        let body = with_marker(&format!("{MARKER}\nreport"), &keyed);
        assert_eq!(body, format!("{keyed}\nreport"));
        // A keyed comment is not the default one, nor the other way round.
        assert!(!body.contains(MARKER) && !MARKER.contains(&keyed));
        assert!(valid_key("k6-checkout") && !valid_key("a -->") && !valid_key(""));
    }
}

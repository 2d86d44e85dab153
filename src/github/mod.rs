//! GitHub: the Actions context, workflow commands, the REST client, the sticky pull-request
//! comment, the fork-safe artifact hand-over and the artifact baseline store. Nothing outside
//! this module knows GitHub.

pub mod artifact;
pub mod client;
pub mod commands;
pub mod comment;
pub mod context;
pub mod store;

pub use client::{Client, RetryPolicy};
pub use context::Context;

/// Failures talking to GitHub or reading what a workflow handed over. Messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// The environment lacks something benchgate needs.
    #[error("{0}")]
    Setup(String),
    /// The event payload could not be read.
    #[error("{path}: {message}")]
    Event { path: String, message: String },
    /// The token was refused.
    #[error("{0}")]
    Auth(String),
    /// The token lacks a permission.
    #[error(
        "{what}: GitHub refused ({message}); the workflow's token lacks a permission. Add to the job:\n{yaml}"
    )]
    Permission {
        what: String,
        message: String,
        yaml: String,
    },
    #[error("{0}")]
    NotFound(String),
    /// GitHub refused a body over its size limit.
    #[error("{0}")]
    TooLong(String),
    #[error("{0}")]
    RateLimited(String),
    /// Network failures or 5xx that outlasted the retries.
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Api(String),
    /// An artifact from another workflow that is malformed, oversized or hostile.
    #[error("{0}")]
    Artifact(String),
}

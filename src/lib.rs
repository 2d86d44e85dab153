//! benchgate: a performance-regression gate for CI.
//!
//! Data flows one way: [`ingest`] reads tool output into a [`model::Run`], [`compare`] judges it
//! against the [`baseline`] history under the [`config`] policy, [`report`] renders the result,
//! and [`cli`] does the I/O and sets the exit code.

pub mod baseline;
pub mod cli;
pub mod compare;
pub mod config;
pub mod error;
pub mod github;
pub mod ingest;
pub mod model;
pub mod par;
pub mod report;

pub use error::{Error, Result};

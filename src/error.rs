//! The library's error type: every failure names the file it came from and, where it can, the fix.

use std::path::PathBuf;

/// Errors raised by benchgate's library. Messages are lowercase fragments that name the file,
/// the line where the format has lines, and how to fix the problem.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input file or tree that could not be understood.
    #[error("{}: {message}{}", location(.path, *.line), hint_suffix(.hint))]
    Input {
        path: String,
        line: Option<usize>,
        message: String,
        hint: Option<String>,
    },
    /// A configuration file with a bad key or value.
    #[error("{}: {message}{}", location(.path, *.line), hint_suffix(.hint))]
    Config {
        path: String,
        line: Option<usize>,
        message: String,
        hint: Option<String>,
    },
    /// A baseline history file that could not be read or written.
    #[error("{path}: {message}{}", hint_suffix(.hint))]
    Baseline {
        path: String,
        message: String,
        hint: Option<String>,
    },
    /// A template that failed to parse or render.
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    /// A file-system failure.
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// An input error without a line number.
    pub fn input(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            line: None,
            message: message.into(),
            hint: None,
        }
    }

    /// An input error at a line (1-based).
    pub fn input_at(path: impl Into<String>, line: usize, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            line: Some(line),
            message: message.into(),
            hint: None,
        }
    }

    /// Adds (or replaces) the hint that tells the user how to fix the problem.
    #[must_use]
    pub fn with_hint(mut self, text: impl Into<String>) -> Self {
        match &mut self {
            Error::Input { hint, .. }
            | Error::Config { hint, .. }
            | Error::Baseline { hint, .. } => *hint = Some(text.into()),
            Error::Template { .. } | Error::Io { .. } => {}
        }
        self
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

fn location(path: &str, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{path}:{line}"),
        None => path.to_string(),
    }
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref().map(|h| format!("; {h}")).unwrap_or_default()
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_file_line_and_fix() {
        let e = Error::input_at("out.txt", 3, "expected a number").with_hint("re-run the bench");
        assert_eq!(
            e.to_string(),
            "out.txt:3: expected a number; re-run the bench"
        );
        let e = Error::input("dir", "no benchmark found");
        assert_eq!(e.to_string(), "dir: no benchmark found");
    }
}

//! Workflow commands, step outputs and the job summary, built as text: names come from PR code,
//! so everything that reaches the runner's command parser is escaped here.

use sha2::{Digest, Sha256};

use crate::compare::{Comparison, Status};

/// GitHub refuses a job summary over 1 MiB per step.
pub const SUMMARY_LIMIT: usize = 1024 * 1024;
/// The runner shows at most 10 annotations of each level per step.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;
/// Names longer than this are cut in annotations: they are one line in a list.
const NAME_LIMIT: usize = 200;

/// Escapes the message of a workflow command (`%`, CR, LF), as the runner's toolkit does, and
/// drops other control characters: a newline would let a benchmark name start its own
/// `::add-mask::` or `::error::` command.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value of a workflow command: the data escapes plus `:` and `,`, which
/// separate properties.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One annotation line, e.g. `::error title=...::message`.
pub fn annotation(level: &str, title: &str, message: &str) -> String {
    format!(
        "::{level} title={}::{}",
        escape_property(title),
        escape_data(message)
    )
}

fn cut(name: &str) -> String {
    if name.chars().count() <= NAME_LIMIT {
        return name.to_string();
    }
    let mut s: String = name.chars().take(NAME_LIMIT).collect();
    s.push('…');
    s
}

/// Annotations for the warning and critical rows, most serious first, at most
/// [`ANNOTATIONS_PER_LEVEL`] of each level with a last line counting the rest.
pub fn annotations(c: &Comparison) -> Vec<String> {
    let mut lines = Vec::new();
    for (status, level) in [(Status::Critical, "error"), (Status::Warning, "warning")] {
        let rows: Vec<_> = c.rows.iter().filter(|r| r.status == status).collect();
        for row in rows.iter().take(ANNOTATIONS_PER_LEVEL - 1) {
            let change = row
                .assessment
                .as_ref()
                .map(|a| format!(" ({:+.2}%)", a.change * 100.0))
                .unwrap_or_default();
            let title = format!("benchgate: {} regression", status.as_str());
            let message = format!("{}{change}: {}", cut(&row.key), row.reason);
            lines.push(annotation(level, &title, &message));
        }
        if rows.len() >= ANNOTATIONS_PER_LEVEL {
            let rest = rows.len() - (ANNOTATIONS_PER_LEVEL - 1);
            lines.push(annotation(
                level,
                &format!("benchgate: {} regression", status.as_str()),
                &format!("and {rest} more; see the job summary"),
            ));
        }
    }
    lines
}

/// Step outputs in the `NAME<<DELIMITER` form, which carries any value safely. The delimiter
/// is derived from the value and checked not to occur in it.
pub fn outputs(pairs: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        let mut salt = 0u32;
        let delimiter = loop {
            let digest = Sha256::digest(format!("{salt}:{name}:{value}").as_bytes());
            let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
            let d = format!("ghadelimiter_{hex}");
            if !value.contains(&d) {
                break d;
            }
            salt += 1;
        };
        out.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
    }
    out
}

/// The job summary to append: the rendered summary, or when that is over the limit, a short
/// text pointing at the report artifact.
pub fn summary(rendered: &str, fallback: &str) -> String {
    if rendered.len() <= SUMMARY_LIMIT {
        rendered.to_string()
    } else {
        fallback.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_name_cannot_start_a_command() {
        let line = annotation(
            "error",
            "t: a, b",
            "x\n::add-mask::secret\r\n::error::fake 100%",
        );
        assert_eq!(line.lines().count(), 1);
        assert_eq!(
            line,
            "::error title=t%3A a%2C b::x%0A::add-mask::secret%0D%0A::error::fake 100%25"
        );
        assert_eq!(escape_data("a\u{1b}[31mb\u{0}"), "a [31mb ");
    }

    #[test]
    fn outputs_use_a_delimiter_the_value_does_not_hold() {
        let text = outputs(&[("status", "critical".into()), ("x", "a\nb".into())]);
        let mut lines = text.lines();
        let head = lines.next().expect("line");
        let delimiter = head.strip_prefix("status<<").expect("heredoc");
        assert_eq!(lines.next(), Some("critical"));
        assert_eq!(lines.next(), Some(delimiter));
        assert!(text.contains("\na\nb\n"));
    }

    #[test]
    fn an_oversized_summary_falls_back() {
        let big = "x".repeat(SUMMARY_LIMIT + 1);
        assert_eq!(summary(&big, "short"), "short");
        assert_eq!(summary("ok", "short"), "ok");
    }
}

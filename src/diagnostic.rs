//! Diagnostics: one content problem with the file and line it sits on, and
//! [`escape`], the one place that makes text from content or file names safe
//! to print on a terminal.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A problem found in the content, printed as `path:line: error: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
    pub fn error(path: impl AsRef<Path>, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.as_ref().to_path_buf(),
            line: line.max(1),
            severity: Severity::Error,
            message: message.into(),
        }
    }

    pub fn warning(path: impl AsRef<Path>, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, line, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            escape(&self.path.display().to_string()),
            self.line,
            self.severity,
            escape(&self.message)
        )
    }
}

/// Would a terminal act on `c` instead of showing it? Control characters
/// other than tab (C0, DEL, C1: escape sequences, line breaks, backspace), the line and
/// paragraph separators and the bidirectional overrides that reorder what
/// follows them.
fn is_unsafe_for_terminal(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `text` with every character a terminal would act on written as a visible
/// escape (`\u{1b}`), so a file name or an id from the content can neither
/// move the cursor, retitle the window, nor start a forged line. Everything
/// qbank prints that may hold content passes through here.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_for_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_for_terminal(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Sort diagnostics by file, then line (a stable sort: problems on one line
/// keep the order they were found in, left to right).
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
}

/// Maps byte offsets in a text to 1-based line numbers.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_maps_offsets() {
        let idx = LineIndex::new("ab\ncd\n\nx");
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(2), 1);
        assert_eq!(idx.line(3), 2);
        assert_eq!(idx.line(6), 3);
        assert_eq!(idx.line(7), 4);
    }

    #[test]
    fn display_is_path_line_severity_message() {
        let d = Diagnostic::error("content/a/01.md", 7, "missing id");
        assert_eq!(d.to_string(), "content/a/01.md:7: error: missing id");
        let w = Diagnostic::warning("x.md", 0, "m");
        assert_eq!(w.to_string(), "x.md:1: warning: m");
    }

    #[test]
    fn terminal_controls_in_paths_and_messages_are_shown_escaped() {
        let d = Diagnostic::error(
            "a/\u{1b}]0;owned\u{7}\nx.md:1: error: forged.md",
            3,
            "invalid id `\u{1b}[2J\u{9b}31m\u{202e}x`",
        );
        let shown = d.to_string();
        assert_eq!(
            shown,
            "a/\\u{1b}]0;owned\\u{7}\\u{a}x.md:1: error: forged.md:3: error: invalid id `\\u{1b}[2J\\u{9b}31m\\u{202e}x`"
        );
        assert!(!shown.chars().any(is_unsafe_for_terminal));
        assert!(matches!(escape("σ ₹ → plain\tcolumn"), Cow::Borrowed(_)));
    }
}

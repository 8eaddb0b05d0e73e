//! Diagnostics: every problem qbank reports, with where it is — a line (and
//! column, where known) of a content file, or a row or cell of a review
//! sheet — printed as its first line (`path:line: error: message`), with a
//! snippet of the source line under it for content files (`snippet`); and
//! `escape`, the one place that makes text from content or file names
//! safe to print on a terminal.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Severity {
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

/// Where a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    /// A line of a content file (Markdown or TOML): `path:line:`.
    File {
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// 1-based column (in characters of the line), when known.
        column: Option<usize>,
        /// The column counts from the line's first character that is not
        /// white space (the problem was found in a text trimmed of it).
        after_indent: bool,
    },
    /// A row or cell of a review sheet, as a reviewer finds it in a
    /// spreadsheet: `path:ROW:COLUMN:` in a CSV, `path:Questions!D14:` in a
    /// workbook.
    Sheet {
        /// The sheet file; empty until the problem is [placed](Diagnostic::in_sheet).
        path: PathBuf,
        /// In a workbook, the sheet's name; `None` for a CSV.
        sheet: Option<String>,
        /// Spreadsheet row number: 1 is the header row, 0 the whole file.
        row: usize,
        /// 0-based column index, when the problem is in one cell.
        column: Option<usize>,
    },
    /// A whole file, no line of it: `path: error: …`.
    Path(PathBuf),
    /// Nowhere in particular: `error: …`.
    Nowhere,
}

/// A problem found in the content or a review sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub(crate) location: Location,
    pub(crate) severity: Severity,
    /// What is wrong, and how to fix it, in one line.
    pub message: String,
}

impl Diagnostic {
    /// An error on line `line` of the file at `path`.
    pub(crate) fn error(path: impl AsRef<Path>, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            location: Location::File {
                path: path.as_ref().to_path_buf(),
                line: line.max(1),
                column: None,
                after_indent: false,
            },
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// A warning on line `line` of the file at `path`.
    pub(crate) fn warning(path: impl AsRef<Path>, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, line, message)
        }
    }

    /// An error in a row (`column: None`) or cell of a review sheet; row 0
    /// is the whole sheet. Its file is set by [`Diagnostic::in_sheet`].
    pub(crate) fn sheet_error(
        row: usize,
        column: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            location: Location::Sheet {
                path: PathBuf::new(),
                sheet: None,
                row,
                column,
            },
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// An error of a whole review sheet (row 0).
    pub(crate) fn whole_sheet_error(message: impl Into<String>) -> Self {
        Diagnostic::sheet_error(0, None, message)
    }

    /// An error in a cell of the named sheet of a workbook.
    pub(crate) fn workbook_error(
        sheet: &str,
        row: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        let mut d = Diagnostic::sheet_error(row, Some(column), message);
        if let Location::Sheet { sheet: s, .. } = &mut d.location {
            *s = Some(sheet.to_string());
        }
        d
    }

    /// An error of a whole file.
    pub(crate) fn file_error(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Diagnostic {
            location: Location::Path(path.as_ref().to_path_buf()),
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// An error with no place.
    pub(crate) fn bare_error(message: impl Into<String>) -> Self {
        Diagnostic {
            location: Location::Nowhere,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// The same problem at 1-based `column` of its line (a content file's
    /// diagnostic; others are returned unchanged).
    pub(crate) fn at_column(mut self, column: usize) -> Self {
        if let Location::File { column: c, .. } = &mut self.location {
            *c = Some(column.max(1));
        }
        self
    }

    /// The same problem at 1-based `column` counted from the first
    /// character of its line that is not white space.
    pub(crate) fn at_column_after_indent(self, column: usize) -> Self {
        let mut d = self.at_column(column);
        if let Location::File { after_indent, .. } = &mut d.location {
            *after_indent = true;
        }
        d
    }

    /// A sheet problem placed in the sheet file at `path`: a CSV when
    /// `workbook_sheet` is `None`, else a workbook whose problems fall on
    /// that sheet unless they name another.
    pub(crate) fn in_sheet(mut self, path: &Path, workbook_sheet: Option<&str>) -> Self {
        if let Location::Sheet {
            path: p, sheet: s, ..
        } = &mut self.location
        {
            *p = path.to_path_buf();
            if s.is_none() {
                *s = workbook_sheet.map(str::to_string);
            }
        }
        self
    }

    /// Whether it is an error (which stops a build), not a warning.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The file the problem is in, if any.
    pub fn path(&self) -> Option<&Path> {
        match &self.location {
            Location::File { path, .. } | Location::Sheet { path, .. } | Location::Path(path) => {
                Some(path)
            }
            Location::Nowhere => None,
        }
    }

    /// The line of a content file's problem (a sheet's row for a sheet's; 0
    /// for none).
    pub fn line(&self) -> usize {
        match &self.location {
            Location::File { line, .. } => *line,
            Location::Sheet { row, .. } => *row,
            Location::Path(_) | Location::Nowhere => 0,
        }
    }

    /// The 0-based column of a sheet's problem in one cell.
    pub(crate) fn sheet_column(&self) -> Option<usize> {
        match &self.location {
            Location::Sheet { column, .. } => *column,
            _ => None,
        }
    }

    /// The column, 1-based, of a content file's problem when known, in
    /// the line `source` it is on.
    pub(crate) fn column(&self, source: &str) -> Option<usize> {
        match &self.location {
            Location::File {
                column: Some(c),
                after_indent,
                ..
            } => {
                let indent = if *after_indent {
                    source.chars().take_while(|c| c.is_whitespace()).count()
                } else {
                    0
                };
                Some(c + indent)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Diagnostic {
    /// The first line of the problem: `path:line: error: message` for a
    /// content file (the column is not shown: the snippet shows it); for a
    /// sheet, `path:ROW:COLUMN: error: (column D) message` or
    /// `path:ROW: error: message` in a CSV, `path:Questions!D14: error: …`
    /// or `path:Questions!14:14: error: …` in a workbook, `path:error: …` for
    /// the whole sheet. Path and message are escaped (`escape`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = self.severity;
        let message = escape(&self.message);
        match &self.location {
            Location::File { path, line, .. } => write!(
                f,
                "{}:{line}: {severity}: {message}",
                escape(&path.display().to_string())
            ),
            Location::Sheet {
                path,
                sheet,
                row,
                column,
            } => {
                let path = path.display().to_string();
                let path = escape(&path);
                let sheet = sheet.as_deref().map(escape);
                match (*row, *column, sheet) {
                    (0, _, _) => write!(f, "{path}:{severity}: {message}"),
                    (row, Some(c), None) => write!(
                        f,
                        "{path}:{row}:{}: {severity}: (column {}) {message}",
                        c + 1,
                        column_letter(c)
                    ),
                    (row, None, None) => write!(f, "{path}:{row}: {severity}: {message}"),
                    (row, Some(c), Some(sheet)) => write!(
                        f,
                        "{path}:{sheet}!{}{row}: {severity}: {message}",
                        column_letter(c)
                    ),
                    (row, None, Some(sheet)) => {
                        write!(f, "{path}:{sheet}!{row}:{row}: {severity}: {message}")
                    }
                }
            }
            Location::Path(path) => write!(
                f,
                "{}: {severity}: {message}",
                escape(&path.display().to_string())
            ),
            Location::Nowhere => write!(f, "{severity}: {message}"),
        }
    }
}

/// The spreadsheet letter of a 0-based column: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub(crate) fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// The most characters of a line a snippet without a caret shows.
const SNIPPET_CHARS: usize = 120;

/// The snippet printed under a content file's problem: its source line
/// (`source`, the text of line `line` as the loader read it) with a caret
/// under the character at `column` when the column is known, plain text
/// with no colour. The line is [escaped](escape) like everything else
/// qbank prints, and the caret placed under the escaped text. Every line of
/// the snippet starts with a space or `|`, so it is never read as a
/// `path:line:` line.
pub(crate) fn snippet(line: usize, column: Option<usize>, source: &str) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
    // With nothing to point at, a long line is cut (with a caret, the
    // renderer keeps the part around it).
    let cut: String;
    let source = if column.is_none() && source.chars().count() > SNIPPET_CHARS {
        cut = source
            .chars()
            .take(SNIPPET_CHARS - 1)
            .chain(['…'])
            .collect();
        cut.as_str()
    } else {
        source
    };
    let shown = escape(source);
    let mut snip = Snippet::source(shown.as_ref()).line_start(line);
    if let Some(col) = column {
        // The byte range, in the escaped line, of the character at `col`.
        let start_byte = source
            .char_indices()
            .nth(col.saturating_sub(1))
            .map(|(i, _)| i)
            .unwrap_or(source.len());
        let end_byte = source[start_byte..]
            .chars()
            .next()
            .map_or(start_byte, |c| start_byte + c.len_utf8());
        let start = escape(&source[..start_byte]).len();
        let end = start + escape(&source[start_byte..end_byte]).len();
        snip = snip.annotation(AnnotationKind::Primary.span(start..end));
    } else {
        snip = snip.annotation(AnnotationKind::Visible.span(0..shown.len()));
    }
    let report = [Group::with_level(Level::ERROR).element(snip)];
    let rendered = Renderer::plain().render(&report);
    rendered
        .lines()
        .map(|l| format!(" {}", l.trim_end()))
        .collect::<Vec<_>>()
        .join("\n")
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
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
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
pub(crate) fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| (a.path(), a.line()).cmp(&(b.path(), b.line())));
}

/// Maps byte offsets in a text to 1-based line numbers.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based column (in characters) of byte `offset` of `text`, the text
    /// this index was made from.
    pub(crate) fn column(&self, text: &str, offset: usize) -> usize {
        let start = self.starts[self.line(offset) - 1];
        text.get(start..offset).map_or(1, |s| s.chars().count() + 1)
    }

    /// 1-based line holding byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
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
        let text = "ab\nσx$\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.column(text, 0), 1);
        assert_eq!(idx.column(text, 3), 1);
        assert_eq!(idx.column(text, text.find('$').unwrap()), 3);
    }

    #[test]
    fn display_is_path_line_severity_message() {
        let d = Diagnostic::error("content/a/01.md", 7, "missing id");
        assert_eq!(d.to_string(), "content/a/01.md:7: error: missing id");
        let w = Diagnostic::warning("x.md", 0, "m");
        assert_eq!(w.to_string(), "x.md:1: warning: m");
    }

    #[test]
    fn snippet_shows_the_line_escaped_with_a_caret() {
        assert_eq!(
            snippet(7, Some(14), "The price is $5 today"),
            "   |\n 7 | The price is $5 today\n   |              ^"
        );
        // No column: the line alone.
        assert_eq!(snippet(12, None, "a line"), "    |\n 12 | a line\n    |");
        // The caret sits under the escaped character, as wide as its escape.
        let shown = snippet(3, Some(3), "a \u{1b}[2J b");
        assert_eq!(shown, "   |\n 3 | a \\u{1b}[2J b\n   |   ^^^^^^");
        assert!(!shown.lines().any(|l| l.chars().any(is_unsafe_for_terminal)));
        // A long line with no column is cut.
        let long = "x".repeat(500);
        assert!(snippet(1, None, &long).contains(&format!("{}…", "x".repeat(119))));
        // A column past the end of the line: a caret after it.
        assert!(
            snippet(1, Some(9), "ab").ends_with("|   ^"),
            "{}",
            snippet(1, Some(9), "ab")
        );
    }

    #[test]
    fn sheet_and_whole_file_problems_keep_their_forms() {
        let d = Diagnostic::error("q.md", 3, "m").at_column(5);
        assert_eq!(d.to_string(), "q.md:3: error: m");
        assert_eq!(d.column("  x"), Some(5));
        let d = Diagnostic::error("q.md", 3, "m").at_column_after_indent(2);
        assert_eq!(d.column("  ab"), Some(4));
        assert_eq!(
            Diagnostic::file_error("r.csv", "m").to_string(),
            "r.csv: error: m"
        );
        assert_eq!(Diagnostic::bare_error("m").to_string(), "error: m");
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

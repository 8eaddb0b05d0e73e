//! Splicing a reviewer's edits into a question file's source: only the edited
//! part bodies, the `# ` title line and the front-matter `tags` line change;
//! every other byte (BOM, CRLF line endings, spacing) stays as it was.

use std::ops::Range;

use crate::diagnostic::Diagnostic;
use crate::model::{PartKind, Question};

/// What a reviewer changed in one question. `None` / absent means untouched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct QuestionEdits {
    pub(crate) title: Option<String>,
    pub(crate) parts: Vec<(PartKind, String)>,
    pub(crate) tags: Option<Vec<String>>,
}

impl QuestionEdits {
    pub(crate) fn is_empty(&self) -> bool {
        self.title.is_none() && self.parts.is_empty() && self.tags.is_none()
    }
}

/// A file's text as the loader sees it (BOM dropped, CRLF → LF), with the
/// byte offset in the original file of every byte of it.
struct Normalised {
    text: String,
    /// `origin[i]` is where byte `i` of `text` sits in the original bytes.
    origin: Vec<usize>,
    uses_crlf: bool,
}

impl Normalised {
    fn new(original: &str) -> Normalised {
        let bytes = original.as_bytes();
        let start = if original.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        let mut text = Vec::with_capacity(bytes.len());
        let mut origin = Vec::with_capacity(bytes.len());
        let mut i = start;
        while i < bytes.len() {
            if !(bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
                text.push(bytes[i]);
                origin.push(i);
            }
            i += 1;
        }
        Normalised {
            // Only whole `\r` bytes were removed, so the text stays UTF-8.
            text: String::from_utf8(text).expect("removing CR bytes keeps UTF-8 valid"),
            origin,
            uses_crlf: original.contains("\r\n"),
        }
    }

    /// The original byte range behind `range` of the normalised text. An
    /// end (or an empty range) is placed right after the preceding byte, so
    /// a CR before a line feed is never split from it.
    fn original_range(&self, range: &Range<usize>, original_len: usize) -> Range<usize> {
        let end = if range.end == 0 {
            self.origin.first().copied().unwrap_or(original_len)
        } else {
            self.origin[range.end - 1] + 1
        };
        let start = if range.start < range.end {
            self.origin[range.start]
        } else {
            end
        };
        start..end
    }
}

/// The byte range of 1-based `line` in `text`, without its line feed.
fn line_range(text: &str, line: usize) -> Option<Range<usize>> {
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let end = text[start..]
        .find('\n')
        .map(|i| start + i)
        .unwrap_or(text.len());
    Some(start..end)
}

/// The replacement for the title line: the same `#` run, one space, the new title.
fn title_line(old_line: &str, title: &str) -> String {
    let indent = old_line.len() - old_line.trim_start().len();
    let rest = &old_line[indent..];
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    if hashes == 0 {
        // A setext title: the text line above its `===` underline.
        format!("{}{title}", &old_line[..indent])
    } else {
        format!("{}{} {title}", &old_line[..indent], &rest[..hashes])
    }
}

/// Where the front matter's `tags = …` entry sits (whole lines, without the
/// final line feed), and where a new entry would go: right after the `id`
/// line.
fn tags_entry(text: &str, question: &Question) -> Result<Range<usize>, Diagnostic> {
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "+++" {
        return Err(refused(
            question,
            "the file does not start with `+++` front matter",
        ));
    }
    offset += first.len();
    let mut entry: Option<(usize, i32)> = None; // (start, open brackets)
    for line in lines {
        let content = line.strip_suffix('\n').unwrap_or(line);
        if let Some((start, depth)) = entry.as_mut() {
            *depth += bracket_balance(content);
            if *depth <= 0 {
                return Ok(*start..offset + content.len());
            }
        } else if content.trim_end() == "+++" {
            break;
        } else if is_tags_key(content) {
            let depth = bracket_balance(content);
            if depth <= 0 {
                return Ok(offset..offset + content.len());
            }
            entry = Some((offset, depth));
        }
        offset += line.len();
    }
    if entry.is_some() {
        return Err(refused(
            question,
            "the front matter's `tags` list is not closed",
        ));
    }
    let id = line_range(text, question.id_line)
        .ok_or_else(|| refused(question, "the `id` line is missing"))?;
    Ok(id.end..id.end)
}

fn is_tags_key(line: &str) -> bool {
    line.trim_start()
        .strip_prefix("tags")
        .is_some_and(|rest| rest.trim_start().starts_with('='))
}

/// `[` minus `]` outside quoted strings.
fn bracket_balance(line: &str) -> i32 {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '[' => depth += 1,
                ']' => depth -= 1,
                '#' => break,
                _ => {}
            },
        }
    }
    depth
}

/// The front-matter line for `tags`, as TOML: `tags = ["a", "b"]`.
pub(crate) fn tags_line(tags: &[String]) -> String {
    let array = toml::Value::Array(tags.iter().cloned().map(toml::Value::String).collect());
    format!("tags = {array}")
}

/// Why the edits cannot be spliced into `question`'s file.
fn refused(question: &Question, message: impl Into<String>) -> Diagnostic {
    Diagnostic::file_error(&question.path, message)
}

/// `original` (a question file's bytes) with `edits` spliced in. `question`
/// is that file as the loader read it; its byte ranges locate the parts.
pub(crate) fn edited_source(
    original: &[u8],
    question: &Question,
    edits: &QuestionEdits,
) -> Result<Vec<u8>, Diagnostic> {
    let original = std::str::from_utf8(original)
        .map_err(|_| refused(question, "the file is no longer UTF-8"))?;
    let norm = Normalised::new(original);
    let text = norm.text.as_str();
    let mut replacements: Vec<(Range<usize>, String)> = Vec::new();

    for (kind, markdown) in &edits.parts {
        let part = question.part(*kind);
        let range = part.body_range.clone();
        if text.get(range.clone()) != Some(part.markdown.as_str()) {
            return Err(refused(
                question,
                format!(
                    "the file changed since it was read (part `{}`); run apply-csv again",
                    kind.heading()
                ),
            ));
        }
        replacements.push((range, markdown.clone()));
    }
    if let Some(title) = &edits.title {
        let range = line_range(text, question.title_line)
            .ok_or_else(|| refused(question, "the file changed since it was read (title line)"))?;
        let old = &text[range.clone()];
        if !old.contains(question.title.as_str()) {
            return Err(refused(
                question,
                "the file changed since it was read (title line); run apply-csv again",
            ));
        }
        replacements.push((range, title_line(old, title)));
    }
    if let Some(tags) = &edits.tags {
        let range = tags_entry(text, question)?;
        let line = tags_line(tags);
        let new = if range.is_empty() {
            format!("\n{line}")
        } else {
            line
        };
        replacements.push((range, new));
    }

    replacements.sort_by_key(|(r, _)| (r.start, r.end));
    for pair in replacements.windows(2) {
        if pair[0].0.end > pair[1].0.start {
            return Err(refused(question, "two edits overlap in the file"));
        }
    }
    let mut out = original.to_string();
    for (range, new) in replacements.into_iter().rev() {
        let at = norm.original_range(&range, original.len());
        let new = if norm.uses_crlf {
            new.replace('\n', "\r\n")
        } else {
            new
        };
        out.replace_range(at, &new);
    }
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const FILE: &str = "+++\nid = \"x\"\ntags = [\"a\", \"b\"]\n+++\n\n# Old title?\n\n## Plain English\n\nPlain body.\n\n## Technical depth\n\nTech line one.\n\nTech line two.\n\n## Real-world example\n\nExample body.\n";

    fn question(text: &str) -> Question {
        let norm = Normalised::new(text);
        let mut diags = Vec::new();
        let q = crate::load::parse_question(Path::new("x.md"), &norm.text, 1, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        q.unwrap()
    }

    fn apply(text: &str, edits: &QuestionEdits) -> String {
        let q = question(text);
        String::from_utf8(edited_source(text.as_bytes(), &q, edits).unwrap()).unwrap()
    }

    #[test]
    fn one_part_changes_and_nothing_else() {
        let edits = QuestionEdits {
            parts: vec![(PartKind::Technical, "New tech.\n\n- item".into())],
            ..Default::default()
        };
        let out = apply(FILE, &edits);
        assert_eq!(
            out,
            FILE.replace("Tech line one.\n\nTech line two.", "New tech.\n\n- item")
        );
    }

    #[test]
    fn crlf_and_bom_survive_an_edit() {
        let crlf = format!("\u{feff}{}", FILE.replace('\n', "\r\n"));
        let edits = QuestionEdits {
            parts: vec![(PartKind::Plain, "Two\nlines.".into())],
            title: Some("New title?".into()),
            tags: Some(vec!["c".into()]),
        };
        let out = apply(&crlf, &edits);
        let expected = crlf
            .replace("Plain body.", "Two\r\nlines.")
            .replace("# Old title?", "# New title?")
            .replace("tags = [\"a\", \"b\"]", "tags = [\"c\"]");
        assert_eq!(out, expected);
    }

    #[test]
    fn mixed_line_endings_elsewhere_stay_as_they_were() {
        // Only the first line break is CRLF; the edited part is LF.
        let mixed = FILE.replacen('\n', "\r\n", 1);
        let edits = QuestionEdits {
            parts: vec![(PartKind::Example, "Changed.".into())],
            ..Default::default()
        };
        let out = apply(&mixed, &edits);
        assert_eq!(out, mixed.replace("Example body.", "Changed."));
    }

    #[test]
    fn tags_entry_is_added_after_id_when_missing_and_multiline_replaced() {
        let no_tags = FILE.replace("tags = [\"a\", \"b\"]\n", "");
        let edits = QuestionEdits {
            tags: Some(vec!["evaluation".into()]),
            ..Default::default()
        };
        assert_eq!(
            apply(&no_tags, &edits),
            FILE.replace("[\"a\", \"b\"]", "[\"evaluation\"]")
        );
        let multi = FILE.replace("[\"a\", \"b\"]", "[\n  \"a\", # first\n  \"b\",\n]");
        assert_eq!(
            apply(&multi, &edits),
            FILE.replace("[\"a\", \"b\"]", "[\"evaluation\"]")
        );
    }

    #[test]
    fn setext_and_closed_atx_titles() {
        let setext = FILE.replace("# Old title?\n", "Old title?\n==========\n");
        let edits = QuestionEdits {
            title: Some("New?".into()),
            ..Default::default()
        };
        assert_eq!(
            apply(&setext, &edits),
            setext.replace("Old title?\n=", "New?\n=")
        );
        let closed = FILE.replace("# Old title?\n", "# Old title? #\n");
        assert_eq!(
            apply(&closed, &edits),
            FILE.replace("# Old title?\n", "# New?\n")
        );
    }

    #[test]
    fn a_changed_file_is_refused() {
        let q = question(FILE);
        let changed = FILE.replace("Plain body.", "Plain body!");
        let edits = QuestionEdits {
            parts: vec![(PartKind::Plain, "x".into())],
            ..Default::default()
        };
        assert!(edited_source(changed.as_bytes(), &q, &edits).is_err());
    }
}

//! One question file: its `+++` front matter split from the body and
//! parsed (the permanent `id`, the `tags`, checked against the bank's
//! [`QuestionRules`]), the body outlined into its `#` title and the spans of
//! its three `##` parts, and the parts cut out with their lines and byte
//! ranges in the file. Every structural problem is reported, not just the
//! first.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::Deserialize;
use toml::Spanned;

use super::bank_toml::{is_slug, one_line, span_line, QuestionRules};
use crate::diagnostic::{Diagnostic, LineIndex};
use crate::markdown::markdown_options;
use crate::model::{Part, PartKind, Question};

/// How many tags a question of a bank with a tag vocabulary should have.
pub(crate) const TAGS_PER_QUESTION: std::ops::RangeInclusive<usize> = 2..=5;

/// Parse one question file. Problems go to `diags`; a question is returned
/// only when it is complete enough for the exporters.
pub fn parse_question(
    path: &Path,
    text: &str,
    number: u32,
    diags: &mut Vec<Diagnostic>,
) -> Option<Question> {
    parse_question_with(path, text, number, &QuestionRules::default(), diags)
}

/// [`parse_question`] with the bank's rules (its tag vocabulary). The file
/// is read in steps: the front matter is split off and parsed, the body is
/// outlined into its title and the spans of its parts, the parts are cut
/// out, and only then is the question assembled.
pub(crate) fn parse_question_with(
    path: &Path,
    text: &str,
    number: u32,
    rules: &QuestionRules,
    diags: &mut Vec<Diagnostic>,
) -> Option<Question> {
    let before = diags.len();
    let split = match split_front_matter(path, text) {
        Ok(split) => split,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let header = parse_front_matter(path, &split, rules, diags);
    let index = LineIndex::new(text);
    let outline = outline(path, text, &index, split.body_start, diags);
    let (title, title_line) =
        resolve_title(path, text, &index, split.body_start, outline.title, diags);
    let [plain, technical, example] =
        cut_parts(path, text, &index, &outline.parts, title_line, diags);
    if diags[before..].iter().any(Diagnostic::is_error) {
        return None;
    }
    Some(Question {
        number,
        id: header.id,
        tags: header.tags,
        title,
        path: path.to_path_buf(),
        id_line: header.id_line,
        title_line,
        plain: plain?,
        technical: technical?,
        example: example?,
    })
}

/// A question file's `+++` front matter, split from its body.
struct FrontMatterSplit<'a> {
    /// The TOML between the two `+++` lines.
    toml: &'a str,
    /// The line of the file the TOML starts on.
    first_line: usize,
    /// The byte offset in the file where the body starts.
    body_start: usize,
}

/// Split `+++` front matter from the body.
fn split_front_matter<'a>(path: &Path, text: &'a str) -> Result<FrontMatterSplit<'a>, Diagnostic> {
    let first_line_end = text.find('\n').unwrap_or(text.len());
    if text[..first_line_end].trim_end() != "+++" {
        return Err(Diagnostic::error(
            path,
            1,
            "missing front matter: a question file starts with a `+++` line, then `id = \"…\"`, then `+++`",
        ));
    }
    let fm_start = (first_line_end + 1).min(text.len());
    let mut pos = fm_start;
    while pos < text.len() {
        let end = text[pos..]
            .find('\n')
            .map(|i| pos + i)
            .unwrap_or(text.len());
        if text[pos..end].trim_end() == "+++" {
            return Ok(FrontMatterSplit {
                toml: &text[fm_start..pos],
                first_line: 2,
                body_start: (end + 1).min(text.len()),
            });
        }
        pos = end + 1;
    }
    Err(Diagnostic::error(
        path,
        1,
        "front matter is not closed: add a `+++` line after it",
    ))
}

/// The front matter as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: Option<Spanned<String>>,
    #[serde(default)]
    tags: Option<Spanned<Vec<String>>>,
}

/// What the front matter gives the question.
struct Header {
    /// The permanent id (empty when missing or unreadable).
    id: String,
    /// The line of the `id` key (1 when there is none).
    id_line: usize,
    tags: Vec<String>,
}

/// Parse and check the front matter: the id a slug, and the tags (see
/// `check_tags`). Broken TOML is reported at its line and leaves the
/// header empty.
fn parse_front_matter(
    path: &Path,
    split: &FrontMatterSplit,
    rules: &QuestionRules,
    diags: &mut Vec<Diagnostic>,
) -> Header {
    let fm_index = LineIndex::new(split.toml);
    let fm_line = split.first_line;
    let mut header = Header {
        id: String::new(),
        id_line: 1,
        tags: Vec::new(),
    };
    match toml::from_str::<FrontMatter>(split.toml) {
        Ok(fm) => {
            let tags_line = fm
                .tags
                .as_ref()
                .map(|t| span_line(&fm_index, fm_line, Some(t.span())))
                .unwrap_or(fm_line);
            header.tags = fm.tags.map(Spanned::into_inner).unwrap_or_default();
            match fm.id {
                None => diags.push(Diagnostic::error(
                    path,
                    1,
                    "missing `id` in front matter (a permanent lowercase slug, e.g. `id = \"overfitting\"`)",
                )),
                Some(s) => {
                    let id_line = span_line(&fm_index, fm_line, Some(s.span()));
                    let id = s.into_inner();
                    if !is_slug(&id) {
                        diags.push(Diagnostic::error(
                            path,
                            id_line,
                            format!("invalid id `{id}`: use a lowercase slug such as `bias-variance`"),
                        ));
                    }
                    header.id = id;
                    header.id_line = id_line;
                }
            }
            check_tags(path, &header.tags, tags_line, rules, diags);
        }
        Err(e) => {
            let hint = if e.message().contains("expected a sequence") {
                "; write tags as a list: `tags = [\"data\", \"evaluation\"]`"
            } else {
                ""
            };
            diags.push(Diagnostic::error(
                path,
                span_line(&fm_index, fm_line, e.span()),
                format!("invalid front matter: {}{hint}", one_line(e.message())),
            ));
        }
    }
    header
}

/// Check a question's tags, all reported at `tags_line`: each a slug,
/// listed once and, when the bank has a tag vocabulary, from it (with the
/// nearest tag suggested) and as many as [`TAGS_PER_QUESTION`].
fn check_tags(
    path: &Path,
    tags: &[String],
    tags_line: usize,
    rules: &QuestionRules,
    diags: &mut Vec<Diagnostic>,
) {
    let mut seen = BTreeSet::new();
    for tag in tags {
        if !is_slug(tag) {
            diags.push(Diagnostic::error(
                path,
                tags_line,
                format!("invalid tag `{tag}`: use a lowercase slug"),
            ));
        } else if !seen.insert(tag.as_str()) {
            diags.push(Diagnostic::error(
                path,
                tags_line,
                format!("tag `{tag}` is listed twice; list it once"),
            ));
        } else if let Some(vocabulary) = &rules.tags {
            if !vocabulary.contains(tag) {
                let near = closest(tag, vocabulary)
                    .map(|t| format!("did you mean `{t}`? "))
                    .unwrap_or_default();
                diags.push(Diagnostic::error(
                    path,
                    tags_line,
                    format!("tag `{tag}` is not in the bank's tag vocabulary; {near}use a tag listed under `[tags]` in bank.toml, or add it there"),
                ));
            }
        }
    }
    if rules.tags.is_some() && !TAGS_PER_QUESTION.contains(&tags.len()) {
        let (lo, hi) = (TAGS_PER_QUESTION.start(), TAGS_PER_QUESTION.end());
        let advice = if tags.len() < *lo {
            "add tags from the vocabulary under `[tags]` in bank.toml"
        } else {
            "keep the ones that fit best"
        };
        diags.push(Diagnostic::warning(
            path,
            tags_line,
            format!(
                "{} tag{}; a question has {lo} to {hi}: {advice}",
                tags.len(),
                if tags.len() == 1 { "" } else { "s" }
            ),
        ));
    }
}

/// The tag in `vocabulary` nearest to `tag` (at most two letters changed),
/// to suggest for a misspelling.
fn closest<'a>(tag: &str, vocabulary: &'a BTreeSet<String>) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, &cb) in b.iter().enumerate() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    }
    vocabulary
        .iter()
        .map(|t| (distance(tag, t), t))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, t)| t.as_str())
}

/// A top-level block of a question file's body.
struct Block {
    range: Range<usize>,
    heading: Option<(HeadingLevel, String)>,
}

fn top_level_blocks(body: &str, base: usize) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut depth = 0usize;
    let mut heading_text: Option<String> = None;
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    let heading = if let Tag::Heading { level, .. } = tag {
                        heading_text = Some(String::new());
                        Some((level, String::new()))
                    } else {
                        None
                    };
                    blocks.push(Block {
                        range: base + range.start..base + range.end,
                        heading,
                    });
                }
                depth += 1;
            }
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if let (TagEnd::Heading(_), Some(t)) = (end, heading_text.take()) {
                        if let Some(Block {
                            heading: Some((_, text)),
                            ..
                        }) = blocks.last_mut()
                        {
                            *text = t.trim().to_string();
                        }
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading_text.as_mut() {
                    h.push_str(&t);
                }
            }
            _ => {
                if depth == 0 {
                    blocks.push(Block {
                        range: base + range.start..base + range.end,
                        heading: None,
                    });
                }
            }
        }
    }
    blocks
}

/// The Markdown source of an ATX or setext heading's text. An ATX heading's
/// closing `#`s are dropped only as CommonMark defines them: a run of `#`
/// after a space (or making up the whole text), so `# Why C#` keeps its `#`.
fn heading_source(src: &str) -> String {
    let first = src.lines().next().unwrap_or("").trim();
    if !first.starts_with('#') {
        return first.to_string();
    }
    let text = first.trim_start_matches('#');
    let without_closing = text.trim_end_matches('#');
    let closing_ok = without_closing.is_empty()
        || without_closing.ends_with([' ', '\t']) && !without_closing.ends_with('\\');
    let text = if closing_ok { without_closing } else { text };
    text.trim_matches([' ', '\t']).to_string()
}

/// Where one part sits in the file: its kind, the line of its `##` heading,
/// and the bytes of its body, from the end of the heading to the end of its
/// last block, or up to the next part heading when one follows (so that
/// reference-style link definitions after its last paragraph, which make no
/// block of their own, stay with it).
struct PartSpan {
    kind: PartKind,
    heading_line: usize,
    body: Range<usize>,
}

/// A question body outlined: the `#` title (its Markdown and line), if any,
/// and the parts' spans in the order they appear.
struct Outline {
    title: Option<(String, usize)>,
    parts: Vec<PartSpan>,
}

/// Outline the body of `text` (from `body_start` on) by its top-level
/// blocks, reporting text before the title, a second title, unknown,
/// repeated and out-of-order part headings, and text between the title and
/// the first part. A heading of level three or more stays inside its part.
fn outline(
    path: &Path,
    text: &str,
    index: &LineIndex,
    body_start: usize,
    diags: &mut Vec<Diagnostic>,
) -> Outline {
    let blocks = top_level_blocks(&text[body_start..], body_start);
    let mut outline = Outline {
        title: None,
        parts: Vec::new(),
    };
    let mut reported_before_title = false;
    // The part being filled: an index into `outline.parts`.
    let mut open: Option<usize> = None;
    for block in &blocks {
        let line = index.line(block.range.start);
        if let (Some(i), Some((HeadingLevel::H1 | HeadingLevel::H2, _))) = (open, &block.heading) {
            // A part runs up to the next part heading: reference-style link
            // definitions after its last paragraph (no block of their own)
            // stay with it.
            outline.parts[i].body.end = block.range.start;
        }
        match &block.heading {
            Some((HeadingLevel::H1, _)) => {
                if outline.title.is_some() {
                    diags.push(Diagnostic::error(
                        path,
                        line,
                        "a second `#` title; a question file has exactly one",
                    ));
                } else {
                    outline.title = Some((heading_source(&text[block.range.clone()]), line));
                }
                open = None;
            }
            Some((HeadingLevel::H2, heading)) => {
                if outline.title.is_none() && !reported_before_title {
                    reported_before_title = true;
                    diags.push(Diagnostic::error(
                        path,
                        line,
                        "part heading before the `#` title",
                    ));
                }
                open = outline.open_part(path, heading, line, block.range.end, diags);
            }
            _ => {
                if outline.title.is_none() {
                    if !reported_before_title {
                        reported_before_title = true;
                        diags.push(Diagnostic::error(path, line, "text before the `#` title"));
                    }
                } else if let Some(i) = open {
                    outline.parts[i].body.end = block.range.end;
                } else if outline.parts.is_empty() {
                    diags.push(Diagnostic::error(
                        path,
                        line,
                        "text between the title and the first part heading; put it under `## Plain English`",
                    ));
                }
            }
        }
    }
    if let Some(i) = open {
        outline.parts[i].body.end = text.len();
    }
    outline
}

impl Outline {
    /// Start the part that `## heading` at `line` introduces, its body
    /// beginning at byte `start`. Returns the index of its span, or `None`
    /// when the heading names no part or repeats one (both reported): what
    /// follows then belongs to no part. A part out of order is reported and
    /// kept.
    fn open_part(
        &mut self,
        path: &Path,
        heading: &str,
        line: usize,
        start: usize,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        let Some(kind) = PartKind::from_heading(heading) else {
            diags.push(Diagnostic::error(
                path,
                line,
                format!("unknown part heading `## {heading}`; the parts are `## Plain English`, `## Technical depth`, `## Real-world example`"),
            ));
            return None;
        };
        if let Some(first) = self.parts.iter().find(|p| p.kind == kind) {
            diags.push(Diagnostic::error(
                path,
                line,
                format!(
                    "repeated part heading `## {}` (first at line {})",
                    kind.heading(),
                    first.heading_line
                ),
            ));
            return None;
        }
        if let Some(last) = self.parts.last() {
            if last.kind > kind {
                diags.push(Diagnostic::error(
                    path,
                    line,
                    format!(
                        "part `## {}` is out of order: it comes before `## {}`",
                        kind.heading(),
                        last.kind.heading()
                    ),
                ));
            }
        }
        self.parts.push(PartSpan {
            kind,
            heading_line: line,
            body: start..start,
        });
        Some(self.parts.len() - 1)
    }
}

/// The title's Markdown and line. A missing title is reported where the
/// body starts and stands as an empty title on line 1; an empty one is
/// reported at its line.
fn resolve_title(
    path: &Path,
    text: &str,
    index: &LineIndex,
    body_start: usize,
    title: Option<(String, usize)>,
    diags: &mut Vec<Diagnostic>,
) -> (String, usize) {
    let (title, title_line) = match title {
        Some(t) => t,
        None => {
            diags.push(Diagnostic::error(
                path,
                index.line(body_start.min(text.len().saturating_sub(1))),
                "missing `# ` title (the question)",
            ));
            (String::new(), 1)
        }
    };
    if title.is_empty() && title_line > 1 {
        diags.push(Diagnostic::error(path, title_line, "empty `#` title"));
    }
    (title, title_line)
}

/// Cut each part's body out of `text` by its span, trimmed, with the line
/// its first character is on; indexed by [`PartKind`]. An empty part is
/// reported at its heading, a missing one at the title's line.
fn cut_parts(
    path: &Path,
    text: &str,
    index: &LineIndex,
    spans: &[PartSpan],
    title_line: usize,
    diags: &mut Vec<Diagnostic>,
) -> [Option<Part>; 3] {
    let mut found: [Option<Part>; 3] = [None, None, None];
    for span in spans {
        let start = span.body.start;
        let raw = &text[start..span.body.end.max(start)];
        let lead = raw.len() - raw.trim_start().len();
        let markdown = raw.trim().to_string();
        if markdown.is_empty() {
            diags.push(Diagnostic::error(
                path,
                span.heading_line,
                format!("empty part `## {}`", span.kind.heading()),
            ));
        }
        let body_range = start + lead..start + lead + markdown.len();
        found[span.kind as usize] = Some(Part {
            markdown,
            heading_line: span.heading_line,
            body_line: index.line(body_range.start.min(text.len().saturating_sub(1))),
            body_range,
        });
    }
    for kind in PartKind::ALL {
        if found[kind as usize].is_none() {
            diags.push(Diagnostic::error(
                path,
                title_line,
                format!("missing part `## {}`", kind.heading()),
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "+++\nid = \"q-one\"\ntags = [\"data\"]\n+++\n\n# What is *one*?\n\n## Plain English\n\nPlain.\n\n## Technical depth\n\nLead-in:\n\n- **A:** a.\n\n## Real-world example\n\nStory.\n";

    fn parse(text: &str) -> (Option<Question>, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let q = parse_question(Path::new("q.md"), text, 7, &mut diags);
        (q, diags)
    }

    #[test]
    fn parses_parts_with_lines_and_ranges() {
        let (q, diags) = parse(GOOD);
        assert!(diags.is_empty(), "{diags:?}");
        let q = q.unwrap();
        assert_eq!(
            (q.number, q.id.as_str(), q.tags.clone()),
            (7, "q-one", vec!["data".to_string()])
        );
        assert_eq!(q.title, "What is *one*?");
        assert_eq!((q.id_line, q.title_line), (2, 6));
        assert_eq!(q.plain.markdown, "Plain.");
        assert_eq!((q.plain.heading_line, q.plain.body_line), (8, 10));
        assert_eq!(q.technical.markdown, "Lead-in:\n\n- **A:** a.");
        assert_eq!(&GOOD[q.technical.body_range.clone()], q.technical.markdown);
        assert_eq!(&GOOD[q.example.body_range.clone()], "Story.");
    }

    #[test]
    fn level_three_headings_stay_inside_a_part() {
        let text = GOOD.replace("Lead-in:", "### Detail\n\nLead-in:");
        let (q, diags) = parse(&text);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(q.unwrap().technical.markdown.starts_with("### Detail"));
    }

    #[test]
    fn reports_all_structural_problems_together() {
        let text = "+++\nid = \"Bad\"\n+++\nIntro.\n\n# T\n\n## Technical depth\n\nx\n\n## Plain English\n\n## Summary\n";
        let (q, diags) = parse(text);
        assert!(q.is_none());
        let got: Vec<String> = diags
            .iter()
            .map(|d| format!("{}:{}", d.line(), d.message))
            .collect();
        assert!(
            got.iter().any(|m| m.starts_with("2:invalid id `Bad`")),
            "{got:?}"
        );
        assert!(
            got.iter().any(|m| m.starts_with("4:text before")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.starts_with("12:part `## Plain English` is out of order")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.starts_with("12:empty part `## Plain English`")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.starts_with("14:unknown part heading `## Summary`")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.starts_with("6:missing part `## Real-world example`")),
            "{got:?}"
        );
    }

    #[test]
    fn toml_errors_point_at_the_files_line() {
        let text = GOOD.replace("tags = [\"data\"]", "tags = [\"data\"\nother = 1");
        let (_, diags) = parse(&text);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].line(), 4);
    }
}

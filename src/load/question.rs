//! One question file: its `+++` front matter split from the body and
//! parsed (the permanent `id`, the `tags`, checked against the bank's
//! [`QuestionRules`]), and the body cut into its `#` title and the three
//! `##` parts, each with its lines and byte range in the file. Every
//! structural problem is reported, not just the first.

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: Option<Spanned<String>>,
    #[serde(default)]
    tags: Option<Spanned<Vec<String>>>,
}

/// How many tags a question of a bank with a tag vocabulary should have.
pub const TAGS_PER_QUESTION: std::ops::RangeInclusive<usize> = 2..=5;
/// Split `+++` front matter from the body. Returns the front matter text, the
/// line it starts on, and the byte offset where the body starts.
fn split_front_matter<'a>(
    path: &Path,
    text: &'a str,
) -> Result<(&'a str, usize, usize), Diagnostic> {
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
            return Ok((&text[fm_start..pos], 2, (end + 1).min(text.len())));
        }
        pos = end + 1;
    }
    Err(Diagnostic::error(
        path,
        1,
        "front matter is not closed: add a `+++` line after it",
    ))
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
        || without_closing.ends_with([' ', '\t']) && !without_closing.ends_with("\\");
    let text = if closing_ok { without_closing } else { text };
    text.trim_matches([' ', '\t']).to_string()
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

/// [`parse_question`] with the bank's rules (its tag vocabulary).
pub fn parse_question_with(
    path: &Path,
    text: &str,
    number: u32,
    rules: &QuestionRules,
    diags: &mut Vec<Diagnostic>,
) -> Option<Question> {
    let before = diags.len();
    let index = LineIndex::new(text);
    let (fm_text, fm_line, body_start) = match split_front_matter(path, text) {
        Ok(v) => v,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let fm_index = LineIndex::new(fm_text);
    let mut id = String::new();
    let mut id_line = 1;
    let mut tags = Vec::new();
    match toml::from_str::<FrontMatter>(fm_text) {
        Ok(fm) => {
            let tags_line = fm
                .tags
                .as_ref()
                .map(|t| span_line(&fm_index, fm_line, Some(t.span())))
                .unwrap_or(fm_line);
            tags = fm.tags.map(Spanned::into_inner).unwrap_or_default();
            match fm.id {
                None => diags.push(Diagnostic::error(
                    path,
                    1,
                    "missing `id` in front matter (a permanent lowercase slug, e.g. `id = \"overfitting\"`)",
                )),
                Some(s) => {
                    id_line = span_line(&fm_index, fm_line, Some(s.span()));
                    id = s.into_inner();
                    if !is_slug(&id) {
                        diags.push(Diagnostic::error(
                            path,
                            id_line,
                            format!("invalid id `{id}`: use a lowercase slug such as `bias-variance`"),
                        ));
                    }
                }
            }
            let mut seen = BTreeSet::new();
            for tag in &tags {
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
            ))
        }
    }

    let body = &text[body_start..];
    let blocks = top_level_blocks(body, body_start);
    let mut title: Option<(String, usize)> = None;
    let mut reported_before_title = false;
    // (kind, heading line, body start offset)
    let mut parts: Vec<(PartKind, usize, usize, usize)> = Vec::new();
    let mut current_end: Option<usize> = None; // index into parts being filled
    for block in &blocks {
        let line = index.line(block.range.start);
        if let (Some(i), Some((HeadingLevel::H1 | HeadingLevel::H2, _))) =
            (current_end, &block.heading)
        {
            // A part runs up to the next part heading: reference-style link
            // definitions after its last paragraph (no block of their own)
            // stay with it.
            parts[i].3 = block.range.start;
        }
        match &block.heading {
            Some((HeadingLevel::H1, _)) => {
                if title.is_some() {
                    diags.push(Diagnostic::error(
                        path,
                        line,
                        "a second `#` title; a question file has exactly one",
                    ));
                } else {
                    title = Some((heading_source(&text[block.range.clone()]), line));
                }
                current_end = None;
            }
            Some((HeadingLevel::H2, heading)) => {
                if title.is_none() && !reported_before_title {
                    reported_before_title = true;
                    diags.push(Diagnostic::error(
                        path,
                        line,
                        "part heading before the `#` title",
                    ));
                }
                match PartKind::from_heading(heading) {
                    None => {
                        diags.push(Diagnostic::error(
                            path,
                            line,
                            format!("unknown part heading `## {heading}`; the parts are `## Plain English`, `## Technical depth`, `## Real-world example`"),
                        ));
                        current_end = None;
                    }
                    Some(kind) => {
                        if let Some(first) = parts.iter().find(|p| p.0 == kind) {
                            diags.push(Diagnostic::error(
                                path,
                                line,
                                format!(
                                    "repeated part heading `## {}` (first at line {})",
                                    kind.heading(),
                                    first.1
                                ),
                            ));
                            current_end = None;
                        } else {
                            if let Some(last) = parts.last() {
                                if last.0 > kind {
                                    diags.push(Diagnostic::error(
                                        path,
                                        line,
                                        format!(
                                            "part `## {}` is out of order: it comes before `## {}`",
                                            kind.heading(),
                                            last.0.heading()
                                        ),
                                    ));
                                }
                            }
                            let start = block.range.end;
                            parts.push((kind, line, start, start));
                            current_end = Some(parts.len() - 1);
                        }
                    }
                }
            }
            _ => {
                if title.is_none() {
                    if !reported_before_title {
                        reported_before_title = true;
                        diags.push(Diagnostic::error(path, line, "text before the `#` title"));
                    }
                } else if let Some(i) = current_end {
                    parts[i].3 = block.range.end;
                } else if parts.is_empty() {
                    diags.push(Diagnostic::error(
                        path,
                        line,
                        "text between the title and the first part heading; put it under `## Plain English`",
                    ));
                }
            }
        }
    }

    if let Some(i) = current_end {
        parts[i].3 = text.len();
    }
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

    let mut found: [Option<Part>; 3] = [None, None, None];
    for &(kind, heading_line, start, end) in &parts {
        let raw = &text[start..end.max(start)];
        let lead = raw.len() - raw.trim_start().len();
        let markdown = raw.trim().to_string();
        if markdown.is_empty() {
            diags.push(Diagnostic::error(
                path,
                heading_line,
                format!("empty part `## {}`", kind.heading()),
            ));
        }
        let body_range = start + lead..start + lead + markdown.len();
        found[kind as usize] = Some(Part {
            markdown,
            heading_line,
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
    if diags[before..].iter().any(Diagnostic::is_error) {
        return None;
    }
    let [plain, technical, example] = found;
    Some(Question {
        number,
        id,
        tags,
        title,
        path: path.to_path_buf(),
        id_line,
        title_line,
        plain: plain?,
        technical: technical?,
        example: example?,
    })
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
            .map(|d| format!("{}:{}", d.line, d.message))
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
        assert_eq!(diags[0].line, 4);
    }
}

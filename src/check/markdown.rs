//! Rules inside one Markdown body (a part, or the intro): lead-ins with no
//! list or table after them, raw HTML, nesting depth, table widths, the
//! number of figures shown and their alt text, cross-references. The walk
//! over the body hands its text, formulas and figures to the `glyphs`,
//! `formulas` and `figures` rules, and tells whether the body shows
//! anything at all.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::figures::{check_figure, Figures};
use super::formulas::{
    check_formula, first_unescaped_dollar, has_unescaped_dollar, lone_dollar, price_pair,
};
use super::glyphs::check_glyphs_in;
use crate::diagnostic::{Diagnostic, LineIndex};
use crate::fonts::Family;
use crate::load::{self, decoded_characters, raw_html};
use crate::markdown::{markdown_options, xref_target};
use crate::model::Bank;

/// How many figures one question (or the intro) may show: each is drawn
/// on its own in the booklet, so thousands in one file would make one
/// small file take minutes and gigabytes to print.
const MAX_FIGURES_SHOWN: usize = 10;

/// How many Markdown elements may be open inside each other. Real answers
/// use a handful (a list in a list item, bold inside, a link); thousands
/// would exhaust the booklet renderer's stack, and Typst stops at about 14 nested lists.
const MAX_NESTING: usize = 16;

/// The most columns a table may have: eight hyphenated 8 pt columns still fit
/// side by side in the A5 booklet's text block; more would overprint.
pub const MAX_TABLE_COLUMNS: usize = 8;

/// The longest alt text, in characters: it is the figure's caption, and a
/// caption must fit on a page with its figure (the bank's longest is 274).
pub const MAX_ALT_CHARS: usize = 600;

/// Does this text or code show a reader anything: a character that is not
/// white space, invisible or forbidden?
fn visible(text: &str) -> bool {
    text.chars().any(|c| {
        !c.is_whitespace()
            && !matches!(
                c,
                '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
            )
            && load::forbidden_char(c).is_none()
    })
}

/// Does a paragraph's source end with a colon (a lead-in to a list or table)?
fn is_lead_in(source: &str) -> bool {
    source.trim_end().ends_with(':')
}

/// Where a Markdown body sits in its file.
#[derive(Debug, Clone, Copy)]
pub(super) enum Body {
    /// A part's body: it starts on this line of the file, trimmed of the
    /// white space before it.
    Trimmed(usize),
    /// The whole file, as read (the intro).
    WholeFile,
}

/// Rules inside one Markdown body of `path`, whose cross-references may
/// name any of `ids`. Returns whether the body shows anything a reader can
/// see: a visible character in its text or code, or a figure.
pub(super) fn check_markdown(
    bank: &Bank,
    ids: &HashSet<&str>,
    path: &Path,
    body: Body,
    markdown: &str,
    figures: &mut Figures,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let (first_line, trimmed) = match body {
        Body::Trimmed(line) => (line, true),
        Body::WholeFile => (1, false),
    };
    let index = LineIndex::new(markdown);
    let line_at = |offset: usize| first_line + index.line(offset) - 1;
    // The column of `offset` in its line of the file. The body was trimmed
    // of its leading white space, so on its first line the column counts
    // from the line's first character that is not white space.
    let column_at = |offset: usize| {
        (
            !trimmed || index.line(offset) > 1,
            index.column(markdown, offset),
        )
    };
    let mut depth = 0usize;
    let mut too_deep_reported = false;
    // The line of a top-level paragraph ending in ':' still waiting for its list.
    let mut pending_lead_in: Option<usize> = None;
    let mut seen_sans = BTreeSet::new();
    let mut seen_mono = BTreeSet::new();
    let mut seen_math = BTreeSet::new();
    // Lines already warned about a lone `$`.
    let mut dollar_lines = BTreeSet::new();
    // The figure being read: the line it starts on and its alt text's length.
    let mut alt: Option<(usize, usize)> = None;
    let mut shows = false;
    for (event, range) in Parser::new_ext(markdown, markdown_options()).into_offset_iter() {
        shows = shows
            || match &event {
                Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                    visible(t)
                }
                Event::Start(Tag::Image { .. }) => true,
                _ => false,
            };
        let forbidden = decoded_characters(path, line_at(range.start), &event, diags);
        if let (Some((_, chars)), Event::Text(t) | Event::Code(t)) = (&mut alt, &event) {
            *chars += t.chars().count();
        }
        match &event {
            Event::Start(tag) => {
                if depth == 0 {
                    let satisfies = matches!(tag, Tag::List(_) | Tag::Table(_));
                    if let Some(line) = pending_lead_in.take() {
                        if !satisfies {
                            diags.push(dangling(path, line));
                        }
                    }
                    if matches!(tag, Tag::Paragraph) && is_lead_in(&markdown[range.clone()]) {
                        pending_lead_in = Some(line_at(range.start));
                    }
                }
                depth += 1;
                if depth > MAX_NESTING && !too_deep_reported {
                    too_deep_reported = true;
                    diags.push(Diagnostic::error(
                        path,
                        line_at(range.start),
                        format!("Markdown nested more than {MAX_NESTING} levels deep (lists, quotes, emphasis or links inside each other); flatten it"),
                    ));
                }
                if let Tag::Table(aligns) = tag {
                    if aligns.len() > MAX_TABLE_COLUMNS {
                        diags.push(Diagnostic::error(
                            path,
                            line_at(range.start),
                            format!(
                                "a table of {} columns; the booklet prints at most {MAX_TABLE_COLUMNS} side by side, so split it or turn it into a list",
                                aligns.len()
                            ),
                        ));
                    }
                }
                if let Tag::Link { dest_url, .. } = tag {
                    if let Some(id) = xref_target(dest_url) {
                        if !ids.contains(id) {
                            diags.push(Diagnostic::error(
                                path,
                                line_at(range.start),
                                format!("cross-reference to `#{id}`, which is no question's id; write `[](#id)` with the id from a question's front matter"),
                            ));
                        }
                    }
                }
                if let Tag::Image { dest_url, .. } = tag {
                    alt = Some((line_at(range.start), 0));
                    check_figure(bank, path, line_at(range.start), dest_url, figures, diags);
                    figures.shown_here += 1;
                    if figures.shown_here == MAX_FIGURES_SHOWN + 1 {
                        diags.push(Diagnostic::error(
                            path,
                            line_at(range.start),
                            format!("more than {MAX_FIGURES_SHOWN} figures in one question (this is figure {}); keep the ones the answer needs", figures.shown_here),
                        ));
                    }
                }
            }
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                if let (TagEnd::Image, Some((line, chars))) = (end, alt) {
                    alt = None;
                    if chars > MAX_ALT_CHARS {
                        diags.push(Diagnostic::error(
                            path,
                            line,
                            format!("the figure's alt text is {chars} characters; as its caption it may have at most {MAX_ALT_CHARS}, so say the rest in the answer"),
                        ));
                    }
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let d = raw_html(path, line_at(range.start), html);
                diags.push(at_column(d, Some(column_at(range.start))));
            }
            Event::InlineMath(tex) | Event::DisplayMath(tex) => {
                let line = line_at(range.start);
                if alt.is_some() {
                    diags.push(Diagnostic::error(
                        path,
                        line,
                        "a formula in a figure's alt text; a caption is plain text, so write it in words or Unicode",
                    ));
                }
                let found = diags.len();
                check_formula(path, line, tex, &mut seen_math, &mut seen_sans, diags);
                // A formula that does not parse: at its opening `$`.
                for d in &mut diags[found..] {
                    if d.message.starts_with("formula `") {
                        *d = at_column(d.clone(), Some(column_at(range.start)));
                    }
                }
                if matches!(event, Event::InlineMath(_)) {
                    if let Some(d) = price_pair(path, line, tex, &markdown[range.end..]) {
                        diags.push(d);
                    }
                }
            }
            Event::Text(t) if has_unescaped_dollar(markdown, range.clone()) => {
                let line = line_at(range.start);
                if dollar_lines.insert(line) {
                    let dollar = first_unescaped_dollar(markdown, range.clone());
                    let d = lone_dollar(path, line);
                    diags.push(at_column(d, dollar.map(column_at)));
                }
                check_glyphs_in(
                    path,
                    line_at(range.start),
                    t,
                    Family::Sans,
                    &mut seen_sans,
                    diags,
                );
            }
            // Reported above; the fonts are not asked about it.
            Event::Text(_) | Event::Code(_) if forbidden => {}
            Event::Text(t) => check_glyphs_in(
                path,
                line_at(range.start),
                t,
                Family::Sans,
                &mut seen_sans,
                diags,
            ),
            Event::Code(t) => check_glyphs_in(
                path,
                line_at(range.start),
                t,
                Family::Mono,
                &mut seen_mono,
                diags,
            ),
            _ => {
                if depth == 0 {
                    if let Some(line) = pending_lead_in.take() {
                        diags.push(dangling(path, line));
                    }
                }
            }
        }
    }
    if let Some(line) = pending_lead_in {
        diags.push(dangling(path, line));
    }
    shows
}

/// `d` at `column` when it is known: (is it a whole line of the file?, the
/// column in the Markdown's line).
fn at_column(d: Diagnostic, column: Option<(bool, usize)>) -> Diagnostic {
    match column {
        Some((true, c)) => d.at_column(c),
        Some((false, c)) => d.at_column_after_indent(c),
        None => d,
    }
}

fn dangling(path: &Path, line: usize) -> Diagnostic {
    Diagnostic::error(
        path,
        line,
        "dangling lead-in: this paragraph ends with `:` but no list or table follows it in this part",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::test_support::run;

    #[test]
    fn lead_in_followed_by_list_or_table_is_fine() {
        assert!(run("Fixes:\n\n- a\n- b").is_empty());
        assert!(run("Steps:\n\n1. a\n2. b").is_empty());
        assert!(run("Compare:\n\n| a | b |\n|---|---|\n| 1 | 2 |").is_empty());
        assert!(run("Inline lead-in: with text after it.").is_empty());
    }

    #[test]
    fn dangling_lead_ins_are_found_at_their_line() {
        assert_eq!(run("Para.\n\nFixes:"), vec!["12: dangling lead-in: this paragraph ends with `:` but no list or table follows it in this part"]);
        let got = run("Fixes:\n\nAnother paragraph.");
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("10: dangling"));
        // A colon inside a list item is not a top-level lead-in.
        assert!(run("- item:\n- other").is_empty());
    }

    #[test]
    fn raw_html_is_refused() {
        let got = run("Text <span>x</span>.\n\n<div>block</div>");
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(run("p < 0.05 and a<b").is_empty());
    }

    #[test]
    fn tables_wider_than_the_booklet_are_refused_at_their_line() {
        let table = |columns: usize| {
            let row = |cell: &str| format!("|{}\n", format!(" {cell} |").repeat(columns));
            format!("{}{}{}", row("h"), row("---"), row("v"))
        };
        assert!(run(&table(MAX_TABLE_COLUMNS)).is_empty());
        assert_eq!(
            run(&format!("Intro.\n\n{}", table(MAX_TABLE_COLUMNS + 1))),
            [format!("12: a table of {} columns; the booklet prints at most {MAX_TABLE_COLUMNS} side by side, so split it or turn it into a list", MAX_TABLE_COLUMNS + 1)]
        );
    }

    #[test]
    fn alt_text_longer_than_a_caption_is_refused_at_its_figure() {
        let figure = |chars: usize| format!("![{}](media/loss-curves.svg)", "a".repeat(chars));
        assert!(run(&figure(MAX_ALT_CHARS)).is_empty());
        assert_eq!(
            run(&format!("Intro.\n\n{}", figure(MAX_ALT_CHARS + 1))),
            [format!("12: the figure's alt text is {} characters; as its caption it may have at most {MAX_ALT_CHARS}, so say the rest in the answer", MAX_ALT_CHARS + 1)]
        );
    }

    #[test]
    fn cross_references_to_unknown_ids_are_refused_at_their_line() {
        assert_eq!(
            run("Intro.\n\nSee [](#no-such-question) and [this](#other)."),
            [
                "12: cross-reference to `#no-such-question`, which is no question's id; write `[](#id)` with the id from a question's front matter",
                "12: cross-reference to `#other`, which is no question's id; write `[](#id)` with the id from a question's front matter",
            ]
        );
    }

    #[test]
    fn deep_nesting_is_refused_once_with_its_line() {
        let ok = format!("{}x", "- ".repeat(MAX_NESTING / 2));
        assert!(run(&ok).is_empty(), "{:?}", run(&ok));
        let deep = format!("Fine.\n\n{}x", "> ".repeat(10_000));
        assert_eq!(
            run(&deep),
            [format!("12: Markdown nested more than {MAX_NESTING} levels deep (lists, quotes, emphasis or links inside each other); flatten it")]
        );
        let emphasis = format!("{}x{}", "*a ".repeat(100), " a*".repeat(100));
        assert_eq!(run(&emphasis).len(), 1);
    }
}

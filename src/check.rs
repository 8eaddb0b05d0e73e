//! The checker: rules over a loaded [`Bank`] that need more than one file or
//! look inside the Markdown: duplicate ids, dangling lead-ins, raw HTML,
//! figures (present, an SVG every output can draw in bounded time,
//! referenced), parts that show nothing, control characters the Markdown
//! decodes (`&#31;`), and characters the bundled fonts cannot draw, in the
//! text and inside figures. What `build` could refuse, `check` refuses first.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

use crate::diagnostic::{self, Diagnostic, LineIndex};
use crate::figure;
use crate::fonts::{self, Family};
use crate::load::{self, check_title_html, decoded_characters, raw_html};
use crate::markdown::{markdown_options, xref_target};
use crate::math;
use crate::model::Bank;

/// Load and check the bank in `root`. Diagnostics come sorted by file and line.
pub fn load_and_check(root: &Path) -> (Option<Bank>, Vec<Diagnostic>) {
    let loaded = load::load(root);
    let mut diags = loaded.diagnostics;
    if let Some(bank) = &loaded.bank {
        diags.extend(check(bank));
    }
    diagnostic::sort(&mut diags);
    diags.dedup();
    (loaded.bank, diags)
}

/// What the checker learns about figures while it walks the bank: which
/// media files are referenced, and each figure's inspection (done once,
/// however many answers show it).
#[derive(Default)]
struct Figures {
    referenced: HashSet<String>,
    /// Figures shown so far by the question (or intro) being checked.
    shown_here: usize,
    inspected: HashMap<String, Result<figure::Inspected, String>>,
}

impl Figures {
    /// Inspect the figure `name` of `bank` (bytes the loader read).
    fn inspect(&mut self, bank: &Bank, name: &str) -> Option<&Result<figure::Inspected, String>> {
        if !self.inspected.contains_key(name) {
            let bytes = bank.media.get(name)?;
            let result = figure::inspect(bytes).map_err(|e| e.to_string());
            self.inspected.insert(name.to_string(), result);
        }
        self.inspected.get(name)
    }
}

/// Every rule that runs on a loaded bank.
pub fn check(bank: &Bank) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    check_duplicate_ids(bank, &mut diags);
    diags.extend(crate::anki::theme::check(&bank.root));
    let mut figures = Figures::default();
    for (_, q) in bank.questions() {
        figures.shown_here = 0;
        check_text_glyphs(&q.path, q.title_line, &q.title, &mut diags);
        check_title_html(&q.path, q.title_line, &q.title, &mut diags);
        for (kind, part) in q.parts() {
            if !shows_something(&part.markdown) {
                diags.push(Diagnostic::error(
                    &q.path,
                    part.heading_line,
                    format!(
                        "part `## {}` shows nothing (only spaces, invisible characters, rules or link definitions); write its answer",
                        kind.heading()
                    ),
                ));
            }
            check_markdown(
                bank,
                &q.path,
                Body::Trimmed(part.body_line),
                &part.markdown,
                &mut figures,
                &mut diags,
            );
        }
    }
    if let Some(intro) = &bank.intro {
        figures.shown_here = 0;
        check_markdown(
            bank,
            &intro.path,
            Body::WholeFile,
            &intro.markdown,
            &mut figures,
            &mut diags,
        );
    }
    let bank_toml = bank.root.join("bank.toml");
    for text in [&bank.title, &bank.subtitle, &bank.description] {
        check_text_glyphs(&bank_toml, 1, text, &mut diags);
    }
    for s in &bank.sections {
        check_text_glyphs(&bank_toml, 1, &s.title, &mut diags);
    }
    check_unreferenced_media(bank, &figures.referenced, &mut diags);
    check_lock(bank, &mut diags);
    diags
}

/// A lock the Anki exporter would refuse is refused here first, as a
/// content error. (The loader has already refused a lock that is not a
/// regular file or is too large; it is not read then.)
fn check_lock(bank: &Bank, diags: &mut Vec<Diagnostic>) {
    let path = bank.lock_path();
    let readable =
        fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= load::lock_limit(bank));
    if !readable {
        return;
    }
    if let Err(e) = crate::anki::lock::Lock::read(&path, &bank.id) {
        let shown = path.display().to_string();
        let message = format!("{e:#}");
        let mut message = if let Some(rest) = message.strip_prefix(&format!("{shown}: ")) {
            rest.to_string()
        } else if let Some(rest) = message.strip_prefix(&format!("{shown} ")) {
            format!("bank.lock {rest}")
        } else {
            message
        }
        .replace('\n', " ");
        if !message.contains("restore it") {
            message.push_str("; restore it from version control (`git checkout` the lock)");
        }
        diags.push(Diagnostic::error(&path, 1, message));
    }
}

fn check_duplicate_ids(bank: &Bank, diags: &mut Vec<Diagnostic>) {
    let mut by_id: HashMap<&str, Vec<(&PathBuf, usize)>> = HashMap::new();
    for (_, q) in bank.questions() {
        by_id
            .entry(q.id.as_str())
            .or_default()
            .push((&q.path, q.id_line));
    }
    for (id, places) in by_id {
        if places.len() < 2 {
            continue;
        }
        for (i, (path, line)) in places.iter().enumerate() {
            let others: Vec<String> = places
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (p, l))| format!("{}:{}", p.display(), l))
                .collect();
            diags.push(Diagnostic::error(
                path,
                *line,
                format!("duplicate id `{id}` (also used at {})", others.join(", ")),
            ));
        }
    }
}

/// Report each character `text` uses that `family` cannot draw, once per file.
fn check_glyphs_in(
    path: &Path,
    line: usize,
    text: &str,
    family: Family,
    seen: &mut BTreeSet<char>,
    diags: &mut Vec<Diagnostic>,
) {
    if fonts::is_plain_ascii(text) {
        return;
    }
    let mut before = None;
    for c in text.chars() {
        if let Some(base) = before {
            if let Some(one) = precomposed(base, c) {
                if seen.insert(one) {
                    diags.push(combining_mark(path, line, base, c, one));
                }
            }
        }
        before = Some(c);
        if !fonts::can_draw(family, c) && seen.insert(c) {
            diags.push(Diagnostic::error(
                path,
                line,
                format!(
                    "character `{c}` (U+{:04X}) cannot be drawn by the bundled font {}",
                    c as u32,
                    family.name()
                ),
            ));
        }
    }
}

/// A letter and a combining mark typed apart where one precomposed character
/// exists (`e` + U+0301 for `é`): refused, naming the character to write, so
/// the same word is one string in every output and in a learner's search.
/// Marks with no precomposed form (`x̂` in a formula) are drawn as they are.
fn combining_mark(path: &Path, line: usize, base: char, mark: char, one: char) -> Diagnostic {
    Diagnostic::error(
        path,
        line,
        format!(
            "combining mark U+{:04X} after `{base}`: write `{one}` (U+{:04X}), one precomposed character, instead",
            mark as u32, one as u32
        ),
    )
}

/// The one character `base` and `mark` compose to, if there is one.
fn precomposed(base: char, mark: char) -> Option<char> {
    if !is_combining_mark(mark) || is_combining_mark(base) {
        return None;
    }
    let mut composed = [base, mark].into_iter().nfc();
    match (composed.next(), composed.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

fn check_text_glyphs(path: &Path, line: usize, text: &str, diags: &mut Vec<Diagnostic>) {
    check_glyphs_in(path, line, text, Family::Sans, &mut BTreeSet::new(), diags);
}

/// How many figures one question (or the intro) may show: each is drawn
/// on its own in the booklet, so thousands in one file would make one
/// small file take minutes and gigabytes to print.
pub(crate) const MAX_FIGURES_SHOWN: usize = 10;

/// How many Markdown elements may be open inside each other. Real answers
/// use a handful (a list in a list item, bold inside, a link); thousands
/// would exhaust the booklet renderer's stack, and Typst stops at about 14 nested lists.
pub(crate) const MAX_NESTING: usize = 16;

/// The most columns a table may have: eight hyphenated 8 pt columns still fit
/// side by side in the A5 booklet's text block; more would overprint.
pub const MAX_TABLE_COLUMNS: usize = 8;

/// The longest alt text, in characters: it is the figure's caption, and a
/// caption must fit on a page with its figure (the bank's longest is 274).
pub const MAX_ALT_CHARS: usize = 600;

/// Does `markdown` show anything a reader can see: a visible character in
/// its text or code, or a figure?
pub(crate) fn shows_something(markdown: &str) -> bool {
    let visible = |t: &str| {
        t.chars().any(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
                )
                && load::forbidden_char(c).is_none()
        })
    };
    Parser::new_ext(markdown, markdown_options()).any(|event| match event {
        Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => visible(&t),
        Event::Start(Tag::Image { .. }) => true,
        _ => false,
    })
}

/// Does a paragraph's source end with a colon (a lead-in to a list or table)?
fn is_lead_in(source: &str) -> bool {
    source.trim_end().ends_with(':')
}

/// Where a Markdown body sits in its file.
#[derive(Debug, Clone, Copy)]
enum Body {
    /// A part's body: it starts on this line of the file, trimmed of the
    /// white space before it.
    Trimmed(usize),
    /// The whole file, as read (the intro).
    WholeFile,
}

/// Rules inside one Markdown body of `path`.
fn check_markdown(
    bank: &Bank,
    path: &Path,
    body: Body,
    markdown: &str,
    figures: &mut Figures,
    diags: &mut Vec<Diagnostic>,
) {
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
    for (event, range) in Parser::new_ext(markdown, markdown_options()).into_offset_iter() {
        decoded_characters(path, line_at(range.start), &event, diags);
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
                        if !bank.questions().any(|(_, q)| q.id == id) {
                            diags.push(Diagnostic::error(
                                path,
                                line_at(range.start),
                                format!("cross-reference to `#{}`, which is no question's id; write `[](#id)` with the id from a question's front matter", id),
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
            Event::Text(t) | Event::Code(t) if load::find_forbidden(t).is_some() => {}
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
}

/// A formula that does not parse, or draws a character its font lacks.
fn check_formula(
    path: &Path,
    line: usize,
    tex: &str,
    seen_math: &mut BTreeSet<char>,
    seen_sans: &mut BTreeSet<char>,
    diags: &mut Vec<Diagnostic>,
) {
    let tree = match math::parse(tex) {
        Ok(tree) => tree,
        Err(e) => {
            let shown: String = tex.trim().chars().take(40).collect();
            diags.push(Diagnostic::error(
                path,
                line,
                format!("formula `{shown}`: {e}"),
            ));
            return;
        }
    };
    let mut chars = Vec::new();
    math::characters(&tree, &mut chars);
    for (c, in_math) in chars {
        let (family, seen) = if in_math {
            (Family::Math, &mut *seen_math)
        } else {
            (Family::Sans, &mut *seen_sans)
        };
        if !fonts::can_draw(family, c) && seen.insert(c) {
            diags.push(Diagnostic::error(
                path,
                line,
                format!(
                    "character `{c}` (U+{:04X}) in a formula cannot be drawn by the bundled font {}",
                    c as u32,
                    family.name()
                ),
            ));
        }
    }
}

/// Does the text run at `range` of `markdown` hold a `$` not written `\$`?
/// Such a dollar is text today, but a second one later in the paragraph
/// would pair with it and turn the words between them into a formula.
fn has_unescaped_dollar(markdown: &str, range: std::ops::Range<usize>) -> bool {
    first_unescaped_dollar(markdown, range).is_some()
}

/// The offset of the first `$` in `range` of `markdown` not written `\$`.
fn first_unescaped_dollar(markdown: &str, range: std::ops::Range<usize>) -> Option<usize> {
    let bytes = markdown.as_bytes();
    range
        .filter(|&i| bytes.get(i) == Some(&b'$'))
        .find(|&i| i == 0 || bytes[i - 1] != b'\\')
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

fn lone_dollar(path: &Path, line: usize) -> Diagnostic {
    Diagnostic::warning(
        path,
        line,
        "a `$` that is not a formula: write `\\$` for a dollar sign, so that another `$` in the paragraph cannot pair with it",
    )
}

/// An inline formula that reads like the text between two prices
/// (`$5/$10` pairs into the formula `5/`): it starts with a digit and a
/// digit follows its closing `$`.
fn price_pair(path: &Path, line: usize, tex: &str, after: &str) -> Option<Diagnostic> {
    let starts_with_digit = tex.starts_with(|c: char| c.is_ascii_digit());
    let digit_after = after.starts_with(|c: char| c.is_ascii_digit());
    (starts_with_digit && digit_after).then(|| {
        Diagnostic::warning(
            path,
            line,
            format!("`${tex}$` reads as the text between two prices, set as a formula; write `\\$` for each dollar sign"),
        )
    })
}

fn dangling(path: &Path, line: usize) -> Diagnostic {
    Diagnostic::error(
        path,
        line,
        "dangling lead-in: this paragraph ends with `:` but no list or table follows it in this part",
    )
}

fn check_figure(
    bank: &Bank,
    path: &Path,
    line: usize,
    dest: &str,
    figures: &mut Figures,
    diags: &mut Vec<Diagnostic>,
) {
    match bank.figure_path(dest) {
        None => diags.push(Diagnostic::error(
            path,
            line,
            format!("figure `{dest}` must be a file directly inside content/media/, written `media/<name>`"),
        )),
        Some(file) => {
            figures
                .referenced
                .insert(dest.trim_start_matches("media/").to_string());
            let real = fs::canonicalize(&file).ok();
            let root = fs::canonicalize(&bank.root).ok();
            match fs::symlink_metadata(&file) {
                Ok(_) if matches!((&real, &root), (Some(real), Some(root)) if !real.starts_with(root)) => {
                    diags.push(Diagnostic::error(
                        path,
                        line,
                        format!("figure `{dest}` leads outside the content folder (content/media/ is a symbolic link); keep figures inside the bank"),
                    ))
                }
                Ok(m) if m.is_file() => {
                    let name = dest.trim_start_matches("media/");
                    if !is_svg(&file) {
                        diags.push(Diagnostic::error(
                            path,
                            line,
                            format!("figure `{dest}` is not an SVG; figures are `.svg` files (draw it as SVG, or convert it)"),
                        ));
                    } else {
                        match figures.inspect(bank, name) {
                            // Not read: the loader reported why, at the file.
                            None => {}
                            Some(Err(problem)) => diags.push(Diagnostic::error(
                                path,
                                line,
                                format!("figure `{dest}` is {problem}"),
                            )),
                            Some(Ok(inspected)) => {
                                let mut seen = BTreeSet::new();
                                for text in &inspected.text {
                                    for c in text.chars() {
                                        if !fonts::can_draw(Family::Sans, c) && !fonts::can_draw(Family::Mono, c) && seen.insert(c) {
                                            diags.push(Diagnostic::error(
                                                path,
                                                line,
                                                format!("figure `{dest}` has text with the character `{c}` (U+{:04X}), which the bundled fonts cannot draw; change the figure", c as u32),
                                            ));
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                Ok(_) => diags.push(Diagnostic::error(
                    path,
                    line,
                    format!("figure `{dest}` is not a regular file inside content/media/"),
                )),
                Err(_) => diags.push(Diagnostic::error(
                    path,
                    line,
                    format!("figure `{dest}` not found in content/media/"),
                )),
            }
        }
    }
}

fn is_svg(file: &Path) -> bool {
    file.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("svg"))
}

fn check_unreferenced_media(
    bank: &Bank,
    referenced: &HashSet<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let Ok(entries) = fs::read_dir(bank.media_dir()) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    for name in names {
        if !referenced.contains(&name) {
            diags.push(Diagnostic::warning(
                bank.media_dir().join(&name),
                1,
                "figure is not referenced by any question",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank() -> Bank {
        Bank {
            root: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good"),
            media: load::load(
                &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good"),
            )
            .bank
            .expect("fixture bank")
            .media,
            id: "b".into(),
            title: String::new(),
            subtitle: String::new(),
            description: String::new(),
            date: None,
            author: None,
            lang: None,
            intro: None,
            sections: Vec::new(),
        }
    }

    fn run(markdown: &str) -> Vec<String> {
        let mut diags = Vec::new();
        check_markdown(
            &bank(),
            Path::new("q.md"),
            Body::Trimmed(10),
            markdown,
            &mut Figures::default(),
            &mut diags,
        );
        diags
            .iter()
            .map(|d| format!("{}: {}", d.line(), d.message))
            .collect()
    }

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
    fn raw_html_and_figures() {
        let got = run("Text <span>x</span>.\n\n<div>block</div>");
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(run("![Loss](media/loss-curves.svg)").is_empty());
        assert_eq!(
            run("![x](media/nope.svg)"),
            vec!["10: figure `media/nope.svg` not found in content/media/"]
        );
        assert_eq!(run("![x](/etc/passwd)").len(), 1);
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
    fn combining_marks_are_refused_with_the_precomposed_character() {
        assert_eq!(
            run("Cafe\u{301} and cafe\u{301} again, o\u{308}."),
            [
                "10: combining mark U+0301 after `e`: write `é` (U+00E9), one precomposed character, instead",
                "10: combining mark U+0308 after `o`: write `ö` (U+00F6), one precomposed character, instead",
            ]
        );
        // No precomposed form: a formula's x-hat is drawn as it is.
        assert!(run("x\u{302}ᵢ = (xᵢ-μ_B)").is_empty());
        assert!(run("Café, naïve, σ², √d, ₹, →").is_empty());
    }

    #[test]
    fn formulas_that_do_not_parse_or_draw_are_refused_at_their_line() {
        let diags = run(
            "Fine: $\\sigma^2$.\n\nBroken: $\\frac{1}$ and\n$$x^$$\n\nUndrawable: $\\text{🎯}$ ok.",
        );
        assert_eq!(diags.len(), 3, "{diags:?}");
        assert!(
            diags[0].starts_with("12: formula `\\frac{1}`: the formula does not parse"),
            "{diags:?}"
        );
        assert!(
            diags[1].starts_with("13: formula `x^`: the formula does not parse"),
            "{diags:?}"
        );
        assert!(
            diags[2].starts_with("15: character `🎯` (U+1F3AF) in a formula"),
            "{diags:?}"
        );
        assert!(run("$\\newcommand{\\x}{1}$")[0].contains("not allowed"));
        assert!(run("![a $x$ b](media/x.svg)")
            .iter()
            .any(|d| d.contains("a formula in a figure's alt text")));
    }

    #[test]
    fn dollars_that_could_pair_are_warned_about_and_escaped_ones_are_not() {
        assert!(run("It costs \\$5 or \\$10, and $x$ is a formula.").is_empty());
        assert_eq!(
            run("It costs $5 a month."),
            ["10: a `$` that is not a formula: write `\\$` for a dollar sign, so that another `$` in the paragraph cannot pair with it"]
        );
        let pair = run("From $5/$10 a day.");
        assert_eq!(pair.len(), 1, "{pair:?}");
        assert!(
            pair[0].contains("`$5/$` reads as the text between two prices"),
            "{pair:?}"
        );
        // Dollars in code are code.
        assert!(run("Run `echo $HOME`.").is_empty());
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

    #[test]
    fn titles_refuse_raw_html_and_images() {
        let mut diags = Vec::new();
        check_title_html(
            Path::new("q.md"),
            6,
            "Is <b>this</b> ![x](media/a.svg) ok?",
            &mut diags,
        );
        let got: Vec<String> = diags
            .iter()
            .map(|d| format!("{}: {}", d.line(), d.message))
            .collect();
        assert_eq!(
            got,
            [
                "6: raw HTML `<b>` is not allowed; write it as text, or in backticks to show a tag",
                "6: raw HTML `</b>` is not allowed; write it as text, or in backticks to show a tag",
                "6: image `media/a.svg` in the `#` title; put figures in a part",
            ]
        );
    }

    #[test]
    fn undrawable_characters_are_reported_once_per_character() {
        let got = run("🎯 and 🎯 and `🎯`");
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].contains("U+1F3AF") && got[0].contains("DejaVu Sans"));
        assert!(got[1].contains("DejaVu Sans Mono"));
    }
}

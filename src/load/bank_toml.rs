//! `bank.toml`: the bank's id, titles, date, ordered sections and tag
//! vocabulary. Parsing it, the rules on its fields (slugs, lengths, dates,
//! section letters, the characters a title may hold, each section id,
//! letter and folder listed once) and what it sets for every question file
//! ([`QuestionRules`]). The slug rule and the placing of TOML errors serve
//! the questions' front matter too.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::read::{find_forbidden, forbidden_char_message};
use crate::diagnostic::{Diagnostic, LineIndex};

/// `bank.toml` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BankFile {
    pub(super) id: Spanned<String>,
    pub(super) title: Spanned<String>,
    #[serde(default)]
    pub(super) subtitle: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) description: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) date: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) author: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) lang: Option<Spanned<String>>,
    pub(super) sections: Vec<SectionEntry>,
    /// The tag vocabulary: tag → what it is for. When present, every
    /// question's tags must come from it.
    #[serde(default)]
    pub(super) tags: Option<Spanned<BTreeMap<String, String>>>,
}

/// One `[[sections]]` entry of `bank.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SectionEntry {
    pub(super) id: Spanned<String>,
    pub(super) letter: Spanned<String>,
    pub(super) title: Spanned<String>,
    pub(super) dir: Spanned<String>,
}

/// Rules from `bank.toml` that apply to every question file.
#[derive(Debug, Clone, Default)]
pub(crate) struct QuestionRules {
    /// The tag vocabulary, when the bank declares one.
    pub(crate) tags: Option<BTreeSet<String>>,
}

/// Is `date` a real calendar date written `YYYY-MM-DD`?
pub fn is_iso_date(date: &str) -> bool {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: Range<usize>| -> Option<u32> {
        let part = &date[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// Is `s` a lowercase slug: `a-z0-9` words joined by single hyphens?
pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The longest bank id (64 characters): it names the output files.
pub(crate) const MAX_BANK_ID_CHARS: usize = 64;

/// A TOML error message on one line ("invalid array; expected `]`").
pub(super) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// 1-based line of the start of a TOML span inside `text`, where `text`
/// itself begins on line `first_line`.
pub(super) fn span_line(index: &LineIndex, first_line: usize, span: Option<Range<usize>>) -> usize {
    span.map(|s| first_line + index.line(s.start) - 1)
        .unwrap_or(first_line)
}

/// Parse `text`, the `bank.toml` at `path`. A file that is not TOML of
/// `bank.toml`'s shape is reported, and gives no bank.
pub(super) fn parse(
    path: &Path,
    text: &str,
    index: &LineIndex,
    diags: &mut Vec<Diagnostic>,
) -> Option<BankFile> {
    match toml::from_str(text) {
        Ok(file) => Some(file),
        Err(e) => {
            diags.push(Diagnostic::error(
                path,
                span_line(index, 1, e.span()),
                format!("invalid bank.toml: {}", one_line(e.message())),
            ));
            None
        }
    }
}

/// Check the bank's own fields (id, texts, titles, date, tag vocabulary, at
/// least one section) and return the rules they set for question files.
/// `index` places a value of `bank.toml` at its line.
pub(super) fn check_bank(
    path: &Path,
    index: &LineIndex,
    file: &BankFile,
    diags: &mut Vec<Diagnostic>,
) -> QuestionRules {
    let line_of = |s: Range<usize>| index.line(s.start);
    if !is_slug(file.id.get_ref()) {
        diags.push(Diagnostic::error(
            path,
            line_of(file.id.span()),
            format!(
                "invalid bank id `{}`: use a lowercase slug such as `ml-interview-prep`",
                file.id.get_ref()
            ),
        ));
    } else if file.id.get_ref().len() > MAX_BANK_ID_CHARS {
        diags.push(Diagnostic::error(
            path,
            line_of(file.id.span()),
            format!(
                "bank id is {} characters long; it names the output files, so keep it to {MAX_BANK_ID_CHARS}",
                file.id.get_ref().len()
            ),
        ));
    }
    // TOML escapes (`\u0007`) can put characters in a string that the file
    // itself does not hold.
    let mut texts: Vec<(&str, &Spanned<String>)> = vec![("title", &file.title)];
    for (key, value) in [
        ("subtitle", &file.subtitle),
        ("description", &file.description),
        ("date", &file.date),
        ("author", &file.author),
        ("lang", &file.lang),
    ] {
        if let Some(v) = value {
            texts.push((key, v));
        }
    }
    for entry in &file.sections {
        texts.push(("section letter", &entry.letter));
        texts.push(("section title", &entry.title));
    }
    for (key, value) in &texts {
        if let Some((_, c, what)) = find_forbidden(value.get_ref()) {
            diags.push(Diagnostic::error(
                path,
                line_of(value.span()),
                forbidden_char_message(c, what, &format!("in the {key}")),
            ));
        }
    }
    for (key, value) in [
        ("title", Some(&file.title)),
        ("subtitle", file.subtitle.as_ref()),
    ]
    .into_iter()
    .chain(
        file.sections
            .iter()
            .map(|e| ("section title", Some(&e.title))),
    ) {
        let Some(value) = value else { continue };
        let line = line_of(value.span());
        if value.get_ref().trim().is_empty() && key != "subtitle" {
            diags.push(Diagnostic::error(
                path,
                line,
                format!("empty {key}; write one"),
            ));
        }
        super::markup::check_title_html(path, line, value.get_ref(), diags);
    }
    if let Some(date) = &file.date {
        if !is_iso_date(date.get_ref()) {
            diags.push(Diagnostic::error(
                path,
                line_of(date.span()),
                format!(
                    "date `{}` is not a calendar date written YYYY-MM-DD (e.g. `2026-11-28`)",
                    date.get_ref()
                ),
            ));
        }
    }
    let mut rules = QuestionRules::default();
    if let Some(vocabulary) = &file.tags {
        let line = line_of(vocabulary.span());
        for tag in vocabulary.get_ref().keys() {
            if !is_slug(tag) {
                diags.push(Diagnostic::error(
                    path,
                    line,
                    format!("tag `{tag}` in the vocabulary is not a lowercase slug"),
                ));
            }
        }
        rules.tags = Some(vocabulary.get_ref().keys().cloned().collect());
    }
    if file.sections.is_empty() {
        diags.push(Diagnostic::error(path, 1, "bank.toml lists no sections"));
    }
    rules
}

/// The section ids, letters and folders checked so far, each with the line
/// of `bank.toml` it was first listed at.
#[derive(Default)]
pub(super) struct SectionsSeen {
    ids: HashMap<String, usize>,
    letters: HashMap<String, usize>,
    pub(super) dirs: HashMap<String, usize>,
}

impl SectionsSeen {
    /// Check one section entry: its id a slug, its letter one capital, and
    /// its id, letter and folder each listed once. False when its folder was
    /// listed before, so that the folder is not loaded twice.
    pub(super) fn check(
        &mut self,
        path: &Path,
        index: &LineIndex,
        entry: &SectionEntry,
        diags: &mut Vec<Diagnostic>,
    ) -> bool {
        let line_of = |s: Range<usize>| index.line(s.start);
        let id_line = line_of(entry.id.span());
        let id = entry.id.get_ref();
        if !is_slug(id) {
            diags.push(Diagnostic::error(
                path,
                id_line,
                format!("invalid section id `{id}`: use a lowercase slug"),
            ));
        }
        if let Some(first) = self.ids.insert(id.clone(), id_line) {
            diags.push(Diagnostic::error(
                path,
                id_line,
                format!("duplicate section id `{id}` (first at line {first})"),
            ));
        }
        let letter = entry.letter.get_ref();
        let letter_ok = letter.len() == 1 && letter.bytes().all(|b| b.is_ascii_uppercase());
        if !letter_ok && find_forbidden(letter).is_none() {
            diags.push(Diagnostic::error(
                path,
                line_of(entry.letter.span()),
                format!("section letter `{letter}` must be one capital letter, `A` to `Z`"),
            ));
        }
        if let Some(first) = self
            .letters
            .insert(letter.clone(), line_of(entry.letter.span()))
        {
            diags.push(Diagnostic::error(
                path,
                line_of(entry.letter.span()),
                format!("duplicate section letter `{letter}` (first at line {first})"),
            ));
        }
        let dir = entry.dir.get_ref();
        let dir_line = line_of(entry.dir.span());
        if let Some(first) = self.dirs.insert(dir.clone(), dir_line) {
            diags.push(Diagnostic::error(
                path,
                dir_line,
                format!("section folder `{dir}` is listed twice (first at line {first})"),
            ));
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["a", "bias-variance", "q3", "training-serving-skew"] {
            assert!(is_slug(ok), "{ok}");
        }
        for bad in ["", "A", "a_b", "-a", "a-", "a--b", "a b", "é"] {
            assert!(!is_slug(bad), "{bad}");
        }
    }
}

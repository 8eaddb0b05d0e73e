//! The booklet's data: the bank as the template reads it (`/data.json`).
//!
//! Everything a page shows comes from here as plain values — titles, counts,
//! and each part as a [`Block`] tree — so bank text is always data to the
//! template and never Typst markup.

use serde::Serialize;

use super::Paper;
use crate::model::{Bank, PartKind};

use super::markdown::{self, Block, Span};

/// The whole booklet, as serialised for the template.
#[derive(Debug, Serialize)]
pub(crate) struct BookletData {
    /// Typst's paper name: `a4`, `us-letter` or `a5`.
    pub(crate) paper: &'static str,
    pub(crate) title: String,
    pub(crate) subtitle: String,
    pub(crate) description: String,
    pub(crate) author: Option<String>,
    /// ISO 639 language code for hyphenation and the PDF's language (`en`).
    pub(crate) lang: String,
    /// ISO 3166 region, when the bank's `lang` names one (`GB` in `en-GB`).
    pub(crate) region: Option<String>,
    /// The bank's date as printed on the title page ("28 November 2026").
    pub(crate) date: Option<String>,
    pub(crate) question_count: usize,
    pub(crate) section_count: usize,
    pub(crate) intro: Option<Vec<Block>>,
    pub(crate) sections: Vec<SectionData>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SectionData {
    pub(crate) letter: String,
    pub(crate) title: String,
    /// "A. Foundations"
    pub(crate) heading: String,
    pub(crate) questions: Vec<QuestionData>,
}

#[derive(Debug, Serialize)]
pub(crate) struct QuestionData {
    pub(crate) number: u32,
    pub(crate) id: String,
    pub(crate) title: Vec<Span>,
    pub(crate) parts: Vec<PartData>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PartData {
    /// `plain`, `technical` or `example`: picks the box's colours.
    pub(crate) kind: &'static str,
    /// The part's label, e.g. "Plain English".
    pub(crate) label: &'static str,
    pub(crate) blocks: Vec<Block>,
}

fn part_kind(kind: PartKind) -> &'static str {
    match kind {
        PartKind::Plain => "plain",
        PartKind::Technical => "technical",
        PartKind::Example => "example",
    }
}

fn paper_name(paper: Paper) -> &'static str {
    match paper {
        Paper::A4 => "a4",
        Paper::Letter => "us-letter",
        Paper::A5 => "a5",
    }
}

/// `2026-11-28` → "28 November 2026"; anything else is printed as written.
pub(crate) fn long_date(date: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let parts: Vec<&str> = date.split('-').collect();
    if let [y, m, d] = parts[..] {
        if let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<usize>(), d.parse::<u32>()) {
            if (1..=12).contains(&m) && (1..=31).contains(&d) {
                return format!("{d} {} {y}", MONTHS[m - 1]);
            }
        }
    }
    date.to_string()
}

/// `en-GB` → (`en`, `GB`). A tag Typst could not use falls back to English.
fn language(tag: Option<&str>) -> (String, Option<String>) {
    let mut parts = tag.unwrap_or("en").split(['-', '_']);
    let lang = parts.next().unwrap_or("").to_ascii_lowercase();
    let region = parts.next().map(str::to_ascii_uppercase);
    let letters = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic())
    };
    if !letters(&lang, 2..=3) {
        return ("en".to_string(), None);
    }
    (lang, region.filter(|r| letters(r, 2..=2)))
}

impl BookletData {
    pub(crate) fn new(bank: &Bank, paper: Paper) -> BookletData {
        let (lang, region) = language(bank.lang.as_deref());
        let sections = bank
            .sections
            .iter()
            .map(|s| SectionData {
                letter: s.letter.clone(),
                title: s.title.clone(),
                heading: s.heading(),
                questions: s
                    .questions
                    .iter()
                    .map(|q| QuestionData {
                        number: q.number,
                        id: q.id.clone(),
                        title: markdown::parse_inline(&q.title),
                        parts: q
                            .parts()
                            .into_iter()
                            .map(|(kind, part)| PartData {
                                kind: part_kind(kind),
                                label: kind.heading(),
                                blocks: markdown::parse(&part.markdown),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        BookletData {
            paper: paper_name(paper),
            title: bank.title.clone(),
            subtitle: bank.subtitle.clone(),
            description: bank.description.clone(),
            author: bank.author.clone(),
            lang,
            region,
            date: bank.date.as_deref().map(long_date),
            question_count: bank.question_count(),
            section_count: bank.sections.len(),
            intro: bank.intro.as_ref().map(|i| markdown::parse(&i.markdown)),
            sections,
        }
    }

    /// The data as the template reads it.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("booklet data serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_become_typst_codes() {
        assert_eq!(language(None), ("en".into(), None));
        assert_eq!(language(Some("en-GB")), ("en".into(), Some("GB".into())));
        assert_eq!(language(Some("de")), ("de".into(), None));
        assert_eq!(language(Some("#x")), ("en".into(), None));
        assert_eq!(language(Some("fr-123")), ("fr".into(), None));
    }

    #[test]
    fn dates_read_long() {
        assert_eq!(long_date("2026-11-28"), "28 November 2026");
        assert_eq!(long_date("2026-01-05"), "5 January 2026");
        assert_eq!(long_date("spring 2026"), "spring 2026");
    }
}

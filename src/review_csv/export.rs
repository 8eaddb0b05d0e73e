//! Writing the review sheet: one row per question in bank order, UTF-8 with a
//! byte-order mark, RFC 4180 quoting, and every text cell made formula-safe.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{Context, Result};

use super::{format_tags, formula, read, COLUMNS};
use crate::model::Bank;
use crate::note::NoteContent;

/// The UTF-8 byte-order mark: Excel needs it to show σ and ₹ rather than mojibake.
pub const BOM: &str = "\u{feff}";

/// One question as the sheet shows it (values before spreadsheet escaping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub number: u32,
    /// The section heading, `A. Foundations`.
    pub section: String,
    pub id: String,
    /// The `# ` title as Markdown.
    pub question: String,
    pub plain_english: String,
    pub technical_depth: String,
    pub real_world_example: String,
    pub tags: Vec<String>,
    pub guid: String,
    pub content_hash: String,
}

impl ReviewRow {
    /// The cell values in [`COLUMNS`] order, before spreadsheet escaping.
    pub fn values(&self) -> [String; 10] {
        [
            self.number.to_string(),
            self.section.clone(),
            self.id.clone(),
            self.question.clone(),
            self.plain_english.clone(),
            self.technical_depth.clone(),
            self.real_world_example.clone(),
            format_tags(&self.tags),
            self.guid.clone(),
            self.content_hash.clone(),
        ]
    }
}

/// Every question of `bank` as a sheet row, in bank order.
pub fn rows(bank: &Bank) -> Result<Vec<ReviewRow>> {
    bank.questions()
        .map(|(section, q)| {
            let note = NoteContent::build(bank, section, q).with_context(|| {
                format!("cannot render question {} ({})", q.number, q.path.display())
            })?;
            Ok(ReviewRow {
                number: q.number,
                section: section.heading(),
                id: q.id.clone(),
                question: q.title.clone(),
                plain_english: q.plain.markdown.clone(),
                technical_depth: q.technical.markdown.clone(),
                real_world_example: q.example.markdown.clone(),
                tags: q.tags.clone(),
                guid: note.guid,
                content_hash: note.hash,
            })
        })
        .collect()
}

/// The whole file: BOM, header row, one row per question. Records end in
/// CRLF (RFC 4180); line breaks inside a cell stay LF, inside quotes.
pub fn to_csv_bytes(rows: &[ReviewRow]) -> Result<Vec<u8>> {
    let mut out = BOM.as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(&mut out);
        writer.write_record(COLUMNS)?;
        for row in rows {
            let cells = row.values();
            writer.write_record(cells.iter().map(|v| formula::neutralise(v)))?;
        }
        writer.flush()?;
    }
    Ok(out)
}

/// How this export differs from the sheet it replaces, by content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSummary {
    pub questions: usize,
    /// `None` when there was no earlier sheet to compare with (or it was unreadable).
    pub against_previous: Option<Counts>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub changed: usize,
    pub new: usize,
    pub removed: usize,
    pub unchanged: usize,
}

impl fmt::Display for ChangeSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} questions", self.questions)?;
        match self.against_previous {
            None => write!(f, ", no earlier sheet to compare with"),
            Some(c) => write!(
                f,
                "; since the last export: {} changed, {} new, {} removed, {} unchanged",
                c.changed, c.new, c.removed, c.unchanged
            ),
        }
    }
}

/// Compare `rows` with the sheet previously written at the same path (its
/// `id` and `content_hash` columns).
pub fn compare_with_previous(rows: &[ReviewRow], previous: Option<&[u8]>) -> ChangeSummary {
    let old_hashes = previous.and_then(previous_hashes);
    let against_previous = old_hashes.map(|old| {
        let mut counts = Counts::default();
        for row in rows {
            match old.get(&row.id) {
                None => counts.new += 1,
                Some(h) if *h == row.content_hash => counts.unchanged += 1,
                Some(_) => counts.changed += 1,
            }
        }
        counts.removed = old
            .keys()
            .filter(|id| !rows.iter().any(|r| &r.id == *id))
            .count();
        counts
    });
    ChangeSummary {
        questions: rows.len(),
        against_previous,
    }
}

/// id → content hash from an earlier sheet, if it can be read.
fn previous_hashes(bytes: &[u8]) -> Option<BTreeMap<String, String>> {
    let sheet = read::parse(bytes).ok()?;
    let id = sheet.column("id")?;
    let hash = sheet.column("content_hash")?;
    Some(
        sheet
            .rows
            .iter()
            .filter_map(|r| {
                Some((
                    r.cells.get(id)?.trim().to_string(),
                    r.cells.get(hash)?.trim().to_string(),
                ))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, hash: &str) -> ReviewRow {
        ReviewRow {
            number: 1,
            section: "A. Basics".into(),
            id: id.into(),
            question: "=Is this a formula?".into(),
            plain_english: "Line one,\nline \"two\".".into(),
            technical_depth: "- a list".into(),
            real_world_example: "₹2 crore".into(),
            tags: vec!["evaluation".into(), "data".into()],
            guid: "qb00".into(),
            content_hash: hash.into(),
        }
    }

    #[test]
    fn file_has_bom_header_crlf_and_quoting() {
        let bytes = to_csv_bytes(&[row("a", "h1")]).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("\u{feff}number,section,id,question,"));
        assert!(text.contains("content_hash\r\n1,A. Basics,a,'=Is this a formula?,"));
        assert!(text.contains(",\"Line one,\nline \"\"two\"\".\",'- a list,₹2 crore,"));
        assert!(text.ends_with("evaluation; data,qb00,h1\r\n"));
    }

    #[test]
    fn summary_counts_changes_against_previous_sheet() {
        let old = to_csv_bytes(&[row("a", "h1"), row("b", "h2"), row("gone", "h3")]).unwrap();
        let now = [row("a", "h1"), row("b", "h2-edited"), row("c", "h4")];
        let s = compare_with_previous(&now, Some(&old));
        assert_eq!(
            s.against_previous,
            Some(Counts {
                changed: 1,
                new: 1,
                removed: 1,
                unchanged: 1
            })
        );
        assert_eq!(compare_with_previous(&now, None).against_previous, None);
        assert_eq!(
            compare_with_previous(&now, Some(b"not a sheet")).against_previous,
            None
        );
    }
}

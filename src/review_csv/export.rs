//! Writing the review sheet: one row per question in bank order, UTF-8 with a
//! byte-order mark, RFC 4180 quoting, and every text cell made formula-safe.
//! Also each row's `content_hash`: a digest of the question's source (title,
//! tags, the three parts' Markdown, the bytes of the figures it shows), the
//! same whatever renders it.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Write;

use anyhow::{Context, Result};

use super::{format_tags, formula, read, COLUMNS};
use crate::identity::note_guid;
use crate::model::{Bank, Question, Section};

/// The UTF-8 byte-order mark: Excel needs it to show σ and ₹ rather than mojibake.
pub(crate) const BOM: &str = "\u{feff}";

/// One question as the sheet shows it (values before spreadsheet escaping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub(crate) number: u32,
    /// The section heading, `A. Foundations`.
    pub(crate) section: String,
    pub(crate) id: String,
    /// The `# ` title as Markdown.
    pub(crate) question: String,
    pub(crate) plain_english: String,
    pub(crate) technical_depth: String,
    pub(crate) real_world_example: String,
    pub(crate) tags: Vec<String>,
    pub(crate) guid: String,
    pub(crate) content_hash: String,
}

impl ReviewRow {
    /// The cell values in [`COLUMNS`] order, before spreadsheet escaping.
    pub(crate) fn values(&self) -> [String; 10] {
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
        .map(|(section, q)| row(bank, section, q))
        .collect()
}

/// One question as a sheet row.
pub(crate) fn row(bank: &Bank, section: &Section, q: &Question) -> Result<ReviewRow> {
    let content_hash = source_hash(bank, q)
        .with_context(|| format!("cannot read question {} ({})", q.number, q.path.display()))?;
    Ok(ReviewRow {
        number: q.number,
        section: section.heading(),
        id: q.id.clone(),
        question: q.title.clone(),
        plain_english: q.plain.markdown.clone(),
        technical_depth: q.technical.markdown.clone(),
        real_world_example: q.example.markdown.clone(),
        tags: q.tags.clone(),
        guid: note_guid(&bank.id, &q.id),
        content_hash,
    })
}

/// The figure references (`media/name.svg`) a part's Markdown shows, in order.
pub(crate) fn figure_references(markdown: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Parser, Tag};
    Parser::new_ext(markdown, crate::markdown::markdown_options())
        .filter_map(|event| match event {
            Event::Start(Tag::Image { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .collect()
}

/// The question's source digest, in lowercase hex: SHA-256 over `qbank`,
/// `sheet-source`, the title, the tags (one per line), the three parts'
/// Markdown and, for every figure the parts show, its reference and the
/// SHA-256 of its bytes, NUL-separated. It changes exactly when what a
/// reviewer sees or what the figures hold changes, and does not depend on
/// any renderer.
pub(crate) fn source_hash(bank: &Bank, q: &Question) -> Result<String> {
    use sha2::{Digest, Sha256};
    let tags = q.tags.join("\n");
    let mut fields: Vec<String> =
        vec!["qbank".into(), "sheet-source".into(), q.title.clone(), tags];
    for (_, part) in q.parts() {
        fields.push(part.markdown.clone());
    }
    for (_, part) in q.parts() {
        for reference in figure_references(&part.markdown) {
            // The bytes the loader read (the checker has refused a figure
            // that is missing, unreadable or outside content/media/).
            let bytes = bank
                .figure_bytes(&reference)
                .with_context(|| format!("figure `{reference}` is not in content/media/"))?;
            fields.push(reference);
            fields.push(hex::encode(Sha256::digest(&bytes[..])));
        }
    }
    let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
    Ok(hex::encode(crate::identity::digest(&refs)))
}

/// The whole file: BOM, header row, one row per question. Records end in
/// CRLF (RFC 4180); line breaks inside a cell stay LF, inside quotes.
pub fn to_csv_bytes(rows: &[ReviewRow]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_csv(&mut out, rows.iter().cloned().map(Ok))?;
    Ok(out)
}

/// Write the sheet into `out`, one row at a time, so a large bank is never
/// held whole as rows or bytes. Returns each row's `(id, content_hash)`.
pub(crate) fn write_csv(
    out: impl Write,
    rows: impl Iterator<Item = Result<ReviewRow>>,
) -> Result<Vec<(String, String)>> {
    let mut out = std::io::BufWriter::new(out);
    out.write_all(BOM.as_bytes())?;
    let mut keys = Vec::new();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(&mut out);
        writer.write_record(COLUMNS)?;
        for row in rows {
            let row = row?;
            let cells = row.values();
            writer.write_record(cells.iter().map(|v| formula::neutralise(v)))?;
            keys.push((row.id, row.content_hash));
        }
        writer.flush()?;
    }
    out.flush()?;
    Ok(keys)
}

/// How this export differs from the sheet it replaces, by content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChangeSummary {
    pub(crate) questions: usize,
    /// `None` when there was no earlier sheet to compare with (or it was unreadable).
    pub(crate) against_previous: Option<Counts>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Counts {
    pub(crate) changed: usize,
    pub(crate) new: usize,
    pub(crate) removed: usize,
    pub(crate) unchanged: usize,
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

/// Compare the sheet just written (each row's `(id, content_hash)`) with
/// the hashes of the sheet previously at the same path.
pub(crate) fn compare_with_previous(
    rows: &[(String, String)],
    old_hashes: Option<&HashMap<String, String>>,
) -> ChangeSummary {
    let against_previous = old_hashes.map(|old| {
        let mut counts = Counts::default();
        for (id, hash) in rows {
            match old.get(id) {
                None => counts.new += 1,
                Some(h) if h == hash => counts.unchanged += 1,
                Some(_) => counts.changed += 1,
            }
        }
        let current: HashSet<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
        counts.removed = old
            .keys()
            .filter(|id| !current.contains(id.as_str()))
            .count();
        counts
    });
    ChangeSummary {
        questions: rows.len(),
        against_previous,
    }
}

/// id → content hash from an earlier sheet, if it can be read: streamed
/// record by record, keeping only those two cells of each row (a sheet of
/// 100,000 questions is some 250 MB, never held).
pub(crate) fn previous_hashes(input: impl std::io::Read) -> Option<HashMap<String, String>> {
    let mut reader = read::sheet_reader(input).ok()?;
    let mut records = reader.records();
    let header = records.next()?.ok()?;
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let (id, hash) = (column("id")?, column("content_hash")?);
    let mut hashes = HashMap::new();
    for record in records {
        let record = record.ok()?;
        if let (Some(id), Some(hash)) = (record.get(id), record.get(hash)) {
            hashes.insert(id.trim().to_string(), hash.trim().to_string());
        }
    }
    Some(hashes)
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
    fn figure_references_in_order() {
        let md = "Text.\n\n![A](media/a.svg)\n\nMore ![B](media/b.svg) and [a link](http://x).";
        assert_eq!(figure_references(md), ["media/a.svg", "media/b.svg"]);
        assert!(figure_references("no figures").is_empty());
    }

    #[test]
    fn summary_counts_changes_against_previous_sheet() {
        let old = to_csv_bytes(&[row("a", "h1"), row("b", "h2"), row("gone", "h3")]).unwrap();
        let now: Vec<(String, String)> = [("a", "h1"), ("b", "h2-edited"), ("c", "h4")]
            .iter()
            .map(|(id, hash)| (id.to_string(), hash.to_string()))
            .collect();
        let old = previous_hashes(&old[..]);
        let s = compare_with_previous(&now, old.as_ref());
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
        assert_eq!(previous_hashes(&b"not a sheet"[..]), None);
        assert_eq!(previous_hashes(&b""[..]), None);
        // Read back as spreadsheets save it: semicolons, LF, no byte order
        // mark, a quoted cell spanning lines.
        let saved = "id;content_hash;note\na;h1;\"x;\ny\"\nb ; h2 ;\n";
        let old = previous_hashes(saved.as_bytes()).unwrap();
        assert_eq!(old.len(), 2);
        assert_eq!((old["a"].as_str(), old["b"].as_str()), ("h1", "h2"));
        // Not UTF-8 past the header: no earlier sheet to compare with.
        assert_eq!(previous_hashes(&b"id,content_hash\na,\xff\n"[..]), None);
    }
}

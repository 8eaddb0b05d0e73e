//! The review CSV: one spreadsheet row per question for an editor to read and
//! correct, and `apply-csv`, which takes the corrected sheet back into the
//! question files.
//!
//! [`export`] writes the sheet, [`read`] reads one back as spreadsheets save
//! it, [`apply`] turns its edits into new question files, [`edit`] splices
//! those edits into the source text and [`formula`] keeps cells from being
//! read as spreadsheet formulas.

pub mod apply;
pub mod edit;
pub mod export;
pub mod formula;
pub mod read;

use crate::export::{BuildOptions, ExportError, Exporter, Format};
use crate::model::{Bank, PartKind};

/// The sheet's columns, in order.
pub const COLUMNS: [&str; 10] = [
    "number",
    "section",
    "id",
    "question",
    "plain_english",
    "technical_depth",
    "real_world_example",
    "tags",
    "guid",
    "content_hash",
];

/// Columns a reviewer may not change: `apply-csv` refuses a sheet where they differ.
pub const READ_ONLY_COLUMNS: [&str; 4] = ["number", "section", "guid", "content_hash"];

/// The column holding a part's Markdown.
pub fn part_column(kind: PartKind) -> &'static str {
    match kind {
        PartKind::Plain => "plain_english",
        PartKind::Technical => "technical_depth",
        PartKind::Example => "real_world_example",
    }
}

/// How the `tags` cell lists a question's tags: `evaluation; regularisation`.
pub fn format_tags(tags: &[String]) -> String {
    tags.join("; ")
}

/// The tags a `tags` cell lists: split on `;` (or `,`), trimmed, empties dropped.
pub fn parse_tags(cell: &str) -> Vec<String> {
    cell.split([';', ','])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// `qbank build` writes `out/<bank id>.csv` through this exporter.
pub struct ReviewCsvExporter;

impl Exporter for ReviewCsvExporter {
    fn format(&self) -> Format {
        Format::Csv
    }

    fn export(&self, bank: &Bank, opts: &BuildOptions) -> Result<String, ExportError> {
        let path = opts.output_path(bank, Format::Csv);
        let previous = std::fs::read(&path).ok();
        let rows = export::rows(bank)?;
        let bytes = export::to_csv_bytes(&rows)?;
        crate::output::write_atomic(&path, &bytes)?;
        let changes = export::compare_with_previous(&rows, previous.as_deref());
        Ok(format!("csv: {} ({changes})", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_cell_round_trips() {
        let tags = vec!["evaluation".to_string(), "regularisation".to_string()];
        assert_eq!(format_tags(&tags), "evaluation; regularisation");
        assert_eq!(parse_tags(&format_tags(&tags)), tags);
        assert_eq!(parse_tags(" evaluation ;regularisation; "), tags);
        assert_eq!(parse_tags("evaluation, regularisation"), tags);
        assert!(parse_tags("  ").is_empty());
    }
}

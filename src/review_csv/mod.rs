//! The review CSV: one spreadsheet row per question for an editor to read and
//! correct, and `apply-csv`, which takes the corrected sheet back into the
//! question files.
//!
//! [`export`] writes the sheet, [`read`] reads one back as spreadsheets save
//! it, [`apply`] turns its edits into new question files, `edit` splices
//! those edits into the source text and [`formula`] keeps cells from being
//! read as spreadsheet formulas.

pub mod apply;
mod edit;
pub mod export;
pub mod formula;
pub mod read;
pub mod xlsx;

use crate::diagnostic::Severity;
use crate::export::{ExportContext, ExportError, Exporter, Format, Rendered};
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
pub(crate) const READ_ONLY_COLUMNS: [&str; 4] = ["number", "section", "guid", "content_hash"];

/// Columns that say which question a row is: locked in the workbook.
pub(crate) const IDENTITY_COLUMNS: [&str; 5] = ["number", "section", "id", "guid", "content_hash"];

/// The column holding a part's Markdown.
pub(crate) fn part_column(kind: PartKind) -> &'static str {
    match kind {
        PartKind::Plain => "plain_english",
        PartKind::Technical => "technical_depth",
        PartKind::Example => "real_world_example",
    }
}

/// How the `tags` cell lists a question's tags: `evaluation; regularisation`.
pub(crate) fn format_tags(tags: &[String]) -> String {
    tags.join("; ")
}

/// The tags a `tags` cell lists: split on `;` (or `,`), trimmed, empties dropped.
pub(crate) fn parse_tags(cell: &str) -> Vec<String> {
    cell.split([';', ','])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// `qbank build` writes `out/<bank id>.csv` through this exporter.
pub(crate) struct ReviewCsvExporter;

impl Exporter for ReviewCsvExporter {
    fn format(&self) -> Format {
        Format::Csv
    }

    fn export(&self, bank: &Bank, ctx: &ExportContext) -> Result<Rendered, ExportError> {
        let path = ctx.output_path(bank, Format::Csv);
        // Only the earlier sheet's id → hash map is kept while the new one is
        // streamed into place, row by row.
        let old_hashes = std::fs::File::open(&path)
            .ok()
            .and_then(export::previous_hashes);
        let mut keys = Vec::new();
        let sheet = crate::output::prepare_atomic(&path, |file| {
            let rows = bank.questions().map(|(s, q)| export::row(bank, s, q));
            keys = export::write_csv(file, rows)?;
            Ok(())
        })?;
        let changes = export::compare_with_previous(&keys, old_hashes.as_ref());
        let mut summary = format!("csv: {} ({changes})", path.display());
        // A CSV has no cell limit, but the spreadsheets it is opened in do:
        // say so now rather than let a cut answer come back.
        for problem in xlsx::oversized_cells(bank, Severity::Warning) {
            summary.push('\n');
            summary.push_str(&problem.to_string());
        }
        Ok(Rendered::output(summary, sheet))
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

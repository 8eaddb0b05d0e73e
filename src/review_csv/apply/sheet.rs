//! Reading the reviewed sheet: telling a CSV from a workbook by content,
//! finding the bank's columns in its header, and a cell's value as the bank
//! holds it.

use std::collections::HashMap;
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::model::Bank;
use crate::review_csv::read::{self, Sheet};
use crate::review_csv::xlsx::{self, FileKind, COMMENT_COLUMN};
use crate::review_csv::{formula, COLUMNS};

/// A cell's value as the bank holds it: the CSV text marker removed (when
/// the sheet uses one), every line break (CRLF, lone CR) made LF,
/// surrounding whitespace trimmed.
pub fn cell_value(cell: &str, text_marker: bool) -> String {
    let cell = if text_marker {
        formula::restore(cell)
    } else {
        cell
    };
    normalise_breaks(cell).trim().to_string()
}

/// `text` with CRLF and lone CR line breaks made LF.
pub fn normalise_breaks(text: &str) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    }
}

/// Column indexes of the sheet, by name.
pub(super) struct Columns {
    found: HashMap<&'static str, usize>,
    pub(super) comment: Option<usize>,
}

impl Columns {
    pub(super) fn get(&self, name: &str) -> usize {
        self.found[name]
    }
}

/// Find the bank's columns in the header: a missing or repeated one is a problem.
pub(super) fn find_columns(
    sheet: &Sheet,
    problems: &mut Vec<Diagnostic>,
    notes: &mut Vec<String>,
) -> Columns {
    let mut found = HashMap::new();
    for name in COLUMNS {
        match sheet.column(name) {
            Some(i) => {
                found.insert(name, i);
            }
            None => problems.push(Diagnostic::sheet_error(
                1,
                None,
                format!(
                    "missing column `{name}`; the sheet needs the columns {}",
                    COLUMNS.join(", ")
                ),
            )),
        }
    }
    for (i, h) in sheet.header.iter().enumerate() {
        if COLUMNS.contains(&h.as_str()) || h == COMMENT_COLUMN {
            if sheet.column(h) != Some(i) {
                problems.push(Diagnostic::sheet_error(
                    1,
                    Some(i),
                    format!("column `{h}` appears twice"),
                ));
            }
        } else if !h.is_empty() {
            notes.push(format!(
                "column {} `{h}` is not part of the bank; it is ignored",
                read::column_letter(i)
            ));
        }
    }
    Columns {
        found,
        comment: sheet.column(COMMENT_COLUMN),
    }
}

/// How problems are located in the sheet's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SheetForm {
    Csv,
    Workbook,
}

/// Read the file at `path` as the sheet it is (by content) and say how its
/// problems are located. A file whose name says the other form, an
/// encrypted or legacy workbook and an unreadable one are refused.
pub(super) fn read_sheet(
    path: &Path,
    bytes: &[u8],
    bank: &Bank,
) -> Result<(Sheet, SheetForm, Vec<Diagnostic>), Diagnostic> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match (xlsx::sniff(bytes), extension.as_deref()) {
        (FileKind::Compound, _) => Err(Diagnostic::whole_sheet_error(
            "the file is an encrypted (password-protected) workbook or an old .xls file; save it as \"Excel Workbook (.xlsx)\" with no password to open",
        )),
        (FileKind::Workbook, Some("csv")) => Err(Diagnostic::whole_sheet_error(
            "the file is named .csv but is an .xlsx workbook; rename it to .xlsx (or save it as CSV)",
        )),
        (FileKind::Text, Some("xlsx")) => Err(Diagnostic::whole_sheet_error(
            "the file is named .xlsx but is not a workbook (it is text, a CSV?); rename it to .csv, or send the workbook itself",
        )),
        (FileKind::Workbook, _) => {
            let guids: HashMap<String, String> = bank
                .questions()
                .map(|(_, q)| (crate::identity::note_guid(&bank.id, &q.id), q.id.clone()))
                .collect();
            let (sheet, problems) =
                xlsx::read_workbook(bytes, &guids)?;
            Ok((sheet, SheetForm::Workbook, problems))
        }
        (FileKind::Text, _) => Ok((read::parse(bytes)?, SheetForm::Csv, Vec::new())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_values_lose_marker_crlf_and_edges() {
        assert_eq!(cell_value("'=1+1", true), "=1+1");
        assert_eq!(cell_value("'=1+1", false), "'=1+1");
        assert_eq!(cell_value("a\r\nb\r\n", true), "a\nb");
        assert_eq!(cell_value("a\rb\r\rc", true), "a\nb\n\nc");
        assert_eq!(cell_value("  plain  ", true), "plain");
        assert_eq!(cell_value("''quoted", true), "'quoted");
    }
}

//! Checking the bank around the edits: the bank must be free of errors
//! before a sheet is compared with it, and the edited bank (the edited
//! questions re-parsed in memory, the checker run on the result) must be too,
//! with every edit reading back as the sheet has it.

use std::collections::HashMap;
use std::path::Path;

use super::compare::{excerpt, RowEdits};
use super::sheet::Columns;
use super::{ApplyError, FileChange};
use crate::check::{check, load_and_check};
use crate::diagnostic::Diagnostic;
use crate::model::Bank;
use crate::review_csv::part_column;

/// Load and check the bank; a bank with errors is refused before any
/// comparison (its questions may be incomplete).
pub(super) fn checked_bank(content: &Path) -> Result<Bank, ApplyError> {
    let (bank, diags) = load_and_check(content);
    let mut errors: Vec<Diagnostic> = diags.into_iter().filter(|d| d.is_error()).collect();
    match bank {
        Some(bank) if errors.is_empty() => Ok(bank),
        _ => {
            errors.push(Diagnostic::bare_error(format!(
                "the bank in {} has errors; fix them (see `qbank check`) before applying a review",
                content.display()
            )));
            Err(ApplyError::Refused(errors))
        }
    }
}

/// The text of a question file as the loader reads it: BOM dropped, CRLF
/// made LF.
fn loader_text(path: &Path, bytes: &[u8]) -> Result<String, Diagnostic> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Diagnostic::error(path, 1, "the edited file is not UTF-8"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Ok(text.replace("\r\n", "\n"))
}

/// Check the bank as it would be after the edits, in memory: a clone of
/// `bank` with each edited question re-parsed from its new text by the
/// loader's parser, then every rule of the checker. Each edited value must
/// also read back exactly as the sheet has it. Problems go to `problems`
/// under the row they came from; problems no row explains are returned, as
/// problems of the sheet file at `sheet_path`.
pub(super) fn check_edited_bank(
    sheet_path: &Path,
    bank: &Bank,
    matched: &[RowEdits<'_>],
    files: &[FileChange],
    cols: &Columns,
    problems: &mut Vec<Diagnostic>,
) -> Result<(), Vec<Diagnostic>> {
    if files.is_empty() {
        return Ok(());
    }
    let mut edited = bank.clone();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let new_text: HashMap<&Path, &[u8]> = files
        .iter()
        .map(|f| (f.path.as_path(), f.new.as_slice()))
        .collect();
    let mut complete = true;
    for section in &mut edited.sections {
        for q in &mut section.questions {
            let Some(bytes) = new_text.get(q.path.as_path()) else {
                continue;
            };
            match loader_text(&q.path, bytes) {
                Ok(text) => {
                    match crate::load::parse_question(&q.path, &text, q.number, &mut diags) {
                        Some(new) => *q = new,
                        None => complete = false,
                    }
                }
                Err(problem) => {
                    diags.push(problem);
                    complete = false;
                }
            }
        }
    }
    if complete {
        diags.extend(check(&edited));
    }
    crate::diagnostic::sort(&mut diags);
    diags.dedup();
    let row_of_file: HashMap<&Path, usize> = matched
        .iter()
        .map(|m| (m.question.path.as_path(), m.row))
        .collect();
    let mut unplaced = Vec::new();
    for d in diags.iter().filter(|d| d.is_error()) {
        let message = format!(
            "this row's edits would break the bank: {}:{}: {}",
            d.path().unwrap_or(Path::new("")).display(),
            d.line(),
            d.message
        );
        match d.path().and_then(|p| row_of_file.get(p)) {
            Some(&row) => problems.push(Diagnostic::sheet_error(row, None, message)),
            None => unplaced.push(Diagnostic::file_error(sheet_path, message)),
        }
    }
    if !unplaced.is_empty() {
        return Err(unplaced);
    }
    if diags.iter().any(|d| d.is_error()) {
        return Ok(());
    }
    for m in matched
        .iter()
        .filter(|m| new_text.contains_key(m.question.path.as_path()))
    {
        let Some((_, q)) = edited.questions().find(|(_, q)| q.id == m.question.id) else {
            problems.push(Diagnostic::sheet_error(
                m.row,
                Some(cols.get("id")),
                "after the edits this question is no longer in the bank",
            ));
            continue;
        };
        let mut differs = |column: &'static str, got: &str, want: &str| {
            if got != want {
                problems.push(Diagnostic::sheet_error(
                    m.row,
                    Some(cols.get(column)),
                    format!(
                        "the edit would not read back as written: the file would give `{}` (Markdown headings or front matter inside a cell change the file's structure)",
                        excerpt(got)
                    ),
                ));
            }
        };
        if let Some(title) = &m.edits.title {
            differs("question", &q.title, title);
        }
        for (kind, markdown) in &m.edits.parts {
            differs(part_column(*kind), &q.part(*kind).markdown, markdown);
        }
        if let Some(tags) = &m.edits.tags {
            differs("tags", &q.tags.join("; "), &tags.join("; "));
        }
    }
    Ok(())
}

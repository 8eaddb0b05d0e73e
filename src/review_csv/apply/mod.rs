//! Applying a reviewed sheet to the bank (`qbank apply`, alias `apply-csv`):
//! read the sheet (CSV or .xlsx, told apart by content), match rows to
//! questions by `id`, find the edited cells, splice them into the question
//! files, check the edited bank in memory (the edited questions re-parsed by
//! the loader's parser, the checker run on the result), and only then write
//! the changed files, all or none. Any problem refuses the whole sheet and
//! nothing is written.
//!
//! `sheet.rs` reads the sheet and finds its columns, `compare.rs` compares
//! each row with its question, `verify.rs` checks the bank before and after
//! the edits, and `commit.rs` writes the changed files and shows them as a
//! diff.

mod commit;
mod compare;
mod sheet;
mod verify;

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};

use super::edit;
use super::export;
use super::xlsx::QUESTIONS_SHEET;
use crate::diagnostic::Diagnostic;
use crate::model::Question;
use compare::{BankRows, Comparison};
use sheet::{find_columns, read_sheet, SheetForm};
use verify::{check_edited_bank, checked_bank};

pub(crate) use commit::{diff, write};
pub use sheet::{cell_value, normalise_breaks};

/// Why a sheet was not applied.
#[derive(Debug)]
pub(crate) enum ApplyError {
    /// The sheet or the bank has problems (located in the sheet file, as
    /// `FILE:ROW:COLUMN: error: …` for a CSV, `FILE:Questions!D14: error: …`
    /// for a workbook, or in the bank's files). Nothing was written.
    Refused(Vec<Diagnostic>),
    /// The sheet or the content folder could not be read (or written).
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for ApplyError {
    fn from(e: anyhow::Error) -> Self {
        ApplyError::Failed(e)
    }
}

/// One edited cell: which question, which column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    /// The sheet row it came from.
    pub(crate) row: usize,
    pub(crate) number: u32,
    pub(crate) id: String,
    pub(crate) column: &'static str,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "question {} ({}): {} changed (row {})",
            self.number, self.id, self.column, self.row
        )
    }
}

/// A question file before and after the edits.
#[derive(Debug, Clone)]
pub(crate) struct FileChange {
    pub(crate) path: PathBuf,
    pub(crate) old: Vec<u8>,
    pub(crate) new: Vec<u8>,
}

/// What applying a sheet will do, already checked.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pub(crate) changes: Vec<Change>,
    pub(crate) files: Vec<FileChange>,
    /// Things worth telling the reviewer that do not stop the apply.
    pub(crate) notes: Vec<String>,
    /// The reviewer's comments, one per question that has one, in bank
    /// order: `path:line: note: <comment>` (the line of the question's title).
    pub(crate) comments: Vec<String>,
}

/// Read the sheet at `sheet_path` (CSV or .xlsx), compare it with the bank in
/// `content` and work out (and check) every file change, writing nothing.
pub(crate) fn plan(sheet_path: &Path, content: &Path) -> Result<Plan, ApplyError> {
    let name = sheet_path.display().to_string();
    let bytes =
        crate::load::read_regular_file(sheet_path, crate::load::MAX_SHEET_BYTES, "review sheets")
            .with_context(|| format!("cannot read {name}"))?;
    if !content.is_dir() {
        return Err(anyhow!("content folder `{}` not found", content.display()).into());
    }
    let bank = checked_bank(content)?;
    let locate = |form: SheetForm, problems: Vec<Diagnostic>| -> Vec<Diagnostic> {
        let sheet = match form {
            SheetForm::Csv => None,
            SheetForm::Workbook => Some(QUESTIONS_SHEET),
        };
        problems
            .into_iter()
            .map(|p| p.in_sheet(sheet_path, sheet))
            .collect()
    };
    let refuse = |form: SheetForm, mut problems: Vec<Diagnostic>| {
        problems.sort_by_key(|p| (p.line(), p.sheet_column()));
        ApplyError::Refused(locate(form, problems))
    };
    let (sheet, form, mut problems) =
        read_sheet(sheet_path, &bytes, &bank).map_err(|p| refuse(SheetForm::Csv, vec![p]))?;

    let mut notes = Vec::new();
    let cols = find_columns(&sheet, &mut problems, &mut notes);
    if problems.iter().any(|p| p.line() == 1) {
        return Err(refuse(form, problems));
    }

    let review_rows = export::rows(&bank)?;
    let questions: Vec<&Question> = bank.questions().map(|(_, q)| q).collect();
    let bank_rows = BankRows {
        by_id: questions
            .iter()
            .zip(&review_rows)
            .map(|(q, r)| (q.id.as_str(), (*q, r)))
            .collect(),
    };

    let mut comparison = Comparison {
        cols: &cols,
        bank: &bank_rows,
        text_marker: form == SheetForm::Csv,
        seen: HashMap::new(),
        problems,
        notes: Vec::new(),
    };
    let mut matched = Vec::new();
    for row in sheet.rows.iter().filter(|r| !r.is_blank()) {
        if let Some(m) = comparison.compare_row(row) {
            matched.push(m);
        }
    }
    let Comparison {
        seen,
        mut problems,
        notes: row_notes,
        ..
    } = comparison;
    notes.extend(row_notes);
    // Rows with problems are still checked below, so one run reports all.
    let missing = questions
        .iter()
        .filter(|q| !seen.contains_key(&q.id))
        .count();
    if missing > 0 {
        notes.push(format!(
            "{missing} question(s) of the bank are not in the sheet; they stay as they are"
        ));
    }
    let mut comments: Vec<(u32, String)> = matched
        .iter()
        .filter_map(|m| {
            let c = m.comment.as_ref()?;
            Some((
                m.question.number,
                format!(
                    "{}:{}: note: {}",
                    m.question.path.display(),
                    m.question.title_line,
                    c.replace('\n', " ⏎ ")
                ),
            ))
        })
        .collect();
    comments.sort();
    matched.retain(|m| !m.edits.is_empty());

    let mut files = Vec::new();
    for m in &matched {
        let path = &m.question.path;
        let old = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        match edit::edited_source(&old, m.question, &m.edits) {
            Ok(new) => files.push(FileChange {
                path: path.clone(),
                old,
                new,
            }),
            // The file's problem, on the row that asked for the edits.
            Err(refused) => problems.push(Diagnostic::sheet_error(
                m.row,
                None,
                format!("{}: {}", path.display(), refused.message),
            )),
        }
    }

    if let Err(unplaced) =
        check_edited_bank(sheet_path, &bank, &matched, &files, &cols, &mut problems)
    {
        let mut refused = locate(form, problems);
        refused.extend(unplaced);
        return Err(ApplyError::Refused(refused));
    }
    if !problems.is_empty() {
        return Err(refuse(form, problems));
    }

    let changes = matched
        .iter()
        .flat_map(|m| {
            m.changed.iter().map(|column| Change {
                row: m.row,
                number: m.question.number,
                id: m.question.id.clone(),
                column,
            })
        })
        .collect();
    Ok(Plan {
        changes,
        files,
        notes,
        comments: comments.into_iter().map(|(_, c)| c).collect(),
    })
}

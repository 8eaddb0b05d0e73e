//! Comparing the sheet's rows with the bank: matching each row to its
//! question by `id`, refusing edits to read-only columns, and collecting
//! what the reviewer changed.

use std::collections::HashMap;

use super::sheet::{cell_value, normalise_breaks, Columns};
use crate::diagnostic::Diagnostic;
use crate::model::{PartKind, Question};
use crate::review_csv::edit::QuestionEdits;
use crate::review_csv::export::ReviewRow;
use crate::review_csv::read::{self, SheetRow};
use crate::review_csv::xlsx::{self, CELL_LIMIT};
use crate::review_csv::{parse_tags, part_column, COLUMNS, READ_ONLY_COLUMNS};

/// Shorten a value for an error message.
pub(super) fn excerpt(value: &str) -> String {
    const MAX: usize = 60;
    let one_line = value.replace('\n', "⏎");
    if one_line.chars().count() <= MAX {
        one_line
    } else {
        let cut: String = one_line.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// One sheet row matched to its question, with what the reviewer changed.
pub(super) struct RowEdits<'a> {
    pub(super) row: usize,
    pub(super) question: &'a Question,
    pub(super) edits: QuestionEdits,
    pub(super) changed: Vec<&'static str>,
    pub(super) comment: Option<String>,
}

/// The bank as the sheet should show it, by question id.
pub(super) struct BankRows<'a> {
    pub(super) by_id: HashMap<&'a str, (&'a Question, &'a ReviewRow)>,
}

impl<'a> BankRows<'a> {
    /// The question a sheet's `id` cell names. An id a spreadsheet read as
    /// a number (`007` saved as `7`, `1e10` as `1E+10` or `10000000000`) is
    /// matched by its numeric value when exactly one id of the bank has it.
    fn find(&self, id: &str) -> Option<(&'a Question, &'a ReviewRow, bool)> {
        if let Some(&(q, r)) = self.by_id.get(id) {
            return Some((q, r, false));
        }
        let value = numeric(id)?;
        let mut candidates = self
            .by_id
            .iter()
            .filter(|(bank_id, _)| numeric(bank_id) == Some(value));
        let (_, &(q, r)) = candidates.next()?;
        if candidates.next().is_some() {
            return None;
        }
        Some((q, r, true))
    }
}

/// The value of an id that looks like a number (`007`, `1e10`, `1E+10`).
fn numeric(id: &str) -> Option<f64> {
    let id = id.trim();
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_digit() || b"eE+-.".contains(&b))
    {
        return None;
    }
    id.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Everything [`compare_row`] needs besides the row.
pub(super) struct Comparison<'a, 'b> {
    pub(super) cols: &'b Columns,
    pub(super) bank: &'b BankRows<'a>,
    pub(super) text_marker: bool,
    pub(super) seen: HashMap<String, usize>,
    pub(super) problems: Vec<Diagnostic>,
    pub(super) notes: Vec<String>,
}

impl<'a> Comparison<'a, '_> {
    /// Compare one row with its question. Problems go to `self.problems`.
    pub(super) fn compare_row(&mut self, row: &SheetRow) -> Option<RowEdits<'a>> {
        let cols = self.cols;
        let last = COLUMNS.iter().map(|c| cols.get(c)).max().unwrap_or(0);
        if row.cells.len() <= last {
            self.problems.push(Diagnostic::sheet_error(
                row.row,
                Some(row.cells.len()),
                format!(
                    "the row has {} cells but the sheet's columns run to {}",
                    row.cells.len(),
                    read::column_letter(last)
                ),
            ));
            return None;
        }
        let marker = self.text_marker;
        let cell = |name: &str| cell_value(&row.cells[cols.get(name)], marker);
        let id_col = Some(cols.get("id"));
        let id = cell("id");
        if id.is_empty() {
            self.problems
                .push(Diagnostic::sheet_error(row.row, id_col, "empty `id`"));
            return None;
        }
        let Some((question, expected, by_number)) = self.bank.find(&id) else {
            self.problems.push(Diagnostic::sheet_error(
                row.row,
                id_col,
                format!(
                    "unknown id `{}`: no question in the bank has it (the `id` column is how rows are matched; do not change it)",
                    excerpt(&id)
                ),
            ));
            return None;
        };
        if by_number {
            self.notes.push(format!(
                "row {}: the id `{id}` was read as a number by the spreadsheet; it is matched to question `{}`",
                row.row, question.id
            ));
        }
        if let Some(first) = self.seen.get(&question.id) {
            self.problems.push(Diagnostic::sheet_error(
                row.row,
                id_col,
                format!("duplicate id `{id}`: row {first} has it too"),
            ));
            return None;
        }
        self.seen.insert(question.id.clone(), row.row);

        let expected_values = expected.values();
        for name in READ_ONLY_COLUMNS {
            let index = COLUMNS.iter().position(|c| *c == name).expect("a column");
            // Compared as the cells are read: trimmed, line breaks as LF.
            let want = normalise_breaks(&expected_values[index]).trim().to_string();
            let got = cell(name);
            if got != want && !(name == "number" && numeric(&got) == numeric(&want)) {
                self.problems.push(Diagnostic::sheet_error(
                    row.row,
                    Some(cols.get(name)),
                    format!(
                        "`{name}` is read-only: the bank has `{}`, the sheet has `{}`",
                        excerpt(&want),
                        excerpt(&got)
                    ),
                ));
            }
        }

        let mut edits = QuestionEdits::default();
        let mut changed = Vec::new();
        let cut_off = |problems: &mut Vec<Diagnostic>, name: &str| {
            let raw = &row.cells[cols.get(name)];
            if xlsx::cell_length(raw) == CELL_LIMIT {
                problems.push(Diagnostic::sheet_error(
                    row.row,
                    Some(cols.get(name)),
                    format!(
                        "the cell is exactly {CELL_LIMIT} characters, the most a spreadsheet cell holds: the spreadsheet cut the text; shorten it in the sheet or edit the Markdown file instead"
                    ),
                ));
                true
            } else {
                false
            }
        };
        let title = cell("question");
        if title != question.title.trim() && !cut_off(&mut self.problems, "question") {
            if title.contains('\n') {
                self.problems.push(Diagnostic::sheet_error(
                    row.row,
                    Some(cols.get("question")),
                    "the question must be a single line",
                ));
            } else {
                edits.title = Some(title);
                changed.push("question");
            }
        }
        for kind in PartKind::ALL {
            let column = part_column(kind);
            let value = cell(column);
            if value != question.part(kind).markdown && !cut_off(&mut self.problems, column) {
                edits.parts.push((kind, value));
                changed.push(column);
            }
        }
        let tags = parse_tags(&cell("tags"));
        if tags != question.tags {
            edits.tags = Some(tags);
            changed.push("tags");
        }
        let comment = cols
            .comment
            .and_then(|c| row.cells.get(c))
            .map(|c| cell_value(c, marker))
            .filter(|c| !c.is_empty());
        Some(RowEdits {
            row: row.row,
            question,
            edits,
            changed,
            comment,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_and_one_line() {
        assert_eq!(excerpt("a\nb"), "a⏎b");
        assert_eq!(excerpt(&"x".repeat(100)).chars().count(), 61);
    }
}

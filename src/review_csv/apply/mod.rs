//! Applying a reviewed sheet to the bank (`qbank apply`, alias `apply-csv`):
//! read the sheet (CSV or .xlsx, told apart by content), match rows to
//! questions by `id`, find the edited cells, splice them into the question
//! files, check the edited bank in memory (the edited questions re-parsed by
//! the loader's parser, the checker run on the result), and only then write
//! the changed files, all or none. Any problem refuses the whole sheet and
//! nothing is written.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};

use super::edit::{self, QuestionEdits};
use super::export::{self, ReviewRow};
use super::read::{self, Sheet, SheetProblem, SheetRow};
use super::xlsx::{self, FileKind, CELL_LIMIT, COMMENT_COLUMN, QUESTIONS_SHEET};
use super::{formula, parse_tags, part_column, COLUMNS, READ_ONLY_COLUMNS};
use crate::check::{check, load_and_check};
use crate::diagnostic::Diagnostic;
use crate::model::{Bank, PartKind, Question};

/// Why a sheet was not applied.
#[derive(Debug)]
pub enum ApplyError {
    /// The sheet or the bank has problems; each line is ready to print
    /// (`FILE:ROW:COLUMN: error: …` for a CSV, `FILE:Questions!D14: error: …`
    /// for a workbook). Nothing was written.
    Refused(Vec<String>),
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
pub struct Change {
    /// The sheet row it came from.
    pub row: usize,
    pub number: u32,
    pub id: String,
    pub column: &'static str,
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
pub struct FileChange {
    pub path: PathBuf,
    pub old: Vec<u8>,
    pub new: Vec<u8>,
}

/// What applying a sheet will do, already checked.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub files: Vec<FileChange>,
    /// Things worth telling the reviewer that do not stop the apply.
    pub notes: Vec<String>,
    /// The reviewer's comments, one per question that has one, in bank
    /// order: `path:line: note: <comment>` (the line of the question's title).
    pub comments: Vec<String>,
}

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

/// Shorten a value for an error message.
fn excerpt(value: &str) -> String {
    const MAX: usize = 60;
    let one_line = value.replace('\n', "⏎");
    if one_line.chars().count() <= MAX {
        one_line
    } else {
        let cut: String = one_line.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// Column indexes of the sheet, by name.
struct Columns {
    found: HashMap<&'static str, usize>,
    comment: Option<usize>,
}

impl Columns {
    fn get(&self, name: &str) -> usize {
        self.found[name]
    }
}

/// Find the bank's columns in the header: a missing or repeated one is a problem.
fn find_columns(
    sheet: &Sheet,
    problems: &mut Vec<SheetProblem>,
    notes: &mut Vec<String>,
) -> Columns {
    let mut found = HashMap::new();
    for name in COLUMNS {
        match sheet.column(name) {
            Some(i) => {
                found.insert(name, i);
            }
            None => problems.push(SheetProblem::new(
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
                problems.push(SheetProblem::new(
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

/// One sheet row matched to its question, with what the reviewer changed.
struct RowEdits<'a> {
    row: usize,
    question: &'a Question,
    edits: QuestionEdits,
    changed: Vec<&'static str>,
    comment: Option<String>,
}

/// The bank as the sheet should show it, by question id.
struct BankRows<'a> {
    by_id: HashMap<&'a str, (&'a Question, &'a ReviewRow)>,
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
struct Comparison<'a, 'b> {
    cols: &'b Columns,
    bank: &'b BankRows<'a>,
    text_marker: bool,
    seen: HashMap<String, usize>,
    problems: Vec<SheetProblem>,
    notes: Vec<String>,
}

impl<'a> Comparison<'a, '_> {
    /// Compare one row with its question. Problems go to `self.problems`.
    fn compare_row(&mut self, row: &SheetRow) -> Option<RowEdits<'a>> {
        let cols = self.cols;
        let last = COLUMNS.iter().map(|c| cols.get(c)).max().unwrap_or(0);
        if row.cells.len() <= last {
            self.problems.push(SheetProblem::new(
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
                .push(SheetProblem::new(row.row, id_col, "empty `id`"));
            return None;
        }
        let Some((question, expected, by_number)) = self.bank.find(&id) else {
            self.problems.push(SheetProblem::new(
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
            self.problems.push(SheetProblem::new(
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
                self.problems.push(SheetProblem::new(
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
        let cut_off = |problems: &mut Vec<SheetProblem>, name: &str| {
            let raw = &row.cells[cols.get(name)];
            if xlsx::cell_length(raw) == CELL_LIMIT {
                problems.push(SheetProblem::new(
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
                self.problems.push(SheetProblem::new(
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

/// How problems are located in the sheet's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SheetForm {
    Csv,
    Workbook,
}

/// Read the file at `path` as the sheet it is (by content) and say how its
/// problems are located. A file whose name says the other form, an
/// encrypted or legacy workbook and an unreadable one are refused.
fn read_sheet(
    path: &Path,
    bytes: &[u8],
    bank: &Bank,
) -> Result<(Sheet, SheetForm, Vec<SheetProblem>), SheetProblem> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match (xlsx::sniff(bytes), extension.as_deref()) {
        (FileKind::Compound, _) => Err(SheetProblem::at_sheet(
            "the file is an encrypted (password-protected) workbook or an old .xls file; save it as \"Excel Workbook (.xlsx)\" with no password to open",
        )),
        (FileKind::Workbook, Some("csv")) => Err(SheetProblem::at_sheet(
            "the file is named .csv but is an .xlsx workbook; rename it to .xlsx (or save it as CSV)",
        )),
        (FileKind::Text, Some("xlsx")) => Err(SheetProblem::at_sheet(
            "the file is named .xlsx but is not a workbook (it is text, a CSV?); rename it to .csv, or send the workbook itself",
        )),
        (FileKind::Workbook, _) => {
            let guids: HashMap<String, String> = bank
                .questions()
                .map(|(_, q)| (crate::identity::note_guid(&bank.id, &q.id), q.id.clone()))
                .collect();
            let (sheet, problems) =
                xlsx::read_workbook(bytes, &guids).map_err(SheetProblem::at_sheet)?;
            Ok((sheet, SheetForm::Workbook, problems))
        }
        (FileKind::Text, _) => Ok((read::parse(bytes)?, SheetForm::Csv, Vec::new())),
    }
}

/// Read the sheet at `sheet_path` (CSV or .xlsx), compare it with the bank in
/// `content` and work out (and check) every file change, writing nothing.
pub fn plan(sheet_path: &Path, content: &Path) -> Result<Plan, ApplyError> {
    let name = sheet_path.display().to_string();
    let bytes =
        crate::load::read_regular_file(sheet_path, crate::load::MAX_SHEET_BYTES, "review sheets")
            .with_context(|| format!("cannot read {name}"))?;
    if !content.is_dir() {
        return Err(anyhow!("content folder `{}` not found", content.display()).into());
    }
    let bank = checked_bank(content)?;
    let locate = |form: SheetForm, p: &SheetProblem| match form {
        SheetForm::Csv => format!("{name}:{p}"),
        SheetForm::Workbook => format!("{name}:{}", p.in_workbook(QUESTIONS_SHEET)),
    };
    let refuse = |form: SheetForm, mut problems: Vec<SheetProblem>| {
        problems.sort_by_key(|p| (p.row, p.column));
        ApplyError::Refused(problems.iter().map(|p| locate(form, p)).collect())
    };
    let (sheet, form, mut problems) =
        read_sheet(sheet_path, &bytes, &bank).map_err(|p| refuse(SheetForm::Csv, vec![p]))?;

    let mut notes = Vec::new();
    let cols = find_columns(&sheet, &mut problems, &mut notes);
    if problems.iter().any(|p| p.row == 1) {
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
            Err(message) => problems.push(SheetProblem::new(
                m.row,
                None,
                format!("{}: {message}", path.display()),
            )),
        }
    }

    if let Err(unplaced) = check_edited_bank(&bank, &matched, &files, &cols, &mut problems) {
        let mut lines: Vec<String> = problems.iter().map(|p| locate(form, p)).collect();
        lines.extend(unplaced.into_iter().map(|m| format!("{name}: error: {m}")));
        return Err(ApplyError::Refused(lines));
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

/// Load and check the bank; a bank with errors is refused before any
/// comparison (its questions may be incomplete).
fn checked_bank(content: &Path) -> Result<Bank, ApplyError> {
    let (bank, diags) = load_and_check(content);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    match bank {
        Some(bank) if errors.is_empty() => Ok(bank),
        _ => {
            let mut lines = errors;
            lines.push(format!(
                "error: the bank in {} has errors; fix them (see `qbank check`) before applying a review",
                content.display()
            ));
            Err(ApplyError::Refused(lines))
        }
    }
}

/// The text of a question file as the loader reads it: BOM dropped, CRLF
/// made LF.
fn loader_text(bytes: &[u8]) -> Result<String, String> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| "the edited file is not UTF-8".to_string())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Ok(text.replace("\r\n", "\n"))
}

/// Check the bank as it would be after the edits, in memory: a clone of
/// `bank` with each edited question re-parsed from its new text by the
/// loader's parser, then every rule of the checker. Each edited value must
/// also read back exactly as the sheet has it. Problems go to `problems`
/// under the row they came from; problems no row explains are returned.
fn check_edited_bank(
    bank: &Bank,
    matched: &[RowEdits<'_>],
    files: &[FileChange],
    cols: &Columns,
    problems: &mut Vec<SheetProblem>,
) -> Result<(), Vec<String>> {
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
            match loader_text(bytes) {
                Ok(text) => {
                    match crate::load::parse_question(&q.path, &text, q.number, &mut diags) {
                        Some(new) => *q = new,
                        None => complete = false,
                    }
                }
                Err(message) => {
                    diags.push(Diagnostic::error(&q.path, 1, message));
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
            d.path.display(),
            d.line,
            d.message
        );
        match row_of_file.get(d.path.as_path()) {
            Some(&row) => problems.push(SheetProblem::new(row, None, message)),
            None => unplaced.push(message),
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
            problems.push(SheetProblem::new(
                m.row,
                Some(cols.get("id")),
                "after the edits this question is no longer in the bank",
            ));
            continue;
        };
        let mut differs = |column: &'static str, got: &str, want: &str| {
            if got != want {
                problems.push(SheetProblem::new(
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

/// Write every changed file, all or none, keeping each file's permissions.
/// Every file is first checked to still hold what the plan was made from
/// (a file edited meanwhile stops the whole apply), then every new file is
/// written and synced beside its target, and only then renamed into place.
/// If a rename fails, the files already renamed get their old bytes back.
pub fn write(plan: &Plan) -> anyhow::Result<()> {
    for f in &plan.files {
        let now = fs::read(&f.path).with_context(|| format!("cannot read {}", f.path.display()))?;
        if now != f.old {
            return Err(anyhow!(
                "{} changed while the review was being applied; nothing was written; run apply again",
                f.path.display()
            ));
        }
    }
    let mut staged = Vec::new();
    for f in &plan.files {
        let pending = crate::output::prepare_atomic(&f.path, |w| {
            use std::io::Write as _;
            w.write_all(&f.new).map_err(Into::into)
        })
        .with_context(|| {
            format!(
                "cannot stage the new {}; nothing was written",
                f.path.display()
            )
        })?;
        staged.push(pending);
    }
    commit_all(&plan.files, staged)
}

/// Rename every staged file into place; on the first failure, put the old
/// bytes back into the files already renamed and say what happened.
fn commit_all(
    files: &[FileChange],
    staged: Vec<crate::output::PendingOutput>,
) -> anyhow::Result<()> {
    let mut staged = staged.into_iter();
    for (done, (f, pending)) in files.iter().zip(staged.by_ref()).enumerate() {
        let Err(e) = pending.commit() else {
            continue;
        };
        // The remaining staged files are dropped (removed) with `staged`.
        let mut restored = Vec::new();
        let mut not_restored = Vec::new();
        for earlier in &files[..done] {
            match crate::output::write_atomic(&earlier.path, &earlier.old) {
                Ok(()) => restored.push(earlier.path.display().to_string()),
                Err(r) => not_restored.push(format!("{} ({r:#})", earlier.path.display())),
            }
        }
        let mut what = format!("{} could not be replaced", f.path.display());
        if !restored.is_empty() {
            what.push_str(&format!(
                "; restored to their old content: {}",
                restored.join(", ")
            ));
        }
        if not_restored.is_empty() {
            what.push_str("; no file was changed");
        } else {
            what.push_str(&format!(
                "; NOT restored (they hold the review's edits): {}",
                not_restored.join(", ")
            ));
        }
        return Err(e.context(what));
    }
    Ok(())
}

/// A unified diff of every file the plan changes.
pub fn diff(plan: &Plan) -> String {
    let mut out = String::new();
    for f in &plan.files {
        let old = String::from_utf8_lossy(&f.old);
        let new = String::from_utf8_lossy(&f.new);
        let name = f.path.display().to_string();
        let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(2)
                .header(&name, &name)
                .to_string(),
        );
    }
    out
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

    fn plan_for(dir: &Path, names: &[&str]) -> Plan {
        let files = names
            .iter()
            .map(|name| {
                let path = dir.join(name);
                fs::write(&path, "old").unwrap();
                FileChange {
                    path,
                    old: b"old".to_vec(),
                    new: b"new".to_vec(),
                }
            })
            .collect();
        Plan {
            files,
            ..Plan::default()
        }
    }

    #[test]
    fn write_replaces_files_and_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_for(dir.path(), &["a.md", "b.md"]);
        fs::set_permissions(&plan.files[0].path, fs::Permissions::from_mode(0o640)).unwrap();
        write(&plan).unwrap();
        for f in &plan.files {
            assert_eq!(fs::read(&f.path).unwrap(), b"new");
        }
        let mode = fs::metadata(&plan.files[0].path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            2,
            "temporary files left"
        );
    }

    #[test]
    fn write_refuses_when_a_file_changed_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_for(dir.path(), &["a.md", "b.md"]);
        fs::write(&plan.files[1].path, "edited meanwhile").unwrap();
        let err = write(&plan).unwrap_err().to_string();
        assert!(err.contains("nothing was written"), "{err}");
        assert_eq!(fs::read(&plan.files[0].path).unwrap(), b"old");
    }

    #[test]
    fn a_failed_rename_restores_the_files_already_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_for(dir.path(), &["a.md", "b.md", "c.md"]);
        let staged: Vec<_> = plan
            .files
            .iter()
            .map(|f| {
                crate::output::prepare_atomic(&f.path, |w| {
                    use std::io::Write as _;
                    w.write_all(&f.new).map_err(Into::into)
                })
                .unwrap()
            })
            .collect();
        // b.md becomes a non-empty folder: renaming a file over it fails.
        fs::remove_file(&plan.files[1].path).unwrap();
        fs::create_dir(&plan.files[1].path).unwrap();
        fs::write(plan.files[1].path.join("x"), "x").unwrap();
        let err = format!("{:#}", commit_all(&plan.files, staged).unwrap_err());
        assert!(err.contains("b.md could not be replaced"), "{err}");
        assert!(err.contains("restored to their old content"), "{err}");
        assert!(
            err.contains("a.md") && err.contains("no file was changed"),
            "{err}"
        );
        assert_eq!(fs::read(&plan.files[0].path).unwrap(), b"old");
        assert_eq!(fs::read(&plan.files[2].path).unwrap(), b"old");
        // No staged file is left behind.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert_eq!(fs::read(&plan.files[0].path).unwrap(), b"old");
    }

    #[test]
    fn excerpts_are_short_and_one_line() {
        assert_eq!(excerpt("a\nb"), "a⏎b");
        assert_eq!(excerpt(&"x".repeat(100)).chars().count(), 61);
    }
}

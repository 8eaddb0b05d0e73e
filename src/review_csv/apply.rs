//! Applying a reviewed sheet to the bank (`qbank apply-csv`): match rows to
//! questions by `id`, find the edited cells, splice them into the question
//! files, check the edited bank in a temporary copy, and only then write the
//! changed files atomically. Any problem refuses the whole sheet and nothing
//! is written.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};

use super::edit::{self, QuestionEdits};
use super::export::{self, ReviewRow};
use super::read::{self, SheetProblem, SheetRow};
use super::{formula, parse_tags, part_column, COLUMNS, READ_ONLY_COLUMNS};
use crate::check::load_and_check;
use crate::model::{Bank, PartKind, Question};

/// Why a sheet was not applied.
#[derive(Debug)]
pub enum ApplyError {
    /// The sheet or the bank has problems; each line is ready to print
    /// (`FILE:ROW:COLUMN: error: …`). Nothing was written.
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
}

/// A cell's value as the bank holds it: the spreadsheet text marker removed,
/// CRLF line breaks made LF, surrounding whitespace trimmed.
pub fn cell_value(cell: &str) -> String {
    formula::restore(cell)
        .replace("\r\n", "\n")
        .trim()
        .to_string()
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
struct Columns(HashMap<&'static str, usize>);

impl Columns {
    fn get(&self, name: &str) -> usize {
        self.0[name]
    }
}

/// Find the bank's columns in the header: a missing or repeated one is a problem.
fn find_columns(
    sheet: &read::Sheet,
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
        if COLUMNS.contains(&h.as_str()) {
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
    Columns(found)
}

/// One sheet row matched to its question, with what the reviewer changed.
struct RowEdits<'a> {
    row: usize,
    question: &'a Question,
    edits: QuestionEdits,
    changed: Vec<&'static str>,
}

/// Compare one row with its question. Problems go to `problems`.
fn compare_row<'a>(
    row: &SheetRow,
    cols: &Columns,
    bank_rows: &HashMap<&str, (&'a Question, &'a ReviewRow)>,
    seen: &mut HashMap<String, usize>,
    problems: &mut Vec<SheetProblem>,
) -> Option<RowEdits<'a>> {
    let last = COLUMNS.iter().map(|c| cols.get(c)).max().unwrap_or(0);
    if row.cells.len() <= last {
        problems.push(SheetProblem::new(
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
    let cell = |name: &str| cell_value(&row.cells[cols.get(name)]);
    let id_col = Some(cols.get("id"));
    let id = cell("id");
    if id.is_empty() {
        problems.push(SheetProblem::new(row.row, id_col, "empty `id`"));
        return None;
    }
    if let Some(first) = seen.get(&id) {
        problems.push(SheetProblem::new(
            row.row,
            id_col,
            format!("duplicate id `{id}`: row {first} has it too"),
        ));
        return None;
    }
    seen.insert(id.clone(), row.row);
    let Some(&(question, expected)) = bank_rows.get(id.as_str()) else {
        problems.push(SheetProblem::new(
            row.row,
            id_col,
            format!(
                "unknown id `{}`: no question in the bank has it (the `id` column is how rows are matched; do not change it)",
                excerpt(&id)
            ),
        ));
        return None;
    };

    let expected_values = expected.values();
    for name in READ_ONLY_COLUMNS {
        let index = COLUMNS.iter().position(|c| *c == name).expect("a column");
        let want = &expected_values[index];
        let got = cell(name);
        if &got != want {
            problems.push(SheetProblem::new(
                row.row,
                Some(cols.get(name)),
                format!(
                    "`{name}` is read-only: the bank has `{}`, the sheet has `{}`",
                    excerpt(want),
                    excerpt(&got)
                ),
            ));
        }
    }

    let mut edits = QuestionEdits::default();
    let mut changed = Vec::new();
    let title = cell("question");
    if title != question.title {
        if title.contains('\n') {
            problems.push(SheetProblem::new(
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
        if value != question.part(kind).markdown {
            edits.parts.push((kind, value));
            changed.push(column);
        }
    }
    let tags = parse_tags(&cell("tags"));
    if tags != question.tags {
        edits.tags = Some(tags);
        changed.push("tags");
    }
    Some(RowEdits {
        row: row.row,
        question,
        edits,
        changed,
    })
}

/// Copy the content folder `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if !fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            // A pipe, socket or device (or a link to one) is no part of a
            // bank, and opening a pipe would wait for a writer forever.
        } else {
            fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Read the sheet at `csv_path`, compare it with the bank in `content` and
/// work out (and check) every file change, writing nothing.
pub fn plan(csv_path: &Path, content: &Path) -> Result<Plan, ApplyError> {
    let csv_name = csv_path.display().to_string();
    let refuse = |problems: Vec<SheetProblem>| {
        let mut problems = problems;
        problems.sort_by_key(|p| (p.row, p.column));
        ApplyError::Refused(problems.iter().map(|p| format!("{csv_name}:{p}")).collect())
    };
    let bytes =
        crate::load::read_regular_file(csv_path, crate::load::MAX_SHEET_BYTES, "review sheets")
            .with_context(|| format!("cannot read {csv_name}"))?;
    if !content.is_dir() {
        return Err(anyhow!("content folder `{}` not found", content.display()).into());
    }
    let bank = checked_bank(content)?;
    let sheet = read::parse(&bytes).map_err(|p| refuse(vec![p]))?;

    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let cols = find_columns(&sheet, &mut problems, &mut notes);
    if !problems.is_empty() {
        return Err(refuse(problems));
    }

    let review_rows = export::rows(&bank)?;
    let questions: Vec<&Question> = bank.questions().map(|(_, q)| q).collect();
    let bank_rows: HashMap<&str, (&Question, &ReviewRow)> = questions
        .iter()
        .zip(&review_rows)
        .map(|(q, r)| (q.id.as_str(), (*q, r)))
        .collect();

    let mut seen = HashMap::new();
    let mut matched = Vec::new();
    for row in sheet.rows.iter().filter(|r| !r.is_blank()) {
        if let Some(m) = compare_row(row, &cols, &bank_rows, &mut seen, &mut problems) {
            matched.push(m);
        }
    }
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

    check_edited_copy(content, &matched, &files, &cols, &mut problems, &csv_name)?;
    if !problems.is_empty() {
        return Err(refuse(problems));
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

/// Write the edited files into a temporary copy of the content folder, run
/// the checker on it, and make sure every edited value reads back exactly as
/// the sheet has it. Problems are attributed to the sheet row they came from.
fn check_edited_copy(
    content: &Path,
    matched: &[RowEdits<'_>],
    files: &[FileChange],
    cols: &Columns,
    problems: &mut Vec<SheetProblem>,
    csv_name: &str,
) -> Result<(), ApplyError> {
    if files.is_empty() {
        return Ok(());
    }
    let tmp = tempfile::tempdir().context("cannot create a temporary folder")?;
    let copy = tmp.path().join("content");
    copy_dir(content, &copy)?;
    let in_copy =
        |path: &Path| -> PathBuf { copy.join(path.strip_prefix(content).unwrap_or(path)) };
    for f in files {
        fs::write(in_copy(&f.path), &f.new)
            .with_context(|| format!("cannot write the temporary copy of {}", f.path.display()))?;
    }
    let (edited, diags) = load_and_check(&copy);
    let row_of_file: HashMap<PathBuf, usize> = matched
        .iter()
        .map(|m| (in_copy(&m.question.path), m.row))
        .collect();
    let mut unplaced = Vec::new();
    for d in diags.iter().filter(|d| d.is_error()) {
        let real = content.join(d.path.strip_prefix(&copy).unwrap_or(&d.path));
        let message = format!(
            "this row's edits would break the bank: {}:{}: {}",
            real.display(),
            d.line,
            d.message
        );
        match row_of_file.get(&d.path) {
            Some(&row) => problems.push(SheetProblem::new(row, None, message)),
            None => unplaced.push(message),
        }
    }
    if !unplaced.is_empty() {
        let mut lines: Vec<String> = problems
            .drain(..)
            .map(|p| format!("{csv_name}:{p}"))
            .collect();
        lines.extend(
            unplaced
                .into_iter()
                .map(|m| format!("{csv_name}: error: {m}")),
        );
        return Err(ApplyError::Refused(lines));
    }
    if diags.iter().any(|d| d.is_error()) {
        return Ok(());
    }
    let edited = edited.context("the edited bank could not be loaded")?;
    for m in matched
        .iter()
        .filter(|m| files.iter().any(|f| f.path == m.question.path))
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

/// Write every changed file atomically, keeping its permissions. Before the
/// first write, every file is checked to still hold what the plan was made
/// from, so a file edited meanwhile stops the whole apply.
pub fn write(plan: &Plan) -> anyhow::Result<()> {
    for f in &plan.files {
        let now = fs::read(&f.path).with_context(|| format!("cannot read {}", f.path.display()))?;
        if now != f.old {
            return Err(anyhow!(
                "{} changed while the review was being applied; nothing was written; run apply-csv again",
                f.path.display()
            ));
        }
    }
    for (done, f) in plan.files.iter().enumerate() {
        // The atomic writer keeps each file's permissions.
        let written = crate::output::write_atomic(&f.path, &f.new);
        if let Err(e) = written {
            let names: Vec<String> = plan.files[..done]
                .iter()
                .map(|f| f.path.display().to_string())
                .collect();
            let so_far = if names.is_empty() {
                "no file was changed".to_string()
            } else {
                format!("already written: {}", names.join(", "))
            };
            return Err(e.context(format!(
                "{so_far}; {} and the files after it are unchanged",
                f.path.display()
            )));
        }
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
        assert_eq!(cell_value("'=1+1"), "=1+1");
        assert_eq!(cell_value("a\r\nb\r\n"), "a\nb");
        assert_eq!(cell_value("  plain  "), "plain");
        assert_eq!(cell_value("''quoted"), "'quoted");
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
    fn excerpts_are_short_and_one_line() {
        assert_eq!(excerpt("a\nb"), "a⏎b");
        assert_eq!(excerpt(&"x".repeat(100)).chars().count(), 61);
    }
}

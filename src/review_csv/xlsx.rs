//! The review workbook (`out/<bank id>.xlsx`): writing it with
//! `rust_xlsxwriter` and reading a reviewed one back with `calamine`.
//!
//! Sheet "Questions" has the CSV's columns plus `comment`; every cell is a
//! string (no formula can exist), the identity columns are locked under sheet
//! protection without a password, answers wrap, rows are tinted by section.
//! Sheet "How to review" explains the round trip and lists the bank's tags,
//! which the `tags` column offers as a drop-down.

use std::collections::BTreeSet;
use std::io::Cursor;

use anyhow::{anyhow, Context, Result};
use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DocProperties, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Formula, ProtectionOptions, Workbook, Worksheet,
};

use super::export::{self, ReviewRow};
use super::read::{Sheet, SheetRow};
use super::{COLUMNS, IDENTITY_COLUMNS};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Bank;

/// The sheet holding one row per question.
pub const QUESTIONS_SHEET: &str = "Questions";
/// The sheet explaining the review.
pub(crate) const HOW_TO_SHEET: &str = "How to review";
/// The reviewer's own column, after the bank's.
pub(crate) const COMMENT_COLUMN: &str = "comment";
/// The longest text a cell holds in Excel and LibreOffice Calc.
pub(crate) const CELL_LIMIT: usize = 32_767;
/// Lines of text on the "How to review" sheet, above the tag list.
const HOW_TO_LINES: usize = 14;
/// Row of the "How to review" sheet (0-based) where the tag list starts.
const TAG_LIST_ROW: u32 = HOW_TO_LINES as u32;
/// Width of the "How to review" text column, in characters.
const HOW_TO_WIDTH: f64 = 75.0;

/// The workbook's columns: the CSV's, then `comment`.
pub fn columns() -> Vec<&'static str> {
    let mut all = COLUMNS.to_vec();
    all.push(COMMENT_COLUMN);
    all
}

/// Width (in characters) of each column of "Questions".
fn column_width(name: &str) -> f64 {
    match name {
        "number" => 8.0,
        "section" => 18.0,
        "id" => 22.0,
        "question" => 36.0,
        "plain_english" => 55.0,
        "technical_depth" => 80.0,
        "real_world_example" => 60.0,
        "tags" => 26.0,
        "guid" => 29.0,
        "content_hash" => 20.0,
        _ => 40.0,
    }
}

/// Row height (points) that shows a row's wrapped text, from an estimate of
/// its lines in each column: between two lines and [`MAX_ROW_POINTS`]
/// (longer answers scroll inside the cell's editor).
fn row_height(columns: &[&str], values: &[String]) -> f64 {
    const LINE_POINTS: f64 = 15.0;
    let lines = columns
        .iter()
        .zip(values)
        .map(|(name, value)| {
            // A column unit is one digit wide; text averages a little narrower.
            let per_line = (column_width(name) * 1.15).max(1.0);
            value
                .split('\n')
                .map(|l| (l.chars().count() as f64 / per_line).ceil().max(1.0))
                .sum::<f64>()
        })
        .fold(1.0, f64::max);
    (lines * LINE_POINTS).clamp(2.0 * LINE_POINTS, MAX_ROW_POINTS)
}

/// The tallest a question's row is made: about twenty lines.
const MAX_ROW_POINTS: f64 = 300.0;

/// Pale fills, one per section in turn, so a section's rows read as a block.
const SECTION_FILLS: [u32; 7] = [
    0xEAF4EA, 0xE8F0FA, 0xFDF3E1, 0xF3EAF7, 0xE6F5F4, 0xFBEAEA, 0xF1F1E4,
];

/// How long a value is for a spreadsheet cell: the larger of its characters
/// and its UTF-16 units (Excel counts the latter).
pub(crate) fn cell_length(value: &str) -> usize {
    value.chars().count().max(value.encode_utf16().count())
}

/// Every text of the bank too long for one spreadsheet cell, a problem of
/// `severity` at its line (none when all fit).
pub(crate) fn oversized_cells(bank: &Bank, severity: Severity) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (_, q) in bank.questions() {
        let mut texts = vec![("the question", q.title_line, q.title.as_str())];
        for (kind, part) in q.parts() {
            texts.push((kind.heading(), part.body_line, part.markdown.as_str()));
        }
        for (what, line, text) in texts {
            let len = cell_length(text);
            if len > CELL_LIMIT {
                let message = format!(
                    "`{what}` is {len} characters; a spreadsheet cell holds at most {CELL_LIMIT} (Excel and LibreOffice Calc cut the rest), so split the answer or review this question in its Markdown file"
                );
                found.push(match severity {
                    Severity::Error => Diagnostic::error(&q.path, line, message),
                    Severity::Warning => Diagnostic::warning(&q.path, line, message),
                });
            }
        }
    }
    found
}

/// The problems, one line each.
fn lines(problems: &[Diagnostic]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The workbook's creation date: the bank's `date` at midnight UTC, or the
/// first day Excel knows when the bank has none (never the clock).
fn creation_date(bank: &Bank) -> Result<ExcelDateTime> {
    let fixed = || ExcelDateTime::from_ymd(2000, 1, 1);
    let parsed = bank.date.as_deref().and_then(|d| {
        let mut it = d.split('-').map(|p| p.parse::<u32>().ok());
        let (y, m, day) = (it.next()??, it.next()??, it.next()??);
        ExcelDateTime::from_ymd(
            u16::try_from(y).ok()?,
            u8::try_from(m).ok()?,
            u8::try_from(day).ok()?,
        )
        .ok()
    });
    match parsed {
        Some(d) => Ok(d),
        None => fixed().map_err(|e| anyhow!("{e}")),
    }
}

/// The whole workbook as bytes. Refuses (with `path:line` lines) a bank
/// whose texts do not fit a cell.
pub(crate) fn workbook_bytes(bank: &Bank) -> Result<Vec<u8>> {
    let oversized = oversized_cells(bank, Severity::Error);
    if !oversized.is_empty() {
        return Err(anyhow!("{}", lines(&oversized)));
    }
    let rows = export::rows(bank)?;
    let tags: BTreeSet<&str> = bank
        .questions()
        .flat_map(|(_, q)| q.tags.iter().map(String::as_str))
        .collect();
    let mut workbook = Workbook::new();
    let created = creation_date(bank)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&bank.title)
            .set_subject("Review workbook")
            .set_creation_datetime(&created),
    );
    let sheet = workbook.add_worksheet();
    write_questions(sheet, bank, &rows, tags.len()).map_err(|e| anyhow!("{e}"))?;
    let how = workbook.add_worksheet();
    write_how_to(how, bank, &tags).map_err(|e| anyhow!("{e}"))?;
    workbook
        .save_to_buffer()
        .map_err(|e| anyhow!("cannot write the workbook: {e}"))
}

fn write_questions(
    sheet: &mut Worksheet,
    bank: &Bank,
    rows: &[ReviewRow],
    tag_count: usize,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let columns = columns();
    sheet.set_name(QUESTIONS_SHEET)?;
    let header = Format::new()
        .set_bold()
        .set_background_color(0xD9D9D9)
        .set_border_bottom(FormatBorder::Thin)
        .set_align(FormatAlign::Top);
    for (c, name) in columns.iter().enumerate() {
        let c = c as u16;
        sheet.write_string_with_format(0, c, *name, &header)?;
        sheet.set_column_width(c, column_width(name))?;
    }
    sheet.set_freeze_panes(1, 3)?;
    sheet.set_row_height(0, 18)?;
    let section_of: Vec<usize> = bank
        .sections
        .iter()
        .enumerate()
        .flat_map(|(i, s)| std::iter::repeat_n(i, s.questions.len()))
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        let fill = SECTION_FILLS[section_of.get(i).copied().unwrap_or(0) % SECTION_FILLS.len()];
        let base = Format::new()
            .set_align(FormatAlign::Top)
            .set_text_wrap()
            .set_background_color(fill)
            .set_border_bottom(FormatBorder::Hair);
        let locked = base.clone().set_locked().set_font_color(0x595959);
        let editable = base.set_unlocked();
        let mut values: Vec<String> = row.values().to_vec();
        values.push(String::new());
        for (c, (name, value)) in columns.iter().zip(&values).enumerate() {
            let format = if IDENTITY_COLUMNS.contains(name) {
                &locked
            } else {
                &editable
            };
            sheet.write_string_with_format(r, c as u16, value, format)?;
        }
        sheet.set_row_height(r, row_height(&columns, &values))?;
    }
    let last = rows.len() as u32;
    if last > 0 && tag_count > 0 {
        let tags_col = columns.iter().position(|c| *c == "tags").unwrap_or(0) as u16;
        let range = format!(
            "='{HOW_TO_SHEET}'!$A${}:$A${}",
            TAG_LIST_ROW + 1,
            TAG_LIST_ROW as usize + tag_count
        );
        let validation = DataValidation::new()
            .allow_list_formula(Formula::new(range))
            .set_error_style(DataValidationErrorStyle::Information)
            .set_input_title("Tags")?
            .set_input_message(
                "Pick a tag, or type several separated by \"; \" (see the list on \"How to review\").",
            )?
            .set_error_title("Several or new tags")?
            .set_error_message(
                "This is not one of the bank's tags. Several tags in one cell are fine (\"data; evaluation\"); a new tag is fine too if you mean it. OK keeps what you typed.",
            )?;
        sheet.add_data_validation(1, tags_col, last, tags_col, &validation)?;
    }
    let protection = ProtectionOptions {
        format_columns: true,
        format_rows: true,
        use_autofilter: true,
        ..ProtectionOptions::default()
    };
    sheet.protect_with_options(&protection);
    if last > 0 {
        sheet.autofilter(0, 0, last, (columns.len() - 1) as u16)?;
    }
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_header(format!("&L{}&R&P / &N", bank.title.replace('&', "&&")));
    Ok(())
}

fn write_how_to(
    sheet: &mut Worksheet,
    bank: &Bank,
    tags: &BTreeSet<&str>,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    sheet.set_name(HOW_TO_SHEET)?;
    sheet.set_column_width(0, HOW_TO_WIDTH)?;
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let lines: [(&Format, String); HOW_TO_LINES] = [
        (&title, format!("Reviewing {}", bank.title)),
        (&wrap, "One row per question on the sheet \"Questions\". Each answer cell holds the answer's Markdown: **bold**, *italic*, `code`, lists starting with \"- \", tables with \"|\". Double-click a cell (or use the formula bar) to read and edit it whole.".into()),
        (&bold, "What you may edit".into()),
        (&wrap, "question, plain_english, technical_depth, real_world_example: the text. Keep the Markdown; do not add lines starting with \"#\" or \"+++\".".into()),
        (&wrap, "tags: the question's tags separated by \"; \" (the drop-down offers the bank's tags, listed below).".into()),
        (&wrap, "comment: anything for the author. Comments change no file; they are listed next to the question's file when the review is applied.".into()),
        (&bold, "What you may not edit".into()),
        (&wrap, "number, section, id, guid, content_hash (grey, locked): they tell qbank which question a row is. The sheet is protected without a password so they are not typed over by accident; do not unprotect it.".into()),
        (&wrap, "Do not add, move, merge or delete rows or sheets. Filtering (the arrows in the header row) is fine; rows that are taller than their text shows can be read whole in the cell's editor.".into()),
        (&bold, "Sending it back".into()),
        (&wrap, "Save as .xlsx (Excel Workbook; no password) and send the file back. The author runs `qbank apply FILE --dry-run` to see the changes, then `qbank apply FILE`. Only the cells you changed change in the Markdown files; any problem refuses the whole sheet and changes nothing.".into()),
        (&wrap, "A cell holds at most 32,767 characters; a longer text is cut by the spreadsheet, and qbank refuses a cut cell.".into()),
        (&wrap, format!("{} questions; {} tags in use.", bank.question_count(), tags.len())),
        (&bold, "Tags in this bank".into()),
    ];
    for (r, (format, text)) in lines.iter().enumerate() {
        sheet.write_string_with_format(r as u32, 0, text, format)?;
        // Wrapped text gets the height it needs (spreadsheets do not
        // recompute it on opening).
        let per_line = HOW_TO_WIDTH * 1.1;
        let wrapped_lines = (text.chars().count() as f64 / per_line).ceil().max(1.0);
        let points = if r == 0 {
            21.0
        } else {
            15.0 * wrapped_lines + 3.0
        };
        sheet.set_row_height(r as u32, points)?;
    }
    for (i, tag) in tags.iter().enumerate() {
        sheet.write_string(TAG_LIST_ROW + i as u32, 0, *tag)?;
    }
    sheet.set_print_fit_to_pages(1, 0);
    sheet.protect();
    Ok(())
}

/// What kind of file a reviewed sheet is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// A zip container: an .xlsx workbook (or another Office file).
    Workbook,
    /// An OLE compound file: an encrypted (password to open) workbook or a legacy .xls.
    Compound,
    /// Anything else is read as CSV text.
    Text,
}

/// Tell a workbook from CSV text by content, not by name.
pub(crate) fn sniff(bytes: &[u8]) -> FileKind {
    if bytes.starts_with(b"PK\x03\x04") {
        FileKind::Workbook
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        FileKind::Compound
    } else {
        FileKind::Text
    }
}

/// The text a calamine cell holds, as the bank compares it. Numbers that a
/// spreadsheet made of typed text come back as their shortest form (`7`).
pub(crate) fn cell_text(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// `Questions!D14`: how a spreadsheet names a cell (0-based row and column).
pub(crate) fn cell_name(sheet: &str, row: usize, column: usize) -> String {
    format!("{sheet}!{}{}", super::read::column_letter(column), row + 1)
}

/// Read a reviewed workbook into a [`Sheet`] of its "Questions" rows.
/// Problems of the workbook itself (an extra sheet, merged cells, a formula,
/// a question row on another sheet, found by `guids`: guid → question id)
/// are returned as well; a file calamine
/// cannot open is an error of the whole file.
pub fn read_workbook(
    bytes: &[u8],
    guids: &std::collections::HashMap<String, String>,
) -> Result<(Sheet, Vec<Diagnostic>), Diagnostic> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        Diagnostic::whole_sheet_error(format!("the file is not a readable .xlsx workbook ({e}); save it again as \"Excel Workbook (.xlsx)\""))
    })?;
    let names = book.sheet_names();
    if !names.iter().any(|n| n == QUESTIONS_SHEET) {
        return Err(Diagnostic::whole_sheet_error(format!(
            "the workbook has no sheet \"{QUESTIONS_SHEET}\" (its sheets: {}); send back the workbook qbank wrote",
            names.join(", ")
        )));
    }
    let mut problems = Vec::new();
    let workbook_problem = |message: String| Diagnostic::whole_sheet_error(message);
    for name in &names {
        if name != QUESTIONS_SHEET && name != HOW_TO_SHEET {
            problems.push(workbook_problem(format!(
                "extra sheet \"{name}\": the review workbook has only \"{QUESTIONS_SHEET}\" and \"{HOW_TO_SHEET}\"; move its rows back to \"{QUESTIONS_SHEET}\" and delete it"
            )));
        }
        if name == QUESTIONS_SHEET {
            continue;
        }
        // A question row pasted onto another sheet would be silently
        // dropped: its `guid` cell gives it away.
        if let Ok(range) = book.worksheet_range(name) {
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, c, data) in range.used_cells() {
                let text = cell_text(data);
                if let Some(id) = guids.get(text.trim()) {
                    problems.push(Diagnostic::workbook_error(
                        name,
                        r0 as usize + r + 1,
                        c0 as usize + c,
                        format!(
                            "holds the row of question `{id}` (its guid): question rows belong on the sheet \"{QUESTIONS_SHEET}\"; move it back"
                        ),
                    ));
                }
            }
        }
    }
    let range = book.worksheet_range(QUESTIONS_SHEET).map_err(|e| {
        Diagnostic::whole_sheet_error(format!("cannot read the sheet \"{QUESTIONS_SHEET}\": {e}"))
    })?;
    if let Ok(merged) = book.merge_cells_by_sheet_name(QUESTIONS_SHEET) {
        for m in merged {
            problems.push(Diagnostic::sheet_error(
                m.start.0 as usize + 1,
                Some(m.start.1 as usize),
                format!(
                    "merged cells {}:{}{}: unmerge them (each question needs its own cells)",
                    cell_name(QUESTIONS_SHEET, m.start.0 as usize, m.start.1 as usize),
                    super::read::column_letter(m.end.1 as usize),
                    m.end.0 + 1
                ),
            ));
        }
    }
    if let Ok(formulas) = book.worksheet_formula(QUESTIONS_SHEET) {
        let (r0, c0) = formulas.start().unwrap_or((0, 0));
        for (r, c, f) in formulas.used_cells() {
            if !f.is_empty() {
                problems.push(Diagnostic::sheet_error(
                    r0 as usize + r + 1,
                    Some(c0 as usize + c),
                    format!("the cell holds a formula (`={f}`); type text instead (start it with an apostrophe to keep a leading `=`)"),
                ));
            }
        }
    }
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let (r0, c0) = (r0 as usize, c0 as usize);
    let mut grid: Vec<Vec<String>> = Vec::new();
    for row in range.rows() {
        let mut cells = vec![String::new(); c0];
        cells.extend(row.iter().map(cell_text));
        grid.push(cells);
    }
    // Rows above the range's first row are empty.
    let mut all = vec![Vec::new(); r0];
    all.extend(grid);
    let mut rows = all.into_iter().enumerate();
    let header = rows
        .next()
        .map(|(_, h)| h.into_iter().map(|c| c.trim().to_string()).collect())
        .unwrap_or_default();
    let rows = rows
        .map(|(i, cells)| SheetRow { row: i + 1, cells })
        .collect();
    Ok((Sheet { header, rows }, problems))
}

/// `qbank build` writes `out/<bank id>.xlsx` through this exporter.
pub(crate) struct ReviewXlsxExporter;

impl crate::export::Exporter for ReviewXlsxExporter {
    fn format(&self) -> crate::export::Format {
        crate::export::Format::Xlsx
    }

    fn export(
        &self,
        bank: &Bank,
        ctx: &crate::export::ExportContext,
    ) -> Result<crate::export::Rendered, crate::export::ExportError> {
        let path = ctx.output_path(bank, crate::export::Format::Xlsx);
        let oversized = oversized_cells(bank, Severity::Error);
        if !oversized.is_empty() {
            return Err(crate::export::ExportError::Content(format!(
                "{}\nerror: xlsx: the review workbook was not written",
                lines(&oversized)
            )));
        }
        let bytes = workbook_bytes(bank)?;
        let pending = crate::output::prepare_atomic(&path, |file| {
            std::io::Write::write_all(file, &bytes).map_err(Into::into)
        })
        .with_context(|| format!("cannot write {}", path.display()))?;
        let summary = format!(
            "xlsx: {} ({} questions)",
            path.display(),
            bank.question_count()
        );
        Ok(crate::export::Rendered::output(summary, pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kinds_by_content() {
        assert_eq!(sniff(b"PK\x03\x04rest"), FileKind::Workbook);
        assert_eq!(
            sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            FileKind::Compound
        );
        assert_eq!(sniff(b"\xEF\xBB\xBFnumber,section"), FileKind::Text);
    }

    #[test]
    fn numbers_read_back_in_their_shortest_form() {
        assert_eq!(cell_text(&Data::Float(7.0)), "7");
        assert_eq!(cell_text(&Data::Float(1e10)), "10000000000");
        assert_eq!(cell_text(&Data::Float(0.5)), "0.5");
        assert_eq!(cell_text(&Data::String("007".into())), "007");
        assert_eq!(cell_text(&Data::Empty), "");
    }

    #[test]
    fn rows_are_as_tall_as_their_text_within_bounds() {
        let columns = ["id", "plain_english"];
        let short = row_height(&columns, &["a".into(), "One line.".into()]);
        assert_eq!(short, 30.0);
        let para = "word ".repeat(60); // 300 characters: five lines at width 55
        let five = row_height(&columns, &["a".into(), para.clone()]);
        assert_eq!(five, 75.0);
        let long = row_height(&columns, &["a".into(), para.repeat(20)]);
        assert_eq!(long, MAX_ROW_POINTS);
    }

    #[test]
    fn cell_names_are_spreadsheet_style() {
        assert_eq!(cell_name("Questions", 13, 3), "Questions!D14");
    }

    #[test]
    fn length_counts_utf16_units() {
        assert_eq!(cell_length("abc"), 3);
        // An emoji is one character but two UTF-16 units.
        assert_eq!(cell_length("😀"), 2);
    }
}

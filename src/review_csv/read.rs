//! Reading a review sheet back as the common spreadsheets save it: UTF-8 with
//! or without a byte-order mark, comma, semicolon or tab separated, CRLF or LF
//! records, quoted cells spanning lines.

use std::fmt;

/// A problem with a cell, a row or the whole sheet, located as a reviewer
/// sees it in a spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetProblem {
    /// Spreadsheet row number: 1 is the header row.
    pub row: usize,
    /// 0-based column index, when the problem is in one cell.
    pub column: Option<usize>,
    pub message: String,
    /// In a workbook, the sheet when it is not "Questions".
    pub sheet: Option<String>,
}

impl SheetProblem {
    pub fn new(row: usize, column: Option<usize>, message: impl Into<String>) -> Self {
        SheetProblem {
            row,
            column,
            message: message.into(),
            sheet: None,
        }
    }

    /// A problem in a cell of another sheet of a workbook.
    pub fn on_sheet(sheet: &str, row: usize, column: usize, message: impl Into<String>) -> Self {
        SheetProblem {
            sheet: Some(sheet.to_string()),
            ..SheetProblem::new(row, Some(column), message)
        }
    }

    /// A problem of the whole file (or workbook), not of one row: row 0.
    pub fn at_sheet(message: impl Into<String>) -> Self {
        SheetProblem::new(0, None, message)
    }

    /// The problem located as a workbook names cells:
    /// `Questions!D14: error: message`, `Questions!14:14: error: …` for a
    /// row, `error: …` for the whole workbook.
    pub fn in_workbook(&self, sheet: &str) -> String {
        let sheet = self.sheet.as_deref().unwrap_or(sheet);
        match (self.row, self.column) {
            (0, _) => format!("error: {}", self.message),
            (row, Some(c)) => format!("{sheet}!{}{row}: error: {}", column_letter(c), self.message),
            (row, None) => format!("{sheet}!{row}:{row}: error: {}", self.message),
        }
    }
}

impl fmt::Display for SheetProblem {
    /// `ROW:COLUMN: error: message` (columns numbered from 1, with their
    /// spreadsheet letter in the message), or `ROW: error: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row == 0 {
            return write!(f, "error: {}", self.message);
        }
        match self.column {
            Some(c) => write!(
                f,
                "{}:{}: error: (column {}) {}",
                self.row,
                c + 1,
                column_letter(c),
                self.message
            ),
            None => write!(f, "{}: error: {}", self.row, self.message),
        }
    }
}

/// The spreadsheet letter of a 0-based column: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// One data row of the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// Spreadsheet row number (the header is row 1).
    pub row: usize,
    /// The cells as saved, quotes removed.
    pub cells: Vec<String>,
}

impl SheetRow {
    /// A row whose every cell is empty (spreadsheets sometimes save trailing
    /// ones).
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// A parsed sheet: its header and data rows.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub delimiter: u8,
    pub had_bom: bool,
    /// Column names, trimmed.
    pub header: Vec<String>,
    pub rows: Vec<SheetRow>,
}

impl Sheet {
    /// Index of the first column named `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// The separator the header line uses: the most frequent of `,` `;` and tab
/// outside quotes (a comma when there is none).
pub fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut in_quotes = false;
    for b in text.bytes() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            _ if !in_quotes => {
                for (d, n) in counts.iter_mut() {
                    if *d == b {
                        *n += 1;
                    }
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map(|(d, _)| *d)
        .unwrap_or(b',')
}

/// Parse a saved sheet. Fails (at row 1) when the file is not UTF-8 or has
/// no header row, or at the row where the CSV itself is malformed.
pub fn parse(bytes: &[u8]) -> Result<Sheet, SheetProblem> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = e.valid_up_to();
        let line = 1 + bytes[..valid].iter().filter(|&&b| b == b'\n').count();
        SheetProblem::new(
            line,
            None,
            format!(
                "the file is not UTF-8 (byte offset {valid}); save it as \"CSV UTF-8\" (Excel) or with the character set \"Unicode (UTF-8)\" (LibreOffice)"
            ),
        )
    })?;
    let had_bom = text.starts_with('\u{feff}');
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = sniff_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let row = e
                .position()
                .map(|p| p.record() as usize + 1)
                .unwrap_or(index + 1);
            SheetProblem::new(row, None, format!("not a readable CSV row: {e}"))
        })?;
        records.push(record.iter().map(str::to_string).collect::<Vec<_>>());
    }
    let mut records = records.into_iter();
    let header = records
        .next()
        .ok_or_else(|| SheetProblem::new(1, None, "the file is empty: no header row"))?
        .into_iter()
        .map(|h| h.trim().to_string())
        .collect();
    let rows = records
        .enumerate()
        .map(|(i, cells)| SheetRow { row: i + 2, cells })
        .collect();
    Ok(Sheet {
        delimiter,
        had_bom,
        header,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(9), "J");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }

    #[test]
    fn reads_comma_crlf_with_bom_and_quoted_newlines() {
        let s = parse("\u{feff}id,text\r\na,\"one\r\ntwo\"\r\nb,x\r\n".as_bytes()).unwrap();
        assert!(s.had_bom);
        assert_eq!(s.delimiter, b',');
        assert_eq!(s.header, ["id", "text"]);
        assert_eq!(s.rows[0].cells, ["a", "one\r\ntwo"]);
        assert_eq!(s.rows[1].row, 3);
    }

    #[test]
    fn reads_semicolon_lf_without_bom() {
        let s = parse(b"id;text\na;\"x, y; z\"\n").unwrap();
        assert!(!s.had_bom);
        assert_eq!(s.delimiter, b';');
        assert_eq!(s.rows[0].cells, ["a", "x, y; z"]);
    }

    #[test]
    fn reads_tab_separated() {
        let s = parse(b"id\ttext\na\tx, y\n").unwrap();
        assert_eq!(s.delimiter, b'\t');
        assert_eq!(s.rows[0].cells, ["a", "x, y"]);
    }

    #[test]
    fn rejects_non_utf8_with_advice() {
        let e = parse(b"id,text\na,caf\xe9\n").unwrap_err();
        assert_eq!(e.row, 2);
        assert!(e.message.contains("not UTF-8"), "{}", e.message);
    }

    #[test]
    fn problem_display_names_row_and_column() {
        let p = SheetProblem::new(4, Some(5), "read-only");
        assert_eq!(p.to_string(), "4:6: error: (column F) read-only");
        assert_eq!(p.in_workbook("Questions"), "Questions!F4: error: read-only");
        let row = SheetProblem::new(4, None, "moved");
        assert_eq!(row.in_workbook("Questions"), "Questions!4:4: error: moved");
        assert_eq!(SheetProblem::at_sheet("x").to_string(), "error: x");
        let other = SheetProblem::on_sheet("Sheet2", 3, 0, "moved");
        assert_eq!(other.in_workbook("Questions"), "Sheet2!A3: error: moved");
    }
}

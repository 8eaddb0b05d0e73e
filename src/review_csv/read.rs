//! Reading a review sheet back as the common spreadsheets save it: UTF-8 with
//! or without a byte-order mark, comma, semicolon or tab separated, CRLF or LF
//! records, quoted cells spanning lines.

use std::io::{self, BufRead, BufReader, Read};

pub(crate) use crate::diagnostic::column_letter;
use crate::diagnostic::Diagnostic;

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
    /// Column names, trimmed.
    pub header: Vec<String>,
    /// The rows under the header, as saved.
    pub rows: Vec<SheetRow>,
}

impl Sheet {
    /// Index of the first column named `name`.
    pub(crate) fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// The separator the header line uses: the most frequent of `,` `;` and tab
/// outside quotes (a comma when there is none).
fn sniff_delimiter(text: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut in_quotes = false;
    for &b in text {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            _ if !in_quotes => {
                for (d, n) in &mut counts {
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

/// A CSV reader over a sheet as spreadsheets save it, streamed: a byte
/// order mark dropped, the separator told by the header line (read up to
/// its first line break outside quotes), rows of any length.
pub(crate) fn sheet_reader<R: Read>(input: R) -> io::Result<csv::Reader<impl Read>> {
    let mut input = BufReader::with_capacity(1 << 16, input);
    let mut head = Vec::new();
    let mut in_quotes = false;
    while let Some(&b) = input.fill_buf()?.first() {
        input.consume(1);
        head.push(b);
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => break,
            _ => {}
        }
    }
    const BOM: &[u8] = "\u{feff}".as_bytes();
    if head.starts_with(BOM) {
        head.drain(..BOM.len());
    }
    let delimiter = sniff_delimiter(&head);
    Ok(csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(io::Cursor::new(head).chain(input)))
}

/// Parse a saved sheet. Fails (at row 1) when the file is not UTF-8 or has
/// no header row, or at the row where the CSV itself is malformed.
pub fn parse(bytes: &[u8]) -> Result<Sheet, Diagnostic> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = e.valid_up_to();
        let line = 1 + bytes[..valid].iter().filter(|&&b| b == b'\n').count();
        Diagnostic::sheet_error(
            line,
            None,
            format!(
                "the file is not UTF-8 (byte offset {valid}); save it as \"CSV UTF-8\" (Excel) or with the character set \"Unicode (UTF-8)\" (LibreOffice)"
            ),
        )
    })?;
    let mut reader = sheet_reader(text.as_bytes())
        .map_err(|e| Diagnostic::sheet_error(1, None, format!("not a readable CSV file: {e}")))?;
    let mut records = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let row = e
                .position()
                .map(|p| p.record() as usize + 1)
                .unwrap_or(index + 1);
            Diagnostic::sheet_error(row, None, format!("not a readable CSV row: {e}"))
        })?;
        records.push(record.iter().map(str::to_string).collect::<Vec<_>>());
    }
    let mut records = records.into_iter();
    let header = records
        .next()
        .ok_or_else(|| Diagnostic::sheet_error(1, None, "the file is empty: no header row"))?
        .into_iter()
        .map(|h| h.trim().to_string())
        .collect();
    let rows = records
        .enumerate()
        .map(|(i, cells)| SheetRow { row: i + 2, cells })
        .collect();
    Ok(Sheet { header, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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
        assert_eq!(s.header, ["id", "text"]);
        assert_eq!(s.rows[0].cells, ["a", "one\r\ntwo"]);
        assert_eq!(s.rows[1].row, 3);
    }

    #[test]
    fn reads_semicolon_lf_without_bom() {
        let s = parse(b"id;text\na;\"x, y; z\"\n").unwrap();
        assert_eq!(s.rows[0].cells, ["a", "x, y; z"]);
    }

    #[test]
    fn reads_tab_separated() {
        let s = parse(b"id\ttext\na\tx, y\n").unwrap();
        assert_eq!(s.rows[0].cells, ["a", "x, y"]);
    }

    #[test]
    fn rejects_non_utf8_with_advice() {
        let e = parse(b"id,text\na,caf\xe9\n").unwrap_err();
        assert_eq!(e.line(), 2);
        assert!(e.message.contains("not UTF-8"), "{}", e.message);
    }

    #[test]
    fn problem_display_names_row_and_column() {
        let csv = |d: Diagnostic| d.in_sheet(Path::new("r.csv"), None).to_string();
        let book = |d: Diagnostic| {
            d.in_sheet(Path::new("r.xlsx"), Some("Questions"))
                .to_string()
        };
        let p = || Diagnostic::sheet_error(4, Some(5), "read-only");
        assert_eq!(csv(p()), "r.csv:4:6: error: (column F) read-only");
        assert_eq!(book(p()), "r.xlsx:Questions!F4: error: read-only");
        let row = || Diagnostic::sheet_error(4, None, "moved");
        assert_eq!(csv(row()), "r.csv:4: error: moved");
        assert_eq!(book(row()), "r.xlsx:Questions!4:4: error: moved");
        assert_eq!(csv(Diagnostic::whole_sheet_error("x")), "r.csv:error: x");
        assert_eq!(book(Diagnostic::whole_sheet_error("x")), "r.xlsx:error: x");
        let other = Diagnostic::workbook_error("Sheet2", 3, 0, "moved");
        assert_eq!(book(other), "r.xlsx:Sheet2!A3: error: moved");
    }
}

//! Property-based fuzzing of the review sheet readers: random cell values
//! (line breaks, separators, quotes, formula starts, numbers-looking ids,
//! non-ASCII) go out as a spreadsheet would save them — CSV with LF, CRLF or
//! lone-CR records and in-cell line breaks, comma, semicolon or tab, with or
//! without a BOM, and workbooks with text and number cells — and must come
//! back through the reader as exactly the value the bank would hold.
//!
//! `PROPTEST_CASES=N cargo test --test testsuite review_fuzz::` for a longer run.

use std::collections::HashMap;

use proptest::prelude::*;
use qbank::review_csv::apply::{cell_value, normalise_breaks};
use qbank::review_csv::{formula, read, xlsx};

/// One cell's value: short runs of the characters that matter to a reader.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(
            prop_oneof![
                Just("a"),
                Just("σ ₹"),
                Just(" "),
                Just("\n"),
                Just("\n\n"),
                Just(","),
                Just(";"),
                Just("\t"),
                Just("\""),
                Just("'"),
                Just("="),
                Just("-"),
                Just("+"),
                Just("@"),
                Just("| a |"),
            ],
            0..12
        )
        .prop_map(|parts| parts.concat()),
        Just("007".to_string()),
        Just("1e10".to_string()),
    ]
}

#[derive(Debug, Clone, Copy)]
enum Breaks {
    Lf,
    Crlf,
    Cr,
}

impl Breaks {
    fn apply(self, text: &str) -> String {
        match self {
            Breaks::Lf => text.to_string(),
            Breaks::Crlf => text.replace('\n', "\r\n"),
            Breaks::Cr => text.replace('\n', "\r"),
        }
    }

    fn terminator(self) -> csv::Terminator {
        match self {
            Breaks::Lf => csv::Terminator::Any(b'\n'),
            Breaks::Crlf => csv::Terminator::CRLF,
            Breaks::Cr => csv::Terminator::Any(b'\r'),
        }
    }
}

fn breaks() -> impl Strategy<Value = Breaks> {
    prop_oneof![Just(Breaks::Lf), Just(Breaks::Crlf), Just(Breaks::Cr)]
}

/// What the bank holds for a value that went through a sheet.
fn expected(value: &str) -> String {
    normalise_breaks(value).trim().to_string()
}

const HEADER: [&str; 4] = ["id", "question", "plain_english", "tags"];

proptest! {
    #[test]
    fn csv_cells_read_back_in_every_line_break_style(
        rows in proptest::collection::vec(proptest::collection::vec(value(), 3), 1..5),
        records in breaks(),
        in_cell in breaks(),
        delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t')],
        bom in any::<bool>(),
    ) {
        let mut bytes = if bom { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
        {
            let mut w = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .terminator(records.terminator())
                .from_writer(&mut bytes);
            w.write_record(HEADER).unwrap();
            for (i, row) in rows.iter().enumerate() {
                let mut cells = vec![format!("q{i}")];
                cells.extend(row.iter().map(|v| in_cell.apply(&formula::neutralise(v))));
                w.write_record(&cells).unwrap();
            }
            w.flush().unwrap();
        }
        let sheet = read::parse(&bytes).unwrap();
        prop_assert_eq!(&sheet.header, &HEADER);
        prop_assert_eq!(sheet.rows.len(), rows.len());
        for (i, (row, values)) in sheet.rows.iter().zip(&rows).enumerate() {
            prop_assert_eq!(row.row, i + 2);
            prop_assert_eq!(cell_value(&row.cells[0], true), format!("q{i}"));
            for (cell, v) in row.cells[1..].iter().zip(values) {
                prop_assert_eq!(cell_value(cell, true), expected(v));
            }
        }
    }

    #[test]
    fn workbook_cells_of_every_type_read_back(
        rows in proptest::collection::vec(
            proptest::collection::vec(
                prop_oneof![
                    value().prop_map(Ok),
                    (0u32..100_000).prop_map(|n| Err(f64::from(n))),
                    (-1e6f64..1e6).prop_map(Err),
                ],
                3,
            ),
            1..5,
        ),
        in_cell in breaks(),
    ) {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(xlsx::QUESTIONS_SHEET).unwrap();
        for (c, h) in HEADER.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            sheet.write_string(r, 0, format!("q{r}")).unwrap();
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16 + 1;
                match cell {
                    Ok(text) => sheet.write_string(r, c, in_cell.apply(text)).unwrap(),
                    Err(n) => sheet.write_number(r, c, *n).unwrap(),
                };
            }
        }
        let bytes = book.save_to_buffer().unwrap();
        let (read, problems) = xlsx::read_workbook(&bytes, &HashMap::new()).unwrap();
        prop_assert!(problems.is_empty(), "{:?}", problems);
        prop_assert_eq!(&read.header, &HEADER);
        let data: Vec<_> = read.rows.iter().filter(|r| !r.is_blank()).collect();
        prop_assert_eq!(data.len(), rows.len());
        for (i, (row, cells)) in data.iter().zip(&rows).enumerate() {
            prop_assert_eq!(row.row, i + 2);
            prop_assert_eq!(cell_value(&row.cells[0], false), format!("q{}", i + 1));
            for (c, cell) in cells.iter().enumerate() {
                let got = row.cells.get(c + 1).map(|s| cell_value(s, false)).unwrap_or_default();
                match cell {
                    Ok(text) => prop_assert_eq!(got, expected(text)),
                    Err(n) => prop_assert_eq!(got.parse::<f64>().unwrap(), *n),
                }
            }
        }
    }
}

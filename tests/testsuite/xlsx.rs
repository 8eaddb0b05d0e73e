//! The review workbook end to end: `qbank build --format xlsx` read back with
//! calamine and inspected with openpyxl (Python, in the test venv), edits
//! made with openpyxl applied by `qbank apply`, and every refusal.
//! LibreOffice round trips of the workbook live in the `csv_libreoffice` module.

use crate::review_sheet;

use std::fs;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use qbank::check::load_and_check;
use qbank::review_csv::xlsx::columns;
use review_sheet::{apply, build_xlsx, content_copy, repo, run_python, snapshot, stderr, stdout};
use serde_json::Value;

fn inspect(xlsx: &Path) -> Value {
    let script = fs::read_to_string(repo().join("tests/xlsx/inspect.py")).unwrap();
    serde_json::from_str(&run_python(&script, &[xlsx.to_str().unwrap()])).unwrap()
}

/// `edit.py IN OUT (ID COLUMN EXPR)...` with openpyxl.
pub fn openpyxl_edit(from: &Path, to: &Path, edits: &[(&str, &str, &str)]) {
    let script = fs::read_to_string(repo().join("tests/xlsx/edit.py")).unwrap();
    let mut args = vec![from.to_str().unwrap(), to.to_str().unwrap()];
    for (id, column, expr) in edits {
        args.extend([*id, *column, *expr]);
    }
    run_python(&script, &args);
}

#[test]
fn workbook_holds_the_bank_as_text_and_is_byte_identical() {
    let (_tmp, content, out) = content_copy();
    let path = build_xlsx(&content, &out);
    let bytes = fs::read(&path).unwrap();
    let again = build_xlsx(&content, &out);
    assert_eq!(
        fs::read(again).unwrap(),
        bytes,
        "same bank, different bytes"
    );

    let (bank, _) = load_and_check(&content);
    let bank = bank.unwrap();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["Questions", "How to review"]);
    let range = book.worksheet_range("Questions").unwrap();
    let rows: Vec<_> = range.rows().collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(header, columns());
    assert_eq!(rows.len(), 1 + bank.question_count());
    for ((section, q), row) in bank.questions().zip(&rows[1..]) {
        for cell in *row {
            assert!(
                matches!(cell, Data::String(_) | Data::Empty),
                "a cell that is not text: {cell:?}"
            );
        }
        let value = |name: &str| row[header.iter().position(|h| h == name).unwrap()].to_string();
        assert_eq!(value("number"), q.number.to_string());
        assert_eq!(value("section"), section.heading());
        assert_eq!(value("id"), q.id);
        assert_eq!(value("question"), q.title);
        assert_eq!(value("plain_english"), q.plain.markdown);
        assert_eq!(value("technical_depth"), q.technical.markdown);
        assert_eq!(value("real_world_example"), q.example.markdown);
        assert_eq!(value("tags"), q.tags.join("; "));
        assert_eq!(value("comment"), "");
    }
}

#[test]
fn openpyxl_sees_strings_locked_identity_and_protection() {
    let (_tmp, content, out) = content_copy();
    let path = build_xlsx(&content, &out);
    let seen = inspect(&path);
    assert_eq!(
        seen["sheets"],
        serde_json::json!(["Questions", "How to review"])
    );
    assert_eq!(seen["protected"], true);
    assert_eq!(seen["password"], Value::Null, "protection has no password");
    assert_eq!(seen["how_to_protected"], true);
    assert_eq!(seen["freeze"], "D2");
    assert_eq!(seen["rows"], 3);
    for name in columns() {
        let c = &seen["columns"][name];
        // The empty comment cells are blank (formatted, unlocked) cells.
        let types = if name == "comment" { "n" } else { "s" };
        assert_eq!(c["types"], serde_json::json!([types]), "{name}: {c}");
        assert_eq!(c["header_bold"], true, "{name}");
        assert_eq!(c["top"], serde_json::json!([true]), "{name}");
        let locked = ["number", "section", "id", "guid", "content_hash"].contains(&name);
        assert_eq!(c["locked"], serde_json::json!([locked]), "{name}: {c}");
        if !locked {
            assert_eq!(c["wrapped"], serde_json::json!([true]), "{name}");
        }
    }
    // Wider columns for the answers than for the identity.
    let width = |n: &str| seen["columns"][n]["width"].as_f64().unwrap();
    assert!(width("technical_depth") > 2.0 * width("id"));
    assert!(width("number") < width("section"));
    // Two sections, two tints.
    let fills = seen["fills"].as_array().unwrap();
    assert_eq!(fills[0], fills[1], "same section, same tint");
    assert_ne!(fills[1], fills[2], "next section, another tint");
    // The tags column offers the bank's tags.
    let v = &seen["validations"][0];
    assert_eq!(v["sqref"], "H2:H4");
    assert_eq!(v["type"], "list");
    assert_eq!(v["style"], "information");
    assert!(
        v["formula"].as_str().unwrap().contains("How to review"),
        "{v}"
    );
}

#[test]
fn an_answer_over_the_cell_limit_is_refused_at_export() {
    let (_tmp, content, out) = content_copy();
    let file = content.join("b-models/01-linear-regression.md");
    let long = "A long sentence for the cell limit. ".repeat(1000);
    let text = fs::read_to_string(&file).unwrap().replace(
        "It draws the straight line that best fits the points.",
        &format!("It draws the straight line that best fits the points. {long}"),
    );
    fs::write(&file, text).unwrap();
    let result = review_sheet::qbank(&[
        "build",
        "--content",
        content.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "xlsx,csv",
    ]);
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(
        err.contains("01-linear-regression.md:") && err.contains(": error: `Plain English` is 36"),
        "{err}"
    );
    assert!(err.contains("at most 32767"), "{err}");
    // Every output is rendered before any is written: the CSV, which could
    // have been rendered, is not written either.
    assert!(err.contains("nothing was written"), "{err}");
    for name in ["fixture-bank.xlsx", "fixture-bank.csv"] {
        assert!(!out.join(name).exists(), "{name} was written");
    }
}

#[test]
fn an_untouched_workbook_applies_as_no_change() {
    let (_tmp, content, out) = content_copy();
    let path = build_xlsx(&content, &out);
    let before = snapshot(&content);
    let result = apply(&path, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(stdout(&result).contains("no edits"), "{}", stdout(&result));
    assert_eq!(snapshot(&content), before);
}

#[test]
fn an_openpyxl_edit_lands_in_one_part_and_one_tags_line() {
    let (_tmp, content, out) = content_copy();
    let path = build_xlsx(&content, &out);
    let reviewed = out.join("reviewed.xlsx");
    openpyxl_edit(
        &path,
        &reviewed,
        &[
            (
                "precision-recall",
                "technical_depth",
                "old.replace('Pick the threshold', 'Choose the threshold')",
            ),
            ("precision-recall", "tags", "old + '; statistics'"),
            (
                "overfitting",
                "comment",
                "'Is the Flipkart figure still right?\\nPlease check.'",
            ),
        ],
    );
    let before = snapshot(&content);
    let file = content.join("a-basics/02-precision-recall.md");
    let old = fs::read_to_string(&file).unwrap();

    let dry = apply(&reviewed, &content, &["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let said = stdout(&dry);
    assert!(said.contains("Choose the threshold"), "{said}");
    assert!(said.contains("+tags = ["), "{said}");
    let note = format!(
        "{}:6: note: Is the Flipkart figure still right? ⏎ Please check.",
        content.join("a-basics/01-overfitting.md").display()
    );
    assert!(said.contains(&note), "{said}");
    assert_eq!(snapshot(&content), before, "the dry run wrote");

    let result = apply(&reviewed, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let said = stdout(&result);
    assert!(said.contains(&note), "{said}");
    assert!(
        said.contains("2 edit(s) in 1 question file(s) written"),
        "{said}"
    );
    let after = snapshot(&content);
    for (p, bytes) in &before {
        if *p != file {
            assert_eq!(&after[p], bytes, "{} changed", p.display());
        }
    }
    let new = fs::read_to_string(&file).unwrap();
    let changed: Vec<(&str, &str)> = old
        .lines()
        .zip(new.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(old.lines().count(), new.lines().count());
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert!(changed[0].1.starts_with("tags = [") && changed[0].1.ends_with("\"statistics\"]"));
    assert_eq!(
        changed[1].1,
        changed[1]
            .0
            .replace("Pick the threshold", "Choose the threshold")
    );
}

/// `tamper.py IN OUT ACTION` with openpyxl.
fn tampered(xlsx: &Path, action: &str) -> std::path::PathBuf {
    let script = fs::read_to_string(repo().join("tests/xlsx/tamper.py")).unwrap();
    let to = xlsx.with_file_name(format!("{action}.xlsx"));
    run_python(
        &script,
        &[xlsx.to_str().unwrap(), to.to_str().unwrap(), action],
    );
    to
}

/// Apply `sheet`: refused with exit 1, every `expected` text in the
/// errors, no file of the bank changed.
fn assert_refused(sheet: &Path, content: &Path, expected: &[&str]) -> String {
    let before = snapshot(content);
    for extra in [&["--dry-run"][..], &[]] {
        let result = apply(sheet, content, extra);
        let err = stderr(&result);
        assert_eq!(result.status.code(), Some(1), "{extra:?}: {err}");
        for e in expected {
            assert!(err.contains(e), "{extra:?}: expected `{e}` in:\n{err}");
        }
        assert!(err.contains("no file was changed"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(snapshot(content), before, "a refused sheet wrote");
    }
    stderr(&apply(sheet, content, &[]))
}

#[test]
fn refuses_edited_identity_columns_naming_the_cells() {
    let (_tmp, content, out) = content_copy();
    let xlsx = build_xlsx(&content, &out);
    let bad = tampered(&xlsx, "identity");
    let name = bad.display().to_string();
    assert_refused(
        &bad,
        &content,
        &[
            &format!("{name}:Questions!I2: error: `guid` is read-only"),
            &format!("{name}:Questions!B3: error: `section` is read-only"),
        ],
    );
}

#[test]
fn refuses_a_row_moved_to_another_sheet() {
    let (_tmp, content, out) = content_copy();
    let xlsx = build_xlsx(&content, &out);
    let bad = tampered(&xlsx, "move-row");
    let name = bad.display().to_string();
    assert_refused(
        &bad,
        &content,
        &[
            &format!("{name}:error: extra sheet \"Sheet2\""),
            &format!("{name}:Sheet2!I1: error: holds the row of question `precision-recall`"),
        ],
    );
}

#[test]
fn refuses_merged_cells_an_extra_sheet_and_a_formula() {
    let (_tmp, content, out) = content_copy();
    let xlsx = build_xlsx(&content, &out);
    let merged = tampered(&xlsx, "merge");
    let name = merged.display().to_string();
    assert_refused(
        &merged,
        &content,
        &[&format!(
            "{name}:Questions!E2: error: merged cells Questions!E2:F2"
        )],
    );
    let extra = tampered(&xlsx, "extra-sheet");
    assert_refused(&extra, &content, &["extra sheet \"Notes\""]);
    let formula = tampered(&xlsx, "formula");
    let name = formula.display().to_string();
    assert_refused(
        &formula,
        &content,
        &[&format!(
            "{name}:Questions!G4: error: the cell holds a formula (`=1+1`)"
        )],
    );
}

#[test]
fn refuses_a_cell_cut_at_the_spreadsheet_limit() {
    let (_tmp, content, out) = content_copy();
    let xlsx = build_xlsx(&content, &out);
    let cut = tampered(&xlsx, "cut-cell");
    let name = cut.display().to_string();
    assert_refused(
        &cut,
        &content,
        &[&format!(
            "{name}:Questions!F2: error: the cell is exactly 32767 characters"
        )],
    );
}

#[test]
fn refuses_encrypted_corrupt_and_misnamed_files() {
    let (_tmp, content, out) = content_copy();
    let xlsx = build_xlsx(&content, &out);
    let bytes = fs::read(&xlsx).unwrap();

    // An OLE compound file: what Excel writes for a workbook with a
    // password to open (and for an old .xls).
    let encrypted = out.join("encrypted.xlsx");
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(4096, 0);
    fs::write(&encrypted, ole).unwrap();
    assert_refused(
        &encrypted,
        &content,
        &["encrypted (password-protected) workbook"],
    );

    let corrupt = out.join("corrupt.xlsx");
    fs::write(&corrupt, &bytes[..bytes.len() / 2]).unwrap();
    let name = corrupt.display().to_string();
    assert_refused(
        &corrupt,
        &content,
        &[&format!(
            "{name}:error: the file is not a readable .xlsx workbook"
        )],
    );

    let csv_named_xlsx = out.join("sheet.xlsx");
    fs::write(
        &csv_named_xlsx,
        "number,section,id\r\n1,A. Basics,overfitting\r\n",
    )
    .unwrap();
    assert_refused(
        &csv_named_xlsx,
        &content,
        &["named .xlsx but is not a workbook"],
    );

    let xlsx_named_csv = out.join("sheet.csv");
    fs::write(&xlsx_named_csv, &bytes).unwrap();
    assert_refused(
        &xlsx_named_csv,
        &content,
        &["named .csv but is an .xlsx workbook"],
    );

    // A workbook with another name is read by its content.
    let renamed = out.join("review-from-editor");
    fs::write(&renamed, &bytes).unwrap();
    let result = apply(&renamed, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
}

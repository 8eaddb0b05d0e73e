//! The review sheets through a real spreadsheet: LibreOffice Calc (headless)
//! opens the CSV as a workbook and saves it back as CSV, and opens the review
//! workbook (.xlsx) and saves it again as .xlsx; `qbank apply` takes the
//! result. Needs `soffice` (Debian package `libreoffice-calc-nogui`);
//! without it these tests fail with that advice instead of being skipped.

use crate::review_sheet;

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use review_sheet::{
    apply, apply_csv, bank_copy, build_csv, build_xlsx, content_copy, make_formula_like, repo,
    run_python, snapshot, stderr, stdout,
};

fn soffice() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("soffice"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "LibreOffice's `soffice` is not on PATH: these tests need it. \
             Install it with `apt-get install -y libreoffice-calc-nogui`."
        )
    })
}

/// CSV import/export options: separator, quote, UTF-8 (76), first line 1.
const CSV_COMMA_UTF8: &str = "44,34,76,1";
const CSV_SEMICOLON_UTF8: &str = "59,34,76,1";
const CSV_FILTER: &str = "Text - txt - csv (StarCalc)";

/// Run `soffice --headless --convert-to` with a private profile (so tests can
/// run side by side). Returns the converted file.
fn convert(input: &Path, infilter: Option<&str>, convert_to: &str, ext: &str) -> PathBuf {
    let work = input.parent().unwrap();
    let profile = tempfile::tempdir().unwrap();
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let outdir = work.join(format!("converted-{}", RUNS.fetch_add(1, Ordering::SeqCst)));
    let mut cmd = Command::new(soffice());
    cmd.arg(format!(
        "-env:UserInstallation=file://{}",
        profile.path().display()
    ))
    .args(["--headless", "--norestore"]);
    if let Some(f) = infilter {
        cmd.arg(format!("--infilter={f}"));
    }
    let out = cmd
        .args(["--convert-to", convert_to, "--outdir"])
        .arg(&outdir)
        .arg(input)
        .env("HOME", profile.path())
        .output()
        .expect("run soffice");
    let produced = outdir.join(format!(
        "{}.{ext}",
        input.file_stem().unwrap().to_str().unwrap()
    ));
    assert!(
        produced.is_file(),
        "soffice did not produce {}:\nstdout: {}\nstderr: {}",
        produced.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    produced
}

/// Open the exported CSV in Calc (as UTF-8, the way the import dialog offers
/// it) and save it as a workbook.
fn csv_to_xlsx(csv: &Path) -> PathBuf {
    convert(
        csv,
        Some(&format!("{CSV_FILTER}:{CSV_COMMA_UTF8}")),
        "xlsx",
        "xlsx",
    )
}

/// Save a workbook as CSV with `options` (separator, quoting, charset).
fn xlsx_to_csv(xlsx: &Path, options: &str) -> PathBuf {
    convert(xlsx, None, &format!("csv:{CSV_FILTER}:{options}"), "csv")
}

fn read_zip_entry(xlsx: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(fs::File::open(xlsx).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} missing in {}", xlsx.display()))
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The workbook holds every cell as Calc shows it: no formula anywhere,
/// every column but `number` as text, σ and ₹ as themselves.
fn assert_workbook_is_plain_text(xlsx: &Path, rows: usize) {
    let sheet = read_zip_entry(xlsx, "xl/worksheets/sheet1.xml");
    assert!(
        !sheet.contains("<f>") && !sheet.contains("<f "),
        "a formula cell:\n{sheet}"
    );
    let cells: Vec<&str> = sheet.split("<c r=\"").skip(1).collect();
    assert_eq!(cells.len(), 10 * (rows + 1), "cell count");
    for cell in cells {
        let is_number_column = cell.starts_with('A') && !cell.starts_with("A1\"");
        if is_number_column {
            assert!(cell.contains("t=\"n\""), "number column: {cell}");
        } else {
            assert!(cell.contains("t=\"s\""), "not a text cell: {cell}");
        }
    }
    let strings = read_zip_entry(xlsx, "xl/sharedStrings.xml");
    // In the prose of both the fixture and the real bank (the real bank's
    // Greek letters are in its formulas, as LaTeX source: `\sigma`).
    for c in ["₹", "→", "—"] {
        assert!(strings.contains(c), "{c} missing in the workbook");
    }
    assert!(!strings.contains("Ã"), "mojibake in the workbook");
}

#[test]
fn a_sheet_opened_and_saved_by_calc_applies_as_no_change() {
    let (_tmp, content, out) = content_copy();
    make_formula_like(&content);
    let csv = build_csv(&content, &out);
    let xlsx = csv_to_xlsx(&csv);
    assert_workbook_is_plain_text(&xlsx, 3);
    let strings = read_zip_entry(&xlsx, "xl/sharedStrings.xml");
    assert!(
        strings.contains("<t xml:space=\"preserve\">&apos;=SUM(A1:A9) is text here."),
        "the formula-like answer is not shown as marked text:\n{strings}"
    );
    assert!(strings.contains("&apos;@Swiggy"), "{strings}");

    let before = snapshot(&content);
    for options in [CSV_COMMA_UTF8, CSV_SEMICOLON_UTF8] {
        let saved = xlsx_to_csv(&xlsx, options);
        let result = apply_csv(&saved, &content, &[]);
        assert_eq!(
            result.status.code(),
            Some(0),
            "{options}: {}",
            stderr(&result)
        );
        assert!(stdout(&result).contains("no edits"), "{}", stdout(&result));
        assert_eq!(snapshot(&content), before, "{options}");
    }
}

/// Replace `from` with `to` in the workbook's shared strings, the cell text
/// Calc shows; the workbook is otherwise copied as it is.
fn edit_workbook_text(xlsx: &Path, from: &str, to: &str) {
    let mut zip = zip::ZipArchive::new(fs::File::open(xlsx).unwrap()).unwrap();
    let edited = xlsx.with_file_name("edited.xlsx");
    let mut writer = zip::ZipWriter::new(fs::File::create(&edited).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    let mut replaced = false;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "xl/sharedStrings.xml" {
            let text = String::from_utf8(bytes).unwrap();
            assert_eq!(
                text.matches(from).count(),
                1,
                "{from:?} not once in the workbook"
            );
            bytes = text.replace(from, to).into_bytes();
            replaced = true;
        }
        writer.start_file(name, options).unwrap();
        writer.write_all(&bytes).unwrap();
    }
    writer.finish().unwrap();
    assert!(replaced);
    fs::rename(edited, xlsx).unwrap();
}

#[test]
fn an_edit_saved_by_calc_lands_in_exactly_one_part() {
    let (_tmp, content, out) = content_copy();
    let csv = build_csv(&content, &out);
    let xlsx = csv_to_xlsx(&csv);
    edit_workbook_text(
        &xlsx,
        "Razorpay tunes fraud recall to 0.92",
        "Razorpay tunes fraud recall to 0.95",
    );
    let saved = xlsx_to_csv(&xlsx, CSV_SEMICOLON_UTF8);

    let file = content.join("a-basics/02-precision-recall.md");
    let before = snapshot(&content);
    let result = apply_csv(&saved, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(
        stdout(&result).contains("question 2 (precision-recall): real_world_example changed"),
        "{}",
        stdout(&result)
    );
    let after = snapshot(&content);
    for (path, old) in &before {
        if *path == file {
            let expected = String::from_utf8(old.0.clone())
                .unwrap()
                .replace("recall to 0.92", "recall to 0.95");
            assert_eq!(String::from_utf8(after[path].0.clone()).unwrap(), expected);
        } else {
            assert_eq!(&after[path], old, "{} changed", path.display());
        }
    }
}

#[test]
fn the_real_bank_survives_a_calc_round_trip() {
    let (_tmp, content, out) = bank_copy(&repo().join("content"));
    let csv = build_csv(&content, &out);
    let questions = qbank::load::load(&content).bank.unwrap().question_count();
    let xlsx = csv_to_xlsx(&csv);
    assert_workbook_is_plain_text(&xlsx, questions);
    let saved = xlsx_to_csv(&xlsx, CSV_COMMA_UTF8);
    let before = snapshot(&content);
    let result = apply_csv(&saved, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(stdout(&result).contains("no edits"), "{}", stdout(&result));
    assert_eq!(snapshot(&content), before);
}

/// Open the review workbook in Calc and save it again as .xlsx.
fn xlsx_resaved(xlsx: &Path) -> PathBuf {
    convert(xlsx, None, "xlsx", "xlsx")
}

#[test]
fn a_workbook_resaved_by_calc_applies_as_no_change_and_keeps_its_protection() {
    let (_tmp, content, out) = content_copy();
    make_formula_like(&content);
    let xlsx = build_xlsx(&content, &out);
    let resaved = xlsx_resaved(&xlsx);
    assert_ne!(fs::read(&resaved).unwrap(), fs::read(&xlsx).unwrap());
    let before = snapshot(&content);
    let result = apply(&resaved, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(stdout(&result).contains("no edits"), "{}", stdout(&result));
    assert_eq!(snapshot(&content), before);

    // What Calc saved: still text cells, identity locked, sheet protected.
    let script = fs::read_to_string(repo().join("tests/xlsx/inspect.py")).unwrap();
    let seen: serde_json::Value =
        serde_json::from_str(&run_python(&script, &[resaved.to_str().unwrap()])).unwrap();
    assert_eq!(seen["protected"], true, "{seen}");
    assert_eq!(
        seen["sheets"],
        serde_json::json!(["Questions", "How to review"])
    );
    for (name, locked) in [("id", true), ("guid", true), ("plain_english", false)] {
        let c = &seen["columns"][name];
        assert_eq!(c["types"], serde_json::json!(["s"]), "{name}: {c}");
        assert_eq!(c["locked"], serde_json::json!([locked]), "{name}: {c}");
    }
}

#[test]
fn the_real_bank_survives_a_calc_workbook_round_trip() {
    let (_tmp, content, out) = bank_copy(&repo().join("content"));
    let xlsx = build_xlsx(&content, &out);
    let resaved = xlsx_resaved(&xlsx);
    let before = snapshot(&content);
    let result = apply(&resaved, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(stdout(&result).contains("no edits"), "{}", stdout(&result));
    assert_eq!(snapshot(&content), before);
}

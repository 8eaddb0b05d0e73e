//! The review CSV end to end, through the `qbank` binary: export, parse as a
//! spreadsheet would, apply reviewed sheets back, and every refusal.
//! LibreOffice round trips live in the `csv_libreoffice` module.

use crate::review_sheet;

use std::fs;

use qbank::check::load_and_check;
use qbank::review_csv::COLUMNS;
use review_sheet::{
    apply_csv, build_csv, content_copy, edit_cell, make_formula_like, read_sheet, snapshot, stderr,
    stdout, write_sheet, SheetFormat,
};

#[test]
fn export_parses_back_to_exactly_the_bank() {
    let (_tmp, content, out) = content_copy();
    make_formula_like(&content);
    let csv_path = build_csv(&content, &out);
    let bytes = fs::read(&csv_path).unwrap();

    // UTF-8 with a BOM, CRLF records, header first.
    assert!(bytes.starts_with(b"\xEF\xBB\xBFnumber,section,id,question,"));
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.ends_with("\r\n"));
    // Formula-like cells carry the text marker in the file itself.
    assert!(text.contains(",'=SUM(A1:A9) is text here."), "{text}");
    assert!(text.contains(",\"'- It draws the straight line"), "{text}");
    assert!(text.contains(",'@Swiggy"), "{text}");
    assert!(text.contains(",'+1 if you know"), "{text}");
    // Multi-line cells are quoted, quotes doubled (RFC 4180).
    assert!(text.contains("\"From the confusion matrix (TP, TN, FP, FN):\n\n| Metric"));

    let (bank, diags) = load_and_check(&content);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    let bank = bank.unwrap();
    let sheet = read_sheet(&bytes);
    assert_eq!(sheet.header, COLUMNS);
    assert_eq!(sheet.rows.len(), bank.question_count());
    for ((section, q), row) in bank.questions().zip(&sheet.rows) {
        let value = |name: &str| {
            let cell = &row[COLUMNS.iter().position(|c| *c == name).unwrap()];
            qbank::review_csv::formula::restore(cell).to_string()
        };
        assert_eq!(value("number"), q.number.to_string());
        assert_eq!(value("section"), section.heading());
        assert_eq!(value("id"), q.id);
        assert_eq!(value("question"), q.title);
        assert_eq!(value("plain_english"), q.plain.markdown);
        assert_eq!(value("technical_depth"), q.technical.markdown);
        assert_eq!(value("real_world_example"), q.example.markdown);
        assert_eq!(value("tags"), q.tags.join("; "));
        assert_eq!(value("guid"), qbank::identity::note_guid(&bank.id, &q.id));
        let hash = value("content_hash");
        assert!(
            hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{hash}"
        );
    }
    // σ and ₹ arrive intact.
    assert!(sheet.rows[0].iter().any(|c| c.contains('σ')));
    assert!(sheet.rows[0].iter().any(|c| c.contains('₹')));

    // The same bank gives the same bytes.
    let again = build_csv(&content, &out);
    assert_eq!(fs::read(again).unwrap(), bytes);

    // And applying it back leaves every formula-like answer as it was.
    let before = snapshot(&content);
    let out = apply_csv(&csv_path, &content, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("no edits"), "{}", stdout(&out));
    assert_eq!(snapshot(&content), before);
}

#[test]
fn an_edit_to_a_formula_like_cell_keeps_the_answer_text() {
    let (_tmp, content, out) = content_copy();
    make_formula_like(&content);
    let csv_path = build_csv(&content, &out);
    let mut sheet = read_sheet(&fs::read(&csv_path).unwrap());
    edit_cell(&mut sheet, "overfitting", "plain_english", |old| {
        old.replace("is text here.", "is still text here.")
    });
    let reviewed = out.join("reviewed.csv");
    write_sheet(&reviewed, &sheet, SheetFormat::EXCEL);
    let result = apply_csv(&reviewed, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let text = fs::read_to_string(content.join("a-basics/01-overfitting.md")).unwrap();
    assert!(
        text.contains("\n=SUM(A1:A9) is still text here. Overfitting is when"),
        "{text}"
    );
}

#[test]
fn an_unchanged_sheet_changes_nothing_in_any_format() {
    let (_tmp, content, out) = content_copy();
    let csv_path = build_csv(&content, &out);
    let sheet = read_sheet(&fs::read(&csv_path).unwrap());
    let before = snapshot(&content);
    for (name, format) in [
        ("excel.csv", SheetFormat::EXCEL),
        ("libreoffice-semicolon.csv", SheetFormat::SEMICOLON_LF),
        ("plain.csv", SheetFormat::COMMA_LF_NO_BOM),
    ] {
        let path = out.join(name);
        write_sheet(&path, &sheet, format);
        let result = apply_csv(&path, &content, &[]);
        assert_eq!(result.status.code(), Some(0), "{name}: {}", stderr(&result));
        assert!(stdout(&result).contains("no edits"), "{name}");
        assert_eq!(snapshot(&content), before, "{name}");
    }
}

#[test]
fn one_edited_cell_changes_exactly_that_part() {
    let (_tmp, content, out) = content_copy();
    let csv_path = build_csv(&content, &out);
    let mut sheet = read_sheet(&fs::read(&csv_path).unwrap());
    let old_body = edit_cell(&mut sheet, "precision-recall", "technical_depth", |old| {
        old.replace("Pick the threshold", "Choose the threshold")
    });
    let reviewed = out.join("reviewed.csv");
    write_sheet(&reviewed, &sheet, SheetFormat::SEMICOLON_LF);

    let before = snapshot(&content);
    let result = apply_csv(&reviewed, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(
        stdout(&result).contains("question 2 (precision-recall): technical_depth changed"),
        "{}",
        stdout(&result)
    );

    let after = snapshot(&content);
    let file = content.join("a-basics/02-precision-recall.md");
    for (path, bytes) in &before {
        if *path != file {
            assert_eq!(&after[path], bytes, "{} changed", path.display());
        }
    }
    let expected = String::from_utf8(before[&file].0.clone())
        .unwrap()
        .replace(&old_body, &old_body.replace("Pick the", "Choose the"));
    assert_ne!(expected.as_bytes(), before[&file].0.as_slice());
    assert_eq!(String::from_utf8(after[&file].0.clone()).unwrap(), expected);
    assert_eq!(after[&file].1, before[&file].1, "file permissions changed");

    let check = review_sheet::qbank(&["check", "--content", content.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    // The next build reports that one question changed since the last sheet.
    let build = review_sheet::qbank(&[
        "build",
        "--content",
        content.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(build.status.code(), Some(0), "{}", stderr(&build));
    assert!(
        stdout(&build).contains("1 changed, 0 new, 0 removed, 2 unchanged"),
        "{}",
        stdout(&build)
    );
}

#[test]
fn title_and_tags_edits_rewrite_only_their_lines() {
    let (_tmp, content, out) = content_copy();
    let csv_path = build_csv(&content, &out);
    let mut sheet = read_sheet(&fs::read(&csv_path).unwrap());
    edit_cell(&mut sheet, "linear-regression", "question", |_| {
        "How does linear regression fit a line?".into()
    });
    edit_cell(&mut sheet, "linear-regression", "tags", |_| {
        "linear-models; fundamentals".into()
    });
    let reviewed = out.join("reviewed.csv");
    write_sheet(&reviewed, &sheet, SheetFormat::EXCEL);
    let file = content.join("b-models/01-linear-regression.md");
    let old = fs::read_to_string(&file).unwrap();
    let result = apply_csv(&reviewed, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let expected = old
        .replace(
            "# How does linear regression work?",
            "# How does linear regression fit a line?",
        )
        .replace(
            "tags = [\"linear-models\"]",
            "tags = [\"linear-models\", \"fundamentals\"]",
        );
    assert_eq!(fs::read_to_string(&file).unwrap(), expected);
}

#[test]
fn crlf_and_bom_files_keep_their_form_around_an_edit() {
    let (_tmp, content, out) = content_copy();
    let file = content.join("a-basics/01-overfitting.md");
    let crlf = format!(
        "\u{feff}{}",
        fs::read_to_string(&file).unwrap().replace('\n', "\r\n")
    );
    fs::write(&file, &crlf).unwrap();
    let csv_path = build_csv(&content, &out);
    let mut sheet = read_sheet(&fs::read(&csv_path).unwrap());
    edit_cell(&mut sheet, "overfitting", "real_world_example", |old| {
        format!("{old}\n\nA second paragraph.")
    });
    let reviewed = out.join("reviewed.csv");
    write_sheet(&reviewed, &sheet, SheetFormat::EXCEL);
    let result = apply_csv(&reviewed, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let expected = crlf.replace("→ fixed.\r\n", "→ fixed.\r\n\r\nA second paragraph.\r\n");
    assert_ne!(expected, crlf);
    assert_eq!(fs::read_to_string(&file).unwrap(), expected);
}

#[test]
fn dry_run_shows_the_diff_and_writes_nothing() {
    let (_tmp, content, out) = content_copy();
    let csv_path = build_csv(&content, &out);
    let mut sheet = read_sheet(&fs::read(&csv_path).unwrap());
    edit_cell(&mut sheet, "linear-regression", "plain_english", |_| {
        "It fits the straight line closest to the points.".into()
    });
    let reviewed = out.join("reviewed.csv");
    write_sheet(&reviewed, &sheet, SheetFormat::EXCEL);
    let before = snapshot(&content);
    let result = apply_csv(&reviewed, &content, &["--dry-run"]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let shown = stdout(&result);
    assert!(shown.contains("question 3 (linear-regression): plain_english changed"));
    assert!(
        shown.contains("b-models/01-linear-regression.md"),
        "{shown}"
    );
    assert!(
        shown.contains("\n-It draws the straight line that best fits the points.\n"),
        "{shown}"
    );
    assert!(
        shown.contains("\n+It fits the straight line closest to the points.\n"),
        "{shown}"
    );
    assert!(shown.contains("nothing written"), "{shown}");
    assert_eq!(snapshot(&content), before);
}

/// Apply a sheet that must be refused: exit 1, every expected message on
/// stderr, and no file of the bank touched.
fn assert_refused(
    edit: impl FnOnce(&mut review_sheet::Sheet),
    format: SheetFormat,
    expected: &[&str],
) -> String {
    let (_tmp, content, out) = content_copy();
    let csv_path = build_csv(&content, &out);
    let mut sheet = read_sheet(&fs::read(&csv_path).unwrap());
    edit(&mut sheet);
    let reviewed = out.join("reviewed.csv");
    write_sheet(&reviewed, &sheet, format);
    let before = snapshot(&content);
    let result = apply_csv(&reviewed, &content, &[]);
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "stderr: {err}");
    for e in expected {
        let e = e.replace("FILE", reviewed.to_str().unwrap());
        assert!(err.contains(&e), "expected {e:?} in:\n{err}");
    }
    assert!(err.contains("no file was changed"), "{err}");
    assert_eq!(
        snapshot(&content),
        before,
        "a refused sheet changed the bank"
    );
    err
}

#[test]
fn refuses_an_unknown_id() {
    assert_refused(
        |s| {
            edit_cell(s, "precision-recall", "id", |_| {
                "precision-and-recall".into()
            });
        },
        SheetFormat::EXCEL,
        &["FILE:3:3: error: (column C) unknown id `precision-and-recall`"],
    );
}

#[test]
fn refuses_a_duplicate_id() {
    assert_refused(
        |s| {
            let copy = s.rows[0].clone();
            s.rows.push(copy);
        },
        SheetFormat::EXCEL,
        &["FILE:5:3: error: (column C) duplicate id `overfitting`: row 2 has it too"],
    );
}

#[test]
fn refuses_a_missing_column() {
    assert_refused(
        |s| {
            let i = s
                .header
                .iter()
                .position(|h| h == "technical_depth")
                .unwrap();
            s.header.remove(i);
            for row in &mut s.rows {
                row.remove(i);
            }
        },
        SheetFormat::SEMICOLON_LF,
        &["FILE:1: error: missing column `technical_depth`"],
    );
}

#[test]
fn refuses_changed_read_only_columns() {
    assert_refused(
        |s| {
            edit_cell(s, "overfitting", "number", |_| "7".into());
            edit_cell(s, "overfitting", "section", |_| "B. Models".into());
            edit_cell(s, "precision-recall", "guid", |g| g.replace("qb", "qc"));
            edit_cell(s, "linear-regression", "content_hash", |h| {
                h.chars().rev().collect()
            });
        },
        SheetFormat::EXCEL,
        &[
            "FILE:2:1: error: (column A) `number` is read-only: the bank has `1`, the sheet has `7`",
            "FILE:2:2: error: (column B) `section` is read-only: the bank has `A. Basics`, the sheet has `B. Models`",
            "FILE:3:9: error: (column I) `guid` is read-only",
            "FILE:4:10: error: (column J) `content_hash` is read-only",
        ],
    );
}

#[test]
fn refuses_an_edit_that_breaks_the_bank() {
    // An emptied part.
    assert_refused(
        |s| {
            edit_cell(s, "linear-regression", "plain_english", |_| String::new());
        },
        SheetFormat::EXCEL,
        &[
            "FILE:4: error: this row's edits would break the bank: ",
            "empty part `## Plain English`",
        ],
    );
    // Raw HTML, which the checker rejects.
    assert_refused(
        |s| {
            edit_cell(s, "precision-recall", "real_world_example", |old| {
                format!("{old} <b>bold</b>")
            });
        },
        SheetFormat::EXCEL,
        &[
            "FILE:3: error: this row's edits would break the bank: ",
            "02-precision-recall.md:",
        ],
    );
    // A part heading typed into a cell would restructure the file.
    let err = assert_refused(
        |s| {
            edit_cell(s, "overfitting", "plain_english", |old| {
                format!("{old}\n\n## Technical depth\n\nsneaky")
            });
        },
        SheetFormat::EXCEL,
        &["FILE:2: error: this row's edits would break the bank: "],
    );
    assert!(err.contains("repeated part heading"), "{err}");
    // An invalid tag.
    assert_refused(
        |s| {
            edit_cell(s, "overfitting", "tags", |_| "Evaluation Metrics".into());
        },
        SheetFormat::EXCEL,
        &[
            "FILE:2: error: this row's edits would break the bank: ",
            "invalid tag `Evaluation Metrics`",
        ],
    );
    // A multi-line question.
    assert_refused(
        |s| {
            edit_cell(s, "overfitting", "question", |_| "Two\nlines?".into());
        },
        SheetFormat::EXCEL,
        &["FILE:2:4: error: (column D) the question must be a single line"],
    );
}

#[test]
fn every_problem_of_a_sheet_is_reported_in_one_run() {
    assert_refused(
        |s| {
            edit_cell(s, "overfitting", "plain_english", |_| String::new());
            edit_cell(s, "precision-recall", "guid", |_| "qbX".into());
            edit_cell(s, "linear-regression", "id", |_| "nope".into());
            let mut extra = s.rows[2].clone();
            extra[2] = "also-unknown".into();
            s.rows.push(extra);
        },
        SheetFormat::SEMICOLON_LF,
        &[
            "FILE:2: error: this row's edits would break the bank: ",
            "FILE:3:9: error: (column I) `guid` is read-only",
            "FILE:4:3: error: (column C) unknown id `nope`",
            "FILE:5:3: error: (column C) unknown id `also-unknown`",
        ],
    );
}

#[test]
fn refuses_a_sheet_that_is_not_utf8() {
    let (_tmp, content, out) = content_copy();
    let csv_path = build_csv(&content, &out);
    let text = fs::read_to_string(&csv_path).unwrap();
    // What Excel's plain "CSV" (Windows-1252) does to a non-ASCII character.
    let mut latin1 = text
        .trim_start_matches('\u{feff}')
        .replace('σ', "s")
        .into_bytes();
    let at = latin1.iter().position(|&b| b == b'T').unwrap();
    latin1[at] = 0xE9;
    let reviewed = out.join("reviewed.csv");
    fs::write(&reviewed, latin1).unwrap();
    let before = snapshot(&content);
    let result = apply_csv(&reviewed, &content, &[]);
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    assert!(stderr(&result).contains("not UTF-8"), "{}", stderr(&result));
    assert_eq!(snapshot(&content), before);
}

#[test]
fn a_missing_sheet_or_content_folder_is_a_usage_error() {
    let (_tmp, content, out) = content_copy();
    let result = apply_csv(&out.join("nope.csv"), &content, &[]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("cannot read"),
        "{}",
        stderr(&result)
    );
    let csv_path = build_csv(&content, &out);
    let result = apply_csv(&csv_path, &out.join("no-content"), &[]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
}

#[test]
fn blank_trailing_rows_and_extra_columns_are_tolerated() {
    let (_tmp, content, out) = content_copy();
    let csv_path = build_csv(&content, &out);
    let mut sheet = read_sheet(&fs::read(&csv_path).unwrap());
    sheet.header.push("reviewer comment".into());
    for row in &mut sheet.rows {
        row.push("looks fine".into());
    }
    sheet.rows.push(vec![String::new(); sheet.header.len()]);
    let reviewed = out.join("reviewed.csv");
    write_sheet(&reviewed, &sheet, SheetFormat::EXCEL);
    let before = snapshot(&content);
    let result = apply_csv(&reviewed, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(
        stdout(&result).contains("column K `reviewer comment` is not part of the bank"),
        "{}",
        stdout(&result)
    );
    assert_eq!(snapshot(&content), before);
}

#[test]
fn malformed_sheets_get_clear_errors_not_panics() {
    let (_tmp, content, out) = content_copy();
    let csv_path = build_csv(&content, &out);
    let good = fs::read_to_string(&csv_path).unwrap();
    let header = good.lines().next().unwrap().to_string();
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty", String::new(), ":1: error: the file is empty"),
        (
            "bom only",
            "\u{feff}".into(),
            ":1: error: the file is empty",
        ),
        (
            "short row",
            format!("{header}\r\noverfitting\r\n"),
            ":2:2: error: (column B) the row has 1 cells",
        ),
        (
            "unclosed quote",
            format!("{header}\r\n1,\"A. Basics,overfitting\r\n"),
            ":2:",
        ),
        (
            "not a review sheet",
            "name,score\r\nann,3\r\n".into(),
            ":1: error: missing column `number`",
        ),
    ];
    let before = snapshot(&content);
    for (name, text, expected) in cases {
        let path = out.join("malformed.csv");
        fs::write(&path, text).unwrap();
        let result = apply_csv(&path, &content, &[]);
        let err = stderr(&result);
        assert_eq!(result.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.contains(expected),
            "{name}: expected {expected:?} in {err}"
        );
        assert_eq!(snapshot(&content), before, "{name}");
    }
    // A header with no rows applies nothing and says so.
    let path = out.join("header-only.csv");
    fs::write(&path, format!("{header}\r\n")).unwrap();
    let result = apply_csv(&path, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(
        stdout(&result).contains("3 question(s) of the bank are not in the sheet"),
        "{}",
        stdout(&result)
    );
    assert_eq!(snapshot(&content), before);
}

/// Write `sheet` as old Mac spreadsheets save CSV: records and line breaks
/// inside cells are a lone CR.
fn write_sheet_lone_cr(path: &std::path::Path, sheet: &review_sheet::Sheet) {
    let mut bytes = Vec::new();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\r'))
            .from_writer(&mut bytes);
        w.write_record(&sheet.header).unwrap();
        for row in &sheet.rows {
            w.write_record(
                row.iter()
                    .map(|c| c.replace("\r\n", "\r").replace('\n', "\r")),
            )
            .unwrap();
        }
        w.flush().unwrap();
    }
    assert!(!bytes.contains(&b'\n'));
    fs::write(path, bytes).unwrap();
}

#[test]
fn a_lone_cr_sheet_changes_only_the_edited_part_in_the_files_own_line_breaks() {
    let (_tmp, content, out) = content_copy();
    // One question file with CRLF line breaks, the others LF.
    let crlf_file = content.join("b-models/01-linear-regression.md");
    let crlf = fs::read_to_string(&crlf_file)
        .unwrap()
        .replace('\n', "\r\n");
    fs::write(&crlf_file, &crlf).unwrap();
    let csv_path = build_csv(&content, &out);
    let mut sheet = read_sheet(&fs::read(&csv_path).unwrap());
    edit_cell(&mut sheet, "linear-regression", "technical_depth", |old| {
        format!("{old}\n\nA new closing paragraph.")
    });
    let reviewed = out.join("reviewed-cr.csv");
    write_sheet_lone_cr(&reviewed, &sheet);

    let before = snapshot(&content);
    let result = apply_csv(&reviewed, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(
        stdout(&result).contains("1 edit(s) in 1 question file(s)"),
        "{}",
        stdout(&result)
    );
    let after = snapshot(&content);
    for (path, bytes) in &before {
        if *path != crlf_file {
            assert_eq!(&after[path], bytes, "{} changed", path.display());
        }
    }
    let new = String::from_utf8(after[&crlf_file].0.clone()).unwrap();
    assert!(
        new.contains("\r\n\r\nA new closing paragraph.\r\n"),
        "{new:?}"
    );
    assert_eq!(
        new.matches('\r').count(),
        new.matches("\r\n").count(),
        "a lone CR"
    );
    assert_eq!(new.replace("\r\n\r\nA new closing paragraph.", ""), crlf);
}

#[test]
fn ids_a_spreadsheet_read_as_numbers_still_match() {
    let (_tmp, content, out) = content_copy();
    for (file, id) in [
        ("a-basics/01-overfitting.md", "007"),
        ("b-models/01-linear-regression.md", "1e10"),
    ] {
        let path = content.join(file);
        let text = fs::read_to_string(&path).unwrap();
        let old_id = text.lines().nth(1).unwrap().to_string();
        fs::write(&path, text.replacen(&old_id, &format!("id = \"{id}\""), 1)).unwrap();
    }
    let csv_path = build_csv(&content, &out);
    let mut sheet = read_sheet(&fs::read(&csv_path).unwrap());
    edit_cell(&mut sheet, "007", "plain_english", |old| {
        old.replace("memorises", "memorizes")
    });
    // What a spreadsheet saves after reading the ids as numbers.
    let id_col = sheet.header.iter().position(|h| h == "id").unwrap();
    for row in &mut sheet.rows {
        match row[id_col].as_str() {
            "007" => row[id_col] = "7".into(),
            "1e10" => row[id_col] = "1E+10".into(),
            _ => {}
        }
    }
    let reviewed = out.join("reviewed.csv");
    write_sheet(&reviewed, &sheet, SheetFormat::EXCEL);
    let result = apply_csv(&reviewed, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let said = stdout(&result);
    assert!(said.contains("the id `7` was read as a number"), "{said}");
    assert!(said.contains("1 edit(s) in 1 question file(s)"), "{said}");
    let text = fs::read_to_string(content.join("a-basics/01-overfitting.md")).unwrap();
    assert!(
        text.contains("id = \"007\"") && text.contains("memorizes"),
        "{text}"
    );
}

#[test]
fn a_section_title_with_a_trailing_space_applies_untouched() {
    let (_tmp, content, out) = content_copy();
    let toml = content.join("bank.toml");
    let text = fs::read_to_string(&toml)
        .unwrap()
        .replace("title = \"Basics\"", "title = \"Basics \"");
    fs::write(&toml, text).unwrap();
    let csv_path = build_csv(&content, &out);
    let before = snapshot(&content);
    let result = apply_csv(&csv_path, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(stdout(&result).contains("no edits"), "{}", stdout(&result));
    assert_eq!(snapshot(&content), before);
}

#[test]
fn an_answer_too_long_for_a_cell_is_warned_at_export_and_a_cut_cell_refused() {
    let (_tmp, content, out) = content_copy();
    let file = content.join("a-basics/02-precision-recall.md");
    let long = "Every threshold trades one error for the other. ".repeat(800);
    let text = fs::read_to_string(&file)
        .unwrap()
        .replace("Pick the threshold", &format!("{long}Pick the threshold"));
    fs::write(&file, text).unwrap();
    let result = review_sheet::qbank(&[
        "build",
        "--content",
        content.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let said = stdout(&result);
    assert!(
        said.contains("02-precision-recall.md:")
            && said.contains(": warning: `Technical depth` is 3"),
        "{said}"
    );
    let csv_path = out.join("fixture-bank.csv");
    let mut sheet = read_sheet(&fs::read(&csv_path).unwrap());
    // What Excel or Calc keeps of it.
    edit_cell(&mut sheet, "precision-recall", "technical_depth", |old| {
        old.chars().take(32_767).collect()
    });
    let reviewed = out.join("reviewed.csv");
    write_sheet(&reviewed, &sheet, SheetFormat::EXCEL);
    let before = snapshot(&content);
    let result = apply_csv(&reviewed, &content, &[]);
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "{}:3:6: error: (column F) the cell is exactly 32767 characters",
            reviewed.display()
        )),
        "{err}"
    );
    assert_eq!(snapshot(&content), before);
}

/// id → `content_hash` of the CSV at `path`.
fn hashes(path: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    let sheet = read_sheet(&fs::read(path).unwrap());
    let col = |n: &str| sheet.header.iter().position(|h| h == n).unwrap();
    sheet
        .rows
        .iter()
        .map(|r| (r[col("id")].clone(), r[col("content_hash")].clone()))
        .collect()
}

#[test]
fn content_hash_follows_the_source_and_the_figures_bytes() {
    let (_tmp, content, out) = content_copy();
    let first = hashes(&build_csv(&content, &out));
    assert_eq!(first.len(), 3);
    let distinct: std::collections::BTreeSet<_> = first.values().collect();
    assert_eq!(distinct.len(), 3, "{first:?}");
    // Unchanged bank, unchanged hashes.
    assert_eq!(hashes(&build_csv(&content, &out)), first);

    // The figure's bytes change: only the question showing it changes.
    let svg = content.join("media/loss-curves.svg");
    let mut bytes = fs::read(&svg).unwrap();
    bytes.extend_from_slice(b"<!-- redrawn -->\n");
    fs::write(&svg, bytes).unwrap();
    let second = hashes(&build_csv(&content, &out));
    for (id, hash) in &second {
        assert_eq!(hash != &first[id], id == "overfitting", "{id}");
    }

    // A tag and a part edited: only their question changes.
    let file = content.join("b-models/01-linear-regression.md");
    let text = fs::read_to_string(&file).unwrap();
    fs::write(
        &file,
        text.replacen("tags = [", "tags = [\"statistics\", ", 1),
    )
    .unwrap();
    let third = hashes(&build_csv(&content, &out));
    for (id, hash) in &third {
        assert_eq!(hash != &second[id], id == "linear-regression", "{id}");
    }
    fs::write(&file, text.replace("straight line", "straight  line")).unwrap();
    let fourth = hashes(&build_csv(&content, &out));
    assert_ne!(fourth["linear-regression"], second["linear-regression"]);
    assert_ne!(fourth["linear-regression"], third["linear-regression"]);
}

#[test]
fn a_sheet_editing_several_files_changes_all_or_none() {
    let (_tmp, content, out) = content_copy();
    let csv_path = build_csv(&content, &out);
    let mut sheet = read_sheet(&fs::read(&csv_path).unwrap());
    edit_cell(&mut sheet, "overfitting", "plain_english", |old| {
        format!("{old} First edit.")
    });
    edit_cell(&mut sheet, "linear-regression", "plain_english", |old| {
        format!("{old} Second edit.")
    });
    let reviewed = out.join("reviewed.csv");
    write_sheet(&reviewed, &sheet, SheetFormat::EXCEL);
    let before = snapshot(&content);
    {
        // The second file's folder cannot take a new file.
        let _locked = review_sheet::Unwritable::new(&content.join("b-models"));
        let result = apply_csv(&reviewed, &content, &[]);
        let err = stderr(&result);
        assert_eq!(result.status.code(), Some(2), "{err}");
        assert!(
            err.contains("01-linear-regression.md; nothing was written"),
            "{err}"
        );
    }
    assert_eq!(snapshot(&content), before, "the first file was changed");
    // With the folder writable again, both land.
    let result = apply_csv(&reviewed, &content, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(stdout(&result).contains("2 edit(s) in 2 question file(s) written"));
}

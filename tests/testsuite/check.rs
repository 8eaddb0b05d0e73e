//! `qbank check` over the fixture banks: every broken bank reports each of
//! its problems at the right `path:line` with exit code 1; good banks pass.

use crate::common;
use common::copy_dir;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn qbank(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qbank"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run qbank")
}

fn check_dir(dir: &Path) -> Output {
    qbank(&["check", "--content", dir.to_str().unwrap()])
}

/// Run `qbank check` on `tests/fixtures/broken/<name>` and assert the exact
/// diagnostics (without the summary line) and exit code 1.
fn assert_broken(name: &str, expected: &[&str]) {
    let dir = format!("tests/fixtures/broken/{name}");
    let out = check_dir(Path::new(&dir));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines = common::problem_lines(&stderr);
    let expected: Vec<String> = expected.iter().map(|e| format!("{dir}/{e}")).collect();
    assert_eq!(lines, expected, "full stderr:\n{stderr}");
    assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(
        stderr.lines().last().unwrap_or("").starts_with("qbank: "),
        "summary line missing:\n{stderr}"
    );
}

#[test]
fn good_fixture_passes_silently() {
    let out = check_dir(Path::new("tests/fixtures/good"));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn unreadable_file() {
    assert_broken(
        "unreadable-file",
        &["a-one/02-gone.md:1: error: cannot read file: No such file or directory (os error 2)"],
    );
}

#[test]
fn invalid_utf8() {
    assert_broken(
        "invalid-utf8",
        &["a-one/01-q-one.md:14: error: invalid UTF-8 (byte offset 119); save the file as UTF-8"],
    );
}

#[test]
fn binary_file() {
    assert_broken(
        "binary-file",
        &["a-one/01-q-one.md:1: error: invalid UTF-8 (byte offset 16); save the file as UTF-8"],
    );
}

#[test]
fn empty_file() {
    assert_broken("empty-file", &["a-one/01-empty.md:1: error: empty file"]);
}

#[test]
fn empty_bank_toml() {
    assert_broken("empty-bank-toml", &["bank.toml:1: error: empty file"]);
}

#[test]
fn malformed_bank_toml() {
    assert_broken(
        "malformed-bank-toml",
        &["bank.toml:5: error: invalid bank.toml: invalid string; expected `\"`, `'`"],
    );
}

#[test]
fn missing_front_matter() {
    assert_broken(
        "missing-front-matter",
        &["a-one/01-q-one.md:1: error: missing front matter: a question file starts with a `+++` line, then `id = \"…\"`, then `+++`"],
    );
}

#[test]
fn malformed_front_matter_is_reported_at_the_files_line() {
    assert_broken(
        "malformed-front-matter",
        &["a-one/01-q-one.md:3: error: invalid front matter: invalid array; expected `]`"],
    );
}

#[test]
fn unclosed_front_matter() {
    assert_broken(
        "unclosed-front-matter",
        &["a-one/01-q-one.md:1: error: front matter is not closed: add a `+++` line after it"],
    );
}

#[test]
fn missing_id() {
    assert_broken(
        "missing-id",
        &["a-one/01-q-one.md:1: error: missing `id` in front matter (a permanent lowercase slug, e.g. `id = \"overfitting\"`)"],
    );
}

#[test]
fn invalid_id() {
    assert_broken(
        "invalid-id",
        &["a-one/01-q-one.md:2: error: invalid id `Q_One`: use a lowercase slug such as `bias-variance`"],
    );
}

#[test]
fn duplicate_id_names_both_places() {
    let d = "tests/fixtures/broken/duplicate-id";
    assert_broken(
        "duplicate-id",
        &[
            &format!("a-one/01-first.md:2: error: duplicate id `same` (also used at {d}/a-one/02-second.md:2)"),
            &format!("a-one/02-second.md:2: error: duplicate id `same` (also used at {d}/a-one/01-first.md:2)"),
        ],
    );
}

#[test]
fn unlisted_folder() {
    assert_broken(
        "unlisted-folder",
        &["bank.toml:1: error: folder `b-extra` is not listed in bank.toml; add it as a section or move it out of the content folder"],
    );
}

#[test]
fn missing_folder() {
    assert_broken(
        "missing-folder",
        &["bank.toml:8: error: section folder `a-one` is missing"],
    );
}

#[test]
fn empty_folder() {
    assert_broken(
        "empty-folder",
        &["bank.toml:8: error: section folder `a-one` has no question files"],
    );
}

#[test]
fn stray_file() {
    assert_broken(
        "stray-file",
        &["a-one/02-q-two.txt:1: error: stray file in a section folder: question files end in `.md`"],
    );
}

#[test]
fn missing_part() {
    assert_broken(
        "missing-part",
        &["a-one/01-q-one.md:6: error: missing part `## Technical depth`"],
    );
}

#[test]
fn empty_part() {
    assert_broken(
        "empty-part",
        &["a-one/01-q-one.md:12: error: empty part `## Technical depth`"],
    );
}

#[test]
fn repeated_part() {
    assert_broken(
        "repeated-part",
        &["a-one/01-q-one.md:20: error: repeated part heading `## Technical depth` (first at line 12)"],
    );
}

#[test]
fn out_of_order_part() {
    assert_broken(
        "out-of-order-part",
        &["a-one/01-q-one.md:16: error: part `## Technical depth` is out of order: it comes before `## Real-world example`"],
    );
}

#[test]
fn text_before_title() {
    assert_broken(
        "text-before-title",
        &["a-one/01-q-one.md:5: error: text before the `#` title"],
    );
}

#[test]
fn second_title() {
    assert_broken(
        "second-title",
        &["a-one/01-q-one.md:20: error: a second `#` title; a question file has exactly one"],
    );
}

#[test]
fn formulas_that_do_not_parse_draw_or_stay_formulas_are_found_at_their_lines() {
    assert_broken(
        "bad-formulas",
        &[
            "a-one/01-q-one.md:14: error: formula `\\frac{1}`: the formula does not parse: expected a token",
            "a-one/01-q-one.md:16: error: formula `\\newcommand{\\loss}{L} \\loss`: `\\newcommand` is not allowed in a formula (no macros, environments, colours or links)",
            "a-one/01-q-one.md:20: warning: a `$` that is not a formula: write `\\$` for a dollar sign, so that another `$` in the paragraph cannot pair with it",
            "a-one/01-q-one.md:24: warning: `$5/$` reads as the text between two prices, set as a formula; write `\\$` for each dollar sign",
            "a-one/01-q-one.md:24: error: character `🎯` (U+1F3AF) in a formula cannot be drawn by the bundled font DejaVu Sans",
        ],
    );
}

#[test]
fn dangling_lead_in() {
    assert_broken(
        "dangling-lead-in",
        &["a-one/01-q-one.md:14: error: dangling lead-in: this paragraph ends with `:` but no list or table follows it in this part"],
    );
}

#[test]
fn raw_html_is_rejected() {
    assert_broken(
        "raw-html",
        &[
            "a-one/01-q-one.md:14: error: raw HTML `<b>` is not allowed; write it as text, or in backticks to show a tag",
            "a-one/01-q-one.md:14: error: raw HTML `</b>` is not allowed; write it as text, or in backticks to show a tag",
        ],
    );
}

/// Under each problem of a content file, the source line, with a caret
/// under the offending text where its column is known; plain text.
#[test]
fn problems_show_their_source_line_with_a_caret() {
    let dir = "tests/fixtures/broken/raw-html";
    let out = check_dir(Path::new(dir));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "{dir}/a-one/01-q-one.md:14: error: raw HTML `<b>` is not allowed; write it as text, or in backticks to show a tag
    |
 14 | Technical <b>bold</b> answer.
    |           ^
{dir}/a-one/01-q-one.md:14: error: raw HTML `</b>` is not allowed; write it as text, or in backticks to show a tag
    |
 14 | Technical <b>bold</b> answer.
    |                  ^
qbank: 2 error(s), 0 warning(s)
"
    );
    assert_eq!(stderr, expected);

    let dir = "tests/fixtures/broken/bad-formulas";
    let out = check_dir(Path::new(dir));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for want in [
        // A formula that does not parse: at its opening `$`.
        " 14 | A fraction that lost its denominator: $\\frac{1}$.\n    |                                       ^\n",
        // A lone `$`.
        " 20 | Money written bare: it costs $5 a month.\n    |                              ^\n",
        // No column known: the line alone.
        "    |\n 24 | From $5/$10 a day, and a $\\text{🎯}$ target.\n    |\n",
    ] {
        assert!(stderr.contains(want), "`{want}` missing:\n{stderr}");
    }
    assert!(
        !stderr.contains('\u{1b}'),
        "colour in plain output:\n{stderr}"
    );
}

#[test]
fn missing_figure() {
    assert_broken(
        "missing-figure",
        &["a-one/01-q-one.md:14: error: figure `media/chart.svg` not found in content/media/"],
    );
}

#[test]
fn figure_escaping_media() {
    assert_broken(
        "figure-escapes-media",
        &["a-one/01-q-one.md:14: error: figure `media/../bank.toml` must be a file directly inside content/media/, written `media/<name>`"],
    );
}

#[test]
fn undrawable_character_names_its_code_point() {
    assert_broken(
        "undrawable-character",
        &["a-one/01-q-one.md:10: error: character `🎯` (U+1F3AF) cannot be drawn by the bundled font DejaVu Sans"],
    );
}

#[test]
fn every_problem_is_reported_in_one_run() {
    assert_broken(
        "many-problems",
        &[
            "a-one/01-q-one.md:14: error: dangling lead-in: this paragraph ends with `:` but no list or table follows it in this part",
            "a-one/02-q-two.md:4: error: invalid front matter: invalid array; expected `]`",
            "a-one/03-q-three.md:2: error: invalid id `Bad Id`: use a lowercase slug such as `bias-variance`",
        ],
    );
}

#[test]
fn crlf_and_bom_are_accepted_silently() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/good"), tmp.path());
    for rel in [
        "bank.toml",
        "a-basics/01-overfitting.md",
        "b-models/01-linear-regression.md",
    ] {
        let p = tmp.path().join(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, format!("\u{feff}{}", text.replace('\n', "\r\n"))).unwrap();
    }
    let out = check_dir(tmp.path());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_long_single_line_is_fine_and_a_file_over_a_mebibyte_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/good"), tmp.path());
    let p = tmp.path().join("b-models/01-linear-regression.md");
    let text = std::fs::read_to_string(&p).unwrap();
    let long = "word ".repeat(200_000);
    std::fs::write(&p, text.replace("It minimises squared error", &long)).unwrap();
    let out = check_dir(tmp.path());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
    let longer = "word ".repeat(220_000);
    std::fs::write(&p, text.replace("It minimises squared error", &longer)).unwrap();
    let out = check_dir(tmp.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("b-models/01-linear-regression.md:1: error: file is 1.0 MiB; a bank's text files are limited to 1 MiB (split it, or move data out of the bank)"),
        "{err}"
    );
}

#[test]
fn missing_content_folder_is_a_usage_error() {
    let out = qbank(&["check", "--content", "tests/fixtures/does-not-exist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
}

#[test]
fn build_refuses_to_write_anything_when_check_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let out = qbank(&[
        "build",
        "--content",
        "tests/fixtures/broken/dangling-lead-in",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!out_dir.exists(), "build wrote output despite errors");
}

#[test]
fn usage_errors_exit_2_and_version_works() {
    assert_eq!(qbank(&["frobnicate"]).status.code(), Some(2));
    let v = qbank(&["--version"]);
    assert_eq!(v.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("qbank "));
}

#[test]
fn unparsable_figures_are_errors_at_each_reference_and_unused_ones_warnings() {
    assert_broken(
        "bad-figures",
        &[
            "a-one/01-q-one.md:14: error: figure `media/truncated.svg` is not a valid SVG (unexpected end of stream)",
            "a-one/01-q-one.md:16: error: figure `media/not-svg.svg` is not a valid SVG (unknown token at 1:1)",
            "a-one/01-q-one.md:22: error: figure `media/truncated.svg` is not a valid SVG (unexpected end of stream)",
            "media/unused.svg:1: warning: figure is not referenced by any question",
        ],
    );
}

#[test]
fn documented_rules_are_enforced_with_what_to_do() {
    assert_broken(
        "documented-rules",
        &[
            "a-one/01-misspelt-tag.md:3: error: tag `evalutaion` is not in the bank's tag vocabulary; did you mean `evaluation`? use a tag listed under `[tags]` in bank.toml, or add it there",
            "a-one/02-one-tag.md:3: warning: 1 tag; a question has 2 to 5: add tags from the vocabulary under `[tags]` in bank.toml",
            "a-one/02-one-tag.md:8: error: part `## Plain English` shows nothing (only spaces, invisible characters, rules or link definitions); write its answer",
            "a-one/03-noncharacter.md:10: error: Unicode noncharacter U+FFFF in the text; remove it",
            "bank.toml:2: error: raw HTML `<b>` is not allowed; write it as text, or in backticks to show a tag",
            "bank.toml:2: error: raw HTML `</b>` is not allowed; write it as text, or in backticks to show a tag",
            "bank.toml:5: error: date `2026-02-30` is not a calendar date written YYYY-MM-DD (e.g. `2026-11-28`)",
            "bank.toml:9: error: section letter `AB` must be one capital letter, `A` to `Z`",
            "bank.toml:10: error: raw HTML `<i>` is not allowed; write it as text, or in backticks to show a tag",
            "bank.toml:10: error: raw HTML `</i>` is not allowed; write it as text, or in backticks to show a tag",
        ],
    );
}

#[test]
fn a_warning_alone_does_not_stop_check_or_build() {
    let dir = tempfile::tempdir().unwrap();
    let bank = dir.path().join("content");
    copy_dir(&repo().join("tests/fixtures/good"), &bank);
    // A vocabulary with the fixture's tags: its one-tag questions warn.
    let toml = std::fs::read_to_string(bank.join("bank.toml")).unwrap();
    std::fs::write(
        bank.join("bank.toml"),
        format!("{toml}\n[tags]\nevaluation = \"metrics\"\nregularisation = \"overfitting\"\nlinear-models = \"regression\"\n"),
    )
    .unwrap();
    let out = check_dir(&bank);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(
        err.lines()
            .filter(|l| l.contains(": warning: 1 tag;"))
            .count(),
        2,
        "{err}"
    );
    let built = qbank(&[
        "build",
        "--content",
        bank.to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(
        built.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
}

#[test]
fn dates_letters_and_lone_carriage_returns() {
    for (date, ok) in [
        ("2026-11-28", true),
        ("2024-02-29", true),
        ("2023-02-29", false),
        ("2026-1-05", false),
        ("28.11.2026", false),
        ("2026-11-28T00:00", false),
        ("２０２６-11-28", false),
    ] {
        assert_eq!(qbank::load::is_iso_date(date), ok, "{date}");
    }
    let dir = tempfile::tempdir().unwrap();
    let bank = dir.path().join("content");
    copy_dir(&repo().join("tests/fixtures/good"), &bank);
    let toml = std::fs::read_to_string(bank.join("bank.toml")).unwrap();
    std::fs::write(
        bank.join("bank.toml"),
        toml.replacen("letter = \"A\"", "letter = \"\\u0007\"", 1)
            .replacen("letter = \"B\"", "letter = \"🎯\"", 1),
    )
    .unwrap();
    let q = bank.join("a-basics/01-overfitting.md");
    let text = std::fs::read_to_string(&q).unwrap();
    std::fs::write(
        &q,
        text.replacen("instead of learning", "instead\rof learning", 1),
    )
    .unwrap();
    let out = check_dir(&bank);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let b = bank.display();
    for want in [
        format!("{b}/a-basics/01-overfitting.md:10: error: control character U+000D (a lone carriage return: save the file with LF or CRLF line endings) in the text; remove it"),
        format!("{b}/bank.toml:9: error: control character U+0007 in the section letter; remove it"),
        format!("{b}/bank.toml:15: error: section letter `🎯` must be one capital letter, `A` to `Z`"),
    ] {
        assert!(err.lines().any(|l| l == want), "`{want}` missing:\n{err}");
    }
}

#[test]
fn the_shipped_vocabulary_is_the_documented_one_and_is_enforced() {
    let toml: toml::Table = std::fs::read_to_string(repo().join("content/bank.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let vocabulary: Vec<&String> = toml["tags"].as_table().expect("[tags]").keys().collect();
    let readme = std::fs::read_to_string(repo().join("content/README.md")).unwrap();
    let documented: Vec<String> = readme
        .lines()
        .filter_map(|l| {
            l.strip_prefix("| `")?
                .split_once("` |")
                .map(|(t, _)| t.to_string())
        })
        .filter(|t| {
            ![
                "id",
                "title`, `subtitle",
                "description",
                "date",
                "author",
                "lang",
                "[[sections]]",
                "[tags]",
            ]
            .contains(&t.as_str())
        })
        .collect();
    let mut sorted = documented.clone();
    sorted.sort();
    let vocabulary: Vec<String> = vocabulary.into_iter().cloned().collect();
    assert_eq!(
        vocabulary, sorted,
        "content/bank.toml [tags] vs content/README.md"
    );
    assert_eq!(vocabulary.len(), 20);
    // And it is live: a misspelt tag in the shipped bank is refused.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("content"), dir.path());
    let q = dir.path().join("a-foundations/01-ml-vs-programming.md");
    let text = std::fs::read_to_string(&q).unwrap();
    let tags_line = text.lines().position(|l| l.starts_with("tags = ")).unwrap() + 1;
    let first_tag = text
        .lines()
        .nth(tags_line - 1)
        .unwrap()
        .split('"')
        .nth(1)
        .unwrap()
        .to_string();
    std::fs::write(
        &q,
        text.replacen(&format!("\"{first_tag}\""), "\"fundamentlas\"", 1),
    )
    .unwrap();
    let out = check_dir(dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("01-ml-vs-programming.md:{tags_line}: error: tag `fundamentlas` is not in the bank's tag vocabulary; did you mean `fundamentals`?")),
        "{err}"
    );
}

/// `check` on a copy of the good fixture changed by `change`: its exit code
/// and diagnostics, with the copy's path shown as `c`.
fn check_changed(change: impl FnOnce(&Path)) -> (Option<i32>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let bank = dir.path().join("c");
    copy_dir(&repo().join("tests/fixtures/good"), &bank);
    change(&bank);
    let out = check_dir(&bank);
    let prefix = format!("{}/", bank.display());
    let lines = common::problem_lines(&String::from_utf8_lossy(&out.stderr))
        .into_iter()
        .map(|l| l.replace(&prefix, "c/"))
        .collect();
    (out.status.code(), lines)
}

#[test]
fn misplaced_files_and_folders_are_named_for_what_they_are() {
    let rm_dir = |p: PathBuf| std::fs::remove_dir_all(p).unwrap();
    assert_eq!(
        check_changed(|b| {
            rm_dir(b.join("b-models"));
            std::fs::write(b.join("b-models"), "x").unwrap();
        }),
        (Some(1), vec!["c/bank.toml:17: error: section folder `b-models` is a file, not a folder; put the section's question files in a folder of that name".to_string()])
    );
    let (code, lines) = check_changed(|b| {
        rm_dir(b.join("media"));
        std::fs::write(b.join("media"), "x").unwrap();
    });
    assert_eq!(code, Some(1));
    assert!(lines.contains(&"c/media:1: error: `media` is a file; it must be the folder of the bank's figures: move the file away".to_string()), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("stray")), "{lines:?}");
    assert_eq!(
        check_changed(|b| std::fs::remove_file(b.join("bank.toml")).unwrap()),
        (Some(1), vec!["c/bank.toml:1: error: no bank.toml here: a bank's folder holds its bank.toml (see content/README.md); pass the bank's folder with --content".to_string()])
    );
    for name in ["intro.md", "bank.lock"] {
        let (code, lines) = check_changed(|b| {
            let _ = std::fs::remove_file(b.join(name));
            std::fs::create_dir(b.join(name)).unwrap();
        });
        assert_eq!(code, Some(1), "{name}");
        assert_eq!(lines.len(), 1, "{name}: {lines:?}");
        assert!(
            lines[0].starts_with(&format!("c/{name}:1: error: ")),
            "{lines:?}"
        );
    }
    let (code, lines) = check_changed(|b| {
        let q = b.join("a-basics/01-overfitting.md");
        let text = std::fs::read_to_string(&q).unwrap();
        std::fs::write(
            &q,
            text.replace(
                "tags = [\"evaluation\", \"regularisation\"]",
                "tags = \"evaluation\"",
            ),
        )
        .unwrap();
    });
    assert_eq!(code, Some(1));
    assert_eq!(lines[0], "c/a-basics/01-overfitting.md:3: error: invalid front matter: invalid type: string \"evaluation\", expected a sequence; write tags as a list: `tags = [\"data\", \"evaluation\"]`");
}

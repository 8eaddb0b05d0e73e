//! Property-based fuzzing of everything that reads a bank: generated and
//! mutated question files, bank.toml files, lock files and review sheets go
//! through the loader, the checker, note rendering, the CSV writer and the
//! readers. None may panic, and whatever the checker passes renders without
//! live markup.
//!
//! Whatever `check` passes, every exporter renders (`check` and `build`
//! agree), with hostile figures in the bank's media folder.
//!
//! The case counts are fixed so the suite runs in seconds; raise them with
//! `PROPTEST_CASES=100000 cargo test --release --test testsuite fuzz::` for a longer run.
//! Cases that once failed are kept in `tests/testsuite/fuzz.proptest-regressions` and
//! replayed first on every run.

use crate::common::{self, assert_no_live_markup};

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use qbank::anki::lock::Lock;
use qbank::anki::note::{render_inline, render_markdown, NoteContent};
use qbank::check;
use qbank::load::{self, parse_question};
use qbank::model::{Bank, Section};
use qbank::review_csv::{export, read};

const GOOD: &str = "+++\nid = \"q-one\"\ntags = [\"data\"]\n+++\n\n# What is *one* σ?\n\n## Plain English\n\nPlain words:\n\n- a\n- b\n\n## Technical depth\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![Loss](media/loss-curves.svg)\n\n## Real-world example\n\nA ₹2 crore story.\n";

/// Pieces that matter to the loader, the checker and the renderer.
const FRAGMENTS: &[&str] = &[
    "+++\n",
    "id = \"a-b\"\n",
    "id = 7\n",
    "tags = [\"x\", \"Y\"]\n",
    "# ",
    "#",
    "## Plain English\n",
    "## Technical depth\n",
    "## Real-world example\n",
    "## Summary\n",
    "### h\n",
    "\n",
    "\n\n",
    "- ",
    "* ",
    "1. ",
    "> ",
    "    ",
    "\t",
    "```\n",
    "~~~",
    "`",
    "``",
    "*",
    "**",
    "_",
    "[",
    "]",
    "](",
    ")",
    "(",
    "![x](media/loss-curves.svg)",
    "![x](media/",
    "![x](../",
    "<script>",
    "</script>",
    "<img src=x onerror=alert(1)>",
    "<!--",
    "-->",
    "<a href=\"javascript:x\">",
    "[l](javascript:alert(1))",
    "<https://a.b>",
    "|",
    "|---|",
    "\n|a|b|\n|---|---|\n|1|2|\n",
    ":",
    "σ",
    "₹",
    "🎯",
    "\u{1f}",
    "\u{0}",
    "\r\n",
    "\r",
    "\u{feff}",
    "\u{200b}",
    "&amp;",
    "&#0;",
    "&#x110000;",
    "\\",
    "=",
    "+",
    "-",
    "---\n",
    "===\n",
    "+++",
    "\"",
    "'",
    "word ",
    "C#",
    " #",
    " ##\n",
    "[r]: https://example.com/r\n",
    "[t][r]",
    "[a](https://example.com \"t&#31;\")",
    "&#31;",
    "&nbsp;",
    "\u{ffff}",
    "![x](media/chart.png)",
    "![x](media/chart.svgz)",
    "![x](media/strip.svg)",
    "![x](media/blur.svg)",
];

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(FRAGMENTS).prop_map(str::to_string),
        1 => "\\PC{0,12}",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ]
}

/// Text built from fragments, or the good question with fragments spliced
/// in (which reaches deeper: most of the file stays well formed).
fn question_text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(fragment(), 0..60).prop_map(|v| v.concat()),
        proptest::collection::vec((any::<prop::sample::Index>(), fragment()), 1..8).prop_map(
            |edits| {
                let mut text = GOOD.to_string();
                for (at, piece) in edits {
                    let mut i = at.index(text.len() + 1);
                    while !text.is_char_boundary(i) {
                        i -= 1;
                    }
                    text.insert_str(i, &piece);
                }
                text
            }
        ),
    ]
}

/// `cases` runs (unless `PROPTEST_CASES` says otherwise), failures kept in
/// `tests/testsuite/fuzz.proptest-regressions` and replayed first.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/testsuite/fuzz.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

fn fixture_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good")
}

fn bank_with(question: qbank::model::Question) -> Bank {
    Bank {
        media: load::load(&fixture_root())
            .bank
            .expect("fixture bank")
            .media,
        title: "Fuzz".into(),
        sections: vec![Section {
            id: "basics".into(),
            letter: "A".into(),
            title: "Basics".into(),
            dir: "a-basics".into(),
            questions: vec![question],
        }],
        ..Bank::empty(fixture_root(), "fuzz-bank")
    }
}

proptest! {
    #![proptest_config(config(3000))]

    /// Loader + checker + rendering + CSV over generated question files.
    #[test]
    fn question_files_never_panic_and_render_safely(text in question_text()) {
        let mut diags = Vec::new();
        let question = parse_question(Path::new("q.md"), &text, 1, &mut diags);
        if let Some(question) = question {
            let bank = bank_with(question);
            let problems = check::check(&bank);
            let (section, question) = bank.questions().next().unwrap();
            // Rendering runs even where the checker objects: it must be safe
            // on its own. A figure outside media/ is an error, not a panic.
            let note = NoteContent::build(&bank, section, question);
            let title = render_inline(&question.title);
            assert_no_live_markup(&title);
            if let Ok(note) = &note {
                for field in &note.fields {
                    assert_no_live_markup(field);
                }
            }
            if !problems.iter().any(|d| d.is_error()) {
                prop_assert!(note.is_ok(), "a checked question failed to render: {:?}", note.err());
            }
            if let Ok(rows) = export::rows(&bank) {
                let bytes = export::to_csv_bytes(&rows).unwrap();
                let sheet = read::parse(&bytes).expect("qbank reads back its own sheet");
                prop_assert_eq!(sheet.rows.len(), 1);
            }
        }
        // Every problem points at a line of the file (or just past its end).
        let lines = text.lines().count() + 1;
        for d in &diags {
            prop_assert!(d.line() >= 1 && d.line() <= lines, "line {} of {lines}: {}", d.line(), d.message);
            prop_assert!(!d.message.is_empty());
        }
    }

    /// Rendering straight from Markdown, with no loader in front of it.
    #[test]
    fn any_markdown_renders_without_live_markup(text in question_text()) {
        let bank = bank_with(parse_question(Path::new("q.md"), GOOD, 1, &mut Vec::new()).unwrap());
        if let Ok(html) = render_markdown(&bank, &text, &mut Vec::new()) {
            assert_no_live_markup(&html);
        }
        assert_no_live_markup(&render_inline(&text));
    }

    /// Broken lock files: a clear error or a lock, never a panic.
    #[test]
    fn lock_files_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), fragment(), 0usize..40), 0..6)) {
        let mut text = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content/bank.lock"),
        )
        .unwrap();
        for (at, piece, cut) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            let mut end = (i + cut).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.replace_range(i..end, &piece);
        }
        if let Err(e) = Lock::parse(&text, Path::new("content/bank.lock"), "ml-interview-prep") {
            let message = format!("{e:#}");
            prop_assert!(message.contains("content/bank.lock"), "{}", message);
        }
    }

    /// Review sheets as any spreadsheet might save them, and worse.
    #[test]
    fn review_sheets_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), text in question_text()) {
        let _ = read::parse(&bytes);
        let _ = read::parse(text.as_bytes());
        let _ = read::parse(format!("\u{feff}id,plain_english\r\nq-one,\"{text}\"\r\n").as_bytes());
    }
}

proptest! {
    #![proptest_config(config(300))]

    /// Whole banks on disk: bank.toml, raw bytes of question files (any
    /// encoding), through `load_and_check`.
    #[test]
    fn banks_on_disk_never_panic(
        toml_edits in proptest::collection::vec((any::<prop::sample::Index>(), fragment()), 0..4),
        file in prop_oneof![
            question_text().prop_map(String::into_bytes),
            proptest::collection::vec(any::<u8>(), 0..300),
        ],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut toml = "id = \"fuzz\"\ntitle = \"F\"\n\n[[sections]]\nid = \"a\"\nletter = \"A\"\ntitle = \"A\"\ndir = \"a\"\n".to_string();
        for (at, piece) in toml_edits {
            let mut i = at.index(toml.len() + 1);
            while !toml.is_char_boundary(i) {
                i -= 1;
            }
            toml.insert_str(i, &piece);
        }
        std::fs::write(root.join("bank.toml"), toml).unwrap();
        std::fs::create_dir(root.join("a")).unwrap();
        std::fs::write(root.join("a/01-q.md"), &file).unwrap();
        let _ = load::read_text(&root.join("a/01-q.md"));
        let (bank, diags) = check::load_and_check(root);
        // Every problem in a text file points at one of its lines (or just
        // past its end); problems of folders and other files are on line 1.
        for d in &diags {
            let lines = match std::fs::read(d.path().expect("a file")) {
                Ok(bytes) if d.path().expect("a file").is_file() => bytes.split(|b| *b == b'\n').count() + 1,
                _ => 1,
            };
            prop_assert!(d.line() >= 1 && d.line() <= lines, "{}:{} of {lines}: {}", d.path().expect("a file").display(), d.line(), d.message);
            prop_assert!(!d.message.is_empty());
        }
        if let (Some(bank), false) = (bank, diags.iter().any(|d| d.is_error())) {
            for (section, question) in bank.questions() {
                let note = NoteContent::build(&bank, section, question);
                prop_assert!(note.is_ok(), "{:?}", note.err());
            }
        }
    }
}

/// Ordinary Markdown, and (below) the pieces that once made `build` fail
/// after `check` passed.
const ORDINARY: &[&str] = &[
    "word ",
    "word ",
    "word ",
    "σ ",
    "₹ ",
    "**bold** ",
    "*it* ",
    "`code` ",
    "\n\n",
    "\n\n- item\n- item\n\n",
    "\n\n| a | b | c | d | e | f |\n|---|---|---|---|---|---|\n| 1 | 2 | 3 | 4 | 5 | 6 |\n\n",
    "[b](https://example.com \"title\") ",
    "&amp; ",
    "\n\n### Sub\n\n",
    "\n\n![x](media/loss-curves.svg)\n\n",
    "https://example.com/a/very/long/url/without/spaces/at/all ",
];
const HOSTILE: &[&str] = &[
    "C#",
    " #",
    "[t][r] ",
    "\n\n[r]: https://example.com/r\n",
    "[a](https://example.com \"t&#31;\") ",
    "&#31;",
    "&nbsp;",
    "\u{ffff}",
    "\u{200b}",
    "🎯",
    "\n\n![x](media/chart.png)\n\n",
    "\n\n![x](media/chart.svgz)\n\n",
    "\n\n![x](media/strip.svg)\n\n",
    "\n\n![x](media/blur.svg)\n\n",
    "\n\n---\n\n",
    "\\",
    "<b>",
    "Lead-in:",
    "\t",
    "  \n",
];

fn body(min: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        12 => proptest::sample::select(ORDINARY),
        1 => proptest::sample::select(HOSTILE),
    ];
    proptest::collection::vec(piece, min..16).prop_map(|v| v.concat())
}

/// A question file of the right shape whose title and parts are made of
/// [`BODY_FRAGMENTS`]: most pass the structural checks and reach the rules
/// and the renderers.
fn well_formed_question() -> impl Strategy<Value = String> {
    (body(1), body(1), body(1), body(1)).prop_map(|(title, plain, technical, example)| {
        let title = title.replace('\n', " ").replace("![x]", "x");
        format!("+++\nid = \"overfitting\"\ntags = [\"evaluation\", \"regularisation\"]\n+++\n\n# {title}\n\n## Plain English\n\n{plain}\n\n## Technical depth\n\n{technical}\n\n## Real-world example\n\n{example}\n")
    })
}

/// Figures `build` cannot draw, beside the fixture's good one: `check` must
/// refuse every question that shows them.
fn hostile_media(media: &Path) {
    let svg = |body: &str, w: u32, h: u32| {
        format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}">{body}</svg>"#)
    };
    std::fs::write(media.join("chart.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    std::fs::write(media.join("chart.svgz"), [0x1f, 0x8b, 8, 0]).unwrap();
    std::fs::write(
        media.join("strip.svg"),
        svg("<rect width='9' height='9'/>", 20_000, 5),
    )
    .unwrap();
    std::fs::write(
        media.join("blur.svg"),
        svg("<filter id='b'><feGaussianBlur stdDeviation='30'/></filter><rect width='500' height='300' filter='url(#b)'/>", 540, 300),
    )
    .unwrap();
}

proptest! {
    #![proptest_config(config(12))]

    /// What `check` passes, every exporter renders: the deck, the sheet and
    /// the booklet are prepared (and dropped, never put in place).
    #[test]
    fn what_check_passes_every_exporter_renders(text in prop_oneof![1 => question_text(), 4 => well_formed_question()]) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("content");
        common::copy_dir(&fixture_root(), &root);
        hostile_media(&root.join("media"));
        std::fs::write(root.join("a-basics/01-overfitting.md"), &text).unwrap();
        let (bank, diags) = check::load_and_check(&root);
        let Some(bank) = bank else { return Ok(()) };
        if diags.iter().any(|d| d.is_error()) {
            return Ok(());
        }
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let opts = qbank::build::BuildOptions {
            content: root.clone(),
            out_dir: out.clone(),
            formats: Vec::new(),
            paper: qbank::pdf::Paper::A4,
            locked: false,
            now: 1_767_225_600,
        };
        for exporter in qbank::build::exporters(&opts) {
            let rendered = exporter.export(&bank, &opts.context());
            prop_assert!(
                rendered.is_ok(),
                "check passed but {} failed: {:#}",
                exporter.format().extension(),
                rendered.err().map(anyhow::Error::from).unwrap()
            );
        }
        // Nothing was put in place: the pending files went with their drop.
        prop_assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
        prop_assert!(!root.join("bank.lock").exists());
    }
}

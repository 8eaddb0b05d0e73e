//! The printable booklet, checked the way a reader and a PDF viewer see it:
//! text extracted with `pdftotext` (poppler-utils), structure read with
//! lopdf, validity checked with `qpdf --check`.
//!
//! Banks: the small fixture, the seven-section booklet fixture, and the real
//! `content/` once it holds questions.

mod common;
use common::copy_dir;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use lopdf::{Document, Object, ObjectId};
use qbank::model::Bank;
use qbank::pdf::markdown::{self, Block};

fn manifest(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Run an external tool; a missing tool fails the test with the package to install.
fn run_tool(tool: &str, args: &[&str]) -> std::process::Output {
    let package = match tool {
        "qpdf" => "qpdf",
        _ => "poppler-utils",
    };
    Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("`{tool}` could not be run ({e}): the booklet tests need the Debian package `{package}`")
    })
}

fn load(content: &Path) -> Bank {
    let (bank, diags) = qbank::check::load_and_check(content);
    assert!(
        !diags.iter().any(|d| d.is_error()),
        "{} does not check: {diags:?}",
        content.display()
    );
    bank.expect("bank loads")
}

/// Build the booklet of `content` on `paper` into a fresh folder.
fn build(content: &Path, paper: &str) -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_qbank"))
        .args(["build", "--format", "pdf", "--paper", paper, "--content"])
        .arg(content)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "qbank build failed for {}:\n{}",
        content.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let bank = load(content);
    let pdf = out.path().join(format!("{}.pdf", bank.id));
    assert!(pdf.is_file(), "{} was not written", pdf.display());
    (out, pdf)
}

/// One A4 build per bank, shared by the tests that only read it.
struct Built {
    bank: Bank,
    pdf: PathBuf,
    _dir: tempfile::TempDir,
    /// Plain text of each page.
    pages: Vec<String>,
}

fn built(content: &Path) -> &'static Built {
    static CACHE: OnceLock<std::sync::Mutex<BTreeMap<PathBuf, &'static Built>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(b) = map.get(content) {
        return b;
    }
    let (dir, pdf) = build(content, "a4");
    let bank = load(content);
    let pages = page_texts(&pdf);
    let b: &'static Built = Box::leak(Box::new(Built {
        bank,
        pdf,
        _dir: dir,
        pages,
    }));
    map.insert(content.to_path_buf(), b);
    b
}

fn page_texts(pdf: &Path) -> Vec<String> {
    let out = run_tool("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    assert!(out.status.success(), "pdftotext failed");
    let text = String::from_utf8(out.stdout).expect("pdftotext gives UTF-8");
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn plain_title(title: &str) -> String {
    norm(&markdown::plain_text(&markdown::parse_inline(title)))
}

/// The banks every check runs on.
fn banks() -> Vec<PathBuf> {
    let mut banks = vec![
        manifest("tests/fixtures/good"),
        manifest("tests/fixtures/booklet"),
    ];
    // The real bank is always checked: a missing or empty bank is a failure.
    let real = manifest("content");
    let (bank, _) = qbank::check::load_and_check(&real);
    assert!(
        bank.is_some_and(|b| b.question_count() == 50),
        "content/ must hold the 50-question bank"
    );
    banks.push(real);
    banks
}

/// 0-based page on which question `number` (1-based) starts.
fn page_of_question(b: &Built, number: u32, title: &str) -> usize {
    let needle = format!("QUESTION {number} {}", plain_title(title));
    let found: Vec<usize> = b
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| norm(p).contains(&needle))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "`{needle}` is on pages {found:?} of {}",
        b.pdf.display()
    );
    found[0]
}

#[test]
fn titles_follow_their_section_in_order() {
    for content in banks() {
        let b = built(&content);
        let body_start = b
            .pages
            .iter()
            .position(|p| norm(p).contains("SECTION A"))
            .expect("a first section");
        let text = norm(&b.pages[body_start..].join(" "));
        let mut pos = 0;
        for section in &b.bank.sections {
            let opener = format!("SECTION {} {}", section.letter, norm(&section.title));
            let at = text[pos..].find(&opener).unwrap_or_else(|| {
                panic!(
                    "`{opener}` missing or out of order in {}",
                    content.display()
                )
            });
            pos += at + opener.len();
            for q in &section.questions {
                let heading = format!("QUESTION {} {}", q.number, plain_title(&q.title));
                let at = text[pos..].find(&heading).unwrap_or_else(|| {
                    panic!(
                        "`{heading}` missing or out of order in {}",
                        content.display()
                    )
                });
                pos += at + heading.len();
            }
        }
    }
}

/// Contents entries read from the layout text: question number → printed page.
fn contents_pages(pdf: &Path, last_contents_page: usize, questions: u32) -> BTreeMap<u32, usize> {
    let out = run_tool(
        "pdftotext",
        &[
            "-layout",
            "-enc",
            "UTF-8",
            "-f",
            "2",
            "-l",
            &last_contents_page.to_string(),
            pdf.to_str().unwrap(),
            "-",
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut entries = BTreeMap::new();
    let mut open: Option<u32> = None;
    let mut next = 1u32;
    for line in text.lines() {
        let trimmed = line.trim();
        let first = trimmed.split_whitespace().next().unwrap_or("");
        if next <= questions && first == next.to_string() {
            open = Some(next);
            next += 1;
        }
        if let Some(n) = open {
            // The entry's last line ends in dot leaders and the page number.
            let tokens: Vec<&str> = trimmed.split_whitespace().collect();
            if let [.., leader, page] = tokens[..] {
                if !leader.is_empty() && leader.chars().all(|c| c == '.') {
                    if let Ok(page) = page.parse::<usize>() {
                        entries.insert(n, page);
                        open = None;
                    }
                }
            }
        }
    }
    entries
}

#[test]
fn contents_page_numbers_are_where_titles_are() {
    for content in banks() {
        let b = built(&content);
        let first_body = b
            .pages
            .iter()
            .position(|p| norm(p).contains("SECTION A"))
            .unwrap();
        let count = b.bank.question_count() as u32;
        let entries = contents_pages(&b.pdf, first_body, count);
        assert_eq!(
            entries.len() as u32,
            count,
            "contents of {} list {} of {count} questions: {entries:?}",
            content.display(),
            entries.len()
        );
        for (_, q) in b.bank.questions() {
            let printed = entries[&q.number];
            let actual = page_of_question(b, q.number, &q.title) + 1;
            assert_eq!(
                printed,
                actual,
                "question {} in {}",
                q.number,
                content.display()
            );
        }
    }
}

fn block_text(blocks: &[Block], out: &mut String) {
    for b in blocks {
        match b {
            Block::Paragraph(s) | Block::Heading { spans: s, .. } => {
                out.push_str(&markdown::plain_text(s))
            }
            Block::List { items, .. } => items.iter().for_each(|i| {
                block_text(i, out);
                out.push(' ');
            }),
            Block::Table { header, rows, .. } => {
                for cell in header.iter().chain(rows.iter().flatten()) {
                    out.push_str(&markdown::plain_text(cell));
                    out.push(' ');
                }
            }
            Block::Figure { alt, .. } => out.push_str(alt),
            Block::Code(lines) => lines.iter().for_each(|l| {
                out.push_str(l);
                out.push(' ');
            }),
            Block::Quote(inner) => block_text(inner, out),
            Block::Rule => {}
        }
        out.push(' ');
    }
}

#[test]
fn every_character_of_the_bank_is_printed() {
    for content in banks() {
        let b = built(&content);
        let mut source = format!(
            "{} {} {} ",
            b.bank.title, b.bank.subtitle, b.bank.description
        );
        if let Some(intro) = &b.bank.intro {
            block_text(&markdown::parse(&intro.markdown), &mut source);
        }
        for section in &b.bank.sections {
            source.push_str(&section.title);
            source.push(' ');
        }
        for (_, q) in b.bank.questions() {
            source.push_str(&plain_title(&q.title));
            source.push(' ');
            for (_, part) in q.parts() {
                block_text(&markdown::parse(&part.markdown), &mut source);
            }
        }
        let printed: BTreeSet<char> = b.pages.concat().chars().collect();
        assert!(
            !printed.contains(&'\u{fffd}'),
            "replacement character in {}",
            content.display()
        );
        let missing: BTreeSet<char> = source
            .chars()
            .filter(|c| !c.is_whitespace() && !printed.contains(c))
            .collect();
        assert!(
            missing.is_empty(),
            "not in the text of {}: {missing:?}",
            content.display()
        );
        // No word is lost either (words longer than a line may be broken).
        let printed_words: BTreeSet<&str> =
            b.pages.iter().flat_map(|p| p.split_whitespace()).collect();
        let lost: BTreeSet<&str> = source
            .split_whitespace()
            .filter(|w| w.chars().count() <= 30 && !printed_words.contains(w))
            .collect();
        assert!(
            lost.is_empty(),
            "words missing from {}: {lost:?}",
            content.display()
        );
        // A word wider than a line is broken across lines, never dropped.
        let squeezed: String = b.pages.concat().split_whitespace().collect();
        for long in source.split_whitespace().filter(|w| w.chars().count() > 30) {
            assert!(
                squeezed.contains(long),
                "`{long}` is missing from {}",
                content.display()
            );
        }
    }
}

#[test]
fn no_heading_is_left_at_the_foot_of_a_page() {
    for content in banks() {
        let b = built(&content);
        let titles: BTreeSet<String> = b
            .bank
            .questions()
            .map(|(_, q)| plain_title(&q.title))
            .collect();
        let total = b.pages.len();
        for (i, page) in b.pages.iter().enumerate().skip(1) {
            let footer = format!("Page {} of {total}", i + 1);
            let lines: Vec<String> = page
                .lines()
                .map(norm)
                .filter(|l| !l.is_empty() && *l != footer)
                .collect();
            let Some(last) = lines.last() else { continue };
            let is_heading = ["PLAIN ENGLISH", "TECHNICAL DEPTH", "REAL-WORLD EXAMPLE"]
                .contains(&last.as_str())
                || last.starts_with("QUESTION ")
                || last.starts_with("SECTION ")
                || titles
                    .iter()
                    .any(|t| t.ends_with(last.as_str()) && last.len() > 8);
            assert!(
                !is_heading,
                "page {} of {} ends with the heading `{last}`",
                i + 1,
                content.display()
            );
        }
    }
}

fn text_string(o: &Object) -> String {
    let bytes = o.as_str().expect("a string");
    if bytes.starts_with(&[0xFE, 0xFF]) {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16(&units).unwrap()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

fn dest_page(pages: &BTreeMap<ObjectId, usize>, dest: &Object) -> usize {
    let arr = dest.as_array().expect("an explicit destination");
    pages[&arr[0].as_reference().unwrap()]
}

/// An outline entry: title, 0-based page, children (title, page).
type OutlineEntry = (String, usize, Vec<(String, usize)>);

/// The outline entries from `first` on.
fn outline_level(
    doc: &Document,
    pages: &BTreeMap<ObjectId, usize>,
    first: Option<ObjectId>,
) -> Vec<OutlineEntry> {
    let mut out = Vec::new();
    let mut cur = first;
    while let Some(id) = cur {
        let d = doc.get_dictionary(id).unwrap();
        let title = text_string(d.get(b"Title").unwrap());
        let page = dest_page(pages, d.get(b"Dest").unwrap());
        let kids = d.get(b"First").and_then(Object::as_reference).ok();
        let children = outline_level(doc, pages, kids)
            .into_iter()
            .map(|(t, p, _)| (t, p))
            .collect();
        out.push((title, page, children));
        cur = d.get(b"Next").and_then(Object::as_reference).ok();
    }
    out
}

#[test]
fn outline_and_contents_links_point_at_the_right_pages() {
    for content in banks() {
        let b = built(&content);
        let doc = Document::load(&b.pdf).unwrap();
        let pages: BTreeMap<ObjectId, usize> = doc
            .get_pages()
            .into_iter()
            .map(|(n, id)| (id, n as usize - 1))
            .collect();
        let catalog = doc.catalog().unwrap();
        let root = doc
            .get_dictionary(catalog.get(b"Outlines").unwrap().as_reference().unwrap())
            .unwrap();
        let outline = outline_level(
            &doc,
            &pages,
            root.get(b"First").and_then(Object::as_reference).ok(),
        );
        assert_eq!(
            outline.len(),
            b.bank.sections.len(),
            "sections in the outline of {}",
            content.display()
        );
        for ((title, page, children), section) in outline.iter().zip(&b.bank.sections) {
            assert_eq!(title, &section.heading());
            assert!(
                norm(&b.pages[*page]).contains(&format!("SECTION {}", section.letter)),
                "outline entry {title} points at page {}",
                page + 1
            );
            assert_eq!(children.len(), section.questions.len());
            for ((ctitle, cpage), q) in children.iter().zip(&section.questions) {
                assert_eq!(
                    norm(ctitle),
                    format!("{}. {}", q.number, plain_title(&q.title))
                );
                assert_eq!(
                    *cpage,
                    page_of_question(b, q.number, &q.title),
                    "outline entry {ctitle}"
                );
            }
        }
        // Every contents entry is a link to its page.
        let mut link_targets = BTreeSet::new();
        for (&page_id, &index) in &pages {
            if index == 0 || norm(&b.pages[index]).contains("SECTION A") {
                continue;
            }
            let page = doc.get_dictionary(page_id).unwrap();
            if let Ok(annots) = page.get(b"Annots").and_then(Object::as_array) {
                for a in annots {
                    let a = doc.get_dictionary(a.as_reference().unwrap()).unwrap();
                    assert_eq!(a.get(b"Subtype").unwrap().as_name().unwrap(), b"Link");
                    link_targets.insert(dest_page(&pages, a.get(b"Dest").unwrap()));
                }
            }
        }
        for (_, q) in b.bank.questions() {
            let p = page_of_question(b, q.number, &q.title);
            assert!(
                link_targets.contains(&p),
                "no contents link to page {} (question {})",
                p + 1,
                q.number
            );
        }
    }
}

#[test]
fn booklet_is_valid_small_and_has_subset_fonts() {
    for content in banks() {
        let b = built(&content);
        let check = run_tool("qpdf", &["--check", b.pdf.to_str().unwrap()]);
        assert!(
            check.status.success(),
            "qpdf --check: {}",
            String::from_utf8_lossy(&check.stdout)
        );
        let size = std::fs::metadata(&b.pdf).unwrap().len();
        assert!(size < 1_000_000, "{} is {size} bytes", b.pdf.display());
        let fonts = run_tool("pdffonts", &[b.pdf.to_str().unwrap()]);
        let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty());
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            // name type… encoding emb sub uni
            let n = cols.len();
            assert_eq!(
                &cols[n - 5..n - 2],
                &["yes", "yes", "yes"],
                "font not embedded+subset+unicode: {row}"
            );
        }
        let info = run_tool("pdfinfo", &[b.pdf.to_str().unwrap()]);
        let info = String::from_utf8_lossy(&info.stdout).into_owned();
        assert!(
            info.lines()
                .any(|l| l.starts_with("Title:") && l.contains(&b.bank.title)),
            "{info}"
        );
    }
}

#[test]
fn same_bank_gives_the_same_bytes() {
    let content = manifest("tests/fixtures/booklet");
    let (_a, first) = build(&content, "a4");
    let (_b, second) = build(&content, "a4");
    assert!(
        std::fs::read(&first).unwrap() == std::fs::read(&second).unwrap(),
        "two builds of the same bank differ"
    );
}

#[test]
fn every_paper_size_builds() {
    let content = manifest("tests/fixtures/booklet");
    let mut counts = BTreeMap::new();
    for (paper, w, h) in [
        ("a4", 595.28, 841.89),
        ("letter", 612.0, 792.0),
        ("a5", 419.53, 595.28),
    ] {
        let (_dir, pdf) = build(&content, paper);
        let check = run_tool("qpdf", &["--check", pdf.to_str().unwrap()]);
        assert!(check.status.success(), "{paper}: qpdf --check failed");
        let doc = Document::load(&pdf).unwrap();
        let first = *doc.get_pages().values().next().unwrap();
        let media = doc
            .get_dictionary(first)
            .unwrap()
            .get(b"MediaBox")
            .unwrap()
            .as_array()
            .unwrap()
            .clone();
        let num = |o: &Object| {
            o.as_f64()
                .or_else(|_| o.as_i64().map(|v| v as f64))
                .unwrap()
        };
        assert!(
            (num(&media[2]) - w).abs() < 1.0 && (num(&media[3]) - h).abs() < 1.0,
            "{paper}: {media:?}"
        );
        let pages = page_texts(&pdf);
        let n = pages.len();
        assert!(
            norm(&pages[n - 1]).contains(&format!("Page {n} of {n}")),
            "{paper}: footer of the last page"
        );
        counts.insert(paper, n);
    }
    assert!(counts["a5"] > counts["a4"], "{counts:?}");
}

#[test]
fn a_broken_figure_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_dir(&manifest("tests/fixtures/good"), &content);
    std::fs::write(content.join("media/loss-curves.svg"), "this is not an SVG").unwrap();
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_qbank"))
        .args(["build", "--format", "pdf", "--content"])
        .arg(&content)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("loss-curves.svg"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.join("fixture-bank.pdf").exists());
}

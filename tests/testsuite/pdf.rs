//! The printable booklet, checked the way a reader, a screen reader and a
//! PDF viewer see it: text and word boxes extracted with `pdftotext`
//! (poppler-utils), images listed with `pdfimages`, structure (outline, links,
//! tags, language) read with lopdf, validity checked with `qpdf --check`.
//!
//! Banks: the small fixture, the seven-section booklet fixture, and the real
//! `content/`, on A4, Letter and A5.

use crate::common;
use common::copy_dir;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
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

/// Whitespace collapsed and the invisible characters Typst adds dropped:
/// the break points after `_` and `/` in code (U+200B) and the word joiner
/// before a contents entry's page number (U+2060).
fn norm(s: &str) -> String {
    s.replace("\u{200b}\n", "")
        .replace(['\u{200b}', '\u{2060}'], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The printed words. Typst hyphenates justified text; `pdftotext` gives a
/// hyphenation point as a soft hyphen at the line end, and joins a word the
/// source itself hyphenates at a line end (`Cross-` + `validation`) into
/// `Crossvalidation`. Both are joined back here; see [`word_printed`].
fn printed_words(pages: &[String]) -> BTreeSet<String> {
    let text = pages
        .concat()
        .replace("\u{200b}\n", "\u{200b}")
        .replace("/\n", "/")
        .replace('\u{2060}', "")
        .replace("\u{ad}\n", "");
    let mut words: BTreeSet<String> = text
        .split_whitespace()
        .map(|w| w.replace(['-', '\u{200b}'], ""))
        .collect();
    // Code breaks after `_` and `/` (at U+200B); inside a table cell the rest
    // of the word may come out of pdftotext after another column's text, so
    // each piece is a printed word of its own too.
    words.extend(
        text.split(|c: char| c.is_whitespace() || c == '\u{200b}')
            .map(|w| w.replace('-', "")),
    );
    // A word hyphenated across a page turn: its second half is among the
    // first words of the next page (after the running head).
    for pair in pages.windows(2) {
        let stems = pair[0]
            .split_whitespace()
            .filter_map(|w| w.strip_suffix('\u{ad}'));
        for stem in stems {
            for next in pair[1].split_whitespace().take(20) {
                words.insert(format!("{stem}{next}").replace('-', ""));
            }
        }
    }
    words
}

/// Whether the source word `w` is among the printed words (hyphens aside).
/// A word with `_` or `/` may have been broken after them.
fn word_printed(words: &BTreeSet<String>, w: &str) -> bool {
    let w = w.replace('-', "");
    if words.contains(&w) {
        return true;
    }
    let pieces: Vec<&str> = w.split_inclusive(['_', '/']).collect();
    pieces.len() > 1 && pieces.iter().all(|p| words.contains(*p))
}

/// Text compared the way `pdftotext` gives it back: whitespace collapsed and
/// hyphens dropped (it joins a word hyphenated at a line end).
fn key(s: &str) -> String {
    norm(s).replace('-', "")
}

/// The section whose opener heads page `text`, if any.
fn starts_section<'a>(b: &'a Built, text: &str) -> Option<&'a qbank::model::Section> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    b.bank
        .sections
        .iter()
        .find(|s| norm(&s.heading()) == norm(first))
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
    let needle = key(&format!("Q{number} {}", plain_title(title)));
    let found: Vec<usize> = b
        .pages
        .iter()
        .enumerate()
        .skip(first_body_page(b))
        .filter(|(_, p)| key(p).contains(&needle))
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
            .position(|p| starts_section(b, p).is_some())
            .expect("a first section");
        let text = key(&b.pages[body_start..].join(" "));
        let mut pos = 0;
        for section in &b.bank.sections {
            let opener = key(&section.heading());
            let at = text[pos..].find(&opener).unwrap_or_else(|| {
                panic!(
                    "`{opener}` missing or out of order in {}",
                    content.display()
                )
            });
            pos += at + opener.len();
            for q in &section.questions {
                let heading = key(&format!("Q{} {}", q.number, plain_title(&q.title)));
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
    let text = String::from_utf8(out.stdout)
        .unwrap()
        .replace('\u{2060}', "");
    let mut entries = BTreeMap::new();
    let mut open: Option<u32> = None;
    let mut next = 1u32;
    for line in text.lines() {
        let trimmed = line.trim();
        let first = trimmed.split_whitespace().next().unwrap_or("");
        if next <= questions && first == format!("Q{next}") {
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

/// 0-based index of the first section's opening page.
fn first_body_page(b: &Built) -> usize {
    b.pages
        .iter()
        .position(|p| starts_section(b, p).is_some())
        .expect("a first section")
}

#[test]
fn contents_page_numbers_are_where_titles_are() {
    for content in banks() {
        let b = built(&content);
        let count = b.bank.question_count() as u32;
        let entries = contents_pages(&b.pdf, first_body_page(b), count);
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

/// Where [`block_text`] meets a cross-reference.
const XREF: char = '\u{1}';

fn block_text(blocks: &[Block], out: &mut String) {
    for b in blocks {
        match b {
            Block::Paragraph { spans } | Block::Heading { spans, .. } => {
                // A cross-reference prints "Qn, p. m" (tested on its own):
                // it stands in as XREF, and words holding it are not looked for.
                // A formula is typeset in math letters (tested on its own),
                // so it stands in as XREF too.
                for s in spans {
                    match (&s.xref, &s.math) {
                        (None, None) => out.push_str(&s.text),
                        _ => out.push(XREF),
                    }
                }
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
            Block::Code { lines } => lines.iter().for_each(|l| {
                out.push_str(l);
                out.push(' ');
            }),
            Block::Quote { blocks } => block_text(blocks, out),
            Block::Rule => {}
        }
        out.push(' ');
    }
}

/// Every text of the bank as the booklet should print it.
fn bank_text(bank: &Bank) -> String {
    let mut source = format!("{} {} {} ", bank.title, bank.subtitle, bank.description);
    if let Some(intro) = &bank.intro {
        block_text(&markdown::parse(&intro.markdown), &mut source);
    }
    for section in &bank.sections {
        source.push_str(&section.heading());
        source.push(' ');
    }
    for (_, q) in bank.questions() {
        source.push_str(&plain_title(&q.title));
        source.push(' ');
        for (_, part) in q.parts() {
            block_text(&markdown::parse(&part.markdown), &mut source);
        }
    }
    // The word joiner that holds a range together (`7–⁠30`) is not printed.
    source.replace('\u{2060}', "")
}

#[test]
fn every_character_of_the_bank_is_printed() {
    for content in banks() {
        let b = built(&content);
        let source = bank_text(&b.bank);
        let printed: BTreeSet<char> = b.pages.concat().chars().collect();
        assert!(
            !printed.contains(&'\u{fffd}'),
            "replacement character in {}",
            content.display()
        );
        let missing: BTreeSet<char> = source
            .chars()
            .filter(|c| !c.is_whitespace() && *c != XREF && !printed.contains(c))
            .collect();
        assert!(
            missing.is_empty(),
            "not in the text of {}: {missing:?}",
            content.display()
        );
        // No word is lost either (words longer than a line may be broken).
        let words = printed_words(&b.pages);
        let lost: BTreeSet<&str> = source
            .split_whitespace()
            .filter(|w| !w.contains(XREF))
            .filter(|w| w.chars().count() <= 30 && !word_printed(&words, w))
            .collect();
        assert!(
            lost.is_empty(),
            "words missing from {}: {lost:?}",
            content.display()
        );
        // A word wider than a line is broken across lines, never dropped.
        let squeezed: String = norm(&b.pages.concat().replace("\u{ad}\n", ""))
            .split_whitespace()
            .collect();
        for long in source.split_whitespace().filter(|w| w.chars().count() > 30) {
            assert!(
                squeezed.contains(long) || squeezed.contains(&long.replace('-', "")),
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
            .map(|(_, q)| format!("Q{} {}", q.number, plain_title(&q.title)))
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
            let is_heading = ["Plain English", "Technical depth", "Real-world example"]
                .contains(&last.as_str())
                || b.bank.sections.iter().any(|s| norm(&s.heading()) == *last)
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

/// Follow a reference, or take the object itself.
fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap(),
        other => other,
    }
}

/// The 0-based page an outline item or link annotation goes to: an explicit
/// `/Dest`, a named one, or a `GoTo` action.
fn target_page(doc: &Document, pages: &BTreeMap<ObjectId, usize>, d: &lopdf::Dictionary) -> usize {
    let dest = match d.get(b"Dest") {
        Ok(dest) => resolve(doc, dest),
        Err(_) => {
            let action = resolve(doc, d.get(b"A").expect("a /Dest or an /A action"))
                .as_dict()
                .unwrap();
            resolve(doc, action.get(b"D").unwrap())
        }
    };
    let dest = match dest {
        Object::String(..) | Object::Name(..) => named_dest(doc, dest),
        other => other.clone(),
    };
    let dest = match &dest {
        Object::Dictionary(d) => d.get(b"D").unwrap().clone(),
        other => other.clone(),
    };
    let arr = dest.as_array().expect("an explicit destination");
    pages[&arr[0].as_reference().unwrap()]
}

/// Look a named destination up in the catalog's `/Names /Dests` tree or `/Dests`.
fn named_dest(doc: &Document, name: &Object) -> Object {
    let key: Vec<u8> = match name {
        Object::String(b, _) => b.clone(),
        Object::Name(b) => b.clone(),
        _ => unreachable!(),
    };
    let catalog = doc.catalog().unwrap();
    fn walk(doc: &Document, node: &lopdf::Dictionary, key: &[u8]) -> Option<Object> {
        if let Ok(names) = node.get(b"Names").and_then(Object::as_array) {
            for pair in names.chunks(2) {
                if pair[0].as_str().ok() == Some(key) {
                    return Some(resolve(doc, &pair[1]).clone());
                }
            }
        }
        if let Ok(kids) = node.get(b"Kids").and_then(Object::as_array) {
            for kid in kids {
                let kid = resolve(doc, kid).as_dict().ok()?;
                if let Some(found) = walk(doc, kid, key) {
                    return Some(found);
                }
            }
        }
        None
    }
    if let Ok(names) = catalog.get(b"Names") {
        let names = resolve(doc, names).as_dict().unwrap();
        if let Ok(dests) = names.get(b"Dests") {
            let dests = resolve(doc, dests).as_dict().unwrap();
            if let Some(found) = walk(doc, dests, &key) {
                return found;
            }
        }
    }
    let dests = resolve(doc, catalog.get(b"Dests").expect("named destinations"))
        .as_dict()
        .unwrap();
    resolve(doc, dests.get(&key).unwrap()).clone()
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
        let page = target_page(doc, pages, d);
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

fn page_ids(doc: &Document) -> BTreeMap<ObjectId, usize> {
    doc.get_pages()
        .into_iter()
        .map(|(n, id)| (id, n as usize - 1))
        .collect()
}

#[test]
fn outline_and_contents_links_point_at_the_right_pages() {
    for content in banks() {
        let b = built(&content);
        let doc = Document::load(&b.pdf).unwrap();
        let pages = page_ids(&doc);
        let catalog = doc.catalog().unwrap();
        let root = resolve(&doc, catalog.get(b"Outlines").unwrap())
            .as_dict()
            .unwrap();
        let outline = outline_level(
            &doc,
            &pages,
            root.get(b"First").and_then(Object::as_reference).ok(),
        );
        // Introduction and contents first, then one entry per section.
        let names: Vec<&str> = outline.iter().map(|(t, _, _)| t.as_str()).collect();
        let front = if b.bank.intro.is_some() {
            vec!["Introduction", "Contents"]
        } else {
            vec!["Contents"]
        };
        assert_eq!(names[..front.len()], front[..], "{}", content.display());
        let contents_page = outline[front.len() - 1].1;
        assert!(norm(&b.pages[contents_page]).starts_with("Contents"));
        let sections = &outline[front.len()..];
        assert_eq!(
            sections.len(),
            b.bank.sections.len(),
            "sections in the outline of {}",
            content.display()
        );
        for ((title, page, children), section) in sections.iter().zip(&b.bank.sections) {
            assert_eq!(title, &section.heading());
            assert_eq!(
                starts_section(b, &b.pages[*page]).map(|s| &s.id),
                Some(&section.id),
                "outline entry {title} points at page {}",
                page + 1
            );
            assert_eq!(children.len(), section.questions.len());
            for ((ctitle, cpage), q) in children.iter().zip(&section.questions) {
                assert_eq!(
                    norm(ctitle),
                    format!("Q{} {}", q.number, plain_title(&q.title))
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
            if index < contents_page || index >= first_body_page(b) {
                continue;
            }
            let page = doc.get_dictionary(page_id).unwrap();
            if let Ok(annots) = page.get(b"Annots") {
                for a in resolve(&doc, annots).as_array().unwrap() {
                    let a = resolve(&doc, a).as_dict().unwrap();
                    assert_eq!(a.get(b"Subtype").unwrap().as_name().unwrap(), b"Link");
                    link_targets.insert(target_page(&doc, &pages, a));
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
            assert!(row.contains("DejaVu"), "a font that is not bundled: {row}");
        }
    }
}

/// `pdfinfo`'s `Key: value` lines.
fn pdfinfo(pdf: &Path) -> BTreeMap<String, String> {
    let info = run_tool("pdfinfo", &[pdf.to_str().unwrap()]);
    String::from_utf8_lossy(&info.stdout)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

#[test]
fn booklet_is_tagged_with_language_title_and_subject() {
    for content in banks() {
        let b = built(&content);
        let info = pdfinfo(&b.pdf);
        assert_eq!(info["Tagged"], "yes", "{}", content.display());
        assert_eq!(info["Title"], b.bank.title);
        assert_eq!(info["Subject"], b.bank.subtitle);
        let doc = Document::load(&b.pdf).unwrap();
        let catalog = doc.catalog().unwrap();
        let lang = text_string(catalog.get(b"Lang").expect("a document language"));
        assert_eq!(lang, "en");
        assert!(catalog.get(b"StructTreeRoot").is_ok());
        // PDF/UA-1 is declared in the XMP metadata.
        let meta = resolve(&doc, catalog.get(b"Metadata").unwrap())
            .as_stream()
            .unwrap();
        let xmp = String::from_utf8_lossy(&meta.content);
        assert!(xmp.contains("pdfuaid:part"), "no PDF/UA identification");
    }
}

/// The alternative text of every structure element of type `tag`
/// (`b"Figure"`, `b"Formula"`), in reading order.
fn alt_texts(doc: &Document, tag: &[u8]) -> Vec<String> {
    fn walk(doc: &Document, o: &Object, tag: &[u8], out: &mut Vec<String>) {
        match resolve(doc, o) {
            Object::Dictionary(d) => {
                if d.get(b"S").and_then(Object::as_name).ok() == Some(tag) {
                    out.push(d.get(b"Alt").map(text_string).unwrap_or_default());
                }
                if let Ok(k) = d.get(b"K") {
                    walk(doc, k, tag, out);
                }
            }
            Object::Array(items) => items.iter().for_each(|i| walk(doc, i, tag, out)),
            _ => {}
        }
    }
    let catalog = doc.catalog().unwrap();
    let root = resolve(doc, catalog.get(b"StructTreeRoot").unwrap());
    let mut out = Vec::new();
    walk(doc, root, tag, &mut out);
    out
}

/// The formulas a bank shows (their LaTeX), in reading order.
fn bank_formulas(bank: &Bank) -> Vec<String> {
    fn spans(spans: &[markdown::Span], out: &mut Vec<String>) {
        out.extend(
            spans
                .iter()
                .filter_map(|s| s.math.as_ref().map(|f| f.tex.clone())),
        );
    }
    fn walk(blocks: &[Block], out: &mut Vec<String>) {
        for b in blocks {
            match b {
                Block::Paragraph { spans: s } | Block::Heading { spans: s, .. } => spans(s, out),
                Block::List { items, .. } => items.iter().for_each(|i| walk(i, out)),
                Block::Table { header, rows, .. } => {
                    for cell in header.iter().chain(rows.iter().flatten()) {
                        spans(cell, out);
                    }
                }
                Block::Quote { blocks } => walk(blocks, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    if let Some(intro) = &bank.intro {
        walk(&markdown::parse(&intro.markdown), &mut out);
    }
    for (_, q) in bank.questions() {
        for (_, part) in q.parts() {
            walk(&markdown::parse(&part.markdown), &mut out);
        }
    }
    out
}

/// Every formula is typeset as math: a `/Formula` element whose alternative
/// text (what a screen reader reads) is its LaTeX, set in the embedded math
/// font; no `$` pair or LaTeX command is left in the printed text, and
/// prices written `\$` print as prices.
#[test]
fn formulas_are_typeset_in_the_math_font_with_their_latex_as_alt_text() {
    for content in [manifest("tests/fixtures/good"), manifest("content")] {
        let b = built(&content);
        let expected = bank_formulas(&b.bank);
        assert!(
            expected.len() >= 2,
            "{} has formulas: {expected:?}",
            content.display()
        );
        let doc = Document::load(&b.pdf).unwrap();
        assert_eq!(
            alt_texts(&doc, b"Formula"),
            expected,
            "{}",
            content.display()
        );
        let fonts =
            String::from_utf8(run_tool("pdffonts", &[b.pdf.to_str().unwrap()]).stdout).unwrap();
        assert!(
            fonts
                .lines()
                .any(|l| l.contains("TeXGyreDejaVuMath") && l.contains(" yes yes ")),
            "the math font is embedded as a subset: {fonts}"
        );
        let printed = b.pages.concat();
        let latex_command = printed
            .split('\\')
            .skip(1)
            .find(|rest| rest.starts_with(|c: char| c.is_ascii_alphabetic()));
        assert_eq!(
            latex_command,
            None,
            "a LaTeX command printed in {}",
            content.display()
        );
        // Every `$` printed is one the bank's text holds (a price), none is
        // left of a formula.
        let text_dollars = bank_text(&b.bank).matches('$').count();
        assert_eq!(
            printed.matches('$').count(),
            text_dollars,
            "{}",
            content.display()
        );
        // Math letters are printed in the math font's italic (𝑥, not x).
        assert!(
            printed.contains('\u{1D466}'),
            "italic y in {}",
            content.display()
        );
    }
    let fixture = built(&manifest("tests/fixtures/good"));
    let printed = norm(&fixture.pages.concat());
    assert!(
        printed.contains("under $1 per $1,000 of compute"),
        "{printed}"
    );
}

/// The figures a bank shows, as (alt text, reference), in reading order.
fn bank_figures(bank: &Bank) -> Vec<(String, String)> {
    fn walk(blocks: &[Block], out: &mut Vec<(String, String)>) {
        for b in blocks {
            match b {
                Block::Figure { alt, reference } => out.push((alt.clone(), reference.clone())),
                Block::List { items, .. } => items.iter().for_each(|i| walk(i, out)),
                Block::Quote { blocks } => walk(blocks, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for (_, q) in bank.questions() {
        for (_, part) in q.parts() {
            walk(&markdown::parse(&part.markdown), &mut out);
        }
    }
    out
}

#[test]
fn every_figure_is_a_vector_drawing_with_its_alt_text() {
    for content in banks() {
        let b = built(&content);
        let doc = Document::load(&b.pdf).unwrap();
        let alts = alt_texts(&doc, b"Figure");
        let figures = bank_figures(&b.bank);
        let expected: Vec<String> = figures.iter().map(|(alt, _)| alt.clone()).collect();
        assert_eq!(alts, expected, "figure alt texts in {}", content.display());
        // The caption is printed too (compared without spaces and hyphens,
        // which line breaks move).
        let squeeze = |s: &str| -> String {
            s.replace("\u{ad}\n", "")
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect()
        };
        let text = squeeze(&b.pages.concat());
        for alt in &expected {
            assert!(text.contains(&squeeze(alt)), "caption `{alt}` not printed");
        }
        // No raster image: SVG figures stay vectors.
        let list = run_tool("pdfimages", &["-list", b.pdf.to_str().unwrap()]);
        let rows = String::from_utf8_lossy(&list.stdout).lines().count();
        assert_eq!(rows, 2, "raster images in {}", b.pdf.display());
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

const PAPERS: [(&str, f64, f64); 3] = [
    ("a4", 595.28, 841.89),
    ("letter", 612.0, 792.0),
    ("a5", 419.53, 595.28),
];

#[test]
fn every_paper_size_builds() {
    let content = manifest("tests/fixtures/booklet");
    let mut counts = BTreeMap::new();
    for (paper, w, h) in PAPERS {
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
            o.as_float()
                .map(f64::from)
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

/// A word on a page, from `pdftotext -bbox-layout`: its box in points.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    x_min: f64,
    y_min: f64,
    x_max: f64,
    y_max: f64,
}

/// Each page's size and words.
fn page_words(pdf: &Path) -> Vec<((f64, f64), Vec<Word>)> {
    let out = run_tool("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let html = String::from_utf8(out.stdout).unwrap();
    let attr = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].parse().unwrap()
    };
    let mut pages = Vec::new();
    for chunk in html.split("<page ").skip(1) {
        let head = &chunk[..chunk.find('>').unwrap()];
        let size = (attr(head, "width"), attr(head, "height"));
        let mut words = Vec::new();
        for w in chunk.split("<word ").skip(1) {
            let tag = &w[..w.find('>').unwrap()];
            let text = &w[w.find('>').unwrap() + 1..w.find("</word>").unwrap()];
            words.push(Word {
                text: text
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">"),
                x_min: attr(tag, "xMin"),
                y_min: attr(tag, "yMin"),
                x_max: attr(tag, "xMax"),
                y_max: attr(tag, "yMax"),
            });
        }
        pages.push((size, words));
    }
    pages
}

/// Build the real bank on every paper size once.
fn real_booklets() -> &'static Vec<(&'static str, tempfile::TempDir, PathBuf)> {
    static BUILT: OnceLock<Vec<(&'static str, tempfile::TempDir, PathBuf)>> = OnceLock::new();
    BUILT.get_or_init(|| {
        PAPERS
            .iter()
            .map(|(paper, _, _)| {
                let (dir, pdf) = build(&manifest("content"), paper);
                (*paper, dir, pdf)
            })
            .collect()
    })
}

/// The text block of a page: (top, bottom) in points, the foot line excluded.
fn text_block(words: &[Word], height: f64) -> Option<(f64, f64)> {
    let body: Vec<&Word> = words
        .iter()
        .filter(|w| w.y_min > 0.05 * height && w.y_max < 0.94 * height)
        .collect();
    let top = body.iter().map(|w| w.y_min).fold(f64::MAX, f64::min);
    let bottom = body.iter().map(|w| w.y_max).fold(0.0, f64::max);
    (!body.is_empty()).then_some((top, bottom))
}

/// How much of a body page's text block may stay empty, per paper: 15 % on
/// A4 and Letter. A5's text block holds about 40 lines of 9 pt, and a
/// question's opening (title, label and the first lines of its first box,
/// which never split) takes up to a fifth of it, so A5 is allowed 25 %.
fn blank_limit(paper: &str) -> f64 {
    if paper == "a5" {
        0.25
    } else {
        0.15
    }
}

#[test]
fn no_body_page_is_left_more_than_15_percent_empty() {
    let bank = load(&manifest("content"));
    for (paper, _dir, pdf) in real_booklets() {
        let pages = page_words(pdf);
        let texts = page_texts(pdf);
        let starts_section = |i: usize| {
            texts.get(i).is_some_and(|t| {
                let first = t.lines().map(str::trim).find(|l| !l.is_empty());
                first.is_some_and(|f| {
                    f == "Contents" || bank.sections.iter().any(|s| norm(&s.heading()) == norm(f))
                })
            })
        };
        // The text block's extent, from the fullest pages.
        let blocks: Vec<(f64, f64)> = pages
            .iter()
            .filter_map(|((_, h), words)| text_block(words, *h))
            .collect();
        let top = blocks.iter().map(|b| b.0).fold(f64::MAX, f64::min);
        let bottom = blocks.iter().map(|b| b.1).fold(0.0, f64::max);
        let first_body = (0..texts.len())
            .find(|&i| starts_section(i) && i > 2)
            .unwrap();
        let mut report = Vec::new();
        let last_page = pages.len() - 1;
        for (i, ((_, h), words)) in pages.iter().enumerate().take(last_page).skip(first_body) {
            if starts_section(i + 1) {
                continue;
            }
            let Some((_, last)) = text_block(words, *h) else {
                report.push(format!("page {} is empty", i + 1));
                continue;
            };
            let empty = (bottom - last) / (bottom - top);
            if empty > blank_limit(paper) {
                report.push(format!("page {}: {:.0} % empty", i + 1, empty * 100.0));
            }
        }
        assert!(report.is_empty(), "{paper}: {report:?}");
    }
}

#[test]
fn text_stays_inside_the_margins_on_every_paper() {
    for (paper, _dir, pdf) in real_booklets() {
        for (i, ((width, _), words)) in page_words(pdf).iter().enumerate() {
            assert_inside_margins(words, *width, &format!("{paper}, page {}", i + 1));
        }
    }
}

#[test]
fn text_inside_figures_is_at_least_7_points_on_a5() {
    // The labels the figures draw, read from their SVG source.
    let media = manifest("content/media");
    let mut labels = BTreeSet::new();
    for entry in std::fs::read_dir(&media).unwrap() {
        let svg = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for piece in svg.split("<text").skip(1) {
            let body = &piece[piece.find('>').unwrap() + 1..piece.find("</text>").unwrap()];
            for word in body.split_whitespace() {
                if word.chars().count() >= 4 && word.chars().all(char::is_alphabetic) {
                    labels.insert(word.to_string());
                }
            }
        }
    }
    // Only words that the bank's text never uses, so that every word measured
    // is one drawn inside a figure.
    let bank = bank_text(&load(&manifest("content")));
    let bank_words: BTreeSet<&str> = bank
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    labels.retain(|l| !bank_words.contains(l.as_str()));
    assert!(labels.len() >= 8, "{labels:?}");
    let (_, _dir, pdf) = &real_booklets()[2];
    let mut seen = 0;
    for (_, words) in page_words(pdf) {
        for w in words.iter().filter(|w| labels.contains(&w.text)) {
            seen += 1;
            // A word's box is about 1.16 × the font size for DejaVu Sans.
            let size = (w.y_max - w.y_min) / 1.164;
            assert!(size >= 6.95, "`{}` is set at {size:.1} pt on A5", w.text);
        }
    }
    assert!(seen >= 8, "figure labels found on A5: {seen}");
}

/// Copy the small fixture into a temporary folder.
fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_dir(&manifest("tests/fixtures/good"), &content);
    (dir, content)
}

fn run_build(content: &Path, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qbank"))
        .args(["build", "--format", "pdf", "--content"])
        .arg(content)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn typst_markup_in_the_bank_prints_literally() {
    let (dir, content) = fixture_copy();
    let file = content.join("a-basics/01-overfitting.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let plain = [
        r#"#read("/etc/passwd")"#,
        r#"#include "x.typ""#,
        "@ref",
        "// comment",
        "/* open",
        "#[raw]",
    ];
    let probes = [
        r#"#read("/etc/passwd")"#,
        r#"#include "x.typ""#,
        "$x^2$",
        "@ref",
        "<label>",
        r"back\slash",
        "//comment",
        "/*open",
        "#image(\"/media/loss-curves.svg\")",
    ];
    let injected = format!(
        "Literal: {}\n\nAlso `#set page(width: 1cm)` and `*x* _y_`.\n\nPlain: {} \\$x\\$ \\$#sys.inputs\\$",
        probes.map(|p| format!("`{p}`")).join(" "),
        plain.join(" ")
    );
    let text = text.replacen(
        "## Real-world example\n",
        &format!("## Real-world example\n\n{injected}\n"),
        1,
    );
    std::fs::write(&file, text).unwrap();
    let (_out, pdf) = build(&content, "a4");
    let printed = norm(&page_texts(&pdf).concat());
    for probe in probes.iter().chain(&plain).chain(&[
        "#set page(width: 1cm)",
        "*x* _y_",
        "$x$",
        "$#sys.inputs$",
    ]) {
        assert!(
            printed.contains(probe),
            "`{probe}` is not printed as written"
        );
    }
    assert!(
        !printed.contains("root:x:0:0"),
        "a file outside the bank was read"
    );
    drop(dir);
}

#[test]
fn a_theme_override_sets_the_booklet_and_its_errors_name_its_line() {
    let (dir, content) = fixture_copy();
    std::fs::create_dir(content.join("theme")).unwrap();
    let theme = content.join("theme/booklet.typ");
    std::fs::write(
        &theme,
        "#let data = json(\"/data.json\")\n#set document(title: data.title)\n#set text(lang: \"en\")\n= Our own design\n#for s in data.sections [ #heading(level: 2, s.heading) ]\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = run_build(&content, &out);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = norm(&page_texts(&out.join("fixture-bank.pdf")).concat());
    assert!(
        text.contains("Our own design") && text.contains("B. Models"),
        "{text}"
    );

    // A Typst error in the theme: its file and line, exit 1, no booklet.
    std::fs::write(
        &theme,
        "#let data = json(\"/data.json\")\n\n#undefined-function(data)\n",
    )
    .unwrap();
    let out = dir.path().join("out2");
    let output = run_build(&content, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:3: error:", theme.display())),
        "{stderr}"
    );
    assert!(!out.join("fixture-bank.pdf").exists());

    // A theme may not read files outside what the booklet serves.
    std::fs::write(&theme, "#read(\"/etc/passwd\")\n").unwrap();
    let output = run_build(&content, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(":1: error:"), "{stderr}");
    assert!(!out.join("fixture-bank.pdf").exists());
}

#[test]
fn a_broken_figure_is_a_clear_error() {
    let (dir, content) = fixture_copy();
    std::fs::write(content.join("media/loss-curves.svg"), "this is not an SVG").unwrap();
    let out = dir.path().join("out");
    let output = run_build(&content, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("loss-curves.svg"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.join("fixture-bank.pdf").exists());
}

/// The widest tables `check` lets through (eight columns of long words, and
/// six of ordinary ones) fit A5's text block: no word past the margins, no
/// two words printed over each other, every word there (hyphenated or not).
#[test]
fn the_widest_tables_fit_a5_without_overprinting() {
    let long = [
        "regularisation",
        "hyperparameter",
        "crossvalidation",
        "interpretability",
        "calibration",
        "embeddings",
        "throughput",
        "observability",
    ];
    assert_eq!(long.len(), qbank::check::MAX_TABLE_COLUMNS);
    let row = |cells: &[&str]| format!("| {} |\n", cells.join(" | "));
    let ordinary = ["ordinary words here"; 6];
    let tables = format!(
        "{}{}{}\n{}{}{}",
        row(&["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]),
        row(&["---"; 6]),
        row(&ordinary),
        row(&long),
        row(&["---"; 8]),
        row(&long.iter().rev().copied().collect::<Vec<_>>()),
    );
    let (_tmp, content) = fixture_copy();
    let file = content.join("b-models/01-linear-regression.md");
    let source = fs::read_to_string(&file).unwrap();
    let marker = "It draws the straight line that best fits the points.";
    assert!(source.contains(marker));
    fs::write(
        &file,
        source.replace(marker, &format!("{marker}\n\n{tables}")),
    )
    .unwrap();

    let (_out, pdf) = build(&content, "a5");
    let pages = page_words(&pdf);
    let (width, words) = pages
        .iter()
        .find(|(_, words)| words.iter().any(|w| w.text == "foxtrot"))
        .map(|((w, _), words)| (*w, words))
        .expect("the tables are printed");
    assert_inside_margins(words, width, "A5, the tables' page");
    assert_nothing_overprinted(words);
    // A hyphenated word comes back as its pieces, one under the other in its
    // cell, each but the last ending in a hyphen (a soft one, U+00AD, in
    // the extracted text): rejoin each column top to bottom.
    let mut columns: BTreeMap<i64, Vec<&Word>> = BTreeMap::new();
    for w in words {
        columns.entry(w.x_min.round() as i64).or_default().push(w);
    }
    let mut rejoined = String::new();
    for column in columns.values_mut() {
        column.sort_by(|a, b| a.y_min.total_cmp(&b.y_min));
        for w in column.iter() {
            match w.text.strip_suffix(['-', '\u{ad}']) {
                Some(piece) => rejoined.push_str(piece),
                None => {
                    rejoined.push_str(&w.text);
                    rejoined.push(' ');
                }
            }
        }
    }
    for word in long {
        assert!(
            rejoined.split(' ').filter(|w| *w == word).count() == 2,
            "`{word}` is not printed twice (header and row): {rejoined}"
        );
    }
    assert_eq!(
        words.iter().filter(|w| w.text == "ordinary").count(),
        6,
        "the six ordinary cells"
    );
}

/// Mirrored margins: no word of a page comes closer than 12 mm to an edge.
fn assert_inside_margins(words: &[Word], width: f64, page: &str) {
    let edge = 12.0 * 72.0 / 25.4;
    for w in words {
        assert!(
            w.x_min >= edge - 0.5 && w.x_max <= width - edge + 0.5,
            "{page}: `{}` at x {:.1}–{:.1} of {width:.0}",
            w.text,
            w.x_min,
            w.x_max
        );
    }
}

/// No two words of a page are printed over each other.
fn assert_nothing_overprinted(words: &[Word]) {
    for (i, a) in words.iter().enumerate() {
        for b in &words[i + 1..] {
            let across = a.x_max.min(b.x_max) - a.x_min.max(b.x_min);
            let down = a.y_max.min(b.y_max) - a.y_min.max(b.y_min);
            assert!(
                across <= 0.5 || down <= 0.5,
                "`{}` and `{}` are printed over each other",
                a.text,
                b.text
            );
        }
    }
}

/// A figure far taller than a page, with the longest caption `check` allows,
/// shrinks onto one A5 page with its caption: its top and bottom labels are
/// printed inside the text block, under the running head.
#[test]
fn a_figure_taller_than_the_page_shrinks_to_fit_with_its_caption() {
    let (_tmp, content) = fixture_copy();
    fs::write(
        content.join("media/loss-curves.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="540" height="2400" viewBox="0 0 540 2400"><rect x="10" y="10" width="520" height="2380" fill="#eef" stroke="#333"/><text x="40" y="60" font-size="20" font-family="DejaVu Sans">topmost</text><text x="40" y="2380" font-size="20" font-family="DejaVu Sans">lowest</text></svg>"##,
    )
    .unwrap();
    let file = content.join("a-basics/01-overfitting.md");
    let source = fs::read_to_string(&file).unwrap();
    let alt = "Training and validation loss diverging over many epochs. "
        .repeat(20)
        .chars()
        .take(qbank::check::MAX_ALT_CHARS)
        .collect::<String>();
    let alt = alt.trim_end();
    let figure = "![Training and validation loss diverging]";
    assert!(source.contains(figure));
    fs::write(&file, source.replace(figure, &format!("![{alt}]"))).unwrap();

    let (_out, pdf) = build(&content, "a5");
    let pages = page_words(&pdf);
    let page = pages
        .iter()
        .position(|(_, words)| words.iter().any(|w| w.text == "topmost"))
        .expect("the figure is printed");
    let ((_, height), words) = &pages[page];
    let label = |text: &str| words.iter().find(|w| w.text == text);
    let (top, bottom) = (label("topmost").unwrap(), label("lowest"));
    let bottom = bottom.expect("the figure's foot is on the same page as its head");
    // A5: 18 mm margins top and bottom; the running head sits in the top one.
    let margin = 18.0 * 72.0 / 25.4;
    assert!(
        top.y_min > margin,
        "the figure runs into the top margin: {:.1}",
        top.y_min
    );
    assert!(
        bottom.y_max < height - margin,
        "the figure runs into the bottom margin"
    );
    assert!(
        words.iter().any(|w| w.text == "Figure"),
        "the caption is on the figure's page"
    );
    for (_, words) in &pages {
        assert_nothing_overprinted(words);
    }
}

/// The intro's cross-references (`[](#id)`) print "Qn, p. m" for the
/// question with that id, and m is the page its heading is on; the intro
/// keeps no literal question number.
#[test]
fn cross_references_print_the_question_number_and_its_page() {
    let b = built(&manifest("content"));
    let intro = &b
        .bank
        .intro
        .as_ref()
        .expect("the real bank has an intro")
        .markdown;
    assert!(
        !intro
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w.len() > 1
                && w.starts_with('Q')
                && w[1..].chars().all(|c| c.is_ascii_digit())),
        "a literal question number is left in intro.md"
    );
    let ids: Vec<&str> = intro
        .split("](#")
        .skip(1)
        .map(|rest| &rest[..rest.find(')').unwrap()])
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    let printed: String = b.pages[..first_body_page(b)]
        .join(" ")
        .replace('\u{a0}', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for id in ids {
        let (number, question) = b
            .bank
            .questions()
            .enumerate()
            .find(|(_, (_, q))| q.id == id)
            .map(|(i, (_, q))| (i as u32 + 1, q))
            .unwrap_or_else(|| panic!("no question `{id}`"));
        let page = page_of_question(b, number, &question.title) + 1;
        let mark = format!("(Q{number}, p. {page})");
        assert!(
            printed.contains(&mark),
            "`{mark}` for `{id}` not in the intro: {printed}"
        );
    }
}

//! The bank's figures: the files in `content/media/` are exactly what the
//! generator (`cargo run --example figures`) draws, regenerating gives the
//! same bytes, the deck ships every referenced figure and nothing else, and
//! editing a figure changes exactly the notes that show it.

use crate::common;
use common::copy_dir;

use crate::catalogue;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use qbank::anki::note::NoteContent;

fn media() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content/media")
}

#[test]
fn media_figures_match_the_generator_byte_for_byte() {
    let figures = catalogue::all();
    assert!(figures.len() >= 8, "only {} figures", figures.len());
    for figure in &figures {
        let path = media().join(figure.file);
        let on_disk = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        assert!(
            on_disk == figure.svg,
            "{} is out of date: run `cargo run --example figures`",
            figure.file
        );
    }
}

#[test]
fn generating_twice_gives_identical_bytes() {
    let first: Vec<String> = catalogue::all().into_iter().map(|f| f.svg).collect();
    let second: Vec<String> = catalogue::all().into_iter().map(|f| f.svg).collect();
    assert!(first == second, "the generator is not deterministic");
}

#[test]
fn every_svg_in_media_comes_from_the_generator() {
    let generated: BTreeSet<String> = catalogue::all()
        .into_iter()
        .map(|f| f.file.to_string())
        .collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(media())
        .expect("content/media exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".svg"))
        .collect();
    assert_eq!(on_disk, generated);
}

#[test]
fn figure_text_is_dejavu_sans_and_large_enough_for_a_phone() {
    // A card is about 320 px wide on a phone; the figures are 540 units
    // wide, so 17 units is the smallest size that stays near 10 px.
    for figure in catalogue::all() {
        for piece in figure.svg.split("<text ").skip(1) {
            assert!(
                piece.contains(r#"font-family="DejaVu Sans,"#),
                "{}: text without the bundled family: {piece}",
                figure.file
            );
            let size: f64 = piece
                .split("font-size=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{}: text without a size: {piece}", figure.file));
            assert!(
                size >= 17.0,
                "{}: text at {size} is too small: {piece}",
                figure.file
            );
        }
    }
}

// ---------------------------------------------------------------- the deck

/// A copy of the real bank to build from, so the committed lock is untouched.
fn bank_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content"),
        &content,
    );
    (dir, content)
}

/// `qbank build --format apkg`; returns the summary line.
fn build_deck(content: &Path, out: &Path, epoch: &str) -> String {
    let run = Command::new(env!("CARGO_BIN_EXE_qbank"))
        .args(["build", "--format", "apkg", "--content"])
        .arg(content)
        .arg("--out")
        .arg(out)
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .expect("run qbank build");
    assert!(
        run.status.success(),
        "qbank build failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout).unwrap().trim().to_string()
}

/// Each note's content hash in `bank.lock`, by question id.
fn lock_hashes(content: &Path) -> BTreeMap<String, String> {
    let lock: toml::Value = fs::read_to_string(content.join("bank.lock"))
        .unwrap()
        .parse()
        .unwrap();
    lock["notes"]
        .as_table()
        .expect("[notes] in bank.lock")
        .iter()
        .map(|(id, note)| (id.clone(), note["hash"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn the_deck_ships_every_referenced_figure_and_nothing_else() {
    let (dir, content) = bank_copy();
    let out = dir.path().join("out");
    build_deck(&content, &out, "1790000000");
    let (bank, _) = qbank::check::load_and_check(&content);
    let bank = bank.expect("the bank loads");

    // What the notes reference, under their hashed names.
    let mut expected: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (section, question) in bank.questions() {
        for figure in NoteContent::build(&bank, section, question).unwrap().media {
            expected.insert(figure.name, figure.bytes.to_vec());
        }
    }
    // Every figure in content/media/ is referenced, so all of them ship.
    let on_disk: BTreeSet<String> = fs::read_dir(content.join("media"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let shipped_stems: BTreeSet<String> = expected
        .keys()
        .map(|name| {
            let (stem, _) = name.rsplit_once('-').unwrap();
            format!("{stem}.svg")
        })
        .collect();
    assert_eq!(shipped_stems, on_disk);

    // The package's media map: number -> name, each number a zip entry.
    let apkg = fs::File::open(out.join(format!("{}.apkg", bank.id))).unwrap();
    let mut zip = zip::ZipArchive::new(apkg).unwrap();
    let mut map_text = String::new();
    zip.by_name("media")
        .unwrap()
        .read_to_string(&mut map_text)
        .unwrap();
    let map: BTreeMap<String, String> = serde_json::from_str(&map_text).unwrap();
    let mut shipped: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (number, name) in &map {
        let mut bytes = Vec::new();
        zip.by_name(number)
            .unwrap_or_else(|e| panic!("media entry {number} ({name}) missing: {e}"))
            .read_to_end(&mut bytes)
            .unwrap();
        shipped.insert(name.clone(), bytes);
    }
    assert_eq!(
        shipped.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    assert!(
        shipped == expected,
        "a shipped figure differs from its source"
    );
}

#[test]
fn editing_a_figure_changes_exactly_the_notes_that_show_it() {
    let (dir, content) = bank_copy();
    let out = dir.path().join("out");
    build_deck(&content, &out, "1790000000");
    let before = lock_hashes(&content);

    // The questions whose answers show pr-vs-roc.svg, read from the Markdown.
    let (bank, _) = qbank::check::load_and_check(&content);
    let showing: BTreeSet<String> = bank
        .unwrap()
        .questions()
        .filter(|(_, q)| {
            q.parts()
                .iter()
                .any(|(_, p)| p.markdown.contains("(media/pr-vs-roc.svg)"))
        })
        .map(|(_, q)| q.id.clone())
        .collect();
    assert_eq!(showing.len(), 2, "pr-vs-roc.svg is shown by {showing:?}");

    let figure = content.join("media/pr-vs-roc.svg");
    let svg = fs::read_to_string(&figure).unwrap();
    fs::write(&figure, svg.replace("0.1% positives", "0.1% fraud")).unwrap();
    let summary = build_deck(&content, &out, "1790086400");
    assert!(
        summary.contains("2 changed, 0 new, 48 unchanged"),
        "{summary}"
    );

    let after = lock_hashes(&content);
    let changed: BTreeSet<String> = before
        .iter()
        .filter(|(id, hash)| after.get(*id) != Some(hash))
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(changed, showing);
}

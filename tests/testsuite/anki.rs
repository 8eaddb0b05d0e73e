//! The Anki deck against Anki's real importer: the `anki` package from PyPI
//! (Anki's own Rust backend) imports what `qbank build` writes, and
//! `tests/anki/import_check.py` reports what it saw.
//!
//! Python is `$QBANK_ANKI_PYTHON` when set, else `target/anki-venv/bin/python`,
//! created on first use (`python3 -m venv` + `pip install anki==26.9.3`).
//! When it cannot be had, the tests fail with a message; they never skip.
//!
//! Every case runs on the fixture bank (which has a figure) and on the real
//! bank in `content/` (`$QBANK_REAL_CONTENT` overrides the folder).

use crate::common;
use common::copy_dir;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use qbank::anki::note::{NoteContent, FIELD_NAMES};
use qbank::anki::{notetype_name, parent_deck_name, AnkiExporter, POSITION_GAP};
use qbank::export::{ExportContext, Exporter};
use qbank::model::Bank;
use serde_json::Value;
use sha2::{Digest, Sha256};

const ANKI_VERSION: &str = "26.9.3";
/// What Check Database says when it found nothing to fix.
const CHECK_DATABASE_CLEAN: &str = "Database rebuilt and optimized.";
/// Build times (`SOURCE_DATE_EPOCH`) for successive builds in a test.
const T1: i64 = 1_790_000_000;
const T2: i64 = 1_790_086_400;
const T3: i64 = 1_790_172_800;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------- Python

fn has_anki(python: &Path) -> bool {
    Command::new(python)
        .args([
            "-c",
            &format!(
                "import importlib.metadata as m, anki.collection; \
                 assert m.version('anki') == '{ANKI_VERSION}', m.version('anki')"
            ),
        ])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn run_or_panic(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The Python that has `anki==26.9.3`, creating the venv when needed.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        if let Some(p) = std::env::var_os("QBANK_ANKI_PYTHON") {
            let p = PathBuf::from(p);
            assert!(
                has_anki(&p),
                "QBANK_ANKI_PYTHON={} does not have anki=={ANKI_VERSION} importable",
                p.display()
            );
            return p;
        }
        let target = manifest_dir().join("target");
        let venv = target.join("anki-venv");
        let python = venv.join("bin/python");
        if has_anki(&python) {
            return python;
        }
        fs::create_dir_all(&target).expect("cannot create target/");
        // One creator at a time, across test processes too.
        let guard = fs::File::create(target.join("anki-venv.lock"))
            .expect("cannot create target/anki-venv.lock");
        guard.lock().expect("cannot lock target/anki-venv.lock");
        if !has_anki(&python) {
            eprintln!(
                "creating {} with anki=={ANKI_VERSION} (once)",
                venv.display()
            );
            run_or_panic(
                Command::new("python3")
                    .args(["-m", "venv", "--clear"])
                    .arg(&venv),
                "creating the Anki test venv (needs python3 and python3-venv)",
            );
            run_or_panic(
                Command::new(&python).args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    &format!("anki=={ANKI_VERSION}"),
                    // The review workbook tests (the `xlsx` module) use this venv too.
                    "openpyxl==3.1.5",
                ]),
                "installing anki from PyPI into the test venv (needs network access)",
            );
            assert!(
                has_anki(&python),
                "anki=={ANKI_VERSION} is still not importable from {}",
                python.display()
            );
        }
        python
    })
}

/// Run the import driver and parse its JSON.
fn anki(args: &[&str]) -> Value {
    let driver = manifest_dir().join("tests/anki/import_check.py");
    let out = Command::new(python())
        .arg(&driver)
        .args(args)
        .output()
        .expect("cannot run the Anki driver");
    assert!(
        out.status.success(),
        "import_check.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "driver output is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

// ---------------------------------------------------------------- banks

fn load(content: &Path) -> Bank {
    let (bank, diags) = qbank::check::load_and_check(content);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{} does not check:\n{}",
        content.display(),
        errors.join("\n")
    );
    bank.expect("bank")
}

fn fixture_bank() -> PathBuf {
    manifest_dir().join("tests/fixtures/good")
}

fn real_bank() -> PathBuf {
    std::env::var_os("QBANK_REAL_CONTENT")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("content"))
}

/// A private copy of a bank (so the lock and edits never touch the repo),
/// an output folder and a learner's collection.
struct Workspace {
    _dir: tempfile::TempDir,
    content: PathBuf,
    out: PathBuf,
    collection: PathBuf,
}

impl Workspace {
    fn new(bank: &Path) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        copy_dir(bank, &content);
        let out = dir.path().join("out");
        let learner = dir.path().join("learner");
        fs::create_dir_all(&learner).unwrap();
        Workspace {
            collection: learner.join("collection.anki2"),
            content,
            out,
            _dir: dir,
        }
    }

    fn bank(&self) -> Bank {
        load(&self.content)
    }

    fn run_build(&self, epoch: i64, extra: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_qbank"))
            .args(["build", "--format", "apkg", "--content"])
            .arg(&self.content)
            .arg("--out")
            .arg(&self.out)
            .args(extra)
            .env("SOURCE_DATE_EPOCH", epoch.to_string())
            .output()
            .unwrap()
    }

    /// Build; returns the summary line.
    fn build(&self, epoch: i64) -> String {
        let out = self.run_build(epoch, &[]);
        assert!(
            out.status.success(),
            "qbank build failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn apkg(&self) -> PathBuf {
        self.out.join(format!("{}.apkg", self.bank().id))
    }

    fn col(&self) -> &str {
        self.collection.to_str().unwrap()
    }

    fn import(&self) -> Value {
        anki(&["import", self.col(), self.apkg().to_str().unwrap()])
    }

    fn lock_text(&self) -> String {
        fs::read_to_string(self.content.join("bank.lock")).unwrap()
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn question_ids(bank: &Bank) -> Vec<String> {
    bank.questions().map(|(_, q)| q.id.clone()).collect()
}

/// The scheduling of every card, keyed by card id.
fn scheduling(state: &Value) -> Vec<(i64, Value)> {
    state["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let keep: serde_json::Map<String, Value> = [
                "type", "queue", "due", "ivl", "factor", "reps", "lapses", "revlog", "deck",
            ]
            .iter()
            .map(|k| (k.to_string(), c[*k].clone()))
            .collect();
            (c["id"].as_i64().unwrap(), Value::Object(keep))
        })
        .collect()
}

/// The notes table of a package: (guid, id, mod, tags, flds, sfld, csum).
type PackageNote = (String, i64, i64, String, String, String, i64);

fn package_notes(apkg: &Path) -> (Vec<PackageNote>, Vec<(i64, i64)>) {
    let mut zip = zip::ZipArchive::new(fs::File::open(apkg).unwrap()).unwrap();
    let mut db = Vec::new();
    zip.by_name("collection.anki2")
        .unwrap()
        .read_to_end(&mut db)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.anki2");
    fs::write(&path, db).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut stmt = conn
        .prepare("SELECT guid, id, mod, tags, flds, sfld, csum FROM notes ORDER BY guid")
        .unwrap();
    let notes = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let mut stmt = conn
        .prepare("SELECT id, mod FROM cards ORDER BY id")
        .unwrap();
    let cards = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    (notes, cards)
}

// ---------------------------------------------------------------- cases

/// Case 1: a fresh import gives every note, two cards each, one subdeck per
/// section, new cards in question order with Plain before Technical.
fn fresh_import(bank_dir: &Path, expect_notes: usize, expect_sections: usize) {
    let ws = Workspace::new(bank_dir);
    let bank = ws.bank();
    let summary = ws.build(T1);
    assert!(summary.starts_with("apkg: "), "{summary}");
    let imported = ws.import();
    let log = &imported["log"];
    let state = &imported["state"];

    let mut ids = question_ids(&bank);
    assert_eq!(ids.len(), expect_notes, "questions in the bank");
    ids.sort();
    assert_eq!(strings(&log["new"]), ids);
    for list in ["updated", "duplicate", "conflicting", "first_field_match"] {
        assert!(strings(&log[list]).is_empty(), "{list}: {}", log[list]);
    }
    for count in ["missing_notetype", "missing_deck", "empty_first_field"] {
        assert_eq!(log[count], 0, "{count}");
    }
    assert_eq!(state["note_count"], expect_notes);
    assert_eq!(state["card_count"], 2 * expect_notes);

    // Decks: the parent named after the title, one subdeck per section, in order.
    let parent = parent_deck_name(&bank);
    assert_eq!(
        strings(&state["parent_decks"]),
        std::slice::from_ref(&parent)
    );
    let subdecks: Vec<String> = strings(&state["decks"])
        .into_iter()
        .filter(|d| d.starts_with(&format!("{parent}::")))
        .collect();
    let expected: Vec<String> = bank
        .sections
        .iter()
        .map(|s| format!("{parent}::{}", s.heading()))
        .collect();
    assert_eq!(subdecks.len(), expect_sections);
    assert_eq!(
        subdecks, expected,
        "subdecks, in name order = section order"
    );

    // One notetype, with the fields in order and both templates.
    let ours: Vec<&Value> = state["notetypes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["name"].as_str().unwrap().starts_with(&bank.title))
        .collect();
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(ours[0]["name"], notetype_name(&bank));
    assert_eq!(strings(&ours[0]["fields"]), FIELD_NAMES);
    // The publisher's bookkeeping fields start collapsed in the editor.
    assert_eq!(
        strings(&ours[0]["collapsed_fields"]),
        ["Id", "Notice", "Extra"]
    );
    assert_eq!(
        strings(&ours[0]["templates"]),
        ["Plain English", "Technical depth"]
    );

    // Every card is new, in its section's deck, at position number × 10.
    for (section, question) in bank.questions() {
        let cards: Vec<&Value> = state["cards"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["question"] == question.id.as_str())
            .collect();
        assert_eq!(cards.len(), 2, "{}", question.id);
        for c in cards {
            assert_eq!(c["type"], 0);
            assert_eq!(c["due"], i64::from(question.number) * POSITION_GAP);
            assert_eq!(c["deck"], format!("{parent}::{}", section.heading()));
        }
        let note = &state["notes"][&question.id];
        let content = NoteContent::build(&bank, section, question).unwrap();
        assert_eq!(note["guid"], content.guid);
        assert_eq!(note["tags_column"], format!(" {} ", content.tags.join(" ")));
        assert!(content
            .tags
            .contains(&format!("{}::section::{}", bank.id, section.id)));
        assert_eq!(note["fields"]["Question"], content.fields[0]);
    }

    // Anki renders the two cards as designed.
    let q1 = &ids_in_order(&bank)[0];
    let fields = &state["notes"][q1]["fields"];
    let field = |name: &str| fields[name].as_str().unwrap().to_string();
    let rendered = &state["first_question_rendered"];
    let text = |ord: &str, side: &str| rendered[ord][side].as_str().unwrap().to_string();
    for ord in ["0", "1"] {
        let front = text(ord, "question");
        assert!(
            front.contains(&field("Question")),
            "front lacks the question"
        );
        // The section comes from the card's own deck ({{Subdeck}}); no number.
        let (first_section, _) = bank.questions().next().unwrap();
        assert!(
            front.contains(&format!(
                "<div class=\"qb-meta\">{}</div>",
                first_section.heading()
            )),
            "{front}"
        );
        assert!(!front.contains(">Q1<"), "{front}");
        assert!(text(ord, "answer").contains(&field("Real-world example")));
    }
    assert!(text("0", "question").contains(qbank::anki::templates::PLAIN_CUE));
    assert!(text("1", "question").contains(qbank::anki::templates::TECHNICAL_CUE));
    assert!(text("0", "answer").contains(&field("Plain English")));
    assert!(!text("0", "answer").contains(&field("Technical depth")));
    assert!(text("1", "answer").contains(&field("Technical depth")));
    assert!(!text("1", "answer").contains(&field("Plain English")));
    if let Some(intro) = &bank.intro {
        let html =
            qbank::anki::note::render_markdown(&bank, &intro.markdown, &mut Vec::new()).unwrap();
        assert_eq!(state["deck_descriptions"][&parent], html.as_str());
        assert!(!html.is_empty());
    }

    // With Anki's default preset the first card is Q1's Plain card…
    let first = &state["new_order"][0];
    assert_eq!(first[0], ids_in_order(&bank)[0].as_str());
    assert_eq!(first[1], 0);
    // …and with the deck's own preset (imported with "Import any deck presets"),
    // new cards come question by question, Plain before Technical.
    let with_presets = Workspace::new(bank_dir);
    fs::create_dir_all(&with_presets.out).unwrap();
    fs::copy(
        ws.apkg(),
        with_presets.out.join(ws.apkg().file_name().unwrap()),
    )
    .unwrap();
    let state = &anki(&[
        "import-presets",
        with_presets.col(),
        with_presets.apkg().to_str().unwrap(),
    ])["state"];
    let order: Vec<(String, i64)> = state["new_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c[0].as_str().unwrap().to_string(), c[1].as_i64().unwrap()))
        .collect();
    let expected: Vec<(String, i64)> = ids_in_order(&bank)
        .into_iter()
        .flat_map(|id| [(id.clone(), 0), (id, 1)])
        .take(order.len())
        .collect();
    assert!(order.len() >= 2.min(expected.len() * 2));
    assert_eq!(order, expected, "new-card order with the deck's preset");
}

fn ids_in_order(bank: &Bank) -> Vec<String> {
    question_ids(bank)
}

/// Exactly what Anki expects: what the package says is what Anki keeps
/// (Anki recomputes sfld/csum and renumbers future ids on import).
fn package_matches_collection(bank_dir: &Path) {
    let ws = Workspace::new(bank_dir);
    ws.build(T1);
    let (notes, cards) = package_notes(&ws.apkg());
    let state = &ws.import()["state"];
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let by_guid: std::collections::BTreeMap<String, &Value> = state["notes"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| (n["guid"].as_str().unwrap().to_string(), n))
        .collect();
    assert_eq!(by_guid.len(), notes.len());
    for (guid, id, mtime, tags, flds, sfld, csum) in &notes {
        assert!(*id < now_ms, "note id {id} is in the future");
        let kept = by_guid[guid];
        assert_eq!(kept["id"], *id, "Anki renumbered note {guid}");
        assert_eq!(kept["mod"], *mtime);
        assert_eq!(kept["tags_column"], tags.as_str());
        assert!(tags.starts_with(' ') && tags.ends_with(' '));
        let fields: Vec<&str> = flds.split('\u{1f}').collect();
        assert_eq!(fields.len(), FIELD_NAMES.len());
        for (name, value) in FIELD_NAMES.iter().zip(&fields) {
            assert_eq!(kept["fields"][*name], *value, "{guid} {name}");
        }
        assert_eq!(kept["sfld"], sfld.as_str(), "sfld of {guid}");
        assert_eq!(kept["csum"], *csum, "csum of {guid}");
    }
    let kept_cards: Vec<i64> = state["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let written: Vec<i64> = cards.iter().map(|c| c.0).collect();
    assert_eq!(kept_cards, written, "Anki renumbered cards");
    assert!(written.iter().all(|id| *id < now_ms));
}

/// Case 2 (with case 5 after the update): study, edit one technical answer,
/// rebuild, re-import: one update, the rest up to date, progress kept, the
/// learner's own edit to an unchanged note kept.
fn edit_and_reimport(bank_dir: &Path) {
    let ws = Workspace::new(bank_dir);
    let bank = ws.bank();
    let ids = question_ids(&bank);
    let n = ids.len();
    assert!(n >= 3, "needs three questions");
    ws.build(T1);
    ws.import();
    let studied = anki(&["study", ws.col(), "4,3,4"]);
    let answered: Vec<i64> = studied["answered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(answered.len(), 3);
    // The learner tags an unchanged note of their own accord.
    let tagged = anki(&["learner-tag", ws.col(), &ids[2], "my-weak-spot"]);
    let before = &tagged["state"];
    assert!(before["revlog_count"].as_i64().unwrap() >= 3);

    // Edit question 1's technical answer.
    let (_, q1) = bank.questions().next().unwrap();
    let text = fs::read_to_string(&q1.path).unwrap();
    let path = ws.content.join(q1.path.strip_prefix(&bank.root).unwrap());
    let text_in_ws = fs::read_to_string(&path).unwrap();
    assert_eq!(text, text_in_ws);
    let marker = "## Technical depth\n\n";
    let at = text.find(marker).expect("technical heading") + marker.len();
    let added = "In short: the gap between training and validation error is the signal.\n\n";
    fs::write(&path, format!("{}{added}{}", &text[..at], &text[at..])).unwrap();

    let summary = ws.build(T2);
    assert_eq!(
        summary,
        format!("apkg: 1 changed, 0 new, {} unchanged", n - 1)
    );
    let imported = ws.import();
    let log = &imported["log"];
    assert_eq!(strings(&log["updated"]), std::slice::from_ref(&q1.id));
    assert_eq!(strings(&log["duplicate"]).len(), n - 1);
    assert!(strings(&log["new"]).is_empty(), "{}", log["new"]);
    assert!(
        strings(&log["conflicting"]).is_empty(),
        "{}",
        log["conflicting"]
    );
    let after = &imported["state"];
    assert_eq!(after["note_count"], n);
    assert_eq!(after["card_count"], 2 * n);
    assert!(after["notes"][&q1.id]["fields"]["Technical depth"]
        .as_str()
        .unwrap()
        .contains("In short: the gap between training and validation error"));
    // Review progress survives: every card's scheduling and review log.
    assert_eq!(scheduling(after), scheduling(before));
    assert_eq!(after["revlog_count"], before["revlog_count"]);
    for id in &answered {
        let card = after["cards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == *id)
            .unwrap();
        assert!(card["reps"].as_i64().unwrap() >= 1, "{card}");
        assert!(card["revlog"].as_i64().unwrap() >= 1, "{card}");
    }
    assert!(
        after["notes"][&ids[2]]["tags_column"]
            .as_str()
            .unwrap()
            .contains(" my-weak-spot "),
        "the learner's tag was overwritten"
    );

    // Case 5 after an update: Check Database finds nothing to fix.
    let checked = anki(&["check", ws.col()]);
    assert_eq!(checked["message"], CHECK_DATABASE_CLEAN);
    assert_eq!(checked["ok"], true);
    assert_eq!(checked["state"]["notes"], after["notes"]);
    assert_eq!(scheduling(&checked["state"]), scheduling(after));
}

/// Case 3: rebuilding an unchanged bank changes nothing: same bytes, same
/// lock, `--locked` passes, and a re-import updates nothing.
fn unchanged_rebuild(bank_dir: &Path) {
    let ws = Workspace::new(bank_dir);
    let n = question_ids(&ws.bank()).len();
    ws.build(T1);
    let first = fs::read(ws.apkg()).unwrap();
    let lock = ws.lock_text();
    ws.import();
    let summary = ws.build(T2);
    assert_eq!(summary, format!("apkg: 0 changed, 0 new, {n} unchanged"));
    assert!(fs::read(ws.apkg()).unwrap() == first, "the .apkg changed");
    assert_eq!(ws.lock_text(), lock, "the lock changed");
    let locked = ws.run_build(T3, &["--locked"]);
    assert!(locked.status.success(), "--locked failed on a built bank");
    assert!(
        fs::read(ws.apkg()).unwrap() == first,
        "--locked rewrote the .apkg"
    );

    // A second checkout of the same bank and lock builds the same bytes.
    let other = Workspace::new(&ws.content);
    other.build(T3);
    assert!(
        fs::read(other.apkg()).unwrap() == first,
        "another checkout of the same bank and lock built different bytes"
    );

    let log = &ws.import()["log"];
    assert!(strings(&log["updated"]).is_empty(), "{}", log["updated"]);
    assert!(strings(&log["new"]).is_empty());
    assert!(strings(&log["conflicting"]).is_empty());
    assert_eq!(strings(&log["duplicate"]).len(), n);
}

/// Case 4: a restyled deck (only the CSS changed) updates the notetype in
/// place: no "+" copy, no conflicts, no note touched.
fn css_change(bank_dir: &Path) {
    let ws = Workspace::new(bank_dir);
    let bank = ws.bank();
    let n = question_ids(&bank).len();
    ws.build(T1);
    let before = &ws.import()["state"];
    let restyled = format!(
        "{}\n.qb-question {{ color: #0b3d91; }}\n",
        qbank::anki::templates::CSS
    );
    let ctx = ExportContext {
        out_dir: ws.out.clone(),
        now: T2,
    };
    let rendered = AnkiExporter::with_css(restyled.clone())
        .export(&bank, &ctx)
        .unwrap();
    let summary = rendered.summary.clone();
    qbank::export::Rendered::commit_all(vec![rendered]).unwrap();
    assert_eq!(
        summary,
        format!("apkg: 0 changed, 0 new, {n} unchanged; notetype updated")
    );
    let imported = ws.import();
    let log = &imported["log"];
    assert!(
        strings(&log["conflicting"]).is_empty(),
        "{}",
        log["conflicting"]
    );
    assert!(strings(&log["new"]).is_empty());
    assert!(strings(&log["updated"]).is_empty());
    let after = &imported["state"];
    let names = |s: &Value| -> Vec<String> {
        s["notetypes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(after), names(before), "a notetype was added");
    assert!(names(after).iter().all(|n| !n.ends_with('+')));
    let ours = after["notetypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == notetype_name(&bank))
        .unwrap();
    // The bank's own theme, if it has one, still comes after the built-in CSS.
    let theme = qbank::anki::theme::read(&bank).unwrap();
    let expected = qbank::anki::theme::card_css(&restyled, theme);
    assert_eq!(
        ours["css_sha256"],
        hex::encode(Sha256::digest(expected.as_bytes()))
    );
    let ours_before = before["notetypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == notetype_name(&bank))
        .unwrap();
    // Newer than before (T2, or one second past a committed lock's later stamp).
    let (was, now) = (ours_before["mod"].as_i64(), ours["mod"].as_i64());
    assert_eq!(now, was.map(|w| w.max(T2 - 1) + 1), "notetype mod");
    assert_eq!(ours["id"], ours_before["id"]);
    assert_eq!(ours["field_ids"], ours_before["field_ids"]);
    assert_eq!(ours["template_ids"], ours_before["template_ids"]);
    assert_eq!(after["notes"], before["notes"]);
}

/// Case 4b: the bank's own theme (`theme/card.css`) restyles the notetype in
/// place, like a CSS change in qbank: no "+" copy, no note touched.
fn theme_change(bank_dir: &Path) {
    let ws = Workspace::new(bank_dir);
    let bank = ws.bank();
    let n = question_ids(&bank).len();
    ws.build(T1);
    let before = &ws.import()["state"];
    let theme_path = ws.content.join(qbank::anki::theme::THEME_FILE);
    let mut theme = fs::read_to_string(&theme_path).unwrap_or_default();
    theme.push_str("\n.qb-question { color: #8250df; }\n");
    fs::create_dir_all(theme_path.parent().unwrap()).unwrap();
    fs::write(&theme_path, &theme).unwrap();
    let summary = ws.build(T2);
    assert_eq!(
        summary,
        format!("apkg: 0 changed, 0 new, {n} unchanged; notetype updated")
    );
    let imported = ws.import();
    let log = &imported["log"];
    for list in ["conflicting", "new", "updated"] {
        assert!(strings(&log[list]).is_empty(), "{list}: {}", log[list]);
    }
    let after = &imported["state"];
    let ours = |s: &Value| -> Value {
        let all: Vec<&Value> = s["notetypes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["name"].as_str().unwrap().starts_with(&bank.title))
            .collect();
        assert_eq!(all.len(), 1, "{all:?}");
        all[0].clone()
    };
    let (was, now) = (ours(before), ours(after));
    assert_eq!(now["name"], notetype_name(&bank), "a \"+\" copy");
    assert_eq!(now["id"], was["id"]);
    assert!(now["mod"].as_i64() > was["mod"].as_i64());
    let expected = qbank::anki::theme::card_css(qbank::anki::templates::CSS, Some(&theme));
    assert_eq!(
        now["css_sha256"],
        hex::encode(Sha256::digest(expected.as_bytes()))
    );
    assert_eq!(after["notes"], before["notes"]);
}

/// Case 5: Check Database on a fresh import finds nothing to fix and changes nothing.
fn check_database(bank_dir: &Path) {
    let ws = Workspace::new(bank_dir);
    ws.build(T1);
    let before = ws.import()["state"].clone();
    let checked = anki(&["check", ws.col()]);
    assert_eq!(checked["message"], CHECK_DATABASE_CLEAN);
    assert_eq!(checked["ok"], true);
    assert_eq!(checked["state"]["notes"], before["notes"]);
    assert_eq!(scheduling(&checked["state"]), scheduling(&before));
    assert_eq!(checked["state"]["decks"], before["decks"]);
}

/// Case 6: every figure a note references is in the collection's media
/// folder after import, byte for byte, under the name the field uses.
/// Returns how many figures were checked.
fn figures_arrive(bank_dir: &Path) -> usize {
    let ws = Workspace::new(bank_dir);
    let bank = ws.bank();
    ws.build(T1);
    let state = &ws.import()["state"];
    let mut checked = 0;
    for (section, question) in bank.questions() {
        let content = NoteContent::build(&bank, section, question).unwrap();
        for figure in &content.media {
            let sha = hex::encode(Sha256::digest(&figure.bytes));
            assert_eq!(
                state["media"][&figure.name], sha,
                "{} is not in the media folder",
                figure.name
            );
            let fields = state["notes"][&question.id]["fields"].to_string();
            assert!(fields.contains(&format!("src=\\\"{}\\\"", figure.name)));
            checked += 1;
        }
    }
    checked
}

// ---------------------------------------------------------------- fixture bank

#[test]
fn fixture_fresh_import() {
    fresh_import(&fixture_bank(), 3, 2);
}

#[test]
fn fixture_package_is_what_anki_keeps() {
    package_matches_collection(&fixture_bank());
}

#[test]
fn fixture_edit_updates_in_place_and_keeps_progress() {
    edit_and_reimport(&fixture_bank());
}

#[test]
fn fixture_unchanged_rebuild_is_identical_and_updates_nothing() {
    unchanged_rebuild(&fixture_bank());
}

#[test]
fn fixture_css_change_updates_notetype_in_place() {
    css_change(&fixture_bank());
}

#[test]
fn fixture_theme_change_updates_notetype_in_place() {
    theme_change(&fixture_bank());
}

#[test]
fn fixture_check_database_finds_nothing() {
    check_database(&fixture_bank());
}

#[test]
fn fixture_figure_is_in_media_folder() {
    assert!(
        figures_arrive(&fixture_bank()) >= 1,
        "the fixture has a figure"
    );
}

// ---------------------------------------------------------------- real bank

#[test]
fn real_bank_fresh_import() {
    fresh_import(&real_bank(), 50, 7);
}

#[test]
fn real_bank_package_is_what_anki_keeps() {
    package_matches_collection(&real_bank());
}

#[test]
fn real_bank_edit_updates_in_place_and_keeps_progress() {
    edit_and_reimport(&real_bank());
}

#[test]
fn real_bank_unchanged_rebuild_is_identical_and_updates_nothing() {
    unchanged_rebuild(&real_bank());
}

#[test]
fn real_bank_css_change_updates_notetype_in_place() {
    css_change(&real_bank());
}

#[test]
fn real_bank_theme_change_updates_notetype_in_place() {
    theme_change(&real_bank());
}

#[test]
fn real_bank_check_database_finds_nothing() {
    check_database(&real_bank());
}

#[test]
fn real_bank_figures_are_in_media_folder() {
    // The real bank may have no figures; every one it has must arrive.
    figures_arrive(&real_bank());
}

// ---------------------------------------------------------------- the lock, without Anki

#[test]
fn locked_build_fails_when_the_bank_was_edited_without_a_rebuild() {
    let ws = Workspace::new(&fixture_bank());
    ws.build(T1);
    let lock = ws.lock_text();
    let apkg = fs::read(ws.apkg()).unwrap();
    let q = ws.content.join("b-models/01-linear-regression.md");
    let text = fs::read_to_string(&q).unwrap();
    fs::write(
        &q,
        text.replace("straight line", "straight line (or plane)"),
    )
    .unwrap();
    let out = ws.run_build(T2, &["--locked"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bank.lock is out of date"), "{err}");
    assert!(err.contains("1 changed"), "{err}");
    assert_eq!(ws.lock_text(), lock, "--locked changed the lock");
    assert!(
        fs::read(ws.apkg()).unwrap() == apkg,
        "--locked rewrote the deck"
    );
}

#[test]
fn locked_build_fails_without_a_lock() {
    let ws = Workspace::new(&fixture_bank());
    let _ = fs::remove_file(ws.content.join("bank.lock"));
    let out = ws.run_build(T1, &["--locked"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert!(!ws.content.join("bank.lock").exists());
}

#[test]
fn a_corrupted_lock_is_a_clear_error_not_a_reset() {
    let ws = Workspace::new(&fixture_bank());
    ws.build(T1);
    let lock_path = ws.content.join("bank.lock");
    let broken = ws.lock_text().replacen("mod = ", "mod = \"", 1);
    fs::write(&lock_path, &broken).unwrap();
    let out = ws.run_build(T2, &[]);
    // A content error, reported by the check before anything is rendered.
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bank.lock is not a valid lock file"), "{err}");
    assert_eq!(fs::read_to_string(&lock_path).unwrap(), broken);
}

#[test]
fn a_removed_question_ships_retired_once() {
    let ws = Workspace::new(&fixture_bank());
    ws.build(T1);
    ws.import();
    fs::remove_file(ws.content.join("a-basics/02-precision-recall.md")).unwrap();
    // The later question moves up a number, but no note holds its number.
    let summary = ws.build(T2);
    assert_eq!(
        summary,
        "apkg: 0 changed, 0 new, 2 unchanged; 1 retired (shipped once more tagged \
         fixture-bank::retired, with a notice): precision-recall"
    );
    assert!(ws.lock_text().contains("[retired.precision-recall]"));
    let imported = ws.import();
    assert_eq!(imported["state"]["note_count"], 3, "import never deletes");
    assert_eq!(strings(&imported["log"]["updated"]), ["precision-recall"]);
    assert_eq!(
        strings(&imported["log"]["duplicate"]),
        ["linear-regression", "overfitting"]
    );
    assert!(strings(&imported["log"]["new"]).is_empty());
    let note = &imported["state"]["notes"]["precision-recall"];
    assert!(note["tags_column"]
        .as_str()
        .unwrap()
        .contains(" fixture-bank::retired "));
    assert!(note["fields"]["Notice"]
        .as_str()
        .unwrap()
        .starts_with("Removed from the bank on 2026-09-22: "));
    // Later builds ship it unchanged: nothing to update.
    assert_eq!(ws.build(T3), "apkg: 0 changed, 0 new, 2 unchanged");
    let log = &ws.import()["log"];
    assert!(strings(&log["updated"]).is_empty(), "{}", log["updated"]);
    assert_eq!(strings(&log["duplicate"]).len(), 3);
}

/// The booklet's text of `pdf`, as `pdftotext` extracts it, with every run
/// of white space (line ends and no-break spaces too) as one space.
fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "pdftotext {}", pdf.display());
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A cross-reference names the question by its title on the card and by
/// its number in the booklet: inserting a question before the one referred
/// to renumbers the booklet's "Qn, p. m", and no note in the deck changes,
/// so a learner's import updates nothing but adds the new question.
#[test]
fn inserting_a_question_renumbers_the_booklet_but_changes_no_note() {
    let ws = Workspace::new(&fixture_bank());
    let referring = ws.content.join("b-models/01-linear-regression.md");
    let text = fs::read_to_string(&referring).unwrap();
    fs::write(
        &referring,
        text.replace(
            "with a linear baseline.",
            "with a linear baseline; see also [](#precision-recall).",
        ),
    )
    .unwrap();
    let both = ["--format", "pdf"];
    let first = ws.run_build(T1, &both);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let pdf = ws.out.join("fixture-bank.pdf");
    let booklet = pdf_text(&pdf);
    assert!(booklet.contains("see also Q2, p."), "{booklet}");
    let (notes_before, _) = package_notes(&ws.apkg());
    let card = ws.import()["state"]["notes"]["linear-regression"]["fields"]["Real-world example"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        card.contains("see also \u{201c}Explain precision, recall and F1.\u{201d}"),
        "the card names the question by its title: {card}"
    );
    assert!(!card.contains("Q2"), "{card}");

    // A new first question: precision-recall becomes Q3.
    fs::write(
        ws.content.join("a-basics/00-new-first.md"),
        "+++\nid = \"new-first\"\ntags = [\"evaluation\"]\n+++\n\n# What is a baseline?\n\n\
         ## Plain English\n\nThe simplest model worth beating.\n\n\
         ## Technical depth\n\nA majority-class or mean predictor.\n\n\
         ## Real-world example\n\nA delivery-time baseline of the city's median.\n",
    )
    .unwrap();
    let second = ws.run_build(T2, &both);
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let summary = String::from_utf8(second.stdout).unwrap();
    assert!(
        summary.contains("apkg: 0 changed, 1 new, 3 unchanged"),
        "{summary}"
    );
    let booklet = pdf_text(&pdf);
    assert!(booklet.contains("see also Q3, p."), "{booklet}");
    assert!(!booklet.contains("see also Q2"), "{booklet}");
    let (notes_after, _) = package_notes(&ws.apkg());
    for note in &notes_before {
        assert!(
            notes_after.contains(note),
            "a note changed when a question was inserted: {note:?}"
        );
    }
    assert_eq!(notes_after.len(), notes_before.len() + 1);
    let log = &ws.import()["log"];
    assert!(strings(&log["updated"]).is_empty(), "{}", log["updated"]);
    assert_eq!(strings(&log["new"]), ["new-first"]);
    assert_eq!(strings(&log["duplicate"]).len(), 3);
}

/// CI's guard: the committed `content/bank.lock` matches the committed bank
/// (a bank edited without a rebuild fails here, as `build --locked` does).
#[test]
fn the_committed_lock_matches_the_bank() {
    let out = tempfile::tempdir().unwrap();
    let content = real_bank();
    let before = fs::read(content.join("bank.lock")).expect("content/bank.lock is committed");
    let run = Command::new(env!("CARGO_BIN_EXE_qbank"))
        .args(["build", "--format", "apkg", "--locked", "--content"])
        .arg(&content)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "content/bank.lock is out of date: run `qbank build` and commit it\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(fs::read(content.join("bank.lock")).unwrap(), before);
}

/// A theme that is more than styling is a content error with its line, and
/// nothing is built.
#[test]
fn a_theme_that_could_run_script_is_refused() {
    let ws = Workspace::new(&fixture_bank());
    let theme = ws.content.join(qbank::anki::theme::THEME_FILE);
    fs::create_dir_all(theme.parent().unwrap()).unwrap();
    fs::write(
        &theme,
        ".a { color: red; }\n</style><script>alert(1)</script>\n",
    )
    .unwrap();
    let out = ws.run_build(T1, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("theme/card.css:2: error: the card theme is styling only"),
        "{err}"
    );
    assert!(!ws.out.join("fixture-bank.apkg").exists());
}

// ---------------------------------------------------------------- cards on a phone

/// Run headless Chromium (Debian package `chromium`) with `args`.
fn chromium(args: &[&str]) -> Output {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect("cannot run chromium (Debian package `chromium`): the phone tests need it");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A card as Anki's reviewer shows it: the rendered side (with its `<style>`)
/// in `#qa`, the body carrying `card` and, at night, `nightMode`.
fn card_page(side_html: &str, ord: u16, night: bool) -> String {
    let night = if night { " nightMode night_mode" } else { "" };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\
         <body class=\"card card{}{night}\"><div id=\"qa\">{side_html}</div></body></html>",
        ord + 1
    )
}

/// What `tests/anki/phone.js` measures of a card shown `width` px wide.
fn measure_card(dir: &Path, page: &str, width: u32) -> Value {
    let script = fs::read_to_string(manifest_dir().join("tests/anki/phone.js")).unwrap();
    let srcdoc = page.replace('&', "&amp;").replace('"', "&quot;");
    let outer = format!(
        "<!doctype html><html><body style=\"margin:0\">\
         <iframe id=\"card\" style=\"border:0;width:{width}px;height:6000px\" srcdoc=\"{srcdoc}\"></iframe>\
         <script>{script}</script></body></html>"
    );
    let file = dir.join(format!("measure-{width}.html"));
    fs::write(&file, outer).unwrap();
    let out = chromium(&[
        "--window-size=1200,900",
        "--dump-dom",
        &format!("file://{}", file.display()),
    ]);
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom
        .rfind("<pre id=\"qb-fit\">")
        .expect("phone.js wrote no result")
        + 17;
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

/// On a phone (360 and 390 px), day and night, as Anki renders them: the
/// wide table stacks into labelled rows and nothing is clipped or hidden
/// behind a scroll; each front's badge is the colour of its answer box's
/// edge; figures show their alt text as a caption under them. Screenshots
/// of the table card land in `target/phone-cards/` to be looked at.
#[test]
fn real_bank_cards_read_on_a_phone() {
    let ws = Workspace::new(&real_bank());
    let bank = ws.bank();
    ws.build(T1);
    ws.import();
    let has = |(s, q): &(&qbank::model::Section, &qbank::model::Question), what: &str| {
        NoteContent::build(&bank, s, q)
            .unwrap()
            .fields
            .iter()
            .any(|f| f.contains(what))
    };
    let questions: Vec<_> = bank.questions().collect();
    // The widest table: gradient boosting (four columns), else the first table.
    let table_q = questions
        .iter()
        .find(|q| q.1.id == "gradient-boosting" && has(q, "<table"))
        .or_else(|| questions.iter().find(|q| has(q, "<table")))
        .expect("the bank has a table")
        .1
        .id
        .clone();
    let figure_q = questions
        .iter()
        .find(|q| has(q, "qb-caption"))
        .map(|q| q.1.id.clone());
    let shots = manifest_dir().join("target/phone-cards");
    fs::create_dir_all(&shots).unwrap();
    let mut measured = 0;
    for qid in std::iter::once(table_q.clone()).chain(figure_q.clone()) {
        let rendered = anki(&["render", ws.col(), &qid]);
        // Figures are read from the collection's media folder, as in Anki.
        let dir = PathBuf::from(rendered["media_dir"].as_str().unwrap());
        for ord in [0u16, 1] {
            let side = rendered["cards"][ord.to_string()]["answer"]
                .as_str()
                .unwrap()
                .to_string();
            let (box_class, badge_class) = match ord {
                0 => ("qb-plain", "qb-badge-plain"),
                _ => ("qb-technical", "qb-badge-technical"),
            };
            for night in [false, true] {
                let page = card_page(&side, ord, night);
                for width in [360, 390] {
                    let m = measure_card(&dir, &page, width);
                    let at = format!("{qid} card {ord} at {width} px, night {night}: {m}");
                    assert_eq!(m["width"], width, "{at}");
                    assert_eq!(m["page"], width, "the page scrolls sideways: {at}");
                    assert_eq!(m["outside"], serde_json::json!([]), "clipped: {at}");
                    assert_eq!(m["scrolls"], serde_json::json!([]), "hidden: {at}");
                    if qid == table_q && ord == 1 {
                        assert!(m["labelled_cells"].as_i64().unwrap() >= 4, "{at}");
                    }
                    assert_eq!(m["labels_shown"], m["labelled_cells"], "{at}");
                    if m["labelled_cells"].as_i64().unwrap() > 0 {
                        assert_eq!(m["thead_display"], "none", "{at}");
                    }
                    let boxes = m["boxes"].as_array().unwrap();
                    let badges = m["badges"].as_array().unwrap();
                    assert_eq!((boxes.len(), badges.len()), (1, 1), "{at}");
                    assert!(boxes[0]["class"].as_str().unwrap().contains(box_class));
                    assert!(badges[0]["class"].as_str().unwrap().contains(badge_class));
                    assert_eq!(badges[0]["background"], boxes[0]["edge"], "{at}");
                    let body = if night {
                        "rgb(30, 30, 30)"
                    } else {
                        "rgb(255, 255, 255)"
                    };
                    assert_eq!(m["body_background"], body, "{at}");
                    let captions = m["captions"].as_array().unwrap();
                    assert_eq!(
                        captions.len(),
                        side.matches("class=\"qb-caption\"").count(),
                        "{at}"
                    );
                    {
                        for c in captions {
                            assert_eq!(c["text"], c["alt"], "{at}");
                            assert!(!c["text"].as_str().unwrap().is_empty(), "{at}");
                            assert_eq!(c["below"], true, "{at}");
                            assert!(c["height"].as_f64().unwrap() > 0.0, "{at}");
                        }
                    }
                    measured += 1;
                }
                // Wider than a phone, a table that still overflows the card
                // scrolls sideways and shows a shadow on the hidden side.
                if qid == table_q && ord == 1 {
                    let m = measure_card(&dir, &page, 520);
                    let tables = m["tables"].as_array().unwrap();
                    assert!(!tables.is_empty(), "{m}");
                    for t in tables {
                        assert_eq!(
                            t["overflows"], true,
                            "at 520 px the 4-column table scrolls: {m}"
                        );
                        assert_eq!(t["cue"], true, "a scrolling table shows its cue: {m}");
                    }
                    assert_eq!(m["page"], 520, "only the table scrolls, not the page: {m}");
                }
                if qid == table_q {
                    let mode = if night { "night" } else { "day" };
                    let file = dir.join(format!("card-{ord}-{mode}.html"));
                    fs::write(&file, &page).unwrap();
                    for width in [390, 640] {
                        let png = shots.join(format!("{qid}-{ord}-{mode}-{width}.png"));
                        chromium(&[
                            &format!("--screenshot={}", png.display()),
                            &format!("--window-size={width},2600"),
                            &format!("file://{}", file.display()),
                        ]);
                        assert!(fs::metadata(&png).unwrap().len() > 10_000, "{png:?}");
                    }
                }
            }
        }
    }
    assert!(measured >= 8, "{measured}");
    assert!(figure_q.is_some(), "the bank has a figure");
}

// ---------------------------------------------------------------- formulas on cards

/// Anki's own MathJax (the desktop app's copy, which `tests/run` takes from
/// the aqt wheel into `target/anki-mathjax`).
fn mathjax_dir() -> PathBuf {
    let dir = std::env::var_os("QBANK_ANKI_MATHJAX")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("target/anki-mathjax"));
    assert!(
        dir.join("tex-chtml-full.js").is_file(),
        "Anki's MathJax is not at {} (run `bash tests/run`, which unpacks it from the aqt wheel)",
        dir.display()
    );
    dir
}

/// The scripts that typeset a page as Anki's reviewer does (its MathJax
/// and configuration: `\(…\)` inline, `\[…\]` display, the mathtools
/// package), except that errors are shown, not hidden, so a formula MathJax
/// cannot read is counted. When typesetting is done, `report` runs.
fn mathjax_scripts(report: &str) -> String {
    let dir = mathjax_dir();
    format!(
        "<script>window.MathJax = {{tex: {{displayMath: [[\"\\\\[\", \"\\\\]\"]], \
         processEscapes: false, processEnvironments: false, processRefs: false, \
         packages: {{\"[+]\": [\"mathtools\"], \"[-]\": [\"textmacros\"]}}}}, \
         loader: {{load: [\"[tex]/mathtools\"], paths: {{mathjax: \"file://{dir}\"}}}}, \
         startup: {{pageReady: () => MathJax.startup.defaultPageReady().then(() => {{ {report} }})}}}};</script>\
         <script src=\"file://{dir}/tex-chtml-full.js\"></script>",
        dir = dir.display()
    )
}

/// Every formula on every card of `bank_dir` renders in Anki's MathJax: as
/// many typeset formulas (display ones as display) as the card has
/// delimiters, no MathJax error, no delimiter left as text. Screenshots of
/// the card with the most formulas land in `target/formula-cards/`.
fn formulas_render_in_mathjax(bank_dir: &Path) -> usize {
    let ws = Workspace::new(bank_dir);
    let bank = ws.bank();
    ws.build(T1);
    ws.import();
    let mut cards = Vec::new();
    for (_, q) in bank.questions() {
        let rendered = anki(&["render", ws.col(), &q.id]);
        for ord in ["0", "1"] {
            let answer = rendered["cards"][ord]["answer"]
                .as_str()
                .unwrap()
                .to_string();
            if answer.contains("\\(") || answer.contains("\\[") {
                cards.push((format!("{}-{ord}", q.id), answer));
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut page = String::from("<!doctype html><html><head><meta charset=\"utf-8\"></head><body>");
    for (i, (_, answer)) in cards.iter().enumerate() {
        page.push_str(&format!("<div class=\"qa\" id=\"qa{i}\">{answer}</div>"));
    }
    let report = "const out = [...document.querySelectorAll('div.qa')].map(d => ({ \
         inline: d.querySelectorAll('mjx-container:not([display=\"true\"])').length, \
         display: d.querySelectorAll('mjx-container[display=\"true\"]').length, \
         errors: [...d.querySelectorAll('mjx-merror')].map(e => e.getAttribute('data-mjx-error') || e.textContent), \
         left: /\\\\[(\\[]/.test(d.innerText) })); \
         const pre = document.createElement('pre'); pre.id = 'qb-math'; \
         pre.textContent = JSON.stringify(out); document.body.appendChild(pre);";
    page.push_str(&mathjax_scripts(report));
    page.push_str("</body></html>");
    let file = dir.path().join("formulas.html");
    fs::write(&file, &page).unwrap();
    let out = chromium(&[
        "--virtual-time-budget=20000",
        "--allow-file-access-from-files",
        "--dump-dom",
        &format!("file://{}", file.display()),
    ]);
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom
        .rfind("<pre id=\"qb-math\">")
        .unwrap_or_else(|| panic!("MathJax did not finish typesetting {}", file.display()))
        + 18;
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let results: Vec<Value> = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(results.len(), cards.len());
    let mut typeset = 0;
    for ((card, answer), r) in cards.iter().zip(&results) {
        let inline = answer.matches("\\(").count() as u64;
        let display = answer.matches("\\[").count() as u64;
        assert_eq!(r["errors"], serde_json::json!([]), "{card}: {r}");
        assert_eq!(r["inline"].as_u64(), Some(inline), "{card}: {r}");
        assert_eq!(r["display"].as_u64(), Some(display), "{card}: {r}");
        assert_eq!(r["left"], false, "{card}: a delimiter shows as text: {r}");
        typeset += (inline + display) as usize;
    }
    // The card with the most formulas, as a learner sees it on a phone and
    // on a desktop, day and night.
    if let Some((card, answer)) = cards
        .iter()
        .max_by_key(|(_, a)| a.matches("\\(").count() + a.matches("\\[").count())
    {
        let shots = manifest_dir().join("target/formula-cards");
        fs::create_dir_all(&shots).unwrap();
        let ord: u16 = card.rsplit('-').next().unwrap().parse().unwrap();
        for night in [false, true] {
            let page = card_page(answer, ord, night)
                .replace("</body>", &format!("{}</body>", mathjax_scripts("")));
            let file = dir.path().join(format!("card-{night}.html"));
            fs::write(&file, page).unwrap();
            for width in [390, 800] {
                let mode = if night { "night" } else { "day" };
                let png = shots.join(format!("{card}-{mode}-{width}.png"));
                chromium(&[
                    "--virtual-time-budget=20000",
                    "--allow-file-access-from-files",
                    &format!("--screenshot={}", png.display()),
                    &format!("--window-size={width},2400"),
                    &format!("file://{}", file.display()),
                ]);
                assert!(
                    fs::metadata(&png).unwrap().len() > 10_000,
                    "{}",
                    png.display()
                );
            }
        }
    }
    typeset
}

#[test]
fn fixture_formulas_render_in_anki_mathjax() {
    // The fixture's linear-regression answer: one inline, one display.
    assert_eq!(formulas_render_in_mathjax(&fixture_bank()), 2);
}

#[test]
fn real_bank_formulas_render_in_anki_mathjax() {
    let typeset = formulas_render_in_mathjax(&real_bank());
    assert!(
        typeset >= 30,
        "only {typeset} formulas on the real bank's cards"
    );
}

// ---------------------------------------------------------------- a learner over four releases

/// The question ids a log list names.
fn log_ids(log: &Value, list: &str) -> Vec<String> {
    strings(&log[list])
}

/// Scheduling of the cards that existed in `before`, as they are in `after`.
type Scheduling = Vec<(i64, Value)>;

fn scheduling_of(before: &Value, after: &Value) -> (Scheduling, Scheduling) {
    let was = scheduling(before);
    let ids: std::collections::BTreeSet<i64> = was.iter().map(|(id, _)| *id).collect();
    let now = scheduling(after)
        .into_iter()
        .filter(|(id, _)| ids.contains(id))
        .collect();
    (was, now)
}

/// Every note's id is a millisecond time on the day its question entered
/// the bank (the lock's `added`, current or retired).
fn assert_ids_on_their_day(ws: &Workspace, state: &Value) {
    let lock: toml::Table = toml::from_str(&ws.lock_text()).unwrap();
    let mut checked = 0;
    for table in ["notes", "retired"] {
        let Some(records) = lock.get(table).and_then(|t| t.as_table()) else {
            continue;
        };
        for (qid, record) in records {
            let added = record["added"].as_integer().unwrap();
            let id = state["notes"][qid]["id"].as_i64().unwrap();
            let day = added - added.rem_euclid(86_400);
            assert!(
                (day * 1000..(day + 86_400) * 1000).contains(&id),
                "note {qid}: id {id} is not on the day it entered the bank ({added})"
            );
            assert!(
                id <= (added + 1) * 1000,
                "note {qid}: id {id} after {added}"
            );
            let card_ids: Vec<i64> = state["cards"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["question"] == qid.as_str())
                .map(|c| c["id"].as_i64().unwrap())
                .collect();
            assert_eq!(card_ids, [id, id + 1], "{qid}: card ids");
            checked += 1;
        }
    }
    assert_eq!(checked, state["note_count"].as_i64().unwrap());
}

/// The learner's life over four releases of the real bank, imported with
/// Anki's default options each time: (a) a question deleted, (b) a new one
/// inserted in the middle of a section, (c) a section renamed, (d) the
/// deleted question restored. Each release updates exactly the notes it
/// must, review history and scheduling never move, the learner's tags and
/// edits survive on every note qbank did not change, and the removed note
/// carries the retired tag and notice until it returns.
#[test]
fn real_bank_a_learner_over_four_releases() {
    let ws = Workspace::new(&real_bank());
    let bank = ws.bank();
    let ids = question_ids(&bank);
    let n = ids.len();
    // Release times: a minute apart, in the past (never a future id).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let t = |i: i64| now - 600 + 60 * i;
    let first = ws.build(t(0));
    assert!(first.starts_with("apkg: "), "{first}");
    let imported = ws.import();
    assert_eq!(log_ids(&imported["log"], "new").len(), n);
    assert_ids_on_their_day(&ws, &imported["state"]);

    // Study 12 cards, then tag one note and edit another.
    let studied = anki(&["study", ws.col(), "3,3,4,3,1,3,3,4,3,3,2,3"]);
    assert_eq!(studied["answered"].as_array().unwrap().len(), 12);
    let (deleted, tagged, edited) = (&ids[0], &ids[2], &ids[4]);
    anki(&["learner-tag", ws.col(), tagged, "my-weak-spot"]);
    let mine = " My own mnemonic.";
    let mut before = anki(&["edit", ws.col(), edited, "Real-world example", mine])["state"].clone();
    let revlog = before["revlog_count"].as_i64().unwrap();
    assert!(revlog >= 12, "{revlog}");
    // The question to be deleted has been studied: its history must survive.
    let reviewed = |state: &Value, qid: &str| -> i64 {
        state["cards"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["question"] == qid)
            .map(|c| c["revlog"].as_i64().unwrap())
            .sum()
    };
    let deleted_reviews = reviewed(&before, &ids[0]);
    assert!(deleted_reviews >= 1);
    let learner_intact = |state: &Value| {
        let tags = state["notes"][tagged]["tags_column"].as_str().unwrap();
        assert!(tags.contains(" my-weak-spot "), "tag lost: {tags}");
        let example = state["notes"][edited]["fields"]["Real-world example"]
            .as_str()
            .unwrap();
        assert!(example.ends_with(mine), "edit lost: {example}");
    };
    let retired_tag = format!("{}::retired", bank.id);
    let deleted_path = bank
        .questions()
        .find(|(_, q)| &q.id == deleted)
        .unwrap()
        .1
        .path
        .clone();
    let deleted_in_ws = ws
        .content
        .join(deleted_path.strip_prefix(&bank.root).unwrap());
    let deleted_text = fs::read_to_string(&deleted_in_ws).unwrap();

    // Each release: build, import, and what must hold after it.
    let release = |label: &str,
                   at: i64,
                   summary: &str,
                   updated: &[&str],
                   new: &[&str],
                   before: &Value| {
        assert_eq!(ws.build(at), summary, "release {label}");
        let imported = ws.import();
        let (log, state) = (&imported["log"], &imported["state"]);
        assert_eq!(log_ids(log, "updated"), updated, "release {label}: updated");
        assert_eq!(log_ids(log, "new"), new, "release {label}: new");
        let total = state["note_count"].as_i64().unwrap() as usize;
        let mut duplicate: Vec<String> = state["notes"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|q| !updated.contains(&q.as_str()) && !new.contains(&q.as_str()))
            .cloned()
            .collect();
        duplicate.sort();
        assert_eq!(
            log_ids(log, "duplicate"),
            duplicate,
            "release {label}: up to date"
        );
        assert_eq!(updated.len() + new.len() + duplicate.len(), total);
        for list in ["conflicting", "first_field_match"] {
            assert!(log_ids(log, list).is_empty(), "release {label}: {list}");
        }
        assert_eq!(state["revlog_count"], revlog, "release {label}: review log");
        let (was, now) = scheduling_of(before, state);
        assert_eq!(was, now, "release {label}: scheduling");
        learner_intact(state);
        // Every note qbank did not update is exactly as before.
        for (qid, note) in before["notes"].as_object().unwrap() {
            if !updated.contains(&qid.as_str()) {
                assert_eq!(&state["notes"][qid], note, "release {label}: {qid} changed");
            }
        }
        assert_ids_on_their_day(&ws, state);
        eprintln!(
            "release {label}: {} updated, {} new, {} up to date; {total} notes, {} cards, {revlog} reviews kept",
            updated.len(),
            new.len(),
            duplicate.len(),
            state["card_count"]
        );
        state.clone()
    };
    let is_retired = |state: &Value| {
        let note = &state["notes"][deleted];
        let tagged = note["tags_column"]
            .as_str()
            .unwrap()
            .contains(&format!(" {retired_tag} "));
        let notice = note["fields"]["Notice"].as_str().unwrap().to_string();
        (tagged, notice)
    };

    // (a) A question is deleted: its note alone is updated, retired.
    fs::remove_file(&deleted_in_ws).unwrap();
    let summary = format!(
        "apkg: 0 changed, 0 new, {} unchanged; 1 retired (shipped once more tagged \
         {retired_tag}, with a notice): {deleted}",
        n - 1
    );
    before = release("a", t(1), &summary, &[deleted.as_str()], &[], &before);
    let (tagged_retired, notice) = is_retired(&before);
    assert!(tagged_retired);
    assert!(
        notice.starts_with("Removed from the bank on ")
            && notice.ends_with(&format!(
                "you may suspend or delete this note; search <code>tag:{retired_tag}</code>"
            )),
        "{notice}"
    );
    let question_kept = before["notes"][deleted]["fields"]["Question"].clone();
    assert!(!question_kept.as_str().unwrap().is_empty());
    // Anki renders the notice on both cards.
    let rendered = anki(&["render", ws.col(), deleted]);
    for ord in ["0", "1"] {
        for side in ["question", "answer"] {
            let html = rendered["cards"][ord][side].as_str().unwrap();
            assert!(
                html.contains("class=\"qb-notice\">Removed from the bank on"),
                "{html}"
            );
        }
    }

    // (b) A new question in the middle of section A: one new note, no update.
    let section_dir = deleted_in_ws.parent().unwrap().to_path_buf();
    let new_file = section_dir.join("03a-learning-curves.md");
    fs::write(
        &new_file,
        "+++\nid = \"learning-curves\"\ntags = [\"evaluation\"]\n+++\n\n\
         # What does a learning curve tell you?\n\n\
         ## Plain English\n\nHow the model's score changes as it sees more data.\n\n\
         ## Technical depth\n\nTraining and validation error against training-set size: \
         a persistent gap means variance, two high plateaus mean bias.\n\n\
         ## Real-world example\n\nA churn model whose validation error kept falling with \
         more data was worth another month of labelling.\n",
    )
    .unwrap();
    let summary = format!("apkg: 0 changed, 1 new, {} unchanged", n - 1);
    before = release("b", t(2), &summary, &[], &["learning-curves"], &before);
    assert!(is_retired(&before).0, "still retired");
    let new_note_id = before["notes"]["learning-curves"]["id"].as_i64().unwrap();
    assert_eq!(new_note_id / 1000 / 86_400, t(2) / 86_400, "added today");
    // The Browser's `added:1` finds the new question's two cards, and only
    // cards of questions that entered the bank lately (not all the cards
    // just imported).
    let found = strings(&anki(&["find-cards", ws.col(), "added:1"])["questions"]);
    let lock: toml::Table = toml::from_str(&ws.lock_text()).unwrap();
    assert_eq!(
        found.iter().filter(|q| *q == "learning-curves").count(),
        2,
        "{found:?}"
    );
    for q in &found {
        let added = lock["notes"][q.as_str()]["added"].as_integer().unwrap();
        assert!(
            added >= now - 2 * 86_400,
            "added:1 found {q}, added {added}"
        );
    }
    assert!(found.len() < 2 * n, "{found:?}");
    eprintln!("added:1 finds {} cards: {found:?}", found.len());

    // (c) A section is renamed: no note changes, cards stay in their deck.
    let toml_path = ws.content.join("bank.toml");
    let text = fs::read_to_string(&toml_path).unwrap();
    let renamed = text.replacen(
        "title = \"Classical ML algorithms\"",
        "title = \"Classical machine learning\"",
        1,
    );
    assert_ne!(renamed, text, "the real bank has the section to rename");
    fs::write(&toml_path, renamed).unwrap();
    let summary = format!("apkg: 0 changed, 0 new, {n} unchanged");
    before = release("c", t(3), &summary, &[], &[], &before);
    assert!(is_retired(&before).0, "still retired");

    // (d) The deleted question comes back: updated to current content.
    fs::write(&deleted_in_ws, &deleted_text).unwrap();
    let summary = format!(
        "apkg: 0 changed, 0 new, {n} unchanged; 1 returned (retired note updated back): {deleted}"
    );
    let after = release("d", t(4), &summary, &[deleted.as_str()], &[], &before);
    assert_eq!(is_retired(&after), (false, String::new()));
    assert_eq!(after["notes"][deleted]["fields"]["Question"], question_kept);
    assert_eq!(after["note_count"], n + 1);
    assert_eq!(reviewed(&after, deleted), deleted_reviews);
    let checked = anki(&["check", ws.col()]);
    assert_eq!(checked["message"], CHECK_DATABASE_CLEAN);
}

/// A version 1 lock (as committed before note dates and retirement) is
/// migrated once: `--locked` refuses it, a build rewrites it as version 2
/// with each question dated by the build that recorded it, and from then on
/// the lock is stable.
#[test]
fn a_version_1_lock_is_migrated_once() {
    let ws = Workspace::new(&fixture_bank());
    ws.build(T1);
    let v2: toml::Table = toml::from_str(&ws.lock_text()).unwrap();
    let notes = v2["notes"].as_table().unwrap();
    let mut v1 = format!(
        "# bank.lock\n\nversion = 1\nbank = \"fixture-bank\"\nrecords = {}\n\n[notetype]\nhash = \"{}\"\nmod = 1700000000\n",
        notes.len(),
        "0".repeat(64)
    );
    for (i, (qid, record)) in notes.iter().enumerate() {
        v1.push_str(&format!(
            "\n[notes.{qid}]\nguid = {}\nhash = \"{}\"\nmod = {}\n",
            record["guid"],
            "1".repeat(64),
            1_700_000_000 + 86_400 * i as i64
        ));
    }
    fs::write(ws.content.join("bank.lock"), &v1).unwrap();
    let locked = ws.run_build(T2, &["--locked"]);
    assert_eq!(locked.status.code(), Some(1));
    let err = String::from_utf8_lossy(&locked.stderr);
    assert!(
        err.contains("bank.lock is out of date") && err.contains("migrated from version 1 to 2"),
        "{err}"
    );
    assert_eq!(ws.lock_text(), v1, "--locked changed the lock");

    let summary = ws.build(T2);
    assert_eq!(
        summary,
        format!(
            "apkg: {} changed, 0 new, 0 unchanged; notetype updated; bank.lock migrated from version 1 to 2",
            notes.len()
        )
    );
    let migrated: toml::Table = toml::from_str(&ws.lock_text()).unwrap();
    assert_eq!(migrated["version"].as_integer(), Some(2));
    for (i, (qid, record)) in migrated["notes"].as_table().unwrap().iter().enumerate() {
        let added = 1_700_000_000 + 86_400 * i as i64;
        assert_eq!(record["added"].as_integer(), Some(added), "{qid}");
        assert_eq!(record["id"].as_integer().unwrap() / 1000, added, "{qid}");
        assert_eq!(record["mod"].as_integer(), Some(T2), "{qid}");
    }
    let lock = ws.lock_text();
    assert_eq!(
        ws.build(T3),
        format!("apkg: 0 changed, 0 new, {} unchanged", notes.len())
    );
    assert_eq!(ws.lock_text(), lock);
    assert!(ws.run_build(T3, &["--locked"]).status.success());
}

/// A retired note's figures still travel with it while `media/` holds them,
/// so a learner who imports for the first time sees them too.
#[test]
fn a_retired_note_keeps_its_figure() {
    let ws = Workspace::new(&fixture_bank());
    ws.build(T1);
    let bank = ws.bank();
    let (section, question) = bank
        .questions()
        .find(|(_, q)| q.id == "overfitting")
        .unwrap();
    let figure = NoteContent::build(&bank, section, question).unwrap().media;
    assert_eq!(figure.len(), 1);
    fs::remove_file(&question.path).unwrap();
    let summary = ws.build(T2);
    assert!(summary.contains("1 retired"), "{summary}");
    let mut zip = zip::ZipArchive::new(fs::File::open(ws.apkg()).unwrap()).unwrap();
    let mut map = String::new();
    zip.by_name("media")
        .unwrap()
        .read_to_string(&mut map)
        .unwrap();
    let map: serde_json::Map<String, Value> = serde_json::from_str(&map).unwrap();
    let names: Vec<&str> = map.values().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(names, [figure[0].name.as_str()]);
    let fresh = anki(&["import", ws.col(), ws.apkg().to_str().unwrap()]);
    let state = &fresh["state"];
    assert_eq!(
        state["media"][&figure[0].name],
        hex::encode(Sha256::digest(&figure[0].bytes))
    );
    let note = &state["notes"]["overfitting"];
    assert!(note["tags_column"]
        .as_str()
        .unwrap()
        .contains(" fixture-bank::retired "));
}

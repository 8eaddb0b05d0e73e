//! The Anki deck exporter: `qbank build` writes `out/<bank id>.apkg`, a
//! package that re-imports as updates, never duplicates, and keeps learners'
//! review progress.
//!
//! Identity never depends on content: a note's GUID comes from the bank id
//! and the question id ([`crate::identity::note_guid`]), and every other id is
//! derived from the bank id and a permanent name ([`ids`]). Change tracking
//! lives in `content/bank.lock` ([`lock`]): a note's `mod` moves forward only
//! when what Anki stores for it changes, so a re-import updates exactly the
//! edited notes.

pub mod collection;
pub mod ids;
pub mod lock;
pub mod package;
pub mod schema;
pub mod templates;

use std::collections::BTreeMap;

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};

use crate::export::{BuildOptions, ExportError, Exporter, Format};
use crate::model::Bank;
use crate::note::{render_markdown, strip_html, MediaFile, NoteContent};
use crate::output::write_atomic;

use collection::{field_checksum, tags_column, CardRow, ColRow, NoteRow};
use ids::{past_millis, IdAllocator};
use lock::{CurrentNote, Lock};
use schema::{ColConf, Deck, DeckConf, Notetype};

/// Anki's default deck id, present in every collection: never handed out.
const DEFAULT_DECK_ID: i64 = 1;
/// New-card positions are `number × POSITION_GAP`, leaving room to insert later.
pub const POSITION_GAP: i64 = 10;
/// Fixed collection creation time (2010-01-01): the package's own scheduling
/// is never used, and a fixed value keeps the bytes stable.
const COLLECTION_CREATED: i64 = 1_262_304_000;

/// Writes the bank as an Anki package.
#[derive(Debug, Clone)]
pub struct AnkiExporter {
    /// The notetype's CSS (normally [`templates::CSS`]).
    css: String,
}

impl Default for AnkiExporter {
    fn default() -> AnkiExporter {
        AnkiExporter {
            css: templates::CSS.to_string(),
        }
    }
}

impl AnkiExporter {
    /// An exporter whose cards use `css`: what a later qbank release with
    /// restyled cards produces (the notetype is then updated in place).
    pub fn with_css(css: impl Into<String>) -> AnkiExporter {
        AnkiExporter { css: css.into() }
    }
}

impl Exporter for AnkiExporter {
    fn format(&self) -> Format {
        Format::Apkg
    }

    fn export(&self, bank: &Bank, opts: &BuildOptions) -> Result<String, ExportError> {
        let notes = bank
            .questions()
            .map(|(section, question)| {
                NoteContent::build(bank, section, question)
                    .with_context(|| format!("{}", question.path.display()))
                    .map(|content| (section, question, content))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;

        let ids = DeckIds::new(bank);
        let notetype_hash = notetype_hash(&notetype_for(bank, &ids, &self.css, 0))?;
        let current: Vec<CurrentNote> = notes
            .iter()
            .map(|(_, q, c)| CurrentNote {
                question_id: q.id.clone(),
                guid: c.guid.clone(),
                hash: c.hash.clone(),
            })
            .collect();

        let lock_path = bank.lock_path();
        let previous = Lock::read(&lock_path, &bank.id)?;
        let plan = lock::plan(
            previous.as_ref(),
            &bank.id,
            &current,
            &notetype_hash,
            opts.now,
        );
        let lock_text = plan.lock.to_text()?;
        let on_disk = std::fs::read_to_string(&lock_path).ok();
        let lock_changes = on_disk.as_deref() != Some(lock_text.as_str());
        if opts.locked && lock_changes {
            let what = if on_disk.is_none() {
                "it does not exist".to_string()
            } else {
                plan.summary()
            };
            return Err(ExportError::LockOutdated(format!(
                "{} is out of date ({what}); run `qbank build` and commit the lock",
                lock_path.display()
            )));
        }

        let package = render_package(bank, &ids, &self.css, &notes, &plan.lock)?;
        // The lock first: the package is a pure function of bank + lock, so
        // if writing the package fails, the next build writes the same one.
        if lock_changes {
            write_atomic(&lock_path, lock_text.as_bytes())?;
        }
        let out = opts.output_path(bank, Format::Apkg);
        write_atomic(&out, &package)?;
        Ok(plan.summary())
    }
}

/// The notetype and deck ids of a bank.
struct DeckIds {
    notetype: i64,
    /// The deck options preset the decks use.
    preset: i64,
    parent: i64,
    /// Section id → deck id.
    sections: BTreeMap<String, i64>,
}

impl DeckIds {
    fn new(bank: &Bank) -> DeckIds {
        let mut decks = IdAllocator::new();
        decks.reserve(DEFAULT_DECK_ID);
        let parent = decks.allocate(&["qbank", "deck", &bank.id]);
        let sections = bank
            .sections
            .iter()
            .map(|s| {
                let id = decks.allocate(&["qbank", "deck", &bank.id, &s.id]);
                (s.id.clone(), id)
            })
            .collect();
        DeckIds {
            notetype: past_millis(&["qbank", "notetype", &bank.id]),
            preset: past_millis(&["qbank", "preset", &bank.id]),
            parent,
            sections,
        }
    }
}

/// The notetype's name in learners' collections.
pub fn notetype_name(bank: &Bank) -> String {
    format!("{} (qbank)", bank.title)
}

/// A deck name component: `::` would nest, so it is softened to `:`.
fn deck_component(text: &str) -> String {
    text.replace("::", ":").trim().to_string()
}

/// The parent deck's name: the bank's title.
pub fn parent_deck_name(bank: &Bank) -> String {
    deck_component(&bank.title)
}

fn notetype_for(bank: &Bank, ids: &DeckIds, css: &str, mtime: i64) -> Notetype {
    let mut notetype = templates::notetype(
        &bank.id,
        ids.notetype,
        &notetype_name(bank),
        ids.parent,
        mtime,
    );
    notetype.css = css.to_string();
    notetype
}

/// SHA-256 over the notetype as Anki stores it, apart from its `mod`.
fn notetype_hash(notetype: &Notetype) -> anyhow::Result<String> {
    let mut unstamped = notetype.clone();
    unstamped.mtime = 0;
    let json = serde_json::to_vec(&unstamped)?;
    let mut h = Sha256::new();
    h.update(b"qbank-notetype-v1\0");
    h.update(&json);
    Ok(hex::encode(h.finalize()))
}

/// Build the collection and zip it with the media.
fn render_package(
    bank: &Bank,
    ids: &DeckIds,
    css: &str,
    notes: &[(&crate::model::Section, &crate::model::Question, NoteContent)],
    lock: &Lock,
) -> anyhow::Result<Vec<u8>> {
    let notetype = notetype_for(bank, ids, css, lock.notetype.mtime);
    let mut latest = lock.notetype.mtime;

    let mut note_ids = IdAllocator::new();
    let mut card_ids = IdAllocator::new();
    let mut note_rows = Vec::with_capacity(notes.len());
    let mut card_rows = Vec::with_capacity(notes.len() * 2);
    let mut media: Vec<MediaFile> = Vec::new();
    for (section, question, content) in notes {
        let mtime = lock
            .notes
            .get(&question.id)
            .map(|s| s.mtime)
            .context("internal: a note is missing from the lock plan")?;
        latest = latest.max(mtime);
        if let Some(field) = content.fields.iter().find(|f| f.contains('\u{1f}')) {
            bail!(
                "{}: a field contains the control character U+001F, which Anki uses as its field separator: {field:?}",
                question.path.display()
            );
        }
        let note_id = note_ids.allocate(&["qbank", "note", &bank.id, &question.id]);
        let sort_field = strip_html(&content.fields[0]);
        note_rows.push(NoteRow {
            id: note_id,
            guid: content.guid.clone(),
            notetype_id: notetype.id,
            mtime,
            tags: tags_column(&content.tags),
            fields: content.fields.join("\u{1f}"),
            checksum: field_checksum(&sort_field),
            sort_field,
        });
        let deck_id = ids.sections[&section.id];
        for template in &notetype.tmpls {
            card_rows.push(CardRow {
                id: card_ids.allocate(&["qbank", "card", &bank.id, &question.id, &template.name]),
                note_id,
                deck_id,
                ord: template.ord,
                mtime,
                due: i64::from(question.number) * POSITION_GAP,
            });
        }
        media.extend(content.media.iter().cloned());
    }
    media.sort_by(|a, b| a.name.cmp(&b.name));
    media.dedup_by(|a, b| a.name == b.name);

    let preset = DeckConf::in_position_order(ids.preset, notetype_name(bank), COLLECTION_CREATED);
    let mut decks: schema::Decks = BTreeMap::new();
    let mut add_deck = |deck: Deck| decks.insert(deck.id.to_string(), deck);
    add_deck(Deck::new(
        ids.parent,
        parent_deck_name(bank),
        deck_description(bank)?,
        lock.notetype.mtime,
        preset.id,
    ));
    for section in &bank.sections {
        add_deck(Deck::new(
            ids.sections[&section.id],
            format!(
                "{}::{}",
                parent_deck_name(bank),
                deck_component(&section.heading())
            ),
            String::new(),
            lock.notetype.mtime,
            preset.id,
        ));
    }

    let conf = ColConf {
        active_decks: vec![ids.parent],
        cur_deck: ids.parent,
        cur_model: notetype.id,
        next_pos: notes
            .iter()
            .map(|(_, q, _)| i64::from(q.number) * POSITION_GAP)
            .max()
            .unwrap_or(0)
            + POSITION_GAP,
        new_spread: 0,
        collapse_time: 1200,
        time_lim: 0,
        est_times: true,
        due_counts: true,
        sort_type: "noteFld".into(),
        sort_backwards: false,
        add_to_cur: true,
        sched_ver: 2,
    };
    let models: schema::Models = [(notetype.id.to_string(), notetype)].into();
    let dconf: schema::DeckConfs = [(preset.id.to_string(), preset)].into();
    let col = ColRow {
        crt: COLLECTION_CREATED,
        mtime_ms: latest * 1000,
        scm: latest * 1000,
        conf: serde_json::to_string(&conf)?,
        models: serde_json::to_string(&models)?,
        decks: serde_json::to_string(&decks)?,
        dconf: serde_json::to_string(&dconf)?,
    };
    let db = collection::write_collection(&col, &note_rows, &card_rows)?;
    package::write_package(&db, &media)
}

/// The parent deck's description: `intro.md` rendered to HTML (figures in the
/// intro are not carried: Anki only imports media that notes reference).
fn deck_description(bank: &Bank) -> anyhow::Result<String> {
    match &bank.intro {
        Some(intro) => {
            let mut unused = Vec::new();
            render_markdown(bank, &intro.markdown, &mut unused)
                .with_context(|| format!("{}", intro.path.display()))
        }
        None => Ok(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Section;
    use std::path::PathBuf;

    fn bank(title: &str, sections: &[(&str, &str, &str)]) -> Bank {
        Bank {
            root: PathBuf::from("content"),
            id: "b".into(),
            title: title.into(),
            subtitle: String::new(),
            description: String::new(),
            date: None,
            intro: None,
            sections: sections
                .iter()
                .map(|(id, letter, title)| Section {
                    id: (*id).into(),
                    letter: (*letter).into(),
                    title: (*title).into(),
                    dir: (*id).into(),
                    questions: Vec::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn deck_ids_are_distinct_stable_and_never_the_default_deck() {
        let b = bank("T", &[("one", "A", "One"), ("two", "B", "Two")]);
        let ids = DeckIds::new(&b);
        let again = DeckIds::new(&b);
        let mut all: Vec<i64> = ids.sections.values().copied().collect();
        all.push(ids.parent);
        assert_eq!(all.len(), 3);
        assert!(!all.contains(&DEFAULT_DECK_ID));
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 3);
        assert_eq!(ids.parent, again.parent);
        assert_eq!(ids.sections, again.sections);
        assert_ne!(ids.notetype, ids.preset);
    }

    #[test]
    fn a_title_with_the_deck_separator_does_not_nest() {
        let b = bank("ML :: Prep", &[]);
        assert_eq!(parent_deck_name(&b), "ML : Prep");
        assert_eq!(notetype_name(&b), "ML :: Prep (qbank)");
    }
}

//! The Anki deck exporter: `qbank build` writes `out/<bank id>.apkg`, a
//! package that re-imports as updates, never duplicates, and keeps learners'
//! review progress.
//!
//! Identity never depends on content: a note's GUID comes from the bank id
//! and the question id ([`crate::identity::note_guid`]); its note id is a
//! timestamp from the build that first saw the question, kept in the lock
//! (its cards' ids follow from it); deck and notetype ids are derived from
//! the bank id and a permanent name (`ids`). Change tracking lives in
//! `content/bank.lock` ([`lock`]): a note's `mod` moves forward only when
//! what Anki stores for it changes, so a re-import updates exactly the
//! edited notes. A question that left the bank ships retired, from the lock.

mod collection;
mod ids;
pub mod lock;
pub mod note;
mod package;
mod schema;
pub mod templates;
pub mod theme;

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};

use crate::diagnostic::Diagnostic;
use crate::export::{ExportContext, ExportError, Exporter, Format, Rendered};
use crate::model::media_name;
use crate::model::Bank;
use crate::output::prepare_atomic;
use note::{render_markdown, strip_html, MediaFile, NoteContent};

use collection::{field_checksum, tags_column, CardRow, ColRow, NoteRow};
use ids::{past_millis, IdAllocator};
use lock::{CurrentNote, Identities, Lock};
use schema::{ColConf, Deck, DeckConf, Notetype};

/// Anki's default deck id, present in every collection: never handed out.
const DEFAULT_DECK_ID: i64 = 1;
/// New-card positions are `number × POSITION_GAP`, leaving room to insert later.
pub const POSITION_GAP: i64 = 10;
/// Fixed collection creation time (2010-01-01): the package's own scheduling
/// is never used, and a fixed value keeps the bytes stable.
const COLLECTION_CREATED: i64 = 1_262_304_000;

/// Writes the bank as an Anki package.
#[derive(Debug)]
pub struct AnkiExporter {
    /// The notetype's built-in CSS (normally [`templates::CSS`]); a bank's
    /// `theme/card.css` is appended to it.
    css: String,
    /// Fail instead of changing `bank.lock` (`--locked`).
    locked: bool,
    /// `bank.lock` as [`Exporter::check`] read it, for the export to use
    /// rather than read it again.
    checked_lock: Mutex<Option<PreviousLock>>,
}

/// A bank's `bank.lock` as read (`None`: the bank has none), with the path
/// it was read from: an export of another bank reads its own.
#[derive(Debug)]
struct PreviousLock(std::path::PathBuf, Option<Lock>);

impl Clone for AnkiExporter {
    /// The same exporter, without the lock its original has read.
    fn clone(&self) -> AnkiExporter {
        AnkiExporter {
            css: self.css.clone(),
            locked: self.locked,
            checked_lock: Mutex::default(),
        }
    }
}

impl Default for AnkiExporter {
    fn default() -> AnkiExporter {
        AnkiExporter::new(false)
    }
}

impl AnkiExporter {
    /// The deck exporter; with `locked`, a build that would change
    /// `bank.lock` fails instead ([`ExportError::LockOutdated`]).
    pub(crate) fn new(locked: bool) -> AnkiExporter {
        AnkiExporter {
            css: templates::CSS.to_string(),
            locked,
            checked_lock: Mutex::default(),
        }
    }

    /// An exporter whose cards use `css`: what a later qbank release with
    /// restyled cards produces (the notetype is then updated in place).
    pub fn with_css(css: impl Into<String>) -> AnkiExporter {
        AnkiExporter {
            css: css.into(),
            locked: false,
            checked_lock: Mutex::default(),
        }
    }
}

impl Exporter for AnkiExporter {
    fn format(&self) -> Format {
        Format::Apkg
    }

    /// A lock the deck would refuse, as a content error. (The loader has
    /// already refused a lock that is not a regular file or is too large;
    /// it is not read then.) The lock read is kept for the export.
    fn check(&self, bank: &Bank) -> Vec<Diagnostic> {
        let path = bank.lock_path();
        let readable = std::fs::symlink_metadata(&path)
            .is_ok_and(|m| m.is_file() && m.len() <= crate::load::lock_limit(bank));
        if !readable {
            return Vec::new();
        }
        match read_previous_lock(bank) {
            Ok(lock) => {
                *self
                    .checked_lock
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(PreviousLock(path, lock));
                Vec::new()
            }
            Err(e) => vec![lock::problem(&bank.lock_path(), &e)],
        }
    }

    fn export(&self, bank: &Bank, ctx: &ExportContext) -> Result<Rendered, ExportError> {
        let ids = DeckIds::new(bank);
        let theme = theme::read(bank).map_err(|problems| {
            let lines: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
            anyhow::anyhow!("{}", lines.join("\n"))
        })?;
        let css = theme::card_css(&self.css, theme);
        let notetype_hash = notetype_hash(&notetype_for(bank, &ids, &css, 0))?;
        let lock_path = bank.lock_path();
        let checked = self
            .checked_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let previous = match checked {
            Some(PreviousLock(path, lock)) if path == lock_path => lock,
            _ => read_previous_lock(bank)?,
        };

        // Every note is rendered (on every core), stamped and written to the
        // collection; its content then moves into its record of the new lock.
        let identities = Identities::new(previous.as_ref(), &bank.id, ctx.now);
        let deck = DeckWriter::create(bank, &ids, identities, &ctx.out_dir)?;
        let (mut deck, current) =
            deck.add_notes(|id, hash| lock::note_mtime(previous.as_ref(), id, hash, ctx.now))?;

        let plan = lock::plan(
            previous.as_ref(),
            &bank.id,
            current,
            &notetype_hash,
            ctx.now,
        );
        drop(previous);
        // The new lock is compared with the file as it is written out, and
        // written only if it differs: neither text is ever held whole. That
        // runs on one core while the collection is finished and deflated
        // into the package on another; a build refused for an outdated lock
        // drops the package it prepared.
        let (lock, package) = std::thread::scope(|scope| {
            let lock = scope.spawn(|| prepare_lock(&plan.lock, &lock_path, self.locked));
            let package = (|| -> anyhow::Result<_> {
                deck.add_retired(&plan.lock)?;
                let deck = deck.finish(&css, &plan.lock)?;
                // Package and lock are prepared beside their places; the
                // build puts the lock in place first, then the package with
                // every other output.
                let out = ctx.output_path(bank, Format::Apkg);
                prepare_atomic(&out, |file| deck.write_package(file))
            })();
            let lock = lock
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("internal: writing bank.lock failed")));
            (lock, package)
        });
        let lock = match lock? {
            PreparedLock::Outdated { missing } => {
                let what = if missing {
                    "it does not exist".to_string()
                } else {
                    plan.summary()
                };
                return Err(ExportError::LockOutdated(format!(
                    "{} is out of date ({what}); run `qbank build` and commit the lock",
                    lock_path.display()
                )));
            }
            PreparedLock::Unchanged => None,
            PreparedLock::Written(lock) => Some(lock),
        };
        let mut rendered = Rendered::output(plan.summary(), package?);
        rendered.bank_files.extend(lock);
        Ok(rendered)
    }
}

/// The bank's `bank.lock`, if it has one. Of its records only those of
/// questions that left the bank keep the content they shipped: the others
/// keep just their stamps.
fn read_previous_lock(bank: &Bank) -> anyhow::Result<Option<Lock>> {
    let in_bank = bank.question_ids();
    Lock::read_keeping(&bank.lock_path(), &bank.id, |id| !in_bank.contains(id))
}

/// What became of the new lock.
enum PreparedLock {
    /// `bank.lock` already holds it.
    Unchanged,
    /// It differs from `bank.lock` (or there is none: `missing`), and the
    /// build is `--locked`, so nothing was written.
    Outdated { missing: bool },
    /// Written beside `bank.lock`, to be put in its place.
    Written(crate::output::PendingOutput),
}

/// Compare `lock` with the file at `path`, and write it beside the file
/// when it differs, unless the build is `locked`.
fn prepare_lock(lock: &Lock, path: &std::path::Path, locked: bool) -> anyhow::Result<PreparedLock> {
    let on_disk = lock.is_written_at(path)?;
    if on_disk == Some(true) {
        return Ok(PreparedLock::Unchanged);
    }
    if locked {
        return Ok(PreparedLock::Outdated {
            missing: on_disk.is_none(),
        });
    }
    let written = prepare_atomic(path, |file| {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        lock.write_text(&mut out)?;
        std::io::Write::flush(&mut out).map_err(Into::into)
    })?;
    Ok(PreparedLock::Written(written))
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

/// A deck ready to be zipped: its collection database, written to a
/// temporary folder, and the media its notes reference.
struct RenderedDeck {
    /// Holds the collection file; removed when the deck is dropped.
    _dir: tempfile::TempDir,
    collection: std::path::PathBuf,
    media: Vec<MediaFile>,
}

impl RenderedDeck {
    /// Stream the `.apkg` zip into `file`.
    fn write_package(&self, file: &mut std::fs::File) -> anyhow::Result<()> {
        let mut collection = std::fs::File::open(&self.collection)
            .context("cannot read back the collection database")?;
        package::write_package_to(file, &mut collection, &self.media)
    }
}

/// One question's place in the deck: its note id (its cards' ids are the
/// note id plus the template ord) and when it entered the bank.
struct NoteSlot<'a> {
    section: &'a crate::model::Section,
    question: &'a crate::model::Question,
    note_id: i64,
    added: i64,
}

/// A collection being filled, note by note.
struct DeckWriter<'a> {
    bank: &'a Bank,
    ids: &'a DeckIds,
    dir: tempfile::TempDir,
    collection: std::path::PathBuf,
    writer: collection::CollectionWriter,
    slots: Vec<NoteSlot<'a>>,
    cards: Vec<CardRow>,
    /// The figures the notes reference, by name (so in name order), each once.
    media: BTreeMap<String, MediaFile>,
    /// The `mod` each note was written with, by slot.
    mtimes: Vec<Option<i64>>,
    latest_note_mtime: i64,
}

impl<'a> DeckWriter<'a> {
    /// Give every question its note id and `added` time (from the lock, or
    /// now for a question new to the bank, allocated in bank order so a clash
    /// resolves the same way every build) and open the collection file.
    fn create(
        bank: &'a Bank,
        ids: &'a DeckIds,
        mut identities: Identities<'_>,
        out_dir: &std::path::Path,
    ) -> anyhow::Result<DeckWriter<'a>> {
        let slots = bank
            .questions()
            .map(|(section, question)| {
                let (note_id, added) = identities.of(&question.id);
                NoteSlot {
                    section,
                    question,
                    note_id,
                    added,
                }
            })
            .collect();
        // Beside the outputs, clearly named: a build killed here leaves
        // `.qbank-*.tmp`, which a later build removes.
        let dir = tempfile::Builder::new()
            .prefix(crate::output::TEMP_PREFIX)
            .suffix(crate::output::TEMP_SUFFIX)
            .tempdir_in(out_dir)
            .with_context(|| {
                format!("cannot create a temporary folder in {}", out_dir.display())
            })?;
        let collection = dir.path().join("collection.anki2");
        let writer = collection::CollectionWriter::create(&collection)?;
        Ok(DeckWriter {
            bank,
            ids,
            dir,
            collection,
            writer,
            slots,
            cards: Vec::new(),
            media: BTreeMap::new(),
            mtimes: Vec::new(),
            latest_note_mtime: 0,
        })
    }

    /// Render every note, stamp it with `mtime_of`, and write its row.
    /// Notes go in in id order (the table's key), which keeps its pages full.
    /// Returns what each note hashes to, in bank order, for the lock.
    fn add_notes(
        mut self,
        mtime_of: impl Fn(&str, &str) -> i64,
    ) -> anyhow::Result<(DeckWriter<'a>, Vec<CurrentNote>)> {
        let mut order: Vec<usize> = (0..self.slots.len()).collect();
        order.sort_by_key(|&i| self.slots[i].note_id);
        let mut current: Vec<Option<CurrentNote>> = vec![None; self.slots.len()];
        self.mtimes = vec![None; self.slots.len()];
        // Notes are rendered on every core (rendering is most of a note's
        // cost), then stamped and written one by one in id order. The
        // rendered content is kept either way: it moves into the lock.
        let (bank, slots) = (self.bank, &self.slots);
        let rendered = crate::parallel::map_in_order(&order, |&i| {
            NoteContent::build(bank, slots[i].section, slots[i].question)
        });
        for (i, content) in order.into_iter().zip(rendered) {
            let slot = &self.slots[i];
            let question = slot.question;
            let (note_id, section, added) = (slot.note_id, slot.section, slot.added);
            let content = content.with_context(|| format!("{}", question.path.display()))?;
            if let Some(field) = content.fields.iter().find(|f| f.contains('\u{1f}')) {
                bail!(
                    "{}: a field contains the control character U+001F, which Anki uses as its field separator: {field:?}",
                    question.path.display()
                );
            }
            let mtime = mtime_of(&question.id, &content.hash);
            self.mtimes[i] = Some(mtime);
            self.latest_note_mtime = self.latest_note_mtime.max(mtime);
            let deck_id = self.ids.sections[&section.id];
            let due = i64::from(question.number) * POSITION_GAP;
            self.write_note(
                &content.guid,
                note_id,
                mtime,
                &content.fields,
                &content.tags,
            )?;
            self.push_cards(note_id, deck_id, mtime, due);
            let media = content.media.iter().map(|m| m.name.clone()).collect();
            for m in content.media {
                self.media.entry(m.name.clone()).or_insert(m);
            }
            // The rendered content moves into the lock's record: one copy.
            current[i] = Some(CurrentNote {
                question_id: question.id.clone(),
                guid: content.guid,
                id: note_id,
                added,
                hash: content.hash,
                fields: content.fields,
                tags: content.tags,
                media,
            });
        }
        let current = current
            .into_iter()
            .map(|n| n.context("internal: a note was not rendered"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok((self, current))
    }

    fn write_note(
        &mut self,
        guid: &str,
        id: i64,
        mtime: i64,
        fields: &[String],
        tags: &[String],
    ) -> anyhow::Result<()> {
        let sort_field = strip_html(&fields[0]);
        self.writer.insert_note(&NoteRow {
            id,
            guid: guid.to_string(),
            notetype_id: self.ids.notetype,
            mtime,
            tags: tags_column(tags),
            fields: fields.join("\u{1f}"),
            checksum: field_checksum(&sort_field),
            sort_field,
        })
    }

    /// One card per template, `note id + ord`.
    fn push_cards(&mut self, note_id: i64, deck_id: i64, mtime: i64, due: i64) {
        for ord in 0..templates::card_templates().len() as u16 {
            self.cards.push(CardRow {
                id: note_id + i64::from(ord),
                note_id,
                deck_id,
                ord,
                mtime,
                due,
            });
        }
    }

    /// The next free new-card position after every question's.
    fn next_position(&self) -> i64 {
        self.slots
            .iter()
            .map(|s| i64::from(s.question.number) * POSITION_GAP)
            .max()
            .unwrap_or(0)
            + POSITION_GAP
    }

    /// Ship the notes of questions that left the bank, as the lock records
    /// them (retired: tagged, with the notice). A learner who has the note
    /// gets the update; cards never move, so theirs stay where they are. A
    /// new learner gets them in the parent deck, after every current card.
    /// Their figures travel when `media/` still has the same file.
    fn add_retired(&mut self, lock: &Lock) -> anyhow::Result<()> {
        let due = self.next_position();
        for record in lock.retired.values() {
            if record.fields.is_empty() {
                continue;
            }
            if record.fields.len() != note::FIELD_NAMES.len() {
                bail!(
                    "internal: a retired note in bank.lock has {} fields",
                    record.fields.len()
                );
            }
            self.write_note(
                &record.guid,
                record.id,
                record.mtime,
                &record.fields,
                &record.tags,
            )?;
            self.latest_note_mtime = self.latest_note_mtime.max(record.mtime);
            self.push_cards(record.id, self.ids.parent, record.mtime, due);
            for name in &record.media {
                if let Some(file) = retired_figure(self.bank, name) {
                    self.media.entry(file.name.clone()).or_insert(file);
                }
            }
        }
        Ok(())
    }

    /// Write the cards, decks, notetype and collection settings, and close
    /// the collection. `lock` is the plan the notes were stamped from.
    fn finish(mut self, css: &str, lock: &Lock) -> anyhow::Result<RenderedDeck> {
        let (bank, ids) = (self.bank, self.ids);
        for (slot, written) in self.slots.iter().zip(&self.mtimes) {
            let stamped = lock.notes.get(&slot.question.id).map(|s| s.mtime);
            if stamped.is_none() || stamped != *written {
                bail!(
                    "internal: note `{}` was stamped differently from bank.lock",
                    slot.question.id
                );
            }
        }
        self.cards.sort_by_key(|c| c.id);
        for card in &self.cards {
            self.writer.insert_card(card)?;
        }
        let notetype = notetype_for(bank, ids, css, lock.notetype.mtime);
        let latest = lock.notetype.mtime.max(self.latest_note_mtime);

        let preset =
            DeckConf::in_position_order(ids.preset, notetype_name(bank), COLLECTION_CREATED);
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
        let retired_shipped = lock.retired.values().any(|r| !r.fields.is_empty());
        let next_pos = self.next_position() + if retired_shipped { POSITION_GAP } else { 0 };
        let conf = ColConf {
            active_decks: vec![ids.parent],
            cur_deck: ids.parent,
            cur_model: notetype.id,
            next_pos,
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
        self.writer.finish(&col)?;
        Ok(RenderedDeck {
            _dir: self.dir,
            collection: self.collection,
            media: self.media.into_values().collect(),
        })
    }
}

/// A retired note's figure, if `media/` still holds the same file: the
/// hashed name `stem-<digest>.ext` of `media/stem.ext`.
fn retired_figure(bank: &Bank, name: &str) -> Option<MediaFile> {
    let (base, ext) = name.rsplit_once('.')?;
    let (stem, _) = base.rsplit_once('-')?;
    // The figure as the loader read it (a plain, size-limited file).
    let bytes = bank.figure_bytes(&format!("media/{stem}.{ext}"))?;
    (media_name(&format!("{stem}.{ext}"), &bytes) == name).then(|| MediaFile {
        name: name.to_string(),
        bytes,
    })
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

    fn bank(title: &str, sections: &[(&str, &str, &str)]) -> Bank {
        Bank {
            title: title.into(),
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
            ..Bank::empty("content", "b")
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
        all.sort_unstable();
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

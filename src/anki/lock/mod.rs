//! `content/bank.lock`: the change record kept between builds, committed
//! beside the bank like `Cargo.lock`.
//!
//! For each question it records its note's GUID, its note id (a millisecond
//! timestamp from the build that first saw the question, so Anki's "Created"
//! column and `added:N` tell the truth), when it entered the bank, the hash
//! of exactly what Anki stores for it ([`crate::note::NoteContent::hash`]),
//! the `mod` (Unix seconds) that content was given, and that content as
//! shipped. A build gives a note a new `mod` only when its hash changed, so
//! re-importing a deck updates exactly the edited notes and leaves every
//! other note (and a learner's own edits to it) alone.
//!
//! A question that leaves the bank moves to `retired`: the next build ships
//! its note once more, as last shipped but tagged `<bank id>::retired` and
//! with a notice on both cards, under a newer `mod`; later builds ship it
//! unchanged. If the id returns, the note is updated back to current content.
//!
//! Version 1 locks (no ids, dates or content) are read and rewritten once as
//! version 2: each question is dated by the build that recorded it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::identity::{hash64, note_guid};
use crate::note::{content_hash, escape, MediaFile, NOTICE_FIELD};

/// The lock format version this qbank writes.
pub const LOCK_VERSION: u32 = 2;

/// Note ids step by this many milliseconds, and a note's cards take the ids
/// `note id + template ord`: room for four templates, never a clash.
pub const ID_STEP: i64 = 4;

const HEADER: &str = "\
# bank.lock: written by `qbank build`; commit it beside the bank.
# For each note: its GUID, its note id (a millisecond timestamp from the
# build that first saw the question), when it entered the bank (`added`),
# the SHA-256 of what Anki stores for it, the `mod` (Unix seconds) that
# content was given, and that content as shipped (so a question that leaves
# the bank can be shipped once more, retired). Anki updates a learner's note
# only when the incoming `mod` is newer, so `mod` changes exactly when the
# hash does. Do not edit by hand: `qbank build` keeps it up to date.
";

/// The whole lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    /// The bank id the lock belongs to.
    pub bank: String,
    /// How many `[notes.*]` and `[retired.*]` records follow: a lock cut
    /// short (even at a line boundary, where it is still valid TOML) is
    /// caught instead of read as a bank with fewer notes.
    pub records: usize,
    pub notetype: Stamp,
    /// Question id → its note's record.
    #[serde(default)]
    pub notes: BTreeMap<String, NoteRecord>,
    /// Questions no longer in the bank, whose notes ship retired.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub retired: BTreeMap<String, NoteRecord>,
    /// The version this lock was read from when it was older (not written).
    #[serde(skip)]
    pub migrated_from: Option<u32>,
}

/// A content hash and the `mod` that content was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stamp {
    pub hash: String,
    #[serde(rename = "mod")]
    pub mtime: i64,
}

/// A note's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteRecord {
    pub guid: String,
    /// The note id: milliseconds, from the build that first saw the question.
    pub id: i64,
    /// When the question entered the bank (Unix seconds).
    pub added: i64,
    /// When it left the bank (Unix seconds); only in `retired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired: Option<i64>,
    pub hash: String,
    #[serde(rename = "mod")]
    pub mtime: i64,
    /// The fields as shipped (HTML). Empty only for a question that left the
    /// bank before the lock kept content (version 1): that note is not shipped.
    pub fields: Vec<String>,
    /// The tags as shipped.
    pub tags: Vec<String>,
    /// The media file names the fields reference.
    pub media: Vec<String>,
}

/// What one note of the bank holds now.
#[derive(Debug, Clone)]
pub struct CurrentNote {
    pub question_id: String,
    pub guid: String,
    pub id: i64,
    pub added: i64,
    pub hash: String,
    pub fields: Vec<String>,
    pub tags: Vec<String>,
    pub media: Vec<String>,
}

/// The outcome of comparing the bank with the previous lock.
#[derive(Debug, Clone)]
pub struct Plan {
    pub lock: Lock,
    pub changed: Vec<String>,
    pub new: Vec<String>,
    pub unchanged: usize,
    /// Retired questions that are back in the bank.
    pub returned: Vec<String>,
    /// Questions in the previous lock's `notes` that left the bank in this build.
    pub retired: Vec<String>,
    /// Of those, the ones whose content the lock did not hold (not shipped).
    pub retired_unknown: Vec<String>,
    pub notetype_changed: bool,
}

impl Plan {
    /// `apkg: 1 changed, 0 new, 49 unchanged`, plus returns, retirements, the
    /// notetype and a migrated lock when they happen.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "apkg: {} changed, {} new, {} unchanged",
            self.changed.len(),
            self.new.len(),
            self.unchanged
        );
        if !self.returned.is_empty() {
            let _ = write!(
                line,
                "; {} returned (retired note updated back): {}",
                self.returned.len(),
                self.returned.join(", ")
            );
        }
        if !self.retired.is_empty() {
            let _ = write!(
                line,
                "; {} retired (shipped once more tagged {}::retired, with a notice): {}",
                self.retired.len(),
                self.lock.bank,
                self.retired.join(", ")
            );
        }
        if !self.retired_unknown.is_empty() {
            let _ = write!(
                line,
                " ({} not shipped: the lock did not hold its content: {})",
                self.retired_unknown.len(),
                self.retired_unknown.join(", ")
            );
        }
        if self.notetype_changed {
            line.push_str("; notetype updated");
        }
        if let Some(from) = self.lock.migrated_from {
            let _ = write!(
                line,
                "; bank.lock migrated from version {from} to {LOCK_VERSION}"
            );
        }
        line
    }
}

/// The `mod` for content that changed: now, but never at or below the previous one.
pub fn next_mtime(previous: Option<i64>, now: i64) -> i64 {
    match previous {
        Some(p) => now.max(p + 1),
        None => now,
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix time.
pub fn utc_date(secs: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The tag every retired note carries.
pub fn retired_tag(bank_id: &str) -> String {
    format!("{bank_id}::retired")
}

/// The notice a retired note shows on both cards.
pub fn retired_notice(bank_id: &str, retired: i64) -> String {
    format!(
        "Removed from the bank on {}: you may suspend or delete this note; search <code>tag:{}</code>",
        utc_date(retired),
        escape(&retired_tag(bank_id))
    )
}

/// Hands out note ids: `added` seconds × 1000 plus a stable offset (a
/// multiple of [`ID_STEP`] from the question id), never one already taken.
/// A clash moves the id down (earlier), so an id is never in the future.
#[derive(Debug, Default)]
pub struct NoteIds {
    taken: BTreeSet<i64>,
    /// The lowest id a clash has moved to so far: the next clash starts below
    /// it, so a bank added in one build allocates in linear time.
    floor: Option<i64>,
}

impl NoteIds {
    /// Every id in `lock` is taken.
    pub fn from_lock(lock: Option<&Lock>) -> NoteIds {
        let mut ids = NoteIds::default();
        if let Some(lock) = lock {
            ids.taken.extend(
                lock.notes
                    .values()
                    .chain(lock.retired.values())
                    .map(|r| r.id),
            );
        }
        ids
    }

    pub fn allocate(&mut self, bank_id: &str, question_id: &str, added: i64) -> i64 {
        let slots = (1000 / ID_STEP) as u64;
        let offset = (hash64(&["qbank", "note id", bank_id, question_id]) % slots) as i64;
        let mut id = added * 1000 + offset * ID_STEP;
        if self.taken.contains(&id) {
            id = self.floor.map_or(id, |f| f.min(id)) - ID_STEP;
            while self.taken.contains(&id) {
                id -= ID_STEP;
            }
            self.floor = Some(id);
        }
        self.taken.insert(id);
        id
    }
}

/// Each question's note id and `added` time: from the lock (current or
/// retired), or given now to a question new to the bank.
pub struct Identities<'a> {
    previous: Option<&'a Lock>,
    bank_id: String,
    now: i64,
    ids: NoteIds,
}

impl<'a> Identities<'a> {
    pub fn new(previous: Option<&'a Lock>, bank_id: &str, now: i64) -> Identities<'a> {
        Identities {
            previous,
            bank_id: bank_id.to_string(),
            now,
            ids: NoteIds::from_lock(previous),
        }
    }

    /// `(note id, added)` for a question; call in bank order.
    pub fn of(&mut self, question_id: &str) -> (i64, i64) {
        let recorded = self.previous.and_then(|l| {
            l.notes
                .get(question_id)
                .or_else(|| l.retired.get(question_id))
        });
        match recorded {
            Some(r) => (r.id, r.added),
            None => (
                self.ids.allocate(&self.bank_id, question_id, self.now),
                self.now,
            ),
        }
    }
}

/// The `mod` a current note gets in this build: the recorded one while its
/// content hash is the recorded hash, else a new one after it (a returning
/// question always changes: its note was shipped retired). It depends on
/// this note alone, so the exporter can stamp each note as it renders it.
pub fn note_mtime(previous: Option<&Lock>, question_id: &str, hash: &str, now: i64) -> i64 {
    let Some(lock) = previous else { return now };
    if let Some(old) = lock.notes.get(question_id) {
        if old.hash == hash {
            return old.mtime;
        }
        return next_mtime(Some(old.mtime), now);
    }
    match lock.retired.get(question_id) {
        Some(old) => next_mtime(Some(old.mtime), now),
        None => now,
    }
}

/// The record of a question that leaves the bank in this build: its last
/// shipped note, tagged retired, with the notice, under a newer `mod`.
fn retire(bank_id: &str, last: &NoteRecord, now: i64) -> NoteRecord {
    let mut fields = last.fields.clone();
    let mut tags = last.tags.clone();
    if let Some(notice) = fields.get_mut(NOTICE_FIELD) {
        *notice = retired_notice(bank_id, now);
        tags.push(retired_tag(bank_id));
        tags.sort();
        tags.dedup();
    }
    let media: Vec<MediaFile> = last
        .media
        .iter()
        .map(|name| MediaFile {
            name: name.clone(),
            bytes: Vec::new().into(),
        })
        .collect();
    NoteRecord {
        guid: last.guid.clone(),
        id: last.id,
        added: last.added,
        retired: Some(now),
        hash: content_hash(&last.guid, &fields, &tags, &media),
        mtime: next_mtime(Some(last.mtime), now),
        fields,
        tags,
        media: last.media.clone(),
    }
}

/// Compare the bank's notes and notetype with `previous` and produce the new lock.
pub fn plan(
    previous: Option<&Lock>,
    bank_id: &str,
    notes: Vec<CurrentNote>,
    notetype_hash: &str,
    now: i64,
) -> Plan {
    let (notetype, notetype_changed) = match previous.map(|l| &l.notetype) {
        Some(old) if old.hash == notetype_hash => (old.clone(), false),
        old => (
            Stamp {
                hash: notetype_hash.to_string(),
                mtime: next_mtime(old.map(|o| o.mtime), now),
            },
            true,
        ),
    };
    let mut lock = Lock {
        version: LOCK_VERSION,
        bank: bank_id.to_string(),
        records: 0,
        notetype,
        notes: BTreeMap::new(),
        retired: BTreeMap::new(),
        migrated_from: previous.and_then(|l| l.migrated_from),
    };
    let mut plan = Plan {
        lock: lock.clone(),
        changed: Vec::new(),
        new: Vec::new(),
        unchanged: 0,
        returned: Vec::new(),
        retired: Vec::new(),
        retired_unknown: Vec::new(),
        notetype_changed,
    };
    for note in notes {
        let id = note.question_id.clone();
        match previous.map(|l| (l.notes.get(&id), l.retired.get(&id))) {
            Some((Some(old), _)) if old.hash == note.hash => plan.unchanged += 1,
            Some((Some(_), _)) => plan.changed.push(id.clone()),
            Some((None, Some(_))) => plan.returned.push(id.clone()),
            _ => plan.new.push(id.clone()),
        }
        let mtime = note_mtime(previous, &id, &note.hash, now);
        lock.notes.insert(
            id,
            NoteRecord {
                guid: note.guid,
                id: note.id,
                added: note.added,
                retired: None,
                hash: note.hash,
                mtime,
                fields: note.fields,
                tags: note.tags,
                media: note.media,
            },
        );
    }
    if let Some(previous) = previous {
        for (id, record) in &previous.retired {
            if !lock.notes.contains_key(id) {
                lock.retired.insert(id.clone(), record.clone());
            }
        }
        for (id, record) in &previous.notes {
            if !lock.notes.contains_key(id) {
                plan.retired.push(id.clone());
                if record.fields.is_empty() {
                    plan.retired_unknown.push(id.clone());
                }
                lock.retired
                    .insert(id.clone(), retire(bank_id, record, now));
            }
        }
    }
    lock.records = lock.notes.len() + lock.retired.len();
    plan.lock = lock;
    plan
}

/// TOML basic string: `"` and `\` escaped, control characters as escapes,
/// everything else as is (one line, whatever the text).
fn toml_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn toml_strings(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        toml_string(out, item);
    }
    out.push(']');
}

/// A version 1 lock, read only to migrate it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LockV1 {
    version: u32,
    bank: String,
    records: usize,
    notetype: Stamp,
    #[serde(default)]
    notes: BTreeMap<String, StampV1>,
    #[serde(default)]
    removed: BTreeMap<String, StampV1>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StampV1 {
    guid: String,
    hash: String,
    #[serde(rename = "mod")]
    mtime: i64,
}

/// Only the version, to pick the reader.
#[derive(Debug, Deserialize)]
struct VersionOnly {
    version: u32,
}

impl LockV1 {
    /// The same records as version 2: each question dated by the build that
    /// recorded it (its `mod`), ids allocated in date order, content unknown
    /// (every note in the bank is re-rendered by the build anyway).
    fn migrate(self) -> Lock {
        let mut ids = NoteIds::default();
        let mut order: Vec<(&String, &StampV1, bool)> = self
            .notes
            .iter()
            .map(|(id, s)| (id, s, false))
            .chain(self.removed.iter().map(|(id, s)| (id, s, true)))
            .collect();
        order.sort_by_key(|(id, s, _)| (s.mtime, (*id).clone()));
        let mut lock = Lock {
            version: LOCK_VERSION,
            bank: self.bank.clone(),
            records: self.records,
            notetype: self.notetype.clone(),
            notes: BTreeMap::new(),
            retired: BTreeMap::new(),
            migrated_from: Some(self.version),
        };
        for (id, stamp, removed) in order {
            let record = NoteRecord {
                guid: stamp.guid.clone(),
                id: ids.allocate(&self.bank, id, stamp.mtime),
                added: stamp.mtime,
                retired: removed.then_some(stamp.mtime),
                hash: stamp.hash.clone(),
                mtime: stamp.mtime,
                fields: Vec::new(),
                tags: Vec::new(),
                media: Vec::new(),
            };
            if removed {
                lock.retired.insert(id.clone(), record);
            } else {
                lock.notes.insert(id.clone(), record);
            }
        }
        lock
    }
}

impl Lock {
    /// The lock as written to disk: a comment header, then sorted TOML.
    pub fn to_text(&self) -> Result<String> {
        let body = match self.to_toml_fast() {
            Some(body) => body,
            None => toml::to_string(self).context("cannot serialise bank.lock")?,
        };
        Ok(format!("{HEADER}\n{body}"))
    }

    /// The lock's canonical TOML, written directly: the general serialiser
    /// builds a document tree that, for a bank of 100,000 questions, costs
    /// hundreds of megabytes. One line per key, strings as TOML basic
    /// strings. Only for the lock's usual shape (slug keys, some notes);
    /// `None` otherwise.
    fn to_toml_fast(&self) -> Option<String> {
        let plain = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        let records = self.notes.iter().chain(&self.retired);
        if self.notes.is_empty()
            || !plain(&self.bank)
            || !plain(&self.notetype.hash)
            || !records
                .clone()
                .all(|(id, r)| plain(id) && plain(&r.guid) && plain(&r.hash))
        {
            return None;
        }
        let size: usize = records
            .map(|(_, r)| 200 + r.fields.iter().map(|f| f.len() + 8).sum::<usize>())
            .sum();
        let mut out = String::with_capacity(size + 200);
        let _ = write!(
            out,
            "version = {}\nbank = \"{}\"\nrecords = {}\n\n[notetype]\nhash = \"{}\"\nmod = {}\n",
            self.version, self.bank, self.records, self.notetype.hash, self.notetype.mtime
        );
        for (table, entries) in [("notes", &self.notes), ("retired", &self.retired)] {
            for (id, r) in entries {
                let _ = write!(
                    out,
                    "\n[{table}.{id}]\nguid = \"{}\"\nid = {}\nadded = {}\n",
                    r.guid, r.id, r.added
                );
                if let Some(retired) = r.retired {
                    let _ = writeln!(out, "retired = {retired}");
                }
                let _ = write!(out, "hash = \"{}\"\nmod = {}\n", r.hash, r.mtime);
                for (key, list) in [
                    ("fields", &r.fields),
                    ("tags", &r.tags),
                    ("media", &r.media),
                ] {
                    out.push_str(key);
                    out.push_str(" = ");
                    toml_strings(&mut out, list);
                    out.push('\n');
                }
            }
        }
        Some(out)
    }

    /// Parse and validate a lock's text (version 2, or version 1, migrated).
    /// Anything unexpected is an error that names the file: a broken lock is
    /// never silently replaced.
    pub fn parse(text: &str, path: &Path, bank_id: &str) -> Result<Lock> {
        let invalid = |e: toml::de::Error| {
            anyhow::anyhow!(
                "{} is not a valid lock file: {}\n(restore it from version control, or delete it to start a new change record: learners would then see every note as changed once)",
                path.display(),
                e.message()
            )
        };
        let at = || path.display();
        let lock = match Lock::parse_canonical(text) {
            Some(lock) => lock,
            None => {
                let version = toml::from_str::<VersionOnly>(text)
                    .map_err(invalid)?
                    .version;
                match version {
                    1 => {
                        let old: LockV1 = toml::from_str(text).map_err(invalid)?;
                        let found = old.notes.len() + old.removed.len();
                        if found != old.records {
                            bail!(
                                "{}: the lock says it holds {} records but {found} were found: it was cut short or edited by hand",
                                at(),
                                old.records
                            );
                        }
                        old.migrate()
                    }
                    LOCK_VERSION => toml::from_str(text).map_err(invalid)?,
                    other => bail!(
                        "{}: lock version {other} is not supported (this qbank reads versions 1 and {LOCK_VERSION})",
                        at()
                    ),
                }
            }
        };
        if lock.bank != bank_id {
            bail!(
                "{}: the lock belongs to bank `{}`, not `{bank_id}`",
                at(),
                lock.bank
            );
        }
        check_stamp(&lock.notetype.hash, lock.notetype.mtime)
            .with_context(|| format!("{}: [notetype]", at()))?;
        let mut ids = BTreeSet::new();
        for (table, entries) in [("notes", &lock.notes), ("retired", &lock.retired)] {
            for (id, record) in entries {
                let here = || format!("{}: [{table}.{id}]", at());
                check_stamp(&record.hash, record.mtime).with_context(here)?;
                let expected = note_guid(bank_id, id);
                if record.guid != expected {
                    bail!(
                        "{} guid `{}` is not this question's GUID (`{expected}`)",
                        here(),
                        record.guid
                    );
                }
                if record.added <= 0 || record.id <= 0 || record.id % ID_STEP != 0 {
                    bail!(
                        "{} id {} / added {} are not a note id and a Unix time",
                        here(),
                        record.id,
                        record.added
                    );
                }
                if !ids.insert(record.id) {
                    bail!("{} note id {} is used twice", here(), record.id);
                }
                if (table == "retired") != record.retired.is_some() {
                    bail!("{} `retired` belongs to retired records only", here());
                }
            }
        }
        let found = lock.notes.len() + lock.retired.len();
        if found != lock.records {
            bail!(
                "{}: the lock says it holds {} records but {found} were found: it was cut short or edited by hand",
                at(),
                lock.records
            );
        }
        if let Some(id) = lock.notes.keys().find(|id| lock.retired.contains_key(*id)) {
            bail!("{}: `{id}` is listed both in notes and in retired", at());
        }
        Ok(lock)
    }

    /// Read a lock exactly as [`Lock::to_text`] writes it, without the
    /// general TOML parser (whose document tree costs hundreds of megabytes
    /// for 100,000 questions): only each list line goes through it. `None`
    /// for any other text, which then goes through the TOML parser: hand
    /// edits, other layouts, older versions, broken files.
    fn parse_canonical(text: &str) -> Option<Lock> {
        fn value<'t>(line: Option<&'t str>, key: &str) -> Option<&'t str> {
            line?.strip_prefix(key)?.strip_prefix(" = ")
        }
        fn string<'t>(line: Option<&'t str>, key: &str) -> Option<&'t str> {
            value(line, key)?.strip_prefix('"')?.strip_suffix('"')
        }
        fn number<T: std::str::FromStr>(line: Option<&str>, key: &str) -> Option<T> {
            value(line, key)?.parse().ok()
        }
        // A list as the writer writes it (`toml_strings`) is also JSON with
        // the same meaning (same escapes), which serde_json reads fast; the
        // final write-back comparison below guarantees the reading is exact.
        fn list(line: Option<&str>, key: &str) -> Option<Vec<String>> {
            serde_json::from_str(value(line, key)?).ok()
        }
        let body = text.strip_prefix(HEADER)?.strip_prefix('\n')?;
        let mut lines = body.split('\n').peekable();
        let version = number(lines.next(), "version")?;
        if version != LOCK_VERSION {
            return None;
        }
        let bank = string(lines.next(), "bank")?.to_string();
        let records = number(lines.next(), "records")?;
        if !lines.next()?.is_empty() || lines.next()? != "[notetype]" {
            return None;
        }
        let notetype = Stamp {
            hash: string(lines.next(), "hash")?.to_string(),
            mtime: number(lines.next(), "mod")?,
        };
        let mut lock = Lock {
            version,
            bank,
            records,
            notetype,
            notes: BTreeMap::new(),
            retired: BTreeMap::new(),
            migrated_from: None,
        };
        loop {
            if !lines.next()?.is_empty() {
                return None;
            }
            let Some(header) = lines.next() else { break };
            if header.is_empty() {
                break;
            }
            let (table, id) = header
                .strip_prefix('[')?
                .strip_suffix(']')?
                .split_once('.')?;
            let guid = string(lines.next(), "guid")?.to_string();
            let note_id = number(lines.next(), "id")?;
            let added = number(lines.next(), "added")?;
            let retired = match lines.peek() {
                Some(l) if l.starts_with("retired = ") => Some(number(lines.next(), "retired")?),
                _ => None,
            };
            let record = NoteRecord {
                guid,
                id: note_id,
                added,
                retired,
                hash: string(lines.next(), "hash")?.to_string(),
                mtime: number(lines.next(), "mod")?,
                fields: list(lines.next(), "fields")?,
                tags: list(lines.next(), "tags")?,
                media: list(lines.next(), "media")?,
            };
            let entries = match table {
                "notes" => &mut lock.notes,
                "retired" => &mut lock.retired,
                _ => return None,
            };
            entries.insert(id.to_string(), record);
        }
        // Only text that is exactly what this lock writes back is taken;
        // that is what makes this reading the same as the TOML parser's.
        (lock.to_toml_fast()? == body).then_some(lock)
    }

    /// Read the lock at `path`; `None` when there is none yet.
    pub fn read(path: &Path, bank_id: &str) -> Result<Option<Lock>> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let text = String::from_utf8(bytes)
                    .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))?;
                Lock::parse(&text, path, bank_id).map(Some)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
}

fn check_stamp(hash: &str, mtime: i64) -> Result<()> {
    if hash.len() != 64
        || !hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        bail!("hash `{hash}` is not a SHA-256 in lowercase hex");
    }
    if mtime <= 0 {
        bail!("mod {mtime} is not a positive Unix time");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(c: char) -> String {
        std::iter::repeat_n(c, 64).collect()
    }

    fn note(id: &str, hash: char) -> CurrentNote {
        CurrentNote {
            question_id: id.into(),
            guid: note_guid("b", id),
            id: 1000 * 100 + 4 * (id.len() as i64),
            added: 100,
            hash: h(hash),
            fields: vec![
                format!("Q {id} \"x\" \\ \n<b>é</b>\u{1}"),
                String::new(),
                String::new(),
                String::new(),
                id.into(),
                String::new(),
                String::new(),
            ],
            tags: vec!["b::t".into()],
            media: vec![],
        }
    }

    #[test]
    fn first_build_stamps_everything_now() {
        let p = plan(
            None,
            "b",
            vec![note("x", 'a'), note("yy", 'b')],
            &h('c'),
            100,
        );
        assert_eq!(p.new, ["x", "yy"]);
        assert!(p.notetype_changed);
        assert_eq!(p.lock.notes["x"].mtime, 100);
        assert_eq!(p.lock.notetype.mtime, 100);
        assert_eq!(
            p.summary(),
            "apkg: 0 changed, 2 new, 0 unchanged; notetype updated"
        );
    }

    #[test]
    fn only_changed_notes_get_a_new_mod_never_lower() {
        let first = plan(
            None,
            "b",
            vec![note("x", 'a'), note("yy", 'b')],
            &h('c'),
            100,
        );
        // Clock went backwards (or SOURCE_DATE_EPOCH is fixed): still strictly newer.
        let second = plan(
            Some(&first.lock),
            "b",
            vec![note("x", 'a'), note("yy", 'd')],
            &h('c'),
            50,
        );
        assert_eq!(second.changed, ["yy"]);
        assert_eq!(second.unchanged, 1);
        assert_eq!(second.lock.notes["x"].mtime, 100);
        assert_eq!(second.lock.notes["yy"].mtime, 101);
        assert!(!second.notetype_changed);
        assert_eq!(second.summary(), "apkg: 1 changed, 0 new, 1 unchanged");
    }

    #[test]
    fn a_removed_question_is_retired_once_then_shipped_unchanged_and_can_return() {
        let first = plan(
            None,
            "b",
            vec![note("x", 'a'), note("yy", 'b')],
            &h('c'),
            100,
        );
        let day = 86_400 * 20_000;
        let second = plan(Some(&first.lock), "b", vec![note("x", 'a')], &h('c'), day);
        assert_eq!(second.retired, ["yy"]);
        assert!(
            second.summary().contains("1 retired"),
            "{}",
            second.summary()
        );
        let r = &second.lock.retired["yy"];
        assert_eq!(r.mtime, day);
        assert_eq!(r.retired, Some(day));
        assert_eq!((r.id, r.added), (first.lock.notes["yy"].id, 100));
        assert_eq!(r.fields[0], first.lock.notes["yy"].fields[0]);
        assert_eq!(
            r.fields[NOTICE_FIELD],
            "Removed from the bank on 2024-10-04: you may suspend or delete this note; \
             search <code>tag:b::retired</code>"
        );
        assert_eq!(r.tags, ["b::retired", "b::t"]);
        // A later build ships it unchanged.
        let third = plan(
            Some(&second.lock),
            "b",
            vec![note("x", 'a')],
            &h('c'),
            day + 9,
        );
        assert!(third.retired.is_empty());
        assert_eq!(third.lock.retired["yy"], *r);
        assert_eq!(third.lock, second.lock);
        // It returns: current content, a newer mod, not "new".
        let fourth = plan(
            Some(&third.lock),
            "b",
            vec![note("x", 'a'), note("yy", 'b')],
            &h('c'),
            90,
        );
        assert_eq!(fourth.returned, ["yy"]);
        assert!(fourth.new.is_empty());
        assert!(fourth.lock.retired.is_empty());
        assert_eq!(fourth.lock.notes["yy"].mtime, day + 1);
        assert_eq!(fourth.lock.notes["yy"].tags, ["b::t"]);
        assert!(
            fourth.summary().contains("1 returned"),
            "{}",
            fourth.summary()
        );
    }

    #[test]
    fn note_ids_are_dated_distinct_and_never_later_than_added() {
        let mut ids = NoteIds::default();
        let mut seen = BTreeSet::new();
        for i in 0..2000 {
            let id = ids.allocate("b", &format!("q{i}"), 1_800_000_000);
            assert_eq!(id % ID_STEP, 0);
            assert!(id < 1_800_000_001_000, "{id}");
            assert!(seen.insert(id));
        }
        // 2,000 questions in one second fit within 8 seconds before it.
        assert!(*seen.first().unwrap() >= 1_800_000_000_000 - 8_000);
        let a = NoteIds::default().allocate("b", "q", 1_800_000_000);
        assert_eq!(a, NoteIds::default().allocate("b", "q", 1_800_000_000));
        assert_eq!(a / 1000, 1_800_000_000);
    }

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_795_849_467), "2026-11-28");
    }

    fn sample_lock() -> Lock {
        let first = plan(
            None,
            "b",
            vec![note("a", '1'), note("gone", '2')],
            &h('9'),
            1000,
        )
        .lock;
        plan(
            Some(&first),
            "b",
            vec![note("a", '3'), note("z-9", '4')],
            &h('9'),
            2000,
        )
        .lock
    }

    #[test]
    fn direct_writer_is_toml_the_parser_reads_back() {
        let lock = sample_lock();
        assert!(!lock.retired.is_empty());
        let body = lock.to_toml_fast().unwrap();
        assert_eq!(toml::from_str::<Lock>(&body).unwrap(), lock);
        let empty = plan(None, "b", vec![], &h('8'), 7).lock;
        assert_eq!(empty.to_toml_fast(), None);
        assert!(empty.to_text().unwrap().contains("[notes]"));
    }

    #[test]
    fn canonical_reader_agrees_with_the_toml_parser() {
        let lock = sample_lock();
        let text = lock.to_text().unwrap();
        assert_eq!(Lock::parse_canonical(&text), Some(lock.clone()));
        assert_eq!(toml::from_str::<Lock>(&text).unwrap(), lock);
        // Anything else is left to the TOML parser, edits and all.
        for edited in [
            text.replace("mod = 2000", "mod =  2000"),
            text.replace("\n\n[notes.z-9]", "\n[notes.z-9]"),
            format!("{text}\n"),
            text.replace("[retired.", "[other."),
            text.replacen("# bank.lock", "#bank.lock", 1),
        ] {
            assert_eq!(Lock::parse_canonical(&edited), None, "{edited}");
        }
    }

    #[test]
    fn text_round_trips_and_is_stable() {
        let lock = sample_lock();
        let text = lock.to_text().unwrap();
        let back = Lock::parse(&text, Path::new("bank.lock"), "b").unwrap();
        assert_eq!(back, lock);
        assert_eq!(back.to_text().unwrap(), text);
        assert!(text.find("[notes.a]").unwrap() < text.find("[notes.z-9]").unwrap());
    }

    const V1: &str = "# bank.lock\n\nversion = 1\nbank = \"b\"\nrecords = 3\n\n\
[notetype]\nhash = \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"\nmod = 50\n\n\
[notes.x]\nguid = \"GX\"\nhash = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\nmod = 100\n\n\
[notes.yy]\nguid = \"GY\"\nhash = \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\nmod = 200\n\n\
[removed.old]\nguid = \"GO\"\nhash = \"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\"\nmod = 90\n";

    fn v1() -> String {
        V1.replace("GX", &note_guid("b", "x"))
            .replace("GY", &note_guid("b", "yy"))
            .replace("GO", &note_guid("b", "old"))
    }

    #[test]
    fn a_version_1_lock_is_migrated_once_dated_by_its_builds() {
        let lock = Lock::parse(&v1(), Path::new("bank.lock"), "b").unwrap();
        assert_eq!(lock.migrated_from, Some(1));
        assert_eq!(lock.notes["x"].added, 100);
        assert_eq!(lock.notes["x"].id / 1000, 100);
        assert_eq!(lock.notes["yy"].id / 1000, 200);
        assert_eq!(lock.retired["old"].retired, Some(90));
        // The build after it: every note re-hashed (new field list), the
        // removed one not shipped (its content was never recorded).
        let p = plan(
            Some(&lock),
            "b",
            vec![CurrentNote {
                id: lock.notes["x"].id,
                added: 100,
                ..note("x", 'e')
            }],
            &h('f'),
            300,
        );
        assert!(p
            .summary()
            .contains("bank.lock migrated from version 1 to 2"));
        assert_eq!(p.retired, ["yy"]);
        assert_eq!(p.retired_unknown, ["yy"]);
        assert!(p.lock.retired["yy"].fields.is_empty());
        assert_eq!(p.lock.notes["x"].mtime, 300);
        let text = p.lock.to_text().unwrap();
        let again = Lock::parse(&text, Path::new("bank.lock"), "b").unwrap();
        assert_eq!(again.migrated_from, None);
        assert_eq!(
            again,
            Lock {
                migrated_from: None,
                ..p.lock
            }
        );
    }

    #[test]
    fn broken_or_foreign_locks_are_clear_errors() {
        let p = plan(None, "b", vec![note("x", 'a')], &h('c'), 100);
        let text = p.lock.to_text().unwrap();
        let path = Path::new("content/bank.lock");
        let err = Lock::parse(&text, path, "other").unwrap_err().to_string();
        assert!(err.contains("belongs to bank `b`"), "{err}");
        let err = Lock::parse("notes = 3", path, "b").unwrap_err().to_string();
        assert!(
            err.contains("content/bank.lock is not a valid lock file"),
            "{err}"
        );
        let edited = text.replace(&h('a'), "abc");
        let err = format!("{:#}", Lock::parse(&edited, path, "b").unwrap_err());
        assert!(
            err.contains("[notes.x]") && err.contains("SHA-256"),
            "{err}"
        );
        let edited = text.replace(&note_guid("b", "x"), "qbdeadbeef");
        let err = format!("{:#}", Lock::parse(&edited, path, "b").unwrap_err());
        assert!(err.contains("not this question's GUID"), "{err}");
        let err = format!(
            "{:#}",
            Lock::parse(&text.replace("version = 2", "version = 7"), path, "b").unwrap_err()
        );
        assert!(err.contains("lock version 7 is not supported"), "{err}");
    }

    #[test]
    fn a_lock_cut_short_at_a_line_boundary_is_an_error() {
        let p = plan(
            None,
            "b",
            vec![note("x", 'a'), note("yy", 'b')],
            &h('c'),
            100,
        );
        let text = p.lock.to_text().unwrap();
        // Still valid TOML, one note short.
        let cut = &text[..text.find("\n[notes.yy]").unwrap() + 1];
        let err = Lock::parse(cut, Path::new("bank.lock"), "b")
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds 2 records but 1 were found"), "{err}");
        let cut = &v1()[..v1().find("\n[notes.yy]").unwrap() + 1];
        let err = Lock::parse(cut, Path::new("bank.lock"), "b")
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds 3 records but 1 were found"), "{err}");
    }
}

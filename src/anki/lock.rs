//! `content/bank.lock`: the change record kept between builds, committed
//! beside the bank like `Cargo.lock`.
//!
//! For each question it records the hash of exactly what Anki stores for its
//! note ([`crate::note::NoteContent::hash`]) and the `mod` (Unix seconds) that
//! content was given; likewise for the notetype. A build gives a note a new
//! `mod` only when its hash changed, so re-importing a deck updates exactly
//! the edited notes and leaves every other note (and a learner's own edits to
//! it) alone. Questions that left the bank are kept under `removed`, so their
//! `mod` stays monotonic if the id ever returns.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::identity::note_guid;

/// The lock format version this qbank reads and writes.
pub const LOCK_VERSION: u32 = 1;

const HEADER: &str = "\
# bank.lock: written by `qbank build`; commit it beside the bank.
# For each note: the SHA-256 of what Anki stores for it and the `mod` (Unix
# seconds) that content was given. Anki updates a learner's note only when
# the incoming `mod` is newer, so `mod` changes exactly when the hash does.
# Do not edit by hand: `qbank build` keeps it up to date.
";

/// The whole lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    /// The bank id the lock belongs to.
    pub bank: String,
    /// How many `[notes.*]` and `[removed.*]` records follow: a lock cut
    /// short (even at a line boundary, where it is still valid TOML) is
    /// caught instead of read as a bank with fewer notes.
    pub records: usize,
    pub notetype: Stamp,
    /// Question id → its note's record.
    #[serde(default)]
    pub notes: BTreeMap<String, NoteStamp>,
    /// Questions no longer in the bank (their notes stay in learners' collections).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub removed: BTreeMap<String, NoteStamp>,
}

/// A content hash and the `mod` that content was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stamp {
    pub hash: String,
    #[serde(rename = "mod")]
    pub mtime: i64,
}

/// A note's record: its GUID (for finding it in a collection), hash and `mod`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteStamp {
    pub guid: String,
    pub hash: String,
    #[serde(rename = "mod")]
    pub mtime: i64,
}

/// What one note of the bank hashes to now.
#[derive(Debug, Clone)]
pub struct CurrentNote {
    pub question_id: String,
    pub guid: String,
    pub hash: String,
}

/// The outcome of comparing the bank with the previous lock.
#[derive(Debug, Clone)]
pub struct Plan {
    pub lock: Lock,
    pub changed: Vec<String>,
    pub new: Vec<String>,
    pub unchanged: usize,
    /// Questions in the previous lock's `notes` that left the bank in this build.
    pub removed: Vec<String>,
    pub notetype_changed: bool,
}

impl Plan {
    /// `apkg: 1 changed, 0 new, 49 unchanged`, plus the notetype and removals when they happen.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "apkg: {} changed, {} new, {} unchanged",
            self.changed.len(),
            self.new.len(),
            self.unchanged
        );
        if self.notetype_changed {
            line.push_str("; notetype updated");
        }
        if !self.removed.is_empty() {
            line.push_str(&format!(
                "; {} removed from the bank (stays in learners' collections): {}",
                self.removed.len(),
                self.removed.join(", ")
            ));
        }
        line
    }
}

/// The `mod` for content that changed: now, but never at or below the previous one.
fn next_mtime(previous: Option<i64>, now: i64) -> i64 {
    match previous {
        Some(p) => now.max(p + 1),
        None => now,
    }
}

/// The `mod` a note gets in this build: the recorded one while its content
/// hash is the recorded hash (in `notes`, or in `removed` for a question that
/// returns), else a new one after it. It depends on this note alone, so the
/// Anki exporter can stamp each note as it renders it.
pub fn note_mtime(previous: Option<&Lock>, note: &CurrentNote, now: i64) -> i64 {
    let recorded = previous.and_then(|l| {
        l.notes
            .get(&note.question_id)
            .or_else(|| l.removed.get(&note.question_id))
    });
    match recorded {
        Some(old) if old.hash == note.hash => old.mtime,
        Some(old) => next_mtime(Some(old.mtime), now),
        None => now,
    }
}

/// Compare the bank's notes and notetype with `previous` and produce the new lock.
pub fn plan(
    previous: Option<&Lock>,
    bank_id: &str,
    notes: &[CurrentNote],
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
        removed: previous.map(|l| l.removed.clone()).unwrap_or_default(),
    };
    let mut changed = Vec::new();
    let mut new = Vec::new();
    let mut unchanged = 0;
    for note in notes {
        let recorded = previous.and_then(|l| l.notes.get(&note.question_id));
        lock.removed.remove(&note.question_id);
        match recorded {
            Some(old) if old.hash == note.hash => unchanged += 1,
            Some(_) => changed.push(note.question_id.clone()),
            None => new.push(note.question_id.clone()),
        }
        let mtime = note_mtime(previous, note, now);
        lock.notes.insert(
            note.question_id.clone(),
            NoteStamp {
                guid: note.guid.clone(),
                hash: note.hash.clone(),
                mtime,
            },
        );
    }
    let mut removed = Vec::new();
    if let Some(previous) = previous {
        for (id, stamp) in &previous.notes {
            if !lock.notes.contains_key(id) {
                removed.push(id.clone());
                lock.removed.insert(id.clone(), stamp.clone());
            }
        }
    }
    lock.records = lock.notes.len() + lock.removed.len();
    Plan {
        lock,
        changed,
        new,
        unchanged,
        removed,
        notetype_changed,
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

    /// The same TOML `toml::to_string` writes, written directly: the general
    /// serialiser builds a document tree that, for a bank of 100,000
    /// questions, costs hundreds of megabytes. Only for the lock's usual
    /// shape (slug keys, hex strings, some notes); `None` otherwise.
    fn to_toml_fast(&self) -> Option<String> {
        let plain = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        let stamps = self.notes.iter().chain(&self.removed);
        if self.notes.is_empty()
            || !plain(&self.bank)
            || !plain(&self.notetype.hash)
            || !stamps
                .clone()
                .all(|(id, s)| plain(id) && plain(&s.guid) && plain(&s.hash))
        {
            return None;
        }
        let mut out = String::with_capacity(160 * (self.notes.len() + self.removed.len()) + 200);
        let _ = write!(
            out,
            "version = {}\nbank = \"{}\"\nrecords = {}\n\n[notetype]\nhash = \"{}\"\nmod = {}\n",
            self.version, self.bank, self.records, self.notetype.hash, self.notetype.mtime
        );
        for (table, entries) in [("notes", &self.notes), ("removed", &self.removed)] {
            for (id, s) in entries {
                let _ = write!(
                    out,
                    "\n[{table}.{id}]\nguid = \"{}\"\nhash = \"{}\"\nmod = {}\n",
                    s.guid, s.hash, s.mtime
                );
            }
        }
        Some(out)
    }

    /// Parse and validate a lock's text. Anything unexpected is an error that
    /// names the file: a broken lock is never silently replaced.
    pub fn parse(text: &str, path: &Path, bank_id: &str) -> Result<Lock> {
        let canonical = Lock::parse_canonical(text);
        let lock: Lock = match canonical {
            Some(lock) => Ok(lock),
            None => toml::from_str(text),
        }
        .map_err(|e| {
            anyhow::anyhow!(
                "{} is not a valid lock file: {}\n(restore it from version control, or delete it to start a new change record: learners would then see every note as changed once)",
                path.display(),
                e.message()
            )
        })?;
        let at = || path.display();
        if lock.version != LOCK_VERSION {
            bail!(
                "{}: lock version {} is not supported (this qbank writes version {LOCK_VERSION})",
                at(),
                lock.version
            );
        }
        if lock.bank != bank_id {
            bail!(
                "{}: the lock belongs to bank `{}`, not `{bank_id}`",
                at(),
                lock.bank
            );
        }
        check_stamp(&lock.notetype.hash, lock.notetype.mtime)
            .with_context(|| format!("{}: [notetype]", at()))?;
        for (table, entries) in [("notes", &lock.notes), ("removed", &lock.removed)] {
            for (id, stamp) in entries {
                check_stamp(&stamp.hash, stamp.mtime)
                    .with_context(|| format!("{}: [{table}.{id}]", at()))?;
                let expected = note_guid(bank_id, id);
                if stamp.guid != expected {
                    bail!(
                        "{}: [{table}.{id}] guid `{}` is not this question's GUID (`{expected}`)",
                        at(),
                        stamp.guid
                    );
                }
            }
        }
        let found = lock.notes.len() + lock.removed.len();
        if found != lock.records {
            bail!(
                "{}: the lock says it holds {} records but {found} were found: it was cut short or edited by hand",
                at(),
                lock.records
            );
        }
        if let Some(id) = lock.notes.keys().find(|id| lock.removed.contains_key(*id)) {
            bail!("{}: `{id}` is listed both in notes and in removed", at());
        }
        Ok(lock)
    }

    /// Read a lock exactly as [`Lock::to_text`] writes it, without the
    /// general TOML parser (whose document tree costs hundreds of megabytes
    /// for 100,000 questions). `None` for any other text, which then goes
    /// through the TOML parser: hand edits, other layouts, broken files.
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
        let body = text.strip_prefix(HEADER)?.strip_prefix('\n')?;
        let mut lines = body.split('\n');
        let version = number(lines.next(), "version")?;
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
            removed: BTreeMap::new(),
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
            let stamp = NoteStamp {
                guid: string(lines.next(), "guid")?.to_string(),
                hash: string(lines.next(), "hash")?.to_string(),
                mtime: number(lines.next(), "mod")?,
            };
            let entries = match table {
                "notes" => &mut lock.notes,
                "removed" => &mut lock.removed,
                _ => return None,
            };
            entries.insert(id.to_string(), stamp);
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
            hash: h(hash),
        }
    }

    #[test]
    fn first_build_stamps_everything_now() {
        let p = plan(None, "b", &[note("x", 'a'), note("y", 'b')], &h('c'), 100);
        assert_eq!(p.new, ["x", "y"]);
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
        let first = plan(None, "b", &[note("x", 'a'), note("y", 'b')], &h('c'), 100);
        // Clock went backwards (or SOURCE_DATE_EPOCH is fixed): still strictly newer.
        let second = plan(
            Some(&first.lock),
            "b",
            &[note("x", 'a'), note("y", 'd')],
            &h('c'),
            50,
        );
        assert_eq!(second.changed, ["y"]);
        assert_eq!(second.unchanged, 1);
        assert_eq!(second.lock.notes["x"].mtime, 100);
        assert_eq!(second.lock.notes["y"].mtime, 101);
        assert!(!second.notetype_changed);
        assert_eq!(second.summary(), "apkg: 1 changed, 0 new, 1 unchanged");
    }

    #[test]
    fn removed_questions_are_kept_and_stay_monotonic_if_they_return() {
        let first = plan(None, "b", &[note("x", 'a'), note("y", 'b')], &h('c'), 100);
        let second = plan(Some(&first.lock), "b", &[note("x", 'a')], &h('c'), 200);
        assert_eq!(second.removed, ["y"]);
        assert_eq!(second.lock.removed["y"].mtime, 100);
        let third = plan(
            Some(&second.lock),
            "b",
            &[note("x", 'a'), note("y", 'e')],
            &h('c'),
            90,
        );
        assert_eq!(third.new, ["y"]);
        assert!(third.lock.removed.is_empty());
        assert_eq!(third.lock.notes["y"].mtime, 101);
    }

    #[test]
    fn direct_writer_matches_the_toml_serialiser() {
        let mut previous = plan(
            None,
            "b",
            &[note("a", '1'), note("gone", '2')],
            &h('9'),
            1000,
        )
        .lock;
        let p = plan(
            Some(&previous),
            "b",
            &[note("a", '3'), note("z-9", '4')],
            &h('9'),
            2000,
        );
        previous = p.lock;
        assert!(!previous.removed.is_empty());
        for lock in [
            &previous,
            &plan(None, "b", &[note("q1", '5')], &h('8'), 7).lock,
        ] {
            assert_eq!(lock.to_toml_fast().unwrap(), toml::to_string(lock).unwrap());
        }
        let empty = plan(None, "b", &[], &h('8'), 7).lock;
        assert_eq!(empty.to_toml_fast(), None);
        assert!(empty.to_text().unwrap().contains("[notes]"));
    }

    #[test]
    fn canonical_reader_agrees_with_the_toml_parser() {
        let first = plan(
            None,
            "b",
            &[note("a", '1'), note("gone", '2')],
            &h('9'),
            1000,
        )
        .lock;
        let lock = plan(
            Some(&first),
            "b",
            &[note("a", '3'), note("z-9", '4')],
            &h('9'),
            2000,
        )
        .lock;
        let text = lock.to_text().unwrap();
        assert_eq!(Lock::parse_canonical(&text), Some(lock.clone()));
        assert_eq!(toml::from_str::<Lock>(&text).unwrap(), lock);
        // Anything else is left to the TOML parser, edits and all.
        for edited in [
            text.replace("mod = 2000", "mod =  2000"),
            text.replace("\n\n[notes.z-9]", "\n[notes.z-9]"),
            format!("{text}\n"),
            text.replace("[removed.", "[other."),
            text.replacen("# bank.lock", "#bank.lock", 1),
        ] {
            assert_eq!(Lock::parse_canonical(&edited), None, "{edited}");
        }
    }

    #[test]
    fn text_round_trips_and_is_stable() {
        let p = plan(None, "b", &[note("y", 'a'), note("x", 'b')], &h('c'), 100);
        let text = p.lock.to_text().unwrap();
        let back = Lock::parse(&text, Path::new("bank.lock"), "b").unwrap();
        assert_eq!(back, p.lock);
        assert_eq!(back.to_text().unwrap(), text);
        assert!(text.find("[notes.x]").unwrap() < text.find("[notes.y]").unwrap());
    }

    #[test]
    fn broken_or_foreign_locks_are_clear_errors() {
        let p = plan(None, "b", &[note("x", 'a')], &h('c'), 100);
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
    }

    #[test]
    fn a_lock_cut_short_at_a_line_boundary_is_an_error() {
        let p = plan(None, "b", &[note("x", 'a'), note("y", 'b')], &h('c'), 100);
        let text = p.lock.to_text().unwrap();
        // Still valid TOML, one note short.
        let cut = &text[..text.find("\n[notes.y]").unwrap() + 1];
        let err = Lock::parse(cut, Path::new("bank.lock"), "b")
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds 2 records but 1 were found"), "{err}");
    }
}

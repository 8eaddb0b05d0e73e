//! The release plan: which notes of the bank are new, changed, unchanged,
//! returned or retired since the previous lock, the `mod` each note gets,
//! note ids for new questions, and the retired record of a question that
//! left the bank.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::{CurrentNote, Lock, NoteRecord, Stamp, ID_STEP, LOCK_VERSION};
use crate::anki::note::{content_hash, escape, MediaFile, NOTICE_FIELD};
use crate::identity::hash64;

/// The outcome of comparing the bank with the previous lock.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) lock: Lock,
    pub(crate) changed: Vec<String>,
    pub(crate) new: Vec<String>,
    pub(crate) unchanged: usize,
    /// Retired questions that are back in the bank.
    pub(crate) returned: Vec<String>,
    /// Questions in the previous lock's `notes` that left the bank in this build.
    pub(crate) retired: Vec<String>,
    /// Of those, the ones whose content the lock did not hold (not shipped).
    pub(crate) retired_unknown: Vec<String>,
    pub(crate) notetype_changed: bool,
}

impl Plan {
    /// `apkg: 1 changed, 0 new, 49 unchanged`, plus returns, retirements, the
    /// notetype and a migrated lock when they happen.
    pub(crate) fn summary(&self) -> String {
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
pub(crate) fn next_mtime(previous: Option<i64>, now: i64) -> i64 {
    match previous {
        Some(p) => now.max(p + 1),
        None => now,
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix time.
pub(crate) fn utc_date(secs: i64) -> String {
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
pub(crate) fn retired_tag(bank_id: &str) -> String {
    format!("{bank_id}::retired")
}

/// The notice a retired note shows on both cards.
pub(crate) fn retired_notice(bank_id: &str, retired: i64) -> String {
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
pub(crate) struct NoteIds {
    taken: BTreeSet<i64>,
    /// The lowest id a clash has moved to so far: the next clash starts below
    /// it, so a bank added in one build allocates in linear time.
    floor: Option<i64>,
}

impl NoteIds {
    /// Every id in `lock` is taken.
    pub(crate) fn from_lock(lock: Option<&Lock>) -> NoteIds {
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

    pub(crate) fn allocate(&mut self, bank_id: &str, question_id: &str, added: i64) -> i64 {
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
pub(crate) struct Identities<'a> {
    previous: Option<&'a Lock>,
    bank_id: String,
    now: i64,
    ids: NoteIds,
}

impl<'a> Identities<'a> {
    pub(crate) fn new(previous: Option<&'a Lock>, bank_id: &str, now: i64) -> Identities<'a> {
        Identities {
            previous,
            bank_id: bank_id.to_string(),
            now,
            ids: NoteIds::from_lock(previous),
        }
    }

    /// `(note id, added)` for a question; call in bank order.
    pub(crate) fn of(&mut self, question_id: &str) -> (i64, i64) {
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
pub(crate) fn note_mtime(previous: Option<&Lock>, question_id: &str, hash: &str, now: i64) -> i64 {
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
pub(crate) fn plan(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anki::lock::fixtures::{h, note};

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
}

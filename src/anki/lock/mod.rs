//! `content/bank.lock`: the change record kept between builds, committed
//! beside the bank like `Cargo.lock`.
//!
//! For each question it records its note's GUID, its note id (a millisecond
//! timestamp from the build that first saw the question, so Anki's "Created"
//! column and `added:N` tell the truth), when it entered the bank, the hash
//! of exactly what Anki stores for it (`crate::anki::note::NoteContent::hash`),
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
//!
//! This file holds the lock's types. `plan.rs` works out a build's release
//! from the bank and the previous lock (which notes change, their `mod`s and
//! note ids, retiring notes); `codec.rs` reads, writes and migrates the file.

mod codec;
mod plan;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub(crate) use plan::{note_mtime, plan, Identities, NoteIds};

/// The lock format version this qbank writes.
pub(crate) const LOCK_VERSION: u32 = 2;

/// Why the lock at `path` cannot be read, as one content error on its
/// first line, with the way out.
pub(crate) fn problem(
    path: &std::path::Path,
    error: &anyhow::Error,
) -> crate::diagnostic::Diagnostic {
    let shown = path.display().to_string();
    let message = format!("{error:#}");
    let mut message = if let Some(rest) = message.strip_prefix(&format!("{shown}: ")) {
        rest.to_string()
    } else if let Some(rest) = message.strip_prefix(&format!("{shown} ")) {
        format!("bank.lock {rest}")
    } else {
        message
    }
    .replace('\n', " ");
    if !message.contains("restore it") {
        message.push_str("; restore it from version control (`git checkout` the lock)");
    }
    crate::diagnostic::Diagnostic::error(path, 1, message)
}

/// Note ids step by this many milliseconds, and a note's cards take the ids
/// `note id + template ord`: room for four templates, never a clash.
pub(crate) const ID_STEP: i64 = 4;

/// The whole lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub(crate) version: u32,
    /// The bank id the lock belongs to.
    pub(crate) bank: String,
    /// How many `[notes.*]` and `[retired.*]` records follow: a lock cut
    /// short (even at a line boundary, where it is still valid TOML) is
    /// caught instead of read as a bank with fewer notes.
    pub(crate) records: usize,
    pub(crate) notetype: Stamp,
    /// Question id → its note's record.
    #[serde(default)]
    pub(crate) notes: BTreeMap<String, NoteRecord>,
    /// Questions no longer in the bank, whose notes ship retired.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) retired: BTreeMap<String, NoteRecord>,
    /// The version this lock was read from when it was older (not written).
    #[serde(skip)]
    pub(crate) migrated_from: Option<u32>,
}

/// A content hash and the `mod` that content was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Stamp {
    pub(crate) hash: String,
    #[serde(rename = "mod")]
    pub(crate) mtime: i64,
}

/// A note's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoteRecord {
    pub(crate) guid: String,
    /// The note id: milliseconds, from the build that first saw the question.
    pub(crate) id: i64,
    /// When the question entered the bank (Unix seconds).
    pub(crate) added: i64,
    /// When it left the bank (Unix seconds); only in `retired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) retired: Option<i64>,
    pub(crate) hash: String,
    #[serde(rename = "mod")]
    pub(crate) mtime: i64,
    /// The fields as shipped (HTML). Empty only for a question that left the
    /// bank before the lock kept content (version 1): that note is not shipped.
    pub(crate) fields: Vec<String>,
    /// The tags as shipped.
    pub(crate) tags: Vec<String>,
    /// The media file names the fields reference.
    pub(crate) media: Vec<String>,
}

/// What one note of the bank holds now.
#[derive(Debug, Clone)]
pub(crate) struct CurrentNote {
    pub(crate) question_id: String,
    pub(crate) guid: String,
    pub(crate) id: i64,
    pub(crate) added: i64,
    pub(crate) hash: String,
    pub(crate) fields: Vec<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) media: Vec<String>,
}

/// Notes the plan and codec tests build locks from.
#[cfg(test)]
mod fixtures {
    use super::CurrentNote;
    use crate::identity::note_guid;

    pub(super) fn h(c: char) -> String {
        std::iter::repeat_n(c, 64).collect()
    }

    pub(super) fn note(id: &str, hash: char) -> CurrentNote {
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
}

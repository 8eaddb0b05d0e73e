//! The package's `collection.anki2`: an SQLite database in Anki's schema 11,
//! written with rusqlite into a temporary file. Rows are inserted one at a
//! time (a large deck is never held whole in memory) in a fixed order inside
//! one transaction, so the same deck gives the same bytes.

use anyhow::{Context, Result};
use rusqlite::{params, Connection};
use sha1::{Digest, Sha1};

/// Anki's schema 11 tables and indexes (what `col.ver = 11` promises).
const SCHEMA_11: &str = "
CREATE TABLE col (
    id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL,
    scm integer NOT NULL, ver integer NOT NULL, dty integer NOT NULL,
    usn integer NOT NULL, ls integer NOT NULL, conf text NOT NULL,
    models text NOT NULL, decks text NOT NULL, dconf text NOT NULL,
    tags text NOT NULL
);
CREATE TABLE notes (
    id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL,
    mod integer NOT NULL, usn integer NOT NULL, tags text NOT NULL,
    flds text NOT NULL, sfld integer NOT NULL, csum integer NOT NULL,
    flags integer NOT NULL, data text NOT NULL
);
CREATE TABLE cards (
    id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL,
    ord integer NOT NULL, mod integer NOT NULL, usn integer NOT NULL,
    type integer NOT NULL, queue integer NOT NULL, due integer NOT NULL,
    ivl integer NOT NULL, factor integer NOT NULL, reps integer NOT NULL,
    lapses integer NOT NULL, left integer NOT NULL, odue integer NOT NULL,
    odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL
);
CREATE TABLE revlog (
    id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL,
    ease integer NOT NULL, ivl integer NOT NULL, lastIvl integer NOT NULL,
    factor integer NOT NULL, time integer NOT NULL, type integer NOT NULL
);
CREATE TABLE graves (
    usn integer NOT NULL, oid integer NOT NULL, type integer NOT NULL
);
";

/// Schema 11's indexes, built once the rows are in (one sort instead of a
/// random insertion per row).
const INDEXES_11: &str = "
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
";

/// The single `col` row.
#[derive(Debug, Clone)]
pub(crate) struct ColRow {
    /// Collection creation, Unix seconds.
    pub(crate) crt: i64,
    /// Last modification, milliseconds.
    pub(crate) mtime_ms: i64,
    /// Last schema change, milliseconds.
    pub(crate) scm: i64,
    pub(crate) conf: String,
    pub(crate) models: String,
    pub(crate) decks: String,
    pub(crate) dconf: String,
}

/// One `notes` row.
#[derive(Debug, Clone)]
pub(crate) struct NoteRow {
    pub(crate) id: i64,
    pub(crate) guid: String,
    pub(crate) notetype_id: i64,
    /// Seconds, from the lock.
    pub(crate) mtime: i64,
    /// `" tag1 tag2 "`.
    pub(crate) tags: String,
    /// Fields joined with U+001F.
    pub(crate) fields: String,
    /// Sort field: the Question with HTML stripped.
    pub(crate) sort_field: String,
    pub(crate) checksum: i64,
}

/// One `cards` row: always a new card.
#[derive(Debug, Clone)]
pub(crate) struct CardRow {
    pub(crate) id: i64,
    pub(crate) note_id: i64,
    pub(crate) deck_id: i64,
    /// Template ord.
    pub(crate) ord: u16,
    pub(crate) mtime: i64,
    /// New-card position.
    pub(crate) due: i64,
}

/// Anki's first-field checksum: the first 8 hex digits of SHA-1 of the
/// field's text (HTML already stripped), as an integer.
pub(crate) fn field_checksum(stripped: &str) -> i64 {
    let digest = Sha1::digest(stripped.as_bytes());
    i64::from(u32::from_be_bytes(digest[..4].try_into().expect("4 bytes")))
}

/// Anki's tag column format: space-separated with a space at each end.
pub(crate) fn tags_column(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(" {} ", tags.join(" "))
    }
}

/// Write the collection and return the database file's bytes.
#[cfg(test)]
pub(crate) fn write_collection(
    col: &ColRow,
    notes: &[NoteRow],
    cards: &[CardRow],
) -> Result<Vec<u8>> {
    let dir = tempfile::tempdir().context("cannot create a temporary folder")?;
    let path = dir.path().join("collection.anki2");
    write_collection_file(&path, col, notes, cards)?;
    let bytes = std::fs::read(&path).context("cannot read back the collection database")?;
    Ok(bytes)
}

/// Write the collection as a new database file at `path`.
#[cfg(test)]
pub(crate) fn write_collection_file(
    path: &std::path::Path,
    col: &ColRow,
    notes: &[NoteRow],
    cards: &[CardRow],
) -> Result<()> {
    let mut writer = CollectionWriter::create(path)?;
    for n in notes {
        writer.insert_note(n)?;
    }
    for c in cards {
        writer.insert_card(c)?;
    }
    writer.finish(col)
}

/// A collection being written: tables created, rows added one at a time
/// inside one transaction, then the `col` row and the indexes on [`finish`].
///
/// [`finish`]: CollectionWriter::finish
pub(crate) struct CollectionWriter {
    db: Connection,
}

impl CollectionWriter {
    /// Create a new, empty collection file at `path`.
    pub(crate) fn create(path: &std::path::Path) -> Result<CollectionWriter> {
        let db = Connection::open(path).context("cannot create the collection database")?;
        // 64 KiB pages: a note's fields (2–5 KB of HTML) leave most of a
        // 4 KiB page empty, so big pages make the file a third smaller.
        // A scratch file: no journal and no fsync until it is zipped.
        db.execute_batch(
            "PRAGMA page_size = 65536; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;",
        )?;
        db.execute_batch("BEGIN")?;
        db.execute_batch(SCHEMA_11)?;
        Ok(CollectionWriter { db })
    }

    pub(crate) fn insert_note(&mut self, n: &NoteRow) -> Result<()> {
        self.db
            .prepare_cached("INSERT INTO notes VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, 0, '')")?
            .execute(params![
                n.id,
                n.guid,
                n.notetype_id,
                n.mtime,
                n.tags,
                n.fields,
                n.sort_field,
                n.checksum
            ])?;
        Ok(())
    }

    pub(crate) fn insert_card(&mut self, c: &CardRow) -> Result<()> {
        self.db
            .prepare_cached(
                "INSERT INTO cards VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, 0, ?6, 0, 0, 0, 0, 0, 0, 0, 0, '')",
            )?
            .execute(params![c.id, c.note_id, c.deck_id, c.ord, c.mtime, c.due])?;
        Ok(())
    }

    /// Add the `col` row and the indexes, commit and close the file.
    pub(crate) fn finish(self, col: &ColRow) -> Result<()> {
        self.db.execute(
            "INSERT INTO col VALUES (1, ?1, ?2, ?3, 11, 0, 0, 0, ?4, ?5, ?6, ?7, '{}')",
            params![
                col.crt,
                col.mtime_ms,
                col.scm,
                col.conf,
                col.models,
                col.decks,
                col.dconf
            ],
        )?;
        self.db.execute_batch(INDEXES_11)?;
        self.db.execute_batch("COMMIT")?;
        self.db
            .close()
            .map_err(|(_, e)| e)
            .context("cannot close the collection database")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (ColRow, Vec<NoteRow>, Vec<CardRow>) {
        let col = ColRow {
            crt: 1,
            mtime_ms: 2000,
            scm: 2000,
            conf: "{}".into(),
            models: "{}".into(),
            decks: "{}".into(),
            dconf: "{}".into(),
        };
        let note = NoteRow {
            id: 10,
            guid: "g".into(),
            notetype_id: 5,
            mtime: 2,
            tags: tags_column(&["a::b".into(), "c".into()]),
            fields: "Q\u{1f}A".into(),
            sort_field: "Q".into(),
            checksum: field_checksum("Q"),
        };
        let card = CardRow {
            id: 20,
            note_id: 10,
            deck_id: 3,
            ord: 0,
            mtime: 2,
            due: 10,
        };
        (col, vec![note], vec![card])
    }

    #[test]
    fn same_rows_give_same_bytes() {
        let (c, n, k) = sample();
        let a = write_collection(&c, &n, &k).unwrap();
        let b = write_collection(&c, &n, &k).unwrap();
        assert_eq!(a, b);
        assert!(a.starts_with(b"SQLite format 3\0"));
    }

    #[test]
    fn rows_read_back_as_written() {
        let (c, n, k) = sample();
        let bytes = write_collection(&c, &n, &k).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.anki2");
        std::fs::write(&p, bytes).unwrap();
        let db = Connection::open(&p).unwrap();
        let (ver, tags): (i64, String) = db
            .query_row("SELECT ver, (SELECT tags FROM notes) FROM col", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(ver, 11);
        assert_eq!(tags, " a::b c ");
        let due: i64 = db
            .query_row("SELECT due FROM cards", [], |r| r.get(0))
            .unwrap();
        assert_eq!(due, 10);
    }

    #[test]
    fn checksum_matches_anki() {
        // sha1("Q") = c3156e00…; Anki stores int("c3156e00", 16).
        assert_eq!(field_checksum("Q"), 0xc3156e00);
    }
}

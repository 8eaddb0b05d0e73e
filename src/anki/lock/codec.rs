//! The codec of `content/bank.lock`: writing it (TOML written directly for
//! the usual shape, the general serialiser otherwise), reading and
//! validating it (a fast reader for exactly what is written, the TOML parser
//! for anything else), and migrating a version 1 lock.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::{Lock, NoteIds, NoteRecord, Stamp, ID_STEP, LOCK_VERSION};
use crate::identity::note_guid;

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

/// A bank id, question id, GUID or hash the fast writer writes and the
/// line reader takes as they are: ASCII letters, digits, `-` and `_`.
fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// TOML basic string: `"` and `\` escaped, control characters as escapes,
/// everything else as is (one line, whatever the text). Runs of plain text
/// go out in one piece.
fn toml_string(out: &mut impl Write, s: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let mut plain_from = 0;
    for (i, c) in s.char_indices() {
        let escaped = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\t' => "\\t",
            '\r' => "\\r",
            c if c.is_control() => "",
            _ => continue,
        };
        out.write_all(&s.as_bytes()[plain_from..i])?;
        if escaped.is_empty() {
            write!(out, "\\u{:04X}", c as u32)?;
        } else {
            out.write_all(escaped.as_bytes())?;
        }
        plain_from = i + c.len_utf8();
    }
    out.write_all(&s.as_bytes()[plain_from..])?;
    out.write_all(b"\"")
}

fn toml_strings(out: &mut impl Write, items: &[String]) -> io::Result<()> {
    out.write_all(b"[")?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.write_all(b", ")?;
        }
        toml_string(out, item)?;
    }
    out.write_all(b"]")
}

/// A sink that checks that what is written to it is, byte for byte, what
/// `old` holds, without keeping either: a lock of 100,000 questions is
/// compared with the one on disk in a buffer's worth of memory. The first
/// difference fails the write, which ends the writing early.
struct SameAs<R> {
    old: R,
    differs: bool,
}

impl<R: BufRead> SameAs<R> {
    fn new(old: R) -> SameAs<R> {
        SameAs {
            old,
            differs: false,
        }
    }

    /// Everything written matched, and `old` holds nothing more.
    fn matched(mut self) -> io::Result<bool> {
        Ok(!self.differs && self.old.fill_buf()?.is_empty())
    }
}

impl<R: BufRead> Write for SameAs<R> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while !self.differs && !rest.is_empty() {
            let old = self.old.fill_buf()?;
            let n = old.len().min(rest.len());
            if n == 0 || old[..n] != rest[..n] {
                self.differs = true;
                break;
            }
            self.old.consume(n);
            rest = &rest[n..];
        }
        if self.differs {
            return Err(io::Error::other("not the same bytes"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
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
    #[cfg(test)]
    pub(crate) fn to_text(&self) -> Result<String> {
        let mut text = Vec::new();
        self.write_text(&mut text)?;
        Ok(String::from_utf8(text)?)
    }

    /// Write the lock's text (see [`Lock::to_text`]) into `out`, streamed:
    /// for 100,000 questions it is some 300 MB, never held whole.
    pub(crate) fn write_text(&self, out: &mut impl Write) -> Result<()> {
        out.write_all(HEADER.as_bytes())?;
        out.write_all(b"\n")?;
        if self.has_fast_shape() {
            self.write_toml_fast(out)?;
        } else {
            let body = toml::to_string(self).context("cannot serialise bank.lock")?;
            out.write_all(body.as_bytes())?;
        }
        Ok(())
    }

    /// Whether the file at `path` holds exactly this lock's text, compared
    /// as it is written, never held; `None` when there is no file to read.
    pub(crate) fn is_written_at(&self, path: &Path) -> Result<Option<bool>> {
        let Ok(file) = std::fs::File::open(path) else {
            return Ok(None);
        };
        let mut same = SameAs::new(BufReader::with_capacity(1 << 20, file));
        match self.write_text(&mut same) {
            Ok(()) => {}
            Err(_) if same.differs => return Ok(Some(false)),
            // The file could not be read back: as good as none.
            Err(e) if e.is::<io::Error>() => return Ok(None),
            Err(e) => return Err(e),
        }
        Ok(same.matched().ok())
    }

    /// The lock's usual shape (plain keys and stamps, some notes), which
    /// [`Lock::write_toml_fast`] writes; anything else goes through the
    /// general serialiser.
    fn has_fast_shape(&self) -> bool {
        !self.notes.is_empty()
            && plain(&self.bank)
            && plain(&self.notetype.hash)
            && self
                .notes
                .iter()
                .chain(&self.retired)
                .all(|(id, r)| plain(id) && plain(&r.guid) && plain(&r.hash))
    }

    /// The lock's canonical TOML, written directly: the general serialiser
    /// builds a document tree that, for a bank of 100,000 questions, costs
    /// hundreds of megabytes. One line per key, strings as TOML basic
    /// strings. Only for [`Lock::has_fast_shape`].
    fn write_toml_fast(&self, out: &mut impl Write) -> io::Result<()> {
        self.write_opening(out)?;
        for (table, entries) in [("notes", &self.notes), ("retired", &self.retired)] {
            for (id, r) in entries {
                write_record(out, table, id, r)?;
            }
        }
        Ok(())
    }

    /// The lines before the first record.
    fn write_opening(&self, out: &mut impl Write) -> io::Result<()> {
        write!(
            out,
            "version = {}\nbank = \"{}\"\nrecords = {}\n\n[notetype]\nhash = \"{}\"\nmod = {}\n",
            self.version, self.bank, self.records, self.notetype.hash, self.notetype.mtime
        )
    }

    /// The fast writer's body, as one string (for the tests).
    #[cfg(test)]
    fn to_toml_fast(&self) -> Option<String> {
        let mut body = Vec::new();
        self.has_fast_shape()
            .then(|| self.write_toml_fast(&mut body).expect("writes to memory"))?;
        String::from_utf8(body).ok()
    }

    /// Parse and validate a lock's text (version 2, or version 1, migrated).
    /// Anything unexpected is an error that names the file: a broken lock is
    /// never silently replaced.
    pub fn parse(text: &str, path: &Path, bank_id: &str) -> Result<Lock> {
        let lock = match Lock::read_canonical(text.as_bytes(), &|_| true) {
            Some(lock) => lock,
            None => Lock::parse_general(text, path)?,
        };
        lock.validate(path, bank_id)
    }

    /// Any lock text, through the TOML parser: hand edits, other layouts,
    /// older versions (migrated), broken files (an error naming `path`).
    fn parse_general(text: &str, path: &Path) -> Result<Lock> {
        let invalid = |e: toml::de::Error| {
            anyhow::anyhow!(
                "{} is not a valid lock file: {}\n(restore it from version control, or delete it to start a new change record: learners would then see every note as changed once)",
                path.display(),
                e.message()
            )
        };
        let at = || path.display();
        let version = toml::from_str::<VersionOnly>(text)
            .map_err(invalid)?
            .version;
        Ok(match version {
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
        })
    }

    /// Check a lock read from `path` against itself and the bank.
    fn validate(self, path: &Path, bank_id: &str) -> Result<Lock> {
        let lock = self;
        let at = || path.display();
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

    #[cfg(test)]
    fn parse_canonical(text: &str) -> Option<Lock> {
        Lock::read_canonical(text.as_bytes(), &|_| true)
    }

    /// Read a lock exactly as [`Lock::write_text`] writes it, line by line
    /// from `input`, without the general TOML parser (whose document tree
    /// costs hundreds of megabytes for 100,000 questions) and without
    /// holding the text: only each list line goes through a parser. `None`
    /// for any other text (or one that cannot be read), which then goes
    /// through the TOML parser: hand edits, other layouts, older versions,
    /// broken files.
    ///
    /// Each piece (the opening, then each record) is taken only if the
    /// writer writes back exactly its lines, and records only in the order
    /// the writer writes them: that is what makes this reading the same as
    /// the TOML parser's. A note for which `keep_content` is false keeps
    /// only its stamps once checked (fields, tags and media dropped).
    fn read_canonical(input: impl BufRead, keep_content: &dyn Fn(&str) -> bool) -> Option<Lock> {
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
        // write-back comparison guarantees the reading is exact.
        fn list(line: Option<&str>, key: &str) -> Option<Vec<String>> {
            serde_json::from_str(value(line, key)?).ok()
        }
        let mut lines = Lines::new(input);
        for expected in HEADER.split_terminator('\n') {
            if lines.next()? != expected {
                return None;
            }
        }
        if !lines.next()?.is_empty() {
            return None;
        }
        lines.raw.clear();
        let version = number(lines.next().as_deref(), "version")?;
        if version != LOCK_VERSION {
            return None;
        }
        let bank = string(lines.next().as_deref(), "bank")?.to_string();
        let records = number(lines.next().as_deref(), "records")?;
        if !lines.next()?.is_empty() || lines.next()? != "[notetype]" {
            return None;
        }
        let notetype = Stamp {
            hash: string(lines.next().as_deref(), "hash")?.to_string(),
            mtime: number(lines.next().as_deref(), "mod")?,
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
        if !plain(&lock.bank) || !plain(&lock.notetype.hash) {
            return None;
        }
        let mut written = Vec::new();
        lock.write_opening(&mut written).ok()?;
        if written != lines.raw {
            return None;
        }
        let mut last: Option<(bool, String)> = None;
        loop {
            lines.raw.clear();
            if !lines.next()?.is_empty() {
                return None;
            }
            let Some(header) = lines.next() else { break };
            let (table, id) = header
                .strip_prefix('[')?
                .strip_suffix(']')?
                .split_once('.')?;
            let retired_table = match table {
                "notes" => false,
                "retired" => true,
                _ => return None,
            };
            let guid = string(lines.next().as_deref(), "guid")?.to_string();
            let note_id = number(lines.next().as_deref(), "id")?;
            let added = number(lines.next().as_deref(), "added")?;
            let mut line = lines.next();
            let retired = match line.as_deref() {
                Some(l) if l.starts_with("retired = ") => {
                    let retired = number(line.as_deref(), "retired")?;
                    line = lines.next();
                    Some(retired)
                }
                _ => None,
            };
            let mut record = NoteRecord {
                guid,
                id: note_id,
                added,
                retired,
                hash: string(line.as_deref(), "hash")?.to_string(),
                mtime: number(lines.next().as_deref(), "mod")?,
                fields: list(lines.next().as_deref(), "fields")?,
                tags: list(lines.next().as_deref(), "tags")?,
                media: list(lines.next().as_deref(), "media")?,
            };
            if !plain(id) || !plain(&record.guid) || !plain(&record.hash) {
                return None;
            }
            // In the writer's order: notes, then retired, each by id.
            let place = (retired_table, id.to_string());
            if last.as_ref().is_some_and(|l| *l >= place) {
                return None;
            }
            written.clear();
            write_record(&mut written, table, id, &record).ok()?;
            if written != lines.raw {
                return None;
            }
            if !retired_table && !keep_content(id) {
                record.fields = Vec::new();
                record.tags = Vec::new();
                record.media = Vec::new();
            }
            let entries = if retired_table {
                &mut lock.retired
            } else {
                &mut lock.notes
            };
            entries.insert(place.1.clone(), record);
            last = Some(place);
        }
        // Nothing after the last record, and at least one note.
        (!lock.notes.is_empty()).then_some(lock)
    }

    /// Read the lock at `path`; `None` when there is none yet.
    #[cfg(test)]
    pub(crate) fn read(path: &Path, bank_id: &str) -> Result<Option<Lock>> {
        Lock::read_keeping(path, bank_id, |_| true)
    }

    /// Read the lock at `path` like [`Lock::read`], keeping the shipped
    /// content (fields, tags, media) only of the notes for which
    /// `keep_content` is true: a build renders every question still in the
    /// bank anew and needs only their stamps, some 300 MB less at 100,000
    /// questions. Such a lock is for planning only, never written back.
    pub(crate) fn read_keeping(
        path: &Path,
        bank_id: &str,
        keep_content: impl Fn(&str) -> bool,
    ) -> Result<Option<Lock>> {
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let canonical =
            Lock::read_canonical(BufReader::with_capacity(1 << 20, file), &keep_content);
        let lock = match canonical {
            Some(lock) => lock,
            None => {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))?;
                let mut lock = Lock::parse_general(&text, path)?;
                for (id, record) in &mut lock.notes {
                    if !keep_content(id) {
                        record.fields = Vec::new();
                        record.tags = Vec::new();
                        record.media = Vec::new();
                    }
                }
                lock
            }
        };
        lock.validate(path, bank_id).map(Some)
    }
}

/// The lines of a text, as `str::split('\n')` gives them (a text ending in
/// a newline ends with an empty line), read one at a time; `raw` collects
/// each line read with its newline, for the write-back comparison. A read
/// error or a line that is not UTF-8 ends the lines.
struct Lines<R> {
    input: R,
    raw: Vec<u8>,
    /// The input is exhausted and its last line given.
    done: bool,
}

impl<R: BufRead> Lines<R> {
    fn new(input: R) -> Lines<R> {
        Lines {
            input,
            raw: Vec::new(),
            done: false,
        }
    }

    fn next(&mut self) -> Option<String> {
        if self.done {
            return None;
        }
        let mut line = Vec::new();
        self.input.read_until(b'\n', &mut line).ok()?;
        if line.last() == Some(&b'\n') {
            line.pop();
            self.raw.extend_from_slice(&line);
            self.raw.push(b'\n');
        } else {
            // The last piece: empty after a final newline.
            self.done = true;
            self.raw.extend_from_slice(&line);
        }
        String::from_utf8(line).ok()
    }
}

/// One record of the fast writer: a blank line, `[table.id]`, its keys.
fn write_record(out: &mut impl Write, table: &str, id: &str, r: &NoteRecord) -> io::Result<()> {
    write!(
        out,
        "\n[{table}.{id}]\nguid = \"{}\"\nid = {}\nadded = {}\n",
        r.guid, r.id, r.added
    )?;
    if let Some(retired) = r.retired {
        writeln!(out, "retired = {retired}")?;
    }
    write!(out, "hash = \"{}\"\nmod = {}\n", r.hash, r.mtime)?;
    for (key, list) in [
        ("fields = ", &r.fields),
        ("tags = ", &r.tags),
        ("media = ", &r.media),
    ] {
        out.write_all(key.as_bytes())?;
        toml_strings(out, list)?;
        out.write_all(b"\n")?;
    }
    Ok(())
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
    use crate::anki::lock::fixtures::{h, note};
    use crate::anki::lock::{plan, CurrentNote};

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
    fn records_out_of_the_writers_order_go_to_the_toml_parser() {
        let lock = sample_lock();
        let text = lock.to_text().unwrap();
        let (head, rest) = text.split_once("\n\n[notes.").unwrap();
        let r: Vec<&str> = rest.split("\n\n[").collect();
        assert_eq!(r.len(), 3, "{text}");
        let swapped = format!("{head}\n\n[{}\n\n[notes.{}\n\n[{}", r[1], r[0], r[2]);
        assert_eq!(Lock::parse_canonical(&swapped), None);
        assert_eq!(
            Lock::parse(&swapped, Path::new("bank.lock"), "b").unwrap(),
            lock
        );
    }

    #[test]
    fn a_build_keeps_the_content_only_of_questions_that_left() {
        let lock = sample_lock();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bank.lock");
        let text = lock.to_text().unwrap();
        let keep = |id: &str| id == "z-9";
        std::fs::write(&path, &text).unwrap();
        let read = Lock::read_keeping(&path, "b", keep).unwrap().unwrap();
        let a = &read.notes["a"];
        assert!(a.fields.is_empty() && a.tags.is_empty() && a.media.is_empty());
        assert_eq!(
            (&a.hash, a.mtime, a.id),
            (
                &lock.notes["a"].hash,
                lock.notes["a"].mtime,
                lock.notes["a"].id
            )
        );
        assert_eq!(read.notes["z-9"], lock.notes["z-9"]);
        assert_eq!(read.retired, lock.retired);
        assert_eq!(Lock::read(&path, "b").unwrap().unwrap(), lock);
        // The same through the TOML parser (a layout the writer does not write).
        std::fs::write(&path, text.replace("mod = 2000", "mod =  2000")).unwrap();
        assert_eq!(Lock::read_keeping(&path, "b", keep).unwrap().unwrap(), read);
        // No lock yet.
        assert_eq!(Lock::read(&dir.path().join("none"), "b").unwrap(), None);
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
        let cut = &text[..=text.find("\n[notes.yy]").unwrap()];
        let err = Lock::parse(cut, Path::new("bank.lock"), "b")
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds 2 records but 1 were found"), "{err}");
        let cut = &v1()[..=v1().find("\n[notes.yy]").unwrap()];
        let err = Lock::parse(cut, Path::new("bank.lock"), "b")
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds 3 records but 1 were found"), "{err}");
    }
}

//! Reading one file of a bank safely: only regular files (never a folder,
//! pipe, socket or device), each kind within its size limit, and text as
//! UTF-8 (a BOM dropped, CRLF turned into LF, UTF-16 and forbidden
//! characters refused at their line). The size limits of the bank's text
//! files, figures, `bank.lock` and review sheets are here.

use std::fs;
use std::path::Path;

use crate::diagnostic::{Diagnostic, LineIndex};
use crate::model::Bank;

/// The largest text file the loader reads (1 MiB): a question file is a
/// few kilobytes (the shipped bank's largest is 3.4 KB), so anything near
/// this is a mistake (a pasted data dump, a renamed binary). One MiB of
/// Markdown is already some 200 booklet pages; ten took the build 35 s and
/// 2.5 GB.
pub(crate) const MAX_TEXT_FILE_BYTES: u64 = 1024 * 1024;

/// Does `bytes` look like UTF-16 (a UTF-16 byte-order mark, or the NUL byte
/// of every other position that ASCII text has in UTF-16)?
fn looks_like_utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    let head = &bytes[..bytes.len().min(64) & !1];
    if head.len() < 4 {
        return false;
    }
    let pairs = head.len() / 2;
    let even_nuls = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_nuls = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    even_nuls == pairs && odd_nuls == 0 || odd_nuls == pairs && even_nuls == 0
}

/// The largest figure file (2 MiB): the bank's figures are a few
/// kilobytes; a figure near this is a photo or a data dump, and an SVG that
/// big takes minutes to draw.
pub(crate) const MAX_FIGURE_BYTES: u64 = 2 * 1024 * 1024;

/// The most all figures together may hold (32 MiB): they travel in every
/// deck and booklet.
pub(crate) const MAX_MEDIA_BYTES: u64 = 32 * 1024 * 1024;

/// What a `bank.lock` may hold beyond its share of the bank (64 MiB): see
/// [`lock_limit`].
pub(crate) const LOCK_SLACK_BYTES: u64 = 64 * 1024 * 1024;

/// The largest `bank.lock` read for `bank`: a lock records, per question,
/// what Anki stores for it (the rendered fields, some times the Markdown),
/// so its limit grows with the bank: eight bytes per byte of questions'
/// text, plus [`LOCK_SLACK_BYTES`] for ids, stamps and retired questions.
pub(crate) fn lock_limit(bank: &Bank) -> u64 {
    let text: usize = bank
        .questions()
        .map(|(_, q)| {
            q.title.len()
                + q.parts()
                    .iter()
                    .map(|(_, p)| p.markdown.len())
                    .sum::<usize>()
        })
        .sum();
    LOCK_SLACK_BYTES + 8 * text as u64
}

/// The largest review sheet `apply-csv` reads (256 MiB).
pub(crate) const MAX_SHEET_BYTES: u64 = 256 * 1024 * 1024;

/// Why a file cannot be read: what the user sees after the path.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    #[error(
        "not a regular file (a folder, pipe, socket or device); qbank reads only regular files"
    )]
    NotRegular,
    #[error("file is {size:.1} MiB; {what} are limited to {limit} (split it, or move data out of the bank)", size = *.size as f64 / (1024.0 * 1024.0), limit = human_size(*.limit))]
    TooLarge {
        size: u64,
        limit: u64,
        what: &'static str,
    },
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),
}

/// `n` bytes as `2 MiB` or `512 KiB`.
pub(crate) fn human_size(n: u64) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else {
        format!("{} KiB", n.div_ceil(1024))
    }
}

/// Read the regular file at `path`, at most `limit` bytes (`what` names the
/// kind of file in the message). A folder, a pipe (FIFO), a socket or a
/// device is refused before it is read, so no input can block qbank or feed
/// it without end; the size is checked before reading and enforced while
/// reading, so a file that grows meanwhile cannot exceed it either.
pub(crate) fn read_regular_file(
    path: &Path,
    limit: u64,
    what: &'static str,
) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
            what,
        });
    }
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        // O_NONBLOCK: should the file have become a pipe since the check
        // above, opening it does not wait for a writer.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(0o4000);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(ReadError::NotRegular);
    }
    let mut bytes = Vec::with_capacity(meta.len().min(limit) as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
            what,
        });
    }
    Ok(bytes)
}

/// Why `c` may not appear in a bank's text, if it may not: control
/// characters other than tab and line feed (they are invisible, and some
/// break Anki, the booklet or a terminal) and Unicode noncharacters
/// (U+FFFE, U+FFFF, U+FDD0..U+FDEF and the last two of every plane: never
/// text, often the mark of a broken conversion).
pub(crate) fn forbidden_char(c: char) -> Option<&'static str> {
    let n = c as u32;
    if c == '\t' || c == '\n' {
        None
    } else if c.is_control() {
        Some("control character")
    } else if (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE {
        Some("Unicode noncharacter")
    } else {
        None
    }
}

/// The message for a forbidden character `c` (see [`forbidden_char`]).
pub(crate) fn forbidden_char_message(c: char, what: &str, place: &str) -> String {
    let name = match c {
        '\r' => " (a lone carriage return: save the file with LF or CRLF line endings)".to_string(),
        _ => String::new(),
    };
    format!("{what} U+{:04X}{name} {place}; remove it", c as u32)
}

/// The first forbidden character in `text` (see [`forbidden_char`]) and its byte offset.
pub(crate) fn find_forbidden(text: &str) -> Option<(usize, char, &'static str)> {
    // Every forbidden character's UTF-8 starts with a byte below 0x20 (not
    // tab or LF), 0x7F, 0xC2 (C1 controls), 0xEF (U+FDD0.., U+FFFE..) or
    // 0xF0..=0xF4 (the other planes): text without these is clean.
    // Each suspect byte is ASCII or the first byte of a character: only the
    // characters that start at one are decoded and looked at.
    text.bytes()
        .enumerate()
        .filter(|&(_, b)| SUSPECT[usize::from(b)])
        .find_map(|(i, _)| {
            let c = text[i..].chars().next()?;
            forbidden_char(c).map(|what| (i, c, what))
        })
}

/// The bytes a forbidden character's UTF-8 can start with (see
/// [`find_forbidden`]), as a table: one lookup per byte of text.
static SUSPECT: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] =
            (b < 0x20 && b != 0x09 && b != 0x0A) || matches!(b, 0x7F | 0xC2 | 0xEF | 0xF0..=0xF4);
        b += 1;
    }
    table
};

/// Read a text file: invalid UTF-8 and empty files are diagnostics; a BOM is
/// dropped and CRLF line endings become LF. Control characters (other than
/// tab and the line endings) and noncharacters are refused at their line.
pub fn read_text(path: &Path) -> Result<String, Diagnostic> {
    let bytes = read_regular_file(path, MAX_TEXT_FILE_BYTES, "a bank's text files")
        .map_err(|e| Diagnostic::error(path, 1, e.to_string()))?;
    if looks_like_utf16(&bytes) {
        return Err(Diagnostic::error(
            path,
            1,
            "the file is UTF-16 text; save it as UTF-8",
        ));
    }
    let mut text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = 1 + bytes[..valid].iter().filter(|&&b| b == b'\n').count();
            return Err(Diagnostic::error(
                path,
                line,
                format!("invalid UTF-8 (byte offset {valid}); save the file as UTF-8"),
            ));
        }
    };
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    if text.contains('\r') {
        text = text.replace("\r\n", "\n");
    }
    if text.trim().is_empty() {
        return Err(Diagnostic::error(path, 1, "empty file"));
    }
    if let Some(pos) = text.find('\0') {
        let index = LineIndex::new(&text);
        return Err(Diagnostic::error(
            path,
            index.line(pos),
            "NUL byte in text file (is this a binary file?)",
        )
        .at_column(index.column(&text, pos)));
    }
    if let Some((pos, c, what)) = find_forbidden(&text) {
        let index = LineIndex::new(&text);
        return Err(Diagnostic::error(
            path,
            index.line(pos),
            forbidden_char_message(c, what, "in the text"),
        )
        .at_column(index.column(&text, pos)));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_are_found_past_the_fast_path() {
        for (text, found) in [
            ("plain σ ₹ → ² ° 🎯 text\twith tab\n", None),
            ("a\u{1f}b", Some(1)),
            ("x\u{7f}", Some(1)),
            ("² then \u{85}", Some(8)),
            ("\u{fdd0}", Some(0)),
            ("ok \u{fffe}", Some(3)),
            ("\u{1fffe}", Some(0)),
            ("\u{10ffff}", Some(0)),
            ("\r", Some(0)),
        ] {
            assert_eq!(find_forbidden(text).map(|f| f.0), found, "{text:?}");
        }
    }

    #[test]
    fn utf16_is_recognised_with_or_without_a_byte_order_mark() {
        let utf16le: Vec<u8> = "+++\nid = \"a\"\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let utf16be: Vec<u8> = "+++\nid"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert!(looks_like_utf16(&utf16le));
        assert!(looks_like_utf16(&utf16be));
        assert!(looks_like_utf16(&[0xFF, 0xFE, b'a', 0]));
        assert!(!looks_like_utf16(b"+++\nid = \"a\"\n"));
        assert!(!looks_like_utf16("σβλ ₹ — “”".as_bytes()));
        assert!(!looks_like_utf16(b"ab\0cd\0ef"));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.md");
        fs::write(&p, &utf16le).unwrap();
        assert_eq!(
            read_text(&p).unwrap_err().message,
            "the file is UTF-16 text; save it as UTF-8"
        );
    }

    #[test]
    fn read_text_drops_bom_and_crlf() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.md");
        fs::write(&p, "\u{feff}a\r\nb\r\n").unwrap();
        assert_eq!(read_text(&p).unwrap(), "a\nb\n");
        fs::write(&p, b"ok\n\xff\n").unwrap();
        let d = read_text(&p).unwrap_err();
        assert_eq!(d.line(), 2);
        fs::write(&p, " \n\n").unwrap();
        assert_eq!(read_text(&p).unwrap_err().message, "empty file");
    }
}

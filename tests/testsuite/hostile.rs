//! Hostile and broken input: each case gets its exact diagnostic (or a safe
//! result), never a panic, and nothing already built is lost.
//!
//! The unwritable-folder cases need `chattr` (Debian's e2fsprogs) when the
//! tests run as root, since root writes through permission bits.

use crate::common;
use common::{assert_no_live_markup, copy_dir};

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EPOCH: &str = "1767225600";
const Q1: &str = "a-basics/01-overfitting.md";
/// The warning the fixture's figure gets when the question showing it is refused.
const UNREFERENCED: &str =
    "content/media/loss-curves.svg:1: warning: figure is not referenced by any question";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the good fixture bank in a temporary folder, with an `out/`.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &repo().join("tests/fixtures/good"),
            &dir.path().join("content"),
        );
        Workspace { dir }
    }

    fn content(&self) -> PathBuf {
        self.dir.path().join("content")
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn file(&self, rel: &str) -> PathBuf {
        self.content().join(rel)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.file(rel)).unwrap()
    }

    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        std::fs::write(self.file(rel), bytes).unwrap();
    }

    /// Replace `from` (which must occur) in a content file.
    fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "`{from}` not in {rel}");
        self.write(rel, text.replacen(from, to, 1));
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_qbank"))
            .args(args)
            .current_dir(self.dir.path())
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .output()
            .expect("run qbank")
    }

    fn build(&self) -> Output {
        self.run(&["build", "--content", "content", "--out", "out"])
    }

    fn check(&self) -> Output {
        self.run(&["check", "--content", "content"])
    }

    fn apkg(&self) -> PathBuf {
        self.out().join("fixture-bank.apkg")
    }

    fn csv(&self) -> PathBuf {
        self.out().join("fixture-bank.csv")
    }

    /// Every file under `out/` and the lock, with their bytes.
    fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(self.out())
            .map(|entries| {
                entries
                    .map(|e| {
                        let e = e.unwrap();
                        let name = e.file_name().to_string_lossy().into_owned();
                        (name, std::fs::read(e.path()).unwrap())
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.push((
            "content/bank.lock".into(),
            std::fs::read(self.file("bank.lock")).unwrap_or_default(),
        ));
        files.sort();
        files
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// 1-based line of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    1 + text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not found"))
}

/// The check failed with exactly these diagnostics (paths relative to the
/// workspace), and the build wrote nothing.
fn assert_refused(ws: &Workspace, expected: &[String]) {
    let out = ws.check();
    let err = stderr(&out);
    let lines = common::problem_lines(&err);
    assert_eq!(lines, expected, "full stderr:\n{err}");
    assert_eq!(out.status.code(), Some(1), "{err}");
    let built = ws.build();
    assert_eq!(built.status.code(), Some(1), "{}", stderr(&built));
    assert!(!ws.out().exists(), "a refused bank was built");
}

/// The `Plain English` field of each note in a built .apkg, by question id.
fn apkg_fields(apkg: &Path) -> Vec<Vec<String>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(apkg).unwrap()).unwrap();
    let mut bytes = Vec::new();
    zip.by_name("collection.anki2")
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("collection.anki2");
    std::fs::write(&path, bytes).unwrap();
    let db = rusqlite::Connection::open(&path).unwrap();
    let mut stmt = db.prepare("SELECT flds FROM notes ORDER BY id").unwrap();
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|f| f.unwrap().split('\u{1f}').map(str::to_string).collect())
        .collect();
    rows
}

/// The review sheet as a spreadsheet reads it: header → value, one map per row.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn raw_script_and_img_onerror_are_refused_in_every_part_and_the_title() {
    let payloads = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"];
    let places = [
        ("# What is overfitting?", "# What is overfitting? PAYLOAD"),
        ("Overfitting is when", "PAYLOAD\n\nOverfitting is when"),
        (
            "Fixes by category:",
            "Say PAYLOAD here.\n\nFixes by category:",
        ),
        ("A Flipkart model", "PAYLOAD A Flipkart model"),
    ];
    for payload in payloads {
        for (anchor, replacement) in places {
            let ws = Workspace::new();
            ws.edit(Q1, anchor, &replacement.replace("PAYLOAD", payload));
            let line = line_of(&ws.read(Q1), payload);
            let out = ws.check();
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{err}");
            let diagnostics = common::problem_lines(&err);
            // An HTML block is one diagnostic, inline tags one per tag; each
            // names the file, the line and the markup it starts with.
            assert!(!diagnostics.is_empty(), "{err}");
            let tag = &payload[..4];
            let prefix = format!("content/{Q1}:{line}: error: raw HTML `{tag}");
            assert!(diagnostics[0].starts_with(&prefix), "{err}");
            for d in &diagnostics {
                assert!(
                    d.starts_with(&format!("content/{Q1}:{line}: error: raw HTML `"))
                        && d.ends_with(
                            "` is not allowed; write it as text, or in backticks to show a tag"
                        ),
                    "{err}"
                );
            }
            let built = ws.build();
            assert_eq!(built.status.code(), Some(1));
            assert!(!ws.out().exists(), "a refused bank was built");
        }
    }
}

#[test]
fn markup_in_backticks_reaches_cards_and_sheet_as_text_never_as_html() {
    let ws = Workspace::new();
    let shown = "`<script>alert(1)</script>` and `<img src=x onerror=alert(1)>`, and a < b > c";
    ws.edit(
        Q1,
        "Overfitting is when",
        &format!("{shown}.\n\nOverfitting is when"),
    );
    let out = ws.build();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let notes = apkg_fields(&ws.apkg());
    let plain = notes
        .iter()
        .find(|f| f[4] == "overfitting")
        .map(|f| f[1].clone())
        .expect("the overfitting note");
    assert!(
        plain.contains("<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"),
        "{plain}"
    );
    assert!(plain.contains("<code>&lt;img src=x onerror=alert(1)&gt;</code>"));
    assert!(plain.contains("a &lt; b &gt; c"), "{plain}");
    for fields in &notes {
        for field in fields {
            assert_no_live_markup(field);
        }
    }

    let rows = csv_rows(&ws.csv());
    let row = rows.iter().find(|r| r["id"] == "overfitting").unwrap();
    assert!(
        row["plain_english"].starts_with(&format!("{shown}.\n\nOverfitting is when")),
        "{}",
        row["plain_english"]
    );
    assert!(
        !row["plain_english"].contains("&lt;"),
        "the sheet holds HTML"
    );
}

#[test]
fn a_script_link_in_a_title_or_part_keeps_its_text_and_loses_its_link() {
    let ws = Workspace::new();
    ws.edit(
        Q1,
        "# What is overfitting?",
        "# What is [overfitting](javascript:alert(1))?",
    );
    ws.edit(
        Q1,
        "Overfitting is when",
        "[Overfitting](JavaScript:alert(1)) is when",
    );
    let out = ws.build();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let notes = apkg_fields(&ws.apkg());
    let note = notes.iter().find(|f| f[4] == "overfitting").unwrap();
    assert!(note[0].starts_with("What is overfitting?"), "{}", note[0]);
    assert!(note[1].starts_with("<p>Overfitting is when"), "{}", note[1]);
    for field in note {
        assert_no_live_markup(field);
        assert!(
            !field.to_ascii_lowercase().contains("javascript"),
            "{field}"
        );
    }
}

#[test]
fn figure_paths_that_leave_the_media_folder_are_refused() {
    let ws = Workspace::new();
    let line = line_of(&ws.read(Q1), "![Training");
    for (dest, shown) in [
        ("../../etc/passwd", "../../etc/passwd"),
        ("/etc/passwd", "/etc/passwd"),
        ("media/../bank.toml", "media/../bank.toml"),
    ] {
        ws.write(
            Q1,
            ws.read(Q1)
                .lines()
                .map(|l| {
                    if l.starts_with("![") {
                        format!("![Training and validation loss diverging]({dest})")
                    } else {
                        l.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
        );
        assert_refused(
            &ws,
            &[
                format!("content/{Q1}:{line}: error: figure `{shown}` must be a file directly inside content/media/, written `media/<name>`"),
                UNREFERENCED.to_string(),
            ],
        );
    }
}

#[cfg(unix)]
#[test]
fn symbolic_links_out_of_the_content_folder_are_refused() {
    use std::os::unix::fs::symlink;
    // A question file linked from elsewhere.
    let ws = Workspace::new();
    let outside = ws.dir.path().join("elsewhere.md");
    std::fs::rename(ws.file(Q1), &outside).unwrap();
    symlink(&outside, ws.file(Q1)).unwrap();
    let real = std::fs::canonicalize(&outside).unwrap();
    let out = ws.check();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(&format!(
            "content/{Q1}:1: error: symbolic link leads outside the content folder (to {}); copy the file into the bank instead\n",
            real.display()
        )),
        "{}",
        stderr(&out)
    );
    // No line of the file outside is shown under it.
    assert!(
        !stderr(&out).lines().any(common::is_snippet_line),
        "{}",
        stderr(&out)
    );

    // A whole section folder linked from elsewhere.
    let ws = Workspace::new();
    let outside = ws.dir.path().join("models-elsewhere");
    std::fs::rename(ws.file("b-models"), &outside).unwrap();
    symlink(&outside, ws.file("b-models")).unwrap();
    let out = ws.check();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "content/b-models:1: error: symbolic link leads outside the content folder (to {})",
            std::fs::canonicalize(&outside).unwrap().display()
        )),
        "{}",
        stderr(&out)
    );

    // The media folder linked from elsewhere.
    let ws = Workspace::new();
    let outside = ws.dir.path().join("media-elsewhere");
    std::fs::rename(ws.file("media"), &outside).unwrap();
    symlink(&outside, ws.file("media")).unwrap();
    let line = line_of(&ws.read(Q1), "![Training");
    let out = ws.check();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("content/{Q1}:{line}: error: figure `media/loss-curves.svg` leads outside the content folder (content/media/ is a symbolic link); keep figures inside the bank")),
        "{}",
        stderr(&out)
    );
    assert!(!ws.out().exists());

    // The card theme, then the whole theme folder, linked from elsewhere:
    // never read, so nothing of the file outside reaches a card's style.
    let ws = Workspace::new();
    let elsewhere = ws.dir.path().join("theme-elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("card.css"), ".x { content: 'OUTSIDE'; }\n").unwrap();
    std::fs::create_dir_all(ws.file("theme")).unwrap();
    let _ = std::fs::remove_file(ws.file("theme/card.css"));
    symlink(elsewhere.join("card.css"), ws.file("theme/card.css")).unwrap();
    let out = ws.build();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "content/theme/card.css:1: error: symbolic link leads outside the content folder (to {})",
            std::fs::canonicalize(elsewhere.join("card.css")).unwrap().display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(!ws.apkg().exists());
    std::fs::remove_dir_all(ws.file("theme")).unwrap();
    symlink(&elsewhere, ws.file("theme")).unwrap();
    let out = ws.build();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("content/theme:1: error: symbolic link leads outside the content folder"),
        "{}",
        stderr(&out)
    );
    assert!(!ws.apkg().exists());
}

#[test]
fn a_fifty_megabyte_part_is_refused_before_it_is_read() {
    let ws = Workspace::new();
    let big = "word ".repeat(10 * 1024 * 1024);
    ws.edit(
        Q1,
        "Overfitting is when",
        &format!("{big}\n\nOverfitting is when"),
    );
    assert_refused(
        &ws,
        &[
            format!("content/{Q1}:1: error: file is 50.0 MiB; a bank's text files are limited to 1 MiB (split it, or move data out of the bank)"),
            UNREFERENCED.to_string(),
        ],
    );
}

#[test]
fn a_twenty_thousand_character_word_builds() {
    let ws = Workspace::new();
    let word: String = "ab".repeat(10_000);
    ws.edit(
        Q1,
        "Overfitting is when",
        &format!("{word}\n\nOverfitting is when"),
    );
    let out = ws.build();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let notes = apkg_fields(&ws.apkg());
    assert!(notes
        .iter()
        .any(|f| f[1].contains(&format!("<p>{word}</p>"))));
    let rows = csv_rows(&ws.csv());
    assert!(rows.iter().any(|r| r["plain_english"].starts_with(&word)));
}

#[test]
fn nesting_up_to_the_limit_builds_every_format() {
    let ws = Workspace::new();
    let deep = format!(
        "{}**_[deep](https://a.b)_** x\n\n{}quote",
        "- ".repeat(6),
        "> ".repeat(7)
    );
    ws.edit(
        Q1,
        "Overfitting is when",
        &format!("{deep}\n\nOverfitting is when"),
    );
    let out = ws.build();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for ext in ["apkg", "csv", "pdf"] {
        assert!(
            ws.out().join(format!("fixture-bank.{ext}")).is_file(),
            "{ext}"
        );
    }
}

#[test]
fn ten_thousand_deep_lists_quotes_and_emphasis_are_refused_without_overflowing() {
    for (name, deep) in [
        ("lists", format!("{}x", "- ".repeat(10_000))),
        ("quotes", format!("{}x", "> ".repeat(10_000))),
        (
            "emphasis",
            format!("{}x{}", "*a ".repeat(10_000), " a*".repeat(10_000)),
        ),
        (
            "links",
            format!("{}x{}", "[".repeat(10_000), "](https://a.b)".repeat(10_000)),
        ),
    ] {
        let ws = Workspace::new();
        ws.edit(
            Q1,
            "Overfitting is when",
            &format!("{deep}\n\nOverfitting is when"),
        );
        let line = line_of(&ws.read(Q1), &deep[..20]);
        let out = ws.check();
        let err = stderr(&out);
        match name {
            // Unmatched brackets are plain text, not nesting: that builds.
            "links" => {
                assert_eq!(out.status.code(), Some(0), "{name}: {err}");
                let built = ws.build();
                assert_eq!(built.status.code(), Some(0), "{name}: {}", stderr(&built));
            }
            _ => assert_refused(
                &ws,
                &[format!("content/{Q1}:{line}: error: Markdown nested more than 16 levels deep (lists, quotes, emphasis or links inside each other); flatten it")],
            ),
        }
    }
}

#[test]
fn nul_bytes_invalid_utf8_and_utf16_are_named_with_their_fix() {
    let ws = Workspace::new();
    let text = ws.read(Q1);
    let line = line_of(&text, "Overfitting is when");
    ws.write(Q1, text.replacen("Overfitting is", "Overfitting\0is", 1));
    assert_refused(
        &ws,
        &[
            format!("content/{Q1}:{line}: error: NUL byte in text file (is this a binary file?)"),
            UNREFERENCED.to_string(),
        ],
    );

    let mut bytes = text.clone().into_bytes();
    let at = text.find("Overfitting is when").unwrap();
    bytes.insert(at, 0xC3);
    ws.write(Q1, &bytes);
    assert_refused(
        &ws,
        &[
            format!(
            "content/{Q1}:{line}: error: invalid UTF-8 (byte offset {at}); save the file as UTF-8"
        ),
            UNREFERENCED.to_string(),
        ],
    );

    for bom in [true, false] {
        let mut utf16: Vec<u8> = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        ws.write(Q1, &utf16);
        assert_refused(
            &ws,
            &[
                format!("content/{Q1}:1: error: the file is UTF-16 text; save it as UTF-8"),
                UNREFERENCED.to_string(),
            ],
        );
    }
    ws.write(Q1, &text);
    let toml = ws.read("bank.toml");
    let utf16: Vec<u8> = toml.encode_utf16().flat_map(u16::to_be_bytes).collect();
    ws.write("bank.toml", utf16);
    assert_refused(
        &ws,
        &["content/bank.toml:1: error: the file is UTF-16 text; save it as UTF-8".to_string()],
    );
}

#[test]
fn a_broken_or_hand_edited_lock_is_a_clear_error_and_nothing_changes() {
    let ws = Workspace::new();
    let out = ws.build();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lock = ws.read("bank.lock");
    // An edit in the bank too: a silent reset would re-stamp every note.
    ws.edit(Q1, "Overfitting is when", "Overfitting happens when");
    let guid_line = lock
        .lines()
        .find(|l| l.starts_with("guid = "))
        .unwrap()
        .to_string();
    let hash_line = lock
        .lines()
        .find(|l| l.starts_with("hash = ") && !l.contains(&"0".repeat(10)))
        .unwrap()
        .to_string();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "garbage",
            b"\x00\x01 not a lock \xff".to_vec(),
            "is not UTF-8 text",
        ),
        (
            "truncated",
            // Cut inside a hash, as a broken copy or merge leaves it.
            lock.as_bytes()[..lock.match_indices("hash = \"").nth(2).unwrap().0 + 20].to_vec(),
            "is not a valid lock file",
        ),
        (
            "bad hash",
            lock.replacen(&hash_line, "hash = \"0123\"", 1).into_bytes(),
            "is not a SHA-256 in lowercase hex",
        ),
        (
            "foreign guid",
            lock.replacen(&guid_line, "guid = \"qb0000\"", 1)
                .into_bytes(),
            "is not this question's GUID",
        ),
        (
            "other bank",
            lock.replace("bank = \"fixture-bank\"", "bank = \"other\"")
                .into_bytes(),
            "the lock belongs to bank `other`, not `fixture-bank`",
        ),
        (
            "unknown key",
            lock.replacen("\nbank = ", "\nreset = true\nbank = ", 1)
                .into_bytes(),
            "is not a valid lock file",
        ),
    ];
    for (name, bytes, expected) in cases {
        ws.write("bank.lock", &bytes);
        let before = ws.snapshot();
        let out = ws.run(&[
            "build",
            "--content",
            "content",
            "--out",
            "out",
            "--format",
            "apkg",
        ]);
        let err = stderr(&out);
        // A content error, found by the check before anything is rendered.
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.starts_with("content/bank.lock:1: error: "),
            "{name}: {err}"
        );
        assert!(err.contains(expected), "{name}: {err}");
        assert!(err.contains("restore it"), "{name}: {err}");
        let checked = ws.check();
        assert_eq!(
            checked.status.code(),
            Some(1),
            "{name}: {}",
            stderr(&checked)
        );
        assert!(stderr(&checked).starts_with("content/bank.lock:1: error: "));
        assert_eq!(ws.snapshot(), before, "{name}: something changed");
    }
}

/// Makes a folder unwritable for the test's life, also for root (which
/// writes through permission bits): `chattr +i` as root, mode 0555 otherwise.
struct Unwritable(PathBuf);

impl Unwritable {
    fn new(dir: &Path) -> Unwritable {
        if is_root() {
            let status = Command::new("chattr").arg("+i").arg(dir).status().expect(
                "`chattr` is needed to make a folder unwritable for root: apt-get install e2fsprogs",
            );
            assert!(status.success(), "chattr +i {} failed", dir.display());
        } else {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
        Unwritable(dir.to_path_buf())
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        if is_root() {
            let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        } else {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
        }
    }
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

#[cfg(unix)]
#[test]
fn an_unwritable_output_folder_fails_clearly_and_changes_nothing() {
    let ws = Workspace::new();
    assert_eq!(ws.build().status.code(), Some(0));
    // The bank changes, so the lock would change too.
    ws.edit(Q1, "Overfitting is when", "Overfitting happens when");
    let before = ws.snapshot();
    {
        let _guard = Unwritable::new(&ws.out());
        let out = ws.build();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("error: apkg: cannot create a temporary folder in out"),
            "{err}"
        );
        assert!(
            err.contains("error: csv: cannot create a temporary file in out"),
            "{err}"
        );
        assert_eq!(ws.snapshot(), before, "something changed");
    }
    // An unwritable content folder: the lock cannot be updated, so the deck
    // is not replaced either.
    {
        let _guard = Unwritable::new(&ws.content());
        let out = ws.run(&[
            "build",
            "--content",
            "content",
            "--out",
            "out",
            "--format",
            "apkg",
        ]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("error: apkg: cannot create a temporary file in content"),
            "{err}"
        );
        assert_eq!(ws.snapshot(), before, "something changed");
    }
    let leftovers: Vec<_> = std::fs::read_dir(ws.out())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_missing_output_folder_is_created_and_a_file_in_its_place_is_a_clear_error() {
    let ws = Workspace::new();
    let out = ws.run(&["build", "--content", "content", "--out", "out/deep/er"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(ws.out().join("deep/er/fixture-bank.apkg").is_file());

    std::fs::write(ws.dir.path().join("taken"), "a file").unwrap();
    let out = ws.run(&["build", "--content", "content", "--out", "taken"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error: cannot create output folder taken: "),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(ws.dir.path().join("taken")).unwrap(),
        "a file"
    );
}

/// Run qbank in the workspace, failing the test (and killing qbank) if it
/// has not finished within `secs` seconds: a hang is a failure, not a stuck
/// test run. Returns the output and how long it took.
fn run_within(ws: &Workspace, args: &[&str], secs: u64) -> (Output, std::time::Duration) {
    let child = Command::new(env!("CARGO_BIN_EXE_qbank"))
        .args(args)
        .current_dir(ws.dir.path())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run qbank");
    let pid = child.id();
    let started = std::time::Instant::now();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(child.wait_with_output());
    });
    match receive.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(out) => (out.expect("qbank output"), started.elapsed()),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("qbank {args:?} was still running after {secs} s");
        }
    }
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

/// `check` and `build` both refuse the bank within 10 s, exit 1, with a
/// diagnostic line containing every one of `expected`; nothing is written.
fn assert_refused_within(ws: &Workspace, expected: &[&str]) {
    for args in [
        &["check", "--content", "content"][..],
        &["build", "--content", "content", "--out", "out"][..],
    ] {
        let (out, took) = run_within(ws, args, 10);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        for want in expected {
            assert!(
                err.lines().any(|l| l.contains(want)),
                "{args:?}: `{want}` missing from:\n{err}"
            );
        }
        assert!(
            took < std::time::Duration::from_secs(10),
            "{args:?} took {took:?}"
        );
    }
    assert!(!ws.out().exists(), "a refused bank was built");
}

#[cfg(unix)]
#[test]
fn a_pipe_or_folder_where_a_file_belongs_is_refused_without_hanging() {
    const NOT_REGULAR: &str = "error: not a regular file (a folder, pipe, socket or device); qbank reads only regular files";
    for place in ["a-basics/03-pipe.md", "intro.md", "media/pipe.svg"] {
        let ws = Workspace::new();
        let _ = std::fs::remove_file(ws.file(place));
        mkfifo(&ws.file(place));
        assert_refused_within(&ws, &[&format!("content/{place}:1: {NOT_REGULAR}")]);
    }
    // A pipe as the lock, or a folder: a content error with what to do.
    for make in [mkfifo as fn(&Path), |p: &Path| {
        std::fs::create_dir(p).unwrap();
    }] {
        let ws = Workspace::new();
        make(&ws.file("bank.lock"));
        assert_refused_within(
            &ws,
            &["content/bank.lock:1: error: bank.lock is not a regular file (a folder, pipe or device); remove it and run `qbank build` to write a new one, or restore it from git"],
        );
    }
    // apply-csv: a pipe in the bank, or a pipe given as the sheet.
    let ws = Workspace::new();
    assert_eq!(ws.build().status.code(), Some(0));
    let sheet = ws.csv().display().to_string();
    mkfifo(&ws.file("a-basics/03-pipe.md"));
    let (out, _) = run_within(&ws, &["apply-csv", &sheet, "--content", "content"], 10);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("content/a-basics/03-pipe.md:1: {NOT_REGULAR}")));
    std::fs::remove_file(ws.file("a-basics/03-pipe.md")).unwrap();
    let pipe = ws.dir.path().join("sheet.csv");
    mkfifo(&pipe);
    let (out, _) = run_within(&ws, &["apply-csv", "sheet.csv", "--content", "content"], 10);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_as_the_lock_is_refused_even_inside_the_bank() {
    let ws = Workspace::new();
    assert_eq!(ws.build().status.code(), Some(0));
    std::fs::rename(ws.file("bank.lock"), ws.file("a-basics/lock.toml")).unwrap();
    std::os::unix::fs::symlink("a-basics/lock.toml", ws.file("bank.lock")).unwrap();
    std::fs::remove_dir_all(ws.out()).unwrap();
    assert_refused_within(&ws, &["content/bank.lock:1: error: bank.lock is a symbolic link; qbank rewrites the lock on every build, so it must be a regular file in the content folder: replace the link with the file it points to"]);
}

#[test]
fn oversized_figures_and_media_are_refused_before_they_are_read() {
    let ws = Workspace::new();
    let mut big = std::fs::read(ws.file("media/loss-curves.svg")).unwrap();
    let close = big.len() - "</svg>\n".len();
    big.splice(
        close..close,
        "<!-- padding -->\n"
            .repeat(9 * 1024 * 1024 / 17)
            .into_bytes(),
    );
    ws.write("media/loss-curves.svg", &big);
    let line = line_of(&ws.read(Q1), "![Training");
    assert_refused_within(
        &ws,
        &[
            "content/media/loss-curves.svg:1: error: file is 9.0 MiB; figures are limited to 2 MiB",
            // The reference is not reported a second time as missing.
        ],
    );
    let err = stderr(&ws.check());
    assert!(!err.contains(&format!("{Q1}:{line}")), "{err}");
}

/// The snippet under a problem shows the content's line escaped like the
/// problem itself, the caret under the escaped character.
#[test]
fn snippets_show_control_characters_escaped_with_the_caret_under_them() {
    let ws = Workspace::new();
    ws.edit(
        Q1,
        "Overfitting is when",
        "Overfitting \u{1b}]0;owned\u{7} is when",
    );
    let line = line_of(&ws.read(Q1), "owned");
    let out = ws.check();
    assert_eq!(out.status.code(), Some(1));
    for control in [0x1b_u8, 0x07] {
        assert!(
            !out.stderr.contains(&control),
            "raw control {control:#x} printed"
        );
    }
    let err = stderr(&out);
    let source = ws
        .read(Q1)
        .lines()
        .nth(line - 1)
        .unwrap()
        .replace('\u{1b}', "\\u{1b}")
        .replace('\u{7}', "\\u{7}");
    let caret = format!("{}^^^^^^", " ".repeat("Overfitting ".len()));
    let want = format!(
        "content/{Q1}:{line}: error: control character U+001B in the text; remove it\n    |\n {line} | {source}\n    | {caret}\n"
    );
    assert!(err.contains(&want), "`{want}` missing:\n{err}");
}

#[test]
fn terminal_control_sequences_from_content_and_file_names_are_printed_escaped() {
    let ws = Workspace::new();
    ws.edit(
        Q1,
        "id = \"overfitting\"",
        "id = \"\\u001b[2J\\u001b]0;owned\\u0007\"",
    );
    ws.edit(
        Q1,
        "tags = [\"evaluation\", \"regularisation\"]",
        "tags = [\"\\u009b31m\"]",
    );
    ws.write("a-basics/03-x\nforged.md:1: error: fake.md", "");
    let out = ws.check();
    assert_eq!(out.status.code(), Some(1));
    let bytes = &out.stderr;
    for control in [0x1b_u8, 0x07, b'\r'] {
        assert!(
            !bytes.contains(&control),
            "raw control {control:#x} printed"
        );
    }
    let err = stderr(&out);
    assert!(!err.contains('\u{9b}'), "raw CSI printed");
    assert!(
        err.contains("invalid id `\\u{1b}[2J\\u{1b}]0;owned\\u{7}`"),
        "{err}"
    );
    assert!(err.contains("invalid tag `\\u{9b}31m`"), "{err}");
    assert!(
        err.contains("content/a-basics/03-x\\u{a}forged.md:1: error: fake.md:1: error: empty file"),
        "{err}"
    );
    // Every line is a diagnostic of a real file, a snippet under it or the
    // summary.
    for line in err.lines() {
        assert!(
            line.starts_with("content/")
                || line.starts_with("qbank: ")
                || common::is_snippet_line(line),
            "forged line: {line}"
        );
    }
    // The bank id too.
    let ws = Workspace::new();
    ws.edit(
        "bank.toml",
        "id = \"fixture-bank\"",
        "id = \"\\u001b]2;x\\u0007\"",
    );
    let out = ws.build();
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stderr.contains(&0x1b), "{}", stderr(&out));
    assert!(stderr(&out).contains("invalid bank id `\\u{1b}]2;x\\u{7}`"));
}

/// A figure file `name` in the workspace, shown by the first question
/// instead of its own figure. Returns the line that shows it.
fn show_figure(ws: &Workspace, name: &str, bytes: &[u8]) -> usize {
    std::fs::write(ws.file(&format!("media/{name}")), bytes).unwrap();
    ws.edit(Q1, "(media/loss-curves.svg)", &format!("(media/{name})"));
    std::fs::remove_file(ws.file("media/loss-curves.svg")).unwrap();
    line_of(&ws.read(Q1), "![Training")
}

#[test]
fn what_build_would_refuse_check_refuses_first_and_nothing_is_written() {
    let svg = |body: &str, w: u32, h: u32| {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{w}" height="{h}">{body}</svg>"#
        )
    };
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde".to_vec();
    let gz = {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(svg("<rect width='5' height='5'/>", 10, 10).as_bytes())
            .unwrap();
        enc.finish().unwrap()
    };
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        ("chart.png", png, "figure `media/chart.png` is not an SVG; figures are `.svg` files (draw it as SVG, or convert it)".into()),
        ("chart.svgz", gz.clone(), "figure `media/chart.svgz` is not an SVG; figures are `.svg` files (draw it as SVG, or convert it)".into()),
        ("packed.svg", gz, "figure `media/packed.svg` is not a valid SVG (it is gzip-compressed (.svgz); save it as plain .svg)".into()),
        ("strip.svg", svg("<rect width='5' height='5'/>", 10_000, 10).into_bytes(), "figure `media/strip.svg` is 10000 × 10 units: more than 20 times as wide as it is high or the other way round; give it proportions that fit a page and a card".into()),
        ("blur.svg", svg(&format!("<filter id='b'><feGaussianBlur stdDeviation='40'/></filter>{}", "<rect width='500' height='500' filter='url(#b)'/>".repeat(2000)), 540, 400).into_bytes(), "figure `media/blur.svg` is an SVG with a `<filter>` (blur, shadow, …); filters make drawing slow without bound, so draw the effect with plain shapes".into()),
        ("busy.svg", svg(&"<rect width='5' height='5'/>".repeat(20_000), 540, 400).into_bytes(), "figure `media/busy.svg` is an SVG of more than 5000 elements (counting what each `<use>` and each marker copies, and text and style sheets by their length); simplify it".into()),
        ("bomb.svg", {
            let mut body = String::from("<defs><rect id='l0' width='1' height='1'/>");
            for i in 1..12 {
                body.push_str(&format!("<g id='l{i}'>{}</g>", format!("<use xlink:href='#l{}'/>", i - 1).repeat(10)));
            }
            body.push_str("</defs><use xlink:href='#l11'/>");
            svg(&body, 540, 400).into_bytes()
        }, "figure `media/bomb.svg` is an SVG of more than 5000 elements (counting what each `<use>` and each marker copies, and text and style sheets by their length); simplify it".into()),
        // 4,990 half-transparent circles the size of the figure: under the
        // element limit, but minutes to draw.
        ("stacked.svg", svg(&"<circle cx='270' cy='200' r='280' fill='#336' fill-opacity='0.3'/>".repeat(4990), 540, 400).into_bytes(), "figure `media/stacked.svg` is an SVG that paints ".into()),
        ("scribble.svg", svg(&format!("<path d='M0,0{}' stroke='black' fill='none'/>", (0..150_000).map(|i| format!(" L{},{}", i * 7 % 540, i * 13 % 400)).collect::<String>()), 540, 400).into_bytes(), "figure `media/scribble.svg` is an SVG of 150001 path segments (at most 100000); simplify its paths".into()),
        // A marker of 200 shapes on each of 40,000 vertices: once 21.6 s and
        // 4 GB to check.
        ("marked.svg", svg(&format!("<defs><marker id='m' markerWidth='1' markerHeight='1'>{}</marker></defs><path d='M0,0{}' stroke='black' fill='none' marker-mid='url(#m)'/>", "<rect width='0.1' height='0.1'/>".repeat(200), (0..40_000).map(|i| format!(" L{},{}", i * 7 % 540, i * 13 % 400)).collect::<String>()), 540, 400).into_bytes(), "figure `media/marked.svg` is an SVG of more than 5000 elements (counting what each `<use>` and each marker copies, and text and style sheets by their length); simplify it".into()),
        // One text element of 1.9 million characters: once over 120 s and
        // 1.4 GB to check.
        ("wordy.svg", svg(&format!("<text x='0' y='20' font-size='4'>{}</text>", "recall precision ".repeat(110_000)), 540, 400).into_bytes(), "figure `media/wordy.svg` is an SVG of more than 5000 elements (counting what each `<use>` and each marker copies, and text and style sheets by their length); simplify it".into()),
        ("loop.svg", svg("<g id='a'><use href='#b'/></g><g id='b'><use href='#a'/></g>", 540, 400).into_bytes(), "figure `media/loop.svg` is an SVG whose `<use>` elements refer to themselves in a loop".into()),
        ("emoji.svg", svg("<text x='10' y='40' font-size='30'>fast 🚀</text>", 540, 400).into_bytes(), "figure `media/emoji.svg` has text with the character `🚀` (U+1F680), which the bundled fonts cannot draw; change the figure".into()),
    ];
    for (name, bytes, message) in cases {
        let ws = Workspace::new();
        let line = show_figure(&ws, name, &bytes);
        assert_refused_within(&ws, &[&format!("content/{Q1}:{line}: error: {message}")]);
    }

    // U+001F in a link title, written as a character reference.
    let ws = Workspace::new();
    ws.edit(
        Q1,
        "instead of learning the pattern.",
        "instead of learning [the pattern](https://example.com \"a&#31;b\").",
    );
    let line = line_of(&ws.read(Q1), "[the pattern]");
    assert_refused_within(
        &ws,
        &[&format!(
            "content/{Q1}:{line}: error: control character U+001F in a link title; remove it"
        )],
    );

    // The same in the question's title (found by the fuzzing in tests/testsuite/fuzz.rs).
    let ws = Workspace::new();
    ws.edit(
        Q1,
        "# What is overfitting?",
        "# What is [overfitting](https://example.com \"a&#31;b\")?",
    );
    let line = line_of(&ws.read(Q1), "# What is");
    assert_refused_within(
        &ws,
        &[&format!(
            "content/{Q1}:{line}: error: control character U+001F in a link title; remove it"
        )],
    );

    // A bank id too long to name a file.
    let ws = Workspace::new();
    let long = ["word"; 50].join("-");
    ws.edit(
        "bank.toml",
        "id = \"fixture-bank\"",
        &format!("id = \"{long}\""),
    );
    assert_refused_within(
        &ws,
        &["content/bank.toml:1: error: bank id is 249 characters long; it names the output files, so keep it to 64"],
    );
}

#[test]
fn an_output_folder_inside_the_bank_is_refused() {
    let ws = Workspace::new();
    for out in [
        "content",
        "content/out",
        "content/../content/x/y",
        "./content/",
    ] {
        let built = ws.run(&["build", "--content", "content", "--out", out]);
        let err = stderr(&built);
        assert_eq!(built.status.code(), Some(2), "{out}: {err}");
        assert!(
            err.starts_with(&format!("error: the output folder {out} is inside the content folder content; outputs would become part of the bank: choose an --out outside it")),
            "{out}: {err}"
        );
    }
    assert!(!ws.file("out").exists() && !ws.file("x").exists());
    assert!(!ws.file("fixture-bank.apkg").exists() && !ws.file("bank.lock").exists());
    // Beside the bank is fine, even with a name that starts the same.
    let built = ws.run(&["build", "--content", "content", "--out", "content-out"]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
}

#[test]
fn no_output_and_no_lock_change_unless_every_output_can_be_written() {
    let ws = Workspace::new();
    assert_eq!(ws.build().status.code(), Some(0));
    let before = |ws: &Workspace| {
        [
            std::fs::read(ws.apkg()).unwrap(),
            std::fs::read(ws.csv()).unwrap(),
            std::fs::read(ws.file("bank.lock")).unwrap(),
        ]
    };
    let earlier = before(&ws);
    ws.edit(Q1, "Overfitting is when", "Overfitting happens when");
    // The booklet's place is taken by a folder: the deck and the sheet
    // render fine, but none of them, nor the lock, may change.
    let pdf = ws.out().join("fixture-bank.pdf");
    std::fs::remove_file(&pdf).unwrap();
    std::fs::create_dir(&pdf).unwrap();
    let out = ws.build();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("fixture-bank.pdf: a folder is in its place; move it away"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(before(&ws), earlier, "an output or the lock changed");
    let names: Vec<String> = std::fs::read_dir(ws.out())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "temporary files left: {names:?}");
    // Once the folder is gone, the same build writes everything.
    std::fs::remove_dir(&pdf).unwrap();
    assert_eq!(ws.build().status.code(), Some(0));
    assert_ne!(before(&ws), earlier);
    assert!(pdf.is_file());
}

#[test]
fn a_title_ending_in_a_hash_and_link_definitions_ending_a_part_reach_every_output() {
    let ws = Workspace::new();
    ws.edit(
        Q1,
        "# What is overfitting? How do you detect it and fix it?",
        "# Is overfitting different in C#",
    );
    ws.edit(
        Q1,
        "instead of learning the pattern.",
        "instead of learning [the pattern][docs].\n\n[docs]: https://example.com/overfitting \"Overfitting\"",
    );
    let out = ws.build();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let notes = apkg_fields(&ws.apkg());
    let note = notes
        .iter()
        .find(|f| f.iter().any(|x| x == "overfitting"))
        .expect("the note");
    assert_eq!(note[0], "Is overfitting different in C#");
    assert!(
        note[1].contains(
            r#"<a href="https://example.com/overfitting" title="Overfitting">the pattern</a>"#
        ),
        "{}",
        note[1]
    );
    let rows = csv_rows(&ws.csv());
    let row = rows.iter().find(|r| r["id"] == "overfitting").unwrap();
    assert_eq!(row["question"], "Is overfitting different in C#");
    assert!(
        row["plain_english"].ends_with("[docs]: https://example.com/overfitting \"Overfitting\""),
        "{}",
        row["plain_english"]
    );
    // The closing sequence CommonMark defines is still dropped.
    ws.edit(
        Q1,
        "# Is overfitting different in C#",
        "# Is overfitting different ##",
    );
    assert_eq!(ws.build().status.code(), Some(0));
    let notes = apkg_fields(&ws.apkg());
    assert!(notes.iter().any(|f| f[0] == "Is overfitting different"));
}

#[test]
fn a_part_that_shows_nothing_is_refused() {
    for body in [
        "---",
        "[x]: https://example.com",
        "\u{200b}\u{2060}",
        "&nbsp;",
        "** **",
        "-",
    ] {
        let ws = Workspace::new();
        ws.edit(
            Q1,
            "Overfitting is when your model memorises the training data instead of learning the pattern.",
            body,
        );
        let line = line_of(&ws.read(Q1), "## Plain English");
        assert_refused_within(
            &ws,
            &[&format!("content/{Q1}:{line}: error: part `## Plain English` shows nothing (only spaces, invisible characters, rules or link definitions); write its answer")],
        );
    }
}

/// Run qbank in the workspace with its address space capped at `mib` MiB
/// (`ulimit -v`): an allocation beyond it fails, and so does the run.
fn run_capped(ws: &Workspace, args: &[&str], mib: u64) -> Output {
    let mut command = format!(
        "ulimit -v {}; exec '{}'",
        mib * 1024,
        env!("CARGO_BIN_EXE_qbank")
    );
    for a in args {
        command.push_str(&format!(" '{a}'"));
    }
    Command::new("sh")
        .args(["-c", &command])
        .current_dir(ws.dir.path())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .expect("run qbank")
}

#[test]
fn a_large_figure_shown_many_times_is_held_once() {
    let ws = Workspace::new();
    // A 2 MiB figure (the most a figure may be), shown ten times.
    let svg = ws.read("media/loss-curves.svg");
    let pad = "x".repeat(2 * 1024 * 1024 - svg.len() - 100);
    ws.write(
        "media/loss-curves.svg",
        svg.replace("</svg>", &format!("<!-- {pad} --></svg>")),
    );
    let figure = "![Training and validation loss diverging](media/loss-curves.svg)";
    ws.edit(Q1, figure, &[figure; 10].join("\n\n"));
    let started = std::time::Instant::now();
    let out = run_capped(
        &ws,
        &["build", "--content", "content", "--out", "out"],
        1024,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // The deck carries it once.
    let zip = zip::ZipArchive::new(std::fs::File::open(ws.apkg()).unwrap()).unwrap();
    assert_eq!(zip.len(), 3, "collection, media map and one figure");

    // Five thousand times: refused by check, quickly, at the eleventh.
    ws.edit(Q1, figure, &vec![figure; 4991].join("\n\n"));
    let text = ws.read(Q1);
    let eleventh = 1 + text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("![Training"))
        .nth(10)
        .unwrap()
        .0;
    std::fs::remove_dir_all(ws.out()).unwrap();
    assert_refused_within(
        &ws,
        &[&format!("content/{Q1}:{eleventh}: error: more than 10 figures in one question (this is figure 11); keep the ones the answer needs")],
    );
}

#[cfg(unix)]
#[test]
fn apply_csv_with_a_hidden_pipe_in_the_bank_finishes() {
    let ws = Workspace::new();
    assert_eq!(ws.build().status.code(), Some(0));
    // Edit one cell of the sheet, as a reviewer would.
    let text = std::fs::read_to_string(ws.csv()).unwrap();
    let edited = text.replacen("Overfitting is when", "Overfitting happens when", 1);
    assert_ne!(edited, text);
    std::fs::write(ws.dir.path().join("reviewed.csv"), edited).unwrap();
    // A pipe the loader skips (hidden), which copying the bank must skip too.
    mkfifo(&ws.file(".pipe"));
    let (out, _) = run_within(
        &ws,
        &["apply-csv", "reviewed.csv", "--content", "content"],
        20,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(ws.read(Q1).contains("Overfitting happens when"));
}

#[test]
fn a_title_ending_in_a_hash_survives_the_review_sheet() {
    let ws = Workspace::new();
    assert_eq!(ws.build().status.code(), Some(0));
    let text = std::fs::read_to_string(ws.csv()).unwrap();
    let edited = text.replacen(
        "What is overfitting? How do you detect it and fix it?",
        "How do you detect overfitting in C#",
        1,
    );
    assert_ne!(edited, text);
    std::fs::write(ws.dir.path().join("reviewed.csv"), edited).unwrap();
    let out = ws.run(&["apply-csv", "reviewed.csv", "--content", "content"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(ws
        .read(Q1)
        .contains("\n# How do you detect overfitting in C#\n"));
    assert_eq!(ws.build().status.code(), Some(0));
    let rows = csv_rows(&ws.csv());
    let row = rows.iter().find(|r| r["id"] == "overfitting").unwrap();
    assert_eq!(row["question"], "How do you detect overfitting in C#");
}

#[test]
fn a_lock_far_larger_than_its_bank_is_refused_before_it_is_read() {
    let ws = Workspace::new();
    assert_eq!(ws.build().status.code(), Some(0));
    let mut lock = ws.read("bank.lock");
    lock.push_str(&format!("# {}\n", "x".repeat(70 * 1024 * 1024)));
    ws.write("bank.lock", &lock);
    let (out, took) = run_within(&ws, &["check", "--content", "content"], 10);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("content/bank.lock:1: error: bank.lock is 70.0 MiB, more than the "),
        "{err}"
    );
    assert!(
        err.contains("a lock may hold; restore it from git"),
        "{err}"
    );
    assert!(took < std::time::Duration::from_secs(10));
}

#[test]
fn a_table_wider_than_the_booklet_is_refused_at_its_line() {
    let ws = Workspace::new();
    let row = |cell: &str| format!("|{}\n", format!(" {cell} |").repeat(200));
    let table = format!("{}{}{}", row("head"), row("---"), row("cell"));
    ws.edit(
        Q1,
        "Overfitting is when",
        &format!("{table}\nOverfitting is when"),
    );
    let line = line_of(&ws.read(Q1), "| head |");
    assert_refused(
        &ws,
        &[
            format!("content/{Q1}:{line}: error: a table of 200 columns; the booklet prints at most 8 side by side, so split it or turn it into a list"),
        ],
    );
}

#[test]
fn a_letter_and_combining_mark_typed_apart_are_refused_with_the_character_to_write() {
    let ws = Workspace::new();
    ws.edit(
        Q1,
        "Overfitting is when",
        "The cafe\u{301} model.\n\nOverfitting is when",
    );
    let line = line_of(&ws.read(Q1), "The cafe");
    assert_refused(
        &ws,
        &[format!("content/{Q1}:{line}: error: combining mark U+0301 after `e`: write `é` (U+00E9), one precomposed character, instead")],
    );
}

//! The loader: reads a content folder into a [`Bank`], collecting every
//! structural problem (unreadable files, front matter, headings, folders) as
//! a [`Diagnostic`] instead of stopping at the first.
//!
//! This file owns the entry point, [`load`], and the walk over the content
//! folder: the files and folders its root may hold, each section's folder
//! and its question files in name order, the figures in `media/`,
//! `intro.md`, `bank.lock` (a regular file of bounded size), and symbolic
//! links that lead out of the bank. `read.rs` reads one file safely
//! (regular files only, size limits, UTF-8, BOM and CRLF); `bank_toml.rs`
//! parses and checks `bank.toml`; `question.rs` parses one question file.
//! Their public items are re-exported here.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;

use crate::diagnostic::{Diagnostic, LineIndex};
use crate::model::{Bank, Intro, Media, Question, Section, ThemeFile};

mod bank_toml;
mod markup;
mod question;
mod read;

pub use bank_toml::is_iso_date;
pub(crate) use bank_toml::QuestionRules;
use bank_toml::SectionsSeen;
pub(crate) use markup::{check_title_html, decoded_characters, raw_html};
pub use question::parse_question;
pub(crate) use question::parse_question_with;
pub use read::read_text;
pub(crate) use read::{
    forbidden_char, human_size, lock_limit, read_regular_file, MAX_FIGURE_BYTES, MAX_MEDIA_BYTES,
    MAX_SHEET_BYTES, MAX_TEXT_FILE_BYTES,
};

/// Files and folders the content root may hold besides the section folders.
const ROOT_FILES: &[&str] = &[
    "bank.toml",
    "bank.lock",
    "intro.md",
    "README.md",
    "ERRATA.md",
];
/// The folder of the bank's own designs (`theme/card.css`, `theme/booklet.typ`).
const THEME_DIR: &str = "theme";
/// The bank's card theme, relative to its root.
pub(crate) const CARD_THEME: &str = "theme/card.css";
/// The most a theme file may hold.
const MAX_THEME_BYTES: u64 = 1024 * 1024;
const MEDIA_DIR: &str = "media";

/// What loading produced: the bank (absent when `bank.toml` itself is
/// unusable) and every problem found on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The bank, with whatever of it could be read.
    pub bank: Option<Bank>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Where `path` really is, when that is outside the content folder
/// `canonical_root` (a symbolic link, or a link on the way, leading out).
fn escapes_root(canonical_root: Option<&Path>, path: &Path) -> Option<PathBuf> {
    let root = canonical_root?;
    let real = fs::canonicalize(path).ok()?;
    (!real.starts_with(root)).then_some(real)
}

fn escape_diagnostic(path: &Path, real: &Path) -> Diagnostic {
    Diagnostic::error(
        path,
        1,
        format!(
            "symbolic link leads outside the content folder (to {}); copy the file into the bank instead",
            real.display()
        ),
    )
}

/// Load the bank in `root`.
pub fn load(root: &Path) -> Loaded {
    let mut diags = Vec::new();
    let bank_path = root.join("bank.toml");
    let canonical_root = fs::canonicalize(root).ok();
    let canonical_root = canonical_root.as_deref();
    if let Some(real) = escapes_root(canonical_root, &bank_path) {
        diags.push(escape_diagnostic(&bank_path, &real));
        return Loaded {
            bank: None,
            diagnostics: diags,
        };
    }
    let text = match read_text(&bank_path) {
        Ok(t) => t,
        Err(mut d) => {
            if fs::symlink_metadata(&bank_path).is_err() {
                d.message = "no bank.toml here: a bank's folder holds its bank.toml (see content/README.md); pass the bank's folder with --content".into();
            }
            diags.push(d);
            return Loaded {
                bank: None,
                diagnostics: diags,
            };
        }
    };
    let index = LineIndex::new(&text);
    let Some(file) = bank_toml::parse(&bank_path, &text, &index, &mut diags) else {
        return Loaded {
            bank: None,
            diagnostics: diags,
        };
    };
    let rules = bank_toml::check_bank(&bank_path, &index, &file, &mut diags);

    let mut seen = SectionsSeen::default();
    let mut sections = Vec::new();
    let mut number = 0u32;
    for entry in &file.sections {
        if !seen.check(&bank_path, &index, entry, &mut diags) {
            continue;
        }
        let dir = entry.dir.get_ref();
        let dir_line = index.line(entry.dir.span().start);
        if dir.is_empty()
            || dir.contains('/')
            || dir.contains('\\')
            || dir.starts_with('.')
            || dir == MEDIA_DIR
        {
            diags.push(Diagnostic::error(
                &bank_path,
                dir_line,
                format!(
                    "section folder `{dir}` must be a plain folder name inside the content folder"
                ),
            ));
            continue;
        }
        if let Some(real) = escapes_root(canonical_root, &root.join(dir)) {
            diags.push(escape_diagnostic(&root.join(dir), &real));
            continue;
        }
        let questions = load_section_dir(
            root,
            canonical_root,
            dir,
            &bank_path,
            dir_line,
            &rules,
            &mut number,
            &mut diags,
        );
        sections.push(Section {
            id: entry.id.get_ref().clone(),
            letter: entry.letter.get_ref().clone(),
            title: entry.title.get_ref().clone(),
            dir: dir.clone(),
            questions,
        });
    }

    check_root_entries(root, &bank_path, &seen.dirs, &mut diags);
    let media = load_media(root, canonical_root, &mut diags);

    let intro = load_intro(root, canonical_root, &mut diags);
    let card_theme = load_theme_file(root, canonical_root, CARD_THEME, &mut diags);

    let bank = Bank {
        root: root.to_path_buf(),
        id: file.id.into_inner(),
        title: file.title.into_inner(),
        subtitle: file.subtitle.map(Spanned::into_inner).unwrap_or_default(),
        description: file
            .description
            .map(Spanned::into_inner)
            .unwrap_or_default(),
        date: file.date.map(Spanned::into_inner),
        author: file.author.map(Spanned::into_inner),
        lang: file.lang.map(Spanned::into_inner),
        intro,
        sections,
        media,
        card_theme,
    };
    check_lock_file(&bank, &mut diags);
    Loaded {
        bank: Some(bank),
        diagnostics: diags,
    }
}

/// `intro.md`, when the bank has one.
fn load_intro(
    root: &Path,
    canonical_root: Option<&Path>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Intro> {
    let intro_path = root.join("intro.md");
    if let Some(real) = escapes_root(canonical_root, &intro_path) {
        diags.push(escape_diagnostic(&intro_path, &real));
        None
    } else if intro_path.exists() {
        match read_text(&intro_path) {
            Ok(markdown) => Some(Intro {
                path: intro_path,
                markdown,
            }),
            Err(d) => {
                diags.push(d);
                None
            }
        }
    } else {
        None
    }
}

/// A theme file (`theme/card.css`), when the bank has one: a regular file
/// inside the bank of at most [`MAX_THEME_BYTES`] of UTF-8 text (a byte
/// order mark is dropped; nothing else is changed). A `theme/` folder that
/// leads out of the bank is refused here, which keeps the booklet's theme
/// inside the bank too.
fn load_theme_file(
    root: &Path,
    canonical_root: Option<&Path>,
    name: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<ThemeFile> {
    let dir = root.join(THEME_DIR);
    if let Some(real) = escapes_root(canonical_root, &dir) {
        diags.push(escape_diagnostic(&dir, &real));
        return None;
    }
    let path = root.join(name);
    if fs::symlink_metadata(&path).is_err() {
        return None;
    }
    if let Some(real) = escapes_root(canonical_root, &path) {
        diags.push(escape_diagnostic(&path, &real));
        return None;
    }
    let bytes = match read_regular_file(&path, MAX_THEME_BYTES, "theme files") {
        Ok(bytes) => bytes,
        Err(e) => {
            diags.push(Diagnostic::error(&path, 1, e.to_string()));
            return None;
        }
    };
    let Ok(mut text) = String::from_utf8(bytes) else {
        diags.push(Diagnostic::error(
            &path,
            1,
            "is not UTF-8 text; save it as UTF-8",
        ));
        return None;
    };
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Some(ThemeFile { path, text })
}

/// `bank.lock`, when there is one, must be a regular file of bounded size:
/// qbank replaces it on every build (a symbolic link would be replaced by a
/// file, or followed out of the bank), and reads it whole.
fn check_lock_file(bank: &Bank, diags: &mut Vec<Diagnostic>) {
    let path = bank.lock_path();
    let limit = lock_limit(bank);
    let Ok(meta) = fs::symlink_metadata(&path) else {
        return;
    };
    let problem = if meta.file_type().is_symlink() {
        "bank.lock is a symbolic link; qbank rewrites the lock on every build, so it must be a regular file in the content folder: replace the link with the file it points to".to_string()
    } else if !meta.is_file() {
        "bank.lock is not a regular file (a folder, pipe or device); remove it and run `qbank build` to write a new one, or restore it from git".to_string()
    } else if meta.len() > limit {
        format!(
            "bank.lock is {:.1} MiB, more than the {} a lock may hold; restore it from git",
            meta.len() as f64 / (1024.0 * 1024.0),
            human_size(limit)
        )
    } else {
        return;
    };
    diags.push(Diagnostic::error(&path, 1, problem));
}

/// Read every figure in `media/` once, into the bank: the checker and every
/// exporter use these bytes, and each is held once however many answers
/// show it. Only regular files inside the bank are read, each at most
/// [`MAX_FIGURE_BYTES`] and all together at most [`MAX_MEDIA_BYTES`].
/// What cannot be read is reported here, at the media file; a reference to
/// it is reported by the checker.
fn load_media(root: &Path, canonical_root: Option<&Path>, diags: &mut Vec<Diagnostic>) -> Media {
    let mut media = Media::default();
    let dir = root.join(MEDIA_DIR);
    if escapes_root(canonical_root, &dir).is_some() {
        return media; // the checker names each figure that leads out
    }
    let Ok(entries) = fs::read_dir(&dir) else {
        return media;
    };
    let mut names: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    names.sort();
    let mut total = 0u64;
    for (name, path) in names {
        if escapes_root(canonical_root, &path).is_some() {
            continue; // reported by the checker when an answer shows it
        }
        if fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            diags.push(Diagnostic::error(
                &path,
                1,
                "unexpected folder inside content/media/; figures are files directly in it",
            ));
            continue;
        }
        match read_regular_file(&path, MAX_FIGURE_BYTES, "figures") {
            Ok(bytes) => {
                total += bytes.len() as u64;
                if total > MAX_MEDIA_BYTES {
                    diags.push(Diagnostic::error(
                        &path,
                        1,
                        format!(
                            "the figures in content/media/ come to more than {} with this one; make them smaller",
                            human_size(MAX_MEDIA_BYTES)
                        ),
                    ));
                    continue;
                }
                media.insert(name, Arc::from(bytes));
            }
            Err(e) => diags.push(Diagnostic::error(&path, 1, e.to_string())),
        }
    }
    media
}

/// Report folders and files in the content root that are not part of the bank.
fn check_root_entries(
    root: &Path,
    bank_path: &Path,
    listed: &HashMap<String, usize>,
    diags: &mut Vec<Diagnostic>,
) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    let mut names: Vec<(String, bool)> = entries
        .filter_map(|e| e.ok())
        .map(|e| {
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            (e.file_name().to_string_lossy().into_owned(), is_dir)
        })
        .collect();
    names.sort();
    for (name, is_dir) in names {
        if name.starts_with('.') {
            continue;
        }
        if is_dir {
            // `theme/` holds the bank's own designs (`card.css`,
            // `booklet.typ`); `intro.md` or `bank.lock` as a folder is
            // reported as such.
            if name != MEDIA_DIR
                && name != THEME_DIR
                && !listed.contains_key(&name)
                && !ROOT_FILES.contains(&name.as_str())
            {
                diags.push(Diagnostic::error(
                    bank_path,
                    1,
                    format!("folder `{name}` is not listed in bank.toml; add it as a section or move it out of the content folder"),
                ));
            }
        } else if name == MEDIA_DIR {
            diags.push(Diagnostic::error(
                root.join(&name),
                1,
                "`media` is a file; it must be the folder of the bank's figures: move the file away",
            ));
        } else if listed.contains_key(&name) {
            // A section's folder that is a file: reported with the section.
        } else if !ROOT_FILES.contains(&name.as_str()) {
            diags.push(Diagnostic::warning(
                root.join(&name),
                1,
                "stray file in the content folder; it is not part of the bank",
            ));
        }
    }
}

/// A question file found in a section folder.
struct QuestionFile {
    path: PathBuf,
    number: u32,
    /// The folder entry is a symbolic link (or its type is unknown), so where
    /// it leads is checked before it is read. A plain file in a section
    /// folder that was itself checked cannot lead out of the bank.
    maybe_link: bool,
}

/// Read and parse one question file: the question when it is complete, and
/// the file's problems.
fn load_question_file(
    canonical_root: Option<&Path>,
    file: &QuestionFile,
    rules: &QuestionRules,
) -> (Option<Question>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let (path, number) = (&file.path, file.number);
    if file.maybe_link {
        if let Some(real) = escapes_root(canonical_root, path) {
            diags.push(escape_diagnostic(path, &real));
            return (None, diags);
        }
    }
    let question = match read_text(path) {
        Ok(text) => parse_question_with(path, &text, number, rules, &mut diags),
        Err(d) => {
            diags.push(d);
            None
        }
    };
    (question, diags)
}

/// Load every question file of one section folder, in file-name order.
#[allow(clippy::too_many_arguments)]
fn load_section_dir(
    root: &Path,
    canonical_root: Option<&Path>,
    dir: &str,
    bank_path: &Path,
    dir_line: usize,
    rules: &QuestionRules,
    number: &mut u32,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Question> {
    let dir_path = root.join(dir);
    if fs::metadata(&dir_path).is_ok_and(|m| !m.is_dir()) {
        diags.push(Diagnostic::error(
            bank_path,
            dir_line,
            format!("section folder `{dir}` is a file, not a folder; put the section's question files in a folder of that name"),
        ));
        return Vec::new();
    }
    let Ok(entries) = fs::read_dir(&dir_path) else {
        diags.push(Diagnostic::error(
            bank_path,
            dir_line,
            format!("section folder `{dir}` is missing"),
        ));
        return Vec::new();
    };
    let mut files: Vec<(String, PathBuf, bool, bool)> = entries
        .filter_map(|e| e.ok())
        .map(|e| {
            let file_type = e.file_type().ok();
            let is_dir = file_type.is_some_and(|t| t.is_dir());
            let maybe_link = file_type.is_none_or(|t| t.is_symlink());
            (
                e.file_name().to_string_lossy().into_owned(),
                e.path(),
                is_dir,
                maybe_link,
            )
        })
        .filter(|(name, _, _, _)| !name.starts_with('.'))
        .collect();
    files.sort();
    // Folders and stray files are reported in file order; the question files
    // are then read and parsed on every core, their results kept in order.
    let mut any_markdown = false;
    let mut in_order: Vec<Result<QuestionFile, Diagnostic>> = Vec::new();
    for (name, path, is_dir, maybe_link) in files {
        if is_dir {
            in_order.push(Err(Diagnostic::error(
                &path,
                1,
                "unexpected folder inside a section folder",
            )));
        } else if !name.ends_with(".md") {
            in_order.push(Err(Diagnostic::error(
                &path,
                1,
                "stray file in a section folder: question files end in `.md`",
            )));
        } else {
            any_markdown = true;
            *number += 1;
            in_order.push(Ok(QuestionFile {
                path,
                number: *number,
                maybe_link,
            }));
        }
    }
    let loaded = crate::parallel::map_in_order(&in_order, |entry| match entry {
        Err(d) => (None, vec![d.clone()]),
        Ok(file) => load_question_file(canonical_root, file, rules),
    });
    let mut questions = Vec::new();
    for (question, problems) in loaded {
        diags.extend(problems);
        questions.extend(question);
    }
    if !any_markdown {
        diags.push(Diagnostic::error(
            bank_path,
            dir_line,
            format!("section folder `{dir}` has no question files"),
        ));
    }
    questions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The card theme the loader reads from a bank folder holding `bytes`
    /// as `theme/card.css` (or nothing), with the problems it reports.
    fn card_theme(dir: &Path, bytes: Option<&[u8]>) -> (Option<String>, Vec<String>) {
        if let Some(bytes) = bytes {
            fs::create_dir_all(dir.join(THEME_DIR)).unwrap();
            fs::write(dir.join(CARD_THEME), bytes).unwrap();
        }
        let root = fs::canonicalize(dir).unwrap();
        let mut diags = Vec::new();
        let theme = load_theme_file(&root, Some(&root), CARD_THEME, &mut diags);
        let problems = diags.iter().map(ToString::to_string).collect();
        (theme.map(|t| t.text), problems)
    }

    #[test]
    fn a_card_theme_is_read_as_utf8_without_its_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(card_theme(dir.path(), None), (None, vec![]));
        let (text, problems) = card_theme(dir.path(), Some(b"\xef\xbb\xbf.a { color: red; }\r\n"));
        assert_eq!(text.as_deref(), Some(".a { color: red; }\r\n"));
        assert!(problems.is_empty(), "{problems:?}");
        let (text, problems) = card_theme(dir.path(), Some(b"\xff\xfe"));
        assert_eq!(text, None);
        assert!(
            problems[0].contains("card.css:1: error: is not UTF-8"),
            "{problems:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_card_theme_that_leads_out_of_the_bank_is_never_read() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("card.css"), "SECRET").unwrap();
        // The file a link out of the bank.
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join(THEME_DIR)).unwrap();
        symlink(outside.path().join("card.css"), dir.path().join(CARD_THEME)).unwrap();
        let (text, problems) = card_theme(dir.path(), None);
        assert_eq!(text, None);
        assert!(
            problems[0].contains("card.css:1: error: symbolic link leads outside"),
            "{problems:?}"
        );
        // The whole theme folder a link out of the bank.
        let dir = tempfile::tempdir().unwrap();
        symlink(outside.path(), dir.path().join(THEME_DIR)).unwrap();
        let (text, problems) = card_theme(dir.path(), None);
        assert_eq!(text, None);
        assert!(
            problems[0].contains("theme:1: error: symbolic link leads outside"),
            "{problems:?}"
        );
    }
}

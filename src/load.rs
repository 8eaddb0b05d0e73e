//! The loader: reads a content folder into a [`Bank`], collecting every
//! structural problem (unreadable files, front matter, headings, folders) as
//! a [`Diagnostic`] instead of stopping at the first.

use std::collections::HashMap;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, LineIndex};
use crate::model::{Bank, Intro, Part, PartKind, Question, Section};

/// Files and folders the content root may hold besides the section folders.
const ROOT_FILES: &[&str] = &["bank.toml", "bank.lock", "intro.md", "README.md"];
/// The folder of the bank's own designs (`theme/card.css`, `theme/booklet.typ`).
const THEME_DIR: &str = "theme";
const MEDIA_DIR: &str = "media";

/// The Markdown extensions a bank uses: CommonMark plus tables.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
}

/// What loading produced: the bank (absent when `bank.toml` itself is
/// unusable) and every problem found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub bank: Option<Bank>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BankFile {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    subtitle: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    sections: Vec<SectionEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionEntry {
    id: Spanned<String>,
    letter: Spanned<String>,
    title: String,
    dir: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: Option<Spanned<String>>,
    #[serde(default)]
    tags: Vec<String>,
}

/// Is `s` a lowercase slug: `a-z0-9` words joined by single hyphens?
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The largest text file the loader reads (10 MiB): a question file is a
/// few kilobytes, so anything near this is a mistake (a pasted data dump, a
/// renamed binary) and would make unusable cards and pages.
pub const MAX_TEXT_FILE_BYTES: u64 = 10 * 1024 * 1024;

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

/// Read a text file: invalid UTF-8 and empty files are diagnostics; a BOM is
/// dropped and CRLF line endings become LF.
pub fn read_text(path: &Path) -> Result<String, Diagnostic> {
    let size = fs::metadata(path)
        .map_err(|e| Diagnostic::error(path, 1, format!("cannot read file: {e}")))?
        .len();
    if size > MAX_TEXT_FILE_BYTES {
        return Err(Diagnostic::error(
            path,
            1,
            format!(
                "file is {:.1} MiB; a bank's text files are limited to {} MiB (split it, or move data out of the bank)",
                size as f64 / (1024.0 * 1024.0),
                MAX_TEXT_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    let bytes =
        fs::read(path).map_err(|e| Diagnostic::error(path, 1, format!("cannot read file: {e}")))?;
    if looks_like_utf16(&bytes) {
        return Err(Diagnostic::error(
            path,
            1,
            "the file is UTF-16 text; save it as UTF-8",
        ));
    }
    let text = match String::from_utf8(bytes) {
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
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text.to_string()
    };
    if text.trim().is_empty() {
        return Err(Diagnostic::error(path, 1, "empty file"));
    }
    if let Some(pos) = text.find('\0') {
        let line = LineIndex::new(&text).line(pos);
        return Err(Diagnostic::error(
            path,
            line,
            "NUL byte in text file (is this a binary file?)",
        ));
    }
    Ok(text)
}

/// A TOML error message on one line ("invalid array; expected `]`").
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// 1-based line of the start of a TOML span inside `text`, where `text`
/// itself begins on line `first_line`.
fn span_line(index: &LineIndex, first_line: usize, span: Option<Range<usize>>) -> usize {
    span.map(|s| first_line + index.line(s.start) - 1)
        .unwrap_or(first_line)
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
        Err(d) => {
            diags.push(d);
            return Loaded {
                bank: None,
                diagnostics: diags,
            };
        }
    };
    let index = LineIndex::new(&text);
    let file: BankFile = match toml::from_str(&text) {
        Ok(f) => f,
        Err(e) => {
            diags.push(Diagnostic::error(
                &bank_path,
                span_line(&index, 1, e.span()),
                format!("invalid bank.toml: {}", one_line(e.message())),
            ));
            return Loaded {
                bank: None,
                diagnostics: diags,
            };
        }
    };
    let line_of = |s: Range<usize>| index.line(s.start);
    if !is_slug(file.id.get_ref()) {
        diags.push(Diagnostic::error(
            &bank_path,
            line_of(file.id.span()),
            format!(
                "invalid bank id `{}`: use a lowercase slug such as `ml-interview-prep`",
                file.id.get_ref()
            ),
        ));
    }
    if file.sections.is_empty() {
        diags.push(Diagnostic::error(
            &bank_path,
            1,
            "bank.toml lists no sections",
        ));
    }

    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut seen_letters: HashMap<String, usize> = HashMap::new();
    let mut seen_dirs: HashMap<String, usize> = HashMap::new();
    let mut sections = Vec::new();
    let mut number = 0u32;
    for entry in &file.sections {
        let id_line = line_of(entry.id.span());
        let dir_line = line_of(entry.dir.span());
        let id = entry.id.get_ref();
        if !is_slug(id) {
            diags.push(Diagnostic::error(
                &bank_path,
                id_line,
                format!("invalid section id `{id}`: use a lowercase slug"),
            ));
        }
        if let Some(first) = seen_ids.insert(id.clone(), id_line) {
            diags.push(Diagnostic::error(
                &bank_path,
                id_line,
                format!("duplicate section id `{id}` (first at line {first})"),
            ));
        }
        let letter = entry.letter.get_ref();
        if let Some(first) = seen_letters.insert(letter.clone(), line_of(entry.letter.span())) {
            diags.push(Diagnostic::error(
                &bank_path,
                line_of(entry.letter.span()),
                format!("duplicate section letter `{letter}` (first at line {first})"),
            ));
        }
        let dir = entry.dir.get_ref();
        if let Some(first) = seen_dirs.insert(dir.clone(), dir_line) {
            diags.push(Diagnostic::error(
                &bank_path,
                dir_line,
                format!("section folder `{dir}` is listed twice (first at line {first})"),
            ));
            continue;
        }
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
            &mut number,
            &mut diags,
        );
        sections.push(Section {
            id: id.clone(),
            letter: letter.clone(),
            title: entry.title.clone(),
            dir: dir.clone(),
            questions,
        });
    }

    check_root_entries(root, &bank_path, &seen_dirs, &mut diags);

    let intro_path = root.join("intro.md");
    let intro = if let Some(real) = escapes_root(canonical_root, &intro_path) {
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
    };

    Loaded {
        bank: Some(Bank {
            root: root.to_path_buf(),
            id: file.id.into_inner(),
            title: file.title,
            subtitle: file.subtitle,
            description: file.description,
            date: file.date,
            author: file.author,
            lang: file.lang,
            intro,
            sections,
        }),
        diagnostics: diags,
    }
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
            // `theme/` holds the bank's own designs: `card.css`, `booklet.typ`.
            if name != MEDIA_DIR && name != THEME_DIR && !listed.contains_key(&name) {
                diags.push(Diagnostic::error(
                    bank_path,
                    1,
                    format!("folder `{name}` is not listed in bank.toml; add it as a section or move it out of the content folder"),
                ));
            }
        } else if !ROOT_FILES.contains(&name.as_str()) {
            diags.push(Diagnostic::warning(
                root.join(&name),
                1,
                "stray file in the content folder; it is not part of the bank",
            ));
        }
    }
}

/// Load every question file of one section folder, in file-name order.
fn load_section_dir(
    root: &Path,
    canonical_root: Option<&Path>,
    dir: &str,
    bank_path: &Path,
    dir_line: usize,
    number: &mut u32,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Question> {
    let dir_path = root.join(dir);
    let entries = match fs::read_dir(&dir_path) {
        Ok(e) => e,
        Err(_) => {
            diags.push(Diagnostic::error(
                bank_path,
                dir_line,
                format!("section folder `{dir}` is missing"),
            ));
            return Vec::new();
        }
    };
    let mut files: Vec<(String, PathBuf, bool)> = entries
        .filter_map(|e| e.ok())
        .map(|e| {
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            (
                e.file_name().to_string_lossy().into_owned(),
                e.path(),
                is_dir,
            )
        })
        .filter(|(name, _, _)| !name.starts_with('.'))
        .collect();
    files.sort();
    let mut questions = Vec::new();
    let mut any_markdown = false;
    for (name, path, is_dir) in files {
        if is_dir {
            diags.push(Diagnostic::error(
                &path,
                1,
                "unexpected folder inside a section folder",
            ));
            continue;
        }
        if !name.ends_with(".md") {
            diags.push(Diagnostic::error(
                &path,
                1,
                "stray file in a section folder: question files end in `.md`",
            ));
            continue;
        }
        any_markdown = true;
        *number += 1;
        if let Some(real) = escapes_root(canonical_root, &path) {
            diags.push(escape_diagnostic(&path, &real));
            continue;
        }
        match read_text(&path) {
            Ok(text) => {
                if let Some(q) = parse_question(&path, &text, *number, diags) {
                    questions.push(q);
                }
            }
            Err(d) => diags.push(d),
        }
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

/// Split `+++` front matter from the body. Returns the front matter text, the
/// line it starts on, and the byte offset where the body starts.
fn split_front_matter<'a>(
    path: &Path,
    text: &'a str,
) -> Result<(&'a str, usize, usize), Diagnostic> {
    let first_line_end = text.find('\n').unwrap_or(text.len());
    if text[..first_line_end].trim_end() != "+++" {
        return Err(Diagnostic::error(
            path,
            1,
            "missing front matter: a question file starts with a `+++` line, then `id = \"…\"`, then `+++`",
        ));
    }
    let fm_start = (first_line_end + 1).min(text.len());
    let mut pos = fm_start;
    while pos < text.len() {
        let end = text[pos..]
            .find('\n')
            .map(|i| pos + i)
            .unwrap_or(text.len());
        if text[pos..end].trim_end() == "+++" {
            return Ok((&text[fm_start..pos], 2, (end + 1).min(text.len())));
        }
        pos = end + 1;
    }
    Err(Diagnostic::error(
        path,
        1,
        "front matter is not closed: add a `+++` line after it",
    ))
}

/// A top-level block of a question file's body.
struct Block {
    range: Range<usize>,
    heading: Option<(HeadingLevel, String)>,
}

fn top_level_blocks(body: &str, base: usize) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut depth = 0usize;
    let mut heading_text: Option<String> = None;
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    let heading = if let Tag::Heading { level, .. } = tag {
                        heading_text = Some(String::new());
                        Some((level, String::new()))
                    } else {
                        None
                    };
                    blocks.push(Block {
                        range: base + range.start..base + range.end,
                        heading,
                    });
                }
                depth += 1;
            }
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if let (TagEnd::Heading(_), Some(t)) = (end, heading_text.take()) {
                        if let Some(Block {
                            heading: Some((_, text)),
                            ..
                        }) = blocks.last_mut()
                        {
                            *text = t.trim().to_string();
                        }
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading_text.as_mut() {
                    h.push_str(&t);
                }
            }
            _ => {
                if depth == 0 {
                    blocks.push(Block {
                        range: base + range.start..base + range.end,
                        heading: None,
                    });
                }
            }
        }
    }
    blocks
}

/// The Markdown source of an ATX or setext heading's text.
fn heading_source(src: &str) -> String {
    let first = src.lines().next().unwrap_or("").trim();
    if first.starts_with('#') {
        first
            .trim_start_matches('#')
            .trim()
            .trim_end_matches('#')
            .trim()
            .to_string()
    } else {
        first.to_string()
    }
}

/// Parse one question file. Problems go to `diags`; a question is returned
/// only when it is complete enough for the exporters.
pub fn parse_question(
    path: &Path,
    text: &str,
    number: u32,
    diags: &mut Vec<Diagnostic>,
) -> Option<Question> {
    let before = diags.len();
    let index = LineIndex::new(text);
    let (fm_text, fm_line, body_start) = match split_front_matter(path, text) {
        Ok(v) => v,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let fm_index = LineIndex::new(fm_text);
    let mut id = String::new();
    let mut id_line = 1;
    let mut tags = Vec::new();
    match toml::from_str::<FrontMatter>(fm_text) {
        Ok(fm) => {
            tags = fm.tags;
            match fm.id {
                None => diags.push(Diagnostic::error(
                    path,
                    1,
                    "missing `id` in front matter (a permanent lowercase slug, e.g. `id = \"overfitting\"`)",
                )),
                Some(s) => {
                    id_line = span_line(&fm_index, fm_line, Some(s.span()));
                    id = s.into_inner();
                    if !is_slug(&id) {
                        diags.push(Diagnostic::error(
                            path,
                            id_line,
                            format!("invalid id `{id}`: use a lowercase slug such as `bias-variance`"),
                        ));
                    }
                }
            }
            for tag in &tags {
                if !is_slug(tag) {
                    diags.push(Diagnostic::error(
                        path,
                        fm_line,
                        format!("invalid tag `{tag}`: use a lowercase slug"),
                    ));
                }
            }
        }
        Err(e) => diags.push(Diagnostic::error(
            path,
            span_line(&fm_index, fm_line, e.span()),
            format!("invalid front matter: {}", one_line(e.message())),
        )),
    }

    let body = &text[body_start..];
    let blocks = top_level_blocks(body, body_start);
    let mut title: Option<(String, usize)> = None;
    let mut reported_before_title = false;
    // (kind, heading line, body start offset)
    let mut parts: Vec<(PartKind, usize, usize, usize)> = Vec::new();
    let mut current_end: Option<usize> = None; // index into parts being filled
    for block in &blocks {
        let line = index.line(block.range.start);
        match &block.heading {
            Some((HeadingLevel::H1, _)) => {
                if title.is_some() {
                    diags.push(Diagnostic::error(
                        path,
                        line,
                        "a second `#` title; a question file has exactly one",
                    ));
                } else {
                    title = Some((heading_source(&text[block.range.clone()]), line));
                }
                current_end = None;
            }
            Some((HeadingLevel::H2, heading)) => {
                if title.is_none() && !reported_before_title {
                    reported_before_title = true;
                    diags.push(Diagnostic::error(
                        path,
                        line,
                        "part heading before the `#` title",
                    ));
                }
                match PartKind::from_heading(heading) {
                    None => {
                        diags.push(Diagnostic::error(
                            path,
                            line,
                            format!("unknown part heading `## {heading}`; the parts are `## Plain English`, `## Technical depth`, `## Real-world example`"),
                        ));
                        current_end = None;
                    }
                    Some(kind) => {
                        if let Some(first) = parts.iter().find(|p| p.0 == kind) {
                            diags.push(Diagnostic::error(
                                path,
                                line,
                                format!(
                                    "repeated part heading `## {}` (first at line {})",
                                    kind.heading(),
                                    first.1
                                ),
                            ));
                            current_end = None;
                        } else {
                            if let Some(last) = parts.last() {
                                if last.0 > kind {
                                    diags.push(Diagnostic::error(
                                        path,
                                        line,
                                        format!(
                                            "part `## {}` is out of order: it comes before `## {}`",
                                            kind.heading(),
                                            last.0.heading()
                                        ),
                                    ));
                                }
                            }
                            let start = block.range.end;
                            parts.push((kind, line, start, start));
                            current_end = Some(parts.len() - 1);
                        }
                    }
                }
            }
            _ => {
                if title.is_none() {
                    if !reported_before_title {
                        reported_before_title = true;
                        diags.push(Diagnostic::error(path, line, "text before the `#` title"));
                    }
                } else if let Some(i) = current_end {
                    parts[i].3 = block.range.end;
                } else if parts.is_empty() {
                    diags.push(Diagnostic::error(
                        path,
                        line,
                        "text between the title and the first part heading; put it under `## Plain English`",
                    ));
                }
            }
        }
    }

    let (title, title_line) = match title {
        Some(t) => t,
        None => {
            diags.push(Diagnostic::error(
                path,
                index.line(body_start.min(text.len().saturating_sub(1))),
                "missing `# ` title (the question)",
            ));
            (String::new(), 1)
        }
    };
    if title.is_empty() && title_line > 1 {
        diags.push(Diagnostic::error(path, title_line, "empty `#` title"));
    }

    let mut found: [Option<Part>; 3] = [None, None, None];
    for &(kind, heading_line, start, end) in &parts {
        let raw = &text[start..end.max(start)];
        let lead = raw.len() - raw.trim_start().len();
        let markdown = raw.trim().to_string();
        if markdown.is_empty() {
            diags.push(Diagnostic::error(
                path,
                heading_line,
                format!("empty part `## {}`", kind.heading()),
            ));
        }
        let body_range = start + lead..start + lead + markdown.len();
        found[kind as usize] = Some(Part {
            markdown,
            heading_line,
            body_line: index.line(body_range.start.min(text.len().saturating_sub(1))),
            body_range,
        });
    }
    for kind in PartKind::ALL {
        if found[kind as usize].is_none() {
            diags.push(Diagnostic::error(
                path,
                title_line,
                format!("missing part `## {}`", kind.heading()),
            ));
        }
    }
    if diags.len() > before {
        return None;
    }
    let [plain, technical, example] = found;
    Some(Question {
        number,
        id,
        tags,
        title,
        path: path.to_path_buf(),
        id_line,
        title_line,
        plain: plain?,
        technical: technical?,
        example: example?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "+++\nid = \"q-one\"\ntags = [\"data\"]\n+++\n\n# What is *one*?\n\n## Plain English\n\nPlain.\n\n## Technical depth\n\nLead-in:\n\n- **A:** a.\n\n## Real-world example\n\nStory.\n";

    fn parse(text: &str) -> (Option<Question>, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let q = parse_question(Path::new("q.md"), text, 7, &mut diags);
        (q, diags)
    }

    #[test]
    fn parses_parts_with_lines_and_ranges() {
        let (q, diags) = parse(GOOD);
        assert!(diags.is_empty(), "{diags:?}");
        let q = q.unwrap();
        assert_eq!(
            (q.number, q.id.as_str(), q.tags.clone()),
            (7, "q-one", vec!["data".to_string()])
        );
        assert_eq!(q.title, "What is *one*?");
        assert_eq!((q.id_line, q.title_line), (2, 6));
        assert_eq!(q.plain.markdown, "Plain.");
        assert_eq!((q.plain.heading_line, q.plain.body_line), (8, 10));
        assert_eq!(q.technical.markdown, "Lead-in:\n\n- **A:** a.");
        assert_eq!(&GOOD[q.technical.body_range.clone()], q.technical.markdown);
        assert_eq!(&GOOD[q.example.body_range.clone()], "Story.");
    }

    #[test]
    fn level_three_headings_stay_inside_a_part() {
        let text = GOOD.replace("Lead-in:", "### Detail\n\nLead-in:");
        let (q, diags) = parse(&text);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(q.unwrap().technical.markdown.starts_with("### Detail"));
    }

    #[test]
    fn reports_all_structural_problems_together() {
        let text = "+++\nid = \"Bad\"\n+++\nIntro.\n\n# T\n\n## Technical depth\n\nx\n\n## Plain English\n\n## Summary\n";
        let (q, diags) = parse(text);
        assert!(q.is_none());
        let got: Vec<String> = diags
            .iter()
            .map(|d| format!("{}:{}", d.line, d.message))
            .collect();
        assert!(
            got.iter().any(|m| m.starts_with("2:invalid id `Bad`")),
            "{got:?}"
        );
        assert!(
            got.iter().any(|m| m.starts_with("4:text before")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.starts_with("12:part `## Plain English` is out of order")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.starts_with("12:empty part `## Plain English`")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.starts_with("14:unknown part heading `## Summary`")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.starts_with("6:missing part `## Real-world example`")),
            "{got:?}"
        );
    }

    #[test]
    fn toml_errors_point_at_the_files_line() {
        let text = GOOD.replace("tags = [\"data\"]", "tags = [\"data\"\nother = 1");
        let (_, diags) = parse(&text);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].line, 4);
    }

    #[test]
    fn slugs() {
        for ok in ["a", "bias-variance", "q3", "training-serving-skew"] {
            assert!(is_slug(ok), "{ok}");
        }
        for bad in ["", "A", "a_b", "-a", "a-", "a--b", "a b", "é"] {
            assert!(!is_slug(bad), "{bad}");
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
        assert_eq!(d.line, 2);
        fs::write(&p, " \n\n").unwrap();
        assert_eq!(read_text(&p).unwrap_err().message, "empty file");
    }
}

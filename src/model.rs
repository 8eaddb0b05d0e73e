//! The in-memory question bank: what the loader produces and every exporter reads.
//!
//! Answers stay Markdown here; each exporter renders them for its own target.
//! Every question and part remembers where it came from, so diagnostics and
//! `apply-csv` can point back at the source file and line.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use sha2::{Digest, Sha256};

/// A whole bank: its metadata from `bank.toml`, the optional intro and the
/// sections in order, each holding its questions in order.
#[derive(Debug, Clone)]
pub struct Bank {
    /// The content folder the bank was loaded from.
    pub root: PathBuf,
    /// Permanent namespace (`ml-interview-prep`); every Anki id derives from it.
    pub id: String,
    /// The bank's title (`title` in `bank.toml`): the deck's and the booklet's name.
    pub title: String,
    /// A line under the title (`subtitle`), or empty.
    pub subtitle: String,
    /// What the bank is for (`description`), or empty: the deck's description and the title page's text.
    pub description: String,
    /// The bank's date as written in `bank.toml` (e.g. `2026-11-01`), if any.
    pub date: Option<String>,
    /// Who wrote the bank (`author` in `bank.toml`), for the booklet's metadata.
    pub author: Option<String>,
    /// The bank's language as a BCP 47 tag (`lang` in `bank.toml`); English when absent.
    pub lang: Option<String>,
    /// `intro.md`, when present.
    pub intro: Option<Intro>,
    /// The sections in `bank.toml`'s order.
    pub sections: Vec<Section>,
    /// The figures of `media/`, read once by the loader: the checker and
    /// every exporter share these bytes.
    pub media: Media,
    /// The bank's own card theme (`theme/card.css`), read once by the loader.
    pub card_theme: Option<ThemeFile>,
}

/// A text file of the bank's own design in `theme/`, read once by the loader.
#[derive(Debug, Clone)]
pub struct ThemeFile {
    pub(crate) path: PathBuf,
    /// The file's text, without a byte order mark.
    pub(crate) text: String,
}

impl ThemeFile {
    /// The file's text, without a byte order mark.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The figure files of a bank's `media/` folder, by file name, each held
/// once (an [`Arc`]: a figure shown by many answers is not copied).
/// Each file's content-hashed Anki name is worked out once, here, however
/// many answers show it.
#[derive(Debug, Clone, Default)]
pub struct Media {
    files: BTreeMap<String, (Arc<[u8]>, String)>,
}

impl Media {
    pub(crate) fn insert(&mut self, name: impl Into<String>, bytes: Arc<[u8]>) {
        let name = name.into();
        let hashed = media_name(&name, &bytes);
        self.files.insert(name, (bytes, hashed));
    }

    /// The bytes of `media/<name>`, if it was read.
    pub(crate) fn get(&self, name: &str) -> Option<&Arc<[u8]>> {
        self.files.get(name).map(|(bytes, _)| bytes)
    }

    /// The name `media/<name>` travels under in the deck
    /// ([`media_name`]).
    pub(crate) fn hashed_name(&self, name: &str) -> Option<&str> {
        self.files.get(name).map(|(_, hashed)| hashed.as_str())
    }
}

/// The content-hashed file name a figure gets in the deck's package: its stem, the
/// first 6 bytes of its SHA-256 in hex, its extension.
pub(crate) fn media_name(file_name: &str, bytes: &[u8]) -> String {
    let digest = hex::encode(&Sha256::digest(bytes)[..6]);
    match file_name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}-{digest}.{ext}"),
        None => format!("{file_name}-{digest}"),
    }
}

/// The opening text of the bank (`intro.md`), kept as Markdown.
#[derive(Debug, Clone)]
pub struct Intro {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its text (byte order mark dropped, LF line endings).
    pub markdown: String,
}

/// One section of the bank: a folder of question files, listed in `bank.toml`.
#[derive(Debug, Clone)]
pub struct Section {
    /// Permanent id (`foundations`), used in tags and Anki ids.
    pub id: String,
    /// Display letter (`A`).
    pub letter: String,
    /// Display title (`Foundations`).
    pub title: String,
    /// Folder name inside the content root.
    pub dir: String,
    /// Its questions, in file-name order.
    pub questions: Vec<Question>,
}

impl Section {
    /// "A. Foundations"
    pub fn heading(&self) -> String {
        format!("{}. {}", self.letter, self.title)
    }
}

/// One question file.
#[derive(Debug, Clone)]
pub struct Question {
    /// 1..N across the whole bank, in section order then file order.
    pub number: u32,
    /// Permanent slug from the front matter; the note's identity.
    pub id: String,
    /// The front matter's tags, from the bank's vocabulary.
    pub tags: Vec<String>,
    /// The `# ` heading text, as Markdown inline text.
    pub title: String,
    /// Source file (content root joined with section dir and file name).
    pub path: PathBuf,
    /// 1-based line of the front matter's `id` key (or line 1).
    pub(crate) id_line: usize,
    /// 1-based line of the `# ` title.
    pub(crate) title_line: usize,
    /// The answer in plain English, for a product manager.
    pub plain: Part,
    /// The answer in technical depth, for a senior engineer.
    pub technical: Part,
    /// The real-world example.
    pub example: Part,
}

impl Question {
    /// The three parts in their fixed order.
    pub fn parts(&self) -> [(PartKind, &Part); 3] {
        [
            (PartKind::Plain, &self.plain),
            (PartKind::Technical, &self.technical),
            (PartKind::Example, &self.example),
        ]
    }

    pub(crate) fn part(&self, kind: PartKind) -> &Part {
        match kind {
            PartKind::Plain => &self.plain,
            PartKind::Technical => &self.technical,
            PartKind::Example => &self.example,
        }
    }
}

/// Which of the three answers a part is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PartKind {
    /// `## Plain English`.
    Plain,
    /// `## Technical depth`.
    Technical,
    /// `## Real-world example`.
    Example,
}

impl PartKind {
    pub(crate) const ALL: [PartKind; 3] = [PartKind::Plain, PartKind::Technical, PartKind::Example];

    /// The `## ` heading that introduces the part in a question file.
    pub fn heading(self) -> &'static str {
        match self {
            PartKind::Plain => "Plain English",
            PartKind::Technical => "Technical depth",
            PartKind::Example => "Real-world example",
        }
    }

    pub(crate) fn from_heading(text: &str) -> Option<PartKind> {
        PartKind::ALL.into_iter().find(|k| k.heading() == text)
    }
}

/// One answer part: its Markdown body and where it sits in the source file.
#[derive(Debug, Clone, Default)]
pub struct Part {
    /// Markdown body, trimmed, with LF line endings.
    pub markdown: String,
    /// 1-based line of the part's `## ` heading.
    pub(crate) heading_line: usize,
    /// 1-based line where the body's first character sits in the file.
    pub(crate) body_line: usize,
    /// Byte range of the body in the loaded text (BOM removed, CRLF turned into LF).
    /// `apply-csv` replaces exactly this range.
    pub(crate) body_range: std::ops::Range<usize>,
}

impl Bank {
    /// A bank with no metadata, intro, sections or figures, rooted at
    /// `root` with the id `id`: a start for a bank built in code (tests set
    /// the fields they need).
    pub fn empty(root: impl Into<PathBuf>, id: impl Into<String>) -> Bank {
        Bank {
            root: root.into(),
            id: id.into(),
            title: String::new(),
            subtitle: String::new(),
            description: String::new(),
            date: None,
            author: None,
            lang: None,
            intro: None,
            sections: Vec::new(),
            media: Media::default(),
            card_theme: None,
        }
    }

    /// Every question with its section, in bank order.
    pub fn questions(&self) -> impl Iterator<Item = (&Section, &Question)> {
        self.sections
            .iter()
            .flat_map(|s| s.questions.iter().map(move |q| (s, q)))
    }

    /// The ids of the bank's questions, for lookups.
    pub(crate) fn question_ids(&self) -> std::collections::HashSet<&str> {
        self.questions().map(|(_, q)| q.id.as_str()).collect()
    }

    /// How many questions the bank has.
    pub fn question_count(&self) -> usize {
        self.sections.iter().map(|s| s.questions.len()).sum()
    }

    /// The folder figures live in: `<root>/media`.
    pub fn media_dir(&self) -> PathBuf {
        self.root.join("media")
    }

    /// The lock file beside the bank: `<root>/bank.lock`.
    pub(crate) fn lock_path(&self) -> PathBuf {
        self.root.join("bank.lock")
    }

    /// Resolve a figure reference (`media/name.svg`) to its file, if it is a
    /// plain name inside the media folder.
    pub(crate) fn figure_path(&self, reference: &str) -> Option<PathBuf> {
        let name = reference.strip_prefix("media/")?;
        if name.is_empty() || name.contains('/') || name.contains('\\') || name.starts_with('.') {
            return None;
        }
        Some(self.media_dir().join(name))
    }

    /// The bytes of the figure `reference` (`media/name.svg`), as the
    /// loader read them; `None` when it is not a plain name inside the media
    /// folder or was not readable (the checker reports why).
    pub(crate) fn figure_bytes(&self, reference: &str) -> Option<Arc<[u8]>> {
        self.figure_path(reference)?;
        self.media.get(reference.strip_prefix("media/")?).cloned()
    }
}

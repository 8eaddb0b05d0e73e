//! The exporter interface: each output format renders a checked [`Bank`]
//! into one file under the output folder.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::model::Bank;

/// An output format `qbank build` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum)]
pub enum Format {
    Apkg,
    Pdf,
    Csv,
    Xlsx,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Apkg => "apkg",
            Format::Pdf => "pdf",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// Whether `qbank build` without `--format` writes it: the deck, the
    /// booklet and the CSV; the review workbook is asked for by name.
    pub fn in_default_build(self) -> bool {
        !matches!(self, Format::Xlsx)
    }
}

/// Paper size for the booklet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Paper {
    #[default]
    A4,
    Letter,
    A5,
}

/// What every exporter gets besides the bank.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Folder the outputs go to (created if missing).
    pub out_dir: PathBuf,
    pub paper: Paper,
    /// Fail instead of changing `bank.lock`.
    pub locked: bool,
    /// "Now" in Unix seconds: `SOURCE_DATE_EPOCH` when set, else the clock.
    pub now: i64,
}

impl BuildOptions {
    /// The output path for `format`: `<out>/<bank id>.<ext>`.
    pub fn output_path(&self, bank: &Bank, format: Format) -> PathBuf {
        self.out_dir
            .join(format!("{}.{}", bank.id, format.extension()))
    }
}

/// Why an export did not complete.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// `--locked` was given and the lock would change (exit code 1).
    #[error("{0}")]
    LockOutdated(String),
    /// The bank cannot be rendered or written in this format (exit code 1):
    /// one `path:line: …` line per problem (an answer too long for a
    /// spreadsheet cell, an error in the bank's own booklet theme).
    #[error("{0}")]
    Content(String),
    /// Anything else: I/O, a broken lock file, a rendering failure (exit code 2).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// One output format.
pub trait Exporter {
    fn format(&self) -> Format;
    /// Render `bank` and write the output atomically. Returns a one-line
    /// summary for the user, e.g. `apkg: 1 changed, 0 new, 49 unchanged`.
    fn export(&self, bank: &Bank, opts: &BuildOptions) -> Result<String, ExportError>;
}

/// Every exporter this build of qbank has, in the order they run.
#[allow(clippy::vec_init_then_push)] // one `push` line per exporter keeps merges easy
pub fn available() -> Vec<Box<dyn Exporter>> {
    #[allow(unused_mut)]
    let mut all: Vec<Box<dyn Exporter>> = Vec::new();
    // Each exporter registers itself here.
    all.push(Box::new(crate::anki::AnkiExporter::default()));
    all.push(Box::new(crate::review_csv::ReviewCsvExporter));
    all.push(Box::new(crate::review_csv::xlsx::ReviewXlsxExporter));
    all.push(Box::new(crate::pdf::PdfExporter));
    all
}

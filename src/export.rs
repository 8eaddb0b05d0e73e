//! The exporter interface: the [`Exporter`] trait each output format
//! implements, the [`Format`]s, what an exporter gets besides the bank (an
//! [`ExportContext`]) and what it gives back ([`Rendered`] or an
//! [`ExportError`]). Each exporter owns its own options (the booklet's paper,
//! the deck's `--locked`); the list of exporters and the running of a build
//! are [`crate::build`]'s.
//!
//! An exporter only *prepares* its files ([`Rendered`]: complete temporary
//! files beside their places); the build puts them in place only once every
//! exporter has succeeded, the lock first (the deck is stamped from it), so
//! a failed build writes nothing at all.

use std::path::PathBuf;

use crate::model::Bank;
use crate::output::PendingOutput;

/// An output format `qbank build` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// The Anki deck.
    Apkg,
    /// The printable booklet.
    Pdf,
    /// The review sheet as CSV.
    Csv,
    /// The review sheet as an Excel workbook.
    Xlsx,
}

impl Format {
    /// The file extension, which is also the format's name on the command line.
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
    pub(crate) fn in_default_build(self) -> bool {
        !matches!(self, Format::Xlsx)
    }
}

/// What every exporter gets besides the bank.
#[derive(Debug, Clone)]
pub struct ExportContext {
    /// Folder the outputs go to (the build creates it).
    pub out_dir: PathBuf,
    /// "Now" in Unix seconds: `SOURCE_DATE_EPOCH` when set, else the clock.
    pub now: i64,
}

impl ExportContext {
    /// The output path for `format`: `<out>/<bank id>.<ext>`.
    pub(crate) fn output_path(&self, bank: &Bank, format: Format) -> PathBuf {
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

/// What an exporter produced: its files, complete but not yet in place, and
/// the line to tell the user.
pub struct Rendered {
    /// One line for the user, e.g. `apkg: 1 changed, 0 new, 49 unchanged`.
    pub summary: String,
    /// The outputs, put in place by [`Rendered::commit_all`].
    pub(crate) outputs: Vec<PendingOutput>,
    /// The files of the bank itself (`bank.lock`): put in place after every
    /// output of every exporter.
    pub(crate) bank_files: Vec<PendingOutput>,
}

impl Rendered {
    /// A rendering of one prepared output.
    pub(crate) fn output(summary: String, output: PendingOutput) -> Rendered {
        Rendered {
            summary,
            outputs: vec![output],
            bank_files: Vec::new(),
        }
    }

    /// Put every bank file of `all` in place (`bank.lock`), then every
    /// output. The deck is stamped from the lock, so the lock goes first: an
    /// interrupted build may leave the new lock with the earlier deck (the
    /// next build writes the deck again from it, with the same stamps), never
    /// a new deck whose lock was lost. Stops at the first failure; what is
    /// not yet in place is dropped (its temporary file removed).
    pub fn commit_all(all: Vec<Rendered>) -> anyhow::Result<()> {
        // A place that cannot take a file (a folder there) is found before
        // anything is put in place.
        for pending in all
            .iter()
            .flat_map(|r| r.outputs.iter().chain(&r.bank_files))
        {
            pending.check_place()?;
        }
        let (bank_files, outputs): (Vec<_>, Vec<_>) =
            all.into_iter().map(|r| (r.bank_files, r.outputs)).unzip();
        for pending in bank_files.into_iter().chain(outputs).flatten() {
            pending.commit()?;
        }
        Ok(())
    }
}

/// One output format. Exporters are shared by the threads of a build
/// (one per format), hence `Send + Sync`.
pub trait Exporter: Send + Sync {
    /// The format it writes.
    fn format(&self) -> Format;
    /// Problems of the bank that only this exporter sees (the deck: a
    /// `bank.lock` it cannot read), each at its place. `qbank check` asks
    /// every exporter, `qbank build` those it runs, with the checker's
    /// problems and before anything is rendered. What an exporter reads
    /// here it may keep for [`Exporter::export`], so it is read once.
    fn check(&self, _bank: &Bank) -> Vec<crate::diagnostic::Diagnostic> {
        Vec::new()
    }
    /// Render `bank` into temporary files beside their places
    /// (`crate::output::prepare_atomic`), changing nothing the user sees:
    /// the build commits them once every exporter has succeeded.
    fn export(&self, bank: &Bank, ctx: &ExportContext) -> Result<Rendered, ExportError>;
}

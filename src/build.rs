//! The build driver: the list of exporters, set up with their options, and
//! `qbank build` after the check: the output folder (never inside the
//! content folder, created if missing, cleared of what killed builds left),
//! every asked-for exporter run on its own thread, and their files put in
//! place only when all of them succeeded ([`Rendered::commit_all`], the lock
//! first). It prints nothing: the command line reports what it returns.

use std::path::{Path, PathBuf};

use anyhow::anyhow;

use crate::anki::AnkiExporter;
use crate::export::{ExportContext, ExportError, Exporter, Format, Rendered};
use crate::model::Bank;
use crate::pdf::{Paper, PdfExporter};
use crate::review_csv::xlsx::ReviewXlsxExporter;
use crate::review_csv::ReviewCsvExporter;

/// Temporary files older than this were left by a killed build, not by one
/// still running.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_hours(1);

/// What `qbank build` was asked for.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The content folder (the bank was loaded from it).
    pub content: PathBuf,
    /// Folder the outputs go to (created if missing).
    pub out_dir: PathBuf,
    /// The formats to write; none: those `Format::in_default_build`.
    pub formats: Vec<Format>,
    /// Paper size of the booklet.
    pub paper: Paper,
    /// Fail instead of changing `bank.lock`.
    pub locked: bool,
    /// "Now" in Unix seconds: `SOURCE_DATE_EPOCH` when set, else the clock.
    pub now: i64,
}

impl BuildOptions {
    /// What each exporter gets besides the bank.
    pub fn context(&self) -> ExportContext {
        ExportContext {
            out_dir: self.out_dir.clone(),
            now: self.now,
        }
    }
}

/// Why a build wrote nothing.
#[derive(Debug)]
pub(crate) enum BuildError {
    /// These exporters failed (in the order they run); the others' files
    /// were dropped.
    Export(Vec<(Format, ExportError)>),
    /// A usage or I/O failure: a format this build of qbank does not have,
    /// an output folder inside the content folder or one that cannot be
    /// made, a file that cannot be put in place.
    Other(anyhow::Error),
}

impl From<anyhow::Error> for BuildError {
    fn from(e: anyhow::Error) -> BuildError {
        BuildError::Other(e)
    }
}

/// Every exporter this build of qbank has, in the order they run, each with
/// its options from `opts`.
pub fn exporters(opts: &BuildOptions) -> Vec<Box<dyn Exporter>> {
    vec![
        Box::new(AnkiExporter::new(opts.locked)),
        Box::new(ReviewCsvExporter),
        Box::new(ReviewXlsxExporter),
        Box::new(PdfExporter { paper: opts.paper }),
    ]
}

/// Every exporter with its default options: what `qbank check` asks for the
/// problems only an exporter sees.
pub(crate) fn every_exporter() -> Vec<Box<dyn Exporter>> {
    exporters(&BuildOptions {
        content: PathBuf::new(),
        out_dir: PathBuf::new(),
        formats: Vec::new(),
        paper: Paper::default(),
        locked: false,
        now: 0,
    })
}

/// Write the outputs of the checked `bank` with `exporters` (those
/// [`selected`] for `opts`, which checked it too): render every format,
/// then put every file in place. Returns each exporter's summary, in the
/// order they ran; on an error nothing was put in place.
pub(crate) fn run(
    bank: &Bank,
    opts: &BuildOptions,
    exporters: &[Box<dyn Exporter>],
) -> Result<Vec<String>, BuildError> {
    prepare_out_dir(opts)?;
    let ctx = opts.context();
    let mut rendered = Vec::new();
    let mut failed = Vec::new();
    for (exporter, result) in exporters.iter().zip(render_all(exporters, bank, &ctx)) {
        match result {
            Ok(r) => rendered.push(r),
            Err(e) => failed.push((exporter.format(), e)),
        }
    }
    // Render all, then write all: nothing is put in place (and the lock is
    // not touched) unless every exporter succeeded.
    if !failed.is_empty() {
        return Err(BuildError::Export(failed));
    }
    let summaries = rendered.iter().map(|r| r.summary.clone()).collect();
    Rendered::commit_all(rendered)?;
    Ok(summaries)
}

/// The exporters for the formats asked for (all those in the default build
/// when none was), in the order they run.
pub(crate) fn selected(opts: &BuildOptions) -> anyhow::Result<Vec<Box<dyn Exporter>>> {
    let formats = &opts.formats;
    let exporters: Vec<_> = exporters(opts)
        .into_iter()
        .filter(|e| {
            (formats.is_empty() && e.format().in_default_build()) || formats.contains(&e.format())
        })
        .collect();
    for f in formats {
        if !exporters.iter().any(|e| e.format() == *f) {
            return Err(anyhow!(
                "format `{}` is not available in this build",
                f.extension()
            ));
        }
    }
    Ok(exporters)
}

/// Make sure the output folder is outside the content folder and exists, and
/// remove what a killed build left there and in the content folder.
fn prepare_out_dir(opts: &BuildOptions) -> anyhow::Result<()> {
    let (out_dir, content) = (&opts.out_dir, &opts.content);
    if let (Some(out), Some(root)) = (resolved(out_dir), resolved(content)) {
        if out.starts_with(&root) {
            return Err(anyhow!(
                "the output folder {} is inside the content folder {}; outputs would become part of the bank: choose an --out outside it",
                out_dir.display(),
                content.display()
            ));
        }
    }
    if let Err(e) = std::fs::create_dir_all(out_dir) {
        return Err(anyhow!(
            "cannot create output folder {}: {e}",
            out_dir.display()
        ));
    }
    crate::output::remove_stale_temporaries(out_dir, STALE_AFTER);
    crate::output::remove_stale_temporaries(content, STALE_AFTER);
    Ok(())
}

/// Run every exporter at once, each on its own thread (the formats are
/// independent: a 2-core machine builds the deck and the sheet at once);
/// the results come back in the exporters' order.
fn render_all(
    exporters: &[Box<dyn Exporter>],
    bank: &Bank,
    ctx: &ExportContext,
) -> Vec<Result<Rendered, ExportError>> {
    std::thread::scope(|scope| {
        let running: Vec<_> = exporters
            .iter()
            .map(|exporter| {
                // As much stack as the main thread would have, and more:
                // deeply nested Markdown must not overflow a renderer.
                std::thread::Builder::new()
                    .name(format!("qbank-{}", exporter.format().extension()))
                    .stack_size(crate::parallel::STACK_BYTES)
                    .spawn_scoped(scope, move || exporter.export(bank, ctx))
            })
            .collect();
        exporters
            .iter()
            .zip(running)
            .map(|(exporter, thread)| match thread {
                Ok(thread) => thread.join().unwrap_or_else(|_| {
                    Err(ExportError::Other(anyhow!(
                        "internal error while writing the {} output",
                        exporter.format().extension()
                    )))
                }),
                Err(e) => Err(ExportError::Other(
                    anyhow::Error::new(e).context("cannot start a thread"),
                )),
            })
            .collect()
    })
}

/// `path` made absolute with symbolic links resolved, for a path that may
/// not exist yet: its nearest existing ancestor is resolved and the rest
/// appended.
fn resolved(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return Some(out);
        }
        rest.push(existing.file_name()?.to_owned());
        existing = existing.parent()?;
    }
}

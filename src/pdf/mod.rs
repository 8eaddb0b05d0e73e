//! The printable PDF booklet: `out/<bank id>.pdf`, typeset by Typst.
//!
//! The flow: `document` turns the bank into plain data (each part's Markdown
//! as a [`markdown::Block`] tree), the template `booklet.typ` (compiled into
//! the binary, or the bank's own `theme/booklet.typ`) reads that data as JSON
//! and holds the whole page design, and Typst, confined to the files that
//! `world` serves, lays it out and writes a tagged PDF.

pub(crate) mod document;
pub mod markdown;
pub(crate) mod world;

use std::path::{Path, PathBuf};

use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Datetime, Smart};
use typst::WorldExt;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::export::{ExportContext, ExportError, Exporter, Format, Rendered};
use crate::model::Bank;
use crate::output::prepare_atomic;
use world::BookletWorld;

/// The built-in page design.
pub(crate) const TEMPLATE: &str = include_str!("booklet.typ");

/// Where a bank keeps its own page design, relative to the content folder.
pub(crate) const THEME_OVERRIDE: &str = "theme/booklet.typ";

/// The largest theme file read.
const MAX_THEME_BYTES: u64 = 1024 * 1024;

/// Paper size for the booklet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    /// ISO A4, 210 × 297 mm (the default).
    #[default]
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
    /// ISO A5, 148 × 210 mm.
    A5,
}

/// Writes the PDF booklet.
#[derive(Debug, Clone, Default)]
pub(crate) struct PdfExporter {
    /// The booklet's paper size (`--paper`).
    pub(crate) paper: Paper,
}

/// A rendered booklet and what went into it.
#[derive(Debug)]
pub(crate) struct Booklet {
    pub(crate) bytes: Vec<u8>,
    pub(crate) page_count: usize,
}

/// Why a booklet could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BookletError {
    /// The bank's own template is wrong: `path:line: error: message` lines.
    #[error("{}", .0.join("\n"))]
    Theme(Vec<String>),
    /// Anything else: the built-in template failed (a bug in qbank), or I/O.
    #[error("{0}")]
    Internal(String),
}

impl From<BookletError> for ExportError {
    fn from(e: BookletError) -> ExportError {
        match e {
            BookletError::Theme(lines) => ExportError::Content(lines.join("\n")),
            BookletError::Internal(msg) => ExportError::Other(anyhow::anyhow!(msg)),
        }
    }
}

/// Which template a booklet is set with.
struct Template {
    text: String,
    /// The bank's override file, when it is one.
    theme: Option<PathBuf>,
}

fn template(bank: &Bank) -> Result<Template, BookletError> {
    let path = bank.root.join(THEME_OVERRIDE);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Template {
                text: TEMPLATE.to_string(),
                theme: None,
            })
        }
        Err(e) => {
            return Err(BookletError::Theme(vec![format!(
                "{}: error: cannot read the booklet theme: {e}",
                path.display()
            )]))
        }
    };
    let refuse =
        |why: &str| BookletError::Theme(vec![format!("{}:1: error: {why}", path.display())]);
    if !meta.file_type().is_file() {
        return Err(refuse("the booklet theme must be a plain file"));
    }
    if meta.len() > MAX_THEME_BYTES {
        return Err(refuse("the booklet theme is larger than 1 MiB"));
    }
    let bytes =
        std::fs::read(&path).map_err(|e| refuse(&format!("cannot read the booklet theme: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| refuse("the booklet theme is not UTF-8"))?;
    Ok(Template {
        text,
        theme: Some(path),
    })
}

/// The date the booklet carries: `SOURCE_DATE_EPOCH` when set, else the
/// bank's `date`. Never the clock, so a rebuild gives the same bytes.
fn booklet_date(bank: &Bank) -> Option<Datetime> {
    if let Some(secs) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
    {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        return Datetime::from_ymd_hms(
            y,
            m,
            d,
            (rem / 3600) as u8,
            (rem % 3600 / 60) as u8,
            (rem % 60) as u8,
        );
    }
    let date = bank.date.as_deref()?;
    let mut parts = date.splitn(3, '-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    Datetime::from_ymd(y, m, d)
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m, d)
}

/// One Typst diagnostic as a line: `path:line: error: message (hint: …)`,
/// where `path` is the theme file, or the built-in template for a bug.
fn describe(world: &BookletWorld, theme: Option<&Path>, diag: &SourceDiagnostic) -> String {
    let line = diag
        .span
        .id()
        .filter(|id| *id == world.template().id())
        .and_then(|_| world.range(diag.span))
        .and_then(|range| world.template().lines().byte_to_line(range.start))
        .map(|l| l + 1);
    let severity = match diag.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let place = match theme {
        Some(path) => path.display().to_string(),
        None => "booklet.typ (built in)".to_string(),
    };
    let mut text = match line {
        Some(line) => format!("{place}:{line}: {severity}: {}", diag.message),
        None => format!("{place}: {severity}: {}", diag.message),
    };
    for hint in &diag.hints {
        text.push_str(&format!(" (hint: {})", hint.v));
    }
    text
}

/// Render `bank` as a booklet on `paper`.
pub(crate) fn render(bank: &Bank, paper: Paper) -> Result<Booklet, BookletError> {
    let template = template(bank)?;
    let data = document::BookletData::new(bank, paper).to_json();
    let today = booklet_date(bank);
    let world = BookletWorld::new(template.text, data, bank.media.clone(), today);
    let theme = template.theme.as_deref();
    let fail = |diags: &[SourceDiagnostic]| {
        let lines: Vec<String> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| describe(&world, theme, d))
            .collect();
        match theme {
            Some(_) => BookletError::Theme(lines),
            None => BookletError::Internal(format!(
                "the booklet could not be typeset (a bug in qbank's template):\n{}",
                lines.join("\n")
            )),
        }
    };
    let compiled = typst::compile::<PagedDocument>(&world);
    let doc = compiled.output.map_err(|d| fail(&d))?;
    let standards = PdfStandards::new(&[PdfStandard::Ua_1])
        .map_err(|e| BookletError::Internal(format!("PDF/UA-1: {e:?}")))?;
    let options = PdfOptions {
        ident: Smart::Custom(format!("qbank:{}:{:?}", bank.id, paper)),
        creator: Smart::Custom(Some("qbank".to_string())),
        timestamp: today.map(Timestamp::new_utc),
        standards,
        tagged: true,
        ..PdfOptions::default()
    };
    let bytes = typst_pdf::pdf(&doc, &options).map_err(|d| fail(&d))?;
    Ok(Booklet {
        bytes,
        page_count: doc.pages().len(),
    })
}

impl Exporter for PdfExporter {
    fn format(&self) -> Format {
        Format::Pdf
    }

    fn export(&self, bank: &Bank, ctx: &ExportContext) -> Result<Rendered, ExportError> {
        let booklet = render(bank, self.paper)?;
        let path = ctx.output_path(bank, Format::Pdf);
        let pending = prepare_atomic(&path, |file| {
            std::io::Write::write_all(file, &booklet.bytes).map_err(Into::into)
        })
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e:#}", path.display()))?;
        let summary = format!(
            "pdf: {} pages, {} KB → {}",
            booklet.page_count,
            booklet.bytes.len().div_ceil(1024),
            path.display()
        );
        Ok(Rendered::output(summary, pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_days_become_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_420), (2025, 11, 28));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}

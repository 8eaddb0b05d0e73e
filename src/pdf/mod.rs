//! The printable PDF booklet: `out/<bank id>.pdf`, grouped by section.
//!
//! The flow: [`compose`] lays the bank out as items (measured with genpdf's
//! own fonts, see [`layout`]), the items are cut into pages, [`paint`] draws
//! them through genpdf, and [`finish`] adds outline, links, font subsets,
//! compression and a fixed id with lopdf.

pub mod compose;
pub mod figure;
pub mod finish;
pub mod fonts;
pub mod layout;
pub mod markdown;
pub mod paint;
pub mod theme;

use anyhow::{Context, Result};
use genpdf::style::Style;

use crate::export::{BuildOptions, ExportError, Exporter, Format, Paper, Rendered};
use crate::model::Bank;
use crate::output::prepare_atomic;
use layout::Typesetter;

/// Writes the PDF booklet.
pub struct PdfExporter;

/// A rendered booklet and what went into it.
pub struct Booklet {
    pub bytes: Vec<u8>,
    pub page_count: usize,
}

/// Render `bank` as a booklet on `paper`.
pub fn render(bank: &Bank, paper: Paper) -> Result<Booklet> {
    let geometry = theme::Geometry::for_paper(paper);
    let (mut doc, families) = fonts::new_document()?;
    let (pages, outline) = {
        let mut t = Typesetter::new(
            doc.font_cache(),
            families,
            geometry.content_width(),
            geometry.body_size,
        );
        let max_figure_height = geometry.content_height() * 0.38;
        let mut figure = |t: &mut Typesetter, alt: &str, reference: &str, indent, accent, space| {
            figure::lay_out(
                bank,
                t,
                alt,
                reference,
                indent,
                accent,
                space,
                max_figure_height,
            )
        };
        let outline = compose::compose(&mut t, bank, geometry.content_height(), &mut figure)?;
        let pages = layout::paginate(&t.items, geometry.content_height())?;
        (pages, outline)
    };
    let header_style = Style::new()
        .with_font_family(families.sans)
        .with_font_size(8)
        .with_color(theme::MUTED);
    doc.set_title(bank.title.clone());
    doc.set_paper_size(genpdf::Size::new(geometry.width, geometry.height));
    doc.set_minimal_conformance();
    doc.push(paint::PagePainter::new(
        pages.clone(),
        geometry,
        &bank.title,
        header_style,
    ));
    let mut raw = Vec::new();
    doc.render(&mut raw)
        .map_err(|e| anyhow::anyhow!("cannot render the booklet: {e}"))?;
    let bytes = finish::Finish {
        title: &bank.title,
        subject: &bank.subtitle,
        date: bank.date.as_deref(),
        geometry,
        pages: &pages,
        outline: &outline,
    }
    .run(&raw)?;
    Ok(Booklet {
        bytes,
        page_count: pages.pages.len(),
    })
}

impl Exporter for PdfExporter {
    fn format(&self) -> Format {
        Format::Pdf
    }

    fn export(&self, bank: &Bank, opts: &BuildOptions) -> Result<Rendered, ExportError> {
        let booklet = render(bank, opts.paper)?;
        let path = opts.output_path(bank, Format::Pdf);
        let pending = prepare_atomic(&path, |file| {
            std::io::Write::write_all(file, &booklet.bytes).map_err(Into::into)
        })
        .with_context(|| format!("cannot write {}", path.display()))?;
        let summary = format!(
            "pdf: {} pages, {} KB → {}",
            booklet.page_count,
            booklet.bytes.len().div_ceil(1024),
            path.display()
        );
        Ok(Rendered::output(summary, pending))
    }
}

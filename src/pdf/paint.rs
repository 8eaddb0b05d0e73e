//! Painting: a genpdf element that draws the laid-out pages one per call,
//! with the running header (book title, current section) and the footer
//! ("Page n of N"). The title page carries neither.

use std::collections::BTreeMap;

use genpdf::error::Error;
use genpdf::render::Area;
use genpdf::style::Style;
use genpdf::{Context, Element, Mm, Position, RenderResult, Size};

use super::layout::{Anchor, Pages, Paint};
use super::theme::{self, Geometry};

/// Draws `pages` in order; genpdf adds a page each time it returns `has_more`.
pub struct PagePainter {
    pages: Pages,
    geometry: Geometry,
    book_title: String,
    header_style: Style,
    next: usize,
    /// Anchor → 1-based page, for the contents' page numbers.
    page_numbers: BTreeMap<Anchor, usize>,
}

impl PagePainter {
    pub fn new(pages: Pages, geometry: Geometry, book_title: &str, header_style: Style) -> Self {
        let page_numbers = pages
            .anchors
            .iter()
            .map(|(a, (p, _))| (*a, p + 1))
            .collect();
        PagePainter {
            pages,
            geometry,
            book_title: book_title.to_string(),
            header_style,
            next: 0,
            page_numbers,
        }
    }

    fn text(
        &self,
        context: &Context,
        area: &Area<'_>,
        x: f64,
        y: f64,
        base: Style,
        runs: &[(String, Style)],
    ) -> Result<(), Error> {
        if let Some(mut section) = area.text_section(&context.font_cache, Position::new(x, y), base)
        {
            for (text, style) in runs {
                section.print_str(text, *style)?;
            }
        }
        Ok(())
    }

    fn paint_page(&self, context: &Context, area: &Area<'_>, index: usize) -> Result<(), Error> {
        let g = &self.geometry;
        let page_no = index + 1;
        let left = g.left(page_no);
        let top = g.top;
        for paint in &self.pages.pages[index].paints {
            match paint {
                Paint::Text { x, y, base, runs } => {
                    let runs: Vec<(String, Style)> =
                        runs.iter().map(|r| (r.text.clone(), r.style)).collect();
                    self.text(context, area, left + x, top + y, *base, &runs)?;
                }
                Paint::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    color,
                } => area.draw_line(
                    vec![
                        Position::new(left + x1, top + y1),
                        Position::new(left + x2, top + y2),
                    ],
                    Style::new().with_color(*color),
                ),
                Paint::Bar {
                    x, y1, y2, color, ..
                } => {
                    // genpdf strokes 1 pt lines: four side by side make a bar.
                    for k in 0..4 {
                        let bx = left + x + 0.25 * k as f64;
                        area.draw_line(
                            vec![Position::new(bx, top + y1), Position::new(bx, top + y2)],
                            Style::new().with_color(*color),
                        );
                    }
                }
                Paint::Image {
                    x,
                    y,
                    scale,
                    raster,
                } => {
                    let height = raster.height_mm * scale;
                    area.add_image(
                        &raster.image,
                        Position::new(left + x, top + y + height),
                        genpdf::Scale::new(*scale, *scale),
                        genpdf::Rotation::from(0.0),
                        Some(super::figure::DPI),
                    );
                }
                Paint::PageRef {
                    x_right,
                    y,
                    style,
                    target,
                } => {
                    let text = self
                        .page_numbers
                        .get(target)
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| "?".into());
                    let w = f64::from(style.str_width(&context.font_cache, &text));
                    self.text(
                        context,
                        area,
                        left + x_right - w,
                        top + y,
                        *style,
                        &[(text, *style)],
                    )?;
                }
            }
        }
        if index > 0 {
            self.decorate(context, area, index)?;
        }
        Ok(())
    }

    /// Running header and footer.
    fn decorate(&self, context: &Context, area: &Area<'_>, index: usize) -> Result<(), Error> {
        let g = &self.geometry;
        let page_no = index + 1;
        let total = self.pages.pages.len();
        let left = g.left(page_no);
        let width = g.content_width();
        let style = self.header_style;
        let cache = &context.font_cache;
        let header_y = g.top - 11.0;
        let running = &self.pages.pages[index].running;
        // The section sits on the outer edge, the book title on the inner.
        let (left_text, right_text) = if page_no % 2 == 1 {
            (self.book_title.as_str(), running.as_str())
        } else {
            (running.as_str(), self.book_title.as_str())
        };
        self.text(
            context,
            area,
            left,
            header_y,
            style,
            &[(left_text.to_string(), style)],
        )?;
        let rw = f64::from(style.str_width(cache, right_text));
        self.text(
            context,
            area,
            left + width - rw,
            header_y,
            style,
            &[(right_text.to_string(), style)],
        )?;
        let rule_y = g.top - 6.5;
        area.draw_line(
            vec![
                Position::new(left, rule_y),
                Position::new(left + width, rule_y),
            ],
            Style::new().with_color(theme::RULE),
        );
        let footer = format!("Page {page_no} of {total}");
        let fw = f64::from(style.str_width(cache, &footer));
        let footer_y = g.height - g.bottom + 7.0;
        self.text(
            context,
            area,
            left + (width - fw) / 2.0,
            footer_y,
            style,
            &[(footer, style)],
        )?;
        Ok(())
    }
}

impl Element for PagePainter {
    fn render(
        &mut self,
        context: &Context,
        area: Area<'_>,
        _style: Style,
    ) -> Result<RenderResult, Error> {
        let index = self.next;
        if index < self.pages.pages.len() {
            self.paint_page(context, &area, index)?;
        }
        self.next += 1;
        Ok(RenderResult {
            size: Size::new(Mm::from(1.0), area.size().height),
            has_more: self.next < self.pages.pages.len(),
        })
    }
}

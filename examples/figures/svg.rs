//! A small SVG writer for the bank's figures: one light rounded panel per
//! figure (so a figure reads the same on a white page and on a dark card),
//! text in the bundled DejaVu Sans, and numbers written with fixed precision
//! so the same figure always gives the same bytes.

use std::fmt::Write;

use qbank::fonts;

/// The figures' palette: dark ink on a light panel, and series colours that
/// stay apart for colour-blind readers (blue, orange, green, purple).
pub const PANEL: &str = "#fbfbf8";
pub const PANEL_EDGE: &str = "#c9ced6";
pub const INK: &str = "#1d2330";
pub const MUTED: &str = "#555e6c";
pub const GRID: &str = "#e2e5ea";
pub const BLUE: &str = "#1f6fb2";
pub const ORANGE: &str = "#d4561c";
pub const GREEN: &str = "#2e8540";
pub const PURPLE: &str = "#7b4bb7";
pub const BLUE_FILL: &str = "#dceaf7";
pub const ORANGE_FILL: &str = "#fbe3d6";
pub const GREEN_FILL: &str = "#dcefdf";
pub const PURPLE_FILL: &str = "#ebe2f6";
pub const GREY_FILL: &str = "#eceef1";

/// DejaVu Sans first: the booklet rasterises with the bundled font. A card
/// shows the SVG with the device's fonts; where DejaVu Sans is missing,
/// Verdana has nearly the same widths, then any sans-serif.
pub const FONT_FAMILY: &str = "DejaVu Sans, Verdana, sans-serif";

/// Every figure is this wide (in SVG units); a card scales it to its width.
pub const WIDTH: f64 = 540.0;

/// Text sizes, chosen so the smallest stays about 10 px on a 320 px wide
/// phone card.
pub const TITLE: f64 = 23.0;
pub const LABEL: f64 = 19.0;
pub const SMALL: f64 = 17.0;

/// A number with at most one decimal, never `-0`.
pub fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    let r = if r == 0.0 { 0.0 } else { r };
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Width of `text` in DejaVu Sans at `size`, from the bundled font's advances.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let bytes = if bold {
        fonts::SANS_BOLD
    } else {
        fonts::SANS_REGULAR
    };
    let face = ttf_parser::Face::parse(bytes, 0).expect("bundled font parses");
    let units: f64 = text
        .chars()
        .map(|c| {
            f64::from(
                face.glyph_index(c)
                    .and_then(|g| face.glyph_hor_advance(g))
                    .unwrap_or_else(|| panic!("DejaVu Sans cannot draw {c:?} in {text:?}")),
            )
        })
        .sum();
    units * size / f64::from(face.units_per_em())
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn name(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// Text style: size, weight, colour and alignment.
#[derive(Clone, Copy)]
pub struct Font {
    pub size: f64,
    pub bold: bool,
    pub fill: &'static str,
    pub anchor: Anchor,
}

impl Font {
    pub fn new(size: f64) -> Font {
        Font {
            size,
            bold: false,
            fill: INK,
            anchor: Anchor::Start,
        }
    }
    pub fn bold(mut self) -> Font {
        self.bold = true;
        self
    }
    pub fn fill(mut self, fill: &'static str) -> Font {
        self.fill = fill;
        self
    }
    pub fn middle(mut self) -> Font {
        self.anchor = Anchor::Middle;
        self
    }
    pub fn end(mut self) -> Font {
        self.anchor = Anchor::End;
        self
    }
}

/// A figure being drawn. Every shape is checked to stay inside the panel.
pub struct Svg {
    name: String,
    height: f64,
    body: String,
}

impl Svg {
    /// Start a figure `height` units tall on its light rounded panel.
    pub fn new(name: &str, height: f64) -> Svg {
        let mut svg = Svg {
            name: name.to_string(),
            height,
            body: String::new(),
        };
        svg.raw(&format!(
            r#"<rect x="1" y="1" width="{}" height="{}" rx="14" fill="{PANEL}" stroke="{PANEL_EDGE}" stroke-width="2"/>"#,
            num(WIDTH - 2.0),
            num(height - 2.0)
        ));
        svg
    }

    pub fn raw(&mut self, element: &str) {
        self.body.push_str("  ");
        self.body.push_str(element);
        self.body.push('\n');
    }

    fn inside(&self, what: &str, x0: f64, x1: f64, y0: f64, y1: f64) {
        let margin = 4.0;
        assert!(
            x0 >= margin && x1 <= WIDTH - margin && y0 >= margin && y1 <= self.height - margin,
            "{}: {what} ({x0:.0}..{x1:.0}, {y0:.0}..{y1:.0}) leaves the {WIDTH}x{} panel",
            self.name,
            self.height
        );
    }

    /// One line of text with its baseline at `y`; returns its width.
    pub fn text(&mut self, x: f64, y: f64, text: &str, font: Font) -> f64 {
        let w = text_width(text, font.size, font.bold);
        let x0 = match font.anchor {
            Anchor::Start => x,
            Anchor::Middle => x - w / 2.0,
            Anchor::End => x - w,
        };
        self.inside(
            &format!("text {text:?}"),
            x0,
            x0 + w,
            y - font.size * 0.8,
            y + font.size * 0.25,
        );
        let mut el = format!(
            r#"<text x="{}" y="{}" font-family="{FONT_FAMILY}" font-size="{}""#,
            num(x),
            num(y),
            num(font.size)
        );
        if font.bold {
            el.push_str(r#" font-weight="bold""#);
        }
        if font.anchor != Anchor::Start {
            let _ = write!(el, r#" text-anchor="{}""#, font.anchor.name());
        }
        let _ = write!(el, r#" fill="{}">{}</text>"#, font.fill, escape(text));
        self.raw(&el);
        w
    }

    /// Lines of text centred on `(cx, cy)`, checked to fit `max_width`.
    pub fn text_block(&mut self, cx: f64, cy: f64, lines: &[&str], font: Font, max_width: f64) {
        let step = font.size * 1.25;
        let first = cy - step * (lines.len() as f64 - 1.0) / 2.0 + font.size * 0.35;
        for (i, line) in lines.iter().enumerate() {
            let w = text_width(line, font.size, font.bold);
            assert!(
                w <= max_width,
                "{}: {line:?} is {w:.0} wide, more than the {max_width:.0} it has",
                self.name
            );
            self.text(cx, first + step * i as f64, line, font.middle());
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, rx: f64, fill: &str, stroke: &str) {
        self.inside("rect", x, x + w, y, y + h);
        let stroke = if stroke == "none" {
            String::new()
        } else {
            format!(r#" stroke="{stroke}" stroke-width="2""#)
        };
        self.raw(&format!(
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="{}" fill="{fill}"{stroke}/>"#,
            num(x),
            num(y),
            num(w),
            num(h),
            num(rx)
        ));
    }

    /// A rounded box with centred lines of text inside it.
    #[allow(clippy::too_many_arguments)]
    pub fn label_box(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        lines: &[&str],
        font: Font,
        fill: &str,
        stroke: &str,
    ) {
        self.rect(x, y, w, h, 8.0, fill, stroke);
        let lines_height = font.size * 1.25 * lines.len() as f64;
        assert!(
            lines_height <= h,
            "{}: {lines:?} do not fit a box {h:.0} high",
            self.name
        );
        self.text_block(x + w / 2.0, y + h / 2.0, lines, font, w - 12.0);
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, width: f64) {
        self.inside("line", x1.min(x2), x1.max(x2), y1.min(y2), y1.max(y2));
        self.raw(&format!(
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{}"/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            num(width)
        ));
    }

    pub fn dashed(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, width: f64) {
        self.inside("line", x1.min(x2), x1.max(x2), y1.min(y2), y1.max(y2));
        self.raw(&format!(
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{}" stroke-dasharray="7 5"/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            num(width)
        ));
    }

    fn points(points: &[(f64, f64)]) -> String {
        points
            .iter()
            .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn bounds(&self, what: &str, points: &[(f64, f64)]) {
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in points {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        self.inside(what, x0, x1, y0, y1);
    }

    /// A data series as a line.
    pub fn polyline(&mut self, points: &[(f64, f64)], stroke: &str, width: f64, dash: bool) {
        self.bounds("polyline", points);
        let dash = if dash {
            r#" stroke-dasharray="9 6""#
        } else {
            ""
        };
        self.raw(&format!(
            r#"<polyline points="{}" fill="none" stroke="{stroke}" stroke-width="{}" stroke-linejoin="round" stroke-linecap="round"{dash}/>"#,
            Self::points(points),
            num(width)
        ));
    }

    pub fn polygon(&mut self, points: &[(f64, f64)], fill: &str, stroke: &str) {
        self.bounds("polygon", points);
        let stroke = if stroke == "none" {
            String::new()
        } else {
            format!(r#" stroke="{stroke}" stroke-width="2" stroke-linejoin="round""#)
        };
        self.raw(&format!(
            r#"<polygon points="{}" fill="{fill}"{stroke}/>"#,
            Self::points(points)
        ));
    }

    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, fill: &str, stroke: &str) {
        self.inside("circle", cx - r, cx + r, cy - r, cy + r);
        self.raw(&format!(
            r#"<circle cx="{}" cy="{}" r="{}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>"#,
            num(cx),
            num(cy),
            num(r)
        ));
    }

    /// A straight arrow from `(x1, y1)` to the tip `(x2, y2)`.
    pub fn arrow(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, color: &str) {
        let (dx, dy) = (x2 - x1, y2 - y1);
        let len = (dx * dx + dy * dy).sqrt();
        let (ux, uy) = (dx / len, dy / len);
        let head = 11.0;
        let (bx, by) = (x2 - ux * head, y2 - uy * head);
        self.line(x1, y1, bx, by, color, 2.5);
        self.polygon(
            &[
                (x2, y2),
                (bx - uy * head * 0.5, by + ux * head * 0.5),
                (bx + uy * head * 0.5, by - ux * head * 0.5),
            ],
            color,
            "none",
        );
    }

    /// An arrow along a path of corner points (the last one is the tip).
    pub fn elbow_arrow(&mut self, points: &[(f64, f64)], color: &str) {
        let n = points.len();
        if n > 2 {
            self.polyline(&points[..n - 1], color, 2.5, false);
        }
        let (x1, y1) = points[n - 2];
        let (x2, y2) = points[n - 1];
        self.arrow(x1, y1, x2, y2, color);
    }

    /// The finished SVG document, with alt-style `<title>` for screen readers.
    pub fn finish(self, title: &str) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n  <title>{t}</title>\n{b}</svg>\n",
            w = num(WIDTH),
            h = num(self.height),
            t = escape(title),
            b = self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(2.345), "2.3");
    }
}

//! The booklet's look: paper geometry (margins fit for printing and binding),
//! font sizes and the accent colours that tell the answer levels apart.

use genpdf::style::Color;

use crate::export::Paper;

/// Page geometry for one paper size. Lengths in millimetres; `y` grows downwards.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub width: f64,
    pub height: f64,
    /// Margin on the bound edge (left of odd pages, right of even pages).
    pub inner: f64,
    /// Margin on the free edge.
    pub outer: f64,
    pub top: f64,
    pub bottom: f64,
    /// Body text size in points.
    pub body_size: u8,
}

impl Geometry {
    pub fn for_paper(paper: Paper) -> Geometry {
        match paper {
            Paper::A4 => Geometry {
                width: 210.0,
                height: 297.0,
                inner: 25.0,
                outer: 20.0,
                top: 25.0,
                bottom: 22.0,
                body_size: 10,
            },
            Paper::Letter => Geometry {
                width: 215.9,
                height: 279.4,
                inner: 25.0,
                outer: 20.0,
                top: 24.0,
                bottom: 21.0,
                body_size: 10,
            },
            Paper::A5 => Geometry {
                width: 148.0,
                height: 210.0,
                inner: 18.0,
                outer: 13.0,
                top: 19.0,
                bottom: 17.0,
                body_size: 9,
            },
        }
    }

    pub fn content_width(&self) -> f64 {
        self.width - self.inner - self.outer
    }

    pub fn content_height(&self) -> f64 {
        self.height - self.top - self.bottom
    }

    /// Left edge of the text block on page `page` (1-based): odd pages are
    /// right-hand pages, bound on their left.
    pub fn left(&self, page: usize) -> f64 {
        if page % 2 == 1 {
            self.inner
        } else {
            self.outer
        }
    }
}

/// Text colour of the body.
pub const INK: Color = Color::Rgb(20, 20, 20);
/// Quiet text: running header, footer, labels.
pub const MUTED: Color = Color::Rgb(100, 100, 100);
/// Rules and table borders.
pub const RULE: Color = Color::Rgb(150, 150, 150);
/// The Plain English answer.
pub const PLAIN: Color = Color::Rgb(25, 120, 60);
/// The Technical depth answer.
pub const TECHNICAL: Color = Color::Rgb(25, 85, 165);
/// The Real-world example.
pub const EXAMPLE: Color = Color::Rgb(160, 100, 10);
/// Inline code.
pub const CODE: Color = Color::Rgb(120, 40, 40);
/// Light fills behind each answer part, one per accent.
pub const PLAIN_TINT: Color = Color::Rgb(236, 246, 239);
pub const TECHNICAL_TINT: Color = Color::Rgb(236, 242, 251);
pub const EXAMPLE_TINT: Color = Color::Rgb(251, 245, 234);

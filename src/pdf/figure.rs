//! Figures in the booklet: an answer's `![alt](media/x.svg)` rasterised for
//! print (through [`crate::figure`]) and laid out as one unbreakable item
//! with the alt text as its caption.

use std::path::Path;
use std::rc::Rc;

use anyhow::{anyhow, Context, Result};

use super::layout::{Accent, Item, Paint, Typesetter};
use super::theme;
use crate::figure as shared;
use crate::model::Bank;

/// Print resolution of rasterised figures.
pub const DPI: f64 = 200.0;

/// A rasterised figure: RGB pixels and the size it is printed at.
pub struct Raster {
    pub image: image::DynamicImage,
    pub width_mm: f64,
    pub height_mm: f64,
}

impl std::fmt::Debug for Raster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Raster({:.1}×{:.1} mm)", self.width_mm, self.height_mm)
    }
}

/// Rasterise the SVG at `path` to fit within `max_width` × `max_height` mm
/// (never enlarged beyond its own size), through the shared
/// [`crate::figure`] rasteriser.
pub fn rasterise(path: &Path, max_width: f64, max_height: f64) -> Result<Raster> {
    let data =
        std::fs::read(path).with_context(|| format!("cannot read figure {}", path.display()))?;
    let tree = shared::parse(&data).map_err(|e| anyhow!("figure {}: {e}", path.display()))?;
    let size = tree.size();
    // SVG user units are CSS pixels: 96 per inch.
    let natural_w = f64::from(size.width()) * 25.4 / 96.0;
    let natural_h = f64::from(size.height()) * 25.4 / 96.0;
    let scale = (max_width / natural_w).min(max_height / natural_h).min(1.0);
    let width_mm = natural_w * scale;
    let px_w = (width_mm / 25.4 * DPI).round().max(1.0) as u32;
    let raster = shared::rasterize_tree(&tree, px_w)
        .map_err(|e| anyhow!("figure {}: {e}", path.display()))?;
    let height_mm = f64::from(raster.height) / DPI * 25.4;
    let width_mm = f64::from(raster.width) / DPI * 25.4;
    let buffer = image::RgbImage::from_raw(raster.width, raster.height, raster.rgb)
        .ok_or_else(|| anyhow!("figure {} did not rasterise", path.display()))?;
    Ok(Raster {
        image: image::DynamicImage::ImageRgb8(buffer),
        width_mm,
        height_mm,
    })
}

/// Lay out a figure of `bank` (image centred, caption below) as one item.
#[allow(clippy::too_many_arguments)]
pub fn lay_out(
    bank: &Bank,
    t: &mut Typesetter,
    alt: &str,
    reference: &str,
    indent: f64,
    accent: Option<Accent>,
    space: f64,
    max_height: f64,
) -> Result<()> {
    let path = bank
        .figure_path(reference)
        .ok_or_else(|| anyhow!("figure `{reference}` is not a file in media/"))?;
    let avail = t.width - indent;
    let raster = rasterise(&path, avail * 0.9, max_height)?;
    let caption_style = t.body().italic().with_color(theme::MUTED);
    let lh = t.line_height(caption_style);
    let lines = t.wrap_balanced(&[(alt.to_string(), caption_style)], avail * 0.9);
    let gap = 2.0;
    let mut paints = vec![Paint::Image {
        x: indent + (avail - raster.width_mm) / 2.0,
        y: 1.0,
        scale: 1.0,
        raster: Rc::new(raster),
    }];
    let image_h = match &paints[0] {
        Paint::Image { raster, .. } => raster.height_mm,
        _ => 0.0,
    };
    for (k, line) in lines.into_iter().enumerate() {
        paints.push(Paint::Text {
            x: indent + (avail - line.width) / 2.0,
            y: 1.0 + image_h + gap + k as f64 * lh,
            base: caption_style,
            runs: line.runs,
        });
    }
    let caption_lines = paints.len() - 1;
    t.push(Item {
        height: 1.0 + image_h + gap + caption_lines as f64 * lh + 1.0,
        space_before: space,
        paints,
        accent,
        shrinkable: true,
        ..Item::default()
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rasterises_the_fixture_figure_with_text() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good/media/loss-curves.svg");
        let r = rasterise(&path, 60.0, 100.0).unwrap();
        assert!((r.width_mm - 60.0).abs() < 0.2, "{}", r.width_mm);
        let img = r.image.to_rgb8();
        // Both curves are drawn: some bluish and some orange pixels.
        let blue = img.pixels().filter(|p| p[2] > 150 && p[0] < 100).count();
        let orange = img.pixels().filter(|p| p[0] > 150 && p[2] < 100).count();
        assert!(blue > 100 && orange > 100, "blue {blue}, orange {orange}");
        // The "epochs" label is drawn in dark ink near the bottom.
        let h = img.height();
        let dark_bottom = img
            .enumerate_pixels()
            .filter(|(_, y, p)| *y > h * 8 / 10 && p[0] < 80 && p[1] < 80 && p[2] < 80)
            .count();
        assert!(dark_bottom > 20, "label pixels {dark_bottom}");
    }
}

//! The booklet's fonts for genpdf: the bundled DejaVu faces from
//! [`crate::fonts`], loaded into a genpdf document as a sans and a mono family.

use anyhow::{Context, Result};
use genpdf::fonts::{Font, FontData, FontFamily};

use crate::fonts as bundled;

/// The two families every style is drawn from.
#[derive(Debug, Clone, Copy)]
pub struct Families {
    pub sans: FontFamily<Font>,
    pub mono: FontFamily<Font>,
}

fn data(bytes: &[u8], name: &str) -> Result<FontData> {
    FontData::new(bytes.to_vec(), None).with_context(|| format!("cannot load the font {name}"))
}

/// A new genpdf document whose font cache holds DejaVu Sans (default) and
/// DejaVu Sans Mono. Mono has no italic face: italic code is drawn upright.
pub fn new_document() -> Result<(genpdf::Document, Families)> {
    let sans = FontFamily {
        regular: data(bundled::SANS_REGULAR, "DejaVu Sans")?,
        bold: data(bundled::SANS_BOLD, "DejaVu Sans Bold")?,
        italic: data(bundled::SANS_ITALIC, "DejaVu Sans Oblique")?,
        bold_italic: data(bundled::SANS_BOLD_ITALIC, "DejaVu Sans Bold Oblique")?,
    };
    let mut doc = genpdf::Document::new(sans);
    let sans = doc.font_cache().default_font_family();
    let mono = doc.add_font_family(FontFamily {
        regular: data(bundled::MONO_REGULAR, "DejaVu Sans Mono")?,
        bold: data(bundled::MONO_BOLD, "DejaVu Sans Mono Bold")?,
        // Placeholders, never drawn: the finishing step drops unused faces.
        italic: data(bundled::MONO_REGULAR, "DejaVu Sans Mono")?,
        bold_italic: data(bundled::MONO_BOLD, "DejaVu Sans Mono Bold")?,
    });
    let mono = FontFamily {
        regular: mono.regular,
        bold: mono.bold,
        italic: mono.regular,
        bold_italic: mono.bold,
    };
    Ok((doc, Families { sans, mono }))
}

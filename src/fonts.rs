//! The bundled fonts (DejaVu, and TeX Gyre DejaVu Math for formulas, from
//! `fonts/`), compiled into the binary so the
//! glyph check and the booklet never depend on what the machine has installed.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

/// DejaVu Sans, the text face of the booklet and the figures.
pub const SANS_REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
pub const SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
pub(crate) const SANS_ITALIC: &[u8] = include_bytes!("../fonts/DejaVuSans-Oblique.ttf");
pub(crate) const SANS_BOLD_ITALIC: &[u8] = include_bytes!("../fonts/DejaVuSans-BoldOblique.ttf");
pub(crate) const MONO_REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSansMono.ttf");
pub(crate) const MONO_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSansMono-Bold.ttf");
/// The booklet's math font: DejaVu's letters and symbols with the OpenType
/// MATH table Typst needs for fractions, roots and scripts.
pub(crate) const MATH: &[u8] = include_bytes!("../fonts/TeXGyreDejaVuMath.otf");

/// Which family a piece of text is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Sans,
    Mono,
    Math,
}

impl Family {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Family::Sans => "DejaVu Sans",
            Family::Mono => "DejaVu Sans Mono",
            Family::Math => "TeX Gyre DejaVu Math",
        }
    }
}

struct Faces {
    sans: Vec<ttf_parser::Face<'static>>,
    mono: Vec<ttf_parser::Face<'static>>,
    math: Vec<ttf_parser::Face<'static>>,
}

fn faces() -> &'static Faces {
    static FACES: OnceLock<Faces> = OnceLock::new();
    FACES.get_or_init(|| {
        let parse = |b: &'static [u8]| ttf_parser::Face::parse(b, 0).expect("bundled font parses");
        Faces {
            sans: [SANS_REGULAR, SANS_BOLD, SANS_ITALIC, SANS_BOLD_ITALIC]
                .into_iter()
                .map(parse)
                .collect(),
            mono: [MONO_REGULAR, MONO_BOLD].into_iter().map(parse).collect(),
            math: vec![parse(MATH)],
        }
    })
}

/// Can every face of `family` draw `c`? Line breaks and tabs count as drawable.
pub(crate) fn can_draw(family: Family, c: char) -> bool {
    // Every face has printable ASCII; skipping the lookup keeps long texts fast.
    if matches!(c, '\n' | '\t' | '\r' | ' '..='~') {
        return true;
    }
    // A bank repeats the same few hundred non-ASCII characters many times:
    // the answer for a Basic Multilingual Plane character is looked up in the
    // fonts' cmap tables once and remembered.
    let memo = match family {
        Family::Sans => &SANS_MEMO,
        Family::Mono => &MONO_MEMO,
        Family::Math => &MATH_MEMO,
    };
    let slot = memo.get(c as usize);
    match slot.map(|s| s.load(Ordering::Relaxed)) {
        Some(DRAWABLE) => return true,
        Some(UNDRAWABLE) => return false,
        _ => {}
    }
    let set = match family {
        Family::Sans => &faces().sans,
        Family::Mono => &faces().mono,
        Family::Math => &faces().math,
    };
    let drawable = set.iter().all(|f| f.glyph_index(c).is_some());
    if let Some(slot) = slot {
        slot.store(
            if drawable { DRAWABLE } else { UNDRAWABLE },
            Ordering::Relaxed,
        );
    }
    drawable
}

const UNKNOWN: u8 = 0;
const DRAWABLE: u8 = 1;
const UNDRAWABLE: u8 = 2;
/// What [`can_draw`] answered for each BMP character (0 = not asked yet).
static SANS_MEMO: [AtomicU8; 0x10000] = [const { AtomicU8::new(UNKNOWN) }; 0x10000];
static MONO_MEMO: [AtomicU8; 0x10000] = [const { AtomicU8::new(UNKNOWN) }; 0x10000];
static MATH_MEMO: [AtomicU8; 0x10000] = [const { AtomicU8::new(UNKNOWN) }; 0x10000];

/// Is every character of `text` one that [`can_draw`] accepts without a
/// font lookup (printable ASCII, line breaks, tabs)? A fast path for long text.
pub(crate) fn is_plain_ascii(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b'\n' | b'\t' | b'\r' | b' '..=b'~'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_the_banks_symbols() {
        for c in "σβλΣ√²³⁻¹ᵀᵢ₀≈×→≥≤₹✓—“”".chars() {
            assert!(can_draw(Family::Sans, c), "{c}");
        }
        assert!(can_draw(Family::Mono, 'x'));
        // Formulas: the symbols, and the italic letters Typst sets them in.
        for c in "σμ∑√∂∇≈≤≥∈⊤∥−×⋅→ℝ𝑥𝜎𝛽".chars() {
            assert!(can_draw(Family::Math, c), "{c}");
        }
    }

    #[test]
    fn the_math_font_is_named_as_the_template_asks() {
        let face = ttf_parser::Face::parse(MATH, 0).unwrap();
        let family = face
            .names()
            .into_iter()
            .find(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
            .and_then(|n| n.to_string());
        assert_eq!(family.as_deref(), Some(Family::Math.name()));
        assert!(face.tables().math.is_some(), "an OpenType MATH table");
    }

    #[test]
    fn rejects_emoji() {
        assert!(!can_draw(Family::Sans, '🎯'));
        // The second answer comes from the memo and must agree.
        assert!(!can_draw(Family::Sans, '🎯'));
        assert!(can_draw(Family::Sans, 'σ'));
    }

    #[test]
    fn plain_ascii_fast_path() {
        assert!(is_plain_ascii("a b\n\tc~"));
        assert!(!is_plain_ascii("a\u{1}b"));
        assert!(!is_plain_ascii("σ"));
    }
}

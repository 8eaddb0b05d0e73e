//! The bundled fonts (DejaVu, from `fonts/`), compiled into the binary so the
//! glyph check and the booklet never depend on what the machine has installed.

use std::sync::OnceLock;

pub const SANS_REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
pub const SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
pub const SANS_ITALIC: &[u8] = include_bytes!("../fonts/DejaVuSans-Oblique.ttf");
pub const SANS_BOLD_ITALIC: &[u8] = include_bytes!("../fonts/DejaVuSans-BoldOblique.ttf");
pub const MONO_REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSansMono.ttf");
pub const MONO_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSansMono-Bold.ttf");

/// Which family a piece of text is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Sans,
    Mono,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Sans => "DejaVu Sans",
            Family::Mono => "DejaVu Sans Mono",
        }
    }
}

struct Faces {
    sans: Vec<ttf_parser::Face<'static>>,
    mono: Vec<ttf_parser::Face<'static>>,
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
        }
    })
}

/// Can every face of `family` draw `c`? Line breaks and tabs count as drawable.
pub fn can_draw(family: Family, c: char) -> bool {
    // Every face has printable ASCII; skipping the lookup keeps long texts fast.
    if matches!(c, '\n' | '\t' | '\r' | ' '..='~') {
        return true;
    }
    let set = match family {
        Family::Sans => &faces().sans,
        Family::Mono => &faces().mono,
    };
    set.iter().all(|f| f.glyph_index(c).is_some())
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
    }

    #[test]
    fn rejects_emoji() {
        assert!(!can_draw(Family::Sans, '🎯'));
    }
}

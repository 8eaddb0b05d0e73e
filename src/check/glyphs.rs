//! Characters the bundled fonts cannot draw, in a question's title, the
//! bank's and sections' titles and the text and code of a Markdown body
//! (each reported once per file), and combining marks typed apart from the
//! letter they compose with.

use std::collections::BTreeSet;
use std::path::Path;

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

use crate::diagnostic::Diagnostic;
use crate::fonts::{self, Family};

/// Report each character `text` uses that `family` cannot draw, once per file.
pub(super) fn check_glyphs_in(
    path: &Path,
    line: usize,
    text: &str,
    family: Family,
    seen: &mut BTreeSet<char>,
    diags: &mut Vec<Diagnostic>,
) {
    if fonts::is_plain_ascii(text) {
        return;
    }
    let mut before = None;
    for c in text.chars() {
        if let Some(base) = before {
            if let Some(one) = precomposed(base, c) {
                if seen.insert(one) {
                    diags.push(combining_mark(path, line, base, c, one));
                }
            }
        }
        before = Some(c);
        if !fonts::can_draw(family, c) && seen.insert(c) {
            diags.push(Diagnostic::error(
                path,
                line,
                format!(
                    "character `{c}` (U+{:04X}) cannot be drawn by the bundled font {}",
                    c as u32,
                    family.name()
                ),
            ));
        }
    }
}

/// A letter and a combining mark typed apart where one precomposed character
/// exists (`e` + U+0301 for `é`): refused, naming the character to write, so
/// the same word is one string in every output and in a learner's search.
/// Marks with no precomposed form (`x̂` in a formula) are drawn as they are.
fn combining_mark(path: &Path, line: usize, base: char, mark: char, one: char) -> Diagnostic {
    Diagnostic::error(
        path,
        line,
        format!(
            "combining mark U+{:04X} after `{base}`: write `{one}` (U+{:04X}), one precomposed character, instead",
            mark as u32, one as u32
        ),
    )
}

/// The one character `base` and `mark` compose to, if there is one.
fn precomposed(base: char, mark: char) -> Option<char> {
    // No combining mark comes before U+0300: most text is decided here.
    if mark < '\u{300}' || !is_combining_mark(mark) || is_combining_mark(base) {
        return None;
    }
    let mut composed = [base, mark].into_iter().nfc();
    match (composed.next(), composed.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

pub(super) fn check_text_glyphs(path: &Path, line: usize, text: &str, diags: &mut Vec<Diagnostic>) {
    check_glyphs_in(path, line, text, Family::Sans, &mut BTreeSet::new(), diags);
}

#[cfg(test)]
mod tests {
    use crate::check::test_support::run;

    #[test]
    fn combining_marks_are_refused_with_the_precomposed_character() {
        assert_eq!(
            run("Cafe\u{301} and cafe\u{301} again, o\u{308}."),
            [
                "10: combining mark U+0301 after `e`: write `é` (U+00E9), one precomposed character, instead",
                "10: combining mark U+0308 after `o`: write `ö` (U+00F6), one precomposed character, instead",
            ]
        );
        // No precomposed form: a formula's x-hat is drawn as it is.
        assert!(run("x\u{302}ᵢ = (xᵢ-μ_B)").is_empty());
        assert!(run("Café, naïve, σ², √d, ₹, →").is_empty());
    }

    #[test]
    fn undrawable_characters_are_reported_once_per_character() {
        let got = run("🎯 and 🎯 and `🎯`");
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].contains("U+1F3AF") && got[0].contains("DejaVu Sans"));
        assert!(got[1].contains("DejaVu Sans Mono"));
    }
}

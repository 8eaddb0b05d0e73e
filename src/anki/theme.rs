//! A bank's own card theme: `content/theme/card.css` (read by the loader),
//! appended after the
//! built-in CSS ([`super::templates::CSS`]), so a bank restyles its cards
//! without a new qbank. Changing it changes the notetype's hash, so the next
//! build gives the notetype a newer `mod` and Anki restyles it in place.
//!
//! The file is styling only: anything that could end the `<style>` element
//! Anki puts it in, run script or fetch from the network is refused, each
//! with its `path:line`.

use crate::diagnostic::Diagnostic;
use crate::model::{Bank, ThemeFile};

/// Where a bank keeps its card theme, relative to its root.
pub const THEME_FILE: &str = crate::load::CARD_THEME;

/// What a theme may not contain (compared in lower case), and why.
const REFUSED: [(&str, &str); 5] = [
    ("<", "`<` could end the style element and start markup"),
    ("@import", "`@import` fetches another style sheet"),
    (
        "url(",
        "`url(` fetches a file; cards carry only their figures",
    ),
    ("expression(", "`expression(` runs script in old browsers"),
    ("javascript:", "`javascript:` is script"),
];

/// The bank's card theme as the loader read it: `None` when the bank has
/// none; its problems when it holds anything but styling.
pub fn read(bank: &Bank) -> Result<Option<&str>, Vec<Diagnostic>> {
    let Some(theme) = &bank.card_theme else {
        return Ok(None);
    };
    let problems = problems(theme);
    if problems.is_empty() {
        Ok(Some(theme.text()))
    } else {
        Err(problems)
    }
}

/// What in `theme` is not styling, each at its line.
fn problems(theme: &ThemeFile) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for (i, line) in theme.text().lines().enumerate() {
        let lower = line.to_ascii_lowercase();
        for (needle, why) in REFUSED {
            if lower.contains(needle) {
                problems.push(Diagnostic::error(
                    &theme.path,
                    i + 1,
                    format!("the card theme is styling only: {why}"),
                ));
            }
        }
    }
    problems
}

/// The theme's problems, for `qbank check`.
pub(crate) fn check(bank: &Bank) -> Vec<Diagnostic> {
    read(bank).err().unwrap_or_default()
}

/// The notetype's CSS: `builtin`, then the bank's theme when it has one.
pub fn card_css(builtin: &str, theme: Option<&str>) -> String {
    match theme {
        Some(theme) => format!(
            "{builtin}\n/* The bank's own theme: content/{THEME_FILE} */\n{}\n",
            theme.trim_end()
        ),
        None => builtin.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bank whose card theme is `text`, as the loader would give it.
    fn bank_with(text: Option<&str>) -> Bank {
        Bank {
            card_theme: text.map(|text| ThemeFile {
                path: THEME_FILE.into(),
                text: text.to_string(),
            }),
            ..Bank::empty("content", "b")
        }
    }

    #[test]
    fn no_theme_is_the_builtin_css() {
        assert_eq!(read(&bank_with(None)).unwrap(), None);
        assert_eq!(card_css("a{}", None), "a{}");
    }

    #[test]
    fn a_theme_is_appended_after_the_builtin_css() {
        let bank = bank_with(Some(".qb-question { color: #0b3d91; }\n"));
        let css = card_css(".card{}", read(&bank).unwrap());
        assert!(css.starts_with(".card{}\n/* The bank's own theme"), "{css}");
        assert!(css.ends_with(".qb-question { color: #0b3d91; }\n"), "{css}");
    }

    #[test]
    fn anything_but_styling_is_refused_with_its_line() {
        let bank = bank_with(Some(
            ".a { color: red; }\n</style><script>alert(1)</script>\n@IMPORT 'x.css';\n.b { background: URL(https://t.example/p.png); }\n",
        ));
        let problems = read(&bank).unwrap_err();
        let lines: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].contains("card.css:2: error:"), "{lines:?}");
        assert!(lines[1].contains("card.css:3: error:") && lines[1].contains("@import"));
        assert!(lines[2].contains("card.css:4: error:") && lines[2].contains("url("));
    }
}

//! A bank's own card theme: `content/theme/card.css`, appended after the
//! built-in CSS ([`super::templates::CSS`]), so a bank restyles its cards
//! without a new qbank. Changing it changes the notetype's hash, so the next
//! build gives the notetype a newer `mod` and Anki restyles it in place.
//!
//! The file is styling only: anything that could end the `<style>` element
//! Anki puts it in, run script or fetch from the network is refused, each
//! with its `path:line`.

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// Where a bank keeps its card theme, relative to its root.
pub const THEME_FILE: &str = "theme/card.css";

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

/// The theme's path in `root`.
pub(crate) fn path(root: &Path) -> PathBuf {
    root.join(THEME_FILE)
}

/// Read the theme: `None` when the bank has none; its problems otherwise.
pub fn read(root: &Path) -> Result<Option<String>, Vec<Diagnostic>> {
    let path = path(root);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(vec![Diagnostic::error(
                &path,
                0,
                format!("cannot read: {e}"),
            )])
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(vec![Diagnostic::error(&path, 0, "is not UTF-8 text")]);
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let lower = line.to_ascii_lowercase();
        for (needle, why) in REFUSED {
            if lower.contains(needle) {
                problems.push(Diagnostic::error(
                    &path,
                    i + 1,
                    format!("the card theme is styling only: {why}"),
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(Some(text))
    } else {
        Err(problems)
    }
}

/// The theme's problems, for `qbank check`.
pub(crate) fn check(root: &Path) -> Vec<Diagnostic> {
    read(root).err().unwrap_or_default()
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

    fn bank_with(theme: Option<&[u8]>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        if let Some(bytes) = theme {
            std::fs::create_dir_all(dir.path().join("theme")).unwrap();
            std::fs::write(dir.path().join(THEME_FILE), bytes).unwrap();
        }
        dir
    }

    #[test]
    fn no_theme_is_the_builtin_css() {
        let dir = bank_with(None);
        assert_eq!(read(dir.path()).unwrap(), None);
        assert_eq!(card_css("a{}", None), "a{}");
    }

    #[test]
    fn a_theme_is_appended_after_the_builtin_css() {
        let dir = bank_with(Some(b"\xef\xbb\xbf.qb-question { color: #0b3d91; }\n"));
        let theme = read(dir.path()).unwrap().unwrap();
        let css = card_css(".card{}", Some(&theme));
        assert!(css.starts_with(".card{}\n/* The bank's own theme"), "{css}");
        assert!(css.ends_with(".qb-question { color: #0b3d91; }\n"), "{css}");
        assert!(!css.contains('\u{feff}'));
    }

    #[test]
    fn anything_but_styling_is_refused_with_its_line() {
        let dir = bank_with(Some(
            b".a { color: red; }\n</style><script>alert(1)</script>\n@IMPORT 'x.css';\n.b { background: URL(https://t.example/p.png); }\n",
        ));
        let problems = read(dir.path()).unwrap_err();
        let lines: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].contains("card.css:2: error:"), "{lines:?}");
        assert!(lines[1].contains("card.css:3: error:") && lines[1].contains("@import"));
        assert!(lines[2].contains("card.css:4: error:") && lines[2].contains("url("));
        let dir = bank_with(Some(b"\xff\xfe"));
        assert!(read(dir.path()).unwrap_err()[0]
            .to_string()
            .contains("not UTF-8"));
    }
}

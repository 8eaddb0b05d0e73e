//! Figures: each reference names a file directly inside `media/`, inside
//! the bank, an SVG that parses and draws in bounded time with text the
//! bundled fonts can draw; and every file in `media/` is shown by some
//! answer. [`Figures`] is what the checker learns about them on its walk.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::figure;
use crate::fonts::{self, Family};
use crate::model::Bank;

/// What the checker learns about figures while it walks the bank: which
/// media files are referenced, and each figure's inspection (done once,
/// however many answers show it).
#[derive(Default)]
pub(super) struct Figures {
    pub(super) referenced: HashSet<String>,
    /// Figures shown so far by the question (or intro) being checked.
    pub(super) shown_here: usize,
    inspected: HashMap<String, Result<figure::Inspected, String>>,
    /// What is at each referenced media path (looked at once per name).
    found: HashMap<String, Found>,
    /// The bank's folder with every link resolved, once it was needed.
    canonical_root: std::cell::OnceCell<Option<std::path::PathBuf>>,
}

/// What is at a figure's path in `media/`.
#[derive(Clone, Copy)]
enum Found {
    /// A link (or `media/` itself) that leads out of the bank.
    Outside,
    Regular,
    /// A folder, pipe, device or dangling link.
    NotRegular,
    Missing,
}

impl Figures {
    /// Inspect the figure `name` of `bank` (bytes the loader read).
    fn inspect(&mut self, bank: &Bank, name: &str) -> Option<&Result<figure::Inspected, String>> {
        if !self.inspected.contains_key(name) {
            let bytes = bank.media.get(name)?;
            let result = figure::inspect(bytes).map_err(|e| e.to_string());
            self.inspected.insert(name.to_string(), result);
        }
        self.inspected.get(name)
    }

    /// What is at `file`, the media path of `name`: looked at on disk (and
    /// its real path resolved) once per name, however many answers show it.
    fn find(&mut self, bank: &Bank, name: &str, file: &Path) -> Found {
        if let Some(found) = self.found.get(name) {
            return *found;
        }
        let found = match fs::symlink_metadata(file) {
            Err(_) => Found::Missing,
            Ok(meta) => {
                let root = self
                    .canonical_root
                    .get_or_init(|| fs::canonicalize(&bank.root).ok());
                let outside = match (fs::canonicalize(file), root.as_deref()) {
                    (Ok(real), Some(root)) => !real.starts_with(root),
                    _ => false,
                };
                if outside {
                    Found::Outside
                } else if meta.is_file() {
                    Found::Regular
                } else {
                    Found::NotRegular
                }
            }
        };
        self.found.insert(name.to_string(), found);
        found
    }
}

pub(super) fn check_figure(
    bank: &Bank,
    path: &Path,
    line: usize,
    dest: &str,
    figures: &mut Figures,
    diags: &mut Vec<Diagnostic>,
) {
    match bank.figure_path(dest) {
        None => diags.push(Diagnostic::error(
            path,
            line,
            format!("figure `{dest}` must be a file directly inside content/media/, written `media/<name>`"),
        )),
        Some(file) => {
            let name = dest.trim_start_matches("media/");
            figures.referenced.insert(name.to_string());
            match figures.find(bank, name, &file) {
                Found::Outside => {
                    diags.push(Diagnostic::error(
                        path,
                        line,
                        format!("figure `{dest}` leads outside the content folder (content/media/ is a symbolic link); keep figures inside the bank"),
                    ));
                }
                Found::Regular => {
                    if is_svg(&file) {
                        match figures.inspect(bank, name) {
                            // Not read: the loader reported why, at the file.
                            None => {}
                            Some(Err(problem)) => diags.push(Diagnostic::error(
                                path,
                                line,
                                format!("figure `{dest}` is {problem}"),
                            )),
                            Some(Ok(inspected)) => {
                                let mut seen = BTreeSet::new();
                                for text in &inspected.text {
                                    for c in text.chars() {
                                        if !fonts::can_draw(Family::Sans, c) && !fonts::can_draw(Family::Mono, c) && seen.insert(c) {
                                            diags.push(Diagnostic::error(
                                                path,
                                                line,
                                                format!("figure `{dest}` has text with the character `{c}` (U+{:04X}), which the bundled fonts cannot draw; change the figure", c as u32),
                                            ));
                                        }
                                    }
                                }
                            }
                        }
                    } else {
                        diags.push(Diagnostic::error(
                            path,
                            line,
                            format!("figure `{dest}` is not an SVG; figures are `.svg` files (draw it as SVG, or convert it)"),
                        ));
                    }
                }
                Found::NotRegular => diags.push(Diagnostic::error(
                    path,
                    line,
                    format!("figure `{dest}` is not a regular file inside content/media/"),
                )),
                Found::Missing => diags.push(Diagnostic::error(
                    path,
                    line,
                    format!("figure `{dest}` not found in content/media/"),
                )),
            }
        }
    }
}

fn is_svg(file: &Path) -> bool {
    file.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("svg"))
}

/// Warn about each file in `media/` no answer shows. The folder is listed
/// here rather than taken from `bank.media`: the loader leaves out what it
/// could not read (a folder, a file too large or past the media budget, a
/// link leading out of the bank), and those are unreferenced too.
pub(super) fn check_unreferenced_media(
    bank: &Bank,
    referenced: &HashSet<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let Ok(entries) = fs::read_dir(bank.media_dir()) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    for name in names {
        if !referenced.contains(&name) {
            diags.push(Diagnostic::warning(
                bank.media_dir().join(&name),
                1,
                "figure is not referenced by any question",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::test_support::run;

    #[test]
    fn figures_are_found_directly_inside_media() {
        assert!(run("![Loss](media/loss-curves.svg)").is_empty());
        assert_eq!(
            run("![x](media/nope.svg)"),
            vec!["10: figure `media/nope.svg` not found in content/media/"]
        );
        assert_eq!(run("![x](/etc/passwd)").len(), 1);
    }
}

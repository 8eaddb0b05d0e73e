//! The checker: rules over a loaded [`Bank`] that need more than one file or
//! look inside the Markdown: duplicate ids, dangling lead-ins, raw HTML,
//! figures (present, an SVG every output can draw in bounded time,
//! referenced), parts that show nothing, control characters the Markdown
//! decodes (`&#31;`), and characters the bundled fonts cannot draw, in the
//! text and inside figures. What `build` could refuse, `check` refuses first
//! (with what each exporter finds on its own: [`crate::export::Exporter::check`],
//! the deck's `bank.lock`).
//!
//! This module runs every rule ([`check`]) and holds the rules over the
//! whole bank (duplicate ids); the rest live beside their
//! concern: `markdown` (inside one Markdown body), `glyphs` (characters
//! the fonts cannot draw, combining marks), `formulas` (formulas and `$`
//! signs) and `figures` (figure files, unreferenced media).

mod figures;
mod formulas;
mod glyphs;
mod markdown;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diagnostic::{self, Diagnostic};
use crate::load::{self, check_title_html};
use crate::model::{Bank, Question};

use figures::{check_unreferenced_media, Figures};
use glyphs::check_text_glyphs;
use markdown::{check_markdown, Body};
pub use markdown::{MAX_ALT_CHARS, MAX_TABLE_COLUMNS};

/// Load and check the bank in `root`. Diagnostics come sorted by file and line.
pub fn load_and_check(root: &Path) -> (Option<Bank>, Vec<Diagnostic>) {
    let loaded = load::load(root);
    let mut diags = loaded.diagnostics;
    if let Some(bank) = &loaded.bank {
        diags.extend(check(bank));
    }
    diagnostic::sort(&mut diags);
    diags.dedup();
    (loaded.bank, diags)
}

/// Every rule that runs on a loaded bank. The questions are checked on
/// every core, each core a contiguous run of them; their problems come
/// back in the bank's order.
pub fn check(bank: &Bank) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    check_duplicate_ids(bank, &mut diags);
    diags.extend(crate::anki::theme::check(bank));
    let questions: Vec<&Question> = bank.questions().map(|(_, q)| q).collect();
    let ids = bank.question_ids();
    let mut referenced = HashSet::new();
    let checked = crate::parallel::map_chunks(&questions, |run| {
        let mut figures = Figures::default();
        let mut diags = Vec::new();
        for q in run {
            check_question(bank, &ids, q, &mut figures, &mut diags);
        }
        (diags, figures.referenced)
    });
    for (problems, figures) in checked {
        diags.extend(problems);
        referenced.extend(figures);
    }
    if let Some(intro) = &bank.intro {
        let mut figures = Figures::default();
        check_markdown(
            bank,
            &ids,
            &intro.path,
            Body::WholeFile,
            &intro.markdown,
            &mut figures,
            &mut diags,
        );
        referenced.extend(figures.referenced);
    }
    let bank_toml = bank.root.join("bank.toml");
    for text in [&bank.title, &bank.subtitle, &bank.description] {
        check_text_glyphs(&bank_toml, 1, text, &mut diags);
    }
    for s in &bank.sections {
        check_text_glyphs(&bank_toml, 1, &s.title, &mut diags);
    }
    check_unreferenced_media(bank, &referenced, &mut diags);
    diags
}

/// The rules for one question: its title, then each part (which must show
/// something) with the rules inside its Markdown.
fn check_question(
    bank: &Bank,
    ids: &HashSet<&str>,
    q: &Question,
    figures: &mut Figures,
    diags: &mut Vec<Diagnostic>,
) {
    figures.shown_here = 0;
    check_text_glyphs(&q.path, q.title_line, &q.title, diags);
    check_title_html(&q.path, q.title_line, &q.title, diags);
    for (kind, part) in q.parts() {
        let found = diags.len();
        let shows = check_markdown(
            bank,
            ids,
            &q.path,
            Body::Trimmed(part.body_line),
            &part.markdown,
            figures,
            diags,
        );
        if !shows {
            // Reported before the problems inside the part, at its heading.
            diags.insert(
                found,
                Diagnostic::error(
                    &q.path,
                    part.heading_line,
                    format!(
                        "part `## {}` shows nothing (only spaces, invisible characters, rules or link definitions); write its answer",
                        kind.heading()
                    ),
                ),
            );
        }
    }
}

fn check_duplicate_ids(bank: &Bank, diags: &mut Vec<Diagnostic>) {
    let mut by_id: HashMap<&str, Vec<(&PathBuf, usize)>> = HashMap::new();
    for (_, q) in bank.questions() {
        by_id
            .entry(q.id.as_str())
            .or_default()
            .push((&q.path, q.id_line));
    }
    for (id, places) in by_id {
        if places.len() < 2 {
            continue;
        }
        for (i, (path, line)) in places.iter().enumerate() {
            let others: Vec<String> = places
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (p, l))| format!("{}:{}", p.display(), l))
                .collect();
            diags.push(Diagnostic::error(
                path,
                *line,
                format!("duplicate id `{id}` (also used at {})", others.join(", ")),
            ));
        }
    }
}

/// What the unit tests of every rule run: a part body of `q.md` starting
/// on line 10, in the good fixture bank.
#[cfg(test)]
mod test_support {
    use std::path::{Path, PathBuf};

    use super::figures::Figures;
    use super::markdown::{check_markdown, Body};
    use crate::load;
    use crate::model::Bank;

    fn bank() -> Bank {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good");
        Bank {
            media: load::load(&root).bank.expect("fixture bank").media,
            ..Bank::empty(root, "b")
        }
    }

    /// The diagnostics of `markdown` as `line: message`.
    pub(super) fn run(markdown: &str) -> Vec<String> {
        let mut diags = Vec::new();
        check_markdown(
            &bank(),
            &std::collections::HashSet::new(),
            Path::new("q.md"),
            Body::Trimmed(10),
            markdown,
            &mut Figures::default(),
            &mut diags,
        );
        diags
            .iter()
            .map(|d| format!("{}: {}", d.line(), d.message))
            .collect()
    }
}

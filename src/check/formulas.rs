//! Formulas and dollar signs: a formula that does not parse or draws a
//! character its font lacks, a `$` that is not a formula but could pair
//! with a later one, and an inline formula that reads like the text between
//! two prices (`$5/$10`).

use std::collections::BTreeSet;
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::fonts::{self, Family};
use crate::math;

/// A formula that does not parse, or draws a character its font lacks.
pub(super) fn check_formula(
    path: &Path,
    line: usize,
    tex: &str,
    seen_math: &mut BTreeSet<char>,
    seen_sans: &mut BTreeSet<char>,
    diags: &mut Vec<Diagnostic>,
) {
    let tree = match math::parse(tex) {
        Ok(tree) => tree,
        Err(e) => {
            let shown: String = tex.trim().chars().take(40).collect();
            diags.push(Diagnostic::error(
                path,
                line,
                format!("formula `{shown}`: {e}"),
            ));
            return;
        }
    };
    let mut chars = Vec::new();
    math::characters(&tree, &mut chars);
    for (c, in_math) in chars {
        let (family, seen) = if in_math {
            (Family::Math, &mut *seen_math)
        } else {
            (Family::Sans, &mut *seen_sans)
        };
        if !fonts::can_draw(family, c) && seen.insert(c) {
            diags.push(Diagnostic::error(
                path,
                line,
                format!(
                    "character `{c}` (U+{:04X}) in a formula cannot be drawn by the bundled font {}",
                    c as u32,
                    family.name()
                ),
            ));
        }
    }
}

/// Does the text run at `range` of `markdown` hold a `$` not written `\$`?
/// Such a dollar is text today, but a second one later in the paragraph
/// would pair with it and turn the words between them into a formula.
pub(super) fn has_unescaped_dollar(markdown: &str, range: std::ops::Range<usize>) -> bool {
    first_unescaped_dollar(markdown, range).is_some()
}

/// The offset of the first `$` in `range` of `markdown` not written `\$`.
pub(super) fn first_unescaped_dollar(
    markdown: &str,
    range: std::ops::Range<usize>,
) -> Option<usize> {
    let bytes = markdown.as_bytes();
    range
        .filter(|&i| bytes.get(i) == Some(&b'$'))
        .find(|&i| i == 0 || bytes[i - 1] != b'\\')
}

pub(super) fn lone_dollar(path: &Path, line: usize) -> Diagnostic {
    Diagnostic::warning(
        path,
        line,
        "a `$` that is not a formula: write `\\$` for a dollar sign, so that another `$` in the paragraph cannot pair with it",
    )
}

/// An inline formula that reads like the text between two prices
/// (`$5/$10` pairs into the formula `5/`): it starts with a digit and a
/// digit follows its closing `$`.
pub(super) fn price_pair(path: &Path, line: usize, tex: &str, after: &str) -> Option<Diagnostic> {
    let starts_with_digit = tex.starts_with(|c: char| c.is_ascii_digit());
    let digit_after = after.starts_with(|c: char| c.is_ascii_digit());
    (starts_with_digit && digit_after).then(|| {
        Diagnostic::warning(
            path,
            line,
            format!("`${tex}$` reads as the text between two prices, set as a formula; write `\\$` for each dollar sign"),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::check::test_support::run;

    #[test]
    fn formulas_that_do_not_parse_or_draw_are_refused_at_their_line() {
        let diags = run(
            "Fine: $\\sigma^2$.\n\nBroken: $\\frac{1}$ and\n$$x^$$\n\nUndrawable: $\\text{🎯}$ ok.",
        );
        assert_eq!(diags.len(), 3, "{diags:?}");
        assert!(
            diags[0].starts_with("12: formula `\\frac{1}`: the formula does not parse"),
            "{diags:?}"
        );
        assert!(
            diags[1].starts_with("13: formula `x^`: the formula does not parse"),
            "{diags:?}"
        );
        assert!(
            diags[2].starts_with("15: character `🎯` (U+1F3AF) in a formula"),
            "{diags:?}"
        );
        assert!(run("$\\newcommand{\\x}{1}$")[0].contains("not allowed"));
        assert!(run("![a $x$ b](media/x.svg)")
            .iter()
            .any(|d| d.contains("a formula in a figure's alt text")));
    }

    #[test]
    fn dollars_that_could_pair_are_warned_about_and_escaped_ones_are_not() {
        assert!(run("It costs \\$5 or \\$10, and $x$ is a formula.").is_empty());
        assert_eq!(
            run("It costs $5 a month."),
            ["10: a `$` that is not a formula: write `\\$` for a dollar sign, so that another `$` in the paragraph cannot pair with it"]
        );
        let pair = run("From $5/$10 a day.");
        assert_eq!(pair.len(), 1, "{pair:?}");
        assert!(
            pair[0].contains("`$5/$` reads as the text between two prices"),
            "{pair:?}"
        );
        // Dollars in code are code.
        assert!(run("Run `echo $HOME`.").is_empty());
    }
}

//! Spreadsheet safety: keeps a cell that a spreadsheet would read as a formula
//! as plain text, and undoes that exactly when a reviewed sheet comes back.
//!
//! The rule (documented in the README): a cell whose text starts with `=`,
//! `+`, `-`, `@`, a tab or a carriage return, or with an apostrophe, gets one
//! extra apostrophe in front. Spreadsheets show it as text (`'=1+1`), never
//! evaluate it. Reading back, one leading apostrophe is removed. Because a
//! value that itself starts with an apostrophe is escaped too, the two steps
//! are exact inverses for every text.

/// The characters that make a spreadsheet treat a cell as a formula.
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The marker put in front of a cell that must stay text.
pub(crate) const TEXT_MARKER: char = '\'';

/// Does a spreadsheet risk reading `value` as a formula (or is it already
/// marked), so that it needs the text marker?
pub(crate) fn needs_marker(value: &str) -> bool {
    value
        .chars()
        .next()
        .is_some_and(|c| c == TEXT_MARKER || FORMULA_TRIGGERS.contains(&c))
}

/// The cell text for `value`: `value` itself, or `'` + `value` when a
/// spreadsheet would otherwise read it as a formula.
pub fn neutralise(value: &str) -> String {
    if needs_marker(value) {
        format!("{TEXT_MARKER}{value}")
    } else {
        value.to_string()
    }
}

/// The value a cell written by [`neutralise`] holds: one leading apostrophe
/// removed, if there is one.
pub fn restore(cell: &str) -> &str {
    cell.strip_prefix(TEXT_MARKER).unwrap_or(cell)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_get_the_marker() {
        assert_eq!(neutralise("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("- a bullet"), "'- a bullet");
        assert_eq!(neutralise("@user"), "'@user");
        assert_eq!(neutralise("\tindented"), "'\tindented");
        assert_eq!(neutralise("\rx"), "'\rx");
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for v in ["Overfitting is…", "σ = 2", "", "a-b", "1 + 1", "₹2 crore"] {
            assert_eq!(neutralise(v), v);
        }
    }

    #[test]
    fn an_apostrophe_start_is_escaped_too() {
        assert_eq!(neutralise("'quoted'"), "''quoted'");
        assert_eq!(restore("''quoted'"), "'quoted'");
    }

    #[test]
    fn restore_inverts_neutralise_exactly() {
        for v in [
            "=1+1", "'=1+1", "''", "'", "-", "plain", "", "@", "\t", "x=1", "+-", "'a",
        ] {
            assert_eq!(restore(&neutralise(v)), v, "value {v:?}");
        }
    }
}

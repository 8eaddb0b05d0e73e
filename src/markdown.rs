//! The bank's Markdown dialect, in one place: the parser options every
//! reader of a bank's Markdown starts from (the loader, the checker, the
//! card, booklet and sheet renderers) and the form of a cross-reference
//! link. A leaf: it depends on nothing else in qbank.

use pulldown_cmark::Options;

/// The Markdown extensions a bank uses: CommonMark plus tables, and
/// formulas in `$…$` (inline) and `$$…$$` (display), written in LaTeX. A
/// dollar sign that is not a formula is written `\$`.
pub(crate) fn markdown_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_MATH
}

/// The question id a cross-reference link points at: `#id` (an id is a
/// lowercase slug, so nothing else starting with `#` is one).
pub(crate) fn xref_target(dest: &str) -> Option<&str> {
    dest.strip_prefix('#').filter(|id| !id.is_empty())
}

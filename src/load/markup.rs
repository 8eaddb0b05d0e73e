//! Rules on inline Markdown that the loader (titles in `bank.toml`) and the
//! checker (question titles and parts) share: raw HTML, and images and
//! formulas where only plain text may stand, refused; control characters
//! that Markdown decoding produces (`&#31;`) found.

use std::path::Path;

use pulldown_cmark::{Event, Parser, Tag};

use super::read::{find_forbidden, forbidden_char_message};
use crate::diagnostic::Diagnostic;
use crate::markdown::markdown_options;

/// Raw HTML in a `# ` title (or the bank's and a section's title) is
/// refused like raw HTML in a part, and so is an image: figures belong in
/// the parts.
pub(crate) fn check_title_html(path: &Path, line: usize, title: &str, diags: &mut Vec<Diagnostic>) {
    for event in Parser::new_ext(title, markdown_options()) {
        match &event {
            Event::Html(html) | Event::InlineHtml(html) => diags.push(raw_html(path, line, html)),
            Event::Start(Tag::Image { dest_url, .. }) => diags.push(Diagnostic::error(
                path,
                line,
                format!("image `{dest_url}` in the `#` title; put figures in a part"),
            )),
            // A title is also the booklet's bookmark and the deck's sort
            // field: plain text only.
            Event::InlineMath(tex) | Event::DisplayMath(tex) => diags.push(Diagnostic::error(
                path,
                line,
                format!("formula `${tex}$` in a title; titles are plain text (bookmarks, the deck's sort field), so write it in words or Unicode, or write `\\$` for a dollar sign"),
            )),
            _ => {}
        }
        decoded_characters(path, line, &event, diags);
    }
}

/// Control characters and noncharacters that Markdown decoding produces
/// (`&#31;` in text, a link title or target), which no file check can see.
/// Returns whether the event had one.
pub(crate) fn decoded_characters(
    path: &Path,
    line: usize,
    event: &Event,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let texts: [(&str, &str); 2] = match event {
        Event::Text(t) | Event::Code(t) => [
            (
                "in the text (written as a character reference such as `&#31;`)",
                t.as_ref(),
            ),
            ("", ""),
        ],
        Event::Start(
            Tag::Link {
                dest_url, title, ..
            }
            | Tag::Image {
                dest_url, title, ..
            },
        ) => [
            ("in a link title", title.as_ref()),
            ("in a link target", dest_url.as_ref()),
        ],
        _ => return false,
    };
    let mut found = false;
    for (place, text) in texts {
        if let Some((_, c, kind)) = find_forbidden(text) {
            found = true;
            diags.push(Diagnostic::error(
                path,
                line,
                forbidden_char_message(c, kind, place),
            ));
        }
    }
    found
}

pub(crate) fn raw_html(path: &Path, line: usize, html: &str) -> Diagnostic {
    let shown: String = html.trim().chars().take(40).collect();
    Diagnostic::error(
        path,
        line,
        format!(
            "raw HTML `{shown}` is not allowed; write it as text, or in backticks to show a tag"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_refuse_raw_html_and_images() {
        let mut diags = Vec::new();
        check_title_html(
            Path::new("q.md"),
            6,
            "Is <b>this</b> ![x](media/a.svg) ok?",
            &mut diags,
        );
        let got: Vec<String> = diags
            .iter()
            .map(|d| format!("{}: {}", d.line(), d.message))
            .collect();
        assert_eq!(
            got,
            [
                "6: raw HTML `<b>` is not allowed; write it as text, or in backticks to show a tag",
                "6: raw HTML `</b>` is not allowed; write it as text, or in backticks to show a tag",
                "6: image `media/a.svg` in the `#` title; put figures in a part",
            ]
        );
    }
}

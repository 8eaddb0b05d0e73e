//! Helpers shared by the integration tests.

use std::fs;
use std::path::Path;

/// Copy the folder `from` (a bank, say) into `to`, recursively, so a test
/// can edit and build it without touching the repository.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// HTML as qbank writes it for a card: only the tags its renderer writes, no
/// event-handler attribute, balanced quotes, and link and image targets that
/// are web addresses or figure names (nothing a browser would run, such as
/// `javascript:` or `data:`).
pub fn assert_no_live_markup(html: &str) {
    const WRITTEN: &[&str] = &[
        "p",
        "code",
        "pre",
        "em",
        "strong",
        "ul",
        "ol",
        "li",
        "a",
        "img",
        "span",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "hr",
        "br",
        "del",
    ];
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = start + rest[start..].find('>').expect("unclosed tag");
        let tag = &rest[start + 1..end];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(WRITTEN.contains(&name.as_str()), "tag `<{tag}>` in {html}");
        // Attribute names only: quoted values are text to the browser.
        let lower = tag.to_ascii_lowercase();
        assert_eq!(
            lower.matches('"').count() % 2,
            0,
            "unbalanced quotes in <{tag}>"
        );
        let names: String = lower.split('"').step_by(2).collect::<Vec<_>>().join(" ");
        assert!(
            !names.split_whitespace().any(|a| a.starts_with("on")),
            "event handler in `<{tag}>`"
        );
        for attr in [" href=\"", " src=\""] {
            if let Some(at) = lower.find(attr) {
                let url = &lower[at + attr.len()..];
                let scheme = url.split(['/', '"']).next().unwrap_or("");
                assert!(
                    url.starts_with("http://")
                        || url.starts_with("https://")
                        || !scheme.contains(':'),
                    "URL that is not a web address in <{tag}>"
                );
            }
        }
        rest = &rest[end + 1..];
    }
}

/// Is `line` of qbank's standard error a line of the snippet printed under a
/// content file's problem (` 14 | the source line`, `    |      ^`)? Each
/// starts with a space, then the line number or the margin `|`.
pub fn is_snippet_line(line: &str) -> bool {
    let rest = line.trim_start();
    line.starts_with(' ')
        && (rest.starts_with('|')
            || rest
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .starts_with(" |"))
}

/// The problems qbank printed on standard error: every line but the
/// snippets under them and the `qbank: ` summary.
pub fn problem_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| !l.starts_with("qbank: ") && !is_snippet_line(l))
        .collect()
}

//! What a learner's Anki stores for one question: the note's fields rendered
//! to HTML, its tags, the figures it references, its GUID and the content
//! hash over all of them. The Anki exporter writes this; the CSV and the
//! lock file quote the same GUID and hash.

use anyhow::{Context, Result};
use pulldown_cmark::{html, CowStr, Event, Parser, Tag};
use sha2::{Digest, Sha256};

use crate::identity::note_guid;
use crate::load::markdown_options;
use crate::model::{Bank, Question, Section};

/// The notetype's fields, in order. The list is permanent: adding a field
/// after release makes every note conflict in learners' collections, so
/// `Extra` is reserved now (empty) for a later part such as follow-ups.
pub const FIELD_NAMES: [&str; 8] = [
    "Question",
    "Plain English",
    "Technical depth",
    "Real-world example",
    "Section",
    "Number",
    "Id",
    "Extra",
];

/// A figure a note shows, under the content-hashed name it gets in Anki.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    /// `loss-curves-3fa94c1d2e0b.svg`: the stem, 12 hex digits of the file's
    /// SHA-256, the extension. A changed figure gets a new name.
    pub name: String,
    /// Shared with the bank's [`crate::model::Media`]: never copied per note.
    pub bytes: std::sync::Arc<[u8]>,
}

/// Everything Anki stores for one question.
#[derive(Debug, Clone)]
pub struct NoteContent {
    pub guid: String,
    /// HTML, one per [`FIELD_NAMES`] entry.
    pub fields: Vec<String>,
    /// Anki tags (hierarchical, under the bank id), sorted.
    pub tags: Vec<String>,
    /// Figures referenced by the fields, sorted by name, without repeats.
    pub media: Vec<MediaFile>,
    /// Hex SHA-256 over GUID, fields, tags and media (see [`content_hash`]).
    pub hash: String,
}

impl NoteContent {
    /// Render `question` (in `section`) as Anki will store it.
    pub fn build(bank: &Bank, section: &Section, question: &Question) -> Result<NoteContent> {
        let mut media = Vec::new();
        let mut render = |md: &str| render_markdown(bank, md, &mut media);
        let fields = vec![
            render_inline(&question.title),
            render(&question.plain.markdown)?,
            render(&question.technical.markdown)?,
            render(&question.example.markdown)?,
            escape(&section.heading()),
            question.number.to_string(),
            escape(&question.id),
            String::new(),
        ];
        media.sort_by(|a: &MediaFile, b| a.name.cmp(&b.name));
        media.dedup_by(|a, b| a.name == b.name);
        let tags = anki_tags(&bank.id, section, question);
        let guid = note_guid(&bank.id, &question.id);
        let hash = content_hash(&guid, &fields, &tags, &media);
        Ok(NoteContent {
            guid,
            fields,
            tags,
            media,
            hash,
        })
    }
}

/// The question's tags plus its section, as `<bank id>::<tag>` and
/// `<bank id>::section::<section id>`.
pub fn anki_tags(bank_id: &str, section: &Section, question: &Question) -> Vec<String> {
    let mut tags: Vec<String> = question
        .tags
        .iter()
        .map(|t| format!("{bank_id}::{t}"))
        .collect();
    tags.push(format!("{bank_id}::section::{}", section.id));
    tags.sort();
    tags.dedup();
    tags
}

/// SHA-256 (hex) over exactly what Anki stores for a note: GUID, every field,
/// the tags, and each media file's name and bytes. Each item is length-prefixed
/// so no two different notes can hash the same by shifting text between fields.
pub fn content_hash(guid: &str, fields: &[String], tags: &[String], media: &[MediaFile]) -> String {
    let mut h = Sha256::new();
    let mut item = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    item(b"qbank-note-v1");
    item(guid.as_bytes());
    for f in fields {
        item(f.as_bytes());
    }
    item(tags.join(" ").as_bytes());
    for m in media {
        item(m.name.as_bytes());
        item(&m.bytes);
    }
    hex::encode(h.finalize())
}

/// HTML-escape text (`& < > "`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// The content-hashed file name a figure gets in the package.
pub fn media_name(file_name: &str, bytes: &[u8]) -> String {
    let digest = hex::encode(&Sha256::digest(bytes)[..6]);
    match file_name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}-{digest}.{ext}"),
        None => format!("{file_name}-{digest}"),
    }
}

/// Is a link target safe to keep as a link on a card?
fn is_safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Render a part's Markdown to HTML: text escaped, raw HTML shown as text,
/// figures pointed at their hashed media names, links only to http(s).
pub fn render_markdown(bank: &Bank, markdown: &str, media: &mut Vec<MediaFile>) -> Result<String> {
    let mut events = Vec::new();
    let mut skip_link_ends = Vec::new();
    for event in Parser::new_ext(markdown, markdown_options()) {
        let event = match event {
            Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let bytes = bank.figure_bytes(&dest_url).with_context(|| {
                    format!("figure `{dest_url}` is not a readable file in content/media/")
                })?;
                let file_name = dest_url.trim_start_matches("media/");
                let name = bank
                    .media
                    .hashed_name(file_name)
                    .map_or_else(|| media_name(file_name, &bytes), str::to_string);
                media.push(MediaFile {
                    name: name.clone(),
                    bytes,
                });
                Event::Start(Tag::Image {
                    link_type,
                    dest_url: CowStr::from(name),
                    title,
                    id,
                })
            }
            Event::Start(Tag::Link { ref dest_url, .. }) => {
                let safe = is_safe_link(dest_url);
                skip_link_ends.push(!safe);
                if !safe {
                    continue;
                }
                event
            }
            Event::End(pulldown_cmark::TagEnd::Link) => {
                if skip_link_ends.pop().unwrap_or(false) {
                    continue;
                }
                event
            }
            other => other,
        };
        events.push(event);
    }
    let mut out = String::new();
    html::push_html(&mut out, events.into_iter());
    Ok(out.trim_end().to_string())
}

/// Render one line of inline Markdown (a title) to HTML without the `<p>`.
/// Raw HTML is shown as text and links to anything but http(s) lose their
/// link (their text stays), as in a part. An image keeps only its alt text:
/// a title shows no figure (the checker refuses one).
pub fn render_inline(markdown: &str) -> String {
    let mut skip_link_ends = Vec::new();
    let events = Parser::new_ext(markdown, markdown_options()).filter_map(|e| match e {
        Event::Html(t) | Event::InlineHtml(t) => Some(Event::Text(t)),
        Event::Start(Tag::Image { .. }) | Event::End(pulldown_cmark::TagEnd::Image) => None,
        Event::Start(Tag::Link { ref dest_url, .. }) => {
            let safe = is_safe_link(dest_url);
            skip_link_ends.push(!safe);
            safe.then_some(e)
        }
        Event::End(pulldown_cmark::TagEnd::Link) => {
            (!skip_link_ends.pop().unwrap_or(false)).then_some(e)
        }
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    let out = out.trim();
    out.strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
        .unwrap_or(out)
        .to_string()
}

/// Strip HTML tags and decode the entities [`escape`] writes: the text Anki
/// uses for `sfld` and `csum`.
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn bank() -> Bank {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good");
        let mut media = crate::model::Media::default();
        let figure = std::fs::read(root.join("media/loss-curves.svg")).unwrap();
        media.insert("loss-curves.svg", figure.into());
        Bank {
            media,
            root,
            id: "fixture-bank".into(),
            title: String::new(),
            subtitle: String::new(),
            description: String::new(),
            date: None,
            intro: None,
            sections: Vec::new(),
        }
    }

    #[test]
    fn raw_html_is_escaped_not_passed() {
        let html =
            render_markdown(&bank(), "a <script>alert(1)</script> b", &mut Vec::new()).unwrap();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    /// Every tag in `html` is one a card is meant to have, with no event
    /// handler and no script URL: hostile markup shows as text.
    fn assert_no_live_markup(html: &str) {
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
            assert!(WRITTEN.contains(&name.as_str()), "tag <{tag}> in {html}");
            let lower = tag.to_ascii_lowercase();
            // Attribute names only: quoted values are text to the browser.
            let names: String = lower.split('"').step_by(2).collect::<Vec<_>>().join(" ");
            assert_eq!(
                lower.matches('"').count() % 2,
                0,
                "unbalanced quotes in <{tag}>"
            );
            assert!(
                !names.split_whitespace().any(|a| a.starts_with("on")),
                "handler in <{tag}>"
            );
            assert!(
                !lower.contains("javascript:")
                    && !lower.contains("vbscript:")
                    && !lower.contains("data:"),
                "script URL in <{tag}>"
            );
            rest = &rest[end + 1..];
        }
    }

    #[test]
    fn hostile_markup_never_renders_live_even_past_the_checker() {
        let vectors = [
            "<script>alert(1)</script>",
            "a <script>alert(1)</script> b",
            "<img src=x onerror=alert(1)>",
            "text <img src=x onerror=alert(1)> text",
            "<svg onload=alert(1)>",
            "<iframe src=\"javascript:alert(1)\"></iframe>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](&#106;avascript:alert(1))",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "<javascript:alert(1)>",
            "[x](https://a.b \"\\\" onmouseover=alert(1) x=\\\"\")",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | <script>x</script> |",
            "- <style>body{display:none}</style>\n- <b onclick=alert(1)>x</b>",
            "> <details open ontoggle=alert(1)>",
            "<!-- <script>alert(1)</script> -->",
            "<![CDATA[<script>alert(1)</script>]]>",
            "`<script>` and ``<img onerror=x>``",
        ];
        for md in vectors {
            let html = render_markdown(&bank(), md, &mut Vec::new()).unwrap();
            assert_no_live_markup(&html);
            // The same in a title (images there are not figures: left to the checker).
            assert_no_live_markup(&render_inline(md));
        }
        // A figure that is not a plain name in media/ is refused outright.
        for md in [
            "![x](javascript:alert(1))",
            "![x](../bank.toml)",
            "![x](/etc/passwd)",
        ] {
            assert!(
                render_markdown(&bank(), md, &mut Vec::new()).is_err(),
                "{md}"
            );
        }
    }

    #[test]
    fn figures_get_hashed_names_and_travel_as_media() {
        let mut media = Vec::new();
        let html =
            render_markdown(&bank(), "![Loss curves](media/loss-curves.svg)", &mut media).unwrap();
        assert_eq!(media.len(), 1);
        assert!(media[0].name.starts_with("loss-curves-") && media[0].name.ends_with(".svg"));
        assert!(
            html.contains(&format!("src=\"{}\"", media[0].name)),
            "{html}"
        );
        assert!(html.contains("alt=\"Loss curves\""), "{html}");
    }

    #[test]
    fn unsafe_links_become_text() {
        let html = render_markdown(
            &bank(),
            "[x](javascript:alert(1)) [y](https://a.b)",
            &mut Vec::new(),
        )
        .unwrap();
        assert!(!html.contains("javascript"), "{html}");
        assert!(html.contains("href=\"https://a.b\""), "{html}");
    }

    #[test]
    fn hash_changes_with_any_field_and_not_otherwise() {
        let f = vec!["a".to_string(), "b".to_string()];
        let h1 = content_hash("g", &f, &[], &[]);
        assert_eq!(h1, content_hash("g", &f, &[], &[]));
        let g = vec!["ab".to_string(), String::new()];
        assert_ne!(h1, content_hash("g", &g, &[], &[]));
        assert_ne!(h1, content_hash("g", &f, &["t".into()], &[]));
    }

    #[test]
    fn inline_title_and_strip() {
        assert_eq!(
            render_inline("What is `x` & y?"),
            "What is <code>x</code> &amp; y?"
        );
        assert_eq!(
            strip_html("What is <code>x</code> &amp; y?"),
            "What is x & y?"
        );
    }
}

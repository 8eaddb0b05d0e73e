//! What a learner's Anki stores for one question: the note's fields rendered
//! to HTML, its tags, the figures it references, its GUID and the content
//! hash over all of them. The Anki exporter writes this; the CSV and the
//! lock file quote the same GUID and hash.
//!
//! A note holds only what an author edits (the question, its three parts,
//! its figures and tags) and its permanent id: nothing positional (number)
//! or presentational (section title), so renumbering, inserting, deleting or
//! re-ordering questions and renaming a section change no note.

use anyhow::{Context, Result};
use pulldown_cmark::{html, CowStr, Event, Parser, Tag, TextMergeStream};
use sha2::{Digest, Sha256};

use crate::identity::note_guid;
use crate::markdown::markdown_options;
use crate::model::{media_name, Bank, Question, Section};
use crate::typography;

/// The notetype's fields, in order. The list is permanent: adding or
/// removing a field after release makes every note conflict in learners'
/// collections (Anki makes a "+" copy of the notetype and updates nothing).
///
/// - `Id`: the question's permanent id, the one field that lets a learner (or
///   a tool) find a note by what the bank calls it (`Id:overfitting`); it
///   never changes, so it costs no update.
/// - `Notice`: the publisher's word about the note itself, empty while the
///   question is current; a removed question's note carries its retirement
///   notice here (shown on both cards).
/// - `Extra`: reserved, kept empty, for a later part such as follow-up
///   questions: an empty field shows nothing and costs nothing, while adding
///   a field later would block every learner's updates. Field ids are
///   permanent, so it can be renamed in place when that part arrives.
pub const FIELD_NAMES: [&str; 7] = [
    "Question",
    "Plain English",
    "Technical depth",
    "Real-world example",
    "Id",
    "Notice",
    "Extra",
];

/// Index of the `Notice` field in [`FIELD_NAMES`].
pub(crate) const NOTICE_FIELD: usize = 5;

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
    /// The note's GUID, derived from the bank and question ids: what Anki
    /// matches an imported note on.
    pub guid: String,
    /// HTML, one per [`FIELD_NAMES`] entry.
    pub fields: Vec<String>,
    /// Anki tags (hierarchical, under the bank id), sorted.
    pub tags: Vec<String>,
    /// Figures referenced by the fields, sorted by name, without repeats.
    pub media: Vec<MediaFile>,
    /// Hex SHA-256 over GUID, fields, tags and media (see [`content_hash`]).
    pub(crate) hash: String,
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
            escape(&question.id),
            String::new(),
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
pub(crate) fn anki_tags(bank_id: &str, section: &Section, question: &Question) -> Vec<String> {
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
/// Since a note holds only authored content and permanent ids, the hash moves
/// only when an author edits the question (or moves it to another section,
/// whose permanent id is one of its tags).
pub(crate) fn content_hash(
    guid: &str,
    fields: &[String],
    tags: &[String],
    media: &[MediaFile],
) -> String {
    let mut h = Sha256::new();
    let mut item = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    item(b"qbank-note-v2");
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
pub(crate) fn escape(text: &str) -> String {
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

/// Is a link target safe to keep as a link on a card?
fn is_safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// A figure on a card: the image under its hashed media name and, under it,
/// its alt text as a caption (both escaped).
fn figure_html(name: &str, alt: &str) -> String {
    let (name, alt) = (escape(name), escape(alt.trim()));
    let caption = if alt.is_empty() {
        String::new()
    } else {
        format!("<span class=\"qb-caption\">{alt}</span>")
    };
    format!("<span class=\"qb-figure\"><img src=\"{name}\" alt=\"{alt}\">{caption}</span>")
}

/// Labels each body cell of a table with its column's header text
/// (`<td data-label="Speed">`), so that on a phone, where the header row is
/// hidden and every row stacks into a small card, each value keeps its label.
#[derive(Default)]
struct TableLabels {
    alignments: Vec<pulldown_cmark::Alignment>,
    in_head: bool,
    /// The header texts of the current table.
    labels: Vec<String>,
    /// The header cell being read.
    label: Option<String>,
    /// The body cell's column.
    column: usize,
}

impl TableLabels {
    /// Pass an event through, noting header texts; a body cell's start
    /// becomes a `<td>` carrying its label (escaped).
    fn see<'e>(&mut self, event: Event<'e>) -> Option<Event<'e>> {
        use pulldown_cmark::{Alignment, TagEnd};
        match &event {
            Event::Start(Tag::Table(alignments)) => {
                self.alignments.clone_from(alignments);
                self.labels.clear();
            }
            Event::Start(Tag::TableHead) => self.in_head = true,
            Event::End(TagEnd::TableHead) => self.in_head = false,
            Event::Start(Tag::TableRow) => self.column = 0,
            Event::Start(Tag::TableCell) if self.in_head => self.label = Some(String::new()),
            Event::End(TagEnd::TableCell) if self.in_head => {
                let label = self.label.take().unwrap_or_default();
                self.labels.push(label.trim().to_string());
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(label) = self.label.as_mut() {
                    label.push_str(t);
                }
            }
            Event::Start(Tag::TableCell) => {
                let column = self.column;
                self.column += 1;
                let style = match self.alignments.get(column) {
                    Some(Alignment::Left) => " style=\"text-align: left\"",
                    Some(Alignment::Center) => " style=\"text-align: center\"",
                    Some(Alignment::Right) => " style=\"text-align: right\"",
                    _ => "",
                };
                let label = match self.labels.get(column) {
                    Some(l) if !l.is_empty() => format!(" data-label=\"{}\"", escape(l)),
                    _ => String::new(),
                };
                return Some(Event::InlineHtml(CowStr::from(format!(
                    "<td{label}{style}>"
                ))));
            }
            _ => {}
        }
        Some(event)
    }
}

/// The bank's Markdown with typography for reading: curly quotes and
/// apostrophes, en and em dashes (pulldown-cmark's smart punctuation), as
/// in the booklet. The review sheet keeps the source as typed.
fn card_options() -> pulldown_cmark::Options {
    markdown_options() | pulldown_cmark::Options::ENABLE_SMART_PUNCTUATION
}

/// Prose gets the booklet's ties and dashes ([`typography::refine`]); the
/// text of a code block stays as typed.
fn refine_text(event: Event<'_>, in_code_block: bool) -> Event<'_> {
    match event {
        Event::Text(t) if !in_code_block => match typography::refine(&t) {
            std::borrow::Cow::Owned(refined) => Event::Text(CowStr::from(refined)),
            std::borrow::Cow::Borrowed(_) => Event::Text(t),
        },
        other => other,
    }
}

/// Render a part's Markdown to HTML: text escaped, raw HTML shown as text,
/// figures pointed at their hashed media names with their alt text as a
/// caption, links only to http(s).
pub fn render_markdown(bank: &Bank, markdown: &str, media: &mut Vec<MediaFile>) -> Result<String> {
    let mut events = Vec::new();
    let mut skip_link_ends = Vec::new();
    // Open links that are cross-references: the question id, and how many
    // events there were when the link opened (none more: it has no text).
    let mut xrefs: Vec<Option<(String, usize)>> = Vec::new();
    // The figure being read: its media name and the alt text so far.
    let mut figure: Option<(String, String)> = None;
    let mut table = TableLabels::default();
    let mut in_code_block = false;
    for event in TextMergeStream::new(Parser::new_ext(markdown, card_options())) {
        match &event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(pulldown_cmark::TagEnd::CodeBlock) => in_code_block = false,
            _ => {}
        }
        let event = refine_text(event, in_code_block);
        // Formulas go to Anki's MathJax in its own delimiters, as text (so
        // escaped like any text): `\(…\)` inline, `\[…\]` on a line of
        // their own.
        let event = match event {
            Event::InlineMath(tex) => Event::Text(CowStr::from(format!("\\({tex}\\)"))),
            Event::DisplayMath(tex) => Event::Text(CowStr::from(format!("\\[{tex}\\]"))),
            other => other,
        };
        // Raw HTML in the source is shown as text; the only markup past this
        // point is what this function writes itself.
        let event = match event {
            Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
            other => other,
        };
        let Some(event) = table.see(event) else {
            continue;
        };
        if let Some((name, alt)) = figure.as_mut() {
            match event {
                Event::End(pulldown_cmark::TagEnd::Image) => {
                    let html = figure_html(name, alt);
                    events.push(Event::InlineHtml(CowStr::from(html)));
                    figure = None;
                }
                Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                    alt.push_str(&t);
                }
                Event::SoftBreak | Event::HardBreak => alt.push(' '),
                _ => {}
            }
            continue;
        }
        let event = match event {
            Event::Start(Tag::Image { dest_url, .. }) => {
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
                figure = Some((name, String::new()));
                continue;
            }
            Event::Start(Tag::Link { ref dest_url, .. }) => {
                let safe = is_safe_link(dest_url);
                skip_link_ends.push(!safe);
                xrefs.push(
                    crate::markdown::xref_target(dest_url).map(|id| (id.to_string(), events.len())),
                );
                if !safe {
                    continue;
                }
                event
            }
            Event::End(pulldown_cmark::TagEnd::Link) => {
                // A cross-reference without text of its own shows the
                // question's title in quotes: a title, not a number, so the
                // note does not change when questions are renumbered.
                if let Some(Some((id, start))) = xrefs.pop() {
                    if events.len() == start {
                        if let Some((_, q)) = bank.questions().find(|(_, q)| q.id == id) {
                            let title = render_inline(&q.title);
                            events.push(Event::InlineHtml(CowStr::from(format!(
                                "\u{201c}{title}\u{201d}"
                            ))));
                        }
                    }
                }
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
    let events = Parser::new_ext(markdown, card_options())
        .map(|e| refine_text(e, false))
        .filter_map(|e| match e {
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
pub(crate) fn strip_html(html: &str) -> String {
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
            ..Bank::empty(root, "fixture-bank")
        }
    }

    #[test]
    fn a_cross_reference_shows_the_title_in_quotes_never_a_number() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good");
        let bank = crate::check::load_and_check(&root).0.expect("fixture bank");
        let html = render_markdown(
            &bank,
            "See [](#precision-recall), and [the first](#overfitting).",
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(
            html,
            "<p>See \u{201c}Explain precision, recall and F1.\u{201d}, and the first.</p>"
        );
    }

    #[test]
    fn cards_get_curly_quotes_dashes_and_ties() {
        let html = render_markdown(
            &bank(),
            "It's \"late\" -- 3--5 days --- or `\"code\" -- as typed`, 2-3 ms.\n\n```\nx86 2-3 days\n```",
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(
            html,
            "<p>It\u{2019}s \u{201c}late\u{201d} \u{2013} 3\u{2013}\u{2060}5\u{a0}days\u{a0}\u{2014} or <code>\"code\" -- as typed</code>, 2\u{2013}\u{2060}3\u{a0}ms.</p>\n<pre><code>x86 2-3 days\n</code></pre>"
        );
        assert_eq!(
            render_inline("Bias \u{2014} variance"),
            "Bias\u{a0}\u{2014} variance"
        );
    }

    #[test]
    fn formulas_go_to_mathjax_escaped_and_prices_stay_text() {
        let html = render_markdown(
            &bank(),
            "Costs \\$5 -- then $a<b$ and\n\n$$\\frac{x}{y} -- z$$",
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(
            html,
            "<p>Costs $5 \u{2013} then \\(a&lt;b\\) and</p>\n<p>\\[\\frac{x}{y} -- z\\]</p>"
        );
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
            "img",
            "span",
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
        assert!(
            html.contains("<span class=\"qb-caption\">Loss curves</span>"),
            "the alt text is the caption: {html}"
        );
    }

    #[test]
    fn a_caption_is_escaped_text() {
        let html = render_markdown(
            &bank(),
            // Quotes in code stay straight (outside code they become curly).
            "![a `\"b\"` <c> & d](media/loss-curves.svg)",
            &mut Vec::new(),
        )
        .unwrap();
        assert!(
            html.contains("alt=\"a &quot;b&quot; &lt;c&gt; &amp; d\""),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"qb-caption\">a &quot;b&quot; &lt;c&gt; &amp; d</span>"),
            "{html}"
        );
        assert_no_live_markup(&html);
    }

    #[test]
    fn table_cells_carry_their_column_label() {
        let md = "| Aspect | `XGBoost` | `a \"b\"` |\n|:---|---:|---|\n| Speed | slow | <x> |\n| Use | y |  |";
        let html = render_markdown(&bank(), md, &mut Vec::new()).unwrap();
        assert!(
            html.contains("<td data-label=\"Aspect\" style=\"text-align: left\">Speed</td>"),
            "{html}"
        );
        assert!(
            html.contains("<td data-label=\"XGBoost\" style=\"text-align: right\">slow</td>"),
            "{html}"
        );
        assert!(
            html.contains("<td data-label=\"a &quot;b&quot;\">&lt;x&gt;</td>"),
            "{html}"
        );
        assert_eq!(html.matches("<td").count(), 6, "{html}");
        assert_eq!(html.matches("</td>").count(), 6, "{html}");
        assert!(
            html.contains("<th style=\"text-align: left\">Aspect</th>"),
            "{html}"
        );
        assert_no_live_markup(&html);
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

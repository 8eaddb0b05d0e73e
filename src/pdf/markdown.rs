//! Markdown → booklet blocks: turns an answer's CommonMark (plus tables) into
//! the small block tree the booklet's template renders (paragraphs, headings,
//! lists, tables, figures, code), keeping inline bold, italic and code as
//! styled spans. The tree is data: it is serialised for the template, never
//! pasted into Typst markup.
//!
//! Typography for print happens here: curly quotes, en and em dashes
//! (pulldown-cmark's smart punctuation), then the ties and range dashes of
//! `crate::typography`, as on the cards.

use pulldown_cmark::{Alignment, Event, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::markdown::{markdown_options, xref_target};
use crate::math;
use crate::typography;

/// How a piece of inline text is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub(crate) struct Inline {
    pub(crate) bold: bool,
    pub(crate) italic: bool,
    pub(crate) code: bool,
}

/// A run of inline text with one style. `\n` inside `text` is a hard line break.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Span {
    /// The text, typography applied.
    pub text: String,
    #[serde(flatten)]
    pub(crate) inline: Inline,
    /// A cross-reference (`[](#question-id)`): the id of the question whose
    /// number and page the template prints here; `text` is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xref: Option<String>,
    /// The reference follows link text of its own (`[see this](#id)`), so the
    /// template prints it in parentheses after that text.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) after_text: bool,
    /// A formula: its tree, typeset by the template; `text` is empty and
    /// `tex` holds the LaTeX (the formula's alternative text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub math: Option<Formula>,
}

/// A formula as the template receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Formula {
    /// The LaTeX as written, for screen readers and the layout estimate.
    pub tex: String,
    /// A display formula (`$$…$$`), set on a line of its own.
    pub(crate) display: bool,
    pub(crate) tree: math::Node,
}

impl Eq for Formula {}

/// Column alignment of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// `:--` or no colon.
    Left,
    /// `:-:`.
    Center,
    /// `--:`.
    Right,
}

/// One block of an answer, in reading order. Serialised as an object whose
/// `kind` names the variant (`"paragraph"`, `"list"`, …).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Block {
    /// A paragraph.
    Paragraph {
        /// Its text.
        spans: Vec<Span>,
    },
    /// A heading inside a part (`### `) or inside the intro (`## `).
    Heading {
        /// 1 for `#`, up to 6.
        level: u8,
        /// Its text.
        spans: Vec<Span>,
    },
    /// A bulleted or numbered list.
    List {
        /// `Some(first number)` for a numbered list.
        start: Option<u64>,
        /// Each item's blocks.
        items: Vec<Vec<Block>>,
    },
    /// A table.
    Table {
        /// Each column's alignment.
        aligns: Vec<Align>,
        /// The header row's cells.
        header: Vec<Vec<Span>>,
        /// The body rows' cells.
        rows: Vec<Vec<Vec<Span>>>,
    },
    /// A paragraph that holds nothing but an image: `![alt](media/x.svg)`.
    Figure {
        /// The alt text: the figure's caption and what a screen reader says.
        alt: String,
        /// `media/x.svg`.
        reference: String,
    },
    /// A code block.
    Code {
        /// Its lines, as written.
        lines: Vec<String>,
    },
    /// A block quote.
    Quote {
        /// What it quotes.
        blocks: Vec<Block>,
    },
    /// A thematic break (`---`).
    Rule,
}

/// The plain text of some spans (for captions, outline titles and tests).
pub fn plain_text(spans: &[Span]) -> String {
    spans.iter().map(|s| s.text.as_str()).collect()
}

/// Parse inline Markdown (a question title) into spans.
pub fn parse_inline(markdown: &str) -> Vec<Span> {
    match parse(markdown).into_iter().next() {
        Some(Block::Paragraph { spans } | Block::Heading { spans, .. }) => spans,
        _ => vec![Span {
            text: markdown.to_string(),
            ..Span::default()
        }],
    }
}

enum Container {
    Blocks(Vec<Block>),
    Quote(Vec<Block>),
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    Item(Vec<Block>),
    Table {
        aligns: Vec<Align>,
        header: Vec<Vec<Span>>,
        rows: Vec<Vec<Vec<Span>>>,
        row: Vec<Vec<Span>>,
        in_head: bool,
    },
}

impl Container {
    fn blocks(&mut self) -> Option<&mut Vec<Block>> {
        match self {
            Container::Blocks(b) | Container::Quote(b) | Container::Item(b) => Some(b),
            _ => None,
        }
    }
}

#[derive(PartialEq)]
enum InlineKind {
    Paragraph,
    /// Text of a tight list item, which has no paragraph around it.
    Loose,
    Heading(u8),
    Cell,
}

struct InlineBuf {
    kind: InlineKind,
    spans: Vec<Span>,
    /// Images seen in this paragraph: (reference, alt text).
    images: Vec<(String, String)>,
    /// Text that is not inside an image (to tell a figure paragraph apart).
    other_text: bool,
}

struct Builder {
    stack: Vec<Container>,
    inline: Option<InlineBuf>,
    bold: u32,
    italic: u32,
    /// Inside `![...]`: (reference, alt text so far).
    image: Option<(String, String)>,
    /// Inside a cross-reference link `[...](#id)`: the id, and whether the
    /// link has text of its own.
    xref: Option<(String, bool)>,
    code_block: Option<String>,
}

impl Builder {
    fn push_text(&mut self, text: &str, code: bool) {
        if let Some((_, alt)) = &mut self.image {
            alt.push_str(text);
            return;
        }
        if let Some((_, has_text)) = &mut self.xref {
            *has_text |= !text.trim().is_empty();
        }
        self.open_inline();
        let inline = Inline {
            bold: self.bold > 0,
            italic: self.italic > 0,
            code,
        };
        let buf = self.inline.as_mut().expect("inline buffer");
        if !text.trim().is_empty() {
            buf.other_text = true;
        }
        match buf.spans.last_mut() {
            Some(last) if last.inline == inline && last.xref.is_none() && last.math.is_none() => {
                last.text.push_str(text);
            }
            _ => buf.spans.push(Span {
                text: text.to_string(),
                inline,
                ..Span::default()
            }),
        }
    }

    /// A formula. One that does not parse (`qbank check` refuses it, so
    /// only a bank built unchecked gets here) is shown as its source.
    fn push_math(&mut self, tex: &str, display: bool) {
        if let Some((_, alt)) = &mut self.image {
            alt.push_str(tex);
            return;
        }
        let Ok(tree) = math::parse(tex) else {
            self.push_text(tex, true);
            return;
        };
        self.open_inline();
        let buf = self.inline.as_mut().expect("inline buffer");
        buf.other_text = true;
        buf.spans.push(Span {
            math: Some(Formula {
                tex: tex.to_string(),
                display,
                tree,
            }),
            ..Span::default()
        });
    }

    /// The cross-reference that a `[...](#id)` link closes with.
    fn push_xref(&mut self, id: String, after_text: bool) {
        self.open_inline();
        let buf = self.inline.as_mut().expect("inline buffer");
        buf.other_text = true;
        buf.spans.push(Span {
            xref: Some(id),
            after_text,
            ..Span::default()
        });
    }

    fn open_inline(&mut self) {
        if self.inline.is_none() {
            self.inline = Some(InlineBuf {
                kind: InlineKind::Loose,
                spans: Vec::new(),
                images: Vec::new(),
                other_text: false,
            });
        }
    }

    fn add_block(&mut self, block: Block) {
        for c in self.stack.iter_mut().rev() {
            if let Some(blocks) = c.blocks() {
                blocks.push(block);
                return;
            }
        }
    }

    /// Close the open inline buffer into a block of the enclosing container.
    fn flush_inline(&mut self) {
        let Some(mut buf) = self.inline.take() else {
            return;
        };
        refine_spans(&mut buf.spans);
        match buf.kind {
            InlineKind::Cell => {
                if let Some(Container::Table { row, .. }) = self.stack.last_mut() {
                    row.push(buf.spans);
                }
            }
            InlineKind::Heading(level) => self.add_block(Block::Heading {
                level,
                spans: buf.spans,
            }),
            InlineKind::Paragraph | InlineKind::Loose => {
                if buf.images.len() == 1 && !buf.other_text {
                    let (reference, alt) = buf.images.into_iter().next().expect("one image");
                    self.add_block(Block::Figure { alt, reference });
                } else if !buf.spans.is_empty() {
                    self.add_block(Block::Paragraph {
                        spans: trim_spans(buf.spans),
                    });
                }
            }
        }
    }

    fn start_inline(&mut self, kind: InlineKind) {
        self.flush_inline();
        self.inline = Some(InlineBuf {
            kind,
            spans: Vec::new(),
            images: Vec::new(),
            other_text: false,
        });
    }
}

/// What smart punctuation leaves to do ([`typography::refine`]): ties and
/// range dashes in prose, never in code.
fn refine_spans(spans: &mut [Span]) {
    for span in spans
        .iter_mut()
        .filter(|s| !s.inline.code && s.math.is_none())
    {
        if let std::borrow::Cow::Owned(refined) = typography::refine(&span.text) {
            span.text = refined;
        }
    }
}

/// Drop leading and trailing whitespace of a paragraph.
fn trim_spans(mut spans: Vec<Span>) -> Vec<Span> {
    if let Some(first) = spans.first_mut() {
        first.text = first.text.trim_start().to_string();
    }
    if let Some(last) = spans.last_mut() {
        last.text = last.text.trim_end().to_string();
    }
    spans.retain(|s| !s.text.is_empty() || s.xref.is_some() || s.math.is_some());
    spans
}

/// Parse a part body (or the intro) into blocks.
pub fn parse(markdown: &str) -> Vec<Block> {
    let mut b = Builder {
        stack: vec![Container::Blocks(Vec::new())],
        inline: None,
        bold: 0,
        italic: 0,
        image: None,
        xref: None,
        code_block: None,
    };
    let options = markdown_options() | Options::ENABLE_SMART_PUNCTUATION;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => b.start_inline(InlineKind::Paragraph),
                Tag::Heading { level, .. } => b.start_inline(InlineKind::Heading(level as u8)),
                Tag::BlockQuote(_) => {
                    b.flush_inline();
                    b.stack.push(Container::Quote(Vec::new()));
                }
                Tag::CodeBlock(_) => {
                    b.flush_inline();
                    b.code_block = Some(String::new());
                }
                Tag::List(start) => {
                    b.flush_inline();
                    b.stack.push(Container::List {
                        start,
                        items: Vec::new(),
                    });
                }
                Tag::Item => {
                    b.flush_inline();
                    b.stack.push(Container::Item(Vec::new()));
                }
                Tag::Table(aligns) => {
                    b.flush_inline();
                    b.stack.push(Container::Table {
                        aligns: aligns
                            .iter()
                            .map(|a| match a {
                                Alignment::Center => Align::Center,
                                Alignment::Right => Align::Right,
                                _ => Align::Left,
                            })
                            .collect(),
                        header: Vec::new(),
                        rows: Vec::new(),
                        row: Vec::new(),
                        in_head: false,
                    });
                }
                Tag::TableHead => {
                    if let Some(Container::Table { in_head, .. }) = b.stack.last_mut() {
                        *in_head = true;
                    }
                }
                Tag::TableCell => b.start_inline(InlineKind::Cell),
                Tag::Emphasis => b.italic += 1,
                Tag::Strong => b.bold += 1,
                Tag::Image { dest_url, .. } => {
                    b.image = Some((dest_url.to_string(), String::new()));
                }
                Tag::Link { dest_url, .. } if b.image.is_none() => {
                    if let Some(id) = xref_target(&dest_url) {
                        b.xref = Some((id.to_string(), false));
                    }
                }
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::TableCell => b.flush_inline(),
                TagEnd::BlockQuote(_) => {
                    b.flush_inline();
                    if let Some(Container::Quote(blocks)) = b.stack.pop() {
                        b.add_block(Block::Quote { blocks });
                    }
                }
                TagEnd::CodeBlock => {
                    let text = b.code_block.take().unwrap_or_default();
                    let lines = text.trim_end_matches('\n').lines().map(str::to_string);
                    b.add_block(Block::Code {
                        lines: lines.collect(),
                    });
                }
                TagEnd::List(_) => {
                    b.flush_inline();
                    if let Some(Container::List { start, items }) = b.stack.pop() {
                        b.add_block(Block::List { start, items });
                    }
                }
                TagEnd::Item => {
                    b.flush_inline();
                    if let Some(Container::Item(blocks)) = b.stack.pop() {
                        if let Some(Container::List { items, .. }) = b.stack.last_mut() {
                            items.push(blocks);
                        }
                    }
                }
                TagEnd::TableHead | TagEnd::TableRow => {
                    if let Some(Container::Table {
                        header,
                        rows,
                        row,
                        in_head,
                        ..
                    }) = b.stack.last_mut()
                    {
                        let cells = std::mem::take(row);
                        if *in_head {
                            *header = cells;
                            *in_head = false;
                        } else {
                            rows.push(cells);
                        }
                    }
                }
                TagEnd::Table => {
                    if let Some(Container::Table {
                        aligns,
                        header,
                        rows,
                        ..
                    }) = b.stack.pop()
                    {
                        b.add_block(Block::Table {
                            aligns,
                            header,
                            rows,
                        });
                    }
                }
                TagEnd::Link if b.image.is_none() => {
                    if let Some((id, has_text)) = b.xref.take() {
                        b.push_xref(id, has_text);
                    }
                }
                TagEnd::Emphasis => b.italic = b.italic.saturating_sub(1),
                TagEnd::Strong => b.bold = b.bold.saturating_sub(1),
                TagEnd::Image => {
                    if let Some((reference, alt)) = b.image.take() {
                        // Inline, the alt text stands in for the image.
                        let had_text = b.inline.as_ref().is_some_and(|i| i.other_text);
                        b.italic += 1;
                        b.push_text(&alt, false);
                        b.italic -= 1;
                        if let Some(buf) = &mut b.inline {
                            buf.other_text = had_text;
                            buf.images.push((reference, alt));
                        }
                    }
                }
                _ => {}
            },
            Event::Text(text) => {
                if let Some(code) = &mut b.code_block {
                    code.push_str(&text);
                } else {
                    b.push_text(&text, false);
                }
            }
            Event::Code(text) => b.push_text(&text, true),
            Event::InlineMath(tex) => b.push_math(&tex, false),
            Event::DisplayMath(tex) => b.push_math(&tex, true),
            Event::SoftBreak => b.push_text(" ", false),
            Event::HardBreak => b.push_text("\n", false),
            Event::Html(text) | Event::InlineHtml(text) => b.push_text(&text, false),
            Event::Rule => {
                b.flush_inline();
                b.add_block(Block::Rule);
            }
            _ => {}
        }
    }
    b.flush_inline();
    match b.stack.into_iter().next() {
        Some(Container::Blocks(blocks)) => blocks,
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Span {
        Span {
            text: s.into(),
            ..Span::default()
        }
    }

    #[test]
    fn cross_references_become_spans_that_name_the_question() {
        let blocks = parse("See [](#overfitting), or [this one](#bias-variance).");
        let Block::Paragraph { spans } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        let xrefs: Vec<(&str, bool)> = spans
            .iter()
            .filter_map(|s| s.xref.as_deref().map(|id| (id, s.after_text)))
            .collect();
        assert_eq!(xrefs, [("overfitting", false), ("bias-variance", true)]);
        assert_eq!(plain_text(spans), "See , or this one.");
        let json = serde_json::to_value(spans).unwrap();
        assert_eq!(json[1]["xref"], "overfitting");
        assert!(json[0].get("xref").is_none());
        // An ordinary link keeps its text and no reference.
        let blocks = parse("[docs](https://example.com)");
        let Block::Paragraph { spans } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(spans, &[text("docs")]);
    }

    #[test]
    fn paragraph_with_styles() {
        let blocks = parse("A **bold** and *it* with `code`.");
        let Block::Paragraph { spans } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(plain_text(spans), "A bold and it with code.");
        assert!(spans[1].inline.bold);
        assert!(spans[3].inline.italic);
        assert!(spans[5].inline.code);
    }

    #[test]
    fn tight_and_numbered_lists() {
        let blocks = parse("Lead-in:\n\n- one\n- **two:** more\n\n3. three\n4. four\n");
        assert_eq!(blocks.len(), 3);
        let Block::List { start, items } = &blocks[1] else {
            panic!()
        };
        assert_eq!(*start, None);
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0],
            vec![Block::Paragraph {
                spans: vec![text("one")]
            }]
        );
        let Block::List { start, items } = &blocks[2] else {
            panic!()
        };
        assert_eq!(*start, Some(3));
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn nested_list_stays_inside_its_item() {
        let blocks = parse("- outer\n  - inner\n- next\n");
        let Block::List { items, .. } = &blocks[0] else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        assert!(matches!(items[0][1], Block::List { .. }));
    }

    #[test]
    fn table_and_figure() {
        let blocks = parse("| A | B |\n|---|--:|\n| 1 | 2 |\n\n![Loss curves](media/x.svg)\n");
        let Block::Table {
            aligns,
            header,
            rows,
        } = &blocks[0]
        else {
            panic!()
        };
        assert_eq!(aligns, &vec![Align::Left, Align::Right]);
        assert_eq!(plain_text(&header[1]), "B");
        assert_eq!(plain_text(&rows[0][0]), "1");
        assert_eq!(
            blocks[1],
            Block::Figure {
                alt: "Loss curves".into(),
                reference: "media/x.svg".into()
            }
        );
    }

    #[test]
    fn print_typography_curls_quotes_and_ties_em_dashes() {
        let blocks = parse("It's \"fine\" -- really --- and then \u{2014} more.");
        let Block::Paragraph { spans } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(
            plain_text(spans),
            "It\u{2019}s \u{201c}fine\u{201d} \u{2013} really\u{a0}\u{2014} and then\u{a0}\u{2014} more."
        );
        // Code keeps its straight quotes.
        let blocks = parse("`a \"b\" -- c`");
        let Block::Paragraph { spans } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(plain_text(spans), "a \"b\" -- c");
    }

    #[test]
    fn blocks_serialise_with_their_kind() {
        let blocks = parse("Hi **there**\n\n- x\n");
        let json = serde_json::to_value(&blocks).unwrap();
        assert_eq!(json[0]["kind"], "paragraph");
        assert_eq!(json[0]["spans"][1]["text"], "there");
        assert_eq!(json[0]["spans"][1]["bold"], true);
        assert_eq!(json[1]["kind"], "list");
        assert_eq!(json[1]["items"][0][0]["spans"][0]["text"], "x");
    }

    #[test]
    fn formulas_become_math_spans_and_prices_stay_text() {
        let blocks = parse(r"Cost \$5, and $\sigma^2$ then $$\frac{a}{b}$$");
        let Block::Paragraph { spans } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(spans[0].text, "Cost $5, and ");
        let inline = spans[1].math.as_ref().expect("inline formula");
        assert_eq!((inline.tex.as_str(), inline.display), (r"\sigma^2", false));
        assert!(spans[1].text.is_empty());
        let display = spans[3].math.as_ref().expect("display formula");
        assert!(display.display);
        let json = serde_json::to_value(spans).unwrap();
        assert_eq!(json[1]["math"]["tree"]["m"], "attach");
        assert!(json[0].get("math").is_none());
        // A formula that does not parse prints as its source, in code.
        let blocks = parse(r"See $\frac{1}$.");
        let Block::Paragraph { spans } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert!(spans.iter().any(|s| s.inline.code && s.text == r"\frac{1}"));
    }

    #[test]
    fn inline_image_keeps_its_alt_text() {
        let blocks = parse("See ![the curve](media/x.svg) here.");
        let Block::Paragraph { spans } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(plain_text(spans), "See the curve here.");
    }
}

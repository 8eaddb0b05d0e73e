//! Layout: sets text into lines (own line breaking, so no word is ever
//! dropped), turns blocks into a flow of items, and cuts the flow into pages
//! with the rules a book needs: keep headings with what follows, no lone first
//! or last line of a paragraph, list markers on the line they belong to,
//! table headers repeated on a new page, sections on a new page.
//!
//! Everything here is measured with the document's own font cache, so the
//! pages painted later are exactly the pages laid out here.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use genpdf::fonts::FontCache;
use genpdf::style::{Color, Style};

use super::fonts::Families;
use super::markdown::{Align, Block, Inline, Span};
use super::theme;

/// A place in the booklet that the contents, links and outline point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Anchor {
    /// Index into `bank.sections`.
    Section(usize),
    /// 0-based index of the question in bank order.
    Question(usize),
}

/// How a figure is laid out: `(typesetter, alt text, reference, indent,
/// accent, space before)`.
pub type FigureFn<'f> =
    dyn FnMut(&mut Typesetter, &str, &str, f64, Option<Accent>, f64) -> Result<()> + 'f;

/// A vertical bar down the left of a part, and the light tint of the box
/// behind it (drawn when the booklet is finished).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accent {
    pub x: f64,
    pub color: Color,
    pub tint: Option<Color>,
}

/// A run of text in one style.
#[derive(Debug, Clone)]
pub struct Run {
    pub text: String,
    pub style: Style,
}

/// Something drawn. Coordinates are millimetres from the top-left of the text
/// block (`y` grows downwards); `y` of text is the top of its line.
#[derive(Debug, Clone)]
pub enum Paint {
    /// Runs printed one after another from `x`; `base` sets the baseline.
    Text {
        x: f64,
        y: f64,
        base: Style,
        runs: Vec<Run>,
    },
    Line {
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        color: Color,
    },
    /// A vertical accent bar, about a millimetre wide; with a tint, the
    /// box from the bar to the right edge of the text block is filled.
    Bar {
        x: f64,
        y1: f64,
        y2: f64,
        color: Color,
        tint: Option<Color>,
    },
    /// A rasterised figure, its top-left corner at (`x`, `y`), printed at
    /// `scale` × its laid-out size.
    Image {
        x: f64,
        y: f64,
        scale: f64,
        raster: std::rc::Rc<super::figure::Raster>,
    },
    /// The page number of `target`, right-aligned on `x_right`.
    PageRef {
        x_right: f64,
        y: f64,
        style: Style,
        target: Anchor,
    },
}

impl Paint {
    fn shifted(&self, dy: f64) -> Paint {
        let mut p = self.clone();
        match &mut p {
            Paint::Text { y, .. } | Paint::PageRef { y, .. } | Paint::Image { y, .. } => *y += dy,
            Paint::Line { y1, y2, .. } | Paint::Bar { y1, y2, .. } => {
                *y1 += dy;
                *y2 += dy;
            }
        }
        p
    }
}

/// What an item tells the pages besides what it draws.
#[derive(Debug, Clone)]
pub enum Mark {
    /// This item is where `Anchor` starts.
    Anchor(Anchor),
    /// This item (its full width and height) links to `Anchor`.
    Link(Anchor),
    /// From this item on, the running header names this.
    Running(String),
}

/// One unit of the flow: a line, a table row, a heading line, a spacer.
#[derive(Debug, Clone, Default)]
pub struct Item {
    pub height: f64,
    /// Space above the item; dropped at the top of a page.
    pub space_before: f64,
    /// Never end a page after this item.
    pub keep_with_next: bool,
    /// Start a new page before this item.
    pub break_before: bool,
    pub paints: Vec<Paint>,
    pub marks: Vec<Mark>,
    /// Accent bar at this `x` in this colour, joined across items.
    pub accent: Option<Accent>,
    /// For a table's body row: the index of the header row to repeat when
    /// this row opens a page.
    pub repeat: Option<usize>,
    /// A figure may be printed a little smaller to finish a page rather than
    /// leave a gap.
    pub shrinkable: bool,
}

/// The smallest a figure is printed to fit the rest of a page.
const MIN_FIGURE_SCALE: f64 = 0.7;

/// `item` (a figure) scaled down to fit `room` millimetres, if it can be
/// without going below [`MIN_FIGURE_SCALE`].
fn shrink_figure(item: &Item, room: f64) -> Option<Item> {
    let (image_h, image_w, image_x) = item.paints.iter().find_map(|p| match p {
        Paint::Image {
            raster, scale, x, ..
        } => Some((raster.height_mm * scale, raster.width_mm * scale, *x)),
        _ => None,
    })?;
    let fixed = item.height - image_h;
    let scale = (room - fixed) / image_h;
    if !(MIN_FIGURE_SCALE..1.0).contains(&scale) {
        return None;
    }
    let lost = image_h * (1.0 - scale);
    let mut smaller = item.clone();
    smaller.height -= lost;
    let image_top = item.paints.iter().find_map(|p| match p {
        Paint::Image { y, .. } => Some(*y),
        _ => None,
    })?;
    for p in &mut smaller.paints {
        match p {
            Paint::Image { x, scale: s, .. } => {
                *x = image_x + image_w * (1.0 - scale) / 2.0;
                *s *= scale;
            }
            Paint::Text { y, .. } if *y > image_top => *y -= lost,
            _ => {}
        }
    }
    Some(smaller)
}

/// One laid-out page.
#[derive(Debug, Clone, Default)]
pub struct PageLayout {
    pub paints: Vec<Paint>,
    /// What the running header names on this page.
    pub running: String,
    /// Title pages carry no header or footer.
    pub plain: bool,
}

/// A link area on a page: `y` and `height` in text-block millimetres.
#[derive(Debug, Clone, Copy)]
pub struct LinkArea {
    pub page: usize,
    pub y: f64,
    pub height: f64,
    pub target: Anchor,
}

/// The booklet cut into pages, with where every anchor landed.
#[derive(Debug, Clone, Default)]
pub struct Pages {
    pub pages: Vec<PageLayout>,
    /// Anchor → (0-based page, y in the text block).
    pub anchors: BTreeMap<Anchor, (usize, f64)>,
    pub links: Vec<LinkArea>,
}

impl Pages {
    /// 1-based page number of an anchor.
    pub fn page_of(&self, anchor: Anchor) -> Option<usize> {
        self.anchors.get(&anchor).map(|(p, _)| p + 1)
    }
}

/// Cut the flow into pages of `height` millimetres.
pub fn paginate(items: &[Item], height: f64) -> Result<Pages> {
    let mut out = Pages::default();
    let mut page = PageLayout::default();
    let mut page_index = 0usize;
    let mut y = 0.0f64;
    let mut empty = true;
    let mut last_accent: Option<Accent> = None;
    let mut running = String::new();
    let mut i = 0;
    let mut header_placed_for: Option<usize> = None;

    while i < items.len() {
        let item = &items[i];
        if item.break_before && !empty {
            new_page(&mut out, &mut page, &mut page_index, &running);
            (y, empty, last_accent) = (0.0, true, None);
        }
        let space = if empty { 0.0 } else { item.space_before };
        if !empty {
            // The group this item must stay with.
            let mut need = space + item.height;
            let mut j = i;
            while items[j].keep_with_next && j + 1 < items.len() && !items[j + 1].break_before {
                j += 1;
                need += items[j].space_before + items[j].height;
            }
            let group_fits_a_page = need - space <= height;
            if item.shrinkable && y + space + item.height > height {
                if let Some(smaller) = shrink_figure(item, height - y - space) {
                    place(
                        &mut out,
                        &mut page,
                        page_index,
                        &smaller,
                        y,
                        &mut last_accent,
                        space,
                    );
                    y += space + smaller.height;
                    empty = false;
                    i += 1;
                    continue;
                }
            }
            if y + space + item.height > height || (group_fits_a_page && y + need > height) {
                new_page(&mut out, &mut page, &mut page_index, &running);
                (y, empty, last_accent) = (0.0, true, None);
                continue;
            }
        } else if item.height > height + 1e-6 {
            bail!("an element is taller than a page ({:.0} mm)", item.height);
        }
        // A table row opening a page brings its header row along.
        if empty && header_placed_for != Some(i) {
            if let Some(h) = item.repeat {
                header_placed_for = Some(i);
                let header = &items[h];
                place(
                    &mut out,
                    &mut page,
                    page_index,
                    header,
                    0.0,
                    &mut last_accent,
                    0.0,
                );
                y = header.height;
                empty = false;
                continue;
            }
        }
        for mark in &item.marks {
            if let Mark::Running(r) = mark {
                running = r.clone();
                if empty {
                    page.running = r.clone();
                }
            }
        }
        if empty && page.running.is_empty() {
            page.running = running.clone();
        }
        place(
            &mut out,
            &mut page,
            page_index,
            item,
            y,
            &mut last_accent,
            space,
        );
        y += space + item.height;
        empty = false;
        i += 1;
    }
    out.pages.push(page);
    Ok(out)
}

fn new_page(out: &mut Pages, page: &mut PageLayout, index: &mut usize, running: &str) {
    out.pages.push(std::mem::take(page));
    page.running = running.to_string();
    *index += 1;
}

fn place(
    out: &mut Pages,
    page: &mut PageLayout,
    page_index: usize,
    item: &Item,
    y: f64,
    last_accent: &mut Option<Accent>,
    space: f64,
) {
    let top = y + space;
    if let Some(accent) = item.accent {
        let joined = *last_accent == Some(accent);
        let y1 = if joined { y } else { top };
        page.paints.push(Paint::Bar {
            x: accent.x,
            y1,
            y2: top + item.height,
            color: accent.color,
            tint: accent.tint,
        });
    }
    *last_accent = item.accent;
    page.paints
        .extend(item.paints.iter().map(|p| p.shifted(top)));
    for mark in &item.marks {
        match mark {
            Mark::Anchor(a) => {
                out.anchors.entry(*a).or_insert((page_index, top));
            }
            Mark::Link(target) => out.links.push(LinkArea {
                page: page_index,
                y: top,
                height: item.height,
                target: *target,
            }),
            Mark::Running(_) => {}
        }
    }
}

/// A word of a paragraph: pieces in their styles, then what follows it.
struct Word {
    pieces: Vec<Run>,
    /// The space after the word (in its style), or a forced line break.
    after: After,
}

enum After {
    Space(Style),
    Newline,
    End,
}

/// Sets text into lines and blocks into items, measuring with the document's fonts.
pub struct Typesetter<'a> {
    cache: &'a FontCache,
    pub families: Families,
    /// Width of the text block in millimetres.
    pub width: f64,
    pub body_size: u8,
    pub items: Vec<Item>,
    /// A list marker waiting for the first line of its item.
    pending_marker: Option<(f64, Run)>,
}

/// A set line: its runs and its width.
pub struct SetLine {
    pub runs: Vec<Run>,
    pub width: f64,
}

impl<'a> Typesetter<'a> {
    pub fn new(cache: &'a FontCache, families: Families, width: f64, body_size: u8) -> Self {
        Typesetter {
            cache,
            families,
            width,
            body_size,
            items: Vec::new(),
            pending_marker: None,
        }
    }

    /// The body style: sans at body size in ink.
    pub fn body(&self) -> Style {
        Style::new()
            .with_font_family(self.families.sans)
            .with_font_size(self.body_size)
            .with_color(theme::INK)
            .with_line_spacing(1.25)
    }

    /// `base` at another size.
    pub fn sized(&self, base: Style, size: u8) -> Style {
        base.with_font_size(size)
    }

    /// The style of an inline span over `base`.
    pub fn inline_style(&self, base: Style, inline: Inline) -> Style {
        let mut s = base;
        if inline.code {
            s = s
                .with_font_family(self.families.mono)
                .with_font_size(base.font_size().saturating_sub(1).max(6))
                .with_color(theme::CODE);
        }
        if inline.bold {
            s = s.bold();
        }
        if inline.italic && !inline.code {
            s = s.italic();
        }
        s
    }

    pub fn text_width(&self, s: &str, style: Style) -> f64 {
        f64::from(style.str_width(self.cache, s))
    }

    pub fn line_height(&self, style: Style) -> f64 {
        f64::from(style.line_height(self.cache))
    }

    /// Split spans into words. Spaces and line breaks separate words; a word
    /// may change style midway (`**bold**,`).
    fn words(&self, spans: &[(String, Style)]) -> Vec<Word> {
        let mut words = Vec::new();
        let mut pieces: Vec<Run> = Vec::new();
        for (text, style) in spans {
            let mut chunk = String::new();
            for c in text.chars() {
                let brk = match c {
                    ' ' | '\t' => Some(After::Space(*style)),
                    '\n' => Some(After::Newline),
                    // Invisible characters draw nothing useful.
                    '\r' | '\u{200b}' | '\u{ad}' => continue,
                    _ => None,
                };
                match brk {
                    Some(after) => {
                        if !chunk.is_empty() {
                            pieces.push(Run {
                                text: std::mem::take(&mut chunk),
                                style: *style,
                            });
                        }
                        if pieces.is_empty() {
                            // Collapse runs of spaces; keep forced breaks.
                            if let After::Newline = after {
                                words.push(Word {
                                    pieces: Vec::new(),
                                    after,
                                });
                            }
                            continue;
                        }
                        words.push(Word {
                            pieces: std::mem::take(&mut pieces),
                            after,
                        });
                    }
                    None => chunk.push(c),
                }
            }
            if !chunk.is_empty() {
                pieces.push(Run {
                    text: chunk,
                    style: *style,
                });
            }
        }
        if !pieces.is_empty() {
            words.push(Word {
                pieces,
                after: After::End,
            });
        }
        words
    }

    fn pieces_width(&self, pieces: &[Run]) -> f64 {
        pieces
            .iter()
            .map(|r| self.text_width(&r.text, r.style))
            .sum()
    }

    /// Break `spans` into lines no wider than `width`. A word wider than the
    /// line is broken between characters, so nothing is ever dropped.
    pub fn wrap(&self, spans: &[(String, Style)], width: f64) -> Vec<SetLine> {
        let mut lines = Vec::new();
        let mut line: Vec<Run> = Vec::new();
        let mut x = 0.0;
        let mut pending_space: Option<Style> = None;
        let push_run = |line: &mut Vec<Run>, text: &str, style: Style| match line.last_mut() {
            Some(last) if last.style == style => last.text.push_str(text),
            _ => line.push(Run {
                text: text.to_string(),
                style,
            }),
        };
        for word in self.words(spans) {
            let w = self.pieces_width(&word.pieces);
            let space_w = match (pending_space, line.is_empty()) {
                (Some(s), false) => self.text_width(" ", s),
                _ => 0.0,
            };
            if !word.pieces.is_empty() {
                if x + space_w + w <= width + 1e-9 {
                    if space_w > 0.0 {
                        push_run(&mut line, " ", pending_space.expect("space style"));
                    }
                    x += space_w;
                } else if w <= width + 1e-9 {
                    lines.push(SetLine {
                        runs: std::mem::take(&mut line),
                        width: x,
                    });
                    x = 0.0;
                } else {
                    // Too wide for any line: break it between characters,
                    // starting on a fresh line when little room is left.
                    if !line.is_empty() && width - x - space_w < width * 0.3 {
                        lines.push(SetLine {
                            runs: std::mem::take(&mut line),
                            width: x,
                        });
                        x = 0.0;
                    } else if space_w > 0.0 {
                        push_run(&mut line, " ", pending_space.expect("space style"));
                        x += space_w;
                    }
                    for piece in &word.pieces {
                        for c in piece.text.chars() {
                            let mut buf = [0u8; 4];
                            let cs: &str = c.encode_utf8(&mut buf);
                            let cw = self.text_width(cs, piece.style);
                            if x + cw > width + 1e-9 && !line.is_empty() {
                                lines.push(SetLine {
                                    runs: std::mem::take(&mut line),
                                    width: x,
                                });
                                x = 0.0;
                            }
                            push_run(&mut line, cs, piece.style);
                            x += cw;
                        }
                    }
                    pending_space = None;
                    match word.after {
                        After::Space(s) => pending_space = Some(s),
                        After::Newline => {
                            lines.push(SetLine {
                                runs: std::mem::take(&mut line),
                                width: x,
                            });
                            x = 0.0;
                        }
                        After::End => {}
                    }
                    continue;
                }
                for piece in &word.pieces {
                    push_run(&mut line, &piece.text, piece.style);
                }
                x += w;
            }
            pending_space = None;
            match word.after {
                After::Space(s) => pending_space = Some(s),
                After::Newline => {
                    lines.push(SetLine {
                        runs: std::mem::take(&mut line),
                        width: x,
                    });
                    x = 0.0;
                }
                After::End => {}
            }
        }
        if !line.is_empty() {
            lines.push(SetLine {
                runs: line,
                width: x,
            });
        }
        lines
    }

    /// Spans of Markdown over `base`.
    pub fn styled(&self, spans: &[Span], base: Style) -> Vec<(String, Style)> {
        spans
            .iter()
            .map(|s| (s.text.clone(), self.inline_style(base, s.inline)))
            .collect()
    }

    /// Add an item, giving it a waiting list marker.
    pub fn push(&mut self, mut item: Item) {
        if let Some((x, run)) = self.pending_marker.take() {
            item.paints.push(Paint::Text {
                x,
                y: 0.0,
                base: run.style,
                runs: vec![run],
            });
        }
        self.items.push(item);
    }

    /// Set a paragraph as one item per line, with orphan and widow control.
    /// `keep_last` keeps its last line with whatever follows.
    #[allow(clippy::too_many_arguments)]
    pub fn paragraph(
        &mut self,
        spans: &[(String, Style)],
        base: Style,
        indent: f64,
        space_before: f64,
        accent: Option<Accent>,
        keep_last: bool,
        marks: Vec<Mark>,
    ) {
        let lines = self.wrap(spans, self.width - indent);
        self.lines(lines, base, indent, space_before, accent, keep_last, marks);
    }

    /// Like [`Typesetter::paragraph`] for a heading: lines are balanced so
    /// the last one does not hold a single word.
    #[allow(clippy::too_many_arguments)]
    pub fn heading(
        &mut self,
        spans: &[(String, Style)],
        base: Style,
        indent: f64,
        space_before: f64,
        accent: Option<Accent>,
        marks: Vec<Mark>,
    ) {
        let lines = self.wrap_balanced(spans, self.width - indent);
        self.lines(lines, base, indent, space_before, accent, true, marks);
    }

    /// Wrap, then narrow the measure a little while that brings a second
    /// word down to a lone last word without adding a line.
    pub fn wrap_balanced(&self, spans: &[(String, Style)], width: f64) -> Vec<SetLine> {
        let lines = self.wrap(spans, width);
        let lone_last = |lines: &[SetLine]| {
            lines.len() >= 2
                && lines
                    .last()
                    .is_some_and(|l| !l.runs.iter().any(|r| r.text.trim().contains(' ')))
        };
        if !lone_last(&lines) {
            return lines;
        }
        for step in 1..=8 {
            let narrower = self.wrap(spans, width * (1.0 - 0.04 * f64::from(step)));
            if narrower.len() > lines.len() {
                break;
            }
            if !lone_last(&narrower) {
                return narrower;
            }
        }
        lines
    }

    /// One item per set line, with orphan and widow control.
    #[allow(clippy::too_many_arguments)]
    fn lines(
        &mut self,
        lines: Vec<SetLine>,
        base: Style,
        indent: f64,
        space_before: f64,
        accent: Option<Accent>,
        keep_last: bool,
        marks: Vec<Mark>,
    ) {
        let lh = self.line_height(base);
        let n = lines.len();
        let mut marks = Some(marks);
        for (k, line) in lines.into_iter().enumerate() {
            let keep = (n >= 2 && (k == 0 || k + 2 == n)) || (k + 1 == n && keep_last);
            self.push(Item {
                height: lh,
                space_before: if k == 0 { space_before } else { 0.0 },
                keep_with_next: keep,
                paints: vec![Paint::Text {
                    x: indent,
                    y: 0.0,
                    base,
                    runs: line.runs,
                }],
                marks: marks.take().unwrap_or_default(),
                accent,
                ..Item::default()
            });
        }
    }

    /// Vertical space between paragraphs.
    pub fn gap(&self) -> f64 {
        self.line_height(self.body()) * 0.5
    }

    /// Lay out Markdown blocks at `indent`.
    pub fn blocks(
        &mut self,
        blocks: &[Block],
        base: Style,
        indent: f64,
        accent: Option<Accent>,
        first_space: f64,
        figure: &mut FigureFn,
    ) -> Result<()> {
        let gap = self.line_height(base) * 0.5;
        for (k, block) in blocks.iter().enumerate() {
            let space = if k == 0 { first_space } else { gap };
            let followed = k + 1 < blocks.len();
            match block {
                Block::Paragraph(spans) => {
                    let ends_with_colon = spans
                        .last()
                        .is_some_and(|s| s.text.trim_end().ends_with(':'));
                    let styled = self.styled(spans, base);
                    self.paragraph(
                        &styled,
                        base,
                        indent,
                        space,
                        accent,
                        ends_with_colon && followed,
                        Vec::new(),
                    );
                }
                Block::Heading { level, spans } => {
                    let size = if *level <= 2 {
                        base.font_size() + 3
                    } else {
                        base.font_size() + 1
                    };
                    let style = base.with_font_size(size).bold();
                    let styled = self.styled(spans, style);
                    let lh = self.line_height(base);
                    self.paragraph(
                        &styled,
                        style,
                        indent,
                        space + lh * 0.3,
                        accent,
                        true,
                        Vec::new(),
                    );
                    if let Some(last) = self.items.last_mut() {
                        last.keep_with_next = followed;
                    }
                }
                Block::List { start, items } => {
                    self.list(*start, items, base, indent, accent, space, figure)?;
                }
                Block::Table {
                    aligns,
                    header,
                    rows,
                } => self.table(aligns, header, rows, base, indent, accent, space)?,
                Block::Figure { alt, reference } => {
                    figure(self, alt, reference, indent, accent, space)?
                }
                Block::Code(lines) => {
                    let style = base
                        .with_font_family(self.families.mono)
                        .with_font_size(base.font_size().saturating_sub(1).max(6))
                        .with_color(theme::INK);
                    let lh = self.line_height(style);
                    let x = indent + 4.0;
                    let mut first = true;
                    for line in lines {
                        let text = if line.is_empty() { " " } else { line.as_str() };
                        let set =
                            self.wrap(&[(text.replace(' ', "\u{a0}"), style)], self.width - x);
                        for l in set {
                            self.push(Item {
                                height: lh,
                                space_before: if first { space } else { 0.0 },
                                paints: vec![
                                    Paint::Bar {
                                        x: indent + 1.0,
                                        y1: 0.0,
                                        y2: lh,
                                        color: theme::RULE,
                                        tint: None,
                                    },
                                    Paint::Text {
                                        x,
                                        y: 0.0,
                                        base: style,
                                        runs: l.runs,
                                    },
                                ],
                                accent,
                                ..Item::default()
                            });
                            first = false;
                        }
                    }
                }
                Block::Quote(inner) => {
                    let style = base.italic();
                    self.blocks(inner, style, indent + 5.0, accent, space, figure)?;
                }
                Block::Rule => {
                    let lh = self.line_height(base);
                    self.push(Item {
                        height: lh,
                        space_before: space,
                        paints: vec![Paint::Line {
                            x1: indent,
                            y1: lh / 2.0,
                            x2: self.width,
                            y2: lh / 2.0,
                            color: theme::RULE,
                        }],
                        accent,
                        ..Item::default()
                    });
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn list(
        &mut self,
        start: Option<u64>,
        items: &[Vec<Block>],
        base: Style,
        indent: f64,
        accent: Option<Accent>,
        space: f64,
        figure: &mut FigureFn,
    ) -> Result<()> {
        let last_number = start.map(|s| s + items.len() as u64 - 1);
        let marker_width = match last_number {
            Some(n) => self.text_width(&format!("{n}."), base) + 2.0,
            None => 4.5,
        };
        let item_gap = self.line_height(base) * 0.15;
        for (k, blocks) in items.iter().enumerate() {
            let marker = match start {
                Some(s) => format!("{}.", s + k as u64),
                None => "•".to_string(),
            };
            let marker_style = base.with_color(theme::INK);
            let mw = self.text_width(&marker, marker_style);
            // Numbers are right-aligned against the item text; bullets sit left.
            let x = if start.is_some() {
                indent + marker_width - 2.0 - mw
            } else {
                indent + 1.0
            };
            self.pending_marker = Some((
                x,
                Run {
                    text: marker,
                    style: marker_style,
                },
            ));
            let sp = if k == 0 { space } else { item_gap };
            self.blocks(blocks, base, indent + marker_width, accent, sp, figure)?;
            self.pending_marker = None;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
    fn table(
        &mut self,
        aligns: &[Align],
        header: &[Vec<Span>],
        rows: &[Vec<Vec<Span>>],
        base: Style,
        indent: f64,
        accent: Option<Accent>,
        space: f64,
    ) -> Result<()> {
        let cols = header
            .len()
            .max(rows.iter().map(Vec::len).max().unwrap_or(0));
        if cols == 0 {
            return Ok(());
        }
        let pad = 1.8;
        let head_style = base.bold();
        fn cell_spans(
            t: &Typesetter,
            row: &[Vec<Span>],
            c: usize,
            style: Style,
        ) -> Vec<(String, Style)> {
            row.get(c).map(|s| t.styled(s, style)).unwrap_or_default()
        }
        // Natural width (one line) and the widest word per column.
        let mut natural = vec![0.0f64; cols];
        let mut widest_word = vec![0.0f64; cols];
        let all_rows =
            std::iter::once((header, head_style)).chain(rows.iter().map(|r| (r.as_slice(), base)));
        for (row, style) in all_rows.clone() {
            for c in 0..cols {
                let spans = cell_spans(self, row, c, style);
                let w: f64 = spans.iter().map(|(t, s)| self.text_width(t, *s)).sum();
                natural[c] = natural[c].max(w + 2.0 * pad);
                for word in self.words(&spans) {
                    widest_word[c] =
                        widest_word[c].max(self.pieces_width(&word.pieces) + 2.0 * pad);
                }
            }
        }
        let avail = self.width - indent;
        let widths: Vec<f64> = if natural.iter().sum::<f64>() <= avail {
            natural.clone()
        } else {
            // Share the width: every column gets its widest word (capped),
            // the rest goes to the columns that want more, in proportion.
            let fair = avail / cols as f64;
            let mut w: Vec<f64> = (0..cols)
                .map(|c| widest_word[c].min(natural[c]).min(fair.max(avail * 0.5)))
                .collect();
            let rest = avail - w.iter().sum::<f64>();
            let want: Vec<f64> = (0..cols).map(|c| (natural[c] - w[c]).max(0.0)).collect();
            let total_want: f64 = want.iter().sum();
            if total_want > 0.0 && rest > 0.0 {
                for c in 0..cols {
                    w[c] += rest * want[c] / total_want;
                }
            }
            w
        };
        let table_width: f64 = widths.iter().sum();
        let mut header_index = None;
        for (r, (row, style)) in all_rows.enumerate() {
            let is_header = r == 0;
            if is_header && header.is_empty() {
                continue;
            }
            let lh = self.line_height(style);
            let mut paints = Vec::new();
            let mut x = indent;
            let mut lines_max = 1;
            for c in 0..cols {
                let spans = cell_spans(self, row, c, style);
                let inner = (widths[c] - 2.0 * pad).max(1.0);
                let lines = self.wrap(&spans, inner);
                lines_max = lines_max.max(lines.len());
                for (k, line) in lines.into_iter().enumerate() {
                    let dx = match aligns.get(c).copied().unwrap_or(Align::Left) {
                        Align::Left => 0.0,
                        Align::Center => (inner - line.width) / 2.0,
                        Align::Right => inner - line.width,
                    };
                    paints.push(Paint::Text {
                        x: x + pad + dx,
                        y: pad * 0.7 + k as f64 * lh,
                        base: style,
                        runs: line.runs,
                    });
                }
                x += widths[c];
            }
            let height = lines_max as f64 * lh + pad * 1.4;
            let rule = |y: f64, color: Color| Paint::Line {
                x1: indent,
                y1: y,
                x2: indent + table_width,
                y2: y,
                color,
            };
            let last = r == rows.len();
            if is_header {
                paints.push(rule(0.0, theme::INK));
                paints.push(rule(height, theme::INK));
            } else if last {
                paints.push(rule(height, theme::INK));
            } else {
                paints.push(rule(height, theme::RULE));
            }
            let index = self.items.len();
            self.push(Item {
                height,
                space_before: if r == 0 || (header.is_empty() && r == 1) {
                    space
                } else {
                    0.0
                },
                keep_with_next: is_header || (r == 1 && rows.len() > 1),
                paints,
                accent,
                repeat: if is_header { None } else { header_index },
                ..Item::default()
            });
            if is_header {
                header_index = Some(index);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typesetter_test(f: impl FnOnce(&mut Typesetter)) {
        let (doc, families) = super::super::fonts::new_document().unwrap();
        let mut t = Typesetter::new(doc.font_cache(), families, 100.0, 10);
        f(&mut t);
    }

    fn text_of(lines: &[SetLine]) -> String {
        lines
            .iter()
            .map(|l| l.runs.iter().map(|r| r.text.as_str()).collect::<String>())
            .collect::<Vec<_>>()
            .join("|")
    }

    #[test]
    fn wraps_without_losing_words() {
        typesetter_test(|t| {
            let body = t.body();
            let text = "one two three four five six seven eight nine ten ".repeat(8);
            let lines = t.wrap(&[(text.clone(), body)], 60.0);
            assert!(lines.len() > 3);
            for l in &lines {
                assert!(l.width <= 60.0 + 1e-6, "{}", l.width);
            }
            let joined = text_of(&lines).replace('|', " ");
            assert_eq!(joined.trim(), text.trim());
        });
    }

    #[test]
    fn breaks_a_word_wider_than_the_line() {
        typesetter_test(|t| {
            let body = t.body();
            let url = "https://example.com/".to_string() + &"averyveryverylongpath/".repeat(6);
            let lines = t.wrap(&[(format!("See {url} now"), body)], 50.0);
            assert!(lines.len() >= 3);
            for l in &lines {
                assert!(l.width <= 50.0 + 1e-6);
            }
            let joined: String = lines
                .iter()
                .flat_map(|l| l.runs.iter().map(|r| r.text.clone()))
                .collect();
            assert_eq!(joined.replace(' ', ""), format!("See{url}now"));
        });
    }

    #[test]
    fn heading_is_never_left_at_the_foot_of_a_page() {
        let line = |keep: bool| Item {
            height: 10.0,
            keep_with_next: keep,
            ..Item::default()
        };
        // 9 lines fill 90 of 100 mm; a heading (kept with the two first lines
        // of its paragraph) would end the page: it must move.
        let mut items: Vec<Item> = (0..9).map(|_| line(false)).collect();
        items.push(Item {
            marks: vec![Mark::Anchor(Anchor::Question(0))],
            ..line(true)
        });
        items.push(line(true));
        items.push(line(false));
        let pages = paginate(&items, 100.0).unwrap();
        assert_eq!(pages.pages.len(), 2);
        assert_eq!(pages.anchors[&Anchor::Question(0)], (1, 0.0));
    }

    #[test]
    fn table_header_repeats_on_a_new_page() {
        let mut items: Vec<Item> = (0..8)
            .map(|_| Item {
                height: 10.0,
                ..Item::default()
            })
            .collect();
        let header = items.len();
        items.push(Item {
            height: 10.0,
            keep_with_next: true,
            paints: vec![Paint::Line {
                x1: 0.0,
                y1: 0.0,
                x2: 1.0,
                y2: 0.0,
                color: theme::INK,
            }],
            ..Item::default()
        });
        for _ in 0..3 {
            items.push(Item {
                height: 10.0,
                repeat: Some(header),
                ..Item::default()
            });
        }
        let pages = paginate(&items, 100.0).unwrap();
        assert_eq!(pages.pages.len(), 2);
        // Page 2 starts with the repeated header rule.
        assert!(matches!(pages.pages[1].paints[0], Paint::Line { y1, .. } if y1 == 0.0));
    }
    #[test]
    fn a_figure_shrinks_a_little_to_finish_a_page() {
        let raster = std::rc::Rc::new(super::super::figure::Raster {
            image: image::DynamicImage::new_rgb8(4, 4),
            width_mm: 80.0,
            height_mm: 40.0,
        });
        let figure = Item {
            height: 50.0,
            shrinkable: true,
            paints: vec![
                Paint::Image {
                    x: 10.0,
                    y: 0.0,
                    scale: 1.0,
                    raster,
                },
                Paint::Text {
                    x: 0.0,
                    y: 42.0,
                    base: Style::new(),
                    runs: Vec::new(),
                },
            ],
            ..Item::default()
        };
        let filler = |h: f64| Item {
            height: h,
            ..Item::default()
        };
        // 44 mm left: the figure prints at 85% on this page.
        let pages = paginate(&[filler(56.0), figure.clone()], 100.0).unwrap();
        assert_eq!(pages.pages.len(), 1);
        let Paint::Image { scale, .. } = pages.pages[0].paints[0] else {
            panic!()
        };
        assert!((scale - 0.85).abs() < 1e-9);
        // Caption moved up with the image.
        assert!(
            matches!(pages.pages[0].paints[1], Paint::Text { y, .. } if (y - (56.0 + 36.0)).abs() < 1e-9)
        );
        // 30 mm left would need 50%: it goes to the next page at full size.
        let pages = paginate(&[filler(70.0), figure], 100.0).unwrap();
        assert_eq!(pages.pages.len(), 2);
    }
}

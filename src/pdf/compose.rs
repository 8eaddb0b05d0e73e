//! Composition: the order and shape of the booklet's pages — title page,
//! introduction and key takeaways, contents with dot leaders and page numbers,
//! then each section on a new page with its questions and their three answers.

use anyhow::{Context, Result};
use genpdf::style::{Color, Style};

use super::layout::{Accent, Anchor, FigureFn, Item, Mark, Paint, Run, Typesetter};
use super::markdown::{self, Span};
use super::theme;
use crate::model::{Bank, PartKind};

/// The booklet's outline (bookmarks): sections, each with its questions.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    pub sections: Vec<OutlineSection>,
}

#[derive(Debug, Clone)]
pub struct OutlineSection {
    pub title: String,
    pub anchor: Anchor,
    pub questions: Vec<(String, Anchor)>,
}

/// The accent colour and label of an answer part.
pub fn part_look(kind: PartKind) -> (Color, &'static str) {
    match kind {
        PartKind::Plain => (theme::PLAIN, "PLAIN ENGLISH"),
        PartKind::Technical => (theme::TECHNICAL, "TECHNICAL DEPTH"),
        PartKind::Example => (theme::EXAMPLE, "REAL-WORLD EXAMPLE"),
    }
}

/// The light fill of an answer part's box.
pub fn part_tint(kind: PartKind) -> Color {
    match kind {
        PartKind::Plain => theme::PLAIN_TINT,
        PartKind::Technical => theme::TECHNICAL_TINT,
        PartKind::Example => theme::EXAMPLE_TINT,
    }
}

/// "2026-11-28" → "28 November 2026"; anything else as written.
pub fn long_date(date: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let parts: Vec<&str> = date.split('-').collect();
    if let [y, m, d] = parts[..] {
        if let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<usize>(), d.parse::<u32>()) {
            if (1..=12).contains(&m) && (1..=31).contains(&d) {
                return format!("{d} {} {y}", MONTHS[m - 1]);
            }
        }
    }
    date.to_string()
}

/// Lay the whole bank out as a flow of items; returns the outline.
pub fn compose(
    t: &mut Typesetter,
    bank: &Bank,
    page_height: f64,
    figure: &mut FigureFn,
) -> Result<Outline> {
    title_page(t, bank, page_height);
    if let Some(intro) = &bank.intro {
        introduction(t, &intro.markdown, figure)
            .with_context(|| format!("cannot lay out {}", intro.path.display()))?;
    }
    contents(t, bank);
    let mut outline = Outline::default();
    let mut number = 0usize;
    for (si, section) in bank.sections.iter().enumerate() {
        section_opener(t, si, &section.letter, &section.title, &section.heading());
        let mut entry = OutlineSection {
            title: section.heading(),
            anchor: Anchor::Section(si),
            questions: Vec::new(),
        };
        for q in &section.questions {
            let spans = markdown::parse_inline(&q.title);
            question_heading(t, number, q.number, &spans);
            for (kind, part) in q.parts() {
                part_body(t, kind, &part.markdown, figure).with_context(|| {
                    format!(
                        "cannot lay out {}:{} ({})",
                        q.path.display(),
                        part.body_line,
                        kind.heading()
                    )
                })?;
            }
            entry.questions.push((
                format!("{}. {}", q.number, markdown::plain_text(&spans)),
                Anchor::Question(number),
            ));
            number += 1;
        }
        outline.sections.push(entry);
    }
    Ok(outline)
}

fn spacer(t: &mut Typesetter, height: f64) {
    t.push(Item {
        height,
        keep_with_next: true,
        ..Item::default()
    });
}

fn plain(text: &str, style: Style) -> Vec<(String, Style)> {
    vec![(text.to_string(), style)]
}

fn title_page(t: &mut Typesetter, bank: &Bank, page_height: f64) {
    let body = t.body();
    t.push(Item {
        height: page_height * 0.22,
        keep_with_next: true,
        marks: vec![Mark::Running(String::new())],
        ..Item::default()
    });
    let title = body
        .with_font_size(if t.width < 120.0 { 22 } else { 28 })
        .bold();
    t.paragraph(
        &plain(&bank.title, title),
        title,
        0.0,
        0.0,
        None,
        true,
        Vec::new(),
    );
    if !bank.subtitle.is_empty() {
        let sub = body
            .with_font_size(if t.width < 120.0 { 13 } else { 16 })
            .with_color(theme::MUTED);
        t.paragraph(
            &plain(&bank.subtitle, sub),
            sub,
            0.0,
            3.0,
            None,
            true,
            Vec::new(),
        );
    }
    let rule_y = 4.0;
    t.push(Item {
        height: 8.0,
        keep_with_next: true,
        paints: vec![Paint::Line {
            x1: 0.0,
            y1: rule_y,
            x2: t.width * 0.4,
            y2: rule_y,
            color: theme::TECHNICAL,
        }],
        ..Item::default()
    });
    let count = bank.question_count();
    let sections = bank.sections.len();
    let facts = format!(
        "{count} question{} in {sections} section{}",
        if count == 1 { "" } else { "s" },
        if sections == 1 { "" } else { "s" }
    );
    let big = body.with_font_size(body.font_size() + 2);
    t.paragraph(
        &plain(&facts, big.bold()),
        big.bold(),
        0.0,
        0.0,
        None,
        true,
        Vec::new(),
    );
    if !bank.description.is_empty() {
        let desc = body.with_font_size(body.font_size() + 1).italic();
        t.paragraph(
            &plain(&bank.description, desc),
            desc,
            0.0,
            6.0,
            None,
            true,
            Vec::new(),
        );
    }
    let legend_style = body;
    let mut legend_first = true;
    for kind in PartKind::ALL {
        let (color, label) = part_look(kind);
        let what = match kind {
            PartKind::Plain => "the answer for a non-technical interviewer",
            PartKind::Technical => "the answer for a senior ML engineer",
            PartKind::Example => "a case from industry",
        };
        let spans = vec![
            (label.to_string(), legend_style.bold().with_color(color)),
            (format!(" — {what}"), legend_style.with_color(theme::MUTED)),
        ];
        t.paragraph(
            &spans,
            legend_style,
            3.0,
            if legend_first { 8.0 } else { 1.0 },
            Some(Accent {
                x: 0.0,
                color,
                tint: None,
            }),
            true,
            Vec::new(),
        );
        legend_first = false;
    }
    if let Some(date) = &bank.date {
        let style = body.with_color(theme::MUTED);
        t.paragraph(
            &plain(&format!("Edition of {}", long_date(date)), style),
            style,
            0.0,
            10.0,
            None,
            false,
            Vec::new(),
        );
    }
}

fn page_title(t: &mut Typesetter, text: &str, running: &str, marks: Vec<Mark>) {
    let style = t.body().with_font_size(t.body_size + 8).bold();
    let mut marks = marks;
    marks.push(Mark::Running(running.to_string()));
    t.paragraph(&plain(text, style), style, 0.0, 0.0, None, true, marks);
    if let Some(first) = t
        .items
        .iter_mut()
        .rev()
        .find(|i| i.marks.iter().any(|m| matches!(m, Mark::Running(_))))
    {
        first.break_before = true;
    }
    spacer(t, 4.0);
}

fn introduction(t: &mut Typesetter, markdown_text: &str, figure: &mut FigureFn) -> Result<()> {
    page_title(t, "Introduction", "Introduction", Vec::new());
    let blocks = markdown::parse(markdown_text);
    let body = t.body();
    t.blocks(&blocks, body, 0.0, None, 0.0, figure)
}

/// Dot leaders from `from` to `to`, aligned on a grid so they line up.
fn leaders(t: &Typesetter, from: f64, to: f64, style: Style) -> Option<Paint> {
    let pitch = t.text_width(". ", style);
    let start = ((from + 1.5) / pitch).ceil() * pitch;
    let count = ((to - start) / pitch).floor();
    if count < 1.0 {
        return None;
    }
    Some(Paint::Text {
        x: start,
        y: 0.0,
        base: style,
        runs: vec![Run {
            text: ". ".repeat(count as usize),
            style,
        }],
    })
}

/// One contents entry: `label` at `x0`, title from `x1`, wrapped, leaders and
/// the page of `target` on its last line.
#[allow(clippy::too_many_arguments)]
fn contents_entry(
    t: &mut Typesetter,
    label: &str,
    x0_right: f64,
    x1: f64,
    spans: &[(String, Style)],
    style: Style,
    target: Anchor,
    space_before: f64,
    keep_with_next: bool,
) {
    let number_col = t.text_width("0000", style);
    let lh = t.line_height(style);
    let lines = t.wrap_balanced(spans, t.width - x1 - number_col - 4.0);
    let n = lines.len();
    let leader_style = style.with_color(theme::MUTED);
    for (k, line) in lines.into_iter().enumerate() {
        let mut paints = Vec::new();
        if k == 0 {
            let lw = t.text_width(label, style);
            paints.push(Paint::Text {
                x: x0_right - lw,
                y: 0.0,
                base: style,
                runs: vec![Run {
                    text: label.to_string(),
                    style,
                }],
            });
        }
        let end = x1 + line.width;
        paints.push(Paint::Text {
            x: x1,
            y: 0.0,
            base: style,
            runs: line.runs,
        });
        if k + 1 == n {
            if let Some(p) = leaders(t, end, t.width - number_col, leader_style) {
                paints.push(p);
            }
            paints.push(Paint::PageRef {
                x_right: t.width,
                y: 0.0,
                style,
                target,
            });
        }
        t.push(Item {
            height: lh,
            space_before: if k == 0 { space_before } else { 0.0 },
            keep_with_next: k + 1 < n || keep_with_next,
            paints,
            marks: vec![Mark::Link(target)],
            ..Item::default()
        });
    }
}

fn contents(t: &mut Typesetter, bank: &Bank) {
    page_title(t, "Contents", "Contents", Vec::new());
    let body = t.body();
    let section_style = body.with_font_size(body.font_size() + 1).bold();
    let mut number = 0usize;
    for (si, section) in bank.sections.iter().enumerate() {
        contents_entry(
            t,
            &section.letter,
            5.0,
            9.0,
            &plain(&section.title, section_style),
            section_style,
            Anchor::Section(si),
            if si == 0 { 0.0 } else { 4.0 },
            true,
        );
        for (k, q) in section.questions.iter().enumerate() {
            let spans = t.styled(&markdown::parse_inline(&q.title), body);
            contents_entry(
                t,
                &format!("{}", q.number),
                15.0,
                18.0,
                &spans,
                body,
                Anchor::Question(number),
                if k == 0 { 1.5 } else { 0.8 },
                false,
            );
            number += 1;
        }
    }
}

fn section_opener(t: &mut Typesetter, index: usize, letter: &str, title: &str, running: &str) {
    let body = t.body();
    let label = body
        .with_font_size(body.font_size() + 1)
        .bold()
        .with_color(theme::MUTED);
    t.paragraph(
        &plain(&format!("SECTION {letter}"), label),
        label,
        0.0,
        0.0,
        None,
        true,
        vec![
            Mark::Anchor(Anchor::Section(index)),
            Mark::Running(running.to_string()),
        ],
    );
    if let Some(item) = t
        .items
        .iter_mut()
        .rev()
        .find(|i| i.marks.iter().any(|m| matches!(m, Mark::Anchor(_))))
    {
        item.break_before = true;
    }
    let big = body.with_font_size(body.font_size() + 12).bold();
    t.paragraph(&plain(title, big), big, 0.0, 2.0, None, true, Vec::new());
    t.push(Item {
        height: 9.0,
        keep_with_next: true,
        paints: vec![Paint::Line {
            x1: 0.0,
            y1: 3.0,
            x2: t.width,
            y2: 3.0,
            color: theme::INK,
        }],
        ..Item::default()
    });
}

fn question_heading(t: &mut Typesetter, index: usize, number: u32, title: &[Span]) {
    let body = t.body();
    let label = body
        .with_font_size(body.font_size().saturating_sub(1))
        .bold()
        .with_color(theme::MUTED);
    let gap = t.line_height(body) * 1.6;
    t.paragraph(
        &plain(&format!("QUESTION {number}"), label),
        label,
        0.0,
        gap,
        None,
        true,
        vec![Mark::Anchor(Anchor::Question(index))],
    );
    let style = body.with_font_size(body.font_size() + 3).bold();
    let spans = t.styled(title, style);
    t.heading(&spans, style, 0.0, 0.5, None, Vec::new());
}

/// Room between a part's text and the right edge of its box (mm).
const BOX_PADDING: f64 = 3.0;

fn part_body(
    t: &mut Typesetter,
    kind: PartKind,
    markdown_text: &str,
    figure: &mut FigureFn,
) -> Result<()> {
    let (color, label) = part_look(kind);
    let tint = part_tint(kind);
    let body = t.body();
    let label_style = body
        .with_font_size(body.font_size().saturating_sub(2).max(6))
        .bold()
        .with_color(color);
    let lh = t.line_height(label_style);
    let label_width = t.text_width(label, label_style);
    // Text keeps clear of the right edge of the part's tinted box.
    let full_width = t.width;
    t.width = full_width - BOX_PADDING;
    let accent = Some(Accent {
        x: 0.3,
        color,
        tint: Some(tint),
    });
    let pad = BOX_PADDING * 0.4;
    t.push(Item {
        height: pad + lh,
        space_before: t.line_height(body) * 0.7,
        keep_with_next: true,
        paints: vec![
            Paint::Text {
                x: 4.0,
                y: pad,
                base: label_style,
                runs: vec![Run {
                    text: label.to_string(),
                    style: label_style,
                }],
            },
            Paint::Line {
                x1: 4.0 + label_width + 2.0,
                y1: pad + lh * 0.55,
                x2: t.width,
                y2: pad + lh * 0.55,
                color,
            },
        ],
        accent,
        ..Item::default()
    });
    let blocks = markdown::parse(markdown_text);
    let indent = 4.0;
    let space = t.line_height(body) * 0.2;
    let laid_out = t.blocks(&blocks, body, indent, accent, space, figure);
    t.width = full_width;
    laid_out?;
    // A little room under the last line, kept with it.
    if let Some(last) = t.items.last_mut() {
        last.keep_with_next = true;
    }
    t.push(Item {
        height: BOX_PADDING * 0.4,
        accent,
        ..Item::default()
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_long() {
        assert_eq!(long_date("2026-11-28"), "28 November 2026");
        assert_eq!(long_date("2026-01-05"), "5 January 2026");
        assert_eq!(long_date("spring 2026"), "spring 2026");
    }
}

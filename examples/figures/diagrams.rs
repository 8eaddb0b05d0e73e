//! The diagrams: layouts drawn from the numbers the answers quote, so the
//! picture and the text agree. Derived numbers (precision, funnel widths,
//! latency totals) are computed here, never typed twice.

use crate::catalogue::Figure;
use crate::svg::{
    num, text_width, Font, Svg, BLUE, BLUE_FILL, GREEN, GREEN_FILL, GREY_FILL, GRID, INK, LABEL,
    MUTED, ORANGE, ORANGE_FILL, PANEL, PURPLE, PURPLE_FILL, SMALL, TITLE, WIDTH,
};

/// A box with a bold first line and smaller lines under it.
#[allow(clippy::too_many_arguments)]
fn titled_box(
    svg: &mut Svg,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    title: &str,
    lines: &[&str],
    fill: &str,
    stroke: &str,
) {
    svg.rect(x, y, w, h, 8.0, fill, stroke);
    let title_font = Font::new(LABEL).bold();
    let line_font = Font::new(SMALL);
    let block = LABEL * 1.25 + SMALL * 1.25 * lines.len() as f64;
    assert!(
        block <= h,
        "{title:?} and {lines:?} do not fit a box {h:.0} high"
    );
    let mut top = y + (h - block) / 2.0;
    svg.text_block(
        x + w / 2.0,
        top + LABEL * 0.625,
        &[title],
        title_font,
        w - 12.0,
    );
    top += LABEL * 1.25;
    for line in lines {
        svg.text_block(
            x + w / 2.0,
            top + SMALL * 0.625,
            &[line],
            line_font,
            w - 12.0,
        );
        top += SMALL * 1.25;
    }
}

fn title(svg: &mut Svg, text: &str) {
    svg.text(WIDTH / 2.0, 38.0, text, Font::new(TITLE).bold().middle());
}

/// A number with thousands separators: 50000000 → "50,000,000".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------

pub fn confusion_matrix() -> Figure {
    // The spam filter of the plain-English answer: 1,000 emails, 100 spam.
    let (tp, fn_, fp, tn) = (90u32, 10u32, 30u32, 870u32);
    let precision = f64::from(tp) / f64::from(tp + fp);
    let recall = f64::from(tp) / f64::from(tp + fn_);
    let f1 = 2.0 * precision * recall / (precision + recall);
    let fpr = f64::from(fp) / f64::from(fp + tn);
    let total = tp + fn_ + fp + tn;

    let mut svg = Svg::new("confusion-matrix", 500.0);
    title(
        &mut svg,
        &format!("Spam filter on {} emails", grouped(u64::from(total))),
    );
    let (left, top, cell_w, cell_h) = (130.0, 120.0, 190.0, 96.0);
    let head = Font::new(LABEL).bold();
    svg.text_block(
        left + cell_w / 2.0,
        86.0,
        &["predicted", "spam"],
        head.fill(BLUE),
        cell_w,
    );
    svg.text_block(
        left + cell_w * 1.5,
        86.0,
        &["predicted", "not spam"],
        head,
        cell_w,
    );
    svg.text_block(
        70.0,
        top + cell_h / 2.0,
        &["actually", "spam"],
        head.fill(PURPLE),
        110.0,
    );
    svg.text_block(
        70.0,
        top + cell_h * 1.5,
        &["actually", "not spam"],
        head,
        110.0,
    );
    let cells = [
        (0.0, 0.0, "TP", tp, "spam caught", GREEN_FILL),
        (1.0, 0.0, "FN", fn_, "spam missed", ORANGE_FILL),
        (0.0, 1.0, "FP", fp, "good mail flagged", ORANGE_FILL),
        (1.0, 1.0, "TN", tn, "good mail passed", GREEN_FILL),
    ];
    for (col, row, name, count, meaning, fill) in cells {
        let (x, y) = (left + col * cell_w, top + row * cell_h);
        titled_box(
            &mut svg,
            x + 4.0,
            y + 4.0,
            cell_w - 8.0,
            cell_h - 8.0,
            &format!("{name} = {count}"),
            &[meaning],
            fill,
            "none",
        );
    }
    // Precision reads down the "predicted spam" column, recall along the
    // "actually spam" row.
    svg.raw(&format!(
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="10" fill="none" stroke="{BLUE}" stroke-width="3.5" stroke-dasharray="10 6"/>"#,
        num(left - 1.0),
        num(top - 1.0),
        num(cell_w + 2.0),
        num(cell_h * 2.0 + 2.0)
    ));
    svg.raw(&format!(
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="10" fill="none" stroke="{PURPLE}" stroke-width="3.5"/>"#,
        num(left - 5.0),
        num(top - 5.0),
        num(cell_w * 2.0 + 10.0),
        num(cell_h + 10.0)
    ));
    let y0 = top + cell_h * 2.0 + 44.0;
    let f = Font::new(LABEL);
    svg.text(
        30.0,
        y0,
        &format!(
            "Precision = TP / (TP + FP) = {tp}/{} = {precision:.2}",
            tp + fp
        ),
        f.fill(BLUE),
    );
    svg.text(
        30.0,
        y0 + 30.0,
        &format!("Recall = TP / (TP + FN) = {tp}/{} = {recall:.2}", tp + fn_),
        f.fill(PURPLE),
    );
    svg.text(30.0, y0 + 60.0, &format!("F1 = 2PR / (P + R) = {f1:.2}"), f);
    svg.text(
        30.0,
        y0 + 90.0,
        &format!("FPR = FP / (FP + TN) = {fp}/{} = {fpr:.3}", fp + tn),
        f,
    );
    Figure {
        file: "confusion-matrix.svg",
        svg: svg.finish("Confusion matrix of a spam filter with precision read down the predicted-spam column and recall along the actual-spam row"),
    }
}

// ---------------------------------------------------------------------------

pub fn decision_tree() -> Figure {
    let mut svg = Svg::new("decision-tree", 520.0);
    title(&mut svg, "Will this delivery be late?");
    let (qw, qh, lw, lh) = (240.0, 52.0, 130.0, 60.0);
    let rows = [76.0, 186.0, 296.0, 406.0];
    let question = |svg: &mut Svg, cx: f64, y: f64, text: &str| {
        svg.label_box(
            cx - qw / 2.0,
            y,
            qw,
            qh,
            &[text],
            Font::new(LABEL).bold(),
            BLUE_FILL,
            BLUE,
        );
    };
    let leaf = |svg: &mut Svg, cx: f64, y: f64, lines: &[&str], late: bool| {
        let (fill, stroke) = if late {
            (ORANGE_FILL, ORANGE)
        } else {
            (GREEN_FILL, GREEN)
        };
        svg.label_box(
            cx - lw / 2.0,
            y,
            lw,
            lh,
            lines,
            Font::new(LABEL).bold(),
            fill,
            stroke,
        );
    };
    // Each "yes" goes down and right to the next question, each "no" down-left to a leaf.
    let questions = [
        (190.0, "distance > 5 km?"),
        (300.0, "peak hour, 7–9 PM?"),
        (400.0, "distance > 8 km?"),
    ];
    let no_leaves: [(f64, &[&str], bool); 3] = [
        (90.0, &["on time"], false),
        (190.0, &["on time"], false),
        (300.0, &["likely late"], true),
    ];
    for (level, (cx, text)) in questions.iter().enumerate() {
        let y = rows[level];
        question(&mut svg, *cx, y, text);
        let bottom = y + qh;
        let child_top = rows[level + 1];
        // "no" branch.
        let (no_cx, no_lines, no_late) = no_leaves[level];
        svg.arrow(cx - 40.0, bottom, no_cx, child_top - 2.0, MUTED);
        svg.text(
            (cx - 40.0 + no_cx) / 2.0 - 14.0,
            (bottom + child_top) / 2.0 + 6.0,
            "no",
            Font::new(SMALL).fill(MUTED).end(),
        );
        leaf(&mut svg, no_cx, child_top, no_lines, no_late);
        // "yes" branch.
        let yes_cx = questions.get(level + 1).map_or(460.0, |q| q.0);
        svg.arrow(cx + 40.0, bottom, yes_cx, child_top - 2.0, INK);
        svg.text(
            (cx + 40.0 + yes_cx) / 2.0 + 14.0,
            (bottom + child_top) / 2.0 + 6.0,
            "yes",
            Font::new(SMALL).bold(),
        );
    }
    leaf(&mut svg, 460.0, rows[3], &["late", "73%"], true);
    svg.text(
        WIDTH / 2.0,
        rows[3] + lh + 34.0,
        "depth 3: each leaf predicts its orders' majority",
        Font::new(SMALL).fill(MUTED).middle(),
    );
    Figure {
        file: "decision-tree.svg",
        svg: svg.finish("A depth-3 decision tree for late deliveries"),
    }
}

// ---------------------------------------------------------------------------

pub fn transformer_block() -> Figure {
    let mut svg = Svg::new("transformer-block", 660.0);
    title(&mut svg, "One Transformer encoder layer");
    let (x, w) = (110.0, 300.0);
    let cx = x + w / 2.0;
    svg.text(
        cx,
        80.0,
        "input tokens",
        Font::new(LABEL).fill(MUTED).middle(),
    );
    svg.arrow(cx, 88.0, cx, 110.0, INK);
    titled_box(
        &mut svg,
        x,
        112.0,
        w,
        64.0,
        "token embedding",
        &["+ positional encoding"],
        GREY_FILL,
        MUTED,
    );
    // The repeated layer, framed.
    let (frame_top, frame_bottom) = (204.0, 560.0);
    svg.raw(&format!(
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="12" fill="none" stroke="{MUTED}" stroke-width="2" stroke-dasharray="8 6"/>"#,
        num(x - 80.0),
        num(frame_top),
        num(w + 160.0),
        num(frame_bottom - frame_top)
    ));
    svg.text(
        x - 66.0,
        (frame_top + frame_bottom) / 2.0,
        "× N",
        Font::new(TITLE).bold().fill(MUTED),
    );
    svg.arrow(cx, 176.0, cx, 232.0, INK);
    let boxes = [
        (
            234.0,
            78.0,
            "multi-head self-attention",
            vec!["softmax(QKᵀ/√d_k)·V", "h heads in parallel"],
            BLUE_FILL,
            BLUE,
        ),
        (338.0, 44.0, "add & layer norm", vec![], GREY_FILL, MUTED),
        (
            408.0,
            64.0,
            "feed-forward (per token)",
            vec!["d_ff = 4 × d_model"],
            ORANGE_FILL,
            ORANGE,
        ),
        (498.0, 44.0, "add & layer norm", vec![], GREY_FILL, MUTED),
    ];
    for (i, (y, h, name, lines, fill, stroke)) in boxes.iter().enumerate() {
        titled_box(&mut svg, x, *y, w, *h, name, lines, fill, stroke);
        if let Some(next) = boxes.get(i + 1) {
            svg.arrow(cx, y + h, cx, next.0 - 2.0, INK);
        }
    }
    // Residual connections: around attention, and around the feed-forward.
    let rail = x + w + 40.0;
    for (from, to) in [(218.0, 360.0), (392.0, 520.0)] {
        svg.elbow_arrow(
            &[(cx, from), (rail, from), (rail, to), (x + w + 2.0, to)],
            PURPLE,
        );
    }
    svg.text(rail + 8.0, 300.0, "residual", Font::new(SMALL).fill(PURPLE));
    svg.arrow(cx, 542.0, cx, 590.0, INK);
    svg.text(
        cx,
        616.0,
        "a context-aware vector per token",
        Font::new(LABEL).middle(),
    );
    Figure {
        file: "transformer-block.svg",
        svg: svg.finish("A Transformer encoder layer: self-attention and feed-forward, each with a residual and layer norm"),
    }
}

// ---------------------------------------------------------------------------

pub fn rag_pipeline() -> Figure {
    let mut svg = Svg::new("rag-pipeline", 600.0);
    title(&mut svg, "Retrieval-augmented generation");
    let (left_x, right_x, w, h) = (22.0, 288.0, 230.0, 72.0);
    let rows = [110.0, 210.0, 310.0, 410.0, 510.0];
    svg.text(
        left_x + w / 2.0,
        84.0,
        "offline: index",
        Font::new(LABEL).bold().fill(MUTED).middle(),
    );
    svg.text(
        right_x + w / 2.0,
        84.0,
        "per question",
        Font::new(LABEL).bold().fill(MUTED).middle(),
    );
    let left: [(&str, &[&str]); 3] = [
        ("documents", &["docs, policies, FAQs"]),
        ("chunk + embed", &["one vector per chunk"]),
        ("1 · vector store", &["FAISS, Pinecone …"]),
    ];
    let right: [(&str, &[&str], &str, &str); 5] = [
        ("user question", &[], GREY_FILL, MUTED),
        ("embed the query", &[], GREY_FILL, MUTED),
        ("2 · retrieve", &["top-k chunks (ANN)"], BLUE_FILL, BLUE),
        (
            "3 · augment",
            &["prompt: the question", "+ the chunks"],
            PURPLE_FILL,
            PURPLE,
        ),
        (
            "4 · generate",
            &["the LLM answers", "citing the chunks"],
            ORANGE_FILL,
            ORANGE,
        ),
    ];
    for (i, (name, lines)) in left.iter().enumerate() {
        let (fill, stroke) = if i == 2 {
            (GREEN_FILL, GREEN)
        } else {
            (GREY_FILL, MUTED)
        };
        titled_box(&mut svg, left_x, rows[i], w, h, name, lines, fill, stroke);
        if i < 2 {
            svg.arrow(
                left_x + w / 2.0,
                rows[i] + h,
                left_x + w / 2.0,
                rows[i + 1] - 2.0,
                INK,
            );
        }
    }
    for (i, (name, lines, fill, stroke)) in right.iter().enumerate() {
        titled_box(&mut svg, right_x, rows[i], w, h, name, lines, fill, stroke);
        if i < 4 {
            svg.arrow(
                right_x + w / 2.0,
                rows[i] + h,
                right_x + w / 2.0,
                rows[i + 1] - 2.0,
                INK,
            );
        }
    }
    // The vector store answers the retrieval.
    svg.arrow(
        left_x + w,
        rows[2] + h / 2.0,
        right_x - 2.0,
        rows[2] + h / 2.0,
        GREEN,
    );
    svg.text_block(
        left_x + w / 2.0,
        rows[3] + 60.0,
        &["docs changed?", "re-index: 1 hour", "(fine-tuning: 1 week)"],
        Font::new(SMALL).fill(MUTED),
        w,
    );
    Figure {
        file: "rag-pipeline.svg",
        svg: svg.finish("RAG: documents are indexed offline; each question retrieves top-k chunks that are added to the prompt"),
    }
}

// ---------------------------------------------------------------------------

pub fn two_stage_retrieval() -> Figure {
    // The plain-English answer's numbers.
    let catalogue: u64 = 50_000_000;
    let candidates: u64 = 500;
    let shown: u64 = 20;
    let (stage1_ms, stage2_ms, budget_ms) = (10.0, 30.0, 50.0);

    let mut svg = Svg::new("two-stage-retrieval", 600.0);
    title(&mut svg, "Two-stage retrieval");
    // Bar widths on a log scale: each stage cuts orders of magnitude.
    let full = 480.0;
    let width_of = |n: u64| full * (n as f64).log10() / (catalogue as f64).log10();
    let cx = WIDTH / 2.0;
    let levels = [
        (
            70.0,
            catalogue,
            format!("{} products", grouped(catalogue)),
            GREY_FILL,
        ),
        (
            230.0,
            candidates,
            format!("{candidates} candidates"),
            BLUE_FILL,
        ),
        (390.0, shown, format!("top {shown}"), ORANGE_FILL),
    ];
    // A bar is never narrower than its label.
    let bar_width = |n: u64, label: &str| width_of(n).max(text_width(label, LABEL, true) + 24.0);
    for (i, (y, n, label, fill)) in levels.iter().enumerate() {
        let w = bar_width(*n, label);
        svg.label_box(
            cx - w / 2.0,
            *y,
            w,
            50.0,
            &[label],
            Font::new(LABEL).bold(),
            fill,
            MUTED,
        );
        if let Some((next_y, next_n, next_label, _)) = levels.get(i + 1) {
            let next_w = bar_width(*next_n, next_label);
            svg.polygon(
                &[
                    (cx - w / 2.0 + 10.0, y + 56.0),
                    (cx + w / 2.0 - 10.0, y + 56.0),
                    (cx + next_w / 2.0 - 4.0, next_y - 6.0),
                    (cx - next_w / 2.0 + 4.0, next_y - 6.0),
                ],
                GRID,
                "none",
            );
        }
    }
    svg.text_block(
        cx,
        162.0,
        &[
            "stage 1 · ANN retrieval",
            &format!("fast, approximate: {stage1_ms:.0} ms"),
        ],
        Font::new(SMALL).bold().fill(BLUE),
        300.0,
    );
    svg.text_block(
        cx,
        322.0,
        &["stage 2 · ranker", &format!("{stage2_ms:.0} ms")],
        Font::new(SMALL).bold().fill(ORANGE),
        180.0,
    );
    // The latency budget, to scale.
    let (bar_x, bar_w, bar_y) = (40.0, 460.0, 500.0);
    let scale = bar_w / budget_ms;
    svg.text(
        bar_x,
        bar_y - 14.0,
        &format!("latency budget: {budget_ms:.0} ms"),
        Font::new(LABEL).bold(),
    );
    svg.rect(bar_x, bar_y, bar_w, 36.0, 6.0, GREY_FILL, MUTED);
    svg.rect(bar_x, bar_y, stage1_ms * scale, 36.0, 6.0, BLUE, "none");
    svg.rect(
        bar_x + stage1_ms * scale,
        bar_y,
        stage2_ms * scale,
        36.0,
        0.0,
        ORANGE,
        "none",
    );
    svg.text(
        bar_x + stage1_ms * scale / 2.0,
        bar_y + 25.0,
        &format!("{stage1_ms:.0} ms"),
        Font::new(SMALL).bold().fill(PANEL).middle(),
    );
    svg.text(
        bar_x + (stage1_ms + stage2_ms / 2.0) * scale,
        bar_y + 25.0,
        &format!("{stage2_ms:.0} ms"),
        Font::new(SMALL).bold().fill(PANEL).middle(),
    );
    svg.text(
        bar_x + (stage1_ms + stage2_ms + (budget_ms - stage1_ms - stage2_ms) / 2.0) * scale,
        bar_y + 25.0,
        "spare",
        Font::new(SMALL).fill(MUTED).middle(),
    );
    // Why: ranking everything would not fit.
    let per_item_us = 1.0;
    let everything_s = catalogue as f64 * per_item_us / 1e6;
    svg.text(
        cx,
        bar_y + 70.0,
        &format!(
            "ranking all {}M at {per_item_us:.0} µs each: {everything_s:.0} s",
            catalogue / 1_000_000
        ),
        Font::new(SMALL).fill(MUTED).middle(),
    );
    Figure {
        file: "two-stage-retrieval.svg",
        svg: svg.finish("Two-stage retrieval: 50 million products to 500 candidates in 10 ms, then a ranker picks the top 20 in 30 ms"),
    }
}

// ---------------------------------------------------------------------------

pub fn champion_challenger() -> Figure {
    let mut svg = Svg::new("champion-challenger", 620.0);
    title(&mut svg, "Promoting a challenger safely");
    let (label_x, bar_x, bar_w, row_h) = (24.0, 290.0, 220.0, 78.0);
    svg.text_block(
        bar_x + bar_w / 2.0,
        80.0,
        &["challenger's share", "of live traffic"],
        Font::new(SMALL).fill(MUTED),
        bar_w,
    );
    // (stage, detail, share served from, share served to, shadow copy?)
    let stages: [(&str, &str, f64, f64, bool); 5] = [
        ("1 · offline test", "held-out, time-based", 0.0, 0.0, false),
        ("2 · shadow", "24 h, logged only", 0.0, 0.0, true),
        ("3 · canary", "48 h", 0.05, 0.05, false),
        ("4 · gradual", "4 h, auto-rollback", 0.05, 1.0, false),
        ("5 · new champion", "old one at 0 replicas", 1.0, 1.0, false),
    ];
    let top = 120.0;
    for (i, (stage, detail, from, to, shadow)) in stages.iter().enumerate() {
        let y = top + row_h * i as f64;
        svg.text(label_x, y + 28.0, stage, Font::new(LABEL).bold());
        svg.text(label_x, y + 52.0, detail, Font::new(SMALL).fill(MUTED));
        let (by, bh) = (y + 14.0, 44.0);
        svg.rect(bar_x, by, bar_w, bh, 6.0, GREY_FILL, "none");
        if *shadow {
            svg.raw(&format!(
                r#"<rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="none" stroke="{BLUE}" stroke-width="2.5" stroke-dasharray="8 5"/>"#,
                num(bar_x),
                num(by),
                num(bar_w),
                num(bh)
            ));
            svg.text_block(
                bar_x + bar_w / 2.0,
                by + bh / 2.0,
                &["sees 100%, serves 0%"],
                Font::new(SMALL).fill(BLUE),
                bar_w - 16.0,
            );
        } else if *to > 0.0 {
            // The share served: dark up to where the stage starts, light up
            // to where it ends.
            svg.rect(bar_x, by, bar_w * to, bh, 6.0, BLUE_FILL, BLUE);
            svg.rect(bar_x, by, (bar_w * from).max(6.0), bh, 6.0, BLUE, "none");
            let label = if from == to {
                format!("{:.0}%", to * 100.0)
            } else {
                format!("{:.0}% → {:.0}%", from * 100.0, to * 100.0)
            };
            let (lx, font) = if bar_w * from > 120.0 {
                (
                    bar_x + bar_w / 2.0,
                    Font::new(LABEL).bold().fill(PANEL).middle(),
                )
            } else if from < to {
                (
                    bar_x + bar_w / 2.0,
                    Font::new(LABEL).bold().fill(BLUE).middle(),
                )
            } else {
                (
                    bar_x + bar_w * to + 10.0,
                    Font::new(LABEL).bold().fill(BLUE),
                )
            };
            svg.text(lx, by + 30.0, &label, font);
        } else {
            svg.text(
                bar_x + 10.0,
                by + 30.0,
                "0%",
                Font::new(LABEL).bold().fill(MUTED),
            );
        }
    }
    let y = top + row_h * 5.0 + 16.0;
    svg.rect(24.0, y, WIDTH - 48.0, 78.0, 8.0, ORANGE_FILL, ORANGE);
    svg.text_block(
        WIDTH / 2.0,
        y + 39.0,
        &[
            "guardrail breached at any stage?",
            "roll back to the champion in < 60 s",
        ],
        Font::new(LABEL).bold(),
        WIDTH - 60.0,
    );
    Figure {
        file: "champion-challenger.svg",
        svg: svg.finish("Champion–challenger: offline test, shadow, 5% canary, gradual rollout to 100%, with rollback in under 60 seconds"),
    }
}

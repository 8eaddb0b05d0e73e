//! Figures: parses a bank's SVG figure with usvg and rasterises it with
//! resvg for print. Text is set in the bundled DejaVu fonts (never the
//! machine's), a figure may not pull in other files, and the pixels are
//! composited on white so print shows no alpha artefacts. `inspect` is
//! what `qbank check` asks of a figure before any output draws it: bounded
//! work (no filters, a bounded number of elements with `<use>` expanded,
//! sane proportions) and text the bundled fonts can draw.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia;
use resvg::usvg;

use crate::fonts;

/// The largest raster side we produce, in pixels: a guard against a figure
/// whose proportions would ask for a gigantic image.
pub(crate) const MAX_SIDE: u32 = 16_384;

/// A rasterised figure: `width` × `height` pixels, 3 bytes (R, G, B) each,
/// row by row from the top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    /// Pixels per row.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// `width × height × 3` bytes.
    pub rgb: Vec<u8>,
}

/// The most elements a figure may draw, counting every `<use>` as the
/// elements it copies. The bank's figures use a few hundred; tens of
/// thousands take the renderers minutes.
pub(crate) const MAX_ELEMENTS: usize = 5_000;

/// The most paint a figure may ask for, in figure areas: the area of every
/// fill and every stroke, plus every layer that group opacity, a clip or a
/// mask needs, over the area of the figure. Drawing time grows with it; the
/// bank's figures need under 10, and 5,000 overlapping page-sized shapes
/// (minutes to draw) need thousands.
pub(crate) const MAX_PAINT: f32 = 60.0;

/// The most path segments (lines, curves) a figure may draw, text outlines
/// included.
pub(crate) const MAX_SEGMENTS: usize = 100_000;

/// Text counts against [`MAX_ELEMENTS`] as one element per this many
/// characters (spaces aside): at most 10,000 characters of text a figure.
pub(crate) const TEXT_CHARS_PER_ELEMENT: usize = 2;

/// A style sheet counts as one element per this many characters.
pub(crate) const STYLE_CHARS_PER_ELEMENT: usize = 20;

/// The widest (or tallest) a figure may be for its other side: 20 to 1.
pub(crate) const MAX_ASPECT_RATIO: f32 = 20.0;

/// Why a figure is refused: each message completes "figure `x` is …".
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FigureError {
    /// The file does not parse as SVG (the parser's reason).
    #[error("not a valid SVG ({0})")]
    Parse(String),
    #[error("an SVG with a `<filter>` (blur, shadow, …); filters make drawing slow without bound, so draw the effect with plain shapes")]
    /// It uses a `<filter>`.
    Filter,
    #[error("an SVG of more than {MAX_ELEMENTS} elements (counting what each `<use>` and each marker copies, and text and style sheets by their length); simplify it")]
    /// More elements than `MAX_ELEMENTS`, copies included.
    TooComplex,
    #[error("an SVG whose `<use>` elements refer to themselves in a loop")]
    /// `<use>` elements that refer to each other in a loop.
    UseCycle,
    #[error("an SVG that paints {paint} times its own area (shapes, strokes and layers stacked on each other; at most {MAX_PAINT}); drawing it would take too long: draw fewer or smaller shapes")]
    /// It paints `paint` times its own area, more than `MAX_PAINT`.
    TooMuchPaint {
        /// Painted area over the figure's area.
        paint: u32,
    },
    #[error("an SVG of {segments} path segments (at most {MAX_SEGMENTS}); simplify its paths")]
    /// More path segments than `MAX_SEGMENTS`.
    TooManySegments {
        /// How many it has.
        segments: usize,
    },
    #[error("{width} × {height} units: more than {MAX_ASPECT_RATIO} times as wide as it is high or the other way round; give it proportions that fit a page and a card")]
    /// One side more than `MAX_ASPECT_RATIO` times the other.
    Proportions {
        /// Its width in SVG units, as shown.
        width: String,
        /// Its height in SVG units, as shown.
        height: String,
    },
    #[error("cannot rasterise at {width} × {height} pixels (each side must be 1..={MAX_SIDE})")]
    /// A raster size of 0 or over `MAX_SIDE` pixels on a side.
    Size {
        /// Pixels asked for across.
        width: u32,
        /// Pixels asked for down.
        height: u32,
    },
}

/// The bundled DejaVu faces, loaded once.
fn font_database() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        for face in [
            fonts::SANS_REGULAR,
            fonts::SANS_BOLD,
            fonts::SANS_ITALIC,
            fonts::SANS_BOLD_ITALIC,
            fonts::MONO_REGULAR,
            fonts::MONO_BOLD,
        ] {
            db.load_font_data(face.to_vec());
        }
        // Every generic family, and usvg's last resort (serif) for a family
        // the bundle lacks, resolves to DejaVu Sans: text is never dropped.
        db.set_sans_serif_family(fonts::Family::Sans.name());
        db.set_serif_family(fonts::Family::Sans.name());
        db.set_cursive_family(fonts::Family::Sans.name());
        db.set_fantasy_family(fonts::Family::Sans.name());
        db.set_monospace_family(fonts::Family::Mono.name());
        Arc::new(db)
    })
    .clone()
}

/// Parsing options: bundled fonts, DejaVu Sans by default, and no access to
/// other files (an `<image>` that points elsewhere is dropped, not read).
fn options() -> usvg::Options<'static> {
    usvg::Options {
        font_family: fonts::Family::Sans.name().to_string(),
        fontdb: font_database(),
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

/// Parse an SVG document; the error says what is wrong with it.
pub(crate) fn parse(svg: &[u8]) -> Result<usvg::Tree, FigureError> {
    usvg::Tree::from_data(svg, &options()).map_err(|e| FigureError::Parse(e.to_string()))
}

/// The element budget of an SVG document, counting each `<use>` as what it
/// copies, on the raw XML (before usvg expands anything), so a document
/// that would expand without bound is refused in time linear in its size.
fn element_budget(svg: &[u8]) -> Result<(), FigureError> {
    use std::collections::HashMap;
    use usvg::roxmltree;
    let text = std::str::from_utf8(svg).map_err(|e| FigureError::Parse(e.to_string()))?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: 200_000,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| FigureError::Parse(e.to_string()))?;
    let mut by_id = HashMap::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        if node.tag_name().name() == "filter" {
            return Err(FigureError::Filter);
        }
        if let Some(id) = node.attribute("id") {
            by_id.entry(id).or_insert(node);
        }
    }
    // Elements drawn under `node`, memoised per node; `None` while a node
    // is being counted (a loop).
    fn count<'a, 'i>(
        node: roxmltree::Node<'a, 'i>,
        by_id: &HashMap<&'a str, roxmltree::Node<'a, 'i>>,
        memo: &mut HashMap<roxmltree::NodeId, Option<usize>>,
    ) -> Result<usize, FigureError> {
        match memo.get(&node.id()) {
            Some(Some(n)) => return Ok(*n),
            Some(None) => return Err(FigureError::UseCycle),
            None => {}
        }
        memo.insert(node.id(), None);
        // Text costs by its length: laying out and outlining glyphs is the
        // slow part of a figure with long text.
        let chars = || -> usize {
            node.children()
                .filter(|c| c.is_text())
                .filter_map(|c| c.text())
                .map(|t| t.chars().filter(|c| !c.is_whitespace()).count())
                .sum()
        };
        let weight = match node.tag_name().name() {
            "text" | "tspan" | "textPath" => chars().div_ceil(TEXT_CHARS_PER_ELEMENT),
            // Every style rule is matched against every element.
            "style" => chars().div_ceil(STYLE_CHARS_PER_ELEMENT),
            _ => 0,
        };
        let mut total = 1usize + weight;
        for child in node.children().filter(|c| c.is_element()) {
            total += count(child, by_id, memo)?;
            if total > MAX_ELEMENTS {
                return Err(FigureError::TooComplex);
            }
        }
        if node.tag_name().name() == "use" {
            let href = node
                .attributes()
                .find(|a| a.name() == "href")
                .map(|a| a.value());
            if let Some(target) = href
                .and_then(|h| h.strip_prefix('#'))
                .and_then(|id| by_id.get(id))
            {
                total += count(*target, by_id, memo)?;
            }
        }
        if total > MAX_ELEMENTS {
            return Err(FigureError::TooComplex);
        }
        memo.insert(node.id(), Some(total));
        Ok(total)
    }
    let mut memo = HashMap::new();
    let mut total = count(doc.root_element(), &by_id, &mut memo)?;
    // Markers: usvg copies a marker's content to every vertex of every
    // shape that uses one, so each such shape counts as its vertices times
    // the largest marker. (A style sheet may set markers on any shape.)
    let markers: Vec<_> = doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "marker")
        .collect();
    if markers.is_empty() {
        return Ok(());
    }
    let mut largest = 0;
    for marker in markers {
        largest = largest.max(count(marker, &by_id, &mut memo)?);
    }
    let style_sets_markers = doc.descendants().any(|n| {
        n.is_element()
            && n.tag_name().name() == "style"
            && n.text().is_some_and(|t| t.contains("marker"))
    });
    for node in doc.descendants().filter(|n| n.is_element()) {
        let shape = matches!(
            node.tag_name().name(),
            "path" | "line" | "polyline" | "polygon"
        );
        if !shape {
            continue;
        }
        let marked = style_sets_markers
            || node.attributes().any(|a| {
                a.name().starts_with("marker")
                    || a.name() == "style" && a.value().contains("marker")
            });
        if !marked {
            continue;
        }
        let geometry = node
            .attribute("d")
            .or_else(|| node.attribute("points"))
            .unwrap_or("0 0 0 0");
        let numbers = geometry
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter(|p| !p.is_empty())
            .count();
        let vertices = numbers / 2 + 2;
        total = total.saturating_add(vertices.saturating_mul(largest));
        if total > MAX_ELEMENTS {
            return Err(FigureError::TooComplex);
        }
    }
    Ok(())
}

/// What `qbank check` learns about a figure: that every output can draw it
/// in bounded time, and the text it shows (for the glyph check).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Inspected {
    /// Every piece of text the figure draws, in document order.
    pub(crate) text: Vec<String>,
    /// The paint it asks for, in figure areas (see [`MAX_PAINT`]).
    pub(crate) paint: f32,
    /// Its path segments, text outlines included.
    pub(crate) segments: usize,
}

/// Paint and segments of everything under `group`; `canvas` is the figure's
/// width and height.
fn drawing_cost(group: &usvg::Group, canvas: (f32, f32), paint: &mut f32, segments: &mut usize) {
    let area = |left: f32, top: f32, right: f32, bottom: f32| {
        let w = (right.min(canvas.0) - left.max(0.0)).max(0.0);
        let h = (bottom.min(canvas.1) - top.max(0.0)).max(0.0);
        w * h / (canvas.0 * canvas.1)
    };
    let layer = || {
        let r = group.abs_layer_bounding_box();
        area(r.left(), r.top(), r.right(), r.bottom())
    };
    if group.should_isolate() {
        *paint += layer();
    }
    if let Some(clip) = group.clip_path() {
        *paint += layer();
        drawing_cost(clip.root(), canvas, paint, segments);
    }
    if let Some(mask) = group.mask() {
        *paint += layer();
        drawing_cost(mask.root(), canvas, paint, segments);
    }
    for node in group.children() {
        match node {
            usvg::Node::Group(g) => drawing_cost(g, canvas, paint, segments),
            usvg::Node::Path(p) => {
                if !p.is_visible() {
                    continue;
                }
                *segments += p.data().verbs().len();
                if p.fill().is_some() {
                    let r = p.abs_bounding_box();
                    *paint += area(r.left(), r.top(), r.right(), r.bottom());
                }
                if p.stroke().is_some() {
                    let r = p.abs_stroke_bounding_box();
                    *paint += area(r.left(), r.top(), r.right(), r.bottom());
                }
            }
            usvg::Node::Text(t) => drawing_cost(t.flattened(), canvas, paint, segments),
            usvg::Node::Image(i) => {
                let r = i.abs_bounding_box();
                *paint += area(r.left(), r.top(), r.right(), r.bottom());
            }
        }
    }
}

/// Check that `svg` is a figure every output can draw: valid SVG, no
/// filter, at most [`MAX_ELEMENTS`] elements with `<use>` expanded, and
/// proportions within [`MAX_ASPECT_RATIO`]. Returns the text it draws.
pub(crate) fn inspect(svg: &[u8]) -> Result<Inspected, FigureError> {
    if svg.starts_with(&[0x1f, 0x8b]) {
        return Err(FigureError::Parse(
            "it is gzip-compressed (.svgz); save it as plain .svg".into(),
        ));
    }
    element_budget(svg)?;
    let tree = parse(svg)?;
    let size = tree.size();
    let (w, h) = (size.width(), size.height());
    if !(w / h <= MAX_ASPECT_RATIO && h / w <= MAX_ASPECT_RATIO) {
        return Err(FigureError::Proportions {
            width: format!("{w}"),
            height: format!("{h}"),
        });
    }
    fn walk(group: &usvg::Group, text: &mut Vec<String>) {
        for node in group.children() {
            match node {
                usvg::Node::Group(g) => walk(g, text),
                usvg::Node::Text(t) => text.extend(t.chunks().iter().map(|c| c.text().to_string())),
                _ => {}
            }
        }
    }
    let mut text = Vec::new();
    walk(tree.root(), &mut text);
    let (mut paint, mut segments) = (0.0, 0);
    drawing_cost(tree.root(), (w, h), &mut paint, &mut segments);
    if paint > MAX_PAINT {
        return Err(FigureError::TooMuchPaint {
            paint: paint.round() as u32,
        });
    }
    if segments > MAX_SEGMENTS {
        return Err(FigureError::TooManySegments { segments });
    }
    Ok(Inspected {
        text,
        paint,
        segments,
    })
}

/// Rasterise `svg` at `width` pixels wide (height keeps the figure's
/// proportions), composited on white.
pub fn rasterize(svg: &[u8], width: u32) -> Result<Raster, FigureError> {
    let tree = parse(svg)?;
    rasterize_tree(&tree, width)
}

/// Rasterise an already parsed figure; see [`rasterize`].
pub(crate) fn rasterize_tree(tree: &usvg::Tree, width: u32) -> Result<Raster, FigureError> {
    let size = tree.size();
    let scale = width as f32 / size.width();
    let height = (size.height() * scale).round().max(0.0) as u32;
    let bad_size = FigureError::Size { width, height };
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(bad_size);
    }
    let mut pixmap = tiny_skia::Pixmap::new(width, height).ok_or(bad_size)?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    // Every pixel is opaque after drawing on white, so the premultiplied
    // RGBA bytes are already the final colour: drop the alpha byte.
    let rgb = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|px| [px[0], px[1], px[2]])
        .collect();
    Ok(Raster { width, height, rgb })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Every SVG in the bank's `content/media/`, by name.
    fn bank_figures() -> Vec<(String, Vec<u8>)> {
        let media = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content/media");
        let mut figures: Vec<(String, Vec<u8>)> = std::fs::read_dir(&media)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", media.display()))
            .map(|entry| entry.expect("directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "svg"))
            .map(|path| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&path).expect("read figure"))
            })
            .collect();
        figures.sort();
        figures
    }

    /// Share of pixels that are neither the white backing nor the panel.
    fn ink_share(raster: &Raster) -> f64 {
        let inked = raster
            .rgb
            .chunks_exact(3)
            .filter(|px| px.iter().any(|&c| c < 200))
            .count();
        inked as f64 / f64::from(raster.width * raster.height)
    }

    #[test]
    fn every_bank_figure_parses_and_rasterises_with_ink() {
        let figures = bank_figures();
        assert!(
            figures.len() >= 8,
            "expected at least 8 figures, found {}",
            figures.len()
        );
        for (name, bytes) in figures {
            let tree = parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            for width in [360, 1200] {
                let raster = rasterize_tree(&tree, width).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(raster.width, width);
                assert_eq!(
                    raster.rgb.len(),
                    (raster.width * raster.height * 3) as usize
                );
                let share = ink_share(&raster);
                assert!(
                    share > 0.01,
                    "{name} at {width} px is nearly blank ({share:.4} inked)"
                );
            }
        }
    }

    #[test]
    fn the_bank_figures_are_well_inside_the_drawing_budget() {
        for (name, bytes) in bank_figures() {
            let inspected = inspect(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            eprintln!(
                "{name}: paint {:.2}, {} segments",
                inspected.paint, inspected.segments
            );
            assert!(inspected.paint < MAX_PAINT / 4.0, "{name}: {inspected:?}");
            assert!(inspected.segments < MAX_SEGMENTS / 10, "{name}");
            assert!(
                inspected.text.iter().any(|t| !t.trim().is_empty()),
                "{name}"
            );
        }
    }

    #[test]
    fn stacked_paint_and_long_paths_are_refused() {
        let svg = |body: String| {
            format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="540" height="400">{body}</svg>"#
            )
        };
        let rects =
            |n: usize| svg("<rect width='540' height='400' fill='red' opacity='0.5'/>".repeat(n));
        assert!(inspect(rects(20).as_bytes()).is_ok());
        assert!(matches!(
            inspect(rects(100).as_bytes()),
            Err(FigureError::TooMuchPaint { .. })
        ));
        // Off the canvas costs nothing.
        let off = svg("<rect x='600' width='540' height='400'/>".repeat(1000));
        assert_eq!(inspect(off.as_bytes()).unwrap().paint, 0.0);
        let long: String = (0..120_000)
            .map(|i| format!(" L{},{}", i % 540, i % 400))
            .collect();
        let path = svg(format!("<path d='M0,0{long}' stroke='black' fill='none'/>"));
        assert!(matches!(
            inspect(path.as_bytes()),
            Err(FigureError::TooManySegments { .. })
        ));
    }

    #[test]
    fn figure_text_is_drawn_in_the_bundled_font() {
        // Text is the only thing in this figure: if no font were found, usvg
        // would drop it and the picture would be blank.
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60"><text x="10" y="40" font-family="DejaVu Sans" font-size="30">Recall</text></svg>"#;
        let raster = rasterize(svg, 200).unwrap();
        assert!(ink_share(&raster) > 0.02);
        // A family the bundle lacks falls back to DejaVu Sans, not to nothing.
        let other = br#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60"><text x="10" y="40" font-family="Helvetica" font-size="30">Recall</text></svg>"#;
        assert!(ink_share(&rasterize(other, 200).unwrap()) > 0.02);
    }

    #[test]
    fn transparent_areas_become_white_not_black() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="10" fill="red" fill-opacity="0.5"/></svg>"#;
        let raster = rasterize(svg, 10).unwrap();
        // Right half: nothing drawn, so pure white.
        assert_eq!(&raster.rgb[(9 * 3)..(9 * 3 + 3)], &[255, 255, 255]);
        // Left half: half-transparent red over white is light red.
        let left = &raster.rgb[0..3];
        assert_eq!(left[0], 255);
        assert!((120..=135).contains(&left[1]), "{left:?}");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(matches!(parse(b"not svg"), Err(FigureError::Parse(_))));
        assert!(matches!(parse(b"<svg"), Err(FigureError::Parse(_))));
        assert!(matches!(
            parse(&[0xff, 0xfe, 0x00]),
            Err(FigureError::Parse(_))
        ));
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#;
        assert!(matches!(rasterize(svg, 0), Err(FigureError::Size { .. })));
        let tall = br#"<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1000"/>"#;
        assert!(matches!(
            rasterize(tall, 100),
            Err(FigureError::Size { .. })
        ));
    }

    #[test]
    fn figures_cannot_read_other_files() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image width="10" height="10" xlink:href="/etc/passwd"/></svg>"#;
        let raster = rasterize(svg, 10).unwrap();
        assert!(raster.rgb.iter().all(|&c| c == 255));
    }

    #[test]
    fn rasterising_is_deterministic() {
        let (_, bytes) = bank_figures().into_iter().next().expect("a figure");
        assert_eq!(
            rasterize(&bytes, 500).unwrap(),
            rasterize(&bytes, 500).unwrap()
        );
    }
}

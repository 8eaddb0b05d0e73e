//! The figures in `content/media/` are exactly what the generator
//! (`cargo run --example figures`) draws: regenerating gives the same bytes,
//! and no figure is edited by hand behind the generator's back.

#![allow(dead_code)]

#[path = "../examples/figures/catalogue.rs"]
mod catalogue;
#[path = "../examples/figures/charts.rs"]
mod charts;
#[path = "../examples/figures/diagrams.rs"]
mod diagrams;
#[path = "../examples/figures/math.rs"]
mod math;
#[path = "../examples/figures/plot.rs"]
mod plot;
#[path = "../examples/figures/svg.rs"]
mod svg;

use std::collections::BTreeSet;
use std::path::PathBuf;

fn media() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content/media")
}

#[test]
fn media_figures_match_the_generator_byte_for_byte() {
    let figures = catalogue::all();
    assert!(figures.len() >= 8, "only {} figures", figures.len());
    for figure in &figures {
        let path = media().join(figure.file);
        let on_disk = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        assert!(
            on_disk == figure.svg,
            "{} is out of date: run `cargo run --example figures`",
            figure.file
        );
    }
}

#[test]
fn generating_twice_gives_identical_bytes() {
    let first: Vec<String> = catalogue::all().into_iter().map(|f| f.svg).collect();
    let second: Vec<String> = catalogue::all().into_iter().map(|f| f.svg).collect();
    assert!(first == second, "the generator is not deterministic");
}

#[test]
fn every_svg_in_media_comes_from_the_generator() {
    let generated: BTreeSet<String> = catalogue::all()
        .into_iter()
        .map(|f| f.file.to_string())
        .collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(media())
        .expect("content/media exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".svg"))
        .collect();
    assert_eq!(on_disk, generated);
}

#[test]
fn figure_text_is_dejavu_sans_and_large_enough_for_a_phone() {
    // A card is about 320 px wide on a phone; the figures are 540 units
    // wide, so 17 units is the smallest size that stays near 10 px.
    for figure in catalogue::all() {
        for piece in figure.svg.split("<text ").skip(1) {
            assert!(
                piece.contains(r#"font-family="DejaVu Sans""#),
                "{}: text without the bundled family: {piece}",
                figure.file
            );
            let size: f64 = piece
                .split("font-size=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{}: text without a size: {piece}", figure.file));
            assert!(
                size >= 17.0,
                "{}: text at {size} is too small: {piece}",
                figure.file
            );
        }
    }
}

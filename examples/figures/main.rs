//! Draws the bank's figures into `content/media/`: the charts from small
//! seeded experiments (see `charts.rs`) and the diagrams from their layout
//! (see `diagrams.rs`). Run `cargo run --example figures` after changing any
//! of them; `-- --check` only compares and fails if a file is out of date.
//! The output is deterministic: the same program writes the same bytes.

// An example binary has no outside users: `pub` here only shares items
// between its modules, so `unreachable_pub` has nothing to say about it.
#![allow(unreachable_pub)]

mod catalogue;
mod charts;
mod diagrams;
mod math;
mod plot;
mod svg;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `--png DIR`: where to write PNG previews instead of the SVGs.
fn png_dir() -> Option<PathBuf> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--png")?;
    args.get(at + 1).map(PathBuf::from)
}

/// Rasterise each figure as the booklet will (`qbank::figure`), at phone
/// width (360 px) and print width (1200 px), to look at them.
fn write_previews(figures: &[catalogue::Figure], dir: &Path) -> ExitCode {
    for figure in figures {
        for width in [360, 1200] {
            let raster = match qbank::figure::rasterize(figure.svg.as_bytes(), width) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("figures: {}: {e}", figure.file);
                    return ExitCode::FAILURE;
                }
            };
            let rgba: Vec<u8> = raster
                .rgb
                .chunks_exact(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect();
            let size = resvg::tiny_skia::IntSize::from_wh(raster.width, raster.height);
            let png = size
                .and_then(|s| resvg::tiny_skia::Pixmap::from_vec(rgba, s))
                .map(|p| p.encode_png());
            let path = dir.join(figure.file.replace(".svg", &format!("-{width}.png")));
            match png {
                Some(Ok(bytes)) => {
                    if let Err(e) = qbank::output::write_atomic(&path, &bytes) {
                        eprintln!("figures: {e:#}");
                        return ExitCode::FAILURE;
                    }
                    println!("wrote {}", path.display());
                }
                _ => {
                    eprintln!("figures: cannot encode {}", path.display());
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let check_only = std::env::args().any(|a| a == "--check");
    let media = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content/media");
    let figures = catalogue::all();
    if let Some(dir) = png_dir() {
        return write_previews(&figures, &dir);
    }
    let mut stale = Vec::new();
    for figure in &figures {
        let path = media.join(figure.file);
        let current = std::fs::read(&path).unwrap_or_default();
        if current == figure.svg.as_bytes() {
            continue;
        }
        if check_only {
            stale.push(figure.file);
            continue;
        }
        if let Err(e) = qbank::output::write_atomic(&path, figure.svg.as_bytes()) {
            eprintln!("figures: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    if !stale.is_empty() {
        eprintln!(
            "figures: out of date in content/media/: {} (run `cargo run --example figures`)",
            stale.join(", ")
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

//! The integration tests, one binary (as mdBook's `tests/testsuite`): each
//! module below tests one output or concern through the library or the
//! `qbank` binary, on the fixture banks in `tests/fixtures/` or the real bank
//! in `content/`. One binary links the library (and Typst) once instead of
//! once per file.

// A test binary has no outside users: `pub` here only shares items between
// its modules, so `unreachable_pub` has nothing to say about it.
#![allow(unreachable_pub)]

mod common;
mod review_sheet;

mod anki;
mod bank;
mod check;
mod csv_libreoffice;
mod csv_sheet;
mod figures;
mod fuzz;
mod hostile;
mod interrupt;
mod pdf;
mod review_fuzz;
mod xlsx;

// The figure generator (`cargo run --example figures`), at the crate root
// because its modules name each other as `crate::…`; the `figures` tests
// compare its drawings with `content/media/`.
#[allow(dead_code)]
#[path = "../../examples/figures/catalogue.rs"]
mod catalogue;
#[allow(dead_code)]
#[path = "../../examples/figures/charts.rs"]
mod charts;
#[allow(dead_code)]
#[path = "../../examples/figures/diagrams.rs"]
mod diagrams;
#[allow(dead_code)]
#[path = "../../examples/figures/math.rs"]
mod math;
#[allow(dead_code)]
#[path = "../../examples/figures/plot.rs"]
mod plot;
#[allow(dead_code)]
#[path = "../../examples/figures/svg.rs"]
mod svg;

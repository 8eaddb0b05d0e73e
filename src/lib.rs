//! qbank turns a canonical question bank (a folder of Markdown files) into an
//! Anki deck, a printable PDF booklet and a review CSV.
//!
//! The flow is one way: [`load`] reads the content folder into a
//! [`model::Bank`], [`check`] collects every problem as a
//! [`diagnostic::Diagnostic`], and [`build`] runs the exporters (each an
//! [`export::Exporter`]: [`anki`], [`pdf`], [`review_csv`]) that render the
//! bank for their targets, writing through [`output`] atomically; [`cli`]
//! is the command line over all of it.

pub mod anki;
pub mod build;
pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod export;
pub mod figure;
pub mod fonts;
pub mod identity;
pub mod load;
mod markdown;
mod math;
pub mod model;
pub mod output;
mod parallel;
pub mod pdf;
pub mod review_csv;
mod typography;

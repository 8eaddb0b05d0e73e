//! Writes a synthetic bank of N questions for benchmarks and scale tests.
//!
//! `cargo run --release --example synth -- --questions 1000 --out /tmp/bank1k`
//!
//! Each question is a variant of one of the real bank's questions (so part
//! lengths, lists, tables and Unicode are realistic), with its own id and a
//! numbered title. Sections follow the real bank's seven sections, questions
//! spread in proportion. Output is deterministic for a given N.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Parser;
use qbank::check::load_and_check;

#[derive(Parser)]
struct Args {
    /// Number of questions to write.
    #[arg(long)]
    questions: usize,
    /// Folder to write the bank into (created; must be empty or absent).
    #[arg(long)]
    out: PathBuf,
    /// The bank the questions are drawn from.
    #[arg(long, default_value = "content")]
    from: PathBuf,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let (bank, diags) = load_and_check(&args.from);
    if diags.iter().any(|d| d.is_error()) {
        bail!("the source bank {} has errors", args.from.display());
    }
    let bank = bank.context("source bank")?;
    if args.out.exists() && fs::read_dir(&args.out)?.next().is_some() {
        bail!("{} is not empty", args.out.display());
    }
    if args.questions < bank.sections.len() {
        bail!(
            "--questions must be at least {} (one per section)",
            bank.sections.len()
        );
    }
    let templates: Vec<_> = bank.questions().map(|(_, q)| q.clone()).collect();
    let n = args.questions;
    let mut toml = format!(
        "id = \"synthetic-{n}\"\ntitle = \"Synthetic Bank\"\nsubtitle = \"{n} questions\"\ndescription = \"A generated bank for benchmarks.\"\ndate = \"2026-01-01\"\n"
    );
    let total = templates.len();
    let mut written = 0usize;
    for (si, section) in bank.sections.iter().enumerate() {
        // Spread questions over sections in the real bank's proportions.
        let end = if si + 1 == bank.sections.len() {
            n
        } else {
            let upto: usize = bank.sections[..=si].iter().map(|s| s.questions.len()).sum();
            n * upto / total
        };
        write!(
            toml,
            "\n[[sections]]\nid = \"{}\"\nletter = \"{}\"\ntitle = \"{}\"\ndir = \"{}\"\n",
            section.id, section.letter, section.title, section.dir
        )?;
        let dir = args.out.join(&section.dir);
        fs::create_dir_all(&dir)?;
        // At least one question per section.
        let end = end.max(written + 1);
        for (local, i) in (written..end).enumerate() {
            let t = &templates[i % total];
            write_question(&dir, local + 1, i + 1, t)?;
        }
        written = end;
    }
    fs::write(args.out.join("bank.toml"), toml)?;
    if let Some(intro) = &bank.intro {
        // Cross-references point at the first copy of each question (question
        // i + 1 is a copy of template i % total); one whose question is not
        // in a small bank becomes the question's title.
        let mut markdown = intro.markdown.clone();
        for (t, q) in templates.iter().enumerate() {
            let from = format!("](#{})", q.id);
            markdown = if t < n {
                markdown.replace(&from, &format!("](#{}-{:06})", q.id, t + 1))
            } else {
                markdown.replace(&format!("[{from}"), &q.title)
            };
        }
        fs::write(args.out.join("intro.md"), markdown)?;
    }
    let media = bank.media_dir();
    if media.is_dir() {
        fs::create_dir_all(args.out.join("media"))?;
        for e in fs::read_dir(media)? {
            let e = e?;
            fs::copy(e.path(), args.out.join("media").join(e.file_name()))?;
        }
    }
    eprintln!("wrote {written} questions to {}", args.out.display());
    Ok(())
}

fn write_question(
    dir: &Path,
    local: usize,
    number: usize,
    t: &qbank::model::Question,
) -> Result<()> {
    let id = format!("{}-{number:06}", t.id);
    let tags: Vec<String> = t.tags.iter().map(|s| format!("\"{s}\"")).collect();
    let text = format!(
        "+++\nid = \"{id}\"\ntags = [{}]\n+++\n\n# {} (variant {number})\n\n## Plain English\n\n{}\n\n## Technical depth\n\n{}\n\n## Real-world example\n\n{} (Case {number}.)\n",
        tags.join(", "),
        t.title,
        t.plain.markdown,
        t.technical.markdown,
        t.example.markdown,
    );
    fs::write(dir.join(format!("{local:06}-{id}.md")), text)?;
    Ok(())
}

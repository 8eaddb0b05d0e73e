//! The command line: argument parsing (clap) and the `build`, `check` and
//! `apply` (alias `apply-csv`) commands. Exit codes: 0 success, 1 content errors (or
//! `--locked` would change the lock, or a refused review sheet), 2 usage or
//! I/O errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Print a line to standard output. A closed pipe (`qbank build | head -1`)
/// is not an error worth a panic: the line is dropped. The line may hold
/// ids, tags and file names from the content: it goes through
/// [`crate::diagnostic::escape`], so it is one line and cannot drive the
/// terminal.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!($($arg)*);
        let _ = writeln!(std::io::stdout().lock(), "{}", crate::diagnostic::escape(&line));
    }};
}

/// Print a line to standard error (escaped like [`say!`]), ignoring a closed pipe.
macro_rules! tell {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!($($arg)*);
        let _ = writeln!(std::io::stderr().lock(), "{}", crate::diagnostic::escape(&line));
    }};
}

use crate::check::load_and_check;
use crate::diagnostic::Diagnostic;
use crate::export::{self, BuildOptions, ExportError, Format, Paper, Rendered};
use crate::model::Bank;

/// Stack for each exporter's thread (64 MiB of address space, used only as
/// deep input needs it).
const EXPORTER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the content has errors (or the lock is out of date with `--locked`).
pub const EXIT_CONTENT: u8 = 1;
/// Exit code: bad usage or an I/O failure.
pub const EXIT_FAILURE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "qbank",
    version,
    about = "Turns a question bank into an Anki deck, a PDF booklet and a review CSV"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the bank, then write the outputs (nothing is written if the check finds an error).
    Build {
        /// The content folder.
        #[arg(long, default_value = "content")]
        content: PathBuf,
        /// The output folder.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Formats to write, comma-separated (default: apkg,pdf,csv; xlsx writes the review workbook).
        #[arg(long, value_enum, value_delimiter = ',')]
        format: Vec<Format>,
        /// Paper size of the PDF booklet.
        #[arg(long, value_enum, default_value_t = Paper::A4)]
        paper: Paper,
        /// Fail (exit 1) instead of updating content/bank.lock.
        #[arg(long)]
        locked: bool,
    },
    /// Check the bank and report every problem as path:line.
    Check {
        /// The content folder.
        #[arg(long, default_value = "content")]
        content: PathBuf,
    },
    /// Take a reviewed sheet (.xlsx workbook or CSV) back into the question files (matched by `id`).
    #[command(alias = "apply-csv")]
    Apply {
        /// The reviewed sheet: the .xlsx workbook, or a CSV (comma or semicolon, UTF-8); told apart by content.
        file: PathBuf,
        /// The content folder.
        #[arg(long, default_value = "content")]
        content: PathBuf,
        /// Show what would change, as a diff, and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Parse the arguments, run, and turn the result into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    ExitCode::from(run(cli))
}

/// Run a parsed command; returns the exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Check { content } => check_command(&content),
        Command::Apply {
            file,
            content,
            dry_run,
        } => apply_command(&file, &content, dry_run),
        Command::Build {
            content,
            out,
            format,
            paper,
            locked,
        } => {
            let opts = BuildOptions {
                out_dir: out,
                paper,
                locked,
                now: now_from_env(),
            };
            build_command(&content, &format, &opts)
        }
    }
}

fn print_diagnostics(diags: &[Diagnostic]) {
    for d in diags {
        tell!("{d}");
    }
}

/// Load and check; print diagnostics; return the bank when there is no error.
fn checked_bank(content: &Path) -> Result<Bank, u8> {
    if !content.join("bank.toml").is_file() && !content.is_dir() {
        tell!("error: content folder `{}` not found", content.display());
        return Err(EXIT_FAILURE);
    }
    let (bank, diags) = load_and_check(content);
    print_diagnostics(&diags);
    let errors = diags.iter().filter(|d| d.is_error()).count();
    match bank {
        Some(bank) if errors == 0 => Ok(bank),
        _ => {
            let warnings = diags.len() - errors;
            tell!("qbank: {errors} error(s), {warnings} warning(s)");
            Err(EXIT_CONTENT)
        }
    }
}

fn check_command(content: &Path) -> u8 {
    match checked_bank(content) {
        Ok(_) => EXIT_OK,
        Err(code) => code,
    }
}

fn build_command(content: &Path, formats: &[Format], opts: &BuildOptions) -> u8 {
    let bank = match checked_bank(content) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let exporters: Vec<_> = export::available()
        .into_iter()
        .filter(|e| {
            (formats.is_empty() && e.format().in_default_build()) || formats.contains(&e.format())
        })
        .collect();
    for f in formats {
        if !exporters.iter().any(|e| e.format() == *f) {
            tell!(
                "error: format `{}` is not available in this build",
                f.extension()
            );
            return EXIT_FAILURE;
        }
    }
    if let (Some(out), Some(root)) = (resolved(&opts.out_dir), resolved(content)) {
        if out.starts_with(&root) {
            tell!(
                "error: the output folder {} is inside the content folder {}; outputs would become part of the bank: choose an --out outside it",
                opts.out_dir.display(),
                content.display()
            );
            return EXIT_FAILURE;
        }
    }
    if let Err(e) = std::fs::create_dir_all(&opts.out_dir) {
        tell!(
            "error: cannot create output folder {}: {e}",
            opts.out_dir.display()
        );
        return EXIT_FAILURE;
    }
    // What a killed build left behind (an hour old: not a build still running).
    let stale = std::time::Duration::from_secs(3600);
    crate::output::remove_stale_temporaries(&opts.out_dir, stale);
    crate::output::remove_stale_temporaries(content, stale);
    // The formats are independent: each runs on its own thread (a 2-core
    // machine builds the deck and the sheet at once), and the results are
    // reported in the usual order.
    let formats: Vec<Format> = exporters.iter().map(|e| e.format()).collect();
    drop(exporters);
    let results: Vec<(Format, Result<Rendered, ExportError>)> = std::thread::scope(|scope| {
        let bank = &bank;
        let running: Vec<_> = formats
            .iter()
            .map(|&format| {
                // As much stack as the main thread would have, and more:
                // deeply nested Markdown must not overflow a renderer.
                std::thread::Builder::new()
                    .name(format!("qbank-{}", format.extension()))
                    .stack_size(EXPORTER_STACK_BYTES)
                    .spawn_scoped(scope, move || {
                        let exporter = export::available()
                            .into_iter()
                            .find(|e| e.format() == format)
                            .expect("format was found above");
                        exporter.export(bank, opts)
                    })
            })
            .collect();
        formats
            .iter()
            .zip(running)
            .map(|(&format, thread)| {
                let result = match thread {
                    Ok(thread) => thread.join().unwrap_or_else(|_| {
                        Err(ExportError::Other(anyhow::anyhow!(
                            "internal error while writing the {} output",
                            format.extension()
                        )))
                    }),
                    Err(e) => Err(ExportError::Other(
                        anyhow::Error::new(e).context("cannot start a thread"),
                    )),
                };
                (format, result)
            })
            .collect()
    });
    // Render all, then write all: nothing is put in place (and the lock is
    // not touched) unless every exporter succeeded.
    let mut code = EXIT_OK;
    let mut rendered = Vec::new();
    for (format, result) in results {
        match result {
            Ok(r) => rendered.push(r),
            Err(ExportError::LockOutdated(msg)) => {
                tell!("error: {msg}");
                code = code.max(EXIT_CONTENT);
            }
            Err(ExportError::Content(msg)) => {
                for line in msg.lines() {
                    tell!("{line}");
                }
                code = code.max(EXIT_CONTENT);
            }
            Err(ExportError::Other(e)) => {
                tell!("error: {}: {e:#}", format.extension());
                code = EXIT_FAILURE;
            }
        }
    }
    if code != EXIT_OK {
        tell!("qbank: nothing was written");
        return code;
    }
    let summaries: Vec<String> = rendered.iter().map(|r| r.summary.clone()).collect();
    if let Err(e) = Rendered::commit_all(rendered) {
        tell!("error: {e:#}");
        return EXIT_FAILURE;
    }
    for summary in summaries {
        for line in summary.lines() {
            say!("{line}");
        }
    }
    code
}

fn apply_command(file: &Path, content: &Path, dry_run: bool) -> u8 {
    use crate::review_csv::apply::{self, ApplyError};
    let plan = match apply::plan(file, content) {
        Ok(plan) => plan,
        Err(ApplyError::Refused(lines)) => {
            for line in lines {
                tell!("{line}");
            }
            tell!("qbank: the review was not applied; no file was changed");
            return EXIT_CONTENT;
        }
        Err(ApplyError::Failed(e)) => {
            tell!("error: {e:#}");
            return EXIT_FAILURE;
        }
    };
    for note in &plan.notes {
        say!("note: {note}");
    }
    for change in &plan.changes {
        say!("{change}");
    }
    // The reviewer's comments, beside the file to change (before and after writing).
    let comments = || {
        for comment in &plan.comments {
            say!("{comment}");
        }
    };
    let summary = format!(
        "{} edit(s) in {} question file(s)",
        plan.changes.len(),
        plan.files.len()
    );
    if plan.files.is_empty() {
        comments();
        say!("apply: no edits; no file changed");
    } else if dry_run {
        // Line by line, so each diff line is escaped like every other.
        for line in apply::diff(&plan).lines() {
            say!("{line}");
        }
        comments();
        say!("apply: dry run: {summary}; nothing written");
    } else if let Err(e) = apply::write(&plan) {
        tell!("error: {e:#}");
        return EXIT_FAILURE;
    } else {
        comments();
        say!("apply: {summary} written");
    }
    EXIT_OK
}

/// `path` made absolute with symbolic links resolved, for a path that may
/// not exist yet: its nearest existing ancestor is resolved and the rest
/// appended.
fn resolved(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return Some(out);
        }
        rest.push(existing.file_name()?.to_owned());
        existing = existing.parent()?;
    }
}

/// "Now" for change tracking: `SOURCE_DATE_EPOCH` when set, else the clock.
pub fn now_from_env() -> i64 {
    if let Some(v) = std::env::var_os("SOURCE_DATE_EPOCH") {
        if let Some(n) = v.to_str().and_then(|s| s.trim().parse::<i64>().ok()) {
            return n;
        }
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

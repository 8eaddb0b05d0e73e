//! The command line: argument parsing (clap) and the `build`, `check` and
//! `apply` (alias `apply-csv`) commands. Exit codes: 0 success, 1 content errors (or
//! `--locked` would change the lock, or a refused review sheet), 2 usage or
//! I/O errors. The build itself is [`crate::build`]'s.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::PossibleValue;
use clap::{Parser, Subcommand, ValueEnum};

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

use crate::build::{self, BuildError, BuildOptions};
use crate::check::load_and_check;
use crate::diagnostic::Diagnostic;
use crate::export::{ExportError, Format};
use crate::model::Bank;
use crate::pdf::Paper;

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

/// The names `--format` takes: each format's file extension. (Implemented
/// here so that clap stays out of the rest of the library.)
impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[Format::Apkg, Format::Pdf, Format::Csv, Format::Xlsx]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.extension()))
    }
}

/// The names `--paper` takes (clap's own names for the variants, as its
/// derive gave them).
impl ValueEnum for Paper {
    fn value_variants<'a>() -> &'a [Self] {
        &[Paper::A4, Paper::Letter, Paper::A5]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
            Paper::A5 => "a5",
        }))
    }
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
                content,
                out_dir: out,
                formats: format,
                paper,
                locked,
                now: now_from_env(),
            };
            build_command(&opts)
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

fn build_command(opts: &BuildOptions) -> u8 {
    let bank = match checked_bank(&opts.content) {
        Ok(b) => b,
        Err(code) => return code,
    };
    match build::run(&bank, opts) {
        Ok(summaries) => {
            for summary in summaries {
                for line in summary.lines() {
                    say!("{line}");
                }
            }
            EXIT_OK
        }
        Err(BuildError::Export(failed)) => {
            let mut code = EXIT_OK;
            for (format, e) in failed {
                match e {
                    ExportError::LockOutdated(msg) => {
                        tell!("error: {msg}");
                        code = code.max(EXIT_CONTENT);
                    }
                    ExportError::Content(msg) => {
                        for line in msg.lines() {
                            tell!("{line}");
                        }
                        code = code.max(EXIT_CONTENT);
                    }
                    ExportError::Other(e) => {
                        tell!("error: {}: {e:#}", format.extension());
                        code = EXIT_FAILURE;
                    }
                }
            }
            tell!("qbank: nothing was written");
            code
        }
        Err(BuildError::Other(e)) => {
            tell!("error: {e:#}");
            EXIT_FAILURE
        }
    }
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

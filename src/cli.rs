//! The command line: argument parsing (clap), the `build`, `check` and
//! `apply` (alias `apply-csv`) commands, and the one exit path: every command
//! returns `Result<(), Failure>`, and [`main`] reports a `Failure` and
//! turns it into the exit code. Exit codes: 0 success, 1 content errors (or
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
use crate::diagnostic::{self, Diagnostic, Location};
use crate::export::{ExportError, Exporter, Format};
use crate::model::Bank;
use crate::pdf::Paper;
use crate::review_csv::apply::{self, ApplyError};

/// Exit code: success.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code: the content has errors (or the lock is out of date with `--locked`).
pub(crate) const EXIT_CONTENT: u8 = 1;
/// Exit code: bad usage or an I/O failure.
pub(crate) const EXIT_FAILURE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "qbank",
    version,
    about = "Turns a question bank into an Anki deck, a PDF booklet and a review CSV"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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

/// Why a command did not succeed. [`main`] reports it ([`Failure::report`])
/// and turns it into the exit code ([`Failure::exit_code`]): the one place
/// exit codes are chosen.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The bank has errors (its diagnostics are already printed).
    Content { errors: usize, warnings: usize },
    /// `apply` refused the reviewed sheet: its problems, in the sheet or the bank.
    Refused(Vec<Diagnostic>),
    /// These exporters failed, so the build wrote nothing.
    NotBuilt(Vec<(Format, ExportError)>),
    /// A usage or I/O error.
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Other(e)
    }
}

impl From<BuildError> for Failure {
    fn from(e: BuildError) -> Failure {
        match e {
            BuildError::Export(failed) => Failure::NotBuilt(failed),
            BuildError::Other(e) => Failure::Other(e),
        }
    }
}

impl From<ApplyError> for Failure {
    fn from(e: ApplyError) -> Failure {
        match e {
            ApplyError::Refused(problems) => Failure::Refused(problems),
            ApplyError::Failed(e) => Failure::Other(e),
        }
    }
}

impl Failure {
    /// 1 for errors in the content (a `--locked` refusal, a sheet or bank
    /// that cannot be exported or applied), 2 for usage and I/O failures.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Failure::Content { .. } | Failure::Refused(_) => EXIT_CONTENT,
            Failure::NotBuilt(failed) => failed
                .iter()
                .map(|(_, e)| match e {
                    ExportError::LockOutdated(_) | ExportError::Content(_) => EXIT_CONTENT,
                    ExportError::Other(_) => EXIT_FAILURE,
                })
                .max()
                .unwrap_or(EXIT_FAILURE),
            Failure::Other(_) => EXIT_FAILURE,
        }
    }

    /// Tell the user, on standard error.
    pub(crate) fn report(&self) {
        match self {
            Failure::Content { errors, warnings } => {
                tell!("qbank: {errors} error(s), {warnings} warning(s)");
            }
            Failure::Refused(problems) => {
                for problem in problems {
                    tell!("{problem}");
                }
                tell!("qbank: the review was not applied; no file was changed");
            }
            Failure::NotBuilt(failed) => {
                for (format, e) in failed {
                    match e {
                        ExportError::LockOutdated(msg) => tell!("error: {msg}"),
                        ExportError::Content(msg) => {
                            for line in msg.lines() {
                                tell!("{line}");
                            }
                        }
                        ExportError::Other(e) => tell!("error: {}: {e:#}", format.extension()),
                    }
                }
                tell!("qbank: nothing was written");
            }
            Failure::Other(e) => tell!("error: {e:#}"),
        }
    }
}

/// Parse the arguments, run, and turn the result into an exit code.
pub fn main() -> ExitCode {
    // A usage error is clap's to report: it exits with 2 (`EXIT_FAILURE`).
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(failure) => {
            failure.report();
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Run a parsed command.
pub(crate) fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Check { content } => checked_bank(&content, &build::every_exporter()).map(drop),
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

/// Print each problem: its `path:line:` line, then, for a line of a
/// Markdown or TOML file, a snippet of that line (a caret under the
/// offending text where its column is known), each snippet line starting
/// with a space. Only files inside the content folder `content` are shown.
fn print_diagnostics(content: &Path, diags: &[Diagnostic]) {
    let mut sources = SourceLines {
        root: std::fs::canonicalize(content).ok(),
        files: std::collections::HashMap::default(),
    };
    for d in diags {
        tell!("{d}");
        if let Location::File { path, line, .. } = &d.location {
            if let Some(text) = sources.line(path, *line) {
                for l in diagnostic::snippet(*line, d.column(&text), &text).lines() {
                    tell!("{l}");
                }
            }
        }
    }
}

/// The lines of the content files diagnostics point into, each file read
/// once (as the loader reads it: a regular file of bounded size, the BOM
/// dropped, CRLF as LF). A file outside the content folder (through a
/// symbolic link the loader refused) is not shown.
struct SourceLines {
    /// The content folder, canonical.
    root: Option<PathBuf>,
    files: std::collections::HashMap<PathBuf, Option<String>>,
}

impl SourceLines {
    /// Line `line` (1-based) of the Markdown or TOML file at `path`, if it
    /// can be read and has a line there that is not blank.
    fn line(&mut self, path: &Path, line: usize) -> Option<String> {
        let root = self.root.as_deref();
        let text = self.files.entry(path.to_path_buf()).or_insert_with(|| {
            let real = std::fs::canonicalize(path).ok()?;
            if !real.starts_with(root?) {
                return None;
            }
            let ext = path.extension()?.to_str()?.to_ascii_lowercase();
            if !matches!(ext.as_str(), "md" | "toml" | "lock") {
                return None;
            }
            let bytes = crate::load::read_regular_file(
                &real,
                crate::load::MAX_TEXT_FILE_BYTES,
                "a bank's text files",
            )
            .ok()?;
            let text = String::from_utf8(bytes).ok()?;
            Some(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
        });
        let source = text.as_deref()?.split('\n').nth(line.checked_sub(1)?)?;
        let source = source.strip_suffix('\r').unwrap_or(source);
        (!source.trim().is_empty()).then(|| source.to_string())
    }
}

/// Load and check, with what each of `exporters` finds on its own; print
/// the diagnostics; return the bank when there is no error.
fn checked_bank(content: &Path, exporters: &[Box<dyn Exporter>]) -> Result<Bank, Failure> {
    if !content.join("bank.toml").is_file() && !content.is_dir() {
        return Err(anyhow::anyhow!("content folder `{}` not found", content.display()).into());
    }
    let (bank, mut diags) = load_and_check(content);
    if let Some(bank) = &bank {
        let before = diags.len();
        diags.extend(exporters.iter().flat_map(|e| e.check(bank)));
        if diags.len() > before {
            diagnostic::sort(&mut diags);
            diags.dedup();
        }
    }
    print_diagnostics(content, &diags);
    let errors = diags.iter().filter(|d| d.is_error()).count();
    match bank {
        Some(bank) if errors == 0 => Ok(bank),
        _ => Err(Failure::Content {
            errors,
            warnings: diags.len() - errors,
        }),
    }
}

fn build_command(opts: &BuildOptions) -> Result<(), Failure> {
    let exporters = build::selected(opts)?;
    let bank = checked_bank(&opts.content, &exporters)?;
    for summary in build::run(&bank, opts, &exporters)? {
        for line in summary.lines() {
            say!("{line}");
        }
    }
    Ok(())
}

fn apply_command(file: &Path, content: &Path, dry_run: bool) -> Result<(), Failure> {
    let plan = apply::plan(file, content)?;
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
    } else {
        apply::write(&plan)?;
        comments();
        say!("apply: {summary} written");
    }
    Ok(())
}

/// "Now" for change tracking: `SOURCE_DATE_EPOCH` when set, else the clock.
pub(crate) fn now_from_env() -> i64 {
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

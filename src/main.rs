//! The `qbank` command: [`qbank::cli::main`] parses the arguments, runs the
//! command and maps its result to the exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    qbank::cli::main()
}

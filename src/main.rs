//! The `qbank` command: parses arguments and hands over to [`qbank::cli::run`].

use std::process::ExitCode;

fn main() -> ExitCode {
    qbank::cli::main()
}

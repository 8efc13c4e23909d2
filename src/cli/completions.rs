//! `sisa completions SHELL`: the shell's completion script for every command and option, on
//! stdout (generated from the same clap definitions the arguments are parsed with).

use std::io::{ErrorKind, Write};

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;
use crate::error::Result;
use crate::results::ResultsError;

/// Options of `sisa completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    pub shell: Shell,
}

/// Runs `sisa completions`.
pub fn run(args: &CompletionsArgs) -> Result<()> {
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    match std::io::stdout().write_all(&script) {
        // A reader that stops early (`| head`) is not a failure.
        Err(error) if error.kind() != ErrorKind::BrokenPipe => Err(ResultsError::Io {
            path: "stdout".into(),
            source: error,
        }
        .into()),
        _ => Ok(()),
    }
}

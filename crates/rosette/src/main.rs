//! The `rosette` command: the offline credential tools today, the server as it grows.
//!
//! Every subcommand prints one readable message and exits non-zero when something goes
//! wrong. `rosette verify` has its own exit codes: 0 valid, 1 invalid, 2 could not check.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;
mod fetch;

/// Verifiable digital badges for hands-on learning.
#[derive(Debug, Parser)]
#[command(name = "rosette", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(cli::keys::KeysCommand),
    /// Sign credentials.
    #[command(subcommand)]
    Credential(cli::credential::CredentialCommand),
    /// Verify a credential: JSON, VC-JWT, or a baked PNG or SVG (OB 3.0 or 2.0).
    Verify(cli::verify::VerifyArgs),
    /// Bake a credential into a PNG or SVG image.
    Bake(cli::bake::BakeArgs),
    /// Print the credential baked into a PNG or SVG image.
    Unbake(cli::bake::UnbakeArgs),
    /// A guided tour: sign, bake and verify a badge, and catch a forgery.
    Demo(cli::demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keys(cmd) => cmd.run(),
        Command::Credential(cmd) => cmd.run(),
        Command::Verify(args) => args.run(),
        Command::Bake(args) => args.run(),
        Command::Unbake(args) => args.run(),
        Command::Demo(args) => args.run(),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("rosette: {err:#}");
            ExitCode::from(2)
        }
    }
}

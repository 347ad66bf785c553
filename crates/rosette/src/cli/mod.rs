//! The `rosette` command line: one module per subcommand.
//!
//! Every subcommand prints one readable message and exits non-zero when something goes
//! wrong. `rosette verify` has its own exit codes: 0 valid, 1 invalid, 2 could not check.

mod admin;
mod artwork;
pub mod bake;
pub mod credential;
pub mod demo;
pub mod keys;
pub mod labs;
pub mod serve;
mod tour;
pub mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Verifiable digital badges for hands-on learning.
#[derive(Debug, Parser)]
#[command(name = "rosette", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Bring the database schema up to date and exit.
    Migrate(serve::ServeArgs),
    /// Manage organizations.
    #[command(subcommand)]
    Orgs(admin::OrgsCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Tokens(admin::TokensCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Sign credentials.
    #[command(subcommand)]
    Credential(credential::CredentialCommand),
    /// Verify a credential: JSON, VC-JWT, or a baked PNG or SVG (OB 3.0 or 2.0).
    Verify(verify::VerifyArgs),
    /// Bake a credential into a PNG or SVG image.
    Bake(bake::BakeArgs),
    /// Print the credential baked into a PNG or SVG image.
    Unbake(bake::UnbakeArgs),
    /// Run the server with a seeded demo organization, and print how to sign in.
    Demo(demo::DemoArgs),
    /// Hands-on lab tracks.
    #[command(subcommand)]
    Labs(labs::LabsCommand),
}

/// Parses the command line and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => args.serve(),
        Command::Migrate(args) => args.migrate(),
        Command::Orgs(cmd) => cmd.run(),
        Command::Tokens(cmd) => cmd.run(),
        Command::Keys(cmd) => cmd.run(),
        Command::Credential(cmd) => cmd.run(),
        Command::Verify(args) => args.run(),
        Command::Bake(args) => args.run(),
        Command::Unbake(args) => args.run(),
        Command::Demo(args) => args.run(),
        Command::Labs(cmd) => cmd.run(),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("rosette: {err:#}");
            ExitCode::from(2)
        }
    }
}

use std::io::Read;
use std::path::Path;

use anyhow::Context;

/// The most a file given on the command line may weigh before it is refused.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// The UTF-8 byte order mark.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Reads a file, or standard input for `-` or no path.
pub fn read_input(path: Option<&Path>) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match path {
        None => read_limited(std::io::stdin().lock(), &mut bytes, "standard input")?,
        Some(p) if p == Path::new("-") => {
            read_limited(std::io::stdin().lock(), &mut bytes, "standard input")?
        }
        Some(p) => {
            let file =
                std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
            read_limited(file, &mut bytes, &p.display().to_string())?
        }
    }
    Ok(bytes)
}

fn read_limited(reader: impl Read, into: &mut Vec<u8>, what: &str) -> anyhow::Result<()> {
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(into)
        .with_context(|| format!("cannot read {what}"))?;
    if into.len() as u64 > MAX_INPUT_BYTES {
        anyhow::bail!("{what} is larger than {MAX_INPUT_BYTES} bytes");
    }
    Ok(())
}

/// Parses JSON with a message that says where it went wrong.
pub fn parse_json(bytes: &[u8], what: &str) -> anyhow::Result<serde_json::Value> {
    // Some editors start a text file with a byte order mark, which JSON readers may ignore.
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    serde_json::from_slice(bytes).with_context(|| format!("{what} is not valid JSON"))
}

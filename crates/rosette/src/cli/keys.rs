//! `rosette keys`: making signing keys.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use badges::keys::{KeyFile, KeyPair};
use clap::Subcommand;

/// Key subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate a new Ed25519 key as a JSON key file (secret included).
    Generate {
        /// Write the key here (created with mode 0600) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The issuer id (an https URL) the key belongs to; by default the key is a did:key.
        #[arg(long)]
        controller: Option<String>,
    },
}

impl KeysCommand {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let Self::Generate { out, controller } = self;
        let pair = KeyPair::generate();
        let mut file = KeyFile::for_did_key(&pair);
        if let Some(controller) = controller {
            if !controller.starts_with("https://") && !controller.starts_with("did:web:") {
                anyhow::bail!("--controller must be an https URL or a did:web identifier");
            }
            file.id = format!("{controller}#{}", pair.public_multibase());
            file.controller = controller;
        }
        let text = serde_json::to_string_pretty(&file)? + "\n";
        match out {
            None => std::io::stdout().write_all(text.as_bytes())?,
            Some(path) => write_secret(&path, text.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?,
        }
        eprintln!("public key: {}", file.public_key_multibase);
        Ok(ExitCode::SUCCESS)
    }
}

/// Writes a file only its owner can read, refusing to replace an existing one.
fn write_secret(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

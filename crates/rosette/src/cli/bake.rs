//! `rosette bake` and `rosette unbake`: putting a credential into a badge image and taking it
//! out again.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use badges::bake::{self, BadgeVersion, BakeLimits};
use clap::Args;

/// Arguments of `rosette bake`.
#[derive(Debug, Args)]
pub struct BakeArgs {
    /// The signed credential: JSON, or a VC-JWT.
    #[arg(long)]
    credential: PathBuf,
    /// The badge image, PNG or SVG.
    #[arg(long)]
    image: PathBuf,
    /// Where to write the baked image.
    #[arg(long)]
    out: PathBuf,
    /// Bake an Open Badges 2.0 assertion (JSON, JWS or URL) instead of a 3.0 credential.
    #[arg(long)]
    ob2: bool,
}

impl BakeArgs {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let credential = super::read_input(Some(&self.credential))?;
        let credential = String::from_utf8(credential)
            .with_context(|| format!("{} is not UTF-8 text", self.credential.display()))?;
        let image = super::read_input(Some(&self.image))?;
        let version = if self.ob2 {
            BadgeVersion::V2
        } else {
            BadgeVersion::V3
        };
        let payload = credential.trim().trim_start_matches('\u{feff}');
        let baked = bake::bake(&image, version, payload, &BakeLimits::default())
            .with_context(|| format!("cannot bake into {}", self.image.display()))?;
        std::fs::write(&self.out, baked)
            .with_context(|| format!("cannot write {}", self.out.display()))?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Arguments of `rosette unbake`.
#[derive(Debug, Args)]
pub struct UnbakeArgs {
    /// The baked PNG or SVG; standard input when `-`.
    file: PathBuf,
}

impl UnbakeArgs {
    /// Runs the subcommand: prints what the image carries.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let bytes = super::read_input(Some(&self.file))?;
        let baked = bake::unbake(&bytes, &BakeLimits::default())
            .with_context(|| format!("cannot unbake {}", self.file.display()))?;
        println!("{}", baked.payload);
        Ok(ExitCode::SUCCESS)
    }
}

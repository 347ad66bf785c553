//! `rosette labs`: hands-on lab tracks.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use labs::sandbox::linux::Namespaces;
use labs::track::Track;

/// The `rosette labs` subcommands.
#[derive(Debug, Subcommand)]
pub enum LabsCommand {
    /// Test a track in a real sandbox: for each challenge, setup, check (must fail), solve,
    /// check (must pass), cleanup. Exits 0 when every challenge passes, 1 when one fails, 2
    /// when the track could not be tested (an invalid track, or no sandbox on this machine).
    Test {
        /// The track's folder (the one holding `track.yaml`).
        dir: PathBuf,
    },
}

impl LabsCommand {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            Self::Test { dir } => test(&dir),
        }
    }
}

fn test(dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    let track = Track::load(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let sandboxes = Namespaces::detect()?;
    let work = std::env::temp_dir().join(format!("rosette-labs-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(labs::runner::test_track(&track, &sandboxes, &work));
    let _ = std::fs::remove_dir_all(&work);
    let report = report?;
    print!("{}", report.to_text());
    Ok(ExitCode::from(if report.passed() { 0 } else { 1 }))
}

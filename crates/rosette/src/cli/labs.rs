//! `rosette labs`: hands-on lab tracks.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use labs::sandbox::linux::Namespaces;
use labs::track::Track;

use super::admin::{block_on, open};
use crate::config::ServeFlags;
use crate::lab::{self, Change};

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
    /// Import a track into an organization: checked, then stored as a new version when it
    /// changed since the last import (sessions already running stay on theirs).
    Import {
        /// The track's folder (the one holding `track.yaml`).
        dir: PathBuf,
        /// The organization's slug.
        #[arg(long)]
        org: String,
        /// The issuer of the achievement made from the track's description, when the
        /// organization has more than one.
        #[arg(long)]
        issuer: Option<String>,
        #[command(flatten)]
        flags: ServeFlags,
    },
}

impl LabsCommand {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            Self::Test { dir } => test(&dir),
            Self::Import {
                dir,
                org,
                issuer,
                flags,
            } => import(&dir, &org, issuer.as_deref(), &flags),
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

fn import(
    dir: &std::path::Path,
    org: &str,
    issuer: Option<&str>,
    flags: &ServeFlags,
) -> anyhow::Result<ExitCode> {
    let track = Track::load(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let (_, db) = open(flags)?;
    let org = block_on(crate::org::by_slug(&db, org))?
        .with_context(|| format!("there is no organization {org:?}"))?;
    let imported = block_on(lab::import(&db, &org.id, &track, issuer))
        .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let t = &imported.track;
    let what = match imported.change {
        Change::Created => "Imported the new track",
        Change::NewVersion => "Imported a new version of",
        Change::Unchanged => "Nothing changed in",
    };
    println!(
        "{what} {} ({}):\nversion {} ({}), {} challenges.",
        t.slug, t.title, t.number, t.version, t.challenges
    );
    let made = if imported.achievement_created {
        "made now"
    } else {
        "existing"
    };
    println!("It awards the achievement {} ({made}).", t.achievement_id);
    Ok(ExitCode::SUCCESS)
}

//! `rosette serve` and `rosette migrate`.

use std::process::ExitCode;

use clap::Args;

use crate::config::{ServeFlags, Settings};

/// Arguments of `rosette serve` and `rosette migrate`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    flags: ServeFlags,
}

impl ServeArgs {
    /// Runs the server until Ctrl-C or SIGTERM.
    pub fn serve(self) -> anyhow::Result<ExitCode> {
        let settings = Settings::load(&self.flags)?;
        crate::telemetry::init(settings.log_format);
        runtime()?.block_on(crate::server::run(settings))?;
        Ok(ExitCode::SUCCESS)
    }

    /// Migrates the database and exits.
    pub fn migrate(self) -> anyhow::Result<ExitCode> {
        let settings = Settings::load(&self.flags)?;
        crate::telemetry::init(settings.log_format);
        runtime()?.block_on(async {
            std::fs::create_dir_all(&settings.data_dir)?;
            let db = crate::db::Db::connect(&settings.database_url()).await?;
            db.migrate().await?;
            eprintln!("the database schema is up to date");
            anyhow::Ok(())
        })?;
        Ok(ExitCode::SUCCESS)
    }
}

/// The runtime a server runs on.
pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

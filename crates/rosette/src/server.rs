//! Starting the server: settings, logs, database, master key, then the HTTP listener.

use crate::config::Settings;
use crate::db::Db;
use crate::email::Mailer;
use crate::http::{self, AppState};
use crate::jobs;
use crate::secrets::Sealer;

/// Opens what the server needs (creating the data folder and migrating the database).
pub async fn prepare(settings: Settings) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&settings.data_dir)?;
    let db = Db::connect(&settings.database_url()).await?;
    db.migrate().await?;
    let sealer = Sealer::load(settings.master_key.as_deref(), &settings.data_dir)?;
    let mailer = Mailer::from_settings(&settings)?;
    Ok(AppState::new(db, settings, sealer, mailer))
}

/// Runs the server until it is told to stop.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let listen = settings.listen;
    let state = prepare(settings).await?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(
        address = %listener.local_addr()?,
        public_url = %state.public_url(),
        engine = ?state.db().engine,
        "server started"
    );
    let ended = crate::lab::session::end_orphans(&state).await?;
    if ended > 0 {
        tracing::warn!(
            sessions = ended,
            "lab sessions of the last run ended with it"
        );
    }
    jobs::spawn_worker(state.clone());
    crate::lab::session::spawn_reaper(state.clone());
    http::serve(listener, state).await
}

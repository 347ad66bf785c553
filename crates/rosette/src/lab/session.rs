//! Lab sessions: one learner working through one version of a track, in a sandbox of its
//! own on this server.
//!
//! Starting a session writes the version's files out (once per version), starts a sandbox,
//! and runs the track's setup and the first challenge's. Check runs the current challenge's
//! check as the sandbox's root: a pass moves on to the next challenge (its setup runs), a
//! failure answers the check's `FAIL:` lines. Skip, where the track allows it, runs the
//! challenge's solve as the learner and records the challenge as skipped. When the last
//! challenge passes, the track's achievement is awarded, with evidence of how it was earned,
//! and the sandbox ends. Every step is an event.
//!
//! The sandbox lives in this server's memory (the [`Registry`]); the session's row says
//! which server holds it, and a server that starts again ends the sessions it held, whose
//! sandboxes died with it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};

use base64::Engine;
use labs::runner::{fail_lines, run_script};
use labs::sandbox::linux::Namespaces;
use labs::sandbox::{As, Limits, Network, Outcome, Sandbox, Sandboxes, Spec, WindowSize};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::terminal::Hub;
use crate::auth::{Actor, Caller, Role, new_secret, secret_hash};
use crate::award::{self, AwardResult, EvidenceItem, NewAward};
use crate::db::{new_id, now_ms};
use crate::event::{self, EventKind};
use crate::http::{ApiError, AppState};
use crate::validate::Email;

/// The sandboxes this server holds, by session id.
#[derive(Default)]
pub struct Registry {
    live: std::sync::Mutex<HashMap<String, Arc<Live>>>,
    /// Sessions running or starting, against `labs.max_sessions`.
    taken: Arc<std::sync::atomic::AtomicUsize>,
    sandboxes: OnceLock<Result<Arc<Namespaces>, String>>,
}

/// A place taken for a session that is starting; given back when dropped, unless the
/// session started, which gives it back when it leaves the registry.
struct Place(Option<Arc<std::sync::atomic::AtomicUsize>>);

impl Place {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Some(taken) = &self.0 {
            taken.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("lab::session::Registry(..)")
    }
}

/// A running session's sandbox (one script at a time) and its terminal.
struct Live {
    sandbox: Box<dyn Sandbox>,
    busy: tokio::sync::Mutex<()>,
    terminal: tokio::sync::Mutex<Option<Arc<Hub>>>,
    /// When terminal input last reached the database as activity (Unix ms).
    activity_stored: AtomicI64,
}

impl Registry {
    fn sandboxes(&self) -> Result<Arc<Namespaces>, ApiError> {
        let found = self.sandboxes.get_or_init(|| {
            Namespaces::detect()
                .map(Arc::new)
                .map_err(|e| e.to_string())
        });
        found.clone().map_err(|reason| {
            ApiError::unavailable(format!("labs are not available on this server: {reason}"))
        })
    }

    fn get(&self, id: &str) -> Option<Arc<Live>> {
        self.live.lock().ok()?.get(id).cloned()
    }

    fn insert(&self, id: &str, live: Arc<Live>) {
        if let Ok(mut map) = self.live.lock() {
            map.insert(id.to_owned(), live);
        }
    }

    fn remove(&self, id: &str) -> Option<Arc<Live>> {
        let removed = self.live.lock().ok()?.remove(id);
        if removed.is_some() {
            self.taken.fetch_sub(1, Ordering::SeqCst);
        }
        removed
    }

    /// A place for one more session, unless `max` run or are starting.
    fn take_place(&self, max: usize) -> Result<Place, ApiError> {
        let taken = self.taken.fetch_add(1, Ordering::SeqCst);
        let place = Place(Some(self.taken.clone()));
        if taken >= max {
            return Err(ApiError::unavailable(format!(
                "this server runs as many lab sessions as it may ({max}, the setting \
                 labs.max_sessions); try again when one has ended"
            )));
        }
        Ok(place)
    }
}

/// What sessions (and the track's page) read of a track version (written by the import).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Manifest {
    pub(crate) skipping_allowed: bool,
    pub(crate) time_limit_seconds: Option<u64>,
    pub(crate) idle_timeout_seconds: u64,
    pub(crate) limits: Limits,
    pub(crate) network: Network,
    setup: Option<String>,
    cleanup: Option<String>,
    pub(crate) challenges: Vec<ChallengeManifest>,
}

/// One challenge of a version's manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ChallengeManifest {
    slug: String,
    pub(crate) title: String,
    teaser: Option<String>,
    hints: Vec<String>,
    assignment: String,
    scripts: ScriptsManifest,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ScriptsManifest {
    setup: Option<String>,
    check: String,
    solve: String,
    cleanup: Option<String>,
}

/// How one challenge of a session went.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChallengeProgress {
    /// How many times its check ran.
    pub attempts: u32,
    /// When the learner reached it (Unix ms).
    pub started_at: Option<i64>,
    /// When its check passed (Unix ms).
    pub passed_at: Option<i64>,
    /// Whether it was skipped (its solve ran).
    pub skipped: bool,
}

/// A session as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// Its id.
    pub id: String,
    /// The track's slug.
    pub track: String,
    /// The track version's number.
    pub version: i64,
    /// `active`, `completed` or `ended`.
    pub status: String,
    /// The challenge the learner is on (its index from 0), while active.
    pub current: Option<usize>,
    /// Each challenge: its title, assignment and how it went.
    pub challenges: Vec<ChallengeView>,
    /// Whether a challenge may be skipped.
    pub skipping_allowed: bool,
    /// The award made when the track was finished.
    pub award_id: Option<String>,
    /// Why the session ended, when it ended unfinished.
    pub end_reason: Option<String>,
    /// When an active session reaches the track's time limit and ends (RFC 3339), if the
    /// track has one.
    pub ends_at: Option<String>,
    /// How long an active session may go without a check, a skip or typing in its terminal
    /// before it ends, in seconds.
    pub idle_timeout_seconds: u64,
    /// The learner's link to the session's page and terminal, in the answer that starts the
    /// session only (it holds a secret that is not stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learner_url: Option<String>,
}

/// One challenge of a session.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChallengeView {
    /// Its slug.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Its one-line summary.
    pub teaser: Option<String>,
    /// The assignment, in Markdown.
    pub assignment: String,
    /// Hints, in order.
    pub hints: Vec<String>,
    /// How it went.
    pub progress: ChallengeProgress,
}

/// The answer to a check.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckResult {
    /// Whether the check passed.
    pub passed: bool,
    /// What the check said was missing (its `FAIL:` lines), when it failed.
    pub fail: Vec<String>,
    /// The session after the check.
    pub session: SessionView,
}

/// A session as stored, with its version's manifest.
struct Stored {
    id: String,
    org_id: String,
    track_slug: String,
    version_number: i64,
    achievement_id: String,
    learner_email: String,
    learner_name: Option<String>,
    status: String,
    current: usize,
    progress: Vec<ChallengeProgress>,
    award_id: Option<String>,
    end_reason: Option<String>,
    started_at: i64,
    last_activity_at: i64,
    manifest: Manifest,
    /// The version's title.
    title: String,
}

const SELECT: &str = "SELECT s.id, s.org_id, t.slug, v.number, \
     t.achievement_id, s.learner_email, s.learner_name, s.status, s.current_challenge, \
     s.progress, s.award_id, s.end_reason, s.started_at, s.last_activity_at, v.manifest, \
     v.title FROM lab_sessions s JOIN tracks t ON t.id = s.track_id \
     JOIN track_versions v ON v.id = s.version_id";

fn read_row(row: &sqlx::any::AnyRow) -> Result<Stored, ApiError> {
    let manifest: Manifest =
        serde_json::from_str(&row.get::<String, _>("manifest")).map_err(ApiError::internal)?;
    let progress =
        serde_json::from_str(&row.get::<String, _>("progress")).map_err(ApiError::internal)?;
    let current: i64 = row.get("current_challenge");
    Ok(Stored {
        id: row.get("id"),
        org_id: row.get("org_id"),
        track_slug: row.get("slug"),
        version_number: row.get("number"),
        achievement_id: row.get("achievement_id"),
        learner_email: row.get("learner_email"),
        learner_name: row.get("learner_name"),
        status: row.get("status"),
        current: usize::try_from(current).unwrap_or(0),
        progress,
        award_id: row.get("award_id"),
        end_reason: row.get("end_reason"),
        started_at: row.get("started_at"),
        last_activity_at: row
            .get::<Option<i64>, _>("last_activity_at")
            .unwrap_or_else(|| row.get("started_at")),
        manifest,
        title: row.get("title"),
    })
}

impl Stored {
    fn view(&self) -> SessionView {
        let challenges = self
            .manifest
            .challenges
            .iter()
            .zip(&self.progress)
            .map(|(c, p)| ChallengeView {
                slug: c.slug.clone(),
                title: c.title.clone(),
                teaser: c.teaser.clone(),
                assignment: c.assignment.clone(),
                hints: c.hints.clone(),
                progress: p.clone(),
            })
            .collect();
        SessionView {
            id: self.id.clone(),
            track: self.track_slug.clone(),
            version: self.version_number,
            status: self.status.clone(),
            current: (self.status == "active").then_some(self.current),
            challenges,
            skipping_allowed: self.manifest.skipping_allowed,
            award_id: self.award_id.clone(),
            end_reason: self.end_reason.clone(),
            ends_at: self
                .deadline()
                .filter(|_| self.status == "active")
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            idle_timeout_seconds: self.manifest.idle_timeout_seconds,
            learner_url: None,
        }
    }

    /// When the track's time limit ends the session (Unix ms), if it has one.
    fn deadline(&self) -> Option<i64> {
        let limit = self.manifest.time_limit_seconds?;
        Some(self.started_at + i64::try_from(limit).ok()?.saturating_mul(1000))
    }

    /// Why the session should end at `now`, if it should: past its time limit, or idle.
    fn expired(&self, now: i64) -> Option<&'static str> {
        let idle_ms = i64::try_from(self.manifest.idle_timeout_seconds)
            .unwrap_or(i64::MAX / 1000)
            .saturating_mul(1000);
        if self.deadline().is_some_and(|deadline| now >= deadline) {
            Some("the track's time limit was reached")
        } else if now >= self.last_activity_at.saturating_add(idle_ms) {
            Some("the session was idle for too long")
        } else {
            None
        }
    }
}

/// The name this server's sessions carry, so that it finds them again after a restart.
fn runner(state: &AppState) -> String {
    format!(
        "{}@{}",
        state.settings().listen,
        state.settings().data_dir.display()
    )
}

fn sessions_dir(state: &AppState) -> PathBuf {
    state.settings().data_dir.join("labs").join("sessions")
}

/// Starts a session of the organization's track `slug` for a learner; with `email_link`, the
/// learner is emailed their link.
pub async fn start(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    email: &Email,
    name: Option<String>,
    email_link: bool,
) -> Result<SessionView, ApiError> {
    let sandboxes = state.lab_sessions().sandboxes()?;
    let place = state
        .lab_sessions()
        .take_place(state.settings().labs.max_sessions)?;
    let org_id = &caller.org_id;
    let row = sqlx::query(
        "SELECT t.id AS track_id, v.id AS version_id, v.manifest, v.files FROM tracks t \
         JOIN track_versions v ON v.track_id = t.id AND v.number = t.latest_version \
         WHERE t.org_id = $1 AND t.slug = $2",
    )
    .bind(org_id)
    .bind(slug)
    .fetch_optional(&state.db().pool)
    .await?
    .ok_or_else(|| ApiError::not_found("track"))?;
    let track_id: String = row.get("track_id");
    let version_id: String = row.get("version_id");
    let manifest: Manifest =
        serde_json::from_str(&row.get::<String, _>("manifest")).map_err(ApiError::internal)?;
    let track_dir = state
        .settings()
        .data_dir
        .join("labs")
        .join("tracks")
        .join(&version_id);
    write_files(&track_dir, &row.get::<Vec<u8>, _>("files")).map_err(ApiError::internal)?;

    let id = new_id();
    let spec = Spec {
        state_dir: sessions_dir(state).join(&id),
        track_dir,
        limits: manifest.limits,
        network: manifest.network,
        hostname: slug.chars().take(63).collect(),
    };
    std::fs::create_dir_all(&spec.state_dir).map_err(ApiError::internal)?;
    let sandbox = match sandboxes.create(&spec).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&spec.state_dir);
            return Err(match e {
                labs::sandbox::SandboxError::Unavailable(why) => {
                    ApiError::unavailable(format!("labs are not available on this server: {why}"))
                }
                e => ApiError::internal(e),
            });
        }
    };
    let mut progress = vec![ChallengeProgress::default(); manifest.challenges.len()];
    let now = now_ms();
    progress[0].started_at = Some(now);
    let setups = [
        manifest.setup.clone(),
        manifest.challenges[0].scripts.setup.clone(),
    ];
    for script in setups.into_iter().flatten() {
        let outcome = run(
            sandbox.as_ref(),
            &script,
            As::Root,
            Some(&manifest.challenges[0].slug),
        )
        .await;
        if !outcome.as_ref().is_ok_and(Outcome::succeeded) {
            let _ = sandbox.destroy().await;
            let _ = std::fs::remove_dir_all(&spec.state_dir);
            return Err(ApiError::internal(format!(
                "the track's setup script {script} failed: {outcome:?}"
            )));
        }
    }

    let progress_json = serde_json::to_string(&progress).map_err(ApiError::internal)?;
    let access = new_secret(ACCESS_PREFIX);
    let _write = state.db().write_lock().await;
    let mut tx = state.db().pool.begin().await?;
    sqlx::query(
        "INSERT INTO lab_sessions (id, org_id, track_id, version_id, learner_email, \
         learner_name, status, current_challenge, progress, runner, started_at, \
         last_activity_at, access_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', 0, $7, $8, $9, $9, $10)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(&track_id)
    .bind(&version_id)
    .bind(email.as_str())
    .bind(&name)
    .bind(&progress_json)
    .bind(runner(state))
    .bind(now)
    .bind(secret_hash(&access))
    .execute(&mut *tx)
    .await?;
    let data = json!({"track": slug, "version_id": version_id});
    event::append(&mut tx, org_id, EventKind::LabSessionStarted, &id, data).await?;
    if email_link {
        super::invite::queue(state, &mut tx, org_id, &id, &access).await?;
    }
    tx.commit().await?;
    drop(_write);
    let live = Arc::new(Live {
        sandbox,
        busy: tokio::sync::Mutex::new(()),
        terminal: tokio::sync::Mutex::new(None),
        // The first keystroke is stored at once; later ones at most every 30 seconds.
        activity_stored: AtomicI64::new(0),
    });
    state.lab_sessions().insert(&id, live);
    place.keep();
    tracing::info!(lab.session = %id, track.slug = %slug, "lab session started");
    let mut view = load(state, org_id, &id).await?.view();
    view.learner_url = Some(format!("{}{JOIN_PATH}{access}", state.public_url()));
    Ok(view)
}

/// The start of every learner link's secret.
pub const ACCESS_PREFIX: &str = "lab_";
/// Where learner links point; the secret follows.
pub const JOIN_PATH: &str = "/lab/join/";
/// How often, at most, typing in a terminal is stored as the session's activity.
const ACTIVITY_EVERY_MS: i64 = 30_000;

/// The organization and id of the session a learner link's secret opens, if any.
pub async fn by_access(
    state: &AppState,
    secret: &str,
) -> Result<Option<(String, String)>, ApiError> {
    if !secret.starts_with(ACCESS_PREFIX) {
        return Ok(None);
    }
    let row = sqlx::query("SELECT org_id, id FROM lab_sessions WHERE access_hash = $1")
        .bind(secret_hash(secret))
        .fetch_optional(&state.db().pool)
        .await?;
    Ok(row.map(|row| (row.get("org_id"), row.get("id"))))
}

/// The caller a learner acts as on their own session: the session itself, with the right to
/// check, skip and end it and to be awarded at its end.
pub fn learner_caller(org_id: &str, id: &str) -> Caller {
    Caller {
        org_id: org_id.to_owned(),
        role: Role::Author,
        actor: Actor::LabSession(id.to_owned()),
    }
}

/// Reads a session of the organization for its page, with its track version's title.
pub async fn get_titled(
    state: &AppState,
    org_id: &str,
    id: &str,
) -> Result<(SessionView, String), ApiError> {
    let session = load(state, org_id, id).await?;
    Ok((session.view(), session.title))
}

/// The session's terminal: the shell already open, or a new one of `size`.
pub(crate) async fn terminal(
    state: &AppState,
    org_id: &str,
    id: &str,
    size: WindowSize,
) -> Result<Arc<Hub>, ApiError> {
    let session = load(state, org_id, id).await?;
    let live = live(state, &session).await?;
    let mut terminal = live.terminal.lock().await;
    if let Some(hub) = terminal.as_ref().filter(|hub| !hub.ended()) {
        return Ok(hub.clone());
    }
    let hub = Hub::open(live.sandbox.as_ref(), size)
        .await
        .map_err(ApiError::internal)?;
    *terminal = Some(hub.clone());
    Ok(hub)
}

/// Records that the learner typed in the session's terminal, so that it is not idle; stored
/// at most every [`ACTIVITY_EVERY_MS`].
pub(crate) async fn touch(state: &AppState, org_id: &str, id: &str) -> Result<(), ApiError> {
    let Some(live) = state.lab_sessions().get(id) else {
        return Ok(());
    };
    let now = now_ms();
    let stored = live.activity_stored.load(Ordering::Relaxed);
    if now - stored < ACTIVITY_EVERY_MS
        || live
            .activity_stored
            .compare_exchange(stored, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return Ok(());
    }
    let _write = state.db().write_lock().await;
    sqlx::query(
        "UPDATE lab_sessions SET last_activity_at = $1 \
         WHERE org_id = $2 AND id = $3 AND status = 'active'",
    )
    .bind(now)
    .bind(org_id)
    .bind(id)
    .execute(&state.db().pool)
    .await?;
    Ok(())
}

/// Reads a session of the organization.
pub async fn get(state: &AppState, org_id: &str, id: &str) -> Result<SessionView, ApiError> {
    Ok(load(state, org_id, id).await?.view())
}

async fn load(state: &AppState, org_id: &str, id: &str) -> Result<Stored, ApiError> {
    let sql = format!("{SELECT} WHERE s.org_id = $1 AND s.id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id)
        .bind(id)
        .fetch_optional(&state.db().pool)
        .await?
        .ok_or_else(|| ApiError::not_found("lab session"))?;
    read_row(&row)
}

/// The live sandbox of an active session, or why there is none.
async fn live(state: &AppState, session: &Stored) -> Result<Arc<Live>, ApiError> {
    if session.status != "active" {
        return Err(ApiError::conflict(format!(
            "the session is {}; start a new one",
            session.status
        )));
    }
    state.lab_sessions().get(&session.id).ok_or_else(|| {
        ApiError::conflict("the session's sandbox is held by another server or has ended")
    })
}

/// Runs the current challenge's check.
pub async fn check(state: &AppState, caller: &Caller, id: &str) -> Result<CheckResult, ApiError> {
    let session = load(state, &caller.org_id, id).await?;
    let live = live(state, &session).await?;
    let _busy = live.busy.lock().await;
    let mut session = load(state, &caller.org_id, id).await?;
    if session.status != "active" {
        return Err(ApiError::conflict("the session has ended"));
    }
    let challenge = session.manifest.challenges[session.current].clone();
    let outcome = run(
        live.sandbox.as_ref(),
        &challenge.scripts.check,
        As::Root,
        Some(&challenge.slug),
    )
    .await
    .map_err(ApiError::internal)?;
    session.progress[session.current].attempts += 1;
    let attempts = session.progress[session.current].attempts;
    let data = json!({"challenge": challenge.slug, "attempts": attempts});
    if outcome.succeeded() {
        advance(state, caller, &live, &mut session, false).await?;
        return Ok(CheckResult {
            passed: true,
            fail: Vec::new(),
            session: session.view(),
        });
    }
    save(state, &session, EventKind::LabCheckFailed, data).await?;
    let fail = fail_lines(&outcome.output)
        .into_iter()
        .map(str::to_owned)
        .collect();
    Ok(CheckResult {
        passed: false,
        fail,
        session: session.view(),
    })
}

/// Skips the current challenge, where the track allows it: its solve runs as the learner,
/// and then its check, which must pass.
pub async fn skip(state: &AppState, caller: &Caller, id: &str) -> Result<SessionView, ApiError> {
    let session = load(state, &caller.org_id, id).await?;
    if !session.manifest.skipping_allowed {
        return Err(ApiError::conflict(
            "this track does not allow skipping challenges",
        ));
    }
    let live = live(state, &session).await?;
    let _busy = live.busy.lock().await;
    let mut session = load(state, &caller.org_id, id).await?;
    let challenge = session.manifest.challenges[session.current].clone();
    let sandbox = live.sandbox.as_ref();
    let solved = run(
        sandbox,
        &challenge.scripts.solve,
        As::Learner,
        Some(&challenge.slug),
    )
    .await;
    let checked = run(
        sandbox,
        &challenge.scripts.check,
        As::Root,
        Some(&challenge.slug),
    )
    .await;
    if !solved.as_ref().is_ok_and(Outcome::succeeded)
        || !checked.as_ref().is_ok_and(Outcome::succeeded)
    {
        return Err(ApiError::internal(format!(
            "challenge {} could not be skipped: its solve or check failed",
            challenge.slug
        )));
    }
    advance(state, caller, &live, &mut session, true).await?;
    Ok(session.view())
}

/// Ends a session before its end; its sandbox is cleaned up and removed.
pub async fn end(state: &AppState, caller: &Caller, id: &str) -> Result<SessionView, ApiError> {
    end_for(
        state,
        &caller.org_id,
        id,
        "ended before the track was finished",
    )
    .await
}

async fn end_for(
    state: &AppState,
    org_id: &str,
    id: &str,
    reason: &str,
) -> Result<SessionView, ApiError> {
    let session = load(state, org_id, id).await?;
    if session.status != "active" {
        return Err(ApiError::conflict(format!(
            "the session is already {}",
            session.status
        )));
    }
    if let Some(live) = state.lab_sessions().get(id) {
        let _busy = live.busy.lock().await;
        finish_sandbox(state, &live, &session).await;
    }
    let mut session = load(state, org_id, id).await?;
    session.status = "ended".into();
    session.end_reason = Some(reason.into());
    let data = json!({"challenge": session.manifest.challenges[session.current].slug,
                      "reason": reason});
    save(state, &session, EventKind::LabAbandoned, data).await?;
    Ok(session.view())
}

/// How often this server looks for sessions past their time limit or idle timeout.
pub const REAP_EVERY: std::time::Duration = std::time::Duration::from_secs(15);

/// Ends this server's sessions that are past their track's time limit or idle timeout at
/// `now` (Unix ms); returns how many.
pub async fn reap(state: &AppState, now: i64) -> Result<usize, ApiError> {
    let sql = format!("{SELECT} WHERE s.runner = $1 AND s.status = 'active'");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(runner(state))
        .fetch_all(&state.db().pool)
        .await?;
    let mut ended = 0;
    for row in &rows {
        let session = read_row(row)?;
        if let Some(reason) = session.expired(now) {
            match end_for(state, &session.org_id, &session.id, reason).await {
                Ok(_) => ended += 1,
                // Ended meanwhile by the learner: nothing to do.
                Err(e) if e.status() == axum::http::StatusCode::CONFLICT => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(ended)
}

/// Ends expired sessions every [`REAP_EVERY`] until the process ends.
pub fn spawn_reaper(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(REAP_EVERY).await;
            match reap(&state, now_ms()).await {
                Ok(0) => {}
                Ok(ended) => tracing::info!(sessions = ended, "expired lab sessions ended"),
                Err(e) => tracing::warn!(status = %e.status(), "lab sessions were not reaped"),
            }
        }
    })
}

/// Records a passed (or skipped) challenge and moves on: the next challenge's setup, or at
/// the end the award.
async fn advance(
    state: &AppState,
    caller: &Caller,
    live: &Live,
    session: &mut Stored,
    skipped: bool,
) -> Result<(), ApiError> {
    let now = now_ms();
    let index = session.current;
    let challenge = session.manifest.challenges[index].clone();
    let sandbox = live.sandbox.as_ref();
    if let Some(cleanup) = &challenge.scripts.cleanup {
        let _ = run(sandbox, cleanup, As::Root, Some(&challenge.slug)).await;
    }
    session.progress[index].passed_at = Some(now);
    session.progress[index].skipped = skipped;
    let kind = if skipped {
        EventKind::LabSkipped
    } else {
        EventKind::LabCheckPassed
    };
    let data = json!({"challenge": challenge.slug, "attempts": session.progress[index].attempts});
    if index + 1 < session.manifest.challenges.len() {
        session.current += 1;
        let next = session.manifest.challenges[session.current].clone();
        session.progress[session.current].started_at = Some(now);
        if let Some(setup) = &next.scripts.setup {
            let outcome = run(sandbox, setup, As::Root, Some(&next.slug)).await;
            if !outcome.as_ref().is_ok_and(Outcome::succeeded) {
                tracing::warn!(lab.session = %session.id, challenge = %next.slug,
                               "a challenge's setup failed");
            }
        }
        return save(state, session, kind, data).await;
    }
    save(state, session, kind, data).await?;

    // The last one: the award (or the one the learner holds, see `held_award`), then the
    // sandbox ends.
    let recipient = Email::parse(&session.learner_email).map_err(ApiError::internal)?;
    let current = current_awards(state, session, &recipient).await?;
    if let Some(held) = still_held(&current, now) {
        finish_sandbox(state, live, session).await;
        session.status = "completed".into();
        session.award_id = Some(held.id.clone());
        let data = json!({"award_id": held.id, "track": session.track_slug, "renewed": false});
        save(state, session, EventKind::LabTrackCompleted, data).await?;
        return Ok(());
    }
    let new = NewAward {
        achievement_id: session.achievement_id.clone(),
        recipient_email: recipient,
        recipient_name: session.learner_name.clone(),
        name_public: false,
        evidence: vec![evidence(session)],
        idempotency_key: Some(format!("lab-session:{}", session.id)),
        results: results(session),
    };
    let (award, _) = award::create(state, caller, new).await?;
    let renewed = supersede(state, caller, &current, &award).await?;
    finish_sandbox(state, live, session).await;
    session.status = "completed".into();
    session.award_id = Some(award.id.clone());
    let data = json!({"award_id": award.id, "track": session.track_slug, "renewed": renewed});
    save(state, session, EventKind::LabTrackCompleted, data).await
}

/// How long before its end an award counts as expiring, so that taking its track again
/// renews it.
pub const RENEW_WITHIN_DAYS: i64 = 30;

/// Of the learner's current awards of the track's achievement, one that is not expiring
/// within [`RENEW_WITHIN_DAYS`] at `now`: finishing the track again then awards nothing new.
fn still_held(current: &[award::Award], now: i64) -> Option<&award::Award> {
    let renew_from = now + RENEW_WITHIN_DAYS * 24 * 3_600_000;
    current
        .iter()
        .find(|a| a.valid_until.is_none_or(|until| until > renew_from))
}

/// The learner's awards of the track's achievement that are neither revoked nor expired.
async fn current_awards(
    state: &AppState,
    session: &Stored,
    email: &Email,
) -> Result<Vec<award::Award>, ApiError> {
    let filter = award::AwardFilter {
        achievement_id: Some(session.achievement_id.clone()),
        email: Some(email.to_string()),
        after: None,
        limit: 100,
    };
    let now = now_ms();
    let awards = award::list(state.db(), &session.org_id, &filter).await?;
    Ok(awards
        .into_iter()
        .filter(|a| a.status_at(now) == award::AwardStatus::Active)
        .collect())
}

/// After a renewal, revokes the learner's other awards of the achievement that were still
/// valid (expiring ones), so one credential says they hold it; returns whether there were any.
async fn supersede(
    state: &AppState,
    caller: &Caller,
    current: &[award::Award],
    renewal: &award::Award,
) -> Result<bool, ApiError> {
    let older: Vec<_> = current.iter().filter(|a| a.id != renewal.id).collect();
    for old in &older {
        let reason = format!("Renewed: superseded by award {}", renewal.id);
        award::revoke(state, caller, &old.id, &reason).await?;
    }
    Ok(!older.is_empty())
}

/// The evidence of a finished track: which version, and each challenge with its time and
/// attempts, and whether it was skipped.
fn evidence(session: &Stored) -> EvidenceItem {
    let mut lines = vec![format!(
        "Completed the hands-on lab track **{}** (version {}) in a Rosette sandbox; each \
         challenge was checked automatically.\n",
        session.track_slug, session.version_number
    )];
    lines.push("| challenge | result | attempts | time |".into());
    lines.push("| --- | --- | ---: | ---: |".into());
    let mut total = 0;
    for (c, p) in session.manifest.challenges.iter().zip(&session.progress) {
        let took = p
            .passed_at
            .zip(p.started_at)
            .map_or(0, |(end, start)| end - start);
        total += took;
        let result = if p.skipped { "skipped" } else { "passed" };
        lines.push(format!(
            "| {} | {result} | {} | {} s |",
            c.title,
            p.attempts,
            took / 1000
        ));
    }
    lines.push(format!("\nTotal time: {} s.", total / 1000));
    EvidenceItem {
        name: Some(format!("Hands-on lab: {}", session.track_slug)),
        narrative: Some(lines.join("\n")),
        url: None,
    }
}

/// The results of a finished track, of the kinds its import gave the achievement
/// ([`super::result_kinds`]): the track completed, and each challenge passed or skipped.
fn results(session: &Stored) -> Vec<AwardResult> {
    let track = AwardResult {
        key: super::TRACK_RESULT.into(),
        value: None,
        status: Some("Completed".into()),
    };
    let challenges = session
        .manifest
        .challenges
        .iter()
        .zip(&session.progress)
        .map(|(c, p)| AwardResult {
            key: c.slug.clone(),
            value: Some(if p.skipped { "skipped" } else { "passed" }.into()),
            status: None,
        });
    std::iter::once(track).chain(challenges).collect()
}

/// Runs the cleanups and ends the sandbox.
async fn finish_sandbox(state: &AppState, live: &Live, session: &Stored) {
    let sandbox = live.sandbox.as_ref();
    if let Some(cleanup) = &session.manifest.cleanup {
        let _ = run(sandbox, cleanup, As::Root, None).await;
    }
    let _ = sandbox.destroy().await;
    state.lab_sessions().remove(&session.id);
    let _ = std::fs::remove_dir_all(sessions_dir(state).join(&session.id));
}

/// Stores a session's state with an event about it.
async fn save(
    state: &AppState,
    session: &Stored,
    kind: EventKind,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    let progress = serde_json::to_string(&session.progress).map_err(ApiError::internal)?;
    let ended = (session.status != "active").then(now_ms);
    let _write = state.db().write_lock().await;
    let mut tx = state.db().pool.begin().await?;
    sqlx::query(
        "UPDATE lab_sessions SET status = $1, current_challenge = $2, progress = $3, \
         award_id = $4, end_reason = $5, ended_at = $6, last_activity_at = $7 \
         WHERE org_id = $8 AND id = $9",
    )
    .bind(&session.status)
    .bind(i64::try_from(session.current).unwrap_or(0))
    .bind(progress)
    .bind(&session.award_id)
    .bind(&session.end_reason)
    .bind(ended)
    .bind(now_ms())
    .bind(&session.org_id)
    .bind(&session.id)
    .execute(&mut *tx)
    .await?;
    event::append(&mut tx, &session.org_id, kind, &session.id, data).await?;
    tx.commit().await?;
    Ok(())
}

/// Runs a track script (a path from the manifest) in a session's sandbox.
async fn run(
    sandbox: &dyn Sandbox,
    script: &str,
    user: As,
    challenge: Option<&str>,
) -> Result<Outcome, labs::sandbox::SandboxError> {
    run_script(sandbox, Path::new(script), user, challenge).await
}

/// Writes a version's files (JSON: path to base64) into `dir`, once: into a folder of its
/// own first, renamed into place, so a session never sees half a track, and two sessions
/// starting the same version at once both find it whole.
fn write_files(dir: &Path, files: &[u8]) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let files: std::collections::BTreeMap<String, String> = serde_json::from_slice(files)?;
    let partial = dir.with_extension(format!("partial-{}", new_id()));
    for (path, contents) in files {
        let relative = Path::new(&path);
        anyhow::ensure!(
            relative
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_))),
            "a stored track file has the path {path:?}"
        );
        let target = partial.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let bytes = base64::engine::general_purpose::STANDARD.decode(contents)?;
        std::fs::write(target, bytes)?;
    }
    if let Err(e) = std::fs::rename(&partial, dir) {
        let _ = std::fs::remove_dir_all(&partial);
        // Another session wrote the same version first.
        anyhow::ensure!(dir.is_dir(), "cannot put a track version in place: {e}");
    }
    Ok(())
}

/// Ends the sessions this server held before it started again: their sandboxes died with
/// it. Their state folders are removed.
pub async fn end_orphans(state: &AppState) -> anyhow::Result<u64> {
    let rows =
        sqlx::query("SELECT id, org_id FROM lab_sessions WHERE runner = $1 AND status = 'active'")
            .bind(runner(state))
            .fetch_all(&state.db().pool)
            .await?;
    let mut ended = 0;
    for row in rows {
        let id: String = row.get("id");
        let org_id: String = row.get("org_id");
        let _write = state.db().write_lock().await;
        let mut tx = state.db().pool.begin().await?;
        sqlx::query(
            "UPDATE lab_sessions SET status = 'ended', ended_at = $1, \
             end_reason = 'the server restarted' WHERE id = $2 AND status = 'active'",
        )
        .bind(now_ms())
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        let data = json!({"reason": "the server restarted"});
        event::append(&mut tx, &org_id, EventKind::LabAbandoned, &id, data).await?;
        tx.commit().await?;
        ended += 1;
    }
    let _ = std::fs::remove_dir_all(sessions_dir(state));
    Ok(ended)
}

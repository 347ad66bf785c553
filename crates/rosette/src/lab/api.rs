//! The lab endpoints: tracks under `/api/v1/tracks`, and lab sessions under
//! `/api/v1/lab-sessions`, enough for another interface to drive a lab.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::TrackSummary;
use super::session::{self, CheckResult, SessionView};
use crate::auth::{Caller, Role};
use crate::http::{ApiError, ApiJson, AppState};
use crate::validate::{self, Email};

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tracks", get(list_tracks))
        .route("/api/v1/tracks/{slug}", get(read_track))
        .route("/api/v1/tracks/{slug}/sessions", post(start_session))
        .route("/api/v1/lab-sessions/{id}", get(read_session))
        .route("/api/v1/lab-sessions/{id}/check", post(check_session))
        .route("/api/v1/lab-sessions/{id}/skip", post(skip_challenge))
        .route("/api/v1/lab-sessions/{id}/end", post(end_session))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_tracks,
    read_track,
    start_session,
    read_session,
    check_session,
    skip_challenge,
    end_session
))]
pub struct TrackApi;

/// `POST /api/v1/tracks/{slug}/sessions`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSessionRequest {
    /// Who takes the lab; the award at the end goes to this address.
    learner: Learner,
}

/// The learner of a session.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Learner {
    /// Their email address.
    #[schema(example = "ada@example.org")]
    email: String,
    /// Their name, for the award's email.
    #[schema(example = "Ada Lovelace")]
    name: Option<String>,
}

/// Starts a lab session of a track for a learner (author or above).
///
/// A sandbox starts on this server, the track's setup and the first challenge's run, and the
/// session answers with every challenge's assignment. 503 when this server cannot run
/// sandboxes (the detail says what is missing).
#[utoipa::path(
    post,
    path = "/api/v1/tracks/{slug}/sessions",
    tag = "labs",
    params(("slug" = String, Path, description = "The track's slug")),
    request_body = StartSessionRequest,
    security(("api_token" = [])),
    responses(
        (status = 201, description = "The session", body = SessionView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
async fn start_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<StartSessionRequest>,
) -> Result<(StatusCode, Json<SessionView>), ApiError> {
    caller.require(Role::Author)?;
    let email = Email::parse(&body.learner.email)
        .map_err(|e| ApiError::invalid_field("/learner/email", e))?;
    let name = match body.learner.name.as_deref() {
        Some(name) => Some(
            validate::name(name, "the name", 200)
                .map_err(|e| ApiError::invalid_field("/learner/name", e))?,
        ),
        None => None,
    };
    let view = session::start(&state, &caller, &slug, &email, name).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Reads a lab session: where the learner is and how each challenge went.
#[utoipa::path(
    get,
    path = "/api/v1/lab-sessions/{id}",
    tag = "labs",
    params(("id" = String, Path, description = "The session's id")),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The session", body = SessionView),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
async fn read_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SessionView>, ApiError> {
    Ok(Json(session::get(&state, &caller.org_id, &id).await?))
}

/// Runs the current challenge's check (author or above).
///
/// `passed` says whether it passed; when it did not, `fail` has what the check said was
/// missing. After the last challenge passes the achievement is awarded (`award_id`) and the
/// sandbox ends. 409 when the session has ended.
#[utoipa::path(
    post,
    path = "/api/v1/lab-sessions/{id}/check",
    tag = "labs",
    params(("id" = String, Path, description = "The session's id")),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The check's result", body = CheckResult),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
async fn check_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CheckResult>, ApiError> {
    caller.require(Role::Author)?;
    Ok(Json(session::check(&state, &caller, &id).await?))
}

/// Skips the current challenge where the track allows it (author or above): its solution
/// runs and the challenge is recorded as skipped. 409 when the track does not allow it.
#[utoipa::path(
    post,
    path = "/api/v1/lab-sessions/{id}/skip",
    tag = "labs",
    params(("id" = String, Path, description = "The session's id")),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The session", body = SessionView),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
async fn skip_challenge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SessionView>, ApiError> {
    caller.require(Role::Author)?;
    Ok(Json(session::skip(&state, &caller, &id).await?))
}

/// Ends a session before the track is finished (author or above); its sandbox is removed.
#[utoipa::path(
    post,
    path = "/api/v1/lab-sessions/{id}/end",
    tag = "labs",
    params(("id" = String, Path, description = "The session's id")),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The session", body = SessionView),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
async fn end_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SessionView>, ApiError> {
    caller.require(Role::Author)?;
    Ok(Json(session::end(&state, &caller, &id).await?))
}

/// A track, as its latest version describes it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrackResponse {
    /// Its id.
    id: String,
    /// Its slug, unique in the organization.
    #[schema(example = "linux-basics")]
    slug: String,
    /// Its title.
    title: String,
    /// What it is about, in Markdown.
    description: String,
    /// The author's version string.
    #[schema(example = "1.0.0")]
    version: String,
    /// The version's number: 1 for the first import, one more for each import that changed it.
    number: i64,
    /// How many challenges it has.
    challenges: usize,
    /// The achievement a learner earns by finishing it.
    achievement_id: String,
    /// When the latest version was imported (RFC 3339).
    updated_at: String,
}

/// The organization's tracks.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrackList {
    /// The tracks, by slug.
    items: Vec<TrackResponse>,
}

fn respond(track: TrackSummary) -> TrackResponse {
    let updated_at = chrono::DateTime::from_timestamp_millis(track.updated_at)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    TrackResponse {
        id: track.id,
        slug: track.slug,
        title: track.title,
        description: track.description,
        version: track.version,
        number: track.number,
        challenges: track.challenges,
        achievement_id: track.achievement_id,
        updated_at,
    }
}

/// Lists the organization's lab tracks (imported with `rosette labs import`).
///
/// Any role may read.
#[utoipa::path(
    get,
    path = "/api/v1/tracks",
    tag = "labs",
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The tracks", body = TrackList),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
async fn list_tracks(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TrackList>, ApiError> {
    let tracks = super::list(state.db(), &caller.org_id).await?;
    Ok(Json(TrackList {
        items: tracks.into_iter().map(respond).collect(),
    }))
}

/// Reads one track by its slug.
///
/// Any role may read. A track of another organization is not found.
#[utoipa::path(
    get,
    path = "/api/v1/tracks/{slug}",
    tag = "labs",
    params(("slug" = String, Path, description = "The track's slug")),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The track", body = TrackResponse),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
async fn read_track(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<Json<TrackResponse>, ApiError> {
    let track = super::get(state.db(), &caller.org_id, &slug)
        .await?
        .ok_or_else(|| ApiError::not_found("track"))?;
    Ok(Json(respond(track)))
}

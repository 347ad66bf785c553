//! The track endpoints under `/api/v1/tracks`: what an organization's labs offer.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::TrackSummary;
use crate::auth::Caller;
use crate::http::{ApiError, AppState};

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tracks", get(list_tracks))
        .route("/api/v1/tracks/{slug}", get(read_track))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_tracks, read_track))]
pub struct TrackApi;

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

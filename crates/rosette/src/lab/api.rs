//! The lab endpoints: tracks under `/api/v1/tracks` (listed, read, and uploaded as an
//! archive), and lab sessions under `/api/v1/lab-sessions`, enough for another interface to
//! drive a lab.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use labs::track::Problem;
use serde::{Deserialize, Serialize};

use super::archive::{self, MAX_ARCHIVE_BYTES, UploadError};
use super::session::{self, CheckResult, SessionView};
use super::{Change, Imported, TrackSummary};
use crate::auth::{Caller, Role};
use crate::http::{ApiError, ApiJson, AppState, FieldError};
use crate::validate::{self, Email};

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/tracks",
            get(list_tracks).post(upload_track.layer(DefaultBodyLimit::max(MAX_ARCHIVE_BYTES))),
        )
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
    upload_track,
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
    /// Whether to email the learner their link to the lab (`learner_url`); by default the
    /// caller sends it or redirects the learner to it.
    #[serde(default)]
    email_link: bool,
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
        crate::openapi::BodyErrors,
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
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
    let view = session::start(&state, &caller, &slug, &email, name, body.email_link).await?;
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

/// Lists the organization's lab tracks (imported with `rosette labs import` or uploaded).
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

/// The media types an upload may be sent as; what the body holds is read from the body.
const ARCHIVE_TYPES: &[&str] = &[
    "application/gzip",
    "application/x-gzip",
    "application/x-tar",
    "application/x-gtar",
];

/// `POST /api/v1/tracks` parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The issuer of the achievement made from the track's description, when the
    /// organization has more than one (as `rosette labs import --issuer`).
    issuer: Option<String>,
}

/// What an upload did to the track.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportChange {
    /// A new track: version 1.
    Created,
    /// The track changed: a new version, which sessions started from now on use.
    NewVersion,
    /// The files are those of the latest version: nothing was stored.
    Unchanged,
}

/// The answer to an upload.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportResponse {
    /// What the upload did.
    change: ImportChange,
    /// Whether the upload made the achievement the track awards (from its description).
    achievement_created: bool,
    /// The track after the upload, as its latest version describes it.
    track: TrackResponse,
}

/// Uploads a track's folder as one archive (author or above).
///
/// The track is imported as `rosette labs import` imports a folder. Send the archive as the
/// body: a gzip-compressed tar (`tar czf track.tgz my-track/`) as `application/gzip` (or
/// `application/x-gzip`), or a plain tar as `application/x-tar` (or `application/x-gtar`);
/// at most 20 MiB. The files may be at the archive's root or in one folder. Only regular
/// files and folders are accepted, within the track's limits. A track whose slug the
/// organization has becomes a new version when any file changed (201); the same files again
/// store nothing (200, `unchanged`). Sessions already running stay on their version. An
/// archive that cannot be read or holds what a track may not (a link, a device, a path
/// outside the folder) is a 400 naming the entry; a track with problems is a 422 with one
/// entry in `errors` per problem, its `pointer` the file's path in the track (`/` for the
/// track as a whole). Nothing is stored when the upload fails.
#[utoipa::path(
    post,
    path = "/api/v1/tracks",
    tag = "labs",
    params(UploadQuery),
    request_body(
        description = "The track's folder as a tar archive, gzip-compressed or not",
        content(
            (TrackArchive = "application/gzip"),
            (TrackArchive = "application/x-tar")
        )
    ),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "Nothing changed: the latest version has these files",
            body = ImportResponse),
        (status = 201, description = "A new track or a new version of it", body = ImportResponse),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::TooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
async fn upload_track(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<UploadQuery>, QueryRejection>,
    request: Request,
) -> Result<(StatusCode, Json<ImportResponse>), ApiError> {
    caller.require(Role::Author)?;
    let Query(query) = query.map_err(|rejection| {
        let why = rejection.body_text();
        ApiError::bad_request(format!("the query string is not valid: {why}"))
    })?;
    let archive = read_archive(&state, request).await?;

    let data_dir = &state.settings().data_dir;
    let issuer = query.issuer.as_deref();
    let imported = archive::import(state.db(), data_dir, &caller.org_id, archive, issuer).await?;
    let status = match imported.change {
        Change::Unchanged => StatusCode::OK,
        Change::Created | Change::NewVersion => StatusCode::CREATED,
    };
    Ok((status, Json(import_response(imported))))
}

/// The body of an upload, after its media type is checked.
async fn read_archive(state: &AppState, request: Request) -> Result<Bytes, ApiError> {
    let media_type = crate::http::media_type(request.headers());
    let essence = media_type.as_str();
    if !ARCHIVE_TYPES.contains(&essence) {
        return Err(ApiError::unsupported_media_type(
            "send the track as an archive: a gzip-compressed tar as application/gzip, or a tar \
             as application/x-tar",
        ));
    }
    Bytes::from_request(request, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            let most = MAX_ARCHIVE_BYTES / (1024 * 1024);
            ApiError::too_large(format!("a track's archive may be at most {most} MiB"))
        } else {
            ApiError::bad_request(format!("the body could not be read: {}", e.body_text()))
        }
    })
}

fn import_response(imported: Imported) -> ImportResponse {
    ImportResponse {
        change: match imported.change {
            Change::Created => ImportChange::Created,
            Change::NewVersion => ImportChange::NewVersion,
            Change::Unchanged => ImportChange::Unchanged,
        },
        achievement_created: imported.achievement_created,
        track: respond(imported.track),
    }
}

impl From<UploadError> for ApiError {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::Unreadable(why) | UploadError::Refused(why) => Self::bad_request(why),
            UploadError::Invalid(problems) => Self::invalid(problems.iter().map(pointed).collect()),
            UploadError::Rejected(why) => Self::invalid_field("/", why),
            UploadError::Other(e) => e.into(),
        }
    }
}

/// A track's problem as a field error: its pointer is the file's path in the track.
fn pointed(problem: &Problem) -> FieldError {
    let path = problem.file.as_deref().map(|p| p.to_string_lossy());
    let names = path
        .iter()
        .flat_map(|p| p.split('/'))
        .filter(|n| !n.is_empty());
    let pointer: String = names
        .map(|name| format!("/{}", name.replace('~', "~0")))
        .collect();
    FieldError {
        pointer: if pointer.is_empty() {
            "/".into()
        } else {
            pointer
        },
        detail: problem.message.clone(),
    }
}

/// The body of an upload: the bytes of a tar archive, gzip-compressed or not.
pub struct TrackArchive;

impl utoipa::PartialSchema for TrackArchive {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "The archive's bytes (`curl --data-binary @track.tgz`), made with `tar czf \
                 track.tgz my-track/`",
            ))
            .into()
    }
}

impl utoipa::ToSchema for TrackArchive {}

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

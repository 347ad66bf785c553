//! The issuer endpoints: the REST API under `/api/v1/issuers` and the public `/issuers/{id}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::{Issuer, NewIssuer, NewIssuerChanges};
use crate::auth::{Caller, Role};
use crate::http::{ApiError, ApiJson, AppState, Checks};
use crate::validate::{self, Email};

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/issuers", post(create_issuer).get(list_issuers))
        .route(
            "/api/v1/issuers/{id}",
            get(read_issuer).patch(update_issuer),
        )
        .route("/api/v1/issuers/{id}/archive", post(archive_issuer))
        .route("/api/v1/issuers/{id}/rotate-key", post(rotate_issuer_key))
        .route("/issuers/{id}", get(issuer_document))
}

/// The OpenAPI description of this module's `/api/v1` routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create_issuer,
    list_issuers,
    read_issuer,
    update_issuer,
    archive_issuer,
    rotate_issuer_key
))]
pub struct IssuerApi;

/// `POST /api/v1/issuers`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIssuerRequest {
    /// The name credentials show as their issuer (at most 200 characters).
    #[schema(example = "Acme Academy")]
    name: String,
    /// The issuer's home page (`https://`).
    #[schema(example = "https://academy.example.org")]
    url: String,
    /// A contact email, published in the issuer's profile.
    #[schema(example = "badges@academy.example.org")]
    email: String,
    /// What the issuer is (at most 4000 characters).
    description: Option<String>,
}

/// `PATCH /api/v1/issuers/{id}`: only the fields given change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIssuerRequest {
    /// A new name.
    name: Option<String>,
    /// A new home page.
    url: Option<String>,
    /// A new contact email.
    email: Option<String>,
    /// A new description; `null` removes it.
    #[serde(default, with = "double_option")]
    description: Option<Option<String>>,
}

/// An issuer in responses.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuerResponse {
    #[serde(flatten)]
    issuer: Issuer,
    /// The issuer's public id: its profile and keys are served there.
    public_id: String,
    /// Whether it is archived (it then signs no more credentials).
    archived: bool,
}

/// A list of issuers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuerList {
    /// Every issuer of the organization, archived ones included.
    items: Vec<IssuerResponse>,
}

fn respond(state: &AppState, issuer: Issuer) -> IssuerResponse {
    let public_id = super::public_id(state.public_url(), &issuer.id);
    let archived = issuer.archived_at.is_some();
    IssuerResponse {
        issuer,
        public_id,
        archived,
    }
}

/// Creates an issuer.
///
/// Needs the admin role. The issuer gets its first signing key at once; its profile and
/// public keys are served at its `public_id`.
#[utoipa::path(
    post,
    path = "/api/v1/issuers",
    tag = "issuers",
    request_body = CreateIssuerRequest,
    security(("api_token" = [])),
    responses(
        (status = 201, description = "The new issuer", body = IssuerResponse),
        crate::openapi::BodyErrors,
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
async fn create_issuer(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateIssuerRequest>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require(Role::Admin)?;
    let mut checks = Checks::default();
    let name = checks.check("/name", validate::name(&body.name, "name", 200));
    let url = checks.check("/url", validate::web_url(&body.url, "url"));
    let email = checks.check("/email", Email::parse(&body.email));
    let description = body
        .description
        .map(|d| checks.check("/description", validate::text(&d, "description", 4000)));
    checks.finish()?;
    let new = NewIssuer {
        name: name.unwrap_or_default(),
        url: url.unwrap_or_default(),
        email: email.map(|e| e.to_string()).unwrap_or_default(),
        description: description.flatten().filter(|d| !d.is_empty()),
    };
    let issuer = super::create(&state, &caller.org_id, new).await?;
    Ok((StatusCode::CREATED, Json(respond(&state, issuer))))
}

/// Lists the organization's issuers.
///
/// Any role may read. Archived issuers are included, marked `archived`.
#[utoipa::path(
    get,
    path = "/api/v1/issuers",
    tag = "issuers",
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The issuers", body = IssuerList),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
async fn list_issuers(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<IssuerList>, ApiError> {
    let issuers = super::list(state.db(), &caller.org_id, true).await?;
    let items = issuers.into_iter().map(|i| respond(&state, i)).collect();
    Ok(Json(IssuerList { items }))
}

/// Reads one issuer.
///
/// Any role may read. An issuer of another organization is not found.
#[utoipa::path(
    get,
    path = "/api/v1/issuers/{id}",
    tag = "issuers",
    params(("id" = String, Path, description = "The issuer's id")),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The issuer", body = IssuerResponse),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
async fn read_issuer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<IssuerResponse>, ApiError> {
    let issuer = find(&state, &caller, &id).await?;
    Ok(Json(respond(&state, issuer)))
}

/// Changes an issuer's profile.
///
/// Needs the admin role. Only the fields given change. Credentials already issued keep the
/// profile they were signed with.
#[utoipa::path(
    patch,
    path = "/api/v1/issuers/{id}",
    tag = "issuers",
    params(("id" = String, Path, description = "The issuer's id")),
    request_body = UpdateIssuerRequest,
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The changed issuer", body = IssuerResponse),
        crate::openapi::BodyErrors,
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
async fn update_issuer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateIssuerRequest>,
) -> Result<Json<IssuerResponse>, ApiError> {
    caller.require(Role::Admin)?;
    let issuer = find(&state, &caller, &id).await?;
    let mut checks = Checks::default();
    let changes = NewIssuerChanges {
        name: body
            .name
            .and_then(|n| checks.check("/name", validate::name(&n, "name", 200))),
        url: body
            .url
            .and_then(|u| checks.check("/url", validate::web_url(&u, "url"))),
        email: body
            .email
            .and_then(|e| checks.check("/email", Email::parse(&e)))
            .map(|e| e.to_string()),
        description: body.description.map(|d| {
            d.and_then(|d| checks.check("/description", validate::text(&d, "description", 4000)))
                .filter(|d| !d.is_empty())
        }),
    };
    checks.finish()?;
    let updated = super::update(state.db(), &issuer, changes).await?;
    Ok(Json(respond(&state, updated)))
}

/// Archives an issuer.
///
/// Needs the admin role. An archived issuer stays published, so its credentials still
/// verify, but it signs no more.
#[utoipa::path(
    post,
    path = "/api/v1/issuers/{id}/archive",
    tag = "issuers",
    params(("id" = String, Path, description = "The issuer's id")),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The archived issuer", body = IssuerResponse),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
async fn archive_issuer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<IssuerResponse>, ApiError> {
    caller.require(Role::Admin)?;
    let issuer = find(&state, &caller, &id).await?;
    super::archive(state.db(), &issuer).await?;
    let issuer = find(&state, &caller, &id).await?;
    Ok(Json(respond(&state, issuer)))
}

/// Gives an issuer a new signing key.
///
/// Needs the admin role. The old keys stay published, so credentials signed with them still
/// verify. The answer is the issuer's public profile with all its keys.
#[utoipa::path(
    post,
    path = "/api/v1/issuers/{id}/rotate-key",
    tag = "issuers",
    params(("id" = String, Path, description = "The issuer's id")),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The issuer's profile", body = crate::openapi::IssuerDocument),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
async fn rotate_issuer_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Role::Admin)?;
    let issuer = find(&state, &caller, &id).await?;
    super::rotate_key(&state, &issuer).await?;
    Ok(Json(super::document(&state, &issuer).await?))
}

/// `GET /issuers/{id}`: the issuer's Profile with its keys (a controller document); browsers
/// asking for HTML get the issuer's public page instead.
async fn issuer_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    if crate::public::prefers_html(&headers) {
        return Ok(crate::public::issuer_page(&state, &id).await);
    }
    let issuer = super::get_public(state.db(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("issuer"))?;
    let document = super::document(&state, &issuer).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/ld+json")],
        Json(document),
    )
        .into_response())
}

/// The issuer of the caller's organization with this id; another organization's is 404.
async fn find(state: &AppState, caller: &Caller, id: &str) -> Result<Issuer, ApiError> {
    super::get(state.db(), &caller.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("issuer"))
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

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

/// `POST /api/v1/issuers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateIssuerRequest {
    name: String,
    url: String,
    email: String,
    description: Option<String>,
}

/// `PATCH /api/v1/issuers/{id}`: only the fields given change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateIssuerRequest {
    name: Option<String>,
    url: Option<String>,
    email: Option<String>,
    #[serde(default, with = "double_option")]
    description: Option<Option<String>>,
}

/// An issuer in responses.
#[derive(Debug, Serialize)]
pub struct IssuerResponse {
    #[serde(flatten)]
    issuer: Issuer,
    /// The issuer's public id: its profile and keys are served there.
    public_id: String,
    archived: bool,
}

/// A list of issuers.
#[derive(Debug, Serialize)]
pub struct IssuerList {
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

async fn list_issuers(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<IssuerList>, ApiError> {
    let issuers = super::list(state.db(), &caller.org_id, true).await?;
    let items = issuers.into_iter().map(|i| respond(&state, i)).collect();
    Ok(Json(IssuerList { items }))
}

async fn read_issuer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<IssuerResponse>, ApiError> {
    let issuer = find(&state, &caller, &id).await?;
    Ok(Json(respond(&state, issuer)))
}

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

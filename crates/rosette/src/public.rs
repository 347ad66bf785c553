//! The public credential documents that verifiers and wallets fetch, without signing in:
//! `GET /credentials/{id}.json` (or `/credentials/{id}` asking for JSON-LD) serves an award's
//! signed credential exactly as it was stored, and `GET /status/{list}` the signed status
//! list credential that says whether it was revoked.
//!
//! The credential's human page, baked images, the VC-JWT form and Open Badges 2.0 hosting
//! are not here yet: `/credentials/{id}` asked for HTML answers 406 until the web interface
//! arrives. Issuer documents (`/issuers/{id}`) belong to the issuer module.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::award;
use crate::event::{self, EventKind};
use crate::http::{ApiError, AppState};
use crate::status_list;

/// JSON media types `/credentials/{id}` answers with the credential, most specific first.
const JSON_MEDIA_TYPES: [&str; 3] = [
    "application/vc+ld+json",
    "application/ld+json",
    "application/json",
];

/// How long caches may keep a status list: revocations show within this time.
const STATUS_MAX_AGE_SECONDS: u32 = 60;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/credentials/{file}", get(credential_document))
        .route("/status/{list}", get(status_list_document))
}

/// `GET /credentials/{id}.json`, or `GET /credentials/{id}` with a JSON `Accept`.
async fn credential_document(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (id, media_type) = match file.strip_suffix(".json") {
        Some(id) => (id, "application/ld+json"),
        None if file.contains('.') => return Err(ApiError::not_found("credential document")),
        None => match negotiate(&headers) {
            Some(media_type) => (file.as_str(), media_type),
            None => return Ok(not_acceptable()),
        },
    };
    let award = award::get_public(state.db(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("credential"))?;
    let data = json!({"format": "json"});
    let kind = EventKind::CredentialViewed;
    event::record(&state.db().pool, &award.org_id, kind, &award.id, data).await;
    // The stored text, byte for byte, as it was signed.
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(media_type)),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ),
    ];
    Ok((headers, award.credential).into_response())
}

/// The JSON media type the client asked for; `None` when it wants something else (HTML).
fn negotiate(headers: &HeaderMap) -> Option<&'static str> {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let asked: Vec<&str> = accept
        .split(',')
        .filter_map(|part| part.split(';').next())
        .map(str::trim)
        .collect();
    JSON_MEDIA_TYPES.into_iter().find(|t| asked.contains(t))
}

/// A 406 problem detail. `ApiError` has no 406 because only this page needs one, and only
/// until the credential's HTML page exists.
fn not_acceptable() -> Response {
    let problem = json!({
        "type": "about:blank",
        "title": "Not acceptable",
        "status": 406,
        "detail": "this credential is available as JSON (Accept: application/ld+json, or add \
                   .json to the URL); its web page arrives with the web interface",
    });
    let content_type = HeaderValue::from_static("application/problem+json");
    let headers = [(header::CONTENT_TYPE, content_type)];
    (StatusCode::NOT_ACCEPTABLE, headers, problem.to_string()).into_response()
}

/// `GET /status/{list}`: the signed `BitstringStatusListCredential`.
async fn status_list_document(
    State(state): State<AppState>,
    Path(list): Path<String>,
) -> Result<Response, ApiError> {
    let credential = status_list::signed_credential(&state, &list)
        .await?
        .ok_or_else(|| ApiError::not_found("status list"))?;
    let cache = format!("public, max-age={STATUS_MAX_AGE_SECONDS}");
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/ld+json"),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_str(&cache).map_err(ApiError::internal)?,
        ),
    ];
    Ok((StatusCode::OK, headers, credential.to_string()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn json_ld_clients_get_the_credential_and_browsers_do_not_yet() {
        let wallet = accept("application/vc+ld+json, application/json;q=0.5");
        assert_eq!(negotiate(&wallet).unwrap(), "application/vc+ld+json");
        let fetcher = accept("application/ld+json, application/json;q=0.9, */*;q=0.1");
        assert_eq!(negotiate(&fetcher).unwrap(), "application/ld+json");
        let browser = accept("text/html,application/xhtml+xml,*/*;q=0.8");
        assert_eq!(negotiate(&browser), None);
        assert_eq!(negotiate(&HeaderMap::new()), None);
    }
}

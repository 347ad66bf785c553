//! What anyone may see without signing in: the public credential documents that verifiers
//! and wallets fetch, and the pages people read.
//!
//! `GET /credentials/{id}.json` (or `/credentials/{id}` asking for JSON-LD) serves an award's
//! signed credential exactly as it was stored; `.png` and `.svg` the achievement's image with
//! the credential baked in, `.jwt` the same credential as a VC-JWT; and `GET /status/{list}`
//! the signed status list credential that says whether it was revoked.
//!
//! People get pages: `/credentials/{id}` asked for anything but JSON is the credential's page
//! with its live verification status ([`credential_page`]), `/issuers/{id}` asked for HTML
//! the issuer's profile ([`issuer_page`]; the route and its JSON belong to the issuer
//! module), and `/verify` lets anyone check a badge file, text or address
//! ([`verify_page`]). The pages have a layout of their own, without the signed-in
//! navigation, and render Markdown from credentials only through [`markdown`], which keeps
//! raw HTML and unsafe links out. Open Badges 2.0 hosting is not here yet.

mod credential_page;
mod issuer_page;
mod markdown;
mod page;
mod verify_page;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::award;
use crate::award::cache::CachedCredential;
use crate::event::EventKind;
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
        .route(
            "/verify",
            get(verify_page::verify_form)
                .post(verify_page::verify_posted)
                .layer(DefaultBodyLimit::max(award::MAX_VERIFY_BYTES)),
        )
}

pub use credential_page::render_at as credential_page_at;
pub use issuer_page::show as issuer_page;
pub use markdown::to_safe_html;

/// The forms an award's credential is served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// The signed JSON-LD, as stored.
    Json(&'static str),
    /// Baked into the achievement's PNG image.
    Png,
    /// Baked into the achievement's SVG image.
    Svg,
    /// A VC-JWT signed with the issuer's current key.
    Jwt,
}

/// `GET /credentials/{id}.json|.png|.svg|.jwt`, `GET /credentials/{id}` with a JSON
/// `Accept`, or the credential's page for any other `Accept`.
async fn credential_document(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (id, form) = match file.rsplit_once('.') {
        Some((id, "json")) => (id, Form::Json("application/ld+json")),
        Some((id, "png")) => (id, Form::Png),
        Some((id, "svg")) => (id, Form::Svg),
        Some((id, "jwt")) => (id, Form::Jwt),
        Some(_) => return Err(ApiError::not_found("credential document")),
        None => match negotiate(&headers) {
            Some(media_type) => (file.as_str(), Form::Json(media_type)),
            None => return Ok(credential_page::show(&state, &file).await),
        },
    };
    let (org_id, body, media_type) = match form {
        // The stored text, byte for byte, as it was signed.
        Form::Json(media_type) => {
            let cached = cached_credential(&state, id).await?;
            (cached.org_id.clone(), cached.body.clone(), media_type)
        }
        Form::Png | Form::Svg => {
            let award = find(&state, id).await?;
            let body = baked(&state, &award, form).await?;
            (award.org_id, body.into(), image_type(form))
        }
        Form::Jwt => {
            let award = find(&state, id).await?;
            let body = jwt(&state, &award).await?;
            (award.org_id, body.into(), "application/vc+jwt")
        }
    };
    let data = json!({"format": format_name(form)});
    state
        .events()
        .record(&org_id, EventKind::CredentialViewed, id, data);
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(media_type)),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    Ok((headers, body).into_response())
}

async fn find(state: &AppState, id: &str) -> Result<award::Award, ApiError> {
    award::get_public(state.db(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("credential"))
}

/// The signed credential of an award, from the cache or else the database (and then cached:
/// stored credentials never change).
async fn cached_credential(
    state: &AppState,
    id: &str,
) -> Result<std::sync::Arc<CachedCredential>, ApiError> {
    if let Some(cached) = state.credentials().get(id) {
        return Ok(cached);
    }
    let award = find(state, id).await?;
    let cached = std::sync::Arc::new(CachedCredential {
        org_id: award.org_id,
        body: award.credential.into(),
    });
    state.credentials().insert(&award.id, cached.clone());
    Ok(cached)
}

fn format_name(form: Form) -> &'static str {
    match form {
        Form::Json(_) => "json",
        Form::Png => "png",
        Form::Svg => "svg",
        Form::Jwt => "jwt",
    }
}

fn image_type(form: Form) -> &'static str {
    if form == Form::Png {
        "image/png"
    } else {
        "image/svg+xml"
    }
}

/// The achievement's image with the credential baked in (OB 3.0 baking).
async fn baked(state: &AppState, award: &award::Award, form: Form) -> Result<Vec<u8>, ApiError> {
    let wanted = image_type(form);
    let image = crate::achievement::image(state.db(), &award.achievement_id).await?;
    let Some((media_type, bytes)) = image else {
        return Err(ApiError::not_found(
            "image for this badge (its achievement has none)",
        ));
    };
    if media_type != wanted {
        let have = if media_type == "image/png" {
            ".png"
        } else {
            ".svg"
        };
        return Err(ApiError::not_found(&format!(
            "{wanted} image for this badge; its image is {media_type}, so ask for {have}"
        )));
    }
    let limits = badges::bake::BakeLimits::default();
    badges::bake::bake(
        &bytes,
        badges::bake::BadgeVersion::V3,
        &award.credential,
        &limits,
    )
    .map_err(ApiError::internal)
}

/// The credential as a VC-JWT signed now with the issuer's current key (the stored JSON-LD
/// credential stays the record; the JWT carries the same credential without its proof).
async fn jwt(state: &AppState, award: &award::Award) -> Result<String, ApiError> {
    let issuer = crate::issuer::get(state.db(), &award.org_id, &award.issuer_id)
        .await?
        .ok_or_else(|| ApiError::internal("an award's issuer is missing"))?;
    let (key, method) = crate::issuer::signing_key(state, &issuer).await?;
    let mut credential: serde_json::Value =
        serde_json::from_str(&award.credential).map_err(ApiError::internal)?;
    if let Some(object) = credential.as_object_mut() {
        object.remove("proof");
    }
    let signing =
        badges::jwt::JwtSigningKey::ed25519(key.signing_key()).map_err(ApiError::internal)?;
    let style = badges::jwt::PayloadStyle::Vcdm2;
    badges::jwt::sign_credential(&credential, &signing, &method, style, None)
        .map_err(ApiError::internal)
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

/// Whether the client asked for a page rather than a document: it names `text/html` and no
/// JSON type. Stricter than the credential route's rule (where anything but JSON gets the
/// page) because verifiers resolving an issuer's keys may send no `Accept`, or `*/*`.
pub fn prefers_html(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let names_html = accept
        .split(',')
        .filter_map(|part| part.split(';').next())
        .any(|t| matches!(t.trim(), "text/html" | "application/xhtml+xml"));
    names_html && negotiate(headers).is_none()
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
    fn json_ld_clients_get_the_credential_and_browsers_get_the_page() {
        let wallet = accept("application/vc+ld+json, application/json;q=0.5");
        assert_eq!(negotiate(&wallet).unwrap(), "application/vc+ld+json");
        let fetcher = accept("application/ld+json, application/json;q=0.9, */*;q=0.1");
        assert_eq!(negotiate(&fetcher).unwrap(), "application/ld+json");
        let browser = accept("text/html,application/xhtml+xml,*/*;q=0.8");
        assert_eq!(negotiate(&browser), None);
        assert_eq!(negotiate(&HeaderMap::new()), None);
    }

    #[test]
    fn only_clients_naming_html_prefer_the_issuer_page() {
        assert!(prefers_html(&accept(
            "text/html,application/xhtml+xml,*/*;q=0.8"
        )));
        assert!(!prefers_html(&accept("*/*")));
        assert!(!prefers_html(&HeaderMap::new()));
        assert!(!prefers_html(&accept(
            "application/ld+json, text/html;q=0.1"
        )));
    }
}

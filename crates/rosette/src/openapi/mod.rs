//! The REST API's description: an OpenAPI 3.1 document served at `/api/openapi.json`, and
//! the docs page at `/api/docs` rendered from the same document.
//!
//! The document is assembled from the `#[utoipa::path]` attributes beside each handler
//! (each API module names its own operations) and the schemas derived from the request and
//! response types, so it changes with the code. It is built once, when the router is, with
//! the server's public URL; both answers are public and cacheable.

mod curl;
mod page;
mod reading;
mod schemas;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::Server;

use crate::http::{ApiError, AppState};

pub use reading::example_body;
pub use schemas::{
    BadRequest, BodyErrors, Conflict, Credential, DesignerOptions, Forbidden, Invalid,
    IssuerDocument, NotFound, PROBLEM_JSON, Problem, Report, TooLarge, Unauthorized, Unavailable,
    UnsupportedMediaType, VerificationCheck, VerifyForm,
};

/// The name the operations use for the bearer token scheme.
pub const API_TOKEN: &str = "api_token";
/// How long clients and caches may keep the document and the page: they change only when
/// the server is upgraded.
const CACHE: &str = "public, max-age=3600";

/// The parts of the document that belong to no one module.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rosette API",
        description = "Issue, manage and verify Open Badges 3.0 credentials. Calls are made \
            with an organization's API token; errors are RFC 9457 problem documents."
    ),
    components(
        schemas(Problem),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            TooLarge,
            UnsupportedMediaType,
            Unavailable,
            Invalid
        )
    ),
    modifiers(&ApiTokenScheme),
    tags(
        (name = "issuers", description = "The profiles that sign credentials, and their keys."),
        (name = "achievements", description = "What can be earned, and the badge designer."),
        (name = "awards", description = "Achievements given to learners: signed credentials."),
        (name = "verification", description = "Checking any Open Badges credential."),
        (name = "labs", description = "Hands-on lab tracks that award achievements.")
    )
)]
struct RosetteApi;

/// Adds the bearer token scheme the secured operations name.
struct ApiTokenScheme;

impl utoipa::Modify for ApiTokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("rst_…")
            .description(Some(
                "An API token of the organization, made with `rosette tokens create` or on the \
                 API tokens page; its role decides what it may do",
            ))
            .build();
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(API_TOKEN, SecurityScheme::Http(scheme));
        }
    }
}

/// The whole document, for a server reached at `public_url`.
pub fn document(public_url: &str) -> utoipa::openapi::OpenApi {
    let mut openapi = RosetteApi::openapi();
    openapi.merge(crate::issuer::IssuerApi::openapi());
    openapi.merge(crate::lab::TrackApi::openapi());
    openapi.merge(crate::achievement::AchievementApi::openapi());
    openapi.merge(crate::award::AwardApi::openapi());
    openapi.servers = Some(vec![Server::new(public_url)]);
    openapi
}

/// The document and the page, made once per router.
struct Docs {
    json: String,
    page: Option<String>,
}

/// `GET /api/openapi.json` and `GET /api/docs`, for a server reached at `public_url`.
pub fn routes(public_url: &str) -> Router<AppState> {
    let docs = Arc::new(build(public_url));
    let for_page = docs.clone();
    Router::new()
        .route(
            "/api/openapi.json",
            get(move || serve_document(docs.clone())),
        )
        .route("/api/docs", get(move || serve_page(for_page.clone())))
}

fn build(public_url: &str) -> Docs {
    let value = serde_json::to_value(document(public_url)).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the OpenAPI document does not serialize");
        Value::Null
    });
    // The page logs its own failure; the document is served either way.
    let page = page::render(&value).ok();
    Docs {
        json: value.to_string(),
        page,
    }
}

async fn serve_document(docs: Arc<Docs>) -> Result<Response, ApiError> {
    if docs.json == "null" {
        return Err(ApiError::internal(
            "the OpenAPI document could not be built",
        ));
    }
    let headers = [
        (header::CONTENT_TYPE, "application/json"),
        (header::CACHE_CONTROL, CACHE),
        // Public and secret-free: API tools on other origins may load it.
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
    ];
    Ok((headers, docs.json.clone()).into_response())
}

async fn serve_page(docs: Arc<Docs>) -> Result<Response, ApiError> {
    let Some(page) = docs.page.clone() else {
        return Err(ApiError::internal("the API docs page did not render"));
    };
    let mut response =
        ([(header::CACHE_CONTROL, CACHE)], axum::response::Html(page)).into_response();
    // The page sits outside the web routes' layer, so it sets their policy itself.
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::web::CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    Ok(response)
}

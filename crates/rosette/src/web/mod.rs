//! The organization's web interface: server-rendered HTML pages for the people who run an
//! organization (sign-in, dashboard, issuers, achievements, awards, members, API tokens).
//!
//! Pages are minijinja templates embedded in the binary (see [`templates`]). People sign in
//! with a password or a one-time emailed link and get a server-side session (see
//! [`session`]); every state-changing form carries the session's CSRF token. The REST API
//! stays token-only: nothing here makes a session cookie work against `/api/v1`.
//!
//! Every response of these routes passes through [`page_layer`], which adds the security
//! headers, turns errors into HTML pages that show the request id, and sets a refreshed
//! session cookie when the session extractor asks for one.

mod account;
mod achievement_form;
mod achievements;
mod awards;
mod error;
mod form;
mod issuers;
mod labs;
mod login;
mod mail;
mod members;
mod pages;
pub mod session;
pub mod templates;
mod tokens;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};

use crate::http::AppState;

pub use error::PageError;
pub use login::hash_password;
pub use mail::{SIGN_IN_LINK_JOB, send_sign_in_link};
pub use session::SignedIn;

/// The largest form body a page accepts.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// The stylesheet, embedded.
const APP_CSS: &str = include_str!("../../assets/app.css");
/// The badge designer's live preview, embedded.
const DESIGNER_JS: &str = include_str!("../../assets/designer.js");

/// The Content-Security-Policy of every page: nothing but our own files, no inline code.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self'; script-src 'self'; frame-ancestors 'none'";

/// The routes of the web interface.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::dashboard))
        .route("/login", get(login::login_form).post(login::sign_in))
        .route("/login/link/{token}", get(login::follow_link))
        .route(
            "/login/email-link",
            get(login::email_link_form).post(login::email_link),
        )
        .route("/logout", post(login::sign_out))
        .route(
            "/account/password",
            get(account::password_form).post(account::set_password),
        )
        .route("/orgs", get(account::choose_org))
        .route("/orgs/{id}/switch", post(account::switch_org))
        .route(
            "/manage/issuers",
            get(issuers::list_issuers).post(issuers::create_issuer),
        )
        .route(
            "/manage/issuers/{id}",
            get(issuers::edit_issuer).post(issuers::update_issuer),
        )
        .route(
            "/manage/achievements",
            get(achievements::list_achievements)
                .post(achievements::create_achievement)
                .layer(DefaultBodyLimit::max(achievements::MAX_UPLOAD_BYTES)),
        )
        .route(
            "/manage/achievements/new",
            get(achievements::new_achievement),
        )
        .route(
            "/manage/achievements/{id}",
            get(achievements::edit_achievement)
                .post(achievements::update_achievement)
                .layer(DefaultBodyLimit::max(achievements::MAX_UPLOAD_BYTES)),
        )
        .route(
            "/manage/achievements/{id}/archive",
            post(achievements::archive_achievement),
        )
        .route(
            "/manage/awards",
            get(awards::list_awards).post(awards::create_award),
        )
        .route("/manage/awards/new", get(awards::new_award))
        .route("/manage/awards/{id}", get(awards::show_award))
        .route("/manage/awards/{id}/revoke", post(awards::revoke_award))
        .route(
            "/manage/members",
            get(members::list_members).post(members::invite_member),
        )
        .route("/manage/members/{user_id}/role", post(members::change_role))
        .route(
            "/manage/members/{user_id}/remove",
            post(members::remove_member),
        )
        .route(
            "/manage/tokens",
            get(tokens::list_tokens).post(tokens::create_token),
        )
        .route("/manage/tokens/{id}/revoke", post(tokens::revoke_token))
        .route(
            "/manage/labs",
            get(labs::list_labs)
                .post(labs::upload_track)
                .layer(DefaultBodyLimit::max(labs::MAX_UPLOAD_BYTES)),
        )
        .route("/manage/labs/{slug}", get(labs::show_track))
        .route("/manage/labs/{slug}/try", post(labs::try_track))
        .route("/manage/labs/{slug}/start", post(labs::start_for_learner))
        .route("/manage/{*rest}", any(not_found_page))
        .route("/assets/app.css", get(stylesheet))
        .route("/assets/designer.js", get(designer_script))
        .layer(axum::middleware::from_fn(page_layer))
}

/// A 404 page, for browser routes that match nothing. The application's own fallback
/// answers API clients with problem details; it can call this for `Accept: text/html`.
pub async fn not_found_page() -> PageError {
    PageError::not_found("page")
}

async fn stylesheet() -> impl IntoResponse {
    asset("text/css; charset=utf-8", APP_CSS)
}

async fn designer_script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", DESIGNER_JS)
}

/// An embedded file with its type.
pub(crate) fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Not immutable: the file has no hash in its name, so a day keeps updates visible.
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
}

/// A `Set-Cookie` value the session extractor wants added to the response (a refreshed
/// expiry), shared between [`page_layer`] and the extractor through request extensions.
#[derive(Clone, Default)]
pub(crate) struct CookieSlot(Arc<Mutex<Option<HeaderValue>>>);

impl CookieSlot {
    pub(crate) fn set(&self, value: HeaderValue) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(value);
        }
    }

    fn take(&self) -> Option<HeaderValue> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Security headers, error pages and cookie refreshes for every web response.
pub(crate) async fn page_layer(mut request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let slot = CookieSlot::default();
    request.extensions_mut().insert(slot.clone());

    let mut response = next.run(request).await;
    if response.status().is_client_error() || response.status().is_server_error() {
        response = error::render_page(response, &request_id);
    }

    let headers = response.headers_mut();
    if let Some(cookie) = slot.take() {
        headers.append(header::SET_COOKIE, cookie);
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html || !headers.contains_key(header::CACHE_CONTROL) {
        // Pages carry CSRF tokens and, once, API token secrets: no cache may keep them.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    security_headers(headers);
    response
}

/// The headers every HTML page gets, signed in or public: the content policy, no sniffing,
/// no referrer beyond this site, no framing.
pub fn security_headers(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

#[cfg(test)]
mod tests {
    use super::APP_CSS;

    /// Sections of the stylesheet are written by different hands; one unclosed `@media`
    /// block silently swallows every rule after it.
    #[test]
    fn every_block_of_the_stylesheet_is_closed() {
        let mut depth = 0_i32;
        for (number, line) in APP_CSS.lines().enumerate() {
            depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            assert!(depth >= 0, "line {}: a `}}` closes nothing", number + 1);
        }
        assert_eq!(depth, 0, "a block of app.css is never closed");
    }
}

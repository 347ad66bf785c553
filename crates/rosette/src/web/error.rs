//! Errors of the web pages, shown as HTML pages with the request id.
//!
//! A handler returns a [`PageError`]; it becomes a bare response carrying the message in an
//! extension, and [`render_page`] (run by the page layer, which knows the request id) turns
//! it, or any other error response of these routes, into the error page.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

/// An error a page ends with.
#[derive(Debug)]
pub enum PageError {
    /// Not signed in: go to the sign-in page, then come back to `next`.
    SignIn {
        /// The local path to return to.
        next: String,
    },
    /// An error page with a status and a message.
    Page {
        /// The status.
        status: StatusCode,
        /// A short title.
        title: &'static str,
        /// What went wrong, in a sentence.
        detail: String,
    },
}

/// The message of an error page, passed from the handler to the page layer.
#[derive(Debug, Clone)]
struct ErrorMessage {
    title: &'static str,
    detail: String,
}

impl PageError {
    fn page(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Self::Page {
            status,
            title,
            detail: detail.into(),
        }
    }

    /// 400: the request cannot be used.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::page(
            StatusCode::BAD_REQUEST,
            "This request cannot be used",
            detail,
        )
    }

    /// 403: the person may not do this.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::page(StatusCode::FORBIDDEN, "Not allowed", detail)
    }

    /// 403 for a form whose CSRF token is missing or wrong.
    pub fn csrf() -> Self {
        Self::forbidden(
            "The form was out of date or did not come from this site, so nothing was changed. \
             Go back, reload the page and try again.",
        )
    }

    /// 404: no such thing in the signed-in organization.
    pub fn not_found(what: &str) -> Self {
        Self::page(
            StatusCode::NOT_FOUND,
            "Not found",
            format!(
                "There is no such {what} here. It may have been removed, or the address may \
                 be mistyped."
            ),
        )
    }

    /// 429: too many attempts.
    pub fn too_many(detail: impl Into<String>) -> Self {
        Self::page(StatusCode::TOO_MANY_REQUESTS, "Too many attempts", detail)
    }

    /// 500: something failed on our side. The cause is logged here and not shown.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "page failed");
        Self::page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "Something went wrong on our side. The request id below identifies it in our logs.",
        )
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn { next } => {
                let location = if next == "/" {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", urlencode(&next))
                };
                Redirect::to(&location).into_response()
            }
            Self::Page {
                status,
                title,
                detail,
            } => {
                let mut response = status.into_response();
                response
                    .extensions_mut()
                    .insert(ErrorMessage { title, detail });
                response
            }
        }
    }
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(e)
    }
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        Self::internal(format!("{e:#}"))
    }
}

/// Turns an error response into the error page, unless it already is a page (a form shown
/// again with its errors).
pub fn render_page(response: Response, request_id: &str) -> Response {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html {
        return response;
    }
    let status = response.status();
    let (title, detail) = match response.extensions().get::<ErrorMessage>() {
        Some(message) => (message.title, message.detail.clone()),
        None => default_message(status),
    };
    let context = context! {
        status => status.as_u16(),
        title => title,
        detail => &detail,
        request_id => request_id,
    };
    match super::templates::render("error.html", context) {
        Ok(page) => (status, page).into_response(),
        Err(_) => (
            status,
            format!("{title}: {detail} (request id {request_id})"),
        )
            .into_response(),
    }
}

/// The message for errors that did not come from a handler (an unknown method, a body that
/// is too large, a malformed path).
fn default_message(status: StatusCode) -> (&'static str, String) {
    match status {
        StatusCode::NOT_FOUND => ("Not found", "There is no page at this address.".into()),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("Not allowed", "This page cannot be used that way.".into())
        }
        StatusCode::PAYLOAD_TOO_LARGE => ("Too large", "The form sent too much data.".into()),
        s if s.is_server_error() => (
            "Something went wrong",
            "Something went wrong on our side. The request id below identifies it in our logs."
                .into(),
        ),
        _ => (
            "This request cannot be used",
            "The request was not understood. Go back and try again.".into(),
        ),
    }
}

/// Percent-encodes a query value.
pub fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

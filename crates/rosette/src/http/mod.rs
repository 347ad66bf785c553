//! The HTTP server: the router, the state every handler shares, and the layers around them
//! (request ids, tracing, body limits, timeouts), plus the operational endpoints.

pub mod error;
mod ops;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, Request};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::award::cache::{CREDENTIAL_CACHE_ENTRIES, CredentialCache};
use crate::award::writer::Writer as AwardWriter;
use crate::config::Settings;
use crate::db::Db;
use crate::email::Mailer;
use crate::event::Recorder;
use crate::issuer::SigningKeys;
use crate::secrets::Sealer;
use crate::status_list::Reservations;

pub use error::{ApiError, FieldError};

/// The largest request body accepted anywhere (uploads have their own, smaller, limits).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// How long one request may take before the server gives up on it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    settings: Settings,
    sealer: Sealer,
    mailer: Mailer,
    metrics: ops::Metrics,
    events: Recorder,
    credentials: CredentialCache,
    status_entries: Reservations,
    signing_keys: SigningKeys,
    award_writer: AwardWriter,
    lab_sessions: crate::lab::session::Registry,
}

impl AppState {
    /// The state for a server.
    pub fn new(db: Db, settings: Settings, sealer: Sealer, mailer: Mailer) -> Self {
        let metrics = ops::Metrics::new();
        let events = Recorder::spawn(db.clone());
        let inner = Inner {
            events,
            credentials: CredentialCache::new(CREDENTIAL_CACHE_ENTRIES),
            status_entries: Reservations::default(),
            signing_keys: SigningKeys::default(),
            award_writer: AwardWriter::spawn(db.clone()),
            lab_sessions: crate::lab::session::Registry::default(),
            db,
            settings,
            sealer,
            mailer,
            metrics,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Where mail goes.
    pub fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }

    /// Where views and verifications are recorded.
    pub fn events(&self) -> &Recorder {
        &self.inner.events
    }

    /// Signed credentials recently served, by award id.
    pub fn credentials(&self) -> &CredentialCache {
        &self.inner.credentials
    }

    /// Status list entries this server has reserved for its awards.
    pub fn status_entries(&self) -> &Reservations {
        &self.inner.status_entries
    }

    /// Issuers' signing keys this server has unsealed.
    pub fn signing_keys(&self) -> &SigningKeys {
        &self.inner.signing_keys
    }

    /// Where new awards are stored, in batches.
    pub fn award_writer(&self) -> &AwardWriter {
        &self.inner.award_writer
    }

    /// The lab sessions whose sandboxes this server holds.
    pub fn lab_sessions(&self) -> &crate::lab::session::Registry {
        &self.inner.lab_sessions
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The master-key sealer.
    pub fn sealer(&self) -> &Sealer {
        &self.inner.sealer
    }

    /// The public URL, without a trailing slash.
    pub fn public_url(&self) -> &str {
        &self.inner.settings.public_url
    }
}

/// The whole application's routes with their layers.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(ops::routes())
        .merge(crate::issuer::routes())
        .merge(crate::lab::routes())
        .merge(crate::lab::learner_routes())
        .merge(crate::achievement::routes())
        .merge(crate::award::routes())
        .merge(crate::openapi::routes(state.public_url()))
        .merge(crate::public::routes())
        .merge(crate::ob2::routes())
        .merge(crate::web::routes())
        .fallback(not_found)
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state,
            ops::count_requests,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .on_response(DefaultOnResponse::new().level(Level::INFO))
                .make_span_with(|request: &Request<_>| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    // The path only: query strings can carry emails (award searches).
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %loggable_path(request.uri().path()),
                        request.id = %id,
                    )
                }),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// A request's media type, lowercased, without its parameters (`; charset=…`); empty when
/// it has none.
pub fn media_type(headers: &axum::http::HeaderMap) -> String {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default();
    essence.trim().to_ascii_lowercase()
}

/// The paths whose last segment is a secret (sign-in links, learner links).
const SECRET_PATHS: [&str; 2] = ["/login/link/", crate::lab::session::JOIN_PATH];

/// A request path as logs may show it: the secrets of links replaced by `…`.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match SECRET_PATHS.iter().find(|prefix| path.starts_with(*prefix)) {
        Some(prefix) => format!("{prefix}…").into(),
        None => path.into(),
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found("page or endpoint")
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> anyhow::Result<()> {
    let app = router(state.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    // The requests are done: store the events they recorded before the process ends.
    state.events().flush().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// A JSON request body whose problems become problem details: syntax errors are 400, wrong
/// types, missing and unknown fields are 422, each with serde's description of the spot.
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    axum::Json<T>:
        axum::extract::FromRequest<S, Rejection = axum::extract::rejection::JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(value) = axum::Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

/// Collects field errors while a request body is checked, then fails with all of them.
#[derive(Debug, Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    /// Keeps `Ok` values and records `Err` messages against `pointer`.
    pub fn check<T>(&mut self, pointer: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(detail) => {
                self.errors.push(FieldError {
                    pointer: pointer.to_owned(),
                    detail,
                });
                None
            }
        }
    }

    /// Fails with every recorded problem, or succeeds when there were none.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn link_secrets_never_reach_the_logs() {
        assert_eq!(loggable_path("/login/link/rsl_abc"), "/login/link/…");
        assert_eq!(loggable_path("/lab/join/lab_abc"), "/lab/join/…");
        assert_eq!(loggable_path("/lab/sessions/abc"), "/lab/sessions/abc");
    }
}

//! The learner's side of a lab: the session's page (the assignment beside a terminal, Check
//! and Skip, the countdown) and the terminal itself over a WebSocket.
//!
//! A learner reaches their session by its link, `/lab/join/{secret}`, which the API's answer
//! to starting a session carries (and the author's pages show). Following it puts the secret
//! in a cookie for that session's pages only (`Path=/lab/sessions/{id}`, `HttpOnly`,
//! `SameSite=Lax`) and sends the browser on to `/lab/sessions/{id}`, so the secret leaves the
//! address bar and the history. Every route of the session then needs the cookie; the
//! database keeps only the secret's hash. The page's script calls the POST routes with a
//! header derived from the secret, and the WebSocket refuses pages of other origins, so no
//! other site can act on a learner's session.
//!
//! The JSON routes answer errors as problem details; the two HTML routes as error pages.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use labs::sandbox::WindowSize;
use minijinja::context;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::session::{self, SessionView};
use super::terminal::{Hub, MAX_CONNECTIONS, Output};
use crate::auth::secret_hash;
use crate::http::{ApiError, AppState};
use crate::web::session::{cookie, same_secret, set_cookie};
use crate::web::{PageError, templates};

/// The cookie that holds a learner link's secret.
const COOKIE: &str = "rosette_lab";
/// The header the page's script sends with every POST.
pub const CSRF_HEADER: &str = "x-rosette-lab-csrf";
/// How long the cookie lasts: longer than any session may.
const COOKIE_MAX_AGE_SECS: i64 = 7 * 24 * 3600;
/// The largest message a terminal connection takes (a paste).
const MAX_INPUT_BYTES: usize = 64 * 1024;
/// The close code that tells the page its shell ended (a new one opens on reconnecting).
const CLOSE_SHELL_ENDED: u16 = 4000;

/// The page's script, the terminal's vendored files and the page's styles, embedded.
const LAB_JS: &str = include_str!("../../assets/lab.js");
const LAB_CSS: &str = include_str!("../../assets/lab.css");
const XTERM_JS: &str = include_str!("../../assets/vendor/xterm/xterm.js");
const XTERM_CSS: &str = include_str!("../../assets/vendor/xterm/xterm.css");
const FIT_JS: &str = include_str!("../../assets/vendor/xterm/addon-fit.js");

/// xterm.js sizes its rows with `<style>` elements of its own, so the lab page allows inline
/// styles; scripts stay our own files only.
const LAB_PAGE_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; \
     frame-ancestors 'none'";

/// The routes of the learner's side.
pub fn routes() -> Router<AppState> {
    let pages = Router::new()
        .route("/lab/join/{secret}", get(join))
        .route("/lab/sessions/{id}", get(page))
        .layer(axum::middleware::from_fn(crate::web::page_layer))
        .layer(axum::middleware::map_response(lab_page_policy));
    Router::new()
        .merge(pages)
        .route("/lab/sessions/{id}/state", get(read_state))
        .route("/lab/sessions/{id}/{action}", post(act))
        .route("/lab/sessions/{id}/terminal", get(terminal))
        .route(
            "/assets/lab.js",
            get(|| asset("text/javascript; charset=utf-8", LAB_JS)),
        )
        .route(
            "/assets/lab.css",
            get(|| asset("text/css; charset=utf-8", LAB_CSS)),
        )
        .route(
            "/assets/vendor/xterm/xterm.js",
            get(|| asset("text/javascript; charset=utf-8", XTERM_JS)),
        )
        .route(
            "/assets/vendor/xterm/xterm.css",
            get(|| asset("text/css; charset=utf-8", XTERM_CSS)),
        )
        .route(
            "/assets/vendor/xterm/addon-fit.js",
            get(|| asset("text/javascript; charset=utf-8", FIT_JS)),
        )
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    crate::web::asset(content_type, body).into_response()
}

async fn lab_page_policy(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(LAB_PAGE_POLICY),
    );
    response
}

/// The session a request's cookie opens, if it is session `id`: its organization.
async fn learner_of(state: &AppState, headers: &HeaderMap, id: &str) -> Result<String, ApiError> {
    let refused = || {
        ApiError::unauthorized(
            "open this lab from its link: this browser has no access to the session",
        )
    };
    let secret = cookie(headers, COOKIE).ok_or_else(refused)?;
    match session::by_access(state, secret).await? {
        Some((org_id, found)) if found == id => Ok(org_id),
        _ => Err(refused()),
    }
}

/// The CSRF token of a learner link's secret.
fn csrf_of(secret: &str) -> String {
    secret_hash(&format!("csrf:{secret}"))
}

/// [`learner_of`] for a POST: the page's CSRF header must match too.
async fn learner_posting(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
) -> Result<String, ApiError> {
    let org_id = learner_of(state, headers, id).await?;
    let secret = cookie(headers, COOKIE).unwrap_or_default();
    let sent = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !same_secret(sent, &csrf_of(secret)) {
        return Err(ApiError::forbidden(
            "this request did not come from the lab's page; reload it",
        ));
    }
    Ok(org_id)
}

/// `GET /lab/join/{secret}`: the learner link.
async fn join(State(state): State<AppState>, Path(secret): Path<String>) -> Response {
    match session::by_access(&state, &secret).await {
        Ok(Some((_, id))) => {
            let path = format!("/lab/sessions/{id}");
            let cookie = set_cookie(&state, COOKIE, &secret, &path, COOKIE_MAX_AGE_SECS);
            let mut response = Redirect::to(&path).into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Ok(None) => PageError::not_found("lab link").into_response(),
        Err(e) => page_error(e).into_response(),
    }
}

/// `GET /lab/sessions/{id}`: the session's page.
async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let org_id = learner_of(&state, &headers, &id).await.map_err(|e| {
        if e.status() == StatusCode::UNAUTHORIZED {
            PageError::forbidden(
                "This browser cannot open this lab. Open it from the link you were given.",
            )
        } else {
            page_error(e)
        }
    })?;
    let (view, title) = session::get_titled(&state, &org_id, &id)
        .await
        .map_err(page_error)?;
    let challenges: Vec<_> = view
        .challenges
        .iter()
        .map(|c| {
            context! {
                slug => &c.slug,
                title => &c.title,
                teaser => &c.teaser,
                assignment => crate::public::to_safe_html(&c.assignment),
                hints => &c.hints,
                passed => c.progress.passed_at.is_some(),
                skipped => c.progress.skipped,
            }
        })
        .collect();
    let secret = cookie(&headers, COOKIE).unwrap_or_default();
    let html = templates::render(
        "lab_session.html",
        context! {
            title => title,
            session => minijinja::Value::from(minijinja::value::Serde(&view)),
            challenges => challenges,
            csrf => csrf_of(secret),
        },
    )?;
    Ok(html.into_response())
}

/// A service error as an error page (a server error was logged where it arose).
fn page_error(error: ApiError) -> PageError {
    if error.status() == StatusCode::NOT_FOUND {
        PageError::not_found("lab session")
    } else {
        PageError::internal(format!("a lab page failed: {}", error.detail()))
    }
}

/// `GET /lab/sessions/{id}/state`: the session, for the page's script.
async fn read_state(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SessionView>, ApiError> {
    let org_id = learner_of(&state, &headers, &id).await?;
    Ok(Json(session::get(&state, &org_id, &id).await?))
}

/// `POST /lab/sessions/{id}/check`, `/skip` and `/end`: the session's services, as the API's
/// routes of the same names answer them.
async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !["check", "skip", "end"].contains(&action.as_str()) {
        return Err(ApiError::not_found("lab action"));
    }
    let org_id = learner_posting(&state, &headers, &id).await?;
    let caller = session::learner_caller(&org_id, &id);
    Ok(match action.as_str() {
        "check" => Json(session::check(&state, &caller, &id).await?).into_response(),
        "skip" => Json(session::skip(&state, &caller, &id).await?).into_response(),
        _ => Json(session::end(&state, &caller, &id).await?).into_response(),
    })
}

/// The terminal's first window size, from the page.
#[derive(Debug, Deserialize)]
struct TerminalQuery {
    rows: Option<u16>,
    cols: Option<u16>,
}

/// A control message from the page (keystrokes come as binary messages).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Control {
    Resize { rows: u16, cols: u16 },
}

/// `GET /lab/sessions/{id}/terminal`: the WebSocket of the session's terminal.
async fn terminal(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<TerminalQuery>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    // Browsers send the page's origin with every WebSocket; only our own pages may connect.
    if let Some(origin) = headers.get(header::ORIGIN)
        && origin.as_bytes() != origin_of(state.public_url()).as_bytes()
    {
        return Err(ApiError::forbidden(
            "terminals open only from this server's own lab pages",
        ));
    }
    let org_id = learner_of(&state, &headers, &id).await?;
    let size = WindowSize::clamped(
        query.rows.unwrap_or(WindowSize::DEFAULT.rows),
        query.cols.unwrap_or(WindowSize::DEFAULT.cols),
    );
    let hub = session::terminal(&state, &org_id, &id, size).await?;
    let connection = hub.connect().ok_or_else(|| {
        ApiError::too_many(format!(
            "this lab's terminal is open in {MAX_CONNECTIONS} places already; close one"
        ))
    })?;
    Ok(upgrade
        .max_message_size(MAX_INPUT_BYTES)
        .max_frame_size(MAX_INPUT_BYTES)
        .on_upgrade(move |socket| async move {
            pump(socket, hub, state, org_id, id).await;
            drop(connection);
        }))
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => &url[..after_scheme + slash],
        None => url,
    }
}

/// Moves bytes between one browser and the shell until either goes.
async fn pump(mut socket: WebSocket, hub: Arc<Hub>, state: AppState, org_id: String, id: String) {
    let (scrollback, mut output) = hub.attach();
    if !scrollback.is_empty()
        && socket
            .send(Message::Binary(scrollback.into()))
            .await
            .is_err()
    {
        return;
    }
    if hub.ended() {
        let _ = socket.send(shell_ended()).await;
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                match message {
                    Message::Binary(keys) => {
                        if !hub.type_keys(keys.to_vec()).await {
                            break;
                        }
                        if let Err(e) = session::touch(&state, &org_id, &id).await {
                            tracing::warn!(status = %e.status(), "terminal activity not stored");
                        }
                    }
                    Message::Text(text) => {
                        if let Ok(Control::Resize { rows, cols }) = serde_json::from_str(&text) {
                            hub.resize(WindowSize::clamped(rows, cols)).await;
                        }
                    }
                    Message::Close(_) => break,
                    Message::Ping(_) | Message::Pong(_) => {}
                }
            }
            shown = output.recv() => match shown {
                Ok(Output::Bytes(bytes)) => {
                    if socket.send(Message::Binary(bytes)).await.is_err() {
                        break;
                    }
                }
                Ok(Output::Ended) | Err(RecvError::Closed) => {
                    let _ = socket.send(shell_ended()).await;
                    break;
                }
                // This browser fell behind; it misses what it could not take.
                Err(RecvError::Lagged(_)) => {}
            },
        }
    }
}

fn shell_ended() -> Message {
    Message::Close(Some(CloseFrame {
        code: CLOSE_SHELL_ENDED,
        reason: "the shell ended".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn an_origin_is_the_scheme_host_and_port() {
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(
            origin_of("https://badges.example.org/"),
            "https://badges.example.org"
        );
        assert_eq!(
            origin_of("https://example.org/rosette"),
            "https://example.org"
        );
    }
}

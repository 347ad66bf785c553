//! Signing in and out: with a password, or with a one-time link (printed by
//! `rosette orgs create`, or emailed on request or on invitation).
//!
//! The sign-in forms have no session yet, so their CSRF protection is a double-submit
//! cookie: the form's hidden `csrf` field must equal the `rosette_login_csrf` cookie, which
//! another site can neither read nor set. Failed passwords are counted per email address
//! and client IP in `login_failures`; [`MAX_FAILURES`] within [`FAILURE_WINDOW_MS`] locks
//! that pair out until the window passes. Unknown addresses cost the same Argon2 work as
//! known ones and get the same answer, so the form does not tell who has an account.

use std::net::SocketAddr;
use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{ConnectInfo, Form, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use sqlx::Row;

use super::session::{self, NoFields, Protected, cookie, same_secret, set_cookie};
use super::templates::render;
use super::{PageError, mail};
use crate::auth::{new_secret, secret_hash};
use crate::db::now_ms;
use crate::http::AppState;
use crate::validate::Email;

/// The double-submit cookie of the sign-in forms.
pub const LOGIN_CSRF_COOKIE: &str = "rosette_login_csrf";
/// Failed passwords allowed per email address and IP within [`FAILURE_WINDOW_MS`].
pub const MAX_FAILURES: i64 = 10;
/// The window failed passwords are counted in.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Sign-in links one person can ask for within [`FAILURE_WINDOW_MS`]; more are not sent.
pub const MAX_LINKS_PER_WINDOW: i64 = 5;
/// The one message for every failed password, whichever part was wrong.
pub const WRONG_CREDENTIALS: &str = "The email or password is wrong.";

/// `?next=` on the sign-in page: where to go afterwards.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `POST /login`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login/email-link`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailLinkForm {
    #[serde(default)]
    csrf: String,
    email: String,
}

/// `GET /login`.
pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Result<Response, PageError> {
    let next = safe_next(query.next.as_deref().unwrap_or("/"));
    let (csrf, new_cookie) = login_csrf(&state, &headers);
    let page = render(
        "login.html",
        context! { login_csrf => csrf, next => next, email => "", error => () },
    )?;
    Ok(with_cookie(page.into_response(), new_cookie))
}

/// `POST /login`: checks the password, then starts a session.
pub async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    check_login_csrf(&headers, &form.csrf)?;
    let email = form.email.trim().to_lowercase();
    let key = secret_hash(&format!("{email}\n{ip}"));
    if recent_failures(&state, &key).await? >= MAX_FAILURES {
        return Err(PageError::too_many(
            "There were too many wrong passwords for this email address. Wait 15 minutes, or \
             ask for a sign-in link by email.",
        ));
    }

    let user = match Email::parse(&email) {
        Ok(email) => sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&state.db().pool)
            .await?
            .map(|row| (row.get::<String, _>("id"), row.get("password_hash"))),
        Err(_) => None,
    };
    let (user_id, stored) = user.unzip();
    let password = form.password.clone();
    let verified =
        tokio::task::spawn_blocking(move || verify_password(&password, stored.flatten()))
            .await
            .map_err(PageError::internal)?;
    let user_id = match (verified, user_id) {
        (true, Some(user_id)) => user_id,
        _ => return wrong_password(&state, &key, &form).await,
    };

    sqlx::query("DELETE FROM login_failures WHERE key_hash = $1")
        .bind(&key)
        .execute(&state.db().pool)
        .await?;
    let Some(org_id) = first_org(&state, &user_id).await? else {
        return Err(PageError::forbidden(
            "You are not a member of any organization any more. Ask an owner to invite you.",
        ));
    };
    let org_count = org_count(&state, &user_id).await?;
    let next = match safe_next(&form.next) {
        next if next == "/" && org_count > 1 => "/orgs".to_owned(),
        next => next,
    };
    signed_in_response(&state, &headers, &user_id, &org_id, &next).await
}

/// `GET /login/link/{token}`: a one-time link signs in once, within its 24 hours.
pub async fn follow_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let now = now_ms();
    // One statement both checks and spends the link, so it cannot be used twice at once.
    let row = sqlx::query(
        "UPDATE login_links SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
         RETURNING user_id, org_id",
    )
    .bind(now)
    .bind(secret_hash(&token))
    .fetch_optional(&state.db().pool)
    .await?;
    let Some(row) = row else {
        return Err(PageError::bad_request(
            "This sign-in link does not work: it was used already or it expired (links work \
             once, within 24 hours). Ask for a new one from the sign-in page.",
        ));
    };
    let user_id: String = row.get("user_id");
    let org_id: String = row.get("org_id");
    let member = sqlx::query("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(&org_id)
        .bind(&user_id)
        .fetch_optional(&state.db().pool)
        .await?;
    if member.is_none() {
        return Err(PageError::forbidden(
            "You are no longer a member of the organization this link was for.",
        ));
    }

    let has_password = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(&user_id)
        .fetch_one(&state.db().pool)
        .await?
        .get::<Option<String>, _>("password_hash")
        .is_some();
    let next = if has_password {
        "/"
    } else {
        "/account/password"
    };
    signed_in_response(&state, &headers, &user_id, &org_id, next).await
}

/// `GET /login/email-link`.
pub async fn email_link_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (csrf, new_cookie) = login_csrf(&state, &headers);
    let page = render(
        "email_link.html",
        context! { login_csrf => csrf, sent => false, error => () },
    )?;
    Ok(with_cookie(page.into_response(), new_cookie))
}

/// `POST /login/email-link`: queues a sign-in link for the address, if it has an account.
/// The answer is the same either way.
pub async fn email_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<EmailLinkForm>,
) -> Result<Response, PageError> {
    check_login_csrf(&headers, &form.csrf)?;
    let Ok(email) = Email::parse(&form.email) else {
        let page = render(
            "email_link.html",
            context! {
                login_csrf => form.csrf,
                sent => false,
                error => "That is not a valid email address.",
            },
        )?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };

    let user = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&state.db().pool)
        .await?;
    if let Some(user) = user {
        let user_id: String = user.get("id");
        if let Some(org_id) = first_org(&state, &user_id).await?
            && recent_links(&state, &user_id).await? < MAX_LINKS_PER_WINDOW
        {
            let mut tx = state.db().pool.begin().await?;
            mail::queue_sign_in_link(&state, &mut tx, &user_id, &org_id, false).await?;
            tx.commit().await?;
        }
    }
    let page = render(
        "email_link.html",
        context! { login_csrf => form.csrf, sent => true, error => () },
    )?;
    Ok(page.into_response())
}

/// `POST /logout`.
pub async fn sign_out(
    State(state): State<AppState>,
    Protected { signed_in, .. }: Protected<NoFields>,
) -> Result<Response, PageError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&signed_in.session_hash)
        .execute(&state.db().pool)
        .await?;
    tracing::info!(user.id = %signed_in.user_id, "signed out");
    let mut response = Redirect::to("/login").into_response();
    let expired = set_cookie(&state, session::SESSION_COOKIE, "", "/", 0);
    response.headers_mut().append(header::SET_COOKIE, expired);
    Ok(response)
}

/// The client's IP address, when the server knows it (the listener must be served with
/// connection info); otherwise `unknown`, and rate limits apply per email address alone.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string());
        Ok(Self(ip))
    }
}

/// Hashes a new password with Argon2id and a fresh salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("hashing the password failed: {e}"))
}

/// A hash of no one's password, checked when an address has no password, so that unknown
/// addresses take as long as known ones.
static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&new_secret("")).unwrap_or_default());

/// Whether `password` matches the stored hash; without one, the decoy is checked and the
/// answer is no.
pub fn verify_password(password: &str, stored: Option<String>) -> bool {
    let hash = stored.as_deref().unwrap_or(&DECOY_HASH);
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok();
    matches && stored.is_some()
}

/// Records a failed password and shows the form again with the one generic message.
async fn wrong_password(
    state: &AppState,
    key: &str,
    form: &LoginForm,
) -> Result<Response, PageError> {
    let now = now_ms();
    sqlx::query("DELETE FROM login_failures WHERE created_at <= $1")
        .bind(now - FAILURE_WINDOW_MS)
        .execute(&state.db().pool)
        .await?;
    sqlx::query("INSERT INTO login_failures (key_hash, created_at) VALUES ($1, $2)")
        .bind(key)
        .bind(now)
        .execute(&state.db().pool)
        .await?;
    tracing::info!("sign-in refused: wrong email or password");
    let page = render(
        "login.html",
        context! {
            login_csrf => &form.csrf,
            next => safe_next(&form.next),
            email => &form.email,
            error => WRONG_CREDENTIALS,
        },
    )?;
    Ok((StatusCode::UNAUTHORIZED, page).into_response())
}

async fn recent_failures(state: &AppState, key: &str) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM login_failures WHERE key_hash = $1 AND created_at > $2",
    )
    .bind(key)
    .bind(now_ms() - FAILURE_WINDOW_MS)
    .fetch_one(&state.db().pool)
    .await?;
    Ok(row.get("n"))
}

async fn recent_links(state: &AppState, user_id: &str) -> Result<i64, sqlx::Error> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM login_links WHERE user_id = $1 AND created_at > $2")
            .bind(user_id)
            .bind(now_ms() - FAILURE_WINDOW_MS)
            .fetch_one(&state.db().pool)
            .await?;
    Ok(row.get("n"))
}

/// The organization a password sign-in opens: the one the person joined first.
async fn first_org(state: &AppState, user_id: &str) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT org_id FROM memberships WHERE user_id = $1 ORDER BY created_at, org_id LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(&state.db().pool)
    .await?;
    Ok(row.map(|r| r.get("org_id")))
}

async fn org_count(state: &AppState, user_id: &str) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&state.db().pool)
        .await?;
    Ok(row.get("n"))
}

/// Ends any session the browser had, starts a new one (so a session id planted before
/// sign-in is worthless), and redirects to `next`.
async fn signed_in_response(
    state: &AppState,
    headers: &HeaderMap,
    user_id: &str,
    org_id: &str,
    next: &str,
) -> Result<Response, PageError> {
    session::end(state.db(), headers).await?;
    let cookie = session::start(state, user_id, org_id).await?;
    let mut response = Redirect::to(next).into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, cookie);
    let spent = set_cookie(state, LOGIN_CSRF_COOKIE, "", "/login", 0);
    headers.append(header::SET_COOKIE, spent);
    Ok(response)
}

/// The sign-in forms' CSRF value: the browser's cookie if it has one, else a new value with
/// the cookie to set.
fn login_csrf(state: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie(headers, LOGIN_CSRF_COOKIE) {
        Some(value) => (value.to_owned(), None),
        None => {
            let value = new_secret("");
            let cookie = set_cookie(state, LOGIN_CSRF_COOKIE, &value, "/login", 2 * 60 * 60);
            (value, Some(cookie))
        }
    }
}

fn check_login_csrf(headers: &HeaderMap, sent: &str) -> Result<(), PageError> {
    match cookie(headers, LOGIN_CSRF_COOKIE) {
        Some(expected) if same_secret(sent, expected) => Ok(()),
        _ => Err(PageError::csrf()),
    }
}

fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A local path to go to after signing in; anything else (another site, `//host`, a
/// backslash trick) becomes `/`.
pub fn safe_next(next: &str) -> String {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() <= 2000;
    if local {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/manage/issuers?x=1"), "/manage/issuers?x=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "evil",
            "",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn passwords_verify_against_their_hash_only() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(hash.clone())));
        assert!(!verify_password("wrong horse battery", Some(hash)));
        assert!(!verify_password("anything", None));
        assert!(!verify_password("x", Some("not a hash".into())));
    }
}

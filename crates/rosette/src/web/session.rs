//! Sessions of signed-in people, and the CSRF protection of their forms.
//!
//! A session is a row in `sessions`: the browser holds a random secret in the
//! `rosette_session` cookie (`HttpOnly`, `SameSite=Lax`, `Secure` when the public URL is
//! https) and only its SHA-256 is stored. Sessions last [`SESSION_TTL_MS`] from their last
//! use, refreshed at most every [`REFRESH_EVERY_MS`] so that reading pages does not write to
//! the database on every request. Each session has its own CSRF token, which every
//! state-changing form must send back (see [`Protected`]).

use axum::extract::{Form, FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use minijinja::{Value, context};
use serde::de::DeserializeOwned;
use sqlx::Row;

use super::{CookieSlot, PageError};
use crate::auth::{Role, new_secret, secret_hash};
use crate::db::{Db, now_ms};
use crate::http::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "rosette_session";
/// How long a session lasts after its last use.
pub const SESSION_TTL_MS: i64 = 14 * 24 * 60 * 60 * 1000;
/// A session's expiry is pushed back at most this often.
pub const REFRESH_EVERY_MS: i64 = 60 * 60 * 1000;

/// A signed-in person in the organization their session is for.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The person's user id.
    pub user_id: String,
    /// Their name.
    pub name: String,
    /// Their email address.
    pub email: String,
    /// Whether they have set a password.
    pub has_password: bool,
    /// The organization every query of this request is scoped to.
    pub org_id: String,
    /// Its display name.
    pub org_name: String,
    /// Their role in it.
    pub role: Role,
    /// How many organizations they belong to.
    pub org_count: i64,
    /// The session's CSRF token, to put in forms.
    pub csrf: String,
    /// The hash of the session secret (the row's key).
    pub session_hash: String,
}

impl SignedIn {
    /// Refuses the request with a 403 page unless the person has at least `role`.
    pub fn require(&self, role: Role, doing: &str) -> Result<(), PageError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(PageError::forbidden(format!(
                "To {doing} you need the {role} role or a higher one; you are {} in {}. Ask an \
                 owner of the organization if you need it.",
                self.role, self.org_name
            )))
        }
    }

    /// The person as the services' caller.
    pub fn caller(&self) -> crate::auth::Caller {
        crate::auth::Caller {
            org_id: self.org_id.clone(),
            role: self.role,
            actor: crate::auth::Actor::User(self.user_id.clone()),
        }
    }

    /// The context every page's layout needs, merged with the page's own.
    pub fn page(&self, active: &str, page: Value) -> Value {
        context! {
            me => context! {
                name => &self.name,
                email => &self.email,
                role => self.role.as_str(),
                org_count => self.org_count,
            },
            org => context! { id => &self.org_id, name => &self.org_name },
            csrf => &self.csrf,
            active => active,
            ..page
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let next = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.to_string(), |uri| uri.0.to_string());
        let sign_in = || PageError::SignIn { next: next.clone() };
        let secret = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(sign_in)?;
        let hash = secret_hash(secret);
        let Some((signed_in, expires_at)) = load(state.db(), &hash).await? else {
            return Err(sign_in());
        };

        let now = now_ms();
        if expires_at - now < SESSION_TTL_MS - REFRESH_EVERY_MS {
            sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2")
                .bind(now + SESSION_TTL_MS)
                .bind(&hash)
                .execute(&state.db().pool)
                .await?;
            if let Some(slot) = parts.extensions.get::<CookieSlot>() {
                slot.set(session_cookie(state, secret));
            }
        }
        Ok(signed_in)
    }
}

/// The signed-in person of a session, with the session's expiry; none when the session
/// expired or its person is no longer a member of its organization.
async fn load(db: &Db, hash: &str) -> Result<Option<(SignedIn, i64)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT s.user_id, s.org_id, s.csrf_token, s.expires_at, u.name, u.email, \
         u.password_hash, m.role, o.name AS org_name, \
         (SELECT COUNT(*) FROM memberships c WHERE c.user_id = s.user_id) AS org_count \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         JOIN memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id \
         JOIN organizations o ON o.id = s.org_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(hash)
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.and_then(|row| {
        let role: String = row.get("role");
        let password_hash: Option<String> = row.get("password_hash");
        let signed_in = SignedIn {
            user_id: row.get("user_id"),
            name: row.get("name"),
            email: row.get("email"),
            has_password: password_hash.is_some(),
            org_id: row.get("org_id"),
            org_name: row.get("org_name"),
            role: role.parse().ok()?,
            org_count: row.get("org_count"),
            csrf: row.get("csrf_token"),
            session_hash: hash.to_owned(),
        };
        Some((signed_in, row.get("expires_at")))
    }))
}

/// Starts a session for a person in an organization; returns the `Set-Cookie` value.
pub async fn start(
    state: &AppState,
    user_id: &str,
    org_id: &str,
) -> Result<HeaderValue, sqlx::Error> {
    let secret = new_secret("rss_");
    let csrf = new_secret("");
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, org_id, csrf_token, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(secret_hash(&secret))
    .bind(user_id)
    .bind(org_id)
    .bind(csrf)
    .bind(now)
    .bind(now + SESSION_TTL_MS)
    .execute(&state.db().pool)
    .await?;
    tracing::info!(user.id = %user_id, org.id = %org_id, "signed in");
    Ok(session_cookie(state, &secret))
}

/// Ends the session a request's cookie names, if any.
pub async fn end(db: &Db, headers: &HeaderMap) -> Result<(), sqlx::Error> {
    if let Some(secret) = cookie(headers, SESSION_COOKIE) {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(secret_hash(secret))
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

/// The session cookie holding `secret`.
fn session_cookie(state: &AppState, secret: &str) -> HeaderValue {
    let max_age = SESSION_TTL_MS / 1000;
    set_cookie(state, SESSION_COOKIE, secret, "/", max_age)
}

/// A `Set-Cookie` value: `HttpOnly; SameSite=Lax`, and `Secure` when the site is https.
pub fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    path: &str,
    max_age_secs: i64,
) -> HeaderValue {
    let secure = if state.public_url().starts_with("https:") {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    );
    // Names and values are ours (base64url secrets), so they are always valid header text.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The value of a request cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// Whether two secrets are equal, compared in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    !a.is_empty()
        && aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

/// A form posted by a signed-in person, after its `csrf` field was checked against the
/// session's token. The other fields are deserialized into `T`.
pub struct Protected<T> {
    /// The person.
    pub signed_in: SignedIn,
    /// The form's fields, without `csrf`.
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Protected<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = request.into_parts();
        let signed_in = SignedIn::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, super::MAX_FORM_BYTES)
            .await
            .map_err(|_| PageError::bad_request("The form sent too much data."))?;

        let (csrf, rest) = split_csrf(&bytes);
        if !csrf.is_some_and(|c| same_secret(&c, &signed_in.csrf)) {
            tracing::info!(user.id = %signed_in.user_id, "form refused: CSRF token mismatch");
            return Err(PageError::csrf());
        }

        let request = Request::from_parts(parts, axum::body::Body::from(rest));
        let Form(form) = Form::<T>::from_request(request, state)
            .await
            .map_err(|e| PageError::bad_request(format!("The form is not valid: {e}")))?;
        Ok(Self { signed_in, form })
    }
}

/// Takes the `csrf` field out of a form body; returns it and the other fields, re-encoded.
fn split_csrf(body: &[u8]) -> (Option<String>, String) {
    let mut csrf = None;
    let mut rest = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(body) {
        if key == "csrf" {
            csrf = Some(value.into_owned());
        } else {
            rest.append_pair(&key, &value);
        }
    }
    (csrf, rest.finish())
}

/// A form with no fields but `csrf` (buttons such as "Sign out" and "Revoke").
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFields {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; rosette_session=rss_x; b=".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("rss_x"));
        assert_eq!(cookie(&headers, "a"), Some("1"));
        assert_eq!(cookie(&headers, "b"), None);
        assert_eq!(cookie(&headers, "c"), None);
    }

    #[test]
    fn secrets_compare_equal_only_when_identical_and_not_empty() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", ""));
    }
}

//! A signed-in person's own account: their password, and which of their organizations
//! they are working in.
//!
//! Setting a password does not ask for the current one: the first password is set right
//! after a one-time link, and an emailed link is also how a forgotten password is replaced.
//! Saving one signs out the person's other sessions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::PageError;
use super::login::hash_password;
use super::session::{NoFields, Protected, SignedIn};
use super::templates::render;
use crate::http::AppState;

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted, in bytes (bounds the hashing work).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// `POST /account/password`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordForm {
    password: String,
    confirm: String,
}

/// One of a person's organizations.
#[derive(Debug, Serialize)]
struct OrgChoice {
    id: String,
    name: String,
    role: String,
    current: bool,
}

/// `GET /account/password`.
pub async fn password_form(signed_in: SignedIn) -> Result<Response, PageError> {
    let page = password_page(&signed_in, false, None)?;
    Ok(page.into_response())
}

/// `POST /account/password`.
pub async fn set_password(
    State(state): State<AppState>,
    Protected { signed_in, form }: Protected<PasswordForm>,
) -> Result<Response, PageError> {
    if let Err(problem) = check_password(&form.password, &form.confirm) {
        let page = password_page(&signed_in, false, Some(problem))?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }

    let password = form.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(PageError::internal)??;
    let mut tx = state.db().pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(&signed_in.user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(&signed_in.user_id)
        .bind(&signed_in.session_hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(user.id = %signed_in.user_id, "password set");

    let signed_in = SignedIn {
        has_password: true,
        ..signed_in
    };
    Ok(password_page(&signed_in, true, None)?.into_response())
}

/// `GET /orgs`: the person's organizations, to choose one.
pub async fn choose_org(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    let rows = sqlx::query(
        "SELECT o.id, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id \
         WHERE m.user_id = $1 ORDER BY o.name, o.id",
    )
    .bind(&signed_in.user_id)
    .fetch_all(&state.db().pool)
    .await?;
    let orgs: Vec<OrgChoice> = rows
        .iter()
        .map(|row| {
            let id: String = row.get("id");
            OrgChoice {
                current: id == signed_in.org_id,
                id,
                name: row.get("name"),
                role: row.get("role"),
            }
        })
        .collect();
    let page = signed_in.page("", context! { orgs => Value::from(Serde(&orgs)) });
    Ok(render("orgs.html", page)?.into_response())
}

/// `POST /orgs/{id}/switch`: works in another of the person's organizations.
pub async fn switch_org(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    Protected { signed_in, .. }: Protected<NoFields>,
) -> Result<Response, PageError> {
    let member = sqlx::query("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(&org_id)
        .bind(&signed_in.user_id)
        .fetch_optional(&state.db().pool)
        .await?;
    if member.is_none() {
        return Err(PageError::not_found("organization"));
    }
    sqlx::query("UPDATE sessions SET org_id = $1 WHERE token_hash = $2")
        .bind(&org_id)
        .bind(&signed_in.session_hash)
        .execute(&state.db().pool)
        .await?;
    tracing::info!(user.id = %signed_in.user_id, org.id = %org_id, "organization switched");
    Ok(Redirect::to("/").into_response())
}

/// Why a new password is refused, if it is.
pub fn check_password(password: &str, confirm: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "The password must be at least {MIN_PASSWORD_CHARS} characters long."
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "The password must be at most {MAX_PASSWORD_BYTES} bytes long."
        ));
    }
    if password != confirm {
        return Err("The two passwords are not the same.".into());
    }
    Ok(())
}

fn password_page(
    signed_in: &SignedIn,
    saved: bool,
    error: Option<String>,
) -> Result<axum::response::Html<String>, PageError> {
    let page: Value = context! {
        has_password => signed_in.has_password,
        saved => saved,
        error => error,
        min_length => MIN_PASSWORD_CHARS,
    };
    render("password.html", signed_in.page("", page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_twelve_characters_and_a_matching_repeat() {
        assert!(check_password("short", "short").is_err());
        assert!(check_password("twelve chars", "twelve chars").is_ok());
        assert!(check_password("twelve chars", "twelve charz").is_err());
        assert!(check_password("ééééééééééééé", "ééééééééééééé").is_ok());
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        assert!(check_password(&long, &long).is_err());
    }
}

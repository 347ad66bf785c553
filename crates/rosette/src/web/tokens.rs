//! The API tokens page: the list, creating a token (its secret is shown once, on the page
//! that answers the form, and never stored), and revoking one. Admins and owners manage
//! tokens, and no one makes a token more powerful than themselves.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::PageError;
use super::session::{NoFields, Protected, SignedIn};
use super::templates::render;
use crate::auth::{Role, tokens};
use crate::db::now_ms;
use crate::http::AppState;
use crate::validate;

/// `POST /manage/tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenForm {
    name: String,
    role: String,
}

/// A token as listed.
#[derive(Debug, Serialize)]
struct TokenRow {
    id: String,
    name: String,
    role: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

/// `GET /manage/tokens`.
pub async fn list_tokens(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    Ok(tokens_page(&state, &signed_in, Value::from(()), None, "")
        .await?
        .into_response())
}

/// `POST /manage/tokens`: makes a token and shows its secret, once.
pub async fn create_token(
    State(state): State<AppState>,
    Protected { signed_in, form }: Protected<TokenForm>,
) -> Result<Response, PageError> {
    signed_in.require(Role::Admin, "create API tokens")?;
    let role: Role = form.role.parse().map_err(PageError::bad_request)?;
    if role > signed_in.role {
        return Err(PageError::forbidden(format!(
            "A token cannot have more power than its maker: you are {}.",
            signed_in.role
        )));
    }
    let name = match validate::name(&form.name, "The name", 100) {
        Ok(name) => name,
        Err(problem) => {
            let page = tokens_page(
                &state,
                &signed_in,
                Value::from(()),
                Some(&problem),
                &form.name,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };

    let (token, secret) = tokens::create(state.db(), &signed_in.org_id, &name, role).await?;
    tracing::info!(org.id = %signed_in.org_id, token.id = %token.id, "API token created");
    let created = context! { name => token.name, secret => secret };
    Ok(tokens_page(&state, &signed_in, created, None, "")
        .await?
        .into_response())
}

/// `POST /manage/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Protected { signed_in, .. }: Protected<NoFields>,
) -> Result<Response, PageError> {
    signed_in.require(Role::Admin, "revoke API tokens")?;
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 \
         WHERE org_id = $2 AND id = $3 AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(&signed_in.org_id)
    .bind(&id)
    .execute(&state.db().pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(PageError::not_found("active API token"));
    }
    tracing::info!(org.id = %signed_in.org_id, token.id = %id, "API token revoked");
    Ok(Redirect::to("/manage/tokens").into_response())
}

async fn tokens_page(
    state: &AppState,
    signed_in: &SignedIn,
    created: Value,
    error: Option<&str>,
    form_name: &str,
) -> Result<Html<String>, PageError> {
    let rows = sqlx::query(
        "SELECT id, name, role, created_at, last_used_at, revoked_at FROM api_tokens \
         WHERE org_id = $1 ORDER BY revoked_at IS NOT NULL, created_at DESC, id",
    )
    .bind(&signed_in.org_id)
    .fetch_all(&state.db().pool)
    .await?;
    let tokens: Vec<TokenRow> = rows
        .iter()
        .map(|row| TokenRow {
            id: row.get("id"),
            name: row.get("name"),
            role: row.get("role"),
            created_at: row.get("created_at"),
            last_used_at: row.get("last_used_at"),
            revoked_at: row.get("revoked_at"),
        })
        .collect();
    let grantable: Vec<&str> = [Role::Analyst, Role::Author, Role::Admin, Role::Owner]
        .into_iter()
        .filter(|role| *role <= signed_in.role)
        .map(Role::as_str)
        .collect();
    let page = context! {
        tokens => Value::from(Serde(&tokens)),
        created => created,
        error => error,
        form_name => form_name,
        grantable => grantable,
        can_manage => signed_in.role >= Role::Admin,
    };
    render("tokens.html", signed_in.page("tokens", page))
}

//! The members page: who belongs to the organization, invitations, role changes and
//! removals.
//!
//! Admins and owners manage members, but only owners touch owners: an admin can neither
//! make an owner nor change or remove one. An organization always keeps at least one owner;
//! the check locks the owners' rows (on PostgreSQL) so two owners demoting each other at
//! once cannot both succeed.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::session::{NoFields, Protected, SignedIn};
use super::templates::render;
use super::{PageError, mail};
use crate::auth::Role;
use crate::db::{Engine, new_id, now_ms};
use crate::http::AppState;
use crate::validate::Email;

/// The message when a change would leave no owner.
pub const LAST_OWNER: &str =
    "An organization always keeps at least one owner. Make someone else an owner first.";

/// `?notice=` after a change: which confirmation to show.
#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// `POST /manage/members`: an invitation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteForm {
    email: String,
    role: String,
}

/// `POST /manage/members/{user_id}/role`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleForm {
    role: String,
}

/// A member as listed.
#[derive(Debug, Serialize)]
struct MemberRow {
    user_id: String,
    name: String,
    email: String,
    role: String,
    created_at: i64,
    is_me: bool,
    changeable: bool,
}

/// `GET /manage/members`.
pub async fn list_members(
    State(state): State<AppState>,
    Query(query): Query<NoticeQuery>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    let notice = match query.notice.as_deref() {
        Some("invited") => Some("The invitation is on its way."),
        Some("role") => Some("The role was changed."),
        Some("removed") => Some("The member was removed."),
        _ => None,
    };
    Ok(members_page(&state, &signed_in, notice, None)
        .await?
        .into_response())
}

/// `POST /manage/members`: invites a person (making their account if they have none).
pub async fn invite_member(
    State(state): State<AppState>,
    Protected { signed_in, form }: Protected<InviteForm>,
) -> Result<Response, PageError> {
    signed_in.require(Role::Admin, "invite members")?;
    let role: Role = form.role.parse().map_err(PageError::bad_request)?;
    may_grant(&signed_in, role)?;
    let email = match Email::parse(&form.email) {
        Ok(email) => email,
        Err(problem) => {
            return refuse(
                &state,
                &signed_in,
                StatusCode::UNPROCESSABLE_ENTITY,
                &problem,
            )
            .await;
        }
    };

    let mut tx = state.db().pool.begin().await?;
    let user_id = find_or_create_user(&mut tx, &email).await?;
    let existing = sqlx::query("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(&signed_in.org_id)
        .bind(&user_id)
        .fetch_optional(&mut *tx)
        .await?;
    if existing.is_some() {
        drop(tx);
        let problem = format!("{email} is already a member.");
        return refuse(&state, &signed_in, StatusCode::CONFLICT, &problem).await;
    }
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&signed_in.org_id)
    .bind(&user_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    mail::queue_sign_in_link(&state, &mut tx, &user_id, &signed_in.org_id, true).await?;
    tx.commit().await?;
    tracing::info!(org.id = %signed_in.org_id, user.id = %user_id, %role, "member invited");
    Ok(Redirect::to("/manage/members?notice=invited").into_response())
}

/// `POST /manage/members/{user_id}/role`.
pub async fn change_role(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    Protected { signed_in, form }: Protected<RoleForm>,
) -> Result<Response, PageError> {
    signed_in.require(Role::Admin, "change roles")?;
    let role: Role = form.role.parse().map_err(PageError::bad_request)?;
    may_grant(&signed_in, role)?;
    let current = member_role(&state, &signed_in, &user_id).await?;
    may_change(&signed_in, current)?;

    let mut tx = state.db().pool.begin().await?;
    if !keeps_an_owner(&state, &mut tx, &signed_in.org_id, &user_id, Some(role)).await? {
        drop(tx);
        return refuse(&state, &signed_in, StatusCode::CONFLICT, LAST_OWNER).await;
    }
    sqlx::query("UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3")
        .bind(role.as_str())
        .bind(&signed_in.org_id)
        .bind(&user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(org.id = %signed_in.org_id, user.id = %user_id, %role, "role changed");
    Ok(Redirect::to("/manage/members?notice=role").into_response())
}

/// `POST /manage/members/{user_id}/remove`: ends the membership and its sessions.
pub async fn remove_member(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    Protected { signed_in, .. }: Protected<NoFields>,
) -> Result<Response, PageError> {
    signed_in.require(Role::Admin, "remove members")?;
    let current = member_role(&state, &signed_in, &user_id).await?;
    may_change(&signed_in, current)?;

    let mut tx = state.db().pool.begin().await?;
    if !keeps_an_owner(&state, &mut tx, &signed_in.org_id, &user_id, None).await? {
        drop(tx);
        return refuse(&state, &signed_in, StatusCode::CONFLICT, LAST_OWNER).await;
    }
    for sql in [
        "DELETE FROM memberships WHERE org_id = $1 AND user_id = $2",
        "DELETE FROM sessions WHERE org_id = $1 AND user_id = $2",
    ] {
        sqlx::query(sql)
            .bind(&signed_in.org_id)
            .bind(&user_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    tracing::info!(org.id = %signed_in.org_id, user.id = %user_id, "member removed");
    Ok(Redirect::to("/manage/members?notice=removed").into_response())
}

/// Only owners make owners.
fn may_grant(signed_in: &SignedIn, role: Role) -> Result<(), PageError> {
    if role == Role::Owner && signed_in.role < Role::Owner {
        return Err(PageError::forbidden(
            "Only an owner can make someone an owner.",
        ));
    }
    Ok(())
}

/// Only owners change or remove owners.
fn may_change(signed_in: &SignedIn, current: Role) -> Result<(), PageError> {
    if current == Role::Owner && signed_in.role < Role::Owner {
        return Err(PageError::forbidden(
            "Only an owner can change or remove an owner.",
        ));
    }
    Ok(())
}

/// The role of a member of the signed-in organization; 404 for anyone else.
async fn member_role(
    state: &AppState,
    signed_in: &SignedIn,
    user_id: &str,
) -> Result<Role, PageError> {
    let row = sqlx::query("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(&signed_in.org_id)
        .bind(user_id)
        .fetch_optional(&state.db().pool)
        .await?
        .ok_or_else(|| PageError::not_found("member"))?;
    row.get::<String, _>("role")
        .parse()
        .map_err(PageError::internal)
}

/// Whether the organization still has an owner after `user_id` gets `new_role` (`None`:
/// is removed). Locks the owners' rows until the transaction ends, on PostgreSQL; SQLite
/// has one writer at a time.
async fn keeps_an_owner(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org_id: &str,
    user_id: &str,
    new_role: Option<Role>,
) -> Result<bool, sqlx::Error> {
    let lock = match state.db().engine {
        Engine::Postgres => " FOR UPDATE",
        Engine::Sqlite => "",
    };
    let sql = format!("SELECT user_id FROM memberships WHERE org_id = $1 AND role = $2{lock}");
    let owners: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id)
        .bind(Role::Owner.as_str())
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|row| row.get("user_id"))
        .collect();
    let loses_owner = owners.iter().any(|o| o == user_id) && new_role != Some(Role::Owner);
    Ok(!loses_owner || owners.len() > 1)
}

async fn find_or_create_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    email: &Email,
) -> Result<String, sqlx::Error> {
    let existing = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = existing {
        return Ok(row.get("id"));
    }
    let id = new_id();
    let name = email.as_str().split('@').next().unwrap_or_default();
    sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(email.as_str())
        .bind(name)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// The members page again, with an error and a status.
async fn refuse(
    state: &AppState,
    signed_in: &SignedIn,
    status: StatusCode,
    problem: &str,
) -> Result<Response, PageError> {
    let page = members_page(state, signed_in, None, Some(problem)).await?;
    Ok((status, page).into_response())
}

async fn members_page(
    state: &AppState,
    signed_in: &SignedIn,
    notice: Option<&str>,
    error: Option<&str>,
) -> Result<Html<String>, PageError> {
    let rows = sqlx::query(
        "SELECT u.id, u.name, u.email, m.role, m.created_at FROM memberships m \
         JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY u.name, u.email",
    )
    .bind(&signed_in.org_id)
    .fetch_all(&state.db().pool)
    .await?;
    let can_manage = signed_in.role >= Role::Admin;
    let members: Vec<MemberRow> = rows
        .iter()
        .map(|row| {
            let user_id: String = row.get("id");
            let role: String = row.get("role");
            let changeable =
                can_manage && (signed_in.role == Role::Owner || role != Role::Owner.as_str());
            MemberRow {
                is_me: user_id == signed_in.user_id,
                user_id,
                name: row.get("name"),
                email: row.get("email"),
                role,
                created_at: row.get("created_at"),
                changeable,
            }
        })
        .collect();
    let grantable: Vec<&str> = [Role::Analyst, Role::Author, Role::Admin, Role::Owner]
        .into_iter()
        .filter(|role| *role <= signed_in.role)
        .map(Role::as_str)
        .collect();
    let page = context! {
        members => Value::from(Serde(&members)),
        can_manage => can_manage,
        grantable => grantable,
        notice => notice,
        error => error,
    };
    render("members.html", signed_in.page("members", page))
}

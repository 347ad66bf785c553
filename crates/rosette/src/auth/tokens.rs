//! API tokens: made by `rosette tokens create` or an admin, shown once, stored hashed.

use sqlx::Row;

use super::{Actor, Caller, Role, new_secret, secret_hash};
use crate::db::{Db, new_id, now_ms};

/// A token as listed (never with its secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiToken {
    /// The token's id.
    pub id: String,
    /// A name to recognize it by.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it was made (Unix ms).
    pub created_at: i64,
}

/// Makes a token for an organization; returns it with its secret, which is not kept.
pub async fn create(
    db: &Db,
    org_id: &str,
    name: &str,
    role: Role,
) -> anyhow::Result<(ApiToken, String)> {
    let secret = new_secret("rst_");
    let token = ApiToken {
        id: new_id(),
        name: name.to_owned(),
        role,
        created_at: now_ms(),
    };
    sqlx::query(
        "INSERT INTO api_tokens (id, org_id, name, role, token_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&token.id)
    .bind(org_id)
    .bind(&token.name)
    .bind(role.as_str())
    .bind(secret_hash(&secret))
    .bind(token.created_at)
    .execute(&db.pool)
    .await?;
    Ok((token, secret))
}

/// The caller a token stands for, if it is valid and not revoked.
pub async fn authenticate(db: &Db, secret: &str) -> Result<Option<Caller>, sqlx::Error> {
    if !secret.starts_with("rst_") {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT id, org_id, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(secret_hash(secret))
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.and_then(|row| {
        let role: String = row.get("role");
        Some(Caller {
            org_id: row.get("org_id"),
            role: role.parse().ok()?,
            actor: Actor::Token(row.get("id")),
        })
    }))
}

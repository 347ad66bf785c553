//! Organizations (the tenants) and the people in them.

use sqlx::Row;

use crate::auth::{Role, new_secret, secret_hash};
use crate::db::{Db, new_id, now_ms};
use crate::validate::{Email, Slug};

/// How long a one-time sign-in link stays valid.
pub const SIGN_IN_LINK_TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// An organization.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Org {
    /// Its id.
    pub id: String,
    /// Its slug, used on the command line and in URLs.
    pub slug: String,
    /// Its display name.
    pub name: String,
}

/// Creates an organization with its owner (a new or existing person) in one transaction,
/// and returns a one-time sign-in link secret for the owner.
pub async fn create(
    db: &Db,
    slug: &Slug,
    name: &str,
    owner: &Email,
) -> anyhow::Result<(Org, String)> {
    let now = now_ms();
    let org = Org {
        id: new_id(),
        slug: slug.as_str().to_owned(),
        name: name.to_owned(),
    };
    let mut tx = db.pool.begin().await?;
    let taken = sqlx::query("SELECT id FROM organizations WHERE slug = $1")
        .bind(&org.slug)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        anyhow::bail!(
            "an organization with the slug {:?} already exists",
            org.slug
        );
    }
    sqlx::query("INSERT INTO organizations (id, slug, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&org.id)
        .bind(&org.slug)
        .bind(&org.name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let existing = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind(owner.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    let user_id = match existing {
        Some(row) => row.get::<String, _>("id"),
        None => {
            let id = new_id();
            let name = owner
                .as_str()
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned();
            sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&id)
                .bind(owner.as_str())
                .bind(name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            id
        }
    };
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&org.id)
    .bind(&user_id)
    .bind(Role::Owner.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let link = new_secret("rsl_");
    sqlx::query(
        "INSERT INTO login_links (token_hash, user_id, org_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(secret_hash(&link))
    .bind(&user_id)
    .bind(&org.id)
    .bind(now)
    .bind(now + SIGN_IN_LINK_TTL_MS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((org, link))
}

/// Finds an organization by slug.
pub async fn by_slug(db: &Db, slug: &str) -> anyhow::Result<Option<Org>> {
    let row = sqlx::query("SELECT id, slug, name FROM organizations WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| Org {
        id: r.get("id"),
        slug: r.get("slug"),
        name: r.get("name"),
    }))
}

//! Issuers: the OB 3.0 Profiles that sign an organization's credentials, and their keys.
//!
//! Each issuer has an Ed25519 key, sealed at rest with the master key. Rotating makes a new
//! current key and retires the old one, which stays published in the issuer's controller
//! document so the credentials it signed still verify.

mod api;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use badges::keys::{KeyPair, PublishedKey};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Db, new_id, now_ms};
use crate::http::AppState;

pub use api::{IssuerApi, routes};

/// An issuer as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Issuer {
    /// Its id (a UUID); its public id is `{public_url}/issuers/{id}`.
    pub id: String,
    /// The organization it belongs to.
    #[serde(skip)]
    pub org_id: String,
    /// Its name.
    pub name: String,
    /// Its home page.
    pub url: String,
    /// A contact email, published in the profile.
    pub email: String,
    /// A description.
    pub description: Option<String>,
    /// When it was made (Unix ms).
    pub created_at: i64,
    /// When it was archived (Unix ms), if it was.
    pub archived_at: Option<i64>,
}

/// What a new issuer is made from (already validated).
#[derive(Debug, Clone)]
pub struct NewIssuer {
    /// Its name.
    pub name: String,
    /// Its home page.
    pub url: String,
    /// A contact email.
    pub email: String,
    /// A description.
    pub description: Option<String>,
}

const COLUMNS: &str = "id, org_id, name, url, email, description, created_at, archived_at";

fn from_row(row: &AnyRow) -> Issuer {
    from_prefixed_row(row, "")
}

/// The prefix of the issuer's columns in [`joined_columns`].
pub(crate) const JOINED_PREFIX: &str = "issuer__";

/// The issuer's columns for a query that joins `issuers` as `alias`, each named with
/// [`JOINED_PREFIX`] so they cannot clash with the other table's; read them with
/// [`from_joined_row`].
pub(crate) fn joined_columns(alias: &str) -> String {
    let columns: Vec<String> = COLUMNS
        .split(", ")
        .map(|column| format!("{alias}.{column} AS {JOINED_PREFIX}{column}"))
        .collect();
    columns.join(", ")
}

/// Reads an issuer from a row with [`joined_columns`].
pub(crate) fn from_joined_row(row: &AnyRow) -> Issuer {
    from_prefixed_row(row, JOINED_PREFIX)
}

fn from_prefixed_row(row: &AnyRow, prefix: &str) -> Issuer {
    let column = |name: &str| format!("{prefix}{name}");
    Issuer {
        id: row.get(column("id").as_str()),
        org_id: row.get(column("org_id").as_str()),
        name: row.get(column("name").as_str()),
        url: row.get(column("url").as_str()),
        email: row.get(column("email").as_str()),
        description: row.get(column("description").as_str()),
        created_at: row.get(column("created_at").as_str()),
        archived_at: row.get(column("archived_at").as_str()),
    }
}

/// Creates an issuer with a fresh signing key.
pub async fn create(state: &AppState, org_id: &str, new: NewIssuer) -> anyhow::Result<Issuer> {
    let now = now_ms();
    let issuer = Issuer {
        id: new_id(),
        org_id: org_id.to_owned(),
        name: new.name,
        url: new.url,
        email: new.email,
        description: new.description,
        created_at: now,
        archived_at: None,
    };
    let mut tx = state.db().pool.begin().await?;
    sqlx::query(
        "INSERT INTO issuers (id, org_id, name, url, email, description, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&issuer.id)
    .bind(org_id)
    .bind(&issuer.name)
    .bind(&issuer.url)
    .bind(&issuer.email)
    .bind(&issuer.description)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    insert_key(state, &mut tx, &issuer, now).await?;
    tx.commit().await?;
    tracing::info!(issuer.id = %issuer.id, org.id = %org_id, "issuer created");
    Ok(issuer)
}

async fn insert_key(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    issuer: &Issuer,
    now: i64,
) -> anyhow::Result<()> {
    let key = KeyPair::generate();
    let key_id = new_id();
    let sealed = state.sealer().seal(&key.secret_bytes(), &key_id);
    sqlx::query(
        "INSERT INTO issuer_keys (id, org_id, issuer_id, public_multibase, secret_sealed, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&key_id)
    .bind(&issuer.org_id)
    .bind(&issuer.id)
    .bind(key.public_multibase())
    .bind(sealed)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Finds an issuer of an organization.
pub async fn get(db: &Db, org_id: &str, id: &str) -> anyhow::Result<Option<Issuer>> {
    let sql = format!("SELECT {COLUMNS} FROM issuers WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Finds an issuer by id alone, for its public documents.
pub async fn get_public(db: &Db, id: &str) -> anyhow::Result<Option<Issuer>> {
    let sql = format!("SELECT {COLUMNS} FROM issuers WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// The issuers of an organization, newest first.
pub async fn list(db: &Db, org_id: &str, include_archived: bool) -> anyhow::Result<Vec<Issuer>> {
    let archived = if include_archived {
        ""
    } else {
        " AND archived_at IS NULL"
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM issuers WHERE org_id = $1{archived} ORDER BY created_at DESC, id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Changes an issuer's profile (already validated values; `None` leaves a field as it is).
pub async fn update(db: &Db, issuer: &Issuer, changes: NewIssuerChanges) -> anyhow::Result<Issuer> {
    let mut updated = issuer.clone();
    if let Some(name) = changes.name {
        updated.name = name;
    }
    if let Some(url) = changes.url {
        updated.url = url;
    }
    if let Some(email) = changes.email {
        updated.email = email;
    }
    if let Some(description) = changes.description {
        updated.description = description;
    }
    sqlx::query(
        "UPDATE issuers SET name = $1, url = $2, email = $3, description = $4, updated_at = $5 \
         WHERE org_id = $6 AND id = $7",
    )
    .bind(&updated.name)
    .bind(&updated.url)
    .bind(&updated.email)
    .bind(&updated.description)
    .bind(now_ms())
    .bind(&issuer.org_id)
    .bind(&issuer.id)
    .execute(&db.pool)
    .await?;
    Ok(updated)
}

/// Changes to an issuer's profile.
#[derive(Debug, Clone, Default)]
pub struct NewIssuerChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new home page.
    pub url: Option<String>,
    /// A new contact email.
    pub email: Option<String>,
    /// A new description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
}

/// Archives an issuer: it stays published (its credentials still verify) but signs no more.
pub async fn archive(db: &Db, issuer: &Issuer) -> anyhow::Result<()> {
    sqlx::query("UPDATE issuers SET archived_at = $1 WHERE org_id = $2 AND id = $3")
        .bind(now_ms())
        .bind(&issuer.org_id)
        .bind(&issuer.id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Makes a new current key; the old ones stay published.
pub async fn rotate_key(state: &AppState, issuer: &Issuer) -> anyhow::Result<()> {
    let now = now_ms();
    let mut tx = state.db().pool.begin().await?;
    sqlx::query(
        "UPDATE issuer_keys SET retired_at = $1 WHERE issuer_id = $2 AND retired_at IS NULL",
    )
    .bind(now)
    .bind(&issuer.id)
    .execute(&mut *tx)
    .await?;
    insert_key(state, &mut tx, issuer, now).await?;
    tx.commit().await?;
    state.signing_keys().forget(&issuer.id);
    tracing::info!(issuer.id = %issuer.id, "issuer key rotated");
    Ok(())
}

/// The public id of an issuer: the URL of its profile and controller document.
pub fn public_id(public_url: &str, issuer_id: &str) -> String {
    format!("{public_url}/issuers/{issuer_id}")
}

/// The verification method id of a key of an issuer.
pub fn method_id(public_url: &str, issuer_id: &str, public_multibase: &str) -> String {
    format!("{}#{public_multibase}", public_id(public_url, issuer_id))
}

/// How long a server signs with an issuer key it read before reading the current one again.
/// A rotation on this server takes effect at once; one on another server sharing the
/// database, within this time. Signing a little longer with a retired key is safe: retired
/// keys stay published, so what they signed still verifies.
pub const SIGNING_KEY_TTL: Duration = Duration::from_secs(60);

/// Issuers' current signing keys, unsealed, as this server last read them.
#[derive(Default)]
pub struct SigningKeys {
    entries: Mutex<HashMap<String, (Instant, KeyPair, String)>>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKeys(..)")
    }
}

impl SigningKeys {
    fn get(&self, issuer_id: &str) -> Option<(KeyPair, String)> {
        let entries = self.entries.lock().ok()?;
        let (read_at, key, method) = entries.get(issuer_id)?;
        (read_at.elapsed() < SIGNING_KEY_TTL).then(|| (key.clone(), method.clone()))
    }

    fn keep(&self, issuer_id: &str, key: &KeyPair, method: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            let entry = (Instant::now(), key.clone(), method.to_owned());
            entries.insert(issuer_id.to_owned(), entry);
        }
    }

    fn forget(&self, issuer_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(issuer_id);
        }
    }
}

/// The issuer's current signing key and its verification method id (see
/// [`SIGNING_KEY_TTL`]).
pub async fn signing_key(state: &AppState, issuer: &Issuer) -> anyhow::Result<(KeyPair, String)> {
    if let Some(known) = state.signing_keys().get(&issuer.id) {
        return Ok(known);
    }
    let (key, method) = read_signing_key(state, issuer).await?;
    state.signing_keys().keep(&issuer.id, &key, &method);
    Ok((key, method))
}

/// Reads and unseals the issuer's current signing key.
async fn read_signing_key(state: &AppState, issuer: &Issuer) -> anyhow::Result<(KeyPair, String)> {
    let row = sqlx::query(
        "SELECT id, public_multibase, secret_sealed FROM issuer_keys \
         WHERE issuer_id = $1 AND org_id = $2 AND retired_at IS NULL \
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(&issuer.id)
    .bind(&issuer.org_id)
    .fetch_one(&state.db().pool)
    .await?;
    let key_id: String = row.get("id");
    let sealed: Vec<u8> = row.get("secret_sealed");
    let secret: [u8; 32] = state
        .sealer()
        .open(&sealed, &key_id)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("a stored issuer key has the wrong length"))?;
    let pair = KeyPair::from_secret_bytes(&secret);
    let public: String = row.get("public_multibase");
    Ok((pair, method_id(state.public_url(), &issuer.id, &public)))
}

/// Every key the issuer has had, current first, for its controller document.
pub async fn published_keys(
    state: &AppState,
    issuer: &Issuer,
) -> anyhow::Result<Vec<PublishedKey>> {
    let rows = sqlx::query(
        "SELECT public_multibase FROM issuer_keys WHERE issuer_id = $1 \
         ORDER BY created_at DESC, id",
    )
    .bind(&issuer.id)
    .fetch_all(&state.db().pool)
    .await?;
    rows.iter()
        .map(|row| {
            let multibase: String = row.get("public_multibase");
            let key = badges::keys::parse_public_multibase(&multibase)?;
            let id = method_id(state.public_url(), &issuer.id, &multibase);
            Ok(PublishedKey { id, key })
        })
        .collect()
}

/// The issuer's OB 3.0 Profile, as embedded in its credentials.
pub fn profile(public_url: &str, issuer: &Issuer) -> Value {
    let mut profile = json!({
        "id": public_id(public_url, &issuer.id),
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
    });
    if let Some(description) = &issuer.description {
        profile["description"] = description.clone().into();
    }
    profile
}

/// The issuer's public document: its Profile and every key it has signed with, as a
/// controller document, which verifiers fetch to check credentials.
pub async fn document(state: &AppState, issuer: &Issuer) -> anyhow::Result<Value> {
    let keys = published_keys(state, issuer).await?;
    let mut profile = profile(state.public_url(), issuer);
    profile["@context"] = json!([badges::contexts::CREDENTIALS_V2, badges::contexts::OB_V3]);
    let id = public_id(state.public_url(), &issuer.id);
    Ok(badges::keys::controller_document(
        &id,
        &keys,
        Some(&profile),
    ))
}

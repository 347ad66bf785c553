//! Awards: one achievement given to one learner, and the signed OB 3.0 credential that
//! proves it.
//!
//! Making an award: take a status list entry, build and sign the credential, then store it
//! with the award, the `award.issued` event and the learner's email job in one transaction
//! (shared with the awards made at the same moment, see [`writer`]). The stored credential is
//! never edited: revoking sets the award's status list bit, and expiry follows from the
//! credential's own `validUntil`.
//!
//! Retries are safe: a request with an idempotency key makes at most one award per key and
//! organization, enforced by the unique index `awards_idempotency`, so concurrent retries on
//! several servers still end with one award.

mod api;
pub mod cache;
pub mod credential;
mod verify;
pub mod writer;

use std::collections::HashSet;

use badges::status::{StatusListEntry, StatusPurpose};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::achievement::{self, Achievement};
use crate::auth::{Actor, Caller};
use crate::db::{Db, new_id, now_ms, placeholders};
use crate::event::{self, EventKind, NewEvent};
use crate::http::{ApiError, AppState};
use crate::issuer::{self, Issuer};
use crate::status_list;
use crate::validate::Email;

pub use api::{
    AwardApi, MAX_EVIDENCE, MAX_EVIDENCE_NAME, MAX_EVIDENCE_NARRATIVE, MAX_IDEMPOTENCY_KEY,
    MAX_REASON, MAX_RECIPIENT_NAME, routes,
};
pub(crate) use api::{evidence_url, reason};
pub use verify::{
    LocalResolver, MAX_VERIFY_BYTES, Verification, VerifyError, read_form, report_at,
    verify_submission,
};

/// The kind of the job that emails the learner about a new award.
pub const EMAIL_JOB: &str = "email.award_issued";

/// An award as stored.
#[derive(Debug, Clone)]
pub struct Award {
    /// Its id (a UUID); its credential is `{public_url}/credentials/{id}`.
    pub id: String,
    /// The organization.
    pub org_id: String,
    /// What was earned.
    pub achievement_id: String,
    /// Who signed.
    pub issuer_id: String,
    /// The learner's email, lower-case (never in the credential, which has only its hash).
    pub recipient_email: String,
    /// The learner's name, for pages and emails.
    pub recipient_name: Option<String>,
    /// Whether the learner's name shows on the award's public page.
    pub name_public: bool,
    /// The signed credential, exactly as issued.
    pub credential: String,
    /// The status list holding its revocation bit.
    pub status_list_id: String,
    /// Its entry in that list.
    pub status_index: i64,
    /// When it takes effect (Unix ms, whole seconds).
    pub valid_from: i64,
    /// When it stops being valid (Unix ms), if it does.
    pub valid_until: Option<i64>,
    /// When it was revoked (Unix ms), if it was.
    pub revoked_at: Option<i64>,
    /// Why it was revoked.
    pub revocation_reason: Option<String>,
    /// The idempotency key it was made with, if any.
    pub idempotency_key: Option<String>,
    /// When it was made (Unix ms).
    pub created_at: i64,
}

/// Where an award stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AwardStatus {
    /// Valid.
    Active,
    /// Revoked by the issuer.
    Revoked,
    /// Past its `validUntil`.
    Expired,
}

impl Award {
    /// The status at `now` (Unix ms); revocation wins over expiry.
    pub fn status_at(&self, now: i64) -> AwardStatus {
        if self.revoked_at.is_some() {
            AwardStatus::Revoked
        } else if self.valid_until.is_some_and(|until| until <= now) {
            AwardStatus::Expired
        } else {
            AwardStatus::Active
        }
    }
}

/// The longest revocation reason public pages show; a longer one is more likely an internal
/// note than a public statement.
pub const MAX_PUBLIC_REASON_CHARS: usize = 200;

impl Award {
    /// The revocation reason, when it is safe to show on public pages. Reasons are written
    /// for the organization, so one that might identify or reach a person is kept private:
    /// anything naming the learner or holding an email address, a link or a long number
    /// (a phone or account number), and anything longer than [`MAX_PUBLIC_REASON_CHARS`].
    pub fn public_revocation_reason(&self) -> Option<&str> {
        let reason = self.revocation_reason.as_deref()?.trim();
        let lower = reason.to_lowercase();
        let names_learner = self
            .recipient_name
            .as_deref()
            .map(str::trim)
            .is_some_and(|name| !name.is_empty() && lower.contains(&name.to_lowercase()));
        // A very short local part ("jo") would match most words, and says little on its own.
        let local_part = self.recipient_email.split('@').next().unwrap_or_default();
        let private = names_learner
            || (local_part.len() >= 3 && lower.contains(local_part))
            || reason.contains('@')
            || lower.contains("://")
            || lower.contains("www.")
            || reason.chars().filter(char::is_ascii_digit).count() > 6;
        let fits = !reason.is_empty() && reason.chars().count() <= MAX_PUBLIC_REASON_CHARS;
        (fits && !private).then_some(reason)
    }
}

/// One piece of evidence (already validated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceItem {
    /// A name.
    pub name: Option<String>,
    /// A narrative in Markdown.
    pub narrative: Option<String>,
    /// An absolute http(s) URL.
    pub url: Option<String>,
}

/// What a new award is made from (already validated).
#[derive(Debug, Clone)]
pub struct NewAward {
    /// The achievement to award.
    pub achievement_id: String,
    /// The learner.
    pub recipient_email: Email,
    /// The learner's name.
    pub recipient_name: Option<String>,
    /// Whether the name shows on the award's public page (the email never does).
    pub name_public: bool,
    /// How it was earned.
    pub evidence: Vec<EvidenceItem>,
    /// The client's `Idempotency-Key`, if it sent one.
    pub idempotency_key: Option<String>,
    /// Results the learner obtained, of the achievement's kinds (a lab's challenges).
    pub results: Vec<AwardResult>,
}

/// A result the learner obtained, of one of the achievement's kinds of result
/// ([`achievement::ResultKind`]): an OB 3.0 `Result` in the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardResult {
    /// The kind's key.
    pub key: String,
    /// The value, for kinds with values.
    pub value: Option<String>,
    /// The status (`Completed`, …), for `Status` kinds.
    pub status: Option<String>,
}

const COLUMNS: &str = "id, org_id, achievement_id, issuer_id, recipient_email, recipient_name, \
     credential, status_list_id, status_index, valid_from, valid_until, revoked_at, \
     revocation_reason, idempotency_key, created_at, name_public";

fn from_row(row: &AnyRow) -> Award {
    Award {
        id: row.get("id"),
        org_id: row.get("org_id"),
        achievement_id: row.get("achievement_id"),
        issuer_id: row.get("issuer_id"),
        recipient_email: row.get("recipient_email"),
        recipient_name: row.get("recipient_name"),
        credential: row.get("credential"),
        status_list_id: row.get("status_list_id"),
        status_index: row.get("status_index"),
        valid_from: row.get("valid_from"),
        valid_until: row.get("valid_until"),
        revoked_at: row.get("revoked_at"),
        revocation_reason: row.get("revocation_reason"),
        idempotency_key: row.get("idempotency_key"),
        created_at: row.get("created_at"),
        name_public: row.get::<i64, _>("name_public") != 0,
    }
}

/// Awards an achievement. Returns the award and whether it was made now (`false` when an
/// earlier request with the same idempotency key made it).
pub async fn create(
    state: &AppState,
    caller: &Caller,
    new: NewAward,
) -> Result<(Award, bool), ApiError> {
    let org_id = &caller.org_id;
    if let Some(existing) = find_by_key(state.db(), org_id, new.idempotency_key.as_deref()).await? {
        return replay(existing, &new).map(|award| (award, false));
    }
    let (achievement, issuer) = awardable(state, org_id, &new.achievement_id).await?;
    let (key, method) = issuer::signing_key(state, &issuer).await?;

    let (list_id, index) = state
        .status_entries()
        .take(state.db(), org_id, &issuer.id)
        .await?;
    // Signed before the transaction: nothing in it depends on the database any more, and
    // on SQLite the write lock is then held only for the writes.
    let award = signed_award(
        state,
        &new,
        &achievement,
        &issuer,
        (&list_id, index),
        &key,
        method,
    )?;
    let data = json!({"achievement_id": award.achievement_id, "issuer_id": award.issuer_id,
                      "by": actor(caller)});
    let issued = NewEvent::new(org_id, EventKind::AwardIssued, &award.id, &data);
    let email = crate::email::AwardEmail {
        email: award.recipient_email.clone(),
        name: award.recipient_name.clone(),
        achievement: achievement.name.clone(),
        issuer: issuer.name.clone(),
    };
    let mut email = serde_json::to_value(email).map_err(ApiError::internal)?;
    email["award_id"] = json!(award.id);
    let stored = state
        .award_writer()
        .store(award, issued, email)
        .await
        .map_err(ApiError::internal)?;
    let Some(award) = stored else {
        // A concurrent request with the same key won; answer with its award.
        let existing = find_by_key(state.db(), org_id, new.idempotency_key.as_deref()).await?;
        let existing =
            existing.ok_or_else(|| ApiError::internal("an award could not be stored"))?;
        return replay(existing, &new).map(|award| (award, false));
    };
    tracing::info!(award.id = %award.id, org.id = %org_id, "award issued");
    Ok((award, true))
}

/// The achievement and its issuer, when both may still award.
async fn awardable(
    state: &AppState,
    org_id: &str,
    achievement_id: &str,
) -> Result<(Achievement, Issuer), ApiError> {
    const POINTER: &str = "/achievement_id";
    let (achievement, issuer) = achievement::get_with_issuer(state.db(), org_id, achievement_id)
        .await?
        .ok_or_else(|| ApiError::invalid_field(POINTER, "no such achievement"))?;
    if achievement.archived_at.is_some() {
        return Err(ApiError::invalid_field(
            POINTER,
            "the achievement is archived and can no longer be awarded",
        ));
    }
    if issuer.archived_at.is_some() {
        return Err(ApiError::invalid_field(
            POINTER,
            "the achievement's issuer is archived and signs no more credentials",
        ));
    }
    Ok((achievement, issuer))
}

/// Builds the award with its signed credential.
fn signed_award(
    state: &AppState,
    new: &NewAward,
    achievement: &Achievement,
    issuer: &Issuer,
    (list_id, index): (&str, usize),
    key: &badges::keys::KeyPair,
    method: String,
) -> Result<Award, ApiError> {
    let now = now_ms();
    let valid_from = DateTime::from_timestamp(now / 1000, 0).unwrap_or_else(Utc::now);
    let valid_until = achievement
        .valid_for_days
        .map(|days| valid_from + Duration::days(days));
    let list_url = status_list::public_id(state.public_url(), list_id);
    let status = StatusListEntry::new(&list_url, index, StatusPurpose::Revocation);
    let id = new_id();
    let parts = credential::CredentialParts {
        public_url: state.public_url(),
        award_id: &id,
        issuer,
        achievement,
        email: &new.recipient_email,
        salt: &credential::new_salt(),
        evidence: &new.evidence,
        results: &new.results,
        valid_from,
        valid_until,
        status: status.to_json(),
    };
    let unsigned = credential::build(&parts)?;
    let options = badges::proof::ProofOptions {
        verification_method: method,
        created: valid_from,
    };
    let signed = badges::proof::sign(&unsigned, key, &options).map_err(ApiError::internal)?;
    Ok(Award {
        id,
        org_id: issuer.org_id.clone(),
        achievement_id: achievement.id.clone(),
        issuer_id: issuer.id.clone(),
        recipient_email: new.recipient_email.to_string(),
        recipient_name: new.recipient_name.clone(),
        name_public: new.name_public,
        credential: signed.to_string(),
        status_list_id: list_id.to_owned(),
        status_index: i64::try_from(index).map_err(ApiError::internal)?,
        valid_from: valid_from.timestamp_millis(),
        valid_until: valid_until.map(|t| t.timestamp_millis()),
        revoked_at: None,
        revocation_reason: None,
        idempotency_key: new.idempotency_key.clone(),
        created_at: now,
    })
}

/// Inserts awards in one statement, skipping any whose idempotency key is taken; returns
/// the ids of those inserted.
async fn insert_many(
    tx: &mut sqlx::AnyConnection,
    awards: &[&Award],
) -> sqlx::Result<HashSet<String>> {
    const COLUMN_COUNT: usize = 16;
    let sql = format!(
        "INSERT INTO awards ({COLUMNS}) VALUES {} ON CONFLICT DO NOTHING RETURNING id",
        placeholders(awards.len(), COLUMN_COUNT)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for award in awards {
        query = query
            .bind(&award.id)
            .bind(&award.org_id)
            .bind(&award.achievement_id)
            .bind(&award.issuer_id)
            .bind(&award.recipient_email)
            .bind(&award.recipient_name)
            .bind(&award.credential)
            .bind(&award.status_list_id)
            .bind(award.status_index)
            .bind(award.valid_from)
            .bind(award.valid_until)
            .bind(award.revoked_at)
            .bind(&award.revocation_reason)
            .bind(&award.idempotency_key)
            .bind(award.created_at)
            .bind(i64::from(award.name_public));
    }
    let rows = query.fetch_all(tx).await?;
    Ok(rows.iter().map(|row| row.get("id")).collect())
}

/// The award an idempotency key made, if the request is the same one; 409 if it is not.
fn replay(existing: Award, new: &NewAward) -> Result<Award, ApiError> {
    let stored_evidence = serde_json::from_str::<Value>(&existing.credential)
        .map(|c| c.get("evidence").cloned().unwrap_or(json!([])))
        .map_err(ApiError::internal)?;
    let same = existing.achievement_id == new.achievement_id
        && existing.recipient_email == new.recipient_email.as_str()
        && existing.recipient_name == new.recipient_name
        && existing.name_public == new.name_public
        && stored_evidence == json!(credential::evidence(&new.evidence));
    if same {
        Ok(existing)
    } else {
        Err(ApiError::conflict(format!(
            "the Idempotency-Key was already used for a different request (award {}); use a \
             new key for a new award",
            existing.id
        )))
    }
}

async fn find_by_key(db: &Db, org_id: &str, key: Option<&str>) -> sqlx::Result<Option<Award>> {
    let Some(key) = key else {
        return Ok(None);
    };
    let sql = format!("SELECT {COLUMNS} FROM awards WHERE org_id = $1 AND idempotency_key = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id)
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(from_row))
}

fn actor(caller: &Caller) -> Value {
    match &caller.actor {
        Actor::Token(id) => json!({"token_id": id}),
        Actor::User(id) => json!({"user_id": id}),
        Actor::LabSession(id) => json!({"lab_session_id": id}),
    }
}

/// Revokes an award: records why, sets its status list bit and appends `award.revoked`.
/// Revoking an award twice is a 409; another organization's award is a 404.
pub async fn revoke(
    state: &AppState,
    caller: &Caller,
    award_id: &str,
    reason: &str,
) -> Result<Award, ApiError> {
    let org_id = &caller.org_id;
    let _write = state.db().write_lock().await;
    let mut tx = state.db().pool.begin().await?;
    // One conditional write both claims the revocation and, on SQLite, takes the write lock.
    let row = sqlx::query(
        "UPDATE awards SET revoked_at = $1, revocation_reason = $2 \
         WHERE org_id = $3 AND id = $4 AND revoked_at IS NULL \
         RETURNING status_list_id, status_index",
    )
    .bind(now_ms())
    .bind(reason)
    .bind(org_id)
    .bind(award_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return match get(state.db(), org_id, award_id).await? {
            Some(_) => Err(ApiError::conflict("the award is already revoked")),
            None => Err(ApiError::not_found("award")),
        };
    };
    let list_id: String = row.get("status_list_id");
    let index: i64 = row.get("status_index");
    let index = usize::try_from(index).map_err(ApiError::internal)?;
    status_list::set_revoked(&mut tx, &list_id, index).await?;
    let data = json!({"by": actor(caller)});
    event::append(&mut tx, org_id, EventKind::AwardRevoked, award_id, data).await?;
    tx.commit().await?;
    tracing::info!(award.id = %award_id, org.id = %org_id, "award revoked");
    get(state.db(), org_id, award_id)
        .await?
        .ok_or_else(|| ApiError::internal("a revoked award vanished"))
}

/// Finds an award of an organization.
pub async fn get(db: &Db, org_id: &str, id: &str) -> sqlx::Result<Option<Award>> {
    let sql = format!("SELECT {COLUMNS} FROM awards WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Finds an award by id alone, for its public documents.
pub async fn get_public(db: &Db, id: &str) -> sqlx::Result<Option<Award>> {
    let sql = format!("SELECT {COLUMNS} FROM awards WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Which awards to list, and from where.
#[derive(Debug, Clone, Default)]
pub struct AwardFilter {
    /// Only awards of this achievement.
    pub achievement_id: Option<String>,
    /// Only awards to this (lower-case) email.
    pub email: Option<String>,
    /// Only awards older than this `(created_at, id)`: the last one of the previous page.
    pub after: Option<(i64, String)>,
    /// At most this many.
    pub limit: i64,
}

/// The awards of an organization, newest first, from `filter.after` on.
pub async fn list(db: &Db, org_id: &str, filter: &AwardFilter) -> sqlx::Result<Vec<Award>> {
    // Only fixed fragments go into the text; every value is bound.
    let mut sql = format!("SELECT {COLUMNS} FROM awards WHERE org_id = $1");
    let mut n = 1;
    let mut next = || {
        n += 1;
        n
    };
    if filter.achievement_id.is_some() {
        sql.push_str(&format!(" AND achievement_id = ${}", next()));
    }
    if filter.email.is_some() {
        sql.push_str(&format!(" AND recipient_email = ${}", next()));
    }
    if filter.after.is_some() {
        let (a, b, c) = (next(), next(), next());
        sql.push_str(&format!(
            " AND (created_at < ${a} OR (created_at = ${b} AND id < ${c}))"
        ));
    }
    sql.push_str(&format!(
        " ORDER BY created_at DESC, id DESC LIMIT ${}",
        next()
    ));

    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org_id);
    if let Some(id) = &filter.achievement_id {
        query = query.bind(id);
    }
    if let Some(email) = &filter.email {
        query = query.bind(email);
    }
    if let Some((created_at, id)) = &filter.after {
        query = query.bind(*created_at).bind(*created_at).bind(id);
    }
    let rows = query.bind(filter.limit).fetch_all(&db.pool).await?;
    Ok(rows.iter().map(from_row).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn award(valid_until: Option<i64>, revoked_at: Option<i64>) -> Award {
        Award {
            id: "w".into(),
            org_id: "o".into(),
            achievement_id: "a".into(),
            issuer_id: "i".into(),
            recipient_email: "ada@example.org".into(),
            recipient_name: None,
            name_public: false,
            credential: "{}".into(),
            status_list_id: "l".into(),
            status_index: 0,
            valid_from: 0,
            valid_until,
            revoked_at,
            revocation_reason: None,
            idempotency_key: None,
            created_at: 0,
        }
    }

    #[test]
    fn status_follows_revocation_then_expiry() {
        assert_eq!(award(None, None).status_at(100), AwardStatus::Active);
        assert_eq!(award(Some(200), None).status_at(100), AwardStatus::Active);
        assert_eq!(award(Some(100), None).status_at(100), AwardStatus::Expired);
        assert_eq!(
            award(Some(50), Some(10)).status_at(100),
            AwardStatus::Revoked
        );
    }

    #[test]
    fn only_impersonal_revocation_reasons_are_public() {
        let revoked = |reason: &str| Award {
            recipient_name: Some("Ada Lovelace".into()),
            revocation_reason: Some(reason.into()),
            ..award(None, Some(1))
        };
        let said = |reason: &str| {
            revoked(reason)
                .public_revocation_reason()
                .map(str::to_owned)
        };
        assert_eq!(
            said(" Issued by mistake. ").as_deref(),
            Some("Issued by mistake.")
        );
        for private in [
            "ada lovelace asked for it",
            "duplicate of ada's award",
            "see ops@example.org",
            "see https://intranet.example/ticket",
            "call +44 20 7946 0000",
            "",
        ] {
            assert_eq!(said(private), None, "{private}");
        }
        assert_eq!(said(&"x".repeat(MAX_PUBLIC_REASON_CHARS + 1)), None);
        assert_eq!(award(None, Some(1)).public_revocation_reason(), None);
    }

    #[test]
    fn a_replay_must_repeat_the_request() {
        let new = NewAward {
            achievement_id: "a".into(),
            recipient_email: Email::parse("ada@example.org").unwrap(),
            recipient_name: None,
            name_public: false,
            evidence: Vec::new(),
            idempotency_key: Some("k".into()),
            results: Vec::new(),
        };
        assert!(replay(award(None, None), &new).is_ok());
        let other = NewAward {
            achievement_id: "b".into(),
            ..new.clone()
        };
        let conflict = replay(award(None, None), &other).unwrap_err();
        assert_eq!(conflict.status(), axum::http::StatusCode::CONFLICT);
        let with_evidence = NewAward {
            evidence: vec![EvidenceItem {
                name: Some("x".into()),
                narrative: None,
                url: None,
            }],
            ..new.clone()
        };
        assert!(replay(award(None, None), &with_evidence).is_err());
        let shown = NewAward {
            name_public: true,
            ..new
        };
        assert!(replay(award(None, None), &shown).is_err());
    }
}
